"""The RNN part of ``cr.check_rnn``: is a learner's ``rnn_cell_backward`` / ``rnn_backward`` right?

The learner's functions are interpreted (:mod:`.loops`, a whitelist over Python's syntax tree;
never ``exec``) on seeded arrays whose caches come from the course's ``rnn_forward`` read by
:func:`chainrule.recurrence`, and every gradient is compared with the BPTT that recurrence derives
(held to the course's published numbers and PyTorch in tests/test_recur.py). Two draws: the
course's own (seed 1, n_x = 3, n_a = 5, m = 10, T_x = 4) and one with other sizes. A wrong
function is diagnosed by *repairs* of its syntax tree, as :mod:`.conv_check` does for
convolutions: the repair (or pair) that makes every gradient right names the mistake, its line,
and the corrected line in the learner's names.

The mistakes are those learners post about on the course's forum, e.g.
https://community.deeplearning.ai/t/c5-w1a1-optional-rnn-back-propagation/48297
(``rnn_cell_backward(da[:, :, t], caches[t])``: the next step's gradient left out) and
https://community.deeplearning.ai/t/question-on-backpropagation-week-1-prog-assignment-1/555129
(``rnn_cell_backward(da_prevt, caches[t])``: the output's gradient left out, "all outputs are
zero"); the repairs that real learners' posts and repositories called for beyond those (a
product without its transpose, the carried gradients never read back, …) are in
:mod:`.recur_repairs`, and tests/learners/rnn_cases.py measures the checker on them.
"""

from __future__ import annotations

import ast
import copy
import itertools
from collections.abc import Callable
from functools import cache

import numpy as np

from .conv_check import Finding, LoopCheck
from .loops import LearnerError, Program, accumulate
from .recur_repairs import (
    Edit,
    Repair,
    accumulate_all,
    global_weight_edits,
    grouped,
    not_carried_edits,
    product_edits,
    target_name,
)
from .recur_repairs import expr as _expr
from .recur_repairs import replace as _replace

__all__ = ["check_rnn_program", "MISTAKES"]

