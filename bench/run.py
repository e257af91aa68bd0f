"""Benchmark entry point (``make bench``): time one training step of three workloads.

Implementations per workload and dtype: "numpy (course)" (the baseline, reference_numpy.py),
"torch eager" (reference_torch.py), "jax.jit" (reference_jax.py, when JAX is installed) and
"chainrule" through the optional plug-in bench/chainrule_impl.py — its contract is in hooks.py:
``bench_step(workload, dtype) -> callable`` and ``scaling_rows() -> list[dict]``.

Then the growth of derivation and ``--steps`` rendering time with depth (bench/growth.py).

Writes bench/RESULTS.md and bench/results.json (or into ``--out``). Usage::

    .venv/bin/python bench/run.py [--quick] [--workloads a,b,c] [--dtypes float64,float32]
                                  [--threads N] [--out DIR]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import conv_bench
import growth
import harness
import machine
import numpy as np
import reference_numpy
import report
from hooks import load_plugin, plugin_function
from workloads import SPECS, MatMul, Problem, StepFn, make_problem, matmuls

HERE = Path(__file__).resolve().parent
BASELINE = "numpy (course)"
GEMM_WORKLOADS = ("b", "c")
T0 = time.perf_counter()
SQUARE = MatMul("square 1024³ (reference)", (1024, 1024), (1024, 1024))


@dataclass(frozen=True)
class Config:
    """How long to warm up and time; FULL keeps a complete run under ~5 minutes on 2 cores."""

    warm_calls: int
    warm_time: float
    settle: float  # untimed seconds at the start of every block (see harness docstring)
    block_time: float  # seconds of timed steps per block ...
    min_block: int  # ... but at least this many steps
    max_block: int  # ... and at most this many
    budget: float  # seconds of interleaved timing per (workload, dtype)
    min_rounds: int
    max_rounds: int  # also bounds how far training drifts from the initial parameters
    gemm_time: float  # seconds per GEMM case (shape, dtype), split over 2 passes


FULL = Config(5, 0.3, 0.1, 0.1, 10, 500, 18.0, 5, 60, 0.4)
QUICK = Config(2, 0.0, 0.01, 0.01, 3, 20, 0.3, 2, 3, 0.04)


@dataclass(frozen=True)
class Impl:
    """A registered implementation: ``build(problem)`` returns its step closure."""

    name: str
    build: Callable[[Problem], StepFn]
    traced: bool  # tracemalloc sees its allocations (NumPy-based)


def log(msg: str) -> None:
    """Progress goes to stderr, stamped with the seconds since start."""
    print(f"[{time.perf_counter() - T0:6.1f} s] {msg}", file=sys.stderr, flush=True)


def reference_impls() -> tuple[list[Impl], list[str]]:
    """NumPy, torch and JAX references that can be imported here."""
    impls = [Impl(BASELINE, lambda p: reference_numpy.build(p).step, True)]
    notes = []
    try:
        import reference_torch
    except ImportError as exc:
        notes.append(f"torch eager: not installed ({exc})")
    else:
        reference_torch.set_threads(machine.numpy_blas_threads())
        impls.append(Impl("torch eager", lambda p: reference_torch.build(p).step, False))
    import reference_jax

    if reference_jax.AVAILABLE:
        impls.append(Impl("jax.jit", lambda p: reference_jax.build(p).step, False))
    else:
        notes.append(f"jax.jit: {reference_jax.UNAVAILABLE_REASON}")
    return impls, notes


def chainrule_impl(plugin) -> tuple[list[Impl], list[str]]:
    """The plug-in's ``bench_step`` as an implementation, if there is one."""
    fn, note = plugin_function(plugin, "bench_step")
    if fn is None:
        return [], [note] if note else []
    return [Impl("chainrule", lambda p: fn(p.spec.key, p.dtype), True)], []


