"""Search in a real browser, on the site served under /atlas/."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from playwright.sync_api import expect

from site_builder.pipeline import Paths, build

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent


# In a list item's or result's line of dates and pills: from the dates' end to the first pill.
GAP_AFTER_DATES = """(meta) => meta.querySelector(".tag").getBoundingClientRect().left
    - meta.querySelector(".dates").getBoundingClientRect().right"""


def open_page(browser, url: str, init_script: str | None = None):
    context = browser.new_context()
    if init_script is not None:
        context.add_init_script(init_script)
    page = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    return context, page, errors, dialogs


def result_titles(page) -> list[str]:
    page.wait_for_selector("#search-results .result")
    return page.locator("#search-results .result h2").all_inner_texts()


def test_header_search_from_a_paper_page_finds_clicks_and_shares(browser, shipped_site, serve_site):
    base = serve_site(shipped_site)
    context, page, errors, _ = open_page(browser, base + "papers/")
    page.locator(".title-list a").first.click()
    page.wait_for_load_state()
    assert "/atlas/papers/" in page.url

    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search"
    page.keyboard.type("CosyVoice")
    page.keyboard.press("Enter")
    page.wait_for_url("**/atlas/search/?q=CosyVoice")
    titles = result_titles(page)
    assert titles[0].startswith("CosyVoice 2")
    assert "1 paper matches" in page.locator("#search-status").inner_text()
    # Arrived by Enter, as after Enter on the search page: on the first result.
    expect(page.locator("#search-results .result h2 a").first).to_be_focused()
    assert page.locator("#search-results .result mark").first.inner_text() == "CosyVoice"

    page.locator("#search-results .result h2 a").first.click()
    page.wait_for_url("**/atlas/papers/**")
    assert page.locator("h1").inner_text().strip().endswith(titles[0])

    page.go_back()
    page.wait_for_url("**/atlas/search/?q=CosyVoice")
    assert result_titles(page)[0] == titles[0]

    # A result's dates and topics lead to their pages, as in the site's lists.
    meta = page.locator("#search-results .result .meta").first
    date, topic = meta.locator("a.date").first, meta.locator("a.tag").first
    dates, tags = meta.locator("a.date").all_inner_texts(), meta.locator("a.tag").all_inner_texts()
    assert tags and " ".join(meta.text_content().split()) == " ".join([", ".join(dates), *tags]), "read as words"
    result_gap = meta.evaluate(GAP_AFTER_DATES)
    date_label, topic_name = date.inner_text(), topic.inner_text()
    date.click()
    page.wait_for_url("**/atlas/dates/**")
    assert date_label in page.locator("h1").inner_text()
    page.go_back()
    page.wait_for_url("**/atlas/search/?q=CosyVoice")
    page.locator("#search-results .result .meta a.tag").first.click()
    page.wait_for_url("**/atlas/topics/**")
    assert page.locator("h1").inner_text().startswith(topic_name)
    # The dates and the first pill are spaced as in the site's lists.
    assert abs(page.locator(".paper-item .meta").first.evaluate(GAP_AFTER_DATES) - result_gap) < 0.5
    page.go_back()

    shared = base + "search/?q=" + quote("WECHSEL")
    page.goto(shared)
    first = result_titles(page)[0]
    page.reload()
    assert result_titles(page)[0] == first and first.startswith("WECHSEL")
    assert errors == []
    context.close()


def test_results_follow_typing_and_the_keyboard(browser, shipped_site, serve_site):
    base = serve_site(shipped_site)
    context, page, errors, _ = open_page(browser, base + "search/")
    # Typing waits for the index's manifest, as the page says once it has it.
    expect(page.locator("#search-status")).to_have_text("Type to search titles, topics and abstracts.")
    box = page.locator("#site-search")
    box.click()
    box.type("quant")
    page.wait_for_url("**/search/?q=quant")
    assert page.title().startswith("quant · Search")
    titles = result_titles(page)
    assert any("Quantiz" in title for title in titles[:5])
    box.press("ArrowDown")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == titles[0]
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == titles[1]
    page.keyboard.press("Enter")
    page.wait_for_url("**/atlas/papers/**")
    assert page.locator("h1").inner_text().strip().endswith(titles[1])
    assert errors == []
    context.close()


# Each text the page's live region (its one element of role "status") takes, with when.
RECORD_WHAT_IS_SAID = """() => {
  window.said = [];
  const region = document.querySelector('[role=status]');
  new MutationObserver(() => window.said.push([performance.now(), region.textContent]))
    .observe(region, { childList: true, subtree: true, characterData: true });
}"""


def test_a_screen_reader_is_told_the_count_once_typing_pauses_not_at_every_key(browser, shipped_site, serve_site):
    """Said at every key, the counts of "q", "qu", "qua"… queued up behind
    the typing, twelve of them for "quantization"."""
    base = serve_site(shipped_site)
    context, page, errors, _ = open_page(browser, base + "search/")
    expect(page.locator("#search-status")).to_have_text("Type to search titles, topics and abstracts.")
    expect(page.get_by_role("status")).to_have_count(1)
    expect(page.get_by_role("status")).to_have_text("Type to search titles, topics and abstracts.")
    page.evaluate(RECORD_WHAT_IS_SAID)
    box = page.locator("#site-search")
    box.press_sequentially("quantization", delay=150)
    # Shown at once, said once the typing pauses.
    expect(page.locator("#search-status")).to_contain_text("match “quantization”")
    shown = page.locator("#search-status").inner_text()
    expect(page.get_by_role("status")).to_have_text(shown)
    said = page.evaluate("window.said.map(([_time, text]) => text).filter(Boolean)")
    assert said == [shown]
    # Sent with Enter: said at once.
    page.evaluate("window.said = []")
    box.press("Enter")
    page.wait_for_function("window.said.length > 0", timeout=500)
    assert page.evaluate("window.said.at(-1)[1]") == shown
    # Arrived at with a query: said as it is shown.
    page.goto(base + "search/?q=lora")
    expect(page.locator("#search-status")).to_contain_text("match “lora”")
    expect(page.get_by_role("status")).to_have_text(page.locator("#search-status").inner_text(), timeout=500)
    assert errors == []
    context.close()


def test_typing_a_word_never_empties_the_results_and_enter_keeps_them(browser, shipped_site, serve_site):
    base = serve_site(shipped_site)
    context, page, errors, _ = open_page(browser, base + "search/")
    status = page.locator("#search-status")
    expect(status).to_have_text("Type to search titles, topics and abstracts.")  # the manifest is in
    box = page.locator("#site-search")
    box.click()
    # Past "hallucin", the stem the index holds, and before the word is whole.
    for letter in "hallucinatio":
        box.press(letter)
        typed = box.input_value()
        if len(typed) >= 3:
            expect(status).to_contain_text(f"“{typed}”")
            assert "No papers match" not in status.inner_text(), typed
    count = status.inner_text().split(" ")[0]
    box.press("Enter")
    page.wait_for_url("**/search/?q=hallucinatio")
    expect(status).to_contain_text(f"{count} papers match “hallucinatio”")
    # A shared link to the half-typed word finds the same.
    page.goto(base + "search/?q=transfor")
    expect(status).to_contain_text("papers match “transfor”")
    assert errors == []
    context.close()


def test_the_keyboard_reaches_every_result_and_sees_each_whole(browser, shipped_site, serve_site):
    base = serve_site(shipped_site)
    context = browser.new_context(viewport={"width": 390, "height": 700})
    page = context.new_page()
    page.goto(base + "search/")
    expect(page.locator("#site-search")).to_be_focused()  # no query yet: in the box
    page.goto(base + "search/?q=model")
    links = page.locator("#search-results .result h2 a")
    expect(links.first).to_be_focused()
    for _result in range(4):
        page.keyboard.press("ArrowDown")
        # The focused result whole on screen: its snippet too, not its title at the bottom edge.
        box = page.evaluate("document.activeElement.closest('.result').getBoundingClientRect().toJSON()")
        assert 0 <= box["top"] and box["bottom"] <= 700.5, box  # (subpixel layout)
    expect(links).to_have_count(10)
    page.locator("#search-more").focus()
    page.keyboard.press("Enter")
    expect(links).to_have_count(20)
    # On to the first result it added, not left on the button below the ten new ones.
    expect(links.nth(10)).to_be_focused()
    context.close()


@pytest.mark.parametrize("arriving", ["with ?q=", "typed, then Enter"])
def test_on_a_touch_screen_no_result_is_focused_and_with_a_mouse_the_first_is(browser, shipped_site, serve_site, arriving):
    """A phone has no arrow keys to go on from the first result: focusing it
    only drew a focus ring around its title. So neither a page reached with
    ?q= nor the Search key of a phone's keyboard (which leaves the box, and
    so puts the keyboard away) focuses it; with a mouse, both do."""
    base = serve_site(shipped_site)
    for touch, focused in ((True, "BODY"), (False, "A")):
        context = browser.new_context(viewport={"width": 390, "height": 700}, has_touch=touch)
        page = context.new_page()
        if arriving == "with ?q=":
            page.goto(base + "search/?q=model")
        else:
            page.goto(base + "search/")
            expect(page.locator("#search-status")).to_have_text("Type to search titles, topics and abstracts.")
            page.locator("#site-search").focus()
            page.keyboard.type("model")
            page.keyboard.press("Enter")
            page.wait_for_url("**/search/?q=model")
            page.wait_for_function("() => document.activeElement !== document.getElementById('site-search')")
        expect(page.locator("#search-status")).to_contain_text("papers match “model”")
        expect(page.locator("#search-results .result")).to_have_count(10)
        assert page.evaluate("document.activeElement.tagName") == focused, touch
        context.close()


def show_every_result(page) -> None:
    """Presses Show more until every result the status counts is shown."""
    count = int(page.locator("#search-status").inner_text().split(" ")[0].replace(",", ""))
    results = page.locator("#search-results .result")
    expect(results).to_have_count(min(count, 10))
    for shown in range(10, count, 10):
        page.locator("#search-more").click()
        expect(results).to_have_count(min(count, shown + 10))


def test_the_words_marked_are_those_the_query_found(browser, shipped_site, serve_site):
    """Sent, "Low-Rank" marked "Ranker" in "Language Ranker: …", a word it does
    not find; typed, "rank" is a beginning too, and finds and marks it."""
    base = serve_site(shipped_site)
    context, page, errors, _ = open_page(browser, base + "search/?q=" + quote("Low-Rank"))
    expect(page.locator("#search-status")).to_contain_text("papers match")
    show_every_result(page)
    ranker = page.locator("#search-results .result", has_text="Language Ranker")
    expect(ranker).to_have_count(1)
    assert "Ranker" not in ranker.locator("mark").all_inner_texts()
    marks = {mark.lower() for mark in page.locator("#search-results mark").all_inner_texts()}
    assert {"low", "rank", "ranking"} <= marks and "ranker" not in marks  # "ranking" is indexed as "rank"
    box = page.locator("#site-search")
    box.fill("")
    box.type("rank")
    expect(page.locator("#search-status")).to_contain_text("papers match “rank”")
    show_every_result(page)
    expect(page.locator("#search-results .result", has_text="Language Ranker").locator("h2 mark", has_text="Ranker")).to_have_count(1)
    assert errors == []
    context.close()


def test_arrow_keys_scroll_the_results_when_focus_is_elsewhere(browser, shipped_site, serve_site):
    base = serve_site(shipped_site)
    context, page, errors, _ = open_page(browser, base + "search/?q=model")
    expect(page.locator("#search-status")).to_contain_text("match")
    # The status comes before the results' documents: scroll once they are on the page.
    expect(page.locator("#search-results .result h2 a").first).to_be_focused()
    page.locator("h1").click()  # focus leaves the box, as after reading a while
    page.evaluate("window.scrollTo(0, 600)")
    page.keyboard.press("ArrowDown")
    page.wait_for_function("() => window.scrollY > 600")  # scrolled on (smoothly, if so), not held by the results
    assert page.evaluate("document.activeElement === document.body")
    assert errors == []
    context.close()


@pytest.mark.parametrize("query", ["title:", '"unclosed', "~2", "^", "*", "😀", "<script>alert(1)</script>", "x" * 2000])
def test_any_query_shows_results_or_a_message(browser, shipped_site, serve_site, query):
    base = serve_site(shipped_site)
    context, page, errors, dialogs = open_page(browser, base + "search/?q=" + quote(query))
    expect(page.locator("#search-status")).to_contain_text("match")
    status = page.locator("#search-status").inner_text()
    assert "paper" in status
    page.wait_for_load_state("networkidle")  # the results' documents in and drawn, errors and all
    assert errors == [] and dialogs == []
    context.close()


@pytest.mark.parametrize("query, said", [
    ("a", "“a” is a word too common to search for. Add one that says what the papers are about."),
    ("the", "“the” is a word too common to search for. Add one that says what the papers are about."),
    ("the of", "“the of” are words too common to search for. Add one that says what the papers are about."),
    ("+of -the", "“+of -the” are words too common to search for. Add one that says what the papers are about."),
    ("the-a", "“the-a” are words too common to search for. Add one that says what the papers are about."),
    ("zzzqqq", "No papers match “zzzqqq”. Try fewer or different words, or a word’s beginning."),
])
def test_a_query_that_finds_nothing_says_why_in_curly_quotes(browser, shipped_site, serve_site, query, said):
    """A stop word was told to try fewer or different words, and the message
    had a straight apostrophe among its curly quotes."""
    base = serve_site(shipped_site)
    context, page, errors, dialogs = open_page(browser, base + "search/?q=" + quote(query))
    expect(page.locator("#search-status")).to_have_text(said)
    assert "'" not in page.locator("#search-status").inner_text()
    assert errors == [] and dialogs == []
    context.close()


def test_a_typo_shows_the_papers_of_words_like_it_and_names_them(browser, shipped_site, serve_site):
    """The status said "15 papers match similar words, marked below." without
    naming them: it names the words searched for instead, as the papers write
    them, in a link to that search (said whole by the status's live region)."""
    base = serve_site(shipped_site)
    context, page, errors, dialogs = open_page(browser, base + "search/")
    box = page.locator("#site-search")
    box.fill("hallucnation")
    box.press("Enter")
    status = page.locator("#search-status")
    expect(status).to_have_text(re.compile(r"^No papers match “hallucnation”\. Showing \d+ papers for “hallucination”\.$"))
    expect(page.get_by_role("status")).to_have_text(status.inner_text())  # said whole, words and all
    link = status.get_by_role("link", name="hallucination", exact=True)
    assert link.get_attribute("href").endswith("/atlas/search/?q=hallucination")
    # The status comes before the results' documents are in: the marks with them.
    expect(page.locator("#search-results .result h2 mark").first).to_be_visible()
    marks = page.locator("#search-results .result h2 mark").all_inner_texts()
    assert marks and all(mark.lower().startswith("hallucin") for mark in marks), marks
    # Several words, each named; more than a handful, five of them.
    page.goto(base + "search/?q=" + quote("mixtrue of experst"))
    expect(status).to_have_text(re.compile(r"^No papers match “mixtrue of experst”\. Showing \d+ papers for “mixture of experts”\.$"))
    # A word written as one that the papers write as two.
    page.goto(base + "search/?q=zeroshot")
    expect(status).to_have_text(re.compile(r"^No papers match “zeroshot”\. Showing \d+ papers for “zero-shot”\.$"))
    typos = "hallucnation trasnformer reasonig alignmnet performace effcient"
    page.goto(base + "search/?q=" + quote(typos))
    expect(status).to_have_text(re.compile(
        f"^No papers match “{typos}”\\. Showing \\d+ papers for words like yours \\(“hallucination”, “transformer”, "
        "“reasoning”, “alignment”, “performance” and 1 more\\)\\.$"))
    status.get_by_role("link").click()
    page.wait_for_url("**/search/?q=hallucination+transformer+reasoning+alignment+performance+efficient")
    assert errors == [] and dialogs == []
    context.close()


def test_the_words_a_typo_was_searched_for_by_are_a_search_of_their_own_in_the_history(
        browser, shipped_site, serve_site):
    """The link in the status searches for its words as Enter does: the same
    papers, now matching them, on the first result, a step of the history of
    its own after a search sent; Back returns to the typo."""
    base = serve_site(shipped_site)
    context, page, errors, _ = open_page(browser, base + "topics/")
    page.goto(base + "search/?q=reasonig")
    status = page.locator("#search-status")
    expect(status).to_contain_text("Showing")
    titles = result_titles(page)
    status.get_by_role("link", name="reasoning").click()
    page.wait_for_url("**/search/?q=reasoning")
    expect(status).to_have_text(re.compile(r"^\d+ papers match “reasoning”$"))
    expect(page.locator("#site-search")).to_have_value("reasoning")
    assert result_titles(page) == titles
    expect(page.locator("#search-results .result h2 a").first).to_be_focused()
    page.go_back()
    page.wait_for_url("**/search/?q=reasonig")
    expect(status).to_contain_text("No papers match “reasonig”. Showing")
    expect(page.locator("#site-search")).to_have_value("reasonig")
    # Typed, not sent, the typo is no step of its own, as words typed then sent with Enter.
    page.locator("#site-search").fill("alignmnet")
    page.wait_for_url("**/search/?q=alignmnet")
    expect(status).to_contain_text("for “alignment”")
    status.get_by_role("link", name="alignment").click()
    page.wait_for_url("**/search/?q=alignment")
    expect(status).to_have_text(re.compile(r"^\d+ papers match “alignment”$"))
    page.go_back()
    page.wait_for_url("**/search/?q=reasonig")
    page.go_back()
    page.wait_for_url("**/atlas/topics/")
    assert errors == []
    context.close()


def site_of_one_digest(tmp_path: Path, papers: str | None) -> Path:
    """A site built under /atlas/ with the shipped settings and topics, of
    one digest of ``papers`` (its titles and abstracts) or of no paper at all."""
    content = tmp_path / "content"
    (content / "digests").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "site.yaml", content / "site.yaml")
    shutil.copy(ROOT / "content" / "topics.yaml", content / "topics.yaml")
    if papers is not None:
        (content / "digests" / "2025-03-18.txt").write_text("Daily Papers\nMar 18\n\n" + papers, encoding="utf-8")
    build(Paths(content=content, out=tmp_path / "_site"), base_url="/atlas/")
    return tmp_path / "_site"


