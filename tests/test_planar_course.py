"""The course's planar run (DLS course 1, week 3) reproduced through chainrule's derived code.

The expected numbers come from ``tests/reference/planar_course.py``, a plain-NumPy script that
does not import chainrule: cost 0.693048 at iteration 0, costs to 6 decimals through iteration
7000 (later ones are floating-point sensitive, see the JSON's notes), accuracy printed with
``%d`` as 90 %, and 67.5, 67.25, 90.75, 90.5, 91.25 % for 1–5 hidden units after 5000 iterations.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr

EXPECTED = json.loads((Path(__file__).parent / "reference" / "planar_expected.json").read_text())
PUBLISHED_BY_SIZE = {1: 67.5, 2: 67.25, 3: 90.75, 4: 90.5, 5: 91.25}


def course_net(n_h: int) -> cr.Network:
    return cr.mlp([2, n_h, 1], hidden="tanh", output="sigmoid", loss="bce")


@pytest.fixture(scope="module")
def planar() -> tuple[np.ndarray, np.ndarray]:
    return cr.data.planar()


@pytest.fixture(scope="module")
def run(planar: tuple) -> tuple[cr.Network, cr.History]:
    X, Y = planar
    net = course_net(4)
    return net, cr.fit(net, X, Y, "gd", lr=1.2, iterations=10000, init="course")


def test_course_init_is_seed_2_then_W1_W2() -> None:
    # np.random.seed(2); W1 = randn(n_h, n_x)·0.01; b1 = 0; W2 = randn(n_y, n_h)·0.01; b2 = 0
    rng = np.random.RandomState(2)
    W1, W2 = rng.randn(4, 2) * 0.01, rng.randn(1, 4) * 0.01
    p = course_net(4).init(method="course")
    assert np.array_equal(p["W1"], W1) and np.array_equal(p["W2"], W2)
    assert not p["b1"].any() and p["b1"].shape == (4, 1)
    assert not p["b2"].any() and p["b2"].shape == (1, 1)


def test_cost_at_iteration_0_is_published(run: tuple) -> None:
    _, h = run
    assert f"{h.costs[0]:.6f}" == "0.693048"


def test_costs_through_iteration_7000_to_6_decimals(run: tuple) -> None:
    _, h = run
    for i, expected in zip(EXPECTED["cost_iterations"], EXPECTED["costs"], strict=True):
        if i <= 7000:
            assert h.costs[i] == pytest.approx(expected, abs=5e-7), f"iteration {i}"
            assert f"{h.costs[i]:.6f}" == f"{expected:.6f}", f"iteration {i}"


def test_final_accuracy_prints_90_with_percent_d(run: tuple, planar: tuple) -> None:
    net, h = run
    acc = cr.accuracy(net, h, *planar)
    assert int(acc) == 90  # the course prints it with %d (true value 90.5–90.75 %)


@pytest.mark.parametrize("n_h", sorted(PUBLISHED_BY_SIZE))
def test_accuracy_by_hidden_size_after_5000_iterations(n_h: int, planar: tuple) -> None:
    X, Y = planar
    net = course_net(n_h)
    h = cr.fit(net, X, Y, "gd", lr=1.2, iterations=5000, init="course")
    assert net.accuracy(h.params, X, Y) == PUBLISHED_BY_SIZE[n_h]
    assert EXPECTED["hidden_size_accuracy"][str(n_h)] == PUBLISHED_BY_SIZE[n_h]


def test_training_runs_the_derived_code(planar: tuple) -> None:
    """The default step is net.step, i.e. the printed gradients() — same numbers as fit."""
    X, Y = planar
    net = course_net(4)
    calls = []

    def spy(params, X, Y, masks):
        calls.append(1)
        return net.step(params, X, Y, masks)

    h1 = cr.fit(net, X, Y, lr=1.2, iterations=20, init="course")
    h2 = cr.fit(net, X, Y, lr=1.2, iterations=20, init="course", gradient_fn=spy)
    assert len(calls) == 20 and h1.costs == h2.costs
    assert "def gradients(" in net.source()
