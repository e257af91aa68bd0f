"""The course's gradient check: derived gradients against two-sided differences of the cost.

The derived numbers come from ``net.gradients`` — the NumPy code printed from the derivation, the
code training runs. The reference numbers come only from the cost J: for a parameter θ,
``(J(θ + ε) − J(θ − ε)) / 2ε`` entry by entry (``net.cost``); for an intermediate such as ``Z[1]``
or ``A[1]``, the same with that quantity perturbed and the rest of the forward pass re-run by the
reference interpreter (:mod:`chainrule.evaluate`), one equation at a time. Nothing of the
derivation enters the reference.

In the course's convention ``dZ``, ``dA`` are gradients of ℒ = m·J (per-example losses), so their
differences are scaled by the derivation's seed m; ``dW``, ``db`` are gradients of J in both
conventions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from ..autodiff import Derivation
from ..errors import EvaluationError, SpecError
from ..evaluate import bind, evaluate, run
from ..nets import Model, Network
from .differences import THRESHOLD
from .differences import central_differences as _central_differences
from .model_check import gradcheck_model
from .report import Report, Row, compare, relative_difference

__all__ = ["gradcheck", "numeric_parameter", "numeric_intermediate", "THRESHOLD"]

MAX_WORK = 1e10  # about a minute of forward passes
MAX_PASSES = 400_000  # each pass also costs the interpreter some microseconds

Gradients = Callable[[Mapping[str, np.ndarray], np.ndarray, np.ndarray], Mapping[str, np.ndarray]]


def gradcheck(
    net: Network | Model,
    X: np.ndarray | Mapping[str, np.ndarray],
    Y: np.ndarray | None = None,
    params: Mapping[str, np.ndarray] | None = None,
    epsilon: float = 1e-7,
    threshold: float = THRESHOLD,
    *,
    convention: str = "course",
    gradients: Gradients | None = None,
    intermediates: bool = True,
) -> Report:
    """Check every ``dW``, ``db`` (and ``dZ``, ``dA``) of ``net`` against finite differences of J.

    ``params`` defaults to ``net.init(seed=0)``. ``gradients(params, X, Y)`` replaces the derived
    gradients (to test the check itself, e.g. with a planted bug); by default it is
    ``net.gradients(params, X, Y, convention, every=True)``.
    """
    if not epsilon > 0:
        raise SpecError(f"epsilon = {epsilon} must be positive", hint="the course uses 1e-7")
    if isinstance(net, Model):  # a model's inputs come as one dict: gradcheck(model, values)
        return gradcheck_model(net, X, 1e-6 if epsilon == 1e-7 else epsilon, threshold)
    params = {k: np.asarray(v, dtype=np.float64) for k, v in (params or net.init(seed=0)).items()}
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    _check_budget(net, params, X)
    with np.errstate(all="ignore"):  # NaN and ∞ are reported as failures, row by row
        return _check(net, X, Y, params, epsilon, threshold, convention, gradients, intermediates)


def _check(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    params: dict[str, np.ndarray],
    epsilon: float,
    threshold: float,
    convention: str,
    gradients: Gradients | None,
    intermediates: bool,
) -> Report:
    d = net.derive(convention)
    derived = (gradients or (lambda p, x, y: net.gradients(p, x, y, convention, every=True)))(
        params, X, Y
    )
    rows, approx = _parameter_rows(net, params, X, Y, derived, epsilon, threshold)
    if intermediates:
        rows += _intermediate_rows(net, d, params, X, Y, derived, epsilon, threshold)
    names = list(net.program.params)
    overall = relative_difference(
        np.concatenate([np.ravel(derived["d" + p]) for p in names]),
        np.concatenate([np.ravel(approx[p]) for p in names]),
    )
    method = f"two-sided differences of the cost J, ε = {epsilon:g}"
    return Report(
        "gradient check",
        method,
        "finite differences",
        net.describe(),
        d.convention,
        threshold,
        overall,
        tuple(rows),
    )


def _check_budget(net: Network, params: Mapping[str, np.ndarray], X: np.ndarray) -> None:
    """Each differenced entry costs two forward passes of about (parameters × m) multiply-adds:
    refuse, before starting, a check that would run for hours (its verdict does not depend on
    the width of the network or the number of examples)."""
    count = sum(int(np.size(v)) for v in params.values())
    m = X.shape[1 if net.spec.layout == "columns" else 0] if X.ndim == 2 else 1
    passes = 2 * (count + 2 * sum(net.spec.layers[1:]) * m)  # parameters, then Z and A entries
    work = passes * count * m
    if work > MAX_WORK or passes > MAX_PASSES:
        raise SpecError(
            f"a gradient check of {net.describe()} on {m} examples needs {passes:,} forward "
            f"passes, about {work:.1e} multiply-adds — above the limit of {MAX_WORK:.0e} "
            f"({MAX_PASSES:,} passes)",
            hint="check a narrower network with fewer examples: the derivation is the same",
        )


def numeric_parameter(
    net: Network,
    params: Mapping[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    name: str,
    epsilon: float = 1e-7,
) -> np.ndarray:
    """∂J/∂θ for the parameter ``name``, entry by entry: (J(θ + ε) − J(θ − ε)) / 2ε."""
    values = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    return _central_differences(values[name], lambda: net.cost(values, X, Y), epsilon)


def numeric_intermediate(
    net: Network,
    params: Mapping[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    name: str,
    epsilon: float = 1e-7,
) -> np.ndarray:
    """∂J/∂Q for the named forward quantity ``Q`` (``"Z1"``, ``"A1"``): perturb one entry of Q,
    re-run the equations after it, and difference the cost."""
    program = net.program
    env, dims = _forward_env(net, params, X, Y)
    later = program.equations[_index(net, name) + 1 :]
    q = np.array(env[name], dtype=np.float64)

    def cost() -> float:
        local = dict(env, **{name: q})
        for eq in later:
            local[eq.name] = evaluate(eq.expr, local, dims)
        return float(local[program.output])

    return _central_differences(q, cost, epsilon)


# -- helpers ---------------------------------------------------------------------------------------
def _parameter_rows(
    net: Network,
    params: dict[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    derived: Mapping[str, np.ndarray],
    epsilon: float,
    threshold: float,
) -> tuple[list[Row], dict[str, np.ndarray]]:
    rows, approx = [], {}
    for p in net.program.params:
        if "d" + p not in derived:
            raise EvaluationError(f"the gradients given have no d{p}", hint="return every dW, db")
        approx[p] = numeric_parameter(net, params, X, Y, p, epsilon)
        rows.append(compare("d" + p, "parameter", derived["d" + p], approx[p], threshold))
    return rows, approx


def _intermediate_rows(
    net: Network,
    d: Derivation,
    params: dict[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    derived: Mapping[str, np.ndarray],
    epsilon: float,
    threshold: float,
) -> list[Row]:
    """Rows for the ``dZ``, ``dA`` the gradients provide, scaled to the derivation's convention."""
    _, dims = _forward_env(net, params, X, Y)
    seed = float(evaluate(d.seed, {}, dims))  # m in the course's convention, 1 in the exact one
    rows = []
    for step in d.steps:
        if step.kind != "intermediate" or step.target not in derived:
            continue
        approx = seed * numeric_intermediate(net, params, X, Y, step.of, epsilon)
        rows.append(compare(step.target, "intermediate", derived[step.target], approx, threshold))
    return rows


def _forward_env(
    net: Network, params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Every forward quantity by the reference interpreter, with dropout switched off (as in
    ``net.cost``): masks of ones and keep_prob = 1."""
    values = net.values(params, X, Y)  # no masks given: all ones, keep_prob = 1
    return run(net.program, values), bind(net.program.inputs, values)


def _index(net: Network, name: str) -> int:
    for i, eq in enumerate(net.program.equations):
        if eq.name == name:
            return i
    raise EvaluationError(f"the network has no quantity {name}")
