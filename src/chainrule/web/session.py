"""One browser tab's playground: its network, data, parameters, optimizer and training history.

Training is ``cr.fit`` itself, called for a few iterations at a time with the same optimizer object
(its velocities and Adam's step count carry over) and the parameters the last call returned. Live
training plugs in the fast step printed from the derivation (``cr.fast``) where it is available;
one Step runs the teaching code — the module ``net.source(convention)`` prints — and keeps the
dictionary it returned, so the numbers shown next to each formula are the very ones the update
used. A session is not thread-safe: the server runs one operation of a session at a time.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..data import load, make_dataset
from ..errors import ChainruleError, DataError
from ..fast import FastStep
from ..nets import Network, mlp
from ..train import check_data, fit, make_optimizer
from . import views
from .state import PlayState, parse_state

__all__ = ["Session", "network_for", "read_csv"]

_MAX_EXAMPLES = 5000  # an uploaded CSV may hold at most this many rows
_MAX_FEATURES = 64
_POINTS = 600  # data points drawn on the decision-boundary plot


@functools.lru_cache(maxsize=32)
def _network(layers, hidden, output, loss, layout, l2, keep_prob, batchnorm) -> Network:  # noqa: ANN001
    return mlp(list(layers), list(hidden), output, loss, layout, l2, keep_prob, batchnorm)


# typesetting is the slow part of a rebuild (latex2mathml): once per network and convention
_equations = functools.lru_cache(maxsize=64)(views.equations)


def network_for(state: PlayState) -> Network:
    """The network a state names (cached: its derivation and compiled code are reused)."""
    s = state
    return _network(s.layers, s.hidden, s.output, s.loss, s.layout, s.l2, s.keep_prob, s.batchnorm)


def read_csv(text: str) -> tuple[np.ndarray, np.ndarray]:
    """An uploaded CSV (label last) read by ``cr.data.load``, within the page's limits."""
    if not isinstance(text, str) or len(text) > 2_000_000:
        raise DataError("the uploaded CSV must be text of at most 2 MB")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.csv"
        path.write_text(text, encoding="utf-8")
        X, Y = load(path)
    if X.shape[1] > _MAX_EXAMPLES or X.shape[0] > _MAX_FEATURES:
        raise DataError(
            f"the CSV holds {X.shape[1]} examples of {X.shape[0]} features",
            hint=f"this page trains on at most {_MAX_EXAMPLES} examples of {_MAX_FEATURES}",
        )
    return X, Y


def teaching_step(net: Network, convention: str):  # noqa: ANN201 - a GradientFn
    """The printed teaching code of ``convention`` as a gradient function for ``cr.fit``: every
    forward quantity and every gradient (``net.step`` is the course convention's)."""

    def fn(params, X, Y, masks=None):  # noqa: ANN001, ANN202
        if convention == "course":
            return net.step(params, X, Y, masks)
        return {
            **net.forward(params, X, Y, masks),
            **net.gradients(params, X, Y, convention, masks),
        }

    return fn


class _Recorder:
    """A gradient function that keeps what it returned: the values one update used."""

    def __init__(self, fn) -> None:  # noqa: ANN001 - a GradientFn
        self.fn, self.out = fn, None

    def __call__(self, params, X, Y, masks=None):  # noqa: ANN001, ANN204
        self.out = dict(self.fn(params, X, Y, masks))
        return self.out


