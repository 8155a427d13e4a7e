"""Static files and files of one's own: ``static/`` (stylesheets and scripts
renamed with a hash of their content, so browsers may keep them for good)
and ``content/public/``, published as it is at the site's root."""

from __future__ import annotations

import collections
import errno
import hashlib
import os
import stat
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Callable, Mapping

from .aliases import ALIAS_TEMPLATE
from .errors import SourceError
from .inputs import editors_file, unpublished
from .render import BUILTIN_PREFIX, CONTENT_BLOCK, StaticFiles, builtin_blocks
from .watch_paths import within


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
    sources, warnings = files_under(static_dir, editors_file) if static_dir.is_dir() else ({}, [])
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


def _public_sources(directory: Path) -> tuple[dict[str, Path], list[SourceError]]:
    content = directory.absolute().parent
    # content/public/ itself too, where it is a link out of the project (to a
    # folder two atlases share): all of it is published, so a link in it to
    # its own files may be.
    return files_under(directory, unpublished, project=(content.parent, content, directory))


def public_names(directory: Path) -> frozenset[str]:
    """The paths in ``directory`` (content/public/) of the files a build
    publishes from it, listed without reading them: what site.yaml's image
    may name, checked with the other inputs, before the site model."""
    return frozenset(_public_sources(directory)[0]) if directory.is_dir() else frozenset()


def collect_public(
    directory: Path, site_files: Mapping[str, str],
) -> tuple[dict[str, bytes], tuple[SourceError, ...]]:
    """The files of ``content/public/``, published as they are at the same
    path from the site's root, as Hugo's static/ and Vite's public/ are: a
    favicon.ico, a search engine's verification page, .well-known/. Not an
    editor's backups or hidden files (but .well-known/). An error for one
    that would replace a file of the site (``site_files``: output path →
    the template that makes it). Returns the files and the warnings of
    :func:`files_under`, which follows a link only into the project (the
    folder that holds content/, or content/public/ itself where that is a
    link out of it) and to no hidden file there: content/ may
    be a repository others write to, and a link in it to ``~/.ssh/id_rsa``,
    ``/proc/self/environ`` or ``../../.git/config`` (where CI keeps its
    token) published that file, and ``deploy`` pushed it."""
    files: dict[str, bytes] = {}
    # Each in lower case: on a Mac's or Windows' disk, which tells no case
    # apart, STATIC/site.<hash>.js replaced the site's script of every page.
    own_files = {output.lower(): output for output in site_files}
    # A file where the site has a directory (content/public/topics), or in
    # one where the site has a file (index.html/x), could not be written either.
    own_directories = {
        str(parent).lower(): str(parent) for name in site_files for parent in PurePosixPath(name).parents
    }
    sources, warnings = _public_sources(directory)
    for name, path in sorted(sources.items()):
        lower = name.lower()
        parts = lower.split("/")
        if parts[0] in _SITE_DIRECTORIES:
            taken: str | None = f"{parts[0]}/"
        elif lower in own_files:
            taken = own_files[lower]
        elif lower in own_directories:
            taken = f"{own_directories[lower]}/"
        else:
            taken = next(
                (own_files[str(parent)] for parent in PurePosixPath(lower).parents if str(parent) in own_files), None,
            )
        if taken is not None:
            template = site_files.get(own_files.get(lower, ""))
            if not name.startswith(taken.rstrip("/")):
                hint = (
                    "rename it: its name differs from that one only in case, "
                    "which a Mac's or Windows' disk does not tell apart"
                )
            elif template == ALIAS_TEMPLATE:
                hint = (
                    "an aliases: list names that address, for the page that moved from there: "
                    "remove it there, or rename this file"
                )
            elif template:
                hint = f"the site makes it from the template {template}: {_how_to_change(template)}"
            else:
                hint = "rename it, or move it into a directory of its own, such as content/public/files/"
            raise SourceError(f"would replace the site's own /{taken}", path, hint=hint)
        files[name] = path.read_bytes()
    return files, tuple(warnings)


def _how_to_change(template: str) -> str:
    """How to change what a built-in template makes: extend it and fill
    the block of the page's content, which follows the built-in one as it
    changes; a template of no blocks (robots.txt, feed.xml) can only be copied."""
    if CONTENT_BLOCK in builtin_blocks(template):
        return (
            f"to change it, write a {template} in your templates_dir that starts "
            f'{{% extends "{BUILTIN_PREFIX}{template}" %}} and fills {{% block {CONTENT_BLOCK} %}}'
            "; docs/templates.md lists the blocks"
        )
    return f"to change it, copy templates/{template} into your templates_dir"


