"""Links in what you wrote (notes, papers and pages of your own) that lead to
no page or file of the site: a mistyped paper address, a page renamed, or
the base path written in by hand ("/atlas/papers/x/", which the build puts
under /atlas/ again), or to an id its page has not (a section renamed).
Warnings, as MkDocs gives them: the site still builds."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from difflib import SequenceMatcher, get_close_matches
from functools import cache, partial
from html.parser import HTMLParser
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Collection, Iterable, Mapping, Sequence
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.token import Token

from .errors import SourceError
from .markup import ADDRESS, FOOTNOTE_LINK, has_scheme, markdown_parser, showable
from .papers import Memo, no_memo, slug_of
from .search import is_search_file
from .source_lines import READ, token_lines_plugin
from .wikilinks import WIKILINK

# What follows the address of a wikilink's <a> ("wikilink", or "wikilink untitled" before
# with_link_targets: see wikilinks.py).
_WIKILINK_CLASS = f' class="{WIKILINK}'


def links_to_nowhere(
    base_path: str,
    written: Iterable[tuple[str, str, Path, int, str]],
    outputs: Callable[[], Collection[str]],
    site_url: str | None = None,
    html_of: Callable[[str], bytes | None] = lambda output: None,
    shared_link_names: Mapping[str, tuple[str, ...]] = MappingProxyType({}),
    other_link_names: Collection[str] = (),
    memo: Memo = no_memo,
) -> tuple[SourceError, ...]:
    """A warning for each address in ``written`` (each: the page's URL from
    the site's root, the HTML shown there, the file it was written in, the
    line of the file the text starts on, and the Markdown it was made of)
    that is none of ``outputs()`` (the site's files, by path) once resolved
    against its page; at its line, which the parser tells (:func:`links_written`).
    ``site_url``: the site's full URL, when base_url gives one; an address
    written in full with it is checked as the same address from the root.
    An address with a fragment (``#notes``) is warned of too when its page
    has no such id: ``html_of`` gives a page's HTML by its path (None: not
    known, not checked), and is asked only for pages linked so, once each.
    A wikilink by a name under the aliases: of several papers or pages
    (``shared_link_names``: each such name, in lower case, with their file
    names) is warned of as leading to none of them. A link to no page is
    told the paper it likely meant; a wikilink, or the name under aliases:
    it likely meant (``other_link_names``: each that leads to a page, as
    written). ``memo`` keeps a text's links as the parser read them: a
    rebuild finds the same links leading nowhere, and parsing a text again
    costs what rendering it did."""
    warnings: list[SourceError] = []
    # Made at the first address on the site, if any: the set of every output
    # (tens of thousands of paths) is no cost to notes that link elsewhere
    # alone, as the preview's saved note mostly does.
    known: Collection[str] | None = None
    tops: set[str] | None = None  # the first folder (or name) of each output, for addresses written in full
    papers: dict[str, list[str]] | None = None  # the papers' slugs by their first word, for a link to none
    names: dict[str, dict[str, str]] | None = None  # other_link_names likewise, for a wikilink to none
    # Each page's HTML, asked for once however many links go there, and its
    # ids where one was not found as the build writes them.
    pages: dict[str, bytes | None] = {}
    parsed: dict[str, frozenset[str]] = {}
    # Decoded, as each address is: base_url "/my%20atlas/" is the folder
    # "my atlas", which no decoded address starts with as written.
    base = unquote(base_path)
    # Each address resolved as a browser resolves it, against its page's full
    # URL. A site known by its path alone gets a host no address can name
    # (.invalid is reserved for that), so only its own addresses lead there.
    origin = site_url or f"http://site.invalid{base_path}"
    site = urlsplit(origin)
    # Most addresses in notes are other sites': passed over before they are
    # resolved, by the site's host missing from them (urljoin and urlsplit
    # took three quarters of the check's time at 20,000 notes).
    host = (site.hostname or "").lower() if site_url else None
    for url, shown, path, first_line, markdown in written:
        # The text's links as the parser read them, once one is warned of:
        # a clean build parses nothing again.
        in_text: tuple[WrittenLink, ...] | None = None
        wikilinks = 0  # the text's wikilinks up to this address
        warned_before: dict[str, int] = {}  # how many times each address was warned of, up to this one
        for found in ADDRESS.finditer(shown):
            wikilink = shown.startswith(_WIKILINK_CLASS, found.end())
            wikilinks += wikilink
            reference = html.unescape(found.group(2))
            if not reference or FOOTNOTE_LINK.fullmatch(reference):
                continue  # a footnote's, to an id made beside it: its page is not read for that
            if (has_scheme(reference) or reference.startswith("//")) and (
                host is None or host not in reference.lower()
            ):
                continue
            resolved = urlsplit(urljoin(origin + url, reference))
            # As written: a link from the root got the base path in front of it.
            as_written = reference[len(base_path) - 1:] if reference.startswith(base_path) else reference
            if reference.startswith("#"):
                output: str | None = url if url.endswith(".html") else f"{url}index.html"  # its own page
            else:
                target = unquote(resolved.path)
                if has_scheme(reference) or reference.startswith("//"):
                    # Written in full: checked only where it is this site's, not
                    # elsewhere on its host (a GitHub Pages user's other projects).
                    if not _same_host(resolved, site) or not (target + "/").startswith(base):
                        continue
                    if target + "/" == base:
                        target = base  # "https://user.github.io/repo": servers add the slash
                known = outputs() if known is None else known
                if base == "/" and (has_scheme(reference) or reference.startswith("//")):
                    # A site at its host's root (user.github.io, or a custom
                    # domain) shares it with the user's project sites, each at
                    # /<its repository>/: an address whose first folder is
                    # none of this site's is taken for one of theirs.
                    tops = {output.split("/", 1)[0] for output in known} if tops is None else tops
                    first = target[1:].split("/", 1)[0]
                    if first and first not in tops:
                        continue
                output = _output_of(target, base, known)
            # A name under the aliases: of several leads to none of them; or to
            # an old address, if one of them has it so ("experts", beside
            # another's "Experts"), whose page leads on to that one: warned of.
            sharing = shared_link_names.get(_paper_named(target, base), ()) if wikilink and reference[0] != "#" else ()
            if sharing:
                # Its hint, from the wikilink as written, once that is found below.
                files = " and ".join(f"[[{name}]]" for name in sharing)
                problem, hint = f"is a name of each of {files}, under their aliases:", ""
            elif output is None:
                doubled = base != "/" and unquote(as_written).startswith(base)
                meant: list[str] = []
                if name := _paper_named(target, base):
                    papers = _papers_by_first_word(known or ()) if papers is None else papers
                    if wikilink:
                        names = _names_by_first_word(other_link_names, papers) if names is None else names
                    meant = _papers_like(name, papers, names if wikilink else None)
                links = " or ".join(f"[[{slug}]]" if wikilink else f"/papers/{slug}/" for slug in meant)
                problem, hint = "leads to no page or file of the site", (f"did you mean {links}? " if meant else "") + (
                    "[[name]] leads to the paper content/papers/<name>.md (in any case), or else to the page "
                    "content/pages/<name>.md, or else to the one note that has it under aliases:; a draft has none until "
                    "it is published" if wikilink else
                    f"write {unquote(as_written)[len(base) - 1:]!r}: the build puts the base path {base_path} in front "
                    "of a link from the site's root" if doubled else
                    "a paper's page is /papers/<its file name>/, a page of yours /<its file name>/, "
                    "a file of content/public/ at its path there; a draft has none until it is published"
                )
            else:
                wanted = _element_wanted(resolved.fragment) if output.endswith(".html") else None
                if wanted is None:
                    continue
                page = pages[output] if output in pages else pages.setdefault(output, html_of(output))
                names = dict.fromkeys((wanted, unquote(wanted)))  # as browsers look: as written, then decoded
                # Looked for as the templates and markdown-it write an id first
                # (microseconds, where parsing a page takes a millisecond, for each
                # of thousands at 20,000 papers); the page is parsed only when not.
                if page is None or any(f' id="{html.escape(name)}"'.encode() in page for name in names):
                    continue
                ids = parsed[output] if output in parsed else parsed.setdefault(output, ids_in(page))
                if any(name in ids for name in names):
                    continue
                nearest = _nearest(unquote(wanted), ids)
                problem = f"leads to no place on its page: it has no id {unquote(wanted)!r}"
                hint = (
                    (f"its ids nearest to it: {', '.join('#' + near for near in nearest)}; " if nearest else "")
                    + "a heading you write has its text as its id ('## Results' is #results, a second one #results-2)"
                )
            if in_text is None:
                in_text = memo(("links-written", markdown), partial(links_written, markdown))
            if wikilink:
                # The nth wikilink of the HTML is the text's nth, where it may
                # lead elsewhere than its address (with_link_targets).
                link = _nth((link for link in in_text if link.wikilink), wikilinks)
                # Named as written: "[[Other-Paper#Resluts]]" does not hold its address.
                as_typed = link.written if link else f"[[{as_written}]]"
                message = f"wikilink {as_typed} {problem}"
                hint = _one_of(as_typed, sharing) if sharing else hint
            else:
                # Others keep their address; those the page adds to the text's
                # (a tag's, an embedded image's) lead somewhere.
                warned_before[as_written] = times = warned_before.get(as_written, 0) + 1
                link = _nth((link for link in in_text if not link.wikilink and link.address == as_written), times)
                message = f"link to {as_written!r} {problem}"
            line = first_line + link.line - 1 if link and link.line else None
            warnings.append(SourceError(message, path, line, hint=hint))
    return tuple(warnings)


@dataclass(frozen=True)
class WrittenLink:
    """A link or an image of a text, as the parser read it."""

    address: str  # as the renderer writes it: a link's href, an image's src
    line: int | None  # the line of the text it is on, from 1; for a reference link, its address's
    written: str  # as written: "[[Gone#Setup|its setup]]"
    wikilink: bool


def links_written(text: str) -> tuple[WrittenLink, ...]:
    """The links and images of Markdown ``text``, in the order its HTML has
    them, where the parser read them: parsed again, not found by their
    address in the file, which may be above them in code, a comment, the
    front matter, a digest paper's abstract or another link."""
    env: dict[str, Any] = {}
    blocks = _parser_with_lines().parse(showable(text), env)
    references = env.get("references", {})
    return tuple(
        WrittenLink(
            token.attrs["src" if token.type == "image" else "href"], _line_of_address(token, references),
            token.meta[READ].source, token.info == WIKILINK,
        )
        for block in blocks for token in block.children or ()
        # Not an inline tag's link, which gets its address as the page is made.
        if token.type == "image" or (token.type == "link_open" and "href" in token.attrs)
    )


@cache
def _parser_with_lines() -> MarkdownIt:
    md = markdown_parser().use(token_lines_plugin)
    md.core.ruler.disable("math_as_mathml")  # tokens alone: no formula need be converted
    return md


# A reference link's label, after its text or as its text: "[text][label]", "[label]".
_LABEL = re.compile(r"\[((?:[^\\\[\]]|\\.)*)\]$")


def _line_of_address(token: Token, references: Mapping[str, dict[str, Any]]) -> int | None:
    """The line of a link's address: a reference link's ("[text][ref]") is
    where "[ref]: /papers/x/" gives it, the line to mend."""
    read = token.meta[READ]
    label = _LABEL.search(read.source) if token.markup == "" and token.info == "" else None
    if label is None:
        return read.line
    # "[text][]": its text is its label.
    name = label.group(1) or read.source[read.source.index("[") + 1:-3]
    reference = references.get(normalizeReference(name))
    return reference["map"][0] + 1 if reference and reference.get("map") else read.line


def _nth(links: Iterable[WrittenLink], nth: int) -> WrittenLink | None:
    return next((link for count, link in enumerate(links, 1) if count == nth), None)


def _one_of(written: str, files: Sequence[str]) -> str:
    """What to write for ``written``, a wikilink by a name under the aliases:
    of each of ``files``: the one meant, as Obsidian writes a link by such a
    name, ``[[file|name]]``."""
    target, bar, text = written[2:-2].replace("\\|", "|").partition("|")
    name, hash_, headings = target.partition("#")
    options = " or ".join(f"[[{file}{hash_}{headings}|{text if bar else name.strip()}]]" for file in files)
    return f"write {options}, as Obsidian writes a link by another name of a note; or keep the name under one file's aliases:"


def _paper_named(target: str, base: str) -> str:
    """The name of the paper a decoded path from the server's root names
    ("/papers/<name>/", under the base path), or ""."""
    folder, _, name = target[len(base):].rstrip("/").partition("/") if target.startswith(base) else ("", "", "")
    return name if folder == "papers" and "/" not in name else ""


def _papers_by_first_word(outputs: Collection[str]) -> dict[str, list[str]]:
    """Each paper page's slug, under its first word. Made once a check finds
    a link to no paper, to look among the papers' few thousand that begin
    alike for the one it meant, not among all of them (difflib took a second
    and a half for each such link at 20,000 papers)."""
    papers: dict[str, list[str]] = {}
    for output in outputs:
        if output.startswith("papers/") and output.endswith("/index.html") and output.count("/") == 2:
            slug = output[len("papers/"):-len("/index.html")]
            papers.setdefault(slug.split("-", 1)[0], []).append(slug)
    return papers


def _names_by_first_word(written: Collection[str], papers: Mapping[str, list[str]]) -> dict[str, dict[str, str]]:
    """Each of the other names of notes ``written`` under aliases:, as
    written, under its first word and by its slug, as :func:`_papers_like`
    looks for a paper's; but where a paper's slug is that slug: that paper
    is the one suggested, as a wikilink by its file name leads to it first."""
    if not written:  # no note has another name: no set of every paper's slug
        return {}
    slugs = {slug for alike in papers.values() for slug in alike}
    names: dict[str, dict[str, str]] = {}
    for name in written:
        slug = slug_of(name) or name.lower()
        if slug not in slugs:
            names.setdefault(slug.split("-", 1)[0], {}).setdefault(slug, name)
    return names


def _papers_like(name: str, papers: Mapping[str, list[str]], names: Mapping[str, Mapping[str, str]] | None) -> list[str]:
    """Up to three slugs of ``papers`` a link to the paper ``name`` meant,
    or other names of notes (``names``, a wikilink's, by
    :func:`_names_by_first_word`), best first: the one its name makes as a
    title makes a slug, cut at 80 characters (a wikilink written with the
    paper's title, or with a long title's slug guessed whole), else those it
    begins (its first words alone), else those spelt most like it that begin
    with the same word."""
    wanted = slug_of(name) or name.lower()
    first = wanted.split("-", 1)[0]
    written = names.get(first, {}) if names else {}
    alike = [*papers.get(first, ()), *written]
    if wanted in alike:
        meant = [wanted]
    else:
        meant = sorted(slug for slug in alike if slug.startswith(f"{wanted}-"))[:3] or get_close_matches(
            wanted, alike, n=3, cutoff=0.75,
        )
    return [written.get(slug, slug) for slug in meant]


def _element_wanted(fragment: str) -> str | None:
    """The id a fragment asks its page for, as written; None when a browser
    needs none: no fragment, "#top" (the top of the page, HTML says, in
    any case), or a text fragment ("#:~:text=...", looked for in the text)."""
    wanted = fragment.split(":~:", 1)[0]
    return None if not wanted or unquote(wanted).lower() == "top" else wanted


def _nearest(wanted: str, ids: Iterable[str]) -> list[str]:
    """Up to three of ``ids`` like ``wanted``, best first: as a whole, or by
    their first words ("notes" is "notes-heading"'s), in any case."""
    def likeness(id_: str) -> float:
        words = id_.lower().split("-")
        return max(
            SequenceMatcher(None, wanted.lower(), "-".join(words[:count])).ratio() for count in range(1, len(words) + 1)
        )

    scored = sorted((-likeness(id_), id_) for id_ in ids)
    return [id_ for score, id_ in scored[:3] if -score >= 0.75]


def ids_in(page: bytes) -> frozenset[str]:
    """The ids a fragment can name on ``page``: each element's id, and an
    ``<a>``'s name, which browsers follow too (HTML's indicated part)."""
    parser = _IdParser()
    parser.feed(page.decode("utf-8", "replace"))
    parser.close()
    return frozenset(parser.ids)


class _IdParser(HTMLParser):
    # Where the quick look for ' id="x"' finds nothing: an id a template of
    # one's own quotes otherwise, or not at all, is found; one in a comment
    # or a script's strings is none.
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is not None and (name == "id" or (name == "name" and tag == "a")):
                self.ids.add(value)

    handle_startendtag = handle_starttag


def _same_host(address: SplitResult, site: SplitResult) -> bool:
    """Whether ``address`` is on the site's host, over http or https alike
    (GitHub Pages sends the one to the other)."""
    try:
        return address.scheme in ("http", "https") and (address.hostname, address.port) == (site.hostname, site.port)
    except ValueError:  # a port that is no number: no address of the site's
        return False


def _output_of(target: str, base_path: str, outputs: Collection[str]) -> str | None:
    """The file of the site a decoded path from the server's root leads to, if any."""
    if not target.startswith(base_path):
        return None  # out of the site: "../../.." from a page near its root
    relative = target[len(base_path):]
    if is_search_file(relative):
        return relative  # written after the check: its names are not known yet
    if relative == "" or relative.endswith("/"):
        return f"{relative}index.html" if f"{relative}index.html" in outputs else None
    # A folder without its slash: servers, GitHub Pages' too, add it.
    return next((output for output in (relative, f"{relative}/index.html") if output in outputs), None)
