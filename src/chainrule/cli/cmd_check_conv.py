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
from .loop_report import report_loop_checks
from .options import format_option, output_option


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
    report_loop_checks(file, fmt, out, check_conv)
