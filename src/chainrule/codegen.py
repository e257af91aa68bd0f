"""Compile printed NumPy source into callables, keeping the source inspectable.

The source comes from our own printers (never from a user's string), and it is registered with
``linecache`` so tracebacks and ``inspect.getsource`` show the formulas that actually ran.
"""

from __future__ import annotations

import itertools
import linecache
from collections.abc import Callable

import numpy as np

__all__ = ["compile_module"]

_counter = itertools.count()


def compile_module(source: str, label: str = "module") -> dict[str, Callable]:
    """Execute generated source in a fresh namespace and return its functions by name."""
    filename = f"<chainrule:{label}:{next(_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {"np": np, "__name__": f"chainrule_generated_{label}"}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own printed code
    return {
        k: v
        for k, v in namespace.items()
        if callable(v)
        and not k.startswith("__")
        and getattr(v, "__module__", None) == namespace["__name__"]
    }
