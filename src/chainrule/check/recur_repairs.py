"""Repairs of a learner's backpropagation-through-time code, as data, for :mod:`.rnn_check` and
:mod:`.lstm_check`: each is ``(mistake, statement, fix)``, the fix a function from the learner's
statement to its corrected form (one statement, or several when lines are missing). A *repair* is
a tuple of such edits made together: one mistake a learner made on several lines (every dW
assigned instead of added) is one repair, named once per line.

Beside the mistakes the course's exercise is about (the next step's gradient, ``=`` for ``+=``,
a⟨t⟩ for a⟨t−1⟩), these are the ones real learners' posts showed (tests/learners/rnn_cases.py):
a matrix product without its transpose (``np.dot(Wax, dtanh)``), a gate's whole weight where its
a_prev or xt columns belong, a gate's gradient without its activation's derivative in da_prev and
dxt, and the carried gradients (da_prevt, dc_prevt) never updated from the cell's output.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable

__all__ = ["Edit", "Repair", "expr", "replace", "product_edits", "sliced_gate_edits"]

Fix = Callable[[ast.stmt], "ast.stmt | list[ast.stmt]"]
Edit = tuple[str, ast.stmt, Fix]
Repair = tuple[Edit, ...]


def expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def replace(old: ast.expr, new: ast.expr) -> Callable[[ast.stmt], ast.stmt]:
    """The statement with the node ``old`` (found by position) replaced by ``new``."""
    return replace_all({old: new})


def replace_all(news: dict[ast.AST, ast.expr]) -> Callable[[ast.stmt], ast.stmt]:
    def apply(st: ast.stmt) -> ast.stmt:
        where = {k: news[n] for k, n in enumerate(ast.walk(st)) if n in news}
        out = copy.deepcopy(st)
        targets = {id(n): where[k] for k, n in enumerate(ast.walk(out)) if k in where}
        for parent in list(ast.walk(out)):
            for field, value in ast.iter_fields(parent):
                if id(value) in targets:
                    setattr(parent, field, copy.deepcopy(targets[id(value)]))
                elif isinstance(value, list):
                    for j, v in enumerate(value):
                        if id(v) in targets:
                            value[j] = copy.deepcopy(targets[id(v)])
        return out

    return apply


def assignments(fn: ast.FunctionDef) -> list[ast.Assign]:
    return [s for s in ast.walk(fn) if isinstance(s, ast.Assign)]


def target_name(s: ast.stmt) -> str:
    t = s.targets[0] if isinstance(s, ast.Assign) else getattr(s, "target", None)
    return t.id if isinstance(t, ast.Name) else ""


# -- a matrix product without its transpose, or its operands swapped ------------------------------
def product_edits(fn: ast.FunctionDef) -> list[Edit]:
    """``np.dot(A, B)`` (or ``np.matmul``, ``@``) as ``np.dot(Aᵀ, B)`` and as ``np.dot(B, Aᵀ)``:
    the product the learner meant, transposed or turned round (``np.dot(Wax, dtanh)``,
    ``np.dot(xt, dtanh)`` for ``np.dot(dtanh, xt.T)``)."""
    out: list[Edit] = []
    for s in assignments(fn):
        for node in ast.walk(s.value):
            operands = _operands(node)
            if operands is None:
                continue
            a, b = operands
            for left, right in ((_transposed(a), b), (b, _transposed(a))):
                out.append(("transpose-missing", s, replace(node, _product(node, left, right))))
    return out


def _operands(node: ast.AST) -> tuple[ast.expr, ast.expr] | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        return node.left, node.right
    if (
        isinstance(node, ast.Call)
        and ast.unparse(node.func) in ("np.dot", "np.matmul")
        and len(node.args) == 2
        and not node.keywords
    ):
        return node.args[0], node.args[1]
    return None


def _product(node: ast.AST, left: ast.expr, right: ast.expr) -> ast.expr:
    if isinstance(node, ast.BinOp):
        return ast.BinOp(left, ast.MatMult(), right)
    return ast.Call(copy.deepcopy(node.func), [left, right], [])


def _transposed(e: ast.expr) -> ast.expr:
    if isinstance(e, ast.Attribute) and e.attr == "T":
        return e.value
    if isinstance(e, ast.Call) and ast.unparse(e.func) == "np.transpose" and len(e.args) == 1:
        return e.args[0]
    return ast.Attribute(copy.deepcopy(e), "T", ast.Load())


# -- the LSTM: a gate's whole weight, a gate's gradient without its derivative --------------------
def sliced_gate_edits(fn: ast.FunctionDef, n_a: str) -> list[Edit]:
    """In da_prev, every gate weight ``W.T`` as ``W[:, :n_a].T``; in dxt as ``W[:, n_a:].T``
    (one repair per line: the learner who forgot the slice forgot it for every gate)."""
    out: list[Edit] = []
    for s in assignments(fn):
        name = target_name(s)
        cut = f":{n_a}" if name.startswith("da_prev") else f"{n_a}:" if name == "dxt" else None
        whole = [n for n in ast.walk(s.value) if cut and _whole_weight_t(n)]
        if whole:
            news = {n: expr(f"{ast.unparse(n.value)}[:, {cut}].T") for n in whole}
            out.append(("gate-not-sliced", s, replace_all(news)))
    return out


def _whole_weight_t(n: ast.AST) -> bool:
    """``W.T`` for a gate's weight ``Wf`` or ``parameters["Wf"]`` (not already sliced)."""
    if not (isinstance(n, ast.Attribute) and n.attr == "T"):
        return False
    w = n.value
    if isinstance(w, ast.Name):
        return w.id[:1] == "W"
    key = w.slice if isinstance(w, ast.Subscript) else None
    return isinstance(key, ast.Constant) and str(key.value)[:1] == "W"


