"""What each classroom step found, kept in ``submitted/.classroom.json``, and the gradebook it sits beside."""

import json
import re
from pathlib import Path
from typing import Any

from course_tools import layout

LOG_NAME = ".classroom.json"
SEPARATOR = " | "  # between problems in one line of the report and one cell of the grade sheet


def log_path(course: Path) -> Path:
    """Where the log of ``course`` is kept."""
    return Path(course, layout.SUBMITTED, LOG_NAME)


def load_log(course: Path) -> dict[str, Any]:
    """The log of ``course`` (an empty one if none was saved yet)."""
    path = log_path(course)
    if path.is_file():
        log: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return log
    return {"inbox": {}, "submissions": {}}


def save_log(course: Path, log: dict[str, Any]) -> None:
    """Write ``log`` atomically (a half-written log is never left behind)."""
    path = log_path(course)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(log, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def entry(log: dict[str, Any], chapter: str, student: str) -> dict[str, Any]:
    """The log's record of one submission (created empty if new)."""
    item: dict[str, Any] = log["submissions"].setdefault(
        f"{chapter}/{student}", {"chapter": chapter, "student": student}
    )
    return item


# The PostgreSQL driver of the development environment (requirements.txt: psycopg2-binary).
POSTGRES_DRIVER = "psycopg2"


def configured_db_url(course: Path) -> str:
    """The gradebook's address that ``course``'s nbgrader_config.py sets (``c.CourseDirectory.db_url``), or ""
    when it sets none (or the course has no nbgrader_config.py)."""
    from traitlets.config.loader import PyFileConfigLoader

    if not Path(course, layout.NBGRADER_CONFIG).is_file():
        return ""
    config = PyFileConfigLoader(layout.NBGRADER_CONFIG, path=str(Path(course).resolve())).load_config()
    return str(config.CourseDirectory.get("db_url", "") or "")


def db_url(course: Path) -> str:
    """The gradebook's database address for nbgrader and for every classroom step.

    Set once, in ``course``'s nbgrader_config.py: ``c.CourseDirectory.db_url = "postgresql://..."`` (any
    SQLAlchemy address; a relative SQLite file is taken relative to ``course``; ``postgresql://`` uses the
    driver psycopg2). Without it: the SQLite file
    ``<course>/gradebook.db``, with a generous busy timeout so that several local graders can wait their turn."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    configured = configured_db_url(course)
    if not configured:
        return f"sqlite:///{Path(course).resolve() / layout.GRADEBOOK}?timeout=300"
    try:
        url = make_url(configured)
    except ArgumentError:  # not an address: left for gradebook() to report
        return configured
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_absolute():
        return url.set(database=str(Path(course).resolve() / url.database)).render_as_string(hide_password=False)
    if url.drivername == "postgresql":  # SQLAlchemy 2.1's default driver is psycopg 3; we install psycopg2
        return configured.replace("postgresql://", f"postgresql+{POSTGRES_DRIVER}://", 1)
    return configured


# An address's "scheme://user:password@": the password, as SQLAlchemy's make_url reads it, runs up to the first "@".
_PASSWORD = re.compile(r"^([\w+]+://[^:/@]*):([^@]*)@")


def redact(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``: the form of a database address to print."""
    return _PASSWORD.sub(r"\1:***@", url)


def unreachable(course: Path, url: str, error: Exception) -> str:
    """What to tell an instructor when the gradebook at ``url`` cannot be opened because of ``error``."""
    first = (str(getattr(error, "orig", None) or error).strip().splitlines() or [type(error).__name__])[0]
    password = _password(url)
    if password:
        first = first.replace(password, "***")
    where = f"{Path(course, layout.NBGRADER_CONFIG)} (c.CourseDirectory.db_url)"
    return (
        f"cannot open the gradebook at {redact(url)}: {first}\n"
        f"Is the database server running, and does the database exist? The address is set in {where}; "
        "its form is postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE, or postgresql://USER@/DATABASE?host=/socket/"
        f"folder for a server's Unix socket; without it the gradebook is the SQLite file {layout.GRADEBOOK} "
        "in the course folder."
    )


def _password(url: str) -> str:
    """The password in ``url`` as written there ("" if none)."""
    match = _PASSWORD.match(url)
    return match.group(2) if match else ""


def _open_errors() -> tuple[type[Exception], ...]:
    """What SQLAlchemy raises when a database cannot be opened: out of reach, a malformed address, no driver."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

    return (OperationalError, ArgumentError, NoSuchModuleError, ImportError)


def gradebook(course: Path) -> Any:
    """nbgrader's Gradebook of ``course`` (use it as a context manager: it holds a database session). Stops
    with ``unreachable``'s message, and no traceback, when its database cannot be opened."""
    from nbgrader.api import Gradebook

    url = db_url(course)
    try:
        return Gradebook(url)
    except _open_errors() as error:
        raise SystemExit(unreachable(course, url, error)) from None


def check_gradebook(course: Path) -> None:
    """Stop with a clear message (see ``unreachable``) unless a connection to ``course``'s gradebook database
    opens: run it before a step writes anything. (It creates no table: nbgrader does that on first use.)"""
    from sqlalchemy import create_engine

    url = db_url(course)
    try:
        engine = create_engine(url)
        try:
            with engine.connect():
                pass
        finally:
            engine.dispose()
    except _open_errors() as error:
        raise SystemExit(unreachable(course, url, error)) from None


def nbgrader_meta(cell: Any) -> dict[str, Any]:
    """A cell's nbgrader metadata as a dict ({} when missing or not a dict)."""
    meta = cell.get("metadata", {})
    meta = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return meta if isinstance(meta, dict) else {}


def cell_label(cell: Any, index: int) -> str:
    """A cell's grade id, or \"cell N\" for a cell without one."""
    gid = nbgrader_meta(cell).get("grade_id")
    return str(gid) if gid else f"cell {index + 1}"
