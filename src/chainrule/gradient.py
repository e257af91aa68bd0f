"""``cr.grad``: the gradient of a scalar expression, as a formula you can read and call.

The expression becomes a one-equation program ``f = …``; backprop gives ``df/dW`` as an IR tree; the
tree is printed for reading and printed again as NumPy for calling. ``shapes`` may be symbolic
(``("n", "m")``); dimensions are bound from the arrays at call time.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

import numpy as np

from .algebra.simplify import substitute
from .autodiff import Derivation, Equation, Program, backprop
from .codegen import compile_module, kernel_errors
from .display import RichDisplay
from .errors import EvaluationError, ShapeError, UnknownNameError
from .evaluate import as_array, bind
from .ir import build
from .ir.expr import Expr, leaves, walk
from .ir.shapes import fmt_shape
from .lang import parse
from .printers.numpy_module import module_source
from .printers.text import text

__all__ = ["Gradient", "grad", "as_program"]


def as_program(expr: Expr, wrt: tuple[str, ...], name: str = "f") -> Program:
    """``f = expr`` as a program whose parameters are ``wrt``."""
    if expr.shape not in ((), (1, 1)):
        raise ShapeError(
            f"grad needs a scalar expression, but it has shape {fmt_shape(expr.shape)}",
            hint="sum it (np.sum(...)) or use cr.jacobian for a vector-valued one",
        )
    inputs = tuple(leaves(expr))
    names = {v.name for v in inputs}
    for w in wrt:
        if w not in names:
            raise UnknownNameError(
                f"cannot differentiate with respect to {w!r}: the expression does not use it",
                hint=f"it uses {', '.join(sorted(names)) or 'no variables'}",
            )
    return Program(inputs, (Equation(name, expr),), name, tuple(wrt))


class Gradient(RichDisplay):
    """∂f/∂x for one variable x: ``str(g)`` is the formula, ``g(**arrays)`` its value."""

    def __init__(self, expr: Expr, wrt: str, source: str | None = None) -> None:
        self.f, self.wrt, self.source = expr, wrt, source
        self.program = as_program(expr, (wrt,))

    @cached_property
    def derivation(self) -> Derivation:
        return backprop(self.program, "exact")

    @property
    def expr(self) -> Expr:
        """The gradient as an IR tree of the variable's shape (``det(X) X⁻ᵀ``, not ``f X⁻ᵀ``)."""
        f = self.program.equations[0]
        return substitute(self.derivation["d" + self.wrt].expr, {f.var: f.expr})

    @property
    def shape(self) -> tuple:
        return self.expr.shape

    def __str__(self) -> str:
        return text(self.expr)

    def __repr__(self) -> str:
        return f"<∂f/∂{self.wrt} = {self}>"

    def numpy(self) -> str:
        """The NumPy module computing f and its gradient."""
        return module_source(self.program, self.derivation, f"gradient of f wrt {self.wrt}")

    @cached_property
    def _compiled(self) -> dict:
        return compile_module(self.numpy(), "grad")

    def __call__(self, **values: np.ndarray) -> np.ndarray:
        """Evaluate the gradient; the result has the variable's shape and the inputs' precision
        (float32 when every input is float32, float64 otherwise)."""
        arrays = {k: as_array(k, v) for k, v in values.items()}
        dtype = _precision(arrays.values())
        arrays = {k: a.astype(dtype, copy=False) for k, a in arrays.items()}
        bind(self.program.inputs, arrays)
        out = self._run("gradients", arrays)
        return np.asarray(out["d" + self.wrt], dtype=dtype).reshape(np.shape(arrays[self.wrt]))

    def value(self, **values: np.ndarray) -> float:
        """f itself at the given arrays."""
        arrays = {k: as_array(k, v).astype(np.float64, copy=False) for k, v in values.items()}
        bind(self.program.inputs, arrays)
        out = self._run("forward", arrays)
        return float(np.asarray(out["f"]).reshape(()))

    def _run(self, fn: str, arrays: dict) -> dict:
        """Call the compiled code; a singular matrix becomes an :class:`EvaluationError`."""
        try:
            with kernel_errors():
                return self._compiled[fn](**{v.name: arrays[v.name] for v in self.program.inputs})
        except np.linalg.LinAlgError as e:
            inverted = sorted({text(n.args[0]) for n in walk(self.expr) if n.op == "inv"})
            raise EvaluationError(
                f"singular matrix: cannot invert {', '.join(inverted) or 'a matrix'} at these "
                f"values (NumPy: {e})",
                hint="an inverse, and the gradient of a determinant, exist only where det ≠ 0",
            ) from None
        except (ZeroDivisionError, OverflowError) as e:  # Python arithmetic on the constants
            raise EvaluationError(
                f"cannot evaluate {self.source or text(self.f)!r}: {e}",
                hint="a constant part of the expression divides by zero or overflows",
            ) from None


def _precision(arrays: object) -> np.dtype:
    """float32 if every array is float32, else float64 (integers and mixes compute in float64)."""
    arrays = list(arrays)
    single = arrays and all(a.dtype == np.float32 for a in arrays)
    return np.dtype(np.float32 if single else np.float64)


def grad(expr: str | Expr, wrt: str, shapes: Mapping[str, tuple] | None = None) -> Gradient:
    """``cr.grad("np.sum(np.tanh(W @ x))", wrt="W", shapes={"W": (3, 4), "x": (4, 1)})``."""
    if isinstance(expr, str):
        e = parse(expr, shapes or {})
        return Gradient(e, wrt, expr)
    return Gradient(build.lift(expr), wrt)
