"""``cr.jacobian`` and ``cr.hessian``: derivatives of vector-valued expressions, as matrices.

Reverse mode once, with a symbolic cotangent. For f with n_out entries and x with n_in, the scalar
uᵀ f (u a fresh column) has the gradient ∂(uᵀ f)/∂x = Jᵀ u: a formula in u that is derived,
simplified and explained like any other gradient (:attr:`Jacobian.gradient` holds its derivation).
J is the matrix of that linear map, read off by :func:`chainrule.calculus.linear.coefficient`, so
no second set of rules (forward mode) is needed. Where the formula is not recognisably linear in u,
J is evaluated column by column with u = e₁, e₂, … instead, so every Jacobian can be computed. The
Hessian of a scalar f is the Jacobian of its gradient.

Layouts: ``numerator`` (J_ij = ∂f_i/∂x_j, shape (n_out, n_in)) or ``denominator`` (its transpose).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..algebra.simplify import simplify
from ..errors import ShapeError, SpecError, UnknownNameError
from ..evaluate import bind, evaluate
from ..gradient import Gradient
from ..ir import build, linalg
from ..ir.expr import Expr, leaves
from ..ir.shapes import concrete, fmt_shape
from ..lang import parse
from ..printers.text import formula_lines, text
from .linear import NotLinear, coefficient

__all__ = ["Jacobian", "jacobian", "hessian"]

LAYOUTS = ("numerator", "denominator")


def _length(shape: tuple, what: str) -> object:
    """n for a scalar (1), a column (n, 1) or a row (1, n); a matrix is refused."""
    if shape in ((), (1, 1)):
        return 1
    if not linalg.is_vector(shape):
        raise ShapeError(
            f"{what} has shape {fmt_shape(shape)}, but a Jacobian needs vectors or scalars",
            hint="vectors are columns (n, 1); differentiate a matrix through a scalar with cr.grad",
        )
    return shape[0] if shape[1] == 1 else shape[1]


def _pairing(u: Expr, f: Expr) -> Expr:
    """uᵀ vec(f), a 1×1 scalar."""
    if f.shape == ():
        return build.scale(f, u)
    return u.T @ f if f.shape[1] == 1 else f @ u


def _fresh(base: str, taken: set[str]) -> str:
    name = base
    while name in taken:
        name += "_"
    return name


class Jacobian:
    """∂f/∂x for vectors or scalars f, x: ``str(J)`` is the formula, ``J(**arrays)`` its value."""

    def __init__(
        self, f: Expr, wrt: str, layout: str = "numerator", symbol: str = "J", x: Expr | None = None
    ) -> None:
        if layout not in LAYOUTS:
            raise SpecError(f"unknown layout {layout!r}", hint="use 'numerator' or 'denominator'")
        self.f, self.wrt, self.layout, self.symbol = f, wrt, layout, symbol
        names = {v.name: v for v in leaves(f)}
        self.x = names.get(wrt, x)
        if self.x is None:
            raise UnknownNameError(
                f"cannot differentiate with respect to {wrt!r}: the expression does not use it",
                hint=f"it uses {', '.join(sorted(names)) or 'no variables'}",
            )
        self.n_out, self.n_in = _length(f.shape, "the expression"), _length(self.x.shape, wrt)
        self.u = build.var(_fresh("u", set(names)), (self.n_out, 1))
        self.gradient = Gradient(_pairing(self.u, f), wrt) if wrt in names else None
        self.expr = self._matrix()

    @property
    def vjp(self) -> Expr:
        """∂(uᵀ f)/∂x = Jᵀ u, the vector–Jacobian product as a formula in u."""
        if self.gradient is None:
            return build.broadcast(build.const(0), self.x.shape) if self.x.shape else build.const(0)
        return self.gradient.expr

    def _matrix(self) -> Expr | None:
        if self.gradient is None:  # f does not depend on x
            return build.broadcast(build.const(0), self.shape)
        try:
            jt = coefficient(self.vjp, self.u)
        except NotLinear:
            return None
        return simplify(jt if self.layout == "denominator" else build.transpose(jt))

    @property
    def shape(self) -> tuple:
        numerator = (self.n_out, self.n_in)
        return numerator if self.layout == "numerator" else numerator[::-1]

    def __str__(self) -> str:
        if self.expr is None:
            return f"{self.symbol}ᵀ {self.u.name} = {text(self.vjp)}"
        return text(self.expr)

    def __repr__(self) -> str:
        return f"<{self.symbol} = ∂f/∂{self.wrt} ({self.layout} layout) = {self}>"

    def lines(self) -> list[str]:
        """The formula with its larger repeated subexpressions named once."""
        if self.expr is None:
            return [str(self)]
        return formula_lines(self.symbol, self.expr)

    def __call__(self, **values: np.ndarray) -> np.ndarray:
        """The Jacobian's value, of shape :attr:`shape` (concrete)."""
        arrays = {k: np.asarray(v, dtype=np.float64) for k, v in values.items()}
        inputs = tuple(leaves(self.f)) or (self.x,)
        dims = bind(inputs, arrays)
        shape = concrete(self.shape, dims)
        if self.expr is not None:
            out = evaluate(self.expr, arrays, dims)
            return np.broadcast_to(np.asarray(out, dtype=np.float64), shape).copy()
        n = concrete((self.n_out,), dims)[0]
        cols = [self._column(arrays, dims, i, n) for i in range(n)]
        jt = np.stack(cols, axis=1)
        return (jt if self.layout == "denominator" else jt.T).reshape(shape)

    def _column(self, arrays: dict, dims: dict, i: int, n: int) -> np.ndarray:
        """Jᵀ eᵢ: the vector–Jacobian product with the i-th basis vector."""
        e = np.zeros((n, 1))
        e[i] = 1.0
        return np.asarray(evaluate(self.vjp, {**arrays, self.u.name: e}, dims)).reshape(-1)


def _parsed(expr: str | Expr, shapes: Mapping[str, tuple] | None) -> Expr:
    return parse(expr, shapes or {}) if isinstance(expr, str) else build.lift(expr)


def jacobian(
    expr: str | Expr,
    wrt: str,
    shapes: Mapping[str, tuple] | None = None,
    layout: str = "numerator",
) -> Jacobian:
    """J_ij = ∂f_i/∂x_j, e.g. ``cr.jacobian("np.tanh(W @ x)", "x", {"W": (3, 4), "x": (4, 1)})``.

    The numerator layout has shape (n_out, n_in); ``layout="denominator"`` gives the transpose.
    """
    return Jacobian(_parsed(expr, shapes), wrt, layout)


def hessian(expr: str | Expr, wrt: str, shapes: Mapping[str, tuple] | None = None) -> Jacobian:
    """``cr.hessian("x.T @ A @ x", wrt="x", shapes=…)``: H_ij = ∂²f/∂x_i∂x_j, the Jacobian of ∇f."""
    f = _parsed(expr, shapes)
    g = Gradient(f, wrt)
    return Jacobian(g.expr, wrt, "numerator", "H", x=g.program.names[wrt])
