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


@dataclass(frozen=True)
class Mistake:
    """One named mistake (see the module docstring)."""

    name: str
    title: str
    explanation: Mapping[str, str]  # situation → template; "default" is always there
    mutate: Callable[[Context], Iterator[Variant]]
    repair: Callable[[ast.Expression, Context], Iterator[Repair]] | None = None

    def explain(self, fields: Mapping[str, object]) -> str:
        template = self.explanation.get(str(fields.get("situation")), self.explanation["default"])
        return template.format(**fields)


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
    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):
            fixed = ast.BinOp(n.left, ast.MatMult(), n.right)
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
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.MatMult):
            fixed = ast.BinOp(n.left, ast.Mult(), n.right)
            yield fixed, {"wrong": show(n), "fix": show(fixed)}

    return _edits(tree, local)


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


def _wrong_layer_index(ctx: Context) -> Iterator[Variant]:
    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if n.op == "var":
            for other in _relayer(n.name, ctx.names):
                yield ctx.names[other], {"wrong": other, "right": n.name}

    return _sites(ctx, local)


def _reindex(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        if isinstance(n, ast.Name) and id(n) in ok:
            wrong = "X" if n.id == "A0" else n.id
            for other in _relayer(wrong, ctx.names):
                yield ast.Name(id=other, ctx=ast.Load()), {"wrong": n.id, "right": other}

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


def _is_inv_m(n: ast.AST) -> bool:
    return (
        isinstance(n, ast.BinOp)
        and isinstance(n.op, ast.Div)
        and isinstance(n.left, ast.Constant)
        and n.left.value == 1
        and isinstance(n.right, ast.Name)
        and n.right.id == "m"
    )


def _drop_inv_m(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    """Take a 1/m out: ``x / m`` → ``x``, ``(1/m) * x`` → ``x``, ``np.mean`` → ``np.sum``."""

    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div):
            if isinstance(n.right, ast.Name) and n.right.id == "m":
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
    ),
    Mistake(
        "wrong-activation-derivative",
        "the derivative of the wrong activation",
        {
            "default": "{used} is the derivative of {h}, but layer {l} uses {g}, whose derivative "
            "is {g}′({Z}) = {deriv}: {target} = {fix}."
        },
        _wrong_activation_derivative,
    ),
    Mistake(
        "derivative-at-A",
        "g′ evaluated at A instead of Z",
        {
            "default": "the derivative {g}′ is evaluated at {A} instead of {Z}: {A} = {g}({Z}), "
            "so the chain rule needs {g}′({Z}) = {deriv}. Write {target} = {fix}."
        },
        _derivative_at_A,
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
    ),
    Mistake(
        "wrong-sum-axis",
        "a sum over the wrong axis",
        {"default": "{wrong} sums over {wrong_axis}, but {T} sums over {right_axis}: write {fix}."},
        _wrong_sum_axis,
        _change_axis,
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
    ),
    Mistake(
        "wrong-layer-index",
        "a quantity from the wrong layer",
        {"default": "{wrong} is from the wrong layer: {T} uses {right} there."},
        _wrong_layer_index,
        _reindex,
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
