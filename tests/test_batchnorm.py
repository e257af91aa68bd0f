"""Batch normalisation (the course's C2W3 layer) as a model: derived, compacted, checked outside.

The references are PyTorch's own ``torch.nn.functional.batch_norm`` (training mode with batch
statistics, test mode with running statistics) in float64, central finite differences of the cost,
and a published worked example. The course's layout is features × examples, (n, m); torch's is
examples × features, (m, n), so every array is transposed on its way into torch.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.printers.text import text

torch = pytest.importorskip("torch")

TRAIN = """
mu = np.mean(Z, axis=1, keepdims=True)
var = np.var(Z, axis=1, keepdims=True)
Z_norm = (Z - mu) / np.sqrt(var + eps)
Z_tilde = gamma * Z_norm + beta
J = np.sum(Z_tilde * G)
"""
SHAPES = {"Z": ("n", "m"), "gamma": ("n", 1), "beta": ("n", 1), "G": ("n", "m")}
EPS = 1e-5


@pytest.fixture(scope="module")
def bn() -> cr.Model:
    return cr.model(TRAIN, SHAPES, wrt=["Z", "gamma", "beta"], constants={"eps": EPS})


def values(n: int, m: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "Z": 3 * rng.standard_normal((n, m)) + 2,
        "gamma": rng.standard_normal((n, 1)),
        "beta": rng.standard_normal((n, 1)),
        "G": rng.standard_normal((n, m)),
    }


def torch_batch_norm(v: dict, training: bool = True, running: tuple | None = None) -> dict:
    """∂J/∂Z, ∂J/∂γ, ∂J/∂β of J = Σ BN(Z) ⊙ G by torch autograd, back in the (n, m) layout."""
    t = {k: torch.tensor(a, dtype=torch.float64, requires_grad=True) for k, a in v.items()}
    mean, var = (None, None) if running is None else (torch.tensor(r.ravel()) for r in running)
    out = torch.nn.functional.batch_norm(
        t["Z"].T, mean, var, t["gamma"].ravel(), t["beta"].ravel(), training=training, eps=EPS
    )
    (out * t["G"].T).sum().backward()
    return {"dZ": t["Z"].grad.numpy(), "dgamma": t["gamma"].grad.numpy(),
            "dbeta": t["beta"].grad.numpy()}  # fmt: skip


def central_differences(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f()
        x[i] = old - h
        down = f()
        x[i] = old
        g[i] = (up - down) / (2 * h)
    return g


def test_dz_is_derived_in_compact_form(bn: cr.Model) -> None:
    # dZ = (1/m)·(γ/σ)·(m dZ̃ − Σ dZ̃ − Ẑ·Σ(dZ̃ ⊙ Ẑ)), σ = √(var + ε)
    assert text(bn.derive()["dZ"].expr) == (
        "(1/m) γ ⊙ (m dZ_tilde − Σ₁ dZ_tilde − Σ₁ (Z_norm ⊙ dZ_tilde) ⊙ Z_norm) / √(var + eps)"
    )


def test_every_named_quantity_gets_its_gradient(bn: cr.Model) -> None:
    assert set(bn.quantities) == {"dZ_tilde", "dZ_norm", "dvar", "dmu", "dZ", "dgamma", "dbeta"}
    assert text(bn.derive()["dgamma"].expr) == "Σ₁ (dZ_tilde ⊙ Z_norm)"
    assert text(bn.derive()["dbeta"].expr) == "Σ₁ dZ_tilde"


@pytest.mark.parametrize(("n", "m", "seed"), [(3, 5, 0), (1, 2, 1), (4, 16, 2), (7, 3, 3)])
def test_training_mode_agrees_with_torch_batch_norm(bn: cr.Model, n: int, m: int, seed: int):
    v = values(n, m, seed)
    ours, ref = bn.gradients(v), torch_batch_norm(v)
    for k in ("dZ", "dgamma", "dbeta"):
        np.testing.assert_allclose(ours[k], ref[k], rtol=1e-10, atol=1e-10, err_msg=k)


def test_the_staged_form_agrees_with_torch_too(bn: cr.Model) -> None:
    v = values(5, 8, 4)
    staged = cr.model(TRAIN, SHAPES, wrt=["Z"], constants={"eps": EPS})
    assert "dmu" in text(staged.derive(compact_form=False)["dZ"].expr)
    np.testing.assert_allclose(bn.gradients(v)["dZ"], torch_batch_norm(v)["dZ"], atol=1e-10)


def test_finite_differences(bn: cr.Model) -> None:
    v = values(3, 4, 5)
    grads = bn.gradients(v)
    for k in ("Z", "gamma", "beta"):
        fd = central_differences(lambda: bn.cost(v), v[k])
        np.testing.assert_allclose(grads["d" + k], fd, rtol=1e-6, atol=1e-7, err_msg=k)


def test_test_mode_with_running_statistics_agrees_with_torch() -> None:
    # at test time μ and σ² are the running averages, constants: dZ = γ ⊙ dZ̃ / √(σ²_run + ε)
    test_mode = cr.model(
        """
        Z_norm = (Z - running_mean) / np.sqrt(running_var + eps)
        Z_tilde = gamma * Z_norm + beta
        J = np.sum(Z_tilde * G)
        """,
        {**SHAPES, "running_mean": ("n", 1), "running_var": ("n", 1)},
        wrt=["Z", "gamma", "beta"],
        constants={"eps": EPS},
    )
    v = values(4, 6, 6)
    rng = np.random.default_rng(7)
    running = (rng.standard_normal((4, 1)), rng.uniform(0.5, 2, (4, 1)))
    ours = test_mode.gradients({**v, "running_mean": running[0], "running_var": running[1]})
    ref = torch_batch_norm(v, training=False, running=running)
    for k in ("dZ", "dgamma", "dbeta"):
        np.testing.assert_allclose(ours[k], ref[k], rtol=1e-10, atol=1e-12, err_msg=k)


def test_published_example() -> None:
    # akim42003/alexkode, problems/04-deep-learning/11-batch-normalization/README.md: features as
    # columns, x = [[1, 2], [3, 4], [5, 6]], γ = 1, β = 0 → out ≈ [[−1.2247, −1.2247], [0, 0],
    # [1.2247, 1.2247]]; with dout = 1: dγ = [0, 0], dβ = [3, 3], dx ≈ 0.
    bn = cr.model(TRAIN, SHAPES, constants={"eps": EPS})
    x = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]).T  # the course's (n, m) layout
    v = {"Z": x, "gamma": np.ones((2, 1)), "beta": np.zeros((2, 1)), "G": np.ones((2, 3))}
    out = bn.forward(v)["Z_tilde"].T
    np.testing.assert_allclose(out, [[-1.2247, -1.2247], [0, 0], [1.2247, 1.2247]], atol=1e-4)
    g = bn.gradients(v)
    np.testing.assert_allclose(g["dgamma"].ravel(), [0, 0], atol=1e-12)
    np.testing.assert_allclose(g["dbeta"].ravel(), [3, 3])
    np.testing.assert_allclose(g["dZ"], 0, atol=1e-10)


def test_layout_of_examples_as_rows_is_derived_too() -> None:
    rows = cr.model(
        TRAIN.replace("axis=1", "axis=0"),
        {"Z": ("m", "n"), "gamma": (1, "n"), "beta": (1, "n"), "G": ("m", "n")},
        constants={"eps": EPS},
    )
    assert "Σ₀" in text(rows.derive()["dZ"].expr) and "dmu" not in text(rows.derive()["dZ"].expr)
    v = values(3, 5, 8)
    ours = rows.gradients({k: a.T for k, a in v.items()})
    ref = torch_batch_norm(v)
    np.testing.assert_allclose(ours["dZ"].T, ref["dZ"], atol=1e-10)
    np.testing.assert_allclose(ours["dgamma"].T, ref["dgamma"], atol=1e-10)


def test_the_explanation_names_the_three_paths(bn: cr.Model) -> None:
    x = bn.explain("dZ")
    t = " ".join(str(x).split())  # unwrapped
    assert "Z reaches J 3 ways — through mu, through var, through Z_norm" in t
    assert "Z = mu + Z_norm ⊙ √(var + eps) (the equation of Z_norm solved for it)" in t
    assert "Σ₁ Z = m mu (the definition of mu, read back)" in t
    assert "Σ₁ Z_norm = 0" in t
    # each use rewritten alone is one term of the compact form
    assert "the use in mu: (−1/m) Σ₁ dZ_tilde ⊙ γ / √(var + eps)" in t
    assert "the use in Z_norm: γ ⊙ dZ_tilde / √(var + eps)" in t
    assert "dgamma = Σ₁ (dZ_tilde ⊙ Z_norm) sums over that axis" in t
    assert "they agree" in t  # the explanation's own finite-difference check


def test_the_explanation_renders_in_every_format(bn: cr.Model) -> None:
    from chainrule.explain.formats import FORMATS, render

    x = bn.explain("dZ")
    for fmt in FORMATS:
        out = render(x, fmt)
        assert "compact" in out.lower(), fmt
