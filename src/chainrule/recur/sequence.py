"""A recurrence: a cell derived once, and backpropagation through time printed as a reverse loop.

The cell is an ordinary model (its body's statements, with the carried-in state ``a_prev`` and the
step's input ``xt`` as inputs) whose scalar is ``Σ da_next ⊙ a_next + …``: each output weighted by
its cotangent, so reverse mode over the cell is its VJP — ``da_prev``, ``dxt`` and the step's
``dWaa``. Backpropagation through time is then one loop, ``for t in reversed(range(T_x))``, that

* adds the two uses of a⟨t⟩: ``da_next = da[:, :, t] + da_prev`` (the output at t and step t+1),
* runs the cell's steps, and
* accumulates ``dWaa += …``: the weights are shared by every step, so their gradient is the sum
  of the gradients of their uses.

The derivation and the code are independent of T: the loop is never unrolled. The NumPy module
printed here is what :meth:`Recurrence.backward` runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..autodiff import Derivation
from ..autodiff.derivation import needed
from ..codegen import compile_module
from ..errors import EvaluationError, UnknownNameError
from ..evaluate import as_array
from ..ir.expr import Expr
from ..lang.program import model_source
from ..nets.model import Model
from ..printers.numpy_code import NumpyPrinter
from ..printers.numpy_module import helpers_used
from .reader import Loop, read_loop

__all__ = ["NUMPY", "Recurrence", "Spelling", "recurrence"]


@dataclass(frozen=True)
class Spelling:
    """What a loop's module spells differently in NumPy and PyTorch: the printer, and how zeros
    are made (``zeros("(n_a, m)")``, ``zeros_like("Waa")``); ``no_grad`` marks the backward
    function as computing its gradients itself (no autograd)."""

    printer: Callable[[], NumpyPrinter]
    zeros: Callable[[str], str]
    zeros_like: Callable[[str], str]
    no_grad: str = ""


NUMPY = Spelling(NumpyPrinter, "np.zeros({})".format, "np.zeros({}.shape)".format)


class Recurrence:
    """A forward pass with a loop over time: its cell, its derivation and its BPTT code."""

    def __init__(self, loop: Loop, name: str = "recurrence", data: tuple[str, ...] = ()) -> None:
        self.loop, self.name, self.data = loop, name, data  # data: sequences not differentiated

    # -- the mathematics ----------------------------------------------------------------------
    @cached_property
    def cell(self) -> Model:
        """The loop body as a model of one step; its ``wrt`` is every input but the cotangents."""
        s = self.loop.cell
        skip = {f"d{v}" for v in self.cotangents}
        skip |= {step for step, seq in self.loop.steps_in if seq in self.data}
        wrt = tuple(v.name for v in s.inputs if v.name not in skip)
        return Model(s, wrt, {}, f"{self.name} cell")

    @property
    def cell_outputs(self) -> list[str]:
        lp = self.loop
        return list(dict.fromkeys([n for n, _, _ in lp.carried] + [v for _, v in lp.stacked]))

    @property
    def upstream_arrays(self) -> list[str]:
        """The stacked arrays whose gradient is given from above (all but the cost)."""
        return [a for a, _ in self.loop.stacked if a != self.loop.cost]

    @property
    def cotangents(self) -> list[str]:
        """The cell's outputs that receive a gradient from outside the step: carried states
        (from step t+1) and what an upstream array stores (from above); ``d{v}`` is a cell input."""
        lp = self.loop
        ups = set(self.upstream_arrays)
        out = [n for n, _, _ in lp.carried] + [v for a, v in lp.stacked if a in ups]
        return list(dict.fromkeys(out))

    def upstream_terms(self, v: str, at_t: Callable[[str], str]) -> list[str]:
        """What ``d{v}`` starts as in the reverse loop: the upstream array's slice at t
        (``at_t("a")`` spells it) plus ``d{prev}`` from step t+1 for a carried state."""
        lp = self.loop
        terms = [at_t(a) for a, w in lp.stacked if w == v and a in self.upstream_arrays]
        return terms + [f"d{prev}" for name, prev, _ in lp.carried if name == v]

    @cached_property
    def derivation(self) -> Derivation:
        """The cell's backward steps (exact convention): one step of the reverse loop."""
        return self.cell.derive("exact")

    @property
    def params(self) -> list[str]:
        """The inputs shared by every step (weights and biases)."""
        per_step = {p for _, p, _ in self.loop.carried} | {s for s, _ in self.loop.steps_in}
        return [w for w in self.cell.wrt if w not in per_step]

    @property
    def inputs(self) -> list[str]:
        """The function's inputs: sequences, initial states, parameters (declaration order)."""
        used = {seq for _, seq in self.loop.steps_in} | {i for _, _, i in self.loop.carried if i}
        used |= set(self.params)
        return [n for n in self.loop.shapes if n in used]

    def backward_steps(self) -> list[tuple[str, Expr, str]]:
        """``(target, formula, how)``; ``how`` is ``"="`` or ``"+="`` (a shared parameter).
        Only what an input's gradient reads: ``dlt = 1`` and ``dŷ⟨t⟩`` are written into
        ``dz⟨t⟩ = ŷ⟨t⟩ − y⟨t⟩`` when the cost and the one-hot labels are declared."""
        cot = {f"d{v}" for v in self.cotangents}
        steps = self.derivation.steps
        roots = [s.target for s in steps if s.kind != "intermediate"]
        keep = needed(roots, {s.target: s.expr for s in steps})
        out = []
        for s in steps:
            if s.target in cot and s.expr.is_leaf and s.expr.name == s.target:
                continue  # d a_next = d a_next: the loop's own line says what it is
            if s.target in keep:
                out.append((s.target, s.expr, "+=" if s.of in self.params else "="))
        return out

    # -- code ---------------------------------------------------------------------------------
    def source(self) -> str:
        """The NumPy module: ``forward(**inputs)`` and ``backward(upstream, **inputs)``."""
        head = [f'"""NumPy code printed by chainrule from {self.name} (BPTT as one loop)."""\n']
        head.append("import numpy as np\n")
        head += helpers_used(self.expressions())
        return "\n\n".join([*head, *self.loop_functions(NUMPY)])

    @property
    def cell_equations(self) -> list[tuple[str, Expr]]:
        """The cell's forward equations (without its scalar ``J_cell``)."""
        return [(eq.name, eq.expr) for eq in self.loop.cell.equations if eq.name != "J_cell"]

    def expressions(self) -> list[Expr]:
        """Every formula the printed module evaluates (to find the helpers it calls)."""
        return [e for _, e in self.cell_equations] + [e for _, e, _ in self.backward_steps()]

    def loop_functions(self, spelling: Spelling) -> tuple[str, str]:
        """The source of ``forward`` (the loop, caching each step) and ``backward`` (BPTT)."""
        p = spelling.printer()
        return (
            self._forward(p, self.cell_equations, spelling),
            self._backward(p, self.backward_steps(), spelling),
        )

    def dim_lines(self) -> list[str]:
        """``n_x = x.shape[0]`` …: each named dimension, read from the first input having it."""
        lines, bound = [], set()
        for n in self.inputs:
            for axis, d in enumerate(self.loop.shapes[n]):
                if isinstance(d, str) and d.isidentifier() and d not in bound:
                    bound.add(d)
                    lines.append(f"    {d} = {n}.shape[{axis}]")
        return lines

    def _forward(self, p: NumpyPrinter, cell_eqs: list, sp: Spelling) -> str:
        lp = self.loop
        sig = ", ".join(self.inputs)
        lines = [f"def forward(*, {sig}):", '    """The forward loop; caches[t] holds step t."""']
        lines += self.dim_lines()
        for arr, _ in lp.stacked:
            lines.append(f"    {arr} = {sp.zeros(p.shape(lp.shapes[arr]))}")
        for name, prev, init in lp.carried:
            start = init or sp.zeros(p.shape(self.shape_of(prev)))
            lines.append(f"    {name} = {start}")
        lines += ["    caches = []", f"    for t in range({lp.time}):"]
        for name, prev, _ in lp.carried:
            lines.append(f"        {prev} = {name}")
        for step, seq in lp.steps_in:
            lines.append(f"        {step} = {seq}[{':, ' * (len(lp.shapes[seq]) - 1)}t]")
        lines += [f"        {n} = {p.shaped(e)}" for n, e in cell_eqs]
        for arr, v in lp.stacked:
            lines.append(f"        {arr}[{':, ' * (len(lp.shapes[arr]) - 1)}t] = {v}")
        cache = ", ".join(self.cache_names)
        lines.append(f"        caches.append(({cache},))")
        lines.append(
            f"    return {{{', '.join(f'{chr(34)}{a}{chr(34)}: {a}' for a in lp.outputs)}"
            f", {chr(34)}caches{chr(34)}: caches}}"
        )
        return "\n".join(lines) + "\n"

    def shape_of(self, name: str) -> tuple:
        """The shape of one of the cell's inputs (``a_prev``: ``(n_a, m)``)."""
        return next(v.shape for v in self.loop.cell.inputs if v.name == name)

    @property
    def cache_names(self) -> list[str]:
        lp = self.loop
        names = [prev for _, prev, _ in lp.carried] + [s for s, _ in lp.steps_in]
        return names + [eq.name for eq in lp.cell.equations if eq.name != "J_cell"]

    def _backward(self, p: NumpyPrinter, steps: list, sp: Spelling) -> str:
        lp = self.loop
        sig = ", ".join(self.inputs)
        ups = "".join(f"d{a}, " for a in self.upstream_arrays)
        lines = [
            *([sp.no_grad] if sp.no_grad else []),
            f"def backward(*, {ups}caches, {sig}):",
            '    """Backpropagation through time: one reverse loop over the steps."""',
            *self.dim_lines(),
        ]
        steps_in = [(step, seq) for step, seq in lp.steps_in if seq not in self.data]
        for _, seq in steps_in:
            lines.append(f"    d{seq} = {sp.zeros_like(seq)}")
        for w in self.params:
            lines.append(f"    d{w} = {sp.zeros_like(w)}")
        for _, prev, _ in lp.carried:
            lines.append(f"    d{prev} = {sp.zeros(p.shape(self.shape_of(prev)))}")
        lines.append(f"    for t in reversed(range({lp.time})):")
        lines.append(f"        ({', '.join(self.cache_names)},) = caches[t]")
        for v in self.cotangents:
            terms = self.upstream_terms(v, lambda a: f"d{a}[{':, ' * (len(lp.shapes[a]) - 1)}t]")
            lines.append(f"        d{v} = {' + '.join(terms)}")
        for target, e, how in steps:
            lines.append(f"        {target} {how} {p.shaped(e)}")
        for step, seq in steps_in:
            lines.append(f"        d{seq}[{':, ' * (len(lp.shapes[seq]) - 1)}t] = d{step}")
        out = [f'"d{w}": d{w}' for w in self.params]
        out += [f'"d{seq}": d{seq}' for _, seq in steps_in]
        out += [f'"d{init}": d{prev}' for _, prev, init in lp.carried if init]
        lines.append(f"    return {{{', '.join(out)}}}")
        return "\n".join(lines) + "\n"

    @cached_property
    def module(self) -> dict:
        return compile_module(self.source(), "recurrence")

    # -- numbers ------------------------------------------------------------------------------
    def _values(self, given: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = {k: as_array(k, v).astype(np.float64) for k, v in given.items()}
        extra = sorted(set(out) - set(self.inputs))
        if extra:
            raise UnknownNameError(
                f"no input {extra[0]!r}", hint=f"inputs: {', '.join(self.inputs)}"
            )
        missing = [n for n in self.inputs if n not in out]
        if missing:
            raise EvaluationError(f"missing {', '.join(missing)}")
        return out

    def forward(self, values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The stacked outputs (``a``, ``y_pred``) and the per-step ``caches``."""
        return self.module["forward"](**self._values(values))

    def backward(
        self,
        values: Mapping[str, np.ndarray],
        upstream: Mapping[str, np.ndarray],
        cache: Mapping | None = None,
    ) -> dict[str, np.ndarray]:
        """Gradients of the inputs given the gradients of the stacked outputs (the course's
        ``rnn_backward(da, caches)``: ``upstream={"a": da}``; an output not named gets zeros;
        the cost's gradient is 1 and is not asked for). ``cache``: what :meth:`forward` returned
        for these values, when it was already run (a training step runs the loop once)."""
        v = self._values(values)
        fwd = self.module["forward"](**v) if cache is None else cache
        ups = {}
        for arr in self.upstream_arrays:
            g = upstream.get(arr)
            ups[f"d{arr}"] = np.zeros_like(fwd[arr]) if g is None else np.asarray(g, np.float64)
        return self.module["backward"](**ups, caches=fwd["caches"], **v)


def recurrence(
    forward: str | Callable,
    shapes: Mapping[str, tuple],
    *,
    data: tuple[str, ...] | list[str] = (),
    name: str | None = None,
    one_hot: tuple[str, ...] | list[str] = (),
    cost: str | None = None,
) -> Recurrence:
    """A recurrence from course-style NumPy text with one ``for t in range(T_x):`` loop (read,
    never run). ``shapes`` declares the inputs; the time axis is the last axis of a sequence;
    ``data`` names the sequences that get no gradient (the inputs and targets of a model).

    ``one_hot`` declares sequences whose columns are one-hot along axis 0 (the course's labels
    y⟨t⟩); they are data too. With it, softmax followed by cross-entropy derives
    dz⟨t⟩ = ŷ⟨t⟩ − y⟨t⟩ (Σ_k y⟨t⟩_k = 1 is then known); without it the general form stays.
    ``cost`` names the stacked array whose sum is the cost (the loss ``L``, J = Σ_t Σ L⟨t⟩): its
    gradient 1 is then part of the derivation instead of an upstream input."""
    if isinstance(one_hot, str):
        one_hot = (one_hot,)
    text = model_source(forward)
    label = name or getattr(forward, "__name__", None) or "recurrence"
    loop = read_loop(text, shapes, tuple(one_hot), cost)
    sequences = {seq for _, seq in loop.steps_in}
    unknown = [d for d in (*data, *one_hot) if d not in sequences]
    if unknown:
        raise UnknownNameError(
            f"{unknown[0]} is not a sequence the loop reads",
            hint=f"sequences: {', '.join(seq for _, seq in loop.steps_in)}",
        )
    return Recurrence(loop, label, tuple(dict.fromkeys([*data, *one_hot])))
