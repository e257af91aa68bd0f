"""Check that the reference implementations compute the same training steps.

Runs the NumPy reference and every other available implementation (torch eager, jax.jit, and
the chainrule plug-in when its step callable exposes ``params()``) from the same initial
parameters and data, and compares the parameters after 1 and after 3 steps (3 steps exercise
Adam's bias correction and the mini-batch cycling of (c)). float64 must agree to 1e-10 (max
absolute difference); float32 is reported against a looser 1e-4. Not part of the test suite::

    .venv/bin/python bench/check_references.py
"""

from __future__ import annotations

import sys

import numpy as np
import reference_numpy
import reference_torch
from hooks import load_plugin, plugin_function
from workloads import SPECS, make_problem

TOLERANCE = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-4}


def trainers(problem) -> dict[str, tuple]:
    """Other implementations as ``name -> (step, params)`` pairs."""
    out = {"torch eager": reference_torch.build(problem)}
    import reference_jax

    if reference_jax.AVAILABLE:
        out["jax.jit"] = reference_jax.build(problem)
    out = {name: (t.step, t.params) for name, t in out.items()}
    plugin, _ = load_plugin()
    bench_step, _ = plugin_function(plugin, "bench_step")
    try:
        step = bench_step(problem.spec.key, problem.dtype) if bench_step else None
    except NotImplementedError:
        step = None
    if callable(getattr(step, "params", None)):
        out["chainrule"] = (step, step.params)
    return out


def max_diff(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> tuple[float, str]:
    """Largest absolute difference over all parameters, and the parameter where it occurs."""
    assert a.keys() == b.keys(), (sorted(a), sorted(b))
    diffs = {k: float(np.max(np.abs(np.asarray(a[k], np.float64) - b[k]))) for k in a}
    worst = max(diffs, key=diffs.get)
    return diffs[worst], worst


def check(
    key: str, dtype, n_steps: int
) -> tuple[float, list[tuple[str, float, str, float, float]]]:
    """Size of the reference's update, and per implementation
    (name, max |Δparam|, where, cost, reference cost) after ``n_steps`` steps."""
    problem = make_problem(key, dtype)
    ref = reference_numpy.build(problem)
    others = trainers(problem)
    for _ in range(n_steps - 1):
        ref.step()
        for step, _ in others.values():
            step()
    ref_cost = float(ref.step())
    rows = []
    for name, (step, params) in others.items():
        cost = float(np.asarray(step()))
        diff, where = max_diff(params(), ref.params())
        rows.append((name, diff, where, cost, ref_cost))
    return max_diff(problem.params, ref.params())[0], rows


def main() -> int:
    """Print one line per (workload, dtype, steps, implementation); exit 1 on a float64 failure."""
    failed = False
    for key in SPECS:
        for dtype in (np.dtype(np.float64), np.dtype(np.float32)):
            for n_steps in (1, 3):
                update, rows = check(key, dtype, n_steps)
                print(f"({key}) {dtype.name:7} {n_steps} step(s): numpy max|update| = {update:.2e}")
                for name, diff, where, cost, ref_cost in rows:
                    ok = diff <= TOLERANCE[dtype]
                    failed |= not ok and dtype == np.float64
                    print(
                        f"({key}) {dtype.name:7} {n_steps} step{'s' if n_steps > 1 else ' '} "
                        f"{name:12} max|Δparam| = {diff:.3e} (at {where:3}) "
                        f"|Δcost| = {abs(cost - ref_cost):.1e}  "
                        f"{'ok' if ok else 'FAIL'} (tol {TOLERANCE[dtype]:.0e})"
                    )
    print("all float64 checks passed" if not failed else "float64 check FAILED")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
