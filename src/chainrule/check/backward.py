"""``cr.check_backward``: a learner's whole backward pass, judged line by line in its own context.

The pass is read by :func:`chainrule.check.source.read_backward` (lines, or one course-style
function) into one statement per quantity. Each statement is judged like a single formula, but
*given the learner's own earlier lines*: the numbers it is compared with come from the derived
one-level formula evaluated with the learner's values in place of the quantities they assigned.
So a 1/m put in dZ1 and then again in dW1 — the course forum's most common error — is reported on
the dZ1 line, and ``dW1 = 1/m * dZ1 @ X.T`` after it is "right, given your dZ1".

A line that is wrong given the learner's earlier values but right on the true ones (the learner
wrote the correct expression out in full instead of using their wrong dZ1) is correct.

1/m may be placed elsewhere consistently: a pass with ``dZ[L] = (A[L] − Y) / m`` and no 1/m in dW
and db is the exact convention (gradients of J all the way down); when every line is right in that
convention, the pass is right, and the report says which convention it follows.
"""

from __future__ import annotations

import ast
import json
from dataclasses import asdict, dataclass, replace

from ..errors import ChainruleError, ParseError
from ..nets import Network
from .judge import judge_formula
from .learner import Reader, parse_rhs
from .mistakes import BY_NAME
from .numbers import close
from .result import FormulaCheck
from .source import Statement, read_backward
from .world import World

__all__ = ["LineCheck", "BackwardCheck", "check_backward"]

EXACT_NOTE = (
    "Your pass puts the 1/m of J = (1/m) Σ L at the top (dZ[L] = (A[L] − Y)/m) and carries it "
    "down: every dZ and dA is then ∂J/∂Z (the exact convention), and dW, db take no 1/m of their "
    "own. That is equally right: the course puts 1/m in dW and db instead, and both give the same "
    "dW and db."
)


EXACT_PARTLY = (
    "Your pass puts the 1/m of J at the top (dZ[L] = (A[L] − Y)/m), so every dZ and dA is ∂J/∂Z "
    "and dW, db take no 1/m of their own (the exact convention, equally right when consistent): "
    "it is judged in that convention, and fewer of its lines are wrong that way."
)


@dataclass(frozen=True)
class LineCheck:
    """One statement of the pass: where it is, what it assigns, and the verdict on it.

    ``verdict`` is ``"correct"``, ``"right-given"`` (right given the learner's earlier lines,
    which ``given`` names, though one of those is wrong), ``"right-in-the-end"`` (wrong given
    them, yet the true values: an earlier difference undone here), ``"right-here-only"`` or
    ``"wrong"``."""

    line: int
    text: str
    target: str
    verdict: str
    lines: tuple[int, ...]  # every line that made the value (in-place writes add theirs)
    given: tuple[str, ...]  # the learner's wrong earlier quantities this line is right given
    check: FormulaCheck

    @property
    def ok(self) -> bool:
        return self.verdict in ("correct", "right-given", "right-in-the-end")


@dataclass(frozen=True)
class BackwardCheck:
    """The verdict on a whole backward pass: one :class:`LineCheck` per statement."""

    lines: tuple[LineCheck, ...]
    network: str
    convention: str
    note: str = ""

    @property
    def correct(self) -> bool:
        """Every line is right (given the learner's earlier lines) and none is wrong."""
        return all(c.verdict == "correct" for c in self.lines)

    @property
    def wrong(self) -> list[LineCheck]:
        return [c for c in self.lines if not c.ok]

    def __getitem__(self, target: str) -> LineCheck:
        for c in self.lines:
            if c.target == target:
                return c
        raise KeyError(target)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["correct"] = self.correct
        out["wrong_lines"] = [c.line for c in self.wrong]
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def __str__(self) -> str:
        from .report import backward_text

        return backward_text(self)


def check_backward(
    net: Network, text: str, *, convention: str = "course", draws: int = 3, seed: int = 0
) -> BackwardCheck:
    """Judge every statement of a learner's backward pass (``text``: several ``target = formula``
    lines, or one function as the course writes it) given the learner's own earlier lines."""
    statements = read_backward(text, L=net.L)
    _known(net, statements, convention)
    result = _judge_all(net, statements, convention, draws, seed)
    if result.correct or convention == "exact":
        return result
    exact = _judge_all(net, statements, "exact", draws, seed)
    if exact.correct:
        return BackwardCheck(exact.lines, exact.network, "exact", EXACT_NOTE)
    if _top_has_1_over_m(exact, net.L) and len(exact.wrong) < len(result.wrong):
        return BackwardCheck(exact.lines, exact.network, "exact", EXACT_PARTLY)
    return result


def _top_has_1_over_m(exact: BackwardCheck, L: int) -> bool:
    """The pass starts the exact way: its dA[L] or dZ[L] is right in the exact convention (the
    learner did put 1/m at the top), and no later line has to make up for an earlier one."""
    top = [c for c in exact.lines if c.target in (f"dA{L}", f"dZ{L}")]
    late = any(c.verdict == "right-in-the-end" for c in exact.lines)
    return bool(top) and top[0].verdict == "correct" and not late


