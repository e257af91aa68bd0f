"""What ``chainrule model FILE`` prints for a forward pass with a loop over time."""

from __future__ import annotations

import ast
from collections.abc import Mapping

import numpy as np

from ..ir.shapes import concrete
from .export import export_recurrence
from .notation import derivation_text, explain_recurrence
from .sequence import Recurrence, recurrence

__all__ = ["has_loop", "recurrence_report", "example_values"]


def has_loop(source: str) -> bool:
    """Whether the text holds a ``for`` statement (it is then read as a recurrence)."""
    try:
        return any(isinstance(n, ast.For) for n in ast.walk(ast.parse(source)))
    except (SyntaxError, ValueError):
        return False


def example_values(rec: Recurrence, size: int = 4, steps: int = 10, seed: int = 0) -> dict:
    """Seeded standard-normal inputs, every dimension ``size`` and the time axis ``steps``."""
    rng = np.random.default_rng(seed)
    names = {d for n in rec.inputs for d in rec.loop.shapes[n] if isinstance(d, str)}
    dims = {d: size for d in names if d.isidentifier()}
    dims[rec.loop.time] = steps
    return {n: rng.standard_normal(concrete(rec.loop.shapes[n], dims)) for n in rec.inputs}


def recurrence_report(
    source: str,
    shapes: Mapping[str, tuple],
    data: list[str] | None,
    quantity: str | None,
    emit_to: str | None,
    name: str,
    one_hot: tuple[str, ...] = (),
    cost: str | None = None,
) -> str:
    """The reverse loop (default), one explanation, or the module that runs it (``emit_to``)."""
    rec = recurrence(source, shapes, data=tuple(data or ()), name=name, one_hot=one_hot, cost=cost)
    if emit_to is not None:  # the forward loop and the BPTT loop, in NumPy, PyTorch or JAX
        return export_recurrence(rec, emit_to)
    if quantity is not None:
        return explain_recurrence(rec, quantity, example_values(rec))
    cell = derivation_text(rec, "cell")
    lines = [f"{name}: one step (the cell), derived once", *("  " + s for s in cell.splitlines())]
    lines += ["", "backpropagation through time (never unrolled):", derivation_text(rec)]
    return "\n".join(lines)
