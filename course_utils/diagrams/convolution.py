"""Drawings for chapter 3: a kernel sliding over a zero-padded image with a stride, max pooling, and the
receptive field that grows with every layer.

Each ``draw_*`` function returns a new matplotlib figure built from ``course_utils.diagrams.base`` (white paper,
near-black ink, light fills), so it reads the same in the book's light and dark modes. No function imports
TensorFlow.
"""

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from course_utils.diagrams import base

CELL = 0.8  # side of one pixel, in drawing units


def output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """How many positions a ``kernel``-wide window finds along a side of ``size`` pixels with ``padding`` zeros on
    each side, moving ``stride`` pixels at a time: ``(size + 2 padding - kernel) // stride + 1``.

    Raises ValueError when the window does not fit even once."""
    if min(size, kernel, stride) < 1 or padding < 0:
        raise ValueError(
            f"size, kernel and stride should be at least 1 and padding at least 0, got size {size}, "
            f"kernel {kernel}, stride {stride}, padding {padding}."
        )
    if kernel > size + 2 * padding:
        raise ValueError(
            f"a kernel of {kernel} pixels does not fit on {size} pixels with padding {padding}: "
            "use a smaller kernel or more padding."
        )
    return (size + 2 * padding - kernel) // stride + 1


def receptive_field(kernels: Sequence[int], strides: Sequence[int] | None = None) -> int:
    """The side, in input pixels, that one unit of the last of a stack of layers sees: ``kernels[i]`` is layer
    ``i``'s window, ``strides[i]`` its stride (1 when ``strides`` is None). Each layer adds ``kernel - 1`` times
    the product of the strides below it."""
    strides = [1] * len(kernels) if strides is None else list(strides)
    if len(strides) != len(kernels):
        raise ValueError(f"give one stride per kernel: {len(kernels)} kernels, {len(strides)} strides.")
    field, jump = 1, 1
    for kernel, stride in zip(kernels, strides, strict=True):
        field += (kernel - 1) * jump
        jump *= stride
    return field


def _grid(ax: Axes, x: float, y: float, values: np.ndarray, roles: np.ndarray, fontsize: int = 9) -> None:
    """Square cells from the top left corner ``(x, y)``, one per entry of ``values`` (text) and ``roles``
    (a key of ``base.FILLS``)."""
    for (row, col), value in np.ndenumerate(values):
        base.box(
            ax,
            x + col * CELL,
            y - (row + 1) * CELL,
            CELL,
            CELL,
            str(value),
            role=str(roles[row, col]),
            fontsize=fontsize,
            rounded=False,
        )


def _frame(ax: Axes, x: float, y: float, rows: int, cols: int, color: str, style: str = "-") -> None:
    """A thick frame of ``rows`` x ``cols`` cells whose top left corner is ``(x, y)``."""
    ax.add_patch(
        Rectangle(
            (x, y - rows * CELL), cols * CELL, rows * CELL, fill=False, edgecolor=color, linewidth=2.6, linestyle=style
        )
    )


def draw_padding_and_stride(size: int = 5, kernel: int = 3, padding: int = 1, stride: int = 2) -> Figure:
    """A ``kernel`` x ``kernel`` window on a ``size`` x ``size`` image framed by ``padding`` rings of zeros, at its
    first position and one ``stride`` to the right, and the output grid with the two cells they give."""
    out = output_size(size, kernel, stride, padding)
    side = size + 2 * padding
    fig, ax = base.new_figure(
        side * CELL + out * CELL + 5.5,
        side * CELL + 3.2,
        title=f"a {kernel}×{kernel} kernel slides over a zero-padded {size}×{size} image, stride {stride}",
    )
    top = side * CELL + 1.4
    inside = np.zeros((side, side), dtype=bool)
    inside[padding : padding + size, padding : padding + size] = True
    values = np.where(inside, "x", "0")
    _grid(ax, 0.5, top, values, np.where(inside, "input", "frozen"))
    _frame(ax, 0.5, top, kernel, kernel, base.ACCENT)
    _frame(ax, 0.5 + stride * CELL, top, kernel, kernel, base.INK, style="--")
    base.arrow(
        ax,
        (0.5 + kernel * CELL / 2, top + 0.35),
        (0.5 + (stride + kernel / 2) * CELL, top + 0.35),
        f"stride {stride}",
        color=base.ACCENT,
    )
    base.label(ax, 0.5 + side * CELL / 2, 0.6, f"{size}×{size} image (x) with padding {padding} (0)", fontsize=9)
    left = side * CELL + 4.0
    roles = np.full((out, out), "output", dtype=object)
    _grid(ax, left, top - (side - out) * CELL / 2, np.full((out, out), ""), roles)
    out_top = top - (side - out) * CELL / 2
    _frame(ax, left, out_top, 1, 1, base.ACCENT)
    _frame(ax, left + CELL, out_top, 1, 1, base.INK, style="--")
    base.arrow(
        ax, (side * CELL + 0.9, top - side * CELL / 2), (left - 0.3, top - side * CELL / 2), "weighted sum", fontsize=8
    )
    base.label(
        ax,
        left + out * CELL / 2,
        0.6,
        f"{out}×{out} output: ⌊({size} + 2·{padding} − {kernel}) / {stride}⌋ + 1 = {out}",
        fontsize=9,
    )
    return fig


