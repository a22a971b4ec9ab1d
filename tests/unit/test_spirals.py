"""course_utils.spirals: the spiral data set and the decision-region plot."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils import spirals


def test_make_spiral_shapes_types_and_balance():
    points, labels = spirals.make_spiral(n_per_class=50, classes=3, seed=1)
    assert points.shape == (150, 2) and points.dtype == np.float32
    assert labels.shape == (150,) and labels.dtype == np.int64
    assert np.bincount(labels).tolist() == [50, 50, 50]
    assert np.abs(points).max() < 1.3


def test_make_spiral_is_deterministic_per_seed_and_shuffled():
    first = spirals.make_spiral(n_per_class=40, seed=5)
    again = spirals.make_spiral(n_per_class=40, seed=5)
    other = spirals.make_spiral(n_per_class=40, seed=6)
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])
    assert np.count_nonzero(np.diff(first[1])) > 0, "the classes are interleaved, not in two blocks"


def test_make_spiral_without_noise_lies_on_the_arms():
    points, labels = spirals.make_spiral(n_per_class=30, classes=2, turns=1.0, noise=0.0)
    radius = np.hypot(points[:, 0], points[:, 1])
    angle = np.arctan2(points[:, 1], points[:, 0])
    expected = 2 * np.pi * (1.0 * radius + labels / 2)
    assert np.allclose(np.cos(angle), np.cos(expected), atol=1e-4)
    assert np.allclose(np.sin(angle), np.sin(expected), atol=1e-4)
    assert np.isclose(radius.max(), 1.0, atol=1e-6) and np.isclose(radius.min(), 0.05, atol=1e-6)


def test_the_two_arm_spiral_is_not_linearly_separable():
    """Least squares on the raw coordinates (the best a straight line can do, roughly) stays near chance."""
    points, labels = spirals.make_spiral(n_per_class=300)
    design = np.hstack([points, np.ones((len(points), 1))])
    weights, *_ = np.linalg.lstsq(design, labels * 2.0 - 1.0, rcond=None)
    accuracy = np.mean((design @ weights > 0) == (labels == 1))
    assert accuracy < 0.7


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_per_class": 0}, "n_per_class"),
        ({"classes": 1}, "classes"),
        ({"classes": 11}, "classes"),
        ({"turns": 0}, "turns"),
        ({"noise": -0.1}, "noise"),
    ],
)
def test_make_spiral_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        spirals.make_spiral(**kwargs)


def test_decision_grid_accepts_every_output_form():
    points = np.array([[-1.0, -1.0], [1.0, 1.0]])

    def labels_out(grid):
        return (grid[:, 0] > 0).astype(int)

    def probability_out(grid):
        return (grid[:, 0] > 0).astype(float)[:, None] * 0.8 + 0.1

    def scores_out(grid):
        return np.stack([-grid[:, 0], grid[:, 0]], axis=1)

    for model in (labels_out, probability_out, scores_out):
        xx, yy, classes = spirals.decision_grid(model, points, resolution=11, margin=0.0)
        assert xx.shape == yy.shape == classes.shape == (11, 11)
        assert xx.min() == -1.0 and yy.max() == 1.0
        assert np.array_equal(classes, (xx > 0).astype(np.int64)), model.__name__


def test_decision_grid_rejects_bad_input():
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        spirals.decision_grid(lambda g: g[:, 0] > 0, np.zeros((5, 3)))
    with pytest.raises(ValueError, match="resolution"):
        spirals.decision_grid(lambda g: g[:, 0] > 0, np.zeros((5, 2)), resolution=1)
    with pytest.raises(ValueError, match="returned shape"):
        spirals.decision_grid(lambda g: np.zeros(3), np.zeros((5, 2)), resolution=4)
    with pytest.raises(ValueError, match="Keras model or a function"):
        spirals.decision_grid("not a model", np.zeros((5, 2)))


def test_plot_decision_boundary_reports_the_accuracy_and_draws_every_class():
    points, labels = spirals.make_spiral(n_per_class=100, seed=2)
    fig = spirals.plot_decision_boundary(
        lambda g: (g[:, 0] > 0).astype(int), points, labels, title="a vertical line", resolution=50
    )
    ax = fig.axes[0]
    expected = np.mean((points[:, 0] > 0).astype(int) == labels)
    assert ax.get_title() == f"a vertical line: accuracy {expected:.0%}"
    assert len(ax.collections) >= 2 + 2  # filled regions, boundary, and one scatter per class
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["class 0", "class 1"]


def test_plot_decision_boundary_draws_into_given_axes():
    points, labels = spirals.make_spiral(n_per_class=20)
    fig, (left, right) = plt.subplots(1, 2)
    returned = spirals.plot_decision_boundary(lambda g: np.zeros(len(g), int), points, labels, ax=right, resolution=10)
    assert returned is fig
    assert right.get_title() == "accuracy 50%" and not left.collections


def test_plot_decision_boundary_with_a_keras_model():
    keras = pytest.importorskip("keras")
    points, labels = spirals.make_spiral(n_per_class=20)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2), keras.layers.Softmax()])
    xx, yy, classes = spirals.decision_grid(model, points, resolution=20)
    assert classes.shape == (20, 20) and set(np.unique(classes)) <= {0, 1}
    spirals.plot_decision_boundary(model, points, labels, resolution=20)


def test_plot_decision_boundary_rejects_bad_labels():
    points, labels = spirals.make_spiral(n_per_class=10)
    with pytest.raises(ValueError, match="labels should have shape"):
        spirals.plot_decision_boundary(lambda g: g[:, 0] > 0, points, labels[:5])
    with pytest.raises(ValueError, match="integers from 0 to 9"):
        spirals.plot_decision_boundary(lambda g: g[:, 0] > 0, points, labels + 0.5)
