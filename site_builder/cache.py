"""Work kept between builds in one process, so a rebuild redoes only what changed.

The preview server owns one :class:`BuildCache` and passes it to every build.
Correctness never depends on it: every entry is keyed by the complete input it
was computed from (file text, record, page context), so a cached result is
exactly what recomputing would give. Entries not used by a build are dropped
after it, so the cache holds one site's worth of work, not every edit's.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Hashable, TypeVar

from .errors import SourceError

T = TypeVar("T")


@dataclass
class BuildCache:
    _files: dict[Path, tuple[tuple[int, int, int], bytes]] = field(default_factory=dict)
    _memo: dict[Hashable, Any] = field(default_factory=dict)
    _used: dict[Hashable, Any] = field(default_factory=dict)
    # Rendered pages by output path: (what they were rendered from, bytes).
    pages: dict[str, tuple[Any, bytes]] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0
    # From the on-disk cache of the previous CLI build: memo values by key
    # digest, and each page's (context digest, output digest). Empty in serve.
    stored: dict[bytes, Any] = field(default_factory=dict)
    stored_pages: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    # The output directory the stored pages were written to, and whether this
    # cache will be saved (then pages get context digests as they render).
    out_dir: Path | None = None
    persistent: bool = False
    # Context digest of every page the last build rendered or reused.
    page_digests: dict[str, bytes] = field(default_factory=dict)

    @staticmethod
    def stat_key(path: Path) -> tuple[int, int, int]:
        try:
            stat = os.stat(path)
        except OSError as error:
            raise SourceError(f"cannot read file: {error.strerror}", path) from None
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def read_bytes(self, path: Path) -> bytes:
        """The file's bytes, re-read only when its size, mtime or inode changed."""
        try:
            stat = os.stat(path)
            key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            cached = self._files.get(path)
            if cached is not None and cached[0] == key:
                return cached[1]
            data = path.read_bytes()
        except OSError as error:
            raise SourceError(f"cannot read file: {error.strerror}", path) from None
        self._files[path] = (key, data)
        return data

    def read_text(self, path: Path) -> str:
        data = self.read_bytes(path)
        return self.memo(("utf-8", path, data), lambda: _decode(data, path))

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, or its result from a build that had the same ``key``."""
        if key in self._used:
            self.hits += 1
            return self._used[key]
        if key in self._memo:
            self.hits += 1
            value = self._memo[key]
        elif self.stored and _persisted(key) and (digest := key_digest(key)) in self.stored:
            self.hits += 1
            value = self.stored[digest]
        else:
            self.misses += 1
            value = compute()
        self._used[key] = value
        return value

    def end_build(self) -> None:
        """Forget what this build did not use."""
        self._memo, self._used = self._used, {}
        self.hits = self.misses = 0
        self.stored = {}

    def stored_page(self, path: str, context_digest: bytes) -> bytes | None:
        """The page as the previous build wrote it, if it was rendered from the
        same context and the file in the output directory still holds exactly it."""
        entry = self.stored_pages.get(path)
        if entry is None or entry[0] != context_digest or self.out_dir is None:
            return None
        try:
            data = self.out_dir.joinpath(*path.split("/")).read_bytes()
        except OSError:
            return None
        return data if content_digest(data) == entry[1] else None


# Memo entries worth keeping between CLI builds: each is slow to compute and
# keyed by everything it depends on. Decoded file text is not (decoding is
# faster than storing it).
PERSISTED_KINDS = frozenset({"digest", "paper", "paper-file", "topics", "markdown", "related", "search"})
CACHE_FILE = "build-cache.pickle"


def _persisted(key: Hashable) -> bool:
    return isinstance(key, tuple) and bool(key) and key[0] in PERSISTED_KINDS
_MAGIC = b"paper-atlas-cache\n"


def content_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=20).digest()


class _KeyPickler(pickle.Pickler):
    """Pickles a key to bytes that depend on its value only: no memo (so
    shared objects do not change the bytes) and read-only mappings as dicts.
    Objects of the ``summarized`` types are replaced by their own digest,
    computed once, so a value shared by thousands of page contexts (a paper
    in lists, previous/next links) is pickled once, not thousands of times."""

    def __init__(self, buffer: io.BytesIO, digester: KeyDigester | None = None) -> None:
        super().__init__(buffer, protocol=5)
        self.fast = True
        self.digester = digester

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is MappingProxyType:
            return _read_only, (dict(obj),)
        return NotImplemented

    def persistent_id(self, obj: Any) -> Any:
        if self.digester is not None and type(obj) in self.digester.summarized:
            return self.digester.digest(obj, summarize_top=False)
        return None


def _read_only(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


@dataclass
class KeyDigester:
    summarized: frozenset[type] = frozenset()
    _known: dict[int, tuple[Any, bytes | None]] = field(default_factory=dict)

    def digest(self, key: Any, summarize_top: bool = True) -> bytes | None:
        """A digest of the key's value; None for a key that cannot be pickled."""
        if not summarize_top or type(key) in self.summarized:
            known = self._known.get(id(key))
            if known is not None and known[0] is key:
                return known[1]
        buffer = io.BytesIO()
        pickler = _KeyPickler(buffer, self)
        try:
            if type(key) in self.summarized:
                # Pickle the fields, not the object itself (which would refer to its own digest).
                pickler.dump((type(key).__qualname__, tuple(vars(key).items())))
            else:
                pickler.dump(key)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError, ValueError, KeyError):
            result = None
        else:
            result = content_digest(buffer.getvalue())
        if type(key) in self.summarized:
            self._known[id(key)] = (key, result)
        return result


