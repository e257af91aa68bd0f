"""Turning one program's names and formulas into math nodes, for the explainer's prose."""

from __future__ import annotations

import math

from ..ir.expr import Expr
from ..rules.primitives import PRIMITIVES
from .chain import Factor
from .doc import Ex, Math, Naming, Partial, ShapeM, Sym, row

__all__ = ["Writer", "rule_names", "names", "bound"]


class Writer:
    """Small helpers that turn names and formulas of one program into math nodes."""

    def __init__(self, naming: Naming, top: str, output: str = "J") -> None:
        self.naming, self.top, self.output = naming, top, output

    def sym(self, name: str) -> Sym:
        return Sym(name, self.naming)

    def ex(self, e: Expr) -> Ex:
        return Ex(e, self.naming)

    def q(self, e: Expr) -> Math:
        """A quantity: its name if it has one, else its formula."""
        return self.sym(e.name) if e.op == "var" else self.ex(e)

    def partial(self, num: Expr | str, den: Expr) -> Partial:
        top = self.sym(num) if isinstance(num, str) else self.q(num)
        return Partial(top, self.q(den))

    def equation(self, eq: object) -> Math:
        return row(self.sym(eq.name), "=", self.ex(eq.expr))

    def shaped(self, e: Expr) -> tuple:
        return (self.q(e), " ", ShapeM(e.shape))


def rule_names(f: Factor) -> str:
    """``sum rule, then matrix product rule``: the records' names along a factor's paths."""
    found = [PRIMITIVES[op].rule for op in f.ops if op in PRIMITIVES]
    return ", then ".join(dict.fromkeys(found))


def names(w: Writer, quantities: list[str]) -> list:
    """``W[1], b[1], X`` as inline parts."""
    out: list = []
    for k, n in enumerate(quantities):
        out += ([", "] if k else []) + [w.sym(n)]
    return out


def bound(x: float) -> str:
    """An upper bound as a power of ten, ``3.2e-10`` → ``1e-09``: stable across machines."""
    if not math.isfinite(x):
        return "nan"  # NaN or ∞: no bound (the check fails; see NumericExample.agree)
    return "1e+00" if x <= 0 else f"{10.0 ** math.ceil(math.log10(x)):.0e}"
