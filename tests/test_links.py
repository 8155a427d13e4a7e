"""Links in what you wrote that lead to no page or file of the site: warnings at their line."""

from __future__ import annotations

import shutil
from pathlib import Path

from site_builder.links import ids_in, links_to_nowhere, links_written
from site_builder.markup import UNDER_THE_TITLE, make_markdown, under_base
from site_builder.pages import parse_page
from site_builder.papers import parse_paper
from site_builder.pipeline import Paths, build

ROOT = Path(__file__).resolve().parent.parent

NOTE = Path("content/papers/a.md")
OUTPUTS = {
    "index.html", "papers/index.html", "papers/a/index.html", "papers/b/index.html", "feed.xml",
    "files/résumé.pdf", "static/favicon.svg", "search/index.html",
}


# The line of the file notes start on, below "---\ntitle: A\n---\n\nThe abstract.\n\n## Notes\n\n".
NOTES_LINE = 9


def warned(notes: str, base_path: str = "/", url: str = "papers/a/") -> list[tuple[int | None, str, str]]:
    html = under_base(make_markdown()(notes), base_path)
    return [(w.line, w.message, w.hint) for w in links_to_nowhere(
        base_path, [(url, html, NOTE, NOTES_LINE, notes)], lambda: OUTPUTS)]


def test_links_that_lead_to_a_page_or_file_of_the_site_are_not_warned_about():
    assert warned(
        "[b](/papers/b/) [b without its slash](/papers/b) [b from here](../b/) [home](/) [feed](/feed.xml) "
        "[a file](/files/résumé.pdf) [encoded](/files/r%C3%A9sum%C3%A9.pdf) [on this page](#notes) "
        "[search](/search/?q=lora#top) [elsewhere](https://example.org/x) [mail](mailto:me@example.org) "
        "![icon](/static/favicon.svg) <https://example.org/>"
    ) == []


def test_a_link_to_no_page_is_a_warning_at_its_line_of_the_file():
    (found,) = warned("Fine.\n\nSee [c](/papers/c/).")
    assert found[:2] == (11, "link to '/papers/c/' leads to no page or file of the site")
    assert "/papers/<its file name>/" in found[2]
    assert [line for line, _, _ in warned("![plot](plot.png)\n\n[up](../../../../x/)")] == [9, 11]


def test_the_base_path_written_in_by_hand_is_a_warning_that_says_to_leave_it_out():
    assert warned("[b](/papers/b/) and [b again](../b/)", "/atlas/") == []
    (found,) = warned("[b](/atlas/papers/b/)", "/atlas/")
    assert found == (
        9, "link to '/atlas/papers/b/' leads to no page or file of the site",
        "write '/papers/b/': the build puts the base path /atlas/ in front of a link from the site's root",
    )


