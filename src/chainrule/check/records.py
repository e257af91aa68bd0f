"""The records of the mistake library: a mistake, the context it is applied in, the chain rule of
an activation layer. The table itself is :mod:`.mistakes`; the transformations, :mod:`.transforms`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from .. import scalar
from ..algebra.simplify import fold
from ..ir.expr import Expr
from ..rules.primitives import derivative_of

__all__ = ["Variant", "Repair", "Chain", "Context", "Mistake", "chain_for"]

Variant = tuple[Expr, dict]  # a mistaken formula and the fields its explanation needs
Repair = tuple[ast.Expression, dict]  # a repaired learner formula and the fields


@dataclass(frozen=True)
class Chain:
    """``dZ[l] = dA[l] ⊙ g′(Z[l])`` for an elementwise activation ``A[l] = g(Z[l])``."""

    layer: int
    g: scalar.ElementwiseFn
    Z: Expr
    A: Expr
    upstream: tuple[Expr, ...]  # dA[l], and the same written out (W[l+1]ᵀ dZ[l+1])
    derivative: Expr  # g′(Z[l]) with named quantities folded in: 1 − A[l]²


@dataclass
class Context:
    """What the mistakes need to know about the quantity being checked."""

    target: str  # "dZ1"
    of: str  # "Z1"
    kind: str  # "param" or "intermediate"
    convention: str  # "course" or "exact"
    batch: str  # "m"
    examples_axis: int  # the axis of the examples: 1 (columns) or 0 (rows)
    forms: tuple[Expr, ...]  # correct formulas: derived, written out, chain rule spelled out
    names: Mapping[str, Expr]  # every named quantity as a variable
    fields: dict = field(default_factory=dict)  # T, Of, … for the templates
    chain: Chain | None = None
    activations: tuple[scalar.ElementwiseFn, ...] = ()  # candidates for "the wrong derivative"
    softmax: bool = False  # the output layer is softmax (with cross-entropy)
    model: bool = False  # a cr.model's quantity: no course cost J = (1/m) Σ L to speak of
    paths: tuple[tuple[str, Expr], ...] = ()  # (consumer, its term) when it reaches J several ways


@dataclass(frozen=True)
class Mistake:
    """One named mistake (see the module docstring)."""

    name: str
    title: str
    explanation: Mapping[str, str]  # situation → template; "default" is always there
    mutate: Callable[[Context], Iterator[Variant]]
    repair: Callable[[ast.Expression, Context], Iterator[Repair]] | None = None
    prior: float = 0.05  # how often learners make it: ranks diagnoses that fit equally well

    def explain(self, fields: Mapping[str, object]) -> str:
        template = self.explanation.get(str(fields.get("situation")), self.explanation["default"])
        return template.format_map(fields)

    def named(self, fields: Mapping[str, object]) -> str:
        """The title, with the finding's own words where it has them ("a factor 2 too many")."""
        return str(fields.get("title") or self.title)


def chain_for(
    ctx_names: Mapping[str, Expr],
    layer: int,
    g: scalar.ElementwiseFn,
    upstream: tuple[Expr, ...],
    definitions: Mapping[Expr, Expr],
) -> Chain:
    """The chain-rule spelling of ``dZ[layer]`` for an elementwise activation ``g``."""
    Z, A = ctx_names[f"Z{layer}"], ctx_names[f"A{layer}"]
    return Chain(layer, g, Z, A, upstream, fold(derivative_of(g, Z), definitions))
