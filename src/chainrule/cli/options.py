"""Options shared by the commands: the network (``--layers 2,4,1 --hidden tanh …``) and output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click

from ..errors import SpecError
from ..nets import Network, mlp

__all__ = [
    "convention_option",
    "shapes_option",
    "network_options",
    "network_from",
    "format_option",
    "output_option",
    "emit",
    "emit_json",
    "shape_arg",
]


def network_options(f: Callable) -> Callable:
    """The network's options: --layers, --hidden, --output, --loss, --layout, --l2, --keep-prob."""
    opts = [
        click.option("--layers", "layers", help="layer sizes n_x,n_1,…,n_L, e.g. 2,4,1"),
        click.option(
            "--hidden",
            default="relu",
            show_default=True,
            help="hidden activation, or one per hidden layer: tanh,relu",
        ),
        click.option(
            "--output",
            default="sigmoid",
            show_default=True,
            help="output activation: sigmoid, softmax, linear, tanh, relu",
        ),
        click.option("--loss", default=None, help="bce, ce or mse (default: matches --output)"),
        click.option(
            "--layout",
            default="columns",
            show_default=True,
            type=click.Choice(["columns", "rows"]),
            help="examples as columns (course) or rows (PyTorch)",
        ),
        click.option(
            "--l2", "l2", default=0.0, show_default=True, type=float, help="L2 regularization λ"
        ),
        click.option(
            "--keep-prob",
            "keep_prob",
            default=1.0,
            show_default=True,
            type=float,
            help="inverted-dropout keep probability for hidden layers",
        ),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def network_from(kw: dict) -> Network:
    """Build the network named by the options, with clear errors."""
    layers = kw.pop("layers", None)
    if not layers:
        raise SpecError("--layers is required", hint="e.g. --layers 2,4,1")
    try:
        sizes = [int(x) for x in layers.replace(" ", "").split(",")]  # "2,,4" is a typo
    except ValueError:
        raise SpecError(
            f"--layers {layers!r} must be comma-separated integers", hint="e.g. --layers 2,4,1"
        ) from None
    hidden = kw.pop("hidden", "relu")
    hidden = hidden.split(",") if "," in hidden else hidden
    return mlp(
        sizes,
        hidden,
        kw.pop("output", "sigmoid"),
        kw.pop("loss", None),
        kw.pop("layout", "columns"),
        kw.pop("l2", 0.0),
        kw.pop("keep_prob", 1.0),
    )


def convention_option(f: Callable) -> Callable:
    """``--convention course|exact``: dZ per example (the course) or everything ∂J/∂·."""
    return click.option(
        "--convention",
        default="course",
        show_default=True,
        type=click.Choice(["course", "exact"]),
        help="dZ, dA per example (course) or everything ∂J/∂· (exact)",
    )(f)


def shapes_option(f: Callable) -> Callable:
    """``--shape NAME=3x4`` (repeatable): the shapes of an expression's variables."""
    return click.option(
        "--shape",
        "shapes",
        multiple=True,
        metavar="NAME=3x4",
        help="shape of a variable of EXPRESSION (repeatable; symbolic: x=n,1)",
    )(f)


def format_option(*choices: str) -> Callable:
    return click.option(
        "--format",
        "fmt",
        default="text",
        show_default=True,
        type=click.Choice(list(choices)),
        help="output format",
    )


def output_option(f: Callable) -> Callable:
    return click.option(
        "-o",
        "--out",
        "out",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="write to FILE (atomically) instead of stdout",
    )(f)


def emit(text: str, out: Path | None) -> None:
    """Print, or write atomically to ``out``."""
    if out is None:
        click.echo(text)
        return
    from ..io import write_text_atomic

    write_text_atomic(out, text if text.endswith("\n") else text + "\n")
    click.echo(f"wrote {out}", err=True)


def emit_json(obj: object, out: Path | None) -> None:
    """Print ``obj`` as indented JSON (non-ASCII kept), or write it atomically to ``out``."""
    emit(json.dumps(obj, indent=2, ensure_ascii=False), out)


def shape_arg(value: str) -> tuple[str, tuple]:
    """``W=3x4``, ``x=n,1`` or an image batch ``A_prev=m,4,4,3`` → ``("W", (3, 4))``."""
    if "=" not in value:
        raise SpecError(f"--shape {value!r} must look like NAME=3x4", hint="e.g. --shape W=3x4")
    name, dims = value.split("=", 1)
    # commas when a name holds an x (x=n_x,m,T_x); any rank up to 4 (images, sequences)
    cut = dims.split(",") if "," in dims else dims.replace("×", "x").split("x")
    parts = [p.strip() for p in cut if p.strip()]
    if not name.isidentifier() or not 1 <= len(parts) <= 4:
        raise SpecError(
            f"--shape {value!r} must look like NAME=3x4, NAME=n x 1 or NAME=m,4,4,3 (rank 1 to 4)"
        )
    return name, tuple(int(p) if p.isdigit() else p for p in parts)
