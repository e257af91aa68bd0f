"""``chainrule charlm``: the course's character-level language model, trained with the printed
backpropagation through time, gradient clipping and sampling (its dinosaur-names model, here on
the words of CPython's own documentation, or on a text file of one word or name per line)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import DataError
from ..io import write_bytes_atomic
from ..recur import charlm
from .options import emit, output_option


@click.command("charlm")
@click.option(
    "--words",
    "words_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a text file, one word or name per line [default: words of CPython's documentation]",
)
@click.option("--iterations", default=2000, show_default=True, help="one word per iteration")
@click.option("--lr", default=0.01, show_default=True, help="learning rate")
@click.option("--clip", "max_value", default=5.0, show_default=True, help="np.clip bound")
@click.option("--hidden", default=50, show_default=True, help="n_a, the hidden state's size")
@click.option("--cell", type=click.Choice(["rnn", "lstm"]), default="rnn", show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--samples", default=7, show_default=True, help="names sampled at the end")
@click.option("--print-every", default=500, show_default=True, help="loss every N iterations")
@click.option(
    "--plot", type=click.Path(dir_okay=False, path_type=Path), help="write the loss curve (PNG)"
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
    words = _read(words_file) if words_file else charlm.corpus_words()
    if iterations < 1 or hidden < 1 or print_every < 1:
        raise DataError("--iterations, --hidden and --print-every must be positive")

    def progress(j: int, loss: float) -> None:
        if j % print_every == 0 or j == iterations - 1:
            click.echo(f"iteration {j:>6}  smoothed loss {loss:.4f}", err=True)

    model = charlm.train(words, iterations, lr, max_value, hidden, seed, progress, cell)
    names = [charlm.sample(model, seed=seed + s) for s in range(samples)]
    if plot is not None:
        write_bytes_atomic(plot, _curve(model.losses))
    emit("\n".join(names), out)


def _read(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace").lower()
    words = [w.strip() for w in text.splitlines() if w.strip()]
    if not words:
        raise DataError(f"{path} has no words", hint="one word or name per line")
    return words


def _curve(losses: list[float]) -> bytes:
    import io

    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.5))
    ax = fig.add_subplot()
    ax.plot(losses)
    ax.set_xlabel("iteration")
    ax.set_ylabel("smoothed loss")
    ax.set_title("character-level RNN (BPTT printed by chainrule)")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()