def test_a_search_page_left_open_across_a_deploy_searches_the_site_deployed_since(browser, serve_site, tmp_path):
    # The index's files are named by their contents: a deploy since the page
    # loaded took away those its manifest named, and search said it "could
    # not load its index" until the page was reloaded.
    first = "Zebrafish Tokenizer\n\nA paper about zebrafish.\n"
    site = site_of_one_digest(tmp_path, first)
    context, page, errors, dialogs = open_page(browser, serve_site(site) + "search/")
    status = page.locator("#search-status")
    expect(status).to_have_text("Type to search titles, topics and abstracts.")
    (tmp_path / "content" / "digests" / "2025-03-19.txt").write_text(
        "Daily Papers\nMar 19\n\nAxolotl Attention\n\nA paper about axolotl attention heads.\n", encoding="utf-8",
    )
    build(Paths(content=tmp_path / "content", out=site), base_url="/atlas/")
    page.locator("#site-search").fill("axolotl")
    page.keyboard.press("Enter")
    assert result_titles(page) == ["Axolotl Attention"]
    expect(status).to_have_text("1 paper matches “axolotl”")
    page.locator("#site-search").fill("paper")
    page.keyboard.press("Enter")
    expect(status).to_have_text("2 papers match “paper”")
    # The browser's own line for the file that was gone, and nothing else.
    assert {error for error in errors} <= {
        "Failed to load resource: the server responded with a status of 404 (File not found)"
    } and dialogs == []
    context.close()