def files_under(
    directory: Path, passed_over: Callable[[str], bool], project: tuple[Path, ...] = (),
) -> tuple[dict[str, Path], list[SourceError]]:
    """Every file under ``directory`` by its POSIX path there, but those
    whose name, or a folder's on the way, is ``passed_over``; through links,
    to files and to folders, as a copy that follows them (``cp -rL``) has them. A warning
    for each link that leads to no file: its target is missing, a loop of
    links, or a folder it is in (which would hold itself without end); the
    site builds without it, as without any file it lacks. (They were
    passed over without a word; the folder's files too.) With ``project``
    (the folders a link may lead into), a warning too for a link that leads
    out of them, or to a file or folder there that is ``passed_over`` (a
    hidden one): it is not followed, as Jekyll follows no link out of its
    source."""
    files: dict[str, Path] = {}
    warnings: list[SourceError] = []
    # Each folder to list, with its path in ``directory`` and the real paths
    # of those it is in; in the order listed, so warnings come in that order.
    folders = collections.deque([(directory, "", (os.path.realpath(directory),))])
    while folders:
        folder, prefix, holders = folders.popleft()
        try:
            names = sorted(os.listdir(folder))
        except OSError as error:
            warnings.append(SourceError(f"not published: its files cannot be listed ({error.strerror})", folder))
            continue
        for name in names:
            if passed_over(name):
                continue
            path = folder / name
            if project and (astray := _leads_astray(path, project, passed_over)) is not None:
                warnings.append(astray)
                continue
            try:
                mode = path.stat().st_mode
            except OSError as error:
                if path.is_symlink():  # else gone since it was listed
                    warnings.append(_link_to_no_file(path, error))
                continue
            if stat.S_ISDIR(mode):
                real = os.path.realpath(path)
                if any(within(holder, real) for holder in holders):
                    warnings.append(SourceError(
                        "not published: a link to a folder it is in, which would hold itself without end", path,
                        hint="link to the files or folders to publish, not to one above them",
                    ))
                    continue
                folders.append((path, f"{prefix}{name}/", (*holders, real)))
            elif stat.S_ISREG(mode):  # not a named pipe, which reading would wait on for ever
                files[prefix + name] = path
    return files, warnings


def _leads_astray(path: Path, project: tuple[Path, ...], passed_over: Callable[[str], bool]) -> SourceError | None:
    """A warning when ``path`` is a link that leads out of the ``project``'s
    folders, or to what a listing of them passes over (``.git/config``,
    ``.env``); None for a file that is no link, or one leading to no file
    (which :func:`_link_to_no_file` tells)."""
    if not path.is_symlink():
        return None
    real = os.path.realpath(path)
    if not os.path.exists(real):
        return None
    target = os.readlink(path)
    hint = "copy the file into content/public/ if it is to be published, or delete the link"
    for folder in map(os.path.realpath, project):
        if within(real, folder):
            parts = Path(os.path.relpath(real, folder)).parts
            hidden = next((name for name in parts if passed_over(name)), None)
            if hidden is None:
                return None
            kind = "folder" if os.path.isdir(real) else "file"
            where = f"is the hidden {kind} {hidden!r}" if hidden == parts[-1] else f"is in the hidden folder {hidden!r}"
            return SourceError(
                f"not published: the link's target {target!r} {where}, which is never published", path, hint=hint,
            )
    return SourceError(
        f"not published: the link's target {target!r} is outside the project", path,
        hint=f"{hint}: a link from a repository others write to could publish any file of this computer, "
        "a key or a token",
    )


def _link_to_no_file(link: Path, error: OSError) -> SourceError:
    if error.errno == errno.ELOOP:
        return SourceError(
            "not published: a link in a loop of links, which leads to no file", link,
            hint="make it a link to a file or folder, or delete it",
        )
    if isinstance(error, FileNotFoundError):
        try:
            target = f"{os.readlink(link)!r} "
        except OSError:
            target = ""  # deleted meanwhile
        return SourceError(
            f"not published: the link's target {target}is missing", link,
            hint="restore the file it leads to, or delete the link",
        )
    return SourceError(f"not published: the file the link leads to cannot be read ({error.strerror})", link)
