"""The fast step computes what the teaching code computes: same derivation, same numbers.

``net.source()`` and ``chainrule.fast.source(net)`` are both printed from ``net.derive("course")``;
here they run on random networks (depths, activations, losses, both layouts, L2 and dropout) and
must agree to 1e-12 in float64 — relative to the largest entry of each gradient — and to 1e-4 in
float32, where every buffer stays float32. Then: the aliasing contract, no allocation while the
step runs, the fused optimizers against hand-written updates, and derivation cost linear in depth.
"""

from __future__ import annotations

import importlib
import tracemalloc

import numpy as np
import pytest

import chainrule as cr
from chainrule import fast
from chainrule.fast.runtime import FastStep

simplify_module = importlib.import_module("chainrule.algebra.simplify")
PAIRS = [("sigmoid", "bce", 1), ("softmax", "ce", 3), ("linear", "mse", 2), ("tanh", "mse", 1)]
HIDDEN = ["relu", "tanh", "sigmoid", "leaky_relu", "softplus"]
TOL = {np.float64: 1e-12, np.float32: 1e-4}


def data(net: cr.Network, m: int, dtype: type, rng: np.random.Generator) -> tuple:
    """Random X and labels Y of the right kind for the network's loss, in its layout."""
    s = net.spec
    cols = s.layout == "columns"
    shape = lambda n: (n, m) if cols else (m, n)  # noqa: E731
    X = rng.standard_normal(shape(s.layers[0]))
    n = s.layers[-1]
    if s.loss == "ce":
        Y = np.eye(n)[:, rng.integers(0, n, m)]
        Y = Y if cols else Y.T
    elif s.loss == "bce":
        Y = rng.random(shape(1)) > 0.5
    else:
        Y = rng.standard_normal(shape(n))
    return X.astype(dtype), Y.astype(dtype)


