"""Benchmarks of recurrences (issue #13), as ratios within one run.

1. Reading, deriving and compiling the course's LSTM (``lstm_forward`` with ``np.concatenate``)
   in a fresh process, then one forward + backward pass for sequence lengths T = 5 … 400: the
   derivation and the printed code do not depend on T (the loop is never unrolled), so the first
   column is flat, and the run time per step is flat too.
2. One whole training step of the character-level LSTM (n_a = 64, m = 32, n_x = 32, T = 25,
   softmax and cross-entropy at each step): forward, backward and the gradient-descent update.
   chainrule's printed loops (what ``charlm.train`` runs) against PyTorch eager with the same cell
   written in torch (float64, autograd) and ``jax.jit`` of ``lax.scan`` + ``jax.grad`` + update;
   also chainrule's own PyTorch and JAX exports of the derived loop. Median seconds per step,
   interleaved; the ratios are chainrule's time over each (the goals: ≤ 1 against PyTorch eager,
   ≤ 2 against jax.jit).

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


def derive_and_compile() -> float:
    """Seconds to read, derive and compile the course's LSTM, in this process."""
    from chainrule.recur import recurrence
    from chainrule.recur.course import LSTM_FORWARD as LSTM
    from chainrule.recur.course import LSTM_SHAPES

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


# -- one training step of the character-level LSTM: forward, backward, update ------------
LR = 0.01


def char_values(n_x: int, n_a: int, m: int, T: int, seed: int = 0) -> dict:
    """One-hot X and Y (n_x, m, T), zero states, the course's LSTM with softmax output."""
    rng = np.random.default_rng(seed)
    eye = np.eye(n_x)
    v = {
        "X": eye[rng.integers(0, n_x, (m, T))].transpose(2, 0, 1).copy(),
        "Y": eye[rng.integers(0, n_x, (m, T))].transpose(2, 0, 1).copy(),
        "a0": np.zeros((n_a, m)),
        "c0": np.zeros((n_a, m)),
    }
    for g in "fico":
        v[f"W{g}"] = rng.standard_normal((n_a, n_a + n_x)) * 0.1
        v[f"b{g}"] = np.zeros((n_a, 1))
    v["Wy"], v["by"] = rng.standard_normal((n_x, n_a)) * 0.1, np.zeros((n_x, 1))
    return v


PARAMS = [*(f"W{g}" for g in "fico"), *(f"b{g}" for g in "fico"), "Wy", "by"]


def chainrule_step(v: dict):
    """What chainrule.recur.charlm.train runs per iteration: the printed forward loop, the
    printed BPTT loop (dz⟨t⟩ = ŷ⟨t⟩ − y⟨t⟩), a gradient-descent update."""
    from chainrule.recur import charlm

    rec = charlm.char_rnn("lstm")
    p = dict(v)

    def step():
        fwd = rec.forward(p)
        g = rec.backward(p, {}, fwd)
        for k in PARAMS:
            p[k] = p[k] - LR * g["d" + k]

    return step


def _torch_cost(p: dict, X, Y):
    import torch

    a, c, J = p["a0"], p["c0"], 0.0
    for s in range(X.shape[2]):
        z = torch.cat((a, X[:, :, s]), dim=0)
        f = torch.sigmoid(p["Wf"] @ z + p["bf"])
        i = torch.sigmoid(p["Wi"] @ z + p["bi"])
        cc = torch.tanh(p["Wc"] @ z + p["bc"])
        c = f * c + i * cc
        o = torch.sigmoid(p["Wo"] @ z + p["bo"])
        a = o * torch.tanh(c)
        logits = p["Wy"] @ a + p["by"]
        J = J - (Y[:, :, s] * torch.log_softmax(logits, dim=0)).sum()
    return J


def torch_step(v: dict):
    """PyTorch eager: the same cell written in torch, autograd, an in-place update."""
    import torch

    X, Y = torch.tensor(v["X"]), torch.tensor(v["Y"])
    p = {k: torch.tensor(a, requires_grad=k in PARAMS) for k, a in v.items() if k not in ("X", "Y")}

    def step():
        _torch_cost(p, X, Y).backward()
        with torch.no_grad():
            for k in PARAMS:
                p[k] -= LR * p[k].grad
                p[k].grad = None

    return step


