"""Reading a learner's formula: the course's spellings in, an IR tree out — never ``eval``.

Learners write what the course writes: ``dZ[1] = W[2].T @ dZ[2] * g[1]'(Z[1])``, ``(Z1 > 0)`` or
``np.where(Z1 > 0, 1, 0)`` for relu's derivative, ``np.int64(A1 > 0)``, unicode ``ᵀ ⊙ − ²``. This
module turns those spellings into the language of :func:`chainrule.lang.parse`: the text is
normalised, Python's ``ast`` reads it, and calls such as ``g'(Z1)`` and comparisons with 0 become
placeholder names whose values (the activation's derivative, a step) are built in the IR and put in
after parsing. Shapes come from the network's program and derivation, so ``m`` stays symbolic and a
formula that does not type-check fails here, with the operands and their shapes named.

The formula is kept as an ``ast`` tree between reading and parsing so that the mistake library can
edit it (add a ``.T``, swap ``*`` for ``@``) and parse it again.
"""

from __future__ import annotations

import ast
import copy
import re

from .. import scalar
from ..algebra.simplify import substitute
from ..autodiff import Derivation
from ..errors import ParseError, SpecError
from ..ir import build
from ..ir.expr import Expr, leaves
from ..lang import parse
from ..nets import Network
from ..rules.primitives import derivative_of

__all__ = ["PRIME", "Reader", "split_formula", "normalize", "show"]

PRIME = "__prime__"  # g'(Z1) is read as the call __prime__g(Z1)

_UNICODE = str.maketrans(
    {"ᵀ": ".T", "⊙": "*", "∘": "*", "·": "*", "×": "*", "−": "-", "²": "**2", "′": "'", "’": "'"}
)
_LAYER = re.compile(r"\b([A-Za-z_]+)\[(\d+)\]")  # W[2] → W2, the course's brackets
_PRIMED = re.compile(r"([^\W\d]\w*)\s*'\s*\(")  # g1'( → __prime__g1(
_TARGET = re.compile(r"^\s*([A-Za-z_]\w*)\s*=(?!=)(.*)$", re.S)
_CASTS = {"int", "float", "int64", "int32", "float64", "float32", "double", "array", "asarray"}


def normalize(text: str) -> str:
    """The course's spellings as Python: ``dZ[1]`` → ``dZ1``, ``ᵀ`` → ``.T``, ``g'(`` → a call."""
    text = text.strip().translate(_UNICODE)
    text = _LAYER.sub(r"\1\2", text)
    return _PRIMED.sub(PRIME + r"\1(", text)


def split_formula(formula: str) -> tuple[str, str]:
    """``"dZ[1] = W2.T @ dZ2"`` → ``("dZ1", "W2.T @ dZ2")`` (the right-hand side normalised)."""
    if not isinstance(formula, str):
        raise ParseError(f"a formula is a string, not {type(formula).__name__}")
    match = _TARGET.match(normalize(formula))
    if match is None or not match.group(2).strip():
        raise ParseError(
            f"cannot read {formula.strip()!r} as a formula: "
            "write the quantity, '=', then its formula",
            hint="e.g. dZ1 = W2.T @ dZ2 * (1 - A1**2)",
        )
    return match.group(1), match.group(2).strip()


def show(tree: ast.AST) -> str:
    """The tree as the learner would write it (``g1'(Z1)`` again, not the placeholder call)."""
    source = re.sub(re.escape(PRIME) + r"(\w+)\(", r"\1'(", ast.unparse(tree))
    return source.replace(" ** ", "**")


