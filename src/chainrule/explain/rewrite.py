"""The section that explains a compact form: which use gave which term, and the identities used.

A step rewritten after reverse mode (:mod:`chainrule.autodiff.compact`) carries its staged formula,
the identities used and each use rewritten the same way. This section shows them in that order,
then the lesson of the pattern: for a normalisation, what each of the three paths removes and why
the shared scale and shift collect sums; for a softmax, why diag(s) − s sᵀ collapses to one row sum.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..autodiff.derivation import Rewrite
from ..ir.expr import Expr, walk
from .doc import Display, Heading, Items, Para, ShapeM, row
from .writer import Writer

if TYPE_CHECKING:  # the explanation calls these sections; they only read it
    from .explanation import Explanation

__all__ = ["rewrite_section"]


def rewrite_section(x: Explanation, w: Writer) -> list:
    r = x.step.rewrite
    if r is None:
        return []
    target = w.sym(x.step.target)
    blocks: list = [
        Heading(2, ("The compact form",)),
        Para(("Reverse mode wrote it one use at a time:",)),
        Display(row(target, "=", w.ex(r.staged))),
        Para(("These identities hold for every input, and with them the formula shortens:",)),
        Items(tuple(_identity(x, w, lhs, rhs) for lhs, rhs in r.identities) + _linearity()),
    ]
    uses = [(c, t) for c, t in zip(x.step.contributions, r.terms, strict=True) if t is not None]
    if len(uses) > 1:
        blocks.append(Para(("Rewritten alike, each use becomes one term of the result:",)))
        blocks.append(Items(tuple(_use(x, w, c.consumer, t) for c, t in uses)))
    blocks.append(Para(("Together: ", row(target, "=", w.ex(x.step.expr)), ".")))
    lesson = {"normalisation": _normalisation, "softmax": _softmax}.get(r.kind)
    return blocks + (lesson(x, w, r) if lesson else [])


def _linearity() -> tuple:
    return (
        (
            "a sum over an axis is linear, and a factor constant along that axis (a broadcast "
            "row or column) comes out of it: Σⱼ cᵢ xᵢⱼ = cᵢ Σⱼ xᵢⱼ, Σⱼ cᵢ = m cᵢ",
        ),
    )


def _identity(x: Explanation, w: Writer, lhs: Expr, rhs: Expr) -> tuple:
    formula = row(w.ex(lhs), "=", w.ex(rhs))
    if lhs.op == "sum" and lhs.args[0].op == "var" and _defines_mean(x, lhs.args[0].name):
        return (formula, f" (the definition of {_defines_mean(x, lhs.args[0].name)}, read back)")
    if lhs.op == "sum":
        return (formula, " (from the identities above)")
    source = next(
        (
            eq.name
            for eq in x.derivation.program.equations
            if eq.expr.shape == lhs.shape and lhs in set(walk(eq.expr))
        ),
        None,
    )
    why = f" (the equation of {source} solved for it)" if source else ""
    return (formula, why)


def _defines_mean(x: Explanation, name: str) -> str | None:
    for eq in x.derivation.program.equations:
        e = eq.expr
        if e.op == "scale" and e.args[1].op == "sum" and e.args[1].args[0].op == "var":
            if e.args[1].args[0].name == name:
                return eq.name
    return None


def _use(x: Explanation, w: Writer, consumer: str, term: Expr) -> tuple:
    return ("the use in ", w.sym(consumer), ": ", w.ex(term))


def _normalisation(x: Explanation, w: Writer, r: Rewrite) -> list:
    of, top = w.sym(x.step.of), w.sym(x.derivation.program.output)
    ways = [c.consumer for c in x.step.contributions]
    parts: list = [of, " reaches ", top, f" {len(ways)} ways — "]
    for k, name in enumerate(ways):
        parts += ([", "] if k else []) + ["through ", w.sym(name)]
    parts += [
        " — and each way is one term. The direct way scales the upstream gradient. The way "
        "through the mean subtracts that gradient's average along the axis: adding one number to "
        "a whole row moves the mean by that number and leaves the normalised values unchanged, "
        "so that part of the gradient must vanish. The way through the variance removes the part "
        "along the normalised values: stretching a row about its mean changes the variance and "
        "leaves the normalised values unchanged.",
    ]
    blocks: list = [Para(tuple(parts))]
    return blocks + _shared(x, w)


def _shared(x: Explanation, w: Writer) -> list:
    """Why the parameters broadcast along the axis (γ, β) collect sums over it."""
    d, out = x.derivation, []
    axis = next((k for k in (0, 1) if x.step.shape[k] != 1 and _sums_over(x.step.expr, k)), None)
    for v in d.program.inputs:
        if axis is None or len(v.shape) != 2 or v.shape[axis] != 1 or "d" + v.name not in d:
            continue
        if v.name not in d.program.params:
            continue
        step = d["d" + v.name]
        out.append(
            Para(
                (
                    w.sym(v.name),
                    " has shape ",
                    ShapeM(v.shape),
                    f" and is broadcast along axis {axis}: every entry along it uses the same ",
                    w.sym(v.name),
                    ", and a "
                    "quantity used several times receives the sum of its uses' gradients "
                    "(the broadcast rule), so ",
                    row(w.sym(step.target), "=", w.ex(step.expr)),
                    " sums over that axis.",
                )
            )
        )
    return out


def _sums_over(e: Expr, axis: int) -> bool:
    return any(n.op == "sum" and n.attrs[0] == axis for n in walk(e))


def _softmax(x: Explanation, w: Writer, r: Rewrite) -> list:
    return [
        Para(
            (
                "Each row s of the softmax has the Jacobian ∂s/∂x = diag(s) − s sᵀ (∂sᵢ/∂xₖ = "
                "sᵢ(δᵢₖ − sₖ)). Backprop never builds it: for the upstream gradient g of that row, "
                "(diag(s) − s sᵀ) g = s ⊙ g − s (sᵀ g) = s ⊙ (g − Σₖ sₖ gₖ). The Jacobian is "
                "symmetric, so no transpose appears, and the n × n matrix collapses to one row "
                "sum and an elementwise product: ",
                row(w.sym(x.step.target), "=", w.ex(x.step.expr)),
                ".",
            )
        )
    ]
