"""Rows of image data sets: ``(path, label)`` pairs, read from and written to CSV files without a header, split
into training and evaluation rows class by class, or cut to a number per class.

``course_utils.image_folders`` offers these functions under its own name too (chapter 4 calls
``image_folders.read_csv``); this module holds what needs no image folder.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeAlias

import numpy as np

# One image of a CSV file: its path and its label (the class name).
Row: TypeAlias = tuple[str, str]


def split_rows(rows: Sequence[Row], eval_fraction: float = 0.1, seed: int = 0) -> tuple[list[Row], list[Row]]:
    """Split ``(path, label)`` rows into training and evaluation rows, class by class.

    The split is deterministic: within each class (in the order given) a permutation drawn with
    ``seed`` chooses ``round(eval_fraction * n)`` rows (at least one) for evaluation. Both lists keep
    the input order.

    Returns:
        ``(train_rows, eval_rows)``.

    Raises:
        ValueError: ``eval_fraction`` is not strictly between 0 and 1, or a class has fewer than 2 rows.
    """
    if not 0 < eval_fraction < 1:
        raise ValueError(f"eval_fraction must lie strictly between 0 and 1, got {eval_fraction}.")
    by_class: dict[str, list[int]] = {}
    for index, (_, label) in enumerate(rows):
        by_class.setdefault(label, []).append(index)
    held_out: set[int] = set()
    for label, indices in sorted(by_class.items()):
        if len(indices) < 2:
            raise ValueError(f"class {label!r} has {len(indices)} image(s); need at least 2 to split.")
        count = min(len(indices) - 1, max(1, round(eval_fraction * len(indices))))
        order = np.random.default_rng(seed).permutation(len(indices))
        held_out.update(indices[i] for i in order[:count])
    train = [row for i, row in enumerate(rows) if i not in held_out]
    evaluation = [row for i, row in enumerate(rows) if i in held_out]
    return train, evaluation


def write_csv(rows: Iterable[Sequence[str]], path: str | os.PathLike[str]) -> Path:
    """Write ``(path, label)`` rows to a CSV file without a header; return its ``Path``.

    Raises:
        ValueError: ``rows`` is empty or a row does not have two fields.
    """
    table = [tuple(row) for row in rows]
    if not table:
        raise ValueError("no rows to write.")
    if any(len(row) != 2 for row in table):
        raise ValueError("every row must be (path, label).")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # written beside, then renamed: a reader (another kernel grading at the same time) never sees half a file
    descriptor, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    with open(descriptor, "w", newline="", encoding="utf-8") as stream:
        csv.writer(stream, lineterminator="\n").writerows(table)
    os.replace(partial, target)
    return target


def read_csv(path: str | os.PathLike[str]) -> list[Row]:
    """Read a CSV file of ``path,label`` rows (no header) into a list of ``(path, label)`` tuples.

    Raises:
        FileNotFoundError: there is no such file.
        ValueError: a row does not have exactly two fields.
    """
    with open(path, newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    bad = [i for i, row in enumerate(rows) if len(row) != 2]
    if bad:
        raise ValueError(f"{path}: row {bad[0] + 1} does not have the two fields path,label.")
    return [(image, label) for image, label in rows]


def take_per_class(rows: Iterable[Sequence[str]], per_class: int) -> list[tuple[str, ...]]:
    """Keep the first ``per_class`` rows of every label, in the input order.

    Raises:
        ValueError: ``per_class`` is below 1.
    """
    if int(per_class) < 1:
        raise ValueError(f"per_class must be at least 1, got {per_class}.")
    seen: dict[str, int] = {}
    kept: list[tuple[str, ...]] = []
    for row in rows:
        label = row[1]
        if seen.get(label, 0) < per_class:
            seen[label] = seen.get(label, 0) + 1
            kept.append(tuple(row))
    return kept
