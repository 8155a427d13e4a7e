from __future__ import annotations

import datetime as dt
import html
import json
import posixpath
import re
import shutil
import urllib.parse
from dataclasses import replace
from pathlib import Path

import jinja2
import pytest

from site_builder.assets import collect_assets, collect_public
from site_builder.charts import build_topic_chart
from site_builder.config import SiteConfig
from site_builder.errors import BuildErrors, SourceError
from site_builder.inputs import STATIC_DIR
from site_builder import render
from site_builder.markup import make_digest_text, make_markdown
from site_builder.pages import OwnPage
from site_builder.papers import Paper, PaperRecord, title_key
from site_builder.render import (
    make_environment, render_page, render_site, template_fingerprints, template_ids,
)
from site_builder.search import LUNR_JS, search_documents
from site_builder.site import build_site, summarize
from site_builder.template_checks import extends_loops, unshown_blocks, unused_templates
from site_builder.topics import Taxonomy
from site_builder.topics_yaml import parse_taxonomy
from small_site import ASSETS, TAXONOMY



def paper(slug: str, title: str, abstract: str = "An abstract.", **extra) -> Paper:
    return Paper(slug, title, (dt.date(2025, 3, 18),), None, (), abstract, extra.pop("notes", ""),
                 tuple(extra.items()), Path(f"{slug}.md"))


ABSOLUTE = SiteConfig(base_url="https://example.org/atlas/")


def site_for(*papers: Paper, config: SiteConfig = SiteConfig(), listed: bool = False):
    """The site of ``papers``: of one's own, or (``listed``) as the digests of their dates listed them."""
    order: dict[dt.date, tuple[str, ...]] = {}
    for listed_paper in papers if listed else ():
        for date in listed_paper.dates:
            order[date] = order.get(date, ()) + (listed_paper.key,)
    return build_site(config, papers, TAXONOMY, make_markdown(), order)


def test_a_digest_papers_abstract_is_text_and_a_paper_of_ones_own_is_markdown():
    digested, own = paper("digested", "From a digest", "Uses 8*16B **experts**."), paper("own", "Mine", "Is **bold**.")
    site = build_site(
        SiteConfig(), (digested, own), TAXONOMY, make_markdown(), {dt.date(2025, 3, 18): (digested.key,)},
        render_digest_text=make_digest_text(),
    )
    html = {view.slug: view.abstract_html for view in site.papers}
    assert html == {"digested": "<p>Uses 8*16B **experts**.</p>\n", "own": "<p>Is <strong>bold</strong>.</p>\n"}


def test_a_digest_papers_summary_is_its_first_abstract_as_the_digest_wrote_it():
    record = PaperRecord(
        title_key("T"), "T", "Reaches 87.73\\% on \\## tasks.", (dt.date(2025, 3, 18),),
        ((dt.date(2025, 3, 19), "Version two."),),
    )
    digested = paper("t", "T", record.body)
    site = build_site(
        SiteConfig(), (digested,), TAXONOMY, make_markdown(), {dt.date(2025, 3, 18): (digested.key,)},
        render_digest_text=make_digest_text(),
    )
    (view,) = site.papers
    assert view.summary == view.abstract_text == "Reaches 87.73% on ## tasks."


def test_a_paper_of_ones_own_is_summed_up_by_the_text_its_markdown_shows():
    own = paper("own", "Mine", "## Idea\n\nIs **bold**, [linked](https://example.org) &amp; `coded`:\n\n- one\n- two")
    site = build_site(
        SiteConfig(), (own,), TAXONOMY, make_markdown(), {}, render_digest_text=make_digest_text(),
    )
    (view,) = site.papers
    # A heading is not the start of a sentence: "Idea Is bold" would read as one.
    assert view.summary == view.abstract_text == "Is bold, linked & coded: one two"


def test_an_image_in_a_paper_of_ones_own_is_summed_up_by_its_alt_text():
    own = paper("own", "Mine", 'Routing, as ![a plot of load](/img/load.png "Load") shows.')
    site = build_site(SiteConfig(), (own,), TAXONOMY, make_markdown(), {}, render_digest_text=make_digest_text())
    (view,) = site.papers
    # Not "Routing, as shows.": the alt text is the image's words.
    assert view.summary == view.abstract_text == "Routing, as a plot of load shows."


def test_a_paper_of_ones_own_with_only_headings_is_summed_up_by_them():
    own = paper("own", "Mine", "## Idea\n\n### Later")
    site = build_site(SiteConfig(), (own,), TAXONOMY, make_markdown(), {}, render_digest_text=make_digest_text())
    (view,) = site.papers
    assert view.summary == view.abstract_text == "Idea Later"


def outline(page: str) -> list[str]:
    """A page's headings as a screen reader lists them: level and text."""
    return [
        f"h{level} {html.unescape(re.sub(r'<[^>]+>', '', text)).strip()}"
        for level, text in re.findall(r"<h([1-6])\b[^>]*>(.*?)</h\1>", page, re.S)
    ]


def test_a_paper_pages_title_is_its_one_h1_and_its_abstracts_and_notes_headings_nest_under_their_sections():
    own = paper(
        "own", "Mine", "# Idea\n\nIs bold.\n\n## Why\n\nCheap.",
        notes="# Reading\n\n## Method\n\nSmall gain.[^1]\n\n### Setup\n\n[^1]: Three seeds.\n",
    )
    site = site_for(own)
    files, _ = render_site(make_environment(site.config), site, ASSETS, {})
    assert outline(files["papers/own/index.html"].decode()) == [
        "h1 Mine",
        "h2 Abstract", "h3 Idea", "h4 Why",
        "h2 Notes", "h3 Reading", "h4 Method", "h5 Setup",
        "h2 Links",
    ]


def test_a_page_of_ones_own_nests_its_headings_under_its_title():
    pages = (
        OwnPage("reading", "Reading", "", False, "# This week\n\n## Speech\n\nA paper.", Path("reading.md")),
        OwnPage("about", "About", "", False, "## Why\n\nTo read.\n\n### How", Path("about.md")),
    )
    site = build_site(SiteConfig(), (paper("x", "A Paper"),), TAXONOMY, make_markdown(), {}, own_pages=pages)
    files, _ = render_site(make_environment(site.config), site, ASSETS, {})
    assert outline(files["reading/index.html"].decode()) == ["h1 Reading", "h2 This week", "h3 Speech"]
    assert outline(files["about/index.html"].decode()) == ["h1 About", "h2 Why", "h3 How"], "as written"


def site_with_heading_ids(*papers: Paper, config: SiteConfig = SiteConfig(), own_pages=()):
    """The site of papers of one's own, as the build makes it: the headings
    one wrote take none of the ids the templates write."""
    env = make_environment(config)
    site = build_site(
        config, papers, TAXONOMY, make_markdown(), {}, own_pages=own_pages,
        ids_of_template=lambda template: template_ids(env, template),
    )
    files, _ = render_site(env, site, ASSETS, {})
    return site, {path: data.decode() for path, data in files.items()}


def test_the_headings_one_wrote_have_ids_no_other_element_of_their_page_has():
    own = paper(
        "own", "Mine", "## Results\n\nGood.\n\n## Setup",
        notes="## Results\n\nSee [the results](#results-2).\n\n## Results\n\n## Main\n\n## Notes heading\n\n## 🎉",
    )
    site, files = site_with_heading_ids(own)
    page = files["papers/own/index.html"]
    ids = re.findall(r' id="([^"]*)"', page)
    assert len(ids) == len(set(ids)), "an id twice on a page: a link to it leads to the first"
    assert re.findall(r'<h[3-6] id="([^"]*)">', page) == [
        "results", "setup", "results-2", "results-3", "main-2", "notes-heading-2", "section",
    ]
    # The templates' ids, as the templates write them: none listed by hand here.
    assert {"main", "notes-heading", "abstract-heading", "links-heading"} <= set(ids)


def test_a_heading_takes_none_of_the_ids_a_template_of_ones_own_writes(tmp_path):
    (tmp_path / "paper.html").write_text(
        (BUILTIN_TEMPLATES / "paper.html").read_text().replace('<aside class', '<p id="results">Mine.</p>\n<aside class', 1)
    )
    own = paper("own", "Mine", notes="## Results\n\n## Links")
    _site, files = site_with_heading_ids(own, config=SiteConfig(templates_dir=tmp_path))
    page = files["papers/own/index.html"]
    assert re.findall(r'<h3 id="([^"]*)">', page) == ["results-2", "links"]
    assert page.count(' id="results"') == 1


def test_template_ids_are_every_id_a_page_has_but_those_of_what_one_wrote():
    # Derived from the templates: a template that adds an id (or a partial
    # it includes) cannot leave a heading one wrote with the same.
    env = make_environment(SiteConfig())
    site, files = site_with_heading_ids(paper("own", "Mine", notes="A note.", starred=True), paper("b", "Beta"))
    assert set(re.findall(r' id="([^"]*)"', files["papers/own/index.html"])) == set(template_ids(env, "paper.html"))
    own_page = OwnPage("about", "About", "", False, "Text.", Path("about.md"))
    _site, files = site_with_heading_ids(paper("x", "X"), own_pages=(own_page,))
    assert set(re.findall(r' id="([^"]*)"', files["about/index.html"])) == set(template_ids(env, "page.html"))
    assert template_ids(env, "no-such.html") == ()


def test_a_heading_one_wrote_has_a_permalink_beside_it_named_for_it():
    own = paper("own", "Mine", notes="## The $x^2$ *results*\n\nText.")
    _site, files = site_with_heading_ids(own)
    assert (
        '<div class="heading"><h3 id="the-x-2-results">The <math>'
    ) in files["papers/own/index.html"]
    assert (
        '</h3><a class="permalink" href="#the-x-2-results" aria-label="Link to this section: The x^2 results">#</a></div>'
    ) in files["papers/own/index.html"]
    # No style attribute, which the pages' Content-Security-Policy refuses.
    assert "style=" not in files["papers/own/index.html"]
    pages = (OwnPage("about", "About", "", False, "## Why\n\nTo read.\n\n## Main", Path("about.md")),)
    _site, files = site_with_heading_ids(paper("x", "X"), own_pages=pages)
    assert '<div class="heading"><h2 id="main-2">Main</h2><a class="permalink" href="#main-2"' in files["about/index.html"]


def test_a_permalink_is_in_no_search_text_feed_title_or_description():
    own = paper("own", "Mine", "## Idea\n\nIs bold.", notes="## Results\n\nThey hold.")
    site, files = site_with_heading_ids(own)
    (view,) = site.papers
    assert 'id="idea"' in view.abstract_html and 'id="results"' in view.notes_html
    (document,) = search_documents(site.papers)
    assert (document.abstract, document.shown, document.notes) == ("Idea Is bold.", "Is bold.", "Results They hold.")
    for path in ("feed.xml", "papers/own/index.html"):
        head = files[path].split("<main", 1)[0]
        assert "permalink" not in head and "Link to this section" not in head, path
    assert "permalink" not in files["feed.xml"] and 'id="idea"' in html.unescape(files["feed.xml"])
    assert '<meta name="description" content="Is bold.">' in files["papers/own/index.html"]


def test_a_digests_headings_have_no_ids_nor_permalinks():
    record = PaperRecord(title_key("T"), "T", "Version one.", (dt.date(2025, 3, 17),), ((dt.date(2025, 3, 18), "Two."),))
    digested = paper("t", "T", record.body)
    env = make_environment(SiteConfig())
    site = build_site(
        SiteConfig(), (digested,), TAXONOMY, make_markdown(), {dt.date(2025, 3, 18): (digested.key,)},
        render_digest_text=make_digest_text(), ids_of_template=lambda template: template_ids(env, template),
    )
    (view,) = site.papers
    assert "<h3>Other versions of the abstract</h3>" in view.abstract_html
    files, _ = render_site(env, site, ASSETS, {})
    assert b"permalink" not in files["papers/t/index.html"]


def test_the_permalinks_filter_keeps_markup_markup_and_text_text():
    env = make_environment(SiteConfig())
    heading = '<h3 id="a">A &amp; "B"</h3>\n'
    for template in ("{{ x | safe | permalinks }}", "{{ x | permalinks | safe }}"):
        assert env.from_string(template).render(x=heading) == (
            '<div class="heading"><h3 id="a">A &amp; "B"</h3><a class="permalink" href="#a" '
            'aria-label="Link to this section: A &amp; &quot;B&quot;">#</a></div>\n'
        )
    assert env.from_string("{{ x | permalinks }}").render(x="<p>Text</p>") == "&lt;p&gt;Text&lt;/p&gt;"
    with pytest.raises(Exception, match="permalinks needs rendered Markdown, got None"):
        env.from_string("{{ x | permalinks }}").render(x=None)


