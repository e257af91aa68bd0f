"""Partial credit: what each named mistake is worth, as a teacher-set rule.

A correct answer earns 1. A wrong answer whose mistake the checker names earns that mistake's credit
from the table; an answer with several named mistakes earns the product of their credits (a missing
1/m *and* a missing transpose: 0.5 × 0.5 = 0.25); an answer that matches no known mistake earns
``"unrecognised"``; a named mistake the table does not list earns ``"other"`` (the mistake library
grows). ``scoring={"missing-1/m": 0.5}`` overrides single entries of :data:`DEFAULT_CREDIT`.

The defaults follow one idea: the more of the derivation is right, the more credit. A convention
slip (1/m) or a NumPy shape detail (keepdims) keeps half or more; a transpose or order error keeps
half (the chain is right, the arrangement is not); confusing g with g′, ⊙ with a matrix product,
or a layer with another keeps a quarter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

from ..check.mistakes import BY_NAME
from ..errors import SpecError

__all__ = ["DEFAULT_CREDIT", "credit_table", "credit"]

DEFAULT_CREDIT: Mapping[str, float] = MappingProxyType(
    {
        "missing-1/m": 0.5,
        "extra-1/m": 0.5,
        "lost-keepdims": 0.75,
        "wrong-sum-axis": 0.25,
        "missing-transpose": 0.5,
        "extra-transpose": 0.5,
        "transposed-result": 0.5,
        "product-order": 0.5,
        "elementwise-for-matmul": 0.25,
        "matmul-for-elementwise": 0.25,
        "activation-instead-of-derivative": 0.25,
        "wrong-activation-derivative": 0.5,
        "derivative-at-A": 0.5,
        "missing-activation-derivative": 0.25,
        "missing-regularization": 0.5,
        "missing-dropout-mask": 0.5,
        "wrong-layer-index": 0.25,
        "sign-error": 0.5,
        "stray-factor": 0.5,
        "derivative-with-Z": 0.25,
        "derivative-times-Z": 0.25,
        "output-formula-at-hidden-layer": 0.25,
        "bce-with-softmax": 0.25,
        "softmax-as-elementwise": 0.25,
        "sum-of-product": 0.25,
        "inverse-for-transpose": 0.25,
        "l2-sum": 0.5,
        "l2-coefficient": 0.5,
        "l2-half": 0.5,
        "l2-on-bias": 0.5,
        "dropout-not-rescaled": 0.5,
        "shape-mismatch": 0.0,  # shapes that do not fit, and no known mistake explains why
        "unrecognised": 0.0,
        "other": 0.25,
    }
)


def credit_table(scoring: Mapping[str, float] | None = None) -> dict[str, float]:
    """:data:`DEFAULT_CREDIT` with the teacher's entries put in, each checked."""
    table = dict(DEFAULT_CREDIT)
    for name, value in (scoring or {}).items():
        if name not in table and name not in BY_NAME:
            known = sorted(set(table) | set(BY_NAME))
            raise SpecError(
                f"scoring names {name!r}, which is not a mistake the checker knows",
                hint=f"use one of {', '.join(known)}",
            )
        try:
            v = float(value)
        except (TypeError, ValueError):
            v = math.nan
        if not 0.0 <= v <= 1.0:
            raise SpecError(f"scoring[{name!r}] = {value!r} must be a number from 0 to 1")
        table[name] = v
    return table


def credit(mistakes: tuple[str, ...], table: Mapping[str, float]) -> float:
    """The credit for an answer with these named mistakes (none: 1; unnamed: "unrecognised")."""
    score = 1.0
    for name in mistakes:
        score *= table.get(name, table["other"])
    return score
