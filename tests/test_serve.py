"""The preview server, started on a free port against a private copy of the content."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Collection
from urllib.parse import unquote

import pytest

from site_builder import preview as preview_module, preview_output, serve, watch_paths, writer
from site_builder.errors import BuildErrors, SourceError
from site_builder.papers import parse_paper
from site_builder.pipeline import Paths, build
from site_builder.preview_http import (
    KEEPALIVE_SECONDS, PreviewState, byte_range, host_allowed, hosts_answered, inject, requested_outputs,
    resolve_request, validators,
)
from site_builder.preview import Preview
from site_builder.serve import PreviewServer
from site_builder.writer import sync_site, update_site, write_site
from files import snapshot

ROOT = Path(__file__).resolve().parent.parent
SECRET = "TOP-SECRET-MARKER-5d1f"
PAPER = "a-benchmark-for-learning-to-translate-a-new-language-from-one-grammar-book"
# Generous: how long to wait for a rebuild before calling it lost (not a speed test).
EVENT_TIMEOUT = 60.0


def make_project(root: Path) -> Paths:
    """A copy of the shipped content served under /atlas/, with paper.html
    overridden from a theme directory so a test can edit a template."""
    shutil.copytree(ROOT / "content", root / "content")
    (root / "theme").mkdir()
    shutil.copy(ROOT / "templates" / "paper.html", root / "theme" / "paper.html")
    site_yaml = root / "content" / "site.yaml"
    site_yaml.write_text(
        site_yaml.read_text().replace("base_url: /\n", "base_url: /atlas/\n") + "templates_dir: ../theme\n"
    )
    (root / "secret.txt").write_text(SECRET)
    return Paths(content=root / "content", out=root / "_site")


def start_server(root: Path) -> tuple[PreviewServer, list[str]]:
    log: list[str] = []
    server = PreviewServer(make_project(root), port=0, log=log.append)
    server.start()
    return server, log


@pytest.fixture
def server(tmp_path):
    server, log = start_server(tmp_path)
    server.log = log
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    """One server for the tests that only read."""
    server, _log = start_server(tmp_path_factory.mktemp("served"))
    yield server
    server.stop()


def fetch(server: PreviewServer, path: str, method: str = "GET",
          headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Send ``path`` exactly as written (no client-side normalising of ``..``)."""
    host, port = server.http.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


class EventStream:
    """A client of the server-sent events endpoint, as an open page would be."""

    def __init__(self, server: PreviewServer) -> None:
        host, port = server.http.server_address[:2]
        self.connection = http.client.HTTPConnection(host, port, timeout=EVENT_TIMEOUT)
        self.connection.request("GET", "/__atlas/events")
        self.response = self.connection.getresponse()
        assert self.response.getheader("Content-Type").startswith("text/event-stream")

    def next_state(self, deadline: float | None = None) -> dict:
        event = None
        while True:
            line = self.response.fp.readline().decode("utf-8")
            if not line:
                raise AssertionError("event stream closed")
            # The keepalives every few seconds keep the socket's timeout from
            # ever ending a wait for a rebuild that never comes.
            assert deadline is None or time.monotonic() < deadline, "no such state before the timeout"
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:") and event == "state":
                return json.loads(line.removeprefix("data:"))

    def wait_for(self, predicate) -> dict:
        deadline = time.monotonic() + EVENT_TIMEOUT
        while True:
            state = self.next_state(deadline)
            if predicate(state):
                return state

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def events(server):
    stream = EventStream(server)
    yield stream
    stream.close()


def paper_file(server: PreviewServer) -> Path:
    return server.preview.paths.papers / f"{PAPER}.md"


