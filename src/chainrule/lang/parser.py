"""A whitelisting parser from NumPy syntax to the IR.

Python's own ``ast`` reads the string (``mode="eval"``); every node kind we accept is listed below
and anything else is a :class:`ParseError` pointing at its column. Nothing is ever ``eval``-ed.
Functions are looked up by their last dotted component in :data:`FUNCTIONS` (``np.tanh``,
``numpy.tanh`` and ``tanh`` are the same; :mod:`.functions` defines them).

Each spelling keeps NumPy's exact meaning or is refused. Comparisons with 0 are 0/1 masks with their
value at exactly 0 made explicit: ``x > 0`` is the step 𝟙[x > 0] and ``x >= 0`` is 1 − 𝟙[−x > 0],
so ``A1 >= 0`` on a ReLU layer is all ones (A1 = relu(Z1) ≥ 0), never relu′. Casts to an integer
type (``np.int64(…)``, ``.astype(int)``) are read only around a mask, where they change nothing;
float casts and copies change nothing anywhere. ``x.shape[k]`` is the size (``m`` for the examples'
axis), ``a.dot(b)`` is ``np.dot(a, b)``, and ``np.dot`` with a scalar scales, as in NumPy. Where
NumPy's boolean arithmetic differs from 0/1 arithmetic (``(a > 0) + (b > 0)`` is a logical or,
``-(a > 0)`` raises), the expression is refused.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Callable, Mapping

from ..errors import ChainruleError, ParseError, ShapeError, UnknownFunctionError
from ..ir import build, stack
from ..ir.expr import Expr
from ..ir.shapes import check_shape, fmt_shape
from .functions import COMPARISONS, FUNCTIONS, PREFIXES, Handler, number, one_minus, register

__all__ = ["parse", "FUNCTIONS", "METHODS", "register", "known_call", "is_method"]

_LOGICAL = {
    ast.Add: "adds them as a logical or",
    ast.Sub: "cannot subtract them",
    ast.MatMult: "multiplies them as logic (or of ands)",
}
_FLIP = {ast.Gt: ast.Lt, ast.GtE: ast.LtE, ast.Lt: ast.Gt, ast.LtE: ast.GtE}


class _Parser:
    """One parse: the source (for messages), the declared shapes, and the node walk."""

    def __init__(
        self,
        source: str,
        shapes: Mapping[str, tuple],
        props: Mapping[str, tuple],
        functions: Mapping[str, Handler] | None = None,
    ) -> None:
        self.source = source
        self.functions = dict(functions or {})
        self.vars = {
            n: build.var(n, check_shape(tuple(s)), props.get(n, ())) for n, s in shapes.items()
        }
        self.dims = {d for s in shapes.values() for d in s if isinstance(d, str)}

    def fail(
        self,
        node: ast.AST,
        message: str,
        hint: str | None = None,
        kind: type[ParseError] = ParseError,
    ) -> ParseError:
        return kind(message, source=self.source, col=getattr(node, "col_offset", None), hint=hint)

    def seg(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or "?"

    def expr(self, node: ast.AST) -> Expr:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise self.fail(
                node,
                f"{type(node).__name__.lower()} syntax is not part of the language",
                hint="use NumPy operators (@ * / + - **), .T and np.<function>(...)",
            )
        try:
            return method(node)
        except ParseError:
            raise
        except ShapeError as e:  # once, at the innermost node; a ParseError passes outer ones
            raise self.fail(
                node, f"in {self.seg(node)!r}: {e.message}", e.hint, kind=_ShapeParseError
            ) from None

    def _Expression(self, node: ast.Expression) -> Expr:  # noqa: N802
        return self.expr(node.body)

    def _Constant(self, node: ast.Constant) -> Expr:  # noqa: N802
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise self.fail(node, f"constant {node.value!r} is not a number")
        if not math.isfinite(node.value):
            raise self.fail(node, f"constant {self.seg(node)} is not a finite number")
        return build.const(node.value)

    def _Name(self, node: ast.Name) -> Expr:  # noqa: N802
        if node.id in self.vars:
            return self.vars[node.id]
        if node.id in self.dims:
            return build.dim(node.id)
        known = ", ".join(sorted(self.vars)) or "none"
        raise self.fail(
            node,
            f"unknown name {node.id!r}",
            hint=f"declare its shape (e.g. shapes={{'{node.id}': (n, 1)}}); known: {known}",
        )

    def _Attribute(self, node: ast.Attribute) -> Expr:  # noqa: N802
        if node.attr == "T":
            return build.transpose(self.expr(node.value))
        if node.attr == "shape":
            raise self.fail(
                node,
                f"{self.seg(node)} is a tuple of sizes, not an array",
                hint=f"{self.seg(node)}[1] is a size; np.ones({self.seg(node)}) an array of ones",
            )
        raise self.fail(
            node,
            f"attribute .{node.attr} is not supported",
            hint="only .T, .shape[k], .dot(…), .astype(…), .copy(), .sum(…) and .mean(…) are",
        )

    def _Subscript(self, node: ast.Subscript) -> Expr:  # noqa: N802
        """``X.shape[1]``: a size, ``m`` where it is the examples' axis; ``G[:n_a]``, ``G[n_a:]``:
        a block of rows (the parts of a stacked ``[a_prev; xt]``)."""
        if isinstance(node.slice, ast.Slice):
            return self._rows(node)
        d = self._shape_entry(node)
        return build.dim(d) if isinstance(d, str) else build.const(d)

    def _rows(self, node: ast.Subscript) -> Expr:
        cut = node.slice
        if cut.step is not None or (cut.lower is None) == (cut.upper is None):
            raise self.fail(
                node, f"{self.seg(node)}: take the first rows, X[:k], or the last, X[k:]"
            )
        x = self.expr(node.value)
        k = self._size(cut.upper if cut.lower is None else cut.lower)
        rest = _rest(x.shape[0], k) if x.shape else None
        if rest is None:
            raise self.fail(
                node,
                f"{self.seg(node)}: {k} does not cut the {fmt_shape(x.shape[:1])} rows of "
                f"{self.seg(node.value)} into two parts",
                hint="cut a stacked array where its parts meet, e.g. dconcat[:n_a]",
            )
        if cut.lower is None:
            return stack.rows(x, "top", k, rest)
        return stack.rows(x, "bottom", rest, k)

    def _shape_entry(self, node: ast.Subscript) -> int | str:
        value, index = node.value, node.slice
        if not (isinstance(value, ast.Attribute) and value.attr == "shape"):
            raise self.fail(
                node,
                f"indexing {self.seg(node)!r} is not part of the language",
                hint="write a layer's quantity as W2 or W[2], and a size as X.shape[1]",
            )
        shape = self.expr(value.value).shape
        k = index.operand.value * -1 if _negative_int(index) else getattr(index, "value", None)
        if type(k) is not int or not -len(shape) <= k < len(shape):
            raise self.fail(
                node,
                f"{self.seg(node)}: the shape {fmt_shape(shape)} has no entry {self.seg(index)}",
                hint=f"its entries are {self.seg(value)}[0] to {self.seg(value)}[{len(shape) - 1}]",
            )
        return shape[k]

    def _Compare(self, node: ast.Compare) -> Expr:  # noqa: N802
        """``x > 0``, ``0 <= x``, …: a 0/1 mask, exact at x = 0 (see :data:`COMPARISONS`)."""
        if len(node.ops) == 1:
            left, op, right = node.left, type(node.ops[0]), node.comparators[0]
            if _zero(left) and not _zero(right):
                left, right, op = right, left, _FLIP.get(op, op)
            if _zero(right) and op in COMPARISONS:
                return COMPARISONS[op](self.expr(left))
        raise self.fail(
            node,
            f"the comparison {self.seg(node)!r} is not understood",
            hint="only a comparison with 0 is, such as (Z1 > 0), relu's derivative",
        )

    def _UnaryOp(self, node: ast.UnaryOp) -> Expr:  # noqa: N802
        if isinstance(node.op, ast.Invert | ast.USub) and _boolean(node.operand):
            if isinstance(node.op, ast.Invert):  # NumPy's logical not of a mask
                return one_minus(self.expr(node.operand))
            raise self.fail(
                node,
                f"NumPy cannot negate the boolean array {self.seg(node.operand)}",
                hint=f"write -1 * {self.seg(node.operand)} or 1 - {self.seg(node.operand)}",
            )
        x = self.expr(node.operand)
        if isinstance(node.op, ast.USub):
            return build.const(-x.attrs[0]) if x.op == "const" else -x
        if isinstance(node.op, ast.UAdd):
            return x
        raise self.fail(node, "only unary + and - are supported")

    def _BinOp(self, node: ast.BinOp) -> Expr:  # noqa: N802
        op = type(node.op)
        if op in _LOGICAL and _boolean(node.left) and _boolean(node.right):
            what = _LOGICAL[op]
            raise self.fail(
                node,
                f"{self.seg(node)}: both sides are boolean arrays and NumPy {what}",
                hint="turn one into numbers first, e.g. np.int64(Z1 > 0)",
            )
        a, b = self.expr(node.left), self.expr(node.right)
        if op is ast.MatMult:
            return self._matmul(node, a, b)
        if op is ast.Pow:
            return build.np_pow(a, b if b.op != "const" else number(b, "an exponent"))
        table = {
            ast.Add: build.np_add,
            ast.Sub: build.np_sub,
            ast.Mult: build.np_mul,
            ast.Div: build.np_div,
        }
        if op not in table:
            raise self.fail(node, f"operator {type(node.op).__name__} is not part of the language")
        if op is ast.Div and b.op == "const" and b.attrs[0] == 0:
            raise self.fail(node, "division by zero")
        return table[op](a, b)

    def _operand(self, node: ast.AST, left: bool) -> str:
        """An operand of ``@`` as the user wrote it, in parentheses where ``@`` binds tighter."""
        text = self.seg(node)
        loose = (
            isinstance(node, ast.BinOp)
            and (isinstance(node.op, ast.Add | ast.Sub) or not left)
            or isinstance(node, ast.UnaryOp)
        )
        return f"({text})" if loose else text

    def _matmul(self, node: ast.BinOp, a: Expr, b: Expr) -> Expr:
        la, lb = self._operand(node.left, left=True), self._operand(node.right, left=False)
        if len(a.shape) == 2 and len(b.shape) == 2 and a.shape[1] != b.shape[0]:
            hint = build.chain_fix(a, b, la, lb)
            raise self.fail(
                node,
                f"{la} @ {lb}: {fmt_shape(a.shape)} @ {fmt_shape(b.shape)} do not chain",
                hint=hint,
                kind=_ShapeParseError,
            )
        return build.matmul(a, b)

    def _Call(self, node: ast.Call) -> Expr:  # noqa: N802
        if is_method(node.func):
            return self._method(node)
        name = self._func_name(node.func)
        if name in self.functions:
            return self._apply(node, name, self.functions[name])
        if name in _FORMS:
            return _FORMS[name](self, node)
        if name not in FUNCTIONS:
            raise self.fail(
                node,
                f"unknown function {name!r}",
                hint=f"known: {', '.join(sorted(FUNCTIONS))}",
                kind=UnknownFunctionError,
            )
        return self._apply(node, name, FUNCTIONS[name])

    def _apply(self, node: ast.Call, name: str, f: Handler, first: list | None = None) -> Expr:
        """``f`` of the call's arguments (after ``first``, a method's object), or a clear error."""
        operands = [*([node.func.value] if first else []), *node.args]
        if name.lstrip(".") in _BOOLEAN_DIFFERS and sum(map(_boolean, operands)) == len(operands):
            raise self.fail(
                node,
                f"{self.seg(node)}: NumPy computes this on boolean arrays as logic, not numbers",
                hint="turn them into numbers first, e.g. np.int64(Z1 > 0)",
            )
        args = [*(first or []), *(self._arg(a) for a in node.args)]
        kwargs = {k.arg: self._kwarg(k) for k in node.keywords}
        if not getattr(f, "takes_options", False) and any(
            isinstance(v, str | tuple) for v in (*args, *kwargs.values())
        ):
            raise self.fail(node, f"{name} takes no string or tuple arguments")
        try:
            return f(*args, **kwargs)
        except TypeError as e:
            raise self.fail(node, f"wrong arguments to {name}: {e}") from None
        except ParseError as e:
            message = e.message if name in self.functions else f"{name}: {e.message}"
            raise self.fail(node, message, hint=e.hint) from None

    def _kwarg(self, k: ast.keyword) -> object:
        if k.arg is None:
            raise self.fail(k.value, "**kwargs are not supported")
        v = k.value
        if isinstance(v, ast.Constant) and isinstance(v.value, bool | int | float | None):
            return v.value
        if (
            isinstance(v, ast.UnaryOp)
            and isinstance(v.op, ast.USub)
            and isinstance(v.operand, ast.Constant)
        ):
            return -v.operand.value
        return self._arg(v)

    def _arg(self, node: ast.AST) -> object:
        """An argument: an expression, a shape tuple ``(n, 1)`` or ``A1.shape``, or an option
        string ``'fro'``."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Tuple):
            return tuple(self._size(e) for e in node.elts)
        if isinstance(node, ast.Attribute) and node.attr == "shape":
            return self.expr(node.value).shape
        return self.expr(node)

    def _size(self, node: ast.AST) -> int | str:
        """One entry of a shape tuple: a positive int, a declared dimension's name, X.shape[k]."""
        if isinstance(node, ast.Constant) and type(node.value) is int and node.value > 0:
            return node.value
        if isinstance(node, ast.Name) and node.id in self.dims:
            return node.id
        if isinstance(node, ast.Subscript):
            return self._shape_entry(node)
        raise self.fail(node, "a shape entry must be a positive int or a declared dimension")

    def _func_name(self, f: ast.AST) -> str:
        parts = []
        while isinstance(f, ast.Attribute):
            parts.append(f.attr)
            f = f.value
        if not isinstance(f, ast.Name):
            raise self.fail(f, "only named functions such as np.tanh(...) can be called")
        parts.append(f.id)
        dotted = ".".join(reversed(parts))
        for prefix in PREFIXES:
            if dotted.startswith(prefix) and dotted[len(prefix) :] in (*FUNCTIONS, *_FORMS):
                return dotted[len(prefix) :]
        return dotted

    # -- methods and forms that need the syntax, not only the values -------------------------------
    def _method(self, node: ast.Call) -> Expr:
        """``a.dot(b)``, ``a.astype(t)``, ``a.copy()``, ``a.sum(…)``, ``a.mean(…)``."""
        f = node.func
        if f.attr == "astype":
            return self._cast(node, f.value, _type_name(node.args[0]) if node.args else "")
        if f.attr == "copy" and not node.args and not node.keywords:
            return self.expr(f.value)
        if f.attr == "reshape" and len(node.args) == 1 and not node.keywords:
            return self._reshape(node, f.value, self._arg(node.args[0]))
        if f.attr in _METHODS:
            return self._apply(node, f".{f.attr}", FUNCTIONS[f.attr], [self.expr(f.value)])
        raise self.fail(
            node,
            f"the method .{f.attr}(…) is not part of the language",
            hint="methods read: .dot(…), .astype(…), .copy(), .sum(…), .mean(…)",
        )

    def _reshape(self, node: ast.Call, arg: ast.AST, shape: object) -> Expr:
        """``Y.reshape(AL.shape)``: read where it keeps the shape (then it changes nothing)."""
        x = self.expr(arg)
        if shape != x.shape:
            raise self.fail(
                node,
                f"{self.seg(node)} changes the shape {fmt_shape(x.shape)}, which is not read",
                hint="a reshape is read only where it keeps the shape, as Y.reshape(AL.shape)",
            )
        return x

    def _cast(self, node: ast.AST, arg: ast.AST, to: str) -> Expr:
        """A change of type: a float type or a copy changes nothing; an integer type truncates,
        which changes nothing only for a mask (0/1)."""
        if to in _FLOATS:
            return self.expr(arg)
        if to in _INTEGERS and _mask(arg):
            return self.expr(arg)
        if to in _INTEGERS:
            raise self.fail(
                node,
                f"{self.seg(node)} rounds {self.seg(arg)} to integers",
                hint="an integer cast is read only around a comparison, such as np.int64(Z1 > 0)",
            )
        raise self.fail(
            node, f"the type in {self.seg(node)} is not read", hint="write float, or int on a mask"
        )

    def _array(self, node: ast.Call) -> Expr:
        """np.array(x, copy=True), np.asarray(x), np.copy(x): x itself (a copy)."""
        extra = [k.arg for k in node.keywords if k.arg not in ("copy", "dtype")]
        if len(node.args) != 1 or extra:
            raise self.fail(node, f"{self.seg(node)}: write np.array(x, copy=True) with one array")
        dtype = [k.value for k in node.keywords if k.arg == "dtype"]
        return (
            self._cast(node, node.args[0], _type_name(dtype[0]))
            if dtype
            else self.expr(node.args[0])
        )

    def _type_call(self, node: ast.Call) -> Expr:
        """np.int64(x), np.float64(x), float(x), …: a cast (Python's int() of an array raises)."""
        name = self._func_name(node.func)
        if len(node.args) != 1 or node.keywords:
            raise self.fail(node, f"{name}(…) takes one argument here")
        if name in ("int", "float", "bool"):
            x = self.expr(node.args[0])
            whole = x.op == "dim" or x.op == "const" and x.attrs[0].is_Integer
            if x.shape == () and (name == "float" or name == "int" and whole):
                return x  # float(m), int(m), int(X.shape[1]): the same number
            if x.shape == ():
                raise self.fail(
                    node,
                    f"{name}({self.seg(node.args[0])}) rounds or tests a number",
                    hint=f"write {self.seg(node.args[0])} itself",
                )
            raise self.fail(
                node,
                f"Python's {name}(…) of an array raises an error in NumPy",
                hint=f"write np.{'int64' if name == 'int' else 'float64'}(…) or .astype({name})",
            )
        return self._cast(node, node.args[0], name)

    def _where(self, node: ast.Call) -> Expr:
        """np.where(c, a, b) with a mask c: a ⊙ c + b ⊙ (1 − c) (exact where a and b are finite)."""
        if len(node.args) != 3 or node.keywords:
            raise self.fail(node, "np.where takes three arguments: np.where(Z1 > 0, 1, 0)")
        if not (_mask(node.args[0]) or self._mask_input(node.args[0])):
            raise self.fail(
                node.args[0],
                f"the condition of np.where, {self.seg(node.args[0])}, is not a comparison",
                hint="write a comparison with 0, such as np.where(Z1 > 0, 1, 0)",
            )
        c, a, b = (self.expr(x) for x in node.args)
        return build.np_add(build.np_mul(a, c), build.np_mul(b, one_minus(c)))

    def _concatenate(self, node: ast.Call) -> Expr:
        """np.concatenate((A, B, …), axis=0): the parts stacked, [A; B; …]."""
        axis = [k.value for k in node.keywords if k.arg == "axis"]
        ok_axis = not axis or (isinstance(axis[0], ast.Constant) and axis[0].value == 0)
        if len(node.args) != 1 or not isinstance(node.args[0], ast.Tuple) or not ok_axis:
            raise self.fail(
                node,
                "np.concatenate takes a tuple of arrays stacked along axis 0",
                hint="np.concatenate((a_prev, xt), axis=0)",
            )
        if len(node.args[0].elts) < 2 or len(node.keywords) > len(axis):
            raise self.fail(node, "np.concatenate needs at least two arrays and only axis=0")
        parts = [self.expr(x) for x in node.args[0].elts]
        out = parts[-1]
        for p in reversed(parts[:-1]):
            out = stack.vstack(p, out)
        return out

    def _mask_input(self, node: ast.AST) -> bool:
        """An input declared as a 0/1 mask (a model's ``np.where(M, S, -1e9)``)."""
        v = self.vars.get(node.id) if isinstance(node, ast.Name) else None
        return v is not None and "mask" in v.attrs[1]


