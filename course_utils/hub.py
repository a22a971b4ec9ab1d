"""TensorFlow Hub image feature vectors in Keras 3, and the course's own offline feature extractor.

``tensorflow_hub.KerasLayer`` is a layer of the Keras 2 package ``tf_keras``; a Keras 3 model refuses it
("Only instances of keras.Layer can be added to a Sequential model"). ``keras.layers.TFSMLayer`` loads
a SavedModel as a Keras 3 layer, but fine-tuning it fails because SavedModel variable names contain
":" ("'w:0_momentum' is not a valid scope name"). ``hub_layer`` returns a ``HubFeatureVector``: a
``TFSMLayer`` that

* resolves its handle with ``tensorflow_hub.resolve`` (a tfhub.dev or Kaggle handle is downloaded and
  cached in ``TFHUB_CACHE_DIR``; a local SavedModel folder is used as it is), and
* renames the variables it wraps without ":", so that the model trains with the module frozen
  (``trainable=False``) or fine-tunes it (``trainable=True``); the variables are the SavedModel's own.

It overrides ``TFSMLayer._add_existing_weight`` and calls ``Layer._track_variable`` (private Keras API,
checked with Keras 3.15; ``tests/unit/test_hub.py`` pins both, so that a Keras upgrade that renames them
fails there, with a message, before it fails in a learner's notebook). Everything else is public API.

Offline, ``course_feature_extractor`` trains and exports a small feature extractor with the interface
of a TF Hub image feature-vector module: a SavedModel whose ``__call__`` takes float32 images
``(batch, height, width, 3)`` with values in [0, 1] and returns ``(batch, features)``.
"""

from __future__ import annotations

import functools
import shutil
import warnings
from pathlib import Path

import numpy as np

from course_utils import config
from course_utils.datasets import FASHION_MNIST_CLASS_NAMES
from course_utils.offline_jpegs import OFFLINE_CLASSES

MOBILENET_V2_HANDLE = "https://tfhub.dev/google/tf2-preview/mobilenet_v2/feature_vector/4"
# Fashion-MNIST classes the offline extractor learns from: the five that are not the offline data set of
# course_utils.offline_jpegs (OFFLINE_CLASSES), so that source and target share no class.
SOURCE_CLASSES = {label: name for label, name in enumerate(FASHION_MNIST_CLASS_NAMES) if label not in OFFLINE_CLASSES}


def resolve_handle(handle):
    """Turn a module handle into a local SavedModel folder.

    Args:
        handle: a local SavedModel folder, or a URL handle (``https://tfhub.dev/...``,
            ``https://www.kaggle.com/models/...``) that ``tensorflow_hub.resolve`` downloads and caches.

    Returns:
        the folder as a ``str``.

    Raises:
        FileNotFoundError: a local path that is not a SavedModel folder.
        ConnectionError: the download failed (the message names the offline alternative).
        ValueError: ``handle`` is empty or not a string or path.
    """
    if not isinstance(handle, (str, Path)) or not str(handle).strip():
        raise ValueError(f"a module handle should be a URL or a SavedModel folder, got {handle!r}.")
    handle = str(handle)
    if "://" not in handle:
        path = Path(handle).expanduser()
        if not (path / "saved_model.pb").is_file():
            raise FileNotFoundError(f"{path} is not a SavedModel folder (it has no saved_model.pb).")
        return str(path)
    import tensorflow_hub

    try:
        return tensorflow_hub.resolve(handle)
    except Exception as error:  # the resolvers raise several kinds of network errors
        raise ConnectionError(
            f"Could not download the TF Hub module {handle}: {error}\n"
            f"Without a network, set {config.DATA_DIR_ENV} to the course's staged data folder: chapter 4 then "
            f"uses the course's own feature extractor (course_utils.hub.course_feature_extractor), or copy a "
            f"module downloaded elsewhere into TFHUB_CACHE_DIR."
        ) from error


