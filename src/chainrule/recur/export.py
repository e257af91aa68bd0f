"""A recurrence as PyTorch or JAX code: the forward loop and the derived BPTT loop, never unrolled.

* ``"numpy"``: the module :meth:`Recurrence.source` prints (forward loop and the BPTT loop).
* ``"torch"``: the same two functions with torch's spelling — ``forward(**inputs)`` caches each
  step, ``backward(*, da, …, caches, **inputs)`` is the printed reverse loop over t (the cell's
  derived VJP, ``da_next = da[:, :, t] + da_prev``, ``dWaa += …``) under ``torch.no_grad()``:
  autograd computes nothing. ``forward`` alone stays differentiable by autograd (a check).
* ``"jax"``: the forward loop is one ``jax.lax.scan`` (carried state in, carried state and the
  step's cache out); the backward is a second scan with ``reverse=True`` whose body is the printed
  cell VJP, carrying ``da_next``'s source ``da_prev`` (and ``dc_prev``) and the accumulated
  parameter gradients. ``gradients`` runs both; each is a pure function that ``jax.jit`` compiles.
"""

from __future__ import annotations

from ..errors import SpecError
from ..printers.jax_code import JaxPrinter, jnp
from ..printers.numpy_module import helpers_used
from ..printers.torch_code import SPREAD_HELPER, TorchPrinter
from .sequence import Recurrence, Spelling

__all__ = ["export_recurrence"]


def export_recurrence(rec: Recurrence, to: str = "numpy") -> str:
    """Source code of the recurrence and its BPTT loop in ``to`` ("numpy", "torch" or "jax")."""
    if to == "numpy":
        return rec.source()
    if to == "torch":
        return _torch(rec)
    if to == "jax":
        return _jax(rec)
    raise SpecError(f"cannot export a recurrence to {to!r}", hint="numpy, torch or jax")


def _gradients_function(rec: Recurrence, decorator: str = "") -> str:
    """``gradients(*, da, …, **inputs)``: the forward loop, then the reverse loop on its caches."""
    ups = "".join(f"d{a}, " for a in rec.upstream_arrays)
    call = ", ".join(f"{n}={n}" for n in rec.inputs)
    passed = "".join(f"d{a}=d{a}, " for a in rec.upstream_arrays)
    lines = [
        *([decorator] if decorator else []),
        f"def gradients(*, {ups}{', '.join(rec.inputs)}):",
        '    """The forward loop, then backpropagation through time on its caches."""',
        f"    cache = forward({call})",
        f'    return backward({passed}caches=cache["caches"], {call})',
    ]
    return "\n".join(lines) + "\n"


# -- PyTorch: the NumPy module's two loops, spelt with torch ---------------------------------------
def _torch(rec: Recurrence) -> str:
    like = rec.inputs[0]
    kw = f"dtype={like}.dtype, device={like}.device"
    spelling = Spelling(
        lambda: TorchPrinter(like),
        lambda shape: f"torch.zeros({shape}, {kw})",
        "torch.zeros_like({})".format,
        "@torch.no_grad()",
    )
    forward, backward = rec.loop_functions(spelling)
    head = [
        f'"""PyTorch code printed by chainrule from {rec.name}: the forward loop and '
        "backpropagation\nthrough time as one reverse loop (the derived formulas; no autograd)."
        '"""\n',
        "import torch\n",
    ]
    head += helpers_used(rec.expressions(), "torch")
    if "spread(" in forward + backward:
        head.append(SPREAD_HELPER)
    gradients = _gradients_function(rec, spelling.no_grad)
    return "\n\n".join([*head, forward, backward, gradients])


# -- JAX: the same loops as two lax.scans, the second one reversed ---------------------------------
def _jax(rec: Recurrence) -> str:
    p = JaxPrinter()
    head = [
        f'"""JAX code printed by chainrule from {rec.name}: the forward loop as one lax.scan, '
        "backpropagation\nthrough time as a reverse lax.scan whose body is the derived cell VJP"
        ' (no jax.grad)."""\n',
        "import jax\nimport jax.numpy as jnp\n",
    ]
    head += [jnp(h) for h in helpers_used(rec.expressions(), "jax")]
    parts = [_jax_forward(rec, p), _jax_backward(rec, p), _gradients_function(rec)]
    return "\n\n".join([*head, *parts])


