from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from site_builder.digest import parse_digest
from site_builder.digest_dates import new_year_warnings, parse_date_line
from site_builder.digest_files import load_digests, read_digest
from site_builder.errors import BuildErrors, SourceError
from site_builder.papers import merge_entries

HEADER = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\n"


def digest_text(date_line: str, *paragraphs: str) -> str:
    return HEADER + date_line + "\n\n" + "\n\n".join(paragraphs) + "\n"


def test_parses_titles_and_abstracts_after_the_date_line():
    text = digest_text("Mar 18", "First Title", "First abstract.", "Second: $100K π", "Second abstract.")
    digest = parse_digest(text, Path("d.txt"), default_year=2025)
    assert digest.date == dt.date(2025, 3, 18)
    assert [(e.title, e.abstract) for e in digest.entries] == [
        ("First Title", "First abstract."),
        ("Second: $100K π", "Second abstract."),
    ]
    assert [e.line for e in digest.entries] == [11, 15]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Mar 18", (3, 18, 2024)),
        ("March 18", (3, 18, 2024)),
        ("Mar 18, 2025", (3, 18, 2025)),
        ("Sept 3 2023", (9, 3, 2023)),
        ("2025-03-18", (3, 18, 2025)),
        ("Marching orders", None),
        ("May the force", None),
    ],
)
def test_date_line_forms(line, expected):
    assert parse_date_line(line, 2024) == expected


def test_date_line_without_year_takes_year_from_filename():
    digest = parse_digest(digest_text("Mar 18", "T", "A."), Path("hf-2023-03-18.txt"), default_year=2025)
    assert digest.date == dt.date(2023, 3, 18)


@pytest.mark.parametrize("name,line,expected", [
    ("2026-01-01.txt", "Dec 31", dt.date(2025, 12, 31)),  # pasted the day after: not a year ahead
    ("2025-12-31.txt", "Jan 1", dt.date(2026, 1, 1)),
    ("2025-09-28.txt", "Sep 29", dt.date(2025, 9, 29)),
    ("2024-03-01.txt", "Feb 29", dt.date(2024, 2, 29)),
    ("2025-08-15.txt", "Feb 10", dt.date(2025, 2, 10)),  # saved months later: never a date ahead
    ("2025-07-03.txt", "Jan 1", dt.date(2025, 1, 1)),
    ("2025-01-05.txt", "Jan 12", dt.date(2025, 1, 12)),  # named a few days early
    ("2024-03-01.txt", "Feb 29", dt.date(2024, 2, 29)),
    ("2025-13-45.txt", "Dec 31", dt.date(2025, 12, 31)),  # no date in the name, still its year
    # The edges: up to a week after the name's date, else within the year before it.
    ("2025-12-25.txt", "Jan 1", dt.date(2026, 1, 1)),  # 7 days after (not also 358 days before)
    ("2025-12-25.txt", "Jan 2", dt.date(2025, 1, 2)),  # 8 days after: 357 days before
    ("2025-12-24.txt", "Jan 1", dt.date(2025, 1, 1)),
    ("2024-12-25.txt", "Jan 1", dt.date(2025, 1, 1)),  # a leap year before the name
    ("2024-12-26.txt", "Jan 2", dt.date(2025, 1, 2)),
    ("2024-12-26.txt", "Jan 3", dt.date(2024, 1, 3)),  # 358 days before, in a leap year
    # Other ways to write a date in a name; not digits inside a longer number.
    ("20260101.txt", "Jan 1", dt.date(2026, 1, 1)),
    ("daily_2026_01_01.txt", "Jan 1", dt.date(2026, 1, 1)),
    ("2026.01.01.txt", "Jan 1", dt.date(2026, 1, 1)),
    ("papers-20251231 (1).txt", "Dec 31", dt.date(2025, 12, 31)),
    ("2503.12345.txt", "Mar 18", dt.date(2030, 3, 18)),  # an arXiv id
    ("12345678.txt", "Mar 18", dt.date(2030, 3, 18)),  # eight digits that are no date
    ("120260101.txt", "Jan 1", dt.date(2030, 1, 1)),
    # A hash in the name, as the shipped digests have, with eight digits that make a date.
    ("631_6a9ce47061120d7b.txt", "Mar 18", dt.date(2030, 3, 18)),
    ("631_47061120abcdef12.txt", "Mar 18", dt.date(2030, 3, 18)),
    ("631_ab_47061120.txt", "Mar 18", dt.date(2030, 3, 18)),  # a year no digest has
])
def test_date_line_without_year_takes_the_year_up_to_the_date_in_the_filename(name, line, expected):
    assert parse_digest(digest_text(line, "T", "A."), Path(name), default_year=2030).date == expected


