"""What each classroom step found, kept in ``submitted/.classroom.json``, and the gradebook it sits beside."""

import json
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


def db_url(course: Path) -> str:
    """The gradebook's database address for nbgrader."""
    # a generous sqlite busy timeout: several graders may write to the gradebook at the same time
    return f"sqlite:///{Path(course).resolve() / layout.GRADEBOOK}?timeout=300"


def gradebook(course: Path) -> Any:
    """nbgrader's Gradebook of ``course`` (use it as a context manager: it holds a database session)."""
    from nbgrader.api import Gradebook

    return Gradebook(db_url(course))


def nbgrader_meta(cell: Any) -> dict[str, Any]:
    """A cell's nbgrader metadata as a dict ({} when missing or not a dict)."""
    meta = cell.get("metadata", {})
    meta = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return meta if isinstance(meta, dict) else {}


def cell_label(cell: Any, index: int) -> str:
    """A cell's grade id, or \"cell N\" for a cell without one."""
    gid = nbgrader_meta(cell).get("grade_id")
    return str(gid) if gid else f"cell {index + 1}"
