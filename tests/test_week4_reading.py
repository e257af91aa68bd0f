"""Reading a week-4 learner's file (check/inline.py through check/source.py): several functions,
``L_model_backward`` looping over the layers, never run by chainrule.

The course's functions are written below as "Building your Deep Neural Network: Step by Step"
writes them (the graded functions, and dnn_utils' ``relu_backward``/``sigmoid_backward``; e.g.
datahacker.rs/wp-content/uploads/2018/10/012_8.html, and the notebook's L_model_backward as
posted in Silva-6/deeplearning.AI-deep_learning). NumPy runs the same text on the same arrays —
in this test only, with numpy and four builtins in its namespace — and each statement chainrule
reads, evaluated in order given the learner's own earlier ones, must give what NumPy computed.
Real learners' versions with their mistakes are judged by ``cr.check_backward`` and must be
reported on the line where the mistake is.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reading import Draw

import chainrule as cr
from chainrule.check.inline import LIMITS
from chainrule.check.source import Statement, read_backward
from chainrule.errors import ChainruleError, ParseError
from chainrule.evaluate import evaluate

UTILS = """
def sigmoid_backward(dA, cache):
    Z = cache
    s = 1/(1+np.exp(-Z))
    dZ = dA * s * (1-s)
    assert (dZ.shape == Z.shape)
    return dZ

def relu_backward(dA, cache):
    Z = cache
    dZ = np.array(dA, copy=True) # just converting dz to a correct object.
    # When z <= 0, you should set dz to 0 as well.
    dZ[Z <= 0] = 0
    assert (dZ.shape == Z.shape)
    return dZ
"""

LINEAR = """
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    assert (dA_prev.shape == A_prev.shape)
    return dA_prev, dW, db
"""

ACTIVATION = """
def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
        dA_prev, dW, db = linear_backward(dZ, linear_cache)
    elif activation == "sigmoid":
        dZ = sigmoid_backward(dA, activation_cache)
        dA_prev, dW, db = linear_backward(dZ, linear_cache)
    return dA_prev, dW, db
"""

MODEL = """
def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches) # the number of layers
    m = AL.shape[1]
    Y = Y.reshape(AL.shape) # after this line, Y is the same shape as AL
    dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    current_cache = caches[L-1]
    dA_prev_temp, dW_temp, db_temp = linear_activation_backward(dAL, current_cache, "sigmoid")
    grads["dA" + str(L-1)] = dA_prev_temp
    grads["dW" + str(L)] = dW_temp
    grads["db" + str(L)] = db_temp
    for l in reversed(range(L-1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 1)], current_cache, "relu")
        grads["dA" + str(l)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
    return grads
"""  # noqa: E501 - the notebook's own line

COURSE = "import numpy as np\n" + UTILS + LINEAR + ACTIVATION + MODEL

NETS = {
    2: cr.mlp([3, 4, 1], hidden="relu", output="sigmoid", loss="bce"),
    3: cr.mlp([3, 5, 4, 1], hidden="relu", output="sigmoid", loss="bce"),
    4: cr.mlp([4, 5, 3, 4, 1], hidden="relu", output="sigmoid", loss="bce"),
}


def _numpy(code: str, net: cr.Network, draw: Draw) -> dict[str, np.ndarray]:
    """NumPy runs the learner's file (a fixed string of this test) on the draw's arrays: every
    quantity of the pass, from the learner's own functions."""
    tiny = {"len": len, "str": str, "range": range, "reversed": reversed}
    scope: dict = {"__builtins__": tiny, "np": np}
    body = "\n".join(x for x in code.split("\n") if not x.startswith("import "))
    exec(compile(body, "<learner's file>", "exec"), scope)  # noqa: S102
    e, L = draw.env, net.L
    caches = [((e[f"A{l - 1}"], e[f"W{l}"], e[f"b{l}"]), e[f"Z{l}"]) for l in range(1, L + 1)]
    out = dict(scope["L_model_backward"](e[f"A{L}"], e["Y"], caches))
    del out["dA0"]  # the gradient of X: not a quantity of the network
    dAL = -(np.divide(e["Y"], e[f"A{L}"]) - np.divide(1 - e["Y"], 1 - e[f"A{L}"]))
    out[f"dA{L}"] = dAL
    for l in range(1, L + 1):
        backward = scope["sigmoid_backward" if l == L else "relu_backward"]
        out[f"dZ{l}"] = backward(out[f"dA{l}"], e[f"Z{l}"])
    return out


def _values(draw: Draw, statements: list[Statement]) -> dict[str, np.ndarray]:
    """Each statement evaluated in order, given the learner's own earlier ones."""
    env, out = dict(draw.env), {}
    for s in statements:
        e = draw.reader.ir(draw.reader.tree(s.rhs))
        env[s.target] = out[s.target] = np.asarray(evaluate(e, env, draw.dims))
    return out


@pytest.mark.parametrize("L", [2, 3, 4])
def test_the_course_functions_read_as_numpy_runs_them(L: int) -> None:
    net = NETS[L]
    draw = Draw(net, m=7, seed=L)
    statements = read_backward(COURSE, L=L)
    order = [[f"dZ{l}", f"dW{l}", f"db{l}", f"dA{l - 1}"] for l in range(L, 0, -1)]
    expected = [f"dA{L}", *(q for layer in order for q in layer)][:-1]  # dA0: not a quantity
    assert [s.target for s in statements] == expected
    ours, theirs = _values(draw, statements), _numpy(COURSE, net, draw)
    assert set(ours) == set(theirs)
    for k in theirs:
        np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-12, atol=1e-15, err_msg=k)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(1, 5), min_size=2, max_size=4), st.integers(1, 9), st.integers(0, 99))
