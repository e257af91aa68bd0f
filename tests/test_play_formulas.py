"""The formulas the playground shows are the ones that run, and its numbers are the ones used.

* each backward formula on the page is a step of ``net.derive()``: its code line is a line of
  ``net.source()`` (the module ``gradients()`` runs), its MathML typesets the same step and reads
  as the course writes it (``tests/course.py``);
* after one Step, the numbers next to the formulas are the gradients the update applied
  (``(W_before − W_after)/α``) and agree with PyTorch autograd in float64;
* live training (the fast step, a few iterations per picture) lands on the parameters of one
  ``cr.fit`` run with the teaching code.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl

import numpy as np
import pytest
from course import SIX_EQUATIONS

import chainrule as cr
from chainrule.printers.html_page import latex_to_mathml
from chainrule.printers.latex import latex, latex_name
from chainrule.web import PlayState, Session, parse_state, state_from_query
from chainrule.web.session import network_for


def mathml_text(mathml: str) -> str:
    """What a reader sees in a ``<math>`` element: its characters, without the markup."""
    return unescape(re.sub(r"<[^>]+>", "", mathml))


def course_text(equation: str) -> str:
    """The course's equation as the MathML spells it: ᵀ is ⊤, ² a superscript 2, 1/m a fraction."""
    for a, b in (("ᵀ", "⊤"), ("²", "2"), ("(1/m)", "1m"), (" ", "")):
        equation = equation.replace(a, b)
    return equation


@pytest.fixture(scope="module")
def planar() -> Session:
    s = Session()
    s.build()
    return s


def test_every_backward_formula_is_a_line_of_the_code_that_runs(planar: Session) -> None:
    shown = planar.describe()["equations"]["backward"]
    source = planar.net.source("course")
    start, every = source.index("def gradients("), source.index("def backward(")
    update = [line.strip() for line in source[start:every].splitlines()]
    run = [e for e in shown if e["runs"]]
    positions = [update.index(e["code"]) for e in run]  # ValueError: a line that does not run
    assert positions == sorted(positions)  # in the order the update runs them
    assert [e["name"] for e in run] == [s.target for s in planar.net.derive().update_steps]
    rest = [line.strip() for line in source[every:].splitlines()]
    assert all(e["code"] in rest for e in shown if not e["runs"])  # dA[L]: a line of backward()
    assert [e["name"] for e in shown if not e["runs"]] == ["dA2"]
    assert [e["name"] for e in shown] == planar.net.quantities("course")


def test_the_mathml_typesets_the_same_step_as_the_course_writes_it(planar: Session) -> None:
    shown = {e["label"]: e for e in planar.describe()["equations"]["backward"]}
    d = planar.net.derive("course")
    for e in shown.values():
        step = d[e["name"]]
        tex = f"{latex_name(step.target, True)} = {latex(step.expanded, True, 'm')}"
        assert e["mathml"] == latex_to_mathml(tex)
        assert e["shape"] == "(" + ", ".join(map(str, step.shape)) + ")"
    for equation in SIX_EQUATIONS:
        label = equation.split(" = ")[0]
        if label.startswith("db"):  # the course's Σ is typeset with its limits
            assert "∑i=1m" in mathml_text(shown[label]["mathml"])
            continue
        assert mathml_text(shown[label]["mathml"]) == course_text(equation)


def test_a_relu_network_shows_its_own_derivative() -> None:
    s = Session()
    shown = s.build({"hidden": "relu"})["equations"]["backward"]
    dZ1 = next(e for e in shown if e["name"] == "dZ1")
    assert "tanh" not in dZ1["code"] and "A1**2" not in dZ1["code"]
    assert dZ1["code"] in s.net.source()


torch = pytest.importorskip("torch")


def torch_gradients(s: Session, params: dict) -> dict:
    """∂J/∂W[l], ∂J/∂b[l] and ∂ℒ/∂Z[l] (ℒ = Σᵢ L⁽ⁱ⁾: the per-example dZ) by autograd, float64.

    The 2-4-1 tanh/sigmoid/BCE network written in PyTorch, in the session's layout.
    """
    cols = s.state.layout == "columns"
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    X = torch.tensor(s.X, dtype=torch.float64)
    Y = torch.tensor(s.Y, dtype=torch.float64)
    Z1 = t["W1"] @ X + t["b1"] if cols else X @ t["W1"] + t["b1"]
    A1 = torch.tanh(Z1)
    Z2 = t["W2"] @ A1 + t["b2"] if cols else A1 @ t["W2"] + t["b2"]
    loss = torch.nn.functional.binary_cross_entropy_with_logits(Z2, Y, reduction="none")
    Z1.retain_grad()
    Z2.retain_grad()
    loss.sum().backward()
    m = X.shape[1 if cols else 0]
    out = {f"d{k}": v.grad.numpy() / m for k, v in t.items()}
    out |= {"dZ1": Z1.grad.numpy(), "dZ2": Z2.grad.numpy()}
    return out


