"""The built site in a real browser: home page, a paper page, a phone-sized screen."""

from __future__ import annotations

import base64
import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from colours import contrast

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def open_page(browser, url: str, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(url)
    return context, page, errors


def test_home_page_links_to_a_paper_page(browser, shipped_site, serve_site):
    base = serve_site(shipped_site)
    context, page, errors = open_page(browser, base)
    assert page.title() == "Paper Atlas"
    assert page.locator("h2", has_text="Latest digest").count() == 1
    first = page.locator(".paper-list .paper-title a").first
    title = first.inner_text()
    first.click()
    page.wait_for_load_state()
    assert page.url.startswith(base + "papers/")
    assert page.locator("h1").inner_text().strip().endswith(title)
    assert page.locator(".abstract p").first.inner_text().strip() != ""
    page.locator(".tags a.tag").first.click()
    page.wait_for_load_state()
    assert "/atlas/topics/" in page.url and page.locator(".paper-item").count() > 0
    assert errors == []
    context.close()


def test_a_long_topic_pages_on_to_older_papers(browser, shipped_site, serve_site):
    base = serve_site(shipped_site)
    context, page, errors = open_page(browser, base + "topics/fine-tuning/")
    first_page = page.locator(".paper-title a").all_inner_texts()
    # The arrows are for the eye: a screen reader read "Older right arrow".
    expect(page.get_by_role("link", name="Older Page 2 of")).to_have_accessible_name(re.compile(r"^Older Page 2 of \d+$"))
    page.get_by_role("link", name="Older").click()
    page.wait_for_load_state()
    assert page.url == base + "topics/fine-tuning/page/2/"
    second_page = page.locator(".paper-title a").all_inner_texts()
    assert second_page and not set(first_page) & set(second_page)
    expect(page.get_by_role("link", name="Newer")).to_have_accessible_name(re.compile(r"^Newer Page 1 of \d+$"))
    page.get_by_role("link", name="Newer").click()
    page.wait_for_load_state()
    assert page.url == base + "topics/fine-tuning/"
    assert errors == []
    context.close()


@pytest.mark.parametrize("width", [390, 820, 1280])  # a phone, a tablet (where letters wrapped), a desktop
def test_the_letter_bar_stays_in_view_above_the_letter_jumped_to(browser, shipped_site, serve_site, width):
    base = serve_site(shipped_site)
    context, page, errors = open_page(browser, base + "papers/", viewport={"width": width, "height": 800})
    page.locator(".letters a", has_text="M").click()
    page.wait_for_function("() => location.hash === '#letter-M'")
    bar = page.locator(".letters").bounding_box()
    heading = page.locator("#letter-M").bounding_box()
    assert page.evaluate("scrollY") > 1000  # the list scrolled far down, not the bar with it
    assert bar["y"] == 0 and bar["height"] < 80  # one row, at the top of the screen
    assert bar["y"] + bar["height"] <= heading["y"] < bar["y"] + bar["height"] + 60  # just below it, not under it
    # Further down the bar still leads back up.
    below = page.evaluate("scrollY")
    page.mouse.wheel(0, 1500)
    page.wait_for_function("below => scrollY > below + 1000", arg=below)
    page.locator(".letters a", has_text="B").click()
    page.wait_for_function("() => location.hash === '#letter-B'")
    assert page.locator("#letter-B").bounding_box()["y"] >= page.locator(".letters").bounding_box()["height"]
    assert errors == []
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_link_focused_going_back_up_the_list_is_not_under_the_letter_bar(browser, shipped_site, serve_site, width):
    base = serve_site(shipped_site)
    context, page, errors = open_page(browser, base + "papers/", viewport={"width": width, "height": 800})
    page.locator(".title-list a").last.focus()
    for _step in range(60):  # up through titles and letter headings, Shift+Tab by Shift+Tab
        page.keyboard.press("Shift+Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement; if (e.closest('.letters')) return null;"
            " return [e.textContent, e.getBoundingClientRect().top]; })()"
        )
        if focused is None:
            break
        bar = page.locator(".letters").bounding_box()
        assert focused[1] >= bar["y"] + bar["height"] - 0.5, focused  # on screen below the bar
    assert errors == []
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_paper_page_fits_a_phone(browser, shipped_site, serve_site, scheme):
    base = serve_site(shipped_site)
    context, page, errors = open_page(
        browser, base + "papers/", viewport={"width": 390, "height": 844}, color_scheme=scheme
    )
    page.locator(".title-list a").first.click()
    page.wait_for_load_state()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the page scrolls sideways on a phone"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    dark = background in ("rgb(21, 23, 27)",)
    assert dark == (scheme == "dark")
    assert errors == []
    context.close()


# Every pill's text inside its own box: a pill wider than the column was cut
# short with an ellipsis, its end hidden.
CUT_PILLS = """() => [...document.querySelectorAll('.tag')]
  .filter((pill) => pill.scrollWidth > pill.clientWidth + 1)
  .map((pill) => pill.textContent.trim())"""


@pytest.mark.parametrize("text_size", [20, 24], ids=["large-text", "very-large-text"])
def test_a_phone_with_the_browsers_large_text_shows_every_page_in_its_width_and_every_pill_whole(
    browser, shipped_site, serve_site, text_size
):
    """Chrome's "Large" and "Very large" text (20 and 24px, not a zoom: the
    window stays 320px wide) made the topic cards 17 of those rems wide, wider
    than the phone, and cut topics' names in pills to "Recommendation & Inf…"."""
    base = serve_site(shipped_site)
    context, page, errors = open_page(browser, base + "topics/", viewport={"width": 320, "height": 700})
    session = context.new_cdp_session(page)
    session.send("Page.enable")
    session.send("Page.setFontSizes", {"fontSizes": {"standard": text_size, "fixed": 13}})
    for path in ("", "topics/", "topics/fine-tuning/", "dates/", "dates/2025-03-17/", "dates/2025-03/", "papers/",
                 "papers/longlora-efficient-fine-tuning-of-long-context-large-language-models/", "404.html"):
        page.goto(base + path)
        assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == f"{text_size}px"
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, path
        assert page.evaluate(CUT_PILLS) == [], path
    page.goto(base + "search/?q=recommendation")
    page.wait_for_selector("#search-results .result")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert page.evaluate(CUT_PILLS) == []
    assert errors == []
    context.close()


TOO_SMALL_TO_TAP = """() => Array.from(document.querySelectorAll('a'))
  .filter((a) => !a.closest('.visually-hidden, .skip-link'))
  .map((a) => [a.textContent.trim().slice(0, 40), a.getBoundingClientRect()])
  .filter(([_text, box]) => box.width && box.height < 24)
  .map(([text, box]) => text + ': ' + box.height.toFixed(1) + 'px')"""


def test_every_link_is_big_enough_to_tap_on_a_phone(browser, shipped_site, serve_site):
    base = serve_site(shipped_site)
    context, page, errors = open_page(
        browser, base, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
    )
    pages = [base]
    for kind in ("papers/", "topics/", "dates/"):
        page.goto(base + kind)
        pages += [base + kind, page.locator("main li a").first.get_attribute("href")]
    pages.append(base + "search/?q=lora")
    for url in pages:
        page.goto(url if url.startswith("http") else base.split("/atlas/")[0] + url)
        if "/search/" in url:  # not a paper's "…-by-searching-…"
            page.wait_for_selector("#search-results .result")
        assert page.evaluate(TOO_SMALL_TO_TAP) == [], url
    assert errors == []
    context.close()


def test_a_footnotes_number_and_its_way_back_are_big_enough_to_tap(browser, tmp_path, serve_site):
    """A footnote's [1] (small, in a superscript) and its ↩ were 19 by 21px and
    12 by 22px targets on a phone: 24px each way now (WCAG 2.5.8), as the
    site's other links are high."""
    notes = "\n## Notes\n\nAs measured[^1] and reported[^2].\n\n[^1]: On one GPU.\n[^2]: By the authors.\n"
    base, paper = serve_with_notes(tmp_path, serve_site, notes)
    context, page, errors = open_page(
        browser, base + f"papers/{paper.stem}/", viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
    )
    links = page.locator(".footnote-ref a, .footnote-backref")
    assert links.count() == 4
    sizes = links.evaluate_all("links => links.map(link => [link.getBoundingClientRect().width, link.getBoundingClientRect().height])")
    assert all(width >= 24 and height >= 24 for width, height in sizes), sizes
    assert page.evaluate(TOO_SMALL_TO_TAP) == []
    assert errors == []
    context.close()


WIDE_NOTES = (
    "\n## Notes\n\nRun `pip install a-package-name-long-enough-to-need-a-line-of-its-own` first.\n\n"
    "```python\nfor batch in loader: model.train_step(batch, learning_rate=3e-4, accumulation_steps=8, clip=1.0)\n```\n\n"
    "| setting | value | why it matters for the run we did on the long-context benchmark |\n|---|---|---|\n"
    "| lr | 3e-4 | the larger one diverged in the first thousand steps of the warm-up phase |\n"
    "| schedule | `cosine_with_restarts_and_linear_warmup_over_two_thousand_steps` | no word to break it at |\n"
)


def serve_with_notes(tmp_path, serve_site, notes: str, public: dict[str, str] | None = None):
    """The shipped site under /atlas/, its first paper with ``notes`` added
    (and ``public``'s files in content/public/); its address and that paper's file."""
    from site_builder.pipeline import Paths, build

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    for name, text in (public or {}).items():
        (content / "public" / name).parent.mkdir(parents=True, exist_ok=True)
        (content / "public" / name).write_text(text, encoding="utf-8")
    paper = sorted((content / "papers").glob("*.md"))[0]
    paper.write_text(paper.read_text(encoding="utf-8") + notes, encoding="utf-8")
    build(Paths(content=content, out=tmp_path / "_site"), base_url="/atlas/")
    return serve_site(tmp_path / "_site"), paper


def assert_each_name_is_beside_its_row(page) -> None:
    """The topics heat map's row names sit level with their rows, left of the cells."""
    names, cells = page.locator(".row-label"), page.locator(".chart-scroll rect")
    columns = page.locator(".chart-scroll text.label").count()
    assert names.count() * columns == cells.count() and columns == 4

    def middle(locator):
        box = locator.bounding_box()
        return box["y"] + box["height"] / 2

    rows = (0, 9, names.count() - 1)
    assert [middle(names.nth(row)) for row in rows] == pytest.approx(
        [middle(cells.nth(row * columns)) for row in rows], abs=1.5
    )
    names_end = page.evaluate("Math.max(...[...document.querySelectorAll('.row-label')].map("
                              "e => e.closest('.heatmap-names, .heatmap-labels').getBoundingClientRect().right))")
    assert names_end <= page.locator(".chart-scroll").bounding_box()["x"] + 0.5


def test_a_copy_of_the_heat_map_made_when_names_were_a_picture_still_names_each_row(browser, tmp_path, serve_site):
    from site_builder.pipeline import Paths, build

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (tmp_path / "my-templates" / "partials").mkdir(parents=True)
    shutil.copy(FIXTURES / "heatmap-before-names-were-text.html", tmp_path / "my-templates" / "partials" / "heatmap.html")
    with (content / "site.yaml").open("a", encoding="utf-8") as site_yaml:
        site_yaml.write("templates_dir: ../my-templates\n")
    build(Paths(content=content, out=tmp_path / "_site"), base_url="/atlas/")
    base = serve_site(tmp_path / "_site")
    for width in (390, 1200):
        context, page, errors = open_page(browser, base + "topics/", viewport={"width": width, "height": 900})
        assert page.locator("svg .row-label").count() > 20, "the old partial is the one in use"
        assert_each_name_is_beside_its_row(page)
        assert errors == []
        context.close()


def test_wide_notes_and_the_topics_chart_fit_a_phone(browser, tmp_path, serve_site):
    base, paper = serve_with_notes(tmp_path, serve_site, WIDE_NOTES)
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": 390, "height": 844})
    assert page.locator(".notes pre").count() == 1 and page.locator(".notes table").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    # Code and a table that scroll sideways are stops for the keyboard, whose
    # arrows scroll them, and regions that say so; the table inside its box
    # is still a table, with its rows and columns.
    expect(page.locator(".notes pre")).to_have_attribute("tabindex", "0")
    expect(page.get_by_role("region", name="Code (scrolls sideways)")).to_have_count(1)
    scroll_box = page.get_by_role("region", name="Table (scrolls sideways)")
    expect(scroll_box).to_have_attribute("tabindex", "0")
    expect(scroll_box.get_by_role("table")).to_have_count(1)
    scroll_box.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.notes .table-scroll').scrollLeft > 0")  # scrolled, maybe smoothly
    page.goto(base + "topics/")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    # The shipped site's four dates fit beside the names at 390px, each name
    # on its row; a narrower phone scrolls the dates, not the names.
    assert page.locator(".chart-scroll").evaluate("element => element.scrollWidth - element.clientWidth") <= 0
    assert page.locator(".chart-scroll").get_attribute("tabindex") is None, "a keyboard stop that scrolls nothing"
    assert page.locator(".chart-scroll").get_attribute("role") is None, "a region said to scroll that does not"
    assert_each_name_is_beside_its_row(page)
    # Every name is whole: one too long for its column takes two lines of its
    # row (a line clamped away would add a line's 11px to its scrolling height).
    cut = ("names => names.filter(name => name.scrollWidth > name.clientWidth"
           " || name.firstElementChild.scrollHeight > name.firstElementChild.clientHeight + 2).map(name => name.textContent)")
    assert page.locator(".heatmap-names .row-label").evaluate_all(cut) == []
    two_lines = "names => names.filter(name => name.firstElementChild.getClientRects().length === 1 && name.firstElementChild.getBoundingClientRect().height > 15).length"
    assert page.locator(".heatmap-names .row-label").evaluate_all(two_lines) > 0, "no name needed two lines: the test shows nothing"
    # A window as narrow as a phone's layout but with room to spare (a desktop
    # zoomed to 200%) shows every name whole.
    page.set_viewport_size({"width": 640, "height": 900})
    assert page.locator(".heatmap-names .row-label").evaluate_all(cut) == []
    assert_each_name_is_beside_its_row(page)
    page.set_viewport_size({"width": 320, "height": 700})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    # Scrolling sideways now, it is a stop for the keyboard, whose arrows scroll it.
    expect(page.locator(".chart-scroll")).to_have_attribute("tabindex", "0")
    expect(page.get_by_role("region", name="(scrolls sideways)")).to_have_count(1)
    label = page.locator(".row-label").first
    before = label.bounding_box()
    page.locator(".chart-scroll").evaluate("element => { element.scrollLeft = element.scrollWidth; }")
    assert page.locator(".chart-scroll").evaluate("element => element.scrollLeft") > 0
    assert label.bounding_box() == before
    assert errors == []
    context.close()


# A cell's lines: the rows its text's boxes stand on (the cell is as tall as its row's tallest).
CELL_LINES = ("cells => cells.map(cell => { const text = document.createRange(); text.selectNodeContents(cell);"
              " return new Set([...text.getClientRects()].map(box => Math.round(box.top))).size; })")
# The text spacing WCAG 1.4.12 asks a page to take without losing anything.
TEXT_SPACING = ("* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }"
                " p { margin-bottom: 2em !important; }")


@pytest.mark.parametrize("width", [390, 1280])
def test_the_heat_maps_names_are_whole_at_a_readers_own_text_spacing(browser, shipped_site, serve_site, width):
    """On a phone a name has two lines of its 22px row, and at lines 1.5 apart
    the second line's top and the first's bottom were cut; on a wide screen
    the longest name ended in an ellipsis."""
    base = serve_site(shipped_site)
    context, page, errors = open_page(browser, base + "topics/", viewport={"width": width, "height": 900},
                                      bypass_csp=True)  # for the reader's own text spacing
    names = page.locator(".heatmap-names")
    expect(names).not_to_have_class(re.compile("one-line"))
    page.add_style_tag(content=TEXT_SPACING)  # after the page, as a reader's bookmarklet adds it
    if width == 390:
        expect(names).to_have_class(re.compile("one-line"))
    cut = ("names => names.filter(name => name.scrollWidth > name.clientWidth || name.scrollHeight > name.clientHeight"
           " || name.firstElementChild.scrollWidth > name.firstElementChild.clientWidth"
           " || name.firstElementChild.scrollHeight > name.firstElementChild.clientHeight + 2).map(name => name.textContent)")
    assert page.locator(".heatmap-names .row-label").evaluate_all(cut) == []
    assert_each_name_is_beside_its_row(page)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    # Without it again, a phone's names take their two lines again.
    page.evaluate("document.head.lastElementChild.remove()")
    expect(names).not_to_have_class(re.compile("one-line"))
    assert page.locator(".heatmap-names .row-label").evaluate_all(cut) == []
    assert errors == []
    context.close()


# The heat map's dates, each [left, right] on the screen, left to right; whether each stands 3px or more
# from the one before it; and their font sizes.
DATES = "[...document.querySelectorAll('.heatmap text.label')]"
DATE_BOXES = f"{DATES}.map(date => {{ const box = date.getBoundingClientRect(); return [box.left, box.right]; }})"
DATES_APART = f"{DATE_BOXES}.every((box, i, boxes) => i === 0 || boxes[i - 1][1] + 3 <= box[0])"
DATE_SIZES = f"{DATES}.map(date => getComputedStyle(date).fontSize)"


@pytest.mark.parametrize("width", [390, 1280])
def test_the_heat_maps_dates_stay_apart_at_a_readers_own_text_spacing(browser, shipped_site, serve_site, width):
    """Its dates stand a column (52px) apart, and at 0.12em letter spacing ran
    together: 'Mar 11Mar 17'. Then they take a smaller font; without the
    reader's spacing they keep their size."""
    base = serve_site(shipped_site)
    context, page, errors = open_page(browser, base + "topics/", viewport={"width": width, "height": 900},
                                      bypass_csp=True)  # for the reader's own text spacing
    assert len(page.evaluate(DATE_BOXES)) == 4 and page.evaluate(DATES_APART)
    assert set(page.evaluate(DATE_SIZES)) == {"12px"}
    page.add_style_tag(content=TEXT_SPACING)
    page.wait_for_function(DATES_APART, timeout=5000)  # fitted a frame after their size changes
    boxes = page.evaluate(DATE_BOXES)
    picture = page.locator(".heatmap svg").bounding_box()
    assert picture["x"] <= boxes[0][0] and boxes[-1][1] <= picture["x"] + picture["width"], "a date cut at an edge"
    (size,) = set(page.evaluate(DATE_SIZES))
    assert 10 <= float(size.removesuffix("px")) < 12  # no smaller than it needs
    # Without it again, they take their own size again.
    page.evaluate("document.head.lastElementChild.remove()")
    page.wait_for_function(f"{DATE_SIZES}.every(size => size === '12px')", timeout=5000)
    assert errors == []
    context.close()


MODEL_TABLE = (
    "\n## Notes\n\n| Model | MMLU | GSM8K | HumanEval | License | Note |\n|---|--:|--:|--:|---|---|\n"
    "| Mistral-7B-Instruct-v0.2 | 60.1 | 40.0 | 26.2 | Apache-2.0 | the one we kept for the long-context runs, "
    "as it fits on one card |\n| LLaMA-2-70B-chat-hf | 68.9 | 56.8 | 29.9 | Llama 2 Community | |\n"
)


def test_a_table_of_names_and_figures_on_a_phone_keeps_each_name_on_a_line_and_scrolls(browser, tmp_path, serve_site):
    """It squeezed its columns to their longest word first: "Mistral-7B-Instruct-v0.2" on four lines."""
    base, paper = serve_with_notes(tmp_path, serve_site, MODEL_TABLE)
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": 390, "height": 844})
    lines = page.locator(".notes td").evaluate_all(CELL_LINES)
    assert lines[:5] == [1] * 5 and lines[6:11] == [1] * 5, lines  # each name, figure and license on one line
    assert lines[5] > 1, "the sentence wraps"
    assert page.locator(".notes .table-scroll").evaluate("box => box.scrollWidth > box.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert errors == []
    context.close()


SENTENCES_TABLE = (
    "\n## Notes\n\n| Setting | First run | Second run | Why it matters | Next |\n|---|---|---|---|---|\n"
    "| warm-up | the loss spiked in the first thousand steps and came back | steady from the start of the run "
    "| schedules interact with the batch size we chose | a longer warm-up over two thousand steps |\n\n"
    "| a | b |\n|---|---|\n| x | 1 |\n\n"
    "| Model | Note |\n|---|---|\n| Mistral-7B | the one we kept for the long-context runs, as it fits on a card |\n"
)


@pytest.mark.parametrize("width", [390, 1280])
def test_a_table_of_sentences_keeps_a_readable_width_and_scrolls_and_one_that_fits_is_as_it_was(
    browser, tmp_path, serve_site, width,
):
    """On a phone the browser squeezed each column of sentences to its longest
    word, to fit a table that could not fit: "the loss / spiked in / the first"."""
    base, paper = serve_with_notes(tmp_path, serve_site, SENTENCES_TABLE)
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": width, "height": 900})
    wide, narrow, fits = (page.locator(".notes .table-scroll").nth(n) for n in range(3))
    rem = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    columns = "table => [...table.querySelectorAll('th')].map(cell => cell.getBoundingClientRect().width)"
    assert min(wide.locator("table").evaluate(columns)[1:]) >= 10 * rem - 0.5
    assert wide.evaluate("box => box.scrollWidth > box.clientWidth")
    expect(page.get_by_role("region", name="Table 1 of 3 (scrolls sideways)")).to_have_count(1)
    # A table that fits is no keyboard stop and no region, and a sentence in
    # it wraps only where the column is too narrow for it whole (a phone's).
    for table in (narrow, fits):
        assert table.evaluate("box => [box.scrollWidth - box.clientWidth, box.getAttribute('tabindex'), box.getAttribute('role')]") == [0, None, None]
    lines = fits.locator("td").evaluate_all(CELL_LINES)
    assert lines[0] == 1 and (lines[1] > 1) == (width == 390), lines
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert errors == []
    context.close()


TABLES_OF_ONES_OWN = """{% extends "!home.html" %}
{% block main %}
<table id="bare"><tr><th>Topic</th><th>What it covers</th><th>Papers</th></tr>
{% for topic in topics %}<tr><td>{{ topic.name }}</td><td>{{ topic.description }}</td><td>{{ topic.count }}</td></tr>{% endfor %}
</table>
<div class="table-scroll"><table id="boxed"><tr><th>Topic</th><th>What it covers</th><th>Papers</th></tr>
{% for topic in topics %}<tr><td>{{ topic.name }}</td><td>{{ topic.description }}</td><td>{{ topic.count }}</td></tr>{% endfor %}
</table></div>
{{ super() }}
{% endblock %}
"""


@pytest.mark.parametrize("width", [390, 1280])
def test_a_table_in_a_template_of_ones_own_scrolls_inside_the_column_and_in_the_box_the_doc_gives_is_named(
    browser, tmp_path, serve_site, width,
):
    """Out of the box notes' tables stand in, a table of a template of one's
    own widened a phone's page (684px at 390) once the stylesheet no longer
    showed every table as a block; in docs/templates.md's box it is a named
    region, as the tables of notes are."""
    from site_builder.pipeline import Paths, build

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (tmp_path / "theme").mkdir()
    (tmp_path / "theme" / "home.html").write_text(TABLES_OF_ONES_OWN, encoding="utf-8")
    with (content / "site.yaml").open("a", encoding="utf-8") as site_yaml:
        site_yaml.write("\ntemplates_dir: ../theme\n")
    build(Paths(content=content, out=tmp_path / "_site"), base_url="/atlas/")
    context, page, errors = open_page(browser, serve_site(tmp_path / "_site"), viewport={"width": width, "height": 900})
    scrolls = "box => box.scrollWidth > box.clientWidth"
    assert page.locator("#bare").evaluate(scrolls) == page.locator(".table-scroll").evaluate(scrolls) == (width == 390)
    expect(page.get_by_role("region", name="Table (scrolls sideways)")).to_have_count(1 if width == 390 else 0)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert errors == []
    context.close()


WIDE_PLOT = '<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="400"><rect width="1600" height="400" fill="teal"/></svg>'


@pytest.mark.parametrize("width", [390, 1280])
def test_an_image_in_notes_is_no_wider_than_the_column(browser, tmp_path, serve_site, width):
    """A plot wider than the column (1600px) shrinks to it, keeping its shape;
    it widened a phone's page fourfold, and a desktop's past the window."""
    base, paper = serve_with_notes(tmp_path, serve_site, "\n## Notes\n\n![the loss curve](/img/wide.svg)\n",
                                   public={"img/wide.svg": WIDE_PLOT})
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": width, "height": 844})
    image = page.get_by_role("img", name="the loss curve")
    page.wait_for_function("() => document.querySelector('.notes img').complete")
    box, notes = image.bounding_box(), page.locator(".notes").bounding_box()
    assert box["x"] + box["width"] <= notes["x"] + notes["width"] + 0.5
    assert box["width"] / box["height"] == pytest.approx(4, abs=0.05), "squeezed, not scaled"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert errors == []
    context.close()


MATH_NOTES = (
    "\n## Notes\n\nWith $\\alpha_i \\ge 0$ and $\\sum_i \\alpha_i = 1$, for $5 and $10:\n\n"
    "$$\nW = \\begin{bmatrix} w_{11} & w_{12} & w_{13} & w_{14} & w_{15} & w_{16} & w_{17} & w_{18} & w_{19} \\\\ "
    "w_{21} & w_{22} & w_{23} & w_{24} & w_{25} & w_{26} & w_{27} & w_{28} & w_{29} \\end{bmatrix}\n$$\n\n"
    "$$\n\\begin{aligned} a &= b + c \\\\ &= d \\end{aligned}\n$$\n\n"
    "Cancelled: $\\cancel{\\alpha_i} + \\bcancel{x} + \\xcancel{y}$.\n"
)


@pytest.mark.parametrize("width, scheme", [(390, "light"), (390, "dark"), (1280, "light")])
def test_math_in_notes_is_laid_out_in_the_texts_colour_and_a_wide_formula_scrolls_inside_the_column(
    browser, tmp_path, serve_site, width, scheme,
):
    """MathML the browser lays out itself: each formula takes room, in the
    text's colour and size; a formula wider than a phone scrolls in its own
    box, not the page; the styles the converter wrote, which the CSP would
    refuse (a console error each), are classes."""
    base, paper = serve_with_notes(tmp_path, serve_site, MATH_NOTES)
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": width, "height": 844},
                                      color_scheme=scheme)
    formulas = page.locator(".notes math")
    assert formulas.count() == 5
    for n in range(5):
        box = formulas.nth(n).bounding_box()
        assert box["width"] > 10 and box["height"] > 10
    looks = "e => [getComputedStyle(e).color, getComputedStyle(e).fontSize]"
    assert formulas.first.evaluate(looks) == page.locator(".notes p").first.evaluate(looks)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    wide = page.locator(".math-display").first
    scrolls = wide.evaluate("e => e.scrollWidth > e.clientWidth")
    assert scrolls == (width == 390)
    # The aligned steps: the left column ends at "=" (a class), not centred.
    ends, starts = page.locator(".notes mtd.math-end"), page.locator(".notes mtd.math-start")
    assert ends.count() == starts.count() == 2
    assert ends.first.evaluate("e => getComputedStyle(e).textAlign") == "right"
    assert starts.first.evaluate("e => getComputedStyle(e).textAlign") == "left"
    # A cancelled term is struck through: each stroke's box covers it, and is drawn.
    strokes = page.locator(".notes menclose > mrow:empty")
    assert strokes.count() == 4
    for n in range(4):
        stroke, term = strokes.nth(n).bounding_box(), strokes.nth(n).locator("xpath=..").bounding_box()
        assert stroke["width"] == pytest.approx(term["width"], abs=1) and stroke["height"] > 5
        assert "linear-gradient" in strokes.nth(n).evaluate("e => getComputedStyle(e).backgroundImage")
    assert errors == []
    context.close()


def test_a_matrix_and_cases_brackets_stretch_to_their_rows_in_the_systems_math_font(browser, tmp_path, serve_site):
    """On Linux with DejaVu's math font alone, no font the stylesheet named was
    there, and a text font drew the brackets of a matrix and the brace of
    cases one line high beside two rows."""
    if not any(Path("/usr/share/fonts").rglob("DejaVuMathTeXGyre.ttf")):
        missing = "DejaVu Math TeX Gyre is not installed (apt-get install fonts-dejavu-extra)"
        if os.environ.get("CI"):  # .ci/run installs it: never a skip there
            pytest.fail(missing)
        pytest.skip(missing)
    notes = ("\n## Notes\n\n$A = \\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}$ and "
             "$f = \\begin{cases} 1 & x > 0 \\\\ 0 & \\text{otherwise} \\end{cases}$\n")
    base, paper = serve_with_notes(tmp_path, serve_site, notes)
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": 1280, "height": 844})
    for formula in (page.locator(".notes math").nth(0), page.locator(".notes math").nth(1)):
        rows = formula.locator("mtable").bounding_box()
        bracket = formula.locator("mo", has_text=re.compile(r"^[({]$")).bounding_box()
        assert bracket["height"] >= 0.9 * rows["height"], (bracket, rows)
    assert errors == []
    context.close()


LONG_INLINE_FORMULA = (
    "\n## Notes\n\nThe loss, $L(\\theta) = \\sum_{i=1}^{N} \\log p_\\theta(y_i \\mid x_i)"
    " + \\lambda \\lVert \\theta \\rVert_2^2 + \\mu \\sum_{j=1}^{M} \\mathrm{KL}(q_j \\parallel p_j)$, over $\\mathbb{R}^n$.\n"
)


def test_no_line_starts_with_the_punctuation_after_a_formula_nor_ends_with_the_bracket_before_it(
    browser, tmp_path, serve_site,
):
    """A line broke between a formula and the text against it (an atomic
    inline, where a word has no break): at some widths "(1)." or "x²." put
    its full stop at the start of the next line."""
    notes = "\n## Notes\n\nThe callout's body, with **bold** and $x^2$. Then ($y$), and a last one: $z_i$.\n"
    base, paper = serve_with_notes(tmp_path, serve_site, notes)
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": 390, "height": 844},
                                      bypass_csp=True)  # to narrow the paragraph, below
    broken = page.evaluate("""() => {
      const paragraph = document.querySelector('.notes p'), broken = [];
      const top = (node, start, end) => {
        const range = document.createRange(); range.setStart(node, start); range.setEnd(node, end);
        return range.getBoundingClientRect().top;
      };
      for (let width = 60; width <= 360; width += 1) {
        paragraph.style.width = width + 'px';
        for (const formula of paragraph.querySelectorAll('math')) {
          const box = formula.getBoundingClientRect();
          const next = formula.nextSibling, previous = formula.previousSibling;
          if (next && next.nodeType === 3 && top(next, 0, 1) > box.bottom - 2) broken.push([width, 'after']);
          if (previous && previous.nodeType === 3 && previous.data.endsWith('(')
              && top(previous, previous.data.length - 1, previous.data.length) < box.top - 2) broken.push([width, 'before']);
        }
      }
      return broken;
    }""")
    assert broken == []
    assert errors == []
    context.close()


