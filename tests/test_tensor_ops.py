"""Tensors of any rank: np.einsum, axis permutations and max/min over an axis.

References: PyTorch autograd in float64 (``torch.einsum``, ``permute``, ``torch.amax``) and central
differences of NumPy's own forward value, for shapes drawn at random; both through ``cr.grad`` and
through ``cr.model`` (attention written with einsum). At a tie of the maximum chainrule follows the
course's mask x == max(x) (max pooling's rule: every tied maximum receives the gradient), where
``torch.amax`` splits it evenly: the test holds the two exactly a factor (number of ties) apart.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.printers.text import text

torch = pytest.importorskip("torch")


def central(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """(f(x + h e) − f(x − h e)) / 2h entry by entry, float64."""
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        out[i] = (f(up) - f(down)) / (2 * h)
    return out


def draw(shape: tuple, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(shape)


# -- einsum ---------------------------------------------------------------------------------------
EINSUMS = [
    "ij,jk->ik",  # a matrix product
    "bij,bjk->bik",  # a batch of them
    "ii->",  # the trace
    "ii->i",  # the diagonal
    "i,j->ij",  # the outer product
    "ij->i",  # row sums
    "ij->ji",  # a transpose
    "ij,ij->",  # the Frobenius inner product
    "ijk,ikl->jl",  # contraction over two letters
    "ij,jk,kl->il",  # three operands
    "ij,jk",  # implicit output: ik
    "iij,jk->ik",  # a diagonal inside a product
    "bqd,bkd->bqk",  # attention scores
]


def _sizes(subscripts: str, seed: int) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    return {c: int(rng.integers(2, 5)) for c in sorted(set(subscripts) - set(",->"))}


def _operands(subscripts: str, seed: int) -> tuple[list[str], dict[str, tuple], dict]:
    sizes, rng = _sizes(subscripts, seed), np.random.default_rng(seed + 1)
    terms = subscripts.split("->")[0].split(",")
    names = [f"X{k}" for k in range(len(terms))]
    shapes = {n: tuple(sizes[c] for c in t) for n, t in zip(names, terms, strict=True)}
    out = np.einsum(subscripts, *(np.zeros(s) for s in shapes.values())).shape
    shapes["H"] = out
    return names, shapes, {n: draw(s, rng) for n, s in shapes.items()}


@pytest.mark.parametrize("subscripts", EINSUMS)
@pytest.mark.parametrize("seed", [0, 1])
def test_einsum_gradients_agree_with_torch_and_differences(subscripts: str, seed: int) -> None:
    names, shapes, v = _operands(subscripts, seed)
    source = f'np.sum(np.einsum("{subscripts}", {", ".join(names)}) * H)'
    t = {k: torch.tensor(a, requires_grad=True) for k, a in v.items()}
    (torch.einsum(subscripts, *(t[n] for n in names)) * t["H"]).sum().backward()
    for k, name in enumerate(names):
        g = cr.grad(source, name, shapes)(**v)

        def cost(x: np.ndarray, k: int = k) -> float:
            ops = [x if j == k else v[n] for j, n in enumerate(names)]
            return float(np.sum(np.einsum(subscripts, *ops) * v["H"]))

        assert g.shape == shapes[name]
        np.testing.assert_allclose(g, t[name].grad.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(g, central(cost, v[name]), rtol=1e-6, atol=1e-8)


ELLIPSES = [
    # (subscripts, operand shapes) — NumPy's ellipsis, right-aligned across operands
    ("...ij,jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),  # the second operand has no axes under '...'
    ("...ij,jk", [(2, 2, 3, 4), (4, 5)]),  # implicit output: the ellipsis axes first
    ("i...->...", [(3, 2, 5)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("bqd...,bkd...->bqk...", [(2, 3, 4, 2), (2, 5, 4, 2)]),
]


@pytest.mark.parametrize(("subscripts", "shapes"), ELLIPSES, ids=[e[0] for e in ELLIPSES])
def test_an_ellipsis_reads_as_numpy_and_its_gradients_agree_with_torch(subscripts, shapes) -> None:
    rng = np.random.default_rng(7)
    names = [f"X{k}" for k in range(len(shapes))]
    v = {n: draw(s, rng) for n, s in zip(names, shapes, strict=True)}
    out = np.einsum(subscripts, *v.values())
    v["H"] = draw(out.shape, rng)
    dims = {n: a.shape for n, a in v.items()}
    source = f'np.sum(np.einsum("{subscripts}", {", ".join(names)}) * H)'
    assert cr.parse(f'np.einsum("{subscripts}", {", ".join(names)})', dims).shape == out.shape
    t = {k: torch.tensor(a, requires_grad=True) for k, a in v.items()}
    (torch.einsum(subscripts, *(t[n] for n in names)) * t["H"]).sum().backward()
    for k, name in enumerate(names):
        g = cr.grad(source, name, dims)(**v)

        def cost(x: np.ndarray, k: int = k) -> float:
            ops = [x if j == k else v[n] for j, n in enumerate(names)]
            return float(np.sum(np.einsum(subscripts, *ops) * v["H"]))

        np.testing.assert_allclose(g, t[name].grad.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(g, central(cost, v[name]), rtol=1e-6, atol=1e-8)


def test_einsum_symbolic_sizes_unify_across_operands() -> None:
    e = cr.parse('np.einsum("bqd,bkd->bqk", Q, K)', {"Q": ("b", "q", "d"), "K": ("b", "k", "d")})
    assert e.shape == ("b", "q", "k")


def test_a_trace_sends_the_gradient_to_the_diagonal() -> None:
    # ∂ tr(A)² / ∂A = 2 tr(A) I
    g = cr.grad('np.einsum("ii->", A) ** 2', "A", {"A": (4, 4)})
    a = np.random.default_rng(3).standard_normal((4, 4))
    np.testing.assert_allclose(g(A=a), 2 * np.trace(a) * np.eye(4), rtol=1e-12)


# -- permutations ---------------------------------------------------------------------------------
PERMUTATIONS = [
    ("np.transpose(X, (0, 2, 1))", (2, 3, 4), lambda x: x.permute(0, 2, 1)),
    ("np.transpose(X, axes=(2, 0, 1))", (2, 3, 4), lambda x: x.permute(2, 0, 1)),
    ("np.transpose(X, (-1, 0, 1, 2))", (2, 3, 4, 5), lambda x: x.permute(3, 0, 1, 2)),
    ("X.transpose(1, 0, 2)", (2, 3, 4), lambda x: x.permute(1, 0, 2)),
    ("np.swapaxes(X, 1, 2)", (2, 3, 4), lambda x: x.transpose(1, 2)),
    ("np.moveaxis(X, 0, -1)", (2, 3, 4, 5), lambda x: torch.movedim(x, 0, -1)),
    ("X.T", (2, 3, 4), lambda x: x.permute(2, 1, 0)),  # NumPy: .T reverses every axis
    ("np.transpose(X)", (2, 3, 4, 5), lambda x: x.permute(3, 2, 1, 0)),
    (
        "np.transpose(np.transpose(X, (1, 2, 0)), (0, 2, 1))",
        (2, 3, 4),
        lambda x: x.permute(1, 0, 2),
    ),
]


@pytest.mark.parametrize(("spelling", "shape", "reference"), PERMUTATIONS)
def test_permutations_agree_with_numpy_and_torch(spelling, shape, reference) -> None:
    rng = np.random.default_rng(len(spelling))
    x = draw(shape, rng)
    out_shape = tuple(reference(torch.zeros(shape)).shape)
    v = {"X": x, "H": draw(out_shape, rng)}
    shapes = {"X": shape, "H": out_shape}
    model = cr.model(f"Y = {spelling}\nJ = np.sum(Y * H)", shapes, wrt=["X"])
    np.testing.assert_array_equal(model.forward(v)["Y"], reference(torch.tensor(x)).numpy())
    t = torch.tensor(x, requires_grad=True)
    (reference(t) * torch.tensor(v["H"])).sum().backward()
    np.testing.assert_array_equal(model.gradients(v)["dX"], t.grad.numpy())  # moves, no arithmetic


# -- max and min ----------------------------------------------------------------------------------
REDUCTIONS = [
    ("max", None, False),
    ("max", None, True),
    ("max", 0, False),
    ("max", 1, True),
    ("max", 2, False),
    ("max", -1, True),
    ("min", 1, False),
    ("amax", 0, True),
    ("amin", None, False),
]


def _torch_reduce(name: str, x, axis, keep):
    f = torch.amax if "max" in name else torch.amin
    return (
        f(x)
        if axis is None and not keep
        else f(x, dim=tuple(range(x.dim())) if axis is None else axis, keepdim=keep)
    )


@pytest.mark.parametrize(("name", "axis", "keep"), REDUCTIONS)
def test_max_and_min_agree_with_torch_away_from_ties(name: str, axis, keep: bool) -> None:
    rng = np.random.default_rng(7)
    x = draw((3, 4, 5), rng)  # continuous draws: no ties
    out = np.amax(x, axis=axis, keepdims=keep).shape
    v, shapes = {"X": x, "H": draw(out, rng)}, {"X": x.shape, "H": out}
    source = f"np.sum(np.{name}(X, axis={axis}, keepdims={keep}) * H)"
    g = cr.grad(source, "X", shapes)(**v)
    t = torch.tensor(x, requires_grad=True)
    (_torch_reduce(name, t, axis, keep) * torch.tensor(v["H"])).sum().backward()
    np.testing.assert_allclose(g, t.grad.numpy(), rtol=0, atol=0)
    f = getattr(np, name)
    fd = central(lambda y: float(np.sum(f(y, axis=axis, keepdims=keep) * v["H"])), x)
    np.testing.assert_allclose(g, fd, atol=1e-8)


def test_at_a_tie_every_maximum_receives_the_gradient() -> None:
    # the course's mask (max pooling): dX = G where X == max X along the axis, at every tie;
    # torch.amax splits G evenly among the k ties, so the two differ by exactly k
    x = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, -1.0], [5.0, 1.0, 0.0, 4.0]])
    h = np.array([[2.0], [-3.0], [0.5]])
    g = cr.grad("np.sum(np.max(X, axis=1, keepdims=True) * H)", "X", {"X": (3, 4), "H": (3, 1)})
    ours = g(X=x, H=h)
    mask = x == x.max(axis=1, keepdims=True)
    np.testing.assert_array_equal(ours, mask * h)  # the documented rule
    t = torch.tensor(x, requires_grad=True)
    (torch.amax(t, dim=1, keepdim=True) * torch.tensor(h)).sum().backward()
    ties = mask.sum(axis=1, keepdims=True)  # 2, 3 and 1
    np.testing.assert_allclose(ours, t.grad.numpy() * ties, rtol=1e-15)


def test_the_record_states_the_tie_convention() -> None:
    from chainrule.rules.primitives import PRIMITIVES

    justification = PRIMITIVES["max"].justification
    assert "every tied maximum" in justification and "torch.amax" in justification


@pytest.mark.parametrize("name", ["sum", "mean", "var"])
@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_reductions_without_keepdims_agree_with_torch(name: str, axis: int) -> None:
    rng = np.random.default_rng(axis + 4)
    x = draw((2, 3, 4), rng)
    out = np.sum(x, axis=axis).shape
    h = draw(out, rng)
    g = cr.grad(f"np.sum(np.{name}(X, axis={axis}) ** 2 * H)", "X", {"X": x.shape, "H": out})
    t = torch.tensor(x, requires_grad=True)
    f = {"sum": torch.sum, "mean": torch.mean}.get(name, lambda y, dim: y.var(dim, correction=0))
    (f(t, dim=axis) ** 2 * torch.tensor(h)).sum().backward()
    np.testing.assert_allclose(g(X=x, H=h), t.grad.numpy(), rtol=1e-12, atol=1e-12)


AXES = [
    ("sum", (1, 2), False, lambda t: t.sum(dim=(1, 2))),
    ("mean", (0, 2), True, lambda t: t.mean(dim=(0, 2), keepdim=True)),
    ("var", (0, -1), False, lambda t: t.var(dim=(0, 2), correction=0)),
    ("std", (1, 2), True, lambda t: t.std(dim=(1, 2), correction=0, keepdim=True)),
    ("max", (2, 0), False, lambda t: torch.amax(t, dim=(0, 2))),
    ("min", (0, 1), True, lambda t: torch.amin(t, dim=(0, 1), keepdim=True)),
    ("sum", (), False, lambda t: t),  # NumPy: no axes, nothing summed
]


@pytest.mark.parametrize(("name", "axes", "keep", "reference"), AXES)
def test_reductions_over_several_axes_agree_with_torch(name, axes, keep, reference) -> None:
    rng = np.random.default_rng(len(axes) + 2 * keep)
    x = draw((2, 3, 4), rng)
    out = getattr(np, name)(x, axis=axes, keepdims=keep).shape
    h = draw(out, rng)
    source = f"np.sum(np.{name}(X, axis={axes}, keepdims={keep}) * H)"
    g = cr.grad(source, "X", {"X": x.shape, "H": out})(X=x, H=h)
    t = torch.tensor(x, requires_grad=True)
    (reference(t) * torch.tensor(h)).sum().backward()
    np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_a_max_over_several_axes_sends_the_gradient_to_every_tie() -> None:
    x = np.zeros((2, 2, 3))
    x[0, 1, 2] = x[0, 0, 0] = 4.0  # two maxima in the first slice, one in the second
    x[1, 1, 1] = 3.0
    g = cr.grad("np.sum(np.max(X, axis=(1, 2)) * h)", "X", {"X": (2, 2, 3), "h": (2,)})
    h = np.array([5.0, -2.0])
    mask = x == x.max(axis=(1, 2), keepdims=True)
    np.testing.assert_array_equal(g(X=x, h=h), mask * h[:, None, None])


def test_a_softmax_shifted_by_its_max_agrees_with_torch() -> None:
    # the stable softmax written by hand: the max's own gradient cancels (Σ dS_shift = 0)
    model = cr.model(
        "S_shift = S - np.max(S, axis=-1, keepdims=True)\nE = np.exp(S_shift)\n"
        "P = E / np.sum(E, axis=-1, keepdims=True)\nJ = np.sum(P * G)",
        {"S": ("b", "q", "k"), "G": ("b", "q", "k")},
        wrt=["S"],
    )
    rng = np.random.default_rng(0)
    s, g = 5 * draw((2, 3, 4), rng), draw((2, 3, 4), rng)
    t = torch.tensor(s, requires_grad=True)
    (torch.softmax(t, -1) * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(model.gradients({"S": s, "G": g})["dS"], t.grad, atol=1e-14)


# -- a model: attention written with einsum, rank 3 ------------------------------------------------
ATTENTION = """
S = np.einsum("bqd,bkd->bqk", Q, K) / np.sqrt(d_k)
S_masked = np.where(M, S, -1e9)
P = softmax(S_masked, axis=-1)
O = np.einsum("bqk,bkv->bqv", P, V)
J = np.sum(O * G)
"""
SHAPES = {"Q": ("b", "n_q", "d_k"), "K": ("b", "n_k", "d_k"), "V": ("b", "n_k", "d_v"),
          "M": ("b", "n_q", "n_k"), "G": ("b", "n_q", "d_v")}  # fmt: skip


def _attention_values(b: int, n_q: int, n_k: int, d_k: int, d_v: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    mask = rng.random((b, n_q, n_k)) > 0.3
    mask[..., 0] = True  # every query sees a key
    return {"Q": draw((b, n_q, d_k), rng), "K": draw((b, n_k, d_k), rng),
            "V": draw((b, n_k, d_v), rng), "M": mask.astype(float),
            "G": draw((b, n_q, d_v), rng)}  # fmt: skip


@pytest.fixture(scope="module")
def attention() -> cr.Model:
    return cr.model(ATTENTION, SHAPES, wrt=["Q", "K", "V"])


@pytest.mark.parametrize("shape", [(2, 3, 4, 5, 2), (1, 1, 1, 1, 1), (3, 5, 2, 3, 4)])
def test_einsum_attention_agrees_with_torch(attention: cr.Model, shape: tuple) -> None:
    v = _attention_values(*shape, seed=sum(shape))
    t = {k: torch.tensor(a, requires_grad=k in "QKV") for k, a in v.items()}
    O = torch.nn.functional.scaled_dot_product_attention(
        t["Q"], t["K"], t["V"], attn_mask=t["M"].bool()
    )
    (O * t["G"]).sum().backward()
    ours = attention.gradients(v)
    for k in "QKV":
        np.testing.assert_allclose(ours["d" + k], t[k].grad.numpy(), atol=1e-10, err_msg=k)


def test_einsum_attention_agrees_with_differences(attention: cr.Model) -> None:
    v = _attention_values(2, 3, 4, 2, 3, seed=11)
    grads = attention.gradients(v)
    for k in "QKV":
        fd = central(lambda x, k=k: float(attention.cost({**v, k: x})), v[k])
        np.testing.assert_allclose(grads["d" + k], fd, rtol=1e-6, atol=1e-8, err_msg=k)


def test_einsum_attention_backward_is_again_einsum(attention: cr.Model) -> None:
    d = attention.derive()
    assert text(d["dV"].expr) == "einsum(bqv,bqk→bkv; dO, P)"  # dV = Pᵀ dO, batch by batch
    assert text(d["dP"].expr) == "einsum(bqv,bkv→bqk; dO, V)"  # dP = dO Vᵀ
    # the softmax's Jacobian diag(p) − p pᵀ collapses along the last axis, as at rank 2
    assert text(d["dS_masked"].expr) == "P ⊙ (dP − Σ₂ (P ⊙ dP))"


def test_layer_norm_over_the_last_axis_of_a_rank_3_tensor_agrees_with_torch() -> None:
    model = cr.model(
        "mu = np.mean(X, axis=-1, keepdims=True)\n"
        "var = np.var(X, axis=-1, keepdims=True)\n"
        "X_norm = (X - mu) / np.sqrt(var + eps)\n"
        "J = np.sum((gamma * X_norm + beta) * G)",
        {"X": ("b", "t", "d"), "gamma": (1, 1, "d"), "beta": (1, 1, "d"), "G": ("b", "t", "d")},
        wrt=["X", "gamma", "beta"],
        constants={"eps": 1e-5},
    )
    rng = np.random.default_rng(2)
    v = {"X": draw((2, 3, 5), rng), "gamma": draw((1, 1, 5), rng), "beta": draw((1, 1, 5), rng)}
    v["G"] = draw((2, 3, 5), rng)
    t = {k: torch.tensor(a, requires_grad=k != "G") for k, a in v.items()}
    y = torch.nn.functional.layer_norm(t["X"], (5,), t["gamma"][0, 0], t["beta"][0, 0], 1e-5)
    (y * t["G"]).sum().backward()
    ours = model.gradients(v)
    for k in ("X", "gamma", "beta"):
        np.testing.assert_allclose(ours["d" + k], t[k].grad.numpy(), atol=1e-10, err_msg=k)
    # the three paths of X (direct, through mu, through var) collapse into one formula of dX_norm
    assert "dmu" not in text(model.derive()["dX"].expr)


def test_log_softmax_over_any_axis_of_a_rank_3_tensor() -> None:
    rng = np.random.default_rng(5)
    s, g = draw((2, 3, 4), rng), draw((2, 3, 4), rng)
    for axis in (0, 1, -1):
        model = cr.model(
            f"J = np.sum(log_softmax(S, axis={axis}) * G)", {"S": (2, 3, 4), "G": (2, 3, 4)}
        )
        t = torch.tensor(s, requires_grad=True)
        (torch.log_softmax(t, dim=axis) * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(model.gradients({"S": s, "G": g})["dS"], t.grad, atol=1e-12)


# -- explanations read the subscripts -------------------------------------------------------------
def test_the_index_form_reads_straight_from_the_subscripts() -> None:
    model = cr.model(
        'C = np.einsum("ij,jk->ik", A, B)\nJ = np.sum(C * H)',
        {"A": (3, 4), "B": (4, 5), "H": (3, 5)},
        wrt=["A", "B"],
    )
    dA, dB = (" ".join(str(model.explain(q)).split()) for q in ("dA", "dB"))
    assert "Cᵢₖ = Σⱼ Aᵢⱼ Bⱼₖ" in dA
    assert "∂J/∂Aᵢⱼ = Σₖ ∂J/∂Cᵢₖ Bⱼₖ" in dA  # dA = einsum("ik,jk->ij", dC, B)
    assert "∂J/∂Bⱼₖ = Σᵢ ∂J/∂Cᵢₖ Aᵢⱼ" in dB
    assert "they agree" in dA and "they agree" in dB


def test_a_trace_explains_its_delta() -> None:
    model = cr.model('t = np.einsum("ii->", A)\nJ = t * t', {"A": (3, 3)}, wrt=["A"])
    assert "∂J/∂Aᵢⱼ = dt δᵢⱼ" in " ".join(str(model.explain("dA")).split())


# -- bad input: one ChainruleError each, naming operands, shapes and the column --------------------
BAD = [
    # (source, shapes, words the message must contain)
    ('np.einsum("ij,jk->ik", A, B)', {"A": (3, 4), "B": (5, 2)}, ["'j'", "A (3, 4)", "B (5, 2)"]),
    ('np.einsum("ij,jk->ik", A)', {"A": (3, 4)}, ["2 operand", "1 were given"]),
    ('np.einsum("ijk->i", A)', {"A": (3, 4)}, ["A (3, 4)", "'ijk'", "3"]),
    ('np.einsum("...ij,jk->ik", A, B)', {"A": (2, 3, 4), "B": (4, 5)}, ["'...'", "output"]),
    ('np.einsum("...ijk->i", A)', {"A": (3, 4)}, ["A (3, 4)", "besides the ellipsis"]),
    ('np.einsum("ij->il", A)', {"A": (3, 4)}, ["'l'", "no operand"]),
    ('np.einsum("i2->i", A)', {"A": (3, 4)}, ["'2'", "not a letter"]),
    ("np.einsum(A, A)", {"A": (3, 4)}, ["subscripts string"]),
    ("np.transpose(X, (0, 1))", {"X": (2, 3, 4)}, ["X", "(2, 3, 4)", "exactly once"]),
    ("np.transpose(X, (0, 1, 1))", {"X": (2, 3, 4)}, ["X", "(2, 3, 4)"]),
    ("np.swapaxes(X, 0, 3)", {"X": (2, 3, 4)}, ["(2, 3, 4)"]),
    ("np.max(X, axis=3)", {"X": (2, 3, 4)}, ["X", "(2, 3, 4)", "axis"]),
    ("max(X)", {"X": (2, 3)}, ["Python's max", "np.max(X"]),
    ("np.sum(X, axis=(1, 1))", {"X": (2, 3, 4)}, ["(1, 1)", "twice"]),
    ("np.max((2, 3))", {"X": (2, 3)}, ["must be an array", "(2, 3)"]),
]


@pytest.mark.parametrize(("source", "shapes", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_clear_error(source: str, shapes: dict, words: list[str]) -> None:
    with pytest.raises(cr.ChainruleError) as info:
        cr.parse(f"np.sum({source})", shapes)
    message = str(info.value)
    for w in words:
        assert w in message, (w, message)
    assert re.search(r"at column \d+", message), message


def test_a_rank_3_explanation_renders_in_every_format() -> None:
    import json

    from chainrule.explain.formats import FORMATS, render

    model = cr.model(
        'S = np.einsum("bqd,bkd->bqk", Q, K)\nJ = np.sum(np.max(S, axis=-1) * H)',
        {"Q": (2, 3, 4), "K": (2, 5, 4), "H": (2, 3)},
        wrt=["Q", "K"],
    )
    x = cr.explain(model, "dK")
    assert all(render(x, f) for f in FORMATS)
    numbers = json.loads(render(x, "json"))["numbers"]
    formula, fd = (np.array(numbers[k]) for k in ("formula", "finite_differences"))
    assert formula.shape == fd.shape == (2, 5, 4)  # nested lists of the array's own rank
    np.testing.assert_allclose(formula, fd, rtol=1e-5, atol=1e-8)
