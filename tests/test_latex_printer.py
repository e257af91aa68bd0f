"""The LaTeX printer: golden strings in the course's notation, each one valid for MathML."""

from __future__ import annotations

import pytest
import sympy

import chainrule as cr
from chainrule.ir import build
from chainrule.printers.html_page import latex_to_mathml
from chainrule.printers.latex import latex, latex_name

NET = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")

# The course's six equations, and the dA[2] the algebra starts from.
COURSE = {
    "dA2": r"\frac{1 - Y}{1 - A^{[2]}} - \frac{Y}{A^{[2]}}",
    "dZ2": r"A^{[2]} - Y",
    "dW2": r"\frac{1}{m} dZ^{[2]} A^{[1]\top}",
    "db2": r"\frac{1}{m} \sum_{i=1}^{m} dZ^{[2](i)}",
    "dA1": r"W^{[2]\top} dZ^{[2]}",
    "dZ1": r"W^{[2]\top} dZ^{[2]} \odot (1 - A^{[1]2})",
    "dW1": r"\frac{1}{m} dZ^{[1]} X^{\top}",
    "db1": r"\frac{1}{m} \sum_{i=1}^{m} dZ^{[1](i)}",
}


@pytest.mark.parametrize("target", list(COURSE))
def test_course_equations(target):
    step = NET.derive()[target]
    tex = latex(step.expanded, layer_names=True, batch="m")
    assert tex == COURSE[target]
    latex_to_mathml(tex)


def test_rows_layout_and_exact_convention():
    rows = cr.mlp([2, 4, 1], hidden="tanh", layout="rows").derive()
    assert latex(rows["dW1"].expanded, True, "m") == r"\frac{1}{m} X^{\top} dZ^{[1]}"
    assert latex(rows["dZ1"].expanded, True, "m") == r"dZ^{[2]} W^{[2]\top} \odot (1 - A^{[1]2})"
    exact = NET.derive("exact")
    assert latex(exact["dZ2"].expanded, True, "m") == r"\frac{1}{m} (A^{[2]} - Y)"


def test_forward_equations():
    p = cr.mlp([3, 5, 2], hidden="relu", output="softmax", loss="ce", l2=0.1).program
    forms = {eq.name: latex(eq.expr, True, "m") for eq in p.equations}
    assert forms["Z1"] == r"W^{[1]} X + b^{[1]}"
    assert forms["A1"] == r"\operatorname{relu}(Z^{[1]})"
    assert forms["A2"] == r"\frac{\exp(Z^{[2]})}{\sum_{0} \exp(Z^{[2]})}"
    assert forms["L"] == r"-\sum_{0} (Y \odot \log(A^{[2]}))"
    assert r"\frac{\lambda}{2 m}" in forms["J"]  # J = (1/m) Σ L + (λ/2m) Σ‖W‖²
    for tex in forms.values():
        latex_to_mathml(tex)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("np.sum(np.tanh(W @ x))", r"\sum \tanh(W x)"),
        ("np.sum(np.sqrt(x) / (1 + x**3))", r"\sum \frac{\sqrt{x}}{1 + x^{3}}"),
        ("np.sum(np.maximum(x, 0))", r"\sum \operatorname{relu}(x)"),
        ("np.sum(W.T @ y)", r"\sum (W^{\top} y)"),
        ("np.sum((W @ x).T)", r"\sum (W x)^{\top}"),
        ("np.sum(x, axis=0, keepdims=True)", r"\sum_{0} x"),
        ("np.sum(0.5 * x)", r"\sum (\frac{1}{2} x)"),
    ],
)
def test_expressions(source, expected):
    e = cr.parse(source, {"W": (3, 4), "x": (4, 1), "y": (3, 1)})
    assert latex(e) == expected
    latex_to_mathml(expected)


def test_names():
    assert latex_name("dZ12", True) == "dZ^{[12]}"
    assert latex_name("W2", True, r"\top") == r"W^{[2]\top}"
    assert latex_name("lambd") == r"\lambda"
    assert latex_name("x0") == "x_{0}"
    assert latex_name("keep_prob1") == r"\mathit{keep\_prob1}"


def test_custom_activation_names_are_escaped():
    swish = cr.activation("my_swish", sympy.Symbol("z") * sympy.tanh(sympy.Symbol("z")))
    tex = latex(build.fn(swish, build.var("Z1", (3, "m"))), True)
    assert tex == r"\operatorname{my\_swish}(Z^{[1]})"
    latex_to_mathml(tex)
