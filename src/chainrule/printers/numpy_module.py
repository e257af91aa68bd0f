"""A whole program (and its derivation) printed as a NumPy module of plain functions.

``forward(**inputs)`` computes the named quantities of the forward pass; ``gradients(**inputs)``
also computes the backward steps a parameter update reads (:attr:`Derivation.update_steps`: no
``dL``, no ``dA[L]``, nothing that divides by a saturated output), in the derivation's order,
with the derivation's formulas; ``backward(**inputs)`` computes every step, for the learner who
asks about ``dA[L]``. The source is what :func:`chainrule.codegen.compile_module` compiles and what
``net.source()`` shows.
"""

from __future__ import annotations

from ..autodiff.derivation import Derivation
from ..autodiff.program import Program
from ..ir.expr import Expr, leaves, walk
from ..ir.linalg import named
from ..rules.primitives import PRIMITIVES
from .base import is_call
from .cse import common_subexpressions, repetitive
from .numpy_code import NAMED_HELPERS, NumpyPrinter

__all__ = ["module_source", "helpers_used"]


def helpers_used(exprs: list[Expr], language: str = "numpy") -> list[str]:
    """Source of the helper functions (e.g. a stable ``sigmoid``, ``conv2d``) the expressions call.

    ``language`` picks the helpers of calls (``conv2d`` …) from their records; NumPy's helpers for
    elementwise functions and named compositions serve NumPy and JAX (printed with ``jnp``), never
    PyTorch, which spells those itself.
    """
    seen: dict[str, str] = {}
    for e in exprs:
        for n in walk(e):
            if is_call(n):
                seen.update(PRIMITIVES[n.op].helpers[language])
            if language == "torch":
                continue
            if n.op == "fn" and n.attrs[0].helper:
                seen.setdefault(n.attrs[0].name, n.attrs[0].helper)
            if (m := named(n)) is not None and m.name in NAMED_HELPERS:
                seen.setdefault(m.name, NAMED_HELPERS[m.name])
    return list(seen.values())


def _signature(program: Program) -> str:
    return ", ".join(v.name for v in program.inputs)


def _dims(program: Program) -> list[str]:
    lines, bound = [], set()
    for v in program.inputs:
        for axis, d in enumerate(v.shape):
            if isinstance(d, str) and d.isidentifier() and d not in bound:
                bound.add(d)
                lines.append(f"    {d} = {v.name}.shape[{axis}]")
    return lines


def _function(name: str, doc: str, program: Program, body: list[tuple[str, Expr]]) -> str:
    p = NumpyPrinter()
    lines = [f"def {name}(*, {_signature(program)}):", f'    """{doc}"""', *_dims(program)]
    lines += [f"    {target} = {p.shaped(e)}" for target, e in _named_once(body)]
    names = ", ".join(f'"{t}": {t}' for t, _ in body)
    lines.append(f"    return {{{names}}}")
    return "\n".join(lines) + "\n"


def _named_once(body: list[tuple[str, Expr]]) -> list[tuple[str, Expr]]:
    """``body`` as it is, unless written out it would be far longer than its DAG (a derivative
    through n nested functions): then each shared subexpression is computed once, as ``t1 = …``,
    just before the first line that needs it, so the code runs in time linear in depth."""
    exprs = [e for _, e in body]
    if not repetitive(exprs):
        return body
    taken = {t for t, _ in body} | {v.name for e in exprs for v in leaves(e)}
    definitions, rewritten = common_subexpressions(exprs, "t", taken)
    before: dict[int, list[tuple[str, Expr]]] = {}
    for d, at in zip(definitions, _first_use(definitions, rewritten), strict=True):
        before.setdefault(at, []).append(d)
    out: list[tuple[str, Expr]] = []
    for i, (target, e) in enumerate(zip((t for t, _ in body), rewritten, strict=True)):
        out += [*before.get(i, ()), (target, e)]
    return out


def _first_use(definitions: list[tuple[str, Expr]], lines: list[Expr]) -> list[int]:
    """For each definition, the first line that reads it, directly or through a later one."""
    at = {name: len(lines) for name, _ in definitions}
    for i, e in reversed(list(enumerate(lines))):
        for v in leaves(e):
            if v.name in at:
                at[v.name] = i
    for name, d in reversed(definitions):  # a definition is needed where its readers are
        for v in leaves(d):
            if v.name in at:
                at[v.name] = min(at[v.name], at[name])
    return [at[name] for name, _ in definitions]


def module_source(
    program: Program, derivation: Derivation | None = None, title: str = "program"
) -> str:
    """The module's source: imports, helpers, ``forward`` and (with a derivation) ``gradients``."""
    forward = [(eq.name, eq.expr) for eq in program.equations]
    every = [(s.target, s.expr) for s in derivation.steps] if derivation else []
    parts = [f'"""NumPy code printed by chainrule from the {title}."""\n', "import numpy as np\n"]
    parts += helpers_used([e for _, e in forward + every])
    parts.append(_function("forward", "The forward pass: every named quantity.", program, forward))
    if derivation is not None:
        update = [(s.target, s.expr) for s in derivation.update_steps]
        doc = (
            f"Forward pass and the gradients the updates need ({derivation.convention} convention)."
        )
        parts.append(_function("gradients", doc, program, forward + update))
        if len(update) < len(every):
            doc = f"Forward pass and every backward step ({derivation.convention} convention)."
            parts.append(_function("backward", doc, program, forward + every))
    return "\n\n".join(parts)
