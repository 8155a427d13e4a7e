"""Obsidian's links in what one writes: ``[[other-slug]]``, ``[[other-slug|shown
text]]``, ``[[other-slug#Results]]`` and ``[[#Results]]`` (a heading of the
same page). Paper files are named by their slug, so in a notes vault one
paper's note links another by its file name, or by another name of the note
under its ``aliases:`` (``[[MoE survey]]``).

In two steps, as the heading ids are made: the Markdown renderer, which keeps
what it rendered by the text alone, makes each a link to
``/papers/<name>/`` (the name in lower case, as Obsidian finds a file in
any case); :func:`with_link_targets`, as a page is made, leads it to a page
of one's own instead when no paper has that name, or to the note that has
it under aliases:, and shows the linked paper's title where the link gives
no text of its own.

An embed, ``![[plot.png]]``, likewise: the renderer shows it as written;
:func:`with_embedded_images`, as a page is made, shows the image of
content/public/ it names, if there is one.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Collection, Iterable, Mapping
from urllib.parse import quote, unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline

from .errors import SourceError
from .papers import slug_of
from .source_lines import DATA_LINE, data_line, line_here, shown_at_lines

# The id of a heading whose text has no letter or digit to make one of ("## 🎉").
UNNAMED_HEADING = "section"


def heading_id(text: str) -> str:
    """The id a heading with this text gets (before "-2" for a second one),
    and so the place ``[[x#<text>]]`` names."""
    return slug_of(text) or UNNAMED_HEADING


# The class of every wikilink, and of one that gives no text of its own (to
# be shown its paper's title), until with_link_targets drops it.
WIKILINK = "wikilink"
_UNTITLED = "wikilink untitled"

# What stands between "[[" and "]]": one line, no other bracket (as in
# Obsidian, whose file names hold none).
_INSIDE = re.compile(r"[^\[\]\n]+")
# In a text, for the links check and a page's cache key: an embed, "![[…]]",
# is no link, but "\![[…]]" (an escaped "!") is one.
_WRITTEN = re.compile(r"(?<!(?<!\\)!)\[\[([^\[\]\n]+)\]\]")


def wikilinks_plugin(md: MarkdownIt) -> None:
    # Before "link", which would read "[[x]]" as the reference "[x]" in
    # brackets. A link whose text holds one ("[see [[x]]](/y)") is then no
    # link, as one holding "[a](/b)" is not.
    md.inline.ruler.before("link", "wikilink_embed", _embed)
    md.inline.ruler.before("link", "wikilink", _wikilink)


def _inside(state: StateInline, start: int) -> str | None:
    """What stands between ``start`` (after "[[") and "]]", if they close there."""
    found = _INSIDE.match(state.src, start, state.posMax)
    if found is None or not state.src.startswith("]]", found.end()):
        return None
    return found.group(0)


# The class of an embed shown as written, read back for the build's warning.
EMBED = "obsidian-embed"
_EMBED_TITLE = "An Obsidian embed: shown as written"
_EMBED_SHOWN = re.compile(rf'<span class="{EMBED}" title="{_EMBED_TITLE}"{DATA_LINE}>(?P<embed>[^<]*)</span>')


def _embed(state: StateInline, silent: bool) -> bool:
    # Obsidian's "![[plot.png]]" and "![[other-note]]" show the file inside
    # the note. Shown as written here: with_embedded_images shows an image
    # of content/public/ it names, as a page is made; the build warns of
    # the rest (unshown_embeds), as the page shows nothing else.
    if not state.src.startswith("![[", state.pos):
        return False
    inside = _inside(state, state.pos + 3)
    if inside is None:
        return False
    if not silent:
        state.push("html_inline", "", 0).content = (
            f'<span class="{EMBED}" title="{_EMBED_TITLE}"{data_line(line_here(state))}>'
            f'{escapeHtml(f"![[{inside}]]")}</span>'
        )
    state.pos += len(inside) + 5
    return True


# The files Obsidian embeds as images ("Accepted file formats" in its help).
IMAGE_EXTENSIONS = frozenset({"avif", "bmp", "gif", "jpeg", "jpg", "png", "svg", "webp"})
# An embed as written, for the names a text embeds: after "\" too, where
# it is none ("\![[x]]"), or is one ("\\![[x]]"): a name too many costs
# nothing, one too few a stale page.
_EMBED_WRITTEN = re.compile(r"!\[\[([^\[\]\n]+)\]\]")
# "|300" or "|300x200" after the name: the image's width, and height, in pixels.
_SIZE = re.compile(r"([0-9]{1,5})(?:x([0-9]{1,5}))?")


def _is_image(name: str) -> bool:
    return name.rpartition(".")[2].lower() in IMAGE_EXTENSIONS


def _embedded(inside: str) -> tuple[str, str]:
    """The file an embed names, as written (without "#…" after it), and what
    follows its "|" ("\\|" in a table)."""
    target, _bar, options = inside.replace("\\|", "|").partition("|")
    return target.split("#", 1)[0].strip(), options.strip()


def embed_targets(published: Iterable[str]) -> dict[str, str]:
    """Where an embed finds an image of content/public/ (``published``: the
    paths there of the files the build publishes), as Obsidian finds a
    file in its vault: by its path there (``figures/plot.png``), or by its
    name alone wherever it is (``plot.png``), in any case; of two by one
    name, the one of the shortest path, then the first in sorted order."""
    images = sorted((path for path in published if _is_image(path)), key=lambda path: (len(path), path))
    targets: dict[str, str] = {}
    for path in images:
        targets.setdefault(link_name(path), path)
    for path in images:
        targets.setdefault(link_name(path.rsplit("/", 1)[-1]), path)
    return targets


def embedded_names(text: str) -> tuple[str, ...]:
    """The keys of :func:`embed_targets` that ``text`` may embed by (those in
    code too): what its HTML as shown depends on, besides the text itself."""
    if "![[" not in text:
        return ()
    return tuple(dict.fromkeys(link_name(_embedded(inside)[0]) for inside in _EMBED_WRITTEN.findall(text)))


def with_embedded_images(html: str, targets: Mapping[str, str]) -> str:
    """Rendered Markdown whose embeds of an image that ``targets`` (see
    :func:`embed_targets`) finds show it: an ``<img>`` of its address from
    the site's root, its alt text the file's name without its extension,
    or the text after "|"; "|300" is its width, "|300x200" its width and
    height. Others stay as written (and are warned of). Here, not in the
    renderer, which keeps its HTML by the text alone: content/public/ may
    gain the file, or lose it, while the text stays the same."""
    if not targets or EMBED not in html:
        return html
    return _EMBED_SHOWN.sub(lambda found: _image(found, targets), html)


def _image(found: re.Match[str], targets: Mapping[str, str]) -> str:
    target, options = _embedded(_embed_as_written(found)[3:-2])
    path = targets.get(link_name(target)) if _is_image(target) else None
    if path is None:
        return found.group(0)
    # "alt|300" too: the size comes last.
    alt, _bar, last = options.rpartition("|")
    size = _SIZE.fullmatch(last.strip())
    if size is None:
        alt = options
    alt = alt.strip() or target.rsplit("/", 1)[-1].rpartition(".")[0]
    width, height = size.groups() if size else (None, None)
    sized = (f' width="{int(width)}"' if width else "") + (f' height="{int(height)}"' if height else "")
    return f'<img src="/{quote(path)}" alt="{escapeHtml(alt)}" loading="lazy"{sized} />'


def unshown_embeds(
    written: Iterable[tuple[str, str, Path, int]], published: Iterable[str], note_names: Collection[str] = frozenset(),
) -> tuple[SourceError, ...]:
    """A warning for each embed in ``written`` (each: the page's URL, the HTML
    shown there, the file it was written in, the line of the file the text
    starts on) shown as written, at its line, saying what to do instead:
    for an image, put it in content/public/; for another file, link it (the
    file of content/public/ by that name, if one of ``published``, their
    paths there); for a note, link it: a name with no "." in it, or one of
    ``note_names`` (by :func:`link_name`: those wikilinks lead by, such as
    an alias "Llama 3.1")."""
    return tuple(
        SourceError(
            f"Obsidian embed {embed} is shown as written, not as the file: the site does not read your vault",
            path, line, hint=_instead_of(embed, published, note_names),
        )
        for found, path, line in shown_at_lines(written, EMBED, _EMBED_SHOWN)
        for embed in (_embed_as_written(found),)
    )


def _embed_as_written(found: re.Match[str]) -> str:
    return unescape(found.group("embed"))


def _instead_of(embed: str, published: Iterable[str], note_names: Collection[str]) -> str:
    target = embed[3:-2].replace("\\|", "|").partition("|")[0].strip()
    file = target.split("#", 1)[0].strip()
    name = file.rsplit("/", 1)[-1]
    if "." not in name or name.lower().endswith(".md") or link_name(file) in note_names:
        # With its heading: "![[a#Setup]]" is "[[a#Setup]]".
        return f"link the note instead, [[{target}]]"
    # A name copied from an address ("Router%20Heatmap.png"), by which
    # Obsidian finds no file either: the file is the one spelt out.
    spelt = unquote(file)
    respell = "" if spelt == file else (
        "the space as a space" if file.replace("%20", " ") == spelt else "the name as it is spelt, not %-encoded"
    )
    file, name = spelt, spelt.rsplit("/", 1)[-1]
    # Of two files of one name, the one an embed by the name alone finds.
    found = sorted(
        (path for path in published if link_name(path.rsplit("/", 1)[-1]) == link_name(name)),
        key=lambda path: (len(path), path),
    )
    if _is_image(name) and respell:
        if found:
            return f"content/public/ has {found[0]}: write {respell}, ![[{name}]]"
        return f"put {name} in content/public/, in any folder there, and write {respell}, ![[{name}]]"
    if _is_image(name):
        if "/" not in file:
            return f"put {name} in content/public/, in any folder there, and the embed shows it"
        # A vault's path ("../public/img/plot.png", "public/img/plot.png"),
        # not content/public/'s.
        if found:
            return (
                f"content/public/ has {found[0]}: embed it by its path there, ![[{found[0]}]],"
                f" or by its name alone, ![[{name}]]"
            )
        there = "/".join(part for part in file.split("/") if part not in ("", ".", ".."))
        if there != file:
            return (
                f"put {name} at content/public/{there} and embed it by its path there"
                f" (./ and ../ lead nowhere), ![[{there}]]"
            )
        return f"put {name} at content/public/{file}, and the embed shows it"
    if found:
        return f"content/public/ has it: link it, [{name}](/{quote(found[0])})"
    return f"put the file in content/public/ and link it, [{name}](/{quote(name)})"


def _wikilink(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[[", state.pos):
        return False
    inside = _inside(state, state.pos + 2)
    parts = inside and _parts(inside)
    if not parts:
        return False
    target, text = parts
    if not silent:
        address = wikilink_address(target)
        # Text of its own, else the target as written, which with_link_targets
        # shows as the title of the paper it names.
        untitled = text is None and not target.startswith("#")
        shown = text if text is not None else _target_shown(target)
        link = state.push("link_open", "a", 1)
        link.attrs = {"href": address, "class": _UNTITLED if untitled else WIKILINK}
        link.info = link.markup = WIKILINK
        state.push("text", "", 0).content = shown
        state.push("link_close", "a", -1).markup = WIKILINK
    state.pos += len(inside) + 4
    return True


def _parts(inside: str) -> tuple[str, str | None] | None:
    """The target and the text of its own (None if none), or None when the
    wikilink names nothing. "\\|" is its "|" in a table (whose cells "|" ends)."""
    target, bar, text = inside.replace("\\|", "|").partition("|")
    target = target.strip()
    if not _name(target) and not _headings(target):
        return None
    return target, (text.strip() or None) if bar else None


def _name(target: str) -> str:
    """The file name a target names: without a folder before it or ".md"
    after it, as :func:`link_name` keys it."""
    name = target.split("#", 1)[0].strip().rsplit("/", 1)[-1]
    return link_name(name[:-3] if name.lower().endswith(".md") else name)


def link_name(name: str) -> str:
    """A name as wikilinks find it: in lower case (paper files and pages
    are named in lower case, and Obsidian finds a note by a name in any case)."""
    return name.strip().lower()


def _headings(target: str) -> list[str]:
    # "[[x#Setup#Data]]": Obsidian's heading "Data" under "Setup".
    return [heading.strip() for heading in target.split("#")[1:] if heading.strip()]


def _target_shown(target: str) -> str:
    """A target as a link without text of its own shows it: "#Setup#Data" as "Setup › Data"."""
    headings = _headings(target)
    name = target.split("#", 1)[0].strip()
    return " › ".join([name, *headings] if name else headings)


def wikilink_address(target: str) -> str:
    """Where ``target`` leads as the renderer writes it: "/papers/<name>/",
    with "#<id>" of its last heading, or "#<id>" alone for a heading of the
    same page. A name that is no file name of the site's (spaces, "?") is
    escaped, to lead nowhere and be warned of, not to lead elsewhere."""
    name, headings = _name(target), _headings(target)
    fragment = f"#{heading_id(headings[-1])}" if headings else ""
    return f"/papers/{quote(name, safe='')}/{fragment}" if name else fragment


# Where a wikilink's name leads: its page's address from the root ("papers/x/",
# "about/"); its title, or None for a name under aliases: (shown as written);
# and the id of the heading the page shows as its title, not in its body (a
# page of one's own whose first heading repeats its title), or None.
LinkTarget = tuple[str, str | None, str | None]

# A wikilink the renderer made, to a paper's address.
_RENDERED = re.compile(
    r'<a href="/papers/([^/"]+)/([^"]*)" class="(' + WIKILINK + r'(?: untitled)?)">([^<]*)</a>'
)


def with_link_targets(html: str, targets: Mapping[str, LinkTarget], title_heading: str | None = None) -> str:
    """Rendered Markdown whose wikilinks lead where ``targets`` say (to the
    page itself for the heading it shows as its title, as Obsidian leads
    [[about#About]] to a first line "# About"), those
    without text of their own showing that title (and the heading they name
    after it: "Title › Results"). A name not there
    keeps its address, which the links check warns of. Here, not in the
    renderer, which keeps its HTML by the text alone: a title is another
    paper's, and may change without this text. ``title_heading``: the id
    of the heading the page this is on shows as its title (see
    :data:`LinkTarget`), whose [[#About]] leads to the page's top."""
    if 'class="wikilink' not in html:
        return html
    if title_heading is not None:
        html = html.replace(f'<a href="#{title_heading}" class="{WIKILINK}">', f'<a href="#" class="{WIKILINK}">')
    return _RENDERED.sub(lambda found: _led(found, targets), html)


def _led(found: re.Match[str], targets: Mapping[str, LinkTarget]) -> str:
    name, fragment, classes, shown = found.groups()
    target = targets.get(unquote(name))  # "moe%20survey", a name under aliases: ("MoE survey")
    if target and target[2] is not None and fragment == f"#{target[2]}":
        fragment = ""
    address = f"/{target[0]}{fragment}" if target else f"/papers/{name}/{fragment}"
    if target and target[1] is not None and classes == _UNTITLED:
        # The target as written, to put the title for its name: "X.md#Setup" is "Title › Setup".
        shown = " › ".join([escapeHtml(target[1]), *shown.split(" › ")[1:]])
    return f'<a href="{address}" class="{WIKILINK}">{shown}</a>'


def linked_names(text: str) -> tuple[str, ...]:
    """The names ``text`` may link by wikilinks (those in code too): what
    its HTML as shown depends on, besides the text itself."""
    if "[[" not in text:
        return ()
    names = (_name(parts[0]) for inside in _WRITTEN.findall(text) if (parts := _parts(inside)))
    return tuple(dict.fromkeys(name for name in names if name))


def wikilink_targets(
    papers: Iterable[tuple[str, str, Iterable[str]]], pages: Iterable[tuple[str, str, Iterable[str]]],
    headed_by_title: Collection[str] = frozenset(),
) -> tuple[dict[str, LinkTarget], dict[str, tuple[str, ...]], tuple[str, ...]]:
    """Where a wikilink's name leads, the names it cannot lead by, and the
    other names it leads by as written.
    ``papers`` and ``pages`` are (file name, title, the other names under
    its aliases:). A file's name leads to its page, showing its title: a
    paper's before a page's, which only a name no paper has leads to. A
    name under one file's aliases: that no file has leads to that file's
    page, shown as written (as Obsidian shows ``[[lora-paper|LoRA]]``, the
    link it writes for one): the third value holds each such name, as
    first written, for the links check to suggest ("MoE survey" for a
    [[MoE survy]]). A name under the aliases: of several leads to none of
    them: it is in the second mapping, with their file names, for the links
    check to name them. ``headed_by_title``: the file names of the pages
    whose first heading, repeating their title, is shown as their title."""
    papers, pages = tuple(papers), tuple(pages)
    claimed: dict[str, dict[str, str]] = {}  # each other name → each file's address that has it → its file name
    written: dict[str, str] = {}  # each other name → as first written
    for folder, files in (("papers/", papers), ("", pages)):
        for file_name, _title, others in files:
            for other in others:
                key = link_name(other)
                claimed.setdefault(key, {})[f"{folder}{file_name}/"] = file_name
                written.setdefault(key, other)
    # The id of the heading each such page shows as its title, by its address: by any of its names.
    title_ids = {f"{name}/": heading_id(title) for name, title, _others in pages if name in headed_by_title}
    targets: dict[str, LinkTarget] = {
        other: (address, None, title_ids.get(address))
        for other, by in claimed.items() if len(by) == 1 for address in by
    }
    targets.update((name, (f"{name}/", title, title_ids.get(f"{name}/"))) for name, title, _others in pages)
    targets.update((slug, (f"papers/{slug}/", title, None)) for slug, title, _others in papers)
    shared = {other: tuple(by.values()) for other, by in claimed.items() if len(by) > 1 and other not in targets}
    return targets, shared, tuple(written[other] for other, (_address, title, _top) in targets.items() if title is None)
