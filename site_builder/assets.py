"""Static files and files of one's own: ``static/`` (stylesheets and scripts
renamed with a hash of their content, so browsers may keep them for good)
and ``content/public/``, published as it is at the site's root."""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Mapping

from .errors import SourceError
from .inputs import editors_file
from .render import StaticFiles


# Stylesheets and scripts, which templates link, carry a hash of their
# content in their name, so browsers may keep them for good; other files keep
# their names, so a stylesheet's url(img/logo.png) or a note's image finds them.
_FINGERPRINTED = frozenset({".css", ".js", ".mjs"})


def collect_assets(
    static_dir: Path, packages: Mapping[str, Path] = MappingProxyType({}),
) -> tuple[StaticFiles, dict[str, bytes], tuple[SourceError, ...]]:
    """Static files under ``static/`` (not an editor's backups or hidden
    files) and files taken from installed packages (logical name → path).
    Returns (logical name → URL path, files, warnings)."""
    names = StaticFiles()
    files: dict[str, bytes] = {}
    sources = {
        path.relative_to(static_dir).as_posix(): path
        for path in (static_dir.rglob("*") if static_dir.is_dir() else ())
        if path.is_file() and not any(editors_file(part) for part in path.relative_to(static_dir).parts)
    }
    warnings = []
    for logical, path in packages.items():
        if not path.is_file():
            raise SourceError(
                f"{logical} is not installed ({path} is missing)",
                hint="run 'make setup' (or 'npm ci') in the project directory",
            )
        if logical in sources:
            warnings.append(SourceError(
                f"not used: the site's {logical} is the installed package's", sources[logical],
                hint="give your file another name",
            ))
        sources[logical] = path
    for logical, path in sorted(sources.items()):
        data = path.read_bytes()
        pure = PurePosixPath(logical)
        if pure.suffix.lower() in _FINGERPRINTED:
            digest = hashlib.sha256(data).hexdigest()[:10]
            pure = pure.with_name(f"{pure.stem}.{digest}{pure.suffix}")
        output = f"static/{pure}"
        names[logical] = output
        files[output] = data
    return names, files, tuple(warnings)


# Directories of the site's own files, which no file of content/public/ may join.
_SITE_DIRECTORIES = ("static", "search")


def collect_public(directory: Path, site_files: Mapping[str, str]) -> dict[str, bytes]:
    """The files of ``content/public/``, published as they are at the same
    path from the site's root, as Hugo's static/ and Vite's public/ are: a
    favicon.ico, a search engine's verification page, .well-known/. Not an
    editor's backups or hidden files (but .well-known/). An error for one
    that would replace a file of the site (``site_files``: output path →
    the template that makes it)."""
    files: dict[str, bytes] = {}
    # A file where the site has a directory (content/public/topics), or in
    # one where the site has a file (index.html/x), could not be written either.
    site_directories = {str(parent) for name in site_files for parent in PurePosixPath(name).parents}
    for path in sorted(directory.rglob("*")):
        parts = path.relative_to(directory).parts
        if not path.is_file() or any(editors_file(part) and part != ".well-known" for part in parts):
            continue
        name = "/".join(parts)
        if parts[0] in _SITE_DIRECTORIES:
            taken: str | None = f"{parts[0]}/"
        elif name in site_files:
            taken = name
        elif name in site_directories:
            taken = f"{name}/"
        else:
            taken = next((str(parent) for parent in PurePosixPath(name).parents if str(parent) in site_files), None)
        if taken is not None:
            template = site_files.get(name)
            raise SourceError(
                f"would replace the site's own /{taken}", path,
                hint=f"the site makes it from the template {template}: to change it, copy templates/{template} "
                "into your templates_dir" if template
                else "rename it, or move it into a directory of its own, such as content/public/files/",
            )
        files[name] = path.read_bytes()
    return files
