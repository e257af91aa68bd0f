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
from ..errors import DataError
from .options import emit, emit_json, format_option, output_option

MAX_BYTES = 200_000


@click.command("check-rnn")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@format_option("text", "json")
@output_option
def command(file: Path, fmt: str, out: Path | None) -> None:
    """Check the rnn_cell_backward / rnn_backward (and lstm_cell_backward / lstm_backward) in FILE
    against the derived backpropagation through time; name each mistake (the next step's or the
    output's gradient left out of da_next, = for +=, a⟨t⟩ for a⟨t−1⟩, tanh′ at the wrong step,
    dc_prev without Γf, a gate's slices mixed up) with its line and the corrected line.

    \b
    Example:
      chainrule check-rnn my_rnn_backward.py
    """
    if file.stat().st_size > MAX_BYTES:
        raise DataError(f"{file} is larger than {MAX_BYTES} bytes: paste only the functions")
    checks = check_rnn(file.read_text(encoding="utf-8"))
    if fmt == "json":
        emit_json([_json(c) for c in checks], out)
    else:
        emit("\n".join(c.text() for c in checks), out)
    if not all(c.correct for c in checks):
        raise SystemExit(1)


def _json(c: object) -> dict:
    return {
        "function": c.function,
        "correct": c.correct,
        "findings": [
            {
                "mistake": f.mistake,
                "title": f.title,
                "line": f.line,
                "written": f.written,
                "corrected": f.corrected,
                "why": f.why,
            }
            for f in c.findings
        ],
        "differs": list(c.differs),
        "error": c.error,
    }
