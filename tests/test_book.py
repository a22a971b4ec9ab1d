"""Build the HTML book for real (Jupyter Book 1, warnings as errors, notebooks executed) and read it.

The book is built once per session (the ``book_site`` fixture in tests/conftest.py); tests/test_browser.py
looks at the same site in a real browser.
"""

import html
import json
import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
import yaml

from helpers import ROOT, chapter_ids

from course_tools import book as build_book

HIDDEN_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
# A line of code shorter than this ("assert ok") could appear anywhere by chance.
MIN_SECRET_LINE = 12


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
    return build_book.toc_files(ROOT / "_toc.yml")


def _book_chapters():
    """The chapters that _toc.yml lists (ids), in order."""
    return [Path(page).name for page in _toc_pages() if page.startswith("chapters/")]


def _marked_lines(source, begin, end):
    """Return the lines of ``source`` between ``begin`` and ``end`` marker lines, and all the others."""
    inside, marked, rest = False, [], []
    for line in source.split("\n"):
        if line.strip() == begin:
            inside = True
        elif line.strip() == end:
            inside = False
        else:
            (marked if inside else rest).append(line.strip())
    return marked, rest


def _secret_lines(chapters, begin, end):
    """Lines of code between the markers in the chapters' solution notebooks that appear nowhere else in
    any solution notebook, so that finding one of them anywhere means it leaked."""
    marked, rest = [], set()
    for chapter in chapter_ids():
        nb = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
        for cell in nb.cells:
            inside, outside = _marked_lines(cell.source, begin, end)
            marked += inside if chapter in chapters else []
            rest.update(outside)
            rest.update(re.sub(r"^[*+-]\s+|`", "", line).strip() for line in outside)  # as prose shows code
    return sorted({line for line in marked if len(line) >= MIN_SECRET_LINE and line not in rest})


def _readable_text(path):
    """The text a reader (or a search) could find in a file: HTML without tags, a notebook's cells."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".html":
        return raw + "\n" + html.unescape(re.sub(r"<[^>]+>", "", raw))
    if path.suffix == ".ipynb":
        nb = json.loads(raw)
        sources = ["".join(cell.get("source", "")) if isinstance(cell.get("source"), list) else cell.get("source", "")
                   for cell in nb.get("cells", [])]
        return raw + "\n" + "\n".join(sources)
    return raw


def _text_files(folder):
    suffixes = {".html", ".js", ".ipynb", ".md", ".txt", ".json", ".inv", ".py", ".css", ".svg", ".xml"}
    return [p for p in sorted(Path(folder).rglob("*")) if p.is_file() and p.suffix in suffixes
            and "_static/mathjax" not in p.as_posix()]


def _leaks(folders, secrets, markers):
    """Files under ``folders`` that contain a marker (anywhere) or a secret line (as a whole line)."""
    found = []
    for folder in folders:
        for path in _text_files(folder):
            text = _readable_text(path)
            lines = {line.strip() for line in text.split("\n")}
            found += [f"{path}: {marker}" for marker in markers if marker in text]
            found += [f"{path}: {line}" for line in secrets if line in lines]
    return found


def test_toc_files_lists_pages_in_order():
    assert build_book.toc_files(ROOT / "_toc.yml")[0] == "intro"
    assert build_book.toc_files(ROOT / "_toc.yml")[1:] == [f"chapters/{c}/{c}" for c in chapter_ids()]


def test_book_notebook_drops_hidden_tests_and_markers():
    chapter = chapter_ids()[0]
    nb = build_book.book_notebook(ROOT / "solutions" / chapter / f"{chapter}.ipynb")
    text = nbformat.writes(nb)
    for marker in ("HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION"):
        assert marker not in text
    assert "def softmax" in text, "the solution code itself stays in the book"


@pytest.mark.parametrize("value, expected", [(None, True), ("1", True), ("yes", True), ("0", False),
                                             ("false", False), (" Off ", False)])
def test_solutions_setting_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.delenv(build_book.SOLUTIONS_SETTING, raising=False)
    if value is not None:
        monkeypatch.setenv(build_book.SOLUTIONS_SETTING, value)
    assert build_book.solutions_wanted() is expected


def test_solutions_setting_rejects_a_typo():
    with pytest.raises(ValueError, match="COURSE_BOOK_SOLUTIONS"):
        build_book.solutions_wanted("noo")


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
        assert img.get("alt", "").strip(), f"{img['src']} has no alt text (cell metadata mystnb.image.alt)"
    # the launch button opens the student notebook of this chapter on the configured repository
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    slug = repo["url"].removeprefix("https://github.com/")
    expected = (f"https://colab.research.google.com/github/{slug}/blob/{repo['branch']}"
                f"/chapters/{chapter}/{chapter}.ipynb")
    assert expected in parsed.links
    # no hidden tests, no solution markers, on the page or in the notebook offered for download
    download = book_site / "html" / "_sources" / "chapters" / chapter / f"{chapter}.ipynb"
    for text in (html_text, download.read_text()):
        assert "HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text


def test_every_internal_link_and_reference_resolves(book_site):
    """Every href and src within the site points at a file of the site, and every #fragment at an id."""
    site = book_site / "html"
    # the pages (not the theme's template snippets that Sphinx copies into _static)
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)
    parsed = {page: _parse(page) for page in pages}
    broken, checked = [], 0
    for page, links in parsed.items():
        for url in links.urls:
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
    secrets = _secret_lines(chapter_ids(), *HIDDEN_MARKERS)
    assert secrets, "the solution notebooks have hidden tests to look for"
    leaks = _leaks([book_site / "html", ROOT / "chapters"], secrets, HIDDEN_MARKERS + ("HIDDEN TESTS",))
    assert not leaks, "\n".join(leaks[:20])
    # the check can fail: the solution notebooks themselves do contain those lines
    assert _leaks([ROOT / "solutions"], secrets[:1], ())


