"""A trained character model as an ``.npz`` file (never pickle), written atomically.

The archive holds ``__format__`` (``chainrule-charlm/1``), ``__spec__`` (JSON: the cell, the
vocabulary), ``__checksum__`` (SHA-256 over the format, the spec and every array's name, dtype,
shape and bytes, as the network model files have) and the parameters as they are. It is read with
``allow_pickle=False``; a missing, foreign, truncated or altered file is a :class:`ModelFileError`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..errors import ModelFileError
from ..io import checksum, write_model_npz
from .charlm import SHAPES, CharModel

__all__ = ["FORMAT", "load_charlm", "save_charlm"]

FORMAT = "chainrule-charlm/1"
_META = ("__format__", "__spec__", "__checksum__")


def save_charlm(path: str | os.PathLike, model: CharModel) -> Path:
    """Write the model's cell, vocabulary and parameters to ``path`` (atomically)."""
    spec = json.dumps({"cell": model.cell, "chars": model.chars}, sort_keys=True)
    return write_model_npz(path, FORMAT, spec, model.params)


def load_charlm(path: str | os.PathLike) -> CharModel:
    """Read a file written by :func:`save_charlm`."""
    p = Path(path)
    try:
        with np.load(p, allow_pickle=False) as archive:
            arrays = {k: archive[k] for k in archive.files}
    except Exception as e:  # missing, not a zip, truncated, a pickle: all mean the same here
        raise ModelFileError(
            f"{str(p)!r} is not a readable character model ({type(e).__name__})",
            hint="write one with chainrule train --cell rnn --save FILE.npz",
        ) from None
    if str(arrays.get("__format__", "")) != FORMAT:
        raise ModelFileError(f"{str(p)!r} is not a {FORMAT} file")
    spec, params = str(arrays["__spec__"]), {k: v for k, v in arrays.items() if k not in _META}
    if str(arrays.get("__checksum__", "")) != checksum(FORMAT, spec, params):
        raise ModelFileError(f"{str(p)!r} fails its checksum: it was changed after it was saved")
    info = json.loads(spec)
    cell = info.get("cell")
    if cell not in SHAPES or set(params) != {k for k in SHAPES[cell] if k[0] in "Wb"}:
        raise ModelFileError(f"{str(p)!r} does not hold the parameters of a {cell!r} model")
    return CharModel(str(info["chars"]), params, cell)
