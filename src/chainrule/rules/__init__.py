"""The closed set of primitives, one record each (see :mod:`chainrule.rules.primitives`)."""

from . import conv, linalg, matfun, stack  # noqa: F401 - inv, det, gathers; conv; expm; [A; B]
from .primitives import PRIMITIVES, Primitive, derivative_of, vjp

__all__ = ["PRIMITIVES", "Primitive", "vjp", "derivative_of"]
