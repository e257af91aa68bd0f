"""The class report: many submissions graded, and per question how many made each named mistake.

Submissions come from a CSV file (columns ``student``, ``answer``, and ``exercise`` — a seed such as
``7`` or an id such as ``7-dW2`` — and/or ``quantity``) or from a folder of notebooks made by
:mod:`.notebook` (nbgrader's ``submitted/<student>/<assignment>/*.ipynb``, or any ``*.ipynb``): the
answer is read from the answer cell's source with ``ast`` — a notebook is never executed here.
The report is data (:class:`ClassReport`) printed as text, JSON or CSV.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ChainruleError, DataError
from .exercise import Exercise, from_spec
from .feedback import title
from .grading import Grade

__all__ = ["Submission", "ClassReport", "read_csv", "read_notebooks", "class_report"]

_ID = re.compile(r"^\s*(\d+)(?:-(\S+))?\s*$")
_INVALID = {"empty", "unreadable", "wrong-quantity", "repeated", "missing"}


@dataclass(frozen=True)
class Submission:
    student: str
    exercise: Exercise
    answer: str


@dataclass
class Question:
    """What one question's submissions add up to."""

    id: str
    quantity: str
    network: str
    convention: str
    grades: list[tuple[str, Grade]] = field(default_factory=list)

    @property
    def mistakes(self) -> Counter:
        """How many students made each named mistake (a student counts once per mistake)."""
        out: Counter = Counter()
        for _, g in self.grades:
            out.update(set(g.mistakes) | ({"unrecognised"} & set(_kinds(g))))
        return out

    @property
    def problems(self) -> Counter:
        """Answers that could not be graded as given: empty, unreadable, another quantity."""
        return Counter(k for _, g in self.grades for k in set(_kinds(g)) & _INVALID)

    def to_dict(self) -> dict:
        n = len(self.grades)
        return {
            "id": self.id,
            "quantity": self.quantity,
            "network": self.network,
            "convention": self.convention,
            "submissions": n,
            "correct": sum(g.correct for _, g in self.grades),
            "mean_score": round(sum(g.score for _, g in self.grades) / n, 4) if n else 0.0,
            "mistakes": dict(self.mistakes.most_common()),
            "problems": dict(self.problems.most_common()),
            "students": [
                {"student": s, "score": round(g.score, 4), "correct": g.correct, "note": g.note}
                for s, g in self.grades
            ],
        }


def _kinds(g: Grade) -> list[str]:
    parts = g.parts or (g,)
    return [p.note.split("-", 1)[1] if "-" in p.note else p.note for p in parts]


@dataclass
class ClassReport:
    questions: list[Question]

    def to_dict(self) -> dict:
        return {
            "submissions": sum(len(q.grades) for q in self.questions),
            "questions": [q.to_dict() for q in self.questions],
        }

    def json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def csv(self) -> str:
        """One row per question and mistake: ``exercise, quantity, mistake, title, students``."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["exercise", "quantity", "mistake", "title", "students"])
        for q in self.questions:
            for name, count in (q.mistakes + q.problems).most_common():
                w.writerow([q.id, q.quantity, name, _title(name), count])
        return out.getvalue()

    def text(self) -> str:
        total = sum(len(q.grades) for q in self.questions)
        lines = [f"Class report: {total} submissions, {len(self.questions)} questions"]
        for q in self.questions:
            d = q.to_dict()
            lines += [
                "",
                f"{q.id}: {q.quantity}, network {q.network}, {q.convention} convention",
                f"  {d['submissions']} answers, {d['correct']} correct, mean score "
                f"{d['mean_score']:.2f}",
            ]
            rows = (q.mistakes + q.problems).most_common()
            width = max([len(_title(n)) for n, _ in rows] + [7])
            lines += [f"  {_title(n):<{width}}  {c:>3}  ({n})" for n, c in rows]
        return "\n".join(lines)


def _title(name: str) -> str:
    words = {
        "unrecognised": "not recognised",
        "empty": "no answer",
        "unreadable": "could not be read",
        "wrong-quantity": "an answer for another quantity",
        "repeated": "a quantity given twice",
        "missing": "a line missing from the backward pass",
    }
    return words.get(name) or title(name)


# -- reading submissions ---------------------------------------------------------------------------
Maker = Callable[[int | None, str | None], Exercise]


def read_csv(path: str | Path, make: Maker) -> list[Submission]:
    """Rows ``student, answer`` with ``exercise`` (seed or id) and/or ``quantity``."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{path} is not a UTF-8 text file") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    columns = set(rows[0]) if rows else set()
    if not rows or not {"student", "answer"} <= columns or not columns & {"exercise", "quantity"}:
        raise DataError(
            f"{path} needs the columns student, answer and exercise or quantity; it has "
            f"{', '.join(sorted(c for c in columns if c)) or 'no rows'}",
            hint="e.g. student,exercise,answer / ada,7-dW2,dW2 = 1/m * dZ2 @ A1.T",
        )
    return [_row(path, k + 2, r, make) for k, r in enumerate(rows)]


