"""``cr.mlp([...], batchnorm=True)``: the course's C2W3 network, derived, trained, checked outside.

Hidden layers compute ``Z[l] = W[l] A[l−1]`` (no bias: β replaces it), normalise over the batch and
scale and shift with γ[l], β[l]. The references are PyTorch autograd through
``torch.nn.functional.batch_norm`` in float64 (training mode with the batch's statistics, test mode
with running statistics; torch's layout is examples × features, so every array is transposed) and
central finite differences of the cost.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.printers.text import text

torch = pytest.importorskip("torch")
F = torch.nn.functional
EPS = 1e-5  # PyTorch's default ε, the one chainrule uses

NETS = [  # layers, hidden, output, loss
    ([2, 4, 3, 1], "tanh", "sigmoid", "bce"),
    ([3, 5, 4], "relu", "softmax", "ce"),
]


def case(net: cr.Network, seed: int, m: int = 7) -> tuple[dict, np.ndarray, np.ndarray]:
    """Random parameters (γ away from 1, β from 0), data and labels, in the course's layout."""
    rng = np.random.default_rng(seed)
    layers, output = net.spec.layers, net.spec.output
    params = {k: rng.standard_normal(v.shape) for k, v in net.init(seed).items()}
    for k in net.spec.statistics:
        params[k] = rng.uniform(0.5, 2, params[k].shape) if "var" in k else params[k]
    X = rng.standard_normal((layers[0], m))
    if output == "softmax":
        Y = np.eye(layers[-1])[rng.integers(0, layers[-1], m)].T
    else:
        Y = rng.integers(0, 2, (1, m)).astype(float)
    return params, X, Y


def torch_forward(layers, hidden, output, params, X, Y, training=True):
    """J and A[L] by torch, with every parameter a leaf that asks for its gradient."""
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    A, L, Zs = torch.tensor(X.T), len(layers) - 1, {}
    for l in range(1, L):
        Z = A @ t[f"W{l}"].T
        Z.retain_grad()
        Zs[f"Z{l}"] = Z
        running = (None, None) if training else (t[f"running_mean{l}"].detach().ravel(),
                                                 t[f"running_var{l}"].detach().ravel())  # fmt: skip
        Zt = F.batch_norm(Z, *running, t[f"gamma{l}"].ravel(), t[f"beta{l}"].ravel(),
                          training=training, eps=EPS)  # fmt: skip
        A = torch.tanh(Zt) if hidden == "tanh" else torch.relu(Zt)
    Z = A @ t[f"W{L}"].T + t[f"b{L}"].T
    Yt = torch.tensor(Y.T)
    if output == "softmax":
        AL = torch.softmax(Z, dim=1)
        J = -(Yt * torch.log(AL)).sum(dim=1).mean()
    else:
        AL = torch.sigmoid(Z)
        J = -(Yt * torch.log(AL) + (1 - Yt) * torch.log(1 - AL)).mean()
    return J, AL, t, Zs


