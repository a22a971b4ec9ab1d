"""What the build changes in the pages for accessibility: readable colours in cell outputs, one alt text per
figure, toggles named by the text they show."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx.application import Sphinx


# WCAG 2.1 AA's contrast for normal text, and the background of cell outputs in the theme's light and dark
# modes (pydata-sphinx-theme 0.17, measured by axe-core): coloured text in outputs is made to reach it.
MIN_CONTRAST = 4.5
OUTPUT_BACKGROUNDS = {"light": "#f3f4f5", "dark": "#29313d"}
# Alt texts of figures come from a code cell's metadata: MyST-NB's ``mystnb: {image: {alt: "..."}}`` gives
# every figure of the cell the same text; ``alt_texts: ["...", "..."]`` gives each figure its own, in order.
ALT_TEXTS_KEY = "alt_texts"


def _hex(rgb: tuple[float, ...]) -> str:
    """``"#rrggbb"`` of an RGB triple of floats in [0, 1]."""
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in rgb)


def readable_color(color: str, background: str, minimum: float = MIN_CONTRAST + 0.1) -> str:
    """Return ``color`` (a hex colour) unchanged when it has WCAG contrast ``minimum`` with ``background``,
    else the colour mixed towards black (on a light background) or white (on a dark one) in steps of 2 % until
    it has: the same hue, darker or lighter. Hex strings in and out ("#rrggbb")."""
    from matplotlib.colors import to_rgb

    from course_utils.colors import contrast_ratio, relative_luminance

    rgb = to_rgb(color)
    if contrast_ratio(rgb, background) >= minimum:
        return _hex(rgb)
    target = 0.0 if relative_luminance(background) > 0.18 else 1.0
    red, green, blue = rgb
    for step in range(1, 51):
        mix = step / 50
        mixed = (red + (target - red) * mix, green + (target - green) * mix, blue + (target - blue) * mix)
        if contrast_ratio(mixed, background) >= minimum:
            return _hex(mixed)
    return _hex((target,) * 3)


def readable_styles(html_text: str, backgrounds: Mapping[str, str] = OUTPUT_BACKGROUNDS) -> str:
    """Rewrite the inline text colours of an HTML output (Keras's rich ``model.summary()``, for example
    ``<span style="color: #00d7ff">``) to colours with AA contrast on the theme's output background: the
    light mode's in ``color``, the dark mode's in the custom property ``--course-dark-color`` that
    _static/accessibility.css applies in dark mode. A background set in the same style attribute is used
    instead of the theme's. Returns the new HTML."""

    def style(match: re.Match[str]) -> str:
        declarations = [d.strip() for d in match.group(1).split(";") if d.strip()]
        values: dict[str, str] = {}
        for declaration in declarations:
            name, _, value = declaration.partition(":")
            values[name.strip().lower()] = value.strip()
        color = values.get("color", "")
        if not re.fullmatch(r"#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}", color) or "--course-dark-color" in values:
            return match.group(0)  # no colour of its own, or rewritten already
        own = values.get("background-color") or values.get("background")
        light = readable_color(color, own or backgrounds["light"])
        dark = readable_color(color, own or backgrounds["dark"])
        kept = [
            d for d in declarations if d.partition(":")[0].strip().lower() not in {"color", "text-decoration-color"}
        ]
        new = [f"color: {light}", f"--course-dark-color: {dark}", "text-decoration-color: currentColor", *kept]
        return f'style="{"; ".join(new)}"'

    return re.sub(r'style="([^"]*)"', style, html_text)


def make_outputs_readable(app: Sphinx, doctree: nodes.document) -> None:
    """Give the coloured text of HTML cell outputs AA contrast in both colour modes (``readable_styles``)."""
    from docutils import nodes

    for raw in list(doctree.findall(nodes.raw)):
        if "html" not in raw.get("format", "").split() or "color" not in raw.astext():
            continue
        text = raw.astext()
        new = readable_styles(text)
        if new != text:
            raw.children = [nodes.Text(new)]
            raw.rawsource = new


def figure_alt_texts(cell_metadata: Mapping[str, Any], figures: int) -> list[str | None]:
    """The alt texts of a code cell's ``figures`` (how many image outputs it has), in output order, from its
    metadata: ALT_TEXTS_KEY, a list with one text per figure, or else MyST-NB's ``mystnb.image.alt``, one text
    for every figure of the cell. None where the cell gives none. Raises ValueError when the list's length is
    not the number of figures."""
    texts = cell_metadata.get(ALT_TEXTS_KEY)
    if texts is not None:
        if not isinstance(texts, list) or len(texts) != figures or not all(isinstance(t, str) for t in texts):
            raise ValueError(f"{ALT_TEXTS_KEY} should be a list of {figures} texts, one per figure, got {texts!r}")
        return list(texts)
    shared = ((cell_metadata.get("mystnb") or {}).get("image") or {}).get("alt")
    return [None if shared is None else str(shared)] * figures


def give_figures_their_alt_texts(app: Sphinx, doctree: nodes.document) -> None:
    """Give each figure of a code cell its own alt text when the cell's metadata lists them (ALT_TEXTS_KEY);
    MyST-NB itself applies ``mystnb.image.alt``. A list of the wrong length is a build warning (an error under
    ``-W``)."""
    from docutils import nodes
    from sphinx.util import logging

    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code" or ALT_TEXTS_KEY not in (cell.get("cell_metadata") or {}):
            continue
        images = list(cell.findall(nodes.image))
        try:
            texts = figure_alt_texts(cell["cell_metadata"], len(images))
        except ValueError as error:
            logging.getLogger(__name__).warning(
                f"{app.env.docname}, cell {cell.get('cell_index')}: {error}", location=cell
            )
            continue
        for image, text in zip(images, texts, strict=True):
            image["alt"] = text


def name_toggles_by_their_text(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: nodes.document | None
) -> None:
    """MyST-NB labels the toggle of a collapsed cell "Toggle hidden content" while it shows "Show the visible
    tests": a label that does not contain the visible text (WCAG 2.5.3). Without the label, the toggle's name is
    the text it shows."""
    body = context.get("body")
    if isinstance(body, str):
        context["body"] = body.replace('<summary aria-label="Toggle hidden content">', "<summary>")
