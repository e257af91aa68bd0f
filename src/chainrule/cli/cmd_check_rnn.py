"""``chainrule check-rnn FILE``: judge a learner's RNN and LSTM backward passes (BPTT).

The file is read as text and interpreted by a whitelist over its syntax tree (never imported or
run by Python; see :mod:`chainrule.check.loops`); the verdict names each mistake with its line and
the corrected line. Exit status 0 when every function is correct, 1 when one is wrong, 2 when the
file cannot be read.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..check.recur_check import check_rnn
from .loop_report import report_loop_checks
from .options import format_option, output_option


@click.command("check-rnn")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@format_option("text", "json")
@output_option
def command(file: Path, fmt: str, out: Path | None) -> None:
    """Check the rnn_cell_backward / rnn_backward (and lstm_cell_backward / lstm_backward) in FILE
    against the derived backpropagation through time; name each mistake (the next step's or the
    output's gradient left out of da_next, the carried da_prev/dc_prev never read back, = for +=,
    a⟨t⟩ for a⟨t−1⟩, tanh′ at the wrong step, dc_prev without Γf, a gate's slices mixed up or
    missing, the gates' derivatives left out of da_prev/dxt, a product without its transpose, a
    weight read from a global) with its line and the corrected line.

    \b
    Example:
      chainrule check-rnn my_rnn_backward.py
    """
    report_loop_checks(file, fmt, out, check_rnn)
