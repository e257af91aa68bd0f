"""Verdicts that are never wrong, and the mistakes learners make, named.

Every verdict here is held to independent numbers: the course's backward pass written out in plain
NumPy below (not chainrule's derivation), on the learner's network and on a wider one. A formula
called wrong must give other numbers than the course's on some network; a corrected formula must
give the course's numbers on both. Only the mistake names and key words of the answers are
asserted, never whole sentences.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.check.context import context
from chainrule.check.mistakes import MISTAKES, np_text
from chainrule.cli import main
from tests.course import SEED_FLAGS

PLANAR = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")


# -- the course's backward pass, written out in NumPy ---------------------------------------------
def _g(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if name == "tanh":
        return np.tanh(z), 1 - np.tanh(z) ** 2
    if name == "relu":
        return np.maximum(z, 0), (z > 0) * 1.0
    s = 1 / (1 + np.exp(-z))
    return s, s * (1 - s)


def course(layers, hidden, output="sigmoid", m=7, seed=3, lambd=0.0, keep_prob=1.0) -> dict:
    """Every quantity of a two-layer network's forward and backward pass, the course's way."""
    rng = np.random.default_rng(seed)
    n0, n1, n2 = layers
    W1, b1 = rng.standard_normal((n1, n0)), rng.standard_normal((n1, 1)) * 0.5
    W2, b2 = rng.standard_normal((n2, n1)) / 2, rng.standard_normal((n2, 1)) * 0.5
    X = rng.standard_normal((n0, m))
    if output == "softmax":
        Y = np.eye(n2)[rng.integers(0, n2, m)].T
    else:
        Y = rng.integers(0, 2, (n2, m)).astype(float)
    D1 = (rng.random((n1, m)) < keep_prob).astype(float)
    Z1 = W1 @ X + b1
    A1, g1 = _g(hidden, Z1)
    A1 = A1 * D1 / keep_prob
    Z2 = W2 @ A1 + b2
    if output == "softmax":
        e = np.exp(Z2 - Z2.max(axis=0))
        A2 = e / e.sum(axis=0)
    else:
        A2 = 1 / (1 + np.exp(-Z2))
    dZ2 = A2 - Y
    dA1 = W2.T @ dZ2 * D1 / keep_prob
    dZ1 = dA1 * g1
    env = dict(W1=W1, b1=b1, W2=W2, b2=b2, X=X, Y=Y, Z1=Z1, A1=A1, Z2=Z2, A2=A2, m=m)
    env.update(D1=D1, keep_prob=keep_prob, keep_prob1=keep_prob, lambd=lambd)
    env.update(dZ2=dZ2, dA1=dA1, dZ1=dZ1)
    env["dA2"] = -Y / A2 if output == "softmax" else -Y / A2 + (1 - Y) / (1 - A2)
    env["dW2"] = dZ2 @ A1.T / m + lambd / m * W2
    env["db2"] = dZ2.sum(axis=1, keepdims=True) / m
    env["dW1"] = dZ1 @ X.T / m + lambd / m * W1
    env["db1"] = dZ1.sum(axis=1, keepdims=True) / m
    return env


def numpy_value(formula: str, env: dict) -> np.ndarray:
    """A formula of plain NumPy evaluated in ``env`` (test code only; no builtins)."""
    rhs = formula.split("=", 1)[1]
    names = {"np": np, "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "A0": env["X"], **env}
    return np.asarray(eval(rhs, {"__builtins__": {}}, names))  # noqa: S307 - our own test strings


def agrees(formula: str, env: dict) -> bool:
    target = formula.split("=", 1)[0].strip()
    try:
        with np.errstate(all="ignore"):
            got = numpy_value(formula, env)
    except ValueError:  # shapes that do not broadcast
        return False
    return got.shape == env[target].shape and np.allclose(got, env[target])


# -- a verdict is never wrong ---------------------------------------------------------------------
def test_relu_mask_of_ones_is_never_correct() -> None:
    net = cr.mlp([2, 4, 1], hidden="relu", output="sigmoid", loss="bce")
    formula = "dZ1 = np.dot(W2.T, dZ2) * np.int64(A1 >= 0)"
    env = course((2, 4, 1), "relu")
    assert (env["Z1"] <= 0).any() and not agrees(formula, env)  # independently wrong
    r = cr.check_formula(net, formula)
    assert not r.correct and r.diagnosis == "mask-always-one"
    assert "Z1 > 0" in r.message and "never negative" in r.message
    assert "np.dot(W2.T, dZ2)" in r.corrected and "A1 > 0" in r.corrected
    assert agrees(r.corrected.replace("np.int64", ""), env)
    for seed in range(6):  # whatever the draws: every relu layer sees some Z ≤ 0
        assert not cr.check_formula(net, formula, seed=seed).correct


def test_elementwise_product_right_only_because_n2_is_1() -> None:
    formula = "dZ1 = W2.T * dZ2 * (1 - A1**2)"
    # independent NumPy: the same numbers with one output unit, other numbers with three
    assert agrees(formula, course((2, 4, 1), "tanh"))
    assert not agrees(formula, course((2, 4, 3), "tanh", output="softmax"))
    r = cr.check_formula(PLANAR, formula)
    assert not r.correct and r.verdict == "right-here-only"
    assert "only because n[2] = 1" in r.title
    assert r.corrected == "dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2)"
    assert agrees(r.corrected, course((2, 4, 3), "tanh", output="softmax"))


def test_the_founding_question_in_the_lectures_notation(capsys: pytest.CaptureFixture) -> None:
    line = "dz[1] = W[2].T * dz[2] * g[1]'(z[1])"
    assert main(["check", line, *SEED_FLAGS]) == 1
    out = capsys.readouterr().out
    assert "n[2] = 1" in out and "m = 1" in out
    assert "corrected: dz[1] = np.dot(W[2].T, dz[2]) * g[1]'(z[1])" in out  # their brackets
    r = cr.check_formula(PLANAR, line)
    assert r.verdict == "right-here-only" and "no 1/m and no Σ" in r.message
    assert main(["check", "dz[1] = W[2].T @ dz[2] * g[1]'(z[1])", *SEED_FLAGS]) == 0
    assert main(["check", "dz[2] = a[2] - y", *SEED_FLAGS]) == 0
    assert "dz[2] = a[2] − y" in capsys.readouterr().out  # derived at m = 1: no 1/m


def test_per_example_gradients_have_no_one_over_m() -> None:
    # one example: dW[2] = dz[2] a[1]ᵀ and db[2] = dz[2] (m = 1, J = L)
    assert cr.check_formula(PLANAR, "dW[2] = dz[2] @ a[1].T").correct
    assert cr.check_formula(PLANAR, "db[2] = dz[2]").correct


def test_correct_however_written_on_every_size() -> None:
    for formula in (
        "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))",
        "dZ1 = np.multiply(W2.T.dot(dZ2), 1 - A1 ** 2)",
        "dW1 = np.dot(dZ1, X.T) / X.shape[1]",
        "db1 = np.sum(dZ1, axis=1, keepdims=True) / m",
    ):
        r = cr.check_formula(PLANAR, formula)
        assert r.correct and r.verdict == "correct", (formula, r.message)


# -- the mistakes learners make -------------------------------------------------------------------
NAMED = [
    # (network, formula, mistake names (in order), key words, corrected formula)
    (PLANAR, "dZ1 = -np.dot(W2.T, dZ2) * (1 - A1**2)", ("sign-error",), "sign error",
     "dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2)"),
    (PLANAR, "dZ1 = 2 * np.dot(W2.T, dZ2) * (1 - A1**2)", ("stray-factor",), "factor 2 too many",
     "dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2)"),
    (PLANAR, "dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2) / 2", ("stray-factor",), "factor 1/2",
     "dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2)"),
    (PLANAR, "dZ1 = np.dot(W2.T, dZ2) * (1 - Z1**2)", ("derivative-with-Z",), "written with Z1",
     "dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2)"),
    (PLANAR, "dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2) * Z1", ("derivative-times-Z",),
     "not the derivative multiplied", "dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2)"),
    (PLANAR, "dZ1 = np.dot(W2.T, dZ2) * (1 - np.tanh(A1)**2)", ("derivative-at-A",), "at A1",
     "dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2)"),
    (PLANAR, "dW1 = np.sum(np.dot(dZ1, X.T), axis=1, keepdims=True) / m", ("sum-of-product",),
     "already summed", "dW1 = np.dot(dZ1, X.T) / m"),
    (PLANAR, "dZ1 = np.dot(np.dot(W2.T, dZ2), 1 - A1**2)", ("matmul-for-elementwise",),
     "elementwise", "dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2)"),
    (PLANAR, "dZ1 = np.dot(np.linalg.inv(W2), dZ2) * (1 - A1**2)", ("inverse-for-transpose",),
     "not an inverse", "dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2)"),
    (PLANAR, "dZ1 = np.dot(W2**-1, dZ2) * (1 - A1**2)", ("inverse-for-transpose",),
     "not an inverse", "dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2)"),
    (PLANAR, "dZ1 = dZ2 * (1 - A1**2)", ("skipped-weights",), "W2",
     "dZ1 = W2.T @ dZ2 * (1 - A1**2)"),
    (PLANAR, "db1 = dZ1", ("missing-sum", "missing-1/m"), "sum",
     "db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)"),
    (PLANAR, "dZ1 = 2 * np.dot(W2, dZ2) * (1 - Z1**2)",
     ("missing-transpose", "derivative-with-Z", "stray-factor"), "transpose",
     "dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2)"),
]  # fmt: skip


@pytest.mark.parametrize(("net", "formula", "names", "words", "fix"), NAMED, ids=lambda x: str(x))
def test_mistake_named_and_corrected(net, formula, names, words, fix) -> None:
    env = course((2, 4, 1), "tanh")
    assert not agrees(formula, env)  # the formula is wrong by the course's own numbers
    r = cr.check_formula(net, formula)
    assert not r.correct and r.mistakes == names, r.message
    assert words in r.message
    assert r.corrected == fix
    assert agrees(fix.replace("@", "@"), env)
    wide = course((2, 4, 3), "tanh", output="softmax")
    assert agrees(fix, wide)  # right for every size, not only n[2] = 1


def test_the_corrected_formula_keeps_the_learners_spelling() -> None:
    r = cr.check_formula(PLANAR, "dZ1 = np.multiply(np.dot(W2.T, dZ2), 1 - np.power(Z1, 2))")
    assert r.diagnosis == "derivative-with-Z"
    assert r.corrected.startswith("dZ1 = np.multiply(np.dot(W2.T, dZ2),")


def test_bce_derivative_with_softmax() -> None:
    net = cr.mlp([2, 4, 3], hidden="tanh", output="softmax", loss="ce")
    env = course((2, 4, 3), "tanh", output="softmax")
    formula = "dA2 = -Y / A2 + (1 - Y) / (1 - A2)"
    assert not agrees(formula, env)
    r = cr.check_formula(net, formula)
    assert r.diagnosis == "bce-with-softmax" and "binary cross-entropy" in r.message
    assert agrees(r.corrected, env)


def test_softmax_differentiated_as_if_elementwise() -> None:
    net = cr.mlp([2, 4, 3], hidden="tanh", output="softmax", loss="ce")
    r = cr.check_formula(net, "dZ2 = -Y / A2 * A2 * (1 - A2)")
    assert r.diagnosis == "softmax-as-elementwise" and "not elementwise" in r.message
    assert agrees(r.corrected, course((2, 4, 3), "tanh", output="softmax"))


@pytest.mark.parametrize(
    "formula",
    [
        "dZ2 = (A2 - Y) * A2 * (1 - A2)",  # mnielsen/neural-networks-and-deep-learning PR 77
        "dZ2 = (A2 - Y) * sigmoid(Z2) * (1 - sigmoid(Z2))",  # DeepLearningPython issue 17
    ],
)
def test_output_derivative_applied_twice(formula: str) -> None:
    # A2 - Y already is dZ2 for sigmoid + cross-entropy: σ′ cancelled, multiplying it in again is
    # the squared error's derivative
    for layers in ((2, 4, 1), (3, 5, 1)):
        net = cr.mlp(list(layers), hidden="tanh", output="sigmoid", loss="bce")
        env = course(layers, "tanh")
        assert not agrees(formula, env)
        r = cr.check_formula(net, formula)
        assert r.mistakes == ("output-derivative-twice",), r.message
        assert "A2 − Y already contains it" in r.message and "squared error" in r.message
        assert r.corrected == "dZ2 = A2 - Y" and agrees(r.corrected, env)


def test_output_derivative_is_no_mistake_with_squared_error() -> None:
    # with the squared error g′ belongs in dZ[L]: (A − Y) ⊙ σ′(Z) is then the right formula
    net = cr.mlp([2, 4, 3], hidden="tanh", output="sigmoid", loss="mse")
    r = cr.check_formula(net, "dZ2 = A2 - Y")
    assert not r.correct and "output-derivative-twice" not in r.mistakes


WIDE = cr.mlp([2, 4, 3], hidden="tanh", output="softmax", loss="ce")


@pytest.mark.parametrize(
    ("formula", "names", "fix"),
    [
        # the forum's linear_backward thread (exercise-7-linear-backward/241052)
        ("dW2 = 1/m * np.multiply(A1.T, dZ2)", ("elementwise-for-matmul", "product-order"),
         "dW2 = 1 / m * np.dot(dZ2, A1.T)"),
        ("dA1 = np.multiply(dZ2, W2.T)", ("elementwise-for-matmul", "product-order"),
         "dA1 = np.dot(W2.T, dZ2)"),
        ("dA1 = np.multiply(W2.T, dZ2)", ("elementwise-for-matmul",), "dA1 = np.dot(W2.T, dZ2)"),
    ],
)  # fmt: skip
def test_np_multiply_where_np_dot_belongs(formula: str, names: tuple, fix: str) -> None:
    env = course((2, 4, 3), "tanh", output="softmax")
    assert not agrees(formula, env)  # np.multiply does not even broadcast here
    r = cr.check_formula(WIDE, formula)
    assert r.mistakes == names, r.message
    assert "elementwise (np.multiply) where a matrix product (np.dot) belongs" in r.message
    assert r.corrected == fix and agrees(fix, env)


@pytest.mark.parametrize(
    ("formula", "output"),
    [
        # NLP C2W4 back_prop (rust0258/…-NLP-Specialization issue 62): with softmax, the
        # columns of A2 sum to 1, so putting A2 for X would also "repair" it — by coincidence
        ("db1 = np.sum((1/m)*np.dot(dZ1, X.T), axis=1, keepdims=True)", "softmax"),
        ("db2 = 1/m * np.sum(np.dot(dZ2, A1.T), axis=1, keepdims=True)", "softmax"),
        ("db1 = np.sum(dZ1 @ X.T, axis=1, keepdims=True) / m", "sigmoid"),
    ],
)
def test_bias_gradient_written_like_the_weight_gradient(formula: str, output: str) -> None:
    layers = (2, 4, 3) if output == "softmax" else (2, 4, 1)
    loss = "ce" if output == "softmax" else "bce"
    net = cr.mlp(list(layers), hidden="tanh", output=output, loss=loss)
    env = course(layers, "tanh", output=output)
    assert not agrees(formula, env)
    r = cr.check_formula(net, formula)
    assert r.mistakes == ("bias-like-weight",), r.message
    assert "as dW does" in r.message and "∂Z/∂b is 1" in r.message
    assert "X" not in r.corrected.split("=", 1)[1] and "A" not in r.corrected.split("=", 1)[1]
    assert agrees(r.corrected, env)


@pytest.mark.parametrize(
    ("formula", "fix"),
    [
        # the C2W1 gradient-checking notebook's planted bug (bighuang624/… issue 10)
        ("db1 = 4./m * np.sum(dZ1, axis=1, keepdims = True)",
         "db1 = 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)"),
        ("dW2 = 2 / m * np.dot(dZ2, A1.T)", "dW2 = 1 / m * np.dot(dZ2, A1.T)"),
    ],
)  # fmt: skip
def test_a_stray_numerator_is_corrected_to_one(formula: str, fix: str) -> None:
    env = course((2, 4, 1), "tanh")
    assert not agrees(formula, env)
    r = cr.check_formula(PLANAR, formula)
    assert r.mistakes == ("stray-factor",), r.message
    assert r.corrected == fix and agrees(fix, env)


RELU = cr.mlp([2, 4, 1], hidden="relu", output="sigmoid", loss="bce")


@pytest.mark.parametrize(
    ("formula", "fix"),
    [
        ("dZ1 = np.dot(W2.T, dZ2) * A1", "dZ1 = np.dot(W2.T, dZ2) * (Z1 > 0)"),
        ("dZ1 = 2 * np.multiply(np.dot(W2.T, dZ2), np.int64(A1 > 0))",
         "dZ1 = np.multiply(np.dot(W2.T, dZ2), np.int64(A1 > 0))"),
        ("dZ1 = np.multiply(np.dot(W2.T, dZ2), A1)",
         "dZ1 = np.multiply(np.dot(W2.T, dZ2), (Z1 > 0))"),
    ],
)  # fmt: skip
def test_a_relu_mask_is_written_as_the_learner_writes_it(formula: str, fix: str) -> None:
    env = course((2, 4, 1), "relu")
    assert not agrees(formula, env)
    r = cr.check_formula(RELU, formula)
    assert r.corrected == fix and agrees(fix, env), r.message
    assert "heaviside" not in r.message


def test_dropout_messages_use_the_learners_scalar_keep_prob() -> None:
    net = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce", keep_prob=0.8)
    env = course((2, 4, 1), "tanh", keep_prob=0.8)
    for formula in ("dA1 = np.dot(W2.T, dZ2)", "dA1 = np.dot(W2.T, dZ2) * D1"):
        assert not agrees(formula, env)
        r = cr.check_formula(net, formula)
        assert "keep_prob1" not in r.message + r.corrected, r.message
        assert r.corrected == "dA1 = 1 / keep_prob * (np.dot(W2.T, dZ2) * D1)"
        assert agrees(r.corrected, env)
    r = cr.check_formula(net, "dA1 = np.dot(W2.T, dZ2) * D1 / keep_prob1 / 2")  # numbered: kept
    assert "keep_prob1" in r.corrected and agrees(r.corrected, env)


L2 = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce", l2=0.7)


@pytest.mark.parametrize(
    ("formula", "name"),
    [
        ("dW1 = np.dot(dZ1, X.T) / m + lambd / m * np.sum(W1)", "l2-sum"),
        ("dW1 = np.dot(dZ1, X.T) / m + lambd * W1", "l2-coefficient"),
        ("dW1 = np.dot(dZ1, X.T) / m + W1 / m", "l2-coefficient"),
        ("dW1 = np.dot(dZ1, X.T) / m + lambd / (2 * m) * W1", "l2-half"),
        ("db1 = np.sum(dZ1, axis=1, keepdims=True) / m + lambd / m * b1", "l2-on-bias"),
        ("dW1 = np.dot(dZ1, X.T) / m", "missing-regularization"),
    ],
)
def test_l2_mistakes(formula: str, name: str) -> None:
    env = course((2, 4, 1), "tanh", lambd=0.7)
    assert not agrees(formula, env)
    r = cr.check_formula(L2, formula)
    assert r.diagnosis == name, r.message
    assert agrees(r.corrected, env)


def test_dropout_mask_not_rescaled() -> None:
    net = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce", keep_prob=0.8)
    env = course((2, 4, 1), "tanh", keep_prob=0.8)
    formula = "dA1 = np.dot(W2.T, dZ2) * D1"
    assert not agrees(formula, env)
    r = cr.check_formula(net, formula)
    assert r.diagnosis == "dropout-not-rescaled" and "keep_prob" in r.message
    assert agrees(r.corrected, env)


def test_what_no_mistake_explains_is_localised_to_a_factor() -> None:
    r = cr.check_formula(PLANAR, "dZ1 = np.dot(W2.T, dZ2) * np.exp(Z1)")
    assert r.diagnosis == "wrong-factor"
    assert "np.exp(Z1) is where it goes wrong" in r.message
    assert "1 - A1**2" in r.message and "np.tanh(Z1)" in r.message  # both spellings of tanh′
    assert r.corrected == "dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2)"
    assert agrees(r.corrected, course((2, 4, 1), "tanh"))


# -- property: every verdict agrees with the course's NumPy, here and on a wider network ---------
@st.composite
def planted(draw: st.DrawFn) -> tuple:
    n0, n1 = draw(st.sampled_from([1, 2, 3])), draw(st.sampled_from([1, 2, 4]))
    hidden = draw(st.sampled_from(["tanh", "relu", "sigmoid"]))
    n2, output = draw(st.sampled_from([(1, "sigmoid"), (2, "softmax"), (3, "softmax")]))
    net = cr.mlp([n0, n1, n2], hidden, output, "bce" if output == "sigmoid" else "ce")
    q = draw(st.sampled_from(["dA1", "dZ1", "dW1", "db1"]))
    d = net.derive()
    forms = [d[q].expr, d[q].expanded]
    ctx = context(net, d, d[q])
    forms += [v for mistake in MISTAKES for v, _ in itertools.islice(mistake.mutate(ctx), 1)]
    form = draw(st.sampled_from(forms))
    return net, (n0, n1, n2), hidden, output, f"{q} = {np_text(form)}"


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(planted())
def test_every_verdict_agrees_with_the_course_here_and_wider(case: tuple) -> None:
    net, layers, hidden, output, formula = case
    if formula.split("=")[0].strip() in formula.split("=", 1)[1].split():
        return  # a formula that uses its own target defines nothing
    wide = tuple(3 if n == 1 else n for n in layers)
    here = course(layers, hidden, output)
    there = course(wide, hidden, "softmax" if wide[2] > 1 else output)
    r = cr.check_formula(net, formula)
    if r.verdict == "correct":
        assert agrees(formula, here) and agrees(formula, there), formula
    elif r.verdict == "right-here-only":
        assert agrees(formula, here) and not agrees(formula, there), formula
    else:
        assert not agrees(formula, here), (formula, r.message)


def test_the_course_caches_the_activations_after_dropout() -> None:
    # forward_propagation_with_dropout: A1 = A1 * D1 / keep_prob is what the cache holds, so the
    # course's dW2 = 1/m dZ2 A1ᵀ uses it; chainrule's derivation calls it A_drop1
    net = cr.mlp([2, 4, 1], hidden="relu", output="sigmoid", loss="bce", keep_prob=0.8)
    env = course((2, 4, 1), "relu", keep_prob=0.8)  # its A1 is the cached one
    right = "dW2 = 1/m * np.dot(dZ2, A1.T)"
    assert agrees(right, env)
    r = cr.check_formula(net, right)
    assert r.correct and "after the mask" in r.message
    wrong = "dW2 = np.dot(dZ2, A1.T)"
    assert not agrees(wrong, env)
    r = cr.check_formula(net, wrong)
    assert r.mistakes == ("missing-1/m",) and r.corrected == "dW2 = 1 / m * np.dot(dZ2, A1.T)"
    assert agrees(r.corrected, env)


def test_one_relu_unit_and_one_example_still_sees_both_signs() -> None:
    # a single entry per draw: if every draw had Z ≤ 0, "dz1 = 0" would pass for relu′
    net = cr.mlp([2, 1, 1], hidden="relu", output="sigmoid", loss="bce")
    assert not cr.check_formula(net, "dz[1] = W[2].T @ dz[2] * 0").correct
    assert not cr.check_formula(net, "dz[1] = W[2].T @ dz[2] * (a[1] >= 0)").correct
    assert cr.check_formula(net, "dz[1] = W[2].T @ dz[2] * (z[1] > 0)").correct
