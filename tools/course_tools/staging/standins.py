"""Chapter 4's offline stand-ins, built once by ``course-data stage`` from the staged Fashion-MNIST.

Without a network chapter 4 can reach neither the flower photos nor tfhub.dev. Staging writes two things
in their place, which ``course_utils.image_folders.load_image_csvs`` and ``course_utils.hub.feature_vector_handle``
only read:

* ``stage_jpegs``: five Fashion-MNIST classes (``OFFLINE_CLASSES``) as JPEG files in class folders, with
  ``train_set.csv`` and ``eval_set.csv`` whose paths are relative to the folder (so the folder can move);
  a full variant and a quick one (``COURSE_QUICK=1``) cut from the loaders' quick subset.
* ``stage_feature_extractor`` (``course_tools.staging.extractor``): a small network trained on the *other*
  five classes and exported with the interface of a TF Hub image feature-vector module.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from course_tools.staging.extractor import stage_feature_extractor
from course_tools.staging.folders import finish, finished_note
from course_utils import datasets, hub, image_folders

# The five classes written as JPEG files; the feature extractor learns the other five (SOURCE_CLASSES), so that
# source and target share no class.
OFFLINE_CLASSES = {2: "pullover", 3: "dress", 6: "shirt", 7: "sneaker", 9: "ankle-boot"}
SOURCE_CLASSES = {
    label: name for label, name in enumerate(datasets.FASHION_MNIST_CLASS_NAMES) if label not in OFFLINE_CLASSES
}
TRAIN_PER_CLASS = 600
EVAL_PER_CLASS = 100

T = TypeVar("T")
Pair = tuple[npt.NDArray[Any], npt.NDArray[Any]]  # images and labels


def write_jpegs(images: npt.ArrayLike, names: Sequence[str], folder: str | Path, quality: int = 95) -> list[Path]:
    """Write grayscale ``uint8`` images ``(n, height, width)`` as JPEG files ``folder/<name>.jpg``.

    Returns:
        the list of written ``Path``s.

    Raises:
        ValueError: the images are not a ``uint8`` array of shape ``(n, h, w)`` or ``names`` has another length.
    """
    from PIL import Image

    pixels = np.asarray(images)
    if pixels.dtype != np.uint8 or pixels.ndim != 3:
        raise ValueError(f"images should be uint8 of shape (n, height, width), got {pixels.dtype} {pixels.shape}.")
    if len(names) != len(pixels):
        raise ValueError(f"{len(pixels)} images but {len(names)} names.")
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for image, name in zip(pixels, names, strict=True):
        path = target / f"{name}.jpg"
        Image.fromarray(image, mode="L").save(path, format="JPEG", quality=quality)
        paths.append(path)
    return paths


def interleave(groups: Sequence[Sequence[T]]) -> list[T]:
    """Merge lists round-robin (first item of each, then the second of each, ...), so that every prefix of
    the result is balanced across the groups; longer lists finish last."""
    merged: list[T] = []
    for position in range(max((len(group) for group in groups), default=0)):
        merged += [group[position] for group in groups if position < len(group)]
    return merged


def stage_jpegs(
    destination: str | Path,
    train: Pair,
    test: Pair,
    train_per_class: int = TRAIN_PER_CLASS,
    eval_per_class: int = EVAL_PER_CLASS,
    note: str = "",
) -> str:
    """Write ``OFFLINE_CLASSES`` as JPEG files with train/eval CSVs into ``destination``, unless it is done.

    Training images come from ``train``, evaluation images from ``test`` (the first ``train_per_class`` /
    ``eval_per_class`` of each class). Files: ``destination/{train,eval}/<class>/<index>.jpg`` and
    ``destination/{train,eval}_set.csv`` with rows ``train/<class>/<index>.jpg,<class>``, interleaved by class
    so that every prefix is balanced. The folder appears complete or not at all (``DONE`` marks it).

    Args:
        train, test: ``(images, labels)`` pairs of Fashion-MNIST.
        note: appended to the description written into ``SOURCE.txt``.

    Returns:
        the description (also in ``destination/SOURCE.txt``).

    Raises:
        ValueError: a class has no images in one of the splits.
    """
    folder = Path(destination)
    if (finished := finished_note(folder)) is not None:
        return finished
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    counts: dict[str, int] = {}
    for split, (images, labels), limit in (("train", train, train_per_class), ("eval", test, eval_per_class)):
        images, labels = np.asarray(images), np.asarray(labels)
        per_class = []
        for label, name in OFFLINE_CLASSES.items():
            indices = np.flatnonzero(labels == label)[:limit]
            if len(indices) == 0:
                raise ValueError(f"Fashion-MNIST's {split} images hold no {name!r} (class {label}).")
            paths = write_jpegs(images[indices], [f"{i:05d}" for i in indices], partial / split / name)
            per_class.append([(f"{split}/{name}/{path.name}", name) for path in paths])
        rows = interleave(per_class)
        image_folders.write_csv(rows, partial / f"{split}_set.csv")
        counts[split] = len(rows)
    description = (
        f"{counts['train']:,} training and {counts['eval']:,} evaluation JPEG files written from real "
        f"Fashion-MNIST images (classes {', '.join(OFFLINE_CLASSES.values())}){note}"
    )
    return finish(partial, folder, description)


def stage_standins(destination: str | Path) -> dict[str, str]:
    """Stage chapter 4's stand-ins into ``destination`` from its ``fashion-mnist/`` folder.

    Writes ``fashion-mnist-jpeg/`` (from the full Fashion-MNIST), ``fashion-mnist-jpeg-quick/`` (from the
    loaders' quick subset, ``datasets.QUICK_TRAIN_IMAGES`` and ``QUICK_TEST_IMAGES``) and the feature extractor
    ``hub.STANDIN_EXTRACTOR`` (``extractor.stage_feature_extractor``, which needs TensorFlow);
    finished folders are kept.

    Returns:
        dict ``{folder name: description}``.

    Raises:
        FileNotFoundError: ``destination`` holds no staged Fashion-MNIST.
    """
    data = Path(destination)
    names = (image_folders.STANDIN_JPEGS, image_folders.STANDIN_JPEGS_QUICK, hub.STANDIN_EXTRACTOR)
    notes = {name: finished_note(data / name) for name in names}
    finished = {name: note for name, note in notes.items() if note is not None}
    if len(finished) == len(names):  # every `make` run: no need to read the data
        return finished
    train, test = datasets.read_staged_folder(data / "fashion-mnist")
    quick_train = (train[0][: datasets.QUICK_TRAIN_IMAGES], train[1][: datasets.QUICK_TRAIN_IMAGES])
    quick_test = (test[0][: datasets.QUICK_TEST_IMAGES], test[1][: datasets.QUICK_TEST_IMAGES])
    staged = {
        image_folders.STANDIN_JPEGS: stage_jpegs(data / image_folders.STANDIN_JPEGS, train, test),
        image_folders.STANDIN_JPEGS_QUICK: stage_jpegs(
            data / image_folders.STANDIN_JPEGS_QUICK,
            quick_train,
            quick_test,
            note=f", from the quick subset (the first {datasets.QUICK_TRAIN_IMAGES:,} and "
            f"{datasets.QUICK_TEST_IMAGES:,} images)",
        ),
    }
    folder = data / hub.STANDIN_EXTRACTOR
    staged[folder.name] = stage_feature_extractor(
        folder, train, test, SOURCE_CLASSES, image_size=image_folders.STANDIN_IMAGE_SIZE
    )
    return staged
