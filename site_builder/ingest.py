"""Ingest: which file each paper goes to, and what text (:mod:`.paper_file`).

Pure: it is given the paper files as they are and returns a plan; the
pipeline writes it. Slugs are stable, so adding digests never moves a page.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Collection, Hashable, Iterable, Mapping

from .digest import DigestEntry, clip, visible
from .errors import SourceError, counted, raise_if_any, shown_name
from .paper_file import moved_to_notes, render_paper_file
from .papers import (
    NOTES_HEADING, OTHER_VERSIONS, MemoMany, Paper, PaperRecord, compute_each, extract_links, misspelt_keys, parse_paper,
    slug_for, unix_line_ends,
)

_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class IngestPlan:
    """What ingest would write: every paper file's final text, and which changed."""

    texts: tuple[tuple[Path, str], ...]  # every paper file, sorted by path
    changed: tuple[Path, ...]  # files to write (new or different)
    new_papers: int
    # Each changed file's text when it was read (None: it did not exist), so
    # that a file saved again since is not overwritten.
    read_as: tuple[tuple[Path, str | None], ...] = ()
    warnings: tuple[SourceError, ...] = ()
    # Papers of your own with a topics: line, by slug: no rule files them.
    own_topics: frozenset[str] = frozenset()
    # Digest papers filed under some topic whose files ingest rewrites with none.
    unfiled: int = 0
    # Files to delete, each with the text ingest wrote there (see PreviewWrites).
    withdrawn: tuple[tuple[Path, str], ...] = ()
    # Each old slug a paper file's aliases: keep, that no file has now, with
    # that file's slug: topics.yaml may name the paper by it (sorted).
    renamed: tuple[tuple[str, str], ...] = ()

    @property
    def summary(self) -> str:
        return self._summary(0)

    def summary_since(self, earlier: Mapping[Path, str]) -> str:
        """The summary, given the paper files an earlier build read (path →
        text): a digest's paper whose file was deleted since then, and that
        ingest wrote again, is no new paper. Ingest alone cannot tell the two
        apart: both are a digest's paper without a file."""
        gone = [path for path in self._made if path in earlier]
        texts = dict(self.texts) if gone else {}
        return self._summary(
            sum(1 for path in gone if parse_paper(earlier[path], path).key == parse_paper(texts[path], path).key)
        )

    def summary_after(self, earlier_outputs: Collection[str]) -> str:
        """The summary, given the output paths of the last build (the command
        line's, which keeps no paper file's text): a file made for a paper
        whose page that build wrote is one the user deleted, written again."""
        return self._summary(sum(1 for path in self._made if f"papers/{path.stem}/index.html" in earlier_outputs))

    @property
    def _made(self) -> list[Path]:
        """The paper files ingest writes where there was none."""
        return [path for path, read in self.read_as if read is None]

    def _summary(self, again: int) -> str:
        summary = f"{counted(self.new_papers - again, 'new paper')}, {counted(len(self.changed), 'paper file')} written"
        if again:
            summary += f", {again:,} of them again after being deleted (a digest lists {'its paper' if again == 1 else 'their papers'})"
        if self.withdrawn:
            names = ", ".join(path.name for path, _text in self.withdrawn)
            summary += f"; deleted {names}, which an earlier save wrote for a paper no digest lists now"
        return summary


@dataclass(frozen=True)
class PreviewWrites:
    """The paper files the preview's ingest made since its first build,
    and the text it last wrote into each (see after). A
    file that still holds that text has nothing of the user's above its
    notes, and what a save of a digest made there, the next save may take
    back:

    - a file it made whose paper no digest lists now was made from a save
      the next one took back (a title saved half typed or with a typo, a
      paper deleted from the digest) and is deleted: kept as a paper of
      one's own, it stayed on the site, or gave its address and abstract to
      the paper whose title replaced its own. Its address was never
      deployed: deploy is refused while the preview runs, and a file
      committed (which a push publishes) is no longer one it made;
    - in a file it made, an abstract corrected in the digest replaces the
      one ingest wrote, where a build moves the old one into the notes, not
      knowing whose words it is (in a file it only wrote again, the preview
      does as a build: its abstract may be from before the preview)."""

    texts: Mapping[Path, str] = field(default_factory=dict)
    made: frozenset[Path] = frozenset()

    def after(self, plan: IngestPlan, earlier_files: Collection[Path]) -> PreviewWrites:
        """These writes and those of ``plan``, a rebuild's after a save (not
        the first build's: its digests are from before the preview started,
        and a build keeps their papers' files). ``earlier_files``: the paper
        files the build before it read. It makes a file for a paper a save
        brought: not one the user deleted, which it writes again (a paper of
        the digests from before, maybe on the site for long). A file it made,
        then wrote again over text that was not its own (notes or a key the
        user added, which the new text keeps), is one it made no more: its
        text is then the user's too, and deleted with it once no digest
        lists its paper, and its abstract corrected in a digest moves into
        the notes, as in a build. Only the texts of the files it made are
        kept."""
        gone = {path for path, _text in plan.withdrawn}
        read_as = dict(plan.read_as)
        over_users = {path for path, read in read_as.items() if read is not None and self.texts.get(path) != read}
        brought = {path for path, read in read_as.items() if read is None and path not in earlier_files}
        made = frozenset((self.made - gone - over_users) | brought)
        # The texts of those alone: a topics.yaml edit writes every file (25 MB at 20,000 papers).
        texts = {path: text for path, text in self.texts.items() if path in made}
        texts.update((path, text) for path, text in plan.texts if path in read_as and path in made)
        return PreviewWrites(texts, made)


