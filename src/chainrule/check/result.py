"""The verdict on one formula, as data (rendered by :mod:`.report`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["FormulaCheck"]


@dataclass(frozen=True)
class FormulaCheck:
    """The verdict on one formula: ``correct``, and if not, the ``diagnosis`` (a mistake's name),
    the ``message`` in the learner's terms and the ``corrected`` formula (NumPy syntax).

    ``verdict`` is ``"correct"``, ``"right-here-only"`` (right on this network only because of
    its sizes: not correct) or ``"wrong"``; ``given`` names the learner's earlier lines the
    formula was judged with (in a whole backward pass)."""

    formula: str  # as the learner wrote it
    target: str  # "dZ1"
    correct: bool
    diagnosis: str | None  # "missing-transpose", …; "shape-mismatch" or None when unrecognised
    title: str  # "a missing transpose"
    message: str
    corrected: str  # the right formula in NumPy syntax, in the learner's spelling where possible
    expected: str  # the derived formula in the course's notation
    expected_numpy: str  # the same in NumPy syntax
    symbolic: bool  # the algebra proved the equality (correct formulas only)
    mistakes: tuple[str, ...]  # every mistake found, in order (a shape fix, then another)
    network: str
    convention: str
    verdict: str = "wrong"
    given: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        from .report import formula_text

        return formula_text(self)
