"""A verdict's words: what :class:`~chainrule.check.judge.Judge` decided, written for the learner.

:class:`Messages` turns each decision — correct (with how it was shown), right only because a
dimension is 1, wrong with the mistakes found, a differing factor, nothing recognised — into a
:class:`FormulaCheck` whose message names the mistakes in the learner's own spelling. It decides
nothing: the judge gives it the world, the derived step and the repairs it found.
"""

from __future__ import annotations

import ast
import re

from ..errors import ChainruleError
from ..ir.expr import Expr
from ..ir.shapes import fmt_shape
from ..printers.text import target_text, text
from ..rules.primitives import derivative_of
from .learner import show
from .localise import Place
from .mistakes import BY_NAME, Mistake, np_text
from .numbers import same_shape
from .result import FormulaCheck
from .world import World

__all__ = ["Messages", "sentence"]


class Messages:
    """The writing half of the judge. A subclass provides ``world``, ``step``, ``ctx``,
    ``numbers``, ``note`` and the decisions the words need: ``_symbolic(e)`` (whether the algebra
    proves it), ``_fix_everywhere(tree, world)``, ``_respell(tree, steps, form)`` and
    ``_everywhere(corrected)``."""

    def _derived(self) -> None:
        """The derived formula, in the course's notation and in NumPy."""
        d = self.world.d
        self.expected = (
            f"{target_text(self.step.target, True)} = "
            f"{text(self.step.expanded, True, d.program.batch)}"
        )
        self.expected_numpy = np_text(self.step.expanded)

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
            network=self.world.label(),
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
            f"(on this {self.world.noun} and on {self.world.noun}s of other sizes), as"
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
            what = " " + sentence(mistake.explain(_Fields({**self.ctx.fields, **fields})))
        how = self._broadcast_note(steps, why)
        message = (
            f"Right here, but only because {why}: on this {self.world.noun} your formula gives "
            f"the numbers of {self.ctx.fields['T']}, but not on a {self.world.noun} where that "
            "is not so "
            f"(checked on one).{how}{what}"
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

    def _broadcast_note(self, steps: tuple, why: str) -> str:
        """``a * b`` standing for a matrix product: the shapes that make NumPy broadcast it into
        the same numbers here."""
        if not steps or steps[0][0].name != "elementwise-for-matmul":
            return ""
        try:
            node = self.world.reader.tree(str(steps[0][1]["wrong"])).body
            a, b = (self.world.read(ast.Expression(body=k)) for k in (node.left, node.right))
        except (ChainruleError, AttributeError, KeyError):
            return ""
        shapes = f"{fmt_shape(a.shape)} and {fmt_shape(b.shape)}"
        return (
            f" {show(node.left)} and {show(node.right)} have shapes {shapes}: * broadcasts them "
            f"into their outer product, which equals the matrix product only because the "
            f"dimension they share, {why.split(' = ')[0]}, is 1."
        )

    def _reject(
        self,
        formula: str,
        steps: tuple,
        corrected: str | None,
        prefix: str = "",
        form: Expr | None = None,
        tree: ast.Expression | None = None,
    ) -> FormulaCheck:
        default = form if form is not None else steps[-1][1].get("form", self.step.expanded)
        if corrected is None and tree is not None:
            corrected = self._respell(tree, steps, default)
        corrected = corrected or _spelled_like(np_text(default), tree)
        corrected, more = self._everywhere(corrected)
        corrected, words = self._in_learners_words(corrected, tree)
        steps = (*steps, *more)
        fields = {**self.ctx.fields, "fix": corrected}
        parts = [prefix] if prefix else []
        for i, (mistake, found) in enumerate(steps):
            explanation = mistake.explain(_Fields({**fields, **found}))
            parts.append(sentence(explanation) if i == 0 else f"Also: {explanation}")
        first, first_fields = steps[0]
        titles = [m.named(f) for m, f in steps]
        return self._result(
            formula,
            first.name,
            words(" ".join(parts)),
            title=" and ".join(titles) if len(titles) > 1 else first.named(first_fields),
            corrected=corrected,
            mistakes=tuple(m.name for m, _ in steps),
        )

    def _in_learners_words(self, corrected: str, tree: ast.Expression | None) -> tuple:
        """The corrected formula, and a rewriting of the message, in the learner's names: the
        course's one scalar ``keep_prob`` for ``keep_prob2`` (unless the learner numbers it), and
        the learner's own relu mask (``np.int64(A1 > 0)``, else ``(Z1 > 0)``) for the derived
        ``np.heaviside(Z1, 0)``. A respelling is kept only if the formula is still right."""
        pairs = []
        learner = set() if tree is None else {n.id for n in ast.walk(tree) if _is_name(n)}
        numbered = any(re.fullmatch(r"keep_prob\d+", n) for n in learner)
        if "keep_prob" in self.world.reader.shapes and not numbered:
            pairs.append((r"\bkeep_prob\d+\b", "keep_prob"))
        derived = corrected + (np_text(self.ctx.chain.derivative) if self.ctx.chain else "")
        for z in sorted(set(re.findall(r"np\.heaviside\((Z\d+), 0\)", derived))):
            pairs.append((re.escape(f"np.heaviside({z}, 0)"), _mask_text(tree, z)))

        def words(text: str) -> str:
            for pattern, spelling in pairs:
                text = re.sub(pattern, spelling, text)
            return text

        respelled = words(corrected)
        if respelled == corrected:
            return corrected, words
        try:
            ok = self.world.is_right(self.world.reader.tree(respelled))
        except ChainruleError:
            ok = False
        return (respelled, words) if ok else (corrected, lambda text: text)

    def _localised(self, formula: str, place: Place) -> FormulaCheck:
        return self._reject(formula, (self._place_step(place),), show(place.fixed))

    def _place_step(self, place: Place) -> tuple[Mistake, dict]:
        """The differing factor as a finding of the "wrong-factor" kind."""
        fields = {
            "kind": place.kind,
            "wrong": place.wrong,
            "right": place.right,
            "note": self._derivative_note(place.right_ir) if place.right_ir is not None else "",
            "title": f"the {place.kind} {place.wrong}",
            "situation": "extra"
            if place.right_ir is None
            else "several"
            if place.kind == "factors"
            else "default",
        }
        return BY_NAME["wrong-factor"], fields

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


class _Fields(dict):
    """Template fields; a field a template names but a finding lacks prints as '…'."""

    def __missing__(self, key: str) -> str:
        return "…"


def _is_name(n: ast.AST) -> bool:
    return isinstance(n, ast.Name)


def _mask_text(tree: ast.Expression | None, z: str) -> str:
    """The learner's strict relu mask on layer ``z``'s Z or A as written, else ``(Z > 0)``."""
    a = "A" + z[1:]
    for n in ast.walk(tree) if tree is not None else ():
        inner = n.args[0] if isinstance(n, ast.Call) and len(n.args) == 1 else n
        if (
            isinstance(inner, ast.Compare)
            and len(inner.ops) == 1
            and isinstance(inner.ops[0], ast.Gt)
            and isinstance(inner.left, ast.Name)
            and inner.left.id in (z, a)
            and isinstance(inner.comparators[0], ast.Constant)
            and inner.comparators[0].value == 0
        ):
            return show(n) if n is not inner else f"({show(n)})"
    return f"({z} > 0)"


def _spelled_like(corrected: str, tree: ast.Expression | None) -> str:
    """The derived formula with ``np.dot(a, b)`` for ``a @ b`` when the learner writes np.dot."""
    if tree is None or not any(_func_name(n) == "dot" for n in ast.walk(tree)):
        return corrected
    if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.MatMult) for n in ast.walk(tree)):
        return corrected
    return show(_ToDot().visit(ast.parse(corrected, mode="eval")))


def _func_name(n: ast.AST) -> str:
    if not isinstance(n, ast.Call):
        return ""
    f = n.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


class _ToDot(ast.NodeTransformer):
    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:  # noqa: N802 - ast's naming
        self.generic_visit(node)
        if isinstance(node.op, ast.MatMult):
            np_dot = ast.Attribute(ast.Name("np", ast.Load()), "dot", ast.Load())
            return ast.Call(np_dot, [node.left, node.right], [])
        return node


def sentence(s: str) -> str:
    """Capitalise an explanation that starts with an English word (not with a name like dZ1)."""
    first = s.split(" ", 1)[0]
    return s[0].upper() + s[1:] if first in ("the", "this", "there", "your", "a", "an") else s
