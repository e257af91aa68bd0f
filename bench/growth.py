"""Growth with depth: the derivation of nested expressions and the ``--steps`` document.

Two questions, each answered by times at depths n, 2n, 4n, … and the ratios time(2n)/time(n)
(2 is linear growth, 4 quadratic; a ratio that keeps growing is exponential):

* ``nested tanh``: ``cr.grad("np.sum(np.tanh(np.tanh(… x)))")`` derived and printed — the chain
  rule through n nested functions gives a product of n factors, whose SymPy expansion has 2ⁿ terms
  if anything expands it;
* ``--steps html``: ``chainrule derive --layers 4,…,4,1 --hidden tanh --steps --format html`` for
  an n-layer network (the derivation and the HTML document, built in-process).

Each row is measured in a fresh interpreter after a warm-up (SymPy's own start-up is not the
question), so caches filled by one depth cannot flatter the next. Run alone with
``.venv/bin/python bench/growth.py``; ``make bench`` adds the table to RESULTS.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

NESTED_DEPTHS = (8, 16, 32, 64)
STEPS_DEPTHS = (16, 32, 64, 128)

_NESTED = """
import time, chainrule as cr
str(cr.grad("np.sum(np.tanh(x))", "x", {"x": (3, 1)}))      # warm-up: SymPy's first call
e = "x"
for _ in range(N):
    e = f"np.tanh({e})"
t = time.perf_counter()
str(cr.grad(f"np.sum({e})", "x", {"x": (3, 1)}))
print(time.perf_counter() - t)
"""

_STEPS = """
import time, chainrule as cr
from chainrule.explain.formats import render
from chainrule.explain.steps import derivation_document
warm = cr.mlp([4, 4, 1], hidden="tanh")
render(derivation_document(warm.derive(), "warm-up"), "html")
net = cr.mlp([4] * N + [1], hidden="tanh")
t = time.perf_counter()
render(derivation_document(net.derive(), net.describe()), "html")
print(time.perf_counter() - t)
"""


def _seconds(code: str, n: int) -> float:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run(
        [sys.executable, "-c", code.replace("N", str(n))],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return float(done.stdout.strip().splitlines()[-1])


def series(name: str, code: str, depths: tuple[int, ...]) -> list[dict]:
    """One row per depth: seconds, and the ratio to the previous (half) depth."""
    rows, previous = [], None
    for n in depths:
        s = _seconds(code, n)
        ratio = None if previous is None else s / previous
        rows.append({"case": name, "depth": n, "seconds": s, "ratio": ratio})
        previous = s
    return rows


def rows(quick: bool = False) -> list[dict]:
    """Both series (the first three depths only with ``quick``)."""
    cut = 3 if quick else None
    return series("nested tanh: derive", _NESTED, NESTED_DEPTHS[:cut]) + series(
        "--steps --format html", _STEPS, STEPS_DEPTHS[:cut]
    )


def section(found: list[dict]) -> list[str]:
    """The RESULTS.md section."""
    if not found:
        return []
    lines = [
        "## Growth with depth",
        "",
        "time(2n)/time(n): 2 is linear in depth, 4 quadratic (see `bench/growth.py`).",
        "",
        "| case | depth n | seconds | time(n) / time(n/2) |",
        "|---|---|---|---|",
    ]
    for r in found:
        ratio = "–" if r["ratio"] is None else f"{r['ratio']:.2f}"
        lines.append(f"| {r['case']} | {r['depth']} | {r['seconds']:.3f} | {ratio} |")
    return [*lines, ""]


if __name__ == "__main__":
    measured = rows(quick="--quick" in sys.argv)
    print("\n".join(section(measured)))
    print(json.dumps(measured))
