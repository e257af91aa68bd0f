"""``cr.cnn`` and ``cr.fit`` on scikit-learn's 8×8 digits: a real image data set, held-out labels.

The network's gradients are checked against PyTorch autograd (float64) before it is trained; the
training test runs five epochs (a few seconds) and asserts a clear bar on the 450 held-out images
(≥ 90%; the full 20-epoch run, ≥ 97%, is measured by ``bench/digits_cnn.py``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.check.model_check import crosscheck_model
from chainrule.cli import main
from chainrule.errors import ChainruleError, DataError

pytest.importorskip("sklearn")
pytest.importorskip("torch")
from chainrule.data.images import digits  # noqa: E402


def test_the_digits_cnn_agrees_with_pytorch() -> None:
    net = cr.cnn()
    assert net.source_text.splitlines()[0] == "Z1 = conv2d(X, W1, b1, stride=1, pad=1)"
    X, y, _, _ = digits()
    params = net.init(3)
    params = {k: v + 0.1 for k, v in params.items()}  # non-zero biases: a lost db term shows
    # the digits' blank background makes max-pooling windows tie (every tied maximum gets the
    # gradient here, one of them in PyTorch: tests/test_conv.py); a little noise breaks the ties
    noisy = X[:6] + 1e-3 * np.random.default_rng(0).standard_normal(X[:6].shape)
    values = {**params, "X": noisy, "Y": np.eye(10)[y[:6]]}
    assert crosscheck_model(net.model, values, tolerance=1e-9).passed


def test_fit_trains_the_digits_cnn_past_90_percent() -> None:
    X, y, X_test, y_test = digits()
    assert (len(X), len(X_test)) == (1347, 450)
    net = cr.cnn()
    h = cr.fit(net, X, y, "adam", lr=0.01, epochs=5, batch_size=64, progress=False)
    assert h.unit == "epoch" and len(h.costs) == 5 and h.costs[-1] < h.costs[0] / 2
    assert set(h.grad_norms) == {"dW1", "dW2", "dW3"}
    logits = net.forward(h.params, X_test, np.zeros((len(X_test), 10)))["Z3"]
    test_accuracy = np.mean(np.argmax(logits, axis=1) == y_test)
    assert test_accuracy >= 0.90, test_accuracy
    assert cr.accuracy(net, h, X_test, y_test) == pytest.approx(100 * test_accuracy)


def test_layers_are_read_not_run() -> None:
    net = cr.cnn("conv(4, f=2, stride=2), tanh, avg_pool(f=2), flatten, dense(3)", (6, 6, 2))
    assert net.shapes["W1"] == (2, 2, 2, 4) and net.shapes["W2"] == (4, 3)
    assert "P1 = avg_pool(A1, f=2, stride=2)" in net.source_text
    for bad in ("conv(4, f=__import__('os'))", "conv(4), dense(1)", "dense(3), conv(2), dense(3)"):
        with pytest.raises(ChainruleError):
            cr.cnn(bad, (6, 6, 2))


def test_bad_images_get_one_clear_error() -> None:
    with pytest.raises(DataError, match=r"do not fit the network's input \(8, 8, 1\)"):
        cr.fit(cr.cnn(), np.zeros((5, 7, 7, 1)), np.zeros(5), "adam", epochs=1)


def test_train_cnn_command(capsys: pytest.CaptureFixture, tmp_path: object) -> None:
    status = main(["train-cnn", "--epochs", "1", "-q", "--format", "json", "--plot", str(tmp_path)])
    out, err = capsys.readouterr()
    assert status == 0
    report = json.loads(out)
    assert report["data"] == {"source": "digits", "train": 1347, "test": 450}
    assert report["final"]["test_accuracy"] > 50 and len(report["history"]["costs"]) == 1
    assert any(p.endswith("cost.png") for p in report["plots"])
    status = main(["train-cnn", "--layers", "conv(8, f=30), dense(10)", "-q"])
    out, err = capsys.readouterr()
    assert status == 2 and len(err.splitlines()) == 1 and "larger than" in err
