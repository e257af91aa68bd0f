"""Recurrences (issue #13): a loop over time read as one construct, BPTT derived as a reverse loop.

Held to the outside world: the course's published numbers for ``rnn_cell_backward`` and
``rnn_backward`` (Course 5, week 1, "Building your Recurrent Neural Network - Step by Step",
expected outputs; the same numbers are quoted by learners on community.deeplearning.ai,
e.g. https://community.deeplearning.ai/t/c5-w1a1-optional-rnn-back-propagation/48297), PyTorch
autograd of the same cell in float64, and central finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.errors import ParseError
from chainrule.recur import recurrence
from chainrule.recur.course import LSTM_FORWARD, LSTM_SHAPES, RNN_FORWARD, RNN_SHAPES

RNN = RNN_FORWARD  # the course's rnn_forward, as a learner hands it in


@pytest.fixture(scope="module")
def rnn():
    return recurrence(RNN, RNN_SHAPES)


def course_rnn_values(T: int) -> tuple[dict, np.ndarray]:
    """The course's setup: seed 1, x, a0, Wax, Waa, Wya, ba, by, then da."""
    rng = np.random
    rng.seed(1)
    x = rng.randn(3, 10, T)
    a0 = rng.randn(5, 10)
    Wax, Waa, Wya = rng.randn(5, 3), rng.randn(5, 5), rng.randn(2, 5)
    ba, by = rng.randn(5, 1), rng.randn(2, 1)
    values = dict(x=x, a0=a0, Waa=Waa, Wax=Wax, Wya=Wya, ba=ba, by=by)
    return values, rng.randn(5, 10, T)


def test_rnn_backward_reproduces_the_course(rnn):
    values, da = course_rnn_values(4)
    g = rnn.backward(values, {"a": da})
    np.testing.assert_allclose(
        g["dx"][1][2], [-2.07101689, -0.59255627, 0.02466855, 0.01483317], atol=1e-8
    )
    assert g["dx"].shape == (3, 10, 4)
    assert g["da0"][2][3] == pytest.approx(-0.314942375127, abs=1e-11)
    assert g["dWax"][3][1] == pytest.approx(11.2641044965, abs=1e-9)
    assert g["dWaa"][1][2] == pytest.approx(2.30333312658, abs=1e-10)
    np.testing.assert_allclose(g["dba"][4], [-0.74747722], atol=1e-8)


def test_rnn_cell_backward_reproduces_the_course(rnn):
    """The cell-level form: the cell is a model of one step with da_next as its input."""
    rng = np.random
    rng.seed(1)
    xt, a_prev = rng.randn(3, 10), rng.randn(5, 10)
    Wax, Waa, Wya = rng.randn(5, 3), rng.randn(5, 5), rng.randn(2, 5)
    ba, by = rng.randn(5, 1), rng.randn(2, 1)
    da_next = rng.randn(5, 10)
    values = dict(xt=xt, a_prev=a_prev, Wax=Wax, Waa=Waa, Wya=Wya, ba=ba, by=by)
    values.update(da_next=da_next, dyt_pred=np.zeros((2, 10)))
    g = rnn.cell.gradients(values)
    assert g["dxt"][1][2] == pytest.approx(-1.3872130506, abs=1e-10)
    assert g["da_prev"][2][3] == pytest.approx(-0.152399493774, abs=1e-11)
    assert g["dWax"][3][1] == pytest.approx(0.410772824935, abs=1e-11)
    assert g["dWaa"][1][2] == pytest.approx(1.15034506685, abs=1e-10)
    np.testing.assert_allclose(g["dba"][4], [0.20023491], atol=1e-8)


def test_the_printed_code_is_a_reverse_loop_not_unrolled(rnn):
    src = rnn.source()
    assert "for t in reversed(range(T_x)):" in src
    assert "da_next = da[:, :, t] + da_prev" in src
    assert "dWaa += " in src and "dWax += " in src and "dba += " in src
    assert src.count("np.tanh(") == 1  # one cell in the forward loop, never T copies
    short = recurrence(RNN, RNN_SHAPES).source()
    assert short == src  # the text does not depend on any length


