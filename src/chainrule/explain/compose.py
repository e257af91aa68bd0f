"""An :class:`~chainrule.explain.Explanation` written out as a document: the explainer's prose.

Every sentence is assembled from the explanation's data and the primitives' records; the only
fixed wording is the connective text a mentor would use ("the chain rule multiplies the local
derivatives along that path"). Sections: the chain; the dimensions; the indices; why ⊙; the
elementwise function's derivative; L versus J; a numeric check; the other conventions and layouts;
the rules used and further reading.
"""

from __future__ import annotations

from ..ir import build
from ..ir.expr import Expr
from ..rules.primitives import PRIMITIVES
from .arguments import Derivative, IndexArgument, ShapeArgument
from .chain import Factor, Term
from .doc import (
    Call,
    Display,
    Document,
    Ex,
    Heading,
    Items,
    Mat,
    Math,
    Naming,
    Para,
    Partial,
    Prose,
    Rec,
    ShapeM,
    Sym,
    Table,
    Txt,
    row,
)
from .explanation import Explanation
from .notation import text_math

__all__ = ["explanation_document", "Writer"]

_PASS_OPS = ("add",)


class Writer:
    """Small helpers that turn names and formulas of one program into math nodes."""

    def __init__(self, naming: Naming, top: str, output: str = "J") -> None:
        self.naming, self.top, self.output = naming, top, output

    def sym(self, name: str) -> Sym:
        return Sym(name, self.naming)

    def ex(self, e: Expr) -> Ex:
        return Ex(e, self.naming)

    def q(self, e: Expr) -> Math:
        """A quantity: its name if it has one, else its formula."""
        return self.sym(e.name) if e.op == "var" else self.ex(e)

    def partial(self, num: Expr | str, den: Expr) -> Partial:
        top = self.sym(num) if isinstance(num, str) else self.q(num)
        return Partial(top, self.q(den))

    def equation(self, eq: object) -> Math:
        return row(self.sym(eq.name), "=", self.ex(eq.expr))

    def shaped(self, e: Expr) -> tuple:
        return (self.q(e), " ", ShapeM(e.shape))


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


def _lhs(x: Explanation, w: Writer, term: Term) -> Math:
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
    items: list = [_lhs(x, w, x.terms[0]), "="]
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


def _rule_names(f: Factor) -> str:
    names = [PRIMITIVES[op].rule for op in f.ops if op in PRIMITIVES]
    return ", then ".join(dict.fromkeys(names))


def _factor_source(w: Writer, f: Factor) -> tuple:
    head = (w.equation(f.equation),) if f.root is f.equation.expr else (w.q(f.num),)
    return (*head, f": {_rule_names(f)}")


def _chain_section(x: Explanation, w: Writer) -> list:
    blocks: list = [Heading(2, ("The chain rule",))]
    if not x.terms:
        return blocks + _top_blocks(x, w)
    blocks.append(Para(_path_sentence(x, w)))
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
                f". {x.derivation.convention_note[0].upper()}{x.derivation.convention_note[1:]}.",
            )
        )
    ]


def _vjp_line(x: Explanation, w: Writer, f: Factor, term: Term, nxt: Factor | None) -> Display:
    rule = _rule_names(f)
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


def _simplified_blocks(x: Explanation, w: Writer) -> list:
    s = x.step
    if len(x.terms) > 1:
        return [Para(("The uses add up: ", row(w.sym(s.target), "=", w.ex(s.expanded)), "."))]
    together = []
    if text_math(w.ex(s.expanded)) != text_math(w.ex(s.expr)):
        together = [Para(("Together: ", row(w.sym(s.target), "=", w.ex(s.expanded)), "."))]
    if text_math(w.ex(s.raw)) == text_math(w.ex(s.expr)):
        return together
    return [
        Para(
            (
                "As the rules produce it, ",
                row(w.sym(s.target), "=", w.ex(s.raw)),
                "; the elementwise algebra (SymPy, no special cases) simplifies it to ",
                row(w.sym(s.target), "=", w.ex(s.expr)),
                ".",
            )
        )
    ] + together


# -- the dimension argument ---------------------------------------------------------------------
def _arrangement_row(w: Writer, a: object, wanted: tuple) -> tuple:
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
    rows = tuple(_arrangement_row(w, a, s.wanted) for a in s.arrangements)
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
    rule = PRIMITIVES["broadcast"].shape_argument if "broadcast" in PRIMITIVES else ""
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


def _dimension_section(x: Explanation, w: Writer) -> list:
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


def _index_section(x: Explanation, w: Writer) -> list:
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


def _hadamard_section(x: Explanation, w: Writer) -> list:
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


def _derivative_blocks(w: Writer, dv: Derivative) -> list:
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


