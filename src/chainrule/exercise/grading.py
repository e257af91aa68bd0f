"""Grading one answer: first the validation echo, then the checker's verdict, then the score.

1. **Validation** (STACK's idea: a badly formed answer costs no attempt). The answer is read as the
   checker reads it (:class:`~chainrule.check.learner.Reader`) and echoed back in the course's
   notation with its shape. An empty answer, one that cannot be read, one for another quantity, or
   one whose shapes do not fit is *invalid*: ``attempt_used=False``. An answer whose shapes do not
   fit is still diagnosed and scored, so a final submission (a class report, nbgrader) earns what
   its mistake is worth.
2. **The verdict** is :func:`chainrule.check_formula`'s: equality with the derived quantity on
   random parameters and data, several batch sizes and variants of the network (an answer right
   only because a dimension happens to be 1 is not correct), proved by the algebra where it can.
3. **The score**: 1, or the credit of the named mistakes (:mod:`.scoring`), and an answer note
   for the teacher, ``"dW2-missing-1/m"``.

A whole backward pass is judged by :func:`chainrule.check.backward.check_backward`, each line given
the learner's own earlier lines, and scored line by line.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace

from ..autodiff import Derivation
from ..check.backward import LineCheck, check_backward
from ..check.formula import FormulaCheck, check_formula
from ..check.learner import Reader, show, split_formula
from ..errors import ChainruleError, ParseError, ShapeError
from ..ir.shapes import fmt_shape
from ..nets import Network
from ..printers.text import target_text, text
from .feedback import nudge, title
from .scoring import credit

__all__ = ["Grade", "Task", "grade_formula", "grade_pass"]

_HAS_TARGET = re.compile(r"^\s*[A-Za-z_]\w*(\[\d+\])?\s*=(?!=)")


@dataclass(frozen=True)
class Grade:
    """The result of grading one answer (see the module docstring)."""

    quantity: str  # "dW2", or "backward"
    answer: str
    valid: bool  # read, for the asked quantity, shapes that fit
    attempt_used: bool
    correct: bool
    score: float  # 0–1
    mistakes: tuple[str, ...]  # the named mistakes found, in order
    feedback: str  # for the learner
    echo: str  # how the answer was read, and its shape (or why it could not be)
    shape: str | None  # "(1, 4)"; None when it could not be read
    note: str  # the answer note for the teacher: "dW2-missing-1/m"
    symbolic: bool = False  # the algebra proved a correct answer equal
    parts: tuple[Grade, ...] = ()  # one per line of a whole backward pass
    check: FormulaCheck | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("check")
        d["parts"] = [p.to_dict() for p in self.parts]
        return d

    def __str__(self) -> str:
        return self.feedback


@dataclass(frozen=True)
class Task:
    """One quantity to grade: the network, its derivation, the model answer, the rules."""

    net: Network
    derivation: Derivation
    quantity: str
    solution: str
    credit: dict
    reveal: bool

    @property
    def fields(self) -> dict[str, str]:
        step = self.derivation[self.quantity]
        return {
            "T": target_text(self.quantity, True),
            "Of": target_text(step.of, True),
            "shape": fmt_shape(step.shape),
            "convention": self.derivation.convention,
            "examples": self.net.spec.layout,
        }


# -- validation ------------------------------------------------------------------------------------
def _invalid(task: Task, answer: str, kind: str, message: str, echo: str = "") -> Grade:
    return Grade(
        task.quantity,
        answer,
        valid=False,
        attempt_used=False,
        correct=False,
        score=0.0,
        mistakes=(),
        feedback=f"{message} This costs no attempt.",
        echo=echo or message,
        shape=None,
        note=f"{task.quantity}-{kind}",
    )


def _split(answer: str, quantity: str) -> tuple[str, str]:
    """``(target, right-hand side)``; an answer without ``name =`` answers the asked quantity."""
    return split_formula(answer if _HAS_TARGET.match(answer) else f"{quantity} = {answer}")


def _read(task: Task, rhs: str) -> tuple[str, str | None, str | None]:
    """``(echo, shape, problem)``: the answer in the course's notation and its shape, or why not."""
    T = target_text(task.quantity, True)
    d = task.derivation
    reader = Reader(task.net, d)
    tree = reader.tree(rhs)  # a syntax error raises ParseError: the caller reports it
    try:
        e = reader.ir(tree)
    except ShapeError as err:  # its hint (the repaired formula) would give the answer away
        return f"Read as {T} = {show(tree)}; its shapes do not fit: {err.message}.", None, ""
    except ParseError as err:
        return f"Could not read it: {err.first_line()}.", None, "unreadable"
    shape = fmt_shape(e.shape)
    echo = f"Read as {T} = {text(e, True, d.program.batch)}, shape {shape}"
    want = d[task.quantity].shape
    if e.shape not in (want, ()):
        return f"{echo}, but {T} has shape {fmt_shape(want)}.", shape, ""
    return f"{echo}.", shape, None


