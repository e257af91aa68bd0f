"""The expression language: NumPy syntax, parsed (never evaluated) into the IR."""

from . import linalg, reductions  # noqa: F401 - register np.trace, np.var, np.where, …
from .parser import FUNCTIONS, parse

__all__ = ["parse", "FUNCTIONS"]
