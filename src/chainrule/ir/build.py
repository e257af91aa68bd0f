"""Checked constructors: the only way nodes come into existence.

Two levels. The primitive constructors (``matmul``, ``add``, ``broadcast`` …) demand exact shapes
and build exactly one node. The ``np_*`` functions give NumPy's meaning (broadcasting, scalars) by
inserting explicit ``broadcast`` and ``scale`` nodes, so that ``W @ A + b`` becomes
``W A + broadcast(b)`` and the sum in ``db`` later appears as the adjoint of that broadcast.
"""

from __future__ import annotations

import numbers

import sympy

from .. import scalar
from ..errors import EvaluationError, ShapeError
from .expr import Expr
from .shapes import Dim, Shape, check_shape, fmt_shape

__all__ = [
    "var",
    "const",
    "dim",
    "eye",
    "lift",
    "label",
    "matmul",
    "transpose",
    "add",
    "mul",
    "scale",
    "broadcast",
    "sum_",
    "fn",
    "np_add",
    "np_sub",
    "np_mul",
    "np_div",
    "np_pow",
    "np_broadcast_shape",
]


# -- leaves ---------------------------------------------------------------------------------------
def var(name: str, shape: tuple, props: frozenset[str] | tuple = ()) -> Expr:
    """A named input. ``props`` carries facts the simplifier may use, e.g. ``"sums_to_one@0"``."""
    return Expr("var", (), check_shape(tuple(shape)), (name, frozenset(props)))


def const(value: float | sympy.Basic) -> Expr:
    """A scalar constant, kept exact (``1/2`` stays a rational); never infinite or NaN."""
    v = sympy.nsimplify(value) if isinstance(value, float) else sympy.sympify(value)
    if v.is_number and not (v.is_real and v.is_finite):  # nan, zoo, ±oo, I
        raise EvaluationError(
            f"the constant {v} is not a finite real number",
            hint="the expression divides by zero, e.g. 1/(W − W), or takes a root of a negative "
            "number, e.g. (−1)**0.5",
        )
    return Expr("const", (), (), (v,))


def dim(name: str) -> Expr:
    """The value of a symbolic dimension as a scalar, e.g. ``m`` in ``1/m``."""
    return Expr("dim", (), (), (name,))


def eye(n: Dim) -> Expr:
    """The identity matrix of shape (n, n)."""
    return Expr("eye", (), (n, n), (n,))


def lift(x: Expr | float | int) -> Expr:
    """Python numbers become scalar constants."""
    if isinstance(x, Expr):
        return x
    if isinstance(x, numbers.Number | sympy.Basic):
        return const(x)
    raise ShapeError(f"cannot use {x!r} in an expression")


def label(e: Expr) -> str:
    """A short name for an operand in error messages."""
    if e.op in ("var", "dim"):
        return e.attrs[0]
    if e.op == "const":
        return str(e.attrs[0])
    if e.op == "transpose" and e.args[0].op == "var":
        return f"{e.args[0].attrs[0]}.T"
    return f"the {e.op} result"


# -- the primitives -------------------------------------------------------------------------------
def _rank2(e: Expr, what: str) -> None:
    if len(e.shape) != 2:
        hint = (
            "np.sum(..., axis=k) without keepdims=True drops a dimension"
            if len(e.shape) == 1
            else "a scalar scales a matrix with * rather than @"
        )
        raise ShapeError(
            f"{what} needs a matrix but {label(e)} has shape {fmt_shape(e.shape)}", hint=hint
        )


def matmul(a: Expr, b: Expr) -> Expr:
    """The matrix product ``a @ b``: (n, k) @ (k, p) → (n, p)."""
    _rank2(a, "@")
    _rank2(b, "@")
    if a.shape[1] != b.shape[0]:
        raise ShapeError(
            f"{label(a)} @ {label(b)}: {fmt_shape(a.shape)} @ {fmt_shape(b.shape)} do not chain",
            hint=chain_fix(a, b),
        )
    return Expr("matmul", (a, b), (a.shape[0], b.shape[1]))


