"""``chainrule derive``: the backward equations of a network, or the gradient of an expression."""

from __future__ import annotations

import sys

import click

from ..autodiff import Derivation
from ..errors import SpecError
from ..explain.formats import FORMATS, render
from ..gradient import Gradient, grad
from ..ir.expr import walk
from ..ir.shapes import fmt_shape
from ..nets import Network
from ..printers.cse import common_subexpressions, repetitive
from ..printers.numpy_code import numpy_source
from ..printers.text import derivation_lines, forward_lines, target_text, text
from .options import (
    convention_option,
    emit,
    emit_json,
    format_option,
    network_from,
    network_options,
    output_option,
    shape_arg,
    shapes_option,
)


@click.command("derive")
@click.argument("expression", required=False)
@network_options
@click.option("--wrt", help="variable to differentiate an EXPRESSION with respect to")
@shapes_option
@convention_option
@click.option(
    "--emit",
    "emit_to",
    type=click.Choice(["numpy", "torch", "jax"]),
    default=None,
    help="print runnable code for the gradient instead of the formulas",
)
@click.option(
    "--steps",
    is_flag=True,
    help="the whole derivation as a document: forward pass with shapes, every step justified",
)
@format_option(*FORMATS)
@output_option
def command(
    expression: str | None,
    wrt: str | None,
    shapes: tuple[str, ...],
    convention: str,
    emit_to: str | None,
    steps: bool,
    fmt: str,
    out: object,
    **net_kw: object,
) -> None:
    """Print the derived backward pass of a network, or the gradient of an EXPRESSION.

    With --steps (or --format latex, markdown or html) the output is a document: the forward pass
    with a table of shapes, then every backward step in order with its justification.

    \b
    Examples:
      chainrule derive --layers 2,4,1 --hidden tanh --output sigmoid --loss bce
      chainrule derive --layers 2,4,1 --hidden tanh --output sigmoid --loss bce --steps
      chainrule derive --layers 2,4,1 --hidden tanh --steps --format html -o steps.html
      chainrule derive "np.sum(np.tanh(W @ x))" --wrt W --shape W=3x4 --shape x=4x1
    """
    if emit_to is None and (steps or fmt in ("latex", "markdown", "html")):
        _document(expression, wrt, shapes, convention, fmt, out, net_kw)
        return
    if expression is not None and emit_to is None:
        _expression(expression, wrt, shapes, fmt, out)
        return
    if emit_to is not None:
        from ..export import export  # the code exporters sit above the derivation layer

        target = (
            _gradient(expression, wrt, shapes) if expression is not None else network_from(net_kw)
        )
        emit(export(target, to=emit_to), out)
        return
    net = network_from(net_kw)
    d = net.derive(convention)
    if fmt == "json":
        emit_json(_network_json(net, d), out)
        return
    lines = [f"network {net.describe()}, examples as {net.spec.layout}", "", "forward:"]
    lines += ["  " + s for s in forward_lines(d.program)]
    lines += ["", f"backward ({d.convention} convention: {d.convention_note}):"]
    lines += ["  " + s for s in derivation_lines(d)]
    emit("\n".join(lines), out)


def _document(
    expression: str | None,
    wrt: str | None,
    shapes: tuple[str, ...],
    convention: str,
    fmt: str,
    out: object,
    net_kw: dict,
) -> None:
    """The derivation as a document (``--steps``), in ``fmt``."""
    from ..explain.steps import derivation_document

    if expression is not None:
        g = _gradient(expression, wrt, shapes)
        doc = derivation_document(g.derivation, f"f = {expression}")
    else:
        net = network_from(net_kw)
        subject = f"network {net.describe()}, examples as {net.spec.layout}"
        doc = derivation_document(net.derive(convention), subject)
    emit(render(doc, fmt, color=out is None and sys.stdout.isatty()), out)


def _gradient(source: str, wrt: str | None, shapes: tuple[str, ...]) -> Gradient:
    """The gradient an EXPRESSION with ``--wrt`` and ``--shape`` options asks for."""
    if not wrt:
        raise SpecError("--wrt is required with an expression", hint="e.g. --wrt W")
    return grad(source, wrt, dict(shape_arg(s) for s in shapes))


def _expression(
    source: str, wrt: str | None, shapes: tuple[str, ...], fmt: str, out: object
) -> None:
    g = _gradient(source, wrt, shapes)
    if fmt == "json":
        emit_json(
            {
                "expression": source,
                "wrt": wrt,
                "gradient": str(g),
                "shape": list(g.shape),
                **_numpy_fields(g),
            },
            out,
        )
        return
    first, *where = str(g).split("\n")  # a long formula's named parts follow on their own lines
    emit("\n".join([f"∂f/∂{wrt} = {first}    {fmt_shape(g.shape)}", *where]), out)


def _numpy_fields(g: Gradient) -> dict:
    """``{"numpy": source}``; a gradient whose written-out form is far longer than its DAG gets its
    shared parts named once (``"numpy_where": [{"name": "t1", "numpy": …}, …]``, in the order they
    must be computed), so the JSON grows linearly with nesting as the text does."""
    if not repetitive([g.expr]):
        return {"numpy": numpy_source(g.expr)}
    taken = {v.name for v in walk(g.expr) if v.op == "var"}
    definitions, (body,) = common_subexpressions([g.expr], "t", taken)
    where = [{"name": name, "numpy": numpy_source(d)} for name, d in definitions]
    return {"numpy": numpy_source(body), "numpy_where": where}


def _network_json(net: Network, d: Derivation) -> dict:
    p = d.program
    return {
        "network": net.describe(),
        "layers": list(net.spec.layers),
        "layout": net.spec.layout,
        "convention": d.convention,
        "convention_note": d.convention_note,
        "forward": [
            {
                "name": eq.name,
                "display": target_text(eq.name, True),
                "expr": text(eq.expr, True, p.batch),
                "shape": list(eq.expr.shape),
                "numpy": numpy_source(eq.expr),
            }
            for eq in p.equations
        ],
        "backward": [
            {
                "name": s.target,
                "display": target_text(s.target, True),
                "of": s.of,
                "kind": s.kind,
                "expr": text(s.expr, True, p.batch),
                "expanded": text(s.expanded, True, p.batch),
                "shape": list(s.shape),
                "numpy": numpy_source(s.expr),
            }
            for s in d.steps
        ],
    }
