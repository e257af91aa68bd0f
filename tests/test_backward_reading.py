"""Reading a whole backward pass (check/source.py): the statements mean what the code computes.

Each function below is a learner's or the course's own code, with its source. NumPy runs it (the
outside world: fixed strings of this file, run on the same arrays); chainrule reads it without
running it, statement by statement, and each statement — evaluated in order, given the learner's
own earlier lines — must give the value the code computed. Code outside the language is refused
with its line and column.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reading import Draw

import chainrule as cr
from chainrule.check.source import Statement, read_backward
from chainrule.errors import ChainruleError, ParseError
from chainrule.evaluate import evaluate

PLANAR = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")
RELU = cr.mlp([2, 5, 3, 1], hidden="relu", output="sigmoid", loss="bce")
L2 = cr.mlp([2, 5, 3, 1], hidden="relu", output="sigmoid", loss="bce", l2=0.7)
DROPOUT = cr.mlp([2, 5, 3, 1], hidden="relu", output="sigmoid", loss="bce", keep_prob=0.86)

# The course 1 week 3 exercise, as a learner posted it
# (hvsbombay/SOC-2025-DEEP-LEARNING-2025, Week3/Hidden_Layer_Neural_Network/Exercise6.py).
PLANAR_BACKWARD = '''
def backward_propagation(parameters, cache, X, Y):
    """
    Implement the backward propagation using the instructions above.
    """
    m = X.shape[1]

    W1 = parameters["W1"]
    W2 = parameters["W2"]

    A1 = cache["A1"]
    A2 = cache["A2"]

    dZ2 = A2 - Y
    dW2 = (1/m) * np.dot(dZ2, A1.T)
    db2 = (1/m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = (1/m) * np.dot(dZ1, X.T)
    db1 = (1/m) * np.sum(dZ1, axis=1, keepdims=True)

    grads = {"dW1": dW1,
             "db1": db1,
             "dW2": dW2,
             "db2": db2}

    return grads
'''

# The course 2 week 1 exercise with L2 regularization (the course's notebook; its gradients
# dictionary as the notebook returns it).
L2_BACKWARD = """
def backward_propagation_with_regularization(X, Y, cache, lambd):
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache

    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3, A2.T) + lambd / m * W3
    db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)

    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1. / m * np.dot(dZ2, A1.T) + lambd / m * W2
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)

    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T) + lambd / m * W1
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)

    gradients = {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2,
                 "dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1,
                 "dZ1": dZ1, "dW1": dW1, "db1": db1}
    return gradients
"""

# The course 2 week 1 dropout exercise; the mask lines as a learner wrote them on the forum
# (community.deeplearning.ai/t/what-is-dz1-np-multiply-da1-np-int64-a1-0/194620:
# dA1 = np.multiply(dA1,D1); dA1 /= keep_prob).
DROPOUT_BACKWARD = """
def backward_propagation_with_dropout(X, Y, cache, keep_prob):
    m = X.shape[1]
    (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3) = cache

    dZ3 = A3 - Y
    dW3 = 1./m * np.dot(dZ3, A2.T)
    db3 = 1./m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dA2 = dA2 * D2
    dA2 = dA2 / keep_prob
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1./m * np.dot(dZ2, A1.T)
    db2 = 1./m * np.sum(dZ2, axis=1, keepdims=True)

    dA1 = np.dot(W2.T, dZ2)
    dA1 = np.multiply(dA1,D1)
    dA1 /= keep_prob
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1./m * np.dot(dZ1, X.T)
    db1 = 1./m * np.sum(dZ1, axis=1, keepdims=True)

    gradients = {"dZ3": dZ3, "dW3": dW3, "db3": db3,"dA2": dA2,
                 "dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1,
                 "dZ1": dZ1, "dW1": dW1, "db1": db1}
    return gradients
"""

# The course 1 week 4 helpers as learners posted them:
# relu_backward: WrathTitan/DLNeuralNetwork, StructuredModel/relu_backward.py;
# linear_backward: the same repository, StructuredModel/linear_backward.py;
# relu_backward(dA, Z) with semicolons and sigmoid_backward returning the product:
# fffaez/johnny_deep, johnny_deep/activations.py.
RELU_BACKWARD = '''
def relu_backward(dA, cache):
    """
    The backward propagation for a single RELU unit.
    """
    Z = cache
    # just converting dz to a correct object.
    dZ = np.array(dA, copy=True)
    # When z <= 0, we should set dz to 0 as well.
    dZ[Z <= 0] = 0
    return dZ
'''
RELU_BACKWARD_SEMICOLONS = """
def relu_backward(dA, Z):
    dZ = np.array(dA, copy = True)
    dZ[Z <= 0] = 0;
    return dZ;
