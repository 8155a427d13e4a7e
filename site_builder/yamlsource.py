"""YAML that remembers where it came from, so errors can name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

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


def _compose_and_load(text: str, loader_class: type) -> tuple[yaml.Node | None, Any]:
    """The node tree (for key lines) and the data, from one parse."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _parse_fast(text: str) -> tuple[yaml.Node | None, Any] | None:
    """None when the text is not simple enough for libyaml or has an error."""
    if sum(text.count(mark) for mark in _NESTING_MARKS) > _FAST_MAX_MARKS:
        return None
    try:
        return _compose_and_load(text, _FastLoader)
    except (yaml.YAMLError, RecursionError):
        return None


def parse_yaml_mapping(
    text: str, path: Path | str, first_line: int = 1
) -> tuple[dict[str, Any], dict[str, int]]:
    """Parse a YAML mapping; return it and the 1-based line of each top-level key.

    ``first_line`` is the file line the text starts on (front matter starts on 2).
    """
    try:
        node, data = _parse_fast(text) or _compose_and_load(text, _Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + first_line if mark else first_line
        if isinstance(error, _BadDate):
            raise SourceError(
                str(error.problem), path, line, hint="write dates as YYYY-MM-DD, or quote the value to keep it as text"
            ) from None
        problem = error.problem or error.context or "invalid YAML"
        raise SourceError(f"invalid YAML: {problem}", path, line, hint=_HINT) from None
    except yaml.YAMLError as error:
        raise SourceError(f"invalid YAML: {error}", path, first_line) from None
    except RecursionError:
        # PyYAML composes nested lists recursively: "[[[[..." thousands deep.
        raise SourceError("invalid YAML: nested too deeply", path, first_line) from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise SourceError("expected a mapping of 'key: value' lines", path, first_line)
    lines: dict[str, int] = {}
    for key, _value in node.value:
        name, line = str(key.value), key.start_mark.line + first_line
        if name in lines:
            # YAML would silently keep the last value; the user meant one of them.
            raise SourceError(
                f"{name!r} is set twice (first on line {lines[name]})", path, line,
                hint="keep one of the two lines",
            )
        lines[name] = line
    return {str(k): v for k, v in data.items()}, lines


def load_yaml_mapping(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    return parse_yaml_mapping(read_utf8(path), path)
