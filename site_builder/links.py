"""Links in what you wrote (notes, papers and pages of your own) that lead to
no page or file of the site: a mistyped paper address, a page renamed, or
the base path written in by hand ("/atlas/papers/x/", which the build puts
under /atlas/ again). Warnings, as MkDocs gives them: the site still builds."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Callable, Collection, Iterable
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

from .errors import SourceError
from .markup import ADDRESS, has_scheme
from .search import is_search_file


def links_to_nowhere(
    base_path: str,
    written: Iterable[tuple[str, str, Path]],
    outputs: Callable[[], Collection[str]],
    read: Callable[[Path], str],
    site_url: str | None = None,
) -> tuple[SourceError, ...]:
    """A warning for each address in ``written`` (each: the page's URL from
    the site's root, the HTML shown there, the file it was written in) that
    is none of ``outputs()`` (the site's files, by path) once resolved against
    its page; at the line of the file that has it (``read``: the file's text).
    ``site_url``: the site's full URL, when base_url gives one; an address
    written in full with it is checked as the same address from the root."""
    warnings: list[SourceError] = []
    # Made at the first address on the site, if any: the set of every output
    # (tens of thousands of paths) is no cost to notes that link elsewhere
    # alone, as the preview's saved note mostly does.
    known: Collection[str] | None = None
    # Decoded, as each address is: base_url "/my%20atlas/" is the folder
    # "my atlas", which no decoded address starts with as written.
    base = unquote(base_path)
    # Where each file's search for an address goes on from: an address linked
    # twice is warned of at each of its lines, not twice at the first.
    searched_to: dict[tuple[Path, str], int] = {}
    # Each address resolved as a browser resolves it, against its page's full
    # URL. A site known by its path alone gets a host no address can name
    # (.invalid is reserved for that), so only its own addresses lead there.
    origin = site_url or f"http://site.invalid{base_path}"
    site = urlsplit(origin)
    for url, fragment, path in written:
        for found in ADDRESS.finditer(fragment):
            reference = html.unescape(found.group(2))
            if not reference or reference.startswith("#"):
                continue
            resolved = urlsplit(urljoin(origin + url, reference))
            target = unquote(resolved.path)
            if has_scheme(reference) or reference.startswith("//"):
                # Written in full: checked only where it is this site's, not
                # elsewhere on its host (a GitHub Pages user's other projects).
                if not _same_host(resolved, site) or not (target + "/").startswith(base):
                    continue
                if target + "/" == base:
                    target = base  # "https://user.github.io/repo": servers add the slash
            known = outputs() if known is None else known
            if _leads_somewhere(target, base, known):
                continue
            # As written: a link from the root got the base path in front of it.
            as_written = reference[len(base_path) - 1:] if reference.startswith(base_path) else reference
            doubled = base != "/" and unquote(as_written).startswith(base)
            hint = (
                f"write {unquote(as_written)[len(base) - 1:]!r}: the build puts the base path {base_path} in front "
                "of a link from the site's root" if doubled else
                "a paper's page is /papers/<its file name>/, a page of yours /<its file name>/, "
                "a file of content/public/ at its path there; a draft has none until it is published"
            )
            line, searched_to[path, as_written] = _line_with(
                read(path), as_written, searched_to.get((path, as_written), 0),
            )
            warnings.append(SourceError(
                f"link to {as_written!r} leads to no page or file of the site", path, line, hint=hint,
            ))
    return tuple(warnings)


def _same_host(address: SplitResult, site: SplitResult) -> bool:
    """Whether ``address`` is on the site's host, over http or https alike
    (GitHub Pages sends the one to the other)."""
    try:
        return address.scheme in ("http", "https") and (address.hostname, address.port) == (site.hostname, site.port)
    except ValueError:  # a port that is no number: no address of the site's
        return False


def _leads_somewhere(target: str, base_path: str, outputs: Collection[str]) -> bool:
    if not target.startswith(base_path):
        return False  # out of the site: "../../.." from a page near its root
    relative = target[len(base_path):]
    if is_search_file(relative):
        return True  # written after the check: its names are not known yet
    if relative == "" or relative.endswith("/"):
        return f"{relative}index.html" in outputs
    # A folder without its slash: servers, GitHub Pages' too, add it.
    return relative in outputs or f"{relative}/index.html" in outputs


def _line_with(text: str, address: str, start: int) -> tuple[int | None, int]:
    """The first line of ``text`` from ``start`` on (else from its beginning)
    that holds ``address`` as a link's, as written or decoded, and where the
    next search for it starts. As a link's: after "(", "<" or a space, so not
    the end of another address ("https://huggingface.co/papers/x" in the
    front matter's links for a note's "/papers/x"), and best where it ends,
    so not the start of another ("/papers/x" of "/papers/x-2/")."""
    for end in (r"(?=[)>\s\"'.,;:!?]|$)", ""):
        for wanted in dict.fromkeys((address, unquote(address))):
            linked = re.compile(r"(?<=[(<\s])" + re.escape(wanted) + end)
            found = linked.search(text, start) or linked.search(text)
            if found is not None:
                return text.count("\n", 0, found.start()) + 1, found.end()
    return None, start