# -- the verdict -----------------------------------------------------------------------------------
def grade_formula(task: Task, answer: object) -> Grade:
    """Grade one formula for ``task.quantity`` (never raises on a learner's input)."""
    if not isinstance(answer, str):
        return _invalid(task, repr(answer), "unreadable", "An answer is a formula as text.")
    if not answer.strip():
        T = target_text(task.quantity, True)
        return _invalid(task, answer, "empty", f"No answer yet: write {task.quantity} = … for {T}.")
    try:
        target, rhs = _split(answer.strip(), task.quantity)
        rhs = " ".join(rhs.splitlines())  # one formula, even if the learner broke the line
    except ParseError as err:
        return _invalid(task, answer, "unreadable", f"Could not read it: {err.first_line()}.")
    if target != task.quantity:
        return _invalid(
            task,
            answer,
            "wrong-quantity",
            f"This answer is for {target_text(target, True)}; the question asks for "
            f"{target_text(task.quantity, True)}.",
        )
    try:
        echo, shape, problem = _read(task, rhs)
        check = check_formula(task.net, f"{task.quantity} = {rhs}", convention=_conv(task))
    except ChainruleError as err:
        return _invalid(task, answer, "unreadable", f"Could not read it: {_first(err)}.")
    return _verdict(task, answer, check, echo, shape, valid=problem is None)


def _conv(task: Task) -> str:
    return task.derivation.convention


def _first(err: ChainruleError) -> str:
    return str(err).splitlines()[0].rstrip(".")


def _verdict(
    task: Task, answer: str, check: FormulaCheck, echo: str, shape: str | None, valid: bool
) -> Grade:
    correct, mistakes, sizes = check.correct and valid, check.mistakes, ""
    if check.verdict == "right-here-only":
        sizes = " It is right for these sizes only: on a network of other widths it fails."
    if not correct and not mistakes:
        mistakes = ("shape-mismatch",) if check.diagnosis == "shape-mismatch" else ()
    score = 1.0 if correct else credit(mistakes, task.credit) if mistakes else _unrecognised(task)
    note = "correct" if correct else "+".join(mistakes) or "unrecognised"
    feedback = _feedback(task, check, echo, correct, mistakes, score, sizes, valid)
    return Grade(
        task.quantity,
        answer,
        valid=valid,
        attempt_used=valid,
        correct=correct,
        score=score,
        mistakes=tuple(mistakes),
        feedback=feedback,
        echo=echo,
        shape=shape,
        note=f"{task.quantity}-{note}",
        symbolic=check.symbolic and correct,
        check=check,
    )


def _unrecognised(task: Task) -> float:
    return task.credit["unrecognised"]


