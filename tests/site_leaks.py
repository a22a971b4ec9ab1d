"""Where a built site or a folder of notebooks could show what it must not: a hidden test's line or a solution's
line (as a whole line, the way a reader or a search engine finds it), or a marker anywhere."""

import html
import json
import re
from pathlib import Path

import nbformat

from course_tools import layout
from course_tools.layout import chapter_ids

# A line of code shorter than this ("assert ok") could appear anywhere by chance.
MIN_SECRET_LINE = 12


def marked_lines(source, begin, end):
    """Return the lines of ``source`` between ``begin`` and ``end`` marker lines, and all the others."""
    inside, marked, rest = False, [], []
    for line in source.split("\n"):
        if line.strip() == begin:
            inside = True
        elif line.strip() == end:
            inside = False
        else:
            (marked if inside else rest).append(line.strip())
    return marked, rest


def secret_lines(chapters, begin, end):
    """Lines of code between the markers in the chapters' solution notebooks that appear nowhere else in
    any solution notebook, so that finding one of them anywhere means it leaked."""
    marked, rest = [], set()
    for chapter in chapter_ids():
        nb = nbformat.read(layout.solution_notebook(chapter), as_version=4)
        for cell in nb.cells:
            inside, outside = marked_lines(cell.source, begin, end)
            marked += inside if chapter in chapters else []
            rest.update(outside)
            rest.update(re.sub(r"^[*+-]\s+|`", "", line).strip() for line in outside)  # as prose shows code
    return sorted({line for line in marked if len(line) >= MIN_SECRET_LINE and line not in rest})


def readable_text(path):
    """The text a reader (or a search) could find in a file: HTML without tags, a notebook's cells."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".html":
        return raw + "\n" + html.unescape(re.sub(r"<[^>]+>", "", raw))
    if path.suffix == ".ipynb":
        nb = json.loads(raw)
        sources = [
            "".join(cell.get("source", "")) if isinstance(cell.get("source"), list) else cell.get("source", "")
            for cell in nb.get("cells", [])
        ]
        return raw + "\n" + "\n".join(sources)
    return raw


def text_files(folder):
    suffixes = {".html", ".js", ".ipynb", ".md", ".txt", ".json", ".inv", ".py", ".css", ".svg", ".xml"}
    return [
        p
        for p in sorted(Path(folder).rglob("*"))
        if p.is_file() and p.suffix in suffixes and "_static/mathjax" not in p.as_posix()
    ]


def leaks(folders, secrets, markers):
    """Files under ``folders`` that contain a marker (anywhere) or a secret line (as a whole line)."""
    found = []
    for folder in folders:
        for path in text_files(folder):
            text = readable_text(path)
            lines = {line.strip() for line in text.split("\n")}
            found += [f"{path}: {marker}" for marker in markers if marker in text]
            found += [f"{path}: {line}" for line in secrets if line in lines]
    return found
