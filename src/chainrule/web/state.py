"""What the page asks for, checked: a :class:`PlayState` is the whole of a playground's choices.

The page sends its choices as JSON and keeps them in its URL; both come here and are checked
against the library's own validation (``cr.mlp``, ``cr.data``, the optimizers) plus the limits a
shared server needs (a network of 10⁶ units is refused with a message, not attempted). The state is
frozen and round-trips through a query string, so a shared link rebuilds the same network, data and
seeds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from urllib.parse import urlencode

from ..data import DATASETS
from ..errors import SpecError
from ..nets.init import INITS
from ..nets.spec import LAYOUTS, LOSSES, OUTPUTS
from ..scalar import lookup
from ..train import OPTIMIZERS

__all__ = ["PlayState", "parse_state", "state_from_query", "LIMITS", "DATA_SOURCES"]

DATA_SOURCES = (*DATASETS, "csv")

LIMITS = {
    "units": 256,  # per layer
    "layers": 8,  # L, the number of weight layers
    "parameters": 200_000,
    "lr": 100.0,
    "l2": 100.0,
    "seed": 2**31 - 1,
    "per_frame": 5000,  # training iterations between two pictures
}

# the page's field → (query key, kind); the query keys are short because they go in links
_QUERY = {
    "data": "data",
    "layers": "layers",
    "hidden": "hidden",
    "output": "output",
    "loss": "loss",
    "optimizer": "opt",
    "lr": "lr",
    "l2": "l2",
    "keep_prob": "keep",
    "batchnorm": "bn",
    "layout": "layout",
    "convention": "conv",
    "init": "init",
    "seed": "seed",
    "per_frame": "speed",
}


@dataclass(frozen=True)
class PlayState:
    """The playground's choices; the defaults are the course's planar 2-4-1 network."""

    data: str = "planar"
    layers: tuple[int, ...] = (2, 4, 1)
    hidden: tuple[str, ...] = ("tanh",)
    output: str = "sigmoid"
    loss: str = "bce"
    optimizer: str = "gd"
    lr: float = 1.2
    l2: float = 0.0
    keep_prob: float = 1.0
    batchnorm: bool = False
    layout: str = "columns"
    convention: str = "course"
    init: str = "course"
    seed: int = 2
    per_frame: int = 20

    def query(self) -> str:
        """The state as a URL query string (without ``?``)."""
        out = {}
        for field, key in _QUERY.items():
            value = getattr(self, field)
            out[key] = "-".join(map(str, value)) if isinstance(value, tuple) else f"{value}"
        out["bn"] = "true" if self.batchnorm else "false"
        out["hidden"] = ",".join(self.hidden)
        return urlencode(out)

    def to_dict(self) -> dict:
        return asdict(self)


def state_from_query(query: Mapping[str, str]) -> PlayState:
    """The state a shared link names; missing keys take the defaults."""
    fields = {f: query[k] for f, k in _QUERY.items() if k in query}
    return parse_state(fields)


def parse_state(raw: object) -> PlayState:
    """Check the page's choices (a JSON object) and return the state, or a SpecError saying why."""
    if not isinstance(raw, Mapping):
        raise SpecError("the network's choices must be a JSON object")
    unknown = sorted(set(raw) - set(_QUERY))
    if unknown:
        raise SpecError(f"unknown choice {unknown[0]!r}", hint=f"known: {', '.join(_QUERY)}")
    s = PlayState()
    s = replace(
        s,
        data=_choice("data set", raw.get("data", s.data), DATA_SOURCES),
        layers=_layers(raw.get("layers", s.layers)),
        output=_choice("output", raw.get("output", s.output), OUTPUTS),
        optimizer=_choice("optimizer", raw.get("optimizer", s.optimizer), tuple(OPTIMIZERS)),
        lr=_number("learning rate", raw.get("lr", s.lr), 0.0, LIMITS["lr"], open_low=True),
        l2=_number("L2 λ", raw.get("l2", s.l2), 0.0, LIMITS["l2"]),
        keep_prob=_number("keep_prob", raw.get("keep_prob", s.keep_prob), 0.0, 1.0, True),
        batchnorm=_flag("batch norm", raw.get("batchnorm", s.batchnorm)),
        layout=_choice("layout", raw.get("layout", s.layout), LAYOUTS),
        convention=_choice("convention", raw.get("convention", s.convention), ("course", "exact")),
        init=_choice("initialization", raw.get("init", s.init), INITS),
        seed=_integer("seed", raw.get("seed", s.seed), 0, LIMITS["seed"]),
        per_frame=_integer("speed", raw.get("per_frame", s.per_frame), 1, LIMITS["per_frame"]),
    )
    loss = raw.get("loss") or {"sigmoid": "bce", "softmax": "ce"}.get(s.output, "mse")
    hidden = _hidden(raw.get("hidden", s.hidden), len(s.layers) - 2)
    return replace(s, loss=_choice("loss", loss, LOSSES), hidden=hidden)


