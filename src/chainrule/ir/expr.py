"""The expression IR: immutable, hashable nodes that carry their shape.

A node is ``Expr(op, args, shape, attrs)``. ``op`` names one primitive of the closed set in
:mod:`chainrule.rules`; ``attrs`` holds its hashable parameters (a variable's name, a sum's axis, an
elementwise function's record). Shapes are checked once, when a node is built (see
:mod:`chainrule.ir.build`), so every tree that exists is well-typed. No node holds a gradient:
differentiation builds new trees.

Python operators on nodes follow NumPy's meaning (``@`` matrix product, ``*`` elementwise, ``.T``),
with broadcasting made explicit as nodes, so rules can be written in the IR as readable formulas;
:mod:`chainrule.ir.build` attaches them, since they are its checked constructors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from weakref import WeakValueDictionary

from .shapes import Shape

__all__ = ["Expr", "LEAF_OPS", "walk", "leaves"]

LEAF_OPS = frozenset({"var", "const", "dim", "eye"})

_NODES: WeakValueDictionary[tuple, Expr] = WeakValueDictionary()  # every live node, by its parts


class Expr:
    """One node of the IR. Build nodes with :mod:`chainrule.ir.build`, not with this constructor.

    Nodes are hash-consed: building a node equal to one that exists returns that one, so equal
    subtrees are the same object and comparing two nodes never walks them (a derivative through n
    nested functions holds the inner ones n times; comparing them would cost n each).
    """

    __slots__ = ("op", "args", "shape", "attrs", "_hash", "__weakref__")

    def __new__(cls, op: str, args: tuple[Expr, ...], shape: Shape, attrs: tuple = ()) -> Expr:
        key = (op, args, shape, attrs)
        node = _NODES.get(key)
        if node is None:
            node = object.__new__(cls)
            object.__setattr__(node, "op", op)
            object.__setattr__(node, "args", args)
            object.__setattr__(node, "shape", shape)
            object.__setattr__(node, "attrs", attrs)
            object.__setattr__(node, "_hash", hash(key))
            _NODES[key] = node
        return node

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("chainrule expressions are immutable")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return self is other  # hash-consed: equal nodes are one object

    def __repr__(self) -> str:
        if self.op == "var":
            return f"var({self.attrs[0]!r}, {self.shape})"
        if self.op in ("const", "dim"):
            return f"{self.op}({self.attrs[0]})"
        inner = ", ".join(repr(a) for a in self.args)
        extra = "".join(f", {a!r}" for a in self.attrs)
        return f"{self.op}({inner}{extra})"

    # -- convenience --------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The variable's name (only for ``var`` and ``dim`` nodes)."""
        if self.op not in ("var", "dim"):
            raise AttributeError(f"a {self.op} node has no name")
        return self.attrs[0]

    @property
    def is_leaf(self) -> bool:
        return self.op in LEAF_OPS


def walk(root: Expr) -> Iterator[Expr]:
    """Every distinct node of the DAG under ``root``, children before parents (topological)."""
    seen: set[Expr] = set()
    stack: list[tuple[Expr, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            yield node
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((a, False) for a in reversed(node.args) if a not in seen)


def leaves(root: Expr, op: str = "var") -> list[Expr]:
    """The distinct leaves of one kind (default: variables) in first-seen order."""
    return [n for n in walk(root) if n.op == op]
