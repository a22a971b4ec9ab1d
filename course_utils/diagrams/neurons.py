"""Neurons and layers of them: a neuron as a weighted sum (chapter 1), and a dense network's layers (chapter 2).

``draw_neuron`` shows the inputs, one weight on each arrow, a sum node with the bias and the score that comes out
(optionally through an activation function); ``draw_dense_network`` shows the columns of units of a dense network,
every unit of a layer connected to every unit of the next, with each layer's parameter count. Each draws a new
figure and returns it; call ``plt.show()`` after it in a notebook. No function imports TensorFlow.
"""

from collections.abc import Sequence
from itertools import pairwise

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from course_utils.diagrams import base

_SUM_CENTRE = (7.2, 3.4)
_SUM_RADIUS = 0.75


def _subscript(index: int | str) -> str:
    """``"{index}"`` in the form mathtext puts below the line (braces keep multi-digit indices together)."""
    return "{" + str(index) + "}"


def draw_neuron(inputs: int = 784, unit: str = "k", activation: str | None = None) -> Figure:
    """Draw one unit of a dense layer: ``inputs`` numbers, each multiplied by its weight, summed with a bias.

    Args:
        inputs: how many numbers reach the unit (784 for a flattened MNIST image); the drawing shows the first
            two, an ellipsis and the last one.
        unit: the unit's index in the formulas (``"k"``: the score of class k in chapter 1's linear model).
        activation: the name of the activation function after the sum (``"ReLU"``), or ``None`` for a plain
            score (the linear model).

    Returns:
        the matplotlib figure (white paper, readable in light and dark mode).

    Raises:
        ValueError: ``inputs`` is below 3 (the drawing shows two inputs and the last one), or ``unit`` is empty.
    """
    if int(inputs) != inputs or inputs < 3:
        raise ValueError(
            f"inputs should be a whole number of at least 3 (the drawing shows x1, x2 and the last "
            f"input), got {inputs!r}."
        )
    if not unit:
        raise ValueError("unit should name the unit in the formulas, such as 'k', got an empty string.")
    width = 16.5 if activation else 13.0
    fig, ax = base.new_figure(width, 7.2, title="a neuron: a weighted sum of its inputs, plus a bias")
    _inputs_and_weights(ax, int(inputs), unit)
    _sum_node(ax, unit)
    end = _SUM_CENTRE[0] + _SUM_RADIUS
    if activation:
        base.box(ax, 9.4, 2.85, 2.4, 1.1, activation, role="layer", fontsize=10)
        base.arrow(ax, (end, _SUM_CENTRE[1]), (9.4, _SUM_CENTRE[1]), f"$z_{_subscript(unit)}$")
        base.arrow(ax, (11.8, _SUM_CENTRE[1]), (13.0, _SUM_CENTRE[1]))
        base.box(
            ax,
            13.0,
            2.75,
            3.2,
            1.3,
            f"output\n$a_{_subscript(unit)} = $ {activation}$(z_{_subscript(unit)})$",
            role="output",
            fontsize=9,
        )
    else:
        base.arrow(ax, (end, _SUM_CENTRE[1]), (9.6, _SUM_CENTRE[1]))
        base.box(ax, 9.6, 2.75, 3.1, 1.3, f"score $z_{_subscript(unit)}$\nof class {unit}", role="output", fontsize=10)
    formula = (
        f"$z_{_subscript(unit)} = x_1 W_{_subscript('1' + unit)} + x_2 W_{_subscript('2' + unit)} + \\dots + "
        f"x_{_subscript(inputs)} W_{_subscript(str(inputs) + unit)} + b_{_subscript(unit)}$"
    )
    base.label(ax, width / 2, 0.45, formula, fontsize=11)
    return fig


def _inputs_and_weights(ax: Axes, inputs: int, unit: str) -> None:
    """The input boxes on the left and one arrow per input to the sum node, labelled with its weight."""
    rows = [(1, 5.9), (2, 4.6), (None, 3.5), (inputs, 2.1)]
    base.label(ax, 1.1, 6.85, f"{inputs:,} inputs", fontsize=9, color=base.MUTED)
    for index, y in rows:
        if index is None:
            base.label(ax, 1.1, y, "⋮", fontsize=14)
            continue
        base.box(ax, 0.3, y - 0.45, 1.6, 0.9, f"$x_{_subscript(index)}$", role="input", fontsize=11)
        weight = f"$W_{_subscript(str(index) + unit)}$"
        base.arrow(
            ax,
            (1.9, y),
            (_SUM_CENTRE[0] - _SUM_RADIUS, _SUM_CENTRE[1] + (y - 3.9) * 0.25),
            weight,
            color=base.INK,
            fontsize=10,
            offset=(0.0, 0.1),
        )


