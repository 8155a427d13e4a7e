"""The preview server: watch files, rebuild (:mod:`.preview`), serve with live
reload (:mod:`.preview_http`).

The reload script and the error overlay are added to HTML responses as they
are sent; nothing of them is ever written to the output directory, so what
you preview is what you deploy.
"""

from __future__ import annotations

import os
import socket
import socketserver
import threading
from pathlib import Path
from typing import Callable

from watchdog.events import (
    DirCreatedEvent, DirDeletedEvent, DirMovedEvent, FileCreatedEvent, FileDeletedEvent, FileModifiedEvent,
    FileMovedEvent, FileSystemEvent, FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

from .errors import SourceError, shown_name
from .inputs import Paths
from .preview import DEBOUNCE_SECONDS, Preview
from .preview_http import bind, host_and_port, make_handler
from .watch_paths import within
from .writer import lock_directory, unlock

_CHANGE_EVENTS = {"created", "modified", "deleted", "moved"}
# The only events asked of the kernel: by default inotify also reports every
# open and close of a file for reading, and a build reads every paper file
# (40,000 events at 20,000 papers, each handled in Python while the build runs).
_WATCHED_EVENTS = [
    FileCreatedEvent, FileModifiedEvent, FileDeletedEvent, FileMovedEvent,
    DirCreatedEvent, DirDeletedEvent, DirMovedEvent,
]


class _EventHandler(FileSystemEventHandler):
    """``notice``: the name of the Preview method told of each change: notice
    for the watched roots, notice_linked where links in content/ lead,
    notice_awaited beside a templates_dir not made yet."""

    def __init__(self, preview: Preview, notice: str = "notice") -> None:
        self.preview = preview
        self.notice = notice

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGE_EVENTS or (event.is_directory and event.event_type == "modified"):
            return
        notice = getattr(self.preview, self.notice)  # looked up at each event, as tests replace it
        notice(Path(os.fsdecode(event.src_path)))
        if event.event_type == "moved":
            notice(Path(os.fsdecode(event.dest_path)))


def _identity(directory: Path) -> tuple[int, int] | None:
    """Which directory ``directory`` is now (its device and inode); None when none is there."""
    try:
        stat = os.stat(directory)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


# Every address of IPv4 and of IPv6, and the address of this machine to open in its place.
_EVERY_ADDRESS = {"0.0.0.0": "127.0.0.1", "::": "::1"}


def _network_address() -> str | None:
    """This machine's address on the network its default route leads to; None
    with none. A datagram socket "connected" chooses it and sends nothing."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never anyone's address
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address in _EVERY_ADDRESS else address


def _takes_ipv4(server: socketserver.TCPServer) -> bool:
    """Whether the server's socket is one of IPv4, or of IPv6 that takes IPv4 too."""
    if server.address_family != socket.AF_INET6:
        return True
    try:
        return not server.socket.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY)
    except (OSError, AttributeError):
        return False


# -- requests ---------------------------------------------------------------


def _lock_content(content: Path) -> int | None:
    """An exclusive lock on the content directory while a server runs: two
    preview servers of one project would both ingest every save (each taking
    the other's writes for edits). The open directory, locked: nothing is
    written. None where there are no locks (the server runs unguarded), or
    no directory yet (the build reports that)."""
    try:
        return lock_directory(content)
    except BlockingIOError:
        raise SourceError(
            "another 'build.py serve' is already previewing this content directory", content,
            hint="use that one, or stop it first (Ctrl+C in its terminal)",
        ) from None


# What each command that writes what the preview writes would do to it, and what to do instead.
_BREAKS_THE_PREVIEW = {
    "build": ("a build now would write them under it, and the preview would serve the build's pages until restarted",
              "; while it runs it keeps its site as 'build' makes it, so no build is needed"),
    "ingest": ("an ingest now would write paper files under it, each taking the other's writes for your edits",
               "; while it runs it ingests each digest you save, so no ingest is needed"),
    "deploy": ("a deploy now would write them under it, and the preview would serve the deploy's pages until "
               "restarted", ", then deploy, and serve again"),
}


def check_not_previewed(content: Path, command: str) -> None:
    """Refuse ``command`` while a preview server holds the content directory
    (a build for another base URL swapped its site in under the preview, which
    went on serving pages whose every link was broken). The lock is tried and
    let go at once, never held, and shared: two builds at once, each
    checking, do not take each other for a preview."""
    try:
        unlock(lock_directory(content, shared=True))
    except BlockingIOError:
        why, instead = _BREAKS_THE_PREVIEW[command]
        raise SourceError(
            "'build.py serve' is previewing this content directory, writing the paper files and its site "
            f"as you save; {why}", content,
            hint=f"stop the preview first (Ctrl+C in its terminal){instead}",
        ) from None


