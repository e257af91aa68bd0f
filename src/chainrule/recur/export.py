"""A recurrence's forward pass as PyTorch or JAX code (the cell printed once, never unrolled).

* ``"numpy"``: the module :meth:`Recurrence.source` prints (forward loop and the BPTT loop).
* ``"torch"``: ``forward(**inputs)`` — a Python loop over t of the cell written with torch
  operations, the stacked outputs ``torch.stack``-ed on the last axis; autograd differentiates it.
* ``"jax"``: ``forward(**inputs)`` — the cell as the body of ``jax.lax.scan`` (carried state in,
  carried state and the step's outputs out), so ``jax.grad`` and ``jax.jit`` see one loop.
"""

from __future__ import annotations

from ..errors import SpecError
from ..printers.jax_code import JaxPrinter, jnp
from ..printers.numpy_module import helpers_used
from ..printers.torch_code import TorchPrinter
from .sequence import Recurrence

__all__ = ["export_recurrence"]


def export_recurrence(rec: Recurrence, to: str = "numpy") -> str:
    """Source code of the recurrence in ``to`` ("numpy", "torch" or "jax")."""
    if to == "numpy":
        return rec.source()
    if to == "torch":
        return _torch(rec)
    if to == "jax":
        return _jax(rec)
    raise SpecError(f"cannot export a recurrence to {to!r}", hint="numpy, torch or jax")


def _cell(rec: Recurrence) -> list:
    return [(eq.name, eq.expr) for eq in rec.loop.cell.equations if eq.name != "J_cell"]


def _zeros(rec: Recurrence, prev: str, lib: str) -> str:
    shape = next(v.shape for v in rec.loop.cell.inputs if v.name == prev)
    return f"{lib}.zeros(({', '.join(map(str, shape))},), dtype={lib}.float64)"


def _dims(rec: Recurrence) -> list[str]:
    lines, bound = [], set()
    for n in rec.inputs:
        for axis, d in enumerate(rec.loop.shapes[n]):
            if isinstance(d, str) and d.isidentifier() and d not in bound:
                bound.add(d)
                lines.append(f"    {d} = {n}.shape[{axis}]")
    return lines


def _torch(rec: Recurrence) -> str:
    lp, p = rec.loop, TorchPrinter(rec.inputs[0])
    cell = _cell(rec)
    lines = ['"""PyTorch code printed by chainrule (the loop over time, autograd)."""', ""]
    lines += ["import torch", "", *helpers_used([e for _, e in cell], "torch")]
    lines += [f"def forward(*, {', '.join(rec.inputs)}):", *_dims(rec)]
    for name, prev, init in lp.carried:
        lines.append(f"    {name} = {init or _zeros(rec, prev, 'torch')}")
    lines.append(
        f"    stacked = {{{', '.join(f'{chr(34)}{a}{chr(34)}: []' for a, _ in lp.stacked)}}}"
    )
    lines.append(f"    for t in range({lp.time}):")
    lines += [f"        {prev} = {name}" for name, prev, _ in lp.carried]
    lines += [f"        {step} = {seq}[..., t]" for step, seq in lp.steps_in]
    lines += [f"        {n} = {p.shaped(e)}" for n, e in cell]
    lines += [f'        stacked["{a}"].append({v})' for a, v in lp.stacked]
    lines.append("    return {k: torch.stack(v, dim=-1) for k, v in stacked.items()}")
    return "\n".join(lines) + "\n"


def _jax(rec: Recurrence) -> str:
    lp, p = rec.loop, JaxPrinter()
    cell = _cell(rec)
    carried = ", ".join(prev for _, prev, _ in lp.carried) + ","
    steps = ", ".join(step for step, _ in lp.steps_in) + ","
    lines = ['"""JAX code printed by chainrule (the loop over time as one lax.scan)."""', ""]
    lines += ["import jax", "import jax.numpy as jnp", ""]
    lines += [jnp(h) for h in helpers_used([e for _, e in cell], "jax")]
    lines += [f"def forward(*, {', '.join(rec.inputs)}):", *_dims(rec)]
    lines += [
        "    def cell(carry, step):",
        f"        ({carried}) = carry",
        f"        ({steps}) = step",
    ]
    lines += [f"        {n} = {p.shaped(e)}" for n, e in cell]
    nexts = ", ".join(name for name, _, _ in lp.carried) + ","
    outs = ", ".join(v for _, v in lp.stacked) + ","
    lines.append(f"        return ({nexts}), ({outs})")
    init = ", ".join(init or jnp(_zeros(rec, prev, "np")) for _, prev, init in lp.carried) + ","
    seqs = ", ".join(f"jnp.moveaxis({seq}, -1, 0)" for _, seq in lp.steps_in) + ","
    lines.append(f"    _, outs = jax.lax.scan(cell, ({init}), ({seqs}))")
    result = ", ".join(
        f'"{a}": jnp.moveaxis(outs[{i}], 0, -1)' for i, (a, _) in enumerate(lp.stacked)
    )
    lines.append(f"    return {{{result}}}")
    return "\n".join(lines) + "\n"
