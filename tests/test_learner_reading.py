"""Reading learners' NumPy and the course's notation: each spelling means what NumPy says it means.

Every spelling is read by chainrule (its IR, evaluated) and run by NumPy itself on the same arrays
(tests/reading.py); they must agree. The spellings are real learners' and the course's, each with
its source in a comment. A spelling that cannot be read exactly is refused with one line that says
which part, at which column, and what to write instead. Hostile text never escapes as anything but
a ChainruleError.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reading import Draw

import chainrule as cr
from chainrule.check.learner import normalize_traced, notation, parse_rhs, split_formula
from chainrule.check.mistakes import np_text
from chainrule.errors import ChainruleError, ParseError
from chainrule.printers.text import text

PLANAR = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")  # course 1 week 3
RELU = cr.mlp([2, 5, 3, 1], hidden="relu", output="sigmoid", loss="bce")  # course 2 week 1
L2 = cr.mlp([2, 5, 3, 1], hidden="relu", output="sigmoid", loss="bce", l2=0.7)
DROPOUT = cr.mlp([2, 5, 3, 1], hidden="relu", output="sigmoid", loss="bce", keep_prob=0.86)
SOFTMAX = cr.mlp([3, 5, 4], hidden="relu", output="softmax", loss="ce")

# (network, what chainrule reads, what NumPy runs — None: the same text). Sources:
# [P] the course's planar backward_propagation as learners post it (hvsbombay/SOC-2025-DEEP-LEARNING
#     -2025, Week3/Hidden_Layer_Neural_Network/Exercise6.py)
# [T] community.deeplearning.ai/t/w3-a1-ex-6-backward-propagation-assertionerror-wrong-values-for-
#     dw1/66727: dZ1 written with np.tanh of Z1 squared
# [D] community.deeplearning.ai/t/w3-ex-6-assertionerror-wrong-values-for-dw1/402919: np.dot used
#     for the elementwise product too
# [R] community.deeplearning.ai/t/c2-w1-regularization-exercise-2/98949 and …/what-is-dz1-np-
#     multiply-da1-np-int64-a1-0/194620: np.multiply(dA1, np.int64(A1 > 0)), dA1 /= keep_prob
# [G] community.deeplearning.ai/t/regarding-derivative-of-relu-activation-function/115254:
#     np.ones((A1.shape)) * (A1 >= 0) "gives bad results"
# [K] the "simple MNIST NN from scratch" notebook copied in many repositories: dZ2.dot(A1.T),
#     W2.T.dot(dZ2) * ReLU_deriv(Z1) with ReLU_deriv = (Z > 0).astype(float)
# [W] the course 2 week 1 notebook: dW3 = 1./m * np.dot(dZ3, A2.T) + lambd/m * W3
# [S] forum "Back Propagation Not Working Accurately" (course 1 week 3, May 2024): tanh′ as sech
NUMPY_SPELLINGS = [
    (PLANAR, "A2 - Y", None),  # [P]
    (PLANAR, "(1 / m) * np.dot(dZ2, A1.T)", None),  # [P]
    (PLANAR, "(1/m)*np.sum(dZ2, axis=1, keepdims=True)", None),  # [P]
    (PLANAR, "np.dot(W2.T, dZ2) * (1-np.power(A1, 2))", None),  # [P]
    (PLANAR, "np.dot(W2.T, dZ2) *(1 - np.tanh(Z1)**2)", None),  # [T]
    (PLANAR, "np.dot(np.dot(W2.T, dZ2), (1 - np.dot(A1.T, A1)))", None),  # [D] (wrong, but read)
    (PLANAR, "1 / m * dZ2.dot(A1.T)", None),  # [K]
    (PLANAR, "W2.T.dot(dZ2) * (1 - A1**2)", None),  # [K]
    (PLANAR, "(1 / m) * np.sum(dZ1, axis = 1, keepdims = True)", None),  # [K]
    (PLANAR, "1 / X.shape[1] * np.dot(dZ1, X.T)", None),  # m = X.shape[1] [P]
    (PLANAR, "1./Y.shape[1] * np.dot(dZ1, X.T)", None),
    (PLANAR, "1.0/m * np.matmul(dZ1, X.T)", None),
    (PLANAR, "np.multiply(np.dot(W2.T, dZ2), np.subtract(1, np.square(A1)))", None),
    (PLANAR, "np.divide(np.dot(dZ2, A1.T), m)", None),
    (PLANAR, "np.add(np.dot(W2.T, dZ2), 0) * np.power(np.cosh(Z1), -2)", None),  # [S]
    (PLANAR, "dA1 / np.cosh(Z1)**2", None),  # [S]: tanh′ = sech² = 1/cosh²
    (PLANAR, "dA1 * (1 - np.sinh(Z1)**2 / np.cosh(Z1)**2)", None),
    # github.com/lazyprogrammer/facial-expression-recognition/issues/2: 1 - np.arctanh(Z)**2 …
    (PLANAR, "np.dot(W2.T, dZ2) * (1 - np.arctanh(A1) * np.arctanh(A1))", None),
    (PLANAR, "np.arctan(Z1) + np.arcsinh(Z1)", None),
    (PLANAR, "np.mean(dZ2, axis=1, keepdims=True)", None),
    (PLANAR, "np.squeeze(np.sum(dZ2, axis=1, keepdims=True))", None),  # (1, 1) → a scalar
    (PLANAR, "np.squeeze(np.sum(dZ1, axis=1, keepdims=True))", None),  # (4, 1) → (4,)
    (PLANAR, "dZ1 * np.ones(A1.shape)", None),
    (PLANAR, "dZ1 * np.ones_like(A1) + np.zeros_like(Z1)", None),
    (PLANAR, "np.log1p(np.exp(Z1)) + np.expm1(Z1) * np.reciprocal(A2 + 2)", None),
    (PLANAR, "np.sqrt(np.abs(Z1)) + np.negative(Z1)", None),
    (PLANAR, "np.dot(1 / m, dZ2)", None),  # np.dot with a scalar scales
    (PLANAR, "np.array(dA1, copy=True) * np.asarray(A1).astype(float)", None),
    (PLANAR, "np.float64(Z1 > 0) * dA1.copy()", None),
    (PLANAR, "dZ2.sum(axis=1, keepdims=True) / m + dZ2.mean(axis=1, keepdims=True)", None),
    (RELU, "np.multiply(dA2, np.int64(A2 > 0))", None),  # [R]
    (RELU, "np.multiply(dA1, np.int64(A1 > 0))", None),  # [R]
    (RELU, "np.dot(W2.T, dZ2) * (np.ones((A1.shape)) * (A1 > 0))", None),  # [G]
    (RELU, "np.dot(W2.T, dZ2) * (np.ones((A1.shape)) * (A1 >= 0))", None),  # [G]
    (RELU, "W2.T.dot(dZ2) * (Z1 > 0).astype(float)", None),  # [K]
    (RELU, "dA1 * np.where(Z1 > 0, 1, 0)", None),
    (RELU, "np.where(Z1 > 0, dA1, 0)", None),
    (RELU, "dA1 * np.heaviside(Z1, 0)", None),
    (RELU, "dA1 * np.heaviside(Z1, 1)", None),
    (RELU, "dA1 * np.heaviside(Z1, 0.5)", None),
    (RELU, "dA1 * (Z1 >= 0) + dA1 * (0 < Z1) - dA1 * (Z1 <= 0) * (Z1 < 0)", None),
    (RELU, "dA1 * (Z1 != 0) + (A1 == 0)", None),
    (RELU, "dA1 * ~(Z1 <= 0)", None),
    (RELU, "dA1 * (Z1 > 0).astype(int)", None),
    (RELU, "dA1 * np.int32(A1 > 0) * np.int64(np.heaviside(Z1, 0))", None),
    (RELU, "dA1 * (1 - (A1 > 0))", None),
    (RELU, "dA1 * np.maximum(0, Z1) - np.maximum(Z1, 0)", None),
    (RELU, "(Z1 > 0) @ X.T + np.dot(A1 > 0, X.T) * (A1 > 0).sum()", None),  # a mask with numbers
    (RELU, "dA1 * ((Z1 > 0) * (A1 > 0)) + np.multiply(Z1 >= 0, A1 > 0) * 2", None),
    (PLANAR, "A2 - Y.reshape(A2.shape)", None),  # L_model_backward's Y = Y.reshape(AL.shape)
    # [4] the course 1 week 4 notebook's L_model_backward: dAL = - (np.divide(Y, AL) - …)
    (PLANAR, "- (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))", None),  # [4]
    (RELU, "dAL * AL * (1 - AL) + 0 * ZL", None),
    (PLANAR, "1 / float(m) * np.dot(dZ2, A1.T) + 1 / int(X.shape[1])", None),
    (L2, "1./m * np.dot(dZ3, A2.T) + lambd/m * W3", None),  # [W]
    (L2, "1. / m * np.dot(dZ2, A1.T) + (lambd / m) * W2", None),  # [W]
    (DROPOUT, "np.multiply(dA_drop1, D1) / keep_prob", None),  # [R]
    (DROPOUT, "dA_drop1 * D1 / keep_prob1", None),
    (SOFTMAX, "A2 - Y", None),
    (SOFTMAX, "np.dot(W2.T, dZ2) * np.int64(Z1 > 0)", None),
]


@pytest.mark.parametrize(("net", "rhs", "source"), NUMPY_SPELLINGS, ids=lambda v: str(v)[:60])
def test_numpy_spellings_mean_what_numpy_computes(net: cr.Network, rhs: str, source: str) -> None:
    draw = Draw(net)
    assert draw.agree(rhs, source), (rhs, draw.read(rhs), draw.numpy(source or rhs))


# The course's notation and the lectures' (juxtaposition for the matrix product), with the NumPy
# that means the same. [N] the course's notebooks and slides (dZ[1] = W[2]ᵀ dZ[2] * g[1]′(Z[1]));
# [Z] zgwl/deep-learning README.md: dZ[1] = dot(W[2].T, dZ[2]) * g[1]'(Z[1]);
# [Q] community.deeplearning.ai/t/derivation-of-dz-1/24551:
#     dZ^[1] = ((W^[2]).T) (dZ^[2]) * g’(Z^[1]);
# [B] lonewolfc7.top/2026/02/12/DNN: dZ[l] = dA[l] * g'[l](Z[l]), dW = 1/m dZ[l] · A[l−1]ᵀ
NOTATION = [
    (PLANAR, "W[2]ᵀ @ dZ[2] ⊙ (1 − A[1]²)", "W2.T @ dZ2 * (1 - A1**2)"),  # [N]
    (PLANAR, "W[2]ᵀ dZ[2] ⊙ g[1]'(Z[1])", "W2.T @ dZ2 * (1 - np.tanh(Z1)**2)"),  # [N]
    (PLANAR, "W[2].T dZ[2] * g[1]’(Z[1])", "W2.T @ dZ2 * (1 - np.tanh(Z1)**2)"),  # [N]
    (PLANAR, "dot(W[2].T, dZ[2]) * g[1]'(Z[1])", "W2.T @ dZ2 * (1 - np.tanh(Z1)**2)"),  # [Z]
    (PLANAR, "((W^[2]).T) (dZ^[2]) * g’(Z^[1])", "W2.T @ dZ2 * (1 - np.tanh(Z1)**2)"),  # [Q]
    (PLANAR, "dA[1] * g'[1](Z[1])", "dA1 * (1 - np.tanh(Z1)**2)"),  # [B]
    (PLANAR, "1/m dZ[1] A[0]ᵀ", "1 / m * dZ1 @ X.T"),  # [B] juxtaposition with a scalar
    (PLANAR, "1/m np.sum(dZ[2], axis=1, keepdims=True)", "np.sum(dZ2, axis=1, keepdims=True) / m"),
    (PLANAR, "np.sum (dZ[2], axis=1, keepdims=True)", "np.sum(dZ2, axis=1, keepdims=True)"),
    (PLANAR, "dZ[2] A[1].T", "dZ2 @ A1.T"),
    (PLANAR, "W[2]ᵀ (dZ[2] * 2)", "W2.T @ (dZ2 * 2)"),
    (PLANAR, "dZ[2] * σ'(Z[2])", "dZ2 * A2 * (1 - A2)"),
    (PLANAR, "dA[2] * sigmoid'(Z[2]) + tanh'(Z[2])", "dA2 * A2 * (1 - A2) + 1 - np.tanh(Z2)**2"),
    (PLANAR, "A[2] − Y + Z[1]³ × 0", "A2 - Y + Z1**3 * 0"),
    (RELU, "W[2]ᵀ dZ[2] * g'(Z[1])", "W2.T @ dZ2 * (Z1 > 0)"),
    (RELU, "W[3]ᵀ dZ[3] * g[2]'(Z[2])", "W3.T @ dZ3 * (Z2 > 0)"),
    (RELU, "W[3]ᵀ dZ[3] * relu'(Z[2])", "W3.T @ dZ3 * (Z2 > 0)"),
    (RELU, "dAL * g'(ZL)", "dA3 * A3 * (1 - A3)"),  # [4] the output layer's activation
    (L2, "(1/m) dZ[2] A[1]ᵀ + (λ / m) W[2]", "dZ2 @ A1.T / m + lambd / m * W2"),  # λ is lambd
    (RELU, "dA[1] ⊙ 𝟙(Z[1] > 0)", "dA1 * (Z1 > 0)"),
    (DROPOUT, "(1/keep_prob[1]) dA_drop[1] ⊙ D[1]", "dA_drop1 * D1 / keep_prob"),
]


@pytest.mark.parametrize(("net", "rhs", "source"), NOTATION, ids=lambda v: str(v)[:60])
def test_course_notation_means_the_numpy_it_stands_for(
    net: cr.Network, rhs: str, source: str
) -> None:
    draw = Draw(net)
    assert draw.agree(rhs, source), (rhs, draw.read(rhs), draw.numpy(source))


ROUND_TRIP = [
    PLANAR,
    SOFTMAX,
    L2,
    DROPOUT,
    cr.mlp([3, 4, 2], hidden="sigmoid", output="softmax", loss="ce", layout="rows"),
]


@pytest.mark.parametrize("net", ROUND_TRIP, ids=lambda n: n.describe())
def test_the_course_notation_chainrule_prints_reads_back(net: cr.Network) -> None:
    """What ``chainrule derive`` prints in the course's notation reads as the NumPy it prints."""
    d, draw, read = net.derive(), Draw(net), 0
    for step in (s for s in d.steps if s.target in net.quantities()):
        for form in (step.expr, step.expanded):
            written = text(form, True, d.program.batch)
            if "Σ" in written or "𝟙α" in written:  # a sum's axis, leaky relu's step: not read
                continue
            assert draw.agree(written, np_text(form)), (step.target, written)
            read += 1
    assert read >= 8


