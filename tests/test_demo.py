"""`chainrule demo`, the main job: a newcomer ends with a trained planar classifier at ≥ 90 %,
its plots, and the derivation that trained it."""

from __future__ import annotations

import json

from chainrule.cli import main


def test_demo_trains_the_planar_classifier_and_writes_its_files(tmp_path, capsys) -> None:
    assert main(["demo", "--out", str(tmp_path), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert "dZ[1] = W[2]ᵀ dZ[2] ⊙ (1 − A[1]²)" in summary["backward"]
    assert summary["gradcheck_passed"] is True
    assert round(summary["costs"]["0"], 6) == 0.693048  # the course's published first cost
    assert summary["accuracy"] >= 90.0
    names = {p.name for p in tmp_path.iterdir()}
    assert {"cost.png", "decision_boundary.png", "gradient_norms.png"} <= names
    assert {"derivation.html", "explain-dZ1.html", "backprop.py", "planar-2-4-1.npz"} <= names
    for png in tmp_path.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (tmp_path / "derivation.html").read_text()
    assert "<math" in page and "http://" not in page and "https://" not in page


def test_demo_text_shows_each_part(tmp_path, capsys) -> None:
    assert main(["demo", "--out", str(tmp_path), "--iterations", "1000"]) == 0
    out = capsys.readouterr().out
    for part in ("1. derive", "2. explain", "3. check", "4. train", "5. files"):
        assert part in out
    assert "dW[1] = (1/m) dZ[1] Xᵀ" in out
