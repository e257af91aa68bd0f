"""Reading a learner's whole backward pass into statements, one per quantity — never running it.

API (what the checker calls)::

    from chainrule.check.source import Statement, read_backward

    statements = read_backward(text, layer=None, L=None)   # list[Statement], in line order
    s.target    # "dZ1": the quantity, in the course's spelling
    s.rhs       # its right-hand side, normalised: Reader.tree(s.rhs) reads it
    s.formula   # f"{s.target} = {s.rhs}", what check_formula takes
    s.written   # the right-hand side as a learner writes it (g1'(Z1), not the placeholder call)
    s.line      # the 1-based line of the text where the statement starts (s.end_line: ends)
    s.lines     # every line that made the value: an in-place write or += adds its line
    s.col       # the target's column on s.line (0-based)
    s.text      # the learner's own line(s), as written
    s.locals    # ((line, text), …) of the learner's locals put into s.rhs (``m = X.shape[0]``)
    s.notation  # Notation: per_example for the lectures' lowercase lines (dz2 = a2 - y), m = 1
    s.via       # a file of functions: ((function, line of the call), …) that reached s.line
    s.function  # … the function whose line s.line is; s.layer: the layer it was called for

``text`` is several ``target = expr`` lines, or one function written as the course's notebooks write
it (``backward_propagation(parameters, cache, X, Y)``, ``linear_backward(dZ, cache)``,
``relu_backward(dA, cache)``, the dropout and L2 versions). What is read, and how:

* ``W1 = parameters["W1"]``, ``A1 = cache["A1"]``, ``A_prev, W, b = cache``: the course's names
  (a lookup under another name, ``W = parameters["W2"]``, renames W to W2 in what follows).
* A local that is not one of the course's quantities (``m = X.shape[1]``,
  ``s = 1 / (1 + np.exp(-Z))``) is put into the later lines that use it, so a wrong
  ``m = X.shape[0]`` shows in the dW line that uses it. A gradient (``dZ2``) stays a name: the
  checker judges each line given the learner's own earlier ones.
* A quantity given a new value from its old one — ``dA2 = dA2 * D2`` then ``dA2 = dA2 / keep_prob``,
  ``dW1 += lambd / m * W1``, the course's ``dZ = np.array(dA, copy=True); dZ[Z <= 0] = 0`` — is
  one statement: its final value (``np.where(Z <= 0, 0, dA)``, which is dA ⊙ 𝟙[Z > 0] exactly).
  Writing into an array that is another name's (``dZ = dA`` without a copy) is refused: NumPy
  would change both.
* ``grads = {"dW1": dW1, …}``, ``grads["dW1"] = …``, ``return grads``: a value stored under
  another name is a statement for the key's quantity.
* The course's dropout cache ``(Z1, D1, A1, …) = cache`` holds A[l] after its mask and 1/keep_prob
  were applied: that is the network's ``A_drop[l]``, and ``A1`` from such a cache reads as A_drop1.
* ``layer=l`` reads the course's unnumbered names (``dZ``, ``W``, ``A_prev``, ``dA_prev``) as layer
  l's (``A_prev`` is A[l−1]); ``L`` reads ``AL``/``dAL`` as A[L]/dA[L].
* ``print``, ``assert`` and docstrings change no value and are passed over; ``import numpy``
  is allowed. ``relu_backward``/``sigmoid_backward``/``tanh_backward`` may return an expression:
  it is dZ. ``sigmoid(…)``, ``relu(…)`` are read as the functions of those names.

A file of several functions — the week-4 notebook's ``linear_backward``,
``linear_activation_backward``, ``relu_backward``/``sigmoid_backward`` and ``L_model_backward``
(the entry: it, or the file's one ``…backward(AL, Y, caches)`` that no other function calls) —
is read through :mod:`chainrule.check.inline`, which needs ``L``: calls are inlined, the loop over
the layers unrolled, ``grads["dW" + str(l + 1)]`` and ``caches[l]`` resolved, ``if activation ==
"relu"`` decided, all while reading. Each statement keeps the learner's own line (a missing 1/m in
``linear_backward`` is on that line, once per layer); ``s.via`` is the chain of calls that reached
it (``(("L_model_backward", 14), ("linear_activation_backward", 7))``), ``s.function`` the function
whose line it is, ``s.layer`` the layer it was called for. Statements come in the order the code
makes them.

Anything else — in one function or lines: loops, ``if``, calls of functions the language does not
know (the learner's own ``linear_backward``), attributes other than ``.T``/``.shape``/``.dot``/
``.astype``/``.copy``/``.sum``/``.mean``, string keys built at run time; in a file of functions:
``while``, recursion, a branch on an array, a function the file does not define — is a
:class:`ParseError` naming the line and column and saying what to write instead. Columns count
characters of the normalised line, which is the one shown under the message (``W[2]`` reads as
``W2``).
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass, field

from ..errors import ChainruleError, ParseError
from ..lang.parser import METHODS, is_method, known_call
from .inline import is_week4, unroll
from .spelling import (
    PRIME,
    Notation,
    builtin,
    normalize_line,
    normalize_traced,
    notation,
    original_col,
    parse_rhs,
    show,
)

__all__ = ["Statement", "read_backward"]

# the course's names; lowercase a, z, x, y, dz, da are the lectures' one-example notation
_QUANTITY = re.compile(r"(?:W|b|Z|A|D|A_drop|a|z)\d+|X|Y|x|y")
_GRADIENT = re.compile(r"d(?:W|b|Z|A|A_drop|z|a)\d+")
_GENERIC = {"W", "b", "Z", "A", "D", "dW", "db", "dZ", "dA", "A_prev", "dA_prev"}
_NETWORK_SCALARS = {"lambd", "keep_prob"}
_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.MatMult, ast.Pow)
_SKIPPED_CALLS = {"print"}
# the course's activation backward functions return dZ (``return dA * s * (1 - s)``)
_RETURNS_DZ = {"relu_backward", "sigmoid_backward", "tanh_backward", "leaky_relu_backward"}
_LIMIT_LINES = 2000
_LIMIT_NODES = 20_000  # syntax-tree nodes in one statement after its locals are put in


@dataclass(frozen=True)
class Statement:
    """One quantity of a learner's backward pass: ``target = rhs``, read from ``lines``."""

    line: int
    col: int
    target: str
    rhs: str
    text: str
    lines: tuple[int, ...] = ()
    end_line: int = 0
    tree: ast.Expression | None = field(default=None, compare=False, repr=False)
    locals: tuple[tuple[int, str], ...] = ()  # (line, text) of each local put into the rhs
    via: tuple[tuple[str, int], ...] = ()  # the calls that reached the line: (function, call line)
    function: str = ""  # the learner's function whose line it is (a file of several functions)
    layer: int | None = None  # the layer that function was called for, where it was one layer's

    @property
    def formula(self) -> str:
        """``"dZ1 = …"``: the statement as one formula for the checker."""
        return f"{self.target} = {self.rhs}"

    @property
    def notation(self) -> Notation:
        """In which notation the statement is written: ``dz2 = a2 - y`` is one example's
        (``per_example``), to be checked as its ``formula``, ``dZ2 = A2 - Y``, with m = 1."""
        return notation(self.formula)

    @property
    def written(self) -> str:
        """The right-hand side as a learner writes it (``g1'(Z1)``)."""
        return show(ast.parse(self.rhs, mode="eval"))