# -- the value at exactly 0 -----------------------------------------------------------------------
def _relu_draw_with_zeros() -> Draw:
    """A draw whose Z1 has entries exactly 0 (so A1 = relu(Z1) is 0 wherever Z1 ≤ 0)."""
    draw = Draw(RELU, m=8)
    Z1 = draw.env["Z1"].copy()
    Z1[:, ::3] = 0.0
    return draw.set(Z1=Z1, A1=np.maximum(Z1, 0))


@pytest.mark.parametrize(
    "mask",
    [
        "Z1 > 0",
        "Z1 >= 0",
        "Z1 < 0",
        "Z1 <= 0",
        "0 < Z1",
        "0 >= Z1",
        "Z1 == 0",
        "Z1 != 0",
        "A1 > 0",
        "A1 >= 0",
        "np.heaviside(Z1, 0)",
        "np.heaviside(Z1, 1)",
        "np.heaviside(Z1, 0.5)",
        "np.heaviside(A1, 0.25)",
        "np.where(Z1 >= 0, 1, 0)",
        "np.where(A1 > 0, 1.0, 0.0)",
    ],
)
def test_masks_are_exact_at_zero(mask: str) -> None:
    draw = _relu_draw_with_zeros()
    assert draw.agree(f"1.0 * ({mask})")


