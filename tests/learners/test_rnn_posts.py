"""``chainrule check-rnn`` measured on real learners' RNN/LSTM backward passes (``rnn_cases.py``).

Two things are tested. First, that each case's verdict is the mathematics' and not chainrule's:
every learner function is run (the fixture is test data, executed with NumPy only) on caches of a
plain NumPy forward pass and compared with PyTorch autograd of the same forward pass (float64).
Second, the checker's three rates on the cases:

* every right function is judged right (no false "wrong");
* every wrong function is judged wrong (a wrong formula is never called right);
* the mistakes a good diagnosis names are named, each on the learner's line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

import chainrule as cr

from .rnn_cases import CASES, RnnCase

torch = pytest.importorskip("torch")

NAMED = 1.0  # every wrong function's mistakes named on their lines


# -- the mathematics, independently of chainrule --------------------------------------------------
def _draws(lstm: bool) -> list[dict]:
    out = []
    for seed, (n_x, n_a, m, T) in ((1, (3, 5, 10, 4)), (7, (4, 3, 6, 5))):
        rng = np.random.default_rng(seed)
        v = {"x": rng.standard_normal((n_x, m, T)), "a0": rng.standard_normal((n_a, m))}
        if lstm:
            for g in "fico":
                v[f"W{g}"] = rng.standard_normal((n_a, n_a + n_x))
                v[f"b{g}"] = rng.standard_normal((n_a, 1))
        else:
            v.update(Waa=rng.standard_normal((n_a, n_a)), Wax=rng.standard_normal((n_a, n_x)))
            v.update(ba=rng.standard_normal((n_a, 1)), Wya=rng.standard_normal((2, n_a)))
            v.update(by=rng.standard_normal((2, 1)))
        v["da"] = rng.standard_normal((n_a, m, T))
        v["dc"] = rng.standard_normal((n_a, m))  # the cell's dc_next
        out.append(v)
    return out


def _torch_forward(v: dict, lstm: bool) -> tuple[dict, list, list]:
    """Leaves, and the hidden (and cell) states of every step, in torch float64."""
    names = [k for k in v if k not in ("da", "dc")]
    p = {k: torch.tensor(v[k], dtype=torch.float64, requires_grad=True) for k in names}
    a, c, hs, cs = p["a0"], torch.zeros_like(p["a0"]), [], []
    for t in range(v["x"].shape[2]):
        xt = p["x"][:, :, t]
        if lstm:
            z = torch.cat((a, xt), 0)
            f, i = torch.sigmoid(p["Wf"] @ z + p["bf"]), torch.sigmoid(p["Wi"] @ z + p["bi"])
            cc, o = torch.tanh(p["Wc"] @ z + p["bc"]), torch.sigmoid(p["Wo"] @ z + p["bo"])
            c = f * c + i * cc
            a = o * torch.tanh(c)
        else:
            a = torch.tanh(p["Waa"] @ a + p["Wax"] @ xt + p["ba"])
        hs.append(a)
        cs.append(c)
    return p, hs, cs


def _grad(loss, tensors: list) -> list[np.ndarray]:  # noqa: ANN001 - a torch scalar
    return [g.detach().numpy() for g in torch.autograd.grad(loss, tensors, allow_unused=False)]


def _caches(v: dict, lstm: bool) -> tuple[list, np.ndarray]:
    """The course's caches, computed in NumPy (states shared between steps, as the course's)."""
    p, hs, cs = _torch_forward(v, lstm)
    params = {k: v[k] for k in v if k[0] in "Wb"}
    steps, a_prev = [], v["a0"]
    c_prev = np.zeros_like(a_prev)
    for t, (h, c) in enumerate(zip(hs, cs, strict=True)):
        a_next, c_next, xt = h.detach().numpy(), c.detach().numpy(), v["x"][:, :, t]
        if lstm:
            z = np.concatenate((a_prev, xt), 0)
            gates = [1 / (1 + np.exp(-(v[f"W{g}"] @ z + v[f"b{g}"]))) for g in "fio"]
            cct = np.tanh(v["Wc"] @ z + v["bc"])
            steps.append((a_next, c_next, a_prev, c_prev, gates[0], gates[1], cct, gates[2], xt))
            steps[-1] += (params,)
        else:
            steps.append((a_next, a_prev, xt, params))
        a_prev, c_prev = a_next, c_next
    return steps, v["x"]


def _reference(name: str, v: dict) -> tuple[tuple, dict]:
    """The arguments of ``name`` on draw ``v`` and PyTorch's gradients, in the course's names."""
    lstm = name.startswith("lstm")
    p, hs, cs = _torch_forward(v, lstm)
    steps, x = _caches(v, lstm)
    weights = [f"{w}{g}" for g in "fico" for w in "Wb"] if lstm else ["Wax", "Waa", "ba"]
    if name.endswith("_cell_backward"):  # step 1, given a_prev = hs[0] as a leaf
        return _cell_reference(name, v, steps, weights)
    da = torch.tensor(v["da"])
    loss = sum((da[:, :, t] * h).sum() for t, h in enumerate(hs))
    g = _grad(loss, [p["x"], p["a0"], *(p[w] for w in weights)])
    names = ["dx", "da0", *[f"d{w}" for w in weights]]
    return (v["da"], (steps, x)), dict(zip(names, g, strict=True))


def _cell_reference(name: str, v: dict, steps: list, weights: list) -> tuple[tuple, dict]:
    lstm = name.startswith("lstm")
    step = steps[1]
    a_prev, xt = (step[2], step[8]) if lstm else (step[1], step[2])
    one = {k: v[k] for k in v if k[0] in "Wb"}
    one.update(x=xt[:, :, None], a0=a_prev, da=v["da"][:, :, 1:2], dc=v["dc"])
    c_prev = torch.tensor(step[3], dtype=torch.float64, requires_grad=True) if lstm else None
    p, hs, cs = _torch_forward(one, lstm)
    if lstm:  # the step again with c_prev a leaf (the loop above starts from c = 0)
        z = torch.cat((p["a0"], p["x"][:, :, 0]), 0)
        f, i = torch.sigmoid(p["Wf"] @ z + p["bf"]), torch.sigmoid(p["Wi"] @ z + p["bi"])
        cc, o = torch.tanh(p["Wc"] @ z + p["bc"]), torch.sigmoid(p["Wo"] @ z + p["bo"])
        c = f * c_prev + i * cc
        a = o * torch.tanh(c)
        loss = (torch.tensor(one["da"][:, :, 0]) * a).sum() + (torch.tensor(v["dc"]) * c).sum()
        g = _grad(loss, [p["x"], p["a0"], c_prev, *(p[w] for w in weights)])
        names = ["dxt", "da_prev", "dc_prev", *[f"d{w}" for w in weights]]
        g[0] = g[0][:, :, 0]
        return (one["da"][:, :, 0], v["dc"], step), dict(zip(names, g, strict=True))
    loss = (torch.tensor(one["da"][:, :, 0]) * hs[0]).sum()
    g = _grad(loss, [p["x"], p["a0"], *(p[w] for w in weights)])
    g[0] = g[0][:, :, 0]
    names = ["dxt", "da_prev", "dWax", "dWaa", "dba"]
    return (one["da"][:, :, 0], step), dict(zip(names, g, strict=True))


def _run_learner(case: RnnCase, name: str, args: tuple) -> dict:
    """The fixture's functions, executed with NumPy and three builtins (test data, not input)."""
    names: dict = {"np": np, "__builtins__": {"range": range, "reversed": reversed, "len": len}}
    text = case.text.replace("import numpy as np\n", "\n")  # np is given
    exec(compile(text, case.id, "exec"), names)  # noqa: S102 - a vetted fixture
    return names[name](*args)


