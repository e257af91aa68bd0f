"""``cr.fit``: train a network with the NumPy code printed from its own derivation.

What is trained is a :class:`~chainrule.nets.Network` or any object with the same training interface
(:class:`Trainable`: ``init``, ``step``, ``forward``, ``check_data``, ``batch_axis``, ``weights``),
such as the CNN of :func:`chainrule.cnn`, whose ``step`` runs the code printed from its model.

Every step calls one *gradient function* ``(params, X, Y, masks) -> {"J", "dW1", "db1", …}``. The
default is :meth:`Network.step`, which runs the derived ``gradients()`` shown by ``net.source()``
— the formula you read is the formula that runs; a faster compiled step with the same signature
can be passed as ``gradient_fn`` (a result without ``"J"`` costs one extra forward pass per step).

Full batch or mini-batches (reshuffled every epoch from the seeded generator, the last batch
partial); counted in ``iterations`` (updates) or ``epochs``. Dropout masks are drawn for each step
from the same seed. Ctrl-C stops cleanly: the History keeps the last complete parameters and says
``interrupted``. A NaN or infinite cost stops training with :class:`TrainingDiverged`, naming the
first layer whose numbers are not finite and the iteration; a finite cost that ends ``GROWTH``
(10) times above its first value raises it too, after the run. Its ``history`` keeps the run.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

import numpy as np

from ..errors import DataError, SpecError, TrainingDiverged
from ..ir.shapes import fmt_shape
from ..nets import Model, Network
from ..nets.init import check_seed
from ..nets.model_fit import trainer
from ..nets.spec import BN_MOMENTUM
from .dropout import draw_masks
from .history import History
from .optimizers import Decay, Optimizer, ScheduledDecay, make_optimizer
from .progress import TrainingProgress

__all__ = ["fit", "predict", "accuracy", "check_data", "GradientFn", "Trainable"]

Arrays = Mapping[str, np.ndarray]
GradientFn = Callable[[Arrays, np.ndarray, np.ndarray, Arrays | None], Arrays]


class Trainable(Protocol):
    """What :func:`fit` needs of something other than a Network (a CNN, :func:`chainrule.cnn`)."""

    batch_axis: int  # the axis of X and Y that counts examples
    weights: tuple[str, ...]  # parameters whose gradient norms are recorded (dW1, …)

    def init(self, seed: int | None, method: str, scale: float, dtype: type) -> dict: ...
    def step(self, params: Arrays, X: np.ndarray, Y: np.ndarray, masks: object) -> dict: ...
    def forward(self, params: Arrays, X: np.ndarray, Y: np.ndarray, masks: object) -> dict: ...
    def check_data(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...
    def describe(self) -> str: ...


GROWTH = 10  # a final cost this many times the first one is divergence, not noise
_NORM_POINTS = 200  # gradient norms are recorded about this many times per run


def fit(
    net: Network | Trainable,
    X: np.ndarray,
    Y: np.ndarray,
    optimizer: str | Optimizer = "gd",
    *,
    lr: float | None = None,
    iterations: int | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    init: str = "default",
    init_seed: int | None = None,
    init_scale: float = 0.01,
    params: Arrays | None = None,
    decay: Decay | ScheduledDecay | None = None,
    gradient_fn: GradientFn | None = None,
    norm_every: int | None = None,
    progress: bool | None = None,
) -> History:
    """Train ``net`` on ``(X, Y)`` (examples as columns for the course's layout).

    ``net`` is a :class:`Network`, any :class:`Trainable` (``cr.cnn``), or a ``cr.model`` whose
    inputs ``X`` and ``Y`` are the data and whose other ``wrt`` inputs are its parameters
    (:func:`chainrule.trainer` names other data inputs or sizes its parameters).

    ``iterations`` counts updates (default 1000), ``epochs`` passes over the data (one of the
    two). ``batch_size=None`` is full batch. ``params`` continues from given parameters, else they
    come from ``net.init(init_seed, init, init_scale)``; ``init_seed`` defaults to ``seed``, except
    for ``init="course"``, the course's ``np.random.seed(2)`` recipe. ``lr`` defaults to the
    optimizer's own; ``decay`` is :class:`Decay` or :class:`ScheduledDecay`. ``seed`` also drives
    the shuffling and the dropout masks. ``progress=None`` shows a bar on a terminal only.

    >>> h = cr.fit(net, X, Y, "gd", lr=1.2, iterations=10000, init="course")  # doctest: +SKIP
    """
    check_seed(seed)
    if isinstance(net, Model):  # a model written as NumPy statements: data X, Y; wrt the rest
        net = trainer(net)
    X, Y = check_data(net, X, Y) if isinstance(net, Network) else net.check_data(X, Y)
    total, unit = _length(iterations, epochs, batch_size, X.shape[_batch_axis(net)])
    _check_memory(net, min(batch_size or X.shape[_batch_axis(net)], X.shape[_batch_axis(net)]), X)
    opt = make_optimizer(optimizer, lr, decay)
    if init_seed is None and init != "course":
        init_seed = seed  # the course's recipe keeps its own seed, 2
    start = dict(params) if params is not None else net.init(init_seed, init, init_scale, X.dtype)
    history = History(
        unit=unit, params=start, optimizer=opt.name, lr=opt.lr0, batch_size=batch_size, seed=seed
    )
    loop = _Loop(net, opt, gradient_fn or net.step, history, X.dtype)
    loop.norm_every = norm_every or max(1, total // _NORM_POINTS)
    shuffle_rng, mask_rng = map(np.random.default_rng, np.random.SeedSequence(seed).spawn(2))
    iterations = total if unit == "iteration" else None
    batches = _plan(X, Y, batch_size, iterations, epochs, shuffle_rng, _batch_axis(net))
    began = time.perf_counter()
    try:
        quiet_fp = np.errstate(over="ignore", invalid="ignore", divide="ignore")  # checked below
        with TrainingProgress(total, progress) as bar, quiet_fp:
            for epoch, Xb, Yb in batches:
                loop.step(epoch, Xb, Yb, mask_rng)
                bar.update(history.updates, loop.last_cost)
            loop.end_epoch()
        loop.check_final()
    except KeyboardInterrupt:
        history.interrupted = True
    finally:
        history.seconds = time.perf_counter() - began
    return history


class _Loop:
    """The state of one run: parameters, the epoch's running cost, what to record when."""

    def __init__(
        self, net: Network, opt: Optimizer, grad: GradientFn, history: History, dtype: type
    ) -> None:
        self.net, self.opt, self.grad, self.h, self.dtype = net, opt, grad, history, dtype
        self.epoch, self.epoch_cost, self.epoch_m = -1, 0.0, 0
        self.last_cost = float("nan")
        self.norm_every = 1
        self.weights = [f"W{l}" for l in range(1, net.L + 1)] if _is_net(net) else net.weights

    def step(self, epoch: int, X: np.ndarray, Y: np.ndarray, mask_rng: np.random.Generator) -> None:
        """One update: the derived gradients on this batch, a check, a record, the optimizer."""
        if epoch != self.epoch:
            self.end_epoch()
            self.epoch = epoch
            self.opt.start_epoch(epoch)
        h, params = self.h, self.h.params
        m = X.shape[_batch_axis(self.net)]
        masks = draw_masks(self.net, m, mask_rng, self.dtype) if _is_net(self.net) else None
        out = self.grad(params, X, Y, masks)
        J = float(out["J"]) if "J" in out else float(self.net.forward(params, X, Y, masks)["J"])
        if not math.isfinite(J):
            raise _diverged(params, out, h, J, self.opt.lr)
        self.last_cost = J
        if h.unit == "iteration":
            h.steps.append(h.updates)
            h.costs.append(J)
        else:
            self.epoch_cost, self.epoch_m = self.epoch_cost + J * m, self.epoch_m + m
        if h.updates % self.norm_every == 0:
            self.record_norms(out)
        h.params = self._update(params, out)  # new arrays: a Ctrl-C never leaves half a step
        h.updates += 1

    def _update(self, params: Arrays, out: Arrays) -> dict[str, np.ndarray]:
        """The optimizer on every trained parameter; batch norm's running statistics as
        exponentially weighted averages of this batch's μ[l], σ²[l] (momentum 0.9)."""
        stats = self.net.spec.statistics if _is_net(self.net) else ()
        trained = self.opt.update({k: v for k, v in params.items() if k not in stats}, out)
        for k in stats:
            name = k.replace("running_mean", "mu").replace("running_var", "var")
            if name not in out:
                raise SpecError(
                    f"the gradient function returned no {name}: a batch-norm network keeps "
                    "running statistics from each batch's μ[l], σ²[l]",
                    hint="train it with the derived step (no gradient_fn, no --fast)",
                )
            batch = out[name]
            trained[k] = BN_MOMENTUM * params[k] + (1 - BN_MOMENTUM) * batch
        return {k: trained[k] for k in params}

    def end_epoch(self) -> None:
        """Record the finished epoch's cost (epochs mode): Σ_batches J·m_batch / m."""
        if self.h.unit == "epoch" and self.epoch_m:
            self.h.steps.append(self.epoch)
            self.h.costs.append(self.epoch_cost / self.epoch_m)
        self.epoch_cost, self.epoch_m = 0.0, 0

    def record_norms(self, grads: Arrays) -> None:
        self.h.norm_steps.append(self.h.updates)
        for w in self.weights:
            norm = float(np.linalg.norm(grads["d" + w]))
            self.h.grad_norms.setdefault("d" + w, []).append(norm)

    def check_final(self) -> None:
        """The last update is never followed by a forward pass: check its parameters here; and a
        cost that ends ``GROWTH`` times above where it started has diverged, though finite."""
        h, params = self.h, self.h.params
        if not all(np.isfinite(v).all() for v in params.values()):
            raise _diverged(params, {}, h, None, self.opt.lr)
        if len(h.costs) > 1 and h.costs[-1] > GROWTH * h.costs[0] and h.costs[-1] > h.costs[0]:
            err = TrainingDiverged(
                f"training diverged: the cost rose from {h.costs[0]:.6g} to {h.costs[-1]:,.6g} "
                f"over {h.updates} updates",
                hint=f"lower the learning rate (now {self.opt.lr:g})",
            )
            err.history = h
            raise err


def _plan(
    X: np.ndarray,
    Y: np.ndarray,
    batch_size: int | None,
    iterations: int | None,
    epochs: int | None,
    rng: np.random.Generator,
    axis: int,
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """``(epoch, X_batch, Y_batch)`` for every update, in order."""
    done = 0
    for epoch in itertools.count() if epochs is None else range(epochs):
        for Xb, Yb in _batches(X, Y, batch_size, rng, axis):
            if iterations is not None and done == iterations:
                return
            yield epoch, Xb, Yb
            done += 1


def _batches(
    X: np.ndarray, Y: np.ndarray, size: int | None, rng: np.random.Generator, axis: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One epoch: the whole set, or a seeded shuffle cut into batches (the last may be smaller)."""
    m = X.shape[axis]
    if size is None or size >= m:
        yield X, Y
        return
    order = rng.permutation(m)
    X, Y = np.take(X, order, axis=axis), np.take(Y, order, axis=axis)
    for k in range(0, m, size):
        cut = slice(k, k + size)
        yield (X[:, cut], Y[:, cut]) if axis == 1 else (X[cut], Y[cut])


def _length(
    iterations: int | None, epochs: int | None, batch_size: int | None, m: int
) -> tuple[int, str]:
    """The number of updates and the unit costs are recorded in."""
    if iterations is not None and epochs is not None:
        raise SpecError("give iterations or epochs, not both")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise SpecError(f"batch size {batch_size!r} must be a positive integer", hint="e.g. 64")
    if epochs is not None:
        _positive("epochs", epochs)
        per_epoch = 1 if batch_size is None else math.ceil(m / batch_size)
        return epochs * per_epoch, "epoch"
    iterations = 1000 if iterations is None else iterations
    _positive("iterations", iterations)
    return iterations, "iteration"


MAX_STEP_BYTES = 8 * 2**30  # what one training step may hold in arrays


def _check_memory(net: Network | Trainable, m: int, X: np.ndarray) -> None:
    """Refuse, before allocating, a step whose arrays alone would not fit: Z, A, dZ, dA for every
    layer and example, and W, dW and two optimizer states for every parameter (networks only)."""
    if not _is_net(net):
        return
    need = X.itemsize * (4 * sum(net.spec.layers[1:]) * m + 4 * net.spec.parameters)
    if need > MAX_STEP_BYTES:
        raise SpecError(
            f"one training step of {net.describe()} on {m:,} examples needs about "
            f"{need / 2**30:,.1f} GiB of arrays, above the limit of {MAX_STEP_BYTES / 2**30:g} GiB",
            hint="use smaller layers or mini-batches (batch_size)",
        )


def _positive(what: str, n: object) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise SpecError(f"{what} = {n!r} must be a whole number ≥ 0")


# -- data -----------------------------------------------------------------------------------------
def _is_net(net: object) -> bool:
    return isinstance(net, Network)


def _batch_axis(net: Network | Trainable) -> int:
    if not _is_net(net):
        return net.batch_axis
    return 1 if net.spec.layout == "columns" else 0


def check_data(net: Network, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """X and Y as float arrays in the network's layout, with clear errors when they do not fit.

    Labels ``(1, m)`` for a softmax output with k classes are one-hot encoded to ``(k, m)``.
    """
    cols, n = net.spec.layout == "columns", net.spec.layers
    X = np.asarray(X)
    X = X.astype(X.dtype if X.dtype in (np.float32, np.float64) else np.float64, copy=False)
    Y = np.asarray(Y, dtype=X.dtype)
    if X.ndim != 2:
        raise DataError(f"X of shape {X.shape} must be a matrix", hint=_layout_hint(cols, n))
    m = X.shape[1 if cols else 0]
    if Y.ndim == 1 and Y.size == m:
        Y = Y.reshape((1, m) if cols else (m, 1))
    if net.spec.output == "softmax" and n[-1] > 1 and (Y.shape == (1, m) or Y.shape == (m, 1)):
        Y = _one_hot(Y.ravel(), n[-1], cols)
    want_x, want_y = ((n[0], m), (n[-1], m)) if cols else ((m, n[0]), (m, n[-1]))
    if X.shape != want_x or Y.shape != want_y:
        raise DataError(
            f"X {X.shape} and Y {Y.shape} do not fit the network {net.describe()}: "
            f"expected X {fmt_shape(want_x)} and Y {fmt_shape(want_y)}",
            hint=_layout_hint(cols, n),
        )
    _finite("X", X)
    _finite("Y", Y)
    _check_labels(net.spec.loss, Y, 0 if cols else 1)
    return X, Y


def _finite(name: str, a: np.ndarray) -> None:
    if not np.isfinite(a).all():
        at = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise DataError(
            f"{name} holds {a[at]} at {list(at)}: training needs finite numbers",
            hint="drop or fill the missing values first",
        )


def _check_labels(loss: str, Y: np.ndarray, class_axis: int) -> None:
    """Labels the loss can read: 0/1 for binary cross-entropy, one-hot columns for softmax.

    Anything else trains to a meaningless number (three classes through BCE give negative costs),
    so it is refused here with the fix.
    """
    if loss == "mse":
        return
    values = np.unique(Y)
    if loss == "bce" and not np.isin(values, (0, 1)).all():
        message, hint = _bce_labels(values)
        raise DataError(message, hint=hint)
    if loss == "ce" and not (np.isin(values, (0, 1)).all() and (Y.sum(class_axis) == 1).all()):
        raise DataError(
            "softmax with cross-entropy needs one-hot labels (one 1 per example) or class "
            f"numbers 0 … {Y.shape[class_axis] - 1}; found values {_few(values)}",
            hint="pass the class of each example as a whole number",
        )


def _bce_labels(values: np.ndarray) -> tuple[str, str]:
    if (values == np.round(values)).all() and values.min() >= 0:
        k = int(values.max()) + 1
        return (
            f"labels take the values {_few(values)}: sigmoid with binary cross-entropy needs "
            "labels 0 or 1 (two classes)",
            f"use --output softmax --loss ce with {k} output units "
            f"(cr.mlp([..., {k}], output='softmax', loss='ce'))",
        )
    return (
        f"labels take the values {_few(values)}: a classifier needs class labels, "
        "0 or 1 for sigmoid with binary cross-entropy",
        "for a continuous target use --output linear --loss mse",
    )


def _few(values: np.ndarray) -> str:
    shown = ", ".join(f"{v:g}" for v in values[:5])
    return shown + (f", … ({len(values)} distinct)" if len(values) > 5 else "")


def _one_hot(labels: np.ndarray, k: int, cols: bool) -> np.ndarray:
    if not np.all((labels == np.round(labels)) & (labels >= 0) & (labels < k)):
        raise DataError(f"class labels must be whole numbers 0 … {k - 1} for {k} softmax outputs")
    Y = np.eye(k, dtype=labels.dtype)[labels.astype(np.int64)]
    return np.ascontiguousarray(Y.T if cols else Y)


def _layout_hint(cols: bool, n: tuple[int, ...]) -> str:
    if cols:
        return f"examples as columns: X ({n[0]}, m), Y ({n[-1]}, m); transpose with X.T if needed"
    return f"examples as rows: X (m, {n[0]}), Y (m, {n[-1]})"


# -- divergence -----------------------------------------------------------------------------------
_NAME = re.compile(r"^(d?[A-Za-z_]+?)(\d+)$")


def _diverged(
    params: Arrays, out: Arrays, h: History, J: float | None, lr: float
) -> TrainingDiverged:
    """The error naming the first non-finite parameter, activation or gradient, by layer."""
    forward = [k for k in out if k[:1] in "ZA" and _NAME.match(k)]
    grads = [k for k in out if k.startswith(("dW", "db", "dZ", "dA"))]
    ordered = [(k, params[k]) for k in params] + [(k, out[k]) for k in forward + grads]
    where = "the cost is not finite"
    for name, value in ordered:
        if not np.all(np.isfinite(value)):
            base, layer = _NAME.match(name).groups()
            kind = "NaN" if np.isnan(value).any() else "infinite values"
            where = f"{base}[{layer}] (layer {layer}) holds {kind}"
            break
    err = TrainingDiverged(
        f"training diverged at iteration {h.updates}: {where}"
        + ("" if J is None else f"; cost J = {J}"),
        hint=f"lower the learning rate (now {lr:g}) or try another initialization "
        f"(he, xavier, or a smaller scale)",
    )
    err.history = h
    return err


# -- conveniences ---------------------------------------------------------------------------------
def _params(p: Arrays | History) -> Arrays:
    return p.params if isinstance(p, History) else p


def predict(net: Network, params: Arrays | History, X: np.ndarray) -> np.ndarray:
    """``net.predict`` with parameters or a History: labels, no dropout."""
    return net.predict(_params(params), X)


def accuracy(net: Network, params: Arrays | History, X: np.ndarray, Y: np.ndarray) -> float:
    """Percentage of examples classified correctly (parameters or a History)."""
    return net.accuracy(_params(params), X, Y)
