"""Convolution benchmarks (issue #12), part of ``make bench``: chainrule against PyTorch eager.

Two measurements, each interleaved with its PyTorch counterpart in the same run (harness.py) and
reported as the median ratio of paired block medians (chainrule time / PyTorch time, < 1 is faster):

* **conv forward + backward** at the course's sizes: m = 64 images of 32×32×3, f = 3, 16 filters,
  stride 1, pad 1 — Z, then dA_prev, dW, db for a given dZ. chainrule runs the kernels that its
  printed code calls (rules/conv_kernels.py: strided windows and one tensordot per product);
  PyTorch runs ``conv2d`` forward and autograd backward in its native NCHW layout. float64, float32.
* **the digits CNN training step** (conv 3×3×8 → relu → max pool → conv 3×3×16 → relu → max pool →
  dense 10, softmax cross-entropy, Adam, a batch of 64 8×8 digits): chainrule's ``cr.cnn`` step
  (the derived, printed NumPy code, then Adam) against the same network in PyTorch eager. float64
  only: a model's printed code computes in float64.

Run alone: ``PYTHONPATH=src python bench/conv_bench.py [--quick]``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import harness
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

M, SIZE, C_IN, F, C_OUT = 64, 32, 3, 3, 16


def _conv_chainrule(dtype: np.dtype) -> Callable[[], object]:
    from chainrule.rules import conv_kernels as K

    rng = np.random.default_rng(0)
    A = rng.standard_normal((M, SIZE, SIZE, C_IN)).astype(dtype)
    W = (rng.standard_normal((F, F, C_IN, C_OUT)) * 0.1).astype(dtype)
    b = np.zeros((1, 1, 1, C_OUT), dtype)
    dZ = rng.standard_normal((M, SIZE, SIZE, C_OUT)).astype(dtype)

    def step() -> object:
        Z = K.conv2d(A, W, 1, 1) + b
        dA = K.conv2d_backward_input(dZ, W, 1, 1, SIZE, SIZE)
        dW = K.conv2d_backward_filter(A, dZ, 1, 1, F)
        return Z, dA, dW, dZ.sum(axis=(0, 1, 2), keepdims=True)

    return step


def _conv_torch(dtype: np.dtype) -> Callable[[], object]:
    import torch

    t = torch.float64 if dtype == np.float64 else torch.float32
    g = torch.Generator().manual_seed(0)
    A = torch.randn((M, C_IN, SIZE, SIZE), generator=g, dtype=t, requires_grad=True)
    W = (torch.randn((C_OUT, C_IN, F, F), generator=g, dtype=t) * 0.1).requires_grad_()
    b = torch.zeros(C_OUT, dtype=t, requires_grad=True)
    dZ = torch.randn((M, C_OUT, SIZE, SIZE), generator=g, dtype=t)

    def step() -> object:
        A.grad = W.grad = b.grad = None
        Z = torch.nn.functional.conv2d(A, W, b, stride=1, padding=1)
        Z.backward(dZ)
        return Z, A.grad, W.grad, b.grad

    return step


def _digits_batches(batch: int = 64):  # noqa: ANN202 - an endless iterator of (X, y)
    from chainrule.data.images import digits

    X, y, _, _ = digits()
    while True:
        for k in range(0, len(X) - batch + 1, batch):
            yield X[k : k + batch], y[k : k + batch]


def _cnn_chainrule() -> Callable[[], object]:
    import chainrule as cr
    from chainrule.train.optimizers import make_optimizer

    net, batches = cr.cnn(), _digits_batches()
    state = {"params": net.init(0)}
    opt = make_optimizer("adam", 0.01, None)

    def step() -> object:
        X, y = next(batches)
        X, Y = net.check_data(X, y)
        grads = net.step(state["params"], X, Y)
        state["params"] = opt.update(state["params"], grads)
        return grads["J"]

    return step


def _cnn_torch() -> Callable[[], object]:
    import torch

    F_ = torch.nn.functional
    g = torch.Generator().manual_seed(0)
    shapes = {"W1": (8, 1, 3, 3), "b1": (8,), "W2": (16, 8, 3, 3), "b2": (16,)}
    shapes |= {"W3": (64, 10), "b3": (10,)}
    p = {k: (torch.randn(s, generator=g, dtype=torch.float64) * 0.1) for k, s in shapes.items()}
    params = [v.requires_grad_() for v in p.values()]
    opt = torch.optim.Adam(params, lr=0.01)
    batches = _digits_batches()

    def step() -> object:
        X, y = next(batches)
        x = torch.from_numpy(X.transpose(0, 3, 1, 2))
        a = F_.max_pool2d(F_.relu(F_.conv2d(x, p["W1"], p["b1"], padding=1)), 2)
        a = F_.max_pool2d(F_.relu(F_.conv2d(a, p["W2"], p["b2"], padding=1)), 2)
        z = a.permute(0, 2, 3, 1).reshape(len(X), -1) @ p["W3"] + p["b3"]
        loss = F_.cross_entropy(z, torch.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def _time(steps: dict[str, Callable[[], object]], quick: bool) -> dict[str, float]:
    """Interleaved blocks; the median ratio chainrule / torch and each median step time."""
    for s in steps.values():
        harness.warm_up(s, 2 if quick else 5, 0.0 if quick else 0.3)
    block = dict.fromkeys(steps, 3 if quick else 10)
    samples = harness.interleave(steps, block, (2, 3) if quick else (5, 15), 0.01, 10.0)
    out = {f"{name} median_s": harness.summarize(b)["median_s"] for name, b in samples.items()}
    out["ratio"] = harness.paired_ratio(samples["chainrule"], samples["torch eager"])
    return out


def run(quick: bool = False) -> list[dict]:
    """The rows of the Convolution section (see the module docstring)."""
    rows = []
    for dtype in (np.dtype("float64"), np.dtype("float32")):
        steps = {"chainrule": _conv_chainrule(dtype), "torch eager": _conv_torch(dtype)}
        r = _time(steps, quick)
        rows.append(_row("conv fwd+bwd, m=64, 32×32×3, f=3, 16 filters", dtype, r))
    steps = {"chainrule": _cnn_chainrule(), "torch eager": _cnn_torch()}
    rows.append(
        _row("digits CNN training step (Adam, batch 64)", np.dtype("float64"), _time(steps, quick))
    )
    return rows


def _row(what: str, dtype: np.dtype, r: dict) -> dict:
    return {
        "measurement": what,
        "dtype": str(dtype),
        "chainrule": f"{1e3 * r['chainrule median_s']:.2f} ms",
        "torch eager": f"{1e3 * r['torch eager median_s']:.2f} ms",
        "chainrule / torch": f"{r['ratio']:.2f}×",
    }


def section(rows: list[dict]) -> list[str]:
    """The Markdown section for RESULTS.md."""
    if not rows:
        return []
    headers = list(rows[0])
    lines = ["## Convolution (issue #12)", "", "| " + " | ".join(headers) + " |"]
    lines.append("|" + "---|" * len(headers))
    lines += ["| " + " | ".join(str(r[h]) for h in headers) + " |" for r in rows]
    return [*lines, "", "Ratios are medians of paired, interleaved blocks; < 1× is faster.", ""]


if __name__ == "__main__":
    print("\n".join(section(run("--quick" in sys.argv))))
