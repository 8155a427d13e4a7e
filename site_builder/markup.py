"""Text to HTML: Markdown (notes, papers and pages of one's own) and digest abstracts,
which are shown as the digest wrote them, with their addresses linked."""

from __future__ import annotations

import hashlib
import re
import sys
from functools import partial
from html import unescape
from typing import Callable, Iterable

from linkify_it import LinkifyIt
from linkify_it.main import Match
from markdown_it import MarkdownIt
from markdown_it.common import normalize_url
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import find_lexer_class_by_name
from pygments.util import ClassNotFound

from .callouts import callouts_plugin
from .comments import comments_plugin
from .highlights import highlights_plugin
from .inline_tags import MAY_HOLD_A_TAG, inline_tags_plugin
from .papers import digest_body_parts, resolve_escapes, trim_address
from .raw_html import raw_html_plugin
from .source_lines import source_lines_plugin
from .tex import MATHML, Unshown, math_error_html, mathml_of
from .wikilinks import heading_id, wikilinks_plugin


# The level of the heading a text is shown under: notes and a paper's
# abstract under their section's <h2> ("Notes", "Abstract"), a page of one's
# own under its title's <h1>.
UNDER_A_SECTION, UNDER_THE_TITLE = 2, 1

# The class of a link whose text is its own address (a bare https://… in
# text, or <https://…>): a printed page writes a link's address after its
# text, which for these would say it twice.
BARE_ADDRESS = "bare-address"


def make_markdown(shown_under: int = UNDER_A_SECTION) -> Callable[[str], str]:
    """CommonMark with tables, strikethrough, footnotes, task lists, code
    coloured by its language, bare-URL links and TeX math as MathML (``$x$``,
    ``$$x$$``; money such as "$100K" or "$5 and $10" stays text); raw HTML is
    shown as text, and comments (``<!-- -->``, Obsidian's ``%% %%``) not at all. Digest abstracts are not Markdown (make_digest_text): they
    are shown as written, dollar signs and all. The text's headings nest
    under an ``<h{shown_under}>``: its shallowest level is one below it,
    deeper ones keep their depth (h6 at most)."""
    md = markdown_parser(shown_under)
    return partial(_render_markdown, partial(markdown_html, md), md.linkify.pretest)


def markdown_parser(shown_under: int = UNDER_A_SECTION) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["linkify", "table", "strikethrough"])
    # A task's checkbox inside a <label> with its text: named for a screen
    # reader, and with no id that two lists on one page could both use.
    md.use(footnote_plugin).use(tasklists_plugin, label=True).use(wikilinks_plugin)
    md.use(comments_plugin).use(callouts_plugin).use(highlights_plugin).use(inline_tags_plugin).use(raw_html_plugin)
    # Math as pandoc reads it, so that money stays text: no space after the
    # opening "$" nor before the closing one, no digit straight after it
    # ("$5 and $10", "$100K"), nor a digit before the opening one ("5$");
    # "\$" is a dollar sign. "$$…$$" is display math inside a paragraph too,
    # and on lines of its own it ends at a blank line, as in LaTeX, so that
    # a stray "$$" cannot take the rest of the text.
    md.use(
        dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=False, allow_blank_lines=False,
        double_inline=True,
    )
    md.use(source_lines_plugin)
    md.options["highlight"] = _code_highlighter()
    rules = md.renderer.rules
    rules["math_inline"] = _math_html
    rules["math_inline_double"] = _math_html
    rules["math_block"] = _math_html
    rules["footnote_anchor"] = partial(_named_backref, rules["footnote_anchor"])
    rules["table_open"] = rules["table_close"] = partial(_table_in_a_scroll_box, md.renderer.renderToken)
    md.core.ruler.push("table_cell_classes", _table_cell_classes)
    md.core.ruler.push("nested_headings", partial(_nest_headings, shown_under))
    md.core.ruler.push("bare_addresses", _mark_bare_addresses)
    md.core.ruler.push("math_as_mathml", _math_as_mathml)
    md.core.ruler.push("math_with_its_punctuation", _math_with_its_punctuation)
    md.linkify = QuickLinkify()
    return md


_MATH_TOKENS = ("math_inline", "math_inline_double", "math_block")


