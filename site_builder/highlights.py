"""Obsidian's highlights, ``==text==``, as ``<mark>``: the text showed with
its equals signs, where Obsidian (and Typora, and markdown-it's mark plugin)
colour it.

Paired as strikethrough's "~~" is (markdown-it's delimiters): "==" that can
open before text and close after it, so "a == b" and "x ==" stay as
written, and "==" in code, math and links' addresses is text.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.state_inline import Delimiter

_EQUALS = ord("=")


def highlights_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("emphasis", "highlight", _highlight)
    md.inline.ruler2.before("emphasis", "highlight", _pair_highlights)


def _highlight(state: StateInline, silent: bool) -> bool:
    if silent or state.src[state.pos] != "=":
        return False
    scanned = state.scanDelims(state.pos, True)
    token = state.push("text", "", 0)
    token.content = "=" * scanned.length
    if scanned.length == 2:  # "=" and "===" are text, as Obsidian shows them
        state.delimiters.append(Delimiter(
            marker=_EQUALS, length=0, token=len(state.tokens) - 1, end=-1,
            open=scanned.can_open, close=scanned.can_close,
        ))
    state.pos += scanned.length
    return True


def _pair_highlights(state: StateInline) -> None:
    # The text's own delimiters, then those of each link's text.
    for delimiters in (state.delimiters, *(meta["delimiters"] for meta in state.tokens_meta if meta and "delimiters" in meta)):
        for delimiter in delimiters:
            if delimiter.marker != _EQUALS or delimiter.end == -1:
                continue
            for index, kind, nesting in ((delimiter.token, "mark_open", 1), (delimiters[delimiter.end].token, "mark_close", -1)):
                token = state.tokens[index]
                token.type, token.tag, token.nesting, token.markup, token.content = kind, "mark", nesting, "==", ""
