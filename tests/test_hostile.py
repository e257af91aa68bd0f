"""The catalogue of hostile inputs (issue #16): each one once gave a traceback, a silent wrong
answer or lost work. Now: one line and exit 2, a failed check that says why, or the work kept.

Every case is a command a learner typed or a call they made; the expected words are the ones the
message must carry so that the learner knows what to change.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.errors import ChainruleError, DataError, ModelFileError, SpecError, TrainingDiverged

PLANAR = ["train", "--dataset", "planar", "--layers", "2,4,1", "-q", "--iterations", "5"]


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def one_line(status: int, err: str) -> str:
    """The CLI's promise for bad input: exit 2 and exactly one line on stderr, no traceback."""
    lines = err.splitlines()
    assert status == 2 and len(lines) == 1, (status, err)
    assert lines[0].startswith("chainrule: error: ") and "Traceback" not in err
    return lines[0]


# -- bad input at the boundary: one line, exit 2 ---------------------------------------------------
REFUSED = [
    # silent wrong answers: these used to train and report a number
    (PLANAR + ["--output", "softmax", "--loss", "ce"], "softmax over one output unit"),
    (["train", "--dataset", "blobs", "--layers", "2,4,1", "-q"], "--output softmax --loss ce"),
    (PLANAR + ["--l2", "nan"], "not a finite number"),
    (PLANAR + ["--l2", "inf"], "not a finite number"),
    (["gradcheck", "--layers", "2,4,1", "--l2", "inf"], "not a finite number"),
    (PLANAR + ["--examples", "0"], "--examples"),
    (PLANAR + ["--keep-prob", "nan"], "not a finite number"),
    (PLANAR + ["--lr", "0"], "--lr"),
    (PLANAR + ["--lr", "-inf"], "--lr"),
    # tracebacks
    (PLANAR + ["--seed", "-1"], "--seed"),
    (PLANAR + ["--seed", str(2**32)], "--seed"),
    (["gradcheck", "--layers", "2,4,1", "--seed", "-1"], "--seed"),
    (["explain", "dZ1", "--layers", "2,4,1", "--seed", "-1"], "--seed"),
    (PLANAR + ["--decay", "-1"], "--decay"),
    (PLANAR + ["--decay", "1", "--decay-interval", "0"], "--decay-interval"),
    (PLANAR + ["--init-scale", "nan"], "--init-scale"),
    (["gradcheck", "--layers", "2,4,1", "--epsilon", "0"], "--epsilon"),
    (["gradcheck", "--layers", "2,4,1", "--threshold", "nan"], "--threshold"),
    (["demo", "--iterations", "-5"], "--iterations"),
    # huge sizes: refused with the number, before anything is allocated
    (["gradcheck", "--layers", "2,1000000000,1"], "4,000,000,001 parameters"),
    (PLANAR[:3] + ["--layers", "2,1000000000,1", "-q"], "4,000,000,001 parameters"),
    (["derive", "--layers", "2,1000000000,1"], "parameters"),
    (["gradcheck", "--layers", "2,1000,1000,1"], "forward passes"),
    (["gradcheck", "--layers", "2,300,300,1", "--examples", "1000"], "2,587,002 forward passes"),
    (["derive", "--layers", "2,2.5,1"], "integers"),
    (["explain", "dZ1", "--layers", "2,100000,1"], "400,001 parameters"),
    # lost work
    (PLANAR + ["--save", ""], "--save needs a file name"),
    (PLANAR + ["--save", "/proc/model.npz"], "cannot be written"),
    (PLANAR + ["--plot", "/etc/hostname/plots"], "cannot be written"),
    (PLANAR + ["--out", "/proc/report.txt"], "cannot be written"),
]


