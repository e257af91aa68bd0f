"""The network specification: a frozen description from which the program is built.

``MLPSpec([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")`` says everything about the
network that the mathematics needs; it is what a model file stores, and what ``cr.mlp`` validates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import scalar
from ..errors import SpecError

__all__ = [
    "MLPSpec",
    "OUTPUTS",
    "LOSSES",
    "LAYOUTS",
    "COMPATIBLE",
    "MAX_PARAMETERS",
    "BN_EPS",
    "BN_MOMENTUM",
]

OUTPUTS = ("sigmoid", "softmax", "linear", "tanh", "relu")
LOSSES = ("bce", "ce", "mse")
LAYOUTS = ("columns", "rows")
COMPATIBLE = {"bce": ("sigmoid",), "ce": ("softmax",), "mse": OUTPUTS}
RUNNING = ("running_mean", "running_var")  # batch norm's test-time statistics, per hidden layer
BN_EPS = 1e-5  # the ε of √(σ² + ε), PyTorch's default
BN_MOMENTUM = 0.9  # running = 0.9·running + 0.1·(this batch's statistic), the course's β
MAX_PARAMETERS = 100_000_000  # 800 MB of float64 weights, before gradients and optimizer state


@dataclass(frozen=True)
class MLPSpec:
    """A fully connected network in the course's notation.

    ``layers = [n_x, n_1, …, n_L]``; ``hidden`` one activation name per hidden layer (custom
    activations are records from :func:`chainrule.scalar.custom`); ``l2`` the λ of the penalty
    ``(λ/2m) Σ_l ‖W[l]‖²_F``; ``keep_prob`` the inverted-dropout keep probability per hidden layer
    (1 means no dropout); ``batchnorm`` normalises every hidden layer over the batch (the course's
    C2W3: ``Z̃[l] = γ[l] ⊙ (Z[l] − μ[l]) / √(σ²[l] + ε) + β[l]``, no b[l] there: β replaces it).
    """

    layers: tuple[int, ...]
    hidden: tuple[scalar.ElementwiseFn, ...]
    output: str = "sigmoid"
    loss: str = "bce"
    layout: str = "columns"
    l2: float = 0.0
    keep_prob: tuple[float, ...] = ()
    batch: str = "m"
    batchnorm: bool = False

    @property
    def L(self) -> int:  # noqa: N802 - the course's name for the depth
        return len(self.layers) - 1

    @property
    def parameters(self) -> int:
        """Σ_l n[l]·(n[l−1] + 1): the entries of every W[l] and b[l] (with batch norm, a hidden
        layer has W[l], γ[l], β[l]: n[l]·(n[l−1] + 2))."""
        n, extra = self.layers, 2 if self.batchnorm else 1
        return sum(n[l] * (n[l - 1] + (extra if l < self.L else 1)) for l in range(1, len(n)))

    def shapes(self) -> dict[str, tuple[int, int]]:
        """``{"W1": shape, "b1": shape, …}`` in the spec's layout: every array a model file holds.

        With batch norm a hidden layer holds ``W[l]``, ``gamma[l]``, ``beta[l]`` and its running
        statistics ``running_mean[l]``, ``running_var[l]`` (all but W shaped like b[l]).
        """
        cols, n, out = self.layout == "columns", self.layers, {}
        for l in range(1, self.L + 1):
            out[f"W{l}"] = (n[l], n[l - 1]) if cols else (n[l - 1], n[l])
            if self.batchnorm and l < self.L:
                for name in ("gamma", "beta", *RUNNING):
                    out[f"{name}{l}"] = (n[l], 1) if cols else (1, n[l])
            else:
                out[f"b{l}"] = (n[l], 1) if cols else (1, n[l])
        return out

    @property
    def statistics(self) -> tuple[str, ...]:
        """The running statistics (not trained by gradients): ``running_mean1, running_var1, …``."""
        if not self.batchnorm:
            return ()
        return tuple(f"{name}{l}" for l in range(1, self.L) for name in RUNNING)

    @property
    def dropout(self) -> bool:
        return any(k < 1 for k in self.keep_prob)

    @classmethod
    def make(
        cls,
        layers: list[int] | tuple[int, ...],
        hidden: object = "relu",
        output: str = "sigmoid",
        loss: str | None = None,
        layout: str = "columns",
        l2: float = 0.0,
        keep_prob: float | list[float] = 1.0,
        batchnorm: bool = False,
    ) -> MLPSpec:
        """Validate user options and build the spec (clear errors for every mistake)."""
        layers = _layers(layers)
        L = len(layers) - 1
        hidden_fns = _hidden(hidden, L - 1)
        loss = loss or {"sigmoid": "bce", "softmax": "ce"}.get(output, "mse")
        _choice("output", output, OUTPUTS)
        _choice("loss", loss, LOSSES)
        _choice("layout", layout, LAYOUTS)
        if output not in COMPATIBLE[loss]:
            raise SpecError(
                f"loss {loss!r} needs output {' or '.join(COMPATIBLE[loss])}, not {output!r}",
                hint=f"use --output {COMPATIBLE[loss][0]}",
            )
        if loss == "bce" and layers[-1] != 1:
            raise SpecError(
                f"binary cross-entropy needs one output unit, not {layers[-1]}",
                hint="use output='softmax' with loss='ce' for several classes",
            )
        if output == "softmax" and layers[-1] == 1:
            raise SpecError(
                "a softmax over one output unit is always 1: its cost is 0 whatever the data",
                hint="use output='sigmoid' with loss='bce' for two classes, "
                "or one softmax unit per class",
            )
        if isinstance(l2, bool) or not isinstance(l2, int | float) or not 0 <= l2 < math.inf:
            raise SpecError(f"l2 = {l2!r} must be a finite number ≥ 0", hint="e.g. l2=0.7")
        kp = tuple(
            [float(keep_prob)] * (L - 1)
            if not isinstance(keep_prob, list | tuple)
            else map(float, keep_prob)
        )
        if len(kp) != L - 1 or not all(0 < k <= 1 for k in kp):
            raise SpecError(
                f"keep_prob {keep_prob} must be one value in (0, 1] or one per hidden "
                f"layer ({L - 1})"
            )
        _check_batchnorm(batchnorm, L, kp)
        spec = cls(tuple(layers), hidden_fns, output, loss, layout, float(l2), kp, "m", batchnorm)
        _check_size(spec)
        return spec


def _check_batchnorm(batchnorm: object, L: int, keep_prob: tuple[float, ...]) -> None:
    """Batch norm normalises hidden layers over the examples of a batch: it needs one, and is
    kept to the course's combination (no dropout)."""
    if not isinstance(batchnorm, bool):
        raise SpecError(f"batchnorm = {batchnorm!r} must be True or False")
    if not batchnorm:
        return
    if L < 2:
        raise SpecError(
            "batchnorm=True normalises hidden layers, and this network has none",
            hint="add a hidden layer, e.g. [2, 4, 1]",
        )
    if any(k < 1 for k in keep_prob):
        raise SpecError(
            "batchnorm=True with dropout (keep_prob < 1) is not supported",
            hint="use one of the two: batchnorm=True or keep_prob",
        )


