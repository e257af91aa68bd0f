"""The expression language: a whitelisting parser that never evaluates, and clear errors.

The fuzz tests feed it strings built from the language's own tokens (names, numbers, operators,
NumPy functions, keywords) mixed with junk, and arbitrary text: whatever comes in, nothing but a
:class:`chainrule.ChainruleError` may come out — not from parsing, deriving, printing or running.
"""

from __future__ import annotations

import builtins
import functools
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.errors import (
    ChainruleError,
    EvaluationError,
    ParseError,
    ShapeError,
    UnknownFunctionError,
)
from chainrule.ir import leaves
from chainrule.lang import FUNCTIONS

SHAPES = {
    "W": (3, 4),
    "x": (4, 1),
    "A": (2, 3),
    "b": (3, 1),
    "s": (),
    "X": ("n", "m"),
    "w": ("n", 1),
}

TOKENS = [
    *SHAPES,
    "m", "n", "foo", "T", "np", "numpy", "os", "__import__", "self", "x0",
    "0", "1", "2", "0.5", "3.", "1e400", "1e-400", "10", "1j", "0x1F", "1_0",
    "@", "*", "/", "+", "-", "**", "%", "//", "<", "==", "~", "&", "|", "^", ".", ",", ":", "=",
    "(", ")", "[", "]", "{", "}", ".T", ".shape", "...",
    "np.sum", "np.mean", "np.tanh", "np.exp", "np.log", "np.sqrt", "np.maximum", "np.power",
    "np.dot", "np.matmul", "np.softmax", "np.logsumexp", "np.transpose", "np.square", "np.abs",
    "np.sign", "np.cbrt", "np.leaky_relu", "np.multiply", "np.divide", "np.add", "np.subtract",
    "sigmoid", "relu", "softplus", "expit", "np.linalg.inv", "numpy.tanh", "np.max",
    "axis=", "axis=0", "axis=1", "axis=-1", "axis=2", "keepdims=True", "keepdims=", "alpha=",
    "np.where(", "np.heaviside(", "np.int64(", ".astype(", "float", ".dot(", ".copy()", ".sum(",
    ".shape", ".shape[0]", "X.shape[1]", "np.ones_like(", "np.zeros_like(", "np.squeeze(",
    "np.cosh(", "np.log1p(", "np.reciprocal(", "np.array(", "copy=True", ">", ">=", "<=", "!=",
    "True", "False", "None", "lambda", "if", "else", "for", "in", "not", "and", "or", "yield",
    "await", "'", '"', "#", "\\", "\n", "\t", "\x00", "é", "∑", "$", "?", "!", "`", " ", "  ",
]  # fmt: skip

token_strings = st.lists(st.sampled_from(TOKENS), max_size=25).map("".join)

# Well-typed expressions, built shape by shape, so the fuzzing reaches derivation, printing and
# running as well as parsing. The smooth ones (no kinks, no poles) are also checked for values.
LEAVES = {(3, 4): ["W"], (3, 1): ["b"], (4, 1): ["x"], (): ["s", "2", "0.5", "-1"]}
UNARY = ["np.tanh", "np.exp", "sigmoid", "relu", "np.square", "np.abs", "softplus", "np.sin", "-"]
UNARY += ["np.cosh", "np.sinh", "np.log1p", "np.expm1", "np.reciprocal", "np.negative"]
SMOOTH = ["np.tanh", "np.exp", "sigmoid", "np.square", "softplus", "np.sin", "np.cos", "-"]
SMOOTH += ["np.cosh", "np.sinh", "np.expm1", "np.negative"]
MASKS = ["(1.0 * ({} >= 0))", "np.heaviside({}, 0.5)", "np.where({} < 0, 2.0, 1.0)"]
BUILT = {  # template, the shape of its argument
    (3, 4): [
        ("({} + b)", (3, 4)),
        ("({} @ x.T)", (3, 1)),
        ("np.mean({}, axis=0, keepdims=True) * W", (3, 4)),
    ],
    (3, 1): [("(W @ {})", (4, 1)), ("np.sum({}, axis=1, keepdims=True)", (3, 4))],
    (4, 1): [("(W.T @ {})", (3, 1)), ("np.sum({}, axis=0, keepdims=True).T", (3, 4))],
    (): [("np.sum({})", (3, 4)), ("np.mean({})", (4, 1)), ("np.dot(b.T, {})", (3, 1))],
}


