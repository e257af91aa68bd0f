"""``cr.model``: a forward pass written as NumPy statements, read (never run) and derived.

Gradients are checked against PyTorch autograd of the same computation written in torch by hand,
and against central differences of the cost; errors must name the line and the column.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ParseError, ShapeError, UnknownFunctionError, UnknownNameError

torch = pytest.importorskip("torch")

TWO_LAYER = """
Z1 = W1 @ X + b1
A1 = np.tanh(Z1)
Z2 = W2 @ A1 + b2
A2 = sigmoid(Z2)
J = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m
"""
SHAPES = {"X": (3, "m"), "Y": (1, "m"), "W1": (4, 3), "b1": (4, 1), "W2": (1, 4), "b2": (1, 1)}


def two_layer_values(m: int = 5, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    v = {k: rng.standard_normal(tuple(m if d == "m" else d for d in s)) for k, s in SHAPES.items()}
    v["Y"] = (rng.random((1, m)) > 0.5).astype(float)
    return v


def torch_two_layer(v: dict) -> dict:
    t = {k: torch.tensor(a, requires_grad=True) for k, a in v.items()}
    A1 = torch.tanh(t["W1"] @ t["X"] + t["b1"])
    A2 = torch.sigmoid(t["W2"] @ A1 + t["b2"])
    m = v["X"].shape[1]
    J = -(t["Y"] * torch.log(A2) + (1 - t["Y"]) * torch.log(1 - A2)).sum() / m
    J.backward()
    return {"d" + k: x.grad.numpy() for k, x in t.items() if k.startswith(("W", "b"))}


def test_a_string_model_agrees_with_torch() -> None:
    net = cr.model(TWO_LAYER, SHAPES, wrt=["W1", "b1", "W2", "b2"])
    v = two_layer_values()
    ours, ref = net.gradients(v), torch_two_layer(v)
    assert set(ours) == {"dW1", "db1", "dW2", "db2"}
    for k in ours:
        np.testing.assert_allclose(ours[k], ref[k], rtol=1e-10, atol=1e-12, err_msg=k)


def test_every_named_intermediate_gets_a_named_gradient() -> None:
    net = cr.model(TWO_LAYER, SHAPES, wrt=["W1"])
    assert {"dZ1", "dA1", "dZ2", "dA2", "dW1"} <= set(net.quantities)
    from chainrule.printers.text import text

    assert text(net.derive()["dZ2"].expr) == "(1/m) (A2 − Y)"  # σ with cross-entropy, per J


def forward(X, W1, b1, W2, b2, Y):  # noqa: ANN001, ANN201, N803 - read as source, never called
    """A function's source is read with inspect and parsed; its body is never executed."""
    Z1 = W1 @ X + b1
    A1 = np.tanh(Z1)
    Z2 = W2 @ A1 + b2
    A2 = sigmoid(Z2)  # noqa: F821 - a name of the model language
    return -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m  # noqa: F821


def test_a_function_model_is_read_not_run() -> None:
    net = cr.model(forward, SHAPES, wrt=["W1", "b2"])
    assert net.name == "forward" and net.program.output == "J"
    v = two_layer_values(7, 1)
    ours, ref = net.gradients(v), torch_two_layer(v)
    np.testing.assert_allclose(ours["dW1"], ref["dW1"], rtol=1e-10)
    np.testing.assert_allclose(ours["db2"], ref["db2"], rtol=1e-10)


def test_finite_differences_of_the_cost() -> None:
    net = cr.model(TWO_LAYER, SHAPES, wrt=["W1", "X"])
    v = two_layer_values(4, 2)
    g, h = net.gradients(v), 1e-6
    for k in ("W1", "X"):
        fd = np.zeros_like(v[k])
        for i in np.ndindex(v[k].shape):
            up, down = {**v, k: v[k].copy()}, {**v, k: v[k].copy()}
            up[k][i] += h
            down[k][i] -= h
            fd[i] = (net.cost(up) - net.cost(down)) / (2 * h)
        np.testing.assert_allclose(g["d" + k], fd, rtol=1e-6, atol=1e-8, err_msg=k)


