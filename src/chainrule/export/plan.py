"""What every exporter prints: inputs, forward equations, backward steps; one plan, three spellings.

A plan is read off a :class:`~chainrule.gradient.Gradient`, a :class:`~chainrule.nets.Network` or
a :class:`~chainrule.nets.Model`.
The forward equations are the stable forms that training runs (``log σ(z) = −softplus(−z)``); the
backward steps are the derivation's own formulas, with subexpressions used more than once named
once (``t1 = X⁻¹``). Framework exports need the gradient of *every* input (a custom backward that
returned nothing for an input would silently report zero), so the plan derives them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..algebra.stable import stable_program
from ..autodiff import Derivation, Program, backprop
from ..autodiff.compact import compact
from ..errors import SpecError
from ..gradient import Gradient, as_program
from ..ir.expr import Expr, leaves
from ..ir.shapes import Shape
from ..nets import Model, Network
from ..printers.cse import common_subexpressions
from ..printers.text import derivation_lines, forward_lines

__all__ = ["Plan", "plan_of", "model_plan", "needed"]


@dataclass(frozen=True)
class Plan:
    """The function an exporter prints, independent of the framework."""

    name: str  # "f" or "cost": the exported function's name
    title: str  # one line for the module docstring
    formulas: tuple[str, ...]  # the derivation in the course's notation, for the docstring
    inputs: tuple[Expr, ...]  # variables, in signature order
    forward: tuple[tuple[str, Expr], ...]
    output: str  # the forward quantity returned ("f", "J")
    backward: tuple[tuple[str, Expr], ...]  # shared subexpressions first, then the steps
    grads: tuple[tuple[str, str], ...]  # (input, its gradient's name) for every input
    returned: tuple[str, ...]  # the inputs whose gradients the NumPy function returns

    @property
    def signature(self) -> str:
        return ", ".join(v.name for v in self.inputs)

    @property
    def dims(self) -> list[tuple[str, str, int]]:
        """``(dimension, input, axis)``: where each symbolic dimension is read from."""
        out, seen = [], set()
        for v in self.inputs:
            for axis, d in enumerate(v.shape):
                if isinstance(d, str) and d not in seen:
                    seen.add(d)
                    out.append((d, v.name, axis))
        return out

    def shape_of(self, name: str) -> Shape:
        return next(v.shape for v in self.inputs if v.name == name)


def plan_of(obj: object) -> Plan:
    """The plan of a gradient (``cr.grad(...)``) or a network (``cr.mlp(...)``)."""
    if isinstance(obj, Gradient):
        return _gradient_plan(obj)
    if isinstance(obj, Network):
        return _network_plan(obj)
    if isinstance(obj, Model):
        return model_plan(obj)
    raise SpecError(
        f"cannot export a {type(obj).__name__}",
        hint="export a gradient (cr.grad(...)), a network (cr.mlp(...)) or a model (cr.model(...))",
    )


def _every_input(program: Program, convention: str) -> Derivation:
    return backprop(program, convention, wrt=tuple(v.name for v in program.inputs))


def _gradient_plan(g: Gradient) -> Plan:
    inputs = sorted(g.program.inputs, key=lambda v: _first_use(v.name, g.source or ""))
    program = as_program(g.f, tuple(v.name for v in inputs))
    program = Program(tuple(inputs), program.equations, program.output, program.params)
    derivation = _every_input(program, "exact")
    formulas = (f"f = {forward_lines(program)[0].split(' = ', 1)[1]}", f"∂f/∂{g.wrt} = {g}")
    return _plan(
        "f", f"the gradient of f with respect to {g.wrt}", formulas, program, derivation, (g.wrt,)
    )


def _first_use(name: str, source: str) -> int:
    """Where ``name`` first occurs in the user's source: the signature follows the writing."""
    m = re.search(rf"\b{re.escape(name)}\b", source)
    return m.start() if m else len(source)


def _network_plan(net: Network) -> Plan:
    program = net.program
    derivation = _every_input(program, "course")
    formulas = tuple(forward_lines(program)) + tuple(derivation_lines(net.derive("course")))
    return _plan(
        "cost",
        f"network {net.describe()}: cost J and its backward pass",
        formulas,
        program,
        derivation,
        program.params,
    )


def model_plan(model: Model, compact_form: bool = True) -> Plan:
    """A model's cost and the gradient of every input, the compact forms included (or, without
    ``compact_form``, as reverse mode stages them: the benchmark compares the two)."""
    program = model.program
    derivation = _every_input(program, "exact")
    derivation = compact(derivation) if compact_form else derivation
    formulas = tuple(forward_lines(program)) + tuple(derivation_lines(model.derive()))
    title = f"{model.title}: {program.output} and its backward pass"
    return _plan("cost", title, formulas, program, derivation, model.wrt)


def _plan(
    name: str,
    title: str,
    formulas: tuple[str, ...],
    program: Program,
    derivation: Derivation,
    returned: tuple[str, ...],
) -> Plan:
    steps = [(s.target, s.expr) for s in derivation.steps]
    taken = {*program.names, *(t for t, _ in steps), name}
    defs, exprs = common_subexpressions([e for _, e in steps], "t", taken)
    backward = _interleave(defs, [(t, e) for (t, _), e in zip(steps, exprs, strict=True)])
    grads = tuple((v.name, "d" + v.name) for v in program.inputs if "d" + v.name in derivation)
    forward = tuple((eq.name, eq.expr) for eq in stable_program(program).equations)
    return Plan(
        name, title, formulas, program.inputs, forward, program.output, backward, grads, returned
    )


def _interleave(
    defs: list[tuple[str, Expr]], steps: list[tuple[str, Expr]]
) -> tuple[tuple[str, Expr], ...]:
    """Each shared subexpression just before the first step that uses it (it may read earlier
    steps, such as ``dZ2``, so it cannot simply go first)."""
    pending, out = list(defs), []
    for target, e in steps:
        need = {v.name for v in leaves(e)}
        for name, d in reversed(pending):
            if name in need:
                need.update(v.name for v in leaves(d))
        out += [(n, d) for n, d in pending if n in need]
        pending = [(n, d) for n, d in pending if n not in need]
        out.append((target, e))
    return tuple(out)


def needed(plan: Plan, targets: tuple[str, ...]) -> list[tuple[str, Expr]]:
    """The backward lines that ``targets`` depend on, in order."""
    keep, out = set(targets), []
    for name, e in reversed(plan.backward):
        if name in keep:
            keep.update(v.name for v in leaves(e))
            out.append((name, e))
    return out[::-1]