def test_a_build_warns_of_a_notes_link_to_no_page_and_of_none_that_leads_somewhere(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    papers = sorted((content / "papers").glob("*.md"))
    first, second = papers[0], papers[1]
    first.write_text(first.read_text() + f"\n## Notes\n\nSee [it](/papers/{second.stem}/) and [this](/papers/gone/).\n")
    pages = content / "pages"
    pages.mkdir()
    (pages / "about.md").write_text("---\ntitle: About\n---\n\n[Papers](/papers/) and [old](/old-page/).\n")
    report = build(Paths(content, tmp_path / "site"), cache=None)
    found = [(Path(w.path).name, w.message) for w in report.warnings if "leads to no page" in w.message]
    assert found == [
        (first.name, "link to '/papers/gone/' leads to no page or file of the site"),
        ("about.md", "link to '/old-page/' leads to no page or file of the site"),
    ]


def test_a_base_path_written_encoded_is_compared_decoded_as_the_addresses_are():
    # base_url '/my%20atlas/' is the folder 'my atlas': each link's address,
    # decoded, was compared with the base path as written, and every link warned.
    assert warned("[b](/papers/b/) [b again](../b/) [home](/) [a file](/files/résumé.pdf)", "/my%20atlas/") == []
    assert warned("[b](/papers/b/) [b again](../b/)", "/%CF%80/") == []
    (found,) = warned("[b](/my%20atlas/papers/b/)", "/my%20atlas/")
    assert found == (
        9, "link to '/my%20atlas/papers/b/' leads to no page or file of the site",
        "write '/papers/b/': the build puts the base path /my%20atlas/ in front of a link from the site's root",
    )
    (found,) = warned("[b](/π/papers/b/)", "/π/")
    assert found[0] == 9 and found[2].startswith("write '/papers/b/': ")


def test_the_set_of_every_output_is_made_only_for_a_link_to_a_place_on_the_site():
    # Tens of thousands of paths: a note linking elsewhere alone (as the
    # preview's saved note mostly does) or none costs nothing.
    def outputs() -> set[str]:
        raise AssertionError("made")

    html = make_markdown()("[x](https://example.org/) <https://example.org/y> [up](#notes) [mail](mailto:a@b.org)")
    assert links_to_nowhere("/", [("papers/a/", html, NOTE, NOTES_LINE, "")], outputs) == ()


def test_an_address_linked_twice_is_warned_of_at_each_of_its_lines_not_where_it_ends_another():
    # Both were at the first line that held the address anywhere: the
    # front matter's links, or the first of two links. A reference link is
    # at the line that gives its address.
    text = ("---\ntitle: A\nlinks: [https://huggingface.co/papers/c/]\n---\n\nSee [c](/papers/c/).\n\n"
            "## Notes\n\nAgain [c](/papers/c/), [c][ref].\n\n[ref]: /papers/c/\n")
    abstract, notes = text.split("## Notes")
    abstract = abstract.split("---\n")[-1]
    written = [("papers/a/", make_markdown()(abstract), NOTE, 5, abstract),
               ("papers/a/", make_markdown()(notes), NOTE, 8, notes)]
    assert [w.line for w in links_to_nowhere("/", written, lambda: OUTPUTS)] == [6, 10, 12]


def test_a_paper_of_ones_own_is_warned_of_at_its_abstracts_line_and_its_notes(tmp_path):
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    (papers / "mine.md").write_text(
        "---\ntitle: Mine\n---\n\nAfter [it](/papers/gone/).\n\n## Notes\n\nSee [it](/papers/gone/).\n")
    report = build(Paths(tmp_path / "content", tmp_path / "site"), cache=None)
    assert [w.line for w in report.warnings if "leads to no page" in w.message] == [5, 9]


def test_a_link_to_a_drafts_page_is_a_warning_that_says_drafts_have_none(tmp_path):
    # Its address was right, and the hint told only how addresses are made.
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    (papers / "mine.md").write_text("---\ntitle: Mine\n---\n\nBefore [the next](../next/).\n")
    (papers / "next.md").write_text("---\ntitle: Next\ndraft: true\n---\n\nSoon.\n")
    report = build(Paths(tmp_path / "content", tmp_path / "site"), cache=None)
    (hint,) = [w.hint for w in report.warnings if "leads to no page" in w.message]
    assert "a draft has none until it is published" in hint


def test_a_link_to_a_file_of_the_search_index_is_not_warned_of_though_it_is_written_after_the_check():
    # Its names come from Node after the pages are checked: the manifest and
    # every chunk were warned of as leading nowhere.
    assert warned("[index](/search/manifest.json) [chunk](/search/documents-0.0123456789.json) "
                  "[shard](/search/shard.abcdef0123.json) [one](/search/index.0123456789.json)") == []
    assert [found[1] for found in warned("[x](/search/manifest.js) [y](/search/documents-0.json)")] == [
        "link to '/search/manifest.js' leads to no page or file of the site",
        "link to '/search/documents-0.json' leads to no page or file of the site",
    ]


def test_a_build_warns_of_no_link_to_a_file_it_writes_late(tmp_path):
    # The search index, the feeds, the sitemap, lunr.js and stylesheets renamed with their hash.
    content = tmp_path / "content"
    papers = content / "papers"
    papers.mkdir(parents=True)
    (content / "site.yaml").write_text("base_url: https://user.github.io/repo/\n")
    mine = papers / "mine.md"
    mine.write_text("---\ntitle: Mine\n---\n\nAn abstract.\n")
    build(Paths(content, tmp_path / "site"), cache=None)
    made = sorted(str(path.relative_to(tmp_path / "site")) for path in (tmp_path / "site").rglob("*")
                  if path.is_file() and path.suffix in (".json", ".xml", ".js", ".css", ".txt"))
    assert any(name.startswith("search/documents-0.") for name in made) and "sitemap.xml" in made
    mine.write_text(mine.read_text() + "\n## Notes\n\n" + " ".join(f"[{name}](/{name})" for name in made) + "\n")
    report = build(Paths(content, tmp_path / "site"), cache=None)
    assert [str(w) for w in report.warnings if "leads to no page" in w.message] == []


def test_a_link_written_with_the_sites_full_url_is_checked_as_one_from_its_root():
    # base_url "https://user.github.io/repo/": "https://user.github.io/repo/papers/typo/"
    # was taken for another site's address and never checked.
    site = "https://user.github.io/repo/"

    def full(notes: str) -> list[tuple[int | None, str]]:
        html = under_base(make_markdown()(notes), "/repo/")
        return [(w.line, w.message) for w in links_to_nowhere(
            "/repo/", [("papers/a/", html, NOTE, 5, notes)], lambda: OUTPUTS, site)]

    assert full("[b](https://user.github.io/repo/papers/b/) [http](http://USER.github.io/repo/papers/b) "
                "[root](https://user.github.io/repo) [feed](//user.github.io/repo/feed.xml#x) "
                "<https://user.github.io/repo/files/r%C3%A9sum%C3%A9.pdf> [other project](https://user.github.io/other/x/) "
                "[another host](https://example.org/repo/papers/typo/) [port](https://user.github.io:8443/repo/typo/)") == []
    assert full("[typo](https://user.github.io/repo/papers/typo/)\n\nbare https://user.github.io/repo/gone/") == [
        (5, "link to 'https://user.github.io/repo/papers/typo/' leads to no page or file of the site"),
        (7, "link to 'https://user.github.io/repo/gone/' leads to no page or file of the site"),
    ]
    # With a base path alone the host is not known: such an address is another site's.
    assert warned("[typo](https://user.github.io/repo/papers/typo/)", "/repo/") == []


def test_a_site_at_its_hosts_root_takes_a_full_address_under_a_folder_it_has_not_for_a_project_sites():
    # base_url "https://user.github.io/": GitHub Pages serves the user's
    # project sites on the same host, each at /<repository>/ (under a custom
    # domain too), so "https://user.github.io/other-project/" is no typo of
    # this site's; it was a warning, and failed a build --strict.
    def full(notes: str) -> list[tuple[int | None, str]]:
        return [(w.line, w.message) for w in links_to_nowhere(
            "/", [("papers/a/", make_markdown()(notes), NOTE, 5, notes)], lambda: OUTPUTS, "https://user.github.io/")]

    assert full("[project](https://user.github.io/other-project/) <https://user.github.io/repo/papers/b/>") == []
    # Under a folder this site has, it is checked as an address from the root is.
    assert full("[typo](https://user.github.io/papers/typo/) [b](https://user.github.io/papers/b/)") == [
        (5, "link to 'https://user.github.io/papers/typo/' leads to no page or file of the site"),
    ]
    # Written from the root, an address is this site's whatever its first folder.
    assert full("[gone](/other-project/)") == [(5, "link to '/other-project/' leads to no page or file of the site")]


def test_a_build_under_a_full_base_url_warns_of_a_link_to_no_page_written_with_it(tmp_path):
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    (tmp_path / "content" / "site.yaml").write_text("base_url: https://user.github.io/repo/\n")
    (papers / "mine.md").write_text(
        "---\ntitle: Mine\n---\n\nAn abstract.\n\n## Notes\n\n[me](https://user.github.io/repo/papers/mine/) "
        "and [a typo](https://user.github.io/repo/papers/mien/).\n")
    report = build(Paths(tmp_path / "content", tmp_path / "site"), cache=None)
    assert [(w.line, w.message) for w in report.warnings if "leads to no page" in w.message] == [
        (9, "link to 'https://user.github.io/repo/papers/mien/' leads to no page or file of the site"),
    ]


PAGES = {
    "papers/a/index.html": b'<main id="main"><h2 id="notes-heading">Notes</h2><a name="old-anchor"></a>'
                           b'<h3 id="r&#233;sum&#233;">R</h3><p id=unquoted></main>',
    "papers/b/index.html": b'<main id="main"><h2 id="abstract-heading">Abstract</h2></main>',
}


HEADING_IDS = "a heading you write has its text as its id ('## Results' is #results, a second one #results-2)"


def to_ids(notes: str, asked: list[str] | None = None) -> list[tuple[int | None, str, str]]:
    def html_of(output: str) -> bytes | None:
        if asked is not None:
            asked.append(output)
        return PAGES.get(output)

    return [(w.line, w.message, w.hint) for w in links_to_nowhere(
        "/", [("papers/a/", make_markdown()(notes), NOTE, 5, notes)], lambda: OUTPUTS, html_of=html_of)]


def test_a_link_to_an_id_its_page_has_not_is_a_warning_at_its_line():
    # A section renamed, or a typo: the page was found, and the link not warned of.
    assert to_ids("[here](#notes-heading) [there](/papers/b/#abstract-heading) [b](../b#main) "
                  "[name](#old-anchor) [encoded](#r%C3%A9sum%C3%A9) [as typed](#résumé) [bare](#unquoted)") == []
    assert to_ids("See [here](#notse).\n\n[there](/papers/b/#abstract)\n\n[gone](#results)") == [
        (5, "link to '#notse' leads to no place on its page: it has no id 'notse'",
         f"its ids nearest to it: #notes-heading; {HEADING_IDS}"),
        (7, "link to '/papers/b/#abstract' leads to no place on its page: it has no id 'abstract'",
         f"its ids nearest to it: #abstract-heading; {HEADING_IDS}"),
        (9, "link to '#results' leads to no place on its page: it has no id 'results'", HEADING_IDS),
    ]


def test_fragments_a_browser_follows_without_an_element_are_not_warned_of():
    # The top of the page (HTML: "#top" in any case, or no fragment), a text
    # fragment (Chrome's, Safari's and Firefox's "#:~:text="), a file's own
    # (a PDF's "#page=2"), and a page whose HTML is not known.
    assert to_ids("[top](#top) [TOP](/papers/b/#Top) [empty](#) [text](#:~:text=a%20phrase) "
                  "[text there](/papers/b/#:~:text=x) [id and text](#notes-heading:~:text=x) "
                  "[pdf](/files/résumé.pdf#page=2) [search](/search/?q=lora#x) [feed](/feed.xml#x)") == []
    assert [found[1] for found in to_ids("[x](#notse:~:text=x)")] == [
        "link to '#notse:~:text=x' leads to no place on its page: it has no id 'notse'",
    ]


def test_a_pages_html_is_asked_for_only_when_a_link_names_an_id_of_it_and_once():
    # Parsing every page for ids would cost seconds at 20,000 papers.
    asked: list[str] = []
    assert to_ids("[b](/papers/b/) [here](#) [top](#top) <https://example.org/#x>", asked) == [] and asked == []
    # Nor for a footnote's links, which markdown-it makes to ids it makes beside them.
    assert to_ids("A[^1], again[^1] and ^[inline].\n\n[^1]: The note.", asked) == [] and asked == []
    to_ids("[a](#main) [b](/papers/b/#main) [b again](../b/#abstract-heading) [a again](#gone)", asked)
    assert asked == ["papers/a/index.html", "papers/b/index.html"]


def test_a_build_warns_of_a_link_to_an_id_its_page_lacks(tmp_path):
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    (papers / "other.md").write_text("---\ntitle: Other\n---\n\nIts abstract.\n")
    (papers / "mine.md").write_text(
        "---\ntitle: Mine\n---\n\nAn abstract[^1].\n\n[^1]: A footnote.\n\n## Notes\n\n"
        "[ok](#notes-heading) [ok](../other/#abstract-heading) [ok](#main) [top](#top)\n\n"
        "[renamed](../other/#abstract) and [mine](#results).\n")
    report = build(Paths(tmp_path / "content", tmp_path / "site"), cache=None)
    assert [(w.line, w.message) for w in report.warnings if "no place on its page" in w.message] == [
        (13, "link to '../other/#abstract' leads to no place on its page: it has no id 'abstract'"),
        (13, "link to '#results' leads to no place on its page: it has no id 'results'"),
    ]


def test_a_link_to_a_heading_one_wrote_is_not_warned_of_and_one_to_a_heading_misspelt_names_it(tmp_path):
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    (content / "pages").mkdir()
    (content / "papers" / "other.md").write_text(
        "---\ntitle: Other\n---\n\n## Idea\n\nIts abstract.\n\n## Notes\n\n## Idea\n\n"
        "[mine](/papers/mine/#results) [its own](#idea-2) [abstract's](#idea)\n")
    (content / "papers" / "mine.md").write_text(
        "---\ntitle: Mine\n---\n\nAn abstract.\n\n## Notes\n\n## Results\n\n"
        "[see](#results) [there](../other/#idea-2)\n\n[typo](#result)\n")
    (content / "pages" / "about.md").write_text(
        "---\ntitle: About\n---\n\n## Why\n\n[why](#why) [results](/papers/mine/#results)\n")
    report = build(Paths(content, tmp_path / "site"), cache=None)
    assert [(w.path.name, w.line, w.message, w.hint) for w in report.warnings] == [
        ("mine.md", 13, "link to '#result' leads to no place on its page: it has no id 'result'",
         f"its ids nearest to it: #results; {HEADING_IDS}"),
    ]


def test_a_wikilink_to_the_first_heading_a_page_shows_as_its_title_leads_to_the_page_unwarned(tmp_path):
    # As a page written for MkDocs or in Obsidian opens: the page shows "# About" once, as its title.
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    (content / "pages").mkdir()
    (content / "papers" / "mine.md").write_text(
        "---\ntitle: Mine\n---\n\nAn abstract.\n\n## Notes\n\nSee [[about#About]] and [[reading#Reading]].\n")
    # On the page itself too, where Obsidian scrolls to the heading at the top of the note.
    (content / "pages" / "about.md").write_text(
        "---\ntitle: About\n---\n\n# About\n\n## Why\n\nBack to [[#About]], [[#about|the top]] or [[#Why]].\n")
    (content / "pages" / "reading.md").write_text(
        "---\ntitle: Reading\n---\n\n# Reading list\n\nTo read, from [[#Reading]].\n")
    report = build(Paths(content, tmp_path / "site"), cache=None)
    assert [(w.path.name, w.line, w.message) for w in report.warnings] == [
        ("mine.md", 9, "wikilink [[reading#Reading]] leads to no place on its page: it has no id 'reading'"),
        ("reading.md", 7, "wikilink [[#Reading]] leads to no place on its page: it has no id 'reading'"),
    ]
    mine = (tmp_path / "site" / "papers" / "mine" / "index.html").read_text()
    assert '<a href="/about/" class="wikilink">About › About</a>' in mine
    about = (tmp_path / "site" / "about" / "index.html").read_text()
    assert (
        'Back to <a href="#" class="wikilink">About</a>, <a href="#" class="wikilink">the top</a> '
        'or <a href="#why" class="wikilink">Why</a>.'
    ) in about


def test_an_address_that_begins_another_is_warned_of_at_its_own_line():
    # "/papers/c" was found at the line of "/papers/c-2/", written before it.
    assert [line for line, _, _ in warned("[c2](/papers/c-2/)\n\n[c](/papers/c)\n\n<https://x.org/papers/c>")] == [9, 11]



def test_a_page_is_parsed_for_ids_only_when_one_is_not_written_as_the_build_writes_ids(monkeypatch):
    # Parsing each linked page took a millisecond: two seconds for 1,000
    # notes linking ids of 3 pages each at 20,000 papers.
    from site_builder import links

    parsed: list[bytes] = []
    monkeypatch.setattr(links, "ids_in", lambda page: parsed.append(page) or ids_in(page))
    assert to_ids("[a](#main) [b](/papers/b/#abstract-heading) [name](#old-anchor)") == [] and len(parsed) == 1
    parsed.clear()
    assert len(to_ids("[x](#gone) [y](#gone-too) [b](/papers/b/#main)")) == 2 and len(parsed) == 1


def test_the_ids_of_a_page_are_those_of_its_elements_not_of_a_comment_or_a_script():
    page = (b'<p id=a><a name="b&amp;c">x</a><!-- <p id="comment"> --><script>s = \'<p id="script">\';</script>'
            b'<div title="a>b" id="after-a-quoted-gt"><input id = \'spaced\'><span name="not-an-a">')
    assert ids_in(page) == {"a", "b&c", "after-a-quoted-gt", "spaced"}


def test_a_page_the_preview_left_for_later_rendered_for_its_ids_is_not_rendered_again(tmp_path):
    from site_builder import pipeline
    from site_builder.cache import BuildCache

    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    (papers / "other.md").write_text("---\ntitle: Other\n---\n\nIts abstract.\n")
    (papers / "mine.md").write_text(
        "---\ntitle: Mine\n---\n\nMine.\n\n## Notes\n\n[it](../other/#abstract-heading) [here](#notes-heading)\n")
    paths, cache = Paths(tmp_path / "content", tmp_path / "site"), BuildCache()
    first = pipeline.make_site(paths, cache=cache, workers=1, defer=True)
    assert first.warnings == () and "papers/other/index.html" in first.later
    second = pipeline.make_site(paths, cache=cache, workers=1, defer=True)
    assert second.warnings == () and not {"papers/mine/index.html", "papers/other/index.html"} & second.later.keys()


WIKILINK_HINT = (
    "[[name]] leads to the paper content/papers/<name>.md (in any case), or else to the page "
    "content/pages/<name>.md, or else to the one note that has it under aliases:; a draft has none until "
    "it is published"
)


def test_a_wikilink_to_no_paper_or_page_is_warned_of_as_written_at_its_line():
    # Its address, /papers/gone-paper/, is nowhere in the file to find its line by.
    assert warned("[[B]] [[b.md|b]] [[A#Notes heading]]") == []
    assert warned("Fine.\n\nSee [[B]] and\n[[Gone-Paper#Setup|its setup]], [[gone-paper]].", "/atlas/") == [
        (12, "wikilink [[Gone-Paper#Setup|its setup]] leads to no page or file of the site", WIKILINK_HINT),
        (12, "wikilink [[gone-paper]] leads to no page or file of the site", WIKILINK_HINT),
    ]
    assert to_ids("[[#Notes heading]]\n\n[[b#Abstract]] [[#Notse]]") == [
        (7, "wikilink [[b#Abstract]] leads to no place on its page: it has no id 'abstract'",
         f"its ids nearest to it: #abstract-heading; {HEADING_IDS}"),
        (7, "wikilink [[#Notse]] leads to no place on its page: it has no id 'notse'",
         f"its ids nearest to it: #notes-heading; {HEADING_IDS}"),
    ]


def test_a_link_to_no_paper_names_the_paper_it_meant_written_by_its_title_its_whole_slug_or_a_typo():
    # A title's slug is cut at 80 characters: the slug guessed from a long title is not its file's.
    title = "Knowledge Overshadowing Causes Amalgamated Hallucination in Large Language Models"
    cut = "knowledge-overshadowing-causes-amalgamated-hallucination-in-large-language"
    outputs = {f"papers/{cut}/index.html", "papers/knowledge-distillation/index.html", "papers/other-paper/index.html",
               "papers/page/2/index.html", "topics/knowledge/index.html"}
    notes = (f"[[{title}]] [[{cut}-models|it]] [[Other-Papre]] [[knowledge-overshadowing]] [[reading-list]]\n\n"
             f"[it](/papers/{cut}-models/) [it](/atlas/papers/{cut}-models/#results) [t](/topics/knowlege/)")
    html = under_base(make_markdown()(notes), "/atlas/")
    hints = [w.hint.partition("? ")[0] for w in links_to_nowhere(
        "/atlas/", [("papers/a/", html, NOTE, NOTES_LINE, notes)], lambda: outputs)]
    assert hints == [
        f"did you mean [[{cut}]]", f"did you mean [[{cut}]]", "did you mean [[other-paper]]",
        f"did you mean [[{cut}]]", WIKILINK_HINT,
        f"did you mean /papers/{cut}/", "write '/papers/" + cut + "-models/#results': the build puts the base path "
        "/atlas/ in front of a link from the site's root", "a paper's page is /papers/<its file name>/, a page of "
        "yours /<its file name>/, a file of content/public/ at its path there; a draft has none until it is published",
    ]


def test_a_wikilink_to_no_page_names_the_other_name_of_a_note_it_meant_as_written():
    """The names under aliases: a wikilink leads by were not looked among:
    [[MoE survy]] was told no name it meant."""
    outputs = {"papers/moe/index.html", "papers/lo-ra/index.html", "about/index.html"}
    notes = "[[MoE survy]] [[moe-survey#Setup|its setup]] [[lo-raa]]\n\n[it](/papers/moe-survy/)"
    html = under_base(make_markdown()(notes), "/atlas/")
    warnings = links_to_nowhere(
        "/atlas/", [("papers/a/", html, NOTE, NOTES_LINE, notes)], lambda: outputs,
        other_link_names=("MoE survey", "Lo Ra", "About me"),
    )
    assert [w.hint.partition("? ")[0] for w in warnings] == [
        # The paper lo-ra is the one [[lo-ra]] leads to, before a note's "Lo Ra": a plain link, no name.
        "did you mean [[MoE survey]]", "did you mean [[MoE survey]]", "did you mean [[lo-ra]]",
        "a paper's page is /papers/<its file name>/, a page of yours /<its file name>/, a file of content/public/ at its "
        "path there; a draft has none until it is published",
    ]


def test_a_wikilink_by_a_name_several_notes_have_under_aliases_is_warned_of_naming_them():
    notes = "Fine: [[b]].\n\n[[MoE survey]] and [[moe survey#Setup|its setup]], [[MoE survye]]."
    html = under_base(make_markdown()(notes), "/atlas/")
    warnings = links_to_nowhere(
        "/atlas/", [("papers/a/", html, NOTE, NOTES_LINE, notes)], lambda: OUTPUTS,
        shared_link_names={"moe survey": ("b", "about")},
    )
    shared = "is a name of each of [[b]] and [[about]], under their aliases:"
    assert [(w.line, w.message, w.hint) for w in warnings] == [
        (11, f"wikilink [[MoE survey]] {shared}", "write [[b|MoE survey]] or [[about|MoE survey]], as Obsidian "
         "writes a link by another name of a note; or keep the name under one file's aliases:"),
        (11, f"wikilink [[moe survey#Setup|its setup]] {shared}", "write [[b#Setup|its setup]] or "
         "[[about#Setup|its setup]], as Obsidian writes a link by another name of a note; or keep the name under "
         "one file's aliases:"),
        (11, "wikilink [[MoE survye]] leads to no page or file of the site", WIKILINK_HINT),
    ]


def test_a_build_links_a_wikilink_by_a_notes_other_name_and_warns_of_one_two_notes_have(tmp_path):
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    (content / "papers" / "moe.md").write_text(
        "---\ntitle: A Survey of Mixture of Experts\naliases: [MoE survey, Experts]\n---\n\nIts abstract.\n")
    (content / "papers" / "lora.md").write_text(  # Obsidian's older key
        "---\ntitle: LoRA\nalias: [Low-rank adaptation, experts, old-lora]\n---\n\nIts abstract.\n")
    (content / "papers" / "mine.md").write_text(
        "---\ntitle: Mine\n---\n\nAn abstract.\n\n## Notes\n\n"
        "See [[MoE survey]], [[low-rank adaptation|LoRA]], [[old-lora]]\nand [[Experts]].\n\n[[Low-rank adaptaton]]\n")
    report = build(Paths(content, tmp_path / "site"), "/atlas/", cache=None)
    assert [(w.path.name, w.line, w.message, w.hint.partition("?")[0]) for w in report.warnings] == [
        ("mine.md", 10, "wikilink [[Experts]] is a name of each of [[lora]] and [[moe]], under their aliases:",
         "write [[lora|Experts]] or [[moe|Experts]], as Obsidian writes a link by another name of a note; or keep the "
         "name under one file's aliases:"),
        ("mine.md", 12, "wikilink [[Low-rank adaptaton]] leads to no page or file of the site",
         "did you mean [[Low-rank adaptation]]"),
    ]
    mine = (tmp_path / "site" / "papers" / "mine" / "index.html").read_text()
    assert (
        '<p>See <a href="/atlas/papers/moe/" class="wikilink">MoE survey</a>, '
        '<a href="/atlas/papers/lora/" class="wikilink">LoRA</a>, '
        '<a href="/atlas/papers/lora/" class="wikilink">old-lora</a>\n'
        'and <a href="/atlas/papers/experts/" class="wikilink">Experts</a>.</p>'
    ) in mine
    # A name that can be an address is one still: its page leads on to the paper that has it so.
    for old in ("old-lora", "experts"):
        assert 'url=/atlas/papers/lora/"' in (tmp_path / "site" / "papers" / old / "index.html").read_text()


def test_a_build_links_a_wikilink_to_the_papers_page_under_the_base_path_and_warns_of_one_to_none(tmp_path):
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    (content / "pages").mkdir()
    (content / "papers" / "other.md").write_text("---\ntitle: The Other Paper\n---\n\nIts abstract.\n")
    (content / "papers" / "mine.md").write_text(
        "---\ntitle: Mine\n---\n\nAn abstract.\n\n## Notes\n\n## Results\n\n"
        "See [[Other]], [[other.md|that one]], [[about]], [[#Results]]\nand [[Othre]].\n")
    (content / "pages" / "about.md").write_text("---\ntitle: About\n---\n\nMy [[mine]] and [[other#Abstract heading]].\n")
    report = build(Paths(content, tmp_path / "site"), "/atlas/", cache=None)
    assert [(w.path.name, w.line, w.message) for w in report.warnings] == [
        ("mine.md", 12, "wikilink [[Othre]] leads to no page or file of the site"),
    ]
    mine = (tmp_path / "site" / "papers" / "mine" / "index.html").read_text()
    assert (
        '<p>See <a href="/atlas/papers/other/" class="wikilink">The Other Paper</a>, '
        '<a href="/atlas/papers/other/" class="wikilink">that one</a>, '
        '<a href="/atlas/about/" class="wikilink">About</a>, <a href="#results" class="wikilink">Results</a>\n'
        'and <a href="/atlas/papers/othre/" class="wikilink">Othre</a>.</p>'
    ) in mine
    about = (tmp_path / "site" / "about" / "index.html").read_text()
    assert (
        '<p>My <a href="/atlas/papers/mine/" class="wikilink">Mine</a> and '
        '<a href="/atlas/papers/other/#abstract-heading" class="wikilink">The Other Paper › Abstract heading</a>.</p>'
    ) in about
    # Found where they lead: the other paper's page and its heading.
    assert 'id="abstract-heading"' in (tmp_path / "site" / "papers" / "other" / "index.html").read_text()


def test_a_link_is_warned_of_at_the_line_the_parser_read_it_on_not_where_its_address_is_written_above(tmp_path):
    # Found by its address in the file, each took the line of the first same
    # address or wikilink above it: in the front matter, in code, in a comment,
    # or the line of the link before it.
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    (papers / "mine.md").write_text(
        "---\ntitle: Mine\nsee: (/papers/gone/) [[gone]]\n---\n\n"
        "An abstract, `[it](/papers/gone/)` and `[[gone]]` in code.\n\n## Notes\n\n"
        "%% [it](/papers/gone/) [[gone]] %%\n\n"
        "```\n[it](/papers/gone/) [[gone]]\n```\n\n"
        "<!-- [it](/papers/gone/)\n[[gone]] -->\n\n"
        "Here [it](/papers/gone/) and [[gone]].\n\n"
        "Again [[gone]],\n[it](/papers/gone/).\n")
    report = build(Paths(tmp_path / "content", tmp_path / "site"), cache=None)
    link, wikilink = "link to '/papers/gone/' leads", "wikilink [[gone]] leads"
    assert [(w.line, w.message.partition(" to no")[0]) for w in report.warnings] == [
        (19, link), (19, wikilink), (21, wikilink), (22, link),
    ]


def test_a_link_on_a_page_of_ones_own_is_warned_of_at_its_line_not_its_front_matters():
    page = "---\ntitle: About\ndescription: \"[[Gone]] and (/papers/gone/)\"\n---\n\n# About\n\n[[Gone]] [x](/papers/gone/)\n"
    own = parse_page(page, Path("content/pages/about.md"))
    html = make_markdown(UNDER_THE_TITLE)(own.body_below_title)
    written = [("about/", html, own.path, own.line_below_title, own.body_below_title)]
    assert [(w.line, w.message.partition(" leads")[0]) for w in links_to_nowhere("/", written, lambda: OUTPUTS)] == [
        (8, "wikilink [[Gone]]"), (8, "link to '/papers/gone/'"),
    ]


def test_a_broken_link_in_a_digest_papers_notes_is_at_its_line_not_at_the_same_address_in_its_abstract():
    text = ("---\ntitle: A\n---\n\nWe release code (https://user.github.io/repo/papers/gone/) and [[gone]].\n\n"
            "## Notes\n\nTheir [code](https://user.github.io/repo/papers/gone/), [[gone]].\n")
    paper = parse_paper(text, NOTE)
    html = under_base(make_markdown()(paper.notes), "/repo/")
    warnings = links_to_nowhere(
        "/repo/", [("papers/a/", html, NOTE, paper.notes_line, paper.notes)], lambda: OUTPUTS, "https://user.github.io/repo/",
    )
    assert [w.line for w in warnings] == [9, 9]


def test_links_of_one_address_in_a_table_a_quote_a_footnote_and_a_reference_are_each_at_their_line():
    notes = ("| a | b |\n|---|---|\n| [x](/papers/c/) | [[c]] |\n\n> [!note] [[c]]\n> [x](/papers/c/)\n\n"
             "Text^[with [x](/papers/c/)\nand [[c]]] and [y][c].\n\n- [[c]]\n  [[c|again]]\n\n[c]: /papers/c/\n")
    assert [(line - NOTES_LINE + 1, message.partition(" leads")[0]) for line, message, _hint in warned(notes)] == [
        (3, "link to '/papers/c/'"), (3, "wikilink [[c]]"), (5, "wikilink [[c]]"), (6, "link to '/papers/c/'"),
        (14, "link to '/papers/c/'"), (11, "wikilink [[c]]"), (12, "wikilink [[c|again]]"),
        (8, "link to '/papers/c/'"), (9, "wikilink [[c]]"),
    ]


def test_a_wikilink_by_a_name_under_aliases_to_a_heading_its_page_has_not_is_named_as_written_at_its_line(tmp_path):
    # It leads to the page of the note that has the name, an address written
    # nowhere: it was told as "[[/papers/moe/#nope]]", at no line.
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    (content / "papers" / "moe.md").write_text("---\ntitle: MoE\naliases: [MoE survey]\n---\n\nIts abstract.\n")
    (content / "papers" / "mine.md").write_text(
        "---\ntitle: Mine\n---\n\nAn abstract.\n\n## Notes\n\nSee [[MoE survey]]\nand [[MoE survey#Nope|its part]].\n")
    report = build(Paths(content, tmp_path / "site"), cache=None)
    assert [(w.line, w.message) for w in report.warnings] == [
        (10, "wikilink [[MoE survey#Nope|its part]] leads to no place on its page: it has no id 'nope'"),
    ]


def test_a_text_is_parsed_again_for_its_links_lines_only_when_one_leads_nowhere_and_once(tmp_path, monkeypatch):
    # Parsing a text costs what rendering it did: a build with no link to
    # nowhere parses none again, and a rebuild none it parsed before.
    from site_builder import links, pipeline
    from site_builder.cache import BuildCache

    parsed: list[str] = []
    monkeypatch.setattr(links, "links_written", lambda text: parsed.append(text) or links_written(text))
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    (papers / "fine.md").write_text("---\ntitle: Fine\n---\n\nAn abstract.\n\n## Notes\n\n[it](../mine/) [[mine]]\n")
    (papers / "mine.md").write_text("---\ntitle: Mine\n---\n\nAn abstract.\n\n## Notes\n\n[[fine]] and [[gone]]\n")
    paths, cache = Paths(tmp_path / "content", tmp_path / "site"), BuildCache()
    for _build in range(2):
        assert [w.line for w in pipeline.make_site(paths, cache=cache, workers=1).warnings] == [9]
    assert parsed == ["[[fine]] and [[gone]]"]


def test_a_note_with_an_inline_tag_and_a_link_leading_nowhere_builds_and_warns_at_its_line(tmp_path):
    # An inline tag's link has its address only once the page is made: parsed
    # again for the link's line, the note stopped the build with KeyError 'href'.
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    (papers / "mine.md").write_text(
        "---\ntitle: Mine\n---\n\nAn abstract.\n\n## Notes\n\n#idea [[gone]]\n\nand [it](/papers/gone/) #idea.\n")
    report = build(Paths(tmp_path / "content", tmp_path / "site"), cache=None)
    assert [(w.line, w.message.partition(" leads")[0]) for w in report.warnings] == [
        (9, "wikilink [[gone]]"), (11, "link to '/papers/gone/'"),
    ]
