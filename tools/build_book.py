"""Build the HTML book into <output>/_build/html (default: the repository's own _build/html).

    python tools/build_book.py [--output DIR]

Steps:
1. Write the book's source tree into <output>/_build/book-source: the pages listed in _toc.yml, where
   each chapter page ``chapters/<id>/<id>.ipynb`` is made from ``solutions/<id>/<id>.ipynb`` with the
   hidden tests removed (nbgrader's own ClearHiddenTests) and the solution markers dropped. The page
   keeps the student notebook's path, so the book's "Open in Colab" button opens the student version.
2. Run ``jupyter-book build`` on it with warnings as errors. Notebooks are executed by a real kernel;
   Jupyter Book's cache (<output>/_build/.jupyter_cache) skips chapters whose code did not change.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml
from nbgrader.preprocessors import ClearHiddenTests

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
# Files and folders besides the pages that the book needs, when they exist.
BOOK_EXTRAS = ("_config.yml", "_toc.yml", "_static", "images", "references.bib")


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


def book_notebook(solution_path):
    """Return the book version of a solution notebook: no hidden tests, no solution markers."""
    nb = nbformat.read(solution_path, as_version=4)
    nb, _ = ClearHiddenTests().preprocess(nb, {})
    for cell in nb.cells:
        if cell.cell_type == "code":
            lines = cell.source.split("\n")
            cell.source = "\n".join(line for line in lines if line.strip() not in SOLUTION_MARKERS)
    return nb


def write_source(source_dir, root=ROOT):
    """Write the book's source tree into ``source_dir`` (emptied first); return the pages written."""
    if source_dir.exists():
        shutil.rmtree(source_dir)
    source_dir.mkdir(parents=True)
    for extra in BOOK_EXTRAS:
        path = root / extra
        if path.is_dir():
            shutil.copytree(path, source_dir / extra)
        elif path.is_file():
            shutil.copy2(path, source_dir / extra)
    written = []
    for page in toc_files(root / "_toc.yml"):
        parts = Path(page).with_suffix("").parts
        target = source_dir / Path(page).with_suffix("")
        target.parent.mkdir(parents=True, exist_ok=True)
        if len(parts) == 3 and parts[0] == "chapters" and parts[1] == parts[2]:
            solution = root / "solutions" / parts[1] / f"{parts[1]}.ipynb"
            if not solution.is_file():
                raise FileNotFoundError(f"_toc.yml lists {page}, but its source {solution} does not exist.")
            nbformat.write(book_notebook(solution), target.with_suffix(".ipynb"))
            written.append(target.with_suffix(".ipynb"))
            continue
        candidates = [root / f"{Path(page).with_suffix('')}{suffix}" for suffix in (".md", ".ipynb")]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise FileNotFoundError(f"_toc.yml lists {page}, but neither {candidates[0]} nor {candidates[1]} exists.")
        shutil.copy2(found, target.with_suffix(found.suffix))
        written.append(target.with_suffix(found.suffix))
    return written


def build(output=ROOT, extra_args=()):
    """Write the source tree and run jupyter-book; return its exit code."""
    output = Path(output).resolve()
    source_dir = output / "_build" / "book-source"
    pages = write_source(source_dir)
    print(f"book source: {len(pages)} pages in {source_dir}")
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
    args = parser.parse_args(argv)
    code = build(args.output, ["--all"] if args.all else [])
    if code == 0:
        print(f"\nThe book is ready: open {Path(args.output).resolve() / '_build' / 'html' / 'index.html'}")
    return code


if __name__ == "__main__":
    sys.exit(main())
