"""``chainrule model FILE``: derive a forward pass written as NumPy statements in a file.

The file is read as text and parsed by the model language (:mod:`chainrule.lang.program`); it is
never imported or run. It holds assignments (``Z = W @ X + b``) ending in the scalar cost, or one
``def`` whose body does.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import click

from ..check.model_formula import check_model_formula
from ..errors import SpecError
from ..explain.formats import FORMATS, render
from ..nets.model import Model, model
from ..printers.numpy_code import numpy_source
from ..printers.text import derivation_lines, forward_lines, text
from ..recur.report import has_loop, recurrence_report
from .options import emit, emit_json, format_option, output_option, shape_arg, shapes_option

MAX_BYTES = 1_000_000


@click.command("model")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@shapes_option
@click.option(
    "--wrt",
    help="comma-separated inputs to differentiate (default: every input); for a loop over "
    "time: the sequences that get no gradient (X,Y)",
)
@click.option("--const", "consts", multiple=True, metavar="NAME=VALUE", help="a named constant")
@click.option(
    "--one-hot",
    "one_hot",
    metavar="NAMES",
    help="comma-separated labels whose columns are one-hot (Σ over axis 0 is 1): softmax with "
    "cross-entropy then gives ŷ − y",
)
@click.option(
    "--cost", metavar="ARRAY", help="for a loop over time: the stacked array whose sum is the cost"
)
@click.option("--explain", "quantity", help="explain one gradient, e.g. --explain dZ")
@click.option(
    "--emit",
    "emit_to",
    type=click.Choice(["numpy", "torch", "jax"]),
    default=None,
    help="print runnable code for the cost and its gradients instead of the formulas",
)
@click.option(
    "--check",
    "checked",
    metavar="dNAME=FORMULA",
    help="judge a learner's formula for one gradient, e.g. --check 'dbeta=np.sum(dZ_tilde, "
    "axis=1, keepdims=True)'",
)
@click.option("--staged", is_flag=True, help="the derivation as reverse mode writes it")
@format_option(*FORMATS)
@output_option
def command(
    file: Path,
    shapes: tuple[str, ...],
    wrt: str | None,
    consts: tuple[str, ...],
    one_hot: str | None,
    cost: str | None,
    quantity: str | None,
    emit_to: str | None,
    checked: str | None,
    staged: bool,
    fmt: str,
    out: Path | None,
) -> None:
    """Derive the backward pass of the NumPy statements in FILE (read, never run).

    \b
    Examples:
      chainrule model bn.py --shape Z=n,m --shape gamma=n,1 --shape beta=n,1 --shape G=n,m \\
          --wrt Z,gamma,beta --const eps=1e-5
      chainrule model bn.py ... --explain dZ
      chainrule model bn.py ... --emit torch -o bn_torch.py
      chainrule model bn.py ... --check "dbeta=np.sum(dZ_tilde, axis=1, keepdims=True)"
      chainrule model rnn.py --shape x=n_x,m,T_x ... --explain dWaa   (a for loop over time)
    """
    if file.stat().st_size > MAX_BYTES:
        raise SpecError(f"{file} is larger than {MAX_BYTES:,} bytes", hint="is it a model file?")
    source = file.read_text(encoding="utf-8")
    target, formula = _checked(checked) if checked is not None else (None, None)
    wanted = [w.strip() for w in wrt.split(",") if w.strip()] if wrt else None
    labels = tuple(n.strip() for n in (one_hot or "").split(",") if n.strip())
    if has_loop(source):  # a recurrence: the loop is derived once, BPTT is a reverse loop
        shaped = dict(shape_arg(s) for s in shapes)
        declared = {"one_hot": labels, "cost": cost}
        emit(
            recurrence_report(source, shaped, wanted, quantity, emit_to, file.stem, **declared),
            out,
        )
        return
    if cost is not None:
        raise SpecError("--cost names the loss array of a loop over time; this model has no loop")
    shaped = dict(shape_arg(s) for s in shapes)
    unknown = [n for n in labels if n not in shaped]
    if unknown:
        raise SpecError(f"--one-hot {unknown[0]} is not a declared input", hint="add --shape")
    props = {n: ("sums_to_one@0",) for n in labels}
    m = model(source, shaped, wanted, _constants(consts), name=file.stem, props=props)
    if target is not None:
        verdict = check_model_formula(m, target, formula)
        emit(json.dumps(verdict.to_dict(), indent=2, ensure_ascii=False) if fmt == "json"
             else str(verdict), out)  # fmt: skip
    elif quantity is not None:
        emit(render(m.explain(quantity), fmt, color=out is None and sys.stdout.isatty()), out)
    elif emit_to is not None:
        from ..export import export  # exporters read the model; same layer as explain

        emit(export(m, to=emit_to), out)
    elif fmt == "json":
        emit_json(_json(m, staged), out)
    else:
        d = m.derive(compact_form=not staged)
        lines = [m.describe(), "", "forward:", *("  " + s for s in forward_lines(d.program))]
        lines += ["", "backward (exact convention: every d· is ∂J/∂·):"]
        emit("\n".join(lines + ["  " + s for s in derivation_lines(d)]), out)


def _checked(value: str) -> tuple[str, str]:
    """``dZ=…`` → ``("dZ", "…")``: the gradient, then the learner's formula for it."""
    name, sep, formula = value.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier() or not name.startswith("d") or not formula.strip():
        raise SpecError(
            f"--check {value!r} must look like dNAME=FORMULA",
            hint="e.g. --check 'dbeta=np.sum(dZ_tilde, axis=1, keepdims=True)'",
        )
    return name, formula.strip()


def _constants(consts: tuple[str, ...]) -> dict[str, float]:
    out = {}
    for c in consts:
        name, _, value = c.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not name.isidentifier() or not math.isfinite(number):
            raise SpecError(
                f"--const {c!r} must look like NAME=NUMBER", hint="e.g. --const eps=1e-5"
            )
        out[name] = number
    return out


def _json(m: Model, staged: bool) -> dict:
    d = m.derive(compact_form=not staged)
    return {
        "model": m.name,
        "wrt": list(m.wrt),
        "output": d.program.output,
        "forward": [
            {
                "name": eq.name,
                "expr": text(eq.expr),
                "shape": list(eq.expr.shape),
                "numpy": numpy_source(eq.expr),
            }
            for eq in d.program.equations
        ],  # fmt: skip
        "backward": [
            {
                "name": s.target,
                "of": s.of,
                "kind": s.kind,
                "expr": text(s.expr),
                "shape": list(s.shape),
                "numpy": numpy_source(s.expr),
                "staged": text(s.rewrite.staged) if s.rewrite else None,
            }
            for s in d.steps
        ],  # fmt: skip
    }
