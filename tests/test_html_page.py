"""The HTML page builder: LaTeX to MathML, and the page as headless Chromium lays it out."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from browser import render_in_chromium

from chainrule.errors import ChainruleError
from chainrule.printers.html_page import RenderError, html_document, latex_to_mathml

ARTIFACTS = Path(__file__).parent / "artifacts"

# (LaTeX, a piece the MathML must contain) for every construct the printers emit.
CONSTRUCTS = [
    (r"\frac{\partial L}{\partial Z}", "<mfrac>"),
    (r"\partial L", "<mo>&#8706;</mo>"),
    (r"A \odot B", "<mo>&#8857;</mo>"),
    (r"A^\top", "<msup><mi>A</mi><mi>&#8868;</mi></msup>"),
    (r"A^{[1]\top}", "<mi>&#8868;</mi>"),
    (r"W^{\mathsf{T}}", "&#120243;"),
    (r"\sum_{i=1}^{m} x_i", "<msubsup><mo>&#8721;</mo>"),
    (r"\sum_j a_j", "<msub><mo>&#8721;</mo><mi>j</mi></msub>"),
    (r"W^{[2]}", '<msup><mi>W</mi><mrow><mo stretchy="false">[</mo><mn>2</mn>'),
    (r"Z^{[1]}", '<msup><mi>Z</mi><mrow><mo stretchy="false">[</mo><mn>1</mn>'),
    (r"\left( x + y \right)", '<mo stretchy="true" fence="true" form="prefix">(</mo>'),
    (r"\mathbf{1}", '<mn mathvariant="bold" style="font-weight: bold">1</mn>'),
    (r"\operatorname{tanh}(z)", '<mi mathvariant="normal">t</mi><mi mathvariant="normal">a</mi>'),
    (r"\sigma(z)", "<mi>&#963;</mi>"),
    (r"a \cdot b", "<mo>&#183;</mo>"),
    (r"X \in \mathbb{R}^{n \times m}", "<mo>&#8712;</mo><msup><mi>&#8477;</mi>"),
    (r"\tfrac{1}{m}", '<mstyle displaystyle="false" scriptlevel="0"><mfrac>'),
    (r"\lVert A \rVert_F", "<msub><mi>&#8214;</mi><mi>F</mi></msub>"),
    (r"\operatorname{tr}(A^\top B)", '<mi mathvariant="normal">r</mi>'),
    (r"\text{for each } i", "<mtext>for&#160;each&#160;</mtext>"),
    (r"f'(x)", "<mi>f</mi><mo>&#8242;</mo>"),
    (r"\sigma''(z)", "<mi>&#963;</mi><mo>&#8243;</mo>"),
    (r"a \quad b", '<mspace width="1em" />'),
    (r"\mathrm{d}W", "<mtext>d</mtext><mi>W</mi>"),
    (
        r"\begin{aligned} dZ &= A - Y \\ dW &= \tfrac{1}{m} dZ X^\top \end{aligned}",
        '<mtd columnalign="right" style="text-align: -webkit-right; padding-right: 0">',
    ),
]


@pytest.mark.parametrize(("tex", "piece"), CONSTRUCTS, ids=[tex for tex, _ in CONSTRUCTS])
def test_construct_converts_to_mathml(tex, piece):
    mathml = latex_to_mathml(tex)
    assert piece in mathml, mathml
    root = ElementTree.fromstring(
        mathml
    )  # well-formed, and so also well-formed HTML foreign content
    assert root.tag == "math" and root.get("display") == "inline"
    assert "\\" not in "".join(root.itertext()), mathml
    assert "xmlns" not in mathml and mathml.isascii()


def test_display_math_is_a_block():
    assert latex_to_mathml(r"\frac{a}{b}", display=True).startswith('<math display="block">')
    assert "<munderover>" in latex_to_mathml(r"\sum_{i=1}^{m} x_i", display=True)


def test_aligned_becomes_a_table_of_rows():
    root = ElementTree.fromstring(
        latex_to_mathml(r"\begin{aligned} a &= b \\ c &= d \end{aligned}")
    )
    rows = root.findall(".//mtr")
    assert len(rows) == 2 and all(len(row.findall("mtd")) == 2 for row in rows)
    assert "&" not in "".join(root.itertext())


def test_primes_are_not_superscripts():
    mathml = latex_to_mathml(r"\operatorname{tanh}'(z) + \frac{f'}{g}")
    assert "<msup>" not in mathml and mathml.count("<mo>&#8242;</mo>") == 2
    assert len(ElementTree.fromstring(mathml).find(".//mfrac")) == 2  # arity kept


def test_text_with_html_specials_stays_well_formed():
    mathml = latex_to_mathml(r"\text{if a < b \& c > d}")
    assert "&lt;" in mathml and "&amp;" in mathml and "&gt;" in mathml
    assert (
        ElementTree.fromstring(mathml).find(".//mtext").text
        == "if\xa0a\xa0<\xa0b\xa0&\xa0c\xa0>\xa0d"
    )


@pytest.mark.parametrize(
    ("tex", "why"),
    [
        (r"\frobnicate{x}", r'unknown command "\frobnicate"'),
        (r"\frac{a}{b", "never closed"),
        (r"a}", "never opened"),
        (r"\left( x", "ExtraLeftOrMissingRightError"),
        (r"x^", "MissingSuperScriptOrSubscriptError"),
        ("  ", "empty"),
    ],
)
def test_bad_latex_raises_a_chainrule_error_naming_the_fragment(tex, why):
    with pytest.raises(RenderError) as info:
        latex_to_mathml(tex)
    assert isinstance(info.value, ChainruleError)
    assert f'"{tex}"' in str(info.value) and why in str(info.value)


def test_paragraph_dollars_must_pair():
    with pytest.raises(RenderError, match=r"unmatched '\$'"):
        html_document("t", [("p", "costs $5 and $x$")])
    assert "costs $5" in html_document("t", [("p", r"costs \$5")])


def test_unknown_block_kind_is_an_error():
    with pytest.raises(RenderError, match="unknown page block kind 'h4'"):
        html_document("t", [("h4", "x")])


def test_document_structure_and_escaping():
    page = html_document(
        "Gradients <of> a net",
        [
            ("h1", "Title"),
            ("p", "x <script>alert(1)</script> & $x$"),
            ("table", [["name", "shape"], ["$W^{[1]}$", "3 x 2"]]),
            ("table", '[["a"], ["1"]]'),
            ("code", "if a < b:\n    pass"),
            ("raw", '<div class="mine">kept</div>'),
        ],
    )
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<title>Gradients &lt;of&gt; a net</title>" in page
    assert "&lt;script&gt;" in page and "<script>" not in page
    assert "<th>name</th>" in page and "<td><math" in page and "<th>a</th>" in page
    assert '<code class="language-python">if a &lt; b:' in page
    assert '<div class="mine">kept</div>' in page
    assert "max-width: 60em" in page and "prefers-color-scheme: dark" in page


def test_document_references_no_network():
    page = html_document("t", [("p", "$\\frac{a}{b}$ — “quoted”"), ("math", r"\mathbb{R}")])
    assert not re.search(r"https?://|//[a-z]", page, re.I), "the page must load nothing"
    assert "default-src 'none'" in page  # and the browser is told to fetch nothing
    assert page.isascii()  # safe to write in any encoding


# --- in the browser ------------------------------------------------------------------------------

PAGE_BLOCKS = [
    ("h1", "Backpropagation, two layers"),
    ("p", "Inline: " + ", ".join(f"${tex}$" for tex, _ in CONSTRUCTS if "aligned" not in tex)),
    *[("math", tex) for tex, _ in CONSTRUCTS],
    ("h2", "Shapes"),
    ("table", [["quantity", "shape"], ["$W^{[1]}$", "$n_1 \\times n_0$"], ["$dZ^{[2]}$", "1 x m"]]),
    ("code", "dW2 = dZ2 @ A1.T / m"),
]


def _write_atomically(target: Path, write) -> None:
    """Write through a temporary file, so parallel test workers never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=target.suffix)
    os.close(fd)
    write(tmp)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)


