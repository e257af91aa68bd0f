"""Common subexpressions, named once: ``t1 = X⁻¹`` is computed once and used wherever it occurs.

Trees are hash-consed DAGs, so a subexpression used twice is literally the same node; counting how
many distinct parents refer to each node finds them. A node is worth a name when it is used more
than once and is not already cheap to write (a leaf, a transpose of a leaf, a spread constant).
The code exporters print the named definitions first; :func:`formula_lines` does the same for the
reader.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from ..algebra.simplify import substitute
from ..ir import build, linalg
from ..ir.expr import Expr, walk
from ..printers.text import text

__all__ = ["common_subexpressions", "formula_lines"]


def _weight(e: Expr) -> int:
    return sum(1 for _ in walk(e))


def _cheap(e: Expr) -> bool:
    if e.is_leaf or e.op == "blocks":
        return True
    if e.op in ("transpose", "broadcast") and e.args[0].is_leaf:
        return True
    return not any(n.op == "var" for n in walk(e))  # 1/m and other constants


def common_subexpressions(
    exprs: Sequence[Expr], prefix: str = "t", taken: Iterable[str] = (), min_weight: int = 2
) -> tuple[list[tuple[str, Expr]], list[Expr]]:
    """``(definitions, rewritten)``: each repeated subtree as ``(name, definition)`` in dependency
    order, and ``exprs`` with the repeated subtrees replaced by their names."""
    uses: Counter[Expr] = Counter()
    seen: set[Expr] = set()
    order: list[Expr] = []
    for root in exprs:
        for n in walk(root):
            if n not in seen:
                seen.add(n)
                order.append(n)
                uses.update(n.args)
    taken, inner = set(taken), _inside_named(order)
    table: dict[Expr, Expr] = {}
    definitions: list[tuple[str, Expr]] = []
    for n in order:  # children before parents
        if uses[n] > 1 and n not in inner and not _cheap(n) and _weight(n) >= min_weight:
            name = _fresh(prefix, taken)
            args = tuple(substitute(a, table) for a in n.args)
            definitions.append((name, Expr(n.op, args, n.shape, n.attrs)))
            table[n] = build.var(name, n.shape)
    return definitions, [substitute(e, table) for e in exprs]


def _inside_named(nodes: list[Expr]) -> set[Expr]:
    """The nodes that make up a named composition (the ``v 𝟏ᵀ`` of ``diag(v)``): naming one would
    hide the composition, so they are never named."""
    inner: set[Expr] = set()
    for n in nodes:
        if (m := linalg.named(n)) is not None:
            operands = {x for a in m.args for x in walk(a)}
            inner.update(x for x in walk(n) if x not in operands and x != n)
    return inner


def _fresh(prefix: str, taken: set[str]) -> str:
    i = 1
    while f"{prefix}{i}" in taken:
        i += 1
    taken.add(f"{prefix}{i}")
    return f"{prefix}{i}"


def formula_lines(target: str, e: Expr, min_weight: int = 5) -> list[str]:
    """``e`` for the reader, its larger repeated subexpressions named first (``T1 = …``)."""
    taken = {v.name for v in walk(e) if v.op == "var"}
    defs, (body,) = common_subexpressions([e], "T", taken, min_weight)
    return [f"{name} = {text(d)}" for name, d in defs] + [f"{target} = {text(body)}"]
