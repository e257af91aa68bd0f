"""``chainrule gradcheck``: the course's gradient check, on random parameters and data."""

from __future__ import annotations

import click
import numpy as np

from ..check.gradcheck import THRESHOLD, gradcheck
from ..check.report import render
from ..check.sample import sample
from ..errors import SpecError
from .options import (
    SEED,
    Finite,
    convention_option,
    emit,
    format_option,
    network_from,
    network_options,
    output_option,
)


@click.command("gradcheck")
@network_options
@click.option(
    "--examples",
    "m",
    default=5,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="m, the number of random examples",
)
@click.option(
    "--seed", default=0, show_default=True, type=SEED, help="seed of the random parameters and data"
)
@click.option(
    "--epsilon",
    default=1e-7,
    show_default=True,
    type=Finite(0, open_low=True),
    help="ε of the two-sided difference",
)
@click.option(
    "--threshold",
    default=THRESHOLD,
    show_default=True,
    type=Finite(0),
    help="largest relative difference that passes",
)
@convention_option
@click.option(
    "--plant",
    metavar="NAME",
    default=None,
    help="corrupt one entry of gradient NAME (e.g. dW1) to see the check fail",
)
@format_option("text", "json", "html")
@output_option
def command(
    m: int,
    seed: int,
    epsilon: float,
    threshold: float,
    convention: str,
    plant: str | None,
    fmt: str,
    out: object,
    **net_kw: object,
) -> None:
    """Check every derived dW, db, dZ, dA against two-sided differences of the cost J.

    Exit status 0 when every gradient passes, 1 when one fails, 2 on bad input.

    \b
    Examples:
      chainrule gradcheck --layers 2,4,1 --hidden tanh --output sigmoid --loss bce
      chainrule gradcheck --layers 3,5,2 --output softmax --format html -o check.html
      chainrule gradcheck --layers 2,4,1 --plant dW1
    """
    net = network_from(net_kw)
    params, X, Y, _ = sample(net, m, np.random.default_rng(seed))
    gradients = None
    if plant is not None:
        gradients = _planted(net, plant, convention)
    report = gradcheck(
        net, X, Y, params, epsilon, threshold, convention=convention, gradients=gradients
    )
    emit(render(report, fmt), out)
    if not report.passed:
        raise SystemExit(1)


def _planted(net: object, name: str, convention: str) -> object:
    """``net.gradients`` with one entry of ``name`` off by 10 % (plus 0.1): a bug to be found."""
    known = net.quantities(convention)
    if name not in known:
        raise SpecError(
            f"--plant {name}: no such gradient", hint=f"choose one of {', '.join(known)}"
        )

    def gradients(params: dict, X: np.ndarray, Y: np.ndarray) -> dict:
        out = dict(net.gradients(params, X, Y, convention, every=True))
        bad = np.array(out[name], dtype=np.float64)
        bad.flat[0] = bad.flat[0] * 1.1 + 0.1
        out[name] = bad
        return out

    return gradients
