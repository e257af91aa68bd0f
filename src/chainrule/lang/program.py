"""A forward pass written as NumPy statements, parsed (never run) into a program of equations.

The language of a model is the expression language of :mod:`chainrule.lang.parser` plus
single-assignment statements: ``name = expression``, one per line, optionally inside a ``def`` whose
parameters are the inputs, and a final ``return`` (or, without one, the last assignment) that is the
scalar being differentiated. Each right-hand side is parsed by the same whitelisting parser with the
names defined so far in scope, so a later line may use ``mu`` exactly as NumPy would. Anything else
— loops, branches, augmented assignment, a name assigned twice — is a :class:`ParseError` naming the
line and column; the recurrence issue will add loops here, as equations indexed by a time step.

Sub-expressions equal to an earlier right-hand side are replaced by its name as each line is read
(``np.var(Z)`` after ``mu = np.mean(Z)`` reads ``mean((Z − mu)²)``), so the program speaks of the
quantities the learner named.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..algebra.simplify import fold
from ..autodiff.program import Equation
from ..errors import ParseError, ShapeError
from ..ir import build
from ..ir.expr import Expr
from ..ir.shapes import check_shape, fmt_shape
from .parser import parse

__all__ = ["Statements", "parse_statements", "model_source"]

MAX_SOURCE = 100_000


@dataclass(frozen=True)
class Statements:
    """What a model's source says: its inputs (in order of declaration), equations and output."""

    inputs: tuple[Expr, ...]
    equations: tuple[Equation, ...]
    output: str
    source: str
    masks: tuple[str, ...] = ()  # inputs used as a condition of np.where: arrays of 0 and 1


def model_source(forward: str | Callable) -> str:
    """The statements' text: the string itself, or a function's source (a ``def``).

    A function's source is read with :func:`inspect.getsource` and parsed; it is never called.
    """
    if isinstance(forward, str):
        return forward
    if not callable(forward):
        kind = type(forward).__name__
        raise ParseError(f"a model is NumPy source text or a function, not {kind}")
    try:
        text = textwrap.dedent(inspect.getsource(forward))
    except (OSError, TypeError) as e:
        raise ParseError(
            f"cannot read the source of {getattr(forward, '__name__', forward)!r}: {e}",
            hint="define the function in a file, or pass its body as a string",
        ) from None
    return text


def parse_statements(
    source: str,
    shapes: Mapping[str, tuple],
    constants: Mapping[str, float] | None = None,
    props: Mapping[str, tuple] | None = None,
) -> Statements:
    """Parse ``source`` (statements, or one ``def``) with declared ``shapes`` for its inputs."""
    if not isinstance(source, str) or not source.strip():
        raise ParseError("empty model", hint="write one assignment per line, e.g. Z = W @ X + b")
    if len(source) > MAX_SOURCE:
        raise ParseError(f"model longer than {MAX_SOURCE:,} characters")
    text = textwrap.dedent(source).strip("\n")
    tree = _module(text)
    body, params = _body(tree, text)
    scope = {n: check_shape(tuple(s)) for n, s in shapes.items()}
    for c in constants or {}:
        scope.setdefault(c, ())
    if params is not None:
        missing = [p for p in params if p not in scope]
        if missing:
            raise ParseError(
                f"the inputs {', '.join(missing)} have no declared shape",
                hint=f"add them to shapes=, e.g. shapes={{'{missing[0]}': ('n', 'm')}}",
            )
    return _Reader(text, scope, dict(props or {})).read(body)


def _module(text: str) -> ast.Module:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, mode="exec")
    except SyntaxError as e:
        line = (e.text or "").rstrip("\n")
        raise ParseError(
            f"line {e.lineno}: syntax error: {e.msg}", source=line, col=max((e.offset or 1) - 1, 0)
        ) from None
    except (ValueError, RecursionError, MemoryError) as e:
        raise ParseError(f"cannot parse the model: {type(e).__name__}") from None


def _body(tree: ast.Module, text: str) -> tuple[list[ast.stmt], tuple[str, ...] | None]:
    """The statements to read: the module's, or those of its single ``def``."""
    stmts = _without_docstring(tree.body)
    if len(stmts) == 1 and isinstance(stmts[0], ast.FunctionDef):
        f = stmts[0]
        a = f.args
        if a.vararg or a.kwarg or a.posonlyargs or a.kwonlyargs or f.decorator_list:
            raise _error(text, f, "the model function takes plain parameters only")
        return _without_docstring(f.body), tuple(p.arg for p in a.args)
    return stmts, None


def _without_docstring(stmts: list[ast.stmt]) -> list[ast.stmt]:
    if stmts and isinstance(stmts[0], ast.Expr) and isinstance(stmts[0].value, ast.Constant):
        return stmts[1:]
    return stmts


def _error(text: str, node: ast.AST, message: str, hint: str | None = None) -> ParseError:
    line = text.splitlines()[node.lineno - 1] if hasattr(node, "lineno") else ""
    where = f"line {node.lineno}: " if hasattr(node, "lineno") else ""
    col = getattr(node, "col_offset", None)
    return ParseError(where + message, source=line, col=col, hint=hint)


