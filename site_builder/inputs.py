"""What a build reads: where (:class:`Paths`), and reading it: the settings,
the taxonomy, the digests, the paper files as ingest would leave them, and
the pages of one's own. Also ingest's own writing of the paper files.

Nothing here renders; a mistake is raised with its file and line before
anything is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Callable, Collection, Iterable

from .cache import BuildCache
from .config import SiteConfig, image_findings, load_config, with_base_url
from .digest import Digest
from .digest_files import read_digest
from .errors import BuildErrors, SourceError, counted, exists_or_links, raise_if_any, shown_name
from .ingest import IngestPlan, PreviewWrites, plan_ingest
from .pages import OwnPage, read_pages
from .papers import Memo, merge_entries, no_memo
from .render import BUILTIN_TEMPLATES
from .topics import Taxonomy, assign_topics, placement_warnings
from .topics_yaml import parse_taxonomy
from .writer import remove_stale_temp_files, write_files, written_at

PROJECT_ROOT = Path(__file__).resolve().parent.parent
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


def read_inputs(
    paths: Paths, base_url: str | None = None, cache: BuildCache | None = None, workers: int = 1,
    preview_writes: PreviewWrites = PreviewWrites(),
    published: Callable[[Path], Collection[str]] | None = None,
) -> Inputs:
    """Everything a build reads, checked; ``preview_writes``: the paper
    files the preview's ingest wrote (see PreviewWrites); ``published``:
    the names of the files content/public/ publishes (assets.public_names,
    which imports this module), for site.yaml's image; None for ingest,
    which shows no image."""
    cache = cache or BuildCache()
    check_content_directory(paths.content)
    _check_settings_names(paths.content)
    config = with_base_url(load_config(paths.content / "site.yaml"), base_url)
    taxonomy_path = paths.content / "topics.yaml"
    # None, not "": no file is a site without topics, an empty one an error.
    taxonomy_text = cache.read_text(taxonomy_path) if exists_or_links(taxonomy_path) else None
    taxonomy = cache.memo(
        ("taxonomy", taxonomy_text),
        lambda: parse_taxonomy(taxonomy_text, taxonomy_path) if taxonomy_text is not None else Taxonomy(()),
    )
    image_errors, image_warnings = (
        # content/public/ walked again only for an image to find there.
        image_findings(config, paths.content / "site.yaml", published(paths.public))
        if published and config.image is not None else ((), ())
    )
    digests, copies = _read_digests(paths.digests, config.digest_year, cache, workers, image_errors)
    existing = (
        {path: cache.read_text(path, keep_bom=True) for path in files_ending(paths.papers, ".md", cache.memo)}
        if paths.papers.is_dir() else {}
    )
    # One assign function per taxonomy text, so memoised topic assignments are
    # reused exactly as long as topics.yaml is unchanged.
    rules_id = hashlib.sha256((taxonomy_text or "").encode()).hexdigest()
    assign = cache.memo(("assign", taxonomy), lambda: TopicRules(rules_id, taxonomy))
    merged = merge_entries(digests)
    plan = plan_ingest(
        merged.records, existing, paths.papers, assign, partial(cache.memo_many, workers=workers), preview_writes,
    )
    unread = (
        _unread_in_content(paths.content, config.templates_dir)
        + _unread_files(paths.digests, ".txt", "digests") + _unread_files(paths.papers, ".md", "paper files")
    )
    misplaced = placement_warnings(
        taxonomy, (path.stem for path, _text in plan.texts), plan.own_topics, taxonomy_path, dict(plan.renamed),
    )
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
    if linked := _hard_linked(path for path, read in plan.read_as if read is not None):
        plan = replace(plan, warnings=plan.warnings + linked)
    return Inputs(
        config, taxonomy, digests, plan, image_warnings + unread + copies + merged.warnings + plan.warnings + misplaced,
    )


def _hard_linked(paths: Iterable[Path]) -> tuple[SourceError, ...]:
    """A warning for each of the paper files ingest is to write anew that
    has other names (hard links): a file is replaced whole (temp file and
    rename), and they keep its text from before, as notes written under
    them never reach the site. Not written in place, which a build stopped
    halfway would leave half written."""
    warnings = []
    for path in paths:
        try:
            others = os.stat(path).st_nlink - 1
        except OSError:  # deleted since it was read: the write says so, or writes it anew
            continue
        if others > 0:  # not -1: a FUSE file system that gives no count says 0
            warnings.append(SourceError(
                f"this file has {counted(others, 'other name')} (a hard link, in a notes vault, say), which "
                "keeps its text from before ingest wrote it anew", path,
                hint="to keep a paper file elsewhere, link it with a symbolic link (ln -s), which ingest writes "
                "through; copy what you wrote under the other name into this file",
            ))
    return tuple(warnings)


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


def check_content_directory(content: Path) -> None:
    """Refuse a content directory that is not there, or is not one (built on,
    it would replace the site with an empty one)."""
    if not content.is_dir():
        raise SourceError(
            # A file's name given (--content content/site.yaml): it is there, and no directory.
            "a file, not a content directory" if content.exists() else "content directory not found", content,
            hint="run from the project root or pass --content DIR",
        )
    if not {"site.yaml", "topics.yaml", "digests", "papers"} & set(os.listdir(content)):
        raise SourceError(
            "not a content directory: it has none of site.yaml, topics.yaml, digests/ and papers/", content,
            hint="pass the directory that holds them (--content DIR; default: content)",
        )


def _check_settings_names(content: Path) -> None:
    """Refuse settings files saved under another name: without topics.yaml,
    ingest would rewrite every paper file with no topics."""
    names = os.listdir(content)
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


def unpublished(name: str) -> bool:
    """Whether a file or folder of this name, under content/, is none a
    build reads or publishes: an editor's file, or a hidden one (a notes
    app's .obsidian/, .git/), but .well-known/, which public/ publishes."""
    return editors_file(name) and name != ".well-known"


