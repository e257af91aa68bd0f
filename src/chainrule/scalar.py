"""Elementwise (scalar) functions: one record each, holding all of the function's mathematics.

A record gives the function as a SymPy expression of one scalar ``z`` (so its derivative and every
algebraic simplification come from SymPy, never from a table of hand-written derivatives), its
numerically stable NumPy meaning, and how printers spell it. Activations that SymPy does not know
(sigmoid, relu, softplus, leaky relu) are SymPy functions defined here whose ``fdiff`` states their
derivative identity. User-defined activations are records made from a SymPy expression.

This module sits below the IR: it knows scalars only.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy
from sympy.printing.numpy import NumPyPrinter

from .errors import SpecError

__all__ = [
    "ElementwiseFn",
    "FUNCTIONS",
    "Z",
    "lookup",
    "power",
    "leaky_relu",
    "custom",
    "SYMPY_FUNCTIONS",
    "sigmoid",
    "relu",
    "step",
    "softplus",
    "leaky_step",
]

Z = sympy.Symbol("z", real=True)


# -- SymPy functions for the activations SymPy lacks ----------------------------------------------
class sigmoid(sympy.Function):  # noqa: N801 - SymPy's naming convention
    """σ(z) = 1 / (1 + e^(−z));  σ′(z) = σ(z) (1 − σ(z))."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sigmoid(self.args[0]) * (1 - sigmoid(self.args[0]))

    def _eval_rewrite_as_exp(self, x: sympy.Expr, **kw: object) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-x))


class step(sympy.Function):  # noqa: N801
    """The unit step 𝟙[z > 0]; its derivative is 0 wherever it exists."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.S.Zero


class relu(sympy.Function):  # noqa: N801
    """relu(z) = max(z, 0);  relu′(z) = 𝟙[z > 0]."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return step(self.args[0])


class leaky_step(sympy.Function):  # noqa: N801
    """1 where z > 0, α elsewhere: the derivative of leaky relu."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.S.Zero


class leaky_relu_fn(sympy.Function):  # noqa: N801
    """leaky_relu(z, α) = max(z, α z);  its derivative is 1 where z > 0 and α elsewhere."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return leaky_step(*self.args) if argindex == 1 else sympy.S.Zero


class softplus(sympy.Function):  # noqa: N801
    """softplus(z) = log(1 + e^z);  softplus′(z) = σ(z)."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sigmoid(self.args[0])


class cbrt(sympy.Function):  # noqa: N801
    """The real cube root;  cbrt′(z) = 1 / (3 cbrt(z)²)."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return 1 / (3 * cbrt(self.args[0]) ** 2)


# -- the record ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ElementwiseFn:
    """An elementwise function f applied entry by entry: ``A = f(Z)`` means ``A_ij = f(Z_ij)``.

    Its Jacobian is diagonal, so its vector–Jacobian product is the Hadamard product
    ``dZ = dA ⊙ f′(Z)``; ``f′`` is SymPy's derivative of :attr:`expr`.
    """

    name: str
    expr: sympy.Expr = field(compare=False)  # f(z) in the scalar z = :data:`Z`
    numpy: Callable[..., np.ndarray] = field(compare=False)
    np_src: str = field(compare=False)  # a template in {x}, or the name of a helper in the prelude
    text: str = field(compare=False)  # display name, e.g. "σ"
    latex: str = field(compare=False)
    params: tuple = ()
    helper: str | None = field(default=None, compare=False)  # source of a NumPy helper function
    torch: str | None = field(default=None, compare=False)  # PyTorch template in {x} ({a}, {like})
    spellings: tuple[str, ...] = field(
        default=(), compare=False
    )  # NumPy/SciPy names the parser reads

    def of(self, x: sympy.Expr) -> sympy.Expr:
        """f(x) as SymPy."""
        return _of(self, x)

    @property
    def derivative(self) -> sympy.Expr:
        """f′(z) as SymPy, in the scalar z (0 wherever SymPy says DiracDelta, as for the step)."""
        return _derivative(self)


# A record is equal to another only if its formula is (name and params say which), so SymPy's
# answers can be cached per record: every layer of a deep network asks the same questions.
@lru_cache(maxsize=4096)
def _of(f: ElementwiseFn, x: sympy.Expr) -> sympy.Expr:
    return f.expr.subs(Z, x)


@lru_cache(maxsize=256)
def _derivative(f: ElementwiseFn) -> sympy.Expr:
    return sympy.diff(f.expr, Z).replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    # The course's 1 / (1 + e⁻ˣ), bit for bit wherever it is finite; below x = −709, e⁻ˣ would
    # overflow, and σ(−709) ≈ 1e−308 is already 0 to double precision.
    return 1 / (1 + np.exp(-np.maximum(x, -709.0)))


