"""The course's character-level language model (its dinosaur-names model), trained with the code
printed from the derivation of a recurrence.

The model is the forward pass below, read like any other; one iteration is the course's
``optimize``: forward, backpropagation through time (the printed reverse loop), ``clip``, a
gradient step. Sampling is the course's ``sample``: feed back a character drawn from ŷ⟨t⟩ until a
newline. The text is any list of words; :func:`corpus_words` takes the words of the documentation
that ships with CPython (``pydoc_data``), so no data is downloaded.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError, TrainingDiverged
from .sequence import Recurrence, recurrence

__all__ = [
    "CHAR_LSTM",
    "CHAR_RNN",
    "CORPORA",
    "CharModel",
    "char_rnn",
    "clip",
    "corpus_words",
    "cross_entropy_per_char",
    "module_names",
    "sample",
    "train",
    "words_of_text",
]

CHAR_RNN = """
def rnn_lm(X, Y, a0, Waa, Wax, Wya, ba, by):
    n_x, m, T_x = X.shape
    L = np.zeros((1, m, T_x))
    a_next = a0
    for t in range(T_x):
        xt = X[:, :, t]
        yt = Y[:, :, t]
        a_next = np.tanh(np.dot(Wax, xt) + np.dot(Waa, a_next) + ba)
        zt = np.dot(Wya, a_next) + by
        yt_pred = softmax(zt)
        lt = -np.sum(yt * np.log(yt_pred), axis=0, keepdims=True)
        L[:, :, t] = lt
    return L
"""
CHAR_LSTM = """
def lstm_lm(X, Y, a0, c0, Wf, bf, Wi, bi, Wc, bc, Wo, bo, Wy, by):
    n_x, m, T_x = X.shape
    L = np.zeros((1, m, T_x))
    a_next = a0
    c_next = c0
    for t in range(T_x):
        xt = X[:, :, t]
        yt = Y[:, :, t]
        concat = np.concatenate((a_next, xt), axis=0)
        ft = sigmoid(np.dot(Wf, concat) + bf)
        it = sigmoid(np.dot(Wi, concat) + bi)
        cct = np.tanh(np.dot(Wc, concat) + bc)
        c_next = ft * c_next + it * cct
        ot = sigmoid(np.dot(Wo, concat) + bo)
        a_next = ot * np.tanh(c_next)
        zt = np.dot(Wy, a_next) + by
        yt_pred = softmax(zt)
        lt = -np.sum(yt * np.log(yt_pred), axis=0, keepdims=True)
        L[:, :, t] = lt
    return L
"""
_SEQ = {"X": ("n_x", "m", "T_x"), "Y": ("n_x", "m", "T_x"), "a0": ("n_a", "m")}
SHAPES = {
    "rnn": {
        **_SEQ,
        "Waa": ("n_a", "n_a"),
        "Wax": ("n_a", "n_x"),
        "Wya": ("n_x", "n_a"),
        "ba": ("n_a", 1),
        "by": ("n_x", 1),
    },
    "lstm": {
        **_SEQ,
        "c0": ("n_a", "m"),
        **{f"W{g}": ("n_a", "n_a + n_x") for g in "fico"},
        **{f"b{g}": ("n_a", 1) for g in "fico"},
        "Wy": ("n_x", "n_a"),
        "by": ("n_x", 1),
    },
}
STATES = {"rnn": ("a0",), "lstm": ("a0", "c0")}


def char_rnn(cell: str = "rnn") -> Recurrence:
    """The course's character model as a recurrence (X and Y one-hot, time last): the cost is
    J = Σ_t L⟨t⟩ and Y is declared one-hot, so the printed loop has dz⟨t⟩ = ŷ⟨t⟩ − y⟨t⟩."""
    if cell not in SHAPES:
        raise DataError(f"unknown cell {cell!r}", hint="rnn or lstm")
    source = CHAR_RNN if cell == "rnn" else CHAR_LSTM
    return recurrence(
        source, SHAPES[cell], data=("X",), one_hot=("Y",), cost="L", name=f"char_{cell}"
    )


def clip(gradients: Mapping[str, np.ndarray], max_value: float) -> dict[str, np.ndarray]:
    """The course's ``clip``: every entry into [−max_value, max_value] (``np.clip``)."""
    return {k: np.clip(g, -max_value, max_value) for k, g in gradients.items()}


