"""Parse digest text (a copy of the Hugging Face "Daily Papers" page) into entries.

A digest is: header lines, a date line (``Mar 18``), then paragraphs separated
by blank lines that alternate paper title and abstract. Nothing here raises
anything but :class:`SourceError`, and every error names the file and line.
Date lines and years are read by :mod:`.digest_dates`, files by :mod:`.digest_files`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .digest_dates import (
    DAYS_APART_WARNED, date_from_filename, in_some_year, mistyped_date_line, nearest_year, parse_date_line,
    year_from_filename,
)
from .errors import SourceError

# Header lines above the date line vary between copies of the page, so they
# are skipped (a paper's abstract there is an error). A "title" longer than
# this is almost surely an abstract, which means a title or abstract is
# missing above it.
_MAX_TITLE_CHARS = 500
# The word before a full stop that a capital follows: a sentence's end, but
# for the abbreviations titles use ("Kaplan et al. Scaling Laws"). The word
# holds no full stop: "e.g." and "i.e." are found as "g" and "e".
_SENTENCE_BREAK = re.compile(r"(\w+)\. (?=[A-Z])")
_ABBREVIATIONS = frozenset({"al", "vs", "g", "e", "etc", "cf", "fig", "eq", "no", "vol", "dr", "mr", "st"})


@dataclass(frozen=True)
class DigestEntry:
    title: str
    abstract: str
    date: dt.date
    path: Path
    line: int  # line of the title, 1-based
    # The paper's identity (title_key), made once as the digest is read: a
    # rebuild asks for it of every entry of every digest, twice.
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", title_key(self.title))


def title_key(title: str) -> str:
    """The identity of a paper across digests: its title without case,
    spacing, punctuation, Unicode forms and invisible characters ("Multi-Modal"
    and "Multimodal", "Fine-Tuning" and "Fine Tuning" are one paper's), but
    with its letters, digits, marks and symbols, "#", "%", "&", "*" and "@"
    among them ("C++", "C#" and "C" are three). A title of punctuation only
    keeps it."""
    text = title_text(title)
    if text.isascii():  # most titles: one regex pass instead of a look-up per character
        kept = _ASCII_PUNCTUATION_AND_SPACE.sub("", text)
    else:
        text = _VARIATION_SELECTORS.sub("", text)
        kept = "".join(
            char for char in text
            if unicodedata.category(char)[0] in "LMNS" or char in _ASCII_SYMBOLS_UNICODE_CALLS_PUNCTUATION
        )
    return kept or text


def title_text(title: str) -> str:
    """A title as it reads: case, spacing, Unicode forms and invisible characters ignored."""
    text = unicodedata.normalize("NFKC", visible(title)).casefold()
    return " ".join(text.split()).rstrip(" .")


# What Unicode calls punctuation (P*), separators and controls among ASCII's
# characters, but for those that read as symbols in a title ("C#", "100%",
# "Q&A"), which are kept, as its symbols ($ + < = > ^ ` | ~) are.
_ASCII_SYMBOLS_UNICODE_CALLS_PUNCTUATION = "#%&*@"
_ASCII_PUNCTUATION_AND_SPACE = re.compile(r"""[\x00-\x20\x7f!"'(),\-./:;?\[\\\]_{}]+""")
# Emoji or text style of the character before: not another title.
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


# Characters that show nothing, which a copy from a web page may hold: a soft
# hyphen, zero-width spaces and joiners, direction marks, a byte order mark.
# (Not U+200C and U+200D, which join letters of some scripts and emoji.) And
# control characters, which no page or feed can hold (a bell, a terminal's
# escape, the C1 controls of text decoded twice: "It\u00e2\x80\x99s"), and
# U+FFFE and U+FFFF; not those str.split() takes for spaces (tab, form feed,
# U+001C-U+001F, U+0085), which end a word.
_INVISIBLE = re.compile(
    "[\x01-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u200b\u200e\u200f\u2060-\u2064\u202a-\u202e\u2066-\u2069"
    "\ufeff\ufffe\uffff]"
)


def visible(text: str) -> str:
    """``text`` without the characters that show nothing (_INVISIBLE)."""
    # Printable text holds none of them: most lines are, and skip the regex.
    return text if text.isprintable() else _INVISIBLE.sub("", text)


@dataclass(frozen=True)
class Digest:
    path: Path
    date: dt.date
    entries: tuple[DigestEntry, ...]
    # Problems the build can work around but the user should hear about.
    warnings: tuple[SourceError, ...] = ()
    date_line: int | None = None
    # Neither its date line nor its file name has a year: it is digest_year's.
    year_from_settings: bool = False


@dataclass(frozen=True)
class _Paragraph:
    text: str
    line: int
    first: str  # its first line, for errors
    # The first of its lines, in a paragraph of several, that is a line of
    # the web page (_GLUED_PAGE_LINE) or a date line, with its number: with
    # no blank line around it, it would be read as part of a title or abstract.
    glued: tuple[int, str] | None = None


def clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _blank_line_hint(paragraph: _Paragraph) -> str | None:
    """The hint for a paragraph that is a title with its abstract on the next
    line (some browsers copy the page with single line breaks); else None."""
    if paragraph.first == paragraph.text or not _looks_like_title(paragraph.first) or _looks_like_title(paragraph.text):
        return None
    return (
        f"if its first line {clip(paragraph.first)!r} is a title, put a blank line after it: "
        "a title and its abstract are paragraphs of their own"
    )


def _reads_as_a_sentence(text: str) -> bool:
    """Ends as a sentence and is one: long (twenty words, where the longest
    title of the shipped digests has twenty-two but no full stop), or with a web
    address or a full stop between sentences inside. Titles that end in a full
    stop do occur: "Fine-tuning vs. Retrieval ... Knowledge." is not one."""
    if not text.endswith((".", "。")):
        return False
    if len(text.split()) >= 20 or "://" in text:
        return True
    return any(word.lower() not in _ABBREVIATIONS for word in _SENTENCE_BREAK.findall(text))


def _looks_like_title(text: str) -> bool:
    """Short and not a sentence: what a title looks like and an abstract does
    not. A question is a title ("Are Large Language Models Good
    Statisticians?"), as eight of the shipped digests' are; an abstract
    that short and ending in a question is rare."""
    return len(text) < 160 and not text.rstrip().endswith((".", "!", "。", "！"))


def _paragraphs(numbered: Iterator[tuple[int, str]], path: Path) -> Iterator[_Paragraph]:
    """Group lines into blank-line separated paragraphs, joining wrapped lines."""
    buffer: list[str] = []
    start = 0
    glued: tuple[int, str] | None = None
    for number, raw in numbered:
        if "\0" in raw:
            raise _nul_error(path, number)
        # Collapse tabs, non-breaking spaces and runs of spaces pasted from
        # web pages; a line of invisible characters is a blank line.
        line = " ".join(visible(raw).split())
        if line:
            if not buffer:
                start = number
            buffer.append(line)
            if glued is None and (_GLUED_PAGE_LINE.fullmatch(line) or parse_date_line(line, None) is not None):
                glued = number, line
        elif buffer:
            yield _Paragraph(" ".join(buffer), start, buffer[0], glued if len(buffer) > 1 else None)
            buffer = []
            glued = None
    if buffer:
        yield _Paragraph(" ".join(buffer), start, buffer[0], glued if len(buffer) > 1 else None)


def parse_digest(text: str, path: Path, default_year: int | None = None) -> Digest:
    """Parse one digest. ``default_year`` is used when neither the date line nor
    the file name carries a year (``digest_year`` in site.yaml)."""
    return parse_digest_lines(split_lines(text), path, default_year)


# What ends a line in an editor. Not str.splitlines(), which also breaks at
# U+2028, U+2029, U+0085, a form feed and \x1c-\x1e: the line numbers of
# errors after one would be a line or more past the editor's.
LINE_END = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """``text``'s lines as an editor counts them, without their endings."""
    # Most text has no CR: str.split, several times faster than the regex,
    # which took a third of a digest's reading time.
    lines = text.split("\n") if "\r" not in text else LINE_END.split(text)
    if lines[-1] == "":  # what follows the last line ending is no line
        lines.pop()
    return lines


# What a copy of the web page holds beside the papers: who submitted one, its
# upvote count, its authors and links, the page's header and buttons. Taken
# for a title or abstract, each would make a paper.
_PAGE_LINE = re.compile(
    r"Submitted by\b.*|(?:Upvote\s*)?\d[\d.,]*\s*k?|Upvote|Published on [A-Za-z]{3,9}\.? \d{1,2}(?:, \d{4})?"
    r"|[·•]?\s*\d+\s+authors?"
    r"|new|subscribe|daily papers|by\s*AK and the research community|get trending papers in your email inbox!?"
    r"|previous|next|load more|view all papers|view arxiv page|view pdf",
    re.IGNORECASE,
)
# The lines of the page that a browser copying without blank lines glues to
# a title or abstract, told from a line of a paper's own wrapped text: not
# "new" or "next", which may end a wrapped title, nor "submitted by crowd
# workers", which may start a line of an abstract.
_GLUED_PAGE_LINE = re.compile(
    r"Submitted by(?: \S+){0,3}|(?:Upvote\s*)?(?:\d{1,5}|\d{1,3}(?:,\d{3})+|\d+(?:\.\d)?\s*[kK])|Upvote"
    r"|Published on [A-Za-z]{3,9}\.? \d{1,2}(?:, \d{4})?"
    r"|[·•]\s*\d+\s+authors?|\d+\s+authors"
    r"|(?i:daily papers|by\s*AK and the research community|get trending papers in your email inbox!?"
    r"|load more|view all papers|view arxiv page|view pdf)",
)
# Where a sentence ends: ".", "!" or "?", maybe inside quotes or brackets,
# then a space or the end ("… (code released.)", "… \"widget collapse.\""),
# or a stop of another script ("。", "।", "۔").
_SENTENCE_END = re.compile(r"[.!?…;][\"'”’)\]]*(?=\s|$)|[。！？।॥۔؟．]")
_ENDS_A_SENTENCE = re.compile(f"(?:{_SENTENCE_END.pattern})\\Z")


def ends_a_sentence(text: str) -> bool:
    """Whether ``text`` ends where a sentence does, as :data:`_SENTENCE_END` tells."""
    return _ENDS_A_SENTENCE.search(text.rstrip()) is not None


def _not_an_abstract(text: str) -> bool:
    """A line of the page that would pair with the one above it as a paper:
    a word or four ("akhaliq", "TOS", "Privacy", "Alice Smith, Bob Jones"),
    a row of the page's footer, or a list of names ("A. Smith, B. Jones et
    al.", "Ludwig van Beethoven; Jean de la Fontaine", "张三, 李四"), with no
    sentence or address in it. A real abstract that short ("We release the
    code at https://…", one in Chinese, Hindi or Arabic without a final
    stop) reads otherwise."""
    if len(text) >= 400 or "://" in text:
        return False
    plain = _ET_AL.sub("", text).rstrip(" ,;…")
    if _NAMES_SENTENCE_END.search(plain):
        return False
    items = [item for item in _LIST_SEPARATOR.split(plain) if item]
    if len(items) > 1 and all(len(item) <= 4 and not _has_case(item) for item in items):
        return True  # names in scripts without spaces or case: 张三, 李四
    words = _LIST_SEPARATOR.sub(" ", plain).split()
    if len(words) <= 4:
        # A few words, unless in a script that writes no spaces (a sentence of Chinese is one "word").
        return len(text) < 160 and not (_WIDE_SCRIPT.search(text) and max(map(len, words), default=0) >= 15)
    # A list of names or a row of links: hardly a word in it is not capitalised
    # (a word of a script without case, Hindi or Arabic, is prose).
    lower = [word for word in words if not _has_case(word[:1]) or (word[:1].islower() and not _NAME_PARTICLE.fullmatch(word))]
    return not lower and len(words) <= 60


def _has_case(text: str) -> bool:
    return any(char.isupper() or char.islower() for char in text)


# Where a sentence of a short paragraph ends, as _SENTENCE_END, but not at an
# initial ("A. Smith", "Lee K.", "Ch. Schmidt") or at ";", which lists of
# names hold; a text that is one letter and a stop still is one ("A.").
_NAMES_SENTENCE_END = re.compile(
    r"(?<!\s[A-Z])(?<!\b[A-Z][a-z])[.!?][\"'”’)\]]*(?:\s|$)|[。！？।॥۔؟．]"
)
_ET_AL = re.compile(r"\bet al\b\.?")
_LIST_SEPARATOR = re.compile(r"\s*[,;，、；]\s*")
# Words a name holds in lower case: "van", "de la", "dos", "al-" in "al-Farabi".
_NAME_PARTICLE = re.compile(
    r"van|von|der|den|de|del|della|di|da|das|do|dos|du|la|las|le|los|ter|ten|zu|e|y|bin|ibn|and|[a-z]{1,3}-\S+"
)
_WIDE_SCRIPT = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def parse_digest_lines(lines: Iterable[str], path: Path, default_year: int | None = None) -> Digest:
    """Parse a digest from its lines, holding only a few paragraphs at a time,
    so a digest of any size needs memory only for the entries it yields."""
    numbered = enumerate(lines, start=1)
    named = date_from_filename(path)
    year_in_name = year_from_filename(path)
    date, date_line, year_written = _find_date(numbered, path, named, year_in_name or default_year)
    paragraphs = _paragraphs(numbered, path)
    warnings: list[SourceError] = []
    if named is not None and abs((date - named).days) > DAYS_APART_WARNED:
        # Apr 20 in 2025-03-20.txt is dated 2024-04-20, by the rule; a typo, more likely.
        apart = (date - named).days
        warnings.append(SourceError(
            f"the digest is dated {date.isoformat()}, {abs(apart)} days {'after' if apart > 0 else 'before'} "
            f"the date in its file name ({named.isoformat()})", path, date_line,
            hint="if the date line or the file name has a typo, fix it; a file named for the day you saved it "
            "can be named for the digest's day instead",
        ))
    window = [next(paragraphs, None), next(paragraphs, None), next(paragraphs, None)]
    try:
        return _digest_of(window, paragraphs, path, date, date_line, warnings, year_written, year_in_name)
    except _PageLineError as error:
        # A page copied whole has such lines at every paper: all named at once,
        # not one a build (a submitter and an upvote count a paper: 60 builds for 30 papers).
        more, again, copy = _page_lines_after(error.line or 0, window, paragraphs, date)
        if more:
            named = [str(number) for number in more[:10]] + ([f"{len(more) - 10:,} more"] if len(more) > 10 else [])
            shown = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
            error.hint += f"; {'so is line' if len(more) == 1 else 'so are lines'} {shown} below"
        if again is not None:
            error.hint += (
                f"; line {again} is the date line of line {date_line} again: if the digest is pasted twice, "
                f"delete its second copy, from line {copy} on"
            )
        raise


def _digest_of(
    window: list[_Paragraph | None], paragraphs: Iterator[_Paragraph], path: Path, date: dt.date, date_line: int,
    warnings: list[SourceError], year_written: bool, year_in_name: int | None,
) -> Digest:
    """The digest of the paragraphs after the date line: ``window``, the next three, then
    ``paragraphs``; ``window`` is left holding those not yet read."""
    entries: list[DigestEntry] = []
    seen: dict[str, DigestEntry] = {}
    previous: tuple[_Paragraph, _Paragraph] | None = None  # the last entry's title and abstract
    while window[0] is not None:
        title, abstract, after = window
        # The title's own lines first: a line of the page glued to it would
        # otherwise be reported as a paragraph too long, or a title run on.
        _check_not_page_or_date_line(title, "title", path, date, date_line)
        if len(title.text) > _MAX_TITLE_CHARS:
            raise SourceError(
                f"expected a paper title but found a paragraph of {len(title.text):,} characters",
                path, title.line,
                hint=_blank_line_hint(title)
                or "titles and abstracts must alternate; a title or abstract may be missing above this line",
            )
        if title.text.endswith(".") and (hint := _blank_line_hint(title)):
            # A title with its abstract on the next lines, taken whole for a
            # title (titles end in no full stop), would pair with the next paragraph.
            raise SourceError(
                f"title {clip(title.text)!r} runs on into a sentence: is it a title with its abstract?",
                path, title.line, hint=f"{hint}; or, for a title that ends in a full stop, join it onto one line",
            )
        if abstract is None and previous is not None and title.text.endswith((".", "。")) \
                and not _blank_line_hint(title):
            # A sentence where the last title should be: the abstract above
            # went on in a paragraph of its own, or this abstract's title was
            # not copied. "Delete the title" would lose it.
            raise SourceError(
                f"{clip(title.text)!r} is where a title should be, but no abstract follows: is it a further "
                f"paragraph of the abstract of {clip(previous[0].text)!r} (line {previous[1].line}), or an abstract "
                "whose title is missing?", path, title.line, hint=_JOIN_OR_ADD_TITLE,
            )
        if abstract is None:
            raise SourceError(
                f"title {clip(title.text)!r} has no abstract", path, title.line,
                hint=_blank_line_hint(title) or "add the abstract as the next paragraph, or delete the title",
            )
        _check_not_page_or_date_line(abstract, "abstract", path, date, date_line)
        # A title may end in "!" ("… Is All You Need!"), as the abstract,
        # which the date line would otherwise take for its own, does not.
        if mistyped_date_line(title.text, date) and _looks_like_title(abstract.text.rstrip("!！")) and (
            after is None or not _looks_like_title(after.text)
        ):
            # Another day's date line, misspelt: no error said so, as one
            # written right is (a second date line), and this one's line
            # was the title's after it.
            raise SourceError(
                f"two titles in a row: {clip(title.text)!r} then {clip(abstract.text)!r}; "
                f"is {clip(title.text)!r} a mistyped date line?", path, title.line,
                hint="a date line is written as 'Mar 19', 'Mar 19, 2025' or '2025-03-19', and another day's "
                "papers go in a digest file of their own; if it is a title, add its abstract after it",
            )
        if _looks_like_title(abstract.text) and after is not None and not _looks_like_title(after.text):
            if previous is not None and title.text.endswith((".", "。")):
                # An abstract pasted as two paragraphs, or one whose title was
                # not copied: taken for a title, and the next title for its abstract.
                raise SourceError(
                    f"{clip(title.text)!r} is where a title should be but is followed by a title: is it a further "
                    f"paragraph of the abstract of {clip(previous[0].text)!r} (line {previous[1].line}), or an "
                    "abstract whose title is missing?",
                    path, title.line, hint=_JOIN_OR_ADD_TITLE,
                )
            raise SourceError(
                f"two titles in a row: {clip(title.text)!r} then {clip(abstract.text)!r}",
                path, abstract.line,
                hint=_blank_line_hint(title) or "add the missing abstract after the first title, or delete that title",
            )
        if _not_an_abstract(abstract.text):
            # Two short lines that are no paper, which would make one: a
            # submitter and the authors, a pasted footer ("TOS", "Privacy").
            raise SourceError(
                f"{clip(abstract.text)!r}, below the title {clip(title.text)!r}, does not look like an abstract: "
                "a few words or names, not a sentence", path, abstract.line,
                hint="if the two are lines of the page, such as a submitter and the authors or the page's footer, "
                "delete them; if it is the paper's abstract, end it with a full stop",
            )
        if previous is not None and _reads_as_a_sentence(title.text):
            # An abstract pasted as three paragraphs: its second is taken for
            # a title and its third for that title's abstract. Only a warning:
            # a title may end in a full stop.
            warnings.append(SourceError(
                f"the title {clip(title.text)!r} reads as a sentence: is it a further paragraph of the abstract of "
                f"{clip(previous[0].text)!r} (line {previous[1].line})?", path, title.line,
                hint="if so, join it and the paragraph after it to that abstract by deleting the blank lines above "
                "them; if it is a title, this warning can be ignored",
            ))
        # Told apart as across digests (title_key), so that what this
        # digest lists twice is what the site would show as one paper.
        entry = DigestEntry(title.text, abstract.text, date, path, title.line)
        if entry.key in seen:
            first = seen[entry.key]
            again = title_text(first.title) == title_text(entry.title)
            warnings.append(SourceError(
                f"{clip(title.text)!r} is listed twice in this digest (first on line {first.line}); the first is kept"
                if again else
                f"{clip(title.text)!r} is {clip(first.title)!r} of line {first.line} but for punctuation, so one "
                "paper to the site: the first is kept, with its abstract", path, title.line,
                hint="" if again else "if they are two papers, make their titles differ in a letter, digit or symbol",
            ))
        else:
            seen[entry.key] = entry
            entries.append(entry)
        previous = (title, abstract)
        window[:] = [after, next(paragraphs, None), next(paragraphs, None)]  # in place: the caller reads what is left
    if not entries:
        raise SourceError(
            "digest has a date but no papers", path, date_line,
            hint="add title and abstract paragraphs after the date line, or delete the file",
        )
    return Digest(
        path, date, tuple(entries), tuple(warnings), date_line,
        year_from_settings=not year_written and year_in_name is None,
    )


_JOIN_OR_ADD_TITLE = "join it to that abstract by deleting the blank line above it, or add its title above it"


def _check_not_page_or_date_line(paragraph: _Paragraph, what: str, path: Path, date: dt.date, date_line: int) -> None:
    """An error if ``paragraph`` is a line of the web page or a date line, or
    has one among its lines (the one glued on is told first: the whole
    paragraph "Submitted by akhaliq A Title" reads as a line of the page)."""
    if paragraph.glued is not None:  # with no blank line between it and the paper's lines
        line, text = paragraph.glued
        if parse_date_line(text, None) is not None:
            raise _second_date_error(text, path, line, date, date_line)
        raise _page_line_error(text, f"part of a paper's {what}", path, line)
    if _PAGE_LINE.fullmatch(paragraph.text):  # one line, or one wrapped: "Published on" "Mar 19"
        raise _page_line_error(paragraph.text, f"a paper's {what}", path, paragraph.line)
    if parse_date_line(paragraph.text, None) is not None:
        raise _second_date_error(paragraph.text, path, paragraph.line, date, date_line)


def _second_date_error(text: str, path: Path, line: int, date: dt.date, date_line: int) -> SourceError:
    if _same_day(text, date):
        # A file of its own, as for another day, would hold the same papers again.
        return SourceError(
            f"the date line {clip(text)!r} again (line {date_line} has it): is the digest pasted twice?", path, line,
            hint="delete its second copy, from the page's lines above this line on; papers of the day that the "
            "first copy lacks may stay, without this line",
        )
    return SourceError(
        f"a second date line {clip(text)!r}: a digest holds one day's papers", path, line,
        hint="move this date line and the papers after it into a digest file of their own",
    )


@dataclass(eq=False)
class _PageLineError(SourceError):
    """A line of the web page among the papers: the others after it are named too."""


def _page_line_error(text: str, not_what: str, path: Path, line: int) -> SourceError:
    return _PageLineError(
        f"{clip(text)!r} is a line of the Daily Papers web page, not {not_what}", path, line,
        hint="delete the page's lines among the papers (a header or menu, submitters, upvote counts) from the digest: "
        "after its date line it alternates paper titles and abstracts (lines above the date line are passed "
        "over); another day's papers go in a file of their own",
    )


def _page_lines_after(
    line: int, window: list[_Paragraph | None], paragraphs: Iterator[_Paragraph], date: dt.date,
) -> tuple[list[int], int | None, int | None]:
    """The lines of the web page after ``line`` in the paragraphs not yet
    read (alone on their lines, or glued to a paper's), the line of the
    first date line of ``date``'s day among them (the digest pasted twice),
    and where its second copy starts: the first of the page's lines just
    above that date line, or the date line (the error's line may be in the
    first copy, a submitter at its first paper)."""
    lines: list[int] = []
    again: int | None = None
    copy: int | None = None
    page_lines_from: int | None = None  # the first of the page's lines read since a paper's
    try:
        for paragraph in itertools.chain(window, paragraphs):
            if paragraph is None:
                continue
            page_line = _PAGE_LINE.fullmatch(paragraph.text) is not None
            if paragraph.glued is not None and paragraph.glued[0] > line and not parse_date_line(paragraph.glued[1], None):
                lines.append(paragraph.glued[0])
            elif paragraph.line > line and page_line:
                lines.append(paragraph.line)
            elif paragraph.line > line and again is None and _same_day(paragraph.text, date):
                again = paragraph.line
                copy = page_lines_from or again
            page_lines_from = (page_lines_from or paragraph.line) if page_line and paragraph.line >= line else None
    except SourceError:  # a NUL byte further on: the next build says so
        pass
    return lines, again, copy


def _same_day(text: str, date: dt.date) -> bool:
    """Whether ``text`` is a date line of ``date`` (in its year, or with none)."""
    return parse_date_line(text, date.year) == (date.month, date.day, date.year)


def _find_date(
    numbered: Iterator[tuple[int, str]], path: Path, named: dt.date | None, default_year: int | None,
) -> tuple[dt.date, int, bool]:
    """Consume lines up to and including the date line; return its date, its
    line and whether it has a year of its own.
    A date line without a year takes the latest year that puts it no more
    than a week after the date in the file's name (``Dec 31`` in
    2026-01-01.txt, pasted the day after, is in 2025), else ``default_year``."""
    blank = True
    suspect: tuple[int, str] | None = None  # the first short line with a digit: a mistyped date?
    # The header's paragraphs are skipped, but one that reads as an abstract
    # is a paper pasted above the date line, which would be lost: its first
    # line and its text (enough of it to tell).
    paragraph: tuple[int, str] | None = None
    abstract_above: tuple[int, str] | None = None
    for number, line in numbered:
        if "\0" in line:
            raise _nul_error(path, number)
        line = visible(line)
        text = " ".join(line.split())
        blank = blank and not text
        found = parse_date_line(text, None)
        if found is None:
            if suspect is None and len(line.strip()) <= 30 and any(c.isdigit() for c in line):
                suspect = number, line.strip()
            # The page's own lines ("Get trending papers in your email
            # inbox!") end a paragraph as a blank line does: browsers that
            # copy without blank lines run the header into one.
            if text and not _PAGE_LINE.fullmatch(text):
                start, so_far = paragraph or (number, "")
                # Enough of it to tell an abstract, which may take a few hundred characters to end a sentence.
                paragraph = start, f"{so_far} {text}".strip()[:2000]
            elif paragraph is not None:
                abstract_above = abstract_above or _if_abstract(paragraph)
                paragraph = None
            continue
        abstract_above = abstract_above or _if_abstract(paragraph)
        if abstract_above is not None:
            line_above, text_above = abstract_above
            raise SourceError(
                f"{clip(text_above)!r} reads as a paper's abstract, but papers before the date line "
                f"(line {number}) are not read", path, line_above,
                hint="move them below it, or into a digest of their own if they are another day's; "
                "if the paragraph is no paper's, delete it",
            )
        month, day, year = found
        written = year
        if year is None and named is not None:
            year = nearest_year(month, day, named)
        year = default_year if year is None else year
        if year is None:
            raise SourceError(
                f"date line {line.strip()!r} has no year", path, number,
                hint=f"write it with its year, e.g. '{' '.join(line.split())}, 2025', put an ISO date in the "
                "file name, or set digest_year in content/site.yaml",
            )
        try:
            return dt.date(year, month, day), number, written is not None
        except ValueError:
            # A year it was given, from the file's name or site.yaml: "Feb 29" is a date in 2024.
            taken = "" if written is not None or not in_some_year(month, day) else f" in {year}"
            raise SourceError(
                f"{line.strip()!r} is not a real date{taken}", path, number,
                hint="fix the day or month of the date line" + (f", or write its year if not {year}" if taken else ""),
            ) from None
    if blank:
        raise SourceError("digest is empty", path, 1, hint="paste a Daily Papers page into it, or delete it")
    if suspect is not None:
        raise SourceError(
            f"no date line found; is {suspect[1]!r} meant to be one?", path, suspect[0],
            hint="write the date as 'Mar 18', 'Mar 18, 2025' or '2025-03-18', alone on its line above the first title",
        )
    named = date_from_filename(path)
    raise SourceError(
        "no date line found", path, 1,
        hint=f"add the line '{named:%b} {named.day}' above the first title, if the date in the file's name is the digest's"
        if named else "add a line such as 'Mar 18' or '2025-03-18' above the first title",
    )


def _if_abstract(paragraph: tuple[int, str] | None) -> tuple[int, str] | None:
    """``paragraph`` if it reads as an abstract: long, of sentences. Not the
    page's header, whose lines copied without blank lines run into one long
    paragraph without a sentence, nor a note of one's own ("Copied from HF
    this morning.")."""
    if paragraph is None or len(paragraph[1]) < 200 or len(_SENTENCE_END.findall(paragraph[1])) < 2:
        return None
    return paragraph


def _nul_error(path: Path, line: int) -> SourceError:
    # UTF-16 without a byte order mark cannot be told from binary for certain;
    # its ASCII characters each come with a NUL byte.
    return SourceError(
        "digest contains NUL bytes: it looks like a binary file, or text saved as UTF-16 without a byte order mark",
        path, line, hint="save the digest as plain UTF-8 text; in Notepad: Save As, Encoding: UTF-8",
    )
