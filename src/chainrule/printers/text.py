"""Unicode text in the course's notation: ``dZ[1] = W[2]ᵀ dZ[2] ⊙ (1 − A[1]²)``.

Matrix products are juxtaposition, ``⊙`` is the elementwise product, ``ᵀ`` the transpose, ``Σ`` a
sum over the examples (``Σ₀``/``Σ₁`` name NumPy's axis otherwise, plain ``Σ`` over all entries when
the result is a scalar), and broadcasting is left implicit as in the course (the explanation shows it).
"""

from __future__ import annotations

import sympy

from ..ir.expr import Expr
from .base import PRECEDENCE, Printer, denominator, is_negation, is_reciprocal, layer_name

__all__ = ["TextPrinter", "text"]

_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


class TextPrinter(Printer):
    """The terminal's notation."""

    def _print_var(self, e: Expr) -> str:
        base, layer = layer_name(e.name) if self.layer_names else (e.name, None)
        return f"{base}[{layer}]" if layer is not None else base

    def _print_dim(self, e: Expr) -> str:
        return e.name

    def _print_const(self, e: Expr) -> str:
        v = e.attrs[0]
        return str(v) if not isinstance(v, sympy.Float) else f"{float(v):g}"

    def _print_eye(self, e: Expr) -> str:
        return "I"

    def _print_broadcast(self, e: Expr) -> str:
        return self._print(e.args[0])

    def _print_matmul(self, e: Expr) -> str:
        p = PRECEDENCE["matmul"]
        return f"{self.paren(e.args[0], p)} {self.paren(e.args[1], p, strict=True)}"

    def _print_transpose(self, e: Expr) -> str:
        return f"{self.paren(e.args[0], PRECEDENCE['atom'])}ᵀ"

    def _print_add(self, e: Expr) -> str:
        a, b = e.args
        if is_negation(b):
            return f"{self._print(a)} − {self.paren(b.args[1], PRECEDENCE['add'], strict=True)}"
        return f"{self._print(a)} + {self.paren(b, PRECEDENCE['add'], strict=True)}"

    def _print_mul(self, e: Expr) -> str:
        a, b = e.args
        p = PRECEDENCE["mul"]
        if is_reciprocal(b):
            return f"{self.paren(a, p)} / {self.paren(denominator(b), p, strict=True)}"
        return f"{self.paren(a, p)} ⊙ {self.paren(b, p, strict=True)}"

    def _print_scale(self, e: Expr) -> str:
        s, x = e.args
        if is_negation(e):
            return f"−{self.paren(x, PRECEDENCE['scale'])}"
        return f"{self.coefficient(s)} {self.paren(x, PRECEDENCE['scale'], strict=x.op == 'scale')}"

    def coefficient(self, s: Expr) -> str:
        """A scalar factor in front: ``(1/m)``, ``2``, ``(λ/m)``."""
        text = self._print(s)
        return text if s.op in ("const", "dim", "var") and "/" not in text else f"({text})"

    def _print_sum(self, e: Expr) -> str:
        axis = e.attrs[0]
        sign = "Σ" if axis is None or self.sum_axis_is_batch(e) else f"Σ{str(axis).translate(_SUB)}"
        return f"{sign} {self.paren(e.args[0], PRECEDENCE['sum'])}"

    def _print_fn(self, e: Expr) -> str:
        f, x = e.attrs[0], e.args[0]
        if f.name == "power":
            k = f.params[0]
            if k == -1:
                return f"1/{self.paren(x, PRECEDENCE['atom'])}"
            sup = str(k).translate(_SUP) if k.is_Integer else f"^({k})"
            return f"{self.paren(x, PRECEDENCE['fn'])}{sup}"
        if f.name == "step":
            return f"𝟙({self._print(x)} > 0)"
        return f"{f.text}({self._print(x)})"


def text(e: Expr, layer_names: bool = False, batch: str | None = None) -> str:
    """``e`` in the course's unicode notation."""
    return TextPrinter(layer_names, batch).doprint(e)


def target_text(name: str, layer_names: bool) -> str:
    """A quantity's name in the course's notation: ``dZ1`` → ``dZ[1]``."""
    base, layer = layer_name(name) if layer_names else (name, None)
    return f"{base}[{layer}]" if layer is not None else base


def derivation_lines(d: object, expanded: bool = True) -> list[str]:
    """``dZ[2] = A[2] − Y`` … one line per backward step (the trivial ``dL = 1`` left out)."""
    p = d.program
    printer = TextPrinter(p.layer_names, p.batch)
    lines = []
    for s in d.steps:
        if s.of == p.output or (s.expr.op in ("const", "broadcast") and s.expr.args == ()):
            continue
        if s.expr.op == "broadcast" and s.expr.args[0].op == "const":
            continue
        body = printer.doprint(s.expanded if expanded else s.expr)
        lines.append(f"{target_text(s.target, p.layer_names)} = {body}")
    return lines


def forward_lines(p: object) -> list[str]:
    """``Z[1] = W[1] X + b[1]`` … one line per equation of the forward pass."""
    printer = TextPrinter(p.layer_names, p.batch)
    return [
        f"{target_text(eq.name, p.layer_names)} = {printer.doprint(eq.expr)}" for eq in p.equations
    ]
