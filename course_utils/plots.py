"""Plots used throughout the course. Each function draws a new figure and returns it.

In a notebook, call ``plt.show()`` after a plotting call (or let the cell end) to display it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, SupportsInt

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike, NDArray

from course_utils.colors import cell_text_color
from course_utils.evaluation import confusion_matrix

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MISTAKE_COLOR = "tab:red"
CORRECT_COLOR = "black"
# Colour is never the only mark: a prediction's title starts with one of these (DejaVu Sans, matplotlib's
# default font, has both), a mistake also gets a thick frame and names the true class.
MISTAKE_MARK = "\u2717"  # ✗
CORRECT_MARK = "\u2713"  # ✓
# Line styles and markers that tell the series of a line plot apart without colour.
LINE_STYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P")
# A sequential map whose lightness falls steadily with the count: readable in grey and by colour-blind readers.
CONFUSION_CMAP = "Blues"


def _as_image_batch(images: ArrayLike) -> NDArray[Any]:
    """``images`` as an array ``(n, h, w)`` or ``(n, h, w, channels)`` (a single channel dropped).

    Raises:
        ValueError: another shape, or no images.
    """
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4):
        raise ValueError(
            f"images should have shape (n, height, width) or (n, height, width, channels), got {images.shape}."
        )
    if len(images) == 0:
        raise ValueError("no images to show.")
    return images


def _name(label: SupportsInt, class_names: Sequence[str] | None) -> str:
    """The class name of ``label``, or the label's number when there are no names."""
    return class_names[int(label)] if class_names is not None else str(int(label))


def show_images(
    images: ArrayLike,
    labels: ArrayLike | None = None,
    predictions: ArrayLike | None = None,
    class_names: Sequence[str] | None = None,
    ncols: int = 8,
    title: str | None = None,
) -> Figure:
    """Show images in a grid, titled with their labels; with predictions, mistakes are marked.

    Args:
        images: ``(n, h, w)`` or ``(n, h, w, channels)`` array (any numeric range that imshow accepts).
        labels: true labels ``(n,)``, optional.
        predictions: predicted labels ``(n,)`` or probabilities ``(n, classes)``, optional. With labels, a
            right prediction is titled "✓ pred" in black; a wrong one "✗ pred (true: label)" in red, with a
            thick red frame (the mark and the text, not only the colour, say which is which).
        class_names: names to print instead of label numbers.
        ncols: images per row.
        title: a title for the whole figure.

    Returns:
        the ``matplotlib.figure.Figure``.

    Raises:
        ValueError: on an empty or wrongly shaped batch, or labels/predictions of another length.
    """
    batch = _as_image_batch(images)
    n = len(batch)
    true = None if labels is None else np.asarray(labels)
    predicted = None if predictions is None else np.asarray(predictions)
    for name, values in (("labels", true), ("predictions", predicted)):
        if values is not None and len(values) != n:
            raise ValueError(f"{name} has {len(values)} entries for {n} images.")
    if predicted is not None and predicted.ndim == 2:
        predicted = predicted.argmax(axis=1)
    ncols = max(1, min(int(ncols), n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.4 * ncols, 1.6 * nrows + (0.4 if title else 0)), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if index >= n:
            ax.axis("off")
            continue
        ax.imshow(batch[index], cmap="gray_r" if batch.ndim == 3 else None)
        _title_image(
            ax, None if true is None else true[index], None if predicted is None else predicted[index], class_names
        )
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _title_image(
    ax: Axes, label: SupportsInt | None, prediction: SupportsInt | None, class_names: Sequence[str] | None
) -> None:
    """Title one image of ``show_images`` with its label, its prediction, or both: "✓ pred" in black, or
    "✗ pred (true: label)" in red with a thick red frame around the image."""
    color, text = CORRECT_COLOR, ""
    if label is not None:
        text = _name(label, class_names)
    if prediction is not None:
        predicted = _name(prediction, class_names)
        wrong = label is not None and int(prediction) != int(label)
        color = MISTAKE_COLOR if wrong else CORRECT_COLOR
        if label is None:
            text = predicted
        elif wrong:
            text = f"{MISTAKE_MARK} {predicted} (true: {text})"
        else:
            text = f"{CORRECT_MARK} {predicted}"
        if wrong:
            for spine in ax.spines.values():
                spine.set_edgecolor(MISTAKE_COLOR)
                spine.set_linewidth(2.5)
    ax.set_title(text, color=color, fontsize=9)


def plot_history(history: Any | Mapping[str, Sequence[float]], metrics: Sequence[str] = ("loss", "accuracy")) -> Figure:
    """Plot training curves, one panel per metric, with validation curves where present.

    Training and validation differ in marker and line style (solid circles, dashed squares) as well as in
    colour, and the legend names them.

    Args:
        history: a Keras ``History`` (what ``fit`` returns) or its ``.history`` dict.
        metrics: metric names to plot; names missing from the history are skipped.

    Returns:
        the ``matplotlib.figure.Figure``.

    Raises:
        ValueError: none of ``metrics`` is in the history.
    """
    logs = getattr(history, "history", history)
    present = [m for m in metrics if m in logs]
    if not present:
        raise ValueError(f"the history holds {sorted(logs)}, none of {list(metrics)}.")
    fig, axes = plt.subplots(1, len(present), figsize=(5 * len(present), 3.5), squeeze=False)
    for ax, metric in zip(axes.flat, present, strict=True):
        epochs = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs, logs[metric], marker=MARKERS[0], linestyle=LINE_STYLES[0], label=f"training {metric}")
        if f"val_{metric}" in logs:
            ax.plot(
                epochs, logs[f"val_{metric}"], marker=MARKERS[1], linestyle=LINE_STYLES[1], label=f"validation {metric}"
            )
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


