"""How long each chapter takes to run top to bottom, as the book builds it (full data, not quick mode), and the
longest stretch during which a cell printed nothing.

    .venv/bin/python benchmarks/chapter_runtimes.py [CHAPTER ...] [--keep-outputs DIR]

(about 15 minutes on 2 idle cores)

Executes each solution notebook in a fresh Jupyter kernel with nbclient, the way Jupyter Book does, and
records the time of every output message. Prints a Markdown table: minutes per chapter, its slowest cell,
and the longest silence (seconds between a cell's start or its last output and its next output or its end).
``--keep-outputs DIR`` also writes each executed notebook there, to read its training logs afterwards.

The same machine can run the same notebook twice as slowly at another hour (shared hosts), so each row also
gives the machine's speed just before the chapter ran: float32 matrix products in NumPy, in GFLOP/s.
These are the figures the chapters quote for a CPU runtime; Colab's free CPU runtime has 2 cores too.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from course_tools import layout
from course_tools.speed import machine_speed


class TimedClient(NotebookClient):
    """An nbclient that notes, per cell, its duration and the longest gap between two signs of life."""

    def __init__(self, nb, **kwargs):
        super().__init__(nb, **kwargs)
        self.cell_times = []  # (cell id, seconds, longest silence in seconds)
        self._last_sign = None

    def output(self, outs, msg, display_id, cell_index):
        now = time.perf_counter()
        self._silence = max(self._silence, now - self._last_sign)
        self._last_sign = now
        return super().output(outs, msg, display_id, cell_index)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type != "code":
            return cell
        start = self._last_sign = time.perf_counter()
        self._silence = 0.0
        result = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        end = time.perf_counter()
        self._silence = max(self._silence, end - self._last_sign)
        self.cell_times.append((cell.get("id", str(cell_index)), end - start, self._silence))
        return result


def run_chapter(chapter, keep_outputs=None):
    """Execute one solution notebook in full mode; return (minutes, slowest cell, longest silence).

    ``keep_outputs``: a folder to write the executed notebook into (``None``: keep nothing)."""
    path = layout.solution_notebook(chapter)
    nb = nbformat.read(path, as_version=4)
    client = TimedClient(nb, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    minutes = (time.perf_counter() - start) / 60
    if keep_outputs is not None:
        keep_outputs.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, keep_outputs / path.name)
    slowest = max(client.cell_times, key=lambda row: row[1])
    silent = max(client.cell_times, key=lambda row: row[2])
    return minutes, slowest, silent


def main(chapters, keep_outputs=None):
    os.environ[layout.QUICK_ENV] = "0"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU cores, "
        f"{layout.DATA_DIR_ENV}={os.environ.get(layout.DATA_DIR_ENV) or '(unset: download)'}, full data\n",
        flush=True,
    )
    print("| chapter | full run (minutes) | slowest cell (s) | longest silence (s) | machine speed (GFLOP/s) |")
    print("| --- | ---: | --- | --- | ---: |")
    for chapter in chapters:
        speed = machine_speed()
        minutes, (slow_id, slow_s, _), (silent_id, _, silence) = run_chapter(chapter, keep_outputs)
        print(
            f"| {chapter} | {minutes:.1f} | {slow_s:.0f} (`{slow_id}`) | {silence:.0f} (`{silent_id}`) | {speed:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    every = layout.chapter_ids()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", default=every, help="chapter ids (default: all)")
    parser.add_argument("--keep-outputs", type=Path, metavar="DIR", help="write the executed notebooks here")
    args = parser.parse_args()
    main(args.chapters, args.keep_outputs)