_SIGMOID_SRC = (
    "def sigmoid(x):\n"
    "    # 1 / (1 + exp(-x)); exp(-x) is kept finite: sigma(-709) is about 1e-308, 0 in float64\n"
    "    return 1 / (1 + np.exp(-np.maximum(x, -709.0)))\n"
)

_TABLE = [
    ElementwiseFn(
        "sigmoid",
        sigmoid(Z),
        _stable_sigmoid,
        "sigmoid({x})",
        "σ",
        r"\sigma",
        helper=_SIGMOID_SRC,
        torch="torch.sigmoid({x})",
        spellings=("sigmoid", "expit"),
    ),
    ElementwiseFn(
        "tanh",
        sympy.tanh(Z),
        np.tanh,
        "np.tanh({x})",
        "tanh",
        r"\tanh",
        torch="torch.tanh({x})",
        spellings=("tanh",),
    ),
    ElementwiseFn(
        "relu",
        relu(Z),
        lambda x: np.maximum(x, 0),
        "np.maximum({x}, 0)",
        "relu",
        r"\operatorname{relu}",
        torch="torch.relu({x})",
        spellings=("relu",),
    ),
    ElementwiseFn(
        "step",
        step(Z),
        lambda x: (x > 0).astype(np.result_type(x, np.float32)),
        "np.heaviside({x}, 0)",  # a number, not a boolean: True + True would be True
        "𝟙",
        r"\mathbb{1}",
        torch="({x} > 0).to({like}.dtype)",
    ),
    ElementwiseFn(
        "softplus",
        softplus(Z),
        lambda x: np.logaddexp(0.0, x),
        "np.logaddexp(0, {x})",
        "softplus",
        r"\operatorname{softplus}",
        torch="torch.nn.functional.softplus({x})",
        spellings=("softplus",),
    ),
    ElementwiseFn(
        "exp",
        sympy.exp(Z),
        np.exp,
        "np.exp({x})",
        "exp",
        r"\exp",
        torch="torch.exp({x})",
        spellings=("exp",),
    ),
    ElementwiseFn(
        "log",
        sympy.log(Z),
        np.log,
        "np.log({x})",
        "log",
        r"\log",
        torch="torch.log({x})",
        spellings=("log",),
    ),
    ElementwiseFn(
        "sqrt",
        sympy.sqrt(Z),
        np.sqrt,
        "np.sqrt({x})",
        "√",
        r"\sqrt",
        torch="torch.sqrt({x})",
        spellings=("sqrt",),
    ),
    ElementwiseFn(
        "abs",
        sympy.Abs(Z),
        np.abs,
        "np.abs({x})",
        "abs",
        r"\operatorname{abs}",
        torch="torch.abs({x})",
        spellings=("abs", "absolute"),
    ),
    ElementwiseFn(
        "sign",
        sympy.sign(Z),
        np.sign,
        "np.sign({x})",
        "sign",
        r"\operatorname{sign}",
        torch="torch.sign({x})",
        spellings=("sign",),
    ),
    ElementwiseFn(
        "sin",
        sympy.sin(Z),
        np.sin,
        "np.sin({x})",
        "sin",
        r"\sin",
        torch="torch.sin({x})",
        spellings=("sin",),
    ),
    ElementwiseFn(
        "cos",
        sympy.cos(Z),
        np.cos,
        "np.cos({x})",
        "cos",
        r"\cos",
        torch="torch.cos({x})",
        spellings=("cos",),
    ),
    ElementwiseFn(
        "tan",
        sympy.tan(Z),
        np.tan,
        "np.tan({x})",
        "tan",
        r"\tan",
        torch="torch.tan({x})",
        spellings=("tan",),
    ),
    ElementwiseFn(
        "cbrt",
        cbrt(Z),
        np.cbrt,
        "np.cbrt({x})",
        "∛",
        r"\sqrt[3]",
        torch="torch.sign({x}) * torch.abs({x}) ** (1 / 3)",
        spellings=("cbrt",),
    ),
    ElementwiseFn(
        "cosh",
        sympy.cosh(Z),
        np.cosh,
        "np.cosh({x})",
        "cosh",
        r"\cosh",
        torch="torch.cosh({x})",
        spellings=("cosh",),
    ),
    ElementwiseFn(
        "sinh",
        sympy.sinh(Z),
        np.sinh,
        "np.sinh({x})",
        "sinh",
        r"\sinh",
        torch="torch.sinh({x})",
        spellings=("sinh",),
    ),
    # log(1 + z) and e^z − 1 for SymPy; NumPy's own accurate functions for the numbers
    ElementwiseFn(
        "log1p",
        sympy.log(1 + Z),
        np.log1p,
        "np.log1p({x})",
        "log1p",
        r"\operatorname{log1p}",
        torch="torch.log1p({x})",
        spellings=("log1p",),
    ),
    ElementwiseFn(
        "expm1",
        sympy.exp(Z) - 1,
        np.expm1,
        "np.expm1({x})",
        "expm1",
        r"\operatorname{expm1}",
        torch="torch.expm1({x})",
        spellings=("expm1",),
    ),
    ElementwiseFn(
        "arctanh",
        sympy.atanh(Z),
        np.arctanh,
        "np.arctanh({x})",
        "artanh",
        r"\operatorname{artanh}",
        torch="torch.atanh({x})",
        spellings=("arctanh",),
    ),
    ElementwiseFn(
        "arctan",
        sympy.atan(Z),
        np.arctan,
        "np.arctan({x})",
        "arctan",
        r"\arctan",
        torch="torch.atan({x})",
        spellings=("arctan",),
    ),
    ElementwiseFn(
        "arcsinh",
        sympy.asinh(Z),
        np.arcsinh,
        "np.arcsinh({x})",
        "arsinh",
        r"\operatorname{arsinh}",
        torch="torch.asinh({x})",
        spellings=("arcsinh",),
    ),
]

