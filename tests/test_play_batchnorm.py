"""The playground with batch norm: the option, its formulas, its numbers, its export.

* ``batchnorm`` is a choice like the others: in the link (``bn=true``), checked by the server, a
  malformed value answered with one error on that tab;
* the backward formulas shown are the steps of ``net.derive()`` of ``cr.mlp(..., batchnorm=True)``
  (dZ̃, dγ, dβ, dZ_norm and the compact dZ), each with its line of ``net.source()``;
* after one Step the dγ, dβ, dW shown are the update applied and agree with PyTorch autograd through
  ``torch.nn.functional.batch_norm`` in float64;
* live training is ``cr.fit`` (running statistics included), and accuracy and the decision boundary
  read the test-mode program (running statistics), as ``predict`` does.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html import unescape
from urllib.parse import parse_qsl

import numpy as np
import pytest

import chainrule as cr
from chainrule.web import Session, parse_state, state_from_query

pytest.importorskip("starlette", reason="the web extra (make test installs it)")
from starlette.testclient import TestClient  # noqa: E402

from chainrule.web.server import create_app  # noqa: E402

EPS = 1e-5  # PyTorch's default ε, the one chainrule's batch norm uses


def receive(ws, kind: str, limit: int = 50) -> dict:
    for _ in range(limit):
        m = ws.receive_json()
        if m["type"] == kind:
            return m
        assert m["type"] != "error", m
    raise AssertionError(f"no {kind!r} message in {limit}")


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(), base_url="http://127.0.0.1")


def test_the_option_builds_the_batch_norm_network_and_survives_its_link(client) -> None:
    with client.websocket_connect("ws://127.0.0.1/ws") as ws:
        ws.send_json({"action": "build", "state": {"batchnorm": "true"}})
        network = receive(ws, "network")
    assert network["network"] == "2-4-1 (tanh → sigmoid, bce, batch norm)"
    assert network["state"]["batchnorm"] is True and "bn=true" in network["query"]
    assert network["trainer"] == "teaching"  # cr.fit keeps running statistics from its μ, σ²
    query = dict(parse_qsl(network["query"]))
    state = state_from_query(query)
    assert state.batchnorm and state == parse_state(network["state"] | {"layers": "2,4,1"})
    assert not state_from_query({}).batchnorm and "bn=false" in parse_state({}).query()
    # the formulas are those of cr.mlp(..., batchnorm=True), no bias in layer 1
    net = cr.mlp([2, 4, 1], hidden="tanh", batchnorm=True)
    shown = [e["name"] for e in network["equations"]["backward"]]
    assert shown == net.quantities("course")
    assert {"dZ_tilde1", "dgamma1", "dbeta1", "dZ_norm1"} <= set(shown) and "db1" not in shown


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ('"yes"', "batch norm 'yes' must be true or false"),
        ("2", "batch norm 2 must be true or false"),
        ("null", "batch norm None must be true or false"),
    ],
)
def test_a_malformed_batch_norm_value_is_one_error_on_that_tab(client, value, says) -> None:
    with (
        client.websocket_connect("ws://127.0.0.1/ws") as a,
        client.websocket_connect("ws://127.0.0.1/ws") as b,
    ):
        for ws in (a, b):
            ws.send_json({"action": "build", "state": {}})
            receive(ws, "network")
            receive(ws, "snapshot")
        b.send_text('{"action": "build", "state": {"batchnorm": ' + value + "}}")
        error = receive(b, "error")
        assert error["message"].startswith(says) and error["message"].count("\n") == 0
        b.send_json({"action": "step"})  # b keeps its network; a never heard of it
        assert receive(b, "snapshot")["iteration"] == 1
        a.send_json({"action": "step"})
        snap = receive(a, "snapshot")
        assert snap["iteration"] == 1 and "dgamma1" not in snap["values"]


@pytest.mark.parametrize(
    ("state", "says"),
    [
        ({"batchnorm": True, "keep_prob": 0.8}, "dropout"),
        ({"batchnorm": True, "layers": "2,1"}, "has none"),
    ],
)
def test_a_combination_the_library_refuses_is_its_one_message(client, state, says) -> None:
    with client.websocket_connect("ws://127.0.0.1/ws") as ws:
        ws.send_json({"action": "build", "state": state})
        error = receive(ws, "error")
    assert "batchnorm" in error["message"] and says in error["message"]


def test_bad_batch_norm_in_an_export_link_is_a_400(client) -> None:
    response = client.get("/export.py?bn=maybe")
    assert response.status_code == 400 and "batch norm 'maybe'" in response.text


def test_every_batch_norm_formula_is_a_line_of_the_code_that_runs() -> None:
    s = Session()
    shown = s.build({"batchnorm": True})["equations"]["backward"]
    source = s.net.source("course")
    start, every = source.index("def gradients("), source.index("def backward(")
    update = [line.strip() for line in source[start:every].splitlines()]
    run = [e for e in shown if e["runs"]]
    positions = [update.index(e["code"]) for e in run]
    assert positions == sorted(positions)
    rest = [line.strip() for line in source[every:].splitlines()]
    assert [e["name"] for e in shown if not e["runs"]] == ["dA2", "dZ_norm1"]
    assert all(e["code"] in rest for e in shown if not e["runs"])
    by = {e["name"]: e for e in shown}
    # the compact three-term dZ of the course, with σ = √(σ² + ε), is what runs
    assert "m * dZ_tilde1 - np.sum(dZ_tilde1" in by["dZ1"]["code"]
    assert "np.sum(Z_norm1 * dZ_tilde1, axis=1, keepdims=True) * Z_norm1" in by["dZ1"]["code"]
    assert "np.sqrt(var1 + eps)" in by["dZ1"]["code"]
    for name in ("dgamma1", "dbeta1", "dZ_tilde1", "dZ1"):
        assert "<math" in by[name]["mathml"] and by[name]["shape"].startswith("(4,")
    # the MathML typesets the same compact step: γ[1], both sums over the examples, √(σ² + ε)
    text = unescape(re.sub(r"<[^>]+>", "", by["dZ1"]["mathml"]))
    assert text.startswith("dZ[1]=1mγ[1]⊙(mdZ_tilde[1]−∑i=1mdZ_tilde[1](i)−∑i=1m(Z_norm[1]⊙")
    assert text.endswith("var[1]+eps") and "<msqrt>" in by["dZ1"]["mathml"]


torch = pytest.importorskip("torch")
F = torch.nn.functional


def torch_reference(s: Session, params: dict) -> dict:
    """∂J/∂P of the 2-4-1 tanh/BN/sigmoid/BCE network by autograd (float64), and ∂ℒ/∂Z[1]
    (ℒ = Σᵢ L⁽ⁱ⁾, the course's per-example dZ), in the session's layout."""
    cols = s.state.layout == "columns"
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    X = torch.tensor(s.X if not cols else s.X.T, dtype=torch.float64)  # examples as rows
    Y = torch.tensor(s.Y if not cols else s.Y.T, dtype=torch.float64)
    W1, W2 = (t["W1"].T, t["W2"].T) if cols else (t["W1"], t["W2"])
    Z1 = X @ W1
    Z1.retain_grad()
    Zt = F.batch_norm(
        Z1, None, None, t["gamma1"].ravel(), t["beta1"].ravel(), training=True, eps=EPS
    )
    Z2 = torch.tanh(Zt) @ W2 + (t["b2"].T if cols else t["b2"])
    loss = F.binary_cross_entropy_with_logits(Z2, Y, reduction="none")
    loss.sum().backward()
    m = X.shape[0]
    out = {f"d{k}": v.grad.numpy() / m for k, v in t.items() if v.grad is not None}
    out["dZ1"] = Z1.grad.numpy().T if cols else Z1.grad.numpy()
    return out


@pytest.mark.parametrize(("layout", "convention"), [("columns", "course"), ("rows", "exact")])
def test_the_step_numbers_are_the_update_and_agree_with_torch(layout, convention) -> None:
    s = Session()
    s.build({"batchnorm": True, "layout": layout, "convention": convention, "lr": 0.7})
    s.advance(30)  # away from γ = 1, β = 0
    before = {k: v.copy() for k, v in s.params.items()}
    s.step()
    s.choose_example(17)
    snap = s.snapshot()
    shown = snap["values"]
    assert "update" in snap["values_of"]
    reference = torch_reference(s, {k: before[k] for k in ("W1", "gamma1", "beta1", "W2", "b2")})
    for k in ("gamma1", "beta1", "W1", "W2", "b2"):
        applied = (before[k] - s.params[k]) / 0.7  # what gradient descent subtracted
        np.testing.assert_allclose(shown["d" + k], applied, rtol=1e-6, atol=1e-12, err_msg=k)
        np.testing.assert_allclose(shown["d" + k], reference["d" + k], rtol=1e-6, atol=1e-12)
    m = s.X.shape[1 if layout == "columns" else 0]
    per_example = 1.0 if convention == "course" else 1.0 / m
    dZ1 = np.take(reference["dZ1"], 17, axis=1 if layout == "columns" else 0)
    np.testing.assert_allclose(shown["dZ1"], dZ1 * per_example, rtol=1e-6, atol=1e-12)
    # the running statistics moved by the batch's μ[1], σ²[1] (momentum 0.9), as cr.fit keeps them
    Z1 = before["W1"] @ s.X if layout == "columns" else s.X @ before["W1"]
    axis = 1 if layout == "columns" else 0
    mu = Z1.mean(axis=axis, keepdims=True)
    expected = 0.9 * before["running_mean1"] + 0.1 * mu
    np.testing.assert_allclose(s.params["running_mean1"], expected, rtol=1e-12)


def test_live_training_is_one_fit_and_predictions_use_the_running_statistics() -> None:
    s = Session()
    s.build({"batchnorm": True, "data": "moons", "layers": "2,6,1", "lr": 0.5})
    for k in (20, 20, 17):
        s.advance(k)
    net = cr.mlp([2, 6, 1], hidden="tanh", batchnorm=True)
    X, Y = cr.data.moons()
    h = cr.fit(net, X, Y, "gd", lr=0.5, iterations=57, init="course", progress=False)
    for k, v in h.params.items():
        np.testing.assert_allclose(s.params[k], v, rtol=1e-9, atol=1e-12, err_msg=k)
    assert not np.allclose(s.params["running_var1"], 1)
    snap = s.snapshot()
    assert snap["cost"] < s.costs[0][1]
    # accuracy and boundary by torch in eval mode (running statistics), not by the batch's
    p = {k: torch.tensor(v, dtype=torch.float64) for k, v in s.params.items()}
    x0, x1, y0, y1 = s.describe()["box"]
    points = np.hstack([X, np.array([[x0, x1, x0, x1], [y1, y1, y0, y0]])])
    Z1 = torch.tensor(points.T) @ p["W1"].T
    Zt = F.batch_norm(
        Z1, p["running_mean1"].ravel(), p["running_var1"].ravel(), p["gamma1"].ravel(),
        p["beta1"].ravel(), training=False, eps=EPS,
    )  # fmt: skip
    P = torch.sigmoid(torch.tanh(Zt) @ p["W2"].T + p["b2"].T).numpy().ravel()
    assert snap["accuracy"] == pytest.approx(100 * np.mean((P[:-4] > 0.5) == (Y[0] == 1)))
    z = snap["grid"]["z"]
    np.testing.assert_allclose([z[0][0], z[0][-1], z[-1][0], z[-1][-1]], P[-4:], atol=1e-3)


def test_the_exported_batch_norm_script_rebuilds_the_run(client, tmp_path) -> None:
    s = Session()
    s.build({"batchnorm": True, "lr": 0.5})
    s.advance(25)
    cost = s.snapshot()["cost"]
    response = client.get(f"/export.py?{s.state.query()}&iterations=25")
    assert response.status_code == 200 and "batchnorm=True" in response.text
    path = tmp_path / "run.py"
    path.write_text(response.text)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"cost {cost:.4f}" in done.stdout
    nb = client.get(f"/export.ipynb?{s.state.query()}&iterations=25").text
    assert "batchnorm=True" in nb
