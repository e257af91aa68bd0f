"""Editing formulas: the correct one as IR (for mutations), the learner's as a syntax tree (for
repairs). Every edit is rebuilt through the checked builders, so an edit whose shapes no longer fit
is dropped, and a syntax-tree edit copies only the path from the root to the node it changes.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator

from ..errors import ShapeError
from ..ir import build
from ..ir.expr import Expr, walk
from ..printers.numpy_code import NumpyPrinter
from .records import Context, Repair, Variant


# -- IR helpers ------------------------------------------------------------------------------------
def np_text(e: Expr) -> str:
    """``e`` in NumPy syntax, as a learner would write it."""
    return NumpyPrinter().doprint(e)


def _text(e: Expr | None) -> str:
    """``np_text`` of a mutation's result, or "" where the mutation does not type-check."""
    return np_text(e) if e is not None else ""


def _rewrite(wrong: Expr | None, right: Expr) -> dict:
    """The fields of a mistake that rewrites ``right`` as ``wrong``."""
    return {"wrong": _text(wrong), "fix": np_text(right)}


def replace(root: Expr, old: Expr, new: Expr) -> Expr:
    """``root`` with every ``old`` subtree replaced by ``new``, rebuilt through the checked
    builders, so that a replacement whose shapes no longer fit raises ShapeError."""
    memo: dict[Expr, Expr] = {}

    def go(n: Expr) -> Expr:
        if n == old:
            return new
        if n not in memo:
            args = tuple(go(a) for a in n.args)
            memo[n] = n if args == n.args else _rebuild(n, args)
        return memo[n]

    return go(root)


def _bare(e: Expr) -> Expr:
    return e.args[0] if e.op == "broadcast" else e


def _rebuild(n: Expr, args: tuple[Expr, ...]) -> Expr:
    """``n``'s operation on new arguments, with NumPy's broadcasting worked out again."""
    if n.op == "broadcast":
        try:
            return build.broadcast(args[0], n.shape)
        except ShapeError:
            return args[0]  # the consumer broadcasts it again (np_add, np_mul)
    makers = {
        "matmul": lambda: build.matmul(*args),
        "transpose": lambda: build.transpose(args[0]),
        "add": lambda: build.np_add(_bare(args[0]), _bare(args[1])),
        "mul": lambda: build.np_mul(_bare(args[0]), _bare(args[1])),
        "scale": lambda: build.scale(*args),
        "sum": lambda: build.sum_(args[0], *n.attrs),
        "fn": lambda: build.fn(n.attrs[0], args[0]),
    }
    return makers[n.op]()


def _attempt(make: Callable[[], Expr]) -> Expr | None:
    try:
        return make()
    except ShapeError:
        return None


def _sites(
    ctx: Context, local: Callable[[Expr, Context], Iterator[tuple[Expr | None, dict]]]
) -> Iterator[Variant]:
    """Apply a local change at every node of every correct form: ``local(node)`` offers
    replacements for ``node``; those that still type-check in place are variants."""
    for form in ctx.forms:
        for node in walk(form):
            for new, fields in local(node, ctx):
                variant = None if new is None else _replaced(form, node, new)
                if variant is not None and variant != form:
                    yield variant, {**fields, "form": form}


def _replaced(form: Expr, node: Expr, new: Expr) -> Expr | None:
    try:
        return replace(form, node, new)
    except ShapeError:
        return None


def _whole(ctx: Context, change: Callable[[Expr], Expr], fields: dict) -> Iterator[Variant]:
    for form in ctx.forms:
        variant = _attempt(lambda f=form: change(f))
        if variant is not None:
            yield variant, {**fields, "form": form}


# -- syntax-tree helpers (repairs) -----------------------------------------------------------------
def _edits(
    tree: ast.Expression, local: Callable[[ast.AST, ast.Expression], Iterator[tuple[ast.AST, dict]]]
) -> Iterator[Repair]:
    """Copies of ``tree`` with one node replaced, for each replacement ``local(node)`` offers.

    Only the path from the root to the node is copied; the rest is shared, never changed."""
    parents = {
        id(child): (parent, name, index)
        for parent in ast.walk(tree)
        for name, value in ast.iter_fields(parent)
        for index, child in _children(value)
    }
    for node in list(ast.walk(tree)):
        for new, fields in local(node, tree):
            yield _path_copy(tree, node, new, parents), fields


def _children(value: object) -> Iterator[tuple[int | None, ast.AST]]:
    if isinstance(value, ast.AST):
        yield None, value
    elif isinstance(value, list):
        yield from ((i, v) for i, v in enumerate(value) if isinstance(v, ast.AST))


def _path_copy(tree: ast.AST, old: ast.AST, new: ast.AST, parents: dict) -> ast.Expression:
    while old is not tree:
        parent, name, index = parents[id(old)]
        copied = copy.copy(parent)
        if index is None:
            setattr(copied, name, new)
        else:
            setattr(
                copied,
                name,
                [new if i == index else v for i, v in enumerate(getattr(parent, name))],
            )
        old, new = parent, copied
    return new


def _operands(tree: ast.Expression, transposed: bool = True) -> set[int]:
    """Ids of the nodes that are values in the formula (not function names, not sizes; with
    ``transposed=False``, not what is already transposed)."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            skip.update(id(n) for n in ast.walk(node.func))
        if isinstance(node, ast.keyword):
            skip.update(id(n) for n in ast.walk(node.value))
        if isinstance(node, ast.Attribute) and node.attr == "T" and not transposed:
            skip.add(id(node.value))
    return {
        id(n)
        for n in ast.walk(tree)
        if isinstance(n, ast.Name | ast.Call | ast.BinOp | ast.Attribute)
        and id(n) not in skip
        and not (isinstance(n, ast.Name) and n.id == "m")
        and not (isinstance(n, ast.Attribute) and n.attr == "T")
    }


def _has_t(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "T" for n in ast.walk(node))


def _func(node: ast.AST) -> str:
    if not isinstance(node, ast.Call):
        return ""
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _np_dot(a: ast.AST, b: ast.AST) -> ast.Call:
    func = ast.Attribute(value=ast.Name(id="np", ctx=ast.Load()), attr="dot", ctx=ast.Load())
    return ast.Call(func, [a, b], [])


def _product_operands(n: ast.AST) -> tuple[ast.AST, ast.AST] | None:
    """The factors of a matrix product however spelled: ``a @ b``, ``np.dot(a, b)``,
    ``np.matmul(a, b)``, ``a.dot(b)``."""
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.MatMult):
        return n.left, n.right
    if _func(n) in ("dot", "matmul") and not n.keywords:
        if len(n.args) == 2:
            return n.args[0], n.args[1]
        f = n.func
        if len(n.args) == 1 and isinstance(f, ast.Attribute) and _dotted_root(f.value) != "np":
            return f.value, n.args[0]
    return None


def _dotted_root(n: ast.AST) -> str:
    while isinstance(n, ast.Attribute):
        n = n.value
    return n.id if isinstance(n, ast.Name) else ""