def _torch_rnn(values, ups):
    torch = pytest.importorskip("torch")
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in values.items()}
    a_next, loss = t["a0"], 0
    for s in range(values["x"].shape[2]):
        a_next = torch.tanh(t["Waa"] @ a_next + t["Wax"] @ t["x"][:, :, s] + t["ba"])
        y = torch.softmax(t["Wya"] @ a_next + t["by"], dim=0)
        loss = loss + (torch.tensor(ups["a"][:, :, s]) * a_next).sum()
        loss = loss + (torch.tensor(ups["y_pred"][:, :, s]) * y).sum()
    loss.backward()
    return {"d" + k: v.grad.numpy() for k, v in t.items()}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rnn_agrees_with_torch_for_random_sizes_and_lengths(rnn, seed):
    rng = np.random.default_rng(seed)
    n_x, n_a, n_y, m, T = (int(v) for v in rng.integers(1, 7, size=5))
    dims = dict(n_x=n_x, n_a=n_a, n_y=n_y, m=m, T_x=T)
    values = {
        k: rng.standard_normal(tuple(dims.get(d, d) for d in s)) for k, s in RNN_SHAPES.items()
    }
    ups = {"a": rng.standard_normal((n_a, m, T)), "y_pred": rng.standard_normal((n_y, m, T))}
    ours = rnn.backward(values, ups)
    want = _torch_rnn(values, ups)
    for k in ("dx", "da0", "dWaa", "dWax", "dWya", "dba", "dby"):
        np.testing.assert_allclose(ours[k], want[k], rtol=1e-9, atol=1e-12, err_msg=k)


def test_rnn_agrees_with_central_differences(rnn):
    rng = np.random.default_rng(7)
    dims = dict(n_x=3, n_a=4, n_y=2, m=2, T_x=5)
    values = {
        k: rng.standard_normal(tuple(dims.get(d, d) for d in s)) for k, s in RNN_SHAPES.items()
    }
    ups = {"a": rng.standard_normal((4, 2, 5)), "y_pred": rng.standard_normal((2, 2, 5))}

    def cost(v):
        out = rnn.forward(v)
        return float(np.sum(ups["a"] * out["a"]) + np.sum(ups["y_pred"] * out["y_pred"]))

    g = rnn.backward(values, ups)
    h = 1e-6
    for name in ("Waa", "Wax", "ba", "a0", "x", "Wya"):
        num = np.zeros_like(values[name])
        for i in np.ndindex(values[name].shape):
            plus = {k: v.copy() for k, v in values.items()}
            minus = {k: v.copy() for k, v in values.items()}
            plus[name][i] += h
            minus[name][i] -= h
            num[i] = (cost(plus) - cost(minus)) / (2 * h)
        np.testing.assert_allclose(g["d" + name], num, rtol=1e-7, atol=1e-8, err_msg=name)


@pytest.mark.parametrize(
    ("line", "old", "message"),
    [
        ("for t in range(T_x):", "for t in range(int(np.sum(x))):", "line 7: the loop's bound"),
        ("a[:, :, t] = a_next", "a[:, :, 0] = a_next", "line 11: the write a[:, :, 0]"),
        ("yt_pred = softmax(", "yt_pred = softmax(h_t + ", "line 10: h_t is used before"),
    ],
)
def test_bad_loops_get_one_error_with_line_and_column(line, old, message):
    text = RNN.replace(line, old)
    with pytest.raises(ParseError) as e:
        recurrence(text, RNN_SHAPES)
    assert message in str(e.value)
    assert e.value.col is not None


# -- the LSTM, written as the course writes lstm_forward (np.concatenate of a_prev and xt) --------
LSTM = LSTM_FORWARD
COURSE_ORDER = ("Wf", "bf", "Wi", "bi", "Wo", "bo", "Wc", "bc")  # the course's draws


@pytest.fixture(scope="module")
def lstm():
    return recurrence(LSTM, LSTM_SHAPES)


def _course_gates(rng) -> dict:
    return {k: rng.randn(5, 8) if k[0] == "W" else rng.randn(5, 1) for k in COURSE_ORDER}


