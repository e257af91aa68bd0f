"""The library of named mistakes: how a learner's backprop formula typically goes wrong.

Each :class:`Mistake` is data: a name, a title, an explanation template in the learner's terms, and
two transformations that are each other's inverse:

* ``mutate`` turns the *correct* formula (as IR) into the mistaken ones — drop a transpose, put
  g(Z) where g′(Z) belongs, sum over the other axis. A learner's formula that is numerically equal
  to one of them, over random draws, is diagnosed as that mistake. Nothing compares strings.
* ``repair`` turns the *learner's* formula (as a Python syntax tree) into candidate fixes — add a
  ``.T``, put ``@`` for ``*``. A formula that does not even type-check (``W2 @ dZ2`` with W2 (1, 4)
  and dZ2 (1, m)) has no IR to compare, so it is diagnosed by the repair that makes it right, and
  that repair is also the corrected formula in the learner's own spelling.

Templates are filled from the fields a transformation reports (``operand``, ``fix``, ``wrong``
…) and from the context (``T``: the quantity in the course's notation, ``Of``: what it
differentiates).
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from .. import scalar
from ..algebra.bridge import Atoms, from_sympy
from ..algebra.simplify import fold, substitute
from ..errors import ShapeError
from ..ir import build
from ..ir.expr import Expr, walk
from ..ir.shapes import fmt_shape
from ..printers.numpy_code import NumpyPrinter
from ..rules.primitives import derivative_of
from .learner import show

__all__ = ["Mistake", "Context", "Chain", "MISTAKES", "BY_NAME", "replace", "np_text"]

Variant = tuple[Expr, dict]  # a mistaken formula and the fields its explanation needs
Repair = tuple[ast.Expression, dict]  # a repaired learner formula and the fields


@dataclass(frozen=True)
class Chain:
    """``dZ[l] = dA[l] ⊙ g′(Z[l])`` for an elementwise activation ``A[l] = g(Z[l])``."""

    layer: int
    g: scalar.ElementwiseFn
    Z: Expr
    A: Expr
    upstream: tuple[Expr, ...]  # dA[l], and the same written out (W[l+1]ᵀ dZ[l+1])
    derivative: Expr  # g′(Z[l]) with named quantities folded in: 1 − A[l]²


@dataclass
class Context:
    """What the mistakes need to know about the quantity being checked."""

    target: str  # "dZ1"
    of: str  # "Z1"
    kind: str  # "param" or "intermediate"
    convention: str  # "course" or "exact"
    batch: str  # "m"
    examples_axis: int  # the axis of the examples: 1 (columns) or 0 (rows)
    forms: tuple[Expr, ...]  # correct formulas: derived, written out, chain rule spelled out
    names: Mapping[str, Expr]  # every named quantity as a variable
    fields: dict = field(default_factory=dict)  # T, Of, … for the templates
    chain: Chain | None = None
    activations: tuple[scalar.ElementwiseFn, ...] = ()  # candidates for "the wrong derivative"
    softmax: bool = False  # the output layer is softmax (with cross-entropy)


@dataclass(frozen=True)
class Mistake:
    """One named mistake (see the module docstring)."""

    name: str
    title: str
    explanation: Mapping[str, str]  # situation → template; "default" is always there
    mutate: Callable[[Context], Iterator[Variant]]
    repair: Callable[[ast.Expression, Context], Iterator[Repair]] | None = None
    prior: float = 0.05  # how often learners make it: ranks diagnoses that fit equally well

    def explain(self, fields: Mapping[str, object]) -> str:
        template = self.explanation.get(str(fields.get("situation")), self.explanation["default"])
        return template.format_map(fields)

    def named(self, fields: Mapping[str, object]) -> str:
        """The title, with the finding's own words where it has them ("a factor 2 too many")."""
        return str(fields.get("title") or self.title)


# -- IR helpers ------------------------------------------------------------------------------------
def np_text(e: Expr) -> str:
    """``e`` in NumPy syntax, as a learner would write it."""
    return NumpyPrinter().doprint(e)


def _text(e: Expr | None) -> str:
    """``np_text`` of a mutation's result, or "" where the mutation does not type-check."""
    return np_text(e) if e is not None else ""


def _rewrite(wrong: Expr | None, right: Expr) -> dict:
    """The fields of a mistake that rewrites ``right`` as ``wrong``."""
    return {"wrong": _text(wrong), "fix": np_text(right)}


def replace(root: Expr, old: Expr, new: Expr) -> Expr:
    """``root`` with every ``old`` subtree replaced by ``new``, rebuilt through the checked
    builders, so that a replacement whose shapes no longer fit raises ShapeError."""
    memo: dict[Expr, Expr] = {}

    def go(n: Expr) -> Expr:
        if n == old:
            return new
        if n not in memo:
            args = tuple(go(a) for a in n.args)
            memo[n] = n if args == n.args else _rebuild(n, args)
        return memo[n]

    return go(root)


def _bare(e: Expr) -> Expr:
    return e.args[0] if e.op == "broadcast" else e


def _rebuild(n: Expr, args: tuple[Expr, ...]) -> Expr:
    """``n``'s operation on new arguments, with NumPy's broadcasting worked out again."""
    if n.op == "broadcast":
        try:
            return build.broadcast(args[0], n.shape)
        except ShapeError:
            return args[0]  # the consumer broadcasts it again (np_add, np_mul)
    makers = {
        "matmul": lambda: build.matmul(*args),
        "transpose": lambda: build.transpose(args[0]),
        "add": lambda: build.np_add(_bare(args[0]), _bare(args[1])),
        "mul": lambda: build.np_mul(_bare(args[0]), _bare(args[1])),
        "scale": lambda: build.scale(*args),
        "sum": lambda: build.sum_(args[0], *n.attrs),
        "fn": lambda: build.fn(n.attrs[0], args[0]),
    }
    return makers[n.op]()


def _attempt(make: Callable[[], Expr]) -> Expr | None:
    try:
        return make()
    except ShapeError:
        return None


def _sites(
    ctx: Context, local: Callable[[Expr, Context], Iterator[tuple[Expr | None, dict]]]
) -> Iterator[Variant]:
    """Apply a local change at every node of every correct form: ``local(node)`` offers
    replacements for ``node``; those that still type-check in place are variants."""
    for form in ctx.forms:
        for node in walk(form):
            for new, fields in local(node, ctx):
                variant = None if new is None else _replaced(form, node, new)
                if variant is not None and variant != form:
                    yield variant, {**fields, "form": form}


def _replaced(form: Expr, node: Expr, new: Expr) -> Expr | None:
    try:
        return replace(form, node, new)
    except ShapeError:
        return None


def _whole(ctx: Context, change: Callable[[Expr], Expr], fields: dict) -> Iterator[Variant]:
    for form in ctx.forms:
        variant = _attempt(lambda f=form: change(f))
        if variant is not None:
            yield variant, {**fields, "form": form}


