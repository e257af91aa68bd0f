"""Every primitive and every elementwise function, one line each, against central differences.

A line is a scalar expression that uses the primitive, the shapes of its variables and the variable
to differentiate by. The reference is NumPy itself: the same NumPy text is evaluated by NumPy (with
the few non-NumPy names the language knows, written out independently below), and its gradient is
estimated by central differences in float64. chainrule's derived gradient is checked twice: the
compiled NumPy code ``g(**arrays)`` and the reference interpreter on the derived formula.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import sympy

import chainrule as cr
from chainrule import scalar
from chainrule.evaluate import evaluate
from chainrule.ir import build, walk
from chainrule.ir.expr import LEAF_OPS, Expr
from chainrule.rules.primitives import PRIMITIVES, READING

IR_MODULES = sorted(Path(build.__file__).parent.glob("*.py"))

SHAPES = {
    "A": (2, 3),
    "B": (3, 4),
    "C": (2, 3),
    "R": (2, 3),
    "Q": (2, 4),
    "S": (3, 2),
    "T": (1, 1),
    "b": (2, 1),
    "r": (1, 3),
    "s": (),
    "M": (3, 3),
    "N": (3, 3),
    "P": (2, 2),
    "K": (4, 6),
    "I": (2, 5, 4, 2),  # an image batch (m, n_H, n_W, n_C), channels last
    "F": (3, 3, 2, 3),  # a filter bank (f, f, n_C_prev, n_C)
    "Y": (2, 3, 2, 3),  # conv2d(I, F, stride=2, pad=1)'s shape
    "U": (2, 2, 2, 2),  # a 2×2/stride-2 pooling of I
    "V": (2, 40),  # flatten(I)
    "E": (4, 3),  # [A; Sᵀ]
    "H": (3, 3),
}


def _windows(x, f, s, p=0):
    """(i, h, w, window) for every window of the padded x, written as the course's loops."""
    x = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    n_h, n_w = (x.shape[1] - f) // s + 1, (x.shape[2] - f) // s + 1
    for i in range(x.shape[0]):
        for h in range(n_h):
            for w in range(n_w):
                yield i, h, w, (i, slice(h * s, h * s + f), slice(w * s, w * s + f))


