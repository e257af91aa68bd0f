"""The spellings of a learner's formula, as text: the course's notation turned into Python's.

Learners write what the course writes: ``dZ[1] = W[2]ᵀ dZ[2] * g[1]'(Z[1])``, ``W^[2]``, unicode
``ᵀ ⊙ − ²``, ``g'(Z1)``. This module turns those spellings into Python that :mod:`ast` reads
(:func:`normalize`, keeping for each character the column it came from, so that a message points
into the learner's own text), reads it (:func:`parse_rhs`, never running it) and says in which
notation a formula is written (:func:`notation`). What the Python *means* is decided by
:mod:`chainrule.lang`, which gives each NumPy spelling its exact meaning or refuses it.

Two decisions about the lectures' notation:

* **Juxtaposition is a matrix product**, as on the lecture slides (``W[2]ᵀ dZ[2]``,
  ``dW[2] = dz[2] a[1]ᵀ``, ``1/m dZ A.T``): two operands side by side with only spaces between them
  are read as ``np.dot(a, b)``, which is ``a @ b`` for matrices and the ordinary product when one of
  them is a scalar. It binds like ``*`` and ``@`` (left to right), as the slides are read.
  Elementwise products are always written ``*`` (or ``⊙``) in the course; ``·`` is refused, since
  learners write it for both.
* **Lowercase names are one example** (``a[1]``, ``z[1]``, ``x``, ``y``, ``dz[1]``, ``da[1]``):
  :func:`notation` says so and renames them to the batch names (``A1``, ``Z1``, ``X``, ``Y``,
  ``dZ1``, ``dA1``) — the same quantities when m = 1 — so that the formula is judged against the
  network with one example and the exact convention (no 1/m, no Σ). ``W``, ``b``, ``dW``, ``db`` are
  the same in both notations. A formula that mixes the two notations, or writes ``m`` or lowercase
  ``w`` (logistic regression's column vector, which is ``W.T``), is refused: renaming it would
  change its meaning.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import tokenize
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ParseError

__all__ = [
    "PRIME",
    "Notation",
    "ONE_EXAMPLE",
    "batch_name",
    "builtin",
    "juxtapositions",
    "normalize",
    "normalize_line",
    "normalize_traced",
    "notation",
    "original_col",
    "parse_rhs",
    "show",
    "split_formula",
]

PRIME = "__prime__"  # g'(Z1) is read as the call __prime__g(Z1)

_UNICODE = str.maketrans(
    {
        "ᵀ": ".T",
        "⊙": "*",
        "∘": "*",
        "×": "*",
        "−": "-",
        "²": "**2",
        "³": "**3",
        "′": "'",
        "’": "'",
        "λ": "lambd",  # the course's λ, spelt lambd in its notebooks
        "𝟙": "1.0 * ",  # 𝟙(Z[1] > 0): the comparison as numbers
    }
)
# W[2] → W2: the course's brackets, for the course's names only (X.shape[1] and caches[0] stay)
_COURSE = r"d?(?:W|b|Z|A|D|A_drop|g|w|z|a)|keep_prob"
_LAYER = re.compile(rf"(?<![\w.])({_COURSE})\^?\[(\d+)\]")  # W[2], W^[2]
_PRIME_FIRST = re.compile(r"(?<![\w.])g\s*'\s*\^?\[(\d+)\]")  # g'[1](z) → g[1]'(z)
_PRIMED = re.compile(r"([^\W\d]\w*)\s*'\s*\(")  # g1'( → __prime__g1(
_TARGET = re.compile(r"^\s*([A-Za-z_]\w*)\s*=(?!=)(.*)$", re.S)
_JOIN_LEFT = {tokenize.NAME, tokenize.NUMBER}  # a juxtaposition is operand SPACE operand


def normalize(text: str) -> str:
    """The course's spellings as Python: ``dZ[1]`` → ``dZ1``, ``ᵀ`` → ``.T``, ``g'(`` → a call."""
    return normalize_line(text.strip())


def normalize_line(text: str) -> str:
    """:func:`normalize` without stripping, so that a line of a program keeps its indentation."""
    return normalize_traced(text)[0]


def normalize_traced(text: str) -> tuple[str, list[int]]:
    """:func:`normalize_line`, and for each character of the result the column of the character
    of ``text`` it comes from (so that a message can point into what the learner wrote)."""
    if "·" in text:
        raise ParseError(
            "'·' can mean a matrix product or an elementwise one",
            source=text.strip(),
            col=text.strip().index("·"),
            hint="write @ (or np.dot) for a matrix product, * (or ⊙) for an elementwise one",
        )
    out, cols = [], []
    for i, c in enumerate(text):
        piece = c.translate(_UNICODE)
        out.append(piece)
        cols += [i] * len(piece)
    traced = ("".join(out), cols)
    traced = _traced_sub(_PRIME_FIRST, lambda m: f"g[{m[1]}]'", traced)
    traced = _traced_sub(_LAYER, lambda m: m[1] + m[2], traced)
    return _traced_sub(_PRIMED, lambda m: PRIME + m[1] + "(", traced)


def _traced_sub(
    pattern: re.Pattern, repl: Callable[[re.Match], str], traced: tuple[str, list[int]]
) -> tuple[str, list[int]]:
    """``pattern.sub(repl, text)`` carrying the original columns (a replacement takes the column
    of the text it replaces, character by character while they last)."""
    text, cols = traced
    out, new_cols, at = [], [], 0
    for m in pattern.finditer(text):
        out.append(text[at : m.start()])
        new_cols += cols[at : m.start()]
        piece = repl(m)
        old = cols[m.start() : m.end()] or [cols[m.start() - 1] if m.start() else 0]
        out.append(piece)
        new_cols += [old[min(k, len(old) - 1)] for k in range(len(piece))]
        at = m.end()
    out.append(text[at:])
    new_cols += cols[at:]
    return "".join(out), new_cols


def original_col(cols: list[int], col: int | None) -> int | None:
    """The column in the learner's text of column ``col`` of the normalised text."""
    if col is None or not cols:
        return col
    return cols[min(col, len(cols) - 1)] + (col - len(cols) + 1 if col >= len(cols) else 0)


def split_formula(formula: str) -> tuple[str, str]:
    """``"dZ[1] = W2.T @ dZ2"`` → ``("dZ1", "W2.T @ dZ2")`` (the right-hand side normalised)."""
    if not isinstance(formula, str):
        raise ParseError(f"a formula is a string, not {type(formula).__name__}")
    match = _TARGET.match(normalize(formula))
    if match is None or not match.group(2).strip():
        raise ParseError(
            f"cannot read {formula.strip()!r} as a formula: "
            "write the quantity, '=', then its formula",
            hint="e.g. dZ1 = W2.T @ dZ2 * (1 - A1**2)",
        )
    return match.group(1), match.group(2).strip()


def show(tree: ast.AST) -> str:
    """The tree as the learner would write it (``g1'(Z1)`` again, not the placeholder call)."""
    source = re.sub(re.escape(PRIME) + r"(\w+)\(", r"\1'(", ast.unparse(tree))
    return source.replace(" ** ", "**")


# -- juxtaposition ---------------------------------------------------------------------------------
def juxtapositions(source: str) -> tuple[str, set[tuple[int, int]]]:
    """``source`` with each juxtaposition's first space replaced by ``@`` (columns unchanged), and
    the (line, byte column) of every ``@`` put in. Operands are juxtaposed when a name, number, or
    closing bracket is followed, after spaces only, by a name or number (not a keyword)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, ValueError, RecursionError, MemoryError):
        return source, set()  # Python's parser will say what is wrong
    lines = source.split("\n")
    places = []
    for before, prev, tok in zip([None, *tokens], tokens, tokens[1:], strict=False):
        apart = prev.end[0] == tok.start[0] and tok.start[1] > prev.end[1]
        if apart and _operand_end(prev) and _operand_start(tok, prev, before):
            places.append(prev.end)
    for row, col in reversed(places):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + "@" + line[col + 1 :]
    marks = {(row, len(lines[row - 1][:col].encode())) for row, col in places}
    return "\n".join(lines), marks


def _operand_start(
    tok: tokenize.TokenInfo, prev: tokenize.TokenInfo, before: tokenize.TokenInfo | None
) -> bool:
    """A name or number starts an operand; so does "(" after ")" or after ".T", which Python would
    read as calling an array (``(W[2]ᵀ) (dZ[2])``); after a name "(" is a call (``np.sum (x)``)."""
    if tok.type in _JOIN_LEFT:
        return not keyword.iskeyword(tok.string)
    if tok.string != "(":
        return False
    transposed = prev.string == "T" and before is not None and before.string == "."
    return prev.string in (")", "]") or transposed


def _operand_end(tok: tokenize.TokenInfo) -> bool:
    if tok.type in (tokenize.NAME, tokenize.NUMBER):
        return not keyword.iskeyword(tok.string)
    return tok.type == tokenize.OP and tok.string in (")", "]")


class _Juxtaposed(ast.NodeTransformer):
    """Turn the ``@`` put in for a juxtaposition into ``np.dot(a, b)``: NumPy's product that is
    ``a @ b`` for matrices and scales when one operand is a scalar, as ``1/m dZ`` does."""

    def __init__(self, marks: set[tuple[int, int]]) -> None:
        self.marks = marks

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:  # noqa: N802 - ast's naming
        self.generic_visit(node)
        if isinstance(node.op, ast.MatMult) and any(
            row == node.left.end_lineno and node.left.end_col_offset <= col < node.right.col_offset
            for row, col in self.marks
        ):
            func = ast.Attribute(ast.Name("np", ast.Load()), "dot", ast.Load())
            return ast.copy_location(ast.Call(func, [node.left, node.right], []), node)
        return node


def parse_rhs(source: str, mode: str = "eval") -> ast.AST:
    """Python's syntax tree of normalised text, juxtapositions read as ``np.dot``; never run."""
    if not isinstance(source, str):
        raise ParseError(f"a formula is a string, not {type(source).__name__}")
    if len(source) > 100_000:
        raise ParseError("the text is longer than 100 000 characters")
    text, marks = juxtapositions(source)
    try:
        with warnings.catch_warnings():  # Python's own warnings ("invalid decimal literal")
            warnings.simplefilter("ignore")
            tree = ast.parse(text, mode=mode)
    except SyntaxError as e:
        line = (e.text or text).rstrip("\n")
        where = f"line {e.lineno}: " if mode == "exec" and e.lineno else ""
        raise ParseError(
            f"{where}syntax error: {e.msg}", source=line.strip(), col=_stripped_col(line, e.offset)
        ) from None
    except (ValueError, RecursionError, MemoryError) as e:
        raise ParseError(f"cannot read the formula: {type(e).__name__}") from None
    try:
        return ast.fix_missing_locations(_Juxtaposed(marks).visit(tree)) if marks else tree
    except RecursionError:
        raise ParseError("the formula is nested too deeply") from None


def _stripped_col(line: str, offset: int | None) -> int:
    return max((offset or 1) - 1 - (len(line) - len(line.lstrip())), 0)


# -- the lectures' one-example notation ------------------------------------------------------------
@dataclass(frozen=True)
class Notation:
    """How a formula is written. ``per_example``: in the lectures' lowercase one-example notation
    (``dz[1] = W[2].T dz[2] * g[1]'(z[1])``), to be judged with m = 1 and the exact convention (no
    1/m, no Σ). ``formula``: the formula with the batch names (``dZ1 = W2.T dZ2 * g1'(Z1)``), which
    mean the same when m = 1; unchanged when not per example. ``renamed``: (written, read) pairs."""

    per_example: bool
    formula: str
    renamed: tuple[tuple[str, str], ...] = ()


ONE_EXAMPLE = re.compile(r"(?<![\w.])(dz|da|z|a)(\d+)(?!\w)|(?<![\w.])([xy])(?![\w(])")
_BATCH = re.compile(r"(?<![\w.])(d?[ZA]\d+|[XY]|m)(?![\w(])")
_COLUMN_W = re.compile(r"(?<![\w.])(d?w\d*)(?![\w(])")


def notation(formula: str) -> Notation:
    """Whether ``formula`` is in the one-example notation, and the formula in the batch names."""
    if not isinstance(formula, str):
        raise ParseError(f"a formula is a string, not {type(formula).__name__}")
    stripped = formula.strip()
    text, cols = normalize_traced(stripped)
    ones = list(ONE_EXAMPLE.finditer(text))
    if not ones:
        return Notation(False, formula.strip())
    batch = _BATCH.search(text)
    if batch is not None:
        one = ones[0].group(0)
        raise ParseError(
            f"{one!r} is the one-example notation but {batch.group(1)!r} is the batch one",
            source=stripped,
            col=original_col(cols, batch.start(1)),
            hint=f"write all names lowercase for one example (a1, z1, dz1, x, y, no m), "
            f"or all uppercase for m examples ({batch_name(one)}, with 1/m in dW and db)",
        )
    w = _COLUMN_W.search(text)
    if w is not None:
        raise ParseError(
            f"{w.group(1)!r} is logistic regression's column vector w, which is W.T here",
            source=stripped,
            col=original_col(cols, w.start(1)),
            hint="write the layer's matrix W1, W2, … (and dW1, dW2, …)",
        )
    renamed = tuple(dict.fromkeys((m.group(0), batch_name(m.group(0))) for m in ones))
    batch_text = ONE_EXAMPLE.sub(lambda m: batch_name(m.group(0)), text)
    return Notation(True, re.sub(re.escape(PRIME) + r"(\w+)\(", r"\1'(", batch_text), renamed)


def batch_name(name: str) -> str:
    """``dz1`` → ``dZ1``, ``a2`` → ``A2``, ``x`` → ``X``: the batch name of a one-example name."""
    return name[0] + name[1].upper() + name[2:] if name[0] == "d" else name[0].upper() + name[1:]


_BUILTINS = {
    "sum": "Python's sum(…) adds the rows of an array (its axis 0), not every entry",
    "max": "Python's max(…) compares whole rows of an array",
    "min": "Python's min(…) compares whole rows of an array",
}


def builtin(tree: ast.AST, source: str | None = None) -> None:
    """Refuse Python's own ``sum``/``max``/``min`` called on arrays: NumPy's mean otherwise."""
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _BUILTINS:
            raise ParseError(
                _BUILTINS[n.func.id],
                source=source if source is not None else show(tree),
                col=n.col_offset if source is not None else None,
                hint=f"write np.{n.func.id}(…), e.g. np.sum(dZ1, axis=1, keepdims=True)",
            )
