"""Tags and stars of one's own: the ``tags:`` and ``starred:`` keys a user
writes in paper files, and the ``#tags`` written in their notes
(inline_tags.py), gathered for a page per tag, an index of the tags and a
page of the starred papers.

A topic has a slug of its own in topics.yaml; a tag is only the text written.
Spellings that differ only in case and in the spaces, hyphens or underscores
between words ("Read later", "read-later") are one tag; any other two texts
are two tags, with two addresses, even where their slugs would be one ("C++"
and "C", "a/b" and "a.b", two Chinese words spelt alike in pinyin).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping, Sequence

from .papers import TAG_KEYS, Paper, slug_of

# Symbols that tell tags apart ("C++", "C#", "R&D"): spelt out in addresses
# instead of dropped. Whole words only, with no length limit: a cut slug
# would make two long tags one.
_TAG_REPLACEMENTS = (("+", " plus "), ("#", " sharp "), ("&", " and "), ("@", " at "))
_BETWEEN_WORDS = re.compile(r"[\s_\-]+")
_SLUG_MAX = 80  # as a paper's


@dataclass(frozen=True)
class TagLink:
    """A tag as a paper shows it: named as its tag is on every page, not as
    this paper's file spells it."""

    slug: str
    name: str
    url: str


@dataclass(frozen=True)
class TagView:
    """A tag with its page."""

    slug: str
    name: str
    url: str
    count: int


@dataclass(frozen=True)
class Tags:
    """The tags and stars of a site's papers."""

    tags: tuple[TagView, ...]  # by name, case-insensitively
    papers: Mapping[str, tuple[str, ...]]  # a tag's slug → its papers' slugs, in the order gather_tags was given
    # A paper's slug → its tags, each once: its tags: key's in their order, then its inline tags in theirs.
    links: Mapping[str, tuple[TagLink, ...]]
    starred: tuple[str, ...]  # the starred papers' slugs, in the order given


def tag_texts(paper: Paper) -> tuple[str, ...]:
    """What a paper file's ``tags:`` holds (and ``tag:``, Obsidian's older
    key, in the file's order beside it), each on one line, without the '#'
    a tag is shown with (written "#rlhf", it is "rlhf") and a '/' after it,
    as an inline tag has none ("project/" is "project"); blank ones left out.
    (parse_paper lets through only text, or a list of text.)"""
    values = [
        text for key, value in paper.extra if key in TAG_KEYS and value is not None
        for text in ([value] if isinstance(value, str) else value)
    ]
    texts = (" ".join(str(text).split()).lstrip("# ").rstrip("/ ") for text in values)
    return tuple(text for text in texts if _BETWEEN_WORDS.sub("", text))


def tag_key(text: str) -> str:
    """What tells one tag from another: the text without its case and with
    one '-' between words, its characters in one Unicode form (an "é" pasted
    from a PDF is two characters, typed it is one)."""
    return _BETWEEN_WORDS.sub("-", unicodedata.normalize("NFKC", text).casefold()).strip("-")


def tag_words(text: str) -> list[str]:
    """A tag's words, parted where :func:`tag_key` parts them, in the case
    written: a search index folds them as it folds a query, which casefold
    does not ("Λόγος" casefolded is "λόγοσ", which a query "λόγος" is not)."""
    return [word for word in _BETWEEN_WORDS.split(unicodedata.normalize("NFKC", text)) if word]


def each_once(texts: Sequence[str]) -> dict[str, str]:
    """The tags of ``texts`` each once, in the order first written: each
    one's key (:func:`tag_key`) → its first spelling, which is the one
    counted for its name. What ``texts`` makes of a paper's tags: a text
    that writes a tag again (as "#Idea" after "#idea") changes none."""
    first: dict[str, str] = {}
    for text in texts:
        first.setdefault(tag_key(text), text)
    return first


def is_starred(paper: Paper) -> bool:
    return ("starred", True) in paper.extra


def gather_tags(papers: Sequence[Paper], inline: Mapping[str, tuple[str, ...]] = MappingProxyType({})) -> Tags:
    """The tags of ``papers``, and the tags written in their text (``inline``:
    a paper's slug → those of :func:`~site_builder.inline_tags.inline_tags_of`),
    after its tags: key's. A tag is named by the spelling most of its
    papers use (on a tie, the first in sorted order), so that its name does
    not depend on the order papers are read in."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    members: dict[str, list[str]] = defaultdict(list)
    written: dict[str, tuple[str, ...]] = {}  # a paper's slug → its tags' keys, each once, as first written
    for paper in papers:
        texts = tag_texts(paper) + inline.get(paper.slug, ())
        if not texts:
            continue
        own = each_once(texts)
        keys = tuple(own)
        for key in keys:
            spellings[key][own[key]] += 1
            members[key].append(paper.slug)
        written[paper.slug] = keys
    names = {key: min(counts.items(), key=lambda item: (-item[1], item[0]))[0] for key, counts in spellings.items()}
    slugs = _addresses(names)
    links = {
        paper_slug: tuple(TagLink(slugs[key], names[key], f"tags/{slugs[key]}/") for key in keys)
        for paper_slug, keys in written.items()
    }
    views = sorted(
        (TagView(slugs[key], names[key], f"tags/{slugs[key]}/", len(members[key])) for key in members),
        key=lambda tag: (tag.name.casefold(), tag.name),
    )
    return Tags(
        tuple(views), {slugs[key]: tuple(paper_slugs) for key, paper_slugs in members.items()}, links,
        tuple(paper.slug for paper in papers if is_starred(paper)),
    )


def _addresses(names: Mapping[str, str]) -> dict[str, str]:
    """A slug for each tag (by key), each its own: where two tags' slugs
    would be one, the later in sorted order gets "-2" (then "-3", ...). A tag
    with no letters or digits an address can hold (an emoji, a script with no
    Latin spelling) is addressed by a short hash of its text."""
    wanted = {key: _slug(key, name) for key, name in names.items()}
    slugs: dict[str, str] = {}
    for key in sorted(wanted, key=lambda key: (wanted[key], key)):
        slugs.setdefault(wanted[key], key)  # the first of each slug keeps it
    addresses = {key: slug for slug, key in slugs.items()}
    # Numbered past every slug wanted, so that a tag "a-b-2" keeps its own.
    taken = set(slugs)
    for key in sorted(set(wanted) - set(addresses), key=lambda key: (wanted[key], key)):
        number = 2
        while f"{wanted[key]}-{number}" in taken:
            number += 1
        addresses[key] = f"{wanted[key]}-{number}"
        taken.add(addresses[key])
    return addresses


def _slug(key: str, name: str) -> str:
    """The address a tag would have alone: its whole text's slug; past
    _SLUG_MAX characters, cut at a word and told apart by a hash of the tag
    (a file name holds 255 bytes, and two long tags must not become one);
    a hash alone for a tag with nothing a slug can hold."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    slug = slug_of(name, max_length=0, replacements=_TAG_REPLACEMENTS)
    if not slug:
        return f"tag-{digest}"
    if len(slug) > _SLUG_MAX:
        return f"{slug_of(name, max_length=_SLUG_MAX - 9, replacements=_TAG_REPLACEMENTS)}-{digest}"
    return slug
