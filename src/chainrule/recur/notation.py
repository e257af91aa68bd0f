"""Backpropagation through time in the course's notation, and why each line is what it is.

Names of one step become the course's: ``a_next`` → a⟨t⟩, ``a_prev`` → a⟨t−1⟩, ``xt`` → x⟨t⟩,
``ft``/``it``/``ot`` → Γf⟨t⟩/Γu⟨t⟩/Γo⟨t⟩, ``cct`` → c̃⟨t⟩, ``yt_pred`` → ŷ⟨t⟩. The gradients the
loop carries keep the names of the course's code (``da_next``, ``da_prev``), as its
``rnn_backward`` does. Everything printed here is read from the cell's derivation; nothing is
unrolled.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from ..errors import UnknownNameError
from ..ir.expr import walk
from ..ir.linalg import named
from ..printers.text import TextPrinter
from .sequence import Recurrence

__all__ = ["course_names", "derivation_text", "explain_recurrence"]

_GATES = {"ft": "Γf", "it": "Γu", "ot": "Γo", "cct": "c̃", "yt_pred": "ŷ", "yt": "ŷ", "zt": "z"}


def course_names(rec: Recurrence) -> dict[str, str]:
    """Forward names of one step → the course's notation (gradients of steps get a ``d``)."""
    lp = rec.loop
    out = {}
    for name, prev, _ in lp.carried:
        base = name.removesuffix("_next")
        out[name], out[prev] = f"{base}⟨t⟩", f"{base}⟨t−1⟩"
    for step, seq in lp.steps_in:
        out[step] = f"{seq}⟨t⟩"
    for eq in lp.cell.equations:
        if eq.name in _GATES:
            out[eq.name] = f"{_GATES[eq.name]}⟨t⟩"
    return out


def _renamer(rec: Recurrence, gradients: bool = True):
    names = course_names(rec)
    carried = {n for n, _, _ in rec.loop.carried} | {p for _, p, _ in rec.loop.carried}
    table = dict(names)
    if gradients:  # dxt → dx⟨t⟩, dft → dΓf⟨t⟩; da_next, da_prev keep the code's names
        table.update({f"d{k}": f"d{v}" for k, v in names.items() if k not in carried})
    words = "|".join(sorted(map(re.escape, table), key=len)[::-1])
    pattern = re.compile(rf"(?<![A-Za-z0-9_])({words})(?![A-Za-z0-9_])")
    return lambda s: pattern.sub(lambda m: table[m.group(1)], s)


def _steps(rec: Recurrence) -> list[tuple[str, str, str]]:
    printer = TextPrinter()
    return [(t, how, printer.doprint(e)) for t, e, how in rec.backward_steps()]


def derivation_text(rec: Recurrence, level: str = "sequence") -> str:
    """The derivation as the course writes it: the cell's gradients (``level="cell"``), or the
    reverse loop over time around them (``"sequence"``)."""
    rename = _renamer(rec)
    if level == "cell":
        return "\n".join(rename(f"{t} = {body}") for t, _, body in _steps(rec))
    lp = rec.loop
    T = lp.time
    init = [f"d{w} = 0" for w in rec.params] + [f"d{p} = 0" for _, p, _ in lp.carried]
    lines = [", ".join(init), f"for t = {T}, …, 1:"]
    for v in rec.cotangents:
        terms = rec.upstream_terms(v, "d{}⟨t⟩".format)
        lines.append(f"    d{v} = {' + '.join(terms)}" + _why_add(rec, v, len(terms) > 1))
    labels = _label_steps(rec)
    for target, how, body in _steps(rec):
        note = "    (shared by every step: summed over t)" if how == "+=" else ""
        note = labels.get(target, note)
        lines.append(rename(f"    {target} {how} {body}") + note)
    lines += [f"d{i} = d{p}" for _, p, i in lp.carried if i]
    return "\n".join(lines)


def _label_steps(rec: Recurrence) -> dict[str, str]:
    """The note beside dz⟨t⟩ where softmax meets cross-entropy: which assumption shaped it."""
    found = _softmax_step(rec)
    if found is None:
        return {}
    target, labels = found
    seq = _sequence_of(rec, labels)
    if seq in rec.loop.one_hot and rec.loop.cost is not None:
        return {target: f"    ({seq} declared one-hot: Σₖ {seq}⟨t⟩ₖ = 1)"}
    need = f"{seq} one-hot" if rec.loop.cost is not None else f"the cost and {seq} one-hot"
    return {target: f"    (general form; declaring {need} gives ŷ⟨t⟩ − {seq}⟨t⟩)"}


