"""The bridge between IR trees and SymPy scalar expressions.

An *elementwise tree* is a tree of ``add``, ``mul``, ``scale``, ``fn``, scalar constants, dimension
values and broadcasts of scalars. Such a tree means the same scalar formula at every entry, so it
can be handed to SymPy with every other subtree (a matrix product, a sum, a variable) standing in as
an opaque symbol — an *atom*. Atoms are named by order of first appearance (``x0``, ``x1`` …), so
two trees of the same form give the same SymPy expression and a cache keyed on it is shared across
layers: this is what keeps derivation linear in depth.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

import sympy

from .. import scalar
from ..errors import EvaluationError
from ..ir import build
from ..ir.expr import Expr
from ..ir.shapes import Shape

__all__ = ["ELEMENTWISE_OPS", "is_elementwise", "to_sympy", "from_sympy", "Atoms"]

ELEMENTWISE_OPS = frozenset({"add", "mul", "scale", "fn", "const", "dim"})


def is_elementwise(e: Expr) -> bool:
    """True for nodes that belong to an elementwise tree (scalar broadcasts included)."""
    return e.op in ELEMENTWISE_OPS or (e.op == "broadcast" and e.args[0].shape == ())


class Atoms:
    """The two-way map between opaque subtrees and the SymPy symbols standing for them.

    ``opaque`` names elementwise subtrees to stand in as atoms too, except the tree being
    converted, ``root`` (see :func:`chainrule.algebra.simplify.large_arguments`): SymPy's trees are
    written out, so a function nested k deep that appears in k factors would cost it k² nodes.
    """

    def __init__(self, opaque: AbstractSet[Expr] = frozenset(), root: Expr | None = None) -> None:
        self.opaque, self.root = opaque, root
        self.by_expr: dict[Expr, sympy.Symbol] = {}
        self.by_symbol: dict[sympy.Symbol, Expr] = {}
        self.converted: dict[Expr, sympy.Expr] = {}  # a shared subtree is converted once
        self.scalar: dict[sympy.Expr, bool] = {}

    def symbol(self, e: Expr) -> sympy.Symbol:
        if e not in self.by_expr:
            # a large argument sorts after the other atoms, and by its index: ∏ reads inside out
            name = f"y{len(self.by_expr):05d}" if e in self.opaque else f"x{len(self.by_expr)}"
            s = sympy.Symbol(name, real=True)
            self.by_expr[e], self.by_symbol[s] = s, e
        return self.by_expr[e]


def to_sympy(e: Expr, atoms: Atoms) -> sympy.Expr:
    """The elementwise tree rooted at ``e`` as SymPy; other subtrees become atoms.

    Memoised per ``atoms``: the derivative through k nested functions repeats each inner one in
    every later factor, so converting it as a tree would take time quadratic in k."""
    if e not in atoms.converted:
        atoms.converted[e] = _to_sympy(e, atoms)
    return atoms.converted[e]


def _to_sympy(e: Expr, atoms: Atoms) -> sympy.Expr:
    if e in atoms.opaque and e is not atoms.root:
        return atoms.symbol(e)
    if e.op == "const":
        return e.attrs[0]
    if e.op == "dim":
        return sympy.Symbol(e.attrs[0], positive=True, integer=True)
    if e.op == "broadcast" and e.args[0].shape == ():
        return to_sympy(e.args[0], atoms)
    if e.op == "add":
        return sympy.Add(*(to_sympy(t, atoms) for t in _chain(e, ("add",))))
    if e.op in ("mul", "scale"):  # one Mul for the whole chain: SymPy sorts its factors once
        return sympy.Mul(*(to_sympy(f, atoms) for f in _chain(e, ("mul", "scale"))))
    if e.op == "fn":
        return e.attrs[0].of(to_sympy(e.args[0], atoms))
    return atoms.symbol(e)


def _chain(e: Expr, ops: tuple[str, ...]) -> list[Expr]:
    """The operands of a left- or right-nested chain of ``ops`` (``a ⊙ (b ⊙ c)`` → a, b, c)."""
    out, stack = [], [e]
    while stack:
        n = stack.pop()
        if n.op in ops:
            stack.extend(reversed(n.args))
        else:
            out.append(n)
    return out


def from_sympy(s: sympy.Expr, atoms: Atoms, shape: Shape) -> Expr:
    """Rebuild an IR tree of ``shape`` from SymPy; scalar factors become ``scale`` nodes."""
    if _is_scalar(s, atoms):
        return _spread(_scalar(s, atoms), shape)
    if isinstance(s, sympy.Symbol):
        return atoms.by_symbol[s]
    if isinstance(s, sympy.Add):
        return _add(s, atoms, shape)
    if isinstance(s, sympy.Mul):
        return _mul(s, atoms, shape)
    return _apply(s, lambda a: from_sympy(a, atoms, shape))


def _is_scalar(s: sympy.Expr, atoms: Atoms) -> bool:
    """No atom of a non-scalar shape inside ``s`` (memoised: SymPy's free_symbols walks the whole
    subtree at every call, which made rebuilding deep trees quadratic)."""
    if s not in atoms.scalar:
        if isinstance(s, sympy.Symbol):
            atoms.scalar[s] = s not in atoms.by_symbol or atoms.by_symbol[s].shape == ()
        else:
            atoms.scalar[s] = all(_is_scalar(a, atoms) for a in s.args)
    return atoms.scalar[s]


def _spread(e: Expr, shape: Shape) -> Expr:
    return e if e.shape == shape else build.broadcast(e, shape)


def _scalar(s: sympy.Expr, atoms: Atoms) -> Expr:
    """A scalar-valued SymPy expression as a tree of shape ()."""
    if isinstance(s, sympy.Number) or s in (sympy.zoo, sympy.I):  # const() rejects 1/0 and √−1
        return build.const(s)
    if isinstance(s, sympy.Symbol):
        return atoms.by_symbol.get(s) or build.dim(s.name)
    if isinstance(s, sympy.Add):
        return _add(s, atoms, ())
    if isinstance(s, sympy.Mul):
        return _mul(s, atoms, ())
    return _apply(s, lambda a: _scalar(a, atoms))


def _absorb_sign(t: sympy.Expr) -> sympy.Expr:
    """``−(y − 1)/(1 − a)`` → ``(1 − y)/(1 − a)``: a minus sign goes into a difference."""
    if not (t.could_extract_minus_sign() and isinstance(t, sympy.Mul)):
        return t
    for f in t.args:
        if isinstance(f, sympy.Add) and not f.is_Pow:
            flipped = (-t / f) * sympy.Mul(-1, f)
            if not flipped.could_extract_minus_sign():
                return flipped
    return t


def _add(s: sympy.Add, atoms: Atoms, shape: Shape) -> Expr:
    """Positive terms first, then subtractions: ``A − Y``, ``(1 − Y)/(1 − A) − Y/A``."""
    terms = [_absorb_sign(t) for t in s.as_ordered_terms()]
    terms = sorted(terms, key=lambda t: t.could_extract_minus_sign())
    out = from_sympy(terms[0], atoms, shape)
    for t in terms[1:]:
        if t.could_extract_minus_sign():
            out = build.np_sub(out, from_sympy(-t, atoms, shape))
        else:
            out = build.add(out, from_sympy(t, atoms, shape))
    return out


def _mul(s: sympy.Mul, atoms: Atoms, shape: Shape) -> Expr:
    """Scalar factors in front as one ``scale``, matrix factors as ⊙ products, quotients last."""
    if shape == ():
        num, rest = s.as_coeff_Mul()
        factors, coeff = list(rest.as_ordered_factors()), [num] if num != 1 else []
    else:
        coeff, factors = [], []
        for f in s.as_ordered_factors():
            (coeff if _is_scalar(f, atoms) else factors).append(f)
    if atoms.opaque:
        factors.sort(key=lambda f: _depth(f, atoms))
    num = [f for f in factors if not _is_reciprocal(f)]
    den = [1 / f for f in factors if _is_reciprocal(f)]
    body = _product(num, atoms, shape) if num else None
    if den:
        q = build.fn(scalar.power(-1), _product(den, atoms, shape))
        body = q if body is None else build.mul(body, q)
    if not coeff:
        return body
    c = _scalar(sympy.Mul(*coeff), atoms)
    return build.scale(c, body) if body is not None else _spread(c, shape)


def _depth(f: sympy.Expr, atoms: Atoms) -> int:
    """The innermost large argument a factor reads (−1 for none): factors read inside out,
    ``(1 − tanh(x)²) ⊙ … ⊙ (1 − T1²) ⊙ (1 − T2²)``, SymPy's order kept among equals."""
    opaque = (s for s in f.free_symbols if atoms.by_symbol.get(s) in atoms.opaque)
    return max((int(s.name[1:]) for s in opaque), default=-1)


