"""Exports of a recurrence (issue #13): PyTorch and JAX code that runs the derived BPTT loop.

The exported ``backward`` is the printed reverse loop (torch: a Python loop under
``torch.no_grad()``; JAX: a ``lax.scan`` with ``reverse=True`` whose body is the cell's VJP). Its
gradients are held to PyTorch autograd of the cell written independently in torch (float64,
``test_recur._torch_rnn`` / ``_torch_lstm``) and to central differences of that torch cell.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_recur import (
    LSTM,
    LSTM_SHAPES,
    RNN,
    RNN_SHAPES,
    _lstm_values,
    _torch_lstm,
    _torch_rnn,
)

from chainrule.recur import recurrence
from chainrule.recur.export import export_recurrence

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def recs():
    return {"rnn": recurrence(RNN, RNN_SHAPES), "lstm": recurrence(LSTM, LSTM_SHAPES)}


def _values(which: str, rng, sizes=None):
    n_x, n_a, n_y, m, T = sizes or (int(v) for v in rng.integers(1, 7, size=5))
    if which == "lstm":
        values = _lstm_values(rng, n_x, n_a, m, T)
        return values, {
            "a": rng.standard_normal((n_a, m, T)),
            "c": rng.standard_normal((n_a, m, T)),
        }
    dims = dict(n_x=n_x, n_a=n_a, n_y=n_y, m=m, T_x=T)
    values = {
        k: rng.standard_normal(tuple(dims.get(d, d) for d in s)) for k, s in RNN_SHAPES.items()
    }
    return values, {
        "a": rng.standard_normal((n_a, m, T)),
        "y_pred": rng.standard_normal((n_y, m, T)),
    }


def _module(rec, to: str) -> dict:
    namespace: dict = {}
    source = export_recurrence(rec, to)
    exec(compile(source, f"<{to} export>", "exec"), namespace)  # noqa: S102 - printed by us
    return namespace


def _exported_gradients(rec, to: str, values: dict, ups: dict, jit: bool = True) -> dict:
    ns = _module(rec, to)
    kw = {"d" + a: u for a, u in ups.items()}
    if to == "torch":
        t = {k: torch.tensor(v, requires_grad=True) for k, v in values.items()}
        got = ns["gradients"](**{k: torch.tensor(v) for k, v in kw.items()}, **t)
        assert all(v.grad is None for v in t.values())  # autograd computed nothing
        assert not any(g.requires_grad for g in got.values())
        return {k: g.numpy() for k, g in got.items()}
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    f = jax.jit(ns["gradients"]) if jit else ns["gradients"]
    return {k: np.asarray(g) for k, g in f(**kw, **values).items()}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("which", ["rnn", "lstm"])
@pytest.mark.parametrize("to", ["torch", "jax"])
def test_exported_bptt_agrees_with_torch_autograd(recs, to, which, seed):
    rng = np.random.default_rng(100 + seed)
    values, ups = _values(which, rng)
    want = (_torch_rnn if which == "rnn" else _torch_lstm)(values, ups)
    got = _exported_gradients(recs[which], to, values, ups)
    assert set(got) == set(want) - {"dc0"}
    for k in got:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-9, atol=1e-12, err_msg=f"{to} {k}")


def _torch_cost(which: str, values: dict, ups: dict) -> float:
    """The independent torch cell's Σ upstream ⊙ outputs (no gradient taken)."""
    t = {k: torch.tensor(v) for k, v in values.items()}
    a, c, cost = t["a0"], torch.zeros_like(t["a0"]), 0.0
    for s in range(values["x"].shape[2]):
        if which == "rnn":
            a = torch.tanh(t["Waa"] @ a + t["Wax"] @ t["x"][:, :, s] + t["ba"])
            y = torch.softmax(t["Wya"] @ a + t["by"], dim=0)
            cost += float((torch.tensor(ups["y_pred"][:, :, s]) * y).sum())
        else:
            z = torch.cat((a, t["x"][:, :, s]), dim=0)
            f = torch.sigmoid(t["Wf"] @ z + t["bf"])
            i = torch.sigmoid(t["Wi"] @ z + t["bi"])
            c = f * c + i * torch.tanh(t["Wc"] @ z + t["bc"])
            a = torch.sigmoid(t["Wo"] @ z + t["bo"]) * torch.tanh(c)
            cost += float((torch.tensor(ups["c"][:, :, s]) * c).sum())
        cost += float((torch.tensor(ups["a"][:, :, s]) * a).sum())
    return cost


@pytest.mark.parametrize("which", ["rnn", "lstm"])
@pytest.mark.parametrize("to", ["torch", "jax"])
def test_exported_bptt_agrees_with_central_differences(recs, to, which):
    rng = np.random.default_rng(7)
    values, ups = _values(which, rng, (3, 4, 2, 2, 5))
    got = _exported_gradients(recs[which], to, values, ups, jit=False)
    h = 1e-6
    for name, v in values.items():
        for _ in range(4):  # four random entries of each input
            i = tuple(int(rng.integers(0, n)) for n in v.shape)
            plus = {k: a.copy() for k, a in values.items()}
            minus = {k: a.copy() for k, a in values.items()}
            plus[name][i] += h
            minus[name][i] -= h
            num = (_torch_cost(which, plus, ups) - _torch_cost(which, minus, ups)) / (2 * h)
            assert got["d" + name][i] == pytest.approx(num, rel=1e-6, abs=1e-8), (name, i)


