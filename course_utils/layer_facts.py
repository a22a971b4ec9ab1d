"""Describe Keras models as plain Python data (for parameter tables and for TensorFlow-free tests)."""

from __future__ import annotations

from typing import Any, TypedDict


class LayerFacts(TypedDict):
    """One layer of a model as ``describe_layers`` lists it."""

    name: str
    type: str  # the layer's class name
    output_shape: tuple[int | None, ...] | None  # None for the batch axis
    params: int
    trainable_params: int


def describe_layers(model: Any) -> list[LayerFacts]:
    """List a built Keras model's layers in order as plain dicts.

    Returns:
        a list of ``{"name", "type", "output_shape", "params", "trainable_params"}`` dicts, where
        ``type`` is the layer's class name and ``output_shape`` a tuple (``None`` for the batch axis).

    Raises:
        ValueError: the model has not been built yet (give it an ``Input`` or call it once).
    """
    if not getattr(model, "built", False):
        raise ValueError("the model is not built yet: start it with keras.Input(shape) or call it on a batch.")
    rows: list[LayerFacts] = []
    for layer in model.layers:
        output = getattr(layer, "output", None)
        shape = tuple(output.shape) if output is not None else None
        rows.append(
            {
                "name": layer.name,
                "type": type(layer).__name__,
                "output_shape": shape,
                "params": int(layer.count_params()),
                "trainable_params": int(sum(_size(w) for w in layer.trainable_weights)),
            }
        )
    return rows


def _size(weight: Any) -> int:
    """The number of values in a weight (the product of its shape)."""
    size = 1
    for dim in weight.shape:
        size *= int(dim)
    return size
