"""PyTorch source: the NumPy printer with torch's spelling where it differs.

Matrix products, elementwise arithmetic, ``.T`` and powers are spelt alike, so this printer inherits
them; sums (``dim=``, ``keepdim=``), constructors (which need the inputs' dtype) and the linear
algebra are torch's own, and an elementwise function is spelt by its record's ``torch`` template.
What it prints is checked for NumPy calls: a spelling it lacks is an error, never ``np.``.
Constructors take their dtype and device from one input tensor, named by ``like``, so a float64
computation stays float64.
"""

from __future__ import annotations

import re

from ..errors import SpecError
from ..ir.expr import Expr
from ..ir.linalg import Named
from .numpy_code import _PY, NumpyPrinter, _natural_shape

__all__ = ["TorchPrinter", "SPREAD_HELPER"]

_NUMPY_CALL = re.compile(r"(?<![\w.])np\.")

SPREAD_HELPER = (
    "def spread(x, shape, like):\n"
    '    """x broadcast to shape, as a tensor of like\'s dtype and device."""\n'
    "    x = torch.as_tensor(x, dtype=like.dtype, device=like.device)\n"
    "    return torch.broadcast_to(x, shape)\n"
)


def _atomic(template: str) -> bool:
    """A template that binds as an atom: one call, a method chain on one, or one parenthesis."""
    depth, top = 0, []
    for i, ch in enumerate(template):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and ch in " +-*/":
            top.append(i)
    return not top


class TorchPrinter(NumpyPrinter):
    """Readable PyTorch with the notation's names; ``like`` is the tensor giving dtype, device."""

    def __init__(self, like: str) -> None:
        super().__init__()
        self.like = like

    def _print(self, e: Expr) -> str:
        out = super()._print(e)
        if _NUMPY_CALL.search(out):  # an inherited NumPy spelling: refuse rather than mix
            m = self.named(e)
            raise SpecError(
                f"the PyTorch printer has no spelling for {m.name if m else e.op}",
                hint="give TorchPrinter a _print_ method for it (see ARCHITECTURE.md)",
            )
        return out

    def shaped(self, e: Expr) -> str:
        if _natural_shape(e) != e.shape:
            inner = self._print(e.args[0] if e.op == "broadcast" else e)
            return f"spread({inner}, {self.shape(e.shape)}, {self.like})"
        return self._print(e)

    def _print_eye(self, e: Expr) -> str:
        return f"torch.eye({e.shape[0]}, dtype={self.like}.dtype, device={self.like}.device)"

    def _print_sum(self, e: Expr) -> str:
        axis, keep = e.attrs
        x = self.shaped(e.args[0])
        if axis is None:
            return (
                f"torch.sum({x}).reshape{self.shape(e.shape)}"
                if keep and e.shape
                else f"torch.sum({x})"
            )
        return f"torch.sum({x}, dim={axis}" + (", keepdim=True)" if keep else ")")

    def _print_fn(self, e: Expr) -> str:
        f = e.attrs[0]
        if f.name == "power":
            return super()._print_fn(e)
        if f.torch is None:
            raise SpecError(
                f"the elementwise function {f.name} has no PyTorch spelling",
                hint="export to NumPy, or write the activation with built-in functions",
            )
        template = f.torch
        whole = re.fullmatch(r"torch\.[\w.]+\(\{x\}\)", template) is not None
        x = self._print(e.args[0]) if whole else self.paren(e.args[0], _PY["atom"])
        a = repr(float(f.params[0])) if f.params else ""
        out = template.format(x=x, a=a, like=self.like)
        return out if _atomic(template) else f"({out})"  # torch.abs(x) ** (1 / 3) in x**2

    def _print_vstack(self, e: Expr) -> str:
        a, b = (self.shaped(x) for x in e.args)
        return f"torch.cat(({a}, {b}), dim=0)"

    def _print_reshape(self, e: Expr) -> str:
        return f"torch.reshape({self.shaped(e.args[0])}, {self.shape(e.shape)})"

    def _print_einsum(self, e: Expr) -> str:
        return f"torch.einsum({self.operands(e)})"

    def _print_permute(self, e: Expr) -> str:
        return f"torch.permute({self.shaped(e.args[0])}, {e.attrs[0]})"

    def _print_max(self, e: Expr) -> str:
        axis, keep = e.attrs
        x = self.shaped(e.args[0])
        if axis is None:
            return f"torch.amax({x}).reshape{self.shape(e.shape)}" if keep else f"torch.amax({x})"
        return f"torch.amax({x}, dim={axis}" + (", keepdim=True)" if keep else ")")

    def _print_inv(self, e: Expr) -> str:
        return f"torch.linalg.inv({self.shaped(e.args[0])})"

    def _print_det(self, e: Expr) -> str:
        return f"torch.linalg.det({self.shaped(e.args[0])})"

    def _print_blocks(self, e: Expr) -> str:
        p, r, kind = e.attrs
        kw = f"dtype={self.like}.dtype, device={self.like}.device"
        eye, ones = f"torch.eye({r if kind == 'tile' else p}, {kw})", f"torch.ones(({{}}, 1), {kw})"
        if kind == "repeat":
            return f"torch.kron({eye}, {ones.format(r)})"
        return f"torch.kron({ones.format(p)}, {eye})"

    def _print_trace(self, m: Named) -> str:
        return f"torch.trace({self.shaped(m.args[0])})"

    def _print_diag(self, m: Named) -> str:
        return f"torch.diagflat({self.shaped(m.args[0])})"

    def _print_diag_part(self, m: Named) -> str:
        return f"torch.diagonal({self.shaped(m.args[0])})[:, None]"

    def _print_kron(self, m: Named) -> str:
        return f"torch.kron({self.shaped(m.args[0])}, {self.shaped(m.args[1])})"

    def _print_matrix_power(self, m: Named) -> str:
        return f"torch.linalg.matrix_power({self.shaped(m.args[0])}, {m.param})"

    def _print_norm(self, m: Named) -> str:
        return f"torch.linalg.norm({self.shaped(m.args[0])})"

    def _print_softmax(self, m: Named) -> str:
        return f"torch.softmax({self._print(m.args[0])}, dim={m.param})"

    def _print_logsumexp(self, m: Named) -> str:
        axis, keep = m.param
        z = self.shaped(m.args[0])
        if axis is None:
            return f"torch.logsumexp({z}.reshape(-1), dim=0)"
        return f"torch.logsumexp({z}, dim={axis}, keepdim={bool(keep)})"
