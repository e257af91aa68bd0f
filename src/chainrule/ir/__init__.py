"""The expression IR: immutable, shape-carrying nodes and their checked constructors."""

from . import build
from .expr import Expr, leaves, walk
from .shapes import Dim, Shape, fmt_shape

__all__ = ["Expr", "build", "walk", "leaves", "Dim", "Shape", "fmt_shape"]
