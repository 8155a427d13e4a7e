"""Feeds, sitemap, robots.txt and the tags that describe each page to programs."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from functools import partial
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from site_builder import pipeline
from site_builder.config import SiteConfig
from site_builder.feeds import SITEMAP_PROTOCOL_URL_LIMIT, SitemapEntry, as_uri, build_sitemap, split_sitemap
from site_builder.pipeline import Paths, build
from site_builder.site import build_site

ROOT = Path(__file__).resolve().parent.parent
SITE_URL = "https://example.org/atlas/"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("feeds")
    shutil.copytree(ROOT / "content", work / "content")
    build(Paths(content=work / "content", out=work / "_site"), base_url=SITE_URL)
    return work / "_site"


class HeadTags(HTMLParser):
    """The <link>, <meta> and JSON-LD blocks of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self.meta: dict[str, str] = {}
        self.json_ld: list[str] = []
        self._in_json_ld = False

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        if tag == "link":
            self.links.append(attributes)
        elif tag == "meta" and ("name" in attributes or "property" in attributes):
            self.meta[attributes.get("property") or attributes["name"]] = attributes.get("content", "")
        elif tag == "script" and attributes.get("type") == "application/ld+json":
            self._in_json_ld = True
            self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json_ld = False

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld[-1] += data


def head_tags(path: Path) -> HeadTags:
    parser = HeadTags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if p.name != "404.html")


def url_of(site: Path, page: Path) -> str:
    relative = page.relative_to(site).as_posix()
    return SITE_URL + relative.removesuffix("index.html")


def test_site_feed_parses_and_lists_newest_digest_first(site):
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.link == SITE_URL
    assert 0 < len(feed.entries) <= 50
    updated = [entry.updated for entry in feed.entries]
    assert updated == sorted(updated, reverse=True)
    assert updated[0] == "2025-09-10T00:00:00Z"
    assert feed.feed.updated == updated[0]


def test_every_feed_is_updated_when_its_newest_entry_was(site):
    # A paper listed again in a later digest is updated then: its feed must say
    # so, or a reader that goes by the feed's date skips the news.
    feeds = sorted(site.rglob("feed.xml"))
    assert len(feeds) > 5
    again = 0
    for path in feeds:
        feed = feedparser.parse(path.read_bytes())
        updated = [entry.updated for entry in feed.entries]
        assert feed.feed.updated == max(updated), path
        again += max(updated) > max(entry.published for entry in feed.entries)
    assert again  # some feed whose newest news is a paper listed again


def test_feed_entries_carry_absolute_urls_ids_abstract_and_dates(site):
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    ids = [entry.id for entry in feed.entries]
    assert len(set(ids)) == len(ids)
    for entry in feed.entries:
        assert entry.link.startswith(SITE_URL + "papers/") and entry.link.endswith("/")
        assert entry.id == entry.link, "a paper's URL never changes, so it is its id"
        slug = entry.link.removeprefix(SITE_URL + "papers/").strip("/")
        assert (site / "papers" / slug / "index.html").is_file()
        assert len(entry.content[0].value) > 100 and entry.content[0].value.startswith("<p>")
        assert entry.published <= entry.updated


def test_feed_ids_are_the_same_in_every_build(site, tmp_path):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    build(Paths(content=tmp_path / "content", out=tmp_path / "_site"), base_url=SITE_URL)
    assert (tmp_path / "_site" / "feed.xml").read_bytes() == (site / "feed.xml").read_bytes()


def test_every_topic_has_a_feed_of_its_own_papers(site):
    topic_dirs = sorted(p.parent for p in (site / "topics").glob("*/index.html"))
    assert len(topic_dirs) > 20
    for directory in topic_dirs:
        feed = feedparser.parse((directory / "feed.xml").read_bytes())
        assert not feed.bozo, (directory.name, feed.get("bozo_exception"))
        topic_name = feed.feed.title.split(" · ")[0]
        page = (directory / "index.html").read_text(encoding="utf-8")
        assert feed.feed.link == SITE_URL + f"topics/{directory.name}/"
        for entry in feed.entries:
            assert topic_name in {tag.term for tag in entry.tags}
            assert entry.link.removeprefix(SITE_URL) in page


