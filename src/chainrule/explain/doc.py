"""The document model every renderer reads: blocks of prose and mathematics, as data.

The explainer writes its prose once, into a :class:`Document`; the text, LaTeX, Markdown, HTML and
JSON renderers only typeset it. Mathematics inside a document is a small tree of *math nodes*
(:class:`Ex` for an IR formula, :class:`Entry` for its index form, :class:`Partial` for ∂a/∂b, …),
so each format prints the same formula in its own notation from the same node.

Inline content is a tuple of parts, each a plain ``str`` (prose) or a math node.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ir.expr import Expr
from ..ir.shapes import Shape

__all__ = [
    "Naming",
    "Math",
    "Ex",
    "Entry",
    "Sym",
    "Partial",
    "Row",
    "Op",
    "ShapeM",
    "Mat",
    "Rec",
    "Sub",
    "Call",
    "Txt",
    "Prose",
    "Inline",
    "Heading",
    "Para",
    "Display",
    "Table",
    "Items",
    "Block",
    "Document",
    "row",
]


@dataclass(frozen=True)
class Naming:
    """How names print: ``W1`` as ``W[1]`` (layer names), and which dimension counts examples."""

    layer_names: bool = False
    batch: str | None = None


class Math:
    """Base of the math nodes."""


@dataclass(frozen=True)
class Ex(Math):
    """An IR formula in matrix notation: ``W[2]ᵀ dZ[2] ⊙ (1 − A[1]²)``."""

    expr: Expr
    naming: Naming
    scalar_products: bool = False  # print ⊙ between scalars as juxtaposition (f′(z) formulas)
    coefficient: bool = False  # a scalar factor in front: "(1/m)" in text, "\frac{1}{m}" in LaTeX


@dataclass(frozen=True)
class Entry(Math):
    """Entry ``letters`` of an IR formula in index notation: ``Σₖ W[2]ᵢₖ a[1]ₖⱼ + b[2]ᵢ``.

    ``fresh`` is the order in which summation letters are drawn; ``adjoints`` maps an adjoint's
    name (``dZ2``) to its quantity (``Z2``), printed as ``∂top/∂z[2]ᵢⱼ``.
    """

    expr: Expr
    letters: tuple[str | None, ...]
    naming: Naming
    top: str
    fresh: tuple[str, ...] = ()
    adjoints: tuple[tuple[str, str], ...] = ()
    keep_ones: bool = True  # a sum over an axis of size 1 still shows its index (networks)


@dataclass(frozen=True)
class Sym(Math):
    """A quantity's name, ``Z1`` → ``Z[1]``; with ``letters`` an entry ``z[1]ᵢⱼ``."""

    name: str
    naming: Naming = Naming()
    letters: tuple[str, ...] = ()
    lower: bool = False


@dataclass(frozen=True)
class Partial(Math):
    """``∂num/∂den``."""

    num: Math
    den: Math


@dataclass(frozen=True)
class Op(Math):
    """An operator or relation between math parts: ``=``, ``·``, ``⊙``, ``⇒``, ``+``, ``≈``."""

    symbol: str


@dataclass(frozen=True)
class Row(Math):
    """Math parts side by side, separated by spaces."""

    items: tuple[Math, ...]


@dataclass(frozen=True)
class ShapeM(Math):
    """A shape, ``(4, m)``."""

    shape: Shape


@dataclass(frozen=True)
class Mat(Math):
    """A small matrix of numbers, rounded to ``digits`` significant digits."""

    values: tuple[tuple[float, ...], ...]
    digits: int = 4


@dataclass(frozen=True)
class Rec(Math):
    """Unicode mathematics from a record, ``C_ij = Σ_k A_ik B_kj  ⇒  …``, converted per format."""

    text: str


@dataclass(frozen=True)
class Sub(Math):
    """A subscripted group: ``(W[2]ᵀ dZ[2])ₖⱼ``."""

    base: Math
    letters: tuple[str, ...]


@dataclass(frozen=True)
class Call(Math):
    """A named function applied to an argument: ``g[1]′(Z[1])`` (``latex``: ``g^{[1]\\prime}``)."""

    name: str
    latex: str
    arg: Math


@dataclass(frozen=True)
class Txt(Math):
    """Words inside a formula: ``\\text{…}``."""

    text: str


@dataclass(frozen=True)
class Prose:
    """A record's sentence, which may hold unicode mathematics such as ``C_ij`` or ``G Bᵀ``."""

    text: str


Inline = tuple  # of str | Math | Prose


@dataclass(frozen=True)
class Heading:
    level: int
    parts: Inline


@dataclass(frozen=True)
class Para:
    parts: Inline


@dataclass(frozen=True)
class Display:
    """A displayed formula, with an optional note after it (its source, the rule used)."""

    math: Math
    note: Inline = ()


@dataclass(frozen=True)
class Table:
    header: tuple[Inline, ...]
    rows: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True)
class Items:
    """A bulleted list."""

    items: tuple[Inline, ...]


Block = Heading | Para | Display | Table | Items


@dataclass(frozen=True)
class Document:
    """A title and blocks; ``plain_title`` is the title as plain unicode (for ``<title>``)."""

    title: Inline
    plain_title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)


def row(*items: Math | str) -> Row:
    """``row(a, "=", b)``: strings become operators."""
    return Row(tuple(Op(i) if isinstance(i, str) else i for i in items))
