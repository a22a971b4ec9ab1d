"""Due dates and late work: a chapter's due date (also nbgrader's ``duedate``) and a late policy, applied to the
submission time the LMS's download carries (``submitted_at``, see ``intake``), kept apart from the score.

Policies: ``none`` (lateness is shown, nothing is taken off), ``per-day`` (``percent`` of the maximum score off
for every started day after the due date, never below 0), ``cutoff`` (0 for work submitted after ``cutoff``, by
default the due date; nothing off before it).
"""

import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from course_tools.classroom.log import gradebook, load_log, save_log

POLICIES = ("none", "per-day", "cutoff")
DAY = 86400.0


def parse_time(text: str) -> datetime:
    """An ISO 8601 date and time (``2026-03-02T12:00``, ``2026-03-02 12:00+01:00``); without a zone it is UTC."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise SystemExit(
            f"{text!r} is not a date and time: write it as ISO 8601, e.g. 2026-03-02T23:59 "
            "(UTC) or 2026-03-02T23:59+01:00"
        ) from error
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LatePolicy:
    """A chapter's due date and what lateness costs (see the module doc)."""

    due: str
    kind: str = "none"
    percent: float = 0.0
    cutoff: str = ""

    def __post_init__(self) -> None:
        if self.kind not in POLICIES:
            raise SystemExit(f"unknown late policy {self.kind!r}: choose one of {', '.join(POLICIES)}")
        if self.kind == "per-day" and not 0 < self.percent <= 100:
            raise SystemExit(
                f"--penalty {self.percent:g}: give the percent of the maximum taken off per day late "
                "(more than 0, at most 100)"
            )

    def days_late(self, submitted_at: str) -> int:
        """Started days after the due date (0 when on time or when the submission time is unknown)."""
        if not submitted_at:
            return 0
        seconds = (parse_time(submitted_at) - parse_time(self.due)).total_seconds()
        return max(0, math.ceil(seconds / DAY))

    def penalty(self, submitted_at: str, score: float, max_score: float) -> float:
        """Points taken off ``score`` for a submission at ``submitted_at`` (ISO 8601; "" means unknown: 0)."""
        if not submitted_at or self.kind == "none":
            return 0.0
        if self.kind == "cutoff":
            return score if parse_time(submitted_at) > parse_time(self.cutoff or self.due) else 0.0
        return min(score, max_score * self.percent / 100 * self.days_late(submitted_at))


def policy_of(log: dict[str, Any], chapter: str) -> LatePolicy | None:
    """The late policy recorded for ``chapter``, or None when it has no due date."""
    stored = log.get("late", {}).get(chapter)
    return LatePolicy(**stored) if stored else None


def set_due(
    course: Path, chapter: str, due: str, kind: str = "none", percent: float = 0.0, cutoff: str = ""
) -> LatePolicy:
    """Record ``chapter``'s due date (in the log and as nbgrader's ``duedate``) and its late policy."""
    policy = LatePolicy(parse_time(due).isoformat(), kind, percent, parse_time(cutoff).isoformat() if cutoff else "")
    log = load_log(course)
    log.setdefault("late", {})[chapter] = asdict(policy)
    save_log(course, log)
    with gradebook(course) as gb:
        naive_utc = parse_time(due).astimezone(UTC).replace(tzinfo=None)
        gb.update_or_create_assignment(chapter, duedate=naive_utc)
    print(
        f"{chapter}: due {policy.due}, late policy {kind}"
        + (f" ({percent:g}% per day)" if kind == "per-day" else "")
        + (f" (0 after {policy.cutoff or policy.due})" if kind == "cutoff" else "")
    )
    return policy