def _tuple(names: list[str]) -> str:
    return f"({', '.join(names)},)" if names else "()"


def _time_first(names: list[str]) -> str:
    return _tuple([f"jnp.moveaxis({n}, -1, 0)" for n in names])


def _jax_forward(rec: Recurrence, p: JaxPrinter) -> str:
    lp = rec.loop
    like = rec.inputs[0]
    carried = [prev for _, prev, _ in lp.carried]
    lines = [
        f"def forward(*, {', '.join(rec.inputs)}):",
        '    """The forward loop as one lax.scan; caches[k][t] is step t\'s k-th quantity."""',
        *rec.dim_lines(),
        "    def cell(carry, step):",
        f"        {_tuple(carried)} = carry",
        f"        {_tuple([s for s, _ in lp.steps_in])} = step",
    ]
    lines += [f"        {n} = {p.shaped(e)}" for n, e in rec.cell_equations]
    nexts = [name for name, _, _ in lp.carried]
    lines.append(f"        return {_tuple(nexts)}, {_tuple(rec.cache_names)}")
    init = [
        i or f"jnp.zeros({p.shape(rec.shape_of(prev))}, dtype={like}.dtype)"
        for _, prev, i in lp.carried
    ]
    seqs = _time_first([seq for _, seq in lp.steps_in])
    lines.append(f"    _, caches = jax.lax.scan(cell, {_tuple(init)}, {seqs})")
    out = [f'"{a}": jnp.moveaxis(caches[{rec.cache_names.index(v)}], 0, -1)' for a, v in lp.stacked]
    lines.append(f'    return {{{", ".join(out)}, "caches": caches}}')
    return "\n".join(lines) + "\n"


def _jax_backward(rec: Recurrence, p: JaxPrinter) -> str:
    lp = rec.loop
    like = rec.inputs[0]
    carry = [f"d{prev}" for _, prev, _ in lp.carried] + [f"d{w}" for w in rec.params]
    steps_in = [step for step, seq in lp.steps_in if seq not in rec.data]
    ups = [f"d{a}" for a in rec.upstream_arrays]
    lines = [
        f"def backward(*, {''.join(u + ', ' for u in ups)}caches, {', '.join(rec.inputs)}):",
        '    """Backpropagation through time: a reverse lax.scan over the steps."""',
        *rec.dim_lines(),
        "    def cell_vjp(carry, step):",
        f"        {_tuple(carry)} = carry",
        f"        {_tuple([*rec.cache_names, *(u + '_t' for u in ups)])} = step",
    ]
    for v in rec.cotangents:
        lines.append(f"        d{v} = {' + '.join(rec.upstream_terms(v, 'd{}_t'.format))}")
    lines += [f"        {t} {how} {p.shaped(e)}" for t, e, how in rec.backward_steps()]
    lines.append(f"        return {_tuple(carry)}, {_tuple([f'd{s}' for s in steps_in])}")
    zeros = [
        f"jnp.zeros({p.shape(rec.shape_of(prev))}, dtype={like}.dtype)" for _, prev, _ in lp.carried
    ] + [f"jnp.zeros_like({w})" for w in rec.params]
    lines.append(f"    carry = {_tuple(zeros)}")
    lines.append(f"    steps = (*caches, *{_time_first(ups)})")
    lines.append(
        f"    {_tuple(carry)}, per_step = jax.lax.scan(cell_vjp, carry, steps, reverse=True)"
    )
    out = [f'"d{w}": d{w}' for w in rec.params]
    seqs = [seq for step, seq in lp.steps_in if seq not in rec.data]
    out += [f'"d{seq}": jnp.moveaxis(per_step[{k}], 0, -1)' for k, seq in enumerate(seqs)]
    out += [f'"d{init}": d{prev}' for _, prev, init in lp.carried if init]
    lines.append(f"    return {{{', '.join(out)}}}")
    return "\n".join(lines) + "\n"
