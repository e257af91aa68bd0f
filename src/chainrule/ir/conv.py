"""Convolution and pooling in the course's layout: examples first, channels last.

Decides the shapes. ``A_prev`` is (m, n_H_prev, n_W_prev, n_C_prev), a filter bank ``W`` is
(f, f, n_C_prev, n_C), a bias ``b`` is (1, 1, 1, n_C). Output sizes follow the course's formula
``n_H = ⌊(n_H_prev + 2·pad − f) / stride⌋ + 1`` and stay symbolic when ``n_H_prev`` is a name.
A stride that does not divide ``n_H_prev + 2·pad − f`` is allowed, as in the course (and PyTorch):
the last rows that no window reaches get no output and receive a zero gradient.

Why these are primitives: each output entry is a sum over a *shifted* window of the input, and no
product, transpose or broadcast of whole arrays can shift an index. The backward operations are
primitives too (they are the transposes of the forward ones, and the derivation must be able to
print and evaluate them); ``conv2d`` with a bias is a composition: ``conv2d(A_prev, W) + b``, so
``db`` is the adjoint of the bias broadcast, the sum over m, h and w.
"""

from __future__ import annotations

from ..errors import ShapeError
from . import build
from .expr import Expr
from .shapes import Dim, Shape, dim_add, dim_floordiv, dim_prod, fmt_shape

__all__ = [
    "conv2d",
    "conv",
    "conv_backward_input",
    "conv_backward_filter",
    "max_pool",
    "max_pool_backward",
    "avg_pool",
    "avg_pool_backward",
    "reshape",
    "flatten",
    "window_out",
]


def window_out(n: Dim, f: int, stride: int, pad: int = 0) -> Dim:
    """``⌊(n + 2·pad − f) / stride⌋ + 1``: how many windows of size f fit, symbolic if n is."""
    return dim_add(dim_floordiv(dim_add(n, 2 * pad - f), stride), 1)


def _image(x: Expr, what: str, role: str) -> None:
    if len(x.shape) != 4:
        raise ShapeError(
            f"{what}: {build.label(x)} has shape {fmt_shape(x.shape)}, but {role} must be "
            "rank 4, (m, n_H, n_W, n_C)",
            hint="the course's layout is examples first, channels last",
        )


def _positive(k: object, what: str, least: int = 1) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < least:
        raise ShapeError(f"{what} must be an integer ≥ {least}, not {k!r}")
    return k


def _fits(n: Dim, f: int, pad: int, what: str, x: Expr) -> None:
    if isinstance(n, int) and n + 2 * pad < f:
        raise ShapeError(
            f"{what}: the window f = {f} is larger than the padded input "
            f"({n} + 2·{pad} = {n + 2 * pad}) of {build.label(x)} {fmt_shape(x.shape)}",
            hint="rule: n_H = (n_H_prev + 2·pad − f) // stride + 1 needs n_H_prev + 2·pad ≥ f",
        )


def _filters(w: Expr) -> int:
    if len(w.shape) != 4 or w.shape[0] != w.shape[1] or not isinstance(w.shape[0], int):
        raise ShapeError(
            f"conv2d: the filters {build.label(w)} have shape {fmt_shape(w.shape)}, not "
            "(f, f, n_C_prev, n_C) with a number f",
        )
    return w.shape[0]


def conv(a_prev: Expr, w: Expr, stride: int = 1, pad: int = 0) -> Expr:
    """Z = A_prev ⋆ W, the course's cross-correlation (no bias): (m, n_H, n_W, n_C)."""
    _image(a_prev, "conv2d", "A_prev")
    f, s, p = _filters(w), _positive(stride, "stride"), _positive(pad, "pad", 0)
    if w.shape[2] != a_prev.shape[3]:
        raise ShapeError(
            f"conv2d: {build.label(a_prev)} {fmt_shape(a_prev.shape)} has "
            f"{a_prev.shape[3]} channels but the filters {build.label(w)} {fmt_shape(w.shape)} "
            f"expect {w.shape[2]}",
            hint="rule: W is (f, f, n_C_prev, n_C) where n_C_prev is A_prev's last axis",
        )
    m, h, wd, _ = a_prev.shape
    for n in (h, wd):
        _fits(n, f, p, "conv2d", a_prev)
    shape = (m, window_out(h, f, s, p), window_out(wd, f, s, p), w.shape[3])
    return Expr("conv2d", (a_prev, w), shape, (s, p))


def conv2d(a_prev: Expr, w: Expr, b: Expr | None = None, stride: int = 1, pad: int = 0) -> Expr:
    """``conv2d(A_prev, W, b)`` = ``A_prev ⋆ W + b``, the bias spread over m, n_H and n_W."""
    z = conv(a_prev, w, stride, pad)
    return z if b is None else build.np_add(z, b)


