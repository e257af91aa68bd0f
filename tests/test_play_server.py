"""The playground's server under Starlette's TestClient: what it serves, and what it refuses.

Malformed requests — bad JSON, unknown actions, a network of 10⁶ units, a negative learning rate —
are answered with an error on that socket only; the same socket keeps working, and another tab's
network and numbers are untouched. Hosts and origins other than this machine are refused.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("starlette", reason="the web extra (make test installs it)")
from starlette.testclient import TestClient  # noqa: E402

from chainrule.web.server import TRAINING, create_app  # noqa: E402

BASE = "http://127.0.0.1"


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(), base_url=BASE)


def receive(ws, kind: str, limit: int = 50) -> dict:
    """The next message of type ``kind`` (skipping snapshots and status lines on the way)."""
    for _ in range(limit):
        m = ws.receive_json()
        if m["type"] == kind:
            return m
        assert m["type"] != "error", m  # an unexpected error fails the test instead of hanging it
    raise AssertionError(f"no {kind!r} message in {limit}")


def build(ws, **state) -> dict:
    ws.send_json({"action": "build", "state": state})
    network = receive(ws, "network")
    return network, receive(ws, "snapshot")


def test_the_page_and_its_files_are_served_with_a_strict_policy(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "<title>chainrule play</title>" in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "http" not in csp.replace("ws://127.0.0.1", "")  # no other origin is allowed
    for path in ("/static/play.js", "/static/play.css"):
        assert client.get(path).status_code == 200
    assert client.get("/static/../server.py").status_code == 404


def test_other_hosts_are_refused(client: TestClient) -> None:
    """A page on another name (DNS rebinding) gets nothing from the server."""
    assert client.get("/", headers={"host": "evil.example:80"}).status_code == 400


def test_a_socket_from_another_origin_is_refused(client: TestClient) -> None:
    from starlette.testclient import WebSocketDenialResponse
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises((WebSocketDisconnect, WebSocketDenialResponse)):
        with client.websocket_connect(
            "ws://127.0.0.1/ws", headers={"origin": "http://evil.example"}
        ) as ws:
            ws.receive_json()


def test_the_default_is_the_course_planar_network(client: TestClient) -> None:
    with client.websocket_connect("ws://127.0.0.1/ws") as ws:
        network, snap = build(ws)
    assert network["network"] == "2-4-1 (tanh → sigmoid, bce)"
    assert network["examples"] == 400
    # the course's planar notebook: cost after 0 iterations 0.693048 (np.random.seed(2) init)
    assert snap["cost"] == pytest.approx(0.693048, abs=5e-7)
    labels = [e["label"] for e in network["equations"]["backward"]]
    assert labels == ["dA[2]", "dZ[2]", "dW[2]", "db[2]", "dA[1]", "dZ[1]", "dW[1]", "db[1]"]
    shapes = {e["label"]: e["shape"] for e in network["equations"]["backward"]}
    assert shapes["dZ[1]"] == "(4, m)" and shapes["dW[1]"] == "(4, 2)"


MALFORMED = [
    ("not json at all", "not JSON"),
    ("[1, 2, 3]", "JSON object"),
    ('{"no": "action"}', "JSON object"),
    ('{"action": "fly"}', "unknown action"),
    ('{"action": "build", "state": {"layers": "2,1000000,1"}}', "1000000 units"),
    ('{"action": "build", "state": {"layers": [2, 4, 1], "lr": -0.5}}', "learning rate"),
    ('{"action": "build", "state": {"lr": "NaN"}}', "learning rate"),
    ('{"action": "build", "state": {"layers": "2,x,1"}}', "whole numbers"),
    ('{"action": "build", "state": {"layers": "3,4,1"}}', "start with 2"),
    ('{"action": "build", "state": {"hidden": "banana"}}', "banana"),
    ('{"action": "build", "state": {"data": "blobs"}}', "softmax, layer sizes 2,4,3"),
    (
        '{"action": "build", "state": {"data": "blobs", "layers": "2,4,2", "output": "softmax"}}',
        "3 classes, not 2",
    ),
    ('{"action": "build", "state": {"data": "blobs", "output": "softmax"}}', "one output unit"),
    ('{"action": "build", "state": {"data": "mnist"}}', "data set"),
    ('{"action": "build", "state": {"l2": -1}}', "L2"),
    ('{"action": "build", "state": {"keep_prob": 0}}', "keep_prob"),
    ('{"action": "build", "state": {"seed": -3}}', "seed"),
    ('{"action": "build", "state": {"password": 1}}', "unknown choice"),
    ('{"action": "build", "state": {"data": "csv"}}', "no CSV"),
    ('{"action": "example", "index": 400}', "0 to 399"),
    ('{"action": "example", "index": "3"}', "whole number"),
    ('{"action": "explain", "quantity": "dQ7"}', "dQ7"),
    ('{"action": "explain"}', "quantity"),
    ('{"action": "check", "formula": "dZ1 = W2 @@ dZ2"}', "column"),
    ('{"action": "check", "formula": "dZ9 = 1"}', "dZ9"),
    ('{"action": "upload", "text": "a,b\\n1,2\\n3,x\\n"}', "line 3"),
]


@pytest.mark.parametrize(("text", "says"), MALFORMED, ids=[t for t, _ in MALFORMED])
def test_a_malformed_request_gets_an_error_and_the_session_survives(
    client: TestClient, text: str, says: str
) -> None:
    with client.websocket_connect("ws://127.0.0.1/ws") as ws:
        build(ws)
        ws.send_text(text)
        error = receive(ws, "error")
        assert says in error["message"] + (error["hint"] or "")
        ws.send_json({"action": "step"})  # the socket and its network still work
        snap = receive(ws, "snapshot")
        assert snap["iteration"] == 1 and snap["cost"] < 0.693048


def test_a_binary_frame_is_refused_politely(client: TestClient) -> None:
    with client.websocket_connect("ws://127.0.0.1/ws") as ws:
        ws.send_bytes(b"\x00\x01")
        assert "JSON text" in receive(ws, "error")["message"]


def test_nothing_runs_before_a_network_is_built(client: TestClient) -> None:
    with client.websocket_connect("ws://127.0.0.1/ws") as ws:
        for action in ("train", "step", "reset", "explain", "check"):
            ws.send_json({"action": action, "quantity": "dZ1", "formula": "dZ1 = dA1"})
            assert "build a network first" in receive(ws, "error")["message"]


def test_one_tabs_error_leaves_another_tabs_network_alone(client: TestClient) -> None:
    with (
        client.websocket_connect("ws://127.0.0.1/ws") as a,
        client.websocket_connect("ws://127.0.0.1/ws") as b,
    ):
        build(a, layers="2,3,1", hidden="relu")
        build(b)
        a.send_json({"action": "step"})
        a_cost = receive(a, "snapshot")["cost"]
        b.send_text('{"action": "build", "state": {"layers": "2,1000000,1"}}')
        receive(b, "error")
        b.send_text("}{")
        receive(b, "error")
        a.send_json({"action": "explain", "quantity": "dZ1"})
        html = receive(a, "explanation")["html"]
        assert "relu" in html  # a's network is still its own: 2-3-1 relu
        a.send_json({"action": "step"})
        assert receive(a, "snapshot")["cost"] < a_cost
        b.send_json({"action": "step"})  # b kept its own (default) network
        assert receive(b, "snapshot")["cost"] == pytest.approx(0.6930, abs=1e-3)


def test_training_streams_snapshots_and_pause_stops_it(client: TestClient) -> None:
    with client.websocket_connect("ws://127.0.0.1/ws") as ws:
        _, first = build(ws)
        ws.send_json({"action": "train"})
        assert receive(ws, "status")["running"] is True
        snaps = [receive(ws, "snapshot") for _ in range(5)]
        costs, last = [s["cost"] for s in snaps], snaps[-1]["iteration"]
        ws.send_json({"action": "pause"})
        while (m := ws.receive_json())["type"] != "status":
            last = m["iteration"] if m["type"] == "snapshot" else last
        assert m["running"] is False
        ws.send_json({"action": "step"})
        after = receive(ws, "snapshot")
    assert costs[-1] < costs[0] < first["cost"]
    # nothing trained between the last picture and the step: the run had stopped
    assert after["iteration"] == last + 1
    assert after["iteration"] > 5


def test_the_speed_changes_without_a_rebuild(client: TestClient) -> None:
    with client.websocket_connect("ws://127.0.0.1/ws") as ws:
        build(ws)
        ws.send_json({"action": "train"})
        first = receive(ws, "snapshot")
        ws.send_json({"action": "speed", "per_frame": 3})
        assert "speed=3" in receive(ws, "speed")["query"]
        snaps = [receive(ws, "snapshot") for _ in range(4)]
        ws.send_json({"action": "speed", "per_frame": -3})
        assert "speed" in receive(ws, "error")["message"]
        ws.send_json({"action": "pause"})
    steps = [b["iteration"] - a["iteration"] for a, b in zip(snaps, snaps[1:], strict=False)]
    assert snaps[0]["run"] == first["run"]  # the same run went on
    assert snaps[-1]["iteration"] > first["iteration"] and max(steps) <= 3


def test_the_formula_check_gives_the_diagnosis(client: TestClient) -> None:
    with client.websocket_connect("ws://127.0.0.1/ws") as ws:
        build(ws)
        ws.send_json({"action": "check", "formula": "dZ1 = W2 @ dZ2 * (1 - A1**2)"})
        verdict = receive(ws, "check")
    assert verdict["correct"] is False and verdict["diagnosis"] == "missing-transpose"
    assert "transpose" in verdict["message"]
    assert verdict["corrected"] == "dZ1 = W2.T @ dZ2 * (1 - A1**2)"


def test_right_only_because_of_a_size_is_not_called_correct(client: TestClient) -> None:
    """`W2.T * dZ2` broadcasts to the outer product, which is W2ᵀ dZ2 only because n[2] = 1."""
    with client.websocket_connect("ws://127.0.0.1/ws") as ws:
        build(ws)
        ws.send_json({"action": "check", "formula": "dZ1 = W2.T * dZ2 * (1 - A1**2)"})
        verdict = receive(ws, "check")
    assert verdict["correct"] is False and verdict["verdict"] == "right-here-only"
    assert "n[2] = 1" in verdict["title"]


def test_an_uploaded_csv_trains(client: TestClient) -> None:
    rows = "\n".join(f"{x / 10},{(x * 7 % 11) / 10},{int(x % 2)}" for x in range(60))
    with client.websocket_connect("ws://127.0.0.1/ws") as ws:
        ws.send_json({"action": "upload", "text": "x1,x2,label\n" + rows})
        receive(ws, "uploaded")
        network, _ = build(ws, data="csv", layers="2,3,1")
    assert network["examples"] == 60 and network["box"] is not None


def test_the_exported_script_rebuilds_the_run(client: TestClient, tmp_path) -> None:
    """The script the page exports reaches the cost the page showed after the same iterations."""
    with client.websocket_connect("ws://127.0.0.1/ws") as ws:
        network, _ = build(ws, lr=0.5)
        ws.send_json({"action": "train"})
        for _ in range(3):
            receive(ws, "snapshot")
        ws.send_json({"action": "pause"})
        receive(ws, "status")
        ws.send_json({"action": "example", "index": 0})
        snap = receive(ws, "snapshot")
    response = client.get(f"/export.py?{network['query']}&iterations={snap['iteration']}")
    assert response.status_code == 200 and "import chainrule as cr" in response.text
    path = tmp_path / "run.py"
    path.write_text(response.text)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"cost {snap['cost']:.4f}" in done.stdout
    nb = client.get(f"/export.ipynb?{network['query']}&iterations={snap['iteration']}")
    import nbformat

    notebook = nbformat.reads(nb.text, as_version=4)
    nbformat.validate(notebook)
    assert any("cr.fit(" in c.source for c in notebook.cells)


@pytest.mark.parametrize("query", ["layers=2-1000000-1", "lr=-1", "iterations=-4", "opt=sgdd"])
def test_a_bad_export_link_is_a_clear_400(client: TestClient, query: str) -> None:
    response = client.get(f"/export.py?{query}")
    assert response.status_code == 400 and response.text.startswith("chainrule: ")


def test_closing_a_tab_stops_its_run(client: TestClient) -> None:
    with client.websocket_connect("ws://127.0.0.1/ws") as ws:
        build(ws)
        ws.send_json({"action": "train"})
        receive(ws, "snapshot")
        assert len(TRAINING) == 1
    assert len(TRAINING) == 0


DATA = [
    ("planar", "2,4,1", "sigmoid"),
    ("moons", "2,3,1", "sigmoid"),
    ("circles", "2,5,1", "sigmoid"),
    ("spirals", "2,8,8,3", "softmax"),
    ("xor", "2,4,1", "sigmoid"),
    ("blobs", "2,4,3", "softmax"),
]


@pytest.mark.parametrize(("data", "layers", "output"), DATA, ids=[d for d, _, _ in DATA])
def test_every_data_set_builds_and_trains(
    client: TestClient, data: str, layers: str, output: str
) -> None:
    with client.websocket_connect("ws://127.0.0.1/ws") as ws:
        _, first = build(ws, data=data, layers=layers, output=output, lr=0.5, init="xavier")
        ws.send_json({"action": "train"})
        for _ in range(3):
            last = receive(ws, "snapshot")
        ws.send_json({"action": "pause"})
    assert last["cost"] < first["cost"]
    grid = last["grid"]
    assert grid["kind"] == ("classes" if output == "softmax" else "sigmoid")
    assert len(grid["z"]) == grid["n"]


@pytest.mark.parametrize(
    "choices",
    [
        {"keep_prob": 0.8},
        {"l2": 0.7},
        {"layout": "rows"},
        {"convention": "exact"},
        {"optimizer": "adam", "lr": 0.01},
        {"optimizer": "momentum"},
        {"optimizer": "rmsprop", "lr": 0.01},
    ],
    ids=str,
)
def test_every_option_builds_steps_and_trains(client: TestClient, choices: dict) -> None:
    with client.websocket_connect("ws://127.0.0.1/ws") as ws:
        network, _ = build(ws, **choices)
        assert network["state"] | choices == network["state"]
        ws.send_json({"action": "step"})
        stepped = receive(ws, "snapshot")
        assert stepped["iteration"] == 1 and "dZ1" in stepped["values"]
        ws.send_json({"action": "train"})
        assert receive(ws, "snapshot")["iteration"] > 1
        ws.send_json({"action": "explain", "quantity": "dW1"})
        assert "<math" in receive(ws, "explanation")["html"]


def test_the_command_refuses_a_busy_port_in_one_line(capsys) -> None:
    import socket

    from chainrule.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        status = main(["play", "--no-browser", "--port", str(busy.getsockname()[1])])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "cannot listen on 127.0.0.1:" in err


def test_the_command_has_help_with_an_example(capsys) -> None:
    from chainrule.cli import main

    assert main(["play", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--no-browser" in out and "chainrule play --port 0 --no-browser" in out
