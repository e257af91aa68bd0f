"""Golden strings: the course's equations exactly as chainrule's text notation writes them.

The backward equations are derived, never templated, so these strings are the proof that the
algebra (``A − Y`` for sigmoid with binary cross-entropy and for softmax with cross-entropy), the
conventions (where ``1/m`` enters) and the printer's precedence come out as the course writes them.
"""

from __future__ import annotations

import pytest
from course import SIX_EQUATIONS

import chainrule as cr
from chainrule import scalar
from chainrule.ir import build
from chainrule.ir.expr import Expr
from chainrule.printers.text import derivation_lines, text

# dZ[2] = A[2] − Y and the five that follow: Andrew Ng's planar-data network, week 3.
COURSE_2_4_1 = SIX_EQUATIONS


def seed_network() -> cr.Network:
    return cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")


def in_order(expected: list[str], lines: list[str]) -> bool:
    """``expected`` occurs in ``lines`` as a subsequence."""
    it = iter(lines)
    return all(any(line == e for line in it) for e in expected)


def test_seed_network_six_equations() -> None:
    lines = derivation_lines(seed_network().derive())
    assert in_order(COURSE_2_4_1, lines), lines


def test_seed_network_str_is_the_lines() -> None:
    d = seed_network().derive()
    assert str(d).splitlines() == derivation_lines(d)
    assert in_order(COURSE_2_4_1, str(d).splitlines())


def test_seed_network_full_backward_pass() -> None:
    """Every line, including the adjoints the course does not print."""
    assert derivation_lines(seed_network().derive()) == [
        "dA[2] = (1 − Y) / (1 − A[2]) − Y / A[2]",
        "dZ[2] = A[2] − Y",
        "dW[2] = (1/m) dZ[2] A[1]ᵀ",
        "db[2] = (1/m) Σ dZ[2]",
        "dA[1] = W[2]ᵀ dZ[2]",
        "dZ[1] = W[2]ᵀ dZ[2] ⊙ (1 − A[1]²)",
        "dW[1] = (1/m) dZ[1] Xᵀ",
        "db[1] = (1/m) Σ dZ[1]",
    ]


def test_seed_network_compact_form_names_dA() -> None:
    """Unexpanded, dZ[1] refers to the named pass-through dA[1] = W[2]ᵀ dZ[2]."""
    lines = derivation_lines(seed_network().derive(), expanded=False)
    assert "dZ[1] = dA[1] ⊙ (1 − A[1]²)" in lines


@pytest.mark.parametrize("depth", [3, 4, 6])
def test_deeper_networks_add_dA(depth: int) -> None:
    layers = [2] + [3] * (depth - 1) + [1]
    lines = derivation_lines(cr.mlp(layers, hidden="tanh", output="sigmoid").derive())
    L = depth
    assert lines[1:4] == [
        f"dZ[{L}] = A[{L}] − Y",
        f"dW[{L}] = (1/m) dZ[{L}] A[{L - 1}]ᵀ",
        f"db[{L}] = (1/m) Σ dZ[{L}]",
    ]
    for l in range(L, 1, -1):
        assert f"dA[{l - 1}] = W[{l}]ᵀ dZ[{l}]" in lines
        assert f"dZ[{l - 1}] = W[{l}]ᵀ dZ[{l}] ⊙ (1 − A[{l - 1}]²)" in lines
        assert f"dW[{l - 1}] = (1/m) dZ[{l - 1}] {'Xᵀ' if l == 2 else f'A[{l - 2}]ᵀ'}" in lines
        assert f"db[{l - 1}] = (1/m) Σ dZ[{l - 1}]" in lines
    assert len(lines) == 4 * L


@pytest.mark.parametrize("layers", [[3, 4], [3, 5, 4], [3, 5, 4, 4], [2, 3, 3, 3, 3, 5]])
def test_softmax_cross_entropy_gives_A_minus_Y(layers: list[int]) -> None:
    L = len(layers) - 1
    lines = derivation_lines(cr.mlp(layers, hidden="relu", output="softmax", loss="ce").derive())
    assert f"dZ[{L}] = A[{L}] − Y" in lines
    assert f"dA[{L}] = −Y / A[{L}]" in lines


@pytest.mark.parametrize(
    ("hidden", "derivative"),
    [
        ("tanh", "(1 − A[1]²)"),
        ("sigmoid", "A[1] ⊙ (1 − A[1])"),
        ("relu", "𝟙(Z[1] > 0)"),
        ("softplus", "σ(Z[1])"),
    ],
)
def test_hidden_activation_derivatives(hidden: str, derivative: str) -> None:
    lines = derivation_lines(cr.mlp([2, 4, 1], hidden=hidden, output="sigmoid").derive())
    assert f"dZ[1] = W[2]ᵀ dZ[2] ⊙ {derivative}" in lines


def test_rows_layout_transposes_every_product() -> None:
    net = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", layout="rows")
    assert in_order(
        [
            "dZ[2] = A[2] − Y",
            "dW[2] = (1/m) A[1]ᵀ dZ[2]",
            "db[2] = (1/m) Σ dZ[2]",
            "dA[1] = dZ[2] W[2]ᵀ",
            "dZ[1] = dZ[2] W[2]ᵀ ⊙ (1 − A[1]²)",
            "dW[1] = (1/m) Xᵀ dZ[1]",
        ],
        derivation_lines(net.derive()),
    )


