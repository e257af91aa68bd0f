"""Convolution, pooling and reshape: one record each, added to the same registry.

Each record holds, besides the mathematics every :class:`Primitive` holds, how the operation is
*called* in generated code (``conv2d(A_prev, W, stride=2, pad=2)`` in NumPy, PyTorch and JAX alike)
and the helper function each language defines under that name: NumPy's is the kernel of
:mod:`chainrule.rules.conv_kernels` (strided windows and one product), PyTorch's permutes the
course's channels-last layout to ``torch.nn.functional``'s, JAX's calls ``lax`` with the layout
named (NHWC, HWIO).

Notation as in the other records: ``C = op(A, B)``, ``G`` the adjoint ∂ℓ/∂C. The backward
operations are the transposes of the forward ones (⟨H, conv_dA(G, W)⟩ = ⟨H ⋆ W, G⟩), so their own
vector–Jacobian rules are again these operations — the set is closed, except for max pooling's
backward, whose mask is piecewise constant in A (its derivative there is zero almost everywhere
and chainrule refuses to differentiate it a second time rather than pretend).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ..errors import SpecError
from ..ir import conv
from ..ir.expr import Expr
from . import conv_kernels as K
from .primitives import PRIMITIVES, Primitive

__all__ = ["CONV", "CallPrimitive", "call_parts"]


@dataclass(frozen=True)
class CallPrimitive(Primitive):
    """A primitive printed as a call of a helper function that each language defines."""

    keywords: Callable[[Expr], tuple[tuple[str, object], ...]] = lambda e: ()
    # language → the helper functions it defines, (name, source), callees first
    helpers: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    text: str = ""  # the name the text printer writes (default: the helper's name)
    latex: str = ""  # the LaTeX name (default: \operatorname of the helper's name)


def call_parts(e: Expr) -> tuple[str, tuple[Expr, ...], tuple[tuple[str, object], ...]]:
    """How ``e`` is called: the helper's name, the argument nodes, the keyword values."""
    record = PRIMITIVES[e.op]
    assert isinstance(record, CallPrimitive)
    return e.op, e.args, record.keywords(e)


def _sp(e: Expr) -> tuple:
    return (("stride", e.attrs[0]), ("pad", e.attrs[1]))


def _fs(e: Expr) -> tuple:
    return (("f", e.attrs[0]), ("stride", e.attrs[1]))


def _size(e: Expr) -> tuple:
    return (("n_H_prev", e.shape[1]), ("n_W_prev", e.shape[2]))


