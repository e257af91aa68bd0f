"""The explanation's section on a convolution or pooling step: both forms, the substitution, the
window picture and the two forms evaluated on the explanation's numbers.

Written from :class:`chainrule.explain.conv_forms.ConvForms` (the data and the checked values).
Index formulas are shown as :class:`~chainrule.explain.doc.Txt` in the loop notation the course
uses (``dA_pad[i, h·s + kh, w·s + kw, c']``), because the names carry underscores a record's
subscript convention would break.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .conv_forms import ConvForms
from .doc import Display, Heading, Items, Mat, Para, Table, Txt, row
from .writer import bound

if TYPE_CHECKING:  # the explanation calls this section; it only reads it
    from .explanation import Explanation
    from .writer import Writer

__all__ = ["conv_section"]

_TITLES = {
    "input": "The convolution rule in both forms: scatter and gather",
    "filter": "The filter gradient in both forms: accumulate and correlate",
    "bias": "The bias gradient: dZ summed over m, h and w",
    "max_pool": "Max pooling: the gradient goes to the maximum",
    "avg_pool": "Average pooling: the gradient spreads evenly",
}


def _t(text: str) -> Display:
    return Display(Txt(text))


def _forward(c: ConvForms) -> list:
    s, p, f = c.stride, c.pad, c.f
    return [
        Para(
            (
                f"The forward pass (stride s = {s}, pad p = {p}, f = {f}) reads one f × f window "
                "of the padded input for each output entry:",
            )
        ),
        _t("Z[i,h,w,c] = Σ_{kh,kw,c'} A_pad[i, h·s + kh, w·s + kw, c'] · W[kh,kw,c',c] + b[c]"),
    ]


def _input_blocks(c: ConvForms) -> list:
    dz, W, da = c.names["dZ"], c.names["W"], c.names["dA_prev"]
    return [
        Heading(3, ("Scatter: the course's loop",)),
        Para(("Each output position sends its window's share back (dA_pad starts at zero):",)),
        _t(
            f"for i, h, w, c:  dA_pad[i, h·s : h·s+f, w·s : w·s+f, :] += "
            f"{W}[:, :, :, c] · {dz}[i, h, w, c]"
        ),
        _t(f"{da} = dA_pad[:, p : p + n_H_prev, p : p + n_W_prev, :]   (the padding cut off)"),
        Heading(3, ("From scatter to gather: the index substitution",)),
        Items(
            (
                (
                    f"The scatter adds {W}[kh,kw,c',c] · {dz}[i,h,w,c] to the input entry at row "
                    "y = h·s + kh − p and column x = w·s + kw − p (unpadded coordinates).",
                ),
                (
                    "Fix the input entry (y, x) and solve for the kernel offset: "
                    "y = h·s + kh − p  ⇒  kh = y + p − h·s, and kw = x + p − w·s. "
                    "A term exists only when 0 ≤ kh < f, i.e. (y + p − f + 1)/s ≤ h ≤ (y + p)/s.",
                ),
                (
                    f"So {da}[i,y,x,c'] = Σ_c Σ_(h,w covering y,x) {W}[y+p−h·s, x+p−w·s, c', c] · "
                    f"{dz}[i,h,w,c]: each input entry gathers from the dZ entries whose windows "
                    "cover it.",
                ),
                (
                    f"Dilate {dz} by the stride: D[i, h·s, w·s, c] = {dz}[i,h,w,c] with s − 1 "
                    f"zeros between. With u = h·s and y' = y + p: dA_pad[i,y',x',c'] = "
                    f"Σ_(u,v,c) {W}[y'−u, x'−v, c', c] · D[i,u,v,c].",
                ),
                (
                    f"Rotate the kernel by 180°: Ŵ[k,l,c,c'] = {W}[f−1−k, f−1−l, c', c] (rows and "
                    "columns reversed, channel axes swapped). With k = u − y' + f − 1: "
                    "dA_pad[i,y',x',c'] = Σ_(k,l,c) D_full[i, y'+k, x'+l, c] · Ŵ[k,l,c,c'], where "
                    "D_full is D with f − 1 zeros around it: a “full” correlation of the dilated "
                    "dZ with the rotated kernel (a convolution with the kernel itself).",
                ),
                (
                    f"Cut the padding: {da} = dA_pad[:, p : p + n_H_prev, p : p + n_W_prev, :]. "
                    "This is how the derivation computes it (conv2d_backward_input).",
                ),
            )
        ),
    ] + _input_picture(c)


def _grid(picture: tuple, row_name: str, col_name: str) -> Table:
    header = (("",),) + tuple((f"{col_name}={k}",) for k in range(len(picture[0])))
    rows = tuple(
        ((f"{row_name}={r}",), *((cell,) for cell in cells)) for r, cells in enumerate(picture)
    )
    return Table(header, rows)


def _input_picture(c: ConvForms) -> list:
    y, x = c.entry
    dz, da = c.names["dZ"], c.names["dA_prev"]
    n = sum(cell != "·" for cells in c.picture for cell in cells)
    return [
        Heading(3, (f"Which entries of {dz} touch {da}[i, {y}, {x}, :]",)),
        Para(
            (
                f"One cell per entry of {dz} (h down, w across). A cell names the kernel entry "
                f"W[kh, kw] = W[{y}+{c.pad}−h·{c.stride}, {x}+{c.pad}−w·{c.stride}] through which "
                f"that output's window meets input entry ({y}, {x}); “·” means its window misses "
                f"it. {n} output position{'s' if n != 1 else ''} send{'' if n != 1 else 's'} a "
                "gradient there.",
            )
        ),
        _grid(c.picture, "h", "w"),
    ]


def _filter_blocks(c: ConvForms) -> list:
    dz, A, dw = c.names["dZ"], c.names["A_prev"], c.names["dW"]
    kh, kw = c.entry
    return [
        Heading(3, ("Scatter: the course's loop",)),
        _t(
            f"for i, h, w, c:  {dw}[:, :, :, c] += A_pad[i, h·s : h·s+f, w·s : w·s+f, :] · "
            f"{dz}[i, h, w, c]"
        ),
        Heading(3, ("Gather: each filter entry collects what it met",)),
        Para(
            (
                "Exchange the order of the sums: fix the filter entry (kh, kw, c', c) and collect "
                "every term the loop adds to it, from every example and every position:",
            )
        ),
        _t(f"{dw}[kh,kw,c',c] = Σ_(i,h,w) A_pad[i, h·s + kh, w·s + kw, c'] · {dz}[i,h,w,c]"),
        Para(
            (
                f"— a correlation of the padded input {A} with {dz} (dilated by the stride) as "
                "the kernel, summed over the examples. Nothing is flipped here: the filter "
                "entry and the input entry it met sit at the same offset.",
            )
        ),
        Heading(3, (f"Which entries of A_pad meet {dw}[{kh}, {kw}, :, :]",)),
        Para(("Each marked entry of A_pad is multiplied by the dZ entry named in it:",)),
        _grid(c.picture, "row", "col"),
    ]


def _bias_blocks(c: ConvForms) -> list:
    dz, db = c.names["dZ"], c.names["db"]
    return [
        Para(("The bias is added at every example and position, so its gradient adds them up:",)),
        _t(f"for i, h, w, c:  {db}[:, :, :, c] += {dz}[i, h, w, c]"),
        _t(f"{db} = Σ_(i,h,w) {dz}[i,h,w,:] = np.sum({dz}, axis=(0, 1, 2), keepdims=True)"),
    ]


def _pool_blocks(c: ConvForms) -> list:
    da, dap = c.names["dA"], c.names["dA_prev"]
    if c.kind == "avg_pool":
        return [
            Para(
                (
                    f"Each output is the mean of f² = {c.f * c.f} inputs, each with weight 1/f², "
                    "so each entry of the window receives an equal share:",
                )
            ),
            _t(f"for i, h, w, c:  {dap}[i, h·s : h·s+f, w·s : w·s+f, c] += {da}[i,h,w,c] / f²"),
        ]
    blocks = [
        Para(
            (
                "Near a point where one entry of a window is the strict maximum, the output equals "
                "that entry and ignores the others, so only it receives the gradient. The course's "
                "loop builds the mask with x == np.max(x):",
            )
        ),
        _t(
            "for i, h, w, c:  window = A_prev[i, h·s : h·s+f, w·s : w·s+f, c];  "
            f"{dap}[i, window, c] += (window == np.max(window)) · {da}[i,h,w,c]"
        ),
        Para(
            (
                "Tie rule: at a tie every tied maximum receives the full gradient (the course's "
                "mask, and chainrule's); PyTorch's max_pool2d gives it to one of them. At a tie "
                "the derivative does not exist, so both are conventions.",
            )
        ),
    ]
    if c.window:
        mask = (c.window["window"] == np.max(c.window["window"])).astype(float)
        blocks += [
            Para(("The first window of the numeric check (example 0, channel 0) and its mask:",)),
            Display(
                row(Txt("window"), "=", _mat(c.window["window"]), Txt("mask"), "=", _mat(mask))
            ),
        ]
    return blocks


def _mat(a: np.ndarray) -> Mat:
    return Mat(tuple(tuple(float(v) for v in r) for r in np.atleast_2d(a)))


_FORM_WORDS = {
    "scatter": "the course's scatter loop",
    "gather": "the gather sum after the substitution",
    "formula": "the derivation's formula",
}


def _numbers_blocks(c: ConvForms, x: Explanation) -> list:
    q = x.quantity
    k = {"input": (0, *c.entry, 0), "filter": (*c.entry, 0, 0)}.get(c.kind, (0, 0, 0, 0))
    at = ", ".join(map(str, k))
    values = tuple((f"{_FORM_WORDS[n]} gives {q}[{at}] = {v[k]:.10g}",) for n, v in c.forms)
    verdict = "they agree" if c.agree else "THEY DISAGREE"
    return [
        Heading(3, ("Both forms on the numbers",)),
        Para((f"On the numeric check's inputs (seed {x.numbers.seed}):",)),
        Items(values),
        Para(
            (
                f"Over all {c.forms[0][1].size} entries the largest difference between the forms "
                f"is below {bound(c.max_difference)}: {verdict}.",
            )
        ),
    ]


_BLOCKS = {
    "input": _input_blocks,
    "filter": _filter_blocks,
    "bias": _bias_blocks,
    "max_pool": _pool_blocks,
    "avg_pool": _pool_blocks,
}


def conv_section(x: Explanation, w: Writer) -> list:
    """A section per convolution or pooling step of the explained quantity."""
    blocks: list = []
    for c in x.conv:
        blocks.append(Heading(2, (_TITLES[c.kind],)))
        if c.kind in ("input", "filter", "bias"):
            blocks += _forward(c)
        blocks += _BLOCKS[c.kind](c) + _numbers_blocks(c, x)
    return blocks
