"""``cr.check_formula``: is a learner's backprop formula right — and if not, why?

The learner's formula is parsed with the network's names and shapes (:mod:`.learner`) and
compared with the derived quantity on several random draws of parameters and data (the reference
interpreter evaluates both; the algebra also tries to show the equality symbolically). A wrong
formula is matched against the library of named mistakes (:mod:`.mistakes`): it is diagnosed as the
mistake whose transformation of the correct formula gives the same numbers, or — when it does not
even type-check — as the mistake whose repair makes it right. The answer speaks the learner's
language: what is wrong, why, and the corrected formula.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np

from .. import scalar
from ..algebra.bridge import is_elementwise
from ..algebra.simplify import simplify, substitute
from ..autodiff import Derivation, Step
from ..errors import ChainruleError, ParseError, ShapeError, UnknownNameError
from ..evaluate import bind, evaluate, run
from ..ir import build
from ..ir.expr import Expr, walk
from ..ir.shapes import Shape, fmt_shape
from ..nets import Network
from ..printers.text import target_text, text
from .learner import Reader, show, split_formula
from .mistakes import MISTAKES, Chain, Context, Mistake, chain_for, np_text
from .sample import sample

__all__ = ["FormulaCheck", "check_formula", "Numbers"]

_SIZES = (5, 3, 4, 6, 7, 2, 8, 9)  # m for each random draw
_LIMIT = 40  # candidate repairs carried to the second round
_BUDGET = 600  # repaired formulas parsed per search, so a long formula is answered in a second


@dataclass(frozen=True)
class FormulaCheck:
    """The verdict on one formula: ``correct``, and if not, the ``diagnosis`` (a mistake's name),
    the ``message`` in the learner's terms and the ``corrected`` formula (NumPy syntax)."""

    formula: str  # as the learner wrote it
    target: str  # "dZ1"
    correct: bool
    diagnosis: str | None  # "missing-transpose", …; "shape-mismatch" or None when unrecognised
    title: str  # "a missing transpose"
    message: str
    corrected: str  # the right formula in NumPy syntax, in the learner's spelling where possible
    expected: str  # the derived formula in the course's notation
    expected_numpy: str  # the same in NumPy syntax
    symbolic: bool  # the algebra proved the equality (correct formulas only)
    mistakes: tuple[str, ...]  # every mistake found, in order (a shape fix, then another)
    network: str
    convention: str

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        from .report import formula_text

        return formula_text(self)


def check_formula(
    net: Network, formula: str, *, convention: str = "course", draws: int = 3, seed: int = 0
) -> FormulaCheck:
    """Check a learner's formula such as ``"dZ1 = W2.T @ dZ2 * (1 - A1**2)"`` against the network's
    derived quantity, over ``draws`` random draws of parameters and data (seeded)."""
    d = net.derive(convention)
    target, rhs = split_formula(formula)
    step = _step(net, d, target)
    reader = Reader(net, d)
    tree = reader.tree(rhs)
    judge = _Judge(net, d, step, reader, Numbers(net, d, draws, seed))
    if _uses(tree, target):
        return judge.self_reference(formula.strip(), tree)
    return judge.verdict(formula.strip(), tree)


def _uses(tree: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(tree))


def _step(net: Network, d: Derivation, target: str) -> Step:
    known = net.quantities(d.convention)
    if target not in known:
        raise UnknownNameError(
            f"{target} is not a gradient of this network",
            hint=f"its gradients are {', '.join(known)}",
        )
    return d[target]


# -- numbers ---------------------------------------------------------------------------------------
class Numbers:
    """Random draws of parameters and data, every forward and backward quantity evaluated by the
    reference interpreter; expressions are compared draw by draw."""

    def __init__(self, net: Network, d: Derivation, draws: int = 3, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.envs = []
        for m in _SIZES[: max(1, min(draws, len(_SIZES)))]:
            params, X, Y, masks = sample(net, m, rng)
            values = net.values(params, X, Y, masks or None)
            self.envs.append((run(d.program, values, d), bind(d.program.inputs, values)))
        self._memo: dict[tuple[Expr, int], np.ndarray | None] = {}

    def value(self, e: Expr, i: int) -> np.ndarray | None:
        """``e`` on draw ``i`` (None if it cannot be evaluated)."""
        if (e, i) not in self._memo:
            try:
                self._memo[e, i] = np.asarray(evaluate(e, *self.envs[i]), dtype=np.float64)
            except (ChainruleError, ArithmeticError, ValueError, TypeError):
                self._memo[e, i] = None
        return self._memo[e, i]

    def same(self, a: Expr, b: Expr) -> bool:
        """Equal shapes (a scalar broadcasts, as in NumPy) and equal numbers on every draw."""
        if not _same_shape(a.shape, b.shape):
            return False
        for i in range(len(self.envs)):
            x, y = self.value(a, i), self.value(b, i)
            if x is None or y is None or x.size not in (1, y.size):
                return False
            finite = np.abs(y[np.isfinite(y)])
            scale = 1.0 + float(finite.max(initial=0.0))
            x = np.broadcast_to(x.reshape(y.shape) if x.size == y.size else x.reshape(()), y.shape)
            if not np.allclose(x, y, rtol=1e-7, atol=1e-9 * scale, equal_nan=True):
                return False
        return True

    def gap(self, a: Expr, b: Expr) -> tuple[tuple[int, ...], float, float]:
        """The entry where ``a`` and ``b`` differ most on the first draw."""
        x, y = self.value(a, 0), self.value(b, 0)
        x = np.broadcast_to(x.reshape(y.shape) if x.size == y.size else x.reshape(()), y.shape)
        diff = np.abs(np.nan_to_num(x - y, nan=np.inf))
        k = np.unravel_index(int(np.argmax(diff)), y.shape) if y.shape else ()
        return tuple(int(i) for i in k), float(x[k]), float(y[k])


def _overlap(form: Expr | None, e: Expr) -> int:
    """How many names the two formulas share, less those only the form uses."""
    if form is None:
        return 0
    mine, theirs = {n for n in walk(form) if n.op == "var"}, {n for n in walk(e) if n.op == "var"}
    return len(mine & theirs) - len(mine - theirs)


def _sentence(s: str) -> str:
    """Capitalise an explanation that starts with an English word (not with a name like dZ1)."""
    first = s.split(" ", 1)[0]
    return s[0].upper() + s[1:] if first in ("the", "this", "there", "your", "a", "an") else s


def _same_shape(a: Shape, b: Shape) -> bool:
    """``a`` can stand for ``b``: the same shape, or a scalar (which NumPy broadcasts)."""
    return a == b or a == ()


# -- the judge -------------------------------------------------------------------------------------
class _Judge:
    """Decides one formula: correct, a named mistake, or unrecognised."""

    def __init__(
        self, net: Network, d: Derivation, step: Step, reader: Reader, numbers: Numbers
    ) -> None:
        self.net, self.d, self.step, self.reader, self.numbers = net, d, step, reader, numbers
        self.ctx = _context(net, d, step)
        self.right = build.var(step.target, step.shape)
        course_text = text(step.expanded, True, d.program.batch)
        self.expected = f"{target_text(step.target, True)} = {course_text}"
        self.expected_numpy = np_text(step.expanded)

    def verdict(self, formula: str, tree: ast.Expression) -> FormulaCheck:
        try:
            e = self.reader.ir(tree)
        except ShapeError as err:
            return self._shape_error(formula, tree, err)
        except ParseError as err:
            unknown = re.match(r"unknown name '(\w+)'", err.message)
            found = self._search(tree, rounds=1) if unknown else None
            if found is None:
                raise
            prefix = f"This network has no {unknown.group(1)} (its layers are 1 to {self.net.L})."
            return self._reject(formula, *found, prefix=prefix)
        if self.numbers.same(e, self.right):
            return self._accept(formula, tree, e)
        match = self._match(e)
        if match is not None:
            return self._reject(formula, (match,), self._repaired(tree, match[0]))
        found = self._search(tree, rounds=1, deep=False)
        if found is not None:
            return self._reject(formula, *found)
        return self._unrecognized(formula, e)

    def self_reference(self, formula: str, tree: ast.Expression) -> FormulaCheck:
        """``dZ1 = W2.T @ dZ1 …`` defines nothing, unless it is another layer's dZ misnumbered."""
        found = self._search(tree, rounds=1, only=("wrong-layer-index",))
        what = f"the formula for {self.step.target} uses {self.step.target} itself"
        if found is None:
            raise ParseError(what, hint="a gradient is written with the quantities around it")
        return self._reject(formula, *found, prefix=f"{_sentence(what)}.")

    # -- matching --------------------------------------------------------------------------------
    def _match(self, e: Expr) -> tuple[Mistake, dict] | None:
        """The first mistake one of whose variants gives the learner's numbers; of its matching
        variants, the one made from the correct form closest to the learner's spelling."""
        for mistake in MISTAKES:
            hits = [f for v, f in mistake.mutate(self.ctx) if self.numbers.same(e, v)]
            if hits:
                return mistake, max(hits, key=lambda f: _overlap(f.get("form"), e))
        return None

    def _repaired(self, tree: ast.Expression, mistake: Mistake) -> str | None:
        """The learner's own formula with ``mistake`` undone, if one of its repairs is right."""
        for fixed, _ in mistake.repair(tree, self.ctx) if mistake.repair else ():
            if self._is_right(fixed):
                return show(fixed)
        return None

    def _is_right(self, tree: ast.Expression) -> bool:
        try:
            return self.numbers.same(self.reader.ir(tree), self.right)
        except ChainruleError:
            return False

    def _search(
        self,
        tree: ast.Expression,
        rounds: int = 2,
        deep: bool = True,
        only: tuple[str, ...] | None = None,
    ) -> tuple[tuple, str | None] | None:
        """Repairs of the learner's formula, one or two at a time; then, if a repair type-checks
        but is still wrong, a mistake matched on it."""
        mistakes = [m for m in MISTAKES if m.repair and (only is None or m.name in only)]
        frontier, typed, budget = [(tree, ())], [], _BUDGET
        for _ in range(rounds):
            failing = []
            for fixed, steps in itertools.islice(self._repairs(frontier, mistakes), budget):
                budget -= 1
                try:
                    e = self.reader.ir(fixed)
                except ShapeError:
                    failing.append((fixed, steps))
                    continue
                except ChainruleError:
                    continue
                if self.numbers.same(e, self.right):
                    return steps, show(fixed)
                if _same_shape(e.shape, self.step.shape):
                    typed.append((steps, e))
            frontier = failing[:_LIMIT]
        for steps, e in typed[:_LIMIT] if deep else ():
            match = self._match(e)
            if match is not None:
                return (*steps, match), None
        return None

    def _repairs(self, frontier: list, mistakes: list[Mistake]) -> Iterator[tuple]:
        """Each formula of the frontier with one more repair: ``(tree, ((mistake, fields), …))``."""
        for tree, path in frontier:
            for mistake in mistakes:
                for fixed, fields in mistake.repair(tree, self.ctx):
                    if not _uses(fixed, self.step.target):
                        yield fixed, (*path, (mistake, fields))

    # -- verdicts --------------------------------------------------------------------------------
    def _result(
        self,
        formula: str,
        diagnosis: str | None,
        message: str,
        *,
        correct: bool = False,
        title: str = "",
        corrected: str | None = None,
        symbolic: bool = False,
        mistakes: tuple[str, ...] = (),
    ) -> FormulaCheck:
        target = self.step.target
        return FormulaCheck(
            formula=formula,
            target=target,
            correct=correct,
            diagnosis=diagnosis,
            title=title,
            message=message,
            corrected=f"{target} = {corrected or self.expected_numpy}",
            expected=self.expected,
            expected_numpy=f"{target} = {self.expected_numpy}",
            symbolic=symbolic,
            mistakes=mistakes,
            network=self.net.describe(),
            convention=self.d.convention,
        )

    def _accept(self, formula: str, tree: ast.Expression, e: Expr) -> FormulaCheck:
        symbolic = self._symbolic(e)
        how = (
            "the algebra shows that it equals"
            if symbolic
            else f"it gives the same numbers, on {len(self.numbers.envs)} random draws of the "
            "parameters and data, as"
        )
        note = ""
        if e.shape != self.step.shape:
            note = (
                f" It has shape {fmt_shape(e.shape)} where {self.ctx.fields['T']} has shape "
                f"{fmt_shape(self.step.shape)}: NumPy broadcasts it, but keepdims=True keeps "
                "the shape."
            )
        message = f"Correct: {how} the derived {self.expected}.{note}"
        return self._result(
            formula, None, message, correct=True, corrected=show(tree), symbolic=symbolic
        )

    def _reject(
        self, formula: str, steps: tuple, corrected: str | None, prefix: str = ""
    ) -> FormulaCheck:
        corrected = corrected or np_text(steps[-1][1].get("form", self.step.expanded))
        fields = {**self.ctx.fields, "fix": corrected}
        parts = [prefix] if prefix else []
        for i, (mistake, found) in enumerate(steps):
            explanation = _sentence(mistake.explain(_Fields({**fields, **found})))
            parts.append(explanation if i == 0 else f"Also: {explanation}")
        first = steps[0][0]
        return self._result(
            formula,
            first.name,
            " ".join(parts),
            title=first.title,
            corrected=corrected,
            mistakes=tuple(m.name for m, _ in steps),
        )

    def _shape_error(self, formula: str, tree: ast.Expression, err: ShapeError) -> FormulaCheck:
        # a matrix product's message names both operands and shapes; others read poorly here
        prefix = f"{err.message}." if "do not chain" in err.message else ""
        found = self._search(tree)
        if found is not None:
            return self._reject(formula, *found, prefix=prefix)
        hint = f" ({err.hint})" if err.hint else ""
        message = f"{err.message}{hint}; none of the known mistakes explains it."
        return self._result(formula, "shape-mismatch", message, title="shapes that do not fit")

    def _unrecognized(self, formula: str, e: Expr) -> FormulaCheck:
        T, Of = self.ctx.fields["T"], self.ctx.fields["Of"]
        if not _same_shape(e.shape, self.step.shape):
            why = (
                f"your formula has shape {fmt_shape(e.shape)}, but {T} has the shape of {Of}, "
                f"{fmt_shape(self.step.shape)}"
            )
        else:
            idx, got, want = self.numbers.gap(e, self.right)
            why = (
                f"on random parameters and data your formula gives {got:.4g} where {T} is "
                f"{want:.4g} (entry {list(idx)})"
            )
        message = f"Wrong: {why}, and it matches none of the known mistakes."
        return self._result(formula, None, message, title="not recognised")

    def _symbolic(self, e: Expr) -> bool:
        """Whether the algebra turns both into one expression (a proof, where it succeeds)."""
        unfold = {
            eq.var: eq.expr
            for eq in self.d.program.equations
            if is_elementwise(eq.expr) and not any(n.op == "matmul" for n in walk(eq.expr))
        }
        inline = {
            build.var(s.target, s.shape): s.expr for s in self.d.steps if s.kind == "intermediate"
        }
        try:
            left = simplify(substitute(e, inline), unfold)
            return any(left == simplify(substitute(f, inline), unfold) for f in self.ctx.forms)
        except (ChainruleError, TypeError, ValueError, KeyError, RecursionError):
            return False


class _Fields(dict):
    """Template fields; a field a template names but a finding lacks prints as '…'."""

    def __missing__(self, key: str) -> str:
        return "…"


# -- the context of one quantity -------------------------------------------------------------------
def _context(net: Network, d: Derivation, step: Step) -> Context:
    program = d.program
    names = {**program.names, **{s.target: build.var(s.target, s.shape) for s in d.steps}}
    chain = _chain(d, step, names)
    forms = [step.expr, step.expanded]
    if chain is not None:
        forms += [build.np_mul(up, chain.derivative) for up in chain.upstream]
    fields = {
        "target": step.target,
        "T": target_text(step.target, True),
        "Of": target_text(step.of, True),
        "target_shape": fmt_shape(step.shape),
    }
    return Context(
        step.target,
        step.of,
        step.kind,
        d.convention,
        program.batch,
        1 if net.spec.layout == "columns" else 0,
        tuple(dict.fromkeys(forms)),
        names,
        fields,
        chain,
        _activations(net),
    )


def _chain(d: Derivation, step: Step, names: dict[str, Expr]) -> Chain | None:
    """``dZ[l] = dA[l] ⊙ g′(Z[l])`` when A[l] = g(Z[l]) for an elementwise g."""
    match = re.fullmatch(r"dZ(\d+)", step.target)
    if match is None or f"dA{match.group(1)}" not in d:
        return None
    l = int(match.group(1))
    a = d.program.equation(f"A{l}").expr
    if a.op != "fn" or a.args[0] != names[f"Z{l}"]:
        return None
    upstream = tuple(dict.fromkeys([names[f"dA{l}"], d[f"dA{l}"].expanded]))
    return chain_for(names, l, a.attrs[0], upstream, d.program.definitions)


def _activations(net: Network) -> tuple[scalar.ElementwiseFn, ...]:
    """The activations a learner may confuse: the common ones and the network's own."""
    common = [scalar.lookup(n) for n in ("sigmoid", "tanh", "relu", "leaky_relu", "softplus")]
    own = list(net.spec.hidden)
    if net.spec.output in ("sigmoid", "tanh", "relu"):
        own.append(scalar.lookup(net.spec.output))
    return tuple(dict.fromkeys([*own, *common]))
