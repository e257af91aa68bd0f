"""The library of named mistakes: each one, planted in formulas on networks of several depths, is
diagnosed as itself, explained, and corrected (the corrected formula is itself checked)."""

from __future__ import annotations

import pytest

import chainrule as cr
from chainrule.check.context import context as _context
from chainrule.check.mistakes import BY_NAME, MISTAKES, np_text

NETS = {
    "tanh 2-4-1": cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce"),
    "relu 3-5-4-1": cr.mlp([3, 5, 4, 1], hidden="relu", output="sigmoid", loss="bce"),
    "sigmoid 3-5-4-3-2": cr.mlp([3, 5, 4, 3, 2], hidden="sigmoid", output="softmax", loss="ce"),
    "square 3-3-3-1": cr.mlp([3, 3, 3, 1], hidden="tanh", output="sigmoid", loss="bce"),
}
DERIVATIVE = {"tanh": "(1 - A{l}**2)", "relu": "(Z{l} > 0)", "sigmoid": "A{l} * (1 - A{l})"}
OTHER = {"tanh": "A{l} * (1 - A{l})", "relu": "(1 - A{l}**2)", "sigmoid": "(1 - A{l}**2)"}
WITH_Z = {"tanh": "(1 - Z{l}**2)", "relu": "(Z{l} > 0)", "sigmoid": "Z{l} * (1 - Z{l})"}
ACTIVATION = {"tanh": "np.tanh(Z{l})", "relu": "np.maximum(Z{l}, 0)", "sigmoid": "sigmoid(Z{l})"}

# Formulas (columns layout) that contain exactly one mistake, for layer l < L; {n} is l + 1,
# {p} is A[l-1] (X for l = 1), {gp} the layer's g′, {wd} another activation's, {g} g itself.
CASES = {
    "missing-transpose": [
        "dZ{l} = W{n} @ dZ{n} * {gp}",  # the founding example: a shape error (or square W)
        "dW{l} = 1/m * dZ{l} @ {p}",
        "dA{l} = W{n} @ dZ{n}",
    ],
    "extra-transpose": [
        "dW{l} = 1/m * dZ{l}.T @ {p}.T",
        "dA{l} = W{n}.T @ dZ{n}.T",
        "db{l} = 1/m * np.sum(dZ{l}.T, axis=1, keepdims=True)",
    ],
    "transposed-result": ["dW{l} = 1/m * {p} @ dZ{l}.T"],
    "product-order": [
        "dA{l} = dZ{n} @ W{n}.T",
        "dW{l} = 1/m * {p}.T @ dZ{l}",
        "dZ{l} = dZ{n} @ W{n}.T * {gp}",
    ],
    "missing-1/m": ["dW{l} = dZ{l} @ {p}.T", "db{l} = np.sum(dZ{l}, axis=1, keepdims=True)"],
    "extra-1/m": [
        "dZ{l} = 1/m * W{n}.T @ dZ{n} * {gp}",
        "dA{l} = W{n}.T @ dZ{n} / m",
        "dW{l} = 1/m * dZ{l} @ {p}.T / m",
    ],
    "activation-instead-of-derivative": [
        "dZ{l} = W{n}.T @ dZ{n} * A{l}",
        "dZ{l} = dA{l} * {g}",
    ],
    "wrong-activation-derivative": ["dZ{l} = W{n}.T @ dZ{n} * {wd}"],
    "derivative-at-A": ["dZ{l} = W{n}.T @ dZ{n} * g'(A{l})"],  # relu′(A) = relu′(Z): skipped
    "missing-activation-derivative": ["dZ{l} = W{n}.T @ dZ{n}"],
    "elementwise-for-matmul": ["dW{l} = 1/m * dZ{l} * {p}.T", "dA{l} = W{n}.T * dZ{n}"],
    "matmul-for-elementwise": ["dZ{l} = dA{l} @ {gp}", "dZ{l} = (W{n}.T @ dZ{n}) @ {gp}"],
    "wrong-sum-axis": [
        "db{l} = 1/m * np.sum(dZ{l}, axis=0, keepdims=True)",
        "db{l} = 1/m * np.sum(dZ{l})",
    ],
    "lost-keepdims": ["db{l} = 1/m * np.sum(dZ{l}, axis=1)"],
    "bias-like-weight": ["db{l} = 1/m * np.sum(dZ{l} @ {p}.T, axis=1, keepdims=True)"],
    "sign-error": ["dA{l} = -W{n}.T @ dZ{n}", "dZ{l} = -(W{n}.T @ dZ{n}) * {gp}"],
    "stray-factor": ["dW{l} = 2 / m * dZ{l} @ {p}.T", "dA{l} = 2 * W{n}.T @ dZ{n}"],
    "derivative-with-Z": ["dZ{l} = W{n}.T @ dZ{n} * {gz}"],  # relu′ reads the same with Z
    "derivative-times-Z": ["dZ{l} = W{n}.T @ dZ{n} * {gp} * Z{l}"],  # relu: step(Z) Z = A
    "output-formula-at-hidden-layer": ["dZ{l} = A{l} - Y"],
    "missing-sum": ["db{l} = 1/m * dZ{l}"],
    "wrong-layer-index": [
        "dW{l} = 1/m * dZ{l} @ A{l}.T",
        "dA{l} = W{n}.T @ dZ{l}",
        "dZ{l} = W{l}.T @ dZ{n} * {gp}",
    ],
}


