"""Tensors of any rank: ``np.einsum``, transposes with an axis permutation, max over an axis.

* ``einsum(subscripts, *operands)`` — NumPy's explicit-output einsum, ``"bqd,bkd->bqk"``: every
  letter names an axis, a letter shared by operands must have one size, a letter missing from the
  output is summed. The implicit form (no ``->``: the letters seen once, in alphabetical order) is
  rewritten into the explicit one, and an ellipsis ``...`` into letters of its own (the axes it
  covers are right-aligned across operands, as NumPy broadcasts them, and must have equal sizes).
* ``permute(x, axes)`` — ``np.transpose(x, axes)``: output axis k is input axis ``axes[k]``. A
  rank-2 swap is the ordinary transpose ``xᵀ`` (one node, one notation), the identity is ``x``
  itself, and a permutation of a permutation is one permutation.
* ``amax(x, axis, keepdims)`` — ``np.max``: the largest entry over one axis or all of them.

Why these are primitives: an einsum contracts and places axes in one step (its adjoint is again an
einsum, so the set stays closed); a permutation of three axes is no product of rank-2 transposes;
a max is not linear, and its adjoint needs the mask of the maxima, which only the node knows.
"""

from __future__ import annotations

import string

from ..errors import ShapeError
from . import build
from .conv import reshape
from .expr import Expr
from .shapes import Dim, Shape, fmt_shape

__all__ = [
    "einsum",
    "parse_subscripts",
    "expand_ellipsis",
    "letter_sizes",
    "permute",
    "transpose_all",
    "inverse",
    "amax",
    "kept_shape",
    "keep",
]

LETTERS = string.ascii_lowercase + string.ascii_uppercase


# -- einsum ---------------------------------------------------------------------------------------
def parse_subscripts(subscripts: str, count: int) -> tuple[tuple[str, ...], str]:
    """``"ij,jk->ik"`` → ``(("ij", "jk"), "ik")`` for ``count`` operands, or a ShapeError."""
    if not isinstance(subscripts, str):
        raise ShapeError(
            f"einsum subscripts must be a string such as 'ij,jk->ik', not {subscripts!r}"
        )
    s = subscripts.replace(" ", "")
    if "." in s:
        raise ShapeError(
            f"einsum subscripts {subscripts!r}: the ellipsis '...' is not supported",
            hint="name every axis with a letter, e.g. 'bij,bjk->bik' for a batch of products",
        )
    if s.count("->") > 1 or ("-" in s or ">" in s) and "->" not in s:
        raise ShapeError(f"einsum subscripts {subscripts!r}: write one '->' before the output")
    left, arrow, out = s.partition("->")
    terms = tuple(left.split(","))
    bad = sorted({c for c in left.replace(",", "") + out if c not in LETTERS})
    if bad:
        raise ShapeError(
            f"einsum subscripts {subscripts!r}: {', '.join(map(repr, bad))} is not a letter",
            hint="each axis is named by one letter a–z or A–Z",
        )
    if len(terms) != count:
        raise ShapeError(
            f"einsum subscripts {subscripts!r} name {len(terms)} operand(s) but {count} were given"
        )
    if not arrow:  # NumPy's implicit output: the letters used once, in alphabetical order
        once = [c for c in set(left) if c != "," and left.count(c) == 1]
        out = "".join(sorted(once))
    for c in out:
        if out.count(c) > 1 or c not in left:
            why = "twice" if out.count(c) > 1 else "but no operand has it"
            raise ShapeError(f"einsum subscripts {subscripts!r}: the output names {c!r} {why}")
    return terms, out


