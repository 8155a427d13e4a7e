"""The preview server's HTTP side: which file a request gets, the live-reload
script and error overlay added to HTML as it is sent (never written to the
output directory), server-sent events for open pages, and binding the port."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import html
import ipaddress
import json
import mimetypes
import os
import re
import socket
import sys
import threading
from dataclasses import dataclass
from email.message import Message
from email.utils import formatdate, mktime_tz, parsedate_tz
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Collection
from urllib.parse import quote, unquote, urlsplit

from .errors import SourceError, shown_name

if TYPE_CHECKING:
    from .preview import Preview

# Reserved URL prefix for the server's own files; outside any base path, and a
# name no site page can take (page URLs never start with "__").
RESERVED = "/__atlas/"
CLIENT_FILES = Path(__file__).resolve().parent / "preview"
KEEPALIVE_SECONDS = 10.0
_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class PreviewState:
    version: int  # bumped after each successful build
    error: str | None  # the last build's error, while it stands
    base_path: str
    # Every base path a build of this server was made for: an address under
    # one from before base_url changed is the same page under the new one.
    earlier_bases: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Resolved:
    status: int
    file: Path | None = None
    location: str | None = None


def resolve_request(out_dir: Path, base_path: str, raw_path: str, earlier_bases: Collection[str] = ()) -> Resolved:
    """Map a request path to a file inside ``out_dir``, a redirect, or a refusal.

    Refuses ``..`` in any spelling (the path is decoded first, so ``%2e%2e``
    is caught too) and anything whose real path, after symlinks, is outside
    the output directory. An address found under none of it, but under the
    site's root or one of ``earlier_bases`` (from before base_url changed: an
    open tab reloading, a bookmark), redirects to the same page under
    ``base_path``, if there is one.

    The request's path is compared decoded, so the base path is too: a
    base_url of "/my%20atlas/" or "/π/" is asked for as "/my%20atlas/" and
    "/%CF%80/". A Location names it encoded, as a header holds ASCII alone.

    A path with an encoded slash (``%2F``) or an empty segment (``//``),
    which no file's path is spelt with, redirects to its file's own address,
    as if written with "/" and no empty segment: served at the other, a
    page's relative links (a note's ``![me](me.jpg)``) led elsewhere.
    """
    base_path = unquote(base_path)
    parts = urlsplit(raw_path)
    # Without empty segments: a Location of "//x/" would send the browser to the host x.
    decoded, query = _decoded(parts.path), f"?{parts.query}" if parts.query else ""
    if any(s in (".", "..") for s in unquote(parts.path).split("/")) or "\\" in decoded or "\0" in decoded:
        return Resolved(HTTPStatus.FORBIDDEN)
    resolved = _resolve_decoded(out_dir, base_path, decoded, query, earlier_bases)
    if resolved.status == HTTPStatus.OK and ("%2f" in parts.path.lower() or decoded != unquote(parts.path)):
        return Resolved(HTTPStatus.MOVED_PERMANENTLY, location=quote(decoded) + query)
    return resolved


def _decoded(path: str) -> str:
    """A request's path decoded, without empty segments: "/a%2Fb" and "/a//b" are "/a/b"."""
    return re.sub("/{2,}", "/", unquote(path))


def _resolve_decoded(out_dir: Path, base_path: str, decoded: str, query: str,
                     earlier_bases: Collection[str]) -> Resolved:
    if decoded in ("", "/", base_path.rstrip("/")) and decoded != base_path:
        return Resolved(HTTPStatus.FOUND, location=quote(base_path) + query)
    resolved = _resolve(out_dir, base_path, decoded, query)
    if resolved.status != HTTPStatus.NOT_FOUND:
        return resolved
    # The longest first: under /a/b/ and then /a/, /a/b/x is the page x.
    for earlier in sorted({"/", *map(unquote, earlier_bases)} - {base_path}, key=len, reverse=True):
        if decoded + "/" == earlier:  # the earlier home page, written without its slash
            return Resolved(HTTPStatus.FOUND, location=quote(base_path) + query)
        if not decoded.startswith(earlier):
            continue
        moved = base_path + decoded[len(earlier):]
        if _resolve(out_dir, base_path, moved).status in (HTTPStatus.OK, HTTPStatus.MOVED_PERMANENTLY):
            return Resolved(HTTPStatus.FOUND, location=quote(moved) + query)
    return resolved