def test_show_more_on_a_search_page_left_open_across_a_deploy_searches_again(browser, serve_site, tmp_path):
    def zebrafish(numbers) -> str:
        return "".join(f"Zebrafish Study {n}\n\nA paper about zebrafish number {n}.\n\n" for n in numbers)

    site = site_of_one_digest(tmp_path, zebrafish(range(1, 21)))  # two chunks of the store: 16 and 4
    context, page, errors, dialogs = open_page(browser, serve_site(site) + "search/?q=zebrafish")
    status = page.locator("#search-status")
    expect(status).to_have_text("20 papers match “zebrafish”")
    assert len(result_titles(page)) == 10
    (tmp_path / "content" / "digests" / "2025-03-19.txt").write_text(
        "Daily Papers\nMar 19\n\n" + zebrafish([21]), encoding="utf-8",
    )
    build(Paths(content=tmp_path / "content", out=site), base_url="/atlas/")
    page.locator("#search-more").click()  # its papers' numbers may have moved: searched again, on the new site
    expect(status).to_have_text("21 papers match “zebrafish”")
    assert len(result_titles(page)) == 10
    assert set(errors) <= {"Failed to load resource: the server responded with a status of 404 (File not found)"}
    assert dialogs == []
    context.close()


def test_a_site_with_no_papers_yet_says_so_not_to_try_other_words(browser, serve_site, tmp_path):
    base = serve_site(site_of_one_digest(tmp_path, None))
    context, page, errors, dialogs = open_page(browser, base + "search/?q=lora")
    expect(page.locator("#search-status")).to_have_text("There are no papers to search yet: the site has none.")
    assert page.locator("#search-results .result").count() == 0
    assert errors == [] and dialogs == []
    context.close()


