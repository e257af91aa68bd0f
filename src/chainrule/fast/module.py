"""The fast module's source: one ``build(m, dtype, grads)`` that allocates and returns ``step``.

``net.source()`` prints the derivation as the course writes it; this prints the *same* statements
(see :mod:`chainrule.fast.plan`) as in-place NumPy calls (see :mod:`chainrule.fast.lower`), each
preceded by the formula it computes. The printed module is plain Python::

    step, buffers = build(m, dtype, grads)       # allocate once per batch size and dtype
    J = step(W1, b1, …, X, Y, scale=1.0, want_cost=True)   # grads now hold scale·∂J/∂θ
"""

from __future__ import annotations

from dataclasses import dataclass

from ..algebra.stable import stable_program
from ..ir.expr import Expr, leaves
from ..ir.shapes import fmt_shape
from ..printers.numpy_code import NumpyPrinter
from ..printers.numpy_module import helpers_used
from .forms import cost_reads, emit_cost, emit_softmax, softmax_of
from .lower import Emitter
from .plan import SCALE, Plan, make_plan

__all__ = ["FastSpec", "fast_spec", "fast_source"]

_BODY = "        "


@dataclass(frozen=True)
class FastSpec:
    """Everything the runtime needs to know about the printed module."""

    source: str
    inputs: tuple[str, ...]  # the step's positional arguments before ``scale``
    outputs: dict[str, tuple]  # gradient name → shape (as the program declares it)
    batch: str  # the examples dimension's name ("m")
    batch_axis: int  # where it sits in X
    rescaled: bool
    plan: Plan


def fast_spec(net: object, rescale: bool = True) -> FastSpec:
    """Plan and print the fast step of ``net`` (a :class:`chainrule.Network`)."""
    program = stable_program(net.program)
    plan = make_plan(program, net.derive("course"), f"A{net.L}", rescale)
    shapes = {s.target: s.expr.shape for s in plan.backward}
    outputs = {k: shapes[k] for k in plan.outputs}
    inputs = tuple(v.name for v in program.inputs)
    X = next(v for v in program.inputs if v.name == "X")
    source = _module(net, plan, inputs, outputs)
    axis = X.shape.index(program.batch)
    return FastSpec(source, inputs, outputs, program.batch, axis, plan.rescaled, plan)


def fast_source(net: object, rescale: bool = True) -> str:
    """The readable source of ``net``'s fast step."""
    return fast_spec(net, rescale).source


def _module(net: object, plan: Plan, inputs: tuple, outputs: dict) -> str:
    em = Emitter(list(inputs) + [SCALE.name], outputs, indent=_BODY)
    _body(em, plan, net.spec)
    head = _header(net, plan)
    helpers = helpers_used(em.printed)
    return "\n\n".join([head, "import numpy as np\n", *helpers, _build(em, inputs, outputs)])


def _header(net: object, plan: Plan) -> str:
    scaled = (
        "The backward pass carries c = scale/m from the root dZ[L] on, so dW = dZ A_prevᵀ and\n"
        "db = Σ dZ need no 1/m; the grads arrays receive scale·∂J/∂θ (scale = lr: a GD step).\n"
        if plan.rescaled
        else "The grads arrays receive scale·∂J/∂θ.\n"
    )
    shared = (
        f"relu′ is read from the activation, 𝟙[Z > 0] = 𝟙[A > 0] ({', '.join(plan.shared)}),\n"
        "so Z is overwritten in place by A.\n"
        if plan.shared
        else ""
    )
    return (
        f'"""Fast NumPy step printed by chainrule.fast from the network {net.describe()}.\n\n'
        "The same statements as net.source(), pruned to what dW and db need, computed in place\n"
        "into buffers allocated once by build(); each block is preceded by its formula.\n"
        f'{scaled}{shared}"""\n'
    )


