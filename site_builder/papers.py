"""Papers: merge digest entries, give each a stable slug, and read and write
``content/papers/<slug>.md`` without losing what the user added."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Collection, Hashable, Iterable, Mapping, Sequence, TypeVar

import yaml
from slugify import slugify

from .digest import Digest, DigestEntry, clip, title_key, title_text, visible
from .digest_dates import new_year_warnings
from .errors import SourceError, raise_if_any
from .yamlsource import parse_yaml_mapping

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

# "## Notes", and the ways people write it: "### Notes", "## notes", "## Notes:".
# Not "# Notes", which is as likely a comment in a code block as a heading.
_NOTES_HEADING = re.compile(r"^###?[ \t]+notes[ \t]*:?[ \t]*$", re.MULTILINE | re.IGNORECASE)
# Headings ingest writes itself, above the notes (see PaperRecord.body).
_OTHER_VERSIONS = "## Other versions of the abstract"
_AS_OF = re.compile(r"### As of \d{4}-\d{2}-\d{2}")
_INGEST_HEADING = re.compile(f"{_OTHER_VERSIONS}|{_AS_OF.pattern}")
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")
# A paper file's name is its page's URL segment, so it must be one: no dots,
# spaces, quotes or other characters a URL or the output directory would read
# differently ("..md" would be the page papers/./, which is the paper list).
FILE_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
_WORDS = re.compile(r"\w+")
# Braces end a URL: abstracts copied from arXiv carry LaTeX leftovers such as
# "https://x.org/a{https://x.org/a}" and "https://x.org/{this https URL}".
_URL = re.compile(r"https?://[^\s<>\"{}]+")
# What a link in front matter may be: any http(s) address without spaces or
# markup characters (older files may hold braces from before _URL stopped at them).
_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"]+")
_SLUG_MAX = 80
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

    @property
    def body(self) -> str:
        """The managed part of the paper file's body: the abstract, then any other versions."""
        if not self.other_abstracts:
            return _escape_notes_heading(self.abstract)
        versions = "\n\n".join(
            f"### As of {date.isoformat()}\n\n{text}" for date, text in self.other_abstracts
        )
        return _escape_notes_heading(f"{self.abstract}\n\n{_OTHER_VERSIONS}\n\n{versions}")


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
        if paragraphs[1] != _OTHER_VERSIONS or len(paragraphs) % 2:
            return None
        parts.append((2, _OTHER_VERSIONS[3:]))
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
    return _NOTES_HEADING.sub(lambda match: "\\" + match.group(0), text)


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
    # Made from the title once, as the paper is read: lists sort tens of
    # thousands of papers by it on every rebuild.
    key: str = field(init=False, repr=False, compare=False)  # title_key(title)
    sort_key: tuple[str, str] = field(init=False, repr=False, compare=False)  # _sort_key(title)

    def __post_init__(self) -> None:
        key = title_key(self.title)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "sort_key", _sort_key(self.title))

    def line_of(self, key: str) -> int | None:
        return dict(self.key_lines).get(key)


def _sort_key(title: str) -> tuple[str, str]:
    """Where a title goes in A–Z order: as it reads, leading quotes and brackets ignored."""
    return (title_text(title).lstrip("\"'“‘(["), title)


def slug_for(title: str) -> str:
    slug = slugify(
        title, max_length=_SLUG_MAX, word_boundary=True, replacements=_SLUG_REPLACEMENTS
    )
    return slug or "paper"


