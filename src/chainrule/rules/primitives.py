"""One record per primitive, holding all of its mathematics.

A :class:`Primitive` states, for one operation of the IR: how it is built and shape-checked, what it
means in NumPy, its vector–Jacobian rule for each input *written in the IR* (so it can be printed
and explained), the rule's name and justification, the index form the explanation uses, and where to
read more. Adding a primitive means adding a record here (and perhaps a printer method); the
registry test fails if a record is incomplete.

Notation in the rules: the node is ``C = op(A, B)``, ``G`` is the adjoint ∂ℓ/∂C flowing back from
the scalar ℓ being differentiated, and each rule returns ∂ℓ/∂A (or ∂ℓ/∂B) with A's shape.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass

import numpy as np

from .. import scalar
from ..algebra.bridge import Atoms, from_sympy
from ..errors import ShapeError
from ..ir import build
from ..ir.expr import Expr

__all__ = ["Primitive", "PRIMITIVES", "vjp", "derivative_of", "READING"]

VJP = Callable[[Expr, Expr], Expr]  # (G, node) -> adjoint of one input

READING = {
    "dlbook": "Goodfellow, Bengio & Courville, Deep Learning (2016), §6.5 Back-Propagation",
    "parr": "Parr & Howard, The Matrix Calculus You Need For Deep Learning (2018)",
    "cookbook": "Petersen & Pedersen, The Matrix Cookbook (2012), §2",
    "cs231n": "Johnson, CS231n notes: Derivatives, Backpropagation, and Vectorization (2017)",
    "higham": "Higham, Functions of Matrices: Theory and Computation (2008), §3.1–3.2 and §10.6",
}


@dataclass(frozen=True)
class Primitive:
    """Everything chainrule knows about one operation."""

    op: str
    title: str  # "matrix product"
    notation: str  # how C = op(A, B) is written: "C = A B"
    build: Callable[..., Expr]  # the checked constructor (the shape rule lives there)
    shape_rule: str  # the shape rule in words
    numpy: Callable[..., np.ndarray]  # (out shape, attrs, *input arrays) -> output array
    vjps: tuple[VJP, ...]  # one per input
    rule: str  # the name of the differentiation rule
    justification: str  # why the rule holds, in one sentence
    index_form: str  # the rule with indices
    shape_argument: str  # why the transposes/sums are where they are
    reading: tuple[str, ...]  # keys of READING


def derivative_of(f: scalar.ElementwiseFn, x: Expr) -> Expr:
    """f′(x) as an IR tree, from SymPy's derivative of the record's scalar formula."""
    atoms = Atoms()
    s = f.derivative.subs(scalar.Z, atoms.symbol(x))
    return from_sympy(s, atoms, x.shape)


def _sum_to(g: Expr, shape: tuple) -> Expr:
    """Adjoint of broadcasting to g's shape from ``shape``: sum over the axes that were spread."""
    if shape == ():
        return build.sum_(g, None, keepdims=False)
    for axis in range(len(shape)):
        if shape[axis] == 1 and g.shape[axis] != 1:
            g = build.sum_(g, axis, keepdims=True)
    return g


def _sum_vjp(g: Expr, n: Expr) -> Expr:
    x, (axis, keep) = n.args[0], n.attrs
    if not keep and axis is not None:
        raise ShapeError(
            "cannot differentiate through np.sum(..., axis=k) without keepdims",
            hint="write keepdims=True so the result stays two-dimensional",
        )
    return build.broadcast(g, x.shape)


def _scale_vjp_s(g: Expr, n: Expr) -> Expr:
    return build.sum_(build.mul(g, n.args[1]), None, keepdims=False)


