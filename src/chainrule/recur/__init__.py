"""Recurrences: a loop over time read as a scan, derived once, run as a reverse loop (BPTT)."""

from .charlm import clip
from .notation import derivation_text, explain_recurrence
from .reader import Loop, read_loop
from .sequence import Recurrence, recurrence

__all__ = [
    "Loop",
    "Recurrence",
    "clip",
    "derivation_text",
    "explain_recurrence",
    "read_loop",
    "recurrence",
]
