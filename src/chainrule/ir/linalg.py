"""Linear algebra in the IR: two primitives, one constant, and the rest as compositions.

Decides which matrix operations need new nodes. Only three do, each because no composition of the
others can express it:

* ``inv(X)`` — X⁻¹. Products, sums, transposes and elementwise functions of X never produce the
  inverse: each entry of X⁻¹ is a ratio of two polynomials in *all* entries of X.
* ``det(X)`` — det X, a polynomial of degree n in the entries; a composition would have to expand
  n! terms and could not exist for a symbolic n.
* ``blocks(p, r, kind)`` — the constant 0/1 matrices ``I_p ⊗ 𝟏_r`` (``"repeat"``, (p·r, p)) and
  ``𝟏_p ⊗ I_r`` (``"tile"``, (p·r, r)). Every other primitive keeps an entry's row and column (or
  swaps them); a Kronecker product repeats entries into new positions, and a product with one of
  these gathers is the only way to say that. They are constants, so nothing flows back into them.

Everything else is a composition, so it has no rule of its own and differentiates through the rules
of its parts: ``tr X = Σ (X ⊙ I)``, ``diag(v) = I ⊙ (v 𝟏ᵀ)``, ``diag(X) = (X ⊙ I) 𝟏``,
``outer(x, y) = x yᵀ``, ``A ⊗ B = (E A E′ᵀ) ⊙ (F B F′ᵀ)`` with the gathers above, ``‖x‖ = √(Σ x²)``,
``Xᵏ = X X ⋯ X`` and ``ones = broadcast(1)``.

*Named compositions.* A reader expects ``tr(A X B)``, not ``Σ (A X B ⊙ I)``, so :func:`named`
recognises these shapes of tree and printers that know the name print it (``_print_trace``). The
recognition is structural and happens only when printing: differentiation, simplification and
evaluation see the primitives, and a trace written by hand as ``np.sum(X * np.eye(n))`` reads
``tr(X)`` too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import scalar
from ..errors import ShapeError
from . import build
from .expr import Expr
from .shapes import Dim, Shape, check_shape, fmt_shape

__all__ = [
    "inv",
    "det",
    "blocks",
    "trace",
    "diag",
    "diag_part",
    "outer",
    "kron",
    "ones",
    "matrix_power",
    "norm",
    "column",
    "is_vector",
    "Named",
    "named",
]


# -- the primitives' checked builders ------------------------------------------------------------
def _square(x: Expr, what: str) -> Dim:
    if len(x.shape) != 2 or x.shape[0] != x.shape[1]:
        raise ShapeError(
            f"{what}({build.label(x)}) needs a square matrix but {build.label(x)} has shape "
            f"{fmt_shape(x.shape)}"
        )
    return x.shape[0]


def inv(x: Expr) -> Expr:
    """X⁻¹: (n, n) → (n, n)."""
    _square(x, "np.linalg.inv")
    return Expr("inv", (x,), x.shape)


def det(x: Expr) -> Expr:
    """det X: (n, n) → ()."""
    _square(x, "np.linalg.det")
    return Expr("det", (x,), ())


def blocks(p: int, r: int, kind: str) -> Expr:
    """The gather ``I_p ⊗ 𝟏_r`` (``"repeat"``, (p·r, p)) or ``𝟏_p ⊗ I_r`` (``"tile"``, (p·r, r))."""
    if kind not in ("repeat", "tile") or not all(isinstance(d, int) and d > 0 for d in (p, r)):
        raise ShapeError(f"blocks({p!r}, {r!r}, {kind!r}) needs positive int sizes")
    return Expr("blocks", (), (p * r, p if kind == "repeat" else r), (p, r, kind))


# -- compositions ---------------------------------------------------------------------------------
def is_vector(shape: Shape) -> bool:
    """A column (n, 1), a row (1, n) or a 1×1 matrix."""
    return len(shape) == 2 and 1 in shape


def column(v: Expr, what: str = "a vector") -> Expr:
    """A vector as a column: rows are transposed, matrices refused."""
    if not is_vector(v.shape):
        raise ShapeError(
            f"{what} needs a vector but {build.label(v)} has shape {fmt_shape(v.shape)}",
            hint="vectors are columns (n, 1)",
        )
    return v if v.shape[1] == 1 else build.transpose(v)


def ones(shape: tuple) -> Expr:
    """𝟏 of ``shape``: the constant 1 broadcast."""
    return build.broadcast(build.const(1), check_shape(tuple(shape)))


def trace(x: Expr) -> Expr:
    """tr X = Σ_ij X_ij I_ij."""
    n = _square(x, "np.trace")
    return build.sum_(build.mul(x, build.eye(n)), None, keepdims=False)


def diag(v: Expr) -> Expr:
    """diag(v) = I ⊙ (v 𝟏ᵀ): the square matrix with v on its diagonal."""
    c = column(v, "np.diag")
    n = c.shape[0]
    return build.mul(build.eye(n), build.matmul(c, ones((1, n))))


def diag_part(x: Expr) -> Expr:
    """diag(X) = (X ⊙ I) 𝟏: the diagonal of a square matrix as a column."""
    n = _square(x, "np.diag")
    return build.matmul(build.mul(x, build.eye(n)), ones((n, 1)))


def outer(x: Expr, y: Expr) -> Expr:
    """x yᵀ for vectors x (n) and y (m): (n, m)."""
    return build.matmul(column(x, "np.outer"), build.transpose(column(y, "np.outer")))


def kron(a: Expr, b: Expr) -> Expr:
    """A ⊗ B = (E_p A E_qᵀ) ⊙ (F_p B F_qᵀ), E = I ⊗ 𝟏 repeating rows of A, F = 𝟏 ⊗ I tiling B."""
    dims = (*a.shape, *b.shape)
    if len(dims) != 4 or not all(isinstance(d, int) for d in dims):
        raise ShapeError(
            f"np.kron needs two matrices of concrete shape, not {fmt_shape(a.shape)} and "
            f"{fmt_shape(b.shape)}"
        )
    p, q, r, s = dims
    spread_a = blocks(p, r, "repeat") @ a @ blocks(q, s, "repeat").T
    spread_b = blocks(p, r, "tile") @ b @ blocks(q, s, "tile").T
    return build.mul(spread_a, spread_b)


def matrix_power(x: Expr, k: int) -> Expr:
    """Xᵏ = X X ⋯ X (k ≥ 1), I (k = 0), (X⁻¹)^|k| (k < 0)."""
    n = _square(x, "np.linalg.matrix_power")
    if k == 0:
        return build.eye(n)
    base = x if k > 0 else inv(x)
    out = base
    for _ in range(abs(k) - 1):
        out = build.matmul(out, base)
    return out


def norm(x: Expr, ord: object = None) -> Expr:  # noqa: A002 - NumPy's name
    """‖x‖₂ = ‖X‖_F = √(Σ x²) (ord None, 2 for vectors, "fro"), ‖x‖₁ = Σ |x| (ord 1, columns)."""
    if len(x.shape) != 2:
        raise ShapeError(f"np.linalg.norm needs a vector or matrix, not shape {fmt_shape(x.shape)}")
    vector = is_vector(x.shape)
    if ord is None or ord == "fro" or (ord == 2 and vector):
        squares = build.sum_(build.np_pow(x, 2), None, keepdims=False)
        return build.fn(scalar.FUNCTIONS["sqrt"], squares)
    if ord == 1 and x.shape[1] == 1:
        return build.sum_(build.fn(scalar.FUNCTIONS["abs"], x), None, keepdims=False)
    raise ShapeError(
        f"np.linalg.norm(..., ord={ord!r}) of shape {fmt_shape(x.shape)} is not supported",
        hint="use the 2-norm of a vector, the Frobenius norm ('fro'), or ord=1 of a column",
    )


# -- named compositions (for printers) ------------------------------------------------------------
@dataclass(frozen=True)
class Named:
    """A tree recognised as a named composition: printers call ``_print_<name>(match)``."""

    name: str  # "trace", "diag", "diag_part", "kron", "matrix_power", "norm", "variable_power"
    args: tuple[Expr, ...]
    param: object = None  # the k of a matrix power
    binds: str = "atom"  # how tightly its printed form binds (a key of the printers' table)


def _is_one(e: Expr) -> bool:
    return e.op == "broadcast" and e.args[0].op == "const" and e.args[0].attrs[0] == 1


def _masked(e: Expr) -> Expr | None:
    """X from ``X ⊙ I`` or ``I ⊙ X``."""
    if e.op != "mul":
        return None
    a, b = e.args
    return a if b.op == "eye" else b if a.op == "eye" else None


def _trace(e: Expr) -> Named | None:
    if e.op == "sum" and e.attrs == (None, False) and (x := _masked(e.args[0])) is not None:
        return Named("trace", (x,))
    return None


def _diag(e: Expr) -> Named | None:
    x = _masked(e)
    if x is not None and x.op == "matmul" and _is_one(x.args[1]) and x.args[0].shape[1] == 1:
        return Named("diag", (x.args[0],), binds="fn")
    return None


def _diag_part(e: Expr) -> Named | None:
    column = e.op == "matmul" and e.shape[1] == 1  # (I ⊙ X) 𝟏 with 𝟏 a column, not a matrix
    if column and _is_one(e.args[1]) and (x := _masked(e.args[0])) is not None:
        return Named("diag_part", (x,), binds="fn")
    return None


def _power(e: Expr) -> Named | None:
    if e.op != "matmul":
        return None
    base, k, cur = e.args[1], 1, e.args[0]
    while cur.op == "matmul" and cur.args[1] == base:
        k, cur = k + 1, cur.args[0]
    return Named("matrix_power", (base,), k + 1, "pow") if cur == base else None


def _norm(e: Expr) -> Named | None:
    if e.op != "fn" or e.attrs[0].name != "sqrt":
        return None
    s = e.args[0]
    if s.op == "sum" and s.attrs == (None, False) and s.args[0].op == "fn":
        f = s.args[0].attrs[0]
        if f.name == "power" and f.params[0] == 2:
            return Named("norm", (s.args[0].args[0],))
    return None


def _gather(e: Expr, kind: str) -> Expr | None:
    """B from ``G B G′ᵀ`` where G, G′ are gathers of ``kind``."""
    if e.op != "matmul" or e.args[1].op != "transpose" or e.args[1].args[0].op != "blocks":
        return None
    left = e.args[0]
    if left.op != "matmul" or left.args[0].op != "blocks":
        return None
    ok = left.args[0].attrs[2] == kind == e.args[1].args[0].attrs[2]
    return left.args[1] if ok else None


def _kron(e: Expr) -> Named | None:
    if e.op != "mul":
        return None
    a, b = _gather(e.args[0], "repeat"), _gather(e.args[1], "tile")
    both = a is not None and b is not None  # binds like ⊙: (A ⊗ B) C keeps its parentheses
    return Named("kron", (a, b), binds="mul") if both else None


def _exp_of(e: Expr) -> Expr | None:
    return e.args[0] if e.op == "fn" and e.attrs[0].name == "exp" else None


def _log_of(e: Expr) -> Expr | None:
    e = e.args[0] if e.op == "broadcast" else e
    return e.args[0] if e.op == "fn" and e.attrs[0].name == "log" else None


def _variable_power(e: Expr) -> Named | None:
    """``exp(k ⊙ log x)``, how ``x ** k`` with a variable exponent is built: printed ``x^k``."""
    if e.op != "fn" or e.attrs[0].name != "exp" or e.args[0].op not in ("scale", "mul"):
        return None
    k, lg = e.args[0].args
    x = _log_of(lg)
    if x is None:
        return None
    k = k.args[0] if k.op == "broadcast" else k
    return Named("variable_power", (x, k), binds="pow")


def _softmax(e: Expr) -> Named | None:
    """``exp(z) / Σₖ exp(z)`` along one axis (the sum kept two-dimensional)."""
    if e.op != "mul" or (z := _exp_of(e.args[0])) is None:
        return None
    d = e.args[1].args[0] if e.args[1].op == "broadcast" else e.args[1]
    if d.op != "fn" or d.attrs[0].name != "power" or d.attrs[0].params[0] != -1:
        return None
    s = d.args[0]
    ok = s.op == "sum" and s.attrs[0] is not None and s.attrs[1] and s.args[0] == e.args[0]
    return Named("softmax", (z,), s.attrs[0], "fn") if ok else None


def _logsumexp(e: Expr) -> Named | None:
    """``log Σₖ exp(z)`` along one axis, or over all entries."""
    if e.op != "fn" or e.attrs[0].name != "log":
        return None
    s = e.args[0].args[0] if e.args[0].op == "broadcast" else e.args[0]
    if s.op != "sum":
        return None
    z = _exp_of(s.args[0])
    return Named("logsumexp", (z,), s.attrs, "fn") if z is not None else None


_MATCHERS: tuple[Callable[[Expr], Named | None], ...] = (
    _variable_power,
    _softmax,
    _logsumexp,
    _trace,
    _diag,
    _diag_part,
    _kron,
    _power,
    _norm,
)
_CANDIDATE_OPS = frozenset({"sum", "mul", "matmul", "fn"})  # the ops a named form's root can have


def named(e: Expr) -> Named | None:
    """The named composition ``e`` is (``tr X``, ``diag v``, ``A ⊗ B``, ``Xᵏ``, ``‖x‖``, softmax,
    log-sum-exp), if any."""
    if e.op not in _CANDIDATE_OPS:
        return None
    for match in _MATCHERS:
        if (m := match(e)) is not None:
            return m
    return None