def test_a1_at_least_zero_is_all_ones_not_relu_prime() -> None:
    # [G] A1 = relu(Z1) ≥ 0 everywhere, so (A1 >= 0) is 1 everywhere: not relu′(Z1) = 𝟙[Z1 > 0]
    draw = Draw(RELU, m=8)
    np.testing.assert_array_equal(draw.read("1.0 * (A1 >= 0)"), np.ones((5, 8)))
    relu_prime = (draw.env["Z1"] > 0).astype(float)
    assert relu_prime.min() == 0  # the draw has negative Z1, where the two differ
    np.testing.assert_array_equal(draw.read("1.0 * (A1 > 0)"), relu_prime)
    np.testing.assert_array_equal(draw.read("1.0 * (Z1 >= 0)"), relu_prime)  # Z1 ≠ 0 here


# -- the one-example notation ---------------------------------------------------------------------
# [F] the founding question of this project (issue #10): dz[1] = W[2].T * dz[2] * g[1]'(z[1]);
# [L] the lectures' one-example equations (dz[2] = a[2] − y, dW[2] = dz[2] a[1]ᵀ, db[2] = dz[2]);
# [C] community.deeplearning.ai/t/could-someone-help-explain-about-this-to-me/336971:
#     "why it not be dz[1] = a[1] - y"
@pytest.mark.parametrize(
    ("written", "batch"),
    [
        ("dz[1] = W[2].T * dz[2] * g[1]'(z[1])", "dZ1 = W2.T * dZ2 * g1'(Z1)"),  # [F]
        ("dz[2] = a[2] - y", "dZ2 = A2 - Y"),  # [L]
        ("dW[2] = dz[2] a[1].T", "dW2 = dZ2 A1.T"),  # [L]
        ("db[2] = dz[2]", "db2 = dZ2"),  # [L]
        ("dz[1] = W[2]ᵀ dz[2] ⊙ g[1]'(z[1])", "dZ1 = W2.T dZ2 * g1'(Z1)"),  # [L]
        ("dW[1] = dz[1] x.T", "dW1 = dZ1 X.T"),  # [L]
        ("da[1] = W[2].T dz[2]", "dA1 = W2.T dZ2"),
        ("dz[1] = a[1] - y", "dZ1 = A1 - Y"),  # [C]
    ],
)
def test_one_example_notation_is_named_and_renamed(written: str, batch: str) -> None:
    n = notation(written)
    assert n.per_example and n.formula == batch
    assert all(a.lower() == b.lower() for a, b in n.renamed)