def _ways(shape: tuple, sub, smooth: bool) -> list:
    """The language's ways of making a value of ``shape`` from smaller typed expressions."""
    ops = st.sampled_from("+-*" if smooth else "+-*/")
    pairs = [
        st.tuples(sub(shape), ops, sub(shape)),
        st.tuples(sub(shape), ops, sub(())),
        st.tuples(sub(()), ops, sub(shape)),
    ]
    ways = [t.map("({0[0]} {0[1]} {0[2]})".format) for t in pairs]
    unary = st.sampled_from(SMOOTH if smooth else UNARY)
    ways.append(st.tuples(unary, sub(shape)).map("{0[0]}({0[1]})".format))
    powers = st.sampled_from(["2", "3"] if smooth else ["2", "3", "-1", "0.5"])
    ways.append(st.tuples(sub(shape), powers).map("({0[0]})**{0[1]}".format))
    ways += [sub(arg).map(template.format) for template, arg in BUILT[shape]]
    if not smooth:  # comparisons with 0: masks, exact at 0 (their derivative is 0)
        ways.append(st.tuples(st.sampled_from(MASKS), sub(shape)).map(lambda t: t[0].format(t[1])))
    return ways


@functools.cache
def typed(shape: tuple, depth: int, smooth: bool = False) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(LEAVES[shape])
    if depth == 0:
        return leaves
    return st.one_of(leaves, *_ways(shape, lambda s: typed(s, depth - 1, smooth), smooth))


def scalar_expressions(smooth: bool) -> st.SearchStrategy[str]:
    shapes = st.sampled_from(list(LEAVES))
    return shapes.flatmap(lambda s: typed(s, 3, smooth)).map("np.sum({})".format)


ARRAYS = {
    "W": np.linspace(-1, 1, 12).reshape(3, 4),
    "x": np.linspace(0.1, 0.9, 4).reshape(4, 1),
    "A": np.linspace(-0.7, 0.8, 6).reshape(2, 3),
    "b": np.array([[0.3], [-0.2], [0.5]]),
    "s": np.array(0.7),
    "X": np.linspace(-1, 1, 10).reshape(2, 5),
    "w": np.array([[0.4], [-0.6]]),
}


def only_chainrule_errors(source: str, pick: int) -> None:
    """Parse, derive, print and run ``source``; only a ChainruleError may stop the way."""
    names = ["W"]
    try:
        names = sorted(v.name for v in leaves(cr.parse(source, SHAPES))) or names
    except ChainruleError:
        pass
    wrt = names[pick % len(names)]
    try:
        g = cr.grad(source, wrt=wrt, shapes=SHAPES)
        assert isinstance(str(g), str) and g.numpy()
        with np.errstate(all="ignore"):
            value = g(**{v.name: ARRAYS[v.name] for v in g.program.inputs})
        assert value.shape == ARRAYS[wrt].shape
    except ChainruleError as e:
        assert str(e)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(token_strings, st.integers(0, 6))
def test_fuzz_tokens(source: str, pick: int) -> None:
    only_chainrule_errors(source, pick)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.integers(0, 6))
def test_fuzz_text(source: str, pick: int) -> None:
    only_chainrule_errors(source, pick)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scalar_expressions(smooth=False), st.integers(0, 6))
def test_fuzz_expressions(source: str, pick: int) -> None:
    """Well-typed expressions parse, derive, print and run; only 1/0 or √−1 may stop them."""
    names = sorted(v.name for v in leaves(cr.parse(source, SHAPES)))
    if not names:  # a constant: nothing to differentiate
        return
    wrt = names[pick % len(names)]
    try:
        g = cr.grad(source, wrt=wrt, shapes=SHAPES)
        assert str(g) and g.numpy()
        with np.errstate(all="ignore"):
            assert g(**{n: ARRAYS[n] for n in names}).shape == ARRAYS[wrt].shape
    except EvaluationError as e:
        assert "not a finite real number" in str(e) or "divides by zero or overflows" in str(e)


