"""Scalar algebra: elementwise subexpressions as SymPy, simplified there, and brought back."""

from .bridge import from_sympy, to_sympy
from .simplify import fold, simplify

__all__ = ["from_sympy", "to_sympy", "fold", "simplify"]
