"""Options shared by the commands: the network (``--layers 2,4,1 --hidden tanh …``) and output."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import click

from ..errors import SpecError
from ..nets import Network, mlp

__all__ = [
    "Finite",
    "SEED",
    "writable",
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


class Finite(click.ParamType):
    """A float that is finite (``nan``, ``inf`` refused) and inside ``[low, high]``; ``open_low``
    makes the lower end strict (a learning rate > 0)."""

    name = "number"

    def __init__(
        self, low: float | None = None, high: float | None = None, *, open_low: bool = False
    ) -> None:
        self.low, self.high, self.open_low = low, high, open_low

    def convert(self, value: object, param: object, ctx: object) -> float:
        try:
            x = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(x):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        too_low = self.low is not None and (x <= self.low if self.open_low else x < self.low)
        if too_low or (self.high is not None and x > self.high):
            self.fail(f"{value!r} is not in {self._range()}", param, ctx)
        return x

    def _range(self) -> str:
        low = "(-∞" if self.low is None else ("(" if self.open_low else "[") + f"{self.low:g}"
        high = "∞)" if self.high is None else f"{self.high:g}]"
        return f"{low}, {high}"

    def get_metavar(self, param: object, ctx: object = None) -> str:
        return "FLOAT"


SEED = click.IntRange(0, 2**32 - 1)  # what NumPy's generators accept


def writable(path: Path | None, what: str, *, folder: bool = False) -> Path | None:
    """Refuse, before any work, an output path that cannot be written: the work would be lost.

    The test is a real one (a temporary file created and removed where the output will go), since
    permission bits say nothing for root or for read-only mounts such as ``/proc``.
    """
    if path is None:
        return None
    if str(path) in ("", "."):
        raise SpecError(f"{what} needs a {'folder' if folder else 'file'} name, not {str(path)!r}")
    if path.is_dir() != folder and path.exists():
        kind = "a folder" if path.is_dir() else "a file"
        raise SpecError(f"{what} {str(path)!r} is {kind}", hint="give another name")
    ancestor = next(p for p in [path if folder else path.parent, *path.parents] if p.exists())
    try:
        if not ancestor.is_dir():
            raise NotADirectoryError(f"{str(ancestor)!r} is not a folder")
        fd, probe = tempfile.mkstemp(prefix=".chainrule-probe.", dir=ancestor)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise SpecError(
            f"{what} {str(path)!r} cannot be written ({e.strerror or e})",
            hint="choose a path in a folder you can write to",
        ) from None
    return path


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
            "--l2", "l2", default=0.0, show_default=True, type=Finite(0), help="L2 regularization λ"
        ),
        click.option(
            "--keep-prob",
            "keep_prob",
            default=1.0,
            show_default=True,
            type=Finite(0, 1, open_low=True),
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
        kw.pop("batchnorm", False),
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
        callback=lambda ctx, param, value: writable(value, "--out"),  # before any work
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
    name = name.strip()
    # commas when a name holds an x (x=n_x,m,T_x); any rank up to 4 (images, sequences)
    cut = dims.split(",") if "," in dims else dims.replace("×", "x").split("x")
    parts = [p.strip() for p in cut if p.strip()]
    if not name.isidentifier() or not 1 <= len(parts) <= 4:
        raise SpecError(
            f"--shape {value!r} must look like NAME=3x4, NAME=n x 1 or NAME=m,4,4,3 (rank 1 to 4)"
        )
    return name, tuple(int(p) if p.isdigit() else p for p in parts)
