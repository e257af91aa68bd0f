"""``chainrule explain``: why one backward step is what it is (chain, shapes, indices, L vs J)."""

from __future__ import annotations

import sys

import click
import numpy as np

from ..errors import SpecError
from ..explain import explain
from ..explain.formats import FORMATS, render
from ..gradient import grad
from .options import (
    SEED,
    convention_option,
    emit,
    format_option,
    network_from,
    network_options,
    output_option,
    shape_arg,
    shapes_option,
)

MAX_PARAMETERS = 200_000


@click.command("explain")
@click.argument("quantity")
@click.argument("expression", required=False)
@network_options
@shapes_option
@convention_option
@click.option("--seed", default=0, show_default=True, type=SEED, help="seed of the numeric check")
@format_option(*FORMATS)
@output_option
def command(
    quantity: str,
    expression: str | None,
    shapes: tuple[str, ...],
    convention: str,
    seed: int,
    fmt: str,
    out: object,
    **net_kw: object,
) -> None:
    """Explain why QUANTITY (dZ1, dW2, db1, dA1, …) is what the derivation says.

    The chain rule written out factor by factor, why each transpose sits where it does (by the
    dimensions and by the indices), why an elementwise function gives ⊙, the activation's
    derivative worked out by SymPy, per-example L versus averaged J, and a numeric check against
    finite differences. For an EXPRESSION, QUANTITY names the variable (dW for W).

    \b
    Exit status 0, or 1 when the numeric check meets NaN or ∞ (it never passes), 2 on bad input.

    \b
    Examples:
      chainrule explain dZ1 --layers 2,4,1 --hidden tanh --output sigmoid --loss bce
      chainrule explain dW1 --layers 2,4,1 --hidden tanh --layout rows --convention exact
      chainrule explain dZ1 --layers 2,4,1 --hidden tanh --format html -o dZ1.html
      chainrule explain dW "np.sum(np.tanh(W @ x))" --shape W=3x4 --shape x=4x1
    """
    if expression is not None:
        wrt = quantity[1:] if quantity.startswith("d") and len(quantity) > 1 else quantity
        target = grad(expression, wrt, dict(shape_arg(s) for s in shapes))
        x = explain(target, "d" + wrt, seed=seed)
    else:
        net = network_from(net_kw)
        if net.spec.parameters > MAX_PARAMETERS:  # its numeric check differences every entry
            raise SpecError(
                f"explain checks its formula on the network's own sizes: {net.describe()} has "
                f"{net.spec.parameters:,} parameters, above {MAX_PARAMETERS:,}",
                hint="explain a narrower network: every step reads the same for any width",
            )
        x = explain(net, quantity, convention, seed=seed)
    emit(render(x, fmt, color=out is None and sys.stdout.isatty()), out)
    if not np.isfinite(x.numbers.max_error):  # NaN or ∞ never passes (a kink may disagree)
        click.echo("chainrule: the numeric check failed: NaN or ∞ in the numbers", err=True)
        raise SystemExit(1)
