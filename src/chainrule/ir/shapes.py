"""Shapes: tuples of dimensions, each a concrete ``int`` or a symbolic name such as ``"m"``.

Everything in chainrule is a scalar (shape ``()``), a column vector ``(n, 1)``, a row ``(1, m)`` or
a matrix ``(n, m)``. A rank-1 shape only arises from ``np.sum(..., axis=k)`` without ``keepdims``
and is kept so that a lost ``keepdims`` can be diagnosed rather than silently repaired.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import ShapeError

Dim = int | str
Shape = tuple[Dim, ...]

__all__ = ["Dim", "Shape", "fmt_shape", "check_shape", "bind_dims", "concrete", "is_scalar"]


def fmt_shape(shape: Shape) -> str:
    """``(3, 'm')`` → ``"(3, m)"``, the way the course writes shapes."""
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def check_shape(shape: tuple) -> Shape:
    """Validate a user-given shape: rank ≤ 2, positive ints or identifier-like names."""
    if not isinstance(shape, tuple) or len(shape) > 2:
        raise ShapeError(
            f"shape {shape!r} is not a tuple of at most 2 dimensions",
            hint="write a matrix as (n, m) and a column vector as (n, 1)",
        )
    for d in shape:
        if isinstance(d, bool) or not (
            isinstance(d, int) and d > 0 or isinstance(d, str) and d.isidentifier()
        ):
            raise ShapeError(
                f"dimension {d!r} of shape {shape!r} is neither a positive int nor a name"
            )
    return shape


def is_scalar(shape: Shape) -> bool:
    return shape == ()


def bind_dims(shape: Shape, actual: tuple[int, ...], env: dict[str, int], what: str) -> None:
    """Match an array's shape against a declared one, recording symbolic dimensions in env."""
    if len(actual) != len(shape):
        raise ShapeError(
            f"{what} has shape {fmt_shape(actual)} but {fmt_shape(shape)} was declared"
        )
    for d, a in zip(shape, actual, strict=True):
        if isinstance(d, str):
            if env.setdefault(d, a) != a:
                raise ShapeError(
                    f"{what} has shape {fmt_shape(actual)}: dimension {d} is {a} here "
                    f"but {env[d]} elsewhere"
                )
        elif d != a:
            raise ShapeError(
                f"{what} has shape {fmt_shape(actual)} but {fmt_shape(shape)} was declared"
            )


def concrete(shape: Shape, env: Mapping[str, int]) -> tuple[int, ...]:
    """The concrete shape once symbolic dimensions are bound."""
    return tuple(env[d] if isinstance(d, str) else d for d in shape)
