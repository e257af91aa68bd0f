"""Convolution, pooling and flattening in the language, spelt as the generated code calls them.

``conv2d(A_prev, W, b, stride=2, pad=2)`` is the course's ``conv_forward``; ``max_pool(A, f=2,
stride=2)`` and ``avg_pool`` its ``pool_forward``; ``flatten(A)`` is ``A.reshape(A.shape[0], -1)``.
The backward operations are readable too (``conv2d_backward_input(dZ, W, stride=2, pad=2,
n_H_prev=4, n_W_prev=4)``), so printed code parses back.
"""

from __future__ import annotations

from ..errors import ParseError
from ..ir import conv
from ..ir.expr import Expr
from .functions import integer as _int
from .functions import register

__all__: list[str] = []


@register("conv2d")
def _conv2d(
    a_prev: Expr, w: Expr, b: Expr | None = None, stride: object = 1, pad: object = 0
) -> Expr:
    return conv.conv2d(a_prev, w, b, _int(stride, "stride"), _int(pad, "pad"))


@register("conv2d_backward_input")
def _conv_dA(dz: Expr, w: Expr, stride: object, pad: object, n_H_prev: object, n_W_prev: object):  # noqa: N803
    size = (_int(n_H_prev, "n_H_prev"), _int(n_W_prev, "n_W_prev"))
    return conv.conv_backward_input(dz, w, _int(stride, "stride"), _int(pad, "pad"), size)


@register("conv2d_backward_filter")
def _conv_dW(a_prev: Expr, dz: Expr, stride: object, pad: object, f: object) -> Expr:
    return conv.conv_backward_filter(
        a_prev, dz, _int(stride, "stride"), _int(pad, "pad"), _int(f, "f")
    )


def _stride(stride: object) -> int | None:
    return None if stride is None else _int(stride, "stride")


@register("max_pool")
def _max_pool(a: Expr, f: object = 2, stride: object = None) -> Expr:
    return conv.max_pool(a, _int(f, "f"), _stride(stride))


@register("avg_pool")
def _avg_pool(a: Expr, f: object = 2, stride: object = None) -> Expr:
    return conv.avg_pool(a, _int(f, "f"), _stride(stride))


@register("max_pool_backward")
def _max_pool_back(a_prev: Expr, da: Expr, f: object, stride: object) -> Expr:
    return conv.max_pool_backward(a_prev, da, _int(f, "f"), _int(stride, "stride"))


@register("avg_pool_backward")
def _avg_pool_back(da: Expr, f: object, stride: object, n_H_prev: object, n_W_prev: object):  # noqa: N803
    size = (_int(n_H_prev, "n_H_prev"), _int(n_W_prev, "n_W_prev"))
    return conv.avg_pool_backward(da, _int(f, "f"), _int(stride, "stride"), size)


@register("flatten")
def _flatten(a: Expr) -> Expr:
    return conv.flatten(a)


@register("reshape")
def _reshape(a: Expr, shape: object) -> Expr:
    if not isinstance(shape, tuple):
        raise ParseError("reshape takes a shape tuple such as (m, 48)")
    return conv.reshape(a, shape)


_reshape.takes_options = True  # type: ignore[attr-defined]
