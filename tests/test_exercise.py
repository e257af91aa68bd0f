"""Exercises: seeded and reproducible; every model answer is right by independent NumPy and
central differences; grading names the mistake, gives partial credit, costs no attempt for an
answer that cannot be graded, and does not leak the answer; the hint ladder climbs to the answer.

The model answers are checked outside chainrule: the test writes the forward pass in plain NumPy,
takes central differences of J with respect to every parameter and intermediate, and evaluates the
answer string as NumPy (the learner would paste it into their notebook) with the gradients it
names bound to those differences.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.errors import SpecError
from chainrule.exercise import DEFAULT_CREDIT

SEEDS = range(40)


# -- an independent forward pass and its central differences ---------------------------------------
def _act(name: str, z: np.ndarray, axis: int) -> np.ndarray:
    if name == "softmax":
        e = np.exp(z - z.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    return {
        "tanh": np.tanh,
        "relu": lambda x: np.maximum(x, 0.0),
        "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
        "linear": lambda x: x,
    }[name](z)


def forward(spec, values: dict, inject: tuple[str, np.ndarray] | None = None) -> dict:
    """Z[l], A[l] and J in plain NumPy; ``inject`` replaces one of them (for differences)."""
    cols, L = spec.layout == "columns", len(spec.layers) - 1
    axis = 0 if cols else 1  # the classes axis
    out, a = {}, values["X"]
    for l in range(1, L + 1):
        W, b = values[f"W{l}"], values[f"b{l}"]
        z = W @ a + b if cols else a @ W + b
        z = inject[1] if inject and inject[0] == f"Z{l}" else z
        g = spec.output if l == L else spec.hidden[l - 1]
        a = _act(g, z, axis)
        a = inject[1] if inject and inject[0] == f"A{l}" else a
        out[f"Z{l}"], out[f"A{l}"] = z, a
    Y, m = values["Y"], values["X"].shape[1 if cols else 0]
    if spec.loss == "bce":
        loss = -(Y * np.log(a) + (1 - Y) * np.log(1 - a))
    elif spec.loss == "ce":
        loss = -(Y * np.log(a)).sum(axis=axis)
    else:
        loss = 0.5 * ((a - Y) ** 2).sum(axis=axis)
    out["J"] = loss.sum() / m
    return out


def central(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


def sample(spec, m: int = 4, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    cols, n = spec.layout == "columns", spec.layers
    ex = (lambda k: (k, m)) if cols else (lambda k: (m, k))
    values = {"X": rng.normal(size=ex(n[0]))}
    for l in range(1, len(n)):
        values[f"W{l}"] = rng.normal(size=(n[l], n[l - 1]) if cols else (n[l - 1], n[l]))
        values[f"b{l}"] = rng.normal(size=(n[l], 1) if cols else (1, n[l]))
    if spec.loss == "bce":
        values["Y"] = (rng.random(ex(1)) < 0.5).astype(float)
    elif spec.loss == "ce":
        labels = rng.integers(0, n[-1], size=m)
        onehot = np.eye(n[-1])[labels]
        values["Y"] = onehot.T if cols else onehot
    else:
        values["Y"] = rng.normal(size=ex(n[-1]))
    return values


def true_gradients(spec, values: dict) -> dict:
    """d· for every parameter and intermediate, by central differences of J (plain NumPy).

    Course convention: dZ, dA are per-example (m · ∂J/∂·); dW, db are ∂J/∂·. Exact: all ∂J/∂·."""
    fwd = forward(spec, values)
    m = values["X"].shape[1 if spec.layout == "columns" else 0]
    grads = {}
    for name in values:
        if name[0] in "Wb":
            grads["d" + name] = central(
                lambda x, k=name: forward(spec, {**values, k: x})["J"], values[name].copy()
            )
    for name in fwd:
        if name[0] in "ZA":
            g = central(lambda x, k=name: forward(spec, values, (k, x))["J"], fwd[name].copy())
            grads["d" + name] = g * (m if spec.convention == "course" else 1)
    return grads, fwd, m


def numpy_value(rhs: str, env: dict) -> np.ndarray:
    """The answer as NumPy computes it (the test's own evaluation, not chainrule's parser)."""
    return eval(rhs, {"np": np, "__builtins__": {}}, env)  # noqa: S307 - a test's own string


@pytest.mark.parametrize("seed", SEEDS)
def test_every_model_answer_is_right_by_central_differences(seed: int) -> None:
    held_to_central_differences(cr.exercise(seed=seed), seed)


@pytest.mark.parametrize("seed", range(8))
def test_every_backward_pass_and_function_is_right_by_central_differences(seed: int) -> None:
    held_to_central_differences(cr.exercise(seed=seed, quantity="backward"), seed)


def held_to_central_differences(ex: cr.Exercise, seed: int) -> None:
    values = sample(ex.spec, seed=seed)
    grads, fwd, m = true_gradients(ex.spec, values)
    env = {**values, **fwd, **grads, "m": m, "A0": values["X"]}
    for line in ex.solution.splitlines():
        target, rhs = (s.strip() for s in line.split("=", 1))
        got = np.broadcast_to(numpy_value(rhs, env), grads[target].shape)
        np.testing.assert_allclose(got, grads[target], rtol=1e-5, atol=1e-7, err_msg=line)
    if ex.quantity == "backward":  # the same pass as the course's function, run by NumPy
        namespace: dict = {"np": np}
        exec(ex.function(), namespace)  # noqa: S102 - the test runs the printed function
        params = {k: v for k, v in values.items() if k[0] in "Wb"}
        out = namespace["backward_propagation"](params, fwd, values["X"], values["Y"])
        assert sorted(out) == sorted(q for q in ex.targets if q[:2] in ("dW", "db"))
        for q, value in out.items():
            np.testing.assert_allclose(value, grads[q], rtol=1e-5, atol=1e-7, err_msg=q)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_checker_accepts_every_model_answer(seed: int) -> None:
    ex = cr.exercise(seed=seed)
    g = ex.grade(ex.solution)
    assert g.correct and g.valid and g.attempt_used and g.score == 1.0, g.feedback
    assert g.note.endswith("-correct") or ex.quantity == "backward"
    for line in ex.solution.splitlines():  # and cr.check_formula, line by line
        assert cr.check_formula(ex.network, line, convention=ex.spec.convention).correct


# -- seeds -----------------------------------------------------------------------------------------
def test_the_issue_s_example() -> None:
    ex = cr.exercise(
        seed=7, layers=[2, 4, 1], hidden="tanh", output="sigmoid", loss="bce", quantity="dW2"
    )
    assert ex.network.describe() == "2-4-1 (tanh → sigmoid, bce)"
    assert "dW[2]" in ex.question and "(1, 4)" in ex.question
    assert ex.grade("dW2 = 1/m * dZ2 @ A1.T").correct
    assert [h.name for h in ex.hints] == ["the chain", "the shapes", "the indices", "the answer"]


def test_a_seed_is_the_same_exercise_in_another_process() -> None:
    code = (
        "import json, chainrule as cr;"
        "print(json.dumps([cr.exercise(seed=s).to_dict() for s in range(12)]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    here = [cr.exercise(seed=s).to_dict() for s in range(12)]
    assert json.loads(out.stdout) == json.loads(json.dumps(here))


def _documented_draw(seed: int, key: str, options: tuple):
    # the rule spec.py's docstring publishes, restated: SHA-256 of the key, modulo the options
    digest = hashlib.sha256(f"chainrule-exercise:{seed}:{key}".encode()).digest()
    return options[int.from_bytes(digest[:8], "big") % len(options)]


@pytest.mark.parametrize("seed", [0, 7, 123456789])
def test_seed_draws_follow_the_published_rule(seed: int) -> None:
    # A teacher's assignment names seeds: seed 7 must stay seed 7 on every machine and version,
    # which NumPy's and Python's generators do not promise. The published rule is the contract.
    spec = cr.exercise(seed=seed).spec
    heads = (("sigmoid", "bce"), ("sigmoid", "bce"), ("softmax", "ce"), ("linear", "mse"))
    assert (spec.output, spec.loss) == _documented_draw(seed, "head", heads)
    assert len(spec.layers) - 1 == _documented_draw(seed, "depth", (2, 2, 3))
    assert spec.layers[0] == _documented_draw(seed, "width0", (2, 3, 4))
    layouts = ("columns", "columns", "columns", "rows")
    assert spec.layout == _documented_draw(seed, "layout", layouts)
    hidden = tuple(
        _documented_draw(seed, f"hidden{l}", ("relu", "tanh", "sigmoid"))
        for l in range(1, len(spec.layers) - 1)
    )
    assert spec.hidden == hidden


def test_fixing_one_choice_keeps_the_others_drawn() -> None:
    for seed in range(10):
        free, fixed = cr.exercise(seed=seed).spec, cr.exercise(seed=seed, quantity="dW1").spec
        assert (free.layers, free.hidden, free.layout) == (fixed.layers, fixed.hidden, fixed.layout)
        assert fixed.quantity == "dW1"


def test_seeds_vary_the_exercise() -> None:
    specs = [cr.exercise(seed=s).spec for s in range(60)]
    assert {s.loss for s in specs} == {"bce", "ce", "mse"}
    assert {s.layout for s in specs} == {"columns", "rows"}
    assert {s.convention for s in specs} == {"course", "exact"}
    assert {len(s.layers) for s in specs} == {3, 4}
    kinds = {s.quantity[:2] if s.quantity != "backward" else s.quantity for s in specs}
    assert kinds == {"dZ", "dA", "dW", "db", "backward"}


@pytest.mark.parametrize(
    "kw",
    [
        {"seed": -1},
        {"seed": 1, "quantity": "dW9"},
        {"seed": 1, "loss": "bce", "output": "softmax"},
        {"seed": 1, "layers": "two"},
    ],
)
def test_bad_specs_are_one_clear_error(kw: dict) -> None:
    with pytest.raises(SpecError):
        cr.exercise(**kw)


# -- grading ---------------------------------------------------------------------------------------
COURSE = {"layers": [2, 4, 1], "hidden": "tanh", "output": "sigmoid", "loss": "bce"}


def course(quantity: str, **kw) -> cr.Exercise:
    return cr.exercise(
        seed=7, quantity=quantity, layout="columns", convention="course", **COURSE, **kw
    )


@pytest.mark.parametrize(
    ("answer", "note"),
    [
        ("", "dW2-empty"),
        ("   ", "dW2-empty"),
        ("dW2 = 1/m * (dZ2 @ A1.T", "dW2-unreadable"),
        ("dW2 = 1/m * foo @ A1.T", "dW2-unreadable"),
        ("dW1 = 1/m * dZ1 @ X.T", "dW2-wrong-quantity"),
        (None, "dW2-unreadable"),
    ],
)
def test_answers_that_cannot_be_graded_cost_no_attempt(answer: object, note: str) -> None:
    g = course("dW2").grade(answer)
    assert (g.valid, g.attempt_used, g.correct, g.score, g.note) == (False, False, False, 0.0, note)
    assert "costs no attempt" in g.feedback


def test_a_shape_error_costs_no_attempt_but_is_diagnosed() -> None:
    g = course("dW2").grade("dW2 = 1/m * dZ2 @ A1")  # the course's founding mistake
    assert (g.valid, g.attempt_used) == (False, False)
    assert g.mistakes == ("missing-transpose",) and g.score == DEFAULT_CREDIT["missing-transpose"]
    assert "(1, m) @ (4, m)" in g.echo and "A1.T" not in g.feedback  # the hint is not passed on


def test_the_echo_says_how_the_answer_was_read() -> None:
    g = course("dZ1").grade("dZ[1] = W[2]ᵀ dZ[2] * (1 - A[1]²)".replace("ᵀ dZ", "ᵀ @ dZ"))
    assert g.correct and g.shape == "(4, m)"
    assert g.echo == "Read as dZ[1] = W[2]ᵀ dZ[2] ⊙ (1 − A[1]²), shape (4, m)."


def test_an_answer_without_its_name_answers_the_question() -> None:
    assert course("dW2").grade("1/m * dZ2 @ A1.T").correct


def test_a_formula_broken_over_lines_is_one_formula() -> None:
    assert course("dW2").grade("dW2 = (1/m *\n   dZ2 @ A1.T)").correct
    g = course("dW2").grade("dW2 = 1/m * dZ2 @ A1.T\ndW1 = 1/m * dZ1 @ X.T")
    assert not g.valid and not g.attempt_used


def test_partial_credit_follows_the_teacher_s_rule() -> None:
    ex = course("dW2")
    assert ex.grade("dW2 = dZ2 @ A1.T").score == 0.5  # the default: a missing 1/m earns half
    g = ex.grade("dW2 = dZ2 @ A1.T", scoring={"missing-1/m": 0.8})
    assert (g.score, g.mistakes, g.note) == (0.8, ("missing-1/m",), "dW2-missing-1/m")
    assert ex.grade("dW2 = np.sum(X)").score == 0.0
    assert ex.grade("dW2 = np.sum(X)", scoring={"unrecognised": 0.1}).note == "dW2-unrecognised"
    with pytest.raises(SpecError, match="not a mistake"):
        ex.grade("dW2 = dZ2 @ A1.T", scoring={"missing-one-over-m": 0.5})
    with pytest.raises(SpecError, match="from 0 to 1"):
        ex.grade("dW2 = dZ2 @ A1.T", scoring={"missing-1/m": 2})


def test_every_credit_and_nudge_names_a_known_mistake() -> None:
    from chainrule.check.mistakes import BY_NAME
    from chainrule.exercise.feedback import NUDGES

    assert set(DEFAULT_CREDIT) - set(BY_NAME) == {"shape-mismatch", "unrecognised", "other"}
    assert set(NUDGES) <= set(BY_NAME) and all(0 <= c <= 1 for c in DEFAULT_CREDIT.values())


def test_two_mistakes_multiply_their_credit() -> None:
    g = course("dW2").grade("dW2 = dZ2 @ A1")  # no 1/m, no transpose
    assert set(g.mistakes) == {"missing-1/m", "missing-transpose"}
    assert g.score == pytest.approx(0.25)


def test_feedback_does_not_leak_the_answer_unless_allowed() -> None:
    ex = course("dZ1")
    secret = ex.solution.split("=", 1)[1].strip()  # W2.T @ dZ2 * (1 - A1**2)
    for wrong in ["dZ1 = W2.T @ dZ2 * A1", "dZ1 = W2 @ dZ2 * (1 - A1**2)", "dZ1 = W2.T @ dZ2"]:
        g = ex.grade(wrong)
        assert g.mistakes and not g.correct
        assert secret not in g.feedback and "1 - A[1]²" not in g.feedback.replace("−", "-")
        shown = ex.grade(wrong, reveal=True)
        assert secret in shown.feedback and shown.score == g.score


def test_a_right_answer_only_for_these_sizes_is_wrong() -> None:
    # dZ1 = W2.T * dZ2 (elementwise) equals W2ᵀ dZ2 when the output has one unit; a network with
    # two outputs (MSE) tells them apart.
    ex = cr.exercise(
        seed=2,
        layers=[2, 3, 1],
        hidden="tanh",
        output="linear",
        loss="mse",
        quantity="dA1",
        layout="columns",
        convention="course",
    )
    assert ex.grade("dA1 = W2.T @ dZ2").correct
    g = ex.grade("dA1 = W2.T * dZ2")
    assert not g.correct and "for these sizes only" in g.feedback
    assert g.mistakes == ("elementwise-for-matmul",) and g.score == 0.25


def test_a_whole_backward_pass_is_graded_line_by_line() -> None:
    ex = course("backward")
    lines = ex.solution.splitlines()
    assert [line.split(" =")[0] for line in lines] == ["dZ2", "dW2", "db2", "dZ1", "dW1", "db1"]
    wrong = [line.replace("1 / m * ", "") if line.startswith("dW1") else line for line in lines]
    g = ex.grade("\n".join(wrong))
    assert not g.correct and g.mistakes == ("missing-1/m",)
    assert g.score == pytest.approx(5.5 / 6)
    assert [p.note for p in g.parts][4] == "dW1-missing-1/m"
    g = ex.grade("\n".join(lines[:-1]))  # db1 forgotten
    assert g.score == pytest.approx(5 / 6) and g.parts[-1].note == "db1-missing"
    g = ex.grade("\n".join(lines[:3] + ["dA1 = W2.T @ dZ2", "dZ1 = dA1 * (1 - A1**2)"] + lines[4:]))
    assert g.correct  # a dA line, used by the next one, is welcome
    g = ex.grade("dZ2 = A2 - Y\ndW9 = dZ2 @ A1.T")  # a quantity the network does not have
    assert not g.valid and not g.attempt_used and g.note == "backward-unreadable"


def test_a_mistake_in_a_backward_pass_costs_credit_once() -> None:
    # 1/m put in dZ1 and dW1 left without it: dW1 = dZ1 Xᵀ then has the true values, so only the
    # dZ1 line loses credit (the checker judges each line given the learner's earlier lines)
    ex = course("backward")
    lines = ex.solution.replace("dZ1 = W2.T", "dZ1 = 1 / m * W2.T").splitlines()
    lines = [line.replace("1 / m * ", "") if line[:3] in ("dW1", "db1") else line for line in lines]
    g = ex.grade("\n".join(lines))
    assert [p.note for p in g.parts] == [
        "dZ2-correct",
        "dW2-correct",
        "db2-correct",
        "dZ1-extra-1/m",
        "dW1-correct",
        "db1-correct",
    ]
    assert g.score == pytest.approx(5.5 / 6) and "Right in the end" in g.parts[4].echo


def test_the_course_s_backward_function_is_an_answer() -> None:
    # the shape of the course's week-3 assignment function backward_propagation(parameters, cache,
    # X, Y) ("Planar data classification with one hidden layer"), written by a learner
    ex = course("backward")
    source = """
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1 = cache["A1"]
    A2 = cache["A2"]
    dZ2 = A2 - Y
    dW2 = 1 / m * np.dot(dZ2, A1.T)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = 1 / m * np.dot(dZ1, X.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
"""
    assert ex.grade(source).correct
    g = ex.grade(source.replace("np.dot(W2.T, dZ2)", "np.dot(W2, dZ2)"))
    assert not g.correct and "missing-transpose" in g.mistakes


# -- question and hints ----------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "html", "json"])
def test_the_question_renders(fmt: str) -> None:
    out = course("dW2").render(fmt)
    assert {
        "text": "dW[2]",
        "markdown": "dW^{[2]}",
        "latex": "dW^{[2]}",
        "html": "<math",
        "json": '"kind"',
    }[fmt] in out


def test_the_hint_ladder_climbs_to_the_answer() -> None:
    for seed in SEEDS:
        ex = cr.exercise(seed=seed)
        if ex.quantity == "backward":
            continue
        answer = cr.check_formula(ex.network, ex.solution, convention=ex.spec.convention)
        texts = [str(h) for h in ex.hints]
        assert answer.expected in texts[3] and ex.solution in texts[3]  # "dW[2] = (1/m) dZ[2] …"
        for t in texts[:3]:
            assert answer.expected not in t and ex.solution.split(" = ")[1] not in t, seed
    x = course("dW2")
    assert "∂J/∂W[2] = (1/m) · ∂L/∂Z[2] · ∂Z[2]/∂W[2]" in str(x.hints[0])
    assert "must have the shape of W[2] (1, 4)" in str(x.hints[1])
    assert "Σⱼ ∂L/∂z[2]ᵢⱼ a[1]ₖⱼ" in str(x.hints[2])


# -- hostile input ---------------------------------------------------------------------------------
PIECES = ["dW2", "dZ1", "=", " ", "@", "*", ".T", "(", ")", "A1", "X", "1/m", "np.sum(", ",", "\n"]
PIECES += ["axis=1", "keepdims=True", "ᵀ", "⊙", "[2]", "'", "def f(x):", "return", ";", "#", "é"]


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join) | st.text(max_size=40))
def test_grading_never_raises_on_what_a_learner_types(answer: str) -> None:
    for ex in (course("dW2"), course("backward")):
        g = ex.grade(answer)
        assert 0.0 <= g.score <= 1.0 and g.feedback
        assert g.valid or not g.attempt_used
