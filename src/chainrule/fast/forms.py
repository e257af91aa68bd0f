"""NumPy spellings the fast step uses for functions, softmax and the cost — each an identity.

* **Elementwise functions** become one in-place ufunc each where NumPy has one; the sigmoid is
  ``σ(z) = ½ + ½ tanh(z/2)`` (four cheap calls, no overflow for any z, unlike ``1/(1 + e^{−z})``);
  relu′ is ``np.greater(x, 0, out=…)`` written straight into a float buffer.
* **Softmax** subtracts the column maximum first: ``exp(z − M) / Σ exp(z − M)`` equals
  ``exp(z) / Σ exp(z)`` and cannot overflow. ``M`` and the sum ``S`` are kept for the cost.
* **The cost** ``J = (1/m) Σ L (+ (λ/2m) Σ‖W‖²)`` is summed without building ``L``:
  binary cross-entropy ``Σ L = Σ softplus(Z) − Σ Y⊙Z`` (from ``log σ(z) = −softplus(−z)`` and
  ``log(1 − σ(z)) = −softplus(z)``), with ``softplus(z) = max(z, 0) + log1p(e^(−|z|))`` (five
  cheap calls, faster than ``np.logaddexp``); categorical cross-entropy
  ``Σ L = Σ_j (M_j + log S_j) − Σ Y⊙Z`` (the columns of Y sum to one); squared error
  ``Σ L = ½ ‖A − Y‖²``; ``Σ W² = vdot(W, W)``.
  Any other loss is evaluated as the program writes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy

from .. import scalar
from ..algebra.simplify import substitute
from ..ir import build
from ..ir.expr import Expr, walk

if TYPE_CHECKING:  # the emitter calls these forms; they only use its methods
    from .lower import Emitter, Value

__all__ = ["lower_fn", "softmax_of", "emit_softmax", "emit_cost", "cost_reads"]


# -- elementwise functions ------------------------------------------------------------------------
def lower_fn(em: Emitter, f: object, x: Expr, out: Value) -> None:
    """``out = f(x)`` in as few in-place calls as NumPy allows."""
    name = f.name
    one = _ONE_CALL.get(name) or _power_call(f)
    if one is not None:
        func, before, after = one
        return em.unary(lambda src: em.call(func, [*before, src, *after], out), x, out)
    if name == "sigmoid":
        return em.unary(lambda src: _sigmoid(em, src, out), x, out)
    if name == "leaky_step" and 0 <= f.params[0] < 1:
        return em.unary(lambda src: _leaky_step(em, src, out, float(f.params[0])), x, out)
    if name == "leaky_relu" and 0 <= f.params[0] < 1:
        src, t = em.operand(x)  # read twice, so never computed in ``out`` itself
        _leaky_relu(em, src, out, float(f.params[0]), em.reads(x) & em.reads_out(out))
        return em.done(t)
    em.fallback(build.fn(f, x), out)


_UFUNC = ("tanh", "exp", "log", "sqrt", "abs", "sign", "sin", "cos", "tan", "cbrt")
_ONE_CALL = {
    **{k: (f"np.{k}", [], []) for k in _UFUNC},
    "relu": ("np.maximum", [], ["0.0"]),
    "step": ("np.greater", [], ["0.0"]),  # a bool result written into a float buffer: 0.0 or 1.0
    "softplus": ("np.logaddexp", ["0.0"], []),
}


def _power_call(f: object) -> tuple[str, list, list] | None:
    if f.name != "power":
        return None
    k = f.params[0]
    if k == 2:
        return "np.square", [], []
    if k == -1:
        return "np.reciprocal", [], []
    if k == sympy.Rational(1, 2):
        return "np.sqrt", [], []
    return "np.power", [], [repr(float(k))]


def _sigmoid(em: Emitter, src: str, out: Value) -> None:
    """σ(z) = ½ + ½ tanh(z/2)."""
    em.call("np.multiply", [src, "0.5"], out)
    em.call("np.tanh", [out.local], out)
    em.call("np.multiply", [out.local, "0.5"], out)
    em.call("np.add", [out.local, "0.5"], out)


def _leaky_step(em: Emitter, src: str, out: Value, alpha: float) -> None:
    """1 where z > 0, α elsewhere: α + (1 − α)·𝟙[z > 0]."""
    em.call("np.greater", [src, "0.0"], out)
    em.call("np.multiply", [out.local, repr(1.0 - alpha)], out)
    em.call("np.add", [out.local, repr(alpha)], out)


def _leaky_relu(em: Emitter, src: str, out: Value, alpha: float, aliased: set) -> None:
    """max(z, α z) for 0 ≤ α < 1 (α z goes to a temporary when z lives in ``out``)."""
    t = em.temp(out.shape) if aliased else out
    em.call("np.multiply", [src, repr(alpha)], t)
    em.call("np.maximum", [t.local, src], out)
    if aliased:
        em.done(t)


# -- softmax --------------------------------------------------------------------------------------
def softmax_of(e: Expr) -> tuple[Expr, int] | None:
    """``(Z, axis)`` when ``e`` is ``exp(Z) / Σ_axis exp(Z)`` as the network spells it."""
    if e.op != "mul" or e.args[0].op != "fn" or e.args[0].attrs[0].name != "exp":
        return None
    z = e.args[0].args[0]
    for axis in (0, 1):
        if z.op == "var" and e == build.np_div(e.args[0], build.sum_(e.args[0], axis, True)):
            return z, axis
    return None


def emit_softmax(em: Emitter, target: str, z: Expr, axis: int, dying: set[str], l: str) -> None:
    """``A = exp(Z − M) / S`` with ``M`` the max and ``S`` the sum along ``axis``, both kept."""
    em.line(f"# {target} = softmax({z.name}) = exp({z.name} - M{l}) / S{l} (M{l}: max, stable)")
    kept = tuple(1 if i == axis else d for i, d in enumerate(z.shape))
    zs = em.values[z.name].local
    for name, func in ((f"M{l}", "np.maximum.reduce"), (f"S{l}", None)):
        em.kept(name, kept).buffer.holds.append(name)
        if func:
            em.call(func, [zs, f"axis={axis}", "keepdims=True"], em.values[name])
    out = em._out_for(target, build.fn(_exp(), z), dying)
    em.values[target] = out
    em.call("np.subtract", [zs, f"M{l}"], out)
    em.call("np.exp", [out.local], out)
    em.call("np.add.reduce", [out.local, f"axis={axis}", "keepdims=True"], em.values[f"S{l}"])
    em.call("np.divide", [out.local, f"S{l}"], out)
    em.kill(dying - {target})


def _exp() -> object:
    return scalar.FUNCTIONS["exp"]


# -- the cost -------------------------------------------------------------------------------------
def cost_reads(form: tuple, loss: Expr, cost: Expr) -> set[str]:
    """The quantities the cost reads (to keep them alive until it is computed)."""
    names = {v.name for v in walk(cost) if v.op == "var" and v.name != "L"}
    if form[0] == "generic":
        names |= {v.name for v in walk(loss) if v.op == "var"}
    else:
        names |= {v.name for v in form[1:] if isinstance(v, Expr)}
    return names


def emit_cost(em: Emitter, form: tuple, loss: Expr, cost: Expr) -> None:
    """``J = …`` as a Python float: every full sum in ``cost`` becomes one reduction."""
    table = {}
    for n in walk(cost):
        if n.op == "sum" and n.attrs[0] is None and n.shape == () and n not in table:
            name = f"sum{len(table) + 1}"
            em.line(f"{name} = {_total(em, n.args[0], form, loss)}")
            table[n] = build.var(name, ())
    em.line(f"J = float({em.printer.doprint(substitute(cost, table))})")


def _total(em: Emitter, x: Expr, form: tuple, loss: Expr) -> str:
    """Σ of all entries of ``x`` as one expression (lines it needs are emitted first)."""
    if x.op == "var" and x.name == "L":
        return _loss_total(em, form, loss)
    if x.op == "fn" and x.attrs[0].name == "power" and x.attrs[0].params[0] == 2:
        if em.simple(x.args[0]):
            s, _ = em.operand(x.args[0])
            return f"np.vdot({s}, {s})"
    t = em.temp(x.shape)
    em.into(x, t)
    em.done(t)
    return f"np.add.reduce({t.local}, axis=None)"


def _loss_total(em: Emitter, form: tuple, loss: Expr) -> str:
    kind = form[0]
    if kind == "generic":
        return _total(em, loss, ("none",), loss)
    if kind == "mse":  # ½ ‖A − Y‖²
        _, a, y = form
        t = em.temp(a.shape)
        em.call("np.subtract", [em.values[a.name].local, y.name], t)
        em.done(t)
        return f"0.5 * np.vdot({t.local}, {t.local})"
    if kind == "bce":  # Σ softplus(Z) − Σ Y⊙Z, softplus(z) = max(z, 0) + log(1 + e^(−|z|))
        _, z, y = form
        t, u = em.temp(z.shape), em.temp(z.shape)
        zs = em.values[z.name].local
        for func in ("np.abs", "np.negative", "np.exp", "np.log1p"):
            em.call(func, [t.local if t.bound else zs], t)
        em.call("np.maximum", [zs, "0.0"], u)
        em.done(t, u)
        total = f"np.add.reduce({t.local}, axis=None) + np.add.reduce({u.local}, axis=None)"
        return f"{total} - np.vdot({y.name}, {zs})"
    _, z, y, l = form  # "ce": Σ_j (M_j + log S_j) − Σ Y⊙Z
    t = em.temp(em.values[f"S{l}"].shape)
    em.call("np.log", [f"S{l}"], t)
    em.call("np.add", [t.local, f"M{l}"], t)
    em.done(t)
    zs = em.values[z.name].local
    return f"np.add.reduce({t.local}, axis=None) - np.vdot({y.name}, {zs})"
