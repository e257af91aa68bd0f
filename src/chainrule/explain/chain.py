"""The chain rule behind one step of a derivation, read off the derivation itself.

A step ``dq`` sums the contributions of q's consumers (:class:`~chainrule.autodiff.Contribution`).
Each consumer ``c = rhs`` gives one local factor ∂c/∂q: the primitives on the way from the root of
``rhs`` down to each occurrence of q, their vector–Jacobian rules applied to the consumer's adjoint
``dc`` (:data:`chainrule.rules.PRIMITIVES`). Going further up, a consumer's own adjoint is either
*known* — it appears by name in the step's formula, computed by an earlier step — or is written out
in the formula, and then its chain is unfolded in turn. That gives the chain a learner reads:
``∂L/∂Z[1] = ∂L/∂Z[2] · ∂Z[2]/∂A[1] · ∂A[1]/∂Z[1]``.

A factor's *kind* comes from the primitives on its path, never from the network: only elementwise
primitives → a diagonal Jacobian (``⊙``, its value is the rule applied to ones); one matrix product
→ a product with the other operand, transposed; a broadcast → a sum. A long single path (an
expression such as ``np.sum(np.tanh(W @ x))``) is split into one factor per primitive.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ..algebra.bridge import is_elementwise
from ..algebra.simplify import Definitions, fold, simplify, substitute
from ..autodiff.derivation import Derivation, Step
from ..autodiff.program import Equation, Program
from ..ir import build
from ..ir.expr import Expr, walk
from ..rules.primitives import PRIMITIVES

__all__ = [
    "Factor",
    "Term",
    "Algebra",
    "chain_terms",
    "local_factors",
    "top_of",
    "compose",
    "occurrences",
]

_PASS = {"add"}  # primitives whose adjoint passes through unchanged: folded into the next factor
_ELEMENTWISE = {"add", "mul", "fn"}
_MAX_USES = 16


@dataclass(frozen=True)
class Factor:
    """One local derivative ∂num/∂den of the chain.

    ``kind``: ``known`` (an earlier step), ``elementwise`` (diagonal Jacobian, ``value`` is its
    diagonal), ``matrix`` (``value`` is the other operand of a matrix product; ``side`` says where
    it goes: ``left`` for ``valueᵀ G``, ``right`` for ``G valueᵀ``), ``sum`` (adjoint of a
    broadcast), ``spread`` (adjoint of a sum), ``identity``, ``transpose`` or ``composite``.
    ``g`` is the adjoint of ``num`` the rules are applied to; ``vjp`` is what they send back to
    ``den``.
    """

    num: Expr
    den: Expr
    kind: str
    value: Expr | None = None
    side: str | None = None
    equation: Equation | None = None
    paths: tuple[tuple[tuple[str, int], ...], ...] = ()
    g: Expr | None = None
    vjp: Expr | None = None
    root: Expr | None = None  # the right-hand side (or part of it) the paths start from

    @property
    def ops(self) -> tuple[str, ...]:
        """The primitives along the paths, in order, without repeats."""
        return tuple(dict.fromkeys(op for path in self.paths for op, _ in path))


@dataclass(frozen=True)
class Term:
    """A product of factors (top first); ``scale`` is the course's ``1/m`` for parameters."""

    factors: tuple[Factor, ...]
    scale: Expr | None = None
    consumer: str = ""  # the equation through which this use reaches the quantity


class Algebra:
    """Simplification as backprop does it: elementwise definitions written out, names folded."""

    def __init__(self, program: Program) -> None:
        self.definitions = program.definitions
        self.unfold = Definitions(  # indexed once (#16): a dict is re-indexed on every call
            {
                eq.var: simplify(eq.expr)
                for eq in program.equations
                if is_elementwise(eq.expr) and not any(n.op == "matmul" for n in walk(eq.expr))
            }
        )

    def tidy(self, e: Expr) -> Expr:
        return fold(simplify(e, self.unfold), self.definitions)


@functools.lru_cache(maxsize=16)
def _algebra(program: Program) -> Algebra:
    return Algebra(program)


def top_of(d: Derivation) -> str:
    """What the steps differentiate: the per-example loss (course: its step is 1) or the output."""
    for s in d.steps:
        if _is_one(s.expr):
            return s.of
    return d.program.output


