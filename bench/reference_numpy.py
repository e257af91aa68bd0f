"""Hand-written NumPy reference, in the style of the Deep Learning Specialization notebooks.

Examples are columns, ``Z = np.dot(W, A) + b``, caches are tuples, gradients are built in a
``grads`` dict, and every step allocates fresh arrays. Two deliberate departures, both so that
every implementation does the same maths:

* the course's ``L_model_backward`` also computes ``dA0 = W1.T @ dZ1``, which nothing uses;
  it is skipped here (torch and JAX never compute it either);
* softmax subtracts the column maximum before ``np.exp`` (numerical safety; same value).
"""

from __future__ import annotations

import numpy as np
from workloads import ADAM, Problem, Trainer

# ---------------------------------------------------------------- activations (course API)


def sigmoid(Z):
    """Return ``A = 1 / (1 + exp(-Z))`` and the activation cache ``Z``."""
    A = 1 / (1 + np.exp(-Z))
    return A, Z


def relu(Z):
    """Return ``A = max(0, Z)`` and the activation cache ``Z``."""
    A = np.maximum(0, Z)
    return A, Z


def softmax(Z):
    """Column-wise softmax and the activation cache ``Z``."""
    t = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    A = t / np.sum(t, axis=0, keepdims=True)
    return A, Z


def sigmoid_backward(dA, cache):
    """``dZ = dA * s * (1 - s)``."""
    Z = cache
    s = 1 / (1 + np.exp(-Z))
    dZ = dA * s * (1 - s)
    return dZ


def relu_backward(dA, cache):
    """``dZ = dA`` where ``Z > 0``, else 0."""
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


ACTIVATIONS = {"sigmoid": sigmoid, "relu": relu, "softmax": softmax}
BACKWARDS = {"sigmoid": sigmoid_backward, "relu": relu_backward}

# ---------------------------------------------------------------- (a) planar 2-4-1


def forward_propagation(X, parameters):
    """Planar notebook: tanh hidden layer, sigmoid output."""
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)[0]
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def compute_cost(A2, Y):
    """Binary cross-entropy, averaged over the ``m`` columns."""
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    cost = -1 / m * np.sum(logprobs)
    return float(np.squeeze(cost))


def backward_propagation(parameters, cache, X, Y):
    """Planar notebook backward pass (``dZ2 = A2 - Y``, ``dZ1 = W2ᵀ dZ2 * (1 - A1**2)``)."""
    m = X.shape[1]
    W2, A1, A2 = parameters["W2"], cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = 1 / m * np.dot(dZ2, A1.T)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = 1 / m * np.dot(dZ1, X.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters, grads, learning_rate):
    """Plain gradient descent, returning a new parameters dict."""
    L = len(parameters) // 2
    new = {}
    for l in range(1, L + 1):
        new[f"W{l}"] = parameters[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        new[f"b{l}"] = parameters[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return new


def build_planar(problem: Problem) -> Trainer:
    """Workload (a): one full-batch gradient-descent step of the planar 2-4-1 network."""
    state = {"parameters": problem.fresh_params()}
    X, Y, lr = problem.X, problem.Y, problem.spec.lr

    def step():
        parameters = state["parameters"]
        A2, cache = forward_propagation(X, parameters)
        cost = compute_cost(A2, Y)
        grads = backward_propagation(parameters, cache, X, Y)
        state["parameters"] = update_parameters(parameters, grads, lr)
        return cost

    return Trainer(step, lambda: state["parameters"])


# ---------------------------------------------------------------- (b), (c) L-layer model


def linear_forward(A, W, b):
    """``Z = W A + b`` and the linear cache."""
    Z = np.dot(W, A) + b
    cache = (A, W, b)
    return Z, cache


def linear_activation_forward(A_prev, W, b, activation):
    """LINEAR -> ACTIVATION, returning ``A`` and ``(linear_cache, activation_cache)``."""
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = ACTIVATIONS[activation](Z)
    return A, (linear_cache, activation_cache)


def L_model_forward(X, parameters, hidden, output):
    """[LINEAR -> hidden] * (L-1) -> LINEAR -> output."""
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], hidden)
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], output)
    caches.append(cache)
    return AL, caches


def compute_cost_L(AL, Y, output):
    """Binary cross-entropy (sigmoid output) or categorical cross-entropy (softmax output)."""
    m = Y.shape[1]
    if output == "sigmoid":
        cost = -1 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    else:
        cost = -1 / m * np.sum(Y * np.log(AL))
    return float(np.squeeze(cost))


