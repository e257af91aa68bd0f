"""An :class:`~chainrule.explain.Explanation` written out as a document: the explainer's prose.

Every sentence is assembled from the explanation's data and the primitives' records; the only
fixed wording is the connective text a mentor would use ("the chain rule multiplies the local
derivatives along that path"). Sections: the chain; the dimensions; the indices; why ⊙; the
elementwise function's derivative; L versus J; a numeric check; the other conventions and layouts;
the rules used and further reading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..algebra.simplify import substitute
from ..ir import build
from ..ir.expr import Expr, walk
from .answers import questions_section
from .chain import Factor, Term
from .context import lj_section, numbers_section, rules_section, variants_section
from .conv_section import conv_section
from .doc import (
    Display,
    Document,
    Ex,
    Heading,
    Math,
    Para,
    Partial,
    ShapeM,
    Table,
    row,
)
from .notation import text_math
from .rewrite import rewrite_section
from .why import derivative_section, dimension_section, hadamard_section, index_section
from .writer import Writer, rule_names

if TYPE_CHECKING:  # the explanation calls these sections; they only read it
    from .explanation import Explanation

__all__ = ["explanation_document"]


# -- the title and the chain ----------------------------------------------------------------------
def _title(x: Explanation, w: Writer) -> tuple:
    return ("Why ", row(w.sym(x.quantity), "=", w.ex(x.step.expanded)))


def _intro(x: Explanation, w: Writer) -> list:
    shape = ShapeM(x.step.shape)
    blocks = [Para((f"{x.subject}; {x.convention} convention.",))]
    blocks.append(Display(row(w.sym(x.quantity), "=", w.ex(x.step.expanded)), ("shape ", shape)))
    note = x.derivation.convention_note if x.naming.batch else _scalar_note(x)
    blocks.append(Para(("Convention: ", note, ".")))
    return blocks


def _scalar_note(x: Explanation) -> str:
    top = x.derivation.program.output
    return f"{top} is one scalar and every d· is the gradient of {top} itself, d· = ∂{top}/∂·"


def _term_top(x: Explanation, term: Term) -> str:
    output = x.derivation.program.output
    return output if term.scale is not None or term.consumer == output else x.top


def _lhs(x: Explanation, w: Writer) -> Math:
    top = x.derivation.program.output if any(_term_top(x, t) != x.top for t in x.terms) else x.top
    return Partial(w.sym(top), w.q(x.derivation.program.names[x.step.of]))


def _product(x: Explanation, w: Writer, term: Term) -> Math:
    parts: list = [Ex(term.scale, w.naming, coefficient=True), "·"] if term.scale else []
    for f in term.factors:
        parts += [_factor_symbol(x, w, f), "·"]
    return row(*parts[:-1])


def _factor_symbol(x: Explanation, w: Writer, f: Factor) -> Math:
    if f.kind == "known":
        return w.partial(x.top, f.den)
    return Partial(w.q(f.num), w.q(f.den))


def _chain_formula(x: Explanation, w: Writer) -> Math:
    items: list = [_lhs(x, w), "="]
    for k, t in enumerate(x.terms):
        items += (["+"] if k else []) + [_product(x, w, t)]
    return row(*items)


def _route(x: Explanation, w: Writer, term: Term) -> list:
    """The equations a use goes through, from the quantity up."""
    program = x.derivation.program
    names = [f.equation.name for f in reversed(term.factors) if f.kind != "known" and f.equation]
    parts: list = []
    for k, name in enumerate(dict.fromkeys(names)):
        parts += ([", then "] if k else []) + [w.equation(program.equation(name))]
    return parts


def _path_sentence(x: Explanation, w: Writer) -> tuple:
    head: list = [w.sym(x.step.of), " reaches ", w.sym(x.top)]
    if len(x.terms) == 1:
        parts = [*head, " through ", *_route(x, w, x.terms[0]), "."]
        if len(x.terms[0].factors) == 1:
            return (*parts, " One local derivative, no chain to multiply:")
        return (*parts, " The chain rule multiplies the local derivatives along the way:")
    parts = [w.sym(x.step.of), f" is used {len(x.terms)} times:"]
    for k, t in enumerate(x.terms):
        parts += [f" ({k + 1}) through ", *_route(x, w, t), ";" if k < len(x.terms) - 1 else "."]
    return (*parts, " The chain rule adds one product of local derivatives per use:")


def _factor_row(x: Explanation, w: Writer, f: Factor) -> tuple:
    if f.kind == "known":
        value = (row(w.sym("d" + f.den.name), "=", w.ex(f.value)),) if f.value is not None else ()
        why = ("known: an earlier step computed it; it sums up everything between ", w.q(f.den))
        return ((_factor_symbol(x, w, f),), value, (*why, " and ", w.sym(x.top)))
    return ((_factor_symbol(x, w, f),), _factor_value(w, f), _factor_source(w, f))


def _factor_value(w: Writer, f: Factor) -> tuple:
    if f.kind == "matrix":
        return (w.ex(f.value), f" (the rule multiplies by its transpose on the {f.side})")
    if f.kind == "elementwise":
        return (w.ex(f.value), " on the diagonal (entry by entry)")
    if f.kind == "identity":
        return ("the identity",)
    if f.kind == "sum":
        return ("a sum over the copies made by the broadcast",)
    if f.kind == "spread":
        return ("1 for every entry that was summed",)
    if f.g is not None and f.g.op == "var" and f.g.name in ("d" + w.top, "d" + w.output):
        return (w.ex(f.vjp),)
    return ("acts as ", row(w.q(f.g), "↦", w.ex(f.vjp)))


def _factor_source(w: Writer, f: Factor) -> tuple:
    head = (w.equation(f.equation),) if f.root is f.equation.expr else (w.q(f.num),)
    return (*head, f": {rule_names(f)}")


def _chain_section(x: Explanation, w: Writer) -> list:
    blocks: list = [Heading(2, ("The chain rule",))]
    if not x.terms:
        return blocks + _top_blocks(x, w)
    blocks.append(Para(_path_sentence(x, w)))
    if len(x.terms) > 1 or len(x.terms[0].factors) > 1:  # one factor would read ∂a/∂b = ∂a/∂b
        blocks.append(Display(_chain_formula(x, w)))
    rows = tuple(_factor_row(x, w, f) for t in x.terms for f in t.factors)
    blocks.append(Table((("factor",), ("what it is",), ("where it comes from",)), rows))
    blocks += _backprop_blocks(x, w)
    return blocks


def _top_blocks(x: Explanation, w: Writer) -> list:
    return [
        Para(
            (
                "This is where the backward pass starts: ",
                row(w.sym(x.quantity), "=", w.ex(x.step.expr)),
                ". In this convention: ",
                x.derivation.convention_note,
                ".",
            )
        )
    ]


def _vjp_line(x: Explanation, w: Writer, f: Factor, term: Term, nxt: Factor | None) -> Display:
    rule = rule_names(f)
    if f.den.op == "var" and f.den.name == x.step.of:
        scale = term.scale if nxt is None else None
        value = f.vjp if scale is None else build.scale(scale, f.vjp)
        if len(x.terms) == 1:
            return Display(row(w.sym(x.quantity), "=", w.ex(value)), (rule,))
        use = f"use {x.terms.index(term) + 1}: "
        return Display(row(w.partial(_term_top(x, term), f.den), "=", w.ex(value)), (use + rule,))
    if f.den.op == "var":
        return Display(row(w.sym("d" + f.den.name), "=", w.ex(f.vjp)), (rule,))
    name = (w.q(nxt.g), "=") if nxt is not None and nxt.g is not None else ()
    return Display(row(*name, w.partial(x.top, f.den), "=", w.ex(f.vjp)), (rule,))


def _backprop_blocks(x: Explanation, w: Writer) -> list:
    blocks: list = [
        Para(
            (
                "Backprop applies the factors from ",
                w.sym(x.top),
                " down, each as a vector–Jacobian product: the rule sends the adjoint back "
                "without ever building a Jacobian.",
            )
        )
    ]
    for t in x.terms:
        for k, f in enumerate(t.factors):
            if f.kind != "known":
                nxt = t.factors[k + 1] if k + 1 < len(t.factors) else None
                blocks.append(_vjp_line(x, w, f, t, nxt))
    return blocks + _simplified_blocks(x, w)


def _seeded(x: Explanation, e: Expr) -> Expr:
    """``e`` with the seed of the backward pass replaced by its value (``dL = 1``, or ``1/m`` in
    the exact convention): the rules produce it as a name, ``(−dL)``, that means nothing here."""
    known = {
        build.var(s.target, s.shape): s.expr
        for s in x.derivation.steps
        if not any(n.op == "var" for n in walk(s.expr))
    }
    return substitute(e, known) if known else e


def _simplified_blocks(x: Explanation, w: Writer) -> list:
    s = x.step
    raw = _seeded(x, s.raw)
    if len(x.terms) > 1:
        total = s.rewrite.staged if s.rewrite else s.expanded
        return [Para(("The uses add up: ", row(w.sym(s.target), "=", w.ex(total)), "."))]
    together = []
    if text_math(w.ex(s.expanded)) != text_math(w.ex(s.expr)):
        together = [Para(("Together: ", row(w.sym(s.target), "=", w.ex(s.expanded)), "."))]
    if text_math(w.ex(raw)) == text_math(w.ex(s.expr)):
        return together
    worked = any(a.lines for a in x.answers)
    return [
        Para(
            (
                "As the rules produce it, ",
                row(w.sym(s.target), "=", w.ex(raw)),
                "; the elementwise algebra (SymPy, no special cases) simplifies it to ",
                row(w.sym(s.target), "=", w.ex(s.expr)),
                " — worked out line by line under 'Questions learners ask'." if worked else ".",
            )
        )
    ] + together


def _numbered(blocks: list) -> list:
    """Number the sections in order: ``1. The chain rule``, ``2. The dimensions``, …"""
    out, k = [], 0
    for b in blocks:
        if isinstance(b, Heading) and b.level == 2:
            k += 1
            b = Heading(2, (f"{k}. ", *b.parts))
        out.append(b)
    return out


def explanation_document(x: Explanation) -> Document:
    """The whole explanation, section by section."""
    w = Writer(x.naming, x.top, x.derivation.program.output)
    blocks = _intro(x, w) + _chain_section(x, w) + conv_section(x, w) + rewrite_section(x, w)
    for section in (dimension_section, index_section, hadamard_section, derivative_section):
        blocks += section(x, w)
    blocks += questions_section(x)
    blocks += lj_section(x, w) + numbers_section(x, w) + variants_section(x, w)
    blocks += rules_section(x)
    blocks = _numbered(blocks)
    title = _title(x, w)
    plain = "".join(p if isinstance(p, str) else text_math(p) for p in title)
    return Document(title, plain, tuple(blocks))
