import matplotlib.pyplot as plt
import pytest

from course_utils.diagrams import base, convolution


@pytest.mark.parametrize(
    "size, kernel, stride, padding, expected",
    [(28, 3, 1, 0, 26), (28, 3, 2, 0, 13), (5, 3, 2, 1, 3), (28, 3, 1, 1, 28), (227, 11, 4, 0, 55)],
)
def test_output_size_is_the_chapters_formula(size, kernel, stride, padding, expected):
    assert convolution.output_size(size, kernel, stride, padding) == expected


def test_output_size_says_when_the_kernel_does_not_fit():
    with pytest.raises(ValueError, match="does not fit"):
        convolution.output_size(2, 5)


@pytest.mark.parametrize(
    "kernels, strides, expected", [([3], None, 3), ([3, 3], None, 5), ([3, 3, 3], None, 7), ([3, 2, 3], [1, 2, 1], 8)]
)
def test_the_receptive_field_grows_with_each_layer(kernels, strides, expected):
    assert convolution.receptive_field(kernels, strides) == expected


def test_receptive_field_needs_one_stride_per_kernel():
    with pytest.raises(ValueError, match="one stride per kernel"):
        convolution.receptive_field([3, 3], [1])


def _closes(fig):
    plt.close(fig)
    return fig.number not in plt.get_fignums()


def test_padding_and_stride_names_its_settings_and_the_output_size():
    fig = convolution.draw_padding_and_stride(size=5, kernel=3, padding=1, stride=2)
    shown = " ".join(base.texts(fig))
    assert "stride 2" in shown and "padding 1" in shown and "3×3 output" in shown
    assert "convolution" not in shown.lower(), "chapter 3's exercise 4 asks what the operation is called"
    assert shown.count("0") >= 16  # the ring of zeros around the 5x5 image
    assert all(base.readable(text.get_color()) for text in fig.axes[0].texts)
    assert _closes(fig)


def test_pooling_writes_the_maximum_of_each_window():
    fig = convolution.draw_pooling()
    shown = base.texts(fig)
    assert shown[17:21] == ["6", "8", "3", "4"]  # after the title and the 16 input values
    assert "max of each window" in shown
    with pytest.raises(ValueError, match="square grid"):
        convolution.draw_pooling([[1, 2, 3]], size=2)
    assert _closes(fig)


def test_receptive_field_drawing_labels_every_layer():
    fig = convolution.draw_receptive_field(layers=3)
    shown = base.texts(fig)
    assert {"input pixels", "layer 1", "layer 2", "layer 3"} <= set(shown)
    assert "one unit sees 7×7 pixels" in shown and "one unit sees 3×3 pixels" in shown
    assert all(base.readable(text.get_color()) for text in fig.axes[0].texts)
    with pytest.raises(ValueError, match="wider row"):
        convolution.draw_receptive_field(layers=5, width=9)
    assert _closes(fig)