def test_the_html_fields_are_html_in_a_template_of_ones_own_without_safe_and_text_where_python_reads_them(tmp_path):
    """Autoescaping showed abstract_html, notes_html and body_html written
    without "| safe" as their tags; they are Markup, and what Python makes
    of them as text (the feed's escaped content, search) is as before."""
    (tmp_path / "paper.html").write_text(
        '{% extends "!paper.html" %}{% block main %}<div id="a">{{ paper.abstract_html }}</div>'
        '<div id="n">{{ paper.notes_html | permalinks }}</div>{% endblock %}'
    )
    (tmp_path / "page.html").write_text('{% extends "!page.html" %}{% block main %}{{ body_html }}{% endblock %}')
    own = OwnPage("about", "About", "", False, "Is **mine** & <b>.", Path("about.md"))
    mine = paper("x", "A Paper", "Is **bold** & <i>, [see](#why).", notes="## Why\n\nMy *note*: $a<b$.")
    site, files = site_with_heading_ids(mine, config=SiteConfig(templates_dir=tmp_path), own_pages=(own,))
    page = files["papers/x/index.html"]
    # A tag shown as written is marked for the build's warning (raw_html.py), and is text to Python.
    italic = '<span class="raw-html" data-line="1">&lt;i&gt;</span>'
    assert f'<div id="a"><p>Is <strong>bold</strong> &amp; {italic}, <a href="#why">see</a>.</p>\n</div>' in page
    assert '<div class="heading"><h3 id="why">Why</h3><a class="permalink" href="#why"' in page
    assert "<p>My <em>note</em>: <span class=\"math-in-text\"><math" in page  # the formula kept on one line with its "."
    assert '<p>Is <strong>mine</strong> &amp; <span class="raw-html" data-line="1">&lt;b&gt;</span>.</p>' in files["about/index.html"]
    (document,) = search_documents(site.papers)
    assert (document.abstract, document.notes) == ("Is bold & <i>, see.", "Why My note: a<b.")  # not "a&lt;b"
    assert (
        "&lt;p&gt;Is &lt;strong&gt;bold&lt;/strong&gt; &amp;amp; &lt;span class=&#34;raw-html&#34; data-line=&#34;1&#34;&gt;&amp;lt;i&amp;gt;&lt;/span&gt;, "
        "&lt;a href=&#34;/papers/x/#why&#34;&gt;see&lt;/a&gt;.&lt;/p&gt;"
    ) in files["feed.xml"]


def test_a_paper_of_ones_own_with_footnotes_is_summed_up_and_indexed_without_their_marks():
    own = paper("own", "Mine", "Small gain.[^1] Cheap.^[Table 2.]\n\n[^1]: Three seeds.\n")
    site = build_site(SiteConfig(), (own,), TAXONOMY, make_markdown(), {}, render_digest_text=make_digest_text())
    (view,) = site.papers
    assert "footnote-ref" in view.abstract_html
    # Not "Small gain.[1] Cheap.[2] Three seeds. ↩︎ Table 2. ↩︎": the footnotes are
    # the abstract's asides, as its headings are not its sentences.
    assert view.summary == view.abstract_text == "Small gain. Cheap."
    # Search still finds a footnote's words, without the marks around them.
    (document,) = search_documents(site.papers)
    assert document.abstract == "Small gain. Cheap. Three seeds. Table 2."


def test_the_paper_views_are_handed_on_before_related_papers_are_asked_for():
    # The pipeline starts the search index there, while a child finds related papers.
    calls: list = []
    site = build_site(
        SiteConfig(), (paper("b", "Beta"), paper("a", "Alpha")), TAXONOMY, make_markdown(),
        find_related=lambda sources: calls.append("related") or ((),) * len(sources),
        views_made=lambda views: calls.append(views),
    )
    assert calls == [tuple(site.papers), "related"]
    assert [view.slug for view in site.papers] == ["a", "b"]


def test_a_paper_says_which_digests_listed_it_and_a_paper_of_ones_own_only_its_dates():
    digested = replace(paper("digested", "From a digest"), dates=(dt.date(2025, 3, 18), dt.date(2025, 3, 19)))
    own, undated = paper("own", "Mine"), replace(paper("undated", "Undated"), dates=())
    site = build_site(
        SiteConfig(), (digested, own, undated), TAXONOMY, make_markdown(),
        {dt.date(2025, 3, 18): (digested.key,), dt.date(2025, 3, 19): (digested.key,)},
    )
    files, _rendered = render_site(make_environment(SiteConfig()), site, ASSETS, {})

    def dates_line(slug: str) -> str | None:
        found = re.search(r'<p class="meta">(.*?)</p>', files[f"papers/{slug}/index.html"].decode(), re.S)
        return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split()) if found else None

    # How many, once: not again in a pill that looked like a link.
    assert dates_line("digested") == "In 2 digests: Mar 18, 2025, Mar 19, 2025"
    assert dates_line("own") == "Dated Mar 18, 2025"
    assert dates_line("undated") is None


def test_titles_are_escaped_on_every_page():
    site = site_for(paper("x", "<img src=x onerror=alert(1)>"))
    files, _ = render_site(make_environment(site.config), site, ASSETS, {})
    for name, data in files.items():
        assert b"<img src=x" not in data, name
    assert b"&lt;img src=x onerror=alert(1)&gt;" in files["papers/x/index.html"]


def test_a_paper_that_is_a_title_alone_and_a_topic_without_a_description_leave_nothing_empty():
    # A paper of one's own needs only its title, and a topic no description:
    # their pages had an empty meta description, an "Abstract" heading over
    # nothing, and empty paragraphs in the lists.
    taxonomy = parse_taxonomy(
        "topics:\n  - {slug: speech, name: Speech, keywords: {speech: 3}}\n"
        "  - {slug: other, name: Other, fallback: true}\n", "topics.yaml",
    )
    config = SiteConfig(description="Papers I read.")
    site = build_site(config, (paper("bare", "Speech Alone", ""),), taxonomy, make_markdown(), {})
    files = {name: data.decode() for name, data in render_site(make_environment(config), site, ASSETS, {})[0].items()}
    for name in ("papers/bare/index.html", "topics/speech/index.html"):
        assert '<meta name="description" content="Papers I read.">' in files[name], name
    assert "Abstract" not in files["papers/bare/index.html"]
    for name in ("topics/speech/index.html", "topics/index.html", "dates/2025-03-18/index.html"):
        assert not re.search(r"<p[^>]*>\s*</p>", files[name]), name


def test_links_honour_the_base_path():
    site = site_for(paper("x", "A Paper"), config=SiteConfig(base_url="https://u.github.io/atlas/"), listed=True)
    files, _ = render_site(make_environment(site.config), site, ASSETS, {})
    home = files["index.html"].decode()
    assert 'href="/atlas/papers/x/"' in home and 'href="/atlas/static/style.0.css"' in home


def test_the_latest_digest_on_the_home_page_is_a_digests_not_a_later_paper_of_ones_own():
    listed = paper("x", "A Paper From A Digest")
    own = replace(paper("y", "A Paper Of My Own"), dates=(dt.date(2025, 10, 5),))
    order = {dt.date(2025, 3, 18): (listed.key,)}
    home = next(page for page in build_site(SiteConfig(), (listed, own), TAXONOMY, make_markdown(), order).pages
                if page.url == "")
    assert home.context["latest"].date == dt.date(2025, 3, 18)
    assert [view.slug for view in home.context["latest_papers"]] == ["x"]
    assert [date.date for date in home.context["recent_dates"]][:2] == [dt.date(2025, 10, 5), dt.date(2025, 3, 18)]
    only_own = next(page for page in site_for(own).pages if page.url == "")
    assert only_own.context["latest"] is None and only_own.context["latest_papers"] == ()


def test_the_home_page_and_the_topics_page_list_topics_in_the_order_of_topics_yaml():
    """The home page listed them most papers first and the topics page in the
    file's order: the same topics in two orders, and the home page's shifted
    with every digest. The file's author orders them (here not A–Z, nor by count)."""
    taxonomy = parse_taxonomy(
        "topics:\n"
        "  - {slug: zeta, name: Zeta, keywords: {zeta: 3}}\n"
        "  - {slug: alpha, name: Alpha, keywords: {alpha: 3}}\n"
        "  - {slug: other, name: Other, fallback: true}\n",
        "topics.yaml",
    )
    papers = [paper("a1", "Alpha one"), paper("a2", "Alpha two"), paper("a3", "Alpha three"),
              paper("z1", "Zeta one"), paper("o1", "Plain"), paper("o2", "Plainer")]
    papers = [replace(p, topics=({"a": "alpha", "z": "zeta", "o": "other"}[p.slug[0]],)) for p in papers]
    site = build_site(SiteConfig(), tuple(papers), taxonomy, make_markdown())
    files = render_site(make_environment(SiteConfig()), site, ASSETS, {})[0]
    for page in ("index.html", "topics/index.html"):
        shown = files[page].decode()
        assert re.findall(r'<a href="/topics/([a-z]+)/">', shown) == ["zeta", "alpha", "other"], page


def test_the_home_pages_sidebar_leaves_out_a_section_with_nothing_to_list_and_says_what_it_counts():
    listed = paper("x", "A Paper From A Digest")
    order = {dt.date(2025, 3, 18): (listed.key,)}

    def home(config, taxonomy):
        site = build_site(config, (listed,), taxonomy, make_markdown(), order)
        return render_site(make_environment(config), site, ASSETS, {})[0]["index.html"].decode()

    shown = home(SiteConfig(), TAXONOMY)
    assert "Recent digests" in shown and 'id="topics-heading"' in shown
    assert re.search(r'<span class="count">1<span class="visually-hidden"> paper</span></span>', shown)
    assert "Recent digests" not in home(SiteConfig(home_recent_dates=0), TAXONOMY)
    assert 'id="topics-heading"' not in home(SiteConfig(), Taxonomy(()))
    assert "<aside" not in home(SiteConfig(home_recent_dates=0), Taxonomy(()))  # no empty landmark


def test_a_site_with_no_papers_yet_says_so_on_its_lists_without_an_empty_chart_or_landmark():
    """The topics page drew an empty heat map captioned "0 topics across 0
    digest dates; … up to 1 paper in one cell", the A–Z page an empty "Jump
    to letter" landmark, and the dates page nothing under its heading."""
    files = {path: data.decode() for path, data in render_site(make_environment(SiteConfig()), site_for(), ASSETS, {})[0].items()}
    assert "<svg" not in files["topics/index.html"] and "0 topics across" not in files["topics/index.html"]
    assert 'class="topic-grid"' not in files["topics/index.html"]  # no empty list
    assert "No paper yet: " in files["topics/index.html"]  # the topics of topics.yaml, each named
    assert 'class="letters"' not in files["papers/index.html"]
    assert "No papers yet" in files["papers/index.html"] and "No digests yet" in files["dates/index.html"]
    one = {path: data.decode() for path, data in render_site(make_environment(SiteConfig()), site_for(paper("x", "A Paper")), ASSETS, {})[0].items()}
    assert "<svg" in one["topics/index.html"] and 'class="letters"' in one["papers/index.html"]
    assert "No papers yet" not in one["papers/index.html"] and "No digests yet" not in one["dates/index.html"]


def test_a_topic_page_draws_no_empty_chart_while_the_site_has_no_dates():
    """A site of papers of one's own without dates drew, on each topic page,
    an axis alone captioned "1 paper across 0 digest dates. .", as the topics
    page no longer draws its heat map."""
    undated = replace(paper("x", "A Speech Paper", "On speech."), dates=())
    files = render_site(make_environment(SiteConfig()), site_for(undated), ASSETS, {})[0]
    (topic_page,) = [data.decode() for path, data in files.items() if re.fullmatch(r"topics/[^/]+/index.html", path)]
    assert "A Speech Paper" in topic_page and "<svg" not in topic_page and "0 digest dates" not in topic_page
    assert build_topic_chart("Speech", (), (), 1).description == "1 paper across 0 digest dates."
    dated = render_site(make_environment(SiteConfig()), site_for(paper("x", "A Speech Paper")), ASSETS, {})[0]
    assert "<svg" in dated["topics/speech/index.html"].decode()


@pytest.mark.parametrize("title, footer", [
    ("Paper Atlas", "Built with Paper Atlas from daily paper digests · Atom feed"),
    ("My reading", "My reading · built with Paper Atlas from daily paper digests · Atom feed"),
])
def test_the_footer_names_the_site_and_the_tool_once_each(title, footer):
    """With the default title it read "Paper Atlas · built with Paper Atlas …"."""
    site = site_for(paper("x", "A Paper"), config=SiteConfig(title=title))
    files, _ = render_site(make_environment(site.config), site, ASSETS, {})
    found = re.search(r'<footer class="site-footer">(.*?)</footer>', files["index.html"].decode(), re.S)
    assert " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split()) == footer


def test_the_navigation_marks_the_section_of_the_page():
    site = site_for(paper("x", "A Paper"))
    files, _ = render_site(make_environment(site.config), site, ASSETS, {})

    def marked(path):
        return re.findall(r'<a href="/([a-z]+)/" aria-current="([a-z]+)">', files[path].decode())

    assert marked("index.html") == [] and marked("search/index.html") == []
    assert marked("papers/index.html") == [("papers", "page")]
    assert marked("papers/x/index.html") == [("papers", "true")]
    assert marked("topics/index.html") == [("topics", "page")]
    assert marked("dates/index.html") == [("dates", "page")]
    dated = [path for path in files if path.startswith("dates/20")]  # a day's and a month's page
    assert len(dated) == 2 and all(marked(path) == [("dates", "true")] for path in dated)


def test_user_notes_and_keys_render_on_the_paper_page():
    site = site_for(paper("x", "A Paper", notes="My **note**.", starred=True, tags=["later"]))
    files, _ = render_site(make_environment(site.config), site, ASSETS, {})
    page = files["papers/x/index.html"].decode()
    assert "<strong>note</strong>" in page and "★" in page and "#later" in page


def json_ld(page: str | bytes) -> dict:
    """The structured data of a paper's page: its one application/ld+json block."""
    text = page.decode() if isinstance(page, bytes) else page
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    return json.loads(block)


def test_a_paper_with_an_arxiv_identifier_links_its_abstract_and_pdf_and_names_it_in_the_json_ld():
    site = site_for(replace(paper("x", "A Paper", arxiv="2503.10100v2"), links=("https://github.com/me/x",)))
    files, _ = render_site(make_environment(site.config), site, ASSETS, {})
    page = files["papers/x/index.html"].decode()
    links = re.findall(r'href="(https://[^"]+)"', page.split('id="links-heading"')[1].split("</section>")[0])
    assert links == ["https://arxiv.org/abs/2503.10100v2", "https://arxiv.org/pdf/2503.10100v2", "https://github.com/me/x"]
    assert json_ld(page)["sameAs"] == ["https://arxiv.org/abs/2503.10100v2", "https://github.com/me/x"]
    assert "Find it by its title" not in page


