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

__all__ = ["MATRIX_FUNCTIONS", "matfun", "frechet", "FORWARD", "FRECHET"]

MATRIX_FUNCTIONS = ("expm", "logm", "sqrtm", "sinm", "cosm")


def _square(x: Expr, what: str) -> Expr:
    if len(x.shape) != 2 or x.shape[0] != x.shape[1]:
        raise ShapeError(
            f"{what}({build.label(x)}) needs a square matrix but {build.label(x)} has shape "
            f"{fmt_shape(x.shape)}",
            hint="a matrix function (expm, logm, sqrtm, sinm, cosm) is defined on (n, n) only",
        )
    return x


def _known(name: str) -> None:
    if name not in MATRIX_FUNCTIONS:
        raise ShapeError(f"unknown matrix function {name!r}; known: {', '.join(MATRIX_FUNCTIONS)}")


def expm(x: Expr) -> Expr:
    """e^X: (n, n) → (n, n)."""
    return Expr("expm", (x,), _square(x, "expm").shape)


def logm(x: Expr) -> Expr:
    """log X (principal): (n, n) → (n, n)."""
    return Expr("logm", (x,), _square(x, "logm").shape)


def sqrtm(x: Expr) -> Expr:
    """X^(1/2) (principal): (n, n) → (n, n)."""
    return Expr("sqrtm", (x,), _square(x, "sqrtm").shape)


def sinm(x: Expr) -> Expr:
    """sin X: (n, n) → (n, n)."""
    return Expr("sinm", (x,), _square(x, "sinm").shape)


def cosm(x: Expr) -> Expr:
    """cos X: (n, n) → (n, n)."""
    return Expr("cosm", (x,), _square(x, "cosm").shape)


def frechet_expm(a: Expr, e: Expr) -> Expr:
    """L_exp(A, E): (n, n), (n, n) → (n, n)."""
    return Expr("frechet_expm", (a, e), _pair(a, e, "expm"))


def frechet_logm(a: Expr, e: Expr) -> Expr:
    """L_log(A, E): (n, n), (n, n) → (n, n)."""
    return Expr("frechet_logm", (a, e), _pair(a, e, "logm"))


def frechet_sqrtm(a: Expr, e: Expr) -> Expr:
    """L_sqrt(A, E): (n, n), (n, n) → (n, n)."""
    return Expr("frechet_sqrtm", (a, e), _pair(a, e, "sqrtm"))


def frechet_sinm(a: Expr, e: Expr) -> Expr:
    """L_sin(A, E): (n, n), (n, n) → (n, n)."""
    return Expr("frechet_sinm", (a, e), _pair(a, e, "sinm"))


def frechet_cosm(a: Expr, e: Expr) -> Expr:
    """L_cos(A, E): (n, n), (n, n) → (n, n)."""
    return Expr("frechet_cosm", (a, e), _pair(a, e, "cosm"))


def _pair(a: Expr, e: Expr, name: str) -> tuple:
    """The shape of L_f(A, E): A's, after checking that A is square and E has its shape."""
    _square(a, f"frechet_{name}")
    if e.shape != a.shape:
        raise ShapeError(
            f"frechet_{name}({build.label(a)}, {build.label(e)}): the direction has shape "
            f"{fmt_shape(e.shape)}, not the matrix's {fmt_shape(a.shape)}"
        )
    return a.shape


FORWARD = {"expm": expm, "logm": logm, "sqrtm": sqrtm, "sinm": sinm, "cosm": cosm}
FRECHET = {
    "expm": frechet_expm,
    "logm": frechet_logm,
    "sqrtm": frechet_sqrtm,
    "sinm": frechet_sinm,
    "cosm": frechet_cosm,
}


def matfun(name: str, x: Expr) -> Expr:
    """f(X) for f one of :data:`MATRIX_FUNCTIONS`, by name."""
    _known(name)
    return FORWARD[name](x)


def frechet(name: str, a: Expr, e: Expr) -> Expr:
    """L_f(A, E) for f one of :data:`MATRIX_FUNCTIONS`, by name."""
    _known(name)
    return FRECHET[name](a, e)
