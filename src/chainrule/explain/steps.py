"""A whole derivation as a document: the forward pass with its shapes, then every backward step.

Each backward step is shown with its shape and justified from the derivation's own data: the
equations that consume the quantity, the primitive rules on the way (with the record's sentence for
the rule that reaches the quantity), the course's ``1/m`` for parameters, and the elementwise
algebra when SymPy changed the form. ``chainrule derive … --steps`` prints this document.
"""

from __future__ import annotations

from ..autodiff.derivation import Derivation, Step
from ..ir.expr import Expr, leaves
from ..printers.cse import common_subexpressions, repetitive
from ..rules.primitives import PRIMITIVES
from .chain import Factor, local_factors, top_of
from .doc import Display, Document, Heading, Para, Prose, ShapeM, Table, row
from .notation import text_math
from .writer import Writer

__all__ = ["derivation_document"]


def _role(d: Derivation, name: str) -> str:
    meta = d.program.meta or {}
    if name in d.program.params:
        return "parameter"
    if name in meta.get("labels", ()):
        return "labels"
    if name in meta.get("data", ()):
        return "data"
    return "input"


def _forward(d: Derivation, w: Writer) -> list:
    rows = [((w.sym(v.name),), (_role(d, v.name),), (ShapeM(v.shape),)) for v in d.program.inputs]
    rows += [
        ((w.sym(eq.name),), (w.ex(eq.expr),), (ShapeM(eq.expr.shape),))
        for eq in d.program.equations
    ]
    header = (("quantity",), ("definition",), ("shape",))
    return [Heading(2, ("Forward pass",)), Table(header, tuple(rows))]


def _main_op(f: Factor) -> str | None:
    """The primitive that reaches the quantity: the last one on the first path."""
    ops = [op for op, _ in (f.paths[0] if f.paths else ()) if op in PRIMITIVES]
    return ops[-1] if ops else None


def _from(w: Writer, f: Factor) -> tuple:
    rules = ", then ".join(dict.fromkeys(PRIMITIVES[op].rule for op in f.ops if op in PRIMITIVES))
    main = _main_op(f)
    source = w.equation(f.equation) if f.root is f.equation.expr else w.q(f.num)
    why = (" — ", Prose(PRIMITIVES[main].justification.rstrip("."))) if main else ()
    return ("From ", source, f": {rules}", *why)


def _named_forms(d: Derivation, s: Step) -> tuple[list[Expr], list[tuple[str, Expr]]]:
    """The step's expanded, raw and simplified forms, with their shared parts named once when
    written out they would be far longer than their DAG (n nested functions: ``T1 = …``), so a
    step's text stays linear in depth."""
    forms = [s.expanded, s.raw, s.expr]
    if not repetitive(forms[:2]):
        return forms, []
    taken = {v.name for e in forms for v in leaves(e)} | {t.target for t in d.steps}
    defs, named = common_subexpressions(forms, "T", taken, 5)
    return named, defs


def _step_blocks(d: Derivation, w: Writer, s: Step, top: str) -> list:
    (expanded, raw, expr), defs = _named_forms(d, s)
    blocks: list = [Display(row(w.sym(s.target), "=", w.ex(expanded)), (ShapeM(s.shape),))]
    if defs:
        blocks.append(Para(("where",)))
        blocks += [Display(row(w.sym(n), "=", w.ex(e)), (ShapeM(e.shape),)) for n, e in defs]
    if s.of == top:
        start = f"The start of the backward pass: {top} is what the steps differentiate."
        return blocks + [Para((start,))]
    parts: list = []
    for k, f in enumerate(local_factors(d, s)):
        parts += ([" "] if k else []) + list(_from(w, f)) + ["."]
    if len(s.contributions) > 1:
        parts.append(" The uses add up.")
    if s.factor is not None:
        parts += [" Times ", w.ex(s.factor), ": a parameter gradient is a gradient of J."]
    if text_math(w.ex(raw)) != text_math(w.ex(expr)):
        parts += [" As the rules produce it: ", w.ex(raw), "; simplified by the algebra."]
    return blocks + [Para(tuple(parts))]


def _backward(d: Derivation, w: Writer, top: str) -> list:
    blocks: list = [Heading(2, (f"Backward pass ({d.convention} convention)",))]
    out = d.program.output
    note = d.convention_note if d.program.batch else f"every d· is ∂{out}/∂·, {out} a scalar"
    blocks.append(Para(("Convention: ", note, ".")))
    for s in d.steps:
        blocks += _step_blocks(d, w, s, top)
    return blocks


def derivation_document(d: Derivation, subject: str) -> Document:
    """The forward pass and every backward step of ``d``, for ``subject`` (a network's name)."""
    from .doc import Naming

    top = top_of(d)
    w = Writer(Naming(d.program.layer_names, d.program.batch), top)
    title = (f"Backpropagation for {subject}",)
    blocks = [Para((f"Every gradient of {d.program.output} derived symbolically, step by step.",))]
    blocks += _forward(d, w) + _backward(d, w, top)
    return Document(title, title[0], tuple(blocks))
