"""``cr.check_rnn`` for the LSTM: a learner's ``lstm_cell_backward`` / ``lstm_backward``, judged.

As :mod:`.rnn_check` does for the basic RNN: the functions are interpreted (:mod:`.loops`) on
seeded caches laid out as the course's ``lstm_cell_forward`` lays them out, ``(a_next, c_next,
a_prev, c_prev, ft, it, cct, ot, xt, parameters)``, and compared with the BPTT that
:func:`chainrule.recurrence` derives from the course's ``lstm_forward`` (held to the course's
published numbers in tests/test_recur.py). Beyond the sequence-level mistakes of the RNN, two
repairs name the LSTM's own: dc_prev without its Γf factor, and a gate's weight slices for
a_prev and xt swapped.
"""

from __future__ import annotations

import ast
from functools import cache

import numpy as np

from .conv_check import LoopCheck
from .loops import Program
from .recur_repairs import (
    Edit,
    derivative_edits,
    global_weight_edits,
    product_edits,
    sliced_gate_edits,
)
from .recur_repairs import expr as _expr
from .recur_repairs import replace as _replace
from .rnn_check import cache_parameters, check_cell_and_sequence

__all__ = ["check_lstm"]

_PARAMS = ("Wf", "bf", "Wi", "bi", "Wo", "bo", "Wc", "bc")  # the course's order of draws


@cache
def _recurrence():  # noqa: ANN202 - a Recurrence (imported late: SymPy)
    from ..recur import recurrence
    from ..recur.course import LSTM_FORWARD, LSTM_SHAPES

    return recurrence(LSTM_FORWARD, LSTM_SHAPES)


def _draws() -> list[tuple[dict, np.ndarray]]:
    """The course's lstm_backward setup (seed 1; n_x = 3, n_a = 5, m = 10, T_x = 4) and one with
    other sizes (n_x ≠ n_a, so swapped slices cannot pass)."""
    out = []
    rng = np.random.RandomState(1)
    x, a0 = rng.randn(3, 10, 7)[:, :, :4], rng.randn(5, 10)
    values = dict(x=x, a0=a0, **{k: rng.randn(5, 8 if k[0] == "W" else 1) for k in _PARAMS})
    out.append((values, rng.randn(5, 10, 4)))
    gen = np.random.default_rng(22)
    n_x, n_a, m, T = 4, 3, 6, 5
    values = dict(x=gen.standard_normal((n_x, m, T)), a0=gen.standard_normal((n_a, m)))
    values.update({k: gen.standard_normal((n_a, n_a + n_x if k[0] == "W" else 1)) for k in _PARAMS})
    out.append((values, gen.standard_normal((n_a, m, T))))
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _caches(values: dict) -> tuple[list, np.ndarray]:
    """The course's caches: ``([(a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt,
    parameters) for each t], x)``."""
    x, a_prev = values["x"], values["a0"]
    params = {k: values[k] for k in _PARAMS}
    c_prev, steps = np.zeros_like(a_prev), []
    for t in range(x.shape[2]):
        concat = np.concatenate((a_prev, x[:, :, t]), axis=0)
        ft = _sigmoid(params["Wf"] @ concat + params["bf"])
        it = _sigmoid(params["Wi"] @ concat + params["bi"])
        cct = np.tanh(params["Wc"] @ concat + params["bc"])
        c_next = ft * c_prev + it * cct
        ot = _sigmoid(params["Wo"] @ concat + params["bo"])
        a_next = ot * np.tanh(c_next)
        steps.append((a_next, c_next, a_prev, c_prev, ft, it, cct, ot, x[:, :, t], params))
        a_prev, c_prev = a_next, c_next
    return steps, x


_SEQ = ("dx", "da0", "dWf", "dWi", "dWc", "dWo", "dbf", "dbi", "dbc", "dbo")


def _sequence_cases() -> list[tuple[tuple, tuple]]:
    out = []
    for values, da in _draws():
        g = _recurrence().backward(values, {"a": da})
        out.append(((da, _caches(values)), tuple(g[k] for k in _SEQ)))
    return out