def _math_as_mathml(state: StateCore) -> None:
    # All of a text's formulas at once, as one document (equations numbered
    # on across it); the converter is loaded only by a text that has one.
    formulas = [
        token
        for block in state.tokens
        for token in (block, *(block.children or ()))
        if token.type in _MATH_TOKENS
    ]
    if not formulas:
        return
    # Ids (\label) named after the text, as its footnotes' are: a paper of
    # one's own shows its abstract and its notes on one page.
    id_prefix = f"eq-{hashlib.blake2b(state.src.encode('utf-8'), digest_size=4).hexdigest()}-"
    shown = mathml_of([(token.content.strip(), token.type != "math_inline") for token in formulas], id_prefix)
    for token, mathml in zip(formulas, shown):
        token.meta["mathml"] = mathml


# What a formula in a line is written between, as a word is: a browser may
# break a line on either side of a formula (an atomic inline), and put "(1)."'s
# full stop at the start of the next line, or leave "(" at the end of one.
_OPENING = re.compile(r"[(\[{\"'‘“«]+$")
_CLOSING = re.compile(r"^[.,;:!?)\]}\"'’”»…%]+")
# Its span (the stylesheet's .math-in-text) keeps them on one line.
_IN_TEXT_OPEN, _IN_TEXT_CLOSE = '<span class="math-in-text">', "</span>"


def _math_with_its_punctuation(state: StateCore) -> None:
    for block in state.tokens:
        if block.type != "inline" or not any(child.type == "math_inline" for child in block.children or ()):
            continue
        children: list[Token] = []
        after: Token | None = None  # the text token after the last formula, its punctuation taken
        for index, child in enumerate(block.children or ()):
            if child is after:
                children.append(child)
                continue
            following = block.children[index + 1] if index + 1 < len(block.children) else None
            before = children[-1] if children and children[-1].type == "text" else None
            opening = _OPENING.search(before.content) if before else None
            closing = _CLOSING.match(following.content) if following and following.type == "text" else None
            if child.type != "math_inline" or not (opening or closing):
                children.append(child)
                continue
            if before is not None and opening:
                before.content = before.content[:opening.start()]
            children += [Token("html_inline", "", 0, content=_IN_TEXT_OPEN)]
            children += [Token("text", "", 0, content=opening.group(0))] if opening else []
            children.append(child)
            children += [Token("text", "", 0, content=closing.group(0))] if closing else []
            children.append(Token("html_inline", "", 0, content=_IN_TEXT_CLOSE))
            if following is not None and closing:
                following.content = following.content[closing.end():]
                after = following
        block.children = children


def _math_html(tokens: list, idx: int, _options: object, _env: dict) -> str:
    token = tokens[idx]
    mathml = token.meta["mathml"]
    if isinstance(mathml, Unshown):
        line = token.map[0] + 1 if token.map else token.meta.get("line")
        return math_error_html(f"{token.markup}{token.content}{token.markup}", mathml.reason, token.block, line)
    if token.type == "math_inline":
        return mathml
    # Display math scrolls on its own on a narrow screen (the stylesheet's
    # .math-display), not the page; a <span>, as it may stand in a paragraph.
    if token.block:
        return f'<div class="math-display">{mathml}</div>\n'
    return f'<span class="math-display">{mathml}</span>'


def _nest_headings(shown_under: int, state: StateCore) -> None:
    # Notes are written as files of their own are (Obsidian's "# Idea",
    # "## Setup"), but shown below "Notes" on a page whose title is its one
    # <h1>: as written, "# Idea" was a second <h1> and "## Setup" a sibling of
    # "Notes", and a screen reader's list of headings told neither apart from
    # the page's own. A text whose headings need no move (most have none) is
    # walked once.
    levels = [int(token.tag[1]) for token in state.tokens if token.type == "heading_open"]
    shift = shown_under + 1 - min(levels, default=shown_under + 1)
    if not shift:
        return
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"


def _mark_bare_addresses(state: StateCore) -> None:
    # linkify's links and <…> autolinks are the ones markdown-it calls "auto":
    # their text is their address.
    for token in state.tokens:
        for child in token.children or ():
            if child.type == "link_open" and child.info == "auto":
                child.attrSet("class", BARE_ADDRESS)


# The longest cell of a column its cells are kept on one line for: a name
# ("Mistral-7B-Instruct-v0.2"), a figure, a date; not a sentence.
SHORT_CELL = 30


