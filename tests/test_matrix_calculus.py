"""Matrix calculus beyond networks: the wider language, the forms a reader expects, bad input.

Golden strings pin the simplified gradients the issue names (∂ tr(A X B)/∂X = Aᵀ Bᵀ, …); the
language is checked against NumPy's own values; the new primitives' records are complete; errors
are chainrule errors that say what is wrong.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.calculus import common_subexpressions, formula_lines
from chainrule.evaluate import evaluate
from chainrule.ir import linalg
from chainrule.printers.numpy_code import numpy_source
from chainrule.printers.text import text
from chainrule.rules import PRIMITIVES

SQ = {"X": (3, 3), "A": (3, 3)}

# -- golden forms -------------------------------------------------------------------------------
GOLDEN = [
    # expression, wrt, shapes, ∂f/∂wrt as the reader expects it
    ("np.trace(A @ X @ B)", "X", {"A": (2, 3), "X": (3, 4), "B": (4, 2)}, "Aᵀ Bᵀ"),
    ("x.T @ A @ x", "x", {"x": (3, 1), "A": (3, 3)}, "(A + Aᵀ) x"),
    ("np.sum((A @ x - b)**2)", "x", {"A": (4, 3), "x": (3, 1), "b": (4, 1)}, "2 Aᵀ (A x − b)"),
    (
        "np.linalg.norm(A @ x - b)**2",
        "x",
        {"A": (4, 3), "x": (3, 1), "b": (4, 1)},
        "2 Aᵀ (A x − b)",
    ),
    ("np.linalg.det(X)", "X", SQ, "det(X) X⁻ᵀ"),
    ("np.log(np.linalg.det(X))", "X", SQ, "X⁻ᵀ"),
    ("np.trace(A @ np.linalg.inv(X) @ B)", "X", {**SQ, "B": (3, 3)}, "−X⁻ᵀ Aᵀ Bᵀ X⁻ᵀ"),
    ("a.T @ np.linalg.inv(X) @ b", "X", {"a": (3, 1), "X": (3, 3), "b": (3, 1)}, "−X⁻ᵀ a bᵀ X⁻ᵀ"),
    ("np.linalg.norm(x)", "x", {"x": (3, 1)}, "(1/‖x‖) x"),
    ("np.trace(X.T @ X)", "X", {"X": (4, 3)}, "2 X"),
    ("np.sum(np.outer(x, y) * A)", "x", {"x": (3, 1), "y": (2, 1), "A": (3, 2)}, "A y"),
]


@pytest.mark.parametrize("source, wrt, shapes, expected", GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden_form(source: str, wrt: str, shapes: dict, expected: str) -> None:
    assert str(cr.grad(source, wrt, shapes)) == expected


# -- the language -------------------------------------------------------------------------------
def _vec_diag(v: np.ndarray) -> np.ndarray:
    return np.diagflat(v)  # np.diag of an (n, 1) column in the language means diagflat


LANGUAGE = [
    # source, shapes, NumPy's value of it
    ("np.trace(X)", SQ, lambda v: np.trace(v["X"])),
    ("np.linalg.inv(X)", SQ, lambda v: np.linalg.inv(v["X"])),
    ("np.linalg.det(X)", SQ, lambda v: np.linalg.det(v["X"])),
    ("np.log(np.linalg.det(X))", SQ, lambda v: np.log(np.linalg.det(v["X"]))),
    ("np.linalg.norm(x)", {"x": (4, 1)}, lambda v: np.linalg.norm(v["x"])),
    ("np.linalg.norm(x, 2)", {"x": (4, 1)}, lambda v: np.linalg.norm(v["x"], 2)),
    ("np.linalg.norm(x, ord=1)", {"x": (4, 1)}, lambda v: np.linalg.norm(v["x"], 1)),
    ("np.linalg.norm(B, 'fro')", {"B": (3, 4)}, lambda v: np.linalg.norm(v["B"], "fro")),
    ("np.linalg.matrix_power(X, 3)", SQ, lambda v: np.linalg.matrix_power(v["X"], 3)),
    ("np.linalg.matrix_power(X, 0)", SQ, lambda v: np.eye(3)),
    ("np.linalg.matrix_power(X, -2)", SQ, lambda v: np.linalg.matrix_power(v["X"], -2)),
    ("np.diag(x)", {"x": (4, 1)}, lambda v: _vec_diag(v["x"])),
    ("np.diag(X)", SQ, lambda v: np.diag(v["X"])[:, None]),
    ("np.outer(x, y)", {"x": (4, 1), "y": (1, 3)}, lambda v: np.outer(v["x"], v["y"])),
    ("np.kron(A, B)", {"A": (2, 3), "B": (3, 2)}, lambda v: np.kron(v["A"], v["B"])),
    ("np.ones((3, 2)) * 2", {}, lambda v: 2 * np.ones((3, 2))),
    ("x.T @ np.ones(4)", {"x": (4, 1)}, lambda v: v["x"].T @ np.ones((4, 1))),
    ("np.eye(3) + X", SQ, lambda v: np.eye(3) + v["X"]),
    ("np.identity(3) @ X", SQ, lambda v: v["X"]),
    ("X / np.trace(X)", SQ, lambda v: v["X"] / np.trace(v["X"])),
    ("x / (x.T @ x)", {"x": (4, 1)}, lambda v: v["x"] / (v["x"].T @ v["x"])),
    ("np.sin(x) + np.cos(x) * np.tan(x)", {"x": (4, 1)}, lambda v: np.sin(v["x"]) * 2),
    (
        "np.sqrt(np.abs(x)) + np.cbrt(x)",
        {"x": (4, 1)},
        lambda v: np.sqrt(abs(v["x"])) + np.cbrt(v["x"]),
    ),
    ("np.power(x, 3)", {"x": (4, 1)}, lambda v: v["x"] ** 3),
    (
        "softmax(B, axis=1)",
        {"B": (3, 4)},
        lambda v: np.exp(v["B"]) / np.exp(v["B"]).sum(1, keepdims=True),
    ),
    (
        "logsumexp(B, axis=0, keepdims=True)",
        {"B": (3, 4)},
        lambda v: np.log(np.exp(v["B"]).sum(0, keepdims=True)),
    ),
]


def random_values(shapes: dict, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {k: rng.uniform(0.3, 1.3, s) * rng.choice([-1.0, 1.0], s) for k, s in shapes.items()}
    return {k: v + 3 * np.eye(len(v)) if k == "X" else v for k, v in out.items()}


@pytest.mark.parametrize("source, shapes, reference", LANGUAGE, ids=[s for s, _, _ in LANGUAGE])
def test_language_means_numpy(source: str, shapes: dict, reference) -> None:
    v = random_values(shapes)
    e = cr.parse(source, shapes)
    got = evaluate(e, v, {})
    np.testing.assert_allclose(
        np.broadcast_to(got, e.shape), np.reshape(reference(v), e.shape), rtol=1e-12, atol=1e-12
    )


def test_shape_arguments_may_be_symbolic() -> None:
    e = cr.parse("np.ones((n, 1)).T @ x + np.trace(np.eye(n))", {"x": ("n", 1)})
    assert e.shape == (1, 1)
    assert np.squeeze(evaluate(e, {"x": np.ones((4, 1))}, {"n": 4})) == 8.0


# -- printing named compositions ------------------------------------------------------------------
PRINTED = [
    ("np.trace(A @ X)", "tr(A X)", "np.trace(A @ X)"),
    ("np.diag(x)", "diag(x)", "np.diagflat(x)"),
    ("np.diag(X)", "diag(X)", "np.diag(X)[:, None]"),
    ("np.kron(A, X)", "A ⊗ X", "np.kron(A, X)"),
    ("np.linalg.matrix_power(X, 3)", "X³", "np.linalg.matrix_power(X, 3)"),
    ("np.linalg.norm(x)", "‖x‖", "np.linalg.norm(x)"),
    ("np.linalg.norm(X)", "‖X‖_F", "np.linalg.norm(X)"),
    ("np.linalg.inv(X).T", "X⁻ᵀ", "np.linalg.inv(X).T"),
    ("np.linalg.det(X) * A", "det(X) A", "np.linalg.det(X) * A"),
    ("np.outer(x, x)", "x xᵀ", "x @ x.T"),
]


@pytest.mark.parametrize("source, txt, code", PRINTED, ids=[p[0] for p in PRINTED])
def test_named_compositions_print_by_name(source: str, txt: str, code: str) -> None:
    e = cr.parse(source, {**SQ, "x": (3, 1)})
    assert text(e) == txt
    assert numpy_source(e) == code


def test_a_trace_written_by_hand_reads_as_a_trace() -> None:
    assert text(cr.parse("np.sum(X * np.eye(3))", SQ)) == "tr(X)"


# -- the new primitives ---------------------------------------------------------------------------
@pytest.mark.parametrize("op, arity", [("inv", 1), ("det", 1), ("blocks", 0)])
def test_primitive_record_is_complete(op: str, arity: int) -> None:
    p = PRIMITIVES[op]
    assert len(p.vjps) == arity
    for field in ("title", "notation", "shape_rule", "rule", "justification", "index_form"):
        assert getattr(p, field), field
    assert p.shape_argument and p.reading and callable(p.numpy) and callable(p.build)


def test_inverse_is_computed_once_in_its_gradient() -> None:
    # ∂ tr(X⁻¹)/∂X = −X⁻ᵀ X⁻ᵀ: the rule reuses the node X⁻¹, so common subexpressions find it
    g = cr.grad("np.trace(np.linalg.inv(X)) + np.linalg.det(X)", "X", SQ)
    defs, (body,) = common_subexpressions([g.expr])
    assert [text(d) for _, d in defs] == ["X⁻ᵀ"]
    assert text(body) == "det(X) t1 − t1²"


def test_formula_lines_name_repeated_subexpressions() -> None:
    h = cr.hessian("np.sum(np.log(1 + np.exp(A @ x)))", "x", {"A": (4, 3), "x": (3, 1)})
    lines = h.lines()
    assert lines[0] == "T1 = exp(A x) + 1" and lines[-1].startswith("H = Aᵀ")
    assert formula_lines("g", cr.parse("x", {"x": (3, 1)})) == ["g = x"]


# -- bad input ------------------------------------------------------------------------------------
def test_grad_of_a_non_scalar_is_refused() -> None:
    with pytest.raises(cr.ShapeError, match="scalar"):
        cr.grad("A @ x", "x", {"A": (2, 3), "x": (3, 1)})


def test_singular_matrix_at_evaluation() -> None:
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    g = cr.grad("np.trace(np.linalg.inv(X))", "X", {"X": (2, 2)})
    with pytest.raises(cr.EvaluationError, match="singular"):
        g(X=singular)
    with pytest.raises(cr.EvaluationError, match="singular"):
        evaluate(cr.parse("np.linalg.inv(X)", {"X": (2, 2)}), {"X": singular}, {})
    with pytest.raises(cr.EvaluationError, match="singular"):  # the gradient of det needs X⁻¹
        evaluate(cr.grad("np.linalg.det(X)", "X", {"X": (2, 2)}).expr, {"X": singular}, {})


BAD_SHAPES = [
    ("A @ x", {"A": (2, 3), "x": (2, 1)}, "do not chain"),
    ("np.linalg.inv(A)", {"A": (2, 3)}, "square"),
    ("np.linalg.det(A)", {"A": (2, 3)}, "square"),
    ("np.trace(A)", {"A": (2, 3)}, "square"),
    ("np.linalg.norm(A, 2)", {"A": (2, 3)}, "not supported"),
    ("np.kron(A, A)", {"A": ("n", 3)}, "concrete"),
    ("np.outer(A, A)", {"A": (2, 3)}, "vector"),
    ("np.linalg.matrix_power(A, 2)", {"A": (2, 3)}, "square"),
]


@pytest.mark.parametrize("source, shapes, message", BAD_SHAPES, ids=[b[0] for b in BAD_SHAPES])
def test_shapes_that_do_not_fit(source: str, shapes: dict, message: str) -> None:
    with pytest.raises(cr.ShapeError, match=message):
        cr.parse(source, shapes)


@pytest.mark.parametrize(
    "source",
    ["np.tanh('fro')", "np.sum((2, 3))", "np.ones((x, 1))", "np.linalg.matrix_power(X, 1.5)"],
)
def test_bad_arguments_are_parse_errors(source: str) -> None:
    with pytest.raises(cr.ParseError):
        cr.parse(source, {"x": (3, 1), "X": (3, 3)})


def test_named_composition_builders_check_their_input() -> None:
    with pytest.raises(cr.ShapeError):
        linalg.blocks(2, 0, "repeat")
    with pytest.raises(cr.ShapeError):
        linalg.column(cr.parse("A", {"A": (2, 3)}))


def test_latex_names_the_linear_algebra() -> None:
    from chainrule.printers.latex import latex

    assert latex(cr.grad("np.linalg.det(X)", "X", SQ).expr) == r"\det(X) X^{-\top}"
    e = cr.parse("np.trace(A @ np.linalg.inv(X)) + np.linalg.norm(x)", {**SQ, "x": (3, 1)})
    assert latex(e) == r"\operatorname{tr}(A X^{-1}) + \lVert x \rVert"
