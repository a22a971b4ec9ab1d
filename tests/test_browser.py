"""The book as a reader sees it: every page of the built site in headless Chromium.

The site is the one tests/test_book.py reads (the session fixture ``book_site``), served over HTTP on
localhost. The browser is Debian's Chromium (/usr/bin/chromium, installed by `make test`) driven by
Playwright's Python package; nothing is downloaded, and Chromium runs without a network.
Screenshots of every page go to _build/screenshots/ (git-ignored) for a human to look at.

Accessibility (WCAG 2.1 AA): axe-core (npm package, installed by course_tools.audit into _build/npm-axe-core)
audits every page of both editions, with and without solutions (``book_site_without_solutions``), their
collapsed cells opened; the keyboard reaches and works every control of a chapter page with a visible focus.
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

from course_tools import audit as audit_book
from course_tools import book as build_book

CHROMIUM = audit_book.CHROMIUM
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM_ARGS = audit_book.CHROMIUM_ARGS
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


def _serve(site):
    """Start an HTTP server on localhost for the folder ``site``; return (server, (base URL, failed requests))."""
    failures = []
    handler = type("Handler", (_QuietHandler,), {"failures": failures})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, (f"http://127.0.0.1:{httpd.server_address[1]}/", failures)


@pytest.fixture(scope="module")
def server(book_site):
    """(base URL, list of failed requests) of an HTTP server on localhost that serves the built site."""
    httpd, served = _serve(book_site / "html")
    yield served
    httpd.shutdown()
    httpd.server_close()


# The two editions of the book: the session fixture that builds each.
EDITIONS = {"solutions": "book_site", "no-solutions": "book_site_without_solutions"}


@pytest.fixture(scope="module")
def edition_server(request):
    """A function: edition name (a key of EDITIONS) -> (base URL, failed requests) of a server of that
    edition's site, built and started on first use."""
    started = {}

    def get(edition):
        if edition not in started:
            site = request.getfixturevalue(EDITIONS[edition])
            started[edition] = _serve(site / "html")
        return started[edition][1]

    yield get
    for httpd, _ in started.values():
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def axe_script():
    """axe-core's script (installed from the npm registry on first use)."""
    return audit_book.axe_script()


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
            args=CHROMIUM_ARGS, viewport=audit_book.VIEWPORT)
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
        page.wait_for_load_state("networkidle", timeout=5_000)
    except PlaywrightTimeout:  # seen once in Chromium under load: no request pending, yet no idle event
        page.wait_for_timeout(2_000)
    return page, problems + [f"server: {failure}" for failure in failures]