def corpus_words(min_len: int = 3, max_len: int = 10) -> list[str]:
    """Lower-case words of CPython's own documentation (``pydoc_data.topics``), sorted, unique."""
    from pydoc_data.topics import topics

    text = " ".join(topics[k] for k in sorted(topics))
    words = {w for w in re.findall(r"\b[a-z]+\b", text) if min_len <= len(w) <= max_len}
    return sorted(words)


def module_names() -> list[str]:
    """The names of Python's standard-library modules (``sys.stdlib_module_names``) made of
    lower-case letters only: a list of names shipped with every Python, like the course's
    dinosaur names."""
    return sorted(n for n in sys.stdlib_module_names if re.fullmatch(r"[a-z]{3,}", n))


CORPORA: dict[str, tuple[Callable[[], list[str]], str]] = {
    "docs": (corpus_words, "words of CPython's documentation"),
    "modules": (module_names, "names of Python's standard-library modules"),
}


def words_of_text(text: str, seq_len: int = 40) -> list[str]:
    """One example per non-empty line, lower-cased; a line longer than ``seq_len`` characters
    is cut into pieces of at most ``seq_len`` (so that T stays bounded on running text)."""
    out = []
    for line in text.lower().splitlines():
        line = line.strip()
        out += [line[i : i + seq_len] for i in range(0, len(line), seq_len)]
    return out


