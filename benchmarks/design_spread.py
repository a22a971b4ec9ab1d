"""Where the thresholds of the design exercises come from: each chapter's design solution, trained with several seeds.

    COURSE_QUICK=1 .venv/bin/python benchmarks/design_spread.py 05_going_deeper --seeds 5
    COURSE_QUICK=1 .venv/bin/python benchmarks/design_spread.py 05_going_deeper --seeds 3 --bad

Runs the chapter's own cells (read by ``course_tools.notebooks.cell_sources``: the setup cells the design needs,
the design's solution cell, the locked cell that trains it and the facts cell that measures it), once per seed:
the training cell's ``keras.utils.set_random_seed(0)`` becomes ``set_random_seed(seed)``. Prints a Markdown table
(seed, parameters, accuracy), then min, mean, max and standard deviation, and the threshold rule: the threshold of
the exercise must lie below min - 3 std (and below min - 0.05). ``--bad`` replaces the solution by the entry's
bad design, which must stay below the threshold. The graded tests run in quick mode (``COURSE_QUICK=1``): measure
there.

``DESIGNS`` holds everything chapter-specific, one entry per chapter id:

* ``setup`` (optional): a function that returns the namespace the cells expect, when the chapter's own cells
  do not import and load everything themselves;
* ``cells``: the cells to run, in order, by nbgrader grade id or cell id;
* ``seeded_cell``: the cell whose ``keras.utils.set_random_seed(0)`` gets the seed;
* ``facts``: the name of the facts dict; ``params`` and ``accuracy``: its keys to report;
* ``threshold``: what the test cell asserts; ``bad``: {solution cell: source} of a design that must fail.
"""

import argparse
import linecache
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from course_tools.notebooks import cell_sources  # noqa: E402

SEED_CALL = "keras.utils.set_random_seed(0)"


DESIGNS = {
    "04_data_scarcity": {
        "cells": ["code-004", "code-015", "code-016", "pipeline_decode", "preprocess_solution", "pipeline_dataset",
                  "code-029", "transfer_solution", "experiment_helpers", "few_label_solution", "few_label_training",
                  "few_label_facts"],
        "seeded_cell": "few_label_training",
        "facts": "few_label_facts", "params": "trainable_params", "accuracy": "accuracy",
        "threshold": 0.53,
        # within the budget, but trained from scratch on the 25 images: 6,197 trainable parameters
        "bad": {"few_label_solution": """
def build_few_label_model(handle, image_size, num_classes):
    model = keras.Sequential([
        keras.Input(shape=(image_size, image_size, 3)),
        keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
    return model
"""},
    },
    "05_going_deeper": {
        "cells": ["code-006", "code-007", "code-031", "conv_bn_relu_solution", "residual_block_solution",
                  "small_resnet_solution", "small_resnet_training", "small_resnet_facts"],
        "seeded_cell": "small_resnet_training",
        "facts": "small_resnet_facts", "params": "params", "accuracy": "accuracy",
        "threshold": 0.60,
        # wide enough, but Keras's default momentum 0.99: after 45 steps the moving averages are still near
        # their start (mean 0, variance 1), and the network fails in inference mode
        "bad": {"small_resnet_solution": """
def build_small_resnet():
    inputs = keras.Input(shape=(28, 28, 1))
    x = keras.layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False)(inputs)
    x = keras.layers.ReLU()(keras.layers.BatchNormalization()(x))
    for filters, strides in ((16, 1), (32, 2)):
        y = keras.layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
        y = keras.layers.ReLU()(keras.layers.BatchNormalization()(y))
        y = keras.layers.BatchNormalization()(keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(y))
        if strides != 1 or x.shape[-1] != filters:
            x = keras.layers.BatchNormalization()(keras.layers.Conv2D(filters, 1, strides=strides, use_bias=False)(x))
        x = keras.layers.ReLU()(keras.layers.Add()([x, y]))
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Activation("softmax", dtype="float32")(keras.layers.Dense(10)(x))
    return keras.Model(inputs, outputs)
"""},
    },
}


def run_once(chapter, design, seed, bad):
    """Run the design's cells with ``seed``; return the facts dict."""
    namespace = design.get("setup", dict)()
    for name, source in zip(design["cells"], cell_sources(chapter, design["cells"])):
        if bad and name in design["bad"]:
            source = design["bad"][name]
        if name == design["seeded_cell"]:
            assert SEED_CALL in source, f"{name} no longer calls {SEED_CALL}"
            source = source.replace(SEED_CALL, f"keras.utils.set_random_seed({seed})")
        filename = f"<{chapter}:{name}>"
        # registered, as solution_namespace does, so that tf.function's AutoGraph can read the source
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), namespace)
    return namespace[design["facts"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", choices=sorted(DESIGNS))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--bad", action="store_true", help="measure the entry's bad design instead")
    args = parser.parse_args()
    design = DESIGNS[args.chapter]
    rows = []
    for seed in range(args.seeds):
        start = time.perf_counter()
        facts = run_once(args.chapter, design, seed, args.bad)
        rows.append((seed, facts[design["params"]], float(facts[design["accuracy"]]), time.perf_counter() - start))
    accuracies = [row[2] for row in rows]
    low, mean, high = min(accuracies), statistics.mean(accuracies), max(accuracies)
    std = statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
    print(f"\n{args.chapter}, {'bad design' if args.bad else 'solution'}, "
          f"COURSE_QUICK={os.environ.get('COURSE_QUICK') or '(unset)'}:\n")
    print("| seed | parameters | accuracy | seconds |")
    print("| ---: | ---: | ---: | ---: |")
    for seed, params, accuracy, seconds in rows:
        print(f"| {seed} | {params:,} | {accuracy:.3f} | {seconds:.0f} |")
    print(f"\nmin {low:.3f}, mean {mean:.3f}, max {high:.3f}, std {std:.3f}")
    rule = min(low - 3 * std, low - 0.05)
    verdict = ("below the rule: fine" if design["threshold"] <= rule else "ABOVE the rule: lower it") if not args.bad \
        else ("every run below it: fine" if high < design["threshold"] else "a run REACHES it: raise the threshold")
    print(f"rule: threshold <= min(min - 3 std, min - 0.05) = {rule:.3f}; the exercise asserts "
          f">= {design['threshold']:.2f}: {verdict}")


if __name__ == "__main__":
    main()
