"""A learner's formula for a gradient of a model (``cr.model``), judged as a network's is.

``bn.check("dZ", "(1/m) * gamma / np.sqrt(var + eps) * (m * dZ_tilde - …)")`` reads the formula
with the model's names and shapes (inputs, named intermediates, constants, every derived ``d·``,
and the symbolic dimensions such as ``m``) and hands it to the same judge as a network's formula
(:mod:`.judge`): right only if it gives the derived gradient's numbers on every draw — each draw
with its own sizes (:mod:`.model_world`) — and on the model with its concrete sizes freed
(:mod:`.model_variants`); if not, the named mistakes the search finds (a missing sum, the wrong
axis, a constant factor, a transpose, a path left out), else the factor or term that differs,
else the entry where the numbers differ.
"""

from __future__ import annotations

import re

from ..display import provide
from ..errors import ParseError
from ..nets.model import Model
from .judge import Judge
from .model_variants import model_admissible, model_variants
from .model_world import ModelWorld
from .result import FormulaCheck

__all__ = ["check_model_formula"]

_VARIANT_DRAWS = 2


def check_model_formula(
    model: Model, quantity: str | None, formula: str, *, draws: int = 3, seed: int = 0
) -> FormulaCheck:
    """Judge ``formula`` (a right-hand side, or ``"dZ = …"``) for ``quantity`` of ``model``."""
    if not isinstance(formula, str) or not formula.strip():
        raise ParseError("empty formula", hint="e.g. bn.check('dbeta', 'np.sum(dZ_tilde, axis=1)')")
    named, rhs = plain_target(formula)
    target = quantity or named
    if target is None:
        raise ParseError(
            "which gradient is the formula for?", hint="write it as dZ = … or name the quantity"
        )
    if named is not None and quantity is not None and named != quantity:
        raise ParseError(f"the formula is for {named}, not {quantity}", source=formula.strip())
    world = ModelWorld(model, target, draws=draws, seed=seed)
    tree = world.reader.tree(rhs)
    built: dict[str, ModelWorld] = {}

    def others(t: object) -> list[tuple[str, ModelWorld]]:
        out = []
        for v in model_variants(model):
            if v.why not in built:
                kw = {"draws": _VARIANT_DRAWS, "seed": seed + 1, "first": draws}
                built[v.why] = ModelWorld(v.model, target, **kw)
            if model_admissible(v, world, target):
                out.append((v.why, built[v.why]))
        return out

    return Judge(world, others).verdict(f"{target} = {rhs.strip()}", tree)


def plain_target(formula: str) -> tuple[str | None, str]:
    """``"dZ = …"`` → ``("dZ", "…")``; a bare right-hand side → ``(None, formula)``."""
    match = re.match(r"\s*(d\w+)\s*=(?!=)\s*(.*)\Z", formula, re.S)
    return (match.group(1), match.group(2)) if match else (None, formula)


provide("check_model", check_model_formula)