def test_lstm_cell_backward_reproduces_the_course(lstm):
    rng = np.random
    rng.seed(1)
    xt, a_prev, c_prev = rng.randn(3, 10), rng.randn(5, 10), rng.randn(5, 10)
    values = dict(xt=xt, a_prev=a_prev, c_prev=c_prev, **_course_gates(rng))
    (
        rng.randn(2, 5),
        rng.randn(2, 1),
    )  # the course draws Wy and by, which the cell's backward ignores
    values.update(da_next=rng.randn(5, 10), dc_next=rng.randn(5, 10))
    g = lstm.cell.gradients(values)
    expected = {
        ("dxt", 1, 2): 3.23055911511,
        ("da_prev", 2, 3): -0.0639621419711,
        ("dc_prev", 2, 3): 0.797522038797,
        ("dWf", 3, 1): -0.147954838164,
        ("dWi", 1, 2): 1.05749805523,
        ("dWc", 3, 1): 2.30456216369,
        ("dWo", 1, 2): 0.331311595289,
    }
    for (k, i, j), v in expected.items():
        assert g[k][i][j] == pytest.approx(v, abs=1e-11), k
    for k, v in {
        "dbf": 0.18864637,
        "dbi": -0.40142491,
        "dbc": 0.25587763,
        "dbo": 0.13893342,
    }.items():
        np.testing.assert_allclose(g[k][4], [v], atol=1e-8, err_msg=k)


def test_lstm_backward_reproduces_the_course(lstm):
    """The course's test draws x with 7 steps but da with 4; its lstm_backward loops over da's 4,
    which is the LSTM run over the first 4 steps of x (a step never depends on later ones)."""
    rng = np.random
    rng.seed(1)
    x, a0 = rng.randn(3, 10, 7), rng.randn(5, 10)
    values = dict(x=x[:, :, :4], a0=a0, **_course_gates(rng))
    g = lstm.backward(values, {"a": rng.randn(5, 10, 4)})
    np.testing.assert_allclose(
        g["dx"][1][2], [0.00218254, 0.28205375, -0.48292508, -0.43281115], atol=1e-8
    )
    assert g["da0"][2][3] == pytest.approx(0.312770310257, abs=1e-11)
    assert g["dWf"][3][1] == pytest.approx(-0.0809802310938, abs=1e-12)
    assert g["dWi"][1][2] == pytest.approx(0.40512433093, abs=1e-11)
    assert g["dWc"][3][1] == pytest.approx(-0.0793746735512, abs=1e-12)
    assert g["dWo"][1][2] == pytest.approx(0.038948775763, abs=1e-11)
    for k, v in {
        "dbf": -0.15745657,
        "dbi": -0.50848333,
        "dbc": -0.42510818,
        "dbo": -0.17958196,
    }.items():
        np.testing.assert_allclose(g[k][4], [v], atol=1e-8, err_msg=k)


def test_the_lstm_loop_carries_dc_through_the_forget_gate(lstm):
    src = lstm.source()
    assert "dc_next = dc[:, :, t] + dc_prev" in src
    assert "dc_prev = ft * dc_next" in src
    assert "da_prev = dconcat[:n_a]" in src and "dxt = dconcat[n_a:]" in src


def _lstm_values(rng, n_x, n_a, m, T):
    v = {"x": rng.standard_normal((n_x, m, T)), "a0": rng.standard_normal((n_a, m))}
    for g in "fico":
        v[f"W{g}"] = rng.standard_normal((n_a, n_a + n_x))
        v[f"b{g}"] = rng.standard_normal((n_a, 1))
    return v


def _torch_lstm(values, ups):
    torch = pytest.importorskip("torch")
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in values.items()}
    a, c, loss = t["a0"], torch.zeros_like(t["a0"]), 0
    for s in range(values["x"].shape[2]):
        z = torch.cat((a, t["x"][:, :, s]), dim=0)
        f = torch.sigmoid(t["Wf"] @ z + t["bf"])
        i = torch.sigmoid(t["Wi"] @ z + t["bi"])
        cc = torch.tanh(t["Wc"] @ z + t["bc"])
        c = f * c + i * cc
        o = torch.sigmoid(t["Wo"] @ z + t["bo"])
        a = o * torch.tanh(c)
        loss = loss + (torch.tensor(ups["a"][:, :, s]) * a).sum()
        loss = loss + (torch.tensor(ups["c"][:, :, s]) * c).sum()
    loss.backward()
    return {"d" + k: v.grad.numpy() for k, v in t.items()}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lstm_agrees_with_torch_for_random_sizes_and_lengths(lstm, seed):
    rng = np.random.default_rng(seed)
    n_x, n_a, m, T = (int(v) for v in rng.integers(1, 7, size=4))
    values = _lstm_values(rng, n_x, n_a, m, T)
    ups = {"a": rng.standard_normal((n_a, m, T)), "c": rng.standard_normal((n_a, m, T))}
    ours, want = lstm.backward(values, ups), _torch_lstm(values, ups)
    for k in want:
        np.testing.assert_allclose(ours[k], want[k], rtol=1e-9, atol=1e-12, err_msg=k)


