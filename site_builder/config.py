"""Site configuration: ``content/site.yaml``. Every default lives here."""

from __future__ import annotations

import difflib
import ipaddress
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path, PurePosixPath
from typing import Any, Collection
from urllib.parse import SplitResult, quote, urlsplit

from .errors import SourceError, exists_or_links
from .yamlsource import load_yaml_mapping

# An address that is not a site path, left as it is (as Hugo's relURL
# leaves it): one with a scheme ("https:", "mailto:") or "//host". RFC 3986
# lets no relative path have a colon in its first segment, for this reason.
ABSOLUTE_ADDRESS = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:|//")


@dataclass(frozen=True)
class SiteConfig:
    title: str = "Paper Atlas"
    description: str = "Machine-learning papers from daily digests, by topic and date."
    # Where the site is served: a path ("/atlas/") or a full URL
    # ("https://user.github.io/atlas/"). Links are built from its path; feeds and
    # canonical links need the full URL.
    base_url: str = "/"
    language: str = "en"
    # Used when neither a digest's date line nor its file name gives a year.
    digest_year: int | None = None
    # A directory whose templates replace the built-in ones of the same name.
    templates_dir: Path | None = None
    # How many digest dates the home page lists.
    home_recent_dates: int = 8
    # Custom domain for GitHub Pages: written to CNAME on deploy.
    domain: str | None = None
    # Where the content directory opens in the repository's web editor
    # ("https://github.com/USER/REPO/edit/main/content/"): a paper's page links
    # its file there, to write notes from a phone as from a desk.
    edit_url: str | None = None
    # The picture a link to the site shows where it is shared (a chat, a
    # social post): a file of content/public/ ("social.png") or an https address.
    image: str | None = None

    @property
    def base_path(self) -> str:
        path = urlsplit(self.base_url).path or "/"
        return "/" + path.strip("/") + "/" if path.strip("/") else "/"

    @property
    def absolute_base(self) -> str | None:
        """The full site URL with a trailing slash, when base_url has a host."""
        parts = urlsplit(self.base_url)
        if not parts.scheme or not parts.netloc:
            return None
        return f"{parts.scheme}://{parts.netloc}{self.base_path}"

    @property
    def image_url(self) -> str | None:
        """The image's full URL, which a site showing a shared link fetches
        from anywhere: a file of content/public/ has one only when base_url
        has a host."""
        if self.image is None or ABSOLUTE_ADDRESS.match(self.image):
            return self.image
        return self.absolute_base and self.absolute_base + quote(self.image, safe="/!$&'()*+,;=:@~")


_TYPES: dict[str, type] = {
    "title": str, "description": str, "base_url": str, "language": str,
    "digest_year": int, "templates_dir": str, "home_recent_dates": int, "domain": str,
    "edit_url": str, "image": str,
}


