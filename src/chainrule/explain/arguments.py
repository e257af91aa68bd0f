"""The arguments a mentor gives for one factor of the chain, computed, never written by hand.

* the **dimension argument** (:func:`shape_argument`): every way of multiplying the adjoint and the
  other operand, transposed or not, in either order, and which of them has the required shape;
* the **index argument** (:func:`index_argument`): the consumer's equation entry by entry, and the
  rule's result entry by entry, with the letters the entry form gave the quantity;
* the **derivative of an elementwise function** (:func:`derivatives`), worked out by SymPy from the
  function's record (``tanh′ = 1 − tanh²``), and what it is in the network's own names;
* **L versus J** (:func:`averaging`): which quantities are per example, where ``1/m`` enters, and
  how the examples are added up.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .. import scalar
from ..algebra.bridge import Atoms, from_sympy
from ..algebra.simplify import substitute
from ..autodiff.derivation import Derivation, Step
from ..ir import build
from ..ir.expr import Expr, walk
from ..ir.shapes import Shape
from ..printers.base import layer_name
from .chain import Algebra, Factor, Term
from .doc import Entry, Ex, Math, Naming, Partial, Sub, Sym
from .notation import LETTERS, IndexPrinter

__all__ = [
    "Arrangement",
    "ShapeArgument",
    "IndexArgument",
    "Derivative",
    "Averaging",
    "shape_argument",
    "index_argument",
    "derivatives",
    "averaging",
    "lowered",
    "root_letters",
]


@dataclass(frozen=True)
class Arrangement:
    """One candidate product ``left right``; ``shape`` is None when it does not chain."""

    left: Expr
    right: Expr
    shape: Shape | None
    fits: bool


@dataclass(frozen=True)
class ShapeArgument:
    """Why the rule's result is arranged as it is: ``wanted`` is the shape it must have."""

    factor: Factor
    wanted: Shape
    arrangements: tuple[Arrangement, ...]
    chosen: Expr

    @property
    def fitting(self) -> tuple[Arrangement, ...]:
        return tuple(a for a in self.arrangements if a.fits)


@dataclass(frozen=True)
class IndexArgument:
    """``lhs = premise  ⇒  target = conclusion = matrix`` for one factor."""

    factor: Factor
    lhs: Math
    premise: Entry
    target: Math
    conclusion: Entry
    matrix: Math | None
    summed: tuple[str, ...]
    letters: tuple[str, ...]  # the quantity's letters


@dataclass(frozen=True)
class Derivative:
    """An elementwise function and its derivative, both from SymPy, in the scalar ``z``."""

    record: scalar.ElementwiseFn
    formula: Math
    derivative: Math
    applied: Math | None = None  # f′(q) in the program's names, e.g. 1 − A[1]²
    raw: Math | None = None  # f′(q) before naming, e.g. 1 − tanh(Z[1])²
    argument: Math | None = None  # q
    layer: str | None = None  # "1" when the course would write g[1]


@dataclass(frozen=True)
class Averaging:
    """Facts about L and J for one step (see :func:`averaging`)."""

    convention: str
    batch: str | None
    top: str
    per_example: bool
    factor: Expr | None
    sums_examples: tuple[Factor, ...]
    seed_step: Step | None
    batch_axis: int | None


# -- the dimension argument ---------------------------------------------------------------------
def _t(e: Expr) -> Expr:
    return e.args[0] if e.op == "transpose" else build.transpose(e)


def _arrange(a: Expr, b: Expr, wanted: Shape) -> Arrangement:
    if a.shape[1] != b.shape[0]:
        return Arrangement(a, b, None, False)
    shape = (a.shape[0], b.shape[1])
    return Arrangement(a, b, shape, shape == tuple(wanted))


