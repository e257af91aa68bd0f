"""The learners' questions about the output layer: why dZ[L] is A[L] − Y (sigmoid + binary
cross-entropy, softmax + cross-entropy) and where the minus sign of d/da log(1 − a) comes from."""

from __future__ import annotations

import numpy as np

from ..ir import build
from ..ir.expr import Expr
from .doc import Txt, row
from .questions import TOLERANCE, Answer, Numbers, error, neg, one_minus

__all__ = ["cancellation", "log_one_minus", "softmax"]


# -- (1), (3): sigmoid + binary cross-entropy ---------------------------------------------------
def _bce_derivative(n: Numbers) -> Expr:
    A, Y = n.var(f"A{n.spec.L}"), n.var("Y")
    return build.np_add(neg(build.np_div(Y, A)), build.np_div(one_minus(Y), one_minus(A)))


def cancellation(n: Numbers) -> Answer:
    L = n.spec.L
    A, Y, dZ = n.var(f"A{L}"), n.var("Y"), n.var(f"dZ{L}")
    YA = build.np_mul(Y, A)
    lines = n.chain(
        dZ,
        [
            (
                build.np_mul(_bce_derivative(n), build.np_mul(A, one_minus(A))),
                "dA ⊙ σ′(Z), σ′ = A(1 − A)",
            ),
            (
                build.np_add(neg(build.np_mul(Y, one_minus(A))), build.np_mul(one_minus(Y), A)),
                "A cancels against 1/A, 1 − A against 1/(1 − A)",
            ),
            (build.np_add(build.np_add(build.np_add(neg(Y), YA), A), neg(YA)), "multiply out"),
            (build.np_sub(A, Y), "the Y ⊙ A terms cancel"),
        ],
    )
    dA = n.chain(
        n.var(f"dA{L}"), [(_bce_derivative(n), "the derivative of the loss (next question)")]
    )
    intro = (
        "Per example (the exact convention multiplies every line by 1/m). The loss's derivative ",
        "and the sigmoid's derivative meet and cancel, line by line:",
    )
    question = ("Why is ", n.sym(f"dZ{L}"), " just ", n.ex(build.np_sub(A, Y)), "?")
    return Answer("cancellation", question, intro, dA + lines)


def log_one_minus(n: Numbers) -> Answer:
    L = n.spec.L
    A = np.asarray(n.env["course"][f"A{L}"], dtype=float)
    h = 1e-6 * np.maximum(np.abs(1 - A), 1e-3)
    estimate = (np.log(1 - (A + h)) - np.log(1 - (A - h))) / (2 * h)
    err = error(estimate, -1 / (1 - A))
    steps = Txt("d/da log(1 − a) = 1/(1 − a) · d(1 − a)/da = 1/(1 − a) · (−1) = −1/(1 − a)")
    fact = n.fact(
        (
            f"Central differences of log(1 − «A{L}») on this explanation's numbers agree with "
            f"−1/(1 − «A{L}») (relative difference below 1e-05).",
        ),
        err < 1e-5,
    )
    sign = n.fact(
        (
            "The loss has −(1 − Y) log(1 − A): the loss's own minus sign times this −1/(1 − A) "
            "gives the + in front of (1 − Y)/(1 − A) in ",
            n.sym(f"dA{L}"),
            ".",
        ),
        error(n.value(n.var(f"dA{L}")), n.value(_bce_derivative(n))) < TOLERANCE,
    )
    intro = (
        "The chain rule: log(1 − a) is log of the inner function 1 − a, whose derivative is −1. ",
        "That inner −1 is the minus sign.",
    )
    question = ("Where does the minus sign of ", Txt("d/da log(1 − a)"), " come from?")
    return Answer("log-one-minus", question, intro, (), (fact, sign), (steps,))


# -- (2): softmax + cross-entropy ---------------------------------------------------------------
def softmax(n: Numbers) -> Answer:
    L = n.spec.L
    A, Y, dZ = n.var(f"A{L}"), n.var("Y"), n.var(f"dZ{L}")
    k = 1 - n.batch_axis  # the class axis
    G = neg(build.np_div(Y, A))

    def classes(e: Expr) -> Expr:
        return build.broadcast(build.sum_(e, axis=k), A.shape)

    lines = n.chain(
        dZ,
        [
            (build.np_mul(A, build.np_sub(G, classes(build.np_mul(A, G)))),
             "softmax's rule, ∂aₖ/∂zⱼ = aₖ(δₖⱼ − aⱼ), with dA = −Y/A"),
            (build.np_add(neg(Y), build.np_mul(A, classes(Y))),
             "A ⊙ (−Y/A) = −Y; Σₖ Aₖ (−Yₖ/Aₖ) = −Σₖ Yₖ"),
            (build.np_sub(A, Y), "every column of Y sums to 1"),
        ],
    )  # fmt: skip
    Yv = np.asarray(n.env["course"]["Y"], dtype=float)
    sums = Yv.sum(axis=k)
    onehot = bool(np.allclose(sums, 1) and np.all((Yv == 0) | (Yv == 1)))
    unit = "column" if k == 0 else "row"
    fact = n.fact(
        (
            f"Y is one-hot: each {unit} holds a single 1, so Σₖ Yₖ = 1 for every example — that "
            f"is where the sum disappears (checked on the numbers: {Yv.shape[1 - k]} {unit}s, "
            "each summing to 1). With labels that do not sum to 1 the formula would be "
            "A ⊙ Σₖ Yₖ − Y.",
        ),
        onehot,
    )
    intro = ("Softmax couples the entries of a column: each aₖ depends on every z. Per example:",)
    question = (
        "Why is ",
        row(n.sym(f"dZ{L}"), "=", n.ex(build.np_sub(A, Y))),
        " with softmax too?",
    )
    return Answer("softmax", question, intro, lines, (fact,))
