"""Build the HTML book for real (Jupyter Book 1, warnings as errors) and read it.

The book is built once per session (the ``book_site`` fixture in tests/conftest.py), its chapters' outputs taken
from the round trip's run of the solutions in Colab's CPU package set (``course-book --executed``), so that no
chapter runs twice; tests/test_browser.py looks at the same site in a real browser.
"""

import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

import site_leaks
from chapter_runs import COLAB_CPU
from course_tools import book as build_book
from course_tools import layout, links
from course_tools.book import cli as build_book_cli
from course_tools.layout import HIDDEN_TEST_MARKERS
from course_tools.processes import run
from helpers import ROOT, chapter_ids

HIDDEN_MARKERS = HIDDEN_TEST_MARKERS
# What Jupyter Book (MyST-NB) logs for each notebook it executes.
EXECUTING = "Executing notebook"


def _jupyter_book_log(site_build):
    """jupyter-book's whole output in the build whose ``_build`` folder is ``site_build``
    (course_tools.book.cli.LOG)."""
    return (site_build.parent / build_book_cli.LOG).read_text(encoding="utf-8")


pytestmark = pytest.mark.slow
CHAPTER_RUNS = (COLAB_CPU,)  # the book takes its outputs from these runs (tests/chapter_runs.py)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.links, self.scripts, self.urls, self.ids = [], [], [], [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key) and (key == "id" or tag == "a"):
                self.ids.add(attrs[key])
        if tag == "img":
            self.images.append(attrs)
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        for key in ("href", "src"):
            if attrs.get(key) and tag in {"a", "img", "script", "link", "iframe", "source", "video", "audio"}:
                self.urls.append(attrs[key])


def _parse(path):
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _toc_pages():
    return build_book.toc_files(ROOT / layout.BOOK_TOC)


def _book_chapters():
    """The chapters that _toc.yml lists (ids), in order."""
    return [Path(page).name for page in _toc_pages() if page.startswith("chapters/")]


def test_intro_page_explains_colab_and_grading(book_site):
    intro = (book_site / "html" / "intro.html").read_text()
    for phrase in ("Running a chapter", "Colab", "Exercises and grading", "nbgrader"):
        assert phrase in intro
    assert "intro.html" in (book_site / "html" / "index.html").read_text()


@pytest.mark.parametrize("chapter", _book_chapters())
def test_chapter_page_has_math_outputs_plots_and_the_colab_button(book_site, chapter):
    page = book_site / "html" / "chapters" / chapter / f"{chapter}.html"
    html_text = page.read_text(encoding="utf-8")
    parsed = _parse(page)
    # equations are handed to MathJax, which the book serves itself (no CDN)
    mathjax = [src for src in parsed.scripts if "mathjax" in src.lower()]
    assert mathjax and all("://" not in src for src in mathjax), mathjax
    assert html_text.count('class="math') >= 3
    # real outputs of a real run: the data line and the plots
    assert re.search(r"[\w-]+: [\d,]+ training and [\d,]+ test images from", html_text)
    plots = [img for img in parsed.images if "_images/" in img.get("src", "")]
    assert len(plots) >= 5, "the chapter's plots are on the page"
    for img in plots:
        assert (page.parent / img["src"]).resolve().is_file(), img["src"]
        # Sphinx writes the file's path where a figure has no alt text
        assert img.get("alt", "").strip() not in ("", img["src"]), (
            f"{img['src']} has no alt text (cell metadata mystnb.image.alt or {build_book.ALT_TEXTS_KEY})"
        )
    # no path of the machine that ran it (the repository and its staged data, the graded run's folder)
    assert str(ROOT) not in html_text and "pytest-of-" not in html_text, f"{chapter} shows a path of this machine"
    # the launch button opens the student notebook of this chapter on the configured repository
    assert links.colab_url(chapter) in parsed.links
    # no hidden tests, no solution markers, on the page or in the notebook offered for download
    download = book_site / "html" / "_sources" / "chapters" / chapter / f"{chapter}.ipynb"
    for text in (html_text, download.read_text()):
        assert HIDDEN_MARKERS[0] not in text and build_book.SOLUTION_MARKERS[0] not in text


def test_every_internal_link_and_reference_resolves(book_site):
    """Every href and src within the site points at a file of the site, and every #fragment at an id."""
    site = book_site / "html"
    # the pages (not the theme's template snippets that Sphinx copies into _static)
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)
    parsed = {page: _parse(page) for page in pages}
    broken, checked = [], 0
    for page, page_links in parsed.items():
        for url in page_links.urls:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                continue  # external: Colab, GitHub, ...
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            if site.resolve() not in target.parents and target != site.resolve():
                broken.append(f"{page.relative_to(site)}: {url} leaves the site")
            elif not target.is_file():
                broken.append(f"{page.relative_to(site)}: {url} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(site)}: {url} (no id {parts.fragment!r})")
    assert checked > 50, "the site's pages were read"
    assert not broken, "\n".join(broken)


def test_hidden_tests_appear_nowhere_in_the_site_or_the_student_notebooks(book_site):
    """Neither the markers nor any line of a hidden test is in the built site (pages, search index, the
    notebooks offered for download) or in chapters/."""
    secrets = site_leaks.secret_lines(chapter_ids(), *HIDDEN_MARKERS)
    assert secrets, "the solution notebooks have hidden tests to look for"
    leaks = site_leaks.leaks([book_site / "html", ROOT / "chapters"], secrets, HIDDEN_MARKERS + ("HIDDEN TESTS",))
    assert not leaks, "\n".join(leaks[:20])
    # the check can fail: the solution notebooks themselves do contain those lines
    assert site_leaks.leaks([ROOT / "solutions"], secrets[:1], ())