def draw_pooling(
    values: Sequence[Sequence[int]] = ((1, 1, 2, 4), (5, 6, 7, 8), (3, 2, 1, 0), (1, 2, 3, 4)), size: int = 2
) -> Figure:
    """``size`` x ``size`` max pooling with stride ``size``: every window of ``values`` (a square grid whose side
    ``size`` divides) in its own fill, and the output cell of the same fill holding the window's largest value."""
    grid = np.asarray(values)
    if grid.ndim != 2 or grid.shape[0] != grid.shape[1] or grid.shape[0] % size:
        raise ValueError(f"values should be a square grid whose side {size} divides, got shape {grid.shape}.")
    out = grid.shape[0] // size
    fills = ["input", "weight", "output", "layer"]
    roles = np.empty(grid.shape, dtype=object)
    pooled = np.zeros((out, out), dtype=grid.dtype)
    for row in range(out):
        for col in range(out):
            window = (slice(row * size, (row + 1) * size), slice(col * size, (col + 1) * size))
            roles[window] = fills[(row * out + col) % len(fills)]
            pooled[row, col] = grid[window].max()
    side = grid.shape[0] * CELL
    fig, ax = base.new_figure(
        side + out * CELL + 6.0,
        side + 2.4,
        title=f"{size}×{size} max pooling, stride {size}: no weights, the largest value wins",
    )
    top = side + 1.3
    _grid(ax, 0.5, top, grid, roles, fontsize=10)
    left = side + 4.5
    out_top = top - (side - out * CELL) / 2
    _grid(ax, left, out_top, pooled, roles[::size, ::size], fontsize=10)
    base.arrow(ax, (side + 1.0, top - side / 2), (left - 0.3, top - side / 2), "max of each window")
    base.label(ax, 0.5 + side / 2, 0.6, f"{grid.shape[0]}×{grid.shape[0]} input", fontsize=9)
    base.label(ax, left + out * CELL / 2, 0.6, f"{out}×{out} output", fontsize=9)
    return fig


def draw_receptive_field(layers: int = 3, kernel: int = 3, width: int = 9) -> Figure:
    """A side view of ``layers`` stacked convolutions with ``kernel``-wide windows and stride 1 over a row of
    ``width`` pixels: one unit at the top, the units below that it depends on framed layer by layer, and the
    receptive field of each layer written beside it."""
    fields = [receptive_field([kernel] * depth) for depth in range(1, layers + 1)]
    if fields[-1] > width:
        raise ValueError(
            f"{layers} layers of {kernel}-wide kernels see {fields[-1]} pixels, more than the "
            f"{width} drawn: draw a wider row or fewer layers."
        )
    gap = 1.3  # vertical distance between rows
    fig, ax = base.new_figure(
        width * CELL + 7.5,
        (layers + 1) * gap + 1.8,
        title=f"each {kernel}×{kernel} convolution widens what one unit sees",
    )
    centre = width // 2
    x0 = 0.8
    for depth in range(layers + 1):
        y = 0.8 + depth * gap
        seen = 1 if depth == layers else fields[layers - depth - 1]
        first = centre - seen // 2
        for cell in range(width):
            role = ("input" if depth == 0 else "layer") if first <= cell < first + seen else "plain"
            base.box(ax, x0 + cell * CELL, y, CELL, CELL * 0.8, role=role, rounded=False)
        name = "input pixels" if depth == 0 else f"layer {depth}"
        base.label(ax, x0 + width * CELL + 0.3, y + 0.4 * CELL, name, ha="left", fontsize=9)
        if depth > 0:
            below = fields[depth - 1]
            base.label(
                ax,
                x0 + width * CELL + 2.2,
                y + 0.4 * CELL,
                f"one unit sees {below}×{below} pixels",
                ha="left",
                fontsize=8,
                color=base.MUTED,
            )
        if depth < layers:
            upper = 1 if depth + 1 == layers else fields[layers - depth - 2]
            upper_first = centre - upper // 2
            for unit in range(upper_first, upper_first + upper):
                for offset in range(-(kernel // 2), kernel // 2 + 1):
                    ax.plot(
                        [x0 + (unit + 0.5) * CELL, x0 + (unit + offset + 0.5) * CELL],
                        [y + gap, y + CELL * 0.8],
                        color=base.ACCENT if unit == centre else base.MUTED,
                        linewidth=0.9,
                    )
    return fig