def extract_links(text: str) -> tuple[str, ...]:
    if "http" not in text:  # most abstracts; ingest asks for every paper on every build
        return ()
    links: list[str] = []
    for match in _URL.finditer(text):
        url = trim_address(match.group(0))
        if url not in links:
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
    as another version, and the user is told.
    """
    ordered = sorted(digests, key=lambda d: (d.date, d.path.name))
    first: dict[str, DigestEntry] = {}
    dates: dict[str, set[dt.date]] = {}
    others: dict[str, dict[str, dt.date]] = {}
    warnings: list[SourceError] = list(new_year_warnings(ordered))
    for digest in ordered:
        warnings.extend(digest.warnings)
        for entry in digest.entries:
            key = entry.key
            original = first.setdefault(key, entry)
            dates.setdefault(key, set()).add(entry.date)
            if _same_text(entry.abstract, original.abstract):
                continue
            versions = others.setdefault(key, {})
            if not any(_same_text(entry.abstract, text) for text in versions):
                versions[entry.abstract] = entry.date
                warnings.append(SourceError(
                    f"{entry.title[:60]!r} has a different abstract than in "
                    f"{original.path.name}:{original.line}; both are kept on its page",
                    entry.path, entry.line,
                ))
    records = tuple(
        PaperRecord(
            key, entry.title, entry.abstract, tuple(sorted(dates[key])),
            tuple((date, text) for text, date in others.get(key, {}).items()),
        )
        for key, entry in first.items()
    )
    return Merged(records, tuple(warnings))


def _same_text(a: str, b: str) -> bool:
    return a == b or a.split() == b.split()


# --- paper files -----------------------------------------------------------


def split_front_matter(text: str, path: Path) -> tuple[str, str]:
    if "\r" in text:  # saved with Windows line ends
        text = text.replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise SourceError(
            "paper file does not start with '---' front matter", path, 1,
            hint="begin the file with '---', YAML lines such as 'title: ...', then '---'",
        )
    end = text.find("\n---\n", 3)
    if end == -1:
        if text.endswith("\n---"):
            end = len(text) - 4
        else:
            raise SourceError(
                "front matter is not closed", path, 1, hint="add a line '---' after the YAML"
            )
    return text[4 : end + 1], text[end + 5 :]


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
        raise SourceError(
            f"{value!r} is not a date", path, line, hint="write dates as YYYY-MM-DD"
        ) from None


def _as_strings(value: Any, key: str, path: Path, line: int | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return tuple(str(v) for v in value)
    raise SourceError(
        f"{key} must be a list of text values, not {_clipped_repr(value)}", path, line,
        hint=f"write {key}: [first, second], quoting a value that YAML reads as something else ('yes', '~')",
    )


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
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        raise SourceError(
            f"title must be text, not {_clipped_repr(title)}", path, lines.get("title"),
            # YAML read brackets or braces as a list or a mapping, which no quotes around Python's repr would undo.
            hint="write the title as one line of text, quoted if it starts with [ or {: title: \"[Re] A Paper\""
            if isinstance(title, (list, dict)) else f"quote it: title: '{title}'",
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
        _as_strings(data["topics"], "topics", path, lines.get("topics"))
        if "topics" in data
        else None
    )
    links = _as_strings(data.get("links"), "links", path, lines.get("links"))
    for link in links:
        # Links become href attributes: a "javascript:" one would run when clicked.
        if not _WEB_ADDRESS.fullmatch(link):
            raise SourceError(
                f"link {link[:80]!r} is not a web address", path, lines.get("links"),
                hint="links start with http:// or https://",
            )
    if "tags" in data:
        # Only shown, but shown for each value: "#None" and "#['a']" help no one.
        _as_strings(data["tags"], "tags", path, lines.get("tags"))
    starred = data.get("starred")
    if starred is not None and not isinstance(starred, bool):
        # Templates test it for truth: 'starred: "no"' would show a star.
        raise SourceError(
            f"starred must be true or false, not {starred!r}", path, lines.get("starred"),
            hint="write starred: true, or remove the line",
        )
    notes_match = _NOTES_HEADING.search(body)
    abstract = body[: notes_match.start()] if notes_match else body
    notes = body[notes_match.end() :] if notes_match else ""
    extra = tuple((k, v) for k, v in data.items() if k not in MANAGED_KEYS)
    slug_written = data.get("slug")
    return Paper(
        slug=path.stem, title=title.strip(), dates=dates, topics=topics, links=links,
        abstract=abstract.strip(), notes=_without_blank_edges(notes), extra=extra, path=path,
        key_lines=tuple(lines.items()), slug_written=slug_written if isinstance(slug_written, str) else None,
    )


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


def _moved_to_notes(text: str, path: Path, record: PaperRecord) -> bool:
    body = split_front_matter(text, path)[1]
    return bool(_text_ingest_would_drop(body[: len(body) - len(_body_tail(body))], record.body))


def _body_tail(text: str) -> str:
    """Everything from the "## Notes" heading on, verbatim."""
    match = _NOTES_HEADING.search(text)
    return text[match.start() :] if match else ""


def _without_versions_section(notes: str, body: str) -> str:
    """``notes`` without the "Other versions of the abstract" section of
    ``body`` (the record's, which ingest writes above the notes), when the
    notes hold it word for word: someone moved "## Notes" above it. Any
    other text there (a version the digests no longer give, an edit, a
    version of one's own) is not ingest's to drop, and stays."""
    at = body.find(f"\n\n{_OTHER_VERSIONS}\n")
    start = notes.find(f"\n{_OTHER_VERSIONS}\n")
    if at < 0 or start < 0:
        return notes
    rest = notes[start + 1:]
    following = re.search(r"^## ", rest[len(_OTHER_VERSIONS):], re.MULTILINE)
    end = len(rest) if following is None else len(_OTHER_VERSIONS) + following.start()
    if rest[:end].strip("\n") != body[at:].strip("\n"):
        return notes
    return (notes[: start + 1].rstrip("\n") + "\n\n" + rest[end:]).rstrip("\n") + "\n"


def render_paper_file(
    record: PaperRecord, slug: str, topics: tuple[str, ...], existing_text: str | None, path: Path,
    existing: Paper | None,
) -> str:
    """The file text for ``record``, keeping the user's keys and notes from
    ``existing_text`` (``existing``: that text parsed; None when there is no file)."""
    user_keys: dict[str, Any] = {}
    notes = ""
    front = None
    if existing_text is not None:
        assert existing is not None
        front, body = split_front_matter(existing_text, path)
        user_keys = dict(existing.extra)
        notes = _without_versions_section(_body_tail(body), record.body)
        kept = _text_ingest_would_drop(body[: len(body) - len(_body_tail(body))], record.body)
        if kept:
            # The part above the notes is ingest's, rewritten from the digests;
            # what it would drop there (the user's words, or an abstract the
            # digests no longer give) moves to the top of the notes.
            heading, _, rest = notes.partition("\n")
            notes = f"{heading or '## Notes'}\n\n{kept}\n\n{rest.strip(chr(10))}".rstrip() + "\n"
    front_matter = {
        "title": record.title,
        "slug": slug,
        "dates": list(record.dates),
        "topics": list(topics),
        "links": list(extract_links(record.body)),
        **user_keys,
    }
    dumped = _dump(front_matter)
    if front is not None:
        dumped = _updated_in_place(front, dumped, MANAGED_KEYS, path) or dumped
    text = f"---\n{dumped}---\n\n{record.body}\n"
    if notes:
        text += "\n" + notes.rstrip("\n") + "\n"
    return text


def _dump(mapping: Mapping[str, Any]) -> str:
    dumper = _CSafeDumper if _CSafeDumper and _libyaml_emits_alike(mapping) else yaml.SafeDumper
    return yaml.dump(
        mapping, Dumper=dumper, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=None
    )


_TOP_LEVEL_KEY = re.compile(r"([A-Za-z_][\w-]*):(?:\s|$)")


def _updated_in_place(front: str, dumped: str, managed: Sequence[str], path: Path) -> str | None:
    """``front`` (a file's front matter) with the lines of each key ingest owns
    (``managed``: its line, and those of a value written below it, such as a
    block list) replaced by that key's line in ``dumped`` (the whole new
    front matter), and any of them it lacks added where ingest writes it, so
    that the user's lines around them (comments, key order, layout) stay as
    they were. None when a key ingest owns is there twice, or the result
    would not read as ``dumped`` does."""
    old, new = _managed_spans(front, managed), _managed_spans(dumped, managed)
    if old is None or new is None or new.keys() != set(managed) or any(end - start > 1 for start, end in new.values()):
        return None
    lines, new_lines = front.splitlines(keepends=True), dumped.splitlines(keepends=True)
    # From the last to the first: the lines above each stay where they are.
    for key, (start, end) in sorted(old.items(), key=lambda item: item[1], reverse=True):
        lines[start:end] = [new_lines[new[key][0]]]
    # A missing key goes where ingest writes it: after the one before it in
    # ingest's order (or first), so that a deleted line comes back in place.
    at = {key: start for key, (start, _end) in (_managed_spans("".join(lines), managed) or {}).items()}
    for index, key in enumerate(managed):
        if key in at:
            continue
        before = [at[earlier] for earlier in managed[:index] if earlier in at]
        position = max(before) + 1 if before else min(at.values(), default=0)
        lines.insert(position, new_lines[new[key][0]])
        at = {name: line + (line >= position) for name, line in at.items()}
        at[key] = position
    updated = "".join(lines)
    if updated == dumped:  # a file with nothing of the user's in its front matter
        return updated
    try:
        same = parse_yaml_mapping(updated, path, first_line=2)[0] == parse_yaml_mapping(dumped, path, first_line=2)[0]
    except SourceError:
        return None
    return updated if same else None


def _managed_spans(front: str, managed: Collection[str]) -> dict[str, tuple[int, int]] | None:
    """The lines (start, end) of each of the ``managed`` keys that ``front``
    has: its own, and those below it that are part of its value (indented,
    or items of a block list, and the blank and comment lines between them);
    None if one is there twice."""
    lines = front.splitlines()
    spans: dict[str, tuple[int, int]] = {}
    for number, line in enumerate(lines):
        match = _TOP_LEVEL_KEY.match(line)
        if match and match.group(1) in managed:
            if match.group(1) in spans:
                return None
            # In a block scalar (title: >-) an indented "#" is text, not a comment.
            between = _blank if _BLOCK_SCALAR.search(line) else _blank_or_comment
            end = after = number + 1
            while after < len(lines) and (between(lines[after]) or lines[after][:1] in (" ", "\t", "-")):
                after += 1
                if not between(lines[after - 1]):
                    end = after  # blank and comment lines count only before more of the value
            spans[match.group(1)] = (number, end)
    return spans


_BLOCK_SCALAR = re.compile(r":\s*[|>][-+0-9]*\s*(?:#.*)?$")


def _blank(line: str) -> bool:
    return not line.strip()


def _blank_or_comment(line: str) -> bool:
    text = line.strip()
    return not text or text.startswith("#")


def _text_ingest_would_drop(managed: str, body: str) -> str:
    """The paragraphs of ``managed`` (a file's text above its notes) that
    ``body`` (what ingest writes there now) does not hold."""
    # Characters that show nothing do not count: files of older versions
    # hold those that the digests' text no longer does.
    written = {" ".join(visible(paragraph).split()) for paragraph in _paragraphs(body)}
    return "\n\n".join(
        paragraph for paragraph in _paragraphs(managed)
        if " ".join(visible(paragraph).split()) not in written and not _INGEST_HEADING.fullmatch(paragraph)
    )


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\n[ \t]*\n", text) if part.strip()]


_CSafeDumper = getattr(yaml, "CSafeDumper", None)
# libyaml's emitter writes the same bytes as PyYAML's for text made of these
# characters (checked on random text of up to 5,000 of them, every YAML
# special character included); outside them, such as emoji or U+2028, it
# quotes differently, so PyYAML's own emitter is used, six times slower.
_LIBYAML_ALIKE_TEXT = re.compile("[\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*")
_PLAIN_SCALARS = (bool, int, float, dt.date, type(None))


def _libyaml_emits_alike(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return _LIBYAML_ALIKE_TEXT.fullmatch(value) is not None
    if isinstance(value, _PLAIN_SCALARS):
        return True
    if depth > 20:
        return False
    if isinstance(value, list):
        return all(_libyaml_emits_alike(item, depth + 1) for item in value)
    if isinstance(value, dict):
        # Keys of 128 characters or more are written as complex keys, differently.
        return all(
            isinstance(key, str) and len(key) < 100 and _libyaml_emits_alike(key)
            and _libyaml_emits_alike(item, depth + 1)
            for key, item in value.items()
        )
    return False


@dataclass(frozen=True)
class IngestPlan:
    """What ingest would write: every paper file's final text, and which changed."""

    texts: tuple[tuple[Path, str], ...]  # every paper file, sorted by path
    changed: tuple[Path, ...]  # files to write (new or different)
    new_papers: int
    # Each changed file's text when it was read (None: it did not exist), so
    # that a file saved again since is not overwritten.
    read_as: tuple[tuple[Path, str | None], ...] = ()
    warnings: tuple[SourceError, ...] = ()
    # Papers of your own with a topics: line, by slug: no rule files them.
    own_topics: frozenset[str] = frozenset()
    # Digest papers filed under some topic whose files ingest rewrites with none.
    unfiled: int = 0


def plan_ingest(
    records: Iterable[PaperRecord],
    existing: dict[Path, str],
    papers_dir: Path,
    assign_topics: Callable[[str, str, str], tuple[str, ...]],
    memo_many: MemoMany = compute_each,
) -> IngestPlan:
    """Decide each record's file and text. Pure: ``existing`` maps paper file
    paths to their current text; nothing is read or written here.

    Slugs are stable: a paper whose title already has a file keeps that file's
    slug, and new papers never take a slug in use, so adding or reordering
    digests never moves a page.
    """
    parsed: dict[Path, Paper] = dict(zip(existing, memo_many(
        (("paper", path, text), partial(parse_paper, text, path)) for path, text in existing.items()
    )))
    first_file: dict[str, Path] = {}
    clashes: list[tuple[Path, Path]] = []
    for path, paper in parsed.items():
        first = first_file.setdefault(paper.key, path)
        if first is not path:
            clashes.append((min(first, path), max(first, path)))
    # Papers are told apart by title: a digest paper would go to one file of
    # the two, and the site would show two pages of one name.
    raise_if_any([_same_title(first, parsed[first], second, parsed[second]) for first, second in sorted(clashes)])
    file_of = {path.stem: path for path in existing}  # (Path.stem is computed anew on each use)
    slug_of = {path: slug for slug, path in file_of.items()}
    slug_by_key = {key: slug_of[path] for key, path in first_file.items()}

    taken = set(file_of)
    texts = dict(existing)
    changed: list[Path] = []
    new_papers = 0
    files: list[tuple[Path, PaperRecord, Hashable, Callable[[], str]]] = []
    ordered = sorted(records, key=lambda r: (r.dates[0], r.key))
    retitled = _retitled_files(ordered, parsed, slug_by_key)
    warnings: list[SourceError] = []
    for record in ordered:
        if (path := retitled.get(record.key)) is not None:
            slug_by_key[record.key] = path.stem
            warnings.append(_title_replaced(parsed[path], record))
    slugs = []
    new_records = []
    for record in ordered:
        slug = slug_by_key.get(record.key)
        if slug is None:
            slug = _free_slug(slug_for(record.title), taken)
            taken.add(slug)
            new_papers += 1
            new_records.append((record, slug))
        slugs.append(slug)
    warnings.extend(_same_abstract_as_another(new_records, ordered, papers_dir))
    # The slug too: topics.yaml may place a paper by hand.
    assigned = memo_many(
        (("topics", assign_topics, r.title, r.abstract, slug), partial(assign_topics, r.title, r.abstract, slug))
        for r, slug in zip(ordered, slugs)
    )
    unfiled = 0
    for record, slug, topics in zip(ordered, slugs, assigned):
        # An existing file's own Path: a new one per paper (made, then hashed
        # from scratch) cost a second per rebuild at 20,000 papers.
        path = file_of.get(slug) or papers_dir / f"{slug}.md"
        old = existing.get(path)
        if old is not None and _already_says(parsed[path], record, slug, topics):
            continue  # left byte for byte as it is, the user's formatting and comments too
        unfiled += bool(old is not None and parsed[path].topics and not topics)
        if old is not None and parsed[path].slug_written is None and (replaced := _own_values_replaced(
            parsed[path], record, topics,
        )):
            warnings.append(SourceError(
                f"a digest lists this paper of your own now, so ingest wrote the digests' values over yours: {replaced}",
                path, hint="ingest owns title, dates, topics and links of a digest's paper; keep your own under "
                "other keys (my_links: [...]) or in your notes",
            ))
        if old is not None and parsed[path].key == record.key and visible(parsed[path].title) != record.title:
            # Its case or punctuation, edited in the file or by a digest that
            # now comes first (an earlier date, a file of the same date); not
            # characters that show nothing, which an older ingest kept.
            warnings.append(_title_replaced(parsed[path], record))
        files.append((
            path, record,
            # What the text is made of, flat: a key holding the record would
            # hash and compare it in Python, four times per paper and rebuild.
            ("paper-file", record.title, record.abstract, record.dates, record.other_abstracts,
                   slug, topics, old),
            partial(render_paper_file, record, slug, topics, old, path, parsed.get(path)),
        ))
    for (path, record, _key, _render), text in zip(files, memo_many((key, render) for *_, key, render in files)):
        old = existing.get(path)
        if old != text:
            changed.append(path)
            if old is not None and _moved_to_notes(old, path, record):
                warnings.append(SourceError(
                    "text above the notes that the digests do not give (any more) was moved under the notes heading",
                    # Whether the user or a digest changed it, only a history of the file could tell.
                    path, hint="ingest rewrites the abstract from the digests; write your own text under '## Notes', "
                    "and delete what moved there if it is only the digests' earlier wording",
                ))
        texts[path] = text
    changed.sort()
    in_digests = set(slugs)
    warnings.extend(
        # Hugo and Jekyll take slug: for the address; here the file name is.
        # (A digest paper's slug: is ingest's, written back as its file name.)
        SourceError(
            f"slug {paper.slug_written!r} is not this paper's address: its address is its file name, "
            f"papers/{slug_of[path]}/", path, paper.line_of("slug"),
            hint=f"rename the file to {slug_for(paper.slug_written)}.md to move the page there, which ends its "
                 "old address; or remove the slug: line",
        )
        for path, paper in parsed.items()
        # Cheapest test first: slugifying every paper's slug: cost 0.2 s a rebuild at 20,000 papers.
        if paper.slug_written is not None and paper.slug_written != slug_of[path]
        and slug_of[path] not in in_digests and slug_for(paper.slug_written) != slug_of[path]
    )
    return IngestPlan(
        tuple(sorted(texts.items())), tuple(changed), new_papers, tuple((path, existing.get(path)) for path in changed),
        tuple(sorted(warnings, key=lambda warning: str(warning.path))),
        frozenset(
            slug_of[path] for path, paper in parsed.items() if paper.topics is not None and slug_of[path] not in in_digests
        ),
        unfiled,
    )


def _same_abstract_as_another(
    new: list[tuple[PaperRecord, str]], records: list[PaperRecord], papers_dir: Path,
) -> list[SourceError]:
    """A warning for each new paper whose abstract another of the digests'
    papers has word for word: most likely one paper under two titles (a
    digest spelt it with a letter or symbol more), now on two pages."""
    wanted = {record.abstract: (record, slug) for record, slug in new}
    # Asked on every build with a new digest, of every paper: their lengths
    # first, so that almost none of the abstracts is hashed.
    lengths = {len(abstract) for abstract in wanted}
    warnings: dict[str, SourceError] = {}
    for other in records if lengths else ():
        abstract = other.abstract
        if len(abstract) in lengths and abstract in wanted and abstract not in warnings:
            record, slug = wanted[abstract]
            if other.key != record.key:
                warnings[abstract] = SourceError(
                    f"new paper {clip(record.title)!r} has the abstract of {clip(other.title)!r} word for word: "
                    "one paper on two pages?", papers_dir / f"{slug}.md",
                    hint="if so, give both the same title in the digests (a paper's title is its digest's), then "
                    "delete the newer file; if not, this is only a warning",
                )
    return list(warnings.values())


def _own_values_replaced(paper: Paper, record: PaperRecord, topics: tuple[str, ...]) -> str:
    """What of a file's own dates, topics and links ingest's values for
    ``record`` leave out, as "dates [...], links [...]" ("" for nothing)."""
    theirs = {"dates": set(record.dates), "topics": set(topics), "links": set(extract_links(record.body))}
    ours = {"dates": paper.dates, "topics": paper.topics or (), "links": paper.links}
    return ", ".join(
        f"{key} [{', '.join(str(value) for value in values)}]"
        for key, values in ((key, [value for value in ours[key] if value not in theirs[key]]) for key in theirs)
        if values
    )


def _same_title(first: Path, paper: Paper, second: Path, other: Paper) -> SourceError:
    if paper.title == other.title:
        return SourceError(
            f"paper has the same title as {first.name} ({other.title[:60]!r})", second, other.line_of("title"),
            hint="give one of the two files another title, or delete it",
        )
    return SourceError(
        f"paper's title {clip(other.title)!r} is {first.name}'s {clip(paper.title)!r} but for case, spacing or "
        "punctuation, and papers are told apart by title", second, other.line_of("title"),
        hint="if they are one paper, move your notes into one file and delete the other; if not, make their titles "
        "differ in a letter, digit or symbol (a digest's paper has its digest's title)",
    )


def _title_replaced(paper: Paper, record: PaperRecord) -> SourceError:
    # Edited in the file, or corrected in a digest: either way the file's
    # title is replaced, so the warning keeps it.
    return SourceError(
        f"title {clip(paper.title)!r} is not the digests' {clip(record.title)!r}: ingest wrote "
        "theirs, and the paper keeps this file and its address", paper.path, paper.line_of("title"),
        hint="ingest owns the title; keep your own under another key (my_title: ...) or in your notes",
    )


def _retitled_files(
    records: list[PaperRecord], parsed: Mapping[Path, Paper], slug_by_key: Mapping[str, str],
) -> dict[str, Path]:
    """Digest papers whose file's title someone edited: record key → that file.

    Papers are told apart by title, so such a record finds no file, and
    would get a second file and page beside its own. Its file is one that
    ingest wrote (its ``slug:`` is its name) for a title no digest lists
    now, and that holds the record's abstract word for word; or, when the
    abstract changed too (text put above it in the file, a typo fixed in
    the digest along with the title), that is of one of the record's dates
    and holds the abstract, or nearly its words.
    """
    unmatched = [record for record in records if record.key not in slug_by_key]
    if not unmatched:
        return {}
    listed = {record.key for record in records}
    orphans = [(path, paper) for path, paper in parsed.items()
               if paper.key not in listed and paper.slug_written == path.stem]
    by_abstract: dict[str, list[Path]] = {}
    for path, paper in orphans:
        by_abstract.setdefault(paper.abstract, []).append(path)
    found: dict[str, Path] = {}
    # Word-for-word matches first, so a near one never takes a file from them.
    for record in unmatched:
        paths = by_abstract.get(record.body.strip(), [])
        if len(paths) == 1 and paths[0] not in found.values():
            found[record.key] = paths[0]
    taken = set(found.values())
    for record in unmatched:
        if record.key in found:
            continue
        body = record.body.strip()
        paths = [path for path, paper in orphans if path not in taken and _edited_from(paper, record.dates, body)]
        if len(paths) == 1:
            found[record.key] = paths[0]
            taken.add(paths[0])
    return found


# Share of their words two versions of one abstract have in common at least
# (a typo fixed: about 0.99; another paper of the same day: about 0.2).
_SAME_ABSTRACT_WORDS = 0.8


def _edited_from(paper: Paper, dates: tuple[dt.date, ...], abstract: str) -> bool:
    """Whether ``paper``'s file could be the digests' paper of ``dates`` and
    ``abstract`` with its title and abstract both changed since."""
    if not set(paper.dates) & set(dates):
        return False
    if abstract in paper.abstract:
        return True
    ours, theirs = set(_WORDS.findall(paper.abstract.lower())), set(_WORDS.findall(abstract.lower()))
    return len(ours & theirs) >= _SAME_ABSTRACT_WORDS * len(ours | theirs)


def _already_says(paper: Paper, record: PaperRecord, slug: str, topics: tuple[str, ...]) -> bool:
    """Whether a paper file already holds every value ingest would write
    into it for ``record``, so that writing it again would change nothing
    the site shows. (Most files, in most builds: asking this is a hundred
    times faster than making the file's text again.)"""
    return (
        paper.title == record.title and paper.slug_written == slug and paper.dates == record.dates
        and paper.topics == topics and paper.abstract == record.body.strip()
        and paper.links == extract_links(record.body)
    )


def _free_slug(base: str, taken: set[str]) -> str:
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def parse_papers(texts: Iterable[tuple[Path, str]], memo_many: MemoMany = compute_each) -> tuple[Paper, ...]:
    """Parse every paper file, gathering all errors before raising."""
    return tuple(memo_many((("paper", path, text), partial(parse_paper, text, path)) for path, text in texts))
