"""Reference numbers for the course's planar run, in plain NumPy (does not import chainrule).

This script re-implements, from the published recipe only, the Deep Learning Specialization's
"Planar data classification with one hidden layer" exercise:

* the planar "flower" data set (``np.random.seed(1)``, 400 points, examples as columns);
* a 2-layer network ``tanh`` -> ``sigmoid``, initialized after ``np.random.seed(2)`` with
  ``W = randn * 0.01`` and zero biases;
* full-batch gradient descent with learning rate 1.2 and the cross-entropy cost.

Running it writes ``planar_expected.json`` next to this file with

* ``costs``: the cost at iterations 0, 1000, ..., 9000 of the 10000-iteration run with n_h = 4
  (the cost is computed by the forward pass *before* that iteration's update, as in the course);
* ``final_accuracy``: the training accuracy (percent) after those 10000 iterations;
* ``hidden_size_accuracy``: the training accuracy (percent) after 5000 iterations for
  n_h = 1, 2, 3, 4, 5, 10, 20, 50 (keys are the sizes as strings).

The course publishes cost 0.693048 at iteration 0, 90% accuracy after 10000 iterations, and
67.5, 67.25, 90.75, 90.5, 91.25 % for n_h = 1..5 after 5000 iterations.

Two things to know when comparing:

* The course prints the final accuracy with ``'Accuracy: %d' % ...``, which *truncates*: the
  true training accuracy of the n_h = 4, 10000-iteration run is 90.75 %, printed as "90%". The
  hidden-size loop prints with ``{}`` (full value), so those numbers compare exactly.
* The costs at iterations 0..7000 agree with the course to all 6 printed digits, but from about
  iteration 8000 on, this lr = 1.2 run is sensitive to floating-point summation order (BLAS):
  published copies of the notebook show 0.219454 / 0.219456 / 0.219467 / 0.219471 / 0.219504 at
  8000 and 0.218607 / 0.218558 / 0.218561 / 0.218612 / 0.218571 at 9000. Likewise the n_h = 20
  and 50 accuracies (published 90.0 and 90.25 %) can move by a few examples between machines.

Usage::

    python tests/reference/planar_course.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "planar_expected.json"

LEARNING_RATE = 1.2
PUBLISHED = {
    "cost_0": 0.693048,
    "final_accuracy": 90.0,
    "hidden_size_accuracy": {1: 67.5, 2: 67.25, 3: 90.75, 4: 90.5, 5: 91.25},
}


def load_planar(m: int = 400, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The course's flower data: X of shape (2, m), Y of shape (1, m) with labels 0/1."""
    np.random.seed(seed)
    n = m // 2
    a = 4
    X = np.zeros((2 * n, 2))
    Y = np.zeros((2 * n, 1))
    for j in range(2):
        ix = slice(n * j, n * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, n) + np.random.randn(n) * 0.2
        r = a * np.sin(4 * t) + np.random.randn(n) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T, Y.T


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def initialize(n_x: int, n_h: int, n_y: int) -> dict[str, np.ndarray]:
    np.random.seed(2)
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def forward(X: np.ndarray, p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    Z1 = p["W1"] @ X + p["b1"]
    A1 = np.tanh(Z1)
    Z2 = p["W2"] @ A1 + p["b2"]
    A2 = sigmoid(Z2)
    return A1, A2


def cost(A2: np.ndarray, Y: np.ndarray) -> float:
    m = Y.shape[1]
    logprobs = Y * np.log(A2) + (1 - Y) * np.log(1 - A2)
    return float(-np.sum(logprobs) / m)


def backward(
    X: np.ndarray, Y: np.ndarray, p: dict[str, np.ndarray], A1: np.ndarray, A2: np.ndarray
) -> dict[str, np.ndarray]:
    m = X.shape[1]
    dZ2 = A2 - Y
    dW2 = (1 / m) * dZ2 @ A1.T
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (p["W2"].T @ dZ2) * (1 - A1**2)
    dW1 = (1 / m) * dZ1 @ X.T
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def train(
    X: np.ndarray, Y: np.ndarray, n_h: int, iterations: int
) -> tuple[dict[str, np.ndarray], dict[int, float]]:
    """Gradient descent; returns the parameters and the cost at every 1000th iteration."""
    p = initialize(X.shape[0], n_h, Y.shape[0])
    costs: dict[int, float] = {}
    for i in range(iterations):
        A1, A2 = forward(X, p)
        if i % 1000 == 0:
            costs[i] = cost(A2, Y)
        grads = backward(X, Y, p, A1, A2)
        for k in p:
            p[k] = p[k] - LEARNING_RATE * grads[k]
    return p, costs


def accuracy(X: np.ndarray, Y: np.ndarray, p: dict[str, np.ndarray]) -> float:
    _, A2 = forward(X, p)
    predictions = (A2 > 0.5).astype(np.float64)
    return float(np.mean(predictions == Y) * 100)


def main() -> None:
    X, Y = load_planar()
    p, costs = train(X, Y, n_h=4, iterations=10000)
    final = accuracy(X, Y, p)
    sizes = [1, 2, 3, 4, 5, 10, 20, 50]
    by_size: dict[str, float] = {}
    for n_h in sizes:
        p_h, _ = train(X, Y, n_h=n_h, iterations=5000)
        by_size[str(n_h)] = accuracy(X, Y, p_h)

    result = {
        "description": (
            "Course planar run (DLS C1W3): 2-layer tanh/sigmoid net, np.random.seed(2) init "
            "(randn*0.01, zero biases), lr 1.2, data from np.random.seed(1) flower recipe."
        ),
        "learning_rate": LEARNING_RATE,
        "n_h": 4,
        "iterations": 10000,
        "cost_iterations": sorted(costs),
        "costs": [costs[i] for i in sorted(costs)],
        "final_accuracy": final,
        "hidden_size_iterations": 5000,
        "hidden_size_accuracy": by_size,
        "published": {
            "cost_0": PUBLISHED["cost_0"],
            "final_accuracy_printed_with_percent_d": PUBLISHED["final_accuracy"],
            "hidden_size_accuracy": {
                str(k): v for k, v in PUBLISHED["hidden_size_accuracy"].items()
            },
        },
        "notes": (
            "costs[0..7] (iterations 0-7000) match the course to 6 digits; iterations 8000 and "
            "9000 are floating-point sensitive (published copies differ in the 5th digit). "
            "The course prints the final accuracy with %d, so 90.75 shows as 90."
        ),
    }
    OUTPUT.write_text(json.dumps(result, indent=2) + "\n")

    print(f"wrote {OUTPUT}")
    for i in sorted(costs):
        print(f"Cost after iteration {i}: {costs[i]:.6f}")
    print(
        f"Accuracy after 10000 iterations (n_h=4): {final}% "
        f"(the course's '%d' prints {int(final)}%)"
    )
    for n_h in sizes:
        print(f"Accuracy for {n_h} hidden units (5000 iterations): {by_size[str(n_h)]}%")

    ok = (
        round(costs[0], 6) == PUBLISHED["cost_0"]
        and int(final) == PUBLISHED["final_accuracy"]  # the course prints with '%d'
        and all(by_size[str(k)] == v for k, v in PUBLISHED["hidden_size_accuracy"].items())
    )
    print("matches the published numbers" if ok else "DOES NOT match the published numbers")


if __name__ == "__main__":
    main()
