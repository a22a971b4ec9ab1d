"""Drawings of the building blocks of deep image networks (chapter 5): a residual block, an inception module
with its 1x1 reductions, and the connectivity of a DenseNet block.

Each ``draw_*`` function returns a new matplotlib Figure drawn with ``course_utils.diagrams.base`` (white paper,
dark ink, light fills), so it reads the same in the book's light and dark modes. Imports no TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch

from course_utils.diagrams import base

Point = tuple[float, float]


def polyline_arrow(ax: Axes, points: Sequence[Point], color: str = base.INK) -> None:
    """Draw a path through ``points`` (at least two ``(x, y)`` pairs) whose last segment ends in an arrowhead.
    Returns nothing; raises ValueError for fewer than two points."""
    if len(points) < 2:
        raise ValueError(f"a path needs at least two points, got {len(points)}.")
    xs, ys = zip(*points[:-1], strict=True)
    ax.plot([*xs, points[-2][0]], [*ys, points[-2][1]], color=color, linewidth=1.2)
    base.arrow(ax, points[-2], points[-1], color=color)


def curved_arrow(ax: Axes, start: Point, end: Point, bend: float, color: str = base.INK) -> FancyArrowPatch:
    """An arrow from ``start`` to ``end`` bowed sideways by ``bend`` (matplotlib's arc3 radius; positive bends
    to the left of the direction of travel). Returns the patch."""
    patch = FancyArrowPatch(
        start,
        end,
        arrowstyle="-|>",
        mutation_scale=11,
        color=color,
        linewidth=1.0,
        shrinkA=3,
        shrinkB=3,
        connectionstyle=f"arc3,rad={bend}",
    )
    ax.add_patch(patch)
    return patch


def add_node(ax: Axes, x: float, y: float, symbol: str = "+", radius: float = 0.32) -> Circle:
    """A small circle centred at ``(x, y)`` holding ``symbol`` (the addition of a residual block). Returns it."""
    circle = Circle((x, y), radius, facecolor=base.FILLS["output"], edgecolor=base.INK, linewidth=1.2)
    ax.add_patch(circle)
    base.label(ax, x, y, symbol, fontsize=12)
    return circle


def draw_residual_block() -> Figure:
    """The residual block of ResNet v1, left to right: x goes through two 3x3 convolutions (the residual F(x))
    while a shortcut carries x around them to an addition, followed by a ReLU. Returns the Figure."""
    fig, ax = base.new_figure(15, 5.2, title="A residual block (ResNet v1): the layers learn F(x), the shortcut adds x")
    y, height = 1.3, 1.3
    base.box(ax, 0.2, y, 1.5, height, "x", role="input", fontsize=11)
    base.box(ax, 2.5, y, 2.6, height, "3×3 conv\nbatch norm\nReLU", role="layer")
    base.box(ax, 5.9, y, 2.6, height, "3×3 conv\nbatch norm", role="layer")
    add_node(ax, 9.5, y + height / 2)
    base.box(ax, 10.5, y, 1.4, height, "ReLU", role="layer")
    base.label(ax, 12.45, y + height / 2, "y = ReLU(F(x) + x)", fontsize=10, ha="left")
    middle = y + height / 2
    for start, end in (
        ((1.7, middle), (2.5, middle)),
        ((5.1, middle), (5.9, middle)),
        ((8.5, middle), (9.18, middle)),
        ((9.82, middle), (10.5, middle)),
        ((11.9, middle), (12.2, middle)),
    ):
        base.arrow(ax, start, end)
    base.label(ax, 5.5, y - 0.45, "main path: F(x), the residual", fontsize=9, color=base.MUTED)
    top = y + height + 1.3
    polyline_arrow(ax, [(0.95, y + height), (0.95, top), (9.5, top), (9.5, middle + 0.32)], color=base.ACCENT)
    base.label(
        ax,
        5.2,
        top + 0.35,
        "shortcut: x itself (identity), or a 1×1 conv + batch norm when the shape changes",
        fontsize=9,
        color=base.ACCENT,
    )
    return fig


def inception_path(ax: Axes, x: float, steps: Sequence[tuple[str, str]], bottom: float, top: float) -> None:
    """One path of an inception module: boxes stacked from ``bottom`` upwards at ``x`` (left edge), each step a
    ``(text, role)`` pair, joined by arrows, the last arrow reaching ``top``. Returns nothing."""
    width, height, gap = 2.9, 1.0, 0.55
    previous = bottom
    for index, (text, role) in enumerate(steps):
        lower = bottom + gap + index * (height + gap)
        base.arrow(ax, (x + width / 2, previous), (x + width / 2, lower))
        edge = base.ACCENT if role == "weight" else base.INK
        base.box(ax, x, lower, width, height, text, role=role, edge=edge)
        previous = lower + height
    base.arrow(ax, (x + width / 2, previous), (x + width / 2, top))


def draw_inception_module() -> Figure:
    """GoogLeNet's inception module 3a, bottom to top: four parallel paths on the same 28x28x192 input (1x1;
    1x1 reduction then 3x3; 1x1 reduction then 5x5; 3x3 max pooling then 1x1 projection), concatenated along
    the channels. The 1x1 reductions are outlined in the accent colour. Returns the Figure."""
    fig, ax = base.new_figure(15, 7.6, title="An inception module (GoogLeNet's 3a): four paths, one concatenation")
    base.box(ax, 3.0, 0.2, 9.0, 0.9, "input: 28×28×192 feature maps", role="input")
    bottom, top = 1.1, 5.65
    paths = [
        [("1×1 conv, 64", "layer")],
        [("1×1 conv, 96\n(reduction)", "weight"), ("3×3 conv, 128", "layer")],
        [("1×1 conv, 16\n(reduction)", "weight"), ("5×5 conv, 32", "layer")],
        [("3×3 max pool\nstride 1", "plain"), ("1×1 conv, 32\n(projection)", "layer")],
    ]
    for column, steps in enumerate(paths):
        inception_path(ax, 0.6 + column * 3.6, steps, bottom, top)
    base.box(ax, 1.5, top, 12.0, 0.9, "concatenate along the channels: 64 + 128 + 32 + 32 = 256", role="output")
    base.label(
        ax,
        7.5,
        7.0,
        "the 1×1 reductions (orange outline) shrink 192 channels to 96 and 16 before the expensive 3×3 and 5×5 kernels",
        fontsize=9,
        color=base.ACCENT,
    )
    return fig


def dense_layer_boxes(ax: Axes, layers: int, growth_rate: int, y: float) -> list[float]:
    """The input and ``layers`` layers of a dense block side by side at height ``y``, each labelled with the
    channels it receives. Returns the x centre of each box (input first)."""
    centres = []
    for index in range(layers + 1):
        left = 0.4 + index * 2.9
        if index == 0:
            text, role = "input\nC channels", "input"
        else:
            received = "C" if index == 1 else f"C + {index - 1}k"
            text, role = f"BN, ReLU,\n3×3 conv → k\nsees {received}", "layer"
        base.box(ax, left, y, 2.2, 1.3, text, role=role, fontsize=8)
        centres.append(left + 1.1)
    return centres


def draw_densenet_block(layers: int = 4, growth_rate: int = 12) -> Figure:
    """A dense block of ``layers`` layers: every layer receives the concatenation of the block's input and of
    every earlier layer's k = ``growth_rate`` new feature maps; arrows join every box to every later one.
    Returns the Figure; raises ValueError unless ``layers`` is between 1 and 6."""
    if not 1 <= layers <= 6:
        raise ValueError(f"draw between 1 and 6 layers (the drawing must fit a page), got {layers}.")
    width = 0.8 + (layers + 1) * 2.9 + 2.6
    fig, ax = base.new_figure(
        width, 6.2, title=f"A dense block: every layer sees all earlier feature maps (growth rate k = {growth_rate})"
    )
    y = 1.6
    centres = dense_layer_boxes(ax, layers, growth_rate, y)
    out_left = centres[-1] + 1.8
    base.box(
        ax,
        out_left,
        y,
        2.4,
        1.3,
        f"block output:\nC + {layers}k channels\n(C + {layers * growth_rate})",
        role="output",
        fontsize=8,
    )
    centres.append(out_left + 1.2)
    for source, start in enumerate(centres[:-1]):
        for target in range(source + 1, len(centres)):
            color = base.ACCENT if target - source > 1 else base.INK
            curved_arrow(ax, (start + 0.3, y + 1.3), (centres[target] - 0.3, y + 1.3), bend=-0.3, color=color)
    base.label(
        ax,
        width / 2,
        0.9,
        "arrows: feature maps passed on and concatenated (not added, as in ResNet); "
        "orange ones skip at least one layer",
        fontsize=9,
        color=base.MUTED,
    )
    base.label(
        ax,
        width / 2,
        0.4,
        "between blocks, a transition (BN, ReLU, 1×1 conv, 2×2 average pooling) "
        "reduces the channels and halves the image",
        fontsize=9,
        color=base.MUTED,
    )
    return fig
