"""``cr.explain`` on a convolution or pooling step: both forms, the substitution, the picture.

Every value the explanation prints for a form (the course's scatter loop, the gather sum after the
index substitution, the derivation's formula) is compared with PyTorch autograd on the same numbers;
the window picture is compared with where PyTorch's Jacobian is non-zero and which filter entry it
equals.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import chainrule as cr
from chainrule.explain.render_html import html_fragment

torch = pytest.importorskip("torch")
F = torch.nn.functional

CONV = "Z = conv2d(A_prev, W, b, stride={s}, pad={p})\nJ = np.sum(Z * G)"
CONFIGS = [(2, 1, 3), (2, 2, 2), (1, 0, 3), (3, 1, 2)]  # (stride, pad, f)


def conv_model(s: int, p: int, f: int, n: int = 5) -> cr.Model:
    out = (n + 2 * p - f) // s + 1
    shapes = {"A_prev": (2, n, n, 2), "W": (f, f, 2, 3), "b": (1, 1, 1, 3), "G": (2, out, out, 3)}
    return cr.model(CONV.format(s=s, p=p), shapes, wrt=["A_prev", "W", "b"])


def torch_grads(values: dict, s: int, p: int) -> dict:
    t = {k: torch.tensor(v, requires_grad=True) for k, v in values.items()}
    z = F.conv2d(t["A_prev"].permute(0, 3, 1, 2), t["W"].permute(3, 2, 0, 1), stride=s, padding=p)
    z = z.permute(0, 2, 3, 1) + t["b"]
    (z * t["G"]).sum().backward()
    return {"d" + k: t[k].grad.numpy() for k in ("A_prev", "W", "b")}


@pytest.mark.parametrize(("s", "p", "f"), CONFIGS, ids=str)
@pytest.mark.parametrize("quantity", ["dA_prev", "dW", "db"])
def test_every_form_equals_pytorch(quantity: str, s: int, p: int, f: int) -> None:
    x = cr.explain(conv_model(s, p, f), quantity)
    (c,) = x.conv
    want = torch_grads(dict(x.numbers.inputs), s, p)[quantity]
    names = [n for n, _ in c.forms]
    assert names == (
        ["scatter", "formula"] if quantity == "db" else ["scatter", "gather", "formula"]
    )
    for name, value in c.forms:
        np.testing.assert_allclose(value, want, rtol=1e-10, atol=1e-12, err_msg=name)
    assert c.agree and "they agree" in str(x)


def test_the_substitution_is_shown_step_by_step() -> None:
    text = " ".join(str(cr.explain(conv_model(2, 1, 3), "dA_prev")).split())  # unwrapped
    for words in (
        "dA_pad[i, h·s : h·s+f, w·s : w·s+f, :] += W[:, :, :, c] · dZ[i, h, w, c]",  # scatter
        "y = h·s + kh − p  ⇒  kh = y + p − h·s",  # the substitution
        "Dilate dZ by the stride",
        "Rotate the kernel by 180°",
        "“full” correlation",
        "the padding cut off",
    ):
        assert " ".join(words.split()) in text, words


@pytest.mark.parametrize(("s", "p", "f"), CONFIGS, ids=str)
def test_the_window_picture_is_where_pytorch_jacobian_is_nonzero(s: int, p: int, f: int) -> None:
    """A cell W[kh,kw] at (h, w) ⇔ ∂Z[0,h,w,0]/∂A_prev[0,y,x,0] = W[kh,kw,0,0] ≠ 0 (PyTorch)."""
    (c,) = cr.explain(conv_model(s, p, f), "dA_prev").conv
    y, x = c.entry
    W = np.arange(1.0, f * f + 1).reshape(f, f, 1, 1)  # distinct entries name their position
    A = torch.zeros((1, 1, 5, 5), dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(
        lambda a: F.conv2d(a, torch.tensor(W).permute(3, 2, 0, 1), stride=s, padding=p), A
    )[0, 0, :, :, 0, 0, y, x].numpy()
    drawn = np.array([[cell for cell in r] for r in c.picture])
    assert drawn.shape == jac.shape
    for (h, w), v in np.ndenumerate(jac):
        if v == 0:
            assert drawn[h, w] == "·"
        else:
            kh, kw = divmod(int(v) - 1, f)
            assert drawn[h, w] == f"W[{kh},{kw}]"


@pytest.mark.parametrize(("mode", "s"), [("max_pool", 2), ("max_pool", 1), ("avg_pool", 2)])
def test_pooling_forms_equal_pytorch(mode: str, s: int) -> None:
    n = (6 - 2) // s + 1
    model = cr.model(
        f"A = {mode}(A_prev, f=2, stride={s})\nJ = np.sum(A * G)",
        {"A_prev": (2, 6, 6, 2), "G": (2, n, n, 2)},
        wrt=["A_prev"],
    )
    x = cr.explain(model, "dA_prev")
    (c,) = x.conv
    a = torch.tensor(x.numbers.inputs["A_prev"].transpose(0, 3, 1, 2), requires_grad=True)
    pool = F.max_pool2d if mode == "max_pool" else F.avg_pool2d
    g = torch.tensor(x.numbers.inputs["G"].transpose(0, 3, 1, 2))
    (pool(a, 2, s) * g).sum().backward()  # seeded normal numbers: no ties
    want = a.grad.numpy().transpose(0, 2, 3, 1)
    for name, value in c.forms:
        np.testing.assert_allclose(value, want, rtol=1e-12, atol=1e-14, err_msg=name)
    text = " ".join(str(x).split())
    if mode == "max_pool":
        assert "every tied maximum receives the full gradient" in text and "mask" in text
    else:
        assert "dA_prev[i, h·s : h·s+f, w·s : w·s+f, c] += dA[i,h,w,c] / f²" in text


def test_a_disagreement_is_reported() -> None:
    """The equality is a checked claim: a form that differs (the kernel not flipped) is caught."""
    x = cr.explain(conv_model(1, 1, 3), "dA_prev")
    (c,) = x.conv
    unflipped = c.forms[1][1].copy()
    unflipped[0, 0, 0, 0] += 1e-3
    wrong = dataclasses.replace(c, forms=(c.forms[0], ("gather", unflipped), c.forms[2]))
    assert not wrong.agree
    assert "THEY DISAGREE" in str(dataclasses.replace(x, conv=(wrong,)))


def test_html_draws_the_window_grid() -> None:
    page = html_fragment(cr.explain(conv_model(2, 1, 3), "dA_prev").document())
    assert "<table" in page and "W[1,1]" in page and "scatter" in page


def test_a_cnn_layer_inside_a_model() -> None:
    """A conv layer between others: dW1 of conv → relu → pool → dense, checked the same way."""
    source = """
