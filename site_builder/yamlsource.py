"""YAML that remembers where it came from, so errors can name file and line."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import yaml

from .digest import clip
from .errors import SourceError, read_utf8

_HINT = "check indentation, and quote values that contain ': ' or start with a special character"


class _Loader(yaml.SafeLoader):
    """SafeLoader that reports an impossible date such as 2025-02-30 at its
    line, like any other YAML mistake, instead of a bare ValueError."""


class _BadDate(yaml.constructor.ConstructorError):
    pass


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as error:
        raise _BadDate(None, None, f"{node.value!r} is not a valid date: {error}", node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


class _FastLoader(yaml.CSafeLoader):
    """libyaml's parser with the same constructors: ten times faster on the
    thousands of front matters a large site has. It reports errors in other
    words, so any error is re-parsed by :class:`_Loader` to word it the usual way."""


_FastLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
# libyaml composes nested collections by C recursion, which crashes the process
# (not a RecursionError) thousands of levels deep; every level of nesting needs
# one of these marks, so text with few of them is safe to give it.
_NESTING_MARKS = ("[", "{", "- ", "? ")
_FAST_MAX_MARKS = 500


# --- the front matter ingest writes, read without a parser ------------------
# One "key: value" line per key, each value a plain or single-quoted scalar
# or a flow list of them ("dates: [2025-03-18]", "links: ['https://…']").
# Where every key and value reads as text, or a value as a date, this gives
# what the YAML parser gives, four times faster; anything else (other types,
# other quoting, comments, indentation) goes to the parser, which also words
# every error.

_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_ -]*?): (.*)")
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'")
# In a flow list "?" ends a plain scalar too (PyYAML then refuses the list).
_FLOW_ITEM = re.compile(r"'((?:[^']|'')*)'|([^,?\[\]{}'\"][^,?\[\]{}]*)")
# What a plain scalar may not start with (YAML indicators and spaces), and
# what ends or breaks one inside a line.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@` \t")
_PLAIN_BREAKS = (": ", " #", "\t")
# Text the YAML reader refuses or reads as a line break: left to the parser.
_NOT_FLAT = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"  # a merge key's, "<<"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NOT_FLAT_VALUE = object()


def _parse_flat(text: str, first_line: int) -> tuple[dict[str, Any], dict[str, int]] | None:
    """``text`` as the parser would read it, with each key's line; None
    when it is not flat front matter of text and dates."""
    if _NOT_FLAT.search(text):
        return None
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), first_line):
        if not line:
            continue
        match = _KEY_LINE.fullmatch(line)
        if match is None:
            return None
        key, value = match.groups()
        if key in data or _plain_value(key) != key:
            return None
        data[key] = parsed = _flat_value(value)
        if parsed is _NOT_FLAT_VALUE:
            return None
        lines[key] = number
    return data, lines


def _flat_value(value: str) -> Any:
    if value.startswith("["):
        if not value.endswith("]"):
            return _NOT_FLAT_VALUE
        items, inner, position = [], value[1:-1], 0
        while position < len(inner):
            match = _FLOW_ITEM.match(inner, position)
            if match is None:
                return _NOT_FLAT_VALUE
            quoted, plain = match.groups()
            item = quoted.replace("''", "'") if plain is None else _plain_value(plain)
            if item is _NOT_FLAT_VALUE:
                return _NOT_FLAT_VALUE
            items.append(item)
            position = match.end()
            if position < len(inner):
                if not inner.startswith(", ", position) or position + 2 == len(inner):
                    return _NOT_FLAT_VALUE
                position += 2
        return items
    quoted = _SINGLE_QUOTED.fullmatch(value)
    if quoted:
        return quoted.group(1).replace("''", "'")
    return _plain_value(value)


@lru_cache(maxsize=4096)  # keys, dates and topics recur in every paper file
def _plain_value(text: str) -> Any:
    """A plain scalar's value when it reads as text or a date (in a flow
    list too: the items hold no ",?[]{}", the only other characters that
    end a plain scalar there)."""
    if not text or text[0] in _INDICATORS or text[-1] in " :" or any(mark in text for mark in _PLAIN_BREAKS):
        return _NOT_FLAT_VALUE
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
    if tag == _STR:
        return text
    if tag == _TIMESTAMP and _ISO_DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return _NOT_FLAT_VALUE  # the parser words the error
    return _NOT_FLAT_VALUE


_Pairs = list[tuple[yaml.Node, yaml.Node]]  # a mapping node's keys and values


def _compose_and_load(text: str, loader_class: type) -> tuple[yaml.Node | None, _Pairs, Any]:
    """The node tree (for key lines), its top mapping's keys and values as
    written, and the data, from one parse; its aliases are checked before
    any data is made of them."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [], None
        problem = alias_problem(node, text)
        if problem is not None:
            raise _AliasError(None, None, problem[0], problem[2], note=problem[1])
        # Making the data folds the keys a merge brings in ("<<: *defaults")
        # into the mapping's own, and drops the '<<': kept here as written.
        written = list(node.value) if isinstance(node, yaml.MappingNode) else []
        return node, written, loader.construct_document(node)
    finally:
        loader.dispose()


