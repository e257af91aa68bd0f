"""Documents as self-contained HTML pages whose mathematics is MathML (no network, no scripts).

The page is :func:`chainrule.printers.html_page.html_document`; each formula goes through the
LaTeX printer and :func:`~chainrule.printers.html_page.latex_to_mathml`, so a browser lays it out
natively. :func:`html_fragment` is the page's body alone, for Jupyter's ``_repr_html_``.
"""

from __future__ import annotations

import html
import re

from ..printers.html_page import html_document, latex_to_mathml
from .doc import Display, Document, Heading, Items, Para, Prose, Table
from .notation import inline_tex, latex_math, note_tex, prose_dollar

__all__ = ["render_html", "html_fragment"]

_DOLLAR = re.compile(r"(?<!\\)\$")


def _dollars(parts: tuple) -> str:
    """Inline parts as text with ``$…$`` math, the form html_document's blocks take."""
    return inline_tex(parts, lambda s: s.replace("$", r"\$"), prose_dollar)


def _block(b: object) -> tuple[str, object]:
    if isinstance(b, Heading):
        return ("h2" if b.level <= 2 else "h3", _dollars(b.parts))
    if isinstance(b, Para):
        return ("p", _dollars(b.parts))
    if isinstance(b, Display):
        note = rf" \qquad {note_tex(b.note)}" if b.note else ""
        return ("math", latex_math(b.math) + note)
    if isinstance(b, Table):
        return (
            "table",
            [[_dollars(c) for c in b.header]] + [[_dollars(c) for c in r] for r in b.rows],
        )
    if isinstance(b, Items):
        items = "".join(f"<li>{_list_item(i)}</li>" for i in b.items)
        return ("raw", f"<ul>{items}</ul>")
    raise TypeError(f"no HTML form for {type(b).__name__}")


def _list_item(parts: tuple) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(html.escape(p, quote=False))
        elif isinstance(p, Prose):
            for k, seg in enumerate(_DOLLAR.split(prose_dollar(p.text))):
                if k % 2:
                    out.append(latex_to_mathml(seg))
                else:
                    out.append(html.escape(seg.replace(r"\$", "$"), quote=False))
        else:
            out.append(latex_to_mathml(latex_math(p)))
    return "".join(out)


def render_html(doc: Document) -> str:
    """A complete, self-contained HTML5 page."""
    blocks = [("h1", _dollars(doc.title))] + [_block(b) for b in doc.blocks]
    return html_document(doc.plain_title, blocks)


def html_fragment(doc: Document) -> str:
    """The page's content without ``<html>``/``<head>``, for embedding (Jupyter)."""
    page = render_html(doc)
    start, end = page.index("<main>"), page.index("</main>") + len("</main>")
    return page[start:end]