@pytest.mark.parametrize(("layers", "hidden", "output", "loss"), NETS)
@pytest.mark.parametrize("seed", [0, 1])
def test_gradients_agree_with_torch_batch_norm(layers, hidden, output, loss, seed) -> None:
    net = cr.mlp(layers, hidden=hidden, output=output, loss=loss, batchnorm=True)
    params, X, Y = case(net, seed)
    J, _, t, Zs = torch_forward(layers, hidden, output, params, X, Y)
    J.backward()
    m = X.shape[1]
    np.testing.assert_allclose(net.cost(params, X, Y), J.item(), rtol=1e-12)
    course, exact = net.gradients(params, X, Y), net.gradients(params, X, Y, "exact")
    trained = [k for k in params if k not in net.spec.statistics]
    assert {"d" + k for k in trained} <= set(course)
    for k in trained:  # parameter gradients are ∂J/∂P in both conventions
        ref = t[k].grad.numpy()
        np.testing.assert_allclose(course["d" + k], ref, rtol=1e-10, atol=1e-12, err_msg=k)
        np.testing.assert_allclose(exact["d" + k], ref, rtol=1e-10, atol=1e-12, err_msg=k)
    for name, Z in Zs.items():  # dZ[l] through the normalisation: ∂J/∂Z (exact), m·∂J/∂Z (course)
        ref = Z.grad.numpy().T
        np.testing.assert_allclose(exact["d" + name], ref, rtol=1e-10, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(course["d" + name], m * ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("layers", "hidden", "output", "loss"), NETS)
def test_gradients_agree_with_central_differences(layers, hidden, output, loss) -> None:
    net = cr.mlp(layers, hidden=hidden, output=output, loss=loss, batchnorm=True)
    params, X, Y = case(net, 2, m=5)
    grads = net.gradients(params, X, Y)
    h = 1e-6
    for k in (k for k in params if k not in net.spec.statistics):
        fd = np.zeros_like(params[k])
        for i in np.ndindex(fd.shape):
            old = params[k][i]
            params[k][i] = old + h
            up = net.cost(params, X, Y)
            params[k][i] = old - h
            down = net.cost(params, X, Y)
            params[k][i] = old
            fd[i] = (up - down) / (2 * h)
        np.testing.assert_allclose(grads["d" + k], fd, rtol=0, atol=1e-9, err_msg=k)


@pytest.mark.parametrize(("layers", "hidden", "output", "loss"), NETS)
def test_test_mode_predictions_use_the_running_statistics_as_torch_does(
    layers, hidden, output, loss
) -> None:
    net = cr.mlp(layers, hidden=hidden, output=output, loss=loss, batchnorm=True)
    params, X, Y = case(net, 3, m=9)
    _, AL, _, _ = torch_forward(layers, hidden, output, params, X, Y, training=False)
    probabilities = net.probabilities(params, X)
    np.testing.assert_allclose(probabilities, AL.detach().numpy().T, rtol=1e-12, atol=1e-15)
    # one example alone gets the same prediction: no batch statistics at test time
    np.testing.assert_allclose(net.probabilities(params, X[:, :1]), probabilities[:, :1])
    if output == "sigmoid":
        assert (net.predict(params, X) == (AL.detach().numpy().T > 0.5)).all()


@pytest.mark.parametrize(("layers", "hidden", "output", "loss"), NETS)
def test_examples_as_rows_agree_with_torch_too(layers, hidden, output, loss) -> None:
    # PyTorch's own layout: Z[l] = A[l−1] W[l], statistics over axis 0, γ and β of shape (1, n)
    net = cr.mlp(layers, hidden=hidden, output=output, loss=loss, batchnorm=True, layout="rows")
    cols = cr.mlp(layers, hidden=hidden, output=output, loss=loss, batchnorm=True)
    params, X, Y = case(cols, 4)
    J, AL, t, Zs = torch_forward(layers, hidden, output, params, X, Y)
    J.backward()
    rows = {k: v.T.copy() for k, v in params.items()}
    assert {k: v.shape for k, v in rows.items()} == {k: v.shape for k, v in net.init(0).items()}
    grads = net.gradients(rows, X.T, Y.T, "exact")
    for k in (k for k in params if k not in net.spec.statistics):
        np.testing.assert_allclose(grads["d" + k], t[k].grad.numpy().T, rtol=1e-10, atol=1e-12)
    for name, Z in Zs.items():
        np.testing.assert_allclose(grads["d" + name], Z.grad.numpy(), rtol=1e-10, atol=1e-12)
    _, AL, _, _ = torch_forward(layers, hidden, output, params, X, Y, training=False)
    np.testing.assert_allclose(net.probabilities(rows, X.T), AL.detach().numpy(), rtol=1e-12)


def test_the_derivation_is_printed_in_compact_form() -> None:
    net = cr.mlp([2, 4, 1], hidden="tanh", batchnorm=True)
    d = net.derive()
    assert "b1" not in {v.name for v in net.program.inputs}  # β replaces the bias
    # the compact backward of the course: dZ = (1/m)(γ/σ)(m dZ̃ − Σ dZ̃ − Ẑ Σ(dZ̃ ⊙ Ẑ))
    assert text(d["dZ1"].expr) == (
        "(1/m) gamma1 ⊙ (m dZ_tilde1 − Σ₁ dZ_tilde1 − Σ₁ (Z_norm1 ⊙ dZ_tilde1) ⊙ Z_norm1) "
        "/ √(var1 + eps)"
    )
    assert text(d["dgamma1"].expr) == "(1/m) Σ₁ (dZ_tilde1 ⊙ Z_norm1)"
    assert text(d["dbeta1"].expr) == "(1/m) Σ₁ dZ_tilde1"
    assert "dmu1" not in net.source()  # the printed code runs the compact form


def test_fit_keeps_running_statistics_as_exponentially_weighted_averages() -> None:
    X, Y = cr.data.planar()
    net = cr.mlp([2, 4, 1], hidden="tanh", batchnorm=True)
    start = net.init(0)
    h = cr.fit(net, X, Y, "gd", lr=0.1, iterations=2, progress=False)
    Z1 = start["W1"] @ X  # the first step's batch statistics, computed here with NumPy
    mean = 0.1 * Z1.mean(axis=1, keepdims=True)
    var = 0.9 + 0.1 * Z1.var(axis=1, keepdims=True)
    after_one = cr.fit(net, X, Y, "gd", lr=0.1, iterations=1, progress=False).params
    np.testing.assert_allclose(after_one["running_mean1"], mean, rtol=1e-12)
    np.testing.assert_allclose(after_one["running_var1"], var, rtol=1e-12)
    Z1 = after_one["W1"] @ X  # the second step reads the updated W[1]
    np.testing.assert_allclose(
        h.params["running_mean1"], 0.9 * mean + 0.1 * Z1.mean(axis=1, keepdims=True), rtol=1e-12
    )
    assert not np.allclose(h.params["gamma1"], 1) and not np.allclose(h.params["beta1"], 0)


@pytest.mark.parametrize(("data", "bar"), [("planar", 83), ("moons", 90)])
def test_training_reaches_a_clear_accuracy(data: str, bar: float, tmp_path: Path) -> None:
    X, Y = getattr(cr.data, data)()
    net = cr.mlp([2, 8, 1], hidden="tanh", batchnorm=True)
    h = cr.fit(net, X, Y, "adam", lr=0.01, epochs=100, batch_size=64, progress=False)
    accuracy = cr.accuracy(net, h, X, Y)  # test mode: the running statistics
    assert accuracy > bar  # logistic regression gets 47% on planar (the course's number)
    loaded = cr.load(cr.save(tmp_path / "bn.npz", net, h))
    assert loaded.net.spec.batchnorm
    for k, v in h.params.items():
        np.testing.assert_array_equal(loaded.params[k], v, err_msg=k)
    assert cr.accuracy(loaded.net, loaded.params, X, Y) == accuracy


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"keep_prob": 0.8}, "dropout"),
        ({"layers": [2, 1]}, "has none"),
        ({"batchnorm": "yes"}, "True or False"),
    ],
)
def test_a_bad_combination_is_one_clear_error(options: dict, words: str) -> None:
    kw = {"layers": [2, 4, 1], "batchnorm": True, **options}
    with pytest.raises(cr.ChainruleError, match="batchnorm") as info:
        cr.mlp(**kw)
    assert words in str(info.value)


def test_cli_train_batchnorm(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    base = "train --dataset moons --layers 2,8,1 --hidden tanh --batchnorm --optimizer adam "
    base += "--lr 0.01 --epochs 100 --batch-size 64 -q"
    assert main((base + f" --save {tmp_path / 'm.npz'}").split()) == 0
    out = capsys.readouterr().out
    assert float(out.split("Accuracy: ")[1].split("%")[0]) > 90
    assert set(cr.load(tmp_path / "m.npz").params) >= {"gamma1", "beta1", "running_var1"}
    assert main((base + " --keep-prob 0.8").split()) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "batchnorm" in err and "Traceback" not in err