def test_lstm_agrees_with_central_differences(lstm):
    rng = np.random.default_rng(3)
    values = _lstm_values(rng, 2, 3, 2, 4)
    ups = {"a": rng.standard_normal((3, 2, 4)), "c": rng.standard_normal((3, 2, 4))}

    def cost(v):
        out = lstm.forward(v)
        return float(np.sum(ups["a"] * out["a"]) + np.sum(ups["c"] * out["c"]))

    g = lstm.backward(values, ups)
    for name in ("Wf", "Wc", "bo", "a0", "x"):
        num = np.zeros_like(values[name])
        for i in np.ndindex(values[name].shape):
            plus = {k: v.copy() for k, v in values.items()}
            minus = {k: v.copy() for k, v in values.items()}
            plus[name][i] += 1e-6
            minus[name][i] -= 1e-6
            num[i] = (cost(plus) - cost(minus)) / 2e-6
        np.testing.assert_allclose(g["d" + name], num, rtol=1e-7, atol=1e-8, err_msg=name)


# -- the derivation in the course's notation, and why -------------------------------------------
def test_sequence_derivation_in_the_course_notation(rnn):
    from chainrule.recur.notation import derivation_text

    seq = derivation_text(rnn)
    assert "for t = T_x, …, 1:" in seq
    assert "da_next = da⟨t⟩ + da_prev" in seq
    assert "dWaa += (da_next ⊙ (1 − a⟨t⟩²)) a⟨t−1⟩ᵀ" in seq
    assert "da_prev = Waaᵀ (da_next ⊙ (1 − a⟨t⟩²))" in seq
    assert "dx⟨t⟩ = Waxᵀ (da_next ⊙ (1 − a⟨t⟩²))" in seq
    cell = derivation_text(rnn, "cell")
    assert "dWaa = (da_next ⊙ (1 − a⟨t⟩²)) a⟨t−1⟩ᵀ" in cell and "for t" not in cell


def test_lstm_derivation_names_the_gates(lstm):
    from chainrule.recur.notation import derivation_text

    seq = derivation_text(lstm)
    assert "dc_prev = Γf⟨t⟩ ⊙ dc_next" in seq
    assert "dΓo⟨t⟩ = da_next ⊙ tanh(c⟨t⟩)" in seq
    assert "dΓu⟨t⟩ = dc_next ⊙ c̃⟨t⟩" in seq and "dΓf⟨t⟩ = dc_next ⊙ c⟨t−1⟩" in seq


def test_explain_dwaa_says_why_it_is_a_sum_over_time(rnn):
    from chainrule.recur.notation import explain_recurrence

    values, _ = course_rnn_values(6)
    text = explain_recurrence(rnn, "dWaa", values)
    assert "sum over t" in text and "dWaa += …, never dWaa = …" in text
    assert "product of k such factors" in text and "np.clip(g, -maxValue, maxValue)" in text
    # the norms are those of the derived step applied k times: check k = 1 against torch
    torch = pytest.importorskip("torch")
    t = {k: torch.tensor(v, dtype=torch.float64) for k, v in values.items()}
    a, states = t["a0"], []
    for s in range(6):
        a = torch.tanh(t["Waa"] @ a + t["Wax"] @ t["x"][:, :, s] + t["ba"])
        states.append(a)
    prev = states[-2].detach().requires_grad_(True)
    last = torch.tanh(t["Waa"] @ prev + t["Wax"] @ t["x"][:, :, 5] + t["ba"])
    last.sum().backward()
    assert f"k =   1: {float(prev.grad.norm()):.3e}" in text
    why = explain_recurrence(rnn, "da_next")
    assert "da_next = da⟨t⟩ + da_prev" in why and "used several times" in why


