"""The course's gradient check: derived gradients against two-sided differences of the cost."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.check import render, sample
from chainrule.check.gradcheck import numeric_intermediate, numeric_parameter
from chainrule.check.report import relative_difference
from chainrule.cli import main

NETWORKS = [
    dict(layers=[2, 4, 1], hidden="tanh", output="sigmoid", loss="bce"),
    dict(layers=[3, 5, 4, 3], hidden="relu", output="softmax", loss="ce", layout="rows"),
    dict(layers=[3, 4, 3, 2], hidden=["sigmoid", "softplus"], output="linear", loss="mse", l2=0.3),
    dict(layers=[2, 5, 4, 1], hidden="leaky_relu", output="sigmoid", loss="bce", keep_prob=0.8),
]


def problem(spec: dict, m: int = 5, seed: int = 0) -> tuple:
    net = cr.mlp(**spec)
    params, X, Y, _ = sample(net, m, np.random.default_rng(seed))
    return net, params, X, Y


@pytest.mark.parametrize("spec", NETWORKS, ids=lambda s: "-".join(map(str, s["layers"])))
def test_correct_gradients_pass_with_course_epsilon(spec: dict) -> None:
    # difference = ‖g − g_approx‖₂ / (‖g‖₂ + ‖g_approx‖₂) ≲ 1e-7 with ε = 1e-7
    net, params, X, Y = problem(spec)
    report = cr.gradcheck(net, X, Y, params, epsilon=1e-7)
    assert report.passed, str(report)
    assert report.overall < 1e-7
    assert all(r.difference < 2e-7 for r in report.rows)
    names = {r.name for r in report.rows}
    assert {"dW1", "db1", f"dW{net.L}", "dZ1", f"dA{net.L}"} <= names


def test_rows_cover_every_parameter_and_intermediate() -> None:
    net, params, X, Y = problem(NETWORKS[0])
    report = cr.gradcheck(net, X, Y, params)
    assert [r.name for r in report.rows] == [
        "dW1", "db1", "dW2", "db2", "dA2", "dZ2", "dA1", "dZ1",
    ]  # fmt: skip
    assert [r.kind for r in report.rows].count("parameter") == 4
    assert report["dZ1"].shape == (4, 5)


def test_planted_bug_is_flagged_with_its_parameter() -> None:
    net, params, X, Y = problem(NETWORKS[1])

    def buggy(p: dict, x: np.ndarray, y: np.ndarray) -> dict:
        g = dict(net.gradients(p, x, y))
        g["dW2"] = g["dW2"] * 1.05  # a 5 % error in one parameter's gradient
        return g

    report = cr.gradcheck(net, X, Y, params, gradients=buggy)
    assert not report.passed
    assert [r.name for r in report.failures] == ["dW2"]
    assert report["dW2"].difference > 1e-3
    assert report["dW2"].worst, "the entries that disagree most are listed"
    assert "FAILED: dW[2]" in str(report)


def test_planted_bug_in_an_intermediate_is_flagged() -> None:
    net, params, X, Y = problem(NETWORKS[0])

    def buggy(p: dict, x: np.ndarray, y: np.ndarray) -> dict:
        g = dict(net.gradients(p, x, y))
        g["dZ1"] = g["dZ1"] / 5  # e.g. a spurious 1/m in the per-example dZ[1]
        return g

    report = cr.gradcheck(net, X, Y, params, gradients=buggy)
    assert [r.name for r in report.failures] == ["dZ1"]


def test_intermediates_follow_the_convention() -> None:
    # course: dZ = ∂(m·J)/∂Z;  exact: dZ = ∂J/∂Z — both check out against their own scaling
    net, params, X, Y = problem(NETWORKS[0], m=4)
    exact = net.gradients(params, X, Y, "exact")
    course = net.gradients(params, X, Y, "course")
    assert np.allclose(course["dZ1"], 4 * exact["dZ1"])
    assert cr.gradcheck(net, X, Y, params, convention="exact").passed
    approx = numeric_intermediate(net, params, X, Y, "Z1")
    assert relative_difference(exact["dZ1"], approx) < 1e-7


def test_numeric_parameter_uses_only_the_cost() -> None:
    net, params, X, Y = problem(NETWORKS[2])
    approx = numeric_parameter(net, params, X, Y, "b2")
    assert relative_difference(net.gradients(params, X, Y)["db2"], approx) < 1e-7


def test_default_parameters_and_bad_epsilon() -> None:
    net, _, X, Y = problem(NETWORKS[0])
    assert cr.gradcheck(net, X, Y).passed  # net.init(seed=0)
    with pytest.raises(cr.ChainruleError, match="epsilon"):
        cr.gradcheck(net, X, Y, epsilon=0)


def test_renderings() -> None:
    net, params, X, Y = problem(NETWORKS[0])
    report = cr.gradcheck(net, X, Y, params)
    data = json.loads(render(report, "json"))
    assert data["passed"] is True and data["failed"] == []
    assert data["rows"][0]["name"] == "dW1"
    page = render(report, "html")
    assert page.startswith("<!DOCTYPE html>") and "<math" in page and "<table>" in page
    assert "://" not in page  # self-contained: nothing to fetch
    text = render(report, "text")
    assert "‖g − g_approx‖₂" in text and "passed" in text


def test_cli_gradcheck(capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    args = ["gradcheck", "--layers", "2,4,1", "--hidden", "tanh", "--output", "sigmoid"]
    assert main(args) == 0
    assert "passed" in capsys.readouterr().out
    assert main([*args, "--plant", "dW1", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["passed"] is False and data["failed"] == ["dW1"]
    out = tmp_path / "check.html"
    assert main([*args, "--format", "html", "-o", str(out)]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_cli_gradcheck_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gradcheck", "--layers", "2,x,1"]) == 2
    assert main(["gradcheck", "--layers", "2,4,1", "--plant", "dQ9"]) == 2
    assert "dQ9" in capsys.readouterr().err
