"""nbgrader itself grades the generated assignment: ``generate_assignment`` strips the model answer
and the hidden tests, three learners submit (a correct, a partly right and a wrong answer), and
``autograde`` runs the notebooks in a kernel and scores them — full marks, the partial credit of a
missing 1/m, nothing. The class report then reads the same submitted notebooks."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from traitlets.config import Config

import chainrule as cr
from chainrule.cli import main
from chainrule.exercise.notebook import write_assignment
from chainrule.exercise.report import class_report, read_notebooks

# nbgrader's own SQLAlchemy session warns while it autogrades; nothing of ours
pytestmark = pytest.mark.filterwarnings("ignore:Object of type")

POINTS = 2.0
ANSWERS = {
    "ada": "dW2 = 1/m * dZ2 @ A1.T",  # correct
    "bo": "dW2 = dZ2 @ A1.T",  # partly right: a missing 1/m, worth half
    "cy": "dW2 = np.sum(X)",  # wrong
    "di": None,  # no answer
}


def exercise() -> cr.Exercise:
    return cr.exercise(
        seed=7,
        layers=[2, 4, 1],
        hidden="tanh",
        output="sigmoid",
        loss="bce",
        layout="columns",
        convention="course",
        quantity="dW2",
    )


def _submit(release: Path, target: Path, answer: str | None) -> None:
    nb = json.loads(release.read_text(encoding="utf-8"))
    [cell] = [c for c in nb["cells"] if c["id"] == "answer-1"]
    assert "### BEGIN SOLUTION" not in "".join(cell["source"])  # nbgrader took the answer out
    if answer is not None:  # None: the learner left the stub (raise NotImplementedError())
        cell["source"] = f"answer_1 = {answer!r}\n"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(nb), encoding="utf-8")


def test_nbgrader_grades_the_generated_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    # nbgrader runs its `alembic` console script: the virtualenv's bin must be on PATH
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    course = tmp_path / "course"
    source = course / "source" / "ps1" / "exercises.ipynb"
    write_assignment(source, [exercise()], points=POINTS)
    nbformat.validate(nbformat.read(source, as_version=4))

    config = Config()
    config.CourseDirectory.root = str(course)
    config.Exchange.root = str(tmp_path / "exchange")
    api = NbGraderAPI(config=config)
    result = api.generate_assignment("ps1")
    assert result["success"], result.get("log")
    release = course / "release" / "ps1" / "exercises.ipynb"
    released = release.read_text(encoding="utf-8")
    assert "BEGIN HIDDEN TESTS" not in released and "raise NotImplementedError" in released

    for student, answer in ANSWERS.items():
        _submit(release, course / "submitted" / student / "ps1" / "exercises.ipynb", answer)
        result = api.autograde("ps1", student)
        assert result["success"], result.get("log")

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s: gb.find_submission("ps1", s).score for s in ANSWERS}
        assert gb.find_submission("ps1", "ada").max_score == POINTS
    assert scores == {"ada": POINTS, "bo": POINTS * 0.5, "cy": 0.0, "di": 0.0}

    graded = course / "autograded" / "bo" / "ps1" / "exercises.ipynb"
    [cell] = [c for c in json.loads(graded.read_text())["cells"] if c["id"] == "grade-1"]
    printed = "".join("".join(o.get("text", "")) for o in cell["outputs"])
    assert "a missing 1/m" in printed and "answer note: dW2-missing-1/m" in printed

    report = class_report(read_notebooks(course / "submitted")).to_dict()
    [q] = report["questions"]
    assert q["id"] == "7-dW2" and q["submissions"] == 4 and q["correct"] == 1
    assert q["mistakes"] == {"missing-1/m": 1, "unrecognised": 1} and q["problems"] == {"empty": 1}
    assert main(["exercise", "report", str(course / "submitted"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == report
