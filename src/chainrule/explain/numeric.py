"""The numeric check an explanation prints: the formula's value against finite differences.

Seeded random inputs with m = 3 examples; the formula is evaluated by the reference interpreter
(:func:`chainrule.evaluate.run`) on the derivation, and the same quantity is estimated by central
differences of what the step differentiates — J for a parameter, and in the course convention m·J
(the per-example losses added up) for a per-example quantity. A named intermediate such as Z[1] is
perturbed in place and the program re-run from the next equation on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..autodiff.derivation import Derivation, Step
from ..autodiff.program import Program
from ..evaluate import bind, evaluate, run
from ..ir.shapes import concrete

__all__ = ["NumericExample", "numeric_example", "example_inputs", "EPS"]

EPS = 1e-6
M = 3


@dataclass(frozen=True)
class NumericExample:
    """The formula's value and a central-difference estimate of the same quantity."""

    quantity: str
    m: int
    seed: int
    objective: str  # "J" or "m·J"
    formula: np.ndarray = field(compare=False)
    estimate: np.ndarray = field(compare=False)
    inputs: Mapping[str, np.ndarray] = field(compare=False, default_factory=dict)
    eps: float = EPS  # relative step: ε·max(|x|, 0.1) for an entry x

    @property
    def max_error(self) -> float:
        return float(np.max(np.abs(self.formula - self.estimate), initial=0.0))

    @property
    def relative_error(self) -> float:
        scale = max(float(np.max(np.abs(self.estimate), initial=0.0)), 1e-8)
        return self.max_error / scale

    @property
    def agree(self) -> bool:
        return self.relative_error < 1e-5 or self.max_error < 1e-8


def _dims(program: Program, m: int) -> dict[str, int]:
    names = [d for v in program.inputs for d in v.shape if isinstance(d, str)]
    sizes = iter([m, 2, 4, 5, 6, 7])
    out = {program.batch: m} if program.batch else {}
    for d in dict.fromkeys(names):
        if d not in out:
            out[d] = next(sizes)
    return out


def example_inputs(
    program: Program, seed: int = 0, m: int = M, positive: bool = False
) -> dict[str, np.ndarray]:
    """Seeded values for every input: normal (parameters scaled by 1/2 so that activations stay
    moderate), or in (0.5, 1.5) with ``positive``; a model's constants keep their values and its
    masks are 0/1 (each row keeps its first entry, so a masked softmax stays defined)."""
    rng = np.random.default_rng(seed)
    dims = _dims(program, m)
    out = {}
    constants, masks = program.meta.get("constants", {}), program.meta.get("model_masks", ())
    for v in program.inputs:
        shape = concrete(v.shape, dims)
        if v.name in constants:
            out[v.name] = np.float64(constants[v.name])
            continue
        if v.name in masks:
            mask = rng.random(shape) > 0.3
            mask[(..., 0)] = True
            out[v.name] = mask.astype(np.float64)
            continue
        scale = 0.5 if v.name in program.params and program.batch else 1.0
        out[v.name] = (
            rng.uniform(0.5, 1.5, shape) if positive else scale * rng.standard_normal(shape)
        )
    return out


def _objective(program: Program, env: dict, dims: dict, start: int, scale: float) -> float:
    env = dict(env)
    for eq in program.equations[start:]:
        env[eq.name] = evaluate(eq.expr, env, dims)
    return scale * float(np.asarray(env[program.output]).reshape(()))


def _estimate(program: Program, env: dict, dims: dict, name: str, scale: float) -> np.ndarray:
    index = {eq.name: i for i, eq in enumerate(program.equations)}
    start = index[name] + 1 if name in index else 0
    base = np.asarray(env[name], dtype=np.float64)
    out = np.zeros_like(base)
    for k in np.ndindex(base.shape):
        h = EPS * max(abs(float(base[k])), 0.1)  # relative: small entries stay in their domain
        values = []
        for sign in (1, -1):
            x = base.copy()
            x[k] += sign * h
            values.append(_objective(program, {**env, name: x}, dims, start, scale))
        out[k] = (values[0] - values[1]) / (2 * h)
    return out


def numeric_example(
    d: Derivation, step: Step, values: Mapping[str, np.ndarray], seed: int = 0
) -> NumericExample:
    """Evaluate ``step`` on ``values`` and estimate it by central differences."""
    program = d.program
    dims = bind(program.inputs, values)
    env = run(program, values, d)
    seed_value = float(evaluate(d.seed, {}, dims))
    scale = 1.0 if step.factor is not None else seed_value
    formula = np.broadcast_to(
        np.asarray(env[step.target], dtype=np.float64), np.shape(env[step.of])
    )
    estimate = _estimate(program, env, dims, step.of, scale)
    objective = program.output if scale == 1.0 else f"{program.batch}·{program.output}"
    m = dims.get(program.batch, 0) if program.batch else 0
    return NumericExample(
        step.target, m, seed, objective, np.array(formula), estimate, dict(values)
    )
