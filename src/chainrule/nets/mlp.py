"""From a network spec to a program of named equations, in either layout.

Columns (the course): ``Z[l] = W[l] A[l−1] + b[l]`` with ``W[l]`` of shape (n[l], n[l−1]), ``b[l]``
(n[l], 1) and examples as the m columns. Rows (PyTorch, CS231n): ``Z[l] = A[l−1] W[l] + b[l]`` with
``W[l]`` (n[l−1], n[l]), ``b[l]`` (1, n[l]) and examples as rows. The losses and softmax are written
with the primitives — nothing here knows a derivative.
"""

from __future__ import annotations

from .. import scalar
from ..autodiff.program import Equation, Program
from ..ir import build
from ..ir.expr import Expr
from .spec import MLPSpec

__all__ = ["build_program"]


def _f(name: str, x: Expr) -> Expr:
    return build.fn(scalar.lookup(name), x)


def _softmax(z: Expr, axis: int) -> Expr:
    """softmax(z) = exp(z) / Σ_k exp(z_k), the sum over the classes axis."""
    e = _f("exp", z)
    return e / build.sum_(e, axis, keepdims=True)


def _loss(spec: MLPSpec, a: Expr, y: Expr, axis: int) -> Expr:
    """The per-example loss L, one entry per example (shape (1, m) or (m, 1))."""
    if spec.loss == "bce":
        return -(y * _f("log", a) + (1 - y) * _f("log", 1 - a))
    if spec.loss == "ce":
        return -build.sum_(y * _f("log", a), axis, keepdims=True)
    return build.scale(build.const(0.5), build.sum_((a - y) ** 2, axis, keepdims=True))


def build_program(spec: MLPSpec, test_mode: bool = False) -> Program:
    """The forward pass ``Z[1], A[1], …, A[L], L, J`` as a program.

    With batch norm, ``test_mode`` normalises with the inputs ``running_mean[l]``,
    ``running_var[l]`` instead of the batch's ``μ[l]``, ``σ²[l]`` (the course's test time).
    """
    cols = spec.layout == "columns"
    m, n, L = spec.batch, spec.layers, spec.L
    classes_axis = 0 if cols else 1
    ex = (lambda k: (k, m)) if cols else (lambda k: (m, k))
    props = (f"sums_to_one@{classes_axis}",) if spec.loss == "ce" else ()
    X, Y = build.var("X", ex(n[0])), build.var("Y", ex(n[L]), props)
    inputs, params, eqs = [], [], []
    a_prev = X
    for l in range(1, L + 1):
        W = build.var(f"W{l}", (n[l], n[l - 1]) if cols else (n[l - 1], n[l]))
        if spec.batchnorm and l < L:
            inputs.append(W)
            params.append(W.name)
            eqs.append(Equation(f"Z{l}", W @ a_prev if cols else a_prev @ W))
            z = _batchnorm(spec, l, eqs[-1].var, inputs, params, eqs, test_mode)
        else:
            b = build.var(f"b{l}", (n[l], 1) if cols else (1, n[l]))
            inputs += [W, b]
            params += [W.name, b.name]
            eqs.append(Equation(f"Z{l}", W @ a_prev + b if cols else a_prev @ W + b))
            z = eqs[-1].var
        a_prev = _activation(spec, l, z, classes_axis, inputs, eqs)
    eqs.append(Equation("L", _loss(spec, a_prev, Y, classes_axis)))
    eqs.append(Equation("J", _cost(spec, eqs[-1].var, inputs)))
    return Program(
        (*inputs, X, Y),
        tuple(eqs),
        "J",
        tuple(params),
        m,
        layer_names=True,
        meta={
            "labels": ("Y",),
            "data": ("X",),
            "masks": tuple(v.name for v in inputs if v.name.startswith("D")),
        },
    )


