"""One step of a convolution or a pooling drawn with its numbers, for chapter 3: the input with the window
framed, the kernel (for a convolution) and the output with the value that window produced framed; and a
convolution diagram to read (``plot_reading_quiz``), whose numbers and stride stay inside this module, so that a
notebook's code does not give its answers away.

Each plotting function draws a new figure and returns it; call ``plt.show()`` after it in a notebook. No
function imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
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


def valid_convolution(image: ArrayLike, kernel: ArrayLike, stride: int = 1) -> NDArray[Any]:
    """The feature map of a 2-D ``kernel`` slid over a 2-D ``image`` ``stride`` pixels at a time, without padding
    and without flipping the kernel (what ``tf.nn.conv2d`` computes with ``padding="VALID"``).

    Returns:
        an array of shape ``((H - K) // stride + 1, (W - L) // stride + 1)`` for an H×W image and a K×L kernel.
    """
    pixels, weights = _check_2d("image", image), _check_2d("kernel", kernel)
    rows = (pixels.shape[0] - weights.shape[0]) // stride + 1
    cols = (pixels.shape[1] - weights.shape[1]) // stride + 1
    out = np.zeros((rows, cols), dtype=np.result_type(pixels, weights))
    for row, col in np.ndindex(rows, cols):
        patch = pixels[row * stride : row * stride + weights.shape[0], col * stride : col * stride + weights.shape[1]]
        out[row, col] = np.sum(patch * weights)
    return out


@dataclass(frozen=True)
class ReadingQuiz:
    """A convolution diagram to read: an image, a kernel, the stride and the output cell (row, column) framed."""

    image: NDArray[Any]
    kernel: NDArray[Any]
    stride: int
    position: tuple[int, int]

    @property
    def feature_map(self) -> NDArray[Any]:
        """The whole output of the convolution (``valid_convolution``)."""
        return valid_convolution(self.image, self.kernel, self.stride)

    @property
    def value(self) -> float:
        """The framed output value, the one the drawing hides."""
        return float(self.feature_map[self.position])


def reading_quiz(seed: int) -> ReadingQuiz:
    """The diagram of ``seed``: a 7×9 image of values 0 to 3, a 3×3 kernel of weights -1 to 2 and a stride of 2 or
    3, all drawn from NumPy's generator with that seed; output (1, 2) framed. The same seed gives the same quiz."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 4, size=(7, 9))
    kernel = rng.integers(-1, 3, size=(3, 3))
    return ReadingQuiz(image, kernel, stride=int(rng.integers(2, 4)), position=(1, 2))


def plot_reading_quiz(seed: int) -> Figure:
    """Draw ``reading_quiz(seed)`` as ``plot_convolution`` does, with the kernel's weights on the framed patch
    and the framed value hidden behind a "?", and the three grids titled "grid 1" to "grid 3" instead of named.

    Returns:
        the ``matplotlib.figure.Figure``.
    """
    quiz = reading_quiz(seed)
    fig = plot_convolution(
        quiz.image,
        quiz.kernel,
        quiz.feature_map,
        position=quiz.position,
        stride=quiz.stride,
        weights_on_patch=True,
        hide_value=True,
    )
    for number, ax in enumerate(fig.axes, start=1):
        ax.set_title(f"grid {number}")
    return fig
