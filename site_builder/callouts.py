"""Obsidian's callouts: a quote whose first line is ``[!type]``, with a title
after it or not, shown as a box titled as Obsidian titles it ("> [!note]" is
"Note"; "> [!warning] Check the seed" is "Check the seed"). One folded with
"-" after its type is a disclosure closed until opened, with "+" one open.

As a quote, "[!note] A title" and the callout's first line ran together in
one paragraph, marker and all.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

# "[!type]", a fold ("-" closed, "+" open), the title: on the quote's first line.
_MARKER = re.compile(r"\[!([A-Za-z][\w-]*)\]([+-]?)(?:[ \t]+([^\n]*))?[ \t]*(?:\n|$)")


def callouts_plugin(md: MarkdownIt) -> None:
    # After the blocks are read and before their text is, so that a title is
    # Markdown as any line is ("[!tip] See $x^2$").
    md.core.ruler.after("block", "callouts", _callouts)
    # Once its title is read, and its addresses linked.
    md.core.ruler.after("linkify", "callouts_unfolded", _unfold_linked_titles)


def _callouts(state: StateCore) -> None:
    tokens = state.tokens
    index = 0
    while index < len(tokens):
        if tokens[index].type == "blockquote_open" and _starts_a_callout(tokens, index):
            _make_callout(tokens, index)
        index += 1


def _starts_a_callout(tokens: list[Token], index: int) -> bool:
    return (
        index + 2 < len(tokens)
        and tokens[index + 1].type == "paragraph_open"
        and _MARKER.match(tokens[index + 2].content) is not None
    )


def _make_callout(tokens: list[Token], index: int) -> None:
    quote, paragraph, inline = tokens[index], tokens[index + 1], tokens[index + 2]
    found = _MARKER.match(inline.content)
    assert found is not None
    kind, fold, title = found.group(1).lower(), found.group(2), (found.group(3) or "").strip()
    close = _closing(tokens, index)
    outer = "details" if fold else "div"
    for token in (quote, tokens[close]):
        token.tag = outer
    quote.attrSet("class", f"callout callout-{kind}")
    if fold == "+":
        quote.attrSet("open", "")
    title_tag = "summary" if fold else "p"
    title_open = Token("paragraph_open", title_tag, 1, attrs={"class": "callout-title"}, map=paragraph.map, block=True)
    title_text = Token("inline", "", 0, content=title or kind.capitalize(), map=paragraph.map, children=[])
    title_close = Token("paragraph_close", title_tag, -1, block=True)
    body = inline.content[found.end():]
    if body.strip():
        inline.content = body
        if inline.map:  # from the line below the marker's, as its warnings' lines count (source_lines.py)
            inline.map = [inline.map[0] + 1, inline.map[1]]
        tokens[index + 1:index + 1] = [title_open, title_text, title_close]
    else:  # the marker's line was the paragraph
        tokens[index + 1:index + 4] = [title_open, title_text, title_close]


# A fold's title is its <summary>, a button to a screen reader, which does
# not reach a link inside it (axe: "Interactive controls must not be nested"):
# a fold whose title holds one (a wikilink, an address, a footnote's mark) is
# shown as a callout without a fold, its body open.
_LINKS = frozenset({"link_open", "footnote_ref"})


def _unfold_linked_titles(state: StateCore) -> None:
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "blockquote_open" or token.tag != "details":
            continue
        if any(child.type in _LINKS for child in tokens[index + 2].children or ()):
            for outer in (token, tokens[_closing(tokens, index)]):
                outer.tag = "div"
            token.attrs.pop("open", None)
            tokens[index + 1].tag = tokens[index + 3].tag = "p"


def _closing(tokens: list[Token], index: int) -> int:
    """The index of the blockquote_close that closes the one at ``index``."""
    depth = 0
    for position in range(index, len(tokens)):
        if tokens[position].type == "blockquote_open":
            depth += 1
        elif tokens[position].type == "blockquote_close":
            depth -= 1
            if depth == 0:
                return position
    raise ValueError("a blockquote the parser did not close")
