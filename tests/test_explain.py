"""cr.explain: the chain, the arguments and the numbers behind one backward step."""

from __future__ import annotations

import json

import pytest
import sympy

import chainrule as cr
from chainrule.cli import main
from chainrule.errors import ChainruleError, UnknownNameError
from chainrule.explain.doc import Ex
from chainrule.explain.notation import text_math

NET = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")


def t(m, naming):  # a formula or math node as unicode text
    return text_math(Ex(m, naming)) if hasattr(m, "op") else text_math(m)


@pytest.fixture(scope="module")
def dz1():
    return cr.explain(NET, "dZ1")


def test_chain_of_dz1(dz1):
    # ∂L/∂Z[1] = ∂L/∂Z[2] · ∂Z[2]/∂A[1] · ∂A[1]/∂Z[1]
    (term,) = dz1.terms
    kinds = [f.kind for f in term.factors]
    assert kinds == ["known", "matrix", "elementwise"]
    known, matrix, diag = term.factors
    n = dz1.naming
    assert t(known.value, n) == "A[2] − Y"
    assert t(matrix.value, n) == "W[2]" and matrix.side == "left"
    assert t(matrix.vjp, n) == "W[2]ᵀ dZ[2]"
    assert matrix.equation.name == "Z2"
    assert t(diag.value, n) == "1 − A[1]²"  # tanh′ = 1 − tanh², written with A[1]


def test_dimension_argument_finds_the_only_fitting_product(dz1):
    (shape,) = dz1.shapes
    (fit,) = shape.fitting
    assert (t(fit.left, dz1.naming), t(fit.right, dz1.naming)) == ("W[2]ᵀ", "dZ[2]")
    assert len(shape.arrangements) == 8


def test_index_argument(dz1):
    matrix, diag = dz1.indices
    # z[2]ᵢⱼ = Σₖ W[2]ᵢₖ a[1]ₖⱼ + b[2]ᵢ  ⇒  ∂L/∂a[1]ₖⱼ = Σᵢ W[2]ᵢₖ ∂L/∂z[2]ᵢⱼ = (W[2]ᵀ dZ[2])ₖⱼ
    assert text_math(matrix.premise) == "Σₖ W[2]ᵢₖ a[1]ₖⱼ + b[2]ᵢ"
    assert text_math(matrix.target) == "∂L/∂a[1]ₖⱼ"
    assert text_math(matrix.conclusion) == "Σᵢ W[2]ᵢₖ ∂L/∂z[2]ᵢⱼ"
    assert text_math(matrix.matrix) == "(W[2]ᵀ dZ[2])ₖⱼ"
    assert matrix.summed == ("i",)
    # a[1]ᵢⱼ = tanh(z[1]ᵢⱼ)  ⇒  ∂L/∂z[1]ᵢⱼ = ∂L/∂a[1]ᵢⱼ · (1 − a[1]ᵢⱼ²)
    assert text_math(diag.conclusion) == "∂L/∂a[1]ᵢⱼ · (1 − a[1]ᵢⱼ²)"


def test_derivative_by_sympy(dz1):
    (d,) = dz1.derivatives
    assert d.record.name == "tanh" and d.layer == "1"
    assert text_math(d.derivative) == "1 − tanh(z)²"
    assert text_math(d.applied) == "1 − A[1]²"


def test_l_versus_j_and_the_numbers(dz1):
    assert dz1.averaging.per_example and dz1.averaging.factor is None
    assert dz1.numbers.objective == "m·J" and dz1.numbers.agree
    exact, rows = dz1.variants
    assert exact.convention == "exact" and exact.relation == "scaled" and exact.checked
    assert exact.ratio == pytest.approx(1 / 3)  # 1/m with m = 3
    assert rows.layout == "rows" and rows.relation == "transposed" and rows.checked


def test_parameters_carry_one_over_m():
    x = cr.explain(NET, "db1")
    (term,) = x.terms
    assert t(term.scale, x.naming) == "1/m"
    assert term.factors[-1].kind == "sum"  # the adjoint of broadcasting b[1]
    assert [f.kind for f in x.averaging.sums_examples] == ["sum"]
    assert x.numbers.objective == "J" and x.numbers.agree


def test_rows_layout_puts_the_transpose_on_the_left():
    x = cr.explain(NET, "dW1", layout="rows")
    assert t(x.step.expanded, x.naming) == "(1/m) Xᵀ dZ[1]"
    assert x.terms[0].factors[-1].side == "left"
    assert x.layout == "rows" and x.numbers.agree


def test_exact_convention_says_where_one_over_m_enters():
    x = cr.explain(NET, "dZ1", convention="exact")
    assert x.top == "J" and x.averaging.seed_step.target == "dL"
    assert "Where 1/m enters in the exact convention" in str(x)


def test_square_weights_leave_two_candidates_for_the_shapes():
    x = cr.explain(cr.mlp([3, 3, 1], hidden="tanh"), "dW1")
    (shape,) = x.shapes
    assert len(shape.fitting) == 2
    assert "Shapes alone leave 2 candidates" in str(x)


def test_softmax_with_cross_entropy_is_simplified_by_the_algebra():
    x = cr.explain(cr.mlp([3, 4, 3], output="softmax", loss="ce"), "dZ2")
    assert t(x.step.expr, x.naming) == "A[2] − Y"
    assert [f.kind for f in x.terms[0].factors] == ["composite", "composite"]
    assert "simplifies it to dZ[2] = A[2] − Y" in str(x)
    assert "is not entry by entry" in str(x)


