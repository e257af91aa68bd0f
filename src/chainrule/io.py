"""Files written atomically: a temporary file in the same folder, flushed, then renamed."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

__all__ = ["write_text_atomic", "write_bytes_atomic", "checksum", "write_model_npz"]


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"))


def checksum(fmt: str, spec: str, arrays: Mapping[str, np.ndarray]) -> str:
    """``"sha256:…"`` of a model file's format, spec and every array (name, dtype, shape, bytes),
    so a file changed after it was saved is refused when it is read."""
    h = hashlib.sha256()
    h.update(fmt.encode() + b"\0" + spec.encode() + b"\0")
    for k in sorted(arrays):
        a = np.ascontiguousarray(arrays[k])
        h.update(f"{k}\0{a.dtype.str}\0{a.shape}\0".encode())
        h.update(a.tobytes())
    return "sha256:" + h.hexdigest()


def write_model_npz(
    path: str | os.PathLike, fmt: str, spec: str, arrays: Mapping[str, np.ndarray]
) -> Path:
    """A model file: ``arrays`` beside ``__format__``, ``__spec__`` (JSON text) and their
    ``__checksum__``, as one ``.npz`` written atomically (no pickle anywhere)."""
    arrays = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    meta = {
        "__format__": np.array(fmt),
        "__spec__": np.array(spec),
        "__checksum__": np.array(checksum(fmt, spec, arrays)),
    }
    buf = io.BytesIO()
    np.savez(buf, **meta, **arrays)
    return write_bytes_atomic(path, buf.getvalue())