def _derivative_section(x: Explanation, w: Writer) -> list:
    blocks: list = []
    for dv in x.derivatives:
        blocks += _derivative_blocks(w, dv)
    if not blocks:
        return []
    intro = Para(
        (
            "The derivatives of the elementwise functions, worked out by SymPy from their "
            "formulas (no table of derivatives):",
        )
    )
    return [Heading(2, ("The elementwise derivative",)), intro, *blocks]


# -- L versus J ---------------------------------------------------------------------------------
def _lj_section(x: Explanation, w: Writer) -> list:
    a = x.averaging
    if a.batch is None:
        return [
            Heading(2, ("L and J",)),
            Para(
                (
                    w.sym(x.top),
                    " is one scalar and no dimension counts examples, so there is no average "
                    "here: ",
                    w.sym(x.quantity),
                    " is ",
                    w.partial(x.top, x.derivation.program.names[x.step.of]),
                    " with the shape ",
                    ShapeM(x.step.shape),
                    ".",
                )
            ),
        ]
    blocks = [_per_example_para(x, w)] if a.per_example else [_averaged_para(x, w)]
    blocks += [_adder_para(x, w, f) for f in a.sums_examples]
    if a.convention == "exact" and a.seed_step is not None:
        blocks.append(_exact_para(x, w))
    return [Heading(2, ("L and J: per example or averaged",)), *blocks]


def _per_example_para(x: Explanation, w: Writer) -> Para:
    a, m = x.averaging, x.averaging.batch
    unit = "column" if a.batch_axis == 1 else "row"
    params = [s.target for s in x.derivation.steps if s.factor is not None]
    head = (w.sym(x.quantity), " has shape ", ShapeM(x.step.shape), f": one {unit} per example. ")
    if a.convention == "course":
        return Para(
            (
                *head,
                f"In the course convention {unit} i is the gradient of that example's own loss "
                f"L⁽ⁱ⁾ — no 1/{m} here. (Side by side, the {unit}s are the gradient of "
                f"Σᵢ L⁽ⁱ⁾ = {m}·J, which is what the numeric check below differentiates.) 1/{m} "
                "enters only where the examples are added up, in the parameter gradients ",
                *_names(w, params),
                ".",
            )
        )
    return Para((*head, f"In the exact convention it is ∂J/∂·, so every {unit} carries 1/{m}."))


def _names(w: Writer, names: list[str]) -> list:
    out: list = []
    for k, n in enumerate(names):
        out += ([", "] if k else []) + [w.sym(n)]
    return out


def _averaged_para(x: Explanation, w: Writer) -> Para:
    m = x.averaging.batch
    q = w.sym(x.step.of)
    factor = x.averaging.factor
    tail = (
        (
            f"So ∂J/∂· = (1/{m}) Σᵢ ∂L⁽ⁱ⁾/∂·: the sum adds up the examples, and the factor ",
            w.ex(factor),
            " — the course's 1/m — makes it the average. ",
            w.sym(x.quantity),
            " is a gradient of J.",
        )
        if factor is not None
        else (
            f"In the exact convention the 1/{m} is already inside the adjoints it is built from.",
        )
    )
    return Para(
        (
            q,
            f" is shared by all {m} examples, and J = (1/{m}) Σᵢ L⁽ⁱ⁾ averages their losses. ",
            *tail,
        )
    )


def _adder_para(x: Explanation, w: Writer, f: Factor) -> Para:
    m = x.averaging.batch
    if f.kind == "sum":
        record = PRIMITIVES.get("broadcast")
        return Para(
            (
                "In ",
                w.equation(f.equation),
                " the same ",
                w.q(f.den),
                f" is added to every example: it is broadcast across the {m} examples, and the "
                "adjoint of a broadcast is a sum over the copies. ",
                Prose(record.justification if record else ""),
            )
        )
    return Para(
        (
            "In ",
            w.ex(f.vjp),
            f" the inner dimension of the matrix product is {m}: the product itself adds up the "
            "contributions of the examples.",
        )
    )


def _exact_para(x: Explanation, w: Writer) -> Para:
    s = x.averaging.seed_step
    return Para(
        (
            "Where 1/m enters in the exact convention: at the top, ",
            row(w.sym(s.target), "=", w.ex(s.expr)),
            ", because J = (1/m) Σᵢ L⁽ⁱ⁾; from there it travels down through every step.",
        )
    )


# -- numbers ------------------------------------------------------------------------------------
def _mat(a: object) -> Mat:
    import numpy as np

    arr = np.atleast_2d(np.asarray(a, dtype=float))
    return Mat(tuple(tuple(float(v) for v in r) for r in arr))


