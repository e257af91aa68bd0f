"""Common subexpressions, named once: ``t1 = X⁻¹`` is computed once and used wherever it occurs.

Trees are hash-consed DAGs, so a subexpression used twice is literally the same node; counting how
many distinct parents refer to each node finds them. A node is worth a name when it is used more
than once and is not already cheap to write (a leaf, a transpose of a leaf, a spread constant).
The code exporters print the named definitions first; :func:`chainrule.printers.text.formula_lines`
does the same for the reader.

A derivative can be a small DAG whose written-out form is not small: through n nested tanh it is
∏ₖ (1 − tanhᵏ(x)²), 5n nodes but n²/2 written out. :func:`repetitive` says when printing it
written out would be that much longer than the DAG; the printers then name the shared parts, so
what is printed (and what runs, each intermediate computed once) stays linear in depth. Every
pass here is one walk over the DAG.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import count

from ..algebra.simplify import substitute
from ..ir import build, linalg
from ..ir.expr import Expr, walk

__all__ = ["common_subexpressions", "written_size", "repetitive"]

SPREAD = 2  # written out more than this many times the DAG: name the shared parts
SMALL = 200  # nodes; below this a formula is printed written out whatever its sharing


def written_size(exprs: Iterable[Expr]) -> int:
    """How many nodes ``exprs`` have written out as trees (one walk: shared nodes counted once
    per use, by adding up their children's sizes)."""
    return _sizes(exprs)[0]


def _sizes(exprs: Iterable[Expr]) -> tuple[int, int]:
    """``(written out, distinct)`` node counts of ``exprs``."""
    size: dict[Expr, int] = {}
    total = 0
    for root in exprs:
        for n in walk(root):
            if n not in size:
                size[n] = 1 + sum(size[a] for a in n.args)
        total += size[root]
    return total, len(size)


def repetitive(exprs: Sequence[Expr]) -> bool:
    """True when writing ``exprs`` out would print far more than their DAG holds (see above)."""
    written, distinct = _sizes(exprs)
    return written > SMALL and written > SPREAD * distinct


def _at_least(e: Expr, k: int) -> bool:
    """``e``'s DAG has at least ``k`` distinct nodes (a walk that stops at k: a chain n deep
    would otherwise cost n for each of its n nodes)."""
    seen, stack = {e}, [e]
    while stack and len(seen) < k:
        for a in stack.pop().args:
            if a not in seen:
                seen.add(a)
                stack.append(a)
    return len(seen) >= k


def _cheap(e: Expr, has_var: dict[Expr, bool]) -> bool:
    if e.is_leaf or e.op == "blocks":
        return True
    if e.op in ("transpose", "broadcast") and e.args[0].is_leaf:
        return True
    return not has_var[e]  # 1/m and other constants


def common_subexpressions(
    exprs: Sequence[Expr], prefix: str = "t", taken: Iterable[str] = (), min_weight: int = 2
) -> tuple[list[tuple[str, Expr]], list[Expr]]:
    """``(definitions, rewritten)``: each repeated subtree as ``(name, definition)`` in dependency
    order, and ``exprs`` with the repeated subtrees replaced by their names."""
    uses: Counter[Expr] = Counter()
    has_var: dict[Expr, bool] = {}
    order: list[Expr] = []
    for root in exprs:
        for n in walk(root):
            if n not in has_var:
                has_var[n] = n.op == "var" or any(has_var[a] for a in n.args)
                order.append(n)
                uses.update(n.args)
    taken, inner, numbers = set(taken), _inside_named(order), count(1)
    table: dict[Expr, Expr] = {}
    definitions: list[tuple[str, Expr]] = []
    for n in order:  # children before parents
        if uses[n] > 1 and n not in inner and not _cheap(n, has_var) and _at_least(n, min_weight):
            name = _fresh(prefix, taken, numbers)
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


def _fresh(prefix: str, taken: set[str], numbers: Iterator[int]) -> str:
    name = next(f"{prefix}{i}" for i in numbers if f"{prefix}{i}" not in taken)
    taken.add(name)
    return name
