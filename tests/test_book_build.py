"""The book build's own rules, checked without building the book (seconds): the table of contents, what
the book's copy of a notebook keeps and collapses, the settings, the colour and alt-text rewriting.

tests/test_book.py builds the book for real and reads the pages."""

import nbformat
import pytest

from course_tools import book as build_book
from course_tools import layout
from course_tools.book.executed import StaleExecutionError, fill_cache, page_with_outputs
from course_tools.layout import CUT_MARKER
from helpers import ROOT, chapter_ids


def test_toc_files_lists_pages_in_order():
    assert build_book.toc_files(ROOT / layout.BOOK_TOC)[0] == "intro"
    assert build_book.toc_files(ROOT / layout.BOOK_TOC)[1:] == [f"chapters/{c}/{c}" for c in chapter_ids()]


def test_book_notebook_drops_hidden_tests_and_markers():
    chapter = chapter_ids()[0]
    nb = build_book.book_notebook(layout.solution_notebook(chapter))
    text = nbformat.writes(nb)
    for marker in (*layout.HIDDEN_TEST_MARKERS, *layout.SOLUTION_MARKERS):
        assert marker not in text
    assert "def softmax" in text, "the solution code itself stays in the book"


@pytest.mark.parametrize(
    "value, expected", [(None, True), ("1", True), ("yes", True), ("0", False), ("false", False), (" Off ", False)]
)
def test_solutions_setting_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.delenv(build_book.SOLUTIONS_SETTING, raising=False)
    if value is not None:
        monkeypatch.setenv(build_book.SOLUTIONS_SETTING, value)
    assert build_book.solutions_wanted() is expected


def test_facts_cells_are_the_locked_facts_cells_before_a_test_cell():
    """The rule of build_book.is_facts_cell holds in every chapter: each cell whose grade id ends in "_facts"
    is locked, neither graded nor an answer, and placed right before a test cell, and no other cell is one."""
    found = 0
    for chapter in chapter_ids():
        nb = nbformat.read(layout.solution_notebook(chapter), as_version=4)
        named = [
            i
            for i, cell in enumerate(nb.cells)
            if cell.metadata.get("nbgrader", {}).get("grade_id", "").endswith(build_book.FACTS_SUFFIX)
        ]
        recognised = [i for i in range(len(nb.cells)) if build_book.is_facts_cell(nb.cells, i)]
        assert recognised == named, (
            f"{chapter}: cells named *_facts that break the rule: {set(named) ^ set(recognised)}"
        )
        found += len(named)
    assert found >= 15, "the chapters gather facts for their tests"


def test_book_notebook_collapses_test_cells_and_the_code_of_facts_cells():
    chapter = chapter_ids()[0]
    solution = nbformat.read(layout.solution_notebook(chapter), as_version=4)
    nb = build_book.book_notebook(layout.solution_notebook(chapter))
    tags = {
        cell.metadata["nbgrader"]["grade_id"]: cell.metadata.get("tags", [])
        for cell in nb.cells
        if "nbgrader" in cell.metadata
    }
    tests = [c.metadata["nbgrader"]["grade_id"] for c in solution.cells if build_book.is_test_cell(c)]
    assert tests and all(tags[grade_id] == ["hide-cell"] for grade_id in tests)
    assert tags["scale_facts"] == ["hide-input"] and tags["model_facts"] == ["hide-input"]
    assert tags["softmax_solution"] == [] and tags["install_course_utils"] == [], "nothing else is collapsed"
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax_tests")
    assert cell.metadata["mystnb"]["code_prompt_show"] == "Show the visible tests"
    image_cell = next(c for c in nb.cells if "image" in c.metadata.get("mystnb", {}))
    assert image_cell.metadata["mystnb"]["image"]["alt"], "the alt texts of figures stay"


def test_book_config_switches_on_mathjax_assistive_mathml():
    config = build_book.book_config()["sphinx"]["config"]
    assert config["mathjax3_config"]["options"]["enableAssistiveMml"] is True
    assert config["templates_path"] == ["_templates"]


