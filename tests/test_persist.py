"""Save → load gives the same network and predictions; damaged or foreign files are refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
import sympy

import chainrule as cr
from chainrule.errors import ModelFileError, SpecError


@pytest.fixture(scope="module")
def trained():
    X, Y = cr.data.moons(m=60)
    net = cr.mlp([2, 5, 3, 1], hidden=["tanh", "relu"], l2=0.1, keep_prob=[0.9, 1.0])
    return net, cr.fit(net, X, Y, "adam", lr=0.01, iterations=50), X


def test_save_load_gives_identical_predictions(trained, tmp_path: Path) -> None:
    net, h, X = trained
    path = cr.save(tmp_path / "model.npz", net, h)
    loaded, params = cr.load(path)
    assert loaded.spec == net.spec
    assert all(np.array_equal(params[k], h.params[k]) for k in h.params)
    assert np.array_equal(loaded.probabilities(params, X), net.probabilities(h.params, X))
    assert np.array_equal(cr.predict(loaded, params, X), cr.predict(net, h, X))
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temporary files left


@pytest.mark.parametrize(
    "hidden", [["leaky_relu", "sigmoid"], [cr.activation("cube", sympy.Symbol("z") ** 3), "tanh"]]
)
def test_activations_round_trip(hidden, tmp_path: Path) -> None:
    net = cr.mlp([2, 3, 2, 1], hidden=hidden, layout="rows", output="sigmoid")
    p = net.init(seed=2)
    cr.save(tmp_path / "m.npz", net, p)
    custom = {h.name: h for h in net.spec.hidden if h.name == "cube"}
    if custom:
        with pytest.raises(ModelFileError, match=r"custom activation cube.*activations="):
            cr.load(tmp_path / "m.npz")
    loaded, _ = cr.load(tmp_path / "m.npz", activations=custom)
    assert loaded.spec == net.spec


def test_float32_parameters_keep_their_dtype(tmp_path: Path) -> None:
    net = cr.mlp([2, 3, 1])
    p = net.init(dtype=np.float32)
    _, params = cr.load(cr.save(tmp_path / "m.npz", net, p))
    assert params["W1"].dtype == np.float32


def test_parameters_that_do_not_fit_are_not_saved(tmp_path: Path) -> None:
    net = cr.mlp([2, 3, 1])
    with pytest.raises(SpecError, match="missing"):
        cr.save(tmp_path / "m.npz", net, {"W1": np.zeros((3, 2))})
    with pytest.raises(SpecError, match="W1"):
        cr.save(tmp_path / "m.npz", net, {**net.init(), "W1": np.zeros((2, 3))})


# -- damaged and foreign files ---------------------------------------------------------------------
@pytest.fixture
def saved(trained, tmp_path: Path) -> Path:
    net, h, _ = trained
    return cr.save(tmp_path / "model.npz", net, h)


def test_truncated_file(saved: Path) -> None:
    data = saved.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 10):
        saved.write_bytes(data[:cut])
        with pytest.raises(ModelFileError, match="not a readable model file"):
            cr.load(saved)


def test_tampered_bytes(saved: Path) -> None:
    data = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as z:
        info = z.getinfo("W1.npy")
    at = info.header_offset + 30 + len(info.filename) + info.compress_size - 3  # inside W1's data
    data[at] ^= 0xFF
    saved.write_bytes(bytes(data))
    with pytest.raises(ModelFileError):
        cr.load(saved)


def test_a_changed_parameter_fails_the_checksum(saved: Path) -> None:
    with np.load(saved) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["W1"] = arrays["W1"] + 1e-9  # a consistent archive, but not what was saved
    np.savez(saved, **arrays)
    with pytest.raises(ModelFileError, match="checksum"):
        cr.load(saved)


def test_a_foreign_npz_is_refused(tmp_path: Path) -> None:
    np.savez(tmp_path / "data.npz", X=np.zeros((2, 3)), Y=np.zeros((1, 3)))
    with pytest.raises(ModelFileError, match="not a chainrule model file"):
        cr.load(tmp_path / "data.npz")


def test_other_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.npz").write_text("hello")
    np.save(tmp_path / "array.npy", np.zeros(3))
    np.savez(tmp_path / "pickled.npz", __format__=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ModelFileError, match="does not exist"):
        cr.load(tmp_path / "missing.npz")
    with pytest.raises(ModelFileError, match="not a readable model file"):
        cr.load(tmp_path / "notes.npz")
    with pytest.raises(ModelFileError, match="single NumPy array"):
        cr.load(tmp_path / "array.npy")
    with pytest.raises(ModelFileError, match="not a readable model file"):
        cr.load(tmp_path / "pickled.npz")


def test_another_format_version_is_refused(saved: Path) -> None:
    with np.load(saved) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["__format__"] = np.array("chainrule-model/99")
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    saved.write_bytes(buf.getvalue())
    with pytest.raises(ModelFileError, match="chainrule-model/99"):
        cr.load(saved)