def conv_backward_input(dz: Expr, w: Expr, stride: int, pad: int, size: tuple) -> Expr:
    """dA_prev from dZ and W: the transpose of A_prev ↦ A_prev ⋆ W (size: n_H_prev, n_W_prev)."""
    _image(dz, "conv2d_backward_input", "dZ")
    f = _filters(w)
    if dz.shape[3] != w.shape[3]:
        raise ShapeError(
            f"conv2d_backward_input: dZ {fmt_shape(dz.shape)} has {dz.shape[3]} channels but "
            f"W {fmt_shape(w.shape)} makes {w.shape[3]}"
        )
    shape = (dz.shape[0], size[0], size[1], w.shape[2])
    _check_grid(dz, shape, f, stride, pad, "conv2d_backward_input")
    return Expr("conv2d_backward_input", (dz, w), shape, (stride, pad))


def conv_backward_filter(a_prev: Expr, dz: Expr, stride: int, pad: int, f: int) -> Expr:
    """dW from A_prev and dZ: the transpose of ``W ↦ A_prev ⋆ W``: (f, f, n_C_prev, n_C)."""
    _image(a_prev, "conv2d_backward_filter", "A_prev")
    _image(dz, "conv2d_backward_filter", "dZ")
    _check_grid(dz, a_prev.shape, f, stride, pad, "conv2d_backward_filter")
    shape = (f, f, a_prev.shape[3], dz.shape[3])
    return Expr("conv2d_backward_filter", (a_prev, dz), shape, (stride, pad))


def _check_grid(dz: Expr, in_shape: Shape, f: int, stride: int, pad: int, what: str) -> None:
    want = (in_shape[0], window_out(in_shape[1], f, stride, pad))
    want += (window_out(in_shape[2], f, stride, pad),)
    if tuple(dz.shape[:3]) != want:
        raise ShapeError(
            f"{what}: dZ has shape {fmt_shape(dz.shape)} but an input {fmt_shape(in_shape)} with "
            f"f = {f}, stride {stride}, pad {pad} gives {fmt_shape(want + (dz.shape[3],))}"
        )


def _pool(op: str, a: Expr, f: int, stride: int | None) -> tuple[Shape, tuple[int, int]]:
    """The output shape and the attributes (f, stride) of a pooling of ``a``."""
    _image(a, op, "A_prev")
    f = _positive(f, f"{op}: f")
    s = _positive(f if stride is None else stride, f"{op}: stride")
    m, h, w, c = a.shape
    for n in (h, w):
        _fits(n, f, 0, op, a)
    return (m, window_out(h, f, s), window_out(w, f, s), c), (f, s)


def max_pool(a: Expr, f: int = 2, stride: int | None = None) -> Expr:
    """The largest entry of each f × f window, channel by channel."""
    return Expr("max_pool", (a,), *_pool("max_pool", a, f, stride))


def avg_pool(a: Expr, f: int = 2, stride: int | None = None) -> Expr:
    """The mean of each f × f window, channel by channel."""
    return Expr("avg_pool", (a,), *_pool("avg_pool", a, f, stride))


def max_pool_backward(a_prev: Expr, da: Expr, f: int, stride: int) -> Expr:
    """dA_prev: each dA entry sent to the maxima of its window (every tied maximum)."""
    _check_grid(da, a_prev.shape, f, stride, 0, "max_pool_backward")
    return Expr("max_pool_backward", (a_prev, da), a_prev.shape, (f, stride))


def avg_pool_backward(da: Expr, f: int, stride: int, size: tuple) -> Expr:
    """dA_prev: each dA entry spread evenly, dA / f², over its window."""
    _image(da, "avg_pool_backward", "dA")
    shape = (da.shape[0], size[0], size[1], da.shape[3])
    _check_grid(da, shape, f, stride, 0, "avg_pool_backward")
    return Expr("avg_pool_backward", (da,), shape, (f, stride))


def reshape(a: Expr, shape: tuple) -> Expr:
    """The same entries in row-major (C) order, arranged in ``shape``."""
    known = all(isinstance(d, int) for d in (*a.shape, *shape))
    if known and dim_prod(a.shape) != dim_prod(tuple(shape)):
        raise ShapeError(
            f"cannot reshape {build.label(a)} {fmt_shape(a.shape)} into {fmt_shape(shape)}: "
            f"{dim_prod(a.shape)} entries, not {dim_prod(tuple(shape))}"
        )
    return Expr("reshape", (a,), tuple(shape), (tuple(shape),))


def flatten(a: Expr) -> Expr:
    """(m, n_H, n_W, n_C) → (m, n_H·n_W·n_C), the course's ``A.reshape(A.shape[0], -1)``."""
    if len(a.shape) < 2:
        raise ShapeError(f"flatten needs examples first and features after, not {a.shape}")
    return reshape(a, (a.shape[0], dim_prod(a.shape[1:])))
