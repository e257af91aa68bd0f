"""``cr.check_formula``: correct formulas, however written, pass; garbage is a parse error."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.check.mistakes import np_text
from chainrule.cli import main

SEED_NET = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")
THE_EXAMPLE = "dZ1 = W2 @ dZ2 * (1 - A1**2)"


def test_the_founding_example_needs_a_transpose() -> None:
    r = cr.check_formula(SEED_NET, THE_EXAMPLE)
    assert not r.correct and r.diagnosis == "missing-transpose"
    assert "(1, 4) @ (1, m) do not chain" in r.message
    assert "W2 needs a transpose" in r.message
    assert r.corrected == "dZ1 = W2.T @ dZ2 * (1 - A1**2)"
    assert r.expected == "dZ[1] = W[2]ᵀ dZ[2] ⊙ (1 − A[1]²)"
    assert cr.check_formula(SEED_NET, r.corrected).correct


CORRECT = {
    SEED_NET: [
        "dZ1 = (W2.T @ dZ2) * (1 - np.tanh(Z1)**2)",
        "dZ1 = W2.T @ dZ2 * (1 - A1**2)",
        "dZ1 = dA1 * (1 - A1 ** 2)",
        "dZ1 = np.multiply(np.dot(W2.T, dZ2), 1 - np.power(A1, 2))",
        "dZ1 = W2.T @ dZ2 * g1'(Z1)",
        "dZ1 = W2.T @ dZ2 * g'(Z1)",
        "dZ1 = W2.T @ dZ2 * tanh'(Z1)",
        "dZ[1] = W[2]ᵀ @ dZ[2] ⊙ (1 − A[1]²)",
        "dZ2 = A2 - Y",
        "dZ2 = dA2 * A2 * (1 - A2)",
        "dZ2 = dA2 * σ'(Z2)",
        "dA2 = -Y / A2 + (1 - Y) / (1 - A2)",
        "dW1 = np.dot(dZ1, X.T) / m",
        "dW1 = 1/m * dZ1 @ A0.T",
        "dW2 = 1 / m * dZ2 @ A1.T",
        "db1 = np.mean(dZ1, axis=1, keepdims=True)",
        "db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)",
        "dA1 = W2.T @ dZ2",
    ],
    cr.mlp([3, 5, 4, 2], hidden="relu", output="softmax", loss="ce"): [
        "dZ3 = A3 - Y",
        "dZ2 = W3.T @ dZ3 * (Z2 > 0)",
        "dZ2 = dA2 * np.int64(A2 > 0)",
        "dZ2 = np.where(Z2 > 0, dA2, 0)",
        "dZ1 = W2.T @ dZ2 * g'(Z1)",
        "dZ1 = W2.T @ dZ2 * relu'(Z1)",
        "dW2 = 1/m * dZ2 @ A1.T",
    ],
    cr.mlp([3, 5, 4, 2], hidden="tanh", output="softmax", loss="ce", layout="rows"): [
        "dZ2 = dZ3 @ W3.T * (1 - A2**2)",
        "dW1 = X.T @ dZ1 / m",
        "db1 = np.sum(dZ1, axis=0, keepdims=True) / m",
        "dA1 = dZ2 @ W2.T",
    ],
    cr.mlp([2, 3, 1], hidden="leaky_relu", output="linear", loss="mse", l2=0.5): [
        "dZ1 = dA1 * np.where(Z1 > 0, 1, 0.01)",
        "dZ2 = A2 - Y",
        "dW2 = 1/m * (dZ2 @ A1.T + lambd * W2)",
    ],
}


@pytest.mark.parametrize(
    ("net", "formula"),
    [(net, f) for net, fs in CORRECT.items() for f in fs],
    ids=lambda x: x if isinstance(x, str) else "-".join(map(str, x.spec.layers)),
)
def test_correct_reformulations_are_accepted(net: cr.Network, formula: str) -> None:
    r = cr.check_formula(net, formula)
    assert r.correct, r.message
    assert r.diagnosis is None and r.message.startswith("Correct")


def test_the_algebra_proves_what_it_can() -> None:
    r = cr.check_formula(SEED_NET, "dZ1 = (W2.T @ dZ2) * (1 - np.tanh(Z1)**2)")
    assert r.symbolic and "the algebra shows" in r.message


def test_exact_convention() -> None:
    # ∂J/∂Z[2] carries the 1/m that the course's dZ[2] leaves to dW and db
    assert cr.check_formula(SEED_NET, "dZ2 = (A2 - Y) / m", convention="exact").correct
    assert not cr.check_formula(SEED_NET, "dZ2 = (A2 - Y) / m").correct


def test_a_sum_of_every_entry_is_right_only_because_there_is_one_output_unit() -> None:
    # np.sum(dZ2) adds every entry; with n[2] = 1 that is the sum over the examples, not otherwise
    r = cr.check_formula(SEED_NET, "db2 = 1/m * np.sum(dZ2)")
    assert not r.correct and r.verdict == "right-here-only"
    assert "only because n[2] = 1" in r.message
    assert "axis=1" in r.corrected and "keepdims=True" in r.corrected
    wide = cr.mlp([2, 4, 3], hidden="tanh", output="softmax", loss="ce")
    assert cr.check_formula(wide, r.corrected).correct
    assert not cr.check_formula(wide, r.formula).correct


@st.composite
def quantities(draw: st.DrawFn) -> tuple:
    depth = draw(st.integers(1, 4))
    layers = draw(st.lists(st.integers(1, 5), min_size=depth + 1, max_size=depth + 1))
    output, loss = draw(st.sampled_from([("sigmoid", "bce"), ("softmax", "ce"), ("linear", "mse")]))
    if loss == "bce":
        layers[-1] = 1
    if loss == "ce":
        layers[-1] = max(2, layers[-1])  # a softmax over one unit is refused (always 1)
    hidden = draw(st.sampled_from(["tanh", "relu", "sigmoid", "leaky_relu", "softplus"]))
    layout = draw(st.sampled_from(["columns", "rows"]))
    net = cr.mlp(layers, hidden, output, loss, layout)
    return net, draw(st.sampled_from(net.quantities()))


@settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(quantities())
def test_every_derived_formula_is_accepted_as_printed(case: tuple) -> None:
    net, q = case
    d = net.derive()
    for form in (d[q].expr, d[q].expanded):
        r = cr.check_formula(net, f"{q} = {np_text(form)}")
        if r.verdict == "right-here-only":
            # only where the derivation itself used a width of 1 (Wᵀ = W for a 1×1 W): the same
            # quantity on the network with every width of 1 widened to 3 is printed differently
            assert np_text(form) not in _printed(_widened(net), q), (net.describe(), q)
        else:
            assert r.correct, (net.describe(), q, r.message)


def _widened(net: cr.Network) -> cr.Network:
    s = net.spec
    layers = [3 if n == 1 else n for n in s.layers]
    loss = "mse" if s.loss == "bce" else s.loss
    return cr.mlp(layers, [h.name for h in s.hidden] or "relu", s.output, loss, s.layout)


def _printed(net: cr.Network, q: str) -> set[str]:
    d = net.derive()
    return {np_text(d[q].expr), np_text(d[q].expanded)} if q in d else set()


GARBAGE = [
    "dZ1 = W2.T @@ dZ2",  # syntax
    "hello",  # no '='
    "dZ1 = ",
    "dQ1 = W1",  # not a gradient of the network
    "dZ1 = W2.T @ dZ2 * foo(Z1)",  # unknown function
    "dZ1 = W2.T @ dZ2 * Q7",  # unknown name
    "dZ1 = W2.T @ dZ2 * (Z1 > 1)",  # only comparisons with 0 mean something
    "dZ1 = lambda: 3",
    "dZ1 = W2.T @ dZ2 * g7'(Z1)",  # no layer 7
    "dZ1 = dZ1",  # defines nothing
    "dZ1 = __import__('os').system('true')",  # never eval-ed
]


@pytest.mark.parametrize("formula", GARBAGE)
def test_garbage_is_a_clear_parse_error(formula: str) -> None:
    with pytest.raises(cr.ChainruleError) as e:
        cr.check_formula(SEED_NET, formula)
    assert str(e.value).strip()


def test_result_as_data() -> None:
    d = cr.check_formula(SEED_NET, THE_EXAMPLE).to_dict()
    assert d["correct"] is False and d["diagnosis"] == "missing-transpose"
    assert set(d) >= {"correct", "diagnosis", "message", "corrected", "expected", "mistakes"}


def test_cli_check(capsys: pytest.CaptureFixture[str]) -> None:
    net = ["--layers", "2,4,1", "--hidden", "tanh", "--output", "sigmoid", "--loss", "bce"]
    assert main(["check", THE_EXAMPLE, *net]) == 1
    out = capsys.readouterr().out
    assert "W2 needs a transpose" in out
    assert "corrected: dZ1 = W2.T @ dZ2 * (1 - A1**2)" in out
    assert main(["check", "dZ1 = W2.T @ dZ2 * (1 - A1**2)", *net]) == 0
    assert "✓ correct" in capsys.readouterr().out
    assert main(["check", THE_EXAMPLE, *net, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["correct"] is False and data["corrected"] == "dZ1 = W2.T @ dZ2 * (1 - A1**2)"
    assert main(["check", "dW1 = 1/m * dZ1 @ X.T", *net, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["correct"] is True


def test_cli_check_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "dZ1 = W2.T @@ dZ2", "--layers", "2,4,1"]) == 2
    assert "syntax error" in capsys.readouterr().err
    assert main(["check", "dZ1 = W2.T @ dZ2", "--layers", "2,4,1", "--loss", "nope"]) == 2


@pytest.mark.parametrize(
    ("formula", "corrected"),
    [
        # the founding question, as a learner quoted the lecture (Coursera DLS C1W3 forum)
        ("dz[1] = W[2].T * dz[2] * g[1]'(z[1])", "dz[1] = np.dot(W[2].T, dz[2]) * g[1]'(z[1])"),
        ("dZ[1] = W[2] @ dZ[2] * (1 - A[1]**2)", "dZ[1] = W[2].T @ dZ[2] * (1 - A[1]**2)"),
    ],
)
def test_the_correction_keeps_the_learners_bracket_notation(formula: str, corrected: str) -> None:
    net = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")
    r = cr.check_formula(net, formula)
    assert not r.correct and r.corrected == corrected
    assert cr.check_formula(net, r.corrected).correct  # and it is right, read back as written
