"""Optional plug-in ``bench/chainrule_impl.py`` (written on the chainrule side).

Contract — every part is optional; what is missing is skipped with a note in RESULTS.md:

``bench_step(workload: str, dtype: numpy.dtype) -> Callable[[], object]``
    ``workload`` is ``"a"``, ``"b"`` or ``"c"`` (see ``workloads.SPECS``), ``dtype`` is
    ``np.dtype("float64")`` or ``np.dtype("float32")``. Return a zero-argument callable that runs
    ONE training step (forward, cost, backward, parameter update; for (c) one Adam step on the
    next mini-batch of 256, cycling through the data like the references) and keeps its state
    between calls. Build it from ``workloads.make_problem(workload, dtype)`` so that it starts from
    the same seeded data and initial parameters as the references (the problem is cached, so this
    costs nothing; use ``problem.fresh_params()`` for the parameters it trains). Raise
    ``NotImplementedError`` to skip a (workload, dtype). If the callable has a ``params``
    attribute — a zero-argument function returning the current parameters as a dict
    ``{"W1": ..., "b1": ..., ...}`` of NumPy arrays in course layout — ``check_references.py``
    also checks it against the NumPy reference. Its memory is measured with tracemalloc (it is
    assumed NumPy-based) and with the peak-RSS delta.

``scaling_rows() -> list[dict]``
    Rows of the "Derivation scaling" section: one dict per table row, keys are the column
    headers (in the first row's order), values are str/int/float. Stored as
    ``results.json["scaling"]``.

``chainrule`` itself must be importable (installed, or else found in ``src/``).
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from types import ModuleType

SRC = Path(__file__).resolve().parent.parent / "src"


def _import_chainrule() -> tuple[bool, str | None]:
    """Import chainrule, falling back to the repository's src/ directory."""
    try:
        import chainrule  # noqa: F401

        return True, None
    except ImportError:
        pass
    sys.path.append(str(SRC))
    try:
        import chainrule  # noqa: F401, F811
    except ImportError as exc:
        return False, f"chainrule is not importable ({exc})"
    return True, "chainrule is not installed; imported from src/"


def load_plugin() -> tuple[ModuleType | None, list[str]]:
    """The ``chainrule_impl`` module (or None) and notes on what was found."""
    ok, note = _import_chainrule()
    notes = [note] if note else []
    if not ok:
        return None, notes
    try:
        import chainrule_impl
    except Exception as exc:
        if isinstance(exc, ModuleNotFoundError) and exc.name == "chainrule_impl":
            return None, [*notes, "bench/chainrule_impl.py not found: chainrule not benchmarked"]
        traceback.print_exc()
        return None, [*notes, f"bench/chainrule_impl.py failed to import: {exc!r}"]
    return chainrule_impl, notes


def plugin_function(module: ModuleType | None, name: str) -> tuple[object | None, str | None]:
    """``module.name`` if present, else None and a note saying why it is skipped."""
    if module is None:
        return None, None
    fn = getattr(module, name, None)
    if not callable(fn):
        return None, f"bench/chainrule_impl.py has no {name}(): skipped"
    return fn, None
