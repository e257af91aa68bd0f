"""Feedback that names the mistake without handing over the answer.

The checker's own messages (:mod:`chainrule.check.mistakes`) end with the corrected formula — right
for a learner checking their own work, wrong for a graded exercise. Here each named mistake has a
*nudge*: the principle that was broken, in the learner's terms, with no formula of the answer in
it. The checker's full message and the model answer are added only when the teacher allows it
(``reveal=True``). A mistake this table does not know yet is named by its title.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..check.mistakes import BY_NAME

__all__ = ["NUDGES", "nudge", "title"]

NUDGES: Mapping[str, str] = {
    "missing-transpose": "Going back through a matrix product multiplies the gradient by the "
    "transpose of the other factor; the shapes tell you which factor needs it.",
    "extra-transpose": "Only the factor the gradient goes back through is transposed; one of "
    "your transposes is not needed.",
    "transposed-result": "Your formula computes the transpose of {T}, which must have the shape "
    "of {Of}, {shape}. Remember (A B)ᵀ = Bᵀ Aᵀ.",
    "product-order": "Matrix products do not commute: check the order of the factors against "
    "the shapes.",
    "missing-1/m": "{T} is a gradient of the cost J = (1/m) Σᵢ L⁽ⁱ⁾ in this convention, so it "
    "carries a factor 1/m.",
    "extra-1/m": "Count your factors 1/m: J = (1/m) Σᵢ L⁽ⁱ⁾ contributes exactly one, and in this "
    "convention {where}.",
    "activation-instead-of-derivative": "Going back through A = g(Z) multiplies by the "
    "derivative g′(Z), not by g(Z) itself.",
    "wrong-activation-derivative": "Check which activation this layer uses: its derivative is "
    "the one that belongs here.",
    "derivative-at-A": "The activation's derivative is evaluated at Z (A = g(Z)); written with A, "
    "it must be g′(Z) expressed through A.",
    "missing-activation-derivative": "Between dA and dZ lies the activation A = g(Z): its "
    "derivative g′(Z) multiplies entry by entry.",
    "elementwise-for-matmul": "Going back through a matrix product sums over the shared "
    "dimension, which only a matrix product (@) does, not the elementwise *.",
    "matmul-for-elementwise": "The derivative of an elementwise function multiplies entry by "
    "entry (*, ⊙), not as a matrix product.",
    "wrong-sum-axis": "The sum must add up the examples, which are the {examples} here: check "
    "the axis.",
    "lost-keepdims": "{T} has shape {shape}: keep the summed axis (keepdims=True).",
    "missing-regularization": "The cost includes the L2 penalty (λ/2m) Σ ‖W[l]‖², which adds "
    "its own term to dW.",
    "missing-dropout-mask": "The forward pass multiplied A by the dropout mask, so the gradient "
    "goes back through the same mask.",
    "wrong-layer-index": "One of the quantities is from the wrong layer: check each layer number.",
}

_WHERE = {
    "course": "dZ and dA have none (they are per-example gradients); dW and db take it once",
    "exact": "it enters at the top and the chain rule carries it down; nothing divides by m again",
}


def title(name: str) -> str:
    """``"a missing 1/m"``: the mistake's title from the library, or its name."""
    mistake = BY_NAME.get(name)
    return mistake.title if mistake is not None else name.replace("-", " ")


def nudge(name: str, fields: Mapping[str, str]) -> str:
    """The principle behind mistake ``name``, filled with ``T``, ``Of``, ``shape``, …"""
    template = NUDGES.get(name)
    if template is None:
        return f"It looks like {title(name)}."
    where = _WHERE.get(str(fields.get("convention")), "")
    return template.format(**{**fields, "where": where})