def build_steps(impls: list[Impl], problem: Problem) -> tuple[dict, dict, list[str]]:
    """Step closures and build times; implementations that cannot build are skipped."""
    steps, setup, notes = {}, {}, []
    where = f"({problem.spec.key}, {problem.dtype.name})"
    for impl in impls:
        t0 = time.perf_counter()
        try:
            steps[impl.name] = impl.build(problem)
        except NotImplementedError as exc:
            notes.append(f"{impl.name}: not implemented for {where} ({exc})")
        except Exception as exc:
            if impl.name == BASELINE:
                raise
            traceback.print_exc()
            notes.append(f"{impl.name}: failed to build for {where}: {exc!r}")
        setup[impl.name] = time.perf_counter() - t0
    return steps, setup, notes


def measure_memory(impl: Impl, step: StepFn) -> dict:
    """Traced peak (NumPy-based implementations only) and peak-RSS growth of one step."""
    traced = harness.tracemalloc_peak(step) if impl.traced else None
    return {"traced_peak_bytes": traced, "rss_peak_delta_bytes": harness.rss_peak_delta(step)}


def impl_row(name: str, samples: dict, warm: dict) -> dict:
    """Statistics of one implementation relative to the baseline of the same run."""
    stats = harness.summarize(samples[name])
    base = samples[BASELINE]
    row = {"name": name, **stats, "block": len(samples[name][0]), "rounds": len(samples[name])}
    row["ratio"] = stats["median_s"] / harness.summarize(base)["median_s"]
    row["paired_ratio"] = harness.paired_ratio(samples[name], base)
    row["first_call_s"], row["warm_step_s"] = warm[name]
    row["block_medians_s"] = harness.block_medians(samples[name])
    return row


def time_steps(steps: dict[str, StepFn], cfg: Config) -> tuple[dict, dict, int]:
    """Warm up, size the blocks and the number of rounds, then time interleaved."""
    warm = {n: harness.warm_up(s, cfg.warm_calls, cfg.warm_time) for n, s in steps.items()}
    block = {
        n: harness.choose_block(w[1], cfg.block_time, cfg.min_block, cfg.max_block)
        for n, w in warm.items()
    }
    per_round = sum(cfg.settle + block[n] * warm[n][1] for n in steps)
    rounds = harness.choose_rounds(per_round, cfg.budget, cfg.min_rounds, cfg.max_rounds)
    bounds = (cfg.min_rounds, rounds)
    samples = harness.interleave(steps, block, bounds, cfg.settle, cfg.budget)
    return samples, warm, len(samples[BASELINE])


def bench_combo(key: str, dtype, impls: list[Impl], cfg: Config) -> dict:
    """Everything measured for one (workload, dtype)."""
    problem = make_problem(key, dtype)
    steps, setup, notes = build_steps(impls, problem)
    cpu_before = harness.cpu_snapshot()
    samples, warm, rounds = time_steps(steps, cfg)
    others = harness.other_cpu_share(cpu_before, harness.cpu_snapshot())
    rows = []
    for impl in impls:
        if impl.name in steps:
            row = impl_row(impl.name, samples, warm)
            row.update(setup_s=setup[impl.name], **measure_memory(impl, steps[impl.name]))
            rows.append(row)
    del steps
    gc.collect()
    med = ", ".join(f"{r['name']} {report.fmt_time(r['median_s'])}" for r in rows)
    log(f"({key}) {problem.dtype.name}: {rounds} rounds — {med}")
    return {"workload": key, "dtype": problem.dtype.name, "rounds": rounds,
            "other_cpu_share": others, "impls": rows, "notes": notes}  # fmt: skip


def add_gemm_fractions(combo: dict, gemm_rows: list[dict]) -> None:
    """The GEMM-bound ideal of ``combo`` and each implementation's fraction of it."""
    ideal = harness.gemm_ideal(gemm_rows, combo["workload"], combo["dtype"])
    combo["gemm_ideal"] = ideal
    for row in combo["impls"]:
        row["gemm_fraction"] = ideal["seconds"] / row["median_s"] if ideal else None


def gemm_bench(keys: list[str]) -> harness.GemmBench:
    """GEMM cases for the products of (b) and (c) plus a square reference, both dtypes."""
    ops = {k: matmuls(k) for k in keys if k in GEMM_WORKLOADS}
    ops["ref"] = [SQUARE]
    return harness.GemmBench(ops, (np.float64, np.float32))