def test_the_json_ld_of_a_paper_that_is_a_title_alone_leaves_out_what_it_lacks():
    site = site_for(paper("x", "A Paper", abstract=""), replace(paper("y", "Undated", abstract=""), dates=()))
    files, _ = render_site(make_environment(site.config), site, ASSETS, {})
    assert json_ld(files["papers/x/index.html"]).keys() == {
        "@context", "@type", "headline", "name", "url", "datePublished", "keywords", "sameAs", "isPartOf",
    }, "no abstract: no 'abstract' key, not an empty one"
    undated = json_ld(files["papers/y/index.html"])
    assert "abstract" not in undated and "datePublished" not in undated, "no date: no null"


def test_a_paper_without_an_arxiv_identifier_links_a_search_for_its_title_on_arxiv_and_google_scholar():
    title = "$\\pi$-Flow: Q&A for 100% of \"Models\" / Agents"
    site = site_for(paper("x", title))
    files, _ = render_site(make_environment(site.config), site, ASSETS, {})
    section = files["papers/x/index.html"].decode().split('id="links-heading"')[1].split("</section>")[0]
    arxiv, scholar = (html.unescape(link) for link in re.findall(r'href="([^"]+)"', section))
    assert urllib.parse.urlsplit(arxiv)[:3] == ("https", "arxiv.org", "/search/")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(arxiv).query) == {"searchtype": ["title"], "query": [title]}
    assert urllib.parse.urlsplit(scholar)[:3] == ("https", "scholar.google.com", "/scholar")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(scholar).query) == {"q": [f'"{title}"']}
    assert "<ul>" not in section  # no links of its own


def test_with_an_edit_url_a_paper_page_links_its_file_in_the_repositorys_editor_and_without_one_nothing():
    config = SiteConfig(edit_url="https://github.com/me/atlas/edit/main/content/")
    noted = paper("noted", "Noted", notes="Read it.")
    papers = (noted, paper("bare", "Bare"), replace(paper("mine", "Mine"), path=Path("content/papers/mine.md")))
    site = site_for(*papers[:2], config=config, listed=True)
    own = site_for(papers[2], config=config)
    files = {**render_site(make_environment(config), site, ASSETS, {})[0],
             **render_site(make_environment(config), own, ASSETS, {})[0]}
    edit = {slug: re.findall(r'<p class="edit"><a href="([^"]+)" rel="noopener">([^<]+)</a></p>',
                             files[f"papers/{slug}/index.html"].decode()) for slug in ("noted", "bare", "mine")}
    base = "https://github.com/me/atlas/edit/main/content/papers/"
    assert edit == {"noted": [(base + "noted.md", "Edit notes")], "bare": [(base + "bare.md", "Add notes")],
                    "mine": [(base + "mine.md", "Edit this paper")]}
    plain = site_for(noted, listed=True)
    assert 'class="edit"' not in render_site(make_environment(plain.config), plain, ASSETS, {})[0][
        "papers/noted/index.html"].decode()


def test_a_single_tag_written_as_a_string_is_one_tag():
    site = site_for(paper("x", "A Paper", tags="read-later"))
    files, _ = render_site(make_environment(site.config), site, ASSETS, {})
    page = files["papers/x/index.html"].decode()
    assert page.count('class="tag user-tag"') == 1 and "#read-later" in page


def test_dates_topics_and_tags_read_as_separate_words_in_copied_text_and_screen_readers():
    site = site_for(replace(paper("x", "A paper", tags=["later", "reread"]), topics=("speech", "other")))
    files, _ = render_site(make_environment(site.config), site, ASSETS, {})

    def text(html: str, element: str) -> str:
        (inner,) = re.findall(rf'<p class="{element}">(.*?)</p>', html, re.S)
        return " ".join(re.sub(r"<[^>]+>", "", inner).split())

    page = files["papers/x/index.html"].decode()
    assert text(page, "tags") == "Speech Other #later #reread"
    listed = files["topics/speech/index.html"].decode()
    assert text(listed, "meta") == "Mar 18, 2025 Speech Other #later #reread"


def test_topics_are_assigned_when_a_paper_file_has_none():
    site = site_for(paper("x", "Speech synthesis at scale"), paper("y", "Something else"))
    topics = {view.slug: [t.slug for t in view.topics] for view in site.papers}
    assert topics == {"x": ["speech"], "y": ["other"]}


def test_a_date_page_leads_up_to_its_month_and_the_dates():
    papers = [replace(paper("a", "Speech one"), dates=(dt.date(2025, 2, 28),)),
              replace(paper("b", "Speech two"), dates=(dt.date(2025, 3, 1),))]
    files = render_site(make_environment(SiteConfig()), site_for(*papers), ASSETS, {})[0]
    for day, month in (("2025-02-28", '<a href="/dates/2025-02/">February 2025</a>'),
                       ("2025-03-01", '<a href="/dates/2025-03/">March 2025</a>')):
        page = files[f"dates/{day}/index.html"].decode()
        assert f'<p class="crumbs"><a href="/dates/">Dates</a> / {month} /</p>' in page


def test_a_list_marks_each_items_link_to_the_date_or_topic_it_is_the_list_of():
    """A paper of two dates and two topics: on each date page its link to
    that date is the current one, its other date's is not; likewise its topic
    pills on a topic page; a list of no date or topic (home) marks nothing."""
    both = replace(paper("a", "Speech one"), dates=(dt.date(2025, 3, 18), dt.date(2025, 3, 19)),
                   topics=("speech", "other"))
    files = render_site(make_environment(SiteConfig()), site_for(both, listed=True), ASSETS, {})[0]

    def current_links(url: str) -> list[str]:
        item = re.search(r'<li class="paper-item">.*?</li>', files[url].decode(), re.S).group(0)
        return re.findall(r'<a [^>]*aria-current="true"[^>]*>', item)

    assert current_links("dates/2025-03-18/index.html") == ['<a class="date" href="/dates/2025-03-18/" aria-current="true">']
    assert current_links("dates/2025-03-19/index.html") == ['<a class="date" href="/dates/2025-03-19/" aria-current="true">']
    assert current_links("topics/other/index.html") == ['<a class="tag" href="/topics/other/" aria-current="true">']
    assert current_links("topics/speech/index.html") == ['<a class="tag" href="/topics/speech/" aria-current="true">']
    assert current_links("index.html") == []


def test_a_list_item_is_rendered_once_whatever_list_marks_it():
    env = make_environment(SiteConfig())
    (view,) = site_for(paper("a", "Speech one")).papers
    plain = env.globals["paper_item"](view)
    marked = env.globals["paper_item"](view, "/dates/2025-03-18/")
    assert marked == str.replace(plain, 'href="/dates/2025-03-18/"', 'href="/dates/2025-03-18/" aria-current="true"')
    assert marked != plain
    assert env.globals["paper_item"](view) == plain


def test_the_topics_page_names_the_topics_no_paper_has_which_get_no_page():
    """A topic just added whose keywords match nothing was nowhere on the site."""
    site = site_for(paper("a", "Speech one"))
    assert [t.slug for t in site.topics] == ["speech"] and [t.slug for t in site.unused_topics] == ["other"]
    files = render_site(make_environment(SiteConfig()), site, ASSETS, {})[0]
    assert '<p class="meta unused-topics">No paper yet: Other</p>' in files["topics/index.html"].decode()
    assert not any(name.startswith("topics/other/") for name in files)
    everything = render_site(make_environment(SiteConfig()), site_for(paper("a", "Speech one"), paper("b", "Else")), ASSETS, {})[0]
    assert "unused-topics" not in everything["topics/index.html"].decode()


def test_lists_are_ordered_newest_first_and_by_digest_rank_then_a_to_z():
    d1, d2 = dt.date(2025, 3, 18), dt.date(2025, 3, 19)

    def dated(slug: str, title: str, *dates: dt.date) -> Paper:
        return Paper(slug, title, dates, None, (), "Speech models.", "", (), Path(f"{slug}.md"))

    papers = [
        dated("b", "Beta speech", d1), dated("a", "\"Alpha\" speech", d1), dated("c", "Gamma speech", d2),
        dated("d", "delta speech", d1, d2), dated("e", "Epsilon speech", d2),
    ]
    # The digest of d2 ranked Gamma above delta; Epsilon is not ranked (added by hand).
    order = {d2: (title_key("Gamma speech"), title_key("delta speech"))}
    site = build_site(SiteConfig(), reversed(papers), TAXONOMY, make_markdown(), order)
    pages = {page.url: page.context for page in site.pages}
    assert [v.slug for v in site.papers] == ["a", "b", "d", "e", "c"]
    assert [v.slug for v in pages["topics/speech/"]["papers"]] == ["d", "e", "c", "a", "b"]
    assert [v.slug for v in pages["dates/2025-03-19/"]["papers"]] == ["c", "d", "e"]
    assert [v.slug for v in pages["dates/2025-03-18/"]["papers"]] == ["a", "b", "d"]


def test_a_long_topic_is_split_into_pages_of_fifty_newest_first():
    first = dt.date(2025, 1, 1)
    papers = [
        Paper(f"p{n:03}", f"Speech paper {n:03}", (first + dt.timedelta(days=n),), None, (), "Speech.", "", (),
              Path(f"p{n:03}.md"))
        for n in range(120)
    ]
    site = site_for(*papers)
    pages = {page.url: page for page in site.pages if page.template == "topic.html"}
    parts = [pages[url] for url in ("topics/speech/", "topics/speech/page/2/", "topics/speech/page/3/")]
    assert len(pages) == 3
    shown = [view.slug for part in parts for view in part.context["papers"]]
    assert shown == [f"p{n:03}" for n in reversed(range(120))]
    assert [len(part.context["papers"]) for part in parts] == [50, 50, 20]
    assert [(p.context["pagination"].previous, p.context["pagination"].next) for p in parts] == [
        (None, "topics/speech/page/2/"), ("topics/speech/", "topics/speech/page/3/"), ("topics/speech/page/2/", None),
    ]
    assert [part.title for part in parts] == ["Speech", "Speech · page 2", "Speech · page 3"]
    files = render_site(make_environment(SiteConfig()), site, ASSETS, {})[0]
    second = files["topics/speech/page/2/index.html"].decode()
    assert 'id="topic-chart' in files["topics/speech/index.html"].decode() and 'id="topic-chart' not in second
    assert "Papers 51–100 of 120, newest first · page 2 of 3" in second
    assert 'href="/topics/speech/" rel="prev"><span><span aria-hidden="true">←</span> Newer</span>Page 1 of 3</a>' in second
    assert 'href="/topics/speech/page/3/" rel="next"><span>Older <span aria-hidden="true">→</span></span>Page 3 of 3</a>' in second
    assert "sitemap.xml" not in files  # a bare path as base_url: its URLs could not be absolute
    sitemap = render_site(make_environment(ABSOLUTE), site_for(*papers, config=ABSOLUTE), ASSETS, {})[0]["sitemap.xml"]
    assert "<loc>https://example.org/atlas/topics/speech/page/3/</loc>" in sitemap.decode()


def test_the_a_to_z_list_is_split_into_pages_and_each_letter_links_to_where_it_begins(monkeypatch):
    import site_builder.pagination as pagination_module

    monkeypatch.setattr(pagination_module, "TITLE_PAGE_SIZE", 3)
    titles = ["Alpha", "Apex", "Axis", "Avid", "Beta", "Bold", "2-bit", "Zeta"]  # "2-bit" sorts first, under "#"
    site = site_for(*(paper(title.lower(), title) for title in titles))
    parts = [page for page in site.pages if page.template == "papers.html"]
    assert [part.url for part in parts] == ["papers/", "papers/page/2/", "papers/page/3/"]
    assert [[view.title for view in part.context["papers"]] for part in parts] == [
        ["2-bit", "Alpha", "Apex"], ["Avid", "Axis", "Beta"], ["Bold", "Zeta"],
    ]
    assert [(link.letter, link.url) for link in parts[1].context["letters"]] == [
        ("#", "papers/"), ("A", "papers/"), ("B", "papers/page/2/"), ("Z", "papers/page/3/"),
    ]
    files = render_site(make_environment(SiteConfig()), site, ASSETS, {})[0]
    second = files["papers/page/2/index.html"].decode()
    # "A" began on page 1: its link goes there; "B" begins here.
    assert '<a href="/papers/#letter-A">A</a>' in second and '<a href="#letter-B">B</a>' in second
    assert '<h2 id="letter-A">A</h2>' in second and '<h2 id="letter-B">B</h2>' in second
    assert "Titles 4–6 of 8, A–Z · page 2 of 3" in second
    assert 'href="/papers/" rel="prev"' in second and 'href="/papers/page/3/" rel="next"' in second


def test_titles_that_begin_with_other_letters_are_under_one_hash_first_and_accents_under_their_letter(monkeypatch):
    """"π-Zero" sorted after "Zeta", in a second "#" group at the end of the
    last page that the "#" link (to the first page's) never reached, and
    "Émile" went there too, not under E."""
    import site_builder.pagination as pagination_module

    monkeypatch.setattr(pagination_module, "TITLE_PAGE_SIZE", 2)
    titles = ["Zeta", "π-Zero", "Émile", "2-bit", "Alpha", "Ever"]
    site = site_for(*(paper(f"p{n}", title) for n, title in enumerate(titles)))
    parts = [page for page in site.pages if page.template == "papers.html"]
    assert [[view.title for view in part.context["papers"]] for part in parts] == [
        ["2-bit", "π-Zero"], ["Alpha", "Émile"], ["Ever", "Zeta"],
    ]
    assert [(link.letter, link.url) for link in parts[0].context["letters"]] == [
        ("#", "papers/"), ("A", "papers/page/2/"), ("E", "papers/page/2/"), ("Z", "papers/page/3/"),
    ]
    assert [[letter for letter, _items in part.context["groups"]] for part in parts] == [["#"], ["A", "E"], ["E", "Z"]]
    files = render_site(make_environment(SiteConfig()), site, ASSETS, {})[0]
    pi_zero = files["papers/p1/index.html"].decode()  # between 2-bit and Alpha
    assert 'href="/papers/p3/" rel="prev"' in pi_zero and 'href="/papers/p4/" rel="next"' in pi_zero
    # Letters NFKD leaves whole sort as the letters they are written for.
    site = site_for(*(paper(f"q{n}", title) for n, title in enumerate(["Łukasiewicz Logic", "Øresund", "Æther", "Mango"])))
    parts = [page for page in site.pages if page.template == "papers.html"]
    assert [[letter for letter, _items in part.context["groups"]] for part in parts] == [["A", "L"], ["M", "O"]]