def read_backward(text: str, layer: int | None = None, L: int | None = None) -> list[Statement]:
    """The statements of ``text`` (lines, one function, or a week-4 file of functions whose
    loop over the layers needs ``L``; see the module's docstring)."""
    if not isinstance(text, str):
        raise ParseError(f"a backward pass is text, not {type(text).__name__}")
    if not text.strip():
        raise ParseError("the backward pass is empty", hint="e.g. dZ2 = A2 - Y")
    if text.count("\n") > _LIMIT_LINES:
        raise ParseError(f"the text has more than {_LIMIT_LINES} lines")
    _check_layers(layer, L)
    try:
        return _Program(text, layer, L).read()
    except ChainruleError:
        raise
    except (RecursionError, MemoryError):
        raise ParseError("the backward pass is nested too deeply") from None


def _check_layers(layer: object, L: object) -> None:
    for name, v in (("layer", layer), ("L", L)):
        if v is not None and (type(v) is not int or v < 1):
            raise ParseError(f"{name} must be a positive whole number, not {v!r}")


@dataclass
class _Draft:
    """A statement being built: its value so far, where it came from, whether it owns its array."""

    target: str
    tree: ast.expr
    lines: list[int]
    col: int
    view_of: str | None = None  # ``dZ = dA`` makes dZ the same array as dA
    used: bool = False  # another statement read this value since it was set
    uses: list[tuple[int, str]] = field(default_factory=list)  # lines of the locals put in
    order: int = 0  # when it was made (a file of functions makes statements out of line order)
    made: tuple = ((), "", None)  # via, function, layer of the line that made it


