"""Why each backward step is what it is: chain, shapes, indices, ⊙, L versus J, numbers.

``cr.explain(net, "dZ1")`` returns an :class:`Explanation` (data); :meth:`Explanation.document`
writes it as prose and formulas; the ``render_*`` modules typeset that as text, LaTeX, Markdown,
HTML or JSON. :func:`derivation_document` does the same for a whole derivation.
"""

from . import formats  # noqa: F401 - registers the notebooks' rich display (chainrule.display)
from .explanation import Explanation, explain

__all__ = ["Explanation", "explain"]
