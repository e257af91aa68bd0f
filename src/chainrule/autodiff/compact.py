"""The compact form of a gradient that flows through statistics over an axis (batch/layer norm).

When ``X`` reaches the cost directly *and* through its mean ``μ`` and variance ``σ²`` over an axis,
reverse mode gives ``dX`` as three terms — one per path — in which ``dμ`` and ``dσ²`` are themselves
sums over that axis. This pass writes such a step in one expression of the upstream gradient, the
way the compact batch-norm backward is written by hand::

    dZ = (1/m) (γ/σ) ⊙ (m dZ̃ − Σⱼ dZ̃ − Ẑ ⊙ Σⱼ (dZ̃ ⊙ Ẑ))

using only identities that hold for every input:

* linearity of a sum over an axis, with factors constant along that axis pulled out
  (``Σⱼ (c_i x_ij) = c_i Σⱼ x_ij``; ``Σⱼ c_i = m c_i``);
* a mean's definition read backwards (``μ = (1/m) Σⱼ Z`` ⇒ ``Σⱼ Z = m μ``);
* a normalisation solved for its input (``Ẑ = (Z − μ)/σ`` ⇒ ``Z = μ + σ Ẑ``), so ``Σⱼ Ẑ = 0``
  follows from the two above.

The step keeps its raw contributions (the three paths, for the explanation); only its formula —
the one printed and run — changes. If the algebra does not make the formula shorter, the step is
left as reverse mode wrote it.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import sympy

from ..algebra.bridge import Atoms, from_sympy, is_elementwise
from ..algebra.simplify import fold, substitute
from ..ir import build
from ..ir.expr import Expr, walk
from ..ir.shapes import Shape
from .derivation import Derivation, Rewrite, Step
from .program import Program

__all__ = ["compact"]


def compact(d: Derivation) -> Derivation:
    """``d`` with every step that flows through statistics over an axis written compactly."""
    steps = {s.target: s for s in d.steps}
    linear = [t for t in d.steps if any(n.op == "matmul" for n in walk(t.expr))]
    out = []
    for s in d.steps:
        axis = _statistics_axis(s, steps)
        new = _compact_step(d.program, s, steps, axis, linear) if axis is not None else None
        out.append(new or s)
    return replace(d, steps=tuple(out))


def _statistics_axis(s: Step, steps: dict[str, Step]) -> int | None:
    """The axis of a sum that ``s`` spreads back (``Σⱼ``), or along which it reads the adjoint
    of a statistic (a quantity of reduced shape, such as ``dμ``); any rank from 2 up."""
    rank = len(s.shape)
    if rank < 2:
        return None
    for n in walk(s.expr):
        reduced = n.op == "var" and n.name in steps and n.name != s.target
        spread = n.op == "sum" and n.attrs[1] and n.args[0].shape == s.shape
        if reduced or spread:
            for axis in range(rank):
                if len(n.shape) == rank and n.shape[axis] == 1 and s.shape[axis] != 1:
                    return axis
    return None


def _compact_step(
    program: Program, s: Step, steps: dict[str, Step], axis: int, linear: list[Step]
) -> Step | None:
    names = {n.name for n in walk(_expand(s.expr, steps, s.shape, axis)) if n.op == "var"}
    alg = _SumAlgebra(program, s.shape, axis, s.of, names | {s.of}, set(steps))
    renames = {t.expr: build.var(t.target, t.shape) for t in linear if t is not s}
    result = _rewrite(alg, s.expr, s, steps, axis, renames)
    if result is None or alg.mentions(result, s.of) or not _better(result, s.expr, steps):
        return None
    identities = tuple(alg.used.values())
    terms = tuple(_rewrite(alg, c.expr, s, steps, axis, renames) for c in s.contributions)
    rewrite = Rewrite(s.expr, identities, terms, alg.kind)
    return replace(s, expr=result, expanded=result, rewrite=rewrite)


def _better(new: Expr, old: Expr, steps: dict[str, Step]) -> bool:
    """Fewer adjoints read (dZ from dZ̃ alone, not dẐ, dμ, dσ²); as many in fewer sums over
    them (each a pass over the data); or as many in a formula no longer (a tie goes to the
    rewrite: it reads the upstream adjoint, and its terms are the paths)."""

    def adjoints(e: Expr) -> set[str]:
        return {n.name for n in walk(e) if n.op == "var" and n.name in steps}

    def cost(e: Expr) -> tuple[int, int, int]:
        sums = sum(1 for n in walk(e) if n.op == "sum" and adjoints(n))
        return len(adjoints(e)), sums, sum(1 for _ in walk(e))

    return new != old and cost(new) <= cost(old)


def _rewrite(
    alg: _SumAlgebra, e: Expr, s: Step, steps: dict[str, Step], axis: int, renames: dict
) -> Expr | None:
    """``e`` with statistics' adjoints written out, through the sum algebra, named again."""
    try:
        value = alg.sympy(fold(_expand(e, steps, s.shape, axis), alg.program.definitions))
        best = _shortest(value)
        result = from_sympy(best, alg.atoms, s.shape)
    except (TypeError, ValueError, KeyError, NotImplementedError):
        return None
    return fold(result, renames)  # steps through a matrix product (dP = dO Vᵀ) named again