class _AliasError(yaml.MarkedYAMLError):
    """An alias that makes a value without end, or of millions of values:
    the hint is in ``note``."""


# An alias ("*name") stands for the whole value anchored "&name". One in
# its own anchor's value ("loop: &a [*a]") makes a value that never ends;
# aliases of values that hold aliases multiply ("billion laughs": nine
# lines of nine aliases each make 387 million values). Every step after
# reading walks values in full (ingest compares a file's old and new front
# matter, the cache pickles them, a template prints them): the first ended
# in a RecursionError, the second took seconds, ninefold a line, and all
# memory. So both are refused where YAML is read, as Go's yaml.v3 refuses
# them. The limit counts values beyond those the text writes, far above any
# real use: reusing a topic's keywords (keywords: *kw) adds a few dozen.
ALIAS_EXPANSION_LIMIT = 100_000
# A node's mark is at its tag when one comes first ("!!seq &a [*a]").
_ANCHOR = re.compile(r"(?:![^\s&]*\s+)?&([^\s,\[\]{}]+)")


def alias_problem(root: yaml.Node, text: str) -> tuple[str, str, yaml.Mark] | None:
    """What is wrong with the aliases in ``root`` (the document composed
    from ``text``), how to fix it, and where; None when nothing is. A loop,
    not recursion, as in _scalars; each node is counted once, so a document
    of a billion values is checked in the time its text takes to read."""
    sizes: dict[int, int] = {}  # a node finished → its values, each alias's written out
    walking: set[int] = set()  # the nodes whose value is being walked: those around the current one
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        children = _children(node)
        if finished:
            walking.discard(id(node))
            sizes[id(node)] = size = 1 + sum(sizes[id(child)] for child in children)
            if size > ALIAS_EXPANSION_LIMIT + len(sizes):  # beyond the values written (each node once)
                return (f"with its aliases ('*name') written out, this value holds {size:,} values: "
                        "aliases of values that hold aliases multiply them",
                        f"aliases may add up to {ALIAS_EXPANSION_LIMIT:,} values to a file: write them out, "
                        "or use fewer aliases of values that hold aliases", node.start_mark)
        elif id(node) in walking:
            anchor = _ANCHOR.match(text, node.start_mark.index)
            name = anchor.group(1) if anchor else "name"
            return (f"the value anchored here ('&{name}') holds an alias of itself ('*{name}'), "
                    "so it would never end",
                    "an alias names a value written before it, whole: write that value out instead",
                    node.start_mark)
        elif id(node) not in sizes:
            walking.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children)
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return node.value if isinstance(node, yaml.SequenceNode) else []


def _parse_fast(text: str) -> tuple[yaml.Node | None, _Pairs, Any] | None:
    """None when the text is not simple enough for libyaml or has an error."""
    if sum(text.count(mark) for mark in _NESTING_MARKS) > _FAST_MAX_MARKS:
        return None
    try:
        return _compose_and_load(text, _FastLoader)
    except (yaml.YAMLError, RecursionError):
        return None


