"""Load the course's image data sets, online through Keras or offline from a staged directory.

Every loader returns NumPy arrays in Keras's layout, ``(x_train, y_train), (x_test, y_test)``:
images are ``uint8`` arrays of shape ``(n, 28, 28)``, labels ``uint8`` arrays of shape ``(n,)``
with values 0-9. Every loader prints one line that says which data it used and how much of it.

Where the data comes from:

1. If the environment variable ``COURSE_DATA_DIR`` is set, from the staged folder
   ``$COURSE_DATA_DIR/<name>/`` (``mnist`` or ``fashion-mnist``), which holds either a Keras-style
   ``.npz`` file or the four idx files of the original distribution.
   ``course-data stage`` (``course_tools.staging``, ``make data``) fills it.
2. Otherwise through ``tf.keras.datasets``, which downloads the files once and caches them.
3. If neither works, the loader raises an error that says how to fix it.

In quick mode (``COURSE_QUICK=1``, see ``course_utils.config``) the loaders keep only the first
``QUICK_TRAIN_IMAGES`` training and ``QUICK_TEST_IMAGES`` test images, and say so.
"""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from course_utils import config
from course_utils.network import failed_download_raises

IMAGE_SHAPE = (28, 28)
NUM_CLASSES = 10
QUICK_TRAIN_IMAGES = 2000
QUICK_TEST_IMAGES = 500

FASHION_MNIST_CLASS_NAMES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
SOURCE_NOTE = "SOURCE.txt"
_PRETTY_NAMES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}

# One split as the loaders return it: uint8 images (n, 28, 28) and uint8 labels (n,); a data set is two splits.
Split: TypeAlias = tuple[NDArray[np.uint8], NDArray[np.uint8]]
Splits: TypeAlias = tuple[Split, Split]


def load_mnist(quick: bool | None = None) -> Splits:
    """Load the MNIST handwritten digits (60,000 training and 10,000 test images in the full set).

    Args:
        quick: keep only a small subset for fast test runs; ``None`` reads ``COURSE_QUICK``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``uint8`` images ``(n, 28, 28)`` and labels ``(n,)``.

    Raises:
        FileNotFoundError: ``COURSE_DATA_DIR`` is set but holds no MNIST files.
        ConnectionError: no staged data and the download failed.
        ValueError: the staged files are corrupt or have the wrong shape.
    """
    return _load("mnist", quick)


def load_fashion_mnist(quick: bool | None = None) -> Splits:
    """Load Fashion-MNIST (Zalando's 28x28 clothing images, 60,000 training and 10,000 test).

    Same interface, sources and errors as ``load_mnist``; class names are in
    ``FASHION_MNIST_CLASS_NAMES``.
    """
    return _load("fashion-mnist", quick)


def _load(name: str, quick: bool | None) -> Splits:
    """Load the data set ``name`` from ``COURSE_DATA_DIR`` or through Keras, cut it in quick mode, and say so."""
    pretty = _PRETTY_NAMES[name]
    data_dir = config.data_dir()
    if data_dir is not None:
        folder = data_dir / name
        arrays = read_staged_folder(folder)
        note = read_source_note(folder)
        # the variable, not its value: a printed output (and the book built from it) shows no path of the machine
        origin = f"staged folder ${config.DATA_DIR_ENV}/{name}" + (f" ({note})" if note else "")
    else:
        arrays = _download_with_keras(name)
        origin = "tf.keras.datasets (downloaded once, then cached in ~/.keras/datasets)"
    (x_train, y_train), (x_test, y_test) = arrays
    subset = ""
    if config.quick_mode() if quick is None else quick:
        x_train, y_train = x_train[:QUICK_TRAIN_IMAGES], y_train[:QUICK_TRAIN_IMAGES]
        x_test, y_test = x_test[:QUICK_TEST_IMAGES], y_test[:QUICK_TEST_IMAGES]
        subset = f" [quick mode ({config.QUICK_ENV}=1): first {len(x_train):,} and {len(x_test):,} kept]"
    print(f"{pretty}: {len(x_train):,} training and {len(x_test):,} test images from {origin}{subset}")
    return (x_train, y_train), (x_test, y_test)


def _download_with_keras(name: str) -> Splits:
    """Load ``name`` through ``tf.keras.datasets``; a failed download raises ``ConnectionError`` with the fix."""
    import tensorflow as tf  # imported here: reading staged data needs no TensorFlow

    module = {"mnist": tf.keras.datasets.mnist, "fashion-mnist": tf.keras.datasets.fashion_mnist}[name]
    fix = (
        f"Without a network, stage the data once and point the course at it:\n"
        f"    {config.STAGE_COMMAND} ~/course-data\n"
        f"    export {config.DATA_DIR_ENV}=~/course-data\n"
        f"(see the README's 'Offline' section)."
    )
    with failed_download_raises(f"{_PRETTY_NAMES[name]} through tf.keras.datasets", fix):
        (x_train, y_train), (x_test, y_test) = module.load_data()
    return check_arrays((x_train, y_train), (x_test, y_test), origin=f"tf.keras.datasets.{module.__name__}")


