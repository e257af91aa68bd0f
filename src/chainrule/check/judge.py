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

This module decides; :mod:`.messages` writes each decision's words.
"""

from __future__ import annotations

import ast
import copy
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from ..algebra.bridge import is_elementwise
from ..algebra.simplify import simplify, substitute
from ..errors import ChainruleError, ParseError, ShapeError
from ..ir import build
from ..ir.expr import Expr, walk
from ..nets import Network
from .learner import show, split_formula
from .localise import Place, localise
from .messages import Messages, sentence
from .mistakes import BY_NAME, MISTAKES, Mistake, has_nonstrict_mask
from .numbers import same_shape
from .result import FormulaCheck
from .search import Finding, diagnose
from .variants import Variant, admissible, variants
from .world import World

__all__ = ["Judge", "judge_formula"]

_VARIANT_DRAWS = 2  # draws on each variant of the network
_LIMIT = 40  # candidate repairs carried to the second round
_BUDGET = 600  # repaired formulas parsed per search, so a long formula is answered in a second
_RESPELL = 400  # learner-spelled corrections tried
_LOCALISED = 6  # repaired formulas searched for a differing factor
_DIAGNOSED = 12  # repaired formulas that type-check, searched for a named mistake

Others = Callable[[ast.Expression], list[tuple[str, World]]]


def judge_formula(
    net: Network,
    formula: str,
    *,
    convention: str = "course",
    draws: int = 3,
    seed: int = 0,
    batch: Sequence[int] | None = None,
    given: Sequence[tuple[str, ast.Expression]] = (),
    note: str = "",
    shown: str | None = None,
) -> FormulaCheck:
    """One formula, judged with the learner's earlier lines ``given`` (name, tree) in place."""
    target, rhs = split_formula(formula)
    world = World(net, convention, target, draws=draws, seed=seed, batch=batch, given=given)
    tree = world.reader.tree(rhs)
    vbatch = None if batch is None else batch[:_VARIANT_DRAWS]

    built: dict[str, World] = {}  # each variant's world, made once, when first needed

    def on(v: Variant) -> World:
        if v.why not in built:
            kw = {"draws": _VARIANT_DRAWS, "seed": seed + 1, "batch": vbatch, "given": given}
            built[v.why] = World(v.net, convention, target, **kw)
        return built[v.why]

    def others(t: ast.Expression) -> list[tuple[str, World]]:
        return [(v.why, on(v)) for v in variants(net) if admissible(v, world, t)]

    return Judge(world, others, note).verdict((shown or formula).strip(), tree)


