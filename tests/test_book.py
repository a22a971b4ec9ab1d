"""Build the HTML book for real (Jupyter Book 1, warnings as errors, notebooks executed) and read it."""

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml

from helpers import ROOT, chapter_ids

sys.path.insert(0, str(ROOT / "tools"))
import build_book  # noqa: E402


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.links, self.scripts = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])


def _parse(path):
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    output = tmp_path_factory.mktemp("book")
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"), "--output", str(output)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert result.returncode == 0, result.stdout[-6000:]
    return output / "_build"


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


def test_intro_page_explains_colab_and_grading(site):
    intro = (site / "html" / "intro.html").read_text()
    for phrase in ("Running a chapter", "Colab", "Exercises and grading", "nbgrader"):
        assert phrase in intro
    assert "intro.html" in (site / "html" / "index.html").read_text()


@pytest.mark.parametrize("chapter", chapter_ids())
def test_chapter_page_has_math_outputs_plots_and_the_colab_button(site, chapter):
    page = site / "html" / "chapters" / chapter / f"{chapter}.html"
    html = page.read_text(encoding="utf-8")
    parsed = _parse(page)
    # equations are handed to MathJax
    assert any("mathjax" in src.lower() for src in parsed.scripts)
    assert html.count('class="math') >= 3
    # real outputs of a real run: the data line and the plots
    assert re.search(r"(MNIST|Fashion-MNIST): [\d,]+ training and [\d,]+ test images from", html)
    plots = [img for img in parsed.images if "_images/" in img.get("src", "")]
    assert len(plots) >= 5, "the chapter's plots are on the page"
    for img in plots:
        assert (page.parent / img["src"]).resolve().is_file(), img["src"]
    # the launch button opens the student notebook of this chapter on the configured repository
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    slug = repo["url"].removeprefix("https://github.com/")
    expected = (f"https://colab.research.google.com/github/{slug}/blob/{repo['branch']}"
                f"/chapters/{chapter}/{chapter}.ipynb")
    assert expected in parsed.links
    # no hidden tests, no solution markers, on the page or in the notebook offered for download
    download = site / "html" / "_sources" / "chapters" / chapter / f"{chapter}.ipynb"
    for text in (html, download.read_text()):
        assert "HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text


def test_second_build_reuses_the_executed_notebooks(site):
    """Jupyter Book's cache: a rebuild with nothing changed executes nothing."""
    output = site.parent
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"), "--output", str(output)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Executing notebook" not in result.stdout
