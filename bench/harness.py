"""Timing, memory and GEMM-throughput utilities.

Timing protocol: every implementation is warmed up first, then the implementations run
*interleaved* — round-robin, the starting implementation rotating from round to round — so slow
drifts of a noisy machine hit all of them alike. One repetition of an implementation is a
*block*: untimed steps for ``settle`` seconds, then ``block`` consecutive steps, each timed (one
sample per step). The settle phase is there because NumPy (OpenBLAS), torch (OpenMP/MKL) and
XLA each keep their own worker threads, which spin for a while after their last call: on a
2-core machine, switching library after every single step measured mostly that contention
(steps up to 2× slower than in a loop of one library); after ~0.05 s the spinners are idle.

Memory is measured in a separate pass, never while timing: ``tracemalloc`` (sees NumPy's
allocations, not torch's or XLA's, and slows Python down a lot) and the growth of the peak
resident set size during one step (Linux ``/proc/self/clear_refs``, after ``malloc_trim(0)``
has handed cached free memory back to the kernel, so that reused memory shows up as well).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import statistics
import time
import tracemalloc
from collections.abc import Sequence

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


def choose_block(step_seconds: float, block_time: float, lo: int, hi: int) -> int:
    """Timed steps per block: about ``block_time`` seconds' worth, clamped to ``[lo, hi]``."""
    return int(min(hi, max(lo, round(block_time / max(step_seconds, 1e-9)))))