def _table_cell_classes(state: StateCore) -> None:
    # What lays out a table's cells, as classes of the stylesheet's:
    # - a column's alignment (`|--:|`) comes as style="text-align:right",
    #   which the pages' Content-Security-Policy (style-src 'self') refuses:
    #   every cell stood left-aligned, and the console listed a violation per
    #   cell; "align-right" does the same;
    # - a table wider than a phone scrolls, but the browser first narrows its
    #   columns to their longest word, breaking a model's name at each hyphen
    #   ("Mistral-/7B-/Instruct/-v0.2"): a column of short cells keeps each on
    #   one line ("short"), and one of sentences still wraps.
    cells: list[tuple[int, Token, int]] = []  # the table's: column, cell, length of its text as written
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type == "tr_open":
            column = 0
        elif token.type in ("th_open", "td_open"):
            # The next token is the cell's inline content.
            cells.append((column, token, len(tokens[index + 1].content.strip())))
            column += 1
        elif token.type == "table_close":
            longest: dict[int, int] = {}
            for column, _cell, length in cells:
                longest[column] = max(longest.get(column, 0), length)
            for column, cell, _length in cells:
                style = cell.attrs.pop("style", None)
                classes = [f"align-{str(style).removeprefix('text-align:')}"] if style else []
                classes += ["short"] if longest[column] <= SHORT_CELL else []
                if classes:
                    cell.attrSet("class", " ".join(classes))
            cells = []


def _table_in_a_scroll_box(render: Callable[..., str], tokens: list, idx: int, options: object, env: dict) -> str:
    # A table wider than the column scrolls inside a box of its own (the
    # stylesheet's .table-scroll), which site.js makes a region named as one
    # that scrolls, and a stop for the keyboard: the table keeps its own
    # display, and with it its rows and columns for every screen reader.
    if tokens[idx].nesting == 1:
        return '<div class="table-scroll">\n' + render(tokens, idx, options, env)
    return render(tokens, idx, options, env) + "</div>\n"


def _named_backref(render: Callable[..., str], tokens: list, idx: int, options: object, env: dict) -> str:
    # The way back from a footnote is a bare "↩", which a screen reader reads
    # as the arrow's name.
    return render(tokens, idx, options, env).replace(
        'class="footnote-backref">', 'class="footnote-backref" aria-label="Back to the text">', 1,
    )


def _code_highlighter() -> Callable[[str, str, str], str]:
    """markdown-it's ``highlight``: a fenced block that names a language
    Pygments knows is coloured by its tokens, as classes (``tok-k``, a
    keyword) that the stylesheet colours in light and dark; any other is
    left to markdown-it, as text."""
    formatter = HtmlFormatter(nowrap=True, classprefix="tok-")
    lexer_classes: dict[str, type[Lexer] | None] = {}

    def highlight_code(code: str, language: str, _attributes: str) -> str:
        if not language:
            return ""
        if language not in lexer_classes:
            try:
                lexer_classes[language] = find_lexer_class_by_name(language)
            except ClassNotFound:
                lexer_classes[language] = None
        lexer_class = lexer_classes[language]
        if lexer_class is None:
            return ""
        # Each block is coloured as if it were the first: by a lexer of its
        # own (Modula-2's keeps the dialect one block named for the next),
        # and without what a lexer's class kept from the blocks before.
        _forget_lexer_state()
        # stripnl=False: the block's blank first lines are the writer's.
        return highlight(code, lexer_class(stripnl=False), formatter)

    return highlight_code


# Where Pygments lexers keep what one text set in their class, for every later
# text to see: Csound's user-defined opcodes (the orchestra's, which a .csd
# document's lexer uses too), Haxe's stack of #if, XQuery's open braces. A
# page would change with the notes rendered before it in the process, which a
# clean build, a cached one (that renders one changed paper) and the
# preview's rebuild of one paper's notes do not share.
_LEXER_CLASS_STATE = (
    ("pygments.lexers.csound", "CsoundOrchestraLexer", "user_defined_opcodes"),
    ("pygments.lexers.haxe", "HaxeLexer", "preproc_stack"),
    ("pygments.lexers.webmisc", "XQueryLexer", "xquery_parse_state"),
)


def _forget_lexer_state() -> None:
    for module_name, class_name, attribute in _LEXER_CLASS_STATE:
        module = sys.modules.get(module_name)  # not loaded: nothing was kept
        state = getattr(getattr(module, class_name, None), attribute, None)
        if state:
            state.clear()


