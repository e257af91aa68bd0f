"""Seeded toy data sets and a loader for the user's own data, in the course's layout.

Every function here returns a pair ``(X, Y)`` with the examples as **columns**, the layout of the
Deep Learning Specialization:

* ``X`` has shape ``(n_features, m)`` and dtype float64 — column ``i`` is example ``i``;
* ``Y`` has shape ``(1, m)`` and dtype float64 — the label of each example (0.0/1.0 for binary
  data sets, 0.0 .. k-1 for k classes), or shape ``(k, m)`` one-hot when a multi-class data set is
  asked for ``one_hot=True``.

The generators are pure NumPy and deterministic for a given ``seed``; each draws from its own
random generator, so calling one never changes NumPy's global random state.

``load`` reads a CSV or NPZ file and raises :class:`~chainrule.errors.DataError` with the file,
line and column of the problem when the file cannot be used.
"""

from __future__ import annotations

import csv
import inspect
import math
import operator
import zipfile
from collections.abc import Callable
from os import PathLike
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from chainrule.errors import DataError

__all__ = [
    "FloatArray",
    "DATASETS",
    "planar",
    "moons",
    "circles",
    "spirals",
    "xor",
    "blobs",
    "to_one_hot",
    "load",
    "make_dataset",
]

FloatArray = npt.NDArray[np.float64]
"""A float64 NumPy array."""

_CSV_SUFFIXES = {".csv": ",", ".txt": ",", ".tsv": "\t"}
_NPZ_SUFFIXES = {".npz"}


# ---------------------------------------------------------------------------------------------
# parameter checks
# ---------------------------------------------------------------------------------------------


def _int_param(name: str, value: object, *, minimum: int, dataset: str) -> int:
    if isinstance(value, bool):
        raise DataError(f"{dataset}: {name} must be an integer, got {value!r}")
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise DataError(
            f"{dataset}: {name} must be an integer, got {value!r} ({type(value).__name__})"
        ) from None
    if number < minimum:
        raise DataError(f"{dataset}: {name} must be at least {minimum}, got {number}")
    return number


def _noise_param(value: object, *, dataset: str) -> float:
    if isinstance(value, bool):
        raise DataError(f"{dataset}: noise must be a number >= 0, got {value!r}")
    try:
        noise = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError(f"{dataset}: noise must be a number >= 0, got {value!r}") from None
    if not math.isfinite(noise) or noise < 0:
        raise DataError(f"{dataset}: noise must be a finite number >= 0, got {value!r}")
    return noise


def _seed_param(value: object, *, dataset: str) -> int:
    return _int_param("seed", value, minimum=0, dataset=dataset)