FUNCTIONS: dict[str, ElementwiseFn] = {f.name: f for f in _TABLE}


@lru_cache(maxsize=256)
def power(k: float | int | sympy.Number) -> ElementwiseFn:
    """z ↦ z^k for a constant k (``square`` is k = 2, a reciprocal is k = −1)."""
    k = sympy.nsimplify(k)
    return ElementwiseFn(
        "power",
        Z**k,
        lambda x, k=float(k): _np_power(x, k),
        "{x}**" + _pow_src(k),
        f"^{k}",
        f"^{{{sympy.latex(k)}}}",
        params=(k,),
        torch="{x}**" + _pow_src(k),
    )


def _np_power(x: np.ndarray, k: float) -> np.ndarray:
    if k == 2:
        return x * x
    if k == -1:
        return 1 / x
    return np.power(x, k)


def _pow_src(k: sympy.Number) -> str:
    return str(k) if k.is_Integer and k >= 0 else f"({k})" if k.is_Integer else f"({k.p}/{k.q})"


def leaky_relu(alpha: float = 0.01) -> ElementwiseFn:
    """max(z, α z) with slope α for negative z."""
    a = sympy.nsimplify(alpha)
    return ElementwiseFn(
        "leaky_relu",
        leaky_relu_fn(Z, a),
        lambda x, a=float(a): np.where(x > 0, x, a * x),
        f"np.where({{x}} > 0, {{x}}, {a} * {{x}})",
        "leaky_relu",
        r"\operatorname{leaky\_relu}",
        params=(a,),
        torch="torch.where({x} > 0, {x}, {a} * {x})",
    )


def _leaky_step(alpha: sympy.Number) -> ElementwiseFn:
    return ElementwiseFn(
        "leaky_step",
        leaky_step(Z, alpha),
        lambda x, a=float(alpha): np.where(x > 0, 1.0, a).astype(x.dtype),
        f"np.where({{x}} > 0, 1.0, {alpha}).astype({{x}}.dtype)",
        "𝟙α",
        r"\mathbb{1}_{\alpha}",
        params=(alpha,),
        torch="torch.where({x} > 0, torch.ones_like({x}), torch.full_like({x}, {a}))",
    )


def custom(
    name: str,
    expr: sympy.Expr,
    numpy_impl: Callable[..., np.ndarray] | None = None,
) -> ElementwiseFn:
    """A user-defined activation from a SymPy expression in the symbol ``z``.

    Its derivative comes from SymPy; its NumPy meaning is generated with ``sympy.lambdify`` (on
    SymPy's own objects, never on a user string) unless ``numpy_impl`` is given.
    """
    if not name.isidentifier() or keyword.iskeyword(name) or name in FUNCTIONS or name in _RESERVED:
        raise SpecError(
            f"activation name {name!r} must be a new identifier",
            hint=f"built-in names are {', '.join(sorted(FUNCTIONS))}",
        )
    if not isinstance(expr, sympy.Expr):
        raise SpecError(f"activation {name} must be a SymPy expression in z, not {expr!r}")
    free = {s.name for s in expr.free_symbols}
    if free - {"z"}:
        raise SpecError(
            f"activation {name} = {expr} may only depend on z, not on "
            f"{', '.join(sorted(free - {'z'}))}"
        )
    expr = expr.subs(sympy.Symbol("z"), Z)
    unknown = _unsupported(expr) | _unsupported(sympy.diff(expr, Z))
    if unknown:
        raise SpecError(
            f"activation {name} = {expr} uses {', '.join(sorted(unknown))}, which chainrule "
            "cannot differentiate into matrix formulas",
            hint=f"use + - * / ** and {', '.join(sorted(FUNCTIONS))}",
        )
    impl = numpy_impl or sympy.lambdify(Z, expr, modules=[_LAMBDIFY, "numpy"])
    code = _HelperPrinter().doprint(expr).replace("numpy.", "np.")
    return ElementwiseFn(
        name,
        expr,
        impl,
        f"{name}({{x}})",
        name,
        rf"\operatorname{{{name}}}",
        params=(sympy.srepr(expr),),
        helper=f"def {name}(z):\n    return {code}\n",
        torch=_torch_template(expr),
    )


