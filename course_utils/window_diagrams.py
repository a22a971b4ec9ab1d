"""One step of a convolution or a pooling drawn with its numbers, for chapter 3: the input with the window
framed, the kernel (for a convolution) and the output with the value that window produced framed.

Each function draws a new figure and returns it; call ``plt.show()`` after it in a notebook. No function
imports TensorFlow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle
from numpy.typing import ArrayLike, NDArray

from course_utils.feature_maps import HIGHLIGHT_COLOR, annotate_cells

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _check_2d(name: str, array: ArrayLike) -> NDArray[Any]:
    """``array`` as a NumPy array; ``ValueError`` naming ``name`` unless it is 2-D and not empty."""
    checked = np.asarray(array)
    if checked.ndim != 2 or checked.size == 0:
        raise ValueError(f"{name} should be a non-empty 2-D array, got shape {checked.shape}.")
    return checked


def _window_panels(
    image: ArrayLike,
    middle: NDArray[Any] | None,
    output: ArrayLike,
    middle_title: str | None,
    window: tuple[int, int],
    stride: int,
    position: tuple[int, int],
    titles: tuple[str, str | None, str],
    fmt: str,
) -> Figure:
    """Draw ``image``, ``middle`` (a kernel, or nothing for a pooling) and ``output`` side by side with their
    numbers; frame the ``window`` of the image that gave the output at ``position``, and that output value."""
    image, output = _check_2d("image", image), _check_2d("output", output)
    row, col = position
    if not (0 <= row < output.shape[0] and 0 <= col < output.shape[1]):
        raise ValueError(f"position {position} lies outside the output of shape {output.shape}.")
    top, left = row * stride, col * stride
    if top + window[0] > image.shape[0] or left + window[1] > image.shape[1]:
        raise ValueError(
            f"the window at output position {position} (stride {stride}) leaves the image of shape {image.shape}."
        )
    panels: list[tuple[NDArray[Any], str | None, str]] = [(image, titles[0], "Blues"), (output, titles[2], "Oranges")]
    if middle is not None:
        panels.insert(1, (middle, middle_title, "RdBu_r"))
    fig, axes = plt.subplots(
        1, len(panels), figsize=(3.3 * len(panels), 3.4), gridspec_kw={"width_ratios": [p[0].shape[1] for p in panels]}
    )
    for ax, (array, text, cmap) in zip(axes, panels, strict=True):
        if cmap == "RdBu_r":
            limit = float(np.abs(array).max()) or 1.0
            ax.imshow(array, cmap=cmap, vmin=-limit, vmax=limit)
        else:
            ax.imshow(array, cmap=cmap, vmin=min(0, float(array.min())), vmax=float(array.max()) or 1.0)
        annotate_cells(ax, array, fmt, fontsize=11)
        ax.set_title(text)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].add_patch(
        Rectangle((left - 0.5, top - 0.5), window[1], window[0], fill=False, edgecolor=HIGHLIGHT_COLOR, linewidth=3)
    )
    axes[-1].add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor=HIGHLIGHT_COLOR, linewidth=3))
    fig.tight_layout()
    return fig


def plot_convolution(
    image: ArrayLike,
    kernel: ArrayLike,
    feature_map: ArrayLike,
    position: tuple[int, int] = (0, 0),
    stride: int = 1,
    fmt: str = "g",
    weights_on_patch: bool = False,
    hide_value: bool = False,
) -> Figure:
    """Draw image, kernel and feature map side by side with their numbers, and frame one step.

    The orange frame on the image marks the patch under the kernel that produced the framed value of
    the feature map at ``position`` (row, column of the feature map).

    Args:
        image: 2-D input.
        kernel: 2-D kernel.
        feature_map: 2-D result of the convolution (any values: it is drawn, not recomputed).
        position: which output value to frame.
        stride: the stride used, to find the patch.
        fmt: number format for the values, e.g. ``"g"`` or ``".1f"``.
        weights_on_patch: also write each kernel weight as a small red "×w" into its pixel of the framed
            patch, as the course's slides draw it.
        hide_value: write "?" instead of the framed value of the feature map (for questions).

    Returns:
        the ``matplotlib.figure.Figure``.

    Raises:
        ValueError: an input is not 2-D, or ``position`` lies outside the feature map or its patch
            outside the image.
    """
    weights = _check_2d("kernel", kernel)
    fig = _window_panels(
        image,
        weights,
        feature_map,
        "kernel",
        (weights.shape[0], weights.shape[1]),
        int(stride),
        position,
        ("image", None, "feature map"),
        fmt,
    )
    image_ax, map_ax = fig.axes[0], fig.axes[-1]
    row, col = position
    if hide_value:
        map_ax.texts[row * np.asarray(feature_map).shape[1] + col].set_text("?")
    if weights_on_patch:
        for (k_row, k_col), weight in np.ndenumerate(weights):
            image_ax.text(
                col * int(stride) + k_col + 0.45,
                row * int(stride) + k_row + 0.45,
                "×" + format(weight, fmt),
                ha="right",
                va="bottom",
                fontsize=8,
                fontweight="bold",
                color="tab:red",
                bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.9},
            )
    return fig


def plot_pooling(
    image: ArrayLike,
    pooled: ArrayLike,
    size: int = 2,
    stride: int = 2,
    position: tuple[int, int] = (0, 0),
    fmt: str = "g",
) -> Figure:
    """Draw an input and its pooled result with their numbers, framing one ``size``×``size`` window.

    Args:
        image: 2-D input.
        pooled: 2-D result of the pooling.
        size: pooling window size.
        stride: pooling stride.
        position: which output value (row, column of ``pooled``) to frame.
        fmt: number format for the values.

    Returns:
        the ``matplotlib.figure.Figure``.

    Raises:
        ValueError: as ``plot_convolution``.
    """
    return _window_panels(
        image, None, pooled, None, (int(size), int(size)), int(stride), position, ("input", None, "pooled"), fmt
    )