class Reader:
    """Parses formulas about one network: its names, their shapes, its activations."""

    def __init__(self, net: Network, derivation: Derivation) -> None:
        program = derivation.program
        self.spec = net.spec
        self.shapes = {name: v.shape for name, v in program.names.items()}
        self.shapes.update({s.target: s.shape for s in derivation.steps})
        self.shapes["A0"] = self.shapes["X"]  # A[0] is X in the course
        self.props = {v.name: tuple(v.attrs[1]) for v in program.inputs if v.attrs[1]}
        self.aliases = {build.var("A0", self.shapes["X"]): program.names["X"]}

    # -- text → tree ------------------------------------------------------------------------------
    def tree(self, source: str) -> ast.Expression:
        """Python's syntax tree of a normalised right-hand side; casts and ``np.where`` undone."""
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError as e:
            raise ParseError(
                f"syntax error: {e.msg}", source=source, col=max((e.offset or 1) - 1, 0)
            ) from None
        except (ValueError, RecursionError, MemoryError) as e:
            raise ParseError(f"cannot read the formula: {type(e).__name__}") from None
        return ast.fix_missing_locations(_Rewrite().visit(tree))

    # -- tree → IR --------------------------------------------------------------------------------
    def ir(self, tree: ast.Expression) -> Expr:
        """The formula as an IR tree; raises ShapeError when it does not type-check."""
        lift = _Lift(show(tree))
        body = lift.visit(copy.deepcopy(tree))
        shapes, values = dict(self.shapes), dict(self.aliases)
        for name, kind, detail, arg in lift.held:  # inner ones first
            value = self._special(kind, detail, substitute(self._parse(arg, shapes), values))
            shapes[name] = value.shape
            values[build.var(name, value.shape)] = value
        return substitute(self._parse(body, shapes), values)

    def _parse(self, node: ast.AST, shapes: dict) -> Expr:
        return parse(ast.unparse(node), shapes, self.props)

    def _special(self, kind: str, detail: str, arg: Expr) -> Expr:
        step = build.fn(scalar.lookup("step"), arg)
        if kind == "positive":
            return step
        if kind == "nonpositive":
            return build.np_sub(build.const(1), step)
        f = self.activation(detail, arg)
        if f is None:  # a linear layer: g(z) = z, g′(z) = 1
            return build.broadcast(build.const(1), arg.shape) if arg.shape else build.const(1)
        return derivative_of(f, arg)

    # -- activations ------------------------------------------------------------------------------
    def activation(self, name: str, arg: Expr) -> scalar.ElementwiseFn | None:
        """The function a primed name means: ``g1`` → layer 1's, ``g`` → the layer of the argument's
        ``Z``/``A``, ``tanh``/``σ`` → that function."""
        match = re.fullmatch(r"g(\d*)", name)
        if match:
            return self.layer(int(match.group(1)) if match.group(1) else self._layer_of(arg, name))
        name = {"σ": "sigmoid", "sigma": "sigmoid"}.get(name, name)
        for f in self.spec.hidden:
            if f.name == name:
                return f
        try:
            return scalar.lookup(name)
        except SpecError:
            raise ParseError(
                f"unknown activation {name!r} in {name}'(…)",
                hint="write g'(Z1), g1'(Z1), or a function's name: tanh'(Z1), sigmoid'(Z1)",
            ) from None

    def layer(self, l: int) -> scalar.ElementwiseFn | None:
        """Layer ``l``'s activation (None for a linear output layer)."""
        L = self.spec.L
        if not 1 <= l <= L:
            raise ParseError(f"g{l}' names layer {l}, but the network has layers 1 to {L}")
        if l < L:
            return self.spec.hidden[l - 1]
        if self.spec.output == "softmax":
            raise ParseError(
                "softmax is not an elementwise function, so g'(Z) means nothing for it",
                hint="with cross-entropy, dZ[L] = A[L] - Y",
            )
        return None if self.spec.output == "linear" else scalar.lookup(self.spec.output)

    def _layer_of(self, arg: Expr, name: str) -> int:
        for v in leaves(arg):
            match = re.fullmatch(r"[ZA](\d+)", v.name)
            if match:
                return int(match.group(1))
        if len(set(self.spec.hidden)) == 1 and self.spec.L > 1:
            return 1
        raise ParseError(
            f"{name}'(…) does not say which layer's activation it is",
            hint="write g1'(Z1) (g with the layer's number)",
        )


class _Lift(ast.NodeTransformer):
    """Replace ``g'(x)`` and ``x > 0`` by placeholder names, remembering what each stands for."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.held: list[tuple[str, str, str, ast.AST]] = []  # (name, kind, detail, argument)

    def hold(self, kind: str, detail: str, arg: ast.AST) -> ast.Name:
        name = f"_held{len(self.held)}"
        self.held.append((name, kind, detail, arg))
        return ast.Name(id=name, ctx=ast.Load())

    def fail(self, node: ast.AST, message: str, hint: str | None = None) -> ParseError:
        return ParseError(message, source=self.source, col=None, hint=hint)

    def visit_Call(self, node: ast.Call) -> ast.AST:  # noqa: N802 - ast's naming
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Name) and f.id.startswith(PRIME):
            if len(node.args) != 1 or node.keywords:
                raise self.fail(node, f"{f.id[len(PRIME) :]}'(…) takes one argument")
            return self.hold("prime", f.id[len(PRIME) :], node.args[0])
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:  # noqa: N802
        self.generic_visit(node)
        if len(node.ops) == 1:
            left, op, right = node.left, node.ops[0], node.comparators[0]
            up, down = (ast.Gt, ast.GtE), (ast.Lt, ast.LtE)
            if _zero(right) and isinstance(op, up) or _zero(left) and isinstance(op, down):
                return self.hold("positive", "", left if _zero(right) else right)
            if _zero(right) and isinstance(op, down) or _zero(left) and isinstance(op, up):
                return self.hold("nonpositive", "", left if _zero(right) else right)
        raise self.fail(
            node,
            f"the comparison {ast.unparse(node)!r} is not understood",
            hint="only comparisons with 0 are: (Z1 > 0) is relu's derivative",
        )


class _Rewrite(ast.NodeTransformer):
    """Undo spellings with no IR meaning of their own: casts, ``.astype``, ``np.where``, and
    ``np.heaviside(x, c)`` (the step ``x > 0``; its value at exactly 0 never matters here)."""

    def visit_Call(self, node: ast.Call) -> ast.AST:  # noqa: N802
        self.generic_visit(node)
        name = _dotted(node.func)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "astype":
            return node.func.value
        if name.split(".")[-1] in _CASTS and len(node.args) == 1 and not node.keywords:
            return node.args[0]
        if name.split(".")[-1] == "heaviside" and len(node.args) == 2 and not node.keywords:
            return ast.Compare(node.args[0], [ast.Gt()], [ast.Constant(0)])
        if name.split(".")[-1] == "where" and len(node.args) == 3 and not node.keywords:
            cond, a, b = node.args
            not_cond = ast.BinOp(ast.Constant(1), ast.Sub(), copy.deepcopy(cond))
            return ast.BinOp(
                ast.BinOp(a, ast.Mult(), cond), ast.Add(), ast.BinOp(b, ast.Mult(), not_cond)
            )
        return node


def _dotted(f: ast.AST) -> str:
    parts = []
    while isinstance(f, ast.Attribute):
        parts.append(f.attr)
        f = f.value
    return ".".join([f.id, *reversed(parts)]) if isinstance(f, ast.Name) else ""


def _zero(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and not isinstance(node.value, bool) and node.value == 0
