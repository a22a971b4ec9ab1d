"""The book's source tree (<output>/_build/book-source): the generated ``_config.yml``, the extra files, MathJax
and one page per ``_toc.yml`` entry. Only files whose content changed are rewritten, so that a rebuild with
nothing changed reads nothing again."""

import copy
from pathlib import Path
from typing import Any

import nbformat
import yaml

from course_tools.book.mathjax import MATHJAX_CONFIG, MATHJAX_ENTRY, VENDOR_DIR, mathjax_dir, sync_tree
from course_tools.book.pages import book_notebook, toc_files
from course_tools.layout import BOOK_CONFIG, BOOK_TOC, CELL_TIMEOUT, ROOT, SOURCE

# Files and folders besides the pages that the book needs, when they exist.
BOOK_EXTRAS = (BOOK_TOC, "_static", "_templates", "images", "references.bib")
# The templates of _templates/ replace the theme's own (pydata-sphinx-theme 0.17) for accessible names.
TEMPLATES_DIR = "_templates"


def book_config(
    root: str | Path = ROOT, solutions: bool = True, execution_cache: str | Path | None = None
) -> dict[str, Any]:
    """Return the book's ``_config.yml`` (a dict) with what the build adds: local MathJax, this module as a
    Sphinx extension, the solutions setting and, if given, the folder of Jupyter Book's execution cache."""
    config: dict[str, Any] = yaml.safe_load((Path(root) / BOOK_CONFIG).read_text(encoding="utf-8"))
    sphinx = config.setdefault("sphinx", {})
    sphinx.setdefault("extra_extensions", []).append("course_tools.book")
    sphinx_config = sphinx.setdefault("config", {})
    sphinx_config["mathjax_path"] = f"mathjax/{MATHJAX_ENTRY}"  # relative to _static
    sphinx_config["mathjax3_config"] = copy.deepcopy(MATHJAX_CONFIG)
    if (Path(root) / TEMPLATES_DIR).is_dir():
        sphinx_config["templates_path"] = [TEMPLATES_DIR]
    sphinx_config["course_book_solutions"] = bool(solutions)
    sphinx_config["course_book_student_root"] = str(Path(root).resolve())
    config.setdefault("execute", {})["timeout"] = CELL_TIMEOUT
    if execution_cache is not None:
        config["execute"]["cache"] = str(Path(execution_cache).resolve())
    return config


def _write_if_changed(path: Path, data: bytes) -> None:
    """Write bytes to ``path`` unless it already holds exactly them (keeps mtimes for Sphinx)."""
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_source(
    source_dir: str | Path,
    root: str | Path = ROOT,
    solutions: bool = True,
    execution_cache: str | Path | None = None,
    mathjax: str | Path | None = None,
) -> list[Path]:
    """Write the book's source tree into ``source_dir``; return the pages written.

    Only files whose content changed are rewritten and files that no longer belong are removed, so that
    Sphinx sees nothing new when nothing changed. ``mathjax`` is MathJax's es5 folder (default: installed
    by ``mathjax_dir``)."""
    source = Path(source_dir)
    source.mkdir(parents=True, exist_ok=True)
    keep: set[Path] = set()

    def put(path: Path, data: bytes) -> None:
        keep.add(path)
        _write_if_changed(path, data)

    config = book_config(root, solutions, execution_cache)
    put(source / BOOK_CONFIG, yaml.safe_dump(config, sort_keys=False).encode("utf-8"))
    for extra in BOOK_EXTRAS:
        path = Path(root) / extra
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                put(source / file.relative_to(root), file.read_bytes())
        elif path.is_file():
            put(source / extra, path.read_bytes())
    sync_tree(mathjax or mathjax_dir(), source / VENDOR_DIR / "mathjax", keep)
    written = []
    for page in toc_files(Path(root) / BOOK_TOC):
        parts = Path(page).with_suffix("").parts
        target = source / Path(page).with_suffix("")
        if len(parts) == 3 and parts[0] == "chapters" and parts[1] == parts[2]:
            solution = Path(root) / SOURCE / parts[1] / f"{parts[1]}.ipynb"
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
    for path in sorted(source.rglob("*"), reverse=True):  # drop what no longer belongs, then empty folders
        if path.is_file() and path not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return written
