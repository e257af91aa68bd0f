"""Symbolic reverse-mode differentiation over programs of named equations."""

from .backprop import backprop
from .derivation import CONVENTIONS, Contribution, Derivation, Rewrite, Step
from .program import Equation, Program

__all__ = [
    "backprop",
    "Derivation",
    "Step",
    "Contribution",
    "Rewrite",
    "Equation",
    "Program",
    "CONVENTIONS",
]