def expand_ellipsis(subscripts: str, operands: tuple[Expr, ...]) -> str:
    """``"...ij,jk->...ik"`` with operands of ranks 3 and 2 → ``"Zij,jk->Zik"``: each ``...``
    becomes the letters (unused in ``subscripts``) of the axes it covers, right-aligned as NumPy
    aligns them; without ``->`` the ellipsis axes lead the output, as in NumPy's implicit form."""
    if not isinstance(subscripts, str) or "..." not in subscripts:
        return subscripts
    s = subscripts.replace(" ", "")
    left, arrow, out = s.partition("->")
    terms = left.split(",")
    if any(t.replace("...", "", 1).count(".") for t in [*terms, out]) or len(terms) != len(
        operands
    ):
        return subscripts  # parse_subscripts names the error
    free = [c for c in reversed(LETTERS) if c not in s]
    covered = []
    for k, (term, x) in enumerate(zip(terms, operands, strict=True)):
        n = len(x.shape) - len(term.replace("...", "")) if "..." in term else 0
        if n < 0:
            raise ShapeError(
                f"einsum {subscripts!r}: operand {k + 1}, {build.label(x)} "
                f"{fmt_shape(x.shape)}, has {len(x.shape)} axes but its subscripts {term!r} "
                f"name {len(term) - 3} besides the ellipsis",
            )
        covered.append(n)
    width = max(covered)
    ell = "".join(free[:width][::-1])
    terms = [t.replace("...", ell[width - n :]) for t, n in zip(terms, covered, strict=True)]
    if arrow and "..." not in out and width:
        raise ShapeError(
            f"einsum {subscripts!r}: the operands have {width} axes under '...' but the output "
            "names no '...'",
            hint="write '...' in the output too, or name those axes with letters to sum them",
        )
    if arrow:
        out = out.replace("...", ell)
    else:  # NumPy's implicit output: the ellipsis axes, then the letters used once, sorted
        joined = "".join(terms)
        out = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1 and c not in ell))
    return ",".join(terms) + "->" + out


def letter_sizes(terms: tuple[str, ...], operands: tuple[Expr, ...], subscripts: str) -> dict:
    """Each letter's size, the same wherever it appears (else a ShapeError naming both places)."""
    sizes: dict[str, tuple[Dim, int]] = {}
    for k, (term, x) in enumerate(zip(terms, operands, strict=True)):
        if len(term) != len(x.shape):
            raise ShapeError(
                f"einsum {subscripts!r}: operand {k + 1}, {build.label(x)} {fmt_shape(x.shape)}, "
                f"has {len(x.shape)} axes but its subscripts {term!r} name {len(term)}",
            )
        for c, d in zip(term, x.shape, strict=True):
            first = sizes.setdefault(c, (d, k))
            if first[0] != d:
                y = operands[first[1]]
                raise ShapeError(
                    f"einsum {subscripts!r}: the letter {c!r} is {first[0]} in operand "
                    f"{first[1] + 1}, {build.label(y)} {fmt_shape(y.shape)}, but {d} in operand "
                    f"{k + 1}, {build.label(x)} {fmt_shape(x.shape)}",
                    hint="a letter shared by operands must name axes of one size",
                )
    return {c: d for c, (d, _) in sizes.items()}


def einsum(subscripts: str, *operands: Expr) -> Expr:
    """``np.einsum(subscripts, *operands)``: C[out] = Σ over the other letters of the product.

    Scalar operands (subscripts ``""``) come out as a scale, and a single operand whose
    subscripts the output only reorders is a permutation: ``einsum(",ij->ij", g, I)`` is ``g I``,
    ``einsum("ij->ji", A)`` is ``Aᵀ``.
    """
    if not operands:
        raise ShapeError("einsum needs at least one operand after the subscripts")
    subscripts = expand_ellipsis(subscripts, operands)
    terms, out = parse_subscripts(subscripts, len(operands))
    sizes = letter_sizes(terms, operands, subscripts)
    scalars = [x for t, x in zip(terms, operands, strict=True) if t == ""]
    if scalars and len(scalars) < len(operands):
        arrays = [(t, x) for t, x in zip(terms, operands, strict=True) if t != ""]
        inner = einsum(",".join(t for t, _ in arrays) + "->" + out, *(x for _, x in arrays))
        for s in scalars:
            inner = build.scale(s, inner)
        return inner
    (first, *others), x = terms, operands[0]
    if not others and len(set(first)) == len(first) == len(out) and set(first) == set(out):
        return permute(x, tuple(first.index(c) for c in out))  # "ij->ij" is x, "ij->ji" is xᵀ
    shape = tuple(sizes[c] for c in out)
    return Expr("einsum", (*operands,), shape, (",".join(terms) + "->" + out,))


