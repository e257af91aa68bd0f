"""Checks with numbers that do not come from the derivation, and a checker for learners' formulas.

* :func:`gradcheck` — the course's two-sided gradient check of every ``dW``, ``db``, ``dZ``, ``dA``;
* :func:`crosscheck` — the same network in PyTorch, its autograd against chainrule (optional extra);
* :func:`check_formula` — is ``"dZ1 = W2 @ dZ2 * (1 - A1**2)"`` right, and if not, why (a library of
  named mistakes, :mod:`chainrule.check.mistakes`);
* :func:`check_backward` — a learner's whole backward pass, each line judged given their own
  earlier lines.
"""

from .backward import BackwardCheck, LineCheck, check_backward
from .crosscheck import crosscheck, torch_gradients
from .formula import FormulaCheck, check_formula
from .gradcheck import gradcheck
from .mistakes import MISTAKES, Mistake
from .report import Report, Row, render
from .sample import sample

__all__ = [
    "gradcheck",
    "crosscheck",
    "torch_gradients",
    "check_formula",
    "check_backward",
    "BackwardCheck",
    "LineCheck",
    "FormulaCheck",
    "Mistake",
    "MISTAKES",
    "Report",
    "Row",
    "render",
    "sample",
]
