"""Image data sets stored as JPEG files in class folders, listed in CSV files of ``path,label`` rows.

Chapter 4 reads its photos the way the original course did: a CSV file names one image per row,
``/path/to/daisy/123.jpg,daisy`` (no header line), and the input pipeline reads the files named there.
This module produces those CSV files:

* **Flowers** (5 classes, 3,670 photos, TensorFlow's example archive): ``download_flowers`` fetches,
  checks (SHA-256) and unpacks the archive with ``keras.utils.get_file``; ``write_split_csvs``
  writes a deterministic train/eval split.
* **Offline** (``COURSE_DATA_DIR`` set): a staged flowers folder ``$COURSE_DATA_DIR/flowers/`` if there
  is one; otherwise the stand-in that ``course-data stage`` writes: five classes of real Fashion-MNIST
  images as JPEG files, like the flowers (``$COURSE_DATA_DIR/fashion-mnist-jpeg/``, and
  ``fashion-mnist-jpeg-quick/`` for quick mode), whose CSVs name the files relative to their folder.

``load_image_csvs`` picks the source, writes the CSVs and prints one line that says what it used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from course_utils import config
from course_utils.datasets import read_source_note
from course_utils.image_rows import Row as Row
from course_utils.image_rows import read_csv as read_csv
from course_utils.image_rows import split_rows as split_rows
from course_utils.image_rows import take_per_class as take_per_class
from course_utils.image_rows import write_csv as write_csv
from course_utils.network import failed_download_raises

# The flowers' data set name (ImageCSVs.name), which is also the folder of a staged copy in COURSE_DATA_DIR.
FLOWERS = "flowers"
FLOWERS_URL = "https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz"
# SHA-256 of flower_photos.tgz (228,813,984 bytes) as recorded by TensorFlow Datasets (url_checksums/tf_flowers.txt).
FLOWERS_SHA256 = "4c54ace7911aaffe13a365c34f650e71dd5bf1be0a58b464e5a7183e3e595d9c"
FLOWERS_IMAGE_SIZE = 224  # what MobileNetV2 from TF Hub expects
# The offline stand-in's folders in COURSE_DATA_DIR (written by `course-data stage`; the first is also its data set
# name) and the side its models use.
STANDIN_JPEGS = "fashion-mnist-jpeg"
STANDIN_JPEGS_QUICK = "fashion-mnist-jpeg-quick"
STANDIN_IMAGE_SIZE = 32

JPEG_SUFFIXES = (".jpg", ".jpeg")


@dataclass(frozen=True)
class ImageCSVs:
    """Where an image data set's CSV files are and what they hold.

    Attributes:
        name: ``FLOWERS`` (``"flowers"``) or ``STANDIN_JPEGS`` (``"fashion-mnist-jpeg"``).
        train_csv, eval_csv: paths of the CSV files (rows ``path,label``, no header).
        class_names: the labels in the order of the one-hot vectors.
        image_size: the side in pixels that models for this data set use.
        description: one line saying where the images came from.
    """

    name: str
    train_csv: Path
    eval_csv: Path
    class_names: list[str]
    image_size: int
    description: str


def download_flowers(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Download TensorFlow's flower photos (once) with ``keras.utils.get_file``, which checks the archive's
    SHA-256 (``FLOWERS_SHA256``; a cached archive that differs is downloaded again) and unpacks it.

    Args:
        cache_dir: Keras's cache folder; ``None`` means ``~/.keras``. The archive lands in
            ``<cache_dir>/datasets/flower_photos.tgz``, the photos in
            ``<cache_dir>/datasets/flower_photos_extracted/flower_photos/``.

    Returns:
        the ``Path`` of the ``flower_photos`` folder (one sub-folder of JPEG files per class).

    Raises:
        ConnectionError: the download failed (the message names the offline alternatives).
        ValueError: the downloaded archive's SHA-256 is not the published one.
        Other errors of ``keras.utils.get_file`` (a damaged archive, a full disk) as it raises them.
    """
    import keras

    fix = (
        f"Without a network, set {config.DATA_DIR_ENV} to the course's staged data folder "
        f"(`{config.STAGE_COMMAND} ~/course-data`): the chapter then uses a staged copy in "
        f"$COURSE_DATA_DIR/flowers/ (the unpacked archive) if there is one, otherwise JPEG files written "
        f"from the staged Fashion-MNIST."
    )
    with failed_download_raises(f"the flower photos from {FLOWERS_URL}", fix):
        extracted = keras.utils.get_file(
            "flower_photos.tgz", origin=FLOWERS_URL, file_hash=FLOWERS_SHA256, extract=True, cache_dir=cache_dir
        )
    return find_image_root(extracted)


