"""The one error family of chainrule.

Every error a user can cause is a :class:`ChainruleError`. Messages name the operands, their shapes,
the position in the expression, and the likely fix, because the reader is usually a learner who
needs to know *what* to change, not where in our code the problem was noticed.
"""

from __future__ import annotations

__all__ = [
    "ChainruleError",
    "ShapeError",
    "ParseError",
    "UnknownFunctionError",
    "UnknownNameError",
    "SpecError",
    "EvaluationError",
    "DataError",
    "ModelFileError",
    "TrainingDiverged",
]


class ChainruleError(Exception):
    """Base class of every error chainrule raises on bad input."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} — {hint}")


class ShapeError(ChainruleError):
    """Operands whose shapes do not fit the operation."""


class ParseError(ChainruleError):
    """A string that is not a well-formed expression of the language.

    The message names the column and, on the following lines, shows the source with a caret.
    """

    def __init__(
        self, message: str, *, source: str = "", col: int | None = None, hint: str | None = None
    ) -> None:
        self.source, self.col = source, col
        where = f" at column {col + 1}" if col is not None else ""
        caret = f"\n    {source}\n    {' ' * col}^" if source and col is not None else ""
        super().__init__(f"{message}{where}" + (f" — {hint}" if hint else "") + caret)
        self.message, self.hint = message, hint

    def first_line(self) -> str:
        return str(self).splitlines()[0]


class UnknownFunctionError(ParseError):
    """A function the language does not know; the message lists the ones it does."""


class UnknownNameError(ChainruleError):
    """A variable, quantity or option name that does not exist here."""


class SpecError(ChainruleError):
    """An invalid network or option specification (layer sizes, activation, loss, ...)."""


class EvaluationError(ChainruleError):
    """Numbers that do not fit an expression (missing inputs, wrong shapes, singular matrix)."""


class DataError(ChainruleError):
    """A data set or data file that cannot be used as given."""


class ModelFileError(ChainruleError):
    """A saved model file that is missing, truncated, tampered with or of another version."""


class TrainingDiverged(ChainruleError):
    """Training produced NaN or infinity; the message names the layer and iteration."""
