"""The taxonomy (``content/topics.yaml``) and the keyword rules that assign topics.

A topic scores a paper by its weighted keyword phrases; the topics whose score
reaches their threshold are kept, best first. Users add topics by editing the
YAML only (read by :mod:`.topics_yaml`, which reports every mistake in it with
the file and line).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Collection, Iterable, Mapping

from .aliases import Alias
from .errors import SourceError

# Abstract hits are capped so an abstract that repeats a word ten times does
# not outvote a title; three mentions already say "this is what it is about".
ABSTRACT_HIT_CAP = 3
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Topic:
    slug: str
    name: str
    description: str
    keywords: tuple[tuple[str, float], ...]  # phrase, weight: matched in title and abstract
    title_keywords: tuple[tuple[str, float], ...]  # phrase, weight: matched in the title only
    fallback: bool = False  # the catch-all for papers no rule matches
    min_score: float | None = None  # None: the taxonomy's min_score
    # Placed by hand: papers (by slug, with the line that names them) always
    # filed under this topic, whatever their score, and papers never filed here.
    papers: tuple[tuple[str, int], ...] = ()
    not_papers: tuple[tuple[str, int], ...] = ()
    aliases: tuple[Alias, ...] = ()  # its old addresses (its old slugs), which lead to its page


_SEPARATOR = r"[\s\-]?"  # spaces and hyphens are optional: "fine-tuning", "fine tuning", "finetuning"
_WHOLE_WORD_END = r"(?:s|es)?(?!\w)"


@dataclass(frozen=True)
class _Phrase:
    """One phrase compiled for lower-cased text (topics.yaml documents the rules).

    The pattern starts with the phrase's own letters, and ``hits`` checks the
    word start instead of a leading ``(?<!\\w)``: the regex engine can then jump
    to the literal, which makes scoring about thirty times faster.
    """

    pattern: re.Pattern[str]
    weight: float
    # A hit starts a word with the phrase's first word, so the word-character
    # run that begins it ("fine" of "fine-tuning") starts some word of the text.
    head: str = ""
    # The pattern in pieces (an escaped character, a separator, the end), for
    # _HeadFinder to merge with the other phrases' pieces.
    pieces: tuple[str, ...] = ()

    @classmethod
    def compile(cls, phrase: str, weight: float) -> _Phrase:
        words = re.split(r"[\s\-]+", phrase.rstrip("*").strip().lower())
        pieces = [piece for word in words for piece in (_SEPARATOR, *map(re.escape, word))][1:]
        if not phrase.endswith("*"):
            pieces.append(_WHOLE_WORD_END)
        head = _WORD.match(words[0])
        return cls(re.compile("".join(pieces)), weight, head.group(0) if head else "", tuple(pieces))

    def hits(self, lowered: str, cap: int) -> int:
        count, position = 0, 0
        while count < cap and (match := self.pattern.search(lowered, position)):
            start = match.start()
            if start and (lowered[start - 1].isalnum() or lowered[start - 1] == "_"):
                position = start + 1  # inside a word, like "rag" in "average"
            else:
                count, position = count + 1, max(match.end(), start + 1)
        return count

    def hits_at(self, lowered: str, starts: list[int], cap: int) -> int:
        """:meth:`hits`, given word starts where the phrase's head begins
        (ascending), among them every one where the pattern matches: a hit
        starts a word, so only those places are tried."""
        count, position = 0, 0
        for start in starts:
            if start >= position and (match := self.pattern.match(lowered, start)):
                count, position = count + 1, max(match.end(), start + 1)
                if count == cap:
                    break
        return count


@dataclass(frozen=True)
class _HeadFinder:
    """The word starts of a text where some phrase matches, with the phrase
    heads that begin a word there, in one regex scan.

    At each word start the pattern first checks, in a lookahead, that some
    phrase's pattern matches there: all of them merged into one trie, so the
    engine reads on from a word only as far as some phrase goes on like it.
    Then it matches a trie of the heads, longest alternative first, so the
    longest head there; every shorter head that matches there is a prefix of
    it, found through ``closure``. Most word starts where a head begins are
    not where a phrase matches ("in" of "in the", "data" of "data and"), so
    the phrases of that head are not tried there: fewer than half as many
    are tried. The title_keywords count in the title only, so the abstract's
    pattern leaves them out.
    """

    title_pattern: re.Pattern[str]
    abstract_pattern: re.Pattern[str]
    closure: Mapping[str, tuple[str, ...]]
    # head → (number, topic index, phrase, title only); phrases are numbered
    # in rule order, topic by topic, the order their scores are added in
    phrases: Mapping[str, tuple[tuple[int, int, _Phrase, bool], ...]]

    @classmethod
    def compile(cls, rules: tuple[tuple[tuple[_Phrase, ...], tuple[_Phrase, ...]], ...]) -> _HeadFinder:
        ordered = [
            (topic_index, phrase, title_only)
            for topic_index, (keywords, title_keywords) in enumerate(rules)
            for phrase, title_only in [(p, False) for p in keywords] + [(p, True) for p in title_keywords]
        ]
        phrases: dict[str, list[tuple[int, int, _Phrase, bool]]] = {}
        for number, (topic_index, phrase, title_only) in enumerate(ordered):
            phrases.setdefault(phrase.head, []).append((number, topic_index, phrase, title_only))
        words = sorted(head for head in phrases if head)
        closure = {head: tuple(other for other in words if head.startswith(other)) for head in words}
        heads = _trie_pattern([tuple(map(re.escape, head)) for head in words])

        def finder(title: bool) -> re.Pattern[str]:
            matched = {  # phrases with no head are searched for everywhere instead
                phrase.pieces for items in phrases.values() for _n, _t, phrase, title_only in items
                if phrase.head and (title or not title_only)
            }
            if not matched:
                return re.compile(r"(?!)")
            # A word start is a non-word character and then the head: the
            # engine skips to the next non-word character faster than it
            # checks for a word boundary (\b) at each character.
            # (Sorted, so every run compiles the same pattern.)
            return re.compile(r"\W(?=" + _trie_pattern(sorted(matched)) + ")(" + heads + ")")

        return cls(
            finder(title=True), finder(title=False), closure,
            {head: tuple(items) for head, items in phrases.items()},
        )

    def starts(self, lowered: str, title: bool) -> dict[str, list[int]]:
        """Each head that begins some word of ``lowered`` where some phrase
        matches (with the title_keywords if ``title``) → those word starts, ascending."""
        starts: dict[str, list[int]] = {}
        # The space stands for the start of the text, which starts a word
        # too; where the non-word character before a head is, in the text
        # with the space, is where the head is in the text.
        for match in (self.title_pattern if title else self.abstract_pattern).finditer(" " + lowered):
            start = match.start()
            for head in self.closure[match.group(1)]:
                if (places := starts.get(head)) is None:
                    starts[head] = [start]
                else:
                    places.append(start)
        return starts


def _trie_pattern(sequences: list[tuple[str, ...]]) -> str:
    """A regex that matches at a position where one of ``sequences`` (each
    a run of regex pieces: escaped characters, separators, an end) matches,
    all in one: those that start with the same piece share one branch, so
    the engine tries it once. Of sequences of characters only, it matches
    the longest that matches."""
    return "|".join(_trie_branches(sequences))


def _trie_branches(sequences: list[tuple[str, ...]]) -> list[str]:
    groups: dict[str, list[tuple[str, ...]]] = {}
    for sequence in sequences:
        groups.setdefault(sequence[0], []).append(sequence[1:])
    branches = []
    for first, rests in groups.items():
        longer = [rest for rest in rests if rest]
        tails = _trie_branches(longer) if longer else []
        if not tails:
            branches.append(first)
        elif len(longer) < len(rests):  # one of them ends here
            branches.append(f"{first}(?:{'|'.join(tails)})?")
        elif len(tails) == 1:
            branches.append(first + tails[0])
        else:
            branches.append(f"{first}(?:{'|'.join(tails)})")
    return branches


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[Topic, ...]
    min_score: float = 3.0
    max_topics: int = 3
    title_weight: float = 3.0
    # Compiled from ``topics`` once, in __post_init__, so a Taxonomy built by hand
    # matches like a loaded one; kept out of ==, hash and repr.
    _rules: tuple[tuple[tuple[_Phrase, ...], tuple[_Phrase, ...]], ...] = field(
        init=False, repr=False, compare=False
    )
    _by_slug: Mapping[str, Topic] = field(init=False, repr=False, compare=False)
    _heads: _HeadFinder = field(init=False, repr=False, compare=False)
    # paper slug → indexes of the topics that place it by hand (papers:, not_papers:)
    _always: Mapping[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)
    _never: Mapping[str, frozenset[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rules = tuple(
            (
                tuple(_Phrase.compile(p, w) for p, w in topic.keywords),
                tuple(_Phrase.compile(p, w) for p, w in topic.title_keywords),
            )
            for topic in self.topics
        )
        object.__setattr__(self, "_rules", rules)
        object.__setattr__(self, "_by_slug", {topic.slug: topic for topic in self.topics})
        object.__setattr__(self, "_heads", _HeadFinder.compile(rules))
        always: dict[str, list[int]] = {}
        never: dict[str, set[int]] = {}
        for index, topic in enumerate(self.topics):
            for slug, _line in topic.papers:
                always.setdefault(slug, []).append(index)
            for slug, _line in topic.not_papers:
                never.setdefault(slug, set()).add(index)
        object.__setattr__(self, "_always", {slug: tuple(indexes) for slug, indexes in always.items()})
        object.__setattr__(self, "_never", {slug: frozenset(indexes) for slug, indexes in never.items()})

    def get(self, slug: str) -> Topic | None:
        return self._by_slug.get(slug)


def score_topics(taxonomy: Taxonomy, title: str, abstract: str) -> tuple[float, ...]:
    """Each topic's score, in taxonomy order: weight x title_weight for each phrase
    in the title, plus weight x its hits in the abstract (at most ABSTRACT_HIT_CAP)."""
    title, abstract = title.lower(), abstract.lower()
    # Only the phrases of the heads found where some phrase matches are tried:
    # any other would add 0.0 (a phrase hits only where its head begins a word
    # and it matches), so leaving them out and adding the rest in rule order
    # keeps every score bit-identical to scoring each phrase.
    heads = taxonomy._heads
    in_title, in_abstract = heads.starts(title, title=True), heads.starts(abstract, title=False)
    title_weight = taxonomy.title_weight
    terms: list[tuple[int, int, float]] = []  # phrase number, topic index, value
    for head in {"", *in_title, *in_abstract}:
        # A phrase with a head can hit only where its head begins a word: a
        # text without one (most titles) is not searched at all.
        title_starts, abstract_starts = in_title.get(head), in_abstract.get(head)
        for number, topic_index, phrase, title_only in heads.phrases.get(head, ()):
            if not head:
                title_hits = phrase.hits(title, 1)
            else:
                title_hits = phrase.hits_at(title, title_starts, 1) if title_starts else 0
            if title_only:
                value = phrase.weight * title_weight * title_hits
            else:
                if not head:
                    abstract_hits = phrase.hits(abstract, ABSTRACT_HIT_CAP)
                else:
                    abstract_hits = phrase.hits_at(abstract, abstract_starts, ABSTRACT_HIT_CAP) if abstract_starts else 0
                value = phrase.weight * (title_hits * title_weight + abstract_hits)
            if value:
                terms.append((number, topic_index, value))
    scores = [0.0] * len(taxonomy._rules)
    terms.sort()  # into rule order
    for _number, topic_index, value in terms:
        scores[topic_index] += value
    return tuple(scores)


def assign_topics(
    taxonomy: Taxonomy, title: str, abstract: str, slug: str = "", old_slugs: tuple[str, ...] = (),
) -> tuple[str, ...]:
    """Topic slugs for the paper ``slug``: first the topics that list it under
    ``papers:``, in taxonomy order; then, up to max_topics in all, the topics
    whose score reaches their min_score, best first, ties in taxonomy order,
    but not those that list it under ``not_papers:``; with none of either,
    the fallback topic (unless it lists the paper under ``not_papers:``).
    Listed by one of its ``old_slugs`` (those its aliases: keep, see
    Paper.old_slugs) it is listed too: its file renamed, topics.yaml still
    names it as it was."""
    scores = score_topics(taxonomy, title, abstract)
    names = (slug, *old_slugs)
    always = sorted({index for name in names for index in taxonomy._always.get(name, ())})
    never = frozenset().union(*(taxonomy._never.get(name, ()) for name in names))
    kept = sorted(
        (-score, index)
        for index, (topic, score) in enumerate(zip(taxonomy.topics, scores))
        if score >= (taxonomy.min_score if topic.min_score is None else topic.min_score)
        and index not in never and index not in always
    )
    chosen = [*always, *(index for _score, index in kept[: max(taxonomy.max_topics - len(always), 0)])]
    if not chosen:
        chosen = [index for index, topic in enumerate(taxonomy.topics) if topic.fallback and index not in never]
    return tuple(taxonomy.topics[index].slug for index in chosen)


def placement_warnings(
    taxonomy: Taxonomy, slugs: Iterable[str], own_topics: Collection[str], path: Path | str,
    renamed: Mapping[str, str] = MappingProxyType({}),
) -> tuple[SourceError, ...]:
    """A warning for each slug that ``papers:`` or ``not_papers:`` names but
    no paper has (a typo, or a paper whose digest is not added yet), or that
    is a paper of your own with topics of its own (``own_topics``), which
    they do not change. ``slugs`` is read only if some topic places papers.
    ``renamed``: each old slug a paper file's aliases: keep (no file's name)
    → that file's slug; a list naming one places that paper (see
    assign_topics), and is told its slug now."""
    warnings = []
    known: set[str] | None = None
    for topic in taxonomy.topics:
        for key, placed in (("papers", topic.papers), ("not_papers", topic.not_papers)):
            for slug, line in placed:
                known = set(slugs) if known is None else known
                now = slug if slug in known else renamed.get(slug)
                if now in own_topics:
                    named = repr(slug) if now == slug else f"{slug!r} (an old slug of {now!r})"
                    warnings.append(SourceError(
                        f"topic {topic.slug!r} {key}: {named} has topics of its own (the topics: line of its "
                        "file), which this does not change", path, line,
                        hint="remove that line to file it by the rules and this list, or edit it there",
                    ))
                elif now is None:
                    guess = difflib.get_close_matches(slug, known, n=1, cutoff=0.8)
                    warnings.append(SourceError(
                        f"topic {topic.slug!r} {key}: no paper has the slug {slug!r}", path, line,
                        hint=f"did you mean {guess[0]!r}?" if guess else
                        "a paper's slug is its file name in content/papers/ without .md",
                    ))
                elif now != slug:  # read as that paper while the alias stays; the list outlives it otherwise
                    warnings.append(SourceError(
                        f"topic {topic.slug!r} {key}: {slug!r} is an old slug of {now!r}, kept under the aliases: "
                        "of its file, so it is read as that paper", path, line,
                        hint=f"write {now!r} here: this list names a paper by its file name",
                    ))
    return tuple(warnings)


def unknown_topic(slug: str, taxonomy: Taxonomy, path: Path | str, line: int | None) -> SourceError:
    """The error for a ``topics:`` line naming ``slug``, no topic of
    ``taxonomy``. Only a paper no digest lists has a line of its own: ingest
    writes a digest paper's from the taxonomy, and leaves this one as it is,
    also when a topic's slug it names is renamed in topics.yaml (the file is
    the user's, and the line may be theirs too)."""
    if not taxonomy.topics:
        return SourceError(
            f"unknown topic {slug!r}", path, line,
            hint="content/topics.yaml has no topics (is it missing?): restore it, or delete this topics: line",
        )
    renamed = next((topic.slug for topic in taxonomy.topics if any(
        alias.url == f"topics/{slug}/" for alias in topic.aliases)), None)
    if renamed is not None:  # the old address kept, the line left behind: which slug is meant is known
        return SourceError(
            f"unknown topic {slug!r}", path, line,
            hint=f"it is the old slug of {renamed!r}, under that topic's aliases: in content/topics.yaml: write "
            f"{renamed!r} in this line (a paper no digest lists keeps its topics: line as written)",
        )
    guess = difflib.get_close_matches(slug, [topic.slug for topic in taxonomy.topics], n=1)
    if guess:  # a slip of the pen, most likely: the why of a rename would bury the answer
        return SourceError(
            f"unknown topic {slug!r}", path, line, hint=f"did you mean {guess[0]!r}?",
        )
    return SourceError(
        f"unknown topic {slug!r}", path, line,
        hint="a paper no digest lists keeps its topics: line as written, also when a topic's slug is renamed in "
        "content/topics.yaml: write one of the slugs there in this line, delete the line to have the rules there "
        "file the paper, or add the topic there",
    )