def test_book_without_solutions_shows_exercises_as_the_learner_sees_them(book_site_without_solutions):
    """COURSE_BOOK_SOLUTIONS=0: exercise cells show the student code and a note, no solution line is in the
    site, the download is the student notebook, and the chapters run from the same execution cache."""
    log = (book_site_without_solutions.parent / "build.log").read_text(encoding="utf-8")
    assert "without solutions" in log
    assert EXECUTING not in _jupyter_book_log(book_site_without_solutions), "the solutions' execution cache was reused"
    site = book_site_without_solutions / "html"
    for chapter in _book_chapters():
        student = layout.release_notebook(chapter)
        exercises = [
            c for c in nbformat.read(student, as_version=4).cells if c.metadata.get("nbgrader", {}).get("solution")
        ]
        page = (site / "chapters" / chapter / f"{chapter}.html").read_text(encoding="utf-8")
        assert page.count("course-no-solution") == len(exercises) > 0
        assert page.count("YOUR CODE HERE") >= len(exercises)
        assert (site / "_sources" / "chapters" / chapter / f"{chapter}.ipynb").read_bytes() == student.read_bytes()
        assert "_images/" in page, "the chapter still ran: its plots are there"
    secrets = site_leaks.secret_lines(_book_chapters(), *build_book.SOLUTION_MARKERS)
    assert secrets
    leaks = site_leaks.leaks([site], secrets, HIDDEN_MARKERS)
    assert not leaks, "\n".join(leaks[:20])


def test_pages_take_their_outputs_from_the_graded_runs_and_execute_nothing(book_site):
    """Every chapter's page took its outputs from the solutions executed in Colab's CPU package set: the build
    stored each of them in Jupyter Book's cache and executed no notebook itself."""
    log = (book_site.parent / "build.log").read_text(encoding="utf-8")
    stored = re.search(r"(\d+) chapters take their outputs from the executed notebooks", log)
    assert stored and int(stored.group(1)) == len(_book_chapters()), log[-3000:]
    assert EXECUTING not in _jupyter_book_log(book_site), "a chapter was executed again by the book build"
    assert "Using cached notebook" in _jupyter_book_log(book_site)


def test_a_second_build_executes_nothing(book_site):
    """Jupyter Book's cache: a rebuild with nothing changed executes nothing (what `make book` relies on)."""
    result = run(
        [sys.executable, "-m", "course_tools.book", "--output", book_site.parent],
        env={**os.environ, build_book.SOLUTIONS_SETTING: "1"},
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert EXECUTING not in _jupyter_book_log(book_site)


def _figure_cells(site_build):
    """(chapter, cell id, figures, alt texts) of every code cell with image outputs in the chapters as
    executed for the book (from the build's execution cache)."""
    from jupyter_cache import get_cache

    cache = get_cache(site_build / ".jupyter_cache")
    cells = []
    for chapter in _book_chapters():
        _, nb = cache.merge_match_into_file(site_build / "book-source" / "chapters" / chapter / f"{chapter}.ipynb")
        for cell in nb.cells:
            figures = sum(
                any(key.startswith("image/") for key in output.get("data", {})) for output in cell.get("outputs", [])
            )
            if figures:
                cells.append((chapter, cell.get("id"), figures, build_book.figure_alt_texts(cell.metadata, figures)))
    return cells


def test_every_figure_has_an_alt_text(book_site):
    """Every figure of the chapters has an alt text in its cell's metadata."""
    cells = _figure_cells(book_site)
    assert len(cells) > 20, "the chapters' figures were found"
    missing = [
        f"{chapter} {cell_id}: {figures} figures"
        for chapter, cell_id, figures, texts in cells
        if not all(text and text.strip() for text in texts)
    ]
    assert not missing, "figures without alt text (cell metadata mystnb.image.alt):\n" + "\n".join(missing)


def test_each_figure_of_a_cell_has_an_alt_text_of_its_own(book_site):
    """A cell that draws several figures gives each its own alt text (build_book.ALT_TEXTS_KEY), not one text
    repeated for each."""
    shared = [
        f"{chapter} {cell_id}: {figures} figures share one alt text"
        for chapter, cell_id, figures, texts in _figure_cells(book_site)
        if figures > 1 and len(set(texts)) < figures
    ]
    assert not shared, "\n".join(shared)


@pytest.mark.parametrize("edition", ["book_site", "book_site_without_solutions"])
def test_test_cells_and_facts_code_are_collapsed_in_both_editions(request, edition):
    """Each visible test cell of a chapter is collapsed behind a toggle, and so is the code of each facts cell;
    the toggles are named by the text they show (no aria-label of their own)."""
    site = request.getfixturevalue(edition) / "html"
    for chapter in _book_chapters():
        nb = build_book.book_notebook(layout.solution_notebook(chapter))
        tests = sum(build_book.is_test_cell(cell) for cell in nb.cells)
        facts = sum(build_book.is_facts_cell(nb.cells, i) for i in range(len(nb.cells)))
        page = (site / "chapters" / chapter / f"{chapter}.html").read_text(encoding="utf-8")
        toggles = re.findall(
            r'<details class="admonition hide above-input">\s*<summary>\s*'
            r'<p class="collapsed admonition-title">([^<]*)</p>',
            page,
        )
        assert toggles.count(build_book.TEST_CELL_COLLAPSE[1]) == tests > 0, chapter
        assert toggles.count(build_book.FACTS_CELL_COLLAPSE[1]) == facts, chapter
        assert "<summary aria-label" not in page
