"""The catalogue of real learners' formulas is well formed, and every verdict in it is the verdict
of the course's mathematics.

The course's backward pass is written out here once more, in plain NumPy, independently of
chainrule. Each learner's formula is run with NumPy — the one place the tests run a learner's
line — after its syntax tree has been checked against a small whitelist, compiled from that tree
and executed with no builtins, in a namespace holding only the network's arrays and a few NumPy
functions. A formula is correct when it gives the course's numbers on the case's network and on a
wider one (every width changed, n[L] > 1, m unlike any width), so that a formula right only
because a dimension is 1 is not.
"""

from __future__ import annotations

import ast
import types
from dataclasses import replace

import numpy as np
import pytest

from learners.cases import CASES, Case

# ------------------------------------------------------------ the learner's line, run safely

_NP = types.SimpleNamespace(
    dot=np.dot,
    multiply=np.multiply,
    power=np.power,
    square=np.square,
    sum=np.sum,
    mean=np.mean,
    divide=np.divide,
    tanh=np.tanh,
    arctanh=np.arctanh,
    exp=np.exp,
    log=np.log,
    where=np.where,
    maximum=np.maximum,
    int64=np.int64,
    float64=np.float64,
    array=np.array,
    ones=np.ones,
    linalg=types.SimpleNamespace(inv=np.linalg.inv),
)
_ATTRIBUTES = set(vars(_NP)) | {"inv", "T", "dot", "astype"}
_NODES = (
    ast.Module, ast.Assign, ast.Name, ast.Load, ast.Store, ast.Constant, ast.BinOp, ast.UnaryOp,
    ast.Compare, ast.Call, ast.Attribute, ast.Subscript, ast.keyword, ast.Add, ast.Sub, ast.Mult,
    ast.Div, ast.Pow, ast.MatMult, ast.USub, ast.UAdd, ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.Tuple,
)  # fmt: skip


def _compile(line: str) -> types.CodeType:
    """Compile one assignment after checking every node and attribute against the whitelist."""
    tree = ast.parse(line, mode="exec")
    assert len(tree.body) == 1 and isinstance(tree.body[0], ast.Assign), line
    for node in ast.walk(tree):
        if not isinstance(node, _NODES):
            raise ValueError(f"{type(node).__name__} is not allowed in {line!r}")
        if isinstance(node, ast.Attribute) and node.attr not in _ATTRIBUTES:
            raise ValueError(f".{node.attr} is not allowed in {line!r}")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ValueError(f"{node.id} is not allowed in {line!r}")
    return compile(tree, "<learner>", "exec")


def _bound(line: str) -> str:
    """The name a line binds: ``dZ1 = …`` or ``dZ1[Z1 <= 0] = 0`` both bind dZ1."""
    target = ast.parse(line).body[0].targets[0]
    return target.id if isinstance(target, ast.Name) else target.value.id


def test_the_evaluator_refuses_what_is_not_arithmetic() -> None:
    for bad in ["x = __import__('os')", "x = np.__class__", "x = np.load('f')", "x = [1]"]:
        with pytest.raises(ValueError):
            _compile(bad)
    ns = {"np": _NP, "A1": np.ones((2, 3))}
    exec(_compile("dZ1 = np.power(A1, 2).T"), {"__builtins__": {}}, ns)
    assert ns["dZ1"].shape == (3, 2)


# ------------------------------------------------------------ the course's formulas, in NumPy


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _g(name: str, z: np.ndarray) -> np.ndarray:
    return {"relu": np.maximum(z, 0), "tanh": np.tanh(z), "sigmoid": _sigmoid(z), "linear": z}[name]


def _g_prime(name: str, z: np.ndarray) -> np.ndarray:
    """relu′ = 1 where z > 0 else 0; tanh′ = 1 − tanh²; σ′ = σ(1 − σ)."""
    s = _sigmoid(z)
    derivative = {"relu": (z > 0) * 1.0, "tanh": 1 - np.tanh(z) ** 2, "sigmoid": s * (1 - s)}
    return derivative[name] if name in derivative else np.ones_like(z)  # linear: 1