def test_a_hostile_title_is_text_in_results(browser, serve_site, tmp_path):
    base = serve_site(site_of_one_digest(
        tmp_path,
        "<img src=x onerror=alert(1)> Zebrafish Tokenizer\n\n"
        "A paper whose title tries to run code. <script>alert(2)</script> It is about zebrafish.\n",
    ))
    context, page, errors, dialogs = open_page(browser, base + "search/?q=zebrafish")
    titles = result_titles(page)
    assert titles == ["<img src=x onerror=alert(1)> Zebrafish Tokenizer"]
    assert page.locator("#search-results img").count() == 0
    assert "<script>" in page.locator("#search-results .snippet").inner_text()
    page.locator("#search-results .result h2 a").click()
    page.wait_for_url("**/atlas/papers/**")
    assert page.locator("h1").inner_text().strip().endswith(titles[0])
    assert page.locator("main img").count() == 0
    assert errors == [] and dialogs == []
    context.close()


def test_a_word_typed_without_its_accents_finds_and_marks_the_paper_that_writes_them(browser, serve_site, tmp_path):
    base = serve_site(site_of_one_digest(
        tmp_path,
        "Fréchet Inception Distance Revisited\n\nWe measure image models by the Fréchet distance of their features.\n\n"
        "Gödel Machines for Efficient \ufb01ne-tuning\n\nA learner that rewrites its own code, as Gödel proposed.\n",
    ))
    context, page, errors, dialogs = open_page(browser, base + "search/")
    expect(page.locator("#search-status")).to_have_text("Type to search titles, topics and abstracts.")
    box = page.locator("#site-search")
    for typed, title, marked in [("frechet", "Fréchet Inception Distance Revisited", "Fréchet"),
                                 ("godel fine", "Gödel Machines for Efficient \ufb01ne-tuning", "Gödel")]:
        box.fill("")
        box.type(typed)
        expect(page.locator("#search-status")).to_contain_text(f"1 paper matches “{typed}”")
        assert result_titles(page) == [title]
        expect(page.locator("#search-results .result h2 mark").first).to_have_text(marked)
        expect(page.locator("#search-results .snippet mark").first).to_have_text(marked)
    assert errors == [] and dialogs == []
    context.close()


