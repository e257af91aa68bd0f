"""The judge: one formula in, a verdict out — correct, right only by coincidence, or wrong and why.

The order of the questions is the order of a mentor's:

1. Does it even read? A formula that does not type-check is repaired by the library's repairs
   (add a ``.T``, ``@`` for ``*`` …); the repair that makes it right names the mistake.
2. Is it right on the learner's network? Then is it right on every variant (:mod:`.variants`)?
   Only then is it *correct*; right here but wrong on a variant is "right here, but only because
   n[2] = 1", with the fix that is right everywhere.
3. Which mistakes explain it (:mod:`.search`: up to three, ranked by plausibility)? The corrected
   formula is the learner's own with those mistakes undone, where a repair does that.
4. Otherwise, which factor or term differs (:mod:`.localise`) — and only when even that fails, the
   numbers that differ.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Callable, Iterator

from ..algebra.bridge import is_elementwise
from ..algebra.simplify import simplify, substitute
from ..errors import ChainruleError, ParseError, ShapeError
from ..ir import build
from ..ir.expr import Expr, walk
from ..ir.shapes import fmt_shape
from ..printers.text import target_text, text
from ..rules.primitives import derivative_of
from .context import context
from .learner import show
from .localise import Place, localise
from .mistakes import MISTAKES, Mistake, np_text
from .numbers import same_shape
from .result import FormulaCheck
from .search import Finding, diagnose
from .world import World

__all__ = ["Judge"]

_LIMIT = 40  # candidate repairs carried to the second round
_BUDGET = 600  # repaired formulas parsed per search, so a long formula is answered in a second
_RESPELL = 400  # learner-spelled corrections tried

Others = Callable[[ast.Expression], list[tuple[str, World]]]


class Judge:
    """Decides one formula on ``world`` (and on the variant worlds ``others`` gives)."""

    def __init__(self, world: World, others: Others, note: str = "") -> None:
        self.world, self.others, self.note = world, others, note
        self.step, self.numbers, self.right = world.step, world.numbers, world.right
        self.ctx = context(world.net, world.d, world.step)
        d = world.d
        self.expected = (
            f"{target_text(self.step.target, True)} = "
            f"{text(self.step.expanded, True, d.program.batch)}"
        )
        self.expected_numpy = np_text(self.step.expanded)

    # -- the questions, in order -------------------------------------------------------------------
    def verdict(self, formula: str, tree: ast.Expression) -> FormulaCheck:
        if _uses(tree, self.step.target):
            return self.self_reference(formula, tree)
        try:
            e = self.world.read(tree)
        except ShapeError as err:
            return self._shape_error(formula, tree, err)
        except ParseError as err:
            unknown = re.match(r"unknown name '(\w+)'", err.message)
            found = self._search(tree, rounds=1) if unknown else None
            if found is None:
                raise
            prefix = (
                f"This network has no {unknown.group(1)} (its layers are 1 to {self.world.net.L})."
            )
            return self._reject(formula, *found, prefix=prefix)
        if self.numbers.same(e, self.right):
            broken = self._coincidence(tree)
            if broken is None:
                return self._accept(formula, tree, e)
            return self._right_here_only(formula, tree, *broken)
        finding = diagnose(e, self.right, self.ctx, self.numbers)
        if finding is not None:
            return self._found(formula, tree, finding)
        found = self._search(tree, rounds=1, deep=False)
        if found is not None:
            return self._reject(formula, *found)
        place = self._localise(tree)
        if place is not None:
            return self._localised(formula, place)
        return self._unrecognized(formula, e)

    def self_reference(self, formula: str, tree: ast.Expression) -> FormulaCheck:
        """``dZ1 = W2.T @ dZ1 …`` defines nothing, unless it is another layer's dZ misnumbered."""
        found = self._search(tree, rounds=1, only=("wrong-layer-index",))
        what = f"the formula for {self.step.target} uses {self.step.target} itself"
        if found is None:
            raise ParseError(what, hint="a gradient is written with the quantities around it")
        return self._reject(formula, *found, prefix=f"{_sentence(what)}.")

    # -- right everywhere? -------------------------------------------------------------------------
    def _coincidence(self, tree: ast.Expression) -> tuple[str, World] | None:
        """The first variant on which the formula is not right: what it reveals, and the world."""
        for why, world in self.others(tree):
            if not world.is_right(tree):
                return why, world
        return None

    def _right_everywhere(self, tree: ast.Expression, worlds: list[World]) -> bool:
        return self.world.is_right(tree) and all(w.is_right(tree) for w in worlds)

    # -- repairs of the learner's formula -------------------------------------------------------
    def _search(
        self,
        tree: ast.Expression,
        rounds: int = 2,
        deep: bool = True,
        only: tuple[str, ...] | None = None,
        worlds: tuple[World, ...] = (),
    ) -> tuple[tuple, str | None] | None:
        """Repairs of the learner's formula, one or two at a time, most plausible mistakes first;
        then, if a repair type-checks but is still wrong, the mistakes that explain it."""
        mistakes = [m for m in _BY_PRIOR if only is None or m.name in only]
        frontier, typed, budget = [(tree, ())], [], _BUDGET
        for _ in range(rounds):
            failing = []
            for fixed, steps in itertools.islice(self._repairs(frontier, mistakes), budget):
                budget -= 1
                try:
                    e = self.world.read(fixed)
                except ShapeError:
                    failing.append((fixed, steps))
                    continue
                except ChainruleError:
                    continue
                if self.numbers.same(e, self.right) and all(w.is_right(fixed) for w in worlds):
                    return steps, show(fixed)
                if same_shape(e.shape, self.step.shape):
                    typed.append((steps, e))
            frontier = failing[:_LIMIT]
        for steps, e in typed[:_LIMIT] if deep else ():
            finding = diagnose(e, self.right, self.ctx, self.numbers, deep=False)
            if finding is not None:
                return (*steps, *finding.steps), None
        return None

    def _repairs(self, frontier: list, mistakes: list[Mistake]) -> Iterator[tuple]:
        """Each formula of the frontier with one more repair: ``(tree, ((mistake, fields), …))``."""
        for tree, path in frontier:
            for mistake in mistakes:
                for fixed, fields in mistake.repair(tree, self.ctx) if mistake.repair else ():
                    if not _uses(fixed, self.step.target):
                        yield fixed, (*path, (mistake, fields))

    def _fix_everywhere(self, tree: ast.Expression, world: World) -> tuple[tuple, str | None]:
        """The shortest single repair that is right here and on ``world`` too."""
        right = []
        for fixed, steps in itertools.islice(self._repairs([(tree, ())], _BY_PRIOR), _BUDGET):
            if self.world.is_right(fixed) and world.is_right(fixed):
                right.append((len(show(fixed)), -steps[0][0].prior, show(fixed), steps))
        if not right:
            return (), None
        _, _, fix, steps = min(right)
        return steps, fix

    def _respell(self, tree: ast.Expression, finding: Finding) -> str | None:
        """The learner's formula with the finding's mistakes undone by their repairs (and the
        generic ones for signs and constants), if that makes it right."""
        frontier = [tree]
        for mistake, _ in finding.steps:
            repairs = [mistake.repair] if mistake.repair else []
            frontier = (
                list(
                    itertools.islice(
                        (f for t in frontier for r in repairs for f, _ in r(t, self.ctx)), _RESPELL
                    )
                )
                or frontier
            )
            for fixed in frontier:
                if self.world.is_right(fixed):
                    return show(fixed)
        place = self._localise(tree)
        return show(place.fixed) if place is not None else None

    def _localise(self, tree: ast.Expression) -> Place | None:
        return localise(tree, self._read_node, self.ctx.forms, self.numbers, self.world.is_right)

    def _read_node(self, node: ast.AST) -> Expr:
        return self.world.read(ast.Expression(body=node))

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
        verdict: str = "wrong",
    ) -> FormulaCheck:
        target = self.step.target
        if self.note:
            message = f"{message} {self.note}"
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
            network=self.world.net.describe(),
            convention=self.world.d.convention,
            verdict="correct" if correct else verdict,
            given=self.world.given,
        )

    def _accept(self, formula: str, tree: ast.Expression, e: Expr) -> FormulaCheck:
        symbolic = self._symbolic(e)
        n = len(self.numbers.envs)
        how = (
            "the algebra shows that it equals"
            if symbolic
            else f"it gives the same numbers, on {n} random draws of the parameters and data "
            "(on this network and on networks of other sizes), as"
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

    def _right_here_only(
        self, formula: str, tree: ast.Expression, why: str, world: World
    ) -> FormulaCheck:
        steps, fix = self._fix_everywhere(tree, world)
        what = ""
        if steps:
            mistake, fields = steps[0]
            what = " " + _sentence(mistake.explain(_Fields({**self.ctx.fields, **fields})))
        message = (
            f"Right here, but only because {why}: on this network your formula gives the "
            f"numbers of {self.ctx.fields['T']}, but on a network where that is not so it does "
            f"not.{what}"
        )
        if fix:
            message += f" Write {self.step.target} = {fix}, which is right for every size."
        return self._result(
            formula,
            "right-only-here",
            message,
            title=f"right here, but only because {why}",
            corrected=fix,
            mistakes=tuple(m.name for m, _ in steps),
            verdict="right-here-only",
        )

    def _found(self, formula: str, tree: ast.Expression, finding: Finding) -> FormulaCheck:
        corrected = self._respell(tree, finding)
        return self._reject(formula, finding.steps, corrected, form=finding.form)

    def _reject(
        self,
        formula: str,
        steps: tuple,
        corrected: str | None,
        prefix: str = "",
        form: Expr | None = None,
    ) -> FormulaCheck:
        default = form if form is not None else steps[-1][1].get("form", self.step.expanded)
        corrected = corrected or np_text(default)
        fields = {**self.ctx.fields, "fix": corrected}
        parts = [prefix] if prefix else []
        for i, (mistake, found) in enumerate(steps):
            explanation = _sentence(mistake.explain(_Fields({**fields, **found})))
            parts.append(explanation if i == 0 else f"Also: {explanation}")
        first, first_fields = steps[0]
        titles = [m.named(f) for m, f in steps]
        return self._result(
            formula,
            first.name,
            " ".join(parts),
            title=" and ".join(titles) if len(titles) > 1 else first.named(first_fields),
            corrected=corrected,
            mistakes=tuple(m.name for m, _ in steps),
        )

    def _localised(self, formula: str, place: Place) -> FormulaCheck:
        T = self.ctx.fields["T"]
        message = (
            f"Wrong: the {place.kind} {place.wrong} is where it goes wrong — the derivation "
            f"of {T} has {place.right} there."
        )
        message += self._derivative_note(place.right_ir)
        message += (
            f" Everything else in your formula is right: {self.step.target} = {show(place.fixed)}."
        )
        return self._result(
            formula,
            "localised",
            message,
            title=f"the {place.kind} {place.wrong}",
            corrected=show(place.fixed),
        )

    def _derivative_note(self, right: Expr) -> str:
        """Where the right factor is the activation's derivative, say so, in both spellings."""
        c = self.ctx.chain
        if c is None or not self.numbers.same(right, c.derivative):
            return ""
        at_z = np_text(derivative_of(c.g, c.Z))
        return (
            f" That factor is the derivative of {c.g.name} at {c.Z.name}: "
            f"{c.g.name}′({c.Z.name}) = {np_text(c.derivative)}, i.e. {at_z}."
        )

    def _shape_error(self, formula: str, tree: ast.Expression, err: ShapeError) -> FormulaCheck:
        # a matrix product's message names both operands and shapes; others read poorly here
        prefix = f"{err.message}." if "do not chain" in err.message else ""
        found = self._search(tree)
        if found is not None:
            return self._reject(formula, *found, prefix=prefix)
        place = self._localise(tree)
        if place is not None:
            return self._localised(formula, place)
        hint = f" ({err.hint})" if err.hint else ""
        message = f"{err.message}{hint}; none of the known mistakes explains it."
        return self._result(formula, "shape-mismatch", message, title="shapes that do not fit")

    def _unrecognized(self, formula: str, e: Expr) -> FormulaCheck:
        T, Of = self.ctx.fields["T"], self.ctx.fields["Of"]
        if not same_shape(e.shape, self.step.shape):
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
        message = (
            f"Wrong: {why}, and it matches none of the known mistakes. The derivation gives "
            f"{self.expected}."
        )
        return self._result(formula, None, message, title="not recognised")

    def _symbolic(self, e: Expr) -> bool:
        """Whether the algebra turns both into one expression (a proof, where it succeeds)."""
        d = self.world.d
        unfold = {
            eq.var: eq.expr
            for eq in d.program.equations
            if is_elementwise(eq.expr) and not any(n.op == "matmul" for n in walk(eq.expr))
        }
        inline = {build.var(s.target, s.shape): s.expr for s in d.steps if s.kind == "intermediate"}
        try:
            left = simplify(substitute(e, inline), unfold)
            return any(left == simplify(substitute(f, inline), unfold) for f in self.ctx.forms)
        except (ChainruleError, TypeError, ValueError, KeyError, RecursionError):
            return False


_BY_PRIOR = sorted(MISTAKES, key=lambda m: -m.prior)


class _Fields(dict):
    """Template fields; a field a template names but a finding lacks prints as '…'."""

    def __missing__(self, key: str) -> str:
        return "…"


def _uses(tree: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(tree))


def _sentence(s: str) -> str:
    """Capitalise an explanation that starts with an English word (not with a name like dZ1)."""
    first = s.split(" ", 1)[0]
    return s[0].upper() + s[1:] if first in ("the", "this", "there", "your", "a", "an") else s