# -- the helpers in PyTorch and JAX (NumPy's are the kernels themselves) --------------------------
_TORCH_WINDOWS = """    n_H, n_W = dA.shape[1], dA.shape[2]
    for kh in range(f):
        for kw in range(f):
            rows = slice(kh, kh + stride * (n_H - 1) + 1, stride)
            cols = slice(kw, kw + stride * (n_W - 1) + 1, stride)
"""
TORCH = {
    "conv2d": "def conv2d(A_prev, W, stride, pad):\n"
    "    Z = torch.nn.functional.conv2d(A_prev.permute(0, 3, 1, 2), W.permute(3, 2, 0, 1),\n"
    "                                   stride=stride, padding=pad)\n"
    "    return Z.permute(0, 2, 3, 1)\n",
    "conv2d_backward_input": "def conv2d_backward_input(dZ, W, stride, pad, n_H_prev, n_W_prev):\n"
    "    size = (dZ.shape[0], W.shape[2], n_H_prev, n_W_prev)\n"
    "    dA = torch.nn.grad.conv2d_input(size, W.permute(3, 2, 0, 1), dZ.permute(0, 3, 1, 2),\n"
    "                                    stride=stride, padding=pad)\n"
    "    return dA.permute(0, 2, 3, 1)\n",
    "conv2d_backward_filter": "def conv2d_backward_filter(A_prev, dZ, stride, pad, f):\n"
    "    size = (dZ.shape[3], A_prev.shape[3], f, f)\n"
    "    dW = torch.nn.grad.conv2d_weight(A_prev.permute(0, 3, 1, 2), size,\n"
    "                                     dZ.permute(0, 3, 1, 2), stride=stride, padding=pad)\n"
    "    return dW.permute(2, 3, 1, 0)\n",
    "max_pool": "def max_pool(A_prev, f, stride):\n"
    "    A = torch.nn.functional.max_pool2d(A_prev.permute(0, 3, 1, 2), f, stride)\n"
    "    return A.permute(0, 2, 3, 1)\n",
    "max_pool_backward": "def max_pool_backward(A_prev, dA, f, stride):\n"
    "    A, dA_prev = max_pool(A_prev, f, stride), torch.zeros_like(A_prev)\n"
    + _TORCH_WINDOWS
    + "            dA_prev[:, rows, cols] += (A_prev[:, rows, cols] == A) * dA\n"
    "    return dA_prev\n",
    "avg_pool": "def avg_pool(A_prev, f, stride):\n"
    "    A = torch.nn.functional.avg_pool2d(A_prev.permute(0, 3, 1, 2), f, stride)\n"
    "    return A.permute(0, 2, 3, 1)\n",
    "avg_pool_backward": "def avg_pool_backward(dA, f, stride, n_H_prev, n_W_prev):\n"
    "    m, n_C = dA.shape[0], dA.shape[3]\n"
    "    dA_prev = dA.new_zeros((m, n_H_prev, n_W_prev, n_C))\n"
    + _TORCH_WINDOWS
    + "            dA_prev[:, rows, cols] += dA / (f * f)\n"
    "    return dA_prev\n",
}
_JAX_WINDOWS = _TORCH_WINDOWS
JAX = {
    "conv2d": "def conv2d(A_prev, W, stride, pad):\n"
    "    padding = ((pad, pad), (pad, pad))\n"
    "    return jax.lax.conv_general_dilated(A_prev, W, (stride, stride), padding,\n"
    '                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))\n',
    "conv2d_backward_input": "def conv2d_backward_input(dZ, W, stride, pad, n_H_prev, n_W_prev):\n"
    "    A0 = jnp.zeros((dZ.shape[0], n_H_prev, n_W_prev, W.shape[2]), dZ.dtype)\n"
    "    return jax.vjp(lambda A: conv2d(A, W, stride, pad), A0)[1](dZ)[0]\n",
    "conv2d_backward_filter": "def conv2d_backward_filter(A_prev, dZ, stride, pad, f):\n"
    "    W0 = jnp.zeros((f, f, A_prev.shape[3], dZ.shape[3]), dZ.dtype)\n"
    "    return jax.vjp(lambda W: conv2d(A_prev, W, stride, pad), W0)[1](dZ)[0]\n",
    "max_pool": "def max_pool(A_prev, f, stride):\n"
    "    return jax.lax.reduce_window(A_prev, -jnp.inf, jax.lax.max, (1, f, f, 1),\n"
    '                                 (1, stride, stride, 1), "VALID")\n',
    "max_pool_backward": "def max_pool_backward(A_prev, dA, f, stride):\n"
    "    A, dA_prev = max_pool(A_prev, f, stride), jnp.zeros_like(A_prev)\n"
    + _JAX_WINDOWS
    + "            dA_prev = dA_prev.at[:, rows, cols].add((A_prev[:, rows, cols] == A) * dA)\n"
    "    return dA_prev\n",
    "avg_pool": "def avg_pool(A_prev, f, stride):\n"
    "    s = jax.lax.reduce_window(A_prev, 0.0, jax.lax.add, (1, f, f, 1),\n"
    '                              (1, stride, stride, 1), "VALID")\n'
    "    return s / (f * f)\n",
    "avg_pool_backward": "def avg_pool_backward(dA, f, stride, n_H_prev, n_W_prev):\n"
    "    dA_prev = jnp.zeros((dA.shape[0], n_H_prev, n_W_prev, dA.shape[3]), dA.dtype)\n"
    + _JAX_WINDOWS
    + "            dA_prev = dA_prev.at[:, rows, cols].add(dA / (f * f))\n"
    "    return dA_prev\n",
}
_NEEDS = {
    "torch": {"max_pool_backward": ("max_pool",)},
    "jax": {
        "max_pool_backward": ("max_pool",),
        "conv2d_backward_input": ("conv2d",),
        "conv2d_backward_filter": ("conv2d",),
    },
    "numpy": {"max_pool_backward": ("max_pool",)},
}
_SOURCES = {"torch": TORCH, "jax": JAX, "numpy": {n: K.kernel_source(n) for n in K.KERNELS}}