def _expand(e: Expr, steps: dict[str, Step], shape: Shape, axis: int) -> Expr:
    """Write out the adjoints of statistics (reduced shape) and of pure rescalings of one adjoint
    (``dẐ = γ ⊙ dZ̃``), until only upstream adjoints remain."""
    for _ in range(len(steps)):
        table = {}
        for n in walk(e):
            if n.op == "var" and n.name in steps and _expandable(steps[n.name], steps, shape, axis):
                table[n] = steps[n.name].expr
        if not table:
            return e
        e = substitute(e, table)
    return e


def _expandable(s: Step, steps: dict[str, Step], shape: Shape, axis: int) -> bool:
    if len(s.shape) == len(shape) and s.shape[axis] == 1:
        return True  # the adjoint of a statistic
    adjoints = [n for n in walk(s.expr) if n.op == "var" and n.name in steps]
    if len(adjoints) != 1:
        return False
    rest = [
        n
        for n in walk(s.expr)
        if n.op == "var" and n not in adjoints and n.shape and n.shape[axis] != 1
    ]
    return s.expr.op == "mul" and not rest  # (constant along the axis) ⊙ one adjoint


class _SumAlgebra:
    """SymPy with sums over one axis as linear operators; constants along the axis pulled out."""

    def __init__(
        self, program: Program, shape: Shape, axis: int, of: str, names: set[str], adjoints: set
    ) -> None:
        self.program, self.shape, self.axis, self.adjoints = program, shape, axis, adjoints
        # only the equations the formula speaks of: the same questions for every block of a model
        self.equations = [
            eq
            for eq in program.equations
            if eq.name in names or any(_reads(v, names, shape) for v in walk(eq.expr))
        ]
        self.size_symbol = _dim(str(shape[axis]))
        self.atoms = Atoms()
        self.constant: set[sympy.Symbol] = set()
        self.sums: dict[sympy.Expr, sympy.Symbol] = {}
        self.statistics: set[sympy.Symbol] = set()  # sums of forward quantities, kept whole
        self.forward_sums: set[Expr] = set()
        self.forward_plain: set[sympy.Expr] = set()
        self.means = self._means()
        self._statistics()
        self.protected: set[sympy.Expr] = set()
        self.used: dict[tuple, tuple[Expr, Expr]] = {}
        self.solved: dict[sympy.Symbol, sympy.Expr] = {}  # X → μ + σ Ẑ
        self.definitions: dict[sympy.Symbol, sympy.Expr] = {}  # Ẑ → (X − μ)/σ
        self._normalisations(of)

    # -- IR → SymPy --------------------------------------------------------------------------
    def sympy(self, e: Expr, solve: bool = True) -> sympy.Expr:
        op = e.op
        if op == "const":
            return e.attrs[0]
        if op == "dim":
            return self.size_symbol if e.name == str(self.shape[self.axis]) else _dim(e.name)
        if op == "add":
            return self.sympy(e.args[0], solve) + self.sympy(e.args[1], solve)
        if op == "scale" and self._inline_mean(e):
            return self.mean(e)
        if op in ("mul", "scale"):
            return self.sympy(e.args[0], solve) * self.sympy(e.args[1], solve)
        if op == "fn":
            value = e.attrs[0].of(self.sympy(e.args[0], solve))
            return self._solved(value, e) if solve else value
        if op == "broadcast":
            return self.sympy(e.args[0], solve)
        if op == "sum" and e.attrs == (self.axis, True) and e.args[0].shape == self.shape:
            plain = self.sympy(e.args[0], solve=False)
            if plain in self.protected:  # Σ E in P = E / Σ E stays Σ E
                return self.sums[plain]
            if e in self.forward_sums or plain in self.forward_plain:
                return self.statistic(plain)
            return self.reduce(self.sympy(e.args[0], solve))
        s = self.leaf(e)
        return self._solved(s, e) if solve else s

    def _inline_mean(self, e: Expr) -> bool:
        """``(1/m) Σ_axis X`` of forward quantities, written inside an equation."""
        total = _unspread(e.args[1])
        if total.op != "sum" or total.attrs != (self.axis, True) or e.args[0].shape != ():
            return False
        if total.args[0].shape != self.shape or self._reads_adjoint(total):
            return False
        if total not in self.forward_sums and not self._in_forward(total):
            return False
        return _simplified(self.sympy(e.args[0], solve=False) * self.size_symbol) == 1

    def _in_forward(self, total: Expr) -> bool:
        return self.sympy(total.args[0], solve=False) in self.forward_plain

    def mean(self, e: Expr) -> sympy.Expr:
        """A mean written inline, as one symbol μ with Σ X = m μ (the identity a named mean
        gives); a mean that linearity knows (``mean(Z − μ) = 0``) is that value instead."""
        total = _unspread(e.args[1])
        x = self.sympy(total.args[0], solve=False)
        known = self._known_sum(x)
        if known is not None:
            return known / self.size_symbol
        for key in (x, sympy.expand(x)):
            if key in self.means:  # the same mean, reached by reverse mode's spelling of it
                return self.means[key]
        mu = self.leaf(build.scale(e.args[0], total))  # one symbol however the row is spread
        for key in (x, sympy.expand(x)):
            self.means.setdefault(key, mu)
        return mu

    def _reads_adjoint(self, e: Expr) -> bool:
        return any(n.op == "var" and n.name in self.adjoints for n in walk(e))

    def statistic(self, plain: sympy.Expr) -> sympy.Expr:
        """Σ along the axis of a forward quantity written inline (``np.var(Z, …)``, a mean
        spelled ``Σ Z / m``): by linearity when every term's sum is known (``Σ (Z − μ) = 0``),
        else kept whole — never expanded, never solved — as a named statistic would be."""
        for x in (plain, sympy.expand(plain)):
            if x in self.means:  # the same statistic as a mean written inline
                return self.size_symbol * self.means[x]
        known = self._known_sum(plain)
        if known is not None:
            return known
        if plain not in self.sums:
            self.statistics.add(self._new_sum(plain))
        return self.sums[plain]

    def _known_sum(self, y: sympy.Expr) -> sympy.Expr | None:
        total = sympy.Integer(0)
        for term in sympy.Add.make_args(sympy.expand(y)):
            coeff, rest = self._split(term)
            if rest == 1:
                total += coeff * self.size_symbol
            elif rest in self.means:
                self._use(("mean", rest), rest, self.size_symbol * self.means[rest])
                total += coeff * self.size_symbol * self.means[rest]
            elif self.sums.get(rest) in self.statistics:
                total += coeff * self.sums[rest]
            else:
                return None
        return total

    def _solved(self, value: sympy.Expr, e: Expr) -> sympy.Expr:
        if value not in self.solved:
            return value
        self._use(("solved", value), e, self.solved[value])
        return self.solved[value]

    def leaf(self, e: Expr) -> sympy.Symbol:
        """An opaque subtree, registered at the full shape (a row spreads along the axis)."""
        node = e if e.shape in (self.shape, ()) else build.broadcast(e, self.shape)
        s = self.atoms.symbol(node)
        if e.shape == () or e.shape[self.axis] == 1:
            self.constant.add(s)
        return s

    def reduce(self, y: sympy.Expr) -> sympy.Expr:
        """Σ along the axis of ``y``: term by term, constants out, known sums replaced."""
        total = sympy.Integer(0)
        for term in sympy.Add.make_args(sympy.expand(y)):
            coeff, rest = self._split(term)
            total += coeff * (self.size_symbol if rest == 1 else self._sum_of(rest))
        return total

    def _split(self, term: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
        coeff, rest = [], []
        for f in sympy.Mul.make_args(term):
            (coeff if f.free_symbols <= self.constant | {self.size_symbol} else rest).append(f)
        return sympy.Mul(*coeff), sympy.Mul(*rest)

    def _use(self, key: tuple, lhs: Expr | sympy.Expr, rhs: sympy.Expr) -> None:
        """Record an identity used, as IR: ``(lhs, rhs)``."""
        if key not in self.used:
            if not isinstance(lhs, Expr):
                lhs = build.sum_(from_sympy(lhs, self.atoms, self.shape), self.axis, True)
            self.used[key] = (lhs, from_sympy(rhs, self.atoms, self.shape))

    def _sum_of(self, rest: sympy.Expr) -> sympy.Expr:
        if rest in self.means:
            self._use(("mean", rest), rest, self.size_symbol * self.means[rest])
            return self.size_symbol * self.means[rest]
        known = self._closed_form(rest)
        if known is not None:
            self._use(("closed", rest), rest, known)
            return known
        return self.sums[rest] if rest in self.sums else self._new_sum(rest)

    def _new_sum(self, rest: sympy.Expr) -> sympy.Expr:
        s = sympy.Symbol(f"S{len(self.sums)}", real=True)
        node = build.sum_(from_sympy(rest, self.atoms, self.shape), self.axis, True)
        self.atoms.by_symbol[s] = build.broadcast(node, self.shape)
        self.atoms.by_expr[self.atoms.by_symbol[s]] = s
        self.sums[rest] = s
        self.constant.add(s)
        return s

    def _closed_form(self, rest: sympy.Expr) -> sympy.Expr | None:
        """Σ of a normalised quantity through its definition (Σ Ẑ = (Σ Z − m μ)/σ = 0)."""
        if not rest.free_symbols & set(self.definitions):
            return None
        y = sympy.expand(rest.subs(self.definitions))
        total = sympy.Integer(0)
        for term in sympy.Add.make_args(y):
            coeff, r = self._split(term)
            if r == 1:
                total += coeff * self.size_symbol
            elif r in self.means:
                self._use(("mean", r), r, self.size_symbol * self.means[r])
                total += coeff * self.size_symbol * self.means[r]
            elif self.sums.get(r) in self.statistics:  # written inline: Σ Z kept as Σ Z
                total += coeff * self.sums[r]
            else:
                return None
        return _simplified(total)

    # -- what the forward program says -------------------------------------------------------
    def _means(self) -> dict[sympy.Expr, sympy.Expr]:
        """Σ_axis X = m μ for each equation μ = (1/m) Σ_axis X."""
        out = {}
        for eq in self.equations:
            e = eq.expr
            if e.op == "scale" and e.args[1].op == "sum" and e.args[1].attrs == (self.axis, True):
                x = e.args[1].args[0]
                if x.shape == self.shape and x.op == "var":
                    c = self.sympy(e.args[0], solve=False)
                    if _simplified(c * self.size_symbol) == 1:
                        out[self.leaf(x)] = self.leaf(eq.var)
        return out

    def _statistics(self) -> None:
        """The sums over the axis that the forward equations compute (``np.var(Z, …)`` written
        inline), each read once as SymPy, so reverse mode's copies of them are recognised."""
        for eq in self.equations:
            for n in walk(eq.expr):
                if n.op == "sum" and n.attrs == (self.axis, True) and n.args[0].shape == self.shape:
                    self.forward_sums.add(n)
        for n in sorted(self.forward_sums, key=lambda n: sum(1 for _ in walk(n))):
            self.forward_plain.add(self.sympy(n.args[0], solve=False))

    def _normalisations(self, of: str) -> None:
        """Each equation N = f(x, constants) solved for x, when x is the variable differentiated
        (``Z = μ + σ Ẑ``) or an unnamed subexpression (``exp(S) = P Σ exp(S)``), so the result
        speaks of the named forward quantities."""
        for eq in self.equations:
            if eq.expr.shape != self.shape or not is_elementwise(eq.expr):
                continue
            before = set(self.sums)
            rhs = self.sympy(eq.expr, solve=False)
            free = rhs.free_symbols - self.constant - {self.size_symbol}
            if len(free) != 1:
                continue
            (xs,) = free
            target = _unit(rhs, xs)
            x = self.atoms.by_symbol[xs]
            if target in self.solved or (target == xs and x.op == "var" and x.name != of):
                continue
            solutions = _solve(self.leaf(eq.var), rhs, target)
            if len(solutions) == 1:
                self.solved[target], self.definitions[self.leaf(eq.var)] = solutions[0], rhs
                self.protected |= set(self.sums) - before
                if target == xs and x.op == "var":
                    self._through(x, solutions[0])

    def _through(self, x: Expr, solution: sympy.Expr) -> None:
        """When the differentiated X is itself elementwise in others (R = X₀ + O), write one of
        them through R too (X₀ = R − O), so a formula reverse mode wrote in X₀ and O folds."""
        eq = next((e for e in self.program.equations if e.name == x.name), None)
        if eq is None or eq.expr.shape != self.shape or not is_elementwise(eq.expr):
            return
        rhs = self.sympy(eq.expr, solve=False)
        free = sorted(rhs.free_symbols - self.constant - {self.size_symbol}, key=str)
        if free and free[0] not in self.solved:
            parts = _solve(self.leaf(x), rhs, free[0])
            if len(parts) == 1:
                self.solved[free[0]] = parts[0].subs(self.leaf(x), solution)

    @property
    def kind(self) -> str:
        solved = [lhs for k, (lhs, _) in self.used.items() if k[0] == "solved"]
        if any(x.op == "fn" and x.attrs[0].name == "exp" for x in solved):
            return "softmax"
        if any(x.op == "var" for x in solved):
            return "normalisation"
        return "sums"

    # -- judging the result ------------------------------------------------------------------
    def size(self, e: Expr) -> int:
        return sum(1 for _ in walk(e))

    def mentions(self, e: Expr, name: str) -> bool:
        """Whether ``name`` occurs at full shape — not inside a statistic of the forward pass
        (``√(Σ (Z − μ)²/m + ε)`` speaks of Z, and is one number per row, as ``var`` would be)."""
        if e.op == "var":
            return e.name == name
        if self._reduced(e) and not self._reads_adjoint(e):
            return False
        return any(self.mentions(a, name) for a in e.args)

    def _reduced(self, e: Expr) -> bool:
        return len(e.shape) == len(self.shape) and e.shape[self.axis] == 1


# SymPy's answers, cached: the blocks of a deep model ask the same questions in the same canonical
# symbols (x0, x1, … by first appearance), so only the first block pays for them.
@lru_cache(maxsize=4096)
def _shortest(value: sympy.Expr) -> sympy.Expr:
    return min((sympy.factor(value), sympy.simplify(value)), key=sympy.count_ops)


@lru_cache(maxsize=4096)
def _simplified(value: sympy.Expr) -> sympy.Expr:
    return sympy.simplify(value)


@lru_cache(maxsize=4096)
def _solve(lhs: sympy.Expr, rhs: sympy.Expr, target: sympy.Expr) -> tuple[sympy.Expr, ...]:
    return tuple(sympy.solve(sympy.Eq(lhs, rhs), target))


def _unit(rhs: sympy.Expr, x: sympy.Symbol) -> sympy.Expr:
    """What to solve for: ``exp(x)`` when x occurs only inside it (softmax), else x itself."""
    e = sympy.exp(x)
    return e if rhs.has(e) and x not in rhs.subs(e, sympy.Dummy()).free_symbols else x


def _unspread(e: Expr) -> Expr:
    return e.args[0] if e.op == "broadcast" else e


def _reads(v: Expr, names: set[str], shape: Shape) -> bool:
    """``v`` is a full-shape quantity the formula speaks of (shared scalars such as ε are not: a
    deep model's every block reads them)."""
    return v.op == "var" and v.name in names and v.shape == shape


def _dim(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, positive=True, integer=True)
