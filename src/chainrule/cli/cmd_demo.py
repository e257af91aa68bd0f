"""``chainrule demo``: the main job — derive, explain, check and train the 2-4-1 network."""

from __future__ import annotations

import contextlib
import io
import time
from pathlib import Path

import click

from ..check import gradcheck
from ..data import planar
from ..explain import explain
from ..explain.formats import document_of, render
from ..io import write_text_atomic
from ..nets import mlp
from ..printers.text import derivation_lines, forward_lines
from ..train import fit, save
from ..train.plots import save_plots
from .options import emit_json, format_option, writable


def _section(title: str) -> None:
    click.echo("")
    click.secho(f"── {title} " + "─" * max(0, 72 - len(title)), bold=True)


@click.command("demo")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="folder for plots and pages",
)
@click.option(
    "--iterations",
    default=10000,
    show_default=True,
    type=click.IntRange(0, 1_000_000),
    help="training iterations",
)
@format_option("text", "json")
def command(out: Path, iterations: int, fmt: str) -> None:
    """Derive, explain, check and train the planar 2-4-1 network; write plots and pages to OUT.

    \b
    Example:
      chainrule demo --out demo-output
    """
    writable(out, "--out", folder=True)  # before training: an unwritable folder would lose the run
    if fmt == "json":
        with contextlib.redirect_stdout(io.StringIO()):
            summary = _run(out, iterations)
        emit_json(summary, None)
    else:
        _run(out, iterations)


def _run(out: Path, iterations: int) -> dict:
    """The demo's five parts, printed as they go; returns a summary of what was found."""
    start = time.perf_counter()
    net = mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")
    d = net.derive()
    _section(f"1. derive: network {net.describe()}")
    for line in forward_lines(d.program) + [""] + derivation_lines(d):
        click.echo("  " + line)
    _section("2. explain: why dZ[1] = W[2]ᵀ dZ[2] ⊙ g[1]′(Z[1])?")
    why = explain(net, "dZ1")
    click.echo(render(why, "text"))
    X, Y = planar()
    _section("3. check: the course's two-sided gradient check (ε = 1e-7)")
    report = gradcheck(net, X[:, :20], Y[:, :20])
    click.echo(str(report))
    _section(
        f"4. train: planar data (m = {X.shape[1]}), course init, lr 1.2, {iterations} iterations"
    )
    history = fit(net, X, Y, "gd", lr=1.2, iterations=iterations, init="course", progress=False)
    for i in range(0, iterations, max(1, iterations // 10)):
        click.echo(f"  cost after iteration {i}: {history.costs[i]:.6f}")
    accuracy = net.accuracy(history.params, X, Y)
    click.secho(f"  accuracy: {accuracy:.2f}%", bold=True)
    _section(f"5. files in {out}/")
    files = _write(out, net, why, history, X, Y)
    for path in files:
        click.echo(f"  {path}")
    seconds = time.perf_counter() - start
    click.echo(f"\ndone in {seconds:.1f} s")
    return {
        "network": net.describe(),
        "backward": derivation_lines(d),
        "gradcheck_passed": report.passed,
        "costs": {str(i): history.costs[i] for i in range(0, iterations, max(1, iterations // 10))},
        "accuracy": accuracy,
        "files": [str(f) for f in files],
        "seconds": seconds,
    }


def _write(out: Path, net: object, why: object, history: object, X: object, Y: object) -> list:
    paths = list(save_plots(out, history, net, X, Y))
    paths.append(write_text_atomic(out / "derivation.html", render(document_of(net), "html")))
    paths.append(write_text_atomic(out / "explain-dZ1.html", render(why, "html")))
    paths.append(write_text_atomic(out / "backprop.py", net.source()))
    paths.append(save(out / "planar-2-4-1.npz", net, history.params))
    return paths
