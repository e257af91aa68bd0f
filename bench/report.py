"""Render the results dict (the content of results.json) as bench/RESULTS.md."""

from __future__ import annotations

import conv_bench
import growth
from workloads import SPECS

METHOD = """\
* One *step* = forward pass, cost, backward pass and parameter update; (c) is one Adam step on
  the next mini-batch of 256 (the 60 000 examples are pre-shuffled random data; the batches cycle,
  the last partial batch is dropped). All implementations start from the same seeded data and
  initial parameters (`workloads.make_problem`); `check_references.py` checks they agree.
* Timing: warm-up (this includes JAX's compilation), then the implementations run
  **interleaved** — each round runs one block of every implementation, the starting one
  rotating — so that the noise of a shared machine falls on all of them alike. A block is
  {settle} s of untimed steps, then a run of individually timed steps ("timed steps" = rounds ×
  steps per block). The untimed start is needed because OpenBLAS, torch's OpenMP/MKL and XLA
  each keep worker threads that spin for a while after their last call; on 2 cores, switching
  library after every step measured that contention (up to 2× slower steps) instead of the
  libraries. Median, min and max are over all timed steps; the garbage collector is off.
* "× numpy (medians)" divides medians; "× numpy (paired)" is the median over rounds of the
  ratio of block medians to the NumPy block median of the same round (more robust to drifting
  load). Below 1 = faster.
* GEMM-bound fraction = (time NumPy's BLAS needs for exactly the matrix products of one step,
  measured one product at a time, best repetition — see the GEMM section) / (median step
  time). 100 % would be a step that costs no more than its matrix products at NumPy's best
  rates (an implementation with a faster GEMM or fused kernels can exceed it).
* Memory, measured in a separate pass after timing: *traced peak* is tracemalloc's peak growth
  during one step (sees NumPy's allocations; n/a for torch and XLA, whose allocators it does not
  see; tracemalloc slows Python down, so it is never on while timing). *Peak RSS Δ* is the growth
  of the process's peak resident set over its size before the step (Linux clear_refs), measured
  after `malloc_trim(0)` returned glibc's free memory to the kernel; memory an allocator keeps
  by other means (XLA's buffer pools, NumPy's small-array cache) can still hide, so it is a
  lower bound.
"""


def fmt_time(seconds: float | None) -> str:
    """µs below a millisecond, ms below a second, else s."""
    if seconds is None:
        return "–"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_bytes(n: int | None) -> str:
    """KiB/MiB, or n/a."""
    if n is None:
        return "n/a"
    if n < 1024**2:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 1024**2:.1f} MiB"


def _ratio(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}×"


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f} %"


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """A GitHub-flavoured Markdown table."""
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def summary_section(results: dict) -> list[str]:
    """Median step time of every implementation, one row per (workload, dtype)."""
    names: list[str] = []
    for combo in results["workloads"]:
        names += [r["name"] for r in combo["impls"] if r["name"] not in names]
    rows = []
    for combo in results["workloads"]:
        by_name = {r["name"]: r for r in combo["impls"]}
        cells = [fmt_time(by_name[n]["median_s"]) if n in by_name else "–" for n in names]
        rows.append([f"({combo['workload']})", combo["dtype"], *cells])
    return ["## Summary: median time per step", "", *table(["workload", "dtype", *names], rows)]


def _impl_row(r: dict) -> list[str]:
    return [
        r["name"],
        fmt_time(r["median_s"]),
        f"{fmt_time(r['min_s'])} – {fmt_time(r['max_s'])}",
        _ratio(r.get("ratio")),
        _ratio(r.get("paired_ratio")),
        _pct(r.get("gemm_fraction")),
        fmt_bytes(r.get("traced_peak_bytes")),
        fmt_bytes(r.get("rss_peak_delta_bytes")),
        f"{r['rounds']} × {r['block']}",
        fmt_time(r.get("first_call_s")),
    ]


def combo_section(combo: dict) -> list[str]:
    """Detailed table of one (workload, dtype)."""
    headers = ["implementation", "median", "min – max", "× numpy (medians)",
               "× numpy (paired)", "GEMM-bound fraction", "traced peak / step",
               "peak RSS Δ / step", "timed steps", "first call"]  # fmt: skip
    out = [f"### ({combo['workload']}) {SPECS[combo['workload']].title} — {combo['dtype']}", ""]
    if combo.get("other_cpu_share") is not None:
        out += [f"Other processes used {100 * combo['other_cpu_share']:.0f} % of the machine's "
                f"CPU time while this was timed; {combo['rounds']} rounds.", ""]  # fmt: skip
    out += table(headers, [_impl_row(r) for r in combo["impls"]])
    ideal = combo.get("gemm_ideal")
    if ideal:
        out += ["", f"Matrix products of one step: {ideal['flops'] / 1e6:.1f} MFLOP, "
                f"{fmt_time(ideal['seconds'])} at NumPy's measured rates "
                f"({ideal['gflops']:.1f} GFLOP/s effective)."]  # fmt: skip
    notes = [f"* {n}" for n in combo.get("notes", [])]
    return [*out, "", *notes, *([""] if notes else [])]