def test_any_widths_read_as_numpy_runs_them(widths: list[int], m: int, seed: int) -> None:
    net = cr.mlp([*widths, 1], hidden="relu", output="sigmoid", loss="bce")
    draw = Draw(net, m=m, seed=seed)
    ours = _values(draw, read_backward(COURSE, L=net.L))
    theirs = _numpy(COURSE, net, draw)
    for k in theirs:
        np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-12, atol=1e-15, err_msg=k)


def test_each_statement_keeps_the_learners_line_and_its_calls() -> None:
    statements = {s.target: s for s in read_backward(COURSE, L=3)}
    lines = COURSE.split("\n")
    dW2, dZ1, dA3 = statements["dW2"], statements["dZ1"], statements["dA3"]
    assert lines[dW2.line - 1].strip() == "dW = 1 / m * np.dot(dZ, A_prev.T)"
    assert dW2.function == "linear_backward" and dW2.layer == 2
    assert [f for f, _ in dW2.via] == ["L_model_backward", "linear_activation_backward"]
    assert "relu" in lines[dW2.via[0][1] - 1] and "linear_backward(" in lines[dW2.via[1][1] - 1]
    assert statements["dW1"].line == dW2.line and statements["dW1"].layer == 1
    assert dZ1.lines == (dZ1.line, dZ1.line + 2)  # the copy, then the in-place mask
    assert dZ1.rhs == "np.where(Z1 <= 0, 0, dA1)"
    assert dA3.function == "L_model_backward" and dA3.via == ()
    assert lines[dW2.locals[0][0] - 1].strip() == "m = A_prev.shape[1]"


@pytest.mark.parametrize("L", [2, 3, 4])
def test_the_course_pass_is_judged_correct(L: int) -> None:
    result = cr.check_backward(NETS[L], COURSE)
    assert result.correct, str(result)
    assert len(result.lines) == 4 * L


def _line_of(code: str, text: str) -> int:
    return next(i for i, x in enumerate(code.split("\n"), 1) if x.strip() == text)


# A missing 1/m in linear_backward: AlanWei/deeplearning-js src/math/linearBackward.ts writes
# dW = dZ · A_prevᵀ with no 1/m (the course forum's "dW has the wrong values" threads).
NO_M = COURSE.replace("dW = 1 / m * np.dot(dZ, A_prev.T)", "dW = np.dot(dZ, A_prev.T)")


