"""Exercises for teachers and learners: seeded backprop problems, graded with the mistake named.

``cr.exercise(seed=7, …)`` draws a network, a convention and a quantity (:mod:`.spec`); the
exercise has a question, a model answer, the explanation it comes from and a hint ladder
(:mod:`.question`); :meth:`Exercise.grade` validates, checks and scores an answer with partial
credit per named mistake (:mod:`.grading`, :mod:`.scoring`, :mod:`.feedback`).
"""

from .exercise import Exercise, exercise, from_spec
from .grading import Grade
from .question import Hint
from .scoring import DEFAULT_CREDIT
from .spec import ExerciseSpec

__all__ = ["DEFAULT_CREDIT", "Exercise", "ExerciseSpec", "Grade", "Hint", "exercise", "from_spec"]
