"""The questions learners ask, answered in the explanations: each piece of algebra is verified here
independently of chainrule (NumPy, central differences, PyTorch autograd), each answer appears in
every renderer, and no explanation of many networks leaks an internal symbol or an unconfirmed
claim."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest
import torch
from test_explain_properties import latex_fragments

import chainrule as cr
from chainrule.explain.formats import render
from chainrule.printers.html_page import latex_to_mathml

PLANAR = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")
RNG = np.random.default_rng(7)


def central(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar function f at every entry of x."""
    out = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[k] = h
        out[k] = (f(x + e) - f(x - e)) / (2 * h)
    return out


def answer(x, key: str):
    (a,) = [a for a in x.answers if a.key == key]
    assert a.checked, (x.quantity, key)
    return a


# -- (1), (3): sigmoid + binary cross-entropy ---------------------------------------------------
def test_the_cancellation_to_a_minus_y_is_the_derivative_of_the_cost() -> None:
    # dZ = (−Y/A + (1 − Y)/(1 − A)) ⊙ A(1 − A) = −Y(1 − A) + (1 − Y)A = −Y + YA + A − YA = A − Y
    z, y = RNG.normal(size=(1, 5)), (RNG.random((1, 5)) < 0.5) * 1.0
    a = 1 / (1 + np.exp(-z))
    lines = [
        (-y / a + (1 - y) / (1 - a)) * a * (1 - a),
        -y * (1 - a) + (1 - y) * a,
        -y + y * a + a - y * a,
        a - y,
    ]
    for left, right in zip(lines, lines[1:], strict=False):
        np.testing.assert_allclose(left, right, atol=1e-14)

    def loss(zz):
        aa = 1 / (1 + np.exp(-zz))
        return -np.sum(y * np.log(aa) + (1 - y) * np.log(1 - aa))

    np.testing.assert_allclose(central(loss, z), a - y, atol=1e-7)


def test_dz2_shows_the_cancellation_line_by_line() -> None:
    x = cr.explain(PLANAR, "dZ2")
    a = answer(x, "cancellation")
    shown = [line.math for line in a.lines]
    text = str(x)
    for expected in [
        "dA[2] = −Y / A[2] + (1 − Y) / (1 − A[2])",
        "= −Y ⊙ (1 − A[2]) + (1 − Y) ⊙ A[2]",
        "= −Y + Y ⊙ A[2] + A[2] − Y ⊙ A[2]",
        "= A[2] − Y",
    ]:
        assert expected in text
    assert len(shown) == 5 and all(line.checked for line in a.lines)
    assert "worked out line by line" in text  # no more "SymPy simplifies it" and nothing else
    answer(x, "log-one-minus")


def test_the_minus_sign_of_log_one_minus_a() -> None:
    # d/da log(1 − a) = 1/(1 − a) · (−1)
    a = RNG.uniform(0.05, 0.95, size=7)
    np.testing.assert_allclose(central(lambda v: np.sum(np.log(1 - v)), a), -1 / (1 - a), rtol=1e-6)
    x = cr.explain(PLANAR, "dA2")
    answer(x, "log-one-minus")
    assert "1/(1 − a) · (−1) = −1/(1 − a)" in str(x)


# -- (2): softmax + cross-entropy ---------------------------------------------------------------
def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=0))
    return e / e.sum(axis=0)


def test_softmax_gradient_needs_columns_of_y_that_sum_to_one() -> None:
    z = RNG.normal(size=(3, 4))
    onehot = np.eye(3)[:, [0, 2, 1, 2]]
    soft = RNG.random((3, 4))  # columns sum to s ≠ 1

    def grad(y):
        return central(lambda zz: -np.sum(y * np.log(softmax(zz))), z)

    np.testing.assert_allclose(grad(onehot), softmax(z) - onehot, atol=1e-7)
    np.testing.assert_allclose(grad(soft), softmax(z) * soft.sum(axis=0) - soft, atol=1e-7)
    assert not np.allclose(grad(soft), softmax(z) - soft, atol=1e-3)


@pytest.mark.parametrize("layout", ["columns", "rows"])
def test_softmax_answer_states_where_one_hot_is_used(layout: str) -> None:
    x = cr.explain(cr.mlp([3, 4, 3], output="softmax", loss="ce", layout=layout), "dZ2")
    a = answer(x, "softmax")
    text = str(x)
    assert "one-hot" in text and "Σₖ Yₖ = 1" in text
    assert text_line(a.lines[-1]) == "= A[2] − Y"


def text_line(line) -> str:
    from chainrule.explain.notation import text_math

    return text_math(line.math)


