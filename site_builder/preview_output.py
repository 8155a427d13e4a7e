"""The preview's output directory, and what its last rebuild left unwritten.

The preview's one writer: a rebuild writes the pages it rendered and leaves
the others, and the new search index, for later; request handlers ask for a
page they need now (:meth:`PreviewOutput.ensure`), and the build thread
renders the rest in the background (:meth:`PreviewOutput.render_next`).
Until a file is written, the directory holds its previous bytes; once all
are, it holds exactly what a full build writes.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Collection, Mapping

from .errors import SourceError, counted
from .parallel import PARALLEL_MIN_ITEMS, default_workers, fork_map
from .pipeline import LaterSearch, SiteBuild
from .render import LaterPage
from .search import MANIFEST_PATH
from .writer import sync_site, update_site

# How often a wait for Node looks whether it has made the search index (and, in
# the build thread, whether a save came meanwhile).
SEARCH_POLL_SECONDS = 0.02


class PreviewOutput:
    """The site as written to ``out``, and the pages and search index still to write."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.files: dict[str, bytes] | None = None  # the last good site, as written; None before the first
        self.generation = 0  # how many sites have been written
        # Held while the output directory, files, later or search change. A
        # request finds a file off `later` (or the search's) only once it is
        # written, under the lock, so it checks without waiting on a render.
        self.lock = threading.Lock()
        self.later: dict[str, LaterPage] = {}  # pages of the current site not rendered yet
        self.rendered_on_request = 0  # of the current site's pages left for later
        self.search: LaterSearch | None = None  # its search index, until written
        self._search_paths: frozenset[str] = frozenset()  # the search files in the output
        # Pages rendered since the last build, for the page cache of the next.
        self._rendered_later: dict[str, tuple[Any, bytes]] = {}

    def take_rendered(self) -> dict[str, tuple[Any, bytes]]:
        """The pages rendered since the last build (key and bytes), handed over once."""
        with self.lock:
            rendered, self._rendered_later = self._rendered_later, {}
        return rendered

    def write(self, result: SiteBuild, verified: Collection[str]) -> tuple[str, ...]:
        """Write a build's site; the paths written."""
        if self.files is None:
            # First build: the output may hold the last build's site, mostly
            # these very bytes, or anything else; it is made exactly this.
            files = dict(result.files)
            written = sync_site(self.out, files, verified)
            self.files = files
            self.generation += 1
            self._search_paths = frozenset(result.search.files) if result.search else frozenset()
            return written
        with self.lock:
            # Pages left for later, and the search index until the new one is
            # written, keep their previous bytes meanwhile.
            old = self.files
            kept = {path: old[path] for path in itertools.chain(result.later, self._search_paths) if path in old}
            files = {**kept, **result.files}
            written = self._update_site(files, old)
            self.files = files
            self.generation += 1
            self.later = dict(result.later)
            self.rendered_on_request = 0
            self.search = result.pending_search
        return written

    def write_page(self, path: str, data: bytes) -> tuple[str, ...]:
        """Write one page rendered anew, in place of what was there or left for later."""
        with self.lock:
            assert self.files is not None
            self.later.pop(path, None)
            files = dict(self.files)
            files[path] = data
            written = self._update_site(files, self.files)
            self.files = files
        return written

    def write_search_later(self, search: LaterSearch) -> None:
        """Write ``search`` once Node has made it, in place of the index not
        yet written, whose Node run is stopped: a newer one replaces it."""
        with self.lock:
            if self.search is not None:
                self.search.cancel()
            self.search = search

    def _update_site(self, files: Mapping[str, bytes], previous: Mapping[str, bytes]) -> tuple[str, ...]:
        """:func:`update_site`; when it fails part way (a full disk), what it
        may have changed is read back into ``files``, so that the next write
        compares with the disk as it is: it took the disk for the last good
        site, and a rebuild back to that site's bytes left the failed one's
        files there, and the files it had removed missing, until a restart."""
        try:
            return update_site(self.out, files, previous)
        except SourceError:
            assert self.files is not None
            for path in previous.keys() | files.keys():
                if previous.get(path) != files.get(path):
                    try:
                        self.files[path] = self.out.joinpath(*path.split("/")).read_bytes()
                    except OSError:
                        self.files.pop(path, None)
            raise

    def restore(self, outputs: Collection[str]) -> int:
        """Write again every file of the site gone from the output directory,
        if one of ``outputs`` is (deleted while the server runs: `make clean`,
        `rm -rf _site`); how many. Every address was answered with 404 until
        the server restarted: a rebuild writes only the files it changes."""
        with self.lock:  # the site's files do not change meanwhile, nor go while written anew
            files = self.files
            if files is None or all(path not in files or os.path.isfile(self.out / path) for path in outputs):
                return 0
            missing = {path: data for path, data in files.items() if not os.path.isfile(self.out / path)}
            update_site(self.out, missing, {})
            return len(missing)

    @property
    def unfinished(self) -> bool:
        """Whether pages or the search index are still to be written."""
        return bool(self.later) or self.search is not None

    def incomplete(self) -> str | None:
        """What the output directory still lacks, said for a server stopped
        before finishing it; None when it is what a full build writes."""
        # Without the lock: the build thread may hold it while Node finishes.
        pages, search = len(self.later), self.search is not None
        if not pages and not search:
            return None
        left = " and ".join(part for part in (
            counted(pages, "page") if pages else "", "the search index" if search else "",
        ) if part)
        return f"{self.out} is not complete: the last rebuild left {left} unwritten"

    def ensure(self, relative: str, failed: Callable[[Exception, float], None]) -> None:
        """Render and write the output file ``relative`` now if it was left
        for later (a search file: write the search index, once Node is done).
        A page that fails to render keeps its previous bytes until a rebuild,
        and is not tried again for every request: ``failed`` is told the error
        and when the render started, still under the lock, so that no rebuild
        can succeed between the failure and its report (which would lay this
        site's error over the next)."""
        if relative not in self.later and not self.waits_for_search(relative):
            return
        while True:
            # Node is waited for without the lock: a save meanwhile writes its
            # page (and the index it makes anew) at once, not after this one.
            while relative not in self.later and not self.search_ready():
                time.sleep(SEARCH_POLL_SECONDS)
            with self.lock:
                if relative not in self.later and self.waits_for_search(relative) and not self.search_ready():
                    continue  # a newer index came meanwhile: waited for too
                start = time.perf_counter()
                try:
                    later = self.later.get(relative)
                    if later is not None:
                        self._commit({relative: (later.key, later.render())})
                        self.rendered_on_request += 1
                    elif self.waits_for_search(relative):
                        self._commit_search()
                except Exception as error:
                    self.later.pop(relative, None)
                    failed(error, start)
                return

    def search_ready(self) -> bool:
        """Whether the search index left to write can be written with no wait
        for Node: there is none, Node is done, or it failed to start (which
        writing it then says). Starts Node if it has not started."""
        search = self.search
        if search is None:
            return True
        try:
            return search.start().done()
        except Exception:
            return True

    def waits_for_search(self, relative: str) -> bool:
        """Whether ``relative`` must wait for the new search index: its
        manifest, which names the other new files, or an old search file."""
        return self.search is not None and (relative == MANIFEST_PATH or relative in self._search_paths)

    def render_next(self) -> int:
        """Render the next run of pages left for later, on both cores, or,
        with none left, write the search index; the number of pages rendered.
        On an error the pages left keep their previous bytes until a rebuild
        (the search index does not depend on them), and it is raised."""
        # Request handlers render only while holding the lock, so no fork
        # happens while one of them is inside Jinja (and holds its locks).
        with self.lock:
            try:
                batch = list(itertools.islice(self.later.items(), PARALLEL_MIN_ITEMS))
                if batch:
                    pages = fork_map(_render_later, [later for _path, later in batch], default_workers())
                    self._commit({path: (later.key, data) for (path, later), data in zip(batch, pages)})
                elif self.search is not None:
                    self._commit_search()
                return len(batch)
            except Exception:
                self.later.clear()
                raise

    def _commit(self, pages: Mapping[str, tuple[Any, bytes]]) -> None:
        """Write rendered pages, then take them off the pages left for later
        (the caller holds the lock)."""
        assert self.files is not None
        files = {path: data for path, (_key, data) in pages.items()}
        self._update_site(files, {path: self.files[path] for path in files if path in self.files})
        self.files.update(files)
        self._rendered_later.update(pages)
        for path in pages:
            self.later.pop(path, None)

    def _commit_search(self) -> None:
        """Wait for the search index, then swap it in (the caller holds the lock)."""
        assert self.files is not None and self.search is not None
        try:
            files = self.search.result().files
            old = {path: self.files.pop(path) for path in self._search_paths if path in self.files}
            self._update_site(files, old)
            self.files.update(files)
            self._search_paths = frozenset(files)
        finally:
            # Only now: until it is written, requests for its files wait (ensure);
            # one that failed is not tried again until a rebuild.
            self.search = None


def _render_later(later: LaterPage) -> bytes:
    return later.render()
