"""What a training run leaves behind: costs, timings, gradient norms and the final parameters.

A :class:`History` is plain data. ``costs[i]`` is the cost J at step ``steps[i]``, computed by the
forward pass of that step, *before* its update (as the course prints it); a step is an iteration
(one update) or, when training by epochs, an epoch (the mean cost over its mini-batches, weighted
by their sizes). ``grad_norms["dW1"][j]`` is ‖dW[1]‖_F at iteration ``norm_steps[j]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["History"]


@dataclass
class History:
    """The record of one :func:`chainrule.fit` run."""

    unit: str = "iteration"  # or "epoch": what ``steps`` count
    steps: list[int] = field(default_factory=list)
    costs: list[float] = field(default_factory=list)
    norm_steps: list[int] = field(default_factory=list)
    grad_norms: dict[str, list[float]] = field(default_factory=dict)
    params: dict[str, np.ndarray] = field(default_factory=dict)
    optimizer: str = "gd"
    lr: float = 0.0
    batch_size: int | None = None
    seed: int = 0
    updates: int = 0  # parameter updates done
    seconds: float = 0.0  # wall-clock time of the training loop
    interrupted: bool = False  # stopped by Ctrl-C; ``params`` are the last complete ones

    @property
    def cost(self) -> float:
        """The last recorded cost (NaN before any step)."""
        return self.costs[-1] if self.costs else float("nan")

    @property
    def updates_per_second(self) -> float:
        return self.updates / self.seconds if self.seconds > 0 else float("nan")

    def every(self, n: int) -> list[tuple[int, float]]:
        """``(step, cost)`` at steps 0, n, 2n, … — the course's "Cost after iteration i" lines."""
        return [(s, c) for s, c in zip(self.steps, self.costs, strict=True) if s % n == 0]

    def to_dict(self, params: bool = False) -> dict:
        """JSON-ready: costs, gradient norms, timings (and the parameters as lists if asked)."""
        out = {
            "unit": self.unit,
            "steps": self.steps,
            "costs": self.costs,
            "final_cost": self.cost,
            "norm_steps": self.norm_steps,
            "grad_norms": self.grad_norms,
            "optimizer": self.optimizer,
            "lr": self.lr,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "updates": self.updates,
            "seconds": self.seconds,
            "updates_per_second": self.updates_per_second,
            "interrupted": self.interrupted,
        }
        if params:
            out["params"] = {k: v.tolist() for k, v in self.params.items()}
        return out

    def __repr__(self) -> str:
        state = ", interrupted" if self.interrupted else ""
        return (
            f"<History {len(self.costs)} {self.unit}s, cost {self.cost:.6f}, "
            f"{self.updates} updates in {self.seconds:.2f}s ({self.optimizer}{state})>"
        )