@pytest.mark.parametrize("name,line,warned", [
    ("2025-03-20.txt", "Apr 20", "the digest is dated 2024-04-20, 334 days before the date in its file name (2025-03-20)"),
    ("2025-03-20.txt", "Mar 20, 2026", "the digest is dated 2026-03-20, 365 days after the date in its file name (2025-03-20)"),
    ("2025-08-15.txt", "Feb 10", "the digest is dated 2025-02-10, 186 days before the date in its file name (2025-08-15)"),
    ("2025-03-20.txt", "Feb 16", "the digest is dated 2025-02-16, 32 days before the date in its file name (2025-03-20)"),
    ("2025-03-20.txt", "Feb 17", None),  # saved within a month of its day
    ("2025-01-05.txt", "Jan 12", None),
    ("digest.txt", "Apr 20, 2025", None),  # no date in the name to disagree with
])
def test_a_date_line_far_from_the_date_in_the_file_name_is_a_warning_at_its_line(name, line, warned):
    digest = parse_digest(digest_text(line, "T", "A."), Path(name))
    assert [str(warning).split(" (if ")[0] for warning in digest.warnings] == ([f"{name}:9: {warned}"] if warned else [])


def test_december_and_january_both_dated_by_digest_year_is_a_warning_at_januarys_date_line():
    december = parse_digest(digest_text("Dec 31", "T1", "A1."), Path("a.txt"), 2025)
    january = parse_digest(digest_text("Jan 1", "T2", "A2."), Path("b.txt"), 2025)
    january_2 = parse_digest(digest_text("Jan 2", "T3", "A3."), Path("c.txt"), 2025)
    expected = (
        "b.txt:9: the digest is dated 2025-01-01 by digest_year in site.yaml, as is a.txt (2025-12-31): a January "
        "digest after December's belongs to the next year (so may 1 other digest up to Jan 2) (name the file for its "
        "day, 2026-01-01.txt, or write the year in its date line; if it is of 2025, name it 2025-01-01.txt)"
    )
    assert [str(warning) for warning in new_year_warnings([january_2, december, january])] == [expected]
    assert [str(warning) for warning in merge_entries([december, january, january_2]).warnings] == [expected]
    # A year of its own, in the date line or the file's name: no warning.
    for year_given in (
        parse_digest(digest_text("Jan 1, 2025", "T2", "A2."), Path("b.txt"), 2025),
        parse_digest(digest_text("Jan 1", "T2", "A2."), Path("2025-01-01.txt"), 2025),
    ):
        assert new_year_warnings([december, year_given]) == ()
    assert new_year_warnings([january, january_2]) == ()
    # A year of digests dated by digest_year, January to December: no sign of a new year.
    june = parse_digest(digest_text("Jun 9", "T4", "A4."), Path("d.txt"), 2025)
    assert new_year_warnings([january, june, december]) == ()
    # Late in the year, then January: half a year without a digest between January and December.
    november = parse_digest(digest_text("Nov 28", "T5", "A5."), Path("e.txt"), 2025)
    assert len(new_year_warnings([november, december, january])) == 1
    # The months after January up to the gap are named too: renaming January's alone would not do.
    march = parse_digest(digest_text("Mar 3", "T6", "A6."), Path("f.txt"), 2025)
    [warning] = new_year_warnings([november, december, january, january_2, march])
    assert "(so may 2 other digests up to Mar 3)" in str(warning)


