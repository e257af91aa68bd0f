"""What the fast step computes: the derivation's own formulas, pruned, rescaled and rewritten.

Every decision here is made on the IR, before any code is printed, and each one is an identity:

* **Only what is needed.** Starting from the parameter gradients (``dW``, ``db``), keep the backward
  steps and forward equations they read, transitively. ``dL``, ``dA[L]`` (inlined into ``dZ[L]``)
  and ``dA[0]`` are never computed; ``L`` and ``J`` only when the cost is asked for.
* **The 1/m moves to the seed.** Every step is linear in the seed of the backward pass. If the
  per-example adjoints (``dZ``, ``dA``) are computed pre-multiplied by ``c = scale/m`` — ``c``
  enters once, at the root ``dZ[L] = c (A[L] − Y)``, the smallest array — then
  ``dW = (1/m) dZ A_prevᵀ`` needs no scaling at all and ``scale·dW`` comes out directly:
  ``scale = 1`` gives the gradients, ``scale = lr`` the gradient-descent step. Terms that carry
  no adjoint (the L2 term ``λ W / m``) take their factor explicitly. A step that is not linear in
  the adjoints (none of the built-in networks has one) switches the rescaling off and the factors
  stay where the derivation put them.
* **Values shared between forward and backward.** ``relu′(Z) = 𝟙[Z > 0] = 𝟙[A > 0]`` is read from
  ``A = relu(Z)``, so ``Z`` dies with the forward pass and ``A`` may overwrite it in place; tanh and
  sigmoid derivatives are already written with ``A`` by the derivation.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import scalar
from ..algebra.simplify import simplify, substitute
from ..autodiff.derivation import Derivation, Step, needed
from ..autodiff.program import Program
from ..ir import build
from ..ir.expr import Expr, leaves, walk

__all__ = ["Statement", "Plan", "make_plan", "SCALE"]

SCALE = build.var("scale", ())  # the caller's factor: 1 for gradients, lr for a GD step


@dataclass(frozen=True)
class Statement:
    """``target = expr``; ``teaching`` is the derivation's own formula (None for forward ones)."""

    target: str
    expr: Expr
    teaching: Expr | None = None


@dataclass(frozen=True)
class Plan:
    """The statements of one compiled step, in order, and what they hand back."""

    program: Program  # the numerically stable forward program
    forward: tuple[Statement, ...]  # only those the backward pass (or the output) reads
    backward: tuple[Statement, ...]
    outputs: tuple[str, ...]  # "dW1", "db1", … in parameter order
    rescaled: bool  # True: adjoints carry c = scale/m (see the module docstring)
    output: str  # the name of A[L]
    shared: tuple[str, ...] = ()  # activations whose derivative is read from A instead of Z


def make_plan(program: Program, derivation: Derivation, output: str, rescale: bool = True) -> Plan:
    """Prune, rescale (unless ``rescale=False``) and rewrite ``derivation`` (course convention)
    of the stable ``program``."""
    params = [s for s in derivation.steps if s.kind == "param"]
    position = {name: i for i, name in enumerate(program.params)}
    outputs = tuple(s.target for s in sorted(params, key=lambda s: position[s.of]))
    backward = list(derivation.update_steps)  # the teaching code's gradients() prints the same
    rescaled = _rescaled(backward, program.batch) if rescale else {}
    eqs = {eq.name: eq.expr for eq in program.equations}
    rewrite = _shared_values(program)
    back = _reuse_outputs(
        tuple(
            Statement(s.target, substitute(_formula(s, rescaled), rewrite), s.expr)
            for s in backward
        ),
        set(outputs),
    )
    reads = [v.name for st in back for v in leaves(st.expr)] + [output]
    fwd_names = needed(reads, eqs)
    forward = tuple(Statement(n, e) for n, e in eqs.items() if n in fwd_names)
    shared = tuple(sorted({v.name for st in back for v in leaves(st.expr)} & _sources(rewrite)))
    return Plan(program, forward, back, outputs, bool(rescaled), output, shared)


def _reuse_outputs(back: tuple[Statement, ...], outputs: set[str]) -> tuple[Statement, ...]:
    """A later formula that recomputes a parameter gradient already in its output array reads
    the array instead: batch norm's ``dZ`` holds ``Σ dZ̃ = dβ`` and ``Σ (Ẑ ⊙ dZ̃) = dγ``. Both
    carry the same factor (``c`` rides on ``dZ̃``), and an output is never overwritten during a
    step, so the numbers are the same ones."""
    done: dict[tuple, Expr] = {}
    out = []
    for st in back:
        table = {n: done[_key(n)] for n in walk(st.expr) if n.op == "sum" and _key(n) in done}
        e = substitute(st.expr, table) if table else st.expr
        out.append(Statement(st.target, e, st.teaching))
        if st.target in outputs and st.expr.op == "sum":
            done.setdefault(_key(st.expr), build.var(st.target, st.expr.shape))
    return tuple(out)


