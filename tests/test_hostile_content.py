"""Hostile content: titles, abstracts and paper files written to attack the reader.

A digest pasted from the web, or a paper file from someone else, may carry
markup, script URLs, template syntax or path tricks. Every one must reach the
reader as text: nothing runs, no attribute is injected, no template expression
is evaluated, and no file lands outside content/papers/ or the output
directory. The checks read whatever the build produces (HTML pages, XML feeds
and sitemaps, JSON search files), so new outputs are covered when they appear.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest

from site_builder.errors import SourceError
from site_builder.pipeline import Paths, build
from site_builder.writer import check_output_path

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = "https://example.org/atlas/"
BASE_PATH = "/atlas/"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'"
)
LONG_WORD = "x" * 5000

# (title, abstract) pairs of one digest; each title is a different attack.
DIGEST_ENTRIES = [
    ("<script>alert(1)</script> Attention Is All You Need",
     "We show <script>alert('abstract')</script> that transformers work."),
    ('"><img src=x onerror=alert(1)> Scaling Laws for Hostile Titles',
     'An abstract with "><img src=x onerror=alert(1)> and <svg onload=alert(1)> and '
     '<iframe src="javascript:alert(1)"></iframe> inside.'),
    ("{{ 7*7 }} and {{ config }} in Language Models",
     "Templates such as {{ 7*7 }} and {{ config.items() }} and {% if true %}yes{% endif %} stay literal."),
    ("{% raw %}Raw Blocks{% endraw %} for Jinja Injection",
     "An abstract that closes {% endraw %} and opens {% raw %} and ends {# a comment #} with text."),
    ("../../etc/passwd",
     "A title that is a path, meant to escape the output directory: ../../etc/passwd and ..\\..\\windows."),
    ("../../../tmp/escaped/../../index.html",
     "Another path title, with a file name at the end."),
    ("javascript:alert(1) Links Considered Harmful",
     'Bare javascript:alert(1) and <a href="javascript:alert(1)">a link</a> and vbscript:msgbox(1).'),
    ("[Click Me](javascript:alert(1)) Markdown Link Injection",
     "Links [click](javascript:alert(1)) and ![image](javascript:alert(1)) and "
     "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) and <javascript:alert(1)> and "
     '[ref][r] and https://evil.example/a"onmouseover="alert(1) here.'),
    ("A Very Long Word in an Abstract", f"The word {LONG_WORD} is long."),
]
USER_PAPER = """\
---
title: '<script>alert("title")</script> My "Own" Paper {{ 7*7 }}'
dates: [2025-03-18]
starred: true
tags: ['<img src=x onerror=alert(1)>', '{{ config }}', 'javascript:alert(1)', '../../etc']
'"><script>alert(1)</script>': '<b onmouseover=alert(1)>x</b>'
---

Body with <script>alert('body')</script> and {{ 7*7 }}.

## Notes

<script>alert('notes')</script>
<img src=x onerror=alert(1)>
<iframe src="javascript:alert(1)"></iframe>

[click](javascript:alert(1)) [ref][r] {{ 7*7 }} {% raw %} {% endraw %}

<style>body{display:none}</style>

