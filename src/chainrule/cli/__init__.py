"""The ``chainrule`` command line: one module per command (``cmd_*.py``), found at start-up.

Errors a user can cause are printed as one clear line on standard error with exit status 2; no
traceback ever reaches the terminal for them.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from ..errors import ChainruleError

__all__ = ["main", "cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="chainrule")
def cli() -> None:
    """Derive, explain, check and run backpropagation in the course's notation.

    \b
    Example:
      chainrule derive --layers 2,4,1 --hidden tanh --output sigmoid --loss bce
    """


def _load_commands() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            cli.add_command(module.command)


_load_commands()


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
    except OSError as e:
        click.echo(f"chainrule: error: {e.strerror or e}: {getattr(e, 'filename', '')}", err=True)
        return 2
    except SystemExit as e:
        return int(e.code or 0)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