class Session:
    """A tab's state; every method is one request of the page."""

    def __init__(self) -> None:
        self.state = PlayState()
        self.upload: tuple[np.ndarray, np.ndarray] | None = None
        self.example = 0
        self.run = 0

    # -- building ----------------------------------------------------------------------------------
    def build(self, raw: Mapping | None = None) -> dict:
        """Check the choices, build network and data, start from fresh parameters; the equations."""
        state = parse_state(raw if raw is not None else {})
        X, Y = self._data(state)
        net = network_for(state)
        _fits(state, X, Y)
        self.X, self.Y = check_data(net, *((X, Y) if state.layout == "columns" else (X.T, Y.T)))
        self.state, self.net, self.raw_X, self.raw_Y = state, net, X, Y
        self.fast = _fast_step(net)
        self.reset()
        return {"type": "network", **self.describe()}

    def _data(self, state: PlayState) -> tuple[np.ndarray, np.ndarray]:
        if state.data != "csv":
            return make_dataset(state.data)
        if self.upload is None:
            raise DataError("no CSV uploaded yet", hint="choose one under 'CSV file'")
        return self.upload

    def set_speed(self, per_frame: object) -> None:
        """Iterations between two pictures; the run goes on (nothing is rebuilt)."""
        self.state = parse_state({**self.state.to_dict(), "per_frame": per_frame})

    def set_upload(self, text: str) -> None:
        self.upload = read_csv(text)

    def reset(self) -> None:
        """Fresh parameters (the state's initialization and seed), optimizer and history."""
        s = self.state
        self.params = self.net.init(s.seed, s.init)
        self.opt = make_optimizer(s.optimizer, s.lr)
        self.iteration, self.chunks, self.run = 0, 0, self.run + 1
        self.costs: list[tuple[int, float]] = []
        self.sent = 0
        self.norms: dict[str, float] = {}
        self.used: dict | None = None  # what the last Step's update used

    def describe(self) -> dict:
        """The network as the page draws it: equations, sizes, data points, the code that runs."""
        s, net = self.state, self.net
        X, Y = self.raw_X, self.raw_Y
        take = np.linspace(0, X.shape[1] - 1, min(_POINTS, X.shape[1])).astype(int)
        labels = Y[0] if Y.shape[0] == 1 else np.argmax(Y, 0)
        return {
            "state": s.to_dict(),
            "query": s.query(),
            "network": net.describe(),
            "layers": list(s.layers),
            "equations": _equations(net, s.convention),
            "source": net.source(s.convention),
            "trainer": "fast" if self.fast else "teaching",
            "examples": int(X.shape[1]),
            "points": np.round(X[:2, take], 3).tolist() if X.shape[0] == 2 else None,
            "labels": labels[take].tolist(),
            "box": _box(X) if X.shape[0] == 2 else None,
        }

    # -- training ----------------------------------------------------------------------------------
    def advance(self, iterations: int) -> None:
        """Train ``iterations`` updates with the fast step (or the teaching code) — ``cr.fit``."""
        fn = self.fast.gradient_fn() if self.fast else None
        self._fit(iterations, fn)
        self.used = None

    def step(self) -> dict:
        """One update with the teaching code; returns (and keeps) the dictionary it used."""
        rec = _Recorder(teaching_step(self.net, self.state.convention))
        self._fit(1, rec)
        self.used = rec.out
        return self.used

    def _fit(self, iterations: int, fn) -> None:  # noqa: ANN001 - a GradientFn
        s = self.state
        h = fit(
            self.net,
            self.X,
            self.Y,
            self.opt,
            iterations=iterations,
            params=self.params,
            seed=s.seed + self.chunks,
            gradient_fn=fn,
            norm_every=iterations,
            progress=False,
        )
        self.chunks += 1
        self.costs += [(self.iteration + k, c) for k, c in zip(h.steps, h.costs, strict=True)]
        self.iteration += h.updates
        self.params = h.params
        self.norms = {k: v[-1] for k, v in h.grad_norms.items()}

    # -- what the page shows -----------------------------------------------------------------------
    def choose_example(self, i: object) -> None:
        m = self.X.shape[1 if self.state.layout == "columns" else 0]
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < m:
            raise DataError(f"example {i!r} must be a whole number from 0 to {m - 1}")
        self.example = i

    def values(self) -> tuple[dict, str]:
        """The numbers next to the formulas: the last Step's, or those of the current parameters."""
        if self.used is not None:
            return self.used, f"the update from iteration {self.iteration - 1}"
        with np.errstate(divide="ignore", invalid="ignore"):  # dA[L] of a saturated output: "–"
            out = teaching_step(self.net, self.state.convention)(self.params, self.X, self.Y)
        return out, f"iteration {self.iteration}"

    def snapshot(self) -> dict:
        """One picture of the run: cost, new curve points, norms, weights, boundary, values."""
        net, params = self.net, self.params
        out, of = self.values()
        new, self.sent = self.costs[self.sent :], len(self.costs)
        curve = new[:: max(1, len(new) // 60)]
        if new and curve[-1] != new[-1]:
            curve.append(new[-1])  # the newest point is always drawn
        return {
            "type": "snapshot",
            "run": self.run,
            "iteration": self.iteration,
            "cost": net.cost(params, self.X, self.Y),
            "accuracy": self._accuracy(),
            "curve": curve,
            "norms": self.norms,
            "weights": views.matrices(params, net.L),
            "grid": self._grid(),
            "example": self.example,
            "values": views.example_values(net, out, self.example),
            "values_of": of,
        }

    def _accuracy(self) -> float | None:
        if self.state.output not in ("sigmoid", "softmax"):
            return None
        return self.net.accuracy(self.params, self.X, self.Y)

    def _grid(self) -> dict | None:
        if self.raw_X.shape[0] != 2:
            return None
        return views.decision_grid(self.net, self.params, _box(self.raw_X))


def _fits(state: PlayState, X: np.ndarray, Y: np.ndarray) -> None:
    """The layer sizes and the output against the data, with the fix in the message."""
    n_x, sizes = X.shape[0], state.layers
    if sizes[0] != n_x:
        raise DataError(
            f"the {state.data} data has {n_x} features, so the layer sizes start with {n_x}",
            hint=f"e.g. {','.join(map(str, (n_x, *sizes[1:])))}",
        )
    labels = np.unique(Y) if Y.shape[0] == 1 else None
    if labels is None or not np.all(labels == np.round(labels)) or labels.min() < 0:
        return  # one-hot labels or regression targets: check_data judges them
    k = int(labels.max()) + 1
    fix = f"output softmax, layer sizes {','.join(map(str, (*sizes[:-1], k)))}"
    if state.output == "sigmoid" and k > 2:
        raise DataError(
            f"the {state.data} data has {k} classes; a sigmoid output tells only two apart",
            hint=fix,
        )
    if state.output == "softmax" and k != sizes[-1]:
        raise DataError(f"the {state.data} data has {k} classes, not {sizes[-1]}", hint=fix)


def _fast_step(net: Network) -> FastStep | None:
    """The fast step printed from the same derivation, or None where it does not apply. Batch
    norm trains with the teaching code: ``cr.fit`` keeps the running statistics from the μ[l],
    σ²[l] it returns, which the fast step does not."""
    if net.spec.batchnorm:
        return None
    try:
        return FastStep(net)
    except ChainruleError:
        return None


def _box(X: np.ndarray) -> list[float]:
    lo, hi = X[:2].min(1), X[:2].max(1)
    pad = 0.08 * np.maximum(hi - lo, 1e-9)
    return [
        float(lo[0] - pad[0]),
        float(hi[0] + pad[0]),
        float(lo[1] - pad[1]),
        float(hi[1] + pad[1]),
    ]
