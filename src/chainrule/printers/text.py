"""Unicode text in the course's notation: ``dZ[1] = W[2]ᵀ dZ[2] ⊙ (1 − A[1]²)``.

Matrix products are juxtaposition, ``⊙`` is the elementwise product, ``ᵀ`` the transpose, ``Σ`` a
sum over the examples (``Σ₀``/``Σ₁`` name NumPy's axis otherwise, plain ``Σ`` over all entries when
the result is a scalar); broadcasting is implicit, as in the course (the explanation shows it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy

from ..display import provide
from ..ir.expr import Expr, leaves
from ..ir.linalg import Named
from ..ir.shapes import fmt_shape
from ..rules.primitives import PRIMITIVES
from .base import (
    PRECEDENCE,
    Printer,
    call_parts,
    denominator,
    is_negation,
    is_reciprocal,
    layer_name,
)

if TYPE_CHECKING:  # only annotations: str(derivation) reaches this module through a hook
    from ..autodiff.derivation import Derivation
    from ..autodiff.program import Program

__all__ = ["TextPrinter", "text", "target_text", "derivation_lines", "forward_lines"]

_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_GREEK = {"lambd": "λ", "lambda_": "λ", "alpha": "α", "beta": "β", "gamma": "γ", "sigma": "σ"}


class TextPrinter(Printer):
    """The terminal's notation."""

    def _print_var(self, e: Expr) -> str:
        base, layer = layer_name(e.name) if self.layer_names else (e.name, None)
        base = _GREEK.get(base, base)
        return f"{base}[{layer}]" if layer is not None else base

    def _print_dim(self, e: Expr) -> str:
        return e.name

    def _print_const(self, e: Expr) -> str:
        v = e.attrs[0]
        s = str(v) if not isinstance(v, sympy.Float) else f"{float(v):g}"
        return s.replace("-", "−")  # the course's minus sign, as in A − Y

    def _print_eye(self, e: Expr) -> str:
        return "I"

    def _print_broadcast(self, e: Expr) -> str:
        return self._print(e.args[0])

    def _print_matmul(self, e: Expr) -> str:
        p, a, b = PRECEDENCE["matmul"], *e.args
        strict = b.op != "matmul" or self.named(b) is not None  # A (B C) reads A B C
        return f"{self.ones(a) or self.paren(a, p)} {self.ones(b) or self.paren(b, p, strict)}"

    def ones(self, e: Expr) -> str | None:
        """A matrix of ones in a product is 𝟏 (``𝟏 xᵀ``), not the number 1."""
        is_one = e.op == "broadcast" and e.args[0].op == "const" and e.args[0].attrs[0] == 1
        return None if not is_one else "𝟏ᵀ" if e.shape[0] == 1 != e.shape[1] else "𝟏"

    def _print_transpose(self, e: Expr) -> str:
        x = e.args[0]
        if x.op == "inv":  # (X⁻¹)ᵀ is written X⁻ᵀ
            return f"{self.paren(x.args[0], PRECEDENCE['atom'])}⁻ᵀ"
        return f"{self.paren(x, PRECEDENCE['atom'])}ᵀ"

    def _print_add(self, e: Expr) -> str:
        a, b = e.args
        level = PRECEDENCE["neg"]  # a sum or a negation after + or − is parenthesised: A − (−B)
        if is_negation(b):
            return f"{self._print(a)} − {self.paren(b.args[1], level, strict=True)}"
        return f"{self._print(a)} + {self.paren(b, level, strict=True)}"

    def _print_mul(self, e: Expr) -> str:
        a, b = e.args
        p = PRECEDENCE["mul"]
        if is_reciprocal(b):
            return f"{self.paren(a, p)} / {self.paren(denominator(b), p, strict=True)}"
        op = " " if e.shape == () else " ⊙ "  # scalars multiply by juxtaposition: 1/(m n)
        return f"{self.paren(a, p)}{op}{self.paren(b, p, strict=True)}"

    def _print_scale(self, e: Expr) -> str:
        s, x = e.args
        if is_negation(e):
            return f"−{self.paren(x, PRECEDENCE['scale'])}"
        if is_reciprocal(x):  # c · 1/x reads c / x
            return f"{self.coefficient(s)} / {self.paren(denominator(x), PRECEDENCE['mul'], True)}"
        return f"{self.coefficient(s)} {self.paren(x, PRECEDENCE['scale'], strict=x.op == 'scale')}"

    def coefficient(self, s: Expr) -> str:
        """A scalar factor in front: ``(1/m)``, ``2``, ``(λ/m)``."""
        text = self._print(s)
        binds = getattr(self.named(s), "binds", "")
        plain = s.op in ("const", "dim", "var", "det") or binds == "atom"
        return text if plain and "/" not in text else f"({text})"

    def _print_sum(self, e: Expr) -> str:
        axis = e.attrs[0]
        if axis is None and e.args[0].shape == (1, 1):  # a 1×1 matrix read as a scalar
            return self._print(e.args[0])
        sign = "Σ" if axis is None or self.sum_axis_is_batch(e) else f"Σ{str(axis).translate(_SUB)}"
        return f"{sign} {self.paren(e.args[0], PRECEDENCE['sum'])}"

    def _print_fn(self, e: Expr) -> str:
        f, x = e.attrs[0], e.args[0]
        if f.name == "power":
            k = f.params[0]
            if k == -1:
                return f"1/{self.paren(x, PRECEDENCE['fn'])}"
            sup = str(k).translate(_SUP) if k.is_Integer else f"^({k})"
            return f"{self.paren(x, PRECEDENCE['fn'])}{sup}"
        if f.name == "step":
            return f"𝟙({self._print(x)} > 0)"
        return f"{f.text}({self._print(x)})"

    # -- linear algebra (see chainrule.ir.linalg): primitives, then named compositions -----------
    def _print_call(self, e: Expr) -> str:
        name, args, keywords = call_parts(e)
        options = "; " + ", ".join(f"{k} {v}" for k, v in keywords) if keywords else ""
        title = PRIMITIVES[e.op].text or name
        return f"{title}({', '.join(self._print(a) for a in args)}{options})"

    def _print_vstack(self, e: Expr) -> str:
        return f"[{self._print(e.args[0])}; {self._print(e.args[1])}]"

    def _print_rows(self, e: Expr) -> str:
        part, size, rest = e.attrs
        cut = f"[:{size}]" if part == "top" else f"[{rest}:]"
        return f"{self.paren(e.args[0], PRECEDENCE['atom'])}{cut}"

    def _print_reshape(self, e: Expr) -> str:
        return f"reshape({self._print(e.args[0])}, {fmt_shape(e.shape)})"

    def _print_inv(self, e: Expr) -> str:
        return f"{self.paren(e.args[0], PRECEDENCE['atom'])}⁻¹"

    def _print_det(self, e: Expr) -> str:
        return f"det({self._print(e.args[0])})"

    def _print_blocks(self, e: Expr) -> str:
        p, r, kind = (str(a).translate(_SUB) if isinstance(a, int) else a for a in e.attrs)
        return f"(I{p} ⊗ 𝟏{r})" if kind == "repeat" else f"(𝟏{p} ⊗ I{r})"

    def _print_trace(self, m: Named) -> str:
        return f"tr({self._print(m.args[0])})"

    def _print_diag(self, m: Named) -> str:
        return f"diag({self._print(m.args[0])})"

    _print_diag_part = _print_diag

    def _print_kron(self, m: Named) -> str:
        a, b = m.args
        p = PRECEDENCE["matmul"]
        return f"{self.paren(a, p, strict=True)} ⊗ {self.paren(b, p, strict=True)}"

    def _print_matrix_power(self, m: Named) -> str:
        return f"{self.paren(m.args[0], PRECEDENCE['atom'])}{str(m.param).translate(_SUP)}"

    def _print_variable_power(self, m: Named) -> str:
        x, k = m.args
        exponent = self._print(k) if k.op in ("var", "dim") else f"({self._print(k)})"
        return f"{self.paren(x, PRECEDENCE['atom'])}^{exponent}"

    def _print_norm(self, m: Named) -> str:
        x = m.args[0]
        return f"‖{self._print(x)}‖" + ("" if 1 in x.shape else "_F")


