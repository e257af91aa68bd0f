"""``chainrule check-rnn``: a learner's rnn_cell_backward and rnn_backward, judged.

COURSE below is the course's form (Course 5, week 1, "Building your Recurrent Neural Network -
Step by Step"), written here independently; interpreted by chainrule on caches from a plain NumPy
rnn_forward it must reproduce the course's published rnn_backward numbers (quoted by learners,
e.g. https://community.deeplearning.ai/t/c5-w1a1-optional-rnn-back-propagation/48297). Each
mistake is a one-line edit of it; the checker must name it at its line with the corrected line.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.check.loops import read_program
from chainrule.cli import main
from chainrule.errors import ParseError

COURSE = """import numpy as np


def rnn_cell_backward(da_next, cache):
    (a_next, a_prev, xt, parameters) = cache
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    ba = parameters["ba"]
    by = parameters["by"]
    dtanh = (1 - a_next ** 2) * da_next
    dxt = np.dot(Wax.T, dtanh)
    dWax = np.dot(dtanh, xt.T)
    da_prev = np.dot(Waa.T, dtanh)
    dWaa = np.dot(dtanh, a_prev.T)
    dba = np.sum(dtanh, axis=1, keepdims=True)
    gradients = {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    return gradients


def rnn_backward(da, caches):
    (caches, x) = caches
    (a1, a0, x1, parameters) = caches[0]
    n_a, m, T_x = da.shape
    n_x, m = x1.shape
    dx = np.zeros((n_x, m, T_x))
    dWax = np.zeros((n_a, n_x))
    dWaa = np.zeros((n_a, n_a))
    dba = np.zeros((n_a, 1))
    da0 = np.zeros((n_a, m))
    da_prevt = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        gradients = rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])
        dxt, da_prevt = gradients["dxt"], gradients["da_prev"]
        dWaxt, dWaat, dbat = gradients["dWax"], gradients["dWaa"], gradients["dba"]
        dx[:, :, t] = dxt
        dWax += dWaxt
        dWaa += dWaat
        dba += dbat
    da0 = da_prevt
    gradients = {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    return gradients
"""


def _line(text: str, needle: str) -> int:
    return next(k for k, line in enumerate(text.splitlines(), 1) if needle in line)


def course_caches() -> tuple[np.ndarray, tuple]:
    """The notebook's test: seed 1, x (3, 10, 4), a0, Wax, Waa, Wya, ba, by, then da; the caches
    of a plain NumPy rnn_forward."""
    rng = np.random.RandomState(1)
    x, a0 = rng.randn(3, 10, 4), rng.randn(5, 10)
    Wax, Waa, Wya = rng.randn(5, 3), rng.randn(5, 5), rng.randn(2, 5)
    ba, by = rng.randn(5, 1), rng.randn(2, 1)
    parameters = {"Wax": Wax, "Waa": Waa, "Wya": Wya, "ba": ba, "by": by}
    steps, a_prev = [], a0
    for t in range(4):
        a_next = np.tanh(Waa @ a_prev + Wax @ x[:, :, t] + ba)
        steps.append((a_next, a_prev, x[:, :, t], parameters))
        a_prev = a_next
    return rng.randn(5, 10, 4), (steps, x)


def test_the_interpreted_course_code_gives_the_published_numbers() -> None:
    da, caches = course_caches()
    g = read_program(COURSE).call("rnn_backward", da, caches)
    np.testing.assert_allclose(
        g["dx"][1][2], [-2.07101689, -0.59255627, 0.02466855, 0.01483317], atol=1e-8
    )
    assert g["da0"][2][3] == pytest.approx(-0.314942375127, abs=1e-11)
    assert g["dWax"][3][1] == pytest.approx(11.2641044965, abs=1e-9)
    assert g["dWaa"][1][2] == pytest.approx(2.30333312658, abs=1e-10)
    np.testing.assert_allclose(g["dba"][4], [-0.74747722], atol=1e-8)


def test_the_course_code_is_correct() -> None:
    checks = cr.check_rnn(COURSE)
    assert [c.function for c in checks] == ["rnn_cell_backward", "rnn_backward"]
    assert all(c.correct and not c.findings for c in checks)


@pytest.mark.parametrize(
    ("mistake", "right", "wrong", "function"),
    [
        (
            "next-forgotten",
            "rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])",
            "rnn_cell_backward(da[:, :, t], caches[t])",
            "rnn_backward",
        ),
        (
            "output-forgotten",
            "rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])",
            "rnn_cell_backward(da_prevt, caches[t])",
            "rnn_backward",
        ),
        ("not-accumulated", "dWaa += dWaat", "dWaa = dWaat", "rnn_backward"),
        ("not-accumulated", "dba += dbat", "dba = dbat", "rnn_backward"),
        ("a-wrong-step", "np.dot(dtanh, a_prev.T)", "np.dot(dtanh, a_next.T)", "rnn_cell_backward"),
        ("tanh-wrong-step", "(1 - a_next ** 2)", "(1 - a_prev ** 2)", "rnn_cell_backward"),
    ],
)
def test_each_mistake_is_named_at_its_line(
    mistake: str, right: str, wrong: str, function: str
) -> None:
    assert COURSE.count(right) == 1
    text = COURSE.replace(right, wrong)
    checks = {c.function.split(" ")[0]: c for c in cr.check_rnn(text)}
    check = checks[function]
    assert not check.correct
    assert [f.mistake for f in check.findings] == [mistake]
    (finding,) = check.findings
    assert finding.line == _line(text, wrong)
    assert right in finding.corrected and wrong in finding.written
    if function == "rnn_cell_backward":  # the sequence, judged with the cell repaired, is right
        assert checks["rnn_backward"].correct
        assert "repaired" in checks["rnn_backward"].function


def test_two_mistakes_at_once() -> None:
    text = COURSE.replace("dWax += dWaxt", "dWax = dWaxt").replace(
        "da[:, :, t] + da_prevt, caches", "da[:, :, t], caches"
    )
    (_, check) = cr.check_rnn(text)
    assert sorted(f.mistake for f in check.findings) == ["next-forgotten", "not-accumulated"]


@pytest.mark.parametrize(
    ("right", "other"),
    [
        ("for t in reversed(range(T_x)):", "for t in range(T_x)[::-1]:"),
        ("for t in reversed(range(T_x)):", "for t in range(T_x - 1, -1, -1):"),
        ("dxt = np.dot(Wax.T, dtanh)", "dxt = np.matmul(np.transpose(Wax), dtanh)"),
        (
            "dtanh = (1 - a_next ** 2) * da_next",
            "dtanh = np.multiply(da_next, 1 - np.power(a_next, 2))",
        ),
        ("dba = np.sum(dtanh, axis=1, keepdims=True)", "dba = dtanh.sum(axis=-1, keepdims=1)"),
        (
            'gradients = {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": dWaa, "dba": dba}',
            "gradients = dict(dx=dx, da0=da0, dWax=dWax, dWaa=dWaa, dba=dba)",
        ),
    ],
)
def test_other_spellings_of_the_course_code_are_right(right: str, other: str) -> None:
    """Ways learners write the same lines (np.matmul, np.transpose, np.power, a reversed range,
    dict(...)) are read and judged right."""
    assert COURSE.count(right) == 1
    assert all(c.correct for c in cr.check_rnn(COURSE.replace(right, other)))


def test_every_parameter_gradient_assigned_is_one_mistake_on_each_line() -> None:
    """Learners who assign one dW assign them all (tests/learners/rnn/github_muhac_lstm.txt):
    the three lines are repaired together and each is named."""
    text = COURSE
    for w in ("dWax", "dWaa", "dba"):
        text = text.replace(f"{w} += {w}t", f"{w} = {w}t")
    (_, check) = cr.check_rnn(text)
    assert [f.mistake for f in check.findings] == ["not-accumulated"] * 3
    assert [f.line for f in check.findings] == [
        _line(text, f"{w} = {w}t") for w in ("dWax", "dWaa", "dba")
    ]


def test_the_carried_gradient_never_updated_is_named() -> None:
    """The loop passes da_prevt but never reads the cell's da_prev into it."""
    text = COURSE.replace(
        'dxt, da_prevt = gradients["dxt"], gradients["da_prev"]', 'dxt = gradients["dxt"]'
    )
    (_, check) = cr.check_rnn(text)
    (finding,) = check.findings
    assert finding.mistake == "next-not-carried"
    assert finding.corrected.startswith("da_prevt = gradients['da_prev']\n")


# https://community.deeplearning.ai/t/question-on-backpropagation-week-1-prog-assignment-1/555129
# — a learner's rnn_backward "yields right dimensions, but all outputs are zero": the cell is
# called with da_prevt alone (which starts at zero), in the learner's one-line unpacking.
LEARNER_555129 = COURSE.replace(
    """        gradients = rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])
        dxt, da_prevt = gradients["dxt"], gradients["da_prev"]
        dWaxt, dWaat, dbat = gradients["dWax"], gradients["dWaa"], gradients["dba"]""",
    """        gradients = rnn_cell_backward(da_prevt, caches[t])
        dxt, da_prevt, dWaxt, dWaat, dbat = gradients["dxt"], gradients["da_prev"], \\
            gradients["dWax"], gradients["dWaa"], gradients["dba"]""",
)


def test_a_learners_all_zero_rnn_backward_is_diagnosed() -> None:
    da, caches = course_caches()
    g = read_program(LEARNER_555129).call("rnn_backward", da, caches)
    assert not np.any(g["dx"]) and not np.any(g["dWaa"])  # what the learner saw: all zeros
    (_, check) = cr.check_rnn(LEARNER_555129)
    (finding,) = check.findings
    assert finding.mistake == "output-forgotten"
    assert finding.line == _line(LEARNER_555129, "rnn_cell_backward(da_prevt")
    assert "rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])" in finding.corrected


@pytest.mark.parametrize(
    "bad",
    [
        "def rnn_backward(da, caches:\n",
        "def rnn_backward(da, caches):\n    while True:\n        pass",
        "def rnn_backward(da, caches):\n    for t in sorted(range(3)):\n        pass",
        "import os\ndef rnn_backward(da, caches):\n    return os.getcwd()",
        "def something_else(x):\n    return x",
    ],
)
def test_anything_off_the_whitelist_is_refused(bad: str) -> None:
    with pytest.raises(ParseError):
        cr.check_rnn(bad)


def test_check_rnn_command(capsys: pytest.CaptureFixture, tmp_path) -> None:  # noqa: ANN001
    good, wrong, bad = tmp_path / "good.py", tmp_path / "wrong.py", tmp_path / "bad.py"
    good.write_text(COURSE)
    wrong.write_text(COURSE.replace("dWaa += dWaat", "dWaa = dWaat"))
    bad.write_text("def rnn_backward(da, caches):\n    while True:\n        pass\n")
    assert main(["check-rnn", str(good)]) == 0
    assert "rnn_backward: correct" in capsys.readouterr().out
    assert main(["check-rnn", str(wrong)]) == 1
    out = capsys.readouterr().out
    assert f"line {_line(COURSE, 'dWaa += dWaat')}:" in out and "dWaa += dWaat" in out
    assert main(["check-rnn", str(wrong), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report[1]["findings"][0]["mistake"] == "not-accumulated"
    assert report[1]["findings"][0]["corrected"] == "dWaa += dWaat"
    assert main(["check-rnn", str(bad)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("chainrule: error: ")


# -- the LSTM: lstm_cell_backward and lstm_backward as the course writes them -------------------
COURSE_LSTM = """import numpy as np


def lstm_cell_backward(da_next, dc_next, cache):
    (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters) = cache
    n_x, m = xt.shape
    n_a, m = a_next.shape
    dot = da_next * np.tanh(c_next) * ot * (1 - ot)
    dcct = (dc_next * it + ot * (1 - np.tanh(c_next) ** 2) * it * da_next) * (1 - cct ** 2)
    dit = (dc_next * cct + ot * (1 - np.tanh(c_next) ** 2) * cct * da_next) * it * (1 - it)
    dft = (dc_next * c_prev + ot * (1 - np.tanh(c_next) ** 2) * c_prev * da_next) * ft * (1 - ft)
    concat = np.concatenate((a_prev, xt), axis=0)
    dWf = np.dot(dft, concat.T)
    dWi = np.dot(dit, concat.T)
    dWc = np.dot(dcct, concat.T)
    dWo = np.dot(dot, concat.T)
    dbf = np.sum(dft, axis=1, keepdims=True)
    dbi = np.sum(dit, axis=1, keepdims=True)
    dbc = np.sum(dcct, axis=1, keepdims=True)
    dbo = np.sum(dot, axis=1, keepdims=True)
    da_prev = (
        np.dot(parameters["Wf"][:, :n_a].T, dft)
        + np.dot(parameters["Wi"][:, :n_a].T, dit)
        + np.dot(parameters["Wc"][:, :n_a].T, dcct)
        + np.dot(parameters["Wo"][:, :n_a].T, dot)
    )
    dc_prev = dc_next * ft + ot * (1 - np.tanh(c_next) ** 2) * ft * da_next
    dxt = (
        np.dot(parameters["Wf"][:, n_a:].T, dft)
        + np.dot(parameters["Wi"][:, n_a:].T, dit)
        + np.dot(parameters["Wc"][:, n_a:].T, dcct)
        + np.dot(parameters["Wo"][:, n_a:].T, dot)
    )
    gradients = {"dxt": dxt, "da_prev": da_prev, "dc_prev": dc_prev, "dWf": dWf, "dbf": dbf,
                 "dWi": dWi, "dbi": dbi, "dWc": dWc, "dbc": dbc, "dWo": dWo, "dbo": dbo}
    return gradients


def lstm_backward(da, caches):
    (caches, x) = caches
    (a1, c1, a0, c0, f1, i1, cc1, o1, x1, parameters) = caches[0]
    n_a, m, T_x = da.shape
    n_x, m = x1.shape
    dx = np.zeros((n_x, m, T_x))
    da0 = np.zeros((n_a, m))
    da_prevt = np.zeros((n_a, m))
    dc_prevt = np.zeros((n_a, m))
    dWf = np.zeros((n_a, n_a + n_x))
    dWi = np.zeros((n_a, n_a + n_x))
    dWc = np.zeros((n_a, n_a + n_x))
    dWo = np.zeros((n_a, n_a + n_x))
    dbf = np.zeros((n_a, 1))
    dbi = np.zeros((n_a, 1))
    dbc = np.zeros((n_a, 1))
    dbo = np.zeros((n_a, 1))
    for t in reversed(range(T_x)):
        gradients = lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, caches[t])
        da_prevt = gradients["da_prev"]
        dc_prevt = gradients["dc_prev"]
        dx[:, :, t] = gradients["dxt"]
        dWf += gradients["dWf"]
        dWi += gradients["dWi"]
        dWc += gradients["dWc"]
        dWo += gradients["dWo"]
        dbf += gradients["dbf"]
        dbi += gradients["dbi"]
        dbc += gradients["dbc"]
        dbo += gradients["dbo"]
    da0 = da_prevt
    gradients = {"dx": dx, "da0": da0, "dWf": dWf, "dbf": dbf, "dWi": dWi, "dbi": dbi,
                 "dWc": dWc, "dbc": dbc, "dWo": dWo, "dbo": dbo}
    return gradients
"""


def _sigmoid(z):  # noqa: ANN001, ANN202
    return 1 / (1 + np.exp(-z))


def course_lstm_caches() -> tuple[np.ndarray, tuple]:
    """The notebook's lstm_backward test: seed 1, x (3, 10, 7), a0, Wf, bf, Wi, bi, Wo, bo, Wc,
    bc, then da (5, 10, 4) — the loop runs over da's 4 steps; a plain NumPy lstm_forward."""
    rng = np.random.RandomState(1)
    x, a0 = rng.randn(3, 10, 7), rng.randn(5, 10)
    p = {k: rng.randn(5, 8 if k[0] == "W" else 1) for k in ("Wf", "bf", "Wi", "bi", "Wo", "bo")}
    p.update(Wc=rng.randn(5, 8), bc=rng.randn(5, 1))
    da = rng.randn(5, 10, 4)
    steps, a_prev, c_prev = [], a0, np.zeros((5, 10))
    for t in range(4):
        concat = np.concatenate((a_prev, x[:, :, t]), axis=0)
        ft, it = _sigmoid(p["Wf"] @ concat + p["bf"]), _sigmoid(p["Wi"] @ concat + p["bi"])
        cct, ot = np.tanh(p["Wc"] @ concat + p["bc"]), _sigmoid(p["Wo"] @ concat + p["bo"])
        c_next = ft * c_prev + it * cct
        a_next = ot * np.tanh(c_next)
        steps.append((a_next, c_next, a_prev, c_prev, ft, it, cct, ot, x[:, :, t], p))
        a_prev, c_prev = a_next, c_next
    return da, (steps, x)


def test_the_interpreted_course_lstm_gives_the_published_numbers() -> None:
    da, caches = course_lstm_caches()
    g = read_program(COURSE_LSTM).call("lstm_backward", da, caches)
    np.testing.assert_allclose(
        g["dx"][1][2], [0.00218254, 0.28205375, -0.48292508, -0.43281115], atol=1e-8
    )
    assert g["da0"][2][3] == pytest.approx(0.312770310257, abs=1e-11)
    assert g["dWf"][3][1] == pytest.approx(-0.0809802310938, abs=1e-12)
    assert g["dWi"][1][2] == pytest.approx(0.40512433093, abs=1e-11)
    assert g["dWc"][3][1] == pytest.approx(-0.0793746735512, abs=1e-12)
    assert g["dWo"][1][2] == pytest.approx(0.038948775763, abs=1e-11)
    for k, v in {"dbf": -0.15745657, "dbi": -0.50848333, "dbc": -0.42510818}.items():
        np.testing.assert_allclose(g[k][4], [v], atol=1e-8, err_msg=k)


def test_the_course_lstm_is_correct() -> None:
    checks = cr.check_rnn(COURSE_LSTM)
    assert [c.function for c in checks] == ["lstm_cell_backward", "lstm_backward"]
    assert all(c.correct and not c.findings for c in checks)


@pytest.mark.parametrize(
    ("mistake", "right", "wrong", "function", "line"),
    [
        (
            "dc-prev-no-forget",
            "dc_prev = dc_next * ft +",
            "dc_prev = dc_next +",
            "lstm_cell_backward",
            "dc_prev = dc_next",
        ),
        (
            "gate-slices-mixed",
            'np.dot(parameters["Wi"][:, n_a:].T, dit)',
            'np.dot(parameters["Wi"][:, :n_a].T, dit)',
            "lstm_cell_backward",
            "dxt = (",
        ),
        (
            "gate-slices-mixed",
            'np.dot(parameters["Wo"][:, :n_a].T, dot)',
            'np.dot(parameters["Wo"][:, n_a:].T, dot)',
            "lstm_cell_backward",
            "da_prev = (",
        ),
        (
            "not-accumulated",
            'dWc += gradients["dWc"]',
            'dWc = gradients["dWc"]',
            "lstm_backward",
            "",
        ),
        (
            "next-forgotten",
            "lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, caches[t])",
            "lstm_cell_backward(da[:, :, t], dc_prevt, caches[t])",
            "lstm_backward",
            "",
        ),
    ],
)
def test_each_lstm_mistake_is_named_at_its_line(
    mistake: str, right: str, wrong: str, function: str, line: str
) -> None:
    assert COURSE_LSTM.count(right) == 1
    text = COURSE_LSTM.replace(right, wrong)
    checks = {c.function.split(" ")[0]: c for c in cr.check_rnn(text)}
    check = checks[function]
    assert not check.correct
    assert [f.mistake for f in check.findings] == [mistake]
    (finding,) = check.findings
    assert finding.line == _line(text, line or wrong)  # a statement's first line
    assert right.replace('"', "'") in finding.corrected  # as ast.unparse spells it
    if function == "lstm_cell_backward":
        assert checks["lstm_backward"].correct
