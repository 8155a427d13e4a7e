"""Where a page's text shows something as written (math the converter
refused, an Obsidian embed, an HTML tag): the renderer marks each with its
line in the text it renders, read from the parser's own map of lines, and
the build's warning adds the line the text starts on in its file.

Found by their text in the file instead, each took the line of the same
characters anywhere above it: in code, in math, in a comment, in the front
matter, or in a digest paper's abstract above its notes. The renderer keeps
its HTML by the text alone, so the line must be the text's, not the file's.
A link that leads nowhere is found at its line so too, in the text parsed
again (:func:`token_lines_plugin`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

# In the parser's env: the line (from 0) of the text that the inline text
# being read starts on, or None where the parser made the block itself.
_FIRST_LINE = "first_line_of_inline_text"

# In a token's meta, with token_lines_plugin: where the parser read it (a Read).
READ = "read"

# The attribute a marker carries its line in (from 1, in the text rendered),
# which shows nothing; as the markers write it and as the warnings read it.
DATA_LINE = r'(?: data-line="(?P<line>[0-9]+)")?'

InlineRule = Callable[[StateInline, bool], bool]


def data_line(line: int | None) -> str:
    return "" if line is None else f' data-line="{line}"'


def source_lines_plugin(md: MarkdownIt) -> None:
    """Let inline rules know their line (:func:`line_here`): after the
    footnote and math plugins, whose rules it wraps."""
    md.core.ruler.at("inline", _inline_with_lines)
    md.inline.ruler.at("footnote_inline", _nested_at_its_line(_rule(md, "footnote_inline")))
    md.inline.ruler.at("math_inline", _marked_with_its_line(_rule(md, "math_inline")))


def line_here(state: StateInline, at: int | None = None) -> int | None:
    """The line of the text rendered (from 1) that ``state``'s position (or
    ``at``) is on; None in a block with no lines of its own."""
    first = state.env.get(_FIRST_LINE)
    return None if first is None else first + state.src.count("\n", 0, state.pos if at is None else at) + 1


def _inline_with_lines(state: StateCore) -> None:
    # markdown-it's own rule ("inline"), telling the inline parser where
    # each block's text starts: an inline rule sees the text alone.
    for token in state.tokens:
        if token.type == "inline":
            state.env[_FIRST_LINE] = token.map[0] if token.map else None
            if token.children is None:
                token.children = []
            state.md.inline.parse(token.content, state.md, state.env, token.children)
    state.env.pop(_FIRST_LINE, None)


def _rule(md: MarkdownIt, name: str) -> InlineRule:
    return next(rule.fn for rule in md.inline.ruler.__rules__ if rule.name == name)


def _nested_at_its_line(rule: InlineRule) -> InlineRule:
    # An inline footnote (^[…]) is read as a text of its own, which starts
    # on the line of the "^[".
    def nested(state: StateInline, silent: bool) -> bool:
        first = state.env.get(_FIRST_LINE)
        if silent or first is None:
            return rule(state, silent)
        state.env[_FIRST_LINE] = first + state.src.count("\n", 0, state.pos)
        try:
            return rule(state, silent)
        finally:
            state.env[_FIRST_LINE] = first

    return nested


def _marked_with_its_line(rule: InlineRule) -> InlineRule:
    # A plugin's rule, whose token the renderer shows as written maybe.
    def marked(state: StateInline, silent: bool) -> bool:
        start = state.pos
        if not rule(state, silent):
            return False
        if not silent:
            state.tokens[-1].meta["line"] = line_here(state, start)
        return True

    return marked


@dataclass(frozen=True)
class Read:
    """Where the parser read an inline token (its meta's "read"): by its
    rule, from ``line`` (of the text, from 1) to ``end``, ``source`` (the
    rule's text: "[[Gone#Setup|its setup]]" for a wikilink's link_open)."""

    line: int | None
    end: int | None
    source: str


def token_lines_plugin(md: MarkdownIt) -> None:
    """Mark each inline token with where its rule read it (:class:`Read`).
    For the links check alone, which parses again only a text with a link it
    warns of: a link marked in the HTML, as what is shown as written is,
    would change every page with a link, where almost all lead somewhere."""
    for rule in list(md.inline.ruler.__rules__):
        md.inline.ruler.at(rule.name, _with_where_read(rule.fn), {"alt": rule.alt})
    md.core.ruler.after("linkify", "where_linked_text_was_read", _where_linked_text_was_read)


def _with_where_read(rule: InlineRule) -> InlineRule:
    def read(state: StateInline, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        if not silent:
            # Those a rule inside it read (a link's text) are marked already.
            where = Read(line_here(state, start), line_here(state), state.src[start:state.pos])
            for token in state.tokens[count:]:
                token.meta.setdefault(READ, where)
        return True

    return read


def _where_linked_text_was_read(state: StateCore) -> None:
    # An address without its scheme ("user.github.io/x") is linked once the
    # text is read, in tokens made anew: each is on the line the token before
    # it ended on (the text it was cut from ran to a line's end at most).
    for block in state.tokens:
        line = block.map[0] + 1 if block.map else None
        for token in block.children or ():
            if READ in token.meta:
                line = token.meta[READ].end
            else:
                token.meta[READ] = Read(line, line, token.content)


def shown_at_lines(
    written: Iterable[tuple[str, str, Path, int]], marker: str, shown: re.Pattern[str],
) -> Iterator[tuple[re.Match[str], Path, int | None]]:
    """Each match of ``shown`` (a marker, its line in :data:`DATA_LINE`) in
    the HTML of ``written`` (each: the page's URL, the HTML shown there, the
    file it was written in, and the line of the file the text starts on)
    that holds ``marker``, with its file and its line there."""
    for _url, html, path, first_line in written:
        if marker not in html:
            continue
        for found in shown.finditer(html):
            line = found.group("line")
            yield found, path, first_line + int(line) - 1 if line else None
