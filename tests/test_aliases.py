"""aliases: an old address of a paper, a page of one's own or a topic leads
to its new one: read from the front matter and topics.yaml, checked against
the site's pages, rendered as a redirect page, built, and followed by a browser."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from site_builder.aliases import Alias, alias_url, parse_aliases
from site_builder.config import SiteConfig
from site_builder.errors import BuildErrors, SourceError
from site_builder.markup import make_markdown
from site_builder.pages import parse_page
from site_builder.papers import misspelt_keys, parse_paper
from site_builder.pipeline import Paths, build
from site_builder.render import make_environment, render_page
from site_builder.site import build_site
from site_builder.topics_yaml import parse_taxonomy
from files import snapshot
from small_site import ASSETS, TAXONOMY

ROOT = Path(__file__).resolve().parent.parent
PAPERS = Path("content/papers")
PAPER = "a-benchmark-for-learning-to-translate-a-new-language-from-one-grammar-book"


# -- reading an alias ---------------------------------------------------------


@pytest.mark.parametrize(("written", "folder", "url"), [
    ("/papers/old-slug/", "papers/", "papers/old-slug/"),
    ("/papers/old-slug", "papers/", "papers/old-slug/"),  # a server adds the '/' to a folder's address
    ("old-slug", "papers/", "papers/old-slug/"),  # the file's old name, in its folder
    ("old-slug/", "papers/", "papers/old-slug/"),
    (" old_slug ", "papers/", "papers/old_slug/"),
    ("old-name", "", "old-name/"),  # a page of one's own is at the root
    ("old-slug", "topics/", "topics/old-slug/"),
    ("/notes/2024/reading/", "papers/", "notes/2024/reading/"),  # any address of the site, from its root
    ("/", "", ""),  # the home page's: an error once the site model sees the page there
])
def test_an_alias_is_an_address_from_the_sites_root_or_a_name_in_its_pages_folder(written, folder, url):
    assert alias_url(written, folder, "p.md", 3) == url


@pytest.mark.parametrize(("written", "message"), [
    ("papers/old-slug", "alias 'papers/old-slug' has folders but no leading '/' (write /papers/old-slug/ for an "
     "address from the site's root, or a name alone for one in /papers/ (the file's old name))"),
    ("https://user.github.io/atlas/papers/old/", "alias 'https://user.github.io/atlas/papers/old/' is a full URL "
     "(write the address from the site's root, without its host or base path: /papers/old-name/)"),
    ("//user.github.io/papers/old/", "is a full URL"),
    ("mailto:me@example.org", "is a full URL"),
    ("/papers/old/#results", "alias '/papers/old/#results' has a query or a fragment (write the address alone: "
     "its page answers it with any query)"),
    ("/papers/old/?v=2", "has a query or a fragment"),
    ("/papers/../about/", "alias '/papers/../about/' has '..' between its '/' (write the address as the browser "
     "shows it, one '/' between names)"),
    ("/papers//old/", "has an empty name between its '/'"),
    ("old-slug.md", "alias 'old-slug.md' names a file (write the address of its page, without .md: /papers/old-slug/)"),
    ("/papers/old.html", "names a file (write the address of its page, without .html: /papers/old/)"),
    ("/papers/Old-Slug/", "alias '/papers/Old-Slug/' cannot be an address the site had: 'Old-Slug' is not a name "
     "of one (write it 'old-slug': the site's addresses are in lower case)"),
    ("old slug", "'old slug' is not a name of one (the site's addresses are lower-case letters, digits, '-' and "
     "'_', as its files' names)"),
    ("/static/old/", "alias '/static/old/' is in /static/, which holds the site's own files (choose an address "
     "outside it)"),
    ("", "alias '' is empty (write the address the page had, such as /papers/old-name/, or remove it)"),
])
def test_an_alias_that_is_no_address_of_the_site_is_an_error_with_the_fix(written, message):
    with pytest.raises(SourceError) as raised:
        alias_url(written, "papers/", "content/papers/new.md", 4)
    assert str(raised.value).startswith("content/papers/new.md:4: ") and message in str(raised.value)


def test_a_papers_aliases_are_read_from_its_front_matter_each_once():
    text = "---\ntitle: A Paper\naliases:\n  - old-slug\n  - /papers/old-slug/\n  - /reading/\n---\n\nText.\n"
    paper = parse_paper(text, PAPERS / "new-slug.md")
    assert paper.aliases == (
        Alias("papers/old-slug/", PAPERS / "new-slug.md", 3), Alias("reading/", PAPERS / "new-slug.md", 3),
    )
    assert parse_paper("---\ntitle: A Paper\naliases: old-slug\n---\n", PAPERS / "x.md").aliases[0].url == "papers/old-slug/"
    assert parse_paper("---\ntitle: A Paper\naliases:\n---\n", PAPERS / "x.md").aliases == ()


@pytest.mark.parametrize(("front", "message"), [
    ("aliases: [new-slug]", "content/papers/new-slug.md:3: alias 'new-slug' is this page's own address, "
     "/papers/new-slug/ (an alias is an address the page had before it moved: remove this one)"),
    ("aliases: [/papers/new-slug]", "content/papers/new-slug.md:3: alias '/papers/new-slug' is this page's own address"),
    ("aliases: [2024]", "content/papers/new-slug.md:3: aliases: 2024 was read as a number, which may not be the "
     "alias as written (write it in quotes, as you mean it: aliases: ['3.10'])"),
    ("aliases: {old: slug}", "content/papers/new-slug.md:3: aliases must be a list of text values"),
    ("Aliases: [old]", "content/papers/new-slug.md:3: 'Aliases' is read as a key of your own, not as 'aliases'"),
    ("topics: [speech]\naliases:\n  - old\n  - papers/older", "content/papers/new-slug.md:4: alias 'papers/older' "
     "has folders but no leading '/'"),
])
def test_a_bad_alias_in_a_paper_file_is_an_error_at_its_line(front, message):
    with pytest.raises(SourceError) as raised:
        parse_paper(f"---\ntitle: A Paper\n{front}\n---\n\nText.\n", PAPERS / "new-slug.md")
    assert str(raised.value).startswith(message)


def test_obsidians_other_names_of_a_note_under_aliases_are_names_not_addresses_in_a_paper_file_and_a_page():
    # A vault's paper file from before aliases were addresses: its build stopped at them.
    text = "---\ntitle: A Paper\naliases: [MoE survey, LoRA, C# notes, old-slug, /reading/]\n---\n\nText.\n"
    paper = parse_paper(text, PAPERS / "new-slug.md")
    assert [alias.url for alias in paper.aliases] == ["papers/old-slug/", "reading/"]
    # Each without a '/' is a name a [[link]] finds the note by, one that can be an address too.
    assert paper.names == ("MoE survey", "LoRA", "C# notes", "old-slug")
    assert parse_paper("---\ntitle: A Paper\naliases: MoE survey\n---\n", PAPERS / "x.md").aliases == ()
    page = parse_page("---\ntitle: About\naliases: [About me, who]\n---\n", Path("content/pages/about.md"))
    assert [alias.url for alias in page.aliases] == ["who/"] and page.names == ("About me", "who")
    # What has a '/' or names a file is an address, and still checked.
    for written in ("/papers/Old-Slug/", "Old-Slug.md", "papers/Old"):
        with pytest.raises(SourceError):
            parse_paper(f"---\ntitle: A Paper\naliases: [{written}]\n---\n", PAPERS / "x.md")


def test_obsidians_older_alias_key_is_read_as_aliases_is_in_a_paper_file_and_a_page():
    """'alias:' is Obsidian's older key for a note's other names (its version
    1.4 left it for 'aliases:'): a vault's older notes hold it. It was a key
    of one's own, warned of as 'aliases' misspelt in a paper file, an error
    (an unknown key) in a page."""
    path = PAPERS / "new-slug.md"
    paper = parse_paper("---\ntitle: A Paper\nalias: [MoE survey, old-slug]\naliases: [/reading/]\n---\n", path)
    assert paper.aliases == (Alias("reading/", path, 4), Alias("papers/old-slug/", path, 3))
    assert paper.names == ("MoE survey", "old-slug") and misspelt_keys(paper, of_a_digest=False) == []
    assert parse_paper("---\ntitle: A Paper\nalias: LoRA\n---\n", path).names == ("LoRA",)
    page = parse_page("---\ntitle: About\nalias: [About me, who]\n---\n", Path("content/pages/about.md"))
    assert [alias.url for alias in page.aliases] == ["who/"] and page.names == ("About me", "who")
    for front, message in (
        ("alias: [2024]", "alias: 2024 was read as a number, which may not be the alias as written"),
        ("alias: [papers/old]", "alias 'papers/old' has folders but no leading '/'"),
        ("alias: [new-slug]", "alias 'new-slug' is this page's own address"),
    ):
        with pytest.raises(SourceError) as raised:
            parse_paper(f"---\ntitle: A Paper\n{front}\n---\n", path)
        assert str(raised.value).startswith(f"{path}:3: {message}")


def test_a_pages_aliases_are_names_at_the_root_or_addresses_from_it():
    path = Path("content/pages/about.md")
    page = parse_page("---\ntitle: About\naliases: [about-me, /who/]\n---\n", path)
    assert page.aliases == (Alias("about-me/", path, 3), Alias("who/", path, 3))
    with pytest.raises(SourceError) as raised:
        parse_page("---\ntitle: About\n\naliases: [/about]\n---\n", path)
    assert str(raised.value).startswith("content/pages/about.md:4: alias '/about' is this page's own address, /about/")


TOPICS = (
    "topics:\n"
    "  - slug: speech-and-audio\n"
    "    name: Speech\n"
    "    aliases:\n"
    "      - speech\n"
    "      - /audio/\n"
    "    keywords: {speech: 3}\n"
    "  - {slug: other, name: Other, fallback: true, aliases: [misc]}\n"
)


def test_a_topics_aliases_are_its_old_slugs_each_at_its_line():
    speech, other = parse_taxonomy(TOPICS, "topics.yaml").topics
    assert speech.aliases == (Alias("topics/speech/", "topics.yaml", 5), Alias("audio/", "topics.yaml", 6))
    assert other.aliases == (Alias("topics/misc/", "topics.yaml", 8),)


def test_bad_aliases_of_topics_are_errors_at_their_lines_all_at_once():
    text = TOPICS.replace("      - /audio/\n", "      - /Audio/\n      - speech-and-audio\n      - [x]\n")
    with pytest.raises(BuildErrors) as raised:
        parse_taxonomy(text, "topics.yaml")
    assert [str(error).split(" (")[0] for error in raised.value.errors] == [
        "topics.yaml:6: alias '/Audio/' cannot be an address the site had: 'Audio' is not a name of one",
        "topics.yaml:7: alias 'speech-and-audio' is this page's own address, /topics/speech-and-audio/",
        "topics.yaml:8: each alias must be text, not a list or mapping",
    ]


# -- the site model -----------------------------------------------------------


def paper(name: str, front: str = "", title: str = "") -> object:
    text = f"---\ntitle: {title or name.title()} speech\ndates: [2025-03-18]\n{front}---\n\nAbout speech.\n"
    return parse_paper(text, PAPERS / f"{name}.md")


def site_of(*papers, config: SiteConfig = SiteConfig(), taxonomy=TAXONOMY, own_pages=()):
    return build_site(config, papers, taxonomy, make_markdown(), own_pages=own_pages)


def test_each_alias_is_a_page_that_leads_to_its_papers_and_is_in_no_list():
    site = site_of(paper("new", "aliases: [old, /reading/]\n"), paper("other"), config=SiteConfig(base_url="https://x.org/"))
    aliases = [page for page in site.pages if page.template == "alias.html"]
    assert [(page.url, page.title, dict(page.context)["target"], page.context["title"]) for page in aliases] == [
        ("papers/old/", "New speech", "papers/new/", "New speech"), ("reading/", "New speech", "papers/new/", "New speech"),
    ]
    assert site.counts["alias"] == 2 and [view.slug for view in site.papers] == ["new", "other"]
    (sitemap,) = [page for page in site.pages if page.url == "sitemap.xml"]
    listed = [entry.url for entry in sitemap.context["entries"]]
    assert "https://x.org/papers/new/" in listed and not any("old" in url or "reading" in url for url in listed)


def test_the_aliases_of_a_page_of_ones_own_and_of_a_topic_lead_to_them():
    about = parse_page("---\ntitle: About\naliases: [about-me]\n---\n", Path("content/pages/about.md"))
    taxonomy = parse_taxonomy(TOPICS, "topics.yaml")
    site = site_of(paper("new"), taxonomy=taxonomy, own_pages=[about])
    assert {page.url: page.context["target"] for page in site.pages if page.template == "alias.html"} == {
        "about-me/": "about/", "topics/speech/": "topics/speech-and-audio/", "audio/": "topics/speech-and-audio/",
    }  # not other's misc: no paper is filed there, so it has no page to lead to


def test_a_paper_of_ones_own_renamed_is_filed_where_topics_yaml_names_it_by_the_old_slug_its_aliases_keep():
    """One with no topics: line is filed as the site model is built, not by ingest."""
    taxonomy = parse_taxonomy(
        "topics:\n  - {slug: speech, name: Speech, keywords: {speech: 3}, not_papers: [old]}\n"
        "  - {slug: mine, name: Mine, keywords: {zzz: 3}, papers: [old]}\n", "topics.yaml",
    )
    site = site_of(paper("new", "aliases: [old]\n"), paper("other"), taxonomy=taxonomy)
    assert {view.slug: [topic.slug for topic in view.topics] for view in site.papers} == {
        "new": ["mine"], "other": ["speech"],
    }


@pytest.mark.parametrize(("front", "message"), [
    # Renamed by copying: the old file still makes the page there.
    ("aliases: [other]\n", "content/papers/new.md:4: alias /papers/other/ is the address of the page of papers/other.md "
     "(two pages cannot share an address: remove the alias, or move that page first; if 'other' is another name of "
     "the note, for [[links]], write it with a capital, 'Other': such a name is no address, and a [[link]] finds it "
     "in any case)"),
    ("aliases: [/papers/other/]\n", "content/papers/new.md:4: alias /papers/other/ is the address of the page of "
     "papers/other.md (two pages cannot share an address: remove the alias, or move that page first)"),
    ("aliases: [/topics/]\n", "content/papers/new.md:4: alias /topics/ is the address of the site's own topics page"),
    ("aliases: ['/']\n", "content/papers/new.md:4: alias / is the address of the site's own home page"),
    ("aliases: [/about/]\n", "content/papers/new.md:4: alias /about/ is the address of the page of pages/about.md"),
    ("aliases: [/topics/other/]\n", "content/papers/new.md:4: alias /topics/other/ is the address of topic 'other' of topics.yaml, once a paper has it"),
    ("aliases: [/atlas/papers/old/]\n", "content/papers/new.md:4: alias /atlas/papers/old/ holds the base path /atlas/ "
     "(write /papers/old/: the build puts the base path in front of it)"),
])
def test_an_alias_where_a_page_is_is_an_error_at_its_line(front, message):
    about = parse_page("---\ntitle: About\n---\n", Path("content/pages/about.md"))
    with pytest.raises(SourceError) as raised:
        site_of(paper("new", front), paper("other"), own_pages=[about], config=SiteConfig(base_url="/atlas/"))
    assert str(raised.value).startswith(message)


def test_one_old_address_in_two_files_is_an_error_at_the_second_naming_the_first():
    with pytest.raises(BuildErrors) as raised:
        site_of(paper("one", "aliases: [old, older]\n"), paper("two", "aliases:\n  - /papers/old/\n  - older\n"))
    assert [str(error) for error in raised.value.errors] == [
        f"{PAPERS / 'two.md'}:4: alias /papers/{name}/ is an alias in {PAPERS / 'one.md'}:4 too "
        "(an old address leads to one page: keep it in one aliases: list" + end
        for name, end in (("old", ")"), ("older", "; if 'older' is another name of the note, for [[links]], write it "
                                                 "with a capital, 'Older': such a name is no address, and a [[link]] "
                                                 "finds it in any case)"))
    ]


def test_a_lower_case_name_two_notes_keep_under_aliases_is_an_old_address_of_both_and_the_error_says_to_capitalise():
    """Obsidian's "lora" is a name alone that can be an address: nothing tells
    it from the old name of a file (the build writes /papers/lora/ for it)."""
    one, two = paper("one", "aliases: [lora]\n"), paper("two", "alias: [LoRA, lora]\n")
    with pytest.raises(SourceError) as raised:
        site_of(one, two)
    assert (raised.value.line, raised.value.message) == (4, f"alias /papers/lora/ is an alias in {PAPERS / 'one.md'}:4 too")
    assert "write it with a capital, 'Lora': such a name is no address" in raised.value.hint
    written_so = site_of(one, paper("two", "alias: [LoRA]\n"))
    assert [page.url for page in written_so.pages if page.template == "alias.html"] == ["papers/lora/"]


# -- the page -------------------------------------------------------------------


@pytest.mark.parametrize(("base_url", "canonical"), [
    ("/atlas/", "/atlas/papers/new/"), ("https://user.github.io/atlas/", "https://user.github.io/atlas/papers/new/"),
])
def test_the_page_at_an_old_address_sends_the_browser_on_without_a_script(base_url, canonical):
    config = SiteConfig(base_url=base_url, title="My <Atlas>")
    site = site_of(paper("new", "aliases: [old]\n", title="Tom & Jerry"), config=config)
    (alias,) = [page for page in site.pages if page.template == "alias.html"]
    html = render_page(make_environment(config), alias, ASSETS).decode()
    assert alias.output_path == "papers/old/index.html"
    assert '<meta http-equiv="refresh" content="0; url=/atlas/papers/new/">' in html
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert '<meta name="robots" content="noindex">' in html
    assert '<p>This page has moved to <a href="/atlas/papers/new/">Tom &amp; Jerry speech</a>.</p>' in html
    assert "<title>Tom &amp; Jerry speech · My &lt;Atlas&gt;</title>" in html
    assert "<script" not in html and "style" not in html
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)
    assert "'unsafe-inline'" not in csp and "default-src 'self'" in csp


def test_an_old_address_made_by_an_alias_template_of_ones_own_on_base_html_names_the_new_page(tmp_path):
    """docs/templates.md's way to an old address with the site's header: its
    canonical link and og:url named the old address, which search engines
    were to forget, not the page they were to file in its place."""
    (tmp_path / "alias.html").write_text(
        '{% extends "base.html" %}\n'
        '{% block head %}<meta http-equiv="refresh" content="0; url={{ target | url }}">'
        '<meta name="robots" content="noindex">{% endblock %}\n'
        '{% block main %}<p>Moved to <a href="{{ target | url }}">{{ title }}</a>.</p>{% endblock %}\n'
    )
    config = SiteConfig(base_url="https://user.github.io/atlas/", templates_dir=tmp_path)
    site = site_of(paper("new", "aliases: [old]\n"), config=config)
    (alias,) = [page for page in site.pages if page.template == "alias.html"]
    html = render_page(make_environment(config), alias, ASSETS).decode()
    assert '<link rel="canonical" href="https://user.github.io/atlas/papers/new/">' in html
    assert '<meta property="og:url" content="https://user.github.io/atlas/papers/new/">' in html
    assert "papers/old/" not in html and 'class="site-header"' in html


# -- a build ------------------------------------------------------------------


@pytest.fixture(scope="module")
def renamed_site(tmp_path_factory) -> Path:
    """The shipped content with a paper file renamed, a topic's slug changed
    and a page renamed, each keeping its old address with aliases:, built
    under /atlas/ with a full base URL (for a sitemap)."""
    work = tmp_path_factory.mktemp("renamed")
    content = work / "content"
    shutil.copytree(ROOT / "content", content)
    old = content / "papers" / f"{PAPER}.md"
    text = old.read_text(encoding="utf-8")
    old.unlink()
    (content / "papers" / "mtob.md").write_text(
        text.replace("\n---\n", f"\naliases: [{PAPER}]\n---\n", 1)
        + "\n## Notes\n\nSee [the old address](/papers/mtob/) and [the older one](/papers/" + PAPER + "/).\n",
        encoding="utf-8",
    )
    topics = content / "topics.yaml"
    topics.write_text(
        topics.read_text(encoding="utf-8").replace("  - slug: reasoning\n", "  - slug: thinking\n    aliases: [reasoning]\n", 1),
        encoding="utf-8",
    )
    (content / "pages").mkdir()
    (content / "pages" / "reading.md").write_text("---\ntitle: Reading\naliases: [/to-read/]\n---\n\nMine.\n", encoding="utf-8")
    report = build(Paths(content, work / "_site"), base_url="https://user.github.io/atlas/")
    assert report.warnings == ()  # the note's link to the old address leads somewhere
    return work / "_site"


def test_a_renamed_papers_old_address_redirects_to_its_new_one(renamed_site):
    html = (renamed_site / "papers" / PAPER / "index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=/atlas/papers/mtob/">' in html
    assert '<link rel="canonical" href="https://user.github.io/atlas/papers/mtob/">' in html
    assert "<h1" in (renamed_site / "papers" / "mtob" / "index.html").read_text(encoding="utf-8")
    for old, new in (("topics/reasoning", "topics/thinking"), ("to-read", "reading")):
        assert f'url=/atlas/{new}/"' in (renamed_site / old / "index.html").read_text(encoding="utf-8")


def test_a_renamed_topics_feed_is_at_its_old_address_too(renamed_site):
    """A feed reader asks the address it subscribed to for ever, and follows
    no refresh page: it found the 404 page, and its reader said nothing."""
    feed = (renamed_site / "topics" / "thinking" / "feed.xml").read_bytes()
    assert (renamed_site / "topics" / "reasoning" / "feed.xml").read_bytes() == feed
    assert b'<link rel="self" type="application/atom+xml" href="https://user.github.io/atlas/topics/thinking/feed.xml"/>' in feed


def test_old_addresses_are_in_no_sitemap_search_or_feed(renamed_site):
    outside = [renamed_site / name for name in ("sitemap.xml", "feed.xml", "topics/thinking/feed.xml")]
    outside += sorted((renamed_site / "search").rglob("*.json"))
    for path in outside:
        text = path.read_text(encoding="utf-8")
        assert f"papers/{PAPER}/" not in text and "topics/reasoning/" not in text and "to-read" not in text, path
    sitemap = (renamed_site / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://user.github.io/atlas/papers/mtob/" in sitemap
    assert json.loads((renamed_site / "search" / "manifest.json").read_text(encoding="utf-8"))


def test_a_build_with_aliases_is_the_same_byte_for_byte_each_time(renamed_site, tmp_path):
    content = renamed_site.parent / "content"
    build(Paths(content, tmp_path / "_site"), base_url="https://user.github.io/atlas/", cache=None)
    files = sorted(path.relative_to(renamed_site) for path in renamed_site.rglob("*") if path.is_file())
    assert files == sorted(path.relative_to(tmp_path / "_site") for path in (tmp_path / "_site").rglob("*") if path.is_file())
    assert all((renamed_site / name).read_bytes() == (tmp_path / "_site" / name).read_bytes() for name in files)


def test_a_paper_renamed_with_its_old_slug_kept_is_still_filed_where_topics_yaml_names_it_by_that_slug(tmp_path):
    """topics.yaml's papers: and not_papers: name a paper by its file name.
    Renamed by hand, with the old name kept under aliases:, it was filed by
    the rules alone, and the lists warned that no paper had the slug: it is
    read as that paper, by a build with the cache as by a clean one, and
    the warnings name its slug now."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    topics = content / "topics.yaml"
    topics.write_text(
        topics.read_text(encoding="utf-8")
        .replace("  - slug: agents\n", f"  - slug: agents\n    papers: [{PAPER}]\n", 1)
        .replace("  - slug: evaluation\n", f"  - slug: evaluation\n    not_papers: [{PAPER}]\n", 1),
        encoding="utf-8",
    )
    paths = Paths(content, tmp_path / "_site", cache=tmp_path / ".atlas-cache")
    assert build(paths).warnings == ()
    old, new = content / "papers" / f"{PAPER}.md", content / "papers" / "mtob.md"
    assert "\ntopics: [agents, multilingual]\n" in old.read_text(encoding="utf-8")
    old.rename(new)  # and built before the old name is kept, as a preview builds at each save
    build(paths)
    assert "\ntopics: [multilingual, evaluation]\n" in new.read_text(encoding="utf-8")
    new.write_text(new.read_text(encoding="utf-8").replace("\n---\n", f"\naliases: [{PAPER}]\n---\n", 1), encoding="utf-8")
    report = build(paths)
    assert "\ntopics: [agents, multilingual]\n" in new.read_text(encoding="utf-8")
    lines = topics.read_text(encoding="utf-8").splitlines()
    assert sorted((warning.path, warning.line, warning.message, warning.hint) for warning in report.warnings) == sorted(
        (topics, lines.index(f"    {key}: [{PAPER}]") + 1,
         f"topic {topic!r} {key}: {PAPER!r} is an old slug of 'mtob', kept under the aliases: of its file, so it is "
         "read as that paper", "write 'mtob' here: this list names a paper by its file name")
        for topic, key in (("agents", "papers"), ("evaluation", "not_papers"))
    )
    page = (paths.out / "papers" / "mtob" / "index.html").read_text(encoding="utf-8")
    assert 'href="/topics/agents/"' in page and 'href="/topics/evaluation/"' not in page
    clean = tmp_path / "clean"
    shutil.copytree(content, clean / "content")
    build(Paths(clean / "content", clean / "_site"))
    assert snapshot(paths.out) == snapshot(clean / "_site")


