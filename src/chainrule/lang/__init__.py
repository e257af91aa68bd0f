"""The expression language: NumPy syntax, parsed (never evaluated) into the IR."""

from .parser import FUNCTIONS, parse

__all__ = ["parse", "FUNCTIONS"]
