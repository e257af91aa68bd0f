"""Scaled dot-product attention with a mask (the course's C5W4) and layer normalisation as models.

References: PyTorch's ``scaled_dot_product_attention`` and ``layer_norm`` under autograd, float64.
The derived backward must read as the attention backward is written by hand:
dV = Pᵀ dO, dP = dO Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = dS K/√d_k, dK = dSᵀ Q/√d_k.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.printers.text import text

torch = pytest.importorskip("torch")

ATTENTION = """
S = Q @ K.T / np.sqrt(d_k)
S_masked = np.where(M, S, -1e9)
P = softmax(S_masked, axis=-1)
O = P @ V
J = np.sum(O * G)
"""
SHAPES = {"Q": ("n_q", "d_k"), "K": ("n_k", "d_k"), "V": ("n_k", "d_v"), "M": ("n_q", "n_k"),
          "G": ("n_q", "d_v")}  # fmt: skip


@pytest.fixture(scope="module")
def attention() -> cr.Model:
    return cr.model(ATTENTION, SHAPES, wrt=["Q", "K", "V"])


def attention_values(n_q: int, n_k: int, d_k: int, d_v: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    mask = rng.random((n_q, n_k)) > 0.3
    mask[:, 0] = True  # every query sees at least one key
    return {"Q": rng.standard_normal((n_q, d_k)), "K": rng.standard_normal((n_k, d_k)),
            "V": rng.standard_normal((n_k, d_v)), "M": mask.astype(float),
            "G": rng.standard_normal((n_q, d_v))}  # fmt: skip


def test_the_backward_reads_as_written_by_hand(attention: cr.Model) -> None:
    d = attention.derive()
    assert text(d["dV"].expr) == "Pᵀ dO"
    assert text(d["dP"].expr) == "dO Vᵀ"
    assert text(d["dS_masked"].expr) == "P ⊙ (dP − Σ₁ (P ⊙ dP))"  # P ⊙ (dP − rowsum(dP ⊙ P))
    assert text(d["dS"].expr) == "dS_masked ⊙ M"  # masked scores get no gradient
    assert text(d["dQ"].expr) == "(1/√(d_k)) dS K"
    assert text(d["dK"].expr) == "(1/√(d_k)) dSᵀ Q"


@pytest.mark.parametrize("shape", [(4, 6, 3, 5), (1, 1, 1, 1), (7, 3, 8, 2)])
def test_agrees_with_torch_scaled_dot_product_attention(attention: cr.Model, shape: tuple):
    v = attention_values(*shape, seed=sum(shape))
    t = {k: torch.tensor(a, requires_grad=k in "QKV") for k, a in v.items()}
    O = torch.nn.functional.scaled_dot_product_attention(
        t["Q"][None], t["K"][None], t["V"][None], attn_mask=t["M"][None].bool()
    )[0]
    (O * t["G"]).sum().backward()
    ours = attention.gradients(v)
    for k in "QKV":
        np.testing.assert_allclose(ours["d" + k], t[k].grad.numpy(), atol=1e-10, err_msg=k)
    np.testing.assert_allclose(attention.forward(v)["O"], O.detach().numpy(), atol=1e-12)


def test_the_course_spelling_of_the_mask() -> None:
    # C5W4: scaled_attention_logits += (1. - mask) * -1e9 (here mask is 1 where a key is seen)
    course = cr.model(ATTENTION.replace("np.where(M, S, -1e9)", "S + (1 - M) * -1e9"), SHAPES)
    v = attention_values(3, 4, 2, 2, seed=9)
    t = {k: torch.tensor(a, requires_grad=k in "QKV") for k, a in v.items()}
    S = t["Q"] @ t["K"].T / np.sqrt(2) + (1 - t["M"]) * -1e9
    (torch.softmax(S, -1) @ t["V"] * t["G"]).sum().backward()
    ours = course.gradients(v)
    for k in "QKV":
        np.testing.assert_allclose(ours["d" + k], t[k].grad.numpy(), atol=1e-10, err_msg=k)


LAYER_NORM = """
mu = np.mean(Z, axis=0, keepdims=True)
var = np.var(Z, axis=0, keepdims=True)
Z_norm = (Z - mu) / np.sqrt(var + eps)
Z_tilde = gamma * Z_norm + beta
J = np.sum(Z_tilde * G)
"""


def test_layer_norm_is_compact_and_agrees_with_torch() -> None:
    ln = cr.model(
        LAYER_NORM,
        {"Z": ("n", "m"), "gamma": ("n", 1), "beta": ("n", 1), "G": ("n", "m")},
        constants={"eps": 1e-5},
    )
    # the same three paths as batch norm, over the features axis; γ varies along that axis, so
    # the compact form is in dẐ = γ ⊙ dZ̃: dZ = (1/n)(n dẐ − Σ dẐ − Ẑ ⊙ Σ(Ẑ ⊙ dẐ)) / σ
    assert text(ln.derive()["dZ"].expr) == (
        "(1/n) (n dZ_norm − Σ₀ dZ_norm − Σ₀ (Z_norm ⊙ dZ_norm) ⊙ Z_norm) / √(var + eps)"
    )
    rng = np.random.default_rng(10)
    n, m = 6, 4
    v = {"Z": 2 * rng.standard_normal((n, m)) - 1, "gamma": rng.standard_normal((n, 1)),
         "beta": rng.standard_normal((n, 1)), "G": rng.standard_normal((n, m))}  # fmt: skip
    t = {k: torch.tensor(a, requires_grad=True) for k, a in v.items()}
    out = torch.nn.functional.layer_norm(
        t["Z"].T, (n,), t["gamma"].ravel(), t["beta"].ravel(), eps=1e-5
    )  # torch normalises each example (a row of its (m, n) layout) over its n features
    (out * t["G"].T).sum().backward()
    ours = ln.gradients(v)
    for k in ("Z", "gamma", "beta"):
        np.testing.assert_allclose(ours["d" + k], t[k].grad.numpy(), atol=1e-10, err_msg=k)


def test_the_explanation_collapses_the_softmax_jacobian(attention: cr.Model) -> None:
    t = " ".join(str(attention.explain("dS_masked")).split())  # unwrapped
    assert "exp(S_masked) = Σ₁ exp(S_masked) ⊙ P (the equation of P solved for it)" in t
    assert "∂s/∂x = diag(s) − s sᵀ" in t and "(diag(s) − s sᵀ) g = s ⊙ g − s (sᵀ g)" in t
    assert "Together: dS_masked = P ⊙ (dP − Σ₁ (P ⊙ dP))" in t
    assert "they agree" in t  # a 0/1 mask keeps the numeric check finite


def test_a_two_block_transformer_agrees_with_torch() -> None:
    # attention, residual, layer norm, relu MLP, residual — twice; torch autograd of the same
    # forward pass, written here in torch by hand
    lines, shapes = [], {"X": ("n", "d"), "G": ("n", "d")}
    for i, h in ((1, "X"), (2, "H1")):
        shapes |= {f"{w}{i}": ("d", "d") for w in ("Wq", "Wk", "Wv", "W1")} | {f"b{i}": (1, "d")}
        lines += [
            f"S{i} = ({h} @ Wq{i}) @ ({h} @ Wk{i}).T / np.sqrt(d)",
            f"P{i} = softmax(S{i}, axis=-1)",
            f"R{i} = {h} + P{i} @ {h} @ Wv{i}",
            f"mu{i} = np.mean(R{i}, axis=1, keepdims=True)",
            f"var{i} = np.var(R{i}, axis=1, keepdims=True)",
            f"N{i} = (R{i} - mu{i}) / np.sqrt(var{i} + eps)",
            f"H{i} = N{i} + np.maximum(N{i} @ W1{i} + b{i}, 0)",
        ]
    lines.append("J = np.sum(H2 * G)")
    model = cr.model("\n".join(lines), shapes, constants={"eps": 1e-5})
    assert "dmu1" not in text(model.derive()["dR1"].expr)  # layer norm's compact form
    rng = np.random.default_rng(12)
    v = {k: rng.standard_normal(tuple({"n": 5, "d": 4}.get(s, s) for s in sh)) / 2
         for k, sh in shapes.items()}  # fmt: skip
    t = {k: torch.tensor(a, requires_grad=True) for k, a in v.items()}
    h = t["X"]
    for i in (1, 2):
        P = torch.softmax((h @ t[f"Wq{i}"]) @ (h @ t[f"Wk{i}"]).T / 2.0, dim=-1)
        N = torch.nn.functional.layer_norm(h + P @ h @ t[f"Wv{i}"], (4,), eps=1e-5)
        h = N + torch.relu(N @ t[f"W1{i}"] + t[f"b{i}"])
    (h * t["G"]).sum().backward()
    ours = model.gradients(v)
    for k in model.wrt:
        np.testing.assert_allclose(ours["d" + k], t[k].grad.numpy(), atol=1e-10, err_msg=k)
