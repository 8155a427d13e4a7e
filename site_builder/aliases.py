"""Aliases: the old addresses of a page that lead to it, as Hugo's
``aliases:`` and jekyll-redirect-from's ``redirect_from:`` do. A paper file
or a page of one's own renamed, or a topic given a new slug, moves its page;
each old address its ``aliases:`` names gets a small page (``alias.html``)
that sends the browser on to the new one.

Read from what a file writes (:func:`parse_aliases`), then checked against
the site's pages and each other as the site model is built
(:func:`check_aliases`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Mapping

from .errors import SourceError, raise_if_any, shown_name

ALIAS_TEMPLATE = "alias.html"
# A name in an address the site gives a page: as a paper's file name
# (papers.FILE_SLUG), a page's of one's own, a topic's slug or a date.
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
# The folders of the site's own files, which no page joins (assets._SITE_DIRECTORIES).
_SITE_FOLDERS = ("static", "search")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_FILE_ENDING = re.compile(r"\.(?:md|html?)$", re.IGNORECASE)


@dataclass(frozen=True)
class Alias:
    """An old address of a page, where a file names it."""

    url: str  # from the site's root, as a page's: "papers/old-slug/" ("" is the home page)
    path: Path | str  # the file whose aliases: names it
    line: int | None
    # As written, where a note's front matter writes it as a name alone
    # ("lora"), which may be meant as the note's other name, no address.
    name: str = field(default="", compare=False)


def parse_aliases(
    written: Iterable[str], folder: str, own_url: str, path: Path | str, line: int | None,
) -> tuple[Alias, ...]:
    """The old addresses of the page at ``own_url`` (each once), as an
    ``aliases:`` list in ``path`` writes them at ``line``; ``folder`` is
    the folder of that page's kind (see :func:`alias_url`)."""
    found: dict[str, Alias] = {}
    for text in written:
        url = alias_url(text, folder, path, line)
        if url == own_url:
            raise SourceError(
                f"alias {text!r} is this page's own address, /{own_url}", path, line,
                hint="an alias is an address the page had before it moved: remove this one",
            )
        found.setdefault(url, Alias(url, path, line))
    return tuple(found.values())


# The keys of a paper file's or a page's front matter that list its aliases:
# Obsidian's "aliases", and "alias", its older key, which its version 1.4 left
# for "aliases" (a vault's older notes still hold it, and a Hugo user may
# write it so, meaning the same).
FRONT_MATTER_KEYS = ("aliases", "alias")


def parse_front_matter_aliases(
    written: Iterable[tuple[Iterable[str], int | None]], folder: str, own_url: str, path: Path | str,
) -> tuple[tuple[Alias, ...], tuple[str, ...]]:
    """The old addresses of a paper file's or a page's page (each once), and
    the other names of its note, from the lists its front matter writes under
    :data:`FRONT_MATTER_KEYS` (``written``: each list with its line).

    Obsidian keeps a note's other names under the same key (``aliases: [MoE
    survey, LoRA]``); an atlas whose paper files live in a vault had them
    before aliases were addresses. Each entry without a '/' is such a name,
    by which a ``[[link]]`` finds the note (see wikilinks.py). A name that no
    address could hold (a space, a capital, a '#') is no address; one that
    could (``old-slug``, or Obsidian's ``lora``) is both, as nothing tells
    the old name of a file from a note's other name. One with a '/' is an
    address, and one that names a file (``old-name.md``) is meant as one, so
    both are checked. topics.yaml, which no notes app writes, is not read
    through this."""
    addresses: dict[str, Alias] = {}
    names: dict[str, None] = {}
    for texts, line in written:
        for text in texts:
            if "/" not in text:
                names[text.strip()] = None
            if not _is_a_notes_name(text.strip()):
                for alias in parse_aliases((text,), folder, own_url, path, line):
                    addresses.setdefault(alias.url, alias if "/" in text else replace(alias, name=text.strip()))
    return tuple(addresses.values()), tuple(names)


def _is_a_notes_name(text: str) -> bool:
    return (
        "/" not in text and text not in ("", ".", "..") and not _FILE_ENDING.search(text)
        and not _NAME.fullmatch(text)
    )


