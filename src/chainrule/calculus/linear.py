"""Reading the matrix off a linear formula: given h(u) = M u as an IR tree, build M.

Reverse mode already gives the vector–Jacobian product ``∂(uᵀ f)/∂x = Jᵀ u`` as a formula in a free
vector u; the Jacobian is the matrix of that linear map, so no second set of differentiation rules
(forward mode) is needed. Each rule says how M passes through one linear operation, vec(h) being h
as a column (a row's transpose):

    u ↦ I      a + b ↦ M_a + M_b      c h ↦ c M_h      P h ↦ P M_h      hᵀ ↦ M_h (h a vector)
    r P ↦ Pᵀ M_r (r a row)      d ⊙ h ↦ diag(d) M_h      Σ h ↦ Σ₀ M_h      spread(s) ↦ 𝟏 M_s
    a s(u) ↦ a M_s (s a scalar)      (A B) c ↦ A (B c) when A carries u (products re-associated)

A formula outside these (u inside a nonlinear function, u times u, a matrix-valued linear term that
cannot be re-associated onto a vector) raises :class:`NotLinear`; the caller then evaluates the
product for each basis vector instead.
"""

from __future__ import annotations

from ..ir import build, linalg
from ..ir.expr import Expr, walk

__all__ = ["NotLinear", "coefficient"]


class NotLinear(Exception):  # noqa: N818 - internal signal, never reaches a user
    """The formula is not (recognisably) linear in u."""


def coefficient(h: Expr, u: Expr) -> Expr:
    """M with vec(h) = M u, for h linear in the column u; shape (len vec h, len u)."""
    return _Linear(h, u).of(h)


def _size(e: Expr) -> object:
    """The length of vec(e) for a vector-shaped or scalar e."""
    if e.shape == ():
        return 1
    if not linalg.is_vector(e.shape):
        raise NotLinear(f"{e.op} of shape {e.shape} is not a vector")
    return e.shape[0] if e.shape[1] == 1 else e.shape[1]


def _scalar(e: Expr) -> Expr:
    """A 1×1 matrix as a scalar."""
    return e if e.shape == () else build.sum_(e, None, keepdims=False)


class _Linear:
    def __init__(self, root: Expr, u: Expr) -> None:
        self.u, self.n = u, u.shape[0]
        self.dep: dict[Expr, bool] = {}
        for node in walk(root):
            self.dep[node] = node == u or any(self.dep[a] for a in node.args)
        self.memo: dict[Expr, Expr] = {}

    def depends(self, e: Expr) -> bool:
        """Whether u occurs in e (re-associated products are new trees, so this recurses)."""
        if e not in self.dep:
            self.dep[e] = e == self.u or any(self.depends(a) for a in e.args)
        return self.dep[e]

    def of(self, h: Expr) -> Expr:
        """M_h, the coefficient matrix of the vector h."""
        if h not in self.memo:
            if h == self.u:
                self.memo[h] = build.eye(self.n)
            else:
                _size(h)
                rule = getattr(self, f"_{h.op}", None)
                if rule is None or not self.depends(h):
                    raise NotLinear(f"no linear rule for {h.op}")
                self.memo[h] = rule(h)
        return self.memo[h]

    def _transpose(self, h: Expr) -> Expr:
        return self.of(h.args[0])

    def _add(self, h: Expr) -> Expr:
        parts = [self.of(a) for a in h.args if self.depends(a)]
        return parts[0] if len(parts) == 1 else build.add(*parts)

    def _scale(self, h: Expr) -> Expr:
        s, x = h.args
        if self.depends(s) and self.depends(x):
            raise NotLinear("u times u")
        if self.depends(x):
            return build.scale(s, self.of(x))
        if x.shape == ():
            return build.scale(x, self.of(s))
        return build.matmul(linalg.column(x), self.of(s))

    def _mul(self, h: Expr) -> Expr:
        a, b = h.args
        if self.depends(a) and self.depends(b):
            raise NotLinear("u times u")
        d, m = (b, self.of(a)) if self.depends(a) else (a, self.of(b))
        if _size(d) == 1:
            return build.scale(_scalar(d), m)
        return build.matmul(linalg.diag(linalg.column(d)), m)

    def _sum(self, h: Expr) -> Expr:
        x, axis = h.args[0], h.attrs[0]
        if axis is not None and x.shape[axis] == 1:  # summing a length-1 axis moves nothing
            return self.of(x)
        return build.sum_(self.of(x), 0, keepdims=True)

    def _broadcast(self, h: Expr) -> Expr:
        return build.matmul(linalg.ones((_size(h), 1)), self.of(h.args[0]))  # 𝟏 M_s

    def _matmul(self, h: Expr) -> Expr:
        a, b = h.args
        if self.depends(a) and self.depends(b):
            raise NotLinear("u times u")
        if self.depends(b):
            if b.shape[1] == 1:
                return build.matmul(a, self.of(b))
            if a.shape == (1, 1):
                return build.scale(_scalar(a), self.of(b))
        elif a.shape[0] == 1:
            return build.matmul(b.T, self.of(a))
        elif b.shape == (1, 1):
            return build.scale(_scalar(b), self.of(a))
        return self.of(self._reassociate(h))

    def _reassociate(self, h: Expr) -> Expr:
        """Move the product onto the vector: (A B) c = A (B c), (A + B) c = A c + B c, …"""
        a, b = h.args
        right = self.depends(b)  # the matrix carrying u is b: rewrite r (A B) = (r A) B
        m, v = (b, a) if right else (a, b)
        if m.op == "matmul":
            x, y = m.args
            return (v @ x) @ y if right else x @ (y @ v)
        if m.op == "add":
            terms = [v @ t if right else t @ v for t in m.args]
            return build.add(*terms)
        if m.op == "scale":
            return build.scale(m.args[0], v @ m.args[1] if right else m.args[1] @ v)
        if m.op == "transpose" and m.args[0].op == "matmul":
            x, y = m.args[0].args
            return (v @ y.T) @ x.T if right else y.T @ (x.T @ v)
        raise NotLinear(f"cannot move a product onto the vector through {m.op}")