def test_softmax_over_an_axis_and_log_softmax_agree_with_torch() -> None:
    net = cr.model(
        """
        P = softmax(S, axis=-1)
        L = log_softmax(T, axis=0)
        J = np.sum(P * G) + np.sum(L * H)
        """,
        {"S": (3, 4), "G": (3, 4), "T": (3, 4), "H": (3, 4)},
        wrt=["S", "T"],
    )
    rng = np.random.default_rng(3)
    v = {k: rng.standard_normal((3, 4)) for k in "SGTH"}
    t = {k: torch.tensor(a, requires_grad=True) for k, a in v.items()}
    J = (torch.softmax(t["S"], -1) * t["G"]).sum() + (torch.log_softmax(t["T"], 0) * t["H"]).sum()
    J.backward()
    g = net.gradients(v)
    np.testing.assert_allclose(g["dS"], t["S"].grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(g["dT"], t["T"].grad.numpy(), atol=1e-12)


def test_where_with_a_mask_and_division_with_broadcasting() -> None:
    net = cr.model(
        "R = np.where(M, X, 0.5) / np.sum(X * X, axis=0, keepdims=True)\nJ = np.sum(R ** 3)",
        {"X": (3, 4), "M": (3, 4)},
        wrt=["X"],
    )
    rng = np.random.default_rng(4)
    v = {"X": rng.standard_normal((3, 4)), "M": (rng.random((3, 4)) > 0.5).astype(float)}
    x = torch.tensor(v["X"], requires_grad=True)
    mask = torch.tensor(v["M"]).bool()
    R = torch.where(mask, x, torch.tensor(0.5, dtype=torch.float64)) / (x * x).sum(0, keepdim=True)
    (R**3).sum().backward()
    np.testing.assert_allclose(net.gradients(v)["dX"], x.grad.numpy(), rtol=1e-10)


def test_explain_and_source() -> None:
    net = cr.model(TWO_LAYER, SHAPES, wrt=["W1"])
    text = str(net.explain("dZ1"))
    assert "dZ1" in text and "they agree" in text
    assert "def gradients(" in net.source() and "dZ1 = " in net.source()


# -- bad input: one error, with line and column -------------------------------------------------
@pytest.mark.parametrize(
    ("source", "error", "message", "col"),
    [
        ("A = W @ X\nfor i in range(3):\n    A = A + 1\nJ = np.sum(A)", ParseError,
         "line 2: a for loop is not part of the model language", 1),
        ("A = W @ X\nJ = np.sum(A.real)", ParseError, "line 2: attribute .real", 12),
        ("A = W @ X\nJ = np.sum(np.frobnicate(A))", UnknownFunctionError,
         "line 2: unknown function 'np.frobnicate'", 12),
        ("A = W @ X\nA = A.T\nJ = np.sum(A)", ParseError,
         "line 2: A is already defined by an earlier line (shape (4, 5), now (5, 4))", 1),
        ("A = W @ X\nJ = np.sum(A @ W)", ShapeError, "line 2: A @ W: (4, 5) @ (4, 3)", 12),
        ("A = W @ X\nJ = np.sum(B)", ParseError, "line 2: unknown name 'B'", 12),
        ("A = W @ X\nA += 1\nJ = np.sum(A)", ParseError, "line 2: an augmented assignment", 1),
        ("A = W @ X\nJ = np.sum(A) +", ParseError, "line 2: syntax error", None),
    ],
)  # fmt: skip
def test_statements_outside_the_language(source, error, message, col) -> None:  # noqa: ANN001
    with pytest.raises(error) as e:
        cr.model(source, {"W": (4, 3), "X": (3, 5)})
    assert e.value.message.startswith(message) or str(e.value).startswith(message)
    if col is not None:
        assert f"at column {col}" in str(e.value)
        assert str(e.value).splitlines()[1].strip() == source.splitlines()[int(message[5]) - 1]


def test_the_output_must_be_a_scalar() -> None:
    with pytest.raises(ShapeError, match="output A has shape \\(4, 5\\), not a scalar"):
        cr.model("A = W @ X", {"W": (4, 3), "X": (3, 5)})


def test_wrt_must_be_an_input() -> None:
    with pytest.raises(UnknownNameError, match="'V'"):
        cr.model("J = np.sum(W @ X)", {"W": (4, 3), "X": (3, 5)}, wrt=["V"])


def test_the_source_is_never_executed(tmp_path) -> None:  # noqa: ANN001
    marker = tmp_path / "ran"
    with pytest.raises(ParseError):
        cr.model(f"J = open({str(marker)!r}, 'w')", {})
    assert not marker.exists()


# -- exports: the printed code runs in NumPy, PyTorch and JAX, agrees with torch autograd -------
BN = """
mu = np.mean(Z, axis=1, keepdims=True)
var = np.var(Z, axis=1, keepdims=True)
Z_norm = (Z - mu) / np.sqrt(var + eps)
J = np.sum((gamma * Z_norm + beta) * G)
"""
BN_SHAPES = {"Z": ("n", "m"), "gamma": ("n", 1), "beta": ("n", 1), "G": ("n", "m")}


def _exec(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "<exported>", "exec"), namespace)  # noqa: S102 - our own exported code
    return namespace


