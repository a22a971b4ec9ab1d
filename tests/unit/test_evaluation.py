import numpy as np
import pytest

from course_utils.evaluation import confusion_matrix, misclassified


def test_confusion_matrix_counts_pairs():
    matrix = confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], num_classes=3)
    assert matrix.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    assert matrix.sum() == 4


def test_confusion_matrix_takes_probabilities():
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    assert confusion_matrix([0, 1, 1], probabilities, num_classes=2).tolist() == [[1, 0], [1, 1]]


@pytest.mark.parametrize(
    "y_true, y_pred, message",
    [
        ([0, 1], [0], "differ in length"),
        ([0, 5], [0, 1], "outside 0..2"),
        (np.zeros((2, 2, 2)), [0, 1], "shape"),
    ],
)
def test_confusion_matrix_rejects_bad_input(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(y_true, y_pred, num_classes=3)


def test_misclassified_returns_wrong_indices():
    assert misclassified([1, 2, 3, 4], [1, 0, 3, 0]).tolist() == [1, 3]
    assert misclassified([0, 0], np.array([[0.2, 0.8], [0.9, 0.1]])).tolist() == [0]


def test_misclassified_rejects_different_lengths():
    with pytest.raises(ValueError, match="differ in length"):
        misclassified([1, 2], [1])