def test_a_missing_1_over_m_in_linear_backward_is_on_its_line_in_every_layer() -> None:
    net = NETS[3]
    result = cr.check_backward(net, NO_M)
    line = _line_of(NO_M, "dW = np.dot(dZ, A_prev.T)")
    wrong = result.wrong
    assert {c.target for c in wrong} == {"dW1", "dW2", "dW3"}, str(result)
    assert {c.line for c in wrong} == {line}
    assert all("1/m" in c.check.message or "1 / m" in c.check.message for c in wrong)


# Silva-6/deeplearning.AI-deep_learning (3-step_by_step-build_your_DNN, files 6, 7, 8): the
# loop calls sigmoid_backward(dAL, …) for every hidden layer instead of relu_backward on
# grads["dA" + str(l + 1)], and linear_backward indexes the cache (cache[0].T, cache[1].T).
SILVA = (
    "import numpy as np\n"
    + """
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.dot(dZ, cache[0].T) / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = np.dot(cache[1].T, dZ)
    return dA_prev, dW, db

def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)  # the number of layers
    m = AL.shape[1]
    Y = Y.reshape(AL.shape)  # after this line, Y is the same shape as AL
    dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    current_cache = caches[-1]
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = linear_backward(
        sigmoid_backward(dAL, current_cache[1]), current_cache[0])
    for l in reversed(range(L - 1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_backward(sigmoid_backward(dAL, current_cache[1]), current_cache[0])
        grads["dA" + str(l + 1)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
    return grads
"""  # noqa: E501 - the learner's own line
)


def test_a_real_loop_with_the_wrong_backward_is_reported_on_the_loop_line() -> None:
    net = NETS[3]
    statements = {s.target: s for s in read_backward(SILVA, L=3)}
    loop = _line_of(
        SILVA,
        "dA_prev_temp, dW_temp, db_temp = linear_backward(sigmoid_backward(dAL, "
        "current_cache[1]), current_cache[0])",
    )
    assert statements["dZ2"].line == statements["dZ1"].line == loop
    assert statements["dZ3"].line == loop - 3  # the output layer's call, written right
    assert statements["dZ3"].function == "L_model_backward" and statements["dZ2"].layer == 2
    result = cr.check_backward(net, SILVA)
    assert result["dZ3"].ok and result["dW3"].ok and result["dA2"].ok, str(result)
    assert result["dZ2"].verdict == "wrong" and result["dZ2"].line == loop, str(result)
    assert result["dW2"].ok  # right given the learner's dZ2


def test_the_same_loop_with_relu_backward_is_right() -> None:
    fixed = SILVA.replace(
        "linear_backward(sigmoid_backward(dAL, current_cache[1]), current_cache[0])\n",
        'linear_backward(relu_backward(grads["dA" + str(l + 1)], current_cache[1]), '
        "current_cache[0])\n",
    ).replace('grads["dA" + str(l + 1)] = dA_prev_temp', 'grads["dA" + str(l)] = dA_prev_temp')
    assert fixed != SILVA
    result = cr.check_backward(NETS[4], fixed)
    assert result.correct, str(result)


# rashedmamdouh/Fully-working-Neural-Network helperfunction.py: the course's loop under other
# names (model_backward, activation_backward), the output layer's outputs filed straight into
# grads by a tuple of keys, the activation passed as a keyword.
RASHED = (
    "import numpy as np\n"
    + LINEAR
    + ACTIVATION.replace("def linear_activation_backward", "def activation_backward")
    + """
def model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    current_cache = caches[L-1]
    grads["dA" + str(L-1)], grads["dW" + str(L)], grads["db" + str(L)] = activation_backward(dAL, current_cache, "sigmoid")
    for l in reversed(range(L-1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = activation_backward(grads["dA" + str(l + 1)], current_cache, activation = "relu")
        grads["dA" + str(l)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
    return grads
"""  # noqa: E501 - the learner's own lines
)


def test_the_course_loop_under_other_names_with_the_library_backward() -> None:
    result = cr.check_backward(NETS[3], RASHED)
    assert result.correct, str(result)