def _known(net: Network, statements: list[Statement], convention: str) -> None:
    known = set(net.quantities(convention))
    for s in statements:
        if s.target not in known:
            raise ParseError(
                f"line {s.line}: {s.target} is not a gradient of this network",
                hint=f"its gradients are {', '.join(net.quantities(convention))}",
            )


def _judge_all(
    net: Network, statements: list[Statement], convention: str, draws: int, seed: int
) -> BackwardCheck:
    given: list[tuple[str, ast.Expression]] = []
    off: dict[str, tuple[str, ...]] = {}  # quantity → the wrong lines its value inherits
    reader = Reader(net, net.derive(convention))
    assumed: set[str] = set()  # wrong lines that cannot be evaluated
    lines = []
    for s in statements:
        kw = {"convention": convention, "draws": draws, "seed": seed}
        tree = s.tree or parse_rhs(s.rhs)
        inherited = _inherited(tree, off)
        r = judge_formula(net, s.formula, given=given, shown=s.text.strip(), **kw)
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} & assumed
        if used and r.correct:
            names = " and ".join(sorted(used))
            note = f" (Judged with the right {names}, since yours does not type-check.)"
            r = replace(r, message=r.message + note)
        late = False
        if not r.correct and off:
            alone = judge_formula(net, s.formula, shown=s.text.strip(), **kw)
            if alone.correct:  # right on the true values: it does not use the wrong ones
                r, inherited = alone, ()
            elif _reaches_truth(net, s.target, tree, given, convention, draws, seed):
                r, inherited, late = _in_the_end(r), (), True
        verdict = ("right-given" if inherited else "correct") if r.correct else r.verdict
        verdict = "right-in-the-end" if late else verdict
        made = tuple(s.lines) or (s.line,)
        lines.append(LineCheck(s.line, s.text.strip(), s.target, verdict, made, inherited, r))
        if r.correct and inherited:
            off[s.target] = inherited
        elif r.verdict == "wrong":
            off[s.target] = (s.target,)
        if not _reads(reader, tree):  # its value cannot be given: later lines get the true one
            off.pop(s.target, None)
            assumed.add(s.target)
        given.append((s.target, tree))
    return BackwardCheck(tuple(_moved_mask(_twice(lines))), net.describe(), convention)


def _reaches_truth(
    net: Network,
    target: str,
    tree: ast.Expression,
    given: list,
    convention: str,
    draws: int,
    seed: int,
) -> bool:
    """The learner's line, on their own earlier values, gives the true values of ``target``
    (an earlier line's difference is undone here), in their shape too: a squeezed ``db`` of shape
    (n,) is not db of shape (n, 1) (``b - lr * db`` would broadcast into (n, n)), whatever came
    before. Both worlds draw the same numbers."""
    try:
        mine = World(net, convention, target, draws=draws, seed=seed, given=given)
        truth = World(net, convention, target, draws=draws, seed=seed)
        e = mine.read(tree)
    except ChainruleError:
        return False
    if not truth.numbers.fits(e.shape, truth.right.shape):
        return False
    n = len(truth.numbers.envs)
    return all(
        close(mine.numbers.value(e, i), truth.numbers.value(truth.right, i)) for i in range(n)
    )


def _in_the_end(r: FormulaCheck) -> FormulaCheck:
    message = (
        f"Right in the end: given your earlier lines, your {r.target} has the derived values — "
        f"what differed above is made up for here."
    )
    return replace(r, correct=True, verdict="correct", message=message, diagnosis=None)


def _moved_mask(lines: list[LineCheck]) -> list[LineCheck]:
    """A dA without its dropout mask, the mask applied to a later dZ instead: name that."""
    out = []
    for c in lines:
        later = [
            k.target
            for k in lines
            if k.verdict == "right-in-the-end" and k.line > c.line and "D" in k.text
        ]
        if c.verdict == "wrong" and c.check.mistakes[:1] == ("missing-dropout-mask",) and later:
            moved = BY_NAME["dropout-on-dZ"]
            extra = " " + moved.explain({"T": c.target, "later": later[0]})
            check = replace(
                c.check,
                message=c.check.message + extra,
                mistakes=(moved.name, *c.check.mistakes[1:]),
                diagnosis=moved.name,
                title=moved.title,
            )
            c = replace(c, check=check)
        out.append(c)
    return out


def _twice(lines: list[LineCheck]) -> list[LineCheck]:
    """A 1/m too many in a dZ that later dW, db lines divide by m again: say so on the dZ line."""
    out = []
    for c in lines:
        later = [k.target for k in lines if c.target in k.given and k.target[:2] in ("dW", "db")]
        if c.verdict == "wrong" and "extra-1/m" in c.check.mistakes and later:
            extra = (
                f" Your {' and '.join(later)} then take 1/m again, so they end up divided by m "
                f"twice; they are right given your {c.target}, so removing the 1/m from "
                f"{c.target} fixes them too."
            )
            c = replace(c, check=replace(c.check, message=c.check.message + extra))
        out.append(c)
    return out


def _reads(reader: Reader, tree: ast.Expression) -> bool:
    try:
        reader.ir(tree)
    except ChainruleError:
        return False
    return True


def _inherited(tree: ast.AST, off: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The learner's wrong quantities the formula uses, directly or through right-given ones."""
    used = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in off]
    return tuple(dict.fromkeys(w for u in used for w in off[u]))
