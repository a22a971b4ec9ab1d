"""A real PostgreSQL server for the tests, from Debian's package ``postgresql`` (``make test`` installs it).

``running_server()`` runs ``initdb`` and ``pg_ctl`` (the newest /usr/lib/postgresql/<version>/bin) in a new
temporary folder: the server listens on a Unix socket in that folder only (no TCP), trusts local connections,
has one database, and is stopped (``pg_ctl stop -m fast``) and its folder removed at the end. Run as root, the
server runs as Debian's ``postgres`` user (initdb refuses root), in a folder owned by it. Every subprocess has a
time limit. The session fixture ``postgres_url`` (imported by tests/conftest.py) yields such a server's address,
and fails, saying how to install it, when Debian's postgresql is missing.

Outside pytest (a benchmark), use it as ``with running_server() as server: ... server.url ...``.
"""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from course_tools.classroom.log import POSTGRES_DRIVER

POSTGRES_ROOT = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"  # Debian's package creates this user; the server runs as it when the tests run as root
ROLE = "grader"  # the database's superuser, which the tests connect as
DATABASE = "grades"
SECONDS = 60  # per initdb, pg_ctl or createdb call


class PostgresMissing(RuntimeError):
    """Debian's PostgreSQL server programs are not installed."""


@dataclass
class Server:
    """A running server: its folder (data in ``db/``, the socket and ``server.log`` beside it) and its address."""

    folder: Path
    bin: Path
    database: str = DATABASE

    @property
    def url(self) -> str:
        """SQLAlchemy's address of the database, through the server's Unix socket."""
        return f"postgresql://{ROLE}@/{self.database}?host={self.folder}"


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's programs folder (``PostgresMissing`` when there is none)."""
    found = sorted(
        (path.parent for path in POSTGRES_ROOT.glob("*/bin/initdb")),
        key=lambda folder: [int(part) if part.isdigit() else 0 for part in folder.parent.name.split(".")],
    )
    if not found:
        raise PostgresMissing(
            f"no PostgreSQL server programs in {POSTGRES_ROOT}/*/bin: `make test` installs Debian's postgresql "
            "(or run `apt-get install postgresql`)"
        )
    return found[-1]


def _as_server_user() -> list[str]:
    """The prefix that runs a command as the server's user: ``runuser -u postgres --`` when we are root."""
    return ["runuser", "-u", SERVER_USER, "--"] if os.getuid() == 0 else []


def _run(command: list[str], what: str) -> None:
    """Run ``command`` (at most SECONDS); raise ``RuntimeError`` with its output when it fails."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=SECONDS, check=False)
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(f"{what} took longer than {SECONDS} s: {' '.join(command)}") from error
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({' '.join(command)}):\n{result.stdout}{result.stderr}")


def start(folder: Path, programs: Path) -> Server:
    """Create a cluster in ``folder`` (which the server's user must own) and start it."""
    data, log = folder / "db", folder / "server.log"
    user = _as_server_user()
    _run([*user, str(programs / "initdb"), "-D", str(data), "-A", "trust", "-U", ROLE, "--no-sync"], "initdb")
    options = f"-k {folder} -c listen_addresses='' -c fsync=off"
    _run([*user, str(programs / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"], "pg_ctl")
    return Server(folder, programs)


def create_database(server: Server, name: str) -> str:
    """Create the database ``name`` on ``server``; return its address."""
    _run([str(server.bin / "createdb"), "-h", str(server.folder), "-U", ROLE, name], "createdb")
    return Server(server.folder, server.bin, name).url


def stop(server: Server) -> None:
    """Stop ``server`` (fast shutdown: open connections are closed)."""
    pg_ctl = [str(server.bin / "pg_ctl"), "-D", str(server.folder / "db"), "-m", "fast", "-w", "stop"]
    _run([*_as_server_user(), *pg_ctl], "pg_ctl stop")


def engine(url: str, **options: Any) -> Any:
    """A SQLAlchemy engine on ``url`` (a ``postgresql://`` address) through psycopg2, the driver we install."""
    import sqlalchemy

    return sqlalchemy.create_engine(url.replace("postgresql://", f"postgresql+{POSTGRES_DRIVER}://", 1), **options)


def new_database(url: str, name: str) -> str:
    """Create the database ``name`` on the server of ``url`` (an address ``running_server`` gave); return its
    address: one test's own gradebook on the session's server."""
    import sqlalchemy

    admin = engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    host = sqlalchemy.engine.make_url(url).query["host"]
    return f"postgresql://{ROLE}@/{name}?host={host}"


# What a gradebook holds per student, read with SQL on the database itself (not through nbgrader).
SUBMISSIONS_PER_STUDENT = """
    SELECT s.student_id, count(*) FROM submitted_assignment s JOIN assignment a ON a.id = s.assignment_id
    WHERE a.name = :chapter GROUP BY s.student_id"""
GRADES_PER_STUDENT = """
    SELECT s.student_id, count(*) FROM grade g JOIN submitted_notebook n ON n.id = g.notebook_id
    JOIN submitted_assignment s ON s.id = n.assignment_id JOIN assignment a ON a.id = s.assignment_id
    WHERE a.name = :chapter GROUP BY s.student_id"""


def count_per_student(url: str, sql: str, chapter: str) -> dict[str, int]:
    """{student: count} from ``sql`` (one of the queries above) on the database at ``url``."""
    import sqlalchemy

    database = engine(url)
    try:
        with database.connect() as connection:
            return dict(connection.execute(sqlalchemy.text(sql), {"chapter": chapter}).tuples().all())
    finally:
        database.dispose()


@contextmanager
def running_server(programs: Path | None = None) -> Iterator[Server]:
    """A server of ``programs`` (default: ``postgres_bin()``) started in a new temporary folder with the database
    DATABASE, stopped and removed on exit."""
    programs = programs or postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="pg-"))  # short: a socket's path has at most 107 characters
    try:
        if os.getuid() == 0:
            shutil.chown(folder, SERVER_USER, SERVER_USER)
        server = start(folder, programs)
        try:
            create_database(server, DATABASE)
            yield server
        finally:
            stop(server)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def use_database(course: Path, url: str) -> None:
    """Make ``url`` the gradebook of ``course``: the setting an instructor writes in its nbgrader_config.py."""
    with open(Path(course, "nbgrader_config.py"), "a", encoding="utf-8") as config:
        config.write(f"\nc.CourseDirectory.db_url = {url!r}\n")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The address (postgresql://grader@/grades?host=<folder>) of a database on a PostgreSQL server started for
    the session in a temporary folder, listening on a Unix socket there only; stopped at the end."""
    try:
        programs = postgres_bin()
    except PostgresMissing as error:
        pytest.fail(str(error))
    with running_server(programs) as server:
        yield server.url