def markdown_html(md: MarkdownIt, text: str) -> str:
    """``md.render(text)``, its footnotes' ids named after the text: a paper of
    one's own shows its abstract and its notes on one page, and the first
    footnote of each would otherwise be "fn1" twice."""
    if "^" not in text:  # "[^1]" and "^[inline]" both hold it
        return md.render(text)
    return md.render(text, {"docId": hashlib.blake2b(text.encode("utf-8"), digest_size=4).hexdigest()})


# A footnote's link to its text and back (each text named as above), to ids
# made beside it: none can lead nowhere.
FOOTNOTE_LINK = re.compile(r"#fn(?:ref)?-[0-9a-f]{8}-[0-9]+(?::[0-9]+)?")


# The address of a link or image our Markdown made, after what comes before
# it in the tag: raw HTML is off, so every tag is ours and its attributes
# escaped. Read here, by feeds and by the links check.
ADDRESS = re.compile(r'(<(?:a|img)\s[^>]*?\b(?:href|src)=")([^"]*)"')
_ANY_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def has_scheme(address: str) -> bool:
    """Whether ``address`` names its own scheme ("https:", "mailto:"), so no place on the site."""
    return _ANY_SCHEME.match(address) is not None


def under_base(html: str, base_path: str) -> str:
    """Rendered Markdown whose addresses from the site's root lead under its
    base path: in a note or page, "/img/plot.png" means the site's own file,
    which a GitHub Pages project site serves at "/repo/img/plot.png"."""
    if base_path == "/" or '="/' not in html:
        return html
    return ADDRESS.sub(lambda found: _from_root_under(base_path, found), html)


def _from_root_under(base_path: str, found: re.Match[str]) -> str:
    """The address ``found`` under ``base_path`` when it starts at the site's
    root ("/img/plot.png", not "//host/x"), else as it is."""
    address = found.group(2)
    if address[:1] != "/" or address[1:2] == "/":
        return found.group(0)
    return f'{found.group(1)}{base_path}{address[1:]}"'


_TAG = re.compile(r"<[^>]+>")
# Tags that end a word: "<p>One</p><p>Two</p>" reads "One Two", but
# "<code>x</code>:" reads "x:".
_BLOCK_TAG = re.compile(r"</?(?:p|h[1-6]|li|[ou]l|pre|blockquote|hr|br|table|thead|tbody|tr|t[dh]|dl|d[td])\b[^>]*>")
# A footnote's marks: its number in the text ("[1]") and its way back ("↩︎"),
# which are no words.
_FOOTNOTE_MARK = re.compile(r'<sup class="footnote-ref">.*?</sup>|<a [^>]*class="footnote-backref"[^>]*>.*?</a>')


# An image our Markdown made, for its text: its alt ("![a plot](plot.png)"),
# without which "with ![a plot](plot.png)." read "with ." in a summary.
_IMAGE = re.compile(r'<img src="[^"]*" alt="([^"]*)"[^>]*>')


