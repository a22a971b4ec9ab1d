"""Chapter 4's offline stand-in for a TF Hub image feature-vector module, trained and exported at staging time.

``stage_feature_extractor`` trains a small convolutional network on the five Fashion-MNIST classes that are
*not* chapter 4's offline data set (``standins`` passes its ``SOURCE_CLASSES``), cuts off its classifier head
and saves the rest with a hub module's interface: a SavedModel whose ``__call__`` takes float32 images
``(batch, height, width, 3)`` with values in [0, 1] and returns ``(batch, features)``.
``course_utils.hub.feature_vector_handle`` hands its folder to ``hub_layer``, as it would a tfhub.dev handle.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from course_tools.staging.folders import finish, finished_note


def _to_rgb(images: npt.ArrayLike, image_size: int) -> Any:
    """Grayscale uint8 images ``(n, h, w)`` as float32 RGB tensors ``(n, image_size, image_size, 3)`` in [0, 1]."""
    import tensorflow as tf

    images = tf.convert_to_tensor(np.asarray(images)[..., None], tf.float32) / 255.0
    return tf.image.grayscale_to_rgb(tf.image.resize(images, (image_size, image_size)))


def export_feature_extractor(backbone: Any, destination: str | Path, image_size: int) -> Path:
    """Save a Keras model (images in [0, 1] -> features) as a SavedModel with the interface of a TF Hub
    image feature-vector module: ``__call__`` on float32 ``(batch, image_size, image_size, 3)``.

    Returns:
        ``destination`` as a ``Path``.
    """
    import tensorflow as tf

    class FeatureVector(tf.Module):  # type: ignore[misc]  # TensorFlow ships no type information
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        @tf.function(input_signature=[tf.TensorSpec([None, image_size, image_size, 3], tf.float32)])  # type: ignore[untyped-decorator]
        def __call__(self, images: Any) -> Any:
            return self.model(images, training=False)

    module = FeatureVector(backbone)
    logger, level = tf.get_logger(), tf.get_logger().level
    logger.setLevel("ERROR")  # no "Assets written to" message
    try:
        tf.saved_model.save(module, str(destination))
    finally:
        logger.setLevel(level)
    return Path(destination)


def _networks(image_size: int, features: int, seed: int, num_classes: int) -> tuple[Any, Any]:
    """The feature extractor's convolutions and the classifier that trains them (with chapter 4's augmentations)."""
    import keras

    convolutions = keras.Sequential(
        [
            keras.Input((image_size, image_size, 3)),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(features, activation="relu"),
        ],
        name="convolutions",
    )
    # the augmentations of chapter 4 (active in training only), so that the features ignore them
    augment = keras.Sequential(
        [
            keras.layers.RandomFlip("horizontal", seed=seed),
            keras.layers.RandomTranslation(0.1, 0.1, seed=seed),
            keras.layers.RandomBrightness(0.25, value_range=(0, 1), seed=seed),
            keras.layers.RandomContrast(0.8, value_range=(0, 1), seed=seed),
        ],
        name="augment",
    )
    classifier = keras.Sequential(
        [keras.Input((image_size, image_size, 3)), augment, convolutions, keras.layers.Dense(num_classes)]
    )
    classifier.compile(
        optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    return convolutions, classifier


def stage_feature_extractor(
    destination: str | Path,
    train: tuple[npt.NDArray[Any], npt.NDArray[Any]],
    test: tuple[npt.NDArray[Any], npt.NDArray[Any]],
    classes: Mapping[int, str],
    image_size: int = 32,
    features: int = 64,
    max_images: int = 6_000,
    epochs: int = 3,
    seed: int = 0,
) -> str:
    """Train and export the stand-in feature extractor into ``destination``, unless it is there already.

    The network learns ``classes`` (chapter 4 gives the five it does not use: T-shirt/top, trouser, coat,
    sandal, bag) from the first
    ``max_images`` training images of those classes, with random flips, shifts, brightness and contrast
    changes, so that its features do not depend on them. Its features are standardised with the mean and
    standard deviation measured on its training images, so that a new head trains well with Adam's default
    learning rate.

    Args:
        destination: the SavedModel folder to write (it appears complete or not at all).
        train, test: Fashion-MNIST's ``(images, labels)`` pairs (uint8 ``(n, 28, 28)``).
        classes: ``{label: name}`` of the classes to learn.
        image_size: side of the square input images (at least 16).
        features: length of the feature vector.
        max_images: how many source-class training images to learn from at most.
        epochs: training epochs (batches of 64).
        seed: random seed for the weights and the shuffling.

    Returns:
        the description, also written into ``destination/SOURCE.txt``.

    Raises:
        ValueError: ``image_size`` below 16, ``features`` or ``max_images`` below 1.
    """
    if int(image_size) < 16 or int(features) < 1 or int(max_images) < 1:
        raise ValueError(
            f"need image_size >= 16, features >= 1 and max_images >= 1, got {image_size}, {features} and {max_images}."
        )
    destination = Path(destination)
    if (finished := finished_note(destination)) is not None:
        return finished
    import keras
    import tensorflow as tf

    (x_train, y_train), (x_test, y_test) = train, test
    keep = np.flatnonzero(np.isin(y_train, list(classes)))[: int(max_images)]
    keep_test = np.isin(y_test, list(classes))
    keras.utils.set_random_seed(seed)
    remap = np.zeros(10, dtype=np.int64)
    remap[list(classes)] = np.arange(len(classes))
    x, y = _to_rgb(x_train[keep], image_size), remap[y_train[keep]]
    xt, yt = _to_rgb(x_test[keep_test], image_size), remap[y_test[keep_test]]
    convolutions, classifier = _networks(image_size, features, seed, len(classes))
    batches = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(y), seed=seed).batch(64).prefetch(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        classifier.fit(batches, epochs=int(epochs), verbose=0)
    _, accuracy = classifier.evaluate(xt, yt, verbose=0, batch_size=256)
    measured = convolutions.predict(x, verbose=0, batch_size=256)
    normalize = keras.layers.Normalization(mean=measured.mean(axis=0), variance=measured.var(axis=0) + 1e-6)
    backbone = keras.Sequential([convolutions, normalize], name="course_feature_extractor")
    partial = destination.with_name(f".{destination.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    export_feature_extractor(backbone, partial, image_size)
    description = (
        f"the course's own feature extractor ({features} features of {image_size}×{image_size} RGB "
        f"images), trained on {len(keep):,} Fashion-MNIST training images of "
        f"{', '.join(classes.values())} ({epochs} epochs, {accuracy:.1%} test accuracy on "
        f"those classes)"
    )
    return finish(partial, destination, description)
