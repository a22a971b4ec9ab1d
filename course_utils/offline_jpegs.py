"""Chapter 4's offline stand-in for the flower photos: real Fashion-MNIST images written as JPEG files in class
folders, with the ``path,label`` CSV files that ``course_utils.image_folders`` reads (``fashion_mnist_jpegs``).
``image_folders.load_image_csvs`` uses it when ``COURSE_DATA_DIR`` holds no flowers."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from course_utils.image_folders import write_csv

# Five Fashion-MNIST classes written as JPEG files. The other five classes are left for the feature extractor
# of course_utils.hub (transfer learning; hub.SOURCE_CLASSES is derived from this), one similar class for most
# of these.
OFFLINE_CLASSES = {2: "pullover", 3: "dress", 6: "shirt", 7: "sneaker", 9: "ankle-boot"}
OFFLINE_IMAGE_SIZE = 32
OFFLINE_TRAIN_PER_CLASS = 600
OFFLINE_EVAL_PER_CLASS = 100


def write_jpegs(images, names, folder, quality=95):
    """Write grayscale ``uint8`` images ``(n, height, width)`` as JPEG files ``folder/<name>.jpg``.

    Returns:
        the list of written ``Path``s.

    Raises:
        ValueError: the images are not a ``uint8`` array of shape ``(n, h, w)`` or ``names`` has another length.
    """
    from PIL import Image

    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(f"images should be uint8 of shape (n, height, width), got {images.dtype} {images.shape}.")
    if len(names) != len(images):
        raise ValueError(f"{len(images)} images but {len(names)} names.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for image, name in zip(images, names):
        path = folder / f"{name}.jpg"
        Image.fromarray(image, mode="L").save(path, format="JPEG", quality=quality)
        paths.append(path)
    return paths


def fashion_mnist_jpegs(destination, train=None, test=None, train_per_class=OFFLINE_TRAIN_PER_CLASS,
                        eval_per_class=OFFLINE_EVAL_PER_CLASS):
    """Write five Fashion-MNIST classes (``OFFLINE_CLASSES``) as JPEG files with train/eval CSVs.

    Training images come from Fashion-MNIST's training split, evaluation images from its test split
    (the first ``train_per_class`` / ``eval_per_class`` of each class). Files:
    ``destination/{train,eval}/<class>/<index>.jpg``, ``destination/train_set.csv``, ``eval_set.csv``.
    A finished folder (marked by ``destination/DONE``) is reused as it is.

    Args:
        destination: folder to fill.
        train, test: ``(images, labels)`` pairs; ``None`` loads them with ``course_utils.load_fashion_mnist``.
        train_per_class, eval_per_class: how many images of each class to keep at most.

    Returns:
        ``(train_csv, eval_csv, class_names)``.

    Raises:
        ValueError: a class has no images in one of the splits.
    """
    destination = Path(destination)
    class_names = list(OFFLINE_CLASSES.values())
    train_csv, eval_csv = destination / "train_set.csv", destination / "eval_set.csv"
    if (destination / "DONE").is_file():
        return train_csv, eval_csv, class_names
    if train is None or test is None:
        from course_utils.datasets import load_fashion_mnist

        train, test = load_fashion_mnist()
    partial = destination.with_name(destination.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    for split, (images, labels), limit in (("train", train, train_per_class), ("eval", test, eval_per_class)):
        images, labels = np.asarray(images), np.asarray(labels)
        per_class = []
        for label, name in OFFLINE_CLASSES.items():
            indices = np.flatnonzero(labels == label)[:limit]
            if len(indices) == 0:
                raise ValueError(f"Fashion-MNIST's {split} images hold no {name!r} (class {label}).")
            paths = write_jpegs(images[indices], [f"{i:05d}" for i in indices], partial / split / name)
            per_class.append([(str((destination / split / name / p.name).resolve()), name) for p in paths])
        write_csv(interleave(per_class), partial / f"{split}_set.csv")
    (partial / "DONE").write_text("complete\n", encoding="utf-8")
    shutil.rmtree(destination, ignore_errors=True)
    partial.rename(destination)
    return train_csv, eval_csv, class_names


def interleave(groups):
    """Merge lists round-robin (first item of each, then the second of each, ...), so that every prefix of
    the result is balanced across the groups; longer lists finish last."""
    merged = []
    for position in range(max((len(group) for group in groups), default=0)):
        merged += [group[position] for group in groups if position < len(group)]
    return merged
