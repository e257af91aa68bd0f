"""``cr.fit`` trains a ``cr.model``: its X, Y are the data, its other ``wrt`` inputs the parameters.

Each run is held to PyTorch: the same forward pass written in torch, the same starting values,
the same plain gradient-descent updates from ``torch.autograd`` — the parameters must agree to
1e-10 (float64) after many updates, full batch and in mini-batches.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

LOGISTIC = """
Z = w.T @ X + b
A = sigmoid(Z)
J = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
"""

BN_LAYER = """
Z = W @ X
mu = np.mean(Z, axis=1, keepdims=True)
var = np.var(Z, axis=1, keepdims=True)
Z_norm = (Z - mu) / np.sqrt(var + eps)
Z_tilde = gamma * Z_norm + beta
A = np.tanh(Z_tilde)
J = np.sum((V @ A - Y) ** 2) / (2 * m)
"""


def _data(n_x: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    return X, (X[:1] - 0.5 * X[1:2] > 0).astype(np.float64)


def _torch_gd(params: dict, loss, batches: list, lr: float) -> dict:
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    for X, Y in batches:
        J = loss(t, torch.tensor(X), torch.tensor(Y))
        grads = torch.autograd.grad(J, list(t.values()))
        with torch.no_grad():
            t = {
                k: (v - lr * g).requires_grad_() for (k, v), g in zip(t.items(), grads, strict=True)
            }
    return {k: v.detach().numpy() for k, v in t.items()}


def test_logistic_regression_trains_as_torch_does() -> None:
    m = cr.model(LOGISTIC, {"w": (2, 1), "b": (1, 1), "X": (2, "m"), "Y": (1, "m")}, ["w", "b"])
    X, Y = _data(2, 300)
    h = cr.fit(m, X, Y, "gd", lr=0.5, iterations=200, init_seed=3)
    start = cr.trainer(m).init(3)

    def loss(t, X, Y):
        A = torch.sigmoid(t["w"].T @ X + t["b"])
        return -torch.sum(Y * torch.log(A) + (1 - Y) * torch.log(1 - A)) / X.shape[1]

    want = _torch_gd(start, loss, [(X, Y)] * 200, 0.5)
    for k in want:
        np.testing.assert_allclose(h.params[k], want[k], rtol=1e-10, atol=1e-12)
    assert h.costs[-1] < 0.5 * h.costs[0]


def test_a_batch_norm_layer_trains_in_mini_batches_as_torch_does() -> None:
    shapes = {
        "W": (4, 3), "gamma": (4, 1), "beta": (4, 1), "V": (1, 4), "X": (3, "m"), "Y": (1, "m"),
    }  # fmt: skip
    m = cr.model(BN_LAYER, shapes, ["W", "gamma", "beta", "V"], {"eps": 1e-5})
    X, Y = _data(3, 96, seed=1)
    rng = np.random.default_rng(5)
    start = {
        "W": rng.standard_normal((4, 3)), "gamma": np.ones((4, 1)), "beta": np.zeros((4, 1)),
        "V": rng.standard_normal((1, 4)),
    }  # fmt: skip
    h = cr.fit(m, X, Y, "gd", lr=0.1, epochs=3, batch_size=32, seed=11, params=start)

    def loss(t, X, Y):
        Z = t["W"] @ X
        Zn = torch.nn.functional.batch_norm(Z.T, None, None, training=True, eps=1e-5).T
        A = torch.tanh(t["gamma"] * Zn + t["beta"])
        return torch.sum((t["V"] @ A - Y) ** 2) / (2 * X.shape[1])

    # the same shuffles fit makes: one seeded generator for the batches, spawned from the seed
    shuffle = np.random.default_rng(np.random.SeedSequence(11).spawn(2)[0])
    batches = []
    for _ in range(3):
        order = shuffle.permutation(96)
        Xs, Ys = X[:, order], Y[:, order]
        batches += [(Xs[:, k : k + 32], Ys[:, k : k + 32]) for k in range(0, 96, 32)]
    want = _torch_gd(start, loss, batches, 0.1)
    for k in want:
        np.testing.assert_allclose(h.params[k], want[k], rtol=1e-10, atol=1e-12)
    assert h.updates == 9


@pytest.mark.parametrize(
    ("source", "shapes", "wrt", "kwargs", "words"),
    [
        (LOGISTIC, {"w": (2, 1), "b": (1, 1), "X": (2, "m"), "Y": (1, "m")}, ["w"], {},
         ["'b'", "neither data nor a parameter", "wrt"]),
        (LOGISTIC, {"w": ("n", 1), "b": (1, 1), "X": ("n", "m"), "Y": (1, "m")}, ["w", "b"], {},
         ["w", "'n'", "dims"]),
        (LOGISTIC.replace("/ m", "/ 7"), {"w": (2, 1), "b": (1, 1), "X": (2, 7), "Y": (1, 7)},
         ["w", "b"], {},
         ["which axis counts examples", "'m'"]),
        (LOGISTIC, {"w": (2, 1), "b": (1, 1), "X": (2, "m"), "Y": (1, "m")}, ["w", "b"],
         {"data": ("X", "T")}, ["no input 'T'"]),
        (LOGISTIC, {"w": (2, 1), "b": (1, 1), "X": (2, "m"), "Y": (1, "m")}, ["X", "Y"], {},
         ["no parameter"]),
    ],
)  # fmt: skip
def test_a_model_that_cannot_be_trained_says_why(source, shapes, wrt, kwargs, words) -> None:
    m = cr.model(source, shapes, wrt)
    with pytest.raises(cr.ChainruleError) as info:
        cr.trainer(m, **kwargs)
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_bad_data_and_init_are_refused_before_training() -> None:
    m = cr.model(LOGISTIC, {"w": (2, 1), "b": (1, 1), "X": (2, "m"), "Y": (1, "m")}, ["w", "b"])
    X, Y = _data(2, 20)
    with pytest.raises(cr.DataError, match="X has shape"):
        cr.fit(m, X[0], Y, iterations=1)
    with pytest.raises(cr.DataError, match="20 examples .* but Y has 19"):
        cr.fit(m, X, Y[:, :19], iterations=1)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(cr.DataError, match="NaN"):
        cr.fit(m, bad, Y, iterations=1)
    with pytest.raises(cr.SpecError, match="'he'"):
        cr.fit(m, X, Y, iterations=1, init="he")