def test_a_formula_in_a_line_wider_than_a_phone_scrolls_inside_the_column_and_a_short_one_is_as_it_was(
    browser, tmp_path, serve_site,
):
    """A formula in a line cannot break: one 500px wide made a 390px phone's whole page scroll sideways."""
    base, paper = serve_with_notes(tmp_path, serve_site, LONG_INLINE_FORMULA)
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": 390, "height": 844},
                                      bypass_csp=True)  # for the reader's own text spacing, below
    long, short = page.locator(".notes math").first, page.locator(".notes math").last
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    column = page.locator(".notes p").first.bounding_box()
    box = long.bounding_box()
    assert box["x"] >= column["x"] and box["x"] + box["width"] <= column["x"] + column["width"] + 0.5
    assert long.evaluate("e => e.scrollWidth - e.clientWidth") > 50
    # Nothing of it is cut at the top or bottom, and the keyboard scrolls it.
    assert long.evaluate("e => e.scrollHeight - e.clientHeight") == 0
    long.focus()
    assert page.evaluate("document.activeElement.tagName") == "math"
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.notes math').scrollLeft > 0")
    # One that fits is whole, as high as the text around it, and no keyboard stop.
    assert short.evaluate("e => [e.scrollWidth - e.clientWidth, e.scrollHeight - e.clientHeight]") == [0, 0]
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.notes p')).lineHeight)")
    # (Its padding, for what the font draws beyond its box, is taken back by its margins.)
    takes = ("e => e.getBoundingClientRect().height"
             " + parseFloat(getComputedStyle(e).marginTop) + parseFloat(getComputedStyle(e).marginBottom)")
    assert short.evaluate(takes) < line
    # Nor with the text spacing a reader may set (WCAG 1.4.12), which cut the top of the "n" of ℝⁿ.
    page.add_style_tag(content="* { line-height: 1.5 !important; letter-spacing: 0.12em !important;"
                               " word-spacing: 0.16em !important; }")
    assert short.evaluate("e => [e.scrollWidth - e.clientWidth, e.scrollHeight - e.clientHeight]") == [0, 0]
    assert errors == []
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_formula_in_a_line_that_scrolls_shows_a_shadow_at_each_edge_with_more_and_one_that_fits_none(
    browser, tmp_path, serve_site, scheme,
):
    """Nothing told a formula wider than a phone's line from one that ends there."""
    base, paper = serve_with_notes(tmp_path, serve_site, LONG_INLINE_FORMULA)
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": 390, "height": 844},
                                      color_scheme=scheme, device_scale_factor=2,
                                      bypass_csp=True)  # for the style that hides the glyphs
    # The backgrounds alone: not the formula's glyphs, nor the line of text
    # above, whose letters a math font's taller formula reaches into.
    page.add_style_tag(content=".notes math * { visibility: hidden; } .notes p { color: transparent; }")
    canvas = context.new_page()  # about:blank, where no CSP keeps a canvas from reading a picture
    background = [int(c) for c in re.findall(r"\d+", page.evaluate("getComputedStyle(document.body).backgroundColor"))]
    long, short = page.locator(".notes math").first, page.locator(".notes math").last

    def shade(formula) -> tuple[int, int]:
        """How far from the page's colour the formula's first and last 12 columns of pixels (6px) go."""
        shot = formula.screenshot()
        data = canvas.evaluate(PIXELS, base64.b64encode(shot).decode())
        width = int.from_bytes(shot[16:20], "big")  # the PNG's IHDR
        far = [0, 0]
        for i in range(0, len(data), 4):
            column = (i // 4) % width
            side = 0 if column < 12 else 1 if column >= width - 12 else None
            if side is not None:
                far[side] = max(far[side], sum(abs(a - b) for a, b in zip(data[i:i + 3], background)))
        return far[0], far[1]

    assert long.evaluate("e => e.scrollWidth - e.clientWidth") > 50
    at_start = shade(long)
    assert at_start[0] <= 3 and at_start[1] >= 20, at_start
    long.evaluate("e => { e.scrollLeft = 40; }")
    assert min(shade(long)) >= 20
    long.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    at_end = shade(long)
    assert at_end[0] >= 20 and at_end[1] <= 3, at_end
    assert max(shade(short)) <= 3, "a formula that fits shows no edge"
    # On a wide screen both fit, and show none.
    page.set_viewport_size({"width": 1280, "height": 900})
    assert long.evaluate("e => e.scrollWidth - e.clientWidth") == 0
    assert max(shade(long)) <= 3 and max(shade(short)) <= 3
    assert errors == []
    context.close()


def test_two_blocks_of_code_that_scroll_are_regions_of_two_names(browser, tmp_path, serve_site):
    """Both were 'Code (scrolls sideways)': a screen reader's list of regions
    showed two of one name (axe: landmark-unique)."""
    code = "```python\nfor batch in loader: model.train_step(batch, learning_rate=3e-4, accumulation_steps=8, clip=1.0)\n```\n\n"
    base, paper = serve_with_notes(tmp_path, serve_site, "\n## Notes\n\n" + code + "Then:\n\n" + code.replace("for", "while"))
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": 390, "height": 844})
    regions = page.locator(".notes pre[role=region]")
    assert regions.count() == 2
    assert [regions.nth(n).get_attribute("aria-label") for n in (0, 1)] == [
        "Code 1 of 2 (scrolls sideways)", "Code 2 of 2 (scrolls sideways)"]
    expect(page.get_by_role("region", name="Code 2 of 2 (scrolls sideways)")).to_have_count(1)
    assert errors == []
    context.close()


def test_tab_on_a_phone_goes_through_the_topic_cards_before_the_heat_map_below_them(browser, shipped_site, serve_site):
    """On a phone the cards come first and the heat map after them, but Tab
    followed the page's source: from the search box down to the heat map (a
    stop while it scrolls sideways, 5,000px down), then back up to the first card."""
    base = serve_site(shipped_site)
    context, page, errors = open_page(browser, base + "topics/", viewport={"width": 320, "height": 700})
    expect(page.locator(".chart-scroll")).to_have_attribute("tabindex", "0")
    page.locator("#site-search").focus()
    page.keyboard.press("Tab")
    expect(page.locator(".topic-grid a").first).to_be_focused()
    cards = page.locator(".topic-grid a").count()
    for _ in range(cards - 1):
        page.keyboard.press("Tab")
    expect(page.locator(".topic-grid a").last).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(".chart-scroll")).to_be_focused()
    assert errors == []
    context.close()


