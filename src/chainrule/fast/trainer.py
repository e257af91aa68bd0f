"""A training loop around the fast step, with the parameter update fused in.

All parameters live in one flat array ``theta`` (``W1``, ``b1``, … are C-contiguous views into it),
and so do their gradients, so the update is a handful of NumPy calls over one vector whatever the
depth:

* **gradient descent** asks the step for ``lr·∂J/∂θ`` (the learning rate rides on the seed, see
  :mod:`chainrule.fast.plan`), then ``θ −= g``: one call;
* **Adam** asks for ``g′ = (1 − β1)·∂J/∂θ`` and keeps ``s′ = s·(1 − β1)²/(1 − β2)``, so that
  ``v = β1 v + g′`` and ``s′ = β2 s′ + g′²``; the bias corrections and ε fold into two scalars of
  ``θ −= α v / (√s′ + ε′)``: ten calls in all, the same values as the textbook update.

Full-batch data is used in place; a mini-batch is copied into buffers allocated once, in the
reference's order: batch ``k = t mod (m // B)``.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import SpecError
from ..nets.spec import BN_EPS
from ..train.optimizers import Adam, GradientDescent
from .runtime import Arrays, FastStep

__all__ = ["GD", "Adam", "Trainer"]

GD = GradientDescent  # one optimizer family: cr.fast.Adam is cr.Adam, and GD is GradientDescent


class Trainer:
    """Parameters, gradients and optimizer state as flat arrays; each call is one training step.

    ``X`` and ``Y`` are the whole data set (the network's layout); ``batch_size=None`` trains on
    all of it every step, otherwise step ``t`` uses batch ``t mod (m // batch_size)`` (shuffle the
    data beforehand). Calling the trainer returns the cost before the update.
    """

    def __init__(
        self,
        fast: FastStep,
        params: Arrays,
        X: np.ndarray,
        Y: np.ndarray,
        optimizer: GradientDescent | Adam | None = None,
        batch_size: int | None = None,
    ) -> None:
        net = fast.net
        optimizer = GradientDescent() if optimizer is None else optimizer
        if net.spec.dropout:
            raise SpecError("the fast trainer has no dropout masks", hint="use cr.fit")
        if type(optimizer) not in (GradientDescent, Adam) or optimizer.decay is not None:
            raise SpecError(
                f"the fast trainer fuses gradient descent and Adam (no decay), not {optimizer!r}",
                hint="use cr.fit(net, X, Y, optimizer, gradient_fn=cr.fast.gradient_fn(net))",
            )
        self.fast, self.optimizer, self.t = fast, optimizer, 0
        dtype = np.asarray(X).dtype
        self.dtype = dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)
        self.names = list(net.program.params)
        self.theta, self.views = _flat({k: params[k] for k in self.names}, self.dtype)
        self.grad, gviews = _flat({k: params[k] for k in self.names}, self.dtype)
        self.data = _Batches(X, Y, batch_size, fast.spec.batch_axis, self.dtype)
        inst = fast.instance(self.data.m, self.dtype, {f"d{k}": gviews[k] for k in self.names})
        self.buffers = inst.buffers
        env = {**self.views, "lambd": float(net.spec.l2), "eps": float(BN_EPS)}  # ε: batch norm
        env.update(X=self.data.X, Y=self.data.Y)
        self.args = [env[k] for k in fast.spec.inputs]
        fused = _gd if isinstance(optimizer, GradientDescent) else _adam
        self.step = fused(self, inst.step)
        self.step.params = self.params  # what the benchmark's reference check reads

    def __call__(self) -> float:
        """One training step; the cost before the update."""
        return self.step()

    def params(self) -> dict[str, np.ndarray]:
        """A copy of the current parameters ``{"W1": …, "b1": …}``."""
        return {k: v.copy() for k, v in self.views.items()}


def _flat(params: Arrays, dtype: np.dtype) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One flat array holding copies of ``params``, and C-contiguous views of it by name."""
    sizes = [np.size(p) for p in params.values()]
    flat = np.empty(sum(sizes), dtype)
    views, start = {}, 0
    for (k, p), n in zip(params.items(), sizes, strict=True):
        views[k] = flat[start : start + n].reshape(np.shape(p))
        views[k][...] = p
        start += n
    return flat, views


class _Batches:
    """The data a step reads: the whole set, or batch ``k`` copied into buffers allocated once.

    A contiguous copy of a batch (about 30 µs for 256 MNIST columns) costs less than what BLAS
    loses reading a strided view of the full array; the full set is used in place when contiguous.
    """

    def __init__(self, X: np.ndarray, Y: np.ndarray, B: int | None, axis: int, dtype: object):
        X, Y = np.asarray(X, dtype), np.asarray(Y, dtype)
        total = X.shape[axis]
        self.m = B or total
        self.count = total // self.m
        if self.count == 1:
            self.X = X if X.flags.c_contiguous or X.flags.f_contiguous else np.ascontiguousarray(X)
            self.Y, self.sources = np.ascontiguousarray(Y), []
            return
        cut = [slice(k * self.m, (k + 1) * self.m) for k in range(self.count)]
        pick = (lambda a, s: a[:, s]) if axis == 1 else (lambda a, s: a[s])
        self.sources = [(pick(X, s), pick(Y, s)) for s in cut]  # views, no copies
        self.X = np.empty(self.sources[0][0].shape, dtype)
        self.Y = np.empty(self.sources[0][1].shape, dtype)

    def load(self, k: int) -> None:
        """Copy batch ``k`` into the buffers the step reads (nothing to do for full batch)."""
        if self.sources:
            x, y = self.sources[k]
            np.copyto(self.X, x)
            np.copyto(self.Y, y)


def _gd(tr: Trainer, step: object) -> object:
    theta, grad, lr, args, data = tr.theta, tr.grad, float(tr.optimizer.lr0), tr.args, tr.data

    def gd_step() -> float:
        data.load(tr.t % data.count)
        tr.t += 1
        J = step(*args, lr, True)  # grad = lr·∂J/∂θ
        np.subtract(theta, grad, out=theta)
        return J

    return gd_step


def _adam(tr: Trainer, step: object) -> object:
    o = tr.optimizer
    b1, b2, eps, lr = float(o.beta1), float(o.beta2), float(o.epsilon), float(o.lr0)
    theta, args, data = tr.theta, tr.args, tr.data
    state = (theta, tr.grad, np.zeros_like(theta), np.zeros_like(theta), np.empty_like(theta))

    def adam_step() -> float:
        data.load(tr.t % data.count)
        tr.t += 1
        J = step(*args, 1.0 - b1, True)  # g = (1 − β1)·∂J/∂θ
        c1, c2 = 1.0 - b1**tr.t, 1.0 - b2**tr.t
        kappa = math.sqrt((1.0 - b2) / c2) / (1.0 - b1)  # √(s/c2) = κ √s′
        _adam_update(*state, b1, b2, eps / kappa, lr / (c1 * kappa))
        return J

    return adam_step


def _adam_update(theta, g, v, s, tmp, b1: float, b2: float, shift: float, rate: float) -> None:
    """``v = β1 v + g′``, ``s′ = β2 s′ + g′²``, ``θ −= rate · v / (√s′ + shift)``, in place."""
    np.multiply(v, b1, out=v)
    np.add(v, g, out=v)
    np.multiply(g, g, out=tmp)
    np.multiply(s, b2, out=s)
    np.add(s, tmp, out=s)
    np.sqrt(s, out=tmp)
    np.add(tmp, shift, out=tmp)
    np.divide(v, tmp, out=tmp)
    np.multiply(tmp, rate, out=tmp)
    np.subtract(theta, tmp, out=theta)