MISTAKES = {
    "next-forgotten": "the gradient from the next step (da_prevt) is left out of da_next",
    "output-forgotten": "the gradient from the output at t (da[:, :, t]) is left out of da_next",
    "not-accumulated": "a parameter gradient is overwritten (=) instead of accumulated (+=) over t",
    "a-wrong-step": "a⟨t⟩ (a_next) is used where a⟨t−1⟩ (a_prev) belongs",
    "dc-prev-no-forget": "dc_prev lacks its Γf factor (dc_next where dc_next * ft belongs)",
    "gate-slices-mixed": "a gate's weight slices are mixed up ([:, n_a:] and [:, :n_a] swapped)",
    "tanh-wrong-step": "tanh′ is evaluated at the wrong step (1 − a⟨t−1⟩² where 1 − a⟨t⟩² belongs)",
    "next-not-carried": "the gradient from the next step is never carried back: after the "
    "cell's call, its da_prev (and dc_prev) must be read into the names passed to the next call",
    "transpose-missing": "a matrix product without its transpose (or with its operands the "
    "wrong way round)",
    "gate-not-sliced": "a gate's whole weight where only its a_prev columns (in da_prev) or its "
    "xt columns (in dxt) belong",
    "gate-derivative-missing": "a gate's gradient reaches da_prev and dxt without its "
    "activation's derivative (σ′ or tanh′)",
    "weights-not-read": "a weight read from a name the function never defines (a global of the "
    "notebook's test cell) instead of from the cache's parameters",
}
_WHY = {
    "next-forgotten": "a⟨t⟩ is used twice — by the output at t and by step t+1 — so its gradient "
    "is the sum of both: da_next = da[:, :, t] + da_prevt.",
    "output-forgotten": "a⟨t⟩ is used twice — by the output at t and by step t+1 — so its gradient "
    "is the sum of both: da_next = da[:, :, t] + da_prevt.",
    "not-accumulated": "the weights and biases (Wax, Waa, ba; the LSTM's Wf … bo) are shared by "
    "every step, so each one's gradient is the sum of every step's contribution: dWaa += dWaat.",
    "a-wrong-step": "a⟨t⟩ = tanh(Waa a⟨t−1⟩ + Wax x⟨t⟩ + ba): Waa multiplies a⟨t−1⟩, so "
    "dWaa = dtanh · a⟨t−1⟩ᵀ (a_prev from the cache).",
    "tanh-wrong-step": "the tanh of step t produced a⟨t⟩, so its derivative there is "
    "1 − tanh² = 1 − a⟨t⟩² (a_next from the cache).",
}
_WHY["dc-prev-no-forget"] = (
    "c⟨t⟩ = Γf⟨t⟩ ⊙ c⟨t−1⟩ + Γu⟨t⟩ ⊙ c̃⟨t⟩: c⟨t−1⟩ reaches c⟨t⟩ through Γf, so every path to "
    "c⟨t−1⟩ through c⟨t⟩ carries the factor ft: dc_prev = dc_next * ft + … * ft * da_next."
)
_WHY["next-not-carried"] = (
    "a⟨t⟩ is used by the output at t and by step t+1 (the LSTM's c⟨t⟩ by step t+1): each loop "
    "step must pass the cell's da_prev (dc_prev) on to the next call, or the later steps' "
    "gradients never reach the earlier ones (the carried names stay zero)."
)
_WHY["transpose-missing"] = (
    "for z = W v, dv = Wᵀ dz and dW = dz vᵀ (dxt = Waxᵀ dz, of shape (n_x, m); dWax = dz xtᵀ, "
    "of shape (n_a, n_x)): each gradient has its variable's own shape."
)
_WHY["gate-not-sliced"] = (
    "each gate reads concat = [a_prev; xt], so its weight's first n_a columns multiply a_prev "
    "and the rest xt: da_prev takes W[:, :n_a]ᵀ, dxt takes W[:, n_a:]ᵀ (the whole Wᵀ gives "
    "n_a + n_x rows)."
)
_WHY["gate-derivative-missing"] = (
    "a_prev and xt reach each gate through its pre-activation, so da_prev and dxt sum Wᵀ times "
    "the gradient of the pre-activation: dft · Γf(1 − Γf), dit · Γu(1 − Γu), dot · Γo(1 − Γo), "
    "dcct · (1 − c̃²) — the same quantities dW and db take."
)
_WHY["weights-not-read"] = (
    "the cell is called for every step with its own cache: its weights are the cache's "
    "parameters. A global Wf only exists where the notebook's test cell defined it (and holds "
    "whatever it was set to there), so elsewhere the function fails or uses other weights."
)
_WHY["gate-slices-mixed"] = (
    "each gate reads concat = [a_prev; xt], so W[:, :n_a] multiplies a_prev (da_prev takes its "
    "transpose) and W[:, n_a:] multiplies xt (dxt takes its transpose)."
)
_GATES = ("dWf", "dWi", "dWc", "dWo", "dbf", "dbi", "dbc", "dbo")
_OUTPUTS = {
    "lstm_cell_backward": ("dxt", "da_prev", "dc_prev", *_GATES),
    "lstm_backward": ("dx", "da0", *_GATES),
    "rnn_cell_backward": ("dxt", "da_prev", "dWax", "dWaa", "dba"),
    "rnn_backward": ("dx", "da0", "dWax", "dWaa", "dba"),
}


# -- the draws and the reference ------------------------------------------------------------------
@cache
def _recurrence():  # noqa: ANN202 - a Recurrence (imported late: SymPy)
    from ..recur import recurrence
    from ..recur.course import RNN_FORWARD, RNN_SHAPES

    return recurrence(RNN_FORWARD, RNN_SHAPES)


def _course_values(T: int) -> tuple[dict, np.ndarray]:
    """The course's setup for rnn_backward: seed 1, x, a0, Wax, Waa, Wya, ba, by, then da."""
    rng = np.random.RandomState(1)
    x, a0 = rng.randn(3, 10, T), rng.randn(5, 10)
    Wax, Waa, Wya = rng.randn(5, 3), rng.randn(5, 5), rng.randn(2, 5)
    ba, by = rng.randn(5, 1), rng.randn(2, 1)
    return dict(x=x, a0=a0, Waa=Waa, Wax=Wax, Wya=Wya, ba=ba, by=by), rng.randn(5, 10, T)