def _split_counts(m: int, parts: int) -> list[int]:
    """``m`` split into ``parts`` counts that differ by at most one (the first ones larger)."""
    return [m // parts + (1 if i < m % parts else 0) for i in range(parts)]


def _finish(
    rng: np.random.Generator, points: list[FloatArray], labels: list[FloatArray]
) -> tuple[FloatArray, FloatArray]:
    """Stack per-class point blocks (rows = examples), shuffle, and return them as columns."""
    X = np.concatenate(points, axis=0)
    y = np.concatenate(labels)
    order = rng.permutation(y.shape[0])
    X_cols = np.ascontiguousarray(X[order].T, dtype=np.float64)
    Y_row = np.ascontiguousarray(y[order].reshape(1, -1), dtype=np.float64)
    return X_cols, Y_row


def to_one_hot(Y: npt.ArrayLike, k: int | None = None) -> FloatArray:
    """One-hot encode integer class labels.

    Args:
        Y: labels of shape ``(1, m)`` or ``(m,)``, each a whole number in ``0 .. k-1``.
        k: the number of classes; by default ``max(Y) + 1``.

    Returns:
        An array of shape ``(k, m)`` with ``out[c, i] == 1.0`` where example ``i`` has class ``c``
        and 0.0 elsewhere.

    Raises:
        DataError: labels that are not whole numbers in ``0 .. k-1``, or a ``Y`` of another shape.
    """
    labels = np.asarray(Y, dtype=np.float64)
    if labels.ndim == 2 and labels.shape[0] == 1:
        labels = labels[0]
    if labels.ndim != 1:
        raise DataError(
            f"one-hot encoding needs labels of shape (1, m) or (m,), got shape {labels.shape}"
        )
    if labels.size and (
        not np.all(np.isfinite(labels)) or np.any(labels < 0) or np.any(labels != np.round(labels))
    ):
        bad = labels[~(np.isfinite(labels) & (labels >= 0) & (labels == np.round(labels)))][0]
        raise DataError(
            f"one-hot encoding needs whole-number class labels 0, 1, 2, ...; found {float(bad)!r}"
        )
    ints = labels.astype(np.int64)
    if k is None:
        n_classes = int(ints.max()) + 1 if ints.size else 0
    else:
        n_classes = _int_param("k", k, minimum=1, dataset="one-hot")
    if ints.size and ints.max() >= n_classes:
        raise DataError(
            f"one-hot encoding with k={n_classes} classes found label {int(ints.max())}; "
            f"labels must be 0 .. {n_classes - 1}"
        )
    out = np.zeros((n_classes, ints.size), dtype=np.float64)
    out[ints, np.arange(ints.size)] = 1.0
    return out


# ---------------------------------------------------------------------------------------------
# generators
# ---------------------------------------------------------------------------------------------


def planar(m: int = 400, seed: int = 1, *, noise: float = 0.2) -> tuple[FloatArray, FloatArray]:
    """The course's planar "flower" data set (DLS course 1, week 3), reproduced exactly.

    Two classes of ``N = m // 2`` points each, drawn (with the defaults) exactly as the course's
    ``load_planar_dataset`` does after ``np.random.seed(1)``: for class ``j = 0`` then ``1``,
    ``t = linspace(j*3.12, (j+1)*3.12, N) + randn(N)*0.2``, ``r = 4*sin(4t) + randn(N)*0.2``, and
    the points are ``(r sin t, r cos t)``. The numbers come from a private
    ``np.random.RandomState(seed)``, which yields the same values as the course's global seeding
    but leaves NumPy's global random state untouched. The examples are *not* shuffled: the first
    ``N`` columns are class 0, the next ``N`` class 1, as in the course.

    Args:
        m: number of examples requested; ``2 * (m // 2)`` are returned (an odd ``m`` loses one).
        seed: the seed of the random draws (the course uses 1).
        noise: standard deviation of the angle and radius jitter (the course uses 0.2).

    Returns:
        ``X`` of shape ``(2, 2 * (m // 2))`` and ``Y`` of shape ``(1, 2 * (m // 2))`` holding
        0.0/1.0 (``(2, 400)`` and ``(1, 400)`` with the defaults).
    """
    m = _int_param("m", m, minimum=2, dataset="planar")
    seed = _seed_param(seed, dataset="planar")
    noise = _noise_param(noise, dataset="planar")
    rng = np.random.RandomState(seed)
    n = m // 2
    a = 4
    X = np.zeros((2 * n, 2))
    Y = np.zeros((2 * n, 1))
    for j in range(2):
        ix = slice(n * j, n * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, n) + rng.randn(n) * noise
        r = a * np.sin(4 * t) + rng.randn(n) * noise
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T)


def moons(m: int = 200, noise: float = 0.2, seed: int = 0) -> tuple[FloatArray, FloatArray]:
    """Two interleaving half circles (like scikit-learn's ``make_moons``), shuffled.

    Class 0 lies on the upper arc ``(cos θ, sin θ)``, class 1 on the lower arc
    ``(1 - cos θ, 0.5 - sin θ)``, ``θ`` evenly spaced in ``[0, π]``; Gaussian noise of standard
    deviation ``noise`` is added to both coordinates.

    Args:
        m: number of examples (the two classes differ in size by at most one).
        noise: standard deviation of the Gaussian noise on each coordinate.
        seed: seed of the private random generator.

    Returns:
        ``X`` of shape ``(2, m)`` and ``Y`` of shape ``(1, m)`` holding 0.0/1.0.
    """
    m = _int_param("m", m, minimum=2, dataset="moons")
    noise = _noise_param(noise, dataset="moons")
    rng = np.random.default_rng(_seed_param(seed, dataset="moons"))
    n0, n1 = _split_counts(m, 2)
    t0 = np.linspace(0, np.pi, n0)
    t1 = np.linspace(0, np.pi, n1)
    outer = np.c_[np.cos(t0), np.sin(t0)]
    inner = np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]
    points = [
        outer + rng.normal(0.0, 1.0, outer.shape) * noise,
        inner + rng.normal(0.0, 1.0, inner.shape) * noise,
    ]
    return _finish(rng, points, [np.zeros(n0), np.ones(n1)])


