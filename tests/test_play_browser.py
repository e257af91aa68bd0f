"""``chainrule play`` in real Chromium: started by its own command on a free port, driven like a
learner would — build the course's 2-4-1 network, train, pause, step, click dZ[1], check a wrong
formula, share a link, two tabs at once — with no request leaving this machine and no console error.

A screenshot is kept as ``tests/artifacts/play.png``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette", reason="the web extra (make test installs it)")
from browser import chromium_path  # noqa: E402

ARTIFACTS = Path(__file__).parent / "artifacts"
TIMEOUT = 30_000  # ms: a shared 2-core machine


@pytest.fixture(scope="module")
def server() -> str:
    """``python -m chainrule play --no-browser --port 0``; the URL it prints."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "chainrule", "play", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if not found:
        proc.kill()
        pytest.fail(f"chainrule play printed {line!r}; stderr: {proc.stderr.read()}")
    yield found.group(0)
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield b
        b.close()


class Watched:
    """A page whose requests and console errors are recorded."""

    def __init__(self, browser, url: str) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.set_default_timeout(TIMEOUT)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.open(url)

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_selector("#backward li")
        self.page.wait_for_function(
            "() => /^cost \\d/.test(document.getElementById('cost').textContent)"
        )

    def button(self, name: str):
        return self.page.get_by_role("button", name=name, exact=True)

    def cost(self) -> float:
        return float(self.page.inner_text("#cost").removeprefix("cost "))

    def iteration(self) -> int:
        return int(re.match(r"iteration (\d+)", self.page.inner_text("#progress")).group(1))

    def wait_cost_below(self, value: float) -> None:
        self.page.wait_for_function(
            f"() => parseFloat(document.getElementById('cost').textContent.slice(5)) < {value}"
        )

    def code(self) -> list[str]:
        return self.page.locator("#backward code").all_inner_texts()

    def assert_local(self, origin: str) -> None:
        assert self.requests and all(u.startswith(origin) for u in self.requests), self.requests
        assert not self.errors, self.errors


