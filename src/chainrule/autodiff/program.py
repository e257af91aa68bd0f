"""A program: a flat list of single-assignment equations, the forward pass as data.

``Z1 = W1 @ X + b1``, ``A1 = tanh(Z1)``, …, ``J = (1/m) Σ L``. Each right-hand side is an IR tree
whose leaves are inputs (parameters, data) or the names of earlier equations. Naming the
intermediates is what lets a derivation say ``dZ[1]`` rather than repeat a growing expression, and
it keeps every tree shallow however deep the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ..errors import UnknownNameError
from ..ir import build
from ..ir.expr import Expr, leaves

__all__ = ["Equation", "Program"]


@dataclass(frozen=True)
class Equation:
    """``name = expr``."""

    name: str
    expr: Expr

    @property
    def var(self) -> Expr:
        return build.var(self.name, self.expr.shape)


@dataclass(frozen=True)
class Program:
    """Inputs, equations in order, and the scalar output being differentiated.

    ``params`` are the inputs gradients are wanted for. ``batch`` names the examples dimension
    (``"m"``) when the output is an average over examples, which is what gives meaning to the
    course's convention (per-example ``dZ``, averaged ``dW``). ``layer_names`` asks printers to
    write ``W1`` as ``W[1]``.
    """

    inputs: tuple[Expr, ...]
    equations: tuple[Equation, ...]
    output: str
    params: tuple[str, ...]
    batch: str | None = None
    layer_names: bool = False
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        known = {v.name for v in self.inputs}
        for eq in self.equations:
            for v in leaves(eq.expr):
                if v.name not in known:
                    raise UnknownNameError(
                        f"{eq.name} = … uses {v.name}, which is not defined before it"
                    )
            known.add(eq.name)
        if self.output not in known:
            raise UnknownNameError(f"output {self.output} is not defined")

    @property
    def names(self) -> dict[str, Expr]:
        """Every named quantity (inputs and equations) as a variable node."""
        return dict(self._tables[0])

    def equation(self, name: str) -> Equation:
        for eq in self.equations:
            if eq.name == name:
                return eq
        raise UnknownNameError(f"no equation defines {name}")

    @property
    def definitions(self) -> dict[Expr, Expr]:
        """Right-hand side → variable, for folding derivatives onto named quantities."""
        return dict(self._tables[1])

    @cached_property
    def _tables(self) -> tuple[dict[str, Expr], dict[Expr, Expr]]:
        """``names`` and ``definitions``, built once: every step of a document asks for them, so
        building them per call made a document quadratic in depth (the callers get copies)."""
        names = {v.name: v for v in self.inputs}
        names.update({eq.name: eq.var for eq in self.equations})
        definitions = {eq.expr: names[eq.name] for eq in self.equations if not eq.expr.is_leaf}
        return names, definitions
