"""Batch norm's compact dZ whatever way the statistics are spelled: named, inline, or by hand.

The compaction (``autodiff/compact.py``) reads a statistic written inside an equation
(``np.sqrt(np.var(Z, axis=1, keepdims=True) + eps)``, a mean spelled ``np.mean((Z - mu)**2, …)``)
as it reads a named one — one value per row, with ``Σ Z = m μ`` for a mean — so every spelling
gets the three-term form dZ = (1/m)·(γ/σ)·(m dZ̃ − Σ dZ̃ − Ẑ·Σ(dZ̃ ⊙ Ẑ)). Each is checked
structurally (its printed form) and against PyTorch's ``batch_norm`` backward in float64.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.printers.text import text

torch = pytest.importorskip("torch")

SHAPES = {"Z": ("n", "m"), "gamma": ("n", 1), "beta": ("n", 1), "G": ("n", "m")}
EPS = 1e-5
TAIL = "Z_tilde = gamma * Z_norm + beta\nJ = np.sum(Z_tilde * G)\n"
MEAN_PATH, VARIANCE_PATH = "Σ₁ dZ_tilde", "Σ₁ (Z_norm ⊙ dZ_tilde) ⊙ Z_norm"

SPELLINGS = {  # name: (forward statements before Z_tilde, the printed σ of the compact form)
    "inline variance": (
        "mu = np.mean(Z, axis=1, keepdims=True)\n"
        "Z_norm = (Z - mu) / np.sqrt(np.var(Z, axis=1, keepdims=True) + eps)\n",
        "√((1/m) Σ₁ (Z − mu)² + eps)",
    ),
    "inline mean": (
        "var = np.var(Z, axis=1, keepdims=True)\n"
        "Z_norm = (Z - np.mean(Z, axis=1, keepdims=True)) / np.sqrt(var + eps)\n",
        "√(var + eps)",
    ),
    "both inline": (
        "Z_norm = (Z - np.mean(Z, axis=1, keepdims=True))"
        " / np.sqrt(np.var(Z, axis=1, keepdims=True) + eps)\n",
        "√((1/m) Σ₁ (Z − (1/m) Σ₁ Z)² + eps)",
    ),
    "variance spelled out": (
        "mu = np.mean(Z, axis=1, keepdims=True)\n"
        "var = np.mean((Z - mu)**2, axis=1, keepdims=True)\n"
        "Z_norm = (Z - mu) / np.sqrt(var + eps)\n",
        "√(var + eps)",
    ),
    "variance spelled out inline": (
        "mu = np.mean(Z, axis=1, keepdims=True)\n"
        "Z_norm = (Z - mu) / np.sqrt(np.mean((Z - mu)**2, axis=1, keepdims=True) + eps)\n",
        "√((1/m) Σ₁ (Z − mu)² + eps)",
    ),
    "variance as a sum over m": (
        "mu = np.sum(Z, axis=1, keepdims=True) / Z.shape[1]\n"
        "Z_norm = (Z - mu) / np.sqrt(np.sum((Z - mu)**2, axis=1, keepdims=True) / Z.shape[1]"
        " + eps)\n",
        "√((1/m) Σ₁ (Z − mu)² + eps)",
    ),
}


def model(name: str) -> cr.Model:
    head, _ = SPELLINGS[name]
    return cr.model(head + TAIL, SHAPES, wrt=["Z", "gamma", "beta"], constants={"eps": EPS})


def torch_batch_norm(v: dict) -> dict:
    """∂J/∂Z, ∂J/∂γ, ∂J/∂β of J = Σ BN(Z) ⊙ G by torch autograd, in the course's (n, m) layout."""
    t = {k: torch.tensor(a, dtype=torch.float64, requires_grad=True) for k, a in v.items()}
    out = torch.nn.functional.batch_norm(
        t["Z"].T, None, None, t["gamma"].ravel(), t["beta"].ravel(), training=True, eps=EPS
    )
    (out * t["G"].T).sum().backward()
    return {"dZ": t["Z"].grad.numpy(), "dgamma": t["gamma"].grad.numpy(),
            "dbeta": t["beta"].grad.numpy()}  # fmt: skip


@pytest.mark.parametrize("name", SPELLINGS)
def test_every_spelling_gets_the_three_term_form(name: str) -> None:
    _, sigma = SPELLINGS[name]
    # dZ = (1/m)·γ ⊙ (m dZ̃ − Σ dZ̃ − Σ(Ẑ ⊙ dZ̃) ⊙ Ẑ) / σ, the two sums in either order
    forms = {
        f"(1/m) γ ⊙ (m dZ_tilde − {a} − {b}) / {sigma}"
        for a, b in ((MEAN_PATH, VARIANCE_PATH), (VARIANCE_PATH, MEAN_PATH))
    }
    assert text(model(name).derive()["dZ"].expr) in forms


@pytest.mark.parametrize("name", SPELLINGS)
@pytest.mark.parametrize(("n", "m", "seed"), [(3, 5, 0), (1, 2, 1), (4, 16, 2)])
def test_every_spelling_agrees_with_torch_batch_norm(name: str, n: int, m: int, seed: int):
    rng = np.random.default_rng(seed)
    v = {
        "Z": 3 * rng.standard_normal((n, m)) + 2,
        "gamma": rng.standard_normal((n, 1)),
        "beta": rng.standard_normal((n, 1)),
        "G": rng.standard_normal((n, m)),
    }
    ours, ref = model(name).gradients(v), torch_batch_norm(v)
    for k in ("dZ", "dgamma", "dbeta"):
        np.testing.assert_allclose(ours[k], ref[k], rtol=1e-10, atol=1e-10, err_msg=k)


def gradients(source: str) -> str:
    return source.split("def gradients", 1)[1].split("\ndef ", 1)[0]


def test_the_compact_form_is_what_runs() -> None:
    source = model("both inline").source()
    (line,) = [x for x in gradients(source).splitlines() if x.strip().startswith("dZ = ")]
    assert "dZ_tilde" in line and "dZ_norm" not in line  # dZ from dZ_tilde alone
