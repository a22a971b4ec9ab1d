import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from course_utils.diagrams import base  # noqa: E402


def test_every_ink_reads_on_the_paper_and_on_every_fill():
    for color in (base.INK, base.MUTED, base.ACCENT):
        assert base.readable(color), color
    for role, fill in base.FILLS.items():
        assert base.readable(base.INK, fill, minimum=7), role


def test_a_figure_is_white_paper_without_axes_in_drawing_units():
    fig, ax = base.new_figure(8, 4, title="a drawing")
    assert ax.get_xlim() == (0, 8) and ax.get_ylim() == (0, 4) and not ax.axison
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    base.box(ax, 1, 1, 2, 1, "input", role="input")
    base.arrow(ax, (3, 1.5), (5, 1.5), "w")
    base.label(ax, 6, 1.5, "output")
    assert base.texts(fig) == ["a drawing", "input", "w", "output"]


def test_a_box_needs_a_known_role_and_a_figure_a_size():
    fig, ax = base.new_figure(2, 2)
    with pytest.raises(ValueError, match="role should be one of"):
        base.box(ax, 0, 0, 1, 1, role="blue")
    with pytest.raises(ValueError, match="positive width and height"):
        base.new_figure(0, 2)