class _Program:
    """One reading: the normalised lines, the names known so far, the statements drafted."""

    def __init__(self, text: str, layer: int | None, L: int | None) -> None:
        self.original = text.split("\n")
        traced = [self._normalised(i, line) for i, line in enumerate(self.original, 1)]
        self.lines = [line for line, _ in traced]
        self.cols = [cols for _, cols in traced]
        self.layer, self.L = layer, L
        self.defs: dict[str, ast.expr | None] = {}  # locals put into later lines (None: opaque)
        self.renames: dict[str, str] = {}  # a learner's name → the course's
        self.drafts: dict[str, _Draft] = {}
        self.views: dict[str, str] = {}  # a local that is another name's array (no copy)
        self.function = ""  # the name of the function read, if the text is one
        self.def_from: dict[str, tuple[tuple[int, str], ...]] = {}  # a local's lines (and its own)
        self.pending: list[tuple[int, str]] = []  # lines of the locals this statement put in
        self.inlined = False  # a file of functions, read through check/inline.py
        self.made: tuple = ((), "", None)  # where the statement being read was made
        self.count = 0

    def _normalised(self, number: int, line: str) -> tuple[str, list[int]]:
        try:
            return normalize_traced(line)
        except ParseError as e:
            raise ParseError(
                f"line {number}: {e.message}", source=e.source, col=e.col, hint=e.hint
            ) from None

    # -- the whole text ---------------------------------------------------------------------------
    def read(self) -> list[Statement]:
        try:
            module = parse_rhs("\n".join(self.lines), mode="exec")
        except ParseError as e:
            raise self._syntax(e) from None
        if is_week4(module):
            return self._read_inlined(module)
        for node in self._body(module):
            self._statement(node)
        return [self._finish(d) for d in sorted(self.drafts.values(), key=lambda d: d.lines[0])]

    def _read_inlined(self, module: ast.Module) -> list[Statement]:
        """A file of functions: its entry, calls inlined and loops unrolled (check/inline.py)."""
        self.inlined = True
        for flat in unroll(module, self.L, self):
            self.made = (flat.via, flat.function, flat.layer)
            self._statement(flat.node)
        return [self._finish(d) for d in sorted(self.drafts.values(), key=lambda d: d.order)]

    def _body(self, module: ast.Module) -> list[ast.stmt]:
        """The statements to read: the module's, or those of its one function."""
        body = [n for n in module.body if not _ignorable(n)]
        functions = [n for n in body if isinstance(n, ast.FunctionDef)]
        if not functions:
            return body
        if len(functions) > 1 or len(body) > 1:
            other = (
                functions[1] if len(functions) > 1 else next(n for n in body if n not in functions)
            )
            raise self.fail(
                other,
                "the text holds more than one function, or code outside its function",
                hint="check one function at a time (backward_propagation, linear_backward, …)",
            )
        f = functions[0]
        self.function = f.name
        args = f.args
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            self.defs.pop(self.course(a.arg, a), None)
        if args.vararg or args.kwarg:
            raise self.fail(f, "*args and **kwargs are not read", hint="name each argument")
        return [n for n in f.body if not _ignorable(n)]

    # -- one statement ----------------------------------------------------------------------------
    def _statement(self, node: ast.stmt) -> None:
        self.pending = []
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            return self._assign(node, node.targets[0], node.value)
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            return self._augmented(node)
        if isinstance(node, ast.Return):
            return self._return(node)
        if isinstance(node, ast.Expr | ast.Assert):  # print(…), assert …: no value changes
            if isinstance(node, ast.Assert) or _is_print(node.value):
                return None
        raise self.fail(node, *_refusal(node))

    def _assign(self, node: ast.Assign, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Tuple | ast.List):
            return self._unpack(node, target, value)
        if isinstance(target, ast.Subscript):
            return self._store(node, target, value)
        if not isinstance(target, ast.Name):
            raise self.fail(target, f"cannot assign to {ast.unparse(target)!r}")
        if isinstance(value, ast.Dict):
            return self._dict(value)
        key = self._lookup_key(value)
        if key is not None:  # W1 = parameters["W1"]; W = parameters["W2"] renames W
            self.renames.pop(target.id, None)
            self.defs.pop(key, None)
            if target.id != key:
                self.renames[target.id] = key
            return None
        name = self.course(target.id, target)
        if self._holds(name, value):  # Z = cache (the activation cache is Z)
            self.defs.pop(name, None)
            return None
        self._set(node, name, target, value)

    def _holds(self, name: str, value: ast.expr) -> bool:
        """``Z = cache``: a course quantity taken from a name that is none of the course's."""
        if not (_QUANTITY.fullmatch(name) and isinstance(value, ast.Name)):
            return False
        source = self.renames.get(value.id, value.id)
        known = _QUANTITY.fullmatch(source) or _GRADIENT.fullmatch(source) or source in _GENERIC
        return not known and source not in self.defs and source not in ("m", *_NETWORK_SCALARS)

    def _set(self, node: ast.stmt, name: str, target: ast.expr, value: ast.expr) -> None:
        """``name = value``: a gradient's statement, or a local put into later lines."""
        if name in _NETWORK_SCALARS:
            raise self.fail(
                target,
                f"{name} is the network's own setting; the code should not assign it",
                hint=f"give the network its {name} instead (e.g. --keep-prob, --l2)",
            )
        self.renames.pop(target.id if isinstance(target, ast.Name) else name, None)
        tree = self.expr(value, node)
        if not _GRADIENT.fullmatch(name):
            self.defs[name] = _unwrap_copy(tree)
            self.def_from[name] = self._origin(node)
            self.views.pop(name, None)
            if _view_of(value) is not None:
                self.views[name] = self.course(_view_of(value), value)
            return None
        view = _view_of(value)
        self._draft(node, name, tree, target, view and self.course(view, value))

    def _draft(
        self, node: ast.stmt, name: str, tree: ast.expr, target: ast.AST, view: str | None
    ) -> None:
        old = self.drafts.get(name)
        if _uses(tree, name):
            if old is None:
                raise self.fail(
                    target,
                    f"{name} is computed from {name} itself before it has a value here",
                    hint=f"give the value the function receives another name than {name}",
                )
            tree = self._bounded(_substitute(tree, {name: old.tree}), target)
            lines = [*old.lines, node.lineno]
        else:
            if old is not None and old.used:
                raise self.fail(
                    target,
                    f"{name} gets a new value after other lines used its old one",
                    hint="give the two values different names",
                )
            lines = [node.lineno]
        col = old.col if old is not None and len(lines) > 1 else target.col_offset
        self._mark_used(tree, name)
        uses = [*(old.uses if old is not None and len(lines) > 1 else []), *self.pending]
        kept = old is not None and len(lines) > 1
        self.count += 1
        order, made = (old.order, old.made) if kept else (self.count, self.made)
        draft = _Draft(name, _unwrap_copy(tree), lines, col, view, uses=uses, order=order)
        draft.made = made
        self.drafts[name] = draft

    def _mark_used(self, tree: ast.expr, target: str) -> None:
        for n in ast.walk(tree):
            if isinstance(n, ast.Name) and n.id in self.drafts and n.id != target:
                self.drafts[n.id].used = True

    def _augmented(self, node: ast.AugAssign) -> None:
        """``dW1 += lambd / m * W1``: the old value and the new term, in place."""
        name = self.course(node.target.id, node.target)
        if not isinstance(node.op, _OPS):
            raise self.fail(node, f"the operator {type(node.op).__name__}= is not read")
        if name in self.views or name in self.drafts and self.drafts[name].view_of:
            raise self._shared(node, name)
        if name not in self.drafts and name not in self.defs:
            raise self.fail(
                node.target,
                f"{name} is changed in place before it has a value here",
                hint=f"write {name} = … first",
            )
        value = ast.BinOp(ast.Name(name, ast.Load()), node.op, node.value)
        ast.copy_location(value, node.value)
        self._set(node, name, node.target, value)

    def _unpack(self, node: ast.Assign, target: ast.Tuple | ast.List, value: ast.expr) -> None:
        """``A_prev, W, b = cache``: names the cache holds (the course's, or opaque ones)."""
        if not isinstance(value, ast.Name):
            raise self.fail(value, *_call_refusal(value))
        names = []
        for element in target.elts:
            if not isinstance(element, ast.Name):
                raise self.fail(element, f"cannot unpack into {ast.unparse(element)!r}")
            names.append(self.course(element.id, element))
        for element, name in zip(target.elts, names, strict=True):
            self.renames.pop(element.id, None)
            dropped = re.fullmatch(r"A(\d+)", name) and f"D{name[1:]}" in names
            if dropped:  # the course's dropout cache holds A[l] after dropout: A_drop[l] here
                self.renames[element.id] = name = f"A_drop{name[1:]}"
            if _QUANTITY.fullmatch(name) or _GRADIENT.fullmatch(name):
                self.defs.pop(name, None)
            else:
                self.defs[name] = None  # linear_cache: holds arrays, means no formula

    def _dict(self, value: ast.Dict) -> None:
        """``grads = {"dW1": dW1, …}``: each key's quantity is its value."""
        for key, v in zip(value.keys, value.values, strict=True):
            name = self._key(key)
            self._output(name, key, v)

    def _store(self, node: ast.Assign, target: ast.Subscript, value: ast.expr) -> None:
        """``grads["dW1"] = dW1``, or the in-place mask ``dZ[Z <= 0] = 0``."""
        if isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str):
            return self._output(self._key(target.slice), target.slice, value, node)
        if isinstance(target.slice, ast.BinOp | ast.JoinedStr | ast.Call):
            self._lookup_key(target)  # a key built at run time: refused with its own message
        if not isinstance(target.value, ast.Name):
            raise self.fail(target, f"cannot write into {ast.unparse(target.value)!r}")
        name = self.course(target.value.id, target.value)
        cond = target.slice
        if not isinstance(cond, ast.Compare):
            raise self.fail(
                cond,
                f"the write {ast.unparse(target)} = … is not read",
                hint="a mask write is read with a comparison: dZ[Z <= 0] = 0",
            )
        if not _number(value):
            raise self.fail(
                value,
                "a mask write is read with a number: dZ[Z <= 0] = 0",
                hint=f"write {name} = np.where({ast.unparse(cond)}, …, {name}) instead",
            )
        if self.defs.get(name) is not None and name not in self.drafts:
            return self._mask_local(node, name, cond, value)
        draft = self.drafts.get(name)
        if draft is None:
            raise self.fail(
                target.value,
                f"{name} is written into before this code gave it a value",
                hint=f"copy it first: {name} = np.array(…, copy=True)",
            )
        if draft.view_of:
            raise self._shared(node, name)
        where = _where(self.expr(cond, node), value, draft.tree)
        self._mark_used(where, name)
        draft.tree, draft.lines = where, [*draft.lines, node.lineno]
        draft.uses += self.pending

    def _mask_local(self, node: ast.Assign, name: str, cond: ast.expr, value: ast.expr) -> None:
        """``g = np.zeros_like(Z1); g[Z1 > 0] = 1``: a local's new value, put into later lines."""
        if name in self.views:
            raise self._shared(node, name)
        self.defs[name] = _where(self.expr(cond, node), value, self.defs[name])
        self.def_from[name] = (*self.def_from.get(name, ()), *self._origin(node))

    def _output(
        self, name: str, at: ast.AST, value: ast.expr, node: ast.stmt | None = None
    ) -> None:
        """The quantity ``name`` is handed back as ``value``."""
        tree = self.expr(value, node or at)
        if isinstance(tree, ast.Name) and tree.id == name:
            return None
        if not _GRADIENT.fullmatch(name):
            raise self.fail(at, f"{name} is not a gradient", hint="grads holds dW1, db1, dA1, …")
        holder = ast.Assign([ast.Name(name, ast.Store())], value)
        ast.copy_location(holder, node or at)
        self._draft(holder, name, tree, at, None)

    def _return(self, node: ast.Return) -> None:
        v = node.value
        if v is None or isinstance(v, ast.Name):
            return None
        if self.function in _RETURNS_DZ and not isinstance(v, ast.Tuple | ast.Dict):
            return self._set(node, self.course("dZ", node), node, v)
        if isinstance(v, ast.Tuple) and all(isinstance(e, ast.Name) for e in v.elts):
            return None
        if isinstance(v, ast.Dict):
            return self._dict(v)
        raise self.fail(
            v,
            "a returned expression has no name to check it as",
            hint="assign it first (dZ = …), then return dZ",
        )

    def _shared(self, node: ast.stmt, name: str) -> ParseError:
        other = self.views[name] if name in self.views else self.drafts[name].view_of
        return self.fail(
            node,
            f"this changes {other} too: {name} = {other} does not copy the array",
            hint=f"write {name} = np.array({other}, copy=True) first, as the course does",
        )

    # -- names and expressions --------------------------------------------------------------------
    def course(self, name: str, node: ast.AST) -> str:
        """The course's numbered name for a learner's name (``dA_prev`` → ``dA1`` at layer 2)."""
        if name in self.renames:
            return self.renames[name]
        if name in _GENERIC:
            if self.layer is None:
                raise self.fail(
                    node,
                    f"{name} has no layer number",
                    hint=f"write it with its layer's number ({name.removesuffix('_prev')}2), "
                    "or say which layer the code is about: read_backward(text, layer=2)",
                )
            prev = name.endswith("_prev")
            return f"{name.removesuffix('_prev')}{self.layer - prev}"
        if name in ("AL", "dAL", "ZL", "dZL"):
            if self.L is None:
                raise self.fail(node, f"{name} needs the number of layers L", hint="pass L=…")
            return f"{name[:-1]}{self.L}"
        return name

    def expr(self, value: ast.expr, node: ast.AST) -> ast.expr:
        """``value`` checked against the language, in the course's names, locals put in."""
        self._check(value, node)
        return self._bounded(_Resolve(self).visit(copy.deepcopy(value)), node)

    def _bounded(self, tree: ast.expr, node: ast.AST) -> ast.expr:
        """``tree``, unless putting the locals in made it huge (``a = a + a`` doubles each line)."""
        if sum(1 for _ in ast.walk(tree)) > _LIMIT_NODES:
            raise self.fail(
                node,
                "this line's formula grows too large once its earlier lines are put in",
                hint="name the parts the course names (dZ2, dA1, …) instead of local names",
            )
        return tree

    def _check(self, value: ast.expr, node: ast.AST) -> None:
        try:
            builtin(value, "")
        except ParseError as e:
            raise self.fail(_builtin_call(value), e.message, e.hint) from None
        for n in ast.walk(value):
            problem = _problem(n)
            if problem is not None:
                raise self.fail(n, *problem)
            if isinstance(n, ast.Subscript) and not _shape_entry(n):
                if self._lookup_key(n) is None:
                    raise self.fail(
                        n,
                        f"indexing {ast.unparse(n)!r} is not read",
                        hint="write a size as X.shape[1], a layer's quantity as W2",
                    )

    def _lookup_key(self, value: ast.expr) -> str | None:
        """``parameters["W1"]`` → ``"W1"`` (the course's name); None if not a lookup."""
        if not (isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name)):
            return None
        key = value.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            name = self._key(key)
            if not (_QUANTITY.fullmatch(name) or _GRADIENT.fullmatch(name)):
                raise self.fail(key, f"{key.value!r} is not one of the course's names")
            return name
        if isinstance(key, ast.BinOp | ast.JoinedStr | ast.Call):
            raise self.fail(
                key,
                f"the key {ast.unparse(key)} is built while the code runs, which is not read",
                hint="write the layers out, one line per quantity (dZ2 = …, dW2 = …, …)",
            )
        return None

    def _key(self, key: ast.expr) -> str:
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            raise self.fail(
                key or ast.Constant(None),
                'a dictionary key here is a quantity\'s name in quotes, such as "dW1"',
                hint="write the layers out, one line per quantity (dW1, db1, …)",
            )
        text = normalize_line(key.value).strip()
        if not text.isidentifier():
            raise self.fail(key, f"{key.value!r} is not a quantity's name")
        return self.course(text, key)

    # -- statements out ---------------------------------------------------------------------------
    def _origin(self, node: ast.stmt) -> tuple[tuple[int, str], ...]:
        """The line that defines a local, and the lines of the locals it was made from."""
        return (*self.pending, (node.lineno, self.original[node.lineno - 1].strip()))

    def _finish(self, d: _Draft) -> Statement:
        tree = ast.Expression(ast.fix_missing_locations(d.tree))
        lines = tuple(dict.fromkeys(d.lines))
        text = "\n".join(self.original[i - 1].strip() for i in lines)
        return Statement(
            line=lines[0],
            col=original_col(self.cols[lines[0] - 1], _chars(self.lines[lines[0] - 1], d.col)),
            target=d.target,
            rhs=ast.unparse(tree),
            text=text,
            lines=lines,
            end_line=lines[-1],
            tree=tree,
            locals=tuple(sorted(set(d.uses))),
            via=d.made[0],
            function=d.made[1],
            layer=d.made[2],
        )

    def _syntax(self, e: ParseError) -> ParseError:
        """A syntax error shown in the learner's own line, with its column there."""
        row = re.match(r"line (\d+): ", e.message)
        if row is None or e.col is None or not 1 <= int(row[1]) <= len(self.lines):
            return e
        line = self.lines[int(row[1]) - 1]
        node = ast.Constant(None, lineno=int(row[1]))
        node.col_offset = len(line[: e.col + len(line) - len(line.lstrip())].encode())
        hint = "write Python as the notebook runs it, or one 'target = formula' a line"
        return self.fail(node, e.message[len(row[0]) :], hint=hint)

    def fail(self, node: ast.AST, message: str, hint: str | None = None) -> ParseError:
        row = getattr(node, "lineno", None)
        if row is None or not 1 <= row <= len(self.lines):
            return ParseError(message, hint=hint)
        line, original = self.lines[row - 1], self.original[row - 1]
        col = original_col(self.cols[row - 1], _chars(line, getattr(node, "col_offset", 0)))
        col -= len(original) - len(original.lstrip())
        return ParseError(
            f"line {row}: {message}", source=original.strip(), col=max(col, 0), hint=hint
        )


