"""The gradebook's database as a setting: an unreachable database stops every step before it writes anything,
with a message that names the address (never its password) and the fix; the test server's fixture says how to
install PostgreSQL when it is missing. A class graded into a real PostgreSQL server (on a Dask cluster, with a
worker killed) is in tests/test_classroom_cluster.py, compared there with a serial SQLite run."""

import sys

import pytest

import postgres_server
import toy_assignment
from classroom_inbox import CHAPTER
from course_tools.processes import run
from postgres_server import use_database


@pytest.mark.parametrize("command", ["release", "grade"])
def test_an_unreachable_database_stops_the_step_before_it_writes_and_says_how_to_fix_it(tmp_path, command):
    course = toy_assignment.write_course(tmp_path / "course")
    url = f"postgresql://grader:s3cret-pw@/grades?host={tmp_path / 'no-server-here'}"
    use_database(course, url)
    args = [command, CHAPTER] + (["--no-sandbox"] if command == "grade" else [])
    result = run([sys.executable, "-m", "course_tools.classroom", "--course", course, *args], timeout=120)
    output = result.stdout
    assert result.returncode == 1, output
    shown = f"postgresql+psycopg2://grader:***@/grades?host={tmp_path}/no-server-here"
    assert f"cannot open the gradebook at {shown}" in output, "the address, its password hidden"
    assert "connection to server on socket" in output, "the driver's own first line"
    assert "Is the database server running" in output and "postgresql://USER" in output, "how to fix it"
    assert "s3cret-pw" not in output and "Traceback" not in output, output
    written = sorted(p.relative_to(course).parts[0] for p in course.iterdir())
    assert written == ["nbgrader_config.py", "solutions"], "nothing written"


def test_without_debians_postgresql_the_fixture_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(postgres_server, "POSTGRES_ROOT", tmp_path)
    with pytest.raises(postgres_server.PostgresMissing, match="`make test` installs Debian's postgresql"):
        postgres_server.postgres_bin()
    (tmp_path / "9.6" / "bin").mkdir(parents=True)
    (tmp_path / "16" / "bin").mkdir(parents=True)
    for version in ("9.6", "16"):
        (tmp_path / version / "bin" / "initdb").touch()
    assert postgres_server.postgres_bin() == tmp_path / "16" / "bin", "the newest version"
