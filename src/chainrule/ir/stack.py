"""Stacking along the first axis and taking back a part: the LSTM's ``[a⟨t−1⟩; x⟨t⟩]``.

* ``vstack(a, b)`` — ``np.concatenate((a, b), axis=0)``: (p, …) over (q, …) → (p + q, …).
* ``rows(g, part, size, rest)`` — the ``"top"`` ``size`` rows of g (``g[:size]``) or the
  ``"bottom"`` ones (``g[rest:]``), ``rest`` being the size of the other part.

The two are each other's adjoints: the gradient of a stacked quantity is cut back into its parts,
and the gradient of a part is padded with zeros where the other part was.
"""

from __future__ import annotations

from ..errors import ShapeError
from . import build
from .expr import Expr
from .shapes import Dim, dim_sum, fmt_shape

__all__ = ["vstack", "rows", "zeros"]


def vstack(a: Expr, b: Expr) -> Expr:
    """``[a; b]``: a's rows on top of b's; every other axis must agree."""
    if len(a.shape) != len(b.shape) or not a.shape or a.shape[1:] != b.shape[1:]:
        raise ShapeError(
            f"cannot stack {build.label(a)} {fmt_shape(a.shape)} on "
            f"{build.label(b)} {fmt_shape(b.shape)}: every axis but the first must agree",
            hint="np.concatenate((a_prev, xt), axis=0) stacks (n_a, m) on (n_x, m)",
        )
    return Expr("vstack", (a, b), (dim_sum(a.shape[0], b.shape[0]), *a.shape[1:]))


def rows(g: Expr, part: str, size: Dim, rest: Dim) -> Expr:
    """The ``part`` ("top" or "bottom") of ``g`` that has ``size`` rows; the other has ``rest``."""
    if part not in ("top", "bottom"):
        raise ShapeError(f"rows takes part 'top' or 'bottom', not {part!r}")
    total = dim_sum(size, rest) if part == "top" else dim_sum(rest, size)
    if isinstance(g.shape[0], int) and isinstance(total, int) and g.shape[0] != total:
        raise ShapeError(f"{build.label(g)} has {g.shape[0]} rows, not {total}")
    return Expr("rows", (g,), (size, *g.shape[1:]), (part, size, rest))


def zeros(shape: tuple) -> Expr:
    """An array of zeros (a broadcast 0)."""
    return build.broadcast(build.const(0), shape)
