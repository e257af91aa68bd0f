"""Documents as Markdown with ``$…$`` mathematics (Jupyter, GitHub, most static-site engines).

Headings, paragraphs, ``$$`` display blocks, pipe tables and bullet lists; plain text has
Markdown's specials escaped, formulas come from the LaTeX printer.
"""

from __future__ import annotations

import re

from .doc import Display, Document, Heading, Items, Para, Table
from .notation import inline_tex, latex_math, note_tex, prose_dollar

__all__ = ["render_markdown", "markdown_inline"]


def _escape(s: str) -> str:
    return re.sub(r"([\\`*_\[\]<>|$])", r"\\\1", s)


def _prose(s: str) -> str:
    return prose_dollar(s)


def markdown_inline(parts: tuple) -> str:
    """Inline parts as Markdown."""
    return inline_tex(parts, _escape, _prose)


def _table(b: Table) -> str:
    head = "| " + " | ".join(markdown_inline(c) for c in b.header) + " |"
    rule = "|" + "|".join("---" for _ in b.header) + "|"
    rows = ["| " + " | ".join(markdown_inline(c) for c in r) + " |" for r in b.rows]
    return "\n".join([head, rule, *rows])


def _block(b: object) -> str:
    if isinstance(b, Heading):
        return "#" * b.level + " " + markdown_inline(b.parts)
    if isinstance(b, Para):
        return markdown_inline(b.parts)
    if isinstance(b, Display):
        note = rf" \qquad {note_tex(b.note)}" if b.note else ""
        return "$$\n" + latex_math(b.math) + note + "\n$$"
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, Items):
        return "\n".join("- " + markdown_inline(i) for i in b.items)
    raise TypeError(f"no Markdown form for {type(b).__name__}")


def render_markdown(doc: Document) -> str:
    """The document as Markdown."""
    blocks = ["# " + markdown_inline(doc.title)] + [_block(b) for b in doc.blocks]
    return "\n\n".join(blocks) + "\n"
