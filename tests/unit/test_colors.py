import pytest

from course_utils import colors


@pytest.mark.parametrize(
    "first, second, expected", [("black", "white", 21.0), ("white", "white", 1.0), ("#777777", "white", 4.48)]
)
def test_contrast_ratio_follows_wcag(first, second, expected):
    assert colors.contrast_ratio(first, second) == pytest.approx(expected, abs=0.01)
    assert colors.contrast_ratio(second, first) == pytest.approx(expected, abs=0.01)


def test_text_color_on_picks_the_readable_one():
    assert colors.text_color_on("#08306b") == "white"  # the darkest blue of Blues
    assert colors.text_color_on("#f7fbff") == "black"  # its lightest
    assert colors.text_color_on("tab:red") == "white"
