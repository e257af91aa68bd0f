"""Reading a week-4 learner's file — several functions and an entry — as one straight-line pass.

The course's "Building your Deep Neural Network: Step by Step" has the learner write
``linear_backward(dZ, cache)``, ``linear_activation_backward(dA, cache, activation)`` and
``L_model_backward(AL, Y, caches)``, which loops over the layers. None of it is run. This module
is a small interpreter over Python's syntax tree that knows, at reading time, everything the code
branches on: the number of layers L (so ``len(caches)``, ``range(L - 1)``, ``caches[l]`` and
``grads["dW" + str(l + 1)]`` are constants), the string ``activation``, and the structure of the
forward caches, ``caches[l - 1] = ((A[l-1], W[l], b[l]), Z[l])``. Arrays are never numbers here:
an array is a formula in the course's names (an ``ast.expr``), and each assignment that makes one
is handed on, in the order the code would make it, as a flat statement for
:class:`chainrule.check.source` to read — with the learner's own line, column and call chain.

Names: in a function called with layer l's cache (or called from one), ``dZ``, ``dW``, ``db``,
``dA`` and ``dA_prev`` are dZ[l], dW[l], db[l], dA[l] and dA[l−1]; ``dAL`` is dA[L]; numbered
names are themselves. Any other local gets a name of its own frame (``m__3``), so that the reader
puts its formula into the lines that use it. A value filed under a key (``grads["dA1"] = …``)
that is already a named quantity is only filed: the course's 2017 notebook filed dA[l−1] under
``"dA" + str(l)``, and the quantity is what was computed, whatever the key.

What is read: assignments (names, tuples, ``grads[key]``, mask writes), ``+=``, ``return``,
``if``/``elif``/``else`` on constants, ``for`` over ``range``/``reversed``/a tuple, calls of the
file's own functions (inlined, arguments bound), ``len``, ``str``, ``range``, ``reversed``,
``list``, f-strings, ``print``/``assert``/docstrings (passed over), and the course's
``relu_backward``/``sigmoid_backward`` when the file does not define them. Everything else —
``while``, recursion, ``break``, a branch on an array, an unknown function — is a ParseError
with its line and column. Unrolling and inlining are bounded (:data:`LIMITS`).
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass, field
from typing import Protocol

from ..errors import ParseError
from ..lang.parser import known_call

__all__ = ["Flat", "LIMITS", "ENTRY", "unroll", "is_week4"]

ENTRY = "L_model_backward"
ENTRY_PARAMS = ("AL", "Y", "caches")
LIMITS = {
    "depth": 12,  # calls inside calls
    "iterations": 64,  # one loop's
    "statements": 4000,  # flat statements handed on
    "steps": 100_000,  # statements interpreted, all loops and calls together
    "string": 64,  # a key's characters
    "int": 10**9,  # a whole number's size (a layer index)
}

_GRADIENT = re.compile(r"d(?:W|b|Z|A)\d+")
_GENERIC = {"dW": 0, "db": 0, "dZ": 0, "dA": 0, "dA_prev": 1}  # name → layers back
_STATIC_OPS = (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)
_CMP = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}
# the course's dnn_utils, used when the file does not define them: dZ from dA and Z
_LIBRARY = {
    "relu_backward": "np.where(Z <= 0, 0, dA)",
    "sigmoid_backward": "dA * (sigmoid(Z) * (1 - sigmoid(Z)))",
}


class Reader(Protocol):
    """What the interpreter needs from the reader: errors at a node, and a key's course name."""

    def fail(self, node: ast.AST, message: str, hint: str | None = None) -> ParseError: ...


# -- values ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Arr:
    """An array with a flat name: a course quantity (``dZ2``, ``W1``) or a frame's local."""

    name: str


@dataclass(frozen=True)
class Tree:
    """An array formula not yet named; ``at``/``via`` say where it was made if in another frame."""

    tree: ast.expr
    at: ast.AST | None = None
    via: tuple[tuple[str, int], ...] = ()
    function: str = ""


