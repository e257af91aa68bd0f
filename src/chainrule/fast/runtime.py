"""Running the fast step: buffers per (batch size, dtype), a gradient function, a trainer.

**Aliasing contract.** :meth:`FastStep.gradients` returns arrays that belong to the step: they are
overwritten by the next call with the same batch size and dtype. Keep them past that call only
with ``copy=True``. A :class:`Trainer` owns its parameters, gradients and optimizer state as flat
arrays (one call updates every parameter); :meth:`Trainer.params` hands out copies.

A :class:`FastStep` reuses its buffers, so one instance must not run in two threads at once.

**dtype.** Buffers take the dtype of ``X`` (float32 stays float32 end to end); parameters must
already have it — a mismatch raises instead of silently casting. Scalars are passed as Python
floats, which NumPy never lets widen an array.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ..codegen import compile_module
from ..errors import EvaluationError
from ..evaluate import bind
from ..ir.shapes import concrete
from .module import FastSpec, fast_spec

__all__ = ["FastStep", "Instance"]

Arrays = Mapping[str, np.ndarray]


@dataclass
class Instance:
    """The step for one (batch size, dtype): the compiled function, its outputs and buffers."""

    step: Callable[..., float | None]
    grads: dict[str, np.ndarray]
    buffers: list[np.ndarray]


class FastStep:
    """``net``'s fast step, printed and compiled once; buffers are allocated per (m, dtype)."""

    def __init__(self, net: object, rescale: bool = True) -> None:
        self.net = net
        self.spec: FastSpec = fast_spec(net, rescale)
        functions = compile_module(self.spec.source, "fast")
        self._build = functions["build"]
        for e in self.spec.plan.forward + self.spec.plan.backward:  # custom activations
            _provide(self._build.__globals__, e.expr)
        self._instances: dict[tuple, Instance] = {}

    @property
    def source(self) -> str:
        return self.spec.source

    def instance(
        self, m: int, dtype: object, grads: dict[str, np.ndarray] | None = None
    ) -> Instance:
        """The step for batch size ``m`` in ``dtype``; with ``grads``, one writing into those."""
        dtype = np.dtype(dtype)
        if grads is None and (m, dtype) in self._instances:
            return self._instances[(m, dtype)]
        shapes = {k: concrete(s, {self.spec.batch: m}) for k, s in self.spec.outputs.items()}
        own = grads is None
        grads = grads if grads is not None else {k: np.empty(s, dtype) for k, s in shapes.items()}
        _check_outputs(grads, shapes, dtype)
        step, buffers = self._build(m, dtype, grads)
        inst = Instance(step, grads, buffers)
        if own:
            self._instances[(m, dtype)] = inst
        return inst

    def arguments(self, params: Arrays, X: np.ndarray, Y: np.ndarray, masks: Arrays | None) -> list:
        """The step's positional inputs, checked: arrays in one dtype, scalars as Python floats."""
        values = self.net.values(params, X, Y, masks)
        values["Y"] = np.ascontiguousarray(values["Y"])  # the cost's vdot would copy it otherwise
        bind(self.net.program.inputs, values)
        dtype = values["X"].dtype
        args = []
        for name in self.spec.inputs:
            v = values.get(name)
            if v is None:
                raise EvaluationError(
                    f"missing {name}", hint="pass every parameter from net.init()"
                )
            if np.ndim(v) == 0:
                args.append(float(v))
            elif v.dtype != dtype:
                raise EvaluationError(
                    f"{name} is {v.dtype} but X is {dtype}",
                    hint=f"pass every array as {dtype} (net.init(dtype=...)), so nothing is cast",
                )
            else:
                args.append(v)
        return args

    def gradients(
        self,
        params: Arrays,
        X: np.ndarray,
        Y: np.ndarray,
        masks: Arrays | None = None,
        *,
        scale: float = 1.0,
        cost: bool = False,
        copy: bool = False,
    ) -> dict[str, np.ndarray]:
        """``{"dW1": …, "db1": …}`` (times ``scale``), plus ``"J"`` when ``cost``.

        The arrays are the step's own and valid until its next call (see the module docstring).
        """
        args = self.arguments(params, X, Y, masks)
        m = np.shape(args[self.spec.inputs.index("X")])[self.spec.batch_axis]
        inst = self.instance(m, args[self.spec.inputs.index("X")].dtype)
        J = inst.step(*args, float(scale), cost)
        out = {k: (v.copy() if copy else v) for k, v in inst.grads.items()}
        if cost:
            out["J"] = J
        return out

    def gradient_fn(self, copy: bool = False) -> Callable[..., dict[str, np.ndarray]]:
        """``(params, X, Y, masks) -> {"J", "dW1", "db1", …}``: what ``cr.fit`` plugs in."""

        def fn(params: Arrays, X: np.ndarray, Y: np.ndarray, masks: Arrays | None = None) -> dict:
            return self.gradients(params, X, Y, masks, cost=True, copy=copy)

        return fn


def _check_outputs(grads: dict, shapes: dict, dtype: np.dtype) -> None:
    for k, shape in shapes.items():
        g = grads.get(k)
        if g is None or g.shape != shape or g.dtype != dtype or not g.flags.c_contiguous:
            raise EvaluationError(
                f"output array for {k} must be C-contiguous {dtype} of shape {shape}",
                hint="let the step allocate it (grads=None)",
            )


def _provide(namespace: dict, e: object) -> None:
    """Custom activations printed by name in a fallback line get their NumPy callable."""
    from ..ir.expr import walk

    for n in walk(e):
        f = n.attrs[0] if n.op == "fn" else None
        if f is not None and f.helper is None and f.np_src.startswith(f"{f.name}("):
            namespace.setdefault(f.name, f.numpy)
