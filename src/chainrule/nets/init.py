"""Parameter initialisations, all seeded: zeros, random × scale, Xavier, He, and the course's own.

``course`` reproduces the Deep Learning Specialization's planar model exactly: the legacy generator
seeded as ``np.random.seed(2)`` (the default seed for this method), then, layer by layer in the
order ``W1, b1, W2, b2, …``, ``W[l] = randn(n[l], n[l−1]) · 0.01`` and ``b[l] = 0`` (zeros draw
nothing, so only the W's consume random numbers). Every method uses a private ``RandomState``, so
NumPy's global random state is untouched, and draws W in the columns shape (n[l], n[l−1]) — the
rows layout gets the transpose of the same numbers.
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError
from .spec import MLPSpec

__all__ = ["INITS", "COURSE_SEED", "initialize", "check_seed"]

INITS = ("default", "zeros", "random", "xavier", "he", "course")
COURSE_SEED = 2
"""The course's ``np.random.seed(2)`` before ``initialize_parameters``."""


def _std(method: str, fan_in: int, scale: float) -> float:
    """The spread of W[l]: scale (random, course), √(1/n[l−1]) Xavier, √(2/n[l−1]) He."""
    if method in ("random", "course"):
        return scale
    if method == "xavier":
        return float(np.sqrt(1.0 / fan_in))
    return float(np.sqrt(2.0 / fan_in))  # he


def check_seed(seed: object) -> int:
    """A seed NumPy's legacy and new generators both accept: a whole number in [0, 2³²)."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise SpecError(f"seed {seed!r} must be a whole number from 0 to 2**32 − 1", hint="e.g. 0")
    return int(seed)


def initialize(
    spec: MLPSpec,
    seed: int | None = None,
    method: str = "default",
    scale: float = 0.01,
    dtype: type = np.float64,
) -> dict[str, np.ndarray]:
    """``{"W1": …, "b1": …}`` with W[l] of shape (n[l], n[l−1]) (columns layout) and b[l] zeros.

    ``default`` is He for relu-family hidden layers and Xavier otherwise; ``scale`` multiplies
    ``random`` and ``course`` (0.01 in the course). ``seed=None`` means 0, or 2 for ``course``.
    """
    if method not in INITS:
        raise SpecError(
            f"unknown initialization {method!r}", hint=f"choose one of {', '.join(INITS)}"
        )
    hidden = spec.hidden[0].name if spec.hidden else "linear"
    if method == "default":
        method = "he" if hidden in ("relu", "leaky_relu") else "xavier"
    if seed is None:
        seed = COURSE_SEED if method == "course" else 0
    check_seed(seed)
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not 0 < scale < np.inf:
        raise SpecError(f"init scale {scale!r} must be a finite number > 0", hint="e.g. 0.01")
    rng = np.random.RandomState(seed)
    params: dict[str, np.ndarray] = {}
    cols = spec.layout == "columns"
    for l in range(1, spec.L + 1):
        n, n_prev = spec.layers[l], spec.layers[l - 1]
        W = (
            np.zeros((n, n_prev))
            if method == "zeros"
            else rng.randn(n, n_prev) * _std(method, n_prev, scale)
        )
        params[f"W{l}"] = (W if cols else W.T.copy()).astype(dtype)
    for k, shape in spec.shapes().items():  # b, β, running mean 0; γ, running variance 1
        if k not in params:
            start = np.ones if k.startswith(("gamma", "running_var")) else np.zeros
            params[k] = start(shape, dtype=dtype)
    return {k: params[k] for k in spec.shapes()}