@functools.lru_cache(maxsize=None)
def _layer_class():
    import keras

    class HubFeatureVector(keras.layers.TFSMLayer):
        """A TF Hub module (or any SavedModel with a one-tensor ``__call__``) as a Keras 3 layer."""

        def __init__(self, handle, trainable=False, call_endpoint="__call__", name=None, **kwargs):
            super().__init__(resolve_handle(handle), call_endpoint=call_endpoint, trainable=trainable,
                             name=name, **kwargs)
            self.handle = str(handle)

        def _add_existing_weight(self, weight):
            # TFSMLayer replaces "/" only; optimizers build scope names from variable names, and the
            # ":0" that SavedModel names carry is not allowed there.
            variable = keras.Variable(
                initializer=weight, trainable=weight.trainable, dtype=weight.dtype, shape=weight.shape,
                name=weight.name.replace("/", "_").replace(":", "_"),
            )
            self._track_variable(variable)

        def get_config(self):
            config_ = super().get_config()
            config_.pop("filepath", None)
            config_.pop("call_training_endpoint", None)
            return {**config_, "handle": self.handle}

    return HubFeatureVector


def hub_layer(handle, trainable=False, name="feature_vector"):
    """Load an image feature-vector module as a Keras 3 layer.

    Args:
        handle: TF Hub handle or local SavedModel folder (see ``resolve_handle``).
        trainable: ``False`` freezes the module (feature extraction); ``True`` lets ``fit`` change its
            weights (fine-tuning). You can also flip ``layer.trainable`` later and compile again.
        name: the layer's name.

    Returns:
        a ``HubFeatureVector`` layer (a subclass of ``keras.layers.TFSMLayer``).

    Raises:
        see ``resolve_handle``.
    """
    return _layer_class()(handle, trainable=trainable, name=name)


def __getattr__(name):
    if name == "HubFeatureVector":
        return _layer_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- the course's own feature extractor for offline use ---

def _to_rgb(images, image_size):
    import tensorflow as tf

    images = tf.convert_to_tensor(np.asarray(images)[..., None], tf.float32) / 255.0
    return tf.image.grayscale_to_rgb(tf.image.resize(images, (image_size, image_size)))