class Notices:
    """Every file event the server's preview is told of, in the order the
    watcher reports them: the path, and when it counted as a change (the
    value of the clock the build thread debounces by), or None for noise."""

    def __init__(self, preview: Preview, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[tuple[Path, float | None]] = []
        real_notice = preview.notice

        def notice(path: Path) -> None:
            # Only the watcher's one dispatching thread calls notice(), so
            # _last_change moves here only by this call.
            before = preview._last_change
            real_notice(path)
            after = preview._last_change
            self.seen.append((path, after if after != before else None))

        # The watcher's handler looks notice up on the preview at each event.
        monkeypatch.setattr(preview, "notice", notice)

    def pauses(self, seconds: float) -> int:
        """How often the changes paused for at least ``seconds``."""
        times = [at for _path, at in list(self.seen) if at is not None]
        return sum(1 for earlier, later in zip(times, times[1:]) if later - earlier >= seconds)

    def wait_for(self, path: Path) -> None:
        """Until the watcher has reported ``path``, and so every event before it."""
        deadline = time.monotonic() + EVENT_TIMEOUT
        while not any(seen == path for seen, _at in list(self.seen)):
            assert time.monotonic() < deadline, f"no event for {path}"
            time.sleep(0.01)


def wait_for_log(server: PreviewServer, predicate) -> None:
    """Until the server has logged a line ``predicate`` accepts: the build
    thread logs after it publishes the state (or finishes) that a test waits for."""
    deadline = time.monotonic() + EVENT_TIMEOUT
    while not any(predicate(line) for line in list(server.log)):
        assert time.monotonic() < deadline, server.log
        time.sleep(0.01)


# -- serving ------------------------------------------------------------------


def test_root_redirects_to_base_path_and_pages_are_served_under_it(shared_server):
    status, headers, _ = fetch(shared_server, "/")
    assert (status, headers["Location"]) == (302, "/atlas/")
    status, headers, _ = fetch(shared_server, "/atlas")
    assert (status, headers["Location"]) == (302, "/atlas/")
    status, headers, body = fetch(shared_server, "/atlas/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"<title>Paper Atlas</title>" in body
    assert shared_server.url.endswith("/atlas/")


def test_an_address_from_before_the_base_path_changed_leads_to_its_page_under_it(shared_server):
    # A tab open on /papers/x/ while base_url became /atlas/ reloads there.
    status, headers, _ = fetch(shared_server, f"/papers/{PAPER}/")
    assert (status, headers["Location"]) == (302, f"/atlas/papers/{PAPER}/")
    status, headers, _ = fetch(shared_server, "/search/?q=speech%20synthesis")
    assert (status, headers["Location"]) == (302, "/atlas/search/?q=speech%20synthesis")
    assert fetch(shared_server, "/no-such-page/")[0] == 404
    assert fetch(shared_server, "/secret.txt")[0] == 404
    # An escaped character is decoded once: "%3F" is a "?" in the page's name, not a query.
    odd = shared_server.preview.paths.out / "papers" / "odd?name"
    odd.mkdir()
    try:
        (odd / "index.html").write_text("<p>odd</p>")
        status, headers, _ = fetch(shared_server, "/papers/odd%3Fname/")
        assert (status, headers["Location"]) == (302, "/atlas/papers/odd%3Fname/")
        assert fetch(shared_server, headers["Location"])[0] == 200
    finally:
        shutil.rmtree(odd)


def test_an_address_under_an_earlier_base_path_leads_to_its_page_under_the_new_one(tmp_path):
    (tmp_path / "papers" / "x").mkdir(parents=True)
    (tmp_path / "papers" / "x" / "index.html").write_text("<p>x</p>")
    earlier = {"/repo/", "/repo/sub/"}
    for old in ("/repo/papers/x/", "/repo/sub/papers/x/", "/papers/x/"):
        resolved = resolve_request(tmp_path, "/atlas/", old + "?q=a", earlier)
        assert (resolved.status, resolved.location) == (302, "/atlas/papers/x/?q=a"), old
    # Back at the root: an address under either earlier base is its page there.
    assert resolve_request(tmp_path, "/", "/repo/papers/x/", earlier).location == "/papers/x/"
    assert resolve_request(tmp_path, "/", "/repo/papers/x", earlier).location == "/papers/x"
    # Without knowing the earlier base, or with no such page, it is not found.
    assert resolve_request(tmp_path, "/", "/repo/papers/x/").status == 404
    assert resolve_request(tmp_path, "/", "/repo/papers/y/", earlier).status == 404
    # An earlier home page without its slash is the home page.
    assert resolve_request(tmp_path, "/atlas/", "/repo?q=a", earlier).location == "/atlas/?q=a"
    assert resolve_request(tmp_path, "/atlas/", "/?q=a", earlier).location == "/atlas/?q=a"
    assert resolve_request(tmp_path, "/", "/papers/x?q=a").location == "/papers/x/?q=a"
    # Never a redirect to "//papers/x/", which a browser reads as the host "papers".
    for path in ("/repo//papers/x/", "/repo/%2Fpapers/x/"):
        assert resolve_request(tmp_path, "/", path, earlier).location == "/papers/x/", path
    assert resolve_request(tmp_path, "/", "/%2Fpapers/x").location == "/papers/x/"


def test_changing_base_url_while_serving_moves_open_pages_and_says_where(server):
    site_yaml = server.preview.paths.content / "site.yaml"
    for old, new in (("/atlas/", "/repo/"), ("/repo/", "/")):
        version = server.preview.state.version
        site_yaml.write_text(site_yaml.read_text().replace(f"base_url: {old}\n", f"base_url: {new}\n"))
        wait_for_log(server, lambda line, new=new: line.startswith(f"The site is served under {new} now"))
        assert server.preview.state.version > version
        for earlier in ("/atlas/", "/repo/")[: 1 if new == "/repo/" else 2]:
            status, headers, _ = fetch(server, f"{earlier}papers/{PAPER}/")
            assert (status, headers["Location"]) == (302, f"{new}papers/{PAPER}/"), earlier
        assert fetch(server, f"{new}papers/{PAPER}/")[0] == 200


def test_a_notes_links_from_the_root_follow_a_base_url_changed_while_serving(tmp_path):
    paths = make_project(tmp_path)
    note = paths.papers / f"{PAPER}.md"
    note.write_text(note.read_text() + "\n## Notes\n\nSee [the topics](/topics/).\n")
    preview = Preview(paths, log=lambda line: None)
    assert preview.build()
    site_yaml = paths.content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("base_url: /atlas/\n", "base_url: /repo/\n"))
    assert preview.build(("site.yaml",), (site_yaml,))
    preview.finish()
    page = (paths.out / "papers" / PAPER / "index.html").read_text()
    assert '<a href="/repo/topics/">the topics</a>' in page
    clean = tmp_path / "clean"
    build(Paths(paths.content, clean), cache=None)
    assert snapshot(paths.out) == snapshot(clean)


def test_a_first_build_that_failed_then_built_says_the_base_path_it_is_served_under(tmp_path):
    paths = make_project(tmp_path)
    broken = paths.papers / f"{PAPER}.md"
    text = broken.read_text()
    broken.write_text(text.replace("title:", "title: [", 1))
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert not preview.build()
    broken.write_text(text)
    assert preview.build(("paper",), (broken,))
    assert "The site is served under /atlas/ now: open pages and earlier addresses go there" in log
    # A first build that succeeds says nothing of it: the server prints its address then.
    log.clear()
    assert Preview(replace(paths, out=tmp_path / "other"), log=log.append).build()
    assert not any("served under" in line for line in log)


def test_directory_request_serves_its_index_and_adds_missing_slash(shared_server):
    status, headers, _ = fetch(shared_server, "/atlas/papers")
    assert (status, headers["Location"]) == (301, "/atlas/papers/")
    status, _, body = fetch(shared_server, f"/atlas/papers/{PAPER}/")
    assert status == 200 and b"A Benchmark for Learning to Translate" in body


def test_static_files_have_their_type_and_no_reload_snippet(shared_server):
    css = next(name for name in shared_server.preview.output.files if name.endswith(".css"))
    status, headers, body = fetch(shared_server, f"/atlas/{css}")
    assert status == 200 and headers["Content-Type"] == "text/css; charset=utf-8"
    assert b"__atlas" not in body


@pytest.mark.parametrize("header, wanted", [
    ("bytes=0-99", range(0, 100)),
    ("bytes=9000-", range(9000, 10240)),
    ("bytes=-100", range(10140, 10240)),
    ("bytes=10000-99999", range(10000, 10240)),  # past the end: up to it
    ("bytes=-99999", range(0, 10240)),
    (" Bytes = 5 - 5 ", range(5, 6)),
    ("bytes=10240-", range(0)),  # none of it there: 416
    ("bytes=-0", range(0)),
    (None, None),  # the whole file: none asked for, or a header to ignore
    ("bytes=0-1,5-6", None),  # several ranges: HTTP allows the whole file
    ("bytes=9-2", None),
    ("items=0-9", None),
    ("bytes=-", None),
    ("bytes=x-9", None),
    ("bytes=\u0663-", None),  # a digit, but not an ASCII one
])
def test_byte_range_is_what_a_range_header_asks_of_a_file(header, wanted):
    assert byte_range(header, 10240) == wanted


def test_the_last_bytes_of_an_empty_file_are_the_whole_of_it_and_any_others_none(shared_server):
    """RFC 9110, 14.1.2: "When a selected representation has zero length,
    the only satisfiable form of range-spec is a suffix-range with a
    non-zero suffix-length." It was answered 416, as unsatisfiable; no 206
    can name no bytes, so the empty file is sent, 200."""
    assert [byte_range(asked, 0) for asked in ("bytes=-5", "bytes=-0", "bytes=0-")] == [None, range(0), range(0)]
    empty = shared_server.preview.paths.out / "empty.txt"
    empty.write_bytes(b"")
    try:
        status, headers, body = fetch(shared_server, "/atlas/empty.txt", headers={"Range": "bytes=-5"})
        assert (status, headers["Content-Length"], body) == (200, "0", b"") and "Content-Range" not in headers
        status, headers, _ = fetch(shared_server, "/atlas/empty.txt", headers={"Range": "bytes=0-"})
        assert (status, headers["Content-Range"]) == (416, "bytes */0")
    finally:
        empty.unlink()


def test_a_video_in_public_is_served_in_the_ranges_a_player_asks_for(shared_server):
    # A video or audio file embedded in a note could not seek, and Safari
    # plays no video from a server that ignores Range.
    data = bytes(range(256)) * 40
    clip = shared_server.preview.paths.out / "clip.mp4"
    clip.write_bytes(data)
    try:
        status, headers, body = fetch(shared_server, "/atlas/clip.mp4")
        assert (status, headers["Accept-Ranges"], body) == (200, "bytes", data)
        assert "Content-Range" not in headers
        for asked, part in (("bytes=0-1", range(0, 2)), ("bytes=10000-", range(10000, 10240)),
                            ("bytes=-300", range(9940, 10240))):
            status, headers, body = fetch(shared_server, "/atlas/clip.mp4", headers={"Range": asked})
            assert (status, body, headers["Content-Type"]) == (206, data[part.start:part.stop], "video/mp4"), asked
            assert headers["Content-Range"] == f"bytes {part.start}-{part.stop - 1}/10240", asked
            assert headers["Content-Length"] == str(len(part))
        status, headers, body = fetch(shared_server, "/atlas/clip.mp4", "HEAD", {"Range": "bytes=100-199"})
        assert (status, headers["Content-Range"], headers["Content-Length"], body) == (206, "bytes 100-199/10240",
                                                                                        "100", b"")
        status, headers, _ = fetch(shared_server, "/atlas/clip.mp4", headers={"Range": "bytes=10240-"})
        assert (status, headers["Content-Range"]) == (416, "bytes */10240")
        # Several ranges, or one asked for only if the file is still a version it is not: the whole file.
        for asked in ({"Range": "bytes=0-1,4-5"}, {"Range": "bytes=0-1", "If-Range": '"v1"'}):
            assert fetch(shared_server, "/atlas/clip.mp4", headers=asked)[::2] == (200, data), asked
    finally:
        clip.unlink()


def test_a_file_is_sent_with_its_validators_and_answered_304_while_they_name_it(shared_server):
    """No ETag or Last-Modified: every file was sent whole again each time
    a browser asked (a video of hundreds of MB on each reload), and
    If-Range could not be honoured, so a range was never sent after it."""
    out = shared_server.preview.paths.out
    data = bytes(range(256)) * 4
    (out / "validated.bin").write_bytes(data)
    try:
        status, headers, body = fetch(shared_server, "/atlas/validated.bin")
        etag, modified = headers["ETag"], headers["Last-Modified"]
        assert (status, body) == (200, data) and etag.startswith('"')
        for asked in ({"If-None-Match": etag}, {"If-None-Match": f'"other", W/{etag}'}, {"If-None-Match": "*"},
                      {"If-Modified-Since": modified}, {"If-None-Match": etag, "Range": "bytes=0-9"}):
            status, headers, body = fetch(shared_server, "/atlas/validated.bin", headers=asked)
            assert (status, body, headers["ETag"], headers["Last-Modified"]) == (304, b"", etag, modified), asked
            assert "Content-Length" not in headers and headers["Cache-Control"] == "no-cache", asked
        assert fetch(shared_server, "/atlas/validated.bin", "HEAD", {"If-None-Match": etag})[0] == 304
        # If-None-Match, when there, is the one asked (RFC 9110, 13.2.2); a date that is none is no condition.
        for asked in ({"If-None-Match": '"other"'}, {"If-None-Match": '"other"', "If-Modified-Since": modified},
                      {"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}, {"If-Modified-Since": "yesterday"}):
            assert fetch(shared_server, "/atlas/validated.bin", headers=asked)[::2] == (200, data), asked
        # A range of the file as it was named: of the same bytes, sent; a weak tag or a date never names them.
        asked = {"Range": "bytes=0-9", "If-Range": etag}
        assert fetch(shared_server, "/atlas/validated.bin", headers=asked)[::2] == (206, data[:10])
        for if_range in (f"W/{etag}", modified):
            asked = {"Range": "bytes=0-9", "If-Range": if_range}
            assert fetch(shared_server, "/atlas/validated.bin", headers=asked)[::2] == (200, data), if_range
        # Written anew, as a rebuild writes a file (its bytes replaced, its size the same): no tag names it now.
        (out / "new.bin").write_bytes(data[::-1])
        os.replace(out / "new.bin", out / "validated.bin")
        for asked in ({"If-None-Match": etag}, {"Range": "bytes=0-9", "If-Range": etag}):
            status, headers, body = fetch(shared_server, "/atlas/validated.bin", headers=asked)
            assert (status, body) == (200, data[::-1]) and headers["ETag"] != etag, asked
        # The preview's own script, too.
        etag = fetch(shared_server, "/__atlas/reload.js")[1]["ETag"]
        assert fetch(shared_server, "/__atlas/reload.js", headers={"If-None-Match": etag})[::2] == (304, b"")
    finally:
        (out / "validated.bin").unlink()


def test_a_page_is_answered_304_only_while_its_file_and_the_state_its_script_carries_are_as_they_were(
    server, events,
):
    """A page is sent with the reload script holding the site's version (and
    the overlay of a build error): a 304 for the copy of before a rebuild
    that left the page's file alone would have it reload for ever."""
    version = events.next_state()["version"]
    paper = f"/atlas/papers/{PAPER}/"
    home_tag, paper_tag = (fetch(server, path)[1]["ETag"] for path in ("/atlas/", paper))
    status, headers, body = fetch(server, "/atlas/", headers={"If-None-Match": home_tag})
    assert (status, body, headers["ETag"]) == (304, b"", home_tag) and "Last-Modified" not in headers
    path = paper_file(server)
    path.write_text(path.read_text() + "\n## Notes\n\nRead this with *care*.\n")
    events.wait_for(lambda state: state["version"] > version)
    assert "index.html" not in server.preview.last.written  # the home page's file as it was
    status, _, page = fetch(server, "/atlas/", headers={"If-None-Match": home_tag})
    assert status == 200 and f'data-version="{version + 1}"'.encode() in page
    status, _, page = fetch(server, paper, headers={"If-None-Match": paper_tag})
    assert status == 200 and b"Read this with <em>care</em>." in page
    stat = (server.preview.paths.out / "index.html").stat()
    tags = {validators(stat, PreviewState(version, error, "/"))["ETag"] for version, error in (
        (1, None), (2, None), (2, "paper.html:3: unexpected '}'"), (2, "paper.html:4: unexpected '}'"),
    )}
    assert len(tags) == 4


def test_a_page_asked_for_in_part_is_sent_whole_with_its_reload_script(shared_server):
    status, headers, page = fetch(shared_server, "/atlas/", headers={"Range": "bytes=0-99"})
    assert status == 200 and "Content-Range" not in headers
    assert b"/__atlas/reload.js" in page and page.rstrip().endswith(b"</html>")


def test_unknown_path_gets_the_sites_404_page(shared_server):
    status, _, body = fetch(shared_server, "/atlas/papers/no-such-paper/")
    assert status == 404 and b"Page not found" in body
    status, _, body = fetch(shared_server, "/elsewhere/index.html")
    assert status == 404 and b"Page not found" in body


def test_head_request_sends_headers_only(shared_server):
    status, headers, body = fetch(shared_server, "/atlas/", method="HEAD")
    assert status == 200 and int(headers["Content-Length"]) > 1000 and body == b""


def test_head_on_the_event_stream_sends_its_headers_and_ends(shared_server):
    # It streamed events to a HEAD request, never ending. (http.client reads
    # no body after HEAD, so the socket is read here.)
    host, port = shared_server.http.server_address[:2]
    received, ended = b"", False
    with socket.create_connection((host, port), timeout=KEEPALIVE_SECONDS / 2) as connection:
        connection.sendall(b"HEAD /__atlas/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        with contextlib.suppress(TimeoutError):  # no more for half the keepalive: never ending
            while chunk := connection.recv(65536):
                received += chunk
            ended = True
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200 ") and b"Content-Type: text/event-stream" in head
    assert (body, ended) == (b"", True)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"])
def test_a_method_other_than_get_or_head_is_not_allowed_and_says_which_are(shared_server, method):
    # http.server answered 501 Not Implemented, as if HTTP had no such method.
    for path in ("/atlas/", "/__atlas/events", "/atlas/no-such/"):
        status, headers, _ = fetch(shared_server, path, method=method)
        assert (status, headers.get("Allow")) == (405, "GET, HEAD"), path
    assert fetch(shared_server, "/atlas/", method="BREW")[0] == 501  # no method of HTTP's


@pytest.mark.parametrize("path", [
    "/atlas/../secret.txt",
    "/../secret.txt",
    "/atlas/papers/../../secret.txt",
    "/atlas/%2e%2e/secret.txt",
    "/atlas/%2E%2E/secret.txt",
    "/atlas/%2e%2e%2fsecret.txt",
    "/atlas/..%2fsecret.txt",
    "/atlas/..%5csecret.txt",
    "/atlas/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/atlas/secret.txt%00.html",
    "//etc/passwd",
    "/atlas//etc/passwd",
])
def test_path_traversal_is_refused(shared_server, path):
    status, _, body = fetch(shared_server, path)
    assert status in (403, 404)
    assert SECRET.encode() not in body and b"root:" not in body


@pytest.mark.parametrize("host, allowed", [
    ("127.0.0.1:8000", True), ("localhost:8000", True), ("LocalHost.", True), ("[::1]:8000", True),
    ("atlas.localhost:8000", True), ("127.0.0.2", True), ("192.168.1.20:8000", True),  # no name: nothing rebound
    ("mybox:8000", True), ("MyBox.:9", True),  # the name it was started with, at any port
    (None, True),  # no Host: HTTP/1.0, no browser
    ("attacker.example:8000", False), ("attacker.example", False), ("localhost.attacker.example", False),
    ("127.0.0.1.attacker.example:8000", False), ("mybox.attacker.example", False), ("", False),
])
def test_a_host_is_allowed_by_a_loopback_server_only_if_no_page_could_have_rebound_it(host, allowed):
    assert host_allowed(host, hosts_answered("MyBox", "127.0.1.1")) == allowed
    # On every address, or an address of the network's, any name is the network's.
    for named, address in (("0.0.0.0", "0.0.0.0"), ("::", "::"), ("mybox.lan", "192.168.1.20")):
        assert host_allowed(host, hosts_answered(named, address))


def test_a_request_for_another_host_is_refused_saying_why_page_stream_and_script_alike(shared_server):
    """DNS rebinding: a page on attacker.example gives its name 127.0.0.1,
    and its script, same-origin to the browser, read the preview's pages."""
    port = shared_server.http.server_address[1]
    for path in ("/atlas/", f"/atlas/papers/{PAPER}/", "/__atlas/events", "/__atlas/reload.js", "/nowhere"):
        status, headers, body = fetch(shared_server, path, headers={"Host": f"attacker.example:{port}"})
        assert (status, headers["Content-Type"]) == (403, "text/plain; charset=utf-8"), path
        assert b"DNS rebinding" in body and b"--host attacker.example " in body and b"--host 0.0.0.0" in body
        assert fetch(shared_server, path, "HEAD", {"Host": "attacker.example"})[::2] == (403, b""), path
    for host in (f"localhost:{port}", f"atlas.localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
        assert fetch(shared_server, "/atlas/", headers={"Host": host})[0] == 200, host


def test_a_name_refused_is_said_in_the_terminal_once_with_how_to_allow_it(server):
    """One who forwarded the port (a container's, Codespaces', an SSH
    tunnel's under another name) saw 403s in the browser and nothing in the
    terminal. Said once a name, not for each of a page's files; a page that
    rebinds a new name for each request says no more than the first ten."""
    port = server.http.server_address[1]
    forwarded = "fluffy-space-8000.app.github.dev"
    for path in ("/atlas/", "/atlas/style.css", "/__atlas/reload.js"):
        for host in (forwarded, f"{forwarded.upper()}.:{port}"):
            assert fetch(server, path, headers={"Host": host})[0] == 403
    assert fetch(server, "/atlas/", headers={"Host": f"localhost:{port}"})[0] == 200
    refused = [line for line in server.log if "refused" in line]
    assert refused == [
        f"warning: refused requests for {forwarded}, no name of this machine's: a web page could give its own name "
        "this machine's address and read the preview (DNS rebinding). If you opened the preview by that name (a port "
        f"forwarded from a container, Codespaces or an SSH tunnel), serve with --host {forwarded} if this machine has "
        "that name, else with --host 0.0.0.0 (which shows it on your network, under any name)"
    ]
    # A name is a page's to write: the terminal's controls in it are shown as escapes.
    assert fetch(server, "/atlas/", headers={"Host": "x\x1b[2K\x9b.test"})[0] == 403
    assert [line for line in server.log if "refused" in line][-1].startswith(
        "warning: refused requests for x\\x1b[2k\\x9b.test, no name")
    for number in range(20):
        assert fetch(server, "/atlas/", headers={"Host": f"n{number}.rebound.test"})[0] == 403
    assert len([line for line in server.log if "refused" in line]) == 10


def test_a_server_on_every_address_answers_any_host(tmp_path):
    """On 0.0.0.0 the preview is for other devices, which open it by any name."""
    paths = make_project(tmp_path)
    for host, status in (("0.0.0.0", 200), ("127.0.0.1", 403)):
        server = PreviewServer(paths, host=host, port=0)
        try:
            answering = threading.Thread(target=server.http.handle_request)
            answering.start()
            asked = fetch(server, "/__atlas/reload.js", headers={"Host": "atlas.lan:8000"})
            answering.join()
            assert asked[0] == status, host
        finally:
            server.stop()


def test_a_name_too_long_for_the_file_system_gets_the_404_page(shared_server):
    # Past 255 bytes a segment is ENAMETOOLONG, which Path.is_dir raises
    # rather than answers: the connection was dropped without a response.
    for path in ("/atlas/" + "x" * 300, "/atlas/" + "y" * 300 + "/", "/atlas/papers/" + "z" * 300 + "/index.html"):
        status, _, body = fetch(shared_server, path)
        assert status == 404 and b"Page not found" in body, path


def test_a_file_asked_for_as_a_directory_is_not_found(shared_server):
    # As on a static host: /index.html/ is no page (its relative links would
    # resolve under index.html/), and /robots.txt/ no file.
    for path in ("/atlas/index.html/", "/atlas/robots.txt/", f"/atlas/papers/{PAPER}/index.html/"):
        status, _, body = fetch(shared_server, path)
        assert status == 404 and b"Page not found" in body, path


def test_a_client_gone_mid_response_prints_no_traceback(shared_server, capsys):
    # A reload or a closed tab stops a page mid-send; the terminal is for
    # rebuilds and errors, and printed a traceback for each.
    for error in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "Connection reset by peer")):
        try:
            raise error
        except ConnectionError:
            shared_server.http.handle_error(None, ("127.0.0.1", 1))
    assert capsys.readouterr().err == ""


def test_symlinks_out_of_the_output_directory_are_refused(shared_server):
    out = shared_server.preview.paths.out
    secret = out.parent / "secret.txt"
    links = [out / "leak.txt", out / "leakdir"]
    links[0].symlink_to(secret)
    links[1].symlink_to(out.parent, target_is_directory=True)
    try:
        for path in ("/atlas/leak.txt", "/atlas/leakdir/secret.txt", "/atlas/leakdir/"):
            status, _, body = fetch(shared_server, path)
            assert status == 403 and SECRET.encode() not in body, path
    finally:
        for link in links:
            link.unlink()


def test_reload_snippet_is_only_in_served_responses(shared_server):
    _, _, page = fetch(shared_server, "/atlas/")
    assert b'<script src="/__atlas/reload.js" data-version="1"' in page
    assert page.index(b"/__atlas/reload.js") < page.index(b"</body>")
    status, headers, script = fetch(shared_server, "/__atlas/reload.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert b"EventSource" in script
    on_disk = [path for path in shared_server.preview.paths.out.rglob("*") if path.is_file()]
    assert len(on_disk) > 300
    assert not [path for path in on_disk if b"__atlas" in path.read_bytes()]


def concurrent_requests(server: PreviewServer, count: int = 200) -> list[tuple[int, bool]]:
    """``count`` requests sent at the same moment: (status, whether the page arrived whole)."""
    pages = [f"/atlas/papers/{PAPER}/", "/atlas/", "/atlas/topics/", "/atlas/papers/", "/atlas/no-such/"]
    start = threading.Barrier(count)

    def one(index: int) -> tuple[int, bool]:
        start.wait()
        status, _, body = fetch(server, pages[index % len(pages)])
        return status, body.rstrip().endswith(b"</html>")

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def test_200_concurrent_requests_all_succeed(shared_server):
    results = concurrent_requests(shared_server)
    assert [status for status, _ in results] == [404 if i % 5 == 4 else 200 for i in range(200)]
    assert all(complete for _, complete in results)


# -- rebuilding ------------------------------------------------------------------


def test_note_edit_reloads_and_rerenders_only_the_pages_showing_that_paper(server, events):
    version = events.next_state()["version"]
    path = paper_file(server)
    path.write_text(path.read_text() + "\n## Notes\n\nRead this with *care*.\n")
    state = events.wait_for(lambda s: s["version"] > version)
    assert state == {"version": version + 1, "error": None}
    _, _, body = fetch(server, f"/atlas/papers/{PAPER}/")
    assert b"Read this with <em>care</em>." in body
    rebuild = server.preview.last
    assert f"papers/{PAPER}/index.html" in rebuild.rendered
    assert len(rebuild.rendered) < 20 < rebuild.pages
    assert rebuild.written == (f"papers/{PAPER}/index.html",)
    wait_for_log(server, lambda line: "Rebuilt in" in line and f"{PAPER}.md" in line)


def test_a_save_that_changes_no_file_of_the_site_reloads_no_open_page(server, events):
    """A paper file saved unchanged rebuilds and writes nothing: every open
    tab reloaded all the same."""
    version = events.next_state()["version"]
    path = paper_file(server)
    path.write_text(path.read_text())
    wait_for_log(server, lambda line: line.startswith("Rebuilt in") and line.endswith(" 0 files written"))
    assert server.preview.state.version == version
    # The next event an open page gets is for the next save, which changes its page.
    path.write_text(path.read_text() + "\n## Notes\n\nA change.\n")
    assert events.next_state() == {"version": version + 1, "error": None}


def test_a_rebuild_that_only_removes_a_file_of_the_site_reloads_open_pages(tmp_path):
    paths = make_project(tmp_path)
    paths.public.mkdir()
    (paths.public / "notes.txt").write_text("A file to publish.\n")
    preview = Preview(paths, log=lambda line: None)
    assert preview.build()
    version = preview.state.version
    (paths.public / "notes.txt").unlink()
    assert preview.build(("notes.txt",), (paths.public / "notes.txt",))
    assert preview.last.written == ("notes.txt",) and preview.state.version == version + 1


def test_notes_only_rebuilds_keep_the_last_search_index_not_each_saves(tmp_path):
    """No build ends between two notes-only rebuilds, so the cache kept each
    save's index (its files: 44 MB at 20,000 papers; one stopped before Node
    ended, its three temporary files open) until two full rebuilds later."""
    paths = make_project(tmp_path)
    preview = Preview(paths, log=lambda line: None)
    assert preview.build()
    preview.finish()
    path = paths.papers / f"{PAPER}.md"
    text = path.read_text()
    for number in range(4):
        path.write_text(text + f"\n## Notes\n\nNote {number}.\n")
        assert preview.build((path.name,), (path,))
        assert preview.last.rendered == (f"papers/{PAPER}/index.html",)
        if number % 2:
            preview.finish()
        else:  # a save comes while Node makes this one's index, which is then stopped
            asked = iter((False, True))
            preview.finish(interrupted=lambda: next(asked, True))
    searches = [value for key, value in preview.cache._used.items() if type(key) is tuple and key[0] == "search"]
    assert len(searches) == 1 and [doc.notes for doc in searches[0].documents if doc.notes] == ["Note 3."]


def test_note_edit_renders_one_page_and_gives_what_a_full_build_gives(server, events, tmp_path):
    version = events.next_state()["version"]
    path = paper_file(server)
    path.write_text(path.read_text() + "\n## Notes\n\nFirst *note*.\n")
    version = events.wait_for(lambda s: s["version"] > version)["version"]
    assert server.preview.last.rendered == (f"papers/{PAPER}/index.html",)
    path.write_text(path.read_text().replace(
        "First *note*.", "Second note, with a [link](https://x.org/) and ![an icon](/static/favicon.svg).",
    ))
    events.wait_for(lambda s: s["version"] > version)
    assert server.preview.last.rendered == (f"papers/{PAPER}/index.html",)
    assert b'<img src="/atlas/static/favicon.svg" alt="an icon" />' in fetch(server, f"/atlas/papers/{PAPER}/")[2]
    # Notes are searched: the index is made anew after the page, and a request for it waits for it.
    manifest = json.loads(fetch(server, "/atlas/search/manifest.json")[2])
    assert manifest["fields"][-1] == "notes"
    store = [entry for chunk in manifest["documents"]["files"] for entry in json.loads(fetch(server, f"/atlas/{chunk}")[2])]
    assert [entry["n"] for entry in store if "n" in entry] == ["Second note, with a link and an icon."]
    assert server.preview.wait_until_finished(60)
    clean = tmp_path / "clean"
    build(Paths(server.preview.paths.content, clean), cache=None)
    assert snapshot(server.preview.paths.out) == snapshot(clean)


class UnendingIndex:
    """A search index whose Node run goes on until stopped; it notes whether
    a request (not the build thread) waited for it."""

    documents = ()

    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self.asked = threading.Event()

    def _noted(self) -> None:
        if "process_request" in threading.current_thread().name:
            self.asked.set()

    def done(self) -> bool:
        self._noted()
        return self.cancelled.is_set()

    def cancel(self) -> None:
        self.cancelled.set()

    def result(self):
        self._noted()
        self.cancelled.wait(20)  # as Node's run, for as long as it runs
        raise RuntimeError("no index")


class UnendingIndexes(list):
    """The indexes the preview made, in order; ``made`` once it made one."""

    def __init__(self) -> None:
        super().__init__()
        self.made = threading.Event()


@pytest.fixture
def unending_indexes(monkeypatch) -> UnendingIndexes:
    indexes = UnendingIndexes()

    def unending(views, cache):
        indexes.append(UnendingIndex())
        indexes.made.set()
        return indexes[-1]

    monkeypatch.setattr(preview_module, "search_index_for", unending)
    return indexes


def first_note_saved(server, events) -> int:
    """Save "First." as a paper's notes; the version that serves it."""
    version = events.next_state()["version"]
    path = paper_file(server)
    path.write_text(path.read_text() + "\n## Notes\n\nFirst.\n")
    return events.wait_for(lambda s: s["version"] > version)["version"]


def second_note_served(server, events, version: int) -> None:
    path = paper_file(server)
    path.write_text(path.read_text().replace("First.", "Second."))
    events.wait_for(lambda s: s["version"] > version)
    assert b"<p>Second.</p>" in fetch(server, f"/atlas/papers/{PAPER}/")[2]


def test_a_note_saved_while_the_last_ones_index_is_made_is_served_at_once_and_stops_that_index(
        server, events, unending_indexes):
    """The build thread waited for Node inside the output's lock: a second
    save waited for the first one's index (seconds at 20,000 papers)."""
    version = first_note_saved(server, events)
    assert unending_indexes.made.wait(30), "the first note's index is being made"
    second_note_served(server, events, version)
    assert unending_indexes[0].cancelled.is_set(), "a newer index replaces it"
    assert len(unending_indexes) == 1, "the second note's index is made once the page is served, not before"


def test_a_search_page_waiting_for_the_index_keeps_no_save_waiting(server, events, unending_indexes):
    """A search tab open in the preview reloads after a save and asks for the
    index, and the server waited for Node holding the output's lock: the next
    save's page waited for that index."""
    version = first_note_saved(server, events)
    waiting = threading.Thread(target=fetch, args=(server, "/atlas/search/manifest.json"), daemon=True)
    waiting.start()
    assert unending_indexes.made.wait(30) and unending_indexes[0].asked.wait(30), (
        "the search page asks for the index being made"
    )
    second_note_served(server, events, version)
    assert waiting.is_alive(), "the search page still waits, for the index of the note as it is now"
    # Let it end: each index it may wait for, the one made once it asked included, is stopped.
    deadline = time.monotonic() + 30
    while waiting.is_alive() and time.monotonic() < deadline:
        for index in unending_indexes:
            index.cancel()
        waiting.join(0.05)
    assert not waiting.is_alive()


def test_a_bug_in_the_notes_only_rebuild_is_logged_and_the_full_build_serves_the_note(server, events, monkeypatch):
    def broken(*args):
        raise RuntimeError("a bug over x\x1b[2K\n.md")  # its text may quote a file's name

    monkeypatch.setattr(preview_module, "render_page", broken)
    version = events.next_state()["version"]
    path = paper_file(server)
    path.write_text(path.read_text() + "\n## Notes\n\nStill *served*.\n")
    events.wait_for(lambda s: s["version"] > version)
    _, _, body = fetch(server, f"/atlas/papers/{PAPER}/")
    assert b"Still <em>served</em>." in body
    assert len(server.preview.last.rendered + server.preview.last.later) > 1  # the full build did it
    wait_for_log(server, lambda line: line == (
        "warning: the notes-only rebuild failed (RuntimeError: a bug over x\\x1b[2K\\n.md); rebuilding in full"
    ))


def test_a_bug_in_a_full_build_is_shown_with_the_control_characters_of_its_text_as_escapes(tmp_path, monkeypatch):
    """Its traceback was printed as it was: a file's name its message quotes
    could erase the lines above it, as one in an error could not."""
    def broken(*args):
        raise RuntimeError("a bug over x\x1b[2K\u202e.md")

    monkeypatch.setattr(preview_module, "pages_gone", broken)
    log: list[str] = []
    preview = Preview(make_project(tmp_path), log=log.append)
    assert not preview.build()
    assert "error: RuntimeError: a bug over x\\x1b[2K\\u202e.md" in log
    assert not [line for line in log if "\x1b" in line or "\u202e" in line]
    assert "RuntimeError: a bug over x\\x1b[2K\\u202e.md" in preview.state.error  # the page's overlay


def test_a_note_that_links_to_no_page_is_built_in_full_which_warns_of_it(server, events):
    """The notes-only rebuild would not say so."""
    version = events.next_state()["version"]
    path = paper_file(server)
    path.write_text(path.read_text() + "\n## Notes\n\nSee [this](/papers/gone/).\n")
    events.wait_for(lambda s: s["version"] > version)
    assert len(server.preview.last.rendered + server.preview.last.later) > 1
    wait_for_log(server, lambda line: line.startswith("warning: ") and line.endswith(
        f"{PAPER}.md:{path.read_text().count(chr(10))}: link to '/papers/gone/' leads to no page or file of the site "
        "(a paper's page is /papers/<its file name>/, a page of yours /<its file name>/, a file of content/public/ "
        "at its path there; a draft has none until it is published)"
    ))


def test_a_note_with_tex_that_is_no_math_is_built_in_full_which_warns_of_it(server, events):
    """The notes-only rebuild would not say so."""
    version = events.next_state()["version"]
    path = paper_file(server)
    path.write_text(path.read_text() + "\n## Notes\n\nThe loss $\\mathcal{L}$ and $\\thetaa$.\n")
    events.wait_for(lambda s: s["version"] > version)
    assert len(server.preview.last.rendered + server.preview.last.later) > 1
    wait_for_log(server, lambda line: line.startswith("warning: ") and line.endswith(
        f"{PAPER}.md:{path.read_text().count(chr(10))}: math shown as its TeX, not as math: "
        'Unknown command "\\thetaa" (fix the TeX; a dollar sign that starts no formula is written \\$)'
    ))


@pytest.mark.parametrize(("added", "warning"), [
    ("The loss:\n\n![[loss.png]]", "Obsidian embed ![[loss.png]] is shown as written, not as the file: the site does "
     "not read your vault (put loss.png in content/public/, in any folder there, and the embed shows it)"),
    ("Press <kbd>Ctrl</kbd>.", "HTML tag <kbd> is shown as written, not as HTML: what you write is Markdown "
     "(for a key, write it in backticks: `Ctrl`)"),
], ids=["embed", "html-tag"])
def test_a_note_with_an_obsidian_embed_or_an_html_tag_is_built_in_full_which_warns_of_it(tmp_path, added, warning):
    """The notes-only rebuild would not say so."""
    paths = make_project(tmp_path)
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    note = paths.papers / f"{PAPER}.md"
    # A wikilink first, so that the site knows where they lead, and a note's
    # save may be rebuilt alone.
    note.write_text(note.read_text() + f"\n## Notes\n\nAs [[{PAPER}]] says.\n")
    assert preview.build(("paper",), (note,))
    note.write_text(note.read_text() + f"\n{added}\n")
    assert preview.build(("paper",), (note,))
    assert len(preview.last.rendered + preview.last.later) > 1
    assert any(line.startswith("warning: ") and line.endswith(
        f"{PAPER}.md:{note.read_text().count(chr(10))}: {warning}"
    ) for line in log)


def test_an_image_put_in_public_while_previewing_shows_in_the_note_that_embeds_it_as_a_build_does(tmp_path):
    """The note is unchanged, and so its rendered Markdown: its page, kept
    by the view's key, went on showing the embed as written."""
    paths = make_project(tmp_path)
    note = paths.papers / f"{PAPER}.md"
    note.write_text(note.read_text() + "\n## Notes\n\nThe loss:\n\n![[Loss.png|300]]\n")
    preview = Preview(paths, log=lambda line: None)
    assert preview.build()
    shown = f"papers/{PAPER}/index.html"
    assert "![[Loss.png|300]]</span>" in preview.output.files[shown].decode()
    (paths.public / "figures").mkdir(parents=True)
    (paths.public / "figures" / "loss.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert preview.build(("loss.png",), (paths.public / "figures" / "loss.png",)), preview.state.error
    preview.ensure(shown)
    image = '<img src="/atlas/figures/loss.png" alt="Loss" loading="lazy" width="300" />'
    assert image in preview.output.files[shown].decode()
    # A note saved with another size: rebuilt alone, with the image.
    note.write_text(note.read_text().replace("|300]]", "|200]]"))
    assert preview.build(("paper",), (note,))
    assert preview.last.rendered == (shown,)
    assert image.replace("300", "200") in preview.output.files[shown].decode()
    preview.finish()
    clean = tmp_path / "clean"
    build(Paths(paths.content, clean), cache=None)
    assert snapshot(paths.out) == snapshot(clean)
    (paths.public / "figures" / "loss.png").unlink()
    assert preview.build(("loss.png",), (paths.public / "figures" / "loss.png",)), preview.state.error
    preview.ensure(shown)
    assert "![[Loss.png|200]]</span>" in preview.output.files[shown].decode()


def test_a_note_linking_no_page_with_the_sites_full_url_is_built_in_full_which_warns_of_it(tmp_path):
    """The notes-only rebuild took the address for another site's."""
    paths = make_project(tmp_path)
    site_yaml = paths.content / "site.yaml"
    full = "base_url: https://user.github.io/atlas/\n"
    site_yaml.write_text(site_yaml.read_text().replace("base_url: /atlas/\n", full))
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    note = paths.papers / f"{PAPER}.md"
    note.write_text(note.read_text() + "\n## Notes\n\nSee [this](https://user.github.io/atlas/papers/gone/).\n")
    assert preview.build(("paper",), (note,))
    assert len(preview.last.rendered + preview.last.later) > 1
    assert any(line.startswith("warning: ") and line.endswith(
        "link to 'https://user.github.io/atlas/papers/gone/' leads to no page or file of the site "
        "(a paper's page is /papers/<its file name>/, a page of yours /<its file name>/, a file of content/public/ "
        "at its path there; a draft has none until it is published)") for line in log)

def test_a_note_linking_an_id_no_page_has_is_built_in_full_and_one_linking_ids_that_are_is_not(tmp_path):
    """The notes-only rebuild checked the page alone, not its id."""
    paths = make_project(tmp_path)
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    note = paths.papers / f"{PAPER}.md"
    other = sorted(paths.papers.glob("*.md"))[1].stem
    text = note.read_text()
    note.write_text(text + f"\n## Notes\n\nSee [it](#notes-heading) and [that](/papers/{other}/#abstract-heading).\n")
    assert preview.build(("paper",), (note,))
    assert preview.last.rendered == (f"papers/{PAPER}/index.html",)
    assert not any(line.startswith("warning: ") for line in log)
    note.write_text(text + f"\n## Notes\n\nSee [that](/papers/{other}/#abstract).\n")
    assert preview.build(("paper",), (note,))
    assert len(preview.last.rendered + preview.last.later) > 1
    assert any(line.startswith("warning: ") and line.endswith(
        f"link to '/papers/{other}/#abstract' leads to no place on its page: it has no id 'abstract' "
        "(its ids nearest to it: #abstract-heading; a heading you write has its text as its id "
        "('## Results' is #results, a second one #results-2))") for line in log)

def test_a_note_linking_its_own_headings_renders_its_page_alone_with_their_ids_as_a_full_build_does(tmp_path):
    """Ids for the headings one writes: the notes-only rebuild gives the ids
    a full build gives (a template of one's own's too), and checks links to them."""
    paths = make_project(tmp_path)
    theme = paths.content.parent / "theme" / "paper.html"
    theme.write_text(theme.read_text().replace("<aside class", '<p id="results">Mine.</p>\n<aside class', 1))
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    note = paths.papers / f"{PAPER}.md"
    text = note.read_text()
    note.write_text(text + "\n## Notes\n\n## Results\n\nSee [the setup](#setup) and [these](#results-2).\n\n## Setup\n")
    assert preview.build(("paper",), (note,))
    assert preview.last.rendered == (f"papers/{PAPER}/index.html",)
    assert not any(line.startswith("warning: ") for line in log)
    page = preview.output.files[f"papers/{PAPER}/index.html"].decode()
    assert re.findall(r'<h3 id="([^"]*)">', page) == ["results-2", "setup"]
    assert '<a class="permalink" href="#setup" aria-label="Link to this section: Setup">#</a>' in page
    # A link to a heading misspelt: built in full, which warns of it, naming the heading.
    note.write_text(text + "\n## Notes\n\n## Results\n\nSee [the setup](#set-up).\n\n## Setup\n")
    assert preview.build(("paper",), (note,))
    assert len(preview.last.rendered + preview.last.later) > 1
    assert any(line.startswith("warning: ") and line.endswith(
        "link to '#set-up' leads to no place on its page: it has no id 'set-up' (its ids nearest to it: #setup; "
        "a heading you write has its text as its id ('## Results' is #results, a second one #results-2))"
    ) for line in log)
    note.write_text(text + "\n## Notes\n\n## Results\n\nSee [the setup](#setup) and [these](#results-2).\n\n## Setup\n")
    assert preview.build(("paper",), (note,))
    preview.finish()
    clean = tmp_path / "clean"
    build(Paths(paths.content, clean), cache=None)
    assert snapshot(paths.out) == snapshot(clean)


def test_a_note_with_wikilinks_shows_a_renamed_papers_title_and_renders_its_page_alone_as_a_full_build_does(tmp_path):
    """A wikilink shows the title of the paper it links: a rebuild after
    that paper's title changed shows the new one on the linking page (whose
    own text did not change), and the notes-only rebuild takes it from the
    last build's model."""
    paths = make_project(tmp_path)
    mine = paths.papers / "mine.md"
    mine.write_text("---\ntitle: My Own Paper\n---\n\nMy abstract.\n")
    note = paths.papers / f"{PAPER}.md"
    other = sorted(paths.papers.glob("a-*.md"))[1].stem
    text = note.read_text() + "\n## Notes\n\n## Results\n\nSee [[Mine]].\n"
    note.write_text(text)
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    shown = f"papers/{PAPER}/index.html"
    assert '<a href="/atlas/papers/mine/" class="wikilink">My Own Paper</a>' in preview.output.files[shown].decode()
    mine.write_text("---\ntitle: My Renamed Paper\n---\n\nMy abstract.\n")
    assert preview.build(("paper",), (mine,))
    preview.ensure(shown)  # a page no one has open is left for later
    assert '<a href="/atlas/papers/mine/" class="wikilink">My Renamed Paper</a>' in preview.output.files[shown].decode()
    note.write_text(text + f"\nAnd [[{other.upper()}.md]], [[mine.md|mine]], [[#Results]].\n")
    assert preview.build(("paper",), (note,))
    assert preview.last.rendered == (shown,)
    assert not any(line.startswith("warning: ") for line in log)
    page = preview.output.files[shown].decode()
    assert f'<a href="/atlas/papers/{other}/" class="wikilink">' in page
    assert '<a href="/atlas/papers/mine/" class="wikilink">mine</a>' in page
    preview.finish()
    clean = tmp_path / "clean"
    build(Paths(paths.content, clean), cache=None)
    assert snapshot(paths.out) == snapshot(clean)


def test_the_first_wikilink_of_a_site_written_in_the_preview_shows_its_papers_title(tmp_path):
    """Where to a wikilink leads is mapped only for a site that writes one
    (3.4 MB at 20,000 papers, kept twice while the preview rebuilds): the
    first, saved in notes, is built in full, which maps them."""
    paths = make_project(tmp_path)
    note = paths.papers / f"{PAPER}.md"
    other = sorted(paths.papers.glob("a-*.md"))[1]
    preview = Preview(paths, log=lambda line: None)
    assert preview.build()
    note.write_text(note.read_text() + f"\n## Notes\n\nSee [[{other.stem}]].\n")
    assert preview.build(("paper",), (note,))
    assert len(preview.last.rendered + preview.last.later) > 1
    shown = f"papers/{PAPER}/index.html"
    preview.ensure(shown)
    title = other.read_text().split("title: ", 1)[1].split("\n", 1)[0]
    assert f'<a href="/atlas/papers/{other.stem}/" class="wikilink">{title}</a>' in preview.output.files[shown].decode()
    preview.finish()
    clean = tmp_path / "clean"
    build(Paths(paths.content, clean), cache=None)
    assert snapshot(paths.out) == snapshot(clean)


def test_warnings_are_said_once_and_their_end_is_said_too(tmp_path):
    """A warning stands until its file changes, so it is not repeated at
    every rebuild; when the warnings change, or the last is fixed, the
    preview says so, where it said nothing and the warning read as still there."""
    paths = make_project(tmp_path)
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    note = paths.papers / f"{PAPER}.md"
    text = note.read_text()
    note.write_text(text + "\n## Notes\n\nSee [this](/papers/gone/).\n")
    assert preview.build(("paper",), (note,))
    other = paths.digests / "2025-03-20.txt"
    other.write_text("Daily Papers\n\nMar 20\n\nA Wholly New Preview Paper\n\nWe show previews rebuild.\n")
    assert preview.build(("digest",), (other,))
    assert [line for line in log if line.startswith(("warning: ", "No warnings"))] == [
        f"warning: {note}:{text.count(chr(10)) + 4}: link to '/papers/gone/' leads to no page "
        "or file of the site (a paper's page is /papers/<its file name>/, a page of yours /<its file name>/, "
        "a file of content/public/ at its path there; a draft has none until it is published)",
    ]
    note.write_text(text + "\n## Notes\n\nSee [this](/papers/a-wholly-new-preview-paper/).\n")
    assert preview.build(("paper",), (note,))
    assert log[-2:-1] == ["No warnings now: the one above is gone"], log
    # "The one above" pointed at the error's lines when a failed build came
    # between the warning and its fix: the line says which it means. And
    # one of two warnings fixed said the other again alone, which read as a
    # warning more (warnings are said once): it is said as the one in place of both.
    linking = lambda *targets: text + "\n## Notes\n\n" + "".join(f"See [this]({t}).\n" for t in targets)
    broken = text.replace("\n---\n", "\ntitle: [\n---\n", 1)

    def save(new: str) -> list[str]:
        """What the terminal says of warnings and errors after ``new`` is saved."""
        said = len(log)
        note.write_text(new)
        preview.build(("paper",), (note,))
        return [line.split(":", 1)[0] if line.startswith(("warning: ", "error: ")) else line
                for line in log[said:] if line.startswith(("warning: ", "error: ", "No warnings", "Warnings now"))]

    assert save(linking("/papers/gone/", "/papers/lost/")) == ["warning", "warning"]
    assert save(linking("/papers/lost/")) == ["Warnings now, in place of the 2 above:", "warning"]
    assert save(broken) == ["error"]
    assert save(text) == ["No warnings now: the one from before the error is gone"]
    assert save(broken) == ["error"]
    assert save(text) == []
    # Warnings that outlive the error's fix are gone later: still from before it.
    assert save(linking("/papers/gone/", "/papers/lost/")) == ["warning", "warning"]
    assert save(broken) == ["error"]
    assert save(linking("/papers/gone/", "/papers/lost/")) == []
    assert save(text) == ["No warnings now: the 2 from before the error are gone"]


def test_a_front_matter_edit_is_not_mistaken_for_a_note(server, events):
    version = events.next_state()["version"]
    path = paper_file(server)
    path.write_text(path.read_text().replace("\n---\n", "\nstarred: true\n---\n", 1) + "\n## Notes\n\nA note.\n")
    events.wait_for(lambda s: s["version"] > version)
    assert len(server.preview.last.rendered + server.preview.last.later) > 1


def test_note_edit_rebuilds_fully_when_another_template_shows_notes(server, events):
    version = events.next_state()["version"]
    theme = server.preview.paths.content.parent / "theme"
    (theme / "home.html").write_text(
        (ROOT / "templates" / "home.html").read_text() + "{# this theme lists notes here #}\n"
    )
    # A comment: the home page renders anew with the same bytes, so no open page reloads.
    wait_for_log(server, lambda line: line.startswith("Rebuilt in") and "home.html" in line)
    path = paper_file(server)
    path.write_text(path.read_text() + "\n## Notes\n\nA note.\n")
    events.wait_for(lambda s: s["version"] > version)
    assert len(server.preview.last.rendered + server.preview.last.later) > 1


def test_template_edit_rerenders_the_pages_that_use_it(server, events, tmp_path):
    version = events.next_state()["version"]
    template = server.preview.paths.content.parent / "theme" / "paper.html"
    template.write_text(template.read_text().replace("{% block main %}", "{% block main %}<p>THEMED</p>", 1))
    events.wait_for(lambda s: s["version"] > version)
    _, _, body = fetch(server, f"/atlas/papers/{PAPER}/")
    assert b"<p>THEMED</p>" in body
    rebuild = server.preview.last
    papers = {name for name in server.preview.output.files if name.startswith("papers/") and name != "papers/index.html"}
    # One page renders in the rebuild; the others when requested or in the background.
    assert len(rebuild.rendered) == 1
    assert set(rebuild.rendered + rebuild.later) == papers
    assert server.preview.wait_until_finished(EVENT_TIMEOUT)
    wait_for_log(server, lambda line: line.startswith("Rendered the other "))
    # In the background, or on request: the page fetched above, unless it was the one rendered in the rebuild.
    (done,) = [re.match(r"Rendered the other (\d+) pages in [\d.]+s(?: \((\d+) more on request\))?", line)
               for line in server.log if line.startswith("Rendered the other ")]
    assert int(done[1]) + int(done[2] or 0) == len(papers) - 1
    clean = tmp_path / "clean"
    build(Paths(server.preview.paths.content, clean), cache=None)
    assert snapshot(server.preview.paths.out) == snapshot(clean)


def test_a_template_that_extends_the_built_in_one_rerenders_its_pages_when_saved_and_a_note_its_page_alone(
    server, events, tmp_path,
):
    version = events.next_state()["version"]
    template = server.preview.paths.content.parent / "theme" / "paper.html"
    template.write_text('{% extends "!paper.html" %}\n{% block side_extra %}<p>CITE ONE</p>{% endblock %}\n')
    version = events.wait_for(lambda s: s["version"] > version)["version"]
    assert b"<p>CITE ONE</p>" in fetch(server, f"/atlas/papers/{PAPER}/")[2]
    template.write_text(template.read_text().replace("CITE ONE", "CITE TWO"))
    version = events.wait_for(lambda s: s["version"] > version)["version"]
    assert b"<p>CITE TWO</p>" in fetch(server, f"/atlas/papers/{PAPER}/")[2]
    papers = {name for name in server.preview.output.files if name.startswith("papers/") and name != "papers/index.html"}
    assert set(server.preview.last.rendered + server.preview.last.later) == papers
    assert server.preview.wait_until_finished(EVENT_TIMEOUT)
    # The built-in paper.html shows the notes, through the theme's: a note renders its page alone.
    path = paper_file(server)
    path.write_text(path.read_text() + "\n## Notes\n\nA note.\n")
    events.wait_for(lambda s: s["version"] > version)
    assert server.preview.last.rendered == (f"papers/{PAPER}/index.html",)
    assert server.preview.wait_until_finished(EVENT_TIMEOUT)
    clean = tmp_path / "clean"
    build(Paths(server.preview.paths.content, clean), cache=None)
    assert snapshot(server.preview.paths.out) == snapshot(clean)

def test_a_templates_dir_is_watched_while_its_templates_break_the_build(tmp_path):
    """The fix for a broken template is a save in its directory: the preview
    must watch it though no build with it has succeeded yet."""
    paths = make_project(tmp_path)
    (tmp_path / "theme" / "paper.html").write_text("{{ nope }}")
    preview = Preview(paths, log=lambda line: None)
    assert not preview.build()
    assert (tmp_path / "theme").resolve() in {root.resolve() for root in preview.watch_roots()}

    # site.yaml now names another directory, whose template is broken too.
    other = tmp_path / "other-theme"
    other.mkdir()
    (other / "base.html").write_text("{% block main %}")
    site_yaml = paths.content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("templates_dir: ../theme\n", "templates_dir: ../other-theme\n"))
    assert not preview.build(("site.yaml",), (site_yaml,))
    assert other.resolve() in {root.resolve() for root in preview.watch_roots()}


def test_a_templates_dir_named_before_it_is_made_rebuilds_once_it_is(tmp_path):
    """site.yaml names the directory first (an error: it is none yet), then
    it is made with a template in it: no save in a watched directory, but
    the build `build` would now make is served, error gone."""
    paths = make_project(tmp_path)
    log: list[str] = []
    server = PreviewServer(paths, port=0, log=log.append)
    server.start()
    server.log = log
    try:
        site_yaml = paths.content / "site.yaml"
        site_yaml.write_text(site_yaml.read_text().replace("templates_dir: ../theme\n", "templates_dir: ../my/theme\n"))
        wait_for_log(server, lambda line: "is not a directory" in line)
        deadline = time.monotonic() + EVENT_TIMEOUT
        while not any(notice == "notice_awaited" for _dir, _all, notice in list(server._watched)):
            assert time.monotonic() < deadline, "the directory it is to be made in is not watched"
            time.sleep(0.01)  # watched after the failed build is reported
        (tmp_path / "my" / "theme").mkdir(parents=True)
        (tmp_path / "my" / "theme" / "paper.html").write_text(
            (tmp_path / "theme" / "paper.html").read_text().replace("</article>", "<p>MY THEME</p></article>"))
        wait_for_log(server, lambda line: line.startswith("Rebuilt"))
        assert server.preview.state.error is None
        _status, _, body = fetch(server, f"/atlas/papers/{PAPER}/")
        assert b"MY THEME" in body
    finally:
        server.stop()


def test_only_the_making_of_a_missing_templates_dir_is_noticed_beside_it(tmp_path):
    paths = make_project(tmp_path)
    site_yaml = paths.content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("templates_dir: ../theme\n", "templates_dir: ../my/theme\n"))
    preview = Preview(paths, log=lambda line: None)
    assert not preview.build()
    assert preview.awaited_templates_dir() == (tmp_path / "my" / "theme").resolve()
    preview.notice_awaited(tmp_path / "README.md")
    assert preview._pending == set()
    preview.notice_awaited(tmp_path / "my")
    assert preview._pending == {tmp_path / "my"}


def themed(root: Path, replacement: str) -> Path:
    template = root / "theme" / "paper.html"
    template.write_text(template.read_text().replace("{% block main %}", "{% block main %}" + replacement, 1))
    return template


def wait_until_page_shows(server: PreviewServer, text: bytes) -> None:
    deadline = time.monotonic() + EVENT_TIMEOUT
    while text not in fetch(server, f"/atlas/papers/{PAPER}/")[2]:
        assert time.monotonic() < deadline, f"the page never showed {text!r}: {server.log}"
        time.sleep(0.05)


def saving_once_after_make_site(monkeypatch: pytest.MonkeyPatch, save) -> None:
    """The next build calls ``save`` once it has read every input."""
    make_site, saved = preview_module.make_site, []

    def make_site_then_save(*args, **kwargs):
        result = make_site(*args, **kwargs)
        if not saved:
            saved.append(save())
        return result

    monkeypatch.setattr(preview_module, "make_site", make_site_then_save)


def test_a_template_saved_during_the_first_build_is_rebuilt(tmp_path, monkeypatch):
    """The templates_dir was watched only from the end of the first build:
    a template saved while it ran was served stale until the next save."""
    paths = make_project(tmp_path)
    saving_once_after_make_site(monkeypatch, lambda: themed(tmp_path, "<p>Saved during the first build</p>"))
    log: list[str] = []
    server = PreviewServer(paths, port=0, log=log.append)
    server.start()
    server.log = log
    try:
        wait_until_page_shows(server, b"Saved during the first build")
    finally:
        server.stop()


def test_a_templates_dir_replaced_while_serving_is_watched_anew(server, monkeypatch, tmp_path):
    """A directory deleted and made again, or another renamed in its place
    (a theme updated by a script): its watch ended with the old one, and no
    save in the new one rebuilt until the server restarted. A save made in
    it before it is watched again is rebuilt too."""
    theme = tmp_path / "theme"
    shutil.copytree(theme, tmp_path / "new-theme")
    saving_once_after_make_site(monkeypatch, lambda: themed(tmp_path, "<p>Saved before it is watched</p>"))
    shutil.rmtree(theme)
    (tmp_path / "new-theme").rename(theme)
    wait_until_page_shows(server, b"Saved before it is watched")
    themed(tmp_path, "<p>Saved once it is watched</p>")
    wait_until_page_shows(server, b"Saved once it is watched")


def add_digest(paths: Paths, title: str) -> Path:
    digest = paths.digests / "2025-03-20.txt"
    digest.write_text(f"Daily Papers\n\nMar 20\n\n{title}\n\nWe show that previews rebuild quickly.\n")
    return digest


def test_a_rebuild_says_what_ingest_wrote_to_content_papers(tmp_path):
    paths = make_project(tmp_path)
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    assert not any("ingest:" in line for line in log), "nothing to say when ingest wrote nothing"
    assert preview.build(("digest",), (add_digest(paths, "A Wholly New Preview Paper"),))
    assert log[-1].endswith("; ingest: 1 new paper, 1 paper file written"), log[-1]
    # A digest's paper file deleted is written again from the digests, and
    # said to be: not as a new paper, which it is not (it was said to be).
    written = paths.papers / "a-wholly-new-preview-paper.md"
    written.unlink()
    assert preview.build(("paper",), (written,))
    assert written.is_file() and log[-1].endswith(
        "; ingest: 0 new papers, 1 paper file written, 1 of them again after being deleted (a digest lists its paper)"
    ), log[-1]
    assert preview.build(("paper.html",), (themed(tmp_path, "<p>THEMED</p>"),))
    assert "ingest:" not in log[-1]


def test_a_rebuild_says_how_many_of_the_site_s_files_it_deleted(tmp_path):
    """README's "Your own atlas" with the preview running: the sample's files
    deleted took 429 pages off the site, and the terminal said "429 files
    written"."""
    paths = make_project(tmp_path)
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    before = set(preview.output.files)
    gone = [*paths.digests.iterdir(), *paths.papers.iterdir()]
    for path in gone:
        path.unlink()
    assert preview.build(("digests",), tuple(gone))
    deleted = len(before - set(preview.output.files))
    assert deleted > 400
    assert f"0 rendered now (0 files written, {deleted:,} deleted); " in log[-1], log[-1]


def test_the_papers_folder_the_preview_s_ingest_makes_is_no_change_of_the_user_s(tmp_path):
    """A new atlas (README's "Your own atlas": the sample's files deleted, the
    folders with them): the first digest saved makes content/papers/, and the
    folder's own event rebuilt the site again, "after changes to
    content/papers", with nothing changed. The folder deleted is a change."""
    paths = make_project(tmp_path)
    shutil.rmtree(paths.papers)
    shutil.rmtree(paths.digests)
    preview = Preview(paths, log=[].append)
    assert preview.build()
    paths.digests.mkdir()
    assert preview.build(("digest",), (add_digest(paths, "A Wholly New Preview Paper"),))
    assert (paths.papers / "a-wholly-new-preview-paper.md").is_file()
    assert preview._is_noise(paths.papers), "ingest's own folder counted as a change"
    assert not preview._is_noise(paths.digests), "the folder the user made is theirs"
    shutil.rmtree(paths.papers)
    assert not preview._is_noise(paths.papers), "the folder deleted is a change"


def test_a_paper_file_made_from_a_digest_saved_half_edited_goes_when_the_next_save_takes_it_back(tmp_path):
    """A digest saved with a title half typed, then whole: the first save's
    paper file stayed as a paper of one's own, and the whole title's paper
    took its file, address ("sparse-mix") and, once its abstract was pasted
    too, moved the first one into its notes."""
    paths = make_project(tmp_path)
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    before = set(paths.papers.iterdir())
    assert preview.build(("digest",), (add_digest(paths, "Sparse Mix"),))
    assert preview.build(("digest",), (add_digest(paths, "Sparse Mixture of Experts"),))
    assert log[-1].endswith(
        "; ingest: 1 new paper, 1 paper file written; deleted sparse-mix.md, which an earlier save wrote for a paper "
        "no digest lists now"
    ), log[-1]
    made = paths.papers / "sparse-mixture-of-experts.md"
    assert set(paths.papers.iterdir()) - before == {made}
    assert "papers/sparse-mix/index.html" not in preview.output.files
    assert preview._is_noise(paths.papers / "sparse-mix.md"), "its deletion's echo is no change of the user's"
    digest = paths.digests / "2025-03-20.txt"
    digest.write_text(digest.read_text().replace("rebuild quickly.", "rebuild in a moment."))
    assert preview.build(("digest",), (digest,))
    paper = parse_paper(made.read_text(), made)
    assert (paper.abstract, paper.notes) == ("We show that previews rebuild in a moment.", "")
    # A digest deleted takes back what it made.
    digest.unlink()
    assert preview.build(("digest",), (digest,))
    assert set(paths.papers.iterdir()) == before


def test_notes_written_in_a_paper_file_the_preview_made_stay_when_a_later_save_takes_its_paper_back(tmp_path):
    """Notes written in a file the preview made, which a later save wrote
    again (its abstract corrected) keeping them: the file then held what
    the preview wrote, and was deleted, notes and all, once its digest went."""
    paths = make_project(tmp_path)
    preview = Preview(paths, log=[].append)
    assert preview.build()
    digest = add_digest(paths, "Sparse Mixture of Experts")
    assert preview.build(("digest",), (digest,))
    made = paths.papers / "sparse-mixture-of-experts.md"
    made.write_text(made.read_text() + "\n## Notes\n\nMine.\n")
    assert preview.build(("paper",), (made,))
    digest.write_text(digest.read_text().replace("rebuild quickly.", "rebuild in a moment."))
    assert preview.build(("digest",), (digest,))
    notes = parse_paper(made.read_text(), made).notes  # the abstract before it too, as a build moves it
    assert notes.endswith("Mine.")
    digest.unlink()
    assert preview.build(("digest",), (digest,))
    assert made.is_file() and parse_paper(made.read_text(), made).notes == notes


def test_a_paper_of_a_digest_from_before_the_preview_started_keeps_its_file_when_its_digest_goes(tmp_path):
    """Not one a save brought, whose file a later save takes back: a paper
    file the first build wrote (the digest saved before the preview
    started), or one the user deleted, written again (a paper of the site
    for long), went with its digest, where a build keeps it as a paper of
    one's own."""
    paths = make_project(tmp_path)
    digest = add_digest(paths, "Sparse Mixture of Experts")
    shipped = sorted(paths.digests.iterdir())[0]
    others = "".join(path.read_text() for path in paths.digests.iterdir() if path != shipped)
    (deleted,) = [
        path for path in sorted(paths.papers.iterdir())
        if (title := parse_paper(path.read_text(), path).title) in shipped.read_text() and title not in others
    ][:1]
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    made = paths.papers / "sparse-mixture-of-experts.md"
    assert made.is_file()
    deleted.unlink()
    assert preview.build(("paper",), (deleted,))
    assert deleted.is_file()
    digest.unlink()
    shipped.unlink()
    assert preview.build(("digest",), (digest, shipped))
    assert made.is_file() and deleted.is_file() and "deleted" not in log[-1], log[-1]


def test_an_abstract_from_before_the_preview_moves_into_the_notes_when_its_digest_goes_as_in_a_build(tmp_path):
    """A file the preview only wrote again (a digest listing its paper once
    more): its abstract is from before the preview, and deleting the digest
    that gave it dropped it, where a build moves it into the notes and warns."""
    paths = make_project(tmp_path)
    first, second = paths.digests / "2025-03-20.txt", paths.digests / "2025-03-22.txt"
    first.write_text("Daily Papers\n\nMar 20\n\nRouting Tokens Well\n\nFirst version: we route tokens.\n")
    second.write_text("Daily Papers\n\nMar 22\n\nRouting Tokens Well\n\nSecond version: we route tokens better.\n")
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    again = paths.digests / "2025-03-24.txt"
    again.write_text("Daily Papers\n\nMar 24\n\nRouting Tokens Well\n\nSecond version: we route tokens better.\n")
    assert preview.build(("digest",), (again,))
    first.unlink()
    assert preview.build(("digest",), (first,))
    paper_path = paths.papers / "routing-tokens-well.md"
    paper = parse_paper(paper_path.read_text(), paper_path)
    assert paper.abstract == "Second version: we route tokens better."
    assert "First version: we route tokens." in paper.notes
    assert any("was moved under the notes heading" in line for line in log)


def test_a_paper_file_the_preview_made_and_the_user_committed_stays_when_a_later_save_takes_its_paper_back(tmp_path):
    """Committed, or added to commit, it is the user's: a push publishes
    the site (.github/workflows/pages.yml), and the file deleted, and that
    committed, took its page away. One not committed still goes."""
    paths = make_project(tmp_path)
    git = ["git", "-c", "user.name=A", "-c", "user.email=a@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    preview = Preview(paths, log=[].append)
    assert preview.build()
    digest = add_digest(paths, "Sparse Mixture of Experts")
    assert preview.build(("digest",), (digest,))
    committed = paths.papers / "sparse-mixture-of-experts.md"
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "Mar 20"], cwd=tmp_path, check=True)
    assert preview.build(("digest",), (add_digest(paths, "Sparse Mix"),))
    assert committed.is_file()
    assert preview.build(("digest",), (add_digest(paths, "Dense Mix"),))
    assert not (paths.papers / "sparse-mix.md").exists() and committed.is_file()


def test_a_file_in_the_templates_dir_that_is_not_text_leaves_the_preview_building(tmp_path):
    """An editor's swap file beside the template being edited, or an image:
    the preview read every file there as a template, to see which show
    notes, and its build raised UnicodeDecodeError, ending the server."""
    paths = make_project(tmp_path)
    (tmp_path / "theme" / ".paper.html.swp").write_bytes(b"b0VIM 9.0\x00\x10\x00\xff\xfe")
    (tmp_path / "theme" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff")
    preview = Preview(paths, log=lambda line: None)
    assert preview.build(), preview.state.error
    assert preview.build(("paper.html",), (themed(tmp_path, "<p>THEMED</p>"),)), preview.state.error


def test_a_public_file_that_becomes_a_folder_of_its_name_and_back_is_rebuilt_by_the_preview(tmp_path):
    """The preview writes the new files before removing the old ones: a file
    written into docs/ failed while docs was still the old file (and the
    reverse), and every rebuild after failed the same way."""
    paths = make_project(tmp_path)
    public = paths.content / "public"
    public.mkdir()
    (public / "docs").write_text("a file")
    preview = Preview(paths, log=lambda line: None)
    assert preview.build()
    (public / "docs").unlink()
    (public / "docs").mkdir()
    (public / "docs" / "guide.txt").write_text("a guide")
    assert preview.build(("public",), (public / "docs" / "guide.txt",)), preview.state.error
    assert (paths.out / "docs" / "guide.txt").read_text() == "a guide"
    shutil.rmtree(public / "docs")
    (public / "docs").write_text("a file again")
    assert preview.build(("public",), (public / "docs",)), preview.state.error
    assert (paths.out / "docs").read_text() == "a file again"


def test_pages_left_for_later_render_on_request_and_end_as_a_full_build(tmp_path):
    """No background thread here: each step is taken by hand."""
    paths = make_project(tmp_path)
    preview = Preview(paths, log=lambda line: None)
    assert preview.build() and not preview.unfinished
    assert preview.build(("paper.html",), (themed(tmp_path, "<p>THEMED</p>"),))
    later = preview.last.later
    assert len(later) > 300 and preview.unfinished
    page = later[len(later) // 2]
    assert b"THEMED" not in (paths.out / page).read_bytes()  # the previous page, until rendered

    # A second change before anything was finished: a new paper and so a new search index.
    # No template changed, so no page is rendered before the reload.
    assert preview.build(("digest",), (add_digest(paths, "A Wholly New Preview Paper"),))
    assert preview.last.rendered == () and preview.last.later
    clean = tmp_path / "clean"
    build(Paths(paths.content, clean), cache=None)
    preview.ensure(page)
    assert (paths.out / page).read_bytes() == (clean / page).read_bytes()
    old_manifest = (paths.out / "search" / "manifest.json").read_bytes()
    preview.ensure("search/manifest.json")
    assert (paths.out / "search" / "manifest.json").read_bytes() == (clean / "search" / "manifest.json").read_bytes()
    assert old_manifest != (clean / "search" / "manifest.json").read_bytes()

    preview.finish(interrupted=lambda: True)
    assert preview.unfinished
    preview.finish()
    assert not preview.unfinished
    assert snapshot(paths.out) == snapshot(clean)
    # What was rendered later is reused by the next rebuild.
    assert preview.build(("nothing",), ())
    assert preview.last.rendered == () and preview.last.later == ()


def test_the_pages_rendered_on_request_are_counted_with_thousands_as_the_rest(tmp_path):
    paths = make_project(tmp_path)
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    assert preview.build(("paper.html",), (themed(tmp_path, "<p>THEMED</p>"),)) and preview.unfinished
    preview.output.rendered_on_request = 1234  # a crawler's worth of pages asked for
    preview.finish()
    assert log[-1].startswith("Rendered the other ") and log[-1].endswith(" (1,234 more on request); the output is complete")


@pytest.mark.parametrize(("fronts", "shown", "gone"), [
    (("tags: [Read later, rlhf]\nstarred: true\n", "tags: [to-read]\n", ""), "tags", ("starred", "tags")),
    (("aliases: [old-address, /reading/]\n", "aliases: [/reading/]\n", ""), "reading", ("papers/old-address", "reading")),
], ids=["tags", "aliases"])
def test_editing_a_papers_front_matter_in_the_preview_updates_its_pages_as_a_build_does(tmp_path, fronts, shown, gone):
    """A tag edit is no note edit: the preview rebuilds the tag pages, the
    lists that show the paper and the home page, and ends as a build does;
    so does an edit of its aliases, each a page of its own. ``shown`` is
    there while the paper's front matter says something; ``gone`` at the end."""
    paths = make_project(tmp_path)
    preview = Preview(paths, log=lambda line: None)
    assert preview.build()
    paper = paths.papers / f"{PAPER}.md"
    original = paper.read_text()
    for step, front in enumerate(fronts):
        paper.write_text(original.replace("\n---\n", f"\n{front}---\n", 1))
        assert preview.build(("paper",), (paper,))
        preview.finish()
        clean = tmp_path / f"clean-{step}"
        build(Paths(paths.content, clean), cache=None)
        assert snapshot(paths.out) == snapshot(clean)
        assert (paths.out / shown / "index.html").exists() is bool(front)
    assert not any((paths.out / path).exists() for path in gone)


def test_an_alias_saved_while_serving_is_served_at_once_and_is_gone_once_taken_back(server, events):
    version = events.next_state()["version"]
    path = paper_file(server)
    original = path.read_text()
    path.write_text(original.replace("\n---\n", "\naliases: [old-address]\n---\n", 1))
    version = events.wait_for(lambda state: state["version"] > version)["version"]
    status, _headers, body = fetch(server, "/atlas/papers/old-address/")
    assert status == 200 and f'content="0; url=/atlas/papers/{PAPER}/"'.encode() in body
    assert b"/__atlas/reload.js" in body  # reloads as any page does, until the browser has gone on
    path.write_text(original)
    events.wait_for(lambda state: state["version"] > version)
    assert fetch(server, "/atlas/papers/old-address/")[0] == 404


def test_a_page_left_for_later_counts_as_pending_until_its_new_bytes_are_written(tmp_path, monkeypatch):
    """A request checks, without the lock, whether its file is still to be
    written; a file taken off that list before its bytes are on disk is
    served stale, under the new version, so an open tab never reloads again."""
    paths = make_project(tmp_path)
    preview = Preview(paths, log=lambda line: None)
    assert preview.build()
    assert preview.build(("paper.html",), (themed(tmp_path, "<p>THEMED</p>"),))
    assert preview.build(("digest",), (add_digest(paths, "A Wholly New Preview Paper"),))
    requested = preview.last.later[0]
    served_stale: list[str] = []
    real_update_site = preview_output.update_site

    def update_site(out_dir, files, previous):
        # What an unlocked check would tell a request for each file about to be written.
        served_stale.extend(
            path for path in files if path in previous and path not in preview.output.later
            and not preview.output.waits_for_search(path)
        )
        return real_update_site(out_dir, files, previous)

    monkeypatch.setattr(preview_output, "update_site", update_site)
    preview.ensure(requested)
    preview.finish()
    assert not preview.unfinished
    assert served_stale == []


def test_a_server_stopped_before_finishing_says_what_the_output_lacks(tmp_path):
    paths = make_project(tmp_path)
    preview = Preview(paths, log=lambda line: None)
    assert preview.build() and preview.incomplete() is None
    assert preview.build(("digest",), (add_digest(paths, "A Wholly New Preview Paper"),))
    left = len(preview.last.later)
    assert left > 1
    assert preview.incomplete() == (
        f"{paths.out.resolve()} is not complete: the last rebuild left {left} pages and the search index unwritten"
    )
    preview.finish()
    assert preview.incomplete() is None


def test_the_pages_rendered_on_request_are_counted_with_those_rendered_in_the_background(tmp_path):
    paths = make_project(tmp_path)
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    assert preview.build(("paper.html",), (themed(tmp_path, "<p>THEMED</p>"),))
    later = preview.last.later
    rendered = len(preview.last.rendered)
    assert re.fullmatch(
        rf"Rebuilt in \d+\.\d\ds after changes to \S*paper\.html: {rendered + len(later)} of \d+ pages to render, "
        rf"{rendered} rendered now \(\d+ files? written\); the other {len(later)} render when requested or in the background",
        log[-1],
    ), log[-1]
    preview.ensure(later[0])
    preview.finish()
    assert re.fullmatch(
        rf"Rendered the other {len(later) - 1} pages in \d+\.\d\ds \(1 more on request\); the output is complete",
        log[-1],
    )


def test_the_preview_uses_no_cache_of_another_user(tmp_path, monkeypatch):
    """As build: a cache is pickles, which run code as they load."""
    paths = replace(make_project(tmp_path), cache=tmp_path / ".atlas-cache")
    paths.cache.mkdir()
    owner = os.stat(paths.cache).st_uid
    monkeypatch.setattr("site_builder.pipeline.os.getuid", lambda: owner + 1)  # (the tests may run as root)
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.paths.cache is None
    assert log == [f"warning: {paths.cache}: not using this build cache: it belongs to another user, and a build "
                   "runs what it holds (delete it, or build with --out in a directory of your own)"]
    assert preview.build() and list(paths.cache.iterdir()) == []
    monkeypatch.setattr("site_builder.pipeline.os.getuid", lambda: owner)
    logged = len(log)
    assert Preview(paths, log=log.append).paths.cache == paths.cache.resolve() and len(log) == logged


def test_a_page_rendered_later_uses_the_templates_its_rebuild_read(tmp_path):
    """Its cache key names the template as that rebuild read it; a template
    saved since is the next rebuild's business."""
    paths = make_project(tmp_path)
    preview = Preview(paths, log=lambda line: None)
    assert preview.build()
    template = themed(tmp_path, "<p>THEMED</p>")
    assert preview.build(("paper.html",), (template,))
    page = preview.last.later[0]
    template.write_text(template.read_text().replace("THEMED", "SAVED SINCE"))
    preview.ensure(page)
    assert b"<p>THEMED</p>" in (paths.out / page).read_bytes()


def test_a_broken_partial_fails_the_rebuild_not_a_later_request(tmp_path):
    paths = make_project(tmp_path)
    preview = Preview(paths, log=lambda line: None)
    assert preview.build()
    partial = tmp_path / "theme" / "partials" / "paper_item.html"
    partial.parent.mkdir()
    partial.write_text((ROOT / "templates" / "partials" / "paper_item.html").read_text() + "{{ paper.nope.x }}")
    assert not preview.build(("paper_item.html",), (partial,))
    assert "paper_item.html" in (preview.state.error or "")


def test_the_rebuild_that_succeeds_names_every_file_saved_since_the_last_good_one(tmp_path):
    paths = make_project(tmp_path)
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    topics = paths.content / "topics.yaml"
    good = topics.read_text(encoding="utf-8")
    topics.write_text("topics: [", encoding="utf-8")
    assert not preview.build(("content/topics.yaml",), (topics,))
    note = next((paths.content / "papers").glob("*.md"))
    note.write_text(note.read_text(encoding="utf-8") + "\n## Notes\n\nRead it.\n", encoding="utf-8")
    assert not preview.build((f"content/papers/{note.name}",), (note,))
    topics.write_text(good, encoding="utf-8")
    assert preview.build(("content/topics.yaml",), (topics,))
    assert re.match(rf"Rebuilt in \d+\.\d\ds after changes to content/papers/{re.escape(note.name)}, content/topics.yaml:", log[-1]), log[-1]
    assert preview.build(("content/topics.yaml",), (topics,))
    assert "after changes to content/topics.yaml:" in log[-1]


def test_errors_and_warnings_name_files_as_build_does_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    paths = make_project(Path("."))  # relative, as `serve` is mostly run
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    digest = next((paths.content / "digests").glob("*.txt"))
    digest.write_text(digest.read_text(encoding="utf-8") + "\n\nA Title Without Its Abstract\n", encoding="utf-8")
    assert not preview.build()
    assert any(line.startswith(f"error: content/digests/{digest.name}:") for line in log), log
    assert (preview.state.error or "").startswith(f"content/digests/{digest.name}:")
    digest.write_text(digest.read_text(encoding="utf-8").replace("A Title Without Its Abstract", ""), encoding="utf-8")
    mine = paths.content / "papers" / "mine.md"
    mine.write_text("---\ntitle: Mine\nslug: elsewhere\n---\n\nText.\n", encoding="utf-8")
    assert preview.build()
    assert "warning: content/papers/mine.md:3: slug 'elsewhere' is not" in "\n".join(log), log


def test_only_the_errors_paths_are_made_relative_not_paths_in_their_messages(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    here = os.getcwd()
    errors = BuildErrors((
        SourceError(f"templates_dir '{here}/t' is not a directory", Path(here, "content", "site.yaml"), 11),
        SourceError("y", f"{here}/content/papers/x.md"),
    ))
    assert preview_module._as_build_says(errors) == (
        f"content/site.yaml:11: templates_dir '{here}/t' is not a directory\ncontent/papers/x.md: y"
    )
    elsewhere = f"/tmp/other{here}/content/a.txt:1: z"  # holds the working directory's path, is not under it
    assert preview_module._as_build_says(SourceError("z", f"/tmp/other{here}/content/a.txt", 1)) == elsewhere
    assert preview_module._as_build_says(SourceError("no file")) == "no file"


def failing_later_page(tmp_path: Path, log: list[str]) -> tuple[Preview, str]:
    """A preview whose last rebuild succeeded, leaving for later a page whose
    template fails to render it (and it alone)."""
    preview = Preview(make_project(tmp_path), log=log.append)
    assert preview.build()
    template = themed(tmp_path, "{% if paper.slug == 'PLACEHOLDER' %}{{ paper.no_such_field.x }}{% endif %}")
    assert preview.build(("paper.html",), (template,))
    page = preview.last.later[0]
    template.write_text(template.read_text().replace("PLACEHOLDER", page.split("/")[1]))
    assert preview.build(("paper.html",), (template,))
    assert preview.state.error is None and page in preview.last.later
    return preview, page


def test_a_render_on_request_that_fails_is_reported_before_a_rebuild_can_write(tmp_path, monkeypatch):
    """A rebuild that succeeds between a failed render and its report would
    have its good site shown under the failure's error: the report is made
    while the output is locked, as every rebuild's writing is."""
    preview, page = failing_later_page(tmp_path, [])
    locked_at_failure: list[bool] = []
    real_fail = preview._fail

    def fail(*args):
        locked_at_failure.append(preview.output.lock.locked())
        real_fail(*args)

    monkeypatch.setattr(preview, "_fail", fail)
    preview.ensure(page)
    assert locked_at_failure == [True] and preview.state.error


def test_a_render_that_fails_between_a_rebuilds_writing_and_its_success_keeps_its_error(tmp_path, monkeypatch):
    """Requests are served as soon as a rebuild has written its site, before
    it says it succeeded: a page of that site that fails to render then is
    not cleared by the success that follows."""
    preview, page = failing_later_page(tmp_path, [])
    real_succeeded = preview._succeeded

    def succeeded(*args):
        preview.ensure(page)  # a request, come once the site is written
        real_succeeded(*args)

    monkeypatch.setattr(preview, "_succeeded", succeeded)
    assert preview.build(("theme/paper.html",), ())
    assert "paper.html" in (preview.state.error or ""), "the failure was cleared by the success after it"


def test_a_page_that_fails_when_rendered_later_shows_the_error(tmp_path):
    log: list[str] = []
    preview, page = failing_later_page(tmp_path, log)
    preview.ensure(page)
    assert "paper.html" in (preview.state.error or "")
    assert any(line.startswith(f"Rendering {page} failed") for line in log)
    assert any(line.startswith("error: ") and "paper.html" in line for line in log)
    # Asked again, it is not rendered (and reported) again; the other pages still render.
    logged = len(log)
    preview.ensure(page)
    assert len(log) == logged
    preview.finish()
    assert not preview.unfinished
    assert set(preview.last.later) - {page} <= set(preview.output.take_rendered())


def test_a_first_build_that_fails_then_is_fixed_writes_the_search_index(tmp_path):
    """The failed build stopped Node; the fixed one starts it again."""
    paths = make_project(tmp_path)
    preview = Preview(paths, log=lambda line: None)
    working = (tmp_path / "theme" / "paper.html").read_text()
    template = themed(tmp_path, "{{ paper.no_such_field.x }}")
    assert not preview.build()
    template.write_text(working)
    assert preview.build(("paper.html",), (template,))
    manifest = json.loads((paths.out / "search" / "manifest.json").read_text())
    assert manifest["documents"]["count"] == len(list((paths.content / "papers").glob("*.md")))


def test_a_page_that_fails_in_the_background_leaves_the_search_index_written(tmp_path):
    paths = make_project(tmp_path)
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    manifest = json.loads((paths.out / "search" / "manifest.json").read_text())
    template = themed(tmp_path, "{% if paper.slug == 'PLACEHOLDER' %}{{ paper.no_such_field.x }}{% endif %}")
    assert preview.build(("paper.html",), (template,))
    template.write_text(template.read_text().replace("PLACEHOLDER", preview.last.later[0].split("/")[1]))
    assert preview.build(("paper.html", "digest"), (template, add_digest(paths, "A Wholly New Preview Paper")))
    preview.finish()
    assert "paper.html" in (preview.state.error or "") and not preview.unfinished
    assert not any(line.startswith("Rendered the other") for line in log)
    written = json.loads((paths.out / "search" / "manifest.json").read_text())
    assert written["documents"]["count"] == manifest["documents"]["count"] + 1


def test_burst_of_100_saves_in_one_second_gives_one_rebuild_while_200_requests_succeed(server, events, monkeypatch):
    notices = Notices(server.preview, monkeypatch)
    version = events.next_state()["version"]
    rebuilds = server.preview.rebuilds
    path = paper_file(server)
    original = path.read_text()

    def save_100_times() -> None:
        for save in range(100):
            text = f"{original}\n## Notes\n\nSave number {save}.\n"
            if save % 2:
                path.write_text(text)
            else:  # the way many editors save: a hidden temp file renamed over the original
                temp = path.with_name(f".{path.name}.swp")
                temp.write_text(text)
                os.replace(temp, path)
            time.sleep(0.005)

    saver = threading.Thread(target=save_100_times)
    saver.start()
    results = concurrent_requests(server)
    saver.join()
    assert [status for status, _ in results] == [404 if i % 5 == 4 else 200 for i in range(200)]
    assert all(complete for _, complete in results)
    events.wait_for(lambda s: s["version"] > version)
    deadline = time.monotonic() + EVENT_TIMEOUT  # not a speed test: however long the rebuilds take
    while b"Save number 99." not in fetch(server, f"/atlas/papers/{PAPER}/")[2]:
        assert time.monotonic() < deadline, "the page never showed the last save"
        time.sleep(0.05)
    time.sleep(5 * server.preview.debounce)  # time for a needless rebuild to start, so it is counted
    started = server.preview.rebuilds - rebuilds
    # A rebuild starts once the saves have paused for the debounce: one for
    # the burst, plus one per pause within it. On an idle machine there is
    # none; under CPU load the saving thread can stall that long.
    pauses = notices.pauses(server.preview.debounce)
    assert 1 <= started <= 1 + pauses, f"{started} rebuilds, {pauses} pauses in the saves"


BREAKAGES = {
    # name: (file under the project, how to break it, where the error must point)
    "paper front matter": (f"content/papers/{PAPER}.md", lambda text: text.replace("title:", "title: [x\n  y:", 1),
                           f"{PAPER}.md:"),
    "template": ("theme/paper.html", lambda text: text + "\n{% if %}\n", "paper.html:"),
    "digest": ("content/digests/001_fb62f30fb9b09ce4.txt", lambda text: "Daily Papers\n\nFeb 30\n\n" + text,
               "001_fb62f30fb9b09ce4.txt:3:"),
}


@pytest.mark.parametrize("broken", list(BREAKAGES))
def test_broken_file_shows_an_overlay_then_a_fix_recovers(server, events, broken):
    relative, breaker, location = BREAKAGES[broken]
    version = events.next_state()["version"]
    path = server.preview.paths.content.parent / relative
    good = path.read_text()
    path.write_text(breaker(good))
    state = events.wait_for(lambda s: s["error"] is not None)
    assert state["version"] == version
    assert location in state["error"]
    status, _, body = fetch(server, f"/atlas/papers/{PAPER}/")
    assert status == 200 and b"A Benchmark for Learning to Translate" in body  # the last good page
    assert b'<div id="atlas-preview-error" role="alert">' in body
    assert location.encode() in body
    wait_for_log(server, lambda line: line.startswith("error: ") and location in line)

    path.write_text(good)
    state = events.wait_for(lambda s: s["version"] > version)
    assert state["error"] is None
    _, _, body = fetch(server, f"/atlas/papers/{PAPER}/")
    assert b"atlas-preview-error" not in body


def test_a_failed_first_build_shows_the_error_not_what_the_output_held_before(tmp_path):
    paths = make_project(tmp_path)
    build(paths, base_url="/elsewhere/")  # an earlier site, built for another base URL
    topics = paths.content / "topics.yaml"
    good = topics.read_text()
    topics.write_text("topics:\n  - slug: [\n")
    log: list[str] = []
    server = PreviewServer(paths, port=0, log=log.append)
    server.start()
    try:
        stream = EventStream(server)
        for path in ("/", "/atlas/", f"/atlas/papers/{PAPER}/", "/elsewhere/"):
            status, _, body = fetch(server, path)
            assert status == 503, path
            assert b"topics.yaml:2" in body and b"The build failed; save a fix" in body
            assert b"/elsewhere/" not in body and b"last good site" not in body
        assert "Nothing to serve until the site builds; save a fix to rebuild." in log
        assert not any("last good site" in line for line in log)

        topics.write_text(good)
        assert stream.wait_for(lambda state: state["version"] == 1)["error"] is None
        status, _, body = fetch(server, f"/atlas/papers/{PAPER}/")
        assert status == 200 and b"A Benchmark for Learning to Translate" in body
        assert b"atlas-preview-error" not in body
        stream.close()
    finally:
        server.stop()


def _inodes(directory: Path) -> dict[str, int]:
    return {path.relative_to(directory).as_posix(): path.stat().st_ino for path in directory.rglob("*") if path.is_file()}


def _started_and_stopped(paths: Paths) -> tuple[preview_module.Rebuild, list[str]]:
    """The first build of a server started on ``paths``, and its log once stopped."""
    log: list[str] = []
    server = PreviewServer(paths, port=0, log=log.append)
    server.start()
    server.stop()  # and waits for the cache it may be saving
    assert server.preview.last is not None
    return server.preview.last, log


def test_a_server_started_after_a_build_reuses_its_work_and_corrects_what_was_changed_in_the_output(tmp_path):
    paths = replace(make_project(tmp_path), cache=tmp_path / ".atlas-cache")
    build(paths)
    built = snapshot(paths.out)
    page = paths.out / "atlas-page.html"  # not one of the site's files
    page.write_text("left by hand")
    paper_page = paths.out / "papers" / PAPER / "index.html"
    paper_page.write_text("edited by hand")
    inodes = _inodes(paths.out)

    first, _log = _started_and_stopped(paths)

    assert first.rendered == (f"papers/{PAPER}/index.html",), "every other page came from the cache and the output"
    assert set(first.written) == {f"papers/{PAPER}/index.html", "atlas-page.html"}
    assert snapshot(paths.out) == built
    assert {path: inode for path, inode in _inodes(paths.out).items() if inodes.get(path) != inode} == {
        f"papers/{PAPER}/index.html": (paths.out / "papers" / PAPER / "index.html").stat().st_ino
    }, "the files that were right are left as they were"


def test_an_output_directory_deleted_while_serving_is_written_again_when_a_page_is_asked_for(server):
    """`make clean` while serving: every address was answered with 404, the
    terminal said nothing, and a save wrote only the files it changed."""
    out = server.preview.paths.out
    site = snapshot(out)
    shutil.rmtree(out)
    status, _headers, body = fetch(server, f"/atlas/papers/{PAPER}/")
    assert status == 200 and b"<h1>A Benchmark for Learning to Translate" in body
    assert snapshot(out) == site
    assert any("files of the site had gone from" in line and "written again" in line for line in server.log)

    (out / "papers" / PAPER / "index.html").unlink()  # one file alone
    assert fetch(server, f"/atlas/papers/{PAPER}/")[0] == 200
    status, _headers, body = fetch(server, "/atlas/no-such-page/")
    assert status == 404 and body.startswith(site["404.html"][:100])
    assert snapshot(out) == site


def test_a_server_started_on_an_output_with_a_file_where_a_directory_goes_replaces_it(tmp_path):
    paths = replace(make_project(tmp_path), cache=tmp_path / ".atlas-cache")
    build(paths)
    built = snapshot(paths.out)
    shutil.rmtree(paths.out / "topics")
    (paths.out / "topics").write_text("a file where the topics' pages go")
    first, log = _started_and_stopped(paths)
    assert snapshot(paths.out) == built and not any("error" in line for line in log)


def test_a_server_started_on_an_output_with_links_writes_nothing_through_them(tmp_path):
    paths = replace(make_project(tmp_path), cache=tmp_path / ".atlas-cache")
    build(paths)
    built = snapshot(paths.out)
    elsewhere = tmp_path / "elsewhere"
    shutil.move(paths.out / "topics", elsewhere)
    (paths.out / "topics").symlink_to(elsewhere, target_is_directory=True)
    outside_page = next(elsewhere.rglob("index.html"))
    outside_page.write_text("a page outside the output")
    outside_file = tmp_path / "robots-elsewhere.txt"
    outside_file.write_bytes((paths.out / "robots.txt").read_bytes())  # the very bytes of the site's
    (paths.out / "robots.txt").unlink()
    (paths.out / "robots.txt").symlink_to(outside_file)

    _first, log = _started_and_stopped(paths)

    assert outside_page.read_text() == "a page outside the output", "written through a link to a directory"
    assert not (paths.out / "topics").is_symlink() and not (paths.out / "robots.txt").is_symlink()
    assert snapshot(paths.out) == built and not any("error" in line for line in log)


def test_a_server_saves_its_work_for_the_next_start_and_the_next_build(tmp_path):
    paths = replace(make_project(tmp_path), cache=tmp_path / ".atlas-cache")
    first, log = _started_and_stopped(paths)
    assert len(first.rendered) == first.pages and not any("warning" in line for line in log)

    again, _log = _started_and_stopped(paths)
    assert again.rendered == () and again.written == ()

    served, inodes = snapshot(paths.out), _inodes(paths.out)
    build(paths)
    assert _inodes(paths.out) == inodes, "the build found every page as the server left it"
    clean = replace(paths, out=tmp_path / "clean", cache=None)
    build(clean)
    assert served == snapshot(clean.out)


def test_a_cache_the_server_cannot_save_is_a_warning(tmp_path):
    paths = replace(make_project(tmp_path), cache=tmp_path / ".atlas-cache")
    paths.cache.write_text("not a directory")
    first, log = _started_and_stopped(paths)
    assert first.pages and snapshot(paths.out)
    assert [line for line in log if line.startswith("warning:")] == [
        f"warning: {paths.cache}: cannot save the build cache: this is a file, not a directory "
        "(the site was built; delete the file so that the next build can reuse this one's work)"
    ]


def test_a_first_build_that_fails_then_succeeds_writes_every_page_it_changed(tmp_path):
    paths = replace(make_project(tmp_path), cache=tmp_path / ".atlas-cache")
    build(paths)
    # Started with a broken topic template: the paper pages are found
    # unchanged in the output, then the topic pages fail.
    topic = tmp_path / "theme" / "topic.html"
    good = (ROOT / "templates" / "topic.html").read_text()
    topic.write_text(good.replace("{% block main %}", "{% block main %}{{ topic.no_such.x }}", 1))
    preview = Preview(paths, log=lambda line: None)
    assert not preview.build()
    assert len(preview.cache.verified) > 100, "the failed build found pages unchanged in the output"
    # The fix and a note, saved together: the note's page differs from the output's.
    topic.write_text(good)
    paper = paths.papers / f"{PAPER}.md"
    paper.write_text(paper.read_text() + "\n## Notes\n\nA note written while the build was broken.\n")
    assert preview.build(("topic.html", paper.name), (topic, paper))
    preview.stop()  # and waits for the cache it saves
    assert b"A note written while the build was broken." in (paths.out / "papers" / PAPER / "index.html").read_bytes()
    build(paths)  # from the cache the server saved
    clean = replace(paths, out=tmp_path / "clean", cache=None)
    build(clean)
    assert snapshot(paths.out) == snapshot(clean.out)


def test_the_first_builds_work_is_saved_though_ctrl_c_reaches_the_saving_process(tmp_path, monkeypatch):
    import signal

    paths = replace(make_project(tmp_path), cache=tmp_path / ".atlas-cache")
    real_save = preview_module.save_cache

    def interrupted_save(*args):
        # Ctrl+C in a terminal signals every process of the server's group.
        os.kill(os.getpid(), signal.SIGINT)
        real_save(*args)

    monkeypatch.setattr(preview_module, "save_cache", interrupted_save)
    _first, log = _started_and_stopped(paths)
    assert (paths.cache / "build-cache.pickle").is_file(), "the saving process was stopped by the interrupt"
    again, _log = _started_and_stopped(paths)
    assert again.rendered == ()


def test_new_digest_adds_its_papers(server, events, monkeypatch):
    notices = Notices(server.preview, monkeypatch)
    version = events.next_state()["version"]
    digests = server.preview.paths.digests
    (digests / "2025-03-20.txt").write_text(
        "Daily Papers\n\nMar 20\n\nA Wholly New Preview Paper\n\n"
        "We show that previews rebuild quickly when a digest is added.\n"
    )
    events.wait_for(lambda s: s["version"] > version)
    status, _, body = fetch(server, "/atlas/papers/a-wholly-new-preview-paper/")
    assert status == 200 and b"A Wholly New Preview Paper" in body
    written = server.preview.paths.papers / "a-wholly-new-preview-paper.md"
    assert written.exists()
    # Ingest wrote that paper file; the server must not rebuild again for its
    # own write. A hidden file (noise itself) written now is reported after
    # that write, so once it is, the write's events are all in.
    marker = digests / ".written-after-ingest"
    marker.write_text("")
    notices.wait_for(marker)
    verdicts = [at for path, at in notices.seen if path == written]
    assert verdicts and all(at is None for at in verdicts), "ingest's own write counted as a change"


def test_a_paper_file_saved_back_as_ingest_wrote_it_after_a_note_is_rebuilt(server, events):
    """A note undone (an editor's undo, saved) leaves the file as the server's
    own ingest wrote it: that save is the user's, not the echo of ingest's
    write, which a notes-only rebuild of the note in between did not forget.
    Taken for it, the save rebuilt nothing and the note taken back stayed on
    the page and in the search index."""
    version = events.next_state()["version"]
    (server.preview.paths.digests / "2025-03-20.txt").write_text(
        "Daily Papers\n\nMar 20\n\nA Wholly New Preview Paper\n\n"
        "We show that previews rebuild quickly when a digest is added.\n"
    )
    version = events.wait_for(lambda s: s["version"] > version)["version"]
    paper = server.preview.paths.papers / "a-wholly-new-preview-paper.md"
    as_ingest_wrote = paper.read_text()
    paper.write_text(as_ingest_wrote + "\n## Notes\n\nA thought taken back.\n")
    version = events.wait_for(lambda s: s["version"] > version)["version"]
    assert b"A thought taken back." in fetch(server, "/atlas/papers/a-wholly-new-preview-paper/")[2]
    paper.write_text(as_ingest_wrote)
    events.wait_for(lambda s: s["version"] > version)
    assert b"A thought taken back." not in fetch(server, "/atlas/papers/a-wholly-new-preview-paper/")[2]


def test_a_page_of_ones_own_saved_is_rebuilt_and_open_pages_reload(server, events):
    pages = server.preview.paths.content / "pages"
    about = pages / "about.md"

    def wait_until_served(text: bytes) -> None:
        # Polled, not waited for by version: the folder made first may have a rebuild of its own.
        deadline = time.monotonic() + EVENT_TIMEOUT
        while True:
            status, _headers, body = fetch(server, "/atlas/about/")
            if status == 200 and text in body:
                return
            assert time.monotonic() < deadline, f"/atlas/about/ never showed {text!r}"
            time.sleep(0.05)

    version = server.preview.state.version
    pages.mkdir()
    about.write_text("---\ntitle: About\nnav: true\n---\n\nFirst words.\n")
    wait_until_served(b"<p>First words.</p>")
    assert events.wait_for(lambda state: state["version"] > version), "open pages are told to reload"
    assert b'<a href="/atlas/about/">About</a>' in fetch(server, "/atlas/")[2]

    version = server.preview.state.version
    about.write_text("---\ntitle: About\nnav: true\n---\n\nSecond words.\n")
    wait_until_served(b"<p>Second words.</p>")
    assert events.wait_for(lambda state: state["version"] > version)
    wait_for_log(server, lambda line: "after changes to" in line and "about.md" in line)

    version = server.preview.state.version
    about.unlink()
    events.wait_for(lambda state: state["version"] > version)
    assert fetch(server, "/atlas/about/")[0] == 404
    assert b"/atlas/about/" not in fetch(server, "/atlas/")[2]


# -- pieces -------------------------------------------------------------------


def test_resolve_request_refuses_dot_segments_in_any_spelling(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text("x")
    assert resolve_request(tmp_path, "/", "/a/").file == tmp_path / "a" / "index.html"
    for path in ("/a/../a/", "/a/%2e%2e/a/", "/./a/", "/a/%2E/"):
        assert resolve_request(tmp_path, "/", path).status == 403, path


def test_an_encoded_slash_or_an_empty_segment_leads_to_the_files_own_address(tmp_path):
    # "/papers%2Fx/" served the page of /papers/x/ at an address whose
    # relative links (a note's ![me](me.jpg)) resolved under /, not /papers/x/.
    (tmp_path / "papers" / "x").mkdir(parents=True)
    (tmp_path / "papers" / "x" / "index.html").write_text("x")
    (tmp_path / "papers" / "x" / "me.jpg").write_bytes(b"jpg")
    (tmp_path / "a%2Fb.txt").write_text("a file with '%2F' in its name")
    (tmp_path.parent / "secret.txt").write_text(SECRET)
    for path, location in (
        ("/papers%2Fx/", "/papers/x/"),
        ("/papers%2fx/?q=1", "/papers/x/?q=1"),
        ("/papers//x/", "/papers/x/"),
        ("/papers%2F%2Fx/me.jpg", "/papers/x/me.jpg"),
        ("/papers%2Fx", "/papers/x/"),  # a folder: to its page at once
        ("/%2Fpapers/x/", "/papers/x/"),  # never "//papers/x/", which a browser takes for the host "papers"
    ):
        resolved = resolve_request(tmp_path, "/", path)
        assert (resolved.status, resolved.location) == (301, location), path
    assert resolve_request(tmp_path, "/", "/a%252Fb.txt").file == tmp_path / "a%2Fb.txt"
    assert resolve_request(tmp_path, "/", "/%2F%2Fexample.com/").status == 404
    for path in ("/papers%2F..%2F..%2Fsecret.txt", "/%2F..%2Fsecret.txt"):
        assert resolve_request(tmp_path, "/", path).status == 403, path
    # The page a request renders (if left for later) is the one it is redirected to.
    assert requested_outputs("/atlas/", "/atlas/papers%2F%2Fx/") == ("papers/x/index.html",)
    assert requested_outputs("/atlas/", "/atlas//papers%2Fx") == ("papers/x", "papers/x/index.html")


@pytest.mark.parametrize("base_path, asked", [("/my%20atlas/", "/my%20atlas/"), ("/π/", "/%CF%80/")])
def test_a_base_path_beyond_plain_ascii_is_served_and_redirected_to_as_the_browser_asks(tmp_path, base_path, asked):
    # config takes these base_urls, and the pages' links name them as written;
    # the server compared the request, decoded, with the base path as written
    # (every page of "/my%20atlas/" was not found) and put "/π/" into a
    # Location header, which holds ASCII alone (the request got no answer).
    (tmp_path / "papers").mkdir()
    (tmp_path / "index.html").write_text("home")
    (tmp_path / "papers" / "index.html").write_text("papers")
    assert resolve_request(tmp_path, base_path, asked).file == tmp_path / "index.html"
    assert resolve_request(tmp_path, base_path, asked + "papers/").file == tmp_path / "papers" / "index.html"
    for path in ("/", asked.rstrip("/"), "/papers/"):
        location = resolve_request(tmp_path, base_path, path + "?q=1").location
        assert location is not None and location.isascii() and location.endswith("?q=1"), path
        assert unquote(location) == unquote(base_path) + ("papers/" if path == "/papers/" else "") + "?q=1"
    assert requested_outputs(base_path, asked + "papers/") == ("papers/index.html",)


def test_inject_adds_overlay_with_escaped_error_before_body_end():
    page = b"<html><body><p>x</p></body></html>"
    served = inject(page, PreviewState(3, "papers/x.md:2: bad <value>", "/"))
    assert served.endswith(b"</body></html>")
    assert b"papers/x.md:2: bad &lt;value&gt;" in served
    assert b'data-version="3"' in served


def test_update_site_writes_only_changed_files_and_removes_gone_ones(tmp_path):
    previous = {"index.html": b"old", "gone/index.html": b"bye", "same.css": b"same"}
    for name, data in previous.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    untouched = (tmp_path / "same.css").stat().st_mtime_ns
    touched = update_site(tmp_path, {"index.html": b"new", "same.css": b"same"}, previous)
    assert touched == ("index.html", "gone/index.html")
    assert (tmp_path / "index.html").read_bytes() == b"new"
    assert not (tmp_path / "gone").exists()
    assert (tmp_path / "same.css").stat().st_mtime_ns == untouched


def test_sync_site_writes_only_what_differs_from_the_disk_and_removes_the_rest(tmp_path):
    on_disk = {"index.html": b"old", "same.css": b"same", "checked.html": b"page", "stray/deep/junk.txt": b"x"}
    for name, data in on_disk.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    untouched = {name: (tmp_path / name).stat() for name in ("same.css", "checked.html")}
    files = {"index.html": b"new", "same.css": b"same", "checked.html": b"page", "new/index.html": b"n"}
    touched = sync_site(tmp_path, files, checked={"checked.html"})
    assert sorted(touched) == ["index.html", "new/index.html", "stray/deep/junk.txt"]
    assert snapshot(tmp_path) == files
    assert not (tmp_path / "stray").exists()
    for name, stat in untouched.items():
        now = (tmp_path / name).stat()
        assert (now.st_ino, now.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)


def test_sync_site_gives_a_site_another_umask_made_the_modes_a_build_gives(tmp_path):
    """The preview's first build, under a private umask, over a site a build
    made under 022: its folders took the new modes and its files kept theirs,
    0644 beside the 0600 of those it wrote, and the site's folder stayed 0755."""
    out = tmp_path / "_site"
    old_umask = os.umask(0o022)
    try:
        write_site(out, {"index.html": b"old", "same.css": b"same", "papers/a/index.html": b"a"})
        os.umask(0o077)
        sync_site(out, {"index.html": b"new", "same.css": b"same", "papers/a/index.html": b"a", "new.html": b"n"},
                  checked={"papers/a/index.html"})
    finally:
        os.umask(old_umask)
    modes = {path.relative_to(out).as_posix(): path.stat().st_mode & 0o777 for path in (out, *out.rglob("*"))}
    assert modes == {".": 0o700, "papers": 0o700, "papers/a": 0o700,
                     "index.html": 0o600, "same.css": 0o600, "papers/a/index.html": 0o600, "new.html": 0o600}


def test_port_in_use_is_a_clear_error_without_traceback(tmp_path):
    paths = make_project(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SourceError, match=f"port {port} on 127.0.0.1 is already in use"):
            PreviewServer(paths, port=port)
        result = subprocess.run(
            [sys.executable, "build.py", "serve", "--content", str(paths.content), "--out", str(paths.out),
             "--port", str(port)],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 1
    assert f"error: --port: port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr
    assert not paths.out.exists()


@pytest.mark.parametrize("content, problem", [
    ("contnet", "content directory not found"),
    ("content/papers", "not a content directory: it has none of site.yaml, topics.yaml, digests/ and papers/"),
])
def test_a_content_directory_mistyped_is_refused_at_start_as_build_refuses_it(tmp_path, content, problem):
    # It served a page of the error, waiting for a save that could not fix it:
    # a folder that is not there is not watched.
    paths = make_project(tmp_path)
    with pytest.raises(SourceError, match=re.escape(problem)):
        PreviewServer(Paths(content=tmp_path / content, out=paths.out), port=0)
    result = subprocess.run(
        [sys.executable, "build.py", "serve", "--content", str(tmp_path / content), "--out", str(paths.out),
         "--port", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(f"error: {tmp_path / content}: {problem}")
    assert not paths.out.exists()


@pytest.mark.browser
def test_open_page_reloads_after_a_save_and_shows_build_errors(server, browser):
    page = browser.new_page()
    try:
        page.goto(f"{server.url}papers/{PAPER}/")
        path = paper_file(server)
        good = path.read_text()
        path.write_text(good.replace("title:", "title: [unclosed\n  oops:", 1))
        overlay = page.locator("#atlas-preview-error")
        overlay.wait_for(timeout=EVENT_TIMEOUT * 1000)
        assert f"{PAPER}.md:" in overlay.inner_text()

        path.write_text(good + "\n## Notes\n\nSeen in the browser.\n")
        page.get_by_text("Seen in the browser.").wait_for(timeout=EVENT_TIMEOUT * 1000)
        assert page.locator("#atlas-preview-error").count() == 0
    finally:
        page.close()


@pytest.mark.browser
def test_tabs_in_the_background_hold_no_connection_so_any_number_load_and_each_reloads_when_shown(server, browser):
    """A browser opens at most six connections to one host over HTTP/1.1,
    and each page's event stream held one: with six tabs of the preview open
    (papers opened in background tabs), every further page waited for ever."""
    pages = server.preview.paths.content / "pages"
    pages.mkdir()
    probe = pages / "probe.md"
    probe.write_text("---\ntitle: Probe one\n---\n\nWords.\n")
    deadline = time.monotonic() + EVENT_TIMEOUT
    while b"Probe one" not in fetch(server, "/atlas/probe/")[2]:
        assert time.monotonic() < deadline, "the page was never built"
        time.sleep(0.05)
    # Tabs of one window, as a user opens them (a playwright page is a window of its own, always shown).
    cdp = browser.new_browser_cdp_session()
    tabs: list[str] = []

    def open_tab(background: bool) -> str:
        tabs.append(cdp.send("Target.createTarget", {"url": f"{server.url}probe/", "background": background})["targetId"])
        return tabs[-1]

    def wait_for_titles(targets: list[str], words: str) -> None:
        deadline = time.monotonic() + EVENT_TIMEOUT
        while True:
            titles = {info["targetId"]: info["title"] for info in cdp.send("Target.getTargets")["targetInfos"]}
            if all(words in titles[target] for target in targets):
                return
            assert time.monotonic() < deadline, f"not every tab shows {words!r}: {titles}"
            time.sleep(0.05)

    try:
        hidden = []
        for _ in range(8):
            hidden.append(open_tab(background=True))
            wait_for_titles(hidden[-1:], "Probe one")
        time.sleep(1)  # for their streams to connect, when they do
        shown = open_tab(background=False)
        wait_for_titles([shown], "Probe one")

        probe.write_text("---\ntitle: Probe two\n---\n\nWords.\n")
        wait_for_titles([shown], "Probe two")
        wait_for_titles(hidden, "Probe one")  # not told, until shown
        cdp.send("Target.activateTarget", {"targetId": hidden[0]})
        wait_for_titles([hidden[0]], "Probe two")
    finally:
        for target in tabs:
            cdp.send("Target.closeTarget", {"targetId": target})
        cdp.detach()


@pytest.mark.browser
def test_an_open_page_reloads_when_the_server_is_started_again(tmp_path, browser):
    """A restarted server counts its versions from 1 again, as the page of
    the last one's first build did: the page stayed as it was, however much
    was saved while no server ran."""
    server, log = start_server(tmp_path)
    page = browser.new_page()
    try:
        page.goto(f"{server.url}papers/{PAPER}/")
        port = server.http.server_address[1]
        server.stop()
        path = paper_file(server)
        path.write_text(path.read_text() + "\n## Notes\n\nSaved while no server ran.\n")
        server = PreviewServer(server.preview.paths, port=port, log=log.append)
        server.start()
        page.get_by_text("Saved while no server ran.").wait_for(timeout=EVENT_TIMEOUT * 1000)
    finally:
        page.close()
        server.stop()


@pytest.mark.skipif(preview_module._MALLOC_TRIM is None, reason="the C library has no malloc_trim (not glibc)")
def test_the_idle_server_gives_free_heap_memory_back_to_the_system():
    def resident() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    # 200 MB from the C heap (objects too large for Python's own allocator),
    # freed but for the last, which keeps the heap's top in use: free() alone
    # then gives nothing back.
    size = 2048  # a variable: a constant's bytes would be made once, at compile time
    blocks = [b"x" * size for _ in range(100_000)]
    kept = blocks[-1]
    del blocks
    before = resident()
    preview_module.settle_memory()
    assert before - resident() > 100 * 2**20
    assert kept


def test_a_rebuild_collects_no_garbage_and_the_idle_server_collects_it(tmp_path):
    """Collections during a rebuild would scan the whole site model; the
    rebuild freezes what it made, and finishing (once idle) collects."""
    import gc

    paths = make_project(tmp_path)
    preview = Preview(paths, log=lambda line: None)
    assert preview.build()
    preview.finish()
    collections: list[int] = []

    def record(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(record)
    try:
        assert preview.build(("digest",), (add_digest(paths, "A Paper Built Without Collecting"),))
        during = len(collections)
        assert during == 0 and gc.isenabled() and gc.get_freeze_count() > 0
        preview.finish()
        assert 2 in collections[during:]
    finally:
        gc.callbacks.remove(record)
        gc.unfreeze()


def test_a_deferred_build_starts_its_search_index_only_when_asked(tmp_path, monkeypatch):
    """The preview starts Node once the new pages are served; the index is
    then the one a full build writes, and a failure to start fails again."""
    from site_builder import pipeline
    from site_builder.cache import BuildCache

    started = []
    real = pipeline.PendingSearchIndex
    monkeypatch.setattr(pipeline, "PendingSearchIndex", lambda *a, **k: started.append(1) or real(*a, **k))
    paths = make_project(tmp_path)
    cache = BuildCache(long_lived=True)
    pipeline.make_site(paths, cache=cache)
    assert started == [1]
    add_digest(paths, "A Paper Whose Index Waits")
    deferred = pipeline.make_site(paths, cache=cache, defer=True)
    assert started == [1] and deferred.search is None
    searched = deferred.pending_search.result()
    assert started == [1, 1]
    assert searched.files == pipeline.make_site(paths).search.files
    assert deferred.pending_search.start() is deferred.pending_search.start()
    assert started == [1, 1, 1]  # the last make_site only

    def no_node(*args, **kwargs):
        raise SourceError("Node.js is needed")

    monkeypatch.setattr(pipeline, "PendingSearchIndex", no_node)
    add_digest(paths, "Another Paper Whose Index Fails")
    failing = pipeline.make_site(paths, cache=cache, defer=True).pending_search
    for _ in range(2):
        with pytest.raises(SourceError, match="Node.js is needed"):
            failing.start()


def test_the_watch_asks_for_changes_not_for_every_file_the_build_reads(tmp_path, monkeypatch):
    seen: list[str] = []
    handle = serve._EventHandler.on_any_event

    def record(self, event):
        seen.append(event.event_type)
        handle(self, event)

    monkeypatch.setattr(serve._EventHandler, "on_any_event", record)
    server, _log = start_server(tmp_path)
    try:
        stream = EventStream(server)
        version = stream.next_state()["version"]
        for path in server.preview.paths.papers.glob("*.md"):
            path.read_bytes()  # as every build does
        path = paper_file(server)
        path.write_text(path.read_text() + "\n## Notes\n\nSeen.\n")
        stream.wait_for(lambda state: state["version"] > version)
        stream.close()
    finally:
        server.stop()
    assert "modified" in seen
    assert not {"opened", "closed_no_write"} & set(seen)


@pytest.mark.parametrize("linked", ["paper file", "papers directory"])
def test_a_save_where_a_link_in_content_leads_rebuilds_as_a_save_of_the_link(tmp_path, linked):
    """A paper file, or content/papers itself, kept in a notes vault outside
    content/ (README: a paper file may be a symbolic link): the watch on
    content/ sees no save made there, so the vault is watched too."""
    paths = make_project(tmp_path)
    vault = tmp_path / "vault"
    if linked == "paper file":
        vault.mkdir()
        (vault / "unlinked.md").write_text("a note of the vault's own, no paper\n")
        (vault / f"{PAPER}.md").write_bytes((paths.papers / f"{PAPER}.md").read_bytes())
        (paths.papers / f"{PAPER}.md").unlink()
        (paths.papers / f"{PAPER}.md").symlink_to(vault / f"{PAPER}.md")
    else:
        paths.papers.rename(vault)
        paths.papers.symlink_to(vault, target_is_directory=True)
    log: list[str] = []
    server = PreviewServer(paths, port=0, log=log.append)
    server.start()
    server.log = log
    try:
        saved = vault / f"{PAPER}.md"
        saved.write_text(saved.read_text() + "\n## Notes\n\nWritten in the vault.\n")
        wait_for_log(server, lambda line: line.startswith("Rebuilt"))
        _status, _, body = fetch(server, f"/atlas/papers/{PAPER}/")
        assert b"Written in the vault." in body
        # Noticed as a save of the paper file: the notes-only rebuild, named as content/ names it.
        assert f"papers/{PAPER}.md: 1 of " in log[-1], log[-1]
    finally:
        server.stop()


def test_links_out_of_content_are_found_through_linked_directories_and_a_loop_ends(tmp_path):
    content, vault = tmp_path / "content", tmp_path / "vault"
    (content / "papers").mkdir(parents=True)
    (vault / "notes").mkdir(parents=True)
    (vault / "notes" / "x.md").write_text("x")
    (content / "papers" / "inside.md").symlink_to(content / "papers" / "nowhere.md")  # stays in content: watched
    (content / "linked").symlink_to(vault, target_is_directory=True)
    (vault / "back").symlink_to(vault, target_is_directory=True)  # a loop
    (vault / "notes" / "far.md").symlink_to(tmp_path / "far.md")
    assert watch_paths.links_out_of(content) == {
        vault: content / "linked",
        tmp_path / "far.md": content / "linked" / "notes" / "far.md",
    }


def test_a_link_in_content_to_a_directory_holding_the_project_is_not_followed(tmp_path):
    """A link to /, the home directory or a vault the project lives in:
    watched, the build's own writes to the output directory were a change in
    content/ (a rebuild after every rebuild, naming hundreds of output files),
    and / took a walk of every file system after each rebuild, then a watch
    the inotify limit refused (a traceback, the server not started)."""
    paths = make_project(tmp_path)
    (tmp_path / "vault").mkdir()
    (paths.content / "root").symlink_to("/", target_is_directory=True)
    (paths.content / "project").symlink_to(tmp_path, target_is_directory=True)
    (paths.content / "output").symlink_to(tmp_path / "_site", target_is_directory=True)  # no site yet: dangling
    (paths.content / "vault").symlink_to(tmp_path / "vault", target_is_directory=True)  # beside the project: followed
    preview = Preview(paths, log=lambda line: None)
    started = time.monotonic()
    assert preview.linked() == (tmp_path / "vault",)
    assert time.monotonic() - started < 5  # not a walk of /
    preview.notice_linked(tmp_path / "_site" / "index.html")
    assert preview._pending == set()


def test_a_linked_file_stays_watched_when_a_templates_dir_is_made_beside_it(tmp_path):
    """One directory watched twice, for a linked file in it and for a
    templates_dir to be made in it: watchdog keeps one watch for both, and
    unscheduling the second once the templates_dir was made took the first
    too, so a save of the linked file was no longer seen."""
    paths = make_project(tmp_path)
    (tmp_path / f"{PAPER}.md").write_bytes((paths.papers / f"{PAPER}.md").read_bytes())
    (paths.papers / f"{PAPER}.md").unlink()
    (paths.papers / f"{PAPER}.md").symlink_to(tmp_path / f"{PAPER}.md")
    site_yaml = paths.content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("templates_dir: ../theme\n", "templates_dir: ../made\n"))
    log: list[str] = []
    server = PreviewServer(paths, port=0, log=log.append)
    server.start()
    server.log = log
    try:
        assert {notice for directory, _all, notice in server._watched if directory == tmp_path} == {
            "notice_linked", "notice_awaited"}
        shutil.copytree(tmp_path / "theme", tmp_path / "made")
        wait_for_log(server, lambda line: line.startswith("Rebuilt"))
        deadline = time.monotonic() + EVENT_TIMEOUT
        while any(notice == "notice_awaited" for _dir, _all, notice in list(server._watched)):
            assert time.monotonic() < deadline, "the made templates_dir is still awaited"
            time.sleep(0.01)
        log.clear()
        saved = tmp_path / f"{PAPER}.md"
        saved.write_text(saved.read_text() + "\n## Notes\n\nWritten beside the theme.\n")
        wait_for_log(server, lambda line: line.startswith("Rebuilt"))
        _status, _, body = fetch(server, f"/atlas/papers/{PAPER}/")
        assert b"Written beside the theme." in body
    finally:
        server.stop()


def test_a_watch_the_system_refuses_is_a_warning_not_a_dead_server(tmp_path, monkeypatch):
    """inotify's watch limit, reached by a vault of many directories (or a
    directory gone between its check and its watch): the server started with
    a traceback, or, after a rebuild, its build thread died and no save
    rebuilt again."""
    import errno

    paths = make_project(tmp_path)
    vault, papers_vault = tmp_path / "vault\x1b[2K\u202e", tmp_path / "papers-vault"
    vault.mkdir()
    papers_vault.mkdir()
    (papers_vault / f"{PAPER}.md").write_bytes((paths.papers / f"{PAPER}.md").read_bytes())
    log: list[str] = []
    server = PreviewServer(paths, port=0, log=log.append)
    emitter = server.observer._emitter_class

    class Refused(emitter):
        def on_thread_start(self):
            if Path(self.watch.path) in (vault, papers_vault):
                raise OSError(errno.ENOSPC, "inotify watch limit reached")
            super().on_thread_start()

    monkeypatch.setattr(server.observer, "_emitter_class", Refused)
    (vault / "notes.md").write_text("the vault's own\n")
    (paths.content / "notes.md").symlink_to(vault / "notes.md")  # no file the build reads
    server.start()
    server.log = log
    try:
        assert [line for line in log if "not watched" in line] == [
            f"warning: {tmp_path}/vault\\x1b[2K\\u202e is not watched (inotify watch limit reached): "
            "saves there rebuild nothing"]
        (paths.papers / f"{PAPER}.md").unlink()
        (paths.papers / f"{PAPER}.md").symlink_to(papers_vault / f"{PAPER}.md")
        wait_for_log(server, lambda line: line.startswith("Rebuilt"))
        wait_for_log(server, lambda line: f"{papers_vault} is not watched" in line)
        log.clear()
        site_yaml = paths.content / "site.yaml"
        site_yaml.write_text(site_yaml.read_text().replace("title:", "title: Still", 1))
        wait_for_log(server, lambda line: line.startswith("Rebuilt"))
        assert not [line for line in log if "not watched" in line]  # said once, not tried again at each rebuild
    finally:
        server.stop()


def test_only_the_linked_files_of_a_vault_are_noticed(tmp_path):
    paths = make_project(tmp_path)
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / f"{PAPER}.md").write_bytes((paths.papers / f"{PAPER}.md").read_bytes())
    (paths.papers / f"{PAPER}.md").unlink()
    (paths.papers / f"{PAPER}.md").symlink_to(vault / f"{PAPER}.md")
    preview = Preview(paths, log=lambda line: None)
    assert preview.linked() == (vault / f"{PAPER}.md",)
    preview.notice_linked(vault / "a-note-of-the-vaults-own.md")
    assert preview._pending == set()
    preview.notice_linked(vault / f"{PAPER}.md")
    assert preview._pending == {preview.paths.papers / f"{PAPER}.md"}


@pytest.mark.parametrize(
    "name", ["sedAb12Cd", "4913", "x.md___jb_tmp___", "x.md___jb_old___", ".x.md.swp", "x.md~", "#x.md#"],
)
def test_an_editors_temp_file_is_no_change_to_name(tmp_path, name):
    preview = Preview(make_project(tmp_path), log=lambda line: None)
    preview.notice(preview.paths.papers / name)
    assert preview._pending == set()
    real = preview.paths.papers / "sedan-cars.md"  # a name like a temp file's, but a paper's
    preview.notice(real)
    assert preview._pending == {real}


def test_a_file_in_a_hidden_folder_is_no_change_but_in_public_well_known(tmp_path):
    # A notes app opened on content/papers rewrites .obsidian/workspace.json
    # at each click: each was a rebuild, and every open page reloaded.
    project = tmp_path / ".projects" / "atlas"  # hidden folders above the project are not noise
    project.mkdir(parents=True)
    preview = Preview(make_project(project), log=lambda line: None)
    content = preview.paths.content
    for noise in (content / "papers" / ".obsidian" / "workspace.json", content / ".git" / "objects" / "ab",
                  preview.paths.static / ".sass-cache" / "x.css", content / "public" / "drafts~" / "a.png"):
        preview.notice(noise)
        assert preview._pending == set(), noise
    published = content / "public" / ".well-known" / "security.txt"
    for change in (content / "papers" / f"{PAPER}.md", published):
        preview.notice(change)
    assert preview._pending == {content / "papers" / f"{PAPER}.md", published}


def test_a_second_server_on_one_content_directory_is_refused_until_the_first_stops(tmp_path):
    first, _log = start_server(tmp_path)
    paths = first.preview.paths
    try:
        with pytest.raises(SourceError) as info:
            PreviewServer(Paths(paths.content, tmp_path / "other-site"), port=0, log=lambda line: None)
        assert str(info.value) == (
            f"{paths.content}: another 'build.py serve' is already previewing this content directory "
            "(use that one, or stop it first (Ctrl+C in its terminal))"
        )
        assert not (tmp_path / "other-site").exists()
    finally:
        first.stop()
    second = PreviewServer(Paths(paths.content, tmp_path / "other-site"), port=0, log=lambda line: None)
    second.stop()


@pytest.mark.parametrize("argv, why, instead", [
    (["build", "--base-url", "/REPO/"],
     "a build now would write them under it, and the preview would serve the build's pages until restarted",
     "; while it runs it keeps its site as 'build' makes it, so no build is needed"),
    (["ingest"], "an ingest now would write paper files under it, each taking the other's writes for your edits",
     "; while it runs it ingests each digest you save, so no ingest is needed"),
    (["deploy", "--base-url", "https://user.github.io/REPO/", "--no-push"],
     "a deploy now would write them under it, and the preview would serve the deploy's pages until restarted",
     ", then deploy, and serve again"),
], ids=["build", "ingest", "deploy"])
def test_build_ingest_and_deploy_are_refused_while_a_preview_serves_the_content_directory(
    tmp_path, monkeypatch, capsys, argv, why, instead,
):
    """A build for another base URL swapped its site in under the preview,
    which went on serving pages whose every link was broken, saves or not."""
    import build as cli

    server, _log = start_server(tmp_path)
    paths = server.preview.paths
    # Where content/ and _site/ are the defaults, and no git checkout: a deploy let through publishes nothing.
    monkeypatch.chdir(tmp_path)
    try:
        site, papers = snapshot(paths.out), snapshot(paths.papers)
        capsys.readouterr()
        assert cli.main(argv) == 1
        assert capsys.readouterr().err == (
            "error: content: 'build.py serve' is previewing this content directory, writing the paper files and "
            f"its site as you save; {why} "
            f"(stop the preview first (Ctrl+C in its terminal){instead})\n"
            "Nothing was written; the previous site and your paper files are unchanged.\n"
        )
        assert (snapshot(paths.out), snapshot(paths.papers)) == (site, papers)
    finally:
        server.stop()
    assert cli.main(["ingest"]) == 0, "let through once the preview stops"


def test_two_builds_checking_for_a_preview_at_once_let_each_other_through(tmp_path):
    (tmp_path / "content").mkdir()
    checking = writer.lock_directory(tmp_path / "content", shared=True)  # another build, checking
    try:
        serve.check_not_previewed(tmp_path / "content", "build")
    finally:
        writer.unlock(checking)


def test_a_stopped_server_lets_go_of_its_content_directory_though_a_child_still_runs(tmp_path):
    """Forked children (the renderers) share the lock's descriptor: closing
    ours alone would leave the directory locked until the last child exits."""
    import signal

    content = tmp_path / "content"
    content.mkdir()
    lock = serve._lock_content(content)
    child = os.fork()
    if child == 0:  # a renderer still at work
        time.sleep(30)
        os._exit(0)
    try:
        serve.unlock(lock)
        serve.unlock(serve._lock_content(content))  # not refused
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)

def test_a_file_system_without_locks_does_not_stop_the_server(tmp_path, monkeypatch):
    import errno

    def no_locks(descriptor, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(writer.fcntl, "flock", no_locks)
    server = PreviewServer(make_project(tmp_path), port=0, log=lambda line: None)
    serve.check_not_previewed(server.preview.paths.content, "build")  # nor a build: there is no telling
    server.stop()


def test_where_a_link_leads_is_what_realpath_says_for_every_shape_of_link(tmp_path):
    (tmp_path / "vault" / "papers").mkdir(parents=True)
    (tmp_path / "vault" / "papers" / "x.md").write_text("x")
    (tmp_path / "elsewhere").symlink_to(tmp_path / "vault", target_is_directory=True)
    (tmp_path / "vault" / "chained.md").symlink_to(tmp_path / "vault" / "papers" / "x.md")
    links = tmp_path / "content" / "papers"
    links.mkdir(parents=True)
    shapes = {
        "relative.md": "../../vault/papers/x.md",
        "absolute.md": str(tmp_path / "vault" / "papers" / "x.md"),
        "through-a-linked-directory.md": "../../elsewhere/papers/x.md",
        "to-a-link.md": "../../vault/chained.md",
        "dot-dot": "../../vault/papers/..",
        "dangling.md": "../../vault/nowhere.md",
    }
    for name, target in shapes.items():
        (links / name).symlink_to(target)
    real_directories: dict[str, str] = {}
    for name in shapes:
        assert watch_paths.real_path(str(links / name), real_directories) == os.path.realpath(links / name), name


def test_a_link_that_cannot_be_followed_skips_only_itself_when_links_out_of_content_are_found(tmp_path):
    # DirEntry.is_dir raises for a link loop, one through a file, or one into
    # a directory the user may not search (only a missing target is False):
    # it ended the listing of its directory, and the links listed after it
    # were not watched.
    (tmp_path / "vault").mkdir()
    content = tmp_path / "content"
    content.mkdir()
    (content / "loop").symlink_to("loop")
    (tmp_path / "vault" / "other.md").write_text("x")
    (content / "through-a-file").symlink_to("../vault/other.md/..")
    for number in range(50):  # listed in no set order: most after the two
        (tmp_path / "vault" / f"{number}.md").write_text("x")
        (content / f"{number}.md").symlink_to(f"../vault/{number}.md")
    found = watch_paths.links_out_of(content)
    assert {content / f"{number}.md" for number in range(50)} <= set(found.values())


def test_a_note_giving_its_headings_other_ids_is_built_in_full_to_check_links_from_other_pages_to_them(tmp_path):
    """Saving notes changes their headings' ids, which a link elsewhere
    ([[this-paper#Setup]] in another paper's notes) may name. The
    notes-only rebuild checked the links of the saved notes alone: a
    heading renamed left the other note's link leading nowhere without a
    warning, and a heading added left its warning standing, until some
    other save rebuilt the site in full."""
    paths = make_project(tmp_path)
    note = paths.papers / f"{PAPER}.md"
    other = paths.papers / f"{sorted(paths.papers.glob('a-*.md'))[1].stem}.md"
    other.write_text(other.read_text() + f"\n## Notes\n\nSee [[{PAPER}#Setup]].\n")
    text = note.read_text()
    note.write_text(text + "\n## Notes\n\n## Setup\n\nA note.\n")
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    assert not any(line.startswith("warning: ") for line in log)
    note.write_text(text + "\n## Notes\n\n## Set-up\n\nA note.\n")
    assert preview.build(("paper",), (note,))
    assert any(line.startswith(f"warning: {other}:") and f"[[{PAPER}#Setup]]" in line for line in log), log
    note.write_text(text + "\n## Notes\n\n## Setup\n\nA note.\n")
    assert preview.build(("paper",), (note,))
    assert "No warnings now: the one above is gone" in log
    # A save that takes no heading's id away, without a warning standing, renders the page alone.
    note.write_text(text + "\n## Notes\n\n## Setup\n\nA note.\n\n## Data\n")
    assert preview.build(("paper",), (note,))
    assert preview.last.rendered == (f"papers/{PAPER}/index.html",)


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 on this machine")
def test_a_server_on_an_ipv6_address_serves_there_and_names_it_in_brackets(tmp_path):
    """`--host ::1` failed with "Address family for hostname not supported"
    (the server's socket was IPv4's), and an address printed without its
    brackets is none a browser opens."""
    paths = make_project(tmp_path)
    for host, opened in (("::1", "::1"), ("[::1]", "::1"), ("::", "::1")):
        server = PreviewServer(paths, host=host, port=0)
        try:
            port = server.http.server_address[1]
            assert server.url == f"http://[{opened}]:{port}/", host
            if host == "::":  # every address: IPv4's too, where the system lets a socket take both
                assert server.network_url is None or server.network_url.startswith("http://") and "[" not in \
                    server.network_url
        finally:
            server.stop()
    server = PreviewServer(paths, host="::1", port=0)
    server.start()
    try:
        assert server.url.startswith("http://[::1]:") and server.url.endswith("/atlas/")
        status, headers, _ = fetch(server, "/")
        assert (status, headers["Location"]) == (302, "/atlas/")
        status, _, page = fetch(server, "/atlas/")
        assert status == 200 and b"/__atlas/reload.js" in page
    finally:
        server.stop()


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 on this machine")
def test_a_host_name_is_listened_on_in_the_family_of_its_addresses(monkeypatch):
    """`--host NAME`, NAME having IPv6 addresses alone, was given to an IPv4
    socket, which could not listen on it; a name with both keeps IPv4's."""
    from http.server import BaseHTTPRequestHandler
    from site_builder.preview_http import bind

    resolve = socket.getaddrinfo
    names = {"atlas-v6.test": [("::1", socket.AF_INET6)], "atlas-both.test": [("::1", socket.AF_INET6),
                                                                                ("127.0.0.1", socket.AF_INET)]}

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in names:
            return resolve(host, port, *args, **kwargs)
        return [(family, socket.SOCK_STREAM, 6, "", (address, port, 0, 0) if family == socket.AF_INET6 else
                 (address, port)) for address, family in names[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    for name, family, address in (("atlas-v6.test", socket.AF_INET6, "::1"),
                                  ("atlas-both.test", socket.AF_INET, "127.0.0.1")):
        server = bind(name, 0, BaseHTTPRequestHandler)
        try:
            assert (server.address_family, server.server_address[0]) == (family, address), name
            assert host_allowed(f"{name}:8000", server.hosts) and not host_allowed("other.test", server.hosts)
        finally:
            server.server_close()


def test_a_server_on_every_address_names_one_to_open_here_and_one_for_other_devices(tmp_path):
    """`--host 0.0.0.0` (to look at the site on a phone) printed
    http://0.0.0.0:8000/, no address to open, and no other."""
    from site_builder.serve import _network_address

    paths = make_project(tmp_path)
    for host in ("0.0.0.0", "127.0.0.1"):
        server = PreviewServer(paths, host=host, port=0)
        try:
            port = server.http.server_address[1]
            assert server.url == f"http://127.0.0.1:{port}/"
            address = _network_address() if host == "0.0.0.0" else None
            assert server.network_url == (f"http://{address}:{port}/" if address else None), host
        finally:
            server.stop()
    assert _network_address() is None or not _network_address().startswith("127.")


# -- the server's children end with it, even killed ---------------------------

needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads processes from /proc")


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command's name; None once gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def _children(pid: int) -> dict[int, str]:
    """The processes whose parent is ``pid``: their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdecimal() and (stat := _stat(int(entry.name))) is not None and stat[1] == str(pid):
            with contextlib.suppress(OSError):
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    return found


def _gone_within(pids: Collection[int], seconds: float) -> set[int]:
    """Those of ``pids`` still running after ``seconds`` (a zombie is not)."""
    deadline = time.monotonic() + seconds
    while (running := {pid for pid in pids if (stat := _stat(pid)) is not None and stat[0] != "Z"}) and \
            time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in running:  # nothing left behind by a test that fails
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return running


@needs_proc
def test_a_server_killed_leaves_neither_node_nor_its_related_papers_process_running(tmp_path):
    """Killed (SIGKILL), the server has no chance to stop them: Node went on
    building an index for no one (seconds at 20,000 papers)."""
    paths = make_project(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # A Node that takes a minute over the index, so that one is running when the server is killed.
    (bin_dir / "slow.js").write_text(
        "const parse = JSON.parse;\n"
        "JSON.parse = (...args) => { const end = Date.now() + 60000; while (Date.now() < end); return parse(...args); };\n"
    )
    (bin_dir / "node").write_text(f'#!/bin/sh\nexec "{shutil.which("node")}" --require "{bin_dir / "slow.js"}" "$@"\n')
    (bin_dir / "node").chmod(0o755)
    server = subprocess.Popen(
        [sys.executable, "build.py", "serve", "--content", str(paths.content), "--out", str(paths.out),
         "--port", "0"],
        cwd=ROOT, env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    children: dict[int, str] = {}
    try:
        deadline = time.monotonic() + EVENT_TIMEOUT
        while not all(any(name in line for line in children.values())
                      for name in ("build_index.js", "site_builder.related_worker")):
            assert time.monotonic() < deadline and server.poll() is None, children
            time.sleep(0.1)
            children = _children(server.pid)
    finally:
        server.kill()
        server.wait()
    assert not _gone_within(children, 5.0), children


@needs_proc
def test_the_related_papers_process_ends_with_a_server_killed_while_another_child_holds_its_input(tmp_path):
    # The end of its input was its only sign, and a child the server forked
    # (the cache's save) holds that open: killed, the server left it waiting.
    script = (
        "import subprocess, sys\n"
        "from site_builder.related_worker import RelatedWorker\n"
        "related = RelatedWorker()\n"
        "worker = related._running()\n"
        "holder = subprocess.Popen(['sleep', '60'], pass_fds=[worker.stdin.fileno()])\n"
        "print(worker.pid, holder.pid, flush=True)\n"
        "sys.stdin.read()\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        worker, holder = map(int, parent.stdout.readline().split())
    finally:
        parent.kill()
        parent.wait()
    try:
        assert not _gone_within([worker], 5.0)
    finally:
        _gone_within([holder], 0)


def test_a_child_started_through_a_launcher_that_does_not_exec_it_runs_on():
    """On Windows a venv's python.exe starts the interpreter as a child of its
    own, so the related-papers process's parent is that launcher, not the
    server: it took that for its parent gone and ended at once."""
    from site_builder.children import child_environment

    script = "from site_builder.children import end_with_parent; import time; end_with_parent(); time.sleep(1); print('ran')"
    launched = subprocess.run(
        ["sh", "-c", f'"{sys.executable}" -c "{script}"; exit $?'], cwd=ROOT, env=child_environment(),
        capture_output=True, text=True, timeout=EVENT_TIMEOUT,
    )
    assert (launched.returncode, launched.stdout) == (0, "ran\n")
    # And it still ends once the process named is gone.
    gone = subprocess.Popen(["true"])
    gone.wait()
    launched = subprocess.run(
        ["sh", "-c", f'"{sys.executable}" -c "{script}"; exit $?'], cwd=ROOT,
        env={**child_environment(), "ATLAS_PARENT_PID": str(gone.pid)}, capture_output=True, text=True,
        timeout=EVENT_TIMEOUT,
    )
    assert (launched.returncode, launched.stdout) == (1, "")


@needs_proc
def test_a_child_ends_with_its_parent_killed_before_that_is_waited_for():
    # Until its own parent waits for it, a process killed is still there (a
    # zombie): a child that it started itself goes by its parent's change.
    child = ("from site_builder.children import end_with_parent; import time; end_with_parent(); "
             "print('watching', flush=True); time.sleep(60)")
    script = (
        "import subprocess, sys\n"
        "from site_builder.children import child_environment\n"
        f"print(subprocess.Popen([sys.executable, '-c', {child!r}], env=child_environment()).pid, flush=True)\n"
        "sys.stdin.read()\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        started = int(parent.stdout.readline())
        assert parent.stdout.readline() == "watching\n"
        parent.kill()
        assert not _gone_within([started], 5.0)
    finally:
        parent.wait()


def test_a_page_a_rename_takes_away_while_previewing_is_warned_of_until_its_old_address_is_kept(tmp_path):
    """Only the next `build` said that the renamed paper's old address now
    finds the 404 page: one who previews, then pushes for GitHub Actions to
    build, was never told. The preview says it, as that build would, for the
    pages of the site it started from."""
    paths = replace(make_project(tmp_path), cache=tmp_path / ".atlas-cache")
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    old, new = paths.papers / f"{PAPER}.md", paths.papers / "grammar-book.md"
    old.rename(new)
    assert preview.build(("paper",), (old, new))
    assert [line for line in log if line.startswith("warning: ")] == [
        f"warning: {paths.out}: 1 page the preview's first build wrote is gone from this one: /atlas/papers/{PAPER}/; "
        "a link or bookmark to it now finds the 404 page (to keep an address, list it under aliases: in the paper file, page "
        "of your own or topics.yaml topic now at another one, as docs/content.md's Old addresses says; a site not published "
        "yet has no such links)",
    ]
    new.write_text(new.read_text().replace("\n---\n", f"\naliases: [{PAPER}]\n---\n", 1))
    assert preview.build(("paper",), (new,))
    assert "No warnings now: the one above is gone" in log[-3:], log
    # A page the preview made and took back (a title half typed) is none the site had: nothing to say.
    said = len(log)
    digest = paths.digests / "2025-03-20.txt"
    digest.write_text("Daily Papers\n\nMar 20\n\nA Wholly New Preview Pap\n\nWe show previews rebuild.\n")
    assert preview.build(("digest",), (digest,))
    digest.write_text("Daily Papers\n\nMar 20\n\nA Wholly New Preview Paper\n\nWe show previews rebuild.\n")
    assert preview.build(("digest",), (digest,))
    assert not [line for line in log[said:] if line.startswith("warning: ")]


@pytest.mark.parametrize(("built_out", "written_by"), [
    ("_site", "the last build before the preview"),
    # The cache beside two output directories holds the last build of
    # either: of the other, the preview compared with nothing, never warning.
    ("other-site", "the preview's first build"),
], ids=["this-output", "another-output"])
def test_a_page_gone_while_previewing_is_said_to_be_one_the_build_before_the_preview_wrote(
    tmp_path, built_out, written_by,
):
    """With a `build` of its output directory before it, the preview compares
    with that build's pages, and says so; with none, with its own first
    build's (above), which it said the last build wrote too: a build there
    never was."""
    paths = replace(make_project(tmp_path), cache=tmp_path / ".atlas-cache")
    build(replace(paths, out=tmp_path / built_out))
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    old = paths.papers / f"{PAPER}.md"
    old.rename(paths.papers / "grammar-book.md")
    assert preview.build(("paper",), (old, paths.papers / "grammar-book.md"))
    assert [line.split(";")[0] for line in log if line.startswith("warning: ")] == [
        f"warning: {paths.out}: 1 page {written_by} wrote is gone from this one: /atlas/papers/{PAPER}/",
    ]


def test_a_paper_renamed_while_previewing_stays_where_topics_yaml_files_it_once_its_old_slug_is_kept(tmp_path):
    """topics.yaml's papers: name a paper by its file name: renamed, it leaves
    the topic, and comes back when its aliases: keep the old name, as in a
    clean build of the same files."""
    paths = make_project(tmp_path)
    topics = paths.content / "topics.yaml"
    topics.write_text(topics.read_text().replace("  - slug: agents\n", f"  - slug: agents\n    papers: [{PAPER}]\n", 1))
    log: list[str] = []
    preview = Preview(paths, log=log.append)
    assert preview.build()
    old, new = paths.papers / f"{PAPER}.md", paths.papers / "mtob.md"
    old.rename(new)
    assert preview.build(("paper",), (old, new))
    assert "\ntopics: [multilingual, evaluation]\n" in new.read_text()
    new.write_text(new.read_text().replace("\n---\n", f"\naliases: [{PAPER}]\n---\n", 1))
    assert preview.build(("paper",), (new,))
    assert "\ntopics: [agents, multilingual, evaluation]\n" in new.read_text()
    assert "is an old slug of 'mtob', kept under the aliases: of its file" in [
        line for line in log if line.startswith("warning: ")
    ][-1]
    preview.ensure("papers/mtob/index.html")
    assert 'href="/atlas/topics/agents/"' in preview.output.files["papers/mtob/index.html"].decode()
    preview.finish()
    clean = tmp_path / "clean"
    build(Paths(paths.content, clean), cache=None)
    assert snapshot(paths.out) == snapshot(clean)
