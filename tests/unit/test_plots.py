import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from course_utils import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _images(n=6):
    return np.random.default_rng(0).integers(0, 255, (n, 28, 28), dtype=np.uint8)


def test_show_images_marks_mistakes_in_red():
    fig = plots.show_images(_images(), labels=[0, 1, 2, 3, 4, 5], predictions=[0, 1, 9, 3, 4, 7], ncols=3)
    titles = [(ax.get_title(), ax.title.get_color()) for ax in fig.axes]
    assert titles[2] == ("9 (2)", plots.MISTAKE_COLOR)
    assert titles[0] == ("0", plots.CORRECT_COLOR)
    assert sum(color == plots.MISTAKE_COLOR for _, color in titles) == 2


def test_show_images_uses_class_names_and_probabilities():
    probabilities = np.eye(3)[[2, 0]]
    fig = plots.show_images(_images(2), labels=[2, 1], predictions=probabilities, class_names=["a", "b", "c"])
    assert [ax.get_title() for ax in fig.axes] == ["c", "a (b)"]


def test_show_images_accepts_a_channel_axis_and_pads_the_grid():
    fig = plots.show_images(_images(5)[..., None], ncols=4)
    assert len(fig.axes) == 8
    assert sum(ax.axison for ax in fig.axes) == 5


@pytest.mark.parametrize("kwargs, message", [
    ({"images": np.zeros((0, 28, 28))}, "no images"),
    ({"images": np.zeros((28, 28))}, "shape"),
    ({"images": np.zeros((2, 28, 28)), "labels": [1]}, "labels has 1 entries for 2 images"),
])
def test_show_images_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plots.show_images(**kwargs)


def test_plot_history_draws_training_and_validation():
    history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.6, 0.8], "val_accuracy": [0.5, 0.7]}
    fig = plots.plot_history(history)
    assert len(fig.axes) == 2
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    assert list(fig.axes[0].lines[1].get_ydata()) == [1.1, 0.7]


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


def test_plot_confusion_matrix_writes_counts():
    fig = plots.plot_confusion_matrix([0, 1, 1], [0, 1, 0], num_classes=2)
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["1", "1", "1"]