def _right_by_mathematics(case: RnnCase, name: str) -> bool:
    for v in _draws(name.startswith("lstm")):
        args, want = _reference(name, v)
        try:
            got = _run_learner(case, name, args)
        except (ValueError, IndexError, NameError):  # it cannot run: wrong
            return False
        for k, w in want.items():
            if np.shape(got[k]) != w.shape or not np.allclose(got[k], w, rtol=1e-9, atol=1e-12):
                return False
    return True


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_the_verdicts_are_the_mathematics(case: RnnCase) -> None:
    """Each learner function is right exactly when the catalogue says so (PyTorch autograd)."""
    for name in case.learner:
        assert _right_by_mathematics(case, name) == (name not in case.wrong), name


# -- the checker's rates ------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    case: RnnCase
    function: str
    accepted: bool
    named: bool
    said: str
    read: bool = True  # False: refused as unreadable (a clear error, but no verdict)


def _outcomes(case: RnnCase) -> list[Outcome]:
    try:
        checks = {c.function.split(" ")[0]: c for c in cr.check_rnn(case.text)}
    except cr.ChainruleError as e:  # refused: neither accepted nor diagnosed
        return [Outcome(case, f, False, False, f"refused: {e}", False) for f in case.learner]
    out = []
    for name in case.learner:
        check = checks[name]
        out.append(Outcome(case, name, check.correct, _named(case, name, check), check.text()))
    return out


def _named(case: RnnCase, name: str, check) -> bool:  # noqa: ANN001 - a LoopCheck
    for words, piece in case.wrong.get(name, ()):
        line = case.line(piece)
        said = [
            " ".join((f.title, f.why, f.corrected)).lower()
            for f in check.findings
            if f.line == line
        ]
        if not any(all(w.lower() in s for w in words) for s in said):
            return False
    return bool(case.wrong.get(name))


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    return [o for case in CASES for o in _outcomes(case)]


def test_every_right_function_is_judged_right(outcomes: list[Outcome]) -> None:
    right = [o for o in outcomes if o.function not in o.case.wrong]
    missed = [f"{o.case.id}/{o.function}: {o.said}" for o in right if not o.accepted]
    assert not missed, "\n".join(missed)
    assert len(right) >= 12