def _layers(layers: object) -> list[int]:
    try:
        out = [_whole(n) for n in layers]  # type: ignore[union-attr]
    except (TypeError, ValueError, OverflowError):
        raise SpecError(
            f"layer sizes {layers!r} must be a list of positive integers",
            hint="e.g. [2, 4, 1]: 2 inputs, 4 hidden units, 1 output",
        ) from None
    if len(out) < 2 or min(out) < 1:
        raise SpecError(
            f"layer sizes {out} need at least an input and an output size, all ≥ 1",
            hint="e.g. [2, 4, 1]",
        )
    return out


def _whole(n: object) -> int:
    """``4`` or ``4.0`` → 4; ``2.5``, ``True``, ``"4"`` are refused (int() rounds or parses)."""
    if isinstance(n, bool) or isinstance(n, str) or int(n) != n:  # type: ignore[call-overload]
        raise ValueError(n)
    return int(n)  # type: ignore[call-overload]


def _check_size(spec: MLPSpec) -> None:
    """Refuse, before anything is allocated, a network whose weights alone would not fit."""
    count = spec.parameters
    if count > MAX_PARAMETERS:
        raise SpecError(
            f"layers {list(spec.layers)} need {count:,} parameters "
            f"({count * 8 / 1e9:,.1f} GB as float64), above chainrule's limit of "
            f"{MAX_PARAMETERS:,}",
            hint="use fewer or smaller layers",
        )


def _hidden(hidden: object, n: int) -> tuple[scalar.ElementwiseFn, ...]:
    items = list(hidden) if isinstance(hidden, list | tuple) else [hidden] * n
    if len(items) != n:
        raise SpecError(f"{len(items)} hidden activations given for {n} hidden layers")
    return tuple(h if isinstance(h, scalar.ElementwiseFn) else scalar.lookup(str(h)) for h in items)


def _choice(what: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise SpecError(f"unknown {what} {value!r}", hint=f"choose one of {', '.join(allowed)}")