def test_user_defined_activation():
    z = sympy.Symbol("z")
    swish = cr.activation("swish", z * sympy.tanh(z))
    x = cr.explain(cr.mlp([2, 3, 1], hidden=swish), "dZ1")
    (d,) = x.derivatives
    assert text_math(d.derivative) == "z (1 − tanh(z)²) + tanh(z)"
    assert x.numbers.agree


def test_gradient_of_an_expression_is_split_into_primitives():
    g = cr.grad("np.sum(np.tanh(W @ x))", wrt="W", shapes={"W": (3, 4), "x": (4, 1)})
    x = cr.explain(g)
    (term,) = x.terms
    assert [f.kind for f in term.factors] == ["spread", "elementwise", "matrix"]
    assert x.top == "f" and x.numbers.agree
    assert text_math(x.indices[-1].conclusion) == "Hᵢ xⱼ"  # an outer product: nothing summed


@pytest.mark.parametrize("spelling", ["dZ1", "dZ[1]", "Z1", "Z[1]"])
def test_quantity_spellings(spelling):
    assert cr.explain(NET, spelling).quantity == "dZ1"


def test_unknown_quantity_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="known quantities: dL, dA2, dZ2, dW2"):
        cr.explain(NET, "dZ7")
    with pytest.raises(ChainruleError, match="cannot explain a str"):
        cr.explain("net", "dZ1")


def test_every_format_renders(dz1):
    from chainrule.explain.formats import render

    for fmt in ("text", "latex", "markdown", "html", "json"):
        assert "dZ" in render(dz1, fmt)
    data = json.loads(render(dz1, "json"))
    assert data["formula"]["latex"] == r"W^{[2]\top} dZ^{[2]} \odot (1 - A^{[1]2})"
    assert data["numbers"]["agree"]


def test_rich_display_hooks(dz1):
    g = cr.grad("np.sum(W @ x)", wrt="W", shapes={"W": (2, 3), "x": (3, 1)})
    for obj in (dz1, NET, NET.derive(), g):
        assert obj._repr_markdown_().startswith("# ")
        assert "<math" in obj._repr_html_()
        assert obj._repr_latex_().startswith("$$")


# -- the command line ---------------------------------------------------------------------------
ARGS = ["--layers", "2,4,1", "--hidden", "tanh", "--output", "sigmoid", "--loss", "bce"]


def test_cli_explain(capsys):
    assert main(["explain", "dZ1", *ARGS]) == 0
    out = " ".join(capsys.readouterr().out.split())  # undo the wrapping
    for piece in (
        "∂L/∂Z[1] = ∂L/∂Z[2] · ∂Z[2]/∂A[1] · ∂A[1]/∂Z[1]",
        "Only W[2]ᵀ dZ[2] has the right shape",
        "∂L/∂a[1]ₖⱼ = Σᵢ W[2]ᵢₖ ∂L/∂z[2]ᵢⱼ = (W[2]ᵀ dZ[2])ₖⱼ",
        "diag(d) v = d ⊙ v",
        "d/dz tanh(z) = 1 − tanh(z)²",
        "g[1]′(Z[1]) = tanh′(Z[1]) = 1 − tanh(Z[1])² = 1 − A[1]²",
        "1/m enters only where the examples are added up",
        "they agree",
        "dZ[1] = dZ[2] W[2]ᵀ ⊙ (1 − A[1]²)",
    ):
        assert piece in out, piece


def test_cli_unknown_quantity_is_one_line(capsys):
    assert main(["explain", "dQ1", *ARGS]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "known quantities: dL, dA2" in err[0]


def test_cli_explain_an_expression(capsys):
    args = ["explain", "dW", "np.sum(np.tanh(W @ x))", "--shape", "W=3x4", "--shape", "x=4x1"]
    assert main(args) == 0
    assert "∂f/∂W = ∂f/∂(tanh(W x)) · ∂(tanh(W x))/∂(W x) · ∂(W x)/∂W" in capsys.readouterr().out


def test_cli_writes_a_file(tmp_path, capsys):
    out = tmp_path / "dZ1.md"
    assert main(["explain", "dZ1", *ARGS, "--format", "markdown", "-o", str(out)]) == 0
    assert out.read_text().startswith("# Why $dZ^{[1]}")


def test_cli_derive_steps(capsys):
    assert main(["derive", *ARGS, "--steps"]) == 0
    out = capsys.readouterr().out
    assert "Forward pass" in out and "Z[1]      W[1] X + b[1]" in out
    assert out.index("dZ[2] = A[2] − Y") < out.index("dZ[1] = W[2]ᵀ dZ[2] ⊙ (1 − A[1]²)")
    assert "Times 1/m: a parameter gradient is a gradient of J" in out


def test_cli_derive_keeps_its_plain_output(capsys):
    assert main(["derive", *ARGS]) == 0
    assert "  dZ[1] = W[2]ᵀ dZ[2] ⊙ (1 − A[1]²)" in capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["latex", "markdown", "html", "json"])
def test_cli_derive_document_formats(fmt, tmp_path, capsys):
    out = tmp_path / f"steps.{fmt}"
    assert main(["derive", *ARGS, "--steps", "--format", fmt, "-o", str(out)]) == 0
    assert "dZ" in out.read_text()
