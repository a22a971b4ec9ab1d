"""The book as a reader sees it: every page of the built site in headless Chromium.

The site is the one tests/test_book.py reads (the session fixture ``book_site``), served over HTTP on
localhost. The browser is Debian's Chromium (/usr/bin/chromium, installed by `make test`) driven by
Playwright's Python package; nothing is downloaded, and Chromium runs without a network.
Screenshots of every page go to _build/screenshots/ (git-ignored) for a human to look at.
"""

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

from helpers import ROOT

from course_tools import book as build_book

CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "_build" / "screenshots"
# What the brief for this machine asks of a headless Chromium: no sandbox as root, no GPU, no network chatter.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# A term that chapter 1 teaches, for the search page.
SEARCH_TERM = "softmax"
TOC_PAGES = build_book.toc_files(ROOT / "_toc.yml")

pytestmark = pytest.mark.slow


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site; records every request answered with an error. /favicon.ico (asked for by the
    browser itself, not by a page) gets an empty answer."""

    failures = None  # a list, set per server

    def do_GET(self):
        if self.path == "/favicon.ico":
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def send_error(self, code, message=None, explain=None):
        self.failures.append(f"{code} {self.path}")
        super().send_error(code, message, explain)

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def server(book_site):
    """(base URL, list of failed requests) of an HTTP server on localhost that serves the built site."""
    failures = []
    handler = type("Handler", (_QuietHandler,), {"failures": failures})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(handler, directory=str(book_site / "html")))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", failures
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A Playwright browser context on Debian's headless Chromium with a new, empty profile."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright's Python package is missing: `pip install playwright` (requirements.txt).")
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium package.")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900})
        yield context
        context.close()


@pytest.fixture(scope="module")
def screenshots():
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


def _open(browser, server, path):
    """Load ``path`` of the site; return (page, problems): JavaScript errors, console errors, failed
    requests (including any request that leaves localhost: there is no network and there must be no CDN)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    base, failures = server
    failures.clear()
    problems = []
    page = browser.new_page()
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
    page.on("request", lambda request: None if request.url.startswith((base, "data:", "blob:"))
            else problems.append(f"request leaves the site: {request.url}"))
    response = page.goto(urljoin(base, path), wait_until="load")
    assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
    try:  # network idle is a courtesy wait: the page has loaded, and every check below waits for what it needs
        page.wait_for_load_state("networkidle", timeout=30_000)
    except PlaywrightTimeout:  # seen once in Chromium under load: no request pending, yet no idle event
        page.wait_for_timeout(2_000)
    return page, problems + [f"server: {failure}" for failure in failures]


def _typeset(page):
    """Wait for MathJax (if the page loads it); return (math elements, typeset ones, MathJax errors)."""
    return page.evaluate("""async () => {
        if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
        const maths = Array.from(document.querySelectorAll('span.math, div.math'));
        return [maths.length, maths.filter(m => m.querySelector('mjx-container')).length,
                document.querySelectorAll('mjx-merror, mjx-container [data-mjx-error]').length];
    }""")


def _page_path(href, base):
    """The site path without suffix ("chapters/x/x") of an absolute URL of the site, or None."""
    if href is None:
        return None
    path = urlsplit(href).path[len(urlsplit(base).path):]
    return path.removesuffix(".html")


@pytest.mark.parametrize("index", range(len(TOC_PAGES)), ids=TOC_PAGES)
def test_page_reads_right_in_chromium(browser, server, screenshots, index):
    path = TOC_PAGES[index]
    page, problems = _open(browser, server, f"{path}.html")
    try:
        # equations: every one typeset by MathJax, none in error
        maths, typeset, errors = _typeset(page)
        assert typeset == maths and errors == 0, f"{path}: {typeset} of {maths} equations typeset, {errors} errors"
        if path.startswith("chapters/"):
            assert page.evaluate("() => !!(window.MathJax && MathJax.startup)"), "MathJax is loaded"
        # images: every one loaded and described (alt text, or a figure caption)
        images = page.evaluate("""() => Array.from(document.images).map(img => ({
            src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0,
            described: !!(img.alt.trim() || (img.closest('figure') && img.closest('figure').querySelector('figcaption')))
        }))""")
        assert [i["src"] for i in images if not i["loaded"]] == [], f"{path}: images that did not load"
        assert [i["src"] for i in images if not i["described"]] == [], f"{path}: images without alt text or caption"
        # previous/next follow _toc.yml
        base = server[0]
        prev_next = page.evaluate("""() => [document.querySelector('a.left-prev'), document.querySelector('a.right-next')]
                                      .map(a => a ? a.href : null)""")
        expected = [TOC_PAGES[index - 1] if index > 0 else None,
                    TOC_PAGES[index + 1] if index + 1 < len(TOC_PAGES) else None]
        assert [_page_path(href, base) for href in prev_next] == expected, f"{path}: previous/next"
        # chapters: the launch button opens this chapter's student notebook on the configured repository
        if path.startswith("chapters/"):
            repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
            slug = repo["url"].removeprefix("https://github.com/")
            colab = page.evaluate("""() => Array.from(document.querySelectorAll('a[href^="https://colab.research.google.com/"]'))
                                      .map(a => a.href)""")
            assert colab == [f"https://colab.research.google.com/github/{slug}/blob/{repo['branch']}/{path}.ipynb"]
            assert images, f"{path}: the chapter's plots are on the page"
        page.screenshot(path=str(screenshots / f"{path.replace('/', '__')}.png"), full_page=True)
        assert problems == [], f"{path}:\n" + "\n".join(problems)
    finally:
        page.close()


@pytest.mark.parametrize("path", ["search.html", "genindex.html", "index.html"])
def test_other_pages_load_without_errors(browser, server, screenshots, path):
    page, problems = _open(browser, server, path)
    try:
        page.screenshot(path=str(screenshots / path.replace(".html", ".png")), full_page=True)
        assert problems == [], f"{path}:\n" + "\n".join(problems)
        if path == "index.html":
            page.wait_for_url(f"**/{TOC_PAGES[0]}.html", timeout=10_000)  # index.html leads to the first page
    finally:
        page.close()


def test_search_finds_a_term_of_chapter_1(browser, server, screenshots):
    chapter1 = next(p for p in TOC_PAGES if p.startswith("chapters/"))
    page, problems = _open(browser, server, f"search.html?q={SEARCH_TERM}")
    try:
        page.wait_for_selector("#search-results ul.search li a", timeout=20_000)
        found = page.evaluate("""() => Array.from(document.querySelectorAll('#search-results ul.search li a'))
                                  .map(a => a.getAttribute('href'))""")
        page.screenshot(path=str(screenshots / "search-results.png"))
        assert any(href.split("#")[0].split("?")[0] == f"{chapter1}.html" for href in found), found
        assert problems == [], "\n".join(problems)
    finally:
        page.close()