def _resolve(out_dir: Path, base_path: str, decoded: str, query: str = "") -> Resolved:
    if not decoded.startswith(base_path):
        return Resolved(HTTPStatus.NOT_FOUND)
    target = out_dir.joinpath(*(s for s in decoded[len(base_path):].split("/") if s))
    # os.path's checks, not Path's: Path.is_dir raises ENAMETOOLONG (a segment
    # past 255 bytes) instead of answering False, and the request went unanswered.
    if os.path.isdir(target) and not decoded.endswith("/"):
        return Resolved(HTTPStatus.MOVED_PERMANENTLY, location=quote(decoded + "/") + query)
    if decoded.endswith("/"):
        # Even where a file has the name: a static host answers /index.html/
        # with 404, and served, its relative links would resolve under it.
        target = target / "index.html"
    real = Path(os.path.realpath(target))
    root = Path(os.path.realpath(out_dir))
    if real != root and root not in real.parents:
        return Resolved(HTTPStatus.FORBIDDEN)
    if not os.path.isfile(real):
        return Resolved(HTTPStatus.NOT_FOUND)
    return Resolved(HTTPStatus.OK, file=real)


def requested_outputs(base_path: str, raw_path: str) -> tuple[str, ...]:
    """The output paths a request may be served from: ``a/b`` and
    ``a/b/index.html`` (which :func:`resolve_request` then checks)."""
    decoded, base_path = _decoded(urlsplit(raw_path).path), unquote(base_path)
    if not decoded.startswith(base_path):
        return ()
    relative = decoded[len(base_path):]
    if relative == "" or relative.endswith("/"):
        return (relative + "index.html",)
    return (relative, relative + "/index.html")


def byte_range(header: str | None, size: int) -> range | None:
    """The bytes of a file of ``size`` bytes that a ``Range`` header asks for:
    None for the whole file (no header, or one to ignore: another unit, a
    syntax error, or several ranges, which a 200 of the whole file answers as
    HTTP allows); an empty range when none of them is in the file (416).
    A video or audio file embedded in a note seeks by asking for ranges, and
    Safari plays no video from a server that ignores them."""
    if header is None:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = (part.strip() for part in spec.partition("-"))
    if not dash or not (first or last) or not all(_digits(part) for part in (first, last) if part):
        return None
    if not first:  # "-n": the last n bytes
        if int(last) and not size:
            # Of an empty file, satisfiable (RFC 9110, 14.1.2: a zero-length
            # representation's only satisfiable range), but no Content-Range
            # can name none of its bytes: the whole of it, as 14.2 allows.
            return None
        return range(max(size - int(last), 0), size) if int(last) else range(0)
    if last and int(last) < int(first):
        return None
    return range(int(first), min(int(last) + 1, size) if last else size)


def hosts_answered(named: str, address: str) -> frozenset[str] | None:
    """The names a server listening on ``address`` (``named`` by ``--host``)
    answers requests for, besides localhost and addresses; None: any.

    Listening on a loopback address, only its own: a page on any site could
    give its own name this machine's address (DNS rebinding), and its script,
    same-origin to the browser, read every page of the preview. On every
    address, or a name of the network's, it is there to be opened by other
    names (a phone on the network), as another server would be."""
    try:
        loopback = ipaddress.ip_address(address.partition("%")[0]).is_loopback
    except ValueError:
        loopback = False
    return frozenset({named.lower().rstrip(".")}) if loopback else None


def host_allowed(host: str | None, names: frozenset[str] | None) -> bool:
    """Whether a request's Host header is one :func:`hosts_answered` allows:
    with ``names``, localhost and its subdomains (RFC 6761 keeps them on this
    machine), an address (no name, so nothing rebound), or one of ``names``,
    at any port. A request with no Host is no browser's."""
    if names is None or host is None:
        return True
    name = host_name(host)
    return name == "localhost" or name.endswith(".localhost") or _is_address(name) or name in names


def host_name(host: str) -> str:
    """The name (or address) in a Host header: without its port, brackets or final dot, in lower case."""
    host = host.strip().lower()
    if host.startswith("["):  # an IPv6 address, as a URL writes it
        return host[1:].partition("]")[0]
    name, colon, port = host.rpartition(":")
    return (name if colon and _digits(port) else host).rstrip(".")


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.partition("%")[0])
    except ValueError:
        return False
    return True


