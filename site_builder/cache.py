"""Work kept between builds in one process, so a rebuild redoes only what changed.

The preview server owns one :class:`BuildCache` and passes it to every build.
Correctness never depends on it: every entry is keyed by the complete input it
was computed from (file text, record, page context), so a cached result is
exactly what recomputing would give. Entries not used by a build are dropped
after it, so the cache holds one site's worth of work, not every edit's.

Between CLI builds the same work is kept on disk (``.atlas-cache/``): the
values by a digest of their key, and each page's output digest under a digest
of everything it was rendered from. A page whose digest is unchanged is read
back from the output directory and checked against its output digest. The
file carries the code's fingerprint and a checksum; any mismatch means an
empty cache, never a guess.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import io
import os
import pickle
import shutil
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO, Callable, Hashable, Iterable, Mapping, TypeVar

from .errors import BYTE_ORDER_MARK, SourceError, check_regular_file, decode_utf8, raise_if_any, unreadable
from .parallel import fork_map
from .search import SEARCH_CORE_JS

T = TypeVar("T")


@dataclass
class BuildCache:
    # Each file read: (size, mtime and inode; text; SHA-256 of its bytes).
    _files: dict[Path, tuple[tuple[int, int, int], str, bytes]] = field(default_factory=dict)
    # Each file hashed by file_hash: (size, mtime and inode; its hash).
    _hashes: dict[Path, tuple[tuple[int, int, int], str]] = field(default_factory=dict)
    _memo: dict[Hashable, Any] = field(default_factory=dict)
    _used: dict[Hashable, Any] = field(default_factory=dict)
    _forgotten: dict[Hashable, Any] = field(default_factory=dict)  # see end_build
    # Rendered pages by output path: (what they were rendered from, bytes).
    pages: dict[str, tuple[Any, bytes]] = field(default_factory=dict)
    # From the on-disk cache of the previous CLI build: memo values by key
    # digest, and each page's (context digest, output digest). Filled for the
    # preview's first build too (enter_disk_cache), emptied after it.
    stored: dict[bytes, Any] = field(default_factory=dict)
    stored_pages: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    # The output directory the stored pages were written to, and whether this
    # cache will be saved (then every page gets a context digest: before it
    # renders when stored pages can be looked up, else as the cache is saved).
    out_dir: Path | None = None
    persistent: bool = False
    # Context digest of every page the last build rendered or reused, but
    # for those in undigested_pages: there, how to make it, when saving.
    page_digests: dict[str, bytes] = field(default_factory=dict)
    undigested_pages: dict[str, Callable[[], bytes | None]] = field(default_factory=dict)
    # Output digest of each page reused from the output directory (read and checked).
    verified: dict[str, bytes] = field(default_factory=dict)
    # Entries worth saving computed by this build and by the last one.
    new_entries: int = 0
    last_new_entries: int = 0
    _key_digests: dict[Hashable, bytes | None] = field(default_factory=dict)
    # Whether this cache serves later builds in this process (the preview
    # server's): then work only a rebuild profits from is kept too.
    long_lived: bool = False

    def read_text(self, path: Path, keep_bom: bool = False) -> str:
        """The file's text, read again only when its size, mtime or inode
        changed; with a leading BOM only if ``keep_bom`` (a paper file's, which
        ingest writes back)."""
        try:
            stat = os.stat(path)
            key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            cached = self._files.get(path)
            if cached is not None and cached[0] == key:
                text = cached[1]
            else:
                check_regular_file(stat.st_mode, path)
                data = path.read_bytes()
                text = decode_utf8(data, path, keep_bom=True)
                self._files[path] = (key, text, hashlib.sha256(data).digest())
        except OSError as error:
            raise unreadable(error, path) from None
        return text if keep_bom else text.removeprefix(BYTE_ORDER_MARK)  # (the text itself when it has none)

    def file_hash(self, path: Path) -> str:
        """A hash of the file's bytes, made again only when its size, mtime
        or inode changed (a rebuild of the preview hashes only the digests
        saved since the last: 3 ms instead of 30 ms at two years of digests)."""
        try:
            stat = os.stat(path)
        except OSError as error:
            raise unreadable(error, path) from None
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        cached = self._hashes.get(path)
        if cached is None or cached[0] != key:
            check_regular_file(stat.st_mode, path)
            cached = self._hashes[path] = (key, file_hash(path))
        return cached[1]

    def manifest(self, files: Mapping[str, bytes]) -> dict[str, bytes]:
        """Each output file's content digest; a page read back and checked has it already."""
        return {path: self.verified.get(path) or content_digest(data) for path, data in files.items()}

    def read_hash(self, path: Path) -> bytes | None:
        """The SHA-256 of the bytes :meth:`read_text` last read from ``path``."""
        cached = self._files.get(path)
        return cached[2] if cached is not None else None

    def kept(self, key: Hashable) -> Any:
        """What :meth:`memo` would give for ``key`` without computing it, or
        None: a value only worth having if a build already made it."""
        value = self._used.get(key, _MISSING)
        if value is _MISSING:
            value = self._earlier(key)
            if value is _MISSING:
                return None
            self._used[key] = value
        return value

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, or its result from a build that had the same ``key``.

        Each dictionary is read once, by ``get``: the preview server may start
        a deferred search index from a request thread while the next build
        runs, and a build that ends meanwhile (swapping the dictionaries) can
        then at worst make a value be computed again, never fail a lookup."""
        used = self._used
        value = used.get(key, _MISSING)
        if value is not _MISSING:
            return value
        value = self._earlier(key)
        if value is _MISSING:
            self.new_entries += _persisted(key)
            value = compute()
        used[key] = value
        return value

    def forget(self, key: Hashable) -> None:
        """Drop ``key``'s value from what this build used: one a newer value
        replaced before any build ended (the preview's notes-only rebuilds,
        which end none), so that it is not kept until two builds have."""
        self._used.pop(key, None)

    def memo_many(self, jobs: Iterable[tuple[Hashable, Callable[[], Any]]], workers: int) -> list[Any]:
        """``[memo(key, compute) for key, compute in jobs]``, in one pass, with
        what no build has computed yet computed in ``workers`` processes.
        Every job is tried; then the SourceErrors they raised are raised together."""
        used = self._used
        values: list[Any] = []
        missing: dict[Hashable, tuple[Callable[[], Any], list[int]]] = {}
        for key, compute in jobs:
            value = used.get(key, _MISSING)
            if value is _MISSING:
                value = self._earlier(key)
                if value is _MISSING:
                    missing.setdefault(key, (compute, []))[1].append(len(values))
                else:
                    used[key] = value
            values.append(value)
        errors: list[SourceError] = []
        computes = [compute for compute, _places in missing.values()]
        for (key, (compute, places)), (ok, value) in zip(missing.items(), fork_map(_attempt, computes, workers)):
            if not ok:
                try:  # again here, for the error itself (one from a child may not pickle)
                    value = compute()
                except SourceError as error:
                    errors.append(error)
                    continue
            used[key] = value
            self.new_entries += _persisted(key)
            for place in places:
                values[place] = value
        raise_if_any(errors)
        return values

    def _earlier(self, key: Hashable) -> Any:
        """``key``'s value from the last build or from the disk cache, or _MISSING."""
        value = self._memo.get(key, _MISSING)
        if value is _MISSING and self.stored and _persisted(key) and (digest := self._digest(key)) in self.stored:
            value = self.stored[digest]
            if value == _SAME_AS_BEFORE and key[0] == "paper-file":
                value = key[-1]
        return value

    def has(self, key: Hashable) -> bool:
        """Whether :meth:`memo` would find ``key`` without computing it."""
        if key in self._used or key in self._memo:
            return True
        return bool(self.stored) and _persisted(key) and self._digest(key) in self.stored

    def _digest(self, key: Hashable) -> bytes | None:
        digest = self._key_digests.get(key)
        if digest is None:
            digest = self._key_digests[key] = key_digest(key)
        return digest

    def end_build(self) -> None:
        """Forget what this build did not use. The entries are freed by
        :meth:`release` or the next build's end, not now: freeing a large
        site's worth of old keys takes a tenth of a second that the preview
        server spends better once it is idle."""
        self._forgotten, self._memo, self._used = self._memo, self._used, {}
        self.last_new_entries = self.new_entries
        self.new_entries = 0
        self.stored = {}

    def enter_disk_cache(self, directory: Path, out_dir: Path) -> None:
        """Look work up in the disk cache saved in ``directory`` too, as a CLI
        build's cache does (the preview server's first build)."""
        loaded = load_cache(directory, out_dir)
        self.stored, self.stored_pages = loaded.stored, loaded.stored_pages
        # What a failed build before this one read back says nothing of this one's pages.
        self.out_dir, self.persistent, self.verified = out_dir, True, {}

    def leave_disk_cache(self) -> None:
        """Forget what only work stored on disk needed: the preview server's
        first build looks pages and values up there, its rebuilds do not, and
        the key digests alone would keep every old key alive."""
        self.persistent = False
        self.stored, self.stored_pages, self._key_digests = {}, {}, {}
        self.page_digests, self.undigested_pages, self.verified = {}, {}, {}

    def release(self) -> None:
        """Free what the last build forgot."""
        self._forgotten = {}

    def release_kind(self, kind: str) -> None:
        """Free now what the last build forgot under keys ``(kind, ...)``: a
        few large values, freed quickly, not the many small ones :meth:`release`
        takes a tenth of a second for."""
        forgotten = self._forgotten
        for key in [key for key in forgotten if type(key) is tuple and key and key[0] == kind]:
            del forgotten[key]

    def stored_page(self, path: str, context_digest: bytes) -> bytes | None:
        """The page as the previous build wrote it, if it was rendered from the
        same context and the file in the output directory still holds exactly it."""
        entry = self.stored_pages.get(path)
        if entry is None or entry[0] != context_digest or self.out_dir is None:
            return None
        try:
            with open(os.path.join(self.out_dir, path), "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        if content_digest(data) != entry[1]:
            return None
        self.verified[path] = entry[1]
        return data


def file_hash(path: Path) -> str:
    """A hash of the file's bytes, read in blocks (a digest file may be large)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except OSError as error:
        raise unreadable(error, path) from None
    return digest.hexdigest()


# Memo entries worth keeping between CLI builds: each is slow to compute and
# keyed by everything it depends on. Decoded file text is not (decoding is
# faster than storing it).
PERSISTED_KINDS = frozenset(
    {"digest", "paper", "paper-file", "topics", "markdown", "related", "search", "links-written"},
)
CACHE_FILE = "build-cache.pickle"


def _persisted(key: Hashable) -> bool:
    return isinstance(key, tuple) and bool(key) and key[0] in PERSISTED_KINDS


_MISSING: Any = object()
_MAGIC = b"paper-atlas-cache\n"
_DIGEST_SIZE = 20
# Stored for a paper file whose text is the one it had (the last part of its key).
_SAME_AS_BEFORE = "same-as-before"


def content_digest(data: bytes | memoryview) -> bytes:
    # SHA-256 rather than BLAKE2: CPUs with SHA extensions hash twice as fast.
    return hashlib.sha256(data).digest()[:_DIGEST_SIZE]


def key_digest(key: Hashable) -> bytes | None:
    """A digest of a memo key's value; None for a key that cannot be pickled."""
    return KeyDigester().digest(key)


class KeyDigester:
    """Digests of page contexts, which are large and overlap: each object of a
    ``summarized`` type (a paper, listed on many pages) is digested once and
    pickled as that digest wherever it appears; read-only mappings as dicts.
    Everything else is pickled by pickle's C code, object by object."""

    def __init__(self, summarized: frozenset[type] = frozenset()) -> None:
        self._known: dict[int, tuple[Any, bytes]] = {}
        self._table: dict[type, Callable[[Any], Any]] = {MappingProxyType: _reduce_read_only}
        self._table.update(dict.fromkeys(summarized, self._reduce_summarized))

    def digest(self, key: Any) -> bytes | None:
        try:
            return content_digest(self._dumps(key))
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError, ValueError, KeyError):
            return None

    def _dumps(self, value: Any) -> bytes:
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=5)
        pickler.dispatch_table = self._table
        pickler.fast = True  # no memo: the bytes depend on values, not on which objects are shared
        pickler.dump(value)
        return buffer.getvalue()

    def _reduce_summarized(self, value: Any) -> tuple[Any, ...]:
        known = self._known.get(id(value))
        if known is None or known[0] is not value:
            fields = (type(value).__module__, type(value).__qualname__, tuple(vars(value).items()))
            known = self._known[id(value)] = (value, content_digest(self._dumps(fields)))
        return _digest_of, (known[1],)


