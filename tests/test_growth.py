"""Work that grows with depth is counted here, not timed (timings live in bench/growth.py).

* The chain rule through k nested tanh is a product of k factors (1 − tanhʲ(x)²); expanding it
  writes 2ᵏ terms. The simplifier must not try: 14 nested tanh took over a minute before.
* A ``--steps`` document asks the algebra about every step; each question must not re-index the
  whole program, or the document is quadratic in depth (256 layers took 21 s).
* That product is a DAG of ~5k nodes but ~k²/2 written out (the j-th factor holds the j inner
  functions). What the algebra is handed, what is printed (formula, NumPy module, derivation,
  ``--steps``) and what the printed code computes must follow the DAG: at depth 2k at most 2.2
  times what it is at depth k, each nested function computed once, and the gradient at depth 64
  equal to central differences in float64 (three families: tanh, tanh/sinh/sin, W @ tanh layers).
"""

from __future__ import annotations

import importlib
import json

import numpy as np
import sympy

import chainrule as cr
from chainrule.cli import main
from chainrule.explain.formats import render
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


def test_sixteen_alternating_functions_are_never_expanded() -> None:
    """Six tanh among them make 2⁶ = 64 terms, each a product of 16 nested functions: few terms,
    but expanding them cost SymPy a second; the product is the form to read."""
    x = sympy.Symbol("x", real=True)
    factors, t = [], x
    for k in range(16):
        f = (sympy.tanh, sympy.sinh, sympy.sin)[k % 3]
        factors.append(sympy.diff(f(x), x).subs(x, t))
        t = f(t)
    forms = simplify_module._candidates(sympy.Mul(*factors))
    assert all(len(sympy.Add.make_args(f)) == 1 for f in forms)  # products, never 64 terms


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


# -- linear in depth: the derivative through n nested functions is a DAG of ~5n nodes whose
# written-out form has ~n²/2; simplification, printing and the code that runs must follow the DAG.
def nested_layers(k: int) -> str:
    e = "x"
    for _ in range(k):
        e = f"np.tanh(W @ {e})"
    return f"np.sum({e})"


def alternating(k: int) -> str:
    e = "x"
    for i in range(k):
        e = ("np.tanh({})", "np.sinh({})", "np.sin({})")[i % 3].format(e)
    return f"np.sum({e})"


SHAPES = {"x": (3, 1), "W": (3, 3)}


def sympy_nodes(source: str, wrt: str, monkeypatch) -> int:
    """SymPy nodes the simplifier hands to its algebra while deriving ``source``."""
    handed = []
    original = simplify_module._choose

    def counting(s, refold):  # noqa: ANN001, ANN202
        handed.append(sum(1 for _ in sympy.preorder_traversal(s)))
        return original(s, refold)

    simplify_module._simplified.cache_clear()  # a tree derived before must be simplified again
    monkeypatch.setattr(simplify_module, "_choose", counting)
    assert cr.grad(source, wrt, SHAPES).expr.shape == SHAPES[wrt]
    monkeypatch.undo()
    return sum(handed)


def test_the_algebra_sees_work_linear_in_depth(monkeypatch) -> None:
    for family, wrt in ((nested, "x"), (alternating, "x"), (nested_layers, "W")):
        small, large = (
            sympy_nodes(family(64), wrt, monkeypatch),
            sympy_nodes(family(128), wrt, monkeypatch),
        )
        assert large <= 2.2 * small, (family.__name__, small, large)


def printed(source: str, wrt: str) -> int:
    """Characters of everything printed for the gradient: the formula, the NumPy module that
    runs, and the derivation's lines."""
    g = cr.grad(source, wrt, SHAPES)
    return len(str(g)) + len(g.numpy()) + len(str(g.derivation))


def test_what_is_printed_grows_linearly_with_depth() -> None:
    for family, wrt in ((nested, "x"), (alternating, "x"), (nested_layers, "W")):
        small, large = printed(family(32), wrt), printed(family(64), wrt)
        assert large <= 2.2 * small, (family.__name__, small, large)


def test_a_steps_document_of_a_nested_expression_grows_linearly() -> None:
    def size(k: int) -> int:
        g = cr.grad(nested(k), "x", {"x": (3, 1)})
        return len(render(derivation_document(g.derivation, "f"), "text"))

    small, large = size(32), size(64)
    assert large <= 2.2 * small, (small, large)


def run_printed(g: cr.Gradient, **arrays: np.ndarray) -> np.ndarray:
    """The printed module's ``gradients``, compiled here from its source text."""
    namespace: dict = {}
    exec(compile(g.numpy(), "<printed gradient>", "exec"), namespace)  # our printed code, no input
    return namespace["gradients"](**arrays)["d" + g.wrt]


