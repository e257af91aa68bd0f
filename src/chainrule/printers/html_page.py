r"""Self-contained HTML pages whose mathematics is MathML, so it renders in a browser offline.

LaTeX is converted with the ``latex2mathml`` package; modern browsers (Chromium >= 109, Firefox,
Safari) lay MathML out natively, so a page needs no script, font or stylesheet from the network.

``latex2mathml`` handles the notation of the course: ``\frac``, ``\partial``, ``\odot``,
``^{\top}``, ``\mathsf{T}``, ``\sum_{i=1}^{m}``, ``\sum_j``, ``W^{[2]}``, ``\left( \right)``,
``\mathbf{1}``, ``\sigma``, ``\cdot``, ``\in``, ``\mathbb{R}^{n \times m}``, ``\tfrac``,
``\text{...}``, primes, ``\quad``. Where its output is wrong, or right but laid out badly by
browsers (which implement MathML Core, not all of MathML 3), this module repairs it:

Before conversion (rewrites of the LaTeX):

* ``\operatorname{tanh}`` would become ``<mo>tanh</mo>`` with operator spacing ("tanh (x)");
  it is rewritten to ``\mathrm{tanh}`` (upright letters, set tight as in LaTeX).
* ``\mathrm{d}`` (one letter) would become a plain ``<mi>``, i.e. italic; it becomes ``\text{d}``.
* ``\begin{aligned}`` is flattened into one row with literal ``&``; it is rewritten to
  ``\begin{split}``, which gives a right/left aligned ``<mtable>`` (several pairs work too).
* ``\lVert``/``\rVert`` (``\lvert``/``\rvert``) become stretchy operators that browsers stretch
  or shrink ("‖A‖_F" with a small second bar); they are rewritten to ``\Vert`` (``\vert``).

After conversion (fixes of the MathML):

* ``\text{...}`` is copied verbatim, so ``&``, ``<`` or ``\&`` there would break the page; the
  text of every ``<mtext>`` is unescaped from TeX and escaped for HTML.
* A prime is put in a superscript (``<msup><mi>f</mi><mi>′</mi></msup>``), where browsers draw
  it tiny and high; it follows its base as ``<mo>′</mo>`` instead.
* ``⊤`` is an ``<mo>``, spaced like a binary operator inside ``^{[1]\top}``; it becomes an ``<mi>``.
* Browsers ignore ``mathvariant="bold"`` (``\mathbf{1}``) and Chromium ignores ``columnalign``
  (tables, ``aligned``); inline ``font-weight`` and ``text-align: -webkit-right``/``-left`` styles
  are added (plain ``right`` does not move MathML boxes in a Chromium ``<mtd>``), and the cell
  padding next to the alignment point is removed.
* The ``xmlns`` attribute is dropped (HTML5 needs none; the page holds no URL at all), and the
  MathML is ASCII with character references, whatever encoding a caller writes it in.

Unknown commands (``\foo``, kept by ``latex2mathml`` as text) and unbalanced braces raise
:class:`RenderError`.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any
from xml.etree import ElementTree

from latex2mathml.converter import convert

from ..errors import ChainruleError

__all__ = ["RenderError", "latex_to_mathml", "html_document"]


class RenderError(ChainruleError):
    """A LaTeX fragment or page block that cannot be turned into HTML."""


_REWRITES = [
    (re.compile(r"\\operatorname\{([^{}]*)\}"), r"\\mathrm{\1}"),
    (re.compile(r"\\mathrm\{\s*([A-Za-z])\s*\}"), r"\\text{\1}"),
    (re.compile(r"\\(begin|end)\{aligned\}"), r"\\\1{split}"),
    (re.compile(r"\\[lr]Vert(?![A-Za-z])"), r"\\Vert"),
    (re.compile(r"\\[lr]vert(?![A-Za-z])"), r"\\vert"),
]
_XMLNS = re.compile(r'\s+xmlns="[^"]*"')
_MTEXT = re.compile(r"(<mtext[^>]*>)(.*?)(</mtext>)", re.S)
_DOLLAR = re.compile(r"(?<!\\)\$")
_INLINE = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.S)
_PRIMES = ("\u2032", "\u2033", "\u2034")
_PADDING = {"right": "padding-right: 0", "left": "padding-left: 0"}
_FIXED_ARITY = {"mfrac", "mroot", "msub", "msup", "msubsup", "munder", "mover", "munderover"}


def _fail(tex: str, why: str) -> RenderError:
    hint = "check the braces; the commands that work are listed in chainrule.printers.html_page"
    return RenderError(f'cannot convert the LaTeX fragment "{tex}" to MathML: {why}', hint=hint)


def _check_source(tex: str) -> None:
    if not tex.strip():
        raise _fail(tex, "the fragment is empty")
    depth = 0
    for token in re.findall(r"\\.|[{}]", tex, re.S):
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth < 0:
            raise _fail(tex, "a '}' closes a group that was never opened")
    if depth:
        raise _fail(tex, f"{depth} '{{' never closed")


def _fix_mtext(match: re.Match[str]) -> str:
    body = re.sub(r"\\([&%$#_{}])", r"\1", match.group(2))
    body = re.sub(r"&(?!#x?[0-9A-Fa-f]+;)", "&amp;", body)
    return match.group(1) + body.replace("<", "&lt;").replace(">", "&gt;") + match.group(3)


def _unscript_primes(root: ElementTree.Element) -> None:
    """``<msup>BASE<mi>′</mi></msup>`` -> ``BASE<mo>′</mo>``."""
    for parent in list(root.iter()):
        for i in reversed(range(len(parent))):
            sup = parent[i]
            script = sup[1] if sup.tag == "msup" and len(sup) == 2 else None
            if script is not None and script.tag == "mrow" and len(script) == 1:
                script = script[0]
            if script is None or len(script) or script.text not in _PRIMES:
                continue
            base, prime = sup[0], ElementTree.Element("mo")
            prime.text, prime.tail, base.tail = script.text, sup.tail, None
            if parent.tag in _FIXED_ARITY:  # keep the parent's number of children
                group = ElementTree.Element("mrow")
                group.extend([base, prime])
                group.tail, prime.tail = prime.tail, None
                parent[i] = group
            else:
                parent[i : i + 1] = [base, prime]


def _polish(root: ElementTree.Element) -> None:
    """Repairs for browsers' MathML Core; see the module docstring."""
    _unscript_primes(root)
    for el in root.iter():
        style = []
        if el.tag == "mo" and el.text == "\u22a4":
            el.tag = "mi"
        if el.get("mathvariant") in ("bold", "bold-italic"):
            style.append("font-weight: bold")
        align = el.get("columnalign") if el.tag == "mtd" else None
        if align in ("left", "right", "center"):
            style.append(f"text-align: -webkit-{align}")
            style += [_PADDING[align]] if align in _PADDING else []
        if style:
            el.set("style", "; ".join(style))


