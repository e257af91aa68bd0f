"""Every exported snippet is executed: NumPy against finite differences, PyTorch's custom backward
against torch autograd of the same forward, JAX's custom VJP against jax.grad (skipped without JAX).

The NumPy and PyTorch exports always run (torch is a test dependency); JAX is an optional extra.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

import chainrule as cr

GRADIENTS = [
    # expression, wrt, shapes (symbolic dimensions get sizes below)
    ("np.trace(A @ X @ B)", "X", {"A": (2, 3), "X": (3, 4), "B": (4, 2)}),
    ("x.T @ A @ x", "x", {"x": (3, 1), "A": (3, 3)}),
    ("np.linalg.norm(A @ x - b)**2", "x", {"A": (4, 3), "x": (3, 1), "b": (4, 1)}),
    ("np.log(np.linalg.det(X)) + np.trace(np.linalg.inv(X) @ A)", "X", {"X": (3, 3), "A": (3, 3)}),
    ("np.linalg.det(X)", "X", {"X": (3, 3)}),
    ("np.sum(np.tanh(W @ x))", "W", {"W": (3, 4), "x": (4, 1)}),
    ("np.sum(np.kron(A, B) * C)", "A", {"A": (2, 3), "B": (2, 2), "C": (4, 6)}),
    ("np.sum(np.diag(v) @ A) + np.sum(np.diag(A))", "v", {"v": (3, 1), "A": (3, 3)}),
    ("np.sum(sigmoid(W @ X) * s)", "W", {"W": (3, "n"), "X": ("n", "m"), "s": ()}),
    ("np.linalg.norm(X, 'fro') / np.trace(np.linalg.matrix_power(X, 2))", "X", {"X": (3, 3)}),
    ("logsumexp(W @ x, axis=0, keepdims=True)", "x", {"W": (4, 3), "x": (3, 1)}),
]
SIZES = {"n": 4, "m": 5}
IDS = [g[0] for g in GRADIENTS]


def arrays(shapes: dict, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in shapes.items():
        s = tuple(SIZES.get(d, d) for d in shape)
        a = rng.uniform(0.3, 1.3, s) * rng.choice([-1.0, 1.0], s)
        out[name] = a + 3 * np.eye(s[0]) if name == "X" and s[0] == s[1] else a
    return out


def central_differences(f, values: dict, wrt: str, h: float = 1e-6) -> np.ndarray:
    x, out = values[wrt], np.zeros_like(values[wrt])
    for idx in np.ndindex(np.shape(x)):
        step = np.zeros_like(x)
        step[idx] = h
        out[idx] = (f({**values, wrt: x + step}) - f({**values, wrt: x - step})) / (2 * h)
    return out


def run(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "<exported>", "exec"), namespace)  # noqa: S102 - our own exported code
    return namespace


def order(fn, values: dict) -> list:
    return [values[p] for p in inspect.signature(fn).parameters]


# -- NumPy ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("source, wrt, shapes", GRADIENTS, ids=IDS)
def test_numpy_export_matches_finite_differences(source: str, wrt: str, shapes: dict) -> None:
    g = cr.grad(source, wrt, shapes)
    f_and_grad = run(cr.export(g, to="numpy"))["f_and_grad"]
    v = arrays(shapes)
    value, grad = f_and_grad(**v)
    assert np.isclose(np.squeeze(value), g.value(**v))
    fd = central_differences(lambda a: float(np.squeeze(f_and_grad(**a)[0])), v, wrt)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grad, g(**v), rtol=1e-12)


def test_numpy_export_asserts_shapes() -> None:
    g = cr.grad("np.trace(A @ X @ B)", "X", {"A": (2, 3), "X": (3, "n"), "B": ("n", 2)})
    f_and_grad = run(cr.export(g))["f_and_grad"]
    v = arrays({"A": (2, 3), "X": (3, 4), "B": (4, 2)})
    with pytest.raises(AssertionError, match="B has shape"):
        f_and_grad(**{**v, "B": np.ones((5, 2))})


# -- PyTorch --------------------------------------------------------------------------------------
def torch_gradients(fn, values: dict) -> dict[str, np.ndarray]:
    tensors = {k: torch.tensor(a, requires_grad=True) for k, a in values.items()}
    fn(**tensors).sum().backward()
    return {k: t.grad.numpy() for k, t in tensors.items()}


@pytest.mark.parametrize("source, wrt, shapes", GRADIENTS, ids=IDS)
def test_torch_export_backward_is_the_derived_formula(source: str, wrt: str, shapes: dict) -> None:
    g = cr.grad(source, wrt, shapes)
    module = run(cr.export(g, to="torch"))
    v = arrays(shapes)
    ours, autograd = torch_gradients(module["f"], v), torch_gradients(module["f_plain"], v)
    for name in v:
        np.testing.assert_allclose(ours[name], autograd[name], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours[wrt], g(**v), rtol=1e-9)


def test_torch_export_runs_under_gradcheck() -> None:
    g = cr.grad("np.log(np.linalg.det(X)) + np.sum(X * A)", "X", {"X": (3, 3), "A": (3, 3)})
    f = run(cr.export(g, to="torch"))["f"]
    v = arrays({"X": (3, 3), "A": (3, 3)})
    args = tuple(torch.tensor(v[k], requires_grad=True) for k in ("X", "A"))
    assert torch.autograd.gradcheck(f, args)


# -- JAX ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


@pytest.mark.parametrize("source, wrt, shapes", GRADIENTS, ids=IDS)
def test_jax_export_custom_vjp(jax, source: str, wrt: str, shapes: dict) -> None:
    g = cr.grad(source, wrt, shapes)
    module = run(cr.export(g, to="jax"))
    v = arrays(shapes)
    args = [jax.numpy.asarray(a) for a in order(module["f"], v)]
    argnums = tuple(range(len(args)))
    ours = jax.grad(lambda *a: module["f"](*a).sum(), argnums)(*args)
    plain = jax.grad(lambda *a: module["f_plain"](*a).sum(), argnums)(*args)
    for a, b in zip(ours, plain, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-9, atol=1e-12)
    where = list(inspect.signature(module["f"]).parameters).index(wrt)
    np.testing.assert_allclose(np.asarray(ours[where]), g(**v), rtol=1e-9)


# -- networks -------------------------------------------------------------------------------------
NETWORKS = [
    dict(layers=[2, 4, 1], hidden="tanh", output="sigmoid", loss="bce"),
    dict(layers=[3, 4, 3, 3], hidden="relu", output="softmax", loss="ce"),
    dict(layers=[2, 3, 2], hidden="sigmoid", output="linear", loss="mse", l2=0.1),
]


def network_values(net: cr.Network, m: int = 5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    n_x, n_y = net.spec.layers[0], net.spec.layers[-1]
    X = rng.normal(size=(n_x, m))
    Y = (
        np.eye(n_y)[:, rng.integers(0, n_y, m)]
        if net.spec.output == "softmax"
        else rng.uniform(0.1, 0.9, (n_y, m))
    )
    return net.values(net.init(seed=0, scale=0.5), X, Y)


@pytest.mark.parametrize("spec", NETWORKS, ids=lambda s: "-".join(map(str, s["layers"])))
def test_network_exports(spec: dict) -> None:
    net = cr.mlp(**spec)
    v = network_values(net)
    J, grads = run(cr.export(net, to="numpy"))["cost_and_grad"](**v)
    params = {k: v[k] for k in net.program.params}
    reference = net.gradients(params, v["X"], v["Y"])
    assert np.isclose(J, net.cost(params, v["X"], v["Y"]))
    assert set(grads) == {"d" + p for p in net.program.params}
    for name, value in grads.items():
        np.testing.assert_allclose(value, reference[name], rtol=1e-10, atol=1e-12)
    module = run(cr.export(net, to="torch"))
    ours, autograd = torch_gradients(module["cost"], v), torch_gradients(module["cost_plain"], v)
    for name in v:
        np.testing.assert_allclose(ours[name], autograd[name], rtol=1e-8, atol=1e-12)


def test_network_jax_export(jax) -> None:
    net = cr.mlp([2, 3, 1], hidden="tanh", output="sigmoid", loss="bce")
    module = run(cr.export(net, to="jax"))
    args = [jax.numpy.asarray(a) for a in order(module["cost"], network_values(net))]
    argnums = tuple(range(len(args)))
    ours = jax.grad(module["cost"], argnums)(*args)
    plain = jax.grad(module["cost_plain"], argnums)(*args)
    for a, b in zip(ours, plain, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-9, atol=1e-12)


# -- what the code says, and what cannot be exported ----------------------------------------------
def test_exported_code_states_its_formulas() -> None:
    g = cr.grad("np.linalg.det(X)", "X", {"X": (3, 3)})
    source = cr.export(g, to="torch")
    assert "∂f/∂X = det(X) X⁻ᵀ" in source and "torch.autograd.Function" in source
    assert "torch.linalg.inv(X).T" in source
    assert "@jax.custom_vjp" in cr.export(g, to="jax")


def test_cli_emits_code(capsys: pytest.CaptureFixture) -> None:
    from chainrule.cli import main

    shapes = ["--shape", "A=2x3", "--shape", "X=3x4", "--shape", "B=4x2"]
    assert main(["derive", "np.trace(A @ X @ B)", "--wrt", "X", *shapes, "--emit", "numpy"]) == 0
    out = capsys.readouterr().out
    assert "def f_and_grad(A, X, B):" in out and "dX = A.T @ B.T" in out


def test_export_errors() -> None:
    g = cr.grad("np.sum(x)", "x", {"x": (3, 1)})
    with pytest.raises(cr.SpecError, match="matlab"):
        cr.export(g, to="matlab")
    with pytest.raises(cr.SpecError, match="cannot export"):
        cr.export(42)
