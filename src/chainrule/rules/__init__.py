"""The closed set of primitives, one record each (see :mod:`chainrule.rules.primitives`)."""

from . import conv, linalg  # noqa: F401 - register inv, det, the Kronecker gathers; conv, pooling
from .primitives import PRIMITIVES, Primitive, derivative_of, vjp

__all__ = ["PRIMITIVES", "Primitive", "vjp", "derivative_of"]
