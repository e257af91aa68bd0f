"""A whitelisting parser from NumPy syntax to the IR.

Python's own ``ast`` reads the string (``mode="eval"``); every node kind we accept is listed below
and anything else is a :class:`ParseError` pointing at its column. Nothing is ever ``eval``-ed.
Functions are looked up by their last dotted component in :data:`FUNCTIONS` (``np.tanh``,
``numpy.tanh`` and ``tanh`` are the same), each entry a small function from parsed arguments to IR.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Callable, Mapping

from .. import scalar
from ..errors import ChainruleError, ParseError, ShapeError, UnknownFunctionError
from ..ir import build
from ..ir.expr import Expr
from ..ir.shapes import check_shape, fmt_shape

__all__ = ["parse", "FUNCTIONS", "register"]

Handler = Callable[..., Expr]
FUNCTIONS: dict[str, Handler] = {}
_PREFIXES = ("np.", "numpy.", "np.linalg.", "numpy.linalg.", "linalg.", "scipy.special.")


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


for _n in (
    "exp",
    "log",
    "tanh",
    "sigmoid",
    "relu",
    "softplus",
    "sqrt",
    "abs",
    "sin",
    "cos",
    "tan",
    "cbrt",
    "sign",
):
    _elementwise(_n)
_elementwise("absolute", "abs")
_elementwise("expit", "sigmoid")


@register("square")
def _square(x: Expr) -> Expr:
    return build.np_pow(x, 2)


@register("power")
def _power(x: Expr, k: object) -> Expr:
    return build.np_pow(x, _number(k, "the exponent of power"))


@register("leaky_relu")
def _leaky(x: Expr, alpha: object = 0.01) -> Expr:
    return build.fn(scalar.leaky_relu(_number(alpha, "alpha")), x)


@register("maximum")
def _maximum(x: Expr, y: object) -> Expr:
    if isinstance(y, Expr) and y.op == "const" and y.attrs[0] == 0:
        return build.fn(scalar.lookup("relu"), x)
    raise ParseError("np.maximum is supported only as np.maximum(x, 0), which is relu(x)")


@register("transpose")
def _transpose(x: Expr) -> Expr:
    return build.transpose(x)


@register("dot", "matmul")
def _dot(a: Expr, b: Expr) -> Expr:
    return build.matmul(a, b)


@register("multiply")
def _multiply(a: Expr, b: Expr) -> Expr:
    return build.np_mul(a, b)


@register("divide")
def _divide(a: Expr, b: Expr) -> Expr:
    return build.np_div(a, b)


@register("add")
def _add(a: Expr, b: Expr) -> Expr:
    return build.np_add(a, b)


@register("subtract")
def _subtract(a: Expr, b: Expr) -> Expr:
    return build.np_sub(a, b)


@register("sum")
def _sum(x: Expr, axis: object = None, keepdims: object = False) -> Expr:
    keep = bool(_number(keepdims, "keepdims"))
    return build.sum_(x, _axis(axis, x), keep)


def _axis(axis: object, x: Expr) -> int | None:
    """NumPy's axis argument: None, or an integer counted from the end when negative."""
    if axis is None:
        return None
    ax = _number(axis, "axis")
    if isinstance(ax, bool) or ax != int(ax):
        raise ParseError(f"axis must be an integer, not {ax!r}")
    return int(ax) + len(x.shape) if ax < 0 else int(ax)


@register("mean")
def _mean(x: Expr, axis: object = None, keepdims: object = False) -> Expr:
    total = _sum(x, axis, keepdims)
    ax = _axis(axis, x)
    dims = x.shape if ax is None else (x.shape[ax],)
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


def _number(v: object, what: str) -> float:
    if isinstance(v, bool | int | float) and math.isfinite(v):
        return v
    if isinstance(v, Expr) and v.op == "const":
        return float(v.attrs[0]) if not v.attrs[0].is_Integer else int(v.attrs[0])
    raise ParseError(f"{what} must be a number")


