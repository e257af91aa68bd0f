"""Work that grows with depth is counted here, not timed (timings live in bench/growth.py).

* The chain rule through k nested tanh is a product of k factors (1 − tanhʲ(x)²); expanding it
  writes 2ᵏ terms. The simplifier must not try: 14 nested tanh took over a minute before.
* A ``--steps`` document asks the algebra about every step; each question must not re-index the
  whole program, or the document is quadratic in depth (256 layers took 21 s).
"""

from __future__ import annotations

import importlib

import numpy as np
import sympy

import chainrule as cr
from chainrule.explain.steps import derivation_document

simplify_module = importlib.import_module("chainrule.algebra.simplify")


def nested(k: int) -> str:
    e = "x"
    for _ in range(k):
        e = f"np.tanh({e})"
    return f"np.sum({e})"


def test_fourteen_nested_tanh_are_never_expanded() -> None:
    x = sympy.Symbol("x", real=True)
    factors, t = [], x
    for _ in range(14):
        t = sympy.tanh(t)
        factors.append(1 - t**2)
    forms = simplify_module._candidates(sympy.Mul(*factors))
    assert all(len(sympy.Add.make_args(f)) <= simplify_module.MAX_TERMS for f in forms)


def test_fourteen_nested_tanh_differentiate_correctly() -> None:
    g = cr.grad(nested(14), "x", {"x": (3, 1)})
    x = np.array([[0.3], [-1.1], [2.0]])

    def f(x: np.ndarray) -> float:
        for _ in range(14):
            x = np.tanh(x)
        return float(np.sum(x))

    fd = np.array([[(f(x + e) - f(x - e)) / 2e-6] for e in np.eye(3)[:, :, None] * 1e-6])
    np.testing.assert_allclose(g(x=x), fd.reshape(3, 1), rtol=1e-6)


def count_indexing(layers: int, monkeypatch) -> int:
    """How many times the algebra indexes a set of definitions while writing the document."""
    calls = []
    original = simplify_module.Definitions.__init__

    def counting(self, names) -> None:  # noqa: ANN001
        calls.append(len(names))
        original(self, names)

    monkeypatch.setattr(simplify_module.Definitions, "__init__", counting)
    net = cr.mlp([4] * layers + [1], hidden="tanh")
    derivation_document(net.derive(), net.describe())
    monkeypatch.undo()
    return sum(calls)  # entries indexed: quadratic when every step re-indexes every layer


def test_a_steps_document_indexes_linearly_in_depth(monkeypatch) -> None:
    small, large = count_indexing(8, monkeypatch), count_indexing(16, monkeypatch)
    assert large <= 2.5 * small, (small, large)
