"""The preview: builds and rebuilds a site into its output directory for
:mod:`.serve`, which watches the files and serves it (its HTTP side is
:mod:`.preview_http`).

One long-lived :class:`BuildCache` makes a rebuild re-render only the pages
whose inputs changed, and only files whose bytes changed are rewritten in the
output directory (:mod:`.preview_output`). One build thread runs rebuilds;
file events only queue a change and wake it. Each successful rebuild that
changed the site bumps a version number that open pages watch over
server-sent events. After a failed rebuild the last good site keeps being
served, with the error laid over every page.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import signal
import threading
import time
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Mapping

import jinja2

from .cache import CACHE_FILE, BuildCache
from .config import load_config
from .errors import BuildErrors, SourceError, counted, shown_name, shown_text
from .ingest import PreviewWrites
from .inline_tags import inline_tags_of, tag_addresses
from .inputs import Paths, check_content_directory, tracked_by_git, unpublished, write_ingest
from .lastbuild import load_last_build, pages_gone
from .links import links_to_nowhere
from .markup import heading_ids, make_markdown
from .papers import parse_paper
from .parallel import Forked
from .pipeline import LaterSearch, SiteBuild, make_site, save_cache, search_index_for, unsaved_cache, untrusted_cache
from .preview_http import PreviewState
from .preview_output import SEARCH_POLL_SECONDS, PreviewOutput
from .raw_html import RAW_HTML
from .related_worker import RelatedWorker
from .render import BUILTIN_PREFIX, BUILTIN_TEMPLATES, make_environment, render_page, template_ids, template_sources
from .search import PendingSearchIndex
from .site import PaperView, Site, shown_markdown
from .tags import each_once
from .tex import MATH_ERROR
from .wikilinks import EMBED
from .watch_paths import links_out_of, named_templates_dir, within
from .writer import check_output_dir

DEBOUNCE_SECONDS = 0.15
# After a rebuild, open pages reload at once; background rendering starts a
# moment later, so their requests do not wait behind it.
FINISH_DELAY_SECONDS = 0.25
SAVE_WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class Rebuild:
    """What one rebuild did, for the terminal and for tests."""

    seconds: float
    pages: int
    rendered: tuple[str, ...]
    written: tuple[str, ...]  # the site's files written or deleted
    changes: tuple[str, ...]
    later: tuple[str, ...] = ()  # pages left to render on request or in the background
    ingest: str = ""  # what ingest added to content/papers/, when it wrote any file
    deleted: int = 0  # how many of written were deleted


class Preview:
    """The state shared by the build thread and the request handlers.

    A rebuild renders no page but one per template (so a broken template
    fails it); the others are rendered when requested, and meanwhile in the
    background by the build thread, which also writes the search index when
    Node has built it. A rebuild at 20,000 papers would otherwise spend
    seconds rendering pages nobody is looking at before the reload. Until
    that is done, the output directory holds the previous bytes of those
    pages; when it is, it holds exactly what a full build writes.
    """

    def __init__(
        self, paths: Paths, base_url: str | None = None, log: Callable[[str], None] = print,
        debounce: float = DEBOUNCE_SECONDS,
    ) -> None:
        check_output_dir(paths.out, paths.inputs, paths.cache)
        # A --content typed wrong, as build refuses it: no save can fix it (a
        # folder not there is not even watched), so serving its error waits for ever.
        check_content_directory(paths.content)
        distrusted = untrusted_cache(paths.cache) if paths.cache is not None else None
        self.paths = Paths(
            paths.content.resolve(), paths.out.resolve(), paths.static.resolve(),
            paths.cache.resolve() if paths.cache is not None and distrusted is None else None,
        )
        self.base_url = base_url
        self.log = log
        if distrusted is not None:
            log(f"warning: {_as_build_says(distrusted)}")
        self.debounce = debounce
        self.cache = BuildCache(long_lived=True)
        self.related = RelatedWorker()  # the related papers' own process, started by the first build
        self._said_related_gave_up = False
        self._saving: threading.Thread | None = None  # the first build's work, going to paths.cache
        self.rebuilds = 0  # rebuilds started after the first build
        self.last: Rebuild | None = None
        # Known before the first build, so that the server watches it during
        # that build: a template saved meanwhile was seen by no watch.
        self.templates_dir = _templates_dir(self.paths.content / "site.yaml", None)
        self._texts: dict[Path, str] = {}  # its paper files' text
        # What re-rendering one paper page needs, from the last good build;
        # None when a template other than paper.html may show notes.
        self._notes_page: tuple[Site, jinja2.Environment, Mapping[str, str]] | None = None
        # The search index of the last notes-only rebuild: memoised as a full
        # build's is, but no build ends between two notes-only rebuilds to
        # forget it, so the next one does (see _notes_search_index).
        self._notes_search: PendingSearchIndex | None = None
        self._own_writes: dict[Path, bytes | None] = {}  # paper files our ingest wrote (None: deleted)
        self._own_folders: frozenset[Path] = frozenset()  # the folders it made for them (content/papers/)
        self._ingest_writes = PreviewWrites()  # every paper file our ingest wrote since the first build
        self._warnings: list[str] = []  # as last said
        # The outputs of the last `build` (or of the first build here), and
        # which of the two wrote them, as the warning says it: their pages
        # that a rename takes away are warned of as `build` warns of them,
        # for one who previews and pushes for CI to build never runs it.
        self._built_before: tuple[tuple[str, ...], str] | None = None
        self._failed_since_warnings = False  # a build or page failed since they were said
        self.output = PreviewOutput(self.paths.out)
        self._render_failed_in: int | None = None  # the output.generation a page last failed to render in
        self._settled = True  # garbage collected since the last build (see settle_memory)
        self._state = PreviewState(0, None, "/")
        self._pending: set[Path] = set()
        self._links: dict[Path, Path] = {}  # where a link in content/ leads outside it → the link (see linked)
        self._awaited: Path | None = None  # see awaited_templates_dir
        self._unbuilt: set[str] = set()  # changes that no build has succeeded with yet
        self._last_change = 0.0
        self._stopping = False
        self._changed = threading.Condition()

    @property
    def state(self) -> PreviewState:
        with self._changed:
            return self._state

    # -- building ---------------------------------------------------------

    def build(self, changes: tuple[str, ...] = (), changed_paths: tuple[Path, ...] = ()) -> bool:
        """Build once; on failure keep the last good site and record the error."""
        # The files saved since the last good build are all in the one that
        # succeeds: it names them all, not only the fix.
        changes = tuple(sorted(set(changes) | self._unbuilt))
        built = self._build_once(changes, changed_paths)
        self._unbuilt = set() if built else set(changes)
        return built

    def _build_once(self, changes: tuple[str, ...], changed_paths: tuple[Path, ...]) -> bool:
        start = time.perf_counter()
        try:
            if self._notes_only(changed_paths, start, changes):
                return True
        except (SourceError, OSError, ValueError):
            pass  # a file in the middle of a save, say: the full build says what is wrong, if anything
        except Exception as error:  # a bug of the fast path: the full build still serves the edit, and says so
            said = shown_name(f"{type(error).__name__}: {error}")  # its text may quote a file's name
            self.log(f"warning: the notes-only rebuild failed ({said}); rebuilding in full")
        # No garbage collection during a rebuild: it makes little garbage but
        # hundreds of thousands of new objects, and each full collection would
        # scan the whole site model (unfrozen by every fork). Its objects are
        # frozen at the end, so that the collection due when the collector is
        # back on does not scan them all before the reload; settle_memory
        # collects once the server is idle. (0.5 s of a 3 s rebuild at 20,000
        # papers.)
        self._settled = False
        gc.disable()
        try:
            return self._build_fully(changes, start)
        finally:
            gc.freeze()
            gc.enable()

    def _build_fully(self, changes: tuple[str, ...], start: float) -> bool:
        try:
            self.cache.pages.update(self.output.take_rendered())
            first = self.output.files is None
            if first:
                self._load_disk_cache()
            if made := self._ingest_writes.made:
                # Committed, it is the user's: a push may have published its page.
                self._ingest_writes = replace(self._ingest_writes, made=made - tracked_by_git(made))
            result = make_site(
                self.paths, self.base_url, self.cache, defer=not first, related_worker=self.related,
                preview_writes=self._ingest_writes,
            )
            plan = result.plan
            changed = set(plan.changed)
            self._own_writes = {
                **{path: text.encode("utf-8") for path, text in plan.texts if path in changed},
                **{path: None for path, _text in plan.withdrawn},
            }
            # A new atlas's first digest: its folder's event, too, is our write's echo.
            self._own_folders = frozenset(folder for folder in {path.parent for path in changed} if not folder.exists())
            if not first:
                self._ingest_writes = self._ingest_writes.after(plan, self._texts)
            for warning in write_ingest(result.plan):
                self.log(f"warning: {_as_build_says(warning)}")  # the watcher brings the edit's own rebuild
            written = self.output.write(result, self.cache.verified)
            if first:
                self._save_disk_cache(result)
            if self._built_before is None:
                last = load_last_build(self.paths.cache) if self.paths.cache is not None else None
                earlier = last.outputs_in(self.paths.out) if last is not None else None
                # No `build` runs while the preview does: the last is older
                # than it. With none of this output directory (none at all,
                # or one of another `--out` beside it), the site it started
                # from is its own first build's.
                self._built_before = (tuple(earlier), "the last build before the preview") \
                    if earlier is not None else (tuple(result.files), "the preview's first build")
            built_before, written_by = self._built_before
            gone = pages_gone(
                built_before, {*result.files, *result.later}, self.paths.out, result.site.config.base_path, written_by,
            )
        except Exception as error:  # a bug must not take the preview down; show it like a user error
            self._fail(_error_text(error), start)
            # Watched even now: the fix is often a save of a template there.
            self.templates_dir = _templates_dir(self.paths.content / "site.yaml", self.templates_dir)
            return False
        earlier_texts, self._texts = self._texts, dict(result.plan.texts)
        if self.related.gave_up and not self._said_related_gave_up:
            # Said once: nothing is wrong in the site, but every rebuild after
            # a new digest is slower, and a reason for it is worth a restart.
            self._said_related_gave_up = True
            self.log("note: the process that finds related papers failed twice; each rebuild now finds them "
                     "itself, a little slower (restart the preview to try it again)")
        env = make_environment(result.site.config)
        # "!paper.html" (the built-in one) too shows them on paper pages alone:
        # through one's own paper.html that extends it.
        shows_notes = {name.removeprefix(BUILTIN_PREFIX) for name, source in template_sources(env) if "notes" in source}
        self._notes_page = (result.site, env, result.assets) if shows_notes == {"paper.html"} else None
        self._notes_search = None  # the cache forgets it as this build ends, with all the build did not use
        self.templates_dir = result.site.config.templates_dir
        # Warnings stand until their file changes; repeat them only when they
        # do, saying that they replace those said before (silence read as
        # "still there", and so did one of two said again alone).
        warnings = [_as_build_says(w) for w in result.warnings + gone]
        if warnings != self._warnings:
            if self._warnings:
                said = len(self._warnings)
                # A failed build since then put its error below them.
                where = "from before the error" if self._failed_since_warnings else "above"
                earlier = f"{'the one' if said == 1 else f'the {said}'} {where}"
                self.log(f"Warnings now, in place of {earlier}:" if warnings
                         else f"No warnings now: {earlier} {'is' if said == 1 else 'are'} gone")
            self._warnings = warnings
            self._failed_since_warnings = False
            for warning in self._warnings:
                self.log(f"warning: {warning}")
        rebuild = Rebuild(
            time.perf_counter() - start, len(result.site.pages), result.rendered, written, changes,
            tuple(sorted(result.later)),
            result.plan.summary_since(earlier_texts) if result.plan.changed or result.plan.withdrawn else "",
            sum(path not in self.output.files for path in written),
        )
        self._succeeded(rebuild, result.site.config.base_path)
        return True

    def _notes_only(self, changed: tuple[Path, ...], start: float, changes: tuple[str, ...]) -> bool:
        """Saving a paper's notes, the commonest edit, changes one page: only
        paper.html shows notes. Re-render that page alone, with the last
        build's site model, environment and assets, instead of the whole site
        (seconds at 20,000 papers). Anything else, or any doubt, returns
        False and the full rebuild runs; tests check both give the same bytes."""
        if len(changed) != 1 or self._notes_page is None or self.output.files is None or self._state.error:
            return False
        (path,) = changed
        old_text = self._texts.get(path)
        if old_text is None:
            return False
        text = path.read_text(encoding="utf-8")
        if text == old_text:
            return False
        old, new = parse_paper(old_text, path), parse_paper(text, path)
        if replace(old, notes=new.notes) != new or new.draft:  # a draft has no page to render
            return False
        site, env, assets = self._notes_page
        if "[[" in new.notes and not site.link_targets:
            return False  # the first wikilink: the full rebuild maps where they lead
        url = f"papers/{new.slug}/"
        (page,) = [page for page in site.pages if page.url == url]
        old_view = page.context["paper"]
        rendered = make_markdown()(new.notes) if new.notes else ""
        old_notes = str(old_view.notes_html)  # read as text: see as_markup
        # A tag written or taken away, or first spelt otherwise: its page, the
        # tags index and the home page's change too (and the tag's name may).
        # One written again changes none of them.
        old_tags = each_once(inline_tags_of(old_notes))
        if list(each_once(inline_tags_of(rendered)).items()) != list(old_tags.items()):
            return False
        notes_html = shown_markdown(
            rendered, site.config.base_path, site.link_targets, template_ids(env, page.template),
            str(old_view.abstract_html), tag_urls=tag_addresses(old_view.tags), embedded_images=site.embedded_images,
        ) if new.notes else ""
        # A formula shown as its TeX, or an embed or an HTML tag shown as
        # written, before or now: the full rebuild says so, or that it no longer is.
        if any(shown in notes for shown in (MATH_ERROR, EMBED, RAW_HTML) for notes in (old_notes, notes_html)):
            return False
        # Its headings' ids, which a link on another page may name
        # ([[this-paper#Setup]]): one gone, or one added while a warning
        # stands (of a link to it, maybe), and the full rebuild checks every
        # link to them, where this one checks the notes' own alone.
        old_ids, new_ids = set(heading_ids(old_notes)), set(heading_ids(notes_html))
        if not old_ids <= new_ids or (new_ids - old_ids and self._warnings):
            return False
        view = replace(old_view, notes_html=notes_html)
        page = replace(page, context=MappingProxyType({**page.context, "paper": view}))
        data = render_page(env, page, assets)
        # A link that leads nowhere, before or now: the full rebuild says so,
        # or that it no longer is. A fragment names an id of the page as it
        # was, or as it is now.
        files = self.output.files
        every = functools.cache(lambda: files.keys() | {p.output_path for p in site.pages})

        def served(output: str) -> bytes | None:
            self.ensure(output)  # a page left for later: its ids as it is served
            return self.output.files.get(output) if self.output.files is not None else None

        def now(output: str) -> bytes | None:
            return data if output == page.output_path else served(output)

        if any(
            links_to_nowhere(
                site.config.base_path, [(url, notes, path, paper.notes_line, paper.notes)], every,
                site.config.absolute_base, html, site.shared_link_names, memo=self.cache.memo,
            )
            for notes, html, paper in ((old_notes, served, old), (notes_html, now, new))
        ):
            return False
        written = self.output.write_page(page.output_path, data)
        self._texts[path] = text
        site = replace(
            site, pages=tuple(page if p.url == url else p for p in site.pages),
            papers=tuple(view if p.url == url else p for p in site.papers),
        )
        self._notes_page = (site, env, assets)
        # Notes are searched: the index anew, written once Node has made it,
        # after the page (as a full rebuild's), and asked for by requests for it meanwhile.
        self.output.write_search_later(LaterSearch(functools.partial(self._notes_search_index, site.papers)))
        rebuild = Rebuild(time.perf_counter() - start, len(site.pages), (page.output_path,), written, changes)
        self._succeeded(rebuild, self._state.base_path)
        return True

    def _notes_search_index(self, papers: tuple[PaperView, ...]) -> PendingSearchIndex:
        """The search index after a notes-only rebuild. The one the last such
        rebuild made is forgotten: kept, each save's index stayed in memory
        (its files, 44 MB at 20,000 papers) and one stopped before Node ended
        kept its three temporary files open, until two full rebuilds later."""
        pending = search_index_for(papers, self.cache)
        previous, self._notes_search = self._notes_search, pending
        if previous is not None and previous is not pending:
            self.cache.forget(("search", previous.documents))
        return pending

    def _succeeded(self, rebuild: Rebuild, base_path: str) -> None:
        """Bump the version open pages watch, if they are to reload, and say what was done."""
        self.last = rebuild
        with self._changed:
            old = self._state
            if _reloads(rebuild, old, base_path):
                # A page of the site just written, asked for before this (requests
                # are served once it is written), that failed to render keeps its error.
                error = old.error if self._render_failed_in == self.output.generation else None
                self._state = PreviewState(old.version + 1, error, base_path, old.earlier_bases | {old.base_path})
                self._changed.notify_all()
        self.log(describe(rebuild))
        if base_path != old.base_path and (old.version or old.error):
            # Said, as the address the server printed at its start is not the site's any more.
            self.log(f"The site is served under {base_path} now: open pages and earlier addresses go there")

    def _load_disk_cache(self) -> None:
        """Start from the work the last build or preview saved in paths.cache:
        at 20,000 papers the first build then takes seconds, not a full
        build's time, and reuses the pages already in the output directory."""
        if self.paths.cache is not None:
            self.cache.enter_disk_cache(self.paths.cache, self.paths.out)

    def _save_disk_cache(self, result: SiteBuild) -> None:
        """Save the first build's work for the next start (and the next CLI
        build), as `build` does, by a forked child while the server goes on;
        the rebuilds after it render pages later, so only the first build
        has a whole site to save. Nothing is saved when it computed nothing."""
        cache, directory = self.cache, self.paths.cache
        if directory is None or not cache.persistent:
            return
        if cache.last_new_entries or result.rendered:

            def save() -> str | None:
                # Ctrl+C reaches the whole process group: the save must outlive it.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                try:
                    save_cache(cache, cache.manifest(result.files), directory / CACHE_FILE)
                except OSError as error:
                    return _as_build_says(unsaved_cache(error, directory))
                return None

            saving = Forked(save)

            def report() -> None:
                # A child that failed otherwise (a bug) saved nothing: the
                # next start is a full build, which is all the cache is for.
                problem = saving.outcome()
                if problem:
                    self.log(f"warning: {problem}")

            self._saving = threading.Thread(target=report, daemon=True)
            self._saving.start()
        cache.leave_disk_cache()  # the child has its copy

    # -- pages left for later ----------------------------------------------

    @property
    def unfinished(self) -> bool:
        """Whether pages or the search index are still to be written."""
        return self.output.unfinished

    def incomplete(self) -> str | None:
        """What the output directory still lacks; None when it is what a full build writes."""
        return self.output.incomplete()

    def ensure(self, relative: str) -> None:
        """Render and write the output file ``relative`` now if it was left for later."""

        def failed(error: Exception, start: float) -> None:  # a bug must not take the preview down either
            self._render_failed_in = self.output.generation
            self._fail(_error_text(error), start, f"Rendering {relative}")

        self.output.ensure(relative, failed)

    def restore(self, outputs: tuple[str, ...]) -> bool:
        """Write again the files of the site deleted from the output directory
        while serving, if one of ``outputs`` is among them; whether any was."""
        try:
            restored = self.output.restore(outputs)
        except SourceError as error:
            self.log(f"warning: {_as_build_says(error)}")
            return False
        if restored:
            self.log(f"warning: {counted(restored, 'file')} of the site had gone from {_display(self.paths.out)} "
                     "while serving (deleted?): written again")
        return bool(restored)

    def finish(self, interrupted: Callable[[], bool] = lambda: False) -> None:
        """Render the pages left for later, on both cores, and write the search
        index, until done or ``interrupted()``. Runs in the build thread."""
        start = time.perf_counter()
        rendered = 0
        # The old search index (at 20,000 papers 44 MB of files, the store
        # with each abstract) freed before the renderers are forked and the
        # new one is made, not beside them; the rest of what the last build
        # forgot once the output is complete, when freeing it delays no
        # request. In two runs each at 20,000 papers, the preview with its
        # children peaked at 1,011–1,054 MB without this, 1,016–1,018 with it.
        self.cache.release_kind("search")
        search = self.output.search
        while not interrupted() and self.unfinished:
            if not self.output.later and not self.output.search_ready():
                # Only the index is left: Node is waited for here, not inside
                # render_next, which holds the output's lock, so that a save
                # meanwhile is rebuilt at once (stopping this Node run if it
                # changes what is searched).
                time.sleep(SEARCH_POLL_SECONDS)
                continue
            if search is not None and rendered:
                # Node builds the index on the other core while pages render
                # here; an error is shown when the index is written.
                # Started after the first batch, not before: writing what Node
                # reads takes a third of a second at 20,000 papers, which the
                # page of a new digest, asked for right away, would wait on.
                with contextlib.suppress(Exception):
                    search.start()
                search = None
            try:
                rendered += self.output.render_next()
            except Exception as error:
                self._fail(_error_text(error), start, "Rendering the other pages")
        if not self.unfinished:
            if rendered and self.state.error is None:
                seconds = time.perf_counter() - start
                on_request = self.output.rendered_on_request
                asked = f" ({on_request:,} more on request)" if on_request else ""
                self.log(f"Rendered the other {counted(rendered, 'page')} in {seconds:.2f}s{asked}; "
                         "the output is complete")
            self.cache.release()
            settle_memory()
            self._settled = True
        with self._changed:
            self._changed.notify_all()

    def wait_until_saved(self, timeout: float | None = None) -> None:
        """For the benchmark: wait until the first build's work is saved, if it is being saved."""
        if self._saving is not None:
            self._saving.join(timeout)

    def wait_until_finished(self, timeout: float) -> bool:
        """For tests and the benchmark: wait until nothing is left for later; whether it is so."""
        with self._changed:
            return self._changed.wait_for(lambda: not self.unfinished, timeout)

    def _fail(self, message: str, start: float, what: str = "Build") -> None:
        self._failed_since_warnings = True
        with self._changed:
            self._state = replace(self._state, error=message)
            built = self._state.version > 0
            self._changed.notify_all()
        seconds = time.perf_counter() - start
        self.log(f"{what} failed after {seconds:.2f}s:")
        for line in message.splitlines():
            self.log(f"error: {line}")
        if built:
            self.log("Still serving the last good site; save a fix to rebuild.")
        else:
            self.log("Nothing to serve until the site builds; save a fix to rebuild.")

    # -- watching ---------------------------------------------------------

    def watch_roots(self) -> tuple[Path, ...]:
        roots = [self.paths.content, self.paths.static, BUILTIN_TEMPLATES]
        if self.templates_dir is not None:
            roots.append(self.templates_dir)
        return tuple(dict.fromkeys(root for root in roots if root.is_dir()))

    def linked(self) -> tuple[Path, ...]:
        """Where links in content/ lead outside the watched roots: a paper
        file, or content/papers itself, kept in a notes vault. A watch on
        content/ sees no save made there, so the server watches these too,
        and notices a save there as one of the path in content/ that leads
        to it (remembered here for :meth:`notice_linked`)."""
        roots = self.watch_roots()
        links = links_out_of(self.paths.content, (*roots, self.paths.out))
        self._links = {real: path for real, path in links.items() if not any(within(real, root) for root in roots)}
        return tuple(self._links)

    def awaited_templates_dir(self) -> Path | None:
        """The templates_dir site.yaml names while it is no directory yet (an
        error the build reports, as a typo would be): the server watches the
        directory it is to be made in, so that making it rebuilds, as no save
        in a watched directory need follow. Remembered for :meth:`notice_awaited`."""
        named = named_templates_dir(self.paths.content / "site.yaml")
        self._awaited = named if named is not None and not named.is_dir() else None
        return self._awaited

    def notice_awaited(self, path: Path) -> None:
        """A change beside the awaited templates_dir: only its making (or a
        directory on the way to it) is one of the site's."""
        awaited = self._awaited
        if awaited is not None and within(awaited, path):
            self.notice(path)

    def notice_linked(self, path: Path) -> None:
        """A file changed where a link in content/ leads: a change of the path
        in content/ that reaches it (so that a vault's note is a note saved,
        and ingest's write through the link its own); the other files beside
        a linked one are not the site's."""
        links = self._links
        for real in (path, *path.parents):  # a look-up per level: a vault may link every paper file
            linked = links.get(real)
            if linked is not None:
                self.notice(linked / path.relative_to(real))
                return

    def notice(self, path: Path) -> None:
        """A file changed on disk: queue a rebuild unless it is noise."""
        if self._is_noise(path):
            return
        with self._changed:
            self._pending.add(path)
            self._last_change = time.monotonic()
            self._changed.notify_all()

    def _is_noise(self, path: Path) -> bool:
        # A swap, backup or temp file saved and renamed over the file, or any
        # file in a hidden folder, which no build reads (but public/.well-known/):
        # a notes app's .obsidian/workspace.json, rewritten at each click in
        # a vault opened on content/papers, reloaded the open pages each time.
        if any(unpublished(part) for part in self._parts_below_root(path)):
            return True
        if path == self.paths.out or self.paths.out in path.parents:
            return True
        if path in self._own_folders:
            return path.is_dir()  # deleted since, it is a change
        own_writes = self._own_writes  # a full rebuild replaces the dict from the build thread
        own = own_writes.get(path, False)
        if own is False:
            return False
        if own is None:  # deleted by our ingest: its echo, unless made again since
            return not path.exists()
        try:
            if path.read_bytes() == own:
                return True
        except OSError:
            pass
        # Saved over since: ingest's write is no longer what the file holds,
        # so a later save of those same bytes (a note undone) is the user's.
        # Kept, it was taken for our write's echo until the next full rebuild,
        # and the preview went on showing the note taken back.
        own_writes.pop(path, None)
        return False

    def _parts_below_root(self, path: Path) -> tuple[str, ...]:
        """The parts of ``path`` below the deepest watched root that holds it
        (a templates_dir may be content/.theme); its name alone outside them
        (a templates_dir being made). Not those above it: the project may
        live in a hidden folder itself."""
        roots = [root for root in (self.paths.content, self.paths.static, BUILTIN_TEMPLATES, self.templates_dir)
                 if root is not None and within(path, root)]
        if not roots:
            return (path.name,)
        return path.relative_to(max(roots, key=lambda root: len(str(root)))).parts

    def run_builds(self, after_build: Callable[[], None] = lambda: None) -> None:
        """The build thread: wait for changes, let a burst settle, rebuild;
        while nothing changes, finish what the last rebuild left for later."""
        while True:
            with self._changed:
                delay = FINISH_DELAY_SECONDS if self.unfinished or not self._settled else None
                finish = not self._changed.wait_for(lambda: self._pending or self._stopping, delay)
            if finish:
                self.finish(interrupted=lambda: bool(self._pending) or self._stopping)
                continue
            with self._changed:
                while not self._stopping:
                    quiet_for = time.monotonic() - self._last_change
                    if quiet_for >= self.debounce:
                        break
                    self._changed.wait(self.debounce - quiet_for)
                if self._stopping:
                    return
                changes = tuple(sorted(_display(path) for path in self._pending))
                changed_paths = tuple(sorted(self._pending))
                self._pending.clear()
                self.rebuilds += 1
            self.build(changes, changed_paths)
            after_build()

    def wait_for_state(self, seen: PreviewState | None, timeout: float) -> PreviewState | None:
        """The state once it differs from ``seen`` (or after ``timeout``); None when stopping."""
        with self._changed:
            self._changed.wait_for(lambda: self._stopping or self._state != seen, timeout)
            return None if self._stopping else self._state

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._saving is not None:
            self._saving.join(SAVE_WAIT_SECONDS)  # a cache half-saved is not saved: wait a while
        self.related.stop()
        gc.unfreeze()  # what settle_memory() froze is collected as usual again


