import numpy as np
import pytest
from matplotlib.patches import Rectangle

from course_utils import window_diagrams

# The slides' 5x5 image, X-shaped kernel and the feature map it gives.
SLIDE_IMAGE = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]])
X_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])
SLIDE_MAP = np.array([[4, 3, 4], [2, 4, 3], [2, 3, 4]])


def _texts(ax):
    return [text.get_text() for text in ax.texts]


def _frames(ax):
    return [patch for patch in ax.patches if isinstance(patch, Rectangle)]


def test_plot_convolution_frames_the_patch_and_its_value():
    fig = window_diagrams.plot_convolution(SLIDE_IMAGE, X_KERNEL, SLIDE_MAP, position=(1, 2))
    image_ax, kernel_ax, map_ax = fig.axes
    assert [ax.get_title() for ax in fig.axes] == ["image", "kernel", "feature map"]
    assert _texts(map_ax) == [str(v) for v in SLIDE_MAP.ravel()]
    (patch,) = _frames(image_ax)
    assert patch.get_xy() == (1.5, 0.5) and (patch.get_width(), patch.get_height()) == (3, 3)
    (cell,) = _frames(map_ax)
    assert cell.get_xy() == (1.5, 0.5)


def test_plot_convolution_can_hide_the_value_and_write_the_weights_on_the_patch():
    image = np.arange(35).reshape(5, 7)
    kernel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    feature_map = np.arange(6).reshape(2, 3)
    fig = window_diagrams.plot_convolution(
        image, kernel, feature_map, position=(1, 2), stride=2, weights_on_patch=True, hide_value=True
    )
    image_ax, _, map_ax = fig.axes
    assert _texts(map_ax) == ["0", "1", "2", "3", "4", "?"]
    small = _texts(image_ax)[image.size :]
    assert small == ["×" + str(w) for w in kernel.ravel()]
    # the first weight sits in the patch's top-left pixel: row 1 * 2, column 2 * 2
    x, y = image_ax.texts[image.size].get_position()
    assert (round(x), round(y)) == (4, 2)


def test_plot_pooling_uses_the_stride_to_find_the_window():
    image = np.arange(16).reshape(4, 4)
    pooled = np.array([[5, 7], [13, 15]])
    fig = window_diagrams.plot_pooling(image, pooled, size=2, stride=2, position=(1, 1))
    assert len(fig.axes) == 2
    (window,) = _frames(fig.axes[0])
    assert window.get_xy() == (1.5, 1.5) and window.get_width() == 2


@pytest.mark.parametrize("position, message", [((3, 0), "outside the output"), ((0, -1), "outside the output")])
def test_plot_convolution_rejects_positions_outside_the_map(position, message):
    with pytest.raises(ValueError, match=message):
        window_diagrams.plot_convolution(SLIDE_IMAGE, X_KERNEL, SLIDE_MAP, position=position)


def test_plot_convolution_rejects_a_window_outside_the_image():
    with pytest.raises(ValueError, match="leaves the image"):
        window_diagrams.plot_convolution(SLIDE_IMAGE, X_KERNEL, SLIDE_MAP, position=(2, 2), stride=2)
    with pytest.raises(ValueError, match="kernel should be a non-empty 2-D array"):
        window_diagrams.plot_convolution(SLIDE_IMAGE, np.zeros(3), SLIDE_MAP)


def test_valid_convolution_gives_the_slides_feature_map_for_stride_1_and_2():
    assert np.array_equal(window_diagrams.valid_convolution(SLIDE_IMAGE, X_KERNEL), SLIDE_MAP)
    assert np.array_equal(window_diagrams.valid_convolution(SLIDE_IMAGE, X_KERNEL, stride=2), [[4, 4], [2, 4]])
    assert window_diagrams.valid_convolution(np.ones((7, 9)), np.ones((3, 2)), stride=3).shape == (2, 3)


def test_reading_quiz_is_the_same_for_a_seed_and_its_hidden_value_is_the_framed_patch_times_the_kernel():
    quiz = window_diagrams.reading_quiz(15)
    again = window_diagrams.reading_quiz(15)
    assert np.array_equal(quiz.image, again.image) and quiz.stride == again.stride
    assert {window_diagrams.reading_quiz(seed).stride for seed in range(20)} == {2, 3}
    row, col = quiz.position
    s = quiz.stride
    assert quiz.value == np.sum(quiz.image[row * s : row * s + 3, col * s : col * s + 3] * quiz.kernel)


def test_plot_reading_quiz_numbers_the_grids_hides_the_value_and_frames_the_stride():
    quiz = window_diagrams.reading_quiz(15)
    fig = window_diagrams.plot_reading_quiz(15)
    image_ax, _, map_ax = fig.axes
    assert [ax.get_title() for ax in fig.axes] == ["grid 1", "grid 2", "grid 3"]
    row, col = quiz.position
    assert _texts(map_ax).count("?") == 1 and _texts(map_ax)[row * quiz.feature_map.shape[1] + col] == "?"
    (patch,) = _frames(image_ax)
    assert patch.get_xy() == (col * quiz.stride - 0.5, row * quiz.stride - 0.5)
