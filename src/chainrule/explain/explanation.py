"""``cr.explain(net, "dZ1")``: why one step of a derivation is what it is, as data.

:func:`explain` reads the :class:`~chainrule.autodiff.Derivation` (its steps, their contributions
and primitive paths), the primitives' records and the elementwise functions' SymPy formulas, and
gathers everything a mentor would say into an :class:`Explanation`: the chain of local derivatives,
the dimension and index arguments, the activation's derivative, L versus J, a numeric check, and the
same quantity in the other convention and layout. Nothing here knows any particular network.
:mod:`chainrule.explain.compose` turns it into prose; the renderers typeset that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..autodiff.derivation import Derivation, Step
from ..display import provide
from ..errors import EvaluationError, SpecError, UnknownNameError
from ..gradient import Gradient
from ..nets.model import Model
from ..nets.network import Network
from ..rules.primitives import PRIMITIVES, READING
from .arguments import (
    Averaging,
    Derivative,
    IndexArgument,
    ShapeArgument,
    averaging,
    derivatives,
    index_argument,
    shape_argument,
)
from .asked import answers
from .chain import Algebra, Term, chain_terms, top_of
from .compose import explanation_document
from .conv_forms import ConvForms, conv_forms
from .doc import Document, Ex, Naming, Sym
from .notation import text_math
from .numeric import NumericExample, example_inputs, numeric_example
from .questions import Answer
from .render_html import html_fragment
from .render_latex import latex_summary
from .render_markdown import render_markdown
from .render_text import render_text
from .variants import Variant, network_values, other_network, variants

__all__ = ["Explanation", "explain", "resolve_quantity"]


@dataclass(frozen=True, repr=False)
class Explanation:
    """Everything that justifies one backward step (see the module docstring).

    ``str(x)`` is the whole explanation as text; :meth:`document` the same as data for the
    renderers; in Jupyter it displays as Markdown, HTML (MathML) or LaTeX.
    """

    quantity: str
    subject: str
    derivation: Derivation
    step: Step
    layout: str | None
    top: str
    naming: Naming
    terms: tuple[Term, ...]
    shapes: tuple[ShapeArgument, ...]
    indices: tuple[IndexArgument, ...]
    derivatives: tuple[Derivative, ...]
    averaging: Averaging
    numbers: NumericExample
    variants: tuple[Variant, ...]
    reading: tuple[str, ...]
    answers: tuple[Answer, ...] = ()  # the questions learners ask about this step, checked
    conv: tuple[ConvForms, ...] = ()  # convolution and pooling steps, in their forms

    @property
    def convention(self) -> str:
        return self.derivation.convention

    def document(self) -> Document:
        """The explanation as prose and formulas (:class:`chainrule.explain.doc.Document`)."""
        return explanation_document(self)

    def __str__(self) -> str:
        return render_text(self.document())

    def __repr__(self) -> str:
        formula = text_math(Ex(self.step.expanded, self.naming))
        return f"<explanation of {text_math(Sym(self.quantity, self.naming))} = {formula}>"

    def _repr_markdown_(self) -> str:
        return render_markdown(self.document())

    def _repr_latex_(self) -> str:
        return latex_summary(self.document(), limit=6)

    def _repr_html_(self) -> str:
        return html_fragment(self.document())


def resolve_quantity(d: Derivation, quantity: str) -> Step:
    """``dZ1``, ``dZ[1]``, ``Z1`` or ``Z[1]`` → the step; unknown names list the known ones."""
    name = re.sub(r"\[(\d+)\]", r"\1", quantity.strip())
    for candidate in (name, "d" + name):
        for s in d.steps:
            if s.target == candidate:
                return s
    known = ", ".join(s.target for s in d.steps)
    raise UnknownNameError(
        f"no quantity {quantity!r} in this derivation", hint=f"known quantities: {known}"
    )


def _source(obj: object, convention: str, layout: str | None) -> tuple:
    """(derivation, subject, layout, network or None) for a network or a gradient."""
    if isinstance(obj, Network):
        if layout not in (None, "columns", "rows"):
            raise SpecError(f"unknown layout {layout!r}", hint="use 'columns' or 'rows'")
        net = other_network(obj, layout or obj.spec.layout)
        subject = f"network {net.describe()}, examples as {net.spec.layout}"
        return net.derive(convention), subject, net.spec.layout, net
    if isinstance(obj, Gradient):
        if convention not in ("course", "exact"):
            raise SpecError(f"unknown convention {convention!r}", hint="use 'course' or 'exact'")
        return obj.derivation, f"f = {obj.source or obj.f}", None, None
    if isinstance(obj, Model):
        return obj.derive(convention), obj.title, None, None
    if isinstance(obj, Derivation):
        return obj, "the derivation", None, None
    raise SpecError(
        f"cannot explain a {type(obj).__name__}",
        hint="pass a network (cr.mlp), a gradient (cr.grad) or a derivation",
    )


def explain(
    obj: Network | Model | Gradient | Derivation,
    quantity: str | None = None,
    convention: str = "course",
    layout: str | None = None,
    seed: int = 0,
) -> Explanation:
    """Why ``quantity`` (``"dZ1"``, ``"dW3"``, ``"db1"``, …) is what the derivation says.

    ``convention`` is ``"course"`` (per-example ``dZ``, ``dA``; ``dW``, ``db`` of J) or ``"exact"``
    (everything ∂J/∂·); ``layout`` switches a network to examples as ``"columns"`` or ``"rows"``.
    A gradient (``cr.grad``) is explained in its own (exact) convention; ``quantity`` defaults to
    its variable.
    """
    d, subject, lay, net = _source(obj, convention, layout)
    if quantity is None:
        if not isinstance(obj, Gradient):
            raise UnknownNameError("which quantity?", hint=f"known: {', '.join(d.targets)}")
        quantity = "d" + obj.wrt
    step = resolve_quantity(d, quantity)
    naming = Naming(d.program.layer_names, d.program.batch)
    top, algebra = top_of(d), Algebra(d.program)
    terms = chain_terms(d, step)
    values = network_values(net, seed) if net is not None else _gradient_values(d, step, seed)
    numbers = numeric_example(d, step, values, seed)
    others = variants(net, d.convention, step.target, numbers.formula, seed) if net else ()
    return Explanation(
        step.target,
        subject,
        d,
        step,
        lay,
        top,
        naming,
        terms,
        _collect(terms, shape_argument),
        _indices(terms, naming, top, algebra),
        tuple(x for t in terms for f in t.factors for x in derivatives(f, naming)),
        averaging(d, step, terms, top),
        numbers,
        others,
        _reading(terms),
        answers(net, d, step, values) if net is not None else (),
        conv_forms(d, step, terms, numbers.inputs),
    )


def _collect(terms: tuple[Term, ...], make) -> tuple:  # noqa: ANN001 - a factor → argument function
    return tuple(a for t in terms for f in t.factors if (a := make(f)) is not None)


def _indices(terms: tuple[Term, ...], naming: Naming, top: str, algebra: Algebra) -> tuple:
    out = []
    for t in terms:
        last = t.factors[-1] if t.factors else None
        for f in t.factors:
            scale = t.scale if f is last else None
            a = index_argument(f, naming, top, scale, algebra)
            if a is not None:
                out.append(a)
    return tuple(out)


def _reading(terms: tuple[Term, ...]) -> tuple[str, ...]:
    keys = [k for t in terms for f in t.factors for op in f.ops for k in _keys(op)]
    return tuple(READING[k] for k in dict.fromkeys(keys) if k in READING)


def _keys(op: str) -> tuple[str, ...]:
    return PRIMITIVES[op].reading if op in PRIMITIVES else ()


_DRAWS = ((False, 1.0, False), (True, 1.0, False), (True, 0.5, False), (True, 1.0, True))


def _gradient_values(d: Derivation, step: Step, seed: int) -> dict[str, np.ndarray]:
    """Seeded inputs for an expression: normal if everything stays finite, else positive, else
    positive and below 1 (the domain of artanh, arcsin), else positive with every square matrix
    made diagonally dominant (its eigenvalues in the right half-plane: logm, sqrtm)."""
    for positive, shrink, dominant in _DRAWS:
        values = example_inputs(d.program, seed, positive=positive)
        fixed = {*d.program.meta.get("constants", {}), *d.program.meta.get("model_masks", ())}
        values = {
            k: v if k in fixed else _dominant(shrink * v, dominant) for k, v in values.items()
        }
        try:
            with np.errstate(all="ignore"):
                ex = numeric_example(d, step, values, seed)
        except EvaluationError:  # outside a matrix function's domain: the next kind of draw
            continue
        if np.all(np.isfinite(ex.formula)) and np.all(np.isfinite(ex.estimate)):
            return values
    return values


def _dominant(v: np.ndarray, dominant: bool) -> np.ndarray:
    square = np.ndim(v) == 2 and v.shape[0] == v.shape[1] > 1
    return v + v.shape[0] * np.eye(v.shape[0]) if dominant and square else v


provide("explain", explain)
