"""Saving and loading trained parameters with the network's spec, as ``.npz`` — never pickle.

A model file is a plain ``np.savez`` archive holding

* ``__format__``: the string ``chainrule-model/1`` (the format and its version);
* ``__spec__``: the spec as a JSON string (layers, activations, output, loss, layout, λ, keep_prob);
* ``__checksum__``: SHA-256 over the format, the spec and every array's name, dtype, shape, bytes;
* the parameters ``W1, b1, …`` as they are.

It is written atomically (readers see the old file or the new one), and read with
``allow_pickle=False``. A missing, truncated, tampered-with or foreign file raises
:class:`ModelFileError` saying which. Custom activations (SymPy expressions) are stored by name
and formula, but rebuilt only from the ``activations`` the caller passes to :func:`load`: a model
file never makes chainrule evaluate text it contains.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np
import sympy

from .. import scalar
from ..errors import ChainruleError, ModelFileError, SpecError
from ..io import checksum as _checksum
from ..io import write_model_npz
from ..nets import MLPSpec, Network
from .history import History

__all__ = ["save", "load", "LoadedModel", "FORMAT"]

FORMAT = "chainrule-model/1"
_META = ("__format__", "__spec__", "__checksum__")


class LoadedModel(NamedTuple):
    """What :func:`load` returns: ``net, params = cr.load("model.npz")``."""

    net: Network
    params: dict[str, np.ndarray]


def save(path: str | os.PathLike, net: Network, params: Mapping[str, np.ndarray] | History) -> Path:
    """Write ``net``'s spec and ``params`` (or a History's final parameters) to ``path``."""
    params = params.params if isinstance(params, History) else params
    arrays = {k: np.ascontiguousarray(params[k]) for k in _expected(net.spec) if k in params}
    _check_params(net.spec, arrays, lambda msg: SpecError(msg, hint="pass the params from fit"))
    return write_model_npz(path, FORMAT, json.dumps(_spec_json(net.spec), sort_keys=True), arrays)


def load(
    path: str | os.PathLike, *, activations: Mapping[str, scalar.ElementwiseFn] | None = None
) -> LoadedModel:
    """Read a model file written by :func:`save`; ``activations`` supplies custom activations."""
    p = Path(path)
    if not p.is_file():
        raise ModelFileError(f"model file {str(p)!r} does not exist")
    arrays = _read(p)
    fmt = _text(p, arrays, "__format__")
    if not fmt.startswith("chainrule-model/"):
        raise ModelFileError(f"{str(p)!r} is not a chainrule model file (format {fmt!r})")
    if fmt != FORMAT:
        raise ModelFileError(
            f"{str(p)!r} has format {fmt!r}; this chainrule reads {FORMAT!r}",
            hint="save it again with the chainrule version that trained it",
        )
    spec_text = _text(p, arrays, "__spec__")
    params = {k: v for k, v in arrays.items() if k not in _META}
    if _text(p, arrays, "__checksum__") != _checksum(fmt, spec_text, params):
        raise ModelFileError(
            f"{str(p)!r} fails its checksum: it was changed or corrupted after it was saved",
            hint="train and save the model again",
        )
    spec = _spec_from_json(p, spec_text, activations or {})
    _check_params(spec, params, lambda msg: ModelFileError(f"{str(p)!r}: {msg}"))
    return LoadedModel(Network(spec), params)


# -- reading --------------------------------------------------------------------------------------
def _read(p: Path) -> dict[str, np.ndarray]:
    """Every array of the archive, or a ModelFileError for anything that is not a whole .npz."""
    try:
        archive = np.load(p, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ModelFileError(f"{str(p)!r} is a single NumPy array, not a model file")
        with archive:
            return {k: archive[k] for k in archive.files}
    except ModelFileError:
        raise
    except Exception as e:  # zip, zlib, format and pickle refusals all mean the same here
        raise ModelFileError(
            f"{str(p)!r} is not a readable model file ({type(e).__name__}: {e})",
            hint="it may be truncated or not written by chainrule; save it again",
        ) from None


def _text(p: Path, arrays: Mapping[str, np.ndarray], key: str) -> str:
    if key not in arrays:
        raise ModelFileError(
            f"{str(p)!r} is an .npz archive but not a chainrule model file (no {key})",
            hint="model files are written by cr.save or chainrule train --save",
        )
    value = arrays[key]
    if value.shape != () or value.dtype.kind != "U":
        raise ModelFileError(f"{str(p)!r}: {key} must be a string, not {value.dtype} {value.shape}")
    return str(value)


# -- the spec as JSON -----------------------------------------------------------------------------
def _spec_json(spec: MLPSpec) -> dict:
    return {
        "layers": list(spec.layers),
        "hidden": [_fn_json(h) for h in spec.hidden],
        "output": spec.output,
        "loss": spec.loss,
        "layout": spec.layout,
        "l2": spec.l2,
        "keep_prob": list(spec.keep_prob),
        "batchnorm": spec.batchnorm,
    }


def _fn_json(fn: scalar.ElementwiseFn) -> dict:
    if fn.name in scalar.FUNCTIONS and scalar.FUNCTIONS[fn.name] == fn:
        return {"name": fn.name}
    if fn.name in ("power", "leaky_relu"):
        return {"name": fn.name, "param": str(fn.params[0])}
    return {"name": fn.name, "custom": str(fn.expr)}


def _fn_from_json(d: dict, activations: Mapping[str, scalar.ElementwiseFn]) -> scalar.ElementwiseFn:
    name = d["name"]
    if "custom" in d:
        if name not in activations:
            raise ModelFileError(
                f"the model uses the custom activation {name}(z) = {d['custom']}",
                hint=f"pass it: cr.load(path, activations={{'{name}': cr.activation(...)}})",
            )
        return activations[name]
    if name == "power":
        return scalar.power(_rational(d["param"]))
    if name == "leaky_relu":
        return scalar.leaky_relu(_rational(d["param"]))
    return scalar.lookup(name)


def _rational(text: object) -> sympy.Rational:
    """``"1/100"`` → 1/100; ``"1/0"`` or ``"nan"`` is not a parameter (ValueError)."""
    try:
        value = sympy.Rational(str(text))
    except (TypeError, ValueError, ArithmeticError, sympy.SympifyError):
        raise ValueError(f"parameter {text!r} is not a finite rational number") from None
    if not value.is_finite:
        raise ValueError(f"parameter {text!r} is not a finite rational number")
    return value


def _spec_from_json(p: Path, text: str, activations: Mapping[str, scalar.ElementwiseFn]) -> MLPSpec:
    try:
        d = json.loads(text)
        hidden = [_fn_from_json(h, activations) for h in d["hidden"]]
        keep = d["keep_prob"] or 1.0
        return MLPSpec.make(
            d["layers"],
            hidden,
            d["output"],
            d["loss"],
            d["layout"],
            d["l2"],
            keep,
            d.get("batchnorm", False),
        )
    except ModelFileError:
        raise
    except (ChainruleError, ValueError, KeyError, TypeError, ArithmeticError) as e:
        raise ModelFileError(f"{str(p)!r} holds an invalid network spec ({e!r})") from None


# -- parameters -----------------------------------------------------------------------------------
def _expected(spec: MLPSpec) -> dict[str, tuple[int, int]]:
    """``{"W1": shape, "b1": shape, …}`` in the spec's layout (:meth:`MLPSpec.shapes`)."""
    return spec.shapes()


def _check_params(
    spec: MLPSpec, params: Mapping[str, np.ndarray], error: Callable[[str], Exception]
) -> None:
    expected = _expected(spec)
    if set(params) != set(expected):
        missing, extra = sorted(set(expected) - set(params)), sorted(set(params) - set(expected))
        raise error(f"parameters do not fit the network (missing {missing}, unexpected {extra})")
    for k, shape in expected.items():
        a = params[k]
        if a.shape != shape or a.dtype.kind != "f":
            raise error(f"{k} is {a.dtype} {a.shape}, expected a float array of shape {shape}")