TASK_NOTES = (
    "\n## Notes\n\n- [ ] re-run the ablation\n  - [x] seed 1\n  - [ ] seed 2\n- [x] read section 3\n"
    "- a plain item among tasks\n"
)


@pytest.mark.parametrize("width", [390, 1280])
def test_a_tasks_box_stands_where_a_bullet_would_and_tasks_in_a_task_are_indented(browser, tmp_path, serve_site, width):
    base, paper = serve_with_notes(tmp_path, serve_site, TASK_NOTES)
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": width, "height": 844})
    boxes = page.locator(".notes .task-list-item-checkbox")
    assert boxes.count() == 4
    # Each box is named by its own task's text (its <label>), not its subtasks', and cannot be ticked.
    for name in ("re-run the ablation", "seed 1", "seed 2", "read section 3"):
        expect(page.get_by_role("checkbox", name=name, exact=True)).to_be_disabled()
    outer, inner = boxes.nth(0).bounding_box(), boxes.nth(1).bounding_box()
    assert inner["x"] > outer["x"] + 10, "a task's own tasks stand under it, not beside it"
    # Each item's text starts a bullet's room in from its list's edge, and a
    # task's box stands in that room: a plain item's bullet is not drawn over
    # the notes' border, nor a task's text further in than a plain item's.
    items = page.locator(".notes li").evaluate_all(
        "items => items.map(item => [item.getBoundingClientRect().x, item.parentElement.getBoundingClientRect().x,"
        " item.querySelector('input') && item.querySelector('input').getBoundingClientRect().right])"
    )
    assert len(items) == 5
    for left, list_left, box_right in items:
        assert left >= list_left + 15
        assert box_right is None or list_left < box_right <= left
    assert errors == []
    context.close()


