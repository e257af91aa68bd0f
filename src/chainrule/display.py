"""Where objects low in the package reach capabilities that sit above them: named hooks.

Objects do not print or explain themselves, and a module never imports one above it. So a class
low down (a :class:`~chainrule.autodiff.Derivation`, a network, a model) asks for a capability by
name — ``provided("rich")(obj, "html")`` — and the module that implements it registers it with
:func:`provide` when it is imported; ``provided`` imports that module on first use (the package
imports its layers lazily). The arrow of every import statement still points down; this table is
the one place where the upward calls are listed:

* ``rich``: Jupyter's rich display of a derivation, network, gradient, model (explain/formats.py)
* ``derivation_text``: ``str(derivation)`` (printers/text.py)
* ``explain``: ``model.explain(quantity)`` (explain/explanation.py)
* ``check_model``: ``model.check(quantity, formula)`` (check/model_formula.py)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from .errors import ChainruleError

__all__ = ["RichDisplay", "provide", "provided", "HOOKS"]

# hook → the module that provides it
HOOKS = {
    "rich": "chainrule.explain.formats",
    "derivation_text": "chainrule.printers.text",
    "explain": "chainrule.explain.explanation",
    "check_model": "chainrule.check.model_formula",
}
_PROVIDED: dict[str, Callable] = {}


def provide(name: str, fn: Callable) -> None:
    """Register the implementation of the hook ``name`` (one of :data:`HOOKS`)."""
    if name not in HOOKS:
        raise ChainruleError(f"no hook named {name!r}", hint=f"hooks: {', '.join(HOOKS)}")
    _PROVIDED[name] = fn


def provided(name: str) -> Callable:
    """The implementation of the hook ``name``, its module imported on first use."""
    if name not in _PROVIDED and name in HOOKS:
        importlib.import_module(HOOKS[name])  # registers it (see the table above)
    if name not in _PROVIDED:
        raise ChainruleError(f"no implementation of {name!r} is registered")
    return _PROVIDED[name]


class RichDisplay:
    """Mix-in giving ``_repr_markdown_``, ``_repr_html_`` and ``_repr_latex_``."""

    def _rich(self, fmt: str) -> str:
        return provided("rich")(self, fmt)

    def _repr_markdown_(self) -> str:
        return self._rich("markdown")

    def _repr_html_(self) -> str:
        return self._rich("html")

    def _repr_latex_(self) -> str:
        return self._rich("latex")