def central_differences(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:  # noqa: ANN001
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        out[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


def test_printed_code_at_depth_64_computes_each_tanh_once_and_agrees_with_differences() -> None:
    g = cr.grad(nested(64), "x", {"x": (3, 1)})
    body = g.numpy().split("def gradients")[1]
    assert body.count("np.tanh(") == 64  # each nested tanh once: its value is named, then reused
    x = np.array([[0.3], [-1.1], [2.0]])

    def f(x: np.ndarray) -> float:
        for _ in range(64):
            x = np.tanh(x)
        return float(np.sum(x))

    fd = central_differences(f, x)
    np.testing.assert_allclose(run_printed(g, x=x), fd, rtol=1e-5)
    np.testing.assert_allclose(g(x=x), fd, rtol=1e-5)


def test_alternating_functions_at_depth_64_agree_with_differences() -> None:
    g = cr.grad(alternating(64), "x", {"x": (3, 1)})
    assert g.numpy().split("def gradients")[1].count("np.sinh(") == 21  # once per sinh level
    x = np.array([[0.4], [-0.7], [1.3]])

    def f(x: np.ndarray) -> float:
        for i in range(64):
            x = (np.tanh, np.sinh, np.sin)[i % 3](x)
        return float(np.sum(x))

    fd = central_differences(f, x)
    np.testing.assert_allclose(run_printed(g, x=x), fd, rtol=1e-5)


def test_sixty_four_layers_sharing_one_weight_agree_with_differences() -> None:
    g = cr.grad(nested_layers(64), "W", SHAPES)
    assert g.numpy().split("def gradients")[1].count("np.tanh(") == 64
    rng = np.random.default_rng(0)
    W, x = rng.normal(0, 0.6, (3, 3)), rng.normal(0, 1, (3, 1))

    def f(W: np.ndarray) -> float:
        a = x
        for _ in range(64):
            a = np.tanh(W @ a)
        return float(np.sum(a))

    fd = central_differences(f, W)
    np.testing.assert_allclose(run_printed(g, W=W, x=x), fd, rtol=1e-5, atol=1e-12)


def test_equal_trees_are_one_node() -> None:
    """Hash-consing: comparing two derivatives' shared parts never walks them."""
    a = cr.parse(nested(40), {"x": (3, 1)})
    b = cr.parse(nested(40), {"x": (3, 1)})
    assert a is b


def test_derive_prints_a_deep_gradient_linearly_with_its_shape_first(capsys) -> None:
    def derive(k: int) -> str:
        assert main(["derive", nested(k), "--wrt", "x", "--shape", "x=3x1"]) == 0
        return capsys.readouterr().out

    small, large = derive(50), derive(100)
    assert large.startswith("∂f/∂x = (1 − tanh(x)²)")
    assert large.splitlines()[0].endswith("(3, 1)")  # the shape, then the named parts below
    assert len(large) <= 2.2 * len(small), (len(small), len(large))


def test_a_deep_model_names_its_parts_after_the_lines_they_read() -> None:
    """Shared parts read earlier lines (``b``): each comes after them, before its first use."""
    b = "a"
    for _ in range(30):
        b = f"np.tanh({b})"
    source = f"a = np.tanh(W @ x)\nb = {b}\nJ = np.sum(b * b)"
    m = cr.model(source, {"W": (3, 3), "x": (3, 1)}, wrt=["W"])
    functions = m.source().split("\ndef ")[1:]  # forward, gradients, backward
    assert [f.count("np.tanh(") for f in functions] == [31, 31, 31]
    rng = np.random.default_rng(1)
    W, x = rng.normal(0, 0.5, (3, 3)), rng.normal(0, 1, (3, 1))

    def J(W: np.ndarray) -> float:
        a = np.tanh(W @ x)
        for _ in range(30):
            a = np.tanh(a)
        return float(np.sum(a * a))

    fd = central_differences(J, W)
    np.testing.assert_allclose(m.gradients({"W": W, "x": x})["dW"], fd, rtol=1e-5, atol=1e-10)


def test_derive_json_grows_linearly_and_its_numpy_statements_compute_the_gradient(capsys) -> None:
    """``derive EXPR --format json``: the ``numpy`` field of a deep gradient names its shared parts
    once (``numpy_where``), so the document is linear in depth, and running those statements in
    order gives the gradient that central differences give."""

    def derive(k: int) -> dict:
        argv = ["derive", nested(k), "--wrt", "x", "--shape", "x=3x1", "--format", "json"]
        assert main(argv) == 0
        return json.loads(capsys.readouterr().out)

    small, large = derive(50), derive(100)
    assert len(json.dumps(large)) <= 2.2 * len(json.dumps(small))
    x = np.random.default_rng(0).uniform(-1, 1, (3, 1))
    names: dict = {"np": np, "x": x}
    for part in large["numpy_where"]:
        names[part["name"]] = eval(part["numpy"], names)  # noqa: S307 - our own printed code
    derived = eval(large["numpy"], names)  # noqa: S307

    def f(v: np.ndarray) -> float:
        for _ in range(100):
            v = np.tanh(v)
        return float(np.sum(v))

    h, expected = 1e-6, np.zeros_like(x)
    for i in range(3):
        e = np.zeros_like(x)
        e[i] = h
        expected[i] = (f(x + e) - f(x - e)) / (2 * h)
    np.testing.assert_allclose(derived, expected, rtol=1e-6, atol=1e-10)
