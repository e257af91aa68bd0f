"""A cross-check against PyTorch: the same network built in torch, differentiated by autograd.

The network is rebuilt from its spec alone — torch's own matrix products, activations (each
record's PyTorch spelling; custom SymPy activations node by node through the records), softmax and
losses — in float64, and
``J.backward()`` gives every ``W.grad``, ``b.grad``, and with ``retain_grad`` every ``Z.grad`` and
``A.grad``. Those are ∂J/∂·; in the course's convention chainrule's ``dZ``, ``dA`` are gradients of
m·J, so torch's are scaled by m before comparing. PyTorch is an optional extra, imported lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np
import sympy

from .. import scalar
from ..codegen import compile_module
from ..errors import DataError, SpecError
from ..nets import Network
from ..nets.model import Model
from .differences import torch_module as _torch
from .model_check import crosscheck_model
from .report import Report, compare, relative_difference

__all__ = ["crosscheck", "torch_gradients", "torch_activation", "TOLERANCE"]

TOLERANCE = 1e-10


def crosscheck(
    net: Network,
    params: Mapping[str, np.ndarray],
    X: np.ndarray | None = None,
    Y: np.ndarray | None = None,
    *,
    convention: str = "course",
    tolerance: float = TOLERANCE,
) -> Report:
    """Compare every gradient ``net.gradients`` derives with PyTorch autograd's, in float64.

    NaN or ∞ in the inputs is refused; a forward pass that leaves the finite numbers (``log`` of a
    negative ``Z``) gives gradients no reference can confirm, and every such row fails. A model
    (``cr.model``) takes its inputs as one dict: ``crosscheck(model, values)``.
    """
    if isinstance(net, Model):
        return crosscheck_model(net, params, tolerance)
    torch = _torch()
    params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    for name, value in [("X", X), ("Y", Y), *params.items()]:
        if not np.isfinite(value).all():
            raise DataError(
                f"{name} holds NaN or ∞: a cross-check needs finite numbers",
                hint="drop or fill the missing values first",
            )
    with np.errstate(all="ignore"):
        derived = net.gradients(params, X, Y, convention, every=True)
    try:
        reference = torch_gradients(net, params, X, Y, convention)
    except RuntimeError:  # torch's BCE refuses probabilities that are NaN: nothing to compare
        reference = {k: np.full(np.shape(v), np.nan) for k, v in derived.items()}
    d = net.derive(convention)
    names = ["d" + p for p in net.program.params]
    names += [s.target for s in d if s.kind == "intermediate"]
    rows = [
        compare(
            n,
            "parameter" if n[1:] in params else "intermediate",
            derived[n],
            reference[n],
            tolerance,
        )
        for n in names
        if n in derived and n in reference
    ]
    overall = relative_difference(
        np.concatenate([np.ravel(derived[n]) for n in names if n[1:] in params]),
        np.concatenate([np.ravel(reference[n]) for n in names if n[1:] in params]),
    )
    method = f"PyTorch {torch.__version__} autograd on the same network, float64"
    return Report(
        "PyTorch cross-check",
        method,
        "PyTorch",
        net.describe(),
        d.convention,
        tolerance,
        overall,
        tuple(rows),
    )


def torch_gradients(
    net: Network,
    params: Mapping[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    convention: str = "course",
) -> dict[str, np.ndarray]:
    """Every ``dW``, ``db``, ``dZ``, ``dA`` by PyTorch autograd, in ``convention``'s scaling."""
    torch = _torch()
    leaves = {
        k: torch.tensor(np.asarray(params[k], dtype=np.float64), requires_grad=True)
        for k in net.program.params
    }
    x = torch.tensor(np.asarray(X, dtype=np.float64))
    y = torch.tensor(np.asarray(Y, dtype=np.float64))
    cost, named = _forward(torch, net, leaves, x, y)
    cost.backward()
    m = x.shape[1] if net.spec.layout == "columns" else x.shape[0]
    scale = m if net.derive(convention).convention == "course" else 1
    out = {"d" + k: t.grad.numpy().copy() for k, t in leaves.items()}
    out.update({"d" + k: scale * t.grad.numpy() for k, t in named.items()})
    return out