# -- (4): relu′ ---------------------------------------------------------------------------------
def test_relu_derivative_and_its_convention_at_zero() -> None:
    z = RNG.normal(size=(3, 5))
    np.testing.assert_allclose(central(lambda v: np.sum(np.maximum(v, 0)), z), (z > 0) * 1.0)
    t = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    torch.relu(t).sum().backward()
    assert t.grad.tolist() == [0.0, 0.0, 1.0]  # PyTorch, like the course, takes 0 at z = 0
    x = cr.explain(cr.mlp([2, 3, 1], hidden="relu"), "dZ1")
    answer(x, "relu")
    text = str(x)
    assert "1 where z > 0 and 0 where z < 0" in text
    assert "dZ[Z <= 0] = 0" in text and "subgradient" in text and "probability 0" in text
    assert "A1 >= 0" in text and "not relu′" in text


# -- (5), (6), (9): L2, dropout, 1/m against PyTorch autograd -----------------------------------
def torch_grads(net, values: dict, l2: float = 0.0, masks: dict | None = None) -> dict:
    """The course's cost J, differentiated by PyTorch: gradients of J and of the per-example
    quantities (columns layout, relu hidden, sigmoid + BCE)."""
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in values.items()}
    X, Y, depth = p["X"], p["Y"], net.spec.L
    a, keep, m = X, net.spec.keep_prob, X.shape[1]
    for layer in range(1, depth + 1):
        z = p[f"W{layer}"] @ a + p[f"b{layer}"]
        z.retain_grad()
        p[f"Z{layer}"] = z
        if layer == depth:
            a = torch.sigmoid(z)
        else:
            a = torch.relu(z)
            a.retain_grad()
            p[f"A{layer}"] = a
            if masks:
                a = a * torch.tensor(masks[f"D{layer}"]) / keep[layer - 1]
    cost = -(Y * torch.log(a) + (1 - Y) * torch.log(1 - a)).sum() / m
    cost = cost + l2 / (2 * m) * sum((p[f"W{k}"] ** 2).sum() for k in range(1, depth + 1))
    cost.backward()
    return {k: v.grad.numpy() for k, v in p.items() if v.grad is not None}


def sample(layers: list[int], m: int = 5) -> dict:
    v = {"X": RNG.normal(size=(layers[0], m)), "Y": (RNG.random((1, m)) < 0.5) * 1.0}
    for k in range(1, len(layers)):
        v[f"W{k}"] = RNG.normal(size=(layers[k], layers[k - 1]))
        v[f"b{k}"] = RNG.normal(size=(layers[k], 1))
    return v


def test_l2_changes_dw_and_nothing_else() -> None:
    net, lam = cr.mlp([2, 3, 1], hidden="relu", l2=0.7), 0.7
    v = sample([2, 3, 1])
    with_l2, without = torch_grads(net, v, lam), torch_grads(net, v, 0.0)
    m = v["X"].shape[1]
    for k in (1, 2):
        np.testing.assert_allclose(with_l2[f"W{k}"] - without[f"W{k}"], lam / m * v[f"W{k}"])
        np.testing.assert_allclose(with_l2[f"b{k}"], without[f"b{k}"])
        np.testing.assert_allclose(with_l2[f"Z{k}"], without[f"Z{k}"])
    for q in ("dW1", "db1"):
        x = cr.explain(net, q)
        answer(x, "l2")
    text = str(cr.explain(net, "dW1"))
    assert "(λ/2m) Σₗ ‖W[l]‖²" in text and "(λ/m) W[1]" in text and "Nothing else changes" in text


def test_dropped_units_get_zero_gradient_and_kept_ones_are_rescaled() -> None:
    net = cr.mlp([2, 4, 1], hidden="relu", keep_prob=0.5)
    v = sample([2, 4, 1])
    mask = {"D1": (RNG.random((4, 5)) < 0.5) * 1.0}
    g = torch_grads(net, v, masks=mask)
    plain = torch_grads(cr.mlp([2, 4, 1], hidden="relu"), v)
    dropped = mask["D1"] == 0
    assert dropped.any() and np.all(g["A1"][dropped] == 0)
    assert not np.allclose(plain["A1"][dropped], 0)
    x = cr.explain(net, "dA1")
    answer(x, "dropout")
    text = str(x)
    assert "gradient is exactly 0" in text and "1/keep_prob = 2" in text


def test_one_over_m_in_dz_instead_of_dw_is_equally_right() -> None:
    v = sample([2, 4, 1])
    g = torch_grads(cr.mlp([2, 4, 1], hidden="relu"), v)
    m = v["X"].shape[1]
    a2 = 1 / (1 + np.exp(-(v["W2"] @ np.maximum(v["W1"] @ v["X"] + v["b1"], 0) + v["b2"])))
    a1 = np.maximum(v["W1"] @ v["X"] + v["b1"], 0)
    # course: dZ per example, 1/m in dW; exact: 1/m in dZ, none in dW — the same dW
    course = (1 / m) * (a2 - v["Y"]) @ a1.T
    exact = ((1 / m) * (a2 - v["Y"])) @ a1.T
    np.testing.assert_allclose(course, g["W2"]) and np.testing.assert_allclose(exact, g["W2"])
    np.testing.assert_allclose(g["Z2"], (a2 - v["Y"]) / m)  # ∂J/∂Z carries the 1/m
    for q in ("dW1", "db1", "dZ1"):
        for convention in ("course", "exact"):
            answer(cr.explain(PLANAR, q, convention), "one-over-m")
    assert "equally right" in str(cr.explain(PLANAR, "dW1"))


