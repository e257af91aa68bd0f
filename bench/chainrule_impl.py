"""chainrule's plug-in for the benchmark (the contract is in ``hooks.py``).

``bench_step`` trains with :class:`chainrule.fast.Trainer`: the network's fast step, printed
from ``net.derive("course")`` by :mod:`chainrule.fast`, with the parameter update fused in. It
starts from the same seeded problem as the references and returns the cost of every step, as
they do.
``scaling_rows`` times deriving and compiling L-layer networks.
"""

from __future__ import annotations

import gc
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from workloads import ADAM, make_problem

import chainrule as cr
from chainrule import fast

SCALING_DEPTHS = (2, 8, 32, 128, 512)
HERE = Path(__file__).resolve().parent


def network(workload: str) -> cr.Network:
    """The workload's network in chainrule's notation."""
    spec = make_problem(workload, np.float64).spec
    loss = "bce" if spec.output == "sigmoid" else "ce"
    return cr.mlp(list(spec.layers), hidden=spec.hidden, output=spec.output, loss=loss)


def bench_step(workload: str, dtype) -> object:
    """A zero-argument training step (forward, cost, backward, update); ``.params()`` reads back."""
    problem = make_problem(workload, dtype)
    spec = problem.spec
    opt = fast.GD(spec.lr) if spec.optimizer == "gd" else fast.Adam(spec.lr, **ADAM)
    net = network(workload)
    trainer = fast.Trainer(
        fast.compile(net), problem.fresh_params(), problem.X, problem.Y, opt, spec.batch
    )
    return trainer.step


def _timed(fn) -> float:
    """Seconds of one call, the garbage collector off (as ``timeit`` does)."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0
    finally:
        gc.enable()


def scaling_row(L: int) -> dict:
    """Seconds to derive, print+compile the teaching module, and print+compile the fast step."""
    net = cr.mlp([10] * L + [1], hidden="relu")
    derive = _timed(net.derive)
    teach = _timed(lambda: net._module("course"))
    quick = _timed(lambda: fast.compile(net))
    return {"L": L, "derive_s": derive, "compile_s": teach, "fast_compile_s": quick,
            "total_s": derive + teach + quick}  # fmt: skip


def growth_exponent(rows: list[dict], key: str = "total_s") -> float:
    """Least-squares slope of log(time) against log(L)."""
    xs = [math.log(r["L"]) for r in rows]
    ys = [math.log(r[key]) for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def _measure() -> list[dict]:
    """The rows, measured in this (fresh) process: a cold L = 2 first, then warm depths."""
    cold = scaling_row(2)
    return [{**cold, "L": "2 (cold)"}, *(scaling_row(L) for L in SCALING_DEPTHS)]


def scaling_rows() -> list[dict]:
    """One row per depth, measured in a fresh interpreter (so the benchmark's threads and heap do
    not leak into compile times): the first network of the process (cold: SymPy's caches empty),
    then L = 2 … 512 (caches warm), then the fitted growth exponents — least squares over all
    warm depths, and the slope from L = 128 to 512."""
    code = "import json, chainrule_impl as c; print(json.dumps(c._measure()))"
    env = {**os.environ, "PYTHONPATH": str(HERE) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    rows = [r for r in measured if isinstance(r["L"], int)]
    keys = [k for k in measured[0] if k != "L"]
    out = [{"L": r["L"], **{k: f"{r[k]:.4f}" for k in keys}} for r in measured]
    for label, subset in (("exponent (fit, all L)", rows), ("exponent (128→512)", rows[-2:])):
        out.append({"L": label, **{k: f"{growth_exponent(subset, k):.2f}" for k in keys}})
    return out