def _other_values() -> tuple[dict, np.ndarray]:
    rng = np.random.default_rng(21)
    n_x, n_a, n_y, m, T = 4, 3, 2, 6, 5
    shapes = dict(x=(n_x, m, T), a0=(n_a, m), Waa=(n_a, n_a), Wax=(n_a, n_x))
    shapes.update(Wya=(n_y, n_a), ba=(n_a, 1), by=(n_y, 1))
    values = {k: rng.standard_normal(s) for k, s in shapes.items()}
    return values, rng.standard_normal((n_a, m, T))


def _caches(values: dict) -> tuple[list, np.ndarray]:
    """The course's caches: ``([(a_next, a_prev, xt, parameters) for each t], x)``."""
    a = _recurrence().forward(values)["a"]
    params = {k: values[k] for k in ("Wax", "Waa", "Wya", "ba", "by")}
    x, steps = values["x"], []
    for t in range(x.shape[2]):
        a_prev = values["a0"] if t == 0 else a[:, :, t - 1]
        steps.append((a[:, :, t], a_prev, x[:, :, t], params))
    return steps, x


def _sequence_cases() -> list[tuple[tuple, tuple]]:
    out = []
    for values, da in (_course_values(4), _other_values()):
        g = _recurrence().backward(values, {"a": da})
        out.append(((da, _caches(values)), tuple(g[k] for k in _OUTPUTS["rnn_backward"])))
    return out


def _cell_cases() -> list[tuple[tuple, tuple]]:
    """One step: the cell's gradients are the sequence's with T_x = 1."""
    out = []
    for values, da in (_course_values(4), _other_values()):
        steps, _ = _caches(values)
        a_next, a_prev, xt, params = steps[2]
        one = dict(values, x=xt[:, :, None], a0=a_prev)
        g = _recurrence().backward(one, {"a": da[:, :, 2:3]})
        want = (g["dx"][:, :, 0], g["da0"], g["dWax"], g["dWaa"], g["dba"])
        out.append(((da[:, :, 2], steps[2]), want))
    return out


def _wrong(program: Program, name: str, cases: list) -> tuple[tuple[str, ...], str | None]:
    """The gradients that differ on some draw (or the error the code raised)."""
    labels, bad = _OUTPUTS[name], []
    for args, want in cases:
        try:
            got = program.call(name, *args)
        except LearnerError as e:
            return labels, str(e)
        if not isinstance(got, dict):
            return labels, f"it returns {type(got).__name__}, not the dictionary gradients"
        for label, w in zip(labels, want, strict=True):
            g = got.get(label)
            if np.shape(g) != w.shape or not np.allclose(g, w, rtol=1e-9, atol=1e-12):
                bad.append(label)
    return tuple(dict.fromkeys(bad)), None


def _right(program: Program, name: str, cases: list) -> bool:
    """Every gradient right on every draw (stops at the first that is not: a repair's test)."""
    for args, want in cases:
        try:
            got = program.call(name, *args)
        except LearnerError:
            return False
        if not isinstance(got, dict):
            return False
        for label, w in zip(_OUTPUTS[name], want, strict=True):
            g = got.get(label)
            if np.shape(g) != w.shape or not np.allclose(g, w, rtol=1e-9, atol=1e-12):
                return False
    return True


# -- the repairs ----------------------------------------------------------------------------------
def _cache_names(fn: ast.FunctionDef) -> tuple[str, str]:
    """The learner's names for a⟨t⟩ and a⟨t−1⟩: the first two of ``(…) = cache``."""
    for s in ast.walk(fn):
        if isinstance(s, ast.Assign) and isinstance(s.value, ast.Name) and s.value.id == "cache":
            t = s.targets[0]
            if isinstance(t, ast.Tuple) and len(t.elts) >= 2:
                names = [e.id for e in t.elts[:2] if isinstance(e, ast.Name)]
                if len(names) == 2:
                    return names[0], names[1]
    return "a_next", "a_prev"


