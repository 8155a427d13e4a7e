"""The web's own checkers: the Nu Html Checker on every page, axe-core in Chromium.

Both come from npm (``vnu-jar``, ``axe-core``; ``make test-setup`` installs them);
the checker needs Java (``.ci/run`` installs it when missing).
"""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from colours import contrast, hex_rgb

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# One page of each kind a reader lands on, and the overviews with charts.
AXE_PAGES = [
    "",
    "papers/a-benchmark-for-learning-to-translate-a-new-language-from-one-grammar-book/",
    "topics/reasoning/",
    "topics/fine-tuning/page/2/",
    "topics/",
    "dates/2025-03-17/",
    "dates/",
    "search/",
    "search/?q=reasoning",
]


# CSS properties browsers have and the checker does not know yet: its one
# message about each is left out, and the property must be in the stylesheet.
# reading-flow (CSS Display 4, Chromium 137): on a phone, Tab on the topics
# page follows the cards the flex order shows first.
NEWER_THAN_THE_CHECKER = ("reading-flow",)


def require_java() -> str:
    java = shutil.which("java")
    if java:
        return java
    if os.environ.get("CI"):
        pytest.fail("CI must run the HTML checker: java is missing (apt-get install default-jre-headless)")
    pytest.skip("java is not installed (apt-get install default-jre-headless)")


def test_every_page_is_valid_html(shipped_site):
    java = require_java()
    assert VNU_JAR.is_file(), "run 'make setup' to install vnu-jar"
    pages = sorted(shipped_site.rglob("*.html"))
    assert len(pages) > 400
    result = subprocess.run(
        [java, "-Xss8m", "-jar", str(VNU_JAR), "--format", "json", "--also-check-css",
         "--errors-only", "--skip-non-html", str(shipped_site)],
        capture_output=True, text=True, timeout=600,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    unknown = [f"CSS: “{name}”: Property “{name}” doesn't exist." for name in NEWER_THAN_THE_CHECKER]
    stylesheet = next((shipped_site / "static").glob("style.*.css")).read_text(encoding="utf-8")
    assert all(f"{name}:" in stylesheet for name in NEWER_THAN_THE_CHECKER), "an exception no longer needed"
    problems = [
        f"{m.get('url', '?').split(str(shipped_site), 1)[-1]}:{m.get('lastLine', '?')}: {m['message']}"
        for m in messages if m["message"] not in unknown
    ]
    assert problems == [], "\n".join(problems[:40])


def test_the_pages_of_long_lists_are_valid_html(tmp_path):
    """The shipped corpus is too small for a second page of the A–Z list."""
    from bench.corpus import write_corpus
    from site_builder.pipeline import Paths, build

    java = require_java()
    content = write_corpus(600, tmp_path / "content")
    build(Paths(content, tmp_path / "_site"), base_url="/atlas/")
    pages = [tmp_path / "_site" / "papers" / "page" / "2" / "index.html", tmp_path / "_site" / "papers" / "index.html"]
    pages += sorted((tmp_path / "_site" / "topics").glob("*/page/2/index.html"))[:2]
    assert len(pages) == 4 and all(page.is_file() for page in pages)
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only", *map(str, pages)],
        capture_output=True, text=True, timeout=300,
    )
    assert json.loads(result.stderr or result.stdout)["messages"] == []


@pytest.fixture(scope="module")
def site_url(shipped_site, serve_site) -> str:
    return serve_site(shipped_site)


