"""Typesetting math nodes (:mod:`chainrule.explain.doc`) as unicode text or as LaTeX.

Two notations, one walk each: :func:`text_math` and :func:`latex_math`. IR formulas go through the
printers (:mod:`chainrule.printers.text`, :mod:`chainrule.printers.latex`); index forms through
:class:`IndexPrinter`, which writes one entry of a formula with indices (``Σₖ W[2]ᵢₖ a[1]ₖⱼ``),
drawing summation letters as it meets matrix products and sums. Records' unicode mathematics
(``C_ij = Σ_k A_ik B_kj``) is converted token by token, so a new primitive's record typesets itself.
"""

from __future__ import annotations

import re

import sympy

from ..ir.expr import Expr
from ..ir.shapes import fmt_shape
from ..printers.base import is_negation, is_reciprocal, layer_name
from ..printers.latex import LatexPrinter, function_latex, latex_name
from ..printers.text import TextPrinter, target_text
from .doc import Call, Entry, Ex, Mat, Math, Op, Partial, Rec, Row, ShapeM, Sub, Sym, Txt

__all__ = [
    "text_math",
    "latex_math",
    "IndexPrinter",
    "subscript",
    "LETTERS",
    "rec_text",
    "rec_latex",
    "prose_latex",
    "prose_dollar",
    "quantity_text",
    "quantity_latex",
]

LETTERS = ("i", "j", "k", "p", "r", "s", "t", "u", "v")
_SUB = dict(zip("aehijklmnoprstuvx0123456789+-()", "ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ₀₁₂₃₄₅₆₇₈₉₊₋₍₎", strict=True))
_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_OPS_LATEX = {
    "·": r"\cdot",
    "⊙": r"\odot",
    "⇒": r"\Rightarrow",
    "≈": r"\approx",
    "→": r"\to",
    "↦": r"\mapsto",
    "×": r"\times",
    "−": "-",
    "∈": r"\in",
    "≠": r"\neq",
    "⊗": r"\otimes",
    "d/dz": r"\frac{d}{dz}",
    "✓": r"\checkmark",
    "≤": r"\leq",
    "≥": r"\geq",
}


def subscript(letters: str) -> str:
    """``"ij"`` → ``"ᵢⱼ"`` when unicode has every subscript, else ``"_ij"``."""
    if all(c in _SUB for c in letters):
        return "".join(_SUB[c] for c in letters)
    return "_" + letters


def quantity_text(name: str, layer_names: bool, lower: bool = False) -> str:
    """``Z1`` → ``Z[1]`` (``z[1]`` lowered, for an entry)."""
    base, layer = layer_name(name) if layer_names else (name, None)
    base = base.lower() if lower else base
    return f"{base}[{layer}]" if layer is not None else base


def quantity_latex(name: str, layer_names: bool, lower: bool = False) -> str:
    """``Z1`` → ``Z^{[1]}`` (``z^{[1]}`` lowered)."""
    if not lower:
        return latex_name(name, layer_names)
    base, layer = layer_name(name) if layer_names else (name, None)
    return latex_name(base.lower() + (layer or ""), layer_names)


class _ScalarText(TextPrinter):
    def _print_mul(self, e: Expr) -> str:
        if e.shape != () or is_reciprocal(e.args[1]):
            return super()._print_mul(e)
        return f"{self.paren(e.args[0], 20)} {self.paren(e.args[1], 20, strict=True)}"


class _ScalarLatex(LatexPrinter):
    def _print_mul(self, e: Expr) -> str:
        if e.shape != () or is_reciprocal(e.args[1]):
            return super()._print_mul(e)
        return f"{self.paren(e.args[0], 20)} {self.paren(e.args[1], 20, strict=True)}"


# -- index forms --------------------------------------------------------------------------------
_ATOM, _FN, _POW, _MUL, _NEG, _SIGMA, _ADD = 60, 50, 40, 20, 15, 12, 10


