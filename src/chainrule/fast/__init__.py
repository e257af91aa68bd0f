"""Fast compiled training steps, printed from the same derivation as the teaching code.

``net.source()`` is the derivation as the course writes it; :func:`source` prints the *same*
statements as an optimized NumPy module — pruned to what the parameter gradients need, the 1/m moved
to the seed, elementwise chains computed in place into buffers allocated once — and
:func:`compile` runs it::

    fast = cr.fast.compile(net)
    grads = fast.gradients(params, X, Y)          # views, valid until the next call
    fit(net, X, Y, gradient_fn=fast.gradient_fn())   # what cr.fit plugs in
    step = cr.fast.Trainer(fast, params, X, Y, cr.Adam(1e-3), batch_size=256)
    J = step()                                    # one training step, update fused

Both forms come from ``net.derive("course")``; the tests check them equal.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .module import fast_source
from .runtime import FastStep, Instance
from .trainer import GD, Adam, Trainer

if TYPE_CHECKING:
    from ..nets import Network

__all__ = ["Adam", "FastStep", "GD", "Instance", "Trainer", "compile", "gradient_fn", "source"]


def source(net: Network) -> str:
    """The readable source of ``net``'s fast step (compare ``net.source()``)."""
    return fast_source(net)


_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def compile(net: Network) -> FastStep:  # noqa: A001 - the verb is the point
    """``net``'s fast step, printed and compiled once per network."""
    if net not in _COMPILED:
        _COMPILED[net] = FastStep(net)
    return _COMPILED[net]


def gradient_fn(net: Network, copy: bool = False) -> Callable[..., dict[str, np.ndarray]]:
    """``(params, X, Y, masks) -> {"J", "dW1", "db1", …}`` for ``cr.fit(…, gradient_fn=…)``.

    The arrays are reused by the next call unless ``copy=True``.
    """
    return compile(net).gradient_fn(copy)