def read_staged_folder(folder: str | os.PathLike[str]) -> Splits:
    """Read one staged data set from ``folder``: a ``.npz`` file with the keys
    ``x_train, y_train, x_test, y_test`` or the four idx files (optionally gzipped).

    Returns:
        ``(x_train, y_train), (x_test, y_test)`` after ``check_arrays``.

    Raises:
        FileNotFoundError: the folder does not exist or holds neither layout (the message says how to stage it).
        ValueError: a file is corrupt or holds arrays of the wrong shape.
    """
    folder = Path(folder)
    fix = (
        f"Stage it with `{config.STAGE_COMMAND} {folder.parent}` "
        f"or unset {config.DATA_DIR_ENV} to download through Keras."
    )
    if not folder.is_dir():
        raise FileNotFoundError(f"No staged data set at {folder}: the folder does not exist. {fix}")
    npz_files = sorted(folder.glob("*.npz"))
    if len(npz_files) > 1:
        raise ValueError(f"{folder} holds several .npz files ({[p.name for p in npz_files]}); keep one.")
    if npz_files:
        return read_npz(npz_files[0])
    paths = {key: find_idx(folder, stem) for key, stem in IDX_FILES.items()}
    found = {key: path for key, path in paths.items() if path is not None}
    missing = [IDX_FILES[key] for key in paths if key not in found]
    if missing:
        raise FileNotFoundError(
            f"No staged data set at {folder}: expected one .npz file or the idx files "
            f"{', '.join(IDX_FILES.values())} (optionally .gz); missing {', '.join(missing)}. {fix}"
        )
    arrays = {key: read_idx(path) for key, path in found.items()}
    return check_arrays(
        (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"]), origin=str(folder)
    )


def find_idx(folder: Path, stem: str) -> Path | None:
    """Return ``folder/stem`` or ``folder/stem.gz``, whichever is a file, else ``None``."""
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def read_npz(path: str | os.PathLike[str]) -> Splits:
    """Read a Keras-style ``.npz`` (``x_train, y_train, x_test, y_test``); ``ValueError`` names a bad file."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, EOFError, ValueError) as error:
        raise ValueError(f"{path} is not a readable .npz file ({error}). Stage it again.") from error
    missing = [key for key in _NPZ_KEYS if key not in arrays]
    if missing:
        raise ValueError(f"{path} lacks the arrays {missing}; expected keys {list(_NPZ_KEYS)}.")
    return check_arrays((arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"]), origin=str(path))


def read_idx(path: str | os.PathLike[str]) -> NDArray[np.uint8]:
    """Read one file in the idx format of MNIST and Fashion-MNIST (plain or gzipped).

    Returns:
        a ``uint8`` array: ``(n, rows, cols)`` for image files, ``(n,)`` for label files.

    Raises:
        ValueError: the file is not an unsigned-byte idx file or is truncated.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as stream:
            raw = stream.read()
    except (OSError, EOFError) as error:
        raise ValueError(f"{path} cannot be read ({error}); is the download complete?") from error
    if len(raw) < 4 or raw[0:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path} is not an idx file of unsigned bytes (magic number {raw[:4].hex()}).")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim < 1 or len(raw) < header:
        raise ValueError(f"{path} has a broken idx header.")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise ValueError(
            f"{path} should hold {expected:,} bytes of data for shape {shape} "
            f"but holds {len(raw) - header:,}: the file is truncated or corrupt."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def check_arrays(
    train: tuple[ArrayLike, ArrayLike], test: tuple[ArrayLike, ArrayLike], origin: str = "the arrays"
) -> Splits:
    """Check that ``train`` and ``test`` are ``(images, labels)`` pairs in the course's layout.

    Images must be ``uint8`` of shape ``(n, 28, 28)``, labels integers in 0-9 of shape ``(n,)``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)`` with labels as ``uint8``.

    Raises:
        ValueError: naming ``origin`` and what was expected.
    """
    checked: list[Split] = []
    for split, (images, labels) in (("training", train), ("test", test)):
        images, labels = np.asarray(images), np.asarray(labels)
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
            raise ValueError(
                f"{origin}: {split} images should be uint8 of shape (n, 28, 28), "
                f"got {images.dtype} of shape {images.shape}."
            )
        if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"{origin}: {split} labels should be integers of shape (n,), "
                f"got {labels.dtype} of shape {labels.shape}."
            )
        if len(labels) != len(images):
            raise ValueError(f"{origin}: {len(images):,} {split} images but {len(labels):,} labels.")
        if len(labels) and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
            raise ValueError(f"{origin}: {split} labels should lie in 0..9, found {labels.min()}..{labels.max()}.")
        checked.append((images, labels.astype(np.uint8)))
    return checked[0], checked[1]


def read_source_note(folder: str | os.PathLike[str]) -> str:
    """The first line of the folder's ``SOURCE.txt`` (where its data came from), or ``""``."""
    note = Path(folder) / SOURCE_NOTE
    return note.read_text(encoding="utf-8").strip().splitlines()[0] if note.is_file() else ""