def _numbers_section(x: Explanation, w: Writer) -> list:
    n = x.numbers
    of = x.derivation.program.names[x.step.of]
    m = f"m = {n.m}, " if n.m else ""
    where = _perturbation_words(x, w)
    verdict = "they agree" if n.agree else "THEY DISAGREE"
    return [
        Heading(2, (f"A numeric check ({m}seed {n.seed})",)),
        Para(
            (
                "Random inputs (",
                *_names(w, list(n.inputs)),
                "); the formula, evaluated by chainrule's reference interpreter on the "
                "derivation, gives",
            )
        ),
        Display(row(w.sym(x.quantity), "=", _mat(n.formula))),
        Para(
            (
                f"Central differences of {n.objective} with respect to each entry of ",
                w.q(of),
                f" (step ε·max(|x|, 0.01) with ε = {n.eps:g}; ",
                *where,
                ") give",
            )
        ),
        Display(row(Txt("estimate"), "=", _mat(n.estimate))),
        Para(
            (
                f"Largest difference below {bound(n.max_error)} (relative below "
                f"{bound(n.relative_error)}): {verdict}.",
            )
        ),
    ]


def bound(x: float) -> str:
    """An upper bound as a power of ten, ``3.2e-10`` → ``1e-09``: stable across machines."""
    import math

    return "1e+00" if x <= 0 else f"{10.0 ** math.ceil(math.log10(x)):.0e}"


def _perturbation_words(x: Explanation, w: Writer) -> tuple:
    program = x.derivation.program
    names = [eq.name for eq in program.equations]
    if x.step.of not in names:
        return ("the whole forward pass re-run",)
    i = names.index(x.step.of)
    after = names[i + 1] if i + 1 < len(names) else program.output
    return ("perturbed in place, the forward pass re-run from ", w.sym(after), " on")


# -- conventions and layouts --------------------------------------------------------------------
def _variant_blocks(x: Explanation, w: Writer, v: object) -> list:
    vw = Writer(v.naming, x.top)
    if v.convention != x.convention:
        label = f"{v.convention.capitalize()} convention: "
        why = _convention_words(v.convention)
    else:
        label = f"Examples as {v.layout}: "
        why = "every per-example matrix and every weight is transposed, and transposing a "
        why += "product reverses it, (W A)ᵀ = Aᵀ Wᵀ, so every matrix product swaps its order"
    blocks: list = [Para((label, why, "."))]
    if v.equation is not None:
        blocks.append(Display(vw.equation(v.equation)))
    blocks.append(Display(row(vw.sym(x.quantity), "=", vw.ex(v.formula))))
    blocks.append(Para((_relation_words(v, x.numbers.m),)))
    return blocks


def _convention_words(convention: str) -> str:
    from ..autodiff.derivation import CONVENTIONS

    return CONVENTIONS[convention]


def _relation_words(v: object, m: int) -> str:
    check = "checked on the numbers above" if v.checked else "NOT confirmed by the numbers"
    if v.relation == "transposed":
        return f"Its value is the transpose of the one above ({check})."
    if v.relation == "same":
        return f"Its value is the same as above ({check})."
    named = {1 / m: "1/m", float(m): "m"} if m else {}
    label = next((n for r, n in named.items() if abs(v.ratio - r) < 1e-9), None)
    times = f"{label} = {v.ratio:.6g}" if label else f"{v.ratio:.6g}"
    return f"Its value is {times} times the one above ({check})."


def _variants_section(x: Explanation, w: Writer) -> list:
    blocks: list = []
    for v in x.variants:
        blocks += _variant_blocks(x, w, v)
    return [Heading(2, ("In the other convention and layout",)), *blocks] if blocks else []


# -- rules and reading --------------------------------------------------------------------------
def _rules_section(x: Explanation) -> list:
    ops = dict.fromkeys(op for t in x.terms for f in t.factors for op in f.ops)
    items = []
    for op in ops:
        p = PRIMITIVES.get(op)
        if p is not None:
            items.append((f"{p.title}, {p.rule}: ", Prose(p.justification), " ", Rec(p.index_form)))
    blocks: list = [Heading(2, ("The rules used, and further reading",))]
    blocks += [Items(tuple(items))] if items else []
    blocks += [Items(tuple((r,) for r in x.reading))] if x.reading else []
    return blocks if len(blocks) > 1 else []


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
    blocks = _intro(x, w) + _chain_section(x, w)
    for section in (_dimension_section, _index_section, _hadamard_section, _derivative_section):
        blocks += section(x, w)
    blocks += _lj_section(x, w) + _numbers_section(x, w) + _variants_section(x, w)
    blocks += _rules_section(x)
    blocks = _numbered(blocks)
    title = _title(x, w)
    plain = "".join(p if isinstance(p, str) else text_math(p) for p in title)
    return Document(title, plain, tuple(blocks))