# The shipped papers have no tags: a copy with some, and the pages they make;
# and notes with headings (as Obsidian writes them), task lists, footnotes,
# coloured code and a table wider than the column, in a digest paper's notes and in both the abstract and the
# notes of a paper of one's own, whose notes have math too.
TAG_PAGES = ["", "tags/", "tags/read-later/", "starred/", "papers/my-reading-list/"]
# The page at an old address of my-reading-list, which sends the browser on.
ALIAS_PAGE = "papers/reading-list/"
FOOTNOTED_NOTES = (
    "\n## Notes\n\n# To do\n\n- [ ] re-run the ablation\n- [x] read section 3 of [the paper](https://arxiv.org/abs/1)\n\n"
    "## Cost\n\nThe gain is small.[^1] So is the cost.^[Table 2.]\n\n"
    "| run | what we saw | why it matters | what to try next | what it cost |\n|---|---|---|---|---|\n"
    "| warm-up | the loss spiked in the first thousand steps | schedules interact with batch size "
    "| a longer warm-up over two thousand steps | about a day on one card, with checkpoints |\n\n### Code\n\n"
    "```python\n@torch.no_grad()\ndef evaluate(model, n=3):  # three seeds\n    return sum(model(s) for s in range(n)) / 1.5e3\n```\n\n"
    "```diff\n- lr: 3e-4\n+ lr: 1e-4\n```\n\n[^1]: Within the noise of three seeds.\n"
)
# Math, as MathML inside HTML, which the checker validates against MathML 3.
MATH_NOTES = (
    "\n## Math\n\nWith $\\alpha_i \\ge 0$, $\\tfrac{1}{2}$, $\\mathbb{R}^n$ and $\\operatorname{softmax}(x)$ for $5:\n\n"
    "$$\n\\begin{align} h_t &= \\tanh(W h_{t-1}) \\label{rnn} \\\\ y_t &= \\dfrac{1}{Z} e^{h_t} \\end{align}\n$$\n\n"
    "$$f(x) = \\begin{cases} x & x > 0 \\\\ 0 & \\text{\\textbf{else}} \\end{cases}, \\quad "
    "\\begin{array}{|c|c|} \\hline a & b \\end{array}, \\hspace{1cm} x^{\\begin{pmatrix} a \\\\ b \\end{pmatrix}}$$\n\n"
    "By $\\eqref{rnn}$, with a typo $\\thetaa$.\n"
)
OWN_PAPER = (
    "---\ntitle: My reading list\ndates: [2025-03-18]\n---\n\n# Next\n\nPapers to read next.[^1]\n\n"
    "[^1]: From the March digests.\n" + FOOTNOTED_NOTES + MATH_NOTES
)


@pytest.fixture(scope="module")
def tagged_site(tmp_path_factory) -> tuple[Path, list[str]]:
    from site_builder.pipeline import Paths, build

    work = tmp_path_factory.mktemp("tagged")
    shutil.copytree(ROOT / "content", work / "content")
    papers = sorted((work / "content" / "papers").glob("*.md"))[:3]
    for paper, front in zip(papers, ("tags: [read-later, rlhf]\nstarred: true\n", "tags: [Read later, '🔥']\n", "tags: x\n")):
        paper.write_text(paper.read_text(encoding="utf-8").replace("\n---\n", f"\n{front}---\n", 1), encoding="utf-8")
    with papers[0].open("a", encoding="utf-8") as notes:
        notes.write(FOOTNOTED_NOTES)
    (work / "content" / "papers" / "my-reading-list.md").write_text(
        OWN_PAPER.replace("\n---\n", f"\naliases: [{ALIAS_PAGE.split('/')[1]}]\n---\n", 1), encoding="utf-8",
    )
    build(Paths(work / "content", work / "_site"), base_url="/atlas/")
    pages = TAG_PAGES + [f"papers/{paper.stem}/" for paper in papers[:2]]
    assert all((work / "_site" / page / "index.html").is_file() for page in pages)
    return work / "_site", pages


