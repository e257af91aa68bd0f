"""Symbolic reverse mode: a program in, a :class:`Derivation` out.

The loop is the textbook one. Walk the equations backwards; for each named quantity add up the
adjoints its consumers sent back, simplify the sum into a readable formula, name it ``d<name>``, and
push it through the right-hand side that defined the quantity, one primitive rule at a time
(:func:`chainrule.rules.vjp`).

Conventions. ``exact`` seeds ∂J/∂J = 1, so every step is a gradient of the cost J. ``course`` (when
the program averages over a batch dimension m) seeds m instead — it differentiates
ℒ = m·J = Σᵢ L⁽ⁱ⁾, whose gradient with respect to a per-example quantity holds
∂L⁽ⁱ⁾/∂z⁽ⁱ⁾ in column i — and multiplies each parameter gradient by 1/m to make it ∂J/∂W again.
That is the whole reason the course's ``dW`` and ``db`` carry 1/m and its ``dZ`` does not.
"""

from __future__ import annotations

from functools import reduce

from ..algebra.bridge import is_elementwise
from ..algebra.simplify import Definitions, elementwise_definitions, fold, simplify, substitute
from ..ir import build
from ..ir.expr import Expr, leaves, walk
from ..rules.primitives import vjp
from .derivation import Contribution, Derivation, Step
from .program import Program

__all__ = ["backprop"]


def backprop(
    program: Program, convention: str = "course", wrt: tuple[str, ...] | None = None
) -> Derivation:
    """Derive the gradient of ``program.output`` for every parameter and named intermediate."""
    wrt = program.params if wrt is None else wrt
    course = convention == "course" and program.batch is not None
    seed = build.dim(program.batch) if course else build.const(1)
    needed = set(wrt) | {eq.name for eq in program.equations}
    uses: dict[str, list[Contribution]] = {program.output: [Contribution("", (), seed)]}
    steps: list[Step] = []
    ctx = _Context(program, course)
    complete = _completed_at(program, wrt)  # a parameter is done once its first consumer is
    for i in reversed(range(len(program.equations))):
        eq = program.equations[i]
        if eq.name in uses:
            g = (
                ctx.name(eq.name, uses[eq.name], steps)
                if eq.name != program.output
                else (seed if eq.expr.shape == () else build.broadcast(seed, eq.expr.shape))
            )
            for leaf, contribution in _tree_vjp(eq.name, eq.expr, g, needed):
                uses.setdefault(leaf, []).append(contribution)
        for p in complete.get(i, ()):
            if p in uses:
                ctx.name(p, sorted(uses[p], key=ctx.order), steps, leaf=True)
    return Derivation(program, tuple(steps), "course" if course else "exact", seed)


def _completed_at(program: Program, wrt: tuple[str, ...]) -> dict[int, list[str]]:
    """Equation index → the inputs whose first (earliest) consumer it is."""
    first: dict[str, int] = {}  # one pass over the equations, not one per input
    for i, eq in enumerate(program.equations):
        for v in leaves(eq.expr):
            first.setdefault(v.name, i)
    out: dict[int, list[str]] = {}
    for p in wrt:
        if p in first:
            out.setdefault(first[p], []).append(p)
    return out


def _total(terms: list[Expr]) -> Expr:
    """t₁ + t₂ + …: a quantity used several times receives the sum of its uses' adjoints."""
    return reduce(build.add, terms)


