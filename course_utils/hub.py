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

Offline, ``feature_vector_handle`` returns the course's own feature extractor, which ``course-data stage``
trains and exports into ``$COURSE_DATA_DIR/fashion-mnist-features/`` with the interface of a TF Hub image
feature-vector module: a SavedModel whose ``__call__`` takes float32 images ``(batch, height, width, 3)``
with values in [0, 1] and returns ``(batch, features)``.
"""

from __future__ import annotations

import functools
from pathlib import Path

from course_utils import config
from course_utils.datasets import read_source_note

MOBILENET_V2_HANDLE = "https://tfhub.dev/google/tf2-preview/mobilenet_v2/feature_vector/4"
# The offline stand-in's folder in COURSE_DATA_DIR, written by `course-data stage` (course_tools.staging.extractor).
STANDIN_EXTRACTOR = "fashion-mnist-features"


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
            f"Without a network, set {config.DATA_DIR_ENV} to the course's staged data folder (`{config.STAGE_COMMAND} "
            f"DIR`): chapter 4 then uses the course's own feature extractor staged there, or copy a module "
            f"downloaded elsewhere into TFHUB_CACHE_DIR."
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


def feature_vector_handle(data):
    """The feature-vector module that fits a data set from ``course_utils.image_folders.load_image_csvs``.

    Returns:
        ``MOBILENET_V2_HANDLE`` for the flowers; for the offline Fashion-MNIST JPEG set, the folder of the
        course's own feature extractor staged in ``$COURSE_DATA_DIR/fashion-mnist-features/``.

    Raises:
        ValueError: an unknown data set name.
        FileNotFoundError: the offline set, but no staged feature extractor (the message names the command).
    """
    if data.name == "flowers":
        print(f"feature extractor: MobileNetV2 trained on ImageNet, {MOBILENET_V2_HANDLE}")
        return MOBILENET_V2_HANDLE
    if data.name != "fashion-mnist-jpeg":
        raise ValueError(f"no feature extractor known for the data set {data.name!r}.")
    data_dir = config.data_dir()
    folder = (data_dir or Path(".")) / STANDIN_EXTRACTOR
    if data_dir is None or not (folder / "saved_model.pb").is_file():
        raise FileNotFoundError(
            f"chapter 4's offline feature extractor is not staged in {folder}: stage it with "
            f"`{config.STAGE_COMMAND} {data_dir or 'DIR'}` and set {config.DATA_DIR_ENV} to that folder.")
    print(f"feature extractor: {read_source_note(folder)}, staged in {folder}")
    return str(folder)