def test_a_learner_builds_trains_steps_explains_and_checks(server: str, browser) -> None:
    w = Watched(browser, server)
    page = w.page
    # the default page is the course's planar network, cost 0.6930 before training
    assert page.inner_text("#network-name").startswith("network 2-4-1 (tanh → sigmoid, bce)")
    assert page.inner_text("#cost") == "cost 0.6930"
    assert page.get_by_label("Layer sizes").input_value() == "2,4,1"
    # build: another activation changes the formulas, and back
    page.get_by_label("Hidden activations").fill("relu")
    page.wait_for_function(
        "() => document.getElementById('network-name').textContent.includes('relu')"
    )
    assert not any("A1**2" in c for c in w.code())
    page.get_by_label("Layer sizes").fill("2,4,1")
    page.get_by_label("Hidden activations").fill("tanh")
    page.wait_for_function(
        "() => document.getElementById('network-name').textContent.includes('tanh')"
    )
    assert "dZ1 = dA1 * (1 - A1**2)" in w.code()
    assert (
        page.locator("#backward math").count() == 8 and page.locator("#forward math").count() == 6
    )
    assert "shape (4, m)" in page.inner_text("#backward")
    # train: the cost in the page falls; pause
    w.button("Train").click()
    w.wait_cost_below(0.6)
    w.button("Pause").click()
    page.wait_for_function("() => !document.getElementById('train').disabled")
    paused = w.iteration()
    assert paused > 0 and w.cost() < 0.6
    # step (from the keyboard): one more iteration, and the numbers of that update under each line
    w.button("Step").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"() => document.getElementById('progress').textContent.includes('{paused + 1}')"
    )
    dz1 = page.locator("#backward li[data-name='dZ1']")
    assert dz1.locator("table.matrix td").count() == 4  # the column of dZ[1] for example i
    assert "column i = 0" in dz1.inner_text()
    assert page.locator("#backward li[data-name='dW1'] table.matrix td").count() == 8
    assert f"the update from iteration {paused}" in page.inner_text("#values-of")
    # hover a hidden neuron: its activation, pre-activation and gradient for example i
    x, y = page.evaluate(
        "(() => { const n = view.neurons.find((p) => p.l === 1 && p.j === 0);"
        " const cv = document.getElementById('net-canvas').getBoundingClientRect();"
        " return [cv.left + n.x * cv.width / 460, cv.top + n.y * cv.height / 260]; })()"
    )
    page.mouse.move(x, y)
    assert re.search(r"A\[1\] = -?\d.*dZ\[1\] = ", page.inner_text("#hover"))
    # hover the middle of an edge: its weight and its gradient
    x, y = page.evaluate(
        "(() => { const e = view.edges.find((q) => q.l === 2 && q.k === 1);"
        " const cv = document.getElementById('net-canvas').getBoundingClientRect();"
        " return [cv.left + (e.x0 + e.x1) / 2 * cv.width / 460,"
        " cv.top + (e.y0 + e.y1) / 2 * cv.height / 260]; })()"
    )
    page.mouse.move(x, y)
    assert re.search(
        r"unit 2 of layer 1 .* W\[2\] = -?\d.*dW\[2\] = -?\d", page.inner_text("#hover")
    )
    # click dZ[1]: its explanation, the same content as `chainrule explain dZ1`
    page.get_by_role("button", name="Explain dZ[1]").click()
    page.wait_for_selector("#explanation:not([hidden]) math")
    text = page.inner_text("#explanation-body")
    assert "chain" in text.lower() and "numeric check" in text.lower()
    assert page.locator("#explanation-body math").count() > 10
    # check a wrong formula: the diagnosis names the transpose and gives the corrected formula
    page.get_by_label("Check my formula").fill("dZ1 = W2 @ dZ2 * (1 - A1**2)")
    page.get_by_label("Check my formula").press("Enter")
    page.wait_for_selector("#verdict .wrong")
    verdict = page.inner_text("#verdict")
    assert "transpose" in verdict and "corrected: dZ1 = W2.T @ dZ2 * (1 - A1**2)" in verdict
    w.button("Close").click()
    assert page.locator("#explanation").is_hidden()
    page.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "play.png"))
    # a malformed choice is an error in the page, and the network stays usable
    page.get_by_label("Layer sizes").fill("2,1000000,1")
    page.wait_for_selector("#error:not([hidden])")
    assert "1000000 units" in page.inner_text("#error")
    page.get_by_label("Layer sizes").fill("2,4,1")
    page.wait_for_selector("#error", state="hidden")
    page.get_by_label("Learning rate").fill("-0.5")
    page.wait_for_selector("#error:not([hidden])")
    assert "learning rate = '-0.5' must be > 0" in page.inner_text("#error")
    w.assert_local(server)
    page.close()


def test_a_shared_link_rebuilds_the_network_and_two_tabs_train_apart(server: str, browser) -> None:
    a = Watched(browser, server)
    a.page.get_by_label("Data set").select_option("moons")
    a.page.get_by_label("Layer sizes").fill("2,5,3,1")
    a.page.get_by_label("Hidden activations").fill("relu,tanh")
    a.page.get_by_label("Initialization").select_option("xavier")
    a.page.get_by_label("Seed").fill("7")
    a.page.wait_for_function(
        "() => location.search.includes('seed=7') && location.search.includes('5-3')"
    )
    a.page.wait_for_function(
        "() => document.getElementById('network-name').textContent.includes('5-3')"
    )
    link = a.page.get_by_role("link", name="Link to this network").get_attribute("href")
    b = Watched(browser, server + link.lstrip("/"))  # a second tab opens the shared link
    assert b.page.inner_text("#network-name") == a.page.inner_text("#network-name")
    assert b.code() == a.code() and b.page.inner_text("#cost") == a.page.inner_text("#cost")
    assert b.page.get_by_label("Seed").input_value() == "7"
    assert b.page.get_by_label("Data set").input_value() == "moons"
    assert b.page.get_by_label("Initialization").input_value() == "xavier"
    # two tabs at once: the default network and the shared one, training side by side
    c = Watched(browser, server)
    start_a, start_c = a.cost(), c.cost()
    a.button("Train").click()
    c.button("Train").click()
    a.wait_cost_below(start_a - 0.05)
    c.wait_cost_below(start_c - 0.05)
    a.button("Pause").click()
    c.button("Pause").click()
    assert "2-5-3-1 (relu,tanh" in a.page.inner_text("#network-name")
    assert "2-4-1 (tanh" in c.page.inner_text("#network-name")
    assert b.iteration() == 0  # the third tab never trained
    for w in (a, b, c):
        w.assert_local(server)
        w.page.close()


