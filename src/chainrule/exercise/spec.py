"""What an exercise asks, drawn from a seed: the network, the convention, the quantity.

Every choice the teacher leaves out is drawn from the seed, one choice per key (``"depth"``,
``"width1"``, ``"head"``, …): a draw is the SHA-256 of ``"chainrule-exercise:<seed>:<key>"``
taken modulo the number of options. So seed 7 is the same exercise on every machine, under every
Python and NumPy version (their generators promise no such thing across versions), and fixing one
choice (``quantity="dW1"``) leaves the others as the seed drew them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import SpecError
from ..nets import Network, mlp

__all__ = ["ExerciseSpec", "draw_spec", "BACKWARD", "HEADS", "HIDDEN"]

BACKWARD = "backward"  # the quantity that asks for the whole backward pass
HIDDEN = ("relu", "tanh", "sigmoid")  # the course's hidden activations
HEADS = (("sigmoid", "bce"), ("sigmoid", "bce"), ("softmax", "ce"), ("linear", "mse"))
_OUTPUT_OF = {"bce": "sigmoid", "ce": "softmax", "mse": "linear"}
_LOSS_OF = {"sigmoid": "bce", "softmax": "ce"}
_QUANTITY = re.compile(r"^d(Z|A|W|b)\[?(\d+)\]?$")


@dataclass(frozen=True)
class ExerciseSpec:
    """Everything that decides an exercise; ``cr.exercise(**spec.to_dict())`` rebuilds it."""

    seed: int
    layers: tuple[int, ...]
    hidden: tuple[str, ...]
    output: str
    loss: str
    layout: str
    convention: str
    quantity: str  # "dW2", "dZ1", …, or "backward"
    l2: float = 0.0
    keep_prob: float = 1.0

    @property
    def id(self) -> str:
        """``"7-dW2"``: the seed and the quantity (what a class report groups by)."""
        return f"{self.seed}-{self.quantity}"

    def network(self) -> Network:
        return mlp(
            list(self.layers),
            list(self.hidden),
            self.output,
            self.loss,
            self.layout,
            self.l2,
            self.keep_prob,
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["layers"], d["hidden"] = list(self.layers), list(self.hidden)
        return d


def _draw(seed: int, key: str, options: tuple | list) -> Any:
    """One of ``options``, decided by the seed and the key alone."""
    digest = hashlib.sha256(f"chainrule-exercise:{seed}:{key}".encode()).digest()
    return options[int.from_bytes(digest[:8], "big") % len(options)]


def _head(seed: int, output: str | None, loss: str | None) -> tuple[str, str]:
    """An output activation and a loss that belong together (σ + BCE, softmax + CE, MSE)."""
    if output is None and loss is None:
        return _draw(seed, "head", HEADS)
    if output is None:
        return _OUTPUT_OF.get(loss, "linear"), loss
    return output, loss or _LOSS_OF.get(output, "mse")


def _layers(seed: int, layers: object, loss: str) -> tuple[int, ...]:
    if layers is not None:
        try:
            return tuple(int(n) for n in layers)  # type: ignore[union-attr]
        except (TypeError, ValueError):
            raise SpecError(
                f"layer sizes {layers!r} must be a list of integers", hint="e.g. [2, 4, 1]"
            ) from None
    depth = _draw(seed, "depth", (2, 2, 3))
    sizes = [_draw(seed, "width0", (2, 3, 4))]
    sizes += [_draw(seed, f"width{l}", (2, 3, 4, 5)) for l in range(1, depth)]
    out = {"bce": (1,), "ce": (3, 4), "mse": (1, 2)}[loss]
    return (*sizes, _draw(seed, "width-out", out))


def _hidden(seed: int, hidden: object, n: int) -> tuple[str, ...]:
    if hidden is None:
        return tuple(_draw(seed, f"hidden{l}", HIDDEN) for l in range(1, n + 1))
    items = list(hidden) if isinstance(hidden, list | tuple) else [hidden] * n
    return tuple(getattr(h, "name", h) for h in items)


def _quantity(seed: int, quantity: str | None, net: Network, convention: str) -> str:
    known = [q for q in net.quantities(convention) if not _coupled(net, q)]
    if quantity is None:
        return _draw(seed, "quantity", [*known, BACKWARD])
    name = quantity.strip()
    match = _QUANTITY.match(name)
    name = f"d{match.group(1)}{match.group(2)}" if match else name
    if name != BACKWARD and name not in known:
        raise SpecError(
            f"{quantity!r} is not a quantity this exercise can ask for",
            hint=f"choose one of {', '.join([*known, BACKWARD])}",
        )
    return name


def _coupled(net: Network, q: str) -> bool:
    """dA[L] before a softmax: its chain to dZ[L] is the softmax's full Jacobian, not ⊙ g′."""
    return net.spec.output == "softmax" and q == f"dA{net.L}"


def draw_spec(
    seed: int = 0,
    *,
    layers: list[int] | tuple[int, ...] | None = None,
    hidden: object = None,
    output: str | None = None,
    loss: str | None = None,
    layout: str | None = None,
    convention: str | None = None,
    quantity: str | None = None,
    l2: float = 0.0,
    keep_prob: float = 1.0,
) -> ExerciseSpec:
    """The exercise for ``seed``, with every choice given here kept and the rest drawn."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SpecError(f"seed {seed!r} must be a non-negative integer")
    output, loss = _head(seed, output, loss)
    sizes = _layers(seed, layers, loss)
    spec = ExerciseSpec(
        seed,
        sizes,
        _hidden(seed, hidden, max(len(sizes) - 2, 0)),
        output,
        loss,
        layout or _draw(seed, "layout", ("columns", "columns", "columns", "rows")),
        convention or _draw(seed, "convention", ("course", "course", "course", "exact")),
        "",
        float(l2),
        float(keep_prob),
    )
    net = spec.network()  # validates the combination, with the network's own messages
    if spec.convention not in ("course", "exact"):
        raise SpecError(f"unknown convention {spec.convention!r}", hint="use 'course' or 'exact'")
    q = _quantity(seed, quantity, net, spec.convention)
    return ExerciseSpec(**{**asdict(spec), "quantity": q})
