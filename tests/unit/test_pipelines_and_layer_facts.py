"""Helpers that need TensorFlow: the chapter-1 pipeline and model descriptions."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from course_utils.layer_facts import describe_layers  # noqa: E402
from course_utils.pipelines import describe_pipeline, make_dataset, scale_images  # noqa: E402


def _numbered(n=40):
    return np.repeat(np.arange(n, dtype=np.uint8), 28 * 28).reshape(n, 28, 28), np.arange(n)


def test_scale_images_gives_float32_in_unit_range():
    images, labels = scale_images(np.array([[0, 51, 255]], np.uint8), np.array([7]))
    assert images.dtype == tf.float32
    assert np.allclose(images.numpy(), [[0.0, 0.2, 1.0]])
    assert np.asarray(labels).tolist() == [7]


def test_make_dataset_shuffles_examples_before_batching():
    images, labels = _numbered()
    dataset = make_dataset(images, labels, batch_size=8, training=True, seed=3)
    epochs = [[b.numpy().tolist() for _, b in dataset] for _ in range(2)]
    assert sorted(sum(epochs[0], [])) == list(range(40))
    assert epochs[0] != epochs[1], "a new order every epoch"
    assert any(batch != list(range(batch[0], batch[0] + len(batch))) for batch in epochs[0])
    assert describe_pipeline(dataset) == ["TensorSlice", "ParallelMap", "Cache", "Shuffle", "Batch", "Prefetch"]


def test_make_dataset_keeps_order_for_evaluation():
    images, labels = _numbered(20)
    dataset = make_dataset(images, labels, batch_size=8)
    batches = [(x.numpy(), y.numpy().tolist()) for x, y in dataset]
    assert [y for _, y in batches] == [list(range(8)), list(range(8, 16)), list(range(16, 20))]
    assert batches[0][0].dtype == np.float32 and np.isclose(batches[0][0][1].max(), 1 / 255)
    assert "Shuffle" not in describe_pipeline(dataset)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"labels": np.arange(3)}, "differ in length"),
        ({"images": np.zeros((0, 28, 28), np.uint8), "labels": np.zeros(0)}, "zero images"),
        ({"batch_size": 0}, "at least 1"),
    ],
)
def test_make_dataset_rejects_bad_input(kwargs, message):
    images, labels = _numbered(4)
    arguments = {"images": images, "labels": labels, **kwargs}
    with pytest.raises(ValueError, match=message):
        make_dataset(**arguments)


def test_describe_pipeline_rejects_other_objects():
    with pytest.raises(ValueError, match="tf.data.Dataset"):
        describe_pipeline([1, 2, 3])


def test_describe_layers_of_the_linear_model():
    model = keras.Sequential(
        [keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10), keras.layers.Softmax()]
    )
    rows = describe_layers(model)
    assert [r["type"] for r in rows] == ["Flatten", "Dense", "Softmax"]
    assert rows[0]["output_shape"] == (None, 784)
    assert rows[1]["params"] == 7850 and rows[1]["trainable_params"] == 7850
    frozen = keras.layers.Dense(3)
    model2 = keras.Sequential([keras.Input((4,)), frozen])
    frozen.trainable = False
    assert describe_layers(model2)[0]["trainable_params"] == 0


def test_describe_layers_rejects_an_unbuilt_model():
    with pytest.raises(ValueError, match="not built"):
        describe_layers(keras.Sequential([keras.layers.Dense(2)]))
