"""For random networks and every quantity: the explanation's numbers agree with finite
differences, and every LaTeX fragment of it converts to MathML."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.explain.render_markdown import render_markdown
from chainrule.printers.html_page import latex_to_mathml

HIDDEN = ["tanh", "relu", "sigmoid", "leaky_relu", "softplus"]
HEADS = [("sigmoid", "bce"), ("softmax", "ce"), ("linear", "mse"), ("tanh", "mse")]
_DISPLAY = re.compile(r"^\$\$\n(.*?)\n\$\$$", re.S | re.M)
_INLINE = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.S)


def latex_fragments(markdown: str) -> list[str]:
    """Every formula of a Markdown document: ``$$`` blocks and inline ``$…$``."""
    displays = _DISPLAY.findall(markdown)
    rest = _DISPLAY.sub("", markdown)
    return displays + _INLINE.findall(rest)


def check(x) -> None:
    assert x.numbers.agree, (x.quantity, x.numbers.max_error, x.numbers.relative_error)
    # every claim is confirmed on the numbers: the learners' questions, the other conventions
    assert all(a.checked for a in x.answers), [a.key for a in x.answers if not a.checked]
    assert all(v.checked for v in x.variants), x.quantity
    markdown = render_markdown(x.document())
    assert "NOT confirmed" not in markdown and "(−dL)" not in markdown
    fragments = latex_fragments(markdown)
    assert len(fragments) > 10
    for tex in fragments:
        latex_to_mathml(tex)


@st.composite
def networks(draw):
    depth = draw(st.integers(1, 3))
    output, loss = draw(st.sampled_from(HEADS))
    n_out = 1 if loss == "bce" else draw(st.integers(2 if loss == "ce" else 1, 3))
    widths = [draw(st.integers(1, 4)) for _ in range(depth)]
    hidden = [draw(st.sampled_from(HIDDEN)) for _ in range(depth - 1)]
    extras = draw(st.sampled_from([{}, {"l2": 0.1}, {"keep_prob": 0.8}]))
    if depth == 1:
        extras = {k: v for k, v in extras.items() if k != "keep_prob"}
    layout = draw(st.sampled_from(["columns", "rows"]))
    net = cr.mlp([*widths, n_out], hidden, output, loss, layout, **extras)
    return net, draw(st.sampled_from(["course", "exact"]))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_every_quantity_of_random_networks(case):
    net, convention = case
    for quantity in net.derive(convention).targets:
        check(cr.explain(net, quantity, convention))


EXPRESSIONS = [
    ("np.sum(np.tanh(W @ x))", "W", {"W": (3, 4), "x": (4, 1)}),
    ("np.sum((W @ x - y) ** 2) + np.sum(W * W)", "W", {"W": (2, 3), "x": (3, "n"), "y": (2, "n")}),
    (
        "np.mean(np.log(1 + np.exp(-y * (w.T @ X))))",
        "w",
        {"w": (3, 1), "X": (3, "m"), "y": (1, "m")},
    ),
    (
        "np.sum(np.exp(A) / np.sum(np.exp(A), axis=0, keepdims=True) * B)",
        "A",
        {"A": (3, 2), "B": (3, 2)},
    ),
    ("np.sum(np.sqrt(x * x + 1))", "x", {"x": (4, 1)}),
]


@pytest.mark.parametrize(("source", "wrt", "shapes"), EXPRESSIONS, ids=[e[0] for e in EXPRESSIONS])
def test_gradients_of_expressions(source, wrt, shapes):
    check(cr.explain(cr.grad(source, wrt=wrt, shapes=shapes)))
