"""Search documents and the lunr index the browser searches.

The index is built by lunr.js under Node (``js/build_index.js``), the same
library the browser runs, so stemming, stop words and tokenisation agree by
construction. lunr.py would stem ``survey`` to ``survei`` where lunr.js keeps
``survey``, and such words would silently find nothing.

Output, under ``search/``:

- ``manifest.json`` (fixed name, so pages can find it) names every other file;
- a small site gets one serialized lunr index and one document store;
- a large site gets the index split by term prefix into shards and the
  document store split into numbered chunks, so a query downloads only the
  shards of its terms and the documents it shows. Every file but the manifest
  carries a content hash in its name and may be cached forever.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Collection, Mapping, NamedTuple, Sequence

from .children import child_environment
from .errors import SourceError
from .markup import html_to_text
from .tags import tag_words
from .weight import gzip_size

JS_DIR = Path(__file__).resolve().parent / "js"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = PROJECT_ROOT / "node_modules"
LUNR_JS = NODE_MODULES / "lunr" / "lunr.js"
# The browser's search code, whose folding of words (accents, ligatures)
# js/build_index.js applies to the papers' text: the index is made by it too.
SEARCH_CORE_JS = PROJECT_ROOT / "static" / "search-core.js"

# Title words count most: a paper is usually half-remembered by its name.
# A tag, written by the reader, counts as a topic does; the reader's notes
# more than the abstract, which the digest wrote.
FIELDS: tuple[tuple[str, int], ...] = (("title", 10), ("topics", 3), ("tags", 3), ("abstract", 1), ("notes", 2))
SINGLE_FILE_MAX_DOCS = 500  # up to here one index file (refs = paper numbers) is simplest
SHARD_TARGET_BYTES = 60_000  # raw JSON per shard; about a quarter of that gzipped
DOCUMENT_CHUNK = 16  # documents per store chunk: a page of results reads ~20 small files
MANIFEST_PATH = "search/manifest.json"  # the one search file with a fixed name: it names the others


class Link(NamedTuple):
    """A result's date or topic, shown as a link as in the site's own lists
    (a list of two in the document store's JSON)."""

    url: str  # relative to the site root
    text: str  # "Mar 17, 2025", or the topic's name


@dataclass(frozen=True)
class SearchDocument:
    slug: str
    title: str
    url: str  # relative to the site root
    dates: tuple[Link, ...]
    topics: tuple[Link, ...]
    abstract: str  # plain text, as indexed
    shown: str  # the text a result shows an excerpt of: the abstract without headings (or other versions)
    tags: tuple[Link, ...] = ()  # its tags' pages and names, the names indexed
    notes: str = ""  # the reader's notes as plain text, indexed and shown where they hold the words asked for


@dataclass(frozen=True)
class SearchFiles:
    files: Mapping[str, bytes]  # output path → bytes
    index_paths: tuple[str, ...]  # the serialized index or its shards
    document_paths: tuple[str, ...]  # the document store or its chunks

    def sizes(self) -> SearchSizes:
        """What the files weigh; gzipped too for an index or store that is one
        file, which the first query downloads whole. (A query downloads only
        some shards and chunks: the gzip size of all of them would say little
        and take seconds to measure at 20,000 papers.)"""
        return SearchSizes(
            index=self._part(self.index_paths),
            documents=self._part(self.document_paths),
        )

    def _part(self, paths: Sequence[str]) -> SearchPart:
        sizes = [len(self.files[path]) for path in paths]
        return SearchPart(sum(sizes), len(sizes), gzip_size(self.files[paths[0]]) if len(paths) == 1 else None)


@dataclass(frozen=True)
class SearchPart:
    bytes: int
    files: int
    gzip: int | None  # when it is one file


@dataclass(frozen=True)
class SearchSizes:
    index: SearchPart
    documents: SearchPart


def search_documents(
    papers: Sequence, text_of: Callable[[str], str] = html_to_text,
) -> tuple[SearchDocument, ...]:
    """One document per paper, from the site model's paper views
    (``text_of``: :func:`html_to_text`, which a rebuild passes memoised)."""
    return tuple(
        SearchDocument(
            slug=paper.slug,
            title=paper.title,
            url=paper.url,
            dates=tuple(Link(date.url, date.label) for date in paper.dates),
            topics=tuple(Link(topic.url, topic.name) for topic in paper.topics),
            abstract=text_of(paper.abstract_html),
            shown=paper.abstract_text,
            tags=tuple(Link(tag.url, tag.name) for tag in paper.tags),
            notes=text_of(paper.notes_html) if paper.notes_html else "",
        )
        for paper in papers
    )


def _hashed(directory: str, stem: str, data: bytes) -> str:
    return f"{directory}/{stem}.{hashlib.sha256(data).hexdigest()[:10]}.json"


_HASHED = re.compile(r"search/(?:index|shard|documents-[0-9]+)\.[0-9a-f]{10}\.json")


def is_search_file(path: str) -> bool:
    """Whether ``path`` (from the site's root) has the name of a file of the
    search index: the names are known only once Node has made the index,
    after the pages are checked (in the preview, long after its rebuild)."""
    return path == MANIFEST_PATH or _HASHED.fullmatch(path) is not None


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _store_entry(doc: SearchDocument) -> dict:
    entry = {"t": doc.title, "u": doc.url, "d": list(doc.dates), "g": list(doc.topics), "a": doc.shown}
    if doc.tags:  # shown after the topics; a site without tags keeps its store as it was
        entry["k"] = list(doc.tags)
    if doc.notes:  # a result's passage is taken from them when its words are there and not in the abstract
        entry["n"] = doc.notes
    return entry


def index_fields(documents: Sequence[SearchDocument]) -> tuple[tuple[str, int], ...]:
    """FIELDS, but "tags" and "notes" only where a paper has some: an empty
    field costs every term of the index an entry (47 KB of the shipped site's
    1.1 MB), and a site without them keeps its index as it was."""
    held = {"tags": any(doc.tags for doc in documents), "notes": any(doc.notes for doc in documents)}
    return tuple((name, boost) for name, boost in FIELDS if held.get(name, True))


def _write_index_request(stream: BinaryIO, documents: Sequence[SearchDocument], sharded: bool,
                         shard_target: int, emit_monolithic: bool) -> None:
    """Write the JSON Node reads, a document at a time (at 20,000 papers it
    is 25 MB, which need not be held in memory beside the site model). Not
    memoised in the preview, where it is written after the pages a rebuild
    serves first: kept, the encoded fields were 32 MB at 20,000 papers."""
    fields = index_fields(documents)
    names = frozenset(name for name, _boost in fields)
    head = _json({
        "fields": [{"name": name, "boost": boost} for name, boost in fields],
        "sharded": sharded,
        "shard_target": shard_target,
        "emit_monolithic": emit_monolithic,
    })
    stream.write(head[:-1] + b',"documents":[')
    for number, doc in enumerate(documents):
        # Refs are document numbers: a ref is written once per posting, and
        # slugs made a one-file index of 358 papers 4 MB (620 KB gzip)
        # instead of 1.1 MB (270 KB). A result's store entry (or chunk)
        # follows from its number.
        stream.write(b'{"ref":' if number == 0 else b',{"ref":')
        stream.write(_json(str(number)) + b",")
        stream.write(_request_fields(doc, names))
    stream.write(b"]}")


def indexed_tag(text: str) -> str:
    """A tag as the tags field holds it: its words, which a query's words
    find ("later" finds a paper tagged "Read later"), and, for a tag of
    several, the tag whole as one term, "read_later" (lunr splits words at
    '-' alone), which a query written as the tag ("#read-later") asks for:
    the papers its page lists, not those tagged "to-read" too. Its words as
    the tag's page tells one tag from another (tag_key): "Read later",
    "read-later" and "#read_later" are the one tag; their case is left to
    the index's folding, which a query's matches (tag_words)."""
    words = tag_words(text)
    return " ".join(words + ["_".join(words)] if len(words) > 1 else words)


def _request_fields(doc: SearchDocument, names: Collection[str]) -> bytes:
    """A document's fields (those of ``names``), as JSON object members (no braces)."""
    fields = {"title": doc.title, "topics": " ".join(topic.text for topic in doc.topics)}
    if "tags" in names:
        fields["tags"] = " ".join(indexed_tag(tag.text) for tag in doc.tags)
    fields["abstract"] = doc.abstract
    if "notes" in names:
        fields["notes"] = doc.notes
    return _json(fields)[1:-1] + b"}"


def _parse_frames(output: bytes) -> list[tuple[str, bytes]]:
    frames = []
    position = 0
    while position < len(output):
        try:
            newline = output.index(b"\n", position)
            name, length = output[position:newline].decode("utf-8").rsplit(" ", 1)
            start = newline + 1
            end = start + int(length)
        except ValueError:  # no header whole (UnicodeDecodeError is one too)
            break
        if end > len(output):
            break
        frames.append((name, output[start:end]))
        position = end
    # Cut short at a frame's end, or before the first, reads as whole frames:
    # only the last one, which Node writes after all others, says none is missing.
    if position < len(output) or not frames or frames[-1][0] != _LAST_FRAME:
        raise _cut_short(len(output))
    return frames[:-1]


_LAST_FRAME = "end"  # (js/build_index.js)


def _cut_short(length: int) -> SourceError:
    """Node's output ended before its last frame. Its writes to the
    temporary file stop short, unsaid, where there is no more room, and it
    exits 0: the site got an index of what fitted (16 KiB of 1 MB), or,
    sharded, none at all where nothing fitted."""
    return SourceError(
        f"building the search index failed: its output ends part way through, after {length:,} bytes",
        Path(tempfile.gettempdir()),
        hint="Node writes it to a temporary file in this directory: free some space there, or set TMPDIR "
        "to a directory with room",
    )


def node_executable() -> str:
    node = shutil.which("node")
    if node is None:
        raise SourceError(
            "Node.js is needed to build the search index but 'node' is not on PATH",
            hint="install Node.js (e.g. apt-get install nodejs npm), then run make setup",
        )
    if not LUNR_JS.is_file():
        raise SourceError(
            f"lunr.js is not installed ({LUNR_JS} is missing)",
            hint="run 'make setup' (or 'npm ci') in the project directory",
        )
    return node


class PendingSearchIndex:
    """The index build running under Node while Python renders pages."""

    def __init__(self, documents: Sequence[SearchDocument], *, sharded: bool | None = None,
                 shard_target: int = SHARD_TARGET_BYTES, emit_monolithic: bool = False) -> None:
        self.documents = tuple(documents)
        self.sharded = len(self.documents) > SINGLE_FILE_MAX_DOCS if sharded is None else sharded
        # Node reads and writes files, not pipes: a thread of ours feeding a
        # pipe would need the GIL for every 64 KiB while pages render, and
        # Node would sit waiting for it.
        self._streams: list[BinaryIO] = []
        try:
            self._streams.extend(tempfile.TemporaryFile() for _name in ("stdin", "stdout", "stderr"))
            _write_index_request(self._streams[0], self.documents, self.sharded, shard_target, emit_monolithic)
            self._streams[0].flush()  # here, not by the seek that starts Node
        except OSError as error:  # a full /tmp (often a small tmpfs) was a traceback
            for stream in self._streams:
                with contextlib.suppress(OSError):  # closing flushes what is buffered: the same error
                    stream.close()
            raise SourceError(
                f"cannot write the search index's input to a temporary file: {error.strerror}",
                Path(tempfile.gettempdir()),
                hint="free some space there, or set TMPDIR to a directory with room",
            ) from None
        self._process = self._start()
        self._cancelled = False
        self._frames: list[tuple[str, bytes]] | None = None
        self._result: SearchFiles | None = None
        # Node's output is read once: asked again (the preview memoises this
        # object), a failure is raised again, not a read of closed files.
        self._error: SourceError | None = None

    def _start(self) -> subprocess.Popen:
        stdin, stdout, stderr = self._streams
        stdin.seek(0)
        for output in (stdout, stderr):
            output.seek(0)
            output.truncate()
        return subprocess.Popen(
            [node_executable(), str(JS_DIR / "build_index.js")],
            stdin=stdin, stdout=stdout, stderr=stderr,
            env={**child_environment(), "ATLAS_NODE_MODULES": str(NODE_MODULES)},
        )

    def cancel(self) -> None:
        """Stop Node, for a build that failed before it asked for the index:
        nothing would wait for it, and it would work on for seconds. Asked
        for again (the preview memoises this object), it starts again."""
        if self._frames is None and self._error is None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
            self._cancelled = True

    def done(self) -> bool:
        """Whether Node has ended, or was stopped: :meth:`frames` then waits for nothing."""
        return self._frames is not None or self._error is not None or self._process.poll() is not None

    def resume(self) -> None:
        """Start Node again if a failed build cancelled it."""
        if self._cancelled:
            self._process, self._cancelled = self._start(), False

    def frames(self) -> list[tuple[str, bytes]]:
        if self._error is not None:
            raise self._error
        self.resume()
        if self._frames is None:
            try:
                self._frames = self._read_frames()
            except SourceError as error:
                self._error = error
                raise
        return self._frames

    def _read_frames(self) -> list[tuple[str, bytes]]:
        self._process.wait()
        _stdin, stdout, stderr = self._streams
        stdout.seek(0)
        stderr.seek(0)
        output, errors = stdout.read(), stderr.read()
        for stream in self._streams:
            stream.close()
        if self._process.returncode != 0:
            message = errors.decode("utf-8", "replace").strip().splitlines()
            raise SourceError(
                "building the search index failed: " + (message[-1] if message else f"exit {self._process.returncode}"),
                JS_DIR / "build_index.js",
                hint="check that 'make setup' installed lunr (npm ci)",
            )
        return _parse_frames(output)

    def result(self) -> SearchFiles:
        if self._result is None:
            self._result = assemble(self.documents, self.sharded, self.frames())
        return self._result


def assemble(documents: Sequence[SearchDocument], sharded: bool,
             frames: Sequence[tuple[str, bytes]]) -> SearchFiles:
    files: dict[str, bytes] = {}
    # The store in chunks of DOCUMENT_CHUNK papers, whatever the index: a
    # query fetches the chunks of the results it shows, not every paper's
    # abstract (the shipped site's would be 670 KB, 200 KB gzip).
    chunks = []
    for start in range(0, len(documents), DOCUMENT_CHUNK):
        data = _json([_store_entry(doc) for doc in documents[start:start + DOCUMENT_CHUNK]])
        path = _hashed("search", f"documents-{start // DOCUMENT_CHUNK}", data)
        files[path] = data
        chunks.append(path)
    manifest: dict[str, object] = {
        "lunr": "2.3.9",
        "fields": [name for name, _boost in index_fields(documents)],
        "documents": {"count": len(documents), "chunk": DOCUMENT_CHUNK, "files": chunks},
    }
    if sharded:
        shards = []
        for name, data in frames:
            if name.startswith("shard:"):
                path = _hashed("search", "shard", data)
                files[path] = data
                shards.append([name.removeprefix("shard:"), path])
        index_files = [path for _prefix, path in shards]
        manifest["shards"] = shards
    else:
        (name, index), = [(name, data) for name, data in frames if name == "index"]
        index_path = _hashed("search", "index", index)
        files[index_path] = index
        index_files = [index_path]
        manifest["index"] = index_path
    files[MANIFEST_PATH] = _json(manifest)
    return SearchFiles(files=files, index_paths=tuple(index_files), document_paths=tuple(chunks))