def torch_activation(f: scalar.ElementwiseFn) -> Callable[[Any], Any]:
    """The activation ``f`` as a torch function, translated from its SymPy formula."""
    torch = _torch()
    _translate(f.expr, torch.full((1,), 0.5, dtype=torch.float64), torch, f)  # fail early
    return lambda x: _translate(f.expr, x, torch, f)


# -- the network in torch ----------------------------------------------------------------------
def _forward(torch: Any, net: Network, P: dict, x: Any, y: Any) -> tuple[Any, dict[str, Any]]:
    """J and the named intermediates ``Z1, A1, …`` (each with ``retain_grad``)."""
    spec, cols = net.spec, net.spec.layout == "columns"
    named, A = {}, x
    for l in range(1, spec.L + 1):
        W, b = P[f"W{l}"], P[f"b{l}"]
        Z = W @ A + b if cols else A @ W + b
        A = (
            _output(torch, spec.output, Z, cols)
            if l == spec.L
            else torch_activation(spec.hidden[l - 1])(Z)
        )
        for name, t in ((f"Z{l}", Z), (f"A{l}", A)):
            t.retain_grad()
            named[name] = t
    m = x.shape[1] if cols else x.shape[0]
    cost = _loss(torch, spec.loss, A, y) / m
    if spec.l2 > 0:
        penalty = sum((P[f"W{l}"] ** 2).sum() for l in range(1, spec.L + 1))
        cost = cost + spec.l2 / (2 * m) * penalty
    return cost, named


def _output(torch: Any, output: str, Z: Any, cols: bool) -> Any:
    if output == "softmax":
        return torch.softmax(Z, dim=0 if cols else 1)
    if output == "linear":
        return Z
    return {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[output](Z)


def _loss(torch: Any, loss: str, A: Any, Y: Any) -> Any:
    """Σᵢ L⁽ⁱ⁾ with torch's own losses where they take probabilities."""
    F = torch.nn.functional
    if loss == "bce":
        return F.binary_cross_entropy(A, Y, reduction="sum")
    if loss == "ce":
        return -(Y * torch.log(A)).sum()
    return 0.5 * F.mse_loss(A, Y, reduction="sum")


# -- SymPy → torch ---------------------------------------------------------------------------------
@lru_cache(maxsize=256)
def _torch_function(record: scalar.ElementwiseFn) -> Callable[[Any], Any]:
    """The record's own PyTorch spelling (its ``torch`` template) as a function of a tensor."""
    a = repr(float(record.params[0])) if record.params else ""
    body = record.torch.format(x="x", a=a, like="x")
    source = f"import torch\n\n\ndef f(x):\n    return {body}\n"
    return compile_module(source, f"torch_{record.name}")["f"]


def _translate(s: sympy.Expr, x: Any, torch: Any, f: scalar.ElementwiseFn) -> Any:
    """Evaluate the SymPy formula ``s`` of z at the tensor ``x`` with torch operations."""
    if s.is_Symbol:
        return x
    if s.is_Number:
        return float(s)
    args = [_translate(a, x, torch, f) for a in s.args]
    if isinstance(s, sympy.Add):
        return sum(args[1:], args[0])
    if isinstance(s, sympy.Mul):
        out = args[0]
        for a in args[1:]:
            out = out * a
        return out
    if isinstance(s, sympy.Pow):
        return args[0] ** args[1]
    maker = scalar.SYMPY_FUNCTIONS.get(s.func)
    record = maker(*s.args[1:]) if maker else None
    if record is None or record.torch is None:
        raise SpecError(
            f"activation {f.name} = {f.expr} has no PyTorch counterpart for {s.func.__name__}",
            hint="write it with exp, log, tanh, sigmoid, relu, softplus, powers and arithmetic",
        )
    return _torch_function(record)(args[0])
