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
# the course's week-3 function backward_propagation(parameters, cache, X, Y), as a learner writes it
FUNCTION = """def backward_propagation(parameters, cache, X, Y):
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

answer_2 = backward_propagation
"""
ANSWERS = {  # (a formula string for dW[2], the whole pass as a function)
    "ada": ("dW2 = 1/m * dZ2 @ A1.T", FUNCTION),  # both correct
    "bo": ("dW2 = dZ2 @ A1.T", FUNCTION.replace("dW1 = 1 / m * ", "dW1 = ")),  # 1/m missing
    "cy": ("dW2 = np.sum(X)", None),  # wrong; the function left as the stub
    "di": (None, None),  # nothing answered
}
EXPECTED = {"ada": 2 * POINTS, "bo": POINTS * 0.5 + POINTS * 5.5 / 6, "cy": 0.0, "di": 0.0}


def exercise(quantity: str) -> cr.Exercise:
    return cr.exercise(
        seed=7,
        layers=[2, 4, 1],
        hidden="tanh",
        output="sigmoid",
        loss="bce",
        layout="columns",
        convention="course",
        quantity=quantity,
    )


def _submit(release: Path, target: Path, answers: tuple[str | None, str | None]) -> None:
    nb = json.loads(release.read_text(encoding="utf-8"))
    cells = {c["id"]: c for c in nb["cells"]}
    for k, answer in enumerate(answers, start=1):
        cell = cells[f"answer-{k}"]
        assert "### BEGIN SOLUTION" not in "".join(cell["source"])  # nbgrader took it out
        if answer is not None:  # None: the learner left the stub (raise NotImplementedError())
            cell["source"] = f"answer_1 = {answer!r}\n" if k == 1 else answer
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(nb), encoding="utf-8")


def test_nbgrader_grades_the_generated_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    # nbgrader runs its `alembic` console script: the virtualenv's bin must be on PATH
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    course = tmp_path / "course"
    source = course / "source" / "ps1" / "exercises.ipynb"
    write_assignment(source, [exercise("dW2"), exercise("backward")], points=POINTS)
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
        assert gb.find_submission("ps1", "ada").max_score == 2 * POINTS
    assert scores == pytest.approx(EXPECTED, abs=1e-5)

    graded = course / "autograded" / "bo" / "ps1" / "exercises.ipynb"
    [cell] = [c for c in json.loads(graded.read_text())["cells"] if c["id"] == "grade-1"]
    printed = "".join("".join(o.get("text", "")) for o in cell["outputs"])
    assert "a missing 1/m" in printed and "answer note: dW2-missing-1/m" in printed

    report = class_report(read_notebooks(course / "submitted")).to_dict()
    q, whole = report["questions"]
    assert q["id"] == "7-dW2" and q["submissions"] == 4 and q["correct"] == 1
    assert q["mistakes"] == {"missing-1/m": 1, "unrecognised": 1} and q["problems"] == {"empty": 1}
    assert whole["id"] == "7-backward" and whole["correct"] == 1
    assert whole["mistakes"] == {"missing-1/m": 1} and whole["problems"] == {"empty": 2}
    assert main(["exercise", "report", str(course / "submitted"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == report
