"""Where does a wrong formula go wrong? Its factors matched one by one against the derived ones.

When no combination of named mistakes explains a formula, the answer still points at the place:
the learner's formula and each correct form are split into factors (``a * b``, ``a @ b``,
``np.dot(a, b)``, ``np.multiply(a, b)``, ``a.dot(b)``) — or, for a sum, into terms — and each of
the learner's factors is compared, on the draws, with the correct factors. When exactly one of the
learner's factors has no equal, and putting the corresponding correct factor in its place makes the
whole formula right, that factor is where it goes wrong, and the repaired formula keeps everything
else the learner wrote.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ChainruleError
from ..ir import build
from ..ir.expr import Expr
from .edits import _edits, _func, _product_operands, np_text
from .learner import show
from .numbers import Numbers

__all__ = ["Place", "localise"]


@dataclass(frozen=True)
class Place:
    """One factor (or term) of the learner's formula that differs from the derived one."""

    kind: str  # "factor" or "term"
    wrong: str  # the learner's factor, as written: "(1 - Z1**2)"
    right: str  # the derived factor in NumPy syntax: "1 - A1**2" ("" when it does not belong)
    right_ir: Expr | None
    fixed: ast.Expression  # the learner's formula with only that factor replaced


def localise(
    tree: ast.Expression,
    read: Callable[[ast.AST], Expr],
    forms: tuple[Expr, ...],
    numbers: Numbers,
    is_right: Callable[[ast.Expression], bool],
) -> Place | None:
    """The one factor or term of ``tree`` that, replaced by its derived counterpart, makes the
    formula right (``read`` turns a syntax node into IR; ``is_right`` judges a whole formula)."""
    for kind, split_ast, split_ir in (
        ("factor", _factors, _ir_factors),
        ("term", _terms, _ir_terms),
    ):
        parts = split_ast(tree.body, False)
        if len(parts) < 2:
            continue
        mine = [n for n, _ in parts]
        signs = [neg for _, neg in parts]
        values = [_read(read, ast.UnaryOp(ast.USub(), n) if neg else n) for n, neg in parts]
        for form in forms:
            place = _one_off(kind, tree, mine, signs, values, split_ir(form), numbers, is_right)
            if place is not None:
                return place
    return None


def _one_off(kind, tree, mine, minus, values, theirs, numbers, is_right) -> Place | None:  # noqa: PLR0913
    """Exactly one of the learner's parts has no equal among the derived ones: put in its place
    the derived parts left over (their product, for factors), or take it out if none is left."""
    free = list(theirs)
    odd = []
    for node, e in zip(mine, values, strict=True):
        twin = next((t for t in free if e is not None and numbers.same(e, t)), None)
        if twin is None:
            odd.append((node, e))
        else:
            free.remove(twin)
    if len(odd) > 1 and len(free) == 1 and kind == "factor":
        return _several(tree, [n for n, _ in odd], free[0], is_right)
    if len(odd) != 1 or (len(free) > 1 and kind != "factor"):
        return None
    node = odd[0][0]
    if not free:
        fixed = _without(tree, node)
        ok = fixed is not None and is_right(fixed)
        return Place(kind, show(node), "", None, fixed) if ok else None
    right = free[0]
    try:
        for other in free[1:]:
            right = build.np_mul(right, other)
    except ChainruleError:
        return None
    if minus[mine.index(node)]:
        right = _negated(right)
    new = ast.parse(f"({np_text(right)})", mode="eval").body
    fixed = _replaced(tree, node, new)
    if fixed is None or not is_right(fixed):
        return None
    return Place(kind, show(node), np_text(right), right, fixed)


def _several(tree, nodes: list[ast.AST], right: Expr, is_right) -> Place | None:
    """Several of the learner's factors stand where the derivation has one: the first replaced by
    it, the others taken out."""
    new = ast.parse(f"({np_text(right)})", mode="eval").body
    fixed = _replaced(tree, nodes[0], new)
    for node in nodes[1:]:
        fixed = _without(fixed, node) if fixed is not None else None
    if fixed is None or not is_right(fixed):
        return None
    wrong = " and ".join(show(n) for n in nodes)
    return Place("factors", wrong, np_text(right), right, fixed)


def _without(tree: ast.Expression, node: ast.AST) -> ast.Expression | None:
    """``tree`` with the factor ``node`` taken out of the product that holds it."""
    for parent in ast.walk(tree):
        if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Mult):
            for mine, other in ((parent.left, parent.right), (parent.right, parent.left)):
                if mine is node:
                    return _replaced(tree, parent, other)
    return None


def _replaced(tree: ast.Expression, old: ast.AST, new: ast.AST) -> ast.Expression | None:
    return next((t for t, _ in _edits(tree, lambda n, _t: _only(n, old, new))), None)


def _only(n: ast.AST, target: ast.AST, new: ast.AST):
    if n is target:
        yield new, {}


def _read(read: Callable[[ast.AST], Expr], node: ast.AST) -> Expr | None:
    try:
        return read(node)
    except ChainruleError:
        return None


def _factors(n: ast.AST, neg: bool = False) -> list[tuple[ast.AST, bool]]:
    """``a * b @ c`` → [a, b, c] (none subtracted); products however spelled."""
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):
        return _factors(n.left) + _factors(n.right)
    pair = _product_operands(n)
    if pair is None and _func(n) == "multiply" and len(n.args) == 2:
        pair = n.args[0], n.args[1]
    if pair is not None:
        return _factors(pair[0]) + _factors(pair[1])
    return [(n, False)]


def _terms(n: ast.AST, neg: bool) -> list[tuple[ast.AST, bool]]:
    """``a - b + c`` → [(a, False), (b, True), (c, False)]: each term and whether it is
    subtracted."""
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add):
        return _terms(n.left, neg) + _terms(n.right, neg)
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub):
        return _terms(n.left, neg) + [(n.right, not neg)]
    return [(n, neg)]


def _negated(e: Expr) -> Expr:
    if e.op == "scale" and e.args[0].op == "const" and e.args[0].attrs[0] == -1:
        return e.args[1]
    return build.scale(build.const(-1), e)


def _ir_factors(e: Expr) -> list[Expr]:
    if e.op in ("mul", "matmul"):
        return _ir_factors(_bare(e.args[0])) + _ir_factors(_bare(e.args[1]))
    if e.op == "scale":
        return [e.args[0], *_ir_factors(e.args[1])]
    return [e]


def _ir_terms(e: Expr) -> list[Expr]:
    if e.op == "add":
        return _ir_terms(_bare(e.args[0])) + _ir_terms(_bare(e.args[1]))
    return [e]


def _bare(e: Expr) -> Expr:
    return e.args[0] if e.op == "broadcast" else e