def _bn_reference(v: dict) -> dict:
    t = {k: torch.tensor(a, requires_grad=True) for k, a in v.items() if k != "eps"}
    out = torch.nn.functional.batch_norm(
        t["Z"].T, None, None, t["gamma"].ravel(), t["beta"].ravel(), training=True, eps=1e-5
    )
    (out * t["G"].T).sum().backward()
    return {"d" + k: x.grad.numpy() for k, x in t.items()}


@pytest.mark.parametrize("target", ["numpy", "torch", "jax"])
def test_exports_run_and_agree_with_torch(target: str) -> None:
    bn = cr.model(BN, BN_SHAPES, wrt=["Z", "gamma", "beta"], constants={"eps": 1e-5})
    source = cr.export(bn, target)
    foreign = r"(?<![j.\w])np\." if target != "numpy" else r"\b(torch|jnp)\."
    assert not re.search(foreign, source), "a printer fell back to another language"
    rng = np.random.default_rng(11)
    v = {k: rng.standard_normal((3, 6 if s[1] == "m" else 1)) for k, s in BN_SHAPES.items()}
    v["eps"] = 1e-5
    ref = _bn_reference(v)
    ns = _exec(source)
    order = ["Z", "gamma", "beta", "G", "eps"]
    if target == "numpy":
        _, grads = ns["cost_and_grad"](*(v[k] for k in order))
    elif target == "torch":
        ts = [torch.tensor(v[k], dtype=torch.float64, requires_grad=True) for k in order]
        ns["cost"](*ts).backward()
        grads = {"d" + k: t.grad.numpy() for k, t in zip(order, ts, strict=True)}
    else:
        jax = pytest.importorskip("jax")
        jax.config.update("jax_enable_x64", True)
        g = jax.grad(ns["cost"], argnums=(0, 1, 2))(*(np.asarray(v[k]) for k in order))
        grads = {"dZ": g[0], "dgamma": g[1], "dbeta": g[2]}
    for k in ("dZ", "dgamma", "dbeta"):
        np.testing.assert_allclose(np.asarray(grads[k]), ref[k], atol=1e-10, err_msg=k)


def test_gradcheck_and_crosscheck_take_a_model() -> None:
    bn = cr.model(BN, BN_SHAPES, wrt=["Z", "gamma", "beta"], constants={"eps": 1e-5})
    v = bn.example({"n": 3, "m": 5}, seed=2)
    g = cr.gradcheck(bn, v)
    assert g.passed and {r.name for r in g.rows} >= {"dZ", "dgamma", "dbeta", "dZ_norm", "dvar"}
    c = cr.crosscheck(bn, v)
    assert c.passed and c.overall < 1e-12


def test_gradcheck_of_a_model_catches_a_wrong_gradient(monkeypatch) -> None:  # noqa: ANN001
    bn = cr.model(BN, BN_SHAPES, wrt=["Z"], constants={"eps": 1e-5})
    v = bn.example({"n": 2, "m": 4}, seed=3)
    right = bn.step
    # the staged textbook slip: forgetting the path through the mean (dZ without (1/m) dmu)
    monkeypatch.setattr(bn, "step", lambda values: {**right(values), "dZ": right(values)["dZ_norm"]
                        / np.sqrt(right(values)["var"] + 1e-5)})  # fmt: skip
    report = cr.gradcheck(bn, v)
    assert not report.passed and report["dZ"].difference > 1e-3 and report["dZ_norm"].passed
