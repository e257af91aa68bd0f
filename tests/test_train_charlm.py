"""``chainrule train --cell rnn|lstm`` (issue #13): the character-level model, from `train`.

End to end through the CLI (in-process, small sizes): it trains with the printed BPTT loop until
the cross-entropy per character is below a uniform guess's log(vocabulary), prints samples made of
the vocabulary's characters, writes the loss curve and an ``.npz`` model with the same rules as a
network's (refused if it exists, unless --overwrite). Bad input is one line and exit 2.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from test_hostile import one_line, run

from chainrule.recur import charlm
from chainrule.recur.charlm_file import load_charlm

# a few names of the course's dinosaurs (its dinos.txt), one per line
DINOS = "aachenosaurus\naardonyx\nabdallahsaurus\nabelisaurus\nabrictosaurus\nabrosaurus\n"
DINOS += "abydosaurus\nacanthopholis\nachelousaurus\nacheroraptor\nachillesaurus\nachillobator\n"


@pytest.fixture
def names(tmp_path):
    f = tmp_path / "dinos.txt"
    f.write_text(DINOS.upper())  # read lower-cased, as the course does
    return f


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_train_cell_learns_samples_plots_and_saves(capsys, tmp_path, names, cell):
    model_file, plots = tmp_path / "char.npz", tmp_path / "plots"
    argv = ["train", "--cell", cell, "--text", str(names), "--hidden-units", "16"]
    argv += ["--iterations", "300", "--lr", "0.05", "--sample", "4", "--seed", "3"]
    status, out, err = run(capsys, *argv, "--plot", str(plots), "--save", str(model_file))
    assert status == 0, err
    vocab = sorted(set(DINOS.lower()))  # "\n" and the letters
    assert f"{len(vocab)} characters; 12 examples" in out
    m = re.search(r"cross-entropy per character: ([\d.]+) nats \(a uniform guess: log (\d+)", out)
    assert m is not None and int(m.group(2)) == len(vocab)
    assert float(m.group(1)) < 0.9 * math.log(len(vocab))  # learned: well below a uniform guess
    samples = out.split("samples:\n")[1].split("\nwrote")[0].splitlines()
    assert len(samples) == 4 and all(set(s.strip()) <= set(vocab) for s in samples)
    assert (plots / f"char_{cell}_loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    loaded = load_charlm(model_file)
    assert loaded.cell == cell and loaded.chars == "".join(vocab) and loaded.n_a == 16
    # the saved parameters give the reported cross-entropy back
    words = charlm.words_of_text(DINOS)
    assert charlm.cross_entropy_per_char(loaded, words) == pytest.approx(float(m.group(1)), 1e-4)
    # a model file is replaced only when asked, and refused before any training
    status, _, err = run(capsys, *argv, "--save", str(model_file))
    assert "exists" in one_line(status, err)
    status, _, err = run(capsys, *argv, "--save", str(model_file), "--overwrite", "-q")
    assert status == 0, err


def test_train_cell_reports_json_on_a_built_in_corpus(capsys):
    argv = ["train", "--cell", "rnn", "--corpus", "modules", "--hidden-units", "8"]
    status, out, err = run(capsys, *argv, "--iterations", "50", "--format", "json")
    assert status == 0, err
    report = json.loads(out)
    assert report["model"] == {"cell": "rnn", "n_a": 8, "vocabulary": report["model"]["vocabulary"]}
    assert report["data"]["examples"] == len(charlm.module_names())
    assert report["final"]["iterations"] == 50 and len(report["samples"]) == 5
    assert report["final"]["uniform_guess"] == pytest.approx(np.log(report["model"]["vocabulary"]))
    assert [j for j, _ in report["history"]] == list(range(0, 50, 5))


REFUSED = [
    (["--cell", "lstm", "--layers", "2,4,1"], "--layers describes a network"),
    (["--cell", "lstm", "--dataset", "planar"], "--dataset describes a network"),
    (["--dataset", "planar", "--layers", "2,4,1", "--clip", "3"], "option of the character model"),
    (["--dataset", "planar", "--layers", "2,4,1", "--text", "x"], "--text"),
    (["--cell", "rnn", "--clip", "nan"], "not a finite number"),
    (["--cell", "rnn", "--clip", "0"], "--clip"),
    (["--cell", "rnn", "--hidden-units", "0"], "--hidden-units"),
    (["--cell", "rnn", "--hidden-units", "1000000"], "--hidden-units"),
    (["--cell", "rnn", "--seq-len", "1"], "--seq-len"),
    (["--cell", "rnn", "--sample", "-1"], "--sample"),
    (["--cell", "gru"], "--cell"),
    (["--cell", "rnn", "--corpus", "dinos"], "--corpus"),
    (["--cell", "rnn", "--text", "/no/such/file.txt"], "does not exist"),
    (["--cell", "rnn", "--iterations", "3", "--lr", "1e300"], "training diverged"),
    (["--cell", "rnn", "--save", "/proc/model.npz"], "cannot be written"),
]


@pytest.mark.parametrize(("argv", "words"), REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_bad_input_is_one_line(capsys, argv, words):
    status, _, err = run(capsys, "train", *argv)
    assert words in one_line(status, err)


def test_text_and_corpus_together_are_refused(capsys, names):
    status, _, err = run(capsys, "train", "--cell", "rnn", "--text", str(names), "--corpus", "docs")
    assert "not both" in one_line(status, err)


def test_a_foreign_or_altered_model_file_is_refused(tmp_path):
    from chainrule.errors import ModelFileError
    from chainrule.recur.charlm_file import save_charlm

    model = charlm.init("\nab", n_a=3, seed=0, cell="rnn")
    path = save_charlm(tmp_path / "m.npz", model)
    with np.load(path) as a:
        arrays = dict(a)
    arrays["Waa"] = arrays["Waa"] + 1.0
    np.savez(tmp_path / "altered.npz", **arrays)
    for bad in (tmp_path / "altered.npz", tmp_path / "missing.npz"):
        with pytest.raises(ModelFileError):
            load_charlm(bad)