def _as_whole_number(value: Any) -> int | None:
    """The whole number a value YAML did not read as one stands for: 1e3
    (a string to YAML 1.1, which wants 1.0e+3) or 30.0; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (str, float)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() and abs(number) < 1e15 else None


def parse_config(data: dict[str, Any], lines: dict[str, int], path: Path) -> SiteConfig:
    known = {f.name for f in fields(SiteConfig)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = lines.get(key)
        if key not in known:
            guess = difflib.get_close_matches(str(key), known, n=1)
            raise SourceError(
                f"unknown setting {key!r}", path, line,
                hint=(f"did you mean {guess[0]!r}? " if guess else "") + f"known settings: {', '.join(sorted(known))}",
            )
        expected = _TYPES[key]
        if value is None:
            continue
        if not isinstance(value, expected) or isinstance(value, bool):
            quoted_number = expected is int and isinstance(value, str) and value.strip().isascii() and value.strip().isdigit()
            whole = _as_whole_number(value) if expected is int else None
            # YAML reads no, yes, on and off as true or false: language: no (Norwegian) among them.
            hint = (f"remove the quotes: {key}: {value.strip()}" if quoted_number
                    else f"write it in digits: {key}: {whole}" if whole is not None
                    else f"put it in quotes: {key}: '…'" if expected is str else "")
            raise SourceError(
                f"{key} must be {'a whole number' if expected is int else 'text'}, not {value!r}", path, line, hint=hint,
            )
        values[key] = value
    for key in ("title", "description"):
        if key in values:
            # One line in the header, a meta description and a feed's subtitle.
            values[key] = one_line_text(values[key])
    if "title" in values and not values["title"]:
        raise SourceError(
            "title must not be blank", path, lines.get("title"),
            hint="write the site's name, e.g. title: Paper Atlas, or remove the line for that default",
        )
    if "language" in values and not _LANGUAGE_TAG.fullmatch(values["language"]):
        raise SourceError(
            f"language {values['language']!r} is not a language tag", path, lines.get("language"),
            hint="write a tag such as en, en-GB or de: it becomes the pages' lang attribute",
        )
    if "templates_dir" in values:
        templates_dir = (path.parent / values["templates_dir"]).resolve()
        if not templates_dir.is_dir():
            # Otherwise a typo in the path silently builds with the built-in templates.
            raise SourceError(
                f"templates_dir {values['templates_dir']!r} is not a directory", path,
                lines.get("templates_dir"), hint="the path is relative to site.yaml",
            )
        values["templates_dir"] = templates_dir
    if "base_url" in values:
        values["base_url"] = check_base_url(values["base_url"], path, lines.get("base_url"))
    for key, (low, high, hint) in _RANGES.items():
        if key in values and not low <= values[key] <= high:
            raise SourceError(f"{key} must be from {low} to {high}, not {values[key]}", path, lines.get(key), hint=hint)
    if "domain" in values and not _HOST.fullmatch(values["domain"]):
        raise SourceError(
            f"domain {values['domain']!r} is not a host name", path, lines.get("domain"),
            hint="write the name alone, e.g. papers.example.org: it goes into GitHub Pages' CNAME file",
        )
    if "edit_url" in values:
        values["edit_url"] = check_edit_url(values["edit_url"], path, lines.get("edit_url"))
    if "image" in values and ABSOLUTE_ADDRESS.match(values["image"]):
        # A file of content/public/ is checked as the build finds what it publishes.
        check_image_address(values["image"], path, lines.get("image"))
    return SiteConfig(**values)


_IMAGE_HINT = "name a file of content/public/, such as image: social.png, or a picture's https:// address"


def check_image_address(value: str, path: Path, line: int | None) -> None:
    """An https address a social site can fetch: not http (which Facebook
    and X fetch only as a second choice, or refuse), nor one a page's
    attribute would have to escape."""
    try:
        parts = urlsplit(value)
        usable = (parts.scheme.lower() == "https" and parts.username is None and _is_host(parts.hostname or "")
                  and _port(parts) is not None and not parts.fragment
                  and all(_URL_PATH.fullmatch(part) for part in (parts.path, parts.query.replace("?", "/"))))
    except ValueError:  # "https://[user].github.io/"
        usable = False
    if not usable:
        raise SourceError(f"image {value!r} is not an https address of a picture", path, line, hint=_IMAGE_HINT)


def image_findings(
    config: SiteConfig, site_yaml: Path, published: Collection[str],
) -> tuple[tuple[SourceError, ...], tuple[SourceError, ...]]:
    """The errors and warnings of ``config``'s image, a file of content/public/
    checked against ``published`` (the files the build publishes, by their
    path there): an error when it is none of them; a warning when pages
    cannot name it because base_url has no host (a social site fetches it
    from its own servers), or when it is an SVG, which they do not show."""
    if config.image is None:
        return (), ()
    errors: list[SourceError] = []
    warnings: list[SourceError] = []

    def line() -> int | None:  # site.yaml read again for the line: only when it is needed
        return load_yaml_mapping(site_yaml)[1].get("image")

    if not ABSOLUTE_ADDRESS.match(config.image):
        if config.image not in published:
            guess = difflib.get_close_matches(config.image, published, n=1)
            errors.append(SourceError(
                f"image {config.image!r} is not a file content/public/ publishes", site_yaml, line(),
                hint=(f"did you mean {guess[0]!r}? " if guess else "") + _IMAGE_HINT,
            ))
        elif config.image_url is None:
            warnings.append(SourceError(
                f"image {config.image!r} is not shown where links are shared: social sites need the site's full URL",
                site_yaml, line(),
                hint=f"set base_url to it, e.g. base_url: https://user.github.io{config.base_path}, "
                     "or build with --base-url and that URL",
            ))
    if PurePosixPath(urlsplit(config.image).path).suffix.lower() in (".svg", ".svgz"):
        warnings.append(SourceError(
            f"image {config.image!r} is an SVG, which Facebook, X, LinkedIn and most chat apps do not show "
            "where links are shared", site_yaml, line(),
            hint="use a PNG or JPEG of it: 1200×630 suits most sites",
        ))
    return tuple(errors), tuple(warnings)


def check_edit_url(value: str, path: Path, line: int | None) -> str:
    """``value`` as a folder every file name can follow: with its "/" at the end."""
    try:
        parts = urlsplit(value)
        usable = (parts.scheme in ("http", "https") and _is_host(parts.hostname or "")
                  and not (parts.query or parts.fragment) and _URL_PATH.fullmatch(parts.path) is not None)
    except ValueError:  # "https://[user].github.io/"
        usable = False
    if not usable:
        raise SourceError(
            f"edit_url {value!r} is not the web address of a folder", path, line,
            hint="give the address of content/ in your repository's editor, "
            "e.g. https://github.com/USER/REPO/edit/main/content/",
        )
    # As MkDocs' edit_uri: a file's path follows it.
    return value if value.endswith("/") else value + "/"


def one_line_text(value: str) -> str:
    """A title or description as one line: a block scalar ("description: >"
    over three lines) is read as one. (A character no page can hold is an
    error as the YAML is read.)"""
    return " ".join(value.split())


_RANGES = {
    "digest_year": (1900, 9999, "the year of digests whose date line and file name give none, e.g. 2025"),
    "home_recent_dates": (0, 10_000, "how many digest dates the home page lists, e.g. 8"),
}
# BCP 47's shape (a two- or three-letter language, then subtags), not its
# registry: "English" and "german" are names, not tags.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_HOST = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")


# What a URL path may hold as it is (RFC 3986's pchar, and "/"), and
# letters beyond ASCII, which browsers encode (an IRI's): a space, a quote
# or a control character would have to be percent-encoded in every link.
_URL_PATH = re.compile(r"(?:[A-Za-z0-9\-._~!$&()*+,;=:@/]|%[0-9A-Fa-f]{2}|[^\x00-\x7f\s\x80-\x9f])*")


_HOST_HINT = "write the scheme and host alone before the path, e.g. 'https://user.github.io/'"


def check_base_url(value: str, path: Path | str | None = None, line: int | None = None) -> str:
    """``value`` if every link can start with it, else an error that says why."""
    try:
        parts = urlsplit(value)
    except ValueError:  # "https://[username].github.io/": brackets are for IPv6 addresses
        raise SourceError(
            f"base_url {value!r} does not name a host", path, line,
            hint=_HOST_HINT,
        ) from None
    if parts.scheme not in ("", "http", "https") or bool(parts.scheme) != bool(parts.netloc) or not (
        parts.path.startswith("/") or parts.netloc
    ):
        problem, hint = "is not a path or site URL", "use '/' or '/atlas/' or 'https://user.github.io/atlas/'"
    elif parts.query or parts.fragment:
        problem, hint = "has a query or fragment (after '?' or '#')", "give the site's address alone, e.g. '/atlas/'"
    elif parts.netloc and (parts.username is not None or not _is_host(parts.hostname or "") or _port(parts) is None):
        problem = "does not name a host"
        hint = _HOST_HINT
    elif not _URL_PATH.fullmatch(parts.path):
        problem = "has a character a link cannot hold as it is"
        example = f"{parts.scheme}://{parts.netloc}/my-atlas/" if parts.netloc else "/my-atlas/"
        hint = f"use letters, digits, '-', '_' and '.' in the path, e.g. '{example}'"
    elif any(segment in (".", "..") for segment in parts.path.split("/")):
        problem, hint = "has a '.' or '..' segment", "give the path the site is served at, e.g. '/atlas/'"
    elif re.search(r"\.html?$", parts.path, re.IGNORECASE):
        problem, hint = "names a page, not a directory", "give the directory the site is served at, e.g. '/atlas/'"
    elif parts.path.rstrip("/").endswith(","):
        # A list's habit ("base_url: /atlas/,"): every link began "/atlas/,/".
        problem, hint = "ends in a comma", f"delete it: '{value.rstrip('/').rstrip(',').rstrip('/')}/'"
    else:
        return value
    raise SourceError(f"base_url {value!r} {problem}", path, line, hint=hint)


def _is_host(name: str) -> bool:
    """A host name (one beyond ASCII too, as IDNA writes it) or an IP address."""
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    try:
        return _HOST.fullmatch(name.encode("idna").decode("ascii")) is not None
    except UnicodeError:
        return False


def _port(parts: SplitResult) -> int | None:
    """The URL's port (0 when it names none); None when it is not a number."""
    try:
        return parts.port or 0
    except ValueError:
        return None


def load_config(path: Path) -> SiteConfig:
    """Load site.yaml; a missing file means all defaults."""
    if not exists_or_links(path):
        return SiteConfig()
    data, lines = load_yaml_mapping(path)
    return parse_config(data, lines, path)


def with_base_url(config: SiteConfig, base_url: str | None) -> SiteConfig:
    if base_url is None:
        return config
    return replace(config, base_url=check_base_url(base_url, "--base-url"))
