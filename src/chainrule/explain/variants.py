"""The same quantity in the other convention and the other layout, checked with numbers.

Switching the convention (course ↔ exact) changes what every ``d·`` is a gradient of; switching
the layout (columns ↔ rows) transposes every per-example matrix and every weight. Both are shown as
the other derivation's own formula, and the relation between the two values (a factor 1/m, a
transpose) is measured on the same seeded numbers rather than asserted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..autodiff.derivation import Derivation
from ..autodiff.program import Equation
from ..evaluate import run
from ..ir.expr import Expr
from ..nets.network import Network
from .chain import chain_terms
from .doc import Naming
from .numeric import M, example_inputs

__all__ = ["Variant", "network_values", "variants", "other_network"]


@dataclass(frozen=True)
class Variant:
    """``quantity = formula`` in ``convention`` and ``layout``; ``relation`` to the explained one.

    ``relation`` is ``"same"`` (equal values), ``"scaled"`` (``ratio`` times the value) or
    ``"transposed"``; ``checked`` says the numbers confirmed it.
    """

    convention: str
    layout: str
    formula: Expr
    naming: Naming
    equation: Equation | None
    relation: str
    ratio: float
    checked: bool


def other_network(net: Network, layout: str) -> Network:
    """The same network with its examples as ``layout``."""
    return net if net.spec.layout == layout else Network(replace(net.spec, layout=layout))


def network_values(net: Network, seed: int = 0, m: int = M) -> dict[str, np.ndarray]:
    """Seeded inputs for ``net``: parameters, X, labels fitting the loss, dropout masks.

    They are drawn for the columns layout and transposed for rows, so both layouts see the same
    numbers.
    """
    cols = other_network(net, "columns")
    base = example_inputs(cols.program, seed, m)
    rng = np.random.default_rng(seed + 1)
    Y = _labels(cols, base["Y"].shape, rng)
    masks = {
        v: (rng.random(base[v].shape) < 0.75).astype(float) for v in cols.program.meta["masks"]
    }
    params = {k: base[k] for k in cols.program.params}
    values = cols.values(params, base["X"], Y, masks or None)
    if net.spec.layout == "rows":
        values = {k: (v.T.copy() if np.ndim(v) == 2 else v) for k, v in values.items()}
    return values


def _labels(net: Network, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    if net.spec.loss == "bce":
        return (rng.random(shape) < 0.5).astype(float)
    if net.spec.loss == "ce":
        return np.eye(shape[0])[:, rng.integers(0, shape[0], shape[1])]
    return rng.standard_normal(shape)


def _relation(here: np.ndarray, there: np.ndarray, swapped: bool) -> tuple[str, float, bool]:
    """How ``there`` relates to ``here``. The other layout is a transpose whatever the shapes say:
    with m equal to a width, a square matrix and its transpose have the same shape."""
    if swapped and here.ndim == 2 and here.shape != (1, 1):
        return "transposed", 1.0, bool(np.allclose(here.T, there, rtol=1e-9, atol=1e-12))
    denom = float(np.sum(here * here))
    ratio = float(np.sum(here * there) / denom) if denom else 1.0
    ok = bool(np.allclose(there, ratio * here, rtol=1e-9, atol=1e-12))
    return ("same" if abs(ratio - 1) < 1e-9 else "scaled"), ratio, ok


def _matrix_equation(d: Derivation, quantity: str) -> Equation | None:
    """The first equation of the chain with a matrix product: where the layout shows."""
    for term in chain_terms(d, d[quantity]):
        for f in term.factors:
            if f.kind == "matrix" and f.equation is not None:
                return f.equation
    return None


def _variant(
    net: Network, d: Derivation, quantity: str, here: np.ndarray, seed: int, swapped: bool
) -> Variant:
    step = d[quantity]
    there = run(d.program, network_values(net, seed), d)[quantity]
    relation, ratio, ok = _relation(here, np.asarray(there), swapped)
    eq = _matrix_equation(d, quantity)
    naming = Naming(d.program.layer_names, d.program.batch)
    return Variant(d.convention, net.spec.layout, step.expanded, naming, eq, relation, ratio, ok)


def variants(net: Network, convention: str, quantity: str, here: np.ndarray, seed: int = 0):
    """The quantity in the other convention, then in the other layout."""
    other_conv = "exact" if convention == "course" else "course"
    other_layout = "rows" if net.spec.layout == "columns" else "columns"
    swapped = other_network(net, other_layout)
    out = []
    for n, conv in ((net, other_conv), (swapped, convention)):
        d = n.derive(conv)
        if quantity in d.targets:
            v = _variant(n, d, quantity, here, seed, n is swapped)
            out.append(v if n is swapped else replace(v, equation=None))
    return tuple(out)
