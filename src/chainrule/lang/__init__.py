"""The expression language: NumPy syntax, parsed (never evaluated) into the IR."""

from . import conv, linalg, reductions, tensor  # noqa: F401 - np.trace, np.var, conv2d, einsum…
from .parser import FUNCTIONS, parse

__all__ = ["parse", "FUNCTIONS"]