def site_with_notes(tmp_path, number: int, notes: str) -> Path:
    """The shipped papers built under /atlas/ into tmp_path/_site, with
    ``notes`` in the paper file ``number`` (in name order); that file."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    build(Paths(content=content, out=tmp_path / "_site"))  # the paper files, to write notes in
    path = sorted((content / "papers").glob("*.md"))[number]
    path.write_text(path.read_text(encoding="utf-8") + "\n## Notes\n\n" + notes, encoding="utf-8")
    build(Paths(content=content, out=tmp_path / "_site"), base_url="/atlas/")
    return path


def test_a_word_of_ones_notes_finds_the_paper_and_shows_the_passage_of_the_notes(browser, serve_site, tmp_path):
    path = site_with_notes(tmp_path, 3, "# Idea\n\nTheir **zyxnoteword** trick halves the memory of attention, as our runs showed.\n")
    base = serve_site(tmp_path / "_site")
    context, page, errors, dialogs = open_page(browser, base + "search/?q=zyxnoteword")
    assert len(result_titles(page)) == 1
    snippet = page.locator("#search-results .snippet")
    assert snippet.inner_text() == "Your notes: Idea Their zyxnoteword trick halves the memory of attention, as our runs showed."
    assert snippet.locator("mark").all_inner_texts() == ["zyxnoteword"]
    # With a word its abstract holds too, the abstract's passage, as for any paper.
    title = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])["title"]
    word = max(re.findall(r"[a-z]{6,}", path.read_text(encoding="utf-8").split("---\n", 2)[2].split("## Notes")[0]),
               key=len)
    page.goto(base + "search/?q=" + quote(f"zyxnoteword {word}"))
    result = page.locator("#search-results .result", has=page.get_by_role("link", name=title, exact=True))
    expect(result).to_have_count(1)
    assert "Your notes" not in result.locator(".snippet").inner_text() and word in result.locator(".snippet").inner_text()
    # The empty box says that notes are searched too (the shipped site, without notes, does not).
    page.goto(base + "search/")
    expect(page.locator("#search-status")).to_have_text("Type to search titles, topics, abstracts and your notes.")
    assert errors == [] and dialogs == []
    context.close()


def test_a_tag_typed_as_notes_write_it_finds_the_tagged_paper_first(browser, serve_site, tmp_path):
    """"#routing" was read as the word: the paper tagged so came 8th of the 9 that say it."""
    path = site_with_notes(tmp_path, 39, "For our router. #routing\n")
    assert "routing" not in path.read_text(encoding="utf-8").split("## Notes")[0].lower()
    title = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])["title"]
    base = serve_site(tmp_path / "_site")
    context, page, errors, dialogs = open_page(browser, base + "search/")
    expect(page.locator("#search-status")).to_contain_text("Type to search")
    box = page.locator("#site-search")
    box.click()
    box.type("#routing")
    expect(page.locator("#search-status")).to_have_text("1 paper matches “#routing”")
    assert result_titles(page) == [title]
    result = page.locator("#search-results .result")
    expect(result.locator("a.user-tag")).to_have_text("#routing")
    assert result.locator("mark").count() == 0  # found in its tags: no word of its abstract is marked
    box.press("Enter")
    page.wait_for_url("**/search/?q=%23routing")
    assert result_titles(page) == [title]
    # A tag no paper has is said to be one, with its word a search away.
    page.goto(base + "search/?q=" + quote("#pruning"))
    expect(page.locator("#search-status")).to_have_text("No paper is tagged “#pruning”. Search for the word “pruning”.")
    page.locator("#search-status a").click()
    page.wait_for_url("**/search/?q=pruning")
    expect(page.locator("#search-status")).to_contain_text("papers match “pruning”")
    assert errors == [] and dialogs == []
    context.close()


def test_a_sharded_index_answers_in_the_browser_as_under_node(browser, serve_site, tmp_path, monkeypatch):
    """Sites of more than 500 papers get a sharded index that the browser
    scores itself (ShardIndex); here the shipped papers are forced into shards.
    Under Node the same code equals a monolithic lunr index (test_search.py);
    the browser must show what Node computes."""
    import site_builder.search as search
    from test_search import run_queries

    monkeypatch.setattr(search, "SINGLE_FILE_MAX_DOCS", 10)
    shutil.copytree(ROOT / "content", tmp_path / "content")
    site = tmp_path / "_site"
    build(Paths(content=tmp_path / "content", out=site), base_url="/atlas/")
    manifest = json.loads((site / "search" / "manifest.json").read_text())
    assert manifest.get("shards") and "index" not in manifest
    queries = ["wechsel", "large language models", "+lora -vision", "-model", "quant*", "title:survey"]
    expected = {entry["q"]: entry for entry in run_queries(site, [{"q": q} for q in queries])}
    base = serve_site(site)
    for query in queries:
        context, page, errors, _ = open_page(browser, base + "search/?q=" + quote(query))
        count = len(expected[query]["results"])
        assert count > 0, query
        expect(page.locator("#search-status")).to_contain_text(f"{count:,} paper")
        assert result_titles(page) == expected[query]["titles"], query
        assert errors == []
        context.close()


def slow_fetch(part: str, milliseconds: int, from_the_start: bool = True) -> str:
    """A page's init script: responses to addresses holding ``part`` arrive
    ``milliseconds`` late, as on a slow network, while ``window.slowFetch``
    is true; ``window.onTheirWay`` counts those held back."""
    return f"""
