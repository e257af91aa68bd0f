"""``cr.exercise(seed=7, …)``: a seeded backprop exercise with its solution, hints and grader.

An :class:`Exercise` is an :class:`~chainrule.exercise.spec.ExerciseSpec` (drawn from the seed,
see :mod:`.spec`) and what follows from it: the network, its derivation, the question, the model
answer (NumPy syntax, printed from the derivation), the explanation it comes from, the hint ladder
(:mod:`.question`) and :meth:`Exercise.grade` (:mod:`.grading`).
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable, Mapping
from functools import cached_property

from ..autodiff import Derivation
from ..check.mistakes import np_text
from ..explain import Explanation, explain
from ..explain.doc import Document
from ..explain.formats import render
from ..nets import Network
from .grading import Grade, Task, grade_formula, grade_pass
from .question import Hint, hints, question_document
from .scoring import credit_table
from .spec import BACKWARD, ExerciseSpec, draw_spec

__all__ = ["Exercise", "exercise", "from_spec"]


class Exercise:
    """One exercise: ``question``, ``solution``, ``hints``, ``explanation`` and ``grade()``."""

    def __init__(self, spec: ExerciseSpec) -> None:
        self.spec = spec
        self.network: Network = spec.network()

    # -- what is asked ----------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def quantity(self) -> str:
        return self.spec.quantity

    @property
    def derivation(self) -> Derivation:
        """The network's backward pass in the exercise's convention (the solution's source)."""
        return self.network.derive(self.spec.convention)

    @cached_property
    def targets(self) -> list[str]:
        """The quantities the answer gives: one, or dZ, dW, db of every layer for a whole pass."""
        if self.quantity != BACKWARD:
            return [self.quantity]
        return [s.target for s in self.derivation.steps if s.target.startswith(("dZ", "dW", "db"))]

    @cached_property
    def document(self) -> Document:
        subject = f"network {self.network.describe()}, examples as {self.spec.layout}"
        return question_document(
            self.derivation, self.quantity, self.targets, subject, self.spec.seed
        )

    @property
    def question(self) -> str:
        """The question as text."""
        return self.render("text")

    def render(self, fmt: str = "text") -> str:
        """The question as ``"text"``, ``"markdown"``, ``"latex"``, ``"html"`` or ``"json"``."""
        return render(self.document, fmt)

    # -- the answer -------------------------------------------------------------------------------
    def formula(self, quantity: str) -> str:
        """``"dW2 = 1 / m * (dZ2 @ A1.T)"``: the model answer for one quantity, NumPy syntax."""
        return f"{quantity} = {np_text(self.derivation[quantity].expanded)}"

    @property
    def solution(self) -> str:
        """The model answer: one formula, or one line per quantity of the backward pass."""
        return "\n".join(self.formula(q) for q in self.targets)

    @cached_property
    def explanations(self) -> tuple[Explanation, ...]:
        """Why each quantity of the answer is what it is (:func:`chainrule.explain`)."""
        net, conv = self.network, self.spec.convention
        return tuple(explain(net, q, conv, seed=self.spec.seed) for q in self.targets)

    @property
    def explanation(self) -> Explanation:
        """The explanation of the (first) quantity asked for."""
        return self.explanations[0]

    @cached_property
    def hints(self) -> tuple[Hint, ...]:
        """The ladder: the chain → the shapes → the indices → the answer."""
        return hints(list(self.explanations), [self.formula(q) for q in self.targets])

    # -- grading ----------------------------------------------------------------------------------
    def _task(self, quantity: str, table: dict, reveal: bool) -> Task:
        return Task(
            self.network,
            self.derivation,
            quantity,
            self.formula(quantity),
            table,
            reveal,
        )

    def grade(
        self, answer: str, *, scoring: Mapping[str, float] | None = None, reveal: bool = False
    ) -> Grade:
        """Grade a learner's answer (``"dW2 = …"``; a whole pass one formula per line, or a
        backward function — its source is read, the function is never called).

        ``scoring`` overrides the partial credit of named mistakes (see
        :data:`chainrule.exercise.scoring.DEFAULT_CREDIT`); ``reveal`` adds the checker's full
        message and the model answer to the feedback of a wrong answer.
        """
        table = credit_table(scoring)
        answer = _source_of(answer) if callable(answer) else answer
        if self.quantity != BACKWARD:
            return grade_formula(self._task(self.quantity, table, reveal), answer)
        names = self.network.quantities(self.spec.convention)
        tasks = {q: self._task(q, table, reveal) for q in names}
        return grade_pass(tasks, self.targets, answer)

    def function(self, name: str = "backward_propagation") -> str:
        """The model answer of a whole pass as the course's function ``name(parameters, cache, X,
        Y)`` (parameters and forward values read from the two dictionaries)."""
        used = {
            w for line in self.targets for w in re.findall(r"\b[A-Za-z_]\w*\b", self.formula(line))
        }
        program = self.derivation.program
        params = [p for p in program.params if p in used]
        cached = [e.name for e in program.equations if e.name in used]
        axis = 1 if self.spec.layout == "columns" else 0
        body = [f"m = X.shape[{axis}]"]
        body += [f'{p} = parameters["{p}"]' for p in params]
        body += [f'{c} = cache["{c}"]' for c in cached]
        body += [self.formula(q) for q in self.targets]
        grads = ", ".join(f'"{q}": {q}' for q in self.targets if q.startswith(("dW", "db")))
        body.append(f"return {{{grads}}}")
        return f"def {name}(parameters, cache, X, Y):\n" + "".join(f"    {b}\n" for b in body)

    def to_dict(self) -> dict:
        """The exercise as data: its spec, question (text and Markdown), solution and hints."""
        return {
            "id": self.id,
            "spec": self.spec.to_dict(),
            "network": self.network.describe(),
            "question": self.question,
            "question_markdown": self.render("markdown"),
            "solution": self.solution,
            "hints": [{"level": h.level, "name": h.name, "text": str(h)} for h in self.hints],
        }

    def __repr__(self) -> str:
        return f"<exercise {self.id}: {self.network.describe()}, {self.spec.convention}>"


def exercise(
    seed: int = 0,
    *,
    layers: list[int] | tuple[int, ...] | None = None,
    hidden: object = None,
    output: str | None = None,
    loss: str | None = None,
    layout: str | None = None,
    convention: str | None = None,
    quantity: str | None = None,
    l2: float = 0.0,
    keep_prob: float = 1.0,
) -> Exercise:
    """A backprop exercise; every argument left out is drawn from ``seed`` (reproducibly).

    >>> ex = exercise(seed=7, layers=[2, 4, 1], hidden="tanh", output="sigmoid", loss="bce",
    ...               quantity="dW2")
    >>> ex.grade("dW2 = 1/m * dZ2 @ A1.T").correct
    True
    """
    spec = draw_spec(
        seed,
        layers=layers,
        hidden=hidden,
        output=output,
        loss=loss,
        layout=layout,
        convention=convention,
        quantity=quantity,
        l2=l2,
        keep_prob=keep_prob,
    )
    return Exercise(spec)


def _source_of(fn: Callable) -> str:
    """A function's source text (read, never run); "" when Python cannot find it."""
    try:
        return textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return ""


def from_spec(spec: Mapping) -> Exercise:
    """The exercise of a stored spec (``Exercise.spec.to_dict()``)."""
    return exercise(**dict(spec))
