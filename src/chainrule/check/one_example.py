"""The lectures' one-example notation, judged for what it is: one example, m = 1.

``dz[1] = W[2].T * dz[2] * g[1]'(z[1])`` (lowercase, as in the lectures) is one example's column:
the cost is that example's loss, so the formula is judged at m = 1 in the exact convention, where
there is no 1/m and no Σ. The reader (:func:`.learner.notation`) renames it into the batch names;
the answer is given back in the learner's lowercase names.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..nets import Network
from .judge import judge_formula
from .learner import Notation
from .result import FormulaCheck

__all__ = ["PER_EXAMPLE_NOTE", "check_one_example"]

PER_EXAMPLE_NOTE = (
    "In the lowercase notation of the lectures each quantity is one example's column (m = 1), so "
    "the cost is that example's loss L: there is no 1/m and no Σ over examples — dW[l] = "
    "dz[l] a[l−1]ᵀ and db[l] = dz[l]. With m examples as the columns of Z, dW[l] = (1/m) dZ[l] "
    "A[l−1]ᵀ and db[l] = (1/m) Σ dZ[l] (sum over axis 1) average the per-example gradients."
)


def check_one_example(
    net: Network, formula: str, written: Notation, *, draws: int = 3, seed: int = 0
) -> FormulaCheck:
    """``formula`` (as written) judged at m = 1 in the exact convention."""
    r = judge_formula(
        net,
        written.formula,
        convention="exact",
        draws=draws,
        seed=seed,
        batch=(1,) * draws,
        note=PER_EXAMPLE_NOTE,
        shown=formula.strip(),
    )
    return _lowercase(r, written.renamed)


def _lowercase(r: FormulaCheck, renamed: tuple[tuple[str, str], ...]) -> FormulaCheck:
    """The corrected formula back in the learner's one-example names (dz1, a1, x)."""
    corrected = r.corrected
    for written, read in renamed:
        corrected = re.sub(rf"(?<![\w.]){re.escape(read)}(?!\w)", written, corrected)
    title = r.title
    if r.verdict == "right-here-only":
        title = f"{title} and, in this one-example notation, m = 1"
    expected = _one_example(r.expected)
    body, note, rest = r.message.partition(PER_EXAMPLE_NOTE)
    body = body.replace(r.expected, expected).replace(", m)", ", 1)")
    for written, read in renamed:
        body = re.sub(rf"(?<![\w.]){re.escape(read)}(?!\w)", written, body)
    body = _lower_course_names(body)
    message = body + note + rest
    return replace(r, corrected=corrected, title=title, expected=expected, message=message)


def _lower_course_names(text: str) -> str:
    """``dZ[1]``, ``A[2]`` → ``dz[1]``, ``a[2]``: the course's notation for one example."""
    return re.sub(r"(?<![\w.])(d?)([ZA])\[", lambda m: f"{m.group(1)}{m.group(2).lower()}[", text)


def _one_example(course: str) -> str:
    """``dZ[2] = (1/m) (A[2] − Y)`` at m = 1, in the one-example names: ``dz[2] = a[2] − y``."""
    text = course.replace("(1/m) ", "").replace("Σ ", "")
    lhs, _, rhs = text.partition(" = ")
    if rhs.startswith("(") and rhs.endswith(")") and _balanced(rhs[1:-1]):
        text = f"{lhs} = {rhs[1:-1]}"
    text = _lower_course_names(text)
    return re.sub(r"(?<![\w.])([XY])(?![\w\[])", lambda m: m.group(1).lower(), text)


def _balanced(s: str) -> bool:
    depth = 0
    for c in s:
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth < 0:
            return False
    return depth == 0
