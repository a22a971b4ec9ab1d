"""Typed views of ``course_utils.diagrams.base`` for the drawing modules that ``mypy --strict`` checks.

``base`` carries no annotations yet, and strict mypy refuses calls into unannotated functions; these names are the
same functions, with the types they take and give written down. Drop this module once ``base`` is annotated.
"""

from collections.abc import Callable
from typing import cast

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.text import Text

from course_utils.diagrams import base

new_figure = cast(Callable[..., tuple[Figure, Axes]], base.new_figure)
box = cast(Callable[..., Patch], base.box)
arrow = cast(Callable[..., Patch], base.arrow)
label = cast(Callable[..., Text], base.label)
texts = cast(Callable[[Figure], list[str]], base.texts)
readable = cast(Callable[..., bool], base.readable)
ACCENT: str = base.ACCENT
INK: str = base.INK
MUTED: str = base.MUTED
FILLS: dict[str, str] = base.FILLS
__all__ = ["ACCENT", "FILLS", "INK", "MUTED", "arrow", "box", "label", "new_figure", "readable", "texts"]
