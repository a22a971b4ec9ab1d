"""Chapter 5's distributed path without a TPU: its ResNet trains under MirroredStrategy on two logical CPUs.

``tf.config.set_logical_device_configuration`` must run before TensorFlow executes any op, which the test
process has long done, so the training runs in a fresh Python subprocess. It uses the chapter's own
solution code (build_resnet, global_batch_size, drop_remainder) on real Fashion-MNIST images and
reports plain JSON: the replicas and the devices they ran on, each replica's share of a global batch, and
the loss on a fixed batch before and after training.
"""

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from course_tools.layout import ROOT, TPU_CHAPTER, solution_notebook

CHAPTER = TPU_CHAPTER

SCRIPT = textwrap.dedent(r"""
    import json, os, sys
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

    import keras
    import numpy as np
    import course_utils
    from course_tools.notebooks import solution_namespace

    code = solution_namespace(sys.argv[1], ["conv_bn_relu_solution", "residual_block_solution",
                                            "resnet_solution", "batching_solution"],
                              {"np": np, "tf": tf, "keras": keras})
    (x_train, y_train), _ = course_utils.load_fashion_mnist(quick=True)
    x_train = x_train[:1000, ..., None].astype("float32") / 255.0
    y_train = y_train[:1000]

    keras.utils.set_random_seed(0)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    global_batch = code["global_batch_size"](strategy.num_replicas_in_sync, 32)
    x_train, y_train = code["drop_remainder"](x_train, y_train, global_batch)
    train_ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(1000, seed=0).batch(global_batch)
    fixed = (x_train[:256], y_train[:256])

    def replica_share(images, labels):
        context = tf.distribute.get_replica_context()
        return context.replica_id_in_sync_group, tf.shape(images)[0]

    first_batch = next(iter(strategy.experimental_distribute_dataset(train_ds)))
    shares = strategy.run(replica_share, args=first_batch)
    shares = [(int(replica), int(size)) for replica, size in zip(strategy.experimental_local_results(shares[0]),
                                                                 strategy.experimental_local_results(shares[1]))]

    with strategy.scope():
        model = code["build_resnet"]()
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    loss_before = model.evaluate(*fixed, batch_size=64, verbose=0)[0]
    history = model.fit(train_ds, epochs=6, verbose=0)
    loss_after = model.evaluate(*fixed, batch_size=64, verbose=0)[0]
    kernel = model.trainable_variables[0].value  # the tf.distribute variable under the Keras variable
    print("RESULT " + json.dumps({
        "replicas": strategy.num_replicas_in_sync,
        "global_batch": global_batch,
        "shares": shares,
        "variable_devices": [v.device for v in kernel.values],
        "replicas_agree": bool(np.allclose(kernel.values[0].numpy(), kernel.values[1].numpy())),
        "images_kept": len(x_train),
        "steps_per_epoch": len(train_ds),
        "train_loss": history.history["loss"],
        "loss_before": loss_before,
        "loss_after": loss_after,
    }))
""")


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mirrored_run(executions):
    if not solution_notebook(CHAPTER).is_file():
        pytest.fail(f"solutions/{CHAPTER} is missing")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, CHAPTER], capture_output=True, text=True, timeout=600, env=env, cwd=ROOT
    )
    executions.record(
        CHAPTER, "MirroredStrategy subprocess", "partial", "4 answer cells, 1,000 images", time.monotonic() - start
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert result.returncode == 0 and lines, f"the training subprocess failed:\n{result.stderr[-4000:]}"
    return json.loads(lines[-1][len("RESULT ") :])


def test_two_replicas_on_two_logical_cpus(mirrored_run):
    assert mirrored_run["replicas"] == 2
    assert mirrored_run["global_batch"] == 64, "global batch = 32 per replica x 2 replicas"
    devices = [device.split("/")[-1] for device in mirrored_run["variable_devices"]]
    assert devices == ["device:CPU:0", "device:CPU:1"], "each replica keeps a copy of the variables"


def test_each_replica_gets_half_of_every_global_batch(mirrored_run):
    assert mirrored_run["shares"] == [[0, 32], [1, 32]]
    assert mirrored_run["images_kept"] == 960, "1,000 images in full global batches of 64: 15 batches"
    assert mirrored_run["steps_per_epoch"] == 960 // 64


def test_training_under_mirrored_strategy_lowers_the_loss_and_keeps_replicas_in_sync(mirrored_run):
    losses = mirrored_run["train_loss"]
    assert losses[-1] < losses[0], f"training loss per epoch should fall: {losses}"
    assert mirrored_run["loss_after"] < mirrored_run["loss_before"], mirrored_run
    assert mirrored_run["replicas_agree"], "mirrored variables must hold the same values on both devices"
