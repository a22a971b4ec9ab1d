"""Each grading limit is written once: as a trait of the guards or of the sandbox, which nbgrader_config.py can
set; the classroom command and the Python API take their defaults from there (nbgrader's own apps do the same).
The gradebook's address is one setting too: nbgrader_config.py's c.CourseDirectory.db_url (SQLite by default), and
it is printed with its password hidden."""

import shutil

import pytest

from course_tools import layout
from course_tools.classroom import cli, log
from course_tools.classroom.limits import Limits, sandbox_default
from course_tools.guards import LimitOutputSize
from course_tools.sandbox import SandboxedKernelManager


def _grade_defaults():
    args = cli.build_parser().parse_args(["grade"])
    return {
        name: getattr(args, name)
        for name in ("timeout", "max_output_chars", "memory_limit", "max_processes", "disk_limit", "bwrap")
    }


def test_the_command_leaves_every_limit_to_its_trait():
    assert set(_grade_defaults().values()) == {None}, _grade_defaults()


def test_limits_pass_only_what_was_given_so_that_nbgrader_config_applies(tmp_path):
    args = Limits().nbgrader_args(tmp_path, "ch", "ada")
    assert not [arg for arg in args if "_limit=" in arg or "max_processes=" in arg or ".bwrap=" in arg], args
    assert Limits().bwrap == SandboxedKernelManager.class_traits()["bwrap"].default_value
    given = Limits(memory="2G", processes=8).nbgrader_args(tmp_path, "ch", "ada")
    assert f"--SandboxedKernelManager.memory_limit={2 * 1024**3}" in given
    assert "--SandboxedKernelManager.max_processes=8" in given
    with pytest.raises(ValueError, match="positive"):
        Limits(disk=0)


def test_the_help_quotes_the_traits_values(capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["grade", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    chars = LimitOutputSize.class_traits()["max_chars"].default_value
    assert f"LimitOutputSize.max_chars, {chars:,}" in text
    assert f"SandboxedKernelManager.memory_limit, {sandbox_default('memory_limit') / 1024**3:g}G" in text


# --- the gradebook's address: one setting, nbgrader_config.py's c.CourseDirectory.db_url -------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://ann:s3cr%40t@db.example:5433/grades", "postgresql://ann:***@db.example:5433/grades"),
        (
            "postgresql+psycopg2://ann:pw:with/odd@/grades?host=/run/pg",
            "postgresql+psycopg2://ann:***@/grades?host=/run/pg",
        ),
        ("postgresql://:only-a-password@db/grades", "postgresql://:***@db/grades"),
        ("postgresql://grader@/grades?host=/tmp/pg", "postgresql://grader@/grades?host=/tmp/pg"),
        ("sqlite:////course/gradebook.db?timeout=300", "sqlite:////course/gradebook.db?timeout=300"),
    ],
)
def test_redact_hides_the_password_and_keeps_the_rest_of_the_address(url, shown):
    assert log.redact(url) == shown


def test_without_a_setting_the_gradebook_is_sqlite_in_the_course(tmp_path):
    shutil.copy(layout.ROOT / "nbgrader_config.py", tmp_path)
    assert log.db_url(tmp_path) == f"sqlite:///{tmp_path.resolve() / layout.GRADEBOOK}?timeout=300"
    assert (
        log.db_url(tmp_path / "no-config")
        == f"sqlite:///{tmp_path.resolve() / 'no-config' / layout.GRADEBOOK}?timeout=300"
    )


def test_the_course_nbgrader_config_names_the_gradebook(tmp_path):
    config = tmp_path / "nbgrader_config.py"
    shutil.copy(layout.ROOT / "nbgrader_config.py", config)
    with open(config, "a", encoding="utf-8") as handle:
        handle.write('\nc.CourseDirectory.db_url = "postgresql://grader@db.example/grades"\n')
    assert log.configured_db_url(tmp_path) == "postgresql://grader@db.example/grades"
    assert log.db_url(tmp_path) == "postgresql+psycopg2://grader@db.example/grades", "the driver we install"
    config.write_text('c = get_config()  # noqa\nc.CourseDirectory.db_url = "sqlite:///marks/book.db"\n')
    assert log.db_url(tmp_path) == f"sqlite:///{tmp_path.resolve() / 'marks' / 'book.db'}", "relative to the course"


def test_the_unreachable_message_names_the_address_and_the_fix_but_never_the_password(tmp_path):
    url = "postgresql://ann:s3cret@db.example/grades"
    message = log.unreachable(tmp_path, url, OSError("could not connect: password s3cret refused\nmore detail"))
    assert message.startswith("cannot open the gradebook at postgresql://ann:***@db.example/grades: could not connect")
    assert "s3cret" not in message and "more detail" not in message, message
    assert "Is the database server running" in message and str(tmp_path / "nbgrader_config.py") in message
