"""The drawings of chapter 5's building blocks: what they say, that they read on white paper, that they close."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from course_utils.diagrams import architectures, base


def every_text_reads(fig):
    """True when every text of the figure keeps AA contrast on the paper and the ink AAA on every fill used."""
    texts = [t for ax in fig.axes for t in [ax.title, *ax.texts] if t.get_text()]
    fills = {
        to_hex(p.get_facecolor()) for ax in fig.axes for p in ax.patches if isinstance(p, (FancyBboxPatch, Circle))
    }
    return all(base.readable(to_hex(t.get_color())) for t in texts) and all(
        base.readable(base.INK, fill, minimum=7) for fill in fills
    )


@pytest.mark.parametrize(
    "draw, expected",
    [
        (architectures.draw_residual_block, ["x", "y = ReLU(F(x) + x)", "+", "shortcut"]),
        (
            architectures.draw_inception_module,
            ["1×1 conv, 96\n(reduction)", "5×5 conv, 32", "64 + 128 + 32 + 32 = 256", "input: 28×28×192 feature maps"],
        ),
        (architectures.draw_densenet_block, ["input\nC channels", "sees C + 3k", "C + 4k channels", "transition"]),
    ],
)
def test_each_drawing_says_what_it_shows_reads_and_closes(draw, expected):
    fig = draw()
    shown = "\n".join(base.texts(fig))
    for text in expected:
        assert text in shown, f"{draw.__name__} should show {text!r}"
    assert every_text_reads(fig)
    plt.close(fig)
    assert not plt.fignum_exists(fig.number)


def test_the_dense_block_joins_every_box_to_every_later_one():
    fig = architectures.draw_densenet_block(layers=3, growth_rate=8)
    arcs = [
        p
        for p in fig.axes[0].patches
        if isinstance(p, FancyArrowPatch) and getattr(p.get_connectionstyle(), "rad", 0) != 0
    ]
    # input, 3 layers and the output: 5 boxes, one arrow for each of the 10 pairs
    assert len(arcs) == 10
    assert "(C + 24)" in "\n".join(base.texts(fig))
    plt.close(fig)


def test_sizes_that_do_not_fit_a_page_are_refused():
    with pytest.raises(ValueError, match="between 1 and 6 layers"):
        architectures.draw_densenet_block(layers=7)
    fig, ax = base.new_figure(2, 2)
    with pytest.raises(ValueError, match="at least two points"):
        architectures.polyline_arrow(ax, [(0.0, 0.0)])
    plt.close(fig)