def circles(
    m: int = 200, noise: float = 0.05, seed: int = 0, *, factor: float = 0.5
) -> tuple[FloatArray, FloatArray]:
    """Two concentric circles (like scikit-learn's ``make_circles``), shuffled.

    Class 0 lies on the unit circle, class 1 on the circle of radius ``factor``, angles evenly
    spaced; Gaussian noise of standard deviation ``noise`` is added to both coordinates.

    Args:
        m: number of examples (the two classes differ in size by at most one).
        noise: standard deviation of the Gaussian noise on each coordinate.
        seed: seed of the private random generator.
        factor: radius of the inner circle, strictly between 0 and 1.

    Returns:
        ``X`` of shape ``(2, m)`` and ``Y`` of shape ``(1, m)`` holding 0.0/1.0.
    """
    m = _int_param("m", m, minimum=2, dataset="circles")
    noise = _noise_param(noise, dataset="circles")
    rng = np.random.default_rng(_seed_param(seed, dataset="circles"))
    try:
        factor = float(factor)
    except (TypeError, ValueError):
        raise DataError(f"circles: factor must be a number in (0, 1), got {factor!r}") from None
    if not 0 < factor < 1:
        raise DataError(f"circles: factor must be strictly between 0 and 1, got {factor!r}")
    n0, n1 = _split_counts(m, 2)
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    outer = np.c_[np.cos(t0), np.sin(t0)]
    inner = factor * np.c_[np.cos(t1), np.sin(t1)]
    points = [
        outer + rng.normal(0.0, 1.0, outer.shape) * noise,
        inner + rng.normal(0.0, 1.0, inner.shape) * noise,
    ]
    return _finish(rng, points, [np.zeros(n0), np.ones(n1)])


def spirals(
    m: int = 300, k: int = 3, noise: float = 0.2, seed: int = 0, *, one_hot: bool = False
) -> tuple[FloatArray, FloatArray]:
    """``k`` interleaved spiral arms (the CS231n spiral data), shuffled.

    Arm ``j`` has radii evenly spaced in ``[0, 1]`` and angles evenly spaced over
    ``[4j, 4(j+1)]`` plus Gaussian jitter of standard deviation ``noise``; the points are
    ``(r sin t, r cos t)``.

    Args:
        m: number of examples (class sizes differ by at most one).
        k: number of classes (arms), at least 2.
        noise: standard deviation of the angle jitter.
        seed: seed of the private random generator.
        one_hot: return ``Y`` one-hot encoded.

    Returns:
        ``X`` of shape ``(2, m)`` and ``Y`` of shape ``(1, m)`` holding the class ``0.0 .. k-1``,
        or of shape ``(k, m)`` one-hot when ``one_hot`` is true.
    """
    k = _int_param("k", k, minimum=2, dataset="spirals")
    m = _int_param("m", m, minimum=k, dataset="spirals")
    noise = _noise_param(noise, dataset="spirals")
    rng = np.random.default_rng(_seed_param(seed, dataset="spirals"))
    points, labels = [], []
    for j, n in enumerate(_split_counts(m, k)):
        r = np.linspace(0.0, 1.0, n)
        t = np.linspace(4.0 * j, 4.0 * (j + 1), n) + rng.normal(0.0, 1.0, n) * noise
        points.append(np.c_[r * np.sin(t), r * np.cos(t)])
        labels.append(np.full(n, float(j)))
    X, Y = _finish(rng, points, labels)
    return (X, to_one_hot(Y, k)) if one_hot else (X, Y)


