r"""LaTeX in the course's notation: ``W^{[2]\top} dZ^{[2]} \odot (1 - A^{[1]2})``.

The same choices as the unicode printer (:mod:`chainrule.printers.text`): a matrix product is
juxtaposition, ``\odot`` the elementwise product, ``\top`` the transpose, broadcasting implicit.
Layer numbers go in the superscript, ``W^{[2]}``, and share it with a transpose or a power
(``W^{[2]\top}``, ``A^{[1]2}``). A sum over the examples is the course's
``\sum_{i=1}^{m} dZ^{[2](i)}``. Quotients are ``\frac``, which needs no parentheses around it.
Every fragment converts with :func:`chainrule.printers.html_page.latex_to_mathml`.
"""

from __future__ import annotations

import re

import sympy

from ..ir.expr import Expr
from ..ir.linalg import Named
from ..rules.primitives import PRIMITIVES
from ..scalar import ElementwiseFn
from .base import (
    PRECEDENCE,
    Printer,
    call_parts,
    denominator,
    is_negation,
    is_reciprocal,
    layer_name,
)

__all__ = ["LatexPrinter", "latex", "latex_name", "function_latex"]

_GREEK = {
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "eta",
    "theta",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "pi",
    "rho",
    "sigma",
    "tau",
    "phi",
    "chi",
    "psi",
    "omega",
}
_ALIASES = {"lambd": "lambda"}  # the course's spelling of λ (``lambda`` is a Python keyword)


def latex_name(name: str, layer_names: bool = False, sup: str = "") -> str:
    """A variable's name: ``dZ1`` → ``dZ^{[1]}`` (with ``sup`` sharing the superscript)."""
    base, layer = layer_name(name) if layer_names else (name, None)
    head = _base(base)
    script = (f"[{layer}]" if layer is not None else "") + sup
    return f"{head}^{{{script}}}" if script else head


def _base(name: str) -> str:
    word = _ALIASES.get(name, name)
    if word in _GREEK:
        return "\\" + word
    m = re.fullmatch(r"([A-Za-z])(\d+)", name)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    if re.fullmatch(r"d?[A-Za-z]", name):
        return name
    return r"\mathit{" + name.replace("_", r"\_") + "}"


def _is_fraction(e: Expr) -> bool:
    if e.op == "broadcast":
        return _is_fraction(e.args[0])
    if e.op == "const":
        return not e.attrs[0].is_Integer and e.attrs[0].is_Rational and e.attrs[0] > 0
    return (e.op == "mul" and is_reciprocal(e.args[1])) or (e.op == "fn" and is_reciprocal(e))