Pasted from a terminal: \x1b[31mred\x1b[0m, a bell\x07, It\u00e2\x80\x99s, a\x0bb, \ufffe\x01 end.

[r]: javascript:alert(1)

Math: $\\text{<script>alert('tex')</script>}$ $\\href{javascript:alert(1)}{x}$ $\\style{color:red}{x}$
$\\class{evil}{y}$ $\\color{red}{z}$ $\\mathrm{<img src=x onerror=alert(1)>}$

$$
\\begin{equation}x\\label{a" onclick="alert(1)}\\end{equation} \\url{javascript:alert(1)}
$$
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """A project built from the hostile digest and paper file; returns its root."""
    root = tmp_path_factory.mktemp("hostile")
    content = root / "content"
    (content / "digests").mkdir(parents=True)
    (content / "papers").mkdir()
    shutil.copy(ROOT / "content" / "site.yaml", content / "site.yaml")
    shutil.copy(ROOT / "content" / "topics.yaml", content / "topics.yaml")
    paragraphs = "\n\n".join(f"{title}\n\n{abstract}" for title, abstract in DIGEST_ENTRIES)
    (content / "digests" / "2025-03-18.txt").write_text(f"new\n\nSubscribe\n\nMar 18\n\n{paragraphs}\n")
    (content / "papers" / "my-hostile-paper.md").write_text(USER_PAPER)
    build(Paths(content=content, out=root / "_site"), base_url=BASE_URL)
    return root


def source_texts() -> list[str]:
    """What the user wrote, whitespace-normalised: data may carry it verbatim."""
    texts = [text for entry in DIGEST_ENTRIES for text in entry]
    texts += [line for line in USER_PAPER.splitlines() if line.strip()]
    # And the text its Markdown shows, which search carries (its notes, a
    # paragraph of many lines, as one string): shown as text, as it was written.
    from site_builder.markup import make_markdown
    from site_builder.markup import html_to_text

    body, notes = USER_PAPER.split("\n---\n", 1)[1].split("## Notes")
    texts += [html_to_text(make_markdown()(part)) for part in (body, notes)]
    return [" ".join(text.split()) for text in texts]


def output_files(site: Path, suffix: str) -> list[Path]:
    return sorted(site.rglob(f"*{suffix}"))


# --- what counts as unsafe markup ---------------------------------------------

_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "srcset"}
_NEVER_ALLOWED = {"iframe", "object", "embed", "base", "frame", "frameset", "applet", "style"}


def _unsafe_url(value: str) -> bool:
    # Browsers ignore control characters and spaces inside a scheme ("java\tscript:").
    compact = re.sub(r"[\x00-\x20]", "", html.unescape(value)).lower()
    return compact.startswith(_SCRIPT_SCHEMES)


class MarkupAudit(HTMLParser):
    """Lists every element or attribute that could run code or load foreign content."""

    def __init__(self, where: str):
        super().__init__(convert_charrefs=True)
        self.where = where
        self.problems: list[str] = []
        self.inline: list[str] = []  # inline <script> bodies
        self._script_data: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in _NEVER_ALLOWED:
            self.problems.append(f"{self.where}: <{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{self.where}: <{tag} {name}=...> event handler")
            if name == "style":
                self.problems.append(f"{self.where}: <{tag} style=...> (blocked by the CSP)")
            if name in _URL_ATTRIBUTES and value and _unsafe_url(value):
                self.problems.append(f"{self.where}: <{tag} {name}={value!r}>")
        if tag == "meta" and (found.get("http-equiv") or "").lower() == "refresh":
            self.problems.append(f"{self.where}: <meta http-equiv=refresh>")
        if tag == "script":
            src = found.get("src")
            if src is not None and not src.startswith(BASE_PATH + "static/"):
                self.problems.append(f"{self.where}: <script src={src!r}> from outside the site")
            self._script_type = found.get("type") or ""
            self._script_data = [] if src is None else None

    def handle_data(self, data: str) -> None:
        if self._script_data is not None:
            self._script_data.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != "script" or self._script_data is None:
            return
        body, self._script_data = "".join(self._script_data), None
        if self._script_type != "application/ld+json":
            self.problems.append(f"{self.where}: inline <script>{body[:60]}")
            return
        # Structured data is allowed, but a "</script>" in a title that was not
        # escaped would end the element early, and the rest would not parse.
        try:
            data = json.loads(body)
        except ValueError:
            self.problems.append(f"{self.where}: structured data is not JSON: {body[:60]!r}")
            return
        for key, text in _strings(data):
            if key in ("url", "sameAs", "@id", "mainEntityOfPage") and _unsafe_url(text):
                self.problems.append(f"{self.where}: structured data {key}={text!r}")


def audit_markup(markup: str, where: str) -> list[str]:
    audit = MarkupAudit(where)
    audit.feed(markup)
    audit.close()
    return audit.problems


def element_text(page: str, tag: str) -> str:
    match = re.search(rf"<{tag}[^>]*>(.*?)</{tag}>", page, re.S)
    assert match, f"no <{tag}>"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


def paper_page(site: Path, slug: str) -> str:
    return (site / "papers" / slug / "index.html").read_text(encoding="utf-8")


# --- HTML -------------------------------------------------------------------------


def test_every_page_has_no_script_event_handler_or_script_url(hostile):
    site = hostile / "_site"
    pages = output_files(site, ".html")
    assert len(pages) >= 10
    problems = [
        problem for page in pages
        for problem in audit_markup(page.read_text(encoding="utf-8"), page.relative_to(site).as_posix())
    ]
    assert problems == []


def test_every_page_carries_the_content_security_policy(hostile):
    site = hostile / "_site"
    for page in output_files(site, ".html"):
        text = page.read_text(encoding="utf-8")
        assert text.count('http-equiv="Content-Security-Policy"') == 1, page
        assert f'content="{CSP}"' in text, page


def test_titles_and_abstracts_show_markup_as_text(hostile):
    site = hostile / "_site"
    page = paper_page(site, "script-alert-1-script-attention-is-all-you-need")
    assert element_text(page, "h1") == "<script>alert(1)</script> Attention Is All You Need"
    assert "<p>We show &lt;script&gt;alert('abstract')&lt;/script&gt; that transformers work.</p>" in page
    page = paper_page(site, "img-src-x-onerror-alert-1-scaling-laws-for-hostile-titles")
    assert element_text(page, "h1") == '"><img src=x onerror=alert(1)> Scaling Laws for Hostile Titles'
    # The title also goes into <title>, where it is text as well.
    assert element_text(page, "title").startswith('"><img src=x onerror=alert(1)> Scaling Laws')


def test_template_syntax_in_content_is_never_evaluated(hostile):
    site = hostile / "_site"
    page = paper_page(site, "7-7-and-config-in-language-models")
    assert element_text(page, "h1") == "{{ 7*7 }} and {{ config }} in Language Models"
    assert "{{ config.items() }} and {% if true %}yes{% endif %} stay literal." in page
    page = paper_page(site, "raw-raw-blocks-endraw-for-jinja-injection")
    assert element_text(page, "h1") == "{% raw %}Raw Blocks{% endraw %} for Jinja Injection"
    assert "closes {% endraw %} and opens {% raw %} and ends {# a comment #} with text." in page
    for file in site.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert b"SiteConfig(" not in data and b"&lt;Config" not in data, file


def test_markdown_links_to_scripts_stay_text(hostile):
    page = paper_page(hostile / "_site", "click-me-javascript-alert-1-markdown-link-injection")
    assert element_text(page, "h1") == "[Click Me](javascript:alert(1)) Markdown Link Injection"
    abstract = element_text(page, "section")
    for literal in ("[click](javascript:alert(1))", "![image](javascript:alert(1))",
                    "[data](data:text/html;base64,", "<javascript:alert(1)>", "[ref][r]"):
        assert literal in abstract
    # A bare URL is linked, but its quotes cannot open an attribute.
    assert 'href="https://evil.example/a%22onmouseover=%22alert(1)"' in page


def test_user_paper_file_with_hostile_front_matter_and_notes(hostile):
    page = paper_page(hostile / "_site", "my-hostile-paper")
    # The title as text, then the star and its name for a screen reader.
    assert element_text(page, "h1") == '<script>alert("title")</script> My "Own" Paper {{ 7*7 }}\xa0★Starred'
    pills = re.findall(r'<a class="tag user-tag" href="([^"<>]*)">([^<>]*)</a>', page)
    tags = [html.unescape(tag) for _href, tag in pills]
    assert tags == ["#<img src=x onerror=alert(1)>", "#{{ config }}", "#javascript:alert(1)", "#../../etc"]
    # Each links its page at an address of letters, digits and '-' only.
    slugs = ["img-src-x-onerror-alert-1", "config", "javascript-alert-1", "etc"]
    assert [href for href, _tag in pills] == [f"/atlas/tags/{slug}/" for slug in slugs]
    site = hostile / "_site"
    assert sorted(path.parent.name for path in (site / "tags").glob("*/index.html")) == sorted(slugs)
    assert "<h1>#&lt;img src=x onerror=alert(1)&gt;&nbsp;" in (site / "tags" / slugs[0] / "index.html").read_text()
    # The star is named for a screen reader, not read as "black star".
    assert ('<a class="star" href="/atlas/starred/" title="Starred"><span aria-hidden="true">★</span>'
            '<span class="visually-hidden">Starred</span></a>') in page
    notes = page[page.index('id="notes-heading"'):]
    # Marked for the build's warning, with its line in the notes.
    assert re.search(r'<span class="raw-html" data-line="[0-9]+">&lt;script&gt;</span>alert', notes)
    notes = re.sub(r'<span class="raw-html" data-line="[0-9]+">([^<]*)</span>', r"\1", notes)
    for literal in ("&lt;script&gt;alert('notes')&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;",
                    "&lt;iframe src=&quot;javascript:alert(1)&quot;&gt;", "[click](javascript:alert(1))",
                    "{{ 7*7 }} {% raw %} {% endraw %}", "&lt;style&gt;body{display:none}&lt;/style&gt;"):
        assert literal in notes
    # The user's own keys are kept in the file but never rendered raw.
    assert "onmouseover" not in page


def test_hostile_tex_in_notes_is_math_with_its_text_escaped_or_code(hostile):
    page = paper_page(hostile / "_site", "my-hostile-paper")
    notes = page[page.index('id="notes-heading"'):]
    assert "<mtext>&lt;script&gt;alert(’tex’)&lt;/script&gt;</mtext>" in notes  # TeX's quotes in text
    assert notes.count("<math>") == 3  # \text, \color (without its colour), \mathrm
    shown_as_tex = re.compile(r'<code class="math-error" title="[^"]*" data-line="[0-9]+">([^<]*)</code>')
    refused = [html.unescape(tex) for tex in shown_as_tex.findall(notes)]
    assert refused == [
        "$\\href{javascript:alert(1)}{x}$", "$\\style{color:red}{x}$", "$\\class{evil}{y}$",
        '$$\n\\begin{equation}x\\label{a" onclick="alert(1)}\\end{equation} \\url{javascript:alert(1)}\n$$',
    ]
    assert "evil" not in re.sub(r"<code.*?</code>|<annotation.*?</annotation>", "", notes)


def test_a_very_long_word_is_kept_whole(hostile):
    page = paper_page(hostile / "_site", "a-very-long-word-in-an-abstract")
    assert f"<p>The word {LONG_WORD} is long.</p>" in page


# What HTML forbids a page to hold and XML a feed: controls but tab, line
# ends and form feed, and the noncharacters U+FFFE and U+FFFF.
_FORBIDDEN_CHARACTER = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def test_no_output_holds_a_character_no_page_or_feed_can_hold(hostile):
    # The notes' control characters (pasted from a terminal) reached every
    # page that shows the paper, its JSON-LD and the search index.
    site = hostile / "_site"
    found = {}
    for file in site.rglob("*"):
        if file.suffix in (".html", ".xml", ".json", ".txt"):
            text = file.read_text(encoding="utf-8")
            if file.suffix == ".json":  # its strings, which a page shows, not their escapes
                text = "\n".join(string for _key, string in _strings(json.loads(text)))
            found[file.relative_to(site).as_posix()] = sorted(set(_FORBIDDEN_CHARACTER.findall(text)))
    assert {name: characters for name, characters in found.items() if characters} == {}
    notes = paper_page(site, "my-hostile-paper")
    assert "Pasted from a terminal: [31mred[0m, a bell, Itâs, a b,  end." in notes


# --- paths ------------------------------------------------------------------------


def test_paper_files_stay_flat_in_content_papers(hostile):
    content = hostile / "content"
    files = {p.relative_to(content).as_posix() for p in content.rglob("*") if p.is_file()}
    papers = {name for name in files if name.startswith("papers/")}
    assert files - papers == {"site.yaml", "topics.yaml", "digests/2025-03-18.txt"}
    assert len(papers) == len(DIGEST_ENTRIES) + 1
    for name in papers:
        assert re.fullmatch(r"papers/[a-z0-9][a-z0-9-]*\.md", name), name
    assert "papers/etc-passwd.md" in papers and "papers/tmp-escaped-index-html.md" in papers
    assert sorted(p.name for p in hostile.iterdir()) == ["_site", "content"]


def test_every_output_and_every_link_stays_inside_the_site(hostile):
    site = hostile / "_site"
    for file in site.rglob("*"):
        assert not file.is_symlink(), file
        assert file.resolve().is_relative_to(site.resolve()), file
    for slug in ("etc-passwd", "tmp-escaped-index-html"):
        assert (site / "papers" / slug / "index.html").is_file()
    for page in output_files(site, ".html"):
        for url in re.findall(r'(?:href|src|action)="([^"]*)"', page.read_text(encoding="utf-8")):
            parts = urlsplit(html.unescape(url))
            path = parts.path
            if not parts.netloc and path.startswith("/"):
                assert path.startswith(BASE_PATH) and ".." not in path.split("/"), (page, url)


@pytest.mark.parametrize("relative", ["papers/./index.html", "papers//index.html", "papers/x/"])
def test_writer_refuses_two_spellings_of_one_path(relative):
    """Paths outside the output are refused too (test_faults.py); a path in
    another spelling would let a second output overwrite the first."""
    with pytest.raises(SourceError, match="refusing to write"):
        check_output_path(relative)


# --- feeds, sitemaps and search files ----------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_problems(root: ET.Element, where: str) -> Iterator[str]:
    for element in root.iter():
        name = _local(element.tag)
        if name in ("script", "iframe", "object", "embed"):
            yield f"{where}: <{name}> element"
        for attribute, value in element.attrib.items():
            if _local(attribute).startswith("on"):
                yield f"{where}: <{name} {attribute}> event handler"
            if _local(attribute) in ("href", "src") and _unsafe_url(value):
                yield f"{where}: <{name} {attribute}={value!r}>"
        text = (element.text or "").strip()
        kind = element.get("type", "")
        if kind == "xhtml":
            markup = "".join(ET.tostring(child, encoding="unicode") for child in element)
            yield from audit_markup(markup, f"{where} <{name} type=xhtml>")
        elif kind == "html" or kind == "text/html" or name in ("description", "encoded"):
            # Feed readers render this text as HTML: content inside must be escaped in it.
            yield from audit_markup(text, f"{where} <{name}> HTML")
        elif name in ("loc", "id", "guid", "link") and text:
            if _unsafe_url(text):
                yield f"{where}: <{name}>{text}"
            if text.startswith(BASE_URL) and ".." in text.split("/"):
                yield f"{where}: <{name}>{text} leaves the site"


def test_xml_outputs_parse_and_carry_content_as_text(hostile):
    site = hostile / "_site"
    problems = []
    feed_texts: set[str] = set()
    for file in output_files(site, ".xml"):
        where = file.relative_to(site).as_posix()
        # A title that broke out of its escaping would make the file unparseable
        # or add elements: both fail here.
        root = ET.parse(file).getroot()
        problems += list(_xml_problems(root, where))
        if _local(root.tag) in ("feed", "rss"):
            feed_texts |= {(element.text or "").strip() for element in root.iter()}
    assert problems == []
    assert feed_texts, "the site has feeds"
    assert "<script>alert(1)</script> Attention Is All You Need" in feed_texts, "feeds carry the hostile titles"


@pytest.mark.parametrize(
    ("kind", "sample"),
    [
        ("html", '<p>ok</p><script>alert(1)</script>'),
        ("html", '<img src=x onerror="alert(1)">'),
        ("html", '<a href=" java\tscript:alert(1)">x</a>'),
        ("html", '<p style="color:red">x</p>'),
        ("html", '<iframe src="/atlas/x"></iframe>'),
        ("html", '<script type="application/ld+json">{"name": "</script><script>alert(1)</script>"}</script>'),
        ("xml", '<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="html">'
                '&lt;img src=x onerror=alert(1)&gt;</content></entry></feed>'),
        ("xml", '<rss><channel><item><description>&lt;script&gt;alert(1)&lt;/script&gt;</description></item></channel></rss>'),
        ("xml", '<feed xmlns="http://www.w3.org/2005/Atom"><link href="javascript:alert(1)"/></feed>'),
        ("xml", f'<urlset><url><loc>{BASE_URL}papers/../../etc/</loc></url></urlset>'),
    ],
)
def test_the_audits_catch_what_they_look_for(kind, sample):
    """The checks above pass on the real output; here they fail on bad samples."""
    if kind == "html":
        assert audit_markup(sample, "sample")
    else:
        assert list(_xml_problems(ET.fromstring(sample), "sample"))


def _strings(value: object) -> Iterator[tuple[str, str]]:
    """Every (key, string) in a JSON value; list items carry their list's key."""
    stack: list[tuple[str, object]] = [("", value)]
    while stack:
        key, item = stack.pop()
        if isinstance(item, str):
            yield key, item
        elif isinstance(item, dict):
            stack.extend((str(k), v) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((key, v) for v in item)


def test_json_outputs_parse_and_carry_no_live_markup(hostile):
    """Search documents carry titles and abstracts as data (the page shows them
    with textContent, see the browser test). A string that is not the user's
    own text verbatim was produced by the build: if it holds markup, that
    markup must be safe, because a page would insert it as HTML."""
    site = hostile / "_site"
    sources = "\n".join(source_texts())
    files = output_files(site, ".json")
    problems = []
    for file in files:
        where = file.relative_to(site).as_posix()
        for key, text in _strings(json.loads(file.read_text(encoding="utf-8"))):
            if key.lower() in ("u", "url", "href", "link") and (_unsafe_url(text) or ".." in text.split("/")):
                problems.append(f"{where}: {key}={text!r}")
            if "<" not in text:
                continue
            verbatim = " ".join(text.split()).rstrip("…").strip()
            if verbatim not in sources:
                problems += audit_markup(text, f"{where} {key!r}")
    assert problems == []
    assert files, "the site has a search index"
    carried = "\n".join(f.read_text(encoding="utf-8") for f in files)
    assert "<script>alert(1)</script> Attention Is All You Need" in carried, "search covers the hostile titles"


# --- in the browser ----------------------------------------------------------------


@pytest.mark.browser
def test_hostile_pages_run_nothing_in_chromium(hostile, serve_site, browser):
    """No dialog opens, no script errors and the CSP reports no violation (a
    violation is a console error) on any page, including search results that
    show the hostile titles, and the long word does not widen a phone screen."""
    site = hostile / "_site"
    base = serve_site(site)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    events: list[str] = []
    page.on("dialog", lambda dialog: (events.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("pageerror", lambda error: events.append(f"page error: {error}"))
    page.on("console", lambda message: message.type == "error" and events.append(f"console: {message.text}"))
    try:
        for file in output_files(site, ".html"):
            url = base + file.relative_to(site).as_posix().removesuffix("index.html")
            page.goto(url)  # waits for "load": deferred scripts have run by then
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url

        page.goto(base + "papers/my-hostile-paper/")
        assert page.locator("h1").inner_text().startswith('<script>alert("title")</script> My "Own" Paper {{ 7*7 }}\xa0★')
        assert page.locator("main img, main iframe, main script").count() == 0

        page.goto(base + "search/?q=attention+hostile")
        results = page.locator("#search-results li")
        results.first.wait_for()
        shown = page.locator("#search-results").inner_text()
        assert "<script>alert(1)</script> Attention Is All You Need" in shown
        assert '"><img src=x onerror=alert(1)> Scaling Laws for Hostile Titles' in shown
        assert page.locator("#search-results img, #search-results script, #search-results iframe").count() == 0
        page.wait_for_load_state("networkidle")
    finally:
        page.close()
    assert events == []
