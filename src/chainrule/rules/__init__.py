"""The closed set of primitives, one record each (see :mod:`chainrule.rules.primitives`)."""

from . import conv, linalg, stack  # noqa: F401 - inv, det, Kronecker gathers; conv, pooling; [A; B]
from .primitives import PRIMITIVES, Primitive, derivative_of, vjp

__all__ = ["PRIMITIVES", "Primitive", "vjp", "derivative_of"]
