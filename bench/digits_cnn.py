"""The digits CNN written as a cr.model, trained by Adam on its derived gradients (a measurement).

conv(3×3, 8) → relu → maxpool 2 → conv(3×3, 16) → relu → maxpool 2 → flatten → dense → softmax,
on scikit-learn's 8×8 digits (75/25 split, seed 0). Prints the test accuracy and the time taken.
Run: PYTHONPATH=src python bench/digits_cnn.py [epochs]
"""

from __future__ import annotations

import sys
import time

import numpy as np
from sklearn.datasets import load_digits

import chainrule as cr

SOURCE = """
Z1 = conv2d(X, W1, b1, stride=1, pad=1)
P1 = max_pool(relu(Z1), f=2, stride=2)
Z2 = conv2d(P1, W2, b2, stride=1, pad=1)
P2 = max_pool(relu(Z2), f=2, stride=2)
Z3 = flatten(P2) @ W3 + b3
J = -np.sum(Y * log_softmax(Z3, axis=1)) / m
"""
SHAPES = {"X": ("m", 8, 8, 1), "W1": (3, 3, 1, 8), "b1": (1, 1, 1, 8), "W2": (3, 3, 8, 16)}
SHAPES |= {"b2": (1, 1, 1, 16), "W3": (64, 10), "b3": (1, 10), "Y": ("m", 10)}
PARAMS = ["W1", "b1", "W2", "b2", "W3", "b3"]


def main(epochs: int = 25, batch: int = 64, lr: float = 1e-2) -> float:
    digits = load_digits()
    x = (digits.images / 16.0)[..., None]
    y = np.eye(10)[digits.target]
    rng = np.random.default_rng(0)
    order = rng.permutation(len(x))
    train, test = order[:1347], order[1347:]
    model = cr.model(SOURCE, SHAPES, wrt=PARAMS)
    p = {k: rng.standard_normal(SHAPES[k]) * np.sqrt(2 / np.prod(SHAPES[k][:-1])) for k in PARAMS}
    p |= {k: np.zeros(SHAPES[k]) for k in ("b1", "b2", "b3")}
    m1 = {k: np.zeros_like(v) for k, v in p.items()}
    m2 = {k: np.zeros_like(v) for k, v in p.items()}
    start, t = time.perf_counter(), 0
    for epoch in range(epochs):
        for i in range(0, len(train), batch):
            idx = train[i : i + batch]
            g = model.gradients({**p, "X": x[idx], "Y": y[idx]})
            t += 1
            for k in PARAMS:
                m1[k] = 0.9 * m1[k] + 0.1 * g["d" + k]
                m2[k] = 0.999 * m2[k] + 0.001 * g["d" + k] ** 2
                step = lr * (m1[k] / (1 - 0.9**t)) / (np.sqrt(m2[k] / (1 - 0.999**t)) + 1e-8)
                p[k] = p[k] - step
        rng.shuffle(train)
        z = model.forward({**p, "X": x[test], "Y": y[test]})["Z3"]
        acc = float(np.mean(np.argmax(z, axis=1) == digits.target[test]))
        print(f"epoch {epoch + 1}: test accuracy {acc:.4f} ({time.perf_counter() - start:.1f} s)")
    return acc


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 25)
