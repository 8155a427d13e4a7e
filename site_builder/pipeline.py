"""The build, end to end: read and check everything, then write.

Nothing is written until every input has been read, validated and rendered,
so a mistake anywhere leaves ``content/papers/`` and the previous site as they
were.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import threading
import time
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Callable, Mapping, Sequence

from .config import SiteConfig, load_config, with_base_url
from .cache import CACHE_FILE, BuildCache, content_digest, dump_cache, load_cache
from .digest import Digest
from .digest_files import read_digest
from .lastbuild import (
    LastBuild, input_files, load_last_build, output_files, output_stats, save_last_build, unchanged_since,
)
from .errors import BuildErrors, OutputError, SourceError, counted, paper_files_written, raise_if_any
from .ingest import IngestPlan, plan_ingest
from .markup import make_digest_text, make_markdown
from .pages import OwnPage, read_pages
from .papers import Memo, merge_entries, no_memo, parse_papers
from .render import BUILTIN_TEMPLATES, LaterPage, StaticFiles, StoredPages, make_environment, render_site
from .search import LUNR_JS, PendingSearchIndex, SearchFiles, SearchSizes, search_documents
from .related import Terms, Vocabulary, related_by_terms
from .site import (
    PaperView, Related, RelatedSource, Site, build_site, html_to_text, in_title_order, listed_in, related_sources,
    source_word_counts,
)
from .template_checks import unshown_blocks, unused_templates
from .topics import Taxonomy, assign_topics, placement_warnings
from .topics_yaml import parse_taxonomy
from .weight import PageWeight, measure_first_visit
from .parallel import PARALLEL_MIN_ITEMS, Forked, default_workers
from .writer import (
    check_output_dir, remove_stale_temp_files, write_atomic_with, write_files, write_site, written_at,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Where the command line keeps work between runs, beside the output directory.
CACHE_DIR = ".atlas-cache"
# In the cache directory: the site the last build replaced, which the next makes its new one from.
PREVIOUS_SITE = "previous-site"
STATIC_DIR = PROJECT_ROOT / "static"


@dataclass(frozen=True)
class Paths:
    content: Path
    out: Path
    static: Path = STATIC_DIR
    # Where a build keeps work for the next one (the CLI's .atlas-cache/);
    # None: every build starts from nothing.
    cache: Path | None = None

    @property
    def digests(self) -> Path:
        return self.content / "digests"

    @property
    def papers(self) -> Path:
        return self.content / "papers"

    @property
    def public(self) -> Path:
        return self.content / "public"

    @property
    def pages(self) -> Path:
        return self.content / "pages"

    @property
    def inputs(self) -> tuple[Path, ...]:
        """The directories a build reads, which its output may neither be, hold
        nor lie in (not even in content/ beside digests/ and papers/: the
        preview server watches all of content/, and the site is not content)."""
        return (self.content, self.static, BUILTIN_TEMPLATES)


@dataclass(frozen=True)
class Inputs:
    config: SiteConfig
    taxonomy: Taxonomy
    digests: tuple[Digest, ...]
    plan: IngestPlan
    warnings: tuple[SourceError, ...] = ()


@dataclass(frozen=True)
class SiteSummary:
    """What a build report says about the site (kept, unlike the whole
    model, for showing again when a build finds nothing changed)."""

    pages: int
    counts: Mapping[str, int]  # pages per kind
    papers: int
    topics: int
    dates: int
    domain: str | None

    @classmethod
    def of(cls, site: Site) -> SiteSummary:
        return cls(len(site.pages), dict(site.counts), len(site.papers), len(site.topics), len(site.dates),
                   site.config.domain)


@dataclass(frozen=True)
class BuildReport:
    site: SiteSummary
    plan: IngestPlan
    files: int
    bytes: int
    timings: Mapping[str, float] = field(default_factory=dict)
    warnings: tuple[SourceError, ...] = ()
    search: SearchSizes | None = None
    first_visit: PageWeight | None = None  # the heaviest paper page, with what it loads
    skipped: bool = False  # nothing changed since the last build, so nothing was done


def read_inputs(
    paths: Paths, base_url: str | None = None, cache: BuildCache | None = None, workers: int = 1,
) -> Inputs:
    cache = cache or BuildCache()
    if not paths.content.is_dir():
        raise SourceError(
            "content directory not found", paths.content,
            hint="run from the project root or pass --content DIR",
        )
    _check_content_directory(paths.content)
    config = with_base_url(load_config(paths.content / "site.yaml"), base_url)
    taxonomy_path = paths.content / "topics.yaml"
    # None, not "": no file is a site without topics, an empty one an error.
    taxonomy_text = cache.read_text(taxonomy_path) if taxonomy_path.exists() else None
    taxonomy = cache.memo(
        ("taxonomy", taxonomy_text),
        lambda: parse_taxonomy(taxonomy_text, taxonomy_path) if taxonomy_text is not None else Taxonomy(()),
    )
    digests, copies = _read_digests(paths.digests, config.digest_year, cache, workers)
    existing = (
        {path: cache.read_text(path) for path in files_ending(paths.papers, ".md", cache.memo)}
        if paths.papers.is_dir() else {}
    )
    # One assign function per taxonomy text, so memoised topic assignments are
    # reused exactly as long as topics.yaml is unchanged.
    rules_id = hashlib.sha256((taxonomy_text or "").encode()).hexdigest()
    assign = cache.memo(("assign", taxonomy), lambda: TopicRules(rules_id, taxonomy))
    merged = merge_entries(digests)
    plan = plan_ingest(merged.records, existing, paths.papers, assign, partial(cache.memo_many, workers=workers))
    unread = _unread_files(paths.digests, ".txt", "digests") + _unread_files(paths.papers, ".md", "paper files")
    misplaced = placement_warnings(taxonomy, (path.stem for path, _text in plan.texts), plan.own_topics, taxonomy_path)
    if taxonomy_text is None and plan.unfiled:
        # Without the file the site has no topics, as README says; but a file
        # deleted or lost by mistake would take them away without a word. A
        # warning about what ingest does: among the plan's, which a build found
        # unchanged does not repeat.
        plan = replace(plan, warnings=plan.warnings + (SourceError(
            f"not found: ingest takes the topics away from {counted(plan.unfiled, 'paper')}", taxonomy_path,
            hint=f"restore the file (git checkout {taxonomy_path}, say) to file them again; "
                 "for a site without topics, nothing more is needed",
        ),))
    return Inputs(config, taxonomy, digests, plan, unread + copies + merged.warnings + plan.warnings + misplaced)


def read_own_pages(paths: Paths, cache: BuildCache) -> tuple[tuple[OwnPage, ...], tuple[SourceError, ...]]:
    """The pages of content/pages/, and warnings for what is there but not
    read (a folder: a page's address is its file name alone). Not among the
    inputs ingest reads: a mistake in a page stops a build, not an ingest."""
    if not paths.pages.is_dir():
        return (), ()
    texts = ((path, cache.read_text(path)) for path in files_ending(paths.pages, ".md", cache.memo))
    return read_pages(texts, paths.public), _unread_files(paths.pages, ".md", "pages")


def _misnamings(wanted: str) -> tuple[str, ...]:
    """Names a settings file is saved under by mistake, lower-cased: "topics.yml",
    "Topics.YAML", "topics.yaml.txt". Not a backup such as "topics.yaml.bak"."""
    stem = wanted.removesuffix(".yaml")
    return tuple(f"{stem}{ending}" for ending in (".yaml", ".yml", ".yaml.txt", ".yml.txt"))


def _check_content_directory(content: Path) -> None:
    """Refuse a content directory that is not one, or whose settings files
    are misnamed: built on, it would replace the site with an empty one, or
    (without topics.yaml) rewrite every paper file with no topics."""
    names = os.listdir(content)
    if not {"site.yaml", "topics.yaml", "digests", "papers"} & set(names):
        raise SourceError(
            "not a content directory: it has none of site.yaml, topics.yaml, digests/ and papers/", content,
            hint="pass the directory that holds them (--content DIR; default: content)",
        )
    misnamed = [
        SourceError(f"not read: settings are read from {wanted}", content / name, hint=f"rename it to {wanted}")
        for wanted in ("site.yaml", "topics.yaml") if wanted not in names
        for name in sorted(names) if name.lower() in _misnamings(wanted)
    ]
    raise_if_any(misnamed)


# What editors and tools keep beside a file being edited, which no build
# reads and no save of one's own is: hidden files (".x.md.swp", a Mac's
# "._x.txt", ".DS_Store"), Emacs's "#x.md#" and "x.md~", temp files ("x.tmp"),
# vim's "4913" probe, `sed -i`'s "sedAbC123", JetBrains' "x.md___jb_tmp___".
_EDITORS_FILE = re.compile(r"[.#].*|.*(?:~|\.swp|\.swx|\.tmp)|4913|sed[A-Za-z0-9]{6}|.*___jb_(?:tmp|old)___")


def editors_file(name: str) -> bool:
    return _EDITORS_FILE.fullmatch(name) is not None


def _unread_files(directory: Path, suffix: str, what: str) -> tuple[SourceError, ...]:
    """What is in ``directory`` but not read, for a warning: files without
    ``suffix`` and subdirectories. Hidden files (".DS_Store", a Mac's "._x.txt")
    and an editor's backups ("x.txt~", "x.txt.bak") pass unmentioned."""
    # The ones read left out first: at 20,000 papers, sorting them all took most of the time.
    names = sorted(name for name in os.listdir(directory) if not name.endswith(suffix)) if directory.is_dir() else []
    unread = []
    for name in names:
        if editors_file(name) or f"{suffix}." in name:  # or a backup of a file read: "x.txt.bak"
            continue
        path = directory / name
        if path.is_dir():
            unread.append(SourceError(f"not read: a folder ({what} are read from {directory} alone)", path,
                                      hint=f"to build them, move them up into {directory}"))
        elif path.is_file():
            unread.append(SourceError(f"not read: {what} are {suffix} files", path,
                                      hint=f"if it is one, give its name the {suffix} ending"))
    return tuple(unread)


def _read_digests(
    directory: Path, default_year: int | None, cache: BuildCache, workers: int = 1,
) -> tuple[tuple[Digest, ...], tuple[SourceError, ...]]:
    """The digests, and a warning for each that is a byte-for-byte copy of
    another (a second download, "2025-03-18 (1).txt"): its papers count once."""
    jobs = []
    errors: list[SourceError] = []
    copies: list[SourceError] = []
    first_with: dict[str, Path] = {}
    for path in files_ending(directory, ".txt", cache.memo) if directory.is_dir() else ():
        try:
            # Keyed by a hash of the file's bytes read in blocks, not by the
            # bytes: digests are streamed from disk, so a huge one never sits
            # in memory as a whole.
            file_hash = cache.file_hash(path)
        except SourceError as error:
            errors.append(error)
            continue
        original = first_with.setdefault(file_hash, path)
        if original is not path:
            # Not read at all: a copy named for another day or year would
            # otherwise give its papers that date too.
            copies.append(SourceError(
                f"the same text as {original.name}: the papers of the two are read once", path,
                hint="delete one of the two files",
            ))
            continue
        jobs.append((("digest", path, file_hash, default_year), partial(read_digest, path, default_year)))
    # Parsed on both cores: two years of daily digests take half a second.
    try:
        digests = cache.memo_many(jobs, workers)
    except BuildErrors as error:
        errors.extend(error.errors)
    except SourceError as error:
        errors.append(error)
    raise_if_any(sorted(errors, key=lambda error: str(error.path)))  # in file order, as listed
    return tuple(digests), tuple(copies)


# The related papers; the terms made for papers that had none kept, and the
# words that took new ids meanwhile (in a child: its vocabulary is a copy).
RelatedAndTerms = tuple[Related, dict[RelatedSource, Terms], tuple[str, ...]]


def _start_related(
    cache: BuildCache, sources: Sequence[RelatedSource], workers: int,
) -> tuple[Callable[[Sequence[RelatedSource]], Related], Forked[RelatedAndTerms] | None]:
    """Related papers for ``sources``, memoised, as build_site asks for them;
    started now in a child process on the other core, when not in the memo,
    so that they are found while the rest of the site model is built (they
    are its largest serial part). With a long-lived cache (the preview
    server's) each paper's terms are memoised too, with one vocabulary for
    all builds, so a new digest counts only its own papers' words (about
    30 MB kept between rebuilds); the child sends back the terms it made and
    the words it numbered. Returns the function for build_site and the
    child, to close once it is done."""
    key = ("related", tuple(sources))
    known: dict[RelatedSource, Terms] = {}
    # The one memo entry that changes: it only grows, and terms are keyed by
    # it, so terms are never read with another vocabulary's ids.
    vocabulary = cache.memo(("vocabulary",), Vocabulary) if cache.long_lived else Vocabulary()
    if cache.long_lived:
        # Asked for on every rebuild, so that they are kept while the related
        # papers themselves come from the memo.
        for source in sources:
            terms = cache.kept(("terms", vocabulary, source))
            if terms is not None:
                known[source] = terms
    # A preview's first build may find the related papers in the disk cache,
    # but not the terms, which only a long-lived cache keeps: they are made
    # all the same, or the first rebuild would make them all (1.3 s of its
    # 2.9 s at 20,000 papers).
    missing_terms = cache.long_lived and len(known) < len(sources)
    compute: Callable[[], RelatedAndTerms] = partial(
        _related_and_new_terms, sources, known, vocabulary, cache.long_lived,
    )
    forked = None
    if workers > 1 and len(sources) >= PARALLEL_MIN_ITEMS and (missing_terms or not cache.has(key)):
        forked = Forked(compute)
        compute = forked.result

    def related_keeping_terms() -> Related:
        related, made, numbered = compute()
        vocabulary.extend(numbered)  # what the child numbered; numbered already if done here
        for source, terms in made.items():
            cache.memo(("terms", vocabulary, source), lambda terms=terms: terms)
        return related

    def find_related(asked: Sequence[RelatedSource]) -> Related:
        if tuple(asked) != key[1]:
            raise AssertionError("build_site asked for the related papers of other papers")
        if missing_terms and cache.has(key):
            related_keeping_terms()  # for its terms: the related papers are the memo's
        return cache.memo(key, related_keeping_terms)

    return find_related, forked


def _related_and_new_terms(
    sources: Sequence[RelatedSource], known: Mapping[RelatedSource, Terms], vocabulary: Vocabulary, keep: bool,
) -> RelatedAndTerms:
    """The related papers, and (with ``keep``) the terms made for them that
    were not ``known`` and the words ``vocabulary`` numbered for them."""
    size = len(vocabulary)
    made: dict[RelatedSource, Terms] = {}

    def terms_of(source: RelatedSource) -> Terms:
        terms = known.get(source)
        if terms is None:
            terms = made[source] = vocabulary.terms(source_word_counts(source))
        return terms

    terms = [terms_of(source) for source in sources]
    related = related_by_terms(terms, len(vocabulary))
    return (related, made, vocabulary.words_since(size)) if keep else (related, {}, ())


def files_ending(directory: Path, suffix: str, memo: Memo = no_memo) -> tuple[Path, ...]:
    """``sorted(directory.glob("*" + suffix))`` but for hidden files (a Mac's
    "._x.txt" beside each file it copies), five times faster: listed by
    name, with a Path made only for the names that match. Memoised, a
    rebuild gets the same Path objects as the last: their hashes are
    computed once, not for every dictionary they key."""
    return tuple(
        memo(("path", directory, name), partial(directory.joinpath, name))
        for name in sorted(os.listdir(directory)) if name.endswith(suffix) and not name.startswith(".")
    )


@dataclass(frozen=True)
class TopicRules:
    """assign_topics for one topics.yaml: equal, hashed and (in cache keys)
    pickled as that file's hash, so keys stay small and survive between builds."""

    fingerprint: str
    taxonomy: Taxonomy = field(compare=False, repr=False)

    def __call__(self, title: str, abstract: str, slug: str) -> tuple[str, ...]:
        return assign_topics(self.taxonomy, title, abstract, slug)

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return str, (f"topic-rules:{self.fingerprint}",)


def write_ingest(plan: IngestPlan) -> tuple[SourceError, ...]:
    """Write the paper files ingest changed, except any saved again since the
    build read it: the build's text was made from the old one, so writing it
    would undo that edit. Such files are left as saved, with a warning; the
    next build starts from them."""
    if not plan.read_as:
        return ()
    # Temp files a killed ingest left, where this one writes (not per paper:
    # 20,000 of them are in one directory), beside the file a link leads to too.
    for directory in {written_at(path).parent for path, _text in plan.read_as}:
        remove_stale_temp_files(directory)
    texts, read_as = dict(plan.texts), dict(plan.read_as)
    # Asked of each file the moment before it is replaced, not of all of
    # them first: an edit saved while others are written is kept too.
    left = write_files(
        {path: texts[path].encode("utf-8") for path in read_as}, lambda path: _still_reads_as(path, read_as[path]),
    )
    return tuple(
        SourceError(
            "saved while the build was running, so ingest left it as saved",
            path, hint="build again to add what the digests say about this paper",
        )
        for path in left
    )


def _still_reads_as(path: Path, text: str | None) -> bool:
    """Whether the file holds ``text`` as the build reads it (None: no file)."""
    try:
        return path.read_bytes().decode("utf-8-sig") == text
    except FileNotFoundError:
        return text is None
    except (OSError, UnicodeDecodeError):
        return False


def ingest(paths: Paths) -> tuple[IngestPlan, tuple[SourceError, ...]]:
    """Update content/papers/ from the digests; nothing else is read or
    written. Returns the plan and its warnings, the files left as saved
    meanwhile among them."""
    inputs = read_inputs(paths)
    return inputs.plan, inputs.warnings + write_ingest(inputs.plan)


def digest_order(digests: tuple[Digest, ...]) -> dict[dt.date, tuple[str, ...]]:
    order: dict[dt.date, list[str]] = {}
    for digest in sorted(digests, key=lambda d: (d.date, d.path.name)):
        keys = order.setdefault(digest.date, [])
        for entry in digest.entries:
            if entry.key not in keys:
                keys.append(entry.key)
    return {date: tuple(keys) for date, keys in order.items()}


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


@dataclass(frozen=True)
class SiteBuild:
    """Everything a build produces, in memory, before anything is written."""

    site: Site
    plan: IngestPlan
    files: Mapping[str, bytes]  # output path → bytes
    rendered: tuple[str, ...]  # pages rendered this time (the rest came from the cache)
    timings: Mapping[str, float]
    warnings: tuple[SourceError, ...] = ()
    search: SearchFiles | None = None
    assets: Mapping[str, str] = field(default_factory=dict)  # logical name → fingerprinted path
    # With make_site(defer=True): the pages left to render, and the search
    # index, not started yet (then ``search`` is None).
    later: Mapping[str, LaterPage] = field(default_factory=dict)
    pending_search: LaterSearch | None = None


class LaterSearch:
    """A deferred build's search index: its documents are gathered and Node
    started by the first :meth:`start` (the preview server calls it once the
    new pages are served), from whichever thread comes first."""

    def __init__(self, start: Callable[[], PendingSearchIndex]) -> None:
        self._start = start
        self._pending: PendingSearchIndex | None = None
        self._lock = threading.Lock()

    def start(self) -> PendingSearchIndex:
        # A start that failed is tried again when asked again: the memo keeps
        # no failure, so it fails the same way.
        with self._lock:
            if self._pending is None:
                self._pending = self._start()
            return self._pending

    def result(self) -> SearchFiles:
        return self.start().result()


def make_site(
    paths: Paths,
    base_url: str | None = None,
    cache: BuildCache | None = None,
    progress: Callable[[str], None] = lambda message: None,
    workers: int | None = None,
    defer: bool = False,
) -> SiteBuild:
    """Read, check and render everything; write nothing. Pages render in
    ``workers`` processes (default: up to two, one per core).

    With ``defer`` (the preview server), pages are left to render when
    requested, but for one page per template, and the search index is not
    even started: see :attr:`SiteBuild.later` and :class:`LaterSearch`."""
    cache = cache or BuildCache()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    progress("reading digests and papers")
    workers = default_workers() if workers is None else workers
    inputs = read_inputs(paths, base_url, cache, workers)
    # In title order from here on: the model's lists are stable sorts of it,
    # and sorting a sorted list again takes one pass, not a sort.
    papers = in_title_order(parse_papers(inputs.plan.texts, partial(cache.memo_many, workers=workers)))
    own_pages, unread_pages = read_own_pages(paths, cache)
    lap("read")
    progress(f"building the site model for {len(papers)} papers")

    def start_search(views: Sequence[PaperView]) -> PendingSearchIndex:
        documents = search_documents(
            views, lambda html: cache.memo(("search-text", html), lambda: html_to_text(html)),
        )
        pending = cache.memo(("search", documents), lambda: PendingSearchIndex(documents))
        # The same documents as a build that failed: its Node run, stopped
        # then, starts now, beside rendering, not once rendering is done.
        pending.resume()
        return pending

    # Node builds the search index on the other core while the related
    # papers are found and pages render; a deferred build leaves even
    # starting it for later.
    searches: list[PendingSearchIndex] = []

    def views_made(views: tuple[PaperView, ...]) -> None:
        if not defer:
            searches.append(start_search(views))

    # Node would work on for seconds after a failed build: nothing waits for it.
    try:
        find_related, forked = _start_related(cache, related_sources(papers), workers)
        try:
            markdown, digest_text = make_markdown(), make_digest_text()
            order = digest_order(inputs.digests)
            in_digests = listed_in(order)
            # Rendered here on both cores; the views ask for them one by one. A
            # deferred rebuild (the preview's) has all but a few views in its
            # memo, and the views' own misses are too few to share out: asking
            # for 40,000 texts here would cost more than they do (0.15 s at
            # 20,000 papers). The texts are then forgotten until a view changes.
            if not defer:
                cache.memo_many(
                    (
                        job for paper in papers for job in (
                            (("digest-text", paper.abstract), partial(digest_text, paper.abstract))
                            if paper.key in in_digests
                            else (("markdown", paper.abstract), partial(markdown, paper.abstract)),
                            (("markdown", paper.notes), partial(markdown, paper.notes)),
                        ) if job[0][1]
                    ),
                    workers,
                )
            site = build_site(
                inputs.config, papers, inputs.taxonomy,
                lambda text: cache.memo(("markdown", text), lambda: markdown(text)),
                order, find_related, cache.memo,
                lambda text: cache.memo(("digest-text", text), lambda: digest_text(text)), views_made,
                own_pages=own_pages,
            )
        finally:
            if forked is not None:
                forked.close()  # a child never asked for (the model failed first)
        lap("model")
        progress(f"rendering {len(site.pages)} pages")
        assets, files, asset_warnings = collect_assets(paths.static, {"lunr.js": LUNR_JS})
        if paths.public.is_dir():
            files.update(collect_public(paths.public, {page.output_path: page.template for page in site.pages}))
        env = make_environment(inputs.config)
        block_errors, block_warnings = unshown_blocks(env, site)
        raise_if_any(list(block_errors))
        warnings = inputs.warnings + unread_pages + asset_warnings + unused_templates(env, site) + block_warnings
        stored = StoredPages(cache.stored_page, available=bool(cache.stored_pages)) if cache.persistent else None
        later: dict[str, LaterPage] | None = {} if defer else None
        pages, rendered = render_site(env, site, assets, cache.pages, stored, workers, later)
        cache.page_digests = stored.digests if stored else {}
        cache.undigested_pages = stored.undigested if stored else {}
        files.update(pages)
    except BaseException:
        for pending in searches:
            pending.cancel()
        raise
    lap("render")
    if later is not None:
        cache.end_build()  # what start_search memoises counts as used by the next build
        return SiteBuild(
            site, inputs.plan, files, rendered, timings, warnings, None, assets, later,
            LaterSearch(partial(start_search, site.papers)),
        )
    (pending,) = searches
    progress("finishing the search index")
    search = pending.result()
    files.update(search.files)
    lap("search")
    cache.end_build()
    return SiteBuild(site, inputs.plan, files, rendered, timings, warnings, search, assets)


def build(
    paths: Paths,
    base_url: str | None = None,
    progress: Callable[[str], None] = lambda message: None,
    cache: BuildCache | None = None,
    workers: int | None = None,
) -> BuildReport:
    """A full build: make the site, then write paper files and swap in the output.

    Without a ``cache`` and with ``paths.cache`` set, work is reused from the
    previous build's on-disk cache and saved for the next one; the output is
    byte-identical either way, and an unchanged site is not rewritten."""
    check_output_dir(paths.out, paths.inputs)
    distrusted = untrusted_cache(paths.cache) if cache is None and paths.cache is not None else None
    if distrusted is not None:
        paths = replace(paths, cache=None)
    persistent = cache is None and paths.cache is not None
    parallel = (default_workers() if workers is None else workers) > 1
    inputs = last = None
    if persistent:
        start = time.perf_counter()
        progress("checking for changes")
        last = load_last_build(paths.cache)
        # Hashed before the build reads them, never beside it: a file saved
        # meanwhile is then recorded as it was, and the next build is a real
        # one, instead of being recorded as saved and skipped over. With no
        # last build to compare with, the paper files are hashed as the build
        # reads them, not read twice (0.9 s at 20,000 papers).
        inputs = input_files(paths, base_url, (BUILTIN_TEMPLATES, LUNR_JS), papers_hashed_as_read=last is None)
        if unchanged_since(last, inputs, paths.out):
            return replace(last.report, skipped=True, timings={"check": time.perf_counter() - start})
        cache = load_cache(paths.cache, paths.out)
    result = make_site(paths, base_url, cache, progress, workers)
    if persistent and inputs is not None and last is None:
        read = ((path, cache.read_hash(path)) for path, _text in result.plan.texts)
        inputs = inputs.with_hashes((path, digest) for path, digest in read if digest is not None)
    start = time.perf_counter()
    progress("writing")
    kept, written = _write_outputs(paths, result, cache if persistent else None, parallel)
    report = BuildReport(
        site=SiteSummary.of(result.site), plan=result.plan, files=len(result.files),
        bytes=sum(len(data) for data in result.files.values()), timings={},
        warnings=result.warnings + kept, search=result.search.sizes() if result.search else None,
        first_visit=_heaviest_paper_page(result.files, result.site.config.base_path),
    )
    if persistent and inputs is not None:
        # The inputs as this build leaves them: as it read them, with the
        # paper files it wrote. A file someone changed meanwhile differs from
        # both, so the next build is a real one.
        texts = dict(result.plan.texts)
        inputs = inputs.with_texts((path, texts[path]) for path in result.plan.changed)
        # The report without every paper file's text (tens of megabytes at
        # 20,000 papers), which only this build needs, and without the
        # warnings about what it did to paper files: the next build, if it
        # finds nothing changed, repeats the warnings about what still is.
        done = {id(warning) for warning in result.plan.warnings + kept}
        shown = replace(
            report, plan=IngestPlan((), (), 0),
            warnings=tuple(warning for warning in report.warnings if id(warning) not in done),
        )
        outputs = written if written is not None else output_stats(paths.out)
        try:
            save_last_build(paths.cache, LastBuild(inputs.fingerprint(), outputs, shown))
        except OSError as error:
            unsaved = unsaved_cache(error, paths.cache)
            if str(unsaved) not in map(str, report.warnings):
                report = replace(report, warnings=report.warnings + (unsaved,))
    if distrusted is not None:
        report = replace(report, warnings=(distrusted, *report.warnings))
    return replace(report, timings={**result.timings, "write": time.perf_counter() - start})


def _write_outputs(
    paths: Paths, result: SiteBuild, cache: BuildCache | None, parallel: bool = False,
) -> tuple[tuple[SourceError, ...], dict[str, tuple[int, int]] | None]:
    """Write the paper files ingest changed and the site; with an on-disk
    ``cache``, skip an unchanged site and save the cache for the next build.
    Returns warnings (paper files left as saved during the build, a cache
    that could not be saved), and the output files' stats when the site was
    written (None: left as it was)."""
    kept = write_ingest(result.plan)
    try:
        cache_warnings, written = _write_site_and_cache(paths, result, cache, parallel)
    except SourceError as error:
        if len(kept) == len(result.plan.read_as):  # no paper file was written
            raise
        raise OutputError(
            error.message, error.path, error.line, error.hint,
            written=f"{paper_files_written(len(result.plan.read_as) - len(kept))}; the previous site is unchanged.",
        ) from None
    return kept + cache_warnings, written


def _write_site_and_cache(
    paths: Paths, result: SiteBuild, cache: BuildCache | None, parallel: bool,
) -> tuple[tuple[SourceError, ...], dict[str, tuple[int, int]] | None]:
    if cache is None:
        return (), write_site(paths.out, result.files)
    written = None
    assert paths.cache is not None  # a cache to save means a directory to save it in
    save_path = paths.cache / CACHE_FILE
    manifest = cache.manifest(result.files)
    unchanged = _output_unchanged(paths.out, result, manifest, cache)
    save: Callable[[], None] | None = None
    saving: Forked[None] | None = None
    # A build that computed nothing new would save the cache it loaded.
    if not (unchanged and cache.last_new_entries == 0):
        cache.pages.clear()  # rendered bytes are not kept on disk; free them first
        save = partial(save_cache, cache, manifest, save_path)
        if not unchanged and parallel:
            # Digested and pickled by a forked child while this process
            # writes the site, which mostly waits on the kernel. (In a thread
            # the two would convoy on the GIL.)
            saving = Forked(save)
    warnings: tuple[SourceError, ...] = ()
    try:
        if not unchanged:
            written = write_site(paths.out, result.files, keep_previous_in=paths.cache / PREVIOUS_SITE)
        try:
            if saving is not None:
                saving.result()  # saved here instead if the child failed
            elif save is not None:
                save()
        except OSError as error:
            warnings = (unsaved_cache(error, paths.cache),)
    finally:
        if saving is not None:
            # Stops a child still saving when writing the site failed, and
            # removes the temp file it was writing.
            saving.close()
            remove_stale_temp_files(save_path.parent)
    return warnings, written


def untrusted_cache(cache_dir: Path) -> SourceError | None:
    """Why a build must not use ``cache_dir``, or None. The cache is pickles,
    which run code as they load, and the site kept in it becomes the next
    output: another user's (one made first in /tmp, say, for an output in
    /tmp) is neither read nor written. (One of the user's own that others
    may write to is as open as the templates beside it, which run code too;
    and on some file systems, such as Windows drives under WSL, every
    directory is.)"""
    getuid = getattr(os, "getuid", None)  # (not on Windows, where a directory has no such owner)
    try:
        found = os.stat(cache_dir)
    except OSError:
        return None  # none yet (this build makes it, its own), or reported when saving
    if getuid is None or found.st_uid == getuid():
        return None
    return SourceError(
        "not using this build cache: it belongs to another user, and a build runs what it holds", cache_dir,
        hint="delete it, or build with --out in a directory of your own",
    )


def unsaved_cache(error: OSError, cache_dir: Path) -> SourceError:
    """The site is written; a cache that cannot be saved only makes the next build slower."""
    if cache_dir.exists() and not cache_dir.is_dir():
        return SourceError(
            "cannot save the build cache: this is a file, not a directory", cache_dir,
            hint="the site was built; delete the file so that the next build can reuse this one's work",
        )
    return SourceError(
        f"cannot save the build cache: {error.strerror}", cache_dir,
        hint="the site was built; the next build starts from scratch unless this directory becomes writable",
    )


def save_cache(cache: BuildCache, manifest: Mapping[str, bytes], path: Path) -> None:
    """Save ``cache`` for the next build, with each output's (context digest,
    output digest); the context digests pages were rendered without are made here."""
    page_digests = dict(cache.page_digests)
    for page, make_digest in cache.undigested_pages.items():
        digest = make_digest()
        if digest is not None:
            page_digests[page] = digest
    digests = {output: (page_digests.get(output, b""), digest) for output, digest in manifest.items()}
    write_atomic_with(path, partial(dump_cache, cache, digests))


def _output_unchanged(out: Path, result: SiteBuild, manifest: Mapping[str, bytes], cache: BuildCache) -> bool:
    """Whether ``out`` already holds exactly ``result.files``, so writing can be skipped.

    Pages reused from the cache were read back from ``out`` and checked, so
    only the rendered pages and other files are compared with the disk here.
    """
    stored = cache.stored_pages
    if result.rendered or stored.keys() != manifest.keys():
        return False
    if any(stored[path][1] != digest for path, digest in manifest.items()):
        return False
    if {relative for relative, _path in output_files(out)} != manifest.keys():
        return False
    for path in manifest.keys() - cache.page_digests.keys():
        try:
            if content_digest(out.joinpath(*path.split("/")).read_bytes()) != manifest[path]:
                return False
        except OSError:
            return False
    return True


def _heaviest_paper_page(files: Mapping[str, bytes], base_path: str) -> PageWeight | None:
    pages = [path for path in files if path.startswith("papers/") and path.count("/") == 2]
    if not pages:
        return None
    return measure_first_visit(files, max(sorted(pages), key=lambda path: len(files[path])), base_path)

