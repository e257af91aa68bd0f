"""Golden documents: the 2-4-1 network's dZ[1] explained in every format, convention and layout.

Regenerate after an intended change with
``CHAINRULE_UPDATE_GOLDEN=1 pytest tests/test_render_golden.py`` and read the diff: these files
are what a learner reads.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.explain.formats import render
from chainrule.explain.steps import derivation_document

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CHAINRULE_UPDATE_GOLDEN") == "1"
NET = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")
EXTENSIONS = {"text": "txt", "latex": "tex", "markdown": "md", "html": "html", "json": "json"}
CASES = [(c, lay) for c in ("course", "exact") for lay in ("columns", "rows")]


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run with CHAINRULE_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "golden", "actual", lineterm=""
        )
        pytest.fail(f"{name} differs from its golden file:\n" + "\n".join(list(diff)[:60]))


@pytest.fixture(scope="module")
def explanations():
    return {(c, lay): cr.explain(NET, "dZ1", c, lay) for c, lay in CASES}


@pytest.mark.parametrize("fmt", list(EXTENSIONS))
@pytest.mark.parametrize(("convention", "layout"), CASES)
def test_dz1_explanation(explanations, convention, layout, fmt):
    text = render(explanations[convention, layout], fmt)
    check_golden(f"explain_dZ1_{convention}_{layout}.{EXTENSIONS[fmt]}", text)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_derivation_document(fmt):
    doc = derivation_document(NET.derive(), f"network {NET.describe()}, examples as columns")
    check_golden(f"derive_steps.{EXTENSIONS[fmt]}", render(doc, fmt))


def test_text_colour_is_only_styling(explanations):
    import re

    x = explanations["course", "columns"]
    coloured = render(x, "text", color=True)
    assert "\x1b[" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == render(x, "text")
