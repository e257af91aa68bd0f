"""Reading a learner's formula: the course's spellings in, an IR tree out — never ``eval``.

Learners write what the course writes: ``dZ[1] = W[2].T @ dZ[2] * g[1]'(Z[1])``, ``(Z1 > 0)`` or
``np.where(Z1 > 0, 1, 0)`` for relu's derivative, ``np.int64(A1 > 0)``, unicode ``ᵀ ⊙ − ²``. This
module turns those spellings into the language of :func:`chainrule.lang.parse`: the text is
normalised, Python's ``ast`` reads it, and calls such as ``g'(Z1)`` and comparisons with 0 become
placeholder names whose values (the activation's derivative, a step) are built in the IR and put in
after parsing. Shapes come from the network's program and derivation, so ``m`` stays symbolic and a
formula that does not type-check fails here, with the operands and their shapes named.

The formula is kept as an ``ast`` tree between reading and parsing so that the mistake library can
edit it (add a ``.T``, swap ``*`` for ``@``) and parse it again. The tree keeps the learner's own
spelling (``np.int64(A1 > 0)``, ``dZ2.dot(A1.T)``, ``X.shape[1]``); :func:`chainrule.lang.parse`
gives each spelling its exact NumPy meaning, or refuses it.

Two decisions about the lectures' notation:

* **Juxtaposition is a matrix product**, as on the lecture slides (``W[2]ᵀ dZ[2]``,
  ``dW[2] = dz[2] a[1]ᵀ``, ``1/m dZ A.T``): two operands side by side with only spaces between them
  are read as ``np.dot(a, b)``, which is ``a @ b`` for matrices and the ordinary product when one of
  them is a scalar. It binds like ``*`` and ``@`` (left to right), as the slides are read.
  Elementwise products are always written ``*`` (or ``⊙``) in the course.
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

from .. import scalar
from ..algebra.simplify import substitute
from ..autodiff import Derivation
from ..errors import ParseError, SpecError
from ..ir import build
from ..ir.expr import Expr, leaves
from ..lang import parse
from ..nets import Network
from ..rules.primitives import derivative_of

__all__ = [
    "PRIME",
    "Notation",
    "Reader",
    "notation",
    "parse_rhs",
    "split_formula",
    "normalize",
    "show",
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
    }
)
# W[2] → W2: the course's brackets, for the course's names only (X.shape[1] and caches[0] stay)
_COURSE = r"d?(?:W|b|Z|A|D|A_drop|g|w|z|a)"
_LAYER = re.compile(rf"(?<![\w.])({_COURSE})\^?\[(\d+)\]")  # W[2], W^[2]
_PRIME_FIRST = re.compile(r"(?<![\w.])g\s*'\s*\^?\[(\d+)\]")  # g'[1](z) → g[1]'(z)
_PRIMED = re.compile(r"([^\W\d]\w*)\s*'\s*\(")  # g1'( → __prime__g1(
_TARGET = re.compile(r"^\s*([A-Za-z_]\w*)\s*=(?!=)(.*)$", re.S)
_JOIN_LEFT = {tokenize.NAME, tokenize.NUMBER}  # a juxtaposition is operand SPACE operand
_JOINED = ("juxtaposed",)  # marks the np.dot calls that stand for a juxtaposition


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


_ONE = re.compile(r"(?<![\w.])(dz|da|z|a)(\d+)(?!\w)|(?<![\w.])([xy])(?![\w(])")
_BATCH = re.compile(r"(?<![\w.])(d?[ZA]\d+|[XY]|m)(?![\w(])")
_COLUMN_W = re.compile(r"(?<![\w.])(d?w\d*)(?![\w(])")


def notation(formula: str) -> Notation:
    """Whether ``formula`` is in the one-example notation, and the formula in the batch names."""
    if not isinstance(formula, str):
        raise ParseError(f"a formula is a string, not {type(formula).__name__}")
    stripped = formula.strip()
    text, cols = normalize_traced(stripped)
    ones = list(_ONE.finditer(text))
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
            f"or all uppercase for m examples ({_upper(one)}, with 1/m in dW and db)",
        )
    w = _COLUMN_W.search(text)
    if w is not None:
        raise ParseError(
            f"{w.group(1)!r} is logistic regression's column vector w, which is W.T here",
            source=stripped,
            col=original_col(cols, w.start(1)),
            hint="write the layer's matrix W1, W2, … (and dW1, dW2, …)",
        )
    renamed = tuple(dict.fromkeys((m.group(0), _upper(m.group(0))) for m in ones))
    batch_text = _ONE.sub(lambda m: _upper(m.group(0)), text)
    return Notation(True, re.sub(re.escape(PRIME) + r"(\w+)\(", r"\1'(", batch_text), renamed)


def _upper(name: str) -> str:
    """``dz1`` → ``dZ1``, ``a2`` → ``A2``, ``x`` → ``X``: the batch name of a one-example name."""
    return name[0] + name[1].upper() + name[2:] if name[0] == "d" else name[0].upper() + name[1:]


class Reader:
    """Parses formulas about one network: its names, their shapes, its activations."""

    def __init__(self, net: Network, derivation: Derivation) -> None:
        program = derivation.program
        self.spec = net.spec
        self.shapes = {name: v.shape for name, v in program.names.items()}
        self.shapes.update({s.target: s.shape for s in derivation.steps})
        self.shapes["A0"] = self.shapes["X"]  # A[0] is X in the course
        self.props = {v.name: tuple(v.attrs[1]) for v in program.inputs if v.attrs[1]}
        self.aliases = {build.var("A0", self.shapes["X"]): program.names["X"]}
        self._keep_prob(program)

    def _keep_prob(self, program: object) -> None:
        """The course's one scalar ``keep_prob`` is the network's, when every layer has the same."""
        kept = [v for v in program.inputs if re.fullmatch(r"keep_prob\d+", v.name)]
        values = {k for k in self.spec.keep_prob if k < 1}
        if kept and len(values) == 1:
            self.shapes["keep_prob"] = ()
            self.aliases[build.var("keep_prob", ())] = kept[0]

    # -- text → tree ------------------------------------------------------------------------------
    def tree(self, source: str) -> ast.Expression:
        """Python's syntax tree of a normalised right-hand side (juxtaposition read as np.dot)."""
        return parse_rhs(source)

    # -- tree → IR --------------------------------------------------------------------------------
    def ir(self, tree: ast.Expression) -> Expr:
        """The formula as an IR tree; raises ShapeError when it does not type-check."""
        primes = {
            n.func.id: self._prime(n.func.id[len(PRIME) :])
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            if n.func.id.startswith(PRIME)
        }
        builtin(tree)
        try:
            e = parse(ast.unparse(tree), self.shapes, self.props, primes)
        except ParseError as err:
            raise _public(err, self._unknown) from None
        return substitute(e, self.aliases)

    def _prime(self, name: str) -> Callable[[Expr], Expr]:
        """``g1'(x)``: the derivative of the activation ``g1`` names, at ``x``."""

        def derivative(x: Expr) -> Expr:
            f = self.activation(name, x)
            if f is None:  # a linear layer: g(z) = z, g′(z) = 1
                return build.broadcast(build.const(1), x.shape) if x.shape else build.const(1)
            return derivative_of(f, x)

        return derivative

    def _unknown(self, name: str) -> str:
        """What to write instead of an unknown ``name``."""
        if _ONE.fullmatch(name):
            return (
                f"{name} is the lectures' one-example notation: write every name of the formula "
                f"that way (checked with m = 1), or write {_upper(name)}"
            )
        if name.startswith("keep_prob"):
            kept = sorted(n for n in self.shapes if re.fullmatch(r"keep_prob\d+", n))
            if not kept:
                return "this network has no dropout: give it a keep_prob below 1"
            return f"this network's layers keep different fractions: write {', '.join(kept)}"
        if name == "lambd":
            return "this network has no L2 penalty: give it an l2 (λ) above 0"
        known = ", ".join(sorted(n for n in self.shapes if not n.startswith("_")))
        return f"known names: {known}"

    # -- activations ------------------------------------------------------------------------------
    def activation(self, name: str, arg: Expr) -> scalar.ElementwiseFn | None:
        """The function a primed name means: ``g1`` → layer 1's, ``g`` → the layer of the argument's
        ``Z``/``A``, ``tanh``/``σ`` → that function."""
        match = re.fullmatch(r"g(\d*)", name)
        if match:
            return self.layer(int(match.group(1)) if match.group(1) else self._layer_of(arg, name))
        name = {"σ": "sigmoid", "sigma": "sigmoid"}.get(name, name)
        for f in self.spec.hidden:
            if f.name == name:
                return f
        try:
            return scalar.lookup(name)
        except SpecError:
            raise ParseError(
                f"unknown activation {name!r} in {name}'(…)",
                hint="write g'(Z1), g1'(Z1), or a function's name: tanh'(Z1), sigmoid'(Z1)",
            ) from None

    def layer(self, l: int) -> scalar.ElementwiseFn | None:
        """Layer ``l``'s activation (None for a linear output layer)."""
        L = self.spec.L
        if not 1 <= l <= L:
            raise ParseError(
                f"g{l}' names layer {l}, but the network has layers 1 to {L}",
                hint=f"write g1' … g{L}' (g with the number of a layer), or g'",
            )
        if l < L:
            return self.spec.hidden[l - 1]
        if self.spec.output == "softmax":
            raise ParseError(
                "softmax is not an elementwise function, so g'(Z) means nothing for it",
                hint="with cross-entropy, dZ[L] = A[L] - Y",
            )
        return None if self.spec.output == "linear" else scalar.lookup(self.spec.output)

    def _layer_of(self, arg: Expr, name: str) -> int:
        for v in leaves(arg):
            match = re.fullmatch(r"[ZA](\d+)", v.name)
            if match:
                return int(match.group(1))
        if len(set(self.spec.hidden)) == 1 and self.spec.L > 1:
            return 1
        raise ParseError(
            f"{name}'(…) does not say which layer's activation it is",
            hint="write g1'(Z1) (g with the layer's number)",
        )


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


def _public(err: ParseError, unknown: Callable[[str], str]) -> ParseError:
    """``err`` as the learner wrote the formula: ``g1'(`` for the placeholder call, its column moved
    back to match, and a hint for an unknown name that says what to write instead."""
    source, col, message = err.source, err.col, err.message
    shift = len(PRIME) - 1
    if col is not None and source:
        col -= shift * source[:col].count(PRIME)
    source = re.sub(re.escape(PRIME) + r"(\w+)\(", r"\1'(", source)
    message = re.sub(re.escape(PRIME) + r"(\w+)", r"\1'", message)
    hint = err.hint
    name = re.match(r"unknown name '(\w+)'", message)
    if name is not None and hint is not None:
        hint = unknown(name[1])
    return type(err)(message, source=source, col=col, hint=hint)