_METHODS = ("dot", "sum", "mean")
# on boolean arrays NumPy's add is "or", dot and matmul are "or" of "and"s, subtract and negative
# raise: different from the same functions on the 0/1 numbers the language reads a mask as
_BOOLEAN_DIFFERS = {"add", "subtract", "dot", "matmul", "negative"}
_FLOATS = {"float", "float64", "float32", "double", "float_", "single", "'float'", "'float64'"}
_FLOATS.add("dtype")  # .astype(Z1.dtype): every array of the language holds floats
_INTEGERS = {"int", "int64", "int32", "int_", "intc", "int8", "int16", "uint8", "bool", "bool_"}
_INTEGERS |= {f"'{t}'" for t in _INTEGERS}
_FORMS: dict[str, Callable[[_Parser, ast.Call], Expr]] = {
    "where": _Parser._where,
    "concatenate": _Parser._concatenate,
    "vstack": _Parser._concatenate,
    "array": _Parser._array,
    "asarray": _Parser._array,
    "copy": _Parser._array,
    **dict.fromkeys(
        ["int", "float", "bool", "int64", "int32", "int_", "float64", "float32", "double"],
        _Parser._type_call,
    ),
}
_MODULES = ("np", "numpy", "linalg", "scipy", "special")


def known_call(dotted: str) -> bool:
    """Whether the language reads a call of ``dotted`` (``np.dot``, ``numpy.tanh``, ``int64``)."""
    for prefix in ("", *PREFIXES):
        if dotted.startswith(prefix) and dotted[len(prefix) :] in (*FUNCTIONS, *_FORMS):
            return True
    return False


