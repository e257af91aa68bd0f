"""Softmax and cross-entropy in a loop over time: dz⟨t⟩ = ŷ⟨t⟩ − y⟨t⟩ once the labels are declared
one-hot and the cost is declared as Σ L (issue #13).

Held to PyTorch (``F.cross_entropy`` of the same cell written in torch, float64) and to the
course's published ``optimize`` numbers (Course 5, week 1, "Dinosaurus Island -- Character level
language model", expected output of ``optimize``: Loss = 126.503975722, gradients["dWaa"][1][2] =
0.194709315347, …; quoted in learners' copies of the notebook on GitHub).
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.recur import charlm, recurrence
from chainrule.recur.notation import derivation_text, explain_recurrence

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _char(cell: str, one_hot: bool):
    source = charlm.CHAR_RNN if cell == "rnn" else charlm.CHAR_LSTM
    return recurrence(
        source, charlm.SHAPES[cell], data=("X",), one_hot=("Y",) if one_hot else (), cost="L"
    )


def test_declared_one_hot_labels_give_y_hat_minus_y():
    rec = charlm.char_rnn("lstm")  # the character model declares Y one-hot and the cost Σ L
    assert "        dzt = yt_pred - yt\n" in rec.source()
    text = derivation_text(rec)
    assert "dz⟨t⟩ = ŷ⟨t⟩ − Y⟨t⟩    (Y declared one-hot: Σₖ Y⟨t⟩ₖ = 1)" in text
    assert "dŷ⟨t⟩" not in text and "dlt" not in text  # written into dz⟨t⟩, not printed
    why = explain_recurrence(rec, "dzt")
    assert "Y is declared one-hot" in why and "Σₖ Y⟨t⟩ₖ = 1 and dz⟨t⟩ = ŷ⟨t⟩ − Y⟨t⟩" in why


def test_without_the_declaration_the_general_form_stays_and_says_so():
    rec = _char("rnn", one_hot=False)
    assert "dzt = np.sum(yt, axis=0, keepdims=True) * yt_pred - yt" in rec.source()
    assert "declaring Y one-hot gives ŷ⟨t⟩ − Y⟨t⟩" in derivation_text(rec)
    why = explain_recurrence(rec, "dzt")
    assert "general form is kept" in why and 'one_hot=["Y"]' in why
    # and without the cost, dL⟨t⟩ is an input: the explanation names both declarations
    bare = recurrence(charlm.CHAR_RNN, charlm.SHAPES["rnn"], data=("X",), one_hot=("Y",))
    assert 'cost="L"' in explain_recurrence(bare, "dzt")


def _values(cell: str, rng, n_x: int, n_a: int, m: int, T: int, soft: bool = False) -> dict:
    dims = {"n_x": n_x, "n_a": n_a, "m": m, "T_x": T, "n_a + n_x": n_a + n_x}
    v = {
        k: rng.standard_normal(tuple(dims.get(d, d) for d in s)) * 0.5
        for k, s in charlm.SHAPES[cell].items()
    }
    idx = rng.integers(0, n_x, size=(m, T))
    v["X"] = np.eye(n_x)[rng.integers(0, n_x, size=(m, T))].transpose(2, 0, 1)
    v["Y"] = np.eye(n_x)[idx].transpose(2, 0, 1)
    if soft:  # labels whose columns do not sum to 1 (not one-hot)
        v["Y"] = rng.uniform(0.1, 1.0, size=(n_x, m, T))
    return v


def _torch_gradients(cell: str, values: dict, one_hot: bool) -> dict:
    """The same model written in torch; its loss is F.cross_entropy with class indices."""
    t = {k: torch.tensor(v, requires_grad=k not in ("X", "Y")) for k, v in values.items()}
    a, c, J = t["a0"], t.get("c0"), 0
    for s in range(values["X"].shape[2]):
        x = t["X"][:, :, s]
        if cell == "rnn":
            a = torch.tanh(t["Wax"] @ x + t["Waa"] @ a + t["ba"])
            z = t["Wya"] @ a + t["by"]
        else:
            h = torch.cat((a, x), dim=0)
            f, i = torch.sigmoid(t["Wf"] @ h + t["bf"]), torch.sigmoid(t["Wi"] @ h + t["bi"])
            c = f * c + i * torch.tanh(t["Wc"] @ h + t["bc"])
            a = torch.sigmoid(t["Wo"] @ h + t["bo"]) * torch.tanh(c)
            z = t["Wy"] @ a + t["by"]
        y = t["Y"][:, :, s]
        if one_hot:
            J = J + F.cross_entropy(z.T, y.argmax(dim=0), reduction="sum")
        else:
            J = J - (y * F.log_softmax(z, dim=0)).sum()
    J.backward()
    return {"d" + k: v.grad.numpy() for k, v in t.items() if v.requires_grad}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_y_hat_minus_y_agrees_with_torch_cross_entropy(cell, seed):
    rng = np.random.default_rng(seed)
    n_x, n_a, m, T = (int(k) for k in rng.integers(2, 7, size=4))
    values = _values(cell, rng, n_x, n_a, m, T)
    ours = charlm.char_rnn(cell).backward(values, {})
    want = _torch_gradients(cell, values, one_hot=True)
    assert set(ours) == set(want)
    for k in want:
        np.testing.assert_allclose(ours[k], want[k], rtol=1e-9, atol=1e-12, err_msg=k)


def test_the_general_form_is_right_for_any_labels_and_the_one_hot_form_is_not():
    """The declaration is an assumption: with soft labels only the general form agrees."""
    rng = np.random.default_rng(5)
    values = _values("rnn", rng, 4, 3, 2, 5, soft=True)
    want = _torch_gradients("rnn", values, one_hot=False)
    general = _char("rnn", one_hot=False).backward(values, {})
    declared = _char("rnn", one_hot=True).backward(values, {})
    for k in want:
        np.testing.assert_allclose(general[k], want[k], rtol=1e-9, atol=1e-12, err_msg=k)
    assert not np.allclose(declared["dWya"], want["dWya"], rtol=1e-3)


def test_the_course_optimize_numbers():
    """The course's optimize test: seed 1, vocab 27, n_a 100, X = [12, 3, 5, 11, 22, 3],
    Y = [4, 14, 11, 22, 25, 26]; the gradients are clipped to [−5, 5] before they are shown."""
    rng = np.random
    rng.seed(1)
    vocab, n_a = 27, 100
    a_prev = rng.randn(n_a, 1)
    Wax, Waa, Wya = rng.randn(n_a, vocab), rng.randn(n_a, n_a), rng.randn(vocab, n_a)
    b, by = rng.randn(n_a, 1), rng.randn(vocab, 1)
    X, Y = np.zeros((vocab, 1, 6)), np.zeros((vocab, 1, 6))
    for t, (i, j) in enumerate(zip([12, 3, 5, 11, 22, 3], [4, 14, 11, 22, 25, 26], strict=True)):
        X[i, 0, t], Y[j, 0, t] = 1.0, 1.0
    values = dict(X=X, Y=Y, a0=a_prev, Waa=Waa, Wax=Wax, Wya=Wya, ba=b, by=by)
    rec = charlm.char_rnn("rnn")
    fwd = rec.forward(values)
    assert float(fwd["L"].sum()) == pytest.approx(126.503975722, abs=1e-9)
    g = charlm.clip(rec.backward(values, {}), 5)
    assert g["dWaa"][1][2] == pytest.approx(0.194709315347, abs=1e-12)
    assert int(np.argmax(g["dWax"])) == 93
    assert g["dWya"][1][2] == pytest.approx(-0.007773876032, abs=1e-12)
    np.testing.assert_allclose(g["dba"][4], [-0.06809825], atol=1e-8)
    np.testing.assert_allclose(g["dby"][1], [0.01538192], atol=1e-8)
    a_last = fwd["caches"][-1][rec.cache_names.index("a_next")]
    np.testing.assert_allclose(a_last[4], [-1.0], atol=1e-6)


def test_chainrule_model_declares_one_hot_labels_and_the_cost(tmp_path):
    import subprocess
    import sys

    f = tmp_path / "char_rnn.py"
    f.write_text(charlm.CHAR_RNN)
    shapes = [
        a
        for k, v in charlm.SHAPES["rnn"].items()
        for a in ("--shape", f"{k}={','.join(map(str, v))}")
    ]
    run = [sys.executable, "-m", "chainrule", "model", str(f), *shapes, "--wrt", "X"]
    out = subprocess.run([*run, "--one-hot", "Y", "--cost", "L"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "dz⟨t⟩ = ŷ⟨t⟩ − Y⟨t⟩    (Y declared one-hot" in out.stdout
    plain = subprocess.run([*run, "--cost", "L"], capture_output=True, text=True).stdout
    assert "declaring Y one-hot gives ŷ⟨t⟩ − Y⟨t⟩" in plain
    for bad, words in ((["--one-hot", "Q"], "Q is not a sequence"), (["--cost", "a"], "cost a")):
        r = subprocess.run([*run, *bad], capture_output=True, text=True)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and words in r.stderr


def test_the_vanishing_section_runs_on_a_model_with_a_cost():
    """The cost's step has no upstream input: the norms come from the carried state only."""
    from chainrule.recur.report import example_values

    rec = charlm.char_rnn("rnn")
    text = explain_recurrence(rec, "dWaa", example_values(rec, steps=4))
    assert "k =   4:" in text and "sum over t" in text
