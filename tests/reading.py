"""Both meanings of a learner's formula on the same numbers: chainrule's reading (the IR the Reader
builds, evaluated by the reference interpreter) and NumPy's (the learner's literal text, run by
NumPy itself on the same arrays — the outside world). Reading is exact when the two agree.

``numpy`` runs fixed strings written in the test files, never user input.
"""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule.check.learner import Reader, normalize
from chainrule.check.sample import sample
from chainrule.evaluate import bind, evaluate, run


class Draw:
    """One seeded draw of a network's parameters and data, every quantity evaluated."""

    def __init__(self, net: cr.Network, m: int = 6, seed: int = 0, convention: str = "course"):
        d = net.derive(convention)
        params, X, Y, masks = sample(net, m, np.random.default_rng(seed))
        inputs = net.values(params, X, Y, masks or None)
        self.env = run(d.program, inputs, d)
        self.env["A0"] = self.env["X"]
        for name in ("AL", "ZL", "dAL", "dZL"):  # the week 4 notebook's names for layer L
            self.env[name] = self.env[f"{name[:-1]}{net.L}"]
        self.dims = bind(d.program.inputs, inputs)
        self.reader = Reader(net, d)
        self.m = m

    def set(self, **arrays: np.ndarray) -> Draw:
        """The same draw with some arrays replaced (e.g. a Z1 with entries exactly 0)."""
        self.env.update(arrays)
        return self

    def read(self, rhs: str) -> np.ndarray:
        """chainrule's reading of a right-hand side, evaluated."""
        e = self.reader.ir(self.reader.tree(normalize(rhs)))
        return np.asarray(evaluate(e, self.env, self.dims), dtype=np.float64)

    def numpy(self, source: str) -> np.ndarray:
        """NumPy's own meaning of ``source`` on the same arrays (m and keep_prob as the course)."""
        scope = {**self.env, "m": self.m, "np": np}
        kept = sorted(k for k in self.env if k.startswith("keep_prob"))
        if kept:
            scope["keep_prob"] = self.env[kept[0]]
        code = compile(source, "<learner's formula>", "eval")
        return np.asarray(eval(code, {}, scope), dtype=np.float64)  # noqa: S307

    def agree(self, rhs: str, source: str | None = None) -> bool:
        """Whether chainrule reads ``rhs`` as NumPy computes ``source`` (default: rhs itself)."""
        ours, theirs = self.read(rhs), self.numpy(source or rhs)
        return ours.shape == theirs.shape and np.allclose(
            ours, theirs, rtol=1e-12, atol=1e-12, equal_nan=True
        )
