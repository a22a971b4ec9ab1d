"""course_utils.gradients on the backend this process runs (TensorFlow in the development environment; the
JAX branch runs in the Colab TPU environment through chapter 5). Checked against finite differences."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from course_utils.gradients import kernel_gradient_norms  # noqa: E402


def _tiny_net():
    keras.utils.set_random_seed(1)
    inputs = keras.Input(shape=(6, 6, 1))
    x = keras.layers.Conv2D(2, 3, activation="relu", name="first")(inputs)
    x = keras.layers.Conv2D(3, 3, name="second")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(4, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def _loss(model, images, labels):
    probabilities = keras.ops.convert_to_numpy(model(images, training=True)).astype(np.float64)
    return -np.mean(np.log(probabilities[np.arange(len(labels)), labels]))


def _finite_difference_norm(model, layer, images, labels, step=1e-3):
    kernel = keras.ops.convert_to_numpy(layer.kernel).copy()
    gradient = np.zeros_like(kernel, dtype=np.float64)
    for index in np.ndindex(kernel.shape):
        for sign in (1, -1):
            shifted = kernel.copy()
            shifted[index] += sign * step
            layer.kernel.assign(shifted)
            gradient[index] += sign * _loss(model, images, labels) / (2 * step)
    layer.kernel.assign(kernel)
    return np.linalg.norm(gradient)


def test_kernel_gradient_norms_match_finite_differences():
    model = _tiny_net()
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, size=(5, 6, 6, 1)).astype("float32")
    labels = np.array([0, 1, 2, 3, 1])
    norms = kernel_gradient_norms(model, images, labels)
    assert len(norms) == 2, "one norm per Conv2D layer, in order"
    expected = [_finite_difference_norm(model, model.get_layer(name), images, labels) for name in ("first", "second")]
    assert np.allclose(norms, expected, rtol=2e-2), (norms, expected)


def test_other_layer_types_can_be_chosen():
    images = np.random.default_rng(1).uniform(0, 1, size=(2, 6, 6, 1)).astype("float32")
    norms = kernel_gradient_norms(_tiny_net(), images, [0, 1], layer_type=keras.layers.Dense)
    assert len(norms) == 1 and norms[0] > 0


def test_bad_input_is_named():
    model = _tiny_net()
    with pytest.raises(ValueError, match="differ in length"):
        kernel_gradient_norms(model, np.zeros((2, 6, 6, 1), "float32"), [0])
    dense_only = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2, activation="softmax")])
    with pytest.raises(ValueError, match="no Conv2D layer"):
        kernel_gradient_norms(dense_only, np.zeros((1, 3), "float32"), [0])
