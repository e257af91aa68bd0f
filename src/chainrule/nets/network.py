"""``cr.mlp(...)``: a network you can derive, explain, evaluate and train.

A :class:`Network` is a spec plus what is computed from it once and cached: the program, its
derivation in each convention, and the NumPy module printed from that derivation. ``cost`` and
``gradients`` call the printed code — the formulas you read are the formulas that run.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

import numpy as np

from ..algebra.stable import stable_program
from ..autodiff import Derivation, Program, backprop
from ..autodiff.compact import compact
from ..codegen import compile_module
from ..display import RichDisplay
from ..errors import EvaluationError, ShapeError, SpecError
from ..evaluate import as_array, bind
from ..ir.shapes import fmt_shape
from ..printers.numpy_module import module_source
from .init import initialize
from .mlp import build_program
from .spec import BN_EPS, MLPSpec

__all__ = ["Network", "mlp"]

_QUANTITY = ("dW", "db", "dZ", "dA", "dgamma")  # db also names dbeta


class Network(RichDisplay):
    """A fully connected network in the course's notation (see :class:`MLPSpec`)."""

    def __init__(self, spec: MLPSpec) -> None:
        self.spec = spec
        self._derivations: dict[str, Derivation] = {}
        self._modules: dict[str, dict] = {}

    # -- the mathematics ----------------------------------------------------------------------
    @cached_property
    def program(self) -> Program:
        """The forward pass as named equations ``Z[l]``, ``A[l]``, ``L``, ``J``."""
        return build_program(self.spec)

    @cached_property
    def test_program(self) -> Program:
        """With batch norm, the forward pass at test time: μ[l], σ²[l] are the running
        statistics (inputs); without, the program itself."""
        return build_program(self.spec, test_mode=True) if self.spec.batchnorm else self.program

    def derive(self, convention: str = "course") -> Derivation:
        """The backward pass: dZ, dA per example (course) or of J (exact); dW, db of J. With batch
        norm, dZ[l] is written in its compact form (:mod:`chainrule.autodiff.compact`)."""
        if convention not in ("course", "exact"):
            raise SpecError(f"unknown convention {convention!r}", hint="use 'course' or 'exact'")
        if convention not in self._derivations:
            d = backprop(self.program, convention)
            self._derivations[convention] = compact(d) if self.spec.batchnorm else d
        return self._derivations[convention]

    @property
    def L(self) -> int:  # noqa: N802 - the course's name
        return self.spec.L

    @property
    def masks(self) -> tuple[str, ...]:
        """The dropout-mask inputs ``D1, D2, …`` (layers with keep_prob < 1)."""
        return tuple(self.program.meta.get("masks", ()))

    def quantities(self, convention: str = "course") -> list[str]:
        """The gradient names a learner asks about: ``dZ2, dW2, db2, dA1, dZ1, …``."""
        return [s.target for s in self.derive(convention) if s.target.startswith(_QUANTITY)]

    # -- code ---------------------------------------------------------------------------------
    def source(self, convention: str = "course") -> str:
        """The NumPy module printed from the derivation (what ``cost``/``gradients`` run)."""
        title = f"network {self.describe()}"
        return module_source(stable_program(self.program), self.derive(convention), title)

    def _module(self, convention: str) -> dict:
        if convention not in self._modules:
            if convention == "test":  # batch norm at test time: the forward pass alone
                source = module_source(stable_program(self.test_program), None, "test pass")
            else:
                source = self.source(convention)
            self._modules[convention] = compile_module(source, "mlp")
        return self._modules[convention]

    def describe(self) -> str:
        s = self.spec
        hidden = ",".join(h.name for h in s.hidden) or "-"
        norm = ", batch norm" if s.batchnorm else ""
        return f"{'-'.join(map(str, s.layers))} ({hidden} → {s.output}, {s.loss}{norm})"

    # -- numbers ------------------------------------------------------------------------------
    def init(
        self,
        seed: int | None = None,
        method: str = "default",
        scale: float = 0.01,
        dtype: type = np.float64,
    ) -> dict[str, np.ndarray]:
        """Seeded parameters ``{"W1", "b1", …}`` (see :func:`chainrule.nets.init.initialize`).

        ``seed=None`` is 0, or the course's 2 for ``method="course"``.
        """
        return initialize(self.spec, seed, method, scale, dtype)

    def values(
        self,
        params: Mapping[str, np.ndarray],
        X: np.ndarray,
        Y: np.ndarray | None = None,
        masks: Mapping[str, np.ndarray] | None = None,
        test_mode: bool = False,
    ) -> dict[str, np.ndarray]:
        """Every input the program takes: parameters, data, λ, ε, dropout masks (none by
        default); ``test_mode`` keeps the running statistics batch norm reads at test time."""
        X = as_array("X", X)
        dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)
        skip = () if test_mode else self.spec.statistics  # what the training pass does not read
        values = {k: as_array(k, v) for k, v in params.items() if k not in skip}
        values["X"] = X.astype(dtype, copy=False)
        if Y is not None:
            values["Y"] = as_array("Y", Y).astype(dtype, copy=False)
        m = X.shape[1 if self.spec.layout == "columns" else 0]
        for v in (self.test_program if test_mode else self.program).inputs:
            if v.name == "eps":
                values["eps"] = dtype.type(BN_EPS)
            elif v.name == "lambd":
                values["lambd"] = dtype.type(self.spec.l2)
            elif v.name.startswith("keep_prob"):
                layer = int(v.name.removeprefix("keep_prob"))
                values[v.name] = self.spec.keep_prob[layer - 1] if masks else 1.0
            elif v.name in self.masks and v.name not in values:
                values[v.name] = self._mask(v, m, dtype, masks)
        return values

    @staticmethod
    def _mask(v: object, m: int, dtype: np.dtype, masks: Mapping | None) -> np.ndarray:
        """The given dropout mask, or ones of the full shape (so m read from D[l] is X's m)."""
        mask = (masks or {}).get(v.name)
        if mask is not None:
            return mask
        return np.ones(tuple(m if isinstance(d, str) else d for d in v.shape), dtype=dtype)

    def _call(self, fn: str, values: dict, convention: str = "course") -> dict[str, np.ndarray]:
        program = self.test_program if convention == "test" else self.program
        bind(program.inputs, values)
        missing = [v.name for v in program.inputs if v.name not in values]
        if missing:
            raise EvaluationError(
                f"missing {', '.join(missing)}", hint="pass every parameter from net.init()"
            )
        return self._module(convention)[fn](**values)

    def forward(
        self,
        params: Mapping[str, np.ndarray],
        X: np.ndarray,
        Y: np.ndarray,
        masks: Mapping[str, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """Every named forward quantity (``Z1``, ``A1``, …, ``L``, ``J``)."""
        return self._call("forward", self.values(params, X, Y, masks))

    def cost(self, params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
        """The cost J (with the L2 penalty if the network has one)."""
        return float(self.forward(params, X, Y)["J"])

    def step(
        self,
        params: Mapping[str, np.ndarray],
        X: np.ndarray,
        Y: np.ndarray,
        masks: Mapping[str, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """One call of the derived ``gradients()``: J, the forward quantities and every gradient.

        What training runs each iteration (the cost comes from the same pass as the gradients).
        """
        return self._call("gradients", self.values(params, X, Y, masks))

    def gradients(
        self,
        params: Mapping[str, np.ndarray],
        X: np.ndarray,
        Y: np.ndarray,
        convention: str = "course",
        masks: Mapping[str, np.ndarray] | None = None,
        *,
        every: bool = False,
    ) -> dict[str, np.ndarray]:
        """The ``dW``, ``db``, ``dZ``, ``dA`` the updates need, computed by the derived formulas
        (the printed ``gradients()``); ``every=True`` adds the steps no update reads, ``dA[L]``
        (the printed ``backward()``) — infinite where the output saturates, as ∂L/∂A[L] is."""
        module = self._module(convention)
        fn = "backward" if every and "backward" in module else "gradients"
        out = self._call(fn, self.values(params, X, Y, masks), convention)
        return {k: v for k, v in out.items() if k.startswith(_QUANTITY)}

    def probabilities(self, params: Mapping[str, np.ndarray], X: np.ndarray) -> np.ndarray:
        """The output activation A[L] (no dropout; batch norm with its running statistics)."""
        n_out = self.spec.layers[-1]
        cols = self.spec.layout == "columns"
        m = np.shape(X)[1 if cols else 0]
        Y0 = np.zeros((n_out, m) if cols else (m, n_out))
        if self.spec.batchnorm:
            values = self.values(params, X, Y0, test_mode=True)
            return self._call("forward", values, "test")[f"A{self.L}"]
        return self.forward(params, X, Y0)[f"A{self.L}"]

    def predict(self, params: Mapping[str, np.ndarray], X: np.ndarray) -> np.ndarray:
        """Labels: A[L] > 0.5 for sigmoid, the arg-max class for softmax, A[L] itself otherwise."""
        A = self.probabilities(params, X)
        axis = 0 if self.spec.layout == "columns" else 1
        if self.spec.output == "sigmoid":
            return (A > 0.5).astype(np.int64)
        if self.spec.output == "softmax":
            return np.argmax(A, axis=axis)
        return A

    def accuracy(self, params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
        """Percentage of examples classified correctly."""
        pred = self.predict(params, X)
        Y = np.asarray(Y)
        if self.spec.output == "softmax":
            axis = 0 if self.spec.layout == "columns" else 1
            truth = (
                np.argmax(Y, axis=axis)
                if Y.shape == np.shape(self.probabilities(params, X))
                else Y.ravel()
            )
        else:
            truth = Y
        if np.size(pred) != np.size(truth):
            raise ShapeError(
                f"labels of shape {fmt_shape(np.shape(Y))} do not match {np.size(pred)} predictions"
            )
        return float(100.0 * np.mean(pred.ravel() == np.asarray(truth).ravel()))

    def __repr__(self) -> str:
        return f"<chainrule network {self.describe()}>"


def mlp(
    layers: list[int] | tuple[int, ...],
    hidden: object = "relu",
    output: str = "sigmoid",
    loss: str | None = None,
    layout: str = "columns",
    l2: float = 0.0,
    keep_prob: float | list[float] = 1.0,
    batchnorm: bool = False,
) -> Network:
    """A network: ``cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")``.

    ``hidden`` is one activation for every hidden layer or a list with one per layer; ``output`` is
    ``sigmoid``, ``softmax``, ``linear``, ``tanh`` or ``relu``; ``loss`` is ``bce``, ``ce`` or
    ``mse`` (default: the one that pairs with the output). ``batchnorm=True`` normalises every
    hidden layer over the batch (γ[l], β[l] trained, running statistics for prediction).
    """
    spec = MLPSpec.make(layers, hidden, output, loss, layout, l2, keep_prob, batchnorm)
    return Network(spec)