# What a build reads in content/, beside which a folder, a Markdown file or a
# text file is most likely one of them misplaced.
_CONTENT_ENTRIES = frozenset({"site.yaml", "topics.yaml", "digests", "papers", "pages", "public"})
# What a repository keeps beside what it holds, for people, not for a build:
# README.md is what GitHub shows below a folder's files.
_ABOUT_THE_FOLDER = frozenset({"readme", "license", "licence", "copying", "changelog"})
# Where other site generators keep the files they publish as they are.
_OTHER_GENERATORS_FILES = frozenset({"static", "assets", "files", "images", "img", "css", "js", "media"})


def _unread_in_content(content: Path, templates_dir: Path | None) -> tuple[SourceError, ...]:
    """A folder, a ``.md`` or a ``.txt`` file in content/ that no build reads:
    Hugo's and Jekyll's habits (``content/static/``, a page beside the
    settings) were built without it and without a word. Other files (a
    README, a licence) are the user's business, and so is the folder that
    holds the ``templates_dir`` (resolved), which site.yaml names relative
    to itself: ``templates_dir: templates`` is content/templates/."""
    unread = []
    for name in sorted(os.listdir(content)):
        path = content / name
        if name in _CONTENT_ENTRIES or editors_file(name) or name.rsplit(".", 1)[0].lower() in _ABOUT_THE_FOLDER:
            continue
        if templates_dir is not None and path.is_dir() and path.resolve() in (templates_dir, *templates_dir.parents):
            continue
        if path.is_dir():
            if name.lower() in _OTHER_GENERATORS_FILES:
                message = "not read: files the site publishes as they are come from content/public/"
                # Hugo's static/x is /x; /static/ here is the site's own stylesheet and scripts.
                hint = ("move what it holds into content/public/: content/public/x is /x on the site"
                        if name.lower() == "static" else f"move it into content/public/: content/public/{name}/x is /{name}/x")
            else:
                message = "not read: content/ holds site.yaml, topics.yaml, digests/, papers/, pages/ and public/"
                hint = "a folder of notes goes in content/papers/, or is linked from there; anything else, outside content/"
        elif name.endswith(".md") and path.is_file():
            message = "not read: a page of your own is read from content/pages/, a paper of your own from content/papers/"
            hint = f"move it to content/pages/{name} for a page at /{name[:-3]}/"
        elif name.endswith(".txt") and path.is_file():
            message = "not read: digests are read from content/digests/"
            hint = f"if it is one, move it to content/digests/{name}"
        else:
            continue
        unread.append(SourceError(message, path, hint=hint))
    return tuple(unread)


def _unread_files(directory: Path, suffix: str, what: str) -> tuple[SourceError, ...]:
    """What is in ``directory`` but not read, for a warning: files without
    ``suffix``, one named ``suffix`` alone, and subdirectories. Hidden files
    (".DS_Store", a Mac's "._x.txt") and an editor's backups ("x.txt~",
    "x.txt.bak") pass unmentioned."""
    # The ones read left out first: at 20,000 papers, sorting them all took most of the time.
    names = sorted(
        name for name in os.listdir(directory) if not name.endswith(suffix) or name == suffix
    ) if directory.is_dir() else []
    unread = []
    for name in names:
        path = directory / name
        if name == suffix and path.is_file():
            # Saved with no name typed: hidden, as its name starts with '.', but no file of an editor's.
            unread.append(SourceError(f"not read: with no name before {suffix}, it is a hidden file", path,
                                      hint=f"give it a name before the {suffix}"))
            continue
        if editors_file(name) or f"{suffix}." in name:  # or a backup of a file read: "x.txt.bak"
            continue
        if path.is_dir():
            unread.append(SourceError(f"not read: a folder ({what} are read from {directory} alone)", path,
                                      hint=f"to build them, move them up into {directory}"))
        elif path.is_file():
            unread.append(SourceError(f"not read: {what} are {suffix} files", path,
                                      hint=f"if it is one, give its name the {suffix} ending"))
    return tuple(unread)