class IndexPrinter:
    """One entry of an IR formula with indices, in unicode (``latex=False``) or LaTeX.

    ``watch`` is a path from the root (as in :class:`~chainrule.autodiff.Contribution`); the
    letters given to the node there are kept in :attr:`found`.
    """

    def __init__(self, node: Entry, latex: bool, watch: tuple | None = None) -> None:
        self.node, self.latex, self.watch = node, latex, watch
        self.adjoints = dict(node.adjoints)
        used = {x for x in node.letters if x}
        order = dict.fromkeys((*node.fresh, *LETTERS))
        self.pool = [x for x in order if x not in used]
        self.taken = set(used)
        self.matrix = (LatexPrinter if latex else TextPrinter)(
            node.naming.layer_names, node.naming.batch
        )
        self.path: list[tuple[str, int]] = []
        self.found: tuple | None = None

    def doprint(self) -> str:
        return self.entry(self.node.expr, self.node.letters)

    def fresh(self) -> str:
        x = self.pool.pop(0) if self.pool else f"k{len(self.path)}"
        self.taken.add(x)
        return x

    def take(self, letter: str) -> str:
        """``letter`` itself while free (an einsum's own summation letter), else a fresh one."""
        if letter in self.taken:
            return self.fresh()
        self.taken.add(letter)
        if letter in self.pool:
            self.pool.remove(letter)
        return letter

    def entry(self, e: Expr, ix: tuple) -> str:
        if self.watch is not None and tuple(self.path) == self.watch and self.found is None:
            self.found = ix
        method = getattr(self, f"_{e.op}", None)
        return method(e, ix) if method else self._other(e, ix)

    def arg(self, e: Expr, i: int, ix: tuple, level: int = 0, strict: bool = False) -> str:
        """Print argument ``i`` of ``e`` at ``ix``, in parentheses below ``level``."""
        self.path.append((e.op, i))
        s = self.entry(e.args[i], ix)
        self.path.pop()
        p = self.prec(e.args[i])
        return f"({s})" if p < level or (strict and p == level) else s

    def prec(self, e: Expr) -> int:
        if e.op in ("broadcast", "transpose"):
            return self.prec(e.args[0])
        if e.op in ("var", "const", "dim", "eye"):
            neg = e.op == "const" and e.attrs[0] < 0
            return _NEG if neg else _ATOM
        if e.op == "fn":
            if is_reciprocal(e):
                return _ATOM if self.latex else _MUL
            return _POW if e.attrs[0].name == "power" else _FN
        if e.op == "mul" and is_reciprocal(e.args[1]):
            return _ATOM if self.latex else _MUL
        table = {"matmul": _SIGMA, "sum": _SIGMA, "add": _ADD, "mul": _MUL, "scale": _MUL}
        return _NEG if is_negation(e) else table.get(e.op, _ATOM)

    # -- pieces -----------------------------------------------------------------------------------
    def sym(self, name: str, letters: list[str], shape: tuple) -> str:
        naming = self.node.naming
        base = layer_name(name)[0] if naming.layer_names else name
        lower = naming.batch in shape and len(base) == 1 and base != "L"
        idx = "".join(letters)
        if self.latex:
            head = quantity_latex(name, naming.layer_names, lower)
            return f"{head}_{{{idx}}}" if idx else head
        return quantity_text(name, naming.layer_names, lower) + (subscript(idx) if idx else "")

    def partial(self, num: str, den: str) -> str:
        if self.latex:
            return f"\\frac{{\\partial {num}}}{{\\partial {den}}}"
        return f"∂{num}/∂{den}"

    def sigma(self, letters: str, body: str) -> str:
        return f"\\sum_{{{letters}}} {body}" if self.latex else f"Σ{subscript(letters)} {body}"

    def minus(self) -> str:
        return "-" if self.latex else "−"

    # -- leaves -----------------------------------------------------------------------------------
    def _var(self, e: Expr, ix: tuple) -> str:
        letters = [x for x in ix if x]
        if e.name in self.adjoints:
            q = self.adjoints[e.name]
            top = quantity_latex(self.node.top, False) if self.latex else self.node.top
            return self.partial(top, self.sym(q, letters, e.shape))
        return self.sym(e.name, letters, e.shape)

    def _const(self, e: Expr, ix: tuple) -> str:
        return self.matrix.doprint(e)

    _dim = _const

    def _eye(self, e: Expr, ix: tuple) -> str:
        idx = "".join(x for x in ix if x)
        return f"\\delta_{{{idx}}}" if self.latex else "δ" + subscript(idx)

    def _other(self, e: Expr, ix: tuple) -> str:
        """A primitive without an index form here: its matrix formula, subscripted."""
        idx = "".join(x for x in ix if x)
        body = f"({self.matrix.doprint(e)})"
        return f"{body}_{{{idx}}}" if self.latex else body + subscript(idx)

    # -- structure --------------------------------------------------------------------------------
    def _broadcast(self, e: Expr, ix: tuple) -> str:
        a = e.args[0]
        if a.shape == ():
            return self.arg(e, 0, ())
        kept = tuple(x if a.shape[k] == e.shape[k] else None for k, x in enumerate(ix))
        return self.arg(e, 0, kept)

    def _transpose(self, e: Expr, ix: tuple) -> str:
        return self.arg(e, 0, (ix[1], ix[0]))

    def _matmul(self, e: Expr, ix: tuple) -> str:
        # a network shows the general pattern even where a layer has one unit
        k = self.fresh() if self.node.keep_ones or e.args[0].shape[1] != 1 else None
        a = self.arg(e, 0, (ix[0], k), _MUL)
        b = self.arg(e, 1, (k, ix[1]), _MUL, strict=True)
        return self.sigma(k, f"{a} {b}") if k else f"{a} {b}"

    def _sum(self, e: Expr, ix: tuple) -> str:
        (axis, keep), a = e.attrs, e.args[0]
        if axis is None:
            inner = tuple(self.fresh() if d != 1 else None for d in a.shape)
            letters = "".join(x for x in inner if x)
            body = self.arg(e, 0, inner, _MUL)
            return self.sigma(letters, body) if letters else body
        axes = sorted(x % len(a.shape) for x in (axis if isinstance(axis, tuple) else (axis,)))
        letters = [self.fresh() for _ in axes]
        inner = list(ix)
        for ax, k in zip(axes, letters, strict=True):
            inner[ax : ax + 1] = [k] if keep else [k, *inner[ax : ax + 1]]
        body = self.arg(e, 0, tuple(inner[: len(a.shape)]), _MUL)
        return self.sigma("".join(letters), body)

    # -- tensors of any rank: the entry reads straight from the subscripts ---------------------
    def _einsum(self, e: Expr, ix: tuple) -> str:
        """``einsum("ik,jk->ij", G, B)`` at (i, j): ``Σₖ Gᵢₖ Bⱼₖ`` (letters renamed to the entry's,
        the summed ones drawn fresh); a vector of ones is left out of the product."""
        terms, out = e.attrs[0].split("->")
        letters = dict(zip(out, ix, strict=True))
        summed = [c for c in dict.fromkeys(terms.replace(",", "")) if c not in letters]
        letters |= {c: self.take(c) for c in summed}
        factors = [
            self.arg(e, k, tuple(letters[c] for c in t), _MUL, strict=k > 0)
            for k, t in enumerate(terms.split(","))
            if not _is_ones(e.args[k])
        ]
        body = " ".join(factors) or "1"
        drawn = "".join(letters[c] for c in summed if letters[c])
        return self.sigma(drawn, body) if drawn else body

    def _permute(self, e: Expr, ix: tuple) -> str:
        inner = [None] * len(ix)
        for k, a in enumerate(e.attrs[0]):
            inner[a] = ix[k]
        return self.arg(e, 0, tuple(inner))

    def _max(self, e: Expr, ix: tuple) -> str:
        (axis, keep), a = e.attrs, e.args[0]
        if axis is None:
            inner = tuple(self.fresh() if d != 1 else None for d in a.shape)
        else:
            inner = list(ix)
            inner[axis : axis + 1] = (
                [self.fresh()] if keep else [self.fresh(), *ix[axis : axis + 1]]
            )
            inner = tuple(inner[: len(a.shape)])
        over = "".join(x for x in inner if x and x not in ix)
        head = f"\\max_{{{over}}}" if self.latex else f"max{subscript(over)}"
        return f"{head} {self.arg(e, 0, inner, _MUL)}"

    # -- elementwise ------------------------------------------------------------------------------
    def _add(self, e: Expr, ix: tuple) -> str:
        b = e.args[1]
        first = self.arg(e, 0, ix)
        if is_negation(b):
            self.path.append(("add", 1))
            rest = self.arg(b, 1, ix, _ADD, strict=True)
            self.path.pop()
            return f"{first} {self.minus()} {rest}"
        return f"{first} + {self.arg(e, 1, ix, _ADD, strict=True)}"

    def _mul(self, e: Expr, ix: tuple) -> str:
        b = e.args[1]
        if is_reciprocal(b):
            return self._quotient(e, ix)
        a, b = self.arg(e, 0, ix, _MUL), self.arg(e, 1, ix, _MUL, strict=True)
        return f"{a} \\cdot {b}" if self.latex else f"{a} · {b}"

    def _quotient(self, e: Expr, ix: tuple) -> str:
        b = e.args[1]
        self.path.append(("mul", 1))
        if b.op == "broadcast":
            self.path.append(("broadcast", 0))
            b = b.args[0]
        den_level = 0 if self.latex else _MUL
        den = self.arg(b, 0, ix if b.shape else (), den_level, strict=True)
        self.path[:] = self.path[: len(self.path) - (2 if e.args[1].op == "broadcast" else 1)]
        num = self.arg(e, 0, ix, 0 if self.latex else _MUL)
        return f"\\frac{{{num}}}{{{den}}}" if self.latex else f"{num} / {den}"

    def _scale(self, e: Expr, ix: tuple) -> str:
        s, x = e.args
        if is_negation(e):
            return f"{self.minus()}{self.arg(e, 1, ix, _NEG)}"
        coef = self.matrix.coefficient(s)
        return f"{coef} {self.arg(e, 1, ix, _MUL, strict=x.op == 'scale')}"

    def _fn(self, e: Expr, ix: tuple) -> str:
        f = e.attrs[0]
        if f.name == "power":
            return self._power(e, f.params[0], ix)
        inner = self.arg(e, 0, ix)
        if f.name == "sqrt":
            return f"\\sqrt{{{inner}}}" if self.latex else f"√({inner})"
        if f.name == "step":
            return f"\\mathbb{{1}}({inner} > 0)" if self.latex else f"𝟙({inner} > 0)"
        return f"{function_latex(f) if self.latex else f.text}({inner})"

    def _power(self, e: Expr, k: sympy.Number, ix: tuple) -> str:
        if k == -1:
            if self.latex:
                return f"\\frac{{1}}{{{self.arg(e, 0, ix)}}}"
            return f"1/{self.arg(e, 0, ix, _ATOM)}"
        base = self.arg(e, 0, ix, _FN)
        if self.latex:
            return f"{{{base}}}^{{{sympy.latex(k)}}}"
        return base + (str(k).translate(_SUP) if k.is_Integer else f"^({k})")


