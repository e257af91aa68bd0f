"""Growth with depth: the derivation of nested expressions and the ``--steps`` document.

Each question is answered by times at depths n, 2n, 4n, … and the ratios time(2n)/time(n) (2 is
linear growth, 4 quadratic; a ratio that keeps growing is exponential). The nested families are
derived *and printed* (``str(g)``, the NumPy module that runs, and its ``--steps`` text); the
chain rule through n nested functions is a product of n factors, the k-th holding the k inner
functions, so written out it has ~n²/2 nodes although its DAG has ~5n:

* ``nested tanh``: ``np.sum(np.tanh(np.tanh(… x)))``, ∂/∂x;
* ``tanh/sinh/sin``: the three functions alternating, ∂/∂x (nesting of different functions);
* ``W @ tanh layers``: ``np.sum(np.tanh(W @ np.tanh(W @ … x)))``, ∂/∂W — one weight shared by
  every layer, so the gradient is a sum of n terms, each a chain of matrix products;
* ``--steps --format html``: ``chainrule derive --layers 4,…,4,1 --hidden tanh --steps --format
  html`` for an n-layer network (the derivation and the HTML document, built in-process);
* ``nested tanh --steps html``: the same document for the nested tanh expression.

Each row is the best of ``REPEATS`` fresh interpreters, each after a warm-up (SymPy's own start-up
is not the question) whose objects are then frozen out of the garbage collector's scans, so caches
filled by one depth cannot flatter the next, and the best of three keeps a busy machine's noise
out of the ratios. The printed size (characters of everything printed) is reported beside the
time: it is what a reader gets, and it must grow linearly too.
Python's parser refuses more than 200 nested parentheses, so 128 is the deepest doubling a user
can type. Run alone with ``.venv/bin/python bench/growth.py``; ``make bench`` adds the table to
RESULTS.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

DEPTHS = (16, 32, 64, 128)
REPEATS = 3

_WARM = """
import gc, time, chainrule as cr
from chainrule.explain.formats import render
from chainrule.explain.steps import derivation_document
w = cr.grad("np.sum(np.tanh(W @ x))", "W", {"W": (3, 3), "x": (3, 1)})  # warm-up: SymPy's first
str(w), w.numpy(), render(derivation_document(w.derivation, "warm-up"), "html")
"""

# one nesting level of each family around the expression e, its level k (0 innermost)
_LEVELS = {
    "nested tanh": ('f"np.tanh({e})"', "x"),
    "tanh/sinh/sin": ('("np.tanh({})", "np.sinh({})", "np.sin({})")[k % 3].format(e)', "x"),
    "W @ tanh layers": ('f"np.tanh(W @ {e})"', "W"),
}

_NESTED = (
    _WARM
    + """
def nested(n):
    e = "x"
    for k in range(n):
        e = LEVEL
    return f"np.sum({e})"
w = cr.grad(nested(3), "WRT", {"x": (3, 1), "W": (3, 3)})  # warm-up: the family's functions
str(w), w.numpy(), str(w.derivation)
gc.collect(); gc.freeze()  # the warm-up's objects are not rescanned while timing
t = time.perf_counter()
g = cr.grad(nested(N), "WRT", {"x": (3, 1), "W": (3, 3)})
printed = str(g) + g.numpy() + str(g.derivation)
print(time.perf_counter() - t, len(printed))
"""
)

_NESTED_STEPS = (
    _WARM
    + """
e = "x"
for k in range(N):
    e = f"np.tanh({e})"
gc.collect(); gc.freeze()  # the warm-up's objects are not rescanned while timing
t = time.perf_counter()
g = cr.grad(f"np.sum({e})", "x", {"x": (3, 1)})
page = render(derivation_document(g.derivation, "f = np.sum(np.tanh(…))"), "html")
print(time.perf_counter() - t, len(page))
"""
)

_STEPS = (
    _WARM
    + """
