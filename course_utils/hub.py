"""TensorFlow Hub image feature vectors in Keras 3, and the course's own offline feature extractor.

``tensorflow_hub.KerasLayer`` is a layer of the Keras 2 package ``tf_keras``; a Keras 3 model refuses it
("Only instances of keras.Layer can be added to a Sequential model"). ``keras.layers.TFSMLayer`` loads
a SavedModel as a Keras 3 layer, but fine-tuning it fails because it names its weights after the SavedModel's
variables, whose names contain ":" ("'w:0_momentum' is not a valid scope name"), and it has no argument to name
them otherwise. ``hub_layer`` returns a ``HubFeatureVector`` instead: a ``keras.layers.Layer`` that

* resolves its handle with ``tensorflow_hub.resolve`` (a tfhub.dev or Kaggle handle is downloaded and
  cached in ``TFHUB_CACHE_DIR``; a local SavedModel folder is used as it is) and loads it with
  ``tf.saved_model.load``;
* owns the SavedModel's variables as its weights: each is wrapped, not copied, in a ``keras.Variable`` named
  without ":" and "/" and assigned to an attribute of the layer, which Keras tracks, so that the model trains
  with the module frozen (``trainable=False``) or fine-tunes it (``trainable=True``);
* calls the SavedModel's ``__call__``.

All of it is public API of Keras, TensorFlow and TensorFlow Hub (``tests/unit/test_hub.py`` checks that
fine-tuning changes the SavedModel's own variables, and why plain ``TFSMLayer`` is not enough).

Offline, ``feature_vector_handle`` returns the course's own feature extractor, which ``course-data stage``
trains and exports into ``$COURSE_DATA_DIR/fashion-mnist-features/`` with the interface of a TF Hub image
feature-vector module: a SavedModel whose ``__call__`` takes float32 images ``(batch, height, width, 3)``
with values in [0, 1] and returns ``(batch, features)``.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from course_utils import config
from course_utils.datasets import read_source_note
from course_utils.image_folders import FLOWERS, STANDIN_JPEGS
from course_utils.network import failed_download_raises

if TYPE_CHECKING:
    from course_utils.image_folders import ImageCSVs

# Keras and TensorFlow objects (a keras.layers.Layer, a tf.Variable, a tensor): the packages ship no type
# information, so to a type checker they are Any.
Layer: TypeAlias = Any
Tensor: TypeAlias = Any

MOBILENET_V2_HANDLE = "https://tfhub.dev/google/tf2-preview/mobilenet_v2/feature_vector/4"
# The offline stand-in's folder in COURSE_DATA_DIR, written by `course-data stage` (course_tools.staging.extractor).
STANDIN_EXTRACTOR = "fashion-mnist-features"


def resolve_handle(handle: str | os.PathLike[str]) -> str:
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
        Other errors of ``tensorflow_hub.resolve`` (a download that is no module, a full disk) as it raises them.
    """
    if not isinstance(handle, (str, os.PathLike)) or not str(handle).strip():
        raise ValueError(f"a module handle should be a URL or a SavedModel folder, got {handle!r}.")
    text = str(handle)
    if "://" not in text:
        path = Path(text).expanduser()
        if not (path / "saved_model.pb").is_file():
            raise FileNotFoundError(f"{path} is not a SavedModel folder (it has no saved_model.pb).")
        return str(path)
    import tensorflow_hub

    fix = (
        f"Without a network, set {config.DATA_DIR_ENV} to the course's staged data folder (`{config.STAGE_COMMAND} "
        f"DIR`): chapter 4 then uses the course's own feature extractor staged there, or copy a module "
        f"downloaded elsewhere into TFHUB_CACHE_DIR."
    )
    with failed_download_raises(f"the TF Hub module {text}", fix):
        return str(tensorflow_hub.resolve(text))


def saved_model_variables(saved_model: Any) -> list[Tensor]:
    """Every ``tf.Variable`` of a loaded SavedModel (what ``tf.saved_model.load`` returned), each once, in the
    order of its object graph (breadth first), found with the public ``tf.train.TrackableView``."""
    import tensorflow as tf

    return [node for node in tf.train.TrackableView(saved_model).descendants() if isinstance(node, tf.Variable)]


