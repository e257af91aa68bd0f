"""``cr.model(...)``: any forward pass written as NumPy statements, derived like a network.

A :class:`Model` is a program read from the learner's own statements (see
:mod:`chainrule.lang.program`) plus what is computed from it once and cached: its derivation, and
the NumPy module printed from that derivation. ``gradients`` calls the printed code — the formulas
you read are the formulas that run, exactly as for :class:`~chainrule.nets.Network`, which is the
other producer of programs.

Every named intermediate gets its named gradient (``dZ_norm``, ``dmu``, ``dvar``); ``wrt`` names the
inputs whose gradients are wanted. The convention is ``exact`` (every gradient is ∂J/∂·) unless a
``batch`` dimension is named, when the course's convention applies as it does to a network.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property

import numpy as np

from ..algebra.stable import stable_program
from ..autodiff import Derivation, Program, backprop
from ..autodiff.compact import compact
from ..codegen import compile_module, kernel_errors
from ..display import RichDisplay, provided
from ..errors import EvaluationError, ShapeError, SpecError, UnknownNameError
from ..evaluate import as_array, bind
from ..ir.shapes import concrete, fmt_shape
from ..lang.program import Statements, model_source, parse_statements
from ..printers.numpy_module import module_source

__all__ = ["Model", "model"]


class Model(RichDisplay):
    """A forward pass of named NumPy statements ending in a scalar, and its backward pass."""

    def __init__(
        self,
        statements: Statements,
        wrt: tuple[str, ...],
        constants: Mapping[str, float],
        name: str = "model",
        batch: str | None = None,
        text: str | None = None,
        declared: Mapping[str, tuple] | None = None,
        props: Mapping[str, tuple] | None = None,
    ) -> None:
        self.statements, self.wrt, self.name = statements, wrt, name
        self.constants = dict(constants)
        self.batch = batch
        self.text, self.declared, self.props = text, declared, props  # to read it again
        self._derivations: dict[str, Derivation] = {}
        self._modules: dict[str, dict] = {}

    # -- the mathematics ----------------------------------------------------------------------
    @cached_property
    def program(self) -> Program:
        """The statements as a program: inputs, equations, the scalar output, ``wrt``."""
        s = self.statements
        return Program(
            s.inputs,
            s.equations,
            s.output,
            self.wrt,
            self.batch,
            meta={
                "constants": dict(self.constants),
                "model_masks": self.statements.masks,
                "model": self.name,
            },
        )

    def derive(self, convention: str = "exact", compact_form: bool = True) -> Derivation:
        """The backward pass: one step ``d<name>`` per named quantity and per ``wrt`` input.

        With ``compact_form`` a gradient that reaches an input through a normalisation (a mean and
        a variance over an axis) is also written in its compact form (:mod:`.autodiff.compact`).
        """
        if convention not in ("course", "exact"):
            raise SpecError(f"unknown convention {convention!r}", hint="use 'course' or 'exact'")
        key = f"{convention}{'+compact' if compact_form else ''}"
        if key not in self._derivations:
            d = backprop(self.program, convention)
            self._derivations[key] = compact(d) if compact_form else d
        return self._derivations[key]

    @property
    def quantities(self) -> list[str]:
        """Every gradient the derivation names, in the order it computes them."""
        return self.derive().targets

    def explain(self, quantity: str, **options: object) -> object:
        """Why ``quantity`` is what the derivation says (:func:`chainrule.explain`)."""
        return provided("explain")(self, quantity, **options)  # registered by chainrule.explain

    # -- code ---------------------------------------------------------------------------------
    def source(self, convention: str = "exact") -> str:
        """The NumPy module printed from the derivation (what ``gradients`` runs)."""
        return module_source(stable_program(self.program), self.derive(convention), self.title)

    @property
    def title(self) -> str:
        return f"model {self.name}"

    def describe(self) -> str:
        return f"{self.name} ({len(self.program.equations)} equations, wrt {', '.join(self.wrt)})"

    def _module(self, convention: str) -> dict:
        if convention not in self._modules:
            self._modules[convention] = compile_module(self.source(convention), "model")
        return self._modules[convention]

    # -- numbers ------------------------------------------------------------------------------
    def values(self, given: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Every input the program takes: the given arrays plus the constants (float64)."""
        out = {k: as_array(k, v).astype(np.float64, copy=False) for k, v in given.items()}
        for k, v in self.constants.items():
            out.setdefault(k, np.float64(v))
        names = {v.name for v in self.program.inputs}
        extra = sorted(set(out) - names - set(self.constants))
        if extra:
            raise UnknownNameError(
                f"the model has no input {extra[0]!r}", hint=f"inputs: {', '.join(sorted(names))}"
            )
        return {k: v for k, v in out.items() if k in names}

    def example(
        self, dims: Mapping[str, int], seed: int | np.random.Generator = 0
    ) -> dict[str, np.ndarray]:
        """Seeded inputs with the symbolic dimensions bound to ``dims``: standard normal, and
        0/1 for masks (each row keeps its first entry). ``seed`` may be a Generator to draw on."""
        rng = np.random.default_rng(seed)
        out = {}
        for v in self.program.inputs:
            if v.name in self.constants:
                continue
            missing = [d for d in v.shape if isinstance(d, str) and d not in dims]
            if missing:
                raise ShapeError(f"no size given for dimension {missing[0]} of {v.name}")
            out[v.name] = rng.standard_normal(concrete(v.shape, dims))
            if v.name in self.statements.masks:
                mask = out[v.name] > -0.5
                mask[(..., 0)] = True
                out[v.name] = mask.astype(np.float64)
        return out

    def _call(self, fn: str, given: Mapping, convention: str) -> dict[str, np.ndarray]:
        values = self.values(given)
        missing = [v.name for v in self.program.inputs if v.name not in values]
        if missing:
            raise EvaluationError(
                f"missing {', '.join(missing)}",
                hint=f"the model's inputs are {', '.join(v.name for v in self.program.inputs)}",
            )
        bind(self.program.inputs, values)
        with kernel_errors():
            return self._module(convention)[fn](**values)

    def forward(self, values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Every named forward quantity."""
        return self._call("forward", values, "exact")

    def cost(self, values: Mapping[str, np.ndarray]) -> float:
        """The scalar output."""
        return float(np.asarray(self.forward(values)[self.program.output]).reshape(()))

    def step(
        self, values: Mapping[str, np.ndarray], convention: str = "exact"
    ) -> dict[str, np.ndarray]:
        """The forward quantities and every backward step (the module's ``backward()``, or its
        ``gradients()`` when every step is one an update needs)."""
        fn = "backward" if "backward" in self._module(convention) else "gradients"
        return self._call(fn, values, convention)

    def gradients(
        self, values: Mapping[str, np.ndarray], convention: str = "exact"
    ) -> dict[str, np.ndarray]:
        """``{"dZ": …, "dgamma": …}``: the gradients of the ``wrt`` inputs (only the steps they
        need are computed)."""
        out = self._call("gradients", values, convention)
        return {"d" + w: out["d" + w] for w in self.wrt}

    def cost_and_gradients(
        self, values: Mapping[str, np.ndarray], convention: str = "exact"
    ) -> tuple[float, dict[str, np.ndarray]]:
        """The scalar output and the ``wrt`` gradients, from one run of ``gradients()``."""
        out = self._call("gradients", values, convention)
        cost = float(np.asarray(out[self.program.output]).reshape(()))
        return cost, {"d" + w: out["d" + w] for w in self.wrt}

    def with_shapes(self, shapes: Mapping[str, tuple]) -> Model:
        """The same statements read with other declared shapes (a size of 1 made symbolic)."""
        if self.text is None:
            raise SpecError("this model was not read from statements, so it cannot be re-read")
        return model(
            self.text, shapes, self.wrt, self.constants, name=self.name, batch=self.batch,
            props=self.props,
        )  # fmt: skip

    def check(self, quantity: str, formula: str, *, draws: int = 3, seed: int = 0) -> object:
        """Judge a learner's ``formula`` for the gradient ``quantity`` (``"dZ"``): right as a
        formula, or wrong and why (:func:`chainrule.check_formula`)."""
        return provided("check_model")(self, quantity, formula, draws=draws, seed=seed)

    def __repr__(self) -> str:
        return f"<chainrule model {self.describe()}>"


def model(
    forward: str | Callable,
    shapes: Mapping[str, tuple],
    wrt: list[str] | tuple[str, ...] | str | None = None,
    constants: Mapping[str, float] | None = None,
    *,
    name: str | None = None,
    batch: str | None = None,
    props: Mapping[str, tuple] | None = None,
) -> Model:
    """A model from NumPy statements (a string, or a function whose source is read, never run).

    ``shapes`` declares every input's shape (dimensions are ints or names such as ``"m"``);
    ``constants`` are named scalars with fixed values (``eps``); ``wrt`` names the inputs whose
    gradients are wanted (default: every input that is not a constant).
    """
    constants = dict(constants or {})
    for k, v in constants.items():
        if not isinstance(v, int | float) or isinstance(v, bool) or not np.isfinite(v):
            raise SpecError(f"constant {k} = {v!r} is not a finite number")
    text = model_source(forward)
    statements = parse_statements(text, shapes, constants, props)
    inputs = [v.name for v in statements.inputs]
    wanted = _wrt(wrt, inputs, constants, statements)
    label = name or getattr(forward, "__name__", None) or "model"
    declared = {k: tuple(v) for k, v in shapes.items()}
    return Model(statements, wanted, constants, label, batch, text, declared, props)


def _wrt(
    wrt: object, inputs: list[str], constants: Mapping, statements: Statements
) -> tuple[str, ...]:
    out = next(eq.expr.shape for eq in statements.equations if eq.name == statements.output)
    if out not in ((), (1, 1)):
        raise ShapeError(
            f"the model's output {statements.output} has shape {fmt_shape(out)}, not a scalar",
            hint="end with a scalar cost, e.g. J = np.sum(A * G)",
        )
    if wrt is None:
        return tuple(n for n in inputs if n not in constants)
    wanted = (wrt,) if isinstance(wrt, str) else tuple(wrt)
    for w in wanted:
        if w not in inputs:
            raise UnknownNameError(
                f"cannot differentiate with respect to {w!r}: it is not an input of the model",
                hint=f"inputs: {', '.join(inputs)}",
            )
    return wanted
