"""``chainrule play``: a playground in the browser where the network trains live and every formula
on the screen is a step of the derivation that the training code was printed from.

:mod:`.state` checks what the page asks for, :mod:`.session` keeps one tab's run (training is
``cr.fit``), :mod:`.views` turns the library's objects into what the page shows (MathML from the
LaTeX printer, explanations from ``cr.explain``, verdicts from ``cr.check_formula``),
:mod:`.export` writes a run as a script or notebook, and :mod:`.server` serves it all on
127.0.0.1 (Starlette + uvicorn, the ``web`` extra) with the page's own files and nothing else.
"""

from .session import Session
from .state import PlayState, parse_state, state_from_query

__all__ = ["PlayState", "Session", "parse_state", "state_from_query"]
