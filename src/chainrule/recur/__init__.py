"""Recurrences: a loop over time read as a scan, derived once, run as a reverse loop (BPTT)."""

from .reader import Loop, read_loop
from .sequence import Recurrence, recurrence

__all__ = ["Loop", "Recurrence", "read_loop", "recurrence"]
