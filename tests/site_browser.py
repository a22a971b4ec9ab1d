"""What the browser tests share: the built site served on localhost, and pages opened in Chromium.

The fixtures that use it (``server``, ``edition_server``, ``browser``, ``axe_script``, ``screenshots``) are in
tests/conftest.py; tests/test_browser.py reads the pages, tests/test_accessibility.py audits them.
"""

import functools
import http.server
import threading
from urllib.parse import urljoin, urlsplit

from course_tools import audit as audit_book
from course_tools import book as build_book
from course_tools.layout import BUILD, ROOT

CHROMIUM = audit_book.CHROMIUM
CHROMIUM_ARGS = audit_book.CHROMIUM_ARGS
SCREENSHOTS = ROOT / BUILD / "screenshots"
TOC_PAGES = build_book.toc_files(ROOT / "_toc.yml")
# The two editions of the book: the session fixture that builds each.
EDITIONS = {"solutions": "book_site", "no-solutions": "book_site_without_solutions"}


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


def serve(site):
    """Start an HTTP server on localhost for the folder ``site``; return (server, (base URL, failed requests))."""
    failures = []
    handler = type("Handler", (_QuietHandler,), {"failures": failures})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, (f"http://127.0.0.1:{httpd.server_address[1]}/", failures)


def open_page(browser, server, path):
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
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((base, "data:", "blob:"))
            else problems.append(f"request leaves the site: {request.url}")
        ),
    )
    response = page.goto(urljoin(base, path), wait_until="load")
    assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
    try:  # network idle is a courtesy wait: the page has loaded, and every check below waits for what it needs
        page.wait_for_load_state("networkidle", timeout=5_000)
    except PlaywrightTimeout:  # seen once in Chromium under load: no request pending, yet no idle event
        page.wait_for_timeout(2_000)
    return page, problems + [f"server: {failure}" for failure in failures]


def typeset(page):
    """Wait for MathJax (if the page loads it); return (math elements, typeset ones, MathJax errors, typeset
    ones that carry assistive MathML for screen readers)."""
    return page.evaluate("""async () => {
        if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
        const maths = Array.from(document.querySelectorAll('span.math, div.math'));
        const typeset = maths.filter(m => m.querySelector('mjx-container'));
        return [maths.length, typeset.length,
                document.querySelectorAll('mjx-merror, mjx-container [data-mjx-error]').length,
                typeset.filter(m => m.querySelector('mjx-container mjx-assistive-mml math')).length];
    }""")


def page_path(href, base):
    """The site path without suffix ("chapters/x/x") of an absolute URL of the site, or None."""
    if href is None:
        return None
    path = urlsplit(href).path[len(urlsplit(base).path) :]
    return path.removesuffix(".html")
