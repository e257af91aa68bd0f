"""Compile printed NumPy source into callables, keeping the source inspectable.

The source comes from our own printers (never from a user's string), and it is registered with
``linecache`` so tracebacks and ``inspect.getsource`` show the formulas that actually ran.
"""

from __future__ import annotations

import itertools
import linecache
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from .errors import ChainruleError, EvaluationError

__all__ = ["compile_module", "kernel_errors"]

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


@contextmanager
def kernel_errors() -> Iterator[None]:
    """Running printed code: a matrix function's domain refusal (the kernels raise
    ``LinAlgError("logm needs … eigenvalues on (−∞, 0] …")``) becomes an :class:`EvaluationError`,
    a missing SciPy the extra that installs it."""
    try:
        yield
    except ImportError as e:
        raise ChainruleError(
            f"{e.name or 'a module'} is needed to evaluate this expression",
            hint="pip install 'chainrule[linalg]' (SciPy, for expm, logm, sqrtm, sinm, cosm)",
        ) from None
    except np.linalg.LinAlgError as e:
        if "eigenvalues on" not in str(e):
            raise
        raise EvaluationError(
            str(e), hint="logm and sqrtm are real and differentiable only off (−∞, 0]"
        ) from None
