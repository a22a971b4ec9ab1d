"""What the package offers and a chapter also teaches as an exercise is the same code: chapter 1's answers to
exercises 4 and 5 (``scale``, ``make_dataset``), read from the solution notebook by their nbgrader grade ids
and executed, give the same outputs as ``course_utils.pipelines.scale_images`` and ``make_dataset``, which
chapters 2 and 3 import, on the same inputs.
"""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from course_tools.notebooks import solution_namespace  # noqa: E402
from course_utils.pipelines import describe_pipeline, make_dataset, scale_images  # noqa: E402

CHAPTER = "01_linear_models"
CELLS = ["scale_solution", "pipeline_solution"]


@pytest.fixture(scope="module")
def chapter():
    """The chapter's own ``scale`` and ``make_dataset``, from the answer cells of its solution notebook."""
    return solution_namespace(CHAPTER, CELLS, {"np": np, "tf": tf})


def _numbered(n=50):
    """n images of 28x28 pixels, image i filled with the value 2i; label i."""
    return np.repeat(np.arange(0, 2 * n, 2, dtype=np.uint8), 28 * 28).reshape(n, 28, 28), np.arange(n)


def _epoch(dataset):
    return [(images.numpy(), labels.numpy()) for images, labels in dataset]


def test_scale_is_the_chapters_answer(chapter):
    images, labels = _numbered()
    ours, theirs = scale_images(images, labels), chapter["scale"](images, labels)
    assert ours[0].dtype == theirs[0].dtype == tf.float32
    np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())
    np.testing.assert_array_equal(np.asarray(ours[1]), np.asarray(theirs[1]))


def test_evaluation_pipeline_is_the_chapters_answer(chapter):
    images, labels = _numbered()
    ours, theirs = make_dataset(images, labels, batch_size=8), chapter["make_dataset"](images, labels, batch_size=8)
    assert describe_pipeline(ours) == describe_pipeline(theirs)
    assert ours.element_spec == theirs.element_spec
    for (our_images, our_labels), (their_images, their_labels) in zip(_epoch(ours), _epoch(theirs), strict=True):
        np.testing.assert_array_equal(our_images, their_images)
        np.testing.assert_array_equal(our_labels, their_labels)


def test_training_pipeline_is_the_chapters_answer_up_to_the_shuffle(chapter):
    """Same stages, same batch shapes, and each epoch holds the same (image, label) pairs; only the random order
    differs (the chapter's shuffle has no seed)."""
    images, labels = _numbered()
    ours = make_dataset(images, labels, batch_size=8, training=True, seed=0)
    theirs = chapter["make_dataset"](images, labels, batch_size=8, training=True)
    assert describe_pipeline(ours) == describe_pipeline(theirs)
    assert ours.element_spec == theirs.element_spec
    for _ in range(2):
        our_epoch, their_epoch = _epoch(ours), _epoch(theirs)
        assert [len(b[1]) for b in our_epoch] == [len(b[1]) for b in their_epoch]

        def pairs(epoch):
            return sorted(
                (int(label), float(image[0, 0]))
                for batch_images, batch_labels in epoch
                for image, label in zip(batch_images, batch_labels, strict=True)
            )

        assert pairs(our_epoch) == pairs(their_epoch)
