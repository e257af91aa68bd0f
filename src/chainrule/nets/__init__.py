"""Networks in the course's notation: spec → program → derivation → code."""

from .network import Network, mlp
from .spec import MLPSpec

__all__ = ["Network", "MLPSpec", "mlp"]