def choose_rounds(round_seconds: float, budget: float, lo: int, hi: int) -> int:
    """Rounds that fit ``budget`` seconds, clamped to ``[lo, hi]``."""
    return int(min(hi, max(lo, budget // max(round_seconds, 1e-9))))


def run_block(step: StepFn, settle: float, block: int) -> list[float]:
    """Untimed steps for ``settle`` seconds, then ``block`` individually timed steps."""
    end = time.perf_counter() + settle
    while time.perf_counter() < end:
        step()
    times = []
    for _ in range(block):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return times


def interleave(
    steps: dict[str, StepFn],
    block: dict[str, int],
    rounds: tuple[int, int],
    settle: float,
    budget: float = float("inf"),
) -> dict[str, list[list[float]]]:
    """Round-robin timing; per implementation, one list of per-step seconds per round.

    Runs ``rounds[1]`` rounds, or stops after the first round that ends past ``budget``
    seconds once ``rounds[0]`` rounds are done (a loaded machine slows everything down).
    """
    names = list(steps)
    samples: dict[str, list[list[float]]] = {n: [] for n in names}
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    start = time.perf_counter()
    try:
        for r in range(rounds[1]):
            for i in range(len(names)):
                name = names[(r + i) % len(names)]
                samples[name].append(run_block(steps[name], settle, block[name]))
            if r + 1 >= rounds[0] and time.perf_counter() - start > budget:
                break
    finally:
        if was_enabled:
            gc.enable()
    return samples


def summarize(blocks: Sequence[Sequence[float]]) -> dict[str, float]:
    """Median, min and max (seconds) over all steps of all blocks, and the number of steps."""
    flat = [t for b in blocks for t in b]
    return {
        "median_s": statistics.median(flat),
        "min_s": min(flat),
        "max_s": max(flat),
        "n": len(flat),
    }


def block_medians(blocks: Sequence[Sequence[float]]) -> list[float]:
    """Median step time of every block (one per round)."""
    return [statistics.median(b) for b in blocks]


def paired_ratio(blocks: Sequence[Sequence[float]], base: Sequence[Sequence[float]]) -> float:
    """Median over rounds of (block median / baseline block median of the same round)."""
    pairs = zip(block_medians(blocks), block_medians(base), strict=True)
    return statistics.median(s / b for s, b in pairs)


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


def _malloc_trim() -> None:
    """Return glibc's cached free memory to the kernel (no-op elsewhere)."""
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def rss_peak_delta(step: StepFn, reps: int = 3) -> int | None:
    """Largest growth of the peak RSS over the RSS before one step, in bytes; None if unknown."""
    try:
        _status_kib("VmHWM")
    except (OSError, KeyError):
        return None
    delta = 0
    gc.collect()
    for _ in range(reps):
        _malloc_trim()
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


def _gemm_reps(a: np.ndarray, b: np.ndarray, seconds: float, target_rep: float) -> list[float]:
    """Mean seconds per ``np.dot(a, b)`` of repetitions of ~``target_rep`` s, for ``seconds``."""
    t0 = time.perf_counter()
    np.dot(a, b)
    inner = max(1, round(target_rep / (time.perf_counter() - t0)))
    reps: list[float] = []
    start = time.perf_counter()
    while len(reps) < 3 or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        for _ in range(inner):
            np.dot(a, b)
        reps.append((time.perf_counter() - t0) / inner)
    return reps


class GemmBench:
    """GEMM throughput of every product of some workloads, in several dtypes.

    ``np.dot`` on operands of the step's shapes and layouts. Each :meth:`run` pass times all
    cases round-robin; passes can be spread over the benchmark (start and end) so that a burst
    of load elsewhere on the machine does not hit one case only. Per case, ``seconds`` is the
    best repetition (the rate the BLAS can reach), ``median_seconds`` the median one.
    """

    def __init__(self, ops: dict[str, list[MatMul]], dtypes: Sequence) -> None:
        rng = np.random.default_rng(0)
        self.cases = [
            (key, op, np.dtype(d), _operands(op, d, rng))
            for key in ops
            for op in ops[key]
            for d in dtypes
        ]
        self.reps: list[list[float]] = [[] for _ in self.cases]

    def run(self, rounds: int, seconds_per_case: float) -> None:
        """``rounds`` round-robin rounds, ``seconds_per_case / rounds`` per case and round."""
        for _ in range(rounds):
            for i, (_, _, _, (a, b)) in enumerate(self.cases):
                self.reps[i] += _gemm_reps(a, b, seconds_per_case / rounds, 2e-3)

    def rows(self) -> list[dict]:
        """One row per (workload, product, dtype)."""
        rows = []
        for (key, op, dtype, _), times in zip(self.cases, self.reps, strict=True):
            best, med = min(times), statistics.median(times)
            rows.append({
                "workload": key, "label": op.label, "product": op.describe(),
                "flops": op.flops, "dtype": dtype.name, "seconds": best,
                "gflops": op.flops / best / 1e9, "median_seconds": med,
                "median_gflops": op.flops / med / 1e9, "reps": len(times),
            })  # fmt: skip
        return rows


def gemm_ideal(rows: list[dict], key: str, dtype) -> dict[str, float] | None:
    """Matmul-only time of one step of ``key``: Σ best product times (= flops / rate)."""
    mine = [r for r in rows if r["workload"] == key and r["dtype"] == np.dtype(dtype).name]
    if not mine:
        return None
    seconds = sum(r["seconds"] for r in mine)
    flops = sum(r["flops"] for r in mine)
    return {"seconds": seconds, "flops": flops, "gflops": flops / seconds / 1e9}


# ---------------------------------------------------------------- machine load


def cpu_snapshot() -> tuple[int, int, int] | None:
    """(all CPUs' jiffies, their busy jiffies, this process's jiffies), or None off Linux."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        with open("/proc/self/stat") as f:
            own = f.read().rsplit(")", 1)[1].split()
    except (OSError, ValueError, IndexError):
        return None
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal
    busy = total - fields[3] - fields[4]
    return total, busy, int(own[11]) + int(own[12])  # utime + stime


def other_cpu_share(before, after) -> float | None:
    """Fraction of the machine's CPU time used by other processes between two snapshots."""
    if before is None or after is None or after[0] <= before[0]:
        return None
    busy, own = after[1] - before[1], after[2] - before[2]
    return max(0.0, (busy - own) / (after[0] - before[0]))
