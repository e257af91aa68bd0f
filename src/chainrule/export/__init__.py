"""Code export: a gradient or a network's backward pass as NumPy, PyTorch or JAX source.

``cr.export(cr.grad(...), to="torch")`` returns source text (it is never executed here): a NumPy
function returning the value and the gradient with shape assertions, a ``torch.autograd.Function``
whose backward is the derived formula, or a ``jax.custom_vjp`` function. The formulas are the ones
the derivation shows, printed by one printer per framework.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import SpecError
from ..recur.export import export_recurrence
from ..recur.sequence import Recurrence
from .code import to_jax, to_numpy, to_torch
from .plan import Plan, plan_of

__all__ = ["export", "TARGETS"]

TARGETS: dict[str, Callable[[Plan], str]] = {"numpy": to_numpy, "torch": to_torch, "jax": to_jax}


def export(obj: object, to: str = "numpy") -> str:
    """Source code computing ``obj`` (a :class:`~chainrule.Gradient`, a
    :class:`~chainrule.Network` or a :class:`~chainrule.Recurrence`) and its derived backward
    pass in ``to``: numpy, torch or jax."""
    if to not in TARGETS:
        raise SpecError(f"cannot export to {to!r}", hint=f"choose one of {', '.join(TARGETS)}")
    if isinstance(obj, Recurrence):  # the forward loop and the BPTT loop, never unrolled
        return export_recurrence(obj, to)
    return TARGETS[to](plan_of(obj))
