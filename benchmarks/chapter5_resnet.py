"""Chapter 5 benchmark: the chapter's ResNet on full Fashion-MNIST, with and without batch normalization,
its training speed on this CPU, alone and under MirroredStrategy on two logical CPU devices, and the
chapter's two backends side by side: Keras on TensorFlow with the default strategy against Keras on JAX
with DataParallel over 8 virtual CPU devices (the chapter's path for Colab's TPU runtimes), same model, same
global batch, same 10,000 training images (the chapter's subset), same epochs, in the same run.

    .venv/bin/python benchmarks/chapter5_resnet.py        (about 35 minutes on 2 cores; not part of CI)

The JAX rows run in the environment of Colab's TPU package set (`.venv-colab-tpu`, built by the test suite;
`--jax-python PATH` names another Python with keras and jax); without one they say so.

Uses the chapter's own code (conv_bn_relu, residual_block, build_resnet, global_batch_size,
drop_remainder from the solution notebook) with the chapter's settings (Adam from 1e-3, batch 128,
batch-norm momentum 0.9) on all 54,000 training images (the last 6,000 are held out as in the chapter).
For a full-length run the learning rate decays from 1e-3 towards 0 along a cosine over MAX_EPOCHS epochs
(the notebook's few epochs use a constant 1e-3); both networks get the same schedule. After every epoch
it evaluates on the 10,000 test images and stops once the target is reached or after MAX_EPOCHS.
The speed rows run in subprocesses, because logical CPU devices must be configured before TensorFlow runs
its first op. Prints Markdown tables.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

CHAPTER = "05_going_deeper"
CELLS = ["conv_bn_relu_solution", "residual_block_solution", "resnet_solution", "batching_solution"]
BATCH_SIZE = 128
TARGET = 0.92  # test accuracy the ResNet with batch normalization must reach
MAX_EPOCHS = 15  # per network
SPEED_IMAGES = 128 * 60  # images per timed epoch in the speed rows
BACKEND_EPOCHS = 3  # epochs per row of the backend comparison (the first is not timed: compilation)
BACKEND_BATCH = 8 * 128  # global batch of the backend comparison: 8 replicas x 128
BACKEND_IMAGES = 10_000  # training images of the backend comparison: the chapter's subset
HERE = Path(__file__).resolve().parent
DEFAULT_JAX_PYTHON = HERE.parent / ".venv-colab-tpu" / "bin" / "python"


def chapter_code(tf, keras, np):
    from course_tools.notebooks import solution_namespace

    return solution_namespace(CHAPTER, CELLS, {"np": np, "tf": tf, "keras": keras})


def accuracy_run(batch_norm, data, code, tf, keras):
    """Train until TARGET test accuracy or MAX_EPOCHS; return per-epoch test accuracy and elapsed seconds."""
    from course_utils.pipelines import make_dataset

    (x_train, y_train), (x_test, y_test) = data
    keras.utils.set_random_seed(0)
    train = make_dataset(x_train, y_train, BATCH_SIZE, training=True)
    test = make_dataset(x_test, y_test, 512)
    model = code["build_resnet"](batch_norm=batch_norm)
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=MAX_EPOCHS * len(train))
    model.compile(
        optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    accuracies, seconds, training_seconds = [], [], 0.0
    for epoch in range(MAX_EPOCHS):
        start = time.perf_counter()
        model.fit(train, epochs=1, verbose=0)
        training_seconds += time.perf_counter() - start
        accuracies.append(float(model.evaluate(test, verbose=0)[1]))
        seconds.append(training_seconds)
        print(
            f"  batch_norm={batch_norm} epoch {epoch + 1}: test accuracy {accuracies[-1]:.4f} "
            f"({training_seconds:.0f} s of training)",
            flush=True,
        )
        if accuracies[-1] >= TARGET:
            break
    return accuracies, seconds


def speed(mode):
    """Training images per second of the ResNet; mode 'default-128', 'default-256' or 'mirrored'."""
    import numpy as np
    import tensorflow as tf

    if mode == "mirrored":
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        per_replica = 128
    else:
        strategy = tf.distribute.get_strategy()
        per_replica = int(mode.split("-")[1])
    import keras

    import course_utils

    code = chapter_code(tf, keras, np)
    (x_train, y_train), _ = course_utils.load_fashion_mnist(quick=False)
    global_batch = code["global_batch_size"](strategy.num_replicas_in_sync, per_replica)
    images, labels = code["drop_remainder"](
        x_train[:SPEED_IMAGES, ..., None].astype("float32") / 255.0, y_train[:SPEED_IMAGES], global_batch
    )
    count = len(images)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).cache().shuffle(count).batch(global_batch)
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = code["build_resnet"]()
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )
    model.fit(dataset, epochs=1, verbose=0)  # warm-up: tracing, cache
    start = time.perf_counter()
    model.fit(dataset, epochs=2, verbose=0)
    rate = 2 * count / (time.perf_counter() - start)
    return {
        "mode": mode,
        "replicas": strategy.num_replicas_in_sync,
        "global_batch": global_batch,
        "images_per_second": rate,
    }


def speed_in_subprocess(mode):
    result = subprocess.run(
        [sys.executable, __file__, "--speed", mode],
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.abspath(__file__)),
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("SPEED ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"speed run {mode} failed:\n{result.stderr[-3000:]}")
    return json.loads(lines[-1][len("SPEED ") :])


def backend_row(python, backend, devices, policy, steps):
    """One row of the backend comparison, run by ``python`` in a subprocess (see resnet_backends.py)."""
    from course_tools.notebooks import cell_sources

    spec = {
        "sources": cell_sources(CHAPTER, CELLS),
        "backend": backend,
        "devices": devices,
        "policy": policy,
        "steps_per_execution": steps,
        "global_batch": BACKEND_BATCH,
        "epochs": BACKEND_EPOCHS,
        "train_images": BACKEND_IMAGES,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as spec_file:
        json.dump(spec, spec_file)
    env = {key: value for key, value in os.environ.items() if key not in ("KERAS_BACKEND", "XLA_FLAGS")}
    result = subprocess.run(
        [str(python), str(HERE / "resnet_backends.py"), spec_file.name],
        capture_output=True,
        text=True,
        env=env,
        cwd=HERE,
    )
    os.unlink(spec_file.name)
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{backend} run failed:\n{result.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def backend_rows(jax_python):
    rows = [backend_row(sys.executable, "tensorflow", 1, "float32", 1)]
    if not Path(jax_python).is_file():
        print(f"(no JAX environment at {jax_python}: run `make test` or pass --jax-python; JAX rows skipped)")
        return rows
    for policy, steps in (("mixed_bfloat16", 32), ("float32", 32)):
        rows.append(backend_row(jax_python, "jax", 8, policy, steps))
    return rows


def print_backend_table(rows):
    print(
        f"\nThe chapter's two backends, same ResNet and global batch {BACKEND_BATCH:,}, {BACKEND_EPOCHS} epochs on "
        f"{rows[0]['train_images']:,} images (images/s over epochs 2-{BACKEND_EPOCHS}, after compilation):\n"
    )
    print(
        "| Keras backend | Python | devices (replicas) | precision | steps per execution | training images/s "
        "| test accuracy |"
    )
    print("| --- | --- | ---: | --- | ---: | ---: | ---: |")
    for row in rows:
        where = (
            "TensorFlow, default strategy"
            if row["backend"] == "tensorflow"
            else "JAX, DataParallel over virtual CPU devices"
        )
        print(
            f"| {where} (Keras {row['keras']}) | {row['python']} | {row['replicas']} | {row['policy']} | "
            f"{row['steps_per_execution']} | {row['images_per_second']:,.0f} | {row['test_accuracy']:.4f} |"
        )


def first_reaching(accuracies, seconds, target):
    for epoch, (accuracy, elapsed) in enumerate(zip(accuracies, seconds, strict=True), start=1):
        if accuracy >= target:
            return f"{epoch} epochs, {elapsed:.0f} s"
    return f"not within {len(accuracies)} epochs"


def main(jax_python=DEFAULT_JAX_PYTHON, only_backends=False):
    if only_backends:
        print_backend_table(backend_rows(jax_python))
        return
    import keras
    import numpy as np
    import tensorflow as tf
    from notebook_code import environment_line

    import course_utils

    code = chapter_code(tf, keras, np)
    print(environment_line() + "\n", flush=True)
    (x_train, y_train), (x_test, y_test) = course_utils.load_fashion_mnist(quick=False)
    n_val = len(x_train) // 10
    data = ((x_train[:-n_val, ..., None], y_train[:-n_val]), (x_test[..., None], y_test))

    parameters = code["build_resnet"]().count_params()
    runs = {}
    for batch_norm in (True, False):
        runs[batch_norm] = accuracy_run(batch_norm, data, code, tf, keras)
    speeds = [speed_in_subprocess(mode) for mode in ("default-128", "default-256", "mirrored")]

    lower = 0.90
    print(
        f"\nChapter 5 ResNet ({parameters:,} parameters), full Fashion-MNIST ({len(data[0][0]):,} training / "
        f"{len(y_test):,} test images), Adam 1e-3 with cosine decay over {MAX_EPOCHS} epochs, batch {BATCH_SIZE}, "
        f"at most {MAX_EPOCHS} epochs, stopping at {TARGET:.0%} test accuracy:\n"
    )
    print(
        f"| network | best test accuracy (epoch) | to reach {lower:.0%} | to reach {TARGET:.0%} | "
        f"seconds per epoch | target >= {TARGET:.0%} |"
    )
    print("| --- | ---: | --- | --- | ---: | --- |")
    for batch_norm, (accuracies, seconds) in runs.items():
        best = int(np.argmax(accuracies))
        name = "ResNet with batch normalization" if batch_norm else "same ResNet without batch normalization"
        verdict = "met" if max(accuracies) >= TARGET else "MISSED"
        print(
            f"| {name} | {accuracies[best]:.4f} ({best + 1}) | {first_reaching(accuracies, seconds, lower)} | "
            f"{first_reaching(accuracies, seconds, TARGET)} | {seconds[-1] / len(seconds):.1f} | "
            f"{verdict if batch_norm else 'n/a'} |"
        )
    print(
        f"\nTraining speed of the ResNet with batch normalization ({SPEED_IMAGES:,} images per epoch, "
        f"2 epochs timed after a warm-up epoch):\n"
    )
    print("| strategy | replicas | global batch | training images/s |")
    print("| --- | ---: | ---: | ---: |")
    names = {
        "default-128": "default (one CPU device, 2 cores)",
        "default-256": "default (one CPU device, 2 cores)",
        "mirrored": "MirroredStrategy, 2 logical CPU devices",
    }
    for row in speeds:
        print(f"| {names[row['mode']]} | {row['replicas']} | {row['global_batch']} | {row['images_per_second']:,.0f} |")
    print_backend_table(backend_rows(jax_python))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--speed":
        print("SPEED " + json.dumps(speed(sys.argv[2])), flush=True)
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument(
            "--jax-python",
            default=str(DEFAULT_JAX_PYTHON),
            help="a Python with keras and jax for the JAX rows (default: %(default)s)",
        )
        parser.add_argument("--backends-only", action="store_true", help="run only the backend comparison")
        arguments = parser.parse_args()
        main(arguments.jax_python, arguments.backends_only)