def fill(template: str, net: cr.Network, l: int) -> str:
    g = net.spec.hidden[l - 1].name
    return template.format(
        l=l,
        n=l + 1,
        p="X" if l == 1 else f"A{l - 1}",
        gp=DERIVATIVE[g].format(l=l),
        wd=OTHER[g].format(l=l),
        g=ACTIVATION[g].format(l=l),
        gz=WITH_Z[g].format(l=l),
    )


def same_anyway(name: str, template: str, net: cr.Network, l: int) -> bool:
    """Planted 'mistakes' that are no mistake on this network: relu′(A) = relu′(Z), and with
    one unit in layer l + 1, W[l+1]ᵀ * dZ[l+1] broadcasts to the outer product W[l+1]ᵀ dZ[l+1]."""
    relu = net.spec.hidden[l - 1].name == "relu"
    relu_same = ("derivative-at-A", "derivative-with-Z", "derivative-times-Z")
    return (name in relu_same and relu) or (
        template == "dA{l} = W{n}.T * dZ{n}" and net.spec.layers[l + 1] == 1
    )


PLANTED = [
    (name, template, key, l)
    for name, templates in CASES.items()
    for template in templates
    for key, net in NETS.items()
    for l in range(1, net.L)
    if not same_anyway(name, template, net, l)
]


def test_every_mistake_is_planted_and_tested() -> None:
    own_tests = {
        "missing-regularization",
        "missing-dropout-mask",
        "bce-with-softmax",
        "softmax-as-elementwise",
        "l2-sum",
        "l2-coefficient",
        "l2-half",
        "l2-on-bias",
        "dropout-not-rescaled",
        "sum-of-product",
        "inverse-for-transpose",
        "output-derivative-twice",  # tests/test_verdicts.py
        "mask-always-one",  # named from the learner's syntax: tests/test_verdicts.py
        "wrong-factor",  # the localised factor: tests/test_verdicts.py
        "skipped-weights",  # type-checks only with one unit above: tests/test_verdicts.py
        "dropout-on-dZ",  # a whole pass: tests/test_backward_check.py
        "missing-path",  # a model's quantity with several uses: tests/test_model_check.py
    }
    assert set(CASES) | own_tests == set(BY_NAME)
    for m in MISTAKES:
        assert m.title and "default" in m.explanation and m.mutate is not None


@pytest.mark.parametrize(("name", "template", "key", "l"), PLANTED)
def test_planted_mistake_is_diagnosed(name: str, template: str, key: str, l: int) -> None:
    net = NETS[key]
    formula = fill(template, net, l)
    r = cr.check_formula(net, formula)
    assert not r.correct
    assert r.diagnosis == name, (formula, r.message)
    assert "…" not in r.message, r.message  # every field of the template was filled
    assert cr.check_formula(net, r.corrected).correct, (formula, r.corrected)


ROWS = cr.mlp([3, 5, 4, 2], hidden="tanh", output="softmax", loss="ce", layout="rows")


@pytest.mark.parametrize(
    ("formula", "name"),
    [
        ("dA1 = W2.T @ dZ2", "product-order"),
        ("dA1 = dZ2 @ W2", "missing-transpose"),
        ("dW1 = 1/m * X @ dZ1", "missing-transpose"),
        ("dW2 = 1/m * dZ2.T @ A1", "transposed-result"),
        ("db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)", "wrong-sum-axis"),
        ("db1 = 1/m * np.sum(dZ1, axis=0)", "lost-keepdims"),
        ("dZ1 = dZ2 @ W2.T * A1", "activation-instead-of-derivative"),
        ("dZ1 = 1/m * dZ2 @ W2.T * (1 - A1**2)", "extra-1/m"),
        ("dW1 = X.T @ dZ1", "missing-1/m"),
        ("dW1 = 1/m * A1.T @ dZ1", "wrong-layer-index"),
    ],
)
def test_rows_layout(formula: str, name: str) -> None:
    r = cr.check_formula(ROWS, formula)
    assert r.diagnosis == name, r.message
    assert cr.check_formula(ROWS, r.corrected).correct


