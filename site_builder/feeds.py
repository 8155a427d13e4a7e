"""Atom feeds and the sitemap: the parts of the site read by programs.

Both need absolute URLs, which only a ``base_url`` with a host gives. With a
bare path ("/atlas/") links fall back to site-relative ones, which feed readers
resolve against the feed's own address, and entry ids to ``urn:uuid`` values
derived from that path, so they stay stable as long as ``base_url`` does.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from functools import partial
from html import escape, unescape
from itertools import islice
from typing import TYPE_CHECKING, Iterable, Mapping
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from .config import SiteConfig
from .markup import ADDRESS, has_scheme
from .tex import as_tex

if TYPE_CHECKING:
    from .site import PaperView

# Entries per feed: readers poll often, and a feed of every paper would grow
# without bound (tens of megabytes at 20,000 papers).
FEED_ENTRIES = 50

# sitemaps.org: a sitemap file lists at most 50,000 URLs, and search engines
# refuse a longer one whole (a site of about 46,000 papers has more pages).
SITEMAP_PROTOCOL_URL_LIMIT = 50_000


def absolute_url(config: SiteConfig, path: str) -> str:
    """The full URL of a site path when base_url has a host, else a site-relative one."""
    return url_base(config) + path.lstrip("/")


def url_base(config: SiteConfig) -> str:
    """What :func:`absolute_url` puts before a path (config parses base_url each time)."""
    return config.absolute_base or config.base_path


def as_uri(url: str) -> str:
    """``url`` as a URI (RFC 3986), as a sitemap must give it: a path beyond
    ASCII percent-encoded as UTF-8 ("/π/" → "/%CF%80/") and a host as IDNA
    writes it for DNS ("bücher.example" → "xn--bcher-kva.example"). An
    address in ASCII already (its "%20" too) stays as it is.

    Only where a URI is required: HTML links, and an Atom feed's links and
    ids, may be IRIs (RFC 4287), which browsers and feed readers encode; and
    a feed whose ids changed would show its entries to readers again as new."""
    if url.isascii():
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if not netloc.isascii():  # a host and maybe a port: base_url allows no user name; an IPv6 address is ASCII
        host, colon, port = netloc.partition(":")
        netloc = host.encode("idna").decode("ascii") + colon + port
    # "%" stays as it is: base_url holds it only before two hex digits, as an escape.
    return urlunsplit(parts._replace(netloc=netloc, path=quote(parts.path, safe="/%!$&'()*+,;=:@")))


def stable_id(config: SiteConfig, path: str) -> str:
    if config.absolute_base:
        return absolute_url(config, path)
    return uuid.uuid5(uuid.NAMESPACE_URL, absolute_url(config, path)).urn


def atom_time(date: dt.date) -> str:
    return f"{date.isoformat()}T00:00:00Z"


@dataclass(frozen=True)
class FeedEntry:
    id: str
    url: str
    title: str
    published: str  # first digest date, Atom date-time
    updated: str  # latest digest date
    summary: str
    content_html: str
    topics: tuple[str, ...]


@dataclass(frozen=True)
class Feed:
    path: str  # site path of the feed itself: "feed.xml", "topics/x/feed.xml"
    id: str
    url: str  # absolute (or site-relative) URL of the feed
    page_url: str  # the HTML page the feed follows
    title: str
    updated: str
    entries: tuple[FeedEntry, ...]


# What XML 1.0 allows no document to hold, escaped or not: control
# characters but tab and line ends, and U+FFFE and U+FFFF. One in a paper's
# text (pasted from a PDF or a terminal) would make the whole feed unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text) if not text.isprintable() else text


def entry_html(html: str, url: str) -> str:
    """A paper's HTML for its feed entry: a reader resolves a relative link
    against the feed, not the paper's page ("../other-paper/" from
    /atlas/feed.xml is /other-paper/), so each is resolved against the page
    here (a full address when base_url has a host). A formula is its TeX,
    which every reader shows (not all lay out MathML)."""
    if '="' not in html:
        return html
    return ADDRESS.sub(partial(_from_page, url), as_tex(html))


def _from_page(url: str, found: re.Match[str]) -> str:
    """The address ``found`` resolved against the page at ``url``: on it (a
    footnote's, "#fn-…"), from it ("../other-paper/", "fig.png", as a page
    of one's own links), or from the site's root ("/atlas/img/plot.png")."""
    address = found.group(2)
    if has_scheme(address):
        return found.group(0)
    return f'{found.group(1)}{escape(urljoin(url, unescape(address)))}"'


def build_feed(
    config: SiteConfig, path: str, title: str, page_path: str, papers: Iterable[PaperView]
) -> Feed:
    """A feed of ``papers``, which come newest first; only the first FEED_ENTRIES."""
    dated = list(islice((paper for paper in papers if paper.dates), FEED_ENTRIES))
    entries = tuple(
        FeedEntry(
            id=stable_id(config, paper.url),
            url=absolute_url(config, paper.url),
            title=xml_text(paper.title),
            published=atom_time(paper.dates[0].date),
            updated=atom_time(paper.dates[-1].date),
            summary=xml_text(paper.summary),
            # As text, which the feed escapes as Atom's type="html" wants: as Markup it was written as it is.
            content_html=xml_text(entry_html(str(paper.abstract_html), absolute_url(config, paper.url))),
            topics=tuple(xml_text(topic.name) for topic in paper.topics),
        )
        for paper in dated
    )
    # The newest digest date in the feed, never the clock: same inputs, same bytes.
    newest = max((paper.dates[-1].date for paper in dated), default=dt.date(1970, 1, 1))
    return Feed(
        path=path, id=stable_id(config, path), url=absolute_url(config, path),
        page_url=absolute_url(config, page_path), title=xml_text(title), updated=atom_time(newest),
        entries=entries,
    )


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: str | None


def build_sitemap(
    config: SiteConfig, paths: tuple[str, ...], lastmod: Mapping[str, dt.date]
) -> tuple[SitemapEntry, ...]:
    base = url_base(config)
    return tuple(
        SitemapEntry(as_uri(base + path.lstrip("/")), lastmod[path].isoformat() if path in lastmod else None)
        for path in paths
    )


@dataclass(frozen=True)
class SitemapPart:
    """One file of a sitemap too long for one: ``sitemap-<n>.xml``, listed by
    the sitemap index that ``sitemap.xml`` then is."""

    path: str  # site path: "sitemap-1.xml"
    url: str  # what the index gives as its loc
    lastmod: str | None  # the newest lastmod of its entries, when any is known
    entries: tuple[SitemapEntry, ...]


def split_sitemap(
    config: SiteConfig, entries: tuple[SitemapEntry, ...], limit: int = SITEMAP_PROTOCOL_URL_LIMIT,
) -> tuple[SitemapPart, ...]:
    """The parts of a sitemap of ``entries``, in their order, at most ``limit``
    each; none when all fit in one file, so that a site within the limit keeps
    its single ``sitemap.xml`` (and its bytes) as before."""
    if len(entries) <= limit:
        return ()
    parts = []
    for number, first in enumerate(range(0, len(entries), limit), start=1):
        chunk = entries[first:first + limit]
        path = f"sitemap-{number}.xml"
        # ISO dates compare as strings; an entry without one says nothing of the part's.
        newest = max((entry.lastmod for entry in chunk if entry.lastmod), default=None)
        parts.append(SitemapPart(path, as_uri(absolute_url(config, path)), newest, chunk))
    return tuple(parts)
