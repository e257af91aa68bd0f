"""Checks of a model's derived gradients: finite differences of its cost, PyTorch autograd.

The derived numbers come from ``model.step`` — the NumPy code printed from the derivation. The
finite-difference reference perturbs one entry of an input (or of a named intermediate, re-running
the later equations with the reference interpreter) and differences the cost; nothing of the
derivation enters it. The PyTorch reference runs the model's *forward* equations printed with
torch operations and lets autograd differentiate them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..codegen import compile_module
from ..evaluate import bind, evaluate, run
from ..export import export
from ..nets.model import Model
from .differences import THRESHOLD
from .differences import central_differences as _central_differences
from .differences import torch_module as _torch
from .report import Report, compare, relative_difference

__all__ = ["gradcheck_model", "crosscheck_model"]


def gradcheck_model(
    model: Model,
    values: Mapping[str, np.ndarray],
    epsilon: float = 1e-6,
    threshold: float = THRESHOLD,
    intermediates: bool = True,
) -> Report:
    """Every ``d<input>`` of ``wrt`` (and every named intermediate) against central differences."""
    values = model.values(values)
    derived = model.step(values)
    env, dims = run(model.program, values), bind(model.program.inputs, values)
    rows, approx = [], {}
    for w in model.wrt:
        x = np.array(values[w], dtype=np.float64)
        approx[w] = _central_differences(x, lambda x=x, w=w: model.cost({**values, w: x}), epsilon)
        rows.append(compare("d" + w, "parameter", derived["d" + w], approx[w], threshold))
    if intermediates:
        for s in model.derive():
            if s.kind == "intermediate" and s.target in derived:
                estimate = _intermediate(model, env, dims, s.of, epsilon)
                rows.append(
                    compare(s.target, "intermediate", derived[s.target], estimate, threshold)
                )
    overall = relative_difference(
        np.concatenate([np.ravel(derived["d" + w]) for w in model.wrt]),
        np.concatenate([np.ravel(approx[w]) for w in model.wrt]),
    )
    method = f"two-sided differences of the output {model.program.output}, ε = {epsilon:g}"
    return Report(
        "gradient check", method, "finite differences", model.describe(), "exact", threshold,
        overall, tuple(rows),
    )  # fmt: skip


def _intermediate(model: Model, env: dict, dims: dict, name: str, epsilon: float) -> np.ndarray:
    program = model.program
    start = next(i for i, eq in enumerate(program.equations) if eq.name == name) + 1
    q = np.array(env[name], dtype=np.float64)

    def cost() -> float:
        local = dict(env, **{name: q})
        for eq in program.equations[start:]:
            local[eq.name] = evaluate(eq.expr, local, dims)
        return float(np.asarray(local[program.output]).reshape(()))

    return _central_differences(q, cost, epsilon)


def crosscheck_model(
    model: Model, values: Mapping[str, np.ndarray], tolerance: float = 1e-10
) -> Report:
    """Every ``d<input>`` of ``wrt`` against PyTorch autograd of the forward pass, float64."""
    torch = _torch()
    values = model.values(values)
    derived = model.gradients(values)
    namespace = compile_module(export(model, "torch"), "torch_reference")
    order = [v.name for v in model.program.inputs]
    tensors = {k: torch.tensor(np.asarray(values[k], dtype=np.float64)) for k in order}
    for w in model.wrt:
        tensors[w].requires_grad_(True)
    namespace["cost_plain"](*(tensors[k] for k in order)).backward()
    reference = {"d" + w: tensors[w].grad.numpy() for w in model.wrt}
    rows = tuple(compare(k, "parameter", derived[k], reference[k], tolerance) for k in reference)
    overall = relative_difference(
        np.concatenate([np.ravel(derived[k]) for k in reference]),
        np.concatenate([np.ravel(reference[k]) for k in reference]),
    )
    method = f"PyTorch {torch.__version__} autograd on the model's forward pass, float64"
    return Report(
        "PyTorch cross-check", method, "PyTorch", model.describe(), "exact", tolerance, overall,
        rows,
    )  # fmt: skip
