"""``cr.check_conv``: is a learner's ``conv_backward`` / ``pool_backward`` right — and if not, why?

The learner's loops are interpreted (:mod:`.loops`, a whitelist over Python's syntax tree; never
``exec``) on seeded arrays in two configurations chosen so that mistakes show (stride 2 and pad 1,
stride 1 and pad 2; n_H ≠ n_W, n_C ≠ n_C_prev; overlapping pooling windows) and compared with
chainrule's derived kernels (checked against PyTorch in tests/test_conv.py). A wrong pass is
diagnosed by *repairs*: each named mistake is an edit of the learner's syntax tree that undoes it
(cut the padding off, multiply the window start by the stride, ``=`` → ``+=``, un-flip the kernel,
put the channel index back, apply the max mask); the repair (or pair of repairs) that makes every
output right names the mistake, its line, and the corrected line in the learner's own names.

The mistakes are those learners post about, e.g. on the course's forum:
https://community.deeplearning.ai/t/week-1-assignment-1-optional-backprop-exercise-5-7/209979
(conv_backward means 1.4579 / 1.7519 / 7.2595 instead of 1.4524 / 1.7270 / 7.8392) and
https://community.deeplearning.ai/t/c4w1-optional-assignment-1-back-propagation/863333
(the filter indexed W[i, h, w, c] and dW[i, :, :, c]: examples, positions and channels mixed).
"""

from __future__ import annotations

import ast
import copy
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from ..errors import ParseError
from ..rules import conv_kernels as K
from .loops import LearnerError, Program, accumulate, read_program, swap_statement

__all__ = ["LoopCheck", "Finding", "check_conv", "MISTAKES"]

MISTAKES = {
    "padding-not-cut": "the padding is not cut off dA_prev",
    "no-stride": "the window starts without the stride",
    "not-accumulated": "a gradient is overwritten (=) instead of accumulated (+=)",
    "kernel-flipped": "the kernel is flipped in the scatter form",
    "channels-mixed": "the indices are in the wrong order (channels or positions mixed up)",
    "mask-missing": "the max-pooling gradient is spread over the whole window, not sent to the max",
}
_WHY = {
    "padding-not-cut": "dA_prev_pad has the padded shape; the gradient of the unpadded input is "
    "its middle, dA_prev_pad[pad:-pad, pad:-pad, :] (the padding is not an input).",
    "no-stride": "output position h reads the window starting at row h·stride, so that is where "
    "its gradient goes back to; without the stride the windows overlap wrongly.",
    "not-accumulated": "every example and every output position contributes to dW and db (and "
    "overlapping windows to dA_prev): the contributions add up, so each is added with +=.",
    "kernel-flipped": "in the scatter form each output position sends W·dZ back to the very "
    "window it read, entry for entry; the 180° rotation belongs to the gather form only.",
    "channels-mixed": "W[:, :, :, c] is filter c across every input channel, and dZ[i, h, w, c] "
    "is example i, position (h, w), channel c, in the loops' order.",
    "mask-missing": "max pooling's output is the window's maximum, so only the maximum (the "
    "course's mask x == np.max(x)) receives dA; average pooling spreads, max pooling does not.",
}


@dataclass(frozen=True)
class Finding:
    """One named mistake: where it is and how the line reads corrected."""

    mistake: str
    line: int
    written: str
    corrected: str

    @property
    def title(self) -> str:
        return MISTAKES[self.mistake]

    @property
    def why(self) -> str:
        return _WHY[self.mistake]


@dataclass(frozen=True)
class LoopCheck:
    """The verdict on one function: ``correct``, the findings that explain it, or what differs."""

    function: str
    correct: bool
    findings: tuple[Finding, ...] = ()
    differs: tuple[str, ...] = ()  # outputs that are wrong (dA_prev, dW, db)
    error: str | None = None  # the learner's code failed (and no repair fixed it)
    notes: tuple[str, ...] = field(default_factory=tuple)

    def text(self) -> str:
        if self.correct:
            return f"{self.function}: correct (agrees with the derived gradients on every draw)"
        lines = [f"{self.function}: wrong"]
        for f in self.findings:
            lines += [
                f"  line {f.line}: {f.title}",
                f"    you wrote:  {f.written}",
                "    corrected:  " + f.corrected.replace("\n", "\n" + " " * 16),
                f"    why: {f.why}",
            ]
        if not self.findings:
            if self.error:
                lines.append(f"  it fails: {self.error}")
            if self.differs:
                lines.append(
                    f"  wrong values in {', '.join(self.differs)}; no known mistake explains it"
                )
        return "\n".join(lines)


# -- the draws and the reference ------------------------------------------------------------------
def _conv_cases() -> Iterator[tuple[tuple, tuple]]:
    rng = np.random.default_rng(12)
    for s, p, f in ((2, 1, 3), (1, 2, 2)):
        A = rng.standard_normal((2, 5, 7, 3))
        W, b = rng.standard_normal((f, f, 3, 4)), rng.standard_normal((1, 1, 1, 4))
        n_H, n_W = (5 + 2 * p - f) // s + 1, (7 + 2 * p - f) // s + 1
        dZ = rng.standard_normal((2, n_H, n_W, 4))
        want = (
            K.conv2d_backward_input(dZ, W, s, p, 5, 7),
            K.conv2d_backward_filter(A, dZ, s, p, f),
            dZ.sum(axis=(0, 1, 2), keepdims=True),
        )
        yield (dZ, (A, W, b, {"stride": s, "pad": p})), want


