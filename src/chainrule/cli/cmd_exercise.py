"""``chainrule exercise``: seeded backprop exercises — ask and grade, batches, class reports,
nbgrader notebooks.

``chainrule exercise --seed 7`` asks in the terminal and reads answers from standard input (a
line each; ``hint`` for the next rung of the ladder, ``quit`` to stop); at the end of the input it
stops, so a pipe drives it and no input never hangs. ``--answer`` grades one answer without
asking (exit status 0 when correct, 1 when not).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from ..errors import SpecError
from ..exercise import Exercise, exercise
from ..exercise.notebook import write_assignment
from ..exercise.report import class_report, read_csv, read_notebooks
from ..io import write_text_atomic
from .options import emit, emit_json, output_option


def spec_options(f: Callable) -> Callable:
    """The exercise's choices; each one left out is drawn from the seed."""
    opts = [
        click.option("--seed", default=0, show_default=True, type=click.IntRange(0)),
        click.option("--layers", help="layer sizes n_x,n_1,…,n_L (drawn when left out)"),
        click.option("--hidden", help="hidden activation(s), e.g. tanh or relu,tanh"),
        click.option("--output", help="output activation: sigmoid, softmax, linear, …"),
        click.option("--loss", help="bce, ce or mse"),
        click.option("--layout", type=click.Choice(["columns", "rows"])),
        click.option("--convention", type=click.Choice(["course", "exact"])),
        click.option("--quantity", help="dZ2, dA1, dW1, db2, … or backward"),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def scoring_option(f: Callable) -> Callable:
    return click.option(
        "--scoring",
        "scoring",
        multiple=True,
        metavar="MISTAKE=CREDIT",
        help="partial credit for a named mistake, e.g. missing-1/m=0.5 (repeatable)",
    )(f)


def _spec(kw: dict) -> dict:
    layers = kw.get("layers")
    if layers:
        try:
            kw["layers"] = [int(x) for x in layers.replace(" ", "").split(",")]
        except ValueError:
            raise SpecError(f"--layers {layers!r} must be comma-separated integers") from None
    hidden = kw.get("hidden")
    if hidden and "," in hidden:
        kw["hidden"] = hidden.split(",")
    return kw


def _scoring(items: tuple[str, ...]) -> dict[str, float]:
    out = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise SpecError(f"--scoring {item!r} must look like MISTAKE=0.5") from None
    return out


@click.group("exercise", invoke_without_command=True)
@spec_options
@click.option("--answer", help="grade this answer and stop (no questions asked)")
@click.option(
    "--format",
    "fmt",
    default="text",
    show_default=True,
    type=click.Choice(["text", "json", "markdown", "latex", "html"]),
    help="text asks in the terminal; the others print the exercise (or the grade) once",
)
@click.option("--reveal", is_flag=True, help="show the model answer in the feedback")
@scoring_option
@click.pass_context
def command(
    ctx: click.Context,
    answer: str | None,
    fmt: str,
    reveal: bool,
    scoring: tuple[str, ...],
    **kw: object,
) -> None:
    """A seeded backprop exercise: ask, grade with the mistake named, give hints.

    \b
    Examples:
      chainrule exercise --seed 7
      chainrule exercise --seed 7 --quantity dW2 --answer "dW2 = dZ2 @ A1.T" --format json
      chainrule exercise batch --count 30 --seed 1 --out variants/
      chainrule exercise report submissions.csv --seed 7
      chainrule exercise notebook --seed 1 --count 3 --out ps1/exercises.ipynb
    """
    if ctx.invoked_subcommand is not None:
        return
    ex = exercise(**_spec(kw))
    rules = _scoring(scoring)
    if answer is not None:
        _grade_once(ex, answer, fmt, reveal, rules)
    elif fmt == "json":
        emit_json(ex.to_dict(), None)
    elif fmt != "text":
        click.echo(ex.render(fmt))
    else:
        _session(ex, reveal, rules)


def _grade_once(ex: Exercise, answer: str, fmt: str, reveal: bool, rules: dict) -> None:
    grade = ex.grade(answer, scoring=rules, reveal=reveal)
    if fmt == "json":
        emit_json({"exercise": ex.id, "network": ex.network.describe(), **grade.to_dict()}, None)
    else:
        click.echo(grade.feedback)
    if not grade.correct:
        raise SystemExit(1)


# -- the terminal session -------------------------------------------------------------------------
_HELP = "Type your answer, 'hint' for a hint, 'quit' to stop."


def _session(ex: Exercise, reveal: bool, rules: dict) -> None:
    click.echo(ex.question)
    click.echo(f"\n{_HELP}")
    attempts, hints, best = 0, 0, 0.0
    interactive = sys.stdin is not None and sys.stdin.isatty()
    while True:
        line = _read(interactive)
        if line is None or line.strip().lower() in ("quit", "exit", "q"):
            break
        command = line.strip().lower()
        if command == "hint":
            hints = _hint(ex, hints)
            continue
        if command in ("help", "?"):
            click.echo(_HELP)
            continue
        grade = ex.grade(line, scoring=rules, reveal=reveal)
        attempts += grade.attempt_used
        best = max(best, grade.score)
        click.echo(f"\n{grade.feedback}\n")
        if grade.correct:
            break
    click.echo(f"Attempts: {attempts}; hints: {hints}; best score: {best:.2f}.")


def _read(interactive: bool) -> str | None:
    """One line of standard input; None at its end (or when there is none)."""
    if sys.stdin is None:
        return None
    if interactive:
        click.echo("answer> ", nl=False)
    line = sys.stdin.readline()
    return None if line == "" else line.rstrip("\n")


def _hint(ex: Exercise, given: int) -> int:
    if given >= len(ex.hints):
        click.echo("No more hints: the last one was the answer.")
        return given
    click.echo(f"\n{ex.hints[given]}\n")
    return given + 1


# -- subcommands ----------------------------------------------------------------------------------
@command.command("batch")
@spec_options
@click.option("--count", default=30, show_default=True, type=click.IntRange(1, 10000))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="folder for the variants (one .json and one .md each)",
)
def batch(count: int, out: Path, **kw: object) -> None:
    """COUNT seeded variants (seeds SEED, SEED+1, …): question, solution and hints each."""
    spec = _spec(kw)
    seed = spec.pop("seed")
    index = []
    for s in range(seed, seed + count):
        ex = exercise(s, **spec)
        data = ex.to_dict()
        write_text_atomic(out / f"exercise-{s}.json", _json(data))
        write_text_atomic(out / f"exercise-{s}.md", _markdown(ex))
        index.append({"id": ex.id, "network": data["network"], "quantity": ex.quantity})
    write_text_atomic(out / "index.json", _json(index))
    click.echo(f"wrote {count} exercises to {out}", err=True)