# The 2017 notebook filed dA[l−1] under "dA" + str(l) (Atom-101/Python_Neural_Network,
# L_model_backward.py: grads["dA" + str(L)], … = linearActivationBackward(dAL, …), the loop
# reading grads["dA" + str(l + 2)]): the quantity is what the code computes, whatever its key.
OLD_KEYS = COURSE.replace(
    'grads["dA" + str(L-1)] = dA_prev_temp', 'grads["dA" + str(L)] = dA_prev_temp'
)
OLD_KEYS = OLD_KEYS.replace(
    'grads["dA" + str(l + 1)], current', 'grads["dA" + str(l + 2)], current'
)
OLD_KEYS = OLD_KEYS.replace(
    'grads["dA" + str(l)] = dA_prev_temp', 'grads["dA" + str(l + 1)] = dA_prev_temp'
)  # noqa: E501


def test_the_2017_keys_file_the_same_quantities() -> None:
    assert OLD_KEYS.count("str(l + 2)") == 1
    assert [s.formula for s in read_backward(OLD_KEYS, L=3)] == [
        s.formula for s in read_backward(COURSE, L=3)
    ]


# A sign error in dAL (the forum's "dAL = np.divide(Y, AL) - np.divide(1 - Y, 1 - AL)").
SIGN = COURSE.replace("dAL = - (np.divide(Y, AL)", "dAL = (np.divide(Y, AL)")


def test_a_sign_error_in_dAL_is_on_the_dAL_line() -> None:  # noqa: N802
    result = cr.check_backward(NETS[2], SIGN)
    line = _line_of(SIGN, "dAL = (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))")
    assert result["dA2"].verdict == "wrong" and result["dA2"].line == line, str(result)
    assert "sign" in result["dA2"].check.message.lower()


# dA passed to linear_backward instead of dZ (the Coursera forum's "dA_prev, dW, db =
# linear_backward(dA, linear_cache)" in linear_activation_backward): reported on that call.
DA_FOR_DZ = COURSE.replace(
    "        dZ = relu_backward(dA, activation_cache)\n"
    "        dA_prev, dW, db = linear_backward(dZ, linear_cache)",
    "        dZ = relu_backward(dA, activation_cache)\n"
    "        dA_prev, dW, db = linear_backward(dA, linear_cache)",
)


def test_da_passed_for_dz_is_reported_on_the_call() -> None:
    assert DA_FOR_DZ != COURSE
    result = cr.check_backward(NETS[3], DA_FOR_DZ)
    call = _line_of(DA_FOR_DZ, "dA_prev, dW, db = linear_backward(dA, linear_cache)")
    wrong = {c.target: c.line for c in result.wrong}
    assert wrong == {"dZ2": call, "dZ1": call}, str(result)


# community.deeplearning.ai "Exercise 7 - linear_backward" (t/241052): a learner's linear_backward
# with np.multiply for both products and db summed over axis 0; after the mentor's hint the
# products became np.dot, the axis stayed.
COURSE_LINEAR = (
    "    dW = 1 / m * np.dot(dZ, A_prev.T)\n"
    "    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)\n"
    "    dA_prev = np.dot(W.T, dZ)\n"
)
FORUM_LINEAR = (
    "    dW = 1/m * np.multiply(A_prev,dZ)\n"
    "    db = 1/m * np.sum(dZ, axis=0, keepdims=True)\n"
    "    dA_prev = np.multiply(dZ,W.T)\n"
)
FORUM_AXIS = FORUM_LINEAR.replace("np.multiply(A_prev,dZ)", "np.dot(dZ, A_prev.T)").replace(
    "np.multiply(dZ,W.T)", "np.dot(W.T, dZ)"
)


def test_a_forum_linear_backward_is_wrong_on_its_own_lines_in_every_layer() -> None:
    text = COURSE.replace(COURSE_LINEAR, FORUM_LINEAR)
    assert text != COURSE
    result = cr.check_backward(NETS[3], text)
    dW, db = (
        _line_of(text, "dW = 1/m * np.multiply(A_prev,dZ)"),
        _line_of(text, "db = 1/m * np.sum(dZ, axis=0, keepdims=True)"),
    )
    for l in (1, 2, 3):
        assert result[f"dW{l}"].verdict == "wrong" and result[f"dW{l}"].line == dW, str(result)
        assert result[f"db{l}"].verdict == "wrong" and result[f"db{l}"].line == db
    for l in (1, 2):  # the hidden layers: no size of 1 makes the broadcast work
        assert "broadcast" in result[f"dW{l}"].check.message


