"""Pages of one's own: content/pages/<name>.md read and checked, then built at /<name>/."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from site_builder import markup
from site_builder.errors import BuildErrors, SourceError
from site_builder.pages import OwnPage, parse_page, read_pages
from site_builder.pipeline import Paths, build
from files import snapshot

ROOT = Path(__file__).resolve().parent.parent
DIGEST = "Daily Papers\n\nMar 18\n\nA Paper on Speech\n\nWe study speech synthesis.\n"
ABOUT = (
    "---\ntitle: About\ndescription: >\n  Who keeps this atlas,\n  and why.\nnav: true\n---\n\n"
    "I read the **digests** every morning.\n\n<script>alert(1)</script>\n"
)


def page_error(text: str, name: str = "about.md", public: Path | None = None) -> str:
    with pytest.raises(SourceError) as raised:
        read_pages([(Path("content/pages") / name, text)], public or Path("no-public"))
    return str(raised.value)


def test_a_page_is_read_with_its_title_description_nav_and_body():
    page = parse_page(ABOUT, Path("content/pages/about.md"))
    assert page == OwnPage(
        name="about", title="About", description="Who keeps this atlas, and why.", nav=True,
        body="I read the **digests** every morning.\n\n<script>alert(1)</script>", path=Path("content/pages/about.md"),
    )
    assert page.url == "about/"


def test_a_page_needs_only_a_title():
    page = parse_page("---\ntitle: Reading list\n---\n", Path("content/pages/reading-list.md"))
    assert (page.title, page.description, page.nav, page.body) == ("Reading list", "", False, "")


def test_pages_are_read_in_name_order():
    texts = [(Path(f"content/pages/{name}.md"), f"---\ntitle: {name}\n---\n") for name in ("b", "a2", "a")]
    assert [page.name for page in read_pages(texts, Path("no-public"))] == ["a", "a2", "b"]


def test_a_page_without_a_title_is_an_error_saying_how_to_add_one():
    assert page_error("---\ndescription: Mine.\n---\n\nText.\n") == (
        "content/pages/about.md:1: page has no title "
        "(add 'title: ...' to the front matter: it heads the page and names it in browser tabs)"
    )


def test_a_misspelt_key_is_an_error_at_its_line_with_the_key_meant():
    assert page_error("---\ntitle: About\ntitel: About\n---\n") == (
        "content/pages/about.md:3: unknown key 'titel' "
        "(did you mean 'title'? a page's keys are title, description, nav and aliases)"
    )


def test_broken_yaml_in_a_page_is_an_error_at_its_line():
    assert page_error("---\ntitle: About\nnav: [true\n---\n").startswith(
        "content/pages/about.md:3: invalid YAML: a '[' list begun on this line is not closed"
    )


def test_a_page_without_front_matter_is_an_error_at_line_1():
    assert page_error("# About\n\nText.\n").startswith(
        "content/pages/about.md:1: page file does not start with '---' front matter"
    )


def test_a_page_written_for_pelican_or_mkdocs_is_told_how_to_give_it_front_matter():
    # It said to begin with '---' and YAML lines, as for any file, where a
    # file of Pelican's has its metadata and one of MkDocs' its title already.
    assert page_error("Title: About\nDate: 2025-03-20\nSlug: about\n\nText.\n") == (
        "content/pages/about.md:1: page file does not start with '---' front matter "
        "(its first lines look like metadata written as Pelican writes it: put a line '---' above them and "
        "one below, with keys in lower case ('title: ...', not 'Title: ...'))"
    )
    # Keys in lower case already: front matter that lost its '---' lines, not Pelican's.
    assert page_error("title: About\nnav: true\n\nText.\n") == (
        "content/pages/about.md:1: page file does not start with '---' front matter "
        "(its first lines look like front matter without its '---' lines: put a line '---' above them and one below)"
    )
    assert page_error("\n# About me #\n\nText.\n") == (
        "content/pages/about.md:1: page file does not start with '---' front matter "
        "(the title is not taken from a heading: begin the file with '---', 'title: About me', '---')"
    )
    # The line it gives is YAML that reads as the heading: quoted where
    # YAML would read it otherwise; a '#' in it kept, but a closing one's.
    for heading, title in (("About: me", '"About: me"'), ("[Draft] Notes", '"[Draft] Notes"'), ("2025", '"2025"'),
                           ("C# and F#", "C# and F#"), ("C# and F# ##", "C# and F#")):
        assert page_error(f"# {heading}\n\nText.\n").endswith(f"begin the file with '---', 'title: {title}', '---')")
    assert page_error("I read the digests.\n") == (
        "content/pages/about.md:1: page file does not start with '---' front matter "
        "(begin the file with '---', YAML lines such as 'title: ...', then '---')"
    )


def test_an_empty_page_file_is_an_error_that_says_so():
    """It said the file did not start with '---' front matter."""
    assert page_error("") == (
        "content/pages/about.md:1: page file is empty "
        "(write '---', YAML lines such as 'title: ...', then '---' in it, or delete it)"
    )


@pytest.mark.parametrize(("text", "expected"), [
    ("---\ntitle: 2025\n---\n", "content/pages/about.md:2: title must be text, not 2025 (quote it: title: '2025')"),
    ("---\ntitle: '  '\n---\n", "content/pages/about.md:2: title must not be blank"),
    ("---\ntitle: About\nnav: 'yes'\n---\n", "content/pages/about.md:3: nav must be true or false, not 'yes'"),
    ("---\ntitle: \"About\\a\"\n---\n", "content/pages/about.md:2: title holds a control character"),
    # Brackets make a list: the hint is YAML that reads as text, not Python's repr in quotes.
    ("---\ntitle: [Draft, About]\n---\n", "content/pages/about.md:2: title must be text, not ['Draft', 'About'] (write it "
     "as one line of text, in quotes if it starts with [ or {: title: \"[Re] A Paper\")"),
    ("---\ntitle: yes\n---\n", "content/pages/about.md:2: title must be text, not True (quote it: title: 'yes')"),
])
def test_a_value_of_the_wrong_kind_is_an_error_at_its_line(text, expected):
    assert page_error(text).startswith(expected)


@pytest.mark.parametrize(("name", "suggested"), [("About.md", "about.md"), ("my_page.md", "my-page.md"),
                                                 ("reading list.md", "reading-list.md"),
                                                 ("Papers.md", "my-papers.md"),  # not an address the site keeps
                                                 ("Tags.md", "my-tags.md")])
def test_a_file_name_that_is_no_address_is_an_error_naming_a_good_one(name, suggested):
    assert page_error("---\ntitle: About\n---\n", name) == (
        f"content/pages/{name}: page file name {name!r} cannot be a page address "
        f"(use lower-case letters, digits and '-': rename it to {suggested})"
    )


@pytest.mark.parametrize(
    "name", ["papers", "topics", "dates", "search", "static", "feed", "sitemap", "robots", "404", "tags", "starred"],
)
def test_a_page_named_as_one_of_the_sites_own_addresses_is_an_error(name):
    assert page_error("---\ntitle: Mine\n---\n", f"{name}.md") == (
        f"content/pages/{name}.md: /{name}/ is an address of the site's own (rename the file, e.g. to my-{name}.md; "
        "the site keeps 404, dates, feed, index, papers, robots, search, sitemap, starred, static, tags, topics)"
    )


@pytest.mark.parametrize("public_file", ["about/index.html", "about"])
def test_a_page_where_content_public_has_a_file_is_an_error_naming_both(tmp_path, public_file):
    public = tmp_path / "public"
    (public / public_file).parent.mkdir(parents=True, exist_ok=True)
    (public / public_file).write_text("mine")
    assert page_error("---\ntitle: About\n---\n", public=public) == (
        f"content/pages/about.md: /about/ is also the address of {public / public_file} "
        f"(rename this file, or move {public / public_file} elsewhere in content/public/)"
    )


def test_a_file_of_content_public_beside_a_page_is_fine(tmp_path):
    (tmp_path / "public" / "about").mkdir(parents=True)
    (tmp_path / "public" / "about" / "me.png").write_bytes(b"\x89PNG")
    assert len(read_pages([(Path("content/pages/about.md"), ABOUT)], tmp_path / "public")) == 1


def test_every_bad_page_is_reported_at_once():
    texts = [(Path("content/pages/a.md"), "---\n---\n"), (Path("content/pages/B.md"), "---\ntitle: B\n---\n")]
    with pytest.raises(BuildErrors) as raised:
        read_pages(texts, Path("no-public"))
    assert [error.path.name for error in raised.value.errors] == ["a.md", "B.md"]


# -- built -------------------------------------------------------------------


@pytest.fixture
def content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    (content / "digests").mkdir(parents=True)
    (content / "pages").mkdir()
    (content / "site.yaml").write_text("title: Atlas\nbase_url: https://example.org/atlas/\n")
    shutil.copy(ROOT / "content" / "topics.yaml", content / "topics.yaml")
    (content / "digests" / "2025-03-18.txt").write_text(DIGEST)
    (content / "pages" / "about.md").write_text(ABOUT)
    (content / "pages" / "reading-list.md").write_text(
        "---\ntitle: Reading list\n---\n\n- A Paper on Speech\n- [All topics](/topics/)\n"
    )
    return content


def test_a_page_is_built_at_its_name_with_its_markdown_as_notes_are(content, tmp_path):
    build(Paths(content, tmp_path / "site"), workers=1)
    about = (tmp_path / "site" / "about" / "index.html").read_text()
    assert "<title>About · Atlas</title>" in about
    assert '<meta name="description" content="Who keeps this atlas, and why.">' in about
    assert "<h1>About</h1>" in about
    assert "<p>I read the <strong>digests</strong> every morning.</p>" in about
    assert ('<p><span class="raw-html" data-line="3">&lt;script&gt;</span>alert(1)'
            '<span class="raw-html" data-line="3">&lt;/script&gt;</span></p>' in about), "raw HTML shows as text, as in notes"
    reading = (tmp_path / "site" / "reading-list" / "index.html").read_text()
    assert "<li>A Paper on Speech</li>" in reading
    assert '<li><a href="/atlas/topics/">All topics</a></li>' in reading, "under the base path, as the site's links"
    assert '<meta name="description" content="Machine-learning papers' in reading, "the site's, without its own"


def test_with_an_edit_url_a_page_links_its_file_in_the_repositorys_editor(content, tmp_path):
    (content / "site.yaml").write_text("title: Atlas\nedit_url: https://codeberg.org/me/atlas/_edit/main/content\n")
    build(Paths(content, tmp_path / "site"), workers=1)
    about = (tmp_path / "site" / "about" / "index.html").read_text()
    assert ('<p class="edit"><a href="https://codeberg.org/me/atlas/_edit/main/content/pages/about.md" '
            'rel="noopener">Edit this page</a></p>') in about


def test_a_pages_headings_nest_under_its_title_and_the_same_text_in_notes_under_notes(content, tmp_path):
    text = "# Why\n\n## How\n\nI read."
    (content / "pages" / "about.md").write_text("---\ntitle: About\n---\n\n" + text + "\n")
    build(Paths(content, tmp_path / "site"), workers=1)
    paper = content / "papers" / "a-paper-on-speech.md"
    paper.write_text(paper.read_text() + "\n## Notes\n\n" + text + "\n")
    build(Paths(content, tmp_path / "site"), workers=1)
    about = (tmp_path / "site" / "about" / "index.html").read_text()
    assert re.sub(r'<a class="permalink".*?</a>', "", about).count(
        '<h1>About</h1>\n  <div class="heading"><h2 id="why">Why</h2></div>\n<div class="heading"><h3 id="how">How</h3></div>\n'
    ) == 1
    notes = (tmp_path / "site" / "papers" / "a-paper-on-speech" / "index.html").read_text()
    assert re.sub(r'<a class="permalink".*?</a>', "", notes).count(
        '<h2 id="notes-heading">Notes</h2>\n    <div class="heading"><h3 id="why">Why</h3></div>\n'
        '<div class="heading"><h4 id="how">How</h4></div>\n'
    ) == 1


@pytest.mark.parametrize("body, shown", [
    ("# About\n\n## Why\n\nTo read.", "## Why\n\nTo read."),  # as a page written for MkDocs opens
    ("# about  us #\n\nTo read.", "To read."),  # the title in another case, spaced, with closing #s
    ("# About", ""),
    ("# About me\n\nTo read.", None),  # a heading of its own
    ("#About\n\nTo read.", None),  # no heading: a paragraph
    ("    # About\n\nTo read.", None),  # code
    ("To read.\n\n# About", None),  # not its first line
    ("About\n=====\n\nTo read.", None),  # MkDocs takes no title from an underlined heading either
])
def test_a_first_line_heading_the_page_with_its_title_is_not_shown_again(body, shown):
    title = "About us" if "us" in body else "About"
    page = OwnPage("about", title, "", False, body, Path("content/pages/about.md"))
    assert page.body_below_title == (body if shown is None else shown)


def test_a_page_written_for_mkdocs_shows_its_title_once_and_its_sections_below_it(content, tmp_path):
    (content / "pages" / "about.md").write_text("---\ntitle: About\n---\n\n# About\n\n## Why\n\nTo read.\n")
    build(Paths(content, tmp_path / "site"), workers=1)
    about = (tmp_path / "site" / "about" / "index.html").read_text()
    assert '<h1>About</h1>\n  <div class="heading"><h2 id="why">Why</h2><a class="permalink" href="#why" ' in about
    assert about.count(">About<") == 1, "the title, once"


def test_a_page_is_in_the_sitemap_but_not_in_search_or_feeds(content, tmp_path):
    report = build(Paths(content, tmp_path / "site"), workers=1)
    site = tmp_path / "site"
    sitemap = (site / "sitemap.xml").read_text()
    assert "<loc>https://example.org/atlas/about/</loc>" in sitemap
    assert "<loc>https://example.org/atlas/reading-list/</loc>" in sitemap
    search = b"".join(path.read_bytes() for path in sorted((site / "search").glob("*.json")))
    assert b"A Paper on Speech" in search
    assert b"about/" not in search and b"Reading list" not in search
    assert "about/" not in (site / "feed.xml").read_text()
    assert report.site.counts["page"] == 2


def test_a_page_with_nav_true_is_linked_from_every_pages_header(content, tmp_path):
    build(Paths(content, tmp_path / "site"), workers=1)
    site = tmp_path / "site"
    link = '<a href="/atlas/about/">About</a>'
    for page in ("index.html", "papers/a-paper-on-speech/index.html", "reading-list/index.html", "404.html"):
        assert link in (site / page).read_text(), page
    assert '<a href="/atlas/about/" aria-current="page">About</a>' in (site / "about" / "index.html").read_text()
    assert "/atlas/reading-list/" not in (site / "index.html").read_text(), "no nav: true, no link"


def test_a_folder_in_content_pages_is_not_read_and_the_build_says_so(content, tmp_path):
    (content / "pages" / "notes").mkdir()
    (content / "pages" / "notes" / "x.md").write_text("---\ntitle: X\n---\n")
    report = build(Paths(content, tmp_path / "site"), workers=1)
    assert [str(warning) for warning in report.warnings if "HTML tag" not in warning.message] == [
        f"{content / 'pages' / 'notes'}: not read: a folder (pages are read from {content / 'pages'} alone) "
        f"(to build them, move them up into {content / 'pages'})"
    ]
    assert not (tmp_path / "site" / "notes").exists() and not (tmp_path / "site" / "x").exists()


def test_the_same_pages_give_byte_identical_sites(content, tmp_path):
    build(Paths(content, tmp_path / "one"), workers=1)
    build(Paths(content, tmp_path / "two"), workers=2)
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


def test_a_bad_page_stops_the_build_and_leaves_the_site_as_it_was(content, tmp_path):
    paths = Paths(content, tmp_path / "site")
    build(paths, workers=1)
    before = snapshot(paths.out)
    (content / "pages" / "about.md").write_text("---\ntitle: About\nnav: [true\n---\n")
    with pytest.raises(SourceError) as raised:
        build(paths, workers=1)
    assert str(raised.value).startswith(f"{content / 'pages' / 'about.md'}:3: invalid YAML")
    assert snapshot(paths.out) == before
    assert json.loads((paths.out / "search" / "manifest.json").read_text())  # still the whole site


# -- math ----------------------------------------------------------------------

MATH_NOTE = (
    "---\ntitle: A Paper of My Own\n---\n\nWe minimise $\\mathcal{L}(\\theta)$ for \\$5.\n\n## Notes\n\n"
    "The update:\n\n$$\n\\theta_{t+1} = \\theta_t - \\eta \\nabla_\\theta \\mathcal{L}\n$$\n\n"
    "Costs $5 and $10; a typo $\\thetaa$ here.\n"
)


def test_math_in_notes_and_pages_reaches_the_built_pages_the_same_on_any_core_and_bad_tex_is_a_warning_at_its_line(content, tmp_path):
    (content / "papers").mkdir()
    (content / "papers" / "my-own.md").write_text(MATH_NOTE)
    (content / "pages" / "math.md").write_text("---\ntitle: Math\n---\n\nA matrix:\n\n$$\\begin{pmatrix}a & b\\\\ c & d\\end{pmatrix}$$\n")
    report = build(Paths(content, tmp_path / "site"), workers=1)
    build(Paths(content, tmp_path / "on-two-cores"), workers=2)
    assert snapshot(tmp_path / "site") == snapshot(tmp_path / "on-two-cores")
    paper = (tmp_path / "site" / "papers" / "my-own" / "index.html").read_text()
    assert '<p>We minimise <math><semantics><mrow><mrow><mspace/><mi>ℒ︀</mi></mrow><mo stretchy="false">(</mo><mi>θ</mi>' in paper
    assert paper.count("<math") == 2 and '<div class="math-display"><math display="block">' in paper
    assert '<annotation encoding="application/x-tex">\\theta_{t+1} = \\theta_t - \\eta \\nabla_\\theta \\mathcal{L}</annotation>' in paper
    assert "for $5.</p>" in paper and "Costs $5 and $10; a typo <code class=\"math-error\"" in paper
    page = (tmp_path / "site" / "math" / "index.html").read_text()
    assert "<mtable" in page and "<annotation encoding=\"application/x-tex\">\\begin{pmatrix}a &amp; b" in page
    (warning,) = [w for w in report.warnings if "math" in w.message]
    assert (Path(warning.path).name, warning.line, warning.message) == (
        "my-own.md", 15, 'math shown as its TeX, not as math: Unknown command "\\thetaa"',
    )
    # Its text, in search and in the page's description, is the TeX as written.
    assert '<meta name="description" content="We minimise \\mathcal{L}(\\theta) for $5.">' in paper


def test_an_obsidian_embed_of_an_image_of_public_shows_it_under_the_base_path_in_notes_pages_and_feeds(content, tmp_path):
    """Obsidian's ![[plot.png]] showed as written, the image in content/public/ or not."""
    (content / "papers").mkdir()
    (content / "papers" / "my-own.md").write_text(
        "---\ntitle: A Paper of My Own\ndates: [2025-03-19]\n---\n\nIts loss: ![[Plot.png|200]]\n\n"
        "## Notes\n\n![[figures/loss curve.svg|The loss]]\n\n![[other-note#Setup]]\n"
    )
    (content / "papers" / "llama-3.md").write_text("---\ntitle: The Llama 3 Herd\naliases: [Llama 3.1]\n---\n\nText.\n")
    (content / "pages" / "figures.md").write_text(
        "---\ntitle: Figures\n---\n\nThe loss:\n\n![[Loss Curve.svg]]\n\n![[gone.png]]\n\n![[Llama 3.1#Setup]]\n"
    )
    (content / "public" / "img").mkdir(parents=True)
    (content / "public" / "img" / "plot.png").write_bytes(b"\x89PNG")
    (content / "public" / "figures").mkdir()
    (content / "public" / "figures" / "loss curve.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    report = build(Paths(content, tmp_path / "site"), workers=1)
    site = tmp_path / "site"
    paper = (site / "papers" / "my-own" / "index.html").read_text()
    assert '<p>Its loss: <img src="/atlas/img/plot.png" alt="Plot" loading="lazy" width="200" /></p>' in paper
    assert '<p><img src="/atlas/figures/loss%20curve.svg" alt="The loss" loading="lazy" /></p>' in paper
    page = (site / "figures" / "index.html").read_text()
    assert '<p><img src="/atlas/figures/loss%20curve.svg" alt="Loss Curve" loading="lazy" /></p>' in page
    # A feed's addresses are full ones, as every other link's there.
    feed = (site / "feed.xml").read_text()
    assert "&lt;img src=&#34;https://example.org/atlas/img/plot.png&#34; alt=&#34;Plot&#34;" in feed
    # Search reads its alt text.
    assert '<meta name="description" content="Its loss: Plot">' in paper
    # Those it finds no image of are warned of at their lines, and none other.
    assert sorted((Path(w.path).name, w.line, w.hint) for w in report.warnings if "embed" in w.message) == [
        ("figures.md", 9, "put gone.png in content/public/, in any folder there, and the embed shows it"),
        # A note's other name with a "." in it, as a file's has: the hint
        # said to put the file in content/public/.
        ("figures.md", 11, "link the note instead, [[Llama 3.1#Setup]]"),
        ("my-own.md", 12, "link the note instead, [[other-note#Setup]]"),
    ]
    assert not [w for w in report.warnings if "leads to no page" in w.message]


def test_an_html_tag_in_a_page_or_a_papers_own_abstract_is_a_warning_at_its_line(content, tmp_path):
    (content / "papers").mkdir()
    (content / "papers" / "my-own.md").write_text("---\ntitle: A Paper of My Own\n---\n\nText<br>more.\n\n## Notes\n\nx<sub>i</sub>\n")
    (content / "pages" / "figures.md").write_text('---\ntitle: Figures\n---\n\nThe loss:\n\n<img src="loss.png">\n')
    report = build(Paths(content, tmp_path / "site"), workers=1)
    assert sorted((Path(w.path).name, w.line, w.hint) for w in report.warnings if "HTML tag" in w.message) == [
        ("about.md", 11, "say it in Markdown if Markdown has a way, or put the tag in backticks to show it as code: `<script>`"),
        ("figures.md", 7, "for an image, write ![what it shows](loss.png)"),
        ("my-own.md", 5, "to break the line there, end it with a backslash, \\"),
        ("my-own.md", 9, "Markdown has no subscript: in math, write $x_{i}$; in text, write it without the tags: H₂O, x_i"),
    ]

# What the page shows as written, and the same text above it where it is
# none: in code, in a comment, in a key of one's own.
SHOWN = "Then $\\badcmd$, ![[gone.png]] and <kbd>Ctrl</kbd>."
SAME_TEXT_ABOVE = {
    "fenced-code": "```\n$\\badcmd$ ![[gone.png]] <kbd>\n```",
    "indented-code": "    $\\badcmd$ ![[gone.png]] <kbd>",
    "inline-code": "`$\\badcmd$` `![[gone.png]]` `<kbd>`",
    "obsidian-comment": "%% $\\badcmd$ ![[gone.png]] <kbd> %%",
    "html-comment": "<!-- $\\badcmd$\n![[gone.png]] <kbd> -->",
    "escaped": "\\$\\badcmd$ \\![[gone.png]] \\<kbd>",
}


def shown_as_written_lines(warnings: tuple[SourceError, ...]) -> list[tuple[str, str, int | None]]:
    kinds = {"math shown as its TeX": "math", "Obsidian embed": "embed", "HTML tag": "tag"}
    return sorted(
        (Path(str(warning.path)).name, kind, warning.line)
        for warning in warnings for start, kind in kinds.items() if warning.message.startswith(start)
    )


def test_math_embeds_and_html_tags_are_warned_of_at_their_line_not_that_of_the_same_text_above(content, tmp_path):
    """Found by its text in the file, math and an embed took the line of
    the same characters anywhere above them: a formula written in a fenced
    code block, then in a paragraph, was warned of at the code block."""
    (content / "papers").mkdir()
    files = {
        f"{name}.md": f"---\ntitle: {name}\n---\n\nMine.\n\n## Notes\n\n{above}\n\n{SHOWN}\n"
        for name, above in SAME_TEXT_ABOVE.items()
    }
    # Right below front matter of many lines, one of them a key of one's
    # own with the same text; the abstract of a paper of one's own is shown too.
    files["front-matter.md"] = (
        "---\ntitle: Front matter\nnote: '$\\badcmd$ ![[gone.png]] <kbd>'\ntags:\n  - one\n  - two\n---\n"
        f"{SHOWN}\n## Notes\n{SHOWN}\n"
    )
    files["windows-line-ends.md"] = files["fenced-code.md"].replace("fenced-code", "windows").replace("\n", "\r\n")
    for name, text in files.items():
        (content / "papers" / name).write_text(text, newline="")
    # A page of one's own: front matter of many lines, and a first line
    # heading it with its title, which the page does not show.
    page = (
        "---\ntitle: Figures\ndescription: >\n  Two\n  lines.\n---\n\n\n# Figures\n\n"
        f"{SAME_TEXT_ABOVE['fenced-code']}\n\n{SHOWN}\n"
    )
    (content / "pages" / "figures.md").write_text(page)
    report = build(Paths(content, tmp_path / "site"), workers=1)
    expected = [
        (name, kind, line)
        for name, text in {**files, "figures.md": page}.items()
        for line in [number for number, written in enumerate(text.splitlines(), 1) if written == SHOWN]
        for kind in ("embed", "math", "tag")
        if not (kind == "tag" and name == "front-matter.md" and line > 8)  # one warning per element and file
    ]
    assert shown_as_written_lines(report.warnings) == sorted(expected + [("about.md", "tag", 11)])
    tag_twice = next(w for w in report.warnings if Path(str(w.path)).name == "front-matter.md" and "<kbd>" in w.message)
    assert "here and on line 10:" in tag_twice.message


def test_a_warning_of_a_digest_papers_notes_is_at_the_notes_line_not_at_the_same_text_in_its_abstract(content, tmp_path):
    """The abstract above the notes is the digest's text, shown as written
    and no Markdown: the same characters there took the notes' warning."""
    (content / "digests" / "2025-03-19.txt").write_text(
        "Daily Papers\n\nMar 19\n\nKeys of a Keyboard\n\nPress <kbd>Ctrl</kbd>: see $\\badcmd$ and ![[gone.png]].\n"
    )
    build(Paths(content, tmp_path / "site"), workers=1)
    paper = content / "papers" / "keys-of-a-keyboard.md"
    assert "<kbd>Ctrl</kbd>" in paper.read_text()
    paper.write_text(paper.read_text() + f"\n## Notes\n\n{SHOWN}\n")
    report = build(Paths(content, tmp_path / "site"), workers=1)
    line = paper.read_text().splitlines().index(SHOWN) + 1
    assert shown_as_written_lines(report.warnings) == [
        ("about.md", "tag", 11), *((paper.name, kind, line) for kind in ("embed", "math", "tag")),
    ]


def test_the_shipped_site_has_no_math_and_is_the_same_as_without_it(tmp_path, monkeypatch):
    # The shipped papers come from digests (a title "… with $100K Budget",
    # abstracts with "$"), which are shown as written: reading math in
    # Markdown changes none of the site's bytes.
    shipped = tmp_path / "content"
    shutil.copytree(ROOT / "content", shipped)
    build(Paths(shipped, tmp_path / "with-math"), workers=1)
    parser_with_math = markup.markdown_parser

    def parser_without_math(*args: object) -> object:
        return parser_with_math(*args).disable(["math_inline", "math_block"])

    monkeypatch.setattr(markup, "markdown_parser", parser_without_math)
    build(Paths(shipped, tmp_path / "without-math"), workers=1)
    with_math = snapshot(tmp_path / "with-math")
    assert with_math == snapshot(tmp_path / "without-math")
    assert not [name for name, data in with_math.items() if b"<math" in data]