def _labels(case: Case, rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    if case.loss == "ce":
        return np.eye(n)[:, rng.integers(0, n, m)]  # one-hot columns
    return (rng.random((n, m)) < 0.5) * 1.0 if case.loss == "bce" else rng.normal(size=(n, m))


def _forward(case: Case, rng: np.random.Generator, m: int) -> dict:
    """The course's forward pass and cache (with dropout, A[l] is the masked, rescaled one)."""
    ns = {"X": rng.normal(size=(case.layers[0], m)), "m": m, "lambd": case.l2}
    ns |= {"keep_prob": case.keep_prob, "Y": _labels(case, rng, case.layers[-1], m)}
    ns["A0"], depth = ns["X"], len(case.layers) - 1
    for l in range(1, depth + 1):
        fan_in = case.layers[l - 1]
        ns[f"W{l}"] = rng.normal(size=(case.layers[l], fan_in)) / np.sqrt(fan_in)
        ns[f"b{l}"] = 0.5 * rng.normal(size=(case.layers[l], 1))
        ns[f"Z{l}"] = z = ns[f"W{l}"] @ ns[f"A{l - 1}"] + ns[f"b{l}"]
        if l < depth:
            ns[f"A{l}"] = _g(case.hidden, z)
            if case.keep_prob < 1:
                ns[f"D{l}"] = (rng.random(z.shape) < case.keep_prob) * 1.0
                ns[f"A{l}"] = ns[f"A{l}"] * ns[f"D{l}"] / case.keep_prob
        elif case.output == "softmax":
            e = np.exp(z - z.max(axis=0))
            ns[f"A{l}"] = e / e.sum(axis=0)
        else:
            ns[f"A{l}"] = _g(case.output, z)
    return ns


def _backward(case: Case, ns: dict) -> dict:
    """dZ[L] = A[L] − Y (σ + BCE, softmax + CE), dW = (1/m) dZ A_prevᵀ + (λ/m) W,
    db = (1/m) Σ_columns dZ, dA_prev = Wᵀ dZ (⊙ D / keep_prob), dZ = dA ⊙ g′(Z); in the exact
    convention every dZ and dA carries the 1/m and dW, db carry none."""
    depth, m, A, Y = len(case.layers) - 1, ns["m"], ns[f"A{len(case.layers) - 1}"], ns["Y"]
    k = 1 / m if case.convention == "exact" else 1.0
    d = {
        f"dA{depth}": k
        * {"bce": -(Y / A - (1 - Y) / (1 - A)), "ce": -Y / A, "mse": A - Y}[case.loss]
    }
    if case.output == "softmax":
        d[f"dZ{depth}"] = k * (A - Y)
    else:
        d[f"dZ{depth}"] = d[f"dA{depth}"] * _g_prime(case.output, ns[f"Z{depth}"])
    for l in range(depth, 0, -1):
        s = 1 / m if case.convention == "course" else 1.0
        d[f"dW{l}"] = s * d[f"dZ{l}"] @ ns[f"A{l - 1}"].T + case.l2 / m * ns[f"W{l}"]
        d[f"db{l}"] = s * d[f"dZ{l}"].sum(axis=1, keepdims=True)
        if l > 1:
            d[f"dA{l - 1}"] = ns[f"W{l}"].T @ d[f"dZ{l}"]
            if case.keep_prob < 1:
                d[f"dA{l - 1}"] = d[f"dA{l - 1}"] * ns[f"D{l - 1}"] / case.keep_prob
            d[f"dZ{l - 1}"] = d[f"dA{l - 1}"] * _g_prime(case.hidden, ns[f"Z{l - 1}"])
    return d


def _cost(case: Case, ns: dict) -> float:
    """J = (1/m) Σ L(A[L], Y) + (λ / 2m) Σ_l ‖W[l]‖², with the dropout masks held fixed."""
    a, depth, m, Y = ns["X"], len(case.layers) - 1, ns["m"], ns["Y"]
    for l in range(1, depth + 1):
        z = ns[f"W{l}"] @ a + ns[f"b{l}"]
        if l < depth:
            a = _g(case.hidden, z) * ns.get(f"D{l}", 1.0) / case.keep_prob
        else:
            a = (
                np.exp(z) / np.exp(z).sum(axis=0)
                if case.output == "softmax"
                else _g(case.output, z)
            )
    loss = {
        "bce": -(Y * np.log(a) + (1 - Y) * np.log(1 - a)),
        "ce": -Y * np.log(a),
        "mse": 0.5 * (a - Y) ** 2,
    }[case.loss]
    penalty = sum(np.sum(ns[f"W{l}"] ** 2) for l in range(1, depth + 1))
    return float(loss.sum() / m + case.l2 / (2 * m) * penalty)


@pytest.mark.parametrize("convention", ["course", "exact"])
@pytest.mark.parametrize("net", ["planar", "l2", "dropout", "softmax", "mse"])
def test_the_course_formulas_are_the_gradient_of_the_cost(net: str, convention: str) -> None:
    """The reference above is itself checked: dW and db against central differences of J."""
    by_name = {c.id: c for c in CASES}
    case = by_name[
        {
            "planar": "planar-six-equations",
            "l2": "l2-lambd-w-over-m",
            "dropout": "dropout-not-rescaled",
            "softmax": "bce-derivative-with-softmax",
            "mse": "transpose-read-as-inverse",
        }[net]
    ]
    case = replace(case, convention=convention)
    ns = _forward(case, np.random.default_rng(3), 6)
    d, h = _backward(case, ns), 1e-6
    for name in [k for k in ns if k[0] in "Wb" and k[1:].isdigit()]:
        numeric = np.zeros_like(ns[name])
        for i in np.ndindex(ns[name].shape):
            plus, minus = dict(ns), dict(ns)
            plus[name], minus[name] = ns[name].copy(), ns[name].copy()
            plus[name][i] += h
            minus[name][i] -= h
            numeric[i] = (_cost(case, plus) - _cost(case, minus)) / (2 * h)
        assert np.allclose(d[f"d{name}"], numeric, rtol=1e-5, atol=1e-7), (net, name)


# ------------------------------------------------------------ judging a case with the course


def _same(value: object, truth: np.ndarray) -> bool:
    value = np.asarray(value, dtype=float)
    return value.shape == truth.shape and np.allclose(value, truth, rtol=1e-9, atol=1e-12)


def _first_wrong_line(case: Case, seed: int) -> int | None:
    """Run the learner's lines in order; the first line that leaves a quantity (in its final
    assignment) different from the course's, or fails, is where the mistake was made."""
    rng = np.random.default_rng(seed)
    widths = set(case.layers)
    m = next(n for n in range(7, 100) if n not in widths)
    ns = _forward(case, rng, m)
    truth = _backward(case, ns)
    if case.layout == "rows":  # examples as rows: every matrix of the columns layout transposed
        ns, truth = _transposed(ns), _transposed(truth)
    env = {"np": _NP, "sigmoid": _sigmoid, **ns, **truth}
    bound = [_bound(s) for s in case.lines]
    for i, line in enumerate(case.lines):
        try:
            with np.errstate(all="ignore"):
                exec(_compile(line), {"__builtins__": {}}, env)
        except (ValueError, np.linalg.LinAlgError):  # shapes do not chain, broadcast fails, …
            return i + 1
        name = bound[i]
        if name in truth and name not in bound[i + 1 :] and not _same(env[name], truth[name]):
            return i + 1
    return None


def _transposed(values: dict) -> dict:
    return {k: v.T if np.ndim(v) == 2 else v for k, v in values.items()}


def _wider(case: Case) -> Case:
    """The same network with every width changed (n[L] > 1 too)."""
    return replace(case, layers=tuple(n + 1 + (i > 0) for i, n in enumerate(case.layers)))


def _verdict(case: Case) -> tuple[bool, int | None]:
    lines = [_first_wrong_line(c, seed) for c in (case, _wider(case)) for seed in (0, 1)]
    wrong = [x for x in lines if x is not None]
    return not wrong, min(wrong) if wrong else None


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_verdict_is_the_course_mathematics(case: Case) -> None:
    correct, line = _verdict(case)
    assert correct == case.correct, f"{case.id}: the course's formulas say correct={correct}"
    if not correct and case.line is not None:
        assert line == case.line, f"{case.id}: the first wrong line is {line}, not {case.line}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_case_is_complete(case: Case) -> None:
    assert case.source.startswith("http") or ("Stack" in case.source or "Q&A" in case.source)
    assert case.paraphrase and "\n" not in case.paraphrase and len(case.paraphrase) < 300
    assert case.network() is not None  # a network the library can build
    assert case.convention in ("course", "exact") and case.layout in ("columns", "rows")
    if case.correct:
        assert case.line is None and not case.mistake_words
    else:
        assert case.mistake_words, f"{case.id}: a wrong case names what a diagnosis must say"
        assert case.line is None or 1 <= case.line <= len(case.lines)
        assert len(case.lines) == 1 or case.line is not None, "multi-line: say where"


def test_the_catalogue_is_broad() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)) and len(CASES) >= 40
    wrong = sum(not c.correct for c in CASES)
    assert 0.55 <= wrong / len(CASES) <= 0.75  # about two thirds wrong, one third right
    assert len({c.source for c in CASES}) >= 30  # many posts, not one post many times
    assert {c.output for c in CASES} >= {"sigmoid", "softmax"}
    assert any(c.l2 for c in CASES) and any(c.keep_prob < 1 for c in CASES)
    assert any(c.convention == "exact" and c.correct for c in CASES)
