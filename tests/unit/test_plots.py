import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils import colors, plots


def _images(n=6):
    return np.random.default_rng(0).integers(0, 255, (n, 28, 28), dtype=np.uint8)


def test_show_images_marks_mistakes_with_a_sign_text_frame_and_colour():
    fig = plots.show_images(_images(), labels=[0, 1, 2, 3, 4, 5], predictions=[0, 1, 9, 3, 4, 7], ncols=3)
    titles = [(ax.get_title(), ax.title.get_color()) for ax in fig.axes]
    assert titles[2] == ("✗ 9 (true: 2)", plots.MISTAKE_COLOR)
    assert titles[0] == ("✓ 0", plots.CORRECT_COLOR)
    assert sum(color == plots.MISTAKE_COLOR for _, color in titles) == 2
    # without colour: the sign says which is which, and only mistakes have a thick frame
    assert [title[0] for title, _ in titles] == ["✓", "✓", "✗", "✓", "✓", "✗"]
    frames = [max(spine.get_linewidth() for spine in ax.spines.values()) for ax in fig.axes]
    assert [width > 2 for width in frames] == [False, False, True, False, False, True]


def test_show_images_draws_its_signs_with_a_font_that_has_them(recwarn):
    fig = plots.show_images(_images(2), labels=[0, 1], predictions=[0, 2])
    fig.canvas.draw()
    assert not [w for w in recwarn if "missing from" in str(w.message)], [str(w.message) for w in recwarn]


def test_show_images_without_labels_titles_the_predictions_alone():
    fig = plots.show_images(_images(2), predictions=[4, 5])
    assert [ax.get_title() for ax in fig.axes] == ["4", "5"]


def test_show_images_uses_class_names_and_probabilities():
    probabilities = np.eye(3)[[2, 0]]
    fig = plots.show_images(_images(2), labels=[2, 1], predictions=probabilities, class_names=["a", "b", "c"])
    assert [ax.get_title() for ax in fig.axes] == ["✓ c", "✗ a (true: b)"]


def test_show_images_accepts_a_channel_axis_and_pads_the_grid():
    fig = plots.show_images(_images(5)[..., None], ncols=4)
    assert len(fig.axes) == 8
    assert sum(ax.axison for ax in fig.axes) == 5


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"images": np.zeros((0, 28, 28))}, "no images"),
        ({"images": np.zeros((28, 28))}, "shape"),
        ({"images": np.zeros((2, 28, 28)), "labels": [1]}, "labels has 1 entries for 2 images"),
    ],
)
def test_show_images_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plots.show_images(**kwargs)


def test_plot_history_draws_training_and_validation():
    history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.6, 0.8], "val_accuracy": [0.5, 0.7]}
    fig = plots.plot_history(history)
    assert len(fig.axes) == 2
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    assert list(fig.axes[0].lines[1].get_ydata()) == [1.1, 0.7]


def test_plot_history_tells_the_curves_apart_without_colour():
    fig = plots.plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
    training, validation = fig.axes[0].lines
    assert training.get_marker() != validation.get_marker()
    assert training.get_linestyle() != validation.get_linestyle()
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["training loss", "validation loss"]


def test_plot_history_accepts_a_keras_history_object():
    class History:
        history = {"loss": [2.0, 1.0, 0.5]}

    fig = plots.plot_history(History())
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 1


def test_plot_history_rejects_unknown_metrics():
    with pytest.raises(ValueError, match="none of"):
        plots.plot_history({"loss": [1.0]}, metrics=("auc",))


def test_plot_probabilities_highlights_the_true_class():
    fig = plots.plot_probabilities(np.full(10, 0.1), true_label=3)
    bars = fig.axes[0].patches
    assert len(bars) == 10
    assert bars[3].get_facecolor() != bars[0].get_facecolor()
    # not by colour alone: the true bar is hatched and labelled
    assert bars[3].get_hatch() and not bars[0].get_hatch()
    assert [t.get_text() for t in fig.axes[0].texts] == ["true"]
    assert fig.axes[0].texts[0].xy[0] == bars[3].get_x() + bars[3].get_width() / 2
    assert not plots.plot_probabilities(np.full(10, 0.1)).axes[0].texts
    with pytest.raises(ValueError, match="one vector"):
        plots.plot_probabilities(np.zeros((2, 10)))


def test_plot_weight_images_draws_one_panel_per_class():
    kernel = np.random.default_rng(1).normal(size=(784, 10))
    fig = plots.plot_weight_images(kernel)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 10
    assert images[0].get_array().shape == (28, 28)
    assert np.allclose(images[4].get_array(), kernel[:, 4].reshape(28, 28))
    with pytest.raises(ValueError, match="kernel should have shape"):
        plots.plot_weight_images(np.zeros((100, 10)))


def test_plot_weight_images_names_the_signs_on_its_colour_bar():
    fig = plots.plot_weight_images(np.random.default_rng(1).normal(size=(784, 3)))
    colour_bar = fig.axes[-1]
    assert "positive" in colour_bar.get_ylabel() and "negative" in colour_bar.get_ylabel()


def test_plot_confusion_matrix_writes_counts():
    fig = plots.plot_confusion_matrix([0, 1, 1], [0, 1, 0], num_classes=2)
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["1", "1", "1"]


def test_plot_confusion_matrix_text_contrasts_with_its_cell():
    y_true = np.repeat(np.arange(3), [50, 30, 20])
    y_pred = y_true.copy()
    y_pred[:20] = 1  # counts from 1 to 30 on a scale to 30
    y_pred[50:51] = 2
    fig = plots.plot_confusion_matrix(y_true, y_pred, num_classes=3)
    ax = fig.axes[0]
    image = ax.images[0]
    matrix = image.get_array()
    assert len(ax.texts) == np.count_nonzero(matrix)
    for text in ax.texts:
        col, row = (round(v) for v in text.get_position())
        assert text.get_text() == str(matrix[row, col])
        background = image.cmap(image.norm(matrix[row, col]))
        assert colors.contrast_ratio(text.get_color(), background) >= 4.5, (text.get_text(), background)


def test_plot_confusion_matrix_colour_map_reads_in_grey():
    """The map's lightness falls steadily with the count: in grey, more is darker."""
    cmap = plt.get_cmap(plots.CONFUSION_CMAP)
    luminance = [colors.relative_luminance(cmap(value)) for value in np.linspace(0, 1, 64)]
    assert all(later < earlier for earlier, later in itertools.pairwise(luminance))
    assert luminance[0] - luminance[-1] > 0.7
