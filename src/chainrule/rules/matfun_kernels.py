"""The NumPy meaning of the matrix functions and of their Fréchet derivatives.

Each function is self-contained (it uses only ``np`` and imports ``scipy.linalg`` itself) because
its source is also printed into the generated NumPy code (:func:`inspect.getsource`), so the
reference interpreter and the printed code run the same lines. The forward functions are SciPy's;
one kernel, :func:`frechet`, serves every Fréchet derivative through the block identity

    f([[A, E], [0, A]]) = [[f(A), L_f(A, E)], [0, f(A)]]

(Higham, *Functions of Matrices*, 2008, Thm 3.6), exact for every primary matrix function.
"""

from __future__ import annotations

import inspect

import numpy as np

__all__ = ["KERNELS", "kernel_source"]


def expm(X):
    """e^X = Σ_k X^k / k! (SciPy: scaling and squaring with a Padé approximant)."""
    import scipy.linalg

    return scipy.linalg.expm(X)


def principal(X, name):
    """Refuse X with an eigenvalue on (−∞, 0]: there the principal logarithm and square root are
    not real (a negative eigenvalue) or not differentiable (a zero one, X singular)."""
    lam = np.linalg.eigvals(X)
    tol = 1e-10 * max(1.0, float(np.max(np.abs(lam), initial=0.0)))
    bad = lam[(np.abs(lam.imag) <= tol) & (lam.real <= tol)]
    if bad.size:
        what = "is singular" if np.min(np.abs(bad)) <= tol else "has a negative real eigenvalue"
        raise np.linalg.LinAlgError(
            f"{name} needs a matrix without eigenvalues on (−∞, 0], but this "
            f"{X.shape[0]}×{X.shape[1]} matrix {what} (eigenvalue {bad.real[0]:.3g})"
        )


def logm(X):
    """The principal logarithm: e^L = X, eigenvalues of L with imaginary parts in (−π, π); real for
    a real X without eigenvalues on (−∞, 0]."""
    import scipy.linalg

    principal(X, "logm")
    return np.real(scipy.linalg.logm(X))


def sqrtm(X):
    """The principal square root: S S = X, eigenvalues of S in the right half-plane; real for a
    real X without eigenvalues on (−∞, 0]."""
    import scipy.linalg

    principal(X, "sqrtm")
    return np.real(scipy.linalg.sqrtm(X))


def sinm(X):
    """sin X = Σ_k (−1)^k X^(2k+1) / (2k+1)!."""
    import scipy.linalg

    return scipy.linalg.sinm(X)


def cosm(X):
    """cos X = Σ_k (−1)^k X^(2k) / (2k)!."""
    import scipy.linalg

    return scipy.linalg.cosm(X)


def frechet(f, A, E):
    """L_f(A, E): the top-right block of f([[A, E], [0, A]]). L_f is linear in E, so E is scaled
    to A's size first (and the result scaled back), keeping f's algorithm in its accurate range."""
    n = A.shape[0]
    scale = np.linalg.norm(E, 1) / max(np.linalg.norm(A, 1), 1.0)
    if scale == 0:
        return np.zeros(np.shape(A), np.result_type(A, E))
    B = np.block([[A, E / scale], [np.zeros_like(A), A]])
    return f(B)[:n, n:] * scale


def frechet_expm(A, E):
    """L_exp(A, E) = ∫₀¹ e^(sA) E e^((1−s)A) ds."""
    return frechet(expm, A, E)


def frechet_logm(A, E):
    """L_log(A, E), the inverse of L_exp at log A: L_exp(log A, L_log(A, E)) = E."""
    return frechet(logm, A, E)


def frechet_sqrtm(A, E):
    """L_sqrt(A, E) = L, the solution of the Sylvester equation S L + L S = E with S = A^(1/2)."""
    return frechet(sqrtm, A, E)


def frechet_sinm(A, E):
    """L_sin(A, E), the linear part of sin(A + E) − sin(A)."""
    return frechet(sinm, A, E)


def frechet_cosm(A, E):
    """L_cos(A, E), the linear part of cos(A + E) − cos(A)."""
    return frechet(cosm, A, E)


KERNELS = {
    f.__name__: f
    for f in (expm, principal, logm, sqrtm, sinm, cosm, frechet)
    + (frechet_expm, frechet_logm, frechet_sqrtm, frechet_sinm, frechet_cosm)
}


def kernel_source(name: str) -> str:
    """The kernel's source, as printed into generated code."""
    return inspect.getsource(KERNELS[name])
