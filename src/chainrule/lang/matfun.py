"""The matrix functions in the language, spelt as SciPy spells them: ``scipy.linalg.expm(X)`` (or
``expm(X)``), ``logm``, ``sqrtm``, ``sinm``, ``cosm``; and their Fréchet derivatives
``frechet_expm(A, E)`` …, which the printed backward pass calls, so printed code parses back.
"""

from __future__ import annotations

from ..ir import matfun
from .functions import register

__all__: list[str] = []


def _forward(name: str) -> None:
    register(name)(lambda x: matfun.matfun(name, x))


def _frechet(name: str) -> None:
    register(f"frechet_{name}")(lambda a, e: matfun.frechet(name, a, e))


for _name in matfun.MATRIX_FUNCTIONS:
    _forward(_name)
    _frechet(_name)
