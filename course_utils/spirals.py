"""A 2-D toy problem for chapter 2: interleaved spirals, and a plot of a classifier's decision regions.

The spirals are the "swirl" data set of the TensorFlow Playground: two (or more) arms that wind around
the origin, so that no straight line separates the classes. They are synthetic on purpose: a problem
with two input features can be drawn completely, which no image data set can.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

# A Keras model (Keras ships no type information, so to a type checker it is Any) or a function of a float32
# array of shape (n, 2); see decision_grid for what it may return.
Classifier: TypeAlias = Any | Callable[[NDArray[np.float32]], ArrayLike]

CLASS_COLORS = (
    "tab:blue",
    "tab:orange",
    "tab:green",
    "tab:red",
    "tab:purple",
    "tab:brown",
    "tab:pink",
    "tab:gray",
    "tab:olive",
    "tab:cyan",
)


def make_spiral(
    n_per_class: int = 300, classes: int = 2, turns: float = 1.25, noise: float = 0.04, seed: int | None = 0
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """Sample points on interleaved spiral arms, one arm per class.

    Arm ``k`` runs from the origin outwards to radius 1 while its angle grows by ``turns`` full turns;
    the arms are rotated by ``2 * pi * k / classes`` against each other. Gaussian noise with standard
    deviation ``noise`` is added to both coordinates.

    Args:
        n_per_class: points per arm, at least 1.
        classes: number of arms (classes), 2 to 10.
        turns: how many full turns each arm makes, above 0.
        noise: standard deviation of the noise, 0 or more.
        seed: seed of the random generator (the same seed gives the same points).

    Returns:
        ``(points, labels)``: ``float32`` array of shape ``(n_per_class * classes, 2)`` with coordinates
        roughly in [-1, 1], and ``int64`` labels of shape ``(n_per_class * classes,)`` with values
        ``0 .. classes - 1``. The examples are shuffled (deterministically, by ``seed``).

    Raises:
        ValueError: on an argument outside the ranges above.
    """
    if int(n_per_class) != n_per_class or n_per_class < 1:
        raise ValueError(f"n_per_class must be a whole number of at least 1, got {n_per_class!r}.")
    if int(classes) != classes or not 2 <= classes <= len(CLASS_COLORS):
        raise ValueError(f"classes must be a whole number from 2 to {len(CLASS_COLORS)}, got {classes!r}.")
    if not turns > 0:
        raise ValueError(f"turns must be above 0, got {turns!r}.")
    if not noise >= 0:
        raise ValueError(f"noise must be 0 or more, got {noise!r}.")
    n_per_class, classes = int(n_per_class), int(classes)
    rng = np.random.default_rng(seed)
    radius = np.tile(np.linspace(0.05, 1.0, n_per_class), classes)
    labels = np.repeat(np.arange(classes), n_per_class)
    angle = 2 * math.pi * (turns * radius + labels / classes)
    points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    points += rng.normal(scale=noise, size=points.shape)
    order = rng.permutation(len(labels))
    return points[order].astype(np.float32), labels[order].astype(np.int64)


def _predicted_classes(output: ArrayLike, count: int) -> NDArray[np.int64]:
    """The class of each of ``count`` points from a model's ``output`` (see ``decision_grid`` for its forms)."""
    output = np.asarray(output)
    if output.ndim == 2 and output.shape[1] == 1:
        output = output[:, 0]
    if output.shape[:1] != (count,) or output.ndim > 2:
        raise ValueError(
            f"the model returned shape {output.shape} for {count} points; expected ({count},) "
            f"class numbers or probabilities, or ({count}, classes) scores."
        )
    if output.ndim == 2:
        return np.asarray(output.argmax(axis=1), dtype=np.int64)
    if np.issubdtype(output.dtype, np.integer) or np.issubdtype(output.dtype, np.bool_):
        return output.astype(np.int64)
    return (output > 0.5).astype(np.int64)  # one probability per point: that of class 1


