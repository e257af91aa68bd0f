"""Documents as unicode text for the terminal, in colour (through ``rich``) when asked.

Paragraphs are wrapped without breaking a formula; displayed formulas are indented, with their note
(the rule used) beside them when it fits; tables wrap their widest column. Colour is applied line by
line — headings, formulas, table headers — so the plain text and the coloured text are the same
characters.
"""

from __future__ import annotations

import io
import textwrap
from itertools import zip_longest

from .doc import Display, Document, Heading, Items, Para, Prose, Table
from .notation import rec_text, text_math

__all__ = ["render_text", "inline_text", "WIDTH"]

WIDTH = 96
_NBSP = "\u00a0"
_STYLES = {"title": "bold", "h": "bold cyan", "math": "yellow", "head": "bold", "note": "dim"}


def inline_text(parts: tuple, keep_together: bool = False) -> str:
    """Inline parts as text; with ``keep_together`` spaces inside formulas cannot break."""
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(p)
        elif isinstance(p, Prose):
            out.append(rec_text(p.text))
        else:
            s = text_math(p)
            out.append(s.replace(" ", _NBSP) if keep_together else s)
    return "".join(out)


def _wrap(text: str, width: int, indent: str = "", hanging: str = "") -> list[str]:
    lines = textwrap.wrap(
        text,
        width,
        initial_indent=indent,
        subsequent_indent=hanging or indent,
        break_on_hyphens=False,
    )
    return [line.replace(_NBSP, " ") for line in lines] or [indent.rstrip()]


def _heading(b: Heading) -> list[tuple[str, str]]:
    text = inline_text(b.parts)
    rule = ("═" if b.level == 1 else "─") * min(len(text), WIDTH)
    style = "title" if b.level == 1 else "h"
    return [("", ""), (text, style), (rule, style)]


def _display(b: Display) -> list[tuple[str, str]]:
    body = text_math(b.math).split("\n")
    note = inline_text(b.note)
    lines = [("    " + line, "math") for line in body]
    if not note:
        return [("", "")] + lines + [("", "")]
    if len(body) == 1 and len(lines[0][0]) + len(note) + 6 <= WIDTH:
        return [("", ""), (f"{lines[0][0]}      ", "math"), (note, "note+"), ("", "")]
    notes = [(line, "note") for line in _wrap(note, WIDTH, "        ")]
    return [("", "")] + lines + notes + [("", "")]


def _table(b: Table) -> list[tuple[str, str]]:
    rows = [[inline_text(c) for c in b.header]] + [[inline_text(c) for c in r] for r in b.rows]
    widths = [max(len(r[k]) for r in rows) for k in range(len(b.header))]
    room = WIDTH - 2 - 2 * (len(widths) - 1)
    while sum(widths) > room and max(widths) > 14:
        widths[widths.index(max(widths))] -= 1
    out = [("", "")]
    for n, r in enumerate(rows):
        cells = [_wrap(c, w) if len(c) > w else [c] for c, w in zip(r, widths, strict=True)]
        for parts in zip_longest(*cells, fillvalue=""):
            line = "  " + "  ".join(p.ljust(w) for p, w in zip(parts, widths, strict=True))
            out.append((line.rstrip(), "head" if n == 0 else ""))
        if n == 0:
            out.append(("  " + "  ".join("─" * w for w in widths), "head"))
    return out


def _block(b: object) -> list[tuple[str, str]]:
    if isinstance(b, Heading):
        return _heading(b)
    if isinstance(b, Para):
        return [("", "")] + [(line, "") for line in _wrap(inline_text(b.parts, True), WIDTH)]
    if isinstance(b, Display):
        return _display(b)
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, Items):
        lines: list[tuple[str, str]] = [("", "")]
        for item in b.items:
            lines += [(x, "") for x in _wrap(inline_text(item, True), WIDTH, "  • ", "    ")]
        return lines
    raise TypeError(f"no text form for {type(b).__name__}")


def _lines(doc: Document) -> list[tuple[str, str]]:
    title = inline_text(doc.title)
    out = [(title, "title"), ("═" * min(len(title), WIDTH), "title")]
    for b in doc.blocks:
        out += _block(b)
    merged: list[tuple[str, str]] = []
    for text, style in out:  # collapse blank runs; a "note+" continues the previous line
        if style == "note+":
            merged[-1] = (merged[-1][0], merged[-1][1], text)
        elif not (text == "" and merged and merged[-1][0] == ""):
            merged.append((text, style))
    return merged


def render_text(doc: Document, color: bool = False) -> str:
    """The document as text; ``color`` adds ANSI styles through ``rich``."""
    lines = _lines(doc)
    if not color:
        return "\n".join(line[0] + (line[2] if len(line) > 2 else "") for line in lines).strip()
    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, color_system="standard", width=WIDTH + 20)
    for line in lines:
        text = Text(line[0], style=_STYLES.get(line[1], ""))
        if len(line) > 2:
            text.append(line[2], style=_STYLES["note"])
        console.print(text, soft_wrap=True)
    return buf.getvalue().rstrip("\n")
