"""Comments in what one writes, which the page does not show: HTML's
``<!-- … -->`` and Obsidian's ``%% … %%``, in a line or over lines of their
own (blank ones too), as Obsidian's reading view, GitHub and every Markdown
site hide them. Raw HTML is shown as text, and these were: a note's private
remark ("%% ask the authors about the seed %%") was published.

One left open is no comment and stays as written, so that a stray "%%" or
"<!--" cannot hide the rest of a note. In code and math they are text.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

# Each comment's opening and what closes it.
_CLOSING = {"<!--": "-->", "%%": "%%"}
# Where the closing is looked for: from the opening's third character, as
# "<!-->" and "<!--->" are whole comments, empty, to HTML and CommonMark
# (looked for after "<!--", the next "-->" closed them, notes away).
_CLOSED_FROM = 2


def comments_plugin(md: MarkdownIt) -> None:
    # A comment on lines of its own may interrupt a paragraph, as HTML's
    # blocks do; before "html_block", which is off (raw HTML is text).
    md.block.ruler.before(
        "html_block", "comment_block", _comment_block, {"alt": ["paragraph", "reference", "blockquote"]},
    )
    # Before "text", which would take "%%" as text, and the rules after it
    # (code spans and math come first where they start first).
    md.inline.ruler.before("text", "comment_inline", _comment_inline)
    md.core.ruler.push("comment_headings", _without_headings_of_comments)


def _opening(text: str) -> str | None:
    return next((opening for opening in _CLOSING if text.startswith(opening)), None)


def _comment_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4:  # indented code
        return False
    first = state.src[state.bMarks[start_line] + state.tShift[start_line]:state.eMarks[start_line]]
    opening = _opening(first)
    if opening is None:
        return False
    closing = _CLOSING[opening]
    line, searched = start_line, first[_CLOSED_FROM:]
    while closing not in searched:
        line += 1
        if line >= end_line or (state.sCount[line] < state.blkIndent and not state.isEmpty(line)):
            return False  # left open: no comment
        searched = state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]]
    # A block when it ends its line: in "%% x %% more", a paragraph's, the
    # inline rule below hides the comment and keeps "more".
    if searched.find(closing) != len(searched.rstrip()) - len(closing):
        return False
    if not silent:
        state.line = line + 1
    return True


def _comment_inline(state: StateInline, silent: bool) -> bool:
    opening = _opening(state.src[state.pos:state.pos + 4])
    if opening is None:
        return False
    closing = _CLOSING[opening]
    end = state.src.find(closing, state.pos + _CLOSED_FROM, state.posMax)
    if end < 0 or end + len(closing) > state.posMax:
        return False  # left open: text
    state.pos = end + len(closing)
    return True


def _without_headings_of_comments(state: StateCore) -> None:
    # "## %% draft %%": a heading whose only text is hidden is left out, not
    # shown as an empty one (which a screen reader still announces, and
    # whose link would be "#section").
    tokens = state.tokens
    for at in range(len(tokens) - 3, -1, -1):
        heading, inline = tokens[at], tokens[at + 1]
        if heading.type == "heading_open" and _only_comments(inline.content) and not any(
            child.type != "text" or child.content.strip() for child in inline.children or ()
        ):
            del tokens[at:at + 3]


def _only_comments(content: str) -> bool:
    return content.startswith(tuple(_CLOSING))
