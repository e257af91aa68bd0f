"""The language's linear algebra: ``np.trace``, ``np.linalg.inv``, ``np.linalg.det``, norms, …

Each function maps NumPy's call onto the builders of :mod:`chainrule.ir.linalg`. Vectors are
columns (n, 1): ``np.diag(v)`` of a vector builds the diagonal matrix (as ``np.diagflat`` does),
``np.diag(X)`` of a square matrix takes its diagonal as a column, ``np.ones(n)`` is a column.
Functions that take a shape tuple or an option string (``'fro'``) are marked ``takes_options``; the
parser hands other functions expressions only.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ParseError
from ..ir import build, linalg
from ..ir.expr import Expr
from ..ir.shapes import Dim, Shape, check_shape
from .functions import register

__all__: list[str] = []


def _options(f: Callable[..., Expr]) -> Callable[..., Expr]:
    f.takes_options = True  # type: ignore[attr-defined]
    return f


def _integer(v: object, what: str) -> int:
    if isinstance(v, Expr) and v.op == "const" and v.attrs[0].is_Integer:
        return int(v.attrs[0])
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    raise ParseError(f"{what} must be an integer")


def _dim(v: object) -> Dim:
    """A size: an int, or a symbolic dimension by name."""
    if isinstance(v, Expr) and v.op == "dim":
        return v.name
    if isinstance(v, str):
        return v
    return _integer(v, "a size")


def _shape(v: object) -> Shape:
    """NumPy's shape argument; a single size n means the column (n, 1)."""
    if isinstance(v, str):
        raise ParseError("a shape is a tuple such as (n, 1), or a size")
    dims = tuple(_dim(d) for d in v) if isinstance(v, tuple) else (_dim(v), 1)
    if len(dims) == 1:
        dims = (*dims, 1)
    return check_shape(dims)


@register("trace")
def _trace(x: Expr) -> Expr:
    return linalg.trace(x)


@register("inv")
def _inv(x: Expr) -> Expr:
    return linalg.inv(x)


@register("det")
def _det(x: Expr) -> Expr:
    return linalg.det(x)


@register("norm")
@_options
def _norm(x: Expr, ord: object = None) -> Expr:  # noqa: A002 - NumPy's name
    if not isinstance(x, Expr):
        raise ParseError("the first argument of norm must be an array")
    if isinstance(ord, Expr):
        ord = _integer(ord, "ord")  # noqa: A001
    return linalg.norm(x, ord)


@register("matrix_power")
def _matrix_power(x: Expr, n: object) -> Expr:
    return linalg.matrix_power(x, _integer(n, "the exponent of matrix_power"))


@register("diag", "diagflat")
def _diag(x: Expr) -> Expr:
    return linalg.diag(x) if linalg.is_vector(x.shape) else linalg.diag_part(x)


@register("outer")
def _outer(x: Expr, y: Expr) -> Expr:
    return linalg.outer(x, y)


@register("kron")
def _kron(a: Expr, b: Expr) -> Expr:
    return linalg.kron(a, b)


@register("ones")
@_options
def _ones(shape: object) -> Expr:
    return linalg.ones(_shape(shape))


@register("eye", "identity")
def _eye(n: object) -> Expr:
    return build.eye(_dim(n))