def test_the_tag_pages_the_pages_linking_them_and_an_alias_page_are_valid_html(tagged_site):
    java = require_java()
    site, pages = tagged_site
    files = [str(site / page / "index.html") for page in (*pages, ALIAS_PAGE)]
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only", *files],
        capture_output=True, text=True, timeout=300,
    )
    assert json.loads(result.stderr or result.stdout)["messages"] == []


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violations_on_the_tag_pages(browser, tagged_site, serve_site, scheme):
    site, pages = tagged_site
    base = serve_site(site)
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.emulate_media(color_scheme=scheme)
    failures = []
    try:
        for path in pages:
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            page.add_script_tag(path=str(AXE_JS))
            for violation in page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]:
                # A heading level skipped is "moderate" to axe, but notes
                # shift their headings: it would be theirs to skip.
                if violation["impact"] in ("serious", "critical") or violation["id"] == "heading-order":
                    failures.append(f"/{path} [{scheme}] {violation['id']}: {violation['help']}")
            # The headings a screen reader lists: the page's title alone at
            # level 1 (axe has no rule for a second), a note's below "Notes".
            levels = [int(level) for level in re.findall(r"- heading .*\[level=(\d)\]", page.locator("main").aria_snapshot())]
            if levels.count(1) != 1 or levels[0] != 1:
                failures.append(f"/{path} [{scheme}] heading levels {levels}: the title is not the one level 1")
    finally:
        context.close()
    assert failures == [], "\n".join(failures)


@pytest.mark.browser
def test_notes_headings_are_listed_under_notes_and_an_own_abstracts_under_abstract(browser, tagged_site, serve_site):
    site, pages = tagged_site
    base = serve_site(site)
    context = browser.new_context()
    page = context.new_page()
    try:
        outlines = {}
        for path in ("papers/my-reading-list/", pages[-2]):
            page.goto(base + path)
            outlines[path] = re.findall(r'- heading "([^"]*)" \[level=(\d)\]', page.locator("main").aria_snapshot())
    finally:
        context.close()
    notes = [("Notes", "2"), ("To do", "3"), ("Cost", "4"), ("Code", "5")]
    assert outlines["papers/my-reading-list/"][:7] == [("My reading list", "1"), ("Abstract", "2"), ("Next", "3"), *notes]
    digest_paper = outlines[pages[-2]]
    assert [level for _name, level in digest_paper[:2]] == ["1", "2"]
    assert digest_paper[digest_paper.index(("Notes", "2")):][:4] == notes


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violations(browser, site_url, scheme):
    assert AXE_JS.is_file(), "run 'make setup' to install axe-core"
    # The pages forbid inline and foreign scripts (CSP); only the test's
    # injected checker is let through.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.emulate_media(color_scheme=scheme)
    failures = []
    try:
        for path in AXE_PAGES:
            page.goto(site_url + path)
            page.wait_for_load_state("networkidle")
            page.add_script_tag(path=str(AXE_JS))
            results = page.evaluate(
                "axe.run(document, {resultTypes: ['violations']})"
            )
            for violation in results["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [node["target"] for node in violation["nodes"][:3]]
                    failures.append(f"/{path} [{scheme}] {violation['id']}: {violation['help']} {targets}")
    finally:
        context.close()
    assert failures == [], "\n".join(failures)


@pytest.mark.browser
def test_keyboard_reaches_a_visible_skip_link_then_the_content(browser, site_url):
    page = browser.new_page(viewport={"width": 390, "height": 800})
    try:
        page.goto(site_url + "topics/reasoning/")
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement, r = e.getBoundingClientRect(),"
            " s = getComputedStyle(e);"
            " return {text: e.textContent, top: r.top, left: r.left, width: r.width,"
            " outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth)}; })()"
        )
        assert focused["text"] == "Skip to content"
        assert focused["left"] >= 0 and focused["top"] >= 0 and focused["width"] > 0
        assert focused["outline"] != "none" and focused["outlineWidth"] >= 2, "focus must be visible"
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        inside_main = page.evaluate("document.querySelector('main').contains(document.activeElement)")
        assert inside_main, "after the skip link, Tab continues inside the main content"
    finally:
        page.close()


def test_first_visit_counts_the_page_and_what_it_loads():
    from site_builder.weight import measure_first_visit

    files = {
        "papers/x/index.html": b'<link rel="stylesheet" href="/a/static/s.css"><link rel="icon" href="/a/static/f.svg">'
                               b'<link rel="alternate" href="/a/feed.xml"><script src="/a/static/j.js" defer></script>',
        "static/s.css": b"body{}" * 100,
        "static/f.svg": b"<svg/>",
        "static/j.js": b"x()",
        "feed.xml": b"<feed/>" * 1000,
    }
    weight = measure_first_visit(files, "papers/x/index.html", "/a/")
    assert [t.path for t in weight.needed] == ["papers/x/index.html", "static/s.css", "static/f.svg"]
    assert weight.raw == len(files["papers/x/index.html"]) + 600 + 6
    assert weight.gzip < weight.raw
    assert [t.path for t in weight.scripts] == ["static/j.js"]


