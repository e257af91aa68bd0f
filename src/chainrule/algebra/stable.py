"""Numerically stable forms for evaluation: the same quantity, computed without overflow.

``log σ(z) = −softplus(−z)`` and ``log(1 − σ(z)) = −softplus(z)``: the binary cross-entropy of a
sigmoid output is evaluated from Z, so a saturated unit gives a large finite loss instead of
``0 · log 0 = nan``. ``log(exp(z)/s) = z − log s`` does the same for softmax with cross-entropy.
These are identities, applied to the forward program that runs; the derivation is unchanged.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import sympy

from .. import scalar
from ..ir.expr import Expr, walk
from .bridge import Atoms, from_sympy, is_elementwise, to_sympy
from .simplify import elementwise_definitions, substitute

if TYPE_CHECKING:  # a program is the autodiff layer's; this layer only rewrites its equations
    from ..autodiff.program import Program

__all__ = ["stable_program"]

_x = sympy.Wild("x")
_s = sympy.Wild("s")
_RULES = [
    (sympy.log(scalar.sigmoid(_x)), -scalar.softplus(-_x)),
    (sympy.log(1 - scalar.sigmoid(_x)), -scalar.softplus(_x)),
    (sympy.log(sympy.exp(_x) / _s), _x - sympy.log(_s)),
]


def _stable(e: Expr) -> Expr:
    """Rewrite every elementwise tree under ``e`` that takes a logarithm."""
    if e.is_leaf or not any(n.op == "fn" and n.attrs[0].name == "log" for n in walk(e)):
        return e
    if not is_elementwise(e):
        return Expr(e.op, tuple(_stable(a) for a in e.args), e.shape, e.attrs)
    atoms = Atoms()
    s = to_sympy(e, atoms)
    for a, symbol in list(atoms.by_expr.items()):
        atoms.by_symbol[symbol] = _stable(a)
    t = s
    for pattern, replacement in _RULES:
        t = t.replace(pattern, replacement)
    return from_sympy(t, atoms, e.shape)


def _unfold_logs(e: Expr, names: dict[Expr, Expr]) -> Expr:
    """Write named quantities out inside logarithms only (``log A[2]`` → ``log σ(Z[2])``)."""
    table = {
        n: Expr(n.op, (substitute(n.args[0], names),), n.shape, n.attrs)
        for n in walk(e)
        if n.op == "fn" and n.attrs[0].name == "log"
    }
    return substitute(e, table)


def stable_program(program: Program) -> Program:
    """The program with log-of-sigmoid and log-of-softmax evaluated in their stable forms."""
    names = elementwise_definitions(program.equations)
    eqs = tuple(replace(eq, expr=_stable(_unfold_logs(eq.expr, names))) for eq in program.equations)
    return replace(program, equations=eqs)
