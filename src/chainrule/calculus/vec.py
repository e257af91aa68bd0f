"""Reading a Kronecker form off a matrix-linear formula: J in vec layout from the VJP h(U).

Reverse mode gives the vector–Jacobian product x̄ = h(U) as a formula in the cotangent U (f's
shape). With column-major vec (vec X stacks X's columns: vec(X)[i + n·j] = X[i, j], as Magnus &
Neudecker and the Matrix Cookbook §10.2.2 write it), vec x̄ = Jᵀ vec U, so J is the transpose of
the coefficient of h. The transpose is built directly, T_h = Mₕᵀ, one rule per linear operation
(g the part that carries U, a and b constants, K_(r,c) the commutation matrix: K vec X = vec Xᵀ):

    U ↦ I ⊗ I      a g ↦ T_g (I ⊗ aᵀ)      g b ↦ T_g (b ⊗ I)      gᵀ ↦ T_g K_(c,r)
    s g ↦ s T_g      g + g′ ↦ T_g + T_g′

Products of Kronecker factors are merged by the mixed-product rule (P ⊗ Q)(R ⊗ S) = PR ⊗ QS, and
a commutation matrix moves to the right end by K (R ⊗ S) = (S ⊗ R) K′, so d(A X B)/dX reads
Bᵀ ⊗ A, d(Xᵀ)/dX reads K and d(A Xᵀ B)/dX reads (Bᵀ ⊗ A) K. Anything else (a Hadamard product, a
sum over an axis, U twice, two transposes) raises :class:`NotLinear` and the caller evaluates the
Jacobian with basis cotangents instead. Shapes must be concrete (a Kronecker product is).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ir import build, linalg
from ..ir.expr import Expr
from .linear import NotLinear

__all__ = ["vec_jacobian", "commutation"]


@dataclass(frozen=True)
class _Term:
    """s · (P ⊗ Q) · K: P acts on the columns, Q on the rows; None is an identity."""

    s: Expr | None
    p: Expr | None
    q: Expr | None
    k: tuple[int, int] | None = None  # a trailing commutation matrix K_(r,c)

    def then(self, p: Expr | None, q: Expr | None) -> _Term:
        """This term times (p ⊗ q), by the mixed-product rule; past a commutation matrix by
        K_(r,c) (p ⊗ q) = (q ⊗ p) K_(q's columns, p's columns) (Magnus & Neudecker, Thm 3.9)."""
        if self.k is None:
            return _Term(self.s, _mul(self.p, p), _mul(self.q, q))
        r, c = self.k
        k = (q.shape[1] if q is not None else r, p.shape[1] if p is not None else c)
        return _Term(self.s, _mul(self.p, q), _mul(self.q, p), k)


def _t(a: Expr) -> Expr:
    """aᵀ, undoing a transpose rather than stacking a second one."""
    return a.args[0] if a.op == "transpose" else a.T


def _mul(a: Expr | None, b: Expr | None) -> Expr | None:
    return b if a is None else a if b is None else a @ b


def commutation(r: int, c: int) -> Expr:
    """K_(r,c), the (rc × rc) 0/1 matrix with K vec(X) = vec(Xᵀ) for X of shape (r, c):
    K[j + c·i, i + r·j] = 1, i.e. (E F′ᵀ) ⊙ (F E′ᵀ) with the gathers E = I ⊗ 𝟏 and F = 𝟏 ⊗ I."""
    rows = linalg.blocks(r, c, "repeat") @ linalg.blocks(c, r, "tile").T
    cols = linalg.blocks(r, c, "tile") @ linalg.blocks(c, r, "repeat").T
    return build.mul(rows, cols)


class _Reader:
    def __init__(self, u: Expr) -> None:
        self.u = u

    def depends(self, e: Expr) -> bool:
        return e == self.u or any(self.depends(a) for a in e.args)

    def terms(self, h: Expr) -> list[_Term]:
        if h == self.u:
            return [_Term(None, None, None)]
        rule = getattr(self, f"_{h.op}", None)
        if rule is None:
            raise NotLinear(f"no Kronecker rule for {h.op}")
        return rule(h)

    def _matmul(self, h: Expr) -> list[_Term]:
        a, b = h.args
        if self.depends(a) and self.depends(b):
            raise NotLinear("U times U")
        if self.depends(b):
            return [t.then(None, _t(a)) for t in self.terms(b)]
        return [t.then(b, None) for t in self.terms(a)]

    def _transpose(self, h: Expr) -> list[_Term]:
        r, c = h.args[0].shape
        out = []
        for t in self.terms(h.args[0]):
            if t.k is not None:
                raise NotLinear("two transposes")
            out.append(_Term(t.s, t.p, t.q, (c, r)))
        return out

    def _scale(self, h: Expr) -> list[_Term]:
        s, g = h.args
        if self.depends(s):
            raise NotLinear("U in a scale factor")
        return [
            _Term(s if t.s is None else build.mul(s, t.s), t.p, t.q, t.k) for t in self.terms(g)
        ]

    def _add(self, h: Expr) -> list[_Term]:
        return [t for a in h.args if self.depends(a) for t in self.terms(a)]


def _matrix(t: _Term, f_shape: tuple, named_k: bool) -> Expr:
    """s (P ⊗ Q) K as an IR tree; an absent P is I over f's columns, an absent Q over its rows."""
    n, m = f_shape
    left = t.p if t.p is not None else build.eye(m)
    right = t.q if t.q is not None else build.eye(n)
    out = linalg.kron(left, right) if t.p is not None or t.q is not None else build.eye(n * m)
    if t.k is not None:
        r, c = t.k
        k = build.var(f"K({r},{c})", (r * c, r * c)) if named_k else commutation(r, c)
        out = k if out.op == "eye" else out @ k
    return out if t.s is None else build.scale(t.s, out)


def vec_jacobian(vjp: Expr, u: Expr, x_shape: tuple, named_k: bool = False) -> Expr:
    """J (vec layout, (nm × pq)) from the VJP formula x̄ = h(U), U of f's shape (n, m); with
    ``named_k`` a commutation matrix is a variable named ``K(r,c)`` (for printing only)."""
    shapes = (*u.shape, *x_shape)
    if len(u.shape) != 2 or len(x_shape) != 2 or not all(isinstance(d, int) for d in shapes):
        raise NotLinear("a Kronecker form needs matrices of concrete shape")
    terms = [_matrix(t, u.shape, named_k) for t in _Reader(u).terms(vjp)]
    out = terms[0]
    for t in terms[1:]:
        out = build.add(out, t)
    return out
