"""Statistics over an axis and the log-softmax: compositions of the primitives.

Each entry is written with the closed set of primitives (sums, broadcasts, elementwise functions),
so its gradient comes from theirs and the derivation shows every step: ``np.var`` is the mean of the
squared deviations and ``log_softmax(S, axis)`` is ``S − log Σ exp(S)``. (The parser reads
``np.where`` itself; a model's masks are inputs it marks as such.)
"""

from __future__ import annotations

from .. import scalar
from ..errors import ParseError
from ..ir import build
from ..ir.expr import Expr
from .functions import _mean, _sum, register, takes_axes
from .functions import number as _number

__all__: list[str] = []


@register("var")
@takes_axes
def _var(x: Expr, axis: object = None, keepdims: object = False, ddof: object = 0) -> Expr:
    """var(x) = mean((x − mean(x))²), the biased (population) variance NumPy computes."""
    if _number(ddof, "ddof") != 0:
        raise ParseError("only ddof=0 (NumPy's default, the population variance) is supported")
    centred = build.np_sub(x, _mean(x, axis, True))
    return _mean(build.np_pow(centred, 2), axis, keepdims)


@register("std")
@takes_axes
def _std(x: Expr, axis: object = None, keepdims: object = False) -> Expr:
    """std(x) = √var(x)."""
    return build.fn(scalar.lookup("sqrt"), _var(x, axis, keepdims))


@register("logaddexp")
def _logaddexp(a: object, b: object) -> Expr:
    """logaddexp(0, x) = log(1 + eˣ) = softplus(x), the spelling NumPy code prints softplus with."""
    for zero, x in ((a, b), (b, a)):
        if isinstance(zero, int | float) and zero == 0 or _is_zero(zero):
            return build.fn(scalar.lookup("softplus"), build.lift(x))
    raise ParseError("np.logaddexp is read only as np.logaddexp(0, x), which is softplus(x)")


def _is_zero(x: object) -> bool:
    return isinstance(x, Expr) and x.op == "const" and x.attrs[0] == 0


@register("log_softmax")
def _log_softmax(x: Expr, axis: object = 0) -> Expr:
    """log_softmax(x) = x − log Σ exp(x) over ``axis``."""
    e = build.fn(scalar.lookup("exp"), x)
    return build.np_sub(x, build.fn(scalar.lookup("log"), _sum(e, axis, True)))