@functools.cache
def _layer_class() -> type[Any]:
    """The class ``HubFeatureVector``, defined on first use so that importing this module imports no Keras."""
    import keras
    import tensorflow as tf

    class HubFeatureVector(keras.layers.Layer):  # type: ignore[misc]  # Keras has no type information
        """A TF Hub module (or any SavedModel with a one-tensor ``__call__``) as a Keras 3 layer."""

        def __init__(
            self,
            handle: str | os.PathLike[str],
            trainable: bool = False,
            call_endpoint: str = "__call__",
            name: str | None = None,
            **kwargs: Any,
        ) -> None:
            if keras.backend.backend() != "tensorflow":
                raise NotImplementedError(
                    f"a TF Hub module is a TensorFlow SavedModel and runs on Keras's TensorFlow backend only; "
                    f"this Keras uses {keras.backend.backend()!r} (set KERAS_BACKEND=tensorflow before importing "
                    f"keras)."
                )
            super().__init__(name=name, **kwargs)  # trainable until the module's weights are in, then as asked
            self.handle = str(handle)
            self.call_endpoint = call_endpoint
            self.saved_model = tf.saved_model.load(resolve_handle(handle))
            self.call_endpoint_fn = getattr(self.saved_model, call_endpoint)
            # Wrapped, not copied (keras.Variable keeps a tf.Variable it is given as its value), and tracked by
            # Keras because they are assigned to an attribute; optimizers build scope names from these names,
            # where the ":0" that SavedModel names carry is not allowed.
            self.module_weights = [
                keras.Variable(
                    variable,
                    trainable=variable.trainable,
                    dtype=variable.dtype,
                    shape=variable.shape,
                    name=variable.name.replace("/", "_").replace(":", "_"),
                )
                for variable in saved_model_variables(self.saved_model)
            ]
            # Freezes the module's weights, or not, as for any Keras layer. (Setting the value the layer already has
            # does nothing on the TensorFlow backend, so the layer was made trainable above and changes here.)
            self.trainable = trainable
            self.built = True

        def call(self, inputs: Tensor) -> Tensor:
            return self.call_endpoint_fn(inputs)

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "handle": self.handle, "call_endpoint": self.call_endpoint}

    return HubFeatureVector


def hub_layer(handle: str | os.PathLike[str], trainable: bool = False, name: str = "feature_vector") -> Layer:
    """Load an image feature-vector module as a Keras 3 layer.

    Args:
        handle: TF Hub handle or local SavedModel folder (see ``resolve_handle``).
        trainable: ``False`` freezes the module (feature extraction); ``True`` lets ``fit`` change its
            weights (fine-tuning). You can also flip ``layer.trainable`` later and compile again.
        name: the layer's name.

    Returns:
        a ``HubFeatureVector`` layer (a ``keras.layers.Layer``).

    Raises:
        see ``resolve_handle``.
    """
    return _layer_class()(handle, trainable=trainable, name=name)


def __getattr__(name: str) -> type[Any]:
    """``HubFeatureVector``, the layer's class, made on first use (the module imports no Keras until then)."""
    if name == "HubFeatureVector":
        return _layer_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def feature_vector_handle(data: ImageCSVs) -> str:
    """The feature-vector module that fits a data set from ``course_utils.image_folders.load_image_csvs``.

    Returns:
        ``MOBILENET_V2_HANDLE`` for the flowers; for the offline Fashion-MNIST JPEG set, the folder of the
        course's own feature extractor staged in ``$COURSE_DATA_DIR/fashion-mnist-features/``.

    Raises:
        ValueError: an unknown data set name.
        FileNotFoundError: the offline set, but no staged feature extractor (the message names the command).
    """
    if data.name == FLOWERS:
        print(f"feature extractor: MobileNetV2 trained on ImageNet, {MOBILENET_V2_HANDLE}")
        return MOBILENET_V2_HANDLE
    if data.name != STANDIN_JPEGS:
        raise ValueError(f"no feature extractor known for the data set {data.name!r}.")
    data_dir = config.data_dir()
    folder = (data_dir or Path(".")) / STANDIN_EXTRACTOR
    if data_dir is None or not (folder / "saved_model.pb").is_file():
        raise FileNotFoundError(
            f"chapter 4's offline feature extractor is not staged in {folder}: stage it with "
            f"`{config.STAGE_COMMAND} {data_dir or 'DIR'}` and set {config.DATA_DIR_ENV} to that folder."
        )
    print(f"feature extractor: {read_source_note(folder)}, staged in ${config.DATA_DIR_ENV}/{STANDIN_EXTRACTOR}")
    return str(folder)
