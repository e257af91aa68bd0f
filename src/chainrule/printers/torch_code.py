"""PyTorch source: the NumPy printer with torch's spelling where it differs.

Matrix products, elementwise arithmetic, ``.T`` and powers are spelt alike, so this printer inherits
them; sums (``dim=``, ``keepdim=``), constructors (which need the inputs' dtype), elementwise
functions and the linear algebra are torch's own. Constructors take their dtype and device from one
input tensor, named by ``like``, so a float64 computation stays float64.
"""

from __future__ import annotations

import re

from ..errors import SpecError
from ..ir.expr import Expr
from ..ir.linalg import Named
from .numpy_code import _PY, NumpyPrinter, _natural_shape

__all__ = ["TorchPrinter", "SPREAD_HELPER"]

SPREAD_HELPER = (
    "def spread(x, shape, like):\n"
    '    """x broadcast to shape, as a tensor of like\'s dtype and device."""\n'
    "    x = torch.as_tensor(x, dtype=like.dtype, device=like.device)\n"
    "    return torch.broadcast_to(x, shape)\n"
)

# elementwise functions whose torch spelling differs from NumPy's ({x} is the argument)
_FUNCTIONS = {
    "sigmoid": "torch.sigmoid({x})",
    "tanh": "torch.tanh({x})",
    "relu": "torch.relu({x})",
    "step": "({x} > 0).to({like}.dtype)",
    "softplus": "torch.nn.functional.softplus({x})",
    "exp": "torch.exp({x})",
    "log": "torch.log({x})",
    "sqrt": "torch.sqrt({x})",
    "abs": "torch.abs({x})",
    "sign": "torch.sign({x})",
    "sin": "torch.sin({x})",
    "cos": "torch.cos({x})",
    "tan": "torch.tan({x})",
    "cbrt": "torch.sign({x}) * torch.abs({x}) ** (1 / 3)",
    "cosh": "torch.cosh({x})",
    "sinh": "torch.sinh({x})",
    "log1p": "torch.log1p({x})",
    "expm1": "torch.expm1({x})",
    "leaky_relu": "torch.where({x} > 0, {x}, {a} * {x})",
    "leaky_step": "torch.where({x} > 0, 1.0, {a})",
}


class TorchPrinter(NumpyPrinter):
    """Readable PyTorch with the notation's names; ``like`` is the tensor giving dtype, device."""

    def __init__(self, like: str) -> None:
        super().__init__()
        self.like = like

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
            return f"torch.sum({x}).reshape(1, 1)" if keep and e.shape else f"torch.sum({x})"
        return f"torch.sum({x}, dim={axis}" + (", keepdim=True)" if keep else ")")

    def _print_fn(self, e: Expr) -> str:
        f = e.attrs[0]
        if f.name == "power":
            return super()._print_fn(e)
        if f.name not in _FUNCTIONS:
            raise SpecError(
                f"the elementwise function {f.name} has no PyTorch spelling",
                hint="export to NumPy, or write the activation with built-in functions",
            )
        template = _FUNCTIONS[f.name]
        whole = re.fullmatch(r"torch\.[\w.]+\(\{x\}\)", template) is not None
        x = self._print(e.args[0]) if whole else self.paren(e.args[0], _PY["atom"])
        a = repr(float(f.params[0])) if f.params else ""
        return template.format(x=x, a=a, like=self.like)

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
