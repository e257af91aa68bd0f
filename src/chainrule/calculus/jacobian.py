"""``cr.jacobian`` and ``cr.hessian``: derivatives of vector-valued expressions, as matrices.

Reverse mode once, with a symbolic cotangent. For f with n_out entries and x with n_in, the scalar
uᵀ f (u a fresh column) has the gradient ∂(uᵀ f)/∂x = Jᵀ u: a formula in u that is derived,
simplified and explained like any other gradient (:attr:`Jacobian.gradient` holds its derivation).
J is the matrix of that linear map, read off by :func:`chainrule.calculus.linear.coefficient`, so
no second set of rules (forward mode) is needed. Where the formula is not recognisably linear in u,
J is evaluated column by column with u = e₁, e₂, … instead, so every Jacobian can be computed. The
Hessian of a scalar f is the Jacobian of its gradient.

Layouts: ``numerator`` (J_ij = ∂f_i/∂x_j, shape (n_out, n_in)) or ``denominator`` (its transpose).

Any ranks (:class:`TensorJacobian`): for a matrix-valued f or a matrix x the cotangent is a matrix
U of f's shape and the VJP ∂⟨U, f⟩/∂x is again derived by reverse mode. The numerator layout is the
array J[i…, k…] = ∂f_i…/∂x_k… of shape f.shape + x.shape; ``layout="vec"`` is the matrix
∂vec f/∂(vec x)ᵀ with column-major vec (vec X stacks the columns of X, Magnus & Neudecker and the
Matrix Cookbook §10.2.2), so d(A X B)/dX = Bᵀ ⊗ A; ``denominator`` puts x's axes first. A closed
form is read where one exists (:mod:`chainrule.calculus.vec`: Kronecker products and the
commutation matrix; ∂f/∂x itself for a scalar x or a scalar f); otherwise J is evaluated from the
same VJP with one basis cotangent per entry of f.
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
from ..printers.text import text
from .cse import formula_lines
from .linear import NotLinear, coefficient
from .vec import vec_jacobian

__all__ = ["Jacobian", "TensorJacobian", "jacobian", "hessian"]

LAYOUTS = ("numerator", "denominator", "vec")


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
            raise SpecError(
                f"unknown layout {layout!r}", hint="use 'numerator', 'denominator' or 'vec'"
            )
        layout = "numerator" if layout == "vec" else layout  # vec of a vector is the vector
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


class TensorJacobian:
    """∂f/∂x for f and x of any rank (see the module docstring): ``J(**arrays)`` its value,
    ``str(J)`` its closed form when one is read, else the VJP it is evaluated from."""

    def __init__(self, f: Expr, wrt: str, layout: str = "numerator", symbol: str = "J") -> None:
        if layout not in LAYOUTS:
            raise SpecError(
                f"unknown layout {layout!r}", hint="use 'numerator', 'denominator' or 'vec'"
            )
        self.f, self.wrt, self.layout, self.symbol = f, wrt, layout, symbol
        names = {v.name: v for v in leaves(f)}
        if wrt not in names:
            raise UnknownNameError(
                f"cannot differentiate with respect to {wrt!r}: the expression does not use it",
                hint=f"it uses {', '.join(sorted(names)) or 'no variables'}",
            )
        self.x = names[wrt]
        self.u = build.var(_fresh("U", set(names)), f.shape)
        pairing = build.sum_(build.mul(self.u, f), None, keepdims=False) if f.shape else self.u * f
        self.gradient = Gradient(pairing, wrt)
        self.vjp = self.gradient.expr
        self.expr, self.form = self._closed_form()

    def _closed_form(self) -> tuple[Expr | None, str]:
        """(formula, its layout): ∂f/∂x for a scalar f or x, a Kronecker form in vec layout."""
        if not self.f.shape:
            return Gradient(self.f, self.wrt).expr, "numerator"
        v = self.vjp
        if not self.x.shape and v.op == "sum" and (d := _factor_of(v.args[0], self.u)) is not None:
            return d, "numerator"
        try:  # not simplified: I ⊗ A stays a Kronecker product the printers name
            return vec_jacobian(v, self.u, self.x.shape), "vec"
        except NotLinear:
            return None, ""

    @property
    def shape(self) -> tuple:
        f, x = self.f.shape, self.x.shape
        if self.layout == "vec":
            return (_count(f), _count(x))
        return f + x if self.layout == "numerator" else x + f

    def __str__(self) -> str:
        if self.expr is None:
            return f"∂Σ({self.u.name} ⊙ f)/∂{self.wrt} = {text(self.vjp)}"
        suffix = "" if self.form == self.layout else f" (the {self.form} layout)"
        if self.form == "vec":  # K(r,c), the commutation matrix, by its name
            return text(vec_jacobian(self.vjp, self.u, self.x.shape, named_k=True)) + suffix
        return text(self.expr) + suffix

    def __repr__(self) -> str:
        return f"<{self.symbol} = ∂f/∂{self.wrt} ({self.layout} layout) = {self}>"

    def lines(self) -> list[str]:
        return [str(self)] if self.expr is None else formula_lines(self.symbol, self.expr)

    def __call__(self, **values: np.ndarray) -> np.ndarray:
        """The Jacobian's value in the asked layout, of shape :attr:`shape` (concrete)."""
        arrays = {k: np.asarray(v, dtype=np.float64) for k, v in values.items()}
        dims = bind(tuple(leaves(self.f)), arrays)
        f_shape, x_shape = concrete(self.f.shape, dims), concrete(self.x.shape, dims)
        if self.form == "vec":
            j = _unvec(np.asarray(evaluate(self.expr, arrays, dims)), f_shape, x_shape)
        elif self.expr is not None:
            out = np.asarray(evaluate(self.expr, arrays, dims), dtype=np.float64)
            j = np.broadcast_to(out, f_shape + x_shape).copy()
        else:
            j = self._by_cotangents(arrays, dims, f_shape, x_shape)
        if self.layout == "vec":
            return _vec(j, len(f_shape))
        if self.layout == "denominator":
            k = len(f_shape)
            return np.transpose(j, (*range(k, j.ndim), *range(k)))
        return j

    def _by_cotangents(self, arrays: dict, dims: dict, f_shape: tuple, x_shape: tuple):
        """J[i…] = ∂⟨e_i…, f⟩/∂x, the VJP with each basis cotangent."""
        j = np.zeros(f_shape + x_shape)
        for idx in np.ndindex(*f_shape):
            e = np.zeros(f_shape)
            e[idx] = 1.0
            row = evaluate(self.vjp, {**arrays, self.u.name: e}, dims)
            j[idx] = np.broadcast_to(np.asarray(row, dtype=np.float64), x_shape)
        return j


