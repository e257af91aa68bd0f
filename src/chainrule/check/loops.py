"""Reading a learner's loop code — the course's ``conv_backward`` and ``pool_backward``,
``rnn_cell_backward`` and ``rnn_backward`` — by a whitelisting interpreter of Python's syntax tree.

A backward pass written as four nested loops over windows cannot be turned into one formula, so it
is *interpreted* on chosen arrays: :mod:`ast` parses the text, and this module walks the tree,
performing only the operations on its whitelist — assignment and unpacking, ``+=``, ``for`` over
``range`` (``reversed(range(…))``, ``range(…)[::-1]``), ``if``, ``return``, ``assert``, arithmetic
and comparisons, subscripts and slices, ``.shape``, ``.copy()``, a handful of NumPy functions
(``np.zeros``, ``np.pad``, ``np.tanh``, …) and the learner's own functions defined in the same text
(``zero_pad``, ``create_mask_from_window``, ``distribute_value``, ``rnn_cell_backward``). Nothing
is imported, compiled or ``exec``-ed; anything else (attributes other than those, other calls,
``while``, ``import`` of anything but NumPy, comprehensions) is refused with its line, and the
number of statements a run may execute is bounded.
"""

from __future__ import annotations

import ast
import copy
import operator
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import ParseError

__all__ = ["Program", "LearnerError", "read_program"]

MAX_STATEMENTS = 200_000
MAX_ENTRIES = 10_000_000

_NUMPY: dict[str, Callable] = {
    "zeros": np.zeros,
    "zeros_like": np.zeros_like,
    "ones": np.ones,
    "ones_like": np.ones_like,
    "pad": np.pad,
    "max": np.max,
    "min": np.min,
    "sum": np.sum,
    "mean": np.mean,
    "multiply": np.multiply,
    "dot": np.dot,
    "array": np.array,
    "copy": np.copy,
    "shape": np.shape,
    "flip": np.flip,
    "rot90": np.rot90,
    "equal": np.equal,
    "prod": np.prod,
    "tanh": np.tanh,
    "concatenate": np.concatenate,
    "square": np.square,
    "power": np.power,
    "transpose": np.transpose,
    "matmul": np.matmul,
    "vstack": np.vstack,
    "hstack": np.hstack,
    "add": np.add,
    "subtract": np.subtract,
    "exp": np.exp,
}
_BUILTINS: dict[str, Callable] = {
    "range": range,
    "int": int,
    "float": float,
    "len": len,
    "abs": abs,
    "print": lambda *a, **k: None,
    "dict": dict,
}
_BIN = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.MatMult: operator.matmul,
}
_CMP = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


