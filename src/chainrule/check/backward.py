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
import re
from dataclasses import asdict, dataclass, replace

from ..errors import ChainruleError, ParseError
from ..nets import Network
from ..nets.spec import MLPSpec
from ..scalar import FUNCTIONS, lookup
from .judge import judge_formula
from .learner import Reader, parse_rhs
from .mistakes import BY_NAME
from .numbers import close
from .result import FormulaCheck
from .source import Statement, read_backward
from .world import World

__all__ = ["LineCheck", "Entry", "BackwardCheck", "check_backward"]

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
    via: tuple[tuple[str, int], ...] = ()  # the calls that reached the line: (function, line)
    function: str = ""  # the learner's function whose line it is (a file of functions)
    layer: int | None = None  # the layer that function was called for

    @property
    def ok(self) -> bool:
        return self.verdict in ("correct", "right-given", "right-in-the-end")

    @property
    def mistake(self) -> str:
        """The leading mistake (empty for a line that is right)."""
        return "" if self.ok else (self.check.mistakes[:1] or (self.check.diagnosis or "",))[0]


@dataclass(frozen=True)
class Entry:
    """The checks of one learner line with one verdict and one leading mistake, merged: a line of
    ``linear_backward`` run for every layer is one entry, "wrong in every layer (dW3, dW2, dW1)".
    ``calls`` are the call lines that set these checks apart from the line's other entries."""

    line: int
    text: str
    verdict: str
    mistake: str
    targets: tuple[str, ...]
    layers: tuple[int, ...]
    every_layer: bool  # the line is so in every layer of the network
    calls: tuple[int, ...]
    checks: tuple[LineCheck, ...]

    @property
    def ok(self) -> bool:
        return self.checks[0].ok

    @property
    def check(self) -> FormulaCheck:
        return self.checks[0].check

    def to_dict(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "checks"}
        return {**out, "message": self.check.message, "corrected": self.check.corrected}


def entries(checks: tuple[LineCheck, ...]) -> tuple[Entry, ...]:
    """The checks merged by (line, verdict, leading mistake), in the order the lines first come."""
    groups: dict[tuple, list[LineCheck]] = {}
    for c in checks:
        groups.setdefault((c.line, c.verdict, c.mistake), []).append(c)
    every = {c.layer for c in checks if c.layer is not None}
    return tuple(_entry(g, checks, every) for g in groups.values())


def _innermost(via: tuple[tuple[str, int], ...], shared: set[int]) -> int:
    """The innermost call of ``via`` that not every run of the line went through (0: none)."""
    return next((n for _, n in reversed(via) if n not in shared), 0)


def _entry(group: list[LineCheck], checks: tuple[LineCheck, ...], every: set[int]) -> Entry:
    first = group[0]
    layers = tuple(dict.fromkeys(c.layer for c in group if c.layer is not None))
    same_line = [c for c in checks if c.line == first.line]
    shared = set.intersection(*({n for _, n in c.via} for c in same_line))
    calls = tuple(sorted({_innermost(c.via, shared) for c in group} - {0}))
    if len(same_line) == len(group):
        calls = ()  # the line is the same in every call: no call sets this entry apart
    return Entry(
        first.line,
        first.text,
        first.verdict,
        first.mistake,
        tuple(c.target for c in group),
        layers,
        len(layers) > 1 and set(layers) == every,
        calls,
        tuple(group),
    )


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

    @property
    def wrong_lines(self) -> list[int]:
        """The learner's lines that are wrong, each once (a line of a function called for every
        layer may be wrong in several)."""
        return list(dict.fromkeys(c.line for c in self.wrong))

    @property
    def entries(self) -> tuple[Entry, ...]:
        return entries(self.lines)

    def __getitem__(self, target: str) -> LineCheck:
        for c in self.lines:
            if c.target == target:
                return c
        raise KeyError(target)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["correct"] = self.correct
        out["wrong_lines"] = self.wrong_lines
        out["entries"] = [e.to_dict() for e in self.entries]
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
    source = text.splitlines()
    result = _judge_all(net, statements, convention, draws, seed, source)
    if result.correct or convention == "exact":
        return result
    exact = _judge_all(net, statements, "exact", draws, seed, source)
    if exact.correct:
        return BackwardCheck(exact.lines, exact.network, "exact", EXACT_NOTE)
    if _top_has_1_over_m(exact, net.L) and len(exact.wrong_lines) < len(result.wrong_lines):
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
    net: Network,
    statements: list[Statement],
    convention: str,
    draws: int,
    seed: int,
    source: list[str] = (),
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
        where = {"via": s.via, "function": s.function, "layer": s.layer}
        c = LineCheck(s.line, s.text.strip(), s.target, verdict, made, inherited, r, **where)
        if verdict == "wrong" and _right_for_its_name(net, s, given, convention, draws, seed):
            c = _on_the_call(net, c, source)
        lines.append(c)
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


def _activation(net: Network, layer: int) -> str:
    return net.spec.output if layer == net.L else net.spec.hidden[layer - 1].name


def _named_for(s: Statement) -> str:
    """The activation a learner's function is named for: ``sigmoid_backward`` → ``sigmoid``."""
    m = re.fullmatch(r"(\w+?)_backward", s.function)
    return m.group(1) if m and m.group(1) in FUNCTIONS else ""


def _right_for_its_name(
    net: Network, s: Statement, given: list, convention: str, draws: int, seed: int
) -> bool:
    """A wrong dZ in a called ``<g>_backward`` whose layer's activation is not g, that is right on
    the same network with g at that layer: the function is right, the call is wrong."""
    act = _named_for(s)
    if not s.via or s.layer is None or not act or act == _activation(net, s.layer):
        return False
    try:
        if s.layer == net.L:
            spec = MLPSpec.make(
                net.spec.layers, net.spec.hidden, act, net.spec.loss, net.spec.layout
            )
        else:
            hidden = list(net.spec.hidden)
            hidden[s.layer - 1] = lookup(act)
            spec = replace(net.spec, hidden=tuple(hidden))
        kw = {"convention": convention, "draws": draws, "seed": seed, "given": given}
        return judge_formula(Network(spec), s.formula, **kw).correct
    except ChainruleError:
        return False


def _on_the_call(net: Network, c: LineCheck, source: list[str]) -> LineCheck:
    """The wrong statement reported on the call that chose the wrong function."""
    call = c.via[-1][1]
    act, name = _activation(net, c.layer), c.function
    text = source[call - 1].strip() if 0 < call <= len(source) else c.text
    message = (
        f"Line {call} calls {name} where layer {c.layer}'s activation is {act}: your {name} "
        f"(line {c.line}) is right for a {name.removesuffix('_backward')} layer, so the mistake "
        f"is the call — call {act}_backward there. {c.check.message}"
    )
    fixed = re.sub(rf"\b{name}\(", f"{act}_backward(", text)
    title = f"{name} called for a {act} layer"
    check = replace(
        c.check, message=message, title=title, diagnosis="wrong-backward-called", corrected=fixed
    )
    return replace(c, line=call, text=text, lines=(*c.lines, call), check=check)


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
