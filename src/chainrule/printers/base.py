"""The printer framework: objects never print themselves.

A :class:`Printer` walks an IR tree and dispatches on the node's primitive to ``_print_<op>``; each
output format is one subclass. Parenthesisation is decided in one place from one precedence table,
so every format agrees on how ``W ᵀ dZ ⊙ g′(Z)`` groups.
"""

from __future__ import annotations

import re

from ..errors import SpecError
from ..ir.expr import Expr
from ..ir.linalg import Named, named
from ..rules.conv import CallPrimitive, call_parts
from ..rules.primitives import PRIMITIVES

__all__ = [
    "Printer",
    "PRECEDENCE",
    "precedence",
    "layer_name",
    "is_negation",
    "is_ones",
    "is_reciprocal",
    "denominator",
    "is_call",
    "call_parts",
]

PRECEDENCE = {
    "add": 10,
    "neg": 15,
    "scale": 20,
    "mul": 20,
    "div": 20,
    "matmul": 30,
    "sum": 35,
    "transpose": 40,
    "pow": 40,
    "fn": 50,
    "atom": 60,
    "inv": 40,  # X⁻¹, a superscript like ᵀ
    "det": 50,  # det(X), a function
    "blocks": 60,
    "call": 60,  # conv2d(A_prev, W, stride=2, pad=2) and the other helper calls
    "reshape": 60,
    "vstack": 60,  # [A; B]
    "rows": 60,  # G[:n_a]
    "einsum": 60,  # einsum(ij,jk→ik; A, B)
    "permute": 60,  # transpose(X; (0, 2, 1))
    "max": 50,  # max₁(X), a function
}

_LAYERED = re.compile(r"^(d?)([A-Za-z_]*[A-Za-z])(\d+)$")


def layer_name(name: str) -> tuple[str, str | None]:
    """``"dZ12"`` → ``("dZ", "12")``: the course writes layer numbers in brackets, ``dZ[12]``."""
    m = _LAYERED.match(name)
    return (m.group(1) + m.group(2), m.group(3)) if m else (name, None)


def is_negation(e: Expr) -> bool:
    return e.op == "scale" and e.args[0].op == "const" and e.args[0].attrs[0] == -1


def is_ones(e: Expr) -> bool:
    """An array of ones (a broadcast 1), written 𝟏 in the notation."""
    return e.op == "broadcast" and e.args[0].op == "const" and e.args[0].attrs[0] == 1


def is_reciprocal(e: Expr) -> bool:
    """``1/x`` (possibly broadcast), printed as a division by its consumer."""
    if e.op == "broadcast":
        e = e.args[0]
    return e.op == "fn" and e.attrs[0].name == "power" and e.attrs[0].params[0] == -1


def denominator(e: Expr) -> Expr:
    """The ``x`` of a reciprocal ``1/x`` (see :func:`is_reciprocal`)."""
    return e.args[0].args[0] if e.op == "broadcast" else e.args[0]


def is_call(e: Expr) -> bool:
    """True for a primitive printed as a call of a helper function (``conv2d(…)``)."""
    return isinstance(PRIMITIVES.get(e.op), CallPrimitive)


def precedence(e: Expr) -> int:
    """How tightly ``e`` binds when printed, as the table above says."""
    if e.op in ("var", "const", "dim", "eye"):
        return PRECEDENCE["atom"] if not (e.op == "const" and e.attrs[0] < 0) else PRECEDENCE["neg"]
    if e.op == "broadcast":
        return precedence(e.args[0])
    if is_call(e):
        return PRECEDENCE["call"]
    if is_negation(e):
        return PRECEDENCE["neg"]
    if e.op == "mul" and is_reciprocal(e.args[1]):
        return PRECEDENCE["div"]
    if e.op == "fn":
        f = e.attrs[0]
        return (
            PRECEDENCE["pow"]
            if f.name == "power" and f.params[0] != -1
            else PRECEDENCE["div"]
            if is_reciprocal(e)
            else PRECEDENCE["fn"]
        )
    return PRECEDENCE[e.op]


class Printer:
    """Dispatch on ``_print_<op>``; subclasses define one method per primitive and leaf."""

    def __init__(self, layer_names: bool = False, batch: str | None = None) -> None:
        self.layer_names, self.batch = layer_names, batch

    def doprint(self, e: Expr) -> str:
        return self._print(e)

    def _print(self, e: Expr) -> str:
        if (m := self.named(e)) is not None:
            return getattr(self, f"_print_{m.name}")(m)
        method = getattr(self, "_print_call" if is_call(e) else f"_print_{e.op}", None)
        if method is None:
            return self.emptyPrinter(e)
        return method(e)

    def emptyPrinter(self, e: Expr) -> str:  # noqa: N802 - SymPy's name for the fallback
        """No method for this op: refuse by name (a printer never guesses another's spelling)."""
        raise SpecError(
            f"{type(self).__name__} cannot print the operation {e.op!r}",
            hint=f"add _print_{e.op} to it (see 'How to add a primitive' in ARCHITECTURE.md)",
        )

    def paren(self, e: Expr, level: int, strict: bool = False) -> str:
        """Print ``e``, in parentheses if it binds more loosely than ``level``."""
        s = self._print(e)
        m = self.named(e)
        p = PRECEDENCE[m.binds] if m is not None else precedence(e)
        return self.wrap(s) if p < level or (strict and p == level) else s

    def wrap(self, s: str) -> str:
        return f"({s})"

    def named(self, e: Expr) -> Named | None:
        """The named composition ``e`` is (see :mod:`chainrule.ir.linalg`), if this printer has a
        ``_print_<name>`` for it: ``Σ (X ⊙ I)`` prints as ``tr(X)``."""
        m = named(e)
        return m if m is not None and hasattr(self, f"_print_{m.name}") else None

    def sum_axis_is_batch(self, e: Expr) -> bool:
        """True when a sum runs over the examples (the course's ``Σ`` in ``db``)."""
        axis = e.attrs[0]
        return axis is not None and self.batch is not None and e.args[0].shape[axis] == self.batch
