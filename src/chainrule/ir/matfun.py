"""Primary matrix functions and their Fréchet derivatives: ``expm``, ``logm``, ``sqrtm``, ``sinm``,
``cosm`` (SciPy's names), each (n, n) → (n, n).

Why these are primitives: f(X) for a primary matrix function is the power series (or, for log and
the square root, the inverse of one) in X as a whole — each entry depends on every entry of X
through infinitely many products — so no finite composition of the other nodes expresses it.

``frechet_f(A, E)`` is L_f(A, E), the Fréchet derivative of f at A in the direction E: the linear
part of f(A + E) − f(A). It is what a matrix function's gradient needs (X̄ = L_f(Xᵀ, G)), so the
backward pass of f is another node of the IR, as a convolution's is.
"""

from __future__ import annotations

from ..errors import ShapeError
from . import build
from .expr import Expr
from .shapes import fmt_shape

__all__ = ["MATRIX_FUNCTIONS", "matfun", "frechet"]

MATRIX_FUNCTIONS = ("expm", "logm", "sqrtm", "sinm", "cosm")


def _square(x: Expr, what: str) -> None:
    if len(x.shape) != 2 or x.shape[0] != x.shape[1]:
        raise ShapeError(
            f"{what}({build.label(x)}) needs a square matrix but {build.label(x)} has shape "
            f"{fmt_shape(x.shape)}",
            hint="a matrix function (expm, logm, sqrtm, sinm, cosm) is defined on (n, n) only",
        )


def _known(name: str) -> None:
    if name not in MATRIX_FUNCTIONS:
        raise ShapeError(f"unknown matrix function {name!r}; known: {', '.join(MATRIX_FUNCTIONS)}")


def matfun(name: str, x: Expr) -> Expr:
    """f(X) for f one of :data:`MATRIX_FUNCTIONS`: (n, n) → (n, n)."""
    _known(name)
    _square(x, name)
    return Expr(name, (x,), x.shape)


def frechet(name: str, a: Expr, e: Expr) -> Expr:
    """L_f(A, E): (n, n), (n, n) → (n, n)."""
    _known(name)
    _square(a, f"frechet_{name}")
    if e.shape != a.shape:
        raise ShapeError(
            f"frechet_{name}({build.label(a)}, {build.label(e)}): the direction has shape "
            f"{fmt_shape(e.shape)}, not the matrix's {fmt_shape(a.shape)}"
        )
    return Expr(f"frechet_{name}", (a, e), a.shape)