PIXELS = """async (png) => {
  const image = new Image();
  image.src = "data:image/png;base64," + png;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  return Array.from(context.getImageData(0, 0, image.width, image.height).data);
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_tasks_box_shows_ticked_or_not_at_3_to_1(browser, tmp_path, serve_site, scheme):
    """A task's box is disabled, and the browser drew it pale: in light mode a
    ticked box was a white tick on light grey (1.5:1), hardly told from an
    empty one. Its edge, and a ticked box's fill, read 3:1 against the page
    (WCAG 1.4.11), and the tick 3:1 against the fill."""
    base, paper = serve_with_notes(tmp_path, serve_site, "\n## Notes\n\n- [x] read section 3\n- [ ] re-run the ablation\n")
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": 390, "height": 844},
                                      color_scheme=scheme, device_scale_factor=2)
    canvas = context.new_page()  # about:blank, where no CSP keeps a canvas from reading a picture
    background = [int(c) for c in re.findall(r"\d+", page.evaluate("getComputedStyle(document.body).backgroundColor"))]

    def pixels(box):
        data = canvas.evaluate(PIXELS, base64.b64encode(box.screenshot()).decode())
        return [tuple(data[i:i + 3]) for i in range(0, len(data), 4)]

    ticked, empty = page.locator(".task-list-item-checkbox").nth(0), page.locator(".task-list-item-checkbox").nth(1)
    assert ticked.is_checked() and not empty.is_checked() and ticked.is_disabled()
    # An empty box: an edge that shows, around the page's own colour.
    strong = [p for p in pixels(empty) if contrast(p, background) >= 3]
    assert len(strong) >= 0.2 * len(pixels(empty)), "the empty box's edge is too faint"
    # A ticked box: filled at 3:1, with a tick at 3:1 on the fill.
    ticked_pixels = pixels(ticked)
    fill = max(set(ticked_pixels), key=ticked_pixels.count)
    assert contrast(fill, background) >= 3, f"a ticked box's fill {fill} on {background}"
    assert any(contrast(p, fill) >= 3 for p in ticked_pixels), "no tick shows on the fill"
    assert errors == []
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_rule_in_notes_is_one_line_of_the_pages_line_colour(browser, tmp_path, serve_site, scheme):
    """The browser's own rule is drawn grey above and white below: on a dark
    page, a bright line louder than anything near it."""
    base, paper = serve_with_notes(tmp_path, serve_site, "\n## Notes\n\nAbove.\n\n***\n\nBelow.[^1]\n\n[^1]: A note.\n")
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": 390, "height": 844},
                                      color_scheme=scheme)
    line = page.evaluate("getComputedStyle(document.querySelector('main')).getPropertyValue('--line')")
    probe = "element => { const s = getComputedStyle(element); return [s.borderTopWidth, s.borderTopStyle, s.borderTopColor, s.borderBottomWidth]; }"
    colour = page.evaluate("(value) => { const e = document.createElement('i'); e.style.color = value;"
                           " document.body.append(e); const c = getComputedStyle(e).color; e.remove(); return c; }", line)
    rules = page.locator("main hr")
    assert rules.count() == 2  # the note's, and the footnotes' above them
    for n in range(2):
        assert rules.nth(n).evaluate(probe) == ["1px", "solid", colour, "0px"]
    assert errors == []
    context.close()


HEADED_NOTES = "\n## Notes\n\n# Idea\n\nText.\n\n## Method\n\nText.\n\n### Setup\n\nText.\n\n#### Runs\n\nText.\n\n##### Seeds\n\nText.\n"


@pytest.mark.parametrize("width", [390, 1280])
def test_notes_headings_step_down_from_notes_to_the_texts_size_then_by_colour(browser, tmp_path, serve_site, width):
    """Notes nest their headings h3 to h6 under "Notes": the browser's own h5
    and h6 were smaller than the text they head, and its h4 as large as the
    site's h3."""
    base, paper = serve_with_notes(tmp_path, serve_site, HEADED_NOTES)
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": width, "height": 900})
    style = "element => { const s = getComputedStyle(element); return [parseFloat(s.fontSize), s.color, s.fontStyle]; }"
    headings = [tuple(page.locator(f".notes {tag}").first.evaluate(style)) for tag in ("h2", "h3", "h4", "h5", "h6")]
    text_size = page.locator(".notes p").first.evaluate(style)[0]
    sizes = [size for size, _colour, _style in headings]
    assert sizes[0] > sizes[1] > sizes[2] >= sizes[3] >= sizes[4] >= text_size, sizes
    assert len(set(headings[2:])) == 3, f"h4, h5 and h6 look alike: {headings[2:]}"
    assert errors == []
    context.close()