def alias_url(written: str, folder: str, path: Path | str, line: int | None) -> str:
    """The address an alias names, from the site's root. Two forms, each
    read one way: an address from the site's root, with a leading '/'
    (``/papers/old-slug/``, the closing '/' optional), or a name alone
    (``old-slug``), which is in ``folder`` (``papers/``, ``topics/``, or
    ``""`` for a page of one's own): the old name of the page's file, or of
    its topic's slug. Folders without a leading '/' (``papers/old-slug``)
    are an error: Hugo reads them from the page's own folder
    (/papers/papers/old-slug/), most people from the site's root."""
    text = written.strip()

    def error(message: str, hint: str) -> SourceError:
        return SourceError(f"alias {written!r} {message}", path, line, hint=hint)

    example = f"/{folder}old-name/"
    if not text:
        raise error("is empty", f"write the address the page had, such as {example}, or remove it")
    if _SCHEME.match(text) or text.startswith("//"):
        raise error(
            "is a full URL", f"write the address from the site's root, without its host or base path: {example}",
        )
    if "?" in text or "#" in text:
        raise error("has a query or a fragment", "write the address alone: its page answers it with any query")
    if text.startswith("/"):
        names = text[1:].removesuffix("/").split("/") if text != "/" else []
    elif "/" in text.removesuffix("/"):
        raise error(
            "has folders but no leading '/'",
            f"write /{text.strip('/')}/ for an address from the site's root, or a name alone "
            f"for one in /{folder} (the file's old name)",
        )
    else:
        names = [*folder.split("/")[:-1], text.removesuffix("/")]
    for name in names:
        if name in ("", ".", ".."):
            raise error(
                f"has {'an empty name' if not name else repr(name)} between its '/'",
                "write the address as the browser shows it, one '/' between names",
            )
        if ending := _FILE_ENDING.search(name):
            page = "".join(f"{_FILE_ENDING.sub('', each)}/" for each in names)
            raise error("names a file", f"write the address of its page, without {ending.group(0)}: /{page}")
        if not _NAME.fullmatch(name):
            lower = name.lower()
            raise error(
                f"cannot be an address the site had: {name!r} is not a name of one",
                f"write it {lower!r}: the site's addresses are in lower case" if _NAME.fullmatch(lower)
                else "the site's addresses are lower-case letters, digits, '-' and '_', as its files' names",
            )
    if names and names[0] in _SITE_FOLDERS:
        raise error(f"is in /{names[0]}/, which holds the site's own files", "choose an address outside it")
    return "".join(f"{name}/" for name in names)


def check_aliases(aliases: Iterable[Alias], taken: Mapping[str, str], base_path: str) -> None:
    """Raise an error for each alias at the address of a page (``taken``:
    each page's address → what the page is), at one an earlier alias has,
    or written with the base path in it, all at once. An old address leads
    to one page."""
    errors: list[SourceError] = []
    claimed: dict[str, Alias] = {}
    for alias in aliases:
        other = claimed.setdefault(alias.url, alias)
        if alias.url in taken:
            errors.append(SourceError(
                f"alias /{alias.url} is the address of {taken[alias.url]}", alias.path, alias.line,
                hint="two pages cannot share an address: remove the alias, or move that page first" + _if_a_name(alias),
            ))
        elif other is not alias:
            where = f"{shown_name(other.path)}:{other.line}" if other.line else shown_name(other.path)
            errors.append(SourceError(
                f"alias /{alias.url} is an alias in {where} too", alias.path, alias.line,
                hint="an old address leads to one page: keep it in one aliases: list" + _if_a_name(alias),
            ))
        elif base_path != "/" and f"/{alias.url}".startswith(base_path):
            errors.append(SourceError(
                f"alias /{alias.url} holds the base path {base_path}", alias.path, alias.line,
                hint=f"write /{alias.url[len(base_path) - 1:]}: the build puts the base path in front of it",
            ))
    raise_if_any(errors)


def _if_a_name(alias: Alias) -> str:
    """For an error at an alias written as a name alone in a note: how to
    keep it as the note's other name without the address it makes."""
    if not alias.name:
        return ""
    return (
        f"; if {alias.name!r} is another name of the note, for [[links]], write it with a capital, "
        f"{alias.name.capitalize()!r}: such a name is no address, and a [[link]] finds it in any case"
    )
