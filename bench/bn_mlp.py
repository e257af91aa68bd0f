"""A batch-norm MLP training step: chainrule's fast step against PyTorch eager (issue #11).

The network is ``cr.mlp(layers, hidden="relu", batchnorm=True)``: every hidden layer is
``Z = W A_prev`` (no bias: β takes its place), batch statistics over the examples,
``Z̃ = γ ⊙ Ẑ + β``, relu; the output layer is linear + sigmoid/bce (one unit) or softmax/ce.
PyTorch eager runs the same network (``F.linear`` without bias, ``F.batch_norm`` in training mode,
the fused losses, autograd) from the *same initial parameters*, with the same full-batch gradient
descent. Before anything is timed, one step of each is taken from the same start and the
parameters after it are compared (to 1e-10 in float64); then the steps are timed interleaved
(bench/harness.py's protocol) and reported as torch ÷ chainrule, > 1 meaning chainrule is faster.

Usage: ``.venv/bin/python bench/bn_mlp.py [--quick] [--threads N]`` (prints a table;
``bench/models.py`` includes it). On a small shared machine ``--threads 1`` is the robust choice:
two libraries' spinning worker threads otherwise time each other as much as themselves.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "src")]

LR = 0.1
CASES = (((2, 16, 16, 1), 64), ((2, 16, 16, 1), 256), ((784, 128, 64, 10), 64),
         ((784, 128, 64, 10), 256))  # fmt: skip


def data(layers: tuple[int, ...], m: int, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic (n0, m) inputs and one-hot (or 0/1) labels, seeded."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((layers[0], m))
    k = layers[-1]
    if k == 1:
        Y = (X[:1] + X[1:2] > 0).astype(np.float64)
    else:
        Y = np.eye(k)[:, rng.integers(0, k, m)]
    return X.astype(dtype), Y.astype(dtype)


def chainrule_step(layers: tuple[int, ...], params: dict, X: np.ndarray, Y: np.ndarray):
    import chainrule as cr

    net = mlp(layers)
    fast = cr.fast.compile(net)
    start = {k: np.array(v, dtype=X.dtype) for k, v in params.items()}
    trainer = cr.fast.Trainer(fast, start, X, Y, cr.GradientDescent(LR))
    return trainer, trainer.params


def mlp(layers: tuple[int, ...]):
    import chainrule as cr

    output = "sigmoid" if layers[-1] == 1 else "softmax"
    return cr.mlp(list(layers), hidden="relu", output=output, batchnorm=True)


def torch_step(layers: tuple[int, ...], params: dict, X: np.ndarray, Y: np.ndarray):
    """The same network and update in PyTorch eager, examples as rows."""
    import torch
    import torch.nn.functional as F

    from chainrule.nets.spec import BN_EPS

    L = len(layers) - 1
    t = {k: torch.tensor(np.array(v, dtype=X.dtype)) for k, v in params.items()}
    t = {k: (v.reshape(-1) if k[0] in "bg" else v).requires_grad_(True) for k, v in t.items()}
    Xr, Yr = torch.tensor(np.array(X.T, order="C")), torch.tensor(np.array(Y.T, order="C"))
    leaves = list(t.values())

    def step() -> torch.Tensor:
        A = Xr
        for l in range(1, L):
            Z = F.linear(A, t[f"W{l}"])
            Z = F.batch_norm(Z, None, None, t[f"gamma{l}"], t[f"beta{l}"], True, 0.0, BN_EPS)
            A = torch.relu(Z)
        Z = F.linear(A, t[f"W{L}"], t[f"b{L}"])
        if layers[-1] == 1:
            loss = F.binary_cross_entropy_with_logits(Z, Yr)
        else:
            loss = F.cross_entropy(Z, Yr)
        loss.backward()
        with torch.no_grad():
            for p in leaves:
                p.sub_(p.grad, alpha=LR)
                p.grad = None
        return loss.detach()

    def current() -> dict[str, np.ndarray]:
        return {k: v.detach().numpy().reshape(np.shape(params[k])).copy() for k, v in t.items()}

    return step, current


def initial(layers: tuple[int, ...]) -> dict[str, np.ndarray]:
    """The network's own seeded initial parameters (W by He; γ = 1, β = 0; b = 0)."""
    net = mlp(layers)
    start = net.init(seed=1)
    return {k: np.array(start[k]) for k in net.program.params}  # not the running statistics


def same_after_one_step(layers: tuple[int, ...], m: int) -> float:
    """Largest |difference| of any parameter after one float64 step of each from one start."""
    params = initial(layers)
    X, Y = data(layers, m, np.float64)
    ours, ours_params = chainrule_step(layers, params, X, Y)
    theirs, theirs_params = torch_step(layers, params, X, Y)
    ours()
    theirs()
    a, b = ours_params(), theirs_params()
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in params)


def timed(steps: dict, rounds: int, block: int) -> dict[str, float]:
    """Median seconds per step, implementations interleaved round by round (after a warm-up)."""
    for f in steps.values():
        for _ in range(5):
            f()
    samples: dict[str, list[float]] = {k: [] for k in steps}
    names = list(steps)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            f = steps[name]
            end = time.perf_counter() + 0.05  # let the other library's threads go idle
            while time.perf_counter() < end:
                f()
            for _ in range(block):
                t = time.perf_counter()
                f()
                samples[name].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in samples.items()}


def set_threads(n: int | None) -> int:
    """``n`` threads for NumPy's BLAS and torch (default: torch takes NumPy's BLAS count, as
    bench/run.py does); the count torch reports."""
    import machine
    import torch

    if n:
        machine.set_openblas_threads(n)
    torch.set_num_threads(n or max(1, machine.numpy_blas_threads() or torch.get_num_threads()))
    return torch.get_num_threads()


def table(quick: bool = False, threads: int | None = None) -> list[str]:
    import torch

    set_threads(threads)
    lines = [
        "## Batch-norm MLP training step (full batch, GD) vs PyTorch eager",
        "",
        f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads; same initial "
        "parameters; ratio = torch ÷ chainrule (> 1: chainrule faster).",
        "",
        "| layers | m | dtype | max abs Δθ after 1 step (f64) | chainrule | torch eager | ratio |",
        "|---|---:|---|---:|---:|---:|---:|",  # layers, m, dtype, |Δθ|, ours, torch, ratio
    ]
    rounds, block = (3, 5) if quick else (15, 20)
    for layers, m in CASES[:2] if quick else CASES:
        gap = same_after_one_step(layers, m)
        if gap > 1e-10:
            raise SystemExit(
                f"{layers} m={m}: chainrule and torch differ by {gap:.2e} after a step"
            )
        for dtype in (np.float64, np.float32):
            params = initial(layers)
            X, Y = data(layers, m, dtype)
            ours, _ = chainrule_step(layers, params, X, Y)
            theirs, _ = torch_step(layers, params, X, Y)
            t = timed({"chainrule": ours, "torch": theirs}, rounds, block)
            name = "-".join(map(str, layers))
            lines.append(
                f"| {name} | {m} | {np.dtype(dtype).name} | {gap:.1e} | "
                f"{t['chainrule'] * 1e6:.0f} µs | {t['torch'] * 1e6:.0f} µs | "
                f"{t['torch'] / t['chainrule']:.2f} |"
            )
    return lines


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=None, help="threads for NumPy's BLAS and torch")
    args = ap.parse_args()
    print("\n".join(table(args.quick, args.threads)))