def validators(stat: os.stat_result, injected: PreviewState | None) -> dict[str, str]:
    """The headers naming the version of a file sent, which a browser asks
    again with (If-None-Match, If-Modified-Since, If-Range).

    The ETag is the file's inode, time and size, as Apache's: a rebuild
    writes a file it changes anew. A page is sent with the reload script and
    overlay of ``injected``, the state it is sent in, so its tag names that
    too, and it has no Last-Modified: a rebuild that leaves the page's file
    as it was changes the version in it, and a date of the file alone would
    have it answered 304 for the copy of before, which reloads for ever."""
    tag = f"{stat.st_ino:x}-{stat.st_mtime_ns:x}-{stat.st_size:x}"
    if injected is None:
        return {"ETag": f'"{tag}"', "Last-Modified": formatdate(stat.st_mtime, usegmt=True)}
    error = "" if injected.error is None else "-" + hashlib.blake2b(injected.error.encode(), digest_size=8).hexdigest()
    return {"ETag": f'"{tag}-{injected.version}{error}"'}


def not_modified(headers: Message, sent: dict[str, str]) -> bool:
    """Whether a GET or HEAD with these headers is answered 304 for a file
    sent with the validators ``sent``: If-None-Match naming its tag (or
    "*"), compared weakly; without it, If-Modified-Since not before its
    Last-Modified (RFC 9110, 13.2.2)."""
    tags = headers["If-None-Match"]
    if tags is not None:
        asked = {tag.strip().removeprefix("W/") for tag in tags.split(",")}
        return "*" in asked or sent["ETag"] in asked
    since, modified = _http_date(headers["If-Modified-Since"]), _http_date(sent.get("Last-Modified"))
    return since is not None and modified is not None and modified <= since


def range_still_wanted(if_range: str | None, sent: dict[str, str]) -> bool:
    """Whether a Range is answered: with no If-Range, or one naming the
    file's tag as it is (strong comparison: a weak tag never does). A date
    is taken for none: the file may have been written twice in its second,
    and a range of the new one joined to the old would be neither
    (RFC 9110, 13.1.5). Else the whole file is sent."""
    return if_range is None or if_range.strip() == sent.get("ETag")


def _http_date(text: str | None) -> int | None:
    parsed = parsedate_tz(text) if text else None
    return None if parsed is None else mktime_tz(parsed)


def _digits(text: str) -> bool:
    return text.isascii() and text.isdecimal()  # not str.isdecimal alone, which takes "٣" for 3


def inject(page: bytes, state: PreviewState) -> bytes:
    """Add the reload script, and the error overlay while a build error stands."""
    overlay = ""
    if state.error is not None:
        overlay = (
            f'<div id="atlas-preview-error" role="alert"><p>{_error_heading(state)}</p>'
            f"<pre>{html.escape(state.error)}</pre></div>"
        )
    snippet = (
        f'<link rel="stylesheet" href="{RESERVED}overlay.css">{overlay}'
        f'<script src="{RESERVED}reload.js" data-version="{state.version}" '
        f'data-events="{RESERVED}events"></script>'
    ).encode("utf-8")
    at = page.lower().rfind(b"</body>")
    return page + snippet if at < 0 else page[:at] + snippet + page[at:]


def _error_heading(state: PreviewState) -> str:
    if state.version == 0:
        return "The build failed; save a fix and this page shows the site."
    return "The last build failed; showing the last good site."