LONG_HEADING = "A setup whose heading is long enough to wrap on a phone, twice over at the least"
LINKED_NOTES = f"\n## Notes\n\n## Results\n\nSee [the setup](#{LONG_HEADING.lower().replace(' ', '-').replace(',', '')}).\n\n## {LONG_HEADING}\n\nText.\n"


@pytest.mark.parametrize("width, scheme", [(390, "dark"), (1280, "light")])
def test_a_headings_permalink_shows_on_hover_and_focus_inside_the_page_and_not_on_paper(
        browser, tmp_path, serve_site, width, scheme):
    """A heading one wrote has an id and, as on MkDocs and GitHub, a "#" link
    to it for copying its address: hidden until the pointer is on the heading
    or the keyboard on the link, named for a screen reader, beside the heading
    (which keeps its text as its name), within a phone's width."""
    base, paper = serve_with_notes(tmp_path, serve_site, LINKED_NOTES)
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": width, "height": 900},
                                      color_scheme=scheme)
    opacity = "e => getComputedStyle(e).opacity"
    link = page.locator('.notes .permalink[href="#results"]')
    expect(link).to_have_accessible_name("Link to this section: Results")
    expect(page.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    assert link.evaluate(opacity) == "0"
    page.locator(".notes h3#results").hover()
    assert link.evaluate(opacity) == "1"
    page.mouse.move(0, 0)
    assert link.evaluate(opacity) == "0"
    link.focus()
    assert link.evaluate(opacity) == "1"
    # Right after "Notes", as close below it as a heading written without one.
    assert page.locator(".notes h3#results").evaluate("e => getComputedStyle(e).marginTop") == "8px"
    # The long heading wraps, its "#" beside it, inside the column.
    long_link = page.locator(".notes .permalink").nth(1)
    box, notes = long_link.bounding_box(), page.locator(".notes").bounding_box()
    assert box["x"] + box["width"] <= notes["x"] + notes["width"] + 0.5
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # A link to the heading leads to it.
    page.locator(".notes a", has_text="the setup").click()
    assert page.evaluate("decodeURIComponent(location.hash)") == long_link.get_attribute("href")
    page.emulate_media(media="print")
    expect(link).to_be_hidden()
    assert errors == []
    context.close()


@pytest.mark.parametrize("path", ["topics/", "topics/reasoning/"])
def test_a_chart_is_named_once_to_a_screen_reader_and_captioned_for_the_eye(browser, shipped_site, serve_site, path):
    """Its caption and its picture's name both held its title (and the heat map's description)."""
    base = serve_site(shipped_site)
    context, page, errors = open_page(browser, base + path, viewport={"width": 1280, "height": 900})
    svg = page.locator(".chart svg").first
    title = svg.locator("title").first.text_content()
    description = svg.locator("desc").text_content()
    tree = page.locator("main").aria_snapshot()
    assert tree.count(title) == 1 and tree.count(description) == 1, tree[:600]
    expect(page.get_by_role("img", name=f"{title} {description}")).to_have_count(1)
    expect(page.locator(".chart-caption")).to_be_visible()
    assert title in page.locator(".chart-caption").inner_text()
    assert errors == []
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_page_of_ones_own_is_reached_from_the_header_and_fits_a_phone(browser, tmp_path, serve_site, width):
    from site_builder.pipeline import Paths, build

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "pages").mkdir()
    (content / "pages" / "about.md").write_text(
        "---\ntitle: About this atlas\nnav: true\n---\n\nWhat I read, and why." + WIDE_NOTES.split("## Notes", 1)[1],
        encoding="utf-8",
    )
    (content / "pages" / "reading-list.md").write_text("---\ntitle: Reading list\nnav: true\n---\n\n- One\n")
    build(Paths(content=content, out=tmp_path / "_site"), base_url="/atlas/")
    base = serve_site(tmp_path / "_site")
    context, page, errors = open_page(
        browser, base, viewport={"width": width, "height": 844}, color_scheme="dark", has_touch=width < 400,
    )
    page.locator(".site-nav").get_by_role("link", name="About this atlas").click()
    page.wait_for_load_state()
    assert page.url == base + "about/"
    assert page.locator("h1").inner_text() == "About this atlas"
    expect(page.locator(".site-nav a[aria-current=page]")).to_have_text("About this atlas")
    assert page.locator(".own-page pre").count() == 1 and page.locator(".own-page table").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    if width < 400:
        assert page.evaluate(TOO_SMALL_TO_TAP) == []
    assert errors == []
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pills_letters_and_pager_cards_answer_the_pointer(browser, shipped_site, serve_site, scheme):
    base = serve_site(shipped_site)
    context, page, errors = open_page(browser, base + "topics/fine-tuning/", viewport={"width": 1280, "height": 800},
                                      color_scheme=scheme)
    look = "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.borderTopColor, s.color]; }"
    for path, selector in (("topics/fine-tuning/", ".paper-item .tag:not([aria-current])"), ("papers/", ".letters a"),
                           ("topics/fine-tuning/", ".pager a")):
        page.goto(base + path)
        target = page.locator(selector).first
        page.mouse.move(0, 0)
        before = target.evaluate(look)
        target.hover()
        assert target.evaluate(look) != before, selector
    assert errors == []
    context.close()


