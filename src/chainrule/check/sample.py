"""Random parameters and data for checks: every quantity of a network given honest numbers.

A check that compares two computations is only as strong as the numbers it tries, so these draws
avoid the special values that hide mistakes: biases are not zero (a lost ``db`` term would vanish),
weights are not tiny (``1/m`` and transposes must change the result), labels are valid for the loss.
"""

from __future__ import annotations

import numpy as np

from ..ir.shapes import concrete
from ..nets import Network

__all__ = ["sample", "labels"]


def labels(net: Network, m: int, rng: np.random.Generator) -> np.ndarray:
    """Targets Y of the right kind: 0/1 for bce, one-hot columns (or rows) for ce, reals for mse."""
    spec = net.spec
    cols = spec.layout == "columns"
    n = spec.layers[-1]
    shape = (n, m) if cols else (m, n)
    if spec.loss == "bce":
        return rng.integers(0, 2, shape).astype(np.float64)
    if spec.loss == "ce":
        onehot = np.eye(n)[rng.integers(0, n, m)]
        return onehot.T.copy() if cols else onehot
    return rng.standard_normal(shape)


def sample(
    net: Network, m: int, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """``(params, X, Y, masks)``: W[l] ~ N(0, 1/n[l−1]), b[l] ~ N(0, 1/4), X ~ N(0, 1), valid Y,
    and a Bernoulli(keep_prob) dropout mask per hidden layer that has dropout."""
    dims = {net.spec.batch: m}
    params, masks = {}, {}
    for v in net.program.inputs:
        shape = concrete(v.shape, dims)
        if v.name.startswith("W"):
            fan_in = net.spec.layers[int(v.name[1:]) - 1]
            params[v.name] = rng.standard_normal(shape) / np.sqrt(fan_in)
        elif v.name.startswith("b"):
            params[v.name] = rng.standard_normal(shape) * 0.5
        elif v.name in net.masks:
            keep = net.spec.keep_prob[int(v.name[1:]) - 1]
            masks[v.name] = (rng.random(shape) < keep).astype(np.float64)
    n_x = net.spec.layers[0]
    X = rng.standard_normal((n_x, m) if net.spec.layout == "columns" else (m, n_x))
    return params, X, labels(net, m, rng), masks
