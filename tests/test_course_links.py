"""The repository URL lives in _config.yml only: badges, install cells and the book's buttons agree with it."""

import shutil
import sys
import tomllib

import nbformat
import pytest
import yaml

from course_tools import layout
from course_tools import links as course_links
from helpers import ROOT, chapter_ids, grade_id


def _setting():
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    slug = repo["url"].removeprefix("https://github.com/")
    return slug, repo["branch"]


@pytest.mark.parametrize("folder", ["solutions", "chapters"])
@pytest.mark.parametrize("chapter", chapter_ids())
def test_badge_and_install_cell_follow_the_config(folder, chapter):
    slug, branch = _setting()
    nb = nbformat.read(ROOT / folder / chapter / f"{chapter}.ipynb", as_version=4)
    cells = {grade_id(cell): cell for cell in nb.cells}
    badge = cells["colab_badge"].source
    assert (
        f"(https://colab.research.google.com/github/{slug}/blob/{branch}/chapters/{chapter}/{chapter}.ipynb)" in badge
    ), f"{folder}/{chapter}: the Colab badge must open the student notebook on {slug}@{branch}"
    install = cells["install_course_utils"]
    first_code = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert first_code is install, "the install cell must be the first code cell"
    assert 'if "google.colab" in sys.modules:' in install.source
    ref = course_links.package_ref()
    assert f'%pip install --quiet "course-utils @ git+https://github.com/{slug}.git@{ref}"' in install.source, (
        "Colab installs course_utils with %pip at the pinned tag, not from a branch"
    )
    assert "import course_utils" in install.source, "the install cell imports the package, so a failed install stops it"
    assert course_links.disagreements(ROOT / folder / chapter / f"{chapter}.ipynb") == []


def test_install_cells_pin_the_version_that_pyproject_declares():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert course_links.package_ref() == f"v{version}", (
        "_config.yml's repository.package_ref must be the tag of this course_utils version: v" + version
    )


@pytest.mark.parametrize("ref", ["main", "", "master"])
def test_package_ref_must_not_be_a_moving_branch(tmp_path, ref):
    config = tmp_path / "_config.yml"
    config.write_text(f"repository:\n  url: https://github.com/a/b\n  package_ref: '{ref}'\n")
    with pytest.raises(ValueError, match="package_ref"):
        course_links.package_ref(config)


def test_install_cell_stops_with_one_sentence_when_the_install_failed():
    """The install cell's own code, run where course_utils cannot be imported: one RuntimeError that says why."""
    source = course_links.install_source()
    body = source.split("try:", 1)[1]
    namespace = {"__builtins__": __builtins__}
    hidden = {"course_utils": None}  # a None entry in sys.modules makes the import fail as if not installed
    saved = {name: sys.modules.get(name) for name in hidden}
    sys.modules.update(hidden)
    try:
        with pytest.raises(RuntimeError, match="course_utils is not installed"):
            exec("try:" + body, namespace)
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def test_toc_lists_every_chapter_and_nothing_else():
    toc = (ROOT / "_toc.yml").read_text()
    listed = sorted(line.split("chapters/")[1].split("/")[0] for line in toc.splitlines() if "file: chapters/" in line)
    assert listed == chapter_ids()


def test_course_links_rewrites_a_notebook_after_the_setting_changes(tmp_path):
    chapter = chapter_ids()[0]
    notebook = tmp_path / f"{chapter}.ipynb"
    shutil.copy(layout.solution_notebook(chapter), notebook)
    config = tmp_path / "_config.yml"
    config.write_text((ROOT / "_config.yml").read_text().replace(_setting()[0], "someone-else/their-fork"))
    assert course_links.disagreements(notebook, config)  # the copy still names the old repository
    assert course_links.write(notebook, config) is True
    assert course_links.disagreements(notebook, config) == []
    assert "someone-else/their-fork" in notebook.read_text()
    assert course_links.write(notebook, config) is False


def test_repository_rejects_a_non_github_url(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  url: https://example.org/course\n")
    with pytest.raises(ValueError, match="OWNER/NAME"):
        course_links.repository(config)
