"""Convolution and pooling rules in the forms people write, evaluated on an explanation's numbers.

A convolution's backward pass is written two ways. The course's **scatter** form loops over output
positions and sends ``W·dZ`` back over each window (``dA_pad[window] += W[..., c] * dZ[i,h,w,c]``).
The **gather** form fixes one input entry and collects the outputs whose windows cover it; the index
substitution ``y = h·s + kh − p  ⇒  kh = y + p − h·s`` turns one into the other, and after dilating
dZ by the stride and rotating the kernel by 180° the gather is a "full" correlation — what
chainrule's kernel (:func:`chainrule.rules.conv_kernels.conv2d_backward_input`) computes.

This module finds the convolution and pooling steps among an explanation's factors and evaluates
each form *independently*, as plain loops written the way a learner writes them, on the numbers of
the explanation's numeric check; :mod:`chainrule.explain.conv_section` writes the prose. The claim
"both forms are equal" is therefore checked each time an explanation is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..autodiff.derivation import Derivation, Step
from ..evaluate import bind, evaluate, run
from ..ir.expr import Expr, walk
from .chain import Term

__all__ = ["ConvForms", "conv_forms", "scatter_input", "gather_input", "window_picture"]

BACKWARD = {
    "conv2d_backward_input": "input",
    "conv2d_backward_filter": "filter",
    "max_pool_backward": "max_pool",
    "avg_pool_backward": "avg_pool",
}


@dataclass(frozen=True)
class ConvForms:
    """One convolution or pooling step in its forms, with their values on the same numbers.

    ``kind`` is ``input`` (dA_prev), ``filter`` (dW), ``bias`` (db), ``max_pool`` or ``avg_pool``;
    ``names`` maps the roles (``dZ``, ``W``, ``A_prev``) to the program's names; ``forms`` holds
    (form name, value): the scatter loop, the gather loop and the derivation's formula.
    """

    kind: str
    f: int
    stride: int
    pad: int
    names: Mapping[str, str]
    forms: tuple[tuple[str, np.ndarray], ...] = field(compare=False)
    entry: tuple[int, ...] = ()  # the input (or filter) entry the window picture is drawn for
    picture: tuple[tuple[str, ...], ...] = ()  # rows of the picture's grid
    window: Mapping[str, np.ndarray] = field(compare=False, default_factory=dict)

    @property
    def max_difference(self) -> float:
        first = self.forms[0][1]
        return max(float(np.max(np.abs(v - first), initial=0.0)) for _, v in self.forms)

    @property
    def agree(self) -> bool:
        scale = max(float(np.max(np.abs(self.forms[0][1]), initial=0.0)), 1.0)
        return self.max_difference <= 1e-12 * scale


# -- the forms, as loops (the course's scatter and the substituted gather) ------------------------
def _pad(A: np.ndarray, p: int) -> np.ndarray:
    return np.pad(A, ((0, 0), (p, p), (p, p), (0, 0)))


def scatter_input(W: np.ndarray, dZ: np.ndarray, s: int, p: int, size: tuple) -> np.ndarray:
    """The course's loop: ``dA_pad[i, h·s:h·s+f, w·s:w·s+f, :] += W[:, :, :, c] · dZ[i,h,w,c]``."""
    m, n_H, n_W, n_C = dZ.shape
    f = W.shape[0]
    dA_pad = np.zeros((m, size[0] + 2 * p, size[1] + 2 * p, W.shape[2]))
    for i, h, w, c in np.ndindex(m, n_H, n_W, n_C):
        dA_pad[i, h * s : h * s + f, w * s : w * s + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
    return dA_pad[:, p : p + size[0], p : p + size[1], :]


def _covering(y: int, s: int, p: int, f: int, n: int) -> range:
    """The output rows h whose window covers input row y: 0 ≤ y + p − h·s < f."""
    return range(max(0, -(-(y + p - f + 1) // s)), min(n - 1, (y + p) // s) + 1)


def gather_input(W: np.ndarray, dZ: np.ndarray, s: int, p: int, size: tuple) -> np.ndarray:
    """After the substitution: ``dA_prev[i,y,x,:] = Σ_{h,w} W[y+p−h·s, x+p−w·s] · dZ[i,h,w,:]``."""
    m, n_H, n_W, _ = dZ.shape
    f = W.shape[0]
    dA = np.zeros((m, size[0], size[1], W.shape[2]))
    for i, y, x in np.ndindex(m, *size):
        for h in _covering(y, s, p, f, n_H):
            for w in _covering(x, s, p, f, n_W):
                dA[i, y, x] += W[y + p - h * s, x + p - w * s] @ dZ[i, h, w]
    return dA


def scatter_filter(A: np.ndarray, dZ: np.ndarray, s: int, p: int, f: int) -> np.ndarray:
    """The course's loop: ``dW[:, :, :, c] += A_pad[i, h·s:h·s+f, w·s:w·s+f, :] · dZ[i,h,w,c]``."""
    A_pad = _pad(A, p)
    dW = np.zeros((f, f, A.shape[3], dZ.shape[3]))
    for i, h, w, c in np.ndindex(dZ.shape):
        dW[:, :, :, c] += A_pad[i, h * s : h * s + f, w * s : w * s + f, :] * dZ[i, h, w, c]
    return dW


def gather_filter(A: np.ndarray, dZ: np.ndarray, s: int, p: int, f: int) -> np.ndarray:
    """Each filter entry collects what it met:
    ``dW[kh,kw,c',c] = Σ_{i,h,w} A_pad[i, h·s+kh, w·s+kw, c'] · dZ[i,h,w,c]``."""
    A_pad, (_, n_H, n_W, _) = _pad(A, p), dZ.shape
    dW = np.zeros((f, f, A.shape[3], dZ.shape[3]))
    for kh, kw in np.ndindex(f, f):
        met = A_pad[:, kh : kh + s * (n_H - 1) + 1 : s, kw : kw + s * (n_W - 1) + 1 : s]
        dW[kh, kw] = np.einsum("ihwa,ihwc->ac", met, dZ)
    return dW


def scatter_bias(dZ: np.ndarray) -> np.ndarray:
    """The course's loop: ``db[:, :, :, c] += dZ[i,h,w,c]``."""
    db = np.zeros((1, 1, 1, dZ.shape[3]))
    for i, h, w, c in np.ndindex(dZ.shape):
        db[0, 0, 0, c] += dZ[i, h, w, c]
    return db


def scatter_pool(A: np.ndarray | None, dA: np.ndarray, f: int, s: int, size: tuple) -> np.ndarray:
    """The course's ``pool_backward``: the mask ``x == np.max(x)`` (or ``dA / f²`` spread)."""
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros((m, *size, n_C))
    for i, h, w, c in np.ndindex(m, n_H, n_W, n_C):
        rows, cols = slice(h * s, h * s + f), slice(w * s, w * s + f)
        if A is None:
            dA_prev[i, rows, cols, c] += dA[i, h, w, c] / (f * f)
        else:
            window = A[i, rows, cols, c]
            dA_prev[i, rows, cols, c] += (window == np.max(window)) * dA[i, h, w, c]
    return dA_prev


# -- the window picture ----------------------------------------------------------------------------
def window_picture(y: int, x: int, f: int, s: int, p: int, out: tuple) -> tuple:
    """For input entry (y, x): a grid over dZ's (h, w), ``W[kh,kw]`` where that output's window
    covers the entry (kh = y + p − h·s), ``·`` where it does not."""
    return tuple(
        tuple(
            f"W[{y + p - h * s},{x + p - w * s}]"
            if 0 <= y + p - h * s < f and 0 <= x + p - w * s < f
            else "·"
            for w in range(out[1])
        )
        for h in range(out[0])
    )


def filter_picture(kh: int, kw: int, s: int, out: tuple, padded: tuple) -> tuple:
    """For filter entry (kh, kw): a grid over A_pad, ``dZ[h,w]`` on the entries it met."""
    met = {(h * s + kh, w * s + kw): f"dZ[{h},{w}]" for h in range(out[0]) for w in range(out[1])}
    return tuple(tuple(met.get((r, c), "·") for c in range(padded[1])) for r in range(padded[0]))


# -- finding the steps and evaluating them ------------------------------------------------------
def _name(e: Expr, fallback: str) -> str:
    return e.name if e.op == "var" else fallback


def _evaluable(n: Expr, env: Mapping[str, object]) -> bool:
    return all(v.name in env for v in walk(n) if v.op == "var")


def _backward_nodes(step: Step, terms: tuple[Term, ...], env: Mapping) -> list[Expr]:
    """The backward operations in the step's formula (or, failing that, in its factors' rules)."""
    found = [n for n in walk(step.expr) if n.op in BACKWARD]
    if not found:
        vjps = [f.vjp for t in terms for f in t.factors if f.vjp is not None]
        found = [n for v in vjps for n in walk(v) if n.op in BACKWARD]
    return list(dict.fromkeys(n for n in found if _evaluable(n, env)))


def _conv_of(fac: object) -> Expr | None:
    root = fac.equation.expr if fac.equation is not None else None
    return next((n for n in walk(root) if n.op == "conv2d"), None) if root is not None else None


def _sums(e: Expr) -> tuple[Expr, Expr] | None:
    """The outermost sum in ``e`` (past scalings) and what its nested sums add up."""
    while e.op != "sum":
        inner = [a for a in e.args if any(n.op == "sum" for n in walk(a))]
        if not inner:
            return None
        e = inner[0]
    top = e
    while e.op == "sum":
        e = e.args[0]
    return top, e


def _bias_forms(step: Step, terms: tuple[Term, ...], value) -> list[ConvForms]:  # noqa: ANN001
    """db: the sums in the step's formula over an adjoint of a convolution's shape."""
    convs = [z for t in terms for f in t.factors if (z := _conv_of(f)) is not None]
    sums = _sums(step.expr)
    if not convs or sums is None or sums[1].shape != convs[0].shape:
        return []
    (top, g), z = sums, convs[0]
    names = {"dZ": _name(g, "dZ"), "db": step.target}
    forms = (("scatter", scatter_bias(value(g))), ("formula", value(top).reshape(1, 1, 1, -1)))
    return [ConvForms("bias", z.args[1].shape[0], *z.attrs, names, forms)]


def _node_forms(n: Expr, value, step_name: str) -> ConvForms:  # noqa: ANN001
    kind, formula = BACKWARD[n.op], value(n)
    if kind == "input":
        g, W = n.args
        s, p = n.attrs
        f, size = W.shape[0], formula.shape[1:3]
        dZ, Wv = value(g), value(W)
        y, x = size[0] // 2, size[1] // 2
        forms = (
            ("scatter", scatter_input(Wv, dZ, s, p, size)),
            ("gather", gather_input(Wv, dZ, s, p, size)),
            ("formula", formula),
        )
        names = {"dZ": _name(g, "dZ"), "W": _name(W, "W"), "dA_prev": step_name}
        picture = window_picture(y, x, f, s, p, dZ.shape[1:3])
        return ConvForms(kind, f, s, p, names, forms, (y, x), picture)
    if kind == "filter":
        A, g = n.args
        s, p = n.attrs
        f, dZ, Av = formula.shape[0], value(g), value(A)
        forms = (
            ("scatter", scatter_filter(Av, dZ, s, p, f)),
            ("gather", gather_filter(Av, dZ, s, p, f)),
            ("formula", formula),
        )
        names = {"dZ": _name(g, "dZ"), "A_prev": _name(A, "A_prev"), "dW": step_name}
        padded = (Av.shape[1] + 2 * p, Av.shape[2] + 2 * p)
        picture = filter_picture(f // 2, f // 2, s, dZ.shape[1:3], padded)
        return ConvForms(kind, f, s, p, names, forms, (f // 2, f // 2), picture)
    f, s = n.attrs
    A = value(n.args[0]) if kind == "max_pool" else None
    dA = value(n.args[-1])
    forms = (("scatter", scatter_pool(A, dA, f, s, formula.shape[1:3])), ("formula", formula))
    names = {"dA": _name(n.args[-1], "dA"), "dA_prev": step_name}
    if A is not None:
        names["A_prev"] = _name(n.args[0], "A_prev")
    window = {} if A is None else {"window": A[0, :f, :f, 0], "dA": dA[0, 0, 0, 0]}
    return ConvForms(kind, f, s, 0, names, forms, (0, 0), (), window)


def conv_forms(
    d: Derivation, step: Step, terms: tuple[Term, ...], values: Mapping[str, np.ndarray]
) -> tuple[ConvForms, ...]:
    """The convolution and pooling steps of ``step``, each form evaluated on ``values``."""
    ops = {op for t in terms for f in t.factors for op in f.ops}
    near_conv = any(_conv_of(f) is not None for t in terms for f in t.factors)
    if not ops & {"conv2d", "max_pool", "avg_pool"} and not near_conv:
        return ()
    env = run(d.program, values, d)
    dims = bind(d.program.inputs, values)

    def value(e: Expr) -> np.ndarray:
        return np.asarray(evaluate(e, env, dims), float)

    found = [_node_forms(n, value, step.target) for n in _backward_nodes(step, terms, env)]
    return tuple(found or _bias_forms(step, terms, value))
