"""What every check of chainrule's formulas starts from: central differences, and PyTorch when it is
installed (an optional extra, imported only when a cross-check asks for it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ChainruleError

__all__ = ["THRESHOLD", "central_differences", "torch_module"]

THRESHOLD = 2e-7  # the course's: "if difference > 2e-7: there is a mistake in backpropagation"


def central_differences(x: np.ndarray, f: Callable[[], float], epsilon: float) -> np.ndarray:
    """(f(x + ε) − f(x − ε)) / 2ε for each entry of ``x``, which ``f`` reads; ``x`` is restored."""
    out = np.zeros(np.shape(x))
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + epsilon
        plus = f()
        x[idx] = old - epsilon
        minus = f()
        x[idx] = old
        out[idx] = (plus - minus) / (2 * epsilon)
    return out


def torch_module() -> Any:
    """PyTorch, or a ChainruleError saying how to install it."""
    try:
        import torch
    except ImportError:
        raise ChainruleError(
            "the PyTorch cross-check needs PyTorch, which is not installed",
            hint='pip install "chainrule[torch]"',
        ) from None
    return torch