def test_the_a_z_list_files_a_title_by_the_word_after_a_leading_a_an_or_the_and_shows_it_whole():
    """"A Survey of …" was filed under A (20 of the shipped 47 A's began with
    "A " or "An "), where a library catalogue passes over the article and
    files it under S; a word that only begins like one ("Theory", "Another",
    "A*") is filed as it reads, and so is "A" with no word after it."""
    titles = ["The Zebra", "A Survey of Models", "An Owl", "Survey of Bees", "Theory", "Another",
              "A* Search", '"The Quote"', "The 2-bit Trick", "A"]
    site = site_for(*(paper(f"p{n}", title) for n, title in enumerate(titles)))
    (part,) = [page for page in site.pages if page.template == "papers.html"]
    assert [(letter, [view.title for view in items]) for letter, items in part.context["groups"]] == [
        ("#", ["The 2-bit Trick"]),
        ("A", ["A", "A* Search", "Another"]),
        ("O", ["An Owl"]),
        ("Q", ['"The Quote"']),
        ("S", ["Survey of Bees", "A Survey of Models"]),
        ("T", ["Theory"]),
        ("Z", ["The Zebra"]),
    ]
    shown = render_site(make_environment(SiteConfig()), site, ASSETS, {})[0]["papers/index.html"].decode()
    assert ">A Survey of Models</a>" in shown and ">The Zebra</a>" in shown
    assert "A title that begins with “A”, “An” or “The” is filed by the word after it." in shown


def test_paper_pages_link_their_neighbours_in_title_order_and_the_ends_link_no_further():
    site = site_for(paper("b", "Beta"), paper("a", "Alpha"), paper("c", "Gamma"))
    pages = {page.url: page for page in site.pages if page.template == "paper.html"}
    assert [
        (url, page.context["previous"] and page.context["previous"].slug, page.context["next"] and page.context["next"].slug)
        for url, page in sorted(pages.items())
    ] == [("papers/a/", None, "b"), ("papers/b/", "a", "c"), ("papers/c/", "b", None)]
    files = render_site(make_environment(SiteConfig()), site, ASSETS, {})[0]
    first, last = files["papers/a/index.html"].decode(), files["papers/c/index.html"].decode()
    assert 'rel="prev"' not in first and 'href="/papers/b/" rel="next"' in first
    assert 'rel="next"' not in last and 'href="/papers/b/" rel="prev"' in last


def test_a_related_paper_listed_again_shows_its_latest_date():
    again = replace(paper("b", "Beta"), dates=(dt.date(2025, 3, 18), dt.date(2025, 4, 2)))
    site = build_site(
        SiteConfig(), (paper("a", "Alpha"), again), TAXONOMY, make_markdown(),
        find_related=lambda sources: ((1,), (0,)),  # in title order: Alpha's is Beta, Beta's Alpha
    )
    files = render_site(make_environment(SiteConfig()), site, ASSETS, {})[0]
    related = files["papers/a/index.html"].decode().split('class="related"', 1)[1]
    assert '<a href="/papers/b/">Beta</a> <span class="meta"><time datetime="2025-04-02">Apr 2, 2025</time>' in related


def test_the_side_of_a_paper_page_is_named_for_what_it_holds():
    site = build_site(
        SiteConfig(), (paper("a", "Alpha"), paper("b", "Beta"), paper("c", "Gamma")), TAXONOMY, make_markdown(),
        find_related=lambda sources: ((1,), (0,), ()),  # Gamma has no related papers
    )
    files = render_site(make_environment(SiteConfig()), site, ASSETS, {})[0]
    assert '<aside class="paper-side" aria-label="Links and related papers">' in files["papers/a/index.html"].decode()
    assert '<aside class="paper-side" aria-label="Links">' in files["papers/c/index.html"].decode()
    assert 'class="related"' not in files["papers/c/index.html"].decode()


def test_a_site_of_one_paper_and_one_date_has_no_empty_pager_landmarks():
    site = site_for(paper("x", "A Paper"))
    files = render_site(make_environment(SiteConfig()), site, ASSETS, {})[0]
    date_page = next(path for path in files if path.startswith("dates/20") and path.count("/") == 2)
    for path in ("papers/x/index.html", date_page):
        assert 'class="pager"' not in files[path].decode(), path
    two = site_for(paper("x", "A Paper"), paper("y", "Another Paper"))
    files = render_site(make_environment(SiteConfig()), two, ASSETS, {})[0]
    assert '<nav class="pager" aria-label="Previous and next paper, A to Z">' in files["papers/x/index.html"].decode()


def test_a_summary_is_cut_after_a_word_without_the_punctuation_that_followed_it():
    assert summarize("word, " * 60) == ("word, " * 36).rstrip(", ") + "…"
    assert summarize("Short enough.") == "Short enough."


def test_counts_are_written_with_thousands_separators():
    env = make_environment(SiteConfig())
    assert env.from_string("{{ 20000 | number }} · {{ 999 | number }}").render() == "20,000 · 999"
    assert env.from_string("{{ 1 | number('paper') }} · {{ 20000 | number('paper') }}").render() == "1 paper · 20,000 papers"
    with pytest.raises(jinja2.UndefinedError, match="'paper_cont' is undefined"):
        env.from_string("{{ paper_cont | number }}").render()


def test_a_count_takes_a_plural_that_is_not_the_noun_and_s():
    env = make_environment(SiteConfig())
    assert env.from_string(
        "{{ 2 | number('category') }} · {{ 2 | number('category', 'categories') }} · {{ 1 | number('category', 'categories') }}"
    ).render() == "2 categorys · 2 categories · 1 category"


def test_url_and_absolute_leave_an_address_that_is_not_a_site_path_alone():
    for config, site_path in ((SiteConfig(base_url="/atlas/"), "/atlas/topics/"), (ABSOLUTE, "/atlas/topics/")):
        env = make_environment(config)
        for address in ("https://example.org/x", "HTTP://example.org/x", "//cdn.example.org/a.js", "mailto:a@example.org"):
            assert env.from_string("{{ a | url }} {{ a | absolute }}").render(a=address) == f"{address} {address}"
        assert env.from_string("{{ '/topics/' | url }} {{ 'topics/' | absolute }}").render() == \
            f"{site_path} {config.absolute_base or config.base_path}topics/"


def paper_page_error(tmp_path, **keys) -> str:
    """The error that rendering a site of one paper, /papers/x/, with the templates in ``tmp_path`` gives."""
    site = site_for(paper("x", "Speech synthesis", **keys), config=SiteConfig(templates_dir=tmp_path))
    with pytest.raises(SourceError) as info:
        render_site(make_environment(site.config), site, ASSETS, {})
    return str(info.value)


@pytest.mark.parametrize("source,message", [
    ("{{ paper.extra.nothing | url }}", "url needs a site path, got None (give it text such as 'topics/' or paper.url, "
     "and wrap it in {% if %} where it may be missing)"),
    ("{{ 5 | absolute }}", "absolute needs a site path, got an int (give it text such as 'topics/' or paper.url, "
     "and wrap it in {% if %} where it may be missing)"),
    ("{{ '5' | number }}", "number needs a number, got the text '5' (for text that holds a number, write | int | number)"),
    ("{{ paper | number('paper') }}", "number needs a number, got a paper (give it a count, such as papers | length)"),
    ("{{ paper.extra.nothing | href }}", "href needs a link, got None (give it text such as 'topics/' or paper.url, "
     "and wrap it in {% if %} where it may be missing)"),
])
def test_a_filter_given_a_value_it_cannot_use_says_what_it_got(tmp_path, source, message):
    (tmp_path / "paper.html").write_text('{% extends "base.html" %}{% block main %}\n' + source + "{% endblock %}")
    assert paper_page_error(tmp_path, nothing=None) == \
        f"{tmp_path / 'paper.html'}:2: template error while rendering /papers/x/: {message}"


@pytest.mark.parametrize("source,message", [
    # Each wrote "<jinja2.runtime.BlockReference object at 0x7f…>" or the like into
    # the page, its address other at each build.
    ("{{ super }}", "the block 'main' itself is written here, not what it holds "
     "(call it, with its brackets: {{ super() }} or {{ self.main() }})"),
    ("{{ self.title }}", "the block 'title' itself is written here, not what it holds "
     "(call it, with its brackets: {{ super() }} or {{ self.title() }})"),
    ("{{ paper.title.upper }}", "the function 'upper' itself is written here, not what it gives "
     "(call it, with its brackets: upper(…))"),
    ("{{ paper_item }}", "the function 'paper_item' itself is written here, not what it gives "
     "(call it, with its brackets: paper_item(…))"),
    ("{% macro cite() %}x{% endmacro %}{{ cite }}", "the macro 'cite' itself is written here, not what it gives "
     "(call it, with its brackets: cite(…))"),
])
def test_a_function_written_without_its_brackets_is_an_error_not_its_address_on_the_page(tmp_path, source, message):
    (tmp_path / "paper.html").write_text('{% extends "!paper.html" %}{% block main %}\n' + source + "{% endblock %}")
    assert paper_page_error(tmp_path) == \
        f"{tmp_path / 'paper.html'}:2: template error while rendering /papers/x/: {message}"


def test_page_headings_count_one_paper_as_one_paper():
    one = site_for(paper("x", "A Paper"))
    two = site_for(paper("x", "A Paper"), paper("y", "Another Paper"))

    def counts(site):
        files, _ = render_site(make_environment(site.config), site, ASSETS, {})
        return {
            path: re.findall(r'<span class="count">([^<]*)</span>', files[path].decode())
            for path in ("dates/2025-03-18/index.html", "dates/2025-03/index.html", "dates/index.html")
        }

    assert counts(one) == {
        "dates/2025-03-18/index.html": ["1 paper"], "dates/2025-03/index.html": ["1 paper", "1 paper"],
        "dates/index.html": ["1 paper", "1 paper"],
    }
    assert counts(two)["dates/2025-03-18/index.html"] == ["2 papers"]


def test_the_topics_and_a_to_z_headings_say_what_their_counts_count():
    """A screen reader read "Pre-training & Scaling 60" and "All papers 358"."""

    def headings(site) -> dict[str, list[str]]:
        files, _ = render_site(make_environment(site.config), site, ASSETS, {})
        return {
            path: [" ".join(re.sub(r"<[^>]+>", "", h).replace("&nbsp;", " ").split())
                   for h in re.findall(r"<h[12]>(.*?)</h[12]>", files[path].decode())]
            for path in ("topics/index.html", "papers/index.html")
        }

    one = headings(site_for(paper("x", "A Paper")))
    assert one["topics/index.html"] == ["Topics", "Other 1 paper"]
    assert one["papers/index.html"][0] == "All papers 1 paper"
    two = headings(site_for(paper("x", "A Paper"), paper("y", "Another Paper")))
    assert two["topics/index.html"][1] == "Other 2 papers"
    assert two["papers/index.html"][0] == "All papers 2 papers"


def test_a_short_topic_is_one_page_without_a_pager():
    site = site_for(paper("x", "Speech synthesis at scale"))
    (topic,) = [page for page in site.pages if page.url == "topics/speech/"]
    page = render_site(make_environment(SiteConfig()), site, ASSETS, {})[0]["topics/speech/index.html"].decode()
    assert topic.context["pagination"].pages == 1 and "pager" not in page and "page 1 of" not in page


def test_user_template_overrides_builtin(tmp_path):
    (tmp_path / "404.html").write_text('{% extends "base.html" %}{% block main %}Custom 404{% endblock %}')
    site = site_for(paper("x", "A Paper"), config=SiteConfig(templates_dir=tmp_path))
    files, _ = render_site(make_environment(site.config), site, ASSETS, {})
    assert b"Custom 404" in files["404.html"]
    assert b"Custom 404" not in files["index.html"]


def test_a_template_no_page_can_use_is_named_in_a_warning(tmp_path):
    (tmp_path / "pape.html").write_text('{% extends "base.html" %}{% block main %}Mine{% endblock %}')  # misspelt
    (tmp_path / "404.html").write_text('{% extends "base.html" %}{% block main %}{% include "mine/box.html" %}{% endblock %}')
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "box.html").write_text("a partial of one's own, included above")
    (tmp_path / "404.html~").write_text("an editor's backup")
    (tmp_path / ".git").mkdir()  # the templates kept in a repository of their own
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main")
    # Replaces a built-in this site does not build (no sitemap for a bare base_url): no misspelling.
    (tmp_path / "sitemap.xml").write_text("{{ entries }}")
    (tmp_path / "sitemap_index.xml").write_text("{{ parts }}")  # built only past 50,000 URLs
    site = site_for(paper("x", "A Paper"), config=SiteConfig(templates_dir=tmp_path))
    assert [str(warning) for warning in unused_templates(make_environment(site.config), site)] == [
        f"{tmp_path / 'pape.html'}: not used: no page's template has this name, or extends, includes or imports it "
        "(did you mean paper.html?)"
    ]
    # A built-in partial put beside the pages is told its folder, not a page spelt like it.
    (tmp_path / "paper_item.html").write_text("<li>{{ paper.title }}</li>")
    warnings = {warning.path: str(warning) for warning in unused_templates(make_environment(site.config), site)}
    assert warnings[tmp_path / "paper_item.html"] == (
        f"{tmp_path / 'paper_item.html'}: not used: no page's template has this name, or extends, includes or "
        "imports it (did you mean partials/paper_item.html?)"
    )
    (tmp_path / "paper_item.html").unlink()
    # A partial only an unused template includes is no more use than it.
    (tmp_path / "pape.html").write_text('{% extends "base.html" %}{% block main %}{% include "mine/only.html" %}{% endblock %}')
    (tmp_path / "mine" / "only.html").write_text("included by pape.html alone")
    assert [warning.path for warning in unused_templates(make_environment(site.config), site)] == [
        tmp_path / "mine" / "only.html", tmp_path / "pape.html",
    ]
    assert unused_templates(make_environment(SiteConfig()), site_for(paper("x", "A Paper"))) == ()


BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"



def test_no_template_is_told_unused_when_one_in_use_includes_by_a_computed_name(tmp_path):
    (tmp_path / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}{% set part = "mine/" ~ "box.html" %}{% include part %}{% endblock %}'
    )
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "box.html").write_text("included by a name made when rendering")
    site = site_for(paper("x", "A Paper"), config=SiteConfig(templates_dir=tmp_path))
    assert unused_templates(make_environment(site.config), site) == ()
    # One that no page uses may still include so: the others are checked.
    (tmp_path / "404.html").write_text('{% extends "base.html" %}{% block main %}Lost{% endblock %}')
    (tmp_path / "pape.html").write_text('{% set part = "mine/" ~ "box.html" %}{% include part %}')
    assert {warning.path for warning in unused_templates(make_environment(site.config), site)} == {
        tmp_path / "pape.html", tmp_path / "mine" / "box.html",
    }

def block_problems(site) -> tuple[list[str], list[str]]:
    errors, warnings = unshown_blocks(make_environment(site.config), site)
    return [str(error) for error in errors], [str(warning) for warning in warnings]


def test_a_block_no_template_above_has_is_named_in_an_error(tmp_path):
    paper_html = (BUILTIN_TEMPLATES / "paper.html").read_text()
    (tmp_path / "paper.html").write_text(paper_html.replace("{% block main %}", "{% block mian %}"))
    (tmp_path / "404.html").write_text('{% extends "base.html" %}\n{% block sidebar %}Mine{% endblock %}')
    site = site_for(paper("x", "A Paper"), config=SiteConfig(templates_dir=tmp_path))
    line = paper_html.split("\n").index("{% block main %}") + 1
    assert block_problems(site) == ([
        f"{tmp_path / '404.html'}:2: block 'sidebar' is not in base.html, so it is never shown "
        "(blocks there: csp, description, footer, head, head_extra, icon, main, nav_extra, og_type, query, scripts, "
        "scripts_extra, title)",
        f"{tmp_path / 'paper.html'}:{line}: block 'mian' is not in base.html, so it is never shown "
        "(did you mean 'main'?)",
    ], [])
    # A block the template shows itself is shown.
    (tmp_path / "404.html").write_text(
        '{% extends "base.html" %}\n{% block byline %}Mine{% endblock %}{% block main %}{{ self.byline() }}{% endblock %}'
    )
    assert len(block_problems(site)[0]) == 1
    # What the error is about: the paper's page is built without its article.
    page = render_site(make_environment(site.config), site, ASSETS, {})[0]["papers/x/index.html"]
    assert b"<article" not in page


def test_text_outside_the_blocks_of_a_template_that_extends_another_is_named_in_an_error(tmp_path):
    """Jinja drops the paragraph after {% extends %} from every page without a
    word, and writes the comment before it above <!doctype html>."""
    (tmp_path / "paper.html").write_text(
        '<!-- my theme -->\n{% extends "!paper.html" %}\n{% import "partials/counted.html" as counted %}\n'
        '{% set mine %}<p>Kept</p>{% endset %}\n{% macro box() %}<p>In a macro</p>{% endmacro %}\n\n'
        '  <p>On every paper</p>\n{% block side_extra %}{{ box() }}{% endblock %}\n{{ mine }}\n'
    )
    (tmp_path / "404.html").write_text('{# mine #}\n{% extends "base.html" %}\n{% block main %}Lost{% endblock %}\n\n')
    site = site_for(paper("x", "A Paper"), config=SiteConfig(templates_dir=tmp_path))
    hint = "(put it in one of the blocks, which docs/templates.md lists, or write a note to yourself as {# … #})"
    assert block_problems(site) == ([
        f"{tmp_path / 'paper.html'}:1: text before {{% extends %}} is written above the page, before its "
        f"<!doctype html> {hint}",
        f"{tmp_path / 'paper.html'}:7: text outside the blocks of a template that extends another is never shown {hint}",
    ], [])


def test_an_include_outside_the_blocks_of_a_template_that_extends_another_is_named_in_an_error(tmp_path):
    """Jinja writes what it includes above the page's <!doctype html>, after
    the {% extends %} as before it; {% set %}, {% import %} and {% from %}
    there write nothing, and are for the blocks."""
    (tmp_path / "cite.html").write_text('<p class="cite">Cite me</p>')
    (tmp_path / "paper.html").write_text(
        '{% extends "!paper.html" %}\n{% import "partials/counted.html" as counted %}\n'
        '{% from "partials/counted.html" import papers_counted %}\n{% set box = "cite.html" %}\n\n'
        '{% include box %}\n{% if box %}{% include "cite.html" %}{% endif %}\n'
        '{% block side_extra %}{% include "cite.html" %}{{ papers_counted(2) }}{% endblock %}\n'
    )
    site = site_for(paper("x", "A Paper"), config=SiteConfig(templates_dir=tmp_path))
    assert block_problems(site) == ([
        f"{tmp_path / 'paper.html'}:6: {{% include %}} outside the blocks of a template that extends another "
        "writes what it includes above the page, before its <!doctype html> (put it in one of the blocks, which "
        "docs/templates.md lists; for its macros, {% import %} it)",
    ], [])
    # What the error is about.
    page = render_site(make_environment(site.config), site, ASSETS, {})[0]["papers/x/index.html"].decode()
    assert page.startswith('<p class="cite">Cite me</p><p class="cite">Cite me</p><!doctype html>')
    # In its block, it is shown there, once.
    (tmp_path / "paper.html").write_text(
        '{% extends "!paper.html" %}\n{% block side_extra %}{% include "cite.html" %}{% endblock %}'
    )
    assert block_problems(site) == ([], [])
    page = render_site(make_environment(site.config), site, ASSETS, {})[0]["papers/x/index.html"].decode()
    assert page.startswith("<!doctype html>") and page.count("Cite me") == 1


def test_html_written_as_text_that_edits_an_html_field_is_an_error_at_its_line(tmp_path):
    """The fields are Markup: a template made while they were text, which
    edited them as text, then wrote | safe, showed its tags as text on every
    page ("<img " looked for as "&lt;img ", "<hr>" written so)."""
    (tmp_path / "paper.html").write_text(
        '{% extends "!paper.html" %}\n{% block main %}\n'
        '{{ paper.abstract_html | replace("<img ", "<img loading=lazy ") | safe }}\n'
        '{{ (paper.notes_html | permalinks ~ "<hr>") | safe }}\n{{ paper.notes_html.replace("&", "and") }}\n'
        # Marked as HTML, or text that is no HTML: as meant.
        '{{ paper.abstract_html | replace("<img " | safe, "<img loading=lazy " | safe) }}'
        '{{ paper.notes_html ~ ("<hr>" | safe) }}{{ paper.title | replace("<", "") }}{{ paper.notes_html ~ " " }}\n'
        '{% endblock %}'
    )
    site = site_for(paper("x", "A Paper", notes="Mine."), config=SiteConfig(templates_dir=tmp_path))
    errors, _warnings = block_problems(site)
    message = (
        "HTML written as text edits an HTML field (abstract_html, notes_html, body_html), which is Markup: the "
        "text is escaped, and its tags shown as text (or looked for so, by replace) (mark the text as HTML: "
        "'<img ' | safe, or (\"<hr>\" | safe) after ~; a template made while the fields were text edited them as "
        "text, then wrote | safe)"
    )
    assert errors == [f"{tmp_path / 'paper.html'}:{line}: {message}" for line in (3, 4, 5)]
    # What the error is about, and what it asks for.
    page = render_site(make_environment(site.config), site, ASSETS, {})[0]["papers/x/index.html"].decode()
    assert "<p>Mine.</p>\n&lt;hr&gt;" in page and "<p>Mine.</p>\n<hr>" in page


def test_a_base_template_of_ones_own_without_a_block_the_built_in_pages_fill_is_named_once(tmp_path):
    base_html = (BUILTIN_TEMPLATES / "base.html").read_text()
    line = base_html.split("\n").index("{% block main %}{% endblock %}") + 1
    site = site_for(paper("x", "A Paper"), config=SiteConfig(templates_dir=tmp_path))
    children = (
        "404.html, date.html, dates.html, home.html, month.html, paper.html, papers.html, search.html, topic.html "
        "and topics.html"
    )
    (tmp_path / "base.html").write_text(base_html.replace("{% block main %}", "{% block mian %}"))
    assert block_problems(site) == ([
        f"{tmp_path / 'base.html'}:{line}: no block 'main', so what {children} put in it is never shown "
        "(did you mean 'main' for block 'mian'?)",
    ], [])
    (tmp_path / "base.html").write_text(base_html.replace("{% block main %}", "{% block content %}"))
    # A child of one's own is named at its own block, the built-in ones once at base.html.
    (tmp_path / "404.html").write_text('{% extends "base.html" %}{% block main %}Mine{% endblock %}')
    assert block_problems(site) == ([
        f"{tmp_path / '404.html'}:1: block 'main' is not in base.html, so it is never shown "
        "(blocks there: content, csp, description, footer, head, head_extra, icon, nav_extra, og_type, query, "
        "scripts, scripts_extra, title)",
        f"{tmp_path / 'base.html'}: no block 'main', so what {children.replace('404.html, ', '')} put in it is never "
        "shown (add {% block main %}{% endblock %} where it should be shown)",
    ], [])
    # A base.html of one's own without the blocks of the pages' meta tags: their pages have content.
    (tmp_path / "404.html").unlink()
    minimal = "<!doctype html><title>{% block title %}{% endblock %}</title>{% block main %}{% endblock %}"
    (tmp_path / "base.html").write_text(minimal)
    errors, warnings = block_problems(site)
    assert errors == [] and warnings and all(
        warning.startswith(f"{tmp_path / 'base.html'}: no block '") and "'main'" not in warning for warning in warnings
    )
    # So with a copy of a built-in page of one's own under it: its meta blocks are warnings too.
    (tmp_path / "paper.html").write_text((BUILTIN_TEMPLATES / "paper.html").read_text())
    errors, warnings = block_problems(site)
    assert errors == [] and any(warning.startswith(f"{tmp_path / 'paper.html'}:") for warning in warnings)
    # A block the parent shows itself, if the child has it, is shown.
    (tmp_path / "base.html").write_text(minimal + "{{ self.extra() if self.extra is defined else '' }}")
    (tmp_path / "404.html").write_text('{% extends "base.html" %}{% block extra %}EXTRA{% endblock %}')
    assert not any("'extra'" in problem for problem in sum(block_problems(site), []))


def test_blocks_are_found_up_the_chain_and_inside_blocks_and_built_in_templates_agree(tmp_path):
    for path in BUILTIN_TEMPLATES.rglob("*"):
        if path.is_file():
            (tmp_path / path.relative_to(BUILTIN_TEMPLATES)).parent.mkdir(exist_ok=True)
            (tmp_path / path.relative_to(BUILTIN_TEMPLATES)).write_text(path.read_text())
    # A block of the grandparent's; one inside a block the parent has, shown with it.
    (tmp_path / "mine.html").write_text(
        '{% extends "base.html" %}{% block main %}{% block inner %}{% endblock %}{% endblock %}'
    )
    (tmp_path / "404.html").write_text(
        '{% extends "mine.html" %}{% block title %}x{% endblock %}{% block inner %}y{% endblock %}'
    )
    # Not used by any page, or extending a computed name: not checked.
    (tmp_path / "pape.html").write_text('{% extends "base.html" %}{% block mian %}{% endblock %}')
    (tmp_path / "topics.html").write_text('{% extends site.title ~ ".html" %}{% block mian %}{% endblock %}')
    site = site_for(paper("x", "A Paper"), config=SiteConfig(templates_dir=tmp_path))
    assert block_problems(site) == ([], [])
    (tmp_path / "404.html").write_text('{% extends "mine.html" %}{% block innr %}y{% endblock %}')
    assert block_problems(site) == ([
        f"{tmp_path / '404.html'}:1: block 'innr' is not in mine.html or base.html, so it is never shown "
        "(did you mean 'inner'?)",
    ], [])
    # A template between them that extends one known only when rendering: not checked.
    (tmp_path / "mine.html").write_text(
        '{% if site.title %}{% extends "base.html" %}{% else %}{% extends "!base.html" %}{% endif %}'
    )
    assert block_problems(site) == ([], [])


def template_problems(site) -> list[str]:
    """Every error and warning the checks of the templates in use give, before rendering."""
    env = make_environment(site.config)
    errors, warnings = unshown_blocks(env, site)
    return [str(problem) for problem in (*extends_loops(env, site), *errors, *warnings, *unused_templates(env, site))]


def rendered(site) -> dict[str, str]:
    return {path: data.decode() for path, data in render_site(make_environment(site.config), site, ASSETS, {})[0].items()}


CITE_BOX = '<section class="cite" aria-labelledby="cite-heading"><h2 id="cite-heading">Cite</h2><pre>{{ paper.title }}</pre></section>\n'