class LearnerError(Exception):
    """The learner's code failed on the arrays it was given (as NumPy would have): line, message."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line, self.message = line, message


class _Return(Exception):
    def __init__(self, value: object) -> None:
        self.value = value


class _Numpy:
    """What the name ``np`` means: only the whitelisted functions."""


class Program:
    """The learner's functions, read from text; :meth:`call` interprets one of them."""

    def __init__(self, tree: ast.Module, text: str) -> None:
        self.tree, self.text = tree, text
        self.functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        self.budget = MAX_STATEMENTS

    def call(self, name: str, *args: object) -> object:
        self.budget = MAX_STATEMENTS
        return self._call(self.functions[name], list(args), {})

    # -- functions and statements ---------------------------------------------------------------
    def _call(self, fn: ast.FunctionDef, args: list, kwargs: Mapping) -> object:
        params = [a.arg for a in fn.args.args]
        defaults = dict(
            zip(params[len(params) - len(fn.args.defaults) :], fn.args.defaults, strict=True)
        )
        env: dict[str, Any] = {"np": _Numpy()}
        for k, p in enumerate(params):
            if k < len(args):
                env[p] = args[k]
            elif p in kwargs:
                env[p] = kwargs[p]
            elif p in defaults:
                env[p] = self._expr(defaults[p], env)
            else:
                raise LearnerError(fn.lineno, f"{fn.name}() is missing its argument {p}")
        try:
            self._block(fn.body, env)
        except _Return as r:
            return r.value
        return None

    def _block(self, body: list[ast.stmt], env: dict) -> None:
        for s in body:
            self._stmt(s, env)

    def _stmt(self, s: ast.stmt, env: dict) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise LearnerError(s.lineno, "the loops run too long for the arrays given")
        try:
            self._dispatch(s, env)
        except (_Return, LearnerError, ParseError):
            raise
        except Exception as e:  # NumPy's own complaint, as the learner would see it
            raise LearnerError(s.lineno, f"{type(e).__name__}: {e}") from None

    def _dispatch(self, s: ast.stmt, env: dict) -> None:
        if isinstance(s, ast.Assign):
            value = self._expr(s.value, env)
            for t in s.targets:
                self._assign(t, value, env)
        elif isinstance(s, ast.AugAssign):
            op = _BIN.get(type(s.op))
            if op is None:
                raise self._refuse(s, "this operator")
            current = self._expr(_load(s.target), env)
            self._assign(s.target, op(current, self._expr(s.value, env)), env, augmented=True)
        elif isinstance(s, ast.For):
            self._for(s, env)
        elif isinstance(s, ast.If):
            self._block(s.body if self._expr(s.test, env) else s.orelse, env)
        elif isinstance(s, ast.Return):
            raise _Return(None if s.value is None else self._expr(s.value, env))
        elif isinstance(s, ast.Assert):
            if not self._expr(s.test, env):
                raise LearnerError(s.lineno, f"assert failed: {ast.unparse(s.test)}")
        elif isinstance(s, ast.Expr):
            self._expr(s.value, env)
        elif isinstance(s, ast.Import | ast.ImportFrom) and _numpy_import(s):
            pass
        elif not isinstance(s, ast.Pass):
            raise self._refuse(s, type(s).__name__)

    def _for(self, s: ast.For, env: dict) -> None:
        if s.orelse or not isinstance(s.target, ast.Name):
            raise self._refuse(s, "this for loop")
        it, backwards, cut = s.iter, False, None
        if _is_call(it, "reversed") and len(it.args) == 1 and not it.keywords:
            it, backwards = it.args[0], True  # the course's reversed(range(T_x))
        if isinstance(it, ast.Subscript) and isinstance(it.slice, ast.Slice):
            it, cut = it.value, it.slice  # range(T_x)[::-1]
        if not _is_call(it, "range"):
            raise self._refuse(s, "a loop over anything but range(...) or reversed(range(...))")
        steps = self._expr(it, env)
        steps = steps if cut is None else steps[self._index(cut, env)]
        for k in reversed(steps) if backwards else steps:
            env[s.target.id] = k
            self._block(s.body, env)

    def _assign(self, t: ast.expr, value: object, env: dict, augmented: bool = False) -> None:
        if isinstance(t, ast.Name):
            env[t.id] = value
        elif isinstance(t, ast.Tuple | ast.List):
            values = list(value)
            if len(values) != len(t.elts):
                raise LearnerError(
                    t.lineno, f"cannot unpack {len(values)} values into {len(t.elts)}"
                )
            for e, v in zip(t.elts, values, strict=True):
                self._assign(e, v, env)
        elif isinstance(t, ast.Subscript):
            target = self._expr(t.value, env)
            target[self._index(t.slice, env)] = value
        else:
            raise self._refuse(t, "this assignment")

    # -- expressions ------------------------------------------------------------------------------
    def _expr(self, e: ast.expr, env: dict) -> Any:  # noqa: ANN401 - arrays, numbers, tuples
        if isinstance(e, ast.Constant):
            return e.value
        if isinstance(e, ast.Name):
            if e.id in env:
                return env[e.id]
            if e.id in _BUILTINS:
                return _BUILTINS[e.id]
            if e.id in self.functions:
                return self.functions[e.id]
            raise LearnerError(e.lineno, f"name {e.id!r} is not defined")
        if isinstance(e, ast.Tuple | ast.List):
            items = [self._expr(x, env) for x in e.elts]
            return tuple(items) if isinstance(e, ast.Tuple) else items
        if isinstance(e, ast.BinOp) and type(e.op) in _BIN:
            left, right = self._expr(e.left, env), self._expr(e.right, env)
            if isinstance(e.op, ast.Pow) and isinstance(right, int) and abs(right) > 64:
                raise self._refuse(e, "a power this large")
            return _BIN[type(e.op)](left, right)
        if isinstance(e, ast.UnaryOp):
            v = self._expr(e.operand, env)
            ops = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
            return ops[type(e.op)](v)
        if isinstance(e, ast.Compare):
            return self._compare(e, env)
        if isinstance(e, ast.BoolOp):
            values = (self._expr(v, env) for v in e.values)
            return all(values) if isinstance(e.op, ast.And) else any(values)
        if isinstance(e, ast.Subscript):
            return self._expr(e.value, env)[self._index(e.slice, env)]
        if isinstance(e, ast.Attribute):
            return self._attribute(e, env)
        if isinstance(e, ast.Call):
            return self._call_expr(e, env)
        if isinstance(e, ast.Dict):
            return {
                self._expr(k, env): self._expr(v, env)
                for k, v in zip(e.keys, e.values, strict=True)
            }
        raise self._refuse(e, type(e).__name__)

    def _compare(self, e: ast.Compare, env: dict) -> Any:  # noqa: ANN401
        left, out = self._expr(e.left, env), True
        for op, right_node in zip(e.ops, e.comparators, strict=True):
            if type(op) not in _CMP:
                raise self._refuse(e, "this comparison")
            right = self._expr(right_node, env)
            result = _CMP[type(op)](left, right)
            out = result if out is True else out & result
            left = right
        return out

    def _index(self, s: ast.expr, env: dict) -> Any:  # noqa: ANN401
        if isinstance(s, ast.Slice):
            parts = (s.lower, s.upper, s.step)
            return slice(*(None if p is None else self._expr(p, env) for p in parts))
        if isinstance(s, ast.Tuple):
            return tuple(self._index(x, env) for x in s.elts)
        return self._expr(s, env)

    def _attribute(self, e: ast.Attribute, env: dict) -> Any:  # noqa: ANN401
        base = self._expr(e.value, env)
        if isinstance(base, _Numpy) and e.attr in _NUMPY:
            return _NUMPY[e.attr]
        if isinstance(base, np.ndarray) and e.attr in ("shape", "T", "ndim", "size"):
            return getattr(base, e.attr)
        raise self._refuse(e, f"the attribute .{e.attr}")

    def _call_expr(self, e: ast.Call, env: dict) -> Any:  # noqa: ANN401
        if isinstance(e.func, ast.Name) and not (
            e.func.id in env or e.func.id in _BUILTINS or e.func.id in self.functions
        ):
            raise self._refuse(e, f"the call {e.func.id}(...)")
        if isinstance(e.func, ast.Attribute) and e.func.attr in ("copy", "reshape", "sum", "max"):
            base = self._expr(e.func.value, env)
            if isinstance(base, np.ndarray):
                args, kwargs = self._arguments(e, env)
                return getattr(base, e.func.attr)(*args, **kwargs)
        fn = self._expr(e.func, env)
        args, kwargs = self._arguments(e, env)
        if isinstance(fn, ast.FunctionDef):
            return self._call(fn, args, kwargs)
        if fn in (np.zeros, np.ones) and args and np.prod(args[0]) > MAX_ENTRIES:
            raise LearnerError(e.lineno, f"an array of shape {args[0]} is far larger than needed")
        if fn in _NUMPY.values() or fn in _BUILTINS.values():
            return fn(*args, **kwargs)
        raise self._refuse(e, f"the call {ast.unparse(e.func)}(...)")

    def _arguments(self, e: ast.Call, env: dict) -> tuple[list, dict]:
        if any(isinstance(a, ast.Starred) for a in e.args) or any(
            k.arg is None for k in e.keywords
        ):
            raise self._refuse(e, "* or ** arguments")
        return [self._expr(a, env) for a in e.args], {
            k.arg: self._expr(k.value, env) for k in e.keywords
        }

    def _refuse(self, node: ast.AST, what: str) -> ParseError:
        return ParseError(
            f"line {getattr(node, 'lineno', '?')}: {what} is not something chainrule reads in a "
            "backward pass (it interprets assignments, for over range, if, slices, arithmetic and "
            "a few NumPy functions)"
        )