def _json(obj: object) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def _markdown(ex: Exercise) -> str:
    parts = [ex.render("markdown"), "## Hints"]
    parts += [h.render("markdown") for h in ex.hints]
    parts += ["## Solution", "```python\n" + ex.solution + "\n```"]
    return "\n\n".join(parts) + "\n"


@command.command("report")
@click.argument("submissions", type=click.Path(exists=True, path_type=Path))
@spec_options
@scoring_option
@click.option(
    "--format",
    "fmt",
    default="text",
    show_default=True,
    type=click.Choice(["text", "json", "csv"]),
)
@output_option
def report(
    submissions: Path, scoring: tuple[str, ...], fmt: str, out: Path | None, **kw: object
) -> None:
    """Grade SUBMISSIONS (a CSV file, or a folder of notebooks) and count the named mistakes.

    The CSV has the columns student, answer, and exercise (a seed, or an id such as 7-dW2)
    and/or quantity (with --seed and the other options deciding the network).
    """
    spec = _spec(kw)
    cache: dict = {}

    def make(seed: int | None, quantity: str | None) -> Exercise:
        key = (spec["seed"] if seed is None else seed, quantity or spec.get("quantity"))
        if key not in cache:
            cache[key] = exercise(**{**spec, "seed": key[0], "quantity": key[1]})
        return cache[key]

    subs = read_notebooks(submissions) if submissions.is_dir() else read_csv(submissions, make)
    result = class_report(subs, _scoring(scoring))
    emit({"text": result.text, "json": result.json, "csv": result.csv}[fmt](), out)


@command.command("notebook")
@spec_options
@click.option("--count", default=1, show_default=True, type=click.IntRange(1, 100))
@click.option("--points", default=1.0, show_default=True, type=click.FloatRange(min=0.0))
@scoring_option
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def notebook(count: int, points: float, scoring: tuple[str, ...], out: Path, **kw: object) -> None:
    """An nbgrader assignment notebook with COUNT exercises (seeds SEED, SEED+1, …)."""
    spec = _spec(kw)
    seed = spec.pop("seed")
    exercises = [exercise(s, **spec) for s in range(seed, seed + count)]
    write_assignment(out, exercises, points=points, scoring=_scoring(scoring) or None)
    click.echo(f"wrote {out}", err=True)
