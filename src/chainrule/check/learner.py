"""Reading a learner's formula about one network: an IR tree out — never ``eval``.

:class:`Reader` takes the Python that :mod:`.spelling` made of the learner's text and gives it its
meaning on one network: names and shapes come from the network's program and derivation (so ``m``
stays symbolic, and a formula that does not type-check fails here with the operands and shapes
named), ``g1'(Z1)`` is the derivative of layer 1's activation, ``keep_prob``, ``AL`` and ``dAL`` are
the network's, and every NumPy spelling means what :mod:`chainrule.lang` says it means.

The formula is kept as an ``ast`` tree between reading and parsing so that the mistake library can
edit it (add a ``.T``, swap ``*`` for ``@``) and parse it again. The tree keeps the learner's own
spelling (``np.int64(A1 > 0)``, ``dZ2.dot(A1.T)``, ``X.shape[1]``), so a corrected formula does too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from .. import scalar
from ..algebra.simplify import substitute
from ..autodiff import Derivation
from ..errors import ParseError, SpecError
from ..ir import build
from ..ir.expr import Expr, leaves
from ..lang import parse
from ..nets import Network
from ..rules.primitives import derivative_of
from .spelling import (
    ONE_EXAMPLE,
    PRIME,
    Notation,
    batch_name,
    builtin,
    normalize,
    normalize_line,
    normalize_traced,
    notation,
    original_col,
    parse_rhs,
    show,
    split_formula,
)

__all__ = [  # the reader, and the spelling functions the checker has always imported from here
    "PRIME",
    "Notation",
    "Reader",
    "builtin",
    "normalize",
    "normalize_line",
    "normalize_traced",
    "notation",
    "original_col",
    "parse_rhs",
    "show",
    "split_formula",
]


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
        self._keep_prob(program)
        self._last_layer()

    def _last_layer(self) -> None:
        """The notebooks' ``AL``, ``ZL`` (and ``dAL``, ``dZL``) are A[L], Z[L] of this network."""
        for name in ("AL", "ZL", "dAL", "dZL"):
            course = self.target(name)
            if course in self.shapes:
                self.shapes[name] = self.shapes[course]
                self.aliases[build.var(name, self.shapes[course])] = build.var(
                    course, self.shapes[course]
                )

    def target(self, name: str) -> str:
        """The course's numbered name of a quantity: ``dAL`` → ``dA2`` on a 2-layer network."""
        if name in ("AL", "ZL", "dAL", "dZL"):
            return f"{name[:-1]}{self.spec.L}"
        return name

    def _keep_prob(self, program: object) -> None:
        """The course's one scalar ``keep_prob`` is the network's, when every layer has the same."""
        kept = [v for v in program.inputs if re.fullmatch(r"keep_prob\d+", v.name)]
        values = {k for k in self.spec.keep_prob if k < 1}
        if kept and len(values) == 1:
            self.shapes["keep_prob"] = ()
            self.aliases[build.var("keep_prob", ())] = kept[0]

    # -- text → tree ------------------------------------------------------------------------------
    def tree(self, source: str) -> ast.Expression:
        """Python's syntax tree of a normalised right-hand side (juxtaposition read as np.dot)."""
        return parse_rhs(source)

    # -- tree → IR --------------------------------------------------------------------------------
    def ir(self, tree: ast.Expression) -> Expr:
        """The formula as an IR tree; raises ShapeError when it does not type-check."""
        primes = {
            n.func.id: self._prime(n.func.id[len(PRIME) :])
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            if n.func.id.startswith(PRIME)
        }
        builtin(tree)
        try:
            e = parse(ast.unparse(tree), self.shapes, self.props, primes)
        except ParseError as err:
            raise _public(err, self._unknown) from None
        return substitute(e, self.aliases)

    def _prime(self, name: str) -> Callable[[Expr], Expr]:
        """``g1'(x)``: the derivative of the activation ``g1`` names, at ``x``."""

        def derivative(x: Expr) -> Expr:
            f = self.activation(name, x)
            if f is None:  # a linear layer: g(z) = z, g′(z) = 1
                return build.broadcast(build.const(1), x.shape) if x.shape else build.const(1)
            return derivative_of(f, x)

        return derivative

    def _unknown(self, name: str) -> str:
        """What to write instead of an unknown ``name``."""
        if ONE_EXAMPLE.fullmatch(name):
            return (
                f"{name} is the lectures' one-example notation: write every name of the formula "
                f"that way (checked with m = 1), or write {batch_name(name)}"
            )
        if name.startswith("keep_prob"):
            kept = sorted(n for n in self.shapes if re.fullmatch(r"keep_prob\d+", n))
            if not kept:
                return "this network has no dropout: give it a keep_prob below 1"
            return f"this network's layers keep different fractions: write {', '.join(kept)}"
        if name == "Σ":
            return "write the sum with NumPy: np.sum(dZ1, axis=1, keepdims=True) adds the examples"
        if name == "lambd":
            return "this network has no L2 penalty: give it an l2 (λ) above 0"
        known = ", ".join(sorted(n for n in self.shapes if not n.startswith("_")))
        return f"known names: {known}"

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
            raise ParseError(
                f"g{l}' names layer {l}, but the network has layers 1 to {L}",
                hint=f"write g1' … g{L}' (g with the number of a layer), or g'",
            )
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
            match = re.fullmatch(r"[ZA](\d+|L)", v.name)
            if match:
                return self.spec.L if match[1] == "L" else int(match[1])
        if len(set(self.spec.hidden)) == 1 and self.spec.L > 1:
            return 1
        raise ParseError(
            f"{name}'(…) does not say which layer's activation it is",
            hint="write g1'(Z1) (g with the layer's number)",
        )


def _public(err: ParseError, unknown: Callable[[str], str]) -> ParseError:
    """``err`` as the learner wrote the formula: ``g1'(`` for the placeholder call, its column moved
    back to match, and a hint for an unknown name that says what to write instead."""
    source, col, message = err.source, err.col, err.message
    shift = len(PRIME) - 1
    if col is not None and source:
        col -= shift * source[:col].count(PRIME)
    source = re.sub(re.escape(PRIME) + r"(\w+)\(", r"\1'(", source)
    message = re.sub(re.escape(PRIME) + r"(\w+)", r"\1'", message)
    hint = err.hint
    name = re.match(r"unknown name '(\w+)'", message)
    if name is not None and hint is not None:
        hint = unknown(name[1])
    return type(err)(message, source=source, col=col, hint=hint)
