"""The project's one error type: a message that knows where it came from."""

from __future__ import annotations

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
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}{self.message}"
        return f"{text} ({self.hint})" if self.hint else text


NOTHING_WRITTEN = "Nothing was written; the previous site and your paper files are unchanged."


def counted(number: int, noun: str) -> str:
    """"1 paper", "20,000 papers": the one way messages, charts and templates count."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def paper_files_written(count: int) -> str:
    return f"{count} paper file was written" if count == 1 else f"{count} paper files were written"


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


def decode_utf8(data: bytes, path: Path | str, what: str = "file") -> str:
    """A file's bytes as text (a leading BOM dropped), or an error naming the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SourceError(
            f"{what} is not valid UTF-8 (byte 0x{data[error.start]:02x})", path, line, hint=utf8_hint(data),
        ) from None


def utf8_hint(start: bytes) -> str:
    """How to convert a file that begins with ``start`` to UTF-8."""
    source = "utf-16" if start.startswith((b"\xff\xfe", b"\xfe\xff")) else "latin1"
    return f"save the file as UTF-8; from {'UTF-16' if source == 'utf-16' else 'Latin-1'}: iconv -f {source} -t utf-8"


def read_utf8(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(f"cannot read file: {error.strerror}", path) from None
    return decode_utf8(data, path)
