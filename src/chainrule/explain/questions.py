"""The questions learners ask about a network's backward step, answered and checked on numbers.

Learners on the course's forum ask the same few things: why ``dZ[L]`` is just ``A[L] − Y``; where
the minus sign of ``d/da log(1 − a)`` comes from; what relu′ is at 0; why L2 changes ``dW`` only;
why dropped units get no gradient; whether the transpose is an inverse; why ``db`` sums over axis 1
with ``keepdims``; why ``1/m`` sits in ``dW`` and ``db`` but not in ``dZ``. The explainer picks
the ones that bear on one step of one network and works each out as data: lines of algebra in the
network's own names (IR formulas, so every renderer typesets them) and facts in words, **each
checked on the explanation's own numbers** — the two sides of every ``=`` evaluated by the
reference interpreter, every claim about shapes, masks and conventions measured. An answer whose
check fails is a bug, not a caveat: the tests require every answer to be confirmed.

This module holds the records and the numbers; :mod:`.questions_output` answers the questions
about the output layer, :mod:`.questions_layers` those about hidden layers and parameters, and
:mod:`.asked` picks the ones that bear on a step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..autodiff.derivation import Derivation
from ..evaluate import bind, evaluate, run
from ..ir import build
from ..ir.expr import Expr
from ..nets.network import Network
from .doc import Ex, Math, Naming, Sym, row
from .notation import text_math

__all__ = [
    "Line",
    "Fact",
    "Answer",
    "Numbers",
    "TOLERANCE",
    "error",
    "one_minus",
    "neg",
    "layer_of",
]

TOLERANCE = 1e-9  # relative: both sides of every claim agree this closely


@dataclass(frozen=True)
class Line:
    """One line of algebra, ``lhs = rhs`` or a continuation ``= rhs``; ``error`` is the largest
    difference between its two sides on the numbers (relative to their size)."""

    math: Math
    why: str
    error: float

    @property
    def checked(self) -> bool:
        return self.error < TOLERANCE


@dataclass(frozen=True)
class Fact:
    """A claim in words (inline parts) and whether the numbers confirm it."""

    parts: tuple
    checked: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "checked", bool(self.checked))  # NumPy's bool_ → bool


@dataclass(frozen=True)
class Answer:
    """One question a learner asks, answered: an introduction, algebra, facts."""

    key: str
    question: tuple  # inline parts: words and math nodes
    intro: tuple
    lines: tuple[Line, ...] = ()
    facts: tuple[Fact, ...] = ()
    shown: tuple[Math, ...] = ()  # formulas displayed as they are; the facts check their claim

    @property
    def checked(self) -> bool:
        return all(x.checked for x in self.lines + self.facts)

    @property
    def title(self) -> str:
        """The question as plain text."""
        return "".join(p if isinstance(p, str) else text_math(p) for p in self.question)


def error(a: object, b: object) -> float:
    """The largest difference between two arrays, relative to the second's size (∞ when the
    shapes differ)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return float("inf")
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    return float(np.max(np.abs(a - b), initial=0.0)) / scale


class Numbers:
    """The explanation's numbers in both conventions, and a few IR helpers in the net's names."""

    def __init__(self, net: Network, d: Derivation, values: dict) -> None:
        self.net, self.d, self.spec, self.values = net, d, net.spec, values
        self.program = d.program
        self.dims = bind(self.program.inputs, values)
        self.env = {c: run(self.program, values, net.derive(c)) for c in ("course", "exact")}
        self.naming = Naming(self.program.layer_names, self.program.batch)
        self.m = self.dims[self.program.batch]

    def var(self, name: str) -> Expr:
        if name in self.program.names:
            return self.program.names[name]
        return build.var(name, self.d[name].shape)

    def value(self, e: Expr, convention: str = "course") -> np.ndarray:
        return evaluate(e, self.env[convention], self.dims)

    def value_at(self, e: Expr, x: Expr, v: float) -> np.ndarray:
        """``e`` with every entry of the variable ``x`` set to ``v``."""
        env = {**self.env["course"], x.name: np.full(np.shape(self.env["course"][x.name]), v)}
        return evaluate(e, env, self.dims)

    def fact(self, parts: tuple, checked: bool) -> Fact:
        """A fact whose words may name quantities as ``«W2»``: those become math nodes, so every
        renderer typesets them (W[2] in text, W^{[2]} in LaTeX)."""
        out: list = []
        for p in parts:
            pieces = re.split(r"«(\w+)»", p) if isinstance(p, str) else [p]
            out += [self.sym(x) if k % 2 else x for k, x in enumerate(pieces) if x != ""]
        return Fact(tuple(out), checked)

    def ex(self, e: Expr) -> Ex:
        return Ex(e, self.naming)

    def sym(self, name: str) -> Sym:
        return Sym(name, self.naming)

    def chain(self, lhs: Expr, steps: list[tuple[Expr, str]]) -> tuple[Line, ...]:
        """``lhs = steps[0] = steps[1] = …``, each ``=`` checked against the line before."""
        before, out = self.value(lhs), []
        for k, (rhs, why) in enumerate(steps):
            now = self.value(rhs)
            head = (self.ex(lhs), "=") if k == 0 else ("=",)
            out.append(Line(row(*head, self.ex(rhs)), why, error(now, before)))
            before = now
        return tuple(out)

    @property
    def batch_axis(self) -> int:
        return 1 if self.spec.layout == "columns" else 0


def one_minus(x: Expr) -> Expr:
    """1 − x, broadcast to x's shape."""
    return build.np_sub(build.const(1), x)


def neg(x: Expr) -> Expr:
    """−x."""
    return build.scale(build.const(-1), x)


def layer_of(target: str) -> int | None:
    """The layer a quantity belongs to: ``dZ1`` → 1, ``dA_drop2`` → 2, ``dL`` → None."""
    digits = target.lstrip("dAZWb_rop")
    return int(digits) if digits.isdigit() else None
