"""Optimizers and learning-rate decay, in the course's formulas.

Each optimizer is a small class whose ``update(params, grads)`` applies one step to every
parameter ``P`` (``W1``, ``b1``, …) with its gradient ``dP`` (``dW1``, ``db1``, … as the derived
code names them) and returns **new** arrays: the dict it was given is never modified, so an
interrupted step leaves the last parameters whole. The state (velocities ``v``, squares ``s``,
the step count ``t``) lives on the optimizer, one entry per parameter, created on first use.

The learning rate is ``opt.lr``; a :class:`Decay` or :class:`ScheduledDecay` given as ``decay``
sets it from ``opt.lr0`` once per epoch (``opt.start_epoch(epoch)``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import SpecError

__all__ = [
    "Optimizer",
    "GradientDescent",
    "Momentum",
    "RMSprop",
    "Adam",
    "Decay",
    "ScheduledDecay",
    "OPTIMIZERS",
    "make_optimizer",
]

Arrays = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class Decay:
    """The course's ``update_lr``: ``α = α₀ / (1 + decay_rate · epoch)``."""

    rate: float

    def __post_init__(self) -> None:
        _check_rate(self.rate)

    def __call__(self, lr0: float, epoch: int) -> float:
        return lr0 / (1 + self.rate * epoch)


@dataclass(frozen=True)
class ScheduledDecay:
    """The course's ``schedule_lr_decay``: ``α = α₀ / (1 + decay_rate · ⌊epoch / interval⌋)``."""

    rate: float
    interval: int = 1000

    def __post_init__(self) -> None:
        _check_rate(self.rate)
        if (
            isinstance(self.interval, bool)
            or not isinstance(self.interval, int)
            or self.interval < 1
        ):
            raise SpecError(
                f"decay interval {self.interval!r} must be a whole number ≥ 1",
                hint="e.g. interval=1000 (epochs between decays)",
            )

    def __call__(self, lr0: float, epoch: int) -> float:
        return lr0 / (1 + self.rate * math.floor(epoch / self.interval))


Schedule = Decay | ScheduledDecay


def _check_rate(rate: object) -> None:
    """A negative rate divides by zero at epoch 1/|rate|; NaN and ∞ give no learning rate at all."""
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate < math.inf:
        raise SpecError(f"decay rate {rate!r} must be a finite number ≥ 0", hint="e.g. 0.3")


class Optimizer:
    """Base class: the learning rate, its decay, and the per-parameter state."""

    name = "optimizer"

    def __init__(self, lr: float = 0.01, decay: Schedule | None = None) -> None:
        if not (isinstance(lr, int | float) and math.isfinite(lr) and lr > 0):
            raise SpecError(f"learning rate {lr!r} must be a number > 0", hint="e.g. lr=0.01")
        self.lr0 = self.lr = float(lr)
        self.decay = decay
        self.t = 0  # updates done so far (Adam's bias correction counts them from 1)

    def start_epoch(self, epoch: int) -> None:
        """Set ``lr`` for this epoch from the decay schedule (no decay: ``lr`` stays ``lr0``)."""
        if self.decay is not None:
            self.lr = self.decay(self.lr0, epoch)

    def update(self, params: Arrays, grads: Arrays) -> dict[str, np.ndarray]:
        """One step for every parameter; returns new arrays."""
        self.t += 1
        return {k: self._step(k, P, grads["d" + k]) for k, P in params.items()}

    def _step(self, k: str, P: np.ndarray, dP: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr0})"


class GradientDescent(Optimizer):
    """``P = P − α dP``."""

    name = "gd"

    def _step(self, k: str, P: np.ndarray, dP: np.ndarray) -> np.ndarray:
        return P - self.lr * dP


class Momentum(Optimizer):
    """``v = β v + (1 − β) dP``;  ``P = P − α v``  (v starts at 0)."""

    name = "momentum"

    def __init__(self, lr: float = 0.01, beta: float = 0.9, decay: Schedule | None = None) -> None:
        super().__init__(lr, decay)
        self.beta = beta
        self.v: dict[str, np.ndarray] = {}

    def _step(self, k: str, P: np.ndarray, dP: np.ndarray) -> np.ndarray:
        v = self.beta * self.v.get(k, 0.0) + (1 - self.beta) * dP
        self.v[k] = v
        return P - self.lr * v


class RMSprop(Optimizer):
    """``s = β s + (1 − β) dP²``;  ``P = P − α dP / (√s + ε)``  (s starts at 0)."""

    name = "rmsprop"

    def __init__(
        self,
        lr: float = 0.001,
        beta: float = 0.999,
        epsilon: float = 1e-8,
        decay: Schedule | None = None,
    ) -> None:
        super().__init__(lr, decay)
        self.beta, self.epsilon = beta, epsilon
        self.s: dict[str, np.ndarray] = {}

    def _step(self, k: str, P: np.ndarray, dP: np.ndarray) -> np.ndarray:
        s = self.beta * self.s.get(k, 0.0) + (1 - self.beta) * dP**2
        self.s[k] = s
        return P - self.lr * dP / (np.sqrt(s) + self.epsilon)


class Adam(Optimizer):
    """Adam with bias correction, t counting updates from 1::

    v = β₁ v + (1 − β₁) dP          v̂ = v / (1 − β₁ᵗ)
    s = β₂ s + (1 − β₂) dP²         ŝ = s / (1 − β₂ᵗ)
    P = P − α v̂ / (√ŝ + ε)
    """

    name = "adam"

    def __init__(
        self,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        decay: Schedule | None = None,
    ) -> None:
        super().__init__(lr, decay)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.v: dict[str, np.ndarray] = {}
        self.s: dict[str, np.ndarray] = {}

    def _step(self, k: str, P: np.ndarray, dP: np.ndarray) -> np.ndarray:
        b1, b2 = self.beta1, self.beta2
        v = b1 * self.v.get(k, 0.0) + (1 - b1) * dP
        s = b2 * self.s.get(k, 0.0) + (1 - b2) * dP**2
        self.v[k], self.s[k] = v, s
        v_hat = v / (1 - b1**self.t)
        s_hat = s / (1 - b2**self.t)
        return P - self.lr * v_hat / (np.sqrt(s_hat) + self.epsilon)


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "gd": GradientDescent,
    "momentum": Momentum,
    "rmsprop": RMSprop,
    "adam": Adam,
}


def make_optimizer(
    optimizer: str | Optimizer, lr: float | None = None, decay: Schedule | None = None
) -> Optimizer:
    """An optimizer by name (``gd``, ``momentum``, ``rmsprop``, ``adam``) or the one given."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    key = str(optimizer).lower().replace("_", "").replace("-", "")
    key = {"sgd": "gd", "gradientdescent": "gd"}.get(key, key)
    if key not in OPTIMIZERS:
        raise SpecError(
            f"unknown optimizer {optimizer!r}", hint=f"choose one of {', '.join(OPTIMIZERS)}"
        )
    cls = OPTIMIZERS[key]
    return cls(decay=decay) if lr is None else cls(lr=lr, decay=decay)