_UNCLOSED = {
    "while parsing a flow sequence": "a '[' list", "while parsing a flow mapping": "a '{' mapping",
    "while scanning a quoted scalar": "a quoted value",
}


def yaml_problem(error: yaml.MarkedYAMLError, first_line: int = 1, text: str = "") -> tuple[str, int | None]:
    """What is wrong, and its line (``first_line``: the text's first line in
    its file). A bracket or quote that the text ran out inside is reported on
    the line it opens (PyYAML's mark is where the text ended: a paper file's
    closing '---', say); a mistake inside one that opened lines above says
    where it opened. PyYAML's words for a line indented wrong, or a value
    with ': ' in it, are said plainly (``text`` tells the two apart)."""
    missing = _key_without_colon(error, text)
    if missing is not None:
        return _NO_COLON, missing + first_line
    problem = _plainly(error, text)
    opened = _UNCLOSED.get(error.context or "")
    context, mark = error.context_mark, error.problem_mark or error.context_mark
    if error.context == "while parsing a flow node" and mark is not None:
        # After a trailing comma PyYAML names no bracket, only the line it
        # stopped at: the bracket is found by reading the text up to there.
        bracket = _open_bracket_before(text, mark.line)
        if bracket is not None:
            opened, context = _UNCLOSED[_FLOW_CONTEXT[bracket[1]]], yaml.Mark("", 0, bracket[0], 0, None, None)
    if opened and context is not None:
        if "<stream end>" in problem or "end of stream" in problem:
            return f"{opened} begun on this line is not closed ({problem})", context.line + first_line
        if mark is not None and mark.line > context.line:
            if _outdented(text, mark.line, context.line):
                return (f"{opened} begun on this line is not closed before line {mark.line + first_line} "
                        f"({problem})"), context.line + first_line
            problem += f" (in {opened} begun on line {context.line + first_line})"
    return problem, None if mark is None else mark.line + first_line


_NO_COLON = "this line has no ':' after its key: write 'key: value'"


def _key_without_colon(error: yaml.MarkedYAMLError, text: str) -> int | None:
    """The 0-based line of a key written without its ':' (``title My Atlas``),
    or None. PyYAML looks for the ':' up to the next key, so it names a later
    line: the one after (past the end of the file, or a key's after comments),
    or the next key's, whose ': ' it says is not allowed there."""
    if error.context == "while scanning a simple key" and error.context_mark is not None:
        return error.context_mark.line
    mark = error.problem_mark
    if error.problem not in _NEXT_KEY_SEEN or mark is None or not text:
        return None
    lines = _LINE_BREAK.split(text)
    if mark.line >= len(lines):
        return None
    indent = _indent(lines[mark.line])
    if not _BARE_KEY.match(lines[mark.line], indent):
        return None
    above = [number for number in range(mark.line - 1, -1, -1)
             if lines[number].strip() and not lines[number].lstrip().startswith("#")]
    if not above or not _at(lines[above[0]], indent) or ":" in lines[above[0]]:
        return None
    if len(above) > 1:
        # Only a sibling key's line may come before it. A value's line goes on
        # below its key ("note: a thought / that wraps / and goes: on"), and
        # below a key with nothing after its ':' ("description:") is its value,
        # begun on the next line, as likely as a first key of a mapping.
        before = lines[above[1]].rstrip()
        if not (_at(before, indent) and ":" in before):
            return None
    return above[0] if _BARE_KEY.fullmatch(lines[above[0]].strip() + ":") else None


_FLOW_CONTEXT = {"[": "while parsing a flow sequence", "{": "while parsing a flow mapping"}


