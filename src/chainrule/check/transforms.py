"""The transformations of the mistake library: how each named mistake turns the correct formula
into the learner's (``mutate``, on IR) and the learner's back into the correct one (``repair``, on
the syntax tree). :mod:`.mistakes` pairs them with their names, explanations and priors.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable, Iterator, Mapping

from .. import scalar
from ..algebra.bridge import Atoms, from_sympy
from ..algebra.simplify import substitute
from ..ir import build
from ..ir.expr import Expr, walk
from ..ir.shapes import fmt_shape
from ..rules.primitives import derivative_of
from .edits import (
    _attempt,
    _bare,
    _edits,
    _func,
    _has_t,
    _np_dot,
    _operands,
    _product_operands,
    _rewrite,
    _sites,
    _text,
    _whole,
    np_text,
)
from .learner import show
from .records import Context, Repair, Variant


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
    """``a * b`` → ``a @ b`` where the learner writes ``@``, else the course's ``np.dot(a, b)``;
    ``np.multiply(a, b)`` → ``np.dot(a, b)``, the learner's own family of spellings."""
    at = any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.MatMult) for n in ast.walk(tree))

    def local(n: ast.AST, tree: ast.Expression) -> Iterator[tuple[ast.AST, dict]]:
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):
            fixed = ast.BinOp(n.left, ast.MatMult(), n.right) if at else _np_dot(n.left, n.right)
            yield fixed, {"wrong": show(n), "fix": show(fixed)}
        elif _func(n) == "multiply" and len(n.args) == 2 and not n.keywords:
            fixed = _np_dot(n.args[0], n.args[1])
            yield fixed, {"wrong": show(n), "fix": show(fixed), "situation": "multiply"}

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

    yield from _sites(ctx, local)
    yield from _every_sum_axis(ctx)


def _missing_path(ctx: Context) -> Iterator[Variant]:
    """The multivariable chain rule with one use left out: a quantity that reaches the cost
    several ways (Z: directly, through μ, through σ²) gets the sum of every way's term."""
    if len(ctx.paths) < 2:
        return
    for i, (consumer, term) in enumerate(ctx.paths):
        rest = [t for j, (_, t) in enumerate(ctx.paths) if j != i]
        total = rest[0]
        for t in rest[1:]:
            total = build.np_add(total, t)
        new = _attempt(lambda x=total: x if x.shape == ctx.forms[0].shape else None)
        if new is not None:
            yield new, {"consumer": consumer, "term": np_text(term), "form": ctx.forms[0]}


def _every_sum_axis(ctx: Context) -> Iterator[Variant]:
    """Every sum over one axis moved to the other at once: a learner who takes the examples to
    lie along the other axis writes all of a formula's sums that way (batch norm's two Σⱼ)."""
    for form in ctx.forms:
        sums = [n for n in walk(form) if n.op == "sum" and n.attrs[0] in (0, 1) and n.attrs[1]]
        for axis in sorted({n.attrs[0] for n in sums}):
            moved = [n for n in sums if n.attrs[0] == axis]
            if len(moved) < 2:
                continue
            table = {n: build.sum_(n.args[0], 1 - axis, True) for n in moved}
            new = _attempt(lambda t=table, f=form: substitute(f, t))
            if new is not None and new.shape == form.shape:
                fields = {"wrong": "every sum of your formula", "fix": f"axis={axis} in each"}
                yield new, {**fields, "wrong_axis": _axis_words(1 - axis, ctx),
                            "right_axis": _axis_words(axis, ctx), "form": form}  # fmt: skip


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

    yield from _edits(tree, local)
    yield from _every_axis_changed(tree, ctx)


def _set_axis(call: ast.Call, axis: int) -> None:
    """``axis=`` of a call set in place (keyword or second positional), the spelling kept."""
    for k in call.keywords:
        if k.arg == "axis":
            k.value = ast.Constant(axis)
            return
    call.args = [call.args[0], ast.Constant(axis), *call.args[2:]]


