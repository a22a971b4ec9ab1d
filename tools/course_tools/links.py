"""Colab badges and install cells, derived from the one repository setting in _config.yml.

    course-links           # report notebooks whose badge or install cell disagrees
    course-links --write   # rewrite them in solutions/ (then regenerate chapters/)

A chapter's badge is the locked markdown cell with nbgrader id ``colab_badge``; its install cell
is the locked code cell with id ``install_course_utils``.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat
import yaml

from course_tools.layout import BOOK_CONFIG, ROOT, SOURCE

BADGE_ID = "colab_badge"
INSTALL_ID = "install_course_utils"
COLAB_BADGE_SVG = "https://colab.research.google.com/assets/colab-badge.svg"


def _repository_section(config_path: str | Path) -> dict[str, Any]:
    """The ``repository`` section of ``_config.yml`` (empty when there is none)."""
    config = yaml.safe_load(Path(config_path).read_text(encoding="utf-8"))
    return dict(config.get("repository") or {})


def repository(config_path: str | Path = ROOT / BOOK_CONFIG) -> tuple[str, str]:
    """Return ``(owner/name, branch)`` from ``_config.yml``'s ``repository`` section.

    Raises:
        ValueError: the URL is not a GitHub repository URL.
    """
    repo = _repository_section(config_path)
    url = str(repo.get("url", "")).rstrip("/")
    prefix = "https://github.com/"
    slug = url[len(prefix) :].removesuffix(".git") if url.startswith(prefix) else ""
    if slug.count("/") != 1 or not all(slug.split("/")):
        raise ValueError(f"{config_path}: repository.url should look like https://github.com/OWNER/NAME, got {url!r}.")
    return slug, str(repo.get("branch", "main"))


def package_ref(config_path: str | Path = ROOT / BOOK_CONFIG) -> str:
    """The git tag (or commit) that the notebooks install ``course_utils`` from: ``repository.package_ref``.

    Pinning it, rather than installing from the branch, keeps a learner's saved copy of a notebook working
    with the package it was written for.

    Raises:
        ValueError: the setting is missing or names a branch-like moving target (``main``, ``master``).
    """
    ref = str(_repository_section(config_path).get("package_ref", "")).strip()
    if not ref or ref in {"main", "master", "HEAD"}:
        raise ValueError(
            f"{config_path}: set repository.package_ref to the tag of the course_utils release the "
            f"notebooks install (e.g. v0.2.0), not {ref or 'nothing'!r}."
        )
    return ref


def colab_url(chapter_id: str, config_path: str | Path = ROOT / BOOK_CONFIG) -> str:
    """The Colab address of a chapter's student notebook, ``chapters/<id>/<id>.ipynb`` on GitHub."""
    slug, branch = repository(config_path)
    return f"https://colab.research.google.com/github/{slug}/blob/{branch}/chapters/{chapter_id}/{chapter_id}.ipynb"


def badge_source(chapter_id: str, config_path: str | Path = ROOT / BOOK_CONFIG) -> str:
    """Markdown of the chapter's "Open in Colab" badge."""
    return f"[![Open In Colab]({COLAB_BADGE_SVG})]({colab_url(chapter_id, config_path)})"


def install_source(config_path: str | Path = ROOT / BOOK_CONFIG) -> str:
    """Source of the first code cell: in Colab, installs course_utils at the pinned tag, then imports it.

    ``%pip`` prints pip's error if the install fails; the import in the same cell then stops the notebook
    there with one sentence, instead of a ``ModuleNotFoundError`` several cells later.
    """
    slug, _ = repository(config_path)
    ref = package_ref(config_path)
    return (
        "# In Google Colab, install the course's helper package course_utils at the version this notebook\n"
        "# was written for (about 20 s). On your own machine it is installed already (see the README).\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet "course-utils @ git+https://github.com/{slug}.git@{ref}"\n'
        "try:\n"
        "    import course_utils\n"
        "except ModuleNotFoundError as error:\n"
        '    raise RuntimeError("course_utils is not installed: read pip\'s message above (in Colab) or run "\n'
        '                       "`pip install -e .` in the course repository (elsewhere).") from error\n'
        'print(f"course_utils {course_utils.__version__}")'
    )


def expected_cells(chapter_id: str, config_path: str | Path = ROOT / BOOK_CONFIG) -> dict[str, str]:
    """The source each generated cell of a chapter should have, by nbgrader grade id."""
    return {BADGE_ID: badge_source(chapter_id, config_path), INSTALL_ID: install_source(config_path)}


def disagreements(notebook_path: str | Path, config_path: str | Path = ROOT / BOOK_CONFIG) -> list[str]:
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


def write(notebook_path: str | Path, config_path: str | Path = ROOT / BOOK_CONFIG) -> bool:
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


def solution_notebooks(root: str | Path = ROOT) -> list[Path]:
    """Every chapter's solution notebook, sorted."""
    return sorted(Path(root, SOURCE).glob("*/*.ipynb"))


def main(argv: Sequence[str] | None = None) -> int:
    """The ``course-links`` command; returns its exit status."""
    parser = argparse.ArgumentParser(
        prog="course-links", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="rewrite disagreeing cells in solutions/")
    args = parser.parse_args(argv)
    problems: list[str] = []
    for path in solution_notebooks():
        if args.write and write(path):
            print(f"updated {path.relative_to(ROOT)}; now run `make release` to regenerate chapters/")
        problems += disagreements(path)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
