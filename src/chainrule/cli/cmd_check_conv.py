"""``chainrule check-conv FILE``: judge a learner's ``conv_backward`` / ``pool_backward`` loops.

The file is read as text and interpreted by a whitelist over its syntax tree (never imported or
run by Python; see :mod:`chainrule.check.loops`); the verdict names each mistake with its line and
the corrected line. Exit status 0 when every function is correct, 1 when one is wrong, 2 when the
file cannot be read.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..check.conv_check import check_conv
from ..errors import DataError
from .options import emit, emit_json, format_option, output_option

MAX_BYTES = 200_000


@click.command("check-conv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@format_option("text", "json")
@output_option
def command(file: Path, fmt: str, out: Path | None) -> None:
    """Check the conv_backward(dZ, cache) and pool_backward(dA, cache, mode) in FILE against the
    derived gradients; name each mistake (padding not cut off, no stride, = for +=, a flipped
    kernel, mixed-up channels, no max mask) with its line and the corrected line.

    \b
    Example:
      chainrule check-conv my_conv_backward.py
    """
    if file.stat().st_size > MAX_BYTES:
        raise DataError(f"{file} is larger than {MAX_BYTES} bytes: paste only the functions")
    checks = check_conv(file.read_text(encoding="utf-8"))
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
