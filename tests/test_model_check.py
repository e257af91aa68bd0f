"""A learner's formula for a gradient of a model (``bn.check("dZ", …)``), judged as a network's.

The formulas are learners' own, from public posts (each paraphrased in one line, with its source),
written in the course's layout (features × examples, so the examples' axis is 1) and the model's
names. Every verdict is also checked outside chainrule's derivation: the learner's formula is
evaluated on seeded inputs and compared with central finite differences of the model's cost — a
"correct" verdict must agree with them, a "wrong" one must not.
"""

from __future__ import annotations

import ast

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ChainruleError
from chainrule.evaluate import bind, evaluate, run

TRAIN = """
mu = np.mean(Z, axis=1, keepdims=True)
var = np.var(Z, axis=1, keepdims=True)
Z_norm = (Z - mu) / np.sqrt(var + eps)
Z_tilde = gamma * Z_norm + beta
J = np.sum(Z_tilde * G)
"""
SHAPES = {"Z": ("n", "m"), "gamma": ("n", 1), "beta": ("n", 1), "G": ("n", "m")}

# the course's compact form, as the issue writes it
COMPACT = (
    "(1/m) * gamma / np.sqrt(var + eps) * (m * dZ_tilde - np.sum(dZ_tilde, axis=1, keepdims=True)"
    " - Z_norm * np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True))"
)

RIGHT = {
    # the issue's own example: the compact three-term dZ
    "compact form (issue #11)": COMPACT,
    # BVLC/caffe#4110 "BatchNormLayer backward": asks whether dX needs an extra
    # + mean(dY·Y)·mean(Y) term — it is right too, since mean(Ẑ) = 0 for every input
    "caffe#4110 with the extra term": (
        "gamma / np.sqrt(var + eps) * (dZ_tilde - np.mean(dZ_tilde, axis=1, keepdims=True)"
        " - np.mean(dZ_tilde * Z_norm, axis=1, keepdims=True) * Z_norm"
        " + np.mean(dZ_tilde * Z_norm, axis=1, keepdims=True)"
        " * np.mean(Z_norm, axis=1, keepdims=True))"
    ),
    # r/cs231n "Batchnorm W1,2 gradient error 1e0 but ~e-8 when using batchnorm_backward_alt":
    # the staged dx (dvar, dmean written out; np.sum(-2(x - mean)) over everything) — right;
    # the poster's trouble was elsewhere
    "r/cs231n staged dx": (
        "dZ_norm / np.sqrt(var + eps)"
        " + np.sum(dZ_norm * (Z - mu) * -0.5 * (var + eps)**-1.5, axis=1, keepdims=True)"
        " * (2 / m) * (Z - mu)"
        " + (np.sum(-dZ_norm / np.sqrt(var + eps), axis=1, keepdims=True)"
        " + np.sum(dZ_norm * (Z - mu) * -0.5 * (var + eps)**-1.5, axis=1, keepdims=True)"
        " * np.sum(-2.0 * (Z - mu)) / m) / m"
    ),
}

WRONG = {  # name: (formula, the named mistake, or None where only the place is named)
    # cs231n assignment 2's batchnorm_backward_alt sums over axis=0 for x of shape (N, D);
    # carried into the course's (n, m) layout, both sums run over the features
    "cs231n axis=0 in the course's layout": (
        COMPACT.replace("axis=1", "axis=0"),
        "wrong-sum-axis",
    ),
    # the list: the 1/m dropped from the compact form
    "the 1/m dropped": (COMPACT.replace("(1/m) * ", ""), "missing-1/m"),
    # Coursera DLS forum, "Batch Normalization Gradient Computation" (olgeorge, Aug 2022):
    # Z_norm = (Z − μ)/(√σ² + ε) — ε outside the square root, carried into dZ
    "DLS forum: eps outside the root": (
        COMPACT.replace("np.sqrt(var + eps)", "(np.sqrt(var) + eps)"),
        "wrong-factor",
    ),
    # pytorch#7028 / keras#8982: the unbiased variance (divide by m − 1) mixed into the
    # variance path of the backward pass
    "unbiased variance in the backward pass": (
        "gamma / np.sqrt(var + eps) * (dZ_tilde - np.mean(dZ_tilde, axis=1, keepdims=True)"
        " - Z_norm * np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True) / (m - 1))",
        None,
    ),
    # the list: the path through mu forgotten (its Σ dZ̃ term is missing)
    "the path through mu forgotten": (
        "(1/m) * gamma / np.sqrt(var + eps) * (m * dZ_tilde"
        " - Z_norm * np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True))",
        "missing-path",
    ),
    # caffe#4110 again: the variance's path is the subtle one; dropping it leaves the
    # mean-centred gradient γ/σ (dZ̃ − mean dZ̃)
    "the path through var forgotten": (
        "gamma / np.sqrt(var + eps) * (dZ_tilde - np.mean(dZ_tilde, axis=1, keepdims=True))",
        "missing-path",
    ),
}


