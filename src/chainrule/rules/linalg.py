"""The linear-algebra primitives: inverse, determinant, and the constant gathers of a Kronecker.

Each record holds all of its mathematics, like those in :mod:`chainrule.rules.primitives`, and is
added to the same registry. Why these three are primitives and everything else (trace, norms,
diag, outer, matrix powers, Kronecker products) is a composition is argued in
:mod:`chainrule.ir.linalg`.

Notation as in the other records: the node is ``C = op(X)``, ``G`` the adjoint ∂ℓ/∂C.
"""

from __future__ import annotations

import numpy as np

from ..errors import EvaluationError
from ..ir import build, linalg
from ..ir.expr import Expr
from .primitives import PRIMITIVES, Primitive

__all__ = ["LINALG"]


def _inv_numpy(shape: tuple, attrs: tuple, x: np.ndarray) -> np.ndarray:
    """np.linalg.inv, refusing a matrix that is singular to working precision."""
    x = np.asarray(x)
    eps = np.finfo(x.dtype if x.dtype.kind == "f" else np.float64).eps
    try:
        singular = not np.isfinite(x).all() or np.linalg.cond(x) * eps > 1
        out = None if singular else np.linalg.inv(x)
    except np.linalg.LinAlgError:
        out = None
    if out is None:
        raise EvaluationError(
            f"cannot invert a singular {x.shape[0]}×{x.shape[1]} matrix (its determinant is "
            f"{np.linalg.det(x):.3g})",
            hint="the inverse and the gradient of a determinant exist only where det X ≠ 0",
        )
    return out


def _blocks_numpy(shape: tuple, attrs: tuple) -> np.ndarray:
    p, r, kind = attrs
    if kind == "repeat":
        return np.kron(np.eye(p), np.ones((r, 1)))
    return np.kron(np.ones((p, 1)), np.eye(r))


def _inv_vjp(g: Expr, n: Expr) -> Expr:
    """−X⁻ᵀ G X⁻ᵀ, written with the node C = X⁻¹ itself so the inverse is computed once."""
    return -(n.T @ g @ n.T)


def _det_vjp(g: Expr, n: Expr) -> Expr:
    """G det(X) X⁻ᵀ (Jacobi's formula), with the node C = det X itself."""
    return build.scale(build.mul(g, n), linalg.inv(n.args[0]).T)


LINALG = [
    Primitive(
        "inv",
        "matrix inverse",
        "C = X⁻¹",
        linalg.inv,
        "(n, n) → (n, n)",
        _inv_numpy,
        (_inv_vjp,),
        "inverse rule",
        "Differentiating X X⁻¹ = I gives dC = −C dX C, and pairing −C dX C with G, moving the "
        "outer factors across the trace, leaves −Cᵀ G Cᵀ next to dX.",
        "C = X⁻¹, dC = −C dX C  ⇒  ∂ℓ/∂X_ij = −Σ_kl G_kl C_ki C_jl = (−Cᵀ G Cᵀ)_ij",
        "X, C and G are all (n, n); dX sits between two factors C in dC = −C dX C, so its gradient "
        "sits between two factors Cᵀ.",
        ("cookbook", "parr"),
    ),
    Primitive(
        "det",
        "determinant",
        "c = det X",
        linalg.det,
        "(n, n) → ()",
        lambda shape, attrs, x: np.asarray(np.linalg.det(x)),
        (_det_vjp,),
        "Jacobi's formula",
        "Expanding det X along row i shows ∂ det X/∂X_ij is the cofactor of X_ij, and the matrix "
        "of cofactors is det(X) X⁻ᵀ.",
        "c = det X  ⇒  ∂c/∂X_ij = cof(X)_ij = det(X) (X⁻¹)_ji  ⇒  ∂ℓ/∂X = g det(X) X⁻ᵀ",
        "c and g are scalars and X⁻ᵀ has X's shape (n, n): a scalar times X⁻ᵀ is the only form.",
        ("cookbook",),
    ),
    Primitive(
        "blocks",
        "Kronecker gather (a constant)",
        "E = I_p ⊗ 𝟏_r  or  F = 𝟏_p ⊗ I_r",
        linalg.blocks,
        "() → (p·r, p) or (p·r, r)",
        _blocks_numpy,
        (),
        "constant (no inputs, nothing flows back)",
        "E and F are fixed 0/1 matrices: E A repeats each row of A r times and F B stacks p copies "
        "of B, which is how A ⊗ B = (E A E′ᵀ) ⊙ (F B F′ᵀ) is built from products.",
        "E_(ir+k), j = δ_ij  and  F_(ir+k), l = δ_kl  (0 ≤ k < r)",
        "E is (p·r, p), so E A E′ᵀ is (p·r, q·s) like A ⊗ B; F B F′ᵀ likewise.",
        ("cookbook",),
    ),
]

PRIMITIVES.update({p.op: p for p in LINALG})
