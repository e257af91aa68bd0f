"""The package's imports flow one way: from the error family and the IR up to the CLI.

Every module under ``src/chainrule`` is parsed with ``ast`` (nothing is imported) and every import
it runs is collected — at module level and inside functions alike (a deferred import is still an
import); only ``TYPE_CHECKING`` imports create no dependency. Each must come from the module's own
layer or a lower one, as the table in ARCHITECTURE.md says, unless :data:`DEFERRED_UPWARD` lists it
with its reason; and no two modules import each other, directly or round a circle. Where a low
object needs a capability from above (``str(derivation)``, a notebook's rich display,
``model.explain``), :mod:`chainrule.display` holds a named hook that the upper module registers.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

import chainrule

SRC = Path(chainrule.__file__).resolve().parent

# Lowest first; a module belongs to the layer of its longest listed prefix.
LAYERS = [
    ["errors", "display"],
    ["ir.shapes"],
    ["scalar"],
    ["ir"],
    ["algebra"],
    ["rules"],
    ["autodiff"],
    ["evaluate", "codegen", "lang", "io"],
    ["printers"],
    ["nets", "gradient", "data", "recur"],
    ["explain", "check", "train", "export", "calculus", "fast"],
    ["exercise"],  # reads explain/ and check/
    ["cli", "web"],  # the interfaces: the command line and the browser playground
    ["", "__main__"],  # the package's __init__ (the flat public API) and `python -m chainrule`
]
RANK = {f"chainrule.{p}".rstrip("."): i for i, layer in enumerate(LAYERS) for p in layer}

# (module, imported module) → why an import inside a function may point up a layer. Empty: every
# upward call goes through a hook of chainrule.display instead.
DEFERRED_UPWARD: dict[tuple[str, str], str] = {}


def module_name(path: Path) -> str:
    parts = ["chainrule", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def layer(module: str) -> int:
    """The rank of the longest table prefix of ``module``."""
    candidates = [m for m in RANK if module == m or module.startswith(m + ".")]
    assert candidates, f"{module} is in no layer of ARCHITECTURE.md's table"
    return RANK[max(candidates, key=len)]


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports executed when the module is imported (not in functions or TYPE_CHECKING blocks)."""
    out, stack = [], list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.append(node)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        elif isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))
    return sorted(out, key=lambda n: n.lineno)


def runtime_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import the module can execute: module level and inside functions, not TYPE_CHECKING."""
    out, stack = [], list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.append(node)
        elif isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))
    return sorted(out, key=lambda n: n.lineno)


def imported_modules(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """Absolute names of the chainrule modules one import statement loads."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "chainrule"]
    if node.level == 0:
        base = node.module or ""
    else:
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        parts = package.split(".")
        base = ".".join(
            parts[: len(parts) - node.level + 1] + ([node.module] if node.module else [])
        )
    if base.split(".")[0] != "chainrule":
        return []
    # `from .. import scalar` loads the module chainrule.scalar, not the package's __init__
    subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES]
    return subs if len(subs) == len(node.names) else [base, *subs]


@functools.cache
def edges() -> list[tuple[str, str, int]]:
    out = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in runtime_imports(tree):
            out += [
                (module, target, node.lineno) for target in imported_modules(module, path, node)
            ]
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles: strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while (w := stack.pop()) != v:
                group.append(w)
            if group:
                found.append(sorted([v, *group]))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_module_is_in_a_layer() -> None:
    for module in MODULES:
        layer(module)


def test_the_table_is_ordered_as_the_architecture_says() -> None:
    assert layer("chainrule.errors") < layer("chainrule.ir.shapes") < layer("chainrule.scalar")
    assert layer("chainrule.scalar") < layer("chainrule.ir.expr") < layer("chainrule.algebra")
    assert layer("chainrule.lang.parser") < layer("chainrule.printers.text")
    assert layer("chainrule.nets.network") < layer("chainrule.cli.cmd_derive") < layer("chainrule")


def test_imports_are_resolved() -> None:
    found = set(edges())
    assert any(m == "chainrule.algebra.bridge" and t == "chainrule.scalar" for m, t, _ in found)
    assert any(m == "chainrule.ir" and t == "chainrule.ir.build" for m, t, _ in found)
    assert any(m == "chainrule.cli" and t == "chainrule.errors" for m, t, _ in found)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_flow_downward(module: str) -> None:
    upward = [
        f"{module}:{line} imports {target} (layer {layer(target)} > {layer(module)})"
        for m, target, line in edges()
        if m == module and layer(target) > layer(module) and (m, target) not in DEFERRED_UPWARD
    ]
    assert not upward, "\n".join(upward)


def test_the_allow_list_names_real_imports() -> None:
    found = {(m, t) for m, t, _ in edges()}
    assert set(DEFERRED_UPWARD) <= found, set(DEFERRED_UPWARD) - found


def test_no_import_circles() -> None:
    graph: dict[str, set[str]] = {}
    for m, t, _ in edges():
        if m != t:
            graph.setdefault(m, set()).add(t)
    assert not cycles(graph), cycles(graph)


def test_the_circle_check_can_fail() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    lazy = ast.parse("def f():\n    from ..cli import main\n")
    assert [n.module for n in runtime_imports(lazy)] == ["cli"]


@functools.cache
def _all_nodes() -> list[tuple[str, ast.AST]]:
    return [
        (module, node)
        for module, path in MODULES.items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
    ]


def _called_name(node: ast.Call) -> str | None:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def test_nothing_imports_pickle() -> None:
    unsafe = {"pickle", "_pickle", "cPickle", "dill", "shelve"}
    found = []
    for module, node in _all_nodes():
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
        found += [f"{module} imports {n}" for n in names if n.split(".")[0] in unsafe]
    assert not found, found


def test_no_eval_and_exec_only_in_codegen() -> None:
    calls = [(m, _called_name(n), n.lineno) for m, n in _all_nodes() if isinstance(n, ast.Call)]
    assert not [c for c in calls if c[1] == "eval"], "eval( in src"
    execs = [c for c in calls if c[1] == "exec"]
    assert {m for m, _, _ in execs} <= {"chainrule.codegen"}, execs
    assert not [c for c in calls if c[1] in ("parse_expr", "__import__")], "string evaluation"


def test_the_check_can_fail() -> None:
    """An upward import written into a low module is reported (the test is not vacuous)."""
    tree = ast.parse("from ..cli import main\nfrom ..printers.text import text\n")
    nodes = module_level_imports(tree)
    path = SRC / "ir" / "expr.py"
    targets = [t for n in nodes for t in imported_modules("chainrule.ir.expr", path, n)]
    assert targets == ["chainrule.cli", "chainrule.printers.text"]
    assert all(layer(t) > layer("chainrule.ir.expr") for t in targets)
    lazy = ast.parse("def f():\n    from ..cli import main\n")
    assert module_level_imports(lazy) == []


def test_every_hook_is_registered_by_importing_chainrule() -> None:
    from chainrule import display

    for name in display.HOOKS:
        assert callable(display.provided(name)), name