def _row(path: str | Path, line: int, r: Mapping[str, str], make: Maker) -> Submission:
    seed, quantity = None, (r.get("quantity") or "").strip() or None
    ex_id = (r.get("exercise") or "").strip()
    if ex_id:
        match = _ID.match(ex_id)
        if match is None:
            raise DataError(
                f"{path}, line {line}: exercise {ex_id!r} is not a seed or an id like 7-dW2"
            )
        seed, quantity = int(match.group(1)), quantity or match.group(2)
    try:
        ex = make(seed, quantity)
    except ChainruleError as err:
        raise DataError(f"{path}, line {line}: {str(err).splitlines()[0]}") from None
    return Submission((r.get("student") or "").strip(), ex, r.get("answer") or "")


def read_notebooks(folder: str | Path) -> list[Submission]:
    """Every answer cell of every notebook under ``folder`` (checkpoints skipped)."""
    folder = Path(folder)
    out, cache = [], {}
    for nb in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in nb.parts:
            continue
        student = _student(folder, nb)
        for spec, answer in _answers(nb):
            key = json.dumps(spec, sort_keys=True)
            if key not in cache:
                cache[key] = from_spec(spec)
            out.append(Submission(student, cache[key], answer))
    return out


def _student(folder: Path, nb: Path) -> str:
    parts = nb.relative_to(folder).parts
    return parts[-3] if len(parts) >= 3 else nb.stem


def _answers(nb: Path) -> Iterable[tuple[dict, str]]:
    try:
        cells = json.loads(nb.read_text(encoding="utf-8")).get("cells", [])
    except (ValueError, UnicodeDecodeError, AttributeError):
        raise DataError(f"{nb} is not a notebook (JSON)") from None
    for cell in cells:
        meta = (cell.get("metadata") or {}).get("chainrule") or {}
        if "spec" in meta and "variable" in meta:
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            yield meta["spec"], _assigned(source, meta["variable"])


def _assigned(source: str, variable: str) -> str:
    """What the cell assigns to ``variable``: a string, or the source of a function defined in the
    cell (``answer_2 = backward_propagation_2``); ``""`` if neither."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    found = ""
    for node in tree.body:
        if not (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == variable for t in node.targets)
        ):
            continue
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found = value.value
        elif isinstance(value, ast.Name) and value.id in functions:
            found = ast.get_source_segment(source, functions[value.id]) or ""
    return found


# -- the report ------------------------------------------------------------------------------------
def class_report(
    submissions: Iterable[Submission], scoring: Mapping[str, float] | None = None
) -> ClassReport:
    """Grade every submission; group the grades by question, in order of first appearance."""
    questions: dict[str, Question] = {}
    for s in submissions:
        ex = s.exercise
        q = questions.get(ex.id)
        if q is None:
            net = ex.network.describe()
            q = questions[ex.id] = Question(ex.id, ex.quantity, net, ex.spec.convention)
        q.grades.append((s.student, ex.grade(s.answer, scoring=scoring)))
    return ClassReport(list(questions.values()))
