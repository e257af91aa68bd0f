"""One network a formula is judged on: its derivation, its reader, its numbers.

The learner's network is one world; its variants (:mod:`.variants`) are others. In a whole backward
pass, a world also carries the learner's earlier lines (``given``): its numbers put the learner's
values in place of the quantities those lines assigned.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from ..autodiff import Derivation, Step
from ..errors import ChainruleError, UnknownNameError
from ..ir import build
from ..ir.expr import Expr
from ..nets import Network
from .context import context
from .learner import Reader
from .numbers import Numbers
from .records import Context

__all__ = ["Reading", "World", "quantity"]


class Reading:
    """What every world shares: a ``reader`` gives a learner's syntax tree meaning, ``numbers``
    compares two formulas on the world's draws, ``right`` is the derived quantity."""

    reader: Reader
    numbers: Numbers
    right: Expr

    def read(self, tree: ast.Expression) -> Expr:
        return self.reader.ir(tree)

    def is_right(self, tree: ast.Expression) -> bool:
        """The learner's formula equals the derived one on every draw (unreadable: not right)."""
        try:
            return self.numbers.same(self.reader.ir(tree), self.right)
        except ChainruleError:
            return False


class World(Reading):
    """``net`` with the quantity ``target`` to judge, ``draws`` seeded draws (batch sizes
    ``batch`` if given) and the learner's earlier lines ``given`` (name, syntax tree)."""

    def __init__(
        self,
        net: Network,
        convention: str,
        target: str,
        *,
        draws: int = 3,
        seed: int = 0,
        batch: Sequence[int] | None = None,
        given: Sequence[tuple[str, ast.Expression]] = (),
    ) -> None:
        self.net = net
        self.d: Derivation = net.derive(convention)
        self.step: Step = quantity(net, self.d, target)
        self.reader = Reader(net, self.d)
        self.given = tuple(name for name, _ in given if name != target)
        values = [(name, e) for name, e in self._read_all(given) if name != target]
        self.numbers = Numbers(net, self.d, draws, seed, batch=batch, given=values)
        self.right = build.var(target, self.step.shape)

    def _read_all(self, given: Sequence[tuple[str, ast.Expression]]) -> list[tuple[str, Expr]]:
        out = []
        for name, tree in given:
            try:
                out.append((name, self.reader.ir(tree)))
            except ChainruleError:
                continue  # a line that cannot be read is not given: the true value stands
        return out

    noun = "network"

    def label(self) -> str:
        return self.net.describe()

    def dropout_layers(self) -> list[int]:
        """The layers whose A[l] the course caches after dropout (``A1 = A1 * D1 / keep_prob``)."""
        return [int(n[1:]) for n in self.net.masks]

    def missing(self, name: str) -> str:
        return f"This network has no {name} (its layers are 1 to {self.net.L})."

    def context(self) -> Context:
        return context(self.net, self.d, self.step)


def quantity(net: Network, d: Derivation, target: str) -> Step:
    """The derivation's step for ``target``, or an error listing the network's gradients."""
    known = net.quantities(d.convention)
    if target not in known:
        raise UnknownNameError(
            f"{target} is not a gradient of this network",
            hint=f"its gradients are {', '.join(known)}",
        )
    return d[target]
