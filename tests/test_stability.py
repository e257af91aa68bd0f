"""The NumPy that runs is numerically stable where the textbook formula overflows.

log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z), and softmax / log-sum-exp shifted by the
column maximum: saturated units give large finite costs instead of ``0 · log 0 = nan``.
"""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule.scalar import FUNCTIONS


def _huge_inputs(n_x: int, m: int = 6) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(n_x, m)) * 1e4


def test_sigmoid_bce_cost_is_finite_and_exact_when_saturated() -> None:
    net = cr.mlp([3, 4, 1], hidden="tanh", output="sigmoid", loss="bce")
    params, X = net.init(seed=1, method="random", scale=1.0), _huge_inputs(3)
    Y = np.array([[0, 1, 0, 1, 1, 0]], dtype=float)
    forward = net.forward(params, X, Y)
    Z = forward["Z2"]
    # BCE from Z alone: L = log(1 + e^{−z}) for y = 1, log(1 + e^{z}) for y = 0
    expected = np.mean(np.where(Y == 1, np.logaddexp(0, -Z), np.logaddexp(0, Z)))
    assert np.isfinite(net.cost(params, X, Y))
    assert abs(net.cost(params, X, Y) - expected) <= 1e-12 * max(1.0, abs(expected))
    assert all(np.isfinite(g).all() for g in net.gradients(params, X, Y).values())
    assert "dA2" not in net.gradients(params, X, Y)  # no update reads it: not computed


def test_softmax_ce_cost_is_finite_and_exact_for_huge_logits() -> None:
    net = cr.mlp([3, 5, 4], hidden="relu", output="softmax", loss="ce")
    params, X = net.init(seed=0), _huge_inputs(3)
    Y = np.eye(4)[:, [0, 1, 2, 3, 0, 1]]
    Z = net.forward(params, X, Y)["Z2"]
    c = Z.max(axis=0, keepdims=True)
    log_softmax = Z - (np.log(np.exp(Z - c).sum(axis=0, keepdims=True)) + c)
    expected = -np.mean(np.sum(Y * log_softmax, axis=0))
    assert abs(net.cost(params, X, Y) - expected) <= 1e-9 * max(1.0, abs(expected))
    A = net.probabilities(params, X)
    assert np.isfinite(A).all() and np.allclose(A.sum(axis=0), 1.0)
    assert np.isfinite(net.gradients(params, X, Y)["dW1"]).all()
    assert "softmax(Z2, axis=0)" in net.source()


def test_the_printed_sigmoid_is_the_courses_formula_and_never_overflows() -> None:
    """The helper the printed code calls is ``1 / (1 + np.exp(-x))`` bit for bit wherever that is
    finite (so the planar run follows the course's own trajectory), and gives σ(x) without an
    overflow warning where ``np.exp(-x)`` would overflow."""
    namespace: dict = {"np": np}
    exec(FUNCTIONS["sigmoid"].helper, namespace)  # the source printed into every module
    sigmoid = namespace["sigmoid"]
    x = np.linspace(-700, 700, 20001)
    assert np.array_equal(sigmoid(x), 1 / (1 + np.exp(-x)))
    extreme = np.array([-1e300, -1000.0, -745.0, 745.0, 1e300])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow is benign
        values = sigmoid(extreme)
    assert np.all(values[:3] < 1e-300) and np.all(values[:3] >= 0) and np.all(values[3:] == 1.0)
