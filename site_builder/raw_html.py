"""HTML tags in what one writes, which the page shows as the text they are
(raw HTML is off, so that nothing in a note runs in a reader's browser):
``<kbd>Ctrl</kbd>`` showed its tags on the published page without a word. The
renderer marks each tag of an HTML element as it shows it, and the build
warns of it at its line (:func:`html_shown_as_text`), saying what to write in
Markdown instead.

What is a tag is CommonMark's own answer (markdown-it's open and close tag
patterns), after code, math, escapes and autolinks (``<https://x.org>``) have
taken theirs; comments are hidden (comments.py), and ``a < b``, ``<3`` and
``x<y`` are no tags. Of the tags, only those of the elements one writes for
their look are warned of: ``List<int>``, ``<EOS>`` and ``<think>`` are tags to
CommonMark, but written to be read as they are.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Iterable

from markdown_it import MarkdownIt
from markdown_it.common.html_re import close_tag, open_tag
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from .errors import SourceError
from .source_lines import DATA_LINE, data_line, line_here, shown_at_lines

# The class of a tag shown as written, read back for the build's warning; no
# style of its own: the page shows the tag as the text it always was.
RAW_HTML = "raw-html"
_SHOWN = re.compile(rf'<span class="{RAW_HTML}"{DATA_LINE}>(?P<tag>[^<]*)</span>')

_TAG = re.compile(f"{open_tag}|{close_tag}")
_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")

# What Markdown writes instead of an element, where it has a way.
_INSTEAD = {
    "br": "to break the line there, end it with a backslash, \\",
    "details": "for a folded section, write a folded callout: > [!note]- Title, its lines below each starting with >",
    "kbd": "for a key, write it in backticks: `Ctrl`",
    "code": "for code, write it in backticks: `code`",
    "b": "for bold, write **text**",
    "i": "for italics, write *text*",
    "mark": "for a highlight, write ==text==",
    "del": "for struck-out text, write ~~text~~",
    "hr": "for a rule, write --- on a line of its own",
    "p": "for a new paragraph, leave a blank line",
    "ul": "for a list, start each item's line with - (or 1.)",
    "blockquote": "for a quote, start its lines with >",
    "pre": "for a block of code, put it between lines of ```",
    "table": "for a table, write its rows as | a | b |, the first followed by |---|---|",
}
_SAME_AS = {
    "summary": "details", "tt": "code", "samp": "code", "var": "code", "strong": "b", "em": "i", "strike": "del",
    "ol": "ul", "li": "ul", "thead": "table", "tbody": "table", "tr": "table", "th": "table", "td": "table",
}
_NONE_IN_MARKDOWN = {"sup": ("superscript", "$x^{2}$", "x², 1st"), "sub": ("subscript", "$x_{i}$", "H₂O, x_i")}
# The other elements a note is written with (from READMEs, pasted pages):
# links, images and headings get a hint of their own (instead_of), the rest
# the general one.
_OTHERS = frozenset({
    "a", "img", "div", "span", "center", "font", "u", "ins", "small", "big", "abbr", "cite", "q", "dfn",
    "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt", "dd", "figure", "figcaption", "caption", "col", "colgroup",
    "tfoot", "iframe", "video", "audio", "picture", "script", "style", "section", "article", "aside", "nav",
    "header", "footer", "main", "ruby", "rt", "rp", "bdi", "bdo", "wbr", "nobr", "marquee", "hgroup", "address",
})
# Not "s": it is strikethrough to HTML, but a model's first token, "<s>", to a note on one.
_WARNED = frozenset({*_INSTEAD, *_SAME_AS, *_NONE_IN_MARKDOWN, *_OTHERS})
# Elements that show nothing without an attribute, whose bare tags are a
# multimodal model's tokens (Video-LLaVA's <video>, Qwen-VL's <img>pic.jpg</img>,
# Qwen-Audio's <audio>): warned of only as <img src=…>, <video controls>.
_SHOWN_BY_ATTRIBUTES = frozenset({"img", "video", "audio", "iframe"})
_BARE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*\s*/?>")


def raw_html_plugin(md: MarkdownIt) -> None:
    # After markdown-it's own rule, which takes them as HTML when raw HTML is on.
    md.inline.ruler.after("html_inline", "html_shown_as_text", _tag_shown_as_text)
    md.core.ruler.push("html_in_alt_text", _html_in_alt_text_as_text)


def _tag_shown_as_text(state: StateInline, silent: bool) -> bool:
    if state.md.options.get("html") or state.src[state.pos] != "<":
        return False
    found = _TAG.match(state.src, state.pos, state.posMax)
    if found is None or not _warned(found.group(0)):
        return False  # text, as it was
    if not silent:
        state.push("html_inline", "", 0).content = (
            f'<span class="{RAW_HTML}"{data_line(line_here(state))}>{escapeHtml(found.group(0))}</span>'
        )
    state.pos = found.end()
    return True


def _html_in_alt_text_as_text(state: StateCore) -> None:
    # An image's alt text is its text alone (markdown-it drops the HTML in
    # it): "![a <b>plot</b>](p.png)" kept "a <b>plot</b>" before and must.
    if "<" not in state.src:
        return
    for block in state.tokens:
        for child in block.children or ():
            if child.type == "image" and child.children:
                child.children = [_as_text(token) for token in child.children]


def _as_text(token: Token) -> Token:
    found = _SHOWN.fullmatch(token.content) if token.type == "html_inline" else None
    return Token("text", "", 0, content=unescape(found.group("tag"))) if found else token


def _warned(tag: str) -> bool:
    name = _element(tag)
    return name in _WARNED and not (name in _SHOWN_BY_ATTRIBUTES and _BARE.fullmatch(tag))


def _element(tag: str) -> str:
    found = _NAME.match(tag)
    return found.group(1).lower() if found else ""


def html_shown_as_text(written: Iterable[tuple[str, str, Path, int]]) -> tuple[SourceError, ...]:
    """A warning for each element whose tags ``written`` (each: the page's
    URL, the HTML shown there, the file it was written in, the line of the
    file the text starts on) shows as text, one per element and file, at
    the first line that has one, naming the others, and saying what to
    write instead: a note of forty <br> is one warning."""
    lines: dict[tuple[Path, str], list[int]] = {}
    tags: dict[tuple[Path, str], str] = {}  # the first tag of each, for the hint (an image's address)
    outside_cells: set[tuple[Path, str]] = set()  # those with one outside a table's cell
    for found, path, line in shown_at_lines(written, RAW_HTML, _SHOWN):
        tag = unescape(found.group("tag"))
        key = (path, _element(tag))
        at = lines.setdefault(key, [])
        at += [line] if line is not None and line not in at else []
        if key not in tags or tags[key].startswith("</"):
            tags[key] = tag
        if not _in_a_cell(found.string, found.start()):
            outside_cells.add(key)
    return tuple(
        SourceError(
            f"HTML tag <{name}> is shown as written, not as HTML{_also_on(sorted(at))}: what you write is Markdown",
            path, min(at, default=None), hint=instead_of(tags[path, name], (path, name) not in outside_cells),
        )
        for (path, name), at in sorted(lines.items(), key=lambda item: (str(item[0][0]), min(item[1], default=0)))
    )


# The most lines a warning names beside its own.
_LINES_NAMED = 5


def _also_on(lines: list[int]) -> str:
    others = lines[1:]
    if not others:
        return ""
    named = ", ".join(map(str, others[:_LINES_NAMED]))
    more = len(others) - _LINES_NAMED
    return f", here and on line{'s' if len(others) > 1 else ''} {named}{f' and {more} more' if more > 0 else ''}"


_ATTRIBUTE = re.compile(r"""\s([A-Za-z_:][A-Za-z0-9:._-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")


def _in_a_cell(html: str, at: int) -> bool:
    # Our own HTML: "<td" and "<th" in what one wrote are "&lt;td"; "<thead" and "<tbody" hold no text.
    opened = max(html.rfind("<td", 0, at), html.rfind("<th ", 0, at), html.rfind("<th>", 0, at))
    return opened > max(html.rfind("</td>", 0, at), html.rfind("</th>", 0, at))


def instead_of(tag: str, in_cells: bool = False) -> str:
    """What to write in Markdown for ``tag`` (as written), or how to show it
    as code; ``in_cells``: every one is in a table's cell."""
    name = _element(tag)
    name = _SAME_AS.get(name, name)
    if name == "br" and in_cells:
        # GitHub's way, <br> in a cell, is raw HTML; Markdown has none.
        return "a table's cell is one line in Markdown, with no break in it: part what it says with a comma or a semicolon"
    if name in _INSTEAD:
        return _INSTEAD[name]
    if name in _NONE_IN_MARKDOWN:
        what, formula, in_text = _NONE_IN_MARKDOWN[name]
        return f"Markdown has no {what}: in math, write {formula}; in text, write it without the tags: {in_text}"
    attributes = {found.group(1).lower(): next(v for v in found.groups()[1:] if v is not None)
                  for found in _ATTRIBUTE.finditer(tag)}
    if name == "img":
        return f"for an image, write ![{attributes.get('alt', 'what it shows')}]({attributes.get('src', 'address')})"
    if name == "a":
        return f"for a link, write [text]({attributes.get('href', 'address')})"
    if name[:1] == "h" and name[1:].isdigit():
        return f"for a heading, write {'#' * int(name[1:])} Title on a line of its own"
    return f"say it in Markdown if Markdown has a way, or put the tag in backticks to show it as code: `<{name}>`"