def _predict(model: Classifier, grid: NDArray[np.float32]) -> NDArray[Any]:
    """``model``'s output for the points ``grid``: ``predict`` of a Keras model, or the function's value."""
    if hasattr(model, "predict") and hasattr(model, "layers"):  # a Keras model
        return np.asarray(model.predict(grid, batch_size=4096, verbose=0))
    if callable(model):
        return np.asarray(model(grid))
    raise ValueError(f"model must be a Keras model or a function of an (n, 2) array, got {type(model).__name__}.")


def decision_grid(
    model: Classifier, points: ArrayLike, resolution: int = 200, margin: float = 0.15
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Ask a classifier for its class at every point of a grid that covers ``points``.

    Args:
        model: a Keras model (its ``predict`` is used) or any function that takes a ``float32`` array of
            shape ``(n, 2)`` and returns either class numbers ``(n,)``, one probability of class 1 per
            point ``(n,)`` or ``(n, 1)`` (above 0.5 means class 1), or scores ``(n, classes)`` (argmax).
        points: ``(n, 2)`` array whose extent, plus ``margin`` on every side, the grid covers.
        resolution: grid points along each axis, at least 2.
        margin: extra room around the points, in the points' units, 0 or more.

    Returns:
        ``(xx, yy, classes)``: three arrays of shape ``(resolution, resolution)``, the grid's x and y
        coordinates and the predicted class (``int64``) at each.

    Raises:
        ValueError: ``points`` is not ``(n, 2)`` with n >= 1, a bad ``resolution`` or ``margin``, or the
            model's output has a shape that matches none of the forms above.
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(f"points should have shape (n, 2) with n >= 1, got {points.shape}.")
    if int(resolution) != resolution or resolution < 2:
        raise ValueError(f"resolution must be a whole number of at least 2, got {resolution!r}.")
    if not margin >= 0:
        raise ValueError(f"margin must be 0 or more, got {margin!r}.")
    resolution = int(resolution)
    low, high = points.min(axis=0) - margin, points.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    grid = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)
    classes = _predicted_classes(_predict(model, grid), len(grid))
    return xx, yy, classes.reshape(xx.shape)


def plot_decision_boundary(
    model: Classifier,
    points: ArrayLike,
    labels: ArrayLike,
    ax: Axes | None = None,
    title: str | None = None,
    resolution: int = 200,
) -> Figure | SubFigure:
    """Colour the plane by a classifier's predicted class and draw the labelled points on top.

    Args:
        model: as in ``decision_grid`` (a Keras model or a predict function).
        points: ``(n, 2)`` coordinates.
        labels: ``(n,)`` integer classes, 0 to 9.
        ax: the matplotlib axes to draw into; ``None`` makes a new figure.
        title: the axes' title; the accuracy on ``points`` is appended to it.
        resolution: grid points along each axis.

    Returns:
        the ``matplotlib.figure.Figure`` that holds the plot (a ``SubFigure`` if ``ax`` is in one).

    Raises:
        ValueError: labels of the wrong length or outside 0-9, and the errors of ``decision_grid``.
    """
    points = np.asarray(points)
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != len(points):
        raise ValueError(f"labels should have shape ({len(points)},), got {labels.shape}.")
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= len(CLASS_COLORS):
        raise ValueError(f"labels should be integers from 0 to {len(CLASS_COLORS) - 1}.")
    xx, yy, classes = decision_grid(model, points, resolution=resolution)
    predicted = _predicted_classes(_predict(model, points.astype(np.float32)), len(points))
    accuracy = float(np.mean(predicted == labels))
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    count = int(max(classes.max(), labels.max())) + 1
    colors = list(CLASS_COLORS[:count])
    from matplotlib.colors import ListedColormap

    ax.contourf(xx, yy, classes, levels=np.arange(count + 1) - 0.5, cmap=ListedColormap(colors), alpha=0.25)
    ax.contour(xx, yy, classes, levels=np.arange(count) + 0.5, colors="black", linewidths=1)
    for label in np.unique(labels):
        chosen = labels == label
        ax.scatter(
            points[chosen, 0],
            points[chosen, 1],
            s=12,
            color=CLASS_COLORS[int(label)],
            edgecolors="black",
            linewidths=0.3,
            label=f"class {int(label)}",
        )
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(f"{title + ': ' if title else ''}accuracy {accuracy:.0%}")
    ax.legend(loc="upper right", fontsize=8)
    return ax.figure
