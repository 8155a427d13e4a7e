"""Parse digest text (a copy of the Hugging Face "Daily Papers" page) into entries.

A digest is: header lines, a date line (``Mar 18``), then paragraphs separated
by blank lines that alternate paper title and abstract. Nothing here raises
anything but :class:`SourceError`, and every error names the file and line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .errors import SourceError, raise_if_any

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_DAY = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

# Header lines above the date line vary between copies of the page, so
# everything above it is skipped. A "title" longer than this is almost surely
# an abstract, which means a title or abstract is missing above it.
_MAX_TITLE_CHARS = 500


@dataclass(frozen=True)
class DigestEntry:
    title: str
    abstract: str
    date: dt.date
    path: Path
    line: int  # line of the title, 1-based


@dataclass(frozen=True)
class Digest:
    path: Path
    date: dt.date
    entries: tuple[DigestEntry, ...]


@dataclass(frozen=True)
class _Paragraph:
    text: str
    line: int


def year_from_filename(path: Path) -> int | None:
    match = _ISO_IN_NAME.search(path.name)
    return int(match.group(1)) if match else None


def parse_date_line(text: str, default_year: int | None) -> tuple[int, int, int | None] | None:
    """Return (month, day, year-or-default) if ``text`` is a date line, else None.

    The date is not validated here: ``Feb 30`` is still recognised as a date
    line so the caller can report it as a bad date rather than as a title.
    """
    text = text.strip()
    iso = _ISO_DATE.match(text)
    if iso:
        return int(iso.group(2)), int(iso.group(3)), int(iso.group(1))
    match = _MONTH_DAY.match(text)
    if not match or match.group(1).lower() not in _MONTHS:
        return None
    year = int(match.group(3)) if match.group(3) else default_year
    return _MONTHS[match.group(1).lower()], int(match.group(2)), year


def _paragraphs(lines: Iterable[str], first_line: int) -> Iterator[_Paragraph]:
    """Group lines into blank-line separated paragraphs, joining wrapped lines."""
    buffer: list[str] = []
    start = first_line
    for number, raw in enumerate(lines, start=first_line):
        line = raw.strip()
        if line:
            if not buffer:
                start = number
            buffer.append(line)
        elif buffer:
            yield _Paragraph(" ".join(buffer), start)
            buffer = []
    if buffer:
        yield _Paragraph(" ".join(buffer), start)


def parse_digest(text: str, path: Path, default_year: int | None = None) -> Digest:
    """Parse one digest. ``default_year`` is used when neither the date line nor
    the file name carries a year (``digest_year`` in site.yaml)."""
    year_fallback = year_from_filename(path) or default_year
    lines = text.splitlines()
    date: dt.date | None = None
    body_start = 0
    for index, line in enumerate(lines):
        found = parse_date_line(line, year_fallback)
        if found is None:
            continue
        month, day, year = found
        if year is None:
            raise SourceError(
                f"date line {line.strip()!r} has no year",
                path, index + 1,
                hint="write it as 'Mar 18, 2025', put an ISO date in the file name, "
                "or set digest_year in content/site.yaml",
            )
        try:
            date = dt.date(year, month, day)
        except ValueError:
            raise SourceError(
                f"{line.strip()!r} is not a real date", path, index + 1,
                hint="fix the day or month of the date line",
            ) from None
        body_start = index + 1
        break
    if date is None:
        raise SourceError(
            "no date line found", path, 1 if lines else None,
            hint="add a line such as 'Mar 18' or '2025-03-18' above the first title",
        )

    paragraphs = list(_paragraphs(lines[body_start:], body_start + 1))
    entries: list[DigestEntry] = []
    for title, abstract in zip(paragraphs[0::2], paragraphs[1::2]):
        if len(title.text) > _MAX_TITLE_CHARS:
            raise SourceError(
                f"expected a paper title but found a paragraph of {len(title.text)} characters",
                path, title.line,
                hint="titles and abstracts must alternate; a title or abstract may be missing above this line",
            )
        entries.append(DigestEntry(title.text, abstract.text, date, path, title.line))
    if len(paragraphs) % 2:
        last = paragraphs[-1]
        raise SourceError(
            f"title {last.text[:60]!r} has no abstract", path, last.line,
            hint="add the abstract as the next paragraph, or delete the title",
        )
    if not entries:
        raise SourceError(
            "digest has a date but no papers", path, body_start,
            hint="add title and abstract paragraphs after the date line, or delete the file",
        )
    return Digest(path, date, tuple(entries))


def read_digest(path: Path, default_year: int | None = None) -> Digest:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SourceError(f"cannot read digest: {error.strerror}", path) from None
    return parse_digest_bytes(raw, path, default_year)


def parse_digest_bytes(raw: bytes, path: Path, default_year: int | None = None) -> Digest:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise SourceError(
            "digest is not valid UTF-8", path, line,
            hint="save the file as UTF-8",
        ) from None
    return parse_digest(text, path, default_year)


def load_digests(directory: Path, default_year: int | None = None) -> tuple[Digest, ...]:
    """Every ``*.txt`` digest in ``directory``, in file-name order; all errors gathered."""
    digests: list[Digest] = []
    errors: list[SourceError] = []
    for path in sorted(directory.glob("*.txt")):
        try:
            digests.append(read_digest(path, default_year))
        except SourceError as error:
            errors.append(error)
    raise_if_any(errors)
    return tuple(digests)
