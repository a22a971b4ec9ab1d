"""Where the thresholds of the design exercises come from: the solution's spread across seeds.

    .venv/bin/python benchmarks/design_spread.py 01_linear_models --seeds 5

Each chapter with a design exercise has a locked cell that trains and measures a design, defining
``design_result(seed)`` (returns at least ``{"params": int, "accuracy": float}``) and ``TARGET_ACCURACY``, the
threshold the test cell asserts. This script runs the cells listed in ``DESIGNS`` (the chapter's imports, its
data loading, that cell and the solution cell, all read from ``solutions/`` by grade id or cell id), calls
``design_result`` once per seed, and prints a Markdown table, the spread and the threshold rule: the threshold
must lie at or below min - 3 standard deviations of the solution's accuracies, and above every seed of each
*bad* design listed (a design a learner might try that must fail). Runs in quick mode (``COURSE_QUICK=1``)
unless the environment says otherwise; the design exercises train on a fixed subset of the first 2,000
training images, the same in both modes.

To add a chapter, add an entry to ``DESIGNS``: ``cells`` (run in order in one namespace), and ``bad``, a dict
from a label to ``{solution grade id: replacement source}``.
"""

import argparse
import os
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("COURSE_QUICK", "1")

from course_tools.notebooks import solution_namespace  # noqa: E402

DESIGNS = {
    "01_linear_models": {
        "cells": ["code-004", "code-006", "budget_design_trainer", "budget_design_solution"],
        "bad": {
            "Keras's defaults: learning rate 0.001, batches of 128, 5 epochs (60 steps)":
                {"budget_design_solution": 'DESIGN = {"learning_rate": 0.001, "batch_size": 128, "epochs": 5}'},
        },
    },
    "02_deep_networks": {
        "cells": ["code-004", "spiral_design_trainer", "spiral_design_solution"],
        "bad": {
            "two hidden layers of 10 units without activation (162 parameters, a linear model in disguise)":
                {"spiral_design_solution": (
                    "def build_spiral_net():\n    return keras.Sequential([keras.Input(shape=(2,)), "
                    "keras.layers.Dense(10), keras.layers.Dense(10), keras.layers.Dense(2), keras.layers.Softmax()])")},
        },
    },
    "03_convolutional_networks": {
        "cells": ["code-004", "code-023", "code-025", "small_cnn_trainer", "small_cnn_solution"],
        "bad": {
            "a DNN within the budget, Dense(12) (9,550 parameters)": {"small_cnn_solution": (
                "def build_small_cnn():\n    return keras.Sequential([keras.Input(shape=(28, 28, 1)), "
                "keras.layers.Flatten(), keras.layers.Dense(12, activation='relu'), keras.layers.Dense(10), "
                "keras.layers.Softmax()])")},
        },
    },
}


def run(chapter, seeds, replacements=None):
    """Run the chapter's design cells (with ``replacements``: grade id -> source) and ``design_result`` per seed;
    return (TARGET_ACCURACY, [result dicts])."""
    from course_tools.notebooks import cell_sources

    cells = DESIGNS[chapter]["cells"]
    namespace = {}
    if not replacements:
        solution_namespace(chapter, cells, namespace)
    else:
        for name, source in zip(cells, cell_sources(chapter, cells)):
            exec(compile(replacements.get(name, source), f"<{chapter}:{name}>", "exec"), namespace)
    return namespace["TARGET_ACCURACY"], [namespace["design_result"](seed) for seed in range(seeds)]


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
    print(f"## {args.chapter}: the solution's design, {args.seeds} seeds, "
          f"COURSE_QUICK={os.environ['COURSE_QUICK']}\n")
    print(table(results))
    print(f"\nmin {low:.4f} | mean {mean:.4f} | max {max(accuracies):.4f} | std {std:.4f} | "
          f"min - 3 std = {rule:.4f}")
    print(f"threshold in the notebook (TARGET_ACCURACY): {target} -> "
          f"{'at or below min - 3 std: OK' if target <= rule else 'ABOVE min - 3 std: lower it'}")
    if args.no_bad:
        return
    for label, replacements in DESIGNS[args.chapter]["bad"].items():
        _, bad = run(args.chapter, args.seeds, replacements)
        best = max(result["accuracy"] for result in bad)
        print(f"\n### bad design: {label}\n\n{table(bad)}\n\nbest {best:.4f} -> "
              f"{'below the threshold: fails, as it should' if best < target else 'REACHES the threshold: raise it'}")


if __name__ == "__main__":
    main()
