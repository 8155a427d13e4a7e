"""Obsidian's inline tags, "#idea" in a note: found as Obsidian finds them,
tags as those of front matter are, linked to their pages, and rebuilt as a
clean build builds them."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from site_builder.config import SiteConfig
from site_builder.inline_tags import inline_tags_of
from site_builder.markup import make_markdown
from site_builder.pages import OwnPage
from site_builder.papers import Paper
from site_builder.pipeline import Paths, build
from site_builder.preview import Preview
from site_builder.search import search_documents
from site_builder.site import build_site
from files import snapshot
from small_site import TAXONOMY
from test_tags import paper, render, site_for, tag_index

ROOT = Path(__file__).resolve().parent.parent
MARKDOWN = make_markdown()


def tags_in(text: str) -> tuple[str, ...]:
    return inline_tags_of(MARKDOWN(text))


@pytest.mark.parametrize("text, tags", [
    ("#idea", ("idea",)),  # opening a line: a heading needs a space after its '#'
    ("An #idea, a #to-read. And #project/llm!", ("idea", "to-read", "project/llm")),
    ("Words\n#idea", ("idea",)),
    ("#snake_case #y1984 #2024-01 #idée #日本語", ("snake_case", "y1984", "2024-01", "idée", "日本語")),
    ("- [ ] #todo\n\n> #quote\n\n| a |\n|---|\n| #cell |\n\n## Setup #idea", ("todo", "quote", "cell", "idea")),
    ("Footnote.[^1]\n\n[^1]: On #rlhf.", ("rlhf",)),
])
def test_a_hash_at_a_line_start_or_after_a_space_followed_by_a_name_is_a_tag(text, tags):
    assert tags_in(text) == tags


@pytest.mark.parametrize("text", [
    "# Idea", "## Idea", "#1 and #2024", "#", "# ", "#-", "#/", "#_",  # a heading; numbers; no name
    "C#idea, x#y, (#paren), **#bold**",  # not after a space
    "`#code`", "```\n#fenced\n```", "    #indented", "$#x$ and $$#y$$",  # code, math
    "https://x.org/#frag", "<https://x.org/#a>", "[see #x](https://x.org/)", "[x](https://x.org/ '#t')",  # links
    "[[a#heading]]", "[[a #b]]", "[[a|shown #c]]", "![[a #d]]", "![alt #z](p.png)",  # wikilinks, embeds, images
    "%% #hidden %%", "<!-- #hidden -->", "%%\n#hidden\n%%", "<!--\n#hidden\n-->",  # comments
    "\\#escaped", "&#35;entity", "#🎉",
])
def test_no_tag_where_obsidian_sees_none(text):
    assert tags_in(text) == ()


def test_a_tag_ends_at_punctuation_or_a_space():
    assert tags_in("#idea's #a&b #c.d #e:f #g(h) #i") == ("idea", "a", "c", "e", "g", "i")


def test_a_tag_ends_before_a_slash_it_ends_with():
    # "#project/" was the tag "project/", besides "project", at /tags/project-2/.
    assert tags_in("#project/ #project/llm/, #a//. #b/c") == ("project", "project/llm", "a", "b/c")
    assert MARKDOWN("See #project/ here.") == '<p>See <a class="tag-inline">#project</a>/ here.</p>\n'


def note(slug: str, notes: str, *, tags=None, abstract: str = "An abstract.", day: int = 18) -> Paper:
    base = paper(slug, tags=tags, day=day)
    return Paper(
        base.slug, base.title, base.dates, None, (), abstract, notes, base.extra, base.path, key_lines=base.key_lines,
    )


def test_a_papers_tags_are_its_front_matters_then_those_of_its_text_each_once_folded_as_tags_are():
    site = site_for(
        note("a", "On #rlhf and #Read_later, #idea; #project/llm, #RLHF again.", tags=["Read later", "z"]),
        note("b", "#idea"),
    )
    (view,) = [view for view in site.papers if view.slug == "a"]
    assert [(tag.name, tag.url) for tag in view.tags] == [
        ("Read later", "tags/read-later/"), ("z", "tags/z/"), ("rlhf", "tags/rlhf/"), ("idea", "tags/idea/"),
        ("project/llm", "tags/project-llm/"),
    ]
    assert tag_index(site) == [
        ("idea", "idea", 2), ("project-llm", "project/llm", 1), ("read-later", "Read later", 1),
        ("rlhf", "rlhf", 1), ("z", "z", 1),
    ]


def test_an_inline_tag_links_its_page_as_its_pill_does_whatever_address_its_spelling_would_have():
    # "C" and "c" are one tag, "C++" another whose slug would be "c-plus-plus".
    site = site_for(note("a", "On #C and #c-plus-plus.", tags=["C++", "c plus plus"]), note("b", "", tags=["c"]))
    html = render(site)["papers/a/index.html"]
    links = re.findall(r'<a href="([^"]*)" class="tag-inline">([^<]*)</a>', html)
    pills = {text: href for href, text in re.findall(r'<a class="tag user-tag" href="([^"]*)">#([^<]*)</a>', html)}
    assert links == [("/tags/c/", "#C"), ("/tags/c-plus-plus-2/", "#c-plus-plus")]
    assert pills["c plus plus"] == "/tags/c-plus-plus-2/" and pills["C++"] == "/tags/c-plus-plus/"
    # Read back from the page as from the renderer's HTML: the preview compares a saved note's with them.
    assert inline_tags_of(str(site.papers[0].notes_html)) == ("C", "c-plus-plus")


def test_a_digests_abstract_holds_no_tags_a_papers_own_abstract_does_and_a_page_links_those_papers_have():
    listed = note("listed", "", abstract="An #aside in text the digest gave.")
    own = note("own", "", abstract="My #aside.")
    site = build_site(
        SiteConfig(), (listed, own), TAXONOMY, make_markdown(),
        {dt.date(2025, 3, 18): (listed.key,)},
        own_pages=(OwnPage("about", "About", "", False, "On #aside and #none.", Path("content/pages/about.md")),),
    )
    tagged = [(view.slug, [tag.name for tag in view.tags]) for view in site.papers]
    assert tagged == [("listed", []), ("own", ["aside"])]
    html = render(site)
    assert "An #aside in text" in html["papers/listed/index.html"]
    assert '<a href="/tags/aside/" class="tag-inline">#aside</a>' in html["papers/own/index.html"]
    assert 'On <a href="/tags/aside/" class="tag-inline">#aside</a> and #none.' in html["about/index.html"]


def test_inline_tags_are_searched_as_the_front_matters_are():
    site = site_for(note("a", "On #idea."), note("b", "", tags=["idea"]))
    documents = {doc.slug: doc for doc in search_documents(site.papers)}
    assert documents["a"].tags == documents["b"].tags


# -- builds --------------------------------------------------------------------


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path


def add_note(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n## Notes\n\n{text}\n", encoding="utf-8")


def test_a_build_makes_a_page_for_a_tag_written_in_a_note_and_an_incremental_one_is_a_clean_ones_bytes(work):
    paths = Paths(content=work / "content", out=work / "site", cache=work / ".atlas-cache")
    build(paths)
    first, second = sorted(paths.papers.glob("*.md"))[:2]
    add_note(first, "A #Fresh-idea for #later.")
    add_note(second, "Also a #fresh_idea.")
    build(paths)
    site = snapshot(paths.out)
    index = site["tags/index.html"].decode()
    listed = re.findall(r'<li><a href="/tags/([^/]*)/">#([^<]*)</a>', index)
    assert listed == [("fresh-idea", "Fresh-idea"), ("later", "later")]
    assert f'href="/papers/{first.stem}/"' in site["tags/fresh-idea/index.html"].decode()
    assert f'href="/papers/{second.stem}/"' in site["tags/fresh-idea/index.html"].decode()
    shown = site[f"papers/{second.stem}/index.html"].decode()
    assert '<a href="/tags/fresh-idea/" class="tag-inline">#fresh_idea</a>' in shown
    assert '<li><a href="/tags/fresh-idea/">#Fresh-idea</a>' in site["index.html"].decode()
    clean = work / "clean-content"
    shutil.copytree(paths.content, clean)
    build(Paths(content=clean, out=work / "clean"), workers=1)
    assert site == snapshot(work / "clean")


def test_a_note_saved_with_a_new_tag_in_the_preview_is_built_in_full_and_one_without_renders_its_page_alone(work):
    paths = Paths(content=work / "content", out=work / "site", cache=work / ".atlas-cache")
    preview = Preview(paths, log=lambda line: None)
    assert preview.build()
    note_path = sorted(paths.papers.glob("*.md"))[0]
    text = note_path.read_text(encoding="utf-8")
    note_path.write_text(text + "\n## Notes\n\nA #idea.\n", encoding="utf-8")
    assert preview.build(("paper",), (note_path,))
    assert len(preview.last.rendered + preview.last.later) > 1  # the tag's page, the index, the home page
    note_path.write_text(text + "\n## Notes\n\nA good #idea.\n", encoding="utf-8")
    assert preview.build(("paper",), (note_path,))
    assert preview.last.rendered == (f"papers/{note_path.stem}/index.html",)
    shown = preview.output.files[preview.last.rendered[0]].decode()
    assert '<a href="/tags/idea/" class="tag-inline">#idea</a>' in shown
    note_path.write_text(text + "\n## Notes\n\nA good idea.\n", encoding="utf-8")
    assert preview.build(("paper",), (note_path,))
    assert len(preview.last.rendered + preview.last.later) > 1
    preview.finish()
    clean = work / "clean"
    build(Paths(paths.content, clean), cache=None)
    assert snapshot(paths.out) == snapshot(clean)


def test_a_note_saved_writing_again_a_tag_it_has_renders_its_page_alone_as_a_build_does(work):
    """Its tags are the same, each once, named as first written: the
    notes-only rebuild compared every mention and rebuilt the site."""
    paths = Paths(content=work / "content", out=work / "site", cache=work / ".atlas-cache")
    note_path = sorted(paths.papers.glob("*.md"))[0]
    text = note_path.read_text(encoding="utf-8")
    note_path.write_text(text + "\n## Notes\n\nA #idea.\n", encoding="utf-8")
    preview = Preview(paths, log=lambda line: None)
    assert preview.build()
    note_path.write_text(text + "\n## Notes\n\nA #idea, and #Idea again.\n", encoding="utf-8")
    assert preview.build(("paper",), (note_path,))
    assert preview.last.rendered == (f"papers/{note_path.stem}/index.html",)
    shown = preview.output.files[preview.last.rendered[0]].decode()
    assert '<a href="/tags/idea/" class="tag-inline">#Idea</a>' in shown
    preview.finish()
    clean = work / "clean"
    build(Paths(paths.content, clean), cache=None)
    assert snapshot(paths.out) == snapshot(clean)
