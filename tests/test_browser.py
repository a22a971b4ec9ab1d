"""The book as a reader sees it: every page of the built site in headless Chromium.

The site is the one tests/test_book.py reads (the session fixture ``book_site``), served over HTTP on
localhost. The browser is Debian's Chromium (/usr/bin/chromium, installed by `make test`) driven by
Playwright's Python package; nothing is downloaded, and Chromium runs without a network.
Screenshots of every page go to _build/screenshots/ (git-ignored) for a human to look at.

The fixtures and helpers are shared with tests/test_accessibility.py (tests/conftest.py, tests/site_browser.py).
"""

import pytest

from chapter_runs import COLAB_CPU
from course_tools import links
from site_browser import TOC_PAGES, open_page, page_path, typeset

# A term that chapter 1 teaches, for the search page.
SEARCH_TERM = "softmax"

pytestmark = pytest.mark.slow
CHAPTER_RUNS = (COLAB_CPU,)  # the book takes its outputs from these runs (tests/chapter_runs.py)


@pytest.mark.parametrize("index", range(len(TOC_PAGES)), ids=TOC_PAGES)
def test_page_reads_right_in_chromium(browser, server, screenshots, index):
    path = TOC_PAGES[index]
    page, problems = open_page(browser, server, f"{path}.html")
    try:
        # equations: every one typeset by MathJax, none in error
        maths, typeset_count, errors, assistive = typeset(page)
        assert typeset_count == maths and errors == 0, (
            f"{path}: {typeset_count} of {maths} equations typeset, {errors} errors"
        )
        # screen readers read each equation from its hidden MathML copy
        assert assistive == typeset_count, f"{path}: {assistive} of {typeset_count} equations have assistive MathML"
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
        prev_next = page.evaluate("""() => [document.querySelector('a.left-prev'),
                                            document.querySelector('a.right-next')]
                                      .map(a => a ? a.href : null)""")
        expected = [
            TOC_PAGES[index - 1] if index > 0 else None,
            TOC_PAGES[index + 1] if index + 1 < len(TOC_PAGES) else None,
        ]
        assert [page_path(href, base) for href in prev_next] == expected, f"{path}: previous/next"
        # chapters: the launch button opens this chapter's student notebook on the configured repository
        if path.startswith("chapters/"):
            colab = page.evaluate("""() => Array.from(document.querySelectorAll('a[href^="https://colab.research.google.com/"]'))
                                      .map(a => a.href)""")
            assert colab == [links.colab_url(path.split("/")[-1])]
            assert images, f"{path}: the chapter's plots are on the page"
        page.screenshot(path=str(screenshots / f"{path.replace('/', '__')}.png"), full_page=True)
        assert problems == [], f"{path}:\n" + "\n".join(problems)
    finally:
        page.close()


@pytest.mark.parametrize("path", ["search.html", "genindex.html", "index.html"])
def test_other_pages_load_without_errors(browser, server, screenshots, path):
    page, problems = open_page(browser, server, path)
    try:
        page.screenshot(path=str(screenshots / path.replace(".html", ".png")), full_page=True)
        assert problems == [], f"{path}:\n" + "\n".join(problems)
        if path == "index.html":
            page.wait_for_url(f"**/{TOC_PAGES[0]}.html", timeout=10_000)  # index.html leads to the first page
    finally:
        page.close()


def test_search_finds_a_term_of_chapter_1(browser, server, screenshots):
    chapter1 = next(p for p in TOC_PAGES if p.startswith("chapters/"))
    page, problems = open_page(browser, server, f"search.html?q={SEARCH_TERM}")
    try:
        page.wait_for_selector("#search-results ul.search li a", timeout=20_000)
        found = page.evaluate("""() => Array.from(document.querySelectorAll('#search-results ul.search li a'))
                                  .map(a => a.getAttribute('href'))""")
        page.screenshot(path=str(screenshots / "search-results.png"))
        assert any(href.split("#")[0].split("?")[0] == f"{chapter1}.html" for href in found), found
        assert problems == [], "\n".join(problems)
    finally:
        page.close()
