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
    "sign-error": "Check the signs: a term has the wrong one.",
    "stray-factor": "A constant factor is off: check where each factor (1/m, 2, ½) comes from.",
    "derivative-with-Z": "The activation's derivative is written with the wrong variable: check "
    "whether your expression for g′(Z) is in terms of A = g(Z) or of Z.",
    "derivative-times-Z": "g′(Z) is the derivative evaluated at Z, not g′ multiplied by Z.",
    "output-formula-at-hidden-layer": "A − Y belongs to the output layer (its loss and activation "
    "together); a hidden layer's gradient comes from the layer above, through its weights.",
    "bce-with-softmax": "With softmax and cross-entropy the binary cross-entropy's derivative does "
    "not apply: softmax couples the classes.",
    "softmax-as-elementwise": "Softmax couples the entries of each example: its derivative is not "
    "taken entry by entry.",
    "sum-of-product": "The matrix product already adds up over the examples: no extra sum.",
    "inverse-for-transpose": "Going back through a matrix product uses the transpose of the other "
    "factor, not its inverse.",
    "l2-sum": "The L2 term's gradient has one entry per weight: it is not summed.",
    "l2-coefficient": "Check the coefficient of the L2 term: differentiate (λ/2m) Σ ‖W[l]‖².",
    "l2-half": "The ½ of (λ/2m) Σ ‖W[l]‖² cancels when the square is differentiated.",
    "l2-on-bias": "The L2 penalty is on the weights only, not on the biases.",
    "dropout-not-rescaled": "Inverted dropout divides by keep_prob in the forward pass, so the "
    "gradient is divided by it too.",
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
