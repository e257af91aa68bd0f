"""The explanation and the derivation as HTML pages, laid out by a real headless Chromium."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from browser import render_in_chromium

import chainrule as cr
from chainrule.explain.formats import render
from chainrule.explain.steps import derivation_document

ARTIFACTS = Path(__file__).parent / "artifacts"
NET = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")


def _atomically(target: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=target.suffix)
    os.close(fd)
    write(tmp)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)


def _page(name: str, html: str) -> tuple[str, dict]:
    ARTIFACTS.mkdir(exist_ok=True)
    html_path, png_path = ARTIFACTS / f"{name}.html", ARTIFACTS / f"{name}.png"
    _atomically(html_path, lambda p: Path(p).write_text(html, encoding="ascii"))
    facts: dict = {}
    _atomically(png_path, lambda p: facts.update(render_in_chromium(html_path, p)))
    return html, facts


@pytest.fixture(scope="module")
def explanation_page():
    return _page("explain_dZ1", render(cr.explain(NET, "dZ1"), "html"))


@pytest.fixture(scope="module")
def steps_page():
    doc = derivation_document(NET.derive(), f"network {NET.describe()}")
    return _page("derive_steps", render(doc, "html"))


@pytest.mark.parametrize("which", ["explanation_page", "steps_page"])
def test_math_is_rendered(which, request):
    html, facts = request.getfixturevalue(which)
    assert facts["math_count"] == html.count("<math ") > 20
    assert facts["math_visible"] == facts["math_count"]
    assert facts["fraction_count"] >= 1 and facts["fraction_stacked"]
    assert not re.search(r"\\[A-Za-z]+|\$", facts["text"]), "raw TeX in the visible text"
    assert facts["requests"] == [] and facts["console_errors"] == []


def test_explanation_page_reads_like_the_text(explanation_page):
    _, facts = explanation_page
    for heading in ("The chain rule", "The dimensions", "The indices", "Why ⊙", "L and J"):
        assert heading in facts["text"]
    assert "they agree" in facts["text"]


def test_screenshot_is_saved(explanation_page):
    data = (ARTIFACTS / "explain_dZ1.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