def _reloads(rebuild: Rebuild, shown: PreviewState, base_path: str) -> bool:
    """Whether open pages reload after ``rebuild``: when it wrote or removed
    a file of the site, or left pages to render (their new bytes are not
    known yet). A file saved unchanged rebuilds and writes nothing: every
    open tab reloaded for it all the same. Pages showing no site yet, or a
    build error, reload however little was written: a fix that brings back
    the last good bytes writes none."""
    if shown.version == 0 or shown.error is not None or base_path != shown.base_path:
        return True
    return bool(rebuild.written or rebuild.later)


def _error_text(error: Exception) -> str:
    if isinstance(error, (SourceError, BuildErrors)):
        return _as_build_says(error)
    # A bug's message may quote a file's name, as a SourceError's does.
    return "internal error while building:\n" + shown_text("".join(traceback.format_exception(error)))


def settle_memory() -> None:
    """Collect garbage now, while the server is idle, then freeze what is
    left: the site model and memo of a large site (hundreds of MB) outlive
    every rebuild, and each full collection during a rebuild would scan them
    all again (about a second per rebuild at 20,000 papers). Unfrozen first,
    so that the garbage of earlier rebuilds is collected here too. Then the
    C library's heap gives its free pages back to the system: glibc keeps
    them, and the server's process grew from 740 MB after its first build
    to 1,050 MB after four new digests at 20,000 papers (840 MB with this)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, where the C library has one."""
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except (OSError, TypeError):  # TypeError: Windows loads no library by None
        return None