def jax_step(v: dict):
    """``jax.jit`` of a whole step: lax.scan over the cell, jax.grad, the update."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)

    def cost(p, states, X, Y):
        def cell(carry, inp):
            a, c = carry
            xt, yt = inp
            z = jnp.concatenate((a, xt), axis=0)
            f = jax.nn.sigmoid(p["Wf"] @ z + p["bf"])
            i = jax.nn.sigmoid(p["Wi"] @ z + p["bi"])
            cc = jnp.tanh(p["Wc"] @ z + p["bc"])
            c = f * c + i * cc
            o = jax.nn.sigmoid(p["Wo"] @ z + p["bo"])
            a = o * jnp.tanh(c)
            logits = p["Wy"] @ a + p["by"]
            return (a, c), -jnp.sum(yt * jax.nn.log_softmax(logits, axis=0))

        _, losses = jax.lax.scan(cell, states, (jnp.moveaxis(X, 2, 0), jnp.moveaxis(Y, 2, 0)))
        return jnp.sum(losses)

    @jax.jit
    def update(p, states, X, Y):
        g = jax.grad(cost)(p, states, X, Y)
        return {k: p[k] - LR * g[k] for k in p}

    box = {"p": {k: jnp.asarray(v[k]) for k in PARAMS}}
    states = (jnp.asarray(v["a0"]), jnp.asarray(v["c0"]))
    X, Y = jnp.asarray(v["X"]), jnp.asarray(v["Y"])
    jax.block_until_ready(update(box["p"], states, X, Y))  # compiled once, outside the timing

    def step():
        box["p"] = jax.block_until_ready(update(box["p"], states, X, Y))

    return step


def export_step(v: dict, to: str):
    """chainrule's own exports: the derived BPTT loop in torch (no autograd) or as a reverse
    lax.scan (jit-compiled with the update)."""
    from chainrule.recur import charlm
    from chainrule.recur.export import export_recurrence

    ns: dict = {}
    exec(export_recurrence(charlm.char_rnn("lstm"), to), ns)  # noqa: S102 - printed by chainrule
    if to == "torch":
        import torch

        p = {k: torch.tensor(a) for k, a in v.items()}

        def step():
            g = ns["gradients"](**p)
            for k in PARAMS:
                p[k] -= LR * g["d" + k]

        return step
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)

    @jax.jit
    def update(p):
        g = ns["gradients"](**p)
        return {**p, **{k: p[k] - LR * g["d" + k] for k in PARAMS}}

    box = {"p": {k: jnp.asarray(a) for k, a in v.items()}}
    jax.block_until_ready(update(box["p"]))

    def step():
        box["p"] = jax.block_until_ready(update(box["p"]))

    return step


def _one_torch_thread() -> str:
    try:
        import torch
    except ImportError:
        return "no thread (not installed)"
    torch.set_num_threads(1)
    return "one thread"


def main() -> None:
    from chainrule.recur import recurrence
    from chainrule.recur.course import LSTM_FORWARD as LSTM
    from chainrule.recur.course import LSTM_SHAPES

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
    v = char_values(n_x, n_a, m, T)
    threads = _one_torch_thread()
    repeats = 5 if args.quick else 40
    steps = {"ours": chainrule_step(v)}
    makers = {
        "torch": torch_step,
        "jax": jax_step,
        "torch export": lambda v: export_step(v, "torch"),
        "jax export": lambda v: export_step(v, "jax"),
    }
    for k, make in makers.items():
        try:
            steps[k] = make(v)
        except ImportError:
            pass
    for f in steps.values():
        f()  # warm up
    got = {k: [] for k in steps}
    for _ in range(repeats):  # interleaved
        for k, f in steps.items():
            got[k].append(median_call(f, 1))
    med = {k: float(np.median(t)) for k, t in got.items()}
    names = {
        "ours": "chainrule (printed forward + BPTT loops, NumPy; what charlm.train runs)",
        "torch": "PyTorch eager, the same cell in torch, autograd",
        "jax": "jax.jit of lax.scan + jax.grad + update",
        "torch export": "chainrule's PyTorch export (derived BPTT loop, no autograd)",
        "jax export": "chainrule's JAX export (reverse lax.scan), jax.jit",
    }
    lines += [
        "",
        f"## One training step of the character-level LSTM (forward, backward, update): "
        f"n_a = {n_a}, m = {m}, n_x = {n_x}, T = {T}, float64, median of {repeats}",
        "",
        f"PyTorch runs on {threads} (torch.set_num_threads(1)): on a small shared machine its "
        "default pool of spinning threads made every torch row 10–15× slower; NumPy and XLA keep "
        "their defaults (these matrices are too small for BLAS threads).",
        "",
        "| implementation | ms per step | chainrule ÷ it |",
        "|---|---:|---:|",
    ]
    lines += [f"| {names[k]} | {t * 1e3:.2f} | {med['ours'] / t:.2f} |" for k, t in med.items()]
    targets = [("torch", 1.0, "no slower than PyTorch eager"), ("jax", 2.0, "within 2× of jax.jit")]
    for k, limit, goal in targets:
        if k in med:
            ratio = med["ours"] / med[k]
            verdict = "met" if ratio <= limit else "NOT met"
            lines.append(f"\nGoal {goal}: chainrule ÷ {k} = {ratio:.2f} ({verdict}).")
    lines.append("")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "RECUR.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
