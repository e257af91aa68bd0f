"""The learners' questions about hidden layers and parameters: relu′ at 0, the transpose that is
not an inverse, dropout's zero gradient, what L2 changes, db's sum with keepdims, where 1/m goes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..evaluate import run
from ..ir import build
from ..nets.network import Network
from ..rules.primitives import derivative_of
from .doc import Entry, Partial, Sub, Sym, Txt, row
from .questions import TOLERANCE, Answer, Numbers, error, layer_of

__all__ = ["relu", "l2", "dropout", "transpose", "keepdims", "one_over_m"]


# -- (4): relu′ and its value at 0 --------------------------------------------------------------
def relu(n: Numbers, layer: int) -> Answer:
    Z = n.var(f"Z{layer}")
    rec = n.spec.hidden[layer - 1]
    z = np.asarray(n.env["course"][f"Z{layer}"], dtype=float)
    a = np.asarray(n.env["course"][f"A{layer}"], dtype=float)
    sympy_d = np.asarray(n.value(derivative_of(rec, Z)), dtype=float)
    mask = sympy_d == (z > 0)
    zeros = int(np.sum(z == 0))
    facts = (
        n.fact(
            (
                "relu(z) = max(0, z), so relu′(z) = 1 where z > 0 and 0 where z < 0: on this "
                "explanation's numbers it is exactly the mask ",
                Txt(f"(Z{layer} > 0)"),
                f" ({int(np.sum(z > 0))} of {z.size} entries are 1).",
            ),
            bool(np.all(mask)),
        ),
        n.fact(
            (
                "At z = 0 exactly relu has no derivative; the course uses 0 there (",
                Txt("dZ[Z <= 0] = 0"),
                "), and so does this derivation; any value in [0, 1] is a valid subgradient. It "
                "does not matter in practice: the set where z = 0 has measure zero, so "
                f"an entry of «Z{layer}» is exactly 0 with probability 0 (here {zeros} of "
                f"{z.size}).",
            ),
            bool(np.asarray(n.value_at(derivative_of(rec, Z), Z, 0.0)).max() == 0),
        ),
        n.fact(
            (
                f"«A{layer}» > 0 exactly where «Z{layer}» > 0, so ",
                Txt(f"A{layer} > 0"),
                " is the same mask; but ",
                Txt(f"A{layer} >= 0"),
                f" is true everywhere («A{layer}» = max(0, «Z{layer}») ≥ 0), so it is not relu′.",
            ),
            bool(np.array_equal(a > 0, z > 0) and np.all(a >= 0)),
        ),
    )
    question = ("What is relu′(", n.sym(f"Z{layer}"), "), and what happens at 0?")
    return Answer("relu", question, (), (), facts)


# -- (5): L2 changes dW only --------------------------------------------------------------------
def l2(n: Numbers, layer: int, convention: str) -> Answer:
    plain = Network(replace(n.spec, l2=0.0))
    d0 = plain.derive(convention)
    env0 = run(plain.program, {k: v for k, v in n.values.items() if k != "lambd"}, d0)
    env = n.env[convention]
    lam, m = float(n.values["lambd"]), n.m
    W = np.asarray(env[f"W{layer}"], dtype=float)
    dw = error(np.asarray(env[f"dW{layer}"]) - lam / m * W, env0[f"dW{layer}"])
    same = max(error(env[f"{q}{l}"], env0[f"{q}{l}"]) for q in ("db", "dZ") for l in (layer,))
    h, k, E = 1e-6, (0, 0), np.zeros_like(W)
    E[k] = h
    fd = lam / (2 * m) * (np.sum((W + E) ** 2) - np.sum((W - E) ** 2)) / (2 * h)
    facts = (
        n.fact(
            (
                "The cost gains (λ/2m) Σₗ ‖W[l]‖² (every weight squared and added up). Its "
                f"derivative with respect to «W{layer}» is (λ/2m)·2 «W{layer}» = (λ/m) «W{layer}»: "
                "each entry only meets its own square (checked by central differences on the first "
                f"entry: {fd:.6g} against {lam / m * W[k]:.6g}).",
            ),
            abs(fd - lam / m * W[k]) < 1e-6 * max(1.0, abs(fd)),
        ),
        n.fact(
            (
                n.sym(f"dW{layer}"),
                " − (λ/m) ",
                n.sym(f"W{layer}"),
                " is exactly the dW of the same network without L2 (on this explanation's numbers: "
                f"difference below {TOLERANCE:g}).",
            ),
            dw < TOLERANCE,
        ),
        n.fact(
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
def dropout(n: Numbers, layer: int, convention: str) -> Answer:
    env = n.env[convention]
    dA, drop = np.asarray(env[f"dA{layer}"]), np.asarray(env[f"dA_drop{layer}"])
    D = np.asarray(n.values[f"D{layer}"], dtype=float)
    kp = float(n.values[f"keep_prob{layer}"])
    dropped, kept = D == 0, D == 1
    facts = (
        n.fact(
            (
                f"Forward, «A_drop{layer}» = «A{layer}» ⊙ «D{layer}» / keep_prob, so the local "
                f"derivative is «D{layer}» / keep_prob entry by entry and ",
                row(n.sym(f"dA{layer}"), "=", n.ex(n.d[f"dA{layer}"].expanded)),
                ".",
            ),
            error(dA, drop * D / kp) < TOLERANCE,
        ),
        n.fact(
            (
                f"A dropped unit (D = 0) did not take part in the forward pass, so its gradient is "
                f"exactly 0: here {int(dropped.sum())} of {D.size} entries are dropped and ",
                n.sym(f"dA{layer}"),
                " is 0 at every one of them.",
            ),
            bool(np.all(dA[dropped] == 0)),
        ),
        n.fact(
            (
                f"A kept unit's gradient is multiplied by 1/keep_prob = {1 / kp:.6g}, the same "
                "factor "
                "the forward pass applied (inverted dropout keeps the expected activation, and so "
                "its gradient, the size it has without dropout); checked on the kept entries.",
            ),
            error(dA[kept], drop[kept] / kp) < TOLERANCE,
        ),
    )
    return Answer("dropout", ("What does dropout do to the gradient?",), (), (), facts)


# -- (7): the transpose is not an inverse -------------------------------------------------------
def transpose(n: Numbers, layer: int, convention: str) -> Answer:
    """For the adjoint of A[layer] through Z[layer + 1] = W[layer + 1] A[layer] + b."""
    env, nxt = n.env[convention], layer + 1
    W, dZ = np.asarray(env[f"W{nxt}"], dtype=float), np.asarray(env[f"dZ{nxt}"], dtype=float)
    used = f"A_drop{layer}" if f"dA_drop{layer}" in env else f"A{layer}"
    if n.spec.layout == "columns":
        index_sum = np.einsum("ji,jk->ik", W, dZ)  # Σⱼ W[j, i] dZ[j, k]
        index = "first (row)"
    else:
        index_sum = np.einsum("kj,ij->ki", dZ, W)  # Σⱼ dZ[k, j] W[i, j]
        index = "second (column)"
    inverse, ok = _inverse_words(W, nxt)
    facts = (
        n.fact(
            (
                f"«Z{nxt}» uses every entry of «{used}» once per unit j of layer {nxt}, weighted "
                f"by «W{nxt}»; the gradient adds those uses up: ",
                *_index_sum(n, used, nxt, convention),
                f". The sum runs over W's {index} index, which is what the transpose pairs — Wᵀ "
                "comes from that index sum, not from undoing W (checked: the index sum equals the "
                "backward pass's value).",
            ),
            error(index_sum, env[f"d{used}"]) < TOLERANCE,
        ),
        n.fact(inverse, ok),
    )
    W_ = n.var(f"W{nxt}")
    question = ("Is ", n.ex(build.transpose(W_)), " an inverse of ", n.sym(f"W{nxt}"), "?")
    return Answer("transpose", question, (), (), facts)


def _index_sum(n: Numbers, used: str, nxt: int, convention: str) -> tuple:
    """``∂L/∂a[1]ᵢₖ = Σⱼ W[2]ⱼᵢ ∂L/∂z[2]ⱼₖ = (W[2]ᵀ dZ[2])ᵢₖ`` (examples as columns), as math."""
    W, dZ = n.var(f"W{nxt}"), n.var(f"dZ{nxt}")
    columns = n.spec.layout == "columns"
    product = (
        build.matmul(build.transpose(W), dZ) if columns else build.matmul(dZ, build.transpose(W))
    )
    letters = ("i", "k") if columns else ("k", "i")
    top = "L" if convention == "course" else "J"
    entry = Entry(product, letters, n.naming, top, adjoints=((f"dZ{nxt}", f"Z{nxt}"),))
    target = Partial(Sym(top), Sym(used, n.naming, letters, True))
    return (row(target, "=", entry, "=", Sub(n.ex(product), letters)),)


def _inverse_words(W: np.ndarray, nxt: int) -> tuple[tuple, bool]:
    """What W⁻¹ would be, measured: absent (not square, or singular) or different from Wᵀ."""
    if W.shape[0] != W.shape[1]:
        return (f"«W{nxt}» is {W.shape[0]} × {W.shape[1]}: not square, so it has no inverse at "
                "all — and the formula never needs one.",), True  # fmt: skip
    try:
        gap = float(np.max(np.abs(np.linalg.inv(W) - W.T)))
    except np.linalg.LinAlgError:
        return (f"«W{nxt}» is square here but singular: it has no inverse, and the formula "
                "never needs one.",), True  # fmt: skip
    return (f"«W{nxt}» happens to be square here, and still W⁻¹ differs from Wᵀ by up to "
            f"{gap:.3g} on this explanation's numbers.",), gap > 1e-6  # fmt: skip


# -- (8): db sums over the examples with keepdims ----------------------------------------------
def keepdims(n: Numbers, layer: int, convention: str) -> Answer:
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
        n.fact(
            (
                f"«b{layer}» is added to every example, so its gradient adds up the examples: the "
                "sum "
                f"runs over axis {ax}, the one of length m, and ",
                Txt(f"np.sum(dZ{layer}, axis={ax}, keepdims=True)"),
                f" has shape {kept.shape}, the shape of «b{layer}».",
            ),
            kept.shape == b.shape and error(kept / n.m, env[f"db{layer}"]) < TOLERANCE
            if convention == "course"
            else kept.shape == b.shape,
        ),
        n.fact(
            (f"Without keepdims the result is {flat.shape}, one axis short; {tail}.",),
            flat.shape == (units,),
        ),
        n.fact(
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
def one_over_m(n: Numbers, target: str) -> Answer:
    course, exact = n.env["course"], n.env["exact"]
    L, m = n.spec.L, n.m
    unit = "column" if n.batch_axis == 1 else "row"
    params = [s for s in n.d.steps if s.target[:2] in ("dW", "db")]
    same = max(error(exact[s.target], course[s.target]) for s in params)
    dz = max(error(exact[f"dZ{l}"], np.asarray(course[f"dZ{l}"]) / m) for l in range(1, L + 1))
    facts = (
        n.fact(
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
        n.fact(
            (
                f"Putting the 1/m in «dZ{L}» instead, «dZ{L}» = (1/m)(«A{L}» − Y), and none in dW "
                "and db (the exact convention, every d· = ∂J/∂·) is equally right: on this "
                "explanation's numbers every dW and db agree (difference below "
                f"{TOLERANCE:g}) and every dZ is 1/m times the course's (difference below "
                f"{TOLERANCE:g}). Wrong is 1/m in both places — or in neither.",
            ),
            same < TOLERANCE and dz < TOLERANCE,
        ),
    )
    return Answer("one-over-m", ("Why is 1/m in dW and db but not in dZ?",), (), (), facts)


def _average(n: Numbers, target: str) -> float:
    """How far the course's dW[l] is from the average over the examples of their own
    ∂L⁽ⁱ⁾/∂W[l] (plus the L2 term): 0 when 1/m is exactly the averaging."""
    env, layer = n.env["course"], layer_of(target)
    prev = env.get(f"A_drop{layer - 1}", env.get(f"A{layer - 1}", env["X"]))
    dZ, prev = np.asarray(env[f"dZ{layer}"]), np.asarray(prev)
    if n.batch_axis == 0:
        dZ, prev = dZ.T, prev.T
    per_example = [np.outer(dZ[:, i], prev[:, i]) for i in range(n.m)]
    dW = np.asarray(env[f"dW{layer}"]) - float(n.values.get("lambd", 0.0)) / n.m * np.asarray(
        env[f"W{layer}"]
    )
    return error(dW if n.batch_axis == 1 else dW.T, np.mean(per_example, axis=0))
