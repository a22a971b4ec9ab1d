"""Chapter 4 benchmark: transfer learning against training from scratch with few labels, and the image pipeline.

    make benchmark            (or: .venv/bin/python benchmarks/chapter4_transfer.py)

Runs the chapter's own code (the pipeline, read_and_preprocess, build_transfer_model, the training cell and the
few-labels experiment of the solution notebook) on the data that `image_folders.load_image_csvs` chooses: the
flowers with MobileNetV2 from TF Hub where the network allows, otherwise (COURSE_DATA_DIR set) the JPEG files
written from Fashion-MNIST with the course's own feature extractor. Prints Markdown tables.
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import course_utils  # noqa: E402
from course_tools.notebooks import solution_namespace  # noqa: E402
from course_utils import hub, image_folders  # noqa: E402

CHAPTER = "04_data_scarcity"


def chapter_code():
    data = image_folders.load_image_csvs()
    namespace = {
        "np": np,
        "tf": tf,
        "keras": keras,
        "hub": hub,
        "image_folders": image_folders,
        "data": data,
        "CLASS_NAMES": data.class_names,
        "IMG_SIZE": data.image_size,
        "IMG_CHANNELS": 3,
        "train_rows": image_folders.read_csv(data.train_csv),
    }
    namespace["HANDLE"] = hub.feature_vector_handle(data)
    keras.utils.set_random_seed(0)
    start = time.perf_counter()
    solution_namespace(
        CHAPTER,
        [
            "pipeline_decode",
            "preprocess_solution",
            "pipeline_dataset",
            "transfer_solution",
            "transfer_training",
            "experiment_helpers",
            "experiment_solution",
        ],
        namespace,
    )
    namespace["seconds"] = time.perf_counter() - start
    return namespace


def unoptimised_dataset(code, csv_path, batch_size):
    """The chapter's training pipeline without cache, parallel map and prefetch."""
    read_and_preprocess = code["read_and_preprocess"]
    dataset = tf.data.TextLineDataset(str(csv_path)).map(code["decode_csv"])
    dataset = dataset.shuffle(1000).repeat()
    dataset = dataset.map(lambda image_bytes, label: read_and_preprocess(image_bytes, label, random_augment=True))
    return dataset.batch(batch_size)


def images_per_second(dataset, images, batch_size):
    """Take one pass over ``images`` images as warm-up (fills a cache), then time three passes."""
    batches = -(-images // batch_size)
    for _ in dataset.take(batches):
        pass
    start = time.perf_counter()
    for _ in dataset.take(3 * batches):
        pass
    return 3 * batches * batch_size / (time.perf_counter() - start)


def main():
    print(
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, course_utils {course_utils.__version__}, "
        f"{os.cpu_count()} CPU cores, COURSE_DATA_DIR={os.environ.get('COURSE_DATA_DIR') or '(unset: download)'}, "
        f"COURSE_QUICK={os.environ.get('COURSE_QUICK') or '(unset)'}\n"
    )
    code = chapter_code()
    data, experiment = code["data"], code["experiment"]
    frozen = code["frozen_history"].history["val_accuracy"][-1]
    tuned = code["tuned_history"].history["val_accuracy"][-1]
    n_train, n_eval = len(code["train_rows"]), len(image_folders.read_csv(data.eval_csv))

    print(f"\nData: {data.description}\nModule: {code['HANDLE']}\n")
    print(f"Transfer model on all {n_train:,} training images ({n_eval:,} evaluation images):\n")
    print("| model | evaluation accuracy |")
    print("| --- | ---: |")
    print(f"| frozen feature extractor + new head, 4 epochs | {frozen:.3f} |")
    print(f"| then fine-tuned 2 epochs (Adam 1e-4) | {tuned:.3f} |")

    print("\nFew labels, same split, same pipeline, same steps (8 epochs x 10 steps of 32), seed 0:\n")
    print("| labelled images per class | from scratch | transfer (frozen) | difference |")
    print("| ---: | ---: | ---: | ---: |")
    for k, scratch, transfer in zip(
        experiment["labels_per_class"], experiment["scratch"], experiment["transfer"], strict=True
    ):
        print(f"| {k} | {scratch:.3f} | {transfer:.3f} | {transfer - scratch:+.3f} |")
    print(f"\n(chapter code from the pipeline to the experiment: {code['seconds']:.0f} s)")

    batch = code["BATCH_SIZE"]
    course = code["load_dataset"](data.train_csv, batch, training=True)
    plain = unoptimised_dataset(code, data.train_csv, batch)
    plain_speed = images_per_second(plain, n_train, batch)
    course_speed = images_per_second(course, n_train, batch)
    print(
        f"\nTraining input pipeline over the {n_train:,} training JPEG files (decode, augment, batch {batch}), "
        "three passes after a warm-up pass, same run:\n"
    )
    print("| pipeline | images/s | speed-up |")
    print("| --- | ---: | ---: |")
    print(f"| without cache, parallel map and prefetch | {plain_speed:,.0f} | 1.00x |")
    print(
        f"| the chapter's: cache file bytes, parallel map, prefetch | {course_speed:,.0f} | "
        f"{course_speed / plain_speed:.2f}x |"
    )
    if data.name != "flowers":
        print(
            "\nNot measured here: the flowers with MobileNetV2 from TF Hub (needs the network; the chapter's "
            "target, >= 85 % with the frozen module, is to be checked in Colab)."
        )


if __name__ == "__main__":
    main()
