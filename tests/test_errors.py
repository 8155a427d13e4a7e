from __future__ import annotations

import contextlib

import pytest

from site_builder.errors import BuildErrors, SourceError, raise_if_any, read_utf8


def test_error_prints_path_line_message_and_hint():
    error = SourceError("bad thing", "content/x.txt", 3, hint="do this")
    assert str(error) == "content/x.txt:3: bad thing (do this)"
    assert str(SourceError("no line", "a.yaml")) == "a.yaml: no line"


def test_error_passes_through_context_managers():
    @contextlib.contextmanager
    def managed():
        yield

    with pytest.raises(SourceError):
        with managed():
            raise SourceError("inside", "f", 1)


def test_several_errors_are_reported_together():
    with pytest.raises(BuildErrors) as info:
        raise_if_any([SourceError("one", "a", 1), SourceError("two", "b", 2)])
    assert str(info.value) == "a:1: one\nb:2: two"


def test_control_characters_a_terminal_obeys_are_shown_as_escapes():
    """A file name from a repository others write to is printed in every
    error and warning about the file: its escapes erased the lines above
    (the warnings among them), retitled the window or set the clipboard."""
    error = SourceError("name \x1b]52;c;cHduZWQ=\x07 in it\r", "content/papers/x\x1b[2K\x9b1A.md", 2,
                        hint="tab\tand line\nstay")
    assert str(error) == (
        "content/papers/x\\x1b[2K\\x9b1A.md:2: name \\x1b]52;c;cHduZWQ=\\x07 in it\\r (tab\tand line\nstay)"
    )
    assert str(SourceError("plain", "a.md", 1, hint="as it was")) == "a.md:1: plain (as it was)"
    # In a name, a line end is one too: it began a line that seemed the build's own.
    assert str(SourceError("not read", "content/digests/x\nBuilt 3 pages\t.txt")) == \
        "content/digests/x\\nBuilt 3 pages\\t.txt: not read"


def test_bidirectional_controls_are_shown_as_escapes_and_right_to_left_text_as_it_is():
    """Trojan Source: a terminal that shows text both ways obeys U+202E,
    and "x\\u202edm.txt" read "xtxt.md", a file one would open in place of
    the one the error is about; a title quoted in a message can hold one too."""
    error = SourceError("title 'a\u2067b\u2069' here", "content/digests/x\u202edm.txt", 4, hint="in \u200fhint")
    assert str(error) == "content/digests/x\\u202edm.txt:4: title 'a\\u2067b\\u2069' here (in \\u200fhint)"
    controls = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    assert str(SourceError("m", controls)) == "".join(f"\\u{ord(c):04x}" for c in controls) + ": m"
    # Arabic and Hebrew letters are text, not controls: a name or title in them is shown as written.
    assert str(SourceError("عنوان", "content/digests/מאמרים.txt", 1)) == "content/digests/מאמרים.txt:1: عنوان"


def test_a_link_named_in_an_errors_text_shows_where_it_leads_as_its_own_path_is_shown(tmp_path):
    """Where a link leads is a name others write too: its line end began a line that seemed the build's own."""
    link = tmp_path / "digest.txt"
    link.symlink_to("gone\nBuilt 3 pages\u202e.txt")
    with pytest.raises(SourceError) as info:
        read_utf8(link)
    assert str(info.value) == (
        f"{link}: cannot read file: it is a link to gone\\nBuilt 3 pages\\u202e.txt, which leads to no file "
        "(make the link lead to the file (is the drive or folder it leads to there?), or delete the link)"
    )