@pytest.mark.parametrize(("layout", "convention"), [("columns", "course"), ("rows", "exact")])
def test_the_numbers_after_a_step_are_the_gradients_the_update_used(
    layout: str, convention: str
) -> None:
    s = Session()
    s.build({"layout": layout, "convention": convention, "lr": 0.7})
    before = {k: v.copy() for k, v in s.params.items()}
    s.step()
    s.choose_example(17)
    shown = s.snapshot()["values"]
    reference = torch_gradients(s, before)
    m = s.X.shape[1 if layout == "columns" else 0]
    per_example = 1.0 if convention == "course" else 1.0 / m  # exact: dZ = ∂J/∂Z
    for l in (1, 2):
        applied = (before[f"W{l}"] - s.params[f"W{l}"]) / 0.7  # what gradient descent subtracted
        np.testing.assert_allclose(shown[f"dW{l}"], applied, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(shown[f"dW{l}"], reference[f"dW{l}"], rtol=1e-5, atol=1e-9)
        np.testing.assert_allclose(shown[f"db{l}"], reference[f"db{l}"], rtol=1e-5, atol=1e-9)
        dZ = np.take(reference[f"dZ{l}"], 17, axis=1 if layout == "columns" else 0)
        np.testing.assert_allclose(shown[f"dZ{l}"], dZ * per_example, rtol=1e-5, atol=1e-9)
    assert "update" in s.snapshot()["values_of"]


def test_live_training_runs_the_same_formulas_as_one_fit() -> None:
    """Pictures of 20, 20 and 37 iterations (fast step) = one cr.fit of 77 (teaching code)."""
    s = Session()
    s.build()
    assert s.fast is not None
    for k in (20, 20, 37):
        s.advance(k)
    net = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")
    X, Y = cr.data.planar()
    h = cr.fit(net, X, Y, "gd", lr=1.2, iterations=77, init="course", progress=False)
    for k, v in h.params.items():
        np.testing.assert_allclose(s.params[k], v, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose([c for _, c in s.costs], h.costs, rtol=1e-9)
    assert s.iteration == 77


def test_the_decision_boundary_is_the_networks_output_over_the_plane() -> None:
    s = Session()
    s.build()
    s.advance(300)
    grid, (x0, x1, y0, y1) = s.snapshot()["grid"], s.describe()["box"]
    n = grid["n"]
    assert len(grid["z"]) == n and all(len(row) == n for row in grid["z"])
    # row 0 is the top (y1), column 0 the left (x0): the corners are those points' P(y = 1)
    corners = np.array([[x0, x1, x0, x1], [y1, y1, y0, y0]])
    p = s.net.probabilities(s.params, corners)[0]
    z = grid["z"]
    np.testing.assert_allclose([z[0][0], z[0][-1], z[-1][0], z[-1][-1]], p, atol=1e-3)


def test_adam_keeps_its_state_across_pictures() -> None:
    s = Session()
    s.build({"optimizer": "adam", "lr": 0.01, "init": "xavier"})
    s.advance(10)
    s.advance(15)
    net = network_for(s.state)
    X, Y = cr.data.planar()
    h = cr.fit(net, X, Y, "adam", lr=0.01, iterations=25, init="xavier", seed=2, progress=False)
    for k, v in h.params.items():
        np.testing.assert_allclose(s.params[k], v, rtol=1e-8, atol=1e-12)


def test_a_state_survives_its_link() -> None:
    state = parse_state(
        {"data": "moons", "layers": "2,5,3,1", "hidden": "relu,tanh", "lr": "0.05", "seed": 7}
    )
    query = dict(parse_qsl(state.query()))
    assert state_from_query(query) == state
    assert state_from_query({}) == PlayState()
    assert state.hidden == ("relu", "tanh") and state.layers == (2, 5, 3, 1)


@pytest.mark.parametrize(
    "raw",
    [
        {"layers": [2, 10**6, 1]},
        {"layers": [2] + [4] * 12 + [1]},
        {"layers": "2,200,200,200,200,200,200,1"},  # under the unit limit, over the parameters
        {"lr": 0},
        {"lr": float("inf")},
        {"per_frame": 10**7},
        {"layers": [2, True, 1]},
        {"hidden": "banana"},
        {"layers": "2,4,4,1", "hidden": "tanh,relu,relu"},
    ],
)
def test_absurd_choices_are_refused(raw: dict) -> None:
    with pytest.raises(cr.SpecError):
        parse_state(raw)
