"""When a digest is dated: its date line (``Mar 18``, ``2025-03-18``), the date
in its file's name, and the year a date line without one is in.

The digest parser (:mod:`.digest`) finds the date line; this module reads it
and the file name, and warns about digests that may be filed under the
wrong year. Nothing here raises.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from .errors import SourceError, counted, shown_name

if TYPE_CHECKING:
    from .digest import Digest


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
# A date in a file's name: 2025-03-18, 2025_03_18, 2025.03.18 or 20250318,
# not digits inside a longer number (an arXiv id, 2503.12345); eight digits
# in a row only as a word of their own, not inside a hash ("…e47061120d7b").
_DATE_IN_NAME = re.compile(
    r"(?<!\d)((?:19|20|21)\d\d)([-_.])(\d{2})\2(\d{2})(?!\d)|(?<![0-9A-Za-z])((?:19|20|21)\d\d)()(\d{2})(\d{2})(?![0-9A-Za-z])"
)


def _date_in_filename(path: Path) -> tuple[int, int, int] | None:
    """Year, month and day written in a file's name (_DATE_IN_NAME), real or
    not (2025-13-45); eight digits alone only if they are a real date, as
    "12345678" may be any number."""
    for match in _DATE_IN_NAME.finditer(path.name):
        year, separator, month, day = (a or b for a, b in zip(match.groups()[:4], match.groups()[4:]))
        parts = int(year), int(month), int(day)
        if separator or _real_date(*parts) is not None:
            return parts
    return None


def _real_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def year_from_filename(path: Path) -> int | None:
    parts = _date_in_filename(path)
    return parts[0] if parts else None


def date_from_filename(path: Path) -> dt.date | None:
    parts = _date_in_filename(path)
    return _real_date(*parts) if parts else None  # 2025-13-45: no date, though still a year


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


def mistyped_date_line(text: str, near: dt.date) -> bool:
    """Whether ``text``, no date line, reads as one mistyped: a word like a
    month's name and a day ("Marc 19", "Mar 1 9", "19 Mar", "Mrach 19, 2025",
    "Mar 1B")
    within DAYS_APART_WARNED of ``near``, the digest's date, in any year, or
    numbers as an ISO date's ("2025-3-19"). "Llama 2" is no month; "Maya 2"
    is May 2, too far from a digest of Mar 18 for another day's date line:
    a title (models are named so) that lost its abstract."""
    if re.fullmatch(r"\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}", text):
        return True
    words = re.split(r"[\s,.]+", text.strip(" ,."))
    days = [day for day in map(_day_written, words) if day]
    names = [word for word in words if not word.isdigit() and not _day_written(word)]
    if not (2 <= len(words) <= 4 and len(names) == 1 and days):
        return False
    month = difflib.get_close_matches(names[0].lower(), _MONTHS, n=1, cutoff=0.6)
    if not month:
        return False
    day = int("".join(days)) if len("".join(days)) <= 2 else int(days[0])  # "Mar 1 9": the 19th
    for year in (near.year - 1, near.year, near.year + 1):
        try:
            read = dt.date(year, _MONTHS[month[0]], day)
        except ValueError:  # no such day (Feb 30), nor in the year before or after
            continue
        if abs((read - near).days) <= DAYS_APART_WARNED:
            return True
    return False


# The letters a day's digit is mistyped as, for the digit each looks like.
_LIKE_DIGITS = str.maketrans("BOoIlSZ", "8001152")


def _day_written(word: str) -> str | None:
    """The digits of the day ``word`` is, or is mistyped as: one or two
    digits, or a digit and a letter like one ("1B" is 18, "l9" 19). A
    letter alone is none ("May I Ask…"): a title's word, more likely."""
    if re.fullmatch(r"[0-9]{1,2}|[0-9][BOoIlSZ]|[BOoIlSZ][0-9]", word) is None:
        return None
    return word.translate(_LIKE_DIGITS)


# A digest is saved on its day or after it: its date line may be up to this
# many days after the date in its file's name, and up to a year before that.
_DAYS_AHEAD_OF_NAME = 7
# A digest dated further than this from the date in its file's name is named
# in a warning: one of the two has a typo, more likely than not.
DAYS_APART_WARNED = 31


def nearest_year(month: int, day: int, near: dt.date) -> int:
    """The year that puts month/day in the year that ends a few days after
    ``near``: on or before that day, and after it a year before (a window of
    365 or 366 days, so one year for each day: ``Jan 1`` a week after
    2025-12-25 is in 2026, not also 358 days before it, in 2025). Feb 29 of
    a year without one is reported later as no real date."""
    latest = near + dt.timedelta(days=_DAYS_AHEAD_OF_NAME)
    return latest.year if (month, day) <= (latest.month, latest.day) else latest.year - 1


def in_some_year(month: int, day: int) -> bool:
    try:
        dt.date(2000, month, day)  # a leap year
    except ValueError:
        return False
    return True


def new_year_warnings(digests: Iterable[Digest]) -> tuple[SourceError, ...]:
    """A warning when digests dated by digest_year are in December and
    January, and half a year or more between them has none (Nov 28, Dec 30,
    Jan 2, Feb 3): those before that gap are most likely the next year's,
    which nothing in their files says (file names with dates would). A year
    of digests, January to December, is no sign of it."""
    dated = sorted((digest for digest in digests if digest.year_from_settings), key=lambda d: (d.date, d.path.name))
    months = {digest.date.month for digest in dated}
    gap = _first_month_of_a_long_gap(months)
    if 1 not in months or 12 not in months or gap is None:
        return ()
    early = [digest for digest in dated if digest.date.month < gap]
    first, december = early[0], dated[-1]
    last = early[-1].date
    others = f" (so may {counted(len(early) - 1, 'other digest')} up to {last:%b} {last.day})" if len(early) > 1 else ""
    next_year = first.date.replace(year=first.date.year + 1)
    return (SourceError(
        f"the digest is dated {first.date.isoformat()} by digest_year in site.yaml, "
        f"as is {shown_name(december.path.name)} "
        f"({december.date.isoformat()}): a January digest after December's belongs to the next year{others}",
        first.path, first.date_line,
        hint=f"name the file for its day, {next_year.isoformat()}.txt, or write the year in its date line; "
        f"if it is of {first.date.year}, name it {first.date.isoformat()}.txt",
    ),)


def _first_month_of_a_long_gap(months: set[int]) -> int | None:
    """The first month of the longest run of six or more months in a row,
    February to November, that ``months`` misses; None without one."""
    best: tuple[int, int] | None = None  # (length, first month)
    run = 0
    for month in range(2, 12):
        run = 0 if month in months else run + 1
        if run >= 6 and (best is None or run > best[0]):
            best = run, month - run + 1
    return best[1] if best else None
