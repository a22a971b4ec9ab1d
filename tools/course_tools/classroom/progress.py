"""Grading progress a person can follow: one updating line on a terminal, one plain line per submission
otherwise (a log file, a CI job, ``nohup``)."""

import sys
import time
from typing import TextIO


def _clock(seconds: float) -> str:
    """``seconds`` as h:mm:ss (or m:ss under an hour)."""
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counts finished submissions of ``total``; ``update`` after each one prints the counts (graded, failed,
    left) and an estimate of the time left (the mean time per finished submission so far, times those left).

    ``stream`` (default stdout) on a terminal gets one line rewritten in place; anything else gets a line per
    submission. ``quiet`` prints nothing."""

    def __init__(self, total: int, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.total, self.graded, self.failed = total, 0, 0
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.quiet = quiet or total == 0
        self.started = time.monotonic()

    def line(self) -> str:
        """The counts and the estimated time left, e.g. ``graded 3, failed 1, left 6, about 0:42 left``."""
        done = self.graded + self.failed
        left = self.total - done
        elapsed = time.monotonic() - self.started
        estimate = f"about {_clock(elapsed / done * left)} left" if done and left else f"{_clock(elapsed)} elapsed"
        return f"graded {self.graded}, failed {self.failed}, left {left}, {estimate}"

    def update(self, name: str, ok: bool, seconds: float) -> None:
        """Count one finished submission (``name``, e.g. ``ada/01_linear_models``; ``ok`` False when it could not
        be graded; ``seconds`` it took) and print the progress."""
        if ok:
            self.graded += 1
        else:
            self.failed += 1
        if self.quiet:
            return
        if self.tty:
            self.stream.write(f"\r\x1b[K{self.line()}")
        else:
            outcome = "graded" if ok else "NOT graded"
            self.stream.write(f"{name}: {outcome} in {seconds:.0f} s ({self.line()})\n")
        self.stream.flush()

    def close(self) -> None:
        """End the updating line (on a terminal)."""
        if self.tty and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()
