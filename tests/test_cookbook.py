"""Identities from The Matrix Cookbook's derivatives chapter (Petersen & Pedersen, 2012, §2).

Each line is one identity: the expression in NumPy syntax, the variable, the shapes (not square
wherever the identity allows), and the right-hand side written out in NumPy from the book. The
derived gradient must equal both that right-hand side and central finite differences (float64).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl

import chainrule as cr
from chainrule.evaluate import evaluate

inv, det, tr = np.linalg.inv, np.linalg.det, np.trace
mp = np.linalg.matrix_power

# (name with the book's equation number, expression, wrt, shapes, right-hand side)
IDENTITIES = [
    # -- traces (§2.5) ------------------------------------------------------------------------
    # ∂ tr(X)/∂X = I                                                        (100)
    ("100 tr X", "np.trace(X)", "X", {"X": (3, 3)}, lambda v: np.eye(3)),
    # ∂ tr(X A)/∂X = Aᵀ                                                     (101)
    ("101 tr XA", "np.trace(X @ A)", "X", {"X": (3, 4), "A": (4, 3)}, lambda v: v["A"].T),
    # ∂ tr(A X B)/∂X = Aᵀ Bᵀ                                                (102)
    (
        "102 tr AXB",
        "np.trace(A @ X @ B)",
        "X",
        {"A": (2, 3), "X": (3, 4), "B": (4, 2)},
        lambda v: v["A"].T @ v["B"].T,
    ),
    # ∂ tr(A Xᵀ B)/∂X = B A                                                 (103)
    (
        "103 tr AXᵀB",
        "np.trace(A @ X.T @ B)",
        "X",
        {"A": (2, 4), "X": (3, 4), "B": (3, 2)},
        lambda v: v["B"] @ v["A"],
    ),
    # ∂ tr(Xᵀ A)/∂X = A                                                     (104)
    ("104 tr XᵀA", "np.trace(X.T @ A)", "X", {"X": (3, 2), "A": (3, 2)}, lambda v: v["A"]),
    # ∂ tr(A Xᵀ)/∂X = A                                                     (105)
    ("105 tr AXᵀ", "np.trace(A @ X.T)", "X", {"X": (3, 2), "A": (3, 2)}, lambda v: v["A"]),
    # ∂ tr(A ⊗ X)/∂X = tr(A) I                                              (106)
    (
        "106 tr A⊗X",
        "np.trace(np.kron(A, X))",
        "X",
        {"A": (2, 2), "X": (3, 3)},
        lambda v: tr(v["A"]) * np.eye(3),
    ),
    # ∂ tr(X²)/∂X = 2 Xᵀ                                                    (107)
    ("107 tr X²", "np.trace(X @ X)", "X", {"X": (3, 3)}, lambda v: 2 * v["X"].T),
    # ∂ tr(X² B)/∂X = (X B + B X)ᵀ                                          (108)
    (
        "108 tr X²B",
        "np.trace(X @ X @ B)",
        "X",
        {"X": (3, 3), "B": (3, 3)},
        lambda v: (v["X"] @ v["B"] + v["B"] @ v["X"]).T,
    ),
    # ∂ tr(Xᵀ B X)/∂X = B X + Bᵀ X                                          (109)
    (
        "109 tr XᵀBX",
        "np.trace(X.T @ B @ X)",
        "X",
        {"X": (3, 2), "B": (3, 3)},
        lambda v: v["B"] @ v["X"] + v["B"].T @ v["X"],
    ),
    # ∂ tr(X B Xᵀ)/∂X = X Bᵀ + X B                                          (110)
    (
        "110 tr XBXᵀ",
        "np.trace(X @ B @ X.T)",
        "X",
        {"X": (4, 2), "B": (2, 2)},
        lambda v: v["X"] @ v["B"].T + v["X"] @ v["B"],
    ),
    # ∂ tr(A X B X)/∂X = Aᵀ Xᵀ Bᵀ + Bᵀ Xᵀ Aᵀ                                (111)
    (
        "111 tr AXBX",
        "np.trace(A @ X @ B @ X)",
        "X",
        {"A": (2, 3), "X": (3, 2), "B": (2, 3)},
        lambda v: v["A"].T @ v["X"].T @ v["B"].T + v["B"].T @ v["X"].T @ v["A"].T,
    ),
    # ∂ tr(Xᵀ X)/∂X = 2 X                                                   (113)
    ("113 tr XᵀX", "np.trace(X.T @ X)", "X", {"X": (4, 3)}, lambda v: 2 * v["X"]),
    # ∂ tr(Bᵀ Xᵀ C X B)/∂X = Cᵀ X B Bᵀ + C X B Bᵀ                           (115)
    (
        "115 tr BᵀXᵀCXB",
        "np.trace(B.T @ X.T @ C @ X @ B)",
        "X",
        {"B": (3, 2), "X": (4, 3), "C": (4, 4)},
        lambda v: (v["C"].T + v["C"]) @ v["X"] @ v["B"] @ v["B"].T,
    ),
    # ∂ tr(Xᵀ B X C)/∂X = B X C + Bᵀ X Cᵀ                                   (116)
    (
        "116 tr XᵀBXC",
        "np.trace(X.T @ B @ X @ C)",
        "X",
        {"X": (4, 2), "B": (4, 4), "C": (2, 2)},
        lambda v: v["B"] @ v["X"] @ v["C"] + v["B"].T @ v["X"] @ v["C"].T,
    ),
    # ∂ tr(A X B Xᵀ C)/∂X = Aᵀ Cᵀ X Bᵀ + C A X B                           (117)
    (
        "117 tr AXBXᵀC",
        "np.trace(A @ X @ B @ X.T @ C)",
        "X",
        {"A": (3, 4), "X": (4, 2), "B": (2, 2), "C": (4, 3)},
        lambda v: v["A"].T @ v["C"].T @ v["X"] @ v["B"].T + v["C"] @ v["A"] @ v["X"] @ v["B"],
    ),
    # ∂ tr(Xᵏ)/∂X = k (Xᵏ⁻¹)ᵀ                                               (121)
    (
        "121 tr X⁴",
        "np.trace(np.linalg.matrix_power(X, 4))",
        "X",
        {"X": (3, 3)},
        lambda v: 4 * mp(v["X"], 3).T,
    ),
    # ∂ tr(A Xᵏ)/∂X = Σ_{r=0}^{k−1} (Xʳ A Xᵏ⁻ʳ⁻¹)ᵀ                          (122)
    (
        "122 tr AX³",
        "np.trace(A @ np.linalg.matrix_power(X, 3))",
        "X",
        {"A": (3, 3), "X": (3, 3)},
        lambda v: sum(mp(v["X"], r) @ v["A"] @ mp(v["X"], 2 - r) for r in range(3)).T,
    ),
    # ∂ tr(A X⁻¹ B)/∂X = −(X⁻¹ B A X⁻¹)ᵀ                                    (124)
    (
        "124 tr AX⁻¹B",
        "np.trace(A @ np.linalg.inv(X) @ B)",
        "X",
        {"A": (2, 3), "X": (3, 3), "B": (3, 2)},
        lambda v: -(inv(v["X"]) @ v["B"] @ v["A"] @ inv(v["X"])).T,
    ),
    # ∂ tr((X + A)⁻¹)/∂X = −((X + A)⁻¹ (X + A)⁻¹)ᵀ                          (125)
    (
        "125 tr (X+A)⁻¹",
        "np.trace(np.linalg.inv(X + A))",
        "X",
        {"X": (3, 3), "A": (3, 3)},
        lambda v: -(inv(v["X"] + v["A"]) @ inv(v["X"] + v["A"])).T,
    ),
    # -- traces of matrix functions: ∂ tr f(X)/∂X = f′(X)ᵀ (§2.5.3–2.5.4; Higham 2008, §3.2) ---
    # ∂ tr(e^X)/∂X = (e^X)ᵀ
    ("tr expm", "np.trace(scipy.linalg.expm(X))", "X", {"X": (3, 3)}, lambda v: sl.expm(v["X"]).T),
    # ∂ tr(log X)/∂X = X⁻ᵀ
    ("tr logm", "np.trace(scipy.linalg.logm(X))", "X", {"X": (3, 3)}, lambda v: inv(v["X"]).T),
    # ∂ tr(X^(1/2))/∂X = ½ (X^(1/2))⁻ᵀ
    (
        "tr sqrtm",
        "np.trace(scipy.linalg.sqrtm(X))",
        "X",
        {"X": (3, 3)},
        lambda v: 0.5 * inv(sl.sqrtm(v["X"])).T,
    ),
    # ∂ tr(sin X)/∂X = cos(X)ᵀ                                              (§2.5.4)
    ("tr sinm", "np.trace(scipy.linalg.sinm(X))", "X", {"X": (3, 3)}, lambda v: sl.cosm(v["X"]).T),
    # ∂ tr(cos X)/∂X = −sin(X)ᵀ
    ("tr cosm", "np.trace(scipy.linalg.cosm(X))", "X", {"X": (3, 3)}, lambda v: -sl.sinm(v["X"]).T),
    # ∂ tr(A e^X)/∂X = L_exp(Xᵀ, Aᵀ): against SciPy's own Fréchet derivative (Al-Mohy & Higham)
    (
        "tr A expm",
        "np.trace(A @ scipy.linalg.expm(X))",
        "X",
        {"A": (3, 3), "X": (3, 3)},
        lambda v: sl.expm_frechet(v["X"].T, v["A"].T, compute_expm=False),
    ),
    # -- determinants (§2.1.1) ------------------------------------------------------------------
    # ∂ det X/∂X = det(X) X⁻ᵀ                                               (49)
    ("49 det X", "np.linalg.det(X)", "X", {"X": (3, 3)}, lambda v: det(v["X"]) * inv(v["X"]).T),
    # ∂ det(A X B)/∂X = det(A X B) X⁻ᵀ                                      (51)
    (
        "51 det AXB",
        "np.linalg.det(A @ X @ B)",
        "X",
        {"A": (3, 3), "X": (3, 3), "B": (3, 3)},
        lambda v: det(v["A"] @ v["X"] @ v["B"]) * inv(v["X"]).T,
    ),
    # ∂ det(Xᵀ A X)/∂X = det(XᵀAX) (A X (XᵀAX)⁻¹ + Aᵀ X (XᵀAᵀX)⁻¹)          (53)
    (
        "53 det XᵀAX",
        "np.linalg.det(X.T @ A @ X)",
        "X",
        {"X": (4, 2), "A": (4, 4)},
        lambda v: (
            det(v["X"].T @ v["A"] @ v["X"])
            * (
                v["A"] @ v["X"] @ inv(v["X"].T @ v["A"] @ v["X"])
                + v["A"].T @ v["X"] @ inv(v["X"].T @ v["A"].T @ v["X"])
            )
        ),
    ),
    # ∂ det(Xᵏ)/∂X = k det(Xᵏ) X⁻ᵀ                                          (54)
    (
        "54 det X³",
        "np.linalg.det(np.linalg.matrix_power(X, 3))",
        "X",
        {"X": (3, 3)},
        lambda v: 3 * det(mp(v["X"], 3)) * inv(v["X"]).T,
    ),
    # ∂ ln det(Xᵀ X)/∂X = 2 (X⁺)ᵀ = 2 X (Xᵀ X)⁻¹                            (55)
    (
        "55 ln det XᵀX",
        "np.log(np.linalg.det(X.T @ X))",
        "X",
        {"X": (4, 2)},
        lambda v: 2 * v["X"] @ inv(v["X"].T @ v["X"]),
    ),
    # ∂ ln |det X|/∂X = X⁻ᵀ                                                 (57)
    ("57 ln det X", "np.log(np.linalg.det(X))", "X", {"X": (3, 3)}, lambda v: inv(v["X"]).T),
    # -- inverses (§2.2) ------------------------------------------------------------------------
    # ∂ aᵀ X⁻¹ b/∂X = −X⁻ᵀ a bᵀ X⁻ᵀ                                         (61)
    (
        "61 aᵀX⁻¹b",
        "a.T @ np.linalg.inv(X) @ b",
        "X",
        {"a": (3, 1), "X": (3, 3), "b": (3, 1)},
        lambda v: -inv(v["X"]).T @ v["a"] @ v["b"].T @ inv(v["X"]).T,
    ),
    # -- linear forms (§2.4.1) --------------------------------------------------------------------
    # ∂ xᵀ a/∂x = ∂ aᵀ x/∂x = a                                             (69)
    ("69 xᵀa", "x.T @ a", "x", {"x": (3, 1), "a": (3, 1)}, lambda v: v["a"]),
    # ∂ aᵀ X b/∂X = a bᵀ                                                    (70)
    (
        "70 aᵀXb",
        "a.T @ X @ b",
        "X",
        {"a": (3, 1), "X": (3, 4), "b": (4, 1)},
        lambda v: v["a"] @ v["b"].T,
    ),
    # ∂ aᵀ Xᵀ b/∂X = b aᵀ                                                   (71)
    (
        "71 aᵀXᵀb",
        "a.T @ X.T @ b",
        "X",
        {"a": (4, 1), "X": (3, 4), "b": (3, 1)},
        lambda v: v["b"] @ v["a"].T,
    ),
    # ∂ aᵀ X a/∂X = a aᵀ                                                    (72)
    ("72 aᵀXa", "a.T @ X @ a", "X", {"a": (3, 1), "X": (3, 3)}, lambda v: v["a"] @ v["a"].T),
    # -- quadratic forms (§2.4.2) -----------------------------------------------------------------
    # ∂ bᵀ Xᵀ X c/∂X = X (b cᵀ + c bᵀ)                                      (77)
    (
        "77 bᵀXᵀXc",
        "b.T @ X.T @ X @ c",
        "X",
        {"b": (3, 1), "X": (4, 3), "c": (3, 1)},
        lambda v: v["X"] @ (v["b"] @ v["c"].T + v["c"] @ v["b"].T),
    ),
    # ∂ (B x + b)ᵀ C (D x + d)/∂x = Bᵀ C (D x + d) + Dᵀ Cᵀ (B x + b)        (78)
    (
        "78 (Bx+b)ᵀC(Dx+d)",
        "(B @ x + b).T @ C @ (D @ x + d)",
        "x",
        {"B": (4, 3), "x": (3, 1), "b": (4, 1), "C": (4, 2), "D": (2, 3), "d": (2, 1)},
        lambda v: (
            v["B"].T @ v["C"] @ (v["D"] @ v["x"] + v["d"])
            + v["D"].T @ v["C"].T @ (v["B"] @ v["x"] + v["b"])
        ),
    ),
    # ∂ xᵀ B x/∂x = (B + Bᵀ) x                                              (81)
    (
        "81 xᵀBx",
        "x.T @ B @ x",
        "x",
        {"x": (3, 1), "B": (3, 3)},
        lambda v: (v["B"] + v["B"].T) @ v["x"],
    ),
    # ∂ bᵀ Xᵀ D X c/∂X = Dᵀ X b cᵀ + D X c bᵀ                               (82)
    (
        "82 bᵀXᵀDXc",
        "b.T @ X.T @ D @ X @ c",
        "X",
        {"b": (3, 1), "X": (4, 3), "D": (4, 4), "c": (3, 1)},
        lambda v: v["D"].T @ v["X"] @ v["b"] @ v["c"].T + v["D"] @ v["X"] @ v["c"] @ v["b"].T,
    ),
    # ∂ (X b + c)ᵀ D (X b + c)/∂X = (D + Dᵀ)(X b + c) bᵀ                    (83)
    (
        "83 (Xb+c)ᵀD(Xb+c)",
        "(X @ b + c).T @ D @ (X @ b + c)",
        "X",
        {"X": (4, 3), "b": (3, 1), "c": (4, 1), "D": (4, 4)},
        lambda v: (v["D"] + v["D"].T) @ (v["X"] @ v["b"] + v["c"]) @ v["b"].T,
    ),
    # ∂ (x − A s)ᵀ W (x − A s)/∂s = −2 Aᵀ W (x − A s), W symmetric           (86)
    (
        "86 (x−As)ᵀW(x−As)",
        "(x - A @ s).T @ W @ (x - A @ s)",
        "s",
        {"x": (4, 1), "A": (4, 3), "s": (3, 1), "W": (4, 4)},
        lambda v: -2 * v["A"].T @ v["W"] @ (v["x"] - v["A"] @ v["s"]),
    ),
    # -- norms (§2.6) -----------------------------------------------------------------------------
    # ∂ ‖x − a‖₂/∂x = (x − a)/‖x − a‖₂                                      (129)
    (
        "129 ‖x−a‖",
        "np.linalg.norm(x - a)",
        "x",
        {"x": (4, 1), "a": (4, 1)},
        lambda v: (v["x"] - v["a"]) / np.linalg.norm(v["x"] - v["a"]),
    ),
    # ∂ ‖X‖²_F/∂X = 2 X                                                     (131)
    ("131 ‖X‖²F", "np.linalg.norm(X, 'fro')**2", "X", {"X": (3, 4)}, lambda v: 2 * v["X"]),
    # ∂ ‖X‖_F/∂X = X/‖X‖_F
    (
        "‖X‖F",
        "np.linalg.norm(X, 'fro')",
        "X",
        {"X": (3, 4)},
        lambda v: v["X"] / np.linalg.norm(v["X"]),
    ),
    # ∂ ‖x‖₁/∂x = sign(x)
    ("‖x‖₁", "np.linalg.norm(x, ord=1)", "x", {"x": (4, 1)}, lambda v: np.sign(v["x"])),
    # ∂ log Σ exp(x)/∂x = softmax(x)
    (
        "logsumexp",
        "np.log(np.sum(np.exp(x)))",
        "x",
        {"x": (4, 1)},
        lambda v: np.exp(v["x"]) / np.exp(v["x"]).sum(),
    ),
]


def values(shapes: dict, seed: int = 0) -> dict[str, np.ndarray]:
    """Random float64 arrays; square matrices well away from singular, W symmetric (eq. 86)."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in shapes.items():
        a = rng.uniform(0.3, 1.3, shape) * rng.choice([-1.0, 1.0], shape)
        if len(shape) == 2 and shape[0] == shape[1] > 1:
            a = a + 3 * np.eye(shape[0])
        out[name] = (a + a.T) / 2 if name == "W" else a
    return out


