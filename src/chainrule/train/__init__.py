"""Training with the derived formulas: ``fit``, optimizers, dropout masks, save/load, plots.

``fit`` runs the NumPy code printed from the network's derivation (``net.source()``), never a
hand-written backward pass. Plots live in :mod:`chainrule.train.plots` (imported on demand, so
``import chainrule`` does not load matplotlib).
"""

from .fit import GradientFn, accuracy, check_data, fit, predict
from .history import History
from .optimizers import (
    OPTIMIZERS,
    Adam,
    Decay,
    GradientDescent,
    Momentum,
    Optimizer,
    RMSprop,
    ScheduledDecay,
    make_optimizer,
)
from .persist import FORMAT, LoadedModel, load, save

__all__ = [
    "FORMAT",
    "OPTIMIZERS",
    "Adam",
    "Decay",
    "GradientDescent",
    "GradientFn",
    "History",
    "LoadedModel",
    "Momentum",
    "Optimizer",
    "RMSprop",
    "ScheduledDecay",
    "accuracy",
    "check_data",
    "fit",
    "load",
    "make_optimizer",
    "predict",
    "save",
]
