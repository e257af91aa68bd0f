"""Jupyter's rich display for the library's objects, written once.

Objects do not print themselves: these hooks hand the object to
:func:`chainrule.explain.formats.rich`, which builds its document. The import is deferred because
``explain`` sits above every class that mixes this in (the same delegation SymPy's ``__str__``
makes to its printers).
"""

from __future__ import annotations

__all__ = ["RichDisplay"]


class RichDisplay:
    """Mix-in giving ``_repr_markdown_``, ``_repr_html_`` and ``_repr_latex_``."""

    def _rich(self, fmt: str) -> str:
        from .explain.formats import rich

        return rich(self, fmt)

    def _repr_markdown_(self) -> str:
        return self._rich("markdown")

    def _repr_html_(self) -> str:
        return self._rich("html")

    def _repr_latex_(self) -> str:
        return self._rich("latex")