def _choice(what: str, value: object, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.strip().lower() not in allowed:
        raise SpecError(f"unknown {what} {value!r}", hint=f"choose one of {', '.join(allowed)}")
    return value.strip().lower()


def _layers(value: object) -> tuple[int, ...]:
    """``"2-4-1"``, ``"2,4,1"`` or ``[2, 4, 1]`` → ``(2, 4, 1)``, within the server's limits."""
    items = value.replace("-", ",").split(",") if isinstance(value, str) else value
    try:
        sizes = tuple(_whole(x) for x in items)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise SpecError(
            f"layer sizes {value!r} must be whole numbers separated by commas",
            hint="e.g. 2,4,1: 2 inputs, 4 hidden units, 1 output",
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise SpecError(f"layer sizes {list(sizes)} need an input and an output size, all ≥ 1")
    if len(sizes) - 1 > LIMITS["layers"]:
        raise SpecError(f"{len(sizes) - 1} layers is more than this page trains (at most 8)")
    big = max(sizes)
    if big > LIMITS["units"]:
        raise SpecError(
            f"a layer of {big} units is more than this page trains (at most {LIMITS['units']})",
            hint="use the library (cr.fit) for large networks",
        )
    count = sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))
    if count > LIMITS["parameters"]:
        raise SpecError(f"{count} parameters is more than this page trains (at most 200000)")
    return sizes


def _whole(x: object) -> int:
    if isinstance(x, bool) or not isinstance(x, int | str) or not str(x).strip().isdigit():
        raise ValueError(x)
    return int(x)


def _hidden(value: object, n: int) -> tuple[str, ...]:
    """One activation name for every hidden layer, or one per layer (``"tanh,relu"``)."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(h, str) for h in items):
        raise SpecError(f"hidden activations {value!r} must be names such as tanh or relu")
    names = tuple(h.strip().lower() for h in items if h.strip())
    for name in names:
        lookup(name)  # an unknown name is refused with the list of known ones
    if len(names) == 1:
        return names * n
    if len(names) != n:
        raise SpecError(
            f"{len(names)} hidden activations for {n} hidden layers",
            hint="give one for all of them, or one per hidden layer: tanh,relu",
        )
    return names


def _flag(what: str, value: object) -> bool:
    """A checkbox: ``true``/``false`` (any case, as the page and its links spell it) or a bool."""
    if isinstance(value, bool):
        return value
    word = value.strip().lower() if isinstance(value, str) else None
    if word not in ("true", "false"):
        raise SpecError(f"{what} {value!r} must be true or false", hint="e.g. bn=true in a link")
    return word == "true"


def _number(what: str, value: object, low: float, high: float, open_low: bool = False) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SpecError(f"{what} {value!r} must be a number") from None
    if (
        isinstance(value, bool)
        or not math.isfinite(x)
        or x > high
        or x < low
        or (open_low and x == low)
    ):
        side = ">" if open_low else "≥"
        raise SpecError(f"{what} = {value!r} must be {side} {low:g} and ≤ {high:g}")
    return x


def _integer(what: str, value: object, low: int, high: int) -> int:
    try:
        x = _whole(value)
    except ValueError:
        raise SpecError(f"{what} {value!r} must be a whole number") from None
    if not low <= x <= high:
        raise SpecError(f"{what} = {x} must be between {low} and {high}")
    return x
