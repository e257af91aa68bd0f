"""Stacking and its parts: ``[A; B]`` and ``G[:p]``, ``G[p:]``, one record each.

Notation as in the other records: ``C = op(A, B)``, ``G`` the adjoint ∂ℓ/∂C. Stacking only places
entries, so the gradient of each part is the matching block of G; taking a block only selects
entries, so the gradient of the whole is G where the block was and zero elsewhere.
"""

from __future__ import annotations

import numpy as np

from ..ir import stack
from .primitives import PRIMITIVES, Primitive

__all__ = ["STACK"]


def _rows_numpy(shape: tuple, attrs: tuple, g: np.ndarray) -> np.ndarray:
    return g[: shape[0]] if attrs[0] == "top" else g[g.shape[0] - shape[0] :]


def _pad(g, n):
    """The adjoint of taking a block: G in the block's rows, zeros in the other part's."""
    part, _, rest = n.attrs
    other = stack.zeros((rest, *g.shape[1:]))
    return stack.vstack(g, other) if part == "top" else stack.vstack(other, g)


STACK = [
    Primitive(
        "vstack",
        "stacking (concatenation along the first axis)",
        "C = [A; B]",
        stack.vstack,
        "(p, …) over (q, …) → (p + q, …)",
        lambda shape, attrs, a, b: np.concatenate((a, b), axis=0),
        (
            lambda g, n: stack.rows(g, "top", n.args[0].shape[0], n.args[1].shape[0]),
            lambda g, n: stack.rows(g, "bottom", n.args[1].shape[0], n.args[0].shape[0]),
        ),
        "block rule (each part gets its block)",
        "Stacking places each entry of A and B somewhere in C without changing it, so ∂ℓ/∂A is "
        "the block of G where A was put, and ∂ℓ/∂B the block where B was.",
        "C[i, j] = A[i, j] for i < p, B[i − p, j] otherwise  ⇒  dA = G[:p], dB = G[p:]",
        "G[:p] has A's p rows and G[p:] has B's q rows.",
        ("cs231n",),
    ),
    Primitive(
        "rows",
        "a block of rows",
        "C = A[:p] (or A[p:])",
        stack.rows,
        "(p + q, …) → (p, …) for the top block, (q, …) for the bottom one",
        _rows_numpy,
        (_pad,),
        "selection rule (zeros where nothing was taken)",
        "Each entry of the block is one entry of A; the entries not taken do not reach ℓ through "
        "C, so their gradient is zero.",
        "C[i, j] = A[i, j] (i < p)  ⇒  dA = [G; 0]",
        "[G; 0] stacks G on zeros of the other block's size, which is A's shape.",
        ("cs231n",),
    ),
]

PRIMITIVES.update({p.op: p for p in STACK})
