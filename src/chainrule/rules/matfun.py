"""The matrix functions ``expm``, ``logm``, ``sqrtm``, ``sinm``, ``cosm`` and their Fréchet
derivatives: one record each, added to the same registry, printed as helper calls (like
convolution, :mod:`chainrule.rules.conv`).

The gradient of a primary matrix function. With C = f(X) and dC = L_f(X, dX), the Fréchet
derivative (linear in dX), ⟨G, dC⟩ = ⟨L_f(X, ·)*(G), dX⟩; for f with real Taylor coefficients
L_f(X, E) = Σ_k a_k Σ_j Xʲ E Xᵏ⁻¹⁻ʲ, whose adjoint is L_f(Xᵀ, ·). So X̄ = L_f(Xᵀ, G): the backward
pass is the node ``frechet_f(Xᵀ, G)``. Its own rules close the set: L_f(A, E) is linear in E
with adjoint L_f(Aᵀ, ·), and in A it is the top-right block of f(B), B = [[A, E], [0, A]], so its
A-adjoint is the sum of the diagonal blocks of L_f(Bᵀ, [[0, H], [0, 0]]) — a Fréchet derivative
again, of twice the size (second and higher derivatives, Hessians, need nothing new).

Each language's helpers: NumPy's are :mod:`chainrule.rules.matfun_kernels` (SciPy, and the block
identity for every L_f). PyTorch and JAX use their own matrix exponential (sin and cos through
e^(iX)), the Denman–Beavers iteration for the square root and inverse scaling and squaring for the
logarithm (neither has a built-in); their autograd differentiates these algorithms, so the
cross-checks compare the derived rule with an independent computation. Their L_f is the same block
identity on their own f (eigendecompositions are avoided: [[A, E], [0, A]] is defective).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import ChainruleError, EvaluationError
from ..ir import matfun as M
from ..ir import stack
from ..ir.expr import Expr
from . import matfun_kernels as K
from .conv import CallPrimitive
from .primitives import PRIMITIVES

__all__ = ["MATFUN"]

READING = ("higham", "cookbook")

# -- the NumPy meaning, with the domain checked ---------------------------------------------------


def _scipy() -> None:
    try:
        import scipy.linalg  # noqa: F401
    except ImportError:
        raise ChainruleError(
            "the matrix functions expm, logm, sqrtm, sinm and cosm need SciPy",
            hint="pip install 'chainrule[linalg]'",
        ) from None


def _checked(kernel: Callable[..., np.ndarray], name: str, *arrays: np.ndarray) -> np.ndarray:
    """The kernel on float64 arrays; a refusal of its domain becomes an EvaluationError."""
    _scipy()
    if not all(np.isfinite(a).all() for a in arrays):
        raise EvaluationError(f"{name} of a matrix with infinite or NaN entries")
    try:
        return kernel(*(np.asarray(a, dtype=np.float64) for a in arrays))
    except np.linalg.LinAlgError as e:
        raise EvaluationError(str(e), hint=DOMAIN_HINT) from None


DOMAIN_HINT = (
    "the principal logarithm and square root are real and differentiable only there, e.g. for a "
    "symmetric positive definite matrix"
)


def _forward(name: str) -> Callable[..., np.ndarray]:
    return lambda shape, attrs, x: _checked(K.KERNELS[name], name, x)


def _backward(name: str) -> Callable[..., np.ndarray]:
    fr = f"frechet_{name}"
    return lambda shape, attrs, a, e: _checked(K.KERNELS[fr], fr, a, e)


# -- the rules (G is the adjoint of the node's output) -------------------------------------------
def _t(a: Expr) -> Expr:
    """aᵀ, undoing a transpose (and transposing zeros) rather than stacking another."""
    if a.op == "transpose":
        return a.args[0]
    return stack.zeros(a.shape[::-1]) if a.op == "broadcast" and a.args[0].op == "const" else a.T


def _hstack(a: Expr, b: Expr) -> Expr:
    """[A, B]: side by side, as the transpose of [Aᵀ; Bᵀ]."""
    return stack.vstack(_t(a), _t(b)).T


def _block(m: Expr, top: bool, left: bool, n: object) -> Expr:
    """One n×n block of a 2n×2n matrix."""
    half = stack.rows(m, "top" if top else "bottom", n, n)
    return stack.rows(half.T, "top" if left else "bottom", n, n).T


def _frechet_vjp_a(name: str) -> Callable[[Expr, Expr], Expr]:
    """Ā = B̄₁₁ + B̄₂₂ with B̄ = L_f(Bᵀ, [[0, H], [0, 0]]), B = [[A, E], [0, A]]."""

    def rule(h: Expr, node: Expr) -> Expr:
        a, e = node.args
        n, zero = a.shape[0], stack.zeros(a.shape)
        b_t = stack.vstack(_hstack(_t(a), zero), _hstack(_t(e), _t(a)))  # Bᵀ = [[Aᵀ, 0], [Eᵀ, Aᵀ]]
        top = _hstack(zero, h)
        h_tilde = stack.vstack(top, stack.zeros(top.shape))
        b_bar = M.frechet(name, b_t, h_tilde)
        return _block(b_bar, True, True, n) + _block(b_bar, False, False, n)

    return rule


# -- each language's helpers ----------------------------------------------------------------------
_ROOT = '''def sqrtm(X):
    """Denman–Beavers iteration in product form: M → I and Y → X^(1/2), quadratically."""
    I = {eye}
    Y, M = X, X
    for _ in range(100):
        Mi = {inv}(M)
        Y, M = Y @ (I + Mi) / 2, (I + (M + Mi) / 2) / 2
        if {norm}(M - I, 1) < 1e-15:
            break
    return Y
'''
_LOG = '''def logm(X):
    """Inverse scaling and squaring: log X = 2ᵏ log(X^(1/2ᵏ)), the last by its Taylor series."""
    I, k = {eye}, 0
    while {norm}(X - I, 1) > 0.25:
        X, k = sqrtm(X), k + 1
    D = X - I
    term, total = I, {zeros}(X)
    for j in range(1, 40):
        term = term @ D
        total = total + (-1) ** (j + 1) * term / j
    return 2**k * total
'''
_FRECHET = '''def frechet(f, A, E):
    """L_f(A, E): the top-right block of f([[A, E], [0, A]])."""
    n = A.shape[0]
    return f({block})[:n, n:]
'''
_TORCH = {
    "eye": "torch.eye(X.shape[0], dtype=X.dtype, device=X.device)",
    "inv": "torch.linalg.inv",
    "norm": "torch.linalg.matrix_norm",
    "zeros": "torch.zeros_like",
    "block": "torch.cat((torch.cat((A, E), 1), torch.cat((torch.zeros_like(A), A), 1)), 0)",
    "exp": "torch.linalg.matrix_exp",
}
_JAX = {
    "eye": "jnp.eye(X.shape[0], dtype=X.dtype)",
    "inv": "jnp.linalg.inv",
    "norm": "jnp.linalg.norm",
    "zeros": "jnp.zeros_like",
    "block": "jnp.block([[A, E], [jnp.zeros_like(A), A]])",
    "exp": "jax.scipy.linalg.expm",
}
_BODIES = {
    "expm": "{exp}(X)",
    "sinm": "{exp}(1j * X).imag",
    "cosm": "{exp}(1j * X).real",
}
_NEEDS = {"logm": ("sqrtm",)}  # PyTorch's and JAX's logm call their sqrtm
_NUMPY_NEEDS = {"logm": ("principal",), "sqrtm": ("principal",)}  # the domain check


def _language(name: str, words: dict[str, str]) -> dict[str, str]:
    """The helper sources of one language (PyTorch or JAX)."""
    if name in _BODIES:
        return {name: f"def {name}(X):\n    return {_BODIES[name].format(**words)}\n"}
    return {name: (_ROOT if name == "sqrtm" else _LOG).format(**words)}


def _helpers(name: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """Each language's helpers for ``name`` and for ``frechet_name``: (name, source), callees
    first."""
    fr, chain = f"frechet_{name}", (*_NEEDS.get(name, ()), name)
    sources = {
        "numpy": {
            n: K.kernel_source(n) for n in (*_NUMPY_NEEDS.get(name, ()), name, "frechet", fr)
        },
        "torch": {k: v for n in chain for k, v in _language(n, _TORCH).items()},
        "jax": {k: v for n in chain for k, v in _language(n, _JAX).items()},
    }
    for lang, words in (("torch", _TORCH), ("jax", _JAX)):
        sources[lang]["frechet"] = _FRECHET.format(**words)
        sources[lang][fr] = f"def {fr}(A, E):\n    return frechet({name}, A, E)\n"
    forward = {
        lang: tuple((n, src[n]) for n in src if n not in ("frechet", fr))
        for lang, src in sources.items()
    }
    backward = {lang: tuple(src.items()) for lang, src in sources.items()}
    return forward, backward


# -- the records ----------------------------------------------------------------------------------
# name → (title, how C = f(X) is written, the series or equation that defines it)
_FACTS = {
    "expm": ("matrix exponential", "C = e^X", "e^X = Σ_k Xᵏ / k!"),
    "logm": ("principal matrix logarithm", "C = log X", "e^C = X (eigenvalues of X off (−∞, 0])"),
    "sqrtm": ("principal matrix square root", "C = X^(1/2)", "C C = X (eigenvalues off (−∞, 0])"),
    "sinm": ("matrix sine", "C = sin X", "sin X = Σ_k (−1)ᵏ X²ᵏ⁺¹ / (2k+1)!"),
    "cosm": ("matrix cosine", "C = cos X", "cos X = Σ_k (−1)ᵏ X²ᵏ / (2k)!"),
}


def _records(name: str) -> tuple[CallPrimitive, CallPrimitive]:
    title, notation, definition = _FACTS[name]
    forward_helpers, backward_helpers = _helpers(name)
    forward = CallPrimitive(
        name,
        title,
        notation,
        M.FORWARD[name],
        "(n, n) → (n, n)",
        _forward(name),
        (lambda g, n: M.frechet(name, n.args[0].T, g),),
        "matrix-function rule (the Fréchet derivative at Xᵀ)",
        f"{definition}; f(X + dX) = f(X) + L_f(X, dX) + o(dX) with L_f linear, and since f's "
        "series has real coefficients the adjoint of L_f(X, ·) is L_f(Xᵀ, ·), so pairing dC "
        "with G leaves L_f(Xᵀ, G) next to dX.",
        "C = f(X), dC = L_f(X, dX)  ⇒  ∂ℓ/∂X_ij = Σ_kl G_kl ∂C_kl/∂X_ij = L_f(Xᵀ, G)_ij",
        "X, C and G are all (n, n), and L_f(Xᵀ, G) is (n, n); where X commutes with G (e.g. "
        "G = I, the gradient of a trace) it is f′(X)ᵀ G, the scalar rule.",
        READING,
        helpers=forward_helpers,
        latex=rf"\operatorname{{{name}}}",
    )
    backward = CallPrimitive(
        f"frechet_{name}",
        f"Fréchet derivative of the {title}",
        f"C = L_{name}(A, E)",
        M.FRECHET[name],
        "(n, n), (n, n) → (n, n)",
        _backward(name),
        (_frechet_vjp_a(name), lambda h, n: M.frechet(name, n.args[0].T, h)),
        "block rule for a Fréchet derivative",
        "f([[A, E], [0, A]]) = [[f(A), L_f(A, E)], [0, f(A)]] for every primary matrix function, "
        "so L_f(A, E) is a block of f of a larger matrix: linear in E with adjoint L_f(Aᵀ, ·), "
        "and differentiable in A by the matrix-function rule on that block matrix.",
        "C = [f(B)]₁₂, B = [[A, E], [0, A]]  ⇒  Ē = L_f(Aᵀ, H), "
        "Ā = [L_f(Bᵀ, [[0, H], [0, 0]])]₁₁ + [L_f(Bᵀ, [[0, H], [0, 0]])]₂₂",
        "A, E, C and H are (n, n); B and its Fréchet derivative are (2n, 2n), and the two "
        "diagonal blocks where A sits give Ā.",
        READING,
        helpers=backward_helpers,
        text=f"L_{name}",
        latex=rf"L_{{\operatorname{{{name}}}}}",
    )
    return forward, backward


MATFUN = [r for name in M.MATRIX_FUNCTIONS for r in _records(name)]

PRIMITIVES.update({p.op: p for p in MATFUN})