def find_image_root(folder: str | os.PathLike[str]) -> Path:
    """Return the folder below ``folder`` (itself, or its only sub-folder such as ``flower_photos``) that
    holds one sub-folder of JPEG files per class.

    Raises:
        FileNotFoundError: no such folder (the message says what layout is expected).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder} does not exist. Expected a folder with one sub-folder of "
            f"JPEG files per class, e.g. the unpacked flower_photos.tgz."
        )
    for candidate in [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]:
        classes = [p for p in candidate.iterdir() if p.is_dir() and _jpegs(p)]
        if classes:
            return candidate
    raise FileNotFoundError(
        f"{folder} holds no class folders with JPEG files (*.jpg). Expected "
        f"{folder}/<class name>/<image>.jpg, e.g. the unpacked flower_photos.tgz."
    )


def _jpegs(folder: str | os.PathLike[str]) -> list[Path]:
    """The JPEG files of ``folder`` (``JPEG_SUFFIXES``, any case), sorted by name."""
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in JPEG_SUFFIXES)


def list_images(root: str | os.PathLike[str]) -> tuple[list[Row], list[str]]:
    """List the JPEG files of a folder of class folders.

    Args:
        root: a folder with one sub-folder per class (the sub-folder's name is the label).

    Returns:
        ``(rows, class_names)``: rows ``(absolute path string, class name)`` sorted by class and file
        name; class names sorted alphabetically (only folders that contain JPEG files count).

    Raises:
        FileNotFoundError: ``root`` has no class folders with JPEG files.
    """
    folder = find_image_root(root)
    class_names = sorted(p.name for p in folder.iterdir() if p.is_dir() and _jpegs(p))
    rows = [(str(path.resolve()), name) for name in class_names for path in _jpegs(folder / name)]
    return rows, class_names


def write_split_csvs(
    image_root: str | os.PathLike[str], out_dir: str | os.PathLike[str], eval_fraction: float = 0.1, seed: int = 0
) -> tuple[Path, Path, list[str]]:
    """List the JPEG files under ``image_root``, split them with ``split_rows`` and write
    ``train_set.csv`` and ``eval_set.csv`` into ``out_dir``.

    Returns:
        ``(train_csv, eval_csv, class_names)``.

    Raises:
        FileNotFoundError: ``image_root`` holds no class folders with JPEG files.
        ValueError: see ``split_rows``.
    """
    rows, class_names = list_images(image_root)
    train, evaluation = split_rows(rows, eval_fraction, seed)
    folder = Path(out_dir)
    return write_csv(train, folder / "train_set.csv"), write_csv(evaluation, folder / "eval_set.csv"), class_names


def load_image_csvs(cache_dir: str | os.PathLike[str] | None = None) -> ImageCSVs:
    """Get chapter 4's photos as train/eval CSV files, online or offline, and say which ones.

    * ``COURSE_DATA_DIR`` unset: download the flowers (``download_flowers``), split them 90/10 with
      ``write_split_csvs``; image size 224 (MobileNetV2's).
    * ``COURSE_DATA_DIR`` set and ``$COURSE_DATA_DIR/flowers/`` present: the same from that folder.
    * ``COURSE_DATA_DIR`` set otherwise: the staged stand-in, five Fashion-MNIST classes as JPEG files
      (``fashion-mnist-jpeg-quick/`` in quick mode, cut from the quick subset of every loader); image size 32.

    Args:
        cache_dir: where the CSV files go; ``None`` means ``~/.keras/course_utils``.

    Returns:
        an ``ImageCSVs``.

    Raises:
        ConnectionError: no ``COURSE_DATA_DIR`` and the download failed.
        FileNotFoundError: ``COURSE_DATA_DIR`` holds neither flowers nor the stand-in (the message names the
            command that stages it).
    """
    cache = Path(cache_dir) if cache_dir else config.CACHE_DIR
    data_dir = config.data_dir()
    if data_dir is None or (data_dir / FLOWERS).is_dir():
        if data_dir is None:
            root = download_flowers()
            origin = f"downloaded from {FLOWERS_URL} (SHA-256 checked), cached in {root}"
        else:
            root = find_image_root(data_dir / FLOWERS)
            # the variable, not its value: a printed output (and the book built from it) shows no path of the machine
            origin = f"staged folder ${config.DATA_DIR_ENV}/{FLOWERS}"
        train_csv, eval_csv, class_names = write_split_csvs(root, cache / "flowers-csv")
        data = ImageCSVs(
            FLOWERS,
            train_csv,
            eval_csv,
            class_names,
            FLOWERS_IMAGE_SIZE,
            f"flowers photos: {{train:,}} training and {{eval:,}} evaluation images "
            f"in {len(class_names)} classes, {origin}",
        )
    else:
        data = _staged_standin(data_dir, cache)
    counts = {"train": len(read_csv(data.train_csv)), "eval": len(read_csv(data.eval_csv))}
    data = ImageCSVs(
        data.name, data.train_csv, data.eval_csv, data.class_names, data.image_size, data.description.format(**counts)
    )
    print(data.description)
    return data


def _staged_standin(data_dir: Path, cache_dir: Path) -> ImageCSVs:
    """The staged Fashion-MNIST JPEG stand-in as an ``ImageCSVs``, its CSVs rewritten with absolute paths into
    ``cache_dir`` (the staged folder may be read-only, and the notebook writes smaller CSVs beside them)."""
    quick = config.quick_mode()
    folder = data_dir / (STANDIN_JPEGS_QUICK if quick else STANDIN_JPEGS)
    if not (folder / "train_set.csv").is_file():
        raise FileNotFoundError(
            f"{config.DATA_DIR_ENV}={data_dir} holds neither flowers/ (the unpacked flower_photos.tgz) nor "
            f"{folder.name}/, chapter 4's offline stand-in. Stage it with `{config.STAGE_COMMAND} {data_dir}` "
            f"(it keeps what is staged already), or unset {config.DATA_DIR_ENV} to download the flowers."
        )
    out_dir = cache_dir / folder.name
    csvs: dict[str, Path] = {}
    class_names: list[str] = []
    for split in ("train", "eval"):
        rows = [(str((folder / path).resolve()), label) for path, label in read_csv(folder / f"{split}_set.csv")]
        csvs[split] = write_csv(rows, out_dir / f"{split}_set.csv")
        if split == "train":
            class_names = list(dict.fromkeys(label for _, label in rows))  # the staged order: first seen first
    return ImageCSVs(
        STANDIN_JPEGS,
        csvs["train"],
        csvs["eval"],
        class_names,
        STANDIN_IMAGE_SIZE,
        f"offline stand-in for the flowers, staged in ${config.DATA_DIR_ENV}/{folder.name}: "
        f"{read_source_note(folder)}" + (" [quick mode]" if quick else ""),
    )