def test_one_example_formula_means_the_batch_formula_with_one_example() -> None:
    # dW[2] = dz[2] a[1]ᵀ with m = 1 is an outer product: NumPy's np.dot(dz2, a1.T)
    draw = Draw(PLANAR, m=1)
    target, rhs = split_formula(notation("dW[2] = dz[2] a[1].T").formula)
    assert target == "dW2"
    lower = {"dz2": draw.env["dZ2"], "a1": draw.env["A1"]}
    np.testing.assert_allclose(draw.read(rhs), np.dot(lower["dz2"], lower["a1"].T), rtol=1e-12)
    _, rhs = split_formula(notation("dz[1] = W[2].T dz[2] * g[1]'(z[1])").formula)
    np.testing.assert_allclose(draw.read(rhs), draw.env["dZ1"], rtol=1e-12)  # m = 1: no 1/m


@pytest.mark.parametrize(
    "batch", ["dZ1 = W2.T @ dZ2 * (1 - A1**2)", "dW[2] = 1/m dZ[2] A[1]ᵀ", "db2 = np.sum(dZ2)"]
)
def test_batch_notation_is_not_per_example(batch: str) -> None:
    n = notation(batch)
    assert not n.per_example and n.formula == batch and n.renamed == ()


@pytest.mark.parametrize(
    ("formula", "part", "col"),
    [
        ("dz[2] = A[2] - y", "'A2' is the batch one", 9),
        ("dW[2] = 1/m dz[2] a[1].T", "'m' is the batch one", 11),
        ("dw = dz[1] x", "logistic regression's column vector w", 1),
    ],
)
def test_mixed_notations_are_refused(formula: str, part: str, col: int) -> None:
    with pytest.raises(ParseError) as e:
        notation(formula)
    line = e.value.first_line()
    assert part in line and f"at column {col}" in line, line