def test_pages_advertise_their_feeds(site):
    home = head_tags(site / "index.html")
    alternates = [link["href"] for link in home.links if link.get("rel") == "alternate"
                  and link.get("type") == "application/atom+xml"]
    assert alternates == ["/atlas/feed.xml"]
    topic = head_tags(site / "topics" / "reasoning" / "index.html")
    alternates = [link["href"] for link in topic.links if link.get("type") == "application/atom+xml"]
    assert alternates == ["/atlas/feed.xml", "/atlas/topics/reasoning/feed.xml"]


def test_sitemap_lists_every_page_but_search_with_absolute_urls(site):
    tree = ET.parse(site / "sitemap.xml")
    locs = [loc.text for loc in tree.getroot().iter(f"{SITEMAP}loc")]
    assert len(locs) == len(set(locs))
    search = site / "search" / "index.html"
    assert sorted(locs) == sorted(url_of(site, page) for page in html_pages(site) if page != search)
    # A form whose results are made in the browser: not for a search engine to list.
    assert '<meta name="robots" content="noindex">' in search.read_text(encoding="utf-8")
    lastmods = {url.find(f"{SITEMAP}loc").text: url.find(f"{SITEMAP}lastmod")
                for url in tree.getroot().iter(f"{SITEMAP}url")}
    assert lastmods[SITE_URL + "dates/2025-03-17/"].text == "2025-03-17"


def test_robots_txt_points_at_the_sitemap(site):
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *" in robots
    assert f"Sitemap: {SITE_URL}sitemap.xml" in robots.splitlines()


def sitemap_entries(count: int) -> tuple[SitemapEntry, ...]:
    # Every third without a lastmod, as pages with no digest date (the home page, search).
    return tuple(
        SitemapEntry(f"{SITE_URL}papers/p{n}/", None if n % 3 == 0 else f"2025-0{1 + n % 9}-1{n % 10}")
        for n in range(count)
    )


def test_a_sitemap_within_the_protocol_limit_stays_one_file():
    config = SiteConfig(base_url=SITE_URL)
    assert SITEMAP_PROTOCOL_URL_LIMIT == 50_000
    assert split_sitemap(config, sitemap_entries(5), limit=6) == ()
    assert split_sitemap(config, sitemap_entries(6), limit=6) == ()  # at the limit: still one file
    assert split_sitemap(config, sitemap_entries(40)) == ()


def test_a_sitemap_past_the_limit_splits_into_parts_that_keep_every_url_once_in_order():
    config = SiteConfig(base_url=SITE_URL)
    entries = sitemap_entries(7)
    parts = split_sitemap(config, entries, limit=3)
    assert [len(part.entries) for part in parts] == [3, 3, 1]
    assert tuple(entry for part in parts for entry in part.entries) == entries
    assert [(part.path, part.url) for part in parts] == [
        (f"sitemap-{n}.xml", f"{SITE_URL}sitemap-{n}.xml") for n in (1, 2, 3)
    ]
    # The newest date of each part (entries 0–2, 3–5, 6); the last part has none known.
    assert [part.lastmod for part in parts] == ["2025-03-12", "2025-06-15", None]
    assert split_sitemap(config, entries, limit=3) == parts, "same entries, same parts"