"""
SIGMOID_BACKWARD = """
def sigmoid_backward(dA, Z):
    sig = sigmoid(Z)
    return dA * sig * (1 - sig)
"""
LINEAR_BACKWARD = """
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]

    dW = (1/m)*np.dot(dZ,A_prev.T)
    db = (1/m)*np.sum(dZ,axis=1,keepdims=True)
    dA_prev = np.dot(W.T,dZ)

    assert (dA_prev.shape == A_prev.shape)
    assert (dW.shape == W.shape)
    assert (db.shape == b.shape)

    return dA_prev, dW, db
"""
# A relu derivative built in place (sshaave/AI_SP, NNFS/Book/c9p210.py:
# drelu = np.zeros_like(z); drelu[z > 0] = 1; drelu *= dvalues), with the course's names.
RELU_IN_PLACE = """
drelu = np.zeros_like(Z1)
drelu[Z1 > 0] = 1
drelu *= dA1
dZ1 = drelu
"""


def _run(code: str, function: str, *args: object) -> object:
    """NumPy runs the learner's code (a fixed string of this file) on the arrays given."""
    scope: dict = {"np": np, "sigmoid": lambda z: 1 / (1 + np.exp(-z))}
    exec(compile(code, "<learner's code>", "exec"), scope)  # noqa: S102
    return scope[function](*args)


def _values(draw: Draw, statements: list[Statement]) -> dict[str, np.ndarray]:
    """Each statement evaluated in order, given the learner's own earlier ones."""
    env, out = dict(draw.env), {}
    for s in statements:
        e = draw.reader.ir(draw.reader.tree(s.rhs))
        env[s.target] = out[s.target] = np.asarray(evaluate(e, env, draw.dims))
    return out


def _same(ours: dict[str, np.ndarray], theirs: dict[str, np.ndarray]) -> None:
    assert set(ours) == set(theirs)
    for k in theirs:
        np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-12, atol=1e-15, err_msg=k)


def test_the_planar_backward_propagation() -> None:
    draw = Draw(PLANAR)
    e = draw.env
    statements = read_backward(PLANAR_BACKWARD)
    assert [s.target for s in statements] == ["dZ2", "dW2", "db2", "dZ1", "dW1", "db1"]
    assert [s.line for s in statements] == [14, 15, 16, 17, 18, 19]
    assert statements[1].text == "dW2 = (1/m) * np.dot(dZ2, A1.T)"
    assert statements[1].rhs == "1 / X.shape[1] * np.dot(dZ2, A1.T)"  # m = X.shape[1], put in
    params, cache = {k: e[k] for k in ("W1", "b1", "W2", "b2")}, {k: e[k] for k in ("A1", "A2")}
    grads = _run(PLANAR_BACKWARD, "backward_propagation", params, cache, e["X"], e["Y"])
    ours = _values(draw, statements)
    _same({k: ours[k] for k in grads}, grads)
    for k in grads:  # the course's code is right: it equals the derived gradients
        np.testing.assert_allclose(ours[k], e[k], rtol=1e-10)


def test_l2_regularization() -> None:
    draw = Draw(L2)
    e = draw.env
    cache = tuple(e[k] for k in "Z1 A1 W1 b1 Z2 A2 W2 b2 Z3 A3 W3 b3".split())
    grads = _run(
        L2_BACKWARD, "backward_propagation_with_regularization", e["X"], e["Y"], cache, 0.7
    )
    ours = _values(draw, read_backward(L2_BACKWARD))
    _same(ours, grads)
    for k in ("dW1", "dW2", "dW3"):
        np.testing.assert_allclose(ours[k], e[k], rtol=1e-10)


