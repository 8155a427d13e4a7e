"""Skipping a build when nothing changed since the last one.

A CLI build with the on-disk cache records a fingerprint of everything it
read (the content directory, templates, static files, lunr.js, the build's
own code and the options), the size and modification time of every file it
left in the output directory, and its report. The next build that finds the
same fingerprint and the output exactly as it was left does nothing and
shows that report again. Inputs are compared by content hash, so touching a
file changes nothing; the output by stat, as make and rsync do, so anything
that touched it (a deleted page, an edit by hand) means a real build.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Collection, Iterable, Iterator, Mapping

from .cache import code_fingerprint, dump_checked, load_checked
from .config import load_config
from .errors import SourceError, counted
from .inputs import unpublished
from .pages import RESERVED_NAMES
from .writer import write_atomic_with

if TYPE_CHECKING:
    from .inputs import Paths
    from .pipeline import BuildReport

LAST_BUILD_FILE = "last-build.pickle"
_VERSION = b"paper-atlas-last-build-3"


@dataclass(frozen=True)
class LastBuild:
    inputs: bytes  # InputFiles.fingerprint() of what the build read and wrote
    outputs: Mapping[str, tuple[int, int]]  # output path → (size, mtime in ns), as written
    report: BuildReport
    out: str  # the output directory, resolved: a cache beside two holds the last build of either

    def outputs_in(self, out: Path) -> Collection[str] | None:
        """What this build left in ``out``; None if it built another directory."""
        return self.outputs.keys() if self.out == str(out.resolve()) else None


@dataclass(frozen=True)
class InputFiles:
    """The hash of every file a build reads, with its options."""

    header: bytes  # the build's code and options
    files: Mapping[str, bytes]  # path → SHA-256 of its bytes

    def with_texts(self, texts: Iterable[tuple[Path, str]]) -> InputFiles:
        """These inputs after the build wrote ``texts`` (the paper files ingest wrote)."""
        return self.with_hashes((path, hashlib.sha256(text.encode("utf-8")).digest()) for path, text in texts)

    def with_hashes(self, hashes: Iterable[tuple[Path, bytes]]) -> InputFiles:
        """These inputs with ``hashes`` (path, SHA-256 of its bytes) added or replaced."""
        files = dict(self.files)
        files.update((str(path), digest) for path, digest in hashes)
        return InputFiles(self.header, files)

    def fingerprint(self) -> bytes:
        digest = hashlib.sha256(self.header)
        for path in sorted(self.files):
            digest.update(os.fsencode(path) + b"\0" + self.files[path])
        return digest.digest()


def input_files(
    paths: Paths, base_url: str | None, extra_files: Iterable[Path], papers_hashed_as_read: bool = False,
) -> InputFiles | None:
    """Every file a build reads, hashed; None when site.yaml cannot be read
    or a file vanishes meanwhile (the build itself then says what is wrong).
    With ``papers_hashed_as_read``, the paper files (``*.md`` in the papers
    directory) are left out: the build adds the hashes of the bytes it reads."""
    try:
        config = load_config(paths.content / "site.yaml")
    except SourceError:
        return None
    header = _VERSION + code_fingerprint() + repr(base_url).encode()
    skip = {paths.out.resolve(), *([paths.cache.resolve()] if paths.cache else [])}
    roots = [paths.content, paths.static, *([config.templates_dir] if config.templates_dir else []), *extra_files]
    files: dict[str, bytes] = {}
    for root in roots:
        header += b"\0" + os.fsencode(root)
        for path in _files_under(root, skip):
            if papers_hashed_as_read and path.name.endswith(".md") and path.parent == paths.papers:
                continue
            try:
                files[str(path)] = hashlib.sha256(path.read_bytes()).digest()
            except OSError:
                return None
    return InputFiles(header, files)


def _files_under(root: Path, skip: set[Path]) -> list[Path]:
    """The files under ``root`` and links to files: not a named pipe, which
    reading would wait on for ever, nor a broken link, which no build reads.
    Told apart by the folder's listing, which says what each entry is: a
    stat of each file took a sixth of the check at 20,000 paper files."""
    if root.is_file():
        return [root]
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    # Into linked directories too (content/papers may be a link to where the
    # notes are kept), each directory once, so a link loop ends; depth first,
    # in name order.
    directories = [str(root)]
    while directories:
        directory = directories.pop()
        try:
            stat = os.stat(directory)
            if (stat.st_dev, stat.st_ino) in seen:
                continue
            seen.add((stat.st_dev, stat.st_ino))
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            continue  # gone meanwhile, or not listable: the build says so if it reads there
        subdirectories = []
        for entry in entries:
            try:
                if entry.is_dir():
                    # Not a hidden folder, as the preview takes a save there for none.
                    if not unpublished(entry.name) and Path(entry.path).resolve() not in skip:
                        subdirectories.append(entry.path)
                elif entry.is_file():
                    found.append(Path(entry.path))
            except OSError:
                continue  # a loop of links, or one into a folder not searchable
        directories.extend(reversed(subdirectories))
    return found


def output_files(out: Path) -> Iterator[tuple[str, str]]:
    """Every file under ``out``: (relative POSIX path, path to open)."""
    prefix = len(str(out)) + 1
    for directory, _subdirectories, names in os.walk(out):
        relative = directory[prefix:]
        for name in names:
            yield (f"{relative}/{name}" if relative else name), os.path.join(directory, name)


def output_stats(out: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``out`` with its size and mtime."""
    stats: dict[str, tuple[int, int]] = {}
    for relative, path in output_files(out):
        try:
            stat = os.stat(path)
        except OSError:
            continue
        stats[relative] = (stat.st_size, stat.st_mtime_ns)
    return stats