def test_a_paper_template_of_ones_own_that_extends_the_built_in_one_adds_its_box_to_every_paper_page_alone(tmp_path):
    """As Sphinx's {% extends "!layout.html" %}: "!paper.html" names the
    built-in template, which one's own paper.html replaces under its name."""
    (tmp_path / "paper.html").write_text('{% extends "!paper.html" %}\n{% block side_extra %}' + CITE_BOX + "{% endblock %}\n")
    papers = (paper("alpha", "Alpha", "Speech models."), paper("beta", "Beta", "Speech models too."), paper("gamma", "Gamma"))
    builtin = rendered(site_for(*papers))
    site = site_for(*papers, config=SiteConfig(templates_dir=tmp_path))
    assert template_problems(site) == []
    own = rendered(site)
    assert own.keys() == builtin.keys()
    paper_pages = {f"papers/{view.slug}/index.html": view.title for view in site.papers}
    for path, page in own.items():
        box = CITE_BOX.replace("{{ paper.title }}", paper_pages.get(path, "-"))
        # Where the block is: under the links, before the related papers if any.
        if path in paper_pages:
            links, after = page.split('<h2 id="links-heading">', 1)[1].split("  </section>\n", 1)
            assert after.startswith(box) and page.count(box) == 1, path
        assert page.replace(box, "") == builtin[path], path
    # The ids of the whole chain, the override's too: a heading one writes takes none of them.
    ids = template_ids(make_environment(site.config), "paper.html")
    assert {"cite-heading", "links-heading", "notes-heading", "main"} <= set(ids)


def test_a_base_template_of_ones_own_that_extends_the_built_in_one_adds_to_every_html_page(tmp_path):
    """Its blocks for that, which no built-in page fills: a stylesheet in
    head_extra shows on paper.html's pages too, which fill head."""
    base_html = (
        '{% extends "!base.html" %}\n'
        "{% block head_extra %}<link rel=\"stylesheet\" href=\"{{ 'css/extra.css' | url }}\">\n{% endblock %}\n"
        '{% block nav_extra %}      <a href="https://example.org/lab">Lab</a>\n{% endblock %}\n'
        '{% block footer %}{{ super() }}  <div class="wrap">Text: CC BY 4.0</div>\n{% endblock %}\n'
    )
    assert_adds_to_every_html_page_alone(tmp_path, base_html, {
        '<link rel="stylesheet" href="/atlas/css/extra.css">\n</head>': "</head>",
        '      <a href="https://example.org/lab">Lab</a>\n    </nav>': "    </nav>",
        'Atom feed</a></span></div>\n  <div class="wrap">Text: CC BY 4.0</div>\n</footer>': "Atom feed</a></span></div>\n</footer>",
    }, SiteConfig(base_url="https://example.org/atlas/"))


def assert_adds_to_every_html_page_alone(
    tmp_path: Path, base_html: str, added: dict[str, str], config: SiteConfig = SiteConfig(),
) -> dict[str, str]:
    """With ``base_html`` as one's own base.html, every HTML page has each
    text of ``added`` once (as the page has it → as the built-in base.html
    alone gives it), and is the built-in page but for them. Returns the pages."""
    (tmp_path / "base.html").write_text(base_html)
    papers = (paper("alpha", "Alpha"), paper("beta", "Beta"))
    builtin = rendered(site_for(*papers, config=config))
    site = site_for(*papers, config=replace(config, templates_dir=tmp_path))
    assert template_problems(site) == []
    own = rendered(site)
    assert own.keys() == builtin.keys()
    for path, page in own.items():
        for with_it, without in added.items() if path.endswith(".html") else ():
            assert page.count(with_it) == 1, (path, with_it)
            page = page.replace(with_it, without)
        assert page == builtin[path], path
    return own


BUILT_IN_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'"
)


def test_a_base_template_of_ones_own_widens_the_csp_and_adds_scripts_after_the_pages_own(tmp_path):
    """csp: a directive written again after super() adds its sources to the
    built-in one's, where a browser would obey only the first of the two;
    scripts_extra: after a page's scripts, search.html's too, which fill scripts."""
    base_html = (
        '{% extends "!base.html" %}\n'
        "{% block csp %}{{ super() }}; script-src https://gc.zgo.at; connect-src 'self' https://me.goatcounter.com"
        "{% endblock %}\n"
        '{% block scripts_extra %}<script src="https://gc.zgo.at/count.js" defer></script>\n{% endblock %}\n'
    )
    widened = BUILT_IN_CSP.replace("script-src 'self';", "script-src 'self' https://gc.zgo.at;") + (
        "; connect-src 'self' https://me.goatcounter.com"
    )
    own = assert_adds_to_every_html_page_alone(tmp_path, base_html, {
        f'content="{widened}"': f'content="{BUILT_IN_CSP}"',
        '<script src="https://gc.zgo.at/count.js" defer></script>\n</body>': "</body>",
    })
    search = own["search/index.html"]
    assert search.index("search.0.js") < search.index("count.js")


def test_a_base_template_of_ones_own_gives_every_page_its_own_icon(tmp_path):
    base_html = (
        '{% extends "!base.html" %}\n'
        "{% block icon %}<link rel=\"icon\" href=\"{{ '/favicon.ico' | url }}\">\n{% endblock %}\n"
    )
    builtin_icon = f'<link rel="icon" href="/{ASSETS["favicon.svg"]}" type="image/svg+xml">'
    assert_adds_to_every_html_page_alone(tmp_path, base_html, {'<link rel="icon" href="/favicon.ico">': builtin_icon})


@pytest.mark.parametrize("policy,merged", [
    # Each directive once: the policy as it is written.
    (BUILT_IN_CSP, BUILT_IN_CSP),
    ("script-src 'self'; SCRIPT-SRC 'self' https://x.org; ;", "script-src 'self' https://x.org"),
    ("object-src 'none'; img-src 'self'; object-src https://x.org", "object-src https://x.org; img-src 'self'"),
    ("upgrade-insecure-requests; upgrade-insecure-requests", "upgrade-insecure-requests"),
])
def test_a_csp_directive_written_twice_is_one_with_the_sources_of_both(policy, merged):
    assert render._merged_csp(policy) == merged


def test_a_built_in_template_is_included_and_imported_by_its_prefixed_name_too(tmp_path):
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "paper_item.html").write_text(
        '{% include "!partials/paper_item.html" %}<!-- mine -->\n'
    )
    (tmp_path / "partials" / "counted.html").write_text(
        '{% from "!partials/counted.html" import papers_counted as counted %}\n'
        "{% macro papers_counted(count) %}<b>{{ counted(count) }}</b>{% endmacro %}\n"
    )
    papers = (paper("alpha", "Alpha"), paper("beta", "Beta"))
    site = site_for(*papers, config=SiteConfig(templates_dir=tmp_path), listed=True)
    assert template_problems(site) == []
    home = rendered(site)["index.html"]
    assert home.count("  </li>\n<!-- mine -->\n") == 2
    assert '<b><span class="count">2<span class="visually-hidden"> papers</span></span></b>' in home


def test_an_edit_of_the_built_in_template_or_of_ones_own_that_extends_it_renders_its_pages_again(tmp_path, monkeypatch):
    builtin = tmp_path / "builtin"
    shutil.copytree(BUILTIN_TEMPLATES, builtin)
    monkeypatch.setattr(render, "BUILTIN_TEMPLATES", builtin)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "paper.html").write_text('{% extends "!paper.html" %}{% block side_extra %}<p>Cite 1</p>{% endblock %}\n')
    site = site_for(paper("alpha", "Alpha"), paper("beta", "Beta"), config=SiteConfig(templates_dir=mine))
    previous: dict = {}
    render_site(make_environment(site.config), site, ASSETS, previous)
    edits = [
        (builtin / "paper.html", "Related papers", "Papers like it"),
        (builtin / "base.html", "Skip to content", "Skip to the page"),
        (mine / "paper.html", "Cite 1", "Cite 2"),
    ]
    for path, old, new in edits:
        path.write_text(path.read_text().replace(old, new))
        files, done = render_site(make_environment(site.config), site, ASSETS, previous)
        assert files == render_site(make_environment(site.config), site, ASSETS, {})[0]
        assert all(new.encode() in files[f"papers/{slug}/index.html"] for slug in ("alpha", "beta")), new
        assert ("papers/alpha/index.html" in done, "404.html" in done) == (True, path.name == "base.html")


def test_a_block_misspelt_in_a_template_that_extends_the_built_in_one_is_an_error(tmp_path):
    (tmp_path / "paper.html").write_text('{% extends "!paper.html" %}\n{% block side_extr %}Cite{% endblock %}\n')
    site = site_for(paper("x", "A Paper"), config=SiteConfig(templates_dir=tmp_path))
    assert block_problems(site) == ([
        f"{tmp_path / 'paper.html'}:2: block 'side_extr' is not in !paper.html or base.html, so it is never shown "
        "(did you mean 'side_extra'?)",
    ], [])


def test_template_syntax_error_names_file_and_line(tmp_path):
    (tmp_path / "404.html").write_text("line one\n{% if %}\n")
    site = site_for(paper("x", "A Paper"), config=SiteConfig(templates_dir=tmp_path))
    with pytest.raises(SourceError) as info:
        render_site(make_environment(site.config), site, ASSETS, {})
    assert str(info.value).startswith(f"{tmp_path / '404.html'}:2: template syntax error")


def test_syntax_errors_in_several_templates_are_told_together_in_file_order(tmp_path):
    """Each was told alone, and which one depended on the order of a set of
    names, which differs from run to run."""
    for name in ("paper.html", "404.html", "partials/paper_item.html"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("line one\n{% if %}\n")
    site = site_for(paper("x", "A Paper"), config=SiteConfig(templates_dir=tmp_path))
    with pytest.raises(BuildErrors) as info:
        render_site(make_environment(site.config), site, ASSETS, {})
    assert [str(error).split(": template")[0] for error in info.value.errors] == [
        f"{tmp_path / name}:2" for name in ("404.html", "paper.html", "partials/paper_item.html")
    ]


def test_undefined_variable_in_template_is_an_error(tmp_path):
    (tmp_path / "404.html").write_text('{% extends "base.html" %}{% block main %}\n{{ nope.title }}{% endblock %}')
    site = site_for(paper("x", "A Paper"), config=SiteConfig(templates_dir=tmp_path))
    with pytest.raises(SourceError) as info:
        render_site(make_environment(site.config), site, ASSETS, {})
    assert str(info.value).startswith(f"{tmp_path / '404.html'}:2: template error while rendering /404.html: 'nope' is undefined")


def test_unchanged_pages_are_not_rendered_again():
    cache: dict = {}
    site = site_for(paper("x", "A Paper"), paper("y", "B Paper"))
    env = make_environment(site.config)
    _, first = render_site(env, site, ASSETS, cache)
    _, second = render_site(env, site, ASSETS, cache)
    assert len(first) == len(site.pages) and second == ()
    changed = site_for(paper("x", "A Paper", notes="new"), paper("y", "B Paper"))
    _, third = render_site(env, changed, ASSETS, cache)
    assert "papers/x/index.html" in third and "papers/y/index.html" in third  # y links to x
    assert "404.html" not in third and "topics/index.html" not in third


def test_a_page_of_ones_own_joining_the_header_renders_the_html_pages_again_not_the_feeds():
    cache: dict = {}
    site = site_for(paper("x", "A Paper"), config=ABSOLUTE)
    env = make_environment(site.config)
    render_site(env, site, ASSETS, cache)
    about = OwnPage("about", "About", "", True, "Who I am.", Path("about.md"))
    with_about = build_site(ABSOLUTE, (paper("x", "A Paper"),), TAXONOMY, make_markdown(), {}, own_pages=(about,))
    _, again = render_site(env, with_about, ASSETS, cache)
    assert {"papers/x/index.html", "index.html", "404.html", "about/index.html"} <= set(again)
    assert "sitemap.xml" in again  # which lists the new page
    assert {"feed.xml", "robots.txt"}.isdisjoint(again)


def test_a_month_counts_a_paper_in_two_of_its_digests_once():
    again = Paper("b", "Twice", (dt.date(2025, 3, 17), dt.date(2025, 3, 18)), None, (), "x", "", (), Path("b.md"))
    site = site_for(paper("a", "Once"), again)
    (march,) = [page.context["month"] for page in site.pages if page.template == "month.html"]
    assert [d.count for d in march.dates] == [2, 1] and march.count == 2


def test_a_template_s_references_follow_the_environment_s_delimiters(tmp_path):
    """References are kept per source text; the same text read with other
    delimiters includes another template, or none."""
    (tmp_path / "page.html").write_text("{% include 'a.html' %}<% include 'b.html' %>")
    (tmp_path / "a.html").write_text("A")
    (tmp_path / "b.html").write_text("B")
    loader = jinja2.FileSystemLoader(str(tmp_path))
    usual = jinja2.Environment(loader=loader)
    other = jinja2.Environment(loader=loader, block_start_string="<%", block_end_string="%>")
    for env, included in ((usual, "a.html"), (other, "b.html"), (usual, "a.html")):
        read: dict[str, tuple[str, str | None]] = {}
        template_fingerprints(env, {"page.html"}, read)
        assert set(read) == {"page.html", included}


@pytest.mark.parametrize("source,message", [
    ("{{ paper.titel }}", "a paper has no 'titel' (did you mean 'title'?)"),
    # A key of one's own, read as Hugo's .Params or MkDocs' page.meta would have it read.
    ("{{ paper.venue }}", "a paper has no 'venue' (a key of your own in its front matter is paper.extra.get('venue'))"),
    ("{{ paper.topics[0].nme }}", "a topic link has no 'nme' (did you mean 'name'?)"),
    ("{{ site.titl.x }}", "site has no 'titl' (did you mean 'title'?)"),
    ("{{ paper.extra.boom.x }}", "no key 'boom' here (for a key only some papers have, write .get('boom'))"),
    ("{{ nope.x }}", "'nope' is undefined"),
    ("{{ self.sidebar() }}", "no block 'sidebar' for self.sidebar() here: define {% block sidebar %}{% endblock %}"),
])
def test_a_template_mistake_is_told_in_the_templates_terms(tmp_path, source, message):
    (tmp_path / "paper.html").write_text('{% extends "base.html" %}{% block main %}' + source + "{% endblock %}")
    assert paper_page_error(tmp_path) == \
        f"{tmp_path / 'paper.html'}:1: template error while rendering /papers/x/: {message} " \
        "(check the variable name; docs/templates.md lists what each template receives)"


@pytest.mark.parametrize("source,message", [
    ("{{ paper.title | titel }}", "no filter named 'titel' (did you mean 'title'?)"),
    ("{% filter uper %}x{% endfilter %}", "no filter named 'uper' (did you mean 'upper'?)"),
    ("{{ paper.title is nmber }}", "no test named 'nmber' (did you mean 'number'?)"),
    # Told by Jinja as the page renders: in an {% if %}, and named as text.
    ("{% if paper.title is nmber %}x{% endif %}", "no test named 'nmber' (did you mean 'number'?)"),
    ("{% if paper.title | lenght %}x{% endif %}", "no filter named 'lenght' (did you mean 'length'?)"),
    ("{{ paper.dates | select('nmber') | list }}", "no test named 'nmber' (did you mean 'number'?)"),
    ("{{ paper.dates | map('lenght') | list }}", "no filter named 'lenght' (did you mean 'length'?)"),
    ("{{ paper.dates | length | odd }}", "no filter named 'odd' ('odd' is a test: write 'is odd')"),
    ("{{ paper.dates is length }}", "no test named 'length' ('length' is a filter: write '| length')"),
    ("{{ paper.title | qqq }}", "no filter named 'qqq' (the site's filters: url, number, absolute, uri, href, "
     "without_none, permalinks, merged_csp, in docs/templates.md; Jinja's: "
     "https://jinja.palletsprojects.com/en/stable/templates/#list-of-builtin-filters)"),
    ("{{ paper.title is qqq }}", "no test named 'qqq' "
     "(Jinja's tests: https://jinja.palletsprojects.com/en/stable/templates/#list-of-builtin-tests)"),
])
def test_a_misspelt_filter_or_test_is_told_at_its_line_with_the_nearest_there_is(tmp_path, source, message):
    (tmp_path / "paper.html").write_text('{% extends "!paper.html" %}\n{% block side_extra %}\n' + source + "\n{% endblock %}\n")
    assert paper_page_error(tmp_path) == \
        f"{tmp_path / 'paper.html'}:3: template error while rendering /papers/x/: {message}"


def test_a_misspelt_filter_in_a_list_item_names_the_paper_whose_item_it_is(tmp_path):
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "paper_item.html").write_text("<li>\n{% if paper.title | lenght %}{{ paper.title }}{% endif %}</li>\n")
    site = site_for(paper("x", "Speech synthesis"), config=SiteConfig(templates_dir=tmp_path), listed=True)
    with pytest.raises(SourceError) as info:
        render_site(make_environment(site.config), site, ASSETS, {})
    assert str(info.value) == (
        f"{tmp_path / 'partials' / 'paper_item.html'}:2: template error while rendering / "
        "(the list item of /papers/x/): no filter named 'lenght' (did you mean 'length'?)"
    )


