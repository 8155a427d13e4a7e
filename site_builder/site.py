"""The site model: every page's URL, template and context, computed in memory.

``build_site`` is a pure function of the papers, the taxonomy and the
configuration. It decides what pages exist and what each shows; rendering and
writing happen later, elsewhere.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter
from types import MappingProxyType
from typing import Any, Callable, Collection, Iterable, Mapping, Sequence

from markupsafe import Markup

from .aliases import ALIAS_TEMPLATE, check_aliases
from .charts import build_topic_chart, build_topics_overview, column_counts, columns_for
from .config import SiteConfig
from .errors import SourceError, raise_if_any
from .feeds import SITEMAP_PROTOCOL_URL_LIMIT, Feed, build_feed, build_sitemap, split_sitemap
from .inline_tags import MAY_HOLD_A_TAG, inline_tags_of, tag_addresses, with_tag_addresses
from .markup import UNDER_THE_TITLE, html_to_text, make_markdown, tex_quotes, under_base, with_heading_ids
from .pages import OwnPage
from .pagination import paginate, title_list_pages
from .papers import Memo, Paper, digest_abstract, no_memo
from .related import WordCounts, related_indices, word_counts
from .tags import TagLink, gather_tags, tag_key
from .topics import Taxonomy, assign_topics, unknown_topic
from .wikilinks import (
    LinkTarget, embed_targets, embedded_names, heading_id, linked_names, wikilink_targets, with_embedded_images,
    with_link_targets,
)


@dataclass(frozen=True)
class TopicView:
    slug: str
    name: str
    description: str
    url: str
    count: int


@dataclass(frozen=True)
class TopicLink:
    """A topic as a paper shows it. Without the topic's count, a paper's page
    stays the same (and is not rendered again) when its topic grows."""

    slug: str
    name: str
    url: str


@dataclass(frozen=True)
class DateLink:
    """A digest date as a paper shows it (see TopicLink)."""

    date: dt.date
    url: str
    # Formatted once: list pages show each date tens of thousands of times.
    iso: str = field(init=False)
    label: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "iso", self.date.isoformat())
        object.__setattr__(self, "label", f"{self.date:%b} {self.date.day}, {self.date.year}")


@dataclass(frozen=True)
class DateView(DateLink):
    count: int


@dataclass(frozen=True)
class MonthView:
    key: str  # "2025-03"
    label: str  # "March 2025"
    url: str
    dates: tuple[DateView, ...]
    count: int  # different papers: one in two of the month's digests counts once


@dataclass(frozen=True)
class PaperView:
    slug: str
    title: str
    url: str
    dates: tuple[DateLink, ...]
    topics: tuple[TopicLink, ...]
    links: tuple[str, ...]
    abstract_html: Markup  # see __post_init__
    notes_html: Markup
    extra: Mapping[str, Any]
    summary: str  # plain text, for lists and meta descriptions
    abstract_text: str  # the whole abstract on one line, without headings: for structured data and search results
    listed: bool = True  # some digest lists it (else it is one of the user's own papers)
    tags: tuple[TagLink, ...] = ()  # its tags: key, each with its page: paper_item gets the paper alone
    source: str = ""  # its file, from the content directory: "papers/x.md"

    def __post_init__(self) -> None:
        # HTML, which a template of one's own writes as such with or without
        # "| safe" (as text, autoescaping showed its tags).
        object.__setattr__(self, "abstract_html", as_markup(self.abstract_html))
        object.__setattr__(self, "notes_html", as_markup(self.notes_html))


def as_markup(html: str) -> Markup:
    """HTML we made, as Jinja's type for HTML that needs no escaping. Python
    code that joins one to text (+, %, format, replace, and a regular
    expression's sub, which joins its pieces so) escapes the text: what reads
    it as text (feeds, the links check, html_to_text for search) takes str()
    of it first. One given as Markup is kept, not copied: the digests'
    abstracts are made so (make_digest_text), one copy in memo and view."""
    return html if isinstance(html, Markup) else Markup(html)


@dataclass(frozen=True)
class NavLink:
    """A page of one's own in the header (its front matter says nav: true)."""

    title: str
    url: str


@dataclass(frozen=True)
class Page:
    url: str  # relative to the site root: "" (home), "papers/x/", "404.html"
    template: str
    context: Mapping[str, Any]
    title: str = ""

    @property
    def output_path(self) -> str:
        return self.url + "index.html" if self.url == "" or self.url.endswith("/") else self.url

    @property
    def kind(self) -> str:
        return self.template.rsplit(".", 1)[0]


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    pages: tuple[Page, ...]
    papers: tuple[PaperView, ...]  # A–Z
    topics: tuple[TopicView, ...]
    dates: tuple[DateView, ...]  # newest first
    counts: Mapping[str, int] = field(default_factory=dict)  # pages per template
    unused_topics: tuple[TopicView, ...] = ()  # of topics.yaml, that no paper has
    # Where a wikilink's name leads: its page's address and title (see wikilinks.py).
    link_targets: Mapping[str, LinkTarget] = field(default_factory=dict)
    # The names under aliases: of several papers or pages, which lead to none
    # of them: each with their file names, for the links check.
    shared_link_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The names under aliases: that lead to one paper or page, as written,
    # for the links check to suggest the one a wikilink to no page meant.
    other_link_names: tuple[str, ...] = ()
    # Where an embed's file name or path finds an image of content/public/ (see wikilinks.py).
    embedded_images: Mapping[str, str] = field(default_factory=dict)


HOME_LATEST_PAPERS = 10  # the latest digest's papers on the home page; its date page has all
HOME_TAGS = 10  # the tags the home page lists, those with most papers; /tags/ has all

_HEADING = re.compile(r"<h[1-6]\b.*?</h[1-6]>", re.S)
# The footnotes after a text.
_FOOTNOTES = re.compile(r'<hr class="footnotes-sep" />\s*<section class="footnotes">.*?</section>', re.S)


def summarize(flat: str, limit: int = 220) -> str:
    """The start of ``flat`` (text whose whitespace is single spaces), cut after a word."""
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


def shown_markdown(
    html: str, base_path: str, link_targets: Mapping[str, LinkTarget], page_ids: Iterable[str],
    shown_above: str = "", *, tag_urls: Mapping[str, str] = MappingProxyType({}),
    embedded_images: Mapping[str, str] = MappingProxyType({}), title_heading: str | None = None,
) -> str:
    """Rendered Markdown as its page shows it: its wikilinks led to their
    ``link_targets`` (:attr:`Site.link_targets`), and those to the heading
    the page shows as its title (``title_heading``, its id) to its top, its inline tags to the
    pages of ``tag_urls`` (by tag_key), its embeds of an image of
    ``embedded_images`` (:attr:`Site.embedded_images`) showing it, its
    addresses from the site's root under the base path, and its headings
    with ids that none of ``page_ids`` (those the page's templates write)
    nor the ids of ``shown_above`` (a text above it on the page) has."""
    led = with_tag_addresses(with_link_targets(html, link_targets, title_heading), tag_urls)
    shown = with_embedded_images(led, embedded_images)
    return with_heading_ids(under_base(shown, base_path), page_ids, shown_above)


def inline_tags_of_paper(p: Paper, render_markdown: Callable[[str], str], listed: bool) -> tuple[str, ...]:
    """The tags written in the text of ``p``'s that is the user's: its notes,
    and the abstract of a paper no digest lists (``listed``), all of its file
    one's own. Found in its rendered Markdown, where the renderer marked them."""
    texts = (p.notes,) if listed else (p.abstract, p.notes)
    return tuple(
        tag for text in texts if "#" in text and MAY_HOLD_A_TAG.search(text)
        for tag in inline_tags_of(render_markdown(text))
    )


def _paper_view(
    p: Paper, dates: tuple[DateLink, ...], topics: tuple[TopicLink, ...], render_markdown: Callable[[str, str], str],
    render_digest_text: Callable[[str], Markup | None] | None = None, listed: bool = True,
    tags: tuple[TagLink, ...] = (),
) -> PaperView:
    """``render_markdown(text, shown_above)``: see :func:`shown_markdown`."""
    abstract_html = render_digest_text(p.abstract) if render_digest_text else None
    if abstract_html is None:
        abstract_html = render_markdown(p.abstract, "")
    # A digest's abstract is summed up by its first version, as the digest
    # wrote it; any other by the text its Markdown shows, not its markup.
    first_version = render_digest_text and digest_abstract(p.abstract)
    if first_version:
        flat = " ".join(tex_quotes(first_version).split())
    else:
        # Without its footnotes, the text's asides, which would follow its
        # last sentence. As str: see as_markup.
        shown = str(abstract_html)
        shown = _FOOTNOTES.sub("", shown) if "footnotes-sep" in shown else shown
        flat = html_to_text(shown)
        # Without its headings: "## Idea" then "Is bold." would read "Idea Is bold."
        if "<h" in shown:
            flat = html_to_text(_HEADING.sub("", shown)) or flat
    return PaperView(
        slug=p.slug, title=p.title, url=f"papers/{p.slug}/", dates=dates, topics=topics, links=p.links,
        abstract_html=abstract_html,
        # Below the abstract: its headings' ids are taken.
        notes_html=render_markdown(p.notes, str(abstract_html)) if p.notes else "",
        extra=MappingProxyType(dict(p.extra)),
        summary=summarize(flat),
        abstract_text=flat,
        listed=listed,
        tags=tags,
        source=f"papers/{p.path.name}",
    )


def listed_in(digest_order: Mapping[dt.date, tuple[str, ...]]) -> frozenset[str]:
    """The title keys of the papers some digest lists: their abstracts are
    the digests' text, not Markdown."""
    return frozenset(key for keys in digest_order.values() for key in keys)


def in_title_order(papers: Iterable[Paper]) -> list[Paper]:
    return sorted(papers, key=attrgetter("sort_key"))


# What a paper's related papers are found from: its title and abstract.
RelatedSource = tuple[str, str]
Related = tuple[tuple[int, ...], ...]


def related_sources(papers: Iterable[Paper]) -> list[RelatedSource]:
    """What :func:`build_site` asks related papers for, in its order. Pairs
    of the papers' own strings, not texts made of them: a rebuild compares
    them with the last build's by pointer and hashes none of them again."""
    return [(p.title, p.abstract) for p in in_title_order(papers)]


def source_word_counts(source: RelatedSource) -> WordCounts:
    """The words related papers are found from: the title twice (its words
    say more about the paper than the abstract's), then the abstract."""
    title, abstract = source
    return word_counts(f"{title}\n{title}\n{abstract}")


def find_related_papers(sources: Sequence[RelatedSource]) -> Related:
    return related_indices(sources, count_words=source_word_counts)


def build_site(
    config: SiteConfig,
    papers: Iterable[Paper],
    taxonomy: Taxonomy,
    render_markdown: Callable[[str], str],
    digest_order: Mapping[dt.date, tuple[str, ...]] = MappingProxyType({}),
    find_related: Callable[[Sequence[RelatedSource]], Related] = find_related_papers,
    memo: Memo = no_memo,
    render_digest_text: Callable[[str], Markup | None] | None = None,
    views_made: Callable[[tuple[PaperView, ...]], None] = lambda views: None,
    sitemap_url_limit: int = SITEMAP_PROTOCOL_URL_LIMIT,
    own_pages: Sequence[OwnPage] = (),
    render_page_markdown: Callable[[str], str] | None = None,
    ids_of_template: Callable[[str], tuple[str, ...]] = lambda template: (),
    published: Callable[[], Collection[str]] = lambda: (),
) -> Site:
    """Compute every page. ``digest_order`` gives, per date, the title keys in the
    order the digests listed them, so date pages keep the digest's ranking.
    ``find_related`` maps each paper's title and abstract to the indices of its
    related papers (a rebuild passes a memoised one). ``memo`` keeps a
    paper's view between rebuilds while it is unchanged: besides the work,
    that makes the page contexts of a rebuild share objects with the last
    one's, so telling which pages changed is mostly comparing pointers.
    ``render_digest_text`` renders the abstract of a paper the digests list
    (None: as Markdown, like every abstract and note; see
    :func:`~site_builder.markup.make_digest_text`). ``views_made`` is given
    the paper views, in the site's order, before related papers are asked
    for (the pipeline starts the search index there, while a child process
    may still be finding them). ``sitemap_url_limit`` is the most URLs one
    sitemap file lists (tests lower it rather than build 50,000 pages).
    ``own_pages`` are the pages of content/pages/, each at its name, its
    body rendered by ``render_page_markdown``: Markdown as notes are, its
    headings nested under the page's title rather than under a section's
    (None: by a renderer made here, ``make_markdown(UNDER_THE_TITLE)``).
    ``ids_of_template`` gives the ids a template writes on its pages
    (:func:`~site_builder.render.template_ids`): the headings of what is
    shown on them take none of them. ``published`` gives the paths in
    content/public/ of the files the build publishes, asked for only when
    some text has an embed (``![[plot.png]]``), which may show one."""
    # A–Z first: the lists below are stable sorts of this order.
    papers = in_title_order(papers)
    errors: list[SourceError] = []
    paper_topics: dict[str, tuple[str, ...]] = {}
    for paper in papers:
        slugs = paper.topics if paper.topics is not None else assign_topics(
            taxonomy, paper.title, paper.abstract, paper.slug, paper.old_slugs
        )
        for slug in slugs:
            if taxonomy.get(slug) is None:
                errors.append(unknown_topic(slug, taxonomy, paper.path, paper.line_of("topics")))
        paper_topics[paper.slug] = slugs
    raise_if_any(errors)

    # Each topic's papers newest first, then A–Z, as its page lists them:
    # one stable sort of all papers rather than one per topic.
    newest_first = sorted(papers, key=lambda p: p.dates[-1] if p.dates else dt.date.min, reverse=True)
    by_topic: dict[str, list[Paper]] = defaultdict(list)
    for paper in newest_first:
        for slug in paper_topics[paper.slug]:
            by_topic[slug].append(paper)
    listed_keys = listed_in(digest_order)
    # In the same order: a tag's page and the starred one list papers as a topic's does.
    tags = gather_tags(newest_first, {
        p.slug: found for p in papers if (found := inline_tags_of_paper(p, render_markdown, p.key in listed_keys))
    })
    by_date: dict[dt.date, list[Paper]] = defaultdict(list)
    for paper in papers:
        for date in paper.dates:
            by_date[date].append(paper)

    topic_views = {
        t.slug: TopicView(t.slug, t.name, t.description, f"topics/{t.slug}/", len(by_topic[t.slug]))
        for t in taxonomy.topics
    }
    date_views = {
        d: DateView(d, f"dates/{d.isoformat()}/", len(by_date[d])) for d in sorted(by_date)
    }
    topic_links = {t.slug: TopicLink(t.slug, t.name, t.url) for t in topic_views.values()}
    date_links = {d.date: DateLink(d.date, d.url) for d in date_views.values()}
    in_digests = listed_keys if render_digest_text else frozenset()

    paper_ids = ids_of_template("paper.html")
    # Only where something is written with one: at 20,000 papers the map
    # holds 3.4 MB, twice over in the preview while it rebuilds.
    writes_wikilinks = any("[[" in p.notes or "[[" in p.abstract for p in papers) or any(
        "[[" in own.body_below_title for own in own_pages
    )
    # The pages whose first heading, repeating their title, they show as their title.
    headed_by_title = {own.name for own in own_pages if own.body_below_title != own.body}
    link_targets, shared_link_names, other_link_names = wikilink_targets(
        ((p.slug, p.title, p.names) for p in papers), ((own.name, own.title, own.names) for own in own_pages),
        headed_by_title,
    ) if writes_wikilinks else ({}, {}, ())
    # "![[" holds "[[": only a site with wikilinks is looked at again.
    writes_embeds = writes_wikilinks and (
        any("![[" in p.notes or "![[" in p.abstract for p in papers)
        or any("![[" in own.body_below_title for own in own_pages)
    )
    embedded_images = embed_targets(published()) if writes_embeds else {}

    def render_here(tag_urls: Mapping[str, str], text: str, shown_above: str) -> str:
        return shown_markdown(
            render_markdown(text), config.base_path, link_targets, paper_ids, shown_above,
            tag_urls=tag_urls, embedded_images=embedded_images,
        )

    def view_of_paper(p: Paper, slugs: tuple[str, ...]) -> PaperView:
        dates = tuple(date_links[d] for d in p.dates)
        paper_tags = tags.links.get(p.slug, ())
        return _paper_view(
            p, dates, tuple(topic_links[slug] for slug in slugs), partial(render_here, tag_addresses(paper_tags)),
            render_digest_text if p.key in in_digests else None, p.key in listed_keys, paper_tags,
        )

    views = []
    topic_names: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}
    for p in papers:
        slugs = paper_topics[p.slug]
        names = topic_names.get(slugs)
        if names is None:
            names = topic_names[slugs] = tuple((slug, topic_links[slug].name) for slug in slugs)
        # Everything the view is made of: its links follow from the dates and
        # the topics' slugs and names. Extra by repr, where 1, 1.0 and True
        # differ. Its tags as well as its extra: a tag is named as most papers
        # spell it. The base path, for the addresses from the root in its Markdown;
        # the page's ids, which its headings take none of; where its
        # wikilinks lead, and the titles they show, which are other papers';
        # the images its embeds find, which content/public/ may gain or lose.
        linked = tuple((name, link_targets.get(name)) for name in (*linked_names(p.abstract), *linked_names(p.notes)))
        embedded = tuple(
            (name, embedded_images.get(name)) for name in (*embedded_names(p.abstract), *embedded_names(p.notes))
        )
        key = (
            "paper-view", p.slug, p.title, p.abstract, p.notes, p.links, repr(p.extra), p.dates, names,
            p.key in in_digests, p.key in listed_keys, tags.links.get(p.slug, ()), config.base_path, paper_ids, linked,
            embedded,
        )
        views.append(memo(key, partial(view_of_paper, p, slugs)))
    view_of = {v.slug: v for v in views}

    digest_lists: dict[dt.date, tuple[PaperView, ...]] = {}

    def in_digest_order(date: dt.date) -> tuple[PaperView, ...]:
        if date not in digest_lists:
            rank = {key: i for i, key in enumerate(digest_order.get(date, ()))}
            # Stable: papers a digest did not rank stay A–Z after those it did.
            ordered = sorted(by_date[date], key=lambda p: rank.get(p.key, len(rank)))
            digest_lists[date] = tuple(view_of[p.slug] for p in ordered)
        return digest_lists[date]

    dates_newest = tuple(reversed(date_views.values()))
    topics_used = tuple(topic_views[t.slug] for t in taxonomy.topics if by_topic[t.slug])
    # Named on the topics page: a topic just added whose keywords match nothing
    # would otherwise be nowhere, as if it had not been read.
    topics_unused = tuple(topic_views[t.slug] for t in taxonomy.topics if not by_topic[t.slug])
    months = _months(dates_newest, by_date)
    pages: list[Page] = []
    # Given to every HTML page, not a template global: a page's context is
    # what tells a rebuild to render it again, and those show the header
    # (feeds, sitemaps and robots.txt do not, and are not rendered again).
    nav = tuple(NavLink(own.title, own.url) for own in own_pages if own.nav)
    # The header links the tags index only when there is one: a site without
    # tags or stars keeps the header, and every page, as they were.
    has_tags = bool(tags.tags or tags.starred)

    def page(url: str, template: str, page_title: str, /, **context: Any) -> None:
        shown = {**context, "nav": nav, "has_tags": has_tags} if template.endswith(".html") else context
        pages.append(Page(url, template, MappingProxyType(shown), page_title))

    def paged(url: str, template: str, name: str, listed: tuple[PaperView, ...], /, **context: Any) -> None:
        """A list of papers in pages of TOPIC_PAGE_SIZE, the first at ``url``."""
        for part in paginate(url, len(listed)):
            page(part.url, template, part.title(name), **context, papers=listed[part.first - 1:part.last], pagination=part)

    # The newest date a digest has: a paper of one's own dated later is no digest.
    latest = next((date for date in dates_newest if date.date in digest_order), None)
    site_feed = build_feed(
        config, "feed.xml", config.title, "",
        (paper for date in dates_newest for paper in in_digest_order(date.date) if paper.dates[-1].date == date.date),
    )
    page(
        "", "home.html", "",
        latest=latest,
        # A taste of the latest digest: all of it (60 papers in the shipped
        # one) put the topics and dates 20,000 pixels down on a phone.
        latest_papers=in_digest_order(latest.date)[:HOME_LATEST_PAPERS] if latest else (),
        # In topics.yaml's order, as the topics page: its author groups them
        # (and puts the catch-all last), where most papers first shuffled
        # them with every digest and listed them unlike the topics page.
        topics=topics_used,
        recent_dates=dates_newest[: config.home_recent_dates],
        paper_count=len(views),
        date_count=len(dates_newest),
        tag_count=len(tags.tags),
        top_tags=tuple(sorted(tags.tags, key=lambda t: (-t.count, t.name.casefold(), t.name)))[:HOME_TAGS],
        starred_count=len(tags.starred),
    )
    papers_at = len(pages)  # the paper pages go here, once their related papers are known
    for part, groups, letters in title_list_pages(papers, views):
        page(part.url, "papers.html", part.title("All papers"), papers=views[part.first - 1:part.last], pagination=part, groups=groups, letters=letters)
    columns = columns_for(tuple(reversed(dates_newest)))
    counts = {topic.slug: column_counts(columns, (p.dates for p in by_topic[topic.slug])) for topic in topics_used}
    page("topics/", "topics.html", "Topics", topics=topics_used, unused_topics=topics_unused,
         overview=build_topics_overview(topics_used, columns, counts))
    topic_feeds: dict[str, Feed] = {}
    for topic in topics_used:
        topic_papers = tuple(view_of[p.slug] for p in by_topic[topic.slug])
        feed = topic_feeds[topic.slug] = build_feed(
            config, f"{topic.url}feed.xml", f"{topic.name} · {config.title}", topic.url, topic_papers,
        )
        chart = build_topic_chart(topic.name, columns, counts[topic.slug], len(topic_papers))
        paged(topic.url, "topic.html", topic.name, topic_papers, topic=topic, feed=feed, chart=chart)
        page(feed.path, "feed.xml", feed.title, feed=feed)
    page(site_feed.path, "feed.xml", site_feed.title, feed=site_feed)
    page("dates/", "dates.html", "Dates", months=months)
    for index, month in enumerate(months):  # newest first, as the dates
        page(month.url, "month.html", month.label, month=month,
             days=tuple((d, in_digest_order(d.date)) for d in month.dates),
             newer=months[index - 1] if index > 0 else None,
             older=months[index + 1] if index + 1 < len(months) else None)
    month_of = {day.date: month for month in months for day in month.dates}
    for index, date in enumerate(dates_newest):
        page(
            date.url, "date.html", date.label, date=date, papers=in_digest_order(date.date), month=month_of[date.date],
            newer=dates_newest[index - 1] if index > 0 else None,
            older=dates_newest[index + 1] if index + 1 < len(dates_newest) else None,
        )
    # No pages at all for a site without tags or stars: it stays as it was.
    if has_tags:
        page("tags/", "tags.html", "Tags", tags=tags.tags, starred_count=len(tags.starred))
    for tag in tags.tags:
        paged(tag.url, "tag.html", f"#{tag.name}", tuple(view_of[slug] for slug in tags.papers[tag.slug]), tag=tag)
    if tags.starred:
        paged("starred/", "starred.html", "Starred", tuple(view_of[slug] for slug in tags.starred))
    page("search/", "search.html", "Search")
    if own_pages:
        render_page = render_page_markdown or make_markdown(UNDER_THE_TITLE)
        own_page_ids = ids_of_template("page.html")
        # A page's "#idea" leads to the tag's page, if a paper has that tag.
        every_tag = {tag_key(tag.name): tag.url for tag in tags.tags}
    for own in own_pages:
        body_html = shown_markdown(
            render_page(own.body_below_title), config.base_path, link_targets, own_page_ids,
            tag_urls=every_tag, embedded_images=embedded_images,
            title_heading=heading_id(own.title) if own.name in headed_by_title else None,
        )
        page(own.url, "page.html", own.title, title=own.title, description=own.description or None,
             source=f"pages/{own.path.name}", body_html=as_markup(body_html))
    page("404.html", "404.html", "Page not found")
    if config.absolute_base:  # the sitemap protocol takes full URLs only: no sitemap beats a broken one
        lastmod = {view.url: view.dates[-1].date for view in views if view.dates}
        lastmod.update({date.url: date.date for date in dates_newest})
        # Not the search page: a form whose results are made in the browser, nothing to index.
        listed = [p.url for p in pages if p.template.endswith(".html") and p.url not in ("404.html", "search/")]
        listed[papers_at:papers_at] = [view.url for view in views]  # all before it are listed
        sitemap = build_sitemap(config, tuple(listed), lastmod)
        parts = split_sitemap(config, sitemap, sitemap_url_limit)
        if parts:  # robots.txt names sitemap.xml only: past the limit it indexes the parts
            page("sitemap.xml", "sitemap_index.xml", "", parts=parts)
            for part in parts:
                page(part.path, "sitemap.xml", "", entries=part.entries)
        else:
            page("sitemap.xml", "sitemap.xml", "", entries=sitemap)
    page("robots.txt", "robots.txt", "")

    # Asked for last: find_related may be a child process that works while
    # the pages above are made.
    views_made(tuple(views))
    related = find_related(related_sources(papers))
    pages[papers_at:papers_at] = [
        Page(view.url, "paper.html", MappingProxyType({
            "paper": view,
            "related": tuple(views[other] for other in related[index]),
            "previous": views[index - 1] if index > 0 else None,
            "next": views[index + 1] if index + 1 < len(views) else None,
            "nav": nav,
            "has_tags": has_tags,
        }), view.title)
        for index, view in enumerate(views)
    ]
    # Last, after the sitemap: a page that sends the browser on is none to index.
    # Each alias with the address and title of its page.
    moved = [(alias, view_of[p.slug].url, p.title) for p in papers for alias in p.aliases]
    moved += [(alias, own.url, own.title) for own in own_pages for alias in own.aliases]
    # Not of a topic no paper has: it has no page to lead to.
    moved += [
        (alias, topic_views[t.slug].url, t.name) for t in taxonomy.topics if by_topic[t.slug] for alias in t.aliases
    ]
    if moved:
        taken = {p.url: _what_is_at(p) for p in pages}
        taken.update((t.url, f"topic {t.slug!r} of topics.yaml, once a paper has it") for t in topics_unused)
        check_aliases((alias for alias, _url, _title in moved), taken, config.base_path)
    for alias, url, title in moved:
        page(alias.url, ALIAS_TEMPLATE, title, target=url, title=title)
    # A feed reader asks a feed's address for ever, follows no refresh page,
    # and says nothing of a 404: a topic's feed is at its old slugs' too,
    # the same feed (its id and self link the new address's).
    for t in taxonomy.topics:
        feed = topic_feeds.get(t.slug)  # none for a topic without papers, which has no page
        for alias in t.aliases if feed is not None else ():
            if alias.url.startswith("topics/"):
                page(f"{alias.url}feed.xml", "feed.xml", feed.title, feed=feed)

    counts: dict[str, int] = defaultdict(int)
    for p in pages:
        counts[p.kind] += 1
    return Site(
        config, tuple(pages), views, topics_used, dates_newest, MappingProxyType(dict(counts)), topics_unused,
        MappingProxyType(link_targets), MappingProxyType(shared_link_names), other_link_names,
        MappingProxyType(embedded_images),
    )


def _what_is_at(page: Page) -> str:
    """The page at an address, as an error about an alias there names it."""
    source = page.context.get("source") or getattr(page.context.get("paper"), "source", "")
    return f"the page of {source}" if source else f"the site's own {page.kind} page"


def _months(dates_newest: tuple[DateView, ...], by_date: Mapping[dt.date, Sequence[Paper]]) -> tuple[MonthView, ...]:
    grouped: dict[str, list[DateView]] = {}
    for date in dates_newest:
        grouped.setdefault(f"{date.date:%Y-%m}", []).append(date)
    return tuple(
        MonthView(
            key, f"{days[0].date:%B %Y}", f"dates/{key}/", tuple(days),
            len({p.slug for day in days for p in by_date[day.date]}),
        )
        for key, days in grouped.items()
    )