def test_the_sum_over_the_wrong_axis_is_named_in_every_layer() -> None:
    text = COURSE.replace(COURSE_LINEAR, FORUM_AXIS)
    result = cr.check_backward(NETS[3], text)
    db = _line_of(text, "db = 1/m * np.sum(dZ, axis=0, keepdims=True)")
    assert {c.target: c.line for c in result.wrong} == {"db3": db, "db2": db, "db1": db}
    assert all(c.check.mistakes[:1] == ("wrong-sum-axis",) for c in result.wrong), str(result)


# A notebook exported whole: the forward functions (never reached from the entry, so never read),
# the graded cells' test calls and prints at the top level (passed over: nothing is run).
NOTEBOOK = (
    COURSE
    + """
def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A_prev = A
        A, cache = linear_activation_forward(A_prev, parameters["W" + str(l)], parameters["b" + str(l)], activation="relu")
        caches.append(cache)
    while False:
        pass
    return A, caches

t_AL, t_Y_assess, t_caches = L_model_backward_test_case()
grads = L_model_backward(t_AL, t_Y_assess, t_caches)
print("dA0 = " + str(grads['dA0']))
"""  # noqa: E501 - the notebook's own line
)


def test_a_whole_notebook_reads_as_its_backward_pass() -> None:
    assert [s.formula for s in read_backward(NOTEBOOK, L=3)] == [
        s.formula for s in read_backward(COURSE, L=3)
    ]


# Silva-6/deeplearning.AI-deep_learning 6-linear_backward_prop.py: db squeezed after the sum,
# np.squeeze(np.sum(dZ, axis=1, keepdims=True)) / m, which drops the keepdims the sum kept.
SQUEEZE = COURSE.replace(
    "db = 1 / m * np.sum(dZ, axis=1, keepdims=True)",
    "db = np.squeeze(np.sum(dZ, axis=1, keepdims=True)) / m",
)


def test_a_squeezed_db_is_named_on_its_line() -> None:
    assert SQUEEZE != COURSE
    result = cr.check_backward(NETS[3], SQUEEZE)
    line = _line_of(SQUEEZE, "db = np.squeeze(np.sum(dZ, axis=1, keepdims=True)) / m")
    assert result.convention == "course"
    assert result["db2"].verdict == "wrong" and result["db2"].line == line, str(result)
    assert result["db2"].check.mistakes[:1] == ("lost-keepdims",)
    assert result["db3"].verdict == "right-here-only"  # n[3] = 1: squeezed to a scalar
    assert all(result[q].ok for q in ("dZ1", "dW1", "dA1", "dZ2", "dW2", "dA2"))


def test_a_squeezed_db_is_wrong_in_every_hidden_layer_alike() -> None:
    """db1 used to be "right in the end" (its numbers, ignoring its shape) where db2 on the same
    line was wrong. NumPy, running the learner's file, shows why both are wrong: the update
    ``b - lr * db`` broadcasts (n, 1) - (n,) into (n, n)."""
    result = cr.check_backward(NETS[3], SQUEEZE)
    for q in ("db1", "db2"):
        assert result[q].verdict == "wrong", str(result)
        assert result[q].check.mistakes[:1] == ("lost-keepdims",)
    draw = Draw(NETS[3], m=7, seed=1)
    theirs = _numpy(SQUEEZE, NETS[3], draw)
    for l, n in ((1, 5), (2, 4)):
        assert (draw.env[f"b{l}"] - 0.01 * theirs[f"db{l}"]).shape == (n, n)


