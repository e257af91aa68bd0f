"""The expression language: NumPy syntax, parsed (never evaluated) into the IR."""

from . import conv, linalg, matfun, reductions  # noqa: F401 - register np.trace, conv2d, expm, …
from .parser import FUNCTIONS, parse

__all__ = ["parse", "FUNCTIONS"]
