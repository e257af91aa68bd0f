r"""Documents as LaTeX: a complete ``article`` (amsmath, booktabs), and a math-only summary.

:func:`render_latex` writes a document that compiles with pdflatex: prose has its specials escaped
and its unicode mathematics (``Σᵢ``, ``⊙``, ``L⁽ⁱ⁾``) turned into inline math; every formula is the
LaTeX printer's (:mod:`chainrule.printers.latex`). :func:`latex_summary` is what Jupyter's
``_repr_latex_`` shows: the formulas alone, in one ``aligned`` block.
"""

from __future__ import annotations

from .doc import Display, Document, Heading, Items, Para, Table
from .notation import inline_tex, latex_escape, latex_math, note_tex, prose_latex

__all__ = ["render_latex", "latex_summary", "latex_inline"]

_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage{amsmath,amssymb,booktabs,array}
\usepackage[margin=2.2cm]{geometry}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6em}
"""


def latex_inline(parts: tuple) -> str:
    """Inline parts for a LaTeX document."""
    return inline_tex(parts, latex_escape, prose_latex)


def _display(b: Display) -> str:
    note = rf" \qquad {note_tex(b.note)}" if b.note else ""
    return "\\[\n  " + latex_math(b.math) + note + "\n\\]"


def _table(b: Table) -> str:
    width = f"{0.95 / len(b.header):.2f}"
    spec = "".join(rf">{{\raggedright\arraybackslash}}p{{{width}\linewidth}}" for _ in b.header)
    rows = [" & ".join(latex_inline(c) for c in r) + r" \\" for r in b.rows]
    head = " & ".join(r"\textbf{" + latex_inline(c) + "}" for c in b.header) + r" \\"
    body = "\n".join(["\\toprule", head, "\\midrule", *rows, "\\bottomrule"])
    return f"\\begin{{tabular}}{{{spec}}}\n{body}\n\\end{{tabular}}"


def _block(b: object) -> str:
    if isinstance(b, Heading):
        command = {1: "section*", 2: "subsection*"}.get(b.level, "subsubsection*")
        return f"\\{command}{{{latex_inline(b.parts)}}}"
    if isinstance(b, Para):
        return latex_inline(b.parts)
    if isinstance(b, Display):
        return _display(b)
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, Items):
        items = "\n".join(r"  \item " + latex_inline(i) for i in b.items)
        return f"\\begin{{itemize}}\n{items}\n\\end{{itemize}}"
    raise TypeError(f"no LaTeX form for {type(b).__name__}")


def render_latex(doc: Document) -> str:
    """A standalone LaTeX document."""
    body = "\n\n".join(_block(b) for b in doc.blocks)
    title = f"\\section*{{{latex_inline(doc.title)}}}"
    return f"{_PREAMBLE}\n\\begin{{document}}\n\n{title}\n\n{body}\n\n\\end{{document}}\n"


def latex_summary(doc: Document, limit: int = 12) -> str:
    """A document's displayed formulas for Jupyter's ``_repr_latex_`` (math mode only)."""
    rows = [latex_math(b.math) for b in doc.blocks if isinstance(b, Display)][:limit]
    return "$$\\begin{gathered}" + r" \\ ".join(rows) + "\\end{gathered}$$"