def _typeset(page):
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
        maths, typeset, errors, assistive = _typeset(page)
        assert typeset == maths and errors == 0, f"{path}: {typeset} of {maths} equations typeset, {errors} errors"
        # screen readers read each equation from its hidden MathML copy
        assert assistive == typeset, f"{path}: {assistive} of {typeset} equations have assistive MathML"
        if path.startswith("chapters/"):
            assert page.evaluate("() => !!(window.MathJax && MathJax.startup)"), "MathJax is loaded"
        # images: every one loaded and described (alt text, or a figure caption)
        images = page.evaluate("""() => Array.from(document.images).map(img => ({
            src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0,
            described: !!((img.alt.trim() && img.alt !== img.getAttribute('src'))
                          || (img.closest('figure') && img.closest('figure').querySelector('figcaption')))
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


# --- Accessibility: WCAG 2.1 A and AA ---------------------------------------------------------------------

AUDITED_PAGES = [f"{page}.html" for page in TOC_PAGES] + list(audit_book.OTHER_PAGES)
CHAPTER_1 = next(f"{page}.html" for page in TOC_PAGES if page.startswith("chapters/"))
# Every element that can take the keyboard's focus and is on screen, numbered in data-course-control; a list
# of what they are.
_MARK_CONTROLS = """() => {
    const selector = 'a[href], button, summary, input, select, textarea, iframe, [tabindex], [contenteditable]';
    const folded = el => {  // inside a closed <details>, other than its own summary
        const details = el.closest('details:not([open])');
        return !!details && !(el.tagName === 'SUMMARY' && el.parentElement === details);
    };
    const shown = el => el.checkVisibility({visibilityProperty: true}) && !folded(el) && !el.closest('[inert]');
    const controls = Array.from(document.querySelectorAll(selector))
        .filter(el => el.tabIndex >= 0 && !el.disabled && shown(el));
    return controls.map((el, index) => {
        el.dataset.courseControl = String(index);
        return `${el.tagName.toLowerCase()}.${el.className}: ${(el.innerText || el.getAttribute('aria-label')
                || el.getAttribute('href') || '').trim().slice(0, 50)}`;
    });
}"""
# What has the focus: its number, a description, and whether the focus can be seen on it (an outline of 2 px
# or more, the element shown and not transparent).
_FOCUS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) { return null; }
    const style = getComputedStyle(el);
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) { opacity *= parseFloat(getComputedStyle(e).opacity); }
    const rect = el.getBoundingClientRect();
    return {index: el.dataset.courseControl === undefined ? null : Number(el.dataset.courseControl),
            name: `${el.tagName.toLowerCase()}.${el.className}: ${(el.innerText || el.getAttribute('aria-label')
                   || el.getAttribute('href') || '').trim().slice(0, 50)}`,
            visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 && opacity > 0.9
                     && rect.width > 0 && rect.height > 0 && style.visibility !== 'hidden'};
}"""
# Transitions off, so that what is read right after a key press is the final state.
_NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; animation: none !important; }"


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("path", AUDITED_PAGES)
def test_page_meets_wcag_21_aa(browser, edition_server, axe_script, path, edition):
    """axe-core finds no violation of a WCAG 2.1 A or AA rule on the page, its collapsed cells opened."""
    page, problems = _open(browser, edition_server(edition), path)
    try:
        _typeset(page)
        opened = audit_book.open_collapsed(page)
        if path.startswith("chapters/"):
            assert opened > 0, f"{path}: the chapter's test cells are collapsed"
        violations = audit_book.run_axe(page, axe_script)
        assert not violations, "\n".join(audit_book.describe(f"{path} ({edition})", violations))
        assert problems == [], f"{path} ({edition}):\n" + "\n".join(problems)
    finally:
        page.close()


@pytest.mark.parametrize("path", [page for page in AUDITED_PAGES if page.startswith("chapters/")])
def test_chapter_meets_wcag_21_aa_in_dark_mode(browser, server, axe_script, path):
    """The same audit in the theme's dark mode (the reader's choice, kept in localStorage), where coloured
    outputs take their dark-mode colours."""
    page, problems = _open(browser, server, path)
    try:
        page.evaluate("() => localStorage.setItem('mode', 'dark')")
        page.reload(wait_until="load")
        _typeset(page)
        assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
        audit_book.open_collapsed(page)
        violations = audit_book.run_axe(page, axe_script)
        assert not violations, "\n".join(audit_book.describe(f"{path} (dark mode)", violations))
    finally:
        page.evaluate("() => localStorage.removeItem('mode')")
        page.close()


def test_keyboard_reaches_every_control_of_a_chapter_with_visible_focus(browser, server):
    """Tab from the top of chapter 1 to its end: every control on screen takes the focus in turn (the skip
    link, the header's buttons, the navigation, the collapsed cells' toggles, the copy buttons, the links),
    and each shows it with an outline."""
    page, problems = _open(browser, server, CHAPTER_1)
    try:
        page.add_style_tag(content=_NO_TRANSITIONS)
        controls = page.evaluate(_MARK_CONTROLS)
        assert len(controls) > 20, controls
        reached, unseen = set(), []
        for _ in range(len(controls) + 50):
            page.keyboard.press("Tab")
            focus = page.evaluate(_FOCUS)
            if focus is None:
                if reached:
                    break  # past the last control
                continue
            if focus["index"] is not None:
                reached.add(focus["index"])
            if not focus["visible"]:
                unseen.append(focus["name"])
        missed = [name for index, name in enumerate(controls) if index not in reached]
        assert not missed, f"{len(missed)} of {len(controls)} controls the Tab key never reaches:\n" + "\n".join(missed)
        assert not unseen, "controls whose focus cannot be seen:\n" + "\n".join(sorted(set(unseen)))
        names = "\n".join(controls)
        for expected in ("Skip to main content", "theme-switch-button", "search-button-field",
                         f"summary.: {build_book.TEST_CELL_COLLAPSE[1]}", "copybtn", "right-next"):
            assert expected in names, f"no {expected} among the controls reached"
        assert problems == [], "\n".join(problems)
    finally:
        page.close()


