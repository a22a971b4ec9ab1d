"""The book: the ``course-book`` command (``make book``) and the book's Sphinx extension.

Modules, by job:

* ``cli``: the command; reads ``COURSE_BOOK_SOLUTIONS`` and runs ``jupyter-book build``
* ``source``: the book's source tree and its generated ``_config.yml``
* ``pages``: a chapter's page made from its solution notebook (no hidden tests, collapsed test cells)
* ``mathjax``: MathJax (and other npm packages) served by the book itself
* ``extension``: the Sphinx extension (``setup``; Sphinx loads it as ``course_tools.book``)
* ``accessibility``: readable output colours, one alt text per figure, named toggles

The names below are the package's API, used by the tests and ``course_tools.audit``.
"""

from course_tools.book.accessibility import (
    ALT_TEXTS_KEY,
    figure_alt_texts,
    give_figures_their_alt_texts,
    readable_color,
    readable_styles,
)
from course_tools.book.cli import SOLUTIONS_SETTING, build, main, solutions_wanted
from course_tools.book.extension import setup
from course_tools.book.mathjax import mathjax_dir, npm_package
from course_tools.book.pages import (
    FACTS_CELL_COLLAPSE,
    FACTS_SUFFIX,
    TEST_CELL_COLLAPSE,
    book_notebook,
    collapse_grading_cells,
    is_facts_cell,
    is_test_cell,
    toc_files,
)
from course_tools.book.source import book_config, write_source
from course_tools.layout import ROOT, SOLUTION_MARKERS

__all__ = [
    "ALT_TEXTS_KEY",
    "figure_alt_texts",
    "give_figures_their_alt_texts",
    "readable_color",
    "readable_styles",
    "SOLUTIONS_SETTING",
    "build",
    "main",
    "solutions_wanted",
    "setup",
    "mathjax_dir",
    "npm_package",
    "FACTS_CELL_COLLAPSE",
    "FACTS_SUFFIX",
    "TEST_CELL_COLLAPSE",
    "book_notebook",
    "collapse_grading_cells",
    "is_facts_cell",
    "is_test_cell",
    "toc_files",
    "book_config",
    "write_source",
    "ROOT",
    "SOLUTION_MARKERS",
]