def _cell_edits(fn: ast.FunctionDef) -> list[Edit]:
    """a⟨t⟩ for a⟨t−1⟩ and back (:func:`_step_edits`), then each product transposed, then a
    global weight read from the cache's parameters."""
    return _step_edits(fn) + product_edits(fn) + global_weight_edits(fn, cache_parameters(fn))


def cache_parameters(fn: ast.FunctionDef) -> str:
    """The learner's name for the parameters: the last of ``(…) = cache``."""
    for s in ast.walk(fn):
        if isinstance(s, ast.Assign) and isinstance(s.value, ast.Name) and s.value.id == "cache":
            t = s.targets[0]
            if isinstance(t, ast.Tuple) and t.elts and isinstance(t.elts[-1], ast.Name):
                return t.elts[-1].id
    return "parameters"


def _step_edits(fn: ast.FunctionDef) -> list[Edit]:
    """Swap a⟨t⟩ and a⟨t−1⟩ one occurrence at a time: inside a square, tanh′ at the wrong step;
    elsewhere, the wrong step's activation."""
    a_next, a_prev = _cache_names(fn)
    other = {a_next: a_prev, a_prev: a_next}
    out: list[Edit] = []
    for s in ast.walk(fn):
        if not isinstance(s, ast.Assign | ast.AugAssign):
            continue
        squared = {id(n.left) for n in ast.walk(s.value) if _is_square(n)}
        squared |= {id(n.args[0]) for n in ast.walk(s.value) if _is_np_square(n)}
        for k, node in enumerate(ast.walk(s.value)):
            if isinstance(node, ast.Name) and node.id in other:
                mistake = "tanh-wrong-step" if id(node) in squared else "a-wrong-step"
                out.append((mistake, s, _rename(k, other[node.id])))
    return out


def _is_square(n: ast.AST) -> bool:
    return (
        isinstance(n, ast.BinOp)
        and isinstance(n.op, ast.Pow)
        and isinstance(n.right, ast.Constant)
        and n.right.value == 2
    )


def _is_np_square(n: ast.AST) -> bool:
    return isinstance(n, ast.Call) and ast.unparse(n.func) == "np.square" and len(n.args) == 1


def _rename(k: int, name: str) -> Callable[[ast.stmt], ast.stmt]:
    def apply(st: ast.stmt) -> ast.stmt:
        new = copy.deepcopy(st)
        node = list(ast.walk(new.value))[k]
        node.id = name
        return new

    return apply


def _sequence_edits(fn: ast.FunctionDef, kind: str = "rnn") -> list[Edit]:
    """In the loop over t: da_next without one of its two terms; the carried gradients never
    updated; a dW assigned, not added."""
    carried = _carried(fn)
    pairs = [(carried, "da_prev")]
    if kind == "lstm":
        pairs.append((_carried_c(fn), "dc_prev"))
    cell = f"{kind}_cell_backward"
    return _da_next_edits(fn, carried) + not_carried_edits(fn, cell, pairs)


def _da_next_edits(fn: ast.FunctionDef, carried: str) -> list[Edit]:
    da = fn.args.args[0].arg if fn.args.args else "da"
    before = {
        t.id
        for s in fn.body
        if isinstance(s, ast.Assign)
        for t in s.targets
        if isinstance(t, ast.Name)
    }
    out: list[Edit] = []
    for loop in (s for s in ast.walk(fn) if isinstance(s, ast.For)):
        t = loop.target.id if isinstance(loop.target, ast.Name) else "t"
        both = _expr(f"{da}[:, :, {t}] + {carried}")
        for s in ast.walk(loop):
            if not isinstance(s, ast.Assign | ast.AugAssign) or s is loop:
                continue
            text = ast.unparse(s.value)
            for node in ast.walk(s.value):
                if _is_step_slice(node, da, t) and carried not in text:
                    out.append(("next-forgotten", s, _replace(node, both)))
                if isinstance(node, ast.Name) and node.id == carried and f"{da}[" not in text:
                    out.append(("output-forgotten", s, _replace(node, both)))
            target = s.targets[0] if isinstance(s, ast.Assign) else None
            if (
                isinstance(target, ast.Name)
                and target.id in before
                and target.id.startswith(("dW", "db"))
            ):
                out.append(("not-accumulated", s, accumulate))
    return out