PRIMITIVES: dict[str, Primitive] = {
    p.op: p
    for p in [
        Primitive(
            "matmul",
            "matrix product",
            "C = A B",
            build.matmul,
            "(n, k) · (k, p) → (n, p)",
            lambda shape, attrs, a, b: a @ b,
            (lambda g, n: g @ n.args[1].T, lambda g, n: n.args[0].T @ g),
            "matrix product rule",
            "C depends linearly on A and on B, and each entry C_ij pairs row i of A with column j "
            "of B, so the gradient of one input is G multiplied by the other input, transposed.",
            "C_ij = Σ_k A_ik B_kj  ⇒  ∂ℓ/∂A_ik = Σ_j G_ij B_kj = (G Bᵀ)_ik  and  "
            "∂ℓ/∂B_kj = Σ_i A_ik G_ij = (Aᵀ G)_kj",
            "∂ℓ/∂A must have A's shape (n, k); G is (n, p) and B is (k, p), so the only product of "
            "G and B with shape (n, k) is G Bᵀ; likewise Aᵀ G is the only (k, p) product for B.",
            ("dlbook", "parr", "cs231n"),
        ),
        Primitive(
            "transpose",
            "transpose",
            "C = Aᵀ",
            build.transpose,
            "(n, m) → (m, n)",
            lambda shape, attrs, a: a.T,
            (lambda g, n: g.T,),
            "transpose rule",
            "Transposing only moves entries, so each entry's gradient moves back to where it came "
            "from.",
            "C_ij = A_ji  ⇒  ∂ℓ/∂A_ji = G_ij = (Gᵀ)_ji",
            "G has the transposed shape (m, n); transposing it restores A's shape (n, m).",
            ("parr",),
        ),
        Primitive(
            "add",
            "sum",
            "C = A + B",
            build.add,
            "(n, m) + (n, m) → (n, m)",
            lambda shape, attrs, a, b: a + b,
            (lambda g, n: g, lambda g, n: g),
            "sum rule",
            "Each input contributes to C with derivative 1, so the adjoint passes through "
            "unchanged.",
            "C_ij = A_ij + B_ij  ⇒  ∂ℓ/∂A_ij = G_ij  and  ∂ℓ/∂B_ij = G_ij",
            "A, B and C share one shape, so G already has the shape of each input.",
            ("dlbook",),
        ),
        Primitive(
            "mul",
            "Hadamard (elementwise) product",
            "C = A ⊙ B",
            build.mul,
            "(n, m) ⊙ (n, m) → (n, m)",
            lambda shape, attrs, a, b: a * b,
            (lambda g, n: build.mul(g, n.args[1]), lambda g, n: build.mul(n.args[0], g)),
            "elementwise product rule",
            "Entry C_ij depends only on A_ij and B_ij, so the Jacobian is diagonal and the chain "
            "rule multiplies entry by entry.",
            "C_ij = A_ij B_ij  ⇒  ∂ℓ/∂A_ij = G_ij B_ij = (G ⊙ B)_ij",
            "All operands share one shape; a diagonal Jacobian times a vector is an elementwise "
            "product, never a matrix product.",
            ("parr",),
        ),
        Primitive(
            "scale",
            "scaling by a scalar",
            "C = s A",
            build.scale,
            "() · (n, m) → (n, m)",
            lambda shape, attrs, s, a: s * a,
            (_scale_vjp_s, lambda g, n: build.scale(n.args[0], g)),
            "scalar multiple rule",
            "Every entry of C is s times the matching entry of A, so A's gradient is s G and s "
            "collects a contribution from every entry.",
            "C_ij = s A_ij  ⇒  ∂ℓ/∂A_ij = s G_ij  and  ∂ℓ/∂s = Σ_ij G_ij A_ij",
            "s G has A's shape; the gradient of the scalar s is a full sum, a scalar.",
            ("parr",),
        ),
        Primitive(
            "broadcast",
            "broadcast",
            "C = A spread over the axes of size 1",
            build.broadcast,
            "(n, 1) → (n, m), (1, m) → (n, m), () → (n, m)",
            lambda shape, attrs, a: np.broadcast_to(a, shape),
            (lambda g, n: _sum_to(g, n.args[0].shape),),
            "broadcast rule (its adjoint is a sum)",
            "A copy of b_i is used in every column j, and a quantity used several times receives "
            "the sum of the gradients of its uses.",
            "C_ij = b_i for every j  ⇒  ∂ℓ/∂b_i = Σ_j G_ij",
            "G is (n, m) and b is (n, 1): summing G over the m columns gives b's shape.",
            ("dlbook", "cs231n"),
        ),
        Primitive(
            "sum",
            "sum over an axis",
            "c = Σ A",
            build.sum_,
            "(n, m) → (n, 1), (1, m) or ()",
            lambda shape, attrs, a: (
                np.sum(a, axis=attrs[0], keepdims=attrs[1] and a.ndim > 0)
                if attrs[0] is not None or attrs[1]
                else np.sum(a)
            ),
            (_sum_vjp,),
            "sum rule (its adjoint is a broadcast)",
            "Every summed entry contributes to the total with derivative 1, so each receives the "
            "gradient of the sum it went into.",
            "c_i = Σ_j A_ij  ⇒  ∂ℓ/∂A_ij = g_i",
            "g has the summed axis of size 1; spreading it back over that axis gives A's shape.",
            ("parr",),
        ),
        Primitive(
            "fn",
            "elementwise function",
            "C = f(A)",
            build.fn,
            "(n, m) → (n, m)",
            lambda shape, attrs, a: attrs[0].numpy(a),
            (lambda g, n: build.mul(g, derivative_of(n.attrs[0], n.args[0])),),
            "chain rule for an elementwise function",
            "C_ij = f(A_ij) depends only on A_ij, so the Jacobian is the diagonal matrix of "
            "f′(A_ij), and a diagonal matrix times a vector is the elementwise product G ⊙ f′(A).",
            "C_ij = f(A_ij)  ⇒  ∂ℓ/∂A_ij = G_ij f′(A_ij) = (G ⊙ f′(A))_ij",
            "f′(A) has A's shape and so does G: the product must be elementwise.",
            ("dlbook", "parr"),
        ),
    ]
}


def vjp(node: Expr, g: Expr, live: Container[Expr] | None = None) -> tuple[Expr | None, ...]:
    """The adjoints of ``node``'s inputs given the adjoint ``g`` of its output.

    With ``live``, only the inputs in it get a rule applied; the others get ``None`` (nothing that
    is wanted depends on them, so their adjoints would be built and thrown away).
    """
    rules = PRIMITIVES[node.op].vjps
    return tuple(
        rule(g, node) if live is None or arg in live else None
        for rule, arg in zip(rules, node.args, strict=True)
    )