def _torch_template(expr: sympy.Expr) -> str | None:
    """A custom activation's PyTorch template, spelt with the records' own templates; ``None``
    where a head has no PyTorch spelling (the PyTorch printer then refuses it by name)."""
    if expr == Z:
        return "{x}"
    if expr.is_Number:
        return f"({float(expr)!r})"
    parts = [_torch_template(a) for a in expr.args]
    if any(p is None for p in parts):
        return None
    if isinstance(expr, sympy.Add | sympy.Mul):
        return "(" + (" + " if isinstance(expr, sympy.Add) else " * ").join(parts) + ")"
    if isinstance(expr, sympy.Pow):
        return f"({parts[0]} ** {parts[1]})"
    maker = SYMPY_FUNCTIONS.get(type(expr))
    record = maker(*expr.args[1:]) if maker else None
    if record is None or record.torch is None:
        return None
    a = repr(float(record.params[0])) if record.params else ""
    return record.torch.replace("{x}", f"({parts[0]})").replace("{a}", a)


_RESERVED = {"np", "forward", "gradients", "square", "leaky_relu", "leaky_step", "power"}


def _unsupported(expr: sympy.Expr) -> set[str]:
    """Names of the SymPy heads in ``expr`` that have no elementwise record."""
    algebra = (sympy.Add, sympy.Mul, sympy.Pow, sympy.Symbol, sympy.Number)
    return {
        type(e).__name__
        for e in sympy.preorder_traversal(expr)
        if not isinstance(e, algebra) and type(e) not in SYMPY_FUNCTIONS and e != sympy.E
    }


class _HelperPrinter(NumPyPrinter):
    """SymPy → the NumPy source of a custom activation's helper, our functions spelt out stably."""

    def _print_Function(self, e: sympy.Function) -> str:  # noqa: N802 - SymPy's dispatch name
        x = f"({self._print(e.args[0])})"
        if isinstance(e, sigmoid):
            return f"np.exp(-np.logaddexp(0.0, -{x}))"
        if type(e) in SYMPY_FUNCTIONS:
            return SYMPY_FUNCTIONS[type(e)](*e.args[1:]).np_src.format(x=x)
        return super()._print_Function(e)


_LAMBDIFY = {
    "sigmoid": _stable_sigmoid,
    "relu": lambda x: np.maximum(x, 0),
    "step": lambda x: (x > 0) * 1.0,
    "softplus": lambda x: np.logaddexp(0.0, x),
    "cbrt": np.cbrt,
}

# SymPy function class → record maker, for turning simplified SymPy back into the IR.
SYMPY_FUNCTIONS: dict[type, Callable[..., ElementwiseFn]] = {
    sigmoid: lambda: FUNCTIONS["sigmoid"],
    sympy.tanh: lambda: FUNCTIONS["tanh"],
    relu: lambda: FUNCTIONS["relu"],
    step: lambda: FUNCTIONS["step"],
    softplus: lambda: FUNCTIONS["softplus"],
    sympy.exp: lambda: FUNCTIONS["exp"],
    sympy.log: lambda: FUNCTIONS["log"],
    sympy.Abs: lambda: FUNCTIONS["abs"],
    sympy.sign: lambda: FUNCTIONS["sign"],
    sympy.sin: lambda: FUNCTIONS["sin"],
    sympy.cos: lambda: FUNCTIONS["cos"],
    sympy.tan: lambda: FUNCTIONS["tan"],
    cbrt: lambda: FUNCTIONS["cbrt"],
    sympy.cosh: lambda: FUNCTIONS["cosh"],
    sympy.sinh: lambda: FUNCTIONS["sinh"],
    sympy.atanh: lambda: FUNCTIONS["arctanh"],
    sympy.atan: lambda: FUNCTIONS["arctan"],
    sympy.asinh: lambda: FUNCTIONS["arcsinh"],
    leaky_relu_fn: leaky_relu,
    leaky_step: _leaky_step,
}


def lookup(name: str) -> ElementwiseFn:
    """The record for a function name, or a SpecError listing the known names."""
    if name in FUNCTIONS:
        return FUNCTIONS[name]
    if name == "square":
        return power(2)
    if name in ("leaky_relu", "leakyrelu"):
        return leaky_relu()
    known = sorted([*FUNCTIONS, "square", "leaky_relu"])
    raise SpecError(f"unknown elementwise function {name!r}", hint=f"known: {', '.join(known)}")
