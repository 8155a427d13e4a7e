"""The fast YAML paths write and read exactly what PyYAML's own code does."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings, strategies as st

from site_builder.errors import SourceError
from site_builder.paper_file import _libyaml_emits_alike
from site_builder.yamlsource import _parse_flat, _unholdable_in, parse_yaml_mapping

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


# More than _FAST_MAX_MARKS nesting marks (in a comment) leave the text to PyYAML's own parser.
@pytest.mark.parametrize("above", ["", "# " + "[" * 600 + "\n"], ids=["libyaml", "pyyaml"])
def test_a_key_written_beside_a_merge_overrides_the_merged_one_and_only_one_written_twice_is_an_error(above):
    text = above + "defaults: &d {title: X, lang: en}\n<<: *d\ntitle: Y\n"
    line = 2 + above.count("\n")  # the text's first line in a paper file
    assert parse_yaml_mapping(text, "paper.md", first_line=2) == (
        {"title": "Y", "lang": "en", "defaults": {"title": "X", "lang": "en"}},
        {"title": line + 2, "lang": line, "defaults": line},
    )
    with pytest.raises(SourceError) as raised:
        parse_yaml_mapping(text + "title: Z\n", "paper.md", first_line=2)
    assert str(raised.value) == f"paper.md:{line + 3}: 'title' is set twice (first on line {line + 2}) (keep one of the two lines)"


# --- flat front matter, read without the parser ---------------------------


def parser_reads(text: str) -> tuple[dict, dict[str, int]] | None:
    """What PyYAML's parser makes of ``text`` (keys, values and key lines), None when it refuses it."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    if data is None:
        return {}, {}  # as parse_yaml_mapping reads an empty mapping
    if not isinstance(data, dict) or len(node.value) != len(data):
        return None
    return data, {key.value: key.start_mark.line + 2 for key, _value in node.value}


FLAT_PIECES = [
    "a", "Word", "π", "中文", " ", "  ", ":", ": ", "#", " #", "'", "''", '"', ",", ", ", "[", "]", "{", "}", "-",
    "- ", "?", "&", "*", "!", "|", ">", "%", "@", "`", "\t", "\u00a0", "\u2028", "\x85", "\ufeff", "yes", "no",
    "null", "~", "true", "1", "0x1F", "1e3", "3.5", "2025-03-18", "2025-02-30", "2025-3-8", "=", "<<",
    "https://x.org/a", "\\",
]
FLAT_VALUE = st.lists(st.sampled_from(FLAT_PIECES), max_size=8).map("".join)
FLAT_TEXT = st.lists(
    st.tuples(
        st.sampled_from(["title", "slug", "dates", "topics", "links", "starred", "yes", "my key", "title"]),
        st.one_of(
            FLAT_VALUE,
            FLAT_VALUE.map(lambda value: "'" + value + "'"),
            st.lists(FLAT_VALUE, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
            st.lists(FLAT_VALUE.map(lambda value: "'" + value.replace("'", "''") + "'"), max_size=3).map(
                lambda items: "[" + ", ".join(items) + "]"
            ),
        ),
    ),
    max_size=5,
).map(lambda pairs: "".join(f"{key}: {value}\n" for key, value in pairs))


# Text the fast reader leaves to the parser (None) is right by design, so
# each property below also counts the examples it did read: were that
# none, the comparison would never have run.
def read_as_the_parser_reads_it_or_left_to_it(text: str, read_flat: list[str]) -> None:
    flat = _parse_flat(text, 2)
    if flat is not None:
        read_flat.append(text)
        assert flat == parser_reads(text)


def test_flat_front_matter_is_read_as_the_parser_reads_it_or_left_to_it():
    read_flat = []

    @settings(max_examples=3000, deadline=None)
    @given(FLAT_TEXT)
    @example("title: [a?]\n")  # "?" ends a plain scalar in a flow list: PyYAML refuses it
    def check(text):
        read_as_the_parser_reads_it_or_left_to_it(text, read_flat)

    check()
    assert read_flat, "the fast reader read none of the examples"


def test_front_matter_as_ingest_writes_it_is_read_without_the_parser_when_it_is_text_and_dates():
    read_flat = []

    @settings(max_examples=500, deadline=None)
    @given(st.lists(st.text(max_size=60), min_size=1, max_size=3), st.lists(st.dates(), max_size=3))
    def check(texts, dates):
        data = {"title": texts[0], "slug": "s", "dates": dates, "topics": ["agents"], "links": texts[1:]}
        text = yaml.dump(data, Dumper=yaml.SafeDumper, **DUMP)
        # Text with characters YAML writes as escapes ("\x85") is left to the parser.
        read_as_the_parser_reads_it_or_left_to_it(text, read_flat)

    check()
    assert read_flat, "the fast reader read none of the examples"


def test_every_shipped_paper_files_front_matter_is_read_without_the_parser():
    fronts = [path.read_text(encoding="utf-8").split("\n---\n", 1)[0][4:] + "\n"
              for path in sorted(Path("content/papers").glob("*.md"))]
    assert len(fronts) == 358
    assert all(_parse_flat(front, 2) == parser_reads(front) for front in fronts)
    assert all(_parse_flat(front, 2) is not None for front in fronts)



def test_an_escape_deep_in_nested_mappings_is_found_without_running_out_of_stack():
    # Indented mappings reach libyaml however deep (a paper's front matter of
    # 990 "a:" lines composed; the check recursed, and stopped with a traceback).
    node = leaf = yaml.ScalarNode("tag:yaml.org,2002:str", "\a")
    for _depth in range(5000):
        node = yaml.MappingNode("tag:yaml.org,2002:map", [(yaml.ScalarNode("tag:yaml.org,2002:str", "a"), node)])
    assert _unholdable_in(node) == ("\a", leaf)


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\r"])
def test_a_line_break_only_yaml_counts_leaves_the_list_item_check_on_the_lines_yaml_read(separator):
    """A quoted value holding line breaks that YAML counts and "\\n" does
    not (a U+2028 pasted from a PDF) put the check's lines out of step with
    YAML's: a list item below was taken for text of the value above it, or
    the check read past the last line (IndexError, a traceback)."""
    quoted = separator.join("pasted from a PDF")
    text = f'note: "{quoted}"\ntags:\n  - a\ntitle: A title\n  over two lines\n'
    data, _lines = parse_yaml_mapping(text, "a-paper.md", 2)
    assert data["tags"] == ["a"] and data["title"] == "A title over two lines"
    shifted = f'note: "{separator.join("abc")}"\ntitle: A long\n  title\ntags:\n  - a\n'
    assert parse_yaml_mapping(shifted, "a-paper.md", 2)[0]["tags"] == ["a"]
    with pytest.raises(SourceError) as info:
        parse_yaml_mapping(f'note: "{quoted}"\ntags:\n  - a\n   - b\n', "a-paper.md", 2)
    assert "'- b' is read as more of the value above it" in info.value.message
    assert info.value.line == 2 + len(quoted.split(separator)) - 1 + 3