# -- refusals: one line, the part, the column, what to write instead -----------------------------
REFUSED = [
    # (network, right-hand side, words in the message, column)
    (PLANAR, "dA1 * np.int64(1 - A1**2)", "rounds 1 - A1 ** 2 to integers", 7),
    (PLANAR, "dA1 * (1 - A1**2).astype(int)", "rounds", 7),
    (PLANAR, "dA1 * int(Z1 > 0)", "Python's int(…) of an array raises", 7),
    (PLANAR, "dA1 * int(0.5)", "int(0.5) rounds or tests a number", 7),
    (PLANAR, "dA1 * (Z1 > 1)", "the comparison 'Z1 > 1' is not understood", 8),
    (PLANAR, "dA1 * (0 < Z1 < 1)", "is not understood", 8),
    (PLANAR, "dA1 * ((Z1 > 0) + (A1 > 0))", "NumPy adds them as a logical or", 8),
    (PLANAR, "dA1 * ((Z1 > 0) - (A1 > 0))", "NumPy cannot subtract them", 8),
    (PLANAR, "dA1 * -(Z1 > 0)", "cannot negate the boolean array", 7),
    (PLANAR, "(Z1 > 0) @ (A1 > 0).T", "NumPy multiplies them as logic", 1),
    (PLANAR, "(Z1 > 0) * (A1 > 0) + np.multiply(Z1 >= 0, A1 > 0)", "as a logical or", 1),
    (PLANAR, "np.dot(Z1 > 0, (A1 > 0).T)", "on boolean arrays as logic, not numbers", 1),
    (PLANAR, "dA1 * np.add(Z1 > 0, A1 > 0)", "on boolean arrays as logic, not numbers", 7),
    (PLANAR, "dA1 * np.negative(Z1 > 0)", "on boolean arrays as logic, not numbers", 7),
    (PLANAR, "dA1.reshape(4, 6)", "the method .reshape(…) is not part of the language", 1),
    (PLANAR, "Y.reshape(A1.shape)", "changes the shape (1, m), which is not read", 1),
    (PLANAR, "np.where(Z1, dA1, 0)", "is not a comparison", 10),
    (PLANAR, "dA1 * X.shape", "is a tuple of sizes", 7),
    (PLANAR, "dA1 * X.shape[2]", "has no entry 2", 7),
    (PLANAR, "dA1 * X[1]", "indexing 'X[1]' is not part of the language", 7),
    (PLANAR, "dA1 * A1.size", "attribute .size is not supported", 7),
    (PLANAR, "dA1 * np.foo(Z1)", "unknown function 'np.foo'", 7),
    (PLANAR, "1/m * sum(dZ1)", "Python's sum(…) adds the rows", None),
    (PLANAR, "dA1 · A1", "'·' can mean a matrix product or an elementwise one", 5),
    (PLANAR, "dA1 * keep_prob", "unknown name 'keep_prob'", 7),
    (PLANAR, "dA1 * lambd", "this network has no L2 penalty", 7),
    (PLANAR, "dA1 * z1", "one-example notation", 7),
    (PLANAR, "dA1 * g7'(Z1)", "g7' names layer 7", 7),
]


