"""The question and the hint ladder of an exercise, as documents the explainer's renderers typeset.

The question shows the forward pass as :func:`~chainrule.explain.steps.derivation_document`
writes it (each quantity, its definition, its shape), the convention, and what to write. The hints
are cut from the explanation of the quantity (:func:`chainrule.explain`), so they say what the
explainer says, in rungs: **the chain** (which equations the quantity passes through, and the
product of local derivatives), **the shapes** (what the result must have, what is available), **the
indices** (the equation entry by entry, and the gradient as an index sum — its matrix form left
out), then **the answer**. Nothing here reasons about backprop; it only chooses blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..autodiff import Derivation
from ..explain import Explanation
from ..explain.doc import (
    Display,
    Document,
    Ex,
    Heading,
    Naming,
    Para,
    Row,
    ShapeM,
    Sym,
    Table,
    row,
)
from ..explain.formats import render
from ..explain.steps import derivation_document
from ..explain.writer import Writer
from ..printers.text import target_text

__all__ = ["Hint", "RUNGS", "question_document", "hints", "answer_names"]

RUNGS = ("the chain", "the shapes", "the indices", "the answer")


@dataclass(frozen=True)
class Hint:
    """One rung of the ladder: ``level`` 1–4, ``name`` (``"the shapes"``), and its document."""

    level: int
    name: str
    document: Document

    def render(self, fmt: str = "text") -> str:
        """The hint as ``"text"``, ``"markdown"``, ``"latex"``, ``"html"`` or ``"json"``."""
        return render(self.document, fmt)

    def __str__(self) -> str:
        return self.render("text")


def _writer(d: Derivation) -> Writer:
    return Writer(Naming(d.program.layer_names, d.program.batch), "L", d.program.output)


def _section(doc: Document, name: str) -> list:
    """The blocks under the level-2 heading that ends with ``name``."""
    out, inside = [], False
    for b in doc.blocks:
        if isinstance(b, Heading) and b.level <= 2:
            inside = bool(b.parts) and b.parts[-1] == name
        elif inside:
            out.append(b)
    return out


def _forward(d: Derivation, subject: str) -> list:
    doc = derivation_document(d, subject)
    return [b for b in _section(doc, "Forward pass") if isinstance(b, Table)]


def answer_names(d: Derivation, quantity: str) -> list[str]:
    """The names an answer may use: the forward pass's, and the gradients computed before it."""
    names = [v.name for v in d.program.inputs] + [eq.name for eq in d.program.equations]
    before = []
    for s in d.steps:
        if s.target == quantity:
            break
        if s.target.startswith(("dZ", "dA", "dW", "db")):
            before.append(s.target)
    return [n for n in names if n not in ("L", "J")] + ["m"] + before


def question_document(
    d: Derivation, quantity: str, targets: list[str], subject: str, seed: int
) -> Document:
    """The question: the network, its forward pass, the convention, and what to derive."""
    w = _writer(d)
    what = (
        ("the whole backward pass",)
        if len(targets) > 1
        else (w.sym(quantity), " (shape ", ShapeM(d[quantity].shape), ")")
    )
    title = (f"Exercise {seed}: derive ", *what)
    plain = f"Exercise {seed}: derive " + (
        "the whole backward pass" if len(targets) > 1 else target_text(quantity, True)
    )
    blocks: list = [Para((f"A {subject}; {d.convention} convention.",))]
    blocks += [Heading(2, ("Forward pass",)), *_forward(d, subject)]
    blocks.append(Para(("Convention: ", d.convention_note, ".")))
    blocks += [Heading(2, ("Question",)), Para(_ask(d, w, quantity, targets))]
    blocks.append(Para(_how(d, quantity, targets)))
    return Document(title, plain, tuple(blocks))


