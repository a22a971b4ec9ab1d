"""The book's Sphinx extension (``course_tools.book``, registered by the config that ``write_source``
generates): the edition without solutions, fixes to the theme's pages, and the accessibility rewrites of
``course_tools.book.accessibility``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx.application import Sphinx
    from sphinx.config import Config

from course_tools.book.accessibility import (
    give_figures_their_alt_texts,
    make_outputs_readable,
    name_toggles_by_their_text,
)
from course_tools.book.mathjax import VENDOR_DIR
from course_tools.layout import ROOT

NO_SOLUTION_NOTE = (
    "This edition of the book leaves the solution out. Open the chapter in Colab (the rocket "
    "button at the top of the page) to write your own code in this cell, then run the test "
    "cell below it."
)


def _dedupe_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: nodes.document | None
) -> None:
    """Drop repeated <script> entries. sphinx-thebe and sphinx-togglebutton register their inline scripts
    twice under Jupyter Book 1 (once with filename None, once with ""), and the second
    ``const THEBE_JS_URL`` is a JavaScript error on every page."""
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for script in scripts:
        filename = getattr(script, "filename", script) or ""
        attributes = tuple(sorted((getattr(script, "attributes", None) or {}).items()))
        key = (filename, getattr(script, "priority", None), attributes)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def _student_sources(root: str | Path, docname: str) -> dict[str, str]:
    """Map grade_id -> source of the solution cells of the student notebook chapters/<id>/<id>.ipynb."""
    path = Path(root) / f"{docname}.ipynb"
    if not path.is_file():
        return {}
    nb = nbformat.read(path, as_version=4)
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }


def _hide_solutions(app: Sphinx, doctree: nodes.document) -> None:
    """Without solutions: show each exercise cell as the learner's notebook does, with a note, no output."""
    if app.config.course_book_solutions:
        return
    from docutils import nodes

    docname = app.env.docname
    student: dict[str, str] | None = None
    for cell in list(doctree.findall(nodes.container)):
        if cell.get("nb_element") != "cell_code":
            continue
        grading = (cell.get("cell_metadata") or {}).get("nbgrader") or {}
        if not grading.get("solution"):
            continue
        if student is None:
            student = _student_sources(app.config.course_book_student_root, docname)
        grade_id = grading.get("grade_id")
        if grade_id not in student:
            raise RuntimeError(
                f"{docname}: exercise cell {grade_id!r} is missing from the student notebook "
                "in chapters/; run `make release`."
            )
        stub = student[grade_id]
        for child in list(cell.children):
            if child.get("nb_element") == "cell_code_source":
                for block in child.findall(nodes.literal_block):
                    block.children = [nodes.Text(stub)]
                    block.rawsource = stub
            else:
                cell.remove(child)  # the solution's output
        note = nodes.note("", nodes.paragraph(NO_SOLUTION_NOTE, NO_SOLUTION_NOTE))
        note["classes"].append("course-no-solution")
        cell.parent.insert(cell.parent.index(cell) + 1, note)


def _student_downloads(app: Sphinx, exception: Exception | None) -> None:
    """Without solutions: the notebook offered for download is the student notebook from chapters/."""
    if exception is not None or app.config.course_book_solutions or app.builder.format != "html":
        return
    root = Path(app.config.course_book_student_root)
    for docname in app.env.found_docs:
        student = root / f"{docname}.ipynb"
        download = Path(app.outdir) / "_sources" / f"{docname}.ipynb"
        if student.is_file() and download.is_file():
            shutil.copyfile(student, download)


def _default_color_mode(app: Sphinx, config: Config) -> None:
    """pydata-sphinx-theme logs "Got invalid theme mode" (a console error) on a first visit unless the
    book names a default mode."""
    config.html_context.setdefault("default_mode", "light")


def _add_vendor_static(app: Sphinx) -> None:
    """Serve the book source's _vendor folder (MathJax) as static files: _static/mathjax/..."""
    vendor = Path(app.srcdir) / VENDOR_DIR
    if vendor.is_dir():
        app.config.html_static_path.append(str(vendor))


def setup(app: Sphinx) -> dict[str, bool]:
    """Sphinx entry point: the fixes and settings above."""
    app.connect("config-inited", _default_color_mode)
    app.connect("builder-inited", _add_vendor_static)
    app.add_config_value("course_book_solutions", True, "env")
    app.add_config_value("course_book_student_root", str(ROOT), "env")
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("doctree-read", _hide_solutions)
    app.connect("doctree-read", make_outputs_readable)
    app.connect("doctree-read", give_figures_their_alt_texts)
    app.connect("html-page-context", name_toggles_by_their_text)
    app.connect("build-finished", _student_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
