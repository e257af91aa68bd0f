"""One entry point for every output format: ``render(obj, "markdown")``.

``obj`` is an :class:`~chainrule.explain.Explanation` or a
:class:`~chainrule.explain.doc.Document`; the command line and the Jupyter hooks go through here.
"""

from __future__ import annotations

from ..autodiff.derivation import Derivation
from ..display import provide
from ..errors import SpecError
from ..gradient import Gradient
from ..nets.model import Model
from ..nets.network import Network
from .doc import Document
from .render_html import html_fragment, render_html
from .render_json import render_json
from .render_latex import latex_summary, render_latex
from .render_markdown import render_markdown
from .render_text import render_text
from .steps import derivation_document

__all__ = ["FORMATS", "render"]

FORMATS = ("text", "latex", "markdown", "html", "json")


def render(obj: object, fmt: str = "text", color: bool = False) -> str:
    """``obj`` in ``fmt`` (one of :data:`FORMATS`); ``color`` applies to text only."""
    if fmt not in FORMATS:
        raise SpecError(f"unknown format {fmt!r}", hint=f"choose one of {', '.join(FORMATS)}")
    if fmt == "json":
        return render_json(obj)
    doc = obj if isinstance(obj, Document) else obj.document()
    if fmt == "text":
        return render_text(doc, color=color)
    if fmt == "latex":
        return render_latex(doc)
    if fmt == "markdown":
        return render_markdown(doc)
    return render_html(doc)


def document_of(obj: object) -> Document:
    """The document a notebook shows for a network, a gradient, a derivation or an explanation."""
    if isinstance(obj, Network):
        subject = f"network {obj.describe()}, examples as {obj.spec.layout}"
        return derivation_document(obj.derive(), subject)
    if isinstance(obj, Gradient):
        return derivation_document(obj.derivation, f"f = {obj.source or obj.f}")
    if isinstance(obj, Model):
        return derivation_document(obj.derive(), obj.title)
    if isinstance(obj, Derivation):
        return derivation_document(obj, f"{obj.program.output}")
    return obj.document()


def rich(obj: object, fmt: str) -> str:
    """Jupyter's rich display: ``markdown``, ``html`` (a fragment) or ``latex`` (formulas)."""
    if fmt == "latex":
        return latex_summary(document_of(obj))
    if fmt == "html":
        return html_fragment(document_of(obj))
    return render(document_of(obj), fmt)


provide("rich", rich)
