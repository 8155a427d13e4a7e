"""Read digest files: UTF-8 (with or without a byte order mark) or UTF-16
or UTF-32 with one, streamed line by line into the parser (:mod:`.digest`)."""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from .digest import LINE_END, Digest, parse_digest_lines, split_lines
from .errors import SourceError, check_not_binary, raise_if_any, unmarked_encoding, unreadable, utf8_hint


def read_digest(path: Path, default_year: int | None = None) -> Digest:
    """Read and parse a digest file, streaming it line by line."""
    try:
        with path.open("rb") as handle:
            return _parse_digest_stream(handle, path, default_year)
    except OSError as error:
        raise unreadable(error, path, "digest") from None


def _parse_digest_stream(handle: BinaryIO, path: Path, default_year: int | None) -> Digest:
    start = handle.read(8)
    check_not_binary(start, path, "digest")
    handle.seek(0)
    encoding = next((encoding for mark, encoding in _MARKS if start.startswith(mark)), None)
    if encoding is not None:
        return parse_digest_lines(_marked_lines(handle.read(), path, encoding), path, default_year)
    unmarked = unmarked_encoding(start)
    if unmarked is not None:
        # Its NUL bytes where text's are, not a binary file's, which has
        # them too (see digest._nul_error): iconv needs the byte order.
        endian = "little" if unmarked.endswith("le") else "big"
        raise SourceError(
            f"digest contains NUL bytes: it looks like text saved as {unmarked[:6].upper()} ({endian}-endian) "
            "without a byte order mark", path, 1, hint=utf8_hint(start),
        )
    return parse_digest_lines(_decoded_lines(handle, path), path, default_year)


# UTF-32's first: its little-endian mark begins with UTF-16's.
_MARKS = (
    (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _marked_lines(data: bytes, path: Path, encoding: str) -> list[str]:
    """The lines of a UTF-16 or UTF-32 file that begins with a byte order mark
    (Windows Notepad's "Unicode"), which tells its encoding for certain. Read
    whole: files saved so are a day's digest, not a corpus."""
    try:
        return split_lines(data.decode(encoding))  # the mark says which byte order, and is dropped
    except UnicodeDecodeError as error:
        before = data[: error.start].decode(encoding, "replace")
        raise SourceError(
            f"digest is not valid {encoding} (bytes {data[error.start:error.end].hex(' ')})",
            path, len(LINE_END.findall(before)) + 1,
            hint="save the digest as UTF-8 text; in Notepad: Save As, Encoding: UTF-8",
        ) from None


def _decoded_lines(handle: Iterable[bytes], path: Path) -> Iterator[str]:
    """UTF-8 lines from a binary file; CRLF and lone CR endings both end a line."""
    number = 0
    for raw in handle:
        if number == 0 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = number + raw[: error.start].count(b"\r") + 1
            raise SourceError(
                f"digest is not valid UTF-8 (byte 0x{raw[error.start]:02x})", path, line,
                hint=utf8_hint(raw if number == 0 else b""),
            ) from None
        for line in split_lines(text):
            number += 1
            yield line


def parse_digest_bytes(raw: bytes, path: Path, default_year: int | None = None) -> Digest:
    """:func:`read_digest` of a file holding ``raw``."""
    return _parse_digest_stream(io.BytesIO(raw), path, default_year)


def load_digests(directory: Path, default_year: int | None = None) -> tuple[Digest, ...]:
    """Every ``*.txt`` digest in ``directory``, in file-name order; all errors gathered."""
    digests: list[Digest] = []
    errors: list[SourceError] = []
    for path in sorted(directory.glob("[!.]*.txt")):
        try:
            digests.append(read_digest(path, default_year))
        except SourceError as error:
            errors.append(error)
    raise_if_any(errors)
    return tuple(digests)