def _is_ones(e: Expr) -> bool:
    return e.op == "broadcast" and e.args[0].op == "const" and e.args[0].attrs[0] == 1


# -- records' unicode mathematics ----------------------------------------------------------------
_REC = re.compile(
    r"(?P<space>\s{2,})"
    r"|(?P<sup>⁻¹|⁻ᵀ|[⁻¹²³])"
    r"|(?P<sigma>Σ_(?P<sl>[a-z]+))"
    r"|(?P<sub>(?P<sb>[A-Za-zℓδ)])_(?:\((?P<sg>[^)]*)\)|(?P<sx>[a-z0-9]+)))"
    r"|(?P<word> ?[A-Za-z]{2,}(?: [A-Za-z]{2,})*(?: (?! ))?)"
    r"|(?P<ch>.)",
    re.S,
)
_CHARS_LATEX = {
    **_OPS_LATEX,
    "Σ": r"\sum ",
    "∂": r"\partial ",
    "ℓ": r"\ell ",
    "δ": r"\delta ",
    "ᵀ": r"^{\top}",
    "′": "'",
    "𝟏": r"\mathbf{1}",
    "𝟙": r"\mathbb{1}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "~": r"\sim ",
    "\\": r"\backslash ",
    "^": r"\hat{}",
}


_SUPS_LATEX = {"⁻¹": "^{-1}", "⁻ᵀ": r"^{-\top}", "⁻": "^{-}", "¹": "^{1}", "²": "^{2}", "³": "^{3}"}