def pages_gone(
    earlier: Collection[str], now: Collection[str], out: Path, base_path: str, written_by: str = "the last build",
) -> tuple[SourceError, ...]:
    """The pages of papers, topics, tags and one's own the last build wrote
    (``earlier``, its output paths) and this one does not (``now``): an
    address someone may have linked to or bookmarked, which has no page
    now: one warning for all, or none. (Not a date's page or a list's later
    one, which no file of the user's has aliases for; a page now at an old
    address is in ``now``.) ``written_by`` names the build that wrote
    ``earlier``, as the warning says it."""
    gone = sorted(path for path in earlier if path not in now and _addressed(path))
    if not gone:
        return ()
    shown = ", ".join(base_path + path.removesuffix("index.html") for path in gone[:3])
    more = f" and {len(gone) - 3:,} more" if len(gone) > 3 else ""
    one = len(gone) == 1
    return (SourceError(
        f"{counted(len(gone), 'page')} {written_by} wrote {'is' if one else 'are'} gone from this one: {shown}{more}; "
        f"a link or bookmark to {'it' if one else 'them'} now finds the 404 page",
        out,
        # aliases: keep no tag's page: it is there while a paper has its tag.
        hint=_KEEP_A_TAG if all(path.startswith("tags/") for path in gone) else _KEEP_AN_ADDRESS,
    ),)


_NOT_PUBLISHED = "a site not published yet has no such links"
_KEEP_AN_ADDRESS = (
    "to keep an address, list it under aliases: in the paper file, page of your own or topics.yaml topic now at "
    f"another one, as docs/content.md's Old addresses says; {_NOT_PUBLISHED}"
)
_KEEP_A_TAG = f"a tag's page is there while some paper has the tag: to keep its address, tag one again; {_NOT_PUBLISHED}"


def _addressed(path: str) -> bool:
    """Whether output ``path`` is the page of a paper, topic, tag or page of one's own."""
    parts = path.split("/")
    if parts[-1] != "index.html":
        return False
    if len(parts) == 3:
        return parts[0] in ("papers", "topics", "tags")
    return len(parts) == 2 and parts[0] not in RESERVED_NAMES


def load_last_build(cache_dir: Path) -> LastBuild | None:
    last = load_checked(cache_dir / LAST_BUILD_FILE, _VERSION)
    return last if isinstance(last, LastBuild) else None


def unchanged_since(last: LastBuild | None, inputs: InputFiles | None, out: Path) -> bool:
    return (
        last is not None and inputs is not None and last.inputs == inputs.fingerprint()
        and output_stats(out) == last.outputs
    )


def save_last_build(cache_dir: Path, last: LastBuild) -> None:
    write_atomic_with(cache_dir / LAST_BUILD_FILE, partial(dump_checked, last, _VERSION))
