"""Matrix functions (expm, logm, sqrtm, sinm, cosm), Jacobians of any rank, variable exponents.

Every derived number is checked against something chainrule did not compute: central finite
differences, PyTorch autograd in float64 (through ``torch.linalg.matrix_exp`` and, for the
functions PyTorch lacks, through ``torch.linalg.eig``, written here), SciPy, or the closed forms
of Magnus & Neudecker / the Matrix Cookbook (§10.2.2: vec(A X B) = (Bᵀ ⊗ A) vec X).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
import scipy.linalg as sl

import chainrule as cr
from chainrule.evaluate import evaluate
from chainrule.printers.latex import latex
from chainrule.printers.text import text

torch = pytest.importorskip("torch")

FUNCTIONS = ("expm", "logm", "sqrtm", "sinm", "cosm")
S = {"X": (3, 3), "G": (3, 3)}


def draw(seed: int = 0) -> dict[str, np.ndarray]:
    """X near 3 I (eigenvalues off (−∞, 0], distinct), G any."""
    rng = np.random.default_rng(seed)
    return {"X": rng.uniform(-1, 1, (3, 3)) + 3 * np.eye(3), "G": rng.normal(size=(3, 3))}


def central(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    out = np.zeros(np.shape(f(x)) + x.shape)
    for idx in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[idx] = h
        out[(..., *idx)] = (f(x + d) - f(x - d)) / (2 * h)
    return out


def rel(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a) - b) / max(np.linalg.norm(b), 1e-12))


def torch_f(name: str, X):
    """PyTorch's own computation: matrix_exp, e^(iX) for sin/cos, the eigendecomposition else."""
    if name == "expm":
        return torch.linalg.matrix_exp(X)
    if name in ("sinm", "cosm"):
        e = torch.linalg.matrix_exp(1j * X)
        return e.imag if name == "sinm" else e.real
    lam, V = torch.linalg.eig(X)
    h = torch.log(lam) if name == "logm" else torch.sqrt(lam)
    return (V @ torch.diag_embed(h) @ torch.linalg.inv(V)).real


@pytest.mark.parametrize("name", FUNCTIONS)
def test_gradient_agrees_with_torch_and_differences(name: str) -> None:
    # ℓ = Σ G ⊙ f(X), not a trace: X̄ = L_f(Xᵀ, G) has no closed form
    g = cr.grad(f"np.sum(scipy.linalg.{name}(X) * G)", "X", S)
    assert str(g) == f"L_{name}(Xᵀ, G)"
    v = draw()
    got = g(**v)
    X = torch.tensor(v["X"], requires_grad=True)
    (torch_f(name, X) * torch.tensor(v["G"])).sum().backward()
    assert rel(got, X.grad.numpy()) < 1e-10
    f = getattr(sl, name)
    assert rel(got, central(lambda x: np.sum(np.real(f(x)) * v["G"]), v["X"])) < 1e-7


def test_printers_spell_the_matrix_functions() -> None:
    g = cr.grad("np.sum(expm(X) * G)", "X", S)
    assert latex(g.expr) == r"L_{\operatorname{expm}}(X^{\top}, G)"
    model = cr.model("J = np.sum(scipy.linalg.sqrtm(X) * G)", S, wrt=["X"])
    assert "sqrtm(X)" in text(model.program.equations[0].expr)
    assert "def frechet(f, A, E)" in model.source()  # the block identity, printed and run
    v = draw(1)
    assert rel(model.gradients(v)["dX"], g_of("sqrtm", v)) < 1e-12


def g_of(name: str, v: dict) -> np.ndarray:
    """L_f(Xᵀ, G) by the block identity, straight from SciPy."""
    n, A = 3, v["X"].T
    B = np.block([[A, v["G"]], [np.zeros((n, n)), A]])
    return np.real(getattr(sl, name)(B))[:n, n:]