def latex_to_mathml(tex: str, display: bool = False) -> str:
    """Convert one LaTeX math fragment (no ``$``) to a ``<math>`` element for an HTML5 page."""
    _check_source(tex)
    source = tex
    for pattern, replacement in _REWRITES:
        source = pattern.sub(replacement, source)
    try:
        mathml = convert(source, display="block" if display else "inline")
    except Exception as exc:  # latex2mathml's errors carry no message, only a class name
        raise _fail(tex, type(exc).__name__) from exc
    try:
        root = ElementTree.fromstring(_MTEXT.sub(_fix_mtext, _XMLNS.sub("", mathml, count=1)))
    except ElementTree.ParseError as exc:
        raise _fail(tex, f"the MathML produced is malformed ({exc})") from exc
    leftovers = [text.strip() for text in root.itertext() if "\\" in text]
    if leftovers:
        raise _fail(tex, f'unknown command "{leftovers[0]}"')
    _polish(root)
    return ElementTree.tostring(root, encoding="us-ascii").decode("ascii")


def _inline(text: str) -> str:
    """HTML-escape ``text``, turning each ``$...$`` into inline MathML (``\\$`` is a dollar)."""
    parts = _INLINE.split(str(text))
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(latex_to_mathml(part))
        elif _DOLLAR.search(part):
            raise RenderError(f"unmatched '$' in {text!r}", hint=r"write \$ for a dollar sign")
        else:
            out.append(html.escape(part.replace("\\$", "$"), quote=False))
    return "".join(out)


