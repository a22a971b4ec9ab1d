"""Build the HTML book into <output>/_build/html (default: the repository's own _build/html).

    course-book [--output DIR] [--all] [--no-solutions] [--execution-cache DIR]

Steps:
1. Write the book's source tree into <output>/_build/book-source: the pages listed in _toc.yml, where
   each chapter page ``chapters/<id>/<id>.ipynb`` is made from ``solutions/<id>/<id>.ipynb`` with the
   hidden tests removed (nbgrader's own ClearHiddenTests) and the solution markers dropped. The page
   keeps the student notebook's path, so the book's "Open in Colab" button opens the student version.
   Files are only rewritten when their content changed, so that a rebuild with nothing changed reads
   nothing again.
2. Install MathJax 3 from the npm registry (once, into _build/npm) and serve it from the book's own
   ``_static/mathjax`` (copied to <source>/_vendor/mathjax): the pages typeset their equations without reaching a CDN.
3. Run ``jupyter-book build`` on it with warnings as errors. Notebooks are executed by a real kernel;
   Jupyter Book's cache (<output>/_build/.jupyter_cache) skips chapters whose code did not change.

Solutions: ``COURSE_BOOK_SOLUTIONS=0`` (or ``--no-solutions``) builds an edition without them. The
notebooks still run in full (so plots and results stay on the page, from the same execution cache), but
each exercise cell shows what the learner's notebook shows (``# YOUR CODE HERE``) with a note instead of
the solution and its output, and the notebook offered for download is the student notebook from chapters/.

This module is also the book's Sphinx extension (``setup`` below), registered by the generated config.
"""

import argparse
import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml
from nbgrader.preprocessors import ClearHiddenTests

from course_tools.layout import ROOT, SOLUTION_MARKERS

# Files and folders besides the pages that the book needs, when they exist.
BOOK_EXTRAS = ("_toc.yml", "_static", "_templates", "images", "references.bib")
# MathJax from the npm registry, served by the book itself (no CDN: readers and tests may be offline).
MATHJAX_VERSION = "3.2.2"
MATHJAX_ENTRY = "tex-mml-chtml.js"
NPM_PREFIX = ROOT / "_build" / "npm"
# Its copy in the book source: a static folder of its own, so that Jupyter Book does not add every
# script in _static to every page.
VENDOR_DIR = "_vendor"
# MathJax's settings: the assistive MathML that screen readers read (a hidden copy of each equation in
# MathML beside its visual rendering) is switched on explicitly, so that no default can drop it.
MATHJAX_CONFIG = {"options": {"enableAssistiveMml": True,
                              "menuOptions": {"settings": {"assistiveMml": True}}}}
# The templates of _templates/ replace the theme's own (pydata-sphinx-theme 0.17) for accessible names.
TEMPLATES_DIR = "_templates"
# WCAG 2.1 AA's contrast for normal text, and the background of cell outputs in the theme's light and dark
# modes (pydata-sphinx-theme 0.17, measured by axe-core): coloured text in outputs is made to reach it.
MIN_CONTRAST = 4.5
OUTPUT_BACKGROUNDS = {"light": "#f3f4f5", "dark": "#29313d"}
# Alt texts of figures come from a code cell's metadata: MyST-NB's ``mystnb: {image: {alt: "..."}}`` gives
# every figure of the cell the same text; ``alt_texts: ["...", "..."]`` gives each figure its own, in order.
ALT_TEXTS_KEY = "alt_texts"
SOLUTIONS_SETTING = "COURSE_BOOK_SOLUTIONS"
# Cells collapsed in the book (both editions) behind a toggle, closed by default: a visible test cell as a
# whole (its output only reports on the tests), and the code of a cell that only gathers facts for the tests
# (see is_facts_cell); what such a cell prints stays in view, for example the model summary that chapter 1's
# text then discusses. The tags change the cells' metadata, which Jupyter Book's cache hashes: both editions
# get the same tags, so they share one execution.
FACTS_SUFFIX = "_facts"
# (Jupyter Book tag, the toggle's text when closed, when open)
TEST_CELL_COLLAPSE = ("hide-cell", "Show the visible tests", "Hide the visible tests")
FACTS_CELL_COLLAPSE = ("hide-input", "Show the code that gathers facts for the tests",
                       "Hide the code that gathers facts for the tests")