@pytest.mark.parametrize(("net", "rhs", "words", "col"), REFUSED, ids=lambda v: str(v)[:50])
def test_refusals_say_what_where_and_instead(
    net: cr.Network, rhs: str, words: str, col: int | None
) -> None:
    draw = Draw(net)
    with pytest.raises(ParseError) as e:
        draw.read(rhs)
    line = e.value.first_line()
    assert words in line, line
    assert col is None or f"at column {col}" in line, line
    assert e.value.hint, "a refusal says what to write instead"


def test_a_column_points_at_the_learners_own_text() -> None:
    draw = Draw(PLANAR)
    with pytest.raises(ParseError) as e:
        draw.read("W2.T @ dZ2 * g1'(Z1) * np.foo(Z1)")
    source, col = e.value.source, e.value.col
    assert source == "W2.T @ dZ2 * g1'(Z1) * np.foo(Z1)" and source[col:].startswith("np.foo")


def test_keep_prob_is_refused_when_layers_keep_different_fractions() -> None:
    net = cr.mlp([2, 5, 3, 1], hidden="relu", output="sigmoid", loss="bce", keep_prob=[0.8, 0.9])
    with pytest.raises(ParseError, match="keep different fractions: write keep_prob1, keep_prob2"):
        Draw(net).read("dA_drop1 * D1 / keep_prob")
    assert Draw(net).agree("dA_drop1 * D1 / keep_prob1")


