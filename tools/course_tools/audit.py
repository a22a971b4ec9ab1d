"""Audit a built book for accessibility with axe-core in headless Chromium (WCAG 2.1 A and AA rules).

    course-audit [SITE] [--json FILE]      (or python -m course_tools.audit)

SITE is a built book's HTML folder (default: _build/html, what `make book` writes). Every page of the site
(those of _toc.yml, the search page and the index) is served on localhost, opened in Debian's Chromium
(driven by Playwright, as tests/test_browser.py does), left to typeset its equations, and checked by axe-core,
installed from the npm registry (package ``axe-core``, pinned to AXE_VERSION) into _build/npm-axe-core.
Collapsed parts of a page (the test cells) are opened first, so that what a reader can unfold is checked too.
Prints the violating elements per page and rule, and exits with 1 when there is any.

tests/test_browser.py runs the same audit on both editions of the book (with and without solutions).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import shutil
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_tools import book as build_book
from course_tools.layout import BOOK_TOC, BUILD, ROOT

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, ViewportSize

# What axe-core reports of one rule a page violates: rule, impact, help, elements.
Violation = dict[str, Any]


AXE_VERSION = "4.14.1"
AXE_PREFIX = ROOT / BUILD / "npm-axe-core"
# The rules of WCAG 2.1 levels A and AA (axe-core's tags).
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM") or shutil.which("chromium") or "chromium")
# What the brief for this machine asks of a headless Chromium: no sandbox as root, no GPU, no network chatter.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
# The pages besides those of _toc.yml.
OTHER_PAGES = ("search.html", "genindex.html", "index.html")


def axe_script(prefix: str | Path = AXE_PREFIX) -> Path:
    """Return the path of ``axe.min.js``, installing ``axe-core@AXE_VERSION`` with npm into ``prefix`` first
    if it is missing. Raises RuntimeError when npm is missing or the install fails."""
    return (
        build_book.npm_package(
            "axe-core", AXE_VERSION, prefix, "axe.min.js", "the audit runs axe-core from the npm package"
        )
        / "axe.min.js"
    )


def site_pages(site: str | Path) -> list[str]:
    """The pages to audit, as paths relative to the site: those of _toc.yml, then OTHER_PAGES."""
    pages = [f"{page}.html" for page in build_book.toc_files(ROOT / BOOK_TOC)]
    return pages + [page for page in OTHER_PAGES if (Path(site) / page).is_file()]


@contextlib.contextmanager
def serve(site: str | Path) -> Iterator[str]:
    """Serve the folder ``site`` on localhost; yield its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/favicon.ico":  # asked for by the browser itself, not by a page
                self.send_response(204)
                self.end_headers()
                return
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def wait_until_settled(page: Page) -> None:
    """Wait for MathJax (if the page loads it) to finish typesetting, so that the audit sees the final page."""
    page.evaluate("""async () => {
        if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
    }""")


# Transitions off, so that what is read right after a change (a cell unfolded, the dark mode) is the final state:
# axe-core measured colours halfway through the theme's colour transitions.
NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; animation: none !important; }"


def open_collapsed(page: Page) -> int:
    """Open every collapsed part of the page (``<details>``: the book's collapsed test and facts cells), so
    that the audit also checks what a reader can unfold, with transitions off (NO_TRANSITIONS). Returns how
    many were opened."""
    page.add_style_tag(content=NO_TRANSITIONS)
    opened: int = page.evaluate("""() => {
        const closed = Array.from(document.querySelectorAll('details:not([open])'));
        closed.forEach(d => { d.open = true; });
        return closed.length;
    }""")
    return opened


def load(context: BrowserContext, url: str) -> Page:
    """Open ``url`` in a new page of ``context`` and wait until it has loaded and typeset; return the page."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = context.new_page()
    page.goto(url, wait_until="load")
    try:  # network idle is a courtesy wait; seen once in Chromium under load: no request pending, yet no event
        page.wait_for_load_state("networkidle", timeout=5_000)
    except PlaywrightTimeout:
        page.wait_for_timeout(2_000)
    wait_until_settled(page)
    return page


def run_axe(page: Page, script: str | Path) -> list[Violation]:
    """Inject axe-core into ``page`` and run the WCAG 2.1 A/AA rules; return its violations as
    [{"rule", "impact", "help", "elements": [{"target", "html", "summary"}]}]."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(script))
    violations: list[Violation] = page.evaluate(
        """async (tags) => {
        const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return results.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help,
            elements: v.nodes.map(n => ({target: n.target.map(String).join(' '), html: n.html,
                                         summary: n.failureSummary}))}));
    }""",
        list(WCAG_TAGS),
    )
    return violations


def describe(path: str, violations: Sequence[Violation], limit: int | None = None) -> list[str]:
    """Readable lines for a page's violations: rule, impact, count, then each element (target and HTML)."""
    lines = []
    for violation in violations:
        elements = violation["elements"]
        lines.append(
            f"{path}: {violation['rule']} ({violation['impact']}, {len(elements)} elements): {violation['help']}"
        )
        for element in elements[:limit]:
            lines.append(f"    {element['target']}  {element['html'][:160]}")
            summary = (element.get("summary") or "").replace("\n", " ")
            if summary:
                lines.append(f"        {summary[:300]}")
        if limit is not None and len(elements) > limit:
            lines.append(f"    ... and {len(elements) - limit} more")
    return lines


@contextlib.contextmanager
def chromium(profile: str | Path) -> Iterator[BrowserContext]:
    """A Playwright browser context on Debian's headless Chromium with the profile folder ``profile``."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.is_file():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium package (`make test` does).")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT
        )
        try:
            yield context
        finally:
            context.close()


def audit(site: str | Path, profile: str | Path) -> dict[str, list[Violation]]:
    """Audit every page of the built site ``site``, its collapsed parts opened; return {page: violations}."""
    script = axe_script()
    report: dict[str, list[Violation]] = {}
    with serve(site) as base, chromium(profile) as context:
        for path in site_pages(site):
            page = load(context, base + path)
            try:
                open_collapsed(page)
                report[path] = run_axe(page, script)
            finally:
                page.close()
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """The ``course-audit`` command; returns its exit status (1 when a page violates a rule)."""
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", nargs="?", default=str(ROOT / BUILD / "html"), help="the built book's HTML folder")
    parser.add_argument("--json", help="also write the full report (every element) to this JSON file")
    parser.add_argument("--limit", type=int, default=5, help="elements listed per page and rule (default 5)")
    args = parser.parse_args(argv)
    site = Path(args.site)
    if not (site / "intro.html").is_file():
        parser.error(f"{site} holds no built book: run `make book` first (or name the book's _build/html).")
    with tempfile.TemporaryDirectory() as profile:
        report = audit(site, profile)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1), encoding="utf-8")
    total = 0
    print(f"axe-core {AXE_VERSION}, rules tagged {', '.join(WCAG_TAGS)}: violating elements per page")
    for path, violations in report.items():
        count = sum(len(v["elements"]) for v in violations)
        total += count
        rules = ", ".join(f"{v['rule']} {len(v['elements'])}" for v in violations)
        print(f"  {count:5d}  {path}" + (f"  ({rules})" if rules else ""))
    print(f"  {total:5d}  in all, on {sum(1 for v in report.values() if v)} of {len(report)} pages")
    for path, violations in report.items():
        for line in describe(path, violations, args.limit):
            print(line)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