def _helpers(name: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """Each language's helper functions for ``name``: (function name, source), callees first."""
    return {
        lang: tuple((n, _SOURCES[lang][n]) for n in (*_NEEDS[lang].get(name, ()), name))
        for lang in _SOURCES
    }


# -- the rules (G is the adjoint of the node's output) -------------------------------------------
def _no_second(g: Expr, n: Expr) -> Expr:
    raise SpecError(
        "cannot differentiate max pooling's backward pass again: its mask is piecewise constant",
        hint="second derivatives through max pooling are zero almost everywhere",
    )


CONV = [
    CallPrimitive(
        "conv2d",
        "convolution (the course's cross-correlation)",
        "Z = A_prev ⋆ W",
        conv.conv,
        "(m, n_H_prev, n_W_prev, n_C_prev) ⋆ (f, f, n_C_prev, n_C) → (m, n_H, n_W, n_C) with "
        "n_H = (n_H_prev + 2·pad − f) // stride + 1",
        lambda shape, attrs, a, w: K.conv2d(a, w, *attrs),
        (
            lambda g, n: conv.conv_backward_input(g, n.args[1], *n.attrs, n.args[0].shape[1:3]),
            lambda g, n: conv.conv_backward_filter(n.args[0], g, *n.attrs, n.args[1].shape[0]),
        ),
        "convolution rule (scatter: each window sends W·dZ back; gather: full correlation with "
        "the kernel rotated 180°)",
        "Z is linear in A_prev and in W, and Z[i,h,w,c] touches exactly the padded window "
        "at (h·s, w·s), so each input entry receives the gradients of the outputs whose windows "
        "cover it, weighted by the filter entry that met it.",
        "Z[i,h,w,c] = Σ_{kh,kw,c'} A_pad[i, h·s+kh, w·s+kw, c'] W[kh,kw,c',c]  ⇒  "
        "dA_pad[i, h·s+kh, w·s+kw, c'] += W[kh,kw,c',c] dZ[i,h,w,c]  and  "
        "dW[kh,kw,c',c] = Σ_{i,h,w} A_pad[i, h·s+kh, w·s+kw, c'] dZ[i,h,w,c]",
        "dA_prev has A_prev's shape because each window of A_pad receives the product of W and one "
        "dZ entry, and the padding is cut off; dW sums over i, h, w — the axes dZ has and W lacks.",
        ("cs231n", "dlbook"),
        _sp,
        _helpers("conv2d"),
    ),
    CallPrimitive(
        "conv2d_backward_input",
        "convolution's input gradient (transposed convolution)",
        "dA_prev = conv_backward_input(dZ, W)",
        conv.conv_backward_input,
        "(m, n_H, n_W, n_C) with (f, f, n_C_prev, n_C) → (m, n_H_prev, n_W_prev, n_C_prev)",
        lambda shape, attrs, g, w: K.conv2d_backward_input(g, w, *attrs, *shape[1:3]),
        (
            lambda g, n: conv.conv(g, n.args[1], *n.attrs),
            lambda g, n: conv.conv_backward_filter(g, n.args[0], *n.attrs, n.args[1].shape[0]),
        ),
        "transpose of a linear map",
        "dA_prev is linear in dZ and in W: ⟨H, conv_backward_input(G, W)⟩ = ⟨H ⋆ W, G⟩, so its "
        "adjoints are the forward convolution and the filter gradient.",
        "dA[i,y,x,c'] = Σ_{h,w,c: y = h·s+kh−p, x = w·s+kw−p} W[kh,kw,c',c] G[i,h,w,c]",
        "H has A_prev's shape; H ⋆ W has dZ's shape and conv_backward_filter(H, G) has W's.",
        ("cs231n",),
        lambda e: (*_sp(e), *_size(e)),
        _helpers("conv2d_backward_input"),
    ),
    CallPrimitive(
        "conv2d_backward_filter",
        "convolution's filter gradient",
        "dW = conv_backward_filter(A_prev, dZ)",
        conv.conv_backward_filter,
        "(m, n_H_prev, n_W_prev, n_C_prev) with (m, n_H, n_W, n_C) → (f, f, n_C_prev, n_C)",
        lambda shape, attrs, a, g: K.conv2d_backward_filter(a, g, *attrs, shape[0]),
        (
            lambda g, n: conv.conv_backward_input(n.args[1], g, *n.attrs, n.args[0].shape[1:3]),
            lambda g, n: conv.conv(n.args[0], g, *n.attrs),
        ),
        "transpose of a linear map",
        "dW is bilinear in A_prev and dZ: ⟨H, conv_backward_filter(A, G)⟩ = ⟨A ⋆ H, G⟩.",
        "dW[kh,kw,c',c] = Σ_{i,h,w} A_pad[i, h·s+kh, w·s+kw, c'] G[i,h,w,c]",
        "H has W's shape; A ⋆ H has dZ's shape and conv_backward_input(G, H) has A_prev's.",
        ("cs231n",),
        lambda e: (*_sp(e), ("f", e.shape[0])),
        _helpers("conv2d_backward_filter"),
    ),
    CallPrimitive(
        "max_pool",
        "max pooling",
        "A = maxpool(A_prev)",
        conv.max_pool,
        "(m, n_H_prev, n_W_prev, n_C) → (m, n_H, n_W, n_C) with n_H = (n_H_prev − f) // stride + 1",
        lambda shape, attrs, a: K.max_pool(a, *attrs),
        (lambda g, n: conv.max_pool_backward(n.args[0], g, *n.attrs),),
        "max rule (the gradient goes to the maximum)",
        "Near a point where one entry of the window is the strict maximum, the output equals that "
        "entry and ignores the others, so only it receives dA. chainrule implements the course's "
        "mask x == max(x): at a tie every tied maximum receives dA (PyTorch picks one).",
        "A[i,h,w,c] = max_{kh,kw} A_prev[i, h·s+kh, w·s+kw, c]  ⇒  "
        "dA_prev[i, h·s+kh, w·s+kw, c] += [A_prev[…] = A[i,h,w,c]] dA[i,h,w,c]",
        "the mask has A_prev's window shape, so mask · dA scattered over the windows has A_prev's "
        "shape.",
        ("cs231n",),
        _fs,
        _helpers("max_pool"),
    ),
    CallPrimitive(
        "max_pool_backward",
        "max pooling's gradient (the mask)",
        "dA_prev = mask(A_prev) · dA",
        conv.max_pool_backward,
        "(m, n_H_prev, n_W_prev, n_C) with (m, n_H, n_W, n_C) → (m, n_H_prev, n_W_prev, n_C)",
        lambda shape, attrs, a, g: K.max_pool_backward(a, g, *attrs),
        (_no_second, _no_second),
        "mask rule",
        "The mask is a step function of A_prev, so differentiating it again is refused.",
        "dA_prev[i, h·s+kh, w·s+kw, c] += [A_prev[…] = max of its window] dA[i,h,w,c]",
        "dA_prev has A_prev's shape.",
        ("cs231n",),
        _fs,
        _helpers("max_pool_backward"),
    ),
    CallPrimitive(
        "avg_pool",
        "average pooling",
        "A = avgpool(A_prev)",
        conv.avg_pool,
        "(m, n_H_prev, n_W_prev, n_C) → (m, n_H, n_W, n_C) with n_H = (n_H_prev − f) // stride + 1",
        lambda shape, attrs, a: K.avg_pool(a, *attrs),
        (lambda g, n: conv.avg_pool_backward(g, *n.attrs, n.args[0].shape[1:3]),),
        "mean rule (the gradient spreads evenly)",
        "Each output is the mean of f² inputs, each with weight 1/f², so each input of a window "
        "receives dA/f² from it.",
        "A[i,h,w,c] = (1/f²) Σ_{kh,kw} A_prev[i, h·s+kh, w·s+kw, c]  ⇒  "
        "dA_prev[i, h·s+kh, w·s+kw, c] += dA[i,h,w,c] / f²",
        "spreading each dA entry over its f × f window gives A_prev's shape.",
        ("cs231n",),
        _fs,
        _helpers("avg_pool"),
    ),
    CallPrimitive(
        "avg_pool_backward",
        "average pooling's gradient (the even spread)",
        "dA_prev = spread(dA) / f²",
        conv.avg_pool_backward,
        "(m, n_H, n_W, n_C) → (m, n_H_prev, n_W_prev, n_C)",
        lambda shape, attrs, g: K.avg_pool_backward(g, *attrs, *shape[1:3]),
        (lambda g, n: conv.avg_pool(g, *n.attrs),),
        "transpose of a linear map",
        "The even spread is the transpose of the window mean: ⟨H, spread(G)⟩ = ⟨avgpool(H), G⟩.",
        "dA_prev[i, h·s+kh, w·s+kw, c] += G[i,h,w,c] / f²",
        "avgpool(H) has dA's shape.",
        ("cs231n",),
        lambda e: (*_fs(e), *_size(e)),
        _helpers("avg_pool_backward"),
    ),
    Primitive(
        "reshape",
        "reshape (flatten)",
        "C = reshape(A)",
        conv.reshape,
        "(m, n_H, n_W, n_C) → (m, n_H·n_W·n_C), any shape with as many entries",
        lambda shape, attrs, a: np.reshape(a, shape),
        (lambda g, n: conv.reshape(g, n.args[0].shape),),
        "reshape rule",
        "Reshaping only renumbers the entries (row-major), so each entry's gradient is moved back "
        "to where it came from.",
        "C[i, (h·n_W + w)·n_C + c] = A[i,h,w,c]  ⇒  dA[i,h,w,c] = G[i, (h·n_W + w)·n_C + c]",
        "reshaping G back to A's shape gives A's shape.",
        ("cs231n",),
    ),
]

PRIMITIVES.update({p.op: p for p in CONV})
