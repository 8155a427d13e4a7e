"""Read ``content/topics.yaml`` into a :class:`~.topics.Taxonomy`, checking it
and collecting every mistake with its line before raising."""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml
from yaml.constructor import SafeConstructor

from .aliases import Alias, parse_aliases
from .digest import clip
from .errors import SourceError, exists_or_links, raise_if_any, read_utf8
from .papers import FILE_SLUG
from .topics import Taxonomy, Topic
from .yamlsource import (
    MERGE_TAG, alias_problem, control_character_error, item_taken_as_text, unholdable_problem, yaml_problem,
)

SLUG_PATTERN = re.compile(r"[a-z0-9-]+")
TOP_LEVEL_KEYS = ("min_score", "max_topics", "title_weight", "topics")
TOPIC_KEYS = (
    "slug", "name", "description", "min_score", "keywords", "title_keywords", "fallback", "papers", "not_papers",
    "aliases",
)
KEYWORDS_HINT = "write one 'phrase: weight' per keyword, e.g. keywords: {quantiz*: 3, pruning: 2}"

# The YAML is composed into nodes, not loaded into dicts: only nodes remember
# the line of each topic, key and phrase, and they show repeated keys.


def load_taxonomy(path: Path) -> Taxonomy:
    """Load topics.yaml; a missing file means a site without topics (as a
    missing site.yaml means all defaults)."""
    if not exists_or_links(path):
        return Taxonomy(())
    return parse_taxonomy(read_utf8(path), path)


