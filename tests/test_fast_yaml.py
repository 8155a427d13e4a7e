"""The fast YAML paths write and read exactly what PyYAML's own code does."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import yaml

from site_builder.errors import SourceError
from site_builder.papers import _libyaml_emits_alike
from site_builder.yamlsource import parse_yaml_mapping

DUMP = dict(sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=None)
TRICKY = [
    "", "yes", "null", "~", "2025-03-18", "1e3", "0x1F", "- item", "key: value", "#comment", "a #b",
    "'quoted'", '"double"', "[a, b]", "{a: b}", "&anchor", "*alias", "!tag", "%dir", "@at", "`tick`",
    "| block", "> folded", "? key", "trailing ", " leading", "tab\there", "line\nbreak", "π and 中文",
    "non\u00a0breaking", "soft\u00adhyphen", "x" * 300, "a: " * 200,
]


def front_matter(text: str) -> dict:
    return {
        "title": text, "slug": "s", "dates": [dt.date(2025, 3, 18)], "topics": ["agents", text],
        "links": [text], "starred": True, "tags": [text, 3, 2.5, None], "notes": {"k": text},
    }


@pytest.mark.parametrize("text", TRICKY)
def test_libyaml_is_used_only_where_it_writes_pyyamls_bytes(text):
    data = front_matter(text)
    assert _libyaml_emits_alike(data)
    assert yaml.dump(data, Dumper=yaml.CSafeDumper, **DUMP) == yaml.dump(data, Dumper=yaml.SafeDumper, **DUMP)


@pytest.mark.parametrize("text", ["emoji 😀", "line\u2028separator", "next\x85line", "bom\ufeff", "bell\x07"])
def test_text_libyaml_writes_differently_goes_to_pyyaml(text):
    assert not _libyaml_emits_alike(front_matter(text))


def test_random_text_of_the_allowed_characters_dumps_alike():
    alphabet = "abcXYZ :-#&*!|>'\"%@`{}[],?\\\t\n\u00e9\u03c0\u4e2d0123456789.\u00a0~\u00ad\u200b\u3000"
    rng = random.Random(7)
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.choice([1, 5, 40, 130, 600])))
        data = front_matter(text)
        assert _libyaml_emits_alike(data)
        assert yaml.dump(data, Dumper=yaml.CSafeDumper, **DUMP) == yaml.dump(data, Dumper=yaml.SafeDumper, **DUMP)


@pytest.mark.parametrize("text", TRICKY[:30])
def test_front_matter_parses_as_pyyaml_reads_it(text):
    source = yaml.dump(front_matter(text), Dumper=yaml.SafeDumper, **DUMP)
    data, lines = parse_yaml_mapping(source, "paper.md", first_line=2)
    assert data == yaml.safe_load(source)
    assert lines["title"] == 2


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(SourceError) as raised:
        parse_yaml_mapping("a: " + "[" * 100_000 + "]" * 100_000, "paper.md", first_line=2)
    assert "nested too deeply" in str(raised.value)