METHODS = ("dot", "sum", "mean", "astype", "copy", "reshape")  # a.dot(b), … (see _Parser._method)


def is_method(f: ast.AST) -> bool:
    """``a.dot(b)`` rather than ``np.dot(a, b)``: the object is not a module path."""
    if not isinstance(f, ast.Attribute):
        return False
    base = f.value
    while isinstance(base, ast.Attribute) and base.attr in _MODULES:
        base = base.value
    return not (isinstance(base, ast.Name) and base.id in _MODULES)


def _type_name(node: ast.AST) -> str:
    """``int``, ``np.int64``, ``'float'`` → the type's last name (quoted if it was a string)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return f"'{node.value}'"
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _boolean(node: ast.AST) -> bool:
    """Whether NumPy computes ``node`` as a boolean array: a comparison, and what keeps one boolean
    (``~``, ``.T``, a product of two, a copy, a cast to bool)."""
    if isinstance(node, ast.Compare):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
        return _boolean(node.operand)
    if isinstance(node, ast.Attribute) and node.attr == "T":
        return _boolean(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _boolean(node.left) and _boolean(node.right)
    if not isinstance(node, ast.Call):
        return False
    f, args = node.func, node.args
    if is_method(f):
        if f.attr == "astype":
            return bool(args) and _type_name(args[0]) in ("bool", "bool_", "'bool'")
        return f.attr == "copy" and _boolean(f.value)
    last = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
    if last in ("array", "asarray", "copy", "transpose") and len(args) == 1:
        copy_only = all(k.arg == "copy" for k in node.keywords)  # dtype= makes numbers
        return copy_only and _boolean(args[0])
    if last == "multiply" and len(args) == 2:
        return _boolean(args[0]) and _boolean(args[1])
    return last in ("bool", "bool_") and len(args) == 1


def _rest(total: int | str, k: int | str) -> int | str | None:
    """``total − k`` when it is known: ints, or the other term of a stacked size ``(p + q)``."""
    if isinstance(total, int) and isinstance(k, int):
        return total - k if 0 < k < total else None
    if isinstance(total, str) and not total.isidentifier():
        e = ast.parse(total, mode="eval").body
        if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Add):
            left, right = ast.unparse(e.left), ast.unparse(e.right)
            if str(k) == left:
                return int(right) if right.isdigit() else right
            if str(k) == right:
                return int(left) if left.isdigit() else left
    return None


def _mask(node: ast.AST) -> bool:
    """Whether ``node`` is 0/1 by its spelling: a comparison, a heaviside, a cast of a mask."""
    if _boolean(node):
        return True
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    last = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
    if last == "heaviside":
        return True
    inner = f.value if last in ("astype", "copy") and isinstance(f, ast.Attribute) else None
    if inner is None and last in _FORMS and last != "where" and len(node.args) == 1:
        inner = node.args[0]
    return inner is not None and _mask(inner)


def _zero(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and not isinstance(node.value, bool) and node.value == 0


def _negative_int(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) is int
    )


class _ShapeParseError(ParseError, ShapeError):
    """A shape mismatch found while parsing: both a parse error (with column) and a shape error."""


def parse(
    source: str,
    shapes: Mapping[str, tuple],
    props: Mapping[str, tuple] | None = None,
    functions: Mapping[str, Handler] | None = None,
) -> Expr:
    """Parse NumPy-syntax ``source`` with the declared ``shapes`` into an IR tree; ``functions``
    adds handlers for this parse only (the checker's ``g1'(Z1)``)."""
    if not isinstance(source, str) or not source.strip():
        raise ParseError("empty expression", hint="e.g. np.sum(np.tanh(W @ x))")
    if len(source) > 10_000:
        raise ParseError("expression longer than 10 000 characters")
    try:
        with warnings.catch_warnings():  # Python's own warnings ("invalid decimal literal")
            warnings.simplefilter("ignore")  # would reach the terminal as extra lines
            tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as e:
        col = (e.offset or 1) - 1
        raise ParseError(f"syntax error: {e.msg}", source=source.strip(), col=col) from None
    except (ValueError, RecursionError, MemoryError) as e:
        raise ParseError(f"cannot parse: {type(e).__name__}") from None
    try:
        return _Parser(source.strip(), shapes, props or {}, functions).expr(tree)
    except ChainruleError:
        raise
    except RecursionError:
        raise ParseError("expression nested too deeply") from None
    except (ArithmeticError, ValueError, TypeError) as e:  # e.g. a constant that overflows
        raise ParseError(f"cannot build {source.strip()!r}: {e}") from None