def test_a_feb_29_with_none_in_the_year_before_the_filename_is_no_real_date():
    with pytest.raises(SourceError, match="'Feb 29' is not a real date in 2026 \\(fix the day or month of the date line, or write its year if not 2026\\)"):
        parse_digest(digest_text("Feb 29", "T", "A."), Path("2026-03-01.txt"))


def test_date_line_year_beats_filename_and_default():
    digest = parse_digest(digest_text("Mar 18, 2022", "T", "A."), Path("hf-2023-03-18.txt"), default_year=2025)
    assert digest.date == dt.date(2022, 3, 18)


def test_missing_year_is_an_error_that_says_how_to_fix_it():
    with pytest.raises(SourceError) as info:
        parse_digest(digest_text("Mar 18", "T", "A."), Path("d.txt"))
    assert str(info.value).startswith("d.txt:9: date line 'Mar 18' has no year (")
    assert "digest_year" in str(info.value)


def test_impossible_date_names_its_line():
    with pytest.raises(SourceError) as info:
        parse_digest(digest_text("Feb 30", "T", "A."), Path("d.txt"), 2025)
    assert str(info.value).startswith("d.txt:9: 'Feb 30' is not a real date")


def test_no_date_line_is_an_error():
    with pytest.raises(SourceError) as info:
        parse_digest("Title\n\nAbstract\n", Path("d.txt"), 2025)
    assert str(info.value) == "d.txt:1: no date line found (add a line such as 'Mar 18' or '2025-03-18' above the first title)"
    # A file named for its day is told the line that day's page has.
    with pytest.raises(SourceError) as info:
        parse_digest("Title\n\nAbstract\n", Path("2025-09-11.txt"), None)
    assert str(info.value) == (
        "2025-09-11.txt:1: no date line found (add the line 'Sep 11' above the first title, "
        "if the date in the file's name is the digest's)"
    )


def test_title_without_abstract_names_the_title_line():
    with pytest.raises(SourceError) as info:
        parse_digest(digest_text("Mar 18", "T1", "A1.", "Lonely title"), Path("d.txt"), 2025)
    assert str(info.value).startswith("d.txt:15: title 'Lonely title' has no abstract")


def test_wrapped_lines_in_a_paragraph_are_joined():
    digest = parse_digest(digest_text("Mar 18", "A long\ntitle", "An abstract\nthat wraps."), Path("d.txt"), 2025)
    assert digest.entries[0].title == "A long title"
    assert digest.entries[0].abstract == "An abstract that wraps."


def test_crlf_line_endings_and_bom(tmp_path):
    path = tmp_path / "d.txt"
    path.write_bytes(("\ufeff" + digest_text("Mar 18", "T", "A.")).replace("\n", "\r\n").encode())
    digest = read_digest(path, 2025)
    assert digest.entries[0].title == "T" and digest.entries[0].abstract == "A."


def test_invalid_utf8_names_the_line(tmp_path):
    path = tmp_path / "d.txt"
    path.write_bytes(b"Mar 18\n\nTitle\n\nCaf\xe9 abstract\n")
    with pytest.raises(SourceError) as info:
        read_digest(path, 2025)
    assert str(info.value).startswith(f"{path}:5: digest is not valid UTF-8")


def test_load_digests_gathers_every_error(tmp_path):
    (tmp_path / "a.txt").write_text("no date here\n")
    (tmp_path / "b.txt").write_text(digest_text("Mar 18", "T"))
    with pytest.raises(BuildErrors) as info:
        load_digests(tmp_path, 2025)
    assert [Path(str(e.path)).name for e in info.value.errors] == ["a.txt", "b.txt"]


def test_shipped_digests_hold_417_entries():
    digests = load_digests(Path(__file__).parent.parent / "content" / "digests", 2025)
    assert len(digests) == 5
    assert sum(len(d.entries) for d in digests) == 417
    assert sorted({d.date.isoformat() for d in digests}) == ["2025-03-11", "2025-03-17", "2025-03-18", "2025-09-10"]