def _ask(d: Derivation, w: Writer, quantity: str, targets: list[str]) -> tuple:
    if len(targets) == 1:
        return ("Derive ", w.sym(quantity), ", of shape ", ShapeM(d[quantity].shape), ".")
    parts: list = ["Write the whole backward pass, one formula per line, in this order: "]
    for k, t in enumerate(targets):
        parts += ([", "] if k else []) + [w.sym(t)]
    return (*parts, " (dA lines may be added where you use them), or as a backward function.")


def _how(d: Derivation, quantity: str, targets: list[str]) -> tuple:
    names = answer_names(d, targets[-1] if len(targets) > 1 else quantity)
    example = f"{targets[0]} = …" if len(targets) == 1 else f"{targets[0]} = …  (newline)  …"
    return (
        f"Write it in NumPy syntax, e.g. {example}, using {', '.join(names)}. "
        "W2.T or W[2]ᵀ is a transpose, @ a matrix product, * the elementwise product; "
        "g'(Z1) or g1'(Z1) stands for the layer's activation derivative.",
    )


# -- the hint ladder -------------------------------------------------------------------------------
def _chain(doc: Document) -> list:
    """The path sentence and the chain's product of local derivatives (not the table of values)."""
    out = []
    for b in _section(doc, "The chain rule"):
        if not isinstance(b, Para | Display):
            break
        out.append(b)
    return out


def _shapes(x: Explanation, doc: Document) -> list:
    """What the result must be shaped like and what is available (not which product fits, nor a
    sentence that names the answer itself)."""
    answer = {x.step.expr, x.step.expanded}
    out, after_table = [], False
    for b in _section(doc, "The dimensions"):
        if isinstance(b, Table):
            after_table = True
            continue
        names_answer = any(isinstance(p, Ex) and p.expr in answer for p in getattr(b, "parts", ()))
        if not after_table and isinstance(b, Para) and not names_answer:
            out.append(_without_table_lead(b))
        after_table = False
    return out


def _without_table_lead(b: Para) -> Para:
    """The paragraph without its lead-in to the table of products (which the hint leaves out)."""
    last = b.parts[-1] if b.parts else None
    lead = " Every way of multiplying them:"
    if isinstance(last, str) and last.endswith(lead):
        return Para((*b.parts[:-1], last.removesuffix(lead)))
    return b


def _indices(x: Explanation, doc: Document) -> list:
    """The index argument, with each conclusion's matrix form cut off."""
    tails = {a.matrix for a in x.indices if a.matrix is not None}
    out = []
    for b in _section(doc, "The indices"):
        if isinstance(b, Display) and isinstance(b.math, Row) and b.math.items[-1] in tails:
            b = Display(Row(b.math.items[:-2]), b.note)
        out.append(b)
    return out


def _answer(x: Explanation, solution: str) -> list:
    w = _writer(x.derivation)
    return [
        Display(row(w.sym(x.quantity), "=", w.ex(x.step.expanded)), (ShapeM(x.step.shape),)),
        Para((f"In NumPy: {solution}",)),
    ]


_PICK = (
    lambda x, doc, solution: _chain(doc),
    lambda x, doc, solution: _shapes(x, doc),
    lambda x, doc, solution: _indices(x, doc),
    lambda x, doc, solution: _answer(x, solution),
)


def hints(explanations: list[Explanation], solutions: list[str]) -> tuple[Hint, ...]:
    """The four rungs for one quantity, or for each quantity of a backward pass in turn."""
    docs = [x.document() for x in explanations]
    rungs = []
    for level, (name, pick) in enumerate(zip(RUNGS, _PICK, strict=True), start=1):
        blocks: list = []
        for x, doc, solution in zip(explanations, docs, solutions, strict=True):
            part = pick(x, doc, solution)
            if len(explanations) > 1 and part:
                blocks.append(Heading(3, (Sym(x.quantity, _writer(x.derivation).naming),)))
            blocks += part
        if not blocks:
            blocks = [Para(("Nothing to add at this rung: go on to the next hint.",))]
        title = (f"Hint {level} of {len(RUNGS)}: {name}",)
        rungs.append(Hint(level, name, Document(title, title[0], tuple(blocks))))
    return tuple(rungs)
