"""What a first visit to a page transfers: its HTML and the files it loads.

Read from the built files in memory, following the page's own ``<link>`` and
``<script>`` tags, so the figure stays true when templates change.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Mapping


@dataclass(frozen=True)
class Transfer:
    path: str
    raw: int
    gzip: int


@dataclass(frozen=True)
class PageWeight:
    page: str
    needed: tuple[Transfer, ...]  # the HTML, stylesheets and icon: what reading needs
    scripts: tuple[Transfer, ...]  # loaded too, but the page reads without them

    @property
    def raw(self) -> int:
        return sum(t.raw for t in self.needed)

    @property
    def gzip(self) -> int:
        return sum(t.gzip for t in self.needed)


class _Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.needed: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        rel = set(attributes.get("rel", "").lower().split())  # as browsers read it: "Stylesheet" too
        # Without an href (a template of one's own), the link loads nothing: a KeyError stopped the build.
        if tag == "link" and rel & {"stylesheet", "icon"} and attributes.get("href"):
            self.needed.append(attributes["href"])
        elif tag == "script" and attributes.get("src"):
            self.scripts.append(attributes["src"])


def gzip_size(data: bytes) -> int:
    """Bytes on the wire from a static host that gzips (level 6, the usual default)."""
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def _transfer(path: str, data: bytes) -> Transfer:
    return Transfer(path, len(data), gzip_size(data))


def measure_first_visit(files: Mapping[str, bytes], page: str, base_path: str) -> PageWeight:
    """``page`` is an output path ("papers/x/index.html"); resources are found
    among ``files`` by their URL with ``base_path`` removed."""
    parser = _Resources()
    parser.feed(files[page].decode("utf-8"))

    def local(urls: list[str]) -> tuple[Transfer, ...]:
        paths = [url.removeprefix(base_path) for url in urls if url.startswith(base_path)]
        return tuple(_transfer(path, files[path]) for path in paths if path in files)

    return PageWeight(page, (_transfer(page, files[page]),) + local(parser.needed), local(parser.scripts))
