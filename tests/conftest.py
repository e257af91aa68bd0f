"""Test-suite settings.

Under CI (``CI=true``) Hypothesis draws the same examples on every run (``derandomize``), so a
green build stays green for the same code; on a developer's machine it explores new examples each
run, which is where new counter-examples get found.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
