"""Simplification: structural rewrites on the IR, scalar algebra on elementwise trees.

Two passes, each a short walk:

* :func:`fold` replaces every subtree equal to a named definition by its name (``tanh(Z1)`` →
  ``A1``), so derivatives speak of the quantities the forward pass already computed;
* :func:`simplify` applies a handful of structural identities (scalars move out of products, sums
  and transposes; ``(Xᵀ)ᵀ = X``; a sum of a variable known to sum to one is one) and hands each
  maximal elementwise tree to SymPy. Nothing is special-cased per network: ``A − Y`` for sigmoid
  with binary cross-entropy, or for softmax with cross-entropy, falls out of this algebra.

SymPy results are cached by the tree's canonical form, so a 500-layer network costs the same SymPy
work as a 3-layer one; and a function's argument larger than :data:`LARGE` nodes reaches SymPy as
an atom, simplified on its own once, so n nested functions cost work linear in n, not the n²/2
nodes of their derivative written out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache, reduce
from typing import TYPE_CHECKING

import sympy

from ..ir import build, linalg
from ..ir.expr import Expr, walk
from .bridge import Atoms, from_sympy, is_elementwise, to_sympy

if TYPE_CHECKING:  # an equation is the autodiff layer's; this layer only reads its two fields
    from ..autodiff.program import Equation

__all__ = ["Definitions", "elementwise_definitions", "fold", "simplify", "substitute"]


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


def elementwise_definitions(equations: Iterable[Equation]) -> dict[Expr, Expr]:
    """Variable → simplified right-hand side for the equations that are elementwise at the root and
    hold no matrix product (``A1 → tanh(Z1)``, not ``Z1 → W1 X + b1``): the names :func:`simplify`
    may write out so that SymPy sees ``σ(z)`` rather than an opaque ``A``."""
    return {
        eq.var: simplify(eq.expr)
        for eq in equations
        if is_elementwise(eq.expr) and not any(n.op == "matmul" for n in walk(eq.expr))
    }


class Definitions:
    """Variables and their elementwise definitions (``A1 → tanh(Z1)``), indexed by the opaque
    subtrees (atoms) each definition reads.

    A definition can be written back into a tree only if every atom it reads occurs there, so the
    index lets :func:`simplify` look at a handful of candidates instead of every layer's: build it
    once per derivation and simplification stays linear in depth.
    """

    def __init__(self, names: Mapping[Expr, Expr]) -> None:
        self.table = dict(names)
        self.by_atom: dict[Expr, list[tuple[int, Expr, Expr, frozenset]]] = {}
        self.atomless: list[tuple[int, Expr, Expr, frozenset]] = []
        for i, (v, d) in enumerate(self.table.items()):
            found = Atoms()
            to_sympy(d, found)
            entry = (i, v, d, frozenset(found.by_expr))
            for a in entry[3]:
                self.by_atom.setdefault(a, []).append(entry)
            if not entry[3]:
                self.atomless.append(entry)

    def relevant(self, shape: tuple, present: set[Expr]) -> list[tuple[Expr, Expr]]:
        """``(variable, definition)`` pairs of ``shape``, in definition order, whose atoms all occur
        in ``present`` or are variables refolded before them (``L`` reads ``A2`` once back)."""
        present, frontier = set(present), list(present)
        hits = {e[0]: e for e in self.atomless if e[1].shape == shape}
        while frontier:
            for e in self.by_atom.get(frontier.pop(), ()):
                if e[0] not in hits and e[1].shape == shape and e[3] <= present:
                    hits[e[0]] = e
                    if e[1] not in present:
                        present.add(e[1])
                        frontier.append(e[1])
        return [(v, d) for _, v, d, _ in sorted(hits.values(), key=lambda e: e[0])]


def simplify(e: Expr, names: Mapping[Expr, Expr] | Definitions | None = None) -> Expr:
    """An equal expression in the form a reader expects (see the module docstring).

    ``names`` maps variables to their elementwise definitions (``A1 → tanh(Z1)``). Those variables
    are written out before the algebra, so that SymPy sees ``σ(z)`` rather than an opaque ``A``, and
    named again afterwards wherever their definition reappears. Pass a :class:`Definitions` when
    simplifying many trees with the same names.
    """
    if not names:  # no definitions: the result depends on ``e`` alone, and is remembered
        return _simplified(e)
    return _simplify(e, names if isinstance(names, Definitions) else Definitions(names))


@lru_cache(maxsize=65536)
def _simplified(e: Expr) -> Expr:
    """``simplify(e)`` memoised: every explanation step asks again for the same definitions."""
    return _simplify(e, Definitions({}))


def _simplify(e: Expr, names: Definitions) -> Expr:
    memo: dict[Expr, Expr] = {}
    order = list(walk(substitute(e, names.table)))  # children before parents
    large = large_arguments(order)

    def go(n: Expr) -> Expr:
        if n not in memo:
            if is_elementwise(n) and n.op != "const":
                memo[n] = _elementwise(n, go, names, large)
            else:
                args = tuple(go(a) for a in n.args)
                memo[n] = _structural(Expr(n.op, args, n.shape, n.attrs))
        return memo[n]

    for n in order:  # innermost first: each is simplified once, the recursion stays shallow
        if n in large or not is_elementwise(n):
            go(n)
    return go(order[-1])


LARGE = 12  # nodes of a function's argument that SymPy sees written out; a larger one is an atom


def large_arguments(order: list[Expr], limit: int = LARGE) -> dict[Expr, int]:
    """The arguments of elementwise functions whose written-out tree has more than ``limit`` nodes
    as SymPy sees it (a matrix product, a sum, a variable: one atom), among the nodes of a DAG in
    topological ``order`` (:func:`walk`'s).

    SymPy's trees are written out: the chain rule through n nested tanh is ∏ₖ (1 − tanhᵏ(x)²), a
    DAG of 5n nodes but n²/2 written out. Each large argument is simplified once, on its own, and
    stands in the formulas around it as an atom, so SymPy's work per node is bounded and the whole
    simplification is linear in depth (and its small forms, shared by every level, are cached).
    Each is given its place in a topological order (inner ones first).
    """
    size: dict[Expr, int] = {}
    out: dict[Expr, int] = {}
    for n in order:
        inside = sum(size[a] for a in n.args) if is_elementwise(n) else 0
        size[n] = min(1 + inside, limit + 1)
        if n.op == "fn" and size[n.args[0]] > limit:
            out.setdefault(n.args[0], len(out))
    return out


def _elementwise(
    n: Expr, go: Callable[[Expr], Expr], names: Definitions, large: Mapping[Expr, int]
) -> Expr:
    """Simplify the atoms first, then the whole tree as SymPy (atoms may simplify into it)."""
    found = Atoms(large, n)
    to_sympy(n, found)
    done = {a: go(a) for a in found.by_expr}
    n = substitute(n, done)
    inner_first = sorted((a for a in found.by_expr if a in large), key=large.__getitem__)
    atoms = Atoms({done[a] for a in inner_first})
    for a in inner_first:  # numbered innermost first, so SymPy orders the factors by depth
        atoms.symbol(done[a])
    s = to_sympy(n, atoms)
    present = set(atoms.by_expr)
    refold = [(to_sympy(d, atoms), atoms.symbol(v)) for v, d in names.relevant(n.shape, present)]
    return _structural(from_sympy(_choose(s, tuple(refold)), atoms, n.shape))


@lru_cache(maxsize=4096)
def _choose(s: sympy.Expr, refold: tuple[tuple[sympy.Expr, sympy.Symbol], ...]) -> sympy.Expr:
    """The form to print, cached by canonical form: every layer asks the same question."""
    forms = [_refold(c, refold) for c in _candidates(s)]
    ops = [sympy.count_ops(f) for f in forms]
    best = min(range(1, len(forms)), key=ops.__getitem__)
    # a rewrite must pay for itself: the rule's own form reads better unless much longer
    return forms[best] if ops[best] <= 0.6 * ops[0] else forms[0]


def _refold(s: sympy.Expr, refold: tuple[tuple[sympy.Expr, sympy.Symbol], ...]) -> sympy.Expr:
    """Write named quantities back: ``exp(z)/s → a`` and ``s·exp(−z) → 1/a``."""
    for definition, symbol in refold:
        if definition.free_symbols and definition.free_symbols <= s.free_symbols:
            s = s.subs(definition, symbol).subs(1 / definition, 1 / symbol)
    return s


MAX_TERMS = 64  # an expansion larger than this never reads better: keep the rule's own form
MAX_WORK = 8192  # terms × nodes: 64 terms of 16 nested functions (12,096) cost SymPy a second


@lru_cache(maxsize=4096)
def _candidates(s: sympy.Expr) -> tuple[sympy.Expr, ...]:
    """The original and its rational simplifications (no trigonometric rewriting).

    Expanding a product of k binomials writes 2ᵏ terms — the chain rule through k nested tanh
    gives exactly that product — so the rational forms are tried only when the expansion stays
    small; otherwise the product is already the readable form, and the time stays linear in depth.
    Small means few terms, and few terms of modest size (a learner's formulas stay far below).
    """
    terms = _expanded_size(s)
    if terms > MAX_TERMS or terms * sum(1 for _ in sympy.preorder_traversal(s)) > MAX_WORK:
        return (s, sympy.factor_terms(s))
    c = sympy.cancel(s)
    return (s, c, sympy.factor_terms(c), sympy.expand(c), sympy.expand(s))


@lru_cache(maxsize=4096)
def _expanded_size(s: sympy.Expr) -> float:
    """How many terms ``expand`` would write: sums add up, products multiply (an upper bound)."""
    if isinstance(s, sympy.Add):
        return sum(_expanded_size(a) for a in s.args)
    if isinstance(s, sympy.Mul):
        return math.prod(_expanded_size(a) for a in s.args)
    if isinstance(s, sympy.Pow) and s.exp.is_Integer and s.exp > 0:
        return _expanded_size(s.base) ** min(int(s.exp), 64)
    if isinstance(s, sympy.Pow) or s.is_Atom:
        return 1
    return max((_expanded_size(a) for a in s.args), default=1)  # inside a function: expanded too


Identity = Callable[[Expr], Expr | None]  # the rewritten node, or None where it does not apply
_IDENTITIES: list[Identity] = []


def _identity(f: Identity) -> Identity:
    """Register a structural identity; they are tried in the order they are defined."""
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


def _transposes(e: Expr) -> int:
    return sum(1 for n in walk(e) if n.op == "transpose")


def _ops(args: tuple[Expr, ...]) -> tuple[str, ...]:
    return tuple(a.op for a in args)


@_identity
def _transpose_rules(n: Expr) -> Expr | None:
    """(Xᵀ)ᵀ = X;  (c X)ᵀ = c Xᵀ;  Cᵀ = C for a 1×1 C;  (c 𝟏)ᵀ = c 𝟏;  Iᵀ = I;  (I ⊙ X)ᵀ = I ⊙ X
    (a diagonal matrix is symmetric);  (A B)ᵀ = Bᵀ Aᵀ and (A + B)ᵀ = Aᵀ + Bᵀ only when that
    leaves fewer transposes (a product may trade its outer ᵀ for one: (D A)ᵀ = Aᵀ D for a
    symmetric D)."""
    if n.op != "transpose":
        return None
    x = n.args[0]
    if x.op == "transpose":
        return x.args[0]
    if (sc := _scaled(x)) is not None:
        return build.scale(sc[0], build.transpose(sc[1]))
    if x.shape == (1, 1) or x.op == "eye" or (x.op == "mul" and "eye" in _ops(x.args)):
        return x
    if x.op == "broadcast" and x.args[0].shape == ():
        return build.broadcast(x.args[0], n.shape)
    if x.op in ("matmul", "add"):
        a, b = (simplify(build.transpose(y)) for y in x.args)
        out = build.matmul(b, a) if x.op == "matmul" else build.add(a, b)
        limit = _transposes(n) + (x.op == "matmul")
        return out if _transposes(out) < limit else None
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
            total = build.sum_(x.args[1 - i], axis, keep)
            r = f.args[0]  # may be spread along the other axis too: (1, 1) → (1, m)
            spread = r if r.shape == total.shape else build.broadcast(r, total.shape)
            return build.mul(total, spread)
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


# -- matrix calculus: the forms a reader expects (Aᵀ Bᵀ, (A + Aᵀ) x, 2 Aᵀ (A x − b), X⁻ᵀ) ---------
@_identity
def _one_by_one(n: Expr) -> Expr | None:
    """X (c 𝟏) = c X = (c 𝟏) X for a 1×1 constant c 𝟏: a 1×1 matrix acts as a scalar."""
    if n.op != "matmul":
        return None
    for i, x in enumerate(n.args):
        if x.shape == (1, 1) and x.op == "broadcast" and x.args[0].shape == ():
            return build.scale(x.args[0], n.args[1 - i])
    return None


@_identity
def _inverse_rules(n: Expr) -> Expr | None:
    """(Xᵀ)⁻¹ = (X⁻¹)ᵀ = X⁻ᵀ;  (X⁻¹)⁻¹ = X;  X⁻¹ X = X X⁻¹ = I;  det Xᵀ = det X."""
    x = n.args[0] if n.args else None
    if n.op == "inv" and x.op in ("transpose", "inv"):
        return build.transpose(linalg.inv(x.args[0])) if x.op == "transpose" else x.args[0]
    if n.op == "det" and x.op == "transpose":
        return linalg.det(x.args[0])
    if n.op == "matmul":
        a, b = n.args
        if (a.op == "inv" and a.args[0] == b) or (b.op == "inv" and b.args[0] == a):
            return build.eye(n.shape[0])
    return None


@_identity
def _factor_matmul(n: Expr) -> Expr | None:
    """A (c U + c V) = c A (U + V), likewise on the left: a numeric factor common to the terms of a
    product's operand moves in front (SymPy distributes it over the sum; the product stops SymPy,
    so it is collected here): Aᵀ (2 A x − 2 b) = 2 Aᵀ (A x − b)."""
    if n.op != "matmul":
        return None
    for i, x in enumerate(n.args):
        if (common := _common_factor(x)) is not None:
            c, rest = common
            args = (rest, n.args[1]) if i == 0 else (n.args[0], rest)
            return build.scale(build.const(c), build.matmul(*args))
    return None


def _terms(e: Expr) -> list[tuple[sympy.Expr, Expr]]:
    """A sum as its terms with their numeric coefficients: 2 A − 3 B → [(2, A), (−3, B)]."""
    if e.op == "add":
        return _terms(e.args[0]) + _terms(e.args[1])
    c = sympy.S.One
    while e.op == "scale" and e.args[0].op == "const":
        c, e = c * e.args[0].attrs[0], e.args[1]
    return [(c, e)]


def _rebuild(terms: list[tuple[sympy.Expr, Expr]]) -> Expr:
    out: Expr | None = None
    for c, t in terms:
        x = t if c == 1 else build.scale(build.const(c), t)
        out = x if out is None else build.add(out, x)
    return out


def _common_factor(e: Expr) -> tuple[sympy.Expr, Expr] | None:
    """``(c, U + V)`` for ``c U + c V`` with a rational c ≠ 1 (the gcd of the coefficients)."""
    if e.op != "add":
        return None
    terms = _terms(e)
    if not all(c.is_Rational for c, _ in terms):
        return None
    g = reduce(sympy.gcd, [c for c, _ in terms])
    if g in (0, 1):
        return None
    return g, _rebuild([(c / g, t) for c, t in terms])


@_identity
def _collect(n: Expr) -> Expr | None:
    """P u + Q u = (P + Q) u and u P + u Q = u (P + Q): products sharing a factor are collected,
    untransposed factors first, so ∂(xᵀ A x)/∂x = Aᵀ x + A x reads (A + Aᵀ) x."""
    if n.op != "add":
        return None
    terms = _terms(n)
    for side in (1, 0):  # a shared right factor (P u + Q u), then a shared left one
        groups: dict[Expr, list[int]] = {}
        for i, (_, t) in enumerate(terms):
            if t.op == "matmul":
                groups.setdefault(t.args[side], []).append(i)
        shared = next((ix for ix in groups.values() if len(ix) > 1), None)
        if shared is not None:
            return _rebuild(_collected(terms, shared, side))
    return None


def _collected(
    terms: list[tuple[sympy.Expr, Expr]], shared: list[int], side: int
) -> list[tuple[sympy.Expr, Expr]]:
    factor = terms[shared[0]][1].args[side]
    others = [(terms[i][0], terms[i][1].args[1 - side]) for i in shared]
    inner = _rebuild(sorted(others, key=lambda ct: _transposes(ct[1])))
    product = build.matmul(inner, factor) if side == 1 else build.matmul(factor, inner)
    return [
        (sympy.S.One, product) if i == shared[0] else term
        for i, term in enumerate(terms)
        if i == shared[0] or i not in shared
    ]


def _diag_of(e: Expr) -> Expr | None:
    """v for diag(v) = I ⊙ (v 𝟏ᵀ)."""
    m = linalg.named(e)
    return m.args[0] if m is not None and m.name == "diag" else None


@_identity
def _diag_rules(n: Expr) -> Expr | None:
    """diag(a) diag(b) = diag(a ⊙ b);  diag(a) (diag(b) X) = diag(a ⊙ b) X;  diag(a) v = a ⊙ v;
    Σ₀ diag(v) = vᵀ, Σ₁ diag(v) = v;  Σ₀ I = 𝟏ᵀ;  I₁ = 1;  a sum over an axis of length 1 is X."""
    if n.op == "eye" and n.shape == (1, 1):
        return linalg.ones((1, 1))
    if n.op == "sum" and n.attrs[1] and n.attrs[0] is not None:
        x, axis = n.args[0], n.attrs[0]
        if x.shape[axis] == 1:
            return x
        if x.op == "eye":
            return linalg.ones(n.shape)
        if (v := _diag_of(x)) is not None:
            return v if axis == 1 else build.transpose(v)
    if n.op != "matmul" or (a := _diag_of(n.args[0])) is None:
        return None
    x = n.args[1]
    if (b := _diag_of(x)) is not None:
        return linalg.diag(build.mul(a, b))
    if x.op == "matmul" and (b := _diag_of(x.args[0])) is not None:
        return build.matmul(linalg.diag(build.mul(a, b)), x.args[1])
    return build.mul(a, x) if x.shape[1] == 1 else None