def test_exact_convention_carries_1_over_m_from_the_top() -> None:
    d = seed_network().derive("exact")
    lines = derivation_lines(d)
    assert in_order(
        [
            "dZ[2] = (1/m) (A[2] − Y)",
            "dW[2] = dZ[2] A[1]ᵀ",
            "db[2] = Σ dZ[2]",
            "dZ[1] = W[2]ᵀ dZ[2] ⊙ (1 − A[1]²)",
            "dW[1] = dZ[1] Xᵀ",
            "db[1] = Σ dZ[1]",
        ],
        lines,
    )
    assert d.convention == "exact" and "1/m" in d.convention_note


def test_course_convention_is_stated() -> None:
    d = seed_network().derive()
    assert d.convention == "course"
    assert "per-example" in d.convention_note and "dW, db" in d.convention_note


def test_l2_penalty_joins_dW() -> None:
    # J = (1/m) Σ L + (λ/2m) Σ‖W‖²  ⇒  dW = (1/m) dZ A_prevᵀ + (λ/m) W
    lines = derivation_lines(cr.mlp([2, 4, 1], hidden="tanh", l2=0.1).derive())
    assert "dW[2] = (1/m) dZ[2] A[1]ᵀ + (λ / m) W[2]" in lines


# -- the NumPy code that runs -------------------------------------------------------------------
def test_numpy_source_uses_the_notation() -> None:
    source = seed_network().source()
    for line in [
        "Z1 = W1 @ X + b1",
        "A1 = np.tanh(Z1)",
        "dZ2 = A2 - Y",
        "dW2 = 1 / m * (dZ2 @ A1.T)",
        "db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)",
        "dA1 = W2.T @ dZ2",
        "dZ1 = dA1 * (1 - A1**2)",
        "dW1 = 1 / m * (dZ1 @ X.T)",
    ]:
        assert f"    {line}\n" in source, line
    assert "def sigmoid(x):" in source and "1 / (1 + np.exp(-np.maximum(x, -709.0)))" in source


# -- cr.grad formulas ---------------------------------------------------------------------------
SHAPES = {"W": (3, 4), "x": (4, 1), "b": (3, 1), "A": (2, 3), "B": (3, 2), "z": (3, 1)}


@pytest.mark.parametrize(
    ("source", "wrt", "formula"),
    [
        ("np.sum(np.tanh(W @ x))", "W", "(1 − tanh(W x)²) xᵀ"),
        ("np.sum(np.tanh(W @ x))", "x", "Wᵀ (1 − tanh(W x)²)"),
        ("np.sum(A * B.T)", "A", "Bᵀ"),
        ("np.sum(np.exp(z))", "z", "exp(z)"),
        ("np.sum(np.log(sigmoid(z)))", "z", "1 − σ(z)"),
        ("np.sum(sigmoid(W @ x + b))", "b", "(1 − σ(W x + b)) ⊙ σ(W x + b)"),
        ("-np.sum(z)", "z", "−1"),
        ("np.sum(z ** -2)", "z", "−2 / z³"),
    ],
)
def test_grad_formula(source: str, wrt: str, formula: str) -> None:
    assert str(cr.grad(source, wrt=wrt, shapes=SHAPES)) == formula


def test_grad_with_symbolic_shapes() -> None:
    g = cr.grad("np.mean(X)", wrt="X", shapes={"X": ("n", "m")})
    assert str(g) == "1/(m n)"
    assert g.shape == ("n", "m")


# -- the text printer's precedence ----------------------------------------------------------------
A, B, C = (build.var(name, (2, 2)) for name in "ABC")
Z = build.var("Z", (2, 2))


def _f(name: str, x: Expr) -> Expr:
    return build.fn(scalar.lookup(name), x)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (A - (B + C), "A − (B + C)"),  # subtraction of a sum is parenthesised
        (A - (B - C), "A − (B − C)"),
        ((A + B) - C, "A + B − C"),
        (build.add(A, build.add(B, C)), "A + (B + C)"),
        (A - (-B), "A − (−B)"),
        ((A @ B).T, "(A B)ᵀ"),  # transpose of a product
        (A.T @ B.T, "Aᵀ Bᵀ"),
        ((A + B).T, "(A + B)ᵀ"),
        (A @ (B @ C), "A B C"),  # the product is associative
        ((A + B) @ (B @ C), "(A + B) B C"),
        (A @ (B + C), "A (B + C)"),
        ((A @ B) @ C, "A B C"),
        ((A + B) @ C, "(A + B) C"),
        (_f("tanh", Z) ** 2, "tanh(Z)²"),  # powers of functions
        ((A + B) ** 2, "(A + B)²"),
        (build.fn(scalar.power(2), A @ B), "(A B)²"),
        (build.fn(scalar.power(-2), A), "A⁻²"),
        (build.fn(scalar.power(-1), _f("sigmoid", Z)), "1/σ(Z)"),
        (_f("tanh", A + B), "tanh(A + B)"),
        ((A + B) * C, "(A + B) ⊙ C"),
        (A * (B * C), "A ⊙ (B ⊙ C)"),
        (A * B / C, "A ⊙ B / C"),
        (A / (B * C), "A / (B ⊙ C)"),
        (-(A + B), "−(A + B)"),
        (build.scale(build.const(-2), A), "−2 A"),
        (build.scale(build.np_pow(build.dim("m"), -1), A - B), "(1/m) (A − B)"),
        (build.sum_(A * B, 1, True), "Σ₁ (A ⊙ B)"),
        (_f("relu", Z) + _f("step", Z), "relu(Z) + 𝟙(Z > 0)"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_text_precedence(expr: Expr, expected: str) -> None:
    assert text(expr) == expected


def test_layer_names_and_batch_sum() -> None:
    dZ = build.var("dZ2", (1, "m"))
    assert text(build.sum_(dZ, 1, True), layer_names=True, batch="m") == "Σ dZ[2]"
    assert text(build.sum_(dZ, 1, True), layer_names=False) == "Σ₁ dZ2"
