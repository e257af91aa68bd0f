"""The `chainrule` command: `derive` prints the course's equations; bad input: one line, exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from course import SEED_FLAGS as SEED
from course import SIX_EQUATIONS as SIX

from chainrule.cli import cli, main


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(status: int, err: str) -> None:
    assert status == 2
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("chainrule: error: "), err
    assert "Traceback" not in err


def test_derive_network_prints_the_six_equations(capsys: pytest.CaptureFixture) -> None:
    status, out, err = run(capsys, "derive", *SEED)
    assert status == 0 and err == ""
    lines = [line.strip() for line in out.splitlines()]
    for equation in SIX:
        assert equation in lines
    assert "Z[1] = W[1] X + b[1]" in lines  # the forward pass comes first
    assert "course convention" in out


def test_derive_network_json(capsys: pytest.CaptureFixture) -> None:
    status, out, _ = run(capsys, "derive", *SEED, "--format", "json")
    assert status == 0
    data = json.loads(out)
    backward = {f"{s['display']} = {s['expanded']}" for s in data["backward"]}
    assert set(SIX) <= backward
    assert data["layers"] == [2, 4, 1] and data["convention"] == "course"
    numpy = {s["name"]: s["numpy"] for s in data["backward"]}
    assert numpy["dZ2"] == "A2 - Y"


def test_derive_exact_convention(capsys: pytest.CaptureFixture) -> None:
    status, out, _ = run(capsys, "derive", *SEED, "--convention", "exact")
    assert status == 0
    assert "dZ[2] = (1/m) (A[2] − Y)" in out and "dW[2] = dZ[2] A[1]ᵀ" in out


def test_derive_expression(capsys: pytest.CaptureFixture) -> None:
    status, out, err = run(
        capsys,
        "derive",
        "np.sum(np.tanh(W @ x))",
        "--wrt",
        "W",
        "--shape",
        "W=3x4",
        "--shape",
        "x=4x1",
    )
    assert status == 0 and err == ""
    assert out.strip() == "∂f/∂W = (1 − tanh(W x)²) xᵀ    (3, 4)"


def test_derive_expression_json(capsys: pytest.CaptureFixture) -> None:
    status, out, _ = run(
        capsys, "derive", "np.sum(np.tanh(W @ x))", "--wrt", "W", "--shape", "W=3x4",
        "--shape", "x=4x1", "--format", "json",
    )  # fmt: skip
    assert status == 0
    data = json.loads(out)
    assert data["gradient"] == "(1 − tanh(W x)²) xᵀ" and data["shape"] == [3, 4]


def test_derive_expression_symbolic_shapes(capsys: pytest.CaptureFixture) -> None:
    status, out, _ = run(
        capsys, "derive", "np.sum(np.tanh(W @ X))", "--wrt", "W", "--shape", "W=k,n",
        "--shape", "X=n,m",
    )  # fmt: skip
    assert status == 0 and "(k, n)" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["derive", "--layers", "2,x"], "--layers"),
        (["derive", "--layers", "2,,1"], "--layers"),
        (["derive", "--layers", "2,4,1", "--hidden", "swish"], "swish"),
        (["derive", "--layers", "2,4,1", "--output", "softmax", "--loss", "bce"], "bce"),
        (["derive", "--layers", "0,4,1"], "layer sizes"),
        (["derive"], "--layers"),
        (["derive", "W2 @ dZ2", "--wrt", "W2", "--shape", "W2=1x4", "--shape", "dZ2=1xm"],
         "(1, 4) @ (1, m) do not chain"),
        (["derive", "np.sum(np.tanh(W @ x))", "--shape", "W=3x4", "--shape", "x=4x1"], "--wrt"),
        (["derive", "np.sum(W", "--wrt", "W", "--shape", "W=3x4"], "syntax error"),
        (["derive", "np.foo(W)", "--wrt", "W", "--shape", "W=3x4"], "unknown function"),
        (["derive", "np.sum(W)", "--wrt", "W", "--shape", "W=3y4"], "3y4"),
        (["derive", "np.sum(W)", "--wrt", "V", "--shape", "W=3x4"], "'V'"),
        (["derive", "W", "--wrt", "W", "--shape", "W=3x4"], "scalar"),
        (["derive", *SEED, "--convention", "mine"], "mine"),
        (["derive", *SEED, "--format", "yaml"], "yaml"),
        (["derive", *SEED, "--bogus"], "--bogus"),
        (["nonsense"], "nonsense"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture, argv: list[str], needle: str
) -> None:
    status, out, err = run(capsys, *argv)
    assert_one_line_error(status, err)
    assert needle in err
    assert out == ""


def test_bad_input_from_a_real_process() -> None:
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    result = subprocess.run(
        [sys.executable, "-m", "chainrule", "derive", "--layers", "2,x"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("chainrule: error: ") and "Traceback" not in result.stderr


def test_shape_mismatch_from_a_real_process() -> None:
    argv = ["derive", "W2 @ dZ2", "--wrt", "W2", "--shape", "W2=1x4", "--shape", "dZ2=1xm"]
    result = subprocess.run(
        [sys.executable, "-m", "chainrule", *argv], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "chainrule: error: W2 @ dZ2: (1, 4) @ (1, m) do not chain at column 1 — "
        "did you mean W2.T @ dZ2?"
    ]


def test_derive_writes_a_file(capsys: pytest.CaptureFixture, tmp_path) -> None:
    target = tmp_path / "out" / "backward.txt"
    status, out, err = run(capsys, "derive", *SEED, "-o", str(target))
    assert status == 0 and out == ""
    assert all(eq in target.read_text(encoding="utf-8") for eq in SIX)


@pytest.mark.parametrize("command", cli.list_commands(None))
def test_every_command_help_has_an_example(capsys: pytest.CaptureFixture, command: str) -> None:
    status, out, _ = run(capsys, command, "--help")
    assert status == 0
    assert "Example" in out, f"chainrule {command} --help has no example"


def test_top_level_help_has_an_example(capsys: pytest.CaptureFixture) -> None:
    status, out, _ = run(capsys, "--help")
    assert status == 0 and "Example" in out and "derive" in out