NUMPY_NAMES = {
    "np": np,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "softplus": lambda z: np.log1p(np.exp(z)),
}


def numpy_value(code, arrays: dict) -> float:
    """The expression evaluated by NumPy itself (generated by this file's grammar, tests only)."""
    return float(eval(code, dict(NUMPY_NAMES), dict(arrays)))  # noqa: S307


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scalar_expressions(smooth=True), st.integers(0, 6))
def test_fuzz_smooth_expressions_match_numpy(source: str, pick: int) -> None:
    """Derived gradient vs central differences of NumPy's own value of the same text."""
    names = sorted(v.name for v in leaves(cr.parse(source, SHAPES)))
    if not names:  # a constant: nothing to differentiate
        return
    wrt = names[pick % len(names)]
    arrays = {k: ARRAYS[k] for k in names}
    code = compile(source, "<generated>", "eval")
    x, h = arrays[wrt], 1e-6
    fd = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += h
        minus[idx] -= h
        f_plus, f_minus = (numpy_value(code, {**arrays, wrt: v}) for v in (plus, minus))
        fd[idx] = (f_plus - f_minus) / (2 * h)
    derived = cr.grad(source, wrt=wrt, shapes=SHAPES)(**arrays)
    scale = max(1.0, float(np.max(np.abs(fd))))
    np.testing.assert_allclose(derived, fd, rtol=1e-5, atol=1e-6 * scale, err_msg=source)


@pytest.mark.parametrize("source", [None, 3, b"W", "", "   ", "W" * 10_001, "(" * 500 + "W"])
def test_odd_inputs(source: object) -> None:
    with pytest.raises(ChainruleError):
        cr.parse(source, SHAPES)


# -- messages -------------------------------------------------------------------------------------
def test_syntax_error_shows_column_and_caret() -> None:
    with pytest.raises(ParseError) as info:
        cr.parse("W @@ x", SHAPES)
    message = str(info.value)
    assert "syntax error" in message and "at column 4" in message
    assert message.splitlines()[1:] == ["    W @@ x", "       ^"]
    assert info.value.col == 3


def test_unknown_function_lists_the_known_ones() -> None:
    with pytest.raises(UnknownFunctionError) as info:
        cr.parse("np.foo(W)", SHAPES)
    message = str(info.value)
    assert "unknown function 'np.foo'" in message
    for name in ("tanh", "sigmoid", "sum", "mean", "exp", "log", "relu"):
        assert name in message
    assert set(FUNCTIONS) <= set(message.split("known: ")[1].split("\n")[0].split(", "))


def test_matmul_that_does_not_chain_suggests_the_transpose() -> None:
    with pytest.raises(ShapeError) as info:
        cr.parse("W2 @ dZ2", {"W2": (1, 4), "dZ2": (1, "m")})
    message = str(info.value)
    assert "(1, 4) @ (1, m) do not chain" in message
    assert "did you mean W2.T @ dZ2?" in message
    assert isinstance(info.value, ParseError) and info.value.col == 0


def test_shape_error_deep_inside_points_at_its_node() -> None:
    with pytest.raises(ShapeError) as info:
        cr.parse("np.sum(np.tanh(W @ A))", SHAPES)
    message = str(info.value)
    assert "(3, 4) @ (2, 3) do not chain" in message and "at column 16" in message


def test_bad_axis_is_a_chainrule_error() -> None:
    with pytest.raises(ShapeError, match="over axis 2"):
        cr.parse("np.sum(W, axis=2)", SHAPES)
    with pytest.raises(ParseError, match="axis must be an integer"):
        cr.parse("np.sum(W, axis=0.5)", SHAPES)


def test_unknown_name_says_how_to_declare_it() -> None:
    with pytest.raises(ParseError, match="unknown name 'V'.*declare its shape"):
        cr.parse("V @ x", SHAPES)