class Judge(Messages):
    """Decides one formula on ``world`` (and on the variant worlds ``others`` gives)."""

    def __init__(self, world: World, others: Others, note: str = "") -> None:
        self.world, self.others, self.note = world, others, note
        self.step, self.numbers, self.right = world.step, world.numbers, world.right
        self.ctx = world.context()
        self._derived()

    # -- the questions, in order -------------------------------------------------------------------
    def verdict(self, formula: str, tree: ast.Expression, *, cached: bool = False) -> FormulaCheck:
        if not cached and _dropout_layers(self.world):
            return self._cached_after_dropout(formula, tree)
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
            prefix = self.world.missing(unknown.group(1))
            return self._reject(formula, *found, prefix=prefix)
        if self.numbers.same(e, self.right):
            broken = self._coincidence(tree)
            if broken is None:
                return self._accept(formula, tree, e)
            return self._right_here_only(formula, tree, *broken)
        return self._diagnosed(formula, tree, e)

    def _diagnosed(self, formula: str, tree: ast.Expression, e: Expr) -> FormulaCheck:
        """A wrong formula: named mistakes, else the differing factor, else repairs."""
        finding = _named_from_syntax(diagnose(e, self.right, self.ctx, self.numbers), tree)
        if finding is not None:
            return self._found(formula, tree, finding)
        place = self._localise(tree)
        if place is not None:
            return self._localised(formula, place)
        found = self._search(tree, rounds=2, deep=True)
        if found is not None:
            return self._reject(formula, *found, tree=tree)
        return self._unrecognized(formula, e)

    def _cached_after_dropout(self, formula: str, tree: ast.Expression) -> FormulaCheck:
        """The course caches A[l] after dropout (``A1 = A1 * D1 / keep_prob``), which this
        derivation calls A_drop[l]: a formula is judged with both readings of A[l], and the one
        that is right (or needs fewer mistakes) is the answer, which says so."""
        names = {f"A{k}": f"A_drop{k}" for k in _dropout_layers(self.world)}
        used = sorted(n for n in _names(tree) if n in names)
        mine = self.verdict(formula, tree, cached=True)
        if not used or mine.correct:
            return mine
        try:
            theirs = self.verdict(formula, _Rename(names).visit(copy.deepcopy(tree)), cached=True)
        except ChainruleError:
            return mine
        if not theirs.correct and _weight(theirs) >= _weight(mine):
            return mine
        note = (
            f" (Reading {', '.join(used)} as the course caches it in "
            "forward_propagation_with_dropout: after the mask and the division by keep_prob — "
            f"{', '.join(names[u] for u in used)} in the derivation.)"
        )

        def back(text: str) -> str:
            return re.sub(r"\bA_drop(\d+)\b", r"A\1", text)

        return replace(
            theirs, message=back(theirs.message) + note, corrected=back(theirs.corrected)
        )

    def self_reference(self, formula: str, tree: ast.Expression) -> FormulaCheck:
        """``dZ1 = W2.T @ dZ1 …`` defines nothing, unless it is another layer's dZ misnumbered."""
        found = self._search(tree, rounds=1, only=("wrong-layer-index",))
        what = f"the formula for {self.step.target} uses {self.step.target} itself"
        if found is None:
            raise ParseError(what, hint="a gradient is written with the quantities around it")
        return self._reject(formula, *found, prefix=f"{sentence(what)}.")

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
        frontier, typed, tried, budget = [(tree, ())], [], [], _BUDGET
        before = self._value(tree)
        for _ in range(rounds):
            failing, right = [], []
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
                    priors = tuple(-m.prior for m, _ in steps)
                    right.append((len(show(fixed)), priors, show(fixed), steps))
                    continue
                if before is not None and self.numbers.same(e, before):
                    continue  # a repair that changes nothing (W2.T * dZ2 with n[2] = 1)
                if same_shape(e.shape, self.step.shape):
                    typed.append((steps, e, fixed))
            if right:  # the smallest edit, then the likeliest mistake
                _, _, fix, steps = min(right, key=lambda r: r[:2])
                return steps, fix
            tried += failing[:_LOCALISED]
            frontier = failing[:_LIMIT]
        for steps, e, _ in typed[:_DIAGNOSED] if deep else ():
            finding = diagnose(e, self.right, self.ctx, self.numbers, deep=False)
            if finding is not None:
                return (*steps, *finding.steps), None
        repaired = [(s, f) for s, _, f in typed[:_LOCALISED]] + [(s, f) for f, s in tried]
        for steps, fixed in repaired if deep else ():
            place = self._localise(fixed)
            if place is not None:
                return (*steps, self._place_step(place)), show(place.fixed)
        return None

    def _value(self, tree: ast.Expression) -> Expr | None:
        try:
            return self.world.read(tree)
        except ChainruleError:
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

    def _respell(self, tree: ast.Expression, steps: tuple, form: Expr | None = None) -> str | None:
        """The learner's formula with the finding's mistakes undone by their repairs (and the
        generic ones for signs and constants), if that makes it right."""
        frontier = [tree]
        for mistake, _ in steps:
            repairs = [mistake.repair] if mistake.repair else []
            frontier = (
                list(
                    itertools.islice(
                        (f for t in frontier for r in repairs for f, _ in r(t, self.ctx)), _RESPELL
                    )
                )
                or frontier
            )
            right = [show(f) for f in frontier if self.world.is_right(f)]
            if right:
                return min(right, key=len)
        allowed = _names(tree) | (_names_ir(form) if form is not None else set())
        for t in [*frontier[:8], tree]:  # what no repair undoes, the differing factor may
            place = self._localise(t)
            if place is not None and _names(place.fixed) <= allowed:
                return show(place.fixed)
        return None

    def _localise(self, tree: ast.Expression) -> Place | None:
        return localise(tree, self._read_node, self.ctx.forms, self.numbers, self.world.is_right)

    def _read_node(self, node: ast.AST) -> Expr:
        return self.world.read(ast.Expression(body=node))

    def _found(self, formula: str, tree: ast.Expression, finding: Finding) -> FormulaCheck:
        corrected = self._respell(tree, finding.steps, finding.form)
        return self._reject(formula, finding.steps, corrected, form=finding.form, tree=tree)

    def _everywhere(self, corrected: str) -> tuple[str, tuple]:
        """A corrected formula right here but, on a variant, not (``W2.T * dZ2`` with n[2] = 1)
        gets one more repair, and that mistake is named too."""
        try:
            tree = self.world.reader.tree(corrected)
        except ChainruleError:
            return corrected, ()
        broken = self._coincidence(tree)
        if broken is None:
            return corrected, ()
        steps, fix = self._fix_everywhere(tree, broken[1])
        return (fix, steps) if fix else (corrected, ())

    def _shape_error(self, formula: str, tree: ast.Expression, err: ShapeError) -> FormulaCheck:
        # a matrix product's message names both operands and shapes; others read poorly here
        prefix = f"{err.message}." if "do not chain" in err.message else ""
        found = self._search(tree)
        if found is not None:
            return self._reject(formula, *found, prefix=prefix, tree=tree)
        place = self._localise(tree)
        if place is not None:
            return self._localised(formula, place)
        hint = f" ({err.hint})" if err.hint else ""
        message = f"{err.message}{hint}; none of the known mistakes explains it."
        return self._result(formula, "shape-mismatch", message, title="shapes that do not fit")

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


def _named_from_syntax(finding: Finding | None, tree: ast.Expression) -> Finding | None:
    """A missing g′ that is really a relu mask written ``A1 >= 0`` (all ones) is named so."""
    if finding is None or finding.names[:1] != ("missing-activation-derivative",):
        return finding
    compare = next(
        (n for n in ast.walk(tree) if has_nonstrict_mask(n) and isinstance(n, ast.Compare)), None
    )
    if compare is None:
        return finding
    fields = {**finding.steps[0][1], "wrong": show(compare)}
    return replace(finding, steps=((BY_NAME["mask-always-one"], fields), *finding.steps[1:]))


def _weight(r: FormulaCheck) -> tuple[int, bool]:
    """How much explaining a wrong verdict needs: its mistakes, then whether it only localises."""
    weak = r.diagnosis in (None, "wrong-factor", "shape-mismatch")
    return len(r.mistakes) or 9, weak


def _dropout_layers(world: World) -> list[int]:
    return world.dropout_layers()


class _Rename(ast.NodeTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.AST:  # noqa: N802 - ast's naming
        return ast.Name(self.names.get(node.id, node.id), node.ctx)


def _names(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _names_ir(e: Expr) -> set[str]:
    return {n.name for n in walk(e) if n.op == "var"}


def _uses(tree: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(tree))