# -- syntax-tree helpers (repairs) -----------------------------------------------------------------
def _edits(
    tree: ast.Expression, local: Callable[[ast.AST, ast.Expression], Iterator[tuple[ast.AST, dict]]]
) -> Iterator[Repair]:
    """Copies of ``tree`` with one node replaced, for each replacement ``local(node)`` offers.

    Only the path from the root to the node is copied; the rest is shared, never changed."""
    parents = {
        id(child): (parent, name, index)
        for parent in ast.walk(tree)
        for name, value in ast.iter_fields(parent)
        for index, child in _children(value)
    }
    for node in list(ast.walk(tree)):
        for new, fields in local(node, tree):
            yield _path_copy(tree, node, new, parents), fields


def _children(value: object) -> Iterator[tuple[int | None, ast.AST]]:
    if isinstance(value, ast.AST):
        yield None, value
    elif isinstance(value, list):
        yield from ((i, v) for i, v in enumerate(value) if isinstance(v, ast.AST))


def _path_copy(tree: ast.AST, old: ast.AST, new: ast.AST, parents: dict) -> ast.Expression:
    while old is not tree:
        parent, name, index = parents[id(old)]
        copied = copy.copy(parent)
        if index is None:
            setattr(copied, name, new)
        else:
            setattr(
                copied,
                name,
                [new if i == index else v for i, v in enumerate(getattr(parent, name))],
            )
        old, new = parent, copied
    return new


def _operands(tree: ast.Expression, transposed: bool = True) -> set[int]:
    """Ids of the nodes that are values in the formula (not function names, not sizes; with
    ``transposed=False``, not what is already transposed)."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            skip.update(id(n) for n in ast.walk(node.func))
        if isinstance(node, ast.keyword):
            skip.update(id(n) for n in ast.walk(node.value))
        if isinstance(node, ast.Attribute) and node.attr == "T" and not transposed:
            skip.add(id(node.value))
    return {
        id(n)
        for n in ast.walk(tree)
        if isinstance(n, ast.Name | ast.Call | ast.BinOp | ast.Attribute)
        and id(n) not in skip
        and not (isinstance(n, ast.Name) and n.id == "m")
        and not (isinstance(n, ast.Attribute) and n.attr == "T")
    }


def _has_t(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "T" for n in ast.walk(node))


def _func(node: ast.AST) -> str:
    if not isinstance(node, ast.Call):
        return ""
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


# -- the mistakes ----------------------------------------------------------------------------------
def _missing_transpose(ctx: Context) -> Iterator[Variant]:
    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if n.op == "transpose":
            yield n.args[0], {"operand": np_text(n.args[0]), "fix": np_text(n)}

    return _sites(ctx, local)


def _add_transpose(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    # not the whole result ("transposed-result"), nor what holds a .T already ("extra-transpose")
    values = _operands(tree, transposed=False)
    ok = {id(n) for n in ast.walk(tree) if id(n) in values and n is not tree.body and not _has_t(n)}

    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        if id(n) in ok:
            fixed = ast.Attribute(value=n, attr="T", ctx=ast.Load())
            yield fixed, {"operand": show(n), "fix": show(fixed)}

    return _edits(tree, local)


def _extra_transpose(ctx: Context) -> Iterator[Variant]:
    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if n.op == "var" and len(n.shape) == 2:  # a transposed product: "transposed-result"
            t = _attempt(lambda: build.transpose(n))
            yield t, {"operand": _text(t), "fix": np_text(n)}

    return _sites(ctx, local)


def _drop_transpose(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        if isinstance(n, ast.Attribute) and n.attr == "T":
            yield n.value, {"operand": show(n), "fix": show(n.value)}

    return _edits(tree, local)


def _transposed_result(ctx: Context) -> Iterator[Variant]:
    for form in ctx.forms:
        t = _attempt(lambda f=form: build.transpose(f))
        if t is not None:
            situation = "square" if t.shape == form.shape else "default"
            yield t, {"shape": fmt_shape(t.shape), "form": form, "situation": situation}


def _product_order(ctx: Context) -> Iterator[Variant]:
    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if n.op == "matmul":
            new = _attempt(lambda: build.matmul(n.args[1], n.args[0]))
            yield new, _rewrite(new, n)

    return _sites(ctx, local)


def _swap_factors(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.MatMult):
            fixed = ast.BinOp(n.right, ast.MatMult(), n.left)
            yield fixed, {"wrong": show(n), "fix": show(fixed)}
        elif _func(n) in ("dot", "matmul") and len(n.args) == 2:
            fixed = ast.Call(n.func, [n.args[1], n.args[0]], [])
            yield fixed, {"wrong": show(n), "fix": show(fixed)}

    return _edits(tree, local)


def _elementwise_for_matmul(ctx: Context) -> Iterator[Variant]:
    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if n.op == "matmul":
            new = _attempt(lambda: build.np_mul(*n.args))
            yield new, _rewrite(new, n)

    return _sites(ctx, local)


def _star_to_at(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    """``a * b`` → ``a @ b`` where the learner writes ``@``, else the course's ``np.dot(a, b)``."""
    at = any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.MatMult) for n in ast.walk(tree))

    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):
            fixed = ast.BinOp(n.left, ast.MatMult(), n.right) if at else _np_dot(n.left, n.right)
            yield fixed, {"wrong": show(n), "fix": show(fixed)}

    return _edits(tree, local)


def _matmul_for_elementwise(ctx: Context) -> Iterator[Variant]:
    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if n.op == "mul":
            new = _attempt(lambda: build.matmul(_bare(n.args[0]), _bare(n.args[1])))
            yield new, _rewrite(new, n)

    return _sites(ctx, local)


def _at_to_star(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        pair = _product_operands(n)
        if pair is not None:
            fixed = ast.BinOp(pair[0], ast.Mult(), pair[1])
            yield fixed, {"wrong": show(n), "fix": show(fixed)}

    return _edits(tree, local)


def _np_dot(a: ast.AST, b: ast.AST) -> ast.Call:
    func = ast.Attribute(value=ast.Name(id="np", ctx=ast.Load()), attr="dot", ctx=ast.Load())
    return ast.Call(func, [a, b], [])


def _product_operands(n: ast.AST) -> tuple[ast.AST, ast.AST] | None:
    """The factors of a matrix product however spelled: ``a @ b``, ``np.dot(a, b)``,
    ``np.matmul(a, b)``, ``a.dot(b)``."""
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.MatMult):
        return n.left, n.right
    if _func(n) in ("dot", "matmul") and not n.keywords:
        if len(n.args) == 2:
            return n.args[0], n.args[1]
        f = n.func
        if len(n.args) == 1 and isinstance(f, ast.Attribute) and _dotted_root(f.value) != "np":
            return f.value, n.args[0]
    return None


def _dotted_root(n: ast.AST) -> str:
    while isinstance(n, ast.Attribute):
        n = n.value
    return n.id if isinstance(n, ast.Name) else ""