def shape_argument(f: Factor) -> ShapeArgument | None:
    """For a matrix-product factor: the eight candidate products and the ones that fit."""
    if f.kind != "matrix" or len(f.g.shape) != 2 or len(f.value.shape) != 2:
        return None
    g, v = f.g, f.value
    pairs = [(a, b) for x, y in ((v, g), (g, v)) for a in (x, _t(x)) for b in (y, _t(y))]
    return ShapeArgument(
        f, f.den.shape, tuple(_arrange(a, b, f.den.shape) for a, b in pairs), f.vjp
    )


# -- the index argument -------------------------------------------------------------------------
def lowered(name: str, shape: Shape, naming: Naming) -> bool:
    """Per-example matrices are written with lower-case entries (``z[2]ᵢⱼ``), as in the course."""
    base = layer_name(name)[0] if naming.layer_names else name
    return naming.batch in shape and len(base) == 1 and base != "L"


def root_letters(e: Expr, keep_ones: bool = True) -> tuple[str | None, ...]:
    """``(i, j)`` for a matrix. An axis of size 1 gets no letter when the right-hand side sums
    over it, or (``keep_ones=False``, for expressions) always: a column vector has one index."""
    summed = {n.attrs[0] for n in walk(e) if n.op == "sum" and n.attrs[0] is not None}
    letters = ("i", "j")[: len(e.shape)] if len(e.shape) <= 2 else LETTERS[: len(e.shape)]
    return tuple(
        None if e.shape[k] == 1 and (k in summed or not keep_ones) else x
        for k, x in enumerate(letters)
    )


def _subscripts(e: Expr) -> tuple[str, ...] | None:
    """An einsum's own output letters (``C_ik`` for ``"ij,jk->ik"``), so its entry reads as
    written; None for any other node, or where a letter has no unicode subscript."""
    if e.op != "einsum":
        return None
    out = e.attrs[0].split("->")[1]
    return tuple(out) if out.islower() else None


def _distinct(letters: tuple, used: list[str]) -> tuple:
    """A quantity met on its diagonal (``Σᵢ Aᵢᵢ``) gets its gradient at every entry: each
    repeated letter renamed (``∂J/∂Aᵢⱼ = g δᵢⱼ``)."""
    taken, out = set(used), []
    for x in letters:
        if x and x in out:
            x = next(c for c in LETTERS if c not in taken)
        taken.add(x)
        out.append(x)
    return tuple(out)


def _name_or_group(e: Expr, letters: tuple, naming: Naming) -> Math:
    idx = tuple(x for x in letters if x)
    if e.op == "var":
        return Sym(e.name, naming, idx, lowered(e.name, e.shape, naming))
    return Sub(Ex(e, naming), idx)


def _drawn(printer: IndexPrinter, before: list[str]) -> list[str]:
    return [x for x in before if x not in printer.pool]


def index_argument(
    f: Factor, naming: Naming, top: str, scale: Expr | None, algebra: Algebra
) -> IndexArgument | None:
    """The consumer entry by entry, and the rule's result entry by entry."""
    if f.kind in ("known", "identity") or f.root is None or not f.paths:
        return None
    keep = naming.batch is not None
    letters = _subscripts(f.root) or root_letters(f.root, keep_ones=keep)
    premise = Entry(f.root, letters, naming, top, keep_ones=keep)
    p = IndexPrinter(premise, latex=False, watch=f.paths[0])
    before = list(p.pool)
    p.doprint()
    if p.found is None:
        return None
    used = [x for x in letters if x] + _drawn(p, before)
    q_letters = _distinct(p.found, used)
    vjp = _conclusion_formula(f, top, scale, algebra)
    adjoints = ((f.g.name, f.num.name),) if f.num.op == "var" and f.g.op == "var" else ()
    fresh = tuple(x for x in used if x not in q_letters)
    conclusion = Entry(vjp, q_letters, naming, top, fresh, adjoints, keep)
    c = IndexPrinter(conclusion, latex=False)
    before = list(c.pool)
    c.doprint()
    lhs_top = "J" if scale is not None else top
    target = Partial(Sym(lhs_top), _name_or_group(f.den, q_letters, naming))
    constant = not any(n.op == "var" for n in walk(vjp))
    matrix = None if constant else Sub(Ex(vjp, naming), tuple(x for x in q_letters if x))
    idx = tuple(x for x in q_letters if x)
    return IndexArgument(
        f,
        _name_or_group(f.num, letters, naming),
        premise,
        target,
        conclusion,
        matrix,
        tuple(_drawn(c, before)),
        idx,
    )


