"""course_utils.runtime: the backend a chapter picks, and the one-sentence stop on a runtime that lacks a package."""

import pytest

from course_utils import runtime


def test_installed_tells_present_from_missing_modules():
    assert runtime.installed("numpy") is True
    assert runtime.installed("no_such_module_for_this_course") is False


@pytest.mark.parametrize("name", ["", "keras.layers", None, 3])
def test_installed_rejects_anything_but_a_top_level_module_name(name):
    with pytest.raises(ValueError, match="top-level module name"):
        runtime.installed(name)


def test_keras_backend_follows_keras_backend_when_it_is_set():
    assert runtime.keras_backend({"KERAS_BACKEND": "jax"}) == "jax"
    assert runtime.keras_backend({"KERAS_BACKEND": " TensorFlow "}) == "tensorflow"


def test_keras_backend_rejects_an_unknown_backend():
    with pytest.raises(ValueError, match="not a Keras backend"):
        runtime.keras_backend({"KERAS_BACKEND": "theano"})


def test_keras_backend_prefers_tensorflow_then_jax(monkeypatch):
    available = set()
    monkeypatch.setattr(runtime, "installed", lambda module: module in available)
    with pytest.raises(RuntimeError, match="needs TensorFlow or JAX"):
        runtime.keras_backend({})
    available.add("jax")
    assert runtime.keras_backend({}) == "jax", "a Colab TPU runtime: JAX and no TensorFlow"
    available.add("tensorflow")
    assert runtime.keras_backend({}) == "tensorflow"


def test_keras_backend_on_this_machine_is_tensorflow_when_it_is_installed(monkeypatch):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    expected = "tensorflow" if runtime.installed("tensorflow") else "jax"
    assert runtime.keras_backend() == expected


def test_require_passes_when_everything_is_there():
    assert runtime.require("numpy", "matplotlib") is None


def test_require_stops_with_one_sentence_that_says_what_to_do(monkeypatch):
    monkeypatch.setattr(runtime, "installed", lambda module: module != "tensorflow")
    with pytest.raises(RuntimeError) as error:
        runtime.require("numpy", "tensorflow")
    message = str(error.value)
    assert message.startswith("This chapter needs tensorflow, which this runtime does not have")
    assert "Runtime > Change runtime type" in message and "pip install tensorflow" in message


def test_require_names_a_generic_fix_for_other_packages(monkeypatch):
    monkeypatch.setattr(runtime, "installed", lambda module: False)
    with pytest.raises(RuntimeError, match=r"pip install mlxtend"):
        runtime.require("mlxtend")


def test_require_needs_a_module_name():
    with pytest.raises(ValueError, match="at least one module"):
        runtime.require()