def _read_digests(
    directory: Path, default_year: int | None, cache: BuildCache, workers: int = 1,
    errors_before: tuple[SourceError, ...] = (),
) -> tuple[tuple[Digest, ...], tuple[SourceError, ...]]:
    """The digests, and a warning for each that is a byte-for-byte copy of
    another (a second download, "2025-03-18 (1).txt"): its papers count once.
    ``errors_before``, the settings' found so far, are raised with theirs:
    one build names them all."""
    jobs = []
    errors: list[SourceError] = list(errors_before)
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
                f"the same text as {shown_name(original.name)}: the papers of the two are read once", path,
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

    def __call__(self, title: str, abstract: str, slug: str, old_slugs: tuple[str, ...]) -> tuple[str, ...]:
        return assign_topics(self.taxonomy, title, abstract, slug, old_slugs)

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return str, (f"topic-rules:{self.fingerprint}",)


def write_ingest(plan: IngestPlan, papers: Path | None = None) -> tuple[SourceError, ...]:
    """Write the paper files ingest changed, except any saved again since the
    build read it: the build's text was made from the old one, so writing it
    would undo that edit. Such files are left as saved, with a warning; the
    next build starts from them. The same for the files it deletes.
    ``papers``: the paper files' directory, cleared of a killed ingest's temp
    files even when this one writes nothing there (not by each rebuild of the
    preview: listing 20,000 files takes 10 ms)."""
    for path, text in plan.withdrawn:
        if _still_reads_as(path, text):
            path.unlink()
    # Temp files a killed ingest left, where this one writes (not per paper:
    # 20,000 of them are in one directory), beside the file a link leads to
    # too; and in ``papers``: with nothing to write there (the digest deleted
    # after the build was killed) one stayed for ever, for `git add -A` to commit.
    for directory in {written_at(path).parent for path, _text in plan.read_as} | ({papers} if papers else set()):
        remove_stale_temp_files(directory)
    if not plan.read_as:
        return ()
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


def tracked_by_git(paths: Collection[Path]) -> frozenset[Path]:
    """Those of ``paths`` (files of one folder) that git tracks: committed,
    or added to commit. None of them outside a repository or without git;
    all of them when git fails otherwise (a repository it will not read, say)."""
    folder = next(iter(paths)).parent
    try:
        result = subprocess.run(
            ["git", "--literal-pathspecs", "ls-files", "-z", "--", *(path.name for path in paths)],
            cwd=folder, capture_output=True, timeout=30, env={**os.environ, "LC_ALL": "C"},
        )
    except FileNotFoundError:  # no git (or no folder: nothing in it to keep)
        return frozenset()
    except (OSError, subprocess.TimeoutExpired):
        return frozenset(paths)
    if result.returncode != 0:
        return frozenset() if b"not a git repository" in result.stderr else frozenset(paths)
    names = set(os.fsdecode(result.stdout).split("\0"))
    return frozenset(path for path in paths if path.name in names)


def _still_reads_as(path: Path, text: str | None) -> bool:
    """Whether the file holds ``text`` as the build reads it, BOM and all (None: no file)."""
    try:
        return path.read_bytes().decode("utf-8") == text
    except FileNotFoundError:
        return text is None
    except (OSError, UnicodeDecodeError):
        return False


def ingest(paths: Paths) -> tuple[IngestPlan, tuple[SourceError, ...]]:
    """Update content/papers/ from the digests; nothing else is read or
    written. Returns the plan and its warnings, the files left as saved
    meanwhile among them."""
    inputs = read_inputs(paths)
    return inputs.plan, inputs.warnings + write_ingest(inputs.plan, paths.papers)


def digest_order(digests: tuple[Digest, ...]) -> dict[dt.date, tuple[str, ...]]:
    order: dict[dt.date, list[str]] = {}
    for digest in sorted(digests, key=lambda d: (d.date, d.path.name)):
        keys = order.setdefault(digest.date, [])
        for entry in digest.entries:
            if entry.key not in keys:
                keys.append(entry.key)
    return {date: tuple(keys) for date, keys in order.items()}