def plan_ingest(
    records: Iterable[PaperRecord],
    existing: dict[Path, str],
    papers_dir: Path,
    assign_topics: Callable[[str, str, str, tuple[str, ...]], tuple[str, ...]],
    memo_many: MemoMany = compute_each,
    preview_writes: PreviewWrites = PreviewWrites(),
) -> IngestPlan:
    """Decide each record's file and text. Pure: ``existing`` maps paper file
    paths to their current text; nothing is read or written here.

    Slugs are stable: a paper whose title already has a file keeps that file's
    slug, and new papers never take a slug in use, so adding or reordering
    digests never moves a page.
    """
    parsed: dict[Path, Paper] = dict(zip(existing, memo_many(
        (("paper", path, text), partial(parse_paper, text, path)) for path, text in existing.items()
    )))
    # Files a save made, as the preview wrote them. Not one it only wrote
    # again (a topics.yaml edit rewrites them all): its abstract may be from
    # before the preview, which a build moves into the notes, not drops.
    ours = {path for path in preview_writes.made if path in existing and existing[path] == preview_writes.texts.get(path)}
    withdrawn: list[tuple[Path, str]] = []
    if ours:
        records = tuple(records)  # gone through again below
        listed = {record.key for record in records}
        withdrawn = sorted((path, existing[path]) for path in ours if parsed[path].key not in listed)
        existing = dict(existing)
        for path, _text in withdrawn:
            del existing[path], parsed[path]
    first_file: dict[str, Path] = {}
    clashes: list[tuple[Path, Path]] = []
    for path, paper in parsed.items():
        first = first_file.setdefault(paper.key, path)
        if first is not path:
            clashes.append((min(first, path), max(first, path)))
    # Papers are told apart by title: a digest paper would go to one file of
    # the two, and the site would show two pages of one name.
    raise_if_any([_same_title(first, parsed[first], second, parsed[second]) for first, second in sorted(clashes)])
    file_of = {path.stem: path for path in existing}  # (Path.stem is computed anew on each use)
    slug_of = {path: slug for slug, path in file_of.items()}
    slug_by_key = {key: slug_of[path] for key, path in first_file.items()}

    # A file renamed by hand keeps its old name under aliases:, as the
    # address that leads to it (one a file has is an error the site model
    # reports), and topics.yaml may still place it by that name.
    old_slugs = {
        slug: olds for slug, path in file_of.items()
        if (olds := tuple(old for old in parsed[path].old_slugs if old not in file_of))
    }
    renamed = {old: slug for slug, olds in old_slugs.items() for old in olds}
    # Nor does a new paper take such an address.
    taken = set(file_of) | set(renamed)
    texts = dict(existing)
    changed: list[Path] = []
    new_papers = 0
    files: list[tuple[Path, PaperRecord, Hashable, Callable[[], str]]] = []
    ordered = sorted(records, key=lambda r: (r.dates[0], r.key))
    retitled = _retitled_files(ordered, parsed, slug_by_key)
    warnings: list[SourceError] = []
    for record in ordered:
        if (path := retitled.get(record.key)) is not None:
            slug_by_key[record.key] = path.stem
            warnings.append(_title_replaced(parsed[path], record))
    slugs = []
    new_records = []
    for record in ordered:
        slug = slug_by_key.get(record.key)
        if slug is None:
            slug = _free_slug(slug_for(record.title), taken)
            taken.add(slug)
            new_papers += 1
            new_records.append((record, slug))
        slugs.append(slug)
    warnings.extend(_same_abstract_as_another(new_records, ordered, papers_dir))
    # The slug too, and the old ones: topics.yaml may place a paper by hand.
    assigned = memo_many(
        (("topics", assign_topics, r.title, r.abstract, slug, old_slugs.get(slug, ())),
         partial(assign_topics, r.title, r.abstract, slug, old_slugs.get(slug, ())))
        for r, slug in zip(ordered, slugs)
    )
    unfiled = 0
    for record, slug, topics in zip(ordered, slugs, assigned):
        # An existing file's own Path: a new one per paper (made, then hashed
        # from scratch) cost a second per rebuild at 20,000 papers.
        path = file_of.get(slug) or papers_dir / f"{slug}.md"
        old = existing.get(path)
        if old is not None and _already_says(parsed[path], record, slug, topics):
            continue  # left byte for byte as it is, the user's formatting and comments too
        unfiled += bool(old is not None and parsed[path].topics and not topics)
        if old is not None and parsed[path].slug_written is None and (replaced := _own_values_replaced(
            parsed[path], record, topics,
        )):
            warnings.append(SourceError(
                f"a digest lists this paper of your own now, so ingest wrote the digests' values over yours: {replaced}",
                path, hint="ingest owns title, dates, topics and links of a digest's paper; keep your own under "
                "other keys (my_links: [...]) or in your notes",
            ))
        if old is not None and parsed[path].slug_written is not None and (added := _links_added_by_hand(
            parsed[path], record,
        )):
            warnings.append(_links_replaced(parsed[path], added))
        if old is not None and parsed[path].key == record.key and visible(parsed[path].title) != record.title:
            # Its case or punctuation, edited in the file or by a digest that
            # now comes first (an earlier date, a file of the same date); not
            # characters that show nothing, which an older ingest kept.
            warnings.append(_title_replaced(parsed[path], record))
        files.append((
            path, record,
            # What the text is made of, flat: a key holding the record would
            # hash and compare it in Python, four times per paper and rebuild.
            ("paper-file", record.title, record.abstract, record.dates, record.other_abstracts,
                   slug, topics, old, path in ours),
            partial(render_paper_file, record, slug, topics, old, path, parsed.get(path), path in ours),
        ))
    for (path, record, _key, _render), text in zip(files, memo_many((key, render) for *_, key, render in files)):
        old = existing.get(path)
        if old != text:
            changed.append(path)
            warnings.extend(
                _other_abstract_written(first, other, path)
                for first, other in record.other_abstracts_from
                if old is None or not _holds_other_version(old, other.abstract)
            )
            if old is not None and path not in ours and moved_to_notes(old, path, record):
                warnings.append(SourceError(
                    "text above the notes that the digests do not give (any more) was moved under the notes heading",
                    # At the line it begins on now: the file as written, not as it was.
                    # Whether the user or a digest changed it, only a history of the file could tell.
                    path, _first_line_of_notes(text), hint="ingest rewrites the abstract from the digests (correct "
                    "one in its digest); write your own text under '## Notes', and delete what moved there if it is "
                    "only the digests' earlier wording",
                ))
        texts[path] = text
    changed.sort()
    in_digests = set(slugs)
    warnings.extend(
        # Hugo and Jekyll take slug: for the address; here the file name is.
        # (A digest paper's slug: is ingest's, written back as its file name.)
        SourceError(
            f"slug {paper.slug_written!r} is not this paper's address: its address is its file name, "
            f"papers/{slug_of[path]}/", path, paper.line_of("slug"),
            hint=f"rename the file to {slug_for(paper.slug_written)}.md to move the page there, with "
                 f"aliases: [{slug_of[path]}] in it to keep its old address; or remove the slug: line",
        )
        for path, paper in parsed.items()
        # Cheapest test first: slugifying every paper's slug: cost 0.2 s a rebuild at 20,000 papers.
        if paper.slug_written is not None and paper.slug_written != slug_of[path]
        and slug_of[path] not in in_digests and slug_for(paper.slug_written) != slug_of[path]
    )
    for path, paper in parsed.items():
        if paper.extra:
            warnings.extend(misspelt_keys(paper, of_a_digest=slug_of[path] in in_digests))
    return IngestPlan(
        tuple(sorted(texts.items())), tuple(changed), new_papers, tuple((path, existing.get(path)) for path in changed),
        tuple(sorted(warnings, key=lambda warning: str(warning.path))),
        frozenset(
            slug_of[path] for path, paper in parsed.items() if paper.topics is not None and slug_of[path] not in in_digests
        ),
        unfiled, tuple(withdrawn), tuple(sorted(renamed.items())),
    )


