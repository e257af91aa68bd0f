"""Why the formula has its form: the dimensions, the indices, ⊙, and the elementwise derivative.

Sections of an explanation (see :mod:`chainrule.explain.compose`), each written from the arguments
computed in :mod:`chainrule.explain.arguments` and the primitives' records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..ir import build
from ..ir.expr import Expr
from ..rules.primitives import PRIMITIVES
from .arguments import Derivative, IndexArgument, ShapeArgument
from .chain import Factor
from .doc import (
    Call,
    Display,
    Heading,
    Math,
    Para,
    Partial,
    Prose,
    Rec,
    ShapeM,
    Sym,
    Table,
    row,
)
from .notation import text_math
from .writer import Writer

if TYPE_CHECKING:  # the explanation calls these sections; they only read it
    from .explanation import Explanation

__all__ = ["dimension_section", "index_section", "hadamard_section", "derivative_section"]


# -- the dimension argument ---------------------------------------------------------------------
def _arrangement_row(w: Writer, a: object) -> tuple:
    product = (row(w.ex(a.left), w.ex(a.right)),)
    shapes = (ShapeM(a.left.shape), " · ", ShapeM(a.right.shape))
    if a.shape is None:
        verdict = (f"does not chain ({a.left.shape[1]} ≠ {a.right.shape[0]})",)
    else:
        verdict = (ShapeM(a.shape), " ✓" if a.fits else " — wrong shape")
    return (product, shapes, verdict)


def _shape_blocks(x: Explanation, w: Writer, s: ShapeArgument) -> list:
    f = s.factor
    fits = s.fitting
    head = (
        w.sym("d" + f.den.name) if f.den.op == "var" else w.partial(x.top, f.den),
        " must have the shape of ",
        *w.shaped(f.den),
        ". What is available: the adjoint ",
        *w.shaped(f.g),
        " and ",
        *w.shaped(f.value),
        ". Every way of multiplying them:",
    )
    rows = tuple(_arrangement_row(w, a) for a in s.arrangements)
    blocks = [Para(head), Table((("product",), ("shapes",), ("result",)), rows)]
    return blocks + [Para(_shape_verdict(w, s, fits))]


def _shape_verdict(w: Writer, s: ShapeArgument, fits: tuple) -> tuple:
    rule = PRIMITIVES["matmul"].shape_argument if "matmul" in PRIMITIVES else ""
    if len(fits) == 1:
        chain = row(w.q(s.factor.g), "·", w.ex(s.factor.value))
        return (
            "Only ",
            w.ex(s.chosen),
            " has the right shape: the chain's product ",
            chain,
            " is carried out as ",
            w.ex(s.chosen),
            ". In general: ",
            Prose(rule),
        )
    names = [row(w.ex(a.left), w.ex(a.right)) for a in fits]
    parts: list = [f"Shapes alone leave {len(fits)} candidates here ("]
    for k, n in enumerate(names):
        parts += ([", "] if k else []) + [n]
    return (
        *parts,
        "), because two of the dimensions happen to be equal; the index argument below decides: ",
        w.ex(s.chosen),
        ".",
    )


def _elementwise_shape(x: Explanation, w: Writer, f: Factor) -> list:
    shape = f.den.shape
    if len(shape) != 2:
        return []
    if f.g.op == "var" and f.g.name in ("d" + w.top, "d" + w.output):
        # the top's own adjoint is 1: the derivative is the gradient, entry by entry
        what = ("The derivative ", w.ex(f.value), " has the shape of ", *w.shaped(f.den))
        return [Para((*what, ": one entry of the gradient for each entry of ", w.q(f.den), "."))]
    chains = shape[1] == shape[0]
    why = "would chain only because the matrix is square" if chains else "does not even chain"
    return [
        Para(
            (
                "The adjoint ",
                *w.shaped(f.g),
                " and the derivative ",
                w.ex(f.value),
                " both have the shape of ",
                *w.shaped(f.den),
                ": they combine entry by entry. A matrix product of two ",
                ShapeM(shape),
                f" matrices {why}.",
            )
        )
    ]


def _sum_shape(x: Explanation, w: Writer, f: Factor) -> list:
    rule = PRIMITIVES["broadcast"].shape_argument
    spread = [
        f"axis {k} (length {g})"
        for k, (g, d) in enumerate(zip(f.g.shape, f.den.shape, strict=False))
        if d == 1 and g != 1
    ]
    return [
        Para(
            (
                "The adjoint ",
                *w.shaped(f.g),
                " is bigger than ",
                *w.shaped(f.den),
                ": the gradient must add up what the broadcast spread, summing over "
                + (" and ".join(spread) or "every entry")
                + ". In general: ",
                Prose(rule),
            )
        )
    ]


def dimension_section(x: Explanation, w: Writer) -> list:
    blocks: list = []
    shapes = {id(s.factor): s for s in x.shapes}
    for f in (f for t in x.terms for f in t.factors):
        if id(f) in shapes:
            blocks += _shape_blocks(x, w, shapes[id(f)])
        elif f.kind == "elementwise":
            blocks += _elementwise_shape(x, w, f)
        elif f.kind == "sum":
            blocks += _sum_shape(x, w, f)
    return [Heading(2, ("The dimensions",)), *blocks] if blocks else []


# -- the index argument -------------------------------------------------------------------------
def _index_blocks(x: Explanation, w: Writer, a: IndexArgument) -> list:
    f = a.factor
    source = w.equation(f.equation) if f.root is f.equation.expr else w.q(f.num)
    batch = _batch_letter(x, a)
    intro = ["Entry by entry", f" ({batch} numbers the examples)" if batch else "", ", ", source]
    blocks: list = [Para((*intro, " reads")), Display(row(a.lhs, "=", a.premise))]
    blocks.append(Para(_index_because(w, a)))
    tail = ("=", a.matrix) if a.matrix is not None else ()
    blocks.append(Display(row(a.target, "=", a.conclusion, *tail)))
    note = _index_note(w, a)
    if note:
        blocks.append(Para(note))
    return blocks


def _batch_letter(x: Explanation, a: IndexArgument) -> str | None:
    root = a.factor.root
    batch = x.naming.batch
    if batch is None or batch not in root.shape or not a.premise.letters:
        return None
    return a.premise.letters[root.shape.index(batch)]


def _index_because(w: Writer, a: IndexArgument) -> tuple:
    f = a.factor
    if f.kind == "elementwise":
        return ("Each entry depends only on the entry in the same place: nothing to add up.",)
    if a.summed and f.kind in ("matrix", "sum"):
        letters = ", ".join(a.summed)
        return (
            "The entry ",
            _entry(w, f.den, a.letters),
            " appears in ",
            a.lhs,
            f" for every {letters}, and a quantity used several times receives the sum of the "
            "gradients of its uses:",
        )
    if a.summed:
        return ("Differentiating entry by entry, every use added up (the sums):",)
    return ("Differentiating entry by entry:",)


def _entry(w: Writer, e: Expr, letters: tuple) -> Math:
    from .arguments import lowered

    if e.op == "var":
        return Sym(e.name, w.naming, tuple(letters), lowered(e.name, e.shape, w.naming))
    return w.ex(e)


def _index_note(w: Writer, a: IndexArgument) -> tuple:
    f = a.factor
    if f.kind != "matrix" or not a.summed:
        return ()
    which = "first (row)" if f.side == "left" else "second (column)"
    return (
        f"The sum runs over the {which} index of ",
        w.ex(f.value),
        "; pairing it that way is a product with the transpose, ",
        w.ex(build.transpose(f.value) if f.value.op != "transpose" else f.value.args[0]),
        f", placed on the {f.side} — the matrix product rule in index form: ",
        Rec(PRIMITIVES["matmul"].index_form),
    )


def index_section(x: Explanation, w: Writer) -> list:
    blocks: list = []
    for a in x.indices:
        blocks += _index_blocks(x, w, a)
    return [Heading(2, ("The indices",)), *blocks] if blocks else []


# -- why ⊙, and the derivative ------------------------------------------------------------------
def _per_example_size(x: Explanation, e: Expr) -> str:
    dims = [d for d in e.shape if d != x.naming.batch]
    size = 1
    for d in dims:
        size = size * d if isinstance(d, int) else f"{size}·{d}"
    return str(size)


def _hadamard_blocks(x: Explanation, w: Writer, f: Factor) -> list:
    n = _per_example_size(x, f.den)
    per_example = x.naming.batch in f.den.shape
    one = "one example (one column of" if x.layout != "rows" else "one example (one row of"
    scope = (f"So for {one} ", w.q(f.den), ")") if per_example else ("So",)
    record = PRIMITIVES["fn"] if "fn" in f.ops else PRIMITIVES.get("mul")
    return [
        Para(
            (
                w.equation(f.equation) if f.root is f.equation.expr else w.q(f.num),
                " works entry by entry: each entry depends on the entry of ",
                w.q(f.den),
                " in the same place and on no other. ",
                *scope,
                " the Jacobian ",
                Partial(w.q(f.num), w.q(f.den)),
                f" is a diagonal {n} × {n} matrix, diag(d) with d = ",
                w.ex(f.value),
                ", and a diagonal matrix times a vector is the elementwise product: "
                "diag(d) v = d ⊙ v. That is why the chain rule's product is ⊙ here, not a matrix "
                "product. In general: ",
                Prose(record.justification if record else ""),
            )
        )
    ]


def _coupled_blocks(x: Explanation, w: Writer, f: Factor) -> list:
    n = _per_example_size(x, f.den)
    return [
        Para(
            (
                w.equation(f.equation) if f.root is f.equation.expr else w.q(f.num),
                " is not entry by entry: through its sum, each entry depends on several "
                "entries of ",
                w.q(f.den),
                ", so the Jacobian ",
                Partial(w.q(f.num), w.q(f.den)),
                f" is a full {n} × {n} matrix per example, not a diagonal one. That is why the "
                "rule's result above has a sum in it and is not a plain ⊙.",
            )
        )
    ]


def hadamard_section(x: Explanation, w: Writer) -> list:
    blocks: list = []
    for f in (f for t in x.terms for f in t.factors):
        if f.kind == "elementwise" and ({"fn", "mul"} & set(f.ops)):
            blocks += _hadamard_blocks(x, w, f)
        elif f.kind == "composite" and {"fn", "sum"} <= set(f.ops) and f.den.shape == f.num.shape:
            blocks += _coupled_blocks(x, w, f)
    return [Heading(2, ("Why ⊙ and not a matrix product",)), *blocks] if blocks else []


def _function_names(dv: Derivative) -> tuple[Call, Call | None]:
    """``tanh′`` (its own name) and ``g[1]′`` (the course's, for a layer's activation)."""
    from ..printers.latex import function_latex

    rec = dv.record
    own = (
        Call(f"{rec.text}′", function_latex(rec) + "'", dv.argument)
        if rec.name != "power"
        else Call("f′", "f'", dv.argument)
    )
    course = (
        Call(f"g[{dv.layer}]′", f"g^{{[{dv.layer}]\\prime}}", dv.argument) if dv.layer else None
    )
    return own, course


def _derivative_blocks(dv: Derivative) -> list:
    blocks: list = [Display(row("d/dz", dv.formula, "=", dv.derivative))]
    if dv.applied is None:
        return blocks
    own, course = _function_names(dv)
    parts: list = ["Applied to ", dv.argument, ": "]
    parts += [course, " = "] if course else []
    parts += [own, " = ", dv.raw]
    if text_math(dv.raw) != text_math(dv.applied):
        parts += [" = ", dv.applied, " — written with values the forward pass already has"]
    return blocks + [Para((*parts, "."))]


def derivative_section(x: Explanation, w: Writer) -> list:
    blocks: list = []
    for dv in x.derivatives:
        blocks += _derivative_blocks(dv)
    if not blocks:
        return []
    intro = Para(
        (
            "The derivatives of the elementwise functions, worked out by SymPy from their "
            "formulas (no table of derivatives):",
        )
    )
    return [Heading(2, ("The elementwise derivative",)), intro, *blocks]