def _reduce_read_only(mapping: MappingProxyType[Any, Any]) -> tuple[Any, ...]:
    return _read_only, (dict(mapping),)


def _read_only(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


def _digest_of(digest: bytes) -> bytes:
    return digest


# The libraries whose code shapes the output, by distribution name, each with
# its module (by which one not installed as a distribution, vendored or on
# PYTHONPATH, is known): after pip install -U markdown-it-py, notes render
# anew, and the HTML a cache holds (or a site found unchanged) is the old version's.
OUTPUT_LIBRARIES = {
    "jinja2": "jinja2", "markupsafe": "markupsafe", "markdown-it-py": "markdown_it", "mdurl": "mdurl",
    "linkify-it-py": "linkify_it", "pyyaml": "yaml", "python-slugify": "slugify", "text-unidecode": "text_unidecode",
    "numpy": "numpy", "uc-micro-py": "uc_micro", "mdit-py-plugins": "mdit_py_plugins",
    "pygments": "pygments", "math-core": "math_core",
}


@functools.cache
def library_versions() -> bytes:
    """The installed versions of :data:`OUTPUT_LIBRARIES`, read once per
    process: a library upgraded while the preview server runs is still the
    old one in it, and its cache must say so."""
    versions = []
    for name, module in OUTPUT_LIBRARIES.items():
        try:
            versions.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} {_module_version(module)}")
    return "\n".join(versions).encode()


