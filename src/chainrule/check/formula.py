"""``cr.check_formula``: is a learner's backprop formula right — and if not, why?

The learner's formula is parsed with the network's names and shapes (:mod:`.learner`) and judged
(:mod:`.judge`) on random draws of parameters and data (:mod:`.numbers`), on the learner's network
and on variants of it (:mod:`.variants`), so that "correct" means correct as a formula. A wrong
formula is explained by the named mistakes of :mod:`.mistakes`, searched by :mod:`.search`, or
localised to the factor that differs (:mod:`.localise`). The answer speaks the learner's language:
what is wrong, why, and the corrected formula in their own spelling.

The lectures' one-example notation (``dz[1] = W[2].T * dz[2] * g[1]'(z[1])``, lowercase) is judged
for what it is: one example, m = 1, where the cost is that example's loss — the exact convention,
with no 1/m and no Σ.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from ..nets import Network
from .judge import Judge
from .learner import split_formula
from .result import FormulaCheck
from .variants import admissible, variants
from .world import World

__all__ = ["FormulaCheck", "check_formula", "judge_formula", "per_example", "PER_EXAMPLE_NOTE"]

_VARIANT_DRAWS = 2

PER_EXAMPLE_NOTE = (
    "In the lowercase notation of the lectures each quantity is one example's column (m = 1), so "
    "the cost is that example's loss L: there is no 1/m and no Σ over examples — dW[l] = "
    "dz[l] a[l−1]ᵀ and db[l] = dz[l]. With m examples as the columns of Z, dW[l] = (1/m) dZ[l] "
    "A[l−1]ᵀ and db[l] = (1/m) Σ dZ[l] (sum over axis 1) average the per-example gradients."
)


def check_formula(
    net: Network, formula: str, *, convention: str = "course", draws: int = 3, seed: int = 0
) -> FormulaCheck:
    """Check a learner's formula such as ``"dZ1 = W2.T @ dZ2 * (1 - A1**2)"`` against the network's
    derived quantity, over ``draws`` random draws of parameters and data (seeded), on the network
    and on variants of it. Several lines are a whole backward pass: see :func:`check_backward`."""
    if isinstance(formula, str) and len([x for x in formula.splitlines() if x.strip()]) > 1:
        from .backward import check_backward

        return check_backward(net, formula, convention=convention, draws=draws, seed=seed)
    lowercase = per_example(formula) if isinstance(formula, str) else None
    if lowercase is not None:
        return judge_formula(
            net,
            lowercase,
            convention="exact",
            draws=draws,
            seed=seed,
            batch=(1,) * draws,
            note=PER_EXAMPLE_NOTE,
            shown=formula.strip(),
        )
    return judge_formula(net, formula, convention=convention, draws=draws, seed=seed)


def judge_formula(
    net: Network,
    formula: str,
    *,
    convention: str = "course",
    draws: int = 3,
    seed: int = 0,
    batch: Sequence[int] | None = None,
    given: Sequence[tuple[str, ast.Expression]] = (),
    note: str = "",
    shown: str | None = None,
) -> FormulaCheck:
    """One formula, judged with the learner's earlier lines ``given`` (name, tree) in place."""
    target, rhs = split_formula(formula)
    world = World(net, convention, target, draws=draws, seed=seed, batch=batch, given=given)
    tree = world.reader.tree(rhs)
    vbatch = None if batch is None else batch[:_VARIANT_DRAWS]

    def others(t: ast.Expression) -> list[tuple[str, World]]:
        out = []
        for v in variants(net):
            if admissible(v, net, target, t, convention):
                w = World(
                    v.net,
                    convention,
                    target,
                    draws=_VARIANT_DRAWS,
                    seed=seed + 1,
                    batch=vbatch,
                    given=given,
                )
                out.append((v.why, w))
        return out

    return Judge(world, others, note).verdict((shown or formula).strip(), tree)


_LOWER = re.compile(r"\b(d?)([zaw])(\[\d+\]|\d+)")


def per_example(formula: str) -> str | None:
    """The lectures' lowercase one-example formula in the course's names, or None when the formula
    is not written that way: ``dz[1] = W[2].T * dz[2]`` → ``dZ[1] = W[2].T * dZ[2]``."""
    target = formula.split("=", 1)[0].strip()
    if not re.fullmatch(r"d[zaw](\[\d+\]|\d+)", target):
        return None
    out = _LOWER.sub(lambda m: f"{m.group(1)}{m.group(2).upper()}{m.group(3)}", formula)
    return re.sub(r"\b(d?)([xy])\b", lambda m: f"{m.group(1)}{m.group(2).upper()}", out)
