"""An assignment notebook for nbgrader, with chainrule as the hidden autograder.

Per exercise the notebook has the question (Markdown, locked), an answer cell (nbgrader's solution
cell: the model answer between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, which
``nbgrader generate_assignment`` replaces with a stub) and a test cell (an autograded cell worth
``points``). The test cell's visible part prints the validation echo, so a learner sees how the
answer was read; its hidden part (``### BEGIN HIDDEN TESTS``) grades with :meth:`Exercise.grade`,
prints the feedback and the answer note, and ends with ``score × points`` — nbgrader's partial
credit is the number a test cell's last expression shows. Warnings are silenced in the graded
cells: nbgrader gives 0 to a cell that writes to standard error.

The answer cell carries ``metadata.chainrule`` (the exercise's spec and the answer variable), which
is how :func:`chainrule.exercise.report.read_notebooks` finds the answers again. The notebook is
written as nbformat 4.5 JSON directly; nothing here needs Jupyter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..io import write_text_atomic
from .exercise import Exercise

__all__ = ["assignment", "write_assignment"]

_QUIET = "import warnings\n\nwarnings.simplefilter('ignore')\n"


def _cell(kind: str, cid: str, source: str, nbgrader: dict, extra: dict | None = None) -> dict:
    meta = {"nbgrader": {"grade_id": cid, "schema_version": 3, "task": False, **nbgrader}}
    cell = {"cell_type": kind, "id": cid, "metadata": {**meta, **(extra or {})}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _locked(kind: str, cid: str, source: str) -> dict:
    return _cell(kind, cid, source, {"grade": False, "solution": False, "locked": True})


def _literal(text: str) -> str:
    """A Python string literal for ``text``: one line quoted, several in triple quotes."""
    if "\n" not in text:
        return json.dumps(text, ensure_ascii=False)
    return '"""\n' + text.replace("\\", "\\\\").replace('"""', '\\"""') + '\n"""'


def _answer_cell(k: int, ex: Exercise) -> dict:
    var = f"answer_{k}"
    if len(ex.targets) > 1:  # the course's way: a backward function (its source is read, not run)
        fn = f"backward_propagation_{k}"
        source = (
            "# Your answer: the backward pass as a function, as in the course (chainrule reads "
            "its source; it does not run it).\n"
            f"### BEGIN SOLUTION\n{ex.function(fn)}### END SOLUTION\n{var} = {fn}\n"
        )
    else:
        source = (
            "# Your answer: a formula in NumPy syntax, as a string.\n"
            f"### BEGIN SOLUTION\n{var} = {_literal(ex.solution)}\n### END SOLUTION\n"
        )
    extra = {"chainrule": {"spec": ex.spec.to_dict(), "variable": var}}
    nbgrader = {"grade": False, "solution": True, "locked": False}
    return _cell("code", f"answer-{k}", source, nbgrader, extra)


def _test_cell(k: int, ex: Exercise, points: float, scoring: Mapping | None) -> dict:
    var, obj, spec = f"answer_{k}", f"_exercise_{k}", ex.spec.to_dict()
    rules = f", scoring={dict(scoring)!r}" if scoring else ""
    source = (
        f"{_QUIET}{obj} = cr.exercise(**{spec!r})\n"
        f"print({obj}.grade({var}).echo)\n"
        "### BEGIN HIDDEN TESTS\n"
        f"_grade_{k} = {obj}.grade({var}{rules})\n"
        f"print(_grade_{k}.feedback)\n"
        f"print('answer note:', _grade_{k}.note)\n"
        f"round(_grade_{k}.score * {float(points)!r}, 6)\n"
        "### END HIDDEN TESTS\n"
    )
    nbgrader = {"grade": True, "solution": False, "locked": True, "points": float(points)}
    return _cell("code", f"grade-{k}", source, nbgrader)


def assignment(
    exercises: Sequence[Exercise],
    *,
    points: float = 1.0,
    scoring: Mapping[str, float] | None = None,
    title: str = "Backpropagation exercises",
) -> dict:
    """The notebook (nbformat 4.5, as a dict) for ``exercises``."""
    intro = (
        f"# {title}\n\nAnswer each question by assigning your formula, as a string, to the "
        "variable in the answer cell. Run the cell below it to see how your answer was read; "
        "the grading tests are hidden."
    )
    cells = [
        _locked("markdown", "header", intro),
        _locked("code", "setup", _QUIET + "import chainrule as cr\n"),
    ]
    for k, ex in enumerate(exercises, start=1):
        cells.append(_locked("markdown", f"question-{k}", ex.render("markdown")))
        cells += [_answer_cell(k, ex), _test_cell(k, ex, points, scoring)]
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write_assignment(path: str | Path, exercises: Sequence[Exercise], **kw: object) -> Path:
    """Write the assignment notebook atomically."""
    nb = assignment(exercises, **kw)
    return write_text_atomic(path, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
