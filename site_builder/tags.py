"""Tags and stars of one's own: the ``tags:`` and ``starred:`` keys a user
writes in paper files, gathered for a page per tag, an index of the tags and
a page of the starred papers.

A topic has a slug of its own in topics.yaml; a tag is only the text written,
so it is addressed by the slug of that text (the one paper addresses are
made with), and spellings with one slug ("Read later", "read-later") are one
tag: two pages could not have the one address.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from operator import attrgetter
from typing import Mapping, Sequence

from .errors import SourceError
from .papers import Paper, slug_of


@dataclass(frozen=True)
class TagLink:
    """A tag as a paper shows it: named as its tag is on every page, not as
    this paper's file spells it. A tag with no letters or digits has no
    address, and so no page: its ``slug`` is "" and its ``url`` None."""

    slug: str
    name: str
    url: str | None


@dataclass(frozen=True)
class TagView:
    """A tag with a page."""

    slug: str
    name: str
    url: str
    count: int


@dataclass(frozen=True)
class Tags:
    """The tags and stars of a site's papers."""

    tags: tuple[TagView, ...]  # by name, case-insensitively
    papers: Mapping[str, tuple[str, ...]]  # a tag's slug → its papers' slugs, in the order gather_tags was given
    links: Mapping[str, tuple[TagLink, ...]]  # a paper's slug → its tags, in its file's order, each once
    starred: tuple[str, ...]  # the starred papers' slugs, in the order given
    warnings: tuple[SourceError, ...]  # one per tag that can have no page


def tag_texts(paper: Paper) -> tuple[str, ...]:
    """What a paper file's ``tags:`` holds, each on one line. (parse_paper
    lets through only text, or a list of text and numbers.)"""
    value = dict(paper.extra).get("tags")
    if value is None:
        return ()
    values = [value] if isinstance(value, str) else value
    return tuple(" ".join(str(text).split()) for text in values)


def is_starred(paper: Paper) -> bool:
    return ("starred", True) in paper.extra


def gather_tags(papers: Sequence[Paper]) -> Tags:
    """The tags of ``papers``. A tag is named by the spelling most of its
    papers use (on a tie, the first in sorted order), so that its name does
    not depend on the order papers are read in."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    members: dict[str, list[str]] = defaultdict(list)
    written: dict[str, tuple[tuple[str, str], ...]] = {}  # a paper's slug → its (slug, text) pairs, each tag once
    slugs: dict[str, str] = {}  # text → slug, made once: a few tags are on many papers
    for paper in papers:
        texts = tag_texts(paper)
        if not texts:
            continue
        # Each tag once, as first written: by its slug, or by its text when
        # it has none (such a text has no letters or digits, unlike any slug).
        own: dict[str, tuple[str, str]] = {}
        for text in texts:
            slug = slugs.get(text)
            if slug is None:
                slug = slugs[text] = slug_of(text)
            own.setdefault(slug or text, (slug, text))
        for text in set(texts):  # each spelling counts once per paper
            if slugs[text]:
                spellings[slugs[text]][text] += 1
        for slug, _text in own.values():
            if slug:
                members[slug].append(paper.slug)
        written[paper.slug] = tuple(own.values())
    names = {slug: min(counts.items(), key=lambda item: (-item[1], item[0]))[0] for slug, counts in spellings.items()}
    links = {
        paper_slug: tuple(
            TagLink(slug, names[slug], f"tags/{slug}/") if slug else TagLink("", text, None) for slug, text in own
        )
        for paper_slug, own in written.items()
    }
    views = sorted(
        (TagView(slug, names[slug], f"tags/{slug}/", len(members[slug])) for slug in members),
        key=lambda tag: (tag.name.casefold(), tag.name),
    )
    return Tags(
        tuple(views), {slug: tuple(paper_slugs) for slug, paper_slugs in members.items()}, links,
        tuple(paper.slug for paper in papers if is_starred(paper)), _addressless(papers, slugs),
    )


def _addressless(papers: Sequence[Paper], slugs: Mapping[str, str]) -> tuple[SourceError, ...]:
    """A warning for each tag with no letters or digits (an emoji, say),
    at the tags: line of the first paper file with it, in path order.
    ``slugs`` holds the slug of every tag text of ``papers``."""
    if all(slugs.values()):
        return ()
    warned: dict[str, SourceError] = {}
    for paper in sorted(papers, key=attrgetter("path")):
        for text in tag_texts(paper):
            if text not in warned and not slugs[text]:
                warned[text] = SourceError(
                    f"tag {text!r} has no letters or digits to make an address of", paper.path,
                    paper.line_of("tags"),
                    hint="its papers show it, unlinked, and it has no page; add a word to it to give it one",
                )
    return tuple(warned.values())
