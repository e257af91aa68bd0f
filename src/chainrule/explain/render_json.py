"""Documents and explanations as JSON: every formula both as unicode text and as LaTeX.

:func:`document_json` serialises any document block by block; :func:`explanation_json` adds the
explanation's structured facts (the chain's factors, the candidate products, the index forms, the
numeric check) so that a program can use them without parsing prose.
"""

from __future__ import annotations

import json

import numpy as np

from .doc import Display, Document, Heading, Items, Math, Para, Prose, Table
from .notation import latex_math, rec_latex, rec_text, text_math
from .writer import bound

__all__ = ["render_json", "document_json", "explanation_json"]


def _math(m: Math) -> dict:
    return {"text": text_math(m), "latex": latex_math(m)}


def _inline(parts: tuple) -> list:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(p)
        elif isinstance(p, Prose):
            out.append({"text": rec_text(p.text), "prose": p.text})
        else:
            out.append(_math(p))
    return out


def _block(b: object) -> dict:
    if isinstance(b, Heading):
        return {"kind": "heading", "level": b.level, "content": _inline(b.parts)}
    if isinstance(b, Para):
        return {"kind": "paragraph", "content": _inline(b.parts)}
    if isinstance(b, Display):
        return {"kind": "display", "math": _math(b.math), "note": _inline(b.note)}
    if isinstance(b, Table):
        rows = [[_inline(c) for c in r] for r in b.rows]
        return {"kind": "table", "header": [_inline(c) for c in b.header], "rows": rows}
    if isinstance(b, Items):
        return {"kind": "list", "items": [_inline(i) for i in b.items]}
    raise TypeError(f"no JSON form for {type(b).__name__}")


def document_json(doc: Document) -> dict:
    """Any document as a JSON-ready dict."""
    return {"title": doc.plain_title, "blocks": [_block(b) for b in doc.blocks]}


def _factor(x: object, f: object) -> dict:
    from .doc import Ex

    def ex(e: object) -> dict | None:
        return None if e is None else _math(Ex(e, x.naming))

    return {
        "of": ex(f.num),
        "wrt": ex(f.den),
        "kind": f.kind,
        "value": ex(f.value),
        "side": f.side,
        "equation": f.equation.name if f.equation is not None else None,
        "primitives": list(f.ops),
        "sends_back": ex(f.vjp),
    }


def _arrangements(x: object) -> list:
    from .doc import Ex, row

    out = []
    for s in x.shapes:
        cands = [
            {
                "product": _math(row(Ex(a.left, x.naming), Ex(a.right, x.naming))),
                "shape": None if a.shape is None else [str(d) for d in a.shape],
                "fits": a.fits,
            }
            for a in s.arrangements
        ]
        out.append({"wanted": [str(d) for d in s.wanted], "candidates": cands})
    return out


def _numbers(n: object) -> dict:
    return {
        "m": n.m,
        "seed": n.seed,
        "objective": n.objective,
        "eps": n.eps,
        "formula": _rounded(n.formula),
        "finite_differences": _rounded(n.estimate),
        "max_error_below": float(bound(n.max_error)),
        "relative_error_below": float(bound(n.relative_error)),
        "agree": n.agree,
    }


def _rounded(a: object) -> list:
    """Values to 6 significant digits, so the JSON is the same on every machine (nested lists
    of the array's rank, at least two)."""
    x = np.atleast_2d(np.asarray(a, dtype=float))
    return np.array([float(f"{v:.6g}") for v in x.ravel()]).reshape(x.shape).tolist()


def _answer(a: object) -> dict:
    return {
        "key": a.key,
        "question": a.title,
        "lines": [
            {"math": _math(line.math), "why": line.why, "checked": line.checked} for line in a.lines
        ],
        "facts": [{"content": _inline(f.parts), "checked": f.checked} for f in a.facts],
        "checked": a.checked,
    }


def explanation_json(x: object) -> dict:
    """An explanation's facts and its document."""
    from .doc import Ex

    return {
        "quantity": x.quantity,
        "formula": _math(Ex(x.step.expanded, x.naming)),
        "shape": [str(d) for d in x.step.shape],
        "subject": x.subject,
        "convention": x.convention,
        "layout": x.layout,
        "differentiates": x.top,
        "chain": [
            {
                "scale": None if t.scale is None else _math(Ex(t.scale, x.naming)),
                "factors": [_factor(x, f) for f in t.factors],
            }
            for t in x.terms
        ],
        "dimensions": _arrangements(x),
        "indices": [
            {"premise": _math(a.premise), "conclusion": _math(a.conclusion)} for a in x.indices
        ],
        "numbers": _numbers(x.numbers),
        "variants": [
            {
                "convention": v.convention,
                "layout": v.layout,
                "formula": _math(Ex(v.formula, v.naming)),
                "relation": v.relation,
                "ratio": v.ratio,
                "checked": v.checked,
            }
            for v in x.variants
        ],
        "answers": [_answer(a) for a in x.answers],
        "reading": list(x.reading),
        "rules": {
            op: {"rule": r, "index_form": {"text": rec_text(i), "latex": rec_latex(i)}}
            for op, r, i in _rules(x)
        },
        "document": document_json(x.document()),
    }


def _rules(x: object) -> list:
    from ..rules.primitives import PRIMITIVES

    ops = dict.fromkeys(op for t in x.terms for f in t.factors for op in f.ops)
    return [(op, PRIMITIVES[op].rule, PRIMITIVES[op].index_form) for op in ops if op in PRIMITIVES]


def render_json(obj: object) -> str:
    """An explanation or a document as indented JSON text."""
    data = document_json(obj) if isinstance(obj, Document) else explanation_json(obj)
    return json.dumps(data, indent=2, ensure_ascii=False)
