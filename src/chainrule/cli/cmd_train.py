"""``chainrule train``: train a network with the derived formulas; report, plot and save."""

from __future__ import annotations

from pathlib import Path

import click

from ..data import DATASETS, make_dataset
from ..data import load as load_data
from ..errors import SpecError
from ..fast import gradient_fn as fast_gradients
from ..nets import Network
from ..nets.init import INITS
from ..recur.charlm import CORPORA
from ..train import Decay, History, ScheduledDecay, check_data, fit, save
from ..train.optimizers import OPTIMIZERS
from .options import (
    SEED,
    Finite,
    emit,
    emit_json,
    format_option,
    network_from,
    network_options,
    output_option,
    writable,
)
from .train_charlm import refuse_mixed
from .train_charlm import run as run_charlm

_CLASSIFIERS = ("sigmoid", "softmax")


@click.command("train")
@click.option("--dataset", type=click.Choice(list(DATASETS)), help="a built-in data set")
@click.option(
    "--data",
    "data_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="your own CSV or NPZ file (features and a label column)",
)
@click.option("--label", default="-1", show_default=True, help="label column of a CSV file")
@click.option(
    "--examples", type=click.IntRange(1), help="number of examples of a built-in data set"
)
@network_options
@click.option(
    "--batchnorm",
    is_flag=True,
    help="batch-normalise every hidden layer (γ, β trained; running statistics to predict)",
)
@click.option(
    "--init",
    default="default",
    show_default=True,
    type=click.Choice(list(INITS)),
    help="initialization (course: the course's np.random.seed(2), randn·0.01)",
)
@click.option(
    "--init-scale",
    default=0.01,
    show_default=True,
    type=Finite(0, open_low=True),
    help="scale of random/course",
)
@click.option("--optimizer", default="gd", show_default=True, type=click.Choice(list(OPTIMIZERS)))
@click.option(
    "--lr",
    type=Finite(0, open_low=True),
    help="learning rate [default: gd, momentum 0.01; others 0.001]",
)
@click.option("--iterations", type=click.IntRange(0), help="number of updates [default: 1000]")
@click.option(
    "--epochs", type=click.IntRange(0), help="passes over the data (instead of --iterations)"
)
@click.option("--batch-size", type=click.IntRange(1), help="mini-batch size [default: full batch]")
@click.option("--decay", type=Finite(0), help="learning-rate decay: lr0 / (1 + decay·epoch)")
@click.option(
    "--decay-interval", type=click.IntRange(1), help="decay in steps: lr0 / (1 + decay·⌊epoch/N⌋)"
)
@click.option(
    "--seed", default=0, show_default=True, type=SEED, help="seed of init, shuffling and dropout"
)
@click.option(
    "--print-every", type=click.IntRange(1), help="print the cost every N steps [default: total/10]"
)
@click.option(
    "--plot", type=click.Path(file_okay=False, path_type=Path), help="write PNG plots to DIR"
)
@click.option(
    "--save",
    "save_to",
    type=click.Path(dir_okay=False, path_type=Path),
    help="save spec and parameters to FILE.npz",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="replace an existing --save FILE (an interrupted run never does: it is saved beside it)",
)
@click.option(
    "--fast",
    is_flag=True,
    help="use the fused step printed from the same derivation (see chainrule.fast)",
)
@click.option(
    "--cell",
    type=click.Choice(["rnn", "lstm"]),
    help="train the course's character-level language model with this cell instead of a network",
)
@click.option(
    "--text",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="--cell: a text file, one word or name per line (long lines cut at --seq-len)",
)
@click.option(
    "--corpus",
    type=click.Choice(list(CORPORA)),
    help="--cell: a built-in corpus (docs: words of CPython's documentation [default]; modules: "
    "names of Python's standard-library modules)",
)
@click.option(
    "--hidden-units", type=click.IntRange(1, 2048), help="--cell: n_a, the state's size [50]"
)
@click.option(
    "--seq-len", type=click.IntRange(2, 10_000), help="--cell: longest example, in characters [40]"
)
@click.option(
    "--clip",
    "max_value",
    type=Finite(0, open_low=True),
    help="--cell: clip every gradient entry to [-CLIP, CLIP] [5]",
)
@click.option(
    "--sample", "samples", type=click.IntRange(0, 1000), help="--cell: names sampled at the end [5]"
)
@click.option("--quiet", "-q", is_flag=True, help="no progress bar and no cost table")
@format_option("text", "json")
@output_option
def command(**kw: object) -> None:
    """Train a network with the NumPy code printed from its derivation.

    \b
    Example (the course's planar model: cost 0.693048 at iteration 0, accuracy 90%):
      chainrule train --dataset planar --layers 2,4,1 --hidden tanh --output sigmoid \\
        --loss bce --init course --lr 1.2 --iterations 10000

    \b
    The course's character-level language model (BPTT printed by chainrule, clipping, sampling):
      chainrule train --cell lstm --corpus modules --hidden-units 50 --iterations 3000 --sample 5
    """
    refuse_mixed(kw)
    if kw["cell"] is not None:
        _keep_model(kw["save_to"], kw["overwrite"])
        writable(kw["save_to"], "--save")
        writable(kw["plot"], "--plot", folder=True)
        _report_charlm(run_charlm(kw, _save_path, _round_step), kw)
        return
    net_kw = {k: kw.pop(k) for k in ("layers", "hidden", "output", "loss", "layout", "l2")}
    net_kw["keep_prob"] = kw.pop("keep_prob")
    net_kw["batchnorm"] = kw.pop("batchnorm")
    net = network_from(net_kw)
    _keep_model(kw["save_to"], kw["overwrite"])
    writable(kw["save_to"], "--save")  # before training: an unwritable path would lose the run
    writable(kw["plot"], "--plot", folder=True)  # (--out is checked by its option)
    X, Y, source = _data(kw, net)
    history = _fit(net, X, Y, kw)
    report = _report(net, X, Y, history, source, kw)
    if kw["fmt"] == "json":
        emit_json(report, kw["out"])
    else:
        emit(_text(report, history, kw), kw["out"])
    if history.interrupted:
        click.echo(
            f"chainrule: interrupted after {history.updates} updates; kept the last parameters",
            err=True,
        )
        raise SystemExit(130)


