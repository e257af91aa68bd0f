"""``chainrule train``: the course's run, JSON output, plots, saving, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

import chainrule as cr
from chainrule.cli import main

COURSE = "train --dataset planar --layers 2,4,1 --hidden tanh --output sigmoid --loss bce "
COURSE += "--init course --lr 1.2 --iterations 10000"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(args: str, capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    code = main(args.split())
    out, err = capsys.readouterr()
    return code, out, err


def test_the_course_run(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(COURSE, capsys)
    assert code == 0
    assert "Cost after iteration 0: 0.693048" in out
    assert "Cost after iteration 7000: 0.217504" in out
    accuracy = float(out.split("Accuracy: ")[1].split("%")[0])
    assert int(accuracy) == 90  # the course prints 90 with %d


def test_json_with_plots_and_save(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    args = (
        f"train --dataset moons --layers 2,6,1 --hidden tanh --optimizer adam --lr 0.02 "
        f"--epochs 30 --batch-size 32 --seed 3 --format json --plot {tmp_path / 'plots'} "
        f"--save {tmp_path / 'model.npz'}"
    )
    code, out, _ = run(args, capsys)
    assert code == 0
    report = json.loads(out)
    h = report["history"]
    assert h["unit"] == "epoch" and len(h["costs"]) == 30 and h["optimizer"] == "adam"
    assert h["costs"][-1] < h["costs"][0] and report["final"]["accuracy"] > 80
    names = sorted(Path(p).name for p in report["plots"])
    assert names == ["cost.png", "decision_boundary.png", "gradient_norms.png"]
    for p in report["plots"]:
        assert Path(p).read_bytes()[:8] == PNG_MAGIC
        image = imread(p)
        assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    net, params = cr.load(report["saved"])
    X, Y = cr.data.moons()
    assert net.accuracy(params, X, Y) == report["final"]["accuracy"]


def test_quiet_prints_only_the_summary(capsys: pytest.CaptureFixture) -> None:
    code, out, err = run("train --dataset xor --layers 2,4,1 --iterations 50 --quiet", capsys)
    assert code == 0 and "Cost after" not in out and "Accuracy:" in out and err == ""


def test_own_csv_data_and_softmax(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    X, Y = cr.data.blobs(m=60, k=3)
    rows = np.column_stack([X.T, Y.T])
    np.savetxt(tmp_path / "blobs.csv", rows, delimiter=",", header="x1,x2,label", comments="")
    args = f"train --data {tmp_path / 'blobs.csv'} --label label --layers 2,5,3 --output softmax"
    code, out, _ = run(args + " --optimizer momentum --lr 0.1 --iterations 200", capsys)
    assert code == 0 and "60 examples" in out
    assert float(out.split("Accuracy: ")[1].split("%")[0]) > 90


@pytest.mark.parametrize(
    "args, message",
    [
        ("train --layers 2,4,1", "--dataset NAME or --data FILE"),
        ("train --dataset planar --layers 3,4,1", "do not fit the network"),
        ("train --dataset planar --layers 2,4,1 --iterations 3 --epochs 3", "not both"),
        ("train --dataset planar --layers 2,4,1 --optimizer lbfgs", "lbfgs"),
        ("train --data missing.csv --layers 2,4,1", "does not exist"),
    ],
)
def test_errors_are_one_line_with_exit_2(args: str, message: str, capsys) -> None:
    code, out, err = run(args, capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_divergence_is_reported_with_exit_2(capsys: pytest.CaptureFixture) -> None:
    args = "train --dataset moons --layers 2,8,1 --output linear --loss mse --lr 100 --quiet"
    code, _, err = run(args, capsys)
    assert code == 2 and "diverged at iteration" in err and "learning rate" in err


def test_plot_functions_return_figures_that_show_inline() -> None:
    from matplotlib.figure import Figure

    from chainrule.train import plots

    X, Y = cr.data.blobs(m=60, k=3)
    net = cr.mlp([2, 5, 3], output="softmax")
    h = cr.fit(net, X, Y, "adam", lr=0.05, iterations=30)
    figures = [plots.cost_curve(h), plots.gradient_norms(h), plots.decision_boundary(net, h, X, Y)]
    for fig in figures:
        assert isinstance(fig, Figure) and fig._repr_png_()[:8] == PNG_MAGIC