def scaling(plugin, notes: list[str]) -> list[dict] | None:
    """Rows from the plug-in's ``scaling_rows()``, or None."""
    fn, _ = plugin_function(plugin, "scaling_rows")
    if fn is None:
        return None
    try:
        return [dict(r) for r in fn()]
    except Exception as exc:
        traceback.print_exc()
        notes.append(f"scaling_rows() failed: {exc!r}")
        return None


def convolution(notes: list[str], quick: bool) -> list[dict]:
    """The convolution rows (conv_bench.py), or a note when PyTorch or scikit-learn is missing."""
    try:
        rows = conv_bench.run(quick)
    except ImportError as exc:
        notes.append(f"convolution benchmarks skipped: {exc}")
        return []
    log("convolution benchmarks done")
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="few rounds (smoke test)")
    p.add_argument("--workloads", default="a,b,c", help="comma-separated subset of a,b,c")
    p.add_argument("--dtypes", default="float64,float32", help="float64 and/or float32")
    p.add_argument("--out", type=Path, default=HERE, help="directory for RESULTS.md/results.json")
    p.add_argument(
        "--threads",
        type=int,
        help="threads for every library (default: their own defaults; 1 is more robust on a "
        "machine shared with other work)",
    )
    p.add_argument("--no-conv", action="store_true", help="skip the convolution benchmarks")
    args = p.parse_args(argv)
    args.workloads = [k.strip() for k in args.workloads.split(",") if k.strip()]
    args.dtypes = [np.dtype(d.strip()) for d in args.dtypes.split(",") if d.strip()]
    if bad := [k for k in args.workloads if k not in SPECS]:
        p.error(f"unknown workload(s) {bad}; choose from {sorted(SPECS)}")
    if bad := [d for d in args.dtypes if d not in (np.float64, np.float32)]:
        p.error(f"unsupported dtype(s) {bad}")
    return args


def set_threads(n: int) -> None:
    """Use ``n`` threads in NumPy's BLAS, torch (set later from NumPy's count) and XLA."""
    if not machine.set_openblas_threads(n):
        log("could not set NumPy's BLAS threads (OpenBLAS not found)")
    if not machine.limit_xla_threads(n):
        log(f"XLA has no thread-count flag for {n} threads: JAX keeps its default")


def write(results: dict, out: Path) -> None:
    """results.json and RESULTS.md."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (out / "RESULTS.md").write_text(report.render(results))
    log(f"wrote {out / 'RESULTS.md'} and {out / 'results.json'}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    args = parse_args(argv)
    if args.threads:
        set_threads(args.threads)
    cfg, t_start, load_before = (
        (QUICK if args.quick else FULL),
        time.perf_counter(),
        os.getloadavg(),
    )
    impls, notes = reference_impls()
    plugin, plugin_notes = load_plugin()
    extra, extra_notes = chainrule_impl(plugin)
    impls, notes = impls + extra, notes + plugin_notes + extra_notes
    log(f"implementations: {', '.join(i.name for i in impls)}")
    gemms, gemm_rounds = gemm_bench(args.workloads), 1 if args.quick else 2
    gemms.run(gemm_rounds, cfg.gemm_time / 2)
    log("GEMM pass 1/2 done")
    combos = [bench_combo(k, d, impls, cfg) for k in args.workloads for d in args.dtypes]
    gemms.run(gemm_rounds, cfg.gemm_time / 2)
    log("GEMM pass 2/2 done")
    gemm_rows = gemms.rows()
    for combo in combos:
        add_gemm_fractions(combo, gemm_rows)
    results = {"meta": {}, "notes": notes, "workloads": combos, "gemm": gemm_rows}
    if (rows := scaling(plugin, notes)) is not None:
        results["scaling"] = rows
    results["growth"] = growth.rows(quick=args.quick)
    log("growth with depth done")
    if not args.no_conv:
        results["conv"] = convolution(notes, args.quick)
    results["machine"] = machine.machine_info()
    results["meta"] = {
        "command": " ".join(["bench/run.py", *(sys.argv[1:] if argv is None else argv)]),
        "mode": "quick" if args.quick else "full",
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "runtime_s": time.perf_counter() - t_start,
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "config": asdict(cfg),
        "threads_option": args.threads,
    }
    write(results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
