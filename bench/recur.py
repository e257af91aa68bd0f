"""Benchmarks of recurrences (issue #13), as ratios within one run.

1. Reading, deriving and compiling the course's LSTM (``lstm_forward`` with ``np.concatenate``)
   in a fresh process, then one forward + backward pass for sequence lengths T = 5 … 400: the
   derivation and the printed code do not depend on T (the loop is never unrolled), so the first
   column is flat, and the run time per step is flat too.
2. One LSTM training step's gradients (n_a = 64, m = 32, n_x = 32, T = 25), the printed BPTT loop
   against PyTorch eager with the same cell written in torch (float64, autograd) and against
   ``jax.jit`` of ``lax.scan`` with ``jax.grad``: median seconds per call, interleaved.

Usage: ``.venv/bin/python bench/recur.py [--quick] [--out DIR]`` (writes RECUR.md there).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
sys.path.insert(0, str(SRC))
sys.path.insert(0, str(HERE.parent / "tests"))


def derive_and_compile() -> float:
    """Seconds to read, derive and compile the course's LSTM, in this process."""
    from test_recur import LSTM, LSTM_SHAPES

    from chainrule.recur import recurrence

    t = time.perf_counter()
    rec = recurrence(LSTM, LSTM_SHAPES)
    rec.module  # noqa: B018 - compiles the printed module
    return time.perf_counter() - t


def fresh() -> float:
    code = f"import sys; sys.path[:0] = [{str(HERE)!r}]; import recur; "
    code += "print(recur.derive_and_compile())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def values(n_x: int, n_a: int, m: int, T: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    v = {"x": rng.standard_normal((n_x, m, T)), "a0": rng.standard_normal((n_a, m))}
    for g in "fico":
        v[f"W{g}"] = rng.standard_normal((n_a, n_a + n_x)) * 0.1
        v[f"b{g}"] = np.zeros((n_a, 1))
    return v


def median_call(f, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def torch_step(v: dict, da: np.ndarray):
    import torch

    t = {k: torch.tensor(a) for k, a in v.items()}
    up = torch.tensor(da)

    def step():
        p = {k: a.clone().requires_grad_(True) for k, a in t.items()}
        a, c, loss = p["a0"], torch.zeros_like(p["a0"]), 0
        for s in range(da.shape[2]):
            z = torch.cat((a, p["x"][:, :, s]), dim=0)
            f = torch.sigmoid(p["Wf"] @ z + p["bf"])
            i = torch.sigmoid(p["Wi"] @ z + p["bi"])
            cc = torch.tanh(p["Wc"] @ z + p["bc"])
            c = f * c + i * cc
            o = torch.sigmoid(p["Wo"] @ z + p["bo"])
            a = o * torch.tanh(c)
            loss = loss + (up[:, :, s] * a).sum()
        loss.backward()
        return {k: q.grad for k, q in p.items()}

    return step


def jax_step(v: dict, da: np.ndarray):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)

    def cost(p, x, up):
        def cell(carry, inp):
            a, c = carry
            xt, ut = inp
            z = jnp.concatenate((a, xt), axis=0)
            f = jax.nn.sigmoid(p["Wf"] @ z + p["bf"])
            i = jax.nn.sigmoid(p["Wi"] @ z + p["bi"])
            cc = jnp.tanh(p["Wc"] @ z + p["bc"])
            c = f * c + i * cc
            o = jax.nn.sigmoid(p["Wo"] @ z + p["bo"])
            a = o * jnp.tanh(c)
            return (a, c), jnp.sum(ut * a)

        (_, _), losses = jax.lax.scan(
            cell,
            (p["a0"], jnp.zeros_like(p["a0"])),
            (jnp.moveaxis(x, 2, 0), jnp.moveaxis(up, 2, 0)),
        )
        return jnp.sum(losses)

    p = {k: jnp.asarray(a) for k, a in v.items() if k != "x"}
    g = jax.jit(jax.grad(cost))
    x, up = jnp.asarray(v["x"]), jnp.asarray(da)
    jax.block_until_ready(g(p, x, up))
    return lambda: jax.block_until_ready(g(p, x, up))


def main() -> None:
    from test_recur import LSTM, LSTM_SHAPES

    from chainrule.recur import recurrence

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args()
    rec = recurrence(LSTM, LSTM_SHAPES)
    lengths = (5, 25) if args.quick else (5, 25, 100, 400)
    setup = fresh()
    lines = [
        "# Recurrence benchmarks (bench/recur.py)",
        "",
        "## The course's LSTM: derive + compile once (fresh process), then run for any T",
        "",
        f"Read, derive and compile: {setup:.2f} s — the same for every T (T is not in the code).",
        "",
        "| T | printed lines | forward + backward (ms) | ms per step | per step ÷ (T = 5) |",
        "|---:|---:|---:|---:|---:|",
    ]
    base = None
    n_lines = len(rec.source().splitlines())
    for T in lengths:
        v = values(8, 16, 4, T)
        up = {"a": np.ones((16, 4, T))}
        s = median_call(lambda v=v, up=up: rec.backward(v, up), 3 if args.quick else 20)
        base = base or s / T
        lines.append(
            f"| {T} | {n_lines} | {s * 1e3:.2f} | {s / T * 1e3:.3f} | {s / T / base:.2f} |"
        )
    n_a, m, n_x, T = 64, 32, 32, 25
    v = values(n_x, n_a, m, T)
    da = np.random.default_rng(1).standard_normal((n_a, m, T))
    repeats = 5 if args.quick else 50
    ours = {"ours": lambda: rec.backward(v, {"a": da})}
    try:
        ours["torch"] = torch_step(v, da)
    except ImportError:
        pass
    try:
        ours["jax"] = jax_step(v, da)
    except ImportError:
        pass
    got = {k: [] for k in ours}
    for _ in range(repeats):  # interleaved
        for k, f in ours.items():
            got[k].append(median_call(f, 1))
    med = {k: float(np.median(t)) for k, t in got.items()}
    lines += [
        "",
        f"## LSTM gradients, n_a = {n_a}, m = {m}, n_x = {n_x}, T = {T} (float64, median)",
        "",
        "| implementation | ms per call | ÷ chainrule |",
        "|---|---:|---:|",
    ]
    names = {"ours": "chainrule (printed BPTT loop, NumPy)", "torch": "PyTorch eager, autograd"}
    names["jax"] = "jax.jit(jax.grad) of lax.scan"
    lines += [f"| {names[k]} | {t * 1e3:.2f} | {t / med['ours']:.2f} |" for k, t in med.items()]
    lines.append("")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "RECUR.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
