"""Pictures of convolutions for chapter 3: kernels (filters) and feature maps (activation maps), plus two
small NumPy helpers that put images and kernels into the layouts TensorFlow expects. One convolution or
pooling step drawn with its numbers is in ``course_utils.window_diagrams``.

Layouts used by TensorFlow and Keras:

* images ``NHWC``: ``(batch, height, width, channels)``;
* kernels ``HWIO``: ``(kernel_height, kernel_width, in_channels, out_channels)``, which is also the
  shape of a ``keras.layers.Conv2D`` layer's ``kernel``.

Each plotting function draws a new figure and returns it; call ``plt.show()`` after it in a notebook.
No function imports TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from course_utils.colors import cell_text_color

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

HIGHLIGHT_COLOR = "tab:orange"
MAX_ANNOTATED_SIZE = 7  # write the numbers into kernels up to 7x7


# --- layouts -------------------------------------------------------------------------------------


def to_image_batch(image: ArrayLike, dtype: DTypeLike = np.float32) -> NDArray[Any]:
    """Turn one image into a batch of one in TensorFlow's ``NHWC`` layout.

    Args:
        image: ``(height, width)`` grayscale or ``(height, width, channels)`` array.
        dtype: dtype of the result (``tf.nn.conv2d`` wants ``float32``).

    Returns:
        an array of shape ``(1, height, width, channels)`` (``channels`` is 1 for a 2-D image).

    Raises:
        ValueError: ``image`` is not 2-D or 3-D, or is empty.
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3) or image.size == 0:
        raise ValueError(f"image should have shape (height, width) or (height, width, channels), got {image.shape}.")
    if image.ndim == 2:
        image = image[:, :, np.newaxis]
    return image[np.newaxis].astype(dtype)


def stack_kernels(kernels: NDArray[Any] | Iterable[ArrayLike], dtype: DTypeLike = np.float32) -> NDArray[Any]:
    """Stack 2-D kernels into one ``HWIO`` array for one input channel, as ``tf.nn.conv2d`` expects.

    Args:
        kernels: a list of ``(kh, kw)`` arrays of the same shape (or one ``(kh, kw)`` array).
        dtype: dtype of the result.

    Returns:
        an array of shape ``(kh, kw, 1, number of kernels)``; output channel ``i`` is ``kernels[i]``.

    Raises:
        ValueError: no kernels, a kernel that is not 2-D, or kernels of different shapes.
    """
    items = [kernels] if isinstance(kernels, np.ndarray) and kernels.ndim == 2 else kernels
    arrays = [np.asarray(kernel) for kernel in items]
    if not arrays:
        raise ValueError("no kernels to stack.")
    shapes = {array.shape for array in arrays}
    if any(array.ndim != 2 for array in arrays):
        raise ValueError(f"every kernel should be 2-D (height, width), got shapes {sorted(shapes)}.")
    if len(shapes) > 1:
        raise ValueError(f"kernels must all have the same shape, got {sorted(shapes)}.")
    return np.stack(arrays, axis=-1)[:, :, np.newaxis, :].astype(dtype)


# --- kernels and feature maps --------------------------------------------------------------------


def _kernel_list(kernels: ArrayLike, in_channel: int) -> list[NDArray[np.float64]]:
    """The 2-D kernels of ``plot_kernels``'s input, one per panel (see its ``kernels`` for the shapes)."""
    kernels = np.asarray(kernels, dtype=float)
    if kernels.ndim == 2:
        return [kernels]
    if kernels.ndim == 3:
        return list(kernels)
    if kernels.ndim == 4:
        if not 0 <= in_channel < kernels.shape[2]:
            raise ValueError(
                f"in_channel {in_channel} does not exist: the kernels have {kernels.shape[2]} input channels."
            )
        return [kernels[:, :, in_channel, index] for index in range(kernels.shape[3])]
    raise ValueError(
        f"kernels should have shape (kh, kw), (n, kh, kw) or Keras's (kh, kw, in, out), got {kernels.shape}."
    )


def annotate_cells(ax: Axes, array: ArrayLike, fmt: str, fontsize: float = 9) -> None:
    """Write each value of the 2-D ``array`` into its cell of the image last drawn on ``ax`` (black text, or
    white where the cell's colour is dark: whichever contrasts more), in the number format ``fmt``."""
    image = ax.images[-1] if ax.images else None
    for (row, col), value in np.ndenumerate(np.asarray(array)):
        color = "black" if image is None else cell_text_color(image, value)
        ax.text(col, row, format(value, fmt), ha="center", va="center", fontsize=fontsize, color=color)


def _grid(count: int, ncols: int, width: float, height: float, title: str | None) -> tuple[Figure, NDArray[Any]]:
    """A figure of ``count`` panels of ``width`` x ``height`` inches, ``ncols`` a row, without ticks; returns the
    figure and its ``count`` axes (the grid's other panels are hidden)."""
    if count == 0:
        raise ValueError("nothing to plot.")
    ncols = max(1, min(int(ncols), count))
    nrows = math.ceil(count / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width * ncols, height * nrows + (0.5 if title else 0)), squeeze=False
    )
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes.flat[count:]:
        ax.axis("off")
    if title:
        fig.suptitle(title)
    return fig, axes.flat[:count]


