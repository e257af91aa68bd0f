"""Honest numbers for judging formulas: random draws on which a wrong formula cannot hide.

A formula is compared with the derived one draw by draw. The draws avoid what hides mistakes:

* the batch size ``m`` differs from every width (so ``m`` and ``n[l]`` cannot be confused), and
  from draw to draw (so a stray ``m`` shows as a ratio that changes);
* every layer whose activation has a kink (relu, leaky relu, a step) sees both signs, ``Z ≤ 0``
  and ``Z > 0`` — a draw where all of ``Z1`` is positive is thrown away, since on it
  ``(A1 >= 0)`` and ``(Z1 > 0)`` would agree (a layer with a single entry alternates its sign
  from draw to draw);
* a learner's earlier lines can be *given*: the derived one-level formulas are evaluated in
  the order of the derivation with the learner's own values in place of the quantities they
  assigned, so ``dW1`` is judged given the learner's ``dZ1``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..autodiff import Derivation
from ..errors import ChainruleError
from ..evaluate import bind, evaluate
from ..ir.expr import Expr
from ..ir.shapes import Shape
from ..nets import Network
from .sample import sample

__all__ = ["Numbers", "sizes", "KINKED"]

KINKED = {"relu", "leaky_relu", "step", "leaky_step", "abs"}  # g′ jumps at 0
_CANDIDATES = (5, 3, 7, 6, 9, 11, 2, 13, 8, 4)
_TRIES = 50


def sizes(net: Network, draws: int) -> tuple[int, ...]:
    """``draws`` batch sizes, each different from every width of the network."""
    widths = set(net.spec.layers)
    free = [m for m in _CANDIDATES if m not in widths]
    return tuple(free[: max(1, draws)])


class Numbers:
    """Random draws of parameters and data, every forward and backward quantity evaluated by the
    reference interpreter (with the learner's ``given`` lines in place); expressions are compared
    draw by draw."""

    def __init__(
        self,
        net: Network,
        d: Derivation,
        draws: int = 3,
        seed: int = 0,
        *,
        batch: Sequence[int] | None = None,
        given: Sequence[tuple[str, Expr]] = (),
    ) -> None:
        rng = np.random.default_rng(seed)
        self.sizes = tuple(batch) if batch else sizes(net, draws)
        self.envs = [self._draw(net, d, m, rng, dict(given), i) for i, m in enumerate(self.sizes)]
        self._memo: dict[tuple[Expr, int], np.ndarray | None] = {}

    @staticmethod
    def _draw(
        net: Network, d: Derivation, m: int, rng: np.random.Generator, given: dict, i: int
    ) -> tuple:
        for _ in range(_TRIES):
            params, X, Y, masks = sample(net, m, rng)
            values = net.values(params, X, Y, masks or None)
            dims = bind(d.program.inputs, values)
            env = dict(values)
            for eq in d.program.equations:
                env[eq.name] = evaluate(eq.expr, env, dims)
            if _both_signs(d, env, i):
                break
        for step in d.steps:
            env[step.target] = _value(given.get(step.target, step.expr), env, dims)
        return env, dims

    def value(self, e: Expr, i: int) -> np.ndarray | None:
        """``e`` on draw ``i`` (None if it cannot be evaluated)."""
        if (e, i) not in self._memo:
            try:
                self._memo[e, i] = np.asarray(evaluate(e, *self.envs[i]), dtype=np.float64)
            except (ChainruleError, ArithmeticError, ValueError, TypeError, KeyError):
                self._memo[e, i] = None
        return self._memo[e, i]

    def fits(self, a: Shape, b: Shape) -> bool:
        """``a`` can stand for ``b``; with one batch size on every draw (m = 1 in the lectures'
        one-example notation), ``m`` is that number."""
        if same_shape(a, b):
            return True
        if len(set(self.sizes)) != 1:
            return False
        m = self.sizes[0]
        fixed = [tuple(m if isinstance(d, str) else d for d in s) for s in (a, b)]
        return same_shape(*fixed)

    def same(self, a: Expr, b: Expr) -> bool:
        """Equal shapes (a scalar broadcasts, as in NumPy) and equal numbers on every draw."""
        if not self.fits(a.shape, b.shape):
            return False
        return all(close(self.value(a, i), self.value(b, i)) for i in range(len(self.envs)))

    def gap(self, a: Expr, b: Expr) -> tuple[tuple[int, ...], float, float]:
        """The entry where ``a`` and ``b`` differ most on the first draw."""
        x, y = self.value(a, 0), self.value(b, 0)
        x = np.broadcast_to(x.reshape(y.shape) if x.size == y.size else x.reshape(()), y.shape)
        diff = np.abs(np.nan_to_num(x - y, nan=np.inf))
        k = np.unravel_index(int(np.argmax(diff)), y.shape) if y.shape else ()
        return tuple(int(i) for i in k), float(x[k]), float(y[k])

    def ratio(self, a: Expr, b: Expr) -> tuple[float, ...] | None:
        """The constant ``c_i`` with ``a = c_i · b`` on each draw ``i``, if there is one."""
        if not self.fits(a.shape, b.shape):
            return None
        out = []
        for i in range(len(self.envs)):
            x, y = self.value(a, i), self.value(b, i)
            if x is None or y is None or x.size not in (1, y.size):
                return None
            x = np.broadcast_to(x.reshape(y.shape) if x.size == y.size else x.reshape(()), y.shape)
            if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
                return None
            den = float(np.vdot(y, y))
            if den < 1e-18:
                return None
            c = float(np.vdot(x, y)) / den
            if not close(x, c * y):
                return None
            out.append(c)
        return tuple(out)


def _value(e: Expr, env: dict, dims: dict) -> np.ndarray:
    try:
        return evaluate(e, env, dims)
    except (ChainruleError, ArithmeticError, ValueError, TypeError, KeyError):
        return np.full((), np.nan)


def _kinked(d: Derivation) -> list[str]:
    """Names whose value feeds a kinked activation: Z[l] for a relu layer."""
    return [
        eq.expr.args[0].name
        for eq in d.program.equations
        if eq.expr.op == "fn" and eq.expr.attrs[0].name in KINKED and eq.expr.args[0].op == "var"
    ]


def _both_signs(d: Derivation, env: dict, i: int) -> bool:
    """Every kinked activation sees some ``Z ≤ 0`` and some ``Z > 0`` (a single entry — one unit,
    one example — is ≤ 0 on even draws and > 0 on odd ones)."""
    for z in _kinked(d):
        v = env[z]
        if v.size == 1 and bool(v.flat[0] > 0) != bool(i % 2):
            return False
        if v.size > 1 and not (np.any(v <= 0) and np.any(v > 0)):
            return False
    return True


def same_shape(a: Shape, b: Shape) -> bool:
    """``a`` can stand for ``b``: the same shape, or a scalar (which NumPy broadcasts)."""
    return a == b or a == ()


def close(x: np.ndarray | None, y: np.ndarray | None) -> bool:
    """Equal numbers (a scalar or a same-sized array standing for ``y``), NaN where ``y`` is NaN
    (but not everywhere)."""
    if x is None or y is None or x.size not in (1, y.size):
        return False
    if y.size and not np.isfinite(y).any():
        return False  # NaN everywhere (√ of a negative) agrees with nothing
    finite = np.abs(y[np.isfinite(y)])
    scale = 1.0 + float(finite.max(initial=0.0))
    x = np.broadcast_to(x.reshape(y.shape) if x.size == y.size else x.reshape(()), y.shape)
    return bool(np.allclose(x, y, rtol=1e-7, atol=1e-9 * scale, equal_nan=True))