def _conclusion_formula(f: Factor, top: str, scale: Expr | None, algebra: Algebra) -> Expr:
    """The rule's result, with ∂top/∂top = 1 written out and the course's 1/m for parameters."""
    vjp = f.vjp
    if f.g.op == "var" and f.g.name == "d" + top:
        ones = build.broadcast(build.const(1), f.g.shape) if f.g.shape else build.const(1)
        vjp = algebra.tidy(substitute(vjp, {f.g: ones}))
    return algebra.tidy(build.scale(scale, vjp)) if scale is not None else vjp


# -- elementwise functions, differentiated by SymPy ---------------------------------------------
def _scalar_ir(s: sympy.Expr, z: Expr) -> Expr | None:
    atoms = Atoms()
    try:
        return from_sympy(s.subs(scalar.Z, atoms.symbol(z)), atoms, ())
    except (TypeError, KeyError, AttributeError):
        return None


def _functions(f: Factor) -> list[tuple[Expr, scalar.ElementwiseFn]]:
    """The elementwise-function nodes on the factor's paths, each record once."""
    seen: dict[tuple, tuple[Expr, scalar.ElementwiseFn]] = {}
    for path in f.paths:
        node = f.root
        for _, i in path:
            if node.op == "fn":
                rec = node.attrs[0]
                seen.setdefault((rec.name, rec.params), (node, rec))
            node = node.args[i]
    return list(seen.values())


def derivatives(f: Factor, naming: Naming) -> tuple[Derivative, ...]:
    """Each elementwise function the factor goes through, with SymPy's derivative."""
    if f.kind != "elementwise":
        return ()
    z = build.var("z", ())
    out = []
    for node, rec in _functions(f):
        formula, deriv = _scalar_ir(rec.expr, z), _scalar_ir(rec.derivative, z)
        if formula is None or deriv is None:
            continue
        out.append(_derivative(f, node, rec, Ex(formula, naming, True), Ex(deriv, naming, True)))
    return tuple(out)


def _derivative(f: Factor, node: Expr, rec: object, formula: Ex, deriv: Ex) -> Derivative:
    naming = formula.naming
    own = len(f.paths) == 1 and node is f.root and node.args[0] == f.den and f.value is not None
    if not own:
        return Derivative(rec, formula, deriv)
    from ..rules.primitives import derivative_of

    raw = Ex(derivative_of(rec, f.den), naming)
    layer = layer_name(f.num.name)[1] if naming.layer_names and f.num.op == "var" else None
    return Derivative(rec, formula, deriv, Ex(f.value, naming), raw, Ex(f.den, naming), layer)


# -- L versus J ---------------------------------------------------------------------------------
def averaging(d: Derivation, step: Step, terms: tuple[Term, ...], top: str) -> Averaging:
    """Per example or averaged, where 1/m enters, and which factors add the examples up."""
    batch = d.program.batch
    per_example = batch is not None and batch in step.shape
    adders = tuple(
        f
        for t in terms
        for f in t.factors
        if f.kind in ("matrix", "sum") and batch in f.g.shape and batch not in f.den.shape
    )
    seed_step = next((s for s in d.steps if not any(n.op == "var" for n in walk(s.expr))), None)
    axis = step.shape.index(batch) if per_example else None
    return Averaging(d.convention, batch, top, per_example, step.factor, adders, seed_step, axis)
