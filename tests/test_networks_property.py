"""Property: for random networks, every derived dW, db, dZ, dA equals central finite differences.

Networks of depth 1–6 and widths 1–8, every hidden activation (one for all layers, or a mix; a
user-defined swish among them), every output/loss pair, 1–7 examples, both conventions and both
layouts. ``net.gradients`` runs the NumPy code printed from the derivation; the reference re-runs
the forward pass with the reference interpreter after perturbing one entry of the named quantity:

* ``dW``, ``db`` are gradients of the cost J in both conventions;
* ``dZ``, ``dA`` are gradients of m·J = Σᵢ L⁽ⁱ⁾ in the course convention, of J in the exact one.

Relu kinks are avoided by construction: parameters are redrawn until every pre-activation of a
kinked layer is at least 1e-3 from 0, a thousand times the finite-difference step.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule import scalar
from chainrule.evaluate import bind, evaluate, run

Z = sympy.Symbol("z")
CUSTOM = {"swish": cr.activation("swish", Z * scalar.sigmoid(Z))}  # a user-defined activation
HIDDEN = ["tanh", "relu", "sigmoid", "leaky_relu", "softplus", "swish"]
KINKED = {"relu", "leaky_relu"}
PAIRS = [("sigmoid", "bce"), ("softmax", "ce"), ("linear", "mse"), ("tanh", "mse")]
H = 1e-6  # central-difference step

# The textbook definitions, independent of chainrule, for the cost check.
ACTIVATIONS = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "softplus": lambda z: np.log1p(np.exp(z)),
    "linear": lambda z: z,
    "swish": lambda z: z / (1.0 + np.exp(-z)),
}


@st.composite
def networks(draw: st.DrawFn) -> dict:
    depth = draw(st.integers(1, 6))
    output, loss = draw(st.sampled_from(PAIRS))
    sizes = draw(st.lists(st.integers(1, 8), min_size=depth, max_size=depth))
    n_out = 1 if loss == "bce" else draw(st.integers(2 if loss == "ce" else 1, 8))
    mixed = st.lists(st.sampled_from(HIDDEN), min_size=depth - 1, max_size=depth - 1)
    hidden = draw(st.one_of(st.sampled_from(HIDDEN), mixed))
    return {
        "layers": [*sizes, n_out],
        "hidden": hidden,
        "output": output,
        "loss": loss,
        "layout": draw(st.sampled_from(["columns", "rows"])),
        "convention": draw(st.sampled_from(["course", "exact"])),
        "m": draw(st.integers(1, 7)),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


_NETWORKS: dict[tuple, cr.Network] = {}


def network(case: dict) -> cr.Network:
    hidden = [CUSTOM.get(h, h) for h in hidden_names(case)]
    key = (tuple(case["layers"]), str(hidden), case["output"], case["loss"], case["layout"])
    if key not in _NETWORKS:
        _NETWORKS[key] = cr.mlp(
            case["layers"], hidden, case["output"], case["loss"], layout=case["layout"]
        )
    return _NETWORKS[key]


def hidden_names(case: dict) -> list[str]:
    L = len(case["layers"]) - 1
    h = case["hidden"]
    return [h] * (L - 1) if isinstance(h, str) else list(h)


def as_layout(a: np.ndarray, layout: str) -> np.ndarray:
    """Arrays are drawn examples-as-columns; the rows layout stores their transposes."""
    return a if layout == "columns" else a.T.copy()


def draw_data(case: dict, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n, m, loss = case["layers"], case["m"], case["loss"]
    X = rng.normal(0.0, 1.0, (n[0], m))
    if loss == "bce":
        Y = rng.integers(0, 2, (1, m)).astype(float)
    elif loss == "ce":
        Y = np.eye(n[-1])[:, rng.integers(0, n[-1], m)]
    else:
        Y = rng.normal(0.0, 1.0, (n[-1], m))
    return as_layout(X, case["layout"]), as_layout(Y, case["layout"])


def draw_params(case: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    params = {}
    n = case["layers"]
    for l in range(1, len(n)):
        W = rng.normal(0.0, 1.2 / np.sqrt(n[l - 1]), (n[l], n[l - 1]))
        b = rng.normal(0.0, 0.5, (n[l], 1))
        params[f"W{l}"], params[f"b{l}"] = (
            as_layout(W, case["layout"]),
            as_layout(b, case["layout"]),
        )
    return params


def kink_free_params(case: dict, net: cr.Network, X, Y, rng) -> dict[str, np.ndarray]:
    """Parameters whose relu-family pre-activations are all ≥ 1e-3 away from the kink."""
    kinked = [l for l, h in enumerate(hidden_names(case), start=1) if h in KINKED]
    for _ in range(1000):
        params = draw_params(case, rng)
        if not kinked:
            return params
        env = run(net.program, net.values(params, X, Y))
        if all(np.min(np.abs(env[f"Z{l}"])) >= 1e-3 for l in kinked):
            return params
    raise AssertionError("no kink-free parameters in 1000 draws")  # never, at these sizes


def reference_cost(case: dict, params: dict, X: np.ndarray, Y: np.ndarray) -> float:
    """J = (1/m) Σᵢ L⁽ⁱ⁾ in plain NumPy, examples as columns."""
    cols = case["layout"] == "columns"
    A, Y = (X, Y) if cols else (X.T, Y.T)
    acts = [*hidden_names(case), case["output"]]
    for l, act in enumerate(acts, start=1):
        W, b = (
            (params[f"W{l}"], params[f"b{l}"]) if cols else (params[f"W{l}"].T, params[f"b{l}"].T)
        )
        Z = W @ A + b
        A = np.exp(Z) / np.sum(np.exp(Z), axis=0) if act == "softmax" else ACTIVATIONS[act](Z)
    if case["loss"] == "bce":
        L = -(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    elif case["loss"] == "ce":
        L = -np.sum(Y * np.log(A), axis=0)
    else:
        L = 0.5 * np.sum((A - Y) ** 2, axis=0)
    return float(np.sum(L) / case["m"])


def finite_differences(net, values, name, scale, entries, logs=()) -> list[float]:
    """∂(scale·J)/∂name at ``entries``: perturb ``name``, re-run the equations after it.

    A probability a whose ``logs`` are taken ("a": log a, "1-a": log(1 − a)) gets a step relative
    to a (and 1 − a), so the logarithms stay accurate however confident the network is.
    """
    program = net.program
    dims = bind(program.inputs, values)
    env = run(program, values)
    names = [eq.name for eq in program.equations]
    rest = program.equations[names.index(name) + 1 :] if name in names else program.equations

    def cost(x: np.ndarray) -> float:
        e = {**env, name: x}
        for eq in rest:
            e[eq.name] = evaluate(eq.expr, e, dims)
        return scale * float(e["J"])

    out = []
    for idx in entries:
        a = env[name][idx]
        h = H * min([1.0] + [a] * ("a" in logs) + [1.0 - a] * ("1-a" in logs))
        plus, minus = env[name].copy(), env[name].copy()
        plus[idx] += h
        minus[idx] -= h
        out.append((cost(plus) - cost(minus)) / (2 * h))
    return out


def expected_gradients(L: int) -> set[str]:
    return {f"{q}{l}" for q in ("dW", "db", "dZ", "dA") for l in range(1, L + 1)}


@settings(max_examples=200, deadline=None)
@given(networks())
def test_every_derived_gradient_matches_finite_differences(case: dict) -> None:
    net = network(case)
    rng = np.random.default_rng(case["seed"])
    X, Y = draw_data(case, rng)
    params = kink_free_params(case, net, X, Y, rng)
    values = net.values(params, X, Y)
    assert np.isclose(net.cost(params, X, Y), reference_cost(case, params, X, Y), rtol=1e-10)

    grads = net.gradients(params, X, Y, convention=case["convention"], every=True)
    assert set(grads) == expected_gradients(net.L)
    per_example = case["m"] if case["convention"] == "course" else 1
    quantities = run(net.program, values)
    for target, g in grads.items():
        name = target[1:]
        assert g.shape == quantities[name].shape, target
        entries = list(np.ndindex(g.shape))  # every entry: the networks are small
        scale = 1 if target.startswith(("dW", "db")) else per_example
        logs = {"bce": ("a", "1-a"), "ce": ("a",)}.get(case["loss"], ())
        logs = logs if name == f"A{net.L}" else ()
        fd = finite_differences(net, values, name, scale, entries, logs)
        derived = [g[idx] for idx in entries]
        np.testing.assert_allclose(derived, fd, rtol=1e-5, atol=1e-7, err_msg=f"{target} {case}")


# -- float32 end to end --------------------------------------------------------------------------
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize(("output", "loss"), PAIRS)
@pytest.mark.parametrize("layout", ["columns", "rows"])
def test_float32_in_float32_out(hidden: str, output: str, loss: str, layout: str) -> None:
    """float32 parameters and data give float32 gradients, equal to float64's in float32."""
    case = {"layers": [3, 4, 3, 1 if loss == "bce" else 3], "hidden": hidden, "output": output}
    case |= {"loss": loss, "layout": layout, "m": 5}
    activation = CUSTOM.get(hidden, hidden)
    net = cr.mlp(case["layers"], activation, output, loss, layout=layout, l2=0.1, keep_prob=0.8)
    rng = np.random.default_rng(7)
    X, Y = draw_data(case, rng)
    params = draw_params(case, rng)
    masks = {f"D{l}": (rng.random((4, 5) if l == 1 else (3, 5)) < 0.8) * 1.0 for l in (1, 2)}
    masks = {k: as_layout(v, layout) for k, v in masks.items()}
    as32 = lambda d: {k: v.astype(np.float32) for k, v in d.items()}  # noqa: E731
    for convention in ("course", "exact"):
        g64 = net.gradients(params, X, Y, convention, masks=masks)
        X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
        g32 = net.gradients(as32(params), X32, Y32, convention, masks=as32(masks))
        assert {k: v.dtype for k, v in g32.items()} == {k: np.dtype(np.float32) for k in g64}
        for k in g64:
            np.testing.assert_allclose(g32[k], g64[k], rtol=2e-3, atol=2e-5, err_msg=k)
    cost = net.forward(as32(params), X.astype(np.float32), Y.astype(np.float32))["J"]
    assert np.asarray(cost).dtype == np.float32


def test_arrays_that_are_not_numbers_are_chainrule_errors() -> None:
    net = cr.mlp([2, 3, 1], hidden="tanh")
    params, Y = net.init(seed=0), np.ones((1, 4))
    for X in ("x", [[1.0, 2.0], [3.0]], np.ones((3, 4)), np.ones((2, 5))):
        with pytest.raises(cr.ChainruleError):
            net.gradients(params, X, Y)
    with pytest.raises(cr.ChainruleError, match="b1"):
        net.gradients({"W1": params["W1"]}, np.ones((2, 4)), Y)
