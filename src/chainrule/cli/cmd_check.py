"""``chainrule check``: is a backprop formula right for a network — and if not, why?"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..check.backward import check_backward
from ..check.formula import check_formula
from ..errors import SpecError
from .options import (
    convention_option,
    emit,
    format_option,
    network_from,
    network_options,
    output_option,
)


@click.command("check")
@click.argument("formula", required=False)
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a whole backward pass: target = formula lines, or a course-style function",
)
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
    formula: str | None,
    path: Path | None,
    convention: str,
    draws: int,
    fmt: str,
    out: object,
    **net_kw: object,
) -> None:
    """Check a learner's FORMULA for one gradient of the network, in NumPy syntax — or, with
    --file, a whole backward pass, each line judged given the learner's own earlier lines.

    Names are the course's (W1, b2, Z1, A1, dZ2, dA1, dW1, db1, X, Y, m); g'(Z1) or g1'(Z1) is
    the layer's activation derivative. Exit status 0 when the formula is correct, 1 when it is
    wrong (the answer says why and shows the corrected formula), 2 on bad input. The lectures'
    one-example notation (dz[1] = W[2].T dz[2] * g[1]'(z[1])) is judged with m = 1.

    \b
    Example:
      chainrule check "dZ1 = W2 @ dZ2 * (1 - A1**2)" --layers 2,4,1 --hidden tanh \\
          --output sigmoid --loss bce
      chainrule check --file my_backprop.py --layers 2,4,1 --hidden tanh \\
          --output sigmoid --loss bce
    """
    if (formula is None) == (path is None):
        raise SpecError("give one FORMULA or --file, not both and not neither")
    net = network_from(net_kw)
    if path is not None:
        result = check_backward(net, _read(path), convention=convention, draws=draws)
        emit(result.to_json() if fmt == "json" else str(result), out)
    else:
        result = check_formula(net, formula, convention=convention, draws=draws)
        emit(
            json.dumps(result.to_dict(), indent=2, ensure_ascii=False)
            if fmt == "json"
            else str(result),
            out,
        )
    if not result.correct:
        raise SystemExit(1)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"cannot read {path}: {e}") from None
