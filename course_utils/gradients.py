"""Gradients of a Keras model's loss on one batch, on the TensorFlow and on the JAX backend (chapter 5).

Keras 3 has no backend-neutral way to ask for a gradient outside ``fit``: TensorFlow records operations on
a ``tf.GradientTape``, JAX differentiates a pure function with ``jax.grad``. This module hides that
difference so that a chapter can look at gradients on either backend.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

# Keras, TensorFlow and JAX objects (a keras.Model, a keras.Variable, a tensor or array of a backend): the
# packages ship no type information, so to a type checker they are Any.
KerasModel: TypeAlias = Any
Variable: TypeAlias = Any
Tensor: TypeAlias = Any


def kernel_gradient_norms(
    model: KerasModel, images: Tensor, labels: ArrayLike, layer_type: type | None = None
) -> list[float]:
    """Return the norm of the loss's gradient with respect to each kernel, from the input to the output.

    The loss is the mean sparse categorical cross-entropy of ``model(images, training=True)`` against
    ``labels``, as in training (so batch normalization uses the batch's statistics).

    Args:
        model: a built Keras model that outputs class probabilities.
        images: a batch of inputs for the model (NumPy array or tensor).
        labels: integer labels, one per image.
        layer_type: only layers of this class count (default ``keras.layers.Conv2D``).

    Returns:
        a list of floats, one per matching layer in ``model.layers`` order.

    Raises:
        ValueError: the model has no layer of ``layer_type`` with a kernel, or images and labels differ in
            length.
    """
    import keras

    layer_type = layer_type or keras.layers.Conv2D
    kernels = [layer.kernel for layer in model.layers if isinstance(layer, layer_type) and hasattr(layer, "kernel")]
    if not kernels:
        raise ValueError(f"{model.name} has no {layer_type.__name__} layer with a kernel.")
    labels = np.asarray(labels)
    if len(images) != len(labels):
        raise ValueError(f"images and labels differ in length: {len(images)} vs {len(labels)}.")
    backend = keras.backend.backend()
    if backend == "tensorflow":
        gradients = _tensorflow_gradients(model, images, labels, kernels)
    elif backend == "jax":
        gradients = _jax_gradients(model, images, labels, kernels)
    else:
        raise ValueError(f"gradients are implemented for the tensorflow and jax backends, not {backend!r}.")
    return [float(np.linalg.norm(np.asarray(gradient, dtype=np.float64))) for gradient in gradients]


def _loss(keras: ModuleType, labels: NDArray[Any], probabilities: Tensor) -> Tensor:
    """The mean sparse categorical cross-entropy of ``probabilities`` against ``labels`` (a scalar tensor)."""
    return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(labels, probabilities))


def _tensorflow_gradients(
    model: KerasModel, images: Tensor, labels: NDArray[Any], kernels: list[Variable]
) -> list[NDArray[Any]]:
    """The loss's gradient with respect to each of ``kernels``, taken with a ``tf.GradientTape``."""
    import keras
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = _loss(keras, labels, model(images, training=True))
    return [gradient.numpy() for gradient in tape.gradient(loss, kernels)]


def _jax_gradients(model: KerasModel, images: Tensor, labels: NDArray[Any], kernels: list[Variable]) -> list[Tensor]:
    """The loss's gradient with respect to each of ``kernels``, taken with ``jax.grad`` of a stateless call."""
    import jax
    import keras

    trainable = [variable.value for variable in model.trainable_variables]
    non_trainable = [variable.value for variable in model.non_trainable_variables]

    def loss_of(trainable_values: list[Tensor]) -> Tensor:
        probabilities, _ = model.stateless_call(trainable_values, non_trainable, images, training=True)
        return _loss(keras, labels, probabilities)

    gradients = jax.grad(loss_of)(trainable)
    position = {id(variable): index for index, variable in enumerate(model.trainable_variables)}
    return [gradients[position[id(kernel)]] for kernel in kernels]
