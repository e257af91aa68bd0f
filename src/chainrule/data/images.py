"""Image data sets in the course's CNN layout: examples first, channels last, X (m, n_H, n_W, n_C).

:func:`digits` is scikit-learn's copy of the UCI 8×8 handwritten digits (1797 images, 10 classes),
shipped inside the package (no download); scikit-learn is the optional ``images`` extra.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import DataError

__all__ = ["digits"]


def digits(
    seed: int = 0, test_fraction: float = 0.25
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)``: images scaled to [0, 1] as (m, 8, 8, 1), labels
    0–9, split by a seeded permutation (seed 0, a quarter held out: 1347 / 450)."""
    if not 0 < test_fraction < 1:
        raise DataError(f"test_fraction {test_fraction!r} must lie strictly between 0 and 1")
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # an optional extra
        raise DataError(
            "the digits data set needs scikit-learn", hint="pip install 'chainrule[images]'"
        ) from None
    data = load_digits()
    X, y = (data.images / 16.0)[..., None], data.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(X))
    cut = len(X) - math.ceil(test_fraction * len(X))
    train, test = order[:cut], order[cut:]
    return X[train], y[train], X[test], y[test]
