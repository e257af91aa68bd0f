"""Three exporters: a plan printed as NumPy, as a ``torch.autograd.Function``, as a JAX custom VJP.

Each is a short list of lines around the same printed formulas: the forward equations, the
backward steps, and shape checks. The module docstring repeats the derivation in the course's
notation, so the code says which formulas it runs.
"""

from __future__ import annotations

from ..ir.expr import Expr
from ..ir.shapes import fmt_shape
from ..printers.jax_code import JaxPrinter, jnp
from ..printers.numpy_code import NumpyPrinter
from ..printers.numpy_module import helpers_used
from ..printers.torch_code import SPREAD_HELPER, TorchPrinter
from .plan import Plan, needed

__all__ = ["to_numpy", "to_torch", "to_jax"]

_IN = "    "


def _docstring(plan: Plan, how: str) -> str:
    formulas = "\n".join(f"    {line}" for line in plan.formulas)
    return f'"""{plan.title} — {how}, printed by chainrule.\n\n{formulas}\n"""\n'


def _assign(printer: object, lines: list[tuple[str, Expr]], indent: int = 1) -> list[str]:
    return [f"{_IN * indent}{name} = {printer.shaped(e)}" for name, e in lines]


def _dims(plan: Plan, shape_of: str, indent: int = 1) -> list[str]:
    return [f"{_IN * indent}{d} = {shape_of.format(v)}[{axis}]" for d, v, axis in plan.dims]


def _unpack(names: str) -> str:
    """``a, b`` — or ``a,`` for a single name, so it stays a tuple."""
    return names if "," in names else names + ","


def _saved(plan: Plan) -> str:
    """The inputs and forward quantities the backward pass reads, ``X, W, Z, A``."""
    return ", ".join([v.name for v in plan.inputs] + [n for n, _ in plan.forward])


def _exprs(plan: Plan) -> list[Expr]:
    return [e for _, e in (*plan.forward, *plan.backward)]


def _free(base: str, plan: Plan) -> str:
    """``base``, or ``base_`` … when the plan already uses that name (an input called ``g``)."""
    taken = {v.name for v in plan.inputs} | {n for n, _ in (*plan.forward, *plan.backward)}
    while base in taken:
        base += "_"
    return base


def _like(plan: Plan) -> str:
    """An input tensor to take dtype and device from (the first non-scalar one)."""
    return next((v.name for v in plan.inputs if v.shape), plan.inputs[0].name)


# -- NumPy ----------------------------------------------------------------------------------------
def to_numpy(plan: Plan) -> str:
    """A self-contained function returning the value and the gradient(s), with shape assertions."""
    p = NumpyPrinter()
    grads = [g for x, g in plan.grads if x in plan.returned]
    checks = [
        f"{_IN}assert np.shape({v.name}) == {fmt_shape(v.shape)}, "
        f'f"{v.name} has shape {{np.shape({v.name})}}, expected {fmt_shape(v.shape)}"'
        for v in plan.inputs
    ]
    out_checks = [f"{_IN}assert np.shape({g}) == np.shape({g[1:]})" for g in grads]
    ret = grads[0] if plan.name == "f" else "{" + ", ".join(f'"{g}": {g}' for g in grads) + "}"
    lines = [
        _docstring(plan, "value and gradient in NumPy"),
        "import numpy as np\n\n",
        *helpers_used(_exprs(plan)),
        f"def {plan.name}_and_grad({plan.signature}):",
        f'{_IN}"""Return {plan.output} and {", ".join(grads)} (float64 arrays recommended)."""',
        *_dims(plan, "np.shape({})"),
        *checks,
        *_assign(p, list(plan.forward)),
        *_assign(p, needed(plan, tuple(grads))),
        *out_checks,
        f"{_IN}return {plan.output}, {ret}",
    ]
    return "\n".join(lines) + "\n"


