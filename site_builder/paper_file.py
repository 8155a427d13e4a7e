"""The text ingest writes to a paper file: its own front-matter keys and the
abstract rewritten from the digests, everything else in the file as it was
(the user's keys, comments, layout and notes)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Collection, Mapping, Sequence

import yaml

from .digest import visible
from .errors import BYTE_ORDER_MARK, SourceError
from .papers import (
    INGEST_HEADING, MANAGED_KEYS, NOTES_HEADING, OTHER_VERSIONS, Paper, PaperRecord, cut_short, extract_links,
    split_front_matter,
)
from .yamlsource import parse_yaml_mapping


def moved_to_notes(text: str, path: Path, record: PaperRecord) -> bool:
    """Whether the file ``text`` holds text of the user's above its notes,
    in the part ingest owns, that rewriting it would move into the notes."""
    body = split_front_matter(text, path)[1]
    return bool(_text_ingest_would_drop(body[: len(body) - len(_body_tail(body))], record.body))


def _body_tail(text: str) -> str:
    """Everything from the "## Notes" heading on, verbatim."""
    match = NOTES_HEADING.search(text)
    return text[match.start() :] if match else ""


def _without_versions_section(notes: str, body: str) -> str:
    """``notes`` without the "Other versions of the abstract" section of
    ``body`` (the record's, which ingest writes above the notes), when the
    notes hold it word for word: someone moved "## Notes" above it. Any
    other text there (a version the digests no longer give, an edit, a
    version of one's own) is not ingest's to drop, and stays."""
    at = body.find(f"\n\n{OTHER_VERSIONS}\n")
    start = notes.find(f"\n{OTHER_VERSIONS}\n")
    if at < 0 or start < 0:
        return notes
    rest = notes[start + 1:]
    following = re.search(r"^## ", rest[len(OTHER_VERSIONS):], re.MULTILINE)
    end = len(rest) if following is None else len(OTHER_VERSIONS) + following.start()
    if rest[:end].strip("\n") != body[at:].strip("\n"):
        return notes
    return (notes[: start + 1].rstrip("\n") + "\n\n" + rest[end:]).rstrip("\n") + "\n"


def render_paper_file(
    record: PaperRecord, slug: str, topics: tuple[str, ...], existing_text: str | None, path: Path,
    existing: Paper | None, ingests_own: bool = False,
) -> str:
    """The file text for ``record``, keeping the user's keys and notes from
    ``existing_text`` (``existing``: that text parsed; None when there is no
    file). ``ingests_own``: the file holds what the preview's ingest wrote,
    so nothing above its notes is the user's to move into them."""
    user_keys: dict[str, Any] = {}
    notes = ""
    front = None
    if existing_text is not None:
        assert existing is not None
        front, body = split_front_matter(existing_text, path)
        user_keys = dict(existing.extra)
        notes = _without_versions_section(_body_tail(body), record.body)
        kept = "" if ingests_own else _text_ingest_would_drop(body[: len(body) - len(_body_tail(body))], record.body)
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
    if existing_text is not None and (ending := _line_end(existing_text)) != "\n":
        # Saved with Windows line ends (or CR alone), it keeps them: git would show every line changed.
        text = text.replace("\n", ending)
    if existing_text is not None and existing_text.startswith(BYTE_ORDER_MARK):
        # Saved with one (Windows Notepad writes it), it keeps it: git would show the first line changed.
        text = BYTE_ORDER_MARK + text
    return text


def _line_end(text: str) -> str:
    """What ends most lines of ``text``: CRLF (Windows) or LF, or CR in text
    with no LF (classic Mac OS). Most, not any: a line pasted with a Windows
    line end into notes with Unix ones turned every line of the file to CRLF."""
    if "\r" not in text:
        return "\n"
    if "\n" not in text:
        return "\r"
    return "\r\n" if 2 * text.count("\r\n") > text.count("\n") else "\n"


def _dump(mapping: Mapping[str, Any]) -> str:
    dumper = _CSafeDumper if _CSafeDumper and _libyaml_emits_alike(mapping) else yaml.SafeDumper
    return yaml.dump(
        mapping, Dumper=dumper, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=None
    )


# A key at the start of its line, as YAML reads it: also in quotes, or with
# spaces before its colon ("dates":, title :), else its line is not found
# and the whole front matter is written anew, the user's comments gone.
_TOP_LEVEL_KEY = re.compile(r"""(?:"([A-Za-z_][\w-]*)"|'([A-Za-z_][\w-]*)'|([A-Za-z_][\w-]*))[ \t]*:(?:\s|$)""")


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
        line = new_lines[new[key][0]]
        if comment := _trailing_comment(lines[start]):  # on the key's own line (not in a list below it)
            line = f"{line.rstrip(chr(10))}{comment}\n"
        lines[start:end] = [line]
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


def _trailing_comment(line: str) -> str:
    """The comment ending ``line`` (``dates: [2025-03-18]  # first seen``),
    with the spaces before it, or "". A ``#`` starts one where what comes
    before it reads as the whole line does (not one in a quoted title)."""
    if "#" not in line or (whole := _yaml_value(line)) is _UNREADABLE:
        return ""
    for match in re.finditer(r"[ \t]+#", line):
        if _yaml_value(line[:match.start()]) == whole:
            return line[match.start():].rstrip("\r\n")
    return ""


_UNREADABLE = object()


def _yaml_value(text: str) -> Any:
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return _UNREADABLE


def _managed_spans(front: str, managed: Collection[str]) -> dict[str, tuple[int, int]] | None:
    """The lines (start, end) of each of the ``managed`` keys that ``front``
    has: its own, and those below it that are part of its value (indented,
    or items of a block list, and the blank and comment lines between them);
    None if one is there twice."""
    lines = front.splitlines()
    spans: dict[str, tuple[int, int]] = {}
    for number, line in enumerate(lines):
        match = _TOP_LEVEL_KEY.match(line)
        key = match and next(name for name in match.groups() if name)
        if key in managed:
            if key in spans:
                return None
            # In a block scalar (title: >-) an indented "#" is text, not a comment.
            between = _blank if _BLOCK_SCALAR.search(line) else _blank_or_comment
            end = after = number + 1
            while after < len(lines) and (between(lines[after]) or lines[after][:1] in (" ", "\t", "-")):
                after += 1
                if not between(lines[after - 1]):
                    end = after  # blank and comment lines count only before more of the value
            spans[key] = (number, end)
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
    written = {_flat(paragraph) for paragraph in _paragraphs(body)}
    dropped = (
        _without_written_lines(paragraph, written) for paragraph in _paragraphs(managed)
        if _flat(paragraph) not in written and not INGEST_HEADING.fullmatch(paragraph)
        # An abstract ingest wrote from a digest pasted in part, now whole.
        and not any(cut_short(_flat(paragraph), whole) for whole in written)
    )
    return "\n\n".join(paragraph for paragraph in dropped if paragraph)


def _flat(text: str) -> str:
    # Characters that show nothing do not count: files of older versions
    # hold those that the digests' text no longer does.
    return " ".join(visible(text).split())


def _without_written_lines(paragraph: str, written: set[str]) -> str:
    """``paragraph`` without the lines that are paragraphs ingest writes (or
    show nothing): lines typed straight before or after the abstract, or
    before a heading of its versions, with no blank line between, are the
    user's own, and the abstract stays where it is instead of showing again
    under the notes. A run of lines at the start that together are one
    paragraph ingest writes goes too: an abstract rewrapped onto several
    lines, with lines added after it."""
    lines = paragraph.split("\n")
    for end in range(2, len(lines)):
        if _flat("\n".join(lines[:end])) in written:
            lines = lines[end:]
            break
    return "\n".join(line for line in lines if _flat(line) and _flat(line) not in written).strip()


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