def _is_reciprocal(f: sympy.Expr) -> bool:
    return isinstance(f, sympy.Pow) and f.exp.is_negative


def _product(fs: list[sympy.Expr], atoms: Atoms, shape: Shape) -> Expr:
    parts = [from_sympy(f, atoms, shape) if shape else _scalar(f, atoms) for f in fs]
    out = parts[0]
    for p in parts[1:]:
        out = build.mul(out, p)
    return out


def _apply(s: sympy.Expr, rebuild: object) -> Expr:
    """Powers and functions: look up the elementwise record for the SymPy head."""
    if isinstance(s, sympy.Pow):
        base = rebuild(s.base)
        if s.exp == sympy.Rational(1, 2):
            return build.fn(scalar.FUNCTIONS["sqrt"], base)
        if s.exp.is_Rational and s.exp.q == 2:  # z^(k/2) = (√z)^k: 1/√(Σ x²) reads 1/‖x‖
            return build.fn(scalar.power(s.exp.p), build.fn(scalar.FUNCTIONS["sqrt"], base))
        return build.fn(scalar.power(s.exp), base)
    if isinstance(s, sympy.exp) or s.func in scalar.SYMPY_FUNCTIONS:
        record = scalar.SYMPY_FUNCTIONS[s.func](*s.args[1:])
        return build.fn(record, rebuild(s.args[0]))
    if s == sympy.E:
        return build.fn(scalar.FUNCTIONS["exp"], build.const(1))
    if isinstance(s, sympy.re):  # every IR quantity is real: re(z) = z, im(z) = 0
        return rebuild(s.args[0])
    if isinstance(s, sympy.im):
        return rebuild(sympy.S.Zero)
    raise EvaluationError(
        f"the simplified derivative holds {s.func.__name__}({', '.join(map(str, s.args))}), "
        "which has no NumPy form here",
        hint="rewrite the expression with the functions chainrule lists",
    )
