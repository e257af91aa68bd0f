"""The digits CNN trained to convergence by ``cr.fit`` on its derived gradients (a measurement).

``cr.cnn()``: conv(3×3, 8) → relu → maxpool 2 → conv(3×3, 16) → relu → maxpool 2 → flatten → dense
10 → softmax, on scikit-learn's 8×8 digits (seeded split, 1347 training / 450 test images), Adam
(lr 0.01, batches of 64). Prints the cost per epoch, the time taken and the test accuracy; the
issue's bar is ≥ 97 %. The same run from the command line: ``chainrule train-cnn --epochs 20``.
Run: PYTHONPATH=src python bench/digits_cnn.py [epochs]
"""

from __future__ import annotations

import sys

import chainrule as cr
from chainrule.data.images import digits


def main(epochs: int = 20) -> float:
    X, y, X_test, y_test = digits(0)
    net = cr.cnn()
    h = cr.fit(net, X, y, "adam", lr=0.01, epochs=epochs, batch_size=64, progress=False)
    for step, cost in zip(h.steps, h.costs, strict=True):
        print(f"epoch {step + 1}: cost {cost:.5f}")
    acc = cr.accuracy(net, h, X_test, y_test)
    print(f"{epochs} epochs in {h.seconds:.1f} s: test accuracy {acc:.2f}% ({len(X_test)} images)")
    return acc


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
