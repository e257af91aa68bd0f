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

import re
from dataclasses import replace

from ..nets import Model, Network
from .backward import BackwardCheck, check_backward
from .judge import judge_formula
from .learner import notation
from .model_formula import check_model_formula
from .one_example import check_one_example
from .result import FormulaCheck

__all__ = ["FormulaCheck", "check_formula", "judge_formula"]


def check_formula(
    net: Network | Model, formula: str, *, convention: str = "course", draws: int = 3, seed: int = 0
) -> FormulaCheck | BackwardCheck:
    """Check a learner's formula such as ``"dZ1 = W2.T @ dZ2 * (1 - A1**2)"`` against the network's
    derived quantity, over ``draws`` random draws of parameters and data (seeded), on the network
    and on variants of it. Several lines are a whole backward pass (:func:`check_backward`).
    ``net`` may be a model (``cr.model``): the formula is then judged on its draws and sizes."""
    if isinstance(net, Model):
        return check_model_formula(net, None, formula, draws=draws, seed=seed)
    if isinstance(formula, str) and len([x for x in formula.splitlines() if x.strip()]) > 1:
        return check_backward(net, formula, convention=convention, draws=draws, seed=seed)
    written = notation(formula)
    if written.per_example:
        r = check_one_example(net, formula, written, draws=draws, seed=seed)
    else:
        r = judge_formula(net, formula, convention=convention, draws=draws, seed=seed)
    return in_brackets(r) if _BRACKETS.search(formula) else r


_BRACKETS = re.compile(r"[A-Za-z_]\^?\[\d+\]")  # W[2], dz[1], g[1]'(…): the course's layer brackets
_LAYERED = re.compile(r"(?<![\w.])(d?[WbZAzaD]|g)(\d+)(?!\w)")


def in_brackets(r: FormulaCheck) -> FormulaCheck:
    """The corrected formula in the learner's own bracket notation: ``W2`` → ``W[2]``,
    ``g1'(z1)`` → ``g[1]'(z[1])`` — a learner who wrote ``dz[1] = W[2].T …`` reads it back so."""
    return replace(r, corrected=_LAYERED.sub(r"\1[\2]", r.corrected))