def _rec_char(c: str) -> str:
    if c in _CHARS_LATEX:
        cmd = _CHARS_LATEX[c]
        return cmd + " " if re.search(r"\\[A-Za-z]+$", cmd) else cmd
    if c.isascii():
        return c
    return rf"\text{{{c}}}"


def rec_latex(s: str) -> str:
    """A record's unicode mathematics as a LaTeX math fragment."""
    out: list[str] = []
    for m in _REC.finditer(s):
        if m.group("space"):
            out.append(r"\quad ")
        elif m.group("sup"):
            out.append(_SUPS_LATEX[m.group("sup")])
        elif m.group("sigma"):
            out.append(f"\\sum_{{{m.group('sl')}}} ")
        elif m.group("sub"):
            base = _rec_char(m.group("sb"))
            idx = m.group("sx") or "(" + m.group("sg") + ")"
            out.append(f"{base}_{{{idx}}}")
        elif m.group("word"):
            out.append(r"\text{" + m.group("word") + "}")
        else:
            out.append(_rec_char(m.group("ch")))
    return "".join(out)


def rec_text(s: str) -> str:
    """A record's unicode mathematics for the terminal: ``C_ij`` → ``Cᵢⱼ``, ``Σ_k`` → ``Σₖ``."""
    return re.sub(r"([A-Za-zℓδΣ)])_([a-z]+)\b", lambda m: m.group(1) + subscript(m.group(2)), s)