class LatexPrinter(Printer):
    """The course's notation in LaTeX."""

    def paren(self, e: Expr, level: int, strict: bool = False) -> str:
        """Like the base rule, except that a ``\\frac`` is never wrapped."""
        return self._print(e) if _is_fraction(e) else super().paren(e, level, strict)

    def _print_var(self, e: Expr) -> str:
        return latex_name(e.name, self.layer_names)

    def _print_dim(self, e: Expr) -> str:
        return _base(e.name)

    def _print_const(self, e: Expr) -> str:
        v = e.attrs[0]
        if isinstance(v, sympy.Float):
            return f"{float(v):g}"
        if v.is_Rational and not v.is_Integer:
            sign = "-" if v < 0 else ""
            return f"{sign}\\frac{{{abs(v.p)}}}{{{v.q}}}"
        return str(v) if v.is_Integer else sympy.latex(v)

    def _print_eye(self, e: Expr) -> str:
        return "I"

    def _print_broadcast(self, e: Expr) -> str:
        return self._print(e.args[0])

    def _print_matmul(self, e: Expr) -> str:
        p = PRECEDENCE["matmul"]
        return f"{self.paren(e.args[0], p)} {self.paren(e.args[1], p, strict=True)}"

    def _print_transpose(self, e: Expr) -> str:
        x = e.args[0]
        if x.op == "var":
            return latex_name(x.name, self.layer_names, r"\top")
        if x.op == "inv":  # (X⁻¹)ᵀ is written X^{-⊤}
            return f"{self.paren(x.args[0], PRECEDENCE['atom'])}^{{-\\top}}"
        return f"{self.paren(x, PRECEDENCE['atom'])}^{{\\top}}"

    def _print_add(self, e: Expr) -> str:
        a, b = e.args
        if is_negation(b):
            return f"{self._print(a)} - {self.paren(b.args[1], PRECEDENCE['add'], strict=True)}"
        return f"{self._print(a)} + {self.paren(b, PRECEDENCE['add'], strict=True)}"

    def _print_mul(self, e: Expr) -> str:
        a, b = e.args
        if is_reciprocal(b):
            return f"\\frac{{{self._print(a)}}}{{{self._print(denominator(b))}}}"
        p = PRECEDENCE["mul"]
        sign = r"\cdot" if e.shape == () else r"\odot"  # scalars multiply, matrices Hadamard
        return f"{self.paren(a, p)} {sign} {self.paren(b, p, strict=True)}"

    def _print_scale(self, e: Expr) -> str:
        s, x = e.args
        if is_negation(e):
            return f"-{self.paren(x, PRECEDENCE['scale'])}"
        strict = x.op == "scale"
        return f"{self.coefficient(s)} {self.paren(x, PRECEDENCE['scale'], strict=strict)}"

    def coefficient(self, s: Expr) -> str:
        """A scalar factor in front: ``\\frac{1}{m}``, ``2``, ``\\frac{\\lambda}{m}``."""
        text = self._print(s)
        binds = getattr(self.named(s), "binds", "")
        plain = s.op in ("const", "dim", "var", "det") or binds == "atom"
        return text if plain or _is_fraction(s) else self.wrap(text)

    def _print_sum(self, e: Expr) -> str:
        axis, x = e.attrs[0], e.args[0]
        if self.sum_axis_is_batch(e):
            body = (
                latex_name(x.name, self.layer_names, "(i)")
                if x.op == "var"
                else f"{self.paren(x, PRECEDENCE['atom'])}^{{(i)}}"
            )
            return f"\\sum_{{i=1}}^{{{_base(self.batch)}}} {body}"
        sign = r"\sum" if axis is None else f"\\sum_{{{axis}}}"
        return f"{sign} {self.paren(x, PRECEDENCE['sum'])}"

    def _print_fn(self, e: Expr) -> str:
        f, x = e.attrs[0], e.args[0]
        if f.name == "power":
            return self._power(f.params[0], x)
        if f.name == "sqrt":
            return f"\\sqrt{{{self._print(x)}}}"
        if f.name == "step":
            return f"\\mathbb{{1}}({self._print(x)} > 0)"
        return f"{function_latex(f)}({self._print(x)})"

    def _power(self, k: sympy.Number, x: Expr) -> str:
        if k == -1:
            return f"\\frac{{1}}{{{self._print(x)}}}"
        exponent = str(k) if k.is_Integer and k >= 0 else sympy.latex(k)
        if x.op == "var" and self.layer_names and layer_name(x.name)[1] is not None:
            return latex_name(x.name, True, exponent)
        return f"{self.paren(x, PRECEDENCE['fn'])}^{{{exponent}}}"

    # -- linear algebra (see chainrule.ir.linalg): primitives, then named compositions -----------
    def _print_call(self, e: Expr) -> str:
        name, args, keywords = call_parts(e)
        options = r",\ ".join(rf"\mathrm{{{k.replace('_', '')}}}={v}" for k, v in keywords)
        inner = ", ".join(self._print(a) for a in args)
        escaped = name.replace("_", r"\_")
        title = PRIMITIVES[e.op].latex or rf"\operatorname{{{escaped}}}"
        return rf"{title}({inner};\ {options})" if keywords else rf"{title}({inner})"

    def _print_vstack(self, e: Expr) -> str:
        a, b = (self._print(x) for x in e.args)
        return rf"\begin{{bmatrix}} {a} \\ {b} \end{{bmatrix}}"

    def _print_rows(self, e: Expr) -> str:
        part, size, rest = e.attrs
        cut = f"[:{size}]" if part == "top" else f"[{rest}:]"
        return f"{self.paren(e.args[0], PRECEDENCE['atom'])}_{{{cut}}}"

    def _print_reshape(self, e: Expr) -> str:
        return rf"\operatorname{{reshape}}({self._print(e.args[0])})"

    def _print_inv(self, e: Expr) -> str:
        return f"{self.paren(e.args[0], PRECEDENCE['atom'])}^{{-1}}"

    def _print_det(self, e: Expr) -> str:
        return f"\\det({self._print(e.args[0])})"

    def _print_blocks(self, e: Expr) -> str:
        p, r, kind = e.attrs
        if kind == "repeat":
            return f"(I_{{{p}}} \\otimes \\mathbf{{1}}_{{{r}}})"
        return f"(\\mathbf{{1}}_{{{p}}} \\otimes I_{{{r}}})"

    def _print_trace(self, m: Named) -> str:
        return f"\\operatorname{{tr}}({self._print(m.args[0])})"

    def _print_diag(self, m: Named) -> str:
        return f"\\operatorname{{diag}}({self._print(m.args[0])})"

    _print_diag_part = _print_diag

    def _print_kron(self, m: Named) -> str:
        a, b = m.args
        p = PRECEDENCE["matmul"]
        return f"{self.paren(a, p, strict=True)} \\otimes {self.paren(b, p, strict=True)}"

    def _print_matrix_power(self, m: Named) -> str:
        return f"{self.paren(m.args[0], PRECEDENCE['atom'])}^{{{m.param}}}"

    def _print_variable_power(self, m: Named) -> str:
        x, k = m.args
        return f"{self.paren(x, PRECEDENCE['atom'])}^{{{self._print(k)}}}"

    def _print_norm(self, m: Named) -> str:
        x = m.args[0]
        return f"\\lVert {self._print(x)} \\rVert" + ("" if 1 in x.shape else "_F")


def function_latex(f: ElementwiseFn) -> str:
    """An elementwise function's LaTeX name, underscores escaped inside ``\\operatorname``."""
    return re.sub(r"(?<!\\)_", r"\\_", f.latex) if f.latex.startswith(r"\operatorname") else f.latex


def latex(e: Expr, layer_names: bool = False, batch: str | None = None) -> str:
    """``e`` in the course's notation, as a LaTeX math fragment (no ``$``)."""
    return LatexPrinter(layer_names, batch).doprint(e)