def plot_probabilities(
    probabilities: ArrayLike,
    class_names: Sequence[str] | None = None,
    true_label: int | None = None,
    title: str | None = None,
) -> Figure:
    """Bar chart of one image's class probabilities; the true class, if given, is highlighted.

    The true class's bar is green, hatched and labelled "true" above it (not told by colour alone).

    Raises:
        ValueError: ``probabilities`` is not a 1-D vector.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.ndim != 1:
        raise ValueError(f"probabilities should be one vector of shape (classes,), got {probabilities.shape}.")
    names = class_names if class_names is not None else [str(i) for i in range(len(probabilities))]
    colors = ["tab:blue"] * len(probabilities)
    if true_label is not None:
        colors[int(true_label)] = "tab:green"
    fig, ax = plt.subplots(figsize=(6, 3))
    bars = ax.bar(names, probabilities, color=colors)
    ax.set_ylim(0, 1.1)
    if true_label is not None:
        true_bar = bars[int(true_label)]
        true_bar.set_hatch("//")
        true_bar.set_edgecolor("black")
        ax.annotate(
            "true",
            (true_bar.get_x() + true_bar.get_width() / 2, true_bar.get_height()),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax.set_ylabel("probability")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_weight_images(
    kernel: ArrayLike, image_shape: tuple[int, int] = (28, 28), class_names: Sequence[str] | None = None
) -> Figure:
    """Show a linear layer's weights as one image per class (red positive, blue negative).

    The colour bar is labelled with the signs, so that the map is readable from its legend as well.

    Args:
        kernel: weight matrix of shape ``(height * width, classes)``, e.g. ``dense.kernel``.
        image_shape: the ``(height, width)`` the inputs were flattened from.
        class_names: titles for the panels.

    Returns:
        the ``matplotlib.figure.Figure``.

    Raises:
        ValueError: the kernel's first axis does not match ``image_shape``.
    """
    kernel = np.asarray(kernel)
    if kernel.ndim != 2 or kernel.shape[0] != int(np.prod(image_shape)):
        raise ValueError(f"kernel should have shape ({int(np.prod(image_shape))}, classes), got {kernel.shape}.")
    classes = kernel.shape[1]
    limit = float(np.abs(kernel).max()) or 1.0
    ncols = min(classes, 5)
    nrows = math.ceil(classes / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.2 * ncols, 2.3 * nrows), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < classes:
            image = ax.imshow(kernel[:, index].reshape(image_shape), cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(_name(index, class_names))
    bar = fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8)
    bar.set_label("weight (red: positive, blue: negative)")
    return fig


def plot_confusion_matrix(
    y_true: ArrayLike, y_pred: ArrayLike, class_names: Sequence[str] | None = None, num_classes: int = 10
) -> Figure:
    """Draw the confusion matrix (rows: true class, columns: predicted class) with counts.

    Every non-zero cell has its count written in; the colour map (CONFUSION_CMAP) grows darker with the
    count, so that it reads the same in grey, and the text is white on the darker half.

    Returns:
        the ``matplotlib.figure.Figure``. Errors are those of ``course_utils.evaluation.confusion_matrix``.
    """
    matrix = confusion_matrix(y_true, y_pred, num_classes)
    names = class_names if class_names is not None else [str(i) for i in range(num_classes)]
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    image = ax.imshow(matrix, cmap=CONFUSION_CMAP)
    ax.set_xticks(range(num_classes), names, rotation=45, ha="right")
    ax.set_yticks(range(num_classes), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    for (row, col), count in np.ndenumerate(matrix):
        if count:
            ax.text(col, row, str(count), ha="center", va="center", fontsize=8, color=cell_text_color(image, count))
    fig.tight_layout()
    return fig