def _first_line_of_notes(text: str) -> int | None:
    """The line of a paper file's ``text`` that its notes begin on, below their heading."""
    text = unix_line_ends(text)
    heading = NOTES_HEADING.search(text)
    if heading is None:
        return None
    after = len(text) - len(text[heading.end():].lstrip("\n"))
    return text.count("\n", 0, after) + 1


def _same_abstract_as_another(
    new: list[tuple[PaperRecord, str]], records: list[PaperRecord], papers_dir: Path,
) -> list[SourceError]:
    """A warning for each new paper whose abstract another of the digests'
    papers has word for word: most likely one paper under two titles (a
    digest spelt it with a letter or symbol more), now on two pages."""
    wanted = {record.abstract: (record, slug) for record, slug in new}
    # Asked on every build with a new digest, of every paper: their lengths
    # first, so that almost none of the abstracts is hashed.
    lengths = {len(abstract) for abstract in wanted}
    warnings: dict[str, SourceError] = {}
    for other in records if lengths else ():
        abstract = other.abstract
        if len(abstract) in lengths and abstract in wanted and abstract not in warnings:
            record, slug = wanted[abstract]
            if other.key != record.key:
                warnings[abstract] = SourceError(
                    f"new paper {clip(record.title)!r} has the abstract of {clip(other.title)!r} word for word: "
                    "one paper on two pages?", papers_dir / f"{slug}.md",
                    hint="if so, give both the same title in the digests (a paper's title is its digest's), then "
                    "delete the newer file; if not, this is only a warning",
                )
    return list(warnings.values())