def key_digest(key: Hashable) -> bytes | None:
    """A digest of the key's value; None for a key that cannot be pickled."""
    return KeyDigester().digest(key)


def code_fingerprint() -> bytes:
    """The build's code and Python version: a cache from other code is not used."""
    package = Path(__file__).resolve().parent
    digest = hashlib.blake2b(sys.version.encode(), digest_size=20)
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.digest()


def load_cache(directory: Path, out_dir: Path) -> BuildCache:
    """The cache a previous build saved, or an empty one when it is missing,
    from other code, truncated or corrupt: it is checked, never trusted blindly."""
    cache = BuildCache(out_dir=out_dir, persistent=True)
    try:
        raw = (directory / CACHE_FILE).read_bytes()
    except OSError:
        return cache
    header = len(_MAGIC) + 40
    if len(raw) < header or not raw.startswith(_MAGIC):
        return cache
    fingerprint, checksum, payload = raw[len(_MAGIC):len(_MAGIC) + 20], raw[len(_MAGIC) + 20:header], raw[header:]
    if fingerprint != code_fingerprint() or checksum != content_digest(payload):
        return cache
    try:
        stored, pages = pickle.loads(payload)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError, ValueError):
        return cache
    if isinstance(stored, dict) and isinstance(pages, dict):
        cache.stored, cache.stored_pages = stored, pages
    return cache


def dump_cache(cache: BuildCache, page_digests: dict[str, tuple[bytes, bytes]]) -> bytes:
    """The bytes :func:`load_cache` reads: what the last build used, by key digest."""
    stored: dict[bytes, Any] = {}
    for key, value in cache._memo.items():
        if not _persisted(key):
            continue
        if hasattr(value, "result"):  # a search index built in the background
            value = Resolved(value.result())
        digest = key_digest(key)
        if digest is not None:
            stored[digest] = value
    payload = pickle.dumps((stored, page_digests), protocol=pickle.HIGHEST_PROTOCOL)
    return _MAGIC + code_fingerprint() + content_digest(payload) + payload


@dataclass(frozen=True)
class Resolved:
    """A finished background result, with the same ``result()`` as a pending one."""

    value: Any

    def result(self) -> Any:
        return self.value


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SourceError("file is not valid UTF-8", path, line, hint="save the file as UTF-8") from None
