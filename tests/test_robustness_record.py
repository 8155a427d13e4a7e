"""docs/robustness.md names the test behind every case: those tests must exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "docs" / "robustness.md"
# `tests/x.py::test_name` or `tests/x.py::test_name[param-id]`; a bare `[param-id]`
# after one of those names another case of the same test.
REFERENCE = re.compile(r"`(?:(tests/[\w/]+\.py)::(\w+))?(?:\[([^\]`]+)\])?`")


def referenced_tests(text: str) -> list[tuple[str, str, str | None]]:
    """(file, test, parameter id or None) for every test named in the record's tables."""
    found: list[tuple[str, str, str | None]] = []
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        last: tuple[str, str] | None = None
        for file, test, param in REFERENCE.findall(line):
            if file:
                last = (file, test)
            elif not param or last is None:
                continue  # other code in the table, such as `site.yaml`
            found.append((*last, param or None))
    return found


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")
    }


def test_every_test_named_in_the_robustness_record_exists():
    references = referenced_tests(RECORD.read_text(encoding="utf-8"))
    assert len(references) > 50
    missing = []
    for file, test, param in references:
        path = ROOT / file
        if not path.is_file() or test not in defined_tests(path):
            missing.append(f"{file}::{test}")
        # Parameter ids are written in the test file, as ids=[...] or as keys of its cases.
        elif param is not None and f'"{param}"' not in path.read_text(encoding="utf-8"):
            missing.append(f"{file}::{test}[{param}]")
    assert missing == []


def test_the_record_parser_finds_bare_parameter_ids():
    line = "| a | b | `tests/t.py::test_x[one]`, `[two]`, `site.yaml` |"
    assert referenced_tests(line) == [("tests/t.py", "test_x", "one"), ("tests/t.py", "test_x", "two")]


def test_readme_links_the_record():
    assert "(docs/robustness.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
