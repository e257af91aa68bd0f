"""The ``chainrule`` command line: one module per command (``cmd_*.py``), found at start-up.

Errors a user can cause are printed as one clear line on standard error with exit status 2; no
traceback ever reaches the terminal for them.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sys
from pathlib import Path

import click

from ..errors import ChainruleError

__all__ = ["main", "cli"]


class _Commands(click.Group):
    """The commands are the ``cmd_*.py`` modules here, found at start-up but imported only when
    one runs or shows its own help: ``chainrule --help`` reads their summaries with ``ast`` and
    so starts without SymPy, matplotlib or PyTorch."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_modules())

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in _modules():
            return None
        return importlib.import_module(f"{__name__}.{_modules()[name]}").command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names), default=0)
        rows = [(n, _shorten(_summary(n), limit)) for n in names]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _modules() -> dict[str, str]:
    """``{"train": "cmd_train", "train-cnn": "cmd_train_cnn", …}``."""
    found = pkgutil.iter_modules(__path__)
    return {i.name[4:].replace("_", "-"): i.name for i in found if i.name.startswith("cmd_")}


def _summary(name: str) -> str:
    """The first paragraph of the command's docstring, read without importing its module."""
    tree = ast.parse((Path(__file__).parent / f"{_modules()[name]}.py").read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "command":
            return (ast.get_docstring(node) or "").split("\n\n")[0].replace("\n", " ")
    return ""


def _shorten(text: str, limit: int) -> str:
    """The first sentence, cut at a word with ``...`` when longer than ``limit`` (click's way)."""
    text = text.split(". ")[0].rstrip(".")
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 1)].rsplit(" ", 1)[0].rstrip(",;") + "..."


@click.group(
    cls=_Commands,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="chainrule")
def cli() -> None:
    """Derive, explain, check and run backpropagation in the course's notation.

    \b
    Example:
      chainrule derive --layers 2,4,1 --hidden tanh --output sigmoid --loss bce
    """


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit status (0 ok, 1 a failed check, 2 bad input)."""
    try:
        cli.main(args=argv, prog_name="chainrule", standalone_mode=False)
    except ChainruleError as e:
        first = str(e).splitlines()[0]
        click.echo(f"chainrule: error: {first}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("chainrule: interrupted", err=True)
        return 130
    except click.ClickException as e:
        click.echo(f"chainrule: error: {e.format_message()}", err=True)
        return 2
    except RecursionError:
        click.echo(
            "chainrule: error: the expression is nested too deeply for Python's parser "
            "(RecursionError) — split it into shorter formulas",
            err=True,
        )
        return 2
    except OSError as e:
        click.echo(f"chainrule: error: {e.strerror or e}: {getattr(e, 'filename', '')}", err=True)
        return 2
    except SystemExit as e:
        return int(e.code or 0)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