def _softmax_step(rec: Recurrence) -> tuple[str, str] | None:
    """``(dz, y)`` when the cell applies softmax to z and its loss reads a per-step input y."""
    per_step = {step for step, _ in rec.loop.steps_in}
    for eq in rec.loop.cell.equations:
        m = named(eq.expr)
        if m is None or m.name != "softmax" or m.args[0].op != "var":
            continue
        for use in rec.loop.cell.equations:
            names = {n.name for n in walk(use.expr) if n.op == "var"}
            if eq.name in names and names & per_step:
                return f"d{m.args[0].name}", sorted(names & per_step)[0]
    return None


def _sequence_of(rec: Recurrence, step: str) -> str:
    return next(seq for s, seq in rec.loop.steps_in if s == step)


def _explain_labels(rec: Recurrence, quantity: str) -> list[str]:
    """dz⟨t⟩ through softmax and cross-entropy, and the declarations that shape it."""
    found = _softmax_step(rec)
    if found is None or found[0] != quantity:
        return []
    seq = _sequence_of(rec, found[1])
    y = f"{seq}⟨t⟩"
    out = [
        f"z⟨t⟩ feeds ŷ⟨t⟩ = softmax(z⟨t⟩) and the loss −Σₖ {y}ₖ log ŷ⟨t⟩ₖ. Through softmax, "
        f"dz = ŷ ⊙ (dŷ − Σₖ ŷₖ dŷₖ); with dŷ = −{y} / ŷ this is dz⟨t⟩ = ŷ⟨t⟩ Σₖ {y}ₖ − {y}."
    ]
    if rec.loop.cost is None:
        return out + [
            "Here the loss's gradient dL⟨t⟩ is an input (dŷ = −dL⟨t⟩ ⊙ y / ŷ), so dŷ⟨t⟩ stays "
            'a step of its own. Declaring the cost J = Σ L (cost="L", --cost L) makes dL⟨t⟩ = 1'
            f' and, with {seq} declared one-hot (one_hot=["{seq}"], --one-hot {seq}), gives '
            f"dz⟨t⟩ = ŷ⟨t⟩ − {y}."
        ]
    if seq in rec.loop.one_hot:
        out.append(
            f'{seq} is declared one-hot (one_hot=["{seq}"]): each column holds a single 1, so '
            f"Σₖ {y}ₖ = 1 and dz⟨t⟩ = ŷ⟨t⟩ − {y} — the course's dy = y_hat − y. That "
            "assumption is what made it so: for labels whose columns do not sum to 1 it is wrong."
        )
    else:
        out.append(
            f"Nothing says {seq}'s columns sum to 1, so the general form is kept (right for any "
            f'labels). Declaring {seq} one-hot (one_hot=["{seq}"], --one-hot {seq}) gives '
            f"dz⟨t⟩ = ŷ⟨t⟩ − {y}."
        )
    return out


def _why_add(rec: Recurrence, v: str, both: bool) -> str:
    if not both:
        return ""
    return f"    (⟵ {course_names(rec)[v]} is used by the output at t and by step t+1)"


def explain_recurrence(
    rec: Recurrence, quantity: str, values: Mapping[str, np.ndarray] | None = None
) -> str:
    """Why ``quantity`` (``dWaa``, ``da_next``, ``dc_prev``, …) is what the reverse loop says."""
    steps = {t: (how, body) for t, how, body in _steps(rec)}
    carried_next = {f"d{n}" for n, _, _ in rec.loop.carried}
    if quantity not in steps and quantity not in carried_next:
        known = ", ".join([*sorted(carried_next), *steps])
        raise UnknownNameError(f"the loop computes no {quantity}", hint=f"known: {known}")
    rename = _renamer(rec)
    lines = []
    if quantity in carried_next:
        lines += _explain_carried(rec, quantity)
    else:
        how, body = steps[quantity]
        lines.append(rename(f"{quantity} {how} {body}"))
        lines += _explain_uses(rec, quantity, how)
        lines += _explain_labels(rec, quantity)
        if quantity in {f"d{p}" for _, p, _ in rec.loop.carried}:
            lines += _explain_prev(rec, quantity)
    if values is not None and any(w.startswith("Waa") or w == "Waa" for w in rec.params):
        lines += [""] + vanishing(rec, values)
    return "\n".join(lines)


