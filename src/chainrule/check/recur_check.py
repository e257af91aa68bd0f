"""``cr.check_rnn``: a learner's backpropagation through time — the course's
``rnn_cell_backward`` / ``rnn_backward`` (:mod:`.rnn_check`) and ``lstm_cell_backward`` /
``lstm_backward`` (:mod:`.lstm_check`) — read by the whitelist of :mod:`.loops` and judged against
the BPTT that :func:`chainrule.recurrence` derives, each mistake named at its line.
"""

from __future__ import annotations

from ..errors import ParseError
from .conv_check import LoopCheck
from .loops import read_program
from .lstm_check import check_lstm
from .rnn_check import _OUTPUTS, check_rnn_program

__all__ = ["check_rnn"]


def check_rnn(text: str) -> tuple[LoopCheck, ...]:
    """Judge the ``rnn_cell_backward(da_next, cache)``, ``rnn_backward(da, caches)``,
    ``lstm_cell_backward(da_next, dc_next, cache)`` and ``lstm_backward(da, caches)`` in ``text``
    (those it defines, as the course's notebook writes them) against the derived BPTT."""
    program = read_program(text)
    if not set(program.functions) & set(_OUTPUTS):
        raise ParseError(
            "no rnn_cell_backward, rnn_backward, lstm_cell_backward or lstm_backward in the text",
            hint="paste the whole functions, as the course's notebook writes them",
        )
    return (*check_rnn_program(program), *check_lstm(program))