def export_feature_extractor(backbone, destination, image_size):
    """Save a Keras model (images in [0, 1] -> features) as a SavedModel with the interface of a TF Hub
    image feature-vector module: ``__call__`` on float32 ``(batch, image_size, image_size, 3)``.

    Returns:
        ``destination`` as a ``Path``.
    """
    import tensorflow as tf

    class FeatureVector(tf.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        @tf.function(input_signature=[tf.TensorSpec([None, image_size, image_size, 3], tf.float32)])
        def __call__(self, images):
            return self.model(images, training=False)

    module = FeatureVector(backbone)
    logger, level = tf.get_logger(), tf.get_logger().level
    logger.setLevel("ERROR")  # no "Assets written to" message
    try:
        tf.saved_model.save(module, str(destination))
    finally:
        logger.setLevel(level)
    return Path(destination)


def course_feature_extractor(cache_dir=None, image_size=32, features=64, max_images=6_000, epochs=3, seed=0):
    """Train (once) and export the course's offline stand-in for a TF Hub image feature-vector module.

    A small convolutional network learns to tell apart the five Fashion-MNIST classes in
    ``SOURCE_CLASSES`` (T-shirt/top, trouser, coat, sandal, bag) from the first ``max_images`` training
    images of those classes (the full staged set is read, also in quick mode, so that quick and full runs
    share one module). Its classifier head is cut off; what remains maps an image to ``features`` numbers,
    standardised with the mean and standard deviation measured on its training images (so that a new
    head trains well with Adam's default learning rate), and is saved as a SavedModel with a hub module's
    interface (``export_feature_extractor``). It trains with random flips, shifts, brightness and contrast
    changes like chapter 4's augmentation, so that its features do not depend on them. It never sees the other five classes, which are chapter 4's
    offline data set.

    The SavedModel is cached in ``<cache_dir>/fashion-mnist-features-<n>px-<images>/`` (``n`` the image
    size, ``images`` the number of training images), so later calls return at once.

    Args:
        cache_dir: ``None`` means ``~/.keras/course_utils``.
        image_size: side of the square input images.
        features: length of the feature vector.
        max_images: how many source-class training images to learn from at most.
        epochs: training epochs (batches of 64).
        seed: random seed for the weights and the shuffling.

    Returns:
        the SavedModel folder as a ``str`` (a handle for ``hub_layer``).

    Raises:
        ValueError: ``image_size`` below 16, ``features`` or ``max_images`` below 1.
    """
    if int(image_size) < 16 or int(features) < 1 or int(max_images) < 1:
        raise ValueError(f"need image_size >= 16, features >= 1 and max_images >= 1, "
                         f"got {image_size}, {features} and {max_images}.")
    from course_utils.datasets import load_fashion_mnist

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(quick=False)
    keep = np.flatnonzero(np.isin(y_train, list(SOURCE_CLASSES)))[: int(max_images)]
    keep_test = np.isin(y_test, list(SOURCE_CLASSES))
    cache_dir = Path(cache_dir) if cache_dir else config.CACHE_DIR
    folder = cache_dir / f"fashion-mnist-features-{image_size}px-{len(keep)}"
    about = f"{len(keep):,} Fashion-MNIST training images of {', '.join(SOURCE_CLASSES.values())}"
    if (folder / "saved_model.pb").is_file():
        print(f"feature extractor: the course's own module, trained on {about}, cached in {folder}")
        return str(folder)

    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    remap = np.zeros(10, dtype=np.int64)
    remap[list(SOURCE_CLASSES)] = np.arange(len(SOURCE_CLASSES))
    x, y = _to_rgb(x_train[keep], image_size), remap[y_train[keep]]
    xt, yt = _to_rgb(x_test[keep_test], image_size), remap[y_test[keep_test]]
    convolutions = keras.Sequential([
        keras.Input((image_size, image_size, 3)),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(features, activation="relu"),
    ], name="convolutions")
    # the augmentations of chapter 4 (active in training only), so that the features ignore them
    augment = keras.Sequential([
        keras.layers.RandomFlip("horizontal", seed=seed),
        keras.layers.RandomTranslation(0.1, 0.1, seed=seed),
        keras.layers.RandomBrightness(0.25, value_range=(0, 1), seed=seed),
        keras.layers.RandomContrast(0.8, value_range=(0, 1), seed=seed),
    ], name="augment")
    classifier = keras.Sequential([keras.Input((image_size, image_size, 3)), augment, convolutions,
                                   keras.layers.Dense(len(SOURCE_CLASSES))])
    classifier.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                       metrics=["accuracy"])
    train = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(y), seed=seed).batch(64).prefetch(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        classifier.fit(train, epochs=int(epochs), verbose=0)
    _, accuracy = classifier.evaluate(xt, yt, verbose=0, batch_size=256)
    measured = convolutions.predict(x, verbose=0, batch_size=256)
    normalize = keras.layers.Normalization(mean=measured.mean(axis=0), variance=measured.var(axis=0) + 1e-6)
    backbone = keras.Sequential([convolutions, normalize], name="course_feature_extractor")
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    export_feature_extractor(backbone, partial, image_size)
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    print(f"feature extractor: the course's own module, trained now on {about} ({epochs} epochs, "
          f"{accuracy:.1%} test accuracy on those classes), saved in {folder}")
    return str(folder)


def feature_vector_handle(data, cache_dir=None):
    """The feature-vector module that fits a data set from ``course_utils.image_folders.load_image_csvs``.

    Returns:
        ``MOBILENET_V2_HANDLE`` for the flowers; for the offline Fashion-MNIST JPEG set, the folder of
        ``course_feature_extractor(image_size=data.image_size)``.

    Raises:
        ValueError: an unknown data set name.
    """
    if data.name == "flowers":
        print(f"feature extractor: MobileNetV2 trained on ImageNet, {MOBILENET_V2_HANDLE}")
        return MOBILENET_V2_HANDLE
    if data.name == "fashion-mnist-jpeg":
        return course_feature_extractor(cache_dir=cache_dir, image_size=data.image_size)
    raise ValueError(f"no feature extractor known for the data set {data.name!r}.")