def _load(t: ast.expr) -> ast.expr:
    """The target of ``x += …`` read as a value."""
    return ast.fix_missing_locations(ast.copy_location(_as_load(t), t))


def _as_load(t: ast.expr) -> ast.expr:
    if isinstance(t, ast.Name):
        return ast.Name(t.id, ast.Load())
    if isinstance(t, ast.Subscript):
        return ast.Subscript(_as_load(t.value), t.slice, ast.Load())
    return t


def _is_call(e: ast.expr, name: str) -> bool:
    return isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == name


def _numpy_import(s: ast.stmt) -> bool:
    if isinstance(s, ast.Import):
        return all(a.name == "numpy" and a.asname in (None, "np") for a in s.names)
    return False


def read_program(text: str) -> Program:
    """The learner's text as a :class:`Program` (a syntax error is a ParseError with its line)."""
    try:
        tree = ast.parse(text)
    except SyntaxError as e:
        raise ParseError(f"line {e.lineno}: {e.msg}") from None
    for s in tree.body:
        docstring = isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
        if not (isinstance(s, ast.FunctionDef) or docstring or _numpy_import(s)):
            raise ParseError(
                f"line {s.lineno}: only functions and `import numpy as np` are read at the top "
                f"level, not {ast.unparse(s).splitlines()[0]!r}"
            )
    return Program(tree, text)


# -- repairs of the learner's code (the convolution and recurrence checkers share them) -----------
def accumulate(st: ast.stmt) -> ast.stmt:
    """``x = e`` → ``x += e``: the repair of a gradient overwritten where uses must add up."""
    return ast.AugAssign(copy.deepcopy(st.targets[0]), ast.Add(), copy.deepcopy(st.value))


def swap_statement(root: ast.AST, old: ast.stmt, new: ast.stmt | list[ast.stmt]) -> None:
    """Put ``new`` (a statement, or several: lines inserted) where ``old`` stands in one of
    ``root``'s statement lists (in place)."""
    news = new if isinstance(new, list) else [new]
    for n in news:
        ast.copy_location(n, old)
        ast.fix_missing_locations(n)
    for node in ast.walk(root):
        for name in ("body", "orelse"):
            body = getattr(node, name, None)
            if isinstance(body, list) and old in body:
                k = body.index(old)
                body[k : k + 1] = news
                return