@dataclass(frozen=True)
class Const:
    """A value known while reading: an int, a float, a string, a bool, None, a tuple of ints."""

    value: object


@dataclass(frozen=True)
class Seq:
    """A tuple (or list); ``layer`` is set for a forward cache of that layer or a part of it."""

    items: tuple
    layer: int | None = None


@dataclass
class Dict:
    items: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Func:
    node: ast.FunctionDef


@dataclass(frozen=True)
class Library:
    name: str


_ARRAY = (Arr, Tree)


def forward_caches(L: int) -> Seq:
    """``caches`` as the course's L_model_forward returns it: ``((A_prev, W, b), Z)`` per layer."""

    def a(l: int) -> Arr:
        return Arr("X" if l == 0 else f"A{l}")

    return Seq(
        tuple(
            Seq((Seq((a(l - 1), Arr(f"W{l}"), Arr(f"b{l}")), l), Arr(f"Z{l}")), l)
            for l in range(1, L + 1)
        )
    )


# -- the flat program -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Flat:
    """One flat statement in course names, with the call chain that made it and its frame."""

    node: ast.stmt
    via: tuple[tuple[str, int], ...]
    function: str
    layer: int | None


@dataclass
class _Frame:
    function: str
    env: dict
    layer: int | None
    fid: int
    via: tuple[tuple[str, int], ...]


class _Returned(Exception):  # noqa: N818 - control flow, not an error
    def __init__(self, value: object) -> None:
        self.value = value


class _Escape(Exception):  # noqa: N818 - break/continue are refused where they are met
    pass


def is_week4(module: ast.Module) -> bool:
    """The text is a file of several functions, or holds the course's entry ``L_model_backward``."""
    functions = [n for n in module.body if isinstance(n, ast.FunctionDef)]
    return len(functions) > 1 or any(f.name == ENTRY for f in functions)


def unroll(module: ast.Module, L: int | None, reader: Reader) -> list[Flat]:
    """The flat statements of ``L_model_backward(AL, Y, caches)`` with every call inlined."""
    return _Interpreter(module, L, reader).run()


