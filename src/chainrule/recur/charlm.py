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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError
from .sequence import Recurrence, recurrence

__all__ = ["CHAR_RNN", "CharModel", "clip", "corpus_words", "char_rnn", "train", "sample"]

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
PARAMS = ("Waa", "Wax", "Wya", "ba", "by")


def char_rnn() -> Recurrence:
    """The course's character model as a recurrence (X and Y one-hot, time last)."""
    shapes = {
        "X": ("n_x", "m", "T_x"),
        "Y": ("n_x", "m", "T_x"),
        "a0": ("n_a", "m"),
        "Waa": ("n_a", "n_a"),
        "Wax": ("n_a", "n_x"),
        "Wya": ("n_x", "n_a"),
        "ba": ("n_a", 1),
        "by": ("n_x", 1),
    }
    return recurrence(CHAR_RNN, shapes, data=("X", "Y"), name="char_rnn")


def clip(gradients: Mapping[str, np.ndarray], max_value: float) -> dict[str, np.ndarray]:
    """The course's ``clip``: every entry into [−max_value, max_value] (``np.clip``)."""
    return {k: np.clip(g, -max_value, max_value) for k, g in gradients.items()}


def corpus_words(min_len: int = 3, max_len: int = 10) -> list[str]:
    """Lower-case words of CPython's own documentation (``pydoc_data.topics``), sorted, unique."""
    from pydoc_data.topics import topics

    text = " ".join(topics[k] for k in sorted(topics))
    words = {w for w in re.findall(r"\b[a-z]+\b", text) if min_len <= len(w) <= max_len}
    return sorted(words)


@dataclass
class CharModel:
    """Vocabulary, parameters and the recurrence that differentiates them."""

    chars: str
    params: dict[str, np.ndarray]
    rec: Recurrence = field(default_factory=char_rnn)
    losses: list[float] = field(default_factory=list)

    @property
    def n_a(self) -> int:
        return self.params["Waa"].shape[0]

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


def init(chars: str, n_a: int = 50, seed: int = 0) -> CharModel:
    """The course's ``initialize_parameters``: weights N(0, 1)·0.01, biases 0."""
    rng = np.random.default_rng(seed)
    n_x = len(chars)
    params = {
        "Wax": rng.standard_normal((n_a, n_x)) * 0.01,
        "Waa": rng.standard_normal((n_a, n_a)) * 0.01,
        "Wya": rng.standard_normal((n_x, n_a)) * 0.01,
        "ba": np.zeros((n_a, 1)),
        "by": np.zeros((n_x, 1)),
    }
    return CharModel(chars, params)


def train(
    words: Sequence[str],
    iterations: int = 2000,
    learning_rate: float = 0.01,
    max_value: float = 5.0,
    n_a: int = 50,
    seed: int = 0,
    progress: Callable[[int, float], None] | None = None,
) -> CharModel:
    """The course's ``model``: one word per iteration, BPTT, clip, update; the smoothed loss
    (``0.999 · loss + 0.001 · loss_t``, starting at −log(1/n_x) · 7) is kept every iteration."""
    if not words:
        raise DataError("no words to train on")
    chars = "\n" + "".join(sorted(set("".join(words)) - {"\n"}))
    model = init(chars, n_a, seed)
    order = np.random.default_rng(seed).permutation(len(words))
    loss = -np.log(1.0 / len(chars)) * 7
    a_prev = np.zeros((n_a, 1))
    for j in range(iterations):
        X, Y = model.encode(words[order[j % len(words)]])
        values = {"X": X, "Y": Y, "a0": a_prev, **model.params}
        fwd = model.rec.forward(values)
        grads = model.rec.backward(values, {"L": np.ones_like(fwd["L"])})
        grads = clip({k: grads["d" + k] for k in PARAMS}, max_value)
        for k in PARAMS:
            model.params[k] = model.params[k] - learning_rate * grads[k]
        a_prev = fwd["caches"][-1][model.rec.cache_names.index("a_next")]
        loss = 0.999 * loss + 0.001 * float(np.sum(fwd["L"]))
        model.losses.append(loss)
        if progress is not None:
            progress(j, loss)
    return model


def sample(model: CharModel, seed: int = 0, max_len: int = 50) -> str:
    """The course's ``sample``: draw each next character from ŷ⟨t⟩, feeding it back."""
    rng = np.random.default_rng(seed)
    p = model.params
    x, a = np.zeros((len(model.chars), 1)), np.zeros((model.n_a, 1))
    out = []
    while len(out) < max_len:
        a = np.tanh(p["Wax"] @ x + p["Waa"] @ a + p["ba"])
        z = p["Wya"] @ a + p["by"]
        y = np.exp(z - z.max())
        idx = int(rng.choice(len(model.chars), p=(y / y.sum()).ravel()))
        if model.chars[idx] == "\n":
            break
        out.append(model.chars[idx])
        x = np.zeros_like(x)
        x[idx] = 1.0
    return "".join(out)