def _is_one(e: Expr) -> bool:
    e = e.args[0] if e.op == "broadcast" else e
    return e.op == "const" and e.attrs[0] == 1


def _is_constant(e: Expr) -> bool:
    return not any(n.op == "var" for n in walk(e))


def compose(root: Expr, path: tuple[tuple[str, int], ...], g: Expr) -> Expr:
    """The vector–Jacobian rules along ``path`` applied to ``g``, from ``root`` down."""
    node, adj = root, g
    for op, i in path:
        adj = PRIMITIVES[op].rules(node)[i](adj, node)
        node = node.args[i]
    return adj


def occurrences(root: Expr, target: Expr) -> list[tuple[tuple[str, int], ...]]:
    """Every path from ``root`` down to an occurrence of ``target`` (at most a few)."""
    holds = _containing(root, target)
    out: list[tuple[tuple[str, int], ...]] = []

    def go(n: Expr, path: tuple) -> None:
        if len(out) >= _MAX_USES:
            return
        if n == target:
            out.append(path)
            return
        for i, a in enumerate(n.args):
            if a in holds:
                go(a, (*path, (n.op, i)))

    go(root, ())
    return out


def _containing(root: Expr, target: Expr) -> set[Expr]:
    inside: set[Expr] = set()
    for n in walk(root):
        if n == target or any(a in inside for a in n.args):
            inside.add(n)
    return inside


# -- one consumer ---------------------------------------------------------------------------------
class _Builder:
    """Builds the factors of one derivation; remembers the algebra and placeholder names."""

    def __init__(self, d: Derivation) -> None:
        self.d, self.program = d, d.program
        self.algebra = _algebra(d.program)  # hardening (#16): once per program, not per step
        self.top = top_of(d)
        taken = set(self.program.names) | {s.target for s in d.steps}
        self.placeholders = [n for n in ("G", "H", "K", "U", "V", "G_") if n not in taken]

    def seeded(self, g: Expr) -> bool:
        """True for the adjoint of what is differentiated (the top, or the output J itself)."""
        return g.op == "var" and g.name in ("d" + self.top, "d" + self.program.output)

    def adjoint(self, name: str, shape: tuple) -> Expr:
        return build.var("d" + name, shape)

    def consumer_factors(self, q: Expr, eq: Equation) -> list[Factor]:
        """∂c/∂q for the consumer ``c = rhs``. In a one-equation program (an expression) a long
        path becomes one factor per primitive; in a network each equation is one factor."""
        paths = occurrences(eq.expr, q)
        g = self.adjoint(eq.name, eq.expr.shape)
        if len(paths) == 1 and len(self.program.equations) == 1:
            segments = _segments(paths[0])
            if len(segments) > 1:
                return self._split(q, eq, paths[0], segments, g)
        return [self.factor(eq.var, q, eq, tuple(paths), g, eq.expr)]

    def factor(
        self, num: Expr, den: Expr, eq: Equation, paths: tuple, g: Expr, root: Expr
    ) -> Factor:
        total = None
        for p in paths:
            v = compose(root, p, g)
            total = v if total is None else build.add(total, v)
        kind, value, side = self._classify(root, paths, g, total)
        if self.seeded(g):  # ∂top/∂top = 1: the rule's result needs no adjoint
            total = substitute(total, {g: _ones(g.shape)})
        vjp = self.algebra.tidy(total)
        return Factor(num, den, kind, value, side, eq, paths, g, vjp, root)

    def _classify(self, root: Expr, paths: tuple, g: Expr, total: Expr) -> tuple:
        ops = [[(op, i) for op, i in p if op not in _PASS] for p in paths]
        if all(all(_elementwise_step(s) for s in p) for p in ops):
            if not any(ops):
                return "identity", None, None
            return "elementwise", self.algebra.tidy(substitute(total, {g: _ones(g.shape)})), None
        if len(paths) > 1:
            return "composite", None, None
        (op, i) = ops[0][0]
        node = _nodes_along(root, paths[0])[paths[0].index((op, i))]
        if len(ops[0]) == 1 and op == "matmul":
            return "matrix", node.args[1 - i], "left" if i == 1 else "right"
        if len(ops[0]) == 1:
            single = {"broadcast": "sum", "sum": "spread", "transpose": "transpose"}
            return single.get(op, "composite"), None, None
        return "composite", None, None

    def _split(self, q: Expr, eq: Equation, path: tuple, segments: list, g: Expr) -> list[Factor]:
        nodes = _nodes_along(eq.expr, path)
        out, num, adj = [], eq.var, g
        for k, (start, stop) in enumerate(segments):
            last = k == len(segments) - 1
            den = q if last else nodes[stop]
            sub = tuple(path[start:stop])
            out.append(self.factor(num, den, eq, (sub,), adj, nodes[start]))
            if not last:
                num = nodes[stop]
                adj = build.var(self.placeholders[k % len(self.placeholders)], num.shape)
        return out

    # -- upstream: where the consumer's adjoint comes from --------------------------------------
    def known(self, name: str) -> Factor:
        s = self.d[name] if name in self.d else None
        var = self.program.names[name]
        return Factor(build.var(self.top, ()), var, "known", s.expanded if s else None)

    def upstream(self, consumer: str, expanded: Expr) -> list[Factor] | None:
        """Factors from the top down to ``consumer``; None when it branches (then it is known)."""
        if consumer in (self.top, self.program.output):
            return []
        step = self.d[consumer] if consumer in self.d else None
        if step is None or _is_constant(step.expr):
            return [self.known(consumer)]
        if any(n.op == "var" and n.name == step.target for n in walk(expanded)):
            return [self.known(consumer)]
        consumers = {c.consumer for c in step.contributions}
        if len(consumers) != 1:
            return [self.known(consumer)]
        (parent,) = consumers
        above = self.upstream(parent, expanded)
        eq = self.program.equation(parent)
        return above + self.consumer_factors(self.program.names[consumer], eq)


