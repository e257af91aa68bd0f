"""The NumPy meaning of convolution and pooling: strided windows and one matrix product.

Each function is self-contained (it uses only ``np``) because its source is also printed into the
generated NumPy code (:func:`inspect.getsource`): the reference interpreter, the printed training
code and the exports run the same lines. No Python loop runs over output positions; the input
gradient and the pooling gradients loop over the f² offsets inside a window, each one product or
one operation on a whole strided slice.

Windows: ``sliding_window_view(A_pad, (f, f), axis=(1, 2))[:, ::s, ::s]`` is a view of shape
(m, n_H, n_W, n_C_prev, f, f) whose entry [i, h, w, c, kh, kw] is
``A_pad[i, h·s + kh, w·s + kw, c]``.
"""

from __future__ import annotations

import inspect

import numpy as np

__all__ = ["KERNELS", "kernel_source"]


def conv2d(A_prev, W, stride, pad):
    """Z[i,h,w,c] = Σ_{kh,kw,c'} A_pad[i, h·s + kh, w·s + kw, c'] W[kh,kw,c',c]."""
    f = W.shape[0]
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(A_pad, (f, f), axis=(1, 2))
    windows = windows[:, ::stride, ::stride]
    return np.tensordot(windows, W, axes=((4, 5, 3), (0, 1, 2)))


def conv2d_backward_input(dZ, W, stride, pad, n_H_prev, n_W_prev):
    """dA_pad[i, h·s + kh, w·s + kw, :] += W[kh, kw] · dZ[i, h, w, :] for every offset (kh, kw):
    the scatter form, one matrix product per kernel offset over all positions at once (equal to
    the gather form, the full correlation of the dilated dZ with W rotated 180°); then the padding
    is cut off."""
    m, n_H, n_W, n_C = dZ.shape
    f = W.shape[0]
    rows, cols = n_H_prev + 2 * pad, n_W_prev + 2 * pad
    dA_pad = np.zeros(
        (m, max(rows, stride * (n_H - 1) + f), max(cols, stride * (n_W - 1) + f), W.shape[2]),
        np.result_type(dZ, W),
    )
    for kh in range(f):
        for kw in range(f):
            window = (
                slice(None),
                slice(kh, kh + stride * (n_H - 1) + 1, stride),
                slice(kw, kw + stride * (n_W - 1) + 1, stride),
            )
            dA_pad[window] += dZ @ W[kh, kw].T
    return dA_pad[:, pad : pad + n_H_prev, pad : pad + n_W_prev]


def conv2d_backward_filter(A_prev, dZ, stride, pad, f):
    """dW[kh,kw,c',c] = Σ_{i,h,w} A_pad[i, h·s + kh, w·s + kw, c'] dZ[i,h,w,c]."""
    n_H, n_W = dZ.shape[1], dZ.shape[2]
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(A_pad, (f, f), axis=(1, 2))
    windows = windows[:, ::stride, ::stride][:, :n_H, :n_W]
    return np.tensordot(windows, dZ, axes=((0, 1, 2), (0, 1, 2))).transpose(1, 2, 0, 3)


def max_pool(A_prev, f, stride):
    """A[i,h,w,c] = max over the window of A_prev[i, h·s + kh, w·s + kw, c]."""
    windows = np.lib.stride_tricks.sliding_window_view(A_prev, (f, f), axis=(1, 2))
    return windows[:, ::stride, ::stride].max(axis=(4, 5))


def max_pool_backward(A_prev, dA, f, stride):
    """Each dA entry goes to every entry of its window equal to the window's maximum (the course's
    mask ``x == np.max(x)``: tied maxima all receive it)."""
    n_H, n_W = dA.shape[1], dA.shape[2]
    A = max_pool(A_prev, f, stride)
    dA_prev = np.zeros(A_prev.shape, np.result_type(A_prev, dA))
    for kh in range(f):
        for kw in range(f):
            rows = slice(kh, kh + stride * (n_H - 1) + 1, stride)
            cols = slice(kw, kw + stride * (n_W - 1) + 1, stride)
            dA_prev[:, rows, cols] += (A_prev[:, rows, cols] == A) * dA
    return dA_prev


def avg_pool(A_prev, f, stride):
    """A[i,h,w,c] = the mean of the window A_prev[i, h·s + kh, w·s + kw, c]."""
    windows = np.lib.stride_tricks.sliding_window_view(A_prev, (f, f), axis=(1, 2))
    return windows[:, ::stride, ::stride].mean(axis=(4, 5))


def avg_pool_backward(dA, f, stride, n_H_prev, n_W_prev):
    """Each dA entry spread evenly, dA / f², over the f × f entries of its window."""
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros((m, n_H_prev, n_W_prev, n_C), dA.dtype)
    for kh in range(f):
        for kw in range(f):
            rows = slice(kh, kh + stride * (n_H - 1) + 1, stride)
            cols = slice(kw, kw + stride * (n_W - 1) + 1, stride)
            dA_prev[:, rows, cols] += dA / (f * f)
    return dA_prev


KERNELS = {
    f.__name__: f
    for f in (
        conv2d,
        conv2d_backward_input,
        conv2d_backward_filter,
        max_pool,
        max_pool_backward,
        avg_pool,
        avg_pool_backward,
    )
}


def kernel_source(name: str) -> str:
    """The source of the kernel ``name``, for generated code."""
    return inspect.getsource(KERNELS[name]) + "\n"
