"""The build, end to end: read and check everything, then write.

Nothing is written until every input has been read, validated and rendered,
so a mistake anywhere leaves ``content/papers/`` and the previous site as they
were.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

from .assets import collect_assets, collect_public, public_names
from .cache import CACHE_FILE, BuildCache, content_digest, dump_cache, load_cache
from .errors import OutputError, SourceError, paper_files_written, raise_if_any, shown_name
from .ingest import IngestPlan, PreviewWrites
from .inputs import Paths, digest_order, read_inputs, read_own_pages, write_ingest
from .lastbuild import (
    LastBuild, input_files, load_last_build, output_files, output_stats, pages_gone, save_last_build, unchanged_since,
)
from .links import links_to_nowhere
from .markup import UNDER_THE_TITLE, html_to_text, make_digest_text, make_markdown
from .pages import OwnPage
from .papers import Paper, parse_papers
from .parallel import PARALLEL_MIN_ITEMS, Forked, default_workers
from .raw_html import html_shown_as_text
from .related_worker import RelatedWorker
from .render import BUILTIN_TEMPLATES, LaterPage, StoredPages, make_environment, render_site, template_ids
from .search import LUNR_JS, PendingSearchIndex, SearchFiles, SearchSizes, search_documents
from .site import (
    PaperView, Related, RelatedSource, Site, build_site, find_related_papers, in_title_order, listed_in, related_sources,
)
from .template_checks import extends_loops, unshown_blocks, unused_templates
from .tex import unshown_math
from .wikilinks import unshown_embeds
from .weight import PageWeight, measure_first_visit
from .writer import check_output_dir, remove_stale_builds, remove_stale_temp_files, write_atomic_with, write_site

# Where the command line keeps work between runs, beside the output directory.
CACHE_DIR = ".atlas-cache"
# In the cache directory: the site the last build replaced, which the next makes its new one from.
PREVIOUS_SITE = "previous-site"


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
    drafts: int = 0  # papers left off the site, marked draft: true
    unused_topics: int = 0  # topics of topics.yaml that no paper has, and so have no page

    @classmethod
    def of(cls, site: Site, drafts: int) -> SiteSummary:
        return cls(len(site.pages), dict(site.counts), len(site.papers), len(site.topics), len(site.dates),
                   site.config.domain, drafts, len(site.unused_topics))


@dataclass(frozen=True)
class BuildReport:
    site: SiteSummary
    plan: IngestPlan
    ingest: str  # the plan's summary, as the build knows it
    files: int
    bytes: int
    timings: Mapping[str, float] = field(default_factory=dict)
    warnings: tuple[SourceError, ...] = ()
    search: SearchSizes | None = None
    first_visit: PageWeight | None = None  # the heaviest paper page, with what it loads
    skipped: bool = False  # nothing changed since the last build, so nothing was done


def _start_related(
    cache: BuildCache, sources: Sequence[RelatedSource], workers: int, worker: RelatedWorker | None,
) -> tuple[Callable[[Sequence[RelatedSource]], Related], Forked[Related] | None]:
    """Related papers for ``sources``, memoised, as build_site asks for them;
    started now on the other core, when not in the memo, so that they are
    found while the rest of the site model is built (they are its largest
    serial part): by the preview's ``worker``, which keeps each paper's terms
    from rebuild to rebuild, or by a child forked for this build (also in the
    preview, once its worker is given up on). Returns the
    function for build_site and the child, to close once it is done."""
    key = ("related", tuple(sources))
    compute: Callable[[], Related] = partial(find_related_papers, sources)
    forked = None
    if worker is not None and worker.usable and len(sources) >= PARALLEL_MIN_ITEMS:
        # Also when the memo has them (the disk cache's, in a preview's first
        # build): the worker then has the terms of all by the first rebuild.
        if not cache.has(key) or not worker.holds(sources):
            worker.start(sources)

        def from_worker() -> Related:
            related = worker.result()
            return related if related is not None else find_related_papers(sources)  # it failed: here, then

        compute = from_worker
    elif workers > 1 and len(sources) >= PARALLEL_MIN_ITEMS and not cache.has(key):
        forked = Forked(compute)
        compute = forked.result

    def find_related(asked: Sequence[RelatedSource]) -> Related:
        if tuple(asked) != key[1]:
            raise AssertionError("build_site asked for the related papers of other papers")
        return cache.memo(key, compute)

    return find_related, forked


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
    drafts: int = 0  # papers left off the site, marked draft: true


def search_index_for(views: Sequence[PaperView], cache: BuildCache) -> PendingSearchIndex:
    """The search index of ``views``, under way under Node: the one already
    made for the same documents, if ``cache`` holds it."""
    documents = search_documents(
        views, lambda html: cache.memo(("search-text", html), lambda: html_to_text(html)),
    )
    pending = cache.memo(("search", documents), lambda: PendingSearchIndex(documents))
    # The same documents as a build that failed: its Node run, stopped
    # then, starts now, beside rendering, not once rendering is done.
    pending.resume()
    return pending


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

    def cancel(self) -> None:
        """Stop Node, for an index a newer one replaces before it is written."""
        with self._lock:
            if self._pending is not None:
                self._pending.cancel()


def make_site(
    paths: Paths,
    base_url: str | None = None,
    cache: BuildCache | None = None,
    progress: Callable[[str], None] = lambda message: None,
    workers: int | None = None,
    defer: bool = False,
    related_worker: RelatedWorker | None = None,
    preview_writes: PreviewWrites = PreviewWrites(),
) -> SiteBuild:
    """Read, check and render everything; write nothing. Pages render in
    ``workers`` processes (default: up to two, one per core); the related
    papers are found by ``related_worker`` when given (the preview's), and
    ``preview_writes`` are the paper files the preview's ingest wrote.

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
    inputs = read_inputs(paths, base_url, cache, workers, preview_writes, public_names)
    # In title order from here on: the model's lists are stable sorts of it,
    # and sorting a sorted list again takes one pass, not a sort.
    parsed = parse_papers(inputs.plan.texts, partial(cache.memo_many, workers=workers))
    papers = in_title_order(paper for paper in parsed if not paper.draft)
    own_pages, unread_pages = read_own_pages(paths, cache)
    lap("read")
    progress(f"building the site model for {len(papers):,} papers")

    start_search = partial(search_index_for, cache=cache)

    # Node builds the search index on the other core while the related
    # papers are found and pages render; a deferred build leaves even
    # starting it for later.
    searches: list[PendingSearchIndex] = []

    def views_made(views: tuple[PaperView, ...]) -> None:
        if not defer:
            searches.append(start_search(views))

    # Node would work on for seconds after a failed build: nothing waits for it.
    try:
        find_related, forked = _start_related(cache, related_sources(papers), workers, related_worker)
        try:
            markdown, digest_text = make_markdown(), make_digest_text()
            page_markdown = make_markdown(UNDER_THE_TITLE)
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
            env = make_environment(inputs.config)
            site = build_site(
                inputs.config, papers, inputs.taxonomy,
                lambda text: cache.memo(("markdown", text), lambda: markdown(text)),
                order, find_related, cache.memo,
                lambda text: cache.memo(("digest-text", text), lambda: digest_text(text)), views_made,
                own_pages=own_pages,
                render_page_markdown=lambda text: cache.memo(("page-markdown", text), lambda: page_markdown(text)),
                ids_of_template=partial(template_ids, env),
                published=partial(public_names, paths.public),
            )
        finally:
            if forked is not None:
                forked.close()  # a child never asked for (the model failed first)
        lap("model")
        progress(f"rendering {len(site.pages):,} pages")
        assets, files, asset_warnings = collect_assets(paths.static, {"lunr.js": LUNR_JS})
        public: dict[str, bytes] = {}
        if paths.public.is_dir():
            public, public_warnings = collect_public(
                paths.public, {page.output_path: page.template for page in site.pages},
            )
            files.update(public)
            asset_warnings += public_warnings
        raise_if_any(list(extends_loops(env, site)))
        block_errors, block_warnings = unshown_blocks(env, site)
        raise_if_any(list(block_errors))
        warnings = inputs.warnings + unread_pages + asset_warnings + unused_templates(env, site) + block_warnings
        stored = StoredPages(cache.stored_page, available=bool(cache.stored_pages)) if cache.persistent else None
        later: dict[str, LaterPage] | None = {} if defer else None
        pages, rendered = render_site(env, site, assets, cache.pages, stored, workers, later)
        cache.page_digests = stored.digests if stored else {}
        cache.undigested_pages = stored.undigested if stored else {}
        files.update(pages)
        written = tuple(_written(site, papers, own_pages))
        warnings += links_to_nowhere(
            site.config.base_path, written, lambda: files.keys() | {page.output_path for page in site.pages},
            site.config.absolute_base, partial(_page_html, files, later or {}, cache), site.shared_link_names,
            site.other_link_names, cache.memo,
        )
        shown = tuple((url, html, path, line) for url, html, path, line, _markdown in written)
        warnings += unshown_math(shown)
        warnings += unshown_embeds(shown, public, site.link_targets.keys() | site.shared_link_names.keys())
        warnings += html_shown_as_text(shown)
    except BaseException:
        for pending in searches:
            pending.cancel()
        raise
    lap("render")
    if later is not None:
        cache.end_build()  # what start_search memoises counts as used by the next build
        return SiteBuild(
            site, inputs.plan, files, rendered, timings, warnings, None, assets, later,
            LaterSearch(partial(start_search, site.papers)), drafts=len(parsed) - len(papers),
        )
    (pending,) = searches
    progress("finishing the search index")
    search = pending.result()
    files.update(search.files)
    lap("search")
    cache.end_build()
    return SiteBuild(site, inputs.plan, files, rendered, timings, warnings, search, assets, drafts=len(parsed) - len(papers))


def _page_html(
    files: Mapping[str, bytes], later: Mapping[str, LaterPage], cache: BuildCache, output: str,
) -> bytes | None:
    """The HTML of a page a link of yours names an id of. One the preview
    left for later is rendered now (a few pages, where it leaves thousands),
    and kept as its own renders are: the next rebuild does not render it again."""
    html = files.get(output)
    if html is None and output in later:
        html = later[output].render()
        cache.pages[output] = (later[output].key, html)
    return html


def _written(
    site: Site, papers: Sequence[Paper], own_pages: Sequence[OwnPage],
) -> Iterator[tuple[str, str, Path, int, str]]:
    """What you wrote, as the site shows it: each page's URL, the HTML you
    wrote there (notes; the abstract of a paper of your own; a page of your
    own), the file it is in, the line of the file it starts on, and its Markdown."""
    yours = [view for view in site.papers if view.notes_html or not view.listed]
    # Each paper's file, looked up only when a paper has something of yours
    # (a site of digests alone, rebuilt in the preview, has none).
    paper_of = {paper.slug: paper for paper in papers} if yours else {}
    for view in yours:
        # In the file's order, abstract then notes, as their warnings are told.
        paper = paper_of[view.slug]
        if not view.listed:
            # Read as text: see as_markup.
            yield view.url, str(view.abstract_html), paper.path, paper.abstract_line, paper.abstract
        if view.notes_html:
            yield view.url, str(view.notes_html), paper.path, paper.notes_line, paper.notes
    if own_pages:
        shown = {page.url: str(page.context["body_html"]) for page in site.pages if page.template == "page.html"}
        for own in own_pages:
            yield own.url, shown[own.url], own.path, own.line_below_title, own.body_below_title


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
    check_output_dir(paths.out, paths.inputs, paths.cache)
    # A killed build's tree, of the site's size: not left to write_site
    # alone, which a build that finds nothing changed, or the site
    # unchanged, never calls (it stayed for as long as they did).
    remove_stale_builds(paths.out.resolve())
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
    earlier = (last.outputs_in(paths.out) if last is not None else None) or ()
    gone = pages_gone(earlier, result.files, paths.out, result.site.config.base_path)
    start = time.perf_counter()
    progress("writing")
    kept, written = _write_outputs(paths, result, cache if persistent else None, parallel)
    report = BuildReport(
        site=SiteSummary.of(result.site, result.drafts), plan=result.plan, ingest=result.plan.summary_after(earlier),
        files=len(result.files), bytes=sum(len(data) for data in result.files.values()), timings={},
        warnings=result.warnings + kept + gone,
        search=result.search.sizes() if result.search else None,
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
        # warnings about what it did to paper files and to pages: the next
        # build, if it finds nothing changed, repeats the warnings about what still is.
        done = {id(warning) for warning in result.plan.warnings + kept + gone}
        nothing_ingested = IngestPlan((), (), 0)
        shown = replace(
            report, plan=nothing_ingested, ingest=nothing_ingested.summary,
            warnings=tuple(warning for warning in report.warnings if id(warning) not in done),
        )
        outputs = written if written is not None else output_stats(paths.out)
        try:
            save_last_build(paths.cache, LastBuild(inputs.fingerprint(), outputs, shown, str(paths.out.resolve())))
        except OSError as error:
            unsaved = unsaved_cache(error, paths.cache)
            if str(unsaved) not in map(str, report.warnings):
                report = replace(report, warnings=report.warnings + (unsaved,))
    if distrusted is not None:
        report = replace(report, warnings=(distrusted, *report.warnings))
    return replace(report, timings={**result.timings, "write": time.perf_counter() - start})


def _write_outputs(
    paths: Paths, result: SiteBuild, cache: BuildCache | None, parallel: bool,
) -> tuple[tuple[SourceError, ...], dict[str, tuple[int, int]] | None]:
    """Write the paper files ingest changed and the site; with an on-disk
    ``cache``, skip an unchanged site and save the cache for the next build.
    Returns warnings (paper files left as saved during the build, a cache
    that could not be saved), and the output files' stats when the site was
    written (None: left as it was)."""
    kept = write_ingest(result.plan, paths.papers)
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
            saving.close()  # stops a child still saving when writing the site failed
        # The temp file of a save stopped so, or by a build killed while it
        # saved (a cache's size, left for ever where no save is forked: on one core).
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
    if cache_dir.is_symlink() and not cache_dir.exists():  # mkdir says "File exists" of it
        return SourceError(
            f"cannot save the build cache: it is a link to {shown_name(os.readlink(cache_dir))}, which is not there",
            cache_dir, hint="the site was built; delete the link, or make the folder it leads to, "
            "so that the next build can reuse this one's work",
        )
    if error.errno in (errno.ENOSPC, errno.EDQUOT):  # writable, and full
        hint = "the site was built; free some space there for the next build to reuse this one's work"
    else:
        hint = "the site was built; the next build starts from scratch unless this directory becomes writable"
    return SourceError(f"cannot save the build cache: {error.strerror}", cache_dir, hint=hint)


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

