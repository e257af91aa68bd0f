"""Open an HTML file in headless Debian Chromium (through Playwright) and report what it laid out.

A helper for the tests, not a test module. It drives the system ``chromium`` (``make test``
installs it with apt) rather than a Playwright-downloaded browser, so nothing is fetched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

_MISSING = (
    "Debian's chromium is not installed (no `chromium` on PATH, no /usr/bin/chromium); "
    "`make test` installs it (`make browser` alone does too)."
)

# Measured inside the page: every <math> box, and each <mfrac>'s numerator and denominator boxes.
_FACTS_JS = """() => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {x: r.x, y: r.y, width: r.width, height: r.height, top: r.top, bottom: r.bottom}; };
  const maths = [...document.querySelectorAll('math')].map(box);
  const fracs = [...document.querySelectorAll('mfrac')].filter((f) => f.children.length === 2)
    .map((f) => ({num: box(f.children[0]), den: box(f.children[1])}));
  return {maths, fracs, text: document.body.innerText};
}"""


def chromium_path() -> str:
    """The system Chromium, or an AssertionError that says how to install it."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(path).exists(), _MISSING
    return path


def _stacked(frac: dict) -> bool:
    num, den = frac["num"], frac["den"]
    visible = min(num["width"], num["height"], den["width"], den["height"]) > 0
    return visible and num["bottom"] <= den["top"] + 1.0


def render_in_chromium(html_path: str | Path, screenshot_path: str | Path) -> dict:
    """Load ``html_path`` offline in headless Chromium, screenshot the full page, return facts.

    Keys: ``math_count`` (``<math>`` elements), ``math_visible`` (those whose box has width > 0
    and height > 0), ``text`` (``document.body.innerText``), ``fraction_count`` (``<mfrac>``),
    ``fraction_stacked`` (at least one fraction, and every numerator's box above its
    denominator's), ``requests`` (URLs other than ``file:``/``data:`` the page tried to load;
    all are blocked) and ``console_errors``.
    """
    from playwright.sync_api import sync_playwright

    url = Path(html_path).resolve().as_uri()
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            page.route(lambda u: not u.startswith(("file:", "data:")), _block(requests))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(url, wait_until="load")
            page.evaluate("document.fonts.ready")
            page.screenshot(path=str(screenshot_path), full_page=True)
            facts = page.evaluate(_FACTS_JS)
        finally:
            browser.close()
    maths, fracs = facts["maths"], facts["fracs"]
    return {
        "math_count": len(maths),
        "math_visible": sum(1 for m in maths if m["width"] > 0 and m["height"] > 0),
        "text": facts["text"],
        "fraction_count": len(fracs),
        "fraction_stacked": bool(fracs) and all(_stacked(f) for f in fracs),
        "requests": requests,
        "console_errors": errors,
    }


def _block(seen: list[str]):
    def handler(route) -> None:
        seen.append(route.request.url)
        route.abort()

    return handler
