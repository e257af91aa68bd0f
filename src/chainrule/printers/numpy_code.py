"""NumPy source, the printer training runs: ``dZ1 = W2.T @ dZ2 * (1 - A1**2)``.

Broadcasts stay implicit (NumPy broadcasts the same way) except where the shape matters to the
consumer — a matrix product, a sum, a transpose, or a whole right-hand side — where it is spelt
``np.broadcast_to``. Python's own precedence (``**`` over unary minus over ``* / @`` over ``+ -``)
decides the parentheses.
"""

from __future__ import annotations

import re

import sympy

from ..ir.expr import Expr
from ..ir.linalg import Named
from ..ir.shapes import Shape
from .base import Printer, call_parts, denominator, is_call, is_negation, is_reciprocal

__all__ = ["NumpyPrinter", "numpy_source"]

_PY = {"add": 10, "neg": 25, "mul": 20, "matmul": 20, "pow": 30, "atom": 40}


def _py_prec(e: Expr) -> int:
    if e.op in (
        "var",
        "dim",
        "eye",
        "sum",
        "transpose",
        "inv",
        "det",
        "blocks",
        "reshape",
        "vstack",
        "rows",
    ):
        return _PY["atom"]
    if is_call(e):
        return _PY["atom"]
    if e.op == "const":
        return _PY["atom"] if e.attrs[0] >= 0 and e.attrs[0].is_Integer else _PY["mul"]
    if e.op == "broadcast":
        return _py_prec(e.args[0])
    if e.op == "add":
        return _PY["add"]
    if is_negation(e):
        return _PY["neg"]
    if e.op in ("mul", "scale", "matmul"):
        return _PY["mul"]
    f = e.attrs[0]
    if f.name == "power":
        return _PY["mul"] if f.params[0] == -1 else _PY["pow"]
    return _PY["atom"]


