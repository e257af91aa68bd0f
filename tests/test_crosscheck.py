"""The PyTorch cross-check: the same network in torch, its autograd against chainrule's formulas."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.check import sample, torch_gradients
from chainrule.check.crosscheck import torch_activation
from chainrule.scalar import ElementwiseFn, Z

pytest.importorskip("torch")

z = sympy.Symbol("z")
SWISH = cr.activation("swish", z / (1 + sympy.exp(-z)))  # a custom activation, via SymPy → torch
HIDDEN = ["tanh", "relu", "sigmoid", "leaky_relu", "softplus", SWISH]
OUTPUTS = [("sigmoid", "bce"), ("softmax", "ce"), ("linear", "mse"), ("tanh", "mse"),
           ("sigmoid", "mse"), ("relu", "mse")]  # fmt: skip


@st.composite
def networks(draw: st.DrawFn) -> tuple:
    depth = draw(st.integers(1, 5))
    layers = draw(st.lists(st.integers(1, 6), min_size=depth + 1, max_size=depth + 1))
    output, loss = draw(st.sampled_from(OUTPUTS))
    if loss == "bce":
        layers[-1] = 1
    if loss == "ce":
        layers[-1] = max(2, layers[-1])  # a softmax over one unit is refused (always 1)
    hidden = draw(st.lists(st.sampled_from(HIDDEN), min_size=depth - 1, max_size=depth - 1))
    layout = draw(st.sampled_from(["columns", "rows"]))
    l2 = draw(st.sampled_from([0.0, 0.0, 0.5]))
    net = cr.mlp(layers, hidden, output, loss, layout, l2)
    m, seed = draw(st.integers(1, 6)), draw(st.integers(0, 2**16))
    return net, *sample(net, m, np.random.default_rng(seed))[:3]


@settings(
    max_examples=110, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(networks())
def test_every_gradient_agrees_with_pytorch(case: tuple) -> None:
    net, params, X, Y = case
    report = cr.crosscheck(net, params, X, Y)
    assert report.passed, str(report)
    assert all(r.difference <= 1e-10 for r in report.rows)
    expected = {f"d{p}" for p in net.program.params}
    expected |= {f"d{q}{l}" for q in "ZA" for l in range(1, net.L + 1)}
    assert {r.name for r in report.rows} == expected


@pytest.mark.parametrize("hidden", HIDDEN, ids=lambda h: getattr(h, "name", h))
@pytest.mark.parametrize(("output", "loss"), OUTPUTS)
def test_every_activation_and_output_pair(hidden: object, output: str, loss: str) -> None:
    for i, layout in enumerate(("columns", "rows")):
        net = cr.mlp([3, 4, 3, 1 if loss == "bce" else 2], hidden, output, loss, layout)
        params, X, Y, _ = sample(net, 4, np.random.default_rng(i))
        assert cr.crosscheck(net, params, X, Y).passed


def test_exact_convention_scales_intermediates() -> None:
    net = cr.mlp([3, 4, 2], hidden="tanh", output="softmax", loss="ce")
    params, X, Y, _ = sample(net, 5, np.random.default_rng(0))
    assert cr.crosscheck(net, params, X, Y, convention="exact").passed
    course = torch_gradients(net, params, X, Y, "course")
    exact = torch_gradients(net, params, X, Y, "exact")
    assert np.allclose(course["dZ1"], 5 * exact["dZ1"])
    assert np.allclose(course["dW1"], exact["dW1"])


def test_a_wrong_gradient_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    net = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")
    params, X, Y, _ = sample(net, 5, np.random.default_rng(1))
    right = net.gradients

    def wrong(*args: object, **kw: object) -> dict:
        g = dict(right(*args, **kw))
        g["db1"] = g["db1"] + 1e-6  # far below what a plot would show, far above 1e-10
        return g

    monkeypatch.setattr(net, "gradients", wrong)
    report = cr.crosscheck(net, params, X, Y)
    assert [r.name for r in report.failures] == ["db1"]
    assert "FAILED: db[1]" in str(report)


def test_activation_without_torch_counterpart() -> None:
    # cr.activation only admits functions chainrule can differentiate, and each has a torch
    # counterpart; a record built by hand may not, and is refused by name
    weird = ElementwiseFn("weird", sympy.acosh(Z), np.arccosh, "", "", "")
    with pytest.raises(cr.ChainruleError, match="weird .*acosh"):
        torch_activation(weird)


def test_missing_torch_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    net = cr.mlp([2, 3, 1], hidden="tanh", output="sigmoid", loss="bce")
    params, X, Y, _ = sample(net, 3, np.random.default_rng(0))
    with pytest.raises(cr.ChainruleError, match=r'pip install "chainrule\[torch\]"'):
        cr.crosscheck(net, params, X, Y)
