"""The expression language: NumPy syntax, parsed (never evaluated) into the IR."""

from . import linalg  # noqa: F401 - registers np.trace, np.linalg.inv, …
from .parser import FUNCTIONS, parse

__all__ = ["parse", "FUNCTIONS"]