def _feedback(
    task: Task,
    check: FormulaCheck,
    echo: str,
    correct: bool,
    mistakes: tuple[str, ...],
    score: float,
    sizes: str,
    valid: bool,
) -> str:
    lines = [echo]
    if correct:
        how = "the algebra proves it" if check.symbolic else "checked on random values"
        lines.append(f"Correct ({how}).")
    elif mistakes:
        names = " and ".join(title(m) for m in mistakes)
        lines.append(f"Not right: it looks like {names}.{sizes}")
        lines += [nudge(m, task.fields) for m in dict.fromkeys(mistakes)]
    else:
        lines.append(f"Not right, and it matches none of the known mistakes.{sizes}")
    lines.append(f"Score: {score:.2f}.")
    if not valid:
        lines.append("This costs no attempt: make the shapes fit and answer again.")
    if task.reveal and not correct:
        lines += [f"Checker: {check.message}", f"Model answer: {task.solution}"]
    return "\n".join(lines)


# -- a whole backward pass -------------------------------------------------------------------------
def _lines(answer: str) -> list[str]:
    return [s.strip() for s in re.split(r"[\n;]+", answer) if s.strip() and s.strip()[0] != "#"]


def grade_pass(tasks: dict[str, Task], required: list[str], answer: object) -> Grade:
    """Grade a backward pass (lines, or one function as the course writes it) with
    :func:`chainrule.check.backward.check_backward`: each line is judged given the learner's own
    earlier lines, so a mistake costs credit once, on the line that makes it; a required quantity
    with no line scores 0. The score is the mean over the lines and the missing quantities."""
    first = tasks[required[0]]
    if not isinstance(answer, str) or not _lines(answer):
        g = grade_formula(first, answer if isinstance(answer, str) else 0)
        return replace(g, quantity="backward", note="backward-" + g.note.split("-", 1)[1])
    try:
        result = check_backward(first.net, answer, convention=_conv(first))
    except ChainruleError as err:
        return replace(
            _invalid(first, answer, "unreadable", f"Could not read it: {_first(err)}."),
            quantity="backward",
            note="backward-unreadable",
        )
    parts = {c.target: _line(tasks[c.target], c) for c in result.lines}
    for q in required:
        parts.setdefault(q, _missing(tasks[q]))
    return _summary(answer, [parts[q] for q in tasks if q in parts], result.note)


def _line(task: Task, c: LineCheck) -> Grade:
    """One line of the pass, graded from its verdict (right given earlier lines counts as right)."""
    rhs = split_formula(c.check.formula)[1]
    try:
        echo, shape, problem = _read(task, rhs)
    except ChainruleError:
        echo, shape, problem = f"Read as {c.text}.", None, None
    if c.verdict == "right-given":
        echo += f" Right, given your {' and '.join(c.given)}."
    elif c.verdict == "right-in-the-end":
        echo += " Right in the end: what differed in your earlier lines is made up for here."
    return _verdict(task, c.text, c.check, echo, shape, valid=problem is None)


def _missing(task: Task) -> Grade:
    T = target_text(task.quantity, True)
    return Grade(
        task.quantity,
        "",
        valid=True,
        attempt_used=True,
        correct=False,
        score=0.0,
        mistakes=(),
        feedback=f"{T} is missing.",
        echo=f"{T}: no line.",
        shape=None,
        note=f"{task.quantity}-missing",
    )


def _summary(answer: str, parts: list[Grade], note: str = "") -> Grade:
    valid = all(p.valid for p in parts)
    score = sum(p.score for p in parts) / len(parts)
    mistakes = tuple(dict.fromkeys(m for p in parts for m in p.mistakes))
    lines = []
    for p in parts:
        body = p.feedback.replace("\n", "\n    ")
        lines.append(f"{target_text(p.quantity, True)}: {body}")
    verdict = "all correct" if all(p.correct for p in parts) else f"score {score:.2f}"
    lines.append(f"The backward pass: {verdict}." + (f" {note}" if note else ""))
    return Grade(
        "backward",
        answer,
        valid=valid,
        attempt_used=valid,
        correct=all(p.correct for p in parts),
        score=score,
        mistakes=mistakes,
        feedback="\n".join(lines),
        echo="\n".join(p.echo for p in parts),
        shape=None,
        note="; ".join(p.note for p in parts),
        symbolic=all(p.symbolic for p in parts),
        parts=tuple(parts),
    )