_WHAT = {
    ast.For: "a for loop",
    ast.While: "a while loop",
    ast.If: "an if statement",
    ast.AugAssign: "an augmented assignment (+=)",
    ast.AnnAssign: "an annotated assignment",
    ast.Import: "an import",
    ast.ImportFrom: "an import",
    ast.FunctionDef: "a nested function",
    ast.With: "a with block",
    ast.Try: "a try block",
    ast.Delete: "del",
}


class _Reader:
    """One pass over the statements, growing the scope of named, shaped quantities."""

    def __init__(self, text: str, scope: dict[str, tuple], props: dict) -> None:
        self.text, self.scope, self.props = text, scope, props
        self.inputs = {n: build.var(n, s, props.get(n, ())) for n, s in scope.items()}
        self.equations: list[Equation] = []
        self.definitions: dict[Expr, Expr] = {}
        self.used: set[str] = set()
        self.masks: set[str] = set()

    def read(self, body: list[ast.stmt]) -> Statements:
        if not body:
            raise ParseError("the model has no statements")
        output = None
        for i, stmt in enumerate(body):
            if isinstance(stmt, ast.Return) and i == len(body) - 1:
                output = self._return(stmt)
            elif isinstance(stmt, ast.Assign):
                self._assign(stmt)
            else:
                raise self._unsupported(stmt)
        output = output or self._last()
        masks = tuple(n for n in self.inputs if n in self.masks)
        inputs = tuple(
            build.var(n, v.shape, (*v.attrs[1], "mask")) if n in masks else v
            for n, v in self.inputs.items()
            if n in self.used
        )
        return Statements(inputs, tuple(self.equations), output, self.text, masks)

    def _unsupported(self, stmt: ast.stmt) -> ParseError:
        if isinstance(stmt, ast.Return):
            return _error(self.text, stmt, "return must be the last statement")
        if isinstance(stmt, ast.Expr):
            return _error(self.text, stmt, "a bare expression computes nothing", "assign it: J = …")
        what = _WHAT.get(type(stmt), f"{type(stmt).__name__.lower()} statements")
        hint = "unroll it into named statements" if isinstance(stmt, ast.For | ast.While) else None
        return _error(self.text, stmt, f"{what} is not part of the model language", hint)

    def _assign(self, stmt: ast.Assign) -> None:
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            raise _error(
                self.text, stmt, "assign to one plain name (Z = …)", "no tuples, a[i] or a = b = …"
            )
        name = stmt.targets[0].id
        e = self._expr(stmt.value)
        if name in self.scope:
            kind = "an input" if name in self.inputs else "an earlier line"
            old = self.scope[name]
            shapes = (
                "" if old == e.shape else f" (shape {fmt_shape(old)}, now {fmt_shape(e.shape)})"
            )
            raise _error(
                self.text,
                stmt.targets[0],
                f"{name} is already defined by {kind}{shapes}",
                f"give the new quantity its own name, e.g. {name}_2",
            )
        self._define(name, e)

    def _return(self, stmt: ast.Return) -> str:
        if stmt.value is None:
            raise _error(self.text, stmt, "return needs the scalar cost, e.g. return J")
        if isinstance(stmt.value, ast.Name) and stmt.value.id in self._names:
            return stmt.value.id
        self._define("J" if "J" not in self.scope else "cost", self._expr(stmt.value))
        return self.equations[-1].name

    @property
    def _names(self) -> set[str]:
        return {eq.name for eq in self.equations}

    def _last(self) -> str:
        if not self.equations:
            raise ParseError("the model has no assignment", hint="end with the cost, e.g. J = …")
        return self.equations[-1].name

    def _define(self, name: str, e: Expr) -> None:
        e = fold(e, self.definitions)
        eq = Equation(name, e)
        self.equations.append(eq)
        self.scope[name] = e.shape
        if not e.is_leaf:
            self.definitions.setdefault(e, eq.var)

    def _expr(self, node: ast.expr) -> Expr:
        segment = ast.get_source_segment(self.text, node) or ""
        self.used.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
        self.masks.update(
            c.args[0].id
            for c in ast.walk(node)
            if isinstance(c, ast.Call)
            and (ast.get_source_segment(self.text, c.func) or "").split(".")[-1] == "where"
            and c.args
            and isinstance(c.args[0], ast.Name)
        )
        shapes = {n: s for n, s in self.scope.items()}
        props = {n: p for n, p in self.props.items() if n in self.inputs}
        for n in self.masks & set(self.inputs):
            props[n] = (*props.get(n, ()), "mask")
        try:
            return parse(segment, shapes, props)
        except ParseError as e:
            raise self._at(node, e) from None
        except ShapeError as e:
            raise _error(self.text, node, e.message, e.hint) from None

    def _at(self, node: ast.expr, e: ParseError) -> ParseError:
        """The same error, placed on the model's line: ``line 3: … at column 12``."""
        line = self.text.splitlines()[node.lineno - 1]
        col = node.col_offset + (e.col or 0) if node.lineno == node.end_lineno else None
        out = type(e).__new__(type(e))
        ParseError.__init__(
            out, f"line {node.lineno}: {e.message}", source=line, col=col, hint=e.hint
        )
        return out
