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

import math

import matplotlib.pyplot as plt
import numpy as np

HIGHLIGHT_COLOR = "tab:orange"
MAX_ANNOTATED_SIZE = 7  # write the numbers into kernels up to 7x7


# --- layouts -------------------------------------------------------------------------------------

def to_image_batch(image, dtype=np.float32):
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


def stack_kernels(kernels, dtype=np.float32):
    """Stack 2-D kernels into one ``HWIO`` array for one input channel, as ``tf.nn.conv2d`` expects.

    Args:
        kernels: a list of ``(kh, kw)`` arrays of the same shape (or one ``(kh, kw)`` array).
        dtype: dtype of the result.

    Returns:
        an array of shape ``(kh, kw, 1, number of kernels)``; output channel ``i`` is ``kernels[i]``.

    Raises:
        ValueError: no kernels, a kernel that is not 2-D, or kernels of different shapes.
    """
    if isinstance(kernels, np.ndarray) and kernels.ndim == 2:
        kernels = [kernels]
    kernels = [np.asarray(kernel) for kernel in kernels]
    if not kernels:
        raise ValueError("no kernels to stack.")
    shapes = {kernel.shape for kernel in kernels}
    if any(kernel.ndim != 2 for kernel in kernels):
        raise ValueError(f"every kernel should be 2-D (height, width), got shapes {sorted(shapes)}.")
    if len(shapes) > 1:
        raise ValueError(f"kernels must all have the same shape, got {sorted(shapes)}.")
    return np.stack(kernels, axis=-1)[:, :, np.newaxis, :].astype(dtype)


# --- kernels and feature maps --------------------------------------------------------------------

def _kernel_list(kernels, in_channel):
    kernels = np.asarray(kernels, dtype=float)
    if kernels.ndim == 2:
        return [kernels]
    if kernels.ndim == 3:
        return list(kernels)
    if kernels.ndim == 4:
        if not 0 <= in_channel < kernels.shape[2]:
            raise ValueError(f"in_channel {in_channel} does not exist: the kernels have {kernels.shape[2]} "
                             f"input channels.")
        return [kernels[:, :, in_channel, index] for index in range(kernels.shape[3])]
    raise ValueError(f"kernels should have shape (kh, kw), (n, kh, kw) or Keras's (kh, kw, in, out), "
                     f"got {kernels.shape}.")


def _annotate(ax, array, fmt, fontsize=9):
    """Write each value into its cell, white on dark colours and black on light ones."""
    image = ax.images[-1] if ax.images else None
    for (row, col), value in np.ndenumerate(array):
        color = "black"
        if image is not None:
            red, green, blue, _ = image.cmap(image.norm(value))
            color = "white" if 0.299 * red + 0.587 * green + 0.114 * blue < 0.5 else "black"
        ax.text(col, row, format(value, fmt), ha="center", va="center", fontsize=fontsize, color=color)


def _grid(count, ncols, width, height, title):
    if count == 0:
        raise ValueError("nothing to plot.")
    ncols = max(1, min(int(ncols), count))
    nrows = math.ceil(count / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows + (0.5 if title else 0)),
                             squeeze=False)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes.flat[count:]:
        ax.axis("off")
    if title:
        fig.suptitle(title)
    return fig, axes.flat[:count]


def _check_titles(titles, count):
    if titles is not None and len(titles) != count:
        raise ValueError(f"{len(titles)} titles for {count} panels.")


def plot_kernels(kernels, titles=None, ncols=8, in_channel=0, annotate=None, title=None, fmt=None):
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
    for index, (ax, kernel) in enumerate(zip(axes, kernel_list)):
        ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
        if annotate:
            _annotate(ax, kernel, fmt, fontsize=10 if max(kh, kw) <= 3 or (max(kh, kw) <= 5 and fmt == "g") else 7)
        ax.set_title(titles[index] if titles is not None else f"filter {index}", fontsize=9)
    fig.tight_layout()
    return fig


def _map_list(feature_maps):
    if isinstance(feature_maps, (list, tuple)):
        maps = [np.asarray(m, dtype=float) for m in feature_maps]
        if not maps or any(m.ndim != 2 for m in maps):
            raise ValueError("a list of feature maps should hold 2-D (height, width) arrays.")
        return maps
    maps = np.asarray(feature_maps, dtype=float)
    if maps.ndim == 4:
        if maps.shape[0] != 1:
            raise ValueError(f"a 4-D batch of feature maps should hold one image, got a batch of {maps.shape[0]}.")
        maps = maps[0]
    if maps.ndim == 2:
        return [maps]
    if maps.ndim == 3:
        return [maps[:, :, channel] for channel in range(maps.shape[2])]
    raise ValueError(f"feature maps should have shape (h, w), (h, w, channels) or (1, h, w, channels), "
                     f"got {maps.shape}.")


def plot_feature_maps(feature_maps, titles=None, ncols=8, show_shape=False, title=None, size=1.6):
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
    for index, (ax, fmap) in enumerate(zip(axes, maps)):
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