def test_a_site_past_the_sitemap_limit_builds_an_index_of_parts(site, tmp_path, monkeypatch):
    single = ET.parse(site / "sitemap.xml").getroot()
    every_url = [loc.text for loc in single.iter(f"{SITEMAP}loc")]
    lastmod_of = {url.find(f"{SITEMAP}loc").text: getattr(url.find(f"{SITEMAP}lastmod"), "text", None)
                  for url in single.iter(f"{SITEMAP}url")}
    limit = len(every_url) // 3 + 1  # three parts, the last one shorter
    monkeypatch.setattr(pipeline, "build_site", partial(build_site, sitemap_url_limit=limit))
    shutil.copytree(ROOT / "content", tmp_path / "content")
    report = build(Paths(content=tmp_path / "content", out=tmp_path / "_site"), base_url=SITE_URL)
    out = tmp_path / "_site"

    index = ET.parse(out / "sitemap.xml").getroot()
    assert index.tag == f"{SITEMAP}sitemapindex"
    part_urls = [entry.find(f"{SITEMAP}loc").text for entry in index.iter(f"{SITEMAP}sitemap")]
    assert part_urls == [f"{SITE_URL}sitemap-{n}.xml" for n in (1, 2, 3)]
    listed = []
    for entry, url in zip(index.iter(f"{SITEMAP}sitemap"), part_urls):
        part = ET.parse(out / url.removeprefix(SITE_URL)).getroot()
        assert part.tag == f"{SITEMAP}urlset"
        locs = [loc.text for loc in part.iter(f"{SITEMAP}loc")]
        assert 0 < len(locs) <= limit
        assert all(loc.startswith(SITE_URL) for loc in locs)
        assert entry.find(f"{SITEMAP}lastmod").text == max(lastmod_of[loc] for loc in locs if lastmod_of[loc])
        listed += locs
    assert listed == every_url, "the parts hold the single sitemap's URLs, once each, in its order"
    assert not (out / "sitemap-4.xml").exists()
    assert f"Sitemap: {SITE_URL}sitemap.xml" in (out / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert report.site.counts["sitemap"] == 3 and report.site.counts["sitemap_index"] == 1


def test_a_site_at_the_sitemap_limit_keeps_its_single_sitemap_byte_for_byte(site, tmp_path, monkeypatch):
    count = len(list(ET.parse(site / "sitemap.xml").getroot().iter(f"{SITEMAP}url")))
    monkeypatch.setattr(pipeline, "build_site", partial(build_site, sitemap_url_limit=count))
    shutil.copytree(ROOT / "content", tmp_path / "content")
    build(Paths(content=tmp_path / "content", out=tmp_path / "_site"), base_url=SITE_URL)
    assert (tmp_path / "_site" / "sitemap.xml").read_bytes() == (site / "sitemap.xml").read_bytes()
    assert not (tmp_path / "_site" / "sitemap-1.xml").exists()


def test_a_sitemap_under_a_base_beyond_ascii_gives_uris_and_pages_keep_the_address_as_written(tmp_path):
    # A sitemap's loc must be a URI (RFC 3986): "π" and "bücher" were written as they are.
    shutil.copytree(ROOT / "content", tmp_path / "content")
    build(Paths(content=tmp_path / "content", out=tmp_path / "_site"), base_url="https://bücher.example/π/")
    out = tmp_path / "_site"
    locs = [loc.text for loc in ET.parse(out / "sitemap.xml").getroot().iter(f"{SITEMAP}loc")]
    assert len(locs) > 100
    assert locs[0] == "https://xn--bcher-kva.example/%CF%80/"
    assert all(loc.startswith("https://xn--bcher-kva.example/%CF%80/") and loc.isascii() for loc in locs)
    robots = (out / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "Sitemap: https://xn--bcher-kva.example/%CF%80/sitemap.xml" in robots
    # An HTML link and an Atom feed's links and ids may be IRIs (RFC 4287), which browsers
    # and feed readers encode: they stay as written, and the feeds' ids with them.
    canonical = [link["href"] for link in head_tags(out / "index.html").links if link.get("rel") == "canonical"]
    assert canonical == ["https://bücher.example/π/"]
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.id == "https://bücher.example/π/feed.xml"


def test_the_parts_of_a_long_sitemap_under_a_path_beyond_ascii_are_uris():
    config = SiteConfig(base_url="https://example.org/π/")
    entries = build_sitemap(config, ("", "papers/x/", "papers/y/"), {})
    assert [entry.url for entry in entries] == [
        "https://example.org/%CF%80/", "https://example.org/%CF%80/papers/x/", "https://example.org/%CF%80/papers/y/",
    ]
    parts = split_sitemap(config, entries, limit=2)
    assert [part.url for part in parts] == [f"https://example.org/%CF%80/sitemap-{n}.xml" for n in (1, 2)]


@pytest.mark.parametrize(("url", "uri"), [
    # What a URI may hold stays as it is: "%20" is not encoded again.
    ("https://example.org/~me/my%20atlas/(π)/", "https://example.org/~me/my%20atlas/(%CF%80)/"),
    ("https://bücher.example:8443/atlas/", "https://xn--bcher-kva.example:8443/atlas/"),
    ("/日本/", "/%E6%97%A5%E6%9C%AC/"),
])
def test_a_url_as_a_uri_encodes_only_what_is_beyond_ascii(url, uri):
    assert as_uri(url) == uri


def test_every_page_has_canonical_description_and_open_graph(site):
    for page in html_pages(site):
        tags = head_tags(page)
        canonical = [link["href"] for link in tags.links if link.get("rel") == "canonical"]
        assert canonical == [url_of(site, page)], page
        assert tags.meta["og:url"] == canonical[0]
        assert len(tags.meta["description"]) > 20, page
        assert tags.meta["og:description"] == tags.meta["description"]
        assert tags.meta["og:title"] and tags.meta["og:site_name"] == "Paper Atlas"
        # No image in site.yaml: a small card, and no picture to name.
        assert tags.meta["twitter:card"] == "summary" and "og:image" not in tags.meta
    # Served at any address that has no page: none of its own to name.
    not_found = head_tags(site / "404.html")
    assert "og:url" not in not_found.meta and not [link for link in not_found.links if link.get("rel") == "canonical"]


def site_with_image(tmp_path: Path, image: str, base_url: str) -> tuple[Path, tuple[str, ...]]:
    """A site of one paper whose site.yaml names ``image`` (content/public/img/social.png
    is there), and the warnings of its build."""
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    (content / "papers" / "one.md").write_text("---\ntitle: One\ndates: [2025-03-18]\ntopics: []\n---\n\nAn abstract.\n")
    (content / "public" / "img").mkdir(parents=True, exist_ok=True)
    (content / "public" / "img" / "social.png").write_bytes(b"\x89PNG")
    (content / "site.yaml").write_text(f"title: My Atlas\nimage: {image}\n", encoding="utf-8")
    report = build(Paths(content=content, out=tmp_path / "_site"), base_url=base_url)
    return tmp_path / "_site", tuple(map(str, report.warnings))


def test_a_site_image_is_shared_by_its_full_url_on_every_page_with_a_large_card(tmp_path):
    site, warnings = site_with_image(tmp_path, "img/social.png", SITE_URL)
    assert warnings == ()
    assert (site / "img" / "social.png").read_bytes() == b"\x89PNG"
    for page in (site / "index.html", site / "papers" / "one" / "index.html", site / "404.html"):
        tags = head_tags(page)
        assert tags.meta["og:image"] == "https://example.org/atlas/img/social.png", page
        assert tags.meta["og:image:alt"] == "My Atlas"
        assert tags.meta["twitter:card"] == "summary_large_image"


def test_a_site_image_under_a_bare_path_base_url_is_left_out_with_a_warning_at_its_line(tmp_path):
    site, warnings = site_with_image(tmp_path, "img/social.png", "/atlas/")
    assert warnings == (
        f"{tmp_path / 'content' / 'site.yaml'}:2: image 'img/social.png' is not shown where links are shared: "
        "social sites need the site's full URL (set base_url to it, e.g. base_url: https://user.github.io/atlas/, "
        "or build with --base-url and that URL)",
    )
    tags = head_tags(site / "index.html")
    # A relative og:image is one no social site can fetch: none, and the small card.
    assert "og:image" not in tags.meta and "og:image:alt" not in tags.meta
    assert tags.meta["twitter:card"] == "summary"


def test_a_site_image_at_an_https_address_is_shared_under_any_base_url(tmp_path):
    # Beyond ASCII, as a URI: a social site's crawler need not encode it.
    site, warnings = site_with_image(tmp_path, "https://cdn.example.org/π.png?w=1200", "/atlas/")
    assert warnings == ()
    tags = head_tags(site / "index.html")
    assert tags.meta["og:image"] == "https://cdn.example.org/%CF%80.png?w=1200"
    assert tags.meta["twitter:card"] == "summary_large_image"


@pytest.mark.parametrize("image", ["img/social.svg", "https://cdn.example.org/social.SVG?v=2"])
def test_a_site_image_in_svg_is_named_with_a_warning_that_social_sites_show_none(tmp_path, image):
    (tmp_path / "content" / "public" / "img").mkdir(parents=True)
    (tmp_path / "content" / "public" / "img" / "social.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    site, warnings = site_with_image(tmp_path, image, SITE_URL)
    assert warnings == (
        f"{tmp_path / 'content' / 'site.yaml'}:2: image {image!r} is an SVG, which Facebook, X, LinkedIn and "
        "most chat apps do not show where links are shared (use a PNG or JPEG of it: 1200×630 suits most sites)",
    )
    assert head_tags(site / "index.html").meta["og:image"].endswith(image.split("/")[-1])


def test_a_site_image_file_with_a_space_in_its_name_is_named_by_its_encoded_url(tmp_path):
    content = tmp_path / "content"
    (content / "public").mkdir(parents=True)
    (content / "public" / "my social π.png").write_bytes(b"\x89PNG")
    (content / "site.yaml").write_text("image: my social π.png\n", encoding="utf-8")
    build(Paths(content=content, out=tmp_path / "_site"), base_url="https://bücher.example/atlas/")
    tags = head_tags(tmp_path / "_site" / "index.html")
    assert tags.meta["og:image"] == "https://xn--bcher-kva.example/atlas/my%20social%20%CF%80.png"


def test_paper_pages_describe_a_scholarly_article(site):
    papers = sorted((site / "papers").glob("*/index.html"))
    assert len(papers) == 358
    for page in papers:
        tags = head_tags(page)
        assert len(tags.json_ld) == 1, page
        data = json.loads(tags.json_ld[0])
        assert data["@type"] == "ScholarlyArticle"
        assert data["url"] == url_of(site, page)
        assert tags.meta["og:type"] == "article"
        assert data["headline"] == tags.meta["og:title"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", data["datePublished"])
        assert len(data["abstract"]) >= len(tags.meta["description"].rstrip("…"))


def site_of_one_paper(tmp_path: Path, slug: str, paper_file: str, base_url: str = SITE_URL) -> Path:
    """The site (with a full base_url unless told) of one paper of one's own."""
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    (content / "papers" / f"{slug}.md").write_text(paper_file, encoding="utf-8")
    build(Paths(content=content, out=tmp_path / "_site"), base_url=base_url)
    return tmp_path / "_site"


def test_structured_data_cannot_close_its_script_element(tmp_path):
    site = site_of_one_paper(
        tmp_path, "tricky",
        "---\ntitle: 'Breaking </script><script>alert(1)</script> out'\ndates: [2025-03-18]\n"
        "topics: []\n---\n\nAn abstract that says </script> too.\n",
    )
    page = (site / "papers" / "tricky" / "index.html").read_text(encoding="utf-8")
    block = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(block)["headline"] == "Breaking </script><script>alert(1)</script> out"


def test_a_formula_in_a_feed_is_its_tex_which_every_reader_shows(tmp_path):
    """A reader that drops MathML's tags showed its letters and its TeX run together ("x2x^2")."""
    site = site_of_one_paper(
        tmp_path, "mathy",
        "---\ntitle: A Paper With Math\ndates: [2025-03-18]\ntopics: []\n---\n\n"
        "The loss $x^2 < y$ falls.\n\n$$\n\\frac{a}{b}\n$$\n",
    )
    assert "<math" in (site / "papers" / "mathy" / "index.html").read_text(encoding="utf-8")
    (entry,) = feedparser.parse((site / "feed.xml").read_bytes()).entries
    content = entry.content[0].value
    assert "<math" not in content
    assert "The loss $x^2 &lt; y$ falls." in content and "$$\\frac{a}{b}$$" in content


def test_a_bare_path_base_url_gives_site_relative_links_and_stable_ids(shipped_site):
    bare_path_site = shipped_site  # built by conftest with base_url /atlas/
    feed = feedparser.parse(
        (bare_path_site / "feed.xml").read_bytes(),
        response_headers={"content-location": "https://host/atlas/feed.xml", "content-type": "application/atom+xml"},
    )
    assert not feed.bozo
    entry = feed.entries[0]
    assert entry.link.startswith("https://host/atlas/papers/"), "readers resolve links against the feed"
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", entry.id)
    robots = (bare_path_site / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap:" not in robots, "robots.txt needs an absolute sitemap URL"
    # The sitemap protocol takes full URLs only: no sitemap rather than one search engines refuse.
    assert not (bare_path_site / "sitemap.xml").exists()
    tags = head_tags(bare_path_site / "index.html")
    assert [link["href"] for link in tags.links if link.get("rel") == "canonical"] == ["/atlas/"]
    assert "og:url" not in tags.meta


def test_a_recurring_paper_says_how_many_digests_it_appeared_in(site):
    recurring = single = 0
    for page in sorted((site / "papers").glob("*/index.html")):
        text = page.read_text(encoding="utf-8")
        digests = len(re.findall(r'<a href="/atlas/dates/\d{4}-\d\d-\d\d/"><time', text.split("</header>")[1]))
        match = re.search(r"In (\d+) digests:", text)
        if digests > 1:
            recurring += 1
            assert match and int(match.group(1)) == digests, page
        else:
            single += 1
            assert match is None, page
    assert recurring and single


def test_control_characters_in_a_papers_text_leave_its_feeds_well_formed(tmp_path):
    # Pasted from a PDF or a terminal: characters XML allows in no document.
    # (In front matter, written as an escape, one is an error: see test_config_errors.)
    site = site_of_one_paper(
        tmp_path, "pasted",
        "---\ntitle: Widgets at Scale\ndates: [2025-03-18]\ntopics: []\n---\n\n"
        "An abstract with a bell\x07 and an escape\x1b[0m in it.\n",
    )
    feed = (site / "feed.xml").read_bytes()
    [entry] = ET.fromstring(feed).findall("{http://www.w3.org/2005/Atom}entry")
    assert entry.findtext("{http://www.w3.org/2005/Atom}title") == "Widgets at Scale"
    assert "a bell and an escape[0m in it." in entry.findtext("{http://www.w3.org/2005/Atom}summary")



@pytest.mark.parametrize("base_url", [SITE_URL, "/atlas/"])
def test_a_footnote_in_a_feed_entry_leads_to_the_papers_page_not_the_feed(tmp_path, base_url):
    # Readers resolve a link in an entry's content against the feed: "#fn-…"
    # alone would lead to the feed, where no footnote is.
    site = site_of_one_paper(
        tmp_path, "noted", "---\ntitle: Noted\ndates: [2025-03-18]\ntopics: []\n---\n\nA claim.[^1]\n\n[^1]: A source.\n",
        base_url,
    )
    [entry] = feedparser.parse((site / "feed.xml").read_bytes()).entries
    hrefs = re.findall(r'href="([^"]*)"', entry.content[0].value)
    assert len(hrefs) == 2 and all(href.startswith(base_url + "papers/noted/#fn") for href in hrefs), hrefs
    page = (site / "papers" / "noted" / "index.html").read_text(encoding="utf-8")
    assert all(f'id="{href.split("#")[1]}"' in page for href in hrefs)


@pytest.mark.parametrize("base_url", [SITE_URL, "/atlas/"])
def test_a_link_relative_to_a_papers_page_leads_from_its_feed_entry_where_it_leads_from_the_page(tmp_path, base_url):
    # Readers resolve a link in an entry's content against the feed:
    # "../widgets/" from /atlas/feed.xml is /widgets/, and from a topic's feed
    # /atlas/topics/x/widgets/, neither a page. Both papers are one's own, so
    # their abstracts are Markdown that links as a page of one's own does.
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    (content / "papers" / "widgets.md").write_text(
        "---\ntitle: Widgets\ndates: [2025-03-17]\ntopics: []\n---\n\nWidgets, measured.\n", encoding="utf-8")
    (content / "papers" / "gadgets.md").write_text(
        "---\ntitle: Gadgets\ndates: [2025-03-18]\ntopics: []\n---\n\n"
        "Builds on [widgets](../widgets/), with ![a plot](plot.png), [the dates](/dates/) and "
        "[a search](?q=a&b).\n", encoding="utf-8")
    build(Paths(content=content, out=tmp_path / "_site"), base_url=base_url)
    site = tmp_path / "_site"
    entry = next(entry for entry in feedparser.parse((site / "feed.xml").read_bytes()).entries
                 if entry.title == "Gadgets")
    references = re.findall(r'(?:href|src)="([^"]*)"', entry.content[0].value)
    assert references == [base_url + "papers/widgets/", base_url + "papers/gadgets/plot.png",
                          base_url + "dates/", base_url + "papers/gadgets/?q=a&amp;b"]