# -- PyTorch --------------------------------------------------------------------------------------
def to_torch(plan: Plan) -> str:
    """``<Name>(torch.autograd.Function)`` whose backward runs the derived formulas."""
    p = TorchPrinter(_like(plan))
    saved = _saved(plan)
    cls = plan.name.capitalize() + "Function"
    ctx, out = _free("ctx", plan), _free("grad_output", plan)
    returns = ", ".join(_torch_grad(plan, v.name, out) for v in plan.inputs)
    lines = [
        _docstring(plan, "a torch.autograd.Function with the derived backward pass"),
        "import torch\n\n",
        SPREAD_HELPER + "\n",
        *helpers_used(_exprs(plan), "torch"),
        f"def {plan.name}_plain({plan.signature}):",
        f'{_IN}"""{plan.output} with plain torch operations (autograd differentiates this one)."""',
        *_dims(plan, "{}.shape"),
        *_assign(p, list(plan.forward)),
        f"{_IN}return {plan.output}\n\n",
        f"class {cls}(torch.autograd.Function):",
        f'{_IN}"""Forward: {plan.output}. Backward: chainrule\'s formulas, not autograd."""\n',
        f"{_IN}@staticmethod",
        f"{_IN}def forward({ctx}, {plan.signature}):",
        *_dims(plan, "{}.shape", 2),
        *_assign(p, list(plan.forward), 2),
        f"{_IN * 2}{ctx}.save_for_backward({saved})",
        f"{_IN * 2}return {plan.output}\n",
        f"{_IN}@staticmethod",
        f"{_IN}def backward({ctx}, {out}):",
        f"{_IN * 2}{_unpack(saved)} = {ctx}.saved_tensors",
        *_dims(plan, "{}.shape", 2),
        *_assign(p, list(plan.backward), 2),
        f"{_IN * 2}return {returns}\n\n",
        f"def {plan.name}({plan.signature}):",
        f'{_IN}"""{plan.output}, differentiable with the derived backward pass."""',
        f"{_IN}return {cls}.apply({plan.signature})",
    ]
    return "\n".join(lines) + "\n"


def _torch_grad(plan: Plan, x: str, out: str) -> str:
    g = dict(plan.grads).get(x)
    return f"{out} * {g}" if g else "None"


# -- JAX ------------------------------------------------------------------------------------------
def to_jax(plan: Plan) -> str:
    """``@jax.custom_vjp`` function whose backward rule runs the derived formulas."""
    p = JaxPrinter()
    saved, ct = _saved(plan), _free("g", plan)
    cotangents = ", ".join(_jax_grad(plan, v, ct) for v in plan.inputs)
    lines = [
        _docstring(plan, "a jax.custom_vjp function with the derived backward pass"),
        "import jax\nimport jax.numpy as jnp\n\n",
        *(jnp(h) for h in helpers_used(_exprs(plan), "jax")),
        f"def {plan.name}_plain({plan.signature}):",
        f'{_IN}"""{plan.output} with plain jax.numpy (jax.grad differentiates this one)."""',
        *_dims(plan, "jnp.shape({})"),
        *_assign(p, list(plan.forward)),
        f"{_IN}return {plan.output}\n\n",
        "@jax.custom_vjp",
        f"def {plan.name}({plan.signature}):",
        f'{_IN}"""{plan.output}, differentiated by chainrule\'s formulas (see _bwd)."""',
        f"{_IN}return {plan.name}_plain({plan.signature})\n\n",
        f"def _fwd({plan.signature}):",
        *_dims(plan, "jnp.shape({})"),
        *_assign(p, list(plan.forward)),
        f"{_IN}return {plan.output}, ({_unpack(saved)})\n\n",
        f"def _bwd(residuals, {ct}):",
        f"{_IN}{_unpack(saved)} = residuals",
        *_dims(plan, "jnp.shape({})"),
        *_assign(p, list(plan.backward)),
        f"{_IN}return ({_unpack(cotangents)})\n\n",
        f"{plan.name}.defvjp(_fwd, _bwd)",
    ]
    return "\n".join(lines) + "\n"


def _jax_grad(plan: Plan, x: Expr, ct: str) -> str:
    g = dict(plan.grads).get(x.name)
    return f"{ct} * {g}" if g else f"jnp.zeros_like({x.name})"
