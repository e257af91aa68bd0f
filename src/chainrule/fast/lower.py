"""Lowering: IR statements become in-place NumPy calls on buffers allocated once.

The :class:`Emitter` walks each statement's tree and writes one NumPy call per operation, every call
with ``out=``: nothing allocates while the step runs. Three rules keep the number of calls and
buffers small:

* an elementwise chain is evaluated *in* its destination — ``dZ1 = dA1 * (1 - A1**2)`` is
  ``square``, ``subtract``, ``multiply``, with no array built for ``1 - A1**2`` other than a reused
  temporary; a subtraction absorbs a negation and a division absorbs a reciprocal;
* a quantity may take over the buffer of an operand that dies in the same statement
  (``A1 = tanh(Z1)`` is computed in place when nothing reads ``Z1`` afterwards) — but never the
  buffer of a matrix-product operand, which BLAS must not overwrite while reading;
* temporaries come from a pool of free buffers of the same shape and go back right after use.

Aliasing is safe by construction: the destination is written first only when nothing evaluated
after that write reads it; otherwise both operands are evaluated elsewhere first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ir.expr import Expr, walk
from ..printers.base import denominator, is_negation, is_reciprocal
from ..printers.numpy_code import NumpyPrinter
from .forms import lower_fn

__all__ = ["Buffer", "Value", "Emitter"]

_WALK_THROUGH = frozenset({"add", "mul", "scale", "fn", "broadcast"})


@dataclass
class Buffer:
    """One array allocated when the step is built; ``holds`` names what it stores, in turn."""

    name: str
    shape: tuple
    holds: list[str] = field(default_factory=list)


@dataclass
class Value:
    """Where a quantity lives: the Python name the code uses and the buffer behind it."""

    local: str
    buffer: Buffer | None  # None: an input or a caller's output array, never recycled
    bound: bool = False  # whether ``local`` already names the buffer inside the function
    shape: tuple | None = None  # the buffer's (symbolic) shape, or an output array's

    def __post_init__(self) -> None:
        if self.buffer is not None:
            self.shape = self.buffer.shape


class Emitter:
    """Statement by statement, NumPy calls into buffers (see the module docstring)."""

    def __init__(self, inputs: list[str], outputs: dict[str, tuple], indent: str = "    ") -> None:
        self.lines: list[str] = []
        self.indent = indent
        self.buffers: list[Buffer] = []
        self.pool: dict[tuple, list[Buffer]] = {}
        self.values = {n: Value(n, None, True) for n in inputs}
        self.values.update({n: Value(n, None, True, shape) for n, shape in outputs.items()})
        self.outputs = set(outputs)
        self.users: dict[int, set[str]] = {}  # id(buffer) → live quantities stored in it
        self.ntemp = 0
        self.printer = NumpyPrinter()
        self.printed: list[Expr] = []  # trees printed as teaching NumPy (their helpers are needed)

    # -- buffers ----------------------------------------------------------------------------------
    def acquire(self, shape: tuple, holder: str) -> Buffer:
        """A free buffer of ``shape`` (or a new one) for ``holder``."""
        free = self.pool.get(shape)
        buf = free.pop() if free else self._new(shape)
        buf.holds.append(holder)
        return buf

    def kept(self, name: str, shape: tuple) -> Value:
        """A new quantity ``name`` in a fresh buffer of ``shape`` (a softmax's max and sum)."""
        self.values[name] = Value(name, self._new(shape))
        return self.values[name]

    def _new(self, shape: tuple) -> Buffer:
        buf = Buffer(f"buf{len(self.buffers)}", shape)
        self.buffers.append(buf)
        return buf

    def release(self, buf: Buffer | None) -> None:
        if buf is not None:
            self.pool.setdefault(buf.shape, []).append(buf)

    def temp(self, shape: tuple) -> Value:
        self.ntemp += 1
        name = f"t{self.ntemp}"
        return Value(name, self.acquire(shape, name))

    def kill(self, names: set[str]) -> None:
        """Quantities read for the last time: their buffers return to the pool once empty."""
        for n in names:
            v = self.values.get(n)
            if v is None or v.buffer is None:
                continue
            live = self.users.get(id(v.buffer), set())
            live.discard(n)
            if not live:
                self.release(v.buffer)

    # -- statements -------------------------------------------------------------------------------
    def statement(self, target: str, e: Expr, dying: set[str], comment: str | None = None) -> None:
        """``target = e``; ``dying`` are the quantities no later statement reads."""
        if comment:
            self.line(f"# {comment}")
        if e.op == "var" and self.values[e.name].buffer is not None:  # a new name, same array
            src = self.values[e.name]
            self.values[target] = Value(target, src.buffer, True)
            self.users[id(src.buffer)].add(target)
            self.line(f"{target} = {src.local}")
        else:
            out = self._out_for(target, e, dying)
            self.values[target] = out
            self.into(e, out)
        self.kill(dying - {target})

    def _out_for(self, target: str, e: Expr, dying: set[str]) -> Value:
        """The caller's array for an output; else the buffer of a dying operand; else a free one."""
        if target in self.outputs:
            return self.values[target]
        direct = {a.name for a in e.args if a.op == "var"}  # inner ones first: no temporary then
        for name in sorted(self._elementwise_reads(e), key=lambda n: n in direct):
            v = self.values.get(name)
            if name in dying and v is not None and v.buffer is not None:
                if v.buffer.shape == e.shape and self.users[id(v.buffer)] == {name}:
                    self.users[id(v.buffer)] = {target}
                    v.buffer.holds.append(target)
                    return Value(target, v.buffer)
        buf = self.acquire(e.shape, target)
        self.users[id(buf)] = {target}
        return Value(target, buf)

    def _elementwise_reads(self, e: Expr) -> list[str]:
        """Variables read only through elementwise operations (safe to overwrite in place)."""
        if e.op == "var":
            return [e.name]
        if e.op not in _WALK_THROUGH:
            return []
        opaque = {
            v.name
            for n in walk(e)
            if n.op not in _WALK_THROUGH and not n.is_leaf
            for v in walk(n)
            if v.op == "var"
        }
        return [n for n in _walk_elementwise(e) if n not in opaque]

    def line(self, text: str) -> None:
        self.lines.append(self.indent + text)

    def call(self, func: str, args: list[str], out: Value) -> None:
        """``func(*args, out=…)``; the first write into a buffer binds the quantity's name to it."""
        if out.bound:
            self.line(f"{func}({', '.join(args)}, out={out.local})")
        else:
            self.line(f"{out.local} = {func}({', '.join(args)}, out={out.buffer.name})")
            out.bound = True

    def bind(self, out: Value) -> None:
        if not out.bound:
            self.line(f"{out.local} = {out.buffer.name}")
            out.bound = True

    # -- expressions ------------------------------------------------------------------------------
    def reads(self, e: Expr) -> set[int]:
        """The buffers ``e`` reads (by id)."""
        out = set()
        for n in walk(e):
            if n.op == "var" and n.name in self.values and self.values[n.name].buffer is not None:
                out.add(id(self.values[n.name].buffer))
        return out

    def reads_out(self, out: Value) -> set[int]:
        """``out``'s buffer (by id), for alias checks."""
        return {id(out.buffer)} if out.buffer is not None else set()

    def simple(self, e: Expr) -> bool:
        """Usable as an operand without computing anything: names, scalars, views, spreads."""
        if e.shape == ():
            return not any(n.op == "sum" for n in walk(e))
        if e.op == "var":
            return True
        if e.op in ("broadcast", "transpose"):
            return self.simple(e.args[0]) and (e.op == "broadcast" or e.args[0].op == "var")
        return False

    def operand(self, e: Expr) -> tuple[str, Value | None]:
        """``e`` as an argument: its name, a scalar, a view, or a temporary it is computed into."""
        if e.shape == () and self.simple(e):
            return self.scalar(e), None
        if e.op == "var":
            return self.values[e.name].local, None
        if e.op == "broadcast":
            return self.operand(e.args[0])
        if e.op == "transpose" and e.args[0].op == "var":
            return self.values[e.args[0].name].local + ".T", None
        if e.op == "transpose":
            text, t = self.operand(e.args[0])
            return text + ".T", t
        t = self.temp(e.shape)
        self.into(e, t)
        return t.local, t

    def done(self, *temps: Value | None) -> None:
        for t in temps:
            if t is not None:
                self.release(t.buffer)

    def scalar(self, e: Expr) -> str:
        """A scalar expression as Python arithmetic (``scale / m``); always a Python number."""
        text = self.printer.doprint(e)
        return text if e.op in ("var", "dim") else f"({text})" if " " in text else text

    def into(self, e: Expr, out: Value) -> None:
        """Compute ``e`` into ``out`` (which may alias a buffer ``e`` reads; see the docstring)."""
        method = getattr(self, f"_into_{e.op}", None)
        if method is None:
            return self.fallback(e, out)
        method(e, out)

    def fallback(self, e: Expr, out: Value) -> None:
        """What has no in-place lowering is printed as the teaching form and copied in."""
        self.printed.append(e)
        self.bind(out)
        self.line(f"np.copyto({out.local}, {self.printer.shaped(e)})")

    def _computable_into(self, e: Expr, out: Value) -> bool:
        return not self.simple(e) and e.op != "broadcast" and e.shape == out.shape

    def _into_var(self, e: Expr, out: Value) -> None:
        self.bind(out)
        self.line(f"np.copyto({out.local}, {self.values[e.name].local})")

    def _into_broadcast(self, e: Expr, out: Value) -> None:
        text, t = self.operand(e.args[0])
        self.bind(out)
        self.line(f"np.copyto({out.local}, {text})")
        self.done(t)

    def _into_matmul(self, e: Expr, out: Value) -> None:
        if out.buffer is not None and id(out.buffer) in self.reads(e):
            return self._via_temp(e, out)  # BLAS must not write what it reads
        a, ta = self.operand(e.args[0])
        b, tb = self.operand(e.args[1])
        self.call("np.dot", [a, b], out)
        self.done(ta, tb)

    def _into_sum(self, e: Expr, out: Value) -> None:
        axis, keep = e.attrs
        if axis is None or not keep or (out.buffer and id(out.buffer) in self.reads(e)):
            return self.fallback(e, out) if axis is None or not keep else self._via_temp(e, out)
        x, t = self.operand(e.args[0])
        self.call("np.add.reduce", [x, f"axis={axis}", "keepdims=True"], out)
        self.done(t)

    def _via_temp(self, e: Expr, out: Value) -> None:
        t = self.temp(e.shape)
        self.into(e, t)
        self.bind(out)
        self.line(f"np.copyto({out.local}, {t.local})")
        self.done(t)

    def _into_add(self, e: Expr, out: Value) -> None:
        a, b = e.args
        if is_negation(b):
            return self.binary("np.subtract", a, b.args[1], out)
        if is_negation(a):
            return self.binary("np.subtract", b, a.args[1], out)
        self.binary("np.add", a, b, out)

    def _into_mul(self, e: Expr, out: Value) -> None:
        a, b = e.args
        if is_reciprocal(b):
            return self.binary("np.divide", a, denominator(b), out)
        if is_reciprocal(a):
            return self.binary("np.divide", b, denominator(a), out)
        self.binary("np.multiply", a, b, out)

    def _into_scale(self, e: Expr, out: Value) -> None:
        s, x = e.args
        if is_negation(e):
            return self.unary(lambda src: self.call("np.negative", [src], out), x, out)
        self.binary("np.multiply", x, s, out)

    def _into_fn(self, e: Expr, out: Value) -> None:
        lower_fn(self, e.attrs[0], e.args[0], out)  # the per-function NumPy spellings

    def unary(self, apply: object, x: Expr, out: Value) -> None:
        """Evaluate ``x`` (in ``out`` when it can be), then ``apply(source)`` writes ``out``."""
        if self._computable_into(x, out):
            self.into(x, out)
            return apply(out.local)
        src, t = self.operand(x)
        apply(src)
        self.done(t)

    def binary(self, func: str, a: Expr, b: Expr, out: Value) -> None:
        """``func(a, b, out=out)`` with the larger operand computed in ``out`` when that is safe."""
        ob = id(out.buffer) if out.buffer is not None else None
        if self._computable_into(a, out) and ob not in self.reads(b):
            self.into(a, out)
            sb, tb = self.operand(b)
            self.call(func, [out.local, sb], out)
            return self.done(tb)
        if self._computable_into(b, out) and ob not in self.reads(a):
            self.into(b, out)
            sa, ta = self.operand(a)
            self.call(func, [sa, out.local], out)
            return self.done(ta)
        sa, ta = self.operand(a)
        sb, tb = self.operand(b)
        self.call(func, [sa, sb], out)
        self.done(ta, tb)


def _walk_elementwise(e: Expr) -> list[str]:
    """Variables reached from ``e`` through elementwise operations only."""
    if e.op == "var":
        return [e.name]
    if e.op not in _WALK_THROUGH:
        return []
    return [n for a in e.args for n in _walk_elementwise(a)]
