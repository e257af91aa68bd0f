"""The shared body of ``chainrule check-conv`` and ``chainrule check-rnn``: read the learner's file
(bounded), judge its functions with a loop checker, print the verdicts, exit 1 when one is wrong.

A loop checker (:mod:`chainrule.check.conv_check`, :mod:`chainrule.check.recur_check`) interprets
the file's functions by a whitelist over their syntax tree — never imported or run by Python — and
returns one ``LoopCheck`` per function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import DataError
from .options import emit, emit_json

MAX_BYTES = 200_000


def report_loop_checks(
    file: Path, fmt: str, out: Path | None, check: Callable[[str], Sequence]
) -> None:
    """Judge ``file`` with ``check``; print the verdicts (text or JSON); exit 1 if one is wrong."""
    if file.stat().st_size > MAX_BYTES:
        raise DataError(f"{file} is larger than {MAX_BYTES} bytes: paste only the functions")
    checks = check(file.read_text(encoding="utf-8"))
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