def _sum_node(ax: Axes, unit: str) -> None:
    """The circle that adds the weighted inputs and the bias, with the bias arriving from above."""
    ax.add_patch(Circle(_SUM_CENTRE, _SUM_RADIUS, facecolor=base.FILLS["weight"], edgecolor=base.INK, linewidth=1.2))
    base.label(ax, *_SUM_CENTRE, "Σ", fontsize=16)
    bias_top = _SUM_CENTRE[1] + 2.5
    base.box(
        ax, _SUM_CENTRE[0] - 1.1, bias_top - 0.2, 2.2, 0.9, f"bias $b_{_subscript(unit)}$", role="weight", fontsize=10
    )
    base.arrow(ax, (_SUM_CENTRE[0], bias_top - 0.2), (_SUM_CENTRE[0], _SUM_CENTRE[1] + _SUM_RADIUS))


_COLUMN_STEP, _UNIT_STEP, _UNIT_RADIUS, _MIDDLE = 4.4, 1.15, 0.36, 5.6


def draw_dense_network(
    sizes: Sequence[int] = (784, 400, 100, 10),
    activations: Sequence[str | None] = ("ReLU", "ReLU", None),
    output: str | None = "Softmax",
    shown: int = 4,
) -> Figure:
    """Draw a dense network as columns of units, each unit joined to every unit of the next column.

    Args:
        sizes: the number of inputs, then the units of every dense layer (784, 400, 100, 10: chapter 2's DNN).
        activations: one per dense layer, the activation's name or ``None`` (the last layer's raw scores).
        output: the function applied to the last layer's scores (``"Softmax"``), or ``None``.
        shown: how many units a column draws at most; a larger layer shows its first ones, an ellipsis and
            its last unit.

    Returns:
        the matplotlib figure; each connection between two columns is labelled with the layer's parameter count
        ``n * m + m``, and the bottom line gives the total.

    Raises:
        ValueError: fewer than two sizes, a size below 1, ``activations`` not one per dense layer, or ``shown``
            below 2.
    """
    sizes = [int(size) for size in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes should list the inputs and at least one layer, each at least 1, got {sizes}.")
    if len(activations) != len(sizes) - 1:
        raise ValueError(
            f"activations should name one activation (or None) per dense layer, {len(sizes) - 1} "
            f"for sizes {sizes}, got {len(activations)}."
        )
    if shown < 2:
        raise ValueError(f"shown should be at least 2 (a first and a last unit), got {shown}.")
    width = 1.6 + _COLUMN_STEP * (len(sizes) - 1) + (4.6 if output else 1.6)
    fig, ax = base.new_figure(
        width, 10.2, title="a dense network: every unit is connected to every unit of the next layer"
    )
    columns = [_unit_positions(1.6 + _COLUMN_STEP * i, size, shown) for i, size in enumerate(sizes)]
    for i, (left, right) in enumerate(pairwise(columns)):
        for start in left:
            for end in right:
                ax.plot([start[0], end[0]], [start[1], end[1]], color=base.MUTED, linewidth=0.6, zorder=1)
        n, m = sizes[i], sizes[i + 1]
        base.label(ax, (left[0][0] + right[0][0]) / 2, 8.75, f"{n:,}·{m:,} + {m:,}\n= {n * m + m:,}", fontsize=8)
    for i, (column, size) in enumerate(zip(columns, sizes, strict=True)):
        role = "input" if i == 0 else ("output" if i == len(sizes) - 1 else "layer")
        _draw_units(ax, column, size, shown, role)
        text = f"{size:,} inputs" if i == 0 else f"Dense({size:,})\n{activations[i - 1] or 'no activation'}"
        base.label(ax, column[0][0], 1.55, text, fontsize=9)
    if output:
        x = columns[-1][0][0] + 0.9
        base.arrow(ax, (x, _MIDDLE), (x + 1.0, _MIDDLE))
        base.box(ax, x + 1.0, _MIDDLE - 0.6, 2.3, 1.2, f"{output}\n{sizes[-1]:,} outputs", role="output", fontsize=9)
    total = sum(n * m + m for n, m in pairwise(sizes))
    base.label(ax, width / 2, 0.45, f"parameters in all: {total:,}", fontsize=10)
    return fig


def _unit_positions(x: float, size: int, shown: int) -> list[tuple[float, float]]:
    """The centres of the units a column draws: all of them up to ``shown``, else the first ``shown - 1`` and
    the last, with a gap for the ellipsis."""
    drawn = min(size, shown) + (1 if size > shown else 0)  # one slot for the ellipsis
    top = _MIDDLE + _UNIT_STEP * (drawn - 1) / 2
    slots = [(x, top - _UNIT_STEP * i) for i in range(drawn)]
    return slots if size <= shown else slots[:-2] + slots[-1:]


def _draw_units(ax: Axes, column: list[tuple[float, float]], size: int, shown: int, role: str) -> None:
    """Circles for the units of one column, filled by ``role``, and an ellipsis where units are left out."""
    for centre in column:
        ax.add_patch(
            Circle(centre, _UNIT_RADIUS, facecolor=base.FILLS[role], edgecolor=base.INK, linewidth=1.1, zorder=2)
        )
    if size > shown:
        base.label(ax, column[-1][0], (column[-2][1] + column[-1][1]) / 2, "⋮", fontsize=14)
