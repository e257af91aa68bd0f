"""``chainrule charlm``: the course's character-level language model, trained with the printed
backpropagation through time, gradient clipping and sampling (its dinosaur-names model, here on
the words of CPython's own documentation, or on a text file of one word or name per line).

The short form of ``chainrule train --cell rnn|lstm`` (same trainer, same examples and curve):
the names, one per line, on standard output; the loss as it goes on standard error."""

from __future__ import annotations

from pathlib import Path

import click

from ..io import write_bytes_atomic
from ..recur import charlm
from .options import SEED, Finite, emit, output_option, writable
from .train_charlm import examples, loss_curve


@click.command("charlm")
@click.option(
    "--words",
    "words_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a text file, one word or name per line [default: words of CPython's documentation]",
)
@click.option(
    "--iterations", default=2000, show_default=True, type=click.IntRange(1), help="one word each"
)
@click.option("--lr", default=0.01, show_default=True, type=Finite(0, open_low=True), help="rate")
@click.option("--clip", "max_value", default=5.0, show_default=True, type=Finite(0, open_low=True))
@click.option("--hidden", default=50, show_default=True, type=click.IntRange(1, 2048), help="n_a")
@click.option("--cell", type=click.Choice(["rnn", "lstm"]), default="rnn", show_default=True)
@click.option("--seed", default=0, show_default=True, type=SEED)
@click.option("--samples", default=7, show_default=True, type=click.IntRange(0, 1000))
@click.option("--print-every", default=500, show_default=True, type=click.IntRange(1))
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=lambda ctx, param, value: writable(value, "--plot"),  # before any work
    help="write the loss curve (PNG)",
)
@output_option
def command(
    words_file: Path | None,
    iterations: int,
    lr: float,
    max_value: float,
    hidden: int,
    cell: str,
    seed: int,
    samples: int,
    print_every: int,
    plot: Path | None,
    out: Path | None,
) -> None:
    """Train the course's character-level RNN and sample from it.

    \b
    Example:
      chainrule charlm --iterations 3000 --samples 10 --plot loss.png
    """
    words, _ = examples(words_file, None, 40)

    def progress(j: int, loss: float) -> None:
        if j % print_every == 0 or j == iterations - 1:
            click.echo(f"iteration {j:>6}  smoothed loss {loss:.4f}", err=True)

    model = charlm.train(words, iterations, lr, max_value, hidden, seed, progress, cell)
    names = [charlm.sample(model, seed=seed + s) for s in range(samples)]
    if plot is not None:
        write_bytes_atomic(plot, loss_curve(model.losses, cell))
    emit("\n".join(names), out)
