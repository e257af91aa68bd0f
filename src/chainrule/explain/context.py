"""The context of a step: L versus J, the numeric check, the other conventions, the reading.

Sections of an explanation (see :mod:`chainrule.explain.compose`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..rules.primitives import PRIMITIVES
from .chain import Factor
from .doc import (
    Display,
    Heading,
    Items,
    Mat,
    Para,
    Prose,
    Rec,
    ShapeM,
    Txt,
    row,
)
from .notation import text_math
from .writer import Writer, bound, names

if TYPE_CHECKING:  # the explanation calls these sections; they only read it
    from .explanation import Explanation

__all__ = ["lj_section", "numbers_section", "variants_section", "rules_section"]


# -- L versus J ---------------------------------------------------------------------------------
def lj_section(x: Explanation, w: Writer) -> list:
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
                *names(w, params),
                ".",
            )
        )
    return Para((*head, f"In the exact convention it is ∂J/∂·, so every {unit} carries 1/{m}."))


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
    arr = arr.reshape(-1, arr.shape[-1])  # an image batch: one row per (i, h, w), channels across
    return Mat(tuple(tuple(float(v) for v in r) for r in arr))


def numbers_section(x: Explanation, w: Writer) -> list:
    import numpy as np

    n = x.numbers
    of = x.derivation.program.names[x.step.of]
    m = f"m = {n.m}, " if n.m else ""
    where = _perturbation_words(x, w)
    verdict = "they agree" if n.agree else "THEY DISAGREE"
    if not np.isfinite(n.max_error):  # hardening (#16): NaN never agrees, and says so
        verdict = "NaN or ∞ in the numbers: THE CHECK FAILS"
    return [
        Heading(2, (f"A numeric check ({m}seed {n.seed})",)),
        Para(
            (
                "Random inputs (",
                *names(w, list(n.inputs)),
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
    same = text_math(vw.ex(v.formula)) == text_math(w.ex(x.step.expanded))
    reads = "The formula reads the same, but the adjoints in it differ. " if same else ""
    blocks.append(Para((reads + _relation_words(v, x.numbers.m),)))
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


def variants_section(x: Explanation, w: Writer) -> list:
    blocks: list = []
    for v in x.variants:
        blocks += _variant_blocks(x, w, v)
    return [Heading(2, ("In the other convention and layout",)), *blocks] if blocks else []


# -- rules and reading --------------------------------------------------------------------------
def rules_section(x: Explanation) -> list:
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