# -- static files ------------------------------------------------------------


def test_stylesheets_and_scripts_get_a_content_hash_and_what_they_reach_keeps_its_name(tmp_path):
    static = tmp_path / "static"
    (static / "img").mkdir(parents=True)
    (static / "fonts").mkdir()
    (static / "extra.css").write_text("body { background: url(img/logo.png) } @font-face { src: url(fonts/a.woff2) }")
    (static / "img" / "logo.png").write_bytes(b"\x89PNG logo")
    (static / "fonts" / "a.woff2").write_bytes(b"wOF2")
    (static / "app.js").write_text("console.log(1)")
    names, files, warnings = collect_assets(static)
    assert warnings == ()
    assert re.fullmatch(r"static/extra\.[0-9a-f]{10}\.css", names["extra.css"])
    assert re.fullmatch(r"static/app\.[0-9a-f]{10}\.js", names["app.js"])
    assert names["img/logo.png"] == "static/img/logo.png" and names["fonts/a.woff2"] == "static/fonts/a.woff2"
    assert files[names["img/logo.png"]] == b"\x89PNG logo"
    # The stylesheet's own references resolve from where it is published.
    css_dir = posixpath.dirname(names["extra.css"])
    for reference in re.findall(r"url\(([^)]+)\)", files[names["extra.css"]].decode()):
        assert posixpath.join(css_dir, reference) in files
    # A changed stylesheet gets a new name; a changed image keeps its own.
    (static / "extra.css").write_text("body { color: red }")
    (static / "img" / "logo.png").write_bytes(b"\x89PNG new logo")
    again, _files, _warnings = collect_assets(static)
    assert again["extra.css"] != names["extra.css"] and again["img/logo.png"] == names["img/logo.png"]


def test_an_editors_backups_and_hidden_files_in_static_are_not_published(tmp_path):
    static = tmp_path / "static"
    (static / ".git").mkdir(parents=True)
    (static / "style.css").write_text("body {}")
    for name in ("style.css~", ".style.css.swp", ".DS_Store", "#style.css#", ".git/config"):
        (static / name).write_text("junk")
    names, files, _warnings = collect_assets(static)
    assert list(names) == ["style.css"] and list(files) == [names["style.css"]]


def test_a_static_file_named_like_the_search_library_is_a_warning_not_a_silent_swap(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "lunr.js").write_text("// my own lunr")
    package = tmp_path / "node_modules" / "lunr" / "lunr.js"
    package.parent.mkdir(parents=True)
    package.write_text("// the package's lunr")
    names, files, warnings = collect_assets(static, {"lunr.js": package})
    assert files[names["lunr.js"]] == b"// the package's lunr"
    assert [str(warning) for warning in warnings] == [
        f"{static / 'lunr.js'}: not used: the site's lunr.js is the installed package's (give your file another name)"
    ]


@pytest.mark.parametrize("name,source,message", [
    ("feed.xml", "<feed>\n{{ feed.title + 1 }}", "/topics/speech/feed.xml: TypeError: can only concatenate str (not \"int\") to str"),
    ("robots.txt", "User-agent: *\n{{ 1 / 0 }}", "/robots.txt: ZeroDivisionError: division by zero"),
    ("feed.xml", "<feed>\n{{ feed.titel }}", "/topics/speech/feed.xml: the feed has no 'titel' (did you mean 'title'?) "
     "(check the variable name; docs/templates.md lists what each template receives)"),
    ("feed.xml", "<feed>\n{% for entry in feed.entries %}{{ entry.titl }}{% endfor %}",
     "/topics/speech/feed.xml: a feed entry has no 'titl' (did you mean 'title'?) "
     "(check the variable name; docs/templates.md lists what each template receives)"),
])
def test_a_mistake_in_a_template_not_named_html_names_its_file_and_line(tmp_path, name, source, message):
    (tmp_path / name).write_text(source)
    assert paper_page_error(tmp_path) == \
        f"{tmp_path / name}:2: template error while rendering {message}"


@pytest.mark.parametrize("reach", [
    "cycler.__init__.__globals__.os.popen(command).read()",
    "''.__class__.__mro__[1].__subclasses__()",
    "lipsum.__globals__['os'].popen(command).read()",
    "paper_item.__closure__",
    "site.__class__.__init__.__globals__",
    "'{0.__class__}'.format(paper)",
    "site.templates_dir.joinpath('paper.html').read_text()",
    "site.templates_dir.joinpath('ran').write_text('')",
    "(site.templates_dir / 'ran').touch()",
])
def test_a_template_of_ones_own_cannot_reach_python_to_run_a_command(tmp_path, reach):
    """site.yaml, which a repository others write to may hold, names the
    templates_dir: a template there ran any command as the site was built,
    or read and wrote any file through the path it is given."""
    marker = tmp_path / "ran"
    (tmp_path / "paper.html").write_text(
        f"{{% set command = 'touch {marker}' %}}\n<p>{{{{ {reach} }}}}</p>\n"
    )
    error = paper_page_error(tmp_path)
    assert error.startswith(f"{tmp_path / 'paper.html'}:2: template error while rendering /papers/x/: SecurityError: ")
    assert "unsafe" in error
    assert not marker.exists()


def test_a_template_of_ones_own_that_links_out_of_the_templates_dir_is_an_error(tmp_path):
    """Included, a link to a key put the key in a page; a link to a
    template inside the templates_dir is one, as before."""
    theme, key = tmp_path / "theme", tmp_path / "home" / ".ssh" / "id_ed25519"
    (theme / "parts").mkdir(parents=True)
    key.parent.mkdir(parents=True)
    key.write_text("PRIVATE KEY")
    (theme / "key.txt").symlink_to(key)
    (theme / "parts" / "box.html").write_text("<p>in a box</p>")
    (theme / "box.html").symlink_to("parts/box.html")
    (theme / "paper.html").write_text('{% include "box.html" %}\n{% include "key.txt" %}\n')
    assert paper_page_error(theme) == (
        f"{theme / 'key.txt'}: template 'key.txt' is a link out of the templates_dir, to {str(key)!r} "
        "(copy the template into the templates_dir: a link from a repository others write to could put any file "
        "of this computer, a key or a token, in a page)"
    )
    (theme / "key.txt").unlink()
    (theme / "paper.html").write_text('{% include "box.html" %}\n')
    site = site_for(paper("x", "Speech synthesis"), config=SiteConfig(templates_dir=theme))
    [page] = [page for page in site.pages if page.url == "papers/x/"]
    assert render_page(make_environment(site.config), page, ASSETS) == b"<p>in a box</p>"


def test_a_template_of_ones_own_in_a_folder_that_links_out_of_the_templates_dir_is_an_error_at_that_link(tmp_path):
    """The folder on the way is the link: the error's os.readlink of the
    template, no link itself, stopped the build with a traceback."""
    theme, elsewhere = tmp_path / "theme", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "box.html").write_text("<p>from elsewhere</p>")
    theme.mkdir()
    (theme / "parts").symlink_to(elsewhere)
    (theme / "paper.html").write_text('{% include "parts/box.html" %}\n')
    assert paper_page_error(theme) == (
        f"{theme / 'parts'}: template 'parts/box.html' is in a folder that is a link out of the templates_dir, to "
        f"{str(elsewhere)!r} (copy the template into the templates_dir: a link from a repository others write to "
        "could put any file of this computer, a key or a token, in a page)"
    )


def test_a_mistake_in_a_partial_not_named_html_names_the_partial(tmp_path):
    (tmp_path / "box.j2").write_text("<div>\n{{ paper.titel }}</div>")
    (tmp_path / "paper.html").write_text('{% extends "base.html" %}{% block main %}{% include "box.j2" %}{% endblock %}')
    site = site_for(paper("x", "Speech synthesis"), config=SiteConfig(templates_dir=tmp_path))
    with pytest.raises(SourceError) as info:
        render_site(make_environment(site.config), site, ASSETS, {})
    assert str(info.value).startswith(
        f"{tmp_path / 'box.j2'}:2: template error while rendering /papers/x/: a paper has no 'titel' (did you mean 'title'?)"
    )


def test_the_files_of_content_public_are_published_as_they_are_at_the_site_root(tmp_path):
    public = tmp_path / "public"
    (public / ".well-known").mkdir(parents=True)
    (public / "img").mkdir()
    (public / "favicon.ico").write_bytes(b"\0\0\1\0icon")
    (public / "google1234.html").write_text("google-site-verification: google1234.html")
    (public / ".well-known" / "security.txt").write_text("Contact: mailto:me@example.org")
    (public / "img" / "plot.png").write_bytes(b"\x89PNG")
    for junk in ("img/plot.png~", ".DS_Store", "img/.plot.png.swp", "#notes#"):
        (public / junk).write_text("junk")
    files, warnings = collect_public(public, {"index.html": "home.html", "papers/x/index.html": "paper.html"})
    assert warnings == ()
    assert files == {
        ".well-known/security.txt": b"Contact: mailto:me@example.org",
        "favicon.ico": b"\0\0\1\0icon",
        "google1234.html": b"google-site-verification: google1234.html",
        "img/plot.png": b"\x89PNG",
    }


def test_a_link_in_content_public_to_a_folder_publishes_its_files_as_one_to_a_file_does(tmp_path):
    """Only the linked file was published; the folder was passed over without a word."""
    public, elsewhere = tmp_path / "public", tmp_path / "figures"
    (elsewhere / "2025").mkdir(parents=True)
    public.mkdir()
    (elsewhere / "plot.png").write_bytes(b"\x89PNG plot")
    (elsewhere / "2025" / "loss.png").write_bytes(b"\x89PNG loss")
    (public / "img").symlink_to(elsewhere)
    (public / "figures").symlink_to(elsewhere)  # the same folder twice, at two addresses
    (public / "logo.png").symlink_to(elsewhere / "plot.png")
    files, warnings = collect_public(public, {"index.html": "home.html"})
    assert warnings == ()
    assert files == {
        "figures/2025/loss.png": b"\x89PNG loss", "figures/plot.png": b"\x89PNG plot",
        "img/2025/loss.png": b"\x89PNG loss", "img/plot.png": b"\x89PNG plot", "logo.png": b"\x89PNG plot",
    }


