"""Where the preview server's watches go besides content/, templates and
static/: where links in content/ lead (a paper file, or content/papers,
kept in a notes vault), and the folder a templates_dir named in site.yaml is
to be made in. Pure functions of the file system as it is; the server
(:mod:`.serve`) schedules the watches and :class:`.preview.Preview` maps
their changes back to content/."""

from __future__ import annotations

import collections
import os
from pathlib import Path

from .errors import SourceError
from .yamlsource import load_yaml_mapping


def links_out_of(root: Path, apart: tuple[Path, ...] = ()) -> dict[Path, Path]:
    """Every file or directory a link under ``root`` leads to outside it (its
    real path), with the path under ``root`` that reaches it. Linked
    directories are walked too, each once, so a link loop ends; nearest
    first, so a place reached again through a loop keeps its first path. One
    listing per directory, whose entries say what they are without a stat
    each: it runs after every rebuild, and content/papers may hold 20,000 files.
    A link to a directory that holds ``root`` or one of ``apart`` (/, the home
    directory, a vault the project lives in) is neither followed nor
    returned: watched, every write of the build's output and anywhere else
    below it would be a change in content/, and / took a walk of every file
    system and more watches than inotify allows."""
    real_root = os.path.realpath(root)
    holders = {real_root, *(os.path.realpath(path) for path in apart)}
    found: dict[str, str] = {}  # as text until the end: a Path each costs more than the rest
    seen: set[tuple[int, int]] = set()
    real_directories: dict[str, str] = {}  # see real_path
    directories = collections.deque([str(root)])
    while directories:
        directory = directories.popleft()
        try:
            stat = os.stat(directory)
            if (stat.st_dev, stat.st_ino) in seen:
                continue
            seen.add((stat.st_dev, stat.st_ino))
            with os.scandir(directory) as entries:
                for entry in entries:
                    try:
                        if entry.is_symlink():
                            real = real_path(entry.path, real_directories)
                            if any(within(holder, real) for holder in holders):
                                continue
                            if not within(real, real_root):
                                found.setdefault(real, entry.path)
                        if entry.is_dir():
                            directories.append(entry.path)
                    except OSError:
                        # A link is_dir cannot follow (a loop, one through a
                        # file or into a directory not searchable), or one gone
                        # before its readlink: only it, not the rest of its
                        # directory, whose links would not be watched.
                        continue
        except OSError:
            continue  # gone meanwhile, or unreadable: the build says so if it matters
    return {Path(real): Path(link) for real, link in found.items()}


def real_path(link: str, real_directories: dict[str, str]) -> str:
    """Where ``link`` leads, as os.path.realpath says, with the directory it
    names resolved once for every link into it (``real_directories``):
    realpath resolves each part of each path in Python, 1.1 s for 20,000
    paper files linked into a vault, after every rebuild."""
    parent, name = os.path.split(os.path.join(os.path.dirname(link), os.readlink(link)))
    if name in ("", ".", ".."):
        return os.path.realpath(link)
    if parent not in real_directories:
        real_directories[parent] = os.path.realpath(parent)
    real = os.path.join(real_directories[parent], name)
    return os.path.realpath(real) if os.path.islink(real) else real  # a link to a link: resolved whole


def within(path: str | Path, directory: str | Path) -> bool:
    """``path`` is ``directory`` or below it (both absolute and resolved).
    By their text: Path.parents takes a tenth of a second for the 20,000 of
    a vault that links every paper file."""
    path_text, directory_text = os.fspath(path), os.fspath(directory)
    return path_text == directory_text or path_text.startswith(directory_text.rstrip(os.sep) + os.sep)


def named_templates_dir(site_yaml: Path) -> Path | None:
    """The templates_dir site.yaml names, made or not; None when it names none or cannot be read."""
    try:
        data, _lines = load_yaml_mapping(site_yaml)
    except (SourceError, OSError):
        return None
    named = data.get("templates_dir")
    return (site_yaml.parent / named).resolve() if isinstance(named, str) and named else None