def gemm_section(results: dict) -> list[str]:
    """Per-product GFLOP/s in float64 and float32."""
    rows: dict[tuple, dict] = {}
    for r in results["gemm"]:
        row = rows.setdefault((r["workload"], r["label"], r["product"], r["flops"]), {})
        row[r["dtype"]] = f"{r['gflops']:.1f} ({r['median_gflops']:.1f})"
    dtypes = sorted({r["dtype"] for r in results["gemm"]}, reverse=True)
    body = [[f"({w})" if w in SPECS else w, label, f"`{prod}`", f"{flops / 1e6:.2f}",
             *(row.get(d, "–") for d in dtypes)]
            for (w, label, prod, flops), row in rows.items()]  # fmt: skip
    headers = ["workload", "product", "shapes", "MFLOP", *(f"{d} GFLOP/s" for d in dtypes)]
    intro = ("`np.dot` on operands of exactly these shapes and layouts (ᵀ = transposed view, "
             "as the course code writes it), timed round-robin in passes before and after the "
             "workloads. "
             "GFLOP/s of the best repetition (the rate the BLAS reaches; used for the "
             "GEMM-bound ideal), in brackets that of the median repetition.")  # fmt: skip
    return ["## GEMM throughput (NumPy BLAS)", "", intro, "", *table(headers, body)]


def machine_section(results: dict) -> list[str]:
    """CPU, versions, BLAS, threads, environment."""
    m = results["machine"]
    np_info, tinfo, jinfo = m["numpy"], m.get("torch"), m.get("jax")
    ob = np_info.get("openblas") or {}
    lines = [
        f"* CPU: {m['cpu']} — {m['logical_cpus']} logical CPUs ({m['usable_cpus']} usable)",
        f"* Python {m['python']} on {m['platform']}",
        f"* numpy {np_info['version']}; BLAS build: {np_info['build']}",
        f"* OpenBLAS: {ob.get('config', 'n/a')}; core kernel {ob.get('corename', 'n/a')}; "
        f"threads {ob.get('threads', 'n/a')}",
        f"* NumPy BLAS threads: {m['numpy_blas_threads']}; threadpoolctl: "
        f"{m['threadpoolctl'] if m['threadpoolctl'] is not None else 'not installed'}",
        f"* torch: {tinfo if tinfo else 'not installed'}",
        f"* jax: {jinfo if jinfo else 'not installed'}",
        f"* Environment: {m['env'] or 'no BLAS/OpenMP/XLA variables set'}",
        f"* Load average before / after: {results['meta']['loadavg_before']} / "
        f"{results['meta']['loadavg_after']}",
    ]
    return ["## Machine", "", *lines]


def scaling_section(results: dict) -> list[str]:
    """The plug-in's derivation-scaling rows, if any."""
    rows = results.get("scaling")
    if not rows:
        return []
    headers = list(rows[0])
    body = [[str(r.get(h, "")) for h in headers] for r in rows]
    return ["## Derivation scaling", "", *table(headers, body), ""]


BUSY_THRESHOLD = 0.10


def busy_warning(results: dict) -> list[str]:
    """A warning when other processes took a noticeable share of the CPUs while timing."""
    shares = [c["other_cpu_share"] for c in results["workloads"] if c.get("other_cpu_share")]
    if not shares or max(shares) < BUSY_THRESHOLD:
        return []
    return [
        f"**Warning: the machine was busy** — other processes used up to {100 * max(shares):.0f} %"
        " of its CPU time while steps were timed. Multi-threaded BLAS (NumPy's OpenBLAS, torch's"
        " MKL/OpenMP) slows down sharply, sometimes by 10× or more, when its threads have to"
        " share the cores, so these numbers are not representative: rerun on an idle machine.",
        "",
    ]


def render(results: dict) -> str:
    """The whole RESULTS.md."""
    meta = results["meta"]
    out = [
        "# Benchmark results",
        "",
        f"`{meta['command']}` — {meta['mode']} run finished {meta['date']}, total runtime "
        f"{meta['runtime_s']:.0f} s. Machine details at the end; raw numbers in results.json.",
        "",
        *summary_section(results),
        "",
    ]
    out += busy_warning(results)
    if results["notes"]:
        out += ["Notes:", "", *(f"* {n}" for n in results["notes"]), ""]
    out += ["## Per workload and dtype", ""]
    for combo in results["workloads"]:
        out += combo_section(combo)
    out += [*gemm_section(results), "", *scaling_section(results)]
    out += growth.section(results.get("growth", []))
    out += conv_bench.section(results.get("conv", []))
    method = METHOD.format(settle=meta["config"]["settle"])
    out += ["## Method", "", method, *machine_section(results), ""]
    return "\n".join(out)