def linear_backward(dZ, cache, need_dA_prev=True):
    """``dW = 1/m dZ A_prevᵀ``, ``db = 1/m Σ dZ``, ``dA_prev = Wᵀ dZ`` (unless not needed)."""
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ) if need_dA_prev else None
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation, need_dA_prev=True):
    """Backward through ACTIVATION then LINEAR."""
    linear_cache, activation_cache = cache
    dZ = BACKWARDS[activation](dA, activation_cache)
    return linear_backward(dZ, linear_cache, need_dA_prev)


def L_model_backward(AL, Y, caches, hidden, output):
    """Gradients of every layer; the output layer starts from ``dAL`` (sigmoid) or ``AL - Y``."""
    grads = {}
    L = len(caches)
    if output == "sigmoid":
        dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
        dA_prev, dW, db = linear_activation_backward(dAL, caches[L - 1], "sigmoid", L > 1)
    else:  # softmax + categorical cross-entropy: dZL = AL - Y
        dA_prev, dW, db = linear_backward(AL - Y, caches[L - 1][0], L > 1)
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = dA_prev, dW, db
    for l in reversed(range(L - 1)):
        dA_prev, dW, db = linear_activation_backward(grads[f"dA{l + 1}"], caches[l], hidden, l > 0)
        grads[f"dA{l}"], grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = dA_prev, dW, db
    return grads


def initialize_adam(parameters):
    """Zero first (``v``) and second (``s``) moment estimates."""
    v = {f"d{k}": np.zeros_like(p) for k, p in parameters.items()}
    s = {f"d{k}": np.zeros_like(p) for k, p in parameters.items()}
    return v, s


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon):
    """Course 2 Adam with bias correction; returns new ``parameters, v, s``."""
    new, v_new, s_new = {}, {}, {}
    for k, p in parameters.items():
        g = grads[f"d{k}"]
        v_new[f"d{k}"] = beta1 * v[f"d{k}"] + (1 - beta1) * g
        v_corrected = v_new[f"d{k}"] / (1 - beta1**t)
        s_new[f"d{k}"] = beta2 * s[f"d{k}"] + (1 - beta2) * np.power(g, 2)
        s_corrected = s_new[f"d{k}"] / (1 - beta2**t)
        new[k] = p - learning_rate * v_corrected / (np.sqrt(s_corrected) + epsilon)
    return new, v_new, s_new


def build_deep(problem: Problem) -> Trainer:
    """Workload (b): one full-batch gradient-descent step of the L-layer model."""
    spec = problem.spec
    state = {"parameters": problem.fresh_params()}
    X, Y = problem.X, problem.Y

    def step():
        parameters = state["parameters"]
        AL, caches = L_model_forward(X, parameters, spec.hidden, spec.output)
        cost = compute_cost_L(AL, Y, spec.output)
        grads = L_model_backward(AL, Y, caches, spec.hidden, spec.output)
        state["parameters"] = update_parameters(parameters, grads, spec.lr)
        return cost

    return Trainer(step, lambda: state["parameters"])


def build_minibatch_adam(problem: Problem) -> Trainer:
    """Workload (c): one Adam step on the next mini-batch (pre-shuffled data, cycling)."""
    spec = problem.spec
    parameters = problem.fresh_params()
    v, s = initialize_adam(parameters)
    state = {"parameters": parameters, "v": v, "s": s, "t": 0}
    B = spec.step_batch

    def step():
        k = state["t"] % spec.n_batches
        state["t"] += 1
        X = problem.X[:, k * B : (k + 1) * B]
        Y = problem.Y[:, k * B : (k + 1) * B]
        AL, caches = L_model_forward(X, state["parameters"], spec.hidden, spec.output)
        cost = compute_cost_L(AL, Y, spec.output)
        grads = L_model_backward(AL, Y, caches, spec.hidden, spec.output)
        state["parameters"], state["v"], state["s"] = update_parameters_with_adam(
            state["parameters"], grads, state["v"], state["s"], state["t"], spec.lr, **ADAM
        )
        return cost

    return Trainer(step, lambda: state["parameters"])


BUILDERS = {"a": build_planar, "b": build_deep, "c": build_minibatch_adam}


def build(problem: Problem) -> Trainer:
    """The NumPy reference trainer for ``problem``'s workload."""
    return BUILDERS[problem.spec.key](problem)