def test_a_file_of_content_public_at_an_old_address_is_an_error_that_says_an_alias_is_there(tmp_path):
    content = tmp_path / "content"
    (content / "digests").mkdir(parents=True)
    (content / "digests" / "2025-03-18.txt").write_text("Daily Papers\n\nMar 18\n\nA Paper\n\nWe study speech.\n")
    (content / "pages").mkdir()
    (content / "pages" / "about.md").write_text("---\ntitle: About\naliases: [who]\n---\n")
    (content / "public" / "who").mkdir(parents=True)
    (content / "public" / "who" / "index.html").write_text("<!doctype html><title>Who</title>")
    with pytest.raises(SourceError) as raised:
        build(Paths(content, tmp_path / "_site"))
    assert str(raised.value) == (
        f"{content / 'public' / 'who' / 'index.html'}: would replace the site's own /who/index.html (an aliases: "
        "list names that address, for the page that moved from there: remove it there, or rename this file)"
    )
    assert not (tmp_path / "_site").exists()


def test_a_new_digest_paper_never_takes_an_address_an_alias_keeps():
    from site_builder.ingest import plan_ingest
    from site_builder.papers import merge_entries
    from site_builder.digest import parse_digest

    digest = parse_digest("Daily Papers\n\nMar 18\n\nOld Slug\n\nA paper on speech.\n", Path("2025-03-18.txt"))
    renamed = "---\ntitle: Another Paper\naliases: [old-slug]\n---\n\nMine.\n"
    plan = plan_ingest(merge_entries([digest]).records, {Path("papers/new.md"): renamed}, Path("papers"), lambda *a: ())
    assert [path.name for path, _text in plan.texts] == ["new.md", "old-slug-2.md"]