def _key(e: Expr) -> tuple:
    """``e`` up to the order of the operands of + and ⊙ (``Ẑ ⊙ dZ̃`` is ``dZ̃ ⊙ Ẑ``)."""
    args = tuple(_key(a) for a in e.args)
    if e.op in ("add", "mul"):
        args = tuple(sorted(args, key=repr))
    return (e.op, e.attrs, e.shape, args)


def _formula(s: Step, rescaled: dict[str, Expr]) -> Expr:
    """The rescaled formula, or the derivation's own (a parameter's times ``scale``)."""
    if rescaled:
        return rescaled[s.target]
    return build.scale(SCALE, s.expr) if s.kind == "param" else s.expr


# -- the 1/m moves to the seed --------------------------------------------------------------------
def _rescaled(steps: list[Step], batch: str | None) -> dict[str, Expr]:
    """target → the step's formula computing ``c·step`` (intermediates) or ``scale·step`` (params).

    Empty when some step is not linear in the adjoints: then nothing is rescaled.
    """
    if batch is None:
        return {}
    adjoints = {s.target for s in steps if s.kind != "param"}
    m = build.dim(batch)
    c = build.mul(SCALE, build.np_pow(m, -1))
    out = {}
    for s in steps:
        k1, k0 = (m, SCALE) if s.kind == "param" else (None, c)
        e = _rescale(s.expr, adjoints, k1, k0)
        if e is None:
            return {}
        out[s.target] = e
    return out


def _rescale(e: Expr, adjoints: set[str], k1: Expr | None, k0: Expr) -> Expr | None:
    """``k1·(adjoint-linear terms) + k0·(adjoint-free terms)`` of ``e``; None if not linear."""
    terms = _terms(e, None)
    degrees = [_degree(core, adjoints) for _, core in terms]
    if None in degrees:
        return None
    linear = [t for t, d in zip(terms, degrees, strict=True) if d == 1]
    free = [t for t, d in zip(terms, degrees, strict=True) if d == 0]
    parts = [p for p in (_times(k1, linear), _times(k0, free)) if p is not None]
    out = parts[0]
    for p in parts[1:]:
        out = build.add(out, p)
    return out


def _terms(e: Expr, coef: Expr | None) -> list[tuple[Expr | None, Expr]]:
    """``e`` as a sum of ``coefficient · core`` terms (top-level sums and scalings only)."""
    if e.op == "add":
        return _terms(e.args[0], coef) + _terms(e.args[1], coef)
    if e.op == "scale":
        return _terms(e.args[1], _mul(coef, e.args[0]))
    return [(coef, e)]


def _degree(e: Expr, adjoints: set[str]) -> int | None:
    """How many adjoint factors each term of ``e`` has: 0, 1, or None (mixed or nonlinear)."""
    if e.op == "var":
        return 1 if e.name in adjoints else 0
    if e.is_leaf:
        return 0
    ds = [_degree(a, adjoints) for a in e.args]
    if None in ds:
        return None
    if e.op == "add":
        return ds[0] if ds[0] == ds[1] else None
    if e.op == "fn":
        return 0 if ds[0] == 0 else None
    total = sum(ds)
    return total if total <= 1 else None


def _times(k: Expr | None, terms: list[tuple[Expr | None, Expr]]) -> Expr | None:
    """``k · Σ terms``: one term absorbs ``k`` into its coefficient, several keep their own."""
    if not terms:
        return None
    if len(terms) == 1:
        return _scaled(_mul(k, terms[0][0]), terms[0][1])
    total = _scaled(*terms[0])
    for coef, core in terms[1:]:
        total = build.add(total, _scaled(coef, core))
    return _scaled(k, total)


def _mul(a: Expr | None, b: Expr | None) -> Expr | None:
    if a is None or b is None:
        return b if a is None else a
    return simplify(build.mul(a, b))


def _scaled(coef: Expr | None, core: Expr) -> Expr:
    if coef is None or (coef.op == "const" and coef.attrs[0] == 1):
        return core
    return build.scale(coef, core)


# -- values shared between forward and backward ---------------------------------------------------
_POSITIVE_TOGETHER = {"step": ("relu",), "leaky_step": ("leaky_relu",)}


def _shared_values(program: Program) -> dict[Expr, Expr]:
    """``𝟙[Z > 0] → 𝟙[A > 0]`` where ``A = relu(Z)`` (A is positive exactly where Z is), so
    the backward pass reads A and Z need not outlive the forward pass."""
    table = {}
    for eq in program.equations:
        e = eq.expr
        if e.op == "fn" and e.args[0].op == "var":
            for deriv, fns in _POSITIVE_TOGETHER.items():
                if e.attrs[0].name in fns:
                    d = _derivative_record(deriv, e.attrs[0])
                    table[build.fn(d, e.args[0])] = build.fn(d, eq.var)
    return table


def _sources(rewrite: dict[Expr, Expr]) -> set[str]:
    """The activations ``A`` that the rewrites read."""
    return {new.args[0].name for new in rewrite.values()}


def _derivative_record(name: str, f: object) -> object:
    """The record of relu′ (``step``) or leaky relu′ (``leaky_step`` with the same slope)."""
    if name == "step":
        return scalar.FUNCTIONS["step"]
    return scalar.SYMPY_FUNCTIONS[scalar.leaky_step](*f.params)
