"""Parameter initialisations, all seeded: zeros, random × scale, Xavier, He, and the course's own.

``course`` reproduces the Deep Learning Specialization's planar model exactly: the legacy generator
seeded with ``np.random.seed(seed)`` (seed 2 in the course), then ``W[l] = randn(n[l], n[l−1]) · 0.01``
layer by layer and zero biases. It uses a private ``RandomState`` so global state is untouched.
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError
from .spec import MLPSpec

__all__ = ["INITS", "initialize"]

INITS = ("default", "zeros", "random", "xavier", "he", "course")


def _std(method: str, fan_in: int, scale: float, hidden: str) -> float:
    if method == "random" or method == "course":
        return scale
    if method == "xavier":
        return float(np.sqrt(1.0 / fan_in))
    if method == "he":
        return float(np.sqrt(2.0 / fan_in))
    return 0.0


def initialize(
    spec: MLPSpec,
    seed: int = 0,
    method: str = "default",
    scale: float = 0.01,
    dtype: type = np.float64,
) -> dict[str, np.ndarray]:
    """``{"W1": …, "b1": …}`` with W[l] of shape (n[l], n[l−1]) (columns layout) and b[l] zeros.

    ``default`` is He for relu-family hidden layers and Xavier otherwise.
    """
    if method not in INITS:
        raise SpecError(
            f"unknown initialization {method!r}", hint=f"choose one of {', '.join(INITS)}"
        )
    hidden = spec.hidden[0].name if spec.hidden else "linear"
    if method == "default":
        method = "he" if hidden in ("relu", "leaky_relu") else "xavier"
    rng = np.random.RandomState(2 if method == "course" and seed is None else seed)
    params: dict[str, np.ndarray] = {}
    cols = spec.layout == "columns"
    for l in range(1, spec.L + 1):
        n, n_prev = spec.layers[l], spec.layers[l - 1]
        shape = (n, n_prev) if cols else (n_prev, n)
        W = rng.randn(n, n_prev) * _std(method, n_prev, scale, hidden)
        params[f"W{l}"] = (W if cols else W.T.copy()).astype(dtype)
        params[f"b{l}"] = np.zeros((n, 1) if cols else (1, n), dtype=dtype)
        assert params[f"W{l}"].shape == shape
    return params