def _other_abstract_written(first: DigestEntry, other: DigestEntry, path: Path) -> SourceError:
    # Said by the build that writes the version into the file alone: the
    # next finds the file holding it. (Said by every build, it failed every
    # build --strict, and only editing a pasted digest ended that.)
    # The file by its name: its path is the preview's absolute one.
    return SourceError(
        f"{clip(other.title)!r} has a different abstract than in {shown_name(first.path.name)}:{first.line}: "
        f"ingest wrote it into its paper file, {shown_name(path.name)}, under {OTHER_VERSIONS.lstrip('# ')!r}, "
        "and the paper's page shows both",
        other.path, other.line,
        hint="nothing needs doing: only the build that writes it there says so",
    )


def _holds_other_version(text: str, abstract: str) -> bool:
    """Whether a paper file's ``text`` holds ``abstract`` under its other
    versions, however an editor wrapped it or ended its lines. Not where
    it stands as the paper's abstract: a digest of an earlier date moves
    it under them. (Asked of the whole file, an edit of the first abstract,
    which ingest undoes, said each version there was written anew.)"""
    _, heading, versions = text.partition(OTHER_VERSIONS)
    return bool(heading) and " ".join(abstract.split()) in " ".join(versions.split())


def _own_values_replaced(paper: Paper, record: PaperRecord, topics: tuple[str, ...]) -> str:
    """What of a file's own dates, topics and links ingest's values for
    ``record`` leave out, as "dates [...], links [...]" ("" for nothing)."""
    theirs = {"dates": set(record.dates), "topics": set(topics), "links": set(extract_links(record.body))}
    ours = {"dates": paper.dates, "topics": paper.topics or (), "links": paper.links}
    return ", ".join(
        f"{key} [{', '.join(str(value) for value in values)}]"
        for key, values in ((key, [value for value in ours[key] if value not in theirs[key]]) for key in theirs)
        if values
    )


def _links_added_by_hand(paper: Paper, record: PaperRecord) -> tuple[str, ...]:
    """The links of a digest paper's file that ingest, which writes those
    its abstract holds, did not write there: in neither the digests' text
    nor the file's above its notes (the abstract of a digest since
    corrected, or of an older Paper Atlas that cut addresses otherwise)."""
    theirs = extract_links(record.body)
    return tuple(link for link in paper.links if link not in theirs and link not in paper.abstract)


def _links_replaced(paper: Paper, links: tuple[str, ...]) -> SourceError:
    # Ingest writes its own links over them, so the warning keeps them, as a title's does.
    said = f"link {links[0]} is" if len(links) == 1 else f"links {', '.join(links)} are"
    return SourceError(
        f"{said} in no abstract of this paper: ingest wrote the links of its abstract over "
        f"{'it' if len(links) == 1 else 'them'}", paper.path, paper.line_of("links"),
        hint="ingest owns links: keep links of your own in your notes (shown as links) or under another key "
        "(my_links: [...])",
    )