ITEM_LINES = """() => [...document.querySelectorAll('.paper-item')].map((item) => ({
  title: item.querySelector('.paper-title').getBoundingClientRect().bottom,
  date: item.querySelector('.meta time').getBoundingClientRect().top,
  pills: [...item.querySelectorAll('.meta .tag')].map((pill) => pill.getBoundingClientRect().height),
}))"""


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_pills_are_one_height_and_each_items_dates_sit_as_far_below_its_title(browser, tmp_path, serve_site, phone):
    """A user tag's border made its pill 2px taller than a topic's; on a touch
    screen the pills, grown for a finger, pushed the dates of some items 9px
    further from their titles than others'."""
    from site_builder.pipeline import Paths, build

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    for paper in sorted((content / "papers").glob("*.md"))[::7]:
        paper.write_text(paper.read_text(encoding="utf-8").replace("\n---\n", "\ntags: [rlhf]\n---\n", 1), encoding="utf-8")
    build(Paths(content=content, out=tmp_path / "_site"), base_url="/atlas/")
    base = serve_site(tmp_path / "_site")
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
    context, page, errors = open_page(browser, base + "tags/rlhf/", viewport=size, has_touch=phone, is_mobile=phone)
    items = page.evaluate(ITEM_LINES)
    assert len(items) > 40 and all(item["pills"] for item in items)
    assert len({round(height, 1) for item in items for height in item["pills"]}) == 1
    # A date alone on its row (its pills wrapped to the next) sits at most half
    # a grown pill's extra height higher than one beside a pill.
    offsets = [item["date"] - item["title"] for item in items]
    assert max(offsets) - min(offsets) <= 3.5, sorted(set(round(offset, 1) for offset in offsets))
    assert errors == []
    context.close()