def _module_version(module_name: str) -> str:
    """What the module says of its version, where no distribution does (one
    upgraded there must still change the fingerprint): its ``__version__``,
    else its file's size and time."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return "not installed"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # markupsafe's __version__ is deprecated
            version = getattr(module, "__version__", None)
    except Exception:  # markupsafe's asks importlib.metadata, which knows of none
        version = None
    if isinstance(version, str):
        return f"{version} (module)"
    try:
        stat = os.stat(module.__file__ or "")
    except (OSError, TypeError):
        return "of unknown version"
    return f"of a {stat.st_size}-byte file of {stat.st_mtime_ns}"


def node_identity() -> bytes:
    """Which Node builds the search index: its file's path, size and time.
    lunr lower-cases words with Node's own Unicode tables, which a new
    version can change; a stat, not ``node --version``, which would start
    a process at every build, even one that finds nothing changed."""
    node = shutil.which("node")
    if node is None:
        return b"no node"  # the build says so when it needs one
    real = os.path.realpath(node)
    try:
        stat = os.stat(real)
    except OSError:
        return b"no node"
    return f"{real} {stat.st_size} {stat.st_mtime_ns}".encode()


def code_fingerprint() -> bytes:
    """The build's code (Python and JavaScript), Python's version, the
    libraries' and Node's: a cache from other code is not used."""
    package = Path(__file__).resolve().parent
    digest = hashlib.blake2b(
        sys.version.encode() + b"\0" + library_versions() + b"\0" + node_identity(), digest_size=20,
    )
    for source in sorted(package.rglob("*")):
        # Python and the Node script that builds the search index, not bytecode.
        if source.is_file() and "__pycache__" not in source.parts:
            digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    # The browser's search code, whose folding of words the Node script applies to the index.
    digest.update(b"static/search-core.js\0" + SEARCH_CORE_JS.read_bytes())
    return digest.digest()


def load_cache(directory: Path, out_dir: Path) -> BuildCache:
    """The cache a previous build saved, or an empty one when it is missing,
    from other code, truncated or corrupt: it is checked, never trusted blindly."""
    cache = BuildCache(out_dir=out_dir, persistent=True)
    try:
        stored, pages = load_checked(directory / CACHE_FILE, _MAGIC + code_fingerprint())
    except (TypeError, ValueError):  # none to be had, or not the pair dump_cache saves
        return cache
    if isinstance(stored, dict) and isinstance(pages, dict):
        cache.stored, cache.stored_pages = stored, pages
    return cache


def dump_cache(cache: BuildCache, page_digests: dict[str, tuple[bytes, bytes]], handle: BinaryIO) -> None:
    """Write what :func:`load_cache` reads: the values the last build used, by
    key digest; then a checksum of them, so a torn or damaged file is ignored."""
    stored: dict[bytes, Any] = {}
    for key, value in cache._memo.items():
        if not _persisted(key):
            continue
        if hasattr(value, "result"):  # a search index built in the background
            value = Resolved(value.result())
        elif key[0] == "paper-file" and value == key[-1]:
            value = _SAME_AS_BEFORE  # most paper files are as ingest left them
        digest = cache._key_digests.get(key) or key_digest(key)
        if digest is not None:
            stored[digest] = value
    dump_checked((stored, page_digests), _MAGIC + code_fingerprint(), handle)


def dump_checked(value: Any, header: bytes, handle: BinaryIO) -> None:
    """Write ``header``, then ``value`` pickled, then a checksum of the
    pickle, by which :func:`load_checked` tells a torn or damaged file."""
    checksum = hashlib.sha256()

    class Checksummed:
        @staticmethod
        def write(data: bytes) -> int:
            checksum.update(data)
            return handle.write(data)

    handle.write(header)
    pickle.dump(value, Checksummed, protocol=pickle.HIGHEST_PROTOCOL)
    handle.write(checksum.digest()[:_DIGEST_SIZE])


def load_checked(path: Path, header: bytes) -> Any:
    """The value :func:`dump_checked` wrote to ``path`` after ``header``; None
    when the file is missing, has another header, or is torn or damaged.
    Unpickled only once its checksum matches: a damaged pickle may ask for
    terabytes, which is a MemoryError, not an unpickling error."""
    try:
        raw = memoryview(path.read_bytes())
    except OSError:
        return None
    if len(raw) < len(header) + _DIGEST_SIZE or raw[: len(header)] != header:
        return None
    payload = raw[len(header):-_DIGEST_SIZE]
    if raw[-_DIGEST_SIZE:] != content_digest(payload):
        return None
    try:
        return pickle.loads(payload)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError, ValueError):
        return None  # of other code (a class since renamed), though it has this header


@dataclass(frozen=True)
class Resolved:
    """A finished background result, with the same ``result()`` as a pending one."""

    value: Any

    def result(self) -> Any:
        return self.value

    def cancel(self) -> None:
        """Nothing to stop: it is done."""

    def resume(self) -> None:
        """Nothing to start again."""


def _attempt(compute: Callable[[], T]) -> tuple[bool, T | None]:
    try:
        return True, compute()
    except SourceError:
        return False, None