window.slowFetch = {json.dumps(from_the_start)};
window.onTheirWay = 0;
const fetchNow = window.fetch;
window.fetch = function (url, options) {{
  const response = fetchNow.call(window, url, options);
  if (!window.slowFetch || !String(url).includes({json.dumps(part)})) return response;
  window.onTheirWay++;
  return response.then(r => new Promise(done => setTimeout(() => {{ window.onTheirWay--; done(r); }}, {milliseconds})));
}};
"""


def test_show_more_while_a_new_query_loads_shows_no_result_twice(browser, shipped_site, serve_site):
    base = serve_site(shipped_site)
    # The results' documents late, once the first query's are in.
    context, page, errors, _ = open_page(browser, base + "search/?q=lora", slow_fetch("documents-", 1500, False))
    more = page.locator("#search-more")
    expect(more).to_be_visible()  # more than ten papers
    page.evaluate("window.slowFetch = true")
    box = page.locator("#site-search")
    box.fill("speech")
    expect(page.locator("#search-status")).to_contain_text("“speech”")
    # The count is there, the results' documents not yet: the button, if still
    # shown, would show the same results again.
    if more.is_visible():
        more.click()
    expect(page.locator("#search-results .result")).not_to_have_count(0)
    page.wait_for_function("() => window.onTheirWay === 0")  # any second batch has arrived
    page.wait_for_timeout(100)  # and been drawn (a task after its response)
    titles = page.locator("#search-results .result h2").all_inner_texts()
    count = int(page.locator("#search-status").inner_text().split(" ")[0])
    assert len(titles) == len(set(titles)) == min(count, 10)
    assert errors == []
    context.close()


def test_words_typed_before_the_search_index_is_in_are_kept_and_searched_for(browser, shipped_site, serve_site):
    base = serve_site(shipped_site)
    # The index's manifest late, as on a slow network.
    context, page, errors, _ = open_page(browser, base + "search/", slow_fetch("manifest", 800))
    status, box = page.locator("#search-status"), page.locator("#site-search")
    expect(status).to_have_text("Loading search…")
    box.press_sequentially("quantization", delay=40)
    expect(status).to_contain_text("papers match “quantization”")
    assert box.input_value() == "quantization" and page.url.endswith("search/?q=quantization")
    # Enter before the index is in: on to the first result once it is.
    page.goto(base + "search/")
    expect(status).to_have_text("Loading search…")
    box.press_sequentially("lora", delay=20)
    box.press("Enter")
    expect(page.locator("#search-results .result h2 a").first).to_be_focused()
    expect(status).to_contain_text("papers match “lora”")
    assert errors == []
    context.close()


def test_show_more_pressed_again_while_its_results_load_adds_them_once(browser, shipped_site, serve_site):
    base = serve_site(shipped_site)
    context, page, errors, _ = open_page(browser, base + "search/?q=model")
    links = page.locator("#search-results .result h2 a")
    expect(links).to_have_count(10)
    # Three presses in one go, before the first batch's documents can be in.
    page.evaluate("() => { const more = document.getElementById('search-more'); more.click(); more.click(); more.click(); }")
    expect(links).to_have_count(20)
    page.wait_for_load_state("networkidle")
    titles = links.all_inner_texts()
    assert len(titles) == len(set(titles)) == 20
    expect(links.nth(10)).to_be_focused()
    assert errors == []
    context.close()


def test_back_from_a_result_returns_to_it_with_as_many_results_shown(browser, shipped_site, serve_site):
    base = serve_site(shipped_site)
    context, page, errors, _ = open_page(browser, base + "search/?q=model")
    links = page.locator("#search-results .result h2 a")
    expect(links).to_have_count(10)
    page.locator("#search-more").click()
    expect(links).to_have_count(20)
    title = links.nth(12).inner_text()
    links.nth(12).scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0
    links.nth(12).click()
    page.wait_for_url("**/atlas/papers/**")
    assert page.locator("h1").inner_text().strip().endswith(title)

    # Loaded anew (Chromium under Playwright keeps no page whole for Back),
    # with what its history entry kept.
    page.go_back()
    page.wait_for_url("**/atlas/search/?q=model")
    expect(links).to_have_count(20)
    expect(links.nth(12)).to_be_focused()
    page.wait_for_function(f"() => Math.abs(window.scrollY - {scrolled}) < 2")
    # A reload keeps the place too, as a browser keeps a form's.
    page.reload()
    expect(links).to_have_count(20)
    expect(links.nth(12)).to_be_focused()
    # Escape from a result: back in the box, for other words; a reload then
    # puts no result in focus.
    page.keyboard.press("Escape")
    expect(page.locator("#site-search")).to_be_focused()
    page.reload()
    expect(links).to_have_count(20)
    page.wait_for_timeout(300)
    assert page.evaluate("document.activeElement.closest('.result')") is None
    # A result opened without being focused (Safari focuses no link it opens):
    # Back comes to it all the same.
    page.evaluate("document.activeElement.blur()")
    page.evaluate("document.querySelectorAll('#search-results .result h2 a')[15].click()")
    page.wait_for_url("**/atlas/papers/**")
    page.go_back()
    expect(links).to_have_count(20)
    expect(links.nth(15)).to_be_focused()

    # Back to the page kept whole (the back/forward cache, as other browsers
    # do): the results stay as they were; words typed but not yet searched
    # for are searched for.
    persisted = "window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))"
    page.evaluate(persisted)
    page.wait_for_timeout(300)
    expect(links).to_have_count(20)
    page.evaluate("document.getElementById('site-search').value = 'speech'")
    page.evaluate(persisted)
    expect(page.locator("#search-status")).to_contain_text("“speech”")
    assert errors == []
    context.close()


def test_back_returns_to_each_search_sent_and_typing_adds_no_entry_per_key(browser, shipped_site, serve_site):
    """Each search sent (Enter, or arrived at by its address) is a place in
    the history; Back left the search page for the one before it, losing
    every search made there."""
    base = serve_site(shipped_site)
    context, page, errors, _ = open_page(browser, base + "topics/")
    page.goto(base + "search/?q=model")
    links = page.locator("#search-results .result h2 a")
    expect(links).to_have_count(10)
    page.locator("#search-more").click()
    expect(links).to_have_count(20)
    box = page.locator("#site-search")
    box.fill("speech")  # typed, not sent: the words' own entry, changed as they are
    page.wait_for_url("**/search/?q=speech")
    box.fill("speech synthesis")
    page.wait_for_url("**/search/?q=speech+synthesis")
    box.press("Enter")
    expect(page.locator("#search-status")).to_contain_text("“speech synthesis”")
    box.fill("lora")
    page.wait_for_url("**/search/?q=lora")
    expect(page.locator("#search-status")).to_contain_text("“lora”")

    page.go_back()
    page.wait_for_url("**/search/?q=speech+synthesis")
    expect(box).to_have_value("speech synthesis")
    expect(page.locator("#search-status")).to_contain_text("“speech synthesis”")
    assert page.title().startswith("speech synthesis · ")
    # A search left by typing comes back as the reader left it: as many results shown.
    page.go_back()
    page.wait_for_url("**/search/?q=model")
    expect(box).to_have_value("model")
    expect(links).to_have_count(20)
    page.go_forward()
    page.wait_for_url("**/search/?q=speech+synthesis")
    expect(page.locator("#search-status")).to_contain_text("“speech synthesis”")
    page.go_back()
    page.wait_for_url("**/search/?q=model")
    expect(links).to_have_count(20)
    # The skip link's "#main" is a step of the history too, not another search.
    page.locator(".skip-link").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=model#main")
    page.wait_for_timeout(300)
    expect(links).to_have_count(20)
    page.go_back()
    page.wait_for_url("**/search/?q=model")
    page.wait_for_timeout(300)
    expect(links).to_have_count(20)
    page.go_back()
    page.wait_for_url("**/atlas/topics/")
    assert errors == []
    context.close()


@pytest.mark.parametrize("sent, written", [("lora+", "lora"), ("low%20rank", "low+rank")])
def test_words_arrived_at_written_another_way_are_one_step_of_the_history(
        browser, shipped_site, serve_site, sent, written):
    """The header's box sends "lora " (a phone's keyboard adds the space) as
    q=lora+, and a link may write a space %20: the page writes its address
    its own way in the same step. It made a second step, so Back needed two
    presses to leave the search."""
    base = serve_site(shipped_site)
    context, page, errors, _ = open_page(browser, base + "topics/")
    page.goto(base + "search/?q=" + sent)
    page.wait_for_url(f"**/search/?q={written}")
    expect(page.locator("#search-results .result h2 a").first).to_be_focused()
    page.go_back()
    page.wait_for_url("**/atlas/topics/")
    assert errors == []
    context.close()


def test_the_search_box_and_tips_promise_only_what_works(browser, shipped_site, serve_site):
    base = serve_site(shipped_site)
    box, tips = "#site-search", "#search-app .search-help"
    # A desktop: the "/" shortcut works, and the box says so; the tips are shown.
    context, page, errors, _ = open_page(browser, base + "search/?q=lora")
    assert page.locator(box).get_attribute("placeholder") == "Search papers (press /)"
    assert page.locator(box).get_attribute("aria-keyshortcuts") == "/"
    expect(page.locator(tips)).to_be_visible()
    assert errors == []
    context.close()
    # A phone has no "/" key to press.
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(base + "papers/")
    expect(page.locator(box)).to_have_attribute("aria-keyshortcuts", "/")  # site.js has run
    assert page.locator(box).get_attribute("placeholder") == "Search papers"
    # A keyboard can be plugged into one: its switch is a target a finger can hit (WCAG 2.5.8).
    page.goto(base + "search/")
    expect(page.locator(SWITCH)).to_be_visible()
    assert page.locator(".search-shortcut label").bounding_box()["height"] >= 24
    context.close()
    # Without JavaScript there is no shortcut and no search to give tips for.
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "search/?q=lora")
    assert page.locator(box).get_attribute("placeholder") == "Search papers"
    assert page.locator(box).get_attribute("aria-keyshortcuts") is None
    expect(page.locator("noscript, #search-app p.lead").first).to_be_attached()
    expect(page.locator(tips)).to_be_hidden()
    expect(page.locator(".search-shortcut")).to_be_hidden()
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("query", ["?q=lora", ""], ids=["query", "empty-box"])
def test_arriving_with_a_query_the_tips_do_not_jump_down_as_results_come(
    browser, shipped_site, serve_site, width, query,
):
    """With the box empty, they jumped down a line at 390px as "Loading
    search…" became "Type to search titles, topics and abstracts.", two
    lines there (a shift of 0.006)."""
    base = serve_site(shipped_site)
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    # The search's files a moment late, as over a network: from here they came
    # before the page was first drawn as often as not, and nothing was seen to move.
    page.route("**/search/*.json", lambda route: (time.sleep(0.3), route.continue_()))
    page.goto(base + "search/" + query)
    expect(page.locator("#search-app .search-help")).to_be_visible()
    expect(page.locator(".search-shortcut")).to_be_visible()
    expect(page.locator("#search-status")).not_to_have_text("Loading search…")
    # Chromium's own measure of content moving after it was shown (0.14-0.22 when
    # the tips came first, under results still to come).
    shift = page.evaluate("""() => new Promise((resolve) => {
        let total = 0;
        new PerformanceObserver((list) => {
            for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
        }).observe({ type: "layout-shift", buffered: true });
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(total)));
    })""")
    assert shift < 0.001  # not even a line's move at 390px (0.006)
    context.close()


SWITCH = "#search-shortcut"
SHORTCUT_PROMISED = "Search papers (press /)"


def press_slash_on_the_page(page) -> bool:
    """Presses "/" with focus on the page itself; whether the box took it."""
    page.evaluate("""() => {
        document.activeElement.blur();
        window.slashKept = null;  // after site.js's listener: whether it let the key be
        document.addEventListener("keydown", (event) => { window.slashKept = !event.defaultPrevented; }, { once: true });
    }""")
    page.keyboard.press("/")
    focused = page.evaluate("document.activeElement.id === 'site-search'")
    assert page.evaluate("window.slashKept") is not focused
    return focused


def test_the_slash_shortcut_turned_off_on_the_search_page_is_off_on_every_page(browser, shipped_site, serve_site):
    """WCAG 2.1.4: a shortcut of one character, which speech input types by
    mistake, can be turned off; the search page has the switch."""
    base = serve_site(shipped_site)
    box = "#site-search"
    context, page, errors, _ = open_page(browser, base + "topics/reasoning/")
    assert press_slash_on_the_page(page)
    page.goto(base + "search/")
    expect(page.locator(SWITCH)).to_be_checked()
    expect(page.get_by_role("checkbox", name="Press / anywhere to search")).to_be_visible()
    page.locator(SWITCH).uncheck()
    assert page.locator(box).get_attribute("placeholder") == "Search papers"  # at once, on this page too
    assert not press_slash_on_the_page(page)
    for arrive in (lambda: page.goto(base + "topics/reasoning/"), page.reload):  # another page, then again
        arrive()
        expect(page.locator(box)).not_to_have_attribute("aria-keyshortcuts", "/")
        assert page.locator(box).get_attribute("placeholder") == "Search papers"
        assert not press_slash_on_the_page(page)
        assert page.locator(box).input_value() == ""
    page.goto(base + "search/")
    expect(page.locator(SWITCH)).not_to_be_checked()
    page.locator(SWITCH).check()
    page.goto(base + "topics/reasoning/")
    expect(page.locator(box)).to_have_attribute("placeholder", SHORTCUT_PROMISED)
    assert press_slash_on_the_page(page)
    assert errors == []
    context.close()


def test_the_slash_shortcut_turned_off_in_another_tab_or_before_back_is_off_here(browser, shipped_site, serve_site):
    base = serve_site(shipped_site)
    box = "#site-search"
    context, paper, errors, _ = open_page(browser, base + "topics/reasoning/")
    expect(paper.locator(box)).to_have_attribute("placeholder", SHORTCUT_PROMISED)
    search = context.new_page()
    search.goto(base + "search/")
    search.locator(SWITCH).uncheck()
    expect(paper.locator(box)).to_have_attribute("placeholder", "Search papers")
    assert not press_slash_on_the_page(paper)
    # A page left in the back/forward cache while the switch was turned on
    # again (no storage event reaches it): shown again, it follows the switch.
    search.locator(SWITCH).check()
    expect(paper.locator(box)).to_have_attribute("placeholder", SHORTCUT_PROMISED)
    paper.evaluate("localStorage.setItem('paper-atlas-slash-shortcut', 'off')")  # as the switch writes it
    paper.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    expect(paper.locator(box)).to_have_attribute("placeholder", "Search papers")
    assert not press_slash_on_the_page(paper)
    assert errors == []
    context.close()


def test_where_the_browser_refuses_storage_the_slash_shortcut_stays_on_with_no_switch(browser, shipped_site, serve_site):
    """Cookies blocked: reading localStorage throws. A switch could not keep its setting."""
    refusing = """Object.defineProperty(window, "localStorage", {
        get() { throw new DOMException("The access is denied for this document.", "SecurityError"); },
    });"""
    base = serve_site(shipped_site)
    context, page, errors, _ = open_page(browser, base + "search/", refusing)
    expect(page.locator("#search-app .search-help")).to_be_visible()  # the scripts have run
    expect(page.locator(".search-shortcut")).to_be_hidden()
    expect(page.locator("#site-search")).to_have_attribute("placeholder", SHORTCUT_PROMISED)
    page.goto(base + "topics/reasoning/")
    assert press_slash_on_the_page(page)
    assert errors == []
    context.close()


def test_search_goes_on_when_the_browser_refuses_history_changes(browser, shipped_site, serve_site):
    """Safari refuses more than 100 history changes in 10 s (a SecurityError):
    that may cost the reader the place kept for Back, never the search."""
    refusing = """