NO_SOLUTION_NOTE = ("This edition of the book leaves the solution out. Open the chapter in Colab (the rocket "
                    "button at the top of the page) to write your own code in this cell, then run the test "
                    "cell below it.")


def toc_files(toc_path):
    """Return every page path (without suffix) named in a Jupyter Book ``_toc.yml``, in order."""
    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    pages = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            if "root" in node:
                pages.append(node["root"])
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return pages


def solutions_wanted(value=None):
    """Read the solutions setting: ``value`` or else $COURSE_BOOK_SOLUTIONS ("1" by default).

    Returns True for "1"/"true"/"yes"/"on", False for "0"/"false"/"no"/"off" (any case); raises ValueError
    for anything else, so that a typo cannot publish the solutions by accident.
    """
    if value is None:
        value = os.environ.get(SOLUTIONS_SETTING, "1")
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{SOLUTIONS_SETTING}={value!r}: use 1 (show solutions) or 0 (leave them out).")


def _grading(cell):
    return cell.metadata.get("nbgrader", {})


def is_test_cell(cell):
    """A visible test cell: a code cell that nbgrader grades (``grade: true``) and that is not an answer."""
    return cell.cell_type == "code" and bool(_grading(cell).get("grade")) and not _grading(cell).get("solution")


def is_facts_cell(cells, index):
    """A cell that only gathers facts for the tests. nbgrader has no marker for it; the chapters follow a rule
    that this recognises (both parts must hold): a locked code cell that is neither graded nor an answer,
    whose grade id ends with FACTS_SUFFIX (``scale_facts``: it builds the dict ``scale_facts``), placed right
    before a test cell (``scale_tests``)."""
    cell = cells[index]
    grading = _grading(cell)
    return (cell.cell_type == "code" and bool(grading.get("locked")) and not grading.get("grade")
            and not grading.get("solution") and str(grading.get("grade_id", "")).endswith(FACTS_SUFFIX)
            and index + 1 < len(cells) and is_test_cell(cells[index + 1]))


def collapse_grading_cells(nb):
    """Collapse the visible test cells (``hide-cell``) and the code of the facts cells (``hide-input``) behind
    a toggle that says what they hold (TEST_CELL_COLLAPSE, FACTS_CELL_COLLAPSE), so that a chapter reads as a
    lesson. Returns {grade id: tag} of the cells collapsed."""
    collapsed = {}
    for index, cell in enumerate(nb.cells):
        if is_test_cell(cell):
            tag, show, hide = TEST_CELL_COLLAPSE
        elif is_facts_cell(nb.cells, index):
            tag, show, hide = FACTS_CELL_COLLAPSE
        else:
            continue
        tags = cell.metadata.setdefault("tags", [])
        if tag not in tags:
            tags.append(tag)
        mystnb = cell.metadata.setdefault("mystnb", {})
        mystnb["code_prompt_show"], mystnb["code_prompt_hide"] = show, hide
        collapsed[_grading(cell).get("grade_id")] = tag
    return collapsed


def book_notebook(solution_path):
    """Return the book version of a solution notebook: no hidden tests, no solution markers, the test and
    facts cells collapsed (``collapse_grading_cells``)."""
    nb = nbformat.read(solution_path, as_version=4)
    nb, _ = ClearHiddenTests().preprocess(nb, {})
    for cell in nb.cells:
        if cell.cell_type == "code":
            lines = cell.source.split("\n")
            cell.source = "\n".join(line for line in lines if line.strip() not in SOLUTION_MARKERS)
    collapse_grading_cells(nb)
    return nb