def _cell_cases() -> list[tuple[tuple, tuple]]:
    """Step 2 of each draw, with its own dc_next: the cell model's gradients."""
    out = []
    for values, da in _draws():
        steps, _ = _caches(values)
        a_next, c_next, a_prev, c_prev, *_, xt, params = steps[2]
        dc_next = np.cos(3 * c_next)  # any fixed upstream gradient of c⟨t⟩
        given = dict(xt=xt, a_prev=a_prev, c_prev=c_prev, **params)
        given.update(da_next=da[:, :, 2], dc_next=dc_next)
        g = _recurrence().cell.gradients(given)
        want = tuple(g[k] for k in ("dxt", "da_prev", "dc_prev", *_SEQ[2:]))
        out.append(((da[:, :, 2], dc_next, steps[2]), want))
    return out


def _cell_edits(fn: ast.FunctionDef) -> list[Edit]:
    """The LSTM's own mistakes (:func:`_gate_edits`), then the gates' weights unsliced, their
    derivatives left out of da_prev and dxt, and each product transposed."""
    n_a = "n_a" if _assigns(fn, "n_a") else f"{_cache_name(fn, 2, 'a_prev')}.shape[0]"
    ft, it, cct, ot = (_cache_name(fn, k, g) for k, g in zip(range(4, 8), _GATES, strict=True))
    factors = {
        f"d{ft}": f"{ft} * (1 - {ft})",
        f"d{it}": f"{it} * (1 - {it})",
        f"d{cct}": f"(1 - {cct} ** 2)",
        f"d{ot}": f"{ot} * (1 - {ot})",
    }
    extra = sliced_gate_edits(fn, n_a) + derivative_edits(fn, factors) + product_edits(fn)
    extra += global_weight_edits(fn, cache_parameters(fn))
    return _gate_edits(fn) + extra


_GATES = ("ft", "it", "cct", "ot")


def _assigns(fn: ast.FunctionDef, name: str) -> bool:
    return any(
        isinstance(t, ast.Name) and t.id == name
        for s in ast.walk(fn)
        if isinstance(s, ast.Assign)
        for target in s.targets
        for t in ast.walk(target)
    )


def _gate_edits(fn: ast.FunctionDef) -> list[Edit]:
    """dc_next → dc_next * ft in the dc_prev line; a gate's [:, :n_a] ↔ [:, n_a:] per use."""
    params = [a.arg for a in fn.args.args]
    dc_next = params[1] if len(params) > 2 else "dc_next"
    ft = _cache_name(fn, 4, "ft")
    out: list[Edit] = []
    for s in ast.walk(fn):
        if not isinstance(s, ast.Assign) or not isinstance(s.targets[0], ast.Name):
            continue
        if s.targets[0].id.startswith("dc_prev"):
            for node in ast.walk(s.value):
                if isinstance(node, ast.Name) and node.id == dc_next:
                    out.append(("dc-prev-no-forget", s, _replace(node, _expr(f"{dc_next} * {ft}"))))
        for node in ast.walk(s.value):
            swapped = _swapped_slice(node)
            if swapped is not None:
                out.append(("gate-slices-mixed", s, _replace(node, swapped)))
    return out


def _cache_name(fn: ast.FunctionDef, k: int, default: str) -> str:
    for s in ast.walk(fn):
        if isinstance(s, ast.Assign) and isinstance(s.value, ast.Name) and s.value.id == "cache":
            t = s.targets[0]
            if isinstance(t, ast.Tuple) and len(t.elts) > k and isinstance(t.elts[k], ast.Name):
                return t.elts[k].id
    return default


def _swapped_slice(node: ast.AST) -> ast.expr | None:
    """``W[:, :n_a]`` as ``W[:, n_a:]`` and back; None for any other subscript."""
    if not (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple)):
        return None
    elts = node.slice.elts
    if len(elts) != 2 or not isinstance(elts[1], ast.Slice) or elts[1].step is not None:
        return None
    lower, upper = elts[1].lower, elts[1].upper
    if (lower is None) == (upper is None):
        return None
    base, cut = ast.unparse(node.value), ast.unparse(lower or upper)
    return _expr(f"{base}[:, {cut}:]" if lower is None else f"{base}[:, :{cut}]")


def check_lstm(program: Program) -> list[LoopCheck]:
    """The verdicts on the ``lstm_cell_backward(da_next, dc_next, cache)`` and
    ``lstm_backward(da, caches)`` in ``program`` (those it defines)."""
    return check_cell_and_sequence(program, "lstm", _cell_edits, _cell_cases, _sequence_cases)
