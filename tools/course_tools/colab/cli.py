"""``course-colab``: build Colab's environments, or run notebooks with nbval in their kernels."""

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from course_tools.colab.build import build, build_all, describe, format_comparison
from course_tools.colab.interpreter import find_python
from course_tools.colab.kernels import nbval, write_kernelspecs
from course_tools.colab.runtimes import RUNTIMES


def main(argv: Sequence[str] | None = None) -> int:
    """The ``course-colab`` command; returns its exit status."""
    parser = argparse.ArgumentParser(prog="course-colab", description=(__doc__ or "").split("\n\n")[0].strip("`"))
    sub = parser.add_subparsers(dest="command", required=True)
    build_cmd = sub.add_parser("build", help="build the Colab environments (only if out of date)")
    build_cmd.add_argument("runtimes", nargs="*", metavar="{cpu,tpu}", help="default: both")
    build_cmd.add_argument("--force", action="store_true", help="rebuild even if up to date")
    run_cmd = sub.add_parser("nbval", help="run notebooks with nbval in a Colab environment's kernel")
    run_cmd.add_argument("runtime", choices=list(RUNTIMES))
    run_cmd.add_argument("paths", nargs="+")
    sub.add_parser("python", help="print which Python would build the environments")
    args = parser.parse_args(argv)

    if args.command == "python":
        print(find_python().describe())
        return 0
    if args.command == "build":
        unknown = set(args.runtimes) - set(RUNTIMES)
        if unknown:
            parser.error(f"unknown runtime(s) {sorted(unknown)}; choose from {list(RUNTIMES)}")
        stamps = build_all([RUNTIMES[name] for name in args.runtimes or RUNTIMES], force=args.force)
        for name, stamp in stamps.items():
            if not stamp["rebuilt"]:
                print(f"{describe(RUNTIMES[name], stamp)}: up to date\n{format_comparison(RUNTIMES[name])}")
        return 0
    runtime = RUNTIMES[args.runtime]
    build(runtime)
    print(describe(runtime))
    with tempfile.TemporaryDirectory() as jupyter_dir:
        write_kernelspecs(jupyter_dir, [runtime])
        status = 0
        for path in args.paths:
            start = time.monotonic()
            result = nbval(runtime, Path(path).resolve(), jupyter_dir)
            print(result.stdout[-4000:])
            print(f"{path}: exit {result.returncode} in {time.monotonic() - start:.0f} s")
            status = status or result.returncode
        return status


if __name__ == "__main__":
    sys.exit(main())
