"""Convolution and pooling: the course's numbers, PyTorch, central differences, both forms.

The course's numbers are those of "Convolutional Neural Networks: Step by Step" (Course 4, week 1):
its ``conv_backward`` test (seed 1, A_prev randn(10, 4, 4, 3), W randn(2, 2, 3, 8), b randn(1, 1,
1, 8), pad 2, stride 2, dZ = the forward output Z) asserts mean(dA) ≈ 1.4524377, mean(dW) ≈
1.7269914, mean(db) ≈ 7.8392325 (quoted in a learner's post,
https://community.deeplearning.ai/t/week-1-assignment-1-optional-backprop-exercise-5-7/209979);
its ``pool_backward`` cell (seed 1, A_prev randn(5, 5, 3, 2), f 2, stride 1, dA randn(5, 4, 2, 2))
prints mean(dA) = 0.145713902729 and dA_prev[1, 1] for max and average pooling (the notebook,
https://nbviewer.org/github/amanchadha/coursera-deep-learning-specialization/blob/master/
C4%20-%20Convolutional%20Neural%20Networks/Week%201/Convolution_model_Step_by_Step_v2a.ipynb).

The scatter form below is the course's loop, written here independently of chainrule; the derived
gradients (printed in the gather form) must equal it.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.check.model_check import crosscheck_model
from chainrule.errors import ShapeError
from chainrule.ir import build, conv
from chainrule.ir.shapes import concrete, fmt_shape

torch = pytest.importorskip("torch")

CONV = """
Z = conv2d(A_prev, W, b, stride={s}, pad={p})
J = np.sum(Z * G)
"""


def conv_model(m, h, w, c, f, n_c, s, p) -> cr.Model:
    n_h, n_w = (h + 2 * p - f) // s + 1, (w + 2 * p - f) // s + 1
    shapes = {"A_prev": (m, h, w, c), "W": (f, f, c, n_c), "b": (1, 1, 1, n_c)}
    shapes["G"] = (m, n_h, n_w, n_c)
    return cr.model(CONV.format(s=s, p=p), shapes, wrt=["A_prev", "W", "b"])


def scatter(A_prev, W, dZ, s, p):
    """The course's conv_backward: each output position sends W·dZ back over its window."""
    m, n_H, n_W, n_C = dZ.shape
    f = W.shape[0]
    A_pad = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))
    dA_pad, dW = np.zeros_like(A_pad), np.zeros_like(W)
    db = np.zeros((1, 1, 1, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    window = (i, slice(h * s, h * s + f), slice(w * s, w * s + f))
                    dA_pad[window] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += A_pad[window] * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
    return dA_pad[:, p : p + A_prev.shape[1], p : p + A_prev.shape[2]], dW, db


def test_conv_backward_reproduces_the_course() -> None:
    np.random.seed(1)
    A_prev, W = np.random.randn(10, 4, 4, 3), np.random.randn(2, 2, 3, 8)
    b = np.random.randn(1, 1, 1, 8)
    model = conv_model(10, 4, 4, 3, 2, 8, 2, 2)
    Z = model.forward({"A_prev": A_prev, "W": W, "b": b, "G": np.zeros((10, 4, 4, 8))})["Z"]
    g = model.gradients({"A_prev": A_prev, "W": W, "b": b, "G": Z})  # the course's dZ is Z
    assert g["dA_prev"].shape == (10, 4, 4, 3) and g["dW"].shape == (2, 2, 3, 8)
    assert np.isclose(np.mean(g["dA_prev"]), 1.4524377, atol=1e-7)
    assert np.isclose(np.mean(g["dW"]), 1.7269914, atol=1e-7)
    assert np.isclose(np.mean(g["db"]), 7.8392325, atol=1e-7)


def _pool(mode: str, A_prev: np.ndarray, dA: np.ndarray) -> np.ndarray:
    model = cr.model(
        f"A = {mode}(A_prev, f=2, stride=1)\nJ = np.sum(A * G)",
        {"A_prev": (5, 5, 3, 2), "G": (5, 4, 2, 2)},
        wrt=["A_prev"],
    )
    return model.gradients({"A_prev": A_prev, "G": dA})["dA_prev"]


def test_pool_backward_reproduces_the_course() -> None:
    np.random.seed(1)
    A_prev = np.random.randn(5, 5, 3, 2)
    dA = np.random.randn(5, 4, 2, 2)
    assert np.isclose(np.mean(dA), 0.145713902729)
    np.testing.assert_allclose(
        _pool("max_pool", A_prev, dA)[1, 1],
        [[0.0, 0.0], [5.05844394, -1.68282702], [0.0, 0.0]],
        atol=1e-8,
    )
    np.testing.assert_allclose(
        _pool("avg_pool", A_prev, dA)[1, 1],
        [[0.08485462, 0.2787552], [1.26461098, -0.25749373], [1.17975636, -0.53624893]],
        atol=1e-8,
    )


CONFIGS = [  # (m, n_H_prev, n_W_prev, n_C_prev, f, n_C, stride, pad)
    (2, 5, 7, 4, 3, 8, 2, 1),  # the newer notebook's layer, smaller m
    (3, 4, 4, 3, 2, 8, 2, 2),  # the older notebook's layer
    (2, 6, 5, 2, 3, 3, 3, 0),  # a stride that leaves the last row unused
    (1, 5, 5, 1, 1, 2, 1, 0),  # a 1×1 convolution
    (2, 4, 6, 3, 4, 2, 1, 2),
]


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_conv_gradients_agree_with_pytorch_and_the_scatter_form(config: tuple) -> None:
    model = conv_model(*config)
    rng = np.random.default_rng(sum(config))
    values = {v.name: rng.standard_normal(v.shape) for v in model.program.inputs}
    assert crosscheck_model(model, values, tolerance=1e-9).passed
    g = model.gradients(values)
    dA, dW, db = scatter(values["A_prev"], values["W"], values["G"], config[6], config[7])
    for got, want in ((g["dA_prev"], dA), (g["dW"], dW), (g["db"], db)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_conv_gradients_agree_with_central_differences() -> None:
    model = conv_model(2, 4, 5, 2, 3, 2, 2, 1)
    rng = np.random.default_rng(7)
    values = {v.name: rng.standard_normal(v.shape) for v in model.program.inputs}
    g = model.gradients(values)
    for w in ("A_prev", "W", "b"):
        x, fd = values[w], np.zeros(values[w].shape)
        for i in np.ndindex(x.shape):
            up, down = x.copy(), x.copy()
            up[i] += 1e-6
            down[i] -= 1e-6
            fd[i] = (model.cost({**values, w: up}) - model.cost({**values, w: down})) / 2e-6
        np.testing.assert_allclose(g["d" + w], fd, rtol=1e-7, atol=1e-8, err_msg=w)


@pytest.mark.parametrize(
    ("mode", "f", "s"),
    [("max_pool", 2, 2), ("max_pool", 3, 1), ("avg_pool", 2, 2), ("avg_pool", 3, 2)],
)
def test_pooling_agrees_with_pytorch(mode: str, f: int, s: int) -> None:
    n = (7 - f) // s + 1
    model = cr.model(
        f"A = {mode}(A_prev, f={f}, stride={s})\nJ = np.sum(A * G)",
        {"A_prev": (2, 7, 7, 3), "G": (2, n, n, 3)},
        wrt=["A_prev"],
    )
    rng = np.random.default_rng(f * 10 + s)
    values = {"A_prev": rng.standard_normal((2, 7, 7, 3)), "G": rng.standard_normal((2, n, n, 3))}
    assert crosscheck_model(model, values, tolerance=1e-9).passed


def test_max_pool_ties_all_receive_the_gradient_pytorch_picks_one() -> None:
    """The course's mask x == np.max(x) sends dA to every tied maximum; PyTorch sends it to one."""
    model = cr.model(
        "A = max_pool(A_prev, f=2, stride=2)\nJ = np.sum(A * G)",
        {"A_prev": (1, 2, 2, 1), "G": (1, 1, 1, 1)},
        wrt=["A_prev"],
    )
    A_prev, G = np.array([3.0, 3.0, 1.0, 3.0]).reshape(1, 2, 2, 1), np.full((1, 1, 1, 1), 2.0)
    ours = model.gradients({"A_prev": A_prev, "G": G})["dA_prev"].ravel()
    np.testing.assert_array_equal(ours, [2.0, 2.0, 0.0, 2.0])
    x = torch.tensor(A_prev.transpose(0, 3, 1, 2), requires_grad=True)
    (torch.nn.functional.max_pool2d(x, 2, 2) * 2.0).sum().backward()
    assert sorted(x.grad.numpy().ravel()) == [0.0, 0.0, 0.0, 2.0]


def test_a_small_cnn_agrees_with_pytorch() -> None:
    source = """
Z1 = conv2d(X, W1, b1, stride=1, pad=1)
A1 = relu(Z1)
P1 = max_pool(A1, f=2, stride=2)
Z2 = conv2d(P1, W2, b2, stride=1, pad=0)
A2 = np.tanh(Z2)
P2 = avg_pool(A2, f=2)
F = flatten(P2)
Z3 = F @ W3 + b3
J = np.sum(Z3 * G)
"""
    shapes = {"X": ("m", 8, 8, 1), "W1": (3, 3, 1, 4), "b1": (1, 1, 1, 4), "W2": (3, 3, 4, 6)}
    shapes |= {"b2": (1, 1, 1, 6), "W3": (6, 3), "b3": (1, 3), "G": ("m", 3)}
    model = cr.model(source, shapes, wrt=["W1", "b1", "W2", "b2", "W3", "b3"])
    rng = np.random.default_rng(3)
    values = {k: rng.standard_normal(concrete(s, {"m": 4})) for k, s in shapes.items()}
    assert crosscheck_model(model, values, tolerance=1e-9).passed


def test_output_sizes_stay_symbolic() -> None:
    A = build.var("A_prev", ("m", "n_H_prev", "n_W_prev", 3))
    Z = conv.conv2d(A, build.var("W", (2, 2, 3, 8)), build.var("b", (1, 1, 1, 8)), 2, 2)
    assert fmt_shape(Z.shape) == "(m, (n_H_prev + 2) // 2 + 1, (n_W_prev + 2) // 2 + 1, 8)"
    assert concrete(Z.shape, {"m": 10, "n_H_prev": 4, "n_W_prev": 7}) == (10, 4, 5, 8)
    P = conv.flatten(conv.max_pool(Z, 2))
    assert concrete(P.shape, {"m": 10, "n_H_prev": 4, "n_W_prev": 7}) == (10, 2 * 2 * 8)


def test_a_symbolic_batch_runs() -> None:
    model = cr.model(
        "Z = conv2d(X, W, stride=2, pad=1)\nJ = np.sum(Z * Z)",
        {"X": ("m", "n_H_prev", "n_W_prev", 2), "W": (3, 3, 2, 2)},
        wrt=["W"],
    )
    rng = np.random.default_rng(0)
    for shape in [(2, 5, 5, 2), (3, 8, 6, 2)]:
        values = {"X": rng.standard_normal(shape), "W": rng.standard_normal((3, 3, 2, 2))}
        assert crosscheck_model(model, values, tolerance=1e-9).passed


@pytest.mark.parametrize(
    ("source", "shapes", "words"),
    [
        ("conv2d(A, W, stride=1, pad=0)", {"A": (1, 2, 2, 3), "W": (3, 3, 3, 4)}, "larger than"),
        ("conv2d(A, W, stride=1, pad=0)", {"A": (1, 5, 5, 3), "W": (2, 2, 4, 4)}, "channels"),
        ("conv2d(A, W, stride=0, pad=0)", {"A": (1, 5, 5, 3), "W": (2, 2, 3, 4)}, "stride"),
        ("conv2d(A, W, stride=1, pad=0)", {"A": (5, 5, 3), "W": (2, 2, 3, 4)}, "rank 4"),
        ("max_pool(A, f=4, stride=1)", {"A": (1, 3, 3, 2)}, "larger than"),
    ],
)
def test_bad_input_gets_one_clear_error(source: str, shapes: dict, words: str) -> None:
    with pytest.raises(ShapeError) as e:
        cr.parse(f"np.sum({source})", shapes)
    assert words in str(e.value)
    assert "(" in str(e.value)  # the shapes are named
