"""Papers: merge digest entries, give each a stable slug, and read
``content/papers/<slug>.md``. Ingest decides what to write (:mod:`.ingest`), and
how, without losing what the user added (:mod:`.paper_file`)."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable, Sequence, TypeVar

import yaml
from slugify import slugify

from .aliases import FRONT_MATTER_KEYS as ALIAS_KEYS, Alias, parse_front_matter_aliases
from .digest import Digest, DigestEntry, clip, ends_a_sentence, title_key, title_text
from .digest_dates import new_year_warnings
from .errors import BYTE_ORDER_MARK, SourceError, raise_if_any, shown_name
from .yamlsource import parse_yaml_mapping, text_hint

T = TypeVar("T")
Memo = Callable[[Hashable, Callable[[], T]], T]
# memo over many jobs at once, computing the missing ones on both cores, and
# raising every SourceError together: BuildCache.memo_many.
MemoMany = Callable[[Iterable[tuple[Hashable, Callable[[], Any]]]], list[Any]]


def no_memo(key: Hashable, compute: Callable[[], T]) -> T:
    return compute()


def compute_each(jobs: Iterable[tuple[Hashable, Callable[[], Any]]]) -> list[Any]:
    """A MemoMany that keeps nothing."""
    values: list[Any] = []
    errors: list[SourceError] = []
    for _key, compute in jobs:
        try:
            values.append(compute())
        except SourceError as error:
            errors.append(error)
    raise_if_any(errors)
    return values


# Front-matter keys that ingest owns and rewrites from the digests. Every
# other key, and everything from the "## Notes" heading on, belongs to the user.
MANAGED_KEYS = ("title", "slug", "dates", "topics", "links")
# The keys of a paper file that list its tags: "tags", and "tag", Obsidian's
# older key, which its version 1.4 left for "tags" (as "alias" for "aliases"):
# a vault's older notes still hold it.
TAG_KEYS = ("tags", "tag")
# The keys the build reads, besides ingest's: spelt in another case, each is an error.
KNOWN_KEYS = frozenset(MANAGED_KEYS + ("starred", "draft", "arxiv") + TAG_KEYS + ALIAS_KEYS)

# "## Notes", and the ways people write it: "### Notes", "## notes", "## Notes:",
# "## Notes ##" (CommonMark's closing sequence, which some editors write).
# Not "# Notes", which is as likely a comment in a code block as a heading.
NOTES_HEADING = re.compile(r"^###?[ \t]+notes[ \t]*:?(?:[ \t]+#+)?[ \t]*$", re.MULTILINE | re.IGNORECASE)
# Headings ingest writes itself, above the notes (see PaperRecord.body).
OTHER_VERSIONS = "## Other versions of the abstract"
_AS_OF = re.compile(r"### As of \d{4}-\d{2}-\d{2}")
INGEST_HEADING = re.compile(f"{OTHER_VERSIONS}|{_AS_OF.pattern}")
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")
# A paper file's name is its page's URL segment, so it must be one: no dots,
# spaces, quotes or other characters a URL or the output directory would read
# differently ("..md" would be the page papers/./, which is the paper list).
FILE_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
# Braces end a URL: abstracts copied from arXiv carry LaTeX leftovers such as
# "https://x.org/a{https://x.org/a}" and "https://x.org/{this https URL}".
# An address starts where the abstract's page links one (markup._SCHEME):
# its scheme in any case ("Https://github.com/…" begins a sentence), not
# after a letter, digit or "+" ("xhttps://…" is no address there).
_URL = re.compile(r"(?<![A-Za-z0-9+])https?://[^\s<>\"{}]+", re.IGNORECASE)
# What a link in front matter may be: any http(s) address without spaces or
# markup characters (older files may hold braces from before _URL stopped at them).
_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_SCHEMES = ("http://", "https://")
_SLUG_MAX = 80
# An arXiv identifier: 2503.12345 (since 2007, four digits after the dot
# until 2014), hep-th/9901001 or math/0309136 before; a version, v2, may follow.
ARXIV_ID = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*/\d{7})(?:v\d+)?")
# An old identifier written with its subject class, as papers cite them
# (math.GT/0309136): arXiv's addresses leave the class out (math/0309136).
_ARXIV_ID_WITH_CLASS = re.compile(r"([a-z]+(?:-[a-z]+)*)\.[A-Z]{2}(/\d{7}(?:v\d+)?)")
# python-slugify folds Greek to single Latin letters (π → p); names read better
# in a URL ("pangu-pi"), and Greek letters are common in paper titles.
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu",
    "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi", "ρ": "rho", "σ": "sigma",
    "ς": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi",
    "ω": "omega",
}
_SLUG_REPLACEMENTS = [[k, f" {v} "] for k, v in _GREEK.items()] + [
    [k.upper(), f" {v} "] for k, v in _GREEK.items() if k != "ς"
]


@dataclass(frozen=True)
class PaperRecord:
    """One paper as the digests describe it, merged across digests."""

    key: str
    title: str
    abstract: str
    dates: tuple[dt.date, ...]
    # Different abstracts a later digest gave for the same title: (date, text).
    other_abstracts: tuple[tuple[dt.date, str], ...] = ()
    # Where each of them was first given, after the entry whose abstract is
    # the paper's: (that first entry, the later one), for ingest to tell the
    # user as it writes the version into the paper file.
    other_abstracts_from: tuple[tuple[DigestEntry, DigestEntry], ...] = field(default=(), compare=False)

    @property
    def body(self) -> str:
        """The managed part of the paper file's body: the abstract, then any other versions."""
        if not self.other_abstracts:
            return _escape_notes_heading(self.abstract)
        versions = "\n\n".join(
            f"### As of {date.isoformat()}\n\n{text}" for date, text in self.other_abstracts
        )
        return _escape_notes_heading(f"{self.abstract}\n\n{OTHER_VERSIONS}\n\n{versions}")


