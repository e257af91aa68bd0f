"""Timing, memory and GEMM-throughput utilities.

Timing protocol: every implementation is warmed up first, then the implementations run
*interleaved* — each round runs one repetition of every implementation in turn (the starting
implementation rotates from round to round) — so slow drifts of a noisy machine hit all of
them alike. A repetition is ``inner`` consecutive steps (``inner > 1`` only for steps far
below a millisecond) and yields one sample: its mean time per step.

Memory is measured in a separate pass, never while timing: ``tracemalloc`` (sees NumPy's
allocations, not torch's or XLA's, and slows Python down a lot) and the growth of the peak
resident set size during one step (Linux ``/proc/self/clear_refs``; a lower bound, since
memory the allocators already hold is reused without growing the RSS).
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence

import numpy as np
from workloads import MatMul, StepFn

# ---------------------------------------------------------------- timing


def warm_up(step: StepFn, min_calls: int, min_time: float) -> tuple[float, float]:
    """Run ``step`` until both minima are reached; return (first-call s, median later-call s)."""
    t0 = time.perf_counter()
    step()
    first = time.perf_counter() - t0
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < min_calls or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return first, statistics.median(times)


def choose_inner(step_seconds: float, target_rep_seconds: float) -> int:
    """Steps per repetition so that one repetition lasts about ``target_rep_seconds``."""
    return max(1, round(target_rep_seconds / max(step_seconds, 1e-9)))


def choose_rounds(round_seconds: float, budget: float, lo: int, hi: int) -> int:
    """Rounds that fit ``budget`` seconds, clamped to ``[lo, hi]``."""
    return int(min(hi, max(lo, budget // max(round_seconds, 1e-9))))


def _rep(step: StepFn, inner: int) -> float:
    t0 = time.perf_counter()
    for _ in range(inner):
        step()
    return (time.perf_counter() - t0) / inner


def interleave(steps: dict[str, StepFn], inner: dict[str, int], rounds: int) -> dict[str, list]:
    """Round-robin timing; returns per-step seconds, one sample per round, per implementation."""
    names = list(steps)
    samples: dict[str, list[float]] = {n: [] for n in names}
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for r in range(rounds):
            for i in range(len(names)):
                name = names[(r + i) % len(names)]
                samples[name].append(_rep(steps[name], inner[name]))
    finally:
        if was_enabled:
            gc.enable()
    return samples


def summarize(samples: Sequence[float]) -> dict[str, float]:
    """Median, min and max (seconds) and the number of samples."""
    return {
        "median_s": statistics.median(samples),
        "min_s": min(samples),
        "max_s": max(samples),
        "n": len(samples),
    }


def paired_ratio(samples: Sequence[float], base: Sequence[float]) -> float:
    """Median over rounds of ``sample / base sample`` of the same round."""
    return statistics.median(s / b for s, b in zip(samples, base, strict=True))


# ---------------------------------------------------------------- memory


def tracemalloc_peak(step: StepFn, reps: int = 2) -> int:
    """Largest growth of traced Python/NumPy memory during one step, in bytes."""
    tracemalloc.start()
    try:
        step()
        peak = 0
        for _ in range(reps):
            tracemalloc.reset_peak()
            base, _ = tracemalloc.get_traced_memory()
            step()
            peak = max(peak, tracemalloc.get_traced_memory()[1] - base)
    finally:
        tracemalloc.stop()
    return peak


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def rss_peak_delta(step: StepFn, reps: int = 3) -> int | None:
    """Largest growth of the peak RSS over the RSS before one step, in bytes; None if unknown."""
    try:
        _status_kib("VmHWM")
    except (OSError, KeyError):
        return None
    delta = 0
    for _ in range(reps):
        gc.collect()
        if not _reset_peak_rss():
            return None
        base = _status_kib("VmRSS")
        step()
        delta = max(delta, _status_kib("VmHWM") - base)
    return delta * 1024


# ---------------------------------------------------------------- GEMM throughput


def _operands(op: MatMul, dtype, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    a = rng.standard_normal(op.a_shape).astype(dtype)
    b = rng.standard_normal(op.b_shape).astype(dtype)
    return (a.T if op.trans_a else a), (b.T if op.trans_b else b)


def gemm_seconds(op: MatMul, dtype, min_time: float, target_rep: float = 2e-3) -> float:
    """Median seconds of one ``np.dot`` with ``op``'s shapes and transposed views."""
    a, b = _operands(op, dtype, np.random.default_rng(0))
    _, est = warm_up(lambda: np.dot(a, b), 3, min(0.05, min_time))
    inner = choose_inner(est, target_rep)
    samples: list[float] = []
    start = time.perf_counter()
    while len(samples) < 5 or time.perf_counter() - start < min_time:
        samples.append(_rep(lambda: np.dot(a, b), inner))
    return statistics.median(samples)


def measure_gemms(
    ops: dict[str, list[MatMul]], dtypes: Sequence, min_time: float, log: Callable = print
) -> list[dict]:
    """Time every product of every workload in every dtype; one row per (workload, op, dtype)."""
    rows = []
    for key, key_ops in ops.items():
        for op in key_ops:
            for dtype in dtypes:
                sec = gemm_seconds(op, dtype, min_time)
                rows.append({
                    "workload": key, "label": op.label, "product": op.describe(),
                    "flops": op.flops, "dtype": np.dtype(dtype).name,
                    "seconds": sec, "gflops": op.flops / sec / 1e9,
                })  # fmt: skip
        log(f"  GEMM shapes of ({key}) timed")
    return rows


def gemm_ideal(rows: list[dict], key: str, dtype) -> dict[str, float] | None:
    """Matmul-only time of one step of ``key``: Σ measured product times (= flops / rate)."""
    mine = [r for r in rows if r["workload"] == key and r["dtype"] == np.dtype(dtype).name]
    if not mine:
        return None
    seconds = sum(r["seconds"] for r in mine)
    flops = sum(r["flops"] for r in mine)
    return {"seconds": seconds, "flops": flops, "gflops": flops / seconds / 1e9}
