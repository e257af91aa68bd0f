"""Training: L2 and dropout derived, mini-batches, masks, Ctrl-C, divergence, data and init."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import DataError, SpecError, TrainingDiverged
from chainrule.printers.text import derivation_lines
from chainrule.train.dropout import draw_masks

RNG = np.random.default_rng(7)


def random_problem(layers, m=5, **kw):
    net = cr.mlp(layers, **kw)
    params = {k: RNG.normal(0, 0.7, v.shape) for k, v in net.init(seed=0, method="he").items()}
    X = RNG.normal(size=(layers[0], m))
    Y = (RNG.random((1, m)) > 0.5).astype(float)
    return net, params, X, Y


def finite_differences(J, params, h=1e-6):
    """Central differences (J(P + h) − J(P − h)) / 2h of the cost for every parameter entry."""
    grads = {}
    for k, P in params.items():
        g = np.zeros_like(P)
        for i in np.ndindex(P.shape):
            plus, minus = dict(params), dict(params)
            plus[k], minus[k] = P.copy(), P.copy()
            plus[k][i] += h
            minus[k][i] -= h
            g[i] = (J(plus) - J(minus)) / (2 * h)
        grads["d" + k] = g
    return grads


def assert_close(derived, numeric):
    for k, g in numeric.items():
        err = np.linalg.norm(derived[k] - g) / max(np.linalg.norm(derived[k] + g), 1e-12)
        assert err < 1e-6, f"{k}: relative error {err:.2e}"


# -- regularization is in the graph ------------------------------------------------------------
def test_l2_gradients_match_finite_differences() -> None:
    # J = (1/m) Σ L + (λ/2m) Σ_l ‖W[l]‖²_F  ⇒  dW[l] = (1/m)(dZ[l] A[l−1]ᵀ + λ W[l])
    net, params, X, Y = random_problem([3, 4, 2, 1], hidden="tanh", l2=0.7)
    derived = net.gradients(params, X, Y)
    assert_close(derived, finite_differences(lambda p: net.cost(p, X, Y), params))


def test_dropout_gradients_with_a_fixed_mask_match_finite_differences() -> None:
    # A[l] = g(Z[l]) ⊙ D[l] / keep_prob  ⇒  the mask and 1/keep_prob appear in dZ[l]
    net, params, X, Y = random_problem([3, 4, 3, 1], m=6, hidden="tanh", keep_prob=0.7, l2=0.3)
    masks = draw_masks(net, 6, np.random.default_rng(0))
    assert set(masks) == {"D1", "D2"} and 0 < masks["D1"].sum() < masks["D1"].size

    def J(p):
        return float(net.forward(p, X, Y, masks)["J"])

    derived = net.gradients(params, X, Y, masks=masks)
    assert_close(derived, finite_differences(J, params))


def test_the_derivation_shows_the_l2_and_dropout_terms() -> None:
    net = cr.mlp([2, 3, 1], hidden="relu", l2=0.5, keep_prob=0.8)
    lines = {line.split(" = ")[0]: line for line in derivation_lines(net.derive())}
    # dW[1] = (1/m) dZ[1] Xᵀ + (λ / m) W[1]
    # dA[1] = (1/keep_prob[1]) W[2]ᵀ dZ[2] ⊙ D[1]      (dropout is its own equation A_drop[1])
    assert lines["dW[1]"] == "dW[1] = (1/m) dZ[1] Xᵀ + (λ / m) W[1]"
    assert "D[1]" in lines["dA[1]"] and "keep_prob[1]" in lines["dA[1]"]
    assert lines["dZ[1]"] == "dZ[1] = dA[1] ⊙ 𝟙(Z[1] > 0)"
    source = net.source()
    assert "lambd / m * W1" in source and "dA1 = 1 / keep_prob1 * (dA_drop1 * D1)" in source


def test_masks_are_bernoulli_and_fresh_each_step() -> None:
    X, Y = cr.data.moons(m=50)
    net = cr.mlp([2, 40, 1], hidden="relu", keep_prob=0.75)
    seen = []

    def recording(params, X, Y, masks):
        seen.append(masks["D1"])
        return net.step(params, X, Y, masks)

    cr.fit(net, X, Y, iterations=3, gradient_fn=recording)
    assert all(D.shape == (40, 50) and set(np.unique(D)) <= {0.0, 1.0} for D in seen)
    assert not np.array_equal(seen[0], seen[1])
    assert abs(np.mean(seen) - 0.75) < 0.03
    # the same seed draws the same masks
    again = []
    cr.fit(
        net,
        X,
        Y,
        iterations=3,
        gradient_fn=lambda p, X, Y, m: again.append(m["D1"]) or net.step(p, X, Y, m),
    )
    assert all(np.array_equal(a, b) for a, b in zip(seen, again, strict=True))


def test_prediction_uses_no_dropout() -> None:
    X, Y = cr.data.moons(m=60)
    plain = cr.mlp([2, 6, 1], hidden="tanh")
    dropped = cr.mlp([2, 6, 1], hidden="tanh", keep_prob=0.5)
    p = plain.init(seed=3)
    assert np.array_equal(dropped.probabilities(p, X), plain.probabilities(p, X))
    assert dropped.cost(p, X, Y) == pytest.approx(plain.cost(p, X, Y))


# -- mini-batches -----------------------------------------------------------------------------
def test_mini_batches_cover_each_epoch_once_with_a_partial_last_batch() -> None:
    m = 10
    X = np.vstack([np.arange(m, dtype=float), np.zeros(m)])
    Y = (np.arange(m) % 2).reshape(1, m).astype(float)
    net = cr.mlp([2, 3, 1], hidden="tanh")
    seen = []
    rec = lambda p, Xb, Yb, masks: seen.append(Xb[0].copy()) or net.step(p, Xb, Yb, masks)  # noqa: E731
    h = cr.fit(net, X, Y, epochs=3, batch_size=4, gradient_fn=rec)
    assert [len(b) for b in seen] == [4, 4, 2] * 3
    for e in range(3):
        assert sorted(np.concatenate(seen[3 * e : 3 * e + 3])) == list(range(m))
    assert not np.array_equal(np.concatenate(seen[:3]), np.concatenate(seen[3:6]))
    assert h.unit == "epoch" and h.steps == [0, 1, 2] and h.updates == 9

    again = []
    rec2 = lambda p, Xb, Yb, masks: again.append(Xb[0].copy()) or net.step(p, Xb, Yb, masks)  # noqa: E731
    cr.fit(net, X, Y, epochs=3, batch_size=4, gradient_fn=rec2)
    assert all(np.array_equal(a, b) for a, b in zip(seen, again, strict=True))


def test_epoch_cost_is_the_size_weighted_mean_of_batch_costs() -> None:
    X, Y = cr.data.moons(m=30)
    net = cr.mlp([2, 4, 1], hidden="tanh")
    costs, sizes = [], []

    def rec(p, Xb, Yb, masks):
        out = net.step(p, Xb, Yb, masks)
        costs.append(float(out["J"]))
        sizes.append(Xb.shape[1])
        return out

    h = cr.fit(net, X, Y, "adam", lr=0.01, epochs=2, batch_size=8, gradient_fn=rec)
    first = np.dot(costs[:4], sizes[:4]) / 30
    assert h.costs[0] == pytest.approx(first, rel=1e-12)


def test_iterations_with_mini_batches_count_updates() -> None:
    X, Y = cr.data.moons(m=30)
    h = cr.fit(cr.mlp([2, 4, 1]), X, Y, iterations=10, batch_size=8)
    assert h.updates == 10 and h.steps == list(range(10))


# -- History ----------------------------------------------------------------------------------
def test_history_records_costs_norms_and_timings() -> None:
    X, Y = cr.data.planar()
    net = cr.mlp([2, 4, 1], hidden="tanh")
    h = cr.fit(net, X, Y, lr=1.2, iterations=400, init="course", norm_every=50)
    assert len(h.costs) == 400 and h.costs[-1] < h.costs[0]
    assert h.norm_steps == list(range(0, 400, 50))
    assert set(h.grad_norms) == {"dW1", "dW2"} and all(len(v) == 8 for v in h.grad_norms.values())
    assert h.seconds > 0 and h.updates == 400 and not h.interrupted
    assert json.loads(json.dumps(h.to_dict()))["final_cost"] == h.cost
    assert h.every(100) == [(i, h.costs[i]) for i in (0, 100, 200, 300)]
    assert cr.accuracy(net, h, X, Y) == net.accuracy(h.params, X, Y)
    assert np.array_equal(cr.predict(net, h, X), net.predict(h.params, X))


def test_a_gradient_function_without_J_gives_the_same_run() -> None:
    X, Y = cr.data.moons(m=40)
    net = cr.mlp([2, 5, 1], hidden="tanh")
    h1 = cr.fit(net, X, Y, lr=0.5, iterations=30)
    h2 = cr.fit(
        net,
        X,
        Y,
        lr=0.5,
        iterations=30,
        gradient_fn=lambda p, X, Y, m: net.gradients(p, X, Y, masks=m),
    )
    assert h1.costs == pytest.approx(h2.costs, rel=1e-14)


def test_rows_layout_trains_like_columns() -> None:
    X, Y = cr.data.moons(m=40)
    cols = cr.mlp([2, 5, 1], hidden="tanh")
    rows = cr.mlp([2, 5, 1], hidden="tanh", layout="rows")
    h1 = cr.fit(cols, X, Y, lr=0.5, iterations=50, seed=4)
    h2 = cr.fit(rows, X.T, Y.T, lr=0.5, iterations=50, seed=4)
    assert h1.costs == pytest.approx(h2.costs, rel=1e-10)


def test_softmax_labels_are_one_hot_encoded() -> None:
    X, Y = cr.data.blobs(m=90, k=3)
    net = cr.mlp([2, 6, 3], hidden="relu", output="softmax")
    h = cr.fit(net, X, Y, "momentum", lr=0.1, iterations=200)
    assert cr.accuracy(net, h, X, Y) > 90


# -- nothing lost: Ctrl-C and divergence --------------------------------------------------------
def test_ctrl_c_stops_cleanly_with_the_last_parameters() -> None:
    X, Y = cr.data.moons(m=40)
    net = cr.mlp([2, 5, 1], hidden="tanh")
    calls = []

    def interrupted(p, X, Y, masks):
        if len(calls) == 5:
            raise KeyboardInterrupt
        calls.append(1)
        return net.step(p, X, Y, masks)

    h = cr.fit(net, X, Y, lr=0.5, iterations=100, gradient_fn=interrupted)
    full = cr.fit(net, X, Y, lr=0.5, iterations=5)
    assert h.interrupted and h.updates == 5 and len(h.costs) == 5
    for k in full.params:
        assert np.array_equal(h.params[k], full.params[k])


def test_nan_stops_training_naming_layer_and_iteration() -> None:
    X, Y = cr.data.moons(m=40)
    net = cr.mlp([2, 5, 3, 1], hidden="tanh")

    def poisoned(p, X, Y, masks):
        out = dict(net.step(p, X, Y, masks))
        if len(h_calls) == 3:
            out["dW2"] = out["dW2"] * np.nan
        h_calls.append(1)
        return out

    h_calls: list = []
    with pytest.raises(TrainingDiverged) as info:
        cr.fit(net, X, Y, lr=0.5, iterations=50, gradient_fn=poisoned)
    message = str(info.value)
    assert "iteration 4" in message and "W[2]" in message and "layer 2" in message
    assert "learning rate" in message and "initialization" in message
    assert info.value.history.updates == 4


def test_a_huge_learning_rate_diverges_with_a_hint() -> None:
    X, Y = cr.data.moons(m=40)
    Y = Y * 1e3
    net = cr.mlp([2, 8, 1], hidden="relu", output="linear", loss="mse")
    with pytest.raises(TrainingDiverged, match=r"iteration \d+: .*layer \d.*learning rate"):
        cr.fit(net, X, Y, lr=10.0, iterations=2000, init="he")


# -- data and options -------------------------------------------------------------------------
def test_data_that_does_not_fit_gives_a_clear_error() -> None:
    X, Y = cr.data.moons(m=20)
    net = cr.mlp([3, 4, 1])
    with pytest.raises(DataError, match=r"X \(2, 20\).*expected X \(3, 20\)"):
        cr.fit(net, X, Y)
    with pytest.raises(DataError, match="transpose"):
        cr.fit(cr.mlp([2, 4, 1]), X.T, Y)


def test_bad_options() -> None:
    X, Y = cr.data.moons(m=20)
    net = cr.mlp([2, 4, 1])
    with pytest.raises(SpecError, match="not both"):
        cr.fit(net, X, Y, iterations=3, epochs=3)
    with pytest.raises(SpecError, match="batch size"):
        cr.fit(net, X, Y, batch_size=0)
    with pytest.raises(SpecError, match="unknown initialization"):
        cr.fit(net, X, Y, init="glorot")


# -- initializations --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "method, std", [("he", np.sqrt(2 / 400)), ("xavier", np.sqrt(1 / 400)), ("random", 0.05)]
)
def test_initialization_spread(method: str, std: float) -> None:
    p = cr.mlp([400, 300, 1]).init(seed=1, method=method, scale=0.05)
    assert p["W1"].std() == pytest.approx(std, rel=0.02)
    assert not p["b1"].any()


def test_initializations_are_seeded_and_zeros_is_zero() -> None:
    net = cr.mlp([3, 4, 1])
    assert np.array_equal(net.init(seed=5)["W1"], net.init(seed=5)["W1"])
    assert not np.array_equal(net.init(seed=5)["W1"], net.init(seed=6)["W1"])
    assert all(not v.any() for v in net.init(method="zeros").values())
    state = np.random.get_state()[1].copy()
    net.init(method="course")
    assert np.array_equal(np.random.get_state()[1], state)  # global state untouched


# -- progress ---------------------------------------------------------------------------------
def test_progress_is_off_without_a_terminal_and_harmless_when_forced(capsys) -> None:
    X, Y = cr.data.moons(m=40)
    net = cr.mlp([2, 4, 1])
    cr.fit(net, X, Y, iterations=20)
    assert capsys.readouterr() == ("", "")  # not a terminal: no bar
    h = cr.fit(net, X, Y, iterations=20, progress=True)
    assert h.updates == 20 and capsys.readouterr().out == ""  # the bar draws on stderr only
