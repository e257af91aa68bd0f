"""A playground run written out as a Python script or a notebook that rebuilds it with
``import chainrule as cr``: the same network, data, initialization, optimizer and iterations.

Full-batch training without dropout is deterministic, so the script reaches the cost the page
showed (up to rounding: the page trains with the fast printing of the same formulas).
"""

from __future__ import annotations

from .state import PlayState

__all__ = ["script", "notebook"]


def _data_lines(s: PlayState) -> list[str]:
    if s.data == "csv":
        return ['X, Y = cr.data.load("data.csv")  # the CSV uploaded to the page (label last)']
    return [f"X, Y = cr.data.make_dataset({s.data!r})"]


def _sections(s: PlayState, iterations: int) -> list[tuple[str, list[str]]]:
    """(title, code lines) of the script, in order."""
    hidden = list(s.hidden)
    layout = [] if s.layout == "columns" else ["X, Y = X.T, Y.T  # examples as rows"]
    dropout = "" if s.keep_prob == 1 else "  # dropout masks are drawn from this seed"
    norm = ", batchnorm=True" if s.batchnorm else ""
    return [
        (
            "The network and its derivation",
            [
                "import chainrule as cr",
                "",
                f"net = cr.mlp({list(s.layers)}, hidden={hidden}, output={s.output!r}, "
                f"loss={s.loss!r}, layout={s.layout!r}, l2={s.l2!r}, "
                f"keep_prob={s.keep_prob!r}{norm})",
                f"print(net.derive({s.convention!r}))",
            ],
        ),
        ("The data", [*_data_lines(s), *layout]),
        (
            "Training with the printed code",
            [
                f"history = cr.fit(net, X, Y, {s.optimizer!r}, lr={s.lr!r}, "
                f"iterations={iterations}, init={s.init!r}, init_seed={s.seed}, "
                f"seed={s.seed}, progress=False){dropout}",
                'print(f"cost {net.cost(history.params, X, Y):.4f}")',
            ]
            + (
                ['print(f"accuracy {net.accuracy(history.params, X, Y):.1f} %")']
                if s.output in ("sigmoid", "softmax")
                else []
            ),
        ),
    ]


def script(state: PlayState, iterations: int) -> str:
    """A runnable Python script; the page's link is in its docstring."""
    head = [
        '"""A chainrule play run, rebuilt.',
        "",
        f"Page: /?{state.query()}",
        '"""',
    ]
    body = [
        line for title, lines in _sections(state, iterations) for line in ["", f"# {title}", *lines]
    ]
    return "\n".join(head + body) + "\n"


def notebook(state: PlayState, iterations: int) -> str:
    """The same as a Jupyter notebook (nbformat 4), one code cell per section."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    cells = [new_markdown_cell(f"# A chainrule play run\n\nPage: `/?{state.query()}`")]
    for title, lines in _sections(state, iterations):
        cells += [new_markdown_cell(f"## {title}"), new_code_cell("\n".join(lines))]
    return nbformat.writes(new_notebook(cells=cells))