def test_collapsed_test_cells_open_with_a_click_and_from_the_keyboard(browser, edition_server):
    """Chapter 1's visible test cells are collapsed behind a toggle that says what it holds; a click opens
    one, and so do Enter and Space on the focused toggle. The code of the facts cells is collapsed too, while
    what they print (the model's summary) stays in view. Both editions."""
    for edition in EDITIONS:
        page, problems = _open(browser, edition_server(edition), CHAPTER_1)
        try:
            page.add_style_tag(content=_NO_TRANSITIONS)
            tests = page.locator("details.hide", has_text=build_book.TEST_CELL_COLLAPSE[1])
            facts = page.locator("details.hide", has_text=build_book.FACTS_CELL_COLLAPSE[1])
            assert tests.count() >= 5 and facts.count() >= 3, (edition, tests.count(), facts.count())
            first = tests.first
            code = first.locator("div.cell_input")
            assert first.get_attribute("open") is None and not code.is_visible(), "closed by default"
            first.locator("summary").click()
            assert first.get_attribute("open") is not None and code.is_visible(), "a click opens it"
            assert "assert" in code.inner_text()
            first.locator("summary").click()
            assert not code.is_visible(), "a second click closes it"
            first.locator("summary").focus()
            page.keyboard.press("Enter")
            assert code.is_visible(), "Enter opens it"
            page.keyboard.press(" ")
            assert not code.is_visible(), "Space closes it"
            summary = page.locator("details.hide", has_text=build_book.FACTS_CELL_COLLAPSE[1]).filter(
                has=page.locator("xpath=..//div[contains(@class, 'cell_output')]")).first
            assert summary.count() == 1
            cell = summary.locator("xpath=..")
            assert not cell.locator("div.cell_input").is_visible(), "the facts cell's code is collapsed"
            assert cell.locator("div.cell_output").is_visible(), "what the facts cell prints stays in view"
            assert problems == [], f"{edition}:\n" + "\n".join(problems)
        finally:
            page.close()


def test_header_buttons_work_from_the_keyboard(browser, server):
    """The launch menu opens with Enter and its Colab link takes the focus with the arrow key; the
    colour-mode button switches the mode with Enter; the search button opens the search with Enter, which
    Escape closes again."""
    page, problems = _open(browser, server, CHAPTER_1)
    try:
        page.add_style_tag(content=_NO_TRANSITIONS)
        page.locator("button.dropdown-toggle[aria-label='Launch interactive content']").focus()
        page.keyboard.press("Enter")
        colab = page.locator('.dropdown-menu a[href^="https://colab.research.google.com/"]')
        colab.wait_for(state="visible", timeout=5_000)
        page.keyboard.press("ArrowDown")
        assert page.evaluate("() => document.activeElement.href").startswith("https://colab.research.google.com/")
        page.keyboard.press("Escape")
        colab.wait_for(state="hidden", timeout=5_000)
        mode = page.evaluate("() => document.documentElement.dataset.mode")
        page.locator("button.theme-switch-button").first.focus()
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.documentElement.dataset.mode") != mode
        button = page.locator("button.search-button-field:visible").first
        button.focus()
        page.keyboard.press("Enter")
        search = page.locator("#pst-search-dialog")
        search.wait_for(state="visible", timeout=5_000)
        page.keyboard.type(SEARCH_TERM)
        assert page.evaluate("() => document.activeElement.value") == SEARCH_TERM, "the search field has the focus"
        page.keyboard.press("Escape")
        search.wait_for(state="hidden", timeout=5_000)
        assert problems == [], "\n".join(problems)
    finally:
        page.close()