# -- (7), (8): the transpose, keepdims ----------------------------------------------------------
def test_the_transpose_comes_from_the_index_sum_not_from_an_inverse() -> None:
    W, dZ = RNG.normal(size=(3, 3)), RNG.normal(size=(3, 5))
    index_sum = np.array([[sum(W[j, i] * dZ[j, k] for j in range(3)) for k in range(5)]
                          for i in range(3)])  # fmt: skip
    np.testing.assert_allclose(index_sum, W.T @ dZ)
    assert not np.allclose(np.linalg.inv(W) @ dZ, index_sum)
    text = str(cr.explain(PLANAR, "dZ1"))
    answer(cr.explain(PLANAR, "dZ1"), "transpose")
    assert "W[2] is 1 × 4: not square, so it has no inverse" in text
    square = cr.explain(cr.mlp([2, 3, 3, 1], hidden="tanh"), "dA1")
    assert "happens to be square" in str(answer(square, "transpose").facts[1].parts)


def test_db_sums_over_the_examples_with_keepdims() -> None:
    dZ, b = RNG.normal(size=(4, 5)), RNG.normal(size=(4, 1))
    assert np.sum(dZ, axis=1, keepdims=True).shape == b.shape
    assert (b - np.sum(dZ, axis=1)).shape == (4, 4)  # without keepdims the update broadcasts
    x = cr.explain(PLANAR, "db1")
    answer(x, "keepdims")
    text = str(x)
    assert "np.sum(dZ1, axis=1, keepdims=True) has shape (4, 1)" in text
    assert "into (4, 4)" in text


# -- every answer in every renderer -------------------------------------------------------------
EVERY = [
    (PLANAR, "dZ2", ("cancellation", "log-one-minus", "one-over-m")),
    (cr.mlp([3, 4, 3], hidden="relu", output="softmax", loss="ce"), "dZ2", ("softmax",)),
    (cr.mlp([2, 3, 1], hidden="relu", l2=0.7), "db1", ("l2", "keepdims")),
    (cr.mlp([2, 3, 3, 1], hidden="relu", keep_prob=0.8), "dZ1", ("relu", "transpose", "dropout")),
]


@pytest.mark.parametrize(("net", "quantity", "keys"), EVERY, ids=[e[1] + str(e[2]) for e in EVERY])
def test_answers_in_every_renderer(net, quantity: str, keys: tuple) -> None:
    x = cr.explain(net, quantity)
    answers = [answer(x, k) for k in keys]
    assert all(a.title in str(x) for a in answers)
    for fmt in ("text", "markdown", "html", "latex"):
        out = html.unescape(render(x, fmt)) if fmt == "html" else render(x, fmt)
        assert "NOT confirmed" not in out and "DISAGREE" not in out
        for a in answers:  # the heading's longest run of words, which no format escapes
            words = max((p for p in a.question if isinstance(p, str)), key=len).strip(" ?(")
            assert words in out, (fmt, a.title)
    for tex in latex_fragments(render(x, "markdown")):
        latex_to_mathml(tex)
    data = json.loads(render(x, "json"))
    assert {a["key"] for a in data["answers"]} >= set(keys)
    assert all(a["checked"] for a in data["answers"])


# -- no internal symbol, no unconfirmed claim ---------------------------------------------------
SCANNED = [
    PLANAR,
    cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce", layout="rows"),
    cr.mlp([3, 5, 4, 2], hidden="relu", output="softmax", loss="ce"),
    cr.mlp([2, 3, 1], hidden="sigmoid", output="linear", loss="mse", l2=0.3),
    cr.mlp([2, 3, 3, 1], hidden="relu", keep_prob=0.8, layout="rows"),
]
_LEAKS = re.compile(r"\(−d[LJ]\)|−d[LJ]\b|\bG_\b|\bDZ\b|NOT confirmed|DISAGREE|THEY DISAGREE")


@pytest.mark.parametrize("convention", ["course", "exact"])
@pytest.mark.parametrize("net", SCANNED, ids=[n.describe() for n in SCANNED])
def test_no_explanation_leaks_a_symbol_or_an_unconfirmed_claim(net, convention: str) -> None:
    for quantity in net.derive(convention).targets:
        x = cr.explain(net, quantity, convention)
        text = str(x)
        assert not _LEAKS.search(text), (quantity, _LEAKS.findall(text))
        assert all(a.checked for a in x.answers) and all(v.checked for v in x.variants)
        assert x.numbers.agree


def test_m_equal_to_a_width_still_confirms_the_rows_layout() -> None:
    # m = 3 numbers and a width of 3: a square dZ and its transpose have the same shape
    x = cr.explain(cr.mlp([2, 3, 1], hidden="sigmoid", output="linear", loss="mse"), "dZ1")
    (_, rows) = x.variants
    assert rows.relation == "transposed" and rows.checked
