"""Tags and stars of one's own: a page per tag of the papers' ``tags:`` keys,
the tags index, the starred page, and the links that lead to them."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from site_builder.config import SiteConfig
from site_builder.markup import make_markdown
from site_builder.errors import SourceError
from site_builder.papers import Paper, misspelt_keys, parse_paper
from site_builder.pipeline import Paths, build, make_site
from site_builder.render import make_environment, render_site
from site_builder.site import build_site
from files import snapshot
from small_site import ASSETS, TAXONOMY

ROOT = Path(__file__).resolve().parent.parent


def paper(slug: str, title: str = "", *, tags=None, starred: bool = False, day: int = 18, topics=None) -> Paper:
    """A paper file content/papers/<slug>.md whose tags: key is on line 5."""
    extra = (("tags", tags),) if tags is not None else ()
    extra += (("starred", True),) if starred else ()
    return Paper(
        slug, title or slug.title(), (dt.date(2025, 3, day),), topics, (), "An abstract.", "", extra,
        Path(f"content/papers/{slug}.md"), key_lines=(("title", 2), ("dates", 3), ("tags", 5)),
    )


def site_for(*papers: Paper, config: SiteConfig = SiteConfig()):
    return build_site(config, papers, TAXONOMY, make_markdown())


def pages_of(site, template: str):
    return [page for page in site.pages if page.template == template]


def render(site) -> dict[str, str]:
    files, _rendered = render_site(make_environment(site.config), site, ASSETS, {})
    return {path: data.decode() for path, data in files.items()}


def tag_index(site) -> list[tuple[str, str, int]]:
    (index,) = pages_of(site, "tags.html")
    return [(tag.slug, tag.name, tag.count) for tag in index.context["tags"]]


def user_pills(html: str) -> list[tuple[str, str | None, bool]]:
    """The user-tag pills of ``html``: (text, link or None, marked as the current page)."""
    return [
        (text, href or None, bool(current))
        for _tag, href, current, text in re.findall(
            r'<(a|span) class="tag user-tag"(?: href="([^"]*)")?( aria-current="true")?>([^<]*)</\1>', html
        )
    ]


# -- the model -----------------------------------------------------------------


def test_spellings_that_make_one_address_are_one_tag_named_as_most_papers_spell_it():
    site = site_for(paper("a", tags=["Read later"]), paper("b", tags=["read-later"]), paper("c", tags="read-later"))
    assert tag_index(site) == [("read-later", "read-later", 3)]
    # Every paper shows the tag by that name, whatever its own file says.
    assert {view.slug: [(tag.name, tag.url) for tag in view.tags] for view in site.papers} == {
        slug: [("read-later", "tags/read-later/")] for slug in "abc"
    }
    (page,) = pages_of(site, "tag.html")
    assert (page.url, page.title) == ("tags/read-later/", "#read-later")


@pytest.mark.parametrize("titles", [("Alpha", "Beta"), ("Beta", "Alpha")])
def test_spellings_used_by_as_many_papers_give_the_first_in_sorted_order_whatever_the_papers_order(titles):
    site = site_for(paper("a", titles[0], tags=["read-later"]), paper("b", titles[1], tags=["Read later"]))
    assert tag_index(site) == [("read-later", "Read later", 2)]


def test_a_paper_naming_a_tag_twice_shows_it_once_where_first_written_and_counts_once():
    site = site_for(paper("a", tags=["rlhf", "later", "RLHF", "rlhf"]), paper("b", tags=["RLHF"]))
    by_slug = {view.slug: [tag.name for tag in view.tags] for view in site.papers}
    # Named as most papers spell it: "RLHF" and "rlhf" once each, and then A–Z.
    assert by_slug == {"a": ["RLHF", "later"], "b": ["RLHF"]}
    assert tag_index(site) == [("later", "later", 1), ("rlhf", "RLHF", 2)]


def test_the_tags_index_sorts_tags_by_name_whatever_their_case_and_counts_the_starred_papers():
    site = site_for(
        paper("a", tags=["beta"], starred=True), paper("b", tags=["Alpha", "gamma"]), paper("c", tags=["beta", 2024]),
    )
    assert tag_index(site) == [("2024", "2024", 1), ("alpha", "Alpha", 1), ("beta", "beta", 2), ("gamma", "gamma", 1)]
    (index,) = pages_of(site, "tags.html")
    assert index.context["starred_count"] == 1
    html = render(site)["tags/index.html"]
    items = [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in re.findall(r"<li\b.*?</li>", html, re.S)]
    assert items == ["★ Starred 1 paper", "#2024 1 paper", "#Alpha 1 paper", "#beta 2 papers", "#gamma 1 paper"]


def test_a_tag_page_and_the_starred_one_list_papers_as_a_topic_page_does_fifty_to_a_page():
    papers = [
        paper(f"p{i:02}", f"Speech paper {i:02}", tags=["long"], starred=True, day=1 + i % 20, topics=("speech",))
        for i in range(60)
    ]
    site = site_for(*papers)
    topic, tag, starred = (pages_of(site, template) for template in ("topic.html", "tag.html", "starred.html"))
    assert [page.url for page in tag] == ["tags/long/", "tags/long/page/2/"]
    assert [page.url for page in starred] == ["starred/", "starred/page/2/"]
    assert [page.title for page in tag] == ["#long", "#long · page 2"]
    assert [page.title for page in starred] == ["Starred", "Starred · page 2"]
    for listed in (tag, starred):
        assert [page.context["papers"] for page in listed] == [page.context["papers"] for page in topic]
        assert [(p.number, p.pages, p.first, p.last, p.total) for p in (page.context["pagination"] for page in listed)] == [
            (1, 2, 1, 50, 60), (2, 2, 51, 60, 60),
        ]
    newest_first = [view.dates[-1].date for page in tag for view in page.context["papers"]]
    assert newest_first == sorted(newest_first, reverse=True)
    html = render(site)
    assert 'href="/tags/long/page/2/" rel="next"' in html["tags/long/index.html"]
    assert 'href="/starred/page/2/" rel="next"' in html["starred/index.html"]


def test_tags_that_slugify_alike_are_two_tags_with_two_addresses():
    """The slug was the tag: "C" and "C++" were one, shown as "#C++" on both
    papers, as were two long tags cut at 80 characters and two Chinese words
    spelt alike in pinyin."""
    long = "efficient long-context language modeling methods for transformer architectures: "
    site = site_for(
        paper("a", "Alpha", tags=["C++", "#rlhf"]), paper("b", "Beta", tags=["C#", "c++"]),
        paper("c", "Gamma", tags=["C", "a/b", "a.b", "a-b-2"]), paper("d", "Delta", tags=[long + "sparse attention", "实验"]),
        paper("e", "Epsilon", tags=[long + "linear attention", "时延"]),
    )
    slugs = {name: slug for slug, name, _count in tag_index(site)}
    assert {name: slugs[name] for name in ("C", "C++", "C#", "rlhf", "a/b", "a.b", "a-b-2", "实验", "时延")} == {
        "C": "c", "C++": "c-plus-plus", "C#": "c-sharp", "rlhf": "rlhf",
        "a.b": "a-b", "a/b": "a-b-3", "a-b-2": "a-b-2",  # numbered past every slug a tag has of its own
        "实验": "shi-yan", "时延": "shi-yan-2",
    }
    assert slugs[long + "sparse attention"] != slugs[long + "linear attention"]
    assert len(set(slugs.values())) == len(slugs)
    # Each paper shows its own tags, by name.
    assert {view.slug: [tag.name for tag in view.tags] for view in site.papers}["b"] == ["C#", "C++"]


def test_a_tag_with_no_letters_an_address_can_hold_is_addressed_by_a_hash_of_it():
    site = site_for(paper("b", "Alpha", tags=["🔥", "rlhf"]), paper("a", "Zeta", tags=["!!", "🔥", "ꦗꦮ"]))
    index = {name: (slug, count) for slug, name, count in tag_index(site)}
    assert index["🔥"][1] == 2 and index["rlhf"] == ("rlhf", 1)
    assert all(re.fullmatch(r"tag-[0-9a-f]{8}", index[name][0]) for name in ("🔥", "!!", "ꦗꦮ"))
    assert len({slug for slug, _count in index.values()}) == 4
    again = site_for(paper("a", "Zeta", tags=["🔥"]))
    assert tag_index(again)[0][0] == index["🔥"][0], "the same text, the same address"
    html = render(site)
    assert user_pills(html["papers/b/index.html"]) == [
        ("#🔥", f"/tags/{index['🔥'][0]}/", False), ("#rlhf", "/tags/rlhf/", False),
    ]


def test_a_long_tag_is_cut_with_a_hash_so_that_its_address_fits_a_file_name_and_stays_its_own(tmp_path):
    """Uncut, a 300-character tag stopped the build: "File name too long"."""
    long = "reinforcement learning from human feedback " * 7
    site = site_for(paper("a", tags=[long, long + "again", "强化学习" * 10]))
    slugs = [slug for slug, _name, _count in tag_index(site)]
    assert len(set(slugs)) == 3 and all(len(slug) <= 80 for slug in slugs)
    assert all(re.fullmatch(r"[a-z0-9-]+-[0-9a-f]{8}", slug) for slug in slugs)
    content = shutil.copytree(ROOT / "content", tmp_path / "content")
    path = sorted((content / "papers").glob("*.md"))[0]
    path.write_text(path.read_text().replace("\n---\n", f"\ntags: ['{long}']\n---\n", 1))
    build(Paths(content, tmp_path / "site"), workers=1)
    assert len(list((tmp_path / "site" / "tags").glob("*/index.html"))) == 1


def test_one_text_in_two_unicode_forms_is_one_tag_and_separators_alone_are_none():
    import unicodedata

    site = site_for(
        paper("a", tags=[unicodedata.normalize("NFD", "café"), "-", "_", "# #"]), paper("b", tags=["Café"]),
    )
    assert [(slug, count) for slug, _name, count in tag_index(site)] == [("cafe", 2)]


def test_a_tag_written_with_its_hash_mark_is_the_tag_and_a_blank_one_is_none():
    site = site_for(paper("a", tags=["#rlhf", "  ", "#"]), paper("b", tags="RLHF"))
    assert tag_index(site) == [("rlhf", "RLHF", 2)]  # on a tie, the first in sorted order


def test_a_tag_ending_with_a_slash_is_the_tag_without_it_as_an_inline_one_is():
    site = site_for(paper("a", tags=["project/", "project/llm//", "/"]), paper("b", tags=["project"]))
    assert tag_index(site) == [("project", "project", 2), ("project-llm", "project/llm", 1)]


def test_obsidians_older_tag_key_is_read_as_tags_is_beside_it_in_the_files_order():
    """'tag:' is Obsidian's older key for a note's tags (its version 1.4 left
    it for 'tags:', as 'alias:' for 'aliases:'): a vault's older notes hold
    it. It was a key of one's own, warned of as 'tags' misspelt, and tagged
    nothing."""
    path = Path("content/papers/a.md")
    both = parse_paper("---\ntitle: A\ntag: [read-later, RLHF]\ntags: [rlhf, moe]\n---\n", path)
    alone = parse_paper("---\ntitle: B\ntag: read-later\n---\n", path.with_name("b.md"))
    assert misspelt_keys(both, of_a_digest=False) == misspelt_keys(alone, of_a_digest=False) == []
    site = site_for(both, alone)
    assert {view.slug: [tag.name for tag in view.tags] for view in site.papers} == {
        "a": ["read-later", "RLHF", "moe"], "b": ["read-later"],
    }
    assert tag_index(site) == [("moe", "moe", 1), ("read-later", "read-later", 2), ("rlhf", "RLHF", 1)]
    # Each checked at its own line, as itself.
    for front, line, message in (
        ("tag: [2024]\ntags: [moe]", 3, "tag: 2024 was read as a number, which may not be the tag as written"),
        ("tags: [moe]\ntag: [[a]]", 4, "tag must be a list of text values, not [['a']]"),
    ):
        with pytest.raises(SourceError) as raised:
            parse_paper(f"---\ntitle: A\n{front}\n---\n", path)
        assert str(raised.value).startswith(f"{path}:{line}: {message}")


@pytest.mark.parametrize("tags", [None, [], "#", [" "]])
def test_a_site_without_tags_or_stars_has_no_tag_pages_and_no_links_to_them(tags):
    site = site_for(paper("a", tags=tags), paper("b"))
    assert not [page for page in site.pages if page.url.startswith(("tags/", "starred/"))]
    assert not {"tag", "tags", "starred"} & set(site.counts)
    for path, html in render(site).items():
        assert 'href="/tags/' not in html and 'href="/starred/' not in html, path


def test_tag_and_starred_pages_are_in_the_sitemap_as_topic_pages_are_and_have_no_feeds():
    papers = [paper(f"p{i:02}", tags=["long"], starred=i == 0) for i in range(51)]
    site = site_for(*papers, config=SiteConfig(base_url="https://example.org/atlas/"))
    (sitemap,) = pages_of(site, "sitemap.xml")
    listed = [entry.url for entry in sitemap.context["entries"]]
    base = "https://example.org/atlas/"
    for url in ("topics/other/", "tags/", "tags/long/", "tags/long/page/2/", "starred/"):
        assert base + url in listed, url
    assert [page.url for page in pages_of(site, "feed.xml")] == ["topics/other/feed.xml", "feed.xml"]


def test_drafts_tags_and_stars_are_left_out(tmp_path):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    first, second = sorted((tmp_path / "content" / "papers").glob("*.md"))[:2]
    for path, front in ((first, "tags: [shared, drafted]\nstarred: true\ndraft: true\n"), (second, "tags: [shared]\n")):
        path.write_text(path.read_text(encoding="utf-8").replace("\n---\n", f"\n{front}---\n", 1), encoding="utf-8")
    site = make_site(Paths(tmp_path / "content", tmp_path / "out"), workers=1).site
    assert tag_index(site) == [("shared", "shared", 1)]
    assert not pages_of(site, "starred.html")
    (index,) = pages_of(site, "tags.html")
    assert index.context["starred_count"] == 0


# -- the pages -----------------------------------------------------------------


def test_a_papers_tags_link_their_pages_and_its_star_the_starred_papers():
    site = site_for(paper("a", tags=["Read later", "rlhf"], starred=True), config=SiteConfig(base_url="/atlas/"))
    page = render(site)["papers/a/index.html"]
    assert user_pills(page) == [("#Read later", "/atlas/tags/read-later/", False), ("#rlhf", "/atlas/tags/rlhf/", False)]
    assert '<a class="tag user-tag" href="/atlas/tags/read-later/">#Read later</a>' in page
    # After the title, so that the heading reads "A Starred", not "Starred A".
    assert (
        '<h1>A&nbsp;<a class="star" href="/atlas/starred/" title="Starred">'
        '<span aria-hidden="true">★</span><span class="visually-hidden">Starred</span></a></h1>'
    ) in page


def test_list_items_show_the_tags_after_the_topics_and_a_tag_page_marks_its_own():
    site = site_for(paper("a", tags=["rlhf", "later"], topics=("speech",)), paper("b", tags=["rlhf"], topics=("speech",)))
    html = render(site)
    topic = html["topics/speech/index.html"]
    first_item = re.search(r'<li class="paper-item">.*?</li>', topic, re.S).group(0)
    assert re.search(r'href="/topics/speech/"[^>]*>Speech</a> <a class="tag user-tag" href="/tags/rlhf/"', first_item)
    assert user_pills(topic) == [("#rlhf", "/tags/rlhf/", False), ("#later", "/tags/later/", False), ("#rlhf", "/tags/rlhf/", False)]
    assert user_pills(html["tags/rlhf/index.html"]) == [
        ("#rlhf", "/tags/rlhf/", True), ("#later", "/tags/later/", False), ("#rlhf", "/tags/rlhf/", True),
    ]
    assert user_pills(html["tags/later/index.html"]) == [("#rlhf", "/tags/rlhf/", False), ("#later", "/tags/later/", True)]
    tag_page = html["tags/rlhf/index.html"]
    assert '<p class="crumbs"><a href="/tags/">Tags</a> /</p>' in tag_page
    assert '<h1>#rlhf&nbsp;<span class="count">2 papers</span></h1>' in tag_page
    assert "<title>#rlhf · Paper Atlas</title>" in tag_page


def test_a_starred_papers_list_item_has_a_star_after_its_title_named_for_a_screen_reader():
    site = site_for(paper("a", "Alpha", starred=True, topics=("speech",)), paper("b", "Beta", topics=("speech",)))
    topic = render(site)["topics/speech/index.html"]
    titles = dict(re.findall(r'<h3 class="paper-title"><a href="/papers/(\w)/">.*?</a>(.*?)</h3>', topic))
    assert titles == {
        "a": '&nbsp;<span class="star"><span aria-hidden="true">★</span><span class="visually-hidden">Starred</span></span>',
        "b": "",
    }


def test_the_home_page_links_the_tags_and_the_starred_papers_when_there_are_some():
    def sidebar(*papers: Paper) -> str:
        html = render(site_for(*papers))["index.html"]
        found = re.search(r'<section aria-labelledby="tags-heading">.*?</section>', html, re.S)
        return " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split()) if found else ""

    # The tags themselves, most papers first: "All 2 tags" alone named none of them.
    tagged = (paper("a", tags=["x", "y"], starred=True), paper("b", tags=["y"]))
    assert sidebar(*tagged) == "Your tags ★ Starred 1 paper #y 2 papers #x 1 paper"
    assert sidebar(paper("a", tags=["x"])) == "Your tags #x 1 paper"
    assert sidebar(paper("a", starred=True)) == "Your tags ★ Starred 1 paper"
    # Past ten, the others are a link away.
    many = [f"t{n:02}" for n in range(12)]
    shown = sidebar(paper("a", tags=many), paper("b", tags=many[5:]))
    assert shown == "Your tags " + " ".join(
        [f"#{tag} 2 papers" for tag in many[5:]] + [f"#{tag} 1 paper" for tag in many[:3]]
    ) + " All 12 tags →"
    assert sidebar(paper("a")) == ""
    html = render(site_for(paper("a", tags=["x"], starred=True)))["index.html"]
    assert 'href="/tags/"' in html and 'href="/starred/"' in html


def header_nav(html: str) -> list[tuple[str, str, str]]:
    """The header's links: (text, link, its aria-current or "")."""
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
    return re.findall(r'<a href="([^"]*)"(?: aria-current="([^"]*)")?>([^<]*)</a>', nav)


