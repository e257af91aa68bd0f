"""Worlds a formula is judged in: the learner's network, and variants of it.

"Correct" means equal *as a formula*, not equal on one network. ``W2.T * dZ2`` gives the numbers
of ``W2.T @ dZ2`` on the course's 2-4-1 network only because n[2] = 1 (a (4, 1) column times a
(1, m) row broadcasts into their outer product, which is then the matrix product). So a formula
that is right on the learner's network is read and judged again on variants of it:

* for each width that is 1, the same network with that width 3 (the formula's verdict there names
  the coincidence: "only because n[2] = 1");
* every width changed at once, to sizes different from each other and from every ``m``
  (coincidences of equal widths, such as a square W that hides a transpose).

A variant keeps the depth, activations, layout, L2 and dropout. Binary cross-entropy needs one
output unit, so widening the output layer of a bce network swaps the loss for mse (same sigmoid
output); such a variant judges only formulas that neither use Y nor are the output layer's own,
whose derived formula reads the same in both networks.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from functools import lru_cache

from ..errors import ChainruleError
from ..nets import Network
from ..nets.spec import MLPSpec
from ..printers.text import text
from .edits import np_text
from .world import World

__all__ = ["Variant", "variants", "admissible"]

_WIDER = 3  # a width of 1 becomes this
_SIZES = (3, 5, 4, 6, 7, 8, 9, 10, 12, 14)  # every width changed at once


@dataclass(frozen=True)
class Variant:
    """Another network to judge the same formula on, and what it changes."""

    why: str  # "n[2] = 1": the coincidence a failure here reveals
    net: Network
    loss_changed: bool


def variants(net: Network) -> list[Variant]:
    """The learner's network with each width of 1 widened, then with every width changed."""
    spec, out = net.spec, []
    for l, n in enumerate(spec.layers):
        if n == 1:
            layers = list(spec.layers)
            layers[l] = _WIDER
            out.append(_variant(spec, layers, f"n[{l}] = 1"))
    changed = [_SIZES[i % len(_SIZES)] for i in range(len(spec.layers))]
    sizes = ", ".join(f"n[{l}] = {n}" for l, n in enumerate(spec.layers))
    out.append(_variant(spec, changed, f"of this network's sizes ({sizes})"))
    return [v for v in out if v is not None]


def _variant(spec: MLPSpec, layers: list[int], why: str) -> Variant | None:
    loss = spec.loss
    if loss == "bce" and layers[-1] != 1:
        loss = "mse"
    if spec.output == "softmax" and layers[-1] < 2:
        return None
    return Variant(why, _network(replace(spec, layers=tuple(layers), loss=loss)), loss != spec.loss)


@lru_cache(maxsize=64)
def _network(spec: MLPSpec) -> Network:
    return Network(spec)


def admissible(v: Variant, world: World, tree: ast.AST) -> bool:
    """Whether ``v`` can judge the formula for ``world``'s quantity.

    Its derived one-level formula, read on the learner's network, must give the learner's
    network's numbers: the variant's formula is then the same formula, generalised (a derivation
    that dropped the transpose of a 1 × 1 W2 is still ``W2.T @ dZ2`` on the wider network). A
    variant with another loss judges only formulas without Y whose derived formula reads the same
    in both networks."""
    target, convention = world.step.target, world.d.convention
    theirs = v.net.derive(convention)
    if target not in theirs:
        return False
    if v.loss_changed:
        if any(isinstance(n, ast.Name) and n.id == "Y" for n in ast.walk(tree)):
            return False
        return text(world.step.expr) == text(theirs[target].expr)
    try:
        general = world.read(ast.parse(np_text(theirs[target].expr), mode="eval"))
    except ChainruleError:
        return False
    return world.numbers.same(general, world.right)