@pytest.mark.parametrize(("argv", "words"), REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_refused_with_one_line(capsys: pytest.CaptureFixture, argv: list, words: str) -> None:
    status, _, err = run(capsys, *argv)
    assert words in one_line(status, err)


def test_three_class_labels_into_bce_name_the_fix(capsys: pytest.CaptureFixture) -> None:
    """blobs has labels 0, 1, 2: through sigmoid + BCE the cost went negative, silently."""
    line = one_line(*run(capsys, "train", "--dataset", "blobs", "--layers", "2,4,1")[::2])
    assert "0, 1, 2" in line and "use --output softmax --loss ce with 3 output units" in line


def test_a_300_term_formula_is_judged_without_a_traceback(capsys: pytest.CaptureFixture) -> None:
    """It used to end in a RecursionError (a deep copy of the parsed tree)."""
    formula = "dZ1 = dZ2 + " + " + ".join(["W1"] * 300)
    status, out, err = run(capsys, "check", formula, "--layers", "2,4,1")
    assert status == 1 and "wrong" in out and err == ""


def test_a_recursion_error_anywhere_is_one_line(
    capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last line of defence: whatever Python cannot recurse through is one line, exit 2."""
    import chainrule.cli.cmd_derive as cmd_derive

    def too_deep(*args: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(cmd_derive, "_gradient", too_deep)
    status, _, err = run(capsys, "derive", "np.sum(x)", "--wrt", "x", "--shape", "x=3x1")
    assert "too deeply" in one_line(status, err)


def test_a_continuous_label_column_is_refused_for_classification(tmp_path: Path) -> None:
    X = np.random.default_rng(0).normal(size=(2, 30))
    net = cr.mlp([2, 3, 1], hidden="tanh")
    with pytest.raises(DataError, match="--output linear --loss mse"):
        cr.fit(net, X, 0.3 * X[:1] + 0.1, iterations=2)
    soft = cr.mlp([2, 3, 3], output="softmax")
    with pytest.raises(DataError, match="one-hot"):
        cr.fit(soft, X, np.full((3, 30), 1 / 3), iterations=2)


@pytest.mark.parametrize(
    ("labels", "words"),
    [
        (lambda x: np.arange(len(x)) % 3, "use --output softmax --loss ce with 3 output units"),
        (lambda x: 0.3 * x + 0.1, "for a continuous target use --output linear --loss mse"),
    ],
    ids=["three classes", "continuous"],
)
def test_csv_labels_that_do_not_fit_bce(
    capsys: pytest.CaptureFixture, tmp_path: Path, labels: object, words: str
) -> None:
    x = np.random.default_rng(0).normal(size=30)
    rows = np.column_stack([x, -x, labels(x)])
    np.savetxt(tmp_path / "data.csv", rows, delimiter=",", header="x1,x2,y", comments="")
    status, _, err = run(
        capsys, "train", "--data", str(tmp_path / "data.csv"), "--layers", "2,3,1", "-q"
    )
    assert words in one_line(status, err)


def test_nan_in_the_data_is_refused() -> None:
    X, Y = cr.data.planar(m=20)
    X[1, 7] = np.nan
    with pytest.raises(DataError, match=r"X holds nan at \[1, 7\]"):
        cr.fit(cr.mlp([2, 4, 1]), X, Y, iterations=2)


# -- the public API refuses what the CLI refuses ---------------------------------------------------
@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: cr.mlp([2.5, 4, 1]), "positive integers"),
        (lambda: cr.mlp([2, True, 1]), "positive integers"),
        (lambda: cr.mlp([2, 4, 1], l2=float("nan")), "finite"),
        (lambda: cr.mlp([2, 4, 1], l2=float("inf")), "finite"),
        (lambda: cr.mlp([2, 4, 1], output="softmax", loss="ce"), "one output unit"),
        (lambda: cr.mlp([2, 10**9, 1]), "parameters"),
        (lambda: cr.Decay(-1), "decay rate"),
        (lambda: cr.Decay(float("nan")), "decay rate"),
        (lambda: cr.ScheduledDecay(1, 0), "interval"),
        (lambda: cr.mlp([2, 4, 1]).init(seed=-1), "seed"),
        (lambda: cr.mlp([2, 4, 1]).init(seed=0, method="random", scale=float("nan")), "scale"),
        (lambda: cr.fit(cr.mlp([2, 4, 1]), *cr.data.planar(m=8), seed=-1), "seed"),
    ],
)
def test_api_refuses(call: object, words: str) -> None:
    with pytest.raises(SpecError, match=words):
        call()


def test_a_sympy_re_with_no_ir_form_exports() -> None:
    """d|e^σ(w)|/dw: SymPy writes re(σ(w)); every IR quantity is real, so re(z) = z."""
    g = cr.grad("np.sum(np.abs(np.exp(sigmoid(w))) * v)", "w", {"w": (3, 1), "v": (3, 1)})
    source = cr.export(g, to="numpy")
    assert "re(" not in source
    w, v = np.array([[0.3], [-1.2], [2.0]]), np.array([[1.0], [-2.0], [0.5]])
    f = lambda w: float(np.sum(np.abs(np.exp(1 / (1 + np.exp(-w)))) * v))  # noqa: E731
    eps, fd = 1e-6, np.zeros_like(w)
    for i in range(3):
        e = np.zeros_like(w)
        e[i] = eps
        fd[i] = (f(w + e) - f(w - e)) / (2 * eps)
    np.testing.assert_allclose(g(w=w, v=v), fd, rtol=1e-7)


def test_the_cli_exports_it_too(capsys: pytest.CaptureFixture) -> None:
    expr = "np.sum(np.abs(np.exp(sigmoid(w))) * v)"
    status, out, err = run(
        capsys, "derive", expr, "--wrt", "w", "--shape", "w=3x1", "--shape", "v=3x1", "--emit",
        "numpy",
    )  # fmt: skip
    assert status == 0 and "def " in out and err == ""


def test_shape_spelled_as_the_error_text_recommends(capsys: pytest.CaptureFixture) -> None:
    status, out, err = run(capsys, "derive", "np.sum(x * x)", "--wrt", "x", "--shape", "x=n x 1")
    assert status == 0 and "(n, 1)" in out, err


def test_a_model_file_with_leaky_relu_one_over_zero(tmp_path: Path) -> None:
    """A spec whose α is "1/0" (edited by hand, checksum recomputed) is a ModelFileError."""
    from chainrule.train import persist

    net = cr.mlp([2, 3, 1], hidden="leaky_relu")
    params = net.init(seed=0)
    spec = persist._spec_json(net.spec)
    spec["hidden"] = [{"name": "leaky_relu", "param": "1/0"}]
    text = json.dumps(spec, sort_keys=True)
    meta = {
        "__format__": np.array(persist.FORMAT),
        "__spec__": np.array(text),
        "__checksum__": np.array(persist._checksum(persist.FORMAT, text, params)),
    }
    path = tmp_path / "model.npz"
    np.savez(path, **meta, **params)
    with pytest.raises(ModelFileError, match="1/0"):
        cr.load(path)


# -- checks that meet NaN or ∞ fail, and say so ----------------------------------------------------
def test_gradcheck_with_a_log_hidden_layer_fails(capsys: pytest.CaptureFixture) -> None:
    """log of a negative Z is NaN everywhere: the check used to say 'passed'."""
    status, out, _ = run(capsys, "gradcheck", "--layers", "2,4,1", "--hidden", "log")
    assert status == 1
    assert "passed" not in out and "FAILED: NaN or ∞" in out


def test_gradcheck_with_nan_in_x_fails() -> None:
    net = cr.mlp([2, 3, 1], hidden="tanh")
    X, Y = cr.data.planar(m=6)
    X[0, 2] = np.nan
    report = cr.gradcheck(net, X, Y)
    assert not report.passed and "not finite" in str(report)


def test_gradcheck_of_an_infinite_l2_fails() -> None:
    net = cr.mlp([2, 3, 1], hidden="tanh")
    object.__setattr__(net.spec, "l2", float("inf"))  # past the validation, as a hand-made spec
    net = cr.Network(net.spec)
    assert not cr.gradcheck(net, *cr.data.planar(m=6)).passed


def test_crosscheck_refuses_nan_data() -> None:
    pytest.importorskip("torch")
    net = cr.mlp([2, 4, 1], hidden="tanh")
    X, Y = cr.data.planar(m=20)
    X[0, 3] = np.nan
    with pytest.raises(DataError, match="X holds NaN"):
        cr.crosscheck(net, net.init(seed=0), X, Y)


def test_crosscheck_with_a_log_hidden_layer_fails() -> None:
    pytest.importorskip("torch")
    net = cr.mlp([2, 4, 1], hidden="log")
    X, Y = cr.data.planar(m=20)
    report = cr.crosscheck(net, net.init(seed=0), X, Y)
    assert not report.passed and "NaN" in str(report)


def test_explain_with_a_log_hidden_layer_fails_and_says_so(capsys: pytest.CaptureFixture) -> None:
    status, out, err = run(capsys, "explain", "dZ1", "--layers", "2,4,1", "--hidden", "log")
    assert status == 1 and "Traceback" not in err
    assert "NaN or ∞ in the numbers: THE CHECK FAILS" in out


# -- divergence is not a result --------------------------------------------------------------------
def test_a_diverging_run_ends_with_a_clear_line(capsys: pytest.CaptureFixture) -> None:
    """tanh at lr 1e6: the cost climbs to ~10⁵ and stays finite; it used to end with exit 0."""
    status, _, err = run(
        capsys, *PLANAR[:5], "--hidden", "tanh", "--lr", "1e6", "--iterations", "300", "-q"
    )
    line = one_line(status, err)
    assert "diverged: the cost rose from" in line and "lower the learning rate" in line


def test_fit_raises_when_the_cost_grows_tenfold() -> None:
    X, Y = cr.data.planar()
    net = cr.mlp([2, 4, 1], hidden="tanh")
    with pytest.raises(TrainingDiverged, match="cost rose") as e:
        cr.fit(net, X, Y, lr=1e6, iterations=300)
    h = e.value.history
    assert h.costs[-1] > 10 * h.costs[0]  # the run is kept for inspection


# -- no lost work ----------------------------------------------------------------------------------
def test_an_existing_model_is_kept_without_overwrite(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    model = tmp_path / "model.npz"
    assert run(capsys, *PLANAR, "--save", str(model))[0] == 0
    before = model.read_bytes()
    status, _, err = run(capsys, *PLANAR, "--iterations", "7", "--save", str(model))
    assert "--overwrite" in one_line(status, err)
    assert model.read_bytes() == before
    assert run(capsys, *PLANAR, "--iterations", "7", "--save", str(model), "--overwrite")[0] == 0
    assert model.read_bytes() != before


# The CLI, with one line on stderr when the first training step starts (the signal is sent then).
MARKED_MAIN = """
import importlib, sys
loop = importlib.import_module("chainrule.train.fit")._Loop
step = loop.step
def marked(self, *args):
    if not loop.__dict__.get("said"):
        loop.said = True
        print("training", file=sys.stderr, flush=True)
    return step(self, *args)
loop.step = marked
from chainrule.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_ctrl_c_never_replaces_a_good_model(tmp_path: Path) -> None:
    """SIGINT during `train --save existing.npz --overwrite`: the good model stays, the partial
    run is written beside it as model.interrupted.npz."""
    model = tmp_path / "model.npz"
    net = cr.mlp([2, 4, 1], hidden="tanh")
    cr.save(model, net, net.init(seed=0))
    before = model.read_bytes()
    argv = [
        *[*PLANAR[:5], "--hidden", "tanh", "--lr", "0.5"],
        *["--iterations", "100000000", "--save", str(model), "--overwrite", "-q"],
    ]
    proc = subprocess.Popen(
        [sys.executable, "-c", MARKED_MAIN, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stderr.readline() == b"training\n"  # Ctrl-C in the middle of training
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert b"Traceback" not in err and b"interrupted" in err
    assert model.read_bytes() == before
    partial = tmp_path / "model.interrupted.npz"
    assert partial.is_file() and str(partial).encode() in out
    cr.load(partial)  # a whole, valid model file


def test_help_does_not_import_the_heavy_libraries() -> None:
    """`chainrule --help` must start fast: SymPy, matplotlib and torch wait for a command."""
    code = (
        "import sys; from chainrule.cli import main; main(['--help']);"
        "print(sorted(m for m in ('sympy', 'matplotlib', 'torch', 'jax') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=True
    ).stdout
    assert out.splitlines()[-1] == "[]"


def test_every_error_is_a_chainrule_error() -> None:
    assert all(issubclass(e, ChainruleError) for e in (DataError, SpecError, TrainingDiverged))


# -- the teaching code's own numerics --------------------------------------------------------------
def test_the_printed_update_path_computes_only_what_updates_need() -> None:
    """gradients() used to compute dL and dA[L] = (1 − Y)/(1 − A[L]) − Y/A[L]: no update reads
    them, and they divide by zero when the output saturates."""
    net = cr.mlp([3, 4, 1], hidden="relu", output="sigmoid", loss="bce")
    source = net.source()
    update = source[source.index("def gradients") : source.index("def backward")]
    assert "dL =" not in update and "dA2 =" not in update
    assert "dA2 = (1 - Y) / (1 - A2) - Y / A2" in source[source.index("def backward") :]
    params = net.init(seed=1, method="random", scale=1.0)
    X = np.random.default_rng(0).normal(size=(3, 6)) * 1e4  # saturates σ: A2 is exactly 0 or 1
    Y = np.array([[0, 1, 0, 1, 1, 0]], dtype=float)
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        out = net.step(params, X, Y)
    assert all(np.isfinite(v).all() for v in out.values())
    with np.errstate(all="ignore"):
        every = net.gradients(params, X, Y, every=True)
    assert not np.isfinite(every["dA2"]).all()  # ∂L/∂A[L] itself is infinite there


@pytest.mark.parametrize(
    "argv",
    [
        ["gradcheck", "--layers", "2,4,1"],
        ["derive", "--layers", "2,4,1"],
        ["explain", "dZ1", "--layers", "2,4,1"],
        ["check", "dZ1 = W2.T @ dZ2 * (1 - A1**2)", "--layers", "2,4,1", "--hidden", "tanh"],
    ],
)
def test_every_out_is_checked_before_the_work(capsys: pytest.CaptureFixture, argv: list) -> None:
    status, out, err = run(capsys, *argv, "-o", "/proc/report.txt")
    assert "cannot be written" in one_line(status, err) and out == ""


def test_a_step_too_big_for_memory_is_refused_before_allocating(
    capsys: pytest.CaptureFixture,
) -> None:
    """10 million hidden units × 400 examples: ~120 GiB of activations; it used to start."""
    status, _, err = run(capsys, *PLANAR[:3], "--layers", "2,10000000,1", "-q")
    assert "GiB of arrays" in one_line(status, err)