class NumpyPrinter(Printer):
    """Readable NumPy with the notation's names."""

    def paren(self, e: Expr, level: int, strict: bool = False) -> str:
        s, p = self._print(e), _PY["atom"] if self.named(e) else _py_prec(e)
        return f"({s})" if p < level or (strict and p == level) else s

    def shaped(self, e: Expr) -> str:
        """``e`` where its full shape matters: implicit broadcasts inside it become real arrays."""
        if _natural_shape(e) != e.shape:
            inner = self._print(e.args[0] if e.op == "broadcast" else e)
            return f"np.broadcast_to({inner}, {self.shape(e.shape)})"
        return self._print(e)

    def shape(self, shape: Shape) -> str:
        return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"

    def _print_var(self, e: Expr) -> str:
        return e.name

    _print_dim = _print_var

    def _print_const(self, e: Expr) -> str:
        v = e.attrs[0]
        if v.is_Integer:
            return str(v)
        if v.is_Rational:
            return f"{v.p} / {v.q}"
        return repr(float(v)) if isinstance(v, sympy.Float) else str(float(v))

    def _print_eye(self, e: Expr) -> str:
        return f"np.eye({e.shape[0]})"

    def _print_broadcast(self, e: Expr) -> str:
        return self._print(e.args[0])

    def _print_matmul(self, e: Expr) -> str:
        a, b = (self.shaped(x) if _natural_shape(x) != x.shape else x for x in e.args)
        a = a if isinstance(a, str) else self.paren(a, _PY["mul"])
        b = b if isinstance(b, str) else self.paren(b, _PY["mul"], strict=True)
        return f"{a} @ {b}"

    def _print_transpose(self, e: Expr) -> str:
        x = e.args[0]
        inner = self.shaped(x) if _natural_shape(x) != x.shape else self.paren(x, _PY["atom"])
        return f"{inner}.T"

    def _print_add(self, e: Expr) -> str:
        a, b = e.args
        if is_negation(b):
            return f"{self._print(a)} - {self.paren(b.args[1], _PY['add'], strict=True)}"
        return f"{self._print(a)} + {self.paren(b, _PY['add'], strict=True)}"

    def _print_mul(self, e: Expr) -> str:
        a, b = e.args
        if is_reciprocal(b):
            return f"{self.factor(a, b)} / {self.paren(denominator(b), _PY['mul'], strict=True)}"
        return f"{self.factor(a, b)} * {self.factor(b, a, strict=True)}"

    def factor(self, e: Expr, other: Expr, strict: bool = False) -> str:
        """A step times a number array reads as the comparison: ``dA1 * (Z1 > 0)``."""
        if _is_step(e) and not _is_step(other):
            return f"({self._print(e.args[0])} > 0)"
        return self.paren(e, _PY["mul"], strict)

    def _print_scale(self, e: Expr) -> str:
        s, x = e.args
        if is_negation(e):
            return f"-{self.paren(x, _PY['neg'])}"
        return f"{self.paren(s, _PY['mul'])} * {self.paren(x, _PY['mul'], strict=True)}"

    def _print_sum(self, e: Expr) -> str:
        axis, keep = e.attrs
        x = self.shaped(e.args[0])
        if axis is None:
            return f"np.sum({x}, keepdims=True)" if keep and e.shape else f"np.sum({x})"
        return f"np.sum({x}, axis={axis}" + (", keepdims=True)" if keep else ")")

    def _print_fn(self, e: Expr) -> str:
        f, x = e.attrs[0], e.args[0]
        if f.name == "power":
            k = f.params[0]
            if k == -1:
                return f"1 / {self.paren(x, _PY['pow'])}"
            return f"{self.paren(x, _PY['pow'], strict=True)}**{_exponent(k)}"
        whole = re.fullmatch(r"[\w.]+\((?:[\w.]+, )?\{x\}(?:, [\w.]+)?\)", f.np_src) is not None
        return f.np_src.format(x=self._print(x) if whole else self.paren(x, _PY["atom"]))

    # -- convolution and pooling (see chainrule.ir.conv): calls of the helpers each language defines
    def _print_call(self, e: Expr) -> str:
        name, args, keywords = call_parts(e)
        printed = [self.shaped(a) for a in args] + [f"{k}={v}" for k, v in keywords]
        return f"{name}({', '.join(printed)})"

    def _print_vstack(self, e: Expr) -> str:
        a, b = (self.shaped(x) for x in e.args)
        return f"np.concatenate(({a}, {b}), axis=0)"

    def _print_rows(self, e: Expr) -> str:
        x = e.args[0]
        inner = self.shaped(x) if _natural_shape(x) != x.shape else self.paren(x, _PY["atom"])
        part, size, rest = e.attrs
        return f"{inner}[:{size}]" if part == "top" else f"{inner}[{rest}:]"

    def _print_reshape(self, e: Expr) -> str:
        return f"np.reshape({self.shaped(e.args[0])}, {self.shape(e.shape)})"

    # -- linear algebra (see chainrule.ir.linalg): primitives, then named compositions -----------
    def _print_inv(self, e: Expr) -> str:
        return f"np.linalg.inv({self.shaped(e.args[0])})"

    def _print_det(self, e: Expr) -> str:
        return f"np.linalg.det({self.shaped(e.args[0])})"

    def _print_blocks(self, e: Expr) -> str:
        p, r, kind = e.attrs
        if kind == "repeat":
            return f"np.kron(np.eye({p}), np.ones(({r}, 1)))"
        return f"np.kron(np.ones(({p}, 1)), np.eye({r}))"

    def _print_trace(self, m: Named) -> str:
        return f"np.trace({self.shaped(m.args[0])})"

    def _print_diag(self, m: Named) -> str:
        return f"np.diagflat({self.shaped(m.args[0])})"

    def _print_diag_part(self, m: Named) -> str:
        return f"np.diag({self.shaped(m.args[0])})[:, None]"

    def _print_kron(self, m: Named) -> str:
        return f"np.kron({self.shaped(m.args[0])}, {self.shaped(m.args[1])})"

    def _print_matrix_power(self, m: Named) -> str:
        return f"np.linalg.matrix_power({self.shaped(m.args[0])}, {m.param})"

    def _print_variable_power(self, m: Named) -> str:
        x, k = m.args
        return f"{self.paren(x, _PY['pow'], strict=True)} ** {self.paren(k, _PY['pow'])}"

    def _print_norm(self, m: Named) -> str:
        return f"np.linalg.norm({self.shaped(m.args[0])})"

    def _print_softmax(self, m: Named) -> str:
        return f"softmax({self._print(m.args[0])}, axis={m.param})"

    def _print_logsumexp(self, m: Named) -> str:
        axis, keep = m.param
        keep = ", keepdims=True" if keep and axis is not None else ""
        return f"logsumexp({self.shaped(m.args[0])}, axis={axis}{keep})"


# Stable helpers for named compositions: the same value, shifted by the maximum so that exp
# never overflows.
NAMED_HELPERS = {
    "softmax": (
        "def softmax(z, axis):\n"
        "    e = np.exp(z - np.max(z, axis=axis, keepdims=True))\n"
        "    return e / np.sum(e, axis=axis, keepdims=True)\n"
    ),
    "logsumexp": (
        "def logsumexp(z, axis=None, keepdims=False):\n"
        "    c = np.max(z, axis=axis, keepdims=True)\n"
        "    s = np.log(np.sum(np.exp(z - c), axis=axis, keepdims=True)) + c\n"
        "    return s if keepdims else np.squeeze(s, axis=axis)\n"
    ),
}


def _is_step(e: Expr) -> bool:
    return e.op == "fn" and e.attrs[0].name == "step"


def _natural_shape(e: Expr) -> Shape:
    """The shape NumPy gives ``e`` as printed, where broadcasts are left implicit."""
    if e.op in ("broadcast", "fn"):
        return _natural_shape(e.args[0])
    if e.op in ("add", "mul", "scale"):
        a, b = (_natural_shape(x) for x in e.args)
        if len(a) != len(b):
            return a or b
        return tuple(y if x == 1 else x for x, y in zip(a, b, strict=True))
    return e.shape  # leaves, and products, transposes and sums, which are printed full-shaped


def _exponent(k: sympy.Number) -> str:
    return str(k) if k.is_Integer and k >= 0 else f"({k})" if k.is_Integer else f"({k.p} / {k.q})"


def numpy_source(e: Expr) -> str:
    """``e`` as one NumPy expression, its full shape kept."""
    return NumpyPrinter().shaped(e)
