"""Gradient-check reports: data first (rows of comparisons), then text, JSON and HTML.

Both checks that hold chainrule's gradients against numbers from elsewhere — two-sided finite
differences of the cost (:mod:`.gradcheck`) and PyTorch's autograd (:mod:`.crosscheck`) — produce
one :class:`Report`, so they read alike and render alike. Objects do not print themselves:
``render`` turns a report into each format.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict, dataclass

import numpy as np

from ..printers.base import layer_name
from ..printers.html_page import html_document

__all__ = [
    "Entry",
    "Row",
    "Report",
    "relative_difference",
    "compare",
    "render",
    "formula_text",
    "formula_json",
    "backward_text",
]

FORMULA_TEXT = "‖g − g_approx‖₂ / (‖g‖₂ + ‖g_approx‖₂)"
FORMULA_TEX = (
    r"\frac{\lVert g - g_{\text{approx}} \rVert_2}"
    r"{\lVert g \rVert_2 + \lVert g_{\text{approx}} \rVert_2}"
)


@dataclass(frozen=True)
class Entry:
    """One entry of a gradient: its index, chainrule's value and the reference value."""

    index: tuple[int, ...]
    derived: float
    reference: float


@dataclass(frozen=True)
class Row:
    """One gradient compared: ``dW1`` with its relative difference and worst entries."""

    name: str  # "dW1"
    kind: str  # "parameter" or "intermediate"
    shape: tuple[int, ...]
    difference: float
    passed: bool
    worst: tuple[Entry, ...]  # the entries that disagree most, largest first


@dataclass(frozen=True)
class Report:
    """A whole check: what was compared with what, one row per gradient, and the verdict."""

    title: str  # "gradient check"
    method: str  # how the reference numbers were made
    reference: str  # short name of the reference: "finite differences", "PyTorch"
    network: str
    convention: str
    threshold: float
    overall: float  # the course's single number: all parameter gradients as one vector
    rows: tuple[Row, ...]

    @property
    def passed(self) -> bool:
        """True when the overall difference and every row are within the threshold."""
        return self.overall <= self.threshold and all(r.passed for r in self.rows)

    @property
    def failures(self) -> list[Row]:
        return [r for r in self.rows if not r.passed]

    def __getitem__(self, name: str) -> Row:
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)

    def to_dict(self) -> dict:
        """Plain data for JSON: every field, plus ``passed`` and the names that failed."""
        out = asdict(self)
        out["passed"] = self.passed
        out["failed"] = [r.name for r in self.failures]
        return out

    def __str__(self) -> str:
        return render(self, "text")


def relative_difference(g: np.ndarray, approx: np.ndarray) -> float:
    """The course's ‖g − g_approx‖₂ / (‖g‖₂ + ‖g_approx‖₂); 0 when both are zero, NaN (which
    never passes) when either holds NaN or ∞ — no number agrees with those."""
    g, approx = np.ravel(g), np.ravel(approx)
    if not (np.isfinite(g).all() and np.isfinite(approx).all()):
        return float("nan")
    den = np.linalg.norm(g) + np.linalg.norm(approx)
    return float(np.linalg.norm(g - approx) / den) if den > 0 else 0.0


def compare(
    name: str,
    kind: str,
    derived: np.ndarray,
    reference: np.ndarray,
    threshold: float,
    top: int = 3,
) -> Row:
    """One row: the relative difference of two arrays and their ``top`` most different entries."""
    derived = np.asarray(derived, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64).reshape(derived.shape)
    diff = relative_difference(derived, reference)
    gap = np.abs(derived - reference).ravel()
    order = np.argsort(-gap, kind="stable")[: min(top, gap.size)]
    worst = tuple(
        Entry(
            tuple(int(i) for i in np.unravel_index(k, derived.shape)),
            float(derived.flat[k]),
            float(reference.flat[k]),
        )
        for k in order
        if gap[k] > 0
    )
    passed = bool(diff <= threshold)
    return Row(name, kind, tuple(int(d) for d in derived.shape), diff, passed, worst)


# -- rendering -------------------------------------------------------------------------------------
def render(report: Report, fmt: str = "text") -> str:
    """The report as ``text``, ``json`` or a self-contained ``html`` page."""
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
    if fmt == "html":
        return _html(report)
    return "\n".join(_text_lines(report))


def _display(name: str) -> str:
    base, layer = layer_name(name)
    return f"{base}[{layer}]" if layer is not None else name


def _verdict(report: Report) -> str:
    if not np.isfinite(report.overall) or any(not np.isfinite(r.difference) for r in report.rows):
        return (
            "FAILED: NaN or ∞ in the gradients — no check can pass on numbers that are not finite"
        )
    if report.passed:
        return f"passed: every gradient agrees with {report.reference}"
    names = ", ".join(_display(r.name) for r in report.failures) or "the parameters as a whole"
    verb = "disagrees" if len(report.failures) == 1 else "disagree"
    return f"FAILED: {names} {verb} with {report.reference}"


def _worst(row: Row) -> str:
    return "; ".join(
        f"[{', '.join(map(str, e.index))}] {e.derived:.6g} vs {e.reference:.6g}" for e in row.worst
    )


def _gap(row: Row) -> str:
    if not np.isfinite(row.difference):
        return "not finite: NaN or ∞ in the gradients"
    if not row.worst:
        return "identical"
    e = row.worst[0]
    return f"largest gap {abs(e.derived - e.reference):.1e}"


