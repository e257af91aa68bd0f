"""The expression language: NumPy syntax, parsed (never evaluated) into the IR."""

from . import conv, linalg, matfun, reductions, tensor  # noqa: F401 - register np.trace, conv2d, expm, einsum…
from .parser import FUNCTIONS, parse

__all__ = ["parse", "FUNCTIONS"]
