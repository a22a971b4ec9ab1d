"""The book meets WCAG 2.1 A and AA, as a reader with a screen reader or a keyboard meets it.

axe-core (npm package, installed by course_tools.audit into _build/npm-axe-core) audits every page of both
editions, with and without solutions (``book_site_without_solutions``), their collapsed cells opened, and the
chapters in dark mode; the keyboard reaches and works every control of a chapter page with a visible focus.
Pages are served and opened as in tests/test_browser.py (tests/site_browser.py, fixtures in tests/conftest.py).
"""

import pytest

from chapter_runs import COLAB_CPU
from site_browser import EDITIONS, TOC_PAGES, audit_book, build_book, open_page, typeset

# A term that chapter 1 teaches, typed into the search field.
SEARCH_TERM = "softmax"

pytestmark = pytest.mark.slow
CHAPTER_RUNS = (COLAB_CPU,)  # the book takes its outputs from these runs (tests/chapter_runs.py)

AUDITED_PAGES = [f"{page}.html" for page in TOC_PAGES] + list(audit_book.OTHER_PAGES)
CHAPTER_1 = next(f"{page}.html" for page in TOC_PAGES if page.startswith("chapters/"))
# Every element that can take the keyboard's focus and is on screen, numbered in data-course-control; a list
# of what they are.
_MARK_CONTROLS = """() => {
    const selector = 'a[href], button, summary, input, select, textarea, iframe, [tabindex], [contenteditable]';
    const folded = el => {  // inside a closed <details>, other than its own summary
        const details = el.closest('details:not([open])');
        return !!details && !(el.tagName === 'SUMMARY' && el.parentElement === details);
    };
    const shown = el => el.checkVisibility({visibilityProperty: true}) && !folded(el) && !el.closest('[inert]');
    const controls = Array.from(document.querySelectorAll(selector))
        .filter(el => el.tabIndex >= 0 && !el.disabled && shown(el));
    return controls.map((el, index) => {
        el.dataset.courseControl = String(index);
        return `${el.tagName.toLowerCase()}.${el.className}: ${(el.innerText || el.getAttribute('aria-label')
                || el.getAttribute('href') || '').trim().slice(0, 50)}`;
    });
}"""
# What has the focus: its number, a description, and whether the focus can be seen on it (an outline of 2 px
# or more, the element shown and not transparent).
_FOCUS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) { return null; }
    const style = getComputedStyle(el);
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) { opacity *= parseFloat(getComputedStyle(e).opacity); }
    const rect = el.getBoundingClientRect();
    return {index: el.dataset.courseControl === undefined ? null : Number(el.dataset.courseControl),
            name: `${el.tagName.toLowerCase()}.${el.className}: ${(el.innerText || el.getAttribute('aria-label')
                   || el.getAttribute('href') || '').trim().slice(0, 50)}`,
            visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 && opacity > 0.9
                     && rect.width > 0 && rect.height > 0 && style.visibility !== 'hidden'};
}"""


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("path", AUDITED_PAGES)
def test_page_meets_wcag_21_aa(browser, edition_server, axe_script, path, edition):
    """axe-core finds no violation of a WCAG 2.1 A or AA rule on the page, its collapsed cells opened."""
    page, problems = open_page(browser, edition_server(edition), path)
    try:
        typeset(page)
        opened = audit_book.open_collapsed(page)
        if path.startswith("chapters/"):
            assert opened > 0, f"{path}: the chapter's test cells are collapsed"
        violations = audit_book.run_axe(page, axe_script)
        assert not violations, "\n".join(audit_book.describe(f"{path} ({edition})", violations))
        assert problems == [], f"{path} ({edition}):\n" + "\n".join(problems)
    finally:
        page.close()


@pytest.mark.parametrize("path", [page for page in AUDITED_PAGES if page.startswith("chapters/")])
def test_chapter_meets_wcag_21_aa_in_dark_mode(browser, server, axe_script, path):
    """The same audit in the theme's dark mode (the reader's choice, kept in localStorage), where coloured
    outputs take their dark-mode colours."""
    page, problems = open_page(browser, server, path)
    try:
        page.evaluate("() => localStorage.setItem('mode', 'dark')")
        page.reload(wait_until="load")
        typeset(page)
        assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
        audit_book.open_collapsed(page)
        violations = audit_book.run_axe(page, axe_script)
        assert not violations, "\n".join(audit_book.describe(f"{path} (dark mode)", violations))
    finally:
        page.evaluate("() => localStorage.removeItem('mode')")
        page.close()


def test_keyboard_reaches_every_control_of_a_chapter_with_visible_focus(browser, server):
    """Tab from the top of chapter 1 to its end: every control on screen takes the focus in turn (the skip
    link, the header's buttons, the navigation, the collapsed cells' toggles, the copy buttons, the links),
    and each shows it with an outline."""
    page, problems = open_page(browser, server, CHAPTER_1)
    try:
        page.add_style_tag(content=audit_book.NO_TRANSITIONS)
        controls = page.evaluate(_MARK_CONTROLS)
        assert len(controls) > 20, controls
        reached, unseen = set(), []
        for _ in range(len(controls) + 50):
            page.keyboard.press("Tab")
            focus = page.evaluate(_FOCUS)
            if focus is None:
                if reached:
                    break  # past the last control
                continue
            if focus["index"] is not None:
                reached.add(focus["index"])
            if not focus["visible"]:
                unseen.append(focus["name"])
        missed = [name for index, name in enumerate(controls) if index not in reached]
        assert not missed, f"{len(missed)} of {len(controls)} controls the Tab key never reaches:\n" + "\n".join(missed)
        assert not unseen, "controls whose focus cannot be seen:\n" + "\n".join(sorted(set(unseen)))
        names = "\n".join(controls)
        for expected in (
            "Skip to main content",
            "theme-switch-button",
            "search-button-field",
            f"summary.: {build_book.TEST_CELL_COLLAPSE[1]}",
            "copybtn",
            "right-next",
        ):
            assert expected in names, f"no {expected} among the controls reached"
        assert problems == [], "\n".join(problems)
    finally:
        page.close()


def test_collapsed_test_cells_open_with_a_click_and_from_the_keyboard(browser, edition_server):
    """Chapter 1's visible test cells are collapsed behind a toggle that says what it holds; a click opens
    one, and so do Enter and Space on the focused toggle. The code of the facts cells is collapsed too, while
    what they print (the model's summary) stays in view. Both editions."""
    for edition in EDITIONS:
        page, problems = open_page(browser, edition_server(edition), CHAPTER_1)
        try:
            page.add_style_tag(content=audit_book.NO_TRANSITIONS)
            tests = page.locator("details.hide", has_text=build_book.TEST_CELL_COLLAPSE[1])
            facts = page.locator("details.hide", has_text=build_book.FACTS_CELL_COLLAPSE[1])
            assert tests.count() >= 5 and facts.count() >= 3, (edition, tests.count(), facts.count())
            first = tests.first
            code = first.locator("div.cell_input")
            assert first.get_attribute("open") is None and not code.is_visible(), "closed by default"
            first.locator("summary").click()
            assert first.get_attribute("open") is not None and code.is_visible(), "a click opens it"
            assert "assert" in code.inner_text()
            first.locator("summary").click()
            assert not code.is_visible(), "a second click closes it"
            first.locator("summary").focus()
            page.keyboard.press("Enter")
            assert code.is_visible(), "Enter opens it"
            page.keyboard.press(" ")
            assert not code.is_visible(), "Space closes it"
            summary = (
                page.locator("details.hide", has_text=build_book.FACTS_CELL_COLLAPSE[1])
                .filter(has=page.locator("xpath=..//div[contains(@class, 'cell_output')]"))
                .first
            )
            assert summary.count() == 1
            cell = summary.locator("xpath=..")
            assert not cell.locator("div.cell_input").is_visible(), "the facts cell's code is collapsed"
            assert cell.locator("div.cell_output").is_visible(), "what the facts cell prints stays in view"
            assert problems == [], f"{edition}:\n" + "\n".join(problems)
        finally:
            page.close()


def test_header_buttons_work_from_the_keyboard(browser, server):
    """The launch menu opens with Enter and its Colab link takes the focus with the arrow key; the
    colour-mode button switches the mode with Enter; the search button opens the search with Enter, which
    Escape closes again."""
    page, problems = open_page(browser, server, CHAPTER_1)
    try:
        page.add_style_tag(content=audit_book.NO_TRANSITIONS)
        page.locator("button.dropdown-toggle[aria-label='Launch interactive content']").focus()
        page.keyboard.press("Enter")
        colab = page.locator('.dropdown-menu a[href^="https://colab.research.google.com/"]')
        colab.wait_for(state="visible", timeout=5_000)
        page.keyboard.press("ArrowDown")
        assert page.evaluate("() => document.activeElement.href").startswith("https://colab.research.google.com/")
        page.keyboard.press("Escape")
        colab.wait_for(state="hidden", timeout=5_000)
        mode = page.evaluate("() => document.documentElement.dataset.mode")
        page.locator("button.theme-switch-button").first.focus()
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.documentElement.dataset.mode") != mode
        button = page.locator("button.search-button-field:visible").first
        button.focus()
        page.keyboard.press("Enter")
        search = page.locator("#pst-search-dialog")
        search.wait_for(state="visible", timeout=5_000)
        page.keyboard.type(SEARCH_TERM)
        assert page.evaluate("() => document.activeElement.value") == SEARCH_TERM, "the search field has the focus"
        page.keyboard.press("Escape")
        search.wait_for(state="hidden", timeout=5_000)
        assert problems == [], "\n".join(problems)
    finally:
        page.close()