def test_explain_dc_prev_names_both_paths(lstm):
    from chainrule.recur.notation import explain_recurrence

    text = explain_recurrence(lstm, "dc_prev")
    assert "dc_prev = Γf⟨t⟩ ⊙ dc_next" in text
    assert "through a⟨t⟩ = Γo⟨t⟩ ⊙ tanh(c⟨t⟩)" in text


# -- the character-level language model ------------------------------------------------------------
def test_clip_reproduces_the_course():
    """The course's clip test: seed 3, dWax, dWaa, dWya, db, dby = randn·10, maxValue 10."""
    from chainrule.recur.charlm import clip

    rng = np.random
    rng.seed(3)
    g = {k: rng.randn(*s) * 10 for k, s in [("dWax", (5, 3)), ("dWaa", (5, 5)), ("dWya", (2, 5))]}
    g.update(db=rng.randn(5, 1) * 10, dby=rng.randn(2, 1) * 10)
    out = clip(g, 10)
    assert out["dWaa"][1][2] == 10.0 and out["dWax"][3][1] == -10.0
    assert out["dWya"][1][2] == pytest.approx(0.2971381536101662, abs=1e-15)
    assert out["db"][4] == 10.0


@pytest.mark.parametrize(("cell", "lr"), [("rnn", 0.01), ("lstm", 0.05)])
def test_the_character_model_trains_and_samples(cell, lr):
    from chainrule.recur import charlm

    words = charlm.corpus_words()
    assert len(words) > 1000 and "function" in words
    model = charlm.train(words, iterations=1500, seed=0, cell=cell, learning_rate=lr)
    n_x = len(model.chars)
    assert model.losses[0] == pytest.approx(-np.log(1 / n_x) * 7, rel=1e-2)
    assert model.losses[-1] < model.losses[0] - 0.3  # smoothed with weight 0.999, as the course
    # mean cross-entropy per character on 200 words, against the uniform guess log(n_x)
    total, count = 0.0, 0
    for w in words[::15][:200]:
        X, Y = model.encode(w)
        out = model.rec.forward({"X": X, "Y": Y, **model.states(), **model.params})
        total, count = total + float(out["L"].sum()), count + X.shape[2]
    assert total / count < 0.9 * np.log(n_x)
    names = [charlm.sample(model, seed=s) for s in range(10)]
    assert all(set(n) <= set(model.chars) for n in names) and any(len(n) >= 3 for n in names)


