"""What the page shows, computed from the library's own objects and printers (no new mathematics).

Every equation is a :class:`~chainrule.autodiff.Step` of ``net.derive()``: its MathML comes from the
LaTeX printer and ``latex_to_mathml``, its code line from the NumPy printer that writes
``net.source()`` — the module ``cost``/``gradients`` run. An explanation is ``cr.explain`` rendered
by the explanation's HTML renderer; a check is ``cr.check_formula``. The numbers next to the
formulas are slices of the dictionary the training step returned.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..check import check_formula
from ..explain import explain
from ..explain.render_html import html_fragment
from ..ir.expr import Expr
from ..ir.shapes import fmt_shape
from ..nets import Network
from ..printers.html_page import latex_to_mathml
from ..printers.latex import latex, latex_name
from ..printers.numpy_code import NumpyPrinter
from ..printers.text import target_text

__all__ = [
    "equations",
    "explanation_html",
    "formula_check",
    "example_values",
    "decision_grid",
    "matrices",
]

_MAX_CELLS = 1024  # a matrix larger than this is summarised, not sent


def _line(name: str, expr: Expr, net: Network) -> dict:
    p = net.program
    tex = f"{latex_name(name, p.layer_names)} = {latex(expr, p.layer_names, p.batch)}"
    label = target_text(name, p.layer_names)
    return {
        "name": name,
        "label": label,
        "mathml": latex_to_mathml(tex),
        "shape": fmt_shape(expr.shape),
    }


def equations(net: Network, convention: str) -> dict:
    """The forward equations and the backward steps a learner asks about, typeset, with shapes.

    Each backward step also carries ``code``: its line in ``net.source(convention)``, printed from
    the same :class:`Step` (``step.expr``); the MathML shows ``step.expanded``, the same formula
    with the pass-through ``dA[l] = W[l+1]ᵀ dZ[l+1]`` written out, as the course writes it.
    ``runs`` says whether the update computes it (``gradients()``); a step no update reads, such
    as ``dA[L]`` (written into ``dZ[L] = A[L] − Y``), is a line of ``backward()`` only.
    """
    d = net.derive(convention)
    printer = NumpyPrinter()
    forward = [_line(eq.name, eq.expr, net) for eq in d.program.equations]
    runs = {s.target for s in d.update_steps}
    backward = []
    for name in net.quantities(convention):
        s = d[name]
        line = _line(s.target, s.expanded, net)
        code = f"{s.target} = {printer.shaped(s.expr)}"
        backward.append({**line, "code": code, "runs": name in runs})
    return {"forward": forward, "backward": backward, "convention": d.convention_note}


def explanation_html(net: Network, quantity: str, convention: str) -> str:
    """``cr.explain(net, quantity)`` as the HTML fragment Jupyter shows (MathML, no scripts)."""
    return html_fragment(explain(net, quantity, convention).document())


def formula_check(net: Network, formula: str, convention: str) -> dict:
    """``cr.check_formula``'s verdict as the page shows it."""
    c = check_formula(net, formula, convention=convention)
    keys = ("formula", "target", "correct", "verdict", "diagnosis", "title", "message", "corrected")
    return {**{k: getattr(c, k) for k in keys}, "expected": c.expected}


def _round(a: np.ndarray) -> list:
    """Full float64 precision (the page rounds for display); a non-finite entry is ``None``."""
    a = np.asarray(a, dtype=np.float64)
    return a.tolist() if np.isfinite(a).all() else _nulls(a.tolist())


def _nulls(x: object) -> object:
    if isinstance(x, list):
        return [_nulls(v) for v in x]
    return x if math.isfinite(x) else None


def example_values(net: Network, out: Mapping[str, np.ndarray], i: int) -> dict[str, list]:
    """The numbers of one step for example ``i``: its column (row, in the rows layout) of every
    per-example quantity (``A[l]``, ``Z[l]``, ``dZ[l]``, ``dA[l]``, batch norm's ``Z_norm[l]``,
    ``dZ_tilde[l]``, …), and the whole of ``dW[l]``, ``db[l]``, ``dgamma[l]``, ``dbeta[l]`` —
    which are sums over every example and have no column of their own."""
    m_axis = 1 if net.spec.layout == "columns" else 0
    values: dict[str, list] = {}
    for name, a in out.items():
        a = np.asarray(a)
        if a.ndim != 2 or name in ("L", "dL"):
            continue
        if name.startswith(("dW", "db", "dgamma")):  # db also starts dbeta
            values[name] = _round(a) if a.size <= _MAX_CELLS else []
        elif name[:1] in "AZ" or name.startswith(("dZ", "dA")):
            values[name] = _round(np.take(a, i, axis=m_axis))
    return values


def matrices(params: Mapping[str, np.ndarray], L: int) -> dict[str, list]:
    """``W[l]`` and ``b[l]`` (with batch norm ``gamma[l]``, ``beta[l]`` where there is no
    ``b[l]``) for the heat maps and the network diagram (small ones only)."""
    return {
        k: _round(params[k]) if np.size(params[k]) <= _MAX_CELLS else []
        for l in range(1, L + 1)
        for k in (f"W{l}", f"b{l}", f"gamma{l}", f"beta{l}")
        if k in params
    }


def decision_grid(net: Network, params: Mapping[str, np.ndarray], box: tuple, n: int = 48) -> dict:
    """The network's output over an ``n``×``n`` grid of the plane (2-D data only).

    ``z`` is row-major from the top-left: P(class 1) for a sigmoid output, the winning class for
    softmax (with its probability in ``p``), the raw output otherwise.
    """
    x0, x1, y0, y1 = box
    xs, ys = np.linspace(x0, x1, n), np.linspace(y1, y0, n)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.vstack([gx.ravel(), gy.ravel()])
    A = net.probabilities(params, grid if net.spec.layout == "columns" else grid.T)
    A = A if net.spec.layout == "columns" else A.T
    if net.spec.output == "softmax" and A.shape[0] > 1:
        winner = np.argmax(A, 0).reshape(n, n)
        return {"n": n, "kind": "classes", "z": winner.tolist(), "p": _grid(A.max(0), n)}
    kind = "sigmoid" if net.spec.output == "sigmoid" else "value"
    return {"n": n, "kind": kind, "z": _grid(A[0], n)}


def _grid(a: np.ndarray, n: int) -> list:
    """Rows of the grid, top first, to three decimals (a picture needs no more)."""
    return np.round(np.nan_to_num(a, nan=0.0, posinf=1e6, neginf=-1e6), 3).reshape(n, n).tolist()