_PROSE_MATH = re.compile(
    r"∂[A-Za-zℓ]+/∂[A-Za-zℓ](?:_[a-z]{1,3})?|[A-Za-zℓ]_[a-z]{1,3}\b|\b[A-Za-z][′ᵀ⁻¹]+|f′\([A-Za-z_]+\)|[⊙Σ∂ℓ′⇒→×]"
)


def _prose_segments(s: str) -> list[tuple[bool, str]]:
    """Split a sentence into (is_math, piece); adjacent math pieces are merged."""
    out: list[tuple[bool, str]] = []
    last = 0
    for m in _PROSE_MATH.finditer(s):
        if m.start() > last:
            out.append((False, s[last : m.start()]))
        if out and out[-1][0] and m.start() == last:
            out[-1] = (True, out[-1][1] + m.group(0))
        else:
            out.append((True, m.group(0)))
        last = m.end()
    return out + ([(False, s[last:])] if last < len(s) else [])


def prose_dollar(s: str) -> str:
    """A record's sentence for Markdown/HTML: its mathematics as ``$…$``, dollars escaped."""
    return "".join(
        "$" + rec_latex(p) + "$" if math else p.replace("$", r"\$")
        for math, p in _prose_segments(s)
    )


_LATEX_SPECIAL = {c: "\\" + c for c in "&%$#_{}"} | {"~": r"\textasciitilde{}", "^": r"\^{}"}
_TEXT_CHARS = {"—": "---", "–": "--", "’": "'", "‘": "`", "…": r"\ldots{}", "\u00a0": "~"}
_MATH_CHARS = {
    **{k: v for k, v in _OPS_LATEX.items() if len(k) == 1},
    "Σ": r"\sum",
    "∂": r"\partial",
    "ℓ": r"\ell",
    "ℒ": r"\mathcal{L}",
    "ᵀ": r"^{\top}",
    "′": "'",
    "✓": r"\checkmark",
    "ε": r"\varepsilon",
    "λ": r"\lambda",
    "σ": r"\sigma",
    "α": r"\alpha",
    "δ": r"\delta",
    "𝟙": r"\mathbb{1}",
    "𝟏": r"\mathbf{1}",
    "√": r"\surd",
    "↦": r"\mapsto",
}
_SUBS = {v: k for k, v in _SUB.items()}
_SUPS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁽⁾ⁱ", "0123456789-()i", strict=True))
_MATH_RUN = re.compile(
    "(?:[A-Za-z](?=[" + "".join(_SUBS) + "".join(_SUPS) + "ᵀ′]))?"
    "[" + re.escape("".join(_MATH_CHARS) + "".join(_SUBS) + "".join(_SUPS)) + "]+"
)