def _open_bracket_before(text: str, line: int) -> tuple[int, str] | None:
    """The 0-based line and kind of the innermost '[' or '{' still open when
    ``line`` begins, outside quotes and comments; None if none is."""
    open_brackets: list[tuple[int, str]] = []
    quote, escaped = "", False  # a quoted value may go on over lines
    for number, content in enumerate(_LINE_BREAK.split(text)[:line]):
        previous = " "
        for position, character in enumerate(content):
            if quote:
                if escaped:
                    escaped = False
                elif character == "\\" and quote == '"':
                    escaped = True
                elif character == quote and quote == "'" and content[position + 1:position + 2] == "'":
                    escaped = True  # '' is a quote inside '...'
                elif character == quote:
                    quote = ""
            elif character == "#" and previous in " \t":
                break
            elif character in "'\"" and previous in " \t[{,:":
                quote = character
            elif character in "[{":
                open_brackets.append((number, character))
            elif character in "]}" and open_brackets:
                open_brackets.pop()
            previous = character
    return open_brackets[-1] if open_brackets else None


def _outdented(text: str, line: int, opening: int) -> bool:
    """Whether ``line`` is indented no deeper than the line whose bracket it
    ran into: a key or item of the block around it, so the bracket was never
    closed. (Lines wrapped inside a bracket are indented deeper.)"""
    lines = _LINE_BREAK.split(text)
    if line >= len(lines) or not lines[line].strip():
        return False
    return _indent(lines[line]) <= _indent(lines[opening])


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _at(line: str, indent: int) -> bool:
    return _indent(line) == indent


# What PyYAML says at the key after one without its ':': on the next line, it
# read both as one key; after a blank line or a comment, the first as a
# document of its own (when it is the file's first key).
_NEXT_KEY_SEEN = ("mapping values are not allowed here", "expected '<document start>', but found '<block mapping start>'")

# A line begun by a key and its ':', as the next key after one without its ':' is.
_BARE_KEY = re.compile(r"[A-Za-z_][\w .-]*:")


def _plainly(error: yaml.MarkedYAMLError, text: str) -> str:
    """PyYAML's problem, in words for someone who wrote YAML by hand:
    "expected <block end>, but found '<block mapping start>'" is a line
    indented deeper than the key above, which already has its value."""
    problem = error.problem or error.context or "invalid YAML"
    found = problem.removeprefix("expected <block end>, but found ")
    if found in ("'<block mapping start>'", "'<block sequence start>'"):
        return "this line is indented unlike the lines above it"
    if found == "'-'":
        return "a list item ('- ') where a 'key: value' line should be"
    if found == "'?'":  # a key at the column of a list's '- ': a topic's key indented two spaces too few, say
        return "this line is indented as the list's items ('- ') above it, but is no item: " \
            "indent it as the keys above it, or begin it with '- '"
    mark = error.problem_mark
    if found == "'<scalar>'":
        return _text_after_its_end(_value_at(text, mark))
    character = _UNSTARTABLE.fullmatch(problem)
    if character is not None:
        if character.group(1) == "\\t":
            return "a tab where YAML needs a space: use spaces"
        return f"a value or key cannot begin with '{character.group(1)}', which YAML keeps for itself: put it in quotes"
    if problem == "mapping values are not allowed here" and mark is not None and text:
        lines = _LINE_BREAK.split(text)
        before = lines[mark.line][: mark.column] if mark.line < len(lines) else ""
        if re.search(r":\s", before):  # the line's own key: its value holds ': '
            return "a value with ': ' in it must be in quotes"
        # A line indented too far, or a value that went on from the line above.
        return ("this ': ' cannot be read here: quote the value it is in (which may begin on a line above), "
                "or indent this line as the keys above it")
    return problem


def _text_after_its_end(value: str) -> str:
    """Why text goes on after a value ended, by how the value begins."""
    if value.startswith(("[", "{")):
        kind = "list" if value[0] == "[" else "mapping"
        return (f"a value that begins with '{value[0]}' is a {kind} in YAML, and text goes on after it ends: "
                f"put the whole value in double quotes")
    if value.startswith('"'):
        return 'text goes on after a value in "…" has ended: a double quote inside it ends it, so write it as \\"'
    return ("text goes on after a quoted value or a list has ended; an apostrophe ends a value in '…', "
            "so write \"Don't …\" in double quotes")


