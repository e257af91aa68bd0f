"""A forward pass with one loop over time, read (never run) into a scan: a cell and its wiring.

The course writes a recurrence as preallocated arrays and a loop::

    a = np.zeros((n_a, m, T_x))
    a_next = a0
    for t in range(T_x):
        xt = x[:, :, t]
        a_next = np.tanh(Waa @ a_next + Wax @ xt + ba)
        a[:, :, t] = a_next

This module splits such text into a :class:`Loop`: the *cell* (the loop body as straight-line
statements, read by the model parser of :mod:`chainrule.lang.program`), the *carried* state (a name
read by the body before the body writes it: ``a_next``, whose value at the start of step t is
called ``a_prev``), the *per-step inputs* (``x[:, :, t]``, the last axis being time), and the
*stacked outputs* (``a[:, :, t] = a_next``). The loop is one construct; it is never unrolled.
Whatever the language cannot express — a bound that depends on data, writes that overlap, a name
read before anything writes it — is a :class:`ParseError` naming its line and column.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import ParseError
from ..ir.shapes import check_shape, normal_dim
from ..lang.program import Statements, parse_statements

__all__ = ["Loop", "read_loop"]


@dataclass(frozen=True)
class Loop:
    """One loop over time, as data.

    ``carried``: (name written by the body, name of its value at the start of a step, initial
    value: an input's name or ``None`` for zeros). ``steps_in``: (per-step name, sequence input).
    ``stacked``: (preallocated array, the body's name written into it). ``cell`` holds the body's
    equations with the per-step and carried-in names as inputs.
    """

    time: str  # the dimension the loop runs over: "T_x"
    cell: Statements
    carried: tuple[tuple[str, str, str | None], ...]
    steps_in: tuple[tuple[str, str], ...]
    stacked: tuple[tuple[str, str], ...]
    outputs: tuple[str, ...]  # what the function returns (stacked arrays)
    shapes: dict  # every input's shape, and each stacked array's
    source: str
    one_hot: tuple[str, ...] = ()  # sequences declared one-hot along axis 0 (labels y⟨t⟩)
    cost: str | None = None  # a stacked array whose sum is the cost: its gradient is 1


def read_loop(
    source: str,
    shapes: Mapping[str, tuple],
    one_hot: tuple[str, ...] = (),
    cost: str | None = None,
) -> Loop:
    """Read ``source`` (one ``def`` or statements) holding one ``for t in range(T):`` loop.

    ``one_hot`` names sequences whose every column is one-hot (the labels ``Y``): their step
    ``yt`` carries the fact ``Σ_k yt[k, j] = 1`` (``sums_to_one@0``), which the simplifier uses.
    ``cost`` names a stacked array (``L``) whose sum over steps and examples is the cost: the
    cell's scalar then adds ``Σ lt`` itself, so ``dlt = 1`` is known while deriving."""
    text = textwrap.dedent(source).strip("\n")
    try:
        tree = ast.parse(text)
    except SyntaxError as e:
        raise ParseError(f"line {e.lineno}: syntax error: {e.msg}", source=e.text or "") from None
    body = tree.body
    if len(body) == 1 and isinstance(body[0], ast.FunctionDef):
        body = body[0].body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    declared = {n: tuple(normal_dim(d) for d in check_shape(tuple(s))) for n, s in shapes.items()}
    return _Reader(text, declared, tuple(one_hot), cost).read(body)


class _Reader:
    def __init__(
        self, text: str, shapes: dict, one_hot: tuple[str, ...] = (), cost: str | None = None
    ) -> None:
        self.text, self.shapes, self.one_hot, self.cost = text, shapes, one_hot, cost
        self.lines = text.splitlines()
        self.arrays: dict[str, tuple] = {}  # preallocated: name -> shape
        self.init: dict[str, str | None] = {}  # carried candidates: name -> input or None (zeros)
        self.dims: set[str] = {d for s in shapes.values() for d in s if isinstance(d, str)}

    def error(self, node: ast.AST, message: str, hint: str | None = None) -> ParseError:
        line = self.lines[node.lineno - 1] if hasattr(node, "lineno") else ""
        return ParseError(
            f"line {node.lineno}: {message}", source=line, col=node.col_offset, hint=hint
        )

    def seg(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or ""

    # -- before the loop ---------------------------------------------------------------------
    def read(self, body: list[ast.stmt]) -> Loop:
        loops = [s for s in body if isinstance(s, ast.For)]
        if len(loops) != 1:
            where = loops[1] if loops else (body[0] if body else None)
            msg = "one loop over time per model" if loops else "no `for t in range(T_x):` loop"
            if where is None:
                raise ParseError("empty model")
            raise self.error(where, msg, "write the recurrence as one for loop over t")
        i = body.index(loops[0])
        for stmt in body[:i]:
            self.prelude(stmt)
        outputs = self.epilogue(body[i + 1 :])
        return self.loop(loops[0], outputs)

    def prelude(self, stmt: ast.stmt) -> None:
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
            raise self.error(stmt, "before the loop: sizes, np.zeros arrays and initial states")
        target, value = stmt.targets[0], stmt.value
        if isinstance(target, ast.Tuple):  # n_x, m, T_x = x.shape
            if not (isinstance(value, ast.Attribute) and value.attr == "shape"):
                raise self.error(stmt, "only sizes may be unpacked: n_x, m, T_x = x.shape")
            self.dims.update(e.id for e in target.elts if isinstance(e, ast.Name))
            return
        if not isinstance(target, ast.Name):
            raise self.error(stmt, "assign to a plain name before the loop")
        name = target.id
        if (
            isinstance(value, ast.Subscript)
            and isinstance(value.value, ast.Attribute)
            and value.value.attr == "shape"
        ):  # n_a = a0.shape[0]
            self.dims.add(name)
            return
        if isinstance(value, ast.Name):
            if value.id not in self.shapes:
                raise self.error(value, f"{value.id} is used before it is written")
            self.init[name] = value.id
            return
        if isinstance(value, ast.Call) and self.seg(value.func) in ("np.zeros", "zeros"):
            shape = self.zeros_shape(value)
            if len(shape) >= 3 or (len(shape) and shape[-1] in self.time_candidates()):
                self.arrays[name] = shape
            else:
                self.init[name] = None
                self.shapes[f"{name}:zeros"] = shape
            return
        raise self.error(
            stmt, "before the loop: sizes, np.zeros arrays and initial states (a_next = a0)"
        )

    def time_candidates(self) -> set:
        return {s[-1] for s in self.shapes.values() if len(s) >= 3}

    def zeros_shape(self, call: ast.Call) -> tuple:
        arg = call.args[0] if call.args else None
        if (
            isinstance(arg, ast.Attribute)
            and arg.attr == "shape"
            and isinstance(arg.value, ast.Name)
        ):
            src = arg.value.id
            if src in self.init and self.init[src] in self.shapes:
                return self.shapes[self.init[src]]
            if src in self.shapes:
                return self.shapes[src]
        if isinstance(arg, ast.Tuple):
            out = []
            for e in arg.elts:
                if isinstance(e, ast.Constant) and isinstance(e.value, int):
                    out.append(e.value)
                elif isinstance(e, ast.Name) and e.id in self.dims:
                    out.append(e.id)
                else:
                    raise self.error(e, f"unknown size {self.seg(e)}", "use a declared dimension")
            return tuple(out)
        raise self.error(call, "np.zeros takes a tuple of sizes or an array's .shape")

    def epilogue(self, body: list[ast.stmt]) -> tuple[str, ...]:
        if not body:
            return tuple(self.arrays)
        if len(body) > 1 or not isinstance(body[0], ast.Return):
            raise self.error(body[0], "after the loop: return the stacked arrays")
        value = body[0].value
        elts = value.elts if isinstance(value, ast.Tuple) else [value]
        for e in elts:
            if not (isinstance(e, ast.Name) and e.id in self.arrays):
                raise self.error(e, "return the arrays the loop fills (a, y_pred)")
        return tuple(e.id for e in elts)

    # -- the loop ----------------------------------------------------------------------------
    def loop(self, node: ast.For, outputs: tuple[str, ...]) -> Loop:
        time = self.bound(node)
        t = node.target.id
        steps_in: dict[str, str] = {}  # sequence input -> per-step name
        stacked: list[tuple[str, str]] = []
        written: set[str] = set()
        carried_read: dict[str, ast.Name] = {}
        cell_lines: list[tuple[int, str]] = []
        for stmt in node.body:
            if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
                raise self.error(stmt, "inside the loop: one assignment per line")
            target = stmt.targets[0]
            if isinstance(target, ast.Subscript):
                stacked.append(self.write(stmt, target, t, time, written, stacked))
                continue
            if not isinstance(target, ast.Name):
                raise self.error(target, "assign to a plain name or to a[:, :, t]")
            if (
                isinstance(stmt.value, ast.Subscript)
                and isinstance(stmt.value.value, ast.Name)
                and stmt.value.value.id in self.shapes
            ):
                self.per_step(stmt.value, t, time)
                seq = stmt.value.value.id
                if seq in steps_in:
                    raise self.error(stmt, f"{seq}[:, :, {t}] is read twice; read it once")
                steps_in[seq] = target.id
                written.add(target.id)
                continue
            line = self.cell_line(stmt, t, time, steps_in, written, carried_read)
            if target.id in written:
                raise self.error(
                    target, f"{target.id} is written twice in one step", "name each quantity once"
                )
            written.add(target.id)
            cell_lines.append((stmt.lineno, line))
        carried = self.carried(carried_read, written)
        return self.build(time, cell_lines, carried, steps_in, stacked, outputs)

    def bound(self, node: ast.For) -> str:
        it = node.iter
        ok = (
            isinstance(node.target, ast.Name)
            and isinstance(it, ast.Call)
            and self.seg(it.func) == "range"
            and len(it.args) == 1
            and not it.keywords
        )
        if ok:
            arg = it.args[0]
            if isinstance(arg, ast.Name) and arg.id in self.time_candidates():
                return arg.id
            if (
                isinstance(arg, ast.Subscript)
                and isinstance(arg.value, ast.Attribute)
                and arg.value.attr == "shape"
                and isinstance(arg.value.value, ast.Name)
                and arg.value.value.id in self.shapes
            ):
                return self.shapes[arg.value.value.id][-1]
        raise self.error(
            it,
            f"the loop's bound {self.seg(it)} is not the length of the sequence",
            "loop over time with for t in range(T_x), T_x the last axis of x "
            "(a bound computed from data cannot be derived)",
        )

    def per_step(self, node: ast.Subscript, t: str, time: str) -> None:
        name = node.value.id
        shape = self.shapes[name]
        if not shape or shape[-1] != time or not self.is_slice_t(node, t, len(shape)):
            raise self.error(
                node,
                f"read one step of {name} as {name}[{':, ' * (len(shape) - 1)}{t}]",
                "time is the last axis",
            )

    def is_slice_t(self, node: ast.Subscript, t: str, rank: int) -> bool:
        idx = node.slice
        elts = idx.elts if isinstance(idx, ast.Tuple) else [idx]
        if len(elts) != rank:
            return False
        full = all(
            isinstance(e, ast.Slice) and e.lower is e.upper is e.step is None for e in elts[:-1]
        )
        return full and isinstance(elts[-1], ast.Name) and elts[-1].id == t

    def write(self, stmt, target, t, time, written, stacked) -> tuple[str, str]:
        if not isinstance(target.value, ast.Name) or target.value.id not in self.arrays:
            raise self.error(target, f"{self.seg(target.value)} was not preallocated with np.zeros")
        name = target.value.id
        shape = self.arrays[name]
        if shape[-1] != time or not self.is_slice_t(target, t, len(shape)):
            raise self.error(
                target,
                f"the write {self.seg(target)} does not fill one step: writes would overlap",
                f"write {name}[{':, ' * (len(shape) - 1)}{t}] = … once per step",
            )
        if any(s == name for s, _ in stacked):
            raise self.error(target, f"{name}[…, {t}] is written twice in one step (overlap)")
        if not isinstance(stmt.value, ast.Name) or stmt.value.id not in written:
            raise self.error(
                stmt.value, "write a name computed in this step, e.g. a[:, :, t] = a_next"
            )
        return name, stmt.value.id

    def cell_line(self, stmt, t, time, steps_in, written, carried_read) -> str:
        """The statement's text with carried-in names renamed and per-step reads named."""
        edits: list[tuple[int, int, str]] = []
        base = stmt.col_offset
        taken: set[int] = set()  # the nodes inside a per-step read x[:, :, t]
        for n in ast.walk(stmt.value):
            if id(n) in taken:
                continue
            if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name):
                taken.update(id(c) for c in ast.walk(n))
                if n.value.id in self.arrays:
                    raise self.error(
                        n,
                        f"{n.value.id} is filled by the loop; read the carried state instead",
                        "use a_prev (the value carried from the previous step)",
                    )
                if n.value.id in self.shapes:
                    self.per_step(n, t, time)
                    name = steps_in.setdefault(n.value.id, n.value.id + "t")
                    edits.append((n.col_offset, n.end_col_offset, name))
            elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                if n.id == t:
                    raise self.error(n, f"the step {t} is used as a number", "use slices only")
                if n.id in written or n.id in self.shapes or n.id in self.dims:
                    continue
                if n.id in self.init:
                    carried_read.setdefault(n.id, n)
                    edits.append((n.col_offset, n.end_col_offset, _prev(n.id)))
                    continue
                if n.id in ("np", "numpy") or n.id in _FUNCTIONS:
                    continue
                raise self.error(
                    n, f"{n.id} is used before it is written", "define it earlier in the step"
                )
        if stmt.lineno != stmt.end_lineno:
            raise self.error(stmt, "write each statement of the loop on one line")
        line = self.lines[stmt.lineno - 1]
        for a, b, new in sorted(edits, reverse=True):
            line = line[:a] + new + line[b:]
        return line[base:]

    def carried(self, read: dict[str, ast.Name], written: set[str]) -> list:
        out = []
        for name, node in read.items():
            if name not in written:
                raise self.error(
                    node, f"{name} is read in the loop but never updated", "update it each step"
                )
            out.append((name, _prev(name), self.init[name]))
        return out

    def build(self, time, cell_lines, carried, steps_in, stacked, outputs) -> Loop:
        shapes = {n: s for n, s in self.shapes.items() if ":" not in n}
        carry_shapes = {}
        for name, prev, init in carried:
            shape = shapes[init] if init else self.shapes[f"{name}:zeros"]
            carry_shapes[prev] = shape
        cell_shapes = dict(shapes)
        cell_shapes.update(carry_shapes)
        for seq, step in steps_in.items():
            cell_shapes[step] = shapes[seq][:-1]
        # the cell's scalar: each output weighted by its cotangent (an input of the cell); the
        # cost's step enters as itself (its gradient is 1)
        summed = self.summed(carried, stacked)
        outs = [n for n, _, _ in carried] + [v for a, v in stacked if a != self.cost]
        outs = list(dict.fromkeys(outs))
        terms = [f"np.sum(d{v} * {v})" for v in outs] + [f"np.sum({v})" for v in summed]
        text = "\n".join(line for _, line in cell_lines) + "\nJ_cell = " + " + ".join(terms)
        for v in outs:
            cell_shapes[f"d{v}"] = ("?",)  # filled in once the cell is read
        shapes_first = {k: v for k, v in cell_shapes.items() if not k.startswith("d")}
        props = {steps_in[s]: ("sums_to_one@0",) for s in self.one_hot if s in steps_in}
        try:
            probe = parse_statements(text.rsplit("\n", 1)[0], shapes_first, props=props)
        except ParseError as e:
            raise self.relined(e, cell_lines) from None
        out_shape = {eq.name: eq.expr.shape for eq in probe.equations}
        for v in outs:
            cell_shapes[f"d{v}"] = out_shape[v]
        for name, prev, _ in carried:
            if out_shape[name] != carry_shapes[prev]:
                raise ParseError(
                    f"{name} has shape {out_shape[name]} but starts as {carry_shapes[prev]}"
                )
        cell = parse_statements(
            text, {**shapes_first, **{f"d{v}": cell_shapes[f"d{v}"] for v in outs}}, props=props
        )
        for arr, v in stacked:
            want = self.arrays[arr][:-1]
            if tuple(want) != tuple(out_shape[v]):
                raise ParseError(f"{arr}[…, t] has shape {want} but {v} has shape {out_shape[v]}")
            shapes[arr] = self.arrays[arr]
        return Loop(
            time,
            cell,
            tuple(carried),
            tuple((step, seq) for seq, step in steps_in.items()),
            tuple(stacked),
            outputs,
            shapes,
            self.text,
            tuple(self.one_hot),
            self.cost,
        )

    def summed(self, carried, stacked) -> list[str]:
        """The step written into the cost array (none without a cost)."""
        if self.cost is None:
            return []
        arrays = {a: v for a, v in stacked}
        if self.cost not in arrays:
            raise ParseError(
                f"the cost {self.cost} is not an array the loop fills",
                hint=f"arrays: {', '.join(arrays) or 'none'}",
            )
        if arrays[self.cost] in {n for n, _, _ in carried}:
            raise ParseError(f"the cost {self.cost} is filled with a carried state")
        return [arrays[self.cost]]

    def relined(self, e: ParseError, cell_lines: list[tuple[int, str]]) -> ParseError:
        msg = e.message
        if msg.startswith("line "):
            head, _, rest = msg.partition(":")
            k = int(head.split()[1])
            if 1 <= k <= len(cell_lines):
                lineno = cell_lines[k - 1][0]
                return ParseError(
                    f"line {lineno}:{rest}", source=self.lines[lineno - 1].strip(), hint=e.hint
                )
        return e


_FUNCTIONS = {"softmax", "sigmoid", "tanh", "relu", "exp", "log"}


def _prev(name: str) -> str:
    return name[: -len("_next")] + "_prev" if name.endswith("_next") else name + "_prev"
