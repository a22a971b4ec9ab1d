"""Describe Keras models as plain Python data (for parameter tables and for TensorFlow-free tests)."""


def describe_layers(model):
    """List a built Keras model's layers in order as plain dicts.

    Returns:
        a list of ``{"name", "type", "output_shape", "params", "trainable_params"}`` dicts, where
        ``type`` is the layer's class name and ``output_shape`` a tuple (``None`` for the batch axis).

    Raises:
        ValueError: the model has not been built yet (give it an ``Input`` or call it once).
    """
    if not getattr(model, "built", False):
        raise ValueError("the model is not built yet: start it with keras.Input(shape) or call it on a batch.")
    rows = []
    for layer in model.layers:
        output = getattr(layer, "output", None)
        shape = tuple(output.shape) if output is not None else None
        rows.append({
            "name": layer.name,
            "type": type(layer).__name__,
            "output_shape": shape,
            "params": int(layer.count_params()),
            "trainable_params": int(sum(_size(w) for w in layer.trainable_weights)),
        })
    return rows


def _size(weight):
    size = 1
    for dim in weight.shape:
        size *= int(dim)
    return size