def _value_at(text: str, mark: yaml.Mark | None) -> str:
    """The value written after the key on ``mark``'s line ("" when none is)."""
    lines = _LINE_BREAK.split(text)
    if mark is None or mark.line >= len(lines):
        return ""
    key, colon, value = lines[mark.line].partition(": ")
    return value.strip() if colon else ""


# PyYAML's words for a character no token begins with: a tab, '@', '`'.
_UNSTARTABLE = re.compile(r"found character '(.+)' that cannot start any token")

# The line breaks PyYAML counts lines by.
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def control_character_error(error: yaml.reader.ReaderError, text: str, path: Path | str, first_line: int = 1) -> SourceError:
    """A control character in YAML text, at its line: PyYAML names only its
    offset in the text, on a line of its own."""
    return SourceError(
        f"invalid YAML: a control character (U+{error.character:04X}) is not allowed",
        path, len(_LINE_BREAK.findall(text, 0, error.position)) + first_line,
        hint="delete it: most editors show it as nothing, or as a box",
    )


def parse_yaml_mapping(
    text: str, path: Path | str, first_line: int = 1
) -> tuple[dict[str, Any], dict[str, int]]:
    """Parse a YAML mapping; return it and the 1-based line of each top-level key.

    ``first_line`` is the file line the text starts on (front matter starts on 2).
    """
    flat = _parse_flat(text, first_line)
    if flat is not None:
        return flat
    try:
        node, written, data = _parse_fast(text) or _compose_and_load(text, _Loader)
    except yaml.MarkedYAMLError as error:
        if isinstance(error, _AliasError):
            raise SourceError(f"invalid YAML: {error.problem}", path, error.problem_mark.line + first_line,
                              hint=error.note) from None
        if isinstance(error, _BadDate):
            mark = error.problem_mark or error.context_mark
            raise SourceError(
                str(error.problem), path, mark.line + first_line if mark else first_line,
                # Written as a date (YYYY-MM-DD), so only the day can be wrong.
                hint="there is no such day: check the month and the day; a value of your own that is no date, "
                     "quote it to keep it as text",
            ) from None
        problem, line = yaml_problem(error, first_line, text)
        raise SourceError(f"invalid YAML: {problem}", path, first_line if line is None else line, hint=_HINT) from None
    except yaml.reader.ReaderError as error:
        raise control_character_error(error, text, path, first_line) from None
    except yaml.YAMLError as error:
        raise SourceError(f"invalid YAML: {error}", path, first_line) from None
    except RecursionError:
        # PyYAML composes nested lists recursively: "[[[[..." thousands deep.
        raise SourceError("invalid YAML: nested too deeply", path, first_line) from None
    if data is None:
        return {}, {}
    item_taken_as_text(node, text, path, first_line)
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise SourceError("expected a mapping of 'key: value' lines", path, first_line)
    lines: dict[str, int] = {}
    merged = False
    for key, _value in written:
        if key.tag == MERGE_TAG:
            merged = True  # a key written here overrides one merged in: that is what merges are for
            continue
        name, line = str(key.value), key.start_mark.line + first_line
        if name in lines:
            # YAML would silently keep the last value; the user meant one of them.
            raise SourceError(
                f"{name!r} is set twice (first on line {lines[name]})", path, line,
                hint="keep one of the two lines",
            )
        lines[name] = line
    if merged:  # each key at the line of the value the data holds: YAML keeps the last of the merged keys
        lines = {str(key.value): key.start_mark.line + first_line for key, _value in node.value}
    if "\\" in text:  # only an escape in double quotes ("\a", "\ud800") makes one
        for key, value in node.value:
            found = _unholdable_in(key) or _unholdable_in(value)
            if found is not None:
                character, scalar = found
                message, hint = _unholdable_message("a key" if scalar is key else str(key.value), character)
                raise SourceError(message, path, scalar.start_mark.line + first_line, hint=hint)
    return {str(k): v for k, v in data.items()}, lines


# What a double-quoted value's escape can make that no UTF-8 page or XML
# feed can hold: a control character but a tab or line break, U+FFFE,
# U+FFFF, a surrogate (which made a build fail with a traceback).
_UNHOLDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def unholdable_problem(what: str, text: str) -> tuple[str, str] | None:
    """What is wrong and how to fix it, when ``text`` holds a character no
    page or feed can hold."""
    found = _UNHOLDABLE.search(text)
    return None if found is None else _unholdable_message(what, found.group())