class _Resolve(ast.NodeTransformer):
    """A right-hand side in the course's names: renames and layers applied, locals put in,
    ``parameters["W1"]`` read as W1."""

    def __init__(self, program: _Program) -> None:
        self.p = program

    def visit_Name(self, node: ast.Name) -> ast.AST:  # noqa: N802 - ast's naming
        if node.id == "np" or node.id.startswith(PRIME):
            return node
        name = self.p.course(node.id, node)
        if name in self.p.defs:
            value = self.p.defs[name]
            if value is None:
                raise self.p.fail(
                    node,
                    f"{node.id} is a cache of arrays, not one quantity",
                    hint="unpack it into the course's names first: A_prev, W, b = cache",
                )
            self.p.pending += self.p.def_from.get(name, ())
            return copy.deepcopy(value)
        return ast.copy_location(ast.Name(name, ast.Load()), node)

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:  # noqa: N802
        key = self.p._lookup_key(node)
        if key is not None:
            return ast.copy_location(ast.Name(key, ast.Load()), node)
        return self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:  # noqa: N802
        if _module_path(node):
            return node
        return self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> ast.AST:  # noqa: N802
        if not is_method(node.func):  # np.dot: the function's name is not a quantity
            node.args = [self.visit(a) for a in node.args]
            node.keywords = [self.visit(k) for k in node.keywords]
            return node
        return self.generic_visit(node)