def test_ingest_files_a_paper_by_the_old_slugs_its_aliases_keep_but_not_by_another_files_name():
    """An alias at another file's address is an error the site model
    reports; ``build.py ingest`` alone, which builds none, filed the
    paper under that file's topics meanwhile."""
    from site_builder.digest import parse_digest
    from site_builder.ingest import plan_ingest
    from site_builder.papers import merge_entries

    digest = parse_digest("Daily Papers\n\nMar 18\n\nA Paper\n\nOn speech.\n\nOther Paper\n\nOn text.\n", Path("2025-03-18.txt"))
    existing = {
        Path("papers/new.md"): "---\ntitle: A Paper\naliases: [old, other]\n---\n\nOn speech.\n",
        Path("papers/other.md"): "---\ntitle: Other Paper\n---\n\nOn text.\n",
    }
    asked: dict[str, tuple[str, ...]] = {}

    def assign(title: str, abstract: str, slug: str, old_slugs: tuple[str, ...]) -> tuple[str, ...]:
        asked[slug] = old_slugs
        return ()

    plan = plan_ingest(merge_entries([digest]).records, existing, Path("papers"), assign)
    assert asked == {"new": ("old",), "other": ()} and plan.renamed == (("old", "new"),)


@pytest.mark.browser
def test_a_browser_at_an_old_address_lands_on_the_new_page(browser, renamed_site, serve_site):
    base = serve_site(renamed_site)
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        for old, new, heading in (
            (f"papers/{PAPER}/", "papers/mtob/", "A Benchmark for Learning to Translate"),
            ("topics/reasoning/", "topics/thinking/", "Reasoning"), ("to-read/", "reading/", "Reading"),
        ):
            page.goto(base + old)
            page.wait_for_url(base + new)
            assert heading in page.locator("h1").inner_text()
    finally:
        context.close()
    assert errors == []
