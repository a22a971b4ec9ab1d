"""course_utils.hub: the Keras 3 layer for TF Hub modules, pinned with local SavedModels."""

import numpy as np
import pytest

from course_tools.staging.extractor import export_feature_extractor
from course_utils import hub, image_folders
from site_browser import serve


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    """A small feature-vector SavedModel (images in [0, 1] -> 8 features) written by export_feature_extractor."""
    import keras

    keras.utils.set_random_seed(0)
    backbone = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(8),
        ]
    )
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
    """fit must not fail on ':0' names and must change the variables that the SavedModel's function reads: the
    layer's weights wrap them (keras.Variable of a tf.Variable), they are not copies."""
    path, expected, images = saved_model
    layer = hub.hub_layer(path, trainable=True)
    model = _classifier(layer)
    assert len(layer.trainable_weights) == 4  # conv and dense kernels and biases
    saved_function = layer.call_endpoint_fn  # the SavedModel's own __call__, which reads its own variables
    assert np.allclose(saved_function(images).numpy(), expected, atol=1e-5)
    model.fit(images, np.arange(6) % 3, epochs=3, verbose=0)
    assert not np.allclose(saved_function(images).numpy(), expected, atol=1e-3), "fine-tuning must change the module"
    assert np.allclose(layer(images).numpy(), saved_function(images).numpy(), atol=1e-5)


def test_the_module_can_be_frozen_and_unfrozen_later(saved_model):
    """As for any Keras layer: trainable=False keeps the module's weights out of training; flipping it lets them in."""
    path = saved_model[0]
    layer = hub.hub_layer(path, trainable=False)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4
    layer.trainable = True
    assert len(layer.trainable_weights) == 4 and len(_classifier(layer).trainable_weights) == 6
    layer.trainable = False
    assert len(_classifier(layer).trainable_weights) == 2


def test_plain_tfsmlayer_still_fails_to_fine_tune(saved_model):
    """Why HubFeatureVector is not simply keras.layers.TFSMLayer: TFSMLayer keeps the SavedModel's variable names
    (":0" included) and has no argument to change them, and optimizers refuse ":" in the names they build. If this
    starts passing, Keras fixed it, and hub_layer could return a TFSMLayer."""
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


def test_a_download_that_is_no_module_is_not_called_a_failed_download(tmp_path, monkeypatch):
    """The request succeeds but the file is no module (a broken mirror, a proxy's error page): tensorflow_hub's own
    error comes through, not "Could not download", which would send the learner to look for a network problem."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "module.tar.gz").write_bytes(b"<html>not a module</html>")
    httpd, (base_url, _) = serve(site)
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "cache"))
    try:
        with pytest.raises(OSError, match="valid module") as error:
            hub.resolve_handle(f"{base_url}module.tar.gz")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert not isinstance(error.value, ConnectionError)


def test_an_os_error_other_than_a_failed_request_goes_through(monkeypatch):
    import tensorflow_hub

    def full_disk(handle):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tensorflow_hub, "resolve", full_disk)
    with pytest.raises(OSError, match="No space left") as error:
        hub.resolve_handle("https://tfhub.dev/google/some/module/1")
    assert not isinstance(error.value, ConnectionError)


def test_feature_vector_handle_chooses_by_data_set():
    flowers = image_folders.ImageCSVs(image_folders.FLOWERS, None, None, [], image_folders.FLOWERS_IMAGE_SIZE, "")
    assert hub.feature_vector_handle(flowers) == hub.MOBILENET_V2_HANDLE
    with pytest.raises(ValueError, match="no feature extractor"):
        hub.feature_vector_handle(image_folders.ImageCSVs("cats", None, None, [], 32, ""))


def test_feature_vector_handle_offline_is_the_staged_extractor(staged_dir, tmp_path, monkeypatch, capsys):
    standin = image_folders.ImageCSVs(image_folders.STANDIN_JPEGS, None, None, [], image_folders.STANDIN_IMAGE_SIZE, "")
    monkeypatch.setenv("COURSE_DATA_DIR", str(staged_dir))
    handle = hub.feature_vector_handle(standin)
    assert handle == str(staged_dir / hub.STANDIN_EXTRACTOR)
    assert "the course's own feature extractor" in capsys.readouterr().out
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=f"not staged in {tmp_path}.*course-data stage {tmp_path}"):
        hub.feature_vector_handle(standin)
