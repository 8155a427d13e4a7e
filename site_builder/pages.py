"""Pages of one's own: ``content/pages/<name>.md``, Markdown under YAML front
matter, each published at ``/<name>/`` through the ``page.html`` template.

Read and checked here; build_site renders the body with the Markdown of paper
notes, so a page holds what a note may hold and nothing more (raw HTML shows
as text).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any, Iterable

from .aliases import FRONT_MATTER_KEYS as ALIAS_KEYS, Alias, parse_front_matter_aliases
from .config import one_line_text
from .errors import SourceError, raise_if_any
from .papers import as_strings, line_below, slug_for, split_front_matter
from .yamlsource import parse_yaml_mapping, text_hint

# A page's address is its file name: one path segment that needs no escaping.
PAGE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
# The names of the site's own addresses at its root, without their
# extensions (feed for feed.xml, 404 for 404.html): a page there would take
# their place, or pass for one of them. A fixed list, not this build's pages,
# so that a name that builds today still builds once base_url has a host and
# the site a sitemap.
RESERVED_NAMES = (
    "404", "dates", "feed", "index", "papers", "robots", "search", "sitemap", "starred", "static", "tags", "topics",
)
PAGE_KEYS = ("title", "description", "nav") + ALIAS_KEYS
# A first line "# <the title>", as a page written for MkDocs opens: MkDocs
# takes the page's title from it, here title: gives it (page.html's <h1>).
_FIRST_LINE_HEADING = re.compile(r" {0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*(?:\n|$)")


@dataclass(frozen=True)
class OwnPage:
    """A page as ``content/pages/<name>.md`` holds it."""

    name: str  # its file name without ".md"
    title: str
    description: str  # for the meta description; "" when the front matter has none
    nav: bool  # whether the header links to it
    body: str  # Markdown
    path: Path
    aliases: tuple[Alias, ...] = ()  # its old addresses, which lead to it
    names: tuple[str, ...] = ()  # the other names under its aliases:, by which a [[link]] finds it
    body_line: int = field(default=1, compare=False)  # the line of the file the body starts on

    @property
    def url(self) -> str:
        return f"{self.name}/"

    @property
    def body_below_title(self) -> str:
        """The body without a first line that heads it with its title: the
        page shows its title once, as MkDocs shows such a page's."""
        return self.body[self._below_title:]

    @property
    def line_below_title(self) -> int:
        """The line of the file :attr:`body_below_title` starts on."""
        return self.body_line + self.body.count("\n", 0, self._below_title)

    @property
    def _below_title(self) -> int:
        heading = _FIRST_LINE_HEADING.match(self.body)
        if heading is None or one_line_text(heading.group(1)).casefold() != self.title.casefold():
            return 0
        return len(self.body) - len(self.body[heading.end():].lstrip("\n"))


def parse_page(text: str, path: Path) -> OwnPage:
    """The page ``path`` holds, or the first thing wrong with it, at its line."""
    name = path.name.removesuffix(".md")
    if not PAGE_NAME.fullmatch(name):
        good = slug_for(name)
        raise SourceError(
            f"page file name {path.name!r} cannot be a page address", path,
            hint=f"use lower-case letters, digits and '-': rename it to {'my-' * (good in RESERVED_NAMES)}{good}.md",
        )
    if name in RESERVED_NAMES:
        raise SourceError(
            f"/{name}/ is an address of the site's own", path,
            hint=f"rename the file, e.g. to my-{name}.md; the site keeps {', '.join(RESERVED_NAMES)}",
        )
    front, body = split_front_matter(text, path, "page file")
    data, lines = parse_yaml_mapping(front, path, first_line=2)
    for key in data:
        if key not in PAGE_KEYS:
            guess = difflib.get_close_matches(key, PAGE_KEYS, n=1)
            raise SourceError(
                f"unknown key {key!r}", path, lines.get(key),
                hint=(f"did you mean {guess[0]!r}? " if guess else "") + "a page's keys are title, description, nav and aliases",
            )
    if data.get("title") is None:
        raise SourceError(
            "page has no title", path, lines.get("title", 1),
            hint="add 'title: ...' to the front matter: it heads the page and names it in browser tabs",
        )
    title = _text(data, "title", path, lines, front)
    if not title:
        raise SourceError("title must not be blank", path, lines["title"], hint="write the page's title after title:")
    nav = data.get("nav", False)
    if not isinstance(nav, bool):
        raise SourceError(
            f"nav must be true or false, not {nav!r}", path, lines.get("nav"),
            hint="write nav: true to link the page from the header, or remove the line",
        )
    description = _text(data, "description", path, lines, front) if data.get("description") is not None else ""
    aliases, names = parse_front_matter_aliases(
        ((as_strings(data[key], key, path, lines.get(key)), lines.get(key)) for key in ALIAS_KEYS if key in data),
        "", f"{name}/", path,
    )
    return OwnPage(
        name=name, title=title, description=description, nav=nav, body=body.strip("\n"), path=path, aliases=aliases,
        names=names, body_line=line_below(front) + len(body) - len(body.lstrip("\n")),
    )


def _text(data: dict[str, Any], key: str, path: Path, lines: dict[str, int], front: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise SourceError(
            f"{key} must be text, not {value!r}", path, lines.get(key),
            hint=text_hint(key, value, front, lines.get(key), first_line=2),
        )
    return one_line_text(value)


def read_pages(texts: Iterable[tuple[Path, str]], public: Path) -> tuple[OwnPage, ...]:
    """Every page of ``texts`` (path, text), by name; the errors of all of
    them at once. A page where ``public`` (content/public/) has a file of
    the same address is an error: the site would hold one of the two."""
    pages: list[OwnPage] = []
    errors: list[SourceError] = []
    for path, text in texts:
        try:
            page = parse_page(text, path)
        except SourceError as error:
            errors.append(error)
            continue
        taken = next((file for file in (public / page.name, public / page.name / "index.html") if file.is_file()), None)
        if taken is not None:
            errors.append(SourceError(
                f"/{page.url} is also the address of {taken}", path,
                hint=f"rename this file, or move {taken} elsewhere in content/public/",
            ))
        pages.append(page)
    raise_if_any(errors)
    return tuple(sorted(pages, key=attrgetter("name")))
