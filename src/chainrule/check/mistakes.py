"""The library of named mistakes: how a learner's backprop formula typically goes wrong.

Each :class:`Mistake` is data: a name, a title, an explanation template in the learner's terms, and
two transformations that are each other's inverse:

* ``mutate`` turns the *correct* formula (as IR) into the mistaken ones — drop a transpose, put
  g(Z) where g′(Z) belongs, sum over the other axis. A learner's formula that is numerically equal
  to one of them, over random draws, is diagnosed as that mistake. Nothing compares strings.
* ``repair`` turns the *learner's* formula (as a Python syntax tree) into candidate fixes — add a
  ``.T``, put ``@`` for ``*``. A formula that does not even type-check (``W2 @ dZ2`` with W2 (1, 4)
  and dZ2 (1, m)) has no IR to compare, so it is diagnosed by the repair that makes it right, and
  that repair is also the corrected formula in the learner's own spelling.

Templates are filled from the fields a transformation reports (``operand``, ``fix``, ``wrong``
…) and from the context (``T``: the quantity in the course's notation, ``Of``: what it
differentiates). A ``prior`` says how often learners make the mistake; :mod:`.search` ranks
diagnoses that fit equally well by it.

This module is the table; the records are :mod:`.records`, the transformations
:mod:`.transforms`, the editing of IR and syntax trees they share :mod:`.edits`.
"""

from __future__ import annotations

from .edits import np_text, replace
from .records import Chain, Context, Mistake, chain_for
from .transforms import (
    _activation_for_derivative,
    _add_keepdims,
    _add_penalty,
    _add_transpose,
    _at_to_star,
    _bce_with_softmax,
    _bias_like_weight,
    _change_axis,
    _derivative_at_A,
    _derivative_times_Z,
    _derivative_twice,
    _derivative_with_Z,
    _drop_constant,
    _drop_derivative,
    _drop_inv_m,
    _drop_minus,
    _drop_transpose,
    _dropout_not_rescaled,
    _elementwise_for_matmul,
    _extra_inv_m,
    _extra_transpose,
    _inverse_for_transpose,
    _l2_coefficient,
    _l2_half,
    _l2_on_bias,
    _l2_sum,
    _lost_keepdims,
    _matmul_for_elementwise,
    _missing_derivative,
    _missing_dropout,
    _missing_inv_m,
    _missing_path,
    _missing_regularization,
    _missing_sum,
    _missing_transpose,
    _none,
    _output_formula_at_hidden,
    _product_order,
    _reindex,
    _sign_error,
    _skipped_weights,
    _softmax_as_elementwise,
    _star_to_at,
    _stray_factor,
    _strict_mask,
    _sum_of_product,
    _swap_factors,
    _times_inv_m,
    _transpose_for_inverse,
    _transposed_result,
    _unsum_product,
    _write_derived,
    _wrong_activation_derivative,
    _wrong_layer_index,
    _wrong_sum_axis,
    factor_title,
    has_nonstrict_mask,
)

__all__ = [
    "Mistake",
    "Context",
    "Chain",
    "MISTAKES",
    "BY_NAME",
    "replace",
    "np_text",
    "chain_for",
    "factor_title",
    "has_nonstrict_mask",
]

MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "missing-path",
        "a path left out",
        {
            "default": "{Of} reaches the cost through {consumer} too, and your formula leaves "
            "that path out: a quantity used several times gets the sum of every use's gradient, "
            "and the use in {consumer} contributes {term}."
        },
        _missing_path,
        prior=0.07,
    ),
    Mistake(
        "missing-transpose",
        "a missing transpose",
        {
            "default": "{operand} needs a transpose: write {fix}. Going back through a matrix "
            "product multiplies the gradient by the transpose of the other factor, which is also "
            "what makes the shapes fit."
        },
        _missing_transpose,
        _add_transpose,
        prior=0.12,
    ),
    Mistake(
        "extra-transpose",
        "a transpose too many",
        {
            "default": "{operand} should not be transposed here: write {fix}. Only the factor "
            "the gradient goes back through is transposed."
        },
        _extra_transpose,
        _drop_transpose,
        prior=0.05,
    ),
    Mistake(
        "transposed-result",
        "the transpose of the gradient",
        {
            "default": "your formula computes the transpose of {T}: its shape is {shape}, but {T} "
            "has the shape of {Of}, {target_shape}. Swap the factors and transpose them "
            "((A B)ᵀ = Bᵀ Aᵀ): {target} = {fix}.",
            "square": "your formula computes the transpose of {T} ({Of} is square, {shape}, so "
            "no shape error shows it). Swap the factors and transpose them ((A B)ᵀ = Bᵀ Aᵀ): "
            "{target} = {fix}.",
        },
        _transposed_result,
        prior=0.04,
    ),
    Mistake(
        "product-order",
        "the factors of a matrix product in the wrong order",
        {
            "default": "the factors of {wrong} are in the wrong order (matrix products do not "
            "commute): write {fix}."
        },
        _product_order,
        _swap_factors,
        prior=0.08,
    ),
    Mistake(
        "missing-1/m",
        "a missing 1/m",
        {
            "param": "{T} is a gradient of the cost J = (1/m) Σᵢ L⁽ⁱ⁾, so it carries the factor "
            "1/m: {target} = {fix}.",
            "exact": "in the exact convention {T} = ∂J/∂{Of} carries the 1/m of J = (1/m) Σᵢ "
            "L⁽ⁱ⁾ (the course's convention leaves it out of dZ and dA): {target} = {fix}.",
            "default": "a factor 1/m is missing: {target} = {fix}.",
        },
        _missing_inv_m,
        _times_inv_m,
        prior=0.1,
    ),
    Mistake(
        "extra-1/m",
        "a 1/m too many",
        {
            "per-example": "this is ∂J/∂{Of}; in the course's convention {T} has no 1/m: dZ and "
            "dA are per-example gradients of the loss L (one column per example), and 1/m enters "
            "only in dW and db. Write {target} = {fix}.",
            "twice": "{T} takes 1/m exactly once, from J = (1/m) Σᵢ L⁽ⁱ⁾, and your formula "
            "divides by m twice (in the course's convention dZ has no 1/m, so the one in {T} is "
            "the only one): {target} = {fix}.",
            "exact": "in the exact convention the 1/m of J = (1/m) Σᵢ L⁽ⁱ⁾ enters once, at the "
            "top, and the chain rule carries it down through every dZ and dA into dW and db; "
            "your formula divides by m again: {target} = {fix}.",
            "default": "there is one factor 1/m too many: {target} = {fix}.",
        },
        _extra_inv_m,
        _drop_inv_m,
        prior=0.1,
    ),
    Mistake(
        "activation-instead-of-derivative",
        "g(Z) where g′(Z) belongs",
        {
            "default": "{g}({Z}) = {A} is used where its derivative {g}′({Z}) belongs: going back "
            "through {A} = {g}({Z}) multiplies the gradient by {g}′({Z}) = {deriv}, entry by "
            "entry. Write {target} = {fix}."
        },
        _activation_for_derivative,
        prior=0.06,
    ),
    Mistake(
        "wrong-activation-derivative",
        "the derivative of the wrong activation",
        {
            "default": "{used} is the derivative of {h}, but layer {l} uses {g}, whose derivative "
            "is {g}′({Z}) = {deriv}: {target} = {fix}."
        },
        _wrong_activation_derivative,
        prior=0.06,
    ),
    Mistake(
        "derivative-at-A",
        "g′ evaluated at A instead of Z",
        {
            "default": "the derivative {g}′ is evaluated at {A} instead of {Z}: {A} = {g}({Z}), "
            "so the chain rule needs {g}′({Z}) = {deriv}. Write {target} = {fix}."
        },
        _derivative_at_A,
        prior=0.04,
    ),
    Mistake(
        "missing-activation-derivative",
        "a missing g′(Z)",
        {
            "default": "the activation's derivative is missing: {A} = {g}({Z}) lies between "
            "{dA} and {T}, so {T} = {dA} ⊙ {g}′({Z}) with {g}′({Z}) = {deriv}. Write "
            "{target} = {fix}."
        },
        _missing_derivative,
        prior=0.06,
    ),
    Mistake(
        "elementwise-for-matmul",
        "an elementwise product where a matrix product belongs",
        {
            "default": "{wrong} multiplies elementwise (*) where a matrix product (@) belongs: "
            "write {fix}. Going back through a matrix product sums over the shared dimension, "
            "which only @ does.",
            "multiply": "{wrong} multiplies elementwise (np.multiply) where a matrix product "
            "(np.dot) belongs: write {fix}. Going back through a matrix product sums over the "
            "shared dimension, which only np.dot does.",
        },
        _elementwise_for_matmul,
        _star_to_at,
        prior=0.08,
    ),
    Mistake(
        "matmul-for-elementwise",
        "a matrix product where an elementwise product belongs",
        {
            "default": "{wrong} is a matrix product (@) where the elementwise product (*, ⊙) "
            "belongs: write {fix}. An elementwise function's Jacobian is diagonal, so the chain "
            "rule multiplies entry by entry."
        },
        _matmul_for_elementwise,
        _at_to_star,
        prior=0.08,
    ),
    Mistake(
        "wrong-sum-axis",
        "a sum over the wrong axis",
        {"default": "{wrong} sums over {wrong_axis}, but {T} sums over {right_axis}: write {fix}."},
        _wrong_sum_axis,
        _change_axis,
        prior=0.06,
    ),
    Mistake(
        "lost-keepdims",
        "a sum that lost keepdims",
        {
            "default": "{wrong} drops the summed dimension, but {T} has shape {target_shape}: "
            "write {fix} (keepdims=True keeps the summed axis, with size 1)."
        },
        _lost_keepdims,
        _add_keepdims,
        prior=0.06,
    ),
    Mistake(
        "missing-regularization",
        "a missing L2 term",
        {
            "default": "the L2 term is missing: the cost has (λ/2m) Σₗ ‖W[l]‖², whose gradient "
            "adds (λ/m) {W} to {T}: {target} = {fix}."
        },
        _missing_regularization,
        _add_penalty,
        prior=0.05,
    ),
    Mistake(
        "missing-dropout-mask",
        "a forgotten dropout mask",
        {
            "default": "the dropout mask is missing: the forward pass multiplied A by {mask}, so "
            "the gradient goes back through the same mask (dropped units get no gradient): "
            "{target} = {fix}."
        },
        _missing_dropout,
        prior=0.05,
    ),
    Mistake(
        "wrong-layer-index",
        "a quantity from the wrong layer",
        {"default": "{wrong} is from the wrong layer: {T} uses {right} there{defined}."},
        _wrong_layer_index,
        _reindex,
        prior=0.05,
    ),
    Mistake(
        "wrong-factor",
        "a wrong factor",
        {
            "default": "the {kind} {wrong} is where it goes wrong: the derivation of {T} has "
            "{right} there.{note} Everything else is right: {target} = {fix}.",
            "several": "the {kind} {wrong} are where it goes wrong: the derivation of {T} has "
            "{right} there.{note} Everything else is right: {target} = {fix}.",
            "extra": "the {kind} {wrong} does not belong: the derivation of {T} has no such "
            "{kind}, and everything else in your formula is right: {target} = {fix}.",
        },
        _none,
        prior=0.01,
    ),
    Mistake(
        "missing-sum",
        "a missing sum over the examples",
        {
            "default": "{T} has the shape of {Of}, {target_shape}, one number per unit: the "
            "bias is added to every example's column, so its gradient sums the examples' "
            "gradients — {local}, the sum over {axis}, with keepdims=True. Write "
            "{target} = {fix}."
        },
        _missing_sum,
        prior=0.05,
    ),
    Mistake(
        "bias-like-weight",
        "the bias gradient written like the weight gradient",
        {
            "default": "{wrong} multiplies in the layer's input {input}, as dW does: but "
            "Z = W A + b adds b to every example's column, so ∂Z/∂b is 1 and no input appears "
            "in {T} — it is {local}, the examples' dZ summed. Write {target} = {fix}."
        },
        _bias_like_weight,
        prior=0.03,
    ),
    Mistake(
        "skipped-weights",
        "the gradient not sent back through the weights",
        {
            "default": "{wrong} is used where {local} belongs: the layer above reaches this one "
            "through its weights, Z = {W} A + b, so the gradient comes back multiplied by "
            "{W}ᵀ (each unit gets the errors of the units it feeds, weighted by {W}). Write "
            "{target} = {fix}."
        },
        _skipped_weights,
        prior=0.06,
    ),
    Mistake(
        "dropout-on-dZ",
        "the dropout mask applied to dZ instead of dA",
        {
            "default": "You apply the mask later, to {later}, instead: the mask multiplies entry "
            "by entry, so {later} comes out the same (⊙ commutes). But {T} itself is the "
            "gradient of the activations the forward pass masked, so it carries the mask: the "
            "forward pass masked A, the backward pass masks dA."
        },
        _none,
        prior=0.03,
    ),
    Mistake(
        "mask-always-one",
        "a relu mask that is all ones",
        {
            "default": "{wrong} is true for every unit: {A} = relu({Z}) is never negative, so "
            "the mask is all ones and the units with {Z} ≤ 0 — which relu cuts off, and which "
            "therefore get no gradient — get one. relu′({Z}) is 1 where {Z} > 0 and 0 elsewhere "
            "(the course takes 0 at exactly 0): write {A} > 0 or {Z} > 0. {target} = {fix}."
        },
        _none,
        _strict_mask,
        prior=0.06,
    ),
    Mistake(
        "sign-error",
        "a sign error",
        {
            "default": "there is a sign error: your formula is the negative of {T}. Write "
            "{target} = {fix}.",
            "term": "there is a sign error: one term has the wrong sign — your formula computes "
            "{wrong} where the derivation has {right_term}. Write {target} = {fix}.",
        },
        _sign_error,
        _drop_minus,
        prior=0.08,
    ),
    Mistake(
        "stray-factor",
        "a stray constant factor",
        {
            "default": "there is {title}: your formula is {k} times {T}. Nothing in the chain "
            "rule brings that number here (a 2 from ‖W‖² or from a square is used up by the "
            "derivative). Write {target} = {fix}."
        },
        _stray_factor,
        _drop_constant,
        prior=0.04,
    ),
    Mistake(
        "derivative-with-Z",
        "the derivative written with Z where it uses A",
        {
            "default": "{used} is {g}′ written with {Z} where its formula uses {A}: {g}′({Z}) = "
            "{deriv} because {A} = {g}({Z}) — in terms of {Z} it is {at_Z}. Write {target} = {fix}."
        },
        _derivative_with_Z,
        prior=0.07,
    ),
    Mistake(
        "derivative-times-Z",
        "g′(Z) read as g′ × Z",
        {
            "default": "{g}′({Z}) is the derivative evaluated at {Z}, not the derivative "
            "multiplied by {Z}: the factor is {deriv} alone. Write {target} = {fix}."
        },
        _derivative_times_Z,
        prior=0.03,
    ),
    Mistake(
        "output-formula-at-hidden-layer",
        "the output layer's formula at a hidden layer",
        {
            "default": "the labels Y enter only at the output layer: A[L] − Y (and the loss's "
            "derivative) belong to layer L, while hidden layer {l} gets its gradient from the "
            "layer above, through W[{n}]ᵀ. Write {target} = {fix}."
        },
        _output_formula_at_hidden,
        _write_derived,
        prior=0.04,
    ),
    Mistake(
        "output-derivative-twice",
        "the output activation's derivative applied twice",
        {
            "default": "your formula multiplies {A} − Y by {g}′({Z}), but {A} − Y already "
            "contains it: with cross-entropy "
            "dA{l} = −Y/{A} + (1 − Y)/(1 − {A}), and multiplying by {g}′({Z}) = {deriv} cancels "
            "the denominator {A}(1 − {A}), leaving {A} − Y. Multiplying by {g}′ again applies it "
            "twice; ({A} − Y) ⊙ {g}′({Z}) is the derivative of the squared error, not of the "
            "cross-entropy. Write {target} = {fix}."
        },
        _derivative_twice,
        _drop_derivative,
        prior=0.06,
    ),
    Mistake(
        "bce-with-softmax",
        "the binary cross-entropy derivative used with softmax",
        {
            "default": "−Y/A + (1 − Y)/(1 − A) is the derivative of binary cross-entropy; with "
            "softmax the loss is the cross-entropy L = −Σ Y log A, whose derivative is −Y/A. "
            "Write {target} = {fix}."
        },
        _bce_with_softmax,
        prior=0.04,
    ),
    Mistake(
        "softmax-as-elementwise",
        "softmax differentiated as if it were elementwise",
        {
            "default": "softmax is not elementwise: each output depends on every Z of its "
            "column, so its Jacobian is not diagonal and A(1 − A) is only its diagonal. With "
            "cross-entropy the full Jacobian gives {target} = {fix}."
        },
        _softmax_as_elementwise,
        prior=0.04,
    ),
    Mistake(
        "l2-sum",
        "the L2 term summed",
        {
            "default": "the L2 term adds (λ/m) {W} — a matrix, one entry per weight — not "
            "(λ/m) Σ {W}: the derivative of (λ/2m) ‖{W}‖² with respect to each weight is "
            "(λ/m) times that weight, so the term is {local}: {target} = {fix}."
        },
        _l2_sum,
        prior=0.03,
    ),
    Mistake(
        "l2-coefficient",
        "a wrong coefficient on the L2 term",
        {
            "default": "the L2 term is {what}: the cost's (λ/2m) ‖{W}‖² has the gradient "
            "(λ/m) {W}. Write {target} = {fix}."
        },
        _l2_coefficient,
        prior=0.04,
    ),
    Mistake(
        "l2-half",
        "λ/(2m) kept from the cost",
        {
            "default": "λ/(2m) is the cost's coefficient; the derivative of ‖{W}‖² is 2 {W}, so "
            "the gradient's coefficient is λ/m. Write {target} = {fix}."
        },
        _l2_half,
        prior=0.04,
    ),
    Mistake(
        "l2-on-bias",
        "the L2 penalty applied to the bias",
        {
            "default": "the L2 penalty (λ/2m) Σ ‖W[l]‖² has no bias in it, so L2 changes dW "
            "and nothing else: {T} has no (λ/m) {b}. Write {target} = {fix}."
        },
        _l2_on_bias,
        prior=0.03,
    ),
    Mistake(
        "dropout-not-rescaled",
        "a dropout mask not divided by keep_prob",
        {
            "default": "the mask is applied but not divided by {kp}: inverted dropout divided "
            "the activations by keep_prob in the forward pass, so the gradient is divided by "
            "it too. Write {target} = {fix}."
        },
        _dropout_not_rescaled,
        prior=0.05,
    ),
    Mistake(
        "sum-of-product",
        "a sum that the matrix product already does",
        {
            "default": "{wrong} sums what the matrix product has already summed: dZ Aᵀ adds up "
            "the examples by itself (entry (i, j) is Σₖ dZ[i, k] A[j, k]), and {T} has the shape "
            "of {Of}, {target_shape}, so {local} needs no np.sum around it: {target} = {fix}."
        },
        _sum_of_product,
        _unsum_product,
        prior=0.04,
    ),
    Mistake(
        "inverse-for-transpose",
        "an inverse where the transpose belongs",
        {
            "default": "the transpose is not an inverse: going back through Z = W A multiplies "
            "the gradient by Wᵀ, because ∂Z[i, k]/∂A[j, k] = W[i, j] — the same numbers, "
            "transposed; nothing is inverted (W need not even be square). Write {local} for "
            "{wrong}: {target} = {fix}."
        },
        _inverse_for_transpose,
        _transpose_for_inverse,
        prior=0.04,
    ),
)

BY_NAME: dict[str, Mistake] = {m.name: m for m in MISTAKES}