def masks(net: cr.Network, m: int, dtype: type, rng: np.random.Generator) -> dict | None:
    if not net.spec.dropout:
        return None
    cols = net.spec.layout == "columns"
    return {
        f"D{l}": (rng.random((n, m) if cols else (m, n)) < 0.7).astype(dtype)
        for l, n in enumerate(net.spec.layers[1:-1], start=1)
    }


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    """max |a − b| relative to the largest entry of b."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-300))


def random_network(rng: np.random.Generator) -> cr.Network:
    output, loss, n_out = PAIRS[rng.integers(len(PAIRS))]
    depth = int(rng.integers(1, 5))
    widths = [int(w) for w in rng.integers(1, 7, depth)]
    if rng.random() < 0.3:
        widths = [n_out] * depth  # equal widths: buffers of one shape get reused across layers
    return cr.mlp(
        [int(rng.integers(1, 5)), *widths, n_out],
        hidden=[HIDDEN[i] for i in rng.integers(len(HIDDEN), size=depth)],
        output=output,
        loss=loss,
        layout=["columns", "rows"][int(rng.integers(2))],
        l2=float(rng.choice([0.0, 0.3])),
        keep_prob=float(rng.choice([1.0, 0.7])),
    )


@pytest.mark.parametrize("seed", range(24))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fast_gradients_and_cost_equal_the_teaching_code(seed: int, dtype: type) -> None:
    rng = np.random.default_rng(seed)
    net = random_network(rng)
    params = net.init(seed=seed, dtype=dtype)
    X, Y = data(net, int(rng.integers(1, 9)), dtype, rng)
    D = masks(net, X.shape[1 if net.spec.layout == "columns" else 0], dtype, rng)
    teach = net.gradients(params, X, Y, masks=D)
    J = net.forward(params, X, Y, D)["J"]
    for rescale in (True, False):  # the 1/m moved to the seed, and left where it was
        got = FastStep(net, rescale).gradients(params, X, Y, D, cost=True)
        for k in (f"d{p}" for p in net.program.params):
            assert got[k].dtype == dtype, k
            assert rel_err(got[k], teach[k]) <= TOL[dtype], (k, net.describe())
        assert abs(got["J"] - J) <= TOL[dtype] * abs(J), net.describe()


@pytest.mark.parametrize("layout", ["columns", "rows"])
def test_float32_end_to_end(layout: str) -> None:
    net = cr.mlp([5, 6, 4, 3], hidden="tanh", output="softmax", layout=layout)
    step = FastStep(net)
    X, Y = data(net, 9, np.float32, np.random.default_rng(0))
    out = step.gradients(net.init(dtype=np.float32), X, Y, cost=True)
    inst = step.instance(9, np.float32)
    assert all(b.dtype == np.float32 for b in inst.buffers)
    assert all(g.dtype == np.float32 for g in inst.grads.values())
    assert isinstance(out["J"], float)


def test_mixed_dtypes_are_an_error_not_a_cast() -> None:
    net = cr.mlp([2, 3, 1], hidden="tanh")
    X, Y = data(net, 4, np.float32, np.random.default_rng(0))
    with pytest.raises(cr.EvaluationError, match="float64 but X is float32"):
        fast.compile(net).gradients(net.init(), X, Y)


def test_returned_gradients_are_reused_unless_copied() -> None:
    net = cr.mlp([2, 3, 1], hidden="tanh")
    X, Y = data(net, 5, np.float64, np.random.default_rng(0))
    step = fast.compile(net)
    first = step.gradients(net.init(seed=0), X, Y)
    kept = step.gradients(net.init(seed=0), X, Y, copy=True)
    second = step.gradients(net.init(seed=1), X, Y)
    assert first["dW1"] is second["dW1"]  # the contract: valid until the next call
    assert not np.allclose(kept["dW1"], second["dW1"])
    assert np.allclose(kept["dW1"], net.gradients(net.init(seed=0), X, Y)["dW1"], rtol=1e-12)


def test_the_step_allocates_nothing_array_sized() -> None:
    m = 2000
    net = cr.mlp([50, 40, 30, 10], hidden="relu", output="softmax")
    X, Y = data(net, m, np.float64, np.random.default_rng(0))
    args = fast.compile(net).arguments(net.init(), X, Y, None)
    step = fast.compile(net).instance(m, np.float64).step
    step(*args, 1.0, True)
    tracemalloc.start()
    step(*args, 1.0, True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # NumPy's fixed ufunc buffer (64 KiB when relu′'s booleans are cast to floats) is all there is
    assert peak < 10 * m * 8, peak  # less than one (10, m) array, the smallest per-example one


def test_source_prints_only_what_is_needed_in_place() -> None:
    src = fast.source(cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid"))
    body = src[src.index("def step") :]
    assert "np.dot(dZ1, X.T, out=dW1)" in body  # transposed view, no copy, no 1/m
    assert "np.dot(dZ2, A1.T, out=dW2)" in body
    assert "1 - A1**2" in body  # the teaching formula is shown above its in-place calls
    for unused in ("dL =", "dA2 =", "dA0", "np.empty", "np.zeros", ".copy()"):
        assert unused not in body, unused
    assert body.count("np.") < 40


def test_relu_backward_reads_A_so_Z_is_overwritten() -> None:
    src = fast.source(cr.mlp([3, 4, 1], hidden="relu"))
    assert "A1 = np.maximum(Z1, 0.0, out=buf0)" in src  # in place: Z1 is not needed again
    assert "np.greater(A1, 0.0" in src


@pytest.mark.parametrize("layout", ["columns", "rows"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradient_descent_trainer_matches_the_teaching_update(layout: str, dtype: type) -> None:
    net = cr.mlp([3, 5, 4, 1], hidden="relu", output="sigmoid", l2=0.2, layout=layout)
    X, Y = data(net, 11, dtype, np.random.default_rng(1))
    params = net.init(seed=3, dtype=dtype)
    trainer = fast.Trainer(fast.compile(net), params, X, Y, fast.GD(0.5))
    for _ in range(3):
        J = net.forward(params, X, Y)["J"]
        g = net.gradients(params, X, Y)
        params = {k: p - dtype(0.5) * g[f"d{k}"] for k, p in params.items()}
        assert trainer() == pytest.approx(J, rel=TOL[dtype])
    got = trainer.params()
    assert all(v.dtype == dtype for v in got.values())
    assert max(rel_err(got[k], params[k]) for k in params) < TOL[dtype]


def test_adam_trainer_matches_the_textbook_update_on_cycled_batches() -> None:
    net = cr.mlp([4, 6, 3], hidden="tanh", output="softmax")
    X, Y = data(net, 12, np.float64, np.random.default_rng(2))
    params = net.init(seed=0)
    trainer = fast.Trainer(fast.compile(net), params, X, Y, fast.Adam(0.01), batch_size=5)
    v = {k: np.zeros_like(p) for k, p in params.items()}
    s = {k: np.zeros_like(p) for k, p in params.items()}
    for t in range(1, 6):
        k = (t - 1) % 2  # 12 // 5 = 2 full batches, cycled
        Xb, Yb = X[:, 5 * k : 5 * k + 5], Y[:, 5 * k : 5 * k + 5]
        g = net.gradients(params, Xb, Yb)
        for p in params:
            v[p] = 0.9 * v[p] + 0.1 * g[f"d{p}"]
            s[p] = 0.999 * s[p] + 0.001 * g[f"d{p}"] ** 2
            step = 0.01 * (v[p] / (1 - 0.9**t)) / (np.sqrt(s[p] / (1 - 0.999**t)) + 1e-8)
            params[p] = params[p] - step
        trainer()
    got = trainer.params()
    assert max(np.max(np.abs(got[k] - params[k])) for k in params) < 1e-12


def test_fit_accepts_the_fast_gradient_function() -> None:
    from chainrule.train import fit

    net = cr.mlp([2, 5, 5, 1], hidden="relu", l2=0.1, keep_prob=0.8)
    X, Y = data(net, 30, np.float64, np.random.default_rng(3))
    a = fit(net, X, Y, "adam", lr=0.01, iterations=12, batch_size=8, progress=False)
    b = fit(
        net, X, Y, "adam", lr=0.01, iterations=12, batch_size=8, progress=False,
        gradient_fn=fast.gradient_fn(net),
    )  # fmt: skip
    assert np.allclose(a.costs, b.costs, rtol=1e-12, atol=0)


def test_derivation_work_does_not_grow_with_depth() -> None:
    """Every layer asks SymPy the same questions: a deeper network adds no SymPy work."""
    cr.mlp([4] * 3 + [1], hidden="tanh").derive()
    before = simplify_module._choose.cache_info().misses
    cr.mlp([4] * 40 + [1], hidden="tanh").derive()
    assert simplify_module._choose.cache_info().misses == before
