"""``chainrule check``: is a backprop formula right for a network — and if not, why?"""

from __future__ import annotations

import click

from ..check.formula import check_formula
from ..check.report import formula_json, formula_text
from .options import (
    convention_option,
    emit,
    format_option,
    network_from,
    network_options,
    output_option,
)


@click.command("check")
@click.argument("formula")
@network_options
@convention_option
@click.option(
    "--draws",
    default=3,
    show_default=True,
    type=click.IntRange(1, 8),
    help="random draws of parameters and data",
)
@format_option("text", "json")
@output_option
def command(
    formula: str, convention: str, draws: int, fmt: str, out: object, **net_kw: object
) -> None:
    """Check a learner's FORMULA for one gradient of the network, in NumPy syntax.

    Names are the course's (W1, b2, Z1, A1, dZ2, dA1, dW1, db1, X, Y, m); g'(Z1) or g1'(Z1) is
    the layer's activation derivative. Exit status 0 when the formula is correct, 1 when it is
    wrong (the answer says why and shows the corrected formula), 2 on bad input.

    \b
    Example:
      chainrule check "dZ1 = W2 @ dZ2 * (1 - A1**2)" --layers 2,4,1 --hidden tanh \\
          --output sigmoid --loss bce
    """
    net = network_from(net_kw)
    result = check_formula(net, formula, convention=convention, draws=draws)
    emit(formula_json(result) if fmt == "json" else formula_text(result), out)
    if not result.correct:
        raise SystemExit(1)