def test_dropout_folds_the_mask_lines_and_reads_the_dropped_cache() -> None:
    draw = Draw(DROPOUT)
    e = draw.env
    statements = read_backward(DROPOUT_BACKWARD)
    dA2 = next(s for s in statements if s.target == "dA2")
    assert dA2.lines == (9, 10, 11) and dA2.rhs == "np.dot(W3.T, dZ3) * D2 / keep_prob"
    dA1 = next(s for s in statements if s.target == "dA1")
    assert dA1.lines == (16, 17, 18)
    # the course's cache holds A[l] after dropout, which the network calls A_drop[l]
    names = "Z1 D1 A_drop1 W1 b1 Z2 D2 A_drop2 W2 b2 Z3 A3 W3 b3".split()
    cache = tuple(e[k] for k in names)
    grads = _run(DROPOUT_BACKWARD, "backward_propagation_with_dropout", e["X"], e["Y"], cache, 0.86)
    ours = _values(draw, statements)
    _same(ours, grads)
    for k in ("dA2", "dZ2", "dW2", "dA1", "dZ1", "dW1", "db1"):
        np.testing.assert_allclose(ours[k], e[k], rtol=1e-10, err_msg=k)


@pytest.mark.parametrize("code", [RELU_BACKWARD, RELU_BACKWARD_SEMICOLONS])
def test_relu_backward_in_place_is_exact_at_zero(code: str) -> None:
    draw = Draw(RELU, m=8)
    Z1 = draw.env["Z1"].copy()
    Z1[:, ::3] = 0.0  # entries exactly 0: dZ[Z <= 0] = 0 zeroes them
    draw.set(Z1=Z1, A1=np.maximum(Z1, 0))
    [s] = read_backward(code, layer=1)
    assert s.target == "dZ1" and s.rhs == "np.where(Z1 <= 0, 0, dA1)"
    assert len(s.lines) == 2  # the copy and the write
    dZ = _run(code, "relu_backward", draw.env["dA1"], Z1)
    _same(_values(draw, [s]), {"dZ1": dZ})
    np.testing.assert_array_equal(dZ, draw.env["dA1"] * (Z1 > 0))


def test_sigmoid_backward_returns_dz() -> None:
    draw = Draw(RELU)
    [s] = read_backward(SIGMOID_BACKWARD, layer=3)
    assert s.target == "dZ3"
    dZ = _run(SIGMOID_BACKWARD, "sigmoid_backward", draw.env["dA3"], draw.env["Z3"])
    _same(_values(draw, [s]), {"dZ3": dZ})
    np.testing.assert_allclose(dZ, draw.env["dZ3"], rtol=1e-10)


def test_linear_backward_with_a_layer() -> None:
    draw = Draw(RELU)
    e = draw.env
    statements = read_backward(LINEAR_BACKWARD, layer=2)
    assert [s.target for s in statements] == ["dW2", "db2", "dA1"]
    dA_prev, dW, db = _run(
        LINEAR_BACKWARD, "linear_backward", e["dZ2"], (e["A1"], e["W2"], e["b2"])
    )
    _same(_values(draw, statements), {"dA1": dA_prev, "dW2": dW, "db2": db})


def test_a_local_built_in_place() -> None:
    draw = Draw(RELU)
    [s] = read_backward(RELU_IN_PLACE)
    assert s.target == "dZ1" and s.lines == (5,)
    assert [line for line, _ in s.locals] == [2, 3, 4]  # the three lines that built drelu
    np.testing.assert_allclose(_values(draw, [s])["dZ1"], draw.env["dZ1"], rtol=1e-12)


def test_lines_in_the_course_notation() -> None:
    # the course's six equations (tests/course.py), written as the slides write them
    text = "\n".join(
        [
            "dZ[2] = A[2] − Y",
            "dW[2] = (1/m) dZ[2] A[1]ᵀ",
            "db[2] = 1/m np.sum(dZ[2], axis=1, keepdims=True)",
            "dZ[1] = W[2]ᵀ dZ[2] ⊙ (1 − A[1]²)",
            "dW[1] = (1/m) dZ[1] Xᵀ",
            "db[1] = 1/m np.sum(dZ[1], axis=1, keepdims=True)",
        ]
    )
    draw = Draw(PLANAR)
    statements = read_backward(text)
    assert [s.target for s in statements] == ["dZ2", "dW2", "db2", "dZ1", "dW1", "db1"]
    ours = _values(draw, statements)
    for k, v in ours.items():
        np.testing.assert_allclose(v, draw.env[k], rtol=1e-10, err_msg=k)