def parse_taxonomy(text: str, path: Path | str) -> Taxonomy:
    """Parse and check a taxonomy, collecting every problem first: one raises
    SourceError, several raise BuildErrors; each names the file and line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        problem, line = yaml_problem(error, text=text)
        raise SourceError(
            f"invalid YAML: {problem}", path, line,
            hint="check indentation; quote a phrase with a comma, braces or ': ' in it, or starting with '*'",
        ) from None
    except yaml.reader.ReaderError as error:
        raise control_character_error(error, text, path) from None
    except yaml.YAMLError as error:
        raise SourceError(f"invalid YAML: {' '.join(str(error).split())}", path) from None
    except RecursionError:  # PyYAML composes "[[[[..." recursively
        raise SourceError("invalid YAML: nested too deeply", path) from None
    if root is None:
        raise _no_topics(path)
    # The reader below reads each value by the shape it expects, so a value
    # that holds itself or millions did no harm here; refused all the same,
    # as in every other YAML file, with the same words.
    aliases = alias_problem(root, text)
    if aliases is not None:
        problem, hint, mark = aliases
        raise SourceError(f"invalid YAML: {problem}", path, mark.line + 1, hint=hint)
    item_taken_as_text(root, text, path)
    tagged = _unknown_tag(root)
    if tagged is not None:
        # Only the values read as numbers or true/false are constructed, so
        # "weight: !w 3" raised ConstructorError, a traceback, and a name or
        # phrase starting with "!" lost it silently: an error, as in site.yaml.
        raise SourceError(
            f"invalid YAML: {tagged.tag!r} is read as a tag, which this file has no use for", path, _line(tagged),
            hint="quote a phrase, name or value that starts with '!', e.g. \"!important\": 2",
        )
    if not isinstance(root, yaml.MappingNode):
        raise SourceError("expected a mapping with 'topics:' and optional settings", path, _line(root),
                          hint="start the file with 'topics:' followed by '- slug: ...' items")
    reader = _Reader(path, text, [])
    settings: dict[str, float] = {}
    topics: tuple[Topic, ...] = ()
    for key, _key_node, value in reader.items(root, "setting", TOP_LEVEL_KEYS):
        if key == "topics":
            topics = reader.topics(value)
        elif (number := reader.number(value, key)) is not None:
            if key == "max_topics" and number != int(number):
                reader.error(f"max_topics must be a whole number, not {_written(value)}", value)
            settings[key] = number
    # A mistake in a merged value is found where it is written and again
    # where it is merged, at the same line: it is reported once.
    errors = {str(error): error for error in reader.errors}
    raise_if_any(sorted(errors.values(), key=lambda error: error.line or 0))
    if not topics:
        raise _no_topics(path, next((_line(key) for key, _value in root.value if key.value == "topics"), None))
    if "max_topics" in settings:
        settings["max_topics"] = int(settings["max_topics"])
    return Taxonomy(topics, **settings)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Reader:
    """Turns nodes into values, adding a SourceError for each problem found."""

    path: Path | str
    source: str  # the file's text, for a key that is no word as it was written
    errors: list[SourceError]

    def error(self, message: str, node: yaml.Node, hint: str = "") -> None:
        self.errors.append(SourceError(message, self.path, _line(node), hint))

    def items(
        self, node: yaml.MappingNode, what: str, allowed: tuple[str, ...]
    ) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        """Each known key with its key node and value node; unknown or repeated
        keys are reported (a typo like 'keyword:' must not be silently ignored)."""
        seen: dict[str, int] = {}
        for key_node, value in self.pairs(node):
            key = self.key(key_node)
            if key not in allowed:
                guess = difflib.get_close_matches(key, allowed, n=1)
                maybe = f"did you mean {guess[0]!r}? " if guess else ""
                self.error(f"unknown {what} {key!r}", key_node, hint=f"{maybe}allowed: {', '.join(allowed)}")
            elif key in seen:
                self.error(f"{what} {key!r} is given twice", key_node, hint=f"first given on line {seen[key]}")
            else:
                seen[key] = _line(key_node)
                yield key, key_node, value

    def key(self, node: yaml.Node) -> str:
        # A key may be a list or mapping ("? [a, b]"): its value is nodes,
        # whose repr the message showed ("ScalarNode(tag=…)"), not its text.
        if isinstance(node, yaml.ScalarNode):
            return str(node.value)
        return " ".join(self.source[node.start_mark.index:node.end_mark.index].split())

    def pairs(self, node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
        """The mapping's keys and values with its merge keys ("<<: *base",
        "<<: [*a, *b]") merged in as YAML 1.1 merges them: a key written in
        the mapping wins over a merged one, an earlier mapping of a list over
        a later one. A merged key is placed on its '<<' line, where it came
        into this mapping (a duplicate slug or an unknown key is a mistake
        made there); its value keeps its own line, where it is written."""
        taken = {self.key(key) for key, _value in node.value if key.tag != MERGE_TAG}
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        for key, value in node.value:
            if key.tag != MERGE_TAG:
                pairs.append((key, value))
                continue
            for source in value.value if isinstance(value, yaml.SequenceNode) else [value]:
                if not isinstance(source, yaml.MappingNode):
                    # At the '<<' line: an alias's node is where its anchor is.
                    shown = _written(source) if isinstance(source, yaml.ScalarNode) else "a list inside its list"
                    self.error(f"'<<' merges a mapping, or a list of mappings, into this one, not {shown}", key,
                               hint="anchor a mapping where it is written (keywords: &kw {lora: 2}) "
                               "and merge it by its name: <<: *kw")
                    continue
                # A key written twice in the mapping merged: YAML keeps the last.
                merged = {self.key(merged_key): (merged_key, merged_value)
                          for merged_key, merged_value in self.pairs(source)}
                for name, (merged_key, merged_value) in merged.items():
                    if name not in taken:
                        taken.add(name)
                        pairs.append((_placed_at(merged_key, key), merged_value))
        return pairs

    def text(self, node: yaml.Node, what: str) -> str | None:
        # The raw scalar text, so "name: yes" or "slug: 2024" stay the words written.
        if isinstance(node, yaml.ScalarNode):
            text = str(node.value).strip()
            problem = unholdable_problem(what, text)  # from an escape in quotes, "\ud800"
            if problem is not None:
                self.error(problem[0], node, hint=problem[1])
                return None
            return text
        self.error(f"{what} must be text, not a list or mapping", node)
        return None

    def number(self, node: yaml.Node, key: str) -> float | None:
        value = _number(node)
        if value is None or value <= 0:
            self.error(f"{key} must be a number greater than 0, not {_written(node)}", node)
            return None
        return value

    def topics(self, node: yaml.Node) -> tuple[Topic, ...]:
        if _is_null(node):
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.error("topics must be a list of '- slug: ...' items", node)
            return ()
        topics: list[Topic] = []
        slug_lines: dict[str, int] = {}
        # A name as readers tell names apart → the first topic so named, its line:
        # "RAG" and " rag " would be two topics no link or heading tells apart.
        names: dict[str, tuple[Topic, int]] = {}
        fallback: tuple[str, int] | None = None
        for item in node.value:
            topic, keys = self.topic(item)
            if topic is None:
                continue
            same_name = names.get(_name_key(topic.name))
            if topic.slug in slug_lines:
                self.error(f"duplicate topic slug {topic.slug!r}", keys["slug"],
                           hint=f"first used on line {slug_lines[topic.slug]}; each topic needs its own slug")
            elif same_name:
                first, line = same_name
                unlike = "" if first.name == topic.name else (
                    f": {first.name!r} and {topic.name!r} differ only in case or spaces")
                self.error(f"topic {topic.slug!r} has the same name as topic {first.slug!r} on line {line}{unlike}",
                           keys["name"], hint="give each topic its own name: links and headings show the name alone, "
                           "so no reader could tell the two apart")
            elif topic.fallback and fallback:
                self.error(f"topic {topic.slug!r} is a second fallback topic", keys["fallback"],
                           hint=f"only one topic may say 'fallback: true'; {fallback[0]!r} does on line {fallback[1]}")
            else:
                slug_lines[topic.slug] = _line(keys["slug"])
                names[_name_key(topic.name)] = (topic, _line(keys["name"]))
                fallback = (topic.slug, _line(keys["fallback"])) if topic.fallback else fallback
                topics.append(topic)
        return tuple(topics)

    def topic(self, node: yaml.Node) -> tuple[Topic | None, dict[str, yaml.Node]]:
        """One topic, and the node of each key it sets, for later errors' lines."""
        if not isinstance(node, yaml.MappingNode):
            self.error("each topic must be a mapping of 'key: value' lines", node,
                       hint="write '- slug: ...' and indent name, keywords, ... under it")
            return None, {}
        errors_before = len(self.errors)
        keys: dict[str, yaml.Node] = {}
        text: dict[str, str | None] = {}
        nulls: dict[str, str] = {}  # a key whose value is YAML's word for no value ("null", "~") → that word
        rules: dict[str, tuple[tuple[str, float], ...]] = {}
        min_score: float | None = None
        fallback = False
        placed: dict[str, tuple[tuple[str, int], ...]] = {}
        alias_node: yaml.Node | None = None
        for key, key_node, value in self.items(node, "topic key", TOPIC_KEYS):
            keys[key] = key_node
            if key in ("slug", "name", "description"):
                if _is_null(value):
                    # "name: null" is no name, as "name:" is; not a topic named "null".
                    text[key] = ""
                    nulls[key] = str(value.value)
                else:
                    text[key] = self.text(value, key)
            elif key in ("papers", "not_papers"):
                placed[key] = self.paper_slugs(value, key)
            elif key == "aliases":
                alias_node = value
            elif key in ("keywords", "title_keywords"):
                rules[key] = self.keywords(value, key)
            elif key == "min_score":
                min_score = self.number(value, key)
            elif isinstance(flag := _scalar(value), bool):
                fallback = flag
            else:
                self.error(f"fallback must be true or false, not {_written(value)}", value)
        slug = text.get("slug") or ""
        label = f"topic {slug!r}" if slug else "topic"
        for key in ("slug", "name"):
            if nulls.get(key):
                self.error(f"{label} has no {key}: YAML reads {nulls[key]} as no value", keys[key],
                           hint=f"quote it if you mean the word: {key}: '{nulls[key]}'")
            elif key not in keys or text[key] == "":
                self.error(f"{label} has no {key}", keys.get(key, node), hint=f"add '{key}: ...' to the topic")
        if slug and not SLUG_PATTERN.fullmatch(slug):
            self.error(f"slug {slug!r} may only use a-z, 0-9 and '-'", keys["slug"],
                       hint="slugs become URLs, e.g. 'long-context'")
        both = {paper for paper, _line in placed.get("papers", ())} & {paper for paper, _line in placed.get("not_papers", ())}
        for paper, line in placed.get("not_papers", ()):
            if paper in both:
                self.errors.append(SourceError(
                    f"{label} lists {paper!r} under both papers and not_papers", self.path, line,
                    hint="keep it under one of the two",
                ))
        aliases = self.aliases(alias_node, slug) if alias_node is not None and slug else ()
        if not any(rules.values()) and not fallback and len(self.errors) == errors_before:
            self.error(f"{label} has no keywords", node,
                       hint=f"{KEYWORDS_HINT}; or make it the catch-all with 'fallback: true'")
        if len(self.errors) > errors_before:
            return None, keys
        return Topic(
            slug, text.get("name") or "", text.get("description") or "",
            rules.get("keywords", ()), rules.get("title_keywords", ()), fallback, min_score,
            placed.get("papers", ()), placed.get("not_papers", ()), aliases,
        ), keys

    def paper_slugs(self, node: yaml.Node, key: str) -> tuple[tuple[str, int], ...]:
        """Each paper slug listed, with its line; a slug listed twice counts once."""
        if _is_null(node):
            return ()
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        found: dict[str, int] = {}
        for item in items:
            slug = self.text(item, f"each slug of {key}")
            if slug is None:
                continue
            if not FILE_SLUG.fullmatch(slug):
                self.error(
                    f"{key}: {slug!r} is not a paper's slug", item,
                    hint="write the paper's file name in content/papers/ without .md, "
                    "e.g. papers: [a-survey-of-large-language-models]",
                )
            else:
                found.setdefault(slug, _line(item))
        return tuple(found.items())

    def aliases(self, node: yaml.Node, slug: str) -> tuple[Alias, ...]:
        """The topic's old addresses (its old slugs), each at its line."""
        if _is_null(node):
            return ()
        found: dict[str, Alias] = {}
        for item in node.value if isinstance(node, yaml.SequenceNode) else [node]:
            text = self.text(item, "each alias")
            if text is None:
                continue
            try:
                for alias in parse_aliases((text,), "topics/", f"topics/{slug}/", self.path, _line(item)):
                    found.setdefault(alias.url, alias)
            except SourceError as error:
                self.errors.append(error)
        return tuple(found.values())

    def keywords(self, node: yaml.Node, key: str) -> tuple[tuple[str, float], ...]:
        if _is_null(node):
            return ()
        if not isinstance(node, yaml.MappingNode):
            self.error(f"{key} must be a mapping of phrase: weight", node, hint=KEYWORDS_HINT)
            return ()
        what = "keyword" if key == "keywords" else "title keyword"
        found: list[tuple[str, float]] = []
        earlier: dict[str, tuple[str, int]] = {}  # each spelling of a phrase: the phrase, its line
        for phrase_node, weight_node in self.pairs(node):
            phrase = self.text(phrase_node, what)
            weight = _number(weight_node)
            if phrase is None:
                continue
            same = [earlier[spelling] for spelling in _spellings(phrase) if spelling in earlier]
            if not phrase.rstrip("*").strip():
                self.error(f"empty {what} in {key}", phrase_node, hint=KEYWORDS_HINT)
            elif not re.sub(r"[\s\-]+", "", phrase.rstrip("*")):
                # Spaces and hyphens are optional in a match: alone, they
                # match the empty text, and scoring a paper by it never ended.
                self.error(f"{what} {phrase!r} is only spaces and hyphens, which match anywhere", phrase_node,
                           hint=KEYWORDS_HINT)
            elif "*" in phrase.rstrip("*") or phrase.endswith("**"):
                self.error(f"{what} {phrase!r}: '*' may only end a phrase", phrase_node,
                           hint="'quantiz*' matches words that start with 'quantiz'")
            elif phrase.rstrip("*").rstrip().endswith(","):
                # A comma from a list's habits (JSON's, or braces' written on
                # lines of their own): the phrase would match only before one.
                self.error(f"{what} {phrase!r} ends in a comma, so it would match only where one follows it",
                           phrase_node, hint="delete it: a keyword on a line of its own is 'lora: 2', with no comma; "
                           "only between braces do commas part them: {lora: 2, adapter*: 1}")
            elif same:
                self.error(f"{what} {phrase!r} repeats {same[0][0]!r} from line {same[0][1]}", phrase_node,
                           hint="case, spaces, hyphens and a plural 's' make no difference, "
                           "so each hit would count twice; keep one")
            elif weight is None:
                self.error(f"{what} {phrase!r} needs a number as its weight, not {_written(weight_node)}",
                           weight_node, hint=KEYWORDS_HINT)
            else:
                earlier.update(dict.fromkeys(_spellings(phrase), (phrase, _line(phrase_node))))
                found.append((phrase, weight))
        return tuple(found)


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _spellings(phrase: str) -> set[str]:
    """Forms that match the same words: "Long-Context", "long context" and
    "long contexts" all give "longcontext"."""
    word = re.sub(r"[\s\-]+", "", phrase.lower())
    if word.endswith("*"):
        return {word}
    return {word} | {word[: -len(end)] for end in ("s", "es") if word.endswith(end)}


