"""Variants of a model a formula is judged on: its concrete sizes freed.

A network's variants (:mod:`.variants`) widen each width of 1. A model's declared shapes may hold
concrete sizes (``{"Z": (1, "m"), "gamma": (1, 1)}``); a formula right on them may be right only
because of them (``np.sum(x)`` for ``np.sum(x, axis=1)`` when there is one row). So each concrete
size at one axis — a size of 1 first — is made a symbolic dimension of its own (a size of 1 at
axis 0 may be a width; at axis 1 a keepdims column, which the statements then refuse, and that
variant is dropped), then every concrete size at once. The same statements are read again with
those shapes (``Model.with_shapes``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ChainruleError
from ..ir.shapes import fmt_shape
from ..nets.model import Model
from .edits import np_text
from .model_world import ModelWorld, symbolic_dims

__all__ = ["ModelVariant", "model_variants", "model_admissible"]


@dataclass(frozen=True)
class ModelVariant:
    """The model with concrete sizes freed, and what that reveals."""

    why: str  # "the dimension of size 1 of x, W"
    model: Model


def model_variants(model: Model) -> list[ModelVariant]:
    """The model with each concrete size (1 first) made symbolic — where it stands at one axis
    (a size of 1 at axis 0 may be a width, at axis 1 a keepdims column) — then all at once."""
    shapes = model.declared
    if shapes is None or model.text is None:
        return []
    places = sorted(
        {(d, k) for s in shapes.values() for k, d in enumerate(s) if isinstance(d, int)},
        key=lambda p: (p[0] != 1, p),
    )
    out = []
    for size, axis in places:
        holders = sorted(n for n, s in shapes.items() if len(s) > axis and s[axis] == size)
        why = f"the size at axis {axis} of {', '.join(holders)} is {size}"
        out.append(_freed(model, lambda d, k, s=size, a=axis: d == s and k == a, why))
    if len(places) > 1:
        listed = ", ".join(f"{k} {fmt_shape(tuple(s))}" for k, s in sorted(shapes.items()))
        out.append(_freed(model, lambda d, k: True, f"of this model's sizes ({listed})"))
    return [v for v in out if v is not None]


def _freed(model: Model, chosen: Callable[[int, int], bool], why: str) -> ModelVariant | None:
    """The model with the concrete sizes ``chosen(size, axis)`` picks made symbolic (each size
    its own name), if its statements still read so."""
    taken = set(symbolic_dims(model))

    def free(d: object, k: int) -> object:
        return _fresh(d, taken) if isinstance(d, int) and chosen(d, k) else d

    shapes = {n: tuple(free(d, k) for k, d in enumerate(s)) for n, s in model.declared.items()}
    try:
        other = model.with_shapes(shapes)
    except ChainruleError:
        return None  # the statements need that size (a keepdims axis of 1)
    return ModelVariant(why, other)


def _fresh(size: int, taken: set[str]) -> str:
    name, k = f"k{size}", 0
    while name in taken:
        k += 1
        name = f"k{size}_{k}"
    return name


def model_admissible(v: ModelVariant, world: ModelWorld, target: str) -> bool:
    """``v`` can judge the formula: the variant derives ``target``, and its derived formula,
    read on the learner's model, gives the learner's model's numbers (the same formula)."""
    theirs = v.model.derive()
    if target not in theirs:
        return False
    try:
        general = world.read(ast.parse(np_text(theirs[target].expr), mode="eval"))
    except (ChainruleError, SyntaxError):
        return False
    return world.numbers.same(general, world.right)
