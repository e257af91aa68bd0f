"""Shapes: tuples of dimensions, each a concrete ``int`` or a symbolic name such as ``"m"``.

Most of chainrule is a scalar (shape ``()``), a column vector ``(n, 1)``, a row ``(1, m)`` or a
matrix ``(n, m)``; images are rank 4 in the course's layout ``(m, n_H, n_W, n_C)``, and any rank is
allowed. A rank-1 shape mostly arises from ``np.sum(..., axis=k)`` without ``keepdims`` and is kept
so that a lost ``keepdims`` can be diagnosed rather than silently repaired.

A *derived* dimension is arithmetic on names, kept symbolic: a convolution's output height is
``(n_H_prev + 2*pad - f) // stride + 1``. It is stored as the Python expression string, wrapped in
parentheses (``"((n_H_prev - 1) // 2 + 1)"``), so that every printer can print it as it is, the
generated code computes it from the names it binds, and :func:`dim_value` evaluates it (read with
``ast`` and a whitelist of ``+ - * //``, never ``eval``).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping

from ..errors import ShapeError

Dim = int | str
Shape = tuple[Dim, ...]

__all__ = [
    "Dim",
    "Shape",
    "fmt_shape",
    "check_shape",
    "bind_dims",
    "concrete",
    "is_scalar",
    "dim_value",
    "dim_add",
    "dim_floordiv",
    "dim_prod",
    "is_derived",
]


def fmt_shape(shape: Shape) -> str:
    """``(3, 'm')`` → ``"(3, m)"``, the way the course writes shapes."""
    if len(shape) == 1:
        return f"({_fmt_dim(shape[0])},)"
    return "(" + ", ".join(_fmt_dim(d) for d in shape) + ")"


def _fmt_dim(d: Dim) -> str:
    return d[1:-1] if is_derived(d) else str(d)


def check_shape(shape: tuple) -> Shape:
    """Validate a user-given shape: positive ints or identifier-like names, any rank."""
    if not isinstance(shape, tuple):
        raise ShapeError(
            f"shape {shape!r} is not a tuple of dimensions",
            hint="write a matrix as (n, m) and a column vector as (n, 1)",
        )
    for d in shape:
        if isinstance(d, bool) or not (
            isinstance(d, int) and d > 0 or isinstance(d, str) and (d.isidentifier() or _dim(d))
        ):
            raise ShapeError(
                f"dimension {d!r} of shape {shape!r} is neither a positive int nor a name"
            )
    return shape


def _dim(d: str) -> bool:
    """True when ``d`` is a derived dimension: names and ints joined by + − * //."""
    try:
        nodes = list(ast.walk(ast.parse(d, mode="eval").body))
    except SyntaxError:
        return False
    allowed = (ast.BinOp, ast.Name, ast.Load, *(type(op) for op in _OPS_NODES))
    return all(
        isinstance(n, allowed) or isinstance(n, ast.Constant) and type(n.value) is int
        for n in nodes
    )


_OPS_NODES = (ast.Add(), ast.Sub(), ast.Mult(), ast.FloorDiv())


def is_scalar(shape: Shape) -> bool:
    return shape == ()


def bind_dims(shape: Shape, actual: tuple[int, ...], env: dict[str, int], what: str) -> None:
    """Match an array's shape against a declared one, recording symbolic dimensions in env."""
    if len(actual) != len(shape):
        raise ShapeError(
            f"{what} has shape {fmt_shape(actual)} but {fmt_shape(shape)} was declared"
        )
    for d, a in zip(shape, actual, strict=True):
        if is_derived(d):
            if dim_value(d, env) != a:
                raise ShapeError(
                    f"{what} has shape {fmt_shape(actual)} but {fmt_shape(shape)} was declared"
                )
        elif isinstance(d, str):
            if env.setdefault(d, a) != a:
                raise ShapeError(
                    f"{what} has shape {fmt_shape(actual)}: dimension {d} is {a} here "
                    f"but {env[d]} elsewhere"
                )
        elif d != a:
            raise ShapeError(
                f"{what} has shape {fmt_shape(actual)} but {fmt_shape(shape)} was declared"
            )


def concrete(shape: Shape, env: Mapping[str, int]) -> tuple[int, ...]:
    """The concrete shape once symbolic dimensions are bound."""
    return tuple(dim_value(d, env) for d in shape)


# -- derived dimensions ---------------------------------------------------------------------------
def is_derived(d: Dim) -> bool:
    """True for a dimension computed from names, such as ``"((n_H_prev - 1) // 2 + 1)"``."""
    return isinstance(d, str) and not d.isidentifier()


def dim_value(d: Dim, env: Mapping[str, int]) -> int:
    """The size of ``d`` once the names in it are bound in ``env``."""
    if isinstance(d, int):
        return d
    if d.isidentifier():
        return env[d]
    return _eval(ast.parse(d, mode="eval").body, env)


_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b}
_OPS[ast.FloorDiv] = lambda a, b: a // b


def _eval(node: ast.AST, env: Mapping[str, int]) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval(node.left, env), _eval(node.right, env))
    raise ShapeError(f"cannot read the dimension {ast.unparse(node)!r}")


def _node(d: Dim) -> ast.expr:
    return ast.parse(str(d), mode="eval").body


def _finish(node: ast.expr) -> Dim:
    """A derived dimension from its syntax tree: an int, a name, or ``"(source)"``."""
    if isinstance(node, ast.Constant):
        return node.value
    source = ast.unparse(node)
    return source if source.isidentifier() else f"({source})"


def dim_add(d: Dim, k: int) -> Dim:
    """``d + k``, an int when ``d`` is one; a trailing constant is folded (``n // 2 + 1 - 1``)."""
    if isinstance(d, int):
        return d + k
    n, c = _node(d), k
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add | ast.Sub):
        if isinstance(n.right, ast.Constant):
            c += n.right.value if isinstance(n.op, ast.Add) else -n.right.value
            n = n.left
    if c == 0:
        return _finish(n)
    return _finish(ast.BinOp(n, ast.Add() if c > 0 else ast.Sub(), ast.Constant(abs(c))))


def dim_sum(a: Dim, b: Dim) -> Dim:
    """``a + b`` (stacked sizes: ``n_a + n_x``), an int when both are."""
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    if isinstance(b, int):
        return dim_add(a, b)
    return _finish(ast.BinOp(_node(a), ast.Add(), _node(b)))


def normal_dim(d: Dim) -> Dim:
    """A declared dimension in the form derived ones take: ``"n_a + n_x"`` → ``"(n_a + n_x)"``."""
    return _finish(_node(d)) if is_derived(d) else d


def dim_floordiv(d: Dim, k: int) -> Dim:
    """``d // k``, an int when ``d`` is one."""
    if isinstance(d, int):
        return d // k
    return d if k == 1 else _finish(ast.BinOp(_node(d), ast.FloorDiv(), ast.Constant(k)))


def dim_prod(dims: tuple[Dim, ...]) -> Dim:
    """The product of dimensions (a flattened size): ints multiplied, names kept."""
    known = math.prod(d for d in dims if isinstance(d, int))
    factors = ([ast.Constant(known)] if known != 1 else []) + [
        _node(d) for d in dims if isinstance(d, str)
    ]
    if not factors:
        return 1
    node = factors[0]
    for f in factors[1:]:
        node = ast.BinOp(node, ast.Mult(), f)
    return _finish(node)