class PreviewServer:
    """The HTTP server, the watcher and the build thread, started and stopped together."""

    def __init__(
        self, paths: Paths, base_url: str | None = None, host: str = "127.0.0.1", port: int = 8000,
        log: Callable[[str], None] = print, debounce: float = DEBOUNCE_SECONDS,
    ) -> None:
        self._lock = _lock_content(paths.content)
        try:
            self.preview = Preview(paths, base_url, log, debounce)
            # Bind before building, so a taken port fails fast and writes nothing.
            self.http = bind(host, port, make_handler(self.preview))
        except BaseException:
            unlock(self._lock)
            raise
        self.observer = Observer()
        # None: a watch the system refused, not tried again while it is wanted.
        # With the identity of the directory watched (see _identity).
        self._watched: dict[
            tuple[Path, bool, str], tuple[ObservedWatch | None, _EventHandler, tuple[int, int] | None]
        ] = {}
        self._serving = False

    @property
    def url(self) -> str:
        """Where this machine's browser opens the site: listening on every
        address (``--host 0.0.0.0``), that is 127.0.0.1, not 0.0.0.0, which
        is no address to open (on ``--host ::``, [::1]); an IPv6 address in
        brackets, or the browser takes its colons for the port's."""
        host, port = self.http.server_address[:2]
        return f"http://{host_and_port(_EVERY_ADDRESS.get(host, host), port)}{self.preview.state.base_path}"

    @property
    def network_url(self) -> str | None:
        """Where another device (a phone) opens the site, when it listens on
        every address: this machine's address on its network, if it has one
        (an IPv4 one: on ``::``, only if IPv4 is listened on too)."""
        host, port = self.http.server_address[:2]
        if host not in _EVERY_ADDRESS or (address := _network_address()) is None or not _takes_ipv4(self.http):
            return None
        return f"http://{address}:{port}{self.preview.state.base_path}"

    def start(self) -> None:
        """Build, then watch and serve in background threads."""
        # Watch from before the first build, so a save made during it is not
        # missed. Started first, so that each watch is made as it is
        # scheduled, and one the system refuses is known by its directory.
        self.observer.start()
        self._sync_watches(late=False)
        self.preview.build()
        self.preview.finish()
        self._sync_watches()
        # After each rebuild, re-check the watches: site.yaml may name another templates_dir.
        builder = threading.Thread(target=self.preview.run_builds, args=(self._sync_watches,), daemon=True)
        for thread in (builder, threading.Thread(target=self.http.serve_forever, daemon=True)):
            thread.start()
        self._serving = True

    def _sync_watches(self, late: bool = True) -> None:
        """Watch what the site is built from now. ``late``: after a build,
        which may have read a directory before its watch was made."""
        # Each watch: its directory, whether all below it too, and the Preview method told of changes.
        roots = self.preview.watch_roots()
        wanted = {(root, True, "notice") for root in roots}
        for real in self.preview.linked():
            # A linked file's directory alone: a notes vault may hold much else.
            watch = (real, True, "notice_linked") if real.is_dir() else (real.parent, False, "notice_linked")
            if watch[0].is_dir():  # not a dangling link's: the build says what is wrong with it
                wanted.add(watch)
        awaited = self.preview.awaited_templates_dir()
        if awaited is not None:
            made = next(parent for parent in awaited.parents if parent.is_dir())
            if not any(within(made, root) for root in roots):
                wanted.add((made, False, "notice_awaited"))
        identities = {watch: _identity(watch[0]) for watch in wanted}
        # A directory replaced since it was watched (deleted and made again,
        # or another renamed in its place): its watch ended with the old one,
        # and saves in the new one rebuilt nothing until the server restarted.
        replaced = {watch for watch in wanted & set(self._watched) if self._watched[watch][2] != identities[watch]}
        for watch in (set(self._watched) - wanted) | replaced:
            observed, handler, _identity_watched = self._watched.pop(watch)
            if observed is None:
                continue
            # watchdog keeps one watch per directory for all its handlers (a
            # linked file's and an awaited templates_dir's): unscheduled, it
            # would take the other's too.
            if any(other == observed for other, _handler, _identity_watched in self._watched.values()):
                self.observer.remove_handler_for_watch(handler, observed)
            else:
                self.observer.unschedule(observed)
        for watch in wanted - set(self._watched):
            directory, recursive, notice = watch
            handler = _EventHandler(self.preview, notice)
            try:
                observed = self.observer.schedule(
                    handler, str(directory), recursive=recursive, event_filter=_WATCHED_EVENTS,
                )
            except OSError as error:
                # inotify's watch limit (a vault of many directories), or the
                # directory gone meanwhile: raised here, it failed the start
                # with a traceback, or ended the build thread after a rebuild.
                self.preview.log(f"warning: {shown_name(directory)} is not watched ({error.strerror or error}): "
                                 "saves there rebuild nothing")
                observed = None
            self._watched[watch] = (observed, handler, identities[watch])
            if late and observed is not None and notice != "notice_awaited":
                # A save there since the last build read it and before this
                # watch was made went unseen: a rebuild reads it (and writes
                # nothing, nor reloads a page, if there was none).
                getattr(self.preview, notice)(directory)

    def stop(self) -> None:
        """Stop whatever was started (Ctrl+C may come during the first build)."""
        self.preview.stop()
        if self._serving:
            self.http.shutdown()  # waits for serve_forever, so only once it runs
        self.http.server_close()
        if self.observer.is_alive():
            self.observer.stop()
            self.observer.join()
        unlock(self._lock)
        self._lock = None

    def __enter__(self) -> PreviewServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