def _content_type(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    textual = kind.startswith("text/") or kind.endswith(("javascript", "json", "xml", "+xml"))
    return f"{kind}; charset=utf-8" if textual else kind


_MISSING_404 = b"<!doctype html><title>Not found</title><h1>Not found</h1></body>"
_NOT_BUILT = (
    b'<!doctype html><meta name="viewport" content="width=device-width,initial-scale=1"><title>Build failed</title>'
    b"<style>:root{color-scheme:light dark}body{font:1rem/1.5 system-ui,sans-serif;margin:2rem 1.25rem}</style>"
    b"<h1>Nothing to show until the site builds</h1>"
    b"<p>The preview server has not built this site yet: its first build failed (below).</p></body>"
)


_REBINDING = "a web page could give its own name this machine's address and read the preview (DNS rebinding)"
_OPEN_BY_NAME = (
    "serve with --host {name} if this machine has that name, else with --host 0.0.0.0 (which shows it on your "
    "network, under any name)"
)
_OTHER_HOST = (
    "This preview server answers only for this machine's own names (localhost, 127.0.0.1, [::1]), not {host}: "
    f"{_REBINDING}.\n"
    f"To open it by that name, {_OPEN_BY_NAME}.\n"
)
# Said in the terminal too, where one who forwarded the port (a container's,
# Codespaces', an SSH tunnel's under another name) looks, seeing only 403s;
# the name may be a hostile page's too, so the advice is for one who opened it.
_OTHER_HOST_SAID = (
    f"warning: refused requests for {{name}}, no name of this machine's: {_REBINDING}. If you opened the preview "
    f"by that name (a port forwarded from a container, Codespaces or an SSH tunnel), {_OPEN_BY_NAME}"
)
# A page that rebinds a name of its own for each request says no more than this.
_OTHER_HOSTS_SAID = 10


def make_handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class PreviewHandler(BaseHTTPRequestHandler):
        server_version = "PaperAtlasPreview"

        def do_GET(self) -> None:
            self._respond(send_body=True)

        def do_HEAD(self) -> None:
            self._respond(send_body=False)

        def _not_allowed(self) -> None:
            """A method HTTP defines but a static site has nothing for: 405,
            naming the ones it has. http.server answers 501 Not Implemented
            to a method without a do_ method, which is right only for one
            unknown to HTTP (a made-up one still gets it)."""
            self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"method not allowed\n", "text/plain; charset=utf-8",
                       True, {"Allow": "GET, HEAD"})

        do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

        def _respond(self, send_body: bool) -> None:
            host = self.headers["Host"]
            if not host_allowed(host, self.server.hosts):  # type: ignore[attr-defined]
                name = host_name(host)
                if self.server.first_refused(name):  # type: ignore[attr-defined]
                    preview.log(_OTHER_HOST_SAID.format(name=shown_name(name)))
                refusal = _OTHER_HOST.format(host=host, name=name).encode("utf-8")
                self._send(HTTPStatus.FORBIDDEN, refusal, "text/plain; charset=utf-8", send_body)
                return
            path = urlsplit(self.path).path
            if path.startswith(RESERVED):
                self._reserved(path[len(RESERVED):], send_body)
                return
            state = preview.state
            if state.version == 0 and state.error is not None:
                # Nothing built yet: what the output directory holds is not
                # this content's site (and may be built for another base URL).
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, inject(_NOT_BUILT, state), "text/html; charset=utf-8",
                           send_body)
                return
            outputs = requested_outputs(state.base_path, self.path)
            for relative in outputs:
                preview.ensure(relative)
            state = preview.state  # with the error, if rendering the page failed
            resolved = resolve_request(preview.paths.out, state.base_path, self.path, state.earlier_bases)
            if resolved.status == HTTPStatus.NOT_FOUND and preview.restore((*outputs, "404.html")):
                resolved = resolve_request(preview.paths.out, state.base_path, self.path, state.earlier_bases)
            if resolved.location is not None:
                self._send(resolved.status, b"", "text/plain; charset=utf-8", send_body,
                           {"Location": resolved.location})
            elif resolved.status == HTTPStatus.FORBIDDEN:
                self._send(resolved.status, b"forbidden\n", "text/plain; charset=utf-8", send_body)
            elif resolved.file is not None and self._send_file(resolved.file, HTTPStatus.OK, state, send_body):
                pass
            else:
                preview.ensure("404.html")
                not_found = preview.paths.out / "404.html"
                if not self._send_file(not_found, HTTPStatus.NOT_FOUND, state, send_body):
                    self._send(HTTPStatus.NOT_FOUND, inject(_MISSING_404, state),
                               "text/html; charset=utf-8", send_body)

        def _send_file(self, path: Path, status: int, state: PreviewState, send_body: bool) -> bool:
            kind = _content_type(path)
            try:
                file = path.open("rb")
            except OSError:  # replaced or removed by a rebuild since it was resolved
                return False
            with file:
                stat = os.fstat(file.fileno())
                page = kind.startswith("text/html")
                sent = validators(stat, state if page else None) if status == HTTPStatus.OK else {}
                if sent and not_modified(self.headers, sent):
                    self._send_head(HTTPStatus.NOT_MODIFIED, None, None, sent)
                elif page:  # whole, Range or not: the reload script goes into it
                    self._send(status, inject(file.read(), state), kind, send_body, sent)
                else:
                    self._send_range(file, stat.st_size, status, kind, send_body, sent)
            return True

        def _send_range(self, file: BinaryIO, size: int, status: int, kind: str, send_body: bool,
                        sent: dict[str, str]) -> None:
            """The bytes of ``file`` a Range header asks for (206), or all of them."""
            headers = {"Accept-Ranges": "bytes", **sent}
            wanted = None
            if status == HTTPStatus.OK and range_still_wanted(self.headers["If-Range"], sent):
                wanted = byte_range(self.headers["Range"], size)
            if wanted is None:
                wanted = range(size)
            elif not wanted:
                self._send(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, b"", "text/plain; charset=utf-8", send_body,
                           {**headers, "Content-Range": f"bytes */{size}"})
                return
            else:
                status = HTTPStatus.PARTIAL_CONTENT
                headers["Content-Range"] = f"bytes {wanted.start}-{wanted.stop - 1}/{size}"
            self._send_head(status, kind, len(wanted), headers)
            if not send_body:
                return
            # In pieces: a video of hundreds of MB is not read into memory whole.
            file.seek(wanted.start)
            left = len(wanted)
            while left and (chunk := file.read(min(left, _CHUNK_BYTES))):
                self.wfile.write(chunk)
                left -= len(chunk)

        def _reserved(self, name: str, send_body: bool) -> None:
            if name == "events":
                self._events(send_body)
            elif name in ("reload.js", "overlay.css"):
                self._send_file(CLIENT_FILES / name, HTTPStatus.OK, preview.state, send_body)
            else:
                self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8", send_body)

        def _events(self, send_body: bool) -> None:
            """Server-sent events: the state now, then each time it changes."""
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if not send_body:
                return  # HEAD: the headers alone, as for a file (the stream never ends)
            seen: PreviewState | None = None
            try:
                self.wfile.write(b"retry: 1000\n\n")
                while True:
                    state = preview.wait_for_state(seen, KEEPALIVE_SECONDS)
                    if state is None:
                        return
                    if state == seen:
                        self.wfile.write(b": keepalive\n\n")
                    else:
                        payload = json.dumps({"version": state.version, "error": state.error})
                        self.wfile.write(f"event: state\ndata: {payload}\n\n".encode("utf-8"))
                        seen = state
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return  # the tab was closed or reloaded

        def _send(self, status: int, body: bytes, kind: str, send_body: bool,
                  headers: dict[str, str] | None = None) -> None:
            self._send_head(status, kind, len(body), headers or {})
            if send_body:
                self.wfile.write(body)

        def _send_head(self, status: int, kind: str | None, length: int | None, headers: dict[str, str]) -> None:
            """``kind`` and ``length`` None: a 304, which has neither."""
            self.send_response(status)
            if kind is not None and length is not None:
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(length))
            self.send_header("Cache-Control", "no-cache")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass  # the terminal is for rebuilds and errors, not one line per request

    return PreviewHandler