def _check_titles(titles: Sequence[str] | None, count: int) -> None:
    """Raise ``ValueError`` unless ``titles`` is ``None`` or holds ``count`` titles."""
    if titles is not None and len(titles) != count:
        raise ValueError(f"{len(titles)} titles for {count} panels.")


def plot_kernels(
    kernels: ArrayLike,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    in_channel: int = 0,
    annotate: bool | None = None,
    title: str | None = None,
    fmt: str | None = None,
) -> Figure:
    """Draw convolution kernels (filters) as small images: red for positive, blue for negative weights.

    All kernels share one colour scale, symmetric around 0, so that their weights can be compared.

    Args:
        kernels: one kernel ``(kh, kw)``, several ``(n, kh, kw)``, or a Conv2D layer's kernel
            ``(kh, kw, in_channels, filters)`` (then one panel per filter, for input channel ``in_channel``).
        titles: one title per kernel (default: "filter i").
        ncols: panels per row.
        in_channel: which input channel of a 4-D kernel to show.
        annotate: write each weight into its cell; ``None`` does so for kernels up to 7x7 when there
            are at most 8 of them.
        title: a title for the whole figure.
        fmt: number format of the written weights; ``None`` gives whole numbers as such and
            two decimals otherwise.

    Returns:
        the ``matplotlib.figure.Figure``.

    Raises:
        ValueError: on a wrongly shaped input, a missing input channel, or titles of another length.
    """
    kernel_list = _kernel_list(kernels, in_channel)
    _check_titles(titles, len(kernel_list))
    kh, kw = kernel_list[0].shape
    if annotate is None:
        annotate = max(kh, kw) <= MAX_ANNOTATED_SIZE and len(kernel_list) <= 8
    if fmt is None:
        fmt = "g" if all(np.allclose(kernel, np.round(kernel)) for kernel in kernel_list) else ".2f"
    limit = max(float(np.abs(kernel).max()) for kernel in kernel_list) or 1.0
    size = 2.2 if annotate else 1.2
    fig, axes = _grid(len(kernel_list), ncols, size, size + 0.3, title)
    for index, (ax, kernel) in enumerate(zip(axes, kernel_list, strict=True)):
        ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
        if annotate:
            annotate_cells(ax, kernel, fmt, fontsize=10 if max(kh, kw) <= 3 or (max(kh, kw) <= 5 and fmt == "g") else 7)
        ax.set_title(titles[index] if titles is not None else f"filter {index}", fontsize=9)
    fig.tight_layout()
    return fig


def _map_list(feature_maps: ArrayLike | Sequence[ArrayLike]) -> list[NDArray[np.float64]]:
    """The 2-D maps of ``plot_feature_maps``'s input, one per panel (see its ``feature_maps`` for the shapes)."""
    if isinstance(feature_maps, (list, tuple)):
        maps = [np.asarray(m, dtype=float) for m in feature_maps]
        if not maps or any(m.ndim != 2 for m in maps):
            raise ValueError("a list of feature maps should hold 2-D (height, width) arrays.")
        return maps
    stack = np.asarray(feature_maps, dtype=float)
    if stack.ndim == 4:
        if stack.shape[0] != 1:
            raise ValueError(f"a 4-D batch of feature maps should hold one image, got a batch of {stack.shape[0]}.")
        stack = stack[0]
    if stack.ndim == 2:
        return [stack]
    if stack.ndim == 3:
        return [stack[:, :, channel] for channel in range(stack.shape[2])]
    raise ValueError(
        f"feature maps should have shape (h, w), (h, w, channels) or (1, h, w, channels), got {stack.shape}."
    )


def plot_feature_maps(
    feature_maps: ArrayLike | Sequence[ArrayLike],
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    show_shape: bool = False,
    title: str | None = None,
    size: float = 1.6,
) -> Figure:
    """Draw feature maps (activation maps), one panel per channel.

    Maps with negative values use a red/blue scale symmetric around 0 (blue negative); maps without
    negative values (for example after ReLU) go from dark (0) to bright. Each panel has its own scale.

    Args:
        feature_maps: one map ``(h, w)``, a layer's output for one image ``(h, w, channels)`` or
            ``(1, h, w, channels)``, or a list of 2-D maps (they may differ in size).
        titles: one title per map (default: "channel i").
        ncols: panels per row.
        show_shape: add each map's "height×width" to its title.
        title: a title for the whole figure.
        size: width of one panel in inches.

    Returns:
        the ``matplotlib.figure.Figure``.

    Raises:
        ValueError: on a wrongly shaped input, a batch of more than one image, or titles of another length.
    """
    maps = _map_list(feature_maps)
    _check_titles(titles, len(maps))
    fig, axes = _grid(len(maps), ncols, size, size + 0.3, title)
    for index, (ax, fmap) in enumerate(zip(axes, maps, strict=True)):
        if fmap.min() < 0:
            limit = float(np.abs(fmap).max()) or 1.0
            ax.imshow(fmap, cmap="RdBu_r", vmin=-limit, vmax=limit)
        else:
            ax.imshow(fmap, cmap="magma", vmin=0, vmax=float(fmap.max()) or 1.0)
        text = titles[index] if titles is not None else f"channel {index}"
        if show_shape:
            text = f"{text}\n{fmap.shape[0]}×{fmap.shape[1]}"
        ax.set_title(text, fontsize=8)
    fig.tight_layout()
    return fig
