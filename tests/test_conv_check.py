"""``chainrule check-conv``: a learner's conv_backward and pool_backward loops, judged.

COURSE below is the course's loop form (Course 4, week 1, "Convolution model - Step by Step"),
written here independently; interpreted by chainrule it must reproduce the course's published
numbers. Each mistake is a one-line edit of it, as learners make them (their posts are cited in
chainrule/check/conv_check.py); the checker must name it, at its line, with the corrected line.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.check.loops import read_program
from chainrule.cli import main
from chainrule.errors import ParseError
from chainrule.rules import conv_kernels as K

COURSE = """import numpy as np


def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant")


def conv_backward(dZ, cache):
    (A_prev, W, b, hparameters) = cache
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    (m, n_H, n_W, n_C) = dZ.shape
    dA_prev = np.zeros((m, n_H_prev, n_W_prev, n_C_prev))
    dW = np.zeros((f, f, n_C_prev, n_C))
    db = np.zeros((1, 1, 1, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    v0 = h * stride
                    v1 = v0 + f
                    h0 = w * stride
                    h1 = h0 + f
                    a_slice = a_prev_pad[v0:v1, h0:h1, :]
                    da_prev_pad[v0:v1, h0:h1, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        dA_prev[i, :, :, :] = da_prev_pad[pad:-pad, pad:-pad, :]
    assert dA_prev.shape == (m, n_H_prev, n_W_prev, n_C_prev)
    return dA_prev, dW, db


def create_mask_from_window(x):
    mask = x == np.max(x)
    return mask


def distribute_value(dz, shape):
    (n_H, n_W) = shape
    average = dz / (n_H * n_W)
    a = np.ones(shape) * average
    return a


def pool_backward(dA, cache, mode="max"):
    (A_prev, hparameters) = cache
    stride = hparameters["stride"]
    f = hparameters["f"]
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    v0 = h * stride
                    v1 = v0 + f
                    h0 = w * stride
                    h1 = h0 + f
                    if mode == "max":
                        a_prev_slice = a_prev[v0:v1, h0:h1, c]
                        mask = create_mask_from_window(a_prev_slice)
                        dA_prev[i, v0:v1, h0:h1, c] += np.multiply(mask, dA[i, h, w, c])
                    elif mode == "average":
                        da = dA[i, h, w, c]
                        shape = (f, f)
                        dA_prev[i, v0:v1, h0:h1, c] += distribute_value(da, shape)
    assert dA_prev.shape == A_prev.shape
    return dA_prev
"""


def course_numbers(program) -> tuple[float, float, float]:  # noqa: ANN001
    """The course's conv_backward test: seed 1, pad 2, stride 2, dZ = the forward output Z."""
    np.random.seed(1)
    A_prev, W = np.random.randn(10, 4, 4, 3), np.random.randn(2, 2, 3, 8)
    b = np.random.randn(1, 1, 1, 8)
    Z = K.conv2d(A_prev, W, 2, 2) + b
    dA, dW, db = program.call("conv_backward", Z, (A_prev, W, b, {"stride": 2, "pad": 2}))
    return float(np.mean(dA)), float(np.mean(dW)), float(np.mean(db))


def test_the_interpreted_course_code_gives_the_published_numbers() -> None:
    means = course_numbers(read_program(COURSE))
    np.testing.assert_allclose(means, (1.4524377, 1.7269914, 7.8392325), atol=1e-7)
    np.random.seed(1)  # the course's pool_backward cell
    A_prev, dA = np.random.randn(5, 5, 3, 2), np.random.randn(5, 4, 2, 2)
    hp = {"stride": 1, "f": 2}
    program = read_program(COURSE)
    got = program.call("pool_backward", dA, (A_prev, hp), "max")[1, 1]
    np.testing.assert_allclose(got, [[0, 0], [5.05844394, -1.68282702], [0, 0]], atol=1e-8)
    got = program.call("pool_backward", dA, (A_prev, hp), "average")[1, 1]
    want = [[0.08485462, 0.2787552], [1.26461098, -0.25749373], [1.17975636, -0.53624893]]
    np.testing.assert_allclose(got, want, atol=1e-8)


def test_the_course_code_is_correct() -> None:
    checks = cr.check_conv(COURSE)
    assert [c.function for c in checks] == [
        "conv_backward",
        "pool_backward (mode 'max')",
        "pool_backward (mode 'average')",
    ]
    assert all(c.correct for c in checks)


MISTAKES = [  # (mistake, the course's line, the learner's line)
    (
        "padding-not-cut",
        "dA_prev[i, :, :, :] = da_prev_pad[pad:-pad, pad:-pad, :]",
        "dA_prev[i, :, :, :] = da_prev_pad",
    ),
    ("no-stride", "v0 = h * stride", "v0 = h"),
    ("not-accumulated", "dW[:, :, :, c] += a_slice", "dW[:, :, :, c] = a_slice"),
    ("not-accumulated", "db[:, :, :, c] += dZ", "db[:, :, :, c] = dZ"),
    ("kernel-flipped", "+= W[:, :, :, c] * dZ", "+= W[::-1, ::-1, :, c] * dZ"),
    ("channels-mixed", "+= W[:, :, :, c] * dZ", "+= W[:, :, c, :] * dZ"),
    ("channels-mixed", "a_slice * dZ[i, h, w, c]", "a_slice * dZ[i, w, h, c]"),
    ("mask-missing", "+= np.multiply(mask, dA[i, h, w, c])", "+= dA[i, h, w, c]"),
]


@pytest.mark.parametrize(("mistake", "right", "wrong"), MISTAKES, ids=lambda x: str(x)[:24])
def test_each_mistake_is_named_at_its_line(mistake: str, right: str, wrong: str) -> None:
    assert COURSE.count(right) >= 1
    text = COURSE.replace(right, wrong, 1)
    line = next(k for k, s in enumerate(text.splitlines(), 1) if wrong in s)
    wrong_ones = [c for c in cr.check_conv(text) if not c.correct]
    assert len(wrong_ones) == 1
    (finding,) = wrong_ones[0].findings
    assert (finding.mistake, finding.line) == (mistake, line)
    fixed = text.replace(text.splitlines()[line - 1].strip(), finding.corrected, 1)
    assert all(c.correct for c in cr.check_conv(fixed))  # the corrected line is right


def test_two_mistakes_at_once() -> None:
    text = COURSE.replace("v0 = h * stride", "v0 = h", 1)
    text = text.replace("db[:, :, :, c] += dZ", "db[:, :, :, c] = dZ", 1)
    (check, *_) = cr.check_conv(text)
    assert {f.mistake for f in check.findings} == {"no-stride", "not-accumulated"}


def test_a_learners_shape_error_is_reported_where_numpy_raised_it() -> None:
    """A learner's post (https://community.deeplearning.ai/t/c4w1-optional-assignment-1-back-
    propagation/863333) indexes W[i, h, w, c] and dW[i, :, :, c]; NumPy raised a ValueError on the
    dW line. Too far from the loop for a repair: the checker reports the failure at that line."""
    text = COURSE.replace(
        "dW[:, :, :, c] += a_slice * dZ[i, h, w, c]",
        "dW[i, :, :, c] += np.dot(a_slice[:, :, c], dZ[i, :, :, c])",
    ).replace("+= W[:, :, :, c] * dZ[i, h, w, c]", "+= np.dot(W[i, h, w, c], dZ[i, h, w, c])")
    line = next(k for k, s in enumerate(text.splitlines(), 1) if "dW[i, :, :, c]" in s)
    (check, *_) = cr.check_conv(text)
    assert not check.correct and not check.findings
    assert check.error.startswith(f"line {line}: ValueError")


@pytest.mark.parametrize(
    "bad",
    [
        "import os\ndef conv_backward(dZ, cache):\n    return os.getcwd()",
        "def conv_backward(dZ, cache):\n    while True:\n        pass",
        "def conv_backward(dZ, cache):\n    return open('x').read()",
        "def conv_backward(dZ, cache):\n    return dZ.__class__",
        "def conv_backward(dZ, cache:\n",
        "def something_else(x):\n    return x",
    ],
)
def test_anything_off_the_whitelist_is_refused(bad: str) -> None:
    with pytest.raises(ParseError):
        cr.check_conv(bad)


def test_check_conv_command(capsys: pytest.CaptureFixture, tmp_path) -> None:  # noqa: ANN001
    good, wrong = tmp_path / "good.py", tmp_path / "wrong.py"
    good.write_text(COURSE)
    wrong.write_text(COURSE.replace("v0 = h * stride", "v0 = h", 1))
    assert main(["check-conv", str(good)]) == 0
    assert "conv_backward: correct" in capsys.readouterr().out
    assert main(["check-conv", str(wrong), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report[0]["findings"][0]["mistake"] == "no-stride"
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n")
    assert main(["check-conv", str(bad)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("chainrule: error: ")


def test_a_flipped_kernel_passes_the_courses_mean_test_but_not_the_checker() -> None:
    """The notebook's test compares means only; flipping W in the scatter form permutes dA's
    entries within each window, so mean(dA) is still 1.4524377 — the checker compares entries."""
    text = COURSE.replace("+= W[:, :, :, c] * dZ", "+= W[::-1, ::-1, :, c] * dZ", 1)
    np.testing.assert_allclose(
        course_numbers(read_program(text)), (1.4524377, 1.7269914, 7.8392325), atol=1e-7
    )
    (check, *_) = cr.check_conv(text)
    assert [f.mistake for f in check.findings] == ["kernel-flipped"]