def _pool_cases(mode: str) -> Iterator[tuple[tuple, tuple]]:
    rng = np.random.default_rng(13)
    for f, s in ((2, 1), (3, 2)):
        A = rng.standard_normal((2, 5, 7, 3))
        n_H, n_W = (5 - f) // s + 1, (7 - f) // s + 1
        dA = rng.standard_normal((2, n_H, n_W, 3))
        if mode == "max":
            want = K.max_pool_backward(A, dA, f, s)
        else:
            want = K.avg_pool_backward(dA, f, s, 5, 7)
        yield (dA, (A, {"f": f, "stride": s}), mode), (want,)


_OUTPUTS = {"conv_backward": ("dA_prev", "dW", "db"), "pool_backward": ("dA_prev",)}


def _wrong(program: Program, name: str, cases: list) -> tuple[tuple[str, ...], str | None]:
    """The outputs that differ on some draw (or the error the code raised)."""
    bad: list[str] = []
    for args, want in cases:
        try:
            got = program.call(name, *args)
        except LearnerError as e:
            return _OUTPUTS[name], str(e)
        got = got if isinstance(got, tuple) else (got,)
        if len(got) != len(want):
            return _OUTPUTS[name], f"it returns {len(got)} values, not {len(want)}"
        for label, g, w in zip(_OUTPUTS[name], got, want, strict=True):
            if np.shape(g) != w.shape or not np.allclose(g, w, rtol=1e-9, atol=1e-12):
                bad.append(label)
    return tuple(dict.fromkeys(bad)), None


# -- the repairs ----------------------------------------------------------------------------------
@dataclass
class _Names:
    """The learner's names for the course's quantities (from the function's own lines)."""

    pad: str = "pad"
    stride: str = "stride"
    a_prev: str = "A_prev"
    filters: str = "W"
    result: str = "dA_prev"
    loops: tuple[str, ...] = ()


def _names(fn: ast.FunctionDef) -> _Names:
    n = _Names()
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Subscript):
            key = node.value.slice
            if isinstance(key, ast.Constant) and isinstance(node.targets[0], ast.Name):
                if key.value in ("pad", "stride"):
                    setattr(n, key.value, node.targets[0].id)
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Name)
            and node.value.id == "cache"
        ):
            t = node.targets[0]
            if isinstance(t, ast.Tuple) and t.elts and isinstance(t.elts[0], ast.Name):
                n.a_prev = t.elts[0].id
                if len(t.elts) > 1 and isinstance(t.elts[1], ast.Name) and len(t.elts) == 4:
                    n.filters = t.elts[1].id
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple | ast.Name):
            first = node.value.elts[0] if isinstance(node.value, ast.Tuple) else node.value
            n.result = first.id if isinstance(first, ast.Name) else n.result
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            n.loops += (node.target.id,)
    return n


def _loops_of(fn: ast.FunctionDef) -> dict[ast.AST, tuple[str, ...]]:
    """For every node, the loop variables of the for-loops around it, outermost first."""
    out: dict[ast.AST, tuple[str, ...]] = {}

    def visit(node: ast.AST, loops: tuple[str, ...]) -> None:
        out[node] = loops
        inner = loops + (node.target.id,) if isinstance(node, ast.For) else loops
        for child in ast.iter_child_nodes(node):
            visit(child, loops if child is getattr(node, "iter", None) else inner)

    visit(fn, ())
    return out


def _expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def _base(e: ast.expr) -> str | None:
    while isinstance(e, ast.Subscript):
        e = e.value
    return e.id if isinstance(e, ast.Name) else None


def _is_reversed(s: ast.expr) -> bool:
    return (
        isinstance(s, ast.Slice)
        and s.lower is None
        and s.upper is None
        and ast.unparse(s) == "::-1"
    )


Edit = tuple[str, ast.stmt, Callable[[ast.stmt], ast.stmt]]