def _ones(shape: tuple) -> Expr:
    return build.broadcast(build.const(1), shape) if shape else build.const(1)


def _elementwise_step(s: tuple[str, int]) -> bool:
    op, i = s
    return op in _ELEMENTWISE or (op == "scale" and i == 1)


def _segments(path: tuple) -> list[tuple[int, int]]:
    """Split a path into primitive-level pieces: pass-through ``add`` joins the next primitive,
    consecutive elementwise primitives form one piece."""
    pieces: list[list[int]] = []
    pending: list[int] = []
    for k, s in enumerate(path):
        pending.append(k)
        if s[0] in _PASS:
            continue
        if pieces and _elementwise_step(s) and all(_elementwise_step(path[j]) for j in pieces[-1]):
            pieces[-1] += pending
        else:
            pieces.append(pending)
        pending = []
    if pending:
        if pieces:
            pieces[-1] += pending
        else:
            pieces.append(pending)
    return [(p[0], p[-1] + 1) for p in pieces]


def _nodes_along(root: Expr, path: tuple) -> list[Expr]:
    nodes = [root]
    for _, i in path:
        nodes.append(nodes[-1].args[i])
    return nodes


def chain_terms(d: Derivation, step: Step) -> tuple[Term, ...]:
    """The chain behind ``step``: one product of factors per consumer of its quantity."""
    b = _Builder(d)
    if step.of == b.top:
        return ()
    q = d.program.names[step.of]
    course_param = d.convention == "course" and step.factor is not None
    terms = []
    for consumer in dict.fromkeys(c.consumer for c in step.contributions):
        eq = d.program.equation(consumer)
        above = b.upstream(consumer, step.expanded)
        scale = step.factor if course_param and consumer != d.program.output else None
        terms.append(Term(tuple(above + b.consumer_factors(q, eq)), scale, consumer))
    return tuple(terms)


def local_factors(d: Derivation, step: Step) -> list[Factor]:
    """The factors ∂c/∂q of each consumer c of the step's quantity q (no upstream)."""
    b = _Builder(d)
    q = d.program.names[step.of]
    out: list[Factor] = []
    for consumer in dict.fromkeys(c.consumer for c in step.contributions):
        out += b.consumer_factors(q, d.program.equation(consumer))
    return out
