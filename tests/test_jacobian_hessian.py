"""``cr.jacobian`` and ``cr.hessian`` against central finite differences, plus their golden forms.

J_ij = ∂f_i/∂x_j (numerator layout, shape (n_out, n_in)); the denominator layout is its transpose.
The Hessian of a scalar f is the Jacobian of ∇f, H_ij = ∂²f/∂x_i∂x_j.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.evaluate import evaluate


def values(shapes: dict, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: rng.uniform(0.3, 1.3, s) * rng.choice([-1.0, 1.0], s) for k, s in shapes.items()}


def numeric_jacobian(f, arrays: dict, wrt: str, h: float = 1e-6) -> np.ndarray:
    """Column j is (f(x + h e_j) − f(x − h e_j)) / 2h, f flattened: numerator layout."""
    x, cols = arrays[wrt], []
    for idx in np.ndindex(np.shape(x)):
        step = np.zeros_like(x)
        step[idx] = h
        plus, minus = f({**arrays, wrt: x + step}), f({**arrays, wrt: x - step})
        cols.append((np.ravel(plus) - np.ravel(minus)) / (2 * h))
    return np.stack(cols, axis=1)


JACOBIANS = [
    # f, wrt, shapes
    ("np.tanh(W @ x)", "x", {"W": (3, 4), "x": (4, 1)}),
    ("A @ x + b", "x", {"A": (3, 4), "x": (4, 1), "b": (3, 1)}),
    ("x * x", "x", {"x": (3, 1)}),
    ("x * np.sum(x**2)", "x", {"x": (3, 1)}),
    ("np.outer(x, x) @ a", "x", {"x": (3, 1), "a": (3, 1)}),
    ("softmax(x, axis=0)", "x", {"x": (4, 1)}),
    ("x.T @ A", "x", {"x": (3, 1), "A": (3, 2)}),
    ("np.linalg.inv(X) @ b", "b", {"X": (3, 3), "b": (3, 1)}),
    ("x / np.linalg.norm(x)", "x", {"x": (3, 1)}),
    ("np.sin(x) * s", "s", {"x": (3, 1), "s": ()}),
    ("np.sum(x**3)", "x", {"x": (3, 1)}),
    ("(np.outer(x, x) * B) @ a", "x", {"x": (3, 1), "B": (3, 3), "a": (3, 1)}),  # column by column
]


@pytest.mark.parametrize("source, wrt, shapes", JACOBIANS, ids=[j[0] for j in JACOBIANS])
@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_jacobian_matches_finite_differences(
    source: str, wrt: str, shapes: dict, layout: str
) -> None:
    J = cr.jacobian(source, wrt, shapes, layout=layout)
    v = values(shapes)
    if "X" in v:
        v["X"] = v["X"] + 3 * np.eye(3)
    fd = numeric_jacobian(lambda a: evaluate(J.f, a, {}), v, wrt)
    got = J(**v)
    assert got.shape == (fd.shape if layout == "numerator" else fd.T.shape)
    np.testing.assert_allclose(got if layout == "numerator" else got.T, fd, rtol=1e-6, atol=1e-8)


def test_a_jacobian_that_is_not_read_off_is_still_computed() -> None:
    J = cr.jacobian("(np.outer(x, x) * B) @ a", "x", {"x": (3, 1), "B": (3, 3), "a": (3, 1)})
    assert J.expr is None and str(J).startswith("Jᵀ u = ")


GOLDEN_J = [
    ("np.tanh(W @ x)", "x", {"W": (3, 4), "x": (4, 1)}, "numerator", "diag(1 − tanh(W x)²) W"),
    ("A @ x", "x", {"A": (3, 4), "x": (4, 1)}, "numerator", "A"),
    ("A @ x", "x", {"A": (3, 4), "x": (4, 1)}, "denominator", "Aᵀ"),
    ("x * x", "x", {"x": (3, 1)}, "numerator", "2 diag(x)"),
    ("x * np.sum(x**2)", "x", {"x": (3, 1)}, "numerator", "(Σ x²) I + 2 x xᵀ"),
    ("np.sum(x**2)", "x", {"x": (3, 1)}, "numerator", "2 xᵀ"),
]


@pytest.mark.parametrize(
    "source, wrt, shapes, layout, expected", GOLDEN_J, ids=[g[4] for g in GOLDEN_J]
)
def test_jacobian_golden(source: str, wrt: str, shapes: dict, layout: str, expected: str) -> None:
    assert str(cr.jacobian(source, wrt, shapes, layout=layout)) == expected


HESSIANS = [
    # f, shapes, H as the reader expects it (None: only checked numerically)
    ("x.T @ A @ x", {"x": (3, 1), "A": (3, 3)}, "A + Aᵀ"),
    ("np.sum((A @ x - b)**2)", {"A": (4, 3), "x": (3, 1), "b": (4, 1)}, "2 Aᵀ A"),
    ("np.linalg.norm(x)", {"x": (3, 1)}, "(1/‖x‖) I − (‖x‖⁻³) x xᵀ"),
    ("a.T @ x", {"a": (3, 1), "x": (3, 1)}, "0"),
    ("np.sum(np.log(1 + np.exp(A @ x)))", {"A": (4, 3), "x": (3, 1)}, None),
    ("np.log(np.sum(np.exp(x)))", {"x": (4, 1)}, None),
    ("np.sum(np.sin(x)) * np.sum(x**2)", {"x": (3, 1)}, None),
]


@pytest.mark.parametrize("source, shapes, expected", HESSIANS, ids=[h[0] for h in HESSIANS])
def test_hessian(source: str, shapes: dict, expected: str | None) -> None:
    H = cr.hessian(source, "x", shapes)
    g = cr.grad(source, "x", shapes)
    v = values(shapes)
    got = H(**v)
    np.testing.assert_allclose(
        got, numeric_jacobian(lambda a: g(**a), v, "x"), rtol=1e-6, atol=1e-8
    )
    np.testing.assert_allclose(got, got.T, atol=1e-10)  # second derivatives commute
    if expected is not None:
        assert str(H) == expected


def test_symbolic_dimensions_are_bound_from_the_arrays() -> None:
    H = cr.hessian("x.T @ A @ x", "x", {"x": ("n", 1), "A": ("n", "n")})
    v = values({"x": (5, 1), "A": (5, 5)})
    np.testing.assert_allclose(H(**v), v["A"] + v["A"].T)
    J = cr.jacobian("np.tanh(W @ x)", "x", {"W": ("k", "n"), "x": ("n", 1)})
    assert J.shape == ("k", "n") and J(**values({"W": (2, 5), "x": (5, 1)})).shape == (2, 5)


def test_jacobian_errors() -> None:
    # matrices are no longer refused: tests/test_matfun.py checks their Jacobians (any rank)
    with pytest.raises(cr.SpecError):
        cr.jacobian("A @ x", "x", {"A": (2, 3), "x": (3, 1)}, layout="mixed")
    with pytest.raises(cr.UnknownNameError):
        cr.jacobian("A @ x", "y", {"A": (2, 3), "x": (3, 1)})
    with pytest.raises(cr.ShapeError, match="scalar"):
        cr.hessian("A @ x", "x", {"A": (2, 3), "x": (3, 1)})