# -- running ----------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Room for a burst of connections (many tabs, a load test) before accept().
    request_queue_size = 256
    hosts: frozenset[str] | None = None  # see hosts_answered

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._refused: set[str] = set()  # the names requests were refused for, as said
        self._refused_lock = threading.Lock()

    def first_refused(self, name: str) -> bool:
        """Whether ``name`` is one a request is refused for the first time,
        to say in the terminal once, not for each of a page's files (or none,
        past the first few names, or a request with an empty Host)."""
        with self._refused_lock:
            if not name or name in self._refused or len(self._refused) >= _OTHER_HOSTS_SAID:
                return False
            self._refused.add(name)
            return True

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        # A reload or a closed tab stops a page mid-send: no traceback in the
        # terminal for that, which is for rebuilds and errors.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Server6(_Server):
    """On an IPv6 address (``--host ::1``): the IPv4 server's socket cannot
    take one. On ``::``, every address, IPv4's too where the system allows."""

    address_family = socket.AF_INET6

    def server_bind(self) -> None:
        if self.server_address[0] == "::":
            with contextlib.suppress(OSError, AttributeError):  # AttributeError: a system without the option
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def bind(host: str, port: int, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    host = host.removeprefix("[").removesuffix("]")  # "[::1]", as a URL writes it
    try:
        family, address = _listening_address(host, port)
        server = (_Server6 if family == socket.AF_INET6 else _Server)(address, handler)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise SourceError(
                f"port {port} on {host} is already in use", "--port",
                hint="stop the other server or pass another --port",
            ) from None
        raise SourceError(f"cannot listen on {host_and_port(host, port)}: {error.strerror}", "--host") from None
    server.hosts = hosts_answered(host, server.server_address[0])
    return server


def _listening_address(host: str, port: int) -> tuple[int, tuple]:
    """The family and socket address ``--host`` names: its IPv4 address
    where it has one, as before, else its first. Told apart by a colon in it
    alone, a name with only IPv6 addresses (Debian's ip6-localhost) was given
    to an IPv4 socket, which found it no address to listen on."""
    found = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, _kind, _protocol, _name, address = next((one for one in found if one[0] == socket.AF_INET), found[0])
    return family, address


def host_and_port(host: str, port: int) -> str:
    """``host:port`` as a URL writes it: an IPv6 address in brackets, and
    the ``%`` before a link-local address's interface as ``%25``."""
    return f"[{host.replace('%', '%25')}]:{port}" if ":" in host else f"{host}:{port}"