def _every_axis_changed(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    """The learner's sums over one axis all moved to the other (see :func:`_every_sum_axis`)."""
    calls = [n for n in ast.walk(tree) if _func(n) in ("sum", "mean")]
    for axis in (0, 1):
        moved = [n for n in calls if _keyword(n, "axis") == axis]
        if len(moved) < 2:
            continue
        fixed = copy.deepcopy(tree)
        for n in (n for n in ast.walk(fixed) if _func(n) in ("sum", "mean")):
            if _keyword(n, "axis") == axis:
                _set_axis(n, 1 - axis)
        fields = {"wrong": "every sum of your formula", "fix": f"axis={1 - axis} in each"}
        yield fixed, {**fields, "wrong_axis": _axis_words(axis, ctx),
                      "right_axis": _axis_words(1 - axis, ctx)}  # fmt: skip


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
    situation = "default" if ctx.model else situation
    return _whole(ctx, lambda f: build.scale(build.dim(ctx.batch), f), {"situation": situation})


def _extra_inv_m(ctx: Context) -> Iterator[Variant]:
    situation = (
        "exact"
        if ctx.convention == "exact"
        else "per-example"
        if ctx.kind == "intermediate"
        else "twice"
    )
    situation = "default" if ctx.model else situation
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
            if _number(n.left) and isinstance(n.op, ast.Div) and n.left.value != 1:
                yield ast.BinOp(ast.Constant(type(n.left.value)(1)), ast.Div(), n.right), {}

    yield from _edits(tree, local)
    for k in (2, 4):
        yield ast.Expression(body=ast.BinOp(tree.body, ast.Div(), ast.Constant(k))), {}
        yield ast.Expression(body=ast.BinOp(ast.Constant(k), ast.Mult(), tree.body)), {}


def _bias_like_weight(ctx: Context) -> Iterator[Variant]:
    """db[l] = Σ dZ[l] A[l−1]ᵀ: the bias gradient written like the weight gradient, with the
    layer's input multiplied in (Z = W A + b: ∂Z/∂b is 1, b multiplies nothing)."""
    match = re.fullmatch(r"db(\d+)", ctx.target)
    a_prev = None if match is None else ctx.names.get(_input_name(int(match.group(1))))
    if a_prev is None:
        return iter(())
    ax = ctx.examples_axis

    def product(dz: Expr) -> Expr:
        t = build.transpose(a_prev)
        return build.matmul(dz, t) if ax == 1 else build.matmul(t, dz)

    def local(n: Expr, ctx: Context) -> Iterator[tuple[Expr | None, dict]]:
        if n.op == "sum" and n.attrs[0] == ax:
            new = _attempt(lambda: build.sum_(product(n.args[0]), ax, True))
            if new is not None and new.shape == n.shape:
                yield new, {"input": np_text(a_prev), "wrong": np_text(new), "local": np_text(n)}

    return _sites(ctx, local)


def _input_name(l: int) -> str:  # noqa: E741 - the course's layer index
    return "X" if l == 1 else f"A{l - 1}"


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
    return max((int(n[1:]) for n in ctx.names if re.fullmatch(r"Z\d+", n)), default=0)


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


def _derivative_twice(ctx: Context) -> Iterator[Variant]:
    """dZ[L] = (A[L] − Y) ⊙ g′(Z[L]) where A[L] − Y already is dZ[L] (sigmoid with
    cross-entropy: g′ cancelled against the loss's derivative, so it is applied twice)."""
    c, L, Y = ctx.chain, _output_layer(ctx), ctx.names.get("Y")
    if c is None or Y is None or ctx.target != f"dZ{L}" or c.layer != L:
        return
    delta = build.np_sub(c.A, Y)
    if delta not in ctx.forms:  # A[L] − Y is not dZ[L] (squared error: there g′ belongs)
        return
    for local in dict.fromkeys([c.derivative, derivative_of(c.g, c.Z)]):
        v = _attempt(lambda g=local: build.np_mul(delta, g))
        if v is not None:
            yield v, {**_chain_fields(ctx), "used": np_text(local), "form": delta}


def _drop_derivative(tree: ast.Expression, ctx: Context) -> Iterator[Repair]:
    """The learner's own ``A2 - Y`` out of ``(A2 - Y) * g′``: the whole formula becomes it."""
    for n in ast.walk(tree.body):
        if n is not tree.body and _is_delta(n):
            yield ast.Expression(body=n), {"wrong": show(tree), "fix": show(n)}


def _is_delta(n: ast.AST) -> bool:
    """``A2 - Y`` (any A): the output's error, as the learner wrote it."""
    return (
        isinstance(n, ast.BinOp)
        and isinstance(n.op, ast.Sub)
        and isinstance(n.right, ast.Name)
        and n.right.id == "Y"
    )


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
