"""Tensors of any rank in the language: ``np.einsum``, ``np.transpose(X, axes)``, ``np.swapaxes``,
``np.moveaxis``, ``np.max``/``np.amax`` and ``np.min``/``np.amin`` (``X.T`` at rank > 2 reverses
every axis, read by the parser through :func:`chainrule.ir.tensor.transpose_all`).

Each spelling keeps NumPy's meaning: ``np.min(X)`` is ``−max(−X)`` (so its gradient is the max's,
sent to the minima), ``np.transpose(X)`` reverses the axes, and an axes tuple is read as integers
(``(0, 2, 1)``), negative ones counted from the end.
"""

from __future__ import annotations

from ..errors import ParseError
from ..ir import build, tensor
from ..ir.expr import Expr
from .functions import _axis, array, over_axes, register, takes_axes
from .functions import integer as _int
from .functions import number as _number

__all__: list[str] = []


@register("einsum")
def _einsum(subscripts: object, *operands: object, optimize: object = False) -> Expr:
    """np.einsum('ij,jk->ik', A, B); ``optimize`` only changes the order of the products."""
    if not isinstance(subscripts, str):
        raise ParseError(
            "the first argument of np.einsum is its subscripts string, such as 'ij,jk->ik'"
        )
    arrays = [array(x, f"operand {k + 1} of np.einsum") for k, x in enumerate(operands)]
    return tensor.einsum(subscripts, *arrays)


_einsum.takes_options = True  # type: ignore[attr-defined] # its subscripts are a string


@register("transpose", "permute_dims")
@takes_axes
def _transpose(x: object, *given: object, axes: object = None) -> Expr:
    """np.transpose(X), np.transpose(X, (0, 2, 1)), np.transpose(X, axes=…), X.transpose(0, 1)."""
    x = array(x, "the first argument of np.transpose")
    if axes is not None:
        given = (axes,)
    if len(given) == 1 and isinstance(given[0], tuple):
        given = given[0]
    if not given or given == (None,):
        return tensor.transpose_all(x)
    return tensor.permute(x, tuple(_int(a, "an axis") for a in given))


@register("swapaxes")
def _swapaxes(x: Expr, axis1: object, axis2: object) -> Expr:
    """np.swapaxes(X, 1, 2): axes 1 and 2 trade places."""
    order = list(range(len(x.shape)))
    a, b = (_axis(v, x) for v in (axis1, axis2))
    if not (0 <= a < len(order) and 0 <= b < len(order)):
        return tensor.permute(x, (a, b))  # the permutation's own message names the shape
    order[a], order[b] = order[b], order[a]
    return tensor.permute(x, tuple(order))


@register("moveaxis")
@takes_axes
def _moveaxis(x: object, source: object, destination: object) -> Expr:
    """np.moveaxis(X, 0, -1): axis ``source`` moved to position ``destination``."""
    x = array(x, "the first argument of np.moveaxis")
    src, dst = (v if isinstance(v, tuple) else (v,) for v in (source, destination))
    if len(src) != len(dst):
        raise ParseError("np.moveaxis needs as many destinations as sources")
    rank = len(x.shape)
    src, dst = ([_within(_int(a, "an axis"), rank) for a in v] for v in (src, dst))
    order = [k for k in range(rank) if k not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return tensor.permute(x, tuple(order))


def _within(a: int, rank: int) -> int:
    if not -rank <= a < rank:
        raise ParseError(f"axis {a} is out of range for an array of {rank} axes")
    return a % rank


@register("max", "amax")
@takes_axes
def _max(x: Expr, axis: object = None, keepdims: object = False) -> Expr:
    """np.max(X, axis=1, keepdims=True): the largest entry along the axis (or axes: the max of
    the maxes, whose mask is again every entry equal to the largest)."""
    x = array(x, "the first argument of max")
    return over_axes(tensor.amax, x, _axis(axis, x), bool(_number(keepdims, "keepdims")))


@register("min", "amin")
@takes_axes
def _min(x: Expr, axis: object = None, keepdims: object = False) -> Expr:
    """np.min(X) = −max(−X): the same mask rule, sent to the minima."""
    x = array(x, "the first argument of min")
    return build.scale(build.const(-1), _max(-x, axis, keepdims))