def _table(rows: Any) -> str:
    if isinstance(rows, str):
        rows = json.loads(rows)
    if not rows or not all(isinstance(row, list | tuple) for row in rows):
        raise RenderError(f"a table block needs a list of rows (lists of cells), got {rows!r}")
    head = "".join(f"<th>{_inline(cell)}</th>" for cell in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{_inline(cell)}</td>" for cell in row) + "</tr>" for row in rows[1:]
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="table">{table}</div>'


def _block(kind: str, content: Any) -> str:
    if kind in ("h1", "h2", "h3", "p"):
        return f"<{kind}>{_inline(content)}</{kind}>"
    if kind == "math":
        return f'<div class="display">{latex_to_mathml(content, display=True)}</div>'
    if kind == "table":
        return _table(content)
    if kind == "code":
        return f'<pre><code class="language-python">{html.escape(content)}</code></pre>'
    if kind == "raw":
        return str(content)
    raise RenderError(
        f"unknown page block kind {kind!r}", hint="use h1, h2, h3, p, math, table, code or raw"
    )


_CSS = """
:root { color-scheme: light dark; --fg: #1f2328; --bg: #fdfdfb; --muted: #59636e;
  --rule: #d1d9e0; --code: #f3f4f1; --accent: #1f5fbf; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e6e3; --bg: #16181b; --muted: #9aa3ad;
  --rule: #3a3f45; --code: #22252a; --accent: #8ab4f8; } }
html { background: var(--bg); color: var(--fg); }
body { max-width: 60em; margin: 0 auto; padding: 2rem 1.25rem 4rem;
  font: 1.0625rem/1.6 Charter, "Bitstream Charter", Georgia, "DejaVu Serif", serif; }
h1, h2, h3 { font-family: system-ui, "DejaVu Sans", sans-serif; line-height: 1.25;
  margin: 1.8em 0 0.5em; }
h1 { font-size: 2em; margin-top: 0.5em; } h2 { font-size: 1.45em; } h3 { font-size: 1.15em; }
h2 { border-bottom: 1px solid var(--rule); padding-bottom: 0.2em; }
a { color: var(--accent); }
math { font-family: "Latin Modern Math", "STIX Two Math", "DejaVu Math TeX Gyre",
  "Cambria Math", math; font-size: 1.05em; }
.display { margin: 1em 0; overflow-x: auto; overflow-y: hidden; padding: 0.2em 0; }
pre { background: var(--code); border: 1px solid var(--rule); border-radius: 6px;
  padding: 0.8em 1em; overflow-x: auto; line-height: 1.45; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 0.9em; }
.table { overflow-x: auto; margin: 1em 0; }
table { border-collapse: collapse; }
th, td { padding: 0.35em 0.9em; border-bottom: 1px solid var(--rule); text-align: left;
  vertical-align: middle; }
thead th { border-bottom: 2px solid var(--muted); }
"""

# Nothing may be fetched: inline styles and scripts only, images and fonts as data: URIs.
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; font-src data:"
)


def html_document(title: str, blocks: list[tuple[str, Any]]) -> str:
    """A complete, self-contained HTML5 page (inline CSS, MathML, no network) from ``blocks``.

    Blocks are ``(kind, content)``: ``h1``/``h2``/``h3``/``p`` take text with ``$...$`` inline
    math, ``math`` a display LaTeX fragment, ``table`` a list of rows of cell strings (the first
    row is the header; a JSON string of that also works), ``code`` Python source, ``raw`` HTML.
    """
    body = "\n".join(_block(kind, content) for kind, content in blocks)
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
    return page.encode("ascii", "xmlcharrefreplace").decode("ascii")
