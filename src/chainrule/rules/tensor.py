"""Tensors of any rank: einsum, axis permutations and max over an axis, one record each.

Notation as in the other records: the node is ``C = op(A, …)``, ``G`` the adjoint ∂ℓ/∂C.

* **einsum** is linear in each operand, so the adjoint of operand k is again an einsum: the
  output's subscripts trade places with operand k's, ``dA = einsum("out,others->A", G, others…)``.
  Two letters need care. A letter repeated inside operand k (``"ii->"``, the trace) reads only
  its diagonal, so its adjoint lives on the diagonal: the second copy is renamed and an identity
  δ joins the operands (∂ tr A/∂A = I). A letter of operand k that neither the output nor another
  operand has (``"ij->i"``) was summed away, so its adjoint is spread back with a vector of ones.
* **permute** only moves entries: the adjoint is G permuted back, by the inverse permutation.
* **max** follows the course's mask (max pooling's ``x == np.max(x)``): every entry equal to the
  maximum receives G — at a tie each of the k tied entries receives all of G. PyTorch's
  ``torch.amax`` splits G evenly among ties (G/k each) and ``torch.max(x, dim)`` gives it to one;
  away from ties (almost everywhere) the three agree, and the function is differentiable there.
"""

from __future__ import annotations

import numpy as np

from .. import scalar
from ..ir import build, tensor
from ..ir.expr import Expr
from .primitives import PRIMITIVES, Primitive, VariadicPrimitive

__all__ = ["TENSOR"]


def _einsum_vjp(g: Expr, n: Expr, k: int) -> Expr:
    """∂ℓ/∂(operand k) = einsum("out,others->subs_k", G, others…), with δ for a repeated letter
    and a vector of ones for a letter only operand k has."""
    terms, out = tensor.parse_subscripts(n.attrs[0], len(n.args))
    sizes = tensor.letter_sizes(terms, n.args, n.attrs[0])
    fresh = iter(c for c in tensor.LETTERS if c not in "".join(terms))
    target: list[str] = []
    extra: list[tuple[str, Expr]] = []
    for c in terms[k]:
        if c in target:  # a diagonal: rename the copy, join the two by δ
            d = next(fresh)
            extra.append((c + d, build.eye(sizes[c])))
            target.append(d)
        else:
            target.append(c)
    others = [(t, x) for j, (t, x) in enumerate(zip(terms, n.args, strict=True)) if j != k]
    reached = set(out).union(*(t for t, _ in others), *(t for t, _ in extra))
    for c in dict.fromkeys(terms[k]):
        if c not in reached:  # summed away inside operand k: spread back
            extra.append((c, build.broadcast(build.const(1), (sizes[c],))))
    pairs = [(out, g), *others, *extra]
    subscripts = ",".join(t for t, _ in pairs) + "->" + "".join(target)
    return tensor.einsum(subscripts, *(x for _, x in pairs))


def _permute_vjp(g: Expr, n: Expr) -> Expr:
    return tensor.permute(g, tensor.inverse(n.attrs[0]))


def _max_vjp(g: Expr, n: Expr) -> Expr:
    """G spread over the reduced axis, times the mask [A = max A] = 1 − 𝟙[max A − A > 0]."""
    a, axis = n.args[0], n.attrs[0]
    below = build.fn(scalar.lookup("step"), build.np_sub(tensor.keep(n, a.shape, axis), a))
    return build.mul(tensor.keep(g, a.shape, axis), build.np_sub(build.const(1), below))


def _max_numpy(shape: tuple, attrs: tuple, a: np.ndarray) -> np.ndarray:
    axis, keep = attrs
    return np.max(a, axis=axis, keepdims=keep)


TENSOR = [
    VariadicPrimitive(
        "einsum",
        "Einstein summation",
        "C = einsum(subscripts, A, B, …)",
        tensor.einsum,
        "each letter names one size wherever it appears; C has the output letters' sizes, e.g. "
        "'bqd,bkd->bqk': (b, q, d), (b, k, d) → (b, q, k)",
        lambda shape, attrs, *xs: np.einsum(attrs[0], *xs),
        (_einsum_vjp,),
        "einsum rule (swap the output's subscripts with the operand's)",
        "C is linear in each operand and C[out] = Σ over the other letters of the product of the "
        "operands, so ∂ℓ/∂A pairs G with the other operands over every letter A does not have.",
        "C_ik = Σ_j A_ij B_jk  ⇒  ∂ℓ/∂A_ij = Σ_k G_ik B_jk  and  ∂ℓ/∂B_jk = Σ_i A_ij G_ik; "
        "a repeated letter (C = Σ_i A_ii) gives ∂ℓ/∂A_ij = g δ_ij",
        "the adjoint's output subscripts are the operand's own, so it has the operand's shape; "
        "every other letter is summed.",
        ("parr", "cookbook"),
    ),
    Primitive(
        "permute",
        "transpose with an axis permutation",
        "C = transpose(A, axes)",
        tensor.permute,
        "axis k of C is axis axes[k] of A: (a, b, c) with axes (0, 2, 1) → (a, c, b)",
        lambda shape, attrs, a: np.transpose(a, attrs[0]),
        (_permute_vjp,),
        "permutation rule (the inverse permutation)",
        "Permuting axes only moves entries, so each entry's gradient moves back to where it came "
        "from: G permuted by the inverse permutation.",
        "C_ikj = A_ijk  ⇒  ∂ℓ/∂A_ijk = G_ikj",
        "G has C's permuted shape; the inverse permutation restores A's shape.",
        ("parr",),
    ),
    Primitive(
        "max",
        "maximum over an axis",
        "c = max A",
        tensor.amax,
        "(n, m) → (n, 1) over axis 1 with keepdims, (n,) without; any axis of any rank, or all",
        _max_numpy,
        (_max_vjp,),
        "max rule (the gradient goes to the maximum)",
        "Where one entry is the strict maximum, c equals it and ignores the others, so only it "
        "receives G. chainrule uses the course's mask A == max A (as in max pooling): at a tie "
        "every tied maximum receives all of G, where torch.amax gives each G/k and torch.max one.",
        "c_i = max_j A_ij  ⇒  ∂ℓ/∂A_ij = g_i [A_ij = c_i] = g_i (1 − 𝟙[c_i − A_ij > 0])",
        "g spread back over the reduced axis has A's shape, and so has the mask.",
        ("cs231n",),
    ),
]

PRIMITIVES.update({p.op: p for p in TENSOR})
