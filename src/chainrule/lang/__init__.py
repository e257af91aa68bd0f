"""The expression language: NumPy syntax, parsed (never evaluated) into the IR."""

from . import conv, linalg, reductions  # noqa: F401 - register np.trace, np.var, conv2d, …
from .parser import FUNCTIONS, parse

__all__ = ["parse", "FUNCTIONS"]
