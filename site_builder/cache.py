"""Work kept between builds in one process, so a rebuild redoes only what changed.

The preview server owns one :class:`BuildCache` and passes it to every build.
Correctness never depends on it: every entry is keyed by the complete input it
was computed from (file text, record, page context), so a cached result is
exactly what recomputing would give. Entries not used by a build are dropped
after it, so the cache holds one site's worth of work, not every edit's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
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
        else:
            self.misses += 1
            value = compute()
        self._used[key] = value
        return value

    def end_build(self) -> None:
        """Forget what this build did not use."""
        self._memo, self._used = self._used, {}
        self.hits = self.misses = 0


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SourceError("file is not valid UTF-8", path, line, hint="save the file as UTF-8") from None