def _carried(fn: ast.FunctionDef) -> str:
    """The learner's name for the gradient carried back from step t+1: the name the loop reads
    ``gradients["da_prev"]`` into, else the zeros it starts from (``da_prevt``)."""
    loops = [s for s in ast.walk(fn) if isinstance(s, ast.For)]
    found = [_read_into(loop, "da_prev") for loop in loops]
    return next((n for n in found if n), None) or _zeros_named(fn, "da_prev") or "da_prevt"


def _carried_c(fn: ast.FunctionDef) -> str:
    """The LSTM's carried cell-state gradient: the cell's second argument, or ``dc_prevt``."""
    for s in ast.walk(fn):
        call = s.value if isinstance(s, ast.Assign) else None
        if isinstance(call, ast.Call) and ast.unparse(call.func) == "lstm_cell_backward":
            if len(call.args) > 1 and isinstance(call.args[1], ast.Name):
                return call.args[1].id
    return _zeros_named(fn, "dc_prev") or "dc_prevt"


def _zeros_named(fn: ast.FunctionDef, prefix: str) -> str | None:
    for s in fn.body:
        if isinstance(s, ast.Assign) and target_name(s).startswith(prefix):
            return target_name(s)
    return None


def _read_into(loop: ast.AST, key: str) -> str | None:
    """The name ``x`` of ``x = gradients[key]`` (or in a tuple assignment) inside ``loop``."""
    for s in ast.walk(loop):
        if not isinstance(s, ast.Assign):
            continue
        pairs = [(s.targets[0], s.value)]
        if isinstance(s.targets[0], ast.Tuple) and isinstance(s.value, ast.Tuple):
            pairs = list(zip(s.targets[0].elts, s.value.elts, strict=False))
        for target, value in pairs:
            index = value.slice if isinstance(value, ast.Subscript) else None
            if isinstance(target, ast.Name) and isinstance(index, ast.Constant):
                if index.value == key:
                    return target.id
    return None


def _is_step_slice(node: ast.AST, da: str, t: str) -> bool:
    return (
        isinstance(node, ast.Subscript) and ast.unparse(node).replace(" ", "") == f"{da}[:,:,{t}]"
    )


def _apply(program: Program, edits: tuple[Edit, ...]) -> Program:
    """The program with each edited statement replaced by its fix. Only the statements on the
    way to an edit are copied; the rest is shared (the interpreter never changes a tree)."""
    fixes = {id(stmt): fix(stmt) for _, stmt, fix in edits}
    olds = {id(stmt): stmt for _, stmt, _ in edits}
    body, _ = _rebuild(program.tree.body, fixes, olds)
    return Program(ast.Module(body, []), program.text)


def _rebuild(block: list[ast.stmt], fixes: dict, olds: dict) -> tuple[list[ast.stmt], bool]:
    out: list[ast.stmt] = []
    changed = False
    for st in block:
        if id(st) in fixes:
            new = fixes[id(st)]
            for n in new if isinstance(new, list) else [new]:
                out.append(ast.fix_missing_locations(ast.copy_location(n, olds[id(st)])))
            changed = True
            continue
        blocks = [f for f in ("body", "orelse") if isinstance(getattr(st, f, None), list)]
        rebuilt = {f: _rebuild(getattr(st, f), fixes, olds) for f in blocks}
        inner = {f: b for f, (b, c) in rebuilt.items() if c}
        if inner:
            st = copy.copy(st)
            for f, b in inner.items():
                setattr(st, f, b)
            changed = True
        out.append(st)
    return out, changed


# -- the verdict ----------------------------------------------------------------------------------
def _check(
    program: Program, name: str, cases: list, repairs: list[Repair]
) -> tuple[LoopCheck, tuple[Edit, ...]]:
    """The verdict, and the edits that made the function right (to judge its callers by): one
    repair, else two (a repair is one mistake, made on one line or several)."""
    differs, error = _wrong(program, name, cases)
    if not differs:
        return LoopCheck(name, True), ()
    for k in (1, 2):
        for combo in itertools.combinations(repairs, k):
            edits = tuple(e for r in combo for e in r)
            if len({id(e[1]) for e in edits}) < len(edits):
                continue  # two repairs of one statement: one at a time
            if _right(_apply(program, edits), name, cases):
                found = tuple(_finding(e) for e in sorted(edits, key=lambda e: e[1].lineno))
                return LoopCheck(name, False, found, differs, error), edits
    return LoopCheck(name, False, (), differs, error), ()


