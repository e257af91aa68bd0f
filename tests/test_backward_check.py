"""A whole backward pass, judged line by line given the learner's own earlier lines.

The claims of each report are held to the course's backward pass in plain NumPy
(``tests/test_verdicts.py``): a line reported wrong gives other numbers than the course's, and a
line reported "right, given your dZ1" gives exactly the numbers of the course's one-level formula
evaluated on the learner's dZ1.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from tests.course import SEED_FLAGS
from tests.test_verdicts import course, numpy_value

PLANAR = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")

# the course forum's most common error: 1/m in dZ1, and again in dW1 and db1
FORUM = """dZ2 = A2 - Y
dW2 = 1/m * np.dot(dZ2, A1.T)
db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)
dZ1 = 1/m * np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
dW1 = 1/m * np.dot(dZ1, X.T)
db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)
"""

FUNCTION = '''
def backward_propagation(parameters, cache, X, Y):
    """The course's week-3 function, with the forum's mistake."""
    m = X.shape[1]
    W1 = parameters["W1"]
    W2 = parameters["W2"]
    A1 = cache["A1"]
    A2 = cache["A2"]
    dZ2 = A2 - Y
    dW2 = (1 / m) * np.dot(dZ2, A1.T)
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2)) / m
    dW1 = (1 / m) * np.dot(dZ1, X.T)
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    return grads
'''


def test_the_mistake_is_reported_on_the_line_where_it_is_made() -> None:
    r = cr.check_backward(PLANAR, FORUM)
    verdicts = {c.target: c.verdict for c in r.lines}
    assert verdicts == {
        "dZ2": "correct",
        "dW2": "correct",
        "db2": "correct",
        "dZ1": "wrong",
        "dW1": "right-given",
        "db1": "right-given",
    }
    dz1 = r["dZ1"]
    assert dz1.line == 4 and dz1.check.mistakes == ("extra-1/m",)
    assert "twice" in dz1.check.message
    assert dz1.check.corrected == "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))"
    assert r["dW1"].given == ("dZ1",) and not r.correct
    # independent numbers: the dZ1 line is wrong, the dW1 line is the course's dW1 of that dZ1
    env = course((2, 4, 1), "tanh")
    learner_dz1 = numpy_value(FORUM.splitlines()[3], env)
    assert not np.allclose(learner_dz1, env["dZ1"])
    given = {**env, "dZ1": learner_dz1}
    assert np.allclose(numpy_value(FORUM.splitlines()[4], given), learner_dz1 @ env["X"].T / 7)
    assert np.allclose(numpy_value(dz1.check.corrected, env), env["dZ1"])


def test_several_lines_given_to_check_formula_are_a_pass() -> None:
    r = cr.check_formula(PLANAR, FORUM)
    assert isinstance(r, cr.check.BackwardCheck) and [c.line for c in r.wrong] == [4]


def test_one_over_m_at_the_top_is_the_exact_convention_and_right() -> None:
    text = """dZ2 = (A2 - Y) / m
dW2 = np.dot(dZ2, A1.T)
db2 = np.sum(dZ2, axis=1, keepdims=True)
dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2)
dW1 = np.dot(dZ1, X.T)
db1 = np.sum(dZ1, axis=1, keepdims=True)"""
    r = cr.check_backward(PLANAR, text)
    assert r.correct and r.convention == "exact" and "equally right" in r.note
    # independently: the course's dW1, db1 come out
    env = course((2, 4, 1), "tanh")
    for line in text.splitlines():
        target = line.split("=")[0].strip()
        env[target] = numpy_value(line, env)
    assert np.allclose(env["dW1"], course((2, 4, 1), "tanh")["dW1"])


def test_a_line_written_out_in_full_is_right_whatever_came_before() -> None:
    text = """dZ2 = A2 - Y + 1
dW2 = 1/m * np.dot(A2 - Y, A1.T)"""
    r = cr.check_backward(PLANAR, text)
    assert [c.verdict for c in r.lines] == ["wrong", "correct"]


def test_a_course_style_function_from_a_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "my_backprop.py"
    path.write_text(FUNCTION)
    assert main(["check", "--file", str(path), *SEED_FLAGS]) == 1
    out = capsys.readouterr().out
    assert "right, given your dZ1" in out and "line  12" in out  # dZ1 is line 12 of the file
    assert main(["check", "--file", str(path), *SEED_FLAGS, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    wrong = [x for x in data["lines"] if x["verdict"] == "wrong"]
    assert data["correct"] is False and [x["target"] for x in wrong] == ["dZ1"]
    assert wrong[0]["check"]["corrected"] == "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))"
    path.write_text(FUNCTION.replace(" / m\n", "\n", 1))
    assert main(["check", "--file", str(path), *SEED_FLAGS]) == 0
    assert "every line is right" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--file", "/nonexistent/backprop.py", *SEED_FLAGS],
        ["check", *SEED_FLAGS],  # neither a formula nor a file
        ["check", "dZ2 = A2 - Y", "--file", __file__, *SEED_FLAGS],  # both
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], capsys) -> None:
    assert main(args) == 2
    assert capsys.readouterr().err.strip()


def test_a_pass_that_cannot_be_read_is_exit_2(tmp_path: Path, capsys) -> None:
    path = tmp_path / "loop.py"
    path.write_text("for l in range(2):\n    dZ1 = A1\n")
    assert main(["check", "--file", str(path), *SEED_FLAGS]) == 2
    err = capsys.readouterr().err
    assert "line 1" in err and "Traceback" not in err


def test_a_dropout_mask_moved_from_dA_to_dZ() -> None:
    net = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce", keep_prob=0.8)
    text = """dZ2 = A2 - Y
dA1 = np.dot(W2.T, dZ2)
dZ1 = dA1 * (1 - np.tanh(Z1)**2) * D1 / keep_prob"""
    r = cr.check_backward(net, text)
    assert [c.verdict for c in r.lines] == ["correct", "wrong", "right-in-the-end"]
    assert r["dA1"].check.mistakes[0] == "dropout-on-dZ" and "⊙ commutes" in r["dA1"].check.message
    # independently: the learner's dA1 lacks the mask, their dZ1 is the course's dZ1
    env = course((2, 4, 1), "tanh", keep_prob=0.8)
    lines = text.splitlines()
    learner_da1 = numpy_value(lines[1], env)
    assert not np.allclose(learner_da1, env["dA1"])
    assert np.allclose(numpy_value(lines[2], {**env, "dA1": learner_da1}), env["dZ1"])


def test_one_over_m_at_the_top_and_another_mistake() -> None:
    text = """dZ2 = (A2 - Y) / m
dW2 = np.dot(dZ2, A1.T)
db2 = np.sum(dZ2, axis=1, keepdims=True)
dZ1 = np.dot(W2, dZ2) * (1 - A1**2)
dW1 = np.dot(dZ1, X.T)"""
    r = cr.check_backward(PLANAR, text)
    assert r.convention == "exact" and [c.line for c in r.wrong] == [4]
    assert r["dZ1"].check.mistakes == ("missing-transpose",)
    env = course((2, 4, 1), "tanh")
    assert np.allclose(numpy_value(r["dZ1"].check.corrected, env), env["dZ1"])