@pytest.mark.slow
def test_book_without_solutions_shows_exercises_as_the_learner_sees_them(book_site, tmp_path):
    """COURSE_BOOK_SOLUTIONS=0: exercise cells show the student code and a note, no solution line is in the
    site, the download is the student notebook, and the chapters run from the same execution cache."""
    env = {**os.environ, build_book.SOLUTIONS_SETTING: "0"}
    result = subprocess.run([sys.executable, "-m", "course_tools.book", "--output", str(tmp_path),
                             "--execution-cache", str(book_site / ".jupyter_cache")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "without solutions" in result.stdout
    assert "Executing notebook" not in result.stdout, "the solutions' execution cache was reused"
    site = tmp_path / "_build" / "html"
    for chapter in _book_chapters():
        student = ROOT / "chapters" / chapter / f"{chapter}.ipynb"
        exercises = [c for c in nbformat.read(student, as_version=4).cells
                     if c.metadata.get("nbgrader", {}).get("solution")]
        page = (site / "chapters" / chapter / f"{chapter}.html").read_text(encoding="utf-8")
        assert page.count("course-no-solution") == len(exercises) > 0
        assert page.count("YOUR CODE HERE") >= len(exercises)
        assert (site / "_sources" / "chapters" / chapter / f"{chapter}.ipynb").read_bytes() == student.read_bytes()
        assert "_images/" in page, "the chapter still ran: its plots are there"
    secrets = _secret_lines(_book_chapters(), *build_book.SOLUTION_MARKERS)
    assert secrets
    leaks = _leaks([site], secrets, HIDDEN_MARKERS)
    assert not leaks, "\n".join(leaks[:20])


def test_second_build_reuses_the_executed_notebooks_and_takes_under_a_minute(book_site):
    """Jupyter Book's cache: a rebuild with nothing changed executes nothing."""
    output = book_site.parent
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "course_tools.book", "--output", str(output)],
                            env={**os.environ, build_book.SOLUTIONS_SETTING: "1"},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.monotonic() - start
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Executing notebook" not in result.stdout
    assert seconds < 60, f"the second build took {seconds:.0f} s"