# -- never eval ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('x')",
        "np.sum(__import__('os').system('x'))",
        "lambda: W",
        "(lambda w: w)(W)",
        "W.shape",
        "W.__class__",
        "np.linalg.__dict__",
        "W[0]",
        "W[:, 0:1]",
        "[w for w in W]",
        "{w: 1 for w in W}",
        "(w for w in W)",
        "W if s else x",
        "open('f')",
        "exec('1')",
        "eval('W')",
        "globals()",
        "W.T.__class__",
        "(x := W)",
        "f'{W}'",
        "W < x",
        "np.sum(W, *x)",
    ],
)
def test_rejected_without_evaluation(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parser evaluated something")

    for name in ("eval", "exec", "open"):
        monkeypatch.setattr(builtins, name, forbidden)
    monkeypatch.setattr(os, "system", forbidden)
    try:
        with pytest.raises(ParseError):
            cr.parse(source, SHAPES)
    finally:
        monkeypatch.undo()


# -- shapes --------------------------------------------------------------------------------------
def test_symbolic_shapes() -> None:
    e = cr.parse("np.tanh(W @ X + b)", {"W": ("k", "n"), "X": ("n", "m"), "b": ("k", 1)})
    assert e.shape == ("k", "m")
    g = cr.grad(
        "np.sum(np.tanh(W @ X + b))", "W", {"W": ("k", "n"), "X": ("n", "m"), "b": ("k", 1)}
    )
    assert g.shape == ("k", "n")
    W, X, b = np.ones((2, 3)) * 0.1, np.linspace(-1, 1, 12).reshape(3, 4), np.zeros((2, 1))
    expected = (1 - np.tanh(W @ X + b) ** 2) @ X.T  # ∂/∂W Σ tanh(W X + b) = (1 − tanh²) Xᵀ
    np.testing.assert_allclose(g(W=W, X=X, b=b), expected, rtol=1e-12)


def test_symbolic_dimension_mismatch_at_call_time() -> None:
    g = cr.grad("np.sum(W @ X)", "W", {"W": ("k", "n"), "X": ("n", "m")})
    with pytest.raises(ShapeError, match="dimension n"):
        g(W=np.ones((2, 3)), X=np.ones((4, 5)))


def test_keepdims_and_mean() -> None:
    assert cr.parse("np.sum(X, axis=0, keepdims=True)", SHAPES).shape == (1, "m")
    assert cr.parse("np.sum(X, axis=1)", SHAPES).shape == ("n",)
    assert cr.parse("np.mean(X, axis=-1, keepdims=True)", SHAPES).shape == ("n", 1)
    assert cr.parse("np.sum(X)", SHAPES).shape == ()


def test_functions_spelt_three_ways_are_one() -> None:
    assert cr.parse("np.tanh(W)", SHAPES) == cr.parse("numpy.tanh(W)", SHAPES)
    assert cr.parse("np.tanh(W)", SHAPES) == cr.parse("tanh(W)", SHAPES)


@pytest.mark.parametrize(
    "source",
    [
        "np.sum(W / (W - W))",  # SymPy: 1/0 = zoo while deriving
        "np.sum(W * (-1) ** 0.5)",  # √−1 = I
        "np.sum(W + 1 / (2 - 2))",  # Python's 1/0 while running
        "np.sum(W * 10.0 ** 400)",  # Python's overflow while running
    ],
)
def test_non_finite_constants_are_evaluation_errors(source: str) -> None:
    with pytest.raises(EvaluationError):
        cr.grad(source, "W", SHAPES)(W=ARRAYS["W"])


def test_calling_a_gradient_with_lists_and_bad_values() -> None:
    g = cr.grad("np.sum(np.tanh(W @ x))", "W", SHAPES)
    W, x = np.full((3, 4), 0.1), [[1.0], [2.0], [3.0], [4.0]]
    expected = (1 - np.tanh(W @ np.array(x)) ** 2) @ np.array(x).T
    np.testing.assert_allclose(g(W=W, x=x), expected, rtol=1e-12)
    for bad in ("abc", [[1.0], [2.0, 3.0], [3.0], [4.0]], None):
        with pytest.raises(ChainruleError):
            g(W=W, x=bad)
