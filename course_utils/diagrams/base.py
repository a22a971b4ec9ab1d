"""The pieces every drawing of ``course_utils.diagrams`` is made of.

A drawing is a matplotlib figure on opaque white paper with near-black ink: it reads the same in the book's light
and dark modes (the page's colours never show through). Fills are light tints (``FILLS``) on which the ink keeps
at least 7:1 contrast; ``ACCENT`` (dark orange) marks what a drawing points out and keeps 4.5:1 on the paper.
Coordinates are in the drawing's own units: ``new_figure(width, height)`` makes one unit about 0.55 inches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from course_utils.colors import contrast_ratio

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.typing import ColorType

# A point (x, y) in drawing units.
Point: TypeAlias = tuple[float, float]

PAPER = "#ffffff"
INK = "#1a1a1a"
MUTED = "#555555"  # secondary text: 7.5:1 on the paper
ACCENT = "#b35900"  # what a drawing points out: 4.6:1 on the paper
# Light fills by role; the ink on each keeps at least 7:1 contrast.
FILLS = {
    "input": "#dcebf7",
    "weight": "#fde6cf",
    "output": "#dff2d8",
    "layer": "#ece6f5",
    "frozen": "#e4e4e4",
    "plain": "#ffffff",
}
UNIT_INCHES = 0.55


def new_figure(width: float, height: float, title: str | None = None) -> tuple[Figure, Axes]:
    """A figure of ``width`` x ``height`` drawing units (x to the right, y upwards, origin bottom left), no axes,
    on white paper. Returns ``(fig, ax)``."""
    if width <= 0 or height <= 0:
        raise ValueError(f"a drawing needs a positive width and height, got {width} x {height}.")
    fig, ax = plt.subplots(figsize=(width * UNIT_INCHES, height * UNIT_INCHES))
    fig.patch.set_facecolor(PAPER)
    ax.set_facecolor(PAPER)
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title, color=INK, fontsize=11)
    return fig, ax


def box(
    ax: Axes,
    x: float,
    y: float,
    width: float,
    height: float,
    text: str = "",
    role: str = "plain",
    fontsize: float = 9,
    edge: ColorType = INK,
    rounded: bool = True,
) -> FancyBboxPatch:
    """A box with its lower left corner at ``(x, y)``, filled by ``role`` (a key of ``FILLS``), with ``text``
    centred in it. Returns the patch."""
    if role not in FILLS:
        raise ValueError(f"role should be one of {sorted(FILLS)}, got {role!r}.")
    style = "round,pad=0,rounding_size=0.15" if rounded else "square,pad=0"
    patch = FancyBboxPatch((x, y), width, height, boxstyle=style, facecolor=FILLS[role], edgecolor=edge, linewidth=1.2)
    ax.add_patch(patch)
    if text:
        ax.text(x + width / 2, y + height / 2, text, ha="center", va="center", fontsize=fontsize, color=INK)
    return patch


def arrow(
    ax: Axes,
    start: Point,
    end: Point,
    text: str | None = None,
    color: ColorType = INK,
    fontsize: float = 8,
    offset: Point = (0.0, 0.15),
) -> FancyArrowPatch:
    """An arrow from ``start`` to ``end`` (points ``(x, y)``), with ``text`` beside its middle. Returns the patch."""
    patch = FancyArrowPatch(
        start, end, arrowstyle="-|>", mutation_scale=12, color=color, linewidth=1.2, shrinkA=2, shrinkB=2
    )
    ax.add_patch(patch)
    if text:
        middle = ((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1])
        ax.text(*middle, text, ha="center", va="bottom", fontsize=fontsize, color=color)
    return patch


def label(ax: Axes, x: float, y: float, text: str, fontsize: float = 9, color: ColorType = INK, **kwargs: Any) -> Text:
    """Text at ``(x, y)``, centred unless ``ha``/``va`` say otherwise. Returns the text artist."""
    kwargs.setdefault("ha", "center")
    kwargs.setdefault("va", "center")
    return ax.text(x, y, text, fontsize=fontsize, color=color, **kwargs)


def texts(fig: Figure) -> list[str]:
    """Every text a figure shows (titles and labels), for tests and alt texts."""
    return [t.get_text() for ax in fig.axes for t in [ax.title, *ax.texts] if t.get_text()]


def readable(color: ColorType, background: ColorType = PAPER, minimum: float = 4.5) -> bool:
    """True when text in ``color`` on ``background`` keeps at least ``minimum``:1 contrast (WCAG AA)."""
    return contrast_ratio(color, background) >= minimum
