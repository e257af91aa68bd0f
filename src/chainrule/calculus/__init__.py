"""Matrix calculus beyond networks: Jacobians, Hessians and common subexpressions named once.

Gradients of scalar expressions are :func:`chainrule.grad`; this package builds on it.
"""

from .cse import common_subexpressions, formula_lines
from .jacobian import Jacobian, TensorJacobian, hessian, jacobian

__all__ = [
    "Jacobian",
    "TensorJacobian",
    "jacobian",
    "hessian",
    "common_subexpressions",
    "formula_lines",
]
