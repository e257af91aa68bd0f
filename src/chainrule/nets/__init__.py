"""Networks in the course's notation: spec → program → derivation → code."""

from .model import Model, model
from .network import Network, mlp
from .spec import MLPSpec

__all__ = ["Model", "Network", "MLPSpec", "mlp", "model"]
