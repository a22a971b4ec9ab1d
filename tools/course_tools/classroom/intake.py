"""An inbox as the LMS delivers it: a zip (read into a temporary folder) or a folder, listed file by file with
each file's submission time (the zip entry's time, which an unpacked folder keeps as the file's time)."""

import calendar
import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

JUNK_PARTS = ("__MACOSX", ".ipynb_checkpoints")
_UTF8_FLAG = 0x800  # zip's "file name is UTF-8" bit; without it the name is CP437 (or, in practice, UTF-8)


@dataclass(frozen=True)
class InboxFile:
    """One file of an inbox: where it can be read now, its path inside the inbox, when it was submitted."""

    path: Path
    rel: PurePosixPath
    submitted: float  # seconds since the epoch (UTC)

    def submitted_iso(self) -> str:
        """The submission time as ISO 8601 in UTC (``2026-02-01T12:00:00+00:00``)."""
        return datetime.fromtimestamp(self.submitted, UTC).isoformat(timespec="seconds")


def entry_name(info: zipfile.ZipInfo) -> str:
    """A zip entry's name, decoded as its writer meant it: UTF-8 when flagged, else UTF-8 if the bytes are
    UTF-8 (many zip writers forget the flag), else CP437."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    raw = info.filename.encode("cp437")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return info.filename


def safe_rel(name: str) -> PurePosixPath | None:
    """The relative path an entry name stands for, or None for a folder, an absolute path or one with ``..``."""
    rel = PurePosixPath(name.replace("\\", "/"))
    if name.endswith(("/", "\\")) or rel.is_absolute() or ".." in rel.parts or not rel.parts:
        return None
    return rel


def unpack(archive: Path, folder: Path) -> None:
    """Write every file of the zip ``archive`` into ``folder``, each with its entry's time (read as UTC) as its
    modification time. Entries that would land outside ``folder`` are skipped."""
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            rel = safe_rel(entry_name(info))
            if rel is None:
                continue
            target = folder.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(info) as source, target.open("wb") as sink:
                while chunk := source.read(1 << 20):
                    sink.write(chunk)
            seconds = calendar.timegm((*info.date_time, 0, 0, 0))
            os.utime(target, (seconds, seconds))


@contextmanager
def opened(inbox: Path) -> Iterator[Path]:
    """The folder of files of ``inbox``: the folder itself, or a zip unpacked into a temporary folder that is
    removed afterwards. Raises SystemExit for anything else."""
    if inbox.is_dir():
        yield inbox
    elif inbox.is_file() and zipfile.is_zipfile(inbox):
        with tempfile.TemporaryDirectory(prefix="classroom-inbox-") as folder:
            unpack(inbox, Path(folder))
            yield Path(folder)
    else:
        raise SystemExit(
            f"{inbox} is neither a folder nor a zip file: give the folder of the files students "
            "sent, or the zip your LMS's bulk download gave you"
        )


def files(folder: Path) -> list[InboxFile]:
    """The files of an inbox folder, sorted by path, without hidden files and the junk of zip tools and Jupyter."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = PurePosixPath(*path.relative_to(folder).parts)
        if any(part.startswith(".") or part in JUNK_PARTS for part in rel.parts):
            continue
        found.append(InboxFile(path, rel, path.stat().st_mtime))
    return found