def _finding(e: Edit) -> Finding:
    mistake, stmt, fix = e
    new = fix(stmt)
    corrected = "\n".join(ast.unparse(n) for n in (new if isinstance(new, list) else [new]))
    return _RnnFinding(mistake, stmt.lineno, ast.unparse(stmt), corrected)


class _RnnFinding(Finding):
    @property
    def title(self) -> str:
        return MISTAKES[self.mistake]

    @property
    def why(self) -> str:
        return _WHY[self.mistake]


def check_rnn_program(program: Program) -> list[LoopCheck]:
    """The verdicts on the ``rnn_cell_backward(da_next, cache)`` and ``rnn_backward(da, caches)``
    in ``program`` (those it defines; the course's signatures, caches and gradient dictionaries).
    ``rnn_backward`` is judged with the learner's own cell, repaired when the cell was wrong."""
    return check_cell_and_sequence(program, "rnn", _cell_edits, _cell_cases, _sequence_cases)


def check_cell_and_sequence(
    program: Program,
    kind: str,
    cell_edits: Callable[[ast.FunctionDef], list[Edit]],
    cell_cases: Callable[[], list],
    sequence_cases: Callable[[], list],
) -> list[LoopCheck]:
    """The verdicts on ``<kind>_cell_backward`` and ``<kind>_backward`` (those ``program``
    defines): the cell first; the sequence then judged with the learner's cell, repaired as the
    cell's verdict found when it was wrong (so one mistake is named once, where it was made)."""
    cell_name, sequence_name = f"{kind}_cell_backward", f"{kind}_backward"
    fns = program.functions
    found: list[LoopCheck] = []
    repairs: tuple = ()
    edits_of_cell = cell_edits(fns[cell_name]) if cell_name in fns else []
    if cell_name in fns:
        check, repairs = _check(program, cell_name, cell_cases(), _cell_repairs(edits_of_cell))
        found.append(check)
    if sequence_name in fns:
        repaired = _apply(program, repairs)
        edits = _sequence_edits(fns[sequence_name], kind)
        if not found or found[0].correct:  # a step mistake the cell's own draws missed
            edits += [e for e in edits_of_cell if e[0] in _STEP_MISTAKES]
        remap = _remap(program, repaired)
        edits = [(m, remap[s], _on(fix, s)) for m, s, fix in edits]
        grouped = [(e,) for e in edits] + accumulate_all(edits)
        check = _check(repaired, sequence_name, sequence_cases(), grouped)[0]
        if found and not found[0].correct:
            how = f"{cell_name} repaired as above" if repairs else f"your {cell_name}"
            check = LoopCheck(f"{sequence_name} (judged with {how})", *_fields(check))
        found.append(check)
    return found


def _cell_repairs(edits: list[Edit]) -> list[Repair]:
    """One repair per edit; a global weight read from the parameters everywhere at once too."""
    return [(e,) for e in edits] + grouped(edits, "weights-not-read")


_STEP_MISTAKES = {"a-wrong-step", "tanh-wrong-step", "dc-prev-no-forget", "gate-slices-mixed"}


def _remap(program: Program, repaired: Program) -> dict[ast.AST, ast.AST]:
    """Each node of the learner's functions to its copy in ``repaired`` (a function whose repair
    changed its shape is left out: its own repairs are never combined with others)."""
    out: dict[ast.AST, ast.AST] = {}
    for name, fn in program.functions.items():
        old, new = list(ast.walk(fn)), list(ast.walk(repaired.functions[name]))
        if len(old) == len(new):
            out.update(zip(old, new, strict=True))
    return out


def _fields(c: LoopCheck) -> tuple:
    return (c.correct, c.findings, c.differs, c.error, c.notes)


def _on(fix: Callable[[ast.stmt], ast.stmt], original: ast.stmt) -> Callable:
    """A repair found on the original statement, applied to its copy (same text, same nodes)."""
    return lambda _copy: fix(original)