def _unholdable_message(what: str, character: str) -> tuple[str, str]:
    return (f"{what} holds a control character or another no page or feed can hold ({character!r})",
            "delete it: pages show nothing for it and feeds cannot hold it")


def _unholdable_in(node: yaml.Node) -> tuple[str, yaml.ScalarNode] | None:
    """The first such character in a scalar of ``node`` (a key, a value, a
    list or mapping of them: the node's text as written, whatever type YAML
    then makes of it), with that scalar."""
    for scalar in _scalars(node):
        found = _UNHOLDABLE.search(scalar.value)
        if found is not None:
            return found.group(), scalar
    return None


def _scalars(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    """The scalars of ``node``, in the order they are written. A loop, not
    recursion: block mappings nest as deep as lines are indented."""
    stack, seen = [node], set()
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            yield node
        elif id(node) not in seen:  # an alias of a node above it, "&a [*a]", is walked once
            seen.add(id(node))
            stack.extend(reversed(_children(node)))


# An indented line that starts as a list item does: "- b".
_INDENTED_ITEM = re.compile(r"\n[ \t]+-(?:[ \t]|$)", re.MULTILINE)


def _list_items(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    """The scalars of ``node`` that are items of a list, in the order they
    are written. Not a mapping's value: one wrapped at a dash ("description:
    Retrieval-augmented generation" over "  - grounding answers") is one
    text, and built as one before the check; a list item so wrapped is the
    mistake it looks for. A loop, as in _scalars."""
    stack, seen = [(node, False)], set()
    while stack:
        node, in_list = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            if in_list:
                yield node
        elif id(node) not in seen:
            seen.add(id(node))
            is_list = isinstance(node, yaml.SequenceNode)
            children = node.value if is_list else [child for pair in node.value for child in pair]
            stack.extend((child, is_list) for child in reversed(children))


def item_taken_as_text(node: yaml.Node, text: str, path: Path | str, first_line: int = 1) -> None:
    """Raise when a line of ``text`` that starts as a list item does ("- b")
    is more of a value above it to YAML: an item indented more than the one
    above it, "tags:\n  - a\n   - b", made one tag 'a - b', without a word."""
    if not _INDENTED_ITEM.search(text):
        return
    # Split where YAML counts lines, as its marks do: a U+2028 pasted into a
    # quoted value is one, and "\n" alone put the lines below it out of step.
    lines = _LINE_BREAK.split(text)
    for scalar in _list_items(node):
        if scalar.style or scalar.end_mark.line == scalar.start_mark.line:  # plain is None, or libyaml's ""
            continue
        for number in range(scalar.start_mark.line + 1, scalar.end_mark.line + 1):
            item = lines[number].strip()
            if item == "-" or item.startswith(("- ", "-\t")):
                raise SourceError(
                    f"invalid YAML: {clip(item, 40)!r} is read as more of the value above it "
                    f"({clip(scalar.value, 60)!r}), not as a list item",
                    path, number + first_line,
                    hint="indent it as the list's other items are; if it is text of that value, quote the value",
                )


def text_hint(key: str, value: Any, text: str, line: int | None, first_line: int = 1) -> str:
    """How to write ``key`` as text, when YAML read its value, on ``line``
    of ``text``, as something else: in quotes as written ("yes" read as
    True is to be quoted as 'yes', not 'True'); a list or a mapping, which
    no quotes around its value would undo, as one line of text."""
    if isinstance(value, (list, dict)):
        return f'write it as one line of text, in quotes if it starts with [ or {{: {key}: "[Re] A Paper"'
    lines = text.split("\n")
    written = lines[line - first_line].partition(":")[2].split(" #")[0].strip() if line else ""
    return f"quote it: {key}: '{written.replace(chr(39), chr(39) * 2) or '…'}'"


def load_yaml_mapping(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    return parse_yaml_mapping(read_utf8(path), path)
