"""Drawings of how training uses accelerators (chapter 5): data parallelism across replicas with the gradient
all-reduce, and the systolic array at the heart of a TPU's matrix unit.

Each ``draw_*`` function returns a new matplotlib Figure drawn with ``course_utils.diagrams.base`` (white paper,
dark ink, light fills), so it reads the same in the book's light and dark modes. Imports no TensorFlow.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course_utils.diagrams import base


def replica_column(ax: Axes, index: int, left: float) -> float:
    """One replica of the data-parallel drawing at ``left``: its slice of the batch, its copy of the model and
    its gradient, stacked from the top down, with arrows between them. Returns the x centre of the column."""
    width, centre = 3.0, left + 1.5
    base.box(ax, left, 6.4, width, 0.8, f"slice {index} of the batch", role="input", fontsize=8)
    base.box(ax, left, 4.5, width, 1.2, f"replica {index}:\na model copy (w)", role="layer", fontsize=8)
    base.box(ax, left, 2.9, width, 0.9, f"gradient g{index}\non slice {index}", role="weight", fontsize=8)
    base.arrow(ax, (centre, 6.4), (centre, 5.7))
    base.arrow(ax, (centre, 4.5), (centre, 3.8))
    base.arrow(ax, (centre, 2.9), (centre, 2.2))
    return centre


def draw_data_parallelism(replicas: int = 4) -> Figure:
    """Data parallelism over ``replicas`` devices, top to bottom: the global batch is split into one slice per
    replica, each replica (a copy of the model) computes the gradient on its slice, an all-reduce averages the
    gradients, and every replica applies the same update. Returns the Figure; raises ValueError unless
    ``replicas`` is between 2 and 6."""
    if not 2 <= replicas <= 6:
        raise ValueError(f"draw between 2 and 6 replicas (the drawing must fit a page), got {replicas}.")
    width = 0.8 + replicas * 3.6 + 3.4
    fig, ax = base.new_figure(width, 8.8, title="Data parallelism: one global batch, several replicas, one update")
    span = replicas * 3.6 - 0.6
    base.box(ax, 0.4, 7.6, span, 0.7, f"global batch = {replicas} × the per-replica batch", role="input")
    centres = [replica_column(ax, index + 1, 0.4 + index * 3.6) for index in range(replicas)]
    for centre in centres:
        base.arrow(ax, (centre, 7.6), (centre, 7.2))
    mean = " + ".join(f"g{index + 1}" for index in range(replicas))
    base.box(ax, 0.4, 1.2, span, 1.0, f"all-reduce: every replica receives g = ({mean}) / {replicas}", role="output")
    base.box(
        ax,
        0.4,
        0.1,
        span,
        0.7,
        "each replica applies the same update w ← w − η·g: the copies stay identical",
        role="plain",
        fontsize=8,
    )
    base.arrow(ax, (0.4 + span / 2, 1.2), (0.4 + span / 2, 0.8))
    note_x = 0.4 + span + 0.3
    base.label(ax, note_x, 5.1, "computed in\nparallel, one\nslice each", fontsize=8, color=base.MUTED, ha="left")
    base.label(ax, note_x, 1.7, "the only\ncommunication\nof a step", fontsize=8, color=base.ACCENT, ha="left")
    return fig


def systolic_grid(ax: Axes, size: int, left: float, bottom: float, cell: float) -> None:
    """The ``size`` x ``size`` multiply-and-add cells of a systolic array, weight w(row, column) preloaded in
    each, with arrows for the inputs moving right and the partial sums moving down. Returns nothing."""
    for row in range(size):
        for column in range(size):
            x = left + column * cell
            y = bottom + (size - 1 - row) * cell
            base.box(
                ax,
                x,
                y,
                cell * 0.7,
                cell * 0.7,
                f"w{row + 1}{column + 1}\n×, +",
                role="weight",
                fontsize=8,
                rounded=False,
            )
            if column < size - 1:
                base.arrow(ax, (x + cell * 0.7, y + cell * 0.45), (x + cell, y + cell * 0.45))
            if row < size - 1:
                base.arrow(ax, (x + cell * 0.35, y), (x + cell * 0.35, y - cell * 0.3), color=base.ACCENT)


def draw_systolic_array(size: int = 4) -> Figure:
    """A ``size`` x ``size`` systolic array, as in a TPU's matrix unit (128 x 128 there): inputs enter from
    the left one wave per clock cycle, staggered by a cycle per row; each cell multiplies the input passing
    by its stored weight, adds the partial sum from above and passes both on; sums leave at the bottom.
    Returns the Figure; raises ValueError unless ``size`` is between 2 and 6."""
    if not 2 <= size <= 6:
        raise ValueError(f"draw a grid of 2 to 6 cells a side (the drawing must fit a page), got {size}.")
    cell, left, bottom = 1.6, 4.2, 1.6
    width, height = left + size * cell + 4.8, bottom + size * cell + 1.4
    fig, ax = base.new_figure(
        width, height, title=f"A systolic array ({size} × {size} here; 128 × 128 in a TPU's matrix unit)"
    )
    systolic_grid(ax, size, left, bottom, cell)
    for row in range(size):
        y = bottom + (size - 1 - row) * cell + cell * 0.45
        waiting = "  ".join(["·"] * row + [f"x{row + 1}"])
        base.label(ax, left - 0.5, y, waiting, fontsize=8, ha="right")
        base.arrow(ax, (left - 0.45, y), (left, y))
    base.label(
        ax,
        left - 0.5,
        bottom + size * cell + 0.35,
        "inputs, one row a cycle later\nthan the row above",
        fontsize=8,
        color=base.MUTED,
        ha="right",
    )
    for column in range(size):
        x = left + column * cell + cell * 0.35
        base.arrow(ax, (x, bottom), (x, bottom - 0.6), color=base.ACCENT)
        base.label(ax, x, bottom - 0.9, f"y{column + 1}", fontsize=8, color=base.ACCENT)
    notes_x = left + size * cell + 0.2
    base.label(
        ax,
        notes_x,
        bottom + size * cell * 0.7,
        "each cell, every cycle:\nsum from above\n+ its weight × the input\n→ passes the input right\nand the sum down",
        fontsize=8,
        ha="left",
    )
    base.label(
        ax,
        notes_x,
        bottom + size * cell * 0.2,
        f"no memory access\nbetween the cells:\n{size * size} products per cycle",
        fontsize=8,
        color=base.MUTED,
        ha="left",
    )
    return fig