def test_the_lectures_one_example_lines() -> None:
    # the lectures' one-example equations, one per line; each says it is per example
    text = (
        "dz[2] = a[2] - y\ndW[2] = dz[2] a[1].T\ndb[2] = dz[2]\ndz[1] = W[2].T dz[2] * g[1]'(z[1])"
    )
    statements = read_backward(text)
    assert [s.target for s in statements] == ["dz2", "dW2", "db2", "dz1"]
    assert all(s.notation.per_example for s in statements)
    draw = Draw(PLANAR, m=1)
    batch = [s.notation.formula.split(" = ", 1) for s in statements]
    assert [t for t, _ in batch] == ["dZ2", "dW2", "db2", "dZ1"]
    for t, rhs in batch[2:3] + batch[3:]:  # db2 = dz2 and dz1: the batch values at m = 1
        np.testing.assert_allclose(draw.read(rhs), draw.env[t], rtol=1e-10)


def test_a_wrong_m_shows_in_the_lines_that_use_it() -> None:
    # a learner's m = X.shape[0] (the number of features) is put into dW2, which is then wrong
    code = PLANAR_BACKWARD.replace("m = X.shape[1]", "m = X.shape[0]")
    dW2 = read_backward(code)[1]
    assert dW2.rhs == "1 / X.shape[0] * np.dot(dZ2, A1.T)"
    assert dW2.locals == ((6, "m = X.shape[0]"),)  # so a checker can point at line 6
    draw = Draw(PLANAR)
    assert not np.allclose(_values(draw, read_backward(code))["dW2"], draw.env["dW2"])


def test_a_lookup_under_another_name_renames() -> None:
    # W = parameters["W2"] makes W mean W2; grads["dW2"] = dW stores it under its own name
    text = 'W = parameters["W2"]\ndA1 = np.dot(W.T, dZ2)\ngrads["dA1"] = dA1\ngrads["dW2"] = dZ2'
    statements = read_backward(text)
    assert [(s.target, s.rhs) for s in statements] == [
        ("dA1", "np.dot(W2.T, dZ2)"),
        ("dW2", "dZ2"),
    ]


REFUSED = [
    # (text, words, line, column) — each one line, with the place and what to write instead
    ("for l in reversed(range(L-1)):\n    dZ = 1", "loops are not read", 1, 1),
    ("dZ1 = W2.T @ dZ2\nif True:\n    pass", "if statements are not read", 2, 1),
    ("dZ1 = relu_backward(dA1, Z1)", "relu_backward(…) is a function of your own", 1, 7),
    ("dZ1 = np.foo(Z1)", "the function np.foo is not read", 1, 7),
    ("dZ1 = dA1.flatten()", "the method .flatten(…) is not read", 1, 7),
    ("dZ1 = dA1 * A1.size", "the attribute .size is not read", 1, 13),
    ("dZ1 = dA1\ndZ1[Z1 <= 0] = 0", "this changes dA1 too", 2, 1),
    ("dZ1[Z1 <= 0] = 0", "dZ1 is written into before this code gave it a value", 1, 1),
    ("dZ1 = np.copy(dA1)\ndZ1[Z1 <= 0] = dA1", "a mask write is read with a number", 2, 16),
    ("dW1 += lambd / m * W1", "dW1 is changed in place before it has a value", 1, 1),
    ("dW1 = dZ1 @ X.T\ngrads['dW' + str(1)] = dW1", "is built while the code runs", 2, 7),
    ("dZ = dA * (Z > 0)", "dZ has no layer number", 1, 1),
    ("dAL = -(Y / AL)", "dAL needs the number of layers L", 1, 1),
    ("keep_prob = 0.8", "keep_prob is the network's own setting", 1, 1),
    ("dZ1 = dA1 * g1'(Z1)\nreturn dA1 * 2", "a returned expression has no name", 2, 8),
    ("db1 = 1/m * sum(dZ1)", "Python's sum(…) adds the rows", 1, 13),
    ("dZ[1] = W[2]ᵀ dZ[2] ⊙ np.foo(Z[1])", "the function np.foo is not read", 1, 23),
    ("x = 1\n\n  dZ1 = 2", "syntax error", None, None),
    ("def f(a):\n    return a\ndef g(b):\n    return b", "more than one function", 3, 1),
    ("dA2 = W3.T @ dZ3\ndZ2 = dA2 * (Z2 > 0)\ndA2 = 0 * dZ3", "after other lines used", 3, 1),
    ("dA1 = dA1 * D1", "computed from dA1 itself", 1, 1),
    ("lambda x: x", "an expression on its own changes nothing", 1, 1),
]


