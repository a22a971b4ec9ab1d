"""Colour contrast as WCAG 2.1 defines it, for everything the course draws or publishes: the plots and drawings
of ``course_utils`` and the book's readable output colours (``course_tools.book``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, SupportsFloat

import numpy as np

if TYPE_CHECKING:
    from matplotlib.image import AxesImage
    from matplotlib.typing import ColorType


def relative_luminance(color: ColorType) -> float:
    """WCAG's relative luminance (0 black to 1 white) of a matplotlib colour (a name, ``"#rrggbb"`` or RGB)."""
    from matplotlib.colors import to_rgb

    channels = np.asarray(to_rgb(color), dtype=float)
    linear = np.where(channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def contrast_ratio(first: ColorType, second: ColorType) -> float:
    """WCAG's contrast ratio (1 to 21) of two matplotlib colours; text needs 4.5 (AA), 7 (AAA)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_color_on(background: ColorType) -> str:
    """ "black" or "white", whichever contrasts more with ``background`` (a matplotlib colour)."""
    return "black" if contrast_ratio("black", background) >= contrast_ratio("white", background) else "white"


def cell_text_color(image: AxesImage, value: SupportsFloat) -> str:
    """ "black" or "white": the colour for ``value`` written into its cell of ``image`` (what ``imshow`` returned),
    whichever contrasts more with the colour ``image`` gives that value (for heat maps with their numbers)."""
    red, green, blue, _ = image.to_rgba(np.array([float(value)]))[0]
    return text_color_on((float(red), float(green), float(blue)))