def _explain_uses(rec: Recurrence, quantity: str, how: str) -> list[str]:
    step = next(s for s in rec.derivation.steps if s.target == quantity)
    rename = _renamer(rec)
    uses = [rename(c.consumer) for c in step.contributions if c.consumer != "J_cell"]
    out = []
    if len(uses) > 1:
        out.append(
            f"{rename(step.of)} is used {len(uses)} times in one step ({', '.join(uses)}): a "
            "quantity used several times receives the sum of the gradients of its uses, one term "
            "each."
        )
    if how == "+=":
        out.append(
            f"{step.of} is the same matrix at every step t = 1 … {rec.loop.time}: the loop uses "
            f"it {rec.loop.time} times, so {quantity} is the sum over t of the gradient of each "
            f"use — the line above is one term, and the reverse loop accumulates it "
            f"({quantity} += …, never {quantity} = …)."
        )
    return out


def _explain_carried(rec: Recurrence, quantity: str) -> list[str]:
    v = quantity[1:]
    prev = next(p for n, p, _ in rec.loop.carried if n == v)
    names = course_names(rec)
    written = {vv: a for a, vv in rec.loop.stacked}
    out = []
    if v in written:
        out.append(f"{quantity} = d{written[v]}⟨t⟩ + d{prev}")
        out.append(
            f"{names[v]} has two uses: the output at step t (its gradient d{written[v]}⟨t⟩, "
            f"given from above) and step t+1, which reads it as {prev} (its gradient d{prev}, "
            f"just computed by step t+1 of the reverse loop). A quantity "
            f"used several times receives the sum of the gradients of its uses, so they add."
        )
    else:
        out.append(f"{quantity} = d{prev}")
        out.append(f"{names[v]} is used by step t+1 only: its gradient is step t+1's d{prev}.")
    return out


def _explain_prev(rec: Recurrence, quantity: str) -> list[str]:
    prev = quantity[1:]
    name = next(n for n, p, _ in rec.loop.carried if p == prev)
    names = course_names(rec)
    out = [
        f"{quantity} is the gradient of {names[prev]}; the loop hands it to step t−1, where it "
        f"becomes part of d{name}."
    ]
    if "c" in name and "ft" in names:
        out.append(
            f"{names[name]} = Γf⟨t⟩ ⊙ {names[prev]} + Γu⟨t⟩ ⊙ c̃⟨t⟩, so the only path from "
            f"{names[prev]} is through Γf⟨t⟩: d{prev} = d{name} ⊙ Γf⟨t⟩, where d{name} already "
            f"holds both paths into {names[name]} — from step t+1 and through a⟨t⟩ = Γo⟨t⟩ ⊙ "
            f"tanh({names[name]})."
        )
    return out


def vanishing(rec: Recurrence, values: Mapping[str, np.ndarray], clip: float = 5.0) -> list[str]:
    """How much of the last step's gradient reaches each earlier step (the product of Waaᵀ and
    tanh′ factors the derivation multiplies at each step), computed by the derived cell."""
    lp = rec.loop
    fwd = rec.forward(values)
    carried = lp.carried[0]
    name, prev, _ = carried
    cell_in = {v.name for v in lp.cell.inputs}
    grad = np.ones_like(fwd["caches"][-1][rec.cache_names.index(name)])
    norms = []
    for t in reversed(range(len(fwd["caches"]))):
        given = dict(zip(rec.cache_names, fwd["caches"][t], strict=True))
        inputs = {k: v for k, v in {**values, **given}.items() if k in cell_in}
        for v in rec.cotangents:
            inputs[f"d{v}"] = grad if v == name else np.zeros_like(given[v])
        grad = rec.cell.gradients(inputs)[f"d{prev}"]
        norms.append(float(np.linalg.norm(grad)))
    step = f"d{prev} = {_renamer(rec)(_steps_dict(rec)[f'd{prev}'])}"
    lines = [
        "Vanishing and exploding gradients: each step of the reverse loop multiplies by the same "
        f"factors ({step}), so the gradient from the last step reaching k steps back is a product "
        "of k such factors (Waaᵀ times tanh′ = 1 − a⟨t⟩², which is at most 1).",
        "‖gradient reaching a⟨T−k⟩‖ from a gradient of ones at a⟨T⟩, with these values:",
    ]
    lines += [f"    k = {k + 1:>3}: {n:.3e}" for k, n in enumerate(norms)]
    lines.append(
        "The course clips every gradient before the update so that an exploding product cannot "
        f"throw the parameters away: np.clip(g, -maxValue, maxValue) (maxValue = {clip:g} in its "
        "dinosaur-names model); chainrule.recur.clip does the same."
    )
    return lines


def _steps_dict(rec: Recurrence) -> dict[str, str]:
    return {t: body for t, _, body in _steps(rec)}
