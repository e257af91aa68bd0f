"""``cr.cnn([...])``: a convolutional network for image classification, written as a model.

A list of layers in the call syntax of the model language — ``"conv(8, f=3, pad=1)"``, ``"relu"``,
``"max_pool(f=2)"``, ``"avg_pool(f=2)"``, ``"flatten"``, ``"dense(10)"`` — becomes the NumPy
statements of its forward pass (``Z1 = conv2d(X, W1, b1, stride=1, pad=1)``, ``A1 = relu(Z1)``,
``P1 = max_pool(A1, f=2, stride=2)`` … ``J = -np.sum(Y * log_softmax(Z3, axis=1)) / m``), read by
:func:`chainrule.model` like any other model: derived, printed, explained and trained with the same
code. The layer text is read with Python's ``ast`` (numbers and names only), never evaluated.

Layout: the course's, examples first and channels last, X (m, n_H, n_W, n_C), Y one-hot (m, k).
The last layer is ``dense(k)`` and the cost is softmax cross-entropy over k ≥ 2 classes; a
``flatten`` is put before the first dense layer that follows an image.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..errors import DataError, ParseError, ShapeError, SpecError
from .model import Model, model

__all__ = ["ConvNet", "cnn", "parse_layers", "DIGITS_CNN"]

ACTIVATIONS = ("relu", "tanh", "sigmoid")
_KINDS = {"conv": ("n_C", "f", "stride", "pad"), "max_pool": ("f", "stride")}
_KINDS |= {
    "avg_pool": ("f", "stride"),
    "dense": ("n",),
    "flatten": (),
    **{a: () for a in ACTIVATIONS},
}
_DEFAULTS = {"conv": {"f": 3, "stride": 1, "pad": 0}, "max_pool": {"f": 2}, "avg_pool": {"f": 2}}

DIGITS_CNN = (
    "conv(8, f=3, pad=1), relu, max_pool(f=2), conv(16, f=3, pad=1), relu, max_pool(f=2), dense(10)"
)


def _layer(node: ast.expr, text: str) -> tuple[str, dict[str, int]]:
    call = node if isinstance(node, ast.Call) else None
    head = call.func if call else node
    if not isinstance(head, ast.Name) or head.id not in _KINDS:
        raise ParseError(
            f"cannot read the layer {ast.unparse(node)!r} in {text!r}",
            hint=f"layers: {', '.join(_KINDS)}, e.g. conv(8, f=3, pad=1), max_pool(f=2), dense(10)",
        )
    kind, names = head.id, _KINDS[head.id]
    args = dict(_DEFAULTS.get(kind, {}))
    given = list(zip(names, call.args if call else (), strict=False))
    if call and len(call.args) > len(names):
        raise ParseError(f"{kind} takes at most {len(names)} arguments: {ast.unparse(node)!r}")
    given += [(k.arg, k.value) for k in (call.keywords if call else ())]
    for key, value in given:
        if key not in names or not isinstance(value, ast.Constant) or type(value.value) is not int:
            raise ParseError(
                f"{kind}: {key}={ast.unparse(value)} in {ast.unparse(node)!r} is not a whole "
                f"number argument of {kind}({', '.join(names)})"
            )
        if value.value < (0 if key == "pad" else 1):
            raise ParseError(f"{kind}: {key} = {value.value} must be ≥ {int(key != 'pad')}")
        args[key] = value.value
    missing = [n for n in names if n not in args and n != "stride"]
    if missing:
        raise ParseError(f"{kind} needs {missing[0]}: e.g. conv(8, f=3) or dense(10)")
    return kind, args


def parse_layers(layers: str | Sequence[str]) -> tuple[tuple[str, dict[str, int]], ...]:
    """``"conv(8, f=3, pad=1), relu, max_pool(f=2), dense(10)"`` (or a list of such strings) →
    ``(("conv", {"n_C": 8, "f": 3, "stride": 1, "pad": 1}), ("relu", {}), …)``."""
    text = layers if isinstance(layers, str) else ", ".join(layers)
    try:
        tree = ast.parse(f"({text},)", mode="eval").body
    except SyntaxError as e:
        raise ParseError(f"cannot read the layers {text!r}: {e.msg}") from None
    out = tuple(_layer(n, text) for n in tree.elts)
    if not out or out[-1][0] != "dense" or out[-1][1]["n"] < 2:
        raise SpecError(
            f"the last layer of {text!r} must be dense(k) with k ≥ 2 classes (softmax output)"
        )
    return out


@dataclass
class _Writer:
    """The statements and shapes of the forward pass, written layer by layer."""

    shape: tuple[int, ...]
    prev: str = "X"
    l: int = 0

    def __post_init__(self) -> None:
        self.lines: list[str] = []
        self.shapes: dict[str, tuple] = {"X": ("m", *self.shape)}
        self.params: list[str] = []
        self.used: set[str] = {"X", "Y"}

    def name(self, base: str) -> str:
        n, k = f"{base}{self.l}", 2
        while n in self.used:
            n, k = f"{base}{self.l}_{k}", k + 1
        self.used.add(n)
        return n

    def emit(self, base: str, rhs: str, shape: tuple[int, ...]) -> None:
        name = self.name(base)
        self.lines.append(f"{name} = {rhs}")
        self.prev, self.shape = name, shape

    def weights(self, shapes: tuple[tuple, tuple]) -> tuple[str, str]:
        W, b = f"W{self.l}", f"b{self.l}"
        self.shapes |= {W: shapes[0], b: shapes[1]}
        self.params += [W, b]
        return W, b


def _windows(n: int, f: int, s: int, p: int, what: str, shape: tuple) -> int:
    if n + 2 * p < f:
        raise ShapeError(
            f"{what}: the window f = {f} is larger than the padded input ({n} + 2·{p}) of an "
            f"image {shape}",
            hint="rule: n_H = (n_H_prev + 2·pad − f) // stride + 1 needs n_H_prev + 2·pad ≥ f",
        )
    return (n + 2 * p - f) // s + 1


def _write(w: _Writer, kind: str, a: dict[str, int]) -> None:
    if kind in ("conv", "dense"):
        w.l += 1
    image = len(w.shape) == 3
    if kind == "conv":
        if not image:
            raise SpecError(f"conv after flatten or dense (layer {w.l}): the input is not an image")
        f, s, p = a["f"], a["stride"], a["pad"]
        h, wd = (_windows(n, f, s, p, f"conv layer {w.l}", w.shape) for n in w.shape[:2])
        W, b = w.weights(((f, f, w.shape[2], a["n_C"]), (1, 1, 1, a["n_C"])))
        rhs = f"conv2d({w.prev}, {W}, {b}, stride={s}, pad={p})"
        w.emit("Z", rhs, (h, wd, a["n_C"]))
    elif kind in ("max_pool", "avg_pool"):
        if not image:
            raise SpecError(f"{kind} after flatten or dense: the input is not an image")
        f = a["f"]
        s = a.get("stride", f)
        h, wd = (_windows(n, f, s, 0, kind, w.shape) for n in w.shape[:2])
        w.emit("P", f"{kind}({w.prev}, f={f}, stride={s})", (h, wd, w.shape[2]))
    elif kind == "flatten" or (kind == "dense" and image):
        w.emit("F", f"flatten({w.prev})", (math.prod(w.shape),))
    if kind == "dense":
        W, b = w.weights(((w.shape[0], a["n"]), (1, a["n"])))
        w.emit("Z", f"{w.prev} @ {W} + {b}", (a["n"],))
    elif kind in ACTIVATIONS:
        w.emit("A", f"{kind}({w.prev})", w.shape)


def _spell(kind: str, args: Mapping[str, int]) -> str:
    """A layer as it is written: ``conv(8, f=3, stride=1, pad=1)``."""
    names = _KINDS[kind]
    if not names:
        return kind
    first = names[0] if names[0] in ("n_C", "n") else None
    parts = [str(args[first])] if first else []
    parts += [f"{k}={args[k]}" for k in names if k != first and k in args]
    return f"{kind}({', '.join(parts)})"


@dataclass(frozen=True)
class ConvNet:
    """A CNN classifier: its layers, the model its forward pass is, and what training needs.

    Implements the interface :func:`chainrule.fit` trains (``init``, ``step``, ``forward``,
    ``check_data``, ``batch_axis``, ``weights``), and ``predict`` / ``accuracy``.
    """

    layers: tuple[tuple[str, dict[str, int]], ...]
    input_shape: tuple[int, int, int]
    source_text: str
    shapes: Mapping[str, tuple]
    params: tuple[str, ...]
    logits: str
    batch_axis: int = 0

    @cached_property
    def model(self) -> Model:
        """The forward pass as a :class:`~chainrule.nets.model.Model` (derived once, cached)."""
        return model(self.source_text, self.shapes, wrt=list(self.params), name="cnn", batch="m")

    @property
    def classes(self) -> int:
        return self.shapes["Y"][1]

    @property
    def weights(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if p.startswith("W"))

    def describe(self) -> str:
        return f"cnn {self.input_shape} → {', '.join(_spell(k, a) for k, a in self.layers)}"

    def source(self) -> str:
        """The NumPy code ``step`` runs, printed from the derivation."""
        return self.model.source("course")

    def init(
        self,
        seed: int | None = 0,
        method: str = "default",
        scale: float = 0.01,
        dtype: type = np.float64,
    ) -> dict[str, np.ndarray]:
        """He initialization (normal, variance 2 / fan-in; fan-in = all axes but the last), zero
        biases. ``method`` "default" or "he"; ``scale`` is unused (kept for :func:`fit`)."""
        if method not in ("default", "he"):
            raise SpecError(f"a CNN is initialized with 'he' (the default), not {method!r}")
        rng = np.random.default_rng(seed)
        out = {}
        for p in self.params:
            shape = self.shapes[p]
            fan_in = math.prod(shape[:-1])
            he = rng.standard_normal(shape) * math.sqrt(2 / fan_in)
            out[p] = (he if p[0] == "W" else np.zeros(shape)).astype(dtype)
        return out

    def _values(self, params: Mapping, X: np.ndarray, Y: np.ndarray) -> dict:
        return {**{p: params[p] for p in self.params}, "X": X, "Y": Y}

    def forward(self, params: Mapping, X: np.ndarray, Y: np.ndarray, masks: object = None) -> dict:
        return self.model.forward(self._values(params, X, Y))

    def step(self, params: Mapping, X: np.ndarray, Y: np.ndarray, masks: object = None) -> dict:
        """J and every gradient, from the printed ``gradients()`` (the course's convention)."""
        return self.model.step(self._values(params, X, Y), "course")

    def scores(self, params: Mapping, X: np.ndarray) -> np.ndarray:
        X = self.check_data(X, np.zeros(len(X)))[0]
        Y = np.zeros((X.shape[0], self.classes))
        return self.forward(params, X, Y)[self.logits]

    def predict(self, params: Mapping, X: np.ndarray) -> np.ndarray:
        """Class labels: the largest logit of each example."""
        return np.argmax(self.scores(getattr(params, "params", params), X), axis=1)

    def accuracy(self, params: Mapping, X: np.ndarray, Y: np.ndarray) -> float:
        """Percentage of examples classified correctly (Y labels or one-hot)."""
        Y = np.asarray(Y)
        labels = np.argmax(Y, axis=1) if Y.ndim == 2 else Y
        return float(np.mean(self.predict(params, X) == labels) * 100)

    def check_data(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """X as (m, n_H, n_W, n_C) floats (a flat (m, n_H·n_W·n_C) is reshaped); Y one-hot."""
        X = np.asarray(X, dtype=np.float64)
        m, want = X.shape[0] if X.ndim else 0, self.input_shape
        if X.ndim == 2 and X.shape[1] == math.prod(want):
            X = X.reshape(m, *want)
        if X.shape[1:] != want:
            raise DataError(
                f"images X of shape {X.shape} do not fit the network's input {want}",
                hint=f"X must be (m, {', '.join(map(str, want))}), examples first, channels last",
            )
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim == 1 and Y.size == m:
            k = self.classes
            if not np.all((Y == np.round(Y)) & (Y >= 0) & (Y < k)):
                raise DataError(f"class labels must be whole numbers 0 … {k - 1}")
            Y = np.eye(k)[Y.astype(np.int64)]
        if Y.shape != (m, self.classes):
            raise DataError(f"labels Y {Y.shape} do not fit: want ({m},) or ({m}, {self.classes})")
        return X, Y


def cnn(layers: str | Sequence[str] = DIGITS_CNN, input_shape: tuple = (8, 8, 1)) -> ConvNet:
    """A CNN classifier from its layers (see the module docstring); the default is the digits CNN:
    conv 3×3×8 → relu → max pool → conv 3×3×16 → relu → max pool → dense 10 → softmax."""
    shape = tuple(input_shape)
    if len(shape) != 3 or not all(isinstance(d, int) and d >= 1 for d in shape):
        raise SpecError(f"input_shape {input_shape!r} must be (n_H, n_W, n_C), e.g. (8, 8, 1)")
    spec = parse_layers(layers)
    w = _Writer(shape)
    for kind, args in spec:
        _write(w, kind, args)
    logits = w.prev
    w.lines.append(f"J = -np.sum(Y * log_softmax({logits}, axis=1)) / m")
    shapes = {**w.shapes, "Y": ("m", spec[-1][1]["n"])}
    return ConvNet(spec, shape, "\n".join(w.lines), shapes, tuple(w.params), logits)
