"""The reference interpreter: an IR tree and arrays in, an array out.

It is deliberately plain — one memoised walk applying each primitive's NumPy meaning from its record
— so it can serve as the independent check on the generated NumPy code (training runs the generated
code, tests compare the two).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .autodiff.derivation import Derivation
from .autodiff.program import Program
from .errors import EvaluationError
from .ir.expr import Expr, walk
from .ir.shapes import bind_dims, concrete, dim_value, is_derived
from .rules.primitives import PRIMITIVES

__all__ = ["evaluate", "bind", "run", "as_array"]


def as_array(name: str, value: object) -> np.ndarray:
    """``value`` as a NumPy array of real numbers, or an EvaluationError that names it."""
    try:
        a = np.asarray(value)
    except ValueError as e:  # ragged nested lists
        raise EvaluationError(f"{name} is not an array: {e}") from None
    if a.dtype.kind not in "biuf":
        raise EvaluationError(
            f"{name} must hold real numbers, not {a.dtype} values",
            hint="pass a NumPy array (or nested lists) of floats",
        )
    return a


def bind(
    inputs: tuple[Expr, ...],
    values: Mapping[str, np.ndarray],
    dims: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Check arrays against declared shapes; return the symbolic dimensions they fix."""
    env = dict(dims or {})
    # inputs with derived sizes (Wf: (n_a, n_a + n_x)) last, once their names are bound
    for v in sorted(inputs, key=lambda v: any(is_derived(d) for d in v.shape)):
        if v.name not in values:
            known = ", ".join(x.name for x in inputs)
            raise EvaluationError(f"no value given for {v.name}", hint=f"inputs are {known}")
        bind_dims(v.shape, np.shape(values[v.name]), env, v.name)
    return env


def evaluate(
    e: Expr, values: Mapping[str, np.ndarray], dims: Mapping[str, int], dtype: type = np.float64
) -> np.ndarray:
    """The value of ``e`` given arrays for its variables and sizes for its symbolic dimensions."""
    memo: dict[Expr, np.ndarray] = {}
    with np.errstate(all="ignore"):
        for n in walk(e):
            memo[n] = (
                _leaf(n, values, dims, dtype)
                if n.is_leaf
                else PRIMITIVES[n.op].numpy(
                    concrete(n.shape, dims), n.attrs, *(memo[a] for a in n.args)
                )
            )
    return memo[e]


def _leaf(
    n: Expr, values: Mapping[str, np.ndarray], dims: Mapping[str, int], dtype: type
) -> np.ndarray:
    if n.op == "var":
        if n.name not in values:
            raise EvaluationError(f"no value given for {n.name}")
        return values[n.name]
    if n.op == "const":
        return dtype(float(n.attrs[0]))
    if n.op == "dim":
        return dtype(dim_value(n.name, dims))
    return np.eye(concrete(n.shape, dims)[0], dtype=dtype)


def run(
    program: Program,
    values: Mapping[str, np.ndarray],
    derivation: Derivation | None = None,
    dtype: type = np.float64,
) -> dict[str, np.ndarray]:
    """Every named quantity of the forward pass (and of the derivation, if given)."""
    env = dict(values)
    dims = bind(program.inputs, values)
    for eq in program.equations:
        env[eq.name] = evaluate(eq.expr, env, dims, dtype)
    for step in derivation.steps if derivation else ():
        env[step.target] = evaluate(step.expr, env, dims, dtype)
    return env