net = cr.mlp([4] * N + [1], hidden="tanh")
gc.collect(); gc.freeze()  # the warm-up's objects are not rescanned while timing
t = time.perf_counter()
page = render(derivation_document(net.derive(), net.describe()), "html")
print(time.perf_counter() - t, len(page))
"""
)


def cases() -> dict[str, str]:
    """Case name → the code measuring it at depth ``N``."""
    out = {
        f"{name}: derive + print": _NESTED.replace("LEVEL", level).replace("WRT", wrt)
        for name, (level, wrt) in _LEVELS.items()
    }
    out["nested tanh --steps html"] = _NESTED_STEPS
    out["--steps --format html"] = _STEPS
    return out


def _measure(code: str, n: int) -> tuple[float, int] | str:
    """Seconds and printed characters of one fresh interpreter running ``code`` at depth n, or
    the last line of its error (a depth the code cannot reach is a result too)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run(
        [sys.executable, "-c", code.replace("N", str(n))], capture_output=True, text=True, env=env
    )
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1][:80]
    seconds, size = done.stdout.strip().splitlines()[-1].split()
    return float(seconds), int(size)


def series(name: str, code: str, depths: tuple[int, ...], repeats: int = REPEATS) -> list[dict]:
    """One row per depth: the best seconds of ``repeats`` runs, the printed size, and the ratios
    of both to the previous (half) depth; the series stops at the first depth that fails."""
    rows, previous = [], None
    for n in depths:
        runs = [_measure(code, n) for _ in range(repeats)]
        if any(isinstance(r, str) for r in runs):
            failed = next(r for r in runs if isinstance(r, str))
            return [*rows, {"case": name, "depth": n, "error": failed, "runs": repeats}]
        s, size = min(r[0] for r in runs), runs[0][1]
        row = {
            "case": name,
            "depth": n,
            "seconds": s,
            "chars": size,
            "ratio": None,
            "runs": repeats,
        }
        if previous is not None:
            row["ratio"], row["chars_ratio"] = s / previous["seconds"], size / previous["chars"]
        rows.append(row)
        previous = row
    return rows


def rows(quick: bool = False) -> list[dict]:
    """Every case (the first three depths, one run each, with ``quick``)."""
    depths, repeats = (DEPTHS[:3], 1) if quick else (DEPTHS, REPEATS)
    return [r for name, code in cases().items() for r in series(name, code, depths, repeats)]


def worst(found: list[dict]) -> float:
    """The largest time ratio over all cases: ≤ ~2.3 is linear growth with a machine's noise."""
    return max((r["ratio"] for r in found if r.get("ratio") is not None), default=float("nan"))


def section(found: list[dict]) -> list[str]:
    """The RESULTS.md section."""
    if not found:
        return []
    lines = [
        "## Growth with depth",
        "",
        "time ratio = time(n)/time(n/2): 2 is linear in depth, 4 quadratic (`bench/growth.py`);",
        "the printed characters (formula, NumPy module, steps) are held to the same. Best of "
        f"{found[0].get('runs', 1)} fresh interpreters; largest time ratio {worst(found):.2f}.",
        "",
        "| case | depth n | seconds | time ratio | printed chars | chars ratio |",
        "|---|---|---|---|---|---|",
    ]
    for r in found:
        if "error" in r:
            lines.append(f"| {r['case']} | {r['depth']} | fails: {r['error']} | | | |")
            continue
        ratio = "–" if r["ratio"] is None else f"{r['ratio']:.2f}"
        chars = "–" if r["ratio"] is None else f"{r['chars_ratio']:.2f}"
        cells = (r["case"], r["depth"], f"{r['seconds']:.3f}", ratio, r["chars"], chars)
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return [*lines, ""]


if __name__ == "__main__":
    measured = rows(quick="--quick" in sys.argv)
    print("\n".join(section(measured)))
    print(json.dumps(measured))
