"""Simplification: structural rewrites on the IR, scalar algebra on elementwise trees.

Two passes, each a short walk:

* :func:`fold` replaces every subtree equal to a named definition by its name (``tanh(Z1)`` → ``A1``),
  so derivatives speak of the quantities the forward pass already computed;
* :func:`simplify` applies a handful of structural identities (scalars move out of products, sums and
  transposes; ``(Xᵀ)ᵀ = X``; a sum of a variable known to sum to one is one) and hands each maximal
  elementwise tree to SymPy. Nothing is special-cased per network: ``A − Y`` for sigmoid with binary
  cross-entropy, or for softmax with categorical cross-entropy, falls out of this algebra.

SymPy results are cached by the tree's canonical form, so a 500-layer network costs the same SymPy
work as a 3-layer one.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import sympy

from ..ir import build
from ..ir.expr import Expr
from .bridge import Atoms, from_sympy, is_elementwise, to_sympy

__all__ = ["fold", "simplify", "substitute"]


def substitute(e: Expr, table: Mapping[Expr, Expr]) -> Expr:
    """Replace every subtree found in ``table`` (outermost first), rebuilding the rest."""
    memo: dict[Expr, Expr] = {}

    def go(n: Expr) -> Expr:
        if n in table:
            return table[n]
        if n not in memo:
            args = tuple(go(a) for a in n.args)
            memo[n] = n if args == n.args else Expr(n.op, args, n.shape, n.attrs)
        return memo[n]

    return go(e)


def fold(e: Expr, definitions: Mapping[Expr, Expr]) -> Expr:
    """Name the subtrees that have names: ``definitions`` maps a right-hand side to its variable."""
    return substitute(e, definitions)


def simplify(e: Expr, names: Mapping[Expr, Expr] | None = None) -> Expr:
    """An equal expression in the form a reader expects (see the module docstring).

    ``names`` maps variables to their elementwise definitions (``A1 → tanh(Z1)``). Those variables
    are written out before the algebra, so that SymPy sees ``σ(z)`` rather than an opaque ``A``, and
    named again afterwards wherever their definition reappears.
    """
    names = dict(names or {})
    memo: dict[Expr, Expr] = {}

    def go(n: Expr) -> Expr:
        if n not in memo:
            if is_elementwise(n) and n.op != "const":
                memo[n] = _elementwise(n, go, names)
            else:
                args = tuple(go(a) for a in n.args)
                memo[n] = _structural(Expr(n.op, args, n.shape, n.attrs))
        return memo[n]

    return go(substitute(e, names))


def _elementwise(n: Expr, go: object, names: Mapping[Expr, Expr]) -> Expr:
    """Simplify the atoms first, then the whole tree as SymPy (atoms may simplify into it)."""
    found = Atoms()
    to_sympy(n, found)
    n = substitute(n, {a: go(a) for a in found.by_expr})
    atoms = Atoms()
    s = to_sympy(n, atoms)
    refold = [(to_sympy(d, atoms), atoms.symbol(v)) for v, d in names.items() if v.shape == n.shape]
    forms = [_refold(c, refold) for c in _candidates(s)]
    ops = [sympy.count_ops(f) for f in forms]
    best = min(range(1, len(forms)), key=ops.__getitem__)
    # a rewrite must pay for itself: the rule's own form reads better unless much longer
    chosen = forms[best] if ops[best] <= 0.6 * ops[0] else forms[0]
    return _structural(from_sympy(chosen, atoms, n.shape))


def _refold(s: sympy.Expr, refold: list[tuple[sympy.Expr, sympy.Symbol]]) -> sympy.Expr:
    """Write named quantities back: ``exp(z)/s → a`` and ``s·exp(−z) → 1/a``."""
    for definition, symbol in refold:
        if definition.free_symbols and definition.free_symbols <= s.free_symbols:
            s = s.subs(definition, symbol).subs(1 / definition, 1 / symbol)
    return s


@lru_cache(maxsize=4096)
def _candidates(s: sympy.Expr) -> tuple[sympy.Expr, ...]:
    """The original and its rational simplifications (no trigonometric rewriting)."""
    c = sympy.cancel(s)
    return (s, c, sympy.factor_terms(c), sympy.expand(c), sympy.expand(s))


_IDENTITIES = []


def _identity(f: object) -> object:
    _IDENTITIES.append(f)
    return f


def _structural(n: Expr) -> Expr:
    """Apply the structural identities at the root until none fires."""
    for rule in _IDENTITIES:
        out = rule(n)
        if out is not None:
            return simplify(out)
    return n


def _scaled(n: Expr) -> tuple[Expr, Expr] | None:
    return (n.args[0], n.args[1]) if n.op == "scale" else None


@_identity
def _transpose_rules(n: Expr) -> Expr | None:
    """(Xᵀ)ᵀ = X;  (c X)ᵀ = c Xᵀ;  (A B)ᵀ stays (the reader expects Bᵀ Aᵀ only when it helps)."""
    if n.op != "transpose":
        return None
    x = n.args[0]
    if x.op == "transpose":
        return x.args[0]
    if (sc := _scaled(x)) is not None:
        return build.scale(sc[0], build.transpose(sc[1]))
    return None


@_identity
def _matmul_rules(n: Expr) -> Expr | None:
    """(c A) B = c (A B) = A (c B);  I X = X = X I."""
    if n.op != "matmul":
        return None
    a, b = n.args
    if a.op == "eye":
        return b
    if b.op == "eye":
        return a
    for i, x in enumerate((a, b)):
        if (sc := _scaled(x)) is not None:
            inner = build.matmul(sc[1], b) if i == 0 else build.matmul(a, sc[1])
            return build.scale(sc[0], inner)
    return None


@_identity
def _sum_rules(n: Expr) -> Expr | None:
    """Σ (c X) = c Σ X;  Σ_k Y_kj = 1 when Y's columns are known to sum to one."""
    if n.op != "sum":
        return None
    x, (axis, keep) = n.args[0], n.attrs
    if (sc := _scaled(x)) is not None:
        return build.scale(sc[0], build.sum_(sc[1], axis, keep))
    if x.op == "var" and f"sums_to_one@{axis}" in x.attrs[1]:
        return build.broadcast(build.const(1), n.shape)
    if x.op == "broadcast" and x.args[0].shape == () and axis is None:
        return build.scale(_count(x.shape), x.args[0]) if n.shape == () else None
    if x.op == "mul" and axis is not None:
        return _sum_of_spread_product(x, axis, keep)
    return None


