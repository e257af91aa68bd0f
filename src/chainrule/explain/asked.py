"""Which of the learners' questions bear on one step of one network (see
:mod:`chainrule.explain.questions`)."""

from __future__ import annotations

from ..autodiff.derivation import Derivation, Step
from ..nets.network import Network
from . import questions_layers as hidden_q
from . import questions_output as output_q
from .questions import Answer, Numbers, layer_of

__all__ = ["answers"]


def answers(net: Network, d: Derivation, step: Step, values: dict) -> tuple[Answer, ...]:
    """The learners' questions about ``step`` of ``net`` (see the module docstring)."""
    s, t, conv, layer = net.spec, step.target, d.convention, layer_of(step.target)
    if layer is None or d.program.batch is None:
        return ()
    n = Numbers(net, d, values)
    kind, L = t.rstrip("0123456789"), s.L
    out: list[Answer] = []
    if layer == L and kind in ("dZ", "dA") and s.output == "sigmoid" and s.loss == "bce":
        out += [output_q.cancellation(n)] if kind == "dZ" else []
        out.append(output_q.log_one_minus(n))
    if layer == L and kind == "dZ" and s.output == "softmax" and s.loss == "ce":
        out.append(output_q.softmax(n))
    hidden = layer < L
    if hidden and kind == "dZ" and s.hidden[layer - 1].name == "relu":
        out.append(hidden_q.relu(n, layer))
    if hidden and kind in ("dA", "dA_drop", "dZ"):
        out.append(hidden_q.transpose(n, layer, conv))
    if hidden and kind in ("dA", "dZ") and f"dA_drop{layer}" in d.targets:
        out.append(hidden_q.dropout(n, layer, conv))
    if s.l2 and kind in ("dW", "db"):
        out.append(hidden_q.l2(n, layer, conv))
    if kind == "db":
        out.append(hidden_q.keepdims(n, layer, conv))
    if kind in ("dW", "db", "dZ"):
        out.append(hidden_q.one_over_m(n, t))
    return tuple(out)