def _edits(fn: ast.FunctionDef) -> list[Edit]:
    """Every place a named mistake could be undone: (mistake, statement, the statement repaired)."""
    n, loops = _names(fn), _loops_of(fn)
    out: list[Edit] = []
    for s in ast.walk(fn):
        if not isinstance(s, ast.Assign | ast.AugAssign):
            continue
        around = loops.get(s, ())
        target = s.targets[0] if isinstance(s, ast.Assign) else s.target
        value = s.value
        if isinstance(s, ast.Assign) and _base(target) == n.result and isinstance(value, ast.Name):
            cut = _expr(f"{value.id}[{n.pad}:-{n.pad}, {n.pad}:-{n.pad}, :]")
            out.append(("padding-not-cut", s, lambda st, cut=cut: _with_value(st, cut)))
        if isinstance(target, ast.Name) and isinstance(value, ast.Name) and value.id in around[1:]:
            strided = _expr(f"{value.id} * {n.stride}")
            out.append(("no-stride", s, lambda st, v=strided: _with_value(st, v)))
        if isinstance(s, ast.Assign) and isinstance(target, ast.Subscript) and len(around) >= 2:
            if (_base(target) or "").startswith("d"):
                out.append(("not-accumulated", s, accumulate))
        if isinstance(s, ast.AugAssign) and "max" in ast.unparse(fn) and _base(target) == n.result:
            if "mask" not in ast.unparse(value) and "==" not in ast.unparse(value):
                window = n.a_prev + ast.unparse(target)[len(_base(target) or "") :]
                masked = _expr(f"({window} == np.max({window})) * ({ast.unparse(value)})")
                out.append(("mask-missing", s, lambda st, v=masked: _with_value(st, v)))
        for sub in ast.walk(value):
            if isinstance(sub, ast.Subscript) and isinstance(sub.slice, ast.Tuple):
                out += _index_edits(s, sub, around, n)
    return out


def _index_edits(s: ast.stmt, sub: ast.Subscript, around: tuple, n: _Names) -> list[Edit]:
    elts = sub.slice.elts
    out: list[Edit] = []
    if len(elts) >= 2 and _is_reversed(elts[0]) and _is_reversed(elts[1]):
        fixed = ast.unparse(sub).replace("::-1, ::-1", ":, :", 1)
        out.append(("kernel-flipped", s, _replace(sub, fixed)))
    names = [e.id if isinstance(e, ast.Name) else None for e in elts]
    if len(elts) == 4 and all(names) and sorted(names) == sorted(around) and names != list(around):
        fixed = f"{ast.unparse(sub.value)}[{', '.join(around)}]"
        out.append(("channels-mixed", s, _replace(sub, fixed)))
    if _base(sub) == n.filters and len(elts) == 4:
        text = [ast.unparse(e) for e in elts]
        if text[3] == ":" and text[2] != ":":
            fixed = f"{ast.unparse(sub.value)}[{text[0]}, {text[1]}, :, {text[2]}]"
            out.append(("channels-mixed", s, _replace(sub, fixed)))
    return out


def _with_value(st: ast.stmt, value: ast.expr) -> ast.stmt:
    new = copy.deepcopy(st)
    new.value = value
    return new


def _replace(sub: ast.Subscript, text: str) -> Callable[[ast.stmt], ast.stmt]:
    old = ast.unparse(sub)

    def apply(st: ast.stmt) -> ast.stmt:
        return ast.parse(ast.unparse(st).replace(old, text, 1)).body[0]

    return apply


def _apply(program: Program, fn_name: str, edits: tuple[Edit, ...]) -> Program:
    tree = copy.deepcopy(program.tree)
    fn_index = next(
        k for k, s in enumerate(program.tree.body) if getattr(s, "name", None) == fn_name
    )
    old_fn, new_fn = program.tree.body[fn_index], tree.body[fn_index]
    mapping = dict(zip(ast.walk(old_fn), ast.walk(new_fn), strict=True))
    for _, stmt, fix in edits:
        swap_statement(new_fn, mapping[stmt], fix(stmt))
    return Program(ast.fix_missing_locations(tree), program.text)


# -- the verdict ----------------------------------------------------------------------------------
def _check(program: Program, name: str, cases: list) -> LoopCheck:
    differs, error = _wrong(program, name, cases)
    if not differs:
        return LoopCheck(name, True)
    fn = program.functions[name]
    edits = _edits(fn)
    for k in (1, 2):
        for combo in itertools.combinations(edits, k):
            if len({id(e[1]) for e in combo}) < k:
                continue  # two repairs of one statement: one at a time
            repaired = _apply(program, name, combo)
            if not _wrong(repaired, name, cases)[0]:
                return LoopCheck(name, False, tuple(_finding(e) for e in combo), differs, error)
    return LoopCheck(name, False, (), differs, error)


def _finding(e: Edit) -> Finding:
    mistake, stmt, fix = e
    return Finding(mistake, stmt.lineno, ast.unparse(stmt), ast.unparse(fix(stmt)))


def check_conv(text: str) -> tuple[LoopCheck, ...]:
    """Judge the ``conv_backward(dZ, cache)`` and ``pool_backward(dA, cache, mode)`` in ``text``
    (the course's signatures and caches); ``pool_backward`` in both modes."""
    program = read_program(text)
    found = []
    if "conv_backward" in program.functions:
        found.append(_check(program, "conv_backward", list(_conv_cases())))
    if "pool_backward" in program.functions:
        for mode in ("max", "average"):
            check = _check(program, "pool_backward", list(_pool_cases(mode)))
            found.append(LoopCheck(f"pool_backward (mode {mode!r})", *_fields(check)))
    if not found:
        raise ParseError(
            "no conv_backward(dZ, cache) or pool_backward(dA, cache, mode) in the text",
            hint="paste the whole function, as the course's notebook writes it",
        )
    return tuple(found)


def _fields(c: LoopCheck) -> tuple:
    return (c.correct, c.findings, c.differs, c.error, c.notes)
