"""chainrule — backpropagation made transparent.

Derive every gradient of a network or matrix expression symbolically, in the course's notation;
explain each step; check it with numbers that do not come from chainrule; and train with exactly
the NumPy code printed from the derivation.

    >>> import chainrule as cr
    >>> net = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")
    >>> print(net.derive())                                        # doctest: +SKIP
"""

from __future__ import annotations

from . import data, fast
from .autodiff import Derivation, Program, Step, backprop
from .calculus import Jacobian, hessian, jacobian
from .check import check_backward, check_formula, crosscheck, gradcheck
from .errors import (
    ChainruleError,
    DataError,
    EvaluationError,
    ModelFileError,
    ParseError,
    ShapeError,
    SpecError,
    TrainingDiverged,
    UnknownFunctionError,
    UnknownNameError,
)
from .explain import explain
from .export import export
from .gradient import Gradient, grad
from .lang import parse
from .nets import MLPSpec, Model, Network, mlp, model
from .nets.cnn import ConvNet, cnn
from .recur import Recurrence, recurrence
from .scalar import custom as activation
from .train import (
    Adam,
    Decay,
    GradientDescent,
    History,
    Momentum,
    RMSprop,
    ScheduledDecay,
    accuracy,
    fit,
    load,
    predict,
    save,
)

__version__ = "0.1.0"

__all__ = [
    "Adam",
    "ChainruleError",
    "ConvNet",
    "DataError",
    "Decay",
    "Derivation",
    "EvaluationError",
    "Gradient",
    "GradientDescent",
    "History",
    "Jacobian",
    "MLPSpec",
    "Model",
    "ModelFileError",
    "Momentum",
    "Network",
    "ParseError",
    "Program",
    "RMSprop",
    "ScheduledDecay",
    "ShapeError",
    "SpecError",
    "Step",
    "TrainingDiverged",
    "UnknownFunctionError",
    "UnknownNameError",
    "accuracy",
    "cnn",
    "activation",
    "backprop",
    "check_formula",
    "check_backward",
    "crosscheck",
    "data",
    "fast",
    "explain",
    "export",
    "fit",
    "grad",
    "gradcheck",
    "hessian",
    "jacobian",
    "load",
    "mlp",
    "model",
    "recurrence",
    "Recurrence",
    "parse",
    "predict",
    "save",
    "__version__",
]
