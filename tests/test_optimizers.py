"""Each optimizer against a hand-written NumPy reference of the same update (equal to 1e-12).

The references are written from the course's formulas (``update_parameters_with_momentum``,
``…_with_adam``, ``update_lr``, ``schedule_lr_decay``), one loop over the layers each, with no
chainrule code besides the gradients, which come from the derived ``net.gradients``.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import SpecError
from chainrule.train import make_optimizer

STEPS = 6


# -- references -----------------------------------------------------------------------------------
def ref_gd(p, g, state, lr, t):
    return {k: p[k] - lr * g["d" + k] for k in p}


def ref_momentum(p, g, state, lr, t, beta=0.9):
    out = {}
    for k in p:
        v = state.setdefault("v" + k, np.zeros_like(p[k]))
        v = beta * v + (1 - beta) * g["d" + k]
        state["v" + k] = v
        out[k] = p[k] - lr * v
    return out


def ref_rmsprop(p, g, state, lr, t, beta=0.999, eps=1e-8):
    out = {}
    for k in p:
        s = state.setdefault("s" + k, np.zeros_like(p[k]))
        s = beta * s + (1 - beta) * np.square(g["d" + k])
        state["s" + k] = s
        out[k] = p[k] - lr * g["d" + k] / (np.sqrt(s) + eps)
    return out


def ref_adam(p, g, state, lr, t, beta1=0.9, beta2=0.999, eps=1e-8):
    out = {}
    for k in p:
        v = beta1 * state.get("v" + k, np.zeros_like(p[k])) + (1 - beta1) * g["d" + k]
        s = beta2 * state.get("s" + k, np.zeros_like(p[k])) + (1 - beta2) * np.square(g["d" + k])
        state["v" + k], state["s" + k] = v, s
        v_corrected = v / (1 - beta1**t)
        s_corrected = s / (1 - beta2**t)
        out[k] = p[k] - lr * v_corrected / (np.sqrt(s_corrected) + eps)
    return out


REFERENCES = {
    "gd": (ref_gd, 0.5),
    "momentum": (ref_momentum, 0.5),
    "rmsprop": (ref_rmsprop, 0.01),
    "adam": (ref_adam, 0.01),
}


@pytest.fixture(scope="module")
def problem():
    X, Y = cr.data.moons(m=64, seed=3)
    net = cr.mlp([2, 5, 3, 1], hidden=["tanh", "relu"], output="sigmoid", loss="bce")
    return net, X, Y, net.init(seed=1, method="xavier")


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=0, atol=1e-12, err_msg=k)


# -- one update rule, step by step ----------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_update_matches_reference_step_by_step(name: str, problem) -> None:
    net, X, Y, p0 = problem
    ref, lr = REFERENCES[name]
    opt = make_optimizer(name, lr)
    ours, theirs, state = dict(p0), dict(p0), {}
    for t in range(1, STEPS + 1):
        grads = net.gradients(theirs, X, Y)  # the same gradients for both
        ours = opt.update(ours, grads)
        theirs = ref(theirs, grads, state, lr, t)
        assert_same(ours, theirs)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_fit_follows_reference_trajectory(name: str, problem) -> None:
    """cr.fit (full batch) = the reference loop over the derived gradients."""
    net, X, Y, p0 = problem
    ref, lr = REFERENCES[name]
    h = cr.fit(net, X, Y, name, lr=lr, iterations=STEPS, params=p0)
    theirs, state = dict(p0), {}
    for t in range(1, STEPS + 1):
        theirs = ref(theirs, net.gradients(theirs, X, Y), state, lr, t)
    assert_same(h.params, theirs)


def test_update_returns_new_arrays(problem) -> None:
    net, X, Y, p0 = problem
    before = {k: v.copy() for k, v in p0.items()}
    for name in REFERENCES:
        make_optimizer(name, 0.1).update(p0, net.gradients(p0, X, Y))
    assert_same(p0, before)


# -- learning-rate decay --------------------------------------------------------------------------
def test_decay_formulas() -> None:
    # update_lr: α = α₀ / (1 + decay_rate · epoch)
    assert cr.Decay(1.0)(0.5, 2) == 0.5 / (1 + 1.0 * 2)
    # schedule_lr_decay: α = α₀ / (1 + decay_rate · ⌊epoch / time_interval⌋)
    assert cr.ScheduledDecay(0.3, 1000)(0.5, 2500) == 0.5 / (1 + 0.3 * 2)
    assert cr.ScheduledDecay(0.3, 1000)(0.5, 999) == 0.5


def test_decay_applies_per_epoch_with_mini_batches(problem) -> None:
    net, X, Y, p0 = problem
    batches = []

    def recording(params, Xb, Yb, masks):
        batches.append((Xb, Yb))
        return net.step(params, Xb, Yb, masks)

    opt = cr.GradientDescent(0.5, decay=cr.Decay(0.1))
    h = cr.fit(net, X, Y, opt, epochs=4, batch_size=16, params=p0, gradient_fn=recording)
    assert opt.lr == pytest.approx(0.5 / (1 + 0.1 * 3))
    # reference: four epochs of four mini-batches, α from update_lr at each epoch
    theirs = dict(p0)
    for i, (Xb, Yb) in enumerate(batches):
        lr = 0.5 / (1 + 0.1 * (i // 4))
        theirs = ref_gd(theirs, net.gradients(theirs, Xb, Yb), {}, lr, i + 1)
    assert h.updates == len(batches) == 16
    assert_same(h.params, theirs)


def test_decayed_gd_matches_reference(problem) -> None:
    net, X, Y, p0 = problem
    h = cr.fit(net, X, Y, "gd", lr=0.5, iterations=STEPS, params=p0, decay=cr.Decay(0.3))
    theirs = dict(p0)
    for epoch in range(STEPS):  # full batch: one epoch per iteration
        lr = 0.5 / (1 + 0.3 * epoch)
        theirs = ref_gd(theirs, net.gradients(theirs, X, Y), {}, lr, epoch + 1)
    assert_same(h.params, theirs)


# -- construction ---------------------------------------------------------------------------------
def test_make_optimizer_names_and_errors() -> None:
    assert isinstance(make_optimizer("adam"), cr.Adam)
    assert isinstance(make_optimizer("SGD", 0.1), cr.GradientDescent)
    assert make_optimizer("momentum", 0.2).lr == 0.2
    with pytest.raises(SpecError, match="unknown optimizer"):
        make_optimizer("lbfgs")
    with pytest.raises(SpecError, match="learning rate"):
        cr.Adam(lr=-1)


def test_one_optimizer_family_for_fit_and_the_fast_trainer() -> None:
    """cr.fast.Adam used to be a second class beside cr.Adam; now the fast trainer takes the same
    objects as cr.fit, and both follow the same trajectory."""
    assert cr.fast.Adam is cr.Adam and cr.fast.GD is cr.GradientDescent
    net = cr.mlp([2, 5, 1], hidden="tanh")
    X, Y = cr.data.planar(m=40)
    p0 = net.init(seed=3)
    h = cr.fit(net, X, Y, cr.Adam(0.02, beta1=0.8), iterations=6, params=p0)
    trainer = cr.fast.Trainer(cr.fast.compile(net), p0, X, Y, cr.Adam(0.02, beta1=0.8))
    for _ in range(6):
        trainer()
    got = trainer.params()
    assert max(np.max(np.abs(got[k] - h.params[k])) for k in p0) < 1e-12
    with pytest.raises(cr.SpecError, match="gradient_fn"):
        cr.fast.Trainer(cr.fast.compile(net), p0, X, Y, cr.Momentum(0.1))
