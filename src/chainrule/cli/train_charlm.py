"""``chainrule train --cell rnn|lstm``: the course's character-level language model, trained with
the printed backpropagation through time (``chainrule.recur.charlm``), reported, plotted, saved.

Also the pieces ``chainrule charlm`` shares: reading the examples and drawing the loss curve.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import click

from ..errors import DataError, SpecError
from ..io import write_bytes_atomic
from ..recur import charlm

__all__ = ["CHARLM_ONLY", "examples", "loss_curve", "refuse_mixed", "run"]

# options of the character model; the other options of `train` describe a network and its data
CHARLM_ONLY = ("text", "corpus", "hidden_units", "seq_len", "max_value", "samples")
NETWORK_ONLY = (
    *("dataset", "data_file", "label", "examples", "layers", "hidden", "output", "loss"),
    *("layout", "l2", "keep_prob", "batchnorm", "init", "init_scale", "optimizer", "epochs"),
    *("batch_size", "decay", "decay_interval", "fast"),
)


def refuse_mixed(kw: dict) -> None:
    """One path at a time: a character model takes no network option, a network no --text."""
    ctx = click.get_current_context()
    given = {n for n in kw if ctx.get_parameter_source(n) == click.core.ParameterSource.COMMANDLINE}
    mixed = NETWORK_ONLY if kw["cell"] is not None else CHARLM_ONLY
    wrong = [n for n in mixed if n in given]
    if not wrong:
        return
    flag = next(o for p in ctx.command.params if p.name == wrong[0] for o in p.opts)
    if kw["cell"] is not None:
        raise SpecError(
            f"{flag} describes a network; --cell trains the character-level model",
            hint="drop --cell to train a network, or the network's options",
        )
    raise SpecError(f"{flag} is an option of the character model", hint="add --cell rnn or lstm")


def examples(text: Path | None, corpus: str | None, seq_len: int) -> tuple[list[str], str]:
    """The training examples (one per line of ``text``, or a built-in corpus) and their source."""
    if text is not None and corpus is not None:
        raise SpecError("give --text FILE or --corpus NAME, not both")
    if text is None:
        make, about = charlm.CORPORA[corpus or "docs"]
        return make(), about
    words = charlm.words_of_text(text.read_text(encoding="utf-8", errors="replace"), seq_len)
    if not words:
        raise DataError(f"{str(text)!r} has no text", hint="one word, name or line per line")
    return words, str(text)


def loss_curve(losses: list[float], cell: str) -> bytes:
    """The smoothed loss against iterations, as PNG bytes."""
    import io

    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.5), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(losses, color="tab:blue", lw=1.2)
    ax.set_xlabel("iteration")
    ax.set_ylabel("smoothed loss")
    ax.set_title(f"character-level {cell.upper()} (BPTT printed by chainrule)")
    ax.grid(alpha=0.3)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def run(kw: dict, save_path: Callable[[Path, bool], Path], round_step: Callable) -> dict:
    """Train, sample, plot and save as asked; return the report (``report["text"]`` too)."""
    words, source = examples(kw["text"], kw["corpus"], kw["seq_len"] or 40)
    iterations = 2000 if kw["iterations"] is None else kw["iterations"]
    lr = 0.01 if kw["lr"] is None else kw["lr"]
    clip = 5.0 if kw["max_value"] is None else kw["max_value"]
    n_a = kw["hidden_units"] or 50
    model = charlm.train(words, iterations, lr, clip, n_a, kw["seed"], cell=kw["cell"])
    samples = [charlm.sample(model, seed=kw["seed"] + s) for s in range(_samples(kw))]
    n_x = len(model.chars)
    report = {
        "model": {"cell": kw["cell"], "n_a": n_a, "vocabulary": n_x},
        "data": {"source": source, "examples": len(words)},
        "training": {"learning_rate": lr, "clip": clip, "seed": kw["seed"]},
        "final": {
            "smoothed_loss": model.losses[-1] if model.losses else None,
            "iterations": len(model.losses),
            "seconds": model.seconds,
            "cross_entropy_per_char": charlm.cross_entropy_per_char(model, words),
            "uniform_guess": math.log(n_x),
        },
        "samples": samples,
        "interrupted": model.interrupted,
    }
    every = kw["print_every"] or round_step(iterations // 10)
    report["history"] = [[j, loss] for j, loss in enumerate(model.losses) if j % every == 0]
    if kw["plot"] is not None:
        target = kw["plot"] / f"char_{kw['cell']}_loss.png"
        report["plots"] = [str(write_bytes_atomic(target, loss_curve(model.losses, kw["cell"])))]
    if kw["save_to"] is not None:
        from ..recur.charlm_file import save_charlm

        report["saved"] = str(save_charlm(save_path(kw["save_to"], model.interrupted), model))
    report["text"] = _text(report, kw["quiet"])
    return report


def _samples(kw: dict) -> int:
    return 5 if kw["samples"] is None else kw["samples"]


def _text(r: dict, quiet: bool) -> str:
    f, m = r["final"], r["model"]
    lines = [
        f"character-level {m['cell'].upper()}, n_a = {m['n_a']}, {m['vocabulary']} characters; "
        f"{r['data']['examples']} examples: {r['data']['source']}",
        f"training: one example per iteration, learning rate {r['training']['learning_rate']:g}, "
        f"gradients clipped to ±{r['training']['clip']:g}",
    ]
    if not quiet:
        lines += [f"Loss after iteration {j}: {loss:.6f} (smoothed)" for j, loss in r["history"]]
    if f["iterations"]:
        speed = f["iterations"] / f["seconds"] if f["seconds"] > 0 else 0.0
        lines.append(
            f"final smoothed loss {f['smoothed_loss']:.6f} after {f['iterations']} iterations "
            f"in {f['seconds']:.2f} s ({speed:,.0f} iterations/s)"
        )
    lines.append(
        f"cross-entropy per character: {f['cross_entropy_per_char']:.4f} nats "
        f"(a uniform guess: log {m['vocabulary']} = {f['uniform_guess']:.4f})"
    )
    if r["samples"]:
        lines += ["samples:", *(f"  {s}" for s in r["samples"])]
    lines += [f"wrote {p}" for p in r.get("plots", [])]
    if "saved" in r:
        lines.append(f"saved {r['saved']}")
    return "\n".join(lines)
