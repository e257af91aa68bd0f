"""chainrule — backpropagation made transparent.

Derive every gradient of a network or matrix expression symbolically, in the course's notation;
explain each step; check it with numbers that do not come from chainrule; and train with exactly
the NumPy code printed from the derivation.

    >>> import chainrule as cr
    >>> net = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce")
    >>> print(net.derive())                                        # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

# Every public name and the module it lives in. They are imported on first use (PEP 562), so
# that ``import chainrule`` — and ``chainrule --help`` — does not load SymPy, NumPy's code
# generation or matplotlib until something asks for them.
_EXPORTS = {
    ".autodiff": ("Derivation", "Program", "Step", "backprop"),
    ".calculus": ("Jacobian", "hessian", "jacobian"),
    ".check": ("check_backward", "check_formula", "crosscheck", "gradcheck"),
    ".check.conv_check": ("check_conv",),
    ".check.recur_check": ("check_rnn",),
    ".errors": (
        "ChainruleError",
        "DataError",
        "EvaluationError",
        "ModelFileError",
        "ParseError",
        "ShapeError",
        "SpecError",
        "TrainingDiverged",
        "UnknownFunctionError",
        "UnknownNameError",
    ),
    ".exercise": ("Exercise", "exercise"),
    ".explain": ("explain",),
    ".export": ("export",),
    ".gradient": ("Gradient", "grad"),
    ".lang": ("parse",),
    ".nets": ("MLPSpec", "Model", "Network", "mlp", "model"),
    ".nets.cnn": ("ConvNet", "cnn"),
    ".nets.model_fit": ("ModelTrainer", "trainer"),
    ".recur": ("Recurrence", "recurrence"),
    ".train": (
        "Adam",
        "Decay",
        "GradientDescent",
        "History",
        "Momentum",
        "RMSprop",
        "ScheduledDecay",
        "accuracy",
        "fit",
        "load",
        "predict",
        "save",
    ),
}
_RENAMED = {"activation": (".scalar", "custom")}
_SUBMODULES = ("data", "fast")
_WHERE = {name: (module, name) for module, names in _EXPORTS.items() for name in names}
_WHERE.update(_RENAMED)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    elif name in _WHERE:
        module, attr = _WHERE[name]
        value = getattr(importlib.import_module(module, __name__), attr)
    else:
        raise AttributeError(f"module 'chainrule' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


class _Package(types.ModuleType):
    """Importing the submodule ``chainrule.explain`` binds it on the package; the public name
    ``cr.explain`` is the function, as it was when this file imported it eagerly."""

    def __setattr__(self, name: str, value: object) -> None:
        if not (isinstance(value, types.ModuleType) and name in _WHERE):
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__version__ = "0.1.0"

__all__ = [
    "Adam",
    "ChainruleError",
    "ConvNet",
    "DataError",
    "Decay",
    "Derivation",
    "EvaluationError",
    "Exercise",
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
    "check_conv",
    "check_rnn",
    "cnn",
    "activation",
    "backprop",
    "check_formula",
    "check_backward",
    "crosscheck",
    "data",
    "exercise",
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
    "ModelTrainer",
    "trainer",
    "recurrence",
    "Recurrence",
    "parse",
    "predict",
    "save",
    "__version__",
]