def chain_fix(a: Expr, b: Expr, la: str | None = None, lb: str | None = None) -> str | None:
    """The likely repair of ``a @ b`` whose shapes do not chain, written with labels la, lb."""
    la, lb = la or label(a), lb or label(b)
    if a.shape[0] == b.shape[0]:
        return f"did you mean {_t(la)} @ {lb}?"
    if a.shape[1] == b.shape[1]:
        return f"did you mean {la} @ {_t(lb)}?"
    if a.shape[0] == b.shape[1]:
        return f"did you mean {lb} @ {la}?"
    return None


def _t(name: str) -> str:
    if name.endswith(".T"):
        return name[:-2]
    return f"{name}.T" if name.isidentifier() or name.endswith(")") else f"({name}).T"


def transpose(a: Expr) -> Expr:
    """``aᵀ``: (n, m) → (m, n)."""
    _rank2(a, ".T")
    return Expr("transpose", (a,), (a.shape[1], a.shape[0]))


def _same(a: Expr, b: Expr, sym: str) -> Shape:
    if a.shape != b.shape:
        raise ShapeError(
            f"{label(a)} {sym} {label(b)}: shapes {fmt_shape(a.shape)} and "
            f"{fmt_shape(b.shape)} differ"
        )
    return a.shape


def add(a: Expr, b: Expr) -> Expr:
    """Elementwise sum of two operands of one shape."""
    return Expr("add", (a, b), _same(a, b, "+"))


def mul(a: Expr, b: Expr) -> Expr:
    """Hadamard (elementwise) product of two operands of one shape."""
    return Expr("mul", (a, b), _same(a, b, "⊙"))


def scale(s: Expr, a: Expr) -> Expr:
    """A scalar ``s`` times ``a``."""
    if s.shape != ():
        raise ShapeError(f"scale factor {label(s)} has shape {fmt_shape(s.shape)}, not a scalar")
    return Expr("scale", (s, a), a.shape)


def broadcast(a: Expr, shape: Shape) -> Expr:
    """Spread ``a`` over ``shape`` along its axes of size 1 (a scalar spreads everywhere)."""
    ok = a.shape == () or (
        len(a.shape) == len(shape)
        and all(d == t or d == 1 for d, t in zip(a.shape, shape, strict=True))
    )
    if not ok:
        raise ShapeError(
            f"{label(a)} of shape {fmt_shape(a.shape)} cannot be broadcast to {fmt_shape(shape)}"
        )
    return Expr("broadcast", (a,), tuple(shape), (tuple(shape),))


def sum_(a: Expr, axis: int | None = None, keepdims: bool = True) -> Expr:
    """Sum over an axis (0: down the rows, 1: across the columns; any axis of any rank) or over
    all entries."""
    if axis is None:
        kept = tuple(1 for _ in a.shape)
        return Expr("sum", (a,), kept if keepdims and a.shape else (), (None, bool(keepdims)))
    if not isinstance(axis, int) or not 0 <= axis < len(a.shape):
        raise ShapeError(f"cannot sum {label(a)} of shape {fmt_shape(a.shape)} over axis {axis}")
    kept = tuple(1 if i == axis else d for i, d in enumerate(a.shape))
    out = kept if keepdims else tuple(d for i, d in enumerate(a.shape) if i != axis)
    return Expr("sum", (a,), out, (axis, bool(keepdims)))


def fn(f: scalar.ElementwiseFn, a: Expr) -> Expr:
    """Apply the elementwise function record ``f`` (see :mod:`chainrule.scalar`) entry by entry."""
    return Expr("fn", (a,), a.shape, (f,))