# -- the body: forward, cost (when asked), backward -----------------------------------------------
def _items(plan: Plan, spec: object) -> tuple[list[tuple], tuple, Expr, Expr]:
    """(kind, target, expr, reads, teaching) in execution order, and the cost's form."""
    eqs = {eq.name: eq.expr for eq in plan.program.equations}
    form = _cost_form(plan, spec, eqs)
    items = []
    for st in plan.forward:
        kind = "softmax" if softmax_of(st.expr) else "eq"
        items.append((kind, st.target, st.expr, _names(st.expr), None))
    items.append(("cost", "J", None, cost_reads(form, eqs["L"], eqs["J"]), None))
    for st in plan.backward:
        items.append(("eq", st.target, st.expr, _names(st.expr), st.teaching))
    return items, form, eqs["L"], eqs["J"]


def _names(e: Expr) -> set[str]:
    return {v.name for v in leaves(e)}


def _cost_form(plan: Plan, spec: object, eqs: dict) -> tuple:
    """Which closed form sums the loss (see :mod:`chainrule.fast.forms`)."""
    a = eqs[plan.output]
    y = next(v for v in plan.program.inputs if v.name == "Y")
    if spec.loss == "bce" and a.op == "fn" and a.attrs[0].name == "sigmoid" and a.args[0].is_leaf:
        return ("bce", a.args[0], y)
    if spec.loss == "ce" and softmax_of(a):
        return ("ce", softmax_of(a)[0], y, str(spec.L))
    if spec.loss == "mse":
        return ("mse", next(eq.var for eq in plan.program.equations if eq.name == plan.output), y)
    return ("generic",)


def _dying(items: list[tuple]) -> list[set[str]]:
    """For each item, the quantities no later item reads."""
    last: dict[str, int] = {}
    for i, item in enumerate(items):
        for n in item[3]:
            last[n] = i
        last.setdefault(item[1], i)
    out: list[set[str]] = [set() for _ in items]
    for n, i in last.items():
        out[i].add(n)
    return out


def _body(em: Emitter, plan: Plan, spec: object) -> None:
    items, form, loss, cost = _items(plan, spec)
    printer = NumpyPrinter()
    backward_started = False
    for (kind, target, e, _, teaching), dying in zip(items, _dying(items), strict=True):
        if kind == "softmax":
            z, axis = softmax_of(e)
            emit_softmax(em, target, z, axis, dying, str(spec.L))
        elif kind == "cost":
            _cost_block(em, form, loss, cost, dying)
        else:
            if teaching is not None and not backward_started:
                em.line("# backward")
                backward_started = True
            shown = teaching if teaching is not None else e
            em.statement(target, e, dying, f"{target} = {printer.shaped(shown)}")
    em.line("return J")


def _cost_block(em: Emitter, form: tuple, loss: Expr, cost: Expr, dying: set[str]) -> None:
    em.line("J = None")
    em.line("if want_cost:  # J = (1/m) Σ L, summed in closed form (no L array)")
    outer = em.indent
    em.indent = outer + "    "
    emit_cost(em, form, loss, cost)
    em.indent = outer
    em.kill(dying)


# -- the module around it -------------------------------------------------------------------------
def _build(em: Emitter, inputs: tuple, outputs: dict) -> str:
    args = ", ".join([*inputs, "scale=1.0", "want_cost=False"])
    names = ", ".join(outputs)
    lines = [
        "def build(m, dtype, grads):",
        '    """Allocate every buffer once for m examples of dtype; return (step, buffers).',
        "",
        "    grads maps each gradient name to the caller's array, which step overwrites.",
        '    """',
        f"    {names}{',' if len(outputs) == 1 else ''} = "
        + ", ".join(f'grads["{k}"]' for k in outputs),
    ]
    for b in em.buffers:
        holds = ", ".join(b.holds)
        lines.append(f"    {b.name} = np.empty({fmt_shape(b.shape)}, dtype)  # {holds}")
    lines += [
        "",
        f"    def step({args}):",
        '        """scale·∂J/∂θ into grads; returns the cost J if want_cost, else None."""',
        *em.lines,
        "",
        f"    return step, [{', '.join(b.name for b in em.buffers)}]",
    ]
    return "\n".join(lines) + "\n"