class _Interpreter:
    def __init__(self, module: ast.Module, L: int | None, reader: Reader) -> None:
        self.reader = reader
        self.functions = {n.name: n for n in module.body if isinstance(n, ast.FunctionDef)}
        self.L = L
        self.module = module
        self.out: list[Flat] = []
        self.stack: list[_Frame] = []
        self.frames = 0
        self.steps = 0

    def fail(self, node: ast.AST, message: str, hint: str | None = None) -> ParseError:
        return self.reader.fail(node, message, hint or _HINT)

    # -- the entry --------------------------------------------------------------------------------
    def run(self) -> list[Flat]:
        entry = self.entry()
        if entry is None:
            second = [n for n in self.module.body if isinstance(n, ast.FunctionDef)][1]
            raise self.fail(
                second,
                f"the text holds more than one function but no {ENTRY}(AL, Y, caches), "
                "where a pass of several functions starts",
                hint=f"include your {ENTRY}, or check one function at a time",
            )
        if self.L is None:
            raise self.fail(
                entry, f"{entry.name} loops over the layers: reading it needs L", "pass L=…"
            )
        params = _params(entry)
        if len(params) != 3 or entry.args.vararg or entry.args.kwarg or entry.args.kwonlyargs:
            raise self.fail(
                entry,
                f"{entry.name} is read with the course's arguments (AL, Y, caches)",
                hint="def L_model_backward(AL, Y, caches): — add L2 or dropout inside it",
            )
        values = [Arr(f"A{self.L}"), Arr("Y"), forward_caches(self.L)]
        self.call(entry, dict(zip(params, values, strict=True)), entry, None)
        return self.out

    def entry(self) -> ast.FunctionDef | None:
        """``L_model_backward``, or the one ``…backward`` function no other function calls."""
        if ENTRY in self.functions:
            return self.functions[ENTRY]
        called = {
            n.func.id
            for f in self.functions.values()
            for n in ast.walk(f)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        top = [f for name, f in self.functions.items() if name not in called]
        top = [f for f in top if "backward" in f.name.lower() and len(_params(f)) == 3]
        return top[0] if len(top) == 1 else None

    # -- calls ------------------------------------------------------------------------------------
    def call(self, f: ast.FunctionDef, args: dict, at: ast.AST, layer: int | None) -> object:
        if any(fr.function == f.name for fr in self.stack):
            raise self.fail(at, f"{f.name} calls itself, which is not read", "write it as a loop")
        if len(self.stack) >= LIMITS["depth"]:
            raise self.fail(at, f"calls nest more than {LIMITS['depth']} deep here")
        via = () if not self.stack else (*self.stack[-1].via, (self.stack[-1].function, at.lineno))
        frame = _Frame(f.name, {}, layer, self.frames, via)
        self.frames += 1
        self.stack.append(frame)
        try:
            for name, value in args.items():
                self.bind(frame, name, value, at)
            self.block(f.body, frame)
            value = Const(None)
        except _Returned as r:
            value = r.value
        finally:
            self.stack.pop()
        return value

    def invoke(self, node: ast.Call, frame: _Frame) -> object:
        """A call of the file's own function (inlined) or the course's library one."""
        name = node.func.id
        f = self.functions.get(name)
        if f is None:
            return self.library(node, frame)
        params = _params(f)
        if f.args.vararg or f.args.kwarg:
            raise self.fail(f, "*args and **kwargs are not read", hint="name each argument")
        if len(node.args) > len(params):
            raise self.fail(node, f"{name} takes {len(params)} arguments, given {len(node.args)}")
        args = {p: self.ev(a, frame) for p, a in zip(params, node.args, strict=False)}
        for k in node.keywords:
            if k.arg is None or k.arg not in params or k.arg in args:
                raise self.fail(k, f"the argument {k.arg}= is not one of {name}'s")
            args[k.arg] = self.ev(k.value, frame)
        defaults = dict(
            zip(params[len(params) - len(f.args.defaults) :], f.args.defaults, strict=True)
        )
        for p in params:
            if p not in args:
                if p not in defaults:
                    raise self.fail(node, f"{name}(…) is called without its argument {p}")
                args[p] = self.ev(defaults[p], frame)
        for p, v in args.items():  # an expression passed in is made on the caller's line
            if isinstance(v, Tree) and v.at is None:
                args[p] = Tree(v.tree, node, frame.via, frame.function)
        layers = [v.layer for v in args.values() if isinstance(v, Seq) and v.layer]
        return self.call(
            f, {p: args[p] for p in params}, node, layers[0] if layers else frame.layer
        )

    def library(self, node: ast.Call, frame: _Frame) -> Tree:
        name = node.func.id
        if name not in _LIBRARY:
            raise self.fail(
                node,
                f"{name}(…) is not defined in the file, and is not the course's",
                hint="include its definition in the file",
            )
        if len(node.args) != 2 or node.keywords:
            raise self.fail(node, f"{name} is read as the course's {name}(dA, cache)")
        dA, Z = (self.tree(self.ev(a, frame), a) for a in node.args)
        template = ast.parse(_LIBRARY[name], mode="eval").body
        tree = _put(template, {"dA": dA, "Z": Z})
        return Tree(_located(tree, node), node, frame.via, frame.function)

    # -- statements -------------------------------------------------------------------------------
    def block(self, body: list[ast.stmt], frame: _Frame) -> None:
        for node in body:
            self.statement(node, frame)

    def statement(self, node: ast.stmt, frame: _Frame) -> None:
        self.steps += 1
        if self.steps > LIMITS["steps"]:
            raise self.fail(node, f"reading runs more than {LIMITS['steps']} statements here")
        if isinstance(node, ast.Assign):
            value = self.ev(node.value, frame)
            for target in node.targets:
                self.assign(target, value, node, frame)
        elif isinstance(node, ast.AugAssign):
            self.augmented(node, frame)
        elif isinstance(node, ast.Return):
            raise _Returned(Const(None) if node.value is None else self.returned(node, frame))
        elif isinstance(node, ast.If):
            self.block(node.body if self.test(node.test, frame) else node.orelse, frame)
        elif isinstance(node, ast.For):
            self.loop(node, frame)
        elif isinstance(node, ast.Expr):
            self.expression(node, frame)
        elif not isinstance(node, ast.Assert | ast.Pass | ast.Import | ast.ImportFrom):
            raise self.fail(node, *_refusal(node))

    def expression(self, node: ast.Expr, frame: _Frame) -> None:
        v = node.value
        if isinstance(v, ast.Constant):  # a docstring
            return
        if isinstance(v, ast.Call) and isinstance(v.func, ast.Name):
            if v.func.id == "print":
                return
            if v.func.id in self.functions:
                self.invoke(v, frame)
                return
        raise self.fail(node, "an expression on its own changes nothing", "assign it: dZ1 = …")

    def returned(self, node: ast.Return, frame: _Frame) -> object:
        value = self.ev(node.value, frame)
        if isinstance(value, Tree) and value.at is None:
            return Tree(value.tree, node, frame.via, frame.function)
        return value

    def test(self, test: ast.expr, frame: _Frame) -> bool:
        value = self.ev(test, frame)
        if not isinstance(value, Const):
            raise self.fail(
                test,
                "this branch depends on values computed while the code runs",
                hint='branch on the activation\'s name (if activation == "relu":)',
            )
        return bool(value.value)

    def loop(self, node: ast.For, frame: _Frame) -> None:
        if node.orelse:
            raise self.fail(node, "for … else is not read")
        values = self.ev(node.iter, frame)
        if isinstance(values, Const) and isinstance(values.value, tuple):
            values = Seq(tuple(Const(v) for v in values.value))
        if not isinstance(values, Seq):
            raise self.fail(
                node.iter,
                "a loop is read over range(…), reversed(range(…)) or a tuple",
                hint="for l in reversed(range(L - 1)):",
            )
        if len(values.items) > LIMITS["iterations"]:
            raise self.fail(node.iter, f"the loop runs more than {LIMITS['iterations']} times")
        for item in values.items:
            self.assign(node.target, item, node, frame)
            self.block(node.body, frame)

    def augmented(self, node: ast.AugAssign, frame: _Frame) -> None:
        target = node.target
        if not isinstance(target, ast.Name):
            raise self.fail(target, f"{ast.unparse(target)} += … is not read", "write x = x + …")
        old = self.lookup(target, frame)
        if isinstance(old, Const):
            value = self.binop(node, old, node.op, self.ev(node.value, frame))
            frame.env[target.id] = value
            return
        if not isinstance(old, Arr):
            raise self.fail(target, f"{target.id} is not an array to add to")
        flat = ast.AugAssign(
            ast.Name(old.name, ast.Store()), node.op, self.tree_of(node.value, frame)
        )
        self.emit(_located(flat, node), frame)

    # -- assignment -------------------------------------------------------------------------------
    def assign(self, target: ast.expr, value: object, node: ast.stmt, frame: _Frame) -> None:
        if isinstance(target, ast.Name):
            return self.bind(frame, target.id, value, node, target)
        if isinstance(target, ast.Tuple | ast.List):
            items = self.unpack(value, len(target.elts), node)
            for t, v in zip(target.elts, items, strict=True):
                self.assign(t, v, node, frame)
            return None
        if isinstance(target, ast.Subscript):
            return self.store(target, value, node, frame)
        raise self.fail(target, f"cannot assign to {ast.unparse(target)!r}")

    def unpack(self, value: object, n: int, node: ast.AST) -> tuple:
        if not isinstance(value, Seq):
            raise self.fail(node, "only a tuple (a cache, or what a function returns) is unpacked")
        if len(value.items) != n:
            raise self.fail(
                node,
                f"{n} names for {len(value.items)} values",
                hint="the course's cache is ((A_prev, W, b), Z): "
                "linear_cache, activation_cache = cache; A_prev, W, b = linear_cache",
            )
        return value.items

    def bind(
        self, frame: _Frame, name: str, value: object, node: ast.AST, at: ast.AST | None = None
    ) -> None:
        """``name = value`` in ``frame``: an array formula becomes a flat statement."""
        if not isinstance(value, _ARRAY):
            frame.env[name] = value
            return
        flat = self.flat(frame, name)
        gradient = _GRADIENT.fullmatch(flat) is not None
        if isinstance(value, Arr) and (value.name == flat or not gradient):
            frame.env[name] = value  # another name for the same array
            return
        where, made = node, None
        if isinstance(value, Tree) and value.at is not None and gradient:
            where, made = value.at, (value.via, value.function)  # the line that made it
            at = None
        target = _located(ast.Name(flat, ast.Store()), at or where)
        tree = value.tree if isinstance(value, Tree) else _located(ast.Name(value.name), where)
        statement = _located(ast.Assign([target], tree), where)
        self.emit(statement, frame, made)
        frame.env[name] = Arr(flat)

    def flat(self, frame: _Frame, name: str) -> str:
        """The flat name an assignment to ``name`` makes in ``frame`` (see the module's doc)."""
        course = None
        if _GRADIENT.fullmatch(name):
            course = name
        elif name in ("dAL", "dZL"):
            course = f"{name[:-1]}{self.L}"
        elif name in _GENERIC and frame.layer is not None:
            course = f"{name.removesuffix('_prev')}{frame.layer - _GENERIC[name]}"
        if course is None or course in ("dA0", "dZ0"):
            return f"{name}__{frame.fid}"
        return course

    def store(self, target: ast.Subscript, value: object, node: ast.stmt, frame: _Frame) -> None:
        base = self.ev(target.value, frame)
        if isinstance(base, Dict):
            key = self.key(target.slice, frame)
            if isinstance(value, Arr) or not isinstance(value, _ARRAY):
                base.items[key] = value  # filed under its key (a named array is only filed)
                return
            if not _GRADIENT.fullmatch(key) or key in ("dA0", "dZ0"):
                base.items[key] = value
                return
            saved = frame.env.get(key)
            self.bind(frame, key, value, node, target.slice)
            base.items[key] = frame.env.pop(key)
            if saved is not None:  # the learner's own local of that name keeps its value
                frame.env[key] = saved
            return
        if isinstance(base, Arr):  # dZ[Z <= 0] = 0
            sub = ast.Subscript(
                _located(ast.Name(base.name), target.value),
                self.tree_of(target.slice, frame),
                ast.Store(),
            )
            flat = ast.Assign([_located(sub, target)], self.tree(value, node.value))
            self.emit(_located(flat, node), frame)
            return
        raise self.fail(target, f"cannot write into {ast.unparse(target.value)}")

    def key(self, node: ast.expr, frame: _Frame) -> str:
        value = self.ev(node, frame)
        if not (isinstance(value, Const) and isinstance(value.value, str)):
            raise self.fail(node, 'a dictionary key here is a string ("dW" + str(l + 1))')
        return value.value

    def emit(self, node: ast.stmt, frame: _Frame, made: tuple | None = None) -> None:
        """Hand on a flat statement; ``made``: (via, function) of another frame's line."""
        if len(self.out) >= LIMITS["statements"]:
            raise self.fail(node, f"the pass unrolls into more than {LIMITS['statements']} lines")
        via, function = made or (frame.via, frame.function)
        self.out.append(Flat(node, via, function, frame.layer))

    # -- expressions ------------------------------------------------------------------------------
    def lookup(self, node: ast.Name, frame: _Frame) -> object:
        if node.id in frame.env:
            return frame.env[node.id]
        if node.id in self.functions:
            return Func(self.functions[node.id])
        raise self.fail(
            node,
            f"{node.id} has no value here",
            hint="each function reads only its arguments and its own lines",
        )

    def ev(self, node: ast.expr, frame: _Frame) -> object:
        """The value of ``node``: a constant, a tuple, a dictionary, or an array formula."""
        method = getattr(self, f"ev_{type(node).__name__}", None)
        if method is None:
            what = type(node).__name__.lower()
            raise self.fail(node, f"{what} syntax is not read in a backward pass")
        return method(node, frame)

    def ev_Constant(self, node: ast.Constant, frame: _Frame) -> object:  # noqa: N802
        if isinstance(node.value, str) and len(node.value) > LIMITS["string"]:
            raise self.fail(node, "this string is too long to be a quantity's name")
        return Const(node.value)

    def ev_Name(self, node: ast.Name, frame: _Frame) -> object:  # noqa: N802
        return self.lookup(node, frame)

    def ev_Tuple(self, node: ast.Tuple, frame: _Frame) -> object:  # noqa: N802
        return Seq(tuple(self.ev(e, frame) for e in node.elts))

    ev_List = ev_Tuple  # noqa: N815

    def ev_Dict(self, node: ast.Dict, frame: _Frame) -> object:  # noqa: N802
        out = Dict()
        for k, v in zip(node.keys, node.values, strict=True):
            if k is None:
                raise self.fail(v, "**-unpacking in a dictionary is not read")
            out.items[self.key(k, frame)] = self.ev(v, frame)
        return out

    def ev_JoinedStr(self, node: ast.JoinedStr, frame: _Frame) -> object:  # noqa: N802
        parts = []
        for v in node.values:
            value = self.ev(v.value if isinstance(v, ast.FormattedValue) else v, frame)
            if not isinstance(value, Const) or isinstance(v, ast.FormattedValue) and v.format_spec:
                raise self.fail(v, 'an f-string here names a quantity: f"dW{l + 1}"')
            parts.append(str(value.value))
        return Const("".join(parts))

    def ev_BinOp(self, node: ast.BinOp, frame: _Frame) -> object:  # noqa: N802
        return self.binop(node, self.ev(node.left, frame), node.op, self.ev(node.right, frame))

    def binop(self, node: ast.AST, a: object, op: ast.operator, b: object) -> object:
        if isinstance(a, Const) and isinstance(b, Const) and _static(a.value, op, b.value):
            value = _STATIC[type(op)](a.value, b.value)
            if isinstance(value, str) and len(value) > LIMITS["string"]:
                raise self.fail(node, "this string grows too long to be a quantity's name")
            if type(value) is int and abs(value) > LIMITS["int"]:
                raise self.fail(node, "this number grows too large to be a layer's index")
            return Const(value)
        tree = ast.BinOp(self.tree(a, node), op, self.tree(b, node))
        return Tree(_located(tree, node))

    def ev_UnaryOp(self, node: ast.UnaryOp, frame: _Frame) -> object:  # noqa: N802
        v = self.ev(node.operand, frame)
        if isinstance(v, Const) and type(v.value) is int and isinstance(node.op, ast.USub):
            return Const(-v.value)
        if isinstance(v, Const) and isinstance(node.op, ast.Not):
            return Const(not v.value)
        return Tree(_located(ast.UnaryOp(node.op, self.tree(v, node)), node))

    def ev_Compare(self, node: ast.Compare, frame: _Frame) -> object:  # noqa: N802
        values = [self.ev(node.left, frame), *(self.ev(c, frame) for c in node.comparators)]
        if all(isinstance(v, Const) for v in values):
            pairs = zip(values, values[1:], node.ops, strict=False)
            if all(type(op) in _CMP for op in node.ops):
                try:
                    return Const(all(_CMP[type(op)](a.value, b.value) for a, b, op in pairs))
                except TypeError:
                    pass
            raise self.fail(node, "this comparison is not read", "compare names: activation == …")
        trees = [self.tree(v, node) for v in values]
        return Tree(_located(ast.Compare(trees[0], node.ops, trees[1:]), node))

    def ev_BoolOp(self, node: ast.BoolOp, frame: _Frame) -> object:  # noqa: N802
        values = [self.ev(v, frame) for v in node.values]
        if not all(isinstance(v, Const) for v in values):
            raise self.fail(node, "and/or on arrays is not read", "use np.logical_and or a mask")
        pick = all if isinstance(node.op, ast.And) else any
        return Const(pick(v.value for v in values))

    def ev_Attribute(self, node: ast.Attribute, frame: _Frame) -> object:  # noqa: N802
        if _module(node):
            raise self.fail(node, f"{ast.unparse(node)} is read only as a function: call it")
        base = self.ev(node.value, frame)
        return Tree(_located(ast.Attribute(self.tree(base, node), node.attr, ast.Load()), node))

    def ev_Subscript(self, node: ast.Subscript, frame: _Frame) -> object:  # noqa: N802
        base = self.ev(node.value, frame)
        if isinstance(base, Dict):
            key = self.key(node.slice, frame)
            if key not in base.items:
                raise self.fail(
                    node,
                    f"nothing is stored under {key!r} here (NumPy would raise a KeyError)",
                    hint=f"store {key} before this line",
                )
            return base.items[key]
        if isinstance(base, Seq):
            index = self.ev(node.slice, frame)
            if not (isinstance(index, Const) and type(index.value) is int):
                raise self.fail(
                    node.slice,
                    "a tuple is indexed with a whole number here",
                    hint="caches[l], linear_cache[0]",
                )
            if not -len(base.items) <= index.value < len(base.items):
                raise self.fail(
                    node,
                    f"index {index.value} is out of range: there are "
                    f"{len(base.items)} (NumPy would raise an IndexError)",
                    hint="caches[l] is layer l + 1's cache: caches[L - 1] is the output layer's",
                )
            return base.items[index.value]
        sub = ast.Subscript(self.tree(base, node), self.tree_of(node.slice, frame), ast.Load())
        return Tree(_located(sub, node))

    def ev_Call(self, node: ast.Call, frame: _Frame) -> object:  # noqa: N802
        f = node.func
        if isinstance(f, ast.Name):
            builtin = _BUILTINS.get(f.id)
            if f.id in self.functions or f.id in _LIBRARY:
                return self.invoke(node, frame)
            if builtin is not None and f.id not in frame.env:
                return self.builtin(node, frame, builtin)
            if not known_call(f.id):
                raise self.fail(
                    node,
                    f"{f.id}(…) is not defined in the file, and is not the course's",
                    hint="include its definition in the file",
                )
        func = f
        if isinstance(f, ast.Attribute) and not _module(f):  # a method: a.dot(b), x.sum(…)
            func = _located(ast.Attribute(self.tree_of(f.value, frame), f.attr, ast.Load()), f)
        args = [self.tree_of(a, frame) for a in node.args]
        keywords = [ast.keyword(k.arg, self.tree_of(k.value, frame)) for k in node.keywords]
        return Tree(_located(ast.Call(func, args, keywords), node))

    def builtin(self, node: ast.Call, frame: _Frame, kind: str) -> object:
        values = [self.ev(a, frame) for a in node.args]
        if node.keywords or not values:
            raise self.fail(node, f"{node.func.id}(…) is read with positional arguments only")
        if kind == "array":  # int(m), float(m), sigmoid(Z): the reader's own functions
            if all(isinstance(v, Const) for v in values) and node.func.id in ("int", "float"):
                return Const(_BUILTIN_VALUE[node.func.id](values[0].value))
            call = ast.Call(node.func, [self.tree(v, node) for v in values], [])
            return Tree(_located(call, node))
        return self.static(node, node.func.id, values)

    def static(self, node: ast.Call, name: str, values: list) -> object:
        v = values[0]
        if name == "len" and isinstance(v, Seq | Dict):
            return Const(len(v.items))
        if name == "str" and isinstance(v, Const) and type(v.value) in (int, str):
            return Const(str(v.value))
        if name == "range" and all(isinstance(x, Const) and type(x.value) is int for x in values):
            r = range(*(x.value for x in values))
            if len(r) > LIMITS["iterations"]:
                raise self.fail(node, f"range(…) runs more than {LIMITS['iterations']} times")
            return Const(tuple(r))
        if name in ("reversed", "list", "tuple") and len(values) == 1:
            if isinstance(v, Const) and isinstance(v.value, tuple):
                return Const(tuple(reversed(v.value)) if name == "reversed" else v.value)
            if isinstance(v, Seq):
                return Seq(tuple(reversed(v.items)) if name == "reversed" else v.items)
        raise self.fail(node, f"{ast.unparse(node)} is not read here", hint=_STATIC_HINT)

    # -- arrays as formulas -----------------------------------------------------------------------
    def tree_of(self, node: ast.expr, frame: _Frame) -> ast.expr:
        return self.tree(self.ev(node, frame), node)

    def tree(self, value: object, node: ast.AST) -> ast.expr:
        if isinstance(value, Arr):
            return _located(ast.Name(value.name, ast.Load()), node)
        if isinstance(value, Tree):
            return copy.deepcopy(value.tree)
        if isinstance(value, Const) and type(value.value) in (int, float, bool, str):
            return _located(ast.Constant(value.value), node)
        what = {Seq: "a tuple (a cache)", Dict: "a dictionary", Func: "a function"}
        raise self.fail(
            node,
            f"{what.get(type(value), 'this value')} is used where an array belongs",
            hint="unpack a cache first: A_prev, W, b = linear_cache",
        )


_STATIC = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
}
_BUILTINS = {
    "len": "static",
    "str": "static",
    "range": "static",
    "reversed": "static",
    "list": "static",
    "tuple": "static",
    "int": "array",
    "float": "array",
    "sigmoid": "array",
    "relu": "array",
}
_BUILTIN_VALUE = {"int": int, "float": float}
_HINT = (
    "a file of functions is read as the course writes it: L_model_backward's loop over "
    "range(L - 1), the functions it calls, their caches and grads keys (docs/reading.md)"
)
_STATIC_HINT = "len(caches), str(l), range(L - 1), reversed(range(L - 1)) are read"


