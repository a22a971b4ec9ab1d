import numpy as np
import pytest

import course_utils
from course_utils import feature_maps

HORIZONTAL = np.array([[-1, -1, -1], [0, 0, 0], [1, 1, 1]])
VERTICAL = HORIZONTAL.T
X_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])


@pytest.fixture(scope="module")
def digit(staged_dir):
    (x_train, _), _ = course_utils.load_mnist(quick=True)
    return x_train[0] / 255.0


def _texts(ax):
    return [text.get_text() for text in ax.texts]


# --- layouts ---


def test_to_image_batch_adds_batch_and_channel_axes(digit):
    batch = feature_maps.to_image_batch(digit)
    assert batch.shape == (1, 28, 28, 1) and batch.dtype == np.float32
    assert np.allclose(batch[0, :, :, 0], digit)
    assert feature_maps.to_image_batch(np.zeros((5, 6, 3))).shape == (1, 5, 6, 3)


@pytest.mark.parametrize("bad", [np.zeros(5), np.zeros((1, 2, 3, 4)), np.zeros((0, 3))])
def test_to_image_batch_rejects_bad_shapes(bad):
    with pytest.raises(ValueError, match="image should have shape"):
        feature_maps.to_image_batch(bad)


def test_stack_kernels_puts_each_kernel_in_its_output_channel():
    stacked = feature_maps.stack_kernels([HORIZONTAL, VERTICAL, X_KERNEL])
    assert stacked.shape == (3, 3, 1, 3) and stacked.dtype == np.float32
    for index, kernel in enumerate([HORIZONTAL, VERTICAL, X_KERNEL]):
        assert np.array_equal(stacked[:, :, 0, index], kernel)
    assert feature_maps.stack_kernels(X_KERNEL).shape == (3, 3, 1, 1)


@pytest.mark.parametrize(
    "kernels, message",
    [
        ([], "no kernels"),
        ([np.zeros((3, 3)), np.zeros((2, 2))], "same shape"),
        ([np.zeros(3)], "2-D"),
    ],
)
def test_stack_kernels_rejects_bad_input(kernels, message):
    with pytest.raises(ValueError, match=message):
        feature_maps.stack_kernels(kernels)


def test_layouts_match_what_tf_nn_conv2d_expects(digit):
    tf = pytest.importorskip("tensorflow")
    maps = tf.nn.conv2d(
        feature_maps.to_image_batch(digit),
        feature_maps.stack_kernels([HORIZONTAL, VERTICAL]),
        strides=1,
        padding="VALID",
    ).numpy()
    assert maps.shape == (1, 26, 26, 2)
    # value at (row 10, col 5) of the horizontal map, computed by hand
    assert np.isclose(maps[0, 10, 5, 0], np.sum(digit[10:13, 5:8] * HORIZONTAL), atol=1e-5)
    assert np.isclose(maps[0, 3, 12, 1], np.sum(digit[3:6, 12:15] * VERTICAL), atol=1e-5)


# --- kernels and feature maps ---


def test_plot_kernels_writes_integer_weights_and_titles():
    fig = feature_maps.plot_kernels([HORIZONTAL, VERTICAL], titles=["h", "v"])
    assert [ax.get_title() for ax in fig.axes] == ["h", "v"]
    assert _texts(fig.axes[0]) == ["-1", "-1", "-1", "0", "0", "0", "1", "1", "1"]
    low, high = fig.axes[0].images[0].get_clim()
    assert low == -high == -1, "one colour scale, symmetric around 0"


def test_plot_kernels_shows_every_filter_of_a_keras_kernel_without_numbers():
    kernel = np.random.default_rng(0).normal(size=(3, 3, 2, 20))
    fig = feature_maps.plot_kernels(kernel, ncols=10, in_channel=1)
    visible = [ax for ax in fig.axes if ax.axison]
    assert len(visible) == 20 and visible[19].get_title() == "filter 19"
    assert not visible[0].texts, "20 filters are too many to write their weights"
    assert np.allclose(visible[3].images[0].get_array(), kernel[:, :, 1, 3])


def test_plot_kernels_writes_decimals_for_learned_weights():
    fig = feature_maps.plot_kernels(np.array([[0.123, -0.5], [0.25, 1.0]]))
    assert _texts(fig.axes[0]) == ["0.12", "-0.50", "0.25", "1.00"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kernels": np.zeros(3)}, "kernels should have shape"),
        ({"kernels": np.zeros((3, 3, 1, 4)), "in_channel": 1}, "in_channel 1 does not exist"),
        ({"kernels": [HORIZONTAL], "titles": ["a", "b"]}, "2 titles for 1 panels"),
    ],
)
def test_plot_kernels_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        feature_maps.plot_kernels(**kwargs)


def test_plot_feature_maps_uses_a_diverging_scale_only_for_signed_maps(digit):
    edges = np.array([[np.sum(digit[r : r + 3, c : c + 3] * HORIZONTAL) for c in range(26)] for r in range(26)])
    fig = feature_maps.plot_feature_maps([edges, np.maximum(edges, 0)], titles=["signed", "relu"], show_shape=True)
    signed, relu = fig.axes
    assert signed.get_title() == "signed\n26×26"
    assert signed.images[0].get_cmap().name == "RdBu_r"
    low, high = signed.images[0].get_clim()
    assert np.isclose(-low, high) and np.isclose(high, np.abs(edges).max())
    assert relu.images[0].get_cmap().name == "magma" and relu.images[0].get_clim()[0] == 0


def test_plot_feature_maps_splits_a_layer_output_into_channels():
    output = np.random.default_rng(1).random((1, 11, 11, 5))
    fig = feature_maps.plot_feature_maps(output, ncols=3, title="layer")
    visible = [ax for ax in fig.axes if ax.axison]
    assert len(visible) == 5 and len(fig.axes) == 6
    assert np.allclose(visible[4].images[0].get_array(), output[0, :, :, 4])
    assert fig._suptitle.get_text() == "layer"


@pytest.mark.parametrize(
    "maps, message",
    [
        (np.zeros((2, 5, 5, 3)), "one image"),
        (np.zeros(5), "feature maps should have shape"),
        ([np.zeros((3, 3)), np.zeros(3)], "2-D"),
        ([], "2-D"),
    ],
)
def test_plot_feature_maps_rejects_bad_input(maps, message):
    with pytest.raises(ValueError, match=message):
        feature_maps.plot_feature_maps(maps)
