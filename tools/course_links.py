"""Colab badges and install cells, derived from the one repository setting in _config.yml.

    python tools/course_links.py           # report notebooks whose badge or install cell disagrees
    python tools/course_links.py --write   # rewrite them in solutions/ (then regenerate chapters/)

A chapter's badge is the locked markdown cell with nbgrader id ``colab_badge``; its install cell
is the locked code cell with id ``install_course_utils``.
"""

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
BADGE_ID = "colab_badge"
INSTALL_ID = "install_course_utils"
COLAB_BADGE_SVG = "https://colab.research.google.com/assets/colab-badge.svg"


def repository(config_path=ROOT / "_config.yml"):
    """Return ``(owner/name, branch)`` from ``_config.yml``'s ``repository`` section.

    Raises:
        ValueError: the URL is not a GitHub repository URL.
    """
    config = yaml.safe_load(Path(config_path).read_text(encoding="utf-8"))
    repo = config.get("repository") or {}
    url = str(repo.get("url", "")).rstrip("/")
    prefix = "https://github.com/"
    slug = url[len(prefix):].removesuffix(".git") if url.startswith(prefix) else ""
    if slug.count("/") != 1 or not all(slug.split("/")):
        raise ValueError(f"{config_path}: repository.url should look like https://github.com/OWNER/NAME, got {url!r}.")
    return slug, str(repo.get("branch", "main"))


def colab_url(chapter_id, config_path=ROOT / "_config.yml"):
    """The Colab address of a chapter's student notebook, ``chapters/<id>/<id>.ipynb`` on GitHub."""
    slug, branch = repository(config_path)
    return f"https://colab.research.google.com/github/{slug}/blob/{branch}/chapters/{chapter_id}/{chapter_id}.ipynb"


def badge_source(chapter_id, config_path=ROOT / "_config.yml"):
    """Markdown of the chapter's "Open in Colab" badge."""
    return f"[![Open In Colab]({COLAB_BADGE_SVG})]({colab_url(chapter_id, config_path)})"


def install_source(config_path=ROOT / "_config.yml"):
    """Source of the first code cell: installs course_utils from the repository, in Colab only."""
    slug, branch = repository(config_path)
    return (
        "# In Google Colab, install the course's helper package course_utils (about 20 s).\n"
        "# On your own machine it is installed already (see the README), so nothing happens.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    !pip install --quiet "course-utils @ git+https://github.com/{slug}.git@{branch}"'
    )


def expected_cells(chapter_id, config_path=ROOT / "_config.yml"):
    return {BADGE_ID: badge_source(chapter_id, config_path), INSTALL_ID: install_source(config_path)}


def disagreements(notebook_path, config_path=ROOT / "_config.yml"):
    """List, in words, how a chapter notebook's badge and install cell differ from the setting."""
    chapter_id = Path(notebook_path).stem
    nb = nbformat.read(notebook_path, as_version=4)
    found = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in nb.cells}
    problems = []
    for grade_id, source in expected_cells(chapter_id, config_path).items():
        if grade_id not in found:
            problems.append(f"{notebook_path}: no cell with nbgrader id {grade_id!r}")
        elif found[grade_id].source != source:
            problems.append(f"{notebook_path}: cell {grade_id!r} does not match _config.yml's repository")
    return problems


def write(notebook_path, config_path=ROOT / "_config.yml"):
    """Rewrite the badge and install cells of one notebook from the setting; return True if it changed."""
    chapter_id = Path(notebook_path).stem
    nb = nbformat.read(notebook_path, as_version=4)
    expected = expected_cells(chapter_id, config_path)
    changed = False
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in expected and cell.source != expected[grade_id]:
            cell.source = expected[grade_id]
            changed = True
    if changed:
        nbformat.write(nb, notebook_path)
    return changed


def solution_notebooks(root=ROOT):
    return sorted(Path(root, "solutions").glob("*/*.ipynb"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="rewrite disagreeing cells in solutions/")
    args = parser.parse_args(argv)
    problems = []
    for path in solution_notebooks():
        if args.write and write(path):
            print(f"updated {path.relative_to(ROOT)}; now run `make release` to regenerate chapters/")
        problems += disagreements(path)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