@pytest.fixture(scope="module")
def rendered():
    ARTIFACTS.mkdir(exist_ok=True)
    page = html_document("chainrule: HTML page test", PAGE_BLOCKS)
    html_path, png_path = ARTIFACTS / "html_page.html", ARTIFACTS / "html_page.png"
    _write_atomically(html_path, lambda p: Path(p).write_text(page, encoding="ascii"))
    facts = {}
    _write_atomically(png_path, lambda p: facts.update(render_in_chromium(html_path, p)))
    return page, facts, png_path


def test_every_math_element_is_laid_out(rendered):
    page, facts, _ = rendered
    inline, display, in_table = len(CONSTRUCTS) - 1, len(CONSTRUCTS), 3
    assert facts["math_count"] == page.count("<math ") == inline + display + in_table
    assert facts["math_visible"] == facts["math_count"]


def test_fractions_are_stacked(rendered):
    _, facts, _ = rendered
    assert facts["fraction_count"] >= 4
    assert facts["fraction_stacked"], "a numerator is not above its denominator"


def test_visible_text_has_no_raw_tex(rendered):
    _, facts, _ = rendered
    text = facts["text"]
    assert "Backpropagation, two layers" in text and "quantity" in text
    assert not re.search(r"\\[A-Za-z]+|\\[\\{}]|\$", text), text


def test_screenshot_is_written(rendered):
    _, _, png_path = rendered
    data = png_path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_page_loads_nothing_from_the_network(rendered):
    page, facts, _ = rendered
    assert not re.search(r"https?://", page)
    assert facts["requests"] == [] and facts["console_errors"] == []


def test_harness_detects_a_page_without_mathml(tmp_path):
    """The browser checks can fail: unconverted TeX and a flat fraction are reported as such."""
    # An <mfrac> outside <math> is an unknown HTML element: laid out inline, as without MathML.
    flat = r"<p>\frac{a}{b}</p><math><mi>x</mi></math><p><mfrac><mi>a</mi><mi>b</mi></mfrac></p>"
    (tmp_path / "flat.html").write_text(f"<!DOCTYPE html><body>{flat}</body>", encoding="ascii")
    facts = render_in_chromium(tmp_path / "flat.html", tmp_path / "flat.png")
    assert facts["math_count"] == facts["math_visible"] == 1 and facts["fraction_count"] == 1
    assert not facts["fraction_stacked"]
    assert "\\frac" in facts["text"]