def _write_if_changed(path, data):
    """Write bytes to ``path`` unless it already holds exactly them (keeps mtimes for Sphinx)."""
    path = Path(path)
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _sync_tree(source, target, keep):
    """Copy MathJax's files from ``source`` into ``target`` when size or mtime differ; add the targets to
    ``keep``. Of the top-level bundles only MATHJAX_ENTRY is needed (the folders hold what it loads)."""
    for path in sorted(Path(source).rglob("*")):
        top_level_bundle = path.parent == Path(source) and path.name != MATHJAX_ENTRY
        if path.is_file() and not top_level_bundle:
            dest = Path(target) / path.relative_to(source)
            keep.add(dest)
            stat = path.stat()
            if dest.is_file() and dest.stat().st_size == stat.st_size and dest.stat().st_mtime == stat.st_mtime:
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)


def npm_package(name, version, prefix, needed, why):
    """Return the folder of the npm package ``name`` in ``prefix``, installing ``name@version`` with npm first
    unless that version is there with the file ``needed`` (relative to the package). ``why`` ends the
    message when npm is missing. Raises RuntimeError when npm is missing or the install fails."""
    package = Path(prefix) / "node_modules" / name
    manifest = package / "package.json"
    if (package / needed).is_file() and manifest.is_file() and f'"version": "{version}"' in manifest.read_text():
        return package
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"npm is missing: install Node.js and npm ({why}).")
    Path(prefix).mkdir(parents=True, exist_ok=True)
    command = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--no-save", f"{name}@{version}"]
    print(" ".join(command), flush=True)
    if subprocess.call(command, stdout=sys.stderr) != 0 or not (package / needed).is_file():
        raise RuntimeError(f"`{' '.join(command)}` did not install {package / needed}.")
    return package


def mathjax_dir(prefix=NPM_PREFIX):
    """Return the folder of MathJax's ``es5`` bundle, installing ``mathjax@MATHJAX_VERSION`` with npm first
    if it is missing (into ``prefix``). Raises RuntimeError when npm is missing or the install fails."""
    return npm_package("mathjax", MATHJAX_VERSION, prefix, f"es5/{MATHJAX_ENTRY}",
                       "the book serves MathJax from the npm package") / "es5"