def test_chainrule_model_explains_dwaa_from_a_file(tmp_path):
    import subprocess
    import sys

    f = tmp_path / "rnn.py"
    f.write_text(RNN)
    shapes = [a for k, v in RNN_SHAPES.items() for a in ("--shape", f"{k}={','.join(map(str, v))}")]
    run = [sys.executable, "-m", "chainrule", "model", str(f), *shapes]
    out = subprocess.run([*run, "--explain", "dWaa"], capture_output=True, text=True, check=True)
    assert "sum over t" in out.stdout and "k =  10:" in out.stdout
    loop = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert "da_next = da⟨t⟩ + da_prev" in loop and "never unrolled" in loop
    bad = subprocess.run([*run, "--explain", "dWq"], capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.count("\n") == 1 and "no dWq" in bad.stderr


# -- diagnosing a learner's rnn_backward from its numbers ------------------------------------------
def _learners_rnn_backward(values, da, *, with_next=True, with_output=True, accumulate=True):
    """The course's rnn_backward written out by hand, with the switches learners get wrong."""
    x, a0, Waa, Wax, ba = (values[k] for k in ("x", "a0", "Waa", "Wax", "ba"))
    n_a, m, T_x = da.shape
    a, a_next = np.zeros((n_a, m, T_x)), a0
    for t in range(T_x):
        a_next = np.tanh(Waa @ a_next + Wax @ x[:, :, t] + ba)
        a[:, :, t] = a_next
    dx, dWax, dWaa, dba = (np.zeros_like(v) for v in (x, Wax, Waa, ba))
    da_prevt = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        da_next = (da[:, :, t] if with_output else 0) + (da_prevt if with_next else 0)
        a_prev = a[:, :, t - 1] if t > 0 else a0
        dtanh = (1 - a[:, :, t] ** 2) * da_next
        dx[:, :, t] = Wax.T @ dtanh
        da_prevt = Waa.T @ dtanh
        if accumulate:
            dWax, dWaa, dba = (
                dWax + dtanh @ x[:, :, t].T,
                dWaa + dtanh @ a_prev.T,
                dba + dtanh.sum(1, keepdims=True),
            )
        else:
            dWax, dWaa, dba = dtanh @ x[:, :, t].T, dtanh @ a_prev.T, dtanh.sum(1, keepdims=True)
    return {"dx": dx, "da0": da_prevt, "dWax": dWax, "dWaa": dWaa, "dba": dba}


@pytest.mark.parametrize(
    ("switch", "mistake"),
    [
        # https://community.deeplearning.ai/t/c5-w1a1-optional-rnn-back-propagation/48297 —
        # rnn_cell_backward(da[:, :, t], caches[t]): the next step's gradient left out
        ({"with_next": False}, "forgot the gradient from the next step"),
        # https://community.deeplearning.ai/t/question-on-backpropagation-week-1-prog-assignment-1/555129
        # — rnn_cell_backward(da_prevt, caches[t]): "all outputs are zero"
        ({"with_output": False}, "forgot the gradient from the output at t"),
        ({"accumulate": False}, "overwrote the parameter gradients instead of accumulating them"),
        ({}, None),
    ],
)
def test_a_learners_bptt_mistake_is_named(rnn, switch, mistake):
    from chainrule.recur.mistakes import diagnose

    values, da = course_rnn_values(4)
    theirs = _learners_rnn_backward(values, da, **switch)
    verdict = diagnose(rnn, values, {"a": da}, theirs)
    if mistake is None:
        assert verdict.correct, str(verdict)
    else:
        assert not verdict.correct and verdict.mistake is not None
        assert verdict.mistake.name == mistake, str(verdict)


def test_the_lstm_missing_forget_gate_is_named(lstm):
    from chainrule.recur.mistakes import diagnose

    rng = np.random.default_rng(5)
    values = _lstm_values(rng, 3, 4, 2, 5)
    da = rng.standard_normal((4, 2, 5))
    torch = pytest.importorskip("torch")
    # the learner's loop, written in torch: dc_prev = dc_next (Γf left out), via a hook on c
    t = {k: torch.tensor(v, requires_grad=True) for k, v in values.items()}
    a, c, loss = t["a0"], torch.zeros_like(t["a0"]), 0
    for s in range(5):
        z = torch.cat((a, t["x"][:, :, s]), dim=0)
        f = torch.sigmoid(t["Wf"] @ z + t["bf"])
        i = torch.sigmoid(t["Wi"] @ z + t["bi"])
        cc = torch.tanh(t["Wc"] @ z + t["bc"])
        # the value Γf ⊙ c_prev + Γu ⊙ c̃, but ∂c/∂c_prev = 1 (and ∂c/∂Γf = c_prev)
        c = (f * c).detach() + (c - c.detach()) + (f - f.detach()) * c.detach() + i * cc
        o = torch.sigmoid(t["Wo"] @ z + t["bo"])
        a = o * torch.tanh(c)
        loss = loss + (torch.tensor(da[:, :, s]) * a).sum()
    loss.backward()
    theirs = {"dWf": t["Wf"].grad.numpy(), "dx": t["x"].grad.numpy()}
    verdict = diagnose(lstm, values, {"a": da}, theirs)
    assert (
        verdict.mistake is not None and verdict.mistake.name == "dc_prev is missing its Γf factor"
    )


def test_chainrule_charlm_trains_samples_and_plots(tmp_path):
    import subprocess
    import sys

    words = tmp_path / "names.txt"
    words.write_text("\n".join(["rex", "raptor", "saurus", "tops", "ceratops", "don"] * 3))
    plot = tmp_path / "loss.png"
    run = [sys.executable, "-m", "chainrule", "charlm", "--words", str(words)]
    run += ["--iterations", "120", "--print-every", "50", "--samples", "4", "--plot", str(plot)]
    run += ["--cell", "lstm"]
    out = subprocess.run(run, capture_output=True, text=True, check=True)
    assert len(out.stdout.splitlines()) == 4
    assert set(out.stdout) <= set("raptosucedxn\n")
    assert "iteration      0  smoothed loss" in out.stderr and "iteration    119" in out.stderr
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import chainrule as cr

    assert cr.recurrence is not None and "recurrence" in cr.__all__