def _factors(e: Expr) -> list[Expr]:
    return [f for a in e.args for f in _factors(a)] if e.op == "mul" else [e]


def _factor_of(e: Expr, u: Expr) -> Expr | None:
    """D from a product U ⊙ D (in any order and grouping) where D does not contain U."""
    factors = _factors(e)
    rest = [f for f in factors if f != u]
    if not rest or len(rest) != len(factors) - 1 or any(u in leaves(f) for f in rest):
        return None
    out = rest[0]
    for f in rest[1:]:
        out = build.mul(out, f)
    return out


def _count(shape: tuple) -> object:
    out: object = 1
    for d in shape:
        out = out * d if isinstance(out, int) and isinstance(d, int) else f"{out}·{d}"
    return out


def _vec(j: np.ndarray, k: int) -> np.ndarray:
    """The numerator array J[i…, l…] as the matrix of column-major vecs of f and x."""
    axes = (*reversed(range(k)), *reversed(range(k, j.ndim)))
    f_size = int(np.prod(j.shape[:k], dtype=int))
    return np.transpose(j, axes).reshape(f_size, -1)


def _unvec(jv: np.ndarray, f_shape: tuple, x_shape: tuple) -> np.ndarray:
    """The inverse of :func:`_vec`."""
    k = len(f_shape)
    rev = np.reshape(jv, (*reversed(f_shape), *reversed(x_shape)))
    axes = (*reversed(range(k)), *reversed(range(k, rev.ndim)))
    return np.transpose(rev, np.argsort(axes))


def _is_vector_like(shape: tuple) -> bool:
    return shape in ((), (1, 1)) or linalg.is_vector(shape)


def _parsed(expr: str | Expr, shapes: Mapping[str, tuple] | None) -> Expr:
    return parse(expr, shapes or {}) if isinstance(expr, str) else build.lift(expr)


def jacobian(
    expr: str | Expr,
    wrt: str,
    shapes: Mapping[str, tuple] | None = None,
    layout: str = "numerator",
) -> Jacobian | TensorJacobian:
    """J_ij = ∂f_i/∂x_j, e.g. ``cr.jacobian("np.tanh(W @ x)", "x", {"W": (3, 4), "x": (4, 1)})``.

    For vectors and scalars the numerator layout has shape (n_out, n_in) and
    ``layout="denominator"`` gives the transpose. For matrices (any rank) the numerator layout is
    J[i, j, k, l] = ∂f_ij/∂x_kl, ``layout="vec"`` the (nm × pq) matrix ∂vec f/∂(vec x)ᵀ with
    column-major vec (``cr.jacobian("A @ X @ B", "X", …, layout="vec")`` reads Bᵀ ⊗ A).
    """
    f = _parsed(expr, shapes)
    x = next((v for v in leaves(f) if v.name == wrt), None)
    if x is not None and not (_is_vector_like(f.shape) and _is_vector_like(x.shape)):
        return TensorJacobian(f, wrt, layout)
    return Jacobian(f, wrt, layout)


def hessian(expr: str | Expr, wrt: str, shapes: Mapping[str, tuple] | None = None) -> Jacobian:
    """``cr.hessian("x.T @ A @ x", wrt="x", shapes=…)``: H_ij = ∂²f/∂x_i∂x_j, the Jacobian of ∇f."""
    f = _parsed(expr, shapes)
    g = Gradient(f, wrt)
    return Jacobian(g.expr, wrt, "numerator", "H", x=g.program.names[wrt])
