"""JAX source: ``jax.numpy`` spells everything chainrule prints as NumPy does.

So this printer is the NumPy printer with the module renamed (``np.`` → ``jnp.``); only the
printed text changes, never a formula.
"""

from __future__ import annotations

import re

from ..ir.expr import Expr
from .numpy_code import NumpyPrinter

__all__ = ["JaxPrinter", "jnp"]

_NP = re.compile(r"\bnp\.")


def jnp(source: str) -> str:
    """NumPy source as ``jax.numpy`` source (the helper functions too)."""
    return _NP.sub("jnp.", source)


class JaxPrinter(NumpyPrinter):
    """Readable ``jax.numpy`` with the notation's names."""

    def doprint(self, e: Expr) -> str:
        return jnp(super().doprint(e))

    def shaped(self, e: Expr) -> str:
        return jnp(super().shaped(e))