def book_config(root=ROOT, solutions=True, execution_cache=None):
    """Return the book's ``_config.yml`` (a dict) with what the build adds: local MathJax, this module as a
    Sphinx extension, the solutions setting and, if given, the folder of Jupyter Book's execution cache."""
    config = yaml.safe_load((Path(root) / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config.setdefault("sphinx", {})
    sphinx.setdefault("extra_extensions", []).append("course_tools.book")
    sphinx_config = sphinx.setdefault("config", {})
    sphinx_config["mathjax_path"] = f"mathjax/{MATHJAX_ENTRY}"  # relative to _static
    sphinx_config["mathjax3_config"] = copy.deepcopy(MATHJAX_CONFIG)
    if (Path(root) / TEMPLATES_DIR).is_dir():
        sphinx_config["templates_path"] = [TEMPLATES_DIR]
    sphinx_config["course_book_solutions"] = bool(solutions)
    sphinx_config["course_book_student_root"] = str(Path(root).resolve())
    if execution_cache is not None:
        config.setdefault("execute", {})["cache"] = str(Path(execution_cache).resolve())
    return config


def write_source(source_dir, root=ROOT, solutions=True, execution_cache=None, mathjax=None):
    """Write the book's source tree into ``source_dir``; return the pages written.

    Only files whose content changed are rewritten and files that no longer belong are removed, so that
    Sphinx sees nothing new when nothing changed. ``mathjax`` is MathJax's es5 folder (default: installed
    by ``mathjax_dir``)."""
    source_dir = Path(source_dir)
    source_dir.mkdir(parents=True, exist_ok=True)
    keep = set()

    def put(path, data):
        keep.add(path)
        _write_if_changed(path, data)

    config = book_config(root, solutions, execution_cache)
    put(source_dir / "_config.yml", yaml.safe_dump(config, sort_keys=False).encode("utf-8"))
    for extra in BOOK_EXTRAS:
        path = Path(root) / extra
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                put(source_dir / file.relative_to(root), file.read_bytes())
        elif path.is_file():
            put(source_dir / extra, path.read_bytes())
    _sync_tree(mathjax or mathjax_dir(), source_dir / VENDOR_DIR / "mathjax", keep)
    written = []
    for page in toc_files(Path(root) / "_toc.yml"):
        parts = Path(page).with_suffix("").parts
        target = source_dir / Path(page).with_suffix("")
        if len(parts) == 3 and parts[0] == "chapters" and parts[1] == parts[2]:
            solution = Path(root) / "solutions" / parts[1] / f"{parts[1]}.ipynb"
            if not solution.is_file():
                raise FileNotFoundError(f"_toc.yml lists {page}, but its source {solution} does not exist.")
            put(target.with_suffix(".ipynb"), nbformat.writes(book_notebook(solution)).encode("utf-8"))
            written.append(target.with_suffix(".ipynb"))
            continue
        candidates = [Path(root) / f"{Path(page).with_suffix('')}{suffix}" for suffix in (".md", ".ipynb")]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise FileNotFoundError(f"_toc.yml lists {page}, but neither {candidates[0]} nor {candidates[1]} exists.")
        put(target.with_suffix(found.suffix), found.read_bytes())
        written.append(target.with_suffix(found.suffix))
    for path in sorted(source_dir.rglob("*"), reverse=True):  # drop what no longer belongs, then empty folders
        if path.is_file() and path not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return written


def build(output=ROOT, extra_args=(), solutions=None, execution_cache=None):
    """Write the source tree and run jupyter-book; return its exit code.

    ``solutions`` None reads $COURSE_BOOK_SOLUTIONS; ``execution_cache`` None keeps Jupyter Book's default
    (<output>/_build/.jupyter_cache)."""
    output = Path(output).resolve()
    solutions = solutions_wanted() if solutions is None else bool(solutions)
    source_dir = output / "_build" / "book-source"
    pages = write_source(source_dir, solutions=solutions, execution_cache=execution_cache)
    print(f"book source: {len(pages)} pages in {source_dir} ({'with' if solutions else 'without'} solutions)")
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(source_dir), "--path-output", str(output),
               "-W", "--keep-going", *extra_args]
    print(" ".join(command), flush=True)
    # A non-interactive MPLBACKEND (set by some test runners) would stop the kernel's inline figures.
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    if "COURSE_DATA_DIR" not in env and (ROOT / "data").is_dir():
        env["COURSE_DATA_DIR"] = str(ROOT / "data")  # what `make data` staged
        print(f"COURSE_DATA_DIR is unset: the chapters read the data staged in {env['COURSE_DATA_DIR']}")
    return subprocess.call(command, env=env)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", default=str(ROOT), help="folder that receives _build/ (default: the repo)")
    parser.add_argument("--all", action="store_true", help="rebuild every page (jupyter-book --all)")
    parser.add_argument("--no-solutions", action="store_true",
                        help=f"leave the solutions out (same as {SOLUTIONS_SETTING}=0)")
    parser.add_argument("--execution-cache", default=None,
                        help="folder of Jupyter Book's execution cache (default: <output>/_build/.jupyter_cache)")
    args = parser.parse_args(argv)
    solutions = False if args.no_solutions else solutions_wanted()
    code = build(args.output, ["--all"] if args.all else [], solutions=solutions,
                 execution_cache=args.execution_cache)
    if code == 0:
        print(f"\nThe book is ready: open {Path(args.output).resolve() / '_build' / 'html' / 'index.html'}")
    return code


# --- The Sphinx extension (loaded by jupyter-book through the config that write_source generates) ---------

def _dedupe_scripts(app, pagename, templatename, context, doctree):
    """Drop repeated <script> entries. sphinx-thebe and sphinx-togglebutton register their inline scripts
    twice under Jupyter Book 1 (once with filename None, once with ""), and the second
    ``const THEBE_JS_URL`` is a JavaScript error on every page."""
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen, unique = set(), []
    for script in scripts:
        filename = getattr(script, "filename", script) or ""
        attributes = tuple(sorted((getattr(script, "attributes", None) or {}).items()))
        key = (filename, getattr(script, "priority", None), attributes)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def _student_sources(root, docname):
    """Map grade_id -> source of the solution cells of the student notebook chapters/<id>/<id>.ipynb."""
    path = Path(root) / f"{docname}.ipynb"
    if not path.is_file():
        return {}
    nb = nbformat.read(path, as_version=4)
    return {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in nb.cells
            if cell.metadata.get("nbgrader", {}).get("solution")}


def _hide_solutions(app, doctree):
    """Without solutions: show each exercise cell as the learner's notebook does, with a note, no output."""
    if app.config.course_book_solutions:
        return
    from docutils import nodes

    docname = app.env.docname
    student = None
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
            raise RuntimeError(f"{docname}: exercise cell {grade_id!r} is missing from the student notebook "
                               "in chapters/; run `make release`.")
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


def _student_downloads(app, exception):
    """Without solutions: the notebook offered for download is the student notebook from chapters/."""
    if exception is not None or app.config.course_book_solutions or app.builder.format != "html":
        return
    root = Path(app.config.course_book_student_root)
    for docname in app.env.found_docs:
        student = root / f"{docname}.ipynb"
        download = Path(app.outdir) / "_sources" / f"{docname}.ipynb"
        if student.is_file() and download.is_file():
            shutil.copyfile(student, download)


def _hex(rgb):
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in rgb)