# -- what the language reads ----------------------------------------------------------------------
_ALLOWED = (
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.Call,
    ast.Attribute,
    ast.Name,
    ast.Constant,
    ast.Subscript,
    ast.keyword,
    ast.Tuple,
    ast.expr_context,
    ast.operator,
    ast.unaryop,
    ast.cmpop,
)


def _problem(n: ast.AST) -> tuple[str, str] | None:
    """Why the node is outside the language (message, hint), or None."""
    if not isinstance(n, _ALLOWED):
        what = type(n).__name__.lower()
        return f"{what} syntax is not part of the language", _READ
    if isinstance(n, ast.Call):
        return _call_problem(n)
    if isinstance(n, ast.Attribute) and not _module_path(n):
        if n.attr not in ("T", "shape", *METHODS):
            return f"the attribute .{n.attr} is not read", _READ
    if isinstance(n, ast.Constant) and not isinstance(n.value, int | float | str | None):
        return f"the constant {n.value!r} is not read", _READ
    return None


_READ = (
    "formulas read NumPy's operators (@ * / + - **), .T, .shape[k], np.<function>(…), "
    "a.dot(b), .astype(…), and the course's g'(Z1)"
)


def _call_problem(n: ast.Call) -> tuple[str, str] | None:
    f = n.func
    if isinstance(f, ast.Name) and f.id.startswith(PRIME):
        return None
    if is_method(f):
        if f.attr in METHODS:
            return None
        return f"the method .{f.attr}(…) is not read", _READ
    dotted = _dotted(f)
    if dotted and known_call(dotted):
        return None
    return _call_refusal(n)


