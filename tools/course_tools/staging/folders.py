"""A staged folder appears complete or not at all: it is written beside its place and then put there.

``replace_folder`` swaps a finished folder in; ``finish`` also writes its description (``SOURCE.txt``, which the
loaders print) and a ``DONE`` marker, which ``finished_note`` reads to skip work already done.
"""

import shutil
from pathlib import Path

from course_utils import datasets

DONE = "DONE"


def replace_folder(folder: Path, new: Path) -> None:
    """Put the folder ``new`` in the place of ``folder``, removing the old content last."""
    old = folder.with_name(f".{folder.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    new.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def finished_note(folder: Path) -> str | None:
    """The description of a finished stand-in folder (its ``SOURCE.txt``, or "already staged" without one), or
    ``None`` when ``folder`` has no ``DONE`` marker."""
    if not (folder / DONE).is_file():
        return None
    return datasets.read_source_note(folder) or "already staged"


def finish(partial: Path, destination: Path, description: str) -> str:
    """Write ``description`` into ``partial/SOURCE.txt``, mark it done and put it in ``destination``'s place
    (a stand-in folder appears complete or not at all). Returns ``description``."""
    (partial / datasets.SOURCE_NOTE).write_text(description + "\n", encoding="utf-8")
    (partial / DONE).write_text("complete\n", encoding="utf-8")
    replace_folder(destination, partial)
    return description
