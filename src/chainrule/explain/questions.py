"""The questions learners ask about a network's backward step, answered and checked on numbers.

Learners on the course's forum ask the same few things: why ``dZ[L]`` is just ``A[L] − Y``; where
the minus sign of ``d/da log(1 − a)`` comes from; what relu′ is at 0; why L2 changes ``dW`` only;
why dropped units get no gradient; whether the transpose is an inverse; why ``db`` sums over axis 1
with ``keepdims``; why ``1/m`` sits in ``dW`` and ``db`` but not in ``dZ``. :func:`answers` picks
the ones that bear on one step of one network and works each out as data: lines of algebra in the
network's own names (IR formulas, so every renderer typesets them) and facts in words, **each
checked on the explanation's own numbers** — the two sides of every ``=`` evaluated by the
reference interpreter, every claim about shapes, masks and conventions measured. An answer whose
check fails is a bug, not a caveat: the tests require every answer to be confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..autodiff.derivation import Derivation, Step
from ..evaluate import bind, evaluate, run
from ..ir import build
from ..ir.expr import Expr
from ..nets.network import Network
from ..rules.primitives import derivative_of
from .doc import Ex, Math, Naming, Sym, Txt, row
from .notation import text_math

__all__ = ["Line", "Fact", "Answer", "answers", "TOLERANCE"]

TOLERANCE = 1e-9  # relative: both sides of every claim agree this closely


@dataclass(frozen=True)
class Line:
    """One line of algebra, ``lhs = rhs`` or a continuation ``= rhs``; ``error`` is the largest
    difference between its two sides on the numbers (relative to their size)."""

    math: Math
    why: str
    error: float

    @property
    def checked(self) -> bool:
        return self.error < TOLERANCE


@dataclass(frozen=True)
class Fact:
    """A claim in words (inline parts) and whether the numbers confirm it."""

    parts: tuple
    checked: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "checked", bool(self.checked))  # NumPy's bool_ → bool


@dataclass(frozen=True)
class Answer:
    """One question a learner asks, answered: an introduction, algebra, facts."""

    key: str
    question: tuple  # inline parts: words and math nodes
    intro: tuple
    lines: tuple[Line, ...] = ()
    facts: tuple[Fact, ...] = ()
    shown: tuple[Math, ...] = ()  # formulas displayed as they are; the facts check their claim

    @property
    def checked(self) -> bool:
        return all(x.checked for x in self.lines + self.facts)

    @property
    def title(self) -> str:
        """The question as plain text."""
        return "".join(p if isinstance(p, str) else text_math(p) for p in self.question)


def _error(a: object, b: object) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return float("inf")
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    return float(np.max(np.abs(a - b), initial=0.0)) / scale


class _Numbers:
    """The explanation's numbers in both conventions, and a few IR helpers in the net's names."""

    def __init__(self, net: Network, d: Derivation, values: dict) -> None:
        self.net, self.d, self.spec, self.values = net, d, net.spec, values
        self.program = d.program
        self.dims = bind(self.program.inputs, values)
        self.env = {c: run(self.program, values, net.derive(c)) for c in ("course", "exact")}
        self.naming = Naming(self.program.layer_names, self.program.batch)
        self.m = self.dims[self.program.batch]

    def var(self, name: str) -> Expr:
        if name in self.program.names:
            return self.program.names[name]
        return build.var(name, self.d[name].shape)

    def value(self, e: Expr, convention: str = "course") -> np.ndarray:
        return evaluate(e, self.env[convention], self.dims)

    def value_at(self, e: Expr, x: Expr, v: float) -> np.ndarray:
        """``e`` with every entry of the variable ``x`` set to ``v``."""
        env = {**self.env["course"], x.name: np.full(np.shape(self.env["course"][x.name]), v)}
        return evaluate(e, env, self.dims)

    def ex(self, e: Expr) -> Ex:
        return Ex(e, self.naming)

    def sym(self, name: str) -> Sym:
        return Sym(name, self.naming)

    def chain(self, lhs: Expr, steps: list[tuple[Expr, str]]) -> tuple[Line, ...]:
        """``lhs = steps[0] = steps[1] = …``, each ``=`` checked against the line before."""
        before, out = self.value(lhs), []
        for k, (rhs, why) in enumerate(steps):
            now = self.value(rhs)
            head = (self.ex(lhs), "=") if k == 0 else ("=",)
            out.append(Line(row(*head, self.ex(rhs)), why, _error(now, before)))
            before = now
        return tuple(out)

    @property
    def batch_axis(self) -> int:
        return 1 if self.spec.layout == "columns" else 0


def _one(x: Expr) -> Expr:
    return build.np_sub(build.const(1), x)


def _neg(x: Expr) -> Expr:
    return build.scale(build.const(-1), x)


# -- (1), (3): sigmoid + binary cross-entropy ---------------------------------------------------
def _bce_derivative(n: _Numbers) -> Expr:
    A, Y = n.var(f"A{n.spec.L}"), n.var("Y")
    return build.np_add(_neg(build.np_div(Y, A)), build.np_div(_one(Y), _one(A)))


def _cancellation(n: _Numbers) -> Answer:
    L = n.spec.L
    A, Y, dZ = n.var(f"A{L}"), n.var("Y"), n.var(f"dZ{L}")
    YA = build.np_mul(Y, A)
    lines = n.chain(
        dZ,
        [
            (
                build.np_mul(_bce_derivative(n), build.np_mul(A, _one(A))),
                "dA ⊙ σ′(Z), σ′ = A(1 − A)",
            ),
            (
                build.np_add(_neg(build.np_mul(Y, _one(A))), build.np_mul(_one(Y), A)),
                "A cancels against 1/A, 1 − A against 1/(1 − A)",
            ),
            (build.np_add(build.np_add(build.np_add(_neg(Y), YA), A), _neg(YA)), "multiply out"),
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


def _log_one_minus(n: _Numbers) -> Answer:
    L = n.spec.L
    A = np.asarray(n.env["course"][f"A{L}"], dtype=float)
    h = 1e-6 * np.maximum(np.abs(1 - A), 1e-3)
    estimate = (np.log(1 - (A + h)) - np.log(1 - (A - h))) / (2 * h)
    err = _error(estimate, -1 / (1 - A))
    steps = Txt("d/da log(1 − a) = 1/(1 − a) · d(1 − a)/da = 1/(1 − a) · (−1) = −1/(1 − a)")
    fact = Fact(
        (
            f"Central differences of log(1 − A[{L}]) on this explanation's numbers agree with "
            f"−1/(1 − A[{L}]) (relative difference below 1e-05).",
        ),
        err < 1e-5,
    )
    sign = Fact(
        (
            "The loss has −(1 − Y) log(1 − A): the loss's own minus sign times this −1/(1 − A) "
            "gives the + in front of (1 − Y)/(1 − A) in ",
            n.sym(f"dA{L}"),
            ".",
        ),
        _error(n.value(n.var(f"dA{L}")), n.value(_bce_derivative(n))) < TOLERANCE,
    )
    intro = (
        "The chain rule: log(1 − a) is log of the inner function 1 − a, whose derivative is −1. ",
        "That inner −1 is the minus sign.",
    )
    question = ("Where does the minus sign of ", Txt("d/da log(1 − a)"), " come from?")
    return Answer("log-one-minus", question, intro, (), (fact, sign), (steps,))


# -- (2): softmax + cross-entropy ---------------------------------------------------------------
def _softmax(n: _Numbers) -> Answer:
    L = n.spec.L
    A, Y, dZ = n.var(f"A{L}"), n.var("Y"), n.var(f"dZ{L}")
    k = 1 - n.batch_axis  # the class axis
    G = _neg(build.np_div(Y, A))

    def classes(e: Expr) -> Expr:
        return build.broadcast(build.sum_(e, axis=k), A.shape)

    lines = n.chain(
        dZ,
        [
            (build.np_mul(A, build.np_sub(G, classes(build.np_mul(A, G)))),
             "softmax's rule, ∂aₖ/∂zⱼ = aₖ(δₖⱼ − aⱼ), with dA = −Y/A"),
            (build.np_add(_neg(Y), build.np_mul(A, classes(Y))), "A ⊙ (−Y/A) = −Y; Σₖ Aₖ (−Yₖ/Aₖ) = −Σₖ Yₖ"),
            (build.np_sub(A, Y), "every column of Y sums to 1"),
        ],
    )  # fmt: skip
    Yv = np.asarray(n.env["course"]["Y"], dtype=float)
    sums = Yv.sum(axis=k)
    onehot = bool(np.allclose(sums, 1) and np.all((Yv == 0) | (Yv == 1)))
    unit = "column" if k == 0 else "row"
    fact = Fact(
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


# -- (4): relu′ and its value at 0 --------------------------------------------------------------
def _relu(n: _Numbers, layer: int) -> Answer:
    Z = n.var(f"Z{layer}")
    rec = n.spec.hidden[layer - 1]
    z = np.asarray(n.env["course"][f"Z{layer}"], dtype=float)
    a = np.asarray(n.env["course"][f"A{layer}"], dtype=float)
    sympy_d = np.asarray(n.value(derivative_of(rec, Z)), dtype=float)
    mask = sympy_d == (z > 0)
    zeros = int(np.sum(z == 0))
    facts = (
        Fact(
            (
                "relu(z) = max(0, z), so relu′(z) = 1 where z > 0 and 0 where z < 0: on this "
                "explanation's numbers it is exactly the mask ",
                Txt(f"(Z[{layer}] > 0)"),
                f" ({int(np.sum(z > 0))} of {z.size} entries are 1).",
            ),
            bool(np.all(mask)),
        ),
        Fact(
            (
                "At z = 0 exactly relu has no derivative; the course uses 0 there (",
                Txt("dZ[Z <= 0] = 0"),
                "), and so does this derivation; any value in [0, 1] is a valid subgradient. It "
                "does not matter in practice: "
                f"an entry of Z[{layer}] is exactly 0 with probability 0 (here {zeros} of "
                f"{z.size}).",
            ),
            bool(np.asarray(n.value_at(derivative_of(rec, Z), Z, 0.0)).max() == 0),
        ),
        Fact(
            (
                f"A[{layer}] > 0 exactly where Z[{layer}] > 0, so ",
                Txt(f"A{layer} > 0"),
                " is the same mask; but ",
                Txt(f"A{layer} >= 0"),
                f" is true everywhere (A[{layer}] = max(0, Z[{layer}]) ≥ 0), so it is not relu′.",
            ),
            bool(np.array_equal(a > 0, z > 0) and np.all(a >= 0)),
        ),
    )
    question = ("What is relu′(", n.sym(f"Z{layer}"), "), and what happens at 0?")
    return Answer("relu", question, (), (), facts)


# -- (5): L2 changes dW only --------------------------------------------------------------------
def _l2(n: _Numbers, layer: int, convention: str) -> Answer:
    plain = Network(replace(n.spec, l2=0.0))
    d0 = plain.derive(convention)
    env0 = run(plain.program, {k: v for k, v in n.values.items() if k != "lambd"}, d0)
    env = n.env[convention]
    lam, m = float(n.values["lambd"]), n.m
    W = np.asarray(env[f"W{layer}"], dtype=float)
    dw = _error(np.asarray(env[f"dW{layer}"]) - lam / m * W, env0[f"dW{layer}"])
    same = max(_error(env[f"{q}{l}"], env0[f"{q}{l}"]) for q in ("db", "dZ") for l in (layer,))
    h, k, E = 1e-6, (0, 0), np.zeros_like(W)
    E[k] = h
    fd = lam / (2 * m) * (np.sum((W + E) ** 2) - np.sum((W - E) ** 2)) / (2 * h)
    facts = (
        Fact(
            (
                "The cost gains (λ/2m) Σₗ ‖W[l]‖² (every weight squared and added up). Its "
                f"derivative with respect to W[{layer}] is (λ/2m)·2 W[{layer}] = (λ/m) W[{layer}]: "
                "each entry only meets its own square (checked by central differences on the first "
                f"entry: {fd:.6g} against {lam / m * W[k]:.6g}).",
            ),
            abs(fd - lam / m * W[k]) < 1e-6 * max(1.0, abs(fd)),
        ),
        Fact(
            (
                n.sym(f"dW{layer}"),
                " − (λ/m) ",
                n.sym(f"W{layer}"),
                " is exactly the dW of the same network without L2 (on this explanation's numbers: "
                f"difference below {TOLERANCE:g}).",
            ),
            dw < TOLERANCE,
        ),
        Fact(
            (
                "Nothing else changes: the penalty holds no Z, A or b, so ",
                n.sym(f"db{layer}"),
                " and ",
                n.sym(f"dZ{layer}"),
                " are the same with and without L2 (difference below "
                f"{TOLERANCE:g}). A term λ/m on b would be a mistake.",
            ),
            same < TOLERANCE,
        ),
    )
    return Answer("l2", ("What does L2 regularization change in backprop?",), (), (), facts)


# -- (6): dropout -------------------------------------------------------------------------------
def _dropout(n: _Numbers, layer: int, convention: str) -> Answer:
    env = n.env[convention]
    dA, drop = np.asarray(env[f"dA{layer}"]), np.asarray(env[f"dA_drop{layer}"])
    D = np.asarray(n.values[f"D{layer}"], dtype=float)
    kp = float(n.values[f"keep_prob{layer}"])
    dropped, kept = D == 0, D == 1
    facts = (
        Fact(
            (
                f"Forward, A_drop[{layer}] = A[{layer}] ⊙ D[{layer}] / keep_prob, so the local "
                f"derivative is D[{layer}] / keep_prob entry by entry and ",
                row(n.sym(f"dA{layer}"), "=", n.ex(n.d[f"dA{layer}"].expanded)),
                ".",
            ),
            _error(dA, drop * D / kp) < TOLERANCE,
        ),
        Fact(
            (
                f"A dropped unit (D = 0) did not take part in the forward pass, so its gradient is "
                f"exactly 0: here {int(dropped.sum())} of {D.size} entries are dropped and ",
                n.sym(f"dA{layer}"),
                " is 0 at every one of them.",
            ),
            bool(np.all(dA[dropped] == 0)),
        ),
        Fact(
            (
                f"A kept unit's gradient is multiplied by 1/keep_prob = {1 / kp:.6g}, the same "
                "factor "
                "the forward pass applied (inverted dropout keeps the expected activation, and so "
                "its gradient, the size it has without dropout); checked on the kept entries.",
            ),
            _error(dA[kept], drop[kept] / kp) < TOLERANCE,
        ),
    )
    return Answer("dropout", ("What does dropout do to the gradient?",), (), (), facts)


# -- (7): the transpose is not an inverse -------------------------------------------------------
def _transpose(n: _Numbers, layer: int, convention: str) -> Answer:
    """For the adjoint of A[layer] through Z[layer + 1] = W[layer + 1] A[layer] + b."""
    env, nxt = n.env[convention], layer + 1
    W, dZ = np.asarray(env[f"W{nxt}"], dtype=float), np.asarray(env[f"dZ{nxt}"], dtype=float)
    back = env[f"dA_drop{layer}"] if f"dA_drop{layer}" in env else env[f"dA{layer}"]
    if n.spec.layout == "columns":
        index_sum = np.einsum("ji,jk->ik", W, dZ)  # Σⱼ W[j, i] dZ[j, k]
        entry = f"∂/∂a[{layer}]ᵢₖ = Σⱼ W[{nxt}]ⱼᵢ dz[{nxt}]ⱼₖ = (W[{nxt}]ᵀ dZ[{nxt}])ᵢₖ"
        index = "first (row)"
    else:
        index_sum = np.einsum("kj,ij->ki", dZ, W)  # Σⱼ dZ[k, j] W[i, j]
        entry = f"∂/∂a[{layer}]ₖᵢ = Σⱼ dz[{nxt}]ₖⱼ W[{nxt}]ᵢⱼ = (dZ[{nxt}] W[{nxt}]ᵀ)ₖᵢ"
        index = "second (column)"
    square = W.shape[0] == W.shape[1]
    if square:
        gap = float(np.max(np.abs(np.linalg.inv(W) - W.T)))
        inverse = (f"W[{nxt}] happens to be square here, and still W⁻¹ differs from Wᵀ by up to "
                   f"{gap:.3g} on this explanation's numbers.",)  # fmt: skip
        ok = gap > 1e-6
    else:
        inverse = (f"W[{nxt}] is {W.shape[0]} × {W.shape[1]}: not square, so it has no inverse "
                   "at all — and the formula never needs one.",)  # fmt: skip
        ok = True
    facts = (
        Fact(
            (
                f"Z[{nxt}] uses every entry of A[{layer}] once per unit j of layer {nxt}, weighted "
                f"by W[{nxt}]; the gradient adds those uses up: {entry}. The sum runs over W's "
                f"{index} index, which is what the transpose pairs — Wᵀ comes from that index sum, "
                f"not from undoing W (checked: the index sum equals the backward pass's value).",
            ),
            _error(index_sum, back) < TOLERANCE,
        ),
        Fact(inverse, ok),
    )
    W_ = n.var(f"W{nxt}")
    question = ("Is ", n.ex(build.transpose(W_)), " an inverse of ", n.sym(f"W{nxt}"), "?")
    return Answer("transpose", question, (), (), facts)


# -- (8): db sums over the examples with keepdims ----------------------------------------------
def _keepdims(n: _Numbers, layer: int, convention: str) -> Answer:
    env, ax = n.env[convention], n.batch_axis
    dZ, b = np.asarray(env[f"dZ{layer}"]), np.asarray(env[f"b{layer}"])
    kept = np.sum(dZ, axis=ax, keepdims=True)
    flat = np.sum(dZ, axis=ax)
    wrong_axis = np.sum(dZ, axis=1 - ax, keepdims=True)
    units = b.size
    update = (b - flat).shape
    spoils = update != b.shape
    if spoils:
        tail = f"b − α·db would broadcast {b.shape} against {flat.shape} into {update}"
    elif ax == 0:
        tail = (f"b − α·db keeps b's shape {update} only because NumPy lines a 1-d array up with "
                "the last axis; keepdims=True makes the shape explicit")  # fmt: skip
    elif units == 1:
        tail = f"b − α·db fits here only because n[{layer}] = 1"
    else:
        tail = f"b − α·db has shape {update}"
    facts = (
        Fact(
            (
                f"b[{layer}] is added to every example, so its gradient adds up the examples: the "
                "sum "
                f"runs over axis {ax}, the one of length m, and ",
                Txt(f"np.sum(dZ{layer}, axis={ax}, keepdims=True)"),
                f" has shape {kept.shape}, the shape of b[{layer}].",
            ),
            kept.shape == b.shape and _error(kept / n.m, env[f"db{layer}"]) < TOLERANCE
            if convention == "course"
            else kept.shape == b.shape,
        ),
        Fact(
            (f"Without keepdims the result is {flat.shape}, one axis short; {tail}.",),
            flat.shape == (units,),
        ),
        Fact(
            (
                f"Summing over axis {1 - ax} instead adds up the units of one example: shape "
                f"{wrong_axis.shape}, not a gradient of b.",
            ),
            wrong_axis.shape != b.shape or units == 1,
        ),
    )
    question = (f"Why the sum over axis {ax} with keepdims=True in ", n.sym(f"db{layer}"), "?")
    return Answer("keepdims", question, (), (), facts)


# -- (9): where 1/m goes ------------------------------------------------------------------------
def _one_over_m(n: _Numbers, target: str) -> Answer:
    course, exact = n.env["course"], n.env["exact"]
    L, m = n.spec.L, n.m
    unit = "column" if n.batch_axis == 1 else "row"
    params = [s for s in n.d.steps if s.target[:2] in ("dW", "db")]
    same = max(_error(exact[s.target], course[s.target]) for s in params)
    dz = max(_error(exact[f"dZ{l}"], np.asarray(course[f"dZ{l}"]) / m) for l in range(1, L + 1))
    facts = (
        Fact(
            (
                "J = (1/m) Σᵢ L⁽ⁱ⁾ averages the examples' losses. dZ in the course convention is "
                f"per example ({unit} i is ∂L⁽ⁱ⁾/∂Z), so it has no 1/m. W and b are shared by all "
                "m examples: their gradient adds the m contributions (the product with A[l−1]ᵀ, "
                "the Σ in db) and the 1/m of J turns that sum into the average — so 1/m appears "
                "in dW and db (checked: the course's dW is the mean over the examples of their "
                "own gradients).",
            ),
            _average(n, target) < TOLERANCE,
        ),
        Fact(
            (
                f"Putting the 1/m in dZ[{L}] instead, dZ[{L}] = (1/m)(A[{L}] − Y), and none in dW "
                "and db (the exact convention, every d· = ∂J/∂·) is equally right: on this "
                "explanation's numbers every dW and db agree (difference below "
                f"{TOLERANCE:g}) and every dZ is 1/m times the course's (difference below "
                f"{TOLERANCE:g}). Wrong is 1/m in both places — or in neither.",
            ),
            same < TOLERANCE and dz < TOLERANCE,
        ),
    )
    return Answer("one-over-m", ("Why is 1/m in dW and db but not in dZ?",), (), (), facts)


def _average(n: _Numbers, target: str) -> float:
    """How far the course's dW[l] is from the average over the examples of their own
    ∂L⁽ⁱ⁾/∂W[l] (plus the L2 term): 0 when 1/m is exactly the averaging."""
    env, layer = n.env["course"], _layer(target)
    prev = env.get(f"A_drop{layer - 1}", env.get(f"A{layer - 1}", env["X"]))
    dZ, prev = np.asarray(env[f"dZ{layer}"]), np.asarray(prev)
    if n.batch_axis == 0:
        dZ, prev = dZ.T, prev.T
    per_example = [np.outer(dZ[:, i], prev[:, i]) for i in range(n.m)]
    dW = np.asarray(env[f"dW{layer}"]) - float(n.values.get("lambd", 0.0)) / n.m * np.asarray(
        env[f"W{layer}"]
    )
    return _error(dW if n.batch_axis == 1 else dW.T, np.mean(per_example, axis=0))


# -- which questions bear on a step -------------------------------------------------------------
def _layer(target: str) -> int | None:
    digits = target.lstrip("dAZWb_rop")
    return int(digits) if digits.isdigit() else None


def answers(net: Network, d: Derivation, step: Step, values: dict) -> tuple[Answer, ...]:
    """The learners' questions about ``step`` of ``net`` (see the module docstring)."""
    s, t, conv = net.spec, step.target, d.convention
    layer, n = _layer(t), _Numbers(net, d, values)
    if layer is None or d.program.batch is None:
        return ()
    kind, L = t.rstrip("0123456789"), s.L
    out: list[Answer] = []
    if layer == L and kind in ("dZ", "dA") and s.output == "sigmoid" and s.loss == "bce":
        out += [_cancellation(n)] if kind == "dZ" else []
        out.append(_log_one_minus(n))
    if layer == L and kind == "dZ" and s.output == "softmax" and s.loss == "ce":
        out.append(_softmax(n))
    hidden = layer < L
    if hidden and kind == "dZ" and s.hidden[layer - 1].name == "relu":
        out.append(_relu(n, layer))
    if hidden and kind in ("dA", "dA_drop", "dZ"):
        out.append(_transpose(n, layer, conv))
    if hidden and kind in ("dA", "dZ") and f"dA_drop{layer}" in d.targets:
        out.append(_dropout(n, layer, conv))
    if s.l2 and kind in ("dW", "db"):
        out.append(_l2(n, layer, conv))
    if kind == "db":
        out.append(_keepdims(n, layer, conv))
    if kind in ("dW", "db", "dZ"):
        out.append(_one_over_m(n, t))
    return tuple(out)
