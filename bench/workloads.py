"""The three benchmark workloads: their specs, seeded data/initial parameters, matmul inventory.

Every implementation builds its step from the same :class:`Problem` (course layout: examples
as columns, ``W{l}`` of shape ``(n_l, n_{l-1})``, ``b{l}`` of shape ``(n_l, 1)``), so they all
start from identical parameters and data and can be checked against one another.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ADAM = {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}


@dataclass(frozen=True)
class Spec:
    """Static description of one workload."""

    key: str
    title: str
    layers: tuple[int, ...]
    m: int  # examples in the data set
    batch: int | None  # mini-batch size; None means full batch
    hidden: str  # "tanh" | "relu"
    output: str  # "sigmoid" (+ binary cross-entropy) | "softmax" (+ categorical CE)
    optimizer: str  # "gd" | "adam"
    lr: float
    init: str  # "small" (randn * 0.01, as the planar notebook) | "he"

    @property
    def step_batch(self) -> int:
        """Examples seen by one training step."""
        return self.batch or self.m

    @property
    def n_batches(self) -> int:
        """Full mini-batches per epoch (the last partial batch is dropped)."""
        return self.m // self.step_batch


SPECS = {
    "a": Spec("a", "planar 2-4-1, tanh/sigmoid, BCE, GD lr 1.2, m=400 full batch",
              (2, 4, 1), 400, None, "tanh", "sigmoid", "gd", 1.2, "small"),
    "b": Spec("b", "[12288, 20, 7, 5, 1], relu/sigmoid, BCE, GD lr 0.0075, m=209 full batch",
              (12288, 20, 7, 5, 1), 209, None, "relu", "sigmoid", "gd", 0.0075, "he"),
    "c": Spec("c", "784-256-128-10, relu/softmax, CCE, Adam lr 1e-3, batches of 256 from 60000",
              (784, 256, 128, 10), 60000, 256, "relu", "softmax", "adam", 1e-3, "he"),
}  # fmt: skip

StepFn = Callable[[], object]


@dataclass
class Problem:
    """Seeded data and initial parameters for one workload in one dtype."""

    spec: Spec
    dtype: np.dtype
    params: dict[str, np.ndarray]
    X: np.ndarray  # (n_0, m)
    Y: np.ndarray  # (n_L, m)

    def fresh_params(self) -> dict[str, np.ndarray]:
        """A private copy of the initial parameters (implementations mutate theirs)."""
        return {k: v.copy() for k, v in self.params.items()}


@dataclass
class Trainer:
    """What a reference builder returns: the timed ``step`` plus a way to read parameters back.

    ``step()`` runs one training step (forward, cost, backward, update) and returns the cost;
    ``params()`` returns the current parameters as NumPy arrays in course layout.
    """

    step: StepFn
    params: Callable[[], dict[str, np.ndarray]]


def _init_params(spec: Spec, rng: np.random.Generator) -> dict[str, np.ndarray]:
    params = {}
    for l in range(1, len(spec.layers)):
        n, n_prev = spec.layers[l], spec.layers[l - 1]
        scale = 0.01 if spec.init == "small" else np.sqrt(2.0 / n_prev)
        params[f"W{l}"] = rng.standard_normal((n, n_prev)) * scale
        params[f"b{l}"] = np.zeros((n, 1))
    return params


def _make_data(spec: Spec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n0, nL = spec.layers[0], spec.layers[-1]
    if spec.key == "a":
        X = rng.standard_normal((n0, spec.m))
    else:  # pixel-like inputs in [0, 1)
        X = rng.random((n0, spec.m))
    if spec.output == "sigmoid":
        Y = (rng.random((nL, spec.m)) > 0.5).astype(np.float64)
    else:
        Y = np.eye(nL)[:, rng.integers(0, nL, spec.m)]
    return X, Y


@functools.lru_cache(maxsize=1)
def _cached_problem(key: str, dtype: np.dtype, seed: int) -> Problem:
    return _build_problem(key, dtype, seed)


def make_problem(key: str, dtype, seed: int = 0) -> Problem:
    """Workload ``key`` in ``dtype`` (float32 data is the rounded float64 data).

    The last problem is cached, so the harness and a plug-in building the same workload share
    its (up to 376 MB) data: treat ``X``, ``Y`` and ``params`` as read-only and take
    :meth:`Problem.fresh_params` for parameters to train.
    """
    return _cached_problem(key, np.dtype(dtype), seed)


def _build_problem(key: str, dtype: np.dtype, seed: int) -> Problem:
    spec = SPECS[key]
    rng = np.random.default_rng([seed, ord(key)])
    params = _init_params(spec, rng)
    X, Y = _make_data(spec, rng)
    params = {k: _read_only(v, dtype) for k, v in params.items()}
    return Problem(spec, dtype, params, _read_only(X, dtype), _read_only(Y, dtype))


def _read_only(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype)
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class MatMul:
    """One matrix product in a training step, as the NumPy course code writes it."""

    label: str
    a_shape: tuple[int, int]  # shape of the left operand as stored
    b_shape: tuple[int, int]
    trans_a: bool = False  # left operand used as ``a.T`` (a transposed view)
    trans_b: bool = False

    @property
    def out_shape(self) -> tuple[int, int]:
        """Shape of the product."""
        rows = self.a_shape[1] if self.trans_a else self.a_shape[0]
        cols = self.b_shape[0] if self.trans_b else self.b_shape[1]
        return rows, cols

    @property
    def inner(self) -> int:
        """Contraction length."""
        return self.a_shape[0] if self.trans_a else self.a_shape[1]

    @property
    def flops(self) -> int:
        """2 * m * n * k."""
        rows, cols = self.out_shape
        return 2 * rows * cols * self.inner

    def describe(self) -> str:
        """Short text such as ``(20,12288)@(12288,209)`` (with ``.T`` on transposed views)."""
        a = f"({self.a_shape[1]},{self.a_shape[0]})ᵀ" if self.trans_a else str(self.a_shape)
        b = f"({self.b_shape[1]},{self.b_shape[0]})ᵀ" if self.trans_b else str(self.b_shape)
        return f"{a}@{b}".replace(" ", "")


def matmuls(key: str) -> list[MatMul]:
    """All matrix products of one step (forward, then backward; no dA0 = W1.T @ dZ1)."""
    spec = SPECS[key]
    L, m, n = len(spec.layers) - 1, spec.step_batch, spec.layers
    ops = [
        MatMul(f"Z{l} = W{l} A{l - 1}", (n[l], n[l - 1]), (n[l - 1], m)) for l in range(1, L + 1)
    ]
    for l in range(L, 0, -1):
        ops.append(MatMul(f"dW{l} = dZ{l} A{l - 1}ᵀ", (n[l], m), (n[l - 1], m), trans_b=True))
        if l > 1:
            ops.append(
                MatMul(f"dA{l - 1} = W{l}ᵀ dZ{l}", (n[l], n[l - 1]), (n[l], m), trans_a=True)
            )
    return ops


def step_flops(key: str) -> int:
    """Total matmul flops of one training step."""
    return sum(op.flops for op in matmuls(key))