@pytest.mark.parametrize(
    "color, background",
    [
        ("#00d7ff", "#f3f4f5"),
        ("#00af00", "#f3f4f5"),
        ("#0087ff", "#29313d"),
        ("#000000", "#29313d"),
        ("#ffff00", "#ffffff"),
    ],
)
def test_readable_color_reaches_aa_contrast_and_keeps_what_already_does(color, background):
    from course_utils.colors import contrast_ratio

    readable = build_book.readable_color(color, background)
    assert contrast_ratio(readable, background) >= 4.5
    assert build_book.readable_color(readable, background) == readable
    assert build_book.readable_color("#202020", "#ffffff") == "#202020"


def test_readable_styles_rewrites_the_colours_of_a_rich_model_summary():
    html_text = (
        '<pre style="white-space:pre"><span style="color: #00d7ff; text-decoration-color: #00d7ff">None'
        '</span> <span style="font-weight: bold">Total</span> '
        '<span style="color: #00af00; background-color: #ffffff">784</span></pre>'
    )
    new = build_book.readable_styles(html_text)
    assert '<pre style="white-space:pre">' in new and '<span style="font-weight: bold">Total</span>' in new
    assert "#00d7ff;" not in new.split("--course-dark-color")[0], "the light mode's colour changed"
    assert "color: #00788f; --course-dark-color: #00d7ff; text-decoration-color: currentColor" in new
    assert "background-color: #ffffff" in new
    assert build_book.readable_styles(new) == new, "rewriting twice changes nothing"


def test_figure_alt_texts_read_the_cell_metadata():
    assert build_book.figure_alt_texts({}, 2) == [None, None]
    assert build_book.figure_alt_texts({"mystnb": {"image": {"alt": "a plot"}}}, 2) == ["a plot", "a plot"]
    own = {build_book.ALT_TEXTS_KEY: ["a grid of digits", "a bar chart"], "mystnb": {"image": {"alt": "x"}}}
    assert build_book.figure_alt_texts(own, 2) == ["a grid of digits", "a bar chart"]
    with pytest.raises(ValueError, match="list of 3 texts"):
        build_book.figure_alt_texts(own, 3)


def test_the_extension_gives_each_figure_of_a_cell_its_alt_text():
    from types import SimpleNamespace

    from docutils import nodes

    def cell(metadata, figures):
        output = nodes.container(nb_element="cell_code_output")
        output.extend(nodes.image(uri=f"figure{i}.png") for i in range(figures))
        container = nodes.container(nb_element="cell_code", cell_index=3, cell_metadata=metadata)
        container.append(output)
        return container

    doctree = nodes.document(None, None)
    listed = cell({build_book.ALT_TEXTS_KEY: ["a grid of digits", "a bar chart"]}, 2)
    shared = cell({"mystnb": {"image": {"alt": "set by MyST-NB"}}}, 1)
    wrong = cell({build_book.ALT_TEXTS_KEY: ["only one"]}, 2)
    doctree.extend([listed, shared, wrong])
    build_book.give_figures_their_alt_texts(SimpleNamespace(env=SimpleNamespace(docname="chapter")), doctree)
    assert [image.get("alt") for image in listed.findall(nodes.image)] == ["a grid of digits", "a bar chart"]
    assert [image.get("alt") for image in shared.findall(nodes.image)] == [None], "left to MyST-NB"
    assert [image.get("alt") for image in wrong.findall(nodes.image)] == [None, None], "a warning instead"


def test_solutions_setting_rejects_a_typo():
    with pytest.raises(ValueError, match="COURSE_BOOK_SOLUTIONS"):
        build_book.solutions_wanted("noo")


# --- pages from executed notebooks (course_tools.book.executed): the shortcut of the test suite's book ----------


def _executed_solutions(chapter):
    """The chapter's solution notebook as if executed (hidden tests and solution markers still in it, as in
    nbgrader's autograded notebook of the solutions): one output and an execution count per code cell."""
    nb = nbformat.read(layout.solution_notebook(chapter), as_version=4)
    for count, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        cell.execution_count = count
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"output of cell {count}\n")]
    return nb


