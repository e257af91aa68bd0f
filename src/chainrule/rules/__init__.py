"""The closed set of primitives, one record each (see :mod:`chainrule.rules.primitives`)."""

from . import conv, linalg, matfun, stack, tensor  # noqa: F401 - inv, det; conv; expm; [A; B]; einsum
from .primitives import PRIMITIVES, Primitive, derivative_of, vjp

__all__ = ["PRIMITIVES", "Primitive", "vjp", "derivative_of"]