def test_a_tag_pill_leads_to_its_tag_page_and_on_to_a_paper(browser, tmp_path, serve_site):
    from site_builder.pipeline import Paths, build

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    tagged = sorted((content / "papers").glob("*.md"))[:2]
    # Two spellings of one tag, as many papers each: named by the first in sorted order.
    for paper, front in zip(tagged, ("tags: [Read later]\nstarred: true\n", "tags: [read-later, rlhf]\n")):
        paper.write_text(paper.read_text(encoding="utf-8").replace("\n---\n", f"\n{front}---\n", 1), encoding="utf-8")
    build(Paths(content=content, out=tmp_path / "_site"), base_url="/atlas/")
    base = serve_site(tmp_path / "_site")
    context, page, errors = open_page(
        browser, base + f"papers/{tagged[1].stem}/", viewport={"width": 390, "height": 844}, has_touch=True,
    )
    assert page.evaluate(TOO_SMALL_TO_TAP) == []
    page.locator(".tags").get_by_role("link", name="#Read later").click()
    page.wait_for_load_state()
    assert page.url == base + "tags/read-later/"
    expect(page.locator(".paper-item")).to_have_count(2)
    expect(page.locator(".user-tag[aria-current=true]")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert page.evaluate(TOO_SMALL_TO_TAP) == []
    page.locator(f'.paper-title a[href$="/{tagged[0].stem}/"]').click()
    page.wait_for_load_state()
    assert page.url == base + f"papers/{tagged[0].stem}/"
    # The star after the title: named after it, a finger's width, not underlined as a word would be.
    title = page.locator("h1").evaluate("h1 => h1.firstChild.textContent.trim()")
    expect(page.get_by_role("heading", level=1)).to_have_accessible_name(f"{title} Starred")
    star = page.locator("h1 .star").bounding_box()
    assert star["width"] >= 24 and star["height"] >= 24, star
    assert page.locator("h1 .star").evaluate("star => getComputedStyle(star).textDecorationLine") == "none"
    page.get_by_role("link", name="Starred", exact=True).click()
    page.wait_for_load_state()
    assert page.url == base + "starred/"
    page.locator(".crumbs").get_by_role("link", name="Tags").click()
    page.wait_for_load_state()
    assert page.url == base + "tags/"
    items = [" ".join(text.split()) for text in page.locator(".tag-index li").all_inner_texts()]
    assert items == ["★ Starred 1 paper", "#Read later 2 papers", "#rlhf 1 paper"]
    assert page.evaluate(TOO_SMALL_TO_TAP) == []
    # Search finds a paper by its tag, and the result shows the tags after the topics, as a list does.
    page.goto(base + "search/?q=tags:rlhf")
    expect(page.locator("#search-results .result")).to_have_count(1)
    page.locator("#search-results .user-tag").get_by_text("#rlhf", exact=True).click()
    page.wait_for_load_state()
    assert page.url == base + "tags/rlhf/"
    assert errors == []
    context.close()


def _longest_link_page(site: Path) -> str:
    """The paper page whose links list holds the longest address."""
    pages = {
        page: max(map(len, re.findall(r'<li><a href="(http[^"]+)"', page.read_text(encoding="utf-8"))), default=0)
        for page in (site / "papers").glob("*/index.html")
    }
    return max(sorted(pages), key=pages.get).parent.name


@pytest.mark.parametrize("width", [1280, 1088])  # 1088: the narrowest with the side column (68rem)
def test_a_paper_pages_links_and_related_papers_stand_beside_it_on_a_wide_screen(browser, shipped_site, serve_site, width):
    base = serve_site(shipped_site)
    slug = _longest_link_page(shipped_site)
    context, page, errors = open_page(browser, base + f"papers/{slug}/", viewport={"width": width, "height": 900})
    abstract = page.locator(".abstract").bounding_box()
    related = page.locator(".related").bounding_box()
    assert related["x"] >= abstract["x"] + abstract["width"], "related papers are not beside the abstract"
    assert related["y"] < 900, "related papers are not in view without scrolling"
    # The longest address of the site wraps in the narrow column.
    side = page.locator(".paper-side").bounding_box()
    link = page.locator(".links li").first.bounding_box()
    assert link["x"] + link["width"] <= side["x"] + side["width"] + 0.5
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    # On a phone, below the paper, in the order a screen reader reads them.
    page.set_viewport_size({"width": 390, "height": 844})
    abstract = page.locator(".abstract").bounding_box()
    assert page.locator(".links").bounding_box()["y"] > abstract["y"] + abstract["height"]
    assert page.locator(".related").bounding_box()["y"] > page.locator(".links").bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert errors == []
    context.close()


PRINTED_NOTES = (
    "\n## Notes\n\nAs [the LoRA paper](https://arxiv.org/abs/2106.09685) says, and its code at"
    " https://github.com/microsoft/LoRA shows.\n\n```python\nprint('trained')\n```\n\n"
    "> [!tip]- Folded\n> Printed all the same.\n"
)
RGB = re.compile(r"\d+(?:\.\d+)?")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_printed_paper_page_is_dark_text_on_white_with_addresses_and_its_side_column_below(
        browser, tmp_path, serve_site, scheme):
    """Printed, or saved as PDF, a paper's page was the screen's: the header's
    links and search box, from a dark window pale text on nothing (a printer
    leaves out backgrounds), links whose address the paper did not say, and on
    a wide page its links and related papers squeezed beside the text; a
    folded callout's text was left out."""
    base, paper = serve_with_notes(tmp_path, serve_site, PRINTED_NOTES)
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": 1280, "height": 900},
                                      color_scheme=scheme)
    page.emulate_media(media="print")
    for screen_only in (".site-nav", ".search-form", ".pager"):
        expect(page.locator(screen_only)).to_be_hidden()
    expect(page.locator(".brand")).to_be_visible()  # where the page came from, small at the top

    def rgb(selector: str, what: str = "color") -> list[float]:
        return [float(c) for c in RGB.findall(page.locator(selector).first.evaluate(f"e => getComputedStyle(e).{what}"))][:3]

    white = [255, 255, 255]
    assert rgb("body", "backgroundColor") == white
    for text in ("h1", ".abstract p", ".notes p", ".notes pre code", ".paper-side h2", ".related a"):
        assert contrast(rgb(text), white) >= 7, (text, rgb(text))
    assert page.locator(".notes pre").evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
    # A folded callout's text is printed: paper has no title to click (it was left out).
    expect(page.locator(".notes details.callout p", has_text="Printed all the same.")).to_be_visible()
    # A link out of the site says where it leads; one whose text is its address says it once.
    after = "a => getComputedStyle(a, '::after').content"
    assert page.locator(".notes a", has_text="the LoRA paper").evaluate(after) == '" (https://arxiv.org/abs/2106.09685)"'
    assert page.locator(".notes a", has_text="https://github.com/microsoft/LoRA").evaluate(after) == "none"
    # The links and related papers follow the paper, at its width, not beside it.
    article, side = page.locator(".paper").bounding_box(), page.locator(".paper-side").bounding_box()
    assert side["y"] >= article["y"] + article["height"]
    assert side["x"] == pytest.approx(article["x"], abs=1) and side["width"] == pytest.approx(article["width"], abs=1)
    assert errors == []
    context.close()



# Shown elements of what only a screen can use: a form or button (the header's
# search box, a star or "Show more results" button), a pager, a feed's link.
SHOWN_SCREEN_ONLY = """() => [...document.querySelectorAll(
  'form, input, button, .pager, .feed-link, a[href$="feed.xml"]')]
  .filter((element) => element.getClientRects().length).map((element) => element.outerHTML.slice(0, 80))"""
# Shown links that lead on to the rest of a list ("All dates →", "Older →"):
# on paper, an arrow to nowhere.
SHOWN_ARROW_LINKS = """() => [...document.querySelectorAll('a')].filter((link) => /[←→]/.test(link.textContent))
  .filter((link) => link.getClientRects().length).map((link) => link.textContent.trim())"""