window.historyChanges = 0;
window.refusing = false;
for (const name of ["replaceState", "pushState"]) {
  const changeNow = history[name].bind(history);
  history[name] = function (...args) {
    if (++window.historyChanges > 3 && window.refusing) throw new DOMException("too many history changes", "SecurityError");
    return changeNow(...args);
  };
}
"""
    base = serve_site(shipped_site)
    context, page, errors, _ = open_page(browser, base + "search/?q=model", refusing)
    links = page.locator("#search-results .result h2 a")
    expect(links).to_have_count(10)
    page.evaluate("window.refusing = true")
    for _pass in range(3):  # up and down the results, with the arrows
        for key in ["ArrowDown"] * 9 + ["ArrowUp"] * 9:
            page.keyboard.press(key)
    page.locator("#search-more").click()
    expect(links).to_have_count(20)
    box = page.locator("#site-search")
    box.fill("language")
    expect(page.locator("#search-status")).to_contain_text("papers match “language”")
    box.press("Enter")
    expect(links.first).to_be_focused()
    assert "could not load" not in page.locator("#search-status").inner_text()
    assert page.evaluate("window.historyChanges") > 3, "the browser did refuse some"
    assert "q=model" in page.url  # the change to the new query's address was refused too
    # Once the browser takes changes again, the next one (a scroll, say) puts
    # the query shown in the address, and its place with it.
    page.evaluate("window.refusing = false")
    page.mouse.wheel(0, 400)
    page.wait_for_url("**/search/?q=language")
    page.wait_for_function("() => history.state && history.state.q === 'language'")
    assert errors == []
    context.close()


def test_leaving_while_the_place_is_restored_keeps_it(browser, shipped_site, serve_site):
    base = serve_site(shipped_site)
    # The results' documents late, so that a reload comes while they load.
    context, page, errors, _ = open_page(browser, base + "search/?q=model", slow_fetch("documents-", 800))
    links = page.locator("#search-results .result h2 a")
    expect(links).to_have_count(10)
    page.locator("#search-more").click()
    expect(links).to_have_count(20)
    links.nth(12).click()
    page.wait_for_url("**/atlas/papers/**")
    page.go_back()
    expect(links).to_have_count(10)  # the first batch of the place being restored; the second loads
    page.reload()
    expect(links).to_have_count(20)
    expect(links.nth(12)).to_be_focused()
    assert errors == []
    context.close()


@pytest.mark.parametrize("dropped", ["search/index.", "search/documents-"])
def test_a_search_file_that_failed_to_load_is_asked_for_again_by_the_next_search(browser, shipped_site, serve_site, dropped):
    """A connection dropped once (a train's tunnel) costs one search, not
    every search until the page is reloaded: the failed fetch is not kept."""
    base = serve_site(shipped_site)
    context, page, errors, _ = open_page(browser, base + "search/")
    failed: list[str] = []

    def drop_once(route):
        if not failed:
            failed.append(route.request.url)
            return route.abort()
        return route.continue_()

    page.route(f"**/{dropped}*", drop_once)
    box = page.locator("#site-search")
    box.fill("quantization")
    box.press("Enter")
    expect(page.locator("#search-status")).to_contain_text("could not load its index")
    expect(page.locator("#search-status")).to_contain_text("Press Enter to try again")
    box.press("Enter")
    expect(page.locator("#search-status")).to_contain_text("papers match “quantization”")
    expect(page.locator("#search-results .result")).not_to_have_count(0)
    assert len(failed) == 1
    assert [error for error in errors if "net::ERR_FAILED" not in error] == []
    context.close()


def test_more_results_that_failed_to_load_say_so_and_load_on_the_next_press(browser, shipped_site, serve_site):
    """A dropped connection as "Show more results" fetches the next results'
    document files: the status says so (no promise left to fail unheard in
    the console), and the next press loads them."""
    base = serve_site(shipped_site)
    context, page, errors, _ = open_page(browser, base + "search/")
    dropping: list[bool] = []
    failed: list[str] = []

    def drop_once(route):
        if dropping and not failed:
            failed.append(route.request.url)
            return route.abort()
        return route.continue_()

    page.route("**/search/documents-*", drop_once)
    box = page.locator("#site-search")
    box.fill("model")
    box.press("Enter")
    expect(page.locator("#search-results .result")).to_have_count(10)
    status = page.locator("#search-status").inner_text()
    dropping.append(True)
    more = page.locator("#search-more")
    more.click()
    expect(page.locator("#search-status")).to_contain_text("could not load")
    assert failed, "the second batch fetched no document file: pick another query"
    expect(page.locator("#search-results .result")).to_have_count(10)
    more.click()
    expect(page.locator("#search-results .result")).to_have_count(20)
    expect(page.locator("#search-status")).to_have_text(status)
    assert len(failed) == 1
    assert [error for error in errors if "net::ERR_FAILED" not in error] == []
    context.close()


def test_the_search_benchmark_measures_a_query_that_finds_nothing(tmp_path):
    """bench/search_bench.py waited for results on the page, so a query that
    finds nothing (or only a typo's similar words) timed out there: it waits
    for the answer, and for results only when there are any."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    build(Paths(content=content, out=tmp_path / "_site"), base_url="/")
    ran = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "search_bench.py"), str(tmp_path / "_site"),
         "--queries", "zzzqqq,hallucnation,lora"],
        capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    rows = {line.split("|")[1].strip(): line.split("|")[2:4] for line in ran.stdout.splitlines()[2:-1]}
    assert list(rows) == ["`zzzqqq`", "`hallucnation`", "`lora`"]
    assert rows["`zzzqqq`"][1].strip().startswith("none: No papers match “zzzqqq”.")
    assert all(re.fullmatch(r" \d+ ", cell) for row in ("`hallucnation`", "`lora`") for cell in rows[row])
