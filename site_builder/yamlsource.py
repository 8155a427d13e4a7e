"""YAML that remembers where it came from, so errors can name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import SourceError


def parse_yaml_mapping(
    text: str, path: Path | str, first_line: int = 1
) -> tuple[dict[str, Any], dict[str, int]]:
    """Parse a YAML mapping; return it and the 1-based line of each top-level key.

    ``first_line`` is the file line the text starts on (front matter starts on 2).
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + first_line if mark else first_line
        problem = error.problem or error.context or "invalid YAML"
        raise SourceError(
            f"invalid YAML: {problem}", path, line,
            hint="check indentation, and quote values that contain ': ' or start with a special character",
        ) from None
    except yaml.YAMLError as error:
        raise SourceError(f"invalid YAML: {error}", path, first_line) from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise SourceError("expected a mapping of 'key: value' lines", path, first_line)
    lines = {
        str(key.value): key.start_mark.line + first_line for key, _value in node.value
    }
    return {str(k): v for k, v in data.items()}, lines


def load_yaml_mapping(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"cannot read file: {error}", path) from None
    return parse_yaml_mapping(text, path)