def _same_title(first: Path, paper: Paper, second: Path, other: Paper) -> SourceError:
    if paper.title == other.title:
        return SourceError(
            f"paper has the same title as {shown_name(first.name)} ({clip(other.title)!r})", second,
            other.line_of("title"),
            hint="give one of the two files another title, or delete it",
        )
    return SourceError(
        f"paper's title {clip(other.title)!r} is {shown_name(first.name)}'s {clip(paper.title)!r} but for case, "
        "spacing or punctuation, and papers are told apart by title", second, other.line_of("title"),
        hint="if they are one paper, move your notes into one file and delete the other; if not, make their titles "
        "differ in a letter, digit or symbol (a digest's paper has its digest's title)",
    )


def _title_replaced(paper: Paper, record: PaperRecord) -> SourceError:
    # Edited in the file, or corrected in a digest: either way the file's
    # title is replaced, so the warning keeps it.
    return SourceError(
        f"title {clip(paper.title)!r} is not the digests' {clip(record.title)!r}: ingest wrote "
        "theirs, and the paper keeps this file and its address", paper.path, paper.line_of("title"),
        hint="ingest owns the title: one you wrote here, keep under another key (my_title: ...) or in your notes; "
             "one a digest corrected needs nothing",
    )


def _retitled_files(
    records: list[PaperRecord], parsed: Mapping[Path, Paper], slug_by_key: Mapping[str, str],
) -> dict[str, Path]:
    """Digest papers whose file's title someone edited: record key → that file.

    Papers are told apart by title, so such a record finds no file, and
    would get a second file and page beside its own. Its file is one that
    ingest wrote (its ``slug:`` is its name) for a title no digest lists
    now, and that holds the record's abstract word for word; or, when the
    abstract changed too (text put above it in the file, a typo fixed in
    the digest along with the title), that is of one of the record's dates
    and holds the abstract, or nearly its words.
    """
    unmatched = [record for record in records if record.key not in slug_by_key]
    if not unmatched:
        return {}
    listed = {record.key for record in records}
    orphans = [(path, paper) for path, paper in parsed.items()
               if paper.key not in listed and paper.slug_written == path.stem]
    by_abstract: dict[str, list[Path]] = {}
    for path, paper in orphans:
        by_abstract.setdefault(paper.abstract, []).append(path)
    found: dict[str, Path] = {}
    # Word-for-word matches first, so a near one never takes a file from them.
    for record in unmatched:
        paths = by_abstract.get(record.body.strip(), [])
        if len(paths) == 1 and paths[0] not in found.values():
            found[record.key] = paths[0]
    taken = set(found.values())
    for record in unmatched:
        if record.key in found:
            continue
        body = record.body.strip()
        paths = [path for path, paper in orphans if path not in taken and _edited_from(paper, record.dates, body)]
        if len(paths) == 1:
            found[record.key] = paths[0]
            taken.add(paths[0])
    return found


# Share of their words two versions of one abstract have in common at least
# (a typo fixed: about 0.99; another paper of the same day: about 0.2).
_SAME_ABSTRACT_WORDS = 0.8


def _edited_from(paper: Paper, dates: tuple[dt.date, ...], abstract: str) -> bool:
    """Whether ``paper``'s file could be the digests' paper of ``dates`` and
    ``abstract`` with its title and abstract both changed since."""
    if not set(paper.dates) & set(dates):
        return False
    if abstract in paper.abstract:
        return True
    ours, theirs = set(_WORDS.findall(paper.abstract.lower())), set(_WORDS.findall(abstract.lower()))
    return len(ours & theirs) >= _SAME_ABSTRACT_WORDS * len(ours | theirs)


def _already_says(paper: Paper, record: PaperRecord, slug: str, topics: tuple[str, ...]) -> bool:
    """Whether a paper file already holds every value ingest would write
    into it for ``record``, so that writing it again would change nothing
    the site shows. (Most files, in most builds: asking this is a hundred
    times faster than making the file's text again.)"""
    return (
        paper.title == record.title and paper.slug_written == slug and paper.dates == record.dates
        and paper.topics == topics and paper.abstract == record.body.strip()
        and paper.links == extract_links(record.body)
    )


def _free_slug(base: str, taken: set[str]) -> str:
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
