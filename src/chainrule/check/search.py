"""Which mistakes did the learner make? A ranked search over combinations of named mistakes.

A diagnosis is a short list of named mistakes whose combined transformation of the correct formula
gives the learner's numbers on every draw. The search tries fewer mistakes first and, among
explanations with as many mistakes, the most plausible: the product of the mistakes' priors
(:attr:`Mistake.prior`, how often learners make each one).

Two kinds of mistake are searched differently:

* structural ones (a lost transpose, ``*`` for ``@``, the wrong derivative…) are the library's
  mutations of the correct formula, applied once or twice (a second mutation is applied to the
  result of the first);
* constant factors are never enumerated: the ratio of the learner's numbers to a candidate's is
  computed draw by draw, and a ratio ``s · r · mᵏ`` (s = ±1, r ∈ {1, 2, ½, 4, ¼, 3, ⅓},
  k ∈ {−2 … 2}; ``m`` changes from draw to draw, so ``k`` is seen) names a sign error, a stray
  factor and 1/m's too many or missing — on top of any structural candidate.

So "up to three mistakes" is: two structural mutations, or one or two with a constant factor.
Candidates are deduplicated by their numbers on the first draw, and the second level is capped so
that a formula is answered in about a second.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from ..ir.expr import Expr, walk
from .mistakes import BY_NAME, MISTAKES, Context, Mistake, factor_title
from .numbers import Numbers

__all__ = ["Finding", "diagnose", "constant_mistakes"]

_SECOND_LEVEL = 2500  # mutations of mutations evaluated at most
_FACTORS = (1.0, 2.0, 0.5, 4.0, 0.25, 3.0, 1 / 3)
_POWERS = (0, 1, -1, 2, -2)

Step = tuple[Mistake, dict]  # a mistake and the fields of its explanation


@dataclass(frozen=True)
class Finding:
    """A diagnosis: the mistakes, in order, and the correct form the first one was made on."""

    steps: tuple[Step, ...]
    form: Expr
    overlap: int = 0  # names the form shares with the learner's formula: their spelling

    @property
    def score(self) -> tuple[int, float, int]:
        """Fewer mistakes first, then the most plausible (the product of the priors), then the
        one made on the correct form closest to the learner's."""
        return (-len(self.steps), math.prod(m.prior for m, _ in self.steps), self.overlap)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m, _ in self.steps)


def diagnose(
    e: Expr, right: Expr, ctx: Context, numbers: Numbers, deep: bool = True
) -> Finding | None:
    """The best explanation of the learner's ``e`` by up to three named mistakes, or None
    (``deep=False``: one structural mistake at most)."""
    best: Finding | None = None
    situation = _situations(ctx)
    level1 = list(_level(ctx, ctx.forms))
    candidates = [(f, (), f) for f in ctx.forms] + [(v, (s,), s[1]["form"]) for v, s in level1]
    for v, steps, form in candidates:
        best = _better(best, _explain(e, v, steps, form, numbers, situation))
    if best is not None and len(best.steps) <= 1 or not deep:
        return best
    for v, steps, form in _second(level1, ctx, numbers):
        best = _better(best, _explain(e, v, steps, form, numbers, situation))
    return best


def _level(ctx: Context, forms: tuple[Expr, ...]) -> Iterator[tuple[Expr, Step]]:
    """Every mutation of ``forms`` by every structural mistake (constants are found by ratio)."""
    ctx = replace(ctx, forms=forms)
    for mistake in MISTAKES:
        if mistake.name in _CONSTANT:
            continue
        for v, fields in mistake.mutate(ctx):
            yield v, (mistake, {**fields, "form": fields.get("form", forms[0])})


def _second(level1: list, ctx: Context, numbers: Numbers) -> Iterator[tuple[Expr, tuple, Expr]]:
    """Mutations of the first level's mutations, each distinct set of numbers once."""
    seen: set[bytes] = set()
    firsts = []
    for v, step in level1:
        key = _fingerprint(v, numbers)
        if key is not None and key not in seen:
            seen.add(key)
            firsts.append((v, step))
    firsts.sort(key=lambda p: -p[1][0].prior)
    pairs = (
        (w, (step, second), step[1]["form"])
        for v, step in firsts
        for w, second in _level(ctx, (v,))
        if second[0].name != step[0].name or second[0].name == "wrong-layer-index"
    )
    yield from itertools.islice(pairs, _SECOND_LEVEL)


def _fingerprint(v: Expr, numbers: Numbers) -> bytes | None:
    x = numbers.value(v, 0)
    return None if x is None else np.round(x, 8).tobytes() + str(x.shape).encode()


def _better(a: Finding | None, b: Finding | None) -> Finding | None:
    if a is None:
        return b
    if b is None:
        return a
    return b if b.score > a.score else a


def _explain(
    e: Expr, v: Expr, steps: tuple, form: Expr, numbers: Numbers, situation: dict
) -> Finding | None:
    """``e`` is ``v`` times a named constant: the steps, plus the constant's mistakes."""
    if numbers.same(e, v):
        return Finding(steps, form, _overlap(form, e)) if steps else None
    ratios = numbers.ratio(e, v)
    if ratios is None:
        return None
    extra = constant_mistakes(ratios, numbers.sizes, situation)
    if extra is None or not extra:
        return None
    return Finding((*steps, *extra), form, _overlap(form, e))


def _overlap(form: Expr, e: Expr) -> int:
    """How many names the two formulas share, less those only the form uses."""
    mine, theirs = {n for n in walk(form) if n.op == "var"}, {n for n in walk(e) if n.op == "var"}
    return len(mine & theirs) - len(mine - theirs)


_CONSTANT = {"stray-factor"}  # found by ratio only


def _situations(ctx: Context) -> dict:
    """The situations of the 1/m mistakes' explanations for this quantity."""
    if ctx.model:  # a model's cost is the learner's own, not the course's (1/m) Σ L
        return {"missing-1/m": "default", "extra-1/m": "default"}
    if ctx.convention == "exact":
        return {"missing-1/m": "exact", "extra-1/m": "exact"}
    if ctx.kind == "intermediate":
        return {"missing-1/m": "default", "extra-1/m": "per-example"}
    return {"missing-1/m": "param", "extra-1/m": "twice"}


def constant_mistakes(
    ratios: tuple[float, ...], sizes: tuple[int, ...], situation: dict
) -> tuple[Step, ...] | None:
    """The named mistakes a constant ratio ``c = s · r · mᵏ`` stands for (None if unnamed)."""
    for k in _POWERS:
        for r in _FACTORS:
            for s in (1, -1):
                want = [s * r * float(m) ** k for m in sizes]
                if all(math.isclose(c, w, rel_tol=1e-6) for c, w in zip(ratios, want, strict=True)):
                    return _named(s, r, k, situation)
    return None


def _named(s: int, r: float, k: int, situation: dict) -> tuple[Step, ...]:
    steps: list[Step] = []
    if s < 0:
        steps.append((BY_NAME["sign-error"], {}))
    if r != 1:
        k_text = f"{r:g}" if r >= 1 else f"1/{round(1 / r)}"
        steps.append((BY_NAME["stray-factor"], {"title": factor_title(r), "k": k_text}))
    name = "missing-1/m" if k > 0 else "extra-1/m"
    steps += [(BY_NAME[name], {"situation": situation[name]})] * abs(k)
    return tuple(steps)