@pytest.mark.parametrize("path", [
    "papers/language-models-are-few-shot-learners/", "topics/fine-tuning/", "dates/2025-03-11/", "", "search/",
    "search/?q=agents",
], ids=["paper", "topic", "date", "home", "search", "search-results"])
def test_a_printed_page_of_every_kind_leaves_out_what_only_a_screen_can_use(browser, shipped_site, serve_site, path):
    """The footer's feed link printed, blue and underlined: on paper it leads
    nowhere; hidden, it left the " · " before it ending the footer's line. The
    home page's "All dates →" printed too."""
    base = serve_site(shipped_site)
    context, page, errors = open_page(browser, base + path)
    if "?q=" in path:
        expect(page.locator(".result").first).to_be_visible()
        expect(page.locator(".more-button")).to_be_visible()  # 26 results: the rest behind the button
    page.emulate_media(media="print")
    assert page.evaluate(SHOWN_SCREEN_ONLY) == []
    assert page.evaluate(SHOWN_ARROW_LINKS) == []
    assert page.inner_text("footer").strip().endswith("digests")
    expect(page.locator("main h1")).to_be_visible()
    assert errors == []
    context.close()

# Each star's middle against the line of its title's last letter, in pixels (0: on that line).
STAR_OFF_ITS_TITLES_LINE = """() => [...document.querySelectorAll('h1 .star, .paper-title .star')].map((star) => {
  const title = star.closest('h1, .paper-title');
  const text = [...title.childNodes].map((node) => node.nodeType === 3 ? node : node.firstChild)
    .filter((node) => node && node.nodeType === 3 && node.textContent.trim())[0];
  const end = text.textContent.trimEnd().length;
  const range = document.createRange();
  range.setStart(text, end - 1);
  range.setEnd(text, end);
  const letter = range.getBoundingClientRect(), box = star.getBoundingClientRect();
  const middle = box.top + box.height / 2;
  return middle < letter.top ? letter.top - middle : Math.max(0, middle - letter.bottom);
})"""


def test_a_starred_papers_star_never_stands_alone_on_a_line_below_its_title(browser, tmp_path, serve_site):
    """A title that filled its last line sent the star after it to a line of
    its own (PanGu-π's at 768 and 1280px): the star is kept with the last word."""
    from site_builder.pipeline import Paths, build

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    paper = content / "papers" / "pangu-pi-enhancing-language-model-architectures-via-nonlinearity-compensation.md"
    paper.write_text(paper.read_text(encoding="utf-8").replace("\n---\n", "\nstarred: true\n---\n", 1), encoding="utf-8")
    build(Paths(content=content, out=tmp_path / "_site"), base_url="/atlas/")
    base = serve_site(tmp_path / "_site")
    context, page, errors = open_page(browser, base + f"papers/{paper.stem}/", viewport={"width": 1280, "height": 900})
    for path in (f"papers/{paper.stem}/", "starred/"):
        page.goto(base + path)
        alone = {}
        for width in range(320, 1300, 8):  # every line length, the title's last word at each edge
            page.set_viewport_size({"width": width, "height": 900})
            offsets = page.evaluate(STAR_OFF_ITS_TITLES_LINE)
            assert offsets, path
            if max(offsets) > 0:
                alone[width] = max(offsets)
        assert alone == {}, (path, alone)
    assert errors == []
    context.close()


@pytest.mark.parametrize("width", [390, 768, 1280])
def test_each_related_papers_date_stands_on_a_line_of_its_own_below_its_title(browser, shipped_site, serve_site, width):
    """The dates followed the titles in the line: after a short last line the
    date sat in it, after a full one it wrapped below, so the five related
    papers' dates stood now at the end of a title, now under its start."""
    base = serve_site(shipped_site)
    slug = "pangu-pi-enhancing-language-model-architectures-via-nonlinearity-compensation"
    context, page, errors = open_page(browser, base + f"papers/{slug}/", viewport={"width": width, "height": 900})
    items = page.locator(".related li").evaluate_all(
        """items => items.map((item) => {
          const title = item.querySelector('a').getBoundingClientRect(), date = item.querySelector('time').getBoundingClientRect();
          return [title.left, title.bottom, date.left, date.top];
        })"""
    )
    assert len(items) == 5
    for title_left, title_bottom, date_left, date_top in items:
        assert date_left == pytest.approx(title_left, abs=0.5) and date_top >= title_bottom - 0.5
    assert errors == []
    context.close()


HEADER_ROW = """() => {
  const box = (selector) => document.querySelector(selector).getBoundingClientRect();
  const brand = box('.brand'), search = box('.search-form'), row = document.querySelector('.header-row');
  const style = getComputedStyle(row);
  return {brandLeft: brand.left, brandBottom: brand.bottom, left: search.left, right: search.right, top: search.top,
          width: search.width, rowRight: row.getBoundingClientRect().right - parseFloat(style.paddingRight),
          rem: parseFloat(getComputedStyle(document.documentElement).fontSize)};
}"""


def test_the_search_box_ends_the_headers_row_or_fills_a_row_of_its_own(browser, shipped_site, serve_site):
    """Between a phone and a laptop (a phone on its side, a tablet, a window
    at 200%), the search box that did not fit beside the links went to a row
    of its own, 22rem wide at its right end: its left edge under nothing."""
    base = serve_site(shipped_site)
    context, page, errors = open_page(browser, base + "papers/", viewport={"width": 1280, "height": 800})
    rows = {}
    for width in range(320, 1300, 20):
        page.set_viewport_size({"width": width, "height": 800})
        header = page.evaluate(HEADER_ROW)
        own_row = header["top"] >= header["brandBottom"]
        rows[own_row] = width
        assert header["right"] == pytest.approx(header["rowRight"], abs=0.5), width
        if own_row:  # the whole row, as on a phone
            assert header["left"] == pytest.approx(header["brandLeft"], abs=0.5), width
        else:  # at the end of the brand's and the links' row, at its full width
            assert header["width"] == pytest.approx(22 * header["rem"], abs=0.5), width
    assert set(rows) == {True, False}  # both seen
    assert errors == []
    context.close()


COUNTS_OUTSIDE_THEIR_LIST = """() => [...document.querySelectorAll('.count-list li')].filter((item) => {
  const list = item.closest('.count-list').getBoundingClientRect();
  return [...item.children].some((child) => child.getBoundingClientRect().right > list.right + 0.5);
}).map((item) => item.textContent.trim().slice(0, 30))"""


@pytest.mark.parametrize("width", [320, 1280])
def test_a_tag_of_one_long_word_breaks_inside_the_lists_of_tags_and_keeps_its_count_in_view(
        browser, tmp_path, serve_site, width):
    """A tag written as one long word ran out of the home page's side column
    and the tags page, over its count, and the page scrolled sideways."""
    from site_builder.pipeline import Paths, build

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    paper = sorted((content / "papers").glob("*.md"))[0]
    long_tag = "to-read-after-the-deadline-once-the-experiments-are-done"
    paper.write_text(paper.read_text(encoding="utf-8").replace("\n---\n", f"\ntags: [{long_tag.replace('-', '')}]\n---\n", 1),
                     encoding="utf-8")
    build(Paths(content=content, out=tmp_path / "_site"), base_url="/atlas/")
    base = serve_site(tmp_path / "_site")
    context, page, errors = open_page(browser, base, viewport={"width": width, "height": 900})
    for path in ("", "tags/"):
        page.goto(base + path)
        assert page.locator(".count-list a", has_text="#toreadafter").count() == 1
        assert page.evaluate(COUNTS_OUTSIDE_THEIR_LIST) == [], path
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, path
    assert errors == []
    context.close()


def test_a_page_of_ones_own_and_a_site_named_in_one_long_word_break_inside_the_header_on_a_phone(
        browser, tmp_path, serve_site):
    """The page's link in the header, and the site's name, ran past the
    screen's edge, and every page scrolled sideways."""
    from site_builder.pipeline import Paths, build

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    settings = content / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("title: Paper Atlas", "title: Maschinenlernlektürenotizbuch"),
                        encoding="utf-8")
    (content / "pages").mkdir()
    (content / "pages" / "reading.md").write_text(
        "---\ntitle: Literaturverzeichnisempfehlungensammlung\nnav: true\n---\n\nWhat to read.\n", encoding="utf-8")
    build(Paths(content=content, out=tmp_path / "_site"), base_url="/atlas/")
    base = serve_site(tmp_path / "_site")
    context, page, errors = open_page(browser, base + "reading/", viewport={"width": 320, "height": 700})
    row = page.locator(".header-row").bounding_box()
    for link in (page.locator(".site-nav").get_by_role("link", name="Literaturverzeichnisempfehlungensammlung"),
                 page.get_by_role("link", name="Maschinenlernlektürenotizbuch")):
        box = link.bounding_box()
        assert box["x"] + box["width"] <= row["width"]
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert errors == []
    context.close()
