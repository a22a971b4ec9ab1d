"""Where the thresholds of the design exercises come from: the solution's spread across seeds.

    .venv/bin/python benchmarks/design_spread.py 01_linear_models --seeds 5
    .venv/bin/python benchmarks/design_spread.py 05_going_deeper --seeds 5 --no-bad

Runs the chapter's own cells, read from ``solutions/`` by grade id or cell id, once per seed, and prints a
Markdown table (seed, parameters, accuracy), the spread and the threshold rule: the threshold the test cell
asserts must lie at or below min - 3 standard deviations of the solution's accuracies, and above every seed
of each *bad* design listed (a design a learner might try, which must fail). Runs in quick mode
(``COURSE_QUICK=1``, as the graded tests do) unless the environment says otherwise.

``DESIGNS`` holds everything chapter-specific, one entry per chapter id, in one of two forms:

* chapters 1 to 3: ``cells`` to run in order; the chapter's locked trainer cell defines ``design_result(seed)``
  (returns at least ``{"params": int, "accuracy": float}``) and ``TARGET_ACCURACY``, the threshold;
* chapters 4 and 5: ``cells`` to run in order for each seed, of which ``seeded_cell`` calls
  ``keras.utils.set_random_seed(0)`` (the seed replaces the 0); the facts dict named ``facts`` holds the
  ``params`` and ``accuracy`` keys; ``threshold`` is what the test cell asserts.

``bad`` maps a label to ``{grade id: replacement source}``.
"""

import argparse
import os
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("COURSE_QUICK", "1")

from course_tools.notebooks import cell_sources, solution_namespace  # noqa: E402

SEED_CALL = "keras.utils.set_random_seed(0)"

DESIGNS = {
    "01_linear_models": {
        "cells": ["code-004", "code-006", "budget_design_trainer", "budget_design_solution"],
        "bad": {
            "Keras's defaults: learning rate 0.001, batches of 128, 5 epochs (60 steps)": {
                "budget_design_solution": 'DESIGN = {"learning_rate": 0.001, "batch_size": 128, "epochs": 5}'
            },
        },
    },
    "02_deep_networks": {
        "cells": ["code-004", "spiral_design_trainer", "spiral_design_solution"],
        "bad": {
            "two hidden layers of 10 units without activation (162 parameters, a linear model in disguise)": {
                "spiral_design_solution": (
                    "def build_spiral_net():\n    return keras.Sequential([keras.Input(shape=(2,)), "
                    "keras.layers.Dense(10), keras.layers.Dense(10), keras.layers.Dense(2), keras.layers.Softmax()])"
                )
            },
        },
    },
    "03_convolutional_networks": {
        "cells": ["code-004", "code-023", "code-025", "small_cnn_trainer", "small_cnn_solution"],
        "bad": {
            "a DNN within the budget, Dense(12) (9,550 parameters)": {
                "small_cnn_solution": (
                    "def build_small_cnn():\n    return keras.Sequential([keras.Input(shape=(28, 28, 1)), "
                    "keras.layers.Flatten(), keras.layers.Dense(12, activation='relu'), keras.layers.Dense(10), "
                    "keras.layers.Softmax()])"
                )
            },
        },
    },
    "04_data_scarcity": {
        "cells": [
            "code-004",
            "code-015",
            "code-016",
            "pipeline_decode",
            "preprocess_solution",
            "pipeline_dataset",
            "code-029",
            "transfer_solution",
            "experiment_helpers",
            "few_label_solution",
            "few_label_training",
            "few_label_facts",
        ],
        "seeded_cell": "few_label_training",
        "facts": "few_label_facts",
        "params": "trainable_params",
        "accuracy": "accuracy",
        "threshold": 0.47,
        # within the budget, but trained from scratch on the 25 images: 6,197 trainable parameters
        "bad": {
            "a small network trained from scratch within the budget (6,197 parameters)": {
                "few_label_solution": """
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
"""
            }
        },
    },
    "05_going_deeper": {
        "cells": [
            "code-006",
            "code-007",
            "code-031",
            "conv_bn_relu_solution",
            "residual_block_solution",
            "small_resnet_solution",
            "small_resnet_training",
            "small_resnet_facts",
        ],
        "seeded_cell": "small_resnet_training",
        "facts": "small_resnet_facts",
        "params": "params",
        "accuracy": "accuracy",
        "threshold": 0.60,
        # wide enough, but Keras's default momentum 0.99: after 45 steps the moving averages are still near
        # their start (mean 0, variance 1), and the network fails in inference mode
        "bad": {
            "the same ResNet with Keras's default momentum 0.99": {
                "small_resnet_solution": """
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
"""
            }
        },
    },
}


def run(chapter, seeds, replacements=None):
    """Train the chapter's design (with ``replacements``: grade id -> source) once per seed; return
    (the threshold, [{"params", "accuracy"} per seed])."""
    design, replacements = DESIGNS[chapter], dict(replacements or {})
    if "seeded_cell" not in design:
        namespace = solution_namespace(chapter, design["cells"], {}, replacements)
        return namespace["TARGET_ACCURACY"], [namespace["design_result"](seed) for seed in range(seeds)]
    seeded = design["seeded_cell"]
    source = replacements.get(seeded) or cell_sources(chapter, [seeded])[0]
    if SEED_CALL not in source:
        raise ValueError(f"{chapter}: {seeded} no longer calls {SEED_CALL}")
    results = []
    for seed in range(seeds):
        replacements[seeded] = source.replace(SEED_CALL, f"keras.utils.set_random_seed({seed})")
        facts = solution_namespace(chapter, design["cells"], {}, replacements)[design["facts"]]
        results.append({"params": facts[design["params"]], "accuracy": float(facts[design["accuracy"]])})
    return design["threshold"], results


def table(results):
    lines = ["| seed | parameters | accuracy |", "| ---: | ---: | ---: |"]
    lines += [f"| {seed} | {result['params']:,} | {result['accuracy']:.4f} |" for seed, result in enumerate(results)]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", choices=sorted(DESIGNS))
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0, 1, ... (at least 2)")
    parser.add_argument("--no-bad", action="store_true", help="skip the bad designs")
    args = parser.parse_args()

    target, results = run(args.chapter, args.seeds)
    accuracies = [result["accuracy"] for result in results]
    low, mean, std = min(accuracies), statistics.mean(accuracies), statistics.stdev(accuracies)
    rule = low - 3 * std
    print(f"## {args.chapter}: the solution's design, {args.seeds} seeds, COURSE_QUICK={os.environ['COURSE_QUICK']}\n")
    print(table(results))
    print(f"\nmin {low:.4f} | mean {mean:.4f} | max {max(accuracies):.4f} | std {std:.4f} | min - 3 std = {rule:.4f}")
    print(
        f"threshold in the notebook: {target} -> "
        f"{'at or below min - 3 std: OK' if target <= rule else 'ABOVE min - 3 std: lower it'}"
    )
    if args.no_bad:
        return
    for label, replacements in DESIGNS[args.chapter]["bad"].items():
        _, bad = run(args.chapter, args.seeds, replacements)
        best = max(result["accuracy"] for result in bad)
        print(
            f"\n### bad design: {label}\n\n{table(bad)}\n\nbest {best:.4f} -> "
            f"{'below the threshold: fails, as it should' if best < target else 'REACHES the threshold: raise it'}"
        )


if __name__ == "__main__":
    main()