_MALLOC_TRIM = _malloc_trim()


def describe(rebuild: Rebuild) -> str:
    # "429 files written" said of a sample's files deleted.
    written = f"{counted(len(rebuild.written) - rebuild.deleted, 'file')} written" + (
        f", {rebuild.deleted:,} deleted" if rebuild.deleted else ""
    )
    # A digest added, or a digest's paper file deleted (written again), says so.
    ingest = f"; ingest: {rebuild.ingest}" if rebuild.ingest else ""
    if not rebuild.changes:
        return f"Built {rebuild.pages:,} pages in {rebuild.seconds:.2f}s, {written}{ingest}"
    shown = ", ".join(rebuild.changes[:3])
    more = f" and {len(rebuild.changes) - 3:,} more" if len(rebuild.changes) > 3 else ""
    cause = f" after changes to {shown}{more}"
    if not rebuild.later:
        return (
            f"Rebuilt in {rebuild.seconds:.2f}s{cause}: {len(rebuild.rendered):,} of {rebuild.pages:,} pages "
            f"rendered, {written}{ingest}"
        )
    # Said first, the pages to render: "0 of 442 pages rendered" read as if
    # nothing had changed. (They include pages the last rebuild left unrendered.)
    to_render = len(rebuild.rendered) + len(rebuild.later)
    return (
        f"Rebuilt in {rebuild.seconds:.2f}s{cause}: {to_render:,} of {rebuild.pages:,} pages to render, "
        f"{len(rebuild.rendered):,} rendered now ({written}); the other {len(rebuild.later):,} "
        f"render when requested or in the background{ingest}"
    )


def _as_build_says(error: SourceError | BuildErrors) -> str:
    """The error as ``build`` prints it: its file named relative to the
    working directory when under it (the preview works with absolute paths).
    Only the error's path changes, never a path quoted in its message."""
    if isinstance(error, BuildErrors):
        return "\n".join(map(_as_build_says, error.errors))
    return str(error if error.path is None else replace(error, path=_display(Path(error.path))))


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _templates_dir(site_yaml: Path, known: Path | None) -> Path | None:
    """The templates directory site.yaml names; ``known`` when it cannot be read."""
    try:
        return load_config(site_yaml).templates_dir
    except SourceError:
        return known