@dataclass
class CharModel:
    """Vocabulary, parameters and the recurrence that differentiates them."""

    chars: str
    params: dict[str, np.ndarray]
    cell: str = "rnn"
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False  # Ctrl-C stopped training; the parameters are the last ones

    @property
    def rec(self) -> Recurrence:
        return _recurrence(self.cell)

    @property
    def n_a(self) -> int:
        return self.params["ba" if self.cell == "rnn" else "bf"].shape[0]

    def states(self) -> dict[str, np.ndarray]:
        """Zero initial states (a0, and c0 for the LSTM)."""
        return {s: np.zeros((self.n_a, 1)) for s in STATES[self.cell]}

    def last_states(self, fwd: dict) -> dict[str, np.ndarray]:
        """The states after the last step, to carry into the next word (as the course does)."""
        last = dict(zip(self.rec.cache_names, fwd["caches"][-1], strict=True))
        return {init: last[name] for name, _, init in self.rec.loop.carried}

    def encode(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        """The course's X = [None] + word, Y = word + "\\n", one-hot, shape (n_x, 1, T)."""
        ix = {c: i for i, c in enumerate(self.chars)}
        bad = sorted(set(word) - set(ix))
        if bad:
            raise DataError(f"character {bad[0]!r} is not in the vocabulary")
        idx = [ix[c] for c in word]
        T, n = len(idx) + 1, len(self.chars)
        X, Y = np.zeros((n, 1, T)), np.zeros((n, 1, T))
        for t, i in enumerate(idx):
            X[i, 0, t + 1] = 1.0
        for t, i in enumerate([*idx, ix["\n"]]):
            Y[i, 0, t] = 1.0
        return X, Y


_RECS: dict[str, Recurrence] = {}


def _recurrence(cell: str) -> Recurrence:
    if cell not in _RECS:
        _RECS[cell] = char_rnn(cell)
    return _RECS[cell]


def init(chars: str, n_a: int = 50, seed: int = 0, cell: str = "rnn") -> CharModel:
    """The course's ``initialize_parameters``: weights N(0, 1)·0.01, biases 0."""
    rng = np.random.default_rng(seed)
    dims = {"n_a": n_a, "n_x": len(chars), "n_a + n_x": n_a + len(chars)}
    params = {}
    for k, shape in SHAPES[cell].items():
        if k in _SEQ or k in STATES[cell]:
            continue
        size = tuple(dims.get(d, d) for d in shape)
        params[k] = rng.standard_normal(size) * 0.01 if k[0] == "W" else np.zeros(size)
    return CharModel(chars, params, cell)


def train(
    words: Sequence[str],
    iterations: int = 2000,
    learning_rate: float = 0.01,
    max_value: float = 5.0,
    n_a: int = 50,
    seed: int = 0,
    progress: Callable[[int, float], None] | None = None,
    cell: str = "rnn",
) -> CharModel:
    """The course's ``model``: one word per iteration, BPTT, clip, update; the smoothed loss
    (``0.999 · loss + 0.001 · loss_t``, starting at −log(1/n_x) · 7) is kept every iteration.
    A loss that is not finite stops it (:class:`TrainingDiverged`); Ctrl-C stops it with the
    last parameters kept (``model.interrupted``)."""
    if not words:
        raise DataError("no words to train on")
    chars = "\n" + "".join(sorted(set("".join(words)) - {"\n"}))
    model = init(chars, n_a, seed, cell)
    order = np.random.default_rng(seed).permutation(len(words))
    loss = -np.log(1.0 / len(chars)) * 7
    states = model.states()
    began = time.perf_counter()
    try:
        for j in range(iterations):
            word = words[order[j % len(words)]]
            states, loss = _iteration(model, word, states, loss, j, learning_rate, max_value)
            if progress is not None:
                progress(j, loss)
    except KeyboardInterrupt:
        model.interrupted = True
    finally:
        model.seconds = time.perf_counter() - began
    return model


def _iteration(
    model: CharModel,
    word: str,
    states: dict,
    loss: float,
    j: int,
    learning_rate: float,
    max_value: float,
) -> tuple[dict, float]:
    """The course's ``optimize`` on one word: forward, the printed BPTT loop, clip, update."""
    X, Y = model.encode(word)
    values = {"X": X, "Y": Y, **states, **model.params}
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # checked below
        fwd = model.rec.forward(values)
        grads = model.rec.backward(values, {}, fwd)  # the cost is Σ L: its gradient 1 is derived
    word_loss = float(np.sum(fwd["L"]))
    if not np.isfinite(word_loss):
        raise TrainingDiverged(
            f"training diverged at iteration {j}: the loss of {word!r} is {word_loss}",
            hint=f"lower the learning rate (now {learning_rate:g})",
        )
    grads = clip({k: grads["d" + k] for k in model.params}, max_value)
    for k in model.params:
        model.params[k] = model.params[k] - learning_rate * grads[k]
    loss = 0.999 * loss + 0.001 * word_loss
    model.losses.append(loss)
    return model.last_states(fwd), loss


def cross_entropy_per_char(model: CharModel, words: Sequence[str], most: int = 200) -> float:
    """The mean cross-entropy per predicted character (nats) on up to ``most`` of ``words``,
    evenly spaced, each from zero states: log(n_x) for a uniform guess."""
    picked = list(words[:: max(1, len(words) // most)])[:most]
    total, count = 0.0, 0
    for w in picked:
        X, Y = model.encode(w)
        out = model.rec.forward({"X": X, "Y": Y, **model.states(), **model.params})
        total, count = total + float(out["L"].sum()), count + X.shape[2]
    return total / max(count, 1)


def sample(model: CharModel, seed: int = 0, max_len: int = 50) -> str:
    """The course's ``sample``: draw each next character from ŷ⟨t⟩, feeding it back (one step of
    the printed forward loop at a time, the states carried)."""
    rng = np.random.default_rng(seed)
    n_x = len(model.chars)
    x, states, out = np.zeros((n_x, 1, 1)), model.states(), []
    while len(out) < max_len:
        fwd = model.rec.forward({"X": x, "Y": np.zeros_like(x), **states, **model.params})
        step = dict(zip(model.rec.cache_names, fwd["caches"][0], strict=True))
        p = step["yt_pred"].ravel()
        idx = int(rng.choice(n_x, p=p / p.sum()))
        if model.chars[idx] == "\n":
            break
        out.append(model.chars[idx])
        x = np.zeros((n_x, 1, 1))
        x[idx, 0, 0] = 1.0
        states = model.last_states(fwd)
    return "".join(out)
