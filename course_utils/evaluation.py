"""Small NumPy helpers for judging a classifier's predictions."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _labels(values: ArrayLike, name: str) -> NDArray[Any]:
    """``values`` as labels ``(n,)``: as they are, or the argmax of each row of ``(n, classes)`` scores."""
    labels = np.asarray(values)
    if labels.ndim == 2:  # probabilities or one-hot rows
        labels = labels.argmax(axis=1)
    if labels.ndim != 1:
        raise ValueError(
            f"{name} should be labels of shape (n,) or scores of shape (n, classes), got shape {labels.shape}."
        )
    return labels


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, num_classes: int = 10) -> NDArray[np.int64]:
    """Count how often each true class (rows) was predicted as each class (columns).

    Args:
        y_true: integer labels ``(n,)`` or one-hot rows ``(n, classes)``.
        y_pred: integer labels ``(n,)`` or scores/probabilities ``(n, classes)`` (argmax is taken).
        num_classes: size of the square matrix.

    Returns:
        an ``int64`` array of shape ``(num_classes, num_classes)``.

    Raises:
        ValueError: on different lengths or labels outside ``0..num_classes-1``.
    """
    y_true, y_pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true and y_pred differ in length: {len(y_true)} vs {len(y_pred)}.")
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if len(values) and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f"{name} holds labels outside 0..{num_classes - 1}.")
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_true.astype(int), y_pred.astype(int)), 1)
    return matrix


def misclassified(y_true: ArrayLike, y_pred: ArrayLike) -> NDArray[np.intp]:
    """Return the indices (ascending) where the predicted class differs from the true one.

    Accepts labels ``(n,)`` or score rows ``(n, classes)`` for either argument.
    """
    y_true, y_pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true and y_pred differ in length: {len(y_true)} vs {len(y_pred)}.")
    return np.flatnonzero(y_true != y_pred)
