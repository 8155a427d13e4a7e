"""Obsidian's inline tags: ``#idea``, ``#to-read`` or ``#project/llm`` written
in a note's text tags its paper as ``tags: [idea]`` does.

As Obsidian reads them: a '#' at the start of a line or after a space,
then letters, digits (of any script), '_', '-' and '/', at least one of
them no digit ("#1" and "#2024" are numbers); the tag ends at anything else
(a space, punctuation), and before a '/' it would end with. Not in code, math, a link's text or address, a
wikilink, a comment, nor after "\\": the Markdown renderer sees those, so it
is the renderer that finds them (:func:`inline_tags_plugin`), and the tags
a text has are those its HTML shows (:func:`inline_tags_of`). A heading's
'#' needs a space after it, so "#idea" opening a line is a tag and "# Idea"
a heading.

In two steps, as wikilinks (see wikilinks.py): the renderer, which keeps
what it rendered by the text alone, marks each tag; a tag's address may
depend on other papers' tags (two that slugify alike), so
:func:`with_tag_addresses` links it as its page is made.
"""

from __future__ import annotations

import re
import unicodedata
from html import unescape
from typing import Iterable, Mapping

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from .tags import TagLink, tag_key

# The class of a tag's link in the text.
INLINE_TAG = "tag-inline"

# Where a text may hold one: the renderer's fast path for plain paragraphs
# (markup._render_markdown) leaves a text to the parser where it matches.
MAY_HOLD_A_TAG = re.compile(r"(?<!\S)#[\w/-]")

_NAME_MARKS = frozenset("_-/")


def inline_tags_plugin(md: MarkdownIt) -> None:
    # '#' ends markdown-it's plain text, so the rule is asked at each one
    # that code spans, math, links, comments and escapes have not taken.
    md.inline.ruler.before("link", "inline_tag", _inline_tag)


def _in_a_name(character: str) -> bool:
    return character in _NAME_MARKS or unicodedata.category(character)[0] in "LNM"


def _inline_tag(state: StateInline, silent: bool) -> bool:
    start = state.pos
    if state.src[start] != "#" or state.linkLevel > 0 or (start > 0 and not state.src[start - 1].isspace()):
        return False
    end = start + 1
    while end < state.posMax and _in_a_name(state.src[end]):
        end += 1
    # "#project/" is "project": a nested tag's '/' stands between names.
    while state.src[end - 1] == "/":
        end -= 1
    name = state.src[start + 1:end]
    if name.isdigit() or not name.strip("".join(_NAME_MARKS)):  # "#2024", "#-": no tags
        return False
    if not silent:
        # A link, so that an image's alt text, which keeps a link's text, keeps it too.
        link = state.push("link_open", "a", 1)
        link.attrs = {"class": INLINE_TAG}
        link.markup = INLINE_TAG
        state.push("text", "", 0).content = f"#{name}"
        state.push("link_close", "a", -1).markup = INLINE_TAG
    state.pos = end
    return True


# A tag as the renderer marks it: a link with no address yet; and as a page
# shows it, with its address. Raw HTML is shown as text, so no text of one's
# own makes one.
_MARKED = re.compile(rf'<a class="{INLINE_TAG}">#([^<]*)</a>')
_MARKED_OR_LED = re.compile(rf'<a (?:href="[^"]*" )?class="{INLINE_TAG}">#([^<]*)</a>')


def inline_tags_of(html: str) -> tuple[str, ...]:
    """The inline tags of rendered Markdown, or of a paper's notes as its
    page shows them, as written, without their '#', in their order."""
    if INLINE_TAG not in html:
        return ()
    return tuple(unescape(found) for found in _MARKED_OR_LED.findall(html))


def with_tag_addresses(html: str, urls: Mapping[str, str]) -> str:
    """Rendered Markdown whose inline tags link their pages: ``urls`` (by
    :func:`~site_builder.tags.tag_key`) gives each its page's address from
    the root; one not there is shown as the text it was (one in text whose
    tags do not count, such as a digest's abstract: see docs/content.md).
    Here, not in the renderer, which keeps its HTML by the text alone: two
    tags that slugify alike have addresses that depend on each other."""
    if INLINE_TAG not in html:
        return html
    return _MARKED.sub(lambda found: _led(found, urls), html)


def _led(found: re.Match[str], urls: Mapping[str, str]) -> str:
    url = urls.get(tag_key(unescape(found.group(1))))
    if url is None:
        return f"#{found.group(1)}"
    return f'<a href="/{url}" class="{INLINE_TAG}">#{found.group(1)}</a>'


def tag_addresses(links: Iterable[TagLink]) -> dict[str, str]:
    """The addresses of a paper's tags (``links``), as with_tag_addresses takes them."""
    return {tag_key(link.name): link.url for link in links}