def _axis_words(axis: int | None, ctx: Context) -> str:
    if axis is None:
        return "every entry"
    return f"axis={axis}, " + ("the examples" if axis == ctx.examples_axis else "the units")


def _wrong_sum_axis(ctx: Context) -> Iterator[Variant]:
    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if n.op != "sum":
            return
        axis, keep = n.attrs
        for other in [a for a in (0, 1, None) if a != axis]:
            new = _attempt(lambda o=other: build.sum_(n.args[0], o, keep and o is not None))
            yield (
                new,
                {
                    **_rewrite(new, n),
                    "wrong_axis": _axis_words(other, ctx),
                    "right_axis": _axis_words(axis, ctx),
                },
            )

    return _sites(ctx, local)


def _keyword(call: ast.Call, name: str) -> object:
    """A call's constant argument ``name`` (``axis`` may also come second, positionally)."""
    for k in call.keywords:
        if k.arg == name and isinstance(k.value, ast.Constant):
            return k.value.value
    positional = call.args[1] if name == "axis" and len(call.args) > 1 else None
    return positional.value if isinstance(positional, ast.Constant) else None


def _with(call: ast.Call, **kw: object) -> ast.Call:
    """A copy of the call with keyword arguments set (``axis`` given positionally is moved)."""
    keywords = [k for k in call.keywords if k.arg not in kw]
    keywords += [ast.keyword(arg=k, value=ast.Constant(v)) for k, v in kw.items() if v is not None]
    return ast.Call(call.func, call.args[:1], keywords)


