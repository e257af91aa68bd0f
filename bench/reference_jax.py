"""The same training steps with ``jax.jit`` over the whole step (forward, grad, update).

Course layout (examples as columns). ``jax_enable_x64`` is switched on so that float64 runs in
float64; float32 problems stay float32. The step closure blocks until the new parameters are
ready, so timings include the computation. If JAX is not importable this module defines only
``AVAILABLE = False`` and ``UNAVAILABLE_REASON``.
"""

from __future__ import annotations

try:
    import jax
    import jax.numpy as jnp
except ImportError as exc:  # pragma: no cover - depends on the environment
    AVAILABLE = False
    UNAVAILABLE_REASON = f"not installed ({exc})"
else:
    AVAILABLE = True
    UNAVAILABLE_REASON = ""
    jax.config.update("jax_enable_x64", True)

if AVAILABLE:
    import numpy as np
    from workloads import ADAM, Problem, Trainer

    def _forward(params: dict, X, hidden: str):
        """Logits ``ZL`` of the output layer."""
        act = jnp.tanh if hidden == "tanh" else jax.nn.relu
        L = len(params) // 2
        A = X
        for l in range(1, L):
            A = act(jnp.dot(params[f"W{l}"], A) + params[f"b{l}"])
        return jnp.dot(params[f"W{L}"], A) + params[f"b{L}"]

    def _cost(params: dict, X, Y, hidden: str, output: str):
        """Binary or categorical cross-entropy averaged over the ``m`` columns."""
        Z = _forward(params, X, hidden)
        m = Y.shape[1]
        if output == "sigmoid":
            logp = Y * jax.nn.log_sigmoid(Z) + (1 - Y) * jax.nn.log_sigmoid(-Z)
        else:
            logp = Y * jax.nn.log_softmax(Z, axis=0)
        return -jnp.sum(logp) / m

    def _gd_step_fn(hidden: str, output: str, lr: float):
        def step(params, X, Y):
            cost, grads = jax.value_and_grad(_cost)(params, X, Y, hidden, output)
            return {k: p - lr * grads[k] for k, p in params.items()}, cost

        return jax.jit(step, donate_argnums=0)

    def _adam_step_fn(hidden: str, output: str, lr: float, batch: int, n_batches: int):
        b1, b2, eps = ADAM["beta1"], ADAM["beta2"], ADAM["epsilon"]

        def step(state, X, Y):
            params, v, s, t = state
            k = t % n_batches
            Xb = jax.lax.dynamic_slice_in_dim(X, k * batch, batch, axis=1)
            Yb = jax.lax.dynamic_slice_in_dim(Y, k * batch, batch, axis=1)
            cost, grads = jax.value_and_grad(_cost)(params, Xb, Yb, hidden, output)
            t = t + 1
            tf = t.astype(params["W1"].dtype)
            v = {k_: b1 * v[k_] + (1 - b1) * grads[k_] for k_ in params}
            s = {k_: b2 * s[k_] + (1 - b2) * grads[k_] ** 2 for k_ in params}
            c1, c2 = 1 - b1**tf, 1 - b2**tf
            params = {
                k_: p - lr * (v[k_] / c1) / (jnp.sqrt(s[k_] / c2) + eps) for k_, p in params.items()
            }
            return (params, v, s, t), cost

        return jax.jit(step, donate_argnums=0)

    def build(problem: Problem) -> Trainer:
        """The ``jax.jit`` trainer for ``problem``'s workload (compiles on the first step)."""
        spec = problem.spec
        X, Y = jnp.asarray(problem.X), jnp.asarray(problem.Y)
        params = {k: jnp.asarray(v) for k, v in problem.fresh_params().items()}
        if spec.optimizer == "adam":
            fn = _adam_step_fn(spec.hidden, spec.output, spec.lr, spec.step_batch, spec.n_batches)
            v0 = {k: jnp.zeros_like(p) for k, p in params.items()}
            s0 = {k: jnp.zeros_like(p) for k, p in params.items()}
            box = {"state": (params, v0, s0, jnp.asarray(0, jnp.int32))}
            get = lambda: box["state"][0]  # noqa: E731
        else:
            fn = _gd_step_fn(spec.hidden, spec.output, spec.lr)
            box = {"state": params}
            get = lambda: box["state"]  # noqa: E731

        def step():
            box["state"], cost = fn(box["state"], X, Y)
            return jax.block_until_ready((box["state"], cost))[1]

        return Trainer(step, lambda: {k: np.asarray(v) for k, v in get().items()})