Z1 = conv2d(X, W1, b1, stride=1, pad=1)
P1 = max_pool(relu(Z1), f=2, stride=2)
Z2 = flatten(P1) @ W2 + b2
J = np.sum(Z2 * G)
"""
    shapes = {"X": (2, 4, 4, 1), "W1": (3, 3, 1, 2), "b1": (1, 1, 1, 2), "W2": (8, 3)}
    shapes |= {"b2": (1, 3), "G": (2, 3)}
    x = cr.explain(cr.model(source, shapes, wrt=["W1", "b1", "W2", "b2"]), "dW1")
    (c,) = x.conv
    assert c.kind == "filter" and c.agree
    np.testing.assert_allclose(c.forms[0][1], x.numbers.estimate, rtol=1e-6, atol=1e-8)


def test_chainrule_explain_on_a_conv_expression(capsys: pytest.CaptureFixture) -> None:
    """The course's layer (stride 2, pad 2): `chainrule explain` with image-batch shapes."""
    from chainrule.cli import main

    status = main(
        [
            "explain",
            "dW",
            "np.sum(conv2d(A_prev, W, stride=2, pad=2) * G)",
            "--shape",
            "A_prev=2x4x4x3",
            "--shape",
            "W=2x2x3x8",
            "--shape",
            "G=2x4x4x8",
        ]
    )
    out, err = capsys.readouterr()
    assert status == 0 and err == ""
    assert "The filter gradient in both forms" in out and "they agree" in out
    status = main(["explain", "dW", "np.sum(W)", "--shape", "W=1x2x3x4x5"])
    out, err = capsys.readouterr()
    assert status == 2 and err.startswith("chainrule: error: ") and len(err.splitlines()) == 1


def test_the_page_in_chromium_shows_the_grid(tmp_path: object) -> None:
    """The explanation as a page, laid out by headless Chromium: headings, grid cells, verdict."""
    from browser import render_in_chromium

    from chainrule.explain.formats import render

    page = tmp_path / "conv_dA_prev.html"
    page.write_text(render(cr.explain(conv_model(2, 1, 3), "dA_prev"), "html"), encoding="utf-8")
    facts = render_in_chromium(page, tmp_path / "conv_dA_prev.png")
    text = facts["text"]
    for words in ("scatter and gather", "the index substitution", "Which entries of dZ touch"):
        assert words in text, words
    assert "W[1,1]" in text and "h=1" in text and "they agree" in text
    assert facts["math_visible"] == facts["math_count"] > 5
    assert facts["requests"] == [] and facts["console_errors"] == []
