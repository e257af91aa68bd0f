"""``chainrule play``: the playground in the browser, served on 127.0.0.1 (the ``web`` extra)."""

from __future__ import annotations

import click

from ..errors import ChainruleError


@click.command("play")
@click.option(
    "--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="0: a free port"
)
@click.option("--no-browser", is_flag=True, help="print the address but do not open a browser")
def command(port: int, no_browser: bool) -> None:
    """Build a network in the browser, train it live, and click, read and check every formula.

    The page runs on this machine only (127.0.0.1) and needs nothing from the network. Each tab
    has its own network and run; the address bar holds the network, data and seed, so a copied
    link rebuilds them. Ctrl-C stops the server.

    \b
    Example:
      chainrule play --port 0 --no-browser
    """
    try:
        from ..web.server import bind, serve
    except ImportError as e:
        raise ChainruleError(
            f"chainrule play needs the web extra ({e.name} is not installed)",
            hint='pip install "chainrule[web]"',
        ) from None
    try:
        sock = bind(port)
    except OSError as e:
        raise ChainruleError(
            f"cannot listen on 127.0.0.1:{port} ({e.strerror})",
            hint="choose another --port, or 0 for a free one",
        ) from None
    click.echo(f"chainrule play: http://127.0.0.1:{sock.getsockname()[1]}/  (Ctrl-C stops)")
    serve(sock, open_browser=not no_browser)