def test_domain_errors_are_clear() -> None:
    g = cr.grad("np.trace(logm(X))", "X", {"X": (2, 2)})
    with pytest.raises(cr.EvaluationError, match="negative real eigenvalue"):
        g(X=np.diag([-1.0, 2.0]))
    s = cr.grad("np.trace(sqrtm(X))", "X", {"X": (2, 2)})
    with pytest.raises(cr.EvaluationError, match="singular"):
        s(X=np.array([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(cr.ShapeError, match="square"):
        cr.grad("np.sum(expm(X))", "X", {"X": (2, 3)})
    model = cr.model("J = np.trace(logm(X))", {"X": (2, 2)}, wrt=["X"])
    with pytest.raises(cr.EvaluationError, match="has a negative real eigenvalue"):
        model.gradients({"X": np.array([[0.0, 1.0], [2.0, 0.0]])})  # eigenvalues ±√2


def test_missing_scipy_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    g = cr.grad("np.trace(expm(X))", "X", {"X": (2, 2)})
    monkeypatch.setitem(sys.modules, "scipy.linalg", None)  # `import scipy.linalg` now fails
    with pytest.raises(cr.ChainruleError, match=r"chainrule\[linalg\]"):
        g(X=np.eye(2))


# -- Jacobians of any rank ------------------------------------------------------------------------
def values(shapes: dict, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: rng.uniform(0.3, 1.3, s) * rng.choice([-1.0, 1.0], s) for k, s in shapes.items()}


def vec(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, order="F")  # column-major: the columns stacked


def test_d_AXB_dX_is_Bt_kron_A() -> None:
    # vec(A X B) = (Bᵀ ⊗ A) vec X                                      Cookbook §10.2.2
    shapes = {"A": (2, 3), "X": (3, 4), "B": (4, 2)}
    J = cr.jacobian("A @ X @ B", "X", shapes, layout="vec")
    assert str(J) == "Bᵀ ⊗ A" and J.shape == (4, 12)
    v = values(shapes)
    assert rel(J(**v), np.kron(v["B"].T, v["A"])) < 1e-14
    f = lambda x: vec(v["A"] @ x @ v["B"])  # noqa: E731
    fd = central(f, v["X"]).reshape(4, -1, order="F")  # columns in vec X order
    assert rel(J(**v), fd) < 1e-8


def test_d_Xt_dX_is_the_commutation_matrix() -> None:
    J = cr.jacobian("X.T", "X", {"X": (2, 3)}, layout="vec")
    assert str(J) == "K(2,3)"
    X = np.arange(6.0).reshape(2, 3)
    K = J(X=X)
    assert np.array_equal(K @ vec(X), vec(X.T)) and np.array_equal(K @ K.T, np.eye(6))


def commutation(r: int, c: int) -> np.ndarray:
    """K with K vec(X) = vec(Xᵀ) for X of shape (r, c), column by column from its definition."""
    K = np.zeros((r * c, r * c))
    for i in range(r * c):
        e = np.zeros(r * c)
        e[i] = 1.0
        K[:, i] = vec(e.reshape((r, c), order="F").T)
    return K


def test_d_AXtB_dX_is_Bt_kron_A_times_K() -> None:
    # vec(A Xᵀ B) = (Bᵀ ⊗ A) vec(Xᵀ) = (Bᵀ ⊗ A) K vec X             Magnus & Neudecker, Thm 3.9
    shapes = {"A": (2, 3), "X": (4, 3), "B": (4, 2)}
    J = cr.jacobian("A @ X.T @ B", "X", shapes, layout="vec")
    assert str(J) == "(Bᵀ ⊗ A) K(4,3)"
    v = values(shapes)
    assert rel(J(**v), np.kron(v["B"].T, v["A"]) @ commutation(4, 3)) < 1e-14
    f = lambda x: vec(v["A"] @ x.T @ v["B"])  # noqa: E731
    assert rel(J(**v), central(f, v["X"]).reshape(4, -1, order="F")) < 1e-8


def test_hessian_through_a_matrix_function() -> None:
    # f(x) = tr e^(x xᵀ): the Hessian needs the Fréchet derivative's own rule (second order)
    H = cr.hessian("np.trace(expm(np.outer(x, x)))", "x", {"x": (3, 1)})
    x = values({"x": (3, 1)})["x"]
    grad = cr.grad("np.trace(expm(np.outer(x, x)))", "x", {"x": (3, 1)})
    fd = central(lambda y: grad(x=y)[:, 0], x)[:, :, 0]
    # closed form: ∇f = 2 e^(x xᵀ) x, since x xᵀ is symmetric and commutes with its exponential
    assert rel(grad(x=x), 2 * sl.expm(x @ x.T) @ x) < 1e-12
    assert rel(H(x=x), fd) < 1e-7 and rel(H(x=x), H(x=x).T) < 1e-12


def test_numerator_layout_is_the_four_index_array() -> None:
    # J[i, j, k, l] = ∂(X²)_ij/∂X_kl = δ_ik X_lj + X_ik δ_jl; vec layout Xᵀ ⊗ I + I ⊗ X
    J = cr.jacobian("X @ X", "X", {"X": (3, 3)})
    assert str(J) == "Xᵀ ⊗ I + I ⊗ X (the vec layout)"
    X = values({"X": (3, 3)})["X"]
    I = np.eye(3)
    want = np.einsum("ik,lj->ijkl", I, X) + np.einsum("ik,jl->ijkl", X, I)
    assert J(X=X).shape == (3, 3, 3, 3) and rel(J(X=X), want) < 1e-14
    D = cr.jacobian("X @ X", "X", {"X": (3, 3)}, layout="denominator")(X=X)
    assert rel(D, want.transpose(2, 3, 0, 1)) < 1e-14


@pytest.mark.parametrize("name", FUNCTIONS)
def test_jacobian_of_a_matrix_function(name: str) -> None:
    J = cr.jacobian(f"{name}(X)", "X", {"X": (3, 3)})  # by basis cotangents: J[i,j] = L_f(Xᵀ, e_ij)
    v = draw(2)
    fd = central(lambda x: np.real(getattr(sl, name)(x)), v["X"])
    assert J(X=v["X"]).shape == (3, 3, 3, 3) and rel(J(X=v["X"]), fd) < 1e-7
    Jv = cr.jacobian(f"{name}(X)", "X", {"X": (3, 3)}, layout="vec")(X=v["X"])
    assert rel(Jv, fd.transpose(1, 0, 3, 2).reshape(9, 9)) < 1e-7


def test_matrix_by_scalar_and_scalar_by_matrix() -> None:
    # d expm(t A)/dt = A expm(t A)
    J = cr.jacobian("expm(t * A)", "t", {"t": (), "A": (3, 3)})
    A = values({"A": (3, 3)})["A"]
    assert rel(J(t=0.7, A=A), A @ sl.expm(0.7 * A)) < 1e-10
    # ∂ det X/∂X = det(X) X⁻ᵀ                                           Cookbook §2.1.1 (49)
    D = cr.jacobian("np.linalg.det(X)", "X", {"X": (3, 3)})
    X = values({"X": (3, 3)})["X"] + 3 * np.eye(3)
    assert rel(D(X=X), np.linalg.det(X) * np.linalg.inv(X).T) < 1e-12


def test_vector_jacobians_keep_their_shape() -> None:
    J = cr.jacobian("np.tanh(W @ x)", "x", {"W": (3, 4), "x": (4, 1)}, layout="vec")
    v = values({"W": (3, 4), "x": (4, 1)})
    assert J(**v).shape == (3, 4)


# -- a variable exponent: x ** i = exp(i log x), x > 0 --------------------------------------------
def test_power_by_its_exponent() -> None:
    shapes = {"x": (3, 2), "i": (), "G": (3, 2)}
    rng = np.random.default_rng(4)
    v = {"x": rng.uniform(0.5, 2, (3, 2)), "i": np.float64(1.7), "G": rng.normal(size=(3, 2))}
    g = cr.grad("np.sum(x ** i * G)", "i", shapes)
    assert str(g) == "Σ (G ⊙ x^i ⊙ log(x))"
    di = g(**v)
    assert rel(di, np.sum(v["G"] * v["x"] ** 1.7 * np.log(v["x"]))) < 1e-14
    f = lambda i: np.sum(v["x"] ** i * v["G"])  # noqa: E731
    assert abs(di - (f(1.7 + 1e-6) - f(1.7 - 1e-6)) / 2e-6) < 1e-7
    dx = cr.grad("np.sum(x ** i * G)", "x", shapes)(**v)
    assert rel(dx, 1.7 * v["G"] * v["x"] ** 0.7) < 1e-14
    J = cr.jacobian("x ** i", "i", {"x": (3, 1), "i": ()})
    assert str(J) == "x^i ⊙ log(x)"
    M = cr.jacobian("X ** i", "i", {"X": (3, 2), "i": ()})  # a matrix by a scalar: X's shape
    assert (
        str(M) == "X^i ⊙ log(X)" and rel(M(X=v["x"], i=1.7), v["x"] ** 1.7 * np.log(v["x"])) < 1e-14
    )
    assert rel(J(x=v["x"][:, :1], i=1.7).ravel(), (v["x"] ** 1.7 * np.log(v["x"]))[:, 0]) < 1e-14
    model = cr.model("J = np.sum(np.power(x, i) * G)", shapes, wrt=["x", "i"])
    assert rel(model.gradients(v)["di"], di) < 1e-14


def test_power_by_its_exponent_agrees_with_torch() -> None:
    shapes = {"x": (2, 3), "i": (), "G": (2, 3)}
    rng = np.random.default_rng(5)
    v = {"x": rng.uniform(0.3, 3, (2, 3)), "i": np.float64(-0.6), "G": rng.normal(size=(2, 3))}
    model = cr.model("J = np.sum(x ** i * G)", shapes, wrt=["x", "i"])
    got = model.gradients(v)
    x, i = (torch.tensor(v[k], requires_grad=True) for k in ("x", "i"))
    (x**i * torch.tensor(v["G"])).sum().backward()
    assert rel(got["dx"], x.grad.numpy()) < 1e-12 and rel(got["di"], i.grad.numpy()) < 1e-12


def test_evaluate_is_used_for_the_cost() -> None:
    g = cr.grad("np.trace(cosm(X))", "X", {"X": (2, 2)})
    X = np.array([[0.3, 0.1], [-0.2, 0.5]])
    assert abs(float(evaluate(g.f, {"X": X}, {})) - np.trace(sl.cosm(X))) < 1e-14