def _sum_of_spread_product(x: Expr, axis: int, keep: bool) -> Expr | None:
    """Σ_k (X ⊙ r)_kj = (Σ_k X_kj) r_j when r is the same along the summed axis k."""
    for i, f in enumerate(x.args):
        if f.op == "broadcast" and f.args[0].shape and f.args[0].shape[axis] == 1 and keep:
            other = x.args[1 - i]
            return build.mul(build.sum_(other, axis, keep), f.args[0])
    return None


def _count(shape: tuple) -> Expr:
    out: Expr | None = None
    for d in shape:
        e = build.dim(d) if isinstance(d, str) else build.const(d)
        out = e if out is None else build.mul(out, e)
    return out if out is not None else build.const(1)


@_identity
def _broadcast_rules(n: Expr) -> Expr | None:
    """Broadcasting a broadcast is one broadcast;  broadcast(c X) = c broadcast(X)."""
    if n.op != "broadcast":
        return None
    x = n.args[0]
    if x.shape == n.shape:
        return x
    if x.op == "broadcast":
        return build.broadcast(x.args[0], n.shape)
    if (sc := _scaled(x)) is not None and x.shape != ():
        return build.scale(sc[0], build.broadcast(sc[1], n.shape))
    if x.shape != () and x.op in ("fn", "mul", "add"):  # spread first, then compute entrywise
        args = tuple(build.broadcast(a, n.shape) for a in x.args)
        return Expr(x.op, args, n.shape, x.attrs)
    return None
