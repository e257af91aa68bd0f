"""``chainrule model FILE``: a forward pass in a file, read as text, derived and explained."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from chainrule.cli import main

BATCHNORM = '''
def batchnorm(Z, gamma, beta, G):
    """The course's batch-norm layer (C2W3), training mode, features × examples."""
    mu = np.mean(Z, axis=1, keepdims=True)
    var = np.var(Z, axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + eps)
    Z_tilde = gamma * Z_norm + beta
    return np.sum(Z_tilde * G)
'''
FLAGS = ["--shape", "Z=n,m", "--shape", "gamma=n,1", "--shape", "beta=n,1", "--shape", "G=n,m",
         "--wrt", "Z,gamma,beta", "--const", "eps=1e-5"]  # fmt: skip


@pytest.fixture
def bn_file(tmp_path: Path) -> Path:
    path = tmp_path / "bn.py"
    path.write_text(BATCHNORM)
    return path


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_derives_the_compact_form(capsys: pytest.CaptureFixture, bn_file: Path) -> None:
    status, out, _ = run(capsys, "model", str(bn_file), *FLAGS)
    assert status == 0
    assert "dZ = (1/m) γ ⊙ (m dZ_tilde − Σ₁ dZ_tilde − Σ₁ (Z_norm ⊙ dZ_tilde) ⊙ Z_norm)" in out
    status, out, _ = run(capsys, "model", str(bn_file), *FLAGS, "--staged")
    assert "dZ = dZ_norm / √(eps + var) + (1/m) dmu + (2 / m) dvar ⊙ (Z − mu)" in out


def test_json_and_explain(capsys: pytest.CaptureFixture, bn_file: Path) -> None:
    status, out, _ = run(capsys, "model", str(bn_file), *FLAGS, "--format", "json")
    data = json.loads(out)
    dz = next(s for s in data["backward"] if s["name"] == "dZ")
    assert status == 0 and dz["staged"].startswith("dZ_norm / √(eps + var)")
    status, out, _ = run(capsys, "model", str(bn_file), *FLAGS, "--explain", "dZ")
    assert status == 0 and "The compact form" in out and "3 ways" in out


def test_emitted_numpy_runs_and_agrees_with_torch(capsys, bn_file, tmp_path) -> None:  # noqa: ANN001
    torch = pytest.importorskip("torch")
    target = tmp_path / "bn_numpy.py"
    assert run(capsys, "model", str(bn_file), *FLAGS, "--emit", "numpy", "-o", str(target))[0] == 0
    namespace: dict = {}
    exec(compile(target.read_text(), str(target), "exec"), namespace)  # noqa: S102 - our output
    rng = np.random.default_rng(0)
    Z, G = rng.standard_normal((3, 7)), rng.standard_normal((3, 7))
    gamma, beta = rng.standard_normal((3, 1)), rng.standard_normal((3, 1))
    _, grads = namespace["cost_and_grad"](Z, gamma, beta, G, 1e-5)
    z = torch.tensor(Z.T, requires_grad=True)
    out = torch.nn.functional.batch_norm(
        z, None, None, torch.tensor(gamma.ravel()), torch.tensor(beta.ravel()), training=True
    )
    (out * torch.tensor(G.T)).sum().backward()
    np.testing.assert_allclose(grads["dZ"], z.grad.numpy().T, atol=1e-10)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("A = W @ X\nwhile True:\n    A = A\nJ = np.sum(A)",
         "line 2: a while loop is not part of the model language at column 1"),
        ("A = W @ X\nJ = np.sum(A.real)", "line 2: attribute .real is not supported"),
        ("import os\nJ = np.sum(W)", "line 1: an import is not part of the model language"),
    ],
)  # fmt: skip
def test_bad_files_are_one_line_exit_2(capsys, tmp_path, source, message) -> None:  # noqa: ANN001
    path = tmp_path / "bad.py"
    path.write_text(source)
    status, _, err = run(capsys, "model", str(path), "--shape", "W=3x4", "--shape", "X=4x5")
    assert status == 2 and len(err.splitlines()) == 1 and message in err, err
