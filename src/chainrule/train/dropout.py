"""Inverted-dropout masks, drawn fresh for every training step from a seeded generator.

The network's graph already holds dropout: ``A[l] = g(Z[l]) ⊙ D[l] / keep_prob`` with the mask
``D[l]`` an input of the program, so the derivation shows its terms. This module only supplies
the numbers: ``D[l]`` has the shape of ``A[l]`` and entries 1 with probability ``keep_prob[l]``
(the course's ``D = (np.random.rand(*A.shape) < keep_prob)``). Evaluation and prediction pass no
masks, which the network reads as "no dropout".
"""

from __future__ import annotations

import numpy as np

from ..nets import Network

__all__ = ["mask_names", "draw_masks"]


def mask_names(net: Network) -> tuple[str, ...]:
    """The mask inputs ``D1, D2, …`` of the network's program (layers with keep_prob < 1)."""
    return net.masks


def draw_masks(
    net: Network, m: int, rng: np.random.Generator, dtype: type = np.float64
) -> dict[str, np.ndarray] | None:
    """One Bernoulli(keep_prob[l]) mask per dropout layer for a batch of ``m`` examples."""
    names = mask_names(net)
    if not names:
        return None
    spec, masks = net.spec, {}
    for name in names:
        l = int(name[1:])
        shape = (spec.layers[l], m) if spec.layout == "columns" else (m, spec.layers[l])
        masks[name] = (rng.random(shape) < spec.keep_prob[l - 1]).astype(dtype)
    return masks
