"""The same training steps in PyTorch eager mode (CPU), with autograd for the backward pass.

Examples are rows here (the natural torch layout; ``F.linear(A, W, b) = A Wᵀ + b`` with ``W`` of
shape ``(n_l, n_{l-1})`` exactly as in the course), the data is transposed to contiguous rows once
at build time, losses are the fused torch ones (``binary_cross_entropy_with_logits``,
``cross_entropy`` with one-hot probability targets); same maths as the NumPy reference.
Gradient descent is a manual in-place update; (c) uses ``torch.optim.Adam``.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from workloads import ADAM, Problem, Trainer


def set_threads(n: int) -> int:
    """Use ``n`` intra-op threads (the NumPy BLAS thread count); return what torch reports."""
    torch.set_num_threads(n)
    return torch.get_num_threads()


def _tensors(problem: Problem) -> tuple[list[torch.Tensor], torch.Tensor, torch.Tensor]:
    """Leaf parameters ``[W1, b1, W2, b2, ...]`` (biases as vectors) and row-major data."""
    params = []
    for k, v in problem.fresh_params().items():
        t = torch.from_numpy(v.reshape(-1) if k.startswith("b") else v)
        params.append(t.requires_grad_(True))
    X = torch.from_numpy(np.array(problem.X.T, order="C"))
    Y = torch.from_numpy(np.array(problem.Y.T, order="C"))
    return params, X, Y


def _forward(params: list[torch.Tensor], X: torch.Tensor, hidden: str) -> torch.Tensor:
    """Logits of the output layer."""
    act = torch.tanh if hidden == "tanh" else torch.relu
    A = X
    L = len(params) // 2
    for l in range(L - 1):
        A = act(F.linear(A, params[2 * l], params[2 * l + 1]))
    return F.linear(A, params[-2], params[-1])


def _loss(Z: torch.Tensor, Y: torch.Tensor, output: str) -> torch.Tensor:
    if output == "sigmoid":
        return F.binary_cross_entropy_with_logits(Z, Y)
    return F.cross_entropy(Z, Y)


def _as_course(params: list[torch.Tensor]) -> dict[str, np.ndarray]:
    out = {}
    for i, p in enumerate(params):
        kind, l = ("W", i // 2 + 1) if i % 2 == 0 else ("b", i // 2 + 1)
        a = p.detach().numpy().copy()
        out[f"{kind}{l}"] = a if kind == "W" else a.reshape(-1, 1)
    return out


def build_gd(problem: Problem) -> Trainer:
    """Workloads (a), (b): one full-batch step, autograd backward, manual GD update."""
    spec = problem.spec
    params, X, Y = _tensors(problem)

    def step():
        loss = _loss(_forward(params, X, spec.hidden), Y, spec.output)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=spec.lr)
                p.grad = None
        return loss.detach()

    return Trainer(step, lambda: _as_course(params))


def build_adam(problem: Problem) -> Trainer:
    """Workload (c): one ``torch.optim.Adam`` step on the next mini-batch (cycling)."""
    spec = problem.spec
    params, X, Y = _tensors(problem)
    opt = torch.optim.Adam(
        params, lr=spec.lr, betas=(ADAM["beta1"], ADAM["beta2"]), eps=ADAM["epsilon"]
    )
    B, state = spec.step_batch, {"t": 0}

    def step():
        k = state["t"] % spec.n_batches
        state["t"] += 1
        loss = _loss(
            _forward(params, X[k * B : (k + 1) * B], spec.hidden),
            Y[k * B : (k + 1) * B],
            spec.output,
        )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.detach()

    return Trainer(step, lambda: _as_course(params))


def build(problem: Problem) -> Trainer:
    """The torch eager trainer for ``problem``'s workload."""
    return build_adam(problem) if problem.spec.optimizer == "adam" else build_gd(problem)