# -- hostile text ---------------------------------------------------------------------------------
TOKENS = [
    "dZ1", "dz[1]", "W[2]", "W^[2]", "ᵀ", ".T", "⊙", "−", "²", "³", "·", "g[1]'(", "g'(", "σ'(",
    "'", "’", "(", ")", "[", "]", " ", "  ", "@", "*", "/", "+", "-", "**", "=", "==", ">", ">=",
    "<", "<=", "!=", "~", "0", "1", "1.", "0.5", "m", "X.shape[1]", ".shape", "[0]", "np.int64(",
    "np.where(", "np.heaviside(", ".astype(", "float", "int", ".dot(", ".copy()", ".sum(",
    "np.ones(", "np.ones_like(", "np.zeros_like(", "np.squeeze(", "np.cosh(", "np.log1p(",
    "keep_prob", "lambd", "axis=1", "keepdims=True", ",", "A1", "Z1", "a1", "x", "y", "sum(",
    "__import__", "lambda", "é", "\x00", "\n", "\\", "#", '"', "1e400",
]  # fmt: skip
learner_text = st.lists(st.sampled_from(TOKENS), max_size=30).map("".join)


def _only_chainrule_errors(f, *args) -> None:
    try:
        f(*args)
    except ChainruleError as e:
        assert str(e).strip()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(learner_text, st.text(max_size=80)))
def test_fuzz_reading_raises_only_chainrule_errors(text: str) -> None:
    draw = Draw(RELU)
    _only_chainrule_errors(draw.read, text)
    _only_chainrule_errors(notation, text)
    _only_chainrule_errors(split_formula, text)


@settings(max_examples=200, deadline=None)
@given(learner_text)
def test_every_normalised_character_points_into_the_learners_text(text: str) -> None:
    try:
        normalised, cols = normalize_traced(text)
    except ParseError:
        return  # '·' is refused
    assert len(cols) == len(normalised) and cols == sorted(cols)
    assert all(0 <= c < len(text) for c in cols)


@pytest.mark.parametrize(
    "text",
    [
        "(" * 3000 + "Z1" + ")" * 3000,
        "-" * 5000 + "Z1",
        "Z1" + " + Z1" * 30_000,
        "W[2]ᵀ " * 20_000,
        "Z1 " * 2000,
        "np.sum(" * 400 + "Z1" + ")" * 400,
        "\U0001f600 * Z1",
        "Ζ1 + Z1",  # a Greek capital zeta
        "",
        "\x00",
    ],
)
def test_huge_deep_and_odd_text_is_a_chainrule_error_or_read(text: str) -> None:
    _only_chainrule_errors(Draw(RELU).read, text)
    _only_chainrule_errors(parse_rhs, text)
    _only_chainrule_errors(notation, text)
