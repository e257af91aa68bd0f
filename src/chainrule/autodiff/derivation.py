"""A derivation is data: the ordered backward steps, each with everything needed to explain it.

Backprop returns a :class:`Derivation`; printers render it, the explainer reads it, the code printer
turns it into NumPy, and the evaluator computes it. None of them changes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..display import RichDisplay, provided
from ..errors import UnknownNameError
from ..ir.expr import Expr, leaves
from ..ir.shapes import Shape
from .program import Program

__all__ = ["Contribution", "Rewrite", "Step", "Derivation", "CONVENTIONS", "needed"]

CONVENTIONS = {
    "course": "dZ, dA are per-example gradients of the loss L (column i — row i when examples are "
    "rows — is ∂L⁽ⁱ⁾/∂z⁽ⁱ⁾, i.e. "
    "gradients of ℒ = Σᵢ L⁽ⁱ⁾ = m·J); dW, db are gradients of the cost J = (1/m) Σᵢ L⁽ⁱ⁾, "
    "which is where 1/m enters",
    "exact": "every quantity is the gradient of the cost J itself: d· = ∂J/∂·, with 1/m carried "
    "from the top",
}


@dataclass(frozen=True)
class Contribution:
    """One use of a quantity: it feeds equation ``consumer`` through the primitives in ``path``."""

    consumer: str  # the equation whose right-hand side uses the quantity
    path: tuple[tuple[str, int], ...]  # (primitive op, input index) from that rhs's root down
    expr: Expr  # the adjoint it sends back, before simplification


@dataclass(frozen=True)
class Rewrite:
    """How a step's formula was rewritten after reverse mode (see :mod:`.compact`).

    ``staged`` is the formula reverse mode wrote; ``identities`` are the facts used, each
    ``(lhs, rhs)`` (``Σⱼ Z = m μ``, ``Z = μ + σ Ẑ``); ``terms`` is each contribution rewritten the
    same way (``None`` where that failed), so an explanation can say which use gives which term;
    ``kind`` is ``"normalisation"`` (the differentiated quantity was solved for), ``"softmax"``
    (an unnamed ``exp`` was written through the named quotient) or ``"sums"``.
    """

    staged: Expr
    identities: tuple[tuple[Expr, Expr], ...]
    terms: tuple[Expr | None, ...]
    kind: str


@dataclass(frozen=True)
class Step:
    """``target = expr``: the gradient of one quantity, e.g. ``dZ1 = dA1 ⊙ (1 − A1²)``."""

    target: str  # "dZ1"
    of: str  # "Z1"
    kind: str  # "param", "intermediate" or "input"
    expr: Expr  # simplified; refers to earlier steps by name
    expanded: Expr  # the same with pass-through steps (dA[l] = W[l+1]ᵀ dZ[l+1]) written out
    raw: Expr  # the sum of contributions as the rules produced it
    contributions: tuple[Contribution, ...]
    factor: Expr | None  # the 1/m a parameter gradient takes in the course convention
    rewrite: Rewrite | None = None  # set when the formula was rewritten after reverse mode

    @property
    def shape(self) -> Shape:
        return self.expr.shape


@dataclass(frozen=True)
class Derivation(RichDisplay):
    """The backward pass of ``program`` in ``convention`` ("course" or "exact")."""

    program: Program
    steps: tuple[Step, ...]
    convention: str
    seed: Expr

    def __getitem__(self, target: str) -> Step:
        for s in self.steps:
            if s.target == target or s.of == target:
                return s
        known = ", ".join(s.target for s in self.steps)
        raise UnknownNameError(f"no gradient named {target!r}", hint=f"known: {known}")

    def __contains__(self, target: str) -> bool:
        return any(s.target == target or s.of == target for s in self.steps)

    def __iter__(self):  # noqa: ANN204 - iterator of steps
        return iter(self.steps)

    @property
    def targets(self) -> list[str]:
        return [s.target for s in self.steps]

    @property
    def update_steps(self) -> tuple[Step, ...]:
        """The steps a parameter update reads, in order: every ``dW``, ``db`` and, transitively,
        what they use. ``dL`` and ``dA[L]`` (written into ``dZ[L] = A[L] − Y``) are not among
        them — nor any step that would divide by ``A[L]`` or ``1 − A[L]`` when the output saturates.
        The teaching code and the fast step both print exactly these. A derivation without
        parameters (the gradient of an expression) needs every step."""
        roots = [s.target for s in self.steps if s.kind == "param"]
        if not roots:
            return self.steps
        keep = needed(roots, {s.target: s.expr for s in self.steps})
        return tuple(s for s in self.steps if s.target in keep)

    @property
    def convention_note(self) -> str:
        return CONVENTIONS[self.convention]

    def __str__(self) -> str:
        return provided("derivation_text")(self)  # the text printer, registered from above


def needed(roots: Iterable[str], defs: Mapping[str, Expr]) -> set[str]:
    """The names in ``defs`` that ``roots`` read, transitively (roots included): the rule "only
    what is needed", for backward steps and forward equations alike."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in defs and name not in seen:
            seen.add(name)
            stack.extend(v.name for v in leaves(defs[name]))
    return seen
