"""Chapter 5's ResNet trained the way the chapter trains it on each backend, for the speed table of
chapter5_resnet.py. Runs in its own process because the Keras backend and JAX's device count are fixed at
import time; it can run in an environment without TensorFlow or nbformat (Colab's TPU package set).

    python resnet_backends.py SPEC.json

SPEC holds the chapter's solution cells (``sources``), the backend, the number of JAX devices, the
precision policy, steps_per_execution, the global batch, the number of training images and the epochs. Prints
one ``RESULT {json}`` line:
training images per second over the epochs after the first (which includes compilation) and the test
accuracy after the last epoch.
"""

import json
import os
import sys
import time


def run(spec):
    os.environ["KERAS_BACKEND"] = spec["backend"]
    if spec["backend"] == "jax":
        os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={spec['devices']}"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import numpy as np

    import course_utils

    namespace = {"keras": keras, "np": np}
    for source in spec["sources"]:
        exec(compile(source, "<chapter 5 solution>", "exec"), namespace)
    (x_train, y_train), (x_test, y_test) = course_utils.load_fashion_mnist(quick=False)
    n_val = len(x_train) // 10
    x_fit = x_train[:-n_val][: spec["train_images"], ..., None].astype("float32") / 255.0
    y_fit = y_train[:-n_val][: spec["train_images"]]
    x_eval, y_eval = x_test[..., None].astype("float32") / 255.0, y_test

    replicas = 1
    if spec["backend"] == "jax":
        devices = keras.distribution.list_devices()
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
        replicas = len(devices)
    global_batch = spec["global_batch"]
    x_fit, y_fit = namespace["drop_remainder"](x_fit, y_fit, global_batch)
    x_eval, y_eval = namespace["drop_remainder"](x_eval, y_eval, replicas)

    keras.mixed_precision.set_global_policy(spec["policy"])
    keras.utils.set_random_seed(0)
    model = namespace["build_resnet"]()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=spec["steps_per_execution"],
    )
    keras.mixed_precision.set_global_policy("float32")
    seconds = []
    for _ in range(spec["epochs"]):
        start = time.perf_counter()
        model.fit(x_fit, y_fit, batch_size=global_batch, epochs=1, verbose=0)
        seconds.append(time.perf_counter() - start)
    accuracy = float(model.evaluate(x_eval, y_eval, batch_size=global_batch, verbose=0)[1])
    timed = seconds[1:] or seconds
    return {
        "backend": spec["backend"],
        "keras": keras.__version__,
        "replicas": replicas,
        "policy": spec["policy"],
        "steps_per_execution": spec["steps_per_execution"],
        "global_batch": global_batch,
        "epochs": spec["epochs"],
        "train_images": len(x_fit),
        "images_per_second": len(x_fit) * len(timed) / sum(timed),
        "test_accuracy": accuracy,
        "python": sys.version.split()[0],
    }


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as spec_file:
        print("RESULT " + json.dumps(run(json.load(spec_file))), flush=True)