def xor(m: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[FloatArray, FloatArray]:
    """The XOR pattern: label 1 where the two coordinates have opposite signs, shuffled.

    The examples are split evenly over the four quadrants of ``[-1, 1]²`` (uniform inside each);
    quadrants I and III are class 0, II and IV class 1. Gaussian noise of standard deviation
    ``noise`` is then added to both coordinates (so points near the axes may cross them).

    Args:
        m: number of examples (the two classes differ in size by at most one).
        noise: standard deviation of the Gaussian noise on each coordinate.
        seed: seed of the private random generator.

    Returns:
        ``X`` of shape ``(2, m)`` and ``Y`` of shape ``(1, m)`` holding 0.0/1.0.
    """
    m = _int_param("m", m, minimum=4, dataset="xor")
    noise = _noise_param(noise, dataset="xor")
    rng = np.random.default_rng(_seed_param(seed, dataset="xor"))
    # quadrants in the order I (+,+), IV (+,-), III (-,-), II (-,+): labels 0, 1, 0, 1
    signs = [(1.0, 1.0), (1.0, -1.0), (-1.0, -1.0), (-1.0, 1.0)]
    points, labels = [], []
    for (sx, sy), n, label in zip(signs, _split_counts(m, 4), (0.0, 1.0, 0.0, 1.0), strict=True):
        block = rng.uniform(0.0, 1.0, (n, 2)) * np.array([sx, sy])
        points.append(block + rng.normal(0.0, 1.0, (n, 2)) * noise)
        labels.append(np.full(n, label))
    return _finish(rng, points, labels)


def blobs(
    m: int = 300, k: int = 3, noise: float = 1.0, seed: int = 0, *, one_hot: bool = False
) -> tuple[FloatArray, FloatArray]:
    """``k`` Gaussian blobs, shuffled.

    The centres sit evenly on the circle of radius 4 around the origin (centre ``j`` at angle
    ``2πj/k``); each example is its centre plus Gaussian noise of standard deviation ``noise``.

    Args:
        m: number of examples (class sizes differ by at most one).
        k: number of blobs (classes), at least 2.
        noise: standard deviation of each blob.
        seed: seed of the private random generator.
        one_hot: return ``Y`` one-hot encoded.

    Returns:
        ``X`` of shape ``(2, m)`` and ``Y`` of shape ``(1, m)`` holding the class ``0.0 .. k-1``,
        or of shape ``(k, m)`` one-hot when ``one_hot`` is true.
    """
    k = _int_param("k", k, minimum=2, dataset="blobs")
    m = _int_param("m", m, minimum=k, dataset="blobs")
    noise = _noise_param(noise, dataset="blobs")
    rng = np.random.default_rng(_seed_param(seed, dataset="blobs"))
    points, labels = [], []
    for j, n in enumerate(_split_counts(m, k)):
        angle = 2.0 * np.pi * j / k
        centre = 4.0 * np.array([np.cos(angle), np.sin(angle)])
        points.append(centre + rng.normal(0.0, 1.0, (n, 2)) * noise)
        labels.append(np.full(n, float(j)))
    X, Y = _finish(rng, points, labels)
    return (X, to_one_hot(Y, k)) if one_hot else (X, Y)


DATASETS: dict[str, Callable[..., tuple[FloatArray, FloatArray]]] = {
    "planar": planar,
    "moons": moons,
    "circles": circles,
    "spirals": spirals,
    "xor": xor,
    "blobs": blobs,
}
"""The built-in data sets by name; each value returns ``(X, Y)`` with examples as columns."""


def make_dataset(name: str, **kw: object) -> tuple[FloatArray, FloatArray]:
    """Generate the built-in data set called ``name`` with keyword arguments ``kw``.

    Args:
        name: one of the keys of :data:`DATASETS` ("planar", "moons", "circles", "spirals",
            "xor", "blobs"); case and surrounding spaces are ignored.
        **kw: the generator's parameters, e.g. ``m=400, seed=1``.

    Returns:
        ``(X, Y)`` with ``X`` of shape ``(n_features, m)`` and ``Y`` of shape ``(1, m)`` (or
        ``(k, m)`` with ``one_hot=True`` where the generator supports it).

    Raises:
        DataError: an unknown name (the message lists the known ones), a parameter the generator
            does not take (the message lists those it does), or a bad parameter value.
    """
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in DATASETS:
        raise DataError(
            f"unknown data set {name!r}",
            hint=f"known data sets: {', '.join(DATASETS)}",
        )
    fn = DATASETS[key]
    accepted = list(inspect.signature(fn).parameters)
    unknown = [p for p in kw if p not in accepted]
    if unknown:
        raise DataError(
            f"data set {key!r} has no parameter {', '.join(repr(p) for p in unknown)}",
            hint=f"it takes: {', '.join(accepted)}",
        )
    return fn(**kw)


# ---------------------------------------------------------------------------------------------
# loading the user's own data
# ---------------------------------------------------------------------------------------------


def load(
    path: str | PathLike[str],
    label: int | str = -1,
    *,
    header: bool | None = None,
    delimiter: str | None = None,
    one_hot: bool = False,
) -> tuple[FloatArray, FloatArray]:
    """Load the user's own data set from a CSV or NPZ file, examples as columns.

    **CSV** (``.csv``, ``.txt``: comma-separated; ``.tsv``: tab-separated): one example per row,
    all cells numeric except an optional header row of column names. The label column is chosen
    by ``label`` — a column name (needs a header) or a 0-based index, negative counting from the
    end (default ``-1``, the last column); every other column is a feature. Blank lines and lines
    starting with ``#`` are skipped.

    **NPZ** (``.npz``, as written by ``np.savez``): arrays ``X`` and ``Y``. They may hold the
    examples as columns (``X`` ``(n, m)``, ``Y`` ``(1, m)`` or ``(k, m)``) or as rows
    (``X`` ``(m, n)``, ``Y`` ``(m,)``, ``(m, 1)`` or ``(m, k)``); both are returned as columns.
    When both readings fit (e.g. a square ``X``), columns are assumed unless ``Y`` is taller than
    wide. ``label`` is ignored for NPZ files. Pickled (object) arrays are refused.

    Args:
        path: the file.
        label: the label column of a CSV file: a header name or a column index.
        header: whether a CSV file's first row is a header; by default it is one exactly when
            none of its cells is a number.
        delimiter: the CSV cell separator; by default from the suffix.
        one_hot: one-hot encode whole-number class labels into ``Y`` of shape ``(k, m)``.

    Returns:
        ``X`` of shape ``(n_features, m)`` and ``Y`` of shape ``(1, m)`` (``(k, m)`` one-hot, or
        as stored for an NPZ ``Y`` with several rows), both float64.

    Raises:
        DataError: a missing or unreadable file, an unknown suffix, or malformed contents; the
            message names the file, and for CSV the line and column of the problem.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"data file {str(p)!r} does not exist")
    if not p.is_file():
        raise DataError(f"data file {str(p)!r} is not a file")
    suffix = p.suffix.lower()
    if suffix in _NPZ_SUFFIXES:
        X, Y = _load_npz(p)
    elif suffix in _CSV_SUFFIXES:
        sep = delimiter if delimiter is not None else _CSV_SUFFIXES[suffix]
        X, Y = _load_csv(p, label=label, header=header, delimiter=sep)
    else:
        known = ", ".join(sorted({*_CSV_SUFFIXES, *_NPZ_SUFFIXES}))
        raise DataError(
            f"data file {str(p)!r} has an unknown suffix {p.suffix!r}",
            hint=f"use one of: {known}",
        )
    if one_hot:
        if Y.shape[0] != 1:
            raise DataError(
                f"{str(p)!r}: one_hot needs one label per example, but Y has shape {Y.shape}"
            )
        try:
            Y = to_one_hot(Y)
        except DataError as exc:
            raise DataError(f"{str(p)!r}: {exc.message}") from None
    return X, Y


def _parse_cell(text: str) -> float | None:
    """The number in a CSV cell, or ``None`` when it is not a number."""
    try:
        return float(text)
    except ValueError:
        return None


def _load_csv(
    p: Path, *, label: int | str, header: bool | None, delimiter: str
) -> tuple[FloatArray, FloatArray]:
    name = str(p)
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise DataError(f"{name!r}: the CSV delimiter must be one character, got {delimiter!r}")
    rows = _csv_rows(p, delimiter)
    if not rows:
        raise DataError(f"data file {name!r} is empty (no rows)")

    first_line, first_cells = rows[0]
    if header is None:
        header = all(_parse_cell(c) is None for c in first_cells)
    names: list[str] | None = None
    if header:
        names = first_cells
        rows = rows[1:]
        if not rows:
            raise DataError(f"data file {name!r} has a header (line {first_line}) but no data rows")
    n_cols = len(names) if names is not None else len(rows[0][1])
    width_line = first_line if names is not None else rows[0][0]

    if n_cols < 2:
        raise DataError(
            f"data file {name!r} has only {n_cols} column (line {width_line})",
            hint="it needs at least one feature column and one label column",
        )

    label_index = _label_column(name, label, names, n_cols)

    values = np.empty((len(rows), n_cols), dtype=np.float64)
    for r, (line, cells) in enumerate(rows):
        if len(cells) != n_cols:
            raise DataError(
                f"{name!r}, line {line}: {len(cells)} cells where line {width_line} has {n_cols}",
                hint="every row needs the same number of columns (ragged rows)",
            )
        maybe_header = names is None and line == first_line
        values[r] = [
            _csv_number(name, line, c, text, names, maybe_header) for c, text in enumerate(cells)
        ]

    feature_cols = [c for c in range(n_cols) if c != label_index]
    X = np.ascontiguousarray(values[:, feature_cols].T)
    Y = np.ascontiguousarray(values[:, label_index].reshape(1, -1))
    return X, Y


def _csv_rows(p: Path, delimiter: str) -> list[tuple[int, list[str]]]:
    """The non-blank, non-comment rows of a CSV file as (line number, stripped cells)."""
    name = str(p)
    try:
        with p.open("r", encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            rows: list[tuple[int, list[str]]] = []
            for cells in reader:
                if not cells or all(not c.strip() for c in cells):
                    continue
                if cells[0].lstrip().startswith("#"):
                    continue
                rows.append((reader.line_num, [c.strip() for c in cells]))
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{name!r} is not a UTF-8 text file ({exc.reason} at byte {exc.start})",
            hint="save it as UTF-8 CSV, or as .npz",
        ) from None
    except csv.Error as exc:
        raise DataError(f"{name!r} is not valid CSV: {exc}") from None
    except OSError as exc:
        raise DataError(f"cannot read data file {name!r}: {exc.strerror or exc}") from None
    return rows


def _csv_number(
    name: str, line: int, c: int, text: str, names: list[str] | None, maybe_header: bool
) -> float:
    """The finite number in cell ``c`` of ``line``, or a DataError naming line and column."""
    col = f"column {c + 1}" + (f" ({names[c]!r})" if names is not None else "")
    if text == "":
        raise DataError(f"{name!r}, line {line}, {col}: empty cell")
    number = _parse_cell(text)
    if number is None:
        hint = "if this line is a header, pass header=True" if maybe_header else None
        raise DataError(f"{name!r}, line {line}, {col}: {text!r} is not a number", hint=hint)
    if not math.isfinite(number):
        raise DataError(f"{name!r}, line {line}, {col}: {text!r} is not a finite number")
    return number


def _label_column(name: str, label: int | str, names: list[str] | None, n_cols: int) -> int:
    """The 0-based index of the label column chosen by ``label``."""
    if isinstance(label, str):
        if names is None:
            raise DataError(
                f"{name!r}: label column {label!r} asked for by name, but the file has no header",
                hint="give the label column's index instead, e.g. label=-1 for the last column",
            )
        if label not in names:
            raise DataError(
                f"{name!r}: no label column named {label!r}",
                hint=f"the columns are: {', '.join(repr(n) for n in names)}",
            )
        if names.count(label) > 1:
            raise DataError(f"{name!r}: several columns are named {label!r}; give its index")
        return names.index(label)
    if isinstance(label, bool):
        raise DataError(f"{name!r}: label must be a column name or index, got {label!r}")
    try:
        index = operator.index(label)
    except TypeError:
        raise DataError(f"{name!r}: label must be a column name or index, got {label!r}") from None
    if not -n_cols <= index < n_cols:
        raise DataError(
            f"{name!r}: no label column {index}; the file has {n_cols} columns "
            f"(indices 0 .. {n_cols - 1}, or -1 .. -{n_cols} from the end)"
        )
    return index % n_cols


def _load_npz(p: Path) -> tuple[FloatArray, FloatArray]:
    name = str(p)
    try:
        with p.open("rb") as fh:
            X_raw, Y_raw = _read_npz(name, fh)
    except OSError as exc:
        raise DataError(f"cannot read data file {name!r}: {exc.strerror or exc}") from None
    X = _numeric(name, "X", X_raw)
    Y = _numeric(name, "Y", Y_raw)
    return _orient(name, X, Y)


def _read_npz(name: str, fh: BinaryIO) -> tuple[np.ndarray, np.ndarray]:
    """Arrays ``X`` and ``Y`` of the open ``.npz`` file ``fh`` (opened by us, closed by us)."""
    magic = fh.read(4)
    if not magic:
        raise DataError(f"data file {name!r} is empty")
    if magic[:2] != b"PK":
        raise DataError(
            f"{name!r} is not an .npz archive (it does not start like a zip file)",
            hint="save it with np.savez(path, X=X, Y=Y)",
        )
    fh.seek(0)
    try:
        archive = np.load(fh, allow_pickle=False)
    except (ValueError, zipfile.BadZipFile, EOFError, OSError) as exc:
        raise DataError(f"{name!r} is not a readable .npz archive ({exc})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):  # pragma: no cover - caught by magic
        raise DataError(f"{name!r} is not an .npz archive")
    with archive:
        keys = list(archive.keys())
        missing = [k for k in ("X", "Y") if k not in keys]
        if missing:
            found = ", ".join(repr(k) for k in keys) or "none"
            raise DataError(
                f"{name!r} has no array {' or '.join(repr(k) for k in missing)} "
                f"(arrays found: {found})",
                hint="save it with np.savez(path, X=X, Y=Y)",
            )
        arrays = []
        for key in ("X", "Y"):
            try:
                arrays.append(archive[key])
            except ValueError:
                # allow_pickle=False refuses object arrays with a ValueError
                raise DataError(
                    f"{name!r}: array {key} is an object array, which would need pickle to load",
                    hint="save plain numeric arrays with np.savez(path, X=X, Y=Y)",
                ) from None
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise DataError(f"{name!r}: array {key} cannot be read ({exc})") from None
    return arrays[0], arrays[1]


def _numeric(name: str, key: str, arr: np.ndarray) -> FloatArray:
    if arr.dtype.kind not in "biuf":
        raise DataError(f"{name!r}: array {key} has dtype {arr.dtype}; it must be numeric")
    if arr.ndim not in (1, 2):
        raise DataError(
            f"{name!r}: array {key} has shape {arr.shape}; it must have 1 or 2 dimensions"
        )
    if arr.size == 0:
        raise DataError(f"{name!r}: array {key} is empty (shape {arr.shape})")
    out = np.asarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(out))[0])
        raise DataError(f"{name!r}: array {key} holds a non-finite value at index {bad}")
    return out


def _orient(name: str, X: FloatArray, Y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``X`` and ``Y`` turned to examples-as-columns, or a shape-mismatch DataError."""
    shapes = f"X has shape {X.shape}, Y has shape {Y.shape}"
    if Y.ndim == 1:
        # one label per example: m is known
        m = Y.shape[0]
        if X.ndim == 1 and X.shape[0] == m:
            return X.reshape(1, m), Y.reshape(1, m)
        if X.ndim == 2 and X.shape[1] == m:
            return np.ascontiguousarray(X), Y.reshape(1, m)
        if X.ndim == 2 and X.shape[0] == m:
            return np.ascontiguousarray(X.T), Y.reshape(1, m)
    elif X.ndim == 1:
        # a single feature: Y says whether its examples are columns or rows
        m = X.shape[0]
        if Y.shape[1] == m:
            return X.reshape(1, m), np.ascontiguousarray(Y)
        if Y.shape[0] == m:
            return X.reshape(1, m), np.ascontiguousarray(Y.T)
    else:
        cols_ok = X.shape[1] == Y.shape[1]
        rows_ok = X.shape[0] == Y.shape[0]
        if cols_ok and rows_ok:
            rows_ok = Y.shape[0] > Y.shape[1]
            cols_ok = not rows_ok
        if cols_ok:
            return np.ascontiguousarray(X), np.ascontiguousarray(Y)
        if rows_ok:
            return np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T)
    raise DataError(
        f"{name!r}: X and Y do not hold the same number of examples ({shapes})",
        hint="with examples as columns X is (n, m) and Y is (1, m); as rows X is (m, n) and Y "
        "is (m,) or (m, 1)",
    )
