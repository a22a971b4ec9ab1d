"""The tf.data input pipeline taught in chapter 1, for the chapters after it."""

from __future__ import annotations

from typing import Any, TypeAlias

from numpy.typing import NDArray

# A tf.data.Dataset and a tf.Tensor: TensorFlow ships no type information, so to a type checker they are Any.
Dataset: TypeAlias = Any
Tensor: TypeAlias = Any

DEFAULT_SHUFFLE_BUFFER = 10_000


def scale_images(images: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
    """Map function: cast ``uint8`` pixels to ``float32`` in [0, 1] and pass the labels through."""
    import tensorflow as tf

    return tf.cast(images, tf.float32) / 255.0, labels


def make_dataset(
    images: NDArray[Any],
    labels: NDArray[Any],
    batch_size: int = 128,
    training: bool = False,
    shuffle_buffer: int = DEFAULT_SHUFFLE_BUFFER,
    seed: int | None = None,
) -> Dataset:
    """Build the course's input pipeline over in-memory images and integer labels.

    ``from_tensor_slices -> map(scale) -> cache -> [shuffle] -> batch -> prefetch``. Shuffling
    happens on single examples *before* batching, so each epoch sees new batches (shuffling after
    batching, as the original lab did, only reorders the same fixed batches). The cache holds the
    scaled images after the first epoch; prefetch overlaps input work with training.

    Args:
        images: array of shape ``(n, height, width)`` or ``(n, height, width, channels)``.
        labels: array of shape ``(n,)`` (sparse integer labels).
        batch_size: examples per batch, at least 1.
        training: shuffle (every epoch anew) when ``True``; keep the order for evaluation.
        shuffle_buffer: how many examples the shuffle draws from.
        seed: makes the shuffle order reproducible.

    Returns:
        a ``tf.data.Dataset`` of ``(float32 images in [0, 1], labels)`` batches.

    Raises:
        ValueError: on mismatched lengths, an empty input or a batch size below 1.
    """
    import tensorflow as tf

    if len(images) != len(labels):
        raise ValueError(f"images and labels differ in length: {len(images)} vs {len(labels)}.")
    if len(images) == 0:
        raise ValueError("cannot build a pipeline over zero images.")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
    dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    dataset = dataset.map(scale_images, num_parallel_calls=tf.data.AUTOTUNE).cache()
    if training:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(int(batch_size)).prefetch(tf.data.AUTOTUNE)


def describe_pipeline(dataset: Dataset) -> list[str]:
    """Name the transformations of a ``tf.data`` pipeline, from its source to its last stage.

    For example ``["TensorSlice", "ParallelMap", "Cache", "Shuffle", "Batch", "Prefetch"]``. Useful to
    check a pipeline's structure without running it, in the course's own unit tests. It walks ``tf.data``'s
    private ``_input_dataset`` chain and class names, which a TensorFlow release may change, so graded tests
    do not use it: they check what a pipeline does (order, shapes, ``element_spec``, values).

    Raises:
        ValueError: ``dataset`` is not a ``tf.data.Dataset``.
    """
    import tensorflow as tf

    if not isinstance(dataset, tf.data.Dataset):
        raise ValueError(f"expected a tf.data.Dataset, got {type(dataset).__name__}.")
    stages = []
    while dataset is not None:
        name = type(dataset).__name__.lstrip("_")
        name = name[: -len("Dataset")] if name.endswith("Dataset") else name
        if name != "Options":  # tf.data inserts these for settings; they transform nothing
            stages.append(name)
        dataset = getattr(dataset, "_input_dataset", None)  # unary stages keep their input here
    return stages[::-1]