def _change_axis(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        if _func(n) not in ("sum", "mean"):
            return
        axis = _keyword(n, "axis")
        for other in [a for a in (0, 1) if a != axis]:
            keep = True if axis is None else _keyword(n, "keepdims")
            fixed = _with(n, axis=other, keepdims=keep)
            yield (
                fixed,
                {
                    "wrong": show(n),
                    "fix": show(fixed),
                    "wrong_axis": _axis_words(axis, ctx),
                    "right_axis": _axis_words(other, ctx),
                },
            )

    return _edits(tree, local)


def _lost_keepdims(ctx: Context) -> Iterator[Variant]:
    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if n.op == "sum" and n.attrs[0] is not None and n.attrs[1]:
            new = build.sum_(n.args[0], n.attrs[0], False)
            yield new, {"wrong": np_text(new), "fix": np_text(n), "shape": fmt_shape(new.shape)}

    return _sites(ctx, local)


def _add_keepdims(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        if _func(n) in ("sum", "mean") and _keyword(n, "axis") is not None:
            if not _keyword(n, "keepdims"):
                fixed = _with(n, axis=_keyword(n, "axis"), keepdims=True)
                yield fixed, {"wrong": show(n), "fix": show(fixed), "shape": ""}

    return _edits(tree, local)


_LAYERED = re.compile(r"^(d?[A-Za-z]+?)(\d+)$")


def _layer_of(name: str) -> tuple[str, int] | None:
    if name == "X":
        return "A", 0
    match = _LAYERED.match(name)
    return (match.group(1), int(match.group(2))) if match else None


def _relayer(name: str, names: Mapping[str, object]) -> list[str]:
    """The same quantity in the other layers: ``W2`` → ``W1``, ``W3``; ``A1`` → ``X``, ``A2``."""
    found = _layer_of(name)
    if found is None:
        return []
    base, l = found
    out = []
    for other in names:
        if other != name and other != "A0" and _layer_of(other) is not None:
            b, k = _layer_of(other)
            if b == base and k != l:
                out.append(other)
    return sorted(out, key=lambda o: abs(_layer_of(o)[1] - l))


def _defined(v: Expr) -> str:
    """What a dA is, so that the explanation shows the way back: dA1 = W2ᵀ dZ2."""
    match = re.fullmatch(r"dA(\d+)", v.name)
    if match is None:
        return ""
    n = int(match.group(1)) + 1
    return f" ({v.name} = W{n}.T @ dZ{n}: the gradient comes back through W[{n}]ᵀ)"


def _wrong_layer_index(ctx: Context) -> Iterator[Variant]:
    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if n.op == "var":
            for other in _relayer(n.name, ctx.names):
                yield ctx.names[other], {"wrong": other, "right": n.name, "defined": _defined(n)}

    return _sites(ctx, local)


def _reindex(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        if isinstance(n, ast.Name) and id(n) in ok:
            wrong = "X" if n.id == "A0" else n.id
            for other in _relayer(wrong, ctx.names):
                yield (
                    ast.Name(id=other, ctx=ast.Load()),
                    {"wrong": n.id, "right": other, "defined": ""},
                )

    ok = _operands(tree)
    return _edits(tree, local)


def _penalized(e: Expr) -> bool:
    return any(n.op == "var" and n.name == "lambd" for n in walk(e))


def _missing_regularization(ctx: Context) -> Iterator[Variant]:
    """Drop the L2 term: ``(1/m)(dZ Aᵀ + λ W)`` → ``(1/m) dZ Aᵀ``."""

    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if n.op == "add" and _penalized(n):
            for kept, dropped in ((n.args[0], n.args[1]), (n.args[1], n.args[0])):
                if _penalized(dropped) and not _penalized(kept):
                    yield kept, {"W": ctx.target[1:]}

    return _sites(ctx, local)


def _add_penalty(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    """``… + lambd / m * W[l]``, the gradient of (λ/2m) ‖W[l]‖²."""
    if ctx.target.startswith("dW") and "lambd" in ctx.names:
        term = ast.parse(f"lambd / m * {ctx.target[1:]}", mode="eval").body
        yield ast.Expression(body=ast.BinOp(tree.body, ast.Add(), term)), {"W": ctx.target[1:]}


def _missing_dropout(ctx: Context) -> Iterator[Variant]:
    """Forget the dropout mask: every ``D[l]`` and ``keep_prob[l]`` set to 1."""
    ones = {
        v: build.broadcast(build.const(1), v.shape) if v.shape else build.const(1)
        for form in ctx.forms
        for v in walk(form)
        if v.op == "var" and re.fullmatch(r"D\d+|keep_prob\d+", v.name)
    }
    layers = sorted({re.sub(r"\D", "", v.name) for v in ones})
    mask = " and ".join(f"D{l} / keep_prob{l}" for l in layers)
    for form in ctx.forms if ones else ():
        yield substitute(form, ones), {"mask": mask, "form": form}


def _inv_m(ctx: Context) -> Expr:
    return build.np_pow(build.dim(ctx.batch), -1)


def _missing_inv_m(ctx: Context) -> Iterator[Variant]:
    situation = "exact" if ctx.convention == "exact" else "default"
    situation = "param" if ctx.kind != "intermediate" and situation == "default" else situation
    return _whole(ctx, lambda f: build.scale(build.dim(ctx.batch), f), {"situation": situation})


def _extra_inv_m(ctx: Context) -> Iterator[Variant]:
    situation = (
        "exact"
        if ctx.convention == "exact"
        else "per-example"
        if ctx.kind == "intermediate"
        else "twice"
    )
    return _whole(ctx, lambda f: build.scale(_inv_m(ctx), f), {"situation": situation})


def _times_inv_m(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    inv_m = ast.BinOp(ast.Constant(1), ast.Div(), ast.Name(id="m", ctx=ast.Load()))
    body = ast.BinOp(inv_m, ast.Mult(), tree.body)
    yield ast.Expression(body=body), {}


def _is_m(n: ast.AST) -> bool:
    """``m``, or the course's ``X.shape[1]`` (a size read off an array)."""
    if isinstance(n, ast.Name):
        return n.id == "m"
    return (
        isinstance(n, ast.Subscript)
        and isinstance(n.value, ast.Attribute)
        and n.value.attr == "shape"
    )


def _is_inv_m(n: ast.AST) -> bool:
    return (
        isinstance(n, ast.BinOp)
        and isinstance(n.op, ast.Div)
        and isinstance(n.left, ast.Constant)
        and n.left.value == 1
        and _is_m(n.right)
    )


def _drop_inv_m(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    """Take a 1/m out: ``x / m`` → ``x``, ``(1/m) * x`` → ``x``, ``np.mean`` → ``np.sum``."""

    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) and _is_m(n.right):
            yield n.left, {}
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):
            if _is_inv_m(n.left):
                yield n.right, {}
            if _is_inv_m(n.right):
                yield n.left, {}
        if _func(n) == "mean":
            f = copy.deepcopy(n.func)
            if isinstance(f, ast.Attribute):
                f.attr = "sum"
            else:
                f.id = "sum"
            yield ast.Call(f, n.args, n.keywords), {}

    return _edits(tree, local)


# -- activation mistakes: on dZ[l] = dA[l] ⊙ g′(Z[l]) --------------------------------------------
def _chain_fields(ctx: Context) -> dict:
    c = ctx.chain
    return {
        "g": c.g.name,
        "Z": c.Z.name,
        "A": c.A.name,
        "l": c.layer,
        "dA": f"dA{c.layer}",
        "deriv": np_text(c.derivative),
    }


def _chained(ctx: Context, local: Expr, fields: dict) -> Iterator[Variant]:
    """``upstream ⊙ local`` for each spelling of the upstream gradient."""
    if ctx.chain is None:
        return
    for up in ctx.chain.upstream:
        v = _attempt(lambda u=up: build.np_mul(u, local))
        if v is not None:
            yield (
                v,
                {**_chain_fields(ctx), **fields, "form": build.np_mul(up, ctx.chain.derivative)},
            )


def _activation_for_derivative(ctx: Context) -> Iterator[Variant]:
    if ctx.chain is not None:
        yield from _chained(ctx, ctx.chain.A, {})


def _in_terms_of_output(h: scalar.ElementwiseFn, A: Expr) -> Expr | None:
    """h′ written through h's own output, evaluated at A: σ′ → A(1 − A), tanh′ → 1 − A²."""
    atoms = Atoms()
    s = h.derivative.subs(h.expr, atoms.symbol(A))
    return None if scalar.Z in s.free_symbols else from_sympy(s, atoms, A.shape)


def _wrong_activation_derivative(ctx: Context) -> Iterator[Variant]:
    c = ctx.chain
    if c is None:
        return
    for h in ctx.activations:
        if h == c.g:
            continue
        for local in (derivative_of(h, c.Z), _in_terms_of_output(h, c.A)):
            if local is not None:
                used = np_text(local)
                yield from _chained(ctx, local, {"h": h.name, "used": used})


def _derivative_at_A(ctx: Context) -> Iterator[Variant]:  # noqa: N802 - the course's A
    if ctx.chain is not None:
        yield from _chained(ctx, derivative_of(ctx.chain.g, ctx.chain.A), {})


def _missing_derivative(ctx: Context) -> Iterator[Variant]:
    if ctx.chain is not None:
        for up in ctx.chain.upstream:
            form = build.np_mul(up, ctx.chain.derivative)
            yield up, {**_chain_fields(ctx), "form": form}


# -- signs and constant factors ------------------------------------------------------------------
def _negate(e: Expr) -> Expr:
    if e.op == "scale" and e.args[0].op == "const" and e.args[0].attrs[0] == -1:
        return e.args[1]
    return build.scale(build.const(-1), e)


def _sign_error(ctx: Context) -> Iterator[Variant]:
    """The whole formula negated, or one term of a sum: ``Y - A2``, ``1 + A1**2``."""
    yield from _whole(ctx, _negate, {})

    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if n.op == "add":
            a, b = n.args
            for new in (build.add(_negate(a), b), build.add(a, _negate(b))):
                yield new, {"wrong": np_text(new), "right_term": np_text(n), "situation": "term"}

    yield from _sites(ctx, local)


def _drop_minus(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    """``-x`` → ``x``, ``a - b`` → ``a + b`` and back, ``b - a`` for ``a - b``."""

    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            yield n.operand, {}
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub | ast.Add):
            yield ast.BinOp(n.right, ast.Sub(), n.left), {}
            other = ast.Add() if isinstance(n.op, ast.Sub) else ast.Sub()
            yield ast.BinOp(n.left, other, n.right), {}

    yield ast.Expression(body=ast.UnaryOp(ast.USub(), tree.body)), {}
    yield from _edits(tree, local)


def _stray_factor(ctx: Context) -> Iterator[Variant]:
    for k in (2, 0.5, 4, 0.25):
        yield from _whole(
            ctx, lambda f, k=k: build.scale(build.const(k), f), {"title": factor_title(k)}
        )


def factor_title(k: float) -> str:
    """``2`` → "a factor 2 too many", ``0.5`` → "a factor 1/2 too many (a factor 2 missing)"."""
    if k >= 1:
        return f"a factor {k:g} too many"
    return f"a factor 1/{round(1 / k):g} too many (a factor {round(1 / k):g} missing)"


def _drop_constant(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    """``2 * x`` → ``x``, ``x / 2`` → ``x``, ``0.5 * x`` → ``x``: a number the formula should not
    have; and ``x`` → ``x / 2`` or ``2 * x`` where one is missing."""

    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult | ast.Div):
            if _number(n.right):
                yield n.left, {}
            if _number(n.left) and isinstance(n.op, ast.Mult):
                yield n.right, {}

    yield from _edits(tree, local)
    for k in (2, 4):
        yield ast.Expression(body=ast.BinOp(tree.body, ast.Div(), ast.Constant(k))), {}
        yield ast.Expression(body=ast.BinOp(ast.Constant(k), ast.Mult(), tree.body)), {}


def _number(n: ast.AST) -> bool:
    return isinstance(n, ast.Constant) and isinstance(n.value, int | float) and n.value not in (0,)


# -- more activation mistakes --------------------------------------------------------------------
def _derivative_with_Z(ctx: Context) -> Iterator[Variant]:  # noqa: N802 - the course's Z
    """``1 - Z1**2`` for ``1 - A1**2``: the derivative's formula in A, written with Z."""
    c = ctx.chain
    if c is None:
        return
    local = _in_terms_of_output(c.g, c.Z)
    if local is not None:
        yield from _chained(
            ctx, local, {"used": np_text(local), "at_Z": np_text(derivative_of(c.g, c.Z))}
        )


def _derivative_times_Z(ctx: Context) -> Iterator[Variant]:  # noqa: N802
    """``g′(Z)`` read as ``g′ × Z``: the derivative multiplied by Z."""
    c = ctx.chain
    if c is not None:
        yield from _chained(ctx, build.np_mul(c.derivative, c.Z), {})


# -- the output layer's formulas where they do not belong ----------------------------------------
def _bce_dA(A: Expr, Y: Expr) -> Expr:
    """−Y/A + (1 − Y)/(1 − A), the derivative of binary cross-entropy."""
    one = build.const(1)
    minus = _negate(build.np_div(Y, A))
    return build.np_add(minus, build.np_div(build.np_sub(one, Y), build.np_sub(one, A)))


def _layer(ctx: Context) -> int | None:
    match = re.fullmatch(r"d[ZA](\d+)", ctx.target)
    return int(match.group(1)) if match else None


def _output_layer(ctx: Context) -> int:
    return max(int(n[1:]) for n in ctx.names if re.fullmatch(r"Z\d+", n))


def _output_formula_at_hidden(ctx: Context) -> Iterator[Variant]:
    l, Y = _layer(ctx), ctx.names.get("Y")
    if l is None or Y is None or l >= _output_layer(ctx):
        return
    A = ctx.names[f"A{l}"]
    dZ = ctx.target.startswith("dZ")
    wrong = _attempt(lambda: build.np_sub(A, Y) if dZ else _bce_dA(A, Y))
    if wrong is not None and wrong.shape == ctx.forms[0].shape:
        yield wrong, {"wrong": np_text(wrong), "l": l, "n": l + 1, "form": ctx.forms[-1]}


def _mentions_Y(tree: ast.Expression) -> bool:  # noqa: N802
    """``A1 - Y``, ``Y / A1``: the labels as an operand of a difference or a quotient."""
    return any(
        isinstance(n, ast.BinOp)
        and isinstance(n.op, ast.Sub | ast.Div)
        and any(isinstance(k, ast.Name) and k.id == "Y" for k in (n.left, n.right))
        for n in ast.walk(tree)
    )


def _write_derived(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    """The derived formula itself, where the learner's uses the labels at a hidden layer."""
    l = _layer(ctx)
    if l is not None and l < _output_layer(ctx) and _mentions_Y(tree):
        fixed = ast.parse(np_text(ctx.forms[-1]), mode="eval")
        yield fixed, {"wrong": show(tree), "l": l, "n": l + 1}


def _bce_with_softmax(ctx: Context) -> Iterator[Variant]:
    """dA[L] = −Y/A + (1 − Y)/(1 − A) where the output is softmax with cross-entropy."""
    L = _output_layer(ctx)
    if ctx.target == f"dA{L}" and ctx.softmax and "Y" in ctx.names:
        A, Y = ctx.names[f"A{L}"], ctx.names["Y"]
        yield _bce_dA(A, Y), {"form": ctx.forms[-1]}


def _softmax_as_elementwise(ctx: Context) -> Iterator[Variant]:
    """dZ[L] = dA[L] ⊙ A(1 − A): softmax's derivative taken as if it were elementwise."""
    L = _output_layer(ctx)
    if ctx.target == f"dZ{L}" and ctx.softmax and f"dA{L}" in ctx.names:
        A, one = ctx.names[f"A{L}"], build.const(1)
        local = build.np_mul(A, build.np_sub(one, A))
        for up in (ctx.names[f"dA{L}"], build.np_div(_negate(ctx.names["Y"]), A)):
            yield build.np_mul(up, local), {"form": ctx.forms[-1]}


# -- L2 and dropout --------------------------------------------------------------------------------
def _is_penalty(n: Expr) -> bool:
    """``(λ/m) W[l]``, the gradient of the L2 term."""
    return n.op == "scale" and _penalized(n.args[0]) and n.args[1].op == "var"


def _l2_term(ctx: Context, variants: Callable[[Expr, Expr], Iterator[tuple[Expr, str]]]):
    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if _is_penalty(n):
            W = n.args[1]
            for new, what in variants(W, n):
                yield new, {"wrong": np_text(new), "local": np_text(n), "W": W.name, "what": what}

    return _sites(ctx, local)


def _lambd_over(ctx: Context, k: int) -> Expr:
    m = build.dim(ctx.batch) if k == 1 else build.scale(build.const(k), build.dim(ctx.batch))
    return build.np_mul(ctx.names["lambd"], build.np_pow(m, -1))


def _l2_sum(ctx: Context) -> Iterator[Variant]:
    """(λ/m) Σ W[l] — one number added to every entry — for (λ/m) W[l]."""

    def variants(W: Expr, n: Expr) -> Iterator[tuple[Expr, str]]:
        yield build.scale(n.args[0], build.sum_(W, None, False)), ""

    return _l2_term(ctx, variants)


def _l2_coefficient(ctx: Context) -> Iterator[Variant]:
    """λ W, W/m or W for (λ/m) W: the coefficient of the L2 term lost."""

    def variants(W: Expr, n: Expr) -> Iterator[tuple[Expr, str]]:
        yield build.scale(ctx.names["lambd"], W), "λ W (the 1/m is missing)"
        yield build.scale(build.np_pow(build.dim(ctx.batch), -1), W), "W/m (λ is missing)"
        yield W, f"{W.name} alone (λ/m is missing)"

    return _l2_term(ctx, variants)


def _l2_half(ctx: Context) -> Iterator[Variant]:
    """(λ/2m) W: the cost's coefficient kept, but the derivative of ‖W‖² is 2W."""

    def variants(W: Expr, n: Expr) -> Iterator[tuple[Expr, str]]:
        yield build.scale(_lambd_over(ctx, 2), W), ""

    return _l2_term(ctx, variants)


def _l2_on_bias(ctx: Context) -> Iterator[Variant]:
    """db[l] + (λ/m) b[l]: the penalty is on the weights only."""
    b = ctx.names.get(ctx.target[1:])
    if ctx.target.startswith("db") and "lambd" in ctx.names and b is not None:
        term = build.scale(_lambd_over(ctx, 1), b)
        yield from _whole(ctx, lambda f: build.np_add(f, term), {"b": b.name})


def _dropout_not_rescaled(ctx: Context) -> Iterator[Variant]:
    """The mask applied but not divided by keep_prob: every ``keep_prob[l]`` set to 1."""
    ones = {
        v: build.const(1)
        for form in ctx.forms
        for v in walk(form)
        if v.op == "var" and re.fullmatch(r"keep_prob\d+", v.name)
    }
    layers = sorted({re.sub(r"\D", "", v.name) for v in ones})
    for form in ctx.forms if ones else ():
        kp = " and ".join(f"keep_prob{l}" for l in layers)
        yield substitute(form, ones), {"kp": kp, "form": form}


# -- products that already sum, inverses for transposes --------------------------------------------
def _sum_of_product(ctx: Context) -> Iterator[Variant]:
    """np.sum(dZ Aᵀ, axis=1, keepdims=True): a sum around a product that already sums over the
    examples."""

    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if n.op == "matmul":
            for axis in (1, 0):
                new = _attempt(lambda a=axis: build.sum_(n, a, True))
                if new is not None and new.shape != n.shape:
                    yield new, {"wrong": np_text(new), "local": np_text(n)}

    return _sites(ctx, local)


def _has_product(n: ast.AST) -> bool:
    return any(_product_operands(k) is not None for k in ast.walk(n))


def _unsum_product(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        if _func(n) in ("sum", "mean") and n.args and _has_product(n.args[0]):
            inner = n.args[0]
            if _func(n) == "mean":  # np.mean(P, axis=1) = np.sum(P, axis=1) / m
                inner = ast.BinOp(inner, ast.Div(), ast.Name(id="m", ctx=ast.Load()))
            yield inner, {"wrong": show(n), "local": show(inner)}

    return _edits(tree, local)


def _inverse_for_transpose(ctx: Context) -> Iterator[Variant]:
    from ..ir.linalg import inv

    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if n.op == "transpose" and len(n.shape) == 2 and n.shape[0] == n.shape[1]:
            new = _attempt(lambda: inv(n.args[0]))
            yield new, {"operand": np_text(n.args[0]), "local": np_text(n), "wrong": _text(new)}

    return _sites(ctx, local)


def _inverse_of(n: ast.AST) -> ast.AST | None:
    """``np.linalg.inv(W)``, ``W**-1``, ``np.power(W, -1)``, ``1 / W``: the operand ``W``."""
    if _func(n) in ("inv", "pinv") and len(n.args) == 1:
        return n.args[0]
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) and _minus_one(n.right):
        return n.left
    if _func(n) == "power" and len(n.args) == 2 and _minus_one(n.args[1]):
        return n.args[0]
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) and _is_one(n.left):
        return n.right if isinstance(n.right, ast.Name) and n.right.id.startswith("W") else None
    return None


def _minus_one(n: ast.AST) -> bool:
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
        return _is_one(n.operand)
    return isinstance(n, ast.Constant) and n.value == -1


def _is_one(n: ast.AST) -> bool:
    return isinstance(n, ast.Constant) and n.value == 1 and not isinstance(n.value, bool)


def _transpose_for_inverse(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        operand = _inverse_of(n)
        if operand is not None:
            fixed = ast.Attribute(value=operand, attr="T", ctx=ast.Load())
            yield fixed, {"wrong": show(n), "operand": show(operand), "local": show(fixed)}

    return _edits(tree, local)


def _skipped_weights(ctx: Context) -> Iterator[Variant]:
    """W[l+1]ᵀ dZ[l+1] → dZ[l+1]: the gradient not sent back through the weights (it type-checks
    when NumPy broadcasts dZ[l+1], e.g. with one output unit)."""

    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if n.op != "matmul":
            return
        for t, other in ((n.args[0], n.args[1]), (n.args[1], n.args[0])):  # columns, rows
            if t.op == "transpose" and t.args[0].op == "var" and t.args[0].name.startswith("W"):
                fields = {"W": t.args[0].name, "local": np_text(n), "wrong": np_text(other)}
                yield other, fields

    return _sites(ctx, local)


def _missing_sum(ctx: Context) -> Iterator[Variant]:
    """db = dZ: the sum over the examples left out."""

    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if n.op == "sum" and n.attrs[0] is not None:
            yield n.args[0], {"local": np_text(n), "axis": _axis_words(n.attrs[0], ctx)}

    return _sites(ctx, local)


def _none(ctx: Context) -> Iterator[Variant]:
    """Numerically another mistake (a mask of ones is a missing g′): named from the syntax."""
    return iter(())


def _strict_mask(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    """``A1 >= 0`` → ``A1 > 0``: relu′ is 1 where Z > 0, else 0."""

    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        if isinstance(n, ast.Compare) and len(n.ops) == 1 and isinstance(n.ops[0], ast.GtE):
            yield ast.Compare(n.left, [ast.Gt()], n.comparators), {"wrong": show(n)}

    return _edits(tree, local)


def has_nonstrict_mask(tree: ast.AST) -> bool:
    """The learner's formula compares with ``>=``."""
    return any(
        isinstance(n, ast.Compare) and any(isinstance(op, ast.GtE) for op in n.ops)
        for n in ast.walk(tree)
    )


MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "missing-transpose",
        "a missing transpose",
        {
            "default": "{operand} needs a transpose: write {fix}. Going back through a matrix "
            "product multiplies the gradient by the transpose of the other factor, which is also "
            "what makes the shapes fit."
        },
        _missing_transpose,
        _add_transpose,
        prior=0.12,
    ),
    Mistake(
        "extra-transpose",
        "a transpose too many",
        {
            "default": "{operand} should not be transposed here: write {fix}. Only the factor "
            "the gradient goes back through is transposed."
        },
        _extra_transpose,
        _drop_transpose,
        prior=0.05,
    ),
    Mistake(
        "transposed-result",
        "the transpose of the gradient",
        {
            "default": "your formula computes the transpose of {T}: its shape is {shape}, but {T} "
            "has the shape of {Of}, {target_shape}. Swap the factors and transpose them "
            "((A B)ᵀ = Bᵀ Aᵀ): {target} = {fix}.",
            "square": "your formula computes the transpose of {T} ({Of} is square, {shape}, so "
            "no shape error shows it). Swap the factors and transpose them ((A B)ᵀ = Bᵀ Aᵀ): "
            "{target} = {fix}.",
        },
        _transposed_result,
        prior=0.04,
    ),
    Mistake(
        "product-order",
        "the factors of a matrix product in the wrong order",
        {
            "default": "the factors of {wrong} are in the wrong order (matrix products do not "
            "commute): write {fix}."
        },
        _product_order,
        _swap_factors,
        prior=0.08,
    ),
    Mistake(
        "missing-1/m",
        "a missing 1/m",
        {
            "param": "{T} is a gradient of the cost J = (1/m) Σᵢ L⁽ⁱ⁾, so it carries the factor "
            "1/m: {target} = {fix}.",
            "exact": "in the exact convention {T} = ∂J/∂{Of} carries the 1/m of J = (1/m) Σᵢ "
            "L⁽ⁱ⁾ (the course's convention leaves it out of dZ and dA): {target} = {fix}.",
            "default": "a factor 1/m is missing: {target} = {fix}.",
        },
        _missing_inv_m,
        _times_inv_m,
        prior=0.1,
    ),
    Mistake(
        "extra-1/m",
        "a 1/m too many",
        {
            "per-example": "this is ∂J/∂{Of}; in the course's convention {T} has no 1/m: dZ and "
            "dA are per-example gradients of the loss L (one column per example), and 1/m enters "
            "only in dW and db. Write {target} = {fix}.",
            "twice": "{T} takes 1/m exactly once, from J = (1/m) Σᵢ L⁽ⁱ⁾, and your formula "
            "divides by m twice (in the course's convention dZ has no 1/m, so the one in {T} is "
            "the only one): {target} = {fix}.",
            "exact": "in the exact convention the 1/m of J = (1/m) Σᵢ L⁽ⁱ⁾ enters once, at the "
            "top, and the chain rule carries it down through every dZ and dA into dW and db; "
            "your formula divides by m again: {target} = {fix}.",
            "default": "there is one factor 1/m too many: {target} = {fix}.",
        },
        _extra_inv_m,
        _drop_inv_m,
        prior=0.1,
    ),
    Mistake(
        "activation-instead-of-derivative",
        "g(Z) where g′(Z) belongs",
        {
            "default": "{g}({Z}) = {A} is used where its derivative {g}′({Z}) belongs: going back "
            "through {A} = {g}({Z}) multiplies the gradient by {g}′({Z}) = {deriv}, entry by "
            "entry. Write {target} = {fix}."
        },
        _activation_for_derivative,
        prior=0.06,
    ),
    Mistake(
        "wrong-activation-derivative",
        "the derivative of the wrong activation",
        {
            "default": "{used} is the derivative of {h}, but layer {l} uses {g}, whose derivative "
            "is {g}′({Z}) = {deriv}: {target} = {fix}."
        },
        _wrong_activation_derivative,
        prior=0.06,
    ),
    Mistake(
        "derivative-at-A",
        "g′ evaluated at A instead of Z",
        {
            "default": "the derivative {g}′ is evaluated at {A} instead of {Z}: {A} = {g}({Z}), "
            "so the chain rule needs {g}′({Z}) = {deriv}. Write {target} = {fix}."
        },
        _derivative_at_A,
        prior=0.04,
    ),
    Mistake(
        "missing-activation-derivative",
        "a missing g′(Z)",
        {
            "default": "the activation's derivative is missing: {A} = {g}({Z}) lies between "
            "{dA} and {T}, so {T} = {dA} ⊙ {g}′({Z}) with {g}′({Z}) = {deriv}. Write "
            "{target} = {fix}."
        },
        _missing_derivative,
        prior=0.06,
    ),
    Mistake(
        "elementwise-for-matmul",
        "an elementwise product where a matrix product belongs",
        {
            "default": "{wrong} multiplies elementwise (*) where a matrix product (@) belongs: "
            "write {fix}. Going back through a matrix product sums over the shared dimension, "
            "which only @ does."
        },
        _elementwise_for_matmul,
        _star_to_at,
        prior=0.08,
    ),
    Mistake(
        "matmul-for-elementwise",
        "a matrix product where an elementwise product belongs",
        {
            "default": "{wrong} is a matrix product (@) where the elementwise product (*, ⊙) "
            "belongs: write {fix}. An elementwise function's Jacobian is diagonal, so the chain "
            "rule multiplies entry by entry."
        },
        _matmul_for_elementwise,
        _at_to_star,
        prior=0.08,
    ),
    Mistake(
        "wrong-sum-axis",
        "a sum over the wrong axis",
        {"default": "{wrong} sums over {wrong_axis}, but {T} sums over {right_axis}: write {fix}."},
        _wrong_sum_axis,
        _change_axis,
        prior=0.06,
    ),
    Mistake(
        "lost-keepdims",
        "a sum that lost keepdims",
        {
            "default": "{wrong} drops the summed dimension, but {T} has shape {target_shape}: "
            "write {fix} (keepdims=True keeps the summed axis, with size 1)."
        },
        _lost_keepdims,
        _add_keepdims,
        prior=0.06,
    ),
    Mistake(
        "missing-regularization",
        "a missing L2 term",
        {
            "default": "the L2 term is missing: the cost has (λ/2m) Σₗ ‖W[l]‖², whose gradient "
            "adds (λ/m) {W} to {T}: {target} = {fix}."
        },
        _missing_regularization,
        _add_penalty,
        prior=0.05,
    ),
    Mistake(
        "missing-dropout-mask",
        "a forgotten dropout mask",
        {
            "default": "the dropout mask is missing: the forward pass multiplied A by {mask}, so "
            "the gradient goes back through the same mask (dropped units get no gradient): "
            "{target} = {fix}."
        },
        _missing_dropout,
        prior=0.05,
    ),
    Mistake(
        "wrong-layer-index",
        "a quantity from the wrong layer",
        {"default": "{wrong} is from the wrong layer: {T} uses {right} there{defined}."},
        _wrong_layer_index,
        _reindex,
        prior=0.05,
    ),
    Mistake(
        "wrong-factor",
        "a wrong factor",
        {
            "default": "the {kind} {wrong} is where it goes wrong: the derivation of {T} has "
            "{right} there.{note} Everything else is right: {target} = {fix}.",
            "several": "the {kind} {wrong} are where it goes wrong: the derivation of {T} has "
            "{right} there.{note} Everything else is right: {target} = {fix}.",
            "extra": "the {kind} {wrong} does not belong: the derivation of {T} has no such "
            "{kind}, and everything else in your formula is right: {target} = {fix}.",
        },
        _none,
        prior=0.01,
    ),
    Mistake(
        "missing-sum",
        "a missing sum over the examples",
        {
            "default": "{T} has the shape of {Of}, {target_shape}, one number per unit: the "
            "bias is added to every example's column, so its gradient sums the examples' "
            "gradients — {local}, the sum over {axis}, with keepdims=True. Write "
            "{target} = {fix}."
        },
        _missing_sum,
        prior=0.05,
    ),
    Mistake(
        "skipped-weights",
        "the gradient not sent back through the weights",
        {
            "default": "{wrong} is used where {local} belongs: the layer above reaches this one "
            "through its weights, Z = {W} A + b, so the gradient comes back multiplied by "
            "{W}ᵀ (each unit gets the errors of the units it feeds, weighted by {W}). Write "
            "{target} = {fix}."
        },
        _skipped_weights,
        prior=0.06,
    ),
    Mistake(
        "dropout-on-dZ",
        "the dropout mask applied to dZ instead of dA",
        {
            "default": "You apply the mask later, to {later}, instead: the mask multiplies entry "
            "by entry, so {later} comes out the same (⊙ commutes). But {T} itself is the "
            "gradient of the activations the forward pass masked, so it carries the mask: the "
            "forward pass masked A, the backward pass masks dA."
        },
        _none,
        prior=0.03,
    ),
    Mistake(
        "mask-always-one",
        "a relu mask that is all ones",
        {
            "default": "{wrong} is true for every unit: {A} = relu({Z}) is never negative, so "
            "the mask is all ones and the units with {Z} ≤ 0 — which relu cuts off, and which "
            "therefore get no gradient — get one. relu′({Z}) is 1 where {Z} > 0 and 0 elsewhere "
            "(the course takes 0 at exactly 0): write {A} > 0 or {Z} > 0. {target} = {fix}."
        },
        _none,
        _strict_mask,
        prior=0.06,
    ),
    Mistake(
        "sign-error",
        "a sign error",
        {
            "default": "there is a sign error: your formula is the negative of {T}. Write "
            "{target} = {fix}.",
            "term": "there is a sign error: one term has the wrong sign — your formula computes "
            "{wrong} where the derivation has {right_term}. Write {target} = {fix}.",
        },
        _sign_error,
        _drop_minus,
        prior=0.08,
    ),
    Mistake(
        "stray-factor",
        "a stray constant factor",
        {
            "default": "there is {title}: your formula is {k} times {T}. Nothing in the chain "
            "rule brings that number here (a 2 from ‖W‖² or from a square is used up by the "
            "derivative). Write {target} = {fix}."
        },
        _stray_factor,
        _drop_constant,
        prior=0.04,
    ),
    Mistake(
        "derivative-with-Z",
        "the derivative written with Z where it uses A",
        {
            "default": "{used} is {g}′ written with {Z} where its formula uses {A}: {g}′({Z}) = "
            "{deriv} because {A} = {g}({Z}) — in terms of {Z} it is {at_Z}. Write {target} = {fix}."
        },
        _derivative_with_Z,
        prior=0.07,
    ),
    Mistake(
        "derivative-times-Z",
        "g′(Z) read as g′ × Z",
        {
            "default": "{g}′({Z}) is the derivative evaluated at {Z}, not the derivative "
            "multiplied by {Z}: the factor is {deriv} alone. Write {target} = {fix}."
        },
        _derivative_times_Z,
        prior=0.03,
    ),
    Mistake(
        "output-formula-at-hidden-layer",
        "the output layer's formula at a hidden layer",
        {
            "default": "the labels Y enter only at the output layer: A[L] − Y (and the loss's "
            "derivative) belong to layer L, while hidden layer {l} gets its gradient from the "
            "layer above, through W[{n}]ᵀ. Write {target} = {fix}."
        },
        _output_formula_at_hidden,
        _write_derived,
        prior=0.04,
    ),
    Mistake(
        "bce-with-softmax",
        "the binary cross-entropy derivative used with softmax",
        {
            "default": "−Y/A + (1 − Y)/(1 − A) is the derivative of binary cross-entropy; with "
            "softmax the loss is the cross-entropy L = −Σ Y log A, whose derivative is −Y/A. "
            "Write {target} = {fix}."
        },
        _bce_with_softmax,
        prior=0.04,
    ),
    Mistake(
        "softmax-as-elementwise",
        "softmax differentiated as if it were elementwise",
        {
            "default": "softmax is not elementwise: each output depends on every Z of its "
            "column, so its Jacobian is not diagonal and A(1 − A) is only its diagonal. With "
            "cross-entropy the full Jacobian gives {target} = {fix}."
        },
        _softmax_as_elementwise,
        prior=0.04,
    ),
    Mistake(
        "l2-sum",
        "the L2 term summed",
        {
            "default": "the L2 term adds (λ/m) {W} — a matrix, one entry per weight — not "
            "(λ/m) Σ {W}: the derivative of (λ/2m) ‖{W}‖² with respect to each weight is "
            "(λ/m) times that weight, so the term is {local}: {target} = {fix}."
        },
        _l2_sum,
        prior=0.03,
    ),
    Mistake(
        "l2-coefficient",
        "a wrong coefficient on the L2 term",
        {
            "default": "the L2 term is {what}: the cost's (λ/2m) ‖{W}‖² has the gradient "
            "(λ/m) {W}. Write {target} = {fix}."
        },
        _l2_coefficient,
        prior=0.04,
    ),
    Mistake(
        "l2-half",
        "λ/(2m) kept from the cost",
        {
            "default": "λ/(2m) is the cost's coefficient; the derivative of ‖{W}‖² is 2 {W}, so "
            "the gradient's coefficient is λ/m. Write {target} = {fix}."
        },
        _l2_half,
        prior=0.04,
    ),
    Mistake(
        "l2-on-bias",
        "the L2 penalty applied to the bias",
        {
            "default": "the L2 penalty (λ/2m) Σ ‖W[l]‖² has no bias in it, so L2 changes dW "
            "and nothing else: {T} has no (λ/m) {b}. Write {target} = {fix}."
        },
        _l2_on_bias,
        prior=0.03,
    ),
    Mistake(
        "dropout-not-rescaled",
        "a dropout mask not divided by keep_prob",
        {
            "default": "the mask is applied but not divided by {kp}: inverted dropout divided "
            "the activations by keep_prob in the forward pass, so the gradient is divided by "
            "it too. Write {target} = {fix}."
        },
        _dropout_not_rescaled,
        prior=0.05,
    ),
    Mistake(
        "sum-of-product",
        "a sum that the matrix product already does",
        {
            "default": "{wrong} sums what the matrix product has already summed: dZ Aᵀ adds up "
            "the examples by itself (entry (i, j) is Σₖ dZ[i, k] A[j, k]), and {T} has the shape "
            "of {Of}, {target_shape}, so {local} needs no np.sum around it: {target} = {fix}."
        },
        _sum_of_product,
        _unsum_product,
        prior=0.04,
    ),
    Mistake(
        "inverse-for-transpose",
        "an inverse where the transpose belongs",
        {
            "default": "the transpose is not an inverse: going back through Z = W A multiplies "
            "the gradient by Wᵀ, because ∂Z[i, k]/∂A[j, k] = W[i, j] — the same numbers, "
            "transposed; nothing is inverted (W need not even be square). Write {local} for "
            "{wrong}: {target} = {fix}."
        },
        _inverse_for_transpose,
        _transpose_for_inverse,
        prior=0.04,
    ),
)

BY_NAME: dict[str, Mistake] = {m.name: m for m in MISTAKES}


def chain_for(
    ctx_names: Mapping[str, Expr],
    layer: int,
    g: scalar.ElementwiseFn,
    upstream: tuple[Expr, ...],
    definitions: Mapping[Expr, Expr],
) -> Chain:
    """The chain-rule spelling of ``dZ[layer]`` for an elementwise activation ``g``."""
    Z, A = ctx_names[f"Z{layer}"], ctx_names[f"A{layer}"]
    return Chain(layer, g, Z, A, upstream, fold(derivative_of(g, Z), definitions))