@pytest.mark.parametrize(("text", "words", "line", "col"), REFUSED, ids=lambda v: str(v)[:40])
def test_refusals_name_line_and_column(text: str, words: str, line: int, col: int) -> None:
    with pytest.raises(ParseError) as e:
        read_backward(text, layer=None)
    first = e.value.first_line()
    assert words in first, first
    if line is not None:
        assert first.startswith(f"line {line}: ") and f"at column {col}" in first, first
    assert e.value.hint


def test_a_column_points_into_the_learners_line() -> None:
    with pytest.raises(ParseError) as e:
        read_backward("dZ2 = A2 - Y\ndZ[1] = W[2]ᵀ dZ[2] ⊙ np.foo(Z[1])")
    source, col = e.value.source, e.value.col
    assert source == "dZ[1] = W[2]ᵀ dZ[2] ⊙ np.foo(Z[1])" and source[col:].startswith("np.foo")
    with pytest.raises(ParseError) as e:
        read_backward("dZ2 = A2 - Y\ndZ[1] = W[2]ᵀ dZ[2] ⊙ (A[1]² +")
    source, col = e.value.source, e.value.col
    assert source == "dZ[1] = W[2]ᵀ dZ[2] ⊙ (A[1]² +" and source[col:].startswith("(")


def test_nothing_is_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("read_backward ran code")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    with pytest.raises(ParseError):
        read_backward("dZ1 = __import__('os').system('false')")
    assert read_backward(PLANAR_BACKWARD)


# -- hostile text ---------------------------------------------------------------------------------
LINES = [
    "dZ2 = A2 - Y", "dW2 = 1/m * np.dot(dZ2, A1.T)", "m = X.shape[1]", 'W1 = parameters["W1"]',
    "dZ = np.array(dA, copy=True)", "dZ[Z <= 0] = 0", "dA2 = dA2 * D2", "dA2 /= keep_prob",
    'grads = {"dW1": dW1}', 'grads["dW1"] = dW1', "return grads", "def f(X, Y):", "    ",
    "for l in range(3):", "if x:", "import numpy as np", "import os", "A_prev, W, b = cache",
    "dz[1] = W[2]ᵀ dz[2] ⊙ g[1]'(z[1])", "x = (", ")", "\t", "é = 1", "\x00", "'''", "#",
    "dZ1 = dZ1", "lambd = 2", "print(dZ1)", "assert dZ1.shape == Z1.shape", "del x", "global x",
]  # fmt: skip
programs = st.lists(st.sampled_from(LINES), max_size=12).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(programs, st.text(max_size=120)), st.sampled_from([None, 1, 2]))
def test_fuzz_read_backward_raises_only_chainrule_errors(text: str, layer: int | None) -> None:
    try:
        statements = read_backward(text, layer=layer)
    except ChainruleError as e:
        assert str(e).strip()
        return
    for s in statements:
        assert s.formula.startswith(f"{s.target} = ") and 1 <= s.line <= s.end_line


@pytest.mark.parametrize(
    "text",
    [
        "dZ1 = " + "(" * 3000 + "Z1" + ")" * 3000,
        "dZ1 = Z1" + " + Z1" * 30_000,
        "\n".join(f"dZ{i} = A{i} - Y" for i in range(3000)),
        "x = 1\n" * 100_001,
        "dZ1 = \U0001f600",
        "def f(" + ", ".join(f"a{i}" for i in range(2000)) + "):\n    return a0",
        "dZ1 = Z1\n" + "dZ1 = dZ1 * 2\n" * 500,
        "a = Z1\n" + "a = a * a + a\n" * 60 + "dZ1 = a",  # doubles each line
        "dZ1 = Z1\n" + "dZ1 = dZ1 + dZ1\n" * 60,
    ],
)
def test_huge_and_deep_programs_are_refused_or_read(text: str) -> None:
    try:
        statements = read_backward(text)
    except ChainruleError as e:
        assert str(e).strip()
    else:
        assert all(len(s.rhs) < 1_000_000 for s in statements)


@pytest.mark.parametrize("text", [None, 3, b"dZ1 = 1", "", "   \n  "])
def test_odd_inputs(text: object) -> None:
    with pytest.raises(ParseError):
        read_backward(text)  # type: ignore[arg-type]
    with pytest.raises(ParseError):
        read_backward("dZ1 = dA1", layer=0)