def test_first_visit_reads_a_link_as_browsers_do_without_an_href_or_with_rel_in_capitals():
    # A template of one's own may write either; one without an href stopped the build with a KeyError.
    from site_builder.weight import measure_first_visit

    files = {
        "papers/x/index.html": b'<link rel="icon"><link rel="Stylesheet" href="/static/s.css">',
        "static/s.css": b"body{}",
    }
    weight = measure_first_visit(files, "papers/x/index.html", "/")
    assert [t.path for t in weight.needed] == ["papers/x/index.html", "static/s.css"]


@pytest.mark.browser
def test_a_paper_page_reads_without_javascript(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site_url + AXE_PAGES[1])
        assert page.locator("h1").inner_text().startswith("A Benchmark for Learning to Translate")
        assert page.locator(".abstract p").first.is_visible()
        assert page.locator(".related li").count() == 5
        assert page.locator(".tags a").count() >= 1
    finally:
        context.close()


def _contrast(one: str, other: str) -> float:
    return contrast(hex_rgb(one), hex_rgb(other))


def _stylesheet_schemes(css: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """("light", the rules outside the dark blocks), ("dark", the rules inside them)."""
    dark_blocks = re.findall(r"@media screen and \(prefers-color-scheme: dark\) \{\n(.*?)\n\}\n", css, re.S)
    light_css = re.sub(r"@media screen and \(prefers-color-scheme: dark\) \{\n.*?\n\}\n", "", css, flags=re.S)
    return ("light", light_css), ("dark", "\n".join(dark_blocks))


def test_a_highlights_text_and_a_link_in_it_read_at_4_5_to_1_light_and_dark():
    """A note's ==highlight== (<mark>) may hold a link, which a search result's
    never did: in dark, the link colour on its background read at 4.24:1.
    axe checks no page with one; the stylesheet's own numbers, then."""
    css = (ROOT / "static" / "style.css").read_text(encoding="utf-8")
    ratios = {}
    for name, part in _stylesheet_schemes(css):
        background = re.search(r"^\s*mark \{ background: (#[0-9a-f]{6})", part, re.M).group(1)
        for token in ("--fg", "--accent"):
            ratios[name, token] = round(_contrast(re.search(rf"{token}: (#[0-9a-f]{{6}})", part).group(1), background), 2)
    assert len(ratios) == 4 and min(ratios.values()) >= 4.5, ratios


def test_every_code_colour_reads_at_4_5_to_1_on_the_code_background_light_and_dark():
    """axe leaves code's colours unchecked ("incomplete"): the scroll shadows
    are a gradient behind them. The stylesheet's own numbers, then: every
    --code-* colour against the background of code (--accent-soft) in both schemes."""
    css = (ROOT / "static" / "style.css").read_text(encoding="utf-8")
    schemes = {}
    for name, part in _stylesheet_schemes(css):
        background = re.search(r"--accent-soft: (#[0-9a-f]{6})", part).group(1)
        code_rule = re.search(r"pre \{ (--code-[^}]*)\}", part).group(1)
        colours = dict(re.findall(r"(--code-[a-z]+): (#[0-9a-f]{6})", code_rule))
        schemes[name] = {token: round(_contrast(colour, background), 2) for token, colour in colours.items()}
    assert schemes["light"].keys() == schemes["dark"].keys() and len(schemes["light"]) >= 7
    used = set(re.findall(r"var\((--code-[a-z]+)\)", css))
    assert used == set(schemes["light"]), "a token colour used but not defined, or defined for nothing"
    low = {(name, token): ratio for name, ratios in schemes.items() for token, ratio in ratios.items() if ratio < 4.5}
    assert low == {}, low

