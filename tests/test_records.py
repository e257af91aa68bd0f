"""Every op and every elementwise function, through every consumer, by name.

One table line per primitive, named composition and elementwise record gives its NumPy spelling
inside a scalar cost. Each line is parsed (the parser's spellings come from the records), printed in
every format (text, LaTeX, NumPy, PyTorch, JAX — a printer meeting something it cannot spell
raises, and the PyTorch and JAX code may not contain a NumPy call), exported and run in NumPy,
PyTorch and JAX, cross-checked against PyTorch autograd of the printed forward pass, compared with
central differences of the cost, and explained. A registry test fails when a record exists without
its line, so a half-added op cannot pass.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy

import chainrule as cr
from chainrule import scalar
from chainrule.check.crosscheck import torch_activation
from chainrule.check.model_check import crosscheck_model
from chainrule.ir.expr import walk
from chainrule.printers.jax_code import JaxPrinter
from chainrule.printers.latex import latex
from chainrule.printers.numpy_code import NumpyPrinter
from chainrule.printers.text import text
from chainrule.printers.torch_code import TorchPrinter
from chainrule.rules.primitives import PRIMITIVES

torch = pytest.importorskip("torch")

M = {"X": (3, 4), "G": (3, 4)}  # X is the argument, G weights the cost J = Σ f(X) ⊙ G
# elementwise record → its NumPy spelling of f(X), and the domain of X
FUNCTIONS = {
    "sigmoid": ("scipy.special.expit(X)", "any"),
    "tanh": ("np.tanh(X)", "any"),
    "relu": ("np.maximum(X, 0)", "any"),
    "step": ("np.heaviside(X, 0) * X", "any"),
    "softplus": ("np.logaddexp(0, X)", "any"),
    "exp": ("np.exp(X)", "any"),
    "log": ("np.log(X)", "positive"),
    "sqrt": ("np.sqrt(X)", "positive"),
    "abs": ("np.absolute(X)", "any"),
    "sign": ("np.sign(X) * X", "any"),
    "sin": ("np.sin(X)", "any"),
    "cos": ("np.cos(X)", "any"),
    "tan": ("np.tan(X)", "any"),
    "cbrt": ("np.cbrt(X)", "any"),
    "cosh": ("np.cosh(X)", "any"),
    "sinh": ("np.sinh(X)", "any"),
    "log1p": ("np.log1p(X)", "positive"),
    "expm1": ("np.expm1(X)", "any"),
    "arctanh": ("np.arctanh(X)", "unit"),
    "arctan": ("np.arctan(X)", "any"),
    "arcsinh": ("np.arcsinh(X)", "any"),
}
# records made by a function (parameters) and a user-defined one
MADE = {
    "power": ("X ** 3 + X ** -1 + np.sqrt(X) ** 3", "positive"),
    "leaky_relu": ("leaky_relu(X, 0.1)", "any"),
}
IMG = {"X": (2, 5, 4, 2), "W": (3, 3, 2, 3)}  # an image batch and a filter bank, channels last
# primitive op → (NumPy spelling of a scalar cost, shapes)
OPS = {
    "matmul": ("np.sum((W @ X) * H)", {"W": (2, 3), "X": (3, 4), "H": (2, 4)}),
    "transpose": ("np.sum(X.T * H)", {"X": (3, 4), "H": (4, 3)}),
    "add": ("np.sum((X + W) * G)", {"X": (3, 4), "W": (3, 4), "G": (3, 4)}),
    "mul": ("np.sum(X * W * G)", {"X": (3, 4), "W": (3, 4), "G": (3, 4)}),
    "scale": ("np.sum(s * X * G)", {"s": (), "X": (3, 4), "G": (3, 4)}),
    "broadcast": ("np.sum((X + b) * G)", {"X": (3, 4), "b": (3, 1), "G": (3, 4)}),
    "sum": ("np.sum(np.sum(X, axis=1, keepdims=True) * b)", {"X": (3, 4), "b": (3, 1)}),
    "fn": ("np.sum(np.tanh(X) * G)", M),
    "inv": ("np.sum(np.linalg.inv(X) * H)", {"X": (3, 3), "H": (3, 3)}),
    "det": ("np.linalg.det(X)", {"X": (3, 3)}),
    "blocks": ("np.sum(np.kron(A, B) * H)", {"A": (2, 3), "B": (2, 2), "H": (4, 6)}),
    "conv2d": ("np.sum(conv2d(X, W, stride=2, pad=1) * H)", {**IMG, "H": (2, 3, 2, 3)}),
    "conv2d_backward_input": (
        "np.sum(conv2d_backward_input(D, W, stride=2, pad=1, n_H_prev=5, n_W_prev=4) * H)",
        {"D": (2, 3, 2, 3), "W": (3, 3, 2, 3), "H": (2, 5, 4, 2)},
    ),
    "conv2d_backward_filter": (
        "np.sum(conv2d_backward_filter(X, D, stride=2, pad=1, f=3) * H)",
        {"X": (2, 5, 4, 2), "D": (2, 3, 2, 3), "H": (3, 3, 2, 3)},
    ),
    "max_pool": ("np.sum(max_pool(X, f=2, stride=1) * H)", {"X": (2, 5, 4, 2), "H": (2, 4, 3, 2)}),
    "max_pool_backward": (
        "np.sum(max_pool_backward(C, D, f=2, stride=2) * H)",
        {"D": (2, 2, 2, 2), "C": (2, 5, 4, 2), "H": (2, 5, 4, 2)},
    ),
    "avg_pool": ("np.sum(avg_pool(X, f=2, stride=1) * H)", {"X": (2, 5, 4, 2), "H": (2, 4, 3, 2)}),
    "avg_pool_backward": (
        "np.sum(avg_pool_backward(D, f=2, stride=2, n_H_prev=5, n_W_prev=4) * H)",
        {"D": (2, 2, 2, 2), "H": (2, 5, 4, 2)},
    ),
    "reshape": ("np.sum(flatten(X) * H)", {"X": (2, 5, 4, 2), "H": (2, 40)}),
    "vstack": (
        "np.sum(np.concatenate((A, B), axis=0) * H)",
        {"A": (2, 4), "B": (3, 4), "H": (5, 4)},
    ),
    "rows": (
        "np.sum(X[:2] * H) + np.sum(np.tanh(X[2:]) * G)",
        {"X": (5, 4), "H": (2, 4), "G": (3, 4)},
    ),
    # the matrix functions (X near 3 I: eigenvalues off (−∞, 0], as logm and sqrtm need) and their
    # Fréchet derivatives, which the backward pass calls
    **{
        f: (f"np.sum(scipy.linalg.{f}(X) * H)", {"X": (3, 3), "H": (3, 3)})
        for f in ("expm", "logm", "sqrtm", "sinm", "cosm")
    },
    **{
        f"frechet_{f}": (f"np.sum(frechet_{f}(X, E) * H)", {"X": (3, 3), "E": (3, 3), "H": (3, 3)})
        for f in ("expm", "logm", "sqrtm", "sinm", "cosm")
    },
}
# named compositions (printed with their own names) → (spelling, shapes)
NAMED = {
    "trace": ("np.trace(X @ X)", {"X": (3, 3)}),
    "diag": ("np.sum(np.diag(v) @ X)", {"v": (3, 1), "X": (3, 3)}),
    "diag_part": ("np.sum(np.diag(X) * v)", {"X": (3, 3), "v": (3, 1)}),
    "kron": ("np.sum(np.kron(A, B) * H)", {"A": (2, 3), "B": (2, 2), "H": (4, 6)}),
    "matrix_power": ("np.trace(np.linalg.matrix_power(X, 3))", {"X": (3, 3)}),
    "norm": ("np.linalg.norm(X)", {"X": (3, 4)}),
    "softmax": ("np.sum(softmax(X, axis=-1) * G)", M),
    "logsumexp": ("np.sum(logsumexp(X, axis=0, keepdims=True) * g)", {"X": (3, 4), "g": (1, 4)}),
    # x ** s with a variable exponent is exp(s log x), defined for x > 0
    "variable_power": ("np.sum(X**s * G + X**B)", {"X": (3, 4), "s": (), "B": (3, 4), "G": (3, 4)}),
}
DOMAINS = {"variable_power": "positive"}  # the domain of a named composition's draws, if not any


def _values(shapes: dict, domain: str = "any", seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for k, s in shapes.items():
        a = rng.uniform(0.3, 1.2, s) if domain != "unit" else rng.uniform(0.1, 0.8, s)
        if domain in ("any", "unit"):
            a = a * rng.choice([-1.0, 1.0], s)
        out[k] = a + (3 * np.eye(s[0]) if len(s) == 2 and s[0] == s[1] and k == "X" else 0)
    return out


def _case(source: str, shapes: dict) -> cr.Model:
    wrt = [k for k in shapes if k not in ("G", "H", "C")]  # C: max pooling's input, held fixed
    return cr.model(f"J = {source}", shapes, wrt=wrt)


def _through_every_consumer(model: cr.Model, values: dict) -> None:
    d = model.derive()
    # every printer spells every step; the framework printers never fall back to NumPy
    for s in d:
        text(s.expr), latex(s.expr), NumpyPrinter().shaped(s.expr)
        assert not re.search(r"(?<![\w.])np\.", TorchPrinter("X").shaped(s.expr))
        assert JaxPrinter().shaped(s.expr).count("np.") == JaxPrinter().shaped(s.expr).count("jnp.")
    # the derived gradients against central differences of the cost
    grads = model.gradients(values)
    for w in model.wrt:
        x, fd = np.array(values[w], dtype=np.float64), np.zeros(np.shape(values[w]))
        for i in np.ndindex(np.shape(x)):
            up, down = x.copy(), x.copy()
            up[i] += 1e-6
            down[i] -= 1e-6
            fd[i] = (model.cost({**values, w: up}) - model.cost({**values, w: down})) / 2e-6
        assert np.shape(grads["d" + w]) == np.shape(fd), w  # assert_allclose would broadcast
        np.testing.assert_allclose(grads["d" + w], fd, rtol=1e-5, atol=1e-6, err_msg=w)
    # PyTorch autograd of the forward pass printed with torch operations
    assert crosscheck_model(model, values, tolerance=1e-9).passed
    # the three exports run
    for target in ("numpy", "torch", "jax"):
        _run_export(model, target, values, grads)
    # and each wanted gradient is explained, with its own numeric check
    assert "they agree" in " ".join(str(model.explain("d" + model.wrt[0])).split())


def _run_export(model: cr.Model, target: str, values: dict, grads: dict) -> None:
    namespace: dict = {}
    exec(compile(cr.export(model, target), "<export>", "exec"), namespace)  # noqa: S102 - ours
    order = [v.name for v in model.program.inputs]
    if target == "numpy":
        got = namespace["cost_and_grad"](*(values[k] for k in order))[1]
    elif target == "torch":
        ts = [torch.tensor(values[k], requires_grad=True) for k in order]
        namespace["cost"](*ts).backward()
        got = {"d" + k: t.grad.numpy() for k, t in zip(order, ts, strict=True)}
    else:
        jax = pytest.importorskip("jax")
        jax.config.update("jax_enable_x64", True)
        idx = tuple(order.index(w) for w in model.wrt)
        g = jax.grad(namespace["cost"], argnums=idx)(*(np.asarray(values[k]) for k in order))
        got = {"d" + w: np.asarray(v) for w, v in zip(model.wrt, g, strict=True)}
    for w in model.wrt:
        assert np.shape(got["d" + w]) == np.shape(grads["d" + w]), (target, w)
        np.testing.assert_allclose(got["d" + w], grads["d" + w], rtol=1e-9, atol=1e-12, err_msg=w)


# -- the registry is complete: a record without its line fails here, by name ----------------------
def test_every_elementwise_record_has_a_line() -> None:
    assert set(FUNCTIONS) == set(scalar.FUNCTIONS)


def test_every_primitive_has_a_line() -> None:
    assert set(OPS) == set(PRIMITIVES)


def test_every_named_composition_has_a_line() -> None:
    ops = set(PRIMITIVES) | {"var", "const", "dim", "eye", "broadcast", "call"}
    printed = {n.removeprefix("_print_") for n in dir(NumpyPrinter) if n.startswith("_print_")}
    assert set(NAMED) == printed - ops


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_elementwise_record(name: str) -> None:
    source, domain = FUNCTIONS[name]
    model = _case(f"np.sum({source} * G)", M)
    assert any(
        n.op == "fn" and n.attrs[0].name == name for n in walk(model.program.equations[0].expr)
    )
    _through_every_consumer(model, _values(M, domain, seed=len(name)))
    record = scalar.FUNCTIONS[name]  # the network cross-check reads the same record
    z = torch.linspace(0.3, 1.2, 7, dtype=torch.float64)
    np.testing.assert_allclose(torch_activation(record)(z).numpy(), record.numpy(z.numpy()))


@pytest.mark.parametrize("name", sorted(MADE))
def test_made_record(name: str) -> None:
    source, domain = MADE[name]
    _through_every_consumer(_case(f"np.sum(({source}) * G)", M), _values(M, domain))


def test_a_custom_activation_has_every_spelling() -> None:
    z = sympy.Symbol("z")
    swish = cr.activation("swish_r", z * scalar.sigmoid(z) + sympy.tanh(z) ** 2)
    assert swish.torch is not None and "np." not in swish.torch
    x = torch.linspace(-2, 2, 9, dtype=torch.float64)
    np.testing.assert_allclose(torch_activation(swish)(x).numpy(), swish.numpy(x.numpy()))


# ops whose own rules refuse a (second) derivative, with the reason the record gives
REFUSED = {"max_pool_backward": "piecewise constant"}


@pytest.mark.parametrize("op", sorted(OPS))
def test_primitive(op: str) -> None:
    source, shapes = OPS[op]
    model = _case(source, shapes)
    assert any(n.op == op for eq in model.program.equations for n in walk(eq.expr))
    if op in REFUSED:
        with pytest.raises(cr.ChainruleError, match=REFUSED[op]):
            model.derive()
        return
    _through_every_consumer(model, _values(shapes))


@pytest.mark.parametrize("name", sorted(NAMED))
def test_named_composition(name: str) -> None:
    source, shapes = NAMED[name]
    _through_every_consumer(_case(source, shapes), _values(shapes, DOMAINS.get(name, "any")))


def test_a_printer_refuses_what_it_cannot_spell() -> None:
    from chainrule.errors import SpecError
    from chainrule.ir.expr import Expr

    odd = Expr("frobnicate", (), (2, 2))
    for printer in (NumpyPrinter(), TorchPrinter("X"), JaxPrinter()):
        with pytest.raises(SpecError, match="cannot print the operation 'frobnicate'"):
            printer.doprint(odd)
    with pytest.raises(SpecError, match="frobnicate"):
        text(odd)