def test_links_in_content_public_or_static_that_lead_to_no_file_are_warnings_and_the_rest_is_published(tmp_path):
    """A link whose target is missing was passed over without a word; a
    loop of links, or a link to a folder it is in, end with a warning too."""
    public, elsewhere = tmp_path / "public", tmp_path / "elsewhere"
    public.mkdir()
    elsewhere.mkdir()
    (public / "ok.txt").write_text("ok")
    (public / "gone.pdf").symlink_to("slides.pdf")
    (public / "loop").symlink_to("loop")
    (public / "here").symlink_to(".")
    (public / "up").symlink_to("..")
    (public / "away").symlink_to(elsewhere)
    (elsewhere / "back").symlink_to(public)  # through a folder outside, back to public/
    files, warnings = collect_public(public, {"index.html": "home.html"})
    assert files == {"ok.txt": b"ok"}
    loop = "not published: a link to a folder it is in, which would hold itself without end " \
           "(link to the files or folders to publish, not to one above them)"
    assert [str(warning) for warning in warnings] == [
        f"{public / 'gone.pdf'}: not published: the link's target 'slides.pdf' is missing "
        "(restore the file it leads to, or delete the link)",
        f"{public / 'here'}: {loop}",
        f"{public / 'loop'}: not published: a link in a loop of links, which leads to no file "
        "(make it a link to a file or folder, or delete it)",
        f"{public / 'up'}: {loop}",
        f"{public / 'away' / 'back'}: {loop}",
    ]
    static = tmp_path / "static"
    static.mkdir()
    (static / "style.css").write_text("body {}")
    (static / "logo.svg").symlink_to("../logo.svg")
    names, _files, warnings = collect_assets(static)
    assert list(names) == ["style.css"]
    assert [str(warning) for warning in warnings] == [
        f"{static / 'logo.svg'}: not published: the link's target '../logo.svg' is missing "
        "(restore the file it leads to, or delete the link)",
    ]


def test_a_link_in_content_public_out_of_the_project_or_to_a_hidden_file_is_a_warning_not_published(tmp_path):
    """content/ may be a repository others write to: a link in it to a key,
    to the process's environment or to .git/config (where CI keeps its
    token) published that file, and deploy pushed it. Links inside the
    project, to files and folders, are published as before."""
    project, home = tmp_path / "project", tmp_path / "home"
    public = project / "content" / "public"
    public.mkdir(parents=True)
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("PRIVATE KEY")
    (home / "Documents").mkdir()
    (home / "Documents" / "cv.pdf").write_text("%PDF cv")
    (project / ".git").mkdir()
    (project / ".git" / "config").write_text("extraheader = AUTHORIZATION: basic TOKEN")
    (project / ".env").write_text("TOKEN=1")
    (project / "figures").mkdir()
    (project / "figures" / "plot.png").write_bytes(b"\x89PNG")
    (project / "content" / "papers").mkdir()
    (project / "content" / "papers" / "fig.png").write_bytes(b"\x89PNG fig")
    (public / "key.txt").symlink_to(home / ".ssh" / "id_ed25519")
    (public / "ssh").symlink_to("../../../home/.ssh")
    (public / "cv.pdf").symlink_to(home / "Documents" / "cv.pdf")
    (public / "env.txt").symlink_to("/proc/self/environ")
    (public / "git-config").symlink_to("../../.git/config")
    (public / "git").symlink_to("../../.git")
    (public / "dot-env").symlink_to("../../.env")
    (public / "figures").symlink_to("../../figures")
    (public / "fig.png").symlink_to("../papers/fig.png")
    files, warnings = collect_public(public, {"index.html": "home.html"})
    assert files == {"fig.png": b"\x89PNG fig", "figures/plot.png": b"\x89PNG"}
    outside = ("outside the project (copy the file into content/public/ if it is to be published, or delete the "
               "link: a link from a repository others write to could publish any file of this computer, a key or a token)")
    hidden = "which is never published (copy the file into content/public/ if it is to be published, or delete the link)"
    assert [str(warning) for warning in warnings] == [
        f"{public / 'cv.pdf'}: not published: the link's target {str(home / 'Documents' / 'cv.pdf')!r} is {outside}",
        f"{public / 'dot-env'}: not published: the link's target '../../.env' is the hidden file '.env', {hidden}",
        f"{public / 'env.txt'}: not published: the link's target '/proc/self/environ' is {outside}",
        f"{public / 'git'}: not published: the link's target '../../.git' is the hidden folder '.git', {hidden}",
        f"{public / 'git-config'}: not published: the link's target '../../.git/config' is in the hidden folder "
        f"'.git', {hidden}",
        f"{public / 'key.txt'}: not published: the link's target {str(home / '.ssh' / 'id_ed25519')!r} is {outside}",
        f"{public / 'ssh'}: not published: the link's target '../../../home/.ssh' is {outside}",
    ]


def test_a_link_inside_a_content_public_that_is_itself_a_link_out_of_the_project_is_published(tmp_path):
    """content/public/ a link to a folder beside the project (shared by two
    atlases): a link in that folder to a file of its own was "outside the
    project", though all the folder is published through it."""
    project, shared = tmp_path / "project", tmp_path / "shared-public"
    (project / "content").mkdir(parents=True)
    (shared / "pdfs").mkdir(parents=True)
    (shared / "pdfs" / "v3.pdf").write_text("%PDF v3")
    (shared / "latest.pdf").symlink_to("pdfs/v3.pdf")
    (project / "content" / "public").symlink_to("../../shared-public")
    files, warnings = collect_public(project / "content" / "public", {"index.html": "home.html"})
    assert (files, tuple(warnings)) == ({"latest.pdf": b"%PDF v3", "pdfs/v3.pdf": b"%PDF v3"}, ())


@pytest.mark.parametrize(("name", "taken", "hint"), [
    # A page: extend the built-in template, which its block of content lets change.
    ("papers/x/index.html", "/papers/x/index.html", "the site makes it from the template paper.html: to change it, "
     'write a paper.html in your templates_dir that starts {% extends "!paper.html" %} and fills {% block main %}; '
     "docs/templates.md lists the blocks)"),
    # A template of no blocks cannot be extended: copy it.
    ("robots.txt", "/robots.txt", "the site makes it from the template robots.txt: to change it, "
     "copy templates/robots.txt into your templates_dir)"),
    ("papers/x", "/papers/x/", "rename it"),
    ("index.html/x", "/index.html", "rename it"),
    ("search/mine.json", "/search/", "rename it"),
    ("static", "/static/", "rename it"),
    # In another case: on a Mac's or Windows' disk, the same file (STATIC/site.<hash>.js replaced every page's script).
    *((name, taken, "rename it: its name differs from that one only in case, which a Mac's or Windows' disk "
       "does not tell apart)")
      for name, taken in (("STATIC/site.js", "/static/"), ("Index.html", "/index.html"),
                          ("Papers/X/index.html", "/papers/x/index.html"), ("papers/X", "/papers/x/"),
                          ("ROBOTS.TXT/x", "/robots.txt"), ("Search", "/search/"))),
])
def test_a_file_of_content_public_where_the_site_has_its_own_is_an_error(tmp_path, name, taken, hint):
    public = tmp_path / "public"
    (public / name).parent.mkdir(parents=True, exist_ok=True)
    (public / name).write_text("mine")
    with pytest.raises(SourceError, match=re.escape(f"would replace the site's own {taken} ({hint}")):
        collect_public(public, {"index.html": "home.html", "papers/x/index.html": "paper.html", "robots.txt": "robots.txt"})


def test_an_assets_name_no_static_file_has_is_an_error_with_the_closest_name(tmp_path):
    static = tmp_path / "static"
    shutil.copytree(STATIC_DIR, static)
    (static / "extra.css").write_text("body {}")
    assets, _files, _warnings = collect_assets(static, {"lunr.js": LUNR_JS})
    (tmp_path / "404.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n<link href="{{ assets[\'extras.css\'] | url }}">\n{% endblock %}\n'
    )
    site = site_for(paper("x", "Speech synthesis"), config=SiteConfig(templates_dir=tmp_path))
    [missing] = [page for page in site.pages if page.template == "404.html"]
    with pytest.raises(SourceError) as info:
        render_page(make_environment(site.config), missing, assets)
    assert str(info.value) == (
        f"{tmp_path / '404.html'}:3: template error while rendering /404.html: no file 'extras.css' in static/ for "
        "assets (did you mean 'extra.css'? for a file of content/public/, write {{ 'extras.css' | url }}; "
        "for one that may be missing, {% if 'extras.css' in assets %})"
    )
    # A stylesheet that may be there: asked for, it is undefined, as in a dict.
    (tmp_path / "404.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n{% if assets["custom.css"] is defined %}custom{% endif %}'
        '[{{ assets["custom.css"] | default("none") }}]{% if "extra.css" in assets %}extra{% endif %}\n{% endblock %}\n'
    )
    page = render_page(make_environment(site.config), missing, assets).decode()
    assert "[none]extra" in page and "custom" not in page
    # Used in any way, a missing one is told as itself.
    for use in ("{{ assets['extras.css'] }}", "{% if assets['extras.css'] %}x{% endif %}",
                "{{ assets['extras.css'] ~ '?v=1' }}", "{% for x in assets['extras.css'] %}{% endfor %}"):
        (tmp_path / "404.html").write_text('{% extends "base.html" %}\n{% block main %}\n' + use + '\n{% endblock %}\n')
        with pytest.raises(SourceError, match=re.escape(":3: template error while rendering /404.html: no file "
                                                         "'extras.css' in static/ for assets (did you mean 'extra.css'?")):
            render_page(make_environment(site.config), missing, assets)


def test_a_feed_a_template_of_ones_own_makes_malformed_is_an_error_naming_the_template(tmp_path):
    feed = (BUILTIN_TEMPLATES / "feed.xml").read_text()
    assert "</summary>" in feed
    (tmp_path / "feed.xml").write_text(feed.replace("</summary>", "", 1))
    site = site_for(paper("x", "Speech synthesis"), config=SiteConfig(base_url="https://example.org/", templates_dir=tmp_path))
    with pytest.raises(SourceError) as info:
        render_site(make_environment(site.config), site, ASSETS, {})
    assert re.fullmatch(
        re.escape(f"{tmp_path / 'feed.xml'}: template made /") + r"(topics/speech/)?feed\.xml"
        + re.escape(", which is not well-formed XML (mismatched tag: line ") + r"\d+, column \d+"
        + re.escape(", in the page made) (feed readers and search engines refuse it whole; compare your copy with "
                    "templates/feed.xml)"),
        str(info.value),
    ), str(info.value)
    # The built-in feed, as it is, passes.
    (tmp_path / "feed.xml").write_text(feed)
    render_site(make_environment(site.config), site, ASSETS, {})


def test_an_error_in_a_papers_list_item_names_that_paper(tmp_path):
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "paper_item.html").write_text("<li>{{ paper.title }} {{ paper.extra.rating }}</li>\n")
    site = site_for(paper("rated", "A Rated Paper", rating=4), paper("unrated", "An Unrated Paper"),
                    config=SiteConfig(templates_dir=tmp_path))
    with pytest.raises(SourceError) as info:
        render_site(make_environment(site.config), site, ASSETS, {}, workers=1)
    assert re.search(r"template error while rendering /\S* \(the list item of /papers/unrated/\): no key 'rating' here",
                     str(info.value)), str(info.value)
    assert str(info.value).startswith(f"{tmp_path / 'partials' / 'paper_item.html'}:1: ")


def test_a_computed_include_makes_pages_depend_on_every_template_but_not_on_editors_files(tmp_path):
    (tmp_path / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}{% set part = "mine/" ~ "box.html" %}{% include part %}{% endblock %}'
    )
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "box.html").write_text("included by a name made when rendering")
    env = make_environment(SiteConfig(templates_dir=tmp_path))
    before = template_fingerprints(env, {"404.html", "paper.html"})
    # An editor's swap file, a backup and a folder of git: none a template any page includes.
    (tmp_path / "mine" / ".box.html.swp").write_bytes(b"\x00swap")
    (tmp_path / "mine" / "box.html~").write_text("the text before the last save")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "index").write_bytes(b"DIRC")
    assert template_fingerprints(make_environment(SiteConfig(templates_dir=tmp_path)), {"404.html", "paper.html"}) == before
    (tmp_path / "mine" / "box.html").write_text("saved again")
    after = template_fingerprints(make_environment(SiteConfig(templates_dir=tmp_path)), {"404.html", "paper.html"})
    assert after["404.html"] != before["404.html"] and after["paper.html"] == before["paper.html"]


def test_a_template_saved_with_a_byte_order_mark_that_extends_another_is_no_text_outside_the_blocks(tmp_path):
    """Some editors save UTF-8 with a BOM first (Notepad, VS Code's "UTF-8 with
    BOM"): Jinja writes it first on the page, where a browser takes it for
    the page's own BOM, so nothing is shown or lost."""
    (tmp_path / "404.html").write_text('\ufeff{% extends "base.html" %}\n{% block main %}Lost{% endblock %}\n')
    site = site_for(paper("x", "A Paper"), config=SiteConfig(templates_dir=tmp_path))
    assert block_problems(site) == ([], [])
    (tmp_path / "404.html").write_text('\ufeff\n<p>Mine</p>\n{% extends "base.html" %}{% block main %}Lost{% endblock %}')
    assert block_problems(site)[0][0].startswith(f"{tmp_path / '404.html'}:2: text before {{% extends %}}")


def test_text_before_extends_on_its_line_is_told_as_written_above_the_page(tmp_path):
    (tmp_path / "404.html").write_text('<!-- my theme -->{% extends "base.html" %}\n{% block main %}Lost{% endblock %}\n')
    site = site_for(paper("x", "A Paper"), config=SiteConfig(templates_dir=tmp_path))
    (error,) = block_problems(site)[0]
    assert error.startswith(f"{tmp_path / '404.html'}:1: text before {{% extends %}} is written above the page")
    assert render_site(make_environment(site.config), site, ASSETS, {})[0]["404.html"].startswith(b"<!-- my theme -->")
    (tmp_path / "404.html").write_text('{% extends "base.html" %}<p>Mine</p>\n{% block main %}Lost{% endblock %}\n')
    (error,) = block_problems(site)[0]
    assert "is never shown" in error