# -- permutations ---------------------------------------------------------------------------------
def permute(x: Expr, axes: tuple) -> Expr:
    """``np.transpose(x, axes)``: axis k of the result is axis ``axes[k]`` of x."""
    rank = len(x.shape)
    ok = isinstance(axes, tuple) and all(type(a) is int for a in axes)
    norm = tuple(a + rank if a < 0 else a for a in axes) if ok else ()
    if not ok or sorted(norm) != list(range(rank)):
        raise ShapeError(
            f"np.transpose({build.label(x)}, {axes!r}): {build.label(x)} has shape "
            f"{fmt_shape(x.shape)}, so the axes must name each of 0 … {rank - 1} exactly once",
            hint=f"e.g. {tuple(reversed(range(rank)))!r} reverses them" if rank else None,
        )
    if x.op == "permute":  # a permutation of a permutation is one permutation
        inner = x.attrs[0]
        x, norm = x.args[0], tuple(inner[a] for a in norm)
    if norm == tuple(range(rank)):
        return x
    if rank == 2:
        return build.transpose(x)
    return Expr("permute", (x,), tuple(x.shape[a] for a in norm), (norm,))


def transpose_all(x: Expr) -> Expr:
    """``x.T`` as NumPy reads it: a matrix's transpose, every axis reversed at rank > 2 (a vector
    or scalar is refused by the transpose's own message, which names the lost keepdims)."""
    if len(x.shape) > 2:
        return permute(x, tuple(reversed(range(len(x.shape)))))
    return build.transpose(x)


def inverse(axes: tuple[int, ...]) -> tuple[int, ...]:
    """The permutation that undoes ``axes``: ``inverse((1, 2, 0)) == (2, 0, 1)``."""
    out = [0] * len(axes)
    for k, a in enumerate(axes):
        out[a] = k
    return tuple(out)


# -- max over an axis -----------------------------------------------------------------------------
def amax(x: Expr, axis: int | None = None, keepdims: bool = False) -> Expr:
    """``np.max(x, axis, keepdims)``: the largest entry over ``axis`` (all axes when None)."""
    if x.shape == ():
        return x
    if axis is not None and (type(axis) is not int or not 0 <= axis < len(x.shape)):
        raise ShapeError(
            f"np.max({build.label(x)}, axis={axis!r}): {build.label(x)} has shape "
            f"{fmt_shape(x.shape)}, so the axis is one of 0 … {len(x.shape) - 1} (or None)"
        )
    kept = kept_shape(x.shape, axis)
    out = kept if keepdims else () if axis is None else kept[:axis] + kept[axis + 1 :]
    return Expr("max", (x,), out, (axis, bool(keepdims)))


def kept_shape(shape: Shape, axis: int | None) -> Shape:
    """The shape a reduction over ``axis`` leaves with keepdims: that axis (or every one) 1."""
    return tuple(1 if axis is None or k == axis else d for k, d in enumerate(shape))


def keep(e: Expr, shape: Shape, axis: int | None) -> Expr:
    """``e`` (a reduction over ``axis`` or its adjoint) with the reduced axis back as size 1, then
    spread over ``shape``: what a result without keepdims needs before it meets the input."""
    if axis is not None and len(e.shape) == len(shape) - 1:
        e = reshape(e, (*e.shape[:axis], 1, *e.shape[axis:]))
    return e if e.shape == shape else build.broadcast(e, shape)
