"""A model (``cr.model``) as a world a learner's formula is judged in, like a network.

A network's world (:mod:`.world`) draws parameters and data at the network's widths and varies
``m``. A model has no widths: its inputs have declared shapes, some symbolic (``("n", "m")``),
some concrete (``(4, 1)``). So here

* each draw binds every symbolic dimension to its own size — sizes different from each other,
  from every concrete size of the model, and from draw to draw (so ``n`` and ``m`` cannot be
  confused, and a stray ``m`` shows as a ratio that changes) — and draws the inputs (standard
  normal; 0/1 for masks) at those sizes; every forward quantity and every derived gradient is
  evaluated by the reference interpreter;
* the variants (:mod:`.model_variants`) are the same statements with the concrete sizes freed.

The judge (:mod:`.judge`) asks a world the same questions whichever kind it is.
"""

from __future__ import annotations

import ast

import numpy as np

from ..autodiff import Derivation, Step
from ..errors import ParseError, UnknownNameError
from ..evaluate import bind, evaluate
from ..ir import build
from ..ir.expr import Expr, walk
from ..lang import parse
from ..nets.model import Model
from .context import quantity_names, template_fields
from .numbers import Numbers, _value
from .records import Context
from .spelling import builtin, parse_rhs
from .world import Reading

__all__ = ["ModelWorld", "model_quantity", "symbolic_dims"]

_SIZES = (5, 3, 7, 6, 4, 9, 8, 11, 2, 13, 10, 12)  # sizes for the symbolic dimensions
_TRIES = 20  # redraws of a draw whose numbers are not finite


class ModelReader:
    """Parses formulas about one model: its input, intermediate and gradient names and shapes."""

    def __init__(self, model: Model, d: Derivation) -> None:
        program = d.program
        self.model = model
        self.shapes = {name: v.shape for name, v in program.names.items()}
        self.shapes.update({s.target: s.shape for s in d.steps})
        self.props = {v.name: tuple(v.attrs[1]) for v in program.inputs if v.attrs[1]}

    def tree(self, source: str) -> ast.Expression:
        return parse_rhs(source)

    def ir(self, tree: ast.Expression) -> Expr:
        """The formula as an IR tree; raises ShapeError when it does not type-check."""
        builtin(tree)
        try:
            return parse(ast.unparse(tree), self.shapes, self.props)
        except ParseError as err:
            if err.message.startswith("unknown name") and err.hint is not None:
                known = ", ".join(sorted(n for n in self.shapes if not n.startswith("_")))
                raise type(err)(
                    err.message, source=err.source, col=err.col, hint=f"known names: {known}"
                ) from None
            raise


class ModelNumbers(Numbers):
    """Seeded draws of a model's inputs, one size per symbolic dimension per draw."""

    def __init__(
        self, model: Model, d: Derivation, draws: int = 3, seed: int = 0, first: int = 0
    ) -> None:
        rng = np.random.default_rng(seed)
        self.dims = [_sizes(model, i) for i in range(first, first + max(1, draws))]
        batch = _batch(model, d)
        self.sizes = tuple(dims.get(batch, i + 1) for i, dims in enumerate(self.dims))
        self.envs = [_draw(model, d, dims, rng) for dims in self.dims]
        self._memo: dict[tuple[Expr, int], np.ndarray | None] = {}


def _sizes(model: Model, i: int) -> dict[str, int]:
    """Draw ``i``'s size of each symbolic dimension: distinct, and not a concrete size."""
    names = symbolic_dims(model)
    taken = {d for v in model.program.inputs for d in v.shape if isinstance(d, int)}
    free = [s for s in _SIZES if s not in taken]
    return {name: free[(i * (len(names) + 1) + j) % len(free)] for j, name in enumerate(names)}


def symbolic_dims(model: Model) -> list[str]:
    """The symbolic dimensions of the inputs' shapes (``n``, ``m``), in order of appearance."""
    out: list[str] = []
    for v in model.program.inputs:
        out += [d for d in v.shape if isinstance(d, str) and d.isidentifier() and d not in out]
    return out


def _draw(model: Model, d: Derivation, dims: dict[str, int], rng: np.random.Generator) -> tuple:
    for _ in range(_TRIES):
        values = model.values(model.example(dims, rng))
        bound = bind(d.program.inputs, values)
        env = dict(values)
        for eq in d.program.equations:
            env[eq.name] = evaluate(eq.expr, env, bound)
        for step in d.steps:
            env[step.target] = _value(step.expr, env, bound)
        if all(np.all(np.isfinite(np.asarray(v, dtype=np.float64))) for v in env.values()):
            break
    return env, bound


def _batch(model: Model, d: Derivation) -> str:
    """The dimension a 1/m speaks of: the model's ``batch``, else the one its sums run along."""
    if model.batch:
        return model.batch
    for s in d.steps:
        for n in walk(s.expr):
            if n.op == "sum" and n.attrs[1] and isinstance(n.attrs[0], int):
                size = n.args[0].shape[n.attrs[0]]
                if isinstance(size, str) and size.isidentifier():
                    return size
    names = symbolic_dims(model)
    return names[-1] if names else "m"


class ModelWorld(Reading):
    """``model`` with the quantity ``target`` to judge, on ``draws`` seeded draws."""

    def __init__(
        self, model: Model, target: str, *, draws: int = 3, seed: int = 0, first: int = 0
    ) -> None:
        self.net = model
        self.d: Derivation = model.derive()
        self.step: Step = model_quantity(model, self.d, target)
        self.reader = ModelReader(model, self.d)
        self.given: tuple[str, ...] = ()
        self.numbers = ModelNumbers(model, self.d, draws, seed, first)
        self.right = build.var(target, self.step.shape)

    noun = "model"

    def label(self) -> str:
        return f"model {self.net.describe()}"

    def dropout_layers(self) -> list[int]:
        return []  # a model's masks are its own inputs, read as written

    def missing(self, name: str) -> str:
        return f"This model has no {name}."

    def context(self) -> Context:
        """What the library of mistakes needs: the derived forms, the names, the sums' axis."""
        d, step = self.d, self.step
        names = quantity_names(d)
        batch = _batch(self.net, d)
        axis = step.shape.index(batch) if batch in step.shape else len(step.shape) - 1
        kind = "param" if step.kind == "param" else "intermediate"
        forms = [step.expr, step.expanded]
        return Context(
            step.target, step.of, kind, d.convention, batch, max(axis, 0),
            tuple(dict.fromkeys(forms)), names, template_fields(step), model=True,
            paths=_paths(step),
        )  # fmt: skip


def _paths(step: Step) -> tuple[tuple[str, Expr], ...]:
    """Each use of the quantity and its term (as the compact form writes it, where it could)."""
    if len(step.contributions) < 2:
        return ()
    terms = step.rewrite.terms if step.rewrite is not None else ()
    if len(terms) != len(step.contributions) or any(t is None for t in terms):
        terms = tuple(c.expr for c in step.contributions)
    return tuple((c.consumer, t) for c, t in zip(step.contributions, terms, strict=True))


def model_quantity(model: Model, d: Derivation, target: str) -> Step:
    """The derivation's step for ``target``, or an error listing the model's gradients."""
    if target not in d:
        raise UnknownNameError(
            f"{target} is not a gradient of this model",
            hint=f"its gradients are {', '.join(d.targets)}",
        )
    return d[target]