def _call_refusal(n: ast.AST) -> tuple[str, str]:
    if isinstance(n, ast.Call):
        name = _dotted(n.func) or ast.unparse(n.func)
        if name.startswith(("np.", "numpy.")):
            return f"the function {name} is not read", _READ
        return (
            f"{name}(…) is a function of your own, which chainrule does not run",
            "paste the lines of its body instead, or write the layers out",
        )
    return f"{ast.unparse(n)} is not a cache to unpack", "unpack a cache: A_prev, W, b = cache"


def _refusal(node: ast.stmt) -> tuple[str, str]:
    """The message for a statement outside the language."""
    if isinstance(node, ast.For | ast.While):
        return (
            "loops are not read (a loop over the layers runs code that chainrule does not run)",
            "write the layers out, one line per quantity: dZ2 = …, dW2 = …, db2 = …, dZ1 = …",
        )
    if isinstance(node, ast.If):
        return "if statements are not read", "write the code for your network's own activation"
    if isinstance(node, ast.FunctionDef):
        return "a function inside a function is not read", "check one function at a time"
    if isinstance(node, ast.Expr):
        return "an expression on its own changes nothing", "assign it: dZ1 = …"
    what = type(node).__name__.lower()
    return f"{what} statements are not read", "write target = expression lines"