# -- NumPy's meaning, broadcasting made explicit --------------------------------------------------
def np_broadcast_shape(a: Shape, b: Shape, sym: str = "+", la: str = "", lb: str = "") -> Shape:
    """NumPy's broadcast of two shapes of one rank (or a scalar), or a ShapeError naming both."""
    if a == b or b == ():
        return a
    if a == ():
        return b
    if len(a) != len(b):
        raise ShapeError(
            f"{la} {sym} {lb}: shapes {fmt_shape(a)} and {fmt_shape(b)} do not broadcast",
            hint="keepdims=True keeps a sum two-dimensional",
        )
    out = []
    for x, y in zip(a, b, strict=True):
        if x != y and 1 not in (x, y):
            raise ShapeError(
                f"{la} {sym} {lb}: shapes {fmt_shape(a)} and {fmt_shape(b)} do not broadcast",
                hint=_broadcast_fix(a, b),
            )
        out.append(y if x == 1 else x)
    return tuple(out)


def _broadcast_fix(a: Shape, b: Shape) -> str | None:
    if len(a) == 2 and (a[1], a[0]) == b:
        return "one operand needs a transpose (.T)"
    return None


def _spread(e: Expr, shape: Shape) -> Expr:
    return e if e.shape == shape else broadcast(e, shape)


def np_add(a: Expr, b: Expr) -> Expr:
    shape = np_broadcast_shape(a.shape, b.shape, "+", label(a), label(b))
    return add(_spread(a, shape), _spread(b, shape))


def np_sub(a: Expr, b: Expr) -> Expr:
    shape = np_broadcast_shape(a.shape, b.shape, "-", label(a), label(b))
    return add(_spread(a, shape), scale(const(-1), _spread(b, shape)))


def np_mul(a: Expr, b: Expr) -> Expr:
    """``a * b``: a scalar factor becomes a scale, otherwise a Hadamard product."""
    if a.shape == () and b.shape != ():
        return scale(a, b)
    if b.shape == () and a.shape != ():
        return scale(b, a)
    shape = np_broadcast_shape(a.shape, b.shape, "*", label(a), label(b))
    return mul(_spread(a, shape), _spread(b, shape))


def np_div(a: Expr, b: Expr) -> Expr:
    return np_mul(a, np_pow(b, -1))


def np_pow(a: Expr, k: float | int | Expr) -> Expr:
    """``a ** k``: a constant k is the elementwise power record; a variable exponent is written
    ``a ** k = exp(k ⊙ log a)``, an identity for a > 0 (the domain where a real power with a
    variable exponent is differentiable), so ∂/∂k = a ** k ⊙ log a comes from the exp and log
    records (NumPy broadcasting between a and k as for ``*``)."""
    if isinstance(k, Expr) and k.op == "const":
        k = k.attrs[0]
    if isinstance(k, Expr):
        log_a = fn(scalar.FUNCTIONS["log"], a)
        return fn(scalar.FUNCTIONS["exp"], np_mul(k, log_a))
    if k == 1:
        return a
    return fn(scalar.power(k), a)


# -- NumPy's operators on nodes, spelt with the checked constructors above -------------------------
def _attach_operators() -> None:
    """``a @ b``, ``a + b``, ``a - b``, ``a * b``, ``a / b``, ``-a``, ``a ** k``, ``a.T`` on nodes,
    with NumPy's meaning (Python numbers become constants); defined here, where the builders are,
    so that :mod:`chainrule.ir.expr` needs no import of this module."""
    Expr.__matmul__ = matmul
    Expr.__add__ = lambda a, b: np_add(a, lift(b))
    Expr.__radd__ = lambda a, b: np_add(lift(b), a)
    Expr.__sub__ = lambda a, b: np_sub(a, lift(b))
    Expr.__rsub__ = lambda a, b: np_sub(lift(b), a)
    Expr.__mul__ = lambda a, b: np_mul(a, lift(b))
    Expr.__rmul__ = lambda a, b: np_mul(lift(b), a)
    Expr.__truediv__ = lambda a, b: np_div(a, lift(b))
    Expr.__rtruediv__ = lambda a, b: np_div(lift(b), a)
    Expr.__neg__ = lambda a: scale(const(-1), a)
    Expr.__pow__ = lambda a, k: np_pow(a, k)
    Expr.T = property(transpose)


_attach_operators()
