"""A :class:`~chainrule.nets.model.Model` as something :func:`chainrule.fit` trains.

A model's inputs split three ways: the **data** (``X``, ``Y`` by default — the arrays ``fit`` cuts
into batches along the axis of the batch dimension), the **parameters** (the ``wrt`` inputs that
are not data, updated by the optimizer with the derived ``d<name>``), and the constants. Any other
input would have no value during training, so it is refused when the trainer is made. Each step
runs the model's printed ``gradients()`` (the formula you read is the formula that runs) and the
cost is the model's last statement.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import DataError, ShapeError, SpecError
from ..ir.shapes import concrete, fmt_shape
from .model import Model

__all__ = ["ModelTrainer", "trainer", "INITS"]

INITS = ("default", "normal", "zeros")


@dataclass(frozen=True)
class ModelTrainer:
    """``model`` trained on ``data`` = (X name, Y name) along ``batch_axis``; ``params`` are the
    ``wrt`` inputs that are not data; ``dims`` binds the parameters' symbolic sizes."""

    model: Model
    data: tuple[str, str]
    params: tuple[str, ...]
    batch_axis: int
    dims: Mapping[str, int]

    @property
    def weights(self) -> tuple[str, ...]:
        """Parameters whose gradient norms ``fit`` records: those of rank ≥ 2."""
        return tuple(p for p in self.params if len(self.model.declared[p]) >= 2)

    def describe(self) -> str:
        return f"{self.model.describe()}, trained on {self.data[0]}, {self.data[1]}"

    def shape(self, name: str) -> tuple[int, ...]:
        return concrete(self.model.declared[name], self.dims)

    def init(
        self, seed: int | None = 0, method: str = "default", scale: float = 0.01, dtype=np.float64
    ) -> dict[str, np.ndarray]:
        """Every parameter ~ N(0, scale²) (``"default"``/``"normal"``) or 0 (``"zeros"``); give
        ``fit(..., params=…)`` for any other start (batch norm's γ = 1, say)."""
        if method not in INITS:
            raise SpecError(
                f"a model's parameters are initialized with {' or '.join(INITS)}, not {method!r}",
                hint="or pass your own starting values: fit(model, X, Y, params={...})",
            )
        rng = np.random.default_rng(seed)
        out = {}
        for p in self.params:
            shape = self.shape(p)
            draw = np.zeros(shape) if method == "zeros" else rng.standard_normal(shape) * scale
            out[p] = draw.astype(dtype)
        return out

    def _values(self, params: Mapping, X: np.ndarray, Y: np.ndarray) -> dict:
        return {**{p: params[p] for p in self.params}, self.data[0]: X, self.data[1]: Y}

    def forward(self, params: Mapping, X: np.ndarray, Y: np.ndarray, masks: object = None) -> dict:
        out = self.model.forward(self._values(params, X, Y))
        return {**out, "J": out[self.model.program.output]}

    def step(self, params: Mapping, X: np.ndarray, Y: np.ndarray, masks: object = None) -> dict:
        """The cost ``J`` and ``d<param>`` for every parameter, from the printed ``gradients()``."""
        J, grads = self.model.cost_and_gradients(self._values(params, X, Y))
        return {**grads, "J": J}

    def check_data(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """X and Y as float arrays of the declared ranks, with as many examples as each other."""
        arrays = []
        for name, a in zip(self.data, (X, Y), strict=True):
            a = np.asarray(a)
            a = a if a.dtype == np.float32 else a.astype(np.float64)  # float32 stays float32
            want = self.model.declared[name]
            if a.ndim != len(want):
                raise DataError(
                    f"{name} has shape {a.shape}, but the model declares {name} {fmt_shape(want)}",
                    hint=f"give {name} with {len(want)} axes",
                )
            if not np.isfinite(a).all():
                raise DataError(f"{name} holds NaN or infinite values")
            arrays.append(a)
        X, Y = arrays
        if X.shape[self.batch_axis] != Y.shape[self.batch_axis]:
            raise DataError(
                f"{self.data[0]} has {X.shape[self.batch_axis]} examples along axis "
                f"{self.batch_axis} but {self.data[1]} has {Y.shape[self.batch_axis]}"
            )
        return X, Y


def trainer(
    model: Model,
    data: tuple[str, str] = ("X", "Y"),
    dims: Mapping[str, int] | None = None,
) -> ModelTrainer:
    """``model`` as a trainable: ``data`` names its X and Y inputs, the batch dimension is the
    model's ``batch`` (default ``"m"``), ``dims`` sizes any symbolic dimension of a parameter."""
    inputs = {v.name for v in model.program.inputs}
    for d in data:
        if d not in inputs:
            raise SpecError(
                f"the model has no input {d!r} to train on",
                hint=f"name its data inputs: data=(X, Y) among {', '.join(sorted(inputs))}",
            )
    params = tuple(w for w in model.wrt if w not in data)
    if not params:
        raise SpecError("the model has no parameter to train: every wrt input is data")
    idle = sorted(inputs - set(data) - set(params) - set(model.constants))
    if idle:
        raise SpecError(
            f"the model's input {idle[0]!r} is neither data nor a parameter, so it would have no "
            "value during training",
            hint=f"add it to wrt to train it, or make it a constant (constants={{{idle[0]!r}: …}})",
        )
    batch = model.batch or "m"
    axes = [k for k, d in enumerate(model.declared[data[0]]) if d == batch]
    if len(axes) != 1 or axes[0] not in (0, 1) or batch not in model.declared[data[1]]:
        raise ShapeError(
            f"cannot tell which axis counts examples: {data[0]} is "
            f"{fmt_shape(model.declared[data[0]])} and {data[1]} is "
            f"{fmt_shape(model.declared[data[1]])}",
            hint=f"declare the examples' dimension {batch!r} as axis 0 or 1 of both",
        )
    axis = axes[0]
    if model.declared[data[1]].index(batch) != axis:
        raise ShapeError(f"{data[0]} and {data[1]} must count examples along the same axis")
    dims = dict(dims or {})
    for p in params:
        missing = [d for d in model.declared[p] if isinstance(d, str) and d not in dims]
        if missing:
            raise SpecError(
                f"parameter {p} {fmt_shape(model.declared[p])} has no size for {missing[0]!r}",
                hint=f"give it: trainer(..., dims={{{missing[0]!r}: …}}) or declare it as a number",
            )
        if math.prod(concrete(model.declared[p], dims)) == 0:
            raise SpecError(f"parameter {p} has no entries")
    return ModelTrainer(model, tuple(data), params, axis, dims)