def _static(a: object, op: ast.operator, b: object) -> bool:
    """The operation is done while reading: whole numbers, or strings joined (``"dW" + "2"``)."""
    if not isinstance(op, _STATIC_OPS):
        return False
    if type(a) is int and type(b) is int:
        return not isinstance(op, ast.FloorDiv | ast.Mod) or b != 0
    return isinstance(op, ast.Add) and type(a) is str and type(b) is str


def _params(f: ast.FunctionDef) -> list[str]:
    return [a.arg for a in (*f.args.posonlyargs, *f.args.args)]


def _module(node: ast.Attribute) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in ("np", "numpy")


def _located(node: ast.AST, at: ast.AST) -> ast.AST:
    """``node`` with ``at``'s position wherever it has none of its own."""
    for n in ast.walk(node):
        if "lineno" in n._attributes and not hasattr(n, "lineno"):
            ast.copy_location(n, at)
    return node


def _put(template: ast.expr, values: dict[str, ast.expr]) -> ast.expr:
    class _Put(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:  # noqa: N802
            return copy.deepcopy(values[node.id]) if node.id in values else node

    return _Put().visit(copy.deepcopy(template))


def _refusal(node: ast.stmt) -> tuple[str, str]:
    if isinstance(node, ast.While):
        return (
            "while loops are not read (how often they run is known only when the code runs)",
            "loop over the layers: for l in reversed(range(L - 1)):",
        )
    if isinstance(node, ast.Break | ast.Continue):
        return f"{type(node).__name__.lower()} is not read", "loop over the layers you need"
    if isinstance(node, ast.FunctionDef | ast.Lambda):
        return "a function inside a function is not read", "define it at the top of the file"
    what = type(node).__name__.lower()
    return f"{what} statements are not read in a backward pass", "write target = expression lines"
