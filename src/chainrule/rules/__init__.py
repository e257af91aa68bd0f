"""The closed set of primitives, one record each (see :mod:`chainrule.rules.primitives`)."""

from . import linalg  # noqa: F401 - registers inv, det and the Kronecker gathers
from .primitives import PRIMITIVES, Primitive, derivative_of, vjp

__all__ = ["PRIMITIVES", "Primitive", "vjp", "derivative_of"]