def _math_run(run: str) -> str:
    """A run of unicode mathematics (``Σᵢ``, ``L⁽ⁱ⁾``, ``⊙``) as LaTeX math, without ``$``."""
    out, k = [], 0
    while k < len(run):
        c = run[k]
        for table, mark in ((_SUBS, "_"), (_SUPS, "^")):
            if c in table:
                j = k
                while j < len(run) and run[j] in table:
                    j += 1
                out.append(mark + "{" + "".join(table[x] for x in run[k:j]) + "}")
                k = j
                break
        else:
            cmd = _MATH_CHARS.get(c, c)
            out.append(cmd + (" " if re.search(r"\\[A-Za-z]+$", cmd) else ""))
            k += 1
    return "".join(out).strip()


def latex_escape(s: str) -> str:
    """Plain text for a LaTeX document: specials escaped, unicode mathematics as inline math."""
    pieces: list[list] = []
    last = 0
    for m in _MATH_RUN.finditer(s):
        if m.start() > last:
            pieces.append([False, s[last : m.start()]])
        if pieces and pieces[-1][0] and m.start() == last:
            pieces[-1][1] += m.group(0)
        else:
            pieces.append([True, m.group(0)])
        last = m.end()
    if last < len(s):
        pieces.append([False, s[last:]])
    return "".join(f"${_math_run(p)}$" if math else _escape_plain(p) for math, p in pieces)


def _escape_plain(s: str) -> str:
    out = []
    for c in s:
        if c in _LATEX_SPECIAL:
            out.append(_LATEX_SPECIAL[c])
        elif c == "\\":
            out.append(r"\textbackslash{}")
        else:
            out.append(_TEXT_CHARS.get(c, c))
    return "".join(out)


def prose_latex(s: str) -> str:
    """A record's sentence for a LaTeX document."""
    return "".join(
        "$" + rec_latex(p) + "$" if math else latex_escape(p) for math, p in _prose_segments(s)
    )


# -- the two notations ---------------------------------------------------------------------------
def text_math(m: Math) -> str:
    """A math node in unicode (may be several lines for a matrix of numbers)."""
    if isinstance(m, Ex):
        cls = _ScalarText if m.scalar_products else TextPrinter
        printer = cls(m.naming.layer_names, m.naming.batch)
        return printer.coefficient(m.expr) if m.coefficient else printer.doprint(m.expr)
    if isinstance(m, Entry):
        return IndexPrinter(m, latex=False).doprint()
    if isinstance(m, Sym):
        head = quantity_text(m.name, m.naming.layer_names, m.lower)
        return head + (subscript("".join(m.letters)) if m.letters else "")
    if isinstance(m, Partial):
        return f"∂{_group(text_math(m.num), m.num)}/∂{_group(text_math(m.den), m.den)}"
    if isinstance(m, Row):
        return _side_by_side([text_math(i) for i in m.items])
    if isinstance(m, Op):
        return m.symbol
    if isinstance(m, ShapeM):
        return fmt_shape(m.shape)
    if isinstance(m, Mat):
        return _text_matrix(m)
    if isinstance(m, Rec):
        return rec_text(m.text)
    if isinstance(m, Sub):
        return _group(text_math(m.base), m.base) + subscript("".join(m.letters))
    if isinstance(m, Txt):
        return m.text
    if isinstance(m, Call):
        return f"{m.name}({text_math(m.arg)})"
    raise TypeError(f"no text form for {type(m).__name__}")