def derivative_edits(fn: ast.FunctionDef, gates: dict[str, str]) -> list[Edit]:
    """In da_prev and dxt, each gate's gradient ``dft`` as ``dft * ft * (1 - ft)`` (``dcct`` as
    ``dcct * (1 - cct ** 2)``): the gates' gradients taken before their activation's
    derivative, as the learner keeps them for dW. ``gates`` maps dft → its factor's text."""
    out: list[Edit] = []
    for s in assignments(fn):
        name = target_name(s)
        if not (name.startswith("da_prev") or name == "dxt"):
            continue
        uses = [n for n in ast.walk(s.value) if isinstance(n, ast.Name) and n.id in gates]
        if uses:
            news = {n: expr(f"({n.id} * {gates[n.id]})") for n in uses}
            out.append(("gate-derivative-missing", s, replace_all(news)))
    return out


# -- the sequence: the carried gradients never updated; every dW assigned ------------------------
def not_carried_edits(fn: ast.FunctionDef, cell: str, carried: list[str]) -> list[Edit]:
    """The cell's da_prev (and dc_prev) never read back into the carried names: the lines
    ``da_prevt = gradients["da_prev"]`` put in after the cell's call."""
    out: list[Edit] = []
    for loop in (s for s in ast.walk(fn) if isinstance(s, ast.For)):
        body = loop.body
        for k, s in enumerate(body[:-1]):
            call = s.value if isinstance(s, ast.Assign) else None
            if not (isinstance(call, ast.Call) and ast.unparse(call.func) == cell):
                continue
            grads = target_name(s)
            written = {target_name(x) for x in body if isinstance(x, ast.Assign)}
            written |= {
                e.id
                for x in body
                if isinstance(x, ast.Assign) and isinstance(x.targets[0], ast.Tuple)
                for e in x.targets[0].elts
                if isinstance(e, ast.Name)
            }
            missing = [(n, key) for n, key in carried if n not in written]
            if grads and missing:
                lines = [ast.parse(f'{n} = {grads}["{key}"]').body[0] for n, key in missing]
                out.append(("next-not-carried", body[k + 1], _insert_before(lines)))
    return out


def _insert_before(lines: list[ast.stmt]) -> Fix:
    return lambda st: [*copy.deepcopy(lines), copy.deepcopy(st)]


def accumulate_all(edits: list[Edit]) -> list[Repair]:
    """Every ``dW = …`` of the loop accumulated at once, as one repair (when there are two or
    more): a learner who assigns one parameter gradient assigns them all."""
    return grouped(edits, "not-accumulated")


def grouped(edits: list[Edit], mistake: str) -> list[Repair]:
    """The edits of one mistake made together, as one repair (when there are two or more)."""
    group = tuple(e for e in edits if e[0] == mistake)
    return [group] if len(group) > 1 else []


# -- a weight read from a name the function never defines ----------------------------------------
def global_weight_edits(fn: ast.FunctionDef, parameters: str) -> list[Edit]:
    """``Wf`` (a global the notebook's test cell happens to define) as ``parameters["Wf"]``,
    in every line that reads it: the function must take its weights from the cache."""
    defined = {a.arg for a in fn.args.args} | {
        t.id
        for s in ast.walk(fn)
        if isinstance(s, ast.Assign | ast.AugAssign | ast.For)
        for target in (s.targets if isinstance(s, ast.Assign) else [s.target])
        for t in ast.walk(target)
        if isinstance(t, ast.Name)
    }
    out: list[Edit] = []
    for s in assignments(fn):
        names = [
            n
            for n in ast.walk(s.value)
            if isinstance(n, ast.Name) and n.id not in defined and n.id[:1] in ("W", "b")
        ]
        if names:
            news = {n: expr(f'{parameters}["{n.id}"]') for n in names}
            out.append(("weights-not-read", s, replace_all(news)))
    return out