def _report_charlm(report: dict, kw: dict) -> None:
    text = report.pop("text")
    if kw["fmt"] == "json":
        emit_json(report, kw["out"])
    else:
        emit(text, kw["out"])
    if report["interrupted"]:
        iterations = report["final"]["iterations"]
        click.echo(f"chainrule: interrupted after {iterations} iterations", err=True)
        raise SystemExit(130)


def _data(kw: dict, net: Network) -> tuple:
    name, path = kw["dataset"], kw["data_file"]
    if (name is None) == (path is None):
        raise SpecError("give --dataset NAME or --data FILE", hint="e.g. --dataset planar")
    if path is not None:
        label = int(kw["label"]) if kw["label"].lstrip("-").isdigit() else kw["label"]
        X, Y = load_data(path, label=label)
        source = str(path)
    else:
        X, Y = make_dataset(name, **({} if kw["examples"] is None else {"m": kw["examples"]}))
        source = name
    if net.spec.layout == "rows":
        X, Y = X.T, Y.T
    X, Y = check_data(net, X, Y)
    return X, Y, source


def _fit(net: Network, X: object, Y: object, kw: dict) -> History:
    decay = None
    if kw["decay"] is not None:
        interval = kw["decay_interval"]
        decay = Decay(kw["decay"]) if interval is None else ScheduledDecay(kw["decay"], interval)
    return fit(
        net,
        X,
        Y,
        kw["optimizer"],
        lr=kw["lr"],
        iterations=kw["iterations"],
        epochs=kw["epochs"],
        batch_size=kw["batch_size"],
        seed=kw["seed"],
        init=kw["init"],
        init_scale=kw["init_scale"],
        decay=decay,
        gradient_fn=fast_gradients(net) if kw["fast"] else None,
        progress=False if kw["quiet"] else None,  # else: a bar on a terminal only
    )


def _report(net: Network, X: object, Y: object, h: History, source: str, kw: dict) -> dict:
    final = {"cost": h.cost, "updates": h.updates, "seconds": h.seconds}
    if net.spec.output in _CLASSIFIERS:
        final["accuracy"] = net.accuracy(h.params, X, Y)
    out = {
        "network": net.describe(),
        "layers": list(net.spec.layers),
        "data": {
            "source": source,
            "examples": int(X.shape[1 if net.spec.layout == "columns" else 0]),
        },
        "init": kw["init"],
        "history": h.to_dict(),
        "final": final,
        "interrupted": h.interrupted,
    }
    if kw["plot"] is not None:
        from ..train.plots import save_plots  # matplotlib only when plots are asked for

        out["plots"] = [str(p) for p in save_plots(kw["plot"], h, net, X, Y)]
    if kw["save_to"] is not None:
        out["saved"] = str(save(_save_path(kw["save_to"], h.interrupted), net, h.params))
    return out


def _keep_model(path: Path | None, overwrite: bool) -> None:
    """A model file is replaced only when asked: refuse before training, not after."""
    if path is not None and path.is_file() and not overwrite:
        raise SpecError(
            f"--save {str(path)!r} exists", hint="add --overwrite to replace it, or save elsewhere"
        )


def _save_path(path: Path, interrupted: bool) -> Path:
    """An interrupted run never replaces a model: it goes beside it (``model.interrupted.npz``)."""
    if interrupted:
        return path.with_suffix(".interrupted" + (path.suffix or ".npz"))
    return path


def _text(report: dict, h: History, kw: dict) -> str:
    lines = [
        f"network {report['network']}, data {report['data']['source']} "
        f"({report['data']['examples']} examples)",
        f"training: {h.optimizer}, learning rate {h.lr:g}, "
        f"{'full batch' if h.batch_size is None else f'mini-batches of {h.batch_size}'}, "
        f"init {report['init']}",
    ]
    if not kw["quiet"] and h.costs:
        every = kw["print_every"] or _round_step(len(h.costs) // 10)
        lines += [f"Cost after {h.unit} {s}: {c:.6f}" for s, c in h.every(every)]
    lines.append(
        f"final cost {h.cost:.6f} after {h.updates} updates in {h.seconds:.2f} s "
        f"({h.updates_per_second:,.0f} updates/s)"
    )
    if "accuracy" in report["final"]:
        lines.append(f"Accuracy: {report['final']['accuracy']:.2f}% (training set)")
    lines += [f"wrote {p}" for p in report.get("plots", [])]
    if "saved" in report:
        lines.append(f"saved {report['saved']}")
    return "\n".join(lines)


def _round_step(n: int) -> int:
    """n rounded down to 1, 2 or 5 × 10ᵏ (at least 1): 1000 for 10000 steps, 5000 for 65344."""
    if n < 1:
        return 1
    k = 10 ** (len(str(n)) - 1)
    return max(d * k for d in (1, 2, 5) if d * k <= n)