def _ignorable(n: ast.stmt) -> bool:
    """A docstring, ``pass``, or an import of NumPy."""
    if isinstance(n, ast.Pass):
        return True
    if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant):
        return isinstance(n.value.value, str)
    if isinstance(n, ast.Import):
        return all(a.name == "numpy" for a in n.names)
    return False


def _is_print(v: ast.expr) -> bool:
    return isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id in _SKIPPED_CALLS


def _dotted(f: ast.AST) -> str:
    parts = []
    while isinstance(f, ast.Attribute):
        parts.append(f.attr)
        f = f.value
    return ".".join([f.id, *reversed(parts)]) if isinstance(f, ast.Name) else ""


def _module_path(n: ast.Attribute) -> bool:
    return _dotted(n).split(".")[0] in ("np", "numpy")


def _shape_entry(n: ast.Subscript) -> bool:
    return isinstance(n.value, ast.Attribute) and n.value.attr == "shape"


def _number(v: ast.expr) -> bool:
    if isinstance(v, ast.UnaryOp) and isinstance(v.op, ast.USub | ast.UAdd):
        v = v.operand
    return isinstance(v, ast.Constant) and type(v.value) in (int, float)


def _uses(tree: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(tree))


def _substitute(tree: ast.expr, values: dict[str, ast.expr]) -> ast.expr:
    class _Put(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:  # noqa: N802
            return copy.deepcopy(values[node.id]) if node.id in values else node

    return _Put().visit(copy.deepcopy(tree))


def _view_of(value: ast.expr) -> str | None:
    """The name whose array ``value`` is, without a copy (``dA``, ``np.asarray(dA)``)."""
    if isinstance(value, ast.Name):
        return value.id
    if isinstance(value, ast.Call) and len(value.args) == 1 and isinstance(value.args[0], ast.Name):
        name = _dotted(value.func).split(".")[-1]
        copied = {k.arg: k.value for k in value.keywords}.get("copy")
        if name == "asarray" or name == "array" and isinstance(copied, ast.Constant):
            if name == "asarray" or copied.value is False:
                return value.args[0].id
    return None


def _builtin_call(tree: ast.AST) -> ast.AST:
    """The first call of Python's own sum/max/min in ``tree``."""
    calls = (n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name))
    return next(n for n in calls if n.func.id in ("sum", "max", "min"))


def _where(cond: ast.expr, value: ast.expr, old: ast.expr) -> ast.expr:
    """``x[cond] = value`` as a value: ``np.where(cond, value, x)``."""
    f = ast.Attribute(ast.Name("np", ast.Load()), "where", ast.Load())
    return ast.fix_missing_locations(ast.Call(f, [cond, copy.deepcopy(value), old], []))


def _unwrap_copy(tree: ast.expr) -> ast.expr:
    """``np.array(dA, copy=True)`` and ``dA.copy()`` are dA's values: keep the formula short."""
    if isinstance(tree, ast.Call) and not is_method(tree.func):
        name = _dotted(tree.func).split(".")[-1]
        if name in ("array", "copy") and len(tree.args) == 1:
            if all(k.arg == "copy" for k in tree.keywords):
                return tree.args[0]
    if isinstance(tree, ast.Call) and is_method(tree.func) and tree.func.attr == "copy":
        if not tree.args and not tree.keywords:
            return tree.func.value
    return tree


def _chars(line: str, byte_col: int) -> int:
    """A column in characters from Python's byte column (they differ after non-ASCII text)."""
    return len(line.encode()[:byte_col].decode(errors="ignore"))