def readable_color(color, background, minimum=MIN_CONTRAST + 0.1):
    """Return ``color`` (a hex colour) unchanged when it has WCAG contrast ``minimum`` with ``background``,
    else the colour mixed towards black (on a light background) or white (on a dark one) in steps of 2 % until
    it has: the same hue, darker or lighter. Hex strings in and out ("#rrggbb")."""
    from matplotlib.colors import to_rgb

    from course_utils.plots import contrast_ratio, relative_luminance

    rgb = to_rgb(color)
    if contrast_ratio(rgb, background) >= minimum:
        return _hex(rgb)
    target = 0.0 if relative_luminance(background) > 0.18 else 1.0
    for step in range(1, 51):
        mix = step / 50
        mixed = tuple(channel + (target - channel) * mix for channel in rgb)
        if contrast_ratio(mixed, background) >= minimum:
            return _hex(mixed)
    return _hex((target,) * 3)


def readable_styles(html_text, backgrounds=OUTPUT_BACKGROUNDS):
    """Rewrite the inline text colours of an HTML output (Keras's rich ``model.summary()``, for example
    ``<span style="color: #00d7ff">``) to colours with AA contrast on the theme's output background: the
    light mode's in ``color``, the dark mode's in the custom property ``--course-dark-color`` that
    _static/accessibility.css applies in dark mode. A background set in the same style attribute is used
    instead of the theme's. Returns the new HTML."""
    import re

    def style(match):
        declarations = [d.strip() for d in match.group(1).split(";") if d.strip()]
        values = {}
        for declaration in declarations:
            name, _, value = declaration.partition(":")
            values[name.strip().lower()] = value.strip()
        color = values.get("color", "")
        if not re.fullmatch(r"#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}", color) or "--course-dark-color" in values:
            return match.group(0)  # no colour of its own, or rewritten already
        own = values.get("background-color") or values.get("background")
        light = readable_color(color, own or backgrounds["light"])
        dark = readable_color(color, own or backgrounds["dark"])
        kept = [d for d in declarations if d.partition(":")[0].strip().lower() not in {"color", "text-decoration-color"}]
        new = [f"color: {light}", f"--course-dark-color: {dark}", "text-decoration-color: currentColor", *kept]
        return f'style="{"; ".join(new)}"'

    return re.sub(r'style="([^"]*)"', style, html_text)


