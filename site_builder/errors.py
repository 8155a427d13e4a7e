"""The project's one error type: a message that knows where it came from."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path


# Not frozen: Python sets __traceback__ on exceptions as they propagate, which a
# frozen dataclass forbids (it fails inside context managers).
@dataclass(eq=False)
class SourceError(Exception):
    """A user-facing problem in an input file.

    Printed as ``path:line: message`` so editors and terminals can jump to it.
    ``hint`` tells the user how to fix it; it is printed on the same line so the
    error stays one line long.
    """

    message: str
    path: Path | str | None = None
    line: int | None = None
    hint: str = ""

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            path = shown_name(self.path)
            where = f"{path}:{self.line}: " if self.line else f"{path}: "
        text = f"{where}{self.message}"
        return shown_text(f"{text} ({self.hint})" if self.hint else text)


# A terminal obeys control characters: a file name from a repository others
# write to ("x\x1b[2K\r.md") printed as it is could erase the lines above it,
# the warnings among them, retitle the window or set the clipboard (OSC 52);
# a line end in it, begin a line that seems the build's own. A message may
# hold a tab or a line end of its own. Unicode's bidirectional controls are
# no terminal's commands, but one that shows text both ways obeys them: a name
# with U+202E shows the rest of the line reversed ("Trojan Source"), so that
# "x\u202edm.txt" reads "xtxt.md".
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_CONTROL_BUT_TAB_AND_LINE_END = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")


def shown_name(name: Path | str) -> str:
    """A name others may write, as the terminal shows it: a file's in an
    error or warning, its own or one its message names ("the same text as
    x.txt"), or a host's. Every control character written as an escape, a
    line end and a tab too."""
    return _shown_in_a_terminal(str(name), _CONTROL)


def shown_text(text: str) -> str:
    """Text that may quote names others write (a message, a traceback), as
    the terminal shows it: every control character written as an escape but
    a tab and a line end, which it may hold of its own."""
    return _shown_in_a_terminal(text, _CONTROL_BUT_TAB_AND_LINE_END)


def _shown_in_a_terminal(text: str, control: re.Pattern[str]) -> str:
    """``text`` with each ``control`` character written as Python writes it in a string, ``\\x1b``."""
    if not control.search(text):
        return text
    return control.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)


NOTHING_WRITTEN = "Nothing was written; the previous site and your paper files are unchanged."


def counted(number: int, noun: str, plural: str = "") -> str:
    """"1 paper", "20,000 papers": the one way messages, charts and templates
    count. ``plural`` for a noun that does not just add "s" ("categories")."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {plural or noun + 's'}"


def paper_files_written(count: int) -> str:
    return f"{count} paper file was written" if count == 1 else f"{count:,} paper files were written"


@dataclass(eq=False)
class OutputError(SourceError):
    """A failure to write an output once the inputs were good, saying what
    was written before it (a paper file is never half-written)."""

    written: str = NOTHING_WRITTEN


@dataclass(eq=False)
class BuildErrors(Exception):
    """Several source errors gathered in one pass, so the user fixes them all at once."""

    errors: tuple[SourceError, ...]

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def raise_if_any(errors: list[SourceError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise BuildErrors(tuple(errors))


# What Windows Notepad writes before the text of a file it saves as UTF-8.
BYTE_ORDER_MARK = "\ufeff"


def decode_utf8(data: bytes, path: Path | str, what: str = "file", keep_bom: bool = False) -> str:
    """A file's bytes as text, or an error naming the line. A leading
    BOM is dropped unless ``keep_bom``: to write it back, as ingest does."""
    check_not_binary(data, path, what)
    try:
        return data.decode("utf-8" if keep_bom else "utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SourceError(
            f"{what} is not valid UTF-8 (byte 0x{data[error.start]:02x})", path, line, hint=utf8_hint(data),
        ) from None


def check_not_binary(start: bytes, path: Path | str, what: str = "file") -> None:
    """An error if a file beginning with ``start`` is an image, a PDF, a
    document or an archive: one a user saved under a text file's name."""
    kind = next((kind for magic, kind in _BINARY_STARTS if start.startswith(magic)), None)
    if kind is not None:
        raise SourceError(f"{what} is not text: it looks like {kind}", path, hint=f"save the {what} as plain UTF-8 text")


_BINARY_STARTS = (
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF"), (b"PK\x03\x04", "a zip file (a .docx or .odt document, say)"), (b"\x1f\x8b", "gzip data"),
    (b"\xd0\xcf\x11\xe0", "an old Word or Excel document"), (b"{\\rtf", "an RTF document"),
)


def utf8_hint(start: bytes) -> str:
    """How to convert a file that begins with ``start`` to UTF-8."""
    if start.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "save the file as UTF-8; from UTF-32: iconv -f utf-32 -t utf-8"
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "save the file as UTF-8; from UTF-16: iconv -f utf-16 -t utf-8"
    unmarked = unmarked_encoding(start)
    if unmarked is not None:
        # Without a mark, iconv needs the byte order.
        return (
            f"save the file as UTF-8; from {unmarked[:6].upper()} without a byte order mark:"
            f" iconv -f {unmarked} -t utf-8"
        )
    # Windows' "ANSI" (Notepad's default in older Windows) is Windows-1252,
    # which Latin-1 reads wrongly: its quotes, dashes and "…" become control characters.
    return "save the file as UTF-8; from Windows' ANSI or Latin-1: iconv -f windows-1252 -t utf-8"


def unmarked_encoding(start: bytes) -> str | None:
    """The encoding ("utf-32le", "utf-32be", "utf-16le" or "utf-16be") of a
    file that begins with ``start`` when its first two characters are UTF-32
    or UTF-16 without a byte order mark, told by NUL bytes, which UTF-8 and
    Latin-1 text has none of: in UTF-32 the upper two of each character's
    four (of any but emoji and rare scripts), in UTF-16 the upper one of each
    ASCII or Latin-1 character's two; and characters that text begins with,
    not a binary file's numbers (``01 00 02 00``). Else None. UTF-32's
    first: where an ASCII character has three NUL bytes, UTF-16 has one."""
    for size, name in ((4, "utf-32"), (2, "utf-16")):
        units = [start[at:at + size] for at in (0, size)]
        if len(start) < 2 * size or any(unit == bytes(size) for unit in units):
            continue
        half = size // 2
        order = "le" if all(unit[half:] == bytes(half) for unit in units) else (
            "be" if all(unit[:half] == bytes(half) for unit in units) else None
        )
        # A surrogate (UTF-32's "00 d8 00 00") is passed through to be no
        # printable character, not raised: it is a binary file's number.
        if order is not None and all(
            char.isprintable() or char.isspace() for char in start[:2 * size].decode(name + order, "surrogatepass")
        ):
            return name + order
    return None


def check_regular_file(mode: int, path: Path | str) -> None:
    """An error for what has a file's name but is none (``mode``: its
    stat's): a named pipe, which reading would wait on for ever, so the
    build hung with no word; a socket or a device; a folder."""
    if stat.S_ISDIR(mode):
        raise SourceError("cannot read file: it is a folder", path,
                          hint="rename it: the build reads a name with this ending as a file")
    if not stat.S_ISREG(mode):
        raise SourceError("cannot read file: it is a named pipe or a device, not a file", path,
                          hint="delete it, or put the file it stands for in its place")


def unreadable(error: OSError, path: Path, what: str = "file") -> SourceError:
    """The error for ``path``, which could not be read; for a link that
    leads to no file (kept in a notes vault or on a drive not there now),
    where it leads: "No such file or directory" of a file one sees listed
    told nothing."""
    if isinstance(error, FileNotFoundError) and os.path.islink(path):
        return SourceError(
            f"cannot read {what}: it is a link to {shown_name(os.readlink(path))}, which leads to no file", path,
            hint="make the link lead to the file (is the drive or folder it leads to there?), or delete the link",
        )
    return SourceError(f"cannot read {what}: {error.strerror}", path)


def exists_or_links(path: Path) -> bool:
    """Whether ``path`` is there, as a file or as a link, also one that
    leads to no file: a settings file so linked is an error to read, not a
    file that is missing (topics.yaml missing takes every paper's topics away)."""
    return os.path.lexists(path)


def read_utf8(path: Path) -> str:
    try:
        check_regular_file(os.stat(path).st_mode, path)
        data = path.read_bytes()
    except OSError as error:
        raise unreadable(error, path) from None
    return decode_utf8(data, path)