def test_missing_regularization() -> None:
    net = cr.mlp([2, 3, 4, 1], hidden="tanh", output="sigmoid", loss="bce", l2=0.7)
    for l, prev in ((1, "X"), (2, "A1"), (3, "A2")):
        r = cr.check_formula(net, f"dW{l} = 1/m * dZ{l} @ {prev}.T")
        assert r.diagnosis == "missing-regularization", r.message
        assert f"(λ/m) W{l}" in r.message
        assert r.corrected == f"dW{l} = 1 / m * dZ{l} @ {prev}.T + lambd / m * W{l}"
        assert cr.check_formula(net, r.corrected).correct


def test_missing_dropout_mask() -> None:
    net = cr.mlp([2, 4, 3, 1], hidden="tanh", output="sigmoid", loss="bce", keep_prob=0.8)
    for l in (1, 2):
        r = cr.check_formula(net, f"dZ{l} = W{l + 1}.T @ dZ{l + 1} * (1 - np.tanh(Z{l})**2)")
        assert r.diagnosis == "missing-dropout-mask", r.message
        # the network's one keep_prob is the course's scalar: no keep_prob1 the learner never wrote
        assert f"D{l} / keep_prob," in r.message and f"keep_prob{l}" not in r.message
        assert cr.check_formula(net, r.corrected).correct


def test_extra_1_over_m_in_dZ_speaks_of_the_convention() -> None:
    r = cr.check_formula(NETS["tanh 2-4-1"], "dZ1 = 1/m * W2.T @ dZ2 * (1 - A1**2)")
    assert r.message.startswith("This is ∂J/∂Z[1]; in the course's convention dZ[1] has no 1/m")


def test_1_over_m_in_the_exact_convention() -> None:
    net = NETS["tanh 2-4-1"]
    r = cr.check_formula(net, "dZ2 = A2 - Y", convention="exact")
    assert r.diagnosis == "missing-1/m" and "exact convention" in r.message
    r = cr.check_formula(net, "dW1 = 1/m * dZ1 @ X.T", convention="exact")
    assert r.diagnosis == "extra-1/m" and "enters once, at the top" in r.message
    assert r.corrected == "dW1 = dZ1 @ X.T"


def test_missing_transpose_message_names_shapes_and_fix() -> None:
    r = cr.check_formula(NETS["sigmoid 3-5-4-3-2"], "dA2 = W3 @ dZ3")
    assert "W3 @ dZ3: (3, 4) @ (3, m) do not chain" in r.message
    assert "W3 needs a transpose: write W3.T" in r.message
    assert r.corrected == "dA2 = W3.T @ dZ3"


def test_wrong_activation_names_both_functions() -> None:
    r = cr.check_formula(NETS["tanh 2-4-1"], "dZ1 = W2.T @ dZ2 * A1 * (1 - A1)")
    assert "the derivative of sigmoid, but layer 1 uses tanh" in r.message
    assert r.corrected == "dZ1 = W2.T @ dZ2 * (1 - A1**2)"


def test_two_mistakes_are_both_named() -> None:
    r = cr.check_formula(NETS["sigmoid 3-5-4-3-2"], "dZ1 = W2 @ dZ2 @ (A1 * (1 - A1))")
    assert r.mistakes == ("missing-transpose", "matmul-for-elementwise")
    assert "Also:" in r.message and cr.check_formula(NETS["sigmoid 3-5-4-3-2"], r.corrected).correct


def test_a_shape_error_no_mistake_explains() -> None:
    r = cr.check_formula(NETS["sigmoid 3-5-4-3-2"], "dZ1 = W2 @ X @ Y")
    assert r.diagnosis == "shape-mismatch" and "do not chain" in r.message


def test_a_nonexistent_layer_is_a_wrong_layer_index() -> None:
    r = cr.check_formula(NETS["tanh 2-4-1"], "dZ1 = W3.T @ dZ2 * (1 - A1**2)")
    assert r.diagnosis == "wrong-layer-index" and "no W3" in r.message


@pytest.mark.parametrize("key", ["tanh 2-4-1", "sigmoid 3-5-4-3-2"])
def test_each_mutation_is_diagnosed_as_itself_or_an_equivalent_earlier_mistake(key: str) -> None:
    # mutate the correct formula of every quantity with every mistake, print it, check it: the
    # diagnosis is that mistake, or one listed before it that gives the same numbers
    net, order = NETS[key], [m.name for m in MISTAKES]
    d = net.derive()
    for q in net.quantities():
        ctx = _context(net, d, d[q])
        for mistake in MISTAKES:
            for i, (variant, _) in enumerate(mistake.mutate(ctx)):
                if i == 2:
                    break
                formula = f"{q} = {np_text(variant)}"
                if q in formula.split("=", 1)[1].split():
                    continue  # a variant that refers to itself is no formula
                r = cr.check_formula(net, formula)
                if r.verdict == "wrong":  # not "right here only" (a (1, 1) dW2 transposed)
                    assert r.diagnosis in order, (formula, r.message)
                    assert order.index(r.diagnosis) <= order.index(mistake.name), formula
