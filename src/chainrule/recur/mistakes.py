"""The mistakes learners make in backpropagation through time, as data, and a diagnosis.

Each mistake is a change of one line of the printed reverse loop (so it applies to any recurrence
whose loop has that line) and what it means. ``diagnose`` takes the gradients a learner's own
``rnn_backward`` returned (numbers, never their code) and says which mistake, if any, gives
exactly those numbers: the derived loop, then each mistaken variant of it, compiled and run on
the same values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ..codegen import compile_module
from ..errors import UnknownNameError
from .sequence import Recurrence

__all__ = ["BpttMistake", "MISTAKES", "Diagnosis", "diagnose"]


@dataclass(frozen=True)
class BpttMistake:
    """``edit`` rewrites the printed module's text (``None`` when the loop has no such line)."""

    name: str
    explanation: str
    edit: Callable[[Recurrence, str], str | None]


def _sub(pattern: str, repl: str) -> Callable[[Recurrence, str], str | None]:
    def edit(rec: Recurrence, source: str) -> str | None:
        out, n = re.subn(pattern, repl, source, flags=re.M)
        return out if n else None

    return edit


def _overwrite(rec: Recurrence, source: str) -> str | None:
    names = "|".join(re.escape(f"d{w}") for w in rec.params)
    out, n = re.subn(rf"^(\s+)({names}) \+= ", r"\1\2 = ", source, flags=re.M)
    return out if n else None


MISTAKES = (
    BpttMistake(
        "forgot the gradient from the next step",
        "da_next must be da⟨t⟩ + da_prev: a⟨t⟩ is used by the output at t and by step t+1, and a "
        "quantity used twice receives the sum of both gradients. Passing da[:, :, t] alone drops "
        "everything that flows back through time.",
        _sub(r"^(\s+d\w+_next) = (d\w+\[[:, ]*t\]) \+ d\w+_prev$", r"\1 = \2"),
    ),
    BpttMistake(
        "forgot the gradient from the output at t",
        "da_next must be da⟨t⟩ + da_prev; passing da_prev alone (zeros at the last step) drops the "
        "output's gradient, and with it every gradient of the sequence — all zeros.",
        _sub(r"^(\s+d\w+_next) = d\w+\[[:, ]*t\] \+ (d\w+_prev)$", r"\1 = \2"),
    ),
    BpttMistake(
        "overwrote the parameter gradients instead of accumulating them",
        "The weights are shared by every step, so their gradient is the sum over t of the "
        "gradient of each use: dWaa += …, not dWaa = … (which keeps only the first step's term, "
        "the last one the reverse loop visits).",
        _overwrite,
    ),
    BpttMistake(
        "used a⟨t⟩ where a⟨t−1⟩ belongs",
        "dWaa = dz a⟨t−1⟩ᵀ: Waa multiplies the previous state a⟨t−1⟩ (a_prev in the cache), so its "
        "gradient is the step's dz times a⟨t−1⟩ᵀ, not a⟨t⟩ᵀ.",
        _sub(r"(dWaa \+= .*)\ba_prev\.T", r"\1a_next.T"),
    ),
    BpttMistake(
        "tanh′ evaluated at the wrong step",
        "tanh′ at step t is 1 − a⟨t⟩² (a_next, the output of this step's tanh), not 1 − a⟨t−1⟩².",
        _sub(r"\(1 - a_next\*\*2\)", "(1 - a_prev**2)"),
    ),
    BpttMistake(
        "dc_prev is missing its Γf factor",
        "c⟨t⟩ = Γf ⊙ c⟨t−1⟩ + Γu ⊙ c̃⟨t⟩, so dc_prev = dc_next ⊙ Γf⟨t⟩ (dc_next already holding the "
        "path through a⟨t⟩); without Γf the cell state's gradient never decays.",
        _sub(r"^(\s+dc_prev) = ft \* dc_next$", r"\1 = dc_next"),
    ),
)


@dataclass(frozen=True)
class Diagnosis:
    """``correct``; otherwise ``mistake`` (or ``None``: no known mistake gives these numbers)."""

    correct: bool
    mistake: BpttMistake | None
    differing: tuple[str, ...]  # the gradients that differ from the derived ones

    def __str__(self) -> str:
        if self.correct:
            return "correct: every gradient agrees with the derived reverse loop"
        head = f"wrong: {', '.join(self.differing)} differ from the derived reverse loop"
        if self.mistake is None:
            return head + "; no known mistake gives these numbers"
        return f"{head}.\nmistake: {self.mistake.name}.\n{self.mistake.explanation}"


def _run(rec: Recurrence, source: str, values: Mapping, upstream: Mapping) -> dict:
    module = compile_module(source, "bptt variant")
    v = rec._values(values)
    fwd = module["forward"](**v)
    ups = {f"d{a}": np.asarray(upstream.get(a, np.zeros_like(fwd[a]))) for a in rec.upstream_arrays}
    return module["backward"](**ups, caches=fwd["caches"], **v)


def _same(a: Mapping, b: Mapping, keys: list[str]) -> list[str]:
    return [
        k
        for k in keys
        if np.shape(a[k]) != np.shape(b[k]) or not np.allclose(a[k], b[k], rtol=1e-7, atol=1e-10)
    ]


def diagnose(
    rec: Recurrence,
    values: Mapping[str, np.ndarray],
    upstream: Mapping[str, np.ndarray],
    theirs: Mapping[str, np.ndarray],
) -> Diagnosis:
    """Which mistake, if any, turns the derived loop into the learner's numbers ``theirs``
    (``{"dWaa": …, "dx": …}``, any subset of the gradients)."""
    right = rec.backward(values, upstream)
    keys = [k for k in theirs if k in right]
    unknown = sorted(set(theirs) - set(right))
    if unknown:
        raise UnknownNameError(
            f"the loop computes no {unknown[0]}", hint=f"gradients: {', '.join(sorted(right))}"
        )
    differing = _same(right, theirs, keys)
    if not differing:
        return Diagnosis(True, None, ())
    source = rec.source()
    for mistake in MISTAKES:
        variant = mistake.edit(rec, source)
        if variant is None:
            continue
        if not _same(_run(rec, variant, values, upstream), theirs, keys):
            return Diagnosis(False, mistake, tuple(differing))
    return Diagnosis(False, None, tuple(differing))