def _no_topics(path: Path | str, line: int | None = None) -> SourceError:
    # A file that is there but defines no topics is a mistake (a truncated
    # save, say), not a wish: the build would take every paper's topics
    # away and rewrite each paper file. A site without topics has no file.
    return SourceError(
        "defines no topics: every paper would lose its topics", path, line,
        hint="add topics under 'topics:', or delete the file for a site without topics",
    )


_PLAIN_TAGS = frozenset(SafeConstructor.yaml_constructors) - {None}


def _unknown_tag(root: yaml.Node) -> yaml.Node | None:
    """The first node with a tag the safe loader cannot construct ("!w", or
    "!important" written before a phrase), if any."""
    nodes, seen = [root], set()
    while nodes:
        node = nodes.pop()
        if id(node) in seen:  # an alias of a node already seen, or of its own parent
            continue
        seen.add(id(node))
        if node.tag not in _PLAIN_TAGS and node.tag != MERGE_TAG:
            return node
        if isinstance(node, yaml.SequenceNode):
            nodes.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            nodes.extend(item for pair in reversed(node.value) for item in reversed(pair))
    return None


def _placed_at(key: yaml.Node, merge: yaml.Node) -> yaml.Node:
    """A merged key, on the line of the '<<' that merged it."""
    if not isinstance(key, yaml.ScalarNode):
        return key  # named by its text, as written: left where it is
    return yaml.ScalarNode(key.tag, key.value, merge.start_mark, merge.end_mark, key.style)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _scalar(node: yaml.Node) -> object:
    """A scalar as safe_load reads it (3, 2.5, true, null); None for a list or mapping."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    try:
        return SafeConstructor().construct_object(node, deep=True)
    except ValueError:  # an impossible date such as 2025-02-30: text, so checks report it
        return node.value


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and _scalar(node) is None


def _number(node: yaml.Node) -> float | None:
    value = _scalar(node)
    # bool is an int in Python, but "weight: yes" is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer of 309 digits or more, which no float holds
        return None
    return number if math.isfinite(number) else None


def _written(node: yaml.Node) -> str:
    """A value as the message quotes it: a number as written ("not 0"), text in quotes ("not 'three'");
    a number no float holds (309 digits, .inf), clipped, said to be too large, or too small below 0."""
    if not isinstance(node, yaml.ScalarNode):
        return "a list or mapping"
    if node.style is None and _number(node) is not None:
        return str(node.value)
    value = _scalar(node)
    if node.style is None and isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
        # value == value: not .nan; "-.inf" is no number too large for min_score.
        return f"{clip(str(node.value), 20)}, which is too {'large' if value > 0 else 'small'}"
    return repr(str(node.value))