def _batchnorm(
    spec: MLPSpec,
    l: int,
    z: Expr,
    inputs: list[Expr],
    params: list[str],
    eqs: list[Equation],
    test_mode: bool,
) -> Expr:
    """Append ``μ[l] = (1/m) Σⱼ Z[l]``, ``σ²[l] = (1/m) Σⱼ (Z[l] − μ[l])²``,
    ``Z_norm[l] = (Z[l] − μ[l]) / √(σ²[l] + ε)`` and ``Z̃[l] = γ[l] ⊙ Z_norm[l] + β[l]``; return
    ``Z̃[l]``. In test mode μ[l], σ²[l] are the inputs ``running_mean[l]``, ``running_var[l]``."""
    shape = spec.shapes()[f"gamma{l}"]  # (n[l], 1), or (1, n[l]) with examples as rows
    examples = 1 if spec.layout == "columns" else 0
    gamma, beta = build.var(f"gamma{l}", shape), build.var(f"beta{l}", shape)
    inputs += [gamma, beta]
    params += [gamma.name, beta.name]
    if test_mode:
        mu, var = build.var(f"running_mean{l}", shape), build.var(f"running_var{l}", shape)
        inputs += [mu, var]
    else:
        inv_m = build.np_pow(build.dim(spec.batch), -1)
        total = build.sum_(z, examples, keepdims=True)
        eqs.append(Equation(f"mu{l}", build.scale(inv_m, total)))
        mu = eqs[-1].var
        squares = build.sum_(build.np_sub(z, mu) ** 2, examples, keepdims=True)
        eqs.append(Equation(f"var{l}", build.scale(inv_m, squares)))
        var = eqs[-1].var
    eps = next((v for v in inputs if v.name == "eps"), None) or build.var("eps", ())
    if eps not in inputs:
        inputs.append(eps)
    sigma = _f("sqrt", build.np_add(var, eps))
    eqs.append(Equation(f"Z_norm{l}", build.np_div(build.np_sub(z, mu), sigma)))
    eqs.append(Equation(f"Z_tilde{l}", build.np_add(build.np_mul(gamma, eqs[-1].var), beta)))
    return eqs[-1].var


def _output(spec: MLPSpec, z: Expr, axis: int) -> Expr:
    """A[L] = g(Z[L]): softmax over the classes axis, the identity, or an elementwise function."""
    if spec.output == "softmax":
        return _softmax(z, axis)
    return z if spec.output == "linear" else _f(spec.output, z)


def _activation(
    spec: MLPSpec, l: int, z: Expr, axis: int, inputs: list[Expr], eqs: list[Equation]
) -> Expr:
    """Append ``A[l] = g(Z[l])`` (and, with dropout, ``A_drop[l]``); return what layer l+1 reads."""
    g = _output(spec, z, axis) if l == spec.L else build.fn(spec.hidden[l - 1], z)
    eqs.append(Equation(f"A{l}", g))
    if l < spec.L and spec.keep_prob and spec.keep_prob[l - 1] < 1:
        # inverted dropout as its own equation, so dA[l] = dA_drop[l] ⊙ D[l] / keep_prob shows
        D, kp = build.var(f"D{l}", z.shape), build.var(f"keep_prob{l}", ())
        inputs += [D, kp]
        eqs.append(Equation(f"A_drop{l}", eqs[-1].var * D / kp))
    return eqs[-1].var


def _cost(spec: MLPSpec, loss: Expr, inputs: list[Expr]) -> Expr:
    """J = (1/m) Σᵢ L⁽ⁱ⁾ (+ (λ/2m) Σ_l ‖W[l]‖²_F)."""
    inv_m = build.np_pow(build.dim(spec.batch), -1)
    J = build.scale(inv_m, build.sum_(loss, None, keepdims=False))
    if spec.l2 > 0:
        lambd = build.var("lambd", ())
        inputs.append(lambd)
        penalty = None
        for W in (v for v in inputs if v.name.startswith("W")):
            term = build.sum_(W**2, None, keepdims=False)
            penalty = term if penalty is None else penalty + term
        two_m = build.scale(build.const(2), build.dim(spec.batch))
        J = J + build.scale(build.np_div(lambd, two_m), penalty)
    return J