@pytest.mark.parametrize("which", ["rnn", "lstm"])
def test_the_exports_print_one_reverse_loop_not_copies(recs, which):
    rec = recs[which]
    numpy_src = rec.source()
    tsrc, jsrc = export_recurrence(rec, "torch"), export_recurrence(rec, "jax")
    # the same loop as the NumPy module: one reverse loop, the carried sum, the accumulations
    assert tsrc.count("for t in reversed(range(T_x)):") == 1
    assert "da_next = da[:, :, t] + da_prev" in tsrc and "@torch.no_grad()" in tsrc
    assert "jax.lax.scan(cell_vjp, carry, steps, reverse=True)" in jsrc
    assert "da_next = da_t + da_prev" in jsrc
    for w in rec.params:
        assert f"d{w} += " in tsrc and f"d{w} += " in jsrc
    assert ".backward(" not in tsrc and "jax.grad(" not in jsrc and "jax.vjp(" not in jsrc
    # each formula printed once: as many tanh calls as the NumPy module, whatever T is
    assert tsrc.count("torch.tanh(") == numpy_src.count("np.tanh(")
    assert jsrc.count("jnp.tanh(") == numpy_src.count("np.tanh(")
    # the same source runs any length: T = 2 and T = 40 give the autograd numbers
    for T in (2, 40):
        values, ups = _values(which, np.random.default_rng(T), (2, 3, 2, 2, T))
        want = (_torch_rnn if which == "rnn" else _torch_lstm)(values, ups)
        got = _exported_gradients(rec, "torch", values, ups)
        np.testing.assert_allclose(
            got["dWf" if which == "lstm" else "dWaa"],
            want["dWf" if which == "lstm" else "dWaa"],
            rtol=1e-9,
        )


@pytest.mark.parametrize("to", ["torch", "jax"])
def test_the_exported_forward_is_differentiable_by_autodiff_too(recs, to):
    """``forward`` alone, under the framework's own autodiff, agrees with the derived loop."""
    rec = recs["lstm"]
    rng = np.random.default_rng(11)
    values, ups = _values("lstm", rng, (3, 4, 2, 2, 6))
    want = rec.backward(values, ups)
    ns = _module(rec, to)
    if to == "torch":
        t = {k: torch.tensor(v, requires_grad=True) for k, v in values.items()}
        out = ns["forward"](**t)
        sum((torch.tensor(ups[a]) * out[a]).sum() for a in ups).backward()
        got = {"d" + k: v.grad.numpy() for k, v in t.items()}
    else:
        jax = pytest.importorskip("jax")
        jax.config.update("jax_enable_x64", True)

        def cost(v):
            out = ns["forward"](**v)
            return sum((ups[a] * out[a]).sum() for a in ups)

        got = {"d" + k: np.asarray(g) for k, g in jax.grad(cost)(values).items()}
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-9, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("to", ["torch", "jax"])
def test_chainrule_model_emits_the_loop(tmp_path, to):
    import subprocess
    import sys

    f = tmp_path / "rnn.py"
    f.write_text(RNN)
    shapes = [a for k, v in RNN_SHAPES.items() for a in ("--shape", f"{k}={','.join(map(str, v))}")]
    run = [sys.executable, "-m", "chainrule", "model", str(f), *shapes, "--emit", to]
    out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert ("for t in reversed(range(T_x)):" in out) == (to == "torch")
    assert ("reverse=True" in out) == (to == "jax")
    assert "dWaa += " in out


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize("to", ["torch", "jax"])
def test_the_character_models_export_runs_y_hat_minus_y(to, cell):
    """A cost and one-hot labels: the exported loop has dz⟨t⟩ = ŷ⟨t⟩ − y⟨t⟩ and no upstream input;
    its gradients are torch's F.cross_entropy ones."""
    from test_recur_onehot import _torch_gradients
    from test_recur_onehot import _values as char_values

    from chainrule.recur import charlm

    rec = charlm.char_rnn(cell)
    source = export_recurrence(rec, to)
    assert "dzt = yt_pred - yt" in source
    values = char_values(cell, np.random.default_rng(4), 5, 4, 3, 6)
    got = _exported_gradients(rec, to, values, {})
    want = _torch_gradients(cell, values, one_hot=True)
    assert set(got) == set(want)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-9, atol=1e-12, err_msg=k)


def test_cr_export_takes_a_recurrence(recs):
    import chainrule as cr

    for to in ("numpy", "torch", "jax"):
        assert cr.export(recs["lstm"], to=to) == export_recurrence(recs["lstm"], to)
