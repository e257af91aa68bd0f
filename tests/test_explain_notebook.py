"""The example notebook runs, and its derivation, explanation and gradient display richly."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parent.parent / "examples" / "explain.ipynb"


def test_notebook_shows_rich_display():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    results = [
        out["data"]
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "execute_result"
    ]
    assert len(results) == 4  # derivation, two explanations, gradient
    for data in results:
        assert "<math" in data["text/html"] and "\\" not in data["text/html"].split("<math")[0]
        assert data["text/markdown"].startswith("# ")
        assert data["text/latex"].startswith("$$")
    assert results[1]["text/plain"] == "<explanation of dZ[1] = W[2]ᵀ dZ[2] ⊙ (1 − A[1]²)>"
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert "∂f/∂W = ∂f/∂(tanh(W x)) · ∂(tanh(W x))/∂(W x) · ∂(W x)/∂W" in printed