def _table(report: Report) -> list[list[str]]:
    head = [
        "quantity",
        "kind",
        "shape",
        "difference",
        "result",
        f"worst entries (chainrule vs {report.reference})",
    ]
    rows = [
        [
            _display(r.name),
            r.kind,
            str(r.shape),
            f"{r.difference:.2e}",
            "ok" if r.passed else "FAIL",
            _gap(r) if r.passed or not np.isfinite(r.difference) else _worst(r),
        ]
        for r in report.rows
    ]
    return [head, *rows]


def _text_lines(report: Report) -> list[str]:
    table = _table(report)
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    lines = [
        f"{report.title}: network {report.network}, {report.convention} convention",
        f"{report.method}; relative difference {FORMULA_TEXT}, threshold {report.threshold:g}",
        "",
    ]
    for row in table:
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=False)]
        lines.append("  " + "  ".join([*cells, row[-1]]).rstrip())
    lines += [
        "",
        f"overall (all parameters as one vector): {report.overall:.2e}",
        _verdict(report),
    ]
    return lines


def _html(report: Report) -> str:
    blocks = [
        ("h1", f"{report.title.capitalize()}: {report.network}"),
        ("p", f"{report.method}; {report.convention} convention."),
        ("p", "Relative difference, for each gradient and for all parameters as one vector:"),
        ("math", rf"\text{{difference}} = {FORMULA_TEX} \le {report.threshold:g}"),
        ("table", _table(report)),
        ("p", f"Overall (all parameters as one vector): {report.overall:.2e}."),
        ("h2", _verdict(report)),
    ]
    return html_document(f"chainrule {report.title}", blocks)


# -- a formula check -------------------------------------------------------------------------------
def formula_text(check: object) -> str:
    """A :class:`~chainrule.check.formula.FormulaCheck` for the terminal."""
    verdict = "✓ correct" if check.correct else f"✗ wrong — {check.title}"
    if getattr(check, "verdict", "") == "right-here-only":
        verdict = f"✗ not correct as a formula: {check.title}"
    elif not check.correct and check.diagnosis:
        verdict += f" ({check.diagnosis})"
    body = textwrap.wrap(check.message, 96, initial_indent="  ", subsequent_indent="  ")
    lines = [check.formula, verdict, *body]
    if not check.correct:
        lines.append(f"  corrected: {check.corrected}")
    lines += [
        f"  derived:   {check.expected}",
        f"  {_judged_on(check.network)}, {check.convention} convention",
    ]
    return "\n".join(lines)


def _judged_on(network: str) -> str:
    """What the formula was judged on: ``network 2-4-1 …`` or ``model bn (…)``."""
    return network if network.startswith("model ") else f"network {network}"


def formula_json(check: object) -> str:
    return json.dumps(check.to_dict(), indent=2, ensure_ascii=False)


# -- a whole backward pass -------------------------------------------------------------------------
_MARKS = {
    "correct": "✓ correct",
    "right-given": "✓ right, given your {given}",
    "right-in-the-end": "✓ right in the end",
    "right-here-only": "✗ not correct as a formula: {title}",
    "wrong": "✗ wrong — {title}",
}


def backward_text(check: object) -> str:
    """A :class:`~chainrule.check.backward.BackwardCheck` for the terminal: one entry per learner
    line and verdict (a line run for several layers is one entry that names them)."""
    out = [f"backward pass: network {check.network}, {check.convention} convention", ""]
    entries = check.entries
    width = min(max((len(_first(e.text)) for e in entries), default=0), 48)
    for e in entries:
        c = e.checks[0]
        given = ", ".join(dict.fromkeys(g for k in e.checks for g in k.given))
        mark = _MARKS[e.verdict].format(given=given, title=c.check.title)
        out.append(f"  line {e.line:>3}  {_first(e.text).ljust(width)}  {mark}{_where(e)}")
        if not e.ok:
            wrapped = textwrap.wrap(e.check.message, 90, initial_indent=" " * 12)
            out += [*wrapped[:1], *(" " * 12 + w.strip() for w in wrapped[1:])]
            out.append(f"            corrected: {e.check.corrected}")
    if check.note:
        out += ["", *textwrap.wrap(check.note, 96, initial_indent="  ", subsequent_indent="  ")]
    out += ["", _summary(check)]
    return "\n".join(out)


def _first(text: str) -> str:
    """A statement written over several lines, shown by its first (``dZ = np.array(dA, …) …``)."""
    lines = text.splitlines() or [""]
    return lines[0] + (" …" if len(lines) > 1 else "")


def _where(e: object) -> str:
    """ " in every layer (dW3, dW2, dW1)", " in layers 2 and 1 (dZ2, dZ1)", " via line 58"."""
    where = ""
    if len(e.layers) > 1:
        layers = " and ".join([", ".join(map(str, e.layers[:-1])), str(e.layers[-1])])
        where = " in every layer" if e.every_layer else f" in layers {layers}"
        where += f" ({', '.join(e.targets)})"
    elif e.calls and e.layers:  # the line's other layers are another entry: name this one
        where = f" in layer {e.layers[0]} ({', '.join(e.targets)})"
    if e.calls:
        where += f" via line{'s' if len(e.calls) > 1 else ''} {', '.join(map(str, e.calls))}"
    return where


def _summary(check: object) -> str:
    lines = list(dict.fromkeys(c.line for c in check.lines))
    wrong = check.wrong_lines
    if not wrong:
        return f"every line is right ({len(lines)} lines, {len(check.lines)} quantities)"
    where = ", ".join(
        f"line {n} ({', '.join(c.target for c in check.wrong if c.line == n)})" for n in wrong
    )
    return f"{len(wrong)} of {len(lines)} lines wrong: {where}"
