"""Benchmarks of ``cr.model`` (issue #11), as ratios within one run.

1. Deriving and compiling a transformer of L blocks written as NumPy statements (single-head
   attention, residual, layer norm, a relu MLP, residual), each L in a fresh process so that no
   cache carries over: the seconds, and the seconds per block against L = 1 (linear growth keeps
   the ratio flat).
2. The derived (compact) batch-norm backward against the staged one that reverse mode writes
   (dZ through dμ and dσ²), both printed by chainrule from the same model and run on the same
   arrays: the ratio staged / compact.
3. A batch-norm MLP training step (``cr.mlp(..., batchnorm=True)``, chainrule's fast step)
   against the same network in PyTorch eager, from the same initial parameters, checked equal
   after one step first (bench/bn_mlp.py): the ratio torch / chainrule.

Usage: ``.venv/bin/python bench/models.py [--quick] [--out DIR]`` (writes MODELS.md there).
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


def transformer(blocks: int) -> tuple[str, dict]:
    """The statements of a ``blocks``-deep transformer over tokens × features (n, d)."""
    lines, shapes = [], {"X": ("n", "d"), "G": ("n", "d")}
    h = "X"
    for i in range(1, blocks + 1):
        for w in ("Wq", "Wk", "Wv", "Wo", "W1", "W2"):
            shapes[f"{w}{i}"] = ("d", "d")
        shapes[f"b1{i}"], shapes[f"b2{i}"] = (1, "d"), (1, "d")
        lines += [
            f"Q{i} = {h} @ Wq{i}",
            f"K{i} = {h} @ Wk{i}",
            f"V{i} = {h} @ Wv{i}",
            f"S{i} = Q{i} @ K{i}.T / np.sqrt(d)",
            f"P{i} = softmax(S{i}, axis=-1)",
            f"O{i} = P{i} @ V{i} @ Wo{i}",
            f"R{i} = {h} + O{i}",
            f"mu{i} = np.mean(R{i}, axis=1, keepdims=True)",
            f"var{i} = np.var(R{i}, axis=1, keepdims=True)",
            f"N{i} = (R{i} - mu{i}) / np.sqrt(var{i} + eps)",
            f"U{i} = np.maximum(N{i} @ W1{i} + b1{i}, 0)",
            f"H{i} = N{i} + U{i} @ W2{i} + b2{i}",
        ]
        h = f"H{i}"
    lines.append(f"J = np.sum({h} * G)")
    return "\n".join(lines), shapes


def derive_and_compile(blocks: int) -> float:
    """Seconds to read, derive (with compact forms) and compile the model, in this process."""
    import chainrule as cr

    source, shapes = transformer(blocks)
    t = time.perf_counter()
    model = cr.model(source, shapes, constants={"eps": 1e-5})
    model.derive()
    model._module("exact")
    return time.perf_counter() - t


def fresh(blocks: int) -> float:
    """``derive_and_compile(blocks)`` in a new interpreter (imports not timed)."""
    code = f"import sys; sys.path[:0] = [{str(HERE)!r}, {str(SRC)!r}]; import models; "
    code += f"print(models.derive_and_compile({blocks}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


BN = """
mu = np.mean(Z, axis=1, keepdims=True)
var = np.var(Z, axis=1, keepdims=True)
Z_norm = (Z - mu) / np.sqrt(var + eps)
Z_tilde = gamma * Z_norm + beta
J = np.sum(Z_tilde * G)
"""


def batchnorm_ratio(n: int, m: int, repeats: int) -> tuple[float, float]:
    """Median seconds of one call of the exported NumPy function (cost, dZ, dγ, dβ and only what
    they need): compact and staged, interleaved."""
    sys.path.insert(0, str(SRC))
    import chainrule as cr
    from chainrule.export.code import to_numpy
    from chainrule.export.plan import model_plan

    shapes = {"Z": ("n", "m"), "gamma": ("n", 1), "beta": ("n", 1), "G": ("n", "m")}
    bn = cr.model(BN, shapes, wrt=["Z", "gamma", "beta"], constants={"eps": 1e-5})
    rng = np.random.default_rng(0)
    v = bn.values({k: rng.standard_normal((n, m if s[1] == "m" else 1)) for k, s in shapes.items()})
    args = [v[x.name] for x in bn.program.inputs]
    fns = {}
    for name, flag in (("compact", True), ("staged", False)):
        namespace: dict = {}
        exec(compile(to_numpy(model_plan(bn, flag)), name, "exec"), namespace)  # noqa: S102
        fns[name] = namespace["cost_and_grad"]
    np.testing.assert_allclose(fns["compact"](*args)[1]["dZ"], fns["staged"](*args)[1]["dZ"])
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for name, f in fns.items():
            t = time.perf_counter()
            f(*args)
            times[name].append(time.perf_counter() - t)
    return float(np.median(times["compact"])), float(np.median(times["staged"]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--threads", type=int, default=None, help="BLAS/torch threads (bn_mlp)")
    args = ap.parse_args()
    depths = (1, 2, 4) if args.quick else (1, 2, 4, 8, 12)
    rows = [(L, fresh(L)) for L in depths]
    per_block = rows[0][1]
    lines = [
        "# cr.model benchmarks (bench/models.py)",
        "",
        "## Derive + compile a transformer written with cr.model (fresh process each)",
        "",
        "| blocks | seconds | seconds per block | per block ÷ (L = 1) |",
        "|---:|---:|---:|---:|",
    ]
    lines += [f"| {L} | {s:.2f} | {s / L:.3f} | {s / L / per_block:.2f} |" for L, s in rows]
    m, repeats = (64, 5) if args.quick else (1024, 100)
    compact, staged = batchnorm_ratio(64, m, repeats)
    lines += [
        "",
        f"## Batch-norm cost and backward, n = 64 features, m = {m} (median of interleaved calls)",
        "",
        "| backward | seconds per call | staged ÷ compact |",
        "|---|---:|---:|",
        f"| compact dZ (derived) | {compact * 1e3:.3f} ms | {staged / compact:.2f} |",
        f"| staged dZ (dμ, dσ²) | {staged * 1e3:.3f} ms | 1.00 |",
        "",
    ]
    import bn_mlp  # the batch-norm MLP step against PyTorch eager (needs torch)

    lines += [*bn_mlp.table(args.quick, args.threads), ""]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "MODELS.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