# CommonMark's backslash escapes: a backslash before ASCII punctuation.
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@[-`{-~])")


def resolve_escapes(text: str) -> str:
    """``text`` with each backslash escape replaced by the character it
    escapes, as Markdown shows it: arXiv abstracts write "87.73\\%", and
    ingest escapes a line that would read as the notes heading so."""
    return _BACKSLASH_ESCAPE.sub(r"\1", text) if "\\" in text else text


def digest_abstract(body: str) -> str | None:
    """The first abstract of a body as :attr:`PaperRecord.body` writes it,
    as the digest gave it; None when ``body`` is not such a body."""
    parts = digest_body_parts(body)
    return resolve_escapes(parts[0][1]) if parts else None


def digest_body_parts(body: str) -> list[tuple[int, str]] | None:
    """The parts of a body as :attr:`PaperRecord.body` writes it, in order:
    (heading level, heading text) for its headings and (0, text) for each
    abstract, a digest's text as it was (one paragraph: digests join wrapped
    lines). None when ``body`` is not such a body."""
    paragraphs = body.split("\n\n")
    if any("\n" in paragraph or paragraph != paragraph.strip() for paragraph in paragraphs):
        return None
    parts: list[tuple[int, str]] = [(0, paragraphs[0])]
    if len(paragraphs) > 1:
        if paragraphs[1] != OTHER_VERSIONS or len(paragraphs) % 2:
            return None
        parts.append((2, OTHER_VERSIONS[3:]))
        for heading, text in zip(paragraphs[2::2], paragraphs[3::2]):
            if not _AS_OF.fullmatch(heading):
                return None
            parts += [(3, heading[4:]), (0, text)]
    return parts


def _escape_notes_heading(text: str) -> str:
    """``text`` with a line that would read as the "## Notes" heading escaped
    (Markdown shows it as the text it is): the user's notes begin at the first
    such heading, so one in an abstract would make the abstract's tail notes,
    written again below the abstract on every build."""
    if "#" not in text:  # most abstracts: a search for one character is ten times faster
        return text
    return NOTES_HEADING.sub(lambda match: "\\" + match.group(0), text)


@dataclass(frozen=True)
class Paper:
    """One paper as ``content/papers/<slug>.md`` holds it: the knowledge base."""

    slug: str
    title: str
    dates: tuple[dt.date, ...]
    topics: tuple[str, ...] | None  # None: the file sets no topics; assign them at build
    links: tuple[str, ...]
    abstract: str  # Markdown
    notes: str  # Markdown, after the "## Notes" heading; "" when there are none
    extra: tuple[tuple[str, Any], ...]  # the user's own front-matter keys, in file order
    path: Path
    key_lines: tuple[tuple[str, int], ...] = ()  # front-matter key → file line, for errors
    # The front matter's own ``slug`` text (ingest writes the file's name
    # there); None when the key is missing or not text.
    slug_written: str | None = None
    # The old addresses its aliases: names, which lead to its page.
    aliases: tuple[Alias, ...] = ()
    # The other names of its note under aliases:, as written ("MoE survey"),
    # by which a [[link]] finds it as by its file name.
    names: tuple[str, ...] = ()
    # The lines of the file the abstract and the notes start on, where the
    # warnings of what their pages show as written count their lines from.
    abstract_line: int = field(default=1, compare=False)
    notes_line: int = field(default=1, compare=False)
    # Made from the title once, as the paper is read: lists sort tens of
    # thousands of papers by it on every rebuild.
    key: str = field(init=False, repr=False, compare=False)  # title_key(title)
    sort_key: tuple[str, str] = field(init=False, repr=False, compare=False)  # _sort_key(title)

    @property
    def draft(self) -> bool:
        """Marked ``draft: true``: left off the site, as Hugo and Jekyll
        leave their drafts, while its file keeps the next build from writing
        it again from the digests."""
        return ("draft", True) in self.extra

    def __post_init__(self) -> None:
        key = title_key(self.title)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "sort_key", _sort_key(self.title))

    def line_of(self, key: str) -> int | None:
        return dict(self.key_lines).get(key)

    @property
    def old_slugs(self) -> tuple[str, ...]:
        """The old names of its file its aliases: keep (``papers/<name>/``),
        by which topics.yaml may still place it, and no new paper takes."""
        return tuple(
            alias.url[len("papers/"):-1] for alias in self.aliases
            if alias.url.startswith("papers/") and alias.url.count("/") == 2
        )


# Latin letters that are no letter with an accent, so that NFKD leaves them
# whole: each sorts as the letters it is written for ("Øresund" under O).
_LATIN_LETTERS = str.maketrans({
    "Ø": "O", "ø": "o", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d",
    "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Þ": "Th", "þ": "th", "ß": "ss",
})


# An English title's leading article, which library catalogues pass over in
# filing ("A Survey of …" under S): paper titles are English.
_LEADING_ARTICLE = re.compile(r"\A(?:a|an|the) ")
_OPENING_MARKS = "\"'“‘(["


def _sort_key(title: str) -> tuple[str, str]:
    """Where a title goes in A–Z order: as it reads, leading quotes and brackets
    ignored, a leading "A", "An" or "The" too, and accents (``Émile`` among the
    E's). A title that starts with no letter of A–Z (``2-bit``, ``$100K``,
    ``π-Zero``) goes first, under the list's one "#": ``π`` sorted after
    ``z``, in a second "#" at the end. Ties (``Survey of X`` and ``A Survey of
    X``) go by the whole title."""
    text = title_text(title).lstrip(_OPENING_MARKS)
    text = _LEADING_ARTICLE.sub("", text, count=1).lstrip(_OPENING_MARKS)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        text = text.translate(_LATIN_LETTERS)
    initial = text[:1]
    return (text if initial.isascii() and initial.isalpha() else "\0" + text, title)


def slug_of(text: str, max_length: int = _SLUG_MAX, replacements: Sequence[Sequence[str]] = ()) -> str:
    """``text`` as one segment of an address: lower-case ASCII words joined
    by '-', Greek letters spelt out; "" when it has no letters or digits.
    ``max_length`` 0 keeps every word."""
    return slugify(text, max_length=max_length, word_boundary=True, replacements=[*replacements, *_SLUG_REPLACEMENTS])


def slug_for(title: str) -> str:
    return slug_of(title) or "paper"


def extract_links(text: str) -> tuple[str, ...]:
    if "://" not in text:  # most abstracts; ingest asks for every paper on every build
        return ()
    links: list[str] = []
    for match in _URL.finditer(text):
        url = trim_address(match.group(0))
        # Not the scheme alone, left of "https://..." (an address a paper under
        # review leaves out): a paper file's links: refuses it, so the build
        # stopped. Nor one whose host starts with no letter or digit
        # ("https://…", "https://-x.org"), which the page does not link: its
        # Links section showed a link to nowhere.
        if url not in links and _WEB_ADDRESS.fullmatch(url) and url[url.index("://") + 3].isalnum():
            links.append(url)
    return tuple(links)


def trim_address(url: str) -> str:
    """An address found in text, without the punctuation that ends its
    sentence: "see https://x.org/a." and "(see https://x.org/a.)" both give
    https://x.org/a, as GitHub's autolinks do (a closing bracket ends the
    address unless the address opened it; so does "**" of bold text)."""
    url = url.rstrip(".,;:!?'\"*")
    while url[-1] in ")]" and url.count(url[-1]) > url.count("(" if url[-1] == ")" else "["):
        url = url[:-1].rstrip(".,;:!?'\"*")
    return url


@dataclass(frozen=True)
class Merged:
    records: tuple[PaperRecord, ...]
    warnings: tuple[SourceError, ...]


def merge_entries(digests: Iterable[Digest]) -> Merged:
    """One record per distinct title, ordered by first appearance (date, then file).

    The first appearance's title and abstract win, so a later digest cannot
    silently rewrite a paper; a different abstract under the same title is kept
    as another version, which ingest tells the user of once, as it writes it
    into the paper file (:func:`.ingest.plan_ingest`): told here, it was said
    by every build, and failed every ``build --strict``.
    """
    ordered = sorted(digests, key=lambda d: (d.date, d.path.name))
    first: dict[str, DigestEntry] = {}
    dates: dict[str, set[dt.date]] = {}
    # Each paper's abstracts, the paper's own first, then its other versions.
    versions: dict[str, list[DigestEntry]] = {}
    warnings: list[SourceError] = list(new_year_warnings(ordered))
    for digest in ordered:
        warnings.extend(digest.warnings)
        for entry in digest.entries:
            first.setdefault(entry.key, entry)
            dates.setdefault(entry.key, set()).add(entry.date)
            warnings.extend(_add_version(versions.setdefault(entry.key, []), entry))
    records = tuple(
        PaperRecord(
            key, entry.title, versions[key][0].abstract, tuple(sorted(dates[key])),
            tuple((other.date, other.abstract) for other in versions[key][1:]),
            tuple((versions[key][0], other) for other in versions[key][1:]),
        )
        for key, entry in first.items()
    )
    return Merged(records, tuple(warnings))


def _add_version(versions: list[DigestEntry], entry: DigestEntry) -> tuple[SourceError, ...]:
    """Adds ``entry``'s abstract to a paper's ``versions`` unless one of them
    has it. An abstract that another begins with was cut short (a digest
    saved or copied in part: the preview ingests a save made halfway through
    a paste): no version of its own, which would be written into the paper
    file, and into the notes once the paste is whole. The whole one takes
    its place, and the cut one is warned of, as a mistake to fix."""
    for at, version in enumerate(versions):
        if _same_text(entry.abstract, version.abstract):
            return ()
        if cut_short(entry.abstract, version.abstract):
            return (_cut_short_warning(entry, version),)
        if cut_short(version.abstract, entry.abstract):
            versions[at] = entry
            return (_cut_short_warning(version, entry),)
    versions.append(entry)
    return ()


# Fewer words than this, the start of another abstract is no sign of a paste
# cut short ("We", "This paper"): a version of that few words is kept as one.
_CUT_SHORT_MIN_WORDS = 10


def cut_short(text: str, whole: str) -> bool:
    """Whether ``text`` is ``whole`` cut short, at a word or inside one. Not
    where it ends a sentence: a revision adds one ("Code is at …"), or takes
    the last away, and a version that ends so is one of its own."""
    cut, full = " ".join(text.split()), " ".join(whole.split())
    return (
        len(cut) < len(full) and full.startswith(cut) and len(cut.split()) >= _CUT_SHORT_MIN_WORDS
        and not ends_a_sentence(cut)
    )


def _cut_short_warning(cut: DigestEntry, whole: DigestEntry) -> SourceError:
    return SourceError(
        f"the abstract of {clip(cut.title)!r} stops short: it is the start of the one in "
        f"{shown_name(whole.path.name)}:{whole.line}, which the paper keeps", cut.path, cut.line,
        hint="was the digest pasted or saved in part? paste the rest of this abstract, and the papers after it if "
        "they are missing too",
    )


def _same_text(a: str, b: str) -> bool:
    """Whether two abstracts are one text: but for spacing, and for Unicode
    forms ("é" typed, or pasted from a PDF as "e" and a combining accent),
    which no one sees."""
    if a == b or a.split() == b.split():
        return True
    return not (a.isascii() and b.isascii()) and \
        unicodedata.normalize("NFC", a).split() == unicodedata.normalize("NFC", b).split()


# --- paper files -----------------------------------------------------------


def unix_line_ends(text: str) -> str:
    """``text`` saved with Windows line ends (or classic Mac OS's, CR alone)
    as with Unix ones, as the notes heading and front matter are looked for
    ("$" matches before "\\n" only). A lone CR in a file of other line ends
    stays: it may be the user's."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n") if "\n" in text else text.replace("\r", "\n")


def split_front_matter(text: str, path: Path, what: str = "paper file") -> tuple[str, str]:
    text = unix_line_ends(text.removeprefix(BYTE_ORDER_MARK))  # saved by Windows Notepad, say
    opening = _FRONT_MATTER_LINE.match(text)
    if opening is None and not text.strip():  # made by "touch", say, or a save cut short
        raise SourceError(
            f"{what} is empty", path, 1,
            hint="write '---', YAML lines such as 'title: ...', then '---' in it, or delete it",
        )
    if opening is None:
        raise SourceError(
            f"{what} does not start with '---' front matter", path, 1, hint=_front_matter_hint(text),
        )
    closing = _FRONT_MATTER_LINE.search(text, opening.end())
    if closing is None:
        raise SourceError(
            "front matter is not closed", path, 1, hint="add a line '---' after the YAML"
        )
    return text[opening.end() : closing.start()], text[closing.end() :]


def line_below(front: str) -> int:
    """The line of its file that the body below ``front`` (as
    split_front_matter gives them) starts on: below its two '---' lines."""
    return front.count("\n") + 3


def _first_line_of(kept: str, text: str, first_line: int) -> int:
    """The line ``kept``, ``text`` (which starts on ``first_line``) without
    white space at its start and end, starts on."""
    return first_line + text.count("\n", 0, len(text.rstrip()) - len(kept))


def _front_matter_hint(text: str) -> str:
    """How to give ``text`` front matter, from what it opens with: the
    metadata lines Pelican and Python-Markdown's meta extension read
    ("Title: About"), or a first heading, which MkDocs takes for the title."""
    first = text.lstrip("\n").split("\n", 1)[0]
    if metadata := _UNFENCED_METADATA.match(first):
        if metadata.group(1).islower():  # front matter whose '---' lines were left out: no Pelican about it
            return "its first lines look like front matter without its '---' lines: put a line '---' above them and one below"
        return (
            "its first lines look like metadata written as Pelican writes it: put a line '---' above them and "
            "one below, with keys in lower case ('title: ...', not 'Title: ...')"
        )
    if heading := _FIRST_HEADING.match(first):
        return f"the title is not taken from a heading: begin the file with '---', '{_title_line(heading.group(1))}', '---'"
    return "begin the file with '---', YAML lines such as 'title: ...', then '---'"


def _title_line(title: str) -> str:
    """A front matter line that YAML reads as ``title``: in double quotes
    where it would read it otherwise (``About: me`` is an error, ``[Draft]
    Notes`` a list, ``2025`` a number)."""
    line = f"title: {title}"
    try:
        plain = yaml.safe_load(line) == {"title": title}
    except yaml.YAMLError:
        plain = False
    return line if plain else f"title: {json.dumps(title, ensure_ascii=False)}"


_UNFENCED_METADATA = re.compile(r"([A-Za-z][\w-]*):(?:[ \t]|$)")
# An ATX heading's text, without a closing sequence of '#', which only a
# space sets apart from it (CommonMark): "# C#" is the title "C#".
_FIRST_HEADING = re.compile(r"#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")


# A line of '---' that opens or closes front matter, with any spaces an
# editor left after it (as Jekyll reads it): a closing "--- " was "not
# closed", an error at line 1 that asked for the line the file has.
_FRONT_MATTER_LINE = re.compile(r"^---[ \t]*(?:\n|\Z)", re.MULTILINE)


def _as_date(value: Any, path: Path, line: int | None) -> dt.date:
    if isinstance(value, dt.datetime):
        # A time, as Hugo's and Jekyll's front matter often has: the site lists papers by day.
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        pass
    try:  # quoted, YAML leaves a time as text
        return dt.datetime.fromisoformat(str(value)).date()
    except ValueError:
        raise SourceError(f"{value!r} is not a date", path, line, hint=_date_hint(str(value))) from None


_LOOSE_DATE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*")


def _date_hint(text: str) -> str:
    """How to write ``text`` as a date: ``2025-9-11`` is ``2025-09-11``;
    ``2025-02-30``, written right, is a day no month has."""
    loose = _LOOSE_DATE.fullmatch(text)
    if loose is None:
        return "write dates as YYYY-MM-DD"
    try:
        date = dt.date(*map(int, loose.groups()))
    except ValueError:
        return "there is no such day: check the month and the day"
    return f"write it {date.isoformat()}: YYYY-MM-DD, two digits for the month and the day"


def as_strings(value: Any, key: str, path: Path, line: int | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    numbers = [v for v in value if _is_number(v)] if isinstance(value, list) else []
    if numbers and all(isinstance(v, str) or _is_number(v) for v in value):
        # Each names a page or an address: YAML reads 3.10 as 3.1, 007 as 7 and 12:30 as 750.
        raise SourceError(
            f"{key}: {numbers[0]!r} was read as a number, which may not be the {_singular(key)} as written",
            path, line, hint=f"write it in quotes, as you mean it: {key}: ['3.10']",
        )
    raise SourceError(
        f"{key} must be a list of text values, not {_clipped_repr(value)}", path, line,
        hint=f"write {key}: [first, second], quoting a value that YAML reads as something else ('yes', '~')",
    )


def _singular(key: str) -> str:
    # "alias" is one already.
    return key.removesuffix("es") if key.endswith("ses") else key if key.endswith("as") else key.removesuffix("s")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _clipped_repr(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def parse_paper(text: str, path: Path) -> Paper:
    if not FILE_SLUG.fullmatch(path.stem):
        raise SourceError(
            f"paper file name {path.name!r} cannot be a page address", path,
            hint=f"use lower-case letters, digits, '-' and '_', e.g. {slug_for(path.stem)}.md",
        )
    front, body = split_front_matter(text, path)
    data, lines = parse_yaml_mapping(front, path, first_line=2)
    for key in data:
        # 'Draft: true' would be a key of one's own, and the paper published;
        # so would a 'draft' with a no-break space pasted before it.
        if isinstance(key, str) and key not in KNOWN_KEYS and (known := key.strip().lower()) in KNOWN_KEYS:
            if key.lower() == known:
                reason, hint = "keys are told apart by case", f"write {known}: in lower case"
            else:
                reason, hint = "a space beside it is not a plain one", f"type {known}: again, at the start of its line"
            raise SourceError(
                f"{key!r} is read as a key of your own, not as {known!r}: {reason}", path, lines.get(key), hint=hint,
            )
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        raise SourceError(
            f"title must be text, not {_clipped_repr(title)}", path, lines.get("title"),
            hint=text_hint("title", title, front, lines.get("title"), first_line=2),
        )
    if not isinstance(title, str) or not title.strip():
        # "Titel", "tilte", "tittle": one letter off, or two swapped; not
        # "time", "file", "subtitle" or "my_title", keys of your own.
        misspelt = None if "title" in data else next(
            (key for key in data if isinstance(key, str) and _one_edit_apart(key.lower(), "title")), None
        )
        if misspelt is not None:
            raise SourceError(
                f"paper has no title: did you mean 'title' for {misspelt!r}?", path, lines.get(misspelt),
                hint=f"write title: where it says {misspelt}:",
            )
        raise SourceError("paper has no title", path, lines.get("title", 1), hint="add 'title: ...'")
    raw_dates = data.get("dates") or []
    if not isinstance(raw_dates, list):
        raw_dates = [raw_dates]
    dates = tuple(sorted({_as_date(d, path, lines.get("dates")) for d in raw_dates}))
    topics = (
        as_strings(data["topics"], "topics", path, lines.get("topics"))
        if "topics" in data
        else None
    )
    # Not a scheme alone, which ingest wrote for an abstract's "https://..."
    # until extract_links left it out: the files it wrote then read.
    links = tuple(
        link for link in as_strings(data.get("links"), "links", path, lines.get("links")) if link.lower() not in _SCHEMES
    )
    for link in links:
        # Links become href attributes: a "javascript:" one would run when clicked.
        if not _WEB_ADDRESS.fullmatch(link):
            raise SourceError(
                f"link {clip(link, 80)!r} is not a web address", path, lines.get("links"),
                hint="links start with http:// or https://",
            )
    for key in TAG_KEYS:
        if key in data:
            # Only shown, but shown for each value: "#None" and "#['a']" help no one.
            as_strings(data[key], key, path, lines.get(key))
    for flag in ("starred", "draft"):
        value = data.get(flag)
        if value is not None and not isinstance(value, bool):
            # Tested for truth: 'starred: "no"' would show a star, 'draft: "no"' hide the paper.
            raise SourceError(
                f"{flag} must be true or false, not {_clipped_repr(value)}", path, lines.get(flag),
                hint=f"write {flag}: true, or remove the line",
            )
    aliases, names = parse_front_matter_aliases(
        ((as_strings(data[key], key, path, lines.get(key)), lines.get(key)) for key in ALIAS_KEYS if key in data),
        "papers/", f"papers/{path.stem}/", path,
    )
    if data.get("arxiv") not in (None, ""):  # "arxiv:" left empty, as in a file made from a template: none
        _check_arxiv_id(data["arxiv"], path, lines.get("arxiv"))
    notes_match = NOTES_HEADING.search(body)
    above_notes = body[: notes_match.start()] if notes_match else body
    below_notes = body[notes_match.end() :] if notes_match else ""
    abstract, notes = above_notes.strip(), _without_blank_edges(below_notes)
    body_line = line_below(front)
    heading_line = body_line + body.count("\n", 0, notes_match.end()) if notes_match else body_line
    extra = tuple((k, v) for k, v in data.items() if k not in MANAGED_KEYS)
    slug_written = data.get("slug")
    return Paper(
        slug=path.stem, title=title.strip(), dates=dates, topics=topics, links=links,
        abstract=abstract, notes=notes, extra=extra, path=path,
        key_lines=tuple(lines.items()), slug_written=slug_written if isinstance(slug_written, str) else None,
        aliases=aliases, names=names, abstract_line=_first_line_of(abstract, above_notes, body_line),
        notes_line=_first_line_of(notes, below_notes, heading_line),
    )


def _check_arxiv_id(value: Any, path: Path, line: int | None) -> None:
    """The paper page links ``arxiv:`` to arXiv's abstract and PDF: an error
    unless it is an identifier written as text."""
    if _is_number(value):
        # YAML reads 2503.10100 as the number 2503.101: the link would go to another paper.
        raise SourceError(
            f"arxiv: {value!r} was read as a number"
            + (", which drops an identifier's last zeros (2503.10100 is read as 2503.101)" if isinstance(value, float) else ""),
            path, line,
            hint="write the identifier in quotes, as arXiv shows it: arxiv: '2503.10100'",
        )
    with_class = _ARXIV_ID_WITH_CLASS.fullmatch(value) if isinstance(value, str) else None
    if with_class:
        raise SourceError(
            f"arxiv: {value!r} holds the subject class, which arXiv's addresses leave out", path, line,
            hint=f"write arxiv: '{with_class.group(1)}{with_class.group(2)}'",
        )
    if not isinstance(value, str) or not ARXIV_ID.fullmatch(value):
        raise SourceError(
            f"arxiv must be an arXiv identifier, not {_clipped_repr(value)}", path, line,
            hint="write the identifier alone, in quotes, as arXiv shows it: arxiv: '2503.12345', "
            "or 'hep-th/9901001' for a paper from before 2007",
        )


# The keys a build reads that a paper's own key one letter off (or without
# its s) most likely meant, with the values each takes: "stared: true" starred
# nothing and "darft: true" published the paper it was to hide, without a word.
# Not "started: 2026-01-01", which is no true or false. Ingest's own keys only
# in a paper no digest lists: in a digest's, ingest writes them.
_MEANT_KEYS: dict[str, tuple[type, ...]] = {
    "starred": (bool,), "draft": (bool,), "tags": (list, str), "aliases": (list, str), "arxiv": (str,),
}
_MEANT_KEYS_OF_ONES_OWN: dict[str, tuple[type, ...]] = {
    "dates": (list, dt.date), "topics": (list, str), "links": (list, str),
}


def misspelt_keys(paper: Paper, of_a_digest: bool) -> list[SourceError]:
    """A warning for each key of ``paper``'s own that is a key the build
    reads misspelt, with a value that key takes. Not beside that key itself:
    "date:" in a paper with "dates:" is the "date:" a notes app's template
    writes in every note, no misspelling."""
    candidates = _MEANT_KEYS if of_a_digest else {**_MEANT_KEYS, **_MEANT_KEYS_OF_ONES_OWN}
    meant_keys = {known: kinds for known, kinds in candidates.items() if paper.line_of(known) is None}
    warnings = []
    for key, value in paper.extra:
        if not isinstance(key, str) or key in KNOWN_KEYS:
            continue
        meant = next((
            known for known, kinds in meant_keys.items()
            if isinstance(value, kinds) and (_one_edit_apart(key.lower(), known) or key.lower() == _singular(known))
        ), None)
        if meant is not None:
            warnings.append(SourceError(
                f"{key!r} is read as a key of your own, not as {meant!r}", paper.path, paper.line_of(key),
                hint=f"did you mean {meant}:? if it is a key of your own, rename it, and this warning goes",
            ))
    return warnings


def _one_edit_apart(word: str, other: str) -> bool:
    """Whether ``word`` is ``other`` with one letter added, dropped or
    changed, or two neighbours swapped (or is ``other``)."""
    if abs(len(word) - len(other)) > 1:
        return False
    start = next((i for i, (a, b) in enumerate(zip(word, other)) if a != b), min(len(word), len(other)))
    a, b = word[start:], other[start:]
    return a[1:] == b[1:] or a[1:] == b or a == b[1:] or (a[:2] == b[1::-1] and a[2:] == b[2:])


def _without_blank_edges(text: str) -> str:
    """``text`` without its leading blank lines and trailing white space: unlike
    strip(), it keeps the indentation of the first line, which makes notes
    that open with an indented code block a code block."""
    return _LEADING_BLANK_LINES.sub("", text.rstrip())


def parse_papers(texts: Iterable[tuple[Path, str]], memo_many: MemoMany = compute_each) -> tuple[Paper, ...]:
    """Parse every paper file, gathering all errors before raising."""
    return tuple(memo_many((("paper", path, text), partial(parse_paper, text, path)) for path, text in texts))