def latex_math(m: Math) -> str:
    """A math node as a LaTeX math fragment (no ``$``)."""
    if isinstance(m, Ex):
        cls = _ScalarLatex if m.scalar_products else LatexPrinter
        printer = cls(m.naming.layer_names, m.naming.batch)
        return printer.coefficient(m.expr) if m.coefficient else printer.doprint(m.expr)
    if isinstance(m, Entry):
        return IndexPrinter(m, latex=True).doprint()
    if isinstance(m, Sym):
        head = quantity_latex(m.name, m.naming.layer_names, m.lower)
        return head + (f"_{{{''.join(m.letters)}}}" if m.letters else "")
    if isinstance(m, Partial):
        num, den = _group(latex_math(m.num), m.num), _group(latex_math(m.den), m.den)
        return f"\\frac{{\\partial {num}}}{{\\partial {den}}}"
    if isinstance(m, Row):
        return " ".join(latex_math(i) for i in m.items)
    if isinstance(m, Op):
        return _OPS_LATEX.get(m.symbol, m.symbol)
    if isinstance(m, ShapeM):
        return fmt_shape(m.shape)
    if isinstance(m, Mat):
        rows = r" \\ ".join(" & ".join(_num(v, m.digits, True) for v in r) for r in m.values)
        return r"\begin{bmatrix} " + rows + r" \end{bmatrix}"
    if isinstance(m, Rec):
        return rec_latex(m.text)
    if isinstance(m, Sub):
        return "{" + _group(latex_math(m.base), m.base) + "}_{" + "".join(m.letters) + "}"
    if isinstance(m, Txt):
        return r"\text{" + m.text.replace("_", r"\_") + "}"
    if isinstance(m, Call):
        return f"{m.latex}({latex_math(m.arg)})"
    raise TypeError(f"no LaTeX form for {type(m).__name__}")


def _group(s: str, base: Math) -> str:
    atomic = not isinstance(base, Ex | Row | Entry) or (isinstance(base, Ex) and base.expr.is_leaf)
    return s if atomic else f"({s})"


def _num(v: float, digits: int, latex: bool = False) -> str:
    s = f"{v:.{digits}g}" if v != 0 else "0"
    if "e" in s:
        mant, exp = s.split("e")
        s = f"{mant} \\times 10^{{{int(exp)}}}" if latex else f"{mant}e{int(exp)}"
    return s if latex or not s.startswith("-") else "−" + s[1:]


def _text_matrix(m: Mat) -> str:
    cells = [[_num(v, m.digits) for v in r] for r in m.values]
    width = max((len(c) for r in cells for c in r), default=1)
    lines = ["  ".join(c.rjust(width) for c in r) for r in cells]
    if len(lines) == 1:
        return f"[ {lines[0]} ]"
    brackets = [("⎡", "⎤")] + [("⎢", "⎥")] * (len(lines) - 2) + [("⎣", "⎦")]
    return "\n".join(f"{lb} {ln} {rb}" for (lb, rb), ln in zip(brackets, lines, strict=True))


def _side_by_side(parts: list[str]) -> str:
    """Join parts with spaces; multi-line parts (matrices) are set side by side, centred."""
    blocks = [p.split("\n") for p in parts]
    height = max(len(b) for b in blocks)
    if height == 1:
        return " ".join(parts)
    cols = []
    for b in blocks:
        width = max(len(x) for x in b)
        top = (height - len(b)) // 2
        padded = [""] * top + b + [""] * (height - len(b) - top)
        cols.append([x.ljust(width) for x in padded])
    return "\n".join(" ".join(c[i] for c in cols).rstrip() for i in range(height))


def target(name: str, layer_names: bool) -> str:
    """Re-exported for renderers: ``dZ1`` → ``dZ[1]``."""
    return target_text(name, layer_names)


# -- inline parts for the TeX-based formats --------------------------------------------------------
def inline_tex(parts: tuple, escape: object, prose: object) -> str:
    """Inline parts with math as ``$…$``: ``escape`` for plain text, ``prose`` for records'."""
    from .doc import Prose

    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(escape(p))
        elif isinstance(p, Prose):
            out.append(prose(p.text))
        else:
            out.append("$" + latex_math(p) + "$")
    return "".join(out)


def note_tex(parts: tuple) -> str:
    """A display's note inside the formula: words as ``\\text{…}``, math as is."""
    from .doc import Prose

    out = []
    for p in parts:
        if isinstance(p, str | Prose):
            text = p if isinstance(p, str) else p.text
            out.append(r"\text{" + _escape_plain(text) + "}")
        else:
            out.append(latex_math(p))
    return "".join(out)
