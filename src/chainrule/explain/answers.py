"""The section "Questions learners ask": each answer of :mod:`chainrule.explain.questions` as
headings, displayed algebra (the rule beside each line) and paragraphs, with the numbers' verdict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .doc import Display, Heading, Para
from .questions import TOLERANCE, Answer

if TYPE_CHECKING:  # the explanation calls this section; it only reads it
    from .explanation import Explanation

__all__ = ["questions_section"]


def _answer_blocks(a: Answer) -> list:
    blocks: list = [Heading(3, a.question)]
    blocks += [Para(a.intro)] if a.intro else []
    blocks += [Display(m) for m in a.shown]
    for line in a.lines:
        mark = "checked ✓" if line.checked else "NOT confirmed by the numbers"
        blocks.append(Display(line.math, (f"{line.why} — {mark}",)))
    if a.lines:
        worst = max(line.error for line in a.lines)
        close = "exactly" if worst == 0 else f"to within {TOLERANCE:g}"
        verdict = f"agree {close}" if a.checked else "DISAGREE"
        blocks.append(
            Para(
                (f"Both sides of every line, evaluated on this explanation's numbers, {verdict}.",)
            )
        )
    for f in a.facts:
        blocks.append(Para(f.parts if f.checked else (*f.parts, " (NOT confirmed by the numbers)")))
    return blocks


def questions_section(x: Explanation) -> list:
    blocks: list = []
    for a in x.answers:
        blocks += _answer_blocks(a)
    return [Heading(2, ("Questions learners ask",)), *blocks] if blocks else []