def test_a_page_takes_the_outputs_of_its_executed_chapter():
    chapter = chapter_ids()[0]
    page = build_book.book_notebook(layout.solution_notebook(chapter))
    filled = page_with_outputs(page, _executed_solutions(chapter))
    code = [cell for cell in filled.cells if cell.cell_type == "code"]
    assert [cell.outputs[0]["text"] for cell in code] == [f"output of cell {i}\n" for i in range(1, len(code) + 1)]
    assert [cell.source for cell in code] == [cell.source for cell in page.cells if cell.cell_type == "code"]
    assert all("HIDDEN TESTS" not in cell.source for cell in code)


@pytest.mark.parametrize(
    "damage, message",
    [
        ("edit", "is not the page's code"),
        ("drop", "code cells, the page"),
        ("skip", "did not run"),
        ("cut", "cut by the grader's output limits"),
    ],
)
def test_an_executed_notebook_that_is_not_the_pages_code_is_refused(damage, message):
    """The shortcut fails when what it stands for breaks: an out-of-date run, a cell that did not run, an
    output nbgrader cut."""
    chapter = chapter_ids()[0]
    page = build_book.book_notebook(layout.solution_notebook(chapter))
    executed = _executed_solutions(chapter)
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    if damage == "edit":
        code[5].source += "\nprint('changed since the run')"
    elif damage == "drop":
        executed.cells.remove(code[5])
    elif damage == "skip":
        code[5].execution_count = None
    else:
        code[5].outputs[0]["text"] += f"{CUT_MARKER}: 1,000 more characters ...\n"
    with pytest.raises(StaleExecutionError, match=message):
        page_with_outputs(page, executed)


def test_the_cache_hands_the_outputs_to_the_page_and_to_no_other(tmp_path):
    """What Jupyter Book looks up (jupyter-cache's match on the page's code) finds the stored outputs; a page
    whose code changed since is not matched, so the build would execute it."""
    from jupyter_cache import get_cache

    chapter = chapter_ids()[0]
    page_path = tmp_path / "source" / f"{chapter}.ipynb"
    page_path.parent.mkdir()
    nbformat.write(build_book.book_notebook(layout.solution_notebook(chapter)), page_path)
    executed = tmp_path / "executed"
    executed.mkdir()
    nbformat.write(_executed_solutions(chapter), executed / f"{chapter}.ipynb")
    assert fill_cache(tmp_path / "cache", [page_path], executed) == [page_path]
    cache = get_cache(str(tmp_path / "cache"))
    _, merged = cache.merge_match_into_notebook(nbformat.read(page_path, as_version=4))
    assert next(c for c in merged.cells if c.cell_type == "code").outputs[0]["text"] == "output of cell 1\n"
    changed = nbformat.read(page_path, as_version=4)
    next(c for c in changed.cells if c.cell_type == "code").source += "\n# edited"
    with pytest.raises(KeyError):
        cache.match_cache_notebook(changed)


@pytest.mark.parametrize(
    "line, shown",
    [
        (
            "/x/_build/book-source/chapters/01_linear_models/01_linear_models.ipynb: "
            "Executing notebook using local CWD [mystnb]",
            "  executing 01_linear_models ...",
        ),
        (
            "/x/chapters/01_linear_models/01_linear_models.ipynb: Executed notebook in 12.34 seconds [mystnb]",
            "  01_linear_models executed in 12 s",
        ),
        (
            "/x/chapters/02_deep_networks/02_deep_networks.ipynb: Using cached notebook: ID=3 [mystnb]",
            "  02_deep_networks: outputs from the execution cache",
        ),
        ("/x/intro.md:3: WARNING: undefined label: 'nowhere'", "/x/intro.md:3: WARNING: undefined label: 'nowhere'"),
        ("build succeeded.", "build succeeded."),
        ("reading sources... [ 50%] chapters/01_linear_models/01_linear_models", None),
        ("I0000 00:00:1796198350.327793 643 port.cc:153] oneDNN custom operations are on.", None),
    ],
)
def test_the_terminal_shows_what_a_person_needs_of_the_build(line, shown):
    """course-book prints each chapter as it executes with its time, warnings, errors and the result; the rest
    of jupyter-book's output goes to its log file only."""
    from course_tools.book.cli import progress_line

    assert progress_line(line) == shown