@pytest.mark.parametrize("tagged", [paper("a", tags=["x"]), paper("a", starred=True)], ids=["tag", "star"])
def test_the_header_links_the_tags_index_after_dates_marked_on_the_tag_and_starred_pages(tagged):
    """The tag pages were reached from the home page's sidebar and a paper's pills only."""
    html = render(site_for(tagged, config=SiteConfig(base_url="/atlas/")))
    current = {path: {text: mark for _href, mark, text in header_nav(page)} for path, page in html.items() if path.endswith(".html")}
    assert [text for _href, _mark, text in header_nav(html["index.html"])] == ["Papers", "Topics", "Dates", "Tags"]
    assert ("/atlas/tags/", "", "Tags") in header_nav(html["papers/a/index.html"])
    assert current["tags/index.html"]["Tags"] == "page"
    for path in ("tags/x/index.html", "starred/index.html"):
        if path in current:
            assert current[path]["Tags"] == "true", path
    assert all(marks["Tags"] == "" for path, marks in current.items() if not path.startswith(("tags/", "starred/")))


def test_the_tag_templates_can_be_replaced_from_templates_dir(tmp_path):
    for name, shown in (("tag.html", "{{ tag.name }}"), ("tags.html", "{{ tags | length }}"), ("starred.html", "{{ pagination.total }}")):
        (tmp_path / name).write_text('{% extends "base.html" %}{% block main %}MINE ' + shown + "{% endblock %}")
    site = site_for(paper("a", tags=["rlhf"], starred=True), config=SiteConfig(templates_dir=tmp_path))
    html = render(site)
    assert "MINE rlhf" in html["tags/rlhf/index.html"]
    assert "MINE 1" in html["tags/index.html"] and "MINE 1" in html["starred/index.html"]


# -- a whole build -------------------------------------------------------------


def test_a_paper_with_an_empty_tags_list_and_no_star_changes_no_byte_of_the_site(tmp_path):
    """The shipped site has no tags: building it gives no tag pages and no
    links to any, and a paper saying it has none changes nothing."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    build(Paths(tmp_path / "content", tmp_path / "before"), workers=1)
    before = snapshot(tmp_path / "before")
    assert not [path for path in before if path.startswith(("tags/", "starred/"))]
    for path, data in before.items():
        assert b'href="/tags/' not in data and b'href="/starred/' not in data, path
    some = sorted((tmp_path / "content" / "papers").glob("*.md"))[5]
    some.write_text(some.read_text(encoding="utf-8").replace("\n---\n", "\ntags: []\nstarred: false\n---\n", 1), encoding="utf-8")
    build(Paths(tmp_path / "content", tmp_path / "after"), workers=1)
    assert snapshot(tmp_path / "after") == before