def text(e: Expr, layer_names: bool = False, batch: str | None = None) -> str:
    """``e`` in the course's unicode notation."""
    return TextPrinter(layer_names, batch).doprint(e)


def target_text(name: str, layer_names: bool) -> str:
    """A quantity's name in the course's notation: ``dZ1`` → ``dZ[1]``."""
    base, layer = layer_name(name) if layer_names else (name, None)
    return f"{base}[{layer}]" if layer is not None else base


def derivation_lines(d: Derivation, expanded: bool = True) -> list[str]:
    """``dZ[2] = A[2] − Y`` … one line per backward step (the trivial ``dL = 1`` left out)."""
    p = d.program
    printer = TextPrinter(p.layer_names, p.batch)
    lines = []
    for s in d.steps:
        if s.of == p.output or not leaves(s.expr):  # a constant adjoint says nothing
            continue
        body = printer.doprint(s.expanded if expanded else s.expr)
        lines.append(f"{target_text(s.target, p.layer_names)} = {body}")
    return lines


def forward_lines(p: Program) -> list[str]:
    """``Z[1] = W[1] X + b[1]`` … one line per equation of the forward pass."""
    printer = TextPrinter(p.layer_names, p.batch)
    return [
        f"{target_text(eq.name, p.layer_names)} = {printer.doprint(eq.expr)}" for eq in p.equations
    ]


provide("derivation_text", lambda d: "\n".join(derivation_lines(d)))
