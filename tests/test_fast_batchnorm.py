"""The fast step of a batch-norm MLP: against PyTorch autograd and against the teaching code.

The fast step prints the same derivation a second time (pruned, 1/m moved to the seed, ``dZ``
reading ``dβ`` and ``dγ`` from their output arrays); here its gradients and one fused training
step are compared with PyTorch (``F.batch_norm`` in training mode, autograd) in float64, from the
network's own initial parameters, and with ``net.gradients`` (the teaching code).
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.nets.spec import BN_EPS

torch = pytest.importorskip("torch")
F = torch.nn.functional


def problem(layers: list[int], m: int, seed: int = 0):
    output = "sigmoid" if layers[-1] == 1 else "softmax"
    net = cr.mlp(layers, hidden="relu", output=output, batchnorm=True)
    start = net.init(seed=seed)
    params = {k: start[k] for k in net.program.params}
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((layers[0], m))
    k = layers[-1]
    Y = (X[:1] > 0).astype(float) if k == 1 else np.eye(k)[:, rng.integers(0, k, m)]
    return net, params, X, Y


def torch_gradients(layers: list[int], params: dict, X: np.ndarray, Y: np.ndarray) -> dict:
    """∂J/∂θ by autograd: Z = A Wᵀ (no bias), batch norm over the examples, relu; linear output."""
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    A, L = torch.tensor(X.T), len(layers) - 1
    for l in range(1, L):
        Z = F.linear(A, t[f"W{l}"])
        g, b = t[f"gamma{l}"].reshape(-1), t[f"beta{l}"].reshape(-1)
        A = torch.relu(F.batch_norm(Z, None, None, g, b, True, 0.0, BN_EPS))
    Z = F.linear(A, t[f"W{L}"], t[f"b{L}"].reshape(-1))
    Yt = torch.tensor(Y.T)
    loss = F.binary_cross_entropy_with_logits(Z, Yt) if layers[-1] == 1 else F.cross_entropy(Z, Yt)
    loss.backward()
    return {"d" + k: v.grad.numpy() for k, v in t.items()}


@pytest.mark.parametrize(("layers", "m"), [([2, 16, 16, 1], 64), ([20, 8, 6, 4], 13)])
def test_fast_gradients_agree_with_torch_and_the_teaching_code(layers: list[int], m: int):
    net, params, X, Y = problem(layers, m)
    fast = cr.fast.compile(net).gradients(params, X, Y, copy=True)
    ref = torch_gradients(layers, params, X, Y)
    teaching = net.gradients(params, X, Y)
    for k in ref:
        np.testing.assert_allclose(fast[k], ref[k], rtol=1e-10, atol=1e-12, err_msg=k)
        np.testing.assert_allclose(fast[k], teaching[k], rtol=1e-12, atol=1e-14, err_msg=k)


def test_dz_reads_dbeta_and_dgamma_from_their_outputs() -> None:
    source = cr.fast.source(cr.mlp([2, 4, 1], hidden="relu", batchnorm=True))
    body = source.split("# dZ1 = ", 1)[1].split("# dW1", 1)[0]
    assert "dbeta1" in body and "dgamma1" in body and "np.add.reduce" not in body


def test_one_fused_training_step_matches_torch() -> None:
    layers = [2, 16, 16, 1]
    net, params, X, Y = problem(layers, 32, seed=3)
    step = cr.fast.Trainer(cr.fast.compile(net), params, X, Y, cr.GradientDescent(0.1))
    step()
    ref = torch_gradients(layers, params, X, Y)
    after = step.params()
    for k, v in params.items():
        np.testing.assert_allclose(after[k], v - 0.1 * ref["d" + k], rtol=1e-10, atol=1e-12)
