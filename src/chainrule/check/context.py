"""The context of one quantity: its correct forms, its names, its chain rule, for the mistakes.

Everything the library of mistakes (:mod:`.mistakes`) needs to know about the quantity being
checked — the derived formula written three ways (derived, written out, ``dA ⊙ g′(Z)``), every
named quantity of the network, the template fields (``T`` = dZ[1], ``Of`` = Z[1]) — gathered once.
"""

from __future__ import annotations

import re

from .. import scalar
from ..autodiff import Derivation, Step
from ..ir import build
from ..ir.expr import Expr
from ..ir.shapes import fmt_shape
from ..nets import Network
from ..printers.text import target_text
from .records import Chain, Context, chain_for

__all__ = ["context", "quantity_names", "template_fields"]


def quantity_names(d: Derivation) -> dict[str, Expr]:
    """Every forward quantity and every gradient of ``d`` by name, as the learner may write them."""
    return {**d.program.names, **{s.target: build.var(s.target, s.shape) for s in d.steps}}


def template_fields(step: Step) -> dict[str, str]:
    """The fields the mistakes' texts are filled with (``T`` = dZ[1], ``Of`` = Z[1], …)."""
    return {
        "target": step.target,
        "T": target_text(step.target, True),
        "Of": target_text(step.of, True),
        "target_shape": fmt_shape(step.shape),
    }


def context(net: Network, d: Derivation, step: Step) -> Context:
    program = d.program
    names = quantity_names(d)
    chain = _chain(d, step, names)
    forms = [step.expr, step.expanded]
    if chain is not None:
        forms += [build.np_mul(up, chain.derivative) for up in chain.upstream]
    fields = template_fields(step)
    return Context(
        step.target,
        step.of,
        step.kind,
        d.convention,
        program.batch,
        1 if net.spec.layout == "columns" else 0,
        tuple(dict.fromkeys(forms)),
        names,
        fields,
        chain,
        _activations(net),
        net.spec.output == "softmax",
    )


def _chain(d: Derivation, step: Step, names: dict[str, Expr]) -> Chain | None:
    """``dZ[l] = dA[l] ⊙ g′(Z[l])`` when A[l] = g(Z[l]) for an elementwise g."""
    match = re.fullmatch(r"dZ(\d+)", step.target)
    if match is None or f"dA{match.group(1)}" not in d:
        return None
    l = int(match.group(1))
    a = d.program.equation(f"A{l}").expr
    if a.op != "fn" or a.args[0] != names[f"Z{l}"]:
        return None
    upstream = tuple(dict.fromkeys([names[f"dA{l}"], d[f"dA{l}"].expanded]))
    return chain_for(names, l, a.attrs[0], upstream, d.program.definitions)


def _activations(net: Network) -> tuple[scalar.ElementwiseFn, ...]:
    """The activations a learner may confuse: the common ones and the network's own."""
    common = [scalar.lookup(n) for n in ("sigmoid", "tanh", "relu", "leaky_relu", "softplus")]
    own = list(net.spec.hidden)
    if net.spec.output in ("sigmoid", "tanh", "relu"):
        own.append(scalar.lookup(net.spec.output))
    return tuple(dict.fromkeys([*own, *common]))
