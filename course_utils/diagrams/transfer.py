"""Drawing for chapter 4: transfer learning cuts a pre-trained network after its feature extractor, freezes what
it keeps and puts a new head for the new classes on top.

``draw_transfer`` returns a new matplotlib figure built from ``course_utils.diagrams.base`` (white paper,
near-black ink, light fills), so it reads the same in the book's light and dark modes. It imports no TensorFlow.
"""

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course_utils.diagrams import base

SOURCE_EXTRACTOR = ("edges and colours", "textures", "parts of objects")
WIDTH, HEIGHT, GAP = 5.0, 0.8, 0.35  # a layer's box and the space between two boxes


def _stack(ax: Axes, x: float, layers: Sequence[tuple[str, str]]) -> list[float]:
    """Boxes ``(text, role)`` from the bottom up at ``x``, joined by arrows; returns each box's lower edge."""
    bottoms = []
    for index, (text, role) in enumerate(layers):
        y = 0.9 + index * (HEIGHT + GAP)
        base.box(ax, x, y, WIDTH, HEIGHT, text, role=role, fontsize=8.5)
        if index:
            base.arrow(ax, (x + WIDTH / 2, y - GAP), (x + WIDTH / 2, y))
        bottoms.append(y)
    return bottoms


def draw_transfer(
    source_classes: str = "1,000 ImageNet classes",
    new_classes: str = "our 5 classes",
    extractor: Sequence[str] = SOURCE_EXTRACTOR,
) -> Figure:
    """The source network (input, the ``extractor``'s convolutional stages, dense layers, ``source_classes``) cut
    below its dense layers, and the new network: the same stages frozen, a new trainable head for
    ``new_classes``."""
    if not extractor:
        raise ValueError("extractor should name at least one convolutional stage, e.g. ('edges', 'parts').")
    kept = [("input image", "input")] + [(f"convolutions: {stage}", "layer") for stage in extractor]
    source = kept + [("dense layers", "weight"), (f"output: {source_classes}", "output")]
    new = [(text, "input" if role == "input" else "frozen") for text, role in kept]
    new += [("new head: Dense + softmax", "weight"), (f"output: {new_classes}", "output")]
    fig, ax = base.new_figure(
        2 * WIDTH + 5.2,
        len(source) * (HEIGHT + GAP) + 2.2,
        title="transfer learning: keep the feature extractor, replace the head",
    )
    left = _stack(ax, 0.6, source)
    right = _stack(ax, WIDTH + 4.4, new)
    cut = left[len(kept)] - GAP / 2
    ax.plot([0.3, WIDTH + 0.9], [cut, cut], color=base.ACCENT, linewidth=2, linestyle="--")
    base.label(ax, WIDTH + 1.0, cut, "cut here", color=base.ACCENT, fontsize=9, ha="left")
    base.arrow(
        ax,
        (WIDTH + 1.0, (left[1] + left[len(kept) - 1]) / 2 + HEIGHT / 2),
        (WIDTH + 4.2, (right[1] + right[len(kept) - 1]) / 2 + HEIGHT / 2),
        "reuse",
        fontsize=9,
    )
    base.label(ax, 0.6 + WIDTH / 2, 0.45, "source network, trained on lots of data", fontsize=8.5)
    base.label(ax, WIDTH + 4.4 + WIDTH / 2, 0.45, "new network: grey frozen, head trained", fontsize=8.5)
    return fig
