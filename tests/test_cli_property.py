"""Hypothesis drives every command of the CLI, and the public API, with random and hostile values.

The commands are discovered from the click group, so a new command is included: its options are
read from click, and each is given values drawn for its type — non-finite and negative numbers,
empty and malformed strings, paths that cannot be written. The promise checked for every draw:

* exit 2 with exactly one line on stderr (``chainrule: error: …``), or
* exit 0 with finite numbers (never ``nan``/``inf`` next to a "passed"), or
* exit 1 for a check that failed and says so — never a traceback, never "passed" on NaN.

A command this file has no recipe for (a command added later) is driven with values that its own
option types must refuse before it runs, so that no draw can start a server or a long job.
Runs in-process through ``main`` for speed; derandomised under ``CI=true`` (tests/conftest.py).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import click
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.cli import cli, main
from chainrule.errors import ChainruleError

BUDGET = 120.0  # seconds for one command: far above any draw here; a hang is far beyond it
NON_FINITE = re.compile(r"(?<![\w.])-?(nan|inf)(?![\w])", re.I)

# What each known command needs to run quickly; the drawn options are added after (click keeps
# the last value of a repeated option, so a drawn value replaces the recipe's).
RECIPES: dict[str, list[str]] = {
    "charlm": ["--iterations", "3", "--hidden", "3", "--samples", "1"],
    "check": ["dZ1 = W2.T @ dZ2 * (1 - A1**2)", "--layers", "2,3,1", "--hidden", "tanh"],
    "demo": ["--iterations", "3"],
    "derive": ["--layers", "2,3,1"],
    "explain": ["dZ1", "--layers", "2,3,1"],
    "gradcheck": ["--layers", "2,3,1", "--examples", "3"],
    "train": ["--dataset", "planar", "--layers", "2,3,1", "--examples", "40", "--iterations", "3"],
}
# Options that set an amount of work: drawn small, or invalid — a valid huge one is a long job.
WORK = {"--iterations", "--epochs", "--examples", "--draws", "--print-every", "--batch-size"}

HOSTILE_NUMBERS = ["nan", "inf", "-inf", "-1", "0", "1e-300", "1e300", "2.5", "x", "", "1/0"]
SMALL = ["1", "2", "3"]
HOSTILE_TEXT = [
    *["", " ", "2,4,1", "2,,1", "2,0,1", "2,-3,1", "2,2.5,1", "a,b", "2,1000000000,1", "3,4,2"],
    *["tanh", "log", "relu,tanh", "softmax", "ce", "mse", "bce", "dW1", "dZ9", "W=3x4", "x=n x 1"],
    *["np.sum(np.tanh(W @ x))", "1/0", "__import__('os')", "é"],
]


def _options(command: click.Command) -> list[click.Option]:
    return [p for p in command.params if isinstance(p, click.Option) and p.opts[0] != "--help"]


def _values(option: click.Option, tmp: Path) -> st.SearchStrategy[list[str]]:
    """Argument lists for one option: the flag alone, or the option and a drawn value."""
    name = max(option.opts, key=len)
    if option.is_flag:
        return st.just([name])
    t = option.type
    if isinstance(t, click.Choice):
        values = st.sampled_from([*t.choices, "", "nope"])
    elif isinstance(t, click.Path):
        values = st.sampled_from(
            ["", ".", "/proc/forbidden", "/etc/hostname/below", str(tmp / "out" / "file")]
        )
    elif name in WORK:
        values = st.sampled_from(SMALL + ["0", "-1", "nan", "x", ""])
    elif isinstance(t, click.types.IntParamType | click.types.FloatParamType) or t.name in (
        "number",
        "integer range",
        "float range",
    ):
        values = st.sampled_from(HOSTILE_NUMBERS + SMALL)
    else:
        values = st.sampled_from(HOSTILE_TEXT)
    return values.map(lambda v: [name, v])


@st.composite
def invocations(draw: st.DrawFn, tmp: Path) -> list[str]:
    name = draw(st.sampled_from(cli.list_commands(None)))
    command = cli.get_command(None, name)
    options = _options(command)
    if name not in RECIPES:  # an unknown command: only values its types refuse
        typed = [o for o in options if not o.is_flag and not isinstance(o.type, click.Path)]
        refused = [o for o in typed if o.type.name not in ("text",)]
        if not refused:
            return [name, "--help"]
        option = draw(st.sampled_from(refused))
        return [name, max(option.opts, key=len), "not a value"]
    chosen = draw(st.lists(st.sampled_from(options), max_size=3, unique_by=lambda o: o.name))
    argv = [name, *RECIPES[name]]
    for option in chosen:
        argv += draw(_values(option, tmp))
    return argv


def check_promise(argv: list[str], status: int, out: str, err: str, seconds: float) -> None:
    assert seconds < BUDGET, f"chainrule {argv} took {seconds:.0f} s"
    assert "Traceback" not in err and "Traceback" not in out
    if status == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("chainrule: error: "), (argv, err)
    elif status == 0:
        if argv[-1] != "--help":
            assert not NON_FINITE.search(out), (argv, out[-2000:])
    else:
        assert status == 1, (argv, status, err)
        assert "passed" not in out.lower() or "failed" in out.lower(), (argv, out[-2000:])


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_every_command_keeps_its_promise(
    data: st.DataObject,
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # demo-output, model.npz and plots land here
    argv = data.draw(invocations(tmp_path))
    began = time.perf_counter()
    status = main(argv)
    seconds = time.perf_counter() - began
    out, err = capsys.readouterr()
    check_promise(argv, status, out, err, seconds)


def test_each_command_is_reached() -> None:
    """The recipes run as they are: a draw that adds nothing exercises the success path."""
    assert set(RECIPES) <= set(cli.list_commands(None))


@pytest.mark.parametrize("name", cli.list_commands(None))
def test_recipe_succeeds(name: str, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    argv = [name, *RECIPES.get(name, ["--help"])]
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 0, err
    check_promise(argv, status, out, err, 0.0)


# -- the public API --------------------------------------------------------------------------------
FLOATS = st.sampled_from([float("nan"), float("inf"), -1.0, 0.0, 0.5, 1.0, 1e300])
SIZES = st.lists(st.sampled_from([0, 1, 2, 3, 2.5, -1, True, "4", 10**10]), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None, database=None)
@given(
    sizes=SIZES,
    hidden=st.sampled_from(["tanh", "relu", "log", "nope", 3]),
    head=st.sampled_from([("sigmoid", "bce"), ("softmax", "ce"), ("linear", "mse"), ("x", "y")]),
    l2=FLOATS,
    keep_prob=FLOATS,
    lr=FLOATS,
    iterations=st.sampled_from([0, 1, 3, -1, 2.5]),
    seed=st.sampled_from([0, 1, -1, 2**32, 2**40]),
)
def test_mlp_and_fit_refuse_or_return_finite_numbers(
    sizes: list, hidden: object, head: tuple, l2: float, keep_prob: float, lr: float,
    iterations: object, seed: int,
) -> None:  # fmt: skip
    try:
        net = cr.mlp([2, *sizes, 1], hidden, *head, l2=l2, keep_prob=keep_prob)
    except ChainruleError as e:
        assert str(e).strip()
        return
    X, Y = cr.data.planar(m=12)
    try:
        h = cr.fit(net, X, Y, lr=lr, iterations=iterations, seed=seed, progress=False)
    except ChainruleError as e:
        assert str(e).strip()
        return
    assert all(np.isfinite(c) for c in h.costs)
    assert all(np.isfinite(v).all() for v in h.params.values())


EXPRESSIONS = [
    "np.sum(np.tanh(W @ x))",
    "np.sum(np.log(x))",
    "np.sum(np.abs(np.exp(sigmoid(x))) * x)",
    "np.sum(x / x)",
    "np.sum(np.sqrt(x))",
    "np.sum(W @ x",
    "__import__('os').system('true')",
    "np.sum(" + " + ".join(["x"] * 40) + ")",
]


@settings(max_examples=40, deadline=None, database=None)
@given(
    source=st.sampled_from(EXPRESSIONS),
    wrt=st.sampled_from(["x", "W", "y", ""]),
    value=st.sampled_from([np.nan, np.inf, -1.0, 0.0, 2.0]),
)
def test_grad_refuses_or_reports_its_numbers(source: str, wrt: str, value: float) -> None:
    try:
        g = cr.grad(source, wrt, {"W": (3, 4), "x": (4, 1)})
        str(g)
    except ChainruleError as e:
        assert str(e).strip()
        return
    inputs = {"W": np.full((3, 4), 0.5), "x": np.full((4, 1), value)}
    with np.errstate(all="ignore"):
        result = g(**inputs)
    assert np.shape(result) == inputs[wrt].shape