def _readable_outputs(app, doctree):
    """Give the coloured text of HTML cell outputs AA contrast in both colour modes (``readable_styles``)."""
    from docutils import nodes

    for raw in list(doctree.findall(nodes.raw)):
        if "html" not in raw.get("format", "").split() or "color" not in raw.astext():
            continue
        text = raw.astext()
        new = readable_styles(text)
        if new != text:
            raw.children = [nodes.Text(new)]
            raw.rawsource = new


def figure_alt_texts(cell_metadata, figures):
    """The alt texts of a code cell's ``figures`` (how many image outputs it has), in output order, from its
    metadata: ALT_TEXTS_KEY, a list with one text per figure, or else MyST-NB's ``mystnb.image.alt``, one text
    for every figure of the cell. None where the cell gives none. Raises ValueError when the list's length is
    not the number of figures."""
    texts = cell_metadata.get(ALT_TEXTS_KEY)
    if texts is not None:
        if not isinstance(texts, list) or len(texts) != figures or not all(isinstance(t, str) for t in texts):
            raise ValueError(f"{ALT_TEXTS_KEY} should be a list of {figures} texts, one per figure, got {texts!r}")
        return texts
    shared = ((cell_metadata.get("mystnb") or {}).get("image") or {}).get("alt")
    return [shared] * figures


def _figure_alt_texts(app, doctree):
    """Give each figure of a code cell its own alt text when the cell's metadata lists them (ALT_TEXTS_KEY);
    MyST-NB itself applies ``mystnb.image.alt``. A list of the wrong length is a build warning (an error under
    ``-W``)."""
    from docutils import nodes
    from sphinx.util import logging

    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code" or ALT_TEXTS_KEY not in (cell.get("cell_metadata") or {}):
            continue
        images = [image for image in cell.findall(nodes.image)]
        try:
            texts = figure_alt_texts(cell["cell_metadata"], len(images))
        except ValueError as error:
            logging.getLogger(__name__).warning(f"{app.env.docname}, cell {cell.get('cell_index')}: {error}",
                                                location=cell)
            continue
        for image, text in zip(images, texts):
            image["alt"] = text


def _accessible_toggles(app, pagename, templatename, context, doctree):
    """MyST-NB labels the toggle of a collapsed cell "Toggle hidden content" while it shows "Show the visible
    tests": a label that does not contain the visible text (WCAG 2.5.3). Without the label, the toggle's name is
    the text it shows."""
    body = context.get("body")
    if isinstance(body, str):
        context["body"] = body.replace('<summary aria-label="Toggle hidden content">', "<summary>")


def _default_color_mode(app, config):
    """pydata-sphinx-theme logs "Got invalid theme mode" (a console error) on a first visit unless the
    book names a default mode."""
    config.html_context.setdefault("default_mode", "light")


def _add_vendor_static(app):
    """Serve the book source's _vendor folder (MathJax) as static files: _static/mathjax/..."""
    vendor = Path(app.srcdir) / VENDOR_DIR
    if vendor.is_dir():
        app.config.html_static_path.append(str(vendor))


def setup(app):
    """Sphinx entry point: the fixes and settings above."""
    app.connect("config-inited", _default_color_mode)
    app.connect("builder-inited", _add_vendor_static)
    app.add_config_value("course_book_solutions", True, "env")
    app.add_config_value("course_book_student_root", str(ROOT), "env")
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("doctree-read", _hide_solutions)
    app.connect("doctree-read", _readable_outputs)
    app.connect("doctree-read", _figure_alt_texts)
    app.connect("html-page-context", _accessible_toggles)
    app.connect("build-finished", _student_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    sys.exit(main())
