"""The language's NumPy functions: each name a small function from parsed arguments to the IR.

Functions are looked up by their last dotted component (``np.tanh``, ``numpy.tanh`` and ``tanh``
are the same). Each one keeps NumPy's exact meaning: ``np.dot`` with a scalar scales, a comparison
with 0 is a 0/1 mask exact at 0 (:data:`COMPARISONS`), ``np.heaviside(x, h0)`` takes ``h0`` at 0,
``np.squeeze`` drops the axes of size 1. The parser (:mod:`.parser`) handles the spellings that need
the syntax as well as the values (casts, ``np.where``, methods); :mod:`.linalg` adds the linear
algebra.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable

from .. import scalar
from ..errors import ParseError
from ..ir import build
from ..ir.expr import Expr

__all__ = [
    "FUNCTIONS",
    "COMPARISONS",
    "PREFIXES",
    "register",
    "step",
    "one_minus",
    "number",
    "integer",
    "takes_axes",
    "over_axes",
    "array",
]

Handler = Callable[..., Expr]
FUNCTIONS: dict[str, Handler] = {}
PREFIXES = (
    "np.",
    "numpy.",
    "np.linalg.",
    "numpy.linalg.",
    "linalg.",
    "scipy.special.",
    "scipy.linalg.",
)


def register(*names: str) -> Callable[[Handler], Handler]:
    """Add a function to the language under one or more names."""

    def deco(f: Handler) -> Handler:
        for n in names:
            FUNCTIONS[n] = f
        return f

    return deco


def _elementwise(name: str, fn_name: str | None = None) -> None:
    record = scalar.lookup(fn_name or name)
    FUNCTIONS[name] = lambda x: build.fn(record, x)


for _record in scalar.FUNCTIONS.values():  # each record names the spellings NumPy/SciPy use
    for _n in _record.spellings:
        _elementwise(_n, _record.name)


@register("square")
def _square(x: Expr) -> Expr:
    return build.np_pow(x, 2)


@register("power")
def _power(x: Expr, k: object) -> Expr:
    if isinstance(k, Expr) and k.op != "const":  # a variable exponent: exp(k log x), x > 0
        return build.np_pow(x, k)
    return build.np_pow(x, number(k, "the exponent of power"))


@register("leaky_relu")
def _leaky(x: Expr, alpha: object = 0.01) -> Expr:
    return build.fn(scalar.leaky_relu(number(alpha, "alpha")), x)


@register("reciprocal")
def _reciprocal(x: Expr) -> Expr:
    return build.np_pow(x, -1)


@register("negative")
def _negative(x: Expr) -> Expr:
    return -x


@register("maximum")
def _maximum(x: Expr, y: object) -> Expr:
    for a, b in ((x, y), (y, x)):
        if isinstance(b, Expr) and b.op == "const" and b.attrs[0] == 0 and isinstance(a, Expr):
            return build.fn(scalar.lookup("relu"), a)
    raise ParseError("np.maximum is supported only as np.maximum(x, 0), which is relu(x)")


def step(x: Expr) -> Expr:
    """𝟙[x > 0]: 1 where x > 0, 0 where x ≤ 0 (so 0 at exactly 0)."""
    return build.fn(scalar.lookup("step"), x)


def one_minus(x: Expr) -> Expr:
    return build.np_sub(build.const(1), x)


# x ⋄ 0 as a 0/1 array; each is exact at x = 0 (𝟙[x ≥ 0] = 1 − 𝟙[−x > 0])
COMPARISONS: dict[type, Callable[[Expr], Expr]] = {
    ast.Gt: step,
    ast.GtE: lambda x: one_minus(step(-x)),
    ast.Lt: lambda x: step(-x),
    ast.LtE: lambda x: one_minus(step(x)),
    ast.NotEq: lambda x: build.np_add(step(x), step(-x)),
    ast.Eq: lambda x: one_minus(build.np_add(step(x), step(-x))),
}


@register("heaviside")
def _heaviside(x: Expr, h0: object) -> Expr:
    """np.heaviside(x, h0): 0 where x < 0, h0 where x = 0, 1 where x > 0."""
    c = number(h0, "the value at 0 of heaviside")
    if c == 0:
        return step(x)
    if c == 1:
        return one_minus(step(-x))
    at_zero = one_minus(build.np_add(step(x), step(-x)))
    return build.np_add(step(x), build.np_mul(build.const(c), at_zero))


@register("ones_like")
def _ones_like(x: Expr) -> Expr:
    return _filled(1, x.shape)


@register("zeros_like")
def _zeros_like(x: Expr) -> Expr:
    return _filled(0, x.shape)


def _filled(c: int, shape: tuple) -> Expr:
    return build.broadcast(build.const(c), shape) if shape else build.const(c)


@register("squeeze")
def _squeeze(x: Expr) -> Expr:
    """np.squeeze: the axes of size 1 dropped — a sum over each of them, which is that entry."""
    if x.shape and all(d == 1 for d in x.shape):
        return build.sum_(x, None, keepdims=False)
    for axis, d in enumerate(x.shape):
        if d == 1:
            return build.sum_(x, axis, keepdims=False)
    return x


@register("dot")
def _dot(a: Expr, b: Expr) -> Expr:
    """np.dot: the matrix product, or a product with a scalar (np.dot(2, A) is 2 * A)."""
    if a.shape == () or b.shape == ():
        return build.np_mul(a, b)
    return build.matmul(a, b)


@register("matmul")
def _matmul(a: Expr, b: Expr) -> Expr:
    return build.matmul(a, b)


@register("multiply")
def _multiply(a: Expr, b: Expr) -> Expr:
    return build.np_mul(a, b)


@register("divide", "true_divide")
def _divide(a: Expr, b: Expr) -> Expr:
    return build.np_div(a, b)


@register("add")
def _add(a: Expr, b: Expr) -> Expr:
    return build.np_add(a, b)


@register("subtract")
def _subtract(a: Expr, b: Expr) -> Expr:
    return build.np_sub(a, b)


def takes_axes(f: Handler) -> Handler:
    """Mark a handler whose tuple arguments are axis numbers, ``axis=(1, 2)``, not a shape."""
    f.takes_axes = True  # type: ignore[attr-defined]
    return f


def over_axes(reduce: Callable[..., Expr], x: Expr, axis: int | tuple | None, keep: bool) -> Expr:
    """``reduce(x, axis, keep)`` over one axis, all of them (None) or several (a tuple: one after
    the other, the last first, so that without keepdims the earlier numbers stay valid)."""
    if not isinstance(axis, tuple):
        return reduce(x, axis, keep)
    for a in sorted(axis, reverse=True):
        x = reduce(x, a, keep)
    return x


@register("sum")
@takes_axes
def _sum(x: Expr, axis: object = None, keepdims: object = False) -> Expr:
    x = array(x, "the first argument of sum")
    keep = bool(number(keepdims, "keepdims"))
    return over_axes(build.sum_, x, _axis(axis, x), keep)


def _axis(axis: object, x: Expr) -> int | tuple[int, ...] | None:
    """NumPy's axis argument: None, an integer counted from the end when negative, or a tuple of
    distinct ones."""
    if axis is None:
        return None
    if isinstance(axis, tuple):
        axes = tuple(_axis(a, x) for a in axis)
        if len(set(axes)) != len(axes):
            raise ParseError(f"axis {axis} names an axis twice")
        return axes
    ax = number(axis, "axis")
    if isinstance(ax, bool) or ax != int(ax):
        raise ParseError(f"axis must be an integer, not {ax!r}")
    return int(ax) + len(x.shape) if ax < 0 else int(ax)


@register("mean")
@takes_axes
def _mean(x: Expr, axis: object = None, keepdims: object = False) -> Expr:
    total = _sum(x, axis, keepdims)
    ax = _axis(axis, x)
    dims = x.shape if ax is None else tuple(x.shape[a] for a in _tuple(ax))
    sizes = [build.dim(d) for d in dims if isinstance(d, str)]
    known = math.prod(d for d in dims if isinstance(d, int))
    if known != 1 or not sizes:
        sizes.insert(0, build.const(known))
    count = sizes[0]
    for size in sizes[1:]:
        count = build.np_mul(count, size)
    return build.np_div(total, count)


@register("softmax")
def _softmax(x: Expr, axis: object = 0) -> Expr:
    e = build.fn(scalar.lookup("exp"), x)
    return build.np_div(e, _sum(e, axis, True))


@register("logsumexp")
def _logsumexp(x: Expr, axis: object = None, keepdims: object = False) -> Expr:
    return build.fn(scalar.lookup("log"), _sum(build.fn(scalar.lookup("exp"), x), axis, keepdims))


def array(x: object, what: str) -> Expr:
    """``x`` itself when it is an array (an expression), else a ParseError naming ``what``."""
    if not isinstance(x, Expr):
        raise ParseError(f"{what} must be an array, not {x!r}")
    return x


def _tuple(axis: int | tuple) -> tuple:
    return axis if isinstance(axis, tuple) else (axis,)


def number(v: object, what: str) -> float:
    if isinstance(v, bool | int | float) and math.isfinite(v):
        return v
    if isinstance(v, Expr) and v.op == "const":
        return float(v.attrs[0]) if not v.attrs[0].is_Integer else int(v.attrs[0])
    raise ParseError(f"{what} must be a number")


def integer(v: object, what: str) -> int:
    """A whole number written in the source (a stride, an axis), or a ParseError naming ``what``."""
    k = number(v, what)
    if isinstance(k, bool) or k != int(k):
        raise ParseError(f"{what} must be an integer, not {k!r}")
    return int(k)
