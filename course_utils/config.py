"""The course's two settings, read from environment variables so that learners' code never changes.

``COURSE_DATA_DIR``
    A folder of staged data sets for machines without a network (see ``course_utils.datasets``).
``COURSE_QUICK``
    ``1`` shortens runs for tests and CI: loaders keep a small subset of the data, and the chapters'
    lessons train for fewer epochs where they say so, in one readable line such as
    ``EPOCHS = 3 if course_utils.quick_mode() else 10``. Graded exercises never ask: they train as they
    do for a learner. ``0`` or unset means a normal run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DATA_DIR_ENV = "COURSE_DATA_DIR"
QUICK_ENV = "COURSE_QUICK"
# The command that stages data into a folder for COURSE_DATA_DIR (``make data`` runs it): a command of the
# maintainers' package course_tools (tools/ in the course's repository), named by every loader's error.
STAGE_COMMAND = "course-data stage"
# Where the course keeps what it downloads or builds for itself beside Keras's own cache (flowers, the
# offline feature extractor); each function that uses it takes a ``cache_dir`` argument to override it.
CACHE_DIR = Path.home() / ".keras" / "course_utils"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def env_flag(name: str, default: bool = False, environ: Mapping[str, str] | None = None) -> bool:
    """Read the true/false environment variable ``name``; unset or empty gives ``default``.

    Args:
        environ: mapping to read instead of ``os.environ`` (for tests).

    Raises:
        ValueError: the variable holds something other than 1/0, true/false, yes/no or on/off, so that a
            typo never silently means "no".
    """
    raw = (os.environ if environ is None else environ).get(name, "")
    value = raw.strip().lower()
    if not value:
        return bool(default)
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name} should be 1 or 0 (or true/false), got {raw.strip()!r}.")


def quick_mode(environ: Mapping[str, str] | None = None) -> bool:
    """Return ``True`` when ``COURSE_QUICK`` asks for a quick run.

    Args:
        environ: mapping to read instead of ``os.environ`` (for tests).

    Raises:
        ValueError: the variable holds something other than 1/0, true/false, yes/no or on/off.
    """
    return env_flag(QUICK_ENV, False, environ)


def data_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """Return the staged-data folder named by ``COURSE_DATA_DIR`` as a ``Path``, or ``None`` if unset.

    Raises:
        FileNotFoundError: the variable names a folder that does not exist (the message names it
            and how to create it).
    """
    value = (os.environ if environ is None else environ).get(DATA_DIR_ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(
            f"{DATA_DIR_ENV} is set to {value!r}, but {path} is not a folder. Create it with "
            f"`{STAGE_COMMAND} {path}` (`make data` in the course's repository) or unset {DATA_DIR_ENV} "
            f"to download through Keras."
        )
    return path
