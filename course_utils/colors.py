"""Colour contrast as WCAG 2.1 defines it, for everything the course draws or publishes: the plots and drawings
of ``course_utils`` and the book's readable output colours (``course_tools.book``).
"""

import numpy as np


def relative_luminance(color):
    """WCAG's relative luminance (0 black to 1 white) of a matplotlib colour (a name, ``"#rrggbb"`` or RGB)."""
    from matplotlib.colors import to_rgb

    channels = np.asarray(to_rgb(color), dtype=float)
    linear = np.where(channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def contrast_ratio(first, second):
    """WCAG's contrast ratio (1 to 21) of two matplotlib colours; text needs 4.5 (AA), 7 (AAA)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_color_on(background):
    """"black" or "white", whichever contrasts more with ``background`` (a matplotlib colour)."""
    return "black" if contrast_ratio("black", background) >= contrast_ratio("white", background) else "white"
