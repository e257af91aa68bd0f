"""Every command and every number in README.md runs here.

The fenced code blocks are read from the file itself:

* ``python`` blocks are executed in one namespace, in order; an expression statement whose line
  ends in a comment that starts with a number (``net.accuracy(…)  # 90.75 — …``) must evaluate to
  that number (to the digits shown);
* blocks of ``$ chainrule …`` lines are run through the CLI in-process, from the repository's
  root; every output line shown under a command must appear in what it prints (``…`` stands for
  text left out, ``...`` alone for lines left out), and the command must exit 0 unless the block
  shows ``[exit status N]`` as its last line (a check that finds a mistake exits 1);
* ``sh`` blocks: each ``make TARGET`` must be a target of the Makefile (``make -n``), each
  ``chainrule …`` line is run and must succeed;
* the command-line table's commands are run as written, and must succeed.
"""

from __future__ import annotations

import ast
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from chainrule.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
BLOCKS = [(lang, body) for lang, body in FENCE.findall(README)]
NUMBER = re.compile(r"#\s*(-?\d+(?:\.\d+)?)\b")


def _sessions() -> list[tuple[list[str], list[str]]]:
    """``($ command, expected output lines)`` from the console blocks."""
    out = []
    for lang, body in BLOCKS:
        if lang not in ("", "console"):
            continue
        for chunk in re.split(r"^(?=\$ )", body, flags=re.M):
            if chunk.startswith("$ chainrule "):
                command, *shown = chunk.rstrip("\n").split("\n")
                out.append((_argv(command[2:]), shown))
    return out


def _argv(command: str) -> list[str]:
    argv = shlex.split(command.replace("\\\n", " "))
    assert argv[0] == "chainrule"
    return argv[1:]


def _matches(shown: str, printed: list[str]) -> bool:
    """``shown`` is a printed line, with ``…`` for left-out text inside it."""
    pieces = [p.strip() for p in shown.strip().split("…")]
    pattern = ".*".join(re.escape(p) for p in pieces)
    return any(re.fullmatch(pattern, line.strip()) for line in printed)


EXIT = re.compile(r"\[exit status (\d+)\]")


def run(capsys: pytest.CaptureFixture, argv: list[str], expect: int = 0) -> str:
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == expect, f"chainrule {' '.join(argv)} → exit {status}: {err}"
    return out


SESSIONS = _sessions()


def test_the_readme_has_the_blocks_this_test_reads() -> None:
    langs = [lang for lang, _ in BLOCKS]
    assert "python" in langs and "sh" in langs
    assert any(argv[0] == "train" for argv, _ in SESSIONS), "no complete `chainrule train` example"
    assert "pip install -e" in README and "[torch]" in README  # the extras, from a clone


@pytest.mark.parametrize(("argv", "shown"), SESSIONS, ids=[" ".join(a) for a, _ in SESSIONS])
def test_console_session(
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    shown: list[str],
) -> None:
    monkeypatch.chdir(ROOT)  # the files a command reads (examples/…) are named from the root
    status = EXIT.fullmatch(shown[-1].strip()) if shown else None
    if status:
        shown = shown[:-1]
    printed = run(capsys, argv, int(status.group(1)) if status else 0).splitlines()
    for line in shown:
        if line.strip() in ("...", ""):
            continue
        assert _matches(line, printed), f"{line!r} is not in the output of chainrule {argv}"


def _table_commands() -> list[list[str]]:
    rows = [r for r in README.splitlines() if r.startswith("| `chainrule ")]
    return [_argv(re.match(r"\| `(chainrule [^`]+)`", r).group(1)) for r in rows]


TABLE = _table_commands()


@pytest.mark.parametrize("argv", TABLE, ids=[" ".join(a) for a in TABLE])
def test_table_command_runs_as_written(
    capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    assert "…" not in " ".join(argv)
    monkeypatch.chdir(tmp_path)  # the files a command writes (model.npz, plots) go here
    (tmp_path / "examples").symlink_to(ROOT / "examples")  # and those it reads are there
    run(capsys, argv)


def test_sh_blocks(capsys: pytest.CaptureFixture) -> None:
    seen = 0
    for lang, body in BLOCKS:
        if lang != "sh":
            continue
        for line in body.splitlines():
            command = line.split("#")[0].strip()
            if command.startswith("make "):
                subprocess.run(["make", "-n", "-C", str(ROOT), *command.split()[1:]], check=True,
                               capture_output=True)  # fmt: skip
                seen += 1
            elif command.startswith("chainrule "):
                run(capsys, _argv(command))
                seen += 1
    assert seen


def _python_blocks() -> list[str]:
    return [body for lang, body in BLOCKS if lang == "python"]


def test_python_blocks_run_and_their_numbers_are_true(
    capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # open("examples/…") as from a clone's root
    namespace: dict = {}
    checked = 0
    for body in _python_blocks():
        lines = body.splitlines()
        for stmt in ast.parse(body).body:
            code = compile(ast.Module([stmt], []), "README.md", "exec")
            line = lines[stmt.end_lineno - 1]
            claim = NUMBER.match(line[line.find("#") :]) if "#" in line else None
            if isinstance(stmt, ast.Expr) and claim:
                value = eval(compile(ast.Expression(stmt.value), "README.md", "eval"), namespace)
                digits = len(claim.group(1).split(".")[1]) if "." in claim.group(1) else 0
                assert round(float(value), digits) == float(claim.group(1)), (line, value)
                checked += 1
            else:
                exec(code, namespace)
    capsys.readouterr()
    assert checked, "no number in the README's Python is checked"