def test_an_uploaded_csv_is_the_data(server: str, browser, tmp_path) -> None:
    rows = [f"{np.cos(t):.4f},{np.sin(t):.4f},{int(np.sin(3 * t) > 0)}" for t in range(80)]
    path = tmp_path / "mine.csv"
    path.write_text("u,v,label\n" + "\n".join(rows) + "\n")
    w = Watched(browser, server)
    w.page.get_by_label("Data set").select_option("csv")
    w.page.wait_for_selector("#error:not([hidden])")  # no file yet: the page says so
    assert "no CSV uploaded yet" in w.page.inner_text("#error")
    w.page.get_by_label("CSV file").set_input_files(str(path))
    w.page.wait_for_function(
        "() => /80 examples/.test(document.getElementById('network-name').textContent)"
    )
    assert w.page.locator("#error").is_hidden()
    w.button("Step").click()
    w.page.wait_for_function("() => document.getElementById('progress').textContent.includes('1,')")
    w.assert_local(server)
    w.page.close()


def test_batch_norm_shows_its_steps_and_trains(server: str, browser) -> None:
    w = Watched(browser, server)
    page = w.page
    page.get_by_label("Batch norm").check()
    page.wait_for_function(
        "() => document.getElementById('network-name').textContent.includes('batch norm')"
        " && location.search.includes('bn=true')"
    )
    # the γ, β steps and the compact dZ[1], typeset and with the line of code that runs them
    for name in ("dZ_tilde1", "dgamma1", "dbeta1", "dZ_norm1", "dZ1"):
        assert page.locator(f"#backward li[data-name='{name}'] math").count() == 1, name
    code = w.code()
    assert "dgamma1 = 1 / m * np.sum(dZ_tilde1 * Z_norm1, axis=1, keepdims=True)" in code
    assert "dbeta1 = 1 / m * np.sum(dZ_tilde1, axis=1, keepdims=True)" in code
    assert not any(c.startswith("db1 =") for c in code)  # β replaces the bias
    start = w.cost()
    w.button("Train").click()
    w.wait_cost_below(start - 0.03)
    w.button("Pause").click()
    page.wait_for_function("() => !document.getElementById('train').disabled")
    paused = w.iteration()
    w.button("Step").click()
    page.wait_for_function(
        f"() => document.getElementById('progress').textContent.includes('{paused + 1}')"
    )
    dgamma = page.locator("#backward li[data-name='dgamma1']")
    assert dgamma.locator("table.matrix td").count() == 4  # dγ[1], (4, 1): a sum over examples
    assert "all examples" in dgamma.inner_text()
    assert "bn=true" in page.get_by_role("link", name="Python script").get_attribute("href")
    link = page.get_by_role("link", name="Link to this network").get_attribute("href")
    other = Watched(browser, server + link.lstrip("/"))  # the shared link keeps the box ticked
    assert other.page.get_by_label("Batch norm").is_checked()
    assert "batch norm" in other.page.inner_text("#network-name")
    for v in (w, other):
        v.assert_local(server)
        v.page.close()