@pytest.fixture(scope="module")
def bn() -> cr.Model:
    return cr.model(TRAIN, SHAPES, wrt=["Z", "gamma", "beta"], constants={"eps": 1e-5})


def outside(bn: cr.Model, formula: str, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """The learner's dZ evaluated on seeded inputs (n = 3, m = 6), and ∂J/∂Z by central
    differences of the model's cost (its forward code; no derivation enters)."""
    rng = np.random.default_rng(seed)
    v = {
        "Z": 2 * rng.standard_normal((3, 6)) + 1,
        "gamma": rng.standard_normal((3, 1)),
        "beta": rng.standard_normal((3, 1)),
        "G": rng.standard_normal((3, 6)),
    }
    values = bn.values(v)
    env = run(bn.program, values)
    env.update(bn.step(values))  # the model's own d· values the formula may read (dZ_tilde …)
    mine = evaluate(cr.parse(formula, _shapes(bn)), env, bind(bn.program.inputs, values))
    z, fd, h = v["Z"], np.zeros((3, 6)), 1e-6
    for i in np.ndindex(z.shape):
        old = z[i]
        z[i] = old + h
        up = bn.cost(v)
        z[i] = old - h
        fd[i] = (up - bn.cost(v)) / (2 * h)
        z[i] = old
    return np.broadcast_to(mine, fd.shape), fd


def _shapes(bn: cr.Model) -> dict:
    d = bn.derive()
    return {
        **{k: v.shape for k, v in d.program.names.items()},
        **{s.target: s.shape for s in d.steps},
    }


@pytest.mark.parametrize("name", RIGHT)
def test_right_formulas_are_correct(bn: cr.Model, name: str) -> None:
    r = bn.check("dZ", RIGHT[name])
    assert r.correct and r.verdict == "correct", r.message
    mine, fd = outside(bn, RIGHT[name])
    np.testing.assert_allclose(mine, fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_formulas_are_wrong_and_say_where(bn: cr.Model, name: str) -> None:
    formula, mistake = WRONG[name]
    r = bn.check("dZ", formula)
    assert not r.correct and r.verdict == "wrong"
    mine, fd = outside(bn, formula)
    assert not np.allclose(mine, fd, rtol=1e-7, atol=1e-9)  # finite differences agree: wrong
    if mistake is not None:
        assert r.diagnosis == mistake, r.message
    assert r.message and r.corrected.startswith("dZ = ")


def test_a_missing_path_names_the_use_it_leaves_out(bn: cr.Model) -> None:
    r = bn.check("dZ", WRONG["the path through mu forgotten"][0])
    assert "through mu" in r.message and "np.sum(dZ_tilde, axis=1, keepdims=True)" in r.message
    r = bn.check("dZ", WRONG["the path through var forgotten"][0])
    assert "through var" in r.message
    assert bn.check("dZ", r.corrected).correct


def test_a_named_mistake_comes_with_a_corrected_formula_that_is_right(bn: cr.Model) -> None:
    formula, _ = WRONG["cs231n axis=0 in the course's layout"]
    r = bn.check("dZ", formula)
    assert "axis=1" in r.corrected and "axis=0" not in r.corrected
    assert bn.check("dZ", r.corrected).correct


def test_right_on_one_draw_is_not_correct(bn: cr.Model) -> None:
    from chainrule.check.model_world import ModelWorld

    m = ModelWorld(bn, "dZ").numbers.sizes[0]  # the batch size of the first draw
    # the right formula times m/k equals it on that draw and on no other: never "correct"
    r = bn.check("dZ", f"({COMPACT}) * m / {m}")
    assert not r.correct


def test_a_size_of_one_that_hides_a_mistake_is_found() -> None:
    # with one feature (n = 1 declared), summing over the features changes nothing for Σ over a
    # (1, m) row's... axis 0; the variant with that size freed shows the formula is wrong
    one = cr.model(TRAIN, {"Z": (1, "m"), "gamma": (1, 1), "beta": (1, 1), "G": (1, "m")},
                   wrt=["Z", "gamma"], constants={"eps": 1e-5})  # fmt: skip
    r = one.check("dgamma", "np.sum(dZ_tilde * Z_norm)")  # sums over everything: right if n = 1
    assert not r.correct and r.verdict == "right-here-only", r.message
    assert "1" in r.title
    assert one.check("dgamma", "np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)").correct


def test_check_formula_takes_a_model_too(bn: cr.Model) -> None:
    r = cr.check_formula(bn, "dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)")
    assert r.correct
    assert not cr.check_formula(bn, "dbeta = np.sum(dZ_tilde, axis=0, keepdims=True)").correct


@pytest.mark.parametrize(
    ("quantity", "formula", "says"),
    [
        ("dQ", "dZ_tilde", "not a gradient of this model"),
        ("dZ", "np.sum(foo)", "unknown name 'foo'"),
        ("dZ", "__import__('os')", "unknown function"),
        ("dZ", "dZ_tilde +", "syntax error"),
        ("dZ", "", "empty formula"),
    ],
)
def test_bad_input_is_one_clear_error(bn: cr.Model, quantity: str, formula: str, says: str):
    with pytest.raises(ChainruleError, match=says):
        bn.check(quantity, formula)


def test_the_formula_is_never_run(bn: cr.Model) -> None:
    tree = ast.parse("__import__('os').system('false')", mode="eval")
    with pytest.raises(ChainruleError):
        bn.check("dZ", ast.unparse(tree))


# -- the command line: chainrule model FILE --check dZ="…" ----------------------------------------
FLAGS = ["--shape", "Z=n,m", "--shape", "gamma=n,1", "--shape", "beta=n,1", "--shape", "G=n,m",
         "--wrt", "Z,gamma,beta", "--const", "eps=1e-5"]  # fmt: skip


@pytest.fixture
def bn_file(tmp_path):
    path = tmp_path / "bn.py"
    path.write_text(TRAIN)
    return path


def cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    from chainrule.cli import main

    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_prints_the_verdict_in_one_block(capsys: pytest.CaptureFixture, bn_file) -> None:
    status, out, _ = cli(capsys, "model", str(bn_file), *FLAGS, "--check", f"dZ={COMPACT}")
    assert status == 0
    assert out.splitlines()[1] == "✓ correct"
    formula, _ = WRONG["cs231n axis=0 in the course's layout"]
    status, out, _ = cli(capsys, "model", str(bn_file), *FLAGS, "--check", f"dZ={formula}")
    assert status == 0 and "✗ wrong — a sum over the wrong axis" in out
    assert "corrected: dZ = " in out and "derived:   dZ = (1/m) γ ⊙" in out


def test_cli_json(capsys: pytest.CaptureFixture, bn_file) -> None:
    import json

    argv = ["--check", "dbeta=np.sum(dZ_tilde, axis=0, keepdims=True)", "--format", "json"]
    status, out, _ = cli(capsys, "model", str(bn_file), *FLAGS, *argv)
    assert status == 0 and json.loads(out)["diagnosis"] == "wrong-sum-axis"


@pytest.mark.parametrize(
    ("check", "says"),
    [
        ("np.sum(dZ_tilde)", "must look like dNAME=FORMULA"),
        ("dQ=dZ_tilde", "dQ is not a gradient of this model"),
        ("dZ=np.sum(dZ_tilde +", "syntax error"),
        ("dZ=open('x')", "unknown function 'open'"),
    ],
)
def test_cli_bad_input_is_one_line(capsys: pytest.CaptureFixture, bn_file, check: str, says: str):
    status, out, err = cli(capsys, "model", str(bn_file), *FLAGS, "--check", check)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and says in err and "Traceback" not in err