def central_differences(f, arrays: dict, wrt: str, h: float = 1e-6) -> np.ndarray:
    """(f(x + h e) − f(x − h e)) / 2h entry by entry, in float64."""
    x, out = arrays[wrt], np.zeros_like(arrays[wrt])
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = h
        out[idx] = (f({**arrays, wrt: x + step}) - f({**arrays, wrt: x - step})) / (2 * h)
    return out


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-12))


@pytest.mark.parametrize(
    "name, source, wrt, shapes, rhs", IDENTITIES, ids=[i[0] for i in IDENTITIES]
)
def test_identity(name: str, source: str, wrt: str, shapes: dict, rhs) -> None:
    g = cr.grad(source, wrt, shapes)
    v = values(shapes)
    got = g(**v)
    assert got.shape == v[wrt].shape
    assert relative_error(got, rhs(v)) < 1e-9, f"{name}: ∂f/∂{wrt} = {g}"
    f = lambda arrays: float(np.sum(evaluate(g.f, arrays, {})))  # noqa: E731
    assert relative_error(got, central_differences(f, v, wrt)) < 1e-6


SYMBOLIC = [i for i in IDENTITIES[:8] if "kron" not in i[1]]  # np.kron needs concrete shapes


@pytest.mark.parametrize("name, source, wrt, shapes, rhs", SYMBOLIC, ids=[i[0] for i in SYMBOLIC])
def test_identity_with_symbolic_dimensions(
    name: str, source: str, wrt: str, shapes: dict, rhs
) -> None:
    """The same identities with every dimension named: shapes are bound when the arrays arrive."""
    names = {d: f"n{d}" for s in shapes.values() for d in s if d > 1}
    symbolic = {k: tuple(names.get(d, d) for d in s) for k, s in shapes.items()}
    v = values(shapes)
    assert relative_error(cr.grad(source, wrt, symbolic)(**v), rhs(v)) < 1e-9