def _conv_ref(x, W, stride=1, pad=0):
    n = [(d + 2 * pad - W.shape[0]) // stride + 1 for d in x.shape[1:3]]
    out = np.zeros((x.shape[0], *n, W.shape[3]))
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for i, h, w, win in _windows(x, W.shape[0], stride, pad):
        for c in range(W.shape[3]):
            out[i, h, w, c] = np.sum(padded[win] * W[:, :, :, c])
    return out


def _conv_dA_ref(dZ, W, stride, pad, n_H_prev, n_W_prev):
    """The course's scatter: each output position sends W·dZ back over its window."""
    x = np.zeros((dZ.shape[0], n_H_prev + 2 * pad, n_W_prev + 2 * pad, W.shape[2]))
    for i, h, w, win in _windows(x, W.shape[0], stride):
        if h < dZ.shape[1] and w < dZ.shape[2]:
            x[win] += np.sum(W * dZ[i, h, w], axis=3)
    return x[:, pad : pad + n_H_prev, pad : pad + n_W_prev]


def _conv_dW_ref(x, dZ, stride, pad, f):
    """The course's dW: the input windows times dZ, accumulated."""
    dW = np.zeros((f, f, x.shape[3], dZ.shape[3]))
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for i, h, w, win in _windows(x, f, stride, pad):
        dW += padded[win][:, :, :, None] * dZ[i, h, w]
    return dW


def _avg_back_ref(dA, f, stride, n_H_prev, n_W_prev):
    x = np.zeros((dA.shape[0], n_H_prev, n_W_prev, dA.shape[3]))
    for i, h, w, win in _windows(x, f, stride):
        x[win] += dA[i, h, w] / f**2
    return x


def _pool_ref(reduce):
    def pool(x, f=2, stride=None):
        s = stride or f
        n = [(d - f) // s + 1 for d in x.shape[1:3]]
        out = np.zeros((x.shape[0], *n, x.shape[3]))
        for i, h, w, win in _windows(x, f, s):
            out[i, h, w] = reduce(x[win], axis=(0, 1))
        return out

    return pool


# NumPy has no sigmoid, relu, softplus or leaky relu; these are the textbook definitions.
NON_NUMPY = {
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "relu": lambda x: np.where(x > 0, x, 0.0),
    "softplus": lambda x: np.log(1.0 + np.exp(x)),
    "leaky_relu": lambda x, alpha=0.01: np.where(x > 0, x, alpha * x),
    "conv2d": _conv_ref,
    "max_pool": _pool_ref(np.max),
    "avg_pool": _pool_ref(np.mean),
    "flatten": lambda x: x.reshape(x.shape[0], -1),
    "conv2d_backward_input": _conv_dA_ref,
    "conv2d_backward_filter": _conv_dW_ref,
    "avg_pool_backward": _avg_back_ref,
}


def _eigen_ref(h, dh):
    """f(X) = V h(Λ) V⁻¹ and L_f(A, E) = V (F ⊙ V⁻¹ E V) V⁻¹ (Daleckiĭ–Kreĭn; F the divided
    differences of f on the eigenvalues): the textbook formulas for a diagonalizable matrix with
    distinct eigenvalues, independent of SciPy's algorithms and of chainrule's block identity."""

    def f(X):
        lam, V = np.linalg.eig(X)
        return np.real(V @ np.diag(h(lam)) @ np.linalg.inv(V))

    def frechet(A, E):
        lam, V = np.linalg.eig(A)
        d = lam[:, None] - lam[None, :]
        same = np.abs(d) < 1e-12
        F = np.where(same, dh(lam)[:, None], (h(lam)[:, None] - h(lam)[None, :]) / (d + same))
        Vi = np.linalg.inv(V)
        return np.real(V @ (F * (Vi @ E @ V)) @ Vi)

    return f, frechet


MATRIX_FUNCTIONS = {
    "expm": _eigen_ref(np.exp, np.exp),
    "logm": _eigen_ref(np.log, lambda z: 1 / z),
    "sqrtm": _eigen_ref(np.sqrt, lambda z: 0.5 / np.sqrt(z)),
    "sinm": _eigen_ref(np.sin, np.cos),
    "cosm": _eigen_ref(np.cos, lambda z: -np.sin(z)),
}
for _name, (_f, _frechet) in MATRIX_FUNCTIONS.items():
    NON_NUMPY[_name] = _f
    NON_NUMPY[f"frechet_{_name}"] = _frechet

PRIMITIVE_LINES = [
    # (what it checks, a scalar expression in NumPy syntax, the variable differentiated by)
    ("matmul, left", "np.sum((A @ B) * Q)", "A"),
    ("matmul, right", "np.sum((A @ B) * Q)", "B"),
    ("transpose", "np.sum(A.T * S)", "A"),
    ("add, left", "np.sum((A + C) * R)", "A"),
    ("add, right", "np.sum((A + C) * R)", "C"),
    ("mul, left", "np.sum(A * C * R)", "A"),
    ("mul, right", "np.sum(A * C * R)", "C"),
    ("scale, the matrix", "np.sum(s * A * R)", "A"),
    ("scale, the scalar", "np.sum(s * A * R)", "s"),
    ("broadcast columns", "np.sum((A + b) * R)", "b"),
    ("broadcast rows", "np.sum((A + r) * R)", "r"),
    ("broadcast scalar", "np.sum((A + s) * R)", "s"),
    ("sum axis 0", "np.sum(np.sum(A * R, axis=0, keepdims=True) * r)", "A"),
    ("sum axis 1", "np.sum(np.sum(A * R, axis=1, keepdims=True) * b)", "A"),
    ("sum all", "np.sum(A * R) ** 2", "A"),
    ("sum all, keepdims", "np.sum(np.sum(A * R, keepdims=True) * T)", "A"),
    ("fn", "np.sum(np.tanh(A) * R)", "A"),
    ("inv", "np.sum(np.linalg.inv(M + 3 * np.eye(3)) * N)", "M"),
    ("det", "np.linalg.det(M + 3 * np.eye(3))", "M"),
    ("blocks (kron), left", "np.sum(np.kron(A, P) * K)", "A"),
    ("blocks (kron), right", "np.sum(np.kron(A, P) * K)", "P"),
    ("division", "np.sum(A / C * R)", "C"),
    ("subtraction", "np.sum((A - C) ** 2)", "C"),
    ("mean", "np.sum(np.mean(A, axis=1, keepdims=True) * b)", "A"),
    ("steps add as numbers", "np.sum(relu(A) + relu(A + 2))", "A"),  # not True + True = True
    ("a negated step", "np.sum(A - relu(s))", "s"),
    ("leaky steps add", "np.sum(leaky_relu(A) + leaky_relu(A + 2, alpha=0.2))", "A"),
    ("spread over both axes", "np.sum(np.mean(A, axis=0, keepdims=True) * A * T)", "A"),
    ("conv2d, the input", "np.sum(conv2d(I, F, stride=2, pad=1) * Y)", "I"),
    ("conv2d, the filters", "np.sum(conv2d(I, F, stride=2, pad=1) * Y)", "F"),
    ("max pooling", "np.sum(max_pool(I, f=2, stride=2) * U)", "I"),
    ("average pooling", "np.sum(avg_pool(I, f=2, stride=2) * U)", "I"),
    ("flatten", "np.sum(flatten(I) * V)", "I"),
    ("stack, the top part", "np.sum(np.concatenate((A, S.T), axis=0) * E)", "A"),
    ("stack, the bottom part", "np.sum(np.concatenate((A, S.T), axis=0) * E)", "S"),
    ("first rows", "np.sum(np.tanh(M[:2]) * R)", "M"),
    ("last rows", "np.sum(np.tanh(M[1:]) * R)", "M"),
    # the backward operations, differentiated by their inputs (the references are the forward
    # ones: conv2d_backward_input(D, F) = ∂/∂I Σ conv2d(I, F) ⊙ D, and so on)
    (
        "conv2d's input gradient",
        "np.sum(conv2d_backward_input(Y, F, stride=2, pad=1, n_H_prev=5, n_W_prev=4) * I)",
        "Y",
    ),
    (
        "conv2d's filter gradient",
        "np.sum(conv2d_backward_filter(I, Y, stride=2, pad=1, f=3) * F)",
        "Y",
    ),
    (
        "average pooling's gradient",
        "np.sum(avg_pool_backward(U, f=2, stride=2, n_H_prev=5, n_W_prev=4) * I)",
        "U",
    ),
    # the matrix functions at M + 3 I (eigenvalues off (−∞, 0]) and their Fréchet derivatives
    *((f, f"np.sum({f}(M + 3 * np.eye(3)) * N)", "M") for f in ("expm", "logm", "sqrtm")),
    *((f, f"np.sum({f}(M) * N)", "M") for f in ("sinm", "cosm")),
    *(
        (f"frechet_{f}, {x}", f"np.sum(frechet_{f}(M + 3 * np.eye(3), N) * H)", x)
        for f in ("expm", "logm", "sqrtm", "sinm", "cosm")
        for x in ("M", "N")
    ),
]

# The NumPy meaning of each elementwise function, written independently of chainrule's records.
FUNCTION_REFERENCE = {
    "sigmoid": NON_NUMPY["sigmoid"],
    "tanh": np.tanh,
    "relu": NON_NUMPY["relu"],
    "step": lambda x: np.where(x > 0, 1.0, 0.0),
    "softplus": NON_NUMPY["softplus"],
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "sign": np.sign,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "cbrt": np.cbrt,
    "cosh": np.cosh,
    "sinh": np.sinh,
    "log1p": np.log1p,
    "expm1": np.expm1,
    "arctanh": np.arctanh,
    "arctan": np.arctan,
    "arcsinh": np.arcsinh,
}
INSIDE_ONE = {"arctanh"}
POSITIVE = {"log", "sqrt", "log1p"}  # drawn in (0, ∞); the others away from 0 (kinks) and ±π/2


def numeric_gradient(f, arrays: dict[str, np.ndarray], wrt: str, h: float = 1e-6) -> np.ndarray:
    """Central differences (f(x + h e) − f(x − h e)) / 2h, entry by entry, in float64."""
    x = np.array(arrays[wrt], dtype=np.float64)
    out = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += h
        minus[idx] -= h
        out[idx] = (f({**arrays, wrt: plus}) - f({**arrays, wrt: minus})) / (2 * h)
    return out


def relative_error(g: np.ndarray, reference: np.ndarray) -> float:
    return float(np.linalg.norm(g - reference) / max(np.linalg.norm(reference), 1e-8))


def random_arrays(shapes: dict[str, tuple], seed: int, positive: bool = False) -> dict:
    """Entries of size 0.3 to 1.3 with random signs (positive if asked): away from every kink."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in shapes.items():
        size = rng.uniform(0.3, 1.3, shape)
        out[name] = size if positive else size * rng.choice([-1.0, 1.0], shape)
    return out


def check_gradient(expr: Expr, wrt: str, reference, arrays: dict) -> None:
    """Derived gradient (compiled code and interpreter) vs central differences of ``reference``."""
    g = cr.grad(expr, wrt=wrt)
    fd = numeric_gradient(reference, arrays, wrt)
    compiled = g(**arrays)
    interpreted = evaluate(g.expr, arrays, {})
    assert compiled.shape == np.shape(arrays[wrt])
    assert relative_error(compiled, fd) < 1e-6, (str(g), compiled, fd)
    assert relative_error(np.broadcast_to(interpreted, fd.shape), fd) < 1e-6, (str(g), fd)


def numpy_meaning(source: str):
    """The expression evaluated by NumPy itself (tests only: a fixed string of this file)."""
    code = compile(source, "<test expression>", "eval")
    return lambda arrays: float(eval(code, {"np": np, **NON_NUMPY}, dict(arrays)))  # noqa: S307


@pytest.mark.parametrize(("label", "source", "wrt"), PRIMITIVE_LINES, ids=lambda v: str(v))
def test_primitive_gradient(label: str, source: str, wrt: str) -> None:
    expr = cr.parse(source, SHAPES)
    arrays = random_arrays({v.name: v.shape for v in walk(expr) if v.op == "var"}, seed=1)
    reference = numpy_meaning(source)
    # the primitive's NumPy meaning (used by the interpreter) is NumPy's
    assert np.isclose(float(evaluate(expr, arrays, {})), reference(arrays), rtol=1e-12)
    check_gradient(expr, wrt, reference, arrays)


# the mask of max pooling is piecewise constant: its record refuses a derivative (test_conv.py
# checks it against PyTorch and the course's numbers as max pooling's gradient)
NO_DERIVATIVE = {"max_pool_backward"}


def test_every_primitive_has_a_line() -> None:
    used = {n.op for _, source, _ in PRIMITIVE_LINES for n in walk(cr.parse(source, SHAPES))}
    assert set(PRIMITIVES) - NO_DERIVATIVE <= used, set(PRIMITIVES) - used


def _function_line(
    record: scalar.ElementwiseFn, reference, positive: bool, seed: int = 2, scale: float = 1.0
):
    """sum(f(A) ⊙ R): the line every elementwise function gets (A's entries times ``scale``)."""
    A, R = build.var("A", (2, 3)), build.var("R", (2, 3))
    expr = build.sum_(build.fn(record, A) * R, None, keepdims=False)
    arrays = random_arrays({"A": (2, 3)}, seed, positive) | random_arrays({"R": (2, 3)}, seed + 1)
    arrays["A"] = arrays["A"] * scale
    check_gradient(expr, "A", lambda v: float(np.sum(reference(v["A"]) * v["R"])), arrays)


@pytest.mark.parametrize("name", sorted(scalar.FUNCTIONS))
def test_elementwise_function_gradient(name: str) -> None:
    scale = 0.7 if name in INSIDE_ONE else 1.0  # |A| ≤ 0.91: inside arctanh's domain (−1, 1)
    _function_line(scalar.FUNCTIONS[name], FUNCTION_REFERENCE[name], name in POSITIVE, scale=scale)


def test_every_elementwise_function_has_a_reference() -> None:
    assert set(FUNCTION_REFERENCE) == set(scalar.FUNCTIONS)


@pytest.mark.parametrize("k", [2, 3, -1, -2, 0.5, 1.5, -0.5, sympy.Rational(1, 3), 0])
def test_power_gradient(k: object) -> None:
    _function_line(scalar.power(k), lambda x: x ** float(k), positive=True)


@pytest.mark.parametrize("alpha", [0.01, 0.2])
def test_leaky_relu_gradient(alpha: float) -> None:
    _function_line(scalar.leaky_relu(alpha), lambda x: np.where(x > 0, x, alpha * x), False)


def test_custom_swish_gradient() -> None:
    z = sympy.Symbol("z")
    swish = scalar.custom("swish", z * scalar.sigmoid(z))
    _function_line(swish, lambda x: x / (1.0 + np.exp(-x)), positive=False)


def test_custom_function_of_functions_gradient() -> None:
    z = sympy.Symbol("z")
    f = scalar.custom("softsign_tanh", sympy.tanh(z) / (1 + sympy.Abs(z)) + scalar.softplus(z))
    reference = lambda x: np.tanh(x) / (1 + np.abs(x)) + np.log1p(np.exp(x))  # noqa: E731
    _function_line(f, reference, positive=False)


# -- the registry --------------------------------------------------------------------------------
def _built_ops() -> dict[str, int]:
    """op → number of inputs, read from every ``Expr("op", (inputs…), …)`` in the IR modules."""
    ops = {}
    calls = (n for f in IR_MODULES for n in ast.walk(ast.parse(f.read_text(encoding="utf-8"))))
    for node in calls:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "Expr"
            and isinstance(node.args[0], ast.Constant)
        ):
            assert isinstance(node.args[1], ast.Tuple), ast.unparse(node)
            ops[node.args[0].value] = len(node.args[1].elts)
    return ops


def test_the_builders_are_found() -> None:
    ops = _built_ops()
    assert ops["matmul"] == 2 and ops["transpose"] == 1 and ops["var"] == 0


@pytest.mark.parametrize("op", sorted(set(_built_ops()) - LEAF_OPS))
def test_every_built_op_has_a_complete_record(op: str) -> None:
    arity = _built_ops()[op]
    assert op in PRIMITIVES, f"no Primitive record for {op!r}"
    p = PRIMITIVES[op]
    assert p.op == op
    for field in ("title", "notation", "shape_rule", "rule", "justification", "index_form"):
        assert isinstance(getattr(p, field), str) and getattr(p, field).strip(), field
    assert p.shape_argument.strip()
    assert callable(p.build) and p.build.__module__.startswith("chainrule.ir.")
    assert callable(p.numpy)
    assert len(p.vjps) == arity and all(callable(v) for v in p.vjps)
    assert p.reading and set(p.reading) <= set(READING)


def test_no_record_without_a_builder() -> None:
    assert set(PRIMITIVES) <= set(_built_ops())


def test_every_rule_returns_its_inputs_shape() -> None:
    """Each VJP of each node in the lines above has the shape of the input it is the adjoint of."""
    for _, source, _ in PRIMITIVE_LINES:
        for node in walk(cr.parse(source, SHAPES)):
            if node.op in LEAF_OPS:
                continue
            g = build.var("G", node.shape)
            for arg, rule in zip(node.args, PRIMITIVES[node.op].vjps, strict=True):
                assert rule(g, node).shape == arg.shape, (node.op, source)


def test_gradient_keeps_float32_and_computes_mixes_in_float64() -> None:
    g = cr.grad("np.sum(np.tanh(W @ x))", "W", {"W": (3, 4), "x": (4, 1)})
    W32, x32 = np.full((3, 4), 0.1, np.float32), np.ones((4, 1), np.float32)
    assert g(W=W32, x=x32).dtype == np.float32
    assert g(W=W32.astype(np.float64), x=x32).dtype == np.float64
    # ∂/∂W Σ tanh(W x) = (1 − tanh(W x)²) xᵀ, here with every entry of W x equal to 0.4
    np.testing.assert_allclose(g(W=W32, x=x32), np.full((3, 4), 1 - np.tanh(0.4) ** 2), rtol=1e-6)