# -- refusals -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("for l in reversed(range(L-1)):", "while L > 1:"), "while loops are not read"),
        (('if activation == "relu":', "if dA.sum() > 0:"), "depends on values computed"),
        (("dZ = relu_backward(dA, activation_cache)", "dZ = leaky(dA, activation_cache)"),
         "not defined in the file"),
        (("current_cache = caches[L-1]", "current_cache = caches[L]"), "out of range"),
        (('grads["dA" + str(l + 1)], current', 'grads["dA" + str(l)], current'),
         "nothing is stored under 'dA1'"),
        (("A_prev, W, b = cache", "A_prev, W = cache"), "2 names for 3 values"),
        (("    return dA_prev, dW, db\n\ndef linear_activation",
          "    return linear_backward(dZ, cache)\n\ndef linear_activation"), "calls itself"),
    ],
)  # fmt: skip
def test_what_is_not_read_is_refused_with_line_and_column(change: tuple, words: str) -> None:
    text = COURSE.replace(*change)
    assert text != COURSE
    with pytest.raises(ParseError) as e:
        read_backward(text, L=3)
    first = e.value.first_line()
    assert words in first and first.startswith("line ") and "column" in first, first
    assert e.value.hint


def test_l_is_needed_and_the_entry_is_found() -> None:
    with pytest.raises(ParseError, match="needs L"):
        read_backward(COURSE)
    with pytest.raises(ParseError, match="more than one function"):
        read_backward("import numpy as np\n" + UTILS, L=2)


def test_nothing_is_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("read_backward ran code")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert read_backward(COURSE, L=4)


def test_unrolling_is_bounded() -> None:
    many = COURSE.replace("for l in reversed(range(L-1)):", "for l in range(1000000):")
    with pytest.raises(ParseError, match="more than"):
        read_backward(many, L=3)
    with pytest.raises(ParseError):
        read_backward(COURSE, L=LIMITS["iterations"] + 2)
    nested = "def L_model_backward(AL, Y, caches):\n" + "".join(
        "    " * (d + 1) + f"for i{d} in range(60):\n" for d in range(3)
    )
    with pytest.raises(ParseError, match="more than"):
        read_backward(nested + "    " * 4 + "x = i0\n    return {}\n", L=2)
    growing = "def L_model_backward(AL, Y, caches):\n    l = 2\n" + "    l = l * l\n" * 40
    with pytest.raises(ParseError, match="too large"):
        read_backward(growing, L=2)


# -- hostile text ---------------------------------------------------------------------------------
PIECES = [
    "def L_model_backward(AL, Y, caches):", "def f(dA, cache):", "def g(x):", "    L = len(caches)",
    "    for l in reversed(range(L-1)):", "        current_cache = caches[l]",
    '    grads["dA" + str(l)] = dA', "    return f(AL, caches[0])", "    return g(x)",
    "    A_prev, W, b = cache", "    linear_cache, activation_cache = cache", "    dZ = dA * 2",
    '    if activation == "relu":', "    while True:", "        break", "    dZ[Z <= 0] = 0",
    "    grads = {}", "    return grads", "    x = f(dA, cache)", "    return dA_prev, dW, db",
    "    dA_prev = np.dot(W.T, dZ)", '    k = f"dW{l}"', "    l = l + 1", "    x = caches[-9]",
    "    print(x)", "    y = lambda: 1", "\t", "    ", "    return",
    "    return linear_activation_backward(dA, cache, 'relu')", "    grads['dW1'] = dA * 2",
    "    return dA * 2", "    dA_prev, dW, db = linear_backward(dZ, cache)",
    "def linear_backward(dZ, cache):", "def relu_backward(dA, cache):", "    Z = cache",
    "    dZ = np.array(dA, copy=True)", "    x = relu_backward(dA, cache[1])", "    c = caches[0]",
    "    y = f(dA, caches[L-1])", "    return (x, y)", "    a, b = f(AL, caches[0])",
    "    dW += 1", "    l += 1", "        grads[f'dA{l}'] = c", "    for c in caches:",
    "        q = c[0][1]",
]  # fmt: skip
files = st.lists(st.sampled_from(PIECES), max_size=14).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files, st.sampled_from([None, 1, 2, 3]))
def test_fuzz_a_file_of_functions_raises_only_chainrule_errors(text: str, L: int | None) -> None:
    try:
        statements = read_backward(text, L=L)
    except ChainruleError as e:
        assert str(e).strip()
        return
    for s in statements:
        assert s.formula.startswith(f"{s.target} = ") and 1 <= s.line <= s.end_line