def html_to_text(fragment: str) -> str:
    """Text of HTML that our own Markdown renderer produced (raw HTML is off,
    so every tag in it is one we made), without footnotes' marks, with an
    image's alt text for the image and a formula's TeX for the formula."""
    # As str: a regular expression's sub in Markup (a paper's view's HTML)
    # escapes what it puts there, and read "a<b" back as "a&lt;b". Here,
    # not by the caller: the search's memo keys the text by the view's own.
    fragment = str(fragment)
    if "footnote" in fragment:
        fragment = _FOOTNOTE_MARK.sub("", fragment)
    if "<img" in fragment:
        fragment = _IMAGE.sub(r"\1", fragment)
    if "<math" in fragment:
        # Its TeX ("x^2"), as written and as one searches for it, not its letters run together ("x2").
        fragment = MATHML.sub(r"\2", fragment)
    return " ".join(unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", fragment))).split())


# A heading our Markdown made: markdown-it writes none with attributes, and
# raw HTML is off, so every "<h3>" in its HTML is one.
_HEADING_MADE = re.compile(r"<(h[1-6])>(.*?)</\1>", re.S)
_ID = re.compile(r' id="([^"]*)"')


def with_heading_ids(html: str, taken: Iterable[str] = (), shown_above: str = "") -> str:
    """Rendered Markdown with an id on each heading, so that a link can lead
    to it (``#results``), as MkDocs, Hugo and GitHub give one: the slug of its
    text ("## Results" is "results"; "section" for one with no letter or
    digit), but none of ``taken`` (the ids its page's templates write), of
    the text's own ids (an earlier heading's, a footnote's) nor of
    ``shown_above``, the HTML of a text above it on the same page (a
    paper's abstract, above its notes): the second "Results" is
    "results-2", the third "results-3". After rendering, not in it: the
    rendered text is kept by its text alone, whatever page it is shown on,
    and a text without headings (most notes) is only looked at once."""
    if "<h" not in html:
        return html
    used = {*taken, *_ID.findall(html), *(_ID.findall(shown_above) if ' id="' in shown_above else ())}

    def with_id(found: re.Match[str]) -> str:
        level, inner = found.groups()
        slug = heading_id(html_to_text(inner))
        id_, number = slug, 2
        while id_ in used:
            id_, number = f"{slug}-{number}", number + 1
        used.add(id_)
        return f'<{level} id="{id_}">{inner}</{level}>'

    return _HEADING_MADE.sub(with_id, html)


# A heading with_heading_ids named.
_HEADING_WITH_ID = re.compile(r'<(h[1-6]) id="([^"]*)">(.*?)</\1>', re.S)


def heading_ids(html: str) -> list[str]:
    """The ids :func:`with_heading_ids` gave the headings of ``html``, in order."""
    return [id_ for _level, id_, _inner in _HEADING_WITH_ID.findall(html)]


def with_permalinks(html: str) -> str:
    """Rendered Markdown with a link "#" after each heading that has an id
    (:func:`with_heading_ids`), to that id, as MkDocs and GitHub show one,
    for copying a section's address; the stylesheet shows it on hover and on
    focus. Beside the heading, in a ``<div class="heading">``, not inside it:
    there its name ("Link to this section: Results") was read as part of the
    heading's own. For the templates (the ``permalinks`` filter), as a page
    is made: search, feeds and descriptions, made from the same HTML, have
    none."""
    if "<h" not in html or ' id="' not in html:
        return html
    return _HEADING_WITH_ID.sub(_with_permalink, html)


def _with_permalink(found: re.Match[str]) -> str:
    _level, id_, inner = found.groups()
    name = escapeHtml(f"Link to this section: {html_to_text(inner)}")
    return f'<div class="heading">{found.group(0)}<a class="permalink" href="#{id_}" aria-label="{name}">#</a></div>'


# What makes text more than plain paragraphs: a character Markdown gives a
# meaning anywhere (escapes, code, emphasis, links, images, autolinks,
# entities, strikethrough, tables, math, NUL), or whitespace other than spaces and
# newlines (a tab indents; Unicode spaces are trimmed like spaces). One
# character class: as "[...]|[^\\S \n]" the search took three times as long.
_OTHER_WHITESPACE = "\t\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_MARKUP_CHARACTER = re.compile("[" + re.escape("\\`*_[]<>!&~|$\0") + _OTHER_WHITESPACE + "]")
# A line starting with one of these may start a block (indented code, lists,
# headings, quotes, setext underlines, ordered lists).
_BLOCK_START = frozenset(" -+#=>0123456789")


# Control characters no page can hold (HTML forbids them, XML too) and
# U+FFFE, U+FFFF: a note pasted from a terminal (its colours' escapes) or
# from text decoded twice (the C1 controls of "It\u00e2\x80\x99s") shows
# nothing for them. Those str.split() takes for spaces end a word, as a
# space; the others go (as a digest's do, see digest._INVISIBLE).
_UNSHOWABLE = re.compile("[\x01-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_ENDS_A_WORD = "\x0b\x1c\x1d\x1e\x1f\x85"


def showable(text: str) -> str:
    """``text`` as the renderer reads it: without the characters no page can hold."""
    return _UNSHOWABLE.sub(_showable, text) if _UNSHOWABLE.search(text) else text


def _showable(found: re.Match[str]) -> str:
    return " " if found.group() in _ENDS_A_WORD else ""


def _render_markdown(render: Callable[[str], str], may_link: Callable[[str], bool], text: str) -> str:
    """``render(text)``; text that is only plain paragraphs (three abstracts
    in four) gets the same HTML without the parser, four times faster."""
    text = showable(text)
    lines = text.split("\n")
    if (
        _MARKUP_CHARACTER.search(text)
        or any(line and (line[0] in _BLOCK_START or line[-1] == " ") for line in lines)
        # An address (one abstract in seven) goes to the parser without the
        # slower check: it would say yes anyway.
        or "://" in text
        or "%%" in text  # a comment (comments.py); "5%" is text
        or "==" in text  # a highlight (highlights.py)
        or ("#" in text and MAY_HOLD_A_TAG.search(text))  # an inline tag (inline_tags.py)
        or may_link(text)
    ):
        return render(text)
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return "".join(f"<p>{escapeHtml(chr(10).join(lines))}</p>\n" for lines in paragraphs if lines)


def make_digest_text() -> Callable[[str], Markup | None]:
    """HTML for an abstract as ingest writes it from the digests (None for
    text ingest did not write, which is Markdown): digests are plain text
    copied from a web page, so their characters mean themselves. "8*16B"
    starts no emphasis and LaTeX quotes (`where') no code, but read as
    the quotes they stand for (‘where’). Addresses with a
    scheme become links as Markdown's linkify makes them, but neither a name
    such as "methods.In" (a missing space) nor "pass@1" is taken for an
    address without one; a backslash escape still
    shows only the character it escapes, as arXiv abstracts mean "87.73\\%"
    and as ingest escapes a line that would read as the notes heading.
    Markup, as the paper's view keeps it (site.as_markup): made so here, the
    build's memo and the views of 20,000 papers share one copy of each."""
    return partial(_render_digest_body, LinkifyIt())


def _render_digest_body(linkify: LinkifyIt, body: str) -> Markup | None:
    parts = digest_body_parts(body)
    if parts is None:
        return None
    html = []
    for level, text in parts:
        if level:
            # "## Other versions" an <h3> below the section's "Abstract", as
            # Markdown nests the same body once it is edited.
            level += 1
            html.append(f"<h{level}>{escapeHtml(text)}</h{level}>\n")
        elif text:
            html.append(f"<p>{_digest_text(linkify, text)}</p>\n")
    return Markup("".join(html))


def _digest_text(linkify: LinkifyIt, text: str) -> str:
    """One paragraph of digest text as HTML, its addresses linked as
    markdown-it's linkify rules link addresses with a scheme."""
    pieces, last = [], 0
    for scheme in _SCHEME.finditer(text) if "://" in text else ():
        link = linkify.match_at_start(text[scheme.start():]) if scheme.start() >= last else None
        if link is None:
            continue
        # Where the paper's links: end it, so the two agree ("….)" ends a sentence in brackets).
        url = trim_address(_ADDRESS_END.split(link.url, 1)[0])
        href = normalize_url.normalizeLink(url)
        if not normalize_url.validateLink(href):
            continue
        shown = normalize_url.normalizeLinkText(url)
        pieces += [_plain(text[last:scheme.start()]),
                   f'<a href="{escapeHtml(href)}" class="{BARE_ADDRESS}">{escapeHtml(shown)}</a>']
        last = scheme.start() + len(url)
    pieces.append(_plain(text[last:]))
    return "".join(pieces)


# Where linkify-it's schemes with "://" start a link: not after a letter, a
# digit or "+" (which would make them part of another scheme's name), so
# "page.https://…", a missing space, is linked too; papers._URL, which
# finds a paper's links:, starts them alike.
_SCHEME = re.compile(r"(?<![A-Za-z0-9+])(?:https?|ftp)(?=://)", re.IGNORECASE)
# What ends an address in digest text before linkify-it would: a LaTeX brace
# (see papers._URL) and a backslash escape.
_ADDRESS_END = re.compile(r"[{}\\]")


def _plain(text: str) -> str:
    return escapeHtml(tex_quotes(resolve_escapes(text)))


# LaTeX's quotes, which arXiv abstracts keep: ``a'' (or ``a"), and `a'.
_TEX_DOUBLE = re.compile(r"``([^\s`](?:[^`\n]{0,300}?[^\s`])?)(?:''|\")")
_TEX_SINGLE = re.compile(r"`([^\s`'](?:[^`\n]{0,300}?[^\s`])?)'(?!\w)")


def tex_quotes(text: str) -> str:
    """Digest text with LaTeX's quotes shown as the quotes they stand for:
    ``knowledge overshadowing'' as “knowledge overshadowing”, `where' as
    ‘where’. A lone backquote stays as it is."""
    if "`" not in text:
        return text
    return _TEX_SINGLE.sub(r"‘\1’", _TEX_DOUBLE.sub(r"“\1”", text))


class QuickLinkify(LinkifyIt):
    """linkify-it with the same answers, found faster, and addresses ended
    where a paper's links: list and its abstract end them: linkify-it keeps
    the full stop of "(see https://x.org/a.)" in the address.

    linkify-it's pretest is one regex: a schema name preceded by a separator,
    or a host-like piece of text, or ``@``. The separator check makes it slow
    (it was two thirds of rendering an abstract). Without it the regex matches
    wherever the full one does, so text it misses has no link for sure: only
    text it matches gets linkify-it's pretest (about one abstract in six), and
    of the text pieces markdown-it then asks :meth:`test` about, only those it
    matches (four in a hundred) get linkify-it's slower search. The pretest
    itself must stay exact: markdown-it asks it of a whole paragraph before
    testing the pieces, which can hold a link the whole would not.
    """

    def __init__(self) -> None:
        super().__init__()
        schemas = "|".join(re.escape(name) for name, compiled in self._compiled.items() if name and compiled)
        may_link = f"@|{schemas}|{self.re['host_fuzzy_test']}"
        # Tried at every position, the alternatives cost more than they find;
        # a look at the one character each can start with rules most positions out.
        first = _first_characters(may_link)
        if first is not None:
            may_link = f"(?=[{re.escape(first)}])(?:{may_link})"
        self._may_link = re.compile(may_link, re.IGNORECASE)

    def pretest(self, text: str) -> bool:
        return self._may_link.search(text) is not None and super().pretest(text)

    def test(self, text: str) -> bool:
        return self._may_link.search(text) is not None and super().test(text)

    def match(self, text: str) -> list[Match] | None:
        return [_ended(found) for found in super().match(text) or ()] or None

    def match_at_start(self, text: str) -> Match | None:
        found = super().match_at_start(text)
        return found and _ended(found)


def _ended(found: Match) -> Match:
    """``found`` without the punctuation that ends its sentence (trim_address)."""
    cut = len(found.raw) - len(trim_address(found.raw))
    if cut:
        # The address may hold more than the text ("http://" before "x.org"), never less.
        found.raw, found.text, found.url = found.raw[:-cut], found.text[:-cut], found.url[:-cut]
        found.last_index -= cut
    return found


def _first_characters(pattern: str) -> str | None:
    """The characters a match of ``pattern`` can start with, in either case;
    None when some alternative does not start with one literal character (a
    class, an optional character, an empty alternative). Enough for
    linkify-it's patterns: literals, escapes, groups and alternatives."""
    alternatives, ends = _split_alternatives(pattern)
    first: set[str] = set()
    for alternative, group_end in zip(alternatives, ends):
        if alternative.startswith("(?:") and group_end == len(alternative) - 1:
            inner = _first_characters(alternative[3:-1])  # a group that is the whole alternative
            if inner is None:
                return None
            first.update(inner)
            continue
        escaped = alternative.startswith("\\")
        head = alternative[1:2] if escaped else alternative[:1]
        literal = (not head.isalnum()) if escaped else (head != "" and head not in ".^$*+?{}[]|()")
        if not literal or alternative[1 + escaped:][:1] in ("*", "?", "{"):
            return None
        first.update((head.lower(), head.upper()))
    return "".join(sorted(first))


def _split_alternatives(pattern: str) -> tuple[list[str], list[int | None]]:
    """``pattern``'s top-level alternatives, and for each where the group
    opened by its first character closes (None if it does not open one)."""
    alternatives: list[str] = []
    ends: list[int | None] = []
    depth, start, first_group_end, i = 0, 0, None, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 1
        elif char == "[":  # to its closing "]": escapes skipped, a "]" first is a member
            i += 2 if pattern[i + 1:i + 2] == "^" else 1
            i += pattern[i:i + 1] == "]"
            while pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0 and first_group_end is None and pattern[start] == "(":
                first_group_end = i - start
        elif char == "|" and depth == 0:
            alternatives.append(pattern[start:i])
            ends.append(first_group_end)
            start, first_group_end = i + 1, None
        i += 1
    alternatives.append(pattern[start:])
    ends.append(first_group_end)
    return alternatives, ends