class _Context:
    """What the loop remembers between steps: which adjoints to inline, which to write out."""

    def __init__(self, program: Program, course: bool) -> None:
        self.program, self.course = program, course
        self.definitions = program.definitions
        self.unfold = Definitions(elementwise_definitions(program.equations))
        self.inline: dict[Expr, Expr] = {}  # elementwise adjoints, substituted before simplifying
        self.passthrough: dict[Expr, Expr] = {}  # linear pass-throughs, written out in `expanded`
        self.adjoints: set[Expr] = set()
        self.index = {eq.name: i for i, eq in enumerate(program.equations)}

    def order(self, c: Contribution) -> int:
        """Contributions in forward order, so ``dW = (1/m)(dZ Aᵀ + λ W)`` reads loss-first."""
        return self.index.get(c.consumer, -1)

    def name(
        self, name: str, uses: list[Contribution], steps: list[Step], leaf: bool = False
    ) -> Expr:
        """Simplify the summed contributions into a step and return what later rules refer to.

        ``leaf`` marks an input of the program (a parameter, or data asked for in ``wrt``).
        """
        factor = None
        if leaf and self.course:  # (1/m) on each use: dW = (1/m) dZ Aᵀ + (λ/m) W
            factor = build.np_pow(build.dim(self.program.batch), -1)
        raw = _total([u.expr if factor is None else build.scale(factor, u.expr) for u in uses])
        expr = fold(simplify(_inline(raw, self.inline), self.unfold), self.definitions)
        var = build.var("d" + name, raw.shape)
        if not leaf and self.course and self.program.batch not in var.shape:
            self.inline[var] = expr  # not per-example: stays inside the parameter formulas
            return var
        if self._inlinable(expr):
            self.inline[var] = expr
        elif self._passthrough(expr):
            self.passthrough[var] = expr
        self.adjoints.add(var)
        kind = "intermediate" if not leaf else "param" if name in self.program.params else "input"
        expanded = substitute(expr, self.passthrough)
        steps.append(Step(var.name, name, kind, expr, expanded, raw, tuple(uses), factor))
        return var

    def _inlinable(self, e: Expr) -> bool:
        """Elementwise in non-adjoint quantities: SymPy may simplify it with its consumer."""
        return is_elementwise(e) and not any(n in self.adjoints for n in walk(e))

    def _passthrough(self, e: Expr) -> bool:
        """Only moves one adjoint linearly (``W[l+1]ᵀ dZ[l+1]``): worth writing out in place."""
        nodes = list(walk(e))
        linear = all(n.op in ("matmul", "transpose", "var") for n in nodes)
        return linear and sum(n in self.adjoints for n in nodes) == 1


def _inline(e: Expr, table: dict[Expr, Expr]) -> Expr:
    """Substitute elementwise adjoints where an elementwise operation consumes them, so SymPy
    can simplify the two together (``dA[L] ⊙ σ′(Z[L])`` → ``A[L] − Y``); elsewhere keep the name.
    Memoised per node: the tree is a DAG whose written-out form may be quadratic in depth."""
    memo: dict[tuple[Expr, bool], Expr] = {}

    def go(n: Expr, under_elementwise: bool) -> Expr:
        if under_elementwise and n in table:
            return table[n]
        if (n, under_elementwise) not in memo:
            args = tuple(go(a, is_elementwise(n)) for a in n.args)
            memo[n, under_elementwise] = n if args == n.args else Expr(n.op, args, n.shape, n.attrs)
        return memo[n, under_elementwise]

    return go(e, True)


def _tree_vjp(
    consumer: str, root: Expr, g: Expr, needed: set[str]
) -> list[tuple[str, Contribution]]:
    """Push ``g`` from ``root`` down to its variables, one primitive rule per node.

    Each node's adjoint is the sum of what its parents sent; the path recorded for a variable is
    that of its first use, which is what the explanation retraces.
    """
    order = list(walk(root))
    live = _depends_on(order, needed)
    adj: dict[Expr, list[tuple[Expr, tuple]]] = {root: [(g, ())]}
    out: list[tuple[str, Contribution]] = []
    for node in reversed(order):
        if node not in adj:
            continue
        total, path = _total([a for a, _ in adj[node]]), adj[node][0][1]
        if node.is_leaf:
            if node.op == "var":
                out.append((node.name, Contribution(consumer, path, total)))
            continue
        for i, (arg, a) in enumerate(zip(node.args, vjp(node, total, live), strict=True)):
            if a is not None:
                adj.setdefault(arg, []).append((a, path + ((node.op, i),)))
    return out


def _depends_on(order: list[Expr], needed: set[str]) -> set[Expr]:
    """The nodes (in topological ``order``) with a needed variable under them."""
    live: set[Expr] = set()
    for n in order:
        if (n.op == "var" and n.name in needed) or any(a in live for a in n.args):
            live.add(n)
    return live