class _Parser:
    """One parse: the source (for messages), the declared shapes, and the node walk."""

    def __init__(
        self, source: str, shapes: Mapping[str, tuple], props: Mapping[str, tuple]
    ) -> None:
        self.source = source
        self.vars = {
            n: build.var(n, check_shape(tuple(s)), props.get(n, ())) for n, s in shapes.items()
        }
        self.dims = {d for s in shapes.values() for d in s if isinstance(d, str)}

    def fail(
        self,
        node: ast.AST,
        message: str,
        hint: str | None = None,
        kind: type[ParseError] = ParseError,
    ) -> ParseError:
        return kind(message, source=self.source, col=getattr(node, "col_offset", None), hint=hint)

    def seg(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or "?"

    def expr(self, node: ast.AST) -> Expr:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise self.fail(
                node,
                f"{type(node).__name__.lower()} syntax is not part of the language",
                hint="use NumPy operators (@ * / + - **), .T and np.<function>(...)",
            )
        try:
            return method(node)
        except ParseError:
            raise
        except ShapeError as e:  # once, at the innermost node; a ParseError passes outer ones
            raise self.fail(
                node, f"in {self.seg(node)!r}: {e.message}", e.hint, kind=_ShapeParseError
            ) from None

    def _Expression(self, node: ast.Expression) -> Expr:  # noqa: N802
        return self.expr(node.body)

    def _Constant(self, node: ast.Constant) -> Expr:  # noqa: N802
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise self.fail(node, f"constant {node.value!r} is not a number")
        if not math.isfinite(node.value):
            raise self.fail(node, f"constant {self.seg(node)} is not a finite number")
        return build.const(node.value)

    def _Name(self, node: ast.Name) -> Expr:  # noqa: N802
        if node.id in self.vars:
            return self.vars[node.id]
        if node.id in self.dims:
            return build.dim(node.id)
        known = ", ".join(sorted(self.vars)) or "none"
        raise self.fail(
            node,
            f"unknown name {node.id!r}",
            hint=f"declare its shape (e.g. shapes={{'{node.id}': (n, 1)}}); known: {known}",
        )

    def _Attribute(self, node: ast.Attribute) -> Expr:  # noqa: N802
        if node.attr == "T":
            return build.transpose(self.expr(node.value))
        raise self.fail(node, f"attribute .{node.attr} is not supported", hint="only .T is")

    def _UnaryOp(self, node: ast.UnaryOp) -> Expr:  # noqa: N802
        x = self.expr(node.operand)
        if isinstance(node.op, ast.USub):
            return build.const(-x.attrs[0]) if x.op == "const" else -x
        if isinstance(node.op, ast.UAdd):
            return x
        raise self.fail(node, "only unary + and - are supported")

    def _BinOp(self, node: ast.BinOp) -> Expr:  # noqa: N802
        a, b = self.expr(node.left), self.expr(node.right)
        op = type(node.op)
        if op is ast.MatMult:
            return self._matmul(node, a, b)
        if op is ast.Pow:
            return build.np_pow(a, _number(b, "an exponent"))
        table = {
            ast.Add: build.np_add,
            ast.Sub: build.np_sub,
            ast.Mult: build.np_mul,
            ast.Div: build.np_div,
        }
        if op not in table:
            raise self.fail(node, f"operator {type(node.op).__name__} is not part of the language")
        if op is ast.Div and b.op == "const" and b.attrs[0] == 0:
            raise self.fail(node, "division by zero")
        return table[op](a, b)

    def _operand(self, node: ast.AST, left: bool) -> str:
        """An operand of ``@`` as the user wrote it, in parentheses where ``@`` binds tighter."""
        text = self.seg(node)
        loose = (
            isinstance(node, ast.BinOp)
            and (isinstance(node.op, ast.Add | ast.Sub) or not left)
            or isinstance(node, ast.UnaryOp)
        )
        return f"({text})" if loose else text

    def _matmul(self, node: ast.BinOp, a: Expr, b: Expr) -> Expr:
        la, lb = self._operand(node.left, left=True), self._operand(node.right, left=False)
        if len(a.shape) == 2 and len(b.shape) == 2 and a.shape[1] != b.shape[0]:
            hint = build.chain_fix(a, b, la, lb)
            raise self.fail(
                node,
                f"{la} @ {lb}: {fmt_shape(a.shape)} @ {fmt_shape(b.shape)} do not chain",
                hint=hint,
                kind=_ShapeParseError,
            )
        return build.matmul(a, b)

    def _Call(self, node: ast.Call) -> Expr:  # noqa: N802
        name = self._func_name(node.func)
        if name not in FUNCTIONS:
            raise self.fail(
                node,
                f"unknown function {name!r}",
                hint=f"known: {', '.join(sorted(FUNCTIONS))}",
                kind=UnknownFunctionError,
            )
        args = [self._arg(a) for a in node.args]
        kwargs = {k.arg: self._kwarg(k) for k in node.keywords}
        if not getattr(FUNCTIONS[name], "takes_options", False) and any(
            isinstance(v, str | tuple) for v in (*args, *kwargs.values())
        ):
            raise self.fail(node, f"{name} takes no string or tuple arguments")
        try:
            return FUNCTIONS[name](*args, **kwargs)
        except TypeError as e:
            raise self.fail(node, f"wrong arguments to {name}: {e}") from None
        except ParseError as e:
            raise self.fail(node, f"{name}: {e.message}", hint=e.hint) from None

    def _kwarg(self, k: ast.keyword) -> object:
        if k.arg is None:
            raise self.fail(k.value, "**kwargs are not supported")
        v = k.value
        if isinstance(v, ast.Constant) and isinstance(v.value, bool | int | float | None):
            return v.value
        if (
            isinstance(v, ast.UnaryOp)
            and isinstance(v.op, ast.USub)
            and isinstance(v.operand, ast.Constant)
        ):
            return -v.operand.value
        return self._arg(v)

    def _arg(self, node: ast.AST) -> object:
        """An argument: an expression, a shape tuple ``(n, 1)`` or an option string ``'fro'``."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Tuple):
            return tuple(self._size(e) for e in node.elts)
        return self.expr(node)

    def _size(self, node: ast.AST) -> int | str:
        """One entry of a shape tuple: a positive int or a declared dimension's name."""
        if isinstance(node, ast.Constant) and type(node.value) is int and node.value > 0:
            return node.value
        if isinstance(node, ast.Name) and node.id in self.dims:
            return node.id
        raise self.fail(node, "a shape entry must be a positive int or a declared dimension")

    def _func_name(self, f: ast.AST) -> str:
        parts = []
        while isinstance(f, ast.Attribute):
            parts.append(f.attr)
            f = f.value
        if not isinstance(f, ast.Name):
            raise self.fail(f, "only named functions such as np.tanh(...) can be called")
        parts.append(f.id)
        dotted = ".".join(reversed(parts))
        for prefix in _PREFIXES:
            if dotted.startswith(prefix) and dotted[len(prefix) :] in FUNCTIONS:
                return dotted[len(prefix) :]
        return dotted


class _ShapeParseError(ParseError, ShapeError):
    """A shape mismatch found while parsing: both a parse error (with column) and a shape error."""


def parse(
    source: str,
    shapes: Mapping[str, tuple],
    props: Mapping[str, tuple] | None = None,
) -> Expr:
    """Parse NumPy-syntax ``source`` with the declared ``shapes`` into an IR tree."""
    if not isinstance(source, str) or not source.strip():
        raise ParseError("empty expression", hint="e.g. np.sum(np.tanh(W @ x))")
    if len(source) > 10_000:
        raise ParseError("expression longer than 10 000 characters")
    try:
        with warnings.catch_warnings():  # Python's own warnings ("invalid decimal literal")
            warnings.simplefilter("ignore")  # would reach the terminal as extra lines
            tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as e:
        col = (e.offset or 1) - 1
        raise ParseError(f"syntax error: {e.msg}", source=source.strip(), col=col) from None
    except (ValueError, RecursionError, MemoryError) as e:
        raise ParseError(f"cannot parse: {type(e).__name__}") from None
    try:
        return _Parser(source.strip(), shapes, props or {}).expr(tree)
    except ChainruleError:
        raise
    except RecursionError:
        raise ParseError("expression nested too deeply") from None
    except (ArithmeticError, ValueError, TypeError) as e:  # e.g. a constant that overflows
        raise ParseError(f"cannot build {source.strip()!r}: {e}") from None
