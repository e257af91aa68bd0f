"""Data sets in the course's layout: examples as columns, X ``(n_features, m)``, Y ``(1, m)``.

Seeded generators (:func:`planar`, :func:`moons`, :func:`circles`, :func:`spirals`, :func:`xor`,
:func:`blobs`), the registry :data:`DATASETS` with :func:`make_dataset`, and :func:`load` for the
user's own CSV or NPZ files.
"""

from chainrule.data.datasets import (
    DATASETS,
    FloatArray,
    blobs,
    circles,
    load,
    make_dataset,
    moons,
    planar,
    spirals,
    to_one_hot,
    xor,
)

__all__ = [
    "DATASETS",
    "FloatArray",
    "blobs",
    "circles",
    "load",
    "make_dataset",
    "moons",
    "planar",
    "spirals",
    "to_one_hot",
    "xor",
]