def test_every_wrong_function_is_judged_wrong(outcomes: list[Outcome]) -> None:
    wrong = [o for o in outcomes if o.function in o.case.wrong]
    assert not [o.case.id for o in wrong if o.accepted or not o.read]
    assert len(wrong) >= 9


def test_the_mistakes_are_named_on_their_lines(outcomes: list[Outcome]) -> None:
    wrong = [o for o in outcomes if o.function in o.case.wrong]
    named = [o for o in wrong if o.named]
    missed = [f"{o.case.id}/{o.function}:\n{o.said}" for o in wrong if not o.named]
    assert len(named) / len(wrong) >= NAMED, "\n\n".join(missed)


# -- the forum fixtures are the learners' code: they print what the learners posted --------------
def _case(case_id: str) -> RnnCase:
    return next(c for c in CASES if c.id == case_id)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def test_the_405415_fixture_prints_the_learners_numbers() -> None:
    """The notebook's lstm_cell_backward test (seed 1), run on the fixture, prints the learner's
    post: dxt[1][2] = 0.3695862892930779 with dxt and da_prev of shape (8, 10)."""
    np.random.seed(1)
    xt, a_prev, c_prev = np.random.randn(3, 10), np.random.randn(5, 10), np.random.randn(5, 10)
    p = {k: np.random.randn(5, 8 if k[0] == "W" else 1) for k in ("Wf", "bf", "Wi", "bi")}
    p.update({k: np.random.randn(5, 8 if k[0] == "W" else 1) for k in ("Wo", "bo", "Wc", "bc")})
    p.update(Wy=np.random.randn(2, 5), by=np.random.randn(2, 1))
    z = np.concatenate((a_prev, xt), axis=0)
    ft, it = _sigmoid(p["Wf"] @ z + p["bf"]), _sigmoid(p["Wi"] @ z + p["bi"])
    cct, ot = np.tanh(p["Wc"] @ z + p["bc"]), _sigmoid(p["Wo"] @ z + p["bo"])
    c_next = ft * c_prev + it * cct
    cache = (ot * np.tanh(c_next), c_next, a_prev, c_prev, ft, it, cct, ot, xt, p)
    da_next, dc_next = np.random.randn(5, 10), np.random.randn(5, 10)
    g = _run_learner(_case("forum_405415"), "lstm_cell_backward", (da_next, dc_next, cache))
    assert g["dxt"].shape == g["da_prev"].shape == (8, 10)
    assert g["dxt"][1][2] == pytest.approx(0.3695862892930779, abs=1e-13)
    assert g["da_prev"][2][3] == pytest.approx(-0.06396214197109236, abs=1e-13)


def test_the_157244_fixture_prints_the_learners_numbers() -> None:
    """The notebook's rnn_cell_backward test (seed 1) on the learner's cell prints their post."""
    np.random.seed(1)
    xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
    p = {"Wax": np.random.randn(5, 3), "Waa": np.random.randn(5, 5)}
    p.update(Wya=np.random.randn(2, 5), ba=np.random.randn(5, 1), by=np.random.randn(2, 1))
    a_next = np.tanh(p["Waa"] @ a_prev + p["Wax"] @ xt + p["ba"])
    da_next = np.random.randn(5, 10)
    g = _run_learner(_case("forum_157244"), "rnn_cell_backward", (da_next, (a_next, a_prev, xt, p)))
    posted = {"dxt": (1, 2, -1.3872130506020925), "da_prev": (2, 3, -0.15239949377395495)}
    posted.update(dWax=(3, 1, 0.4107728249354584), dWaa=(1, 2, 1.1503450668497135))
    for k, (i, j, v) in posted.items():
        assert g[k][i][j] == pytest.approx(v, abs=1e-12), k
    assert g["dba"][4][0] == pytest.approx(0.20023491, abs=1e-8)


@pytest.mark.parametrize(
    "case_id", ["github_ernestng11_lstm", "github_bosonfields_lstm", "github_alberthg_lstm"]
)
def test_the_learners_lstm_numbers_are_diagnosed(case_id: str) -> None:
    """From the numbers alone (``recur.mistakes.diagnose``, the derived loop and its mistaken
    variants): the learners' lstm_backward never carries da_prev/dc_prev back, which is the loop
    with the next step's gradients forgotten — exactly."""
    from chainrule.check.lstm_check import _recurrence
    from chainrule.recur.mistakes import diagnose

    v = _draws(True)[1]
    theirs = _run_learner(_case(case_id), "lstm_backward", (v["da"], _caches(v, True)))
    values = {k: v[k] for k in v if k not in ("da", "dc")}
    verdict = diagnose(_recurrence(), values, {"a": v["da"]}, theirs)
    assert verdict.mistake is not None, str(verdict)
    assert verdict.mistake.name == "forgot the gradient from the next step"
