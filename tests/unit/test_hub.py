"""course_utils.hub: the Keras 3 layer for TF Hub modules, pinned with local SavedModels."""

import numpy as np
import pytest

from course_tools.staging.extractor import export_feature_extractor
from course_utils import hub


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    """A small feature-vector SavedModel (images in [0, 1] -> 8 features) written by export_feature_extractor."""
    import keras

    keras.utils.set_random_seed(0)
    backbone = keras.Sequential([
        keras.Input((16, 16, 3)),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(8),
    ])
    path = tmp_path_factory.mktemp("module") / "feature_vector"
    export_feature_extractor(backbone, path, image_size=16)
    images = np.random.default_rng(0).random((6, 16, 16, 3)).astype("float32")
    return path, backbone(images).numpy(), images


def _classifier(layer):
    import keras

    model = keras.Sequential([keras.Input((16, 16, 3)), layer, keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    return model


def test_layer_computes_what_the_saved_model_computes(saved_model):
    path, expected, images = saved_model
    layer = hub.hub_layer(str(path))
    assert isinstance(layer, hub.HubFeatureVector)
    assert np.allclose(layer(images).numpy(), expected, atol=1e-5)
    assert all(":" not in weight.name and "/" not in weight.name for weight in layer.weights)
    assert layer.get_config()["handle"] == str(path)


def test_frozen_layer_has_no_trainable_weights_and_does_not_change(saved_model):
    path, expected, images = saved_model
    layer = hub.hub_layer(path, trainable=False)
    model = _classifier(layer)
    assert layer.trainable_weights == [] and len(model.trainable_weights) == 2  # only the head's kernel and bias
    model.fit(images, np.arange(6) % 3, epochs=3, verbose=0)
    assert np.allclose(layer(images).numpy(), expected, atol=1e-5)


def test_trainable_layer_fine_tunes_the_saved_models_own_variables(saved_model):
    """Pins the override of TFSMLayer._add_existing_weight (private Keras API): fit must not fail on ':0' names
    and must change the variables that the SavedModel's function reads."""
    path, expected, images = saved_model
    layer = hub.hub_layer(path, trainable=True)
    model = _classifier(layer)
    assert len(layer.trainable_weights) == 4  # conv and dense kernels and biases
    saved_function = layer.call_endpoint_fn  # the SavedModel's own __call__, which reads its own variables
    assert np.allclose(saved_function(images).numpy(), expected, atol=1e-5)
    model.fit(images, np.arange(6) % 3, epochs=3, verbose=0)
    assert not np.allclose(saved_function(images).numpy(), expected, atol=1e-3), "fine-tuning must change the module"
    assert np.allclose(layer(images).numpy(), saved_function(images).numpy(), atol=1e-5)


def test_private_keras_hooks_of_the_hub_layer_still_exist():
    """HubFeatureVector relies on two private Keras names: it overrides TFSMLayer._add_existing_weight, which
    TFSMLayer must call for every SavedModel variable, and it calls Layer._track_variable. If a Keras upgrade
    renames either, the override stops running silently and fine-tuning in chapter 4 fails with "not a valid
    scope name"; this test names the cause instead."""
    import inspect

    import keras

    assert callable(getattr(keras.layers.TFSMLayer, "_add_existing_weight", None)), (
        f"Keras {keras.__version__}: TFSMLayer._add_existing_weight is gone; update course_utils/hub.py's override")
    assert "self._add_existing_weight(" in inspect.getsource(keras.layers.TFSMLayer), (
        f"Keras {keras.__version__}: TFSMLayer no longer adds the SavedModel's variables through "
        "_add_existing_weight, so course_utils/hub.py's override would never run")
    assert callable(getattr(keras.layers.Layer, "_track_variable", None)), (
        f"Keras {keras.__version__}: Layer._track_variable is gone; update course_utils/hub.py's override")


def test_plain_tfsmlayer_still_fails_to_fine_tune(saved_model):
    """If this starts passing, Keras fixed ':' in names and the override may be dropped."""
    import keras

    path, _, images = saved_model
    model = _classifier(keras.layers.TFSMLayer(str(path), call_endpoint="__call__", trainable=True))
    with pytest.raises(ValueError, match="scope name"):
        model.fit(images, np.arange(6) % 3, epochs=1, verbose=0)


def test_resolve_handle_checks_local_paths(saved_model, tmp_path):
    path = saved_model[0]
    assert hub.resolve_handle(path) == str(path)
    with pytest.raises(FileNotFoundError, match="saved_model.pb"):
        hub.resolve_handle(tmp_path)
    for bad in ("", None, 3):
        with pytest.raises(ValueError):
            hub.resolve_handle(bad)


def test_resolve_handle_without_network_names_the_offline_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path))
    with pytest.raises(ConnectionError, match="COURSE_DATA_DIR"):
        hub.resolve_handle("http://127.0.0.1:9/module.tar.gz")  # refused at once


def test_feature_vector_handle_chooses_by_data_set():
    from course_utils.image_folders import ImageCSVs

    flowers = ImageCSVs("flowers", None, None, [], 224, "")
    assert hub.feature_vector_handle(flowers) == hub.MOBILENET_V2_HANDLE
    with pytest.raises(ValueError, match="no feature extractor"):
        hub.feature_vector_handle(ImageCSVs("cats", None, None, [], 32, ""))


def test_feature_vector_handle_offline_is_the_staged_extractor(staged_dir, tmp_path, monkeypatch, capsys):
    from course_utils.image_folders import STANDIN_JPEGS, ImageCSVs

    standin = ImageCSVs(STANDIN_JPEGS, None, None, [], 32, "")
    monkeypatch.setenv("COURSE_DATA_DIR", str(staged_dir))
    handle = hub.feature_vector_handle(standin)
    assert handle == str(staged_dir / hub.STANDIN_EXTRACTOR) and "the course's own feature extractor" in capsys.readouterr().out
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=f"not staged in {tmp_path}.*course-data stage {tmp_path}"):
        hub.feature_vector_handle(standin)
