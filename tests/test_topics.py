from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Iterable

import pytest
from hypothesis import given, settings, strategies as st

from bench.corpus import generate
from site_builder.errors import BuildErrors, SourceError
from site_builder.topics import ABSTRACT_HIT_CAP, Taxonomy, Topic, assign_topics, placement_warnings, score_topics
from site_builder.topics_yaml import load_taxonomy, parse_taxonomy

ROOT = Path(__file__).resolve().parent.parent


def topic(slug: str, keywords: dict[str, float] | None = None, **fields) -> Topic:
    title_keywords = fields.pop("title_keywords", {})
    return Topic(
        slug, slug.title(), "", tuple((keywords or {}).items()), tuple(title_keywords.items()), **fields
    )


def matches(phrase: str, text: str) -> bool:
    """Whether ``phrase`` matches ``text`` as a title (one title hit reaches min_score)."""
    taxonomy = Taxonomy((topic("t", {phrase: 1}),), min_score=1, max_topics=3, title_weight=1)
    return assign_topics(taxonomy, text, "") == ("t",)


# --- matching ------------------------------------------------------------------


def test_phrase_ending_in_star_matches_words_that_start_with_it():
    assert matches("quantiz*", "Quantized Models")
    assert matches("quantiz*", "post-training quantization")
    assert not matches("quantiz*", "dequantized")


def test_plain_phrase_matches_whole_words_and_their_plural_only():
    assert matches("rag", "Modular RAG")
    assert matches("rag", "RAGs and agents")
    assert matches("rag", "RAG-based QA")
    assert not matches("rag", "an average of scores")
    assert not matches("rag", "ragged arrays")
    assert not matches("agent", "a chemical reagent")
    assert not matches("agent", "agentic workflows")
    assert matches("agent*", "agentic workflows")


def test_space_or_hyphen_in_a_phrase_matches_space_hyphen_or_nothing():
    for text in ("Fine-Tuning LLMs", "fine tuning", "finetuned models"):
        assert matches("fine-tun*", text), text
    assert matches("mixture of experts", "Mixture-of-Experts layers")
    assert not matches("fine-tun*", "fine, tuning")


def test_phrase_with_symbols_matches_literally():
    assert matches("4-bit", "4-bit and 8-bit weights")
    assert not matches("4-bit", "14-bit")
    assert matches("c++", "C++ code")


def test_title_hit_counts_title_weight_times_and_abstract_hits_are_capped_at_three():
    taxonomy = Taxonomy((topic("q", {"quantiz*": 2}),), min_score=1, max_topics=3, title_weight=3)
    abstract = "Quantization. " * 5
    assert score_topics(taxonomy, "Quantized LLMs", abstract) == (2 * 3 + 2 * 3,)
    assert score_topics(taxonomy, "LLMs", "We quantize once.") == (2,)


def test_title_keywords_count_in_the_title_only():
    taxonomy = Taxonomy(
        (topic("s", title_keywords={"survey": 2}),), min_score=6, max_topics=3, title_weight=3
    )
    assert assign_topics(taxonomy, "A Survey of Agents", "") == ("s",)
    assert assign_topics(taxonomy, "Agents", "This survey covers survey surveys.") == ()


def test_negative_weight_cancels_a_false_friend():
    speech = topic("speech", {"speech": 3, "part of speech": -3})
    taxonomy = Taxonomy((speech,), min_score=3, max_topics=3, title_weight=3)
    assert assign_topics(taxonomy, "Part-of-Speech Tagging", "part-of-speech tags") == ()
    assert assign_topics(taxonomy, "Speech Synthesis", "") == ("speech",)


def test_topic_is_assigned_when_score_reaches_min_score_or_its_own_override():
    taxonomy = Taxonomy(
        (topic("loose", {"memory": 1}), topic("strict", {"memory": 1}, min_score=4)),
        min_score=2, max_topics=3, title_weight=3,
    )
    assert assign_topics(taxonomy, "", "memory") == ()
    assert assign_topics(taxonomy, "", "memory memory") == ("loose",)
    assert assign_topics(taxonomy, "Memory", "memory") == ("loose", "strict")


def test_keeps_max_topics_best_first_and_ties_in_taxonomy_order():
    taxonomy = Taxonomy(
        (
            topic("a", {"alpha": 1}),
            topic("b", {"beta": 1}),
            topic("c", {"gamma": 1}),
            topic("d", {"delta": 1}),
        ),
        min_score=1, max_topics=3, title_weight=3,
    )
    assert assign_topics(taxonomy, "Delta", "alpha beta gamma") == ("d", "a", "b")


def test_paper_no_topic_reaches_goes_to_the_fallback_topic():
    taxonomy = Taxonomy(
        (topic("other", fallback=True), topic("rag", {"rag": 3})), min_score=3, max_topics=3, title_weight=3
    )
    assert assign_topics(taxonomy, "RAG", "") == ("rag",)
    assert assign_topics(taxonomy, "On averages", "") == ("other",)


def test_without_a_fallback_topic_an_unmatched_paper_gets_no_topics():
    taxonomy = Taxonomy((topic("rag", {"rag": 3}),), min_score=3, max_topics=3, title_weight=3)
    assert assign_topics(taxonomy, "On averages", "") == ()


# --- papers placed by hand (papers:, not_papers:) ------------------------------


def placed(slug: str, keywords: dict[str, float] | None = None, papers=(), not_papers=(), **fields) -> Topic:
    return topic(
        slug, keywords, papers=tuple((paper, 1) for paper in papers),
        not_papers=tuple((paper, 1) for paper in not_papers), **fields,
    )


def test_papers_puts_a_paper_under_a_topic_first_whatever_its_score():
    taxonomy = Taxonomy(
        (placed("a", {"alpha": 1}), placed("b", {"beta": 1}), placed("c", {"gamma": 1}, papers=["mine"])),
        min_score=1, max_topics=2, title_weight=3,
    )
    assert assign_topics(taxonomy, "Alpha", "beta", "mine") == ("c", "a")
    assert assign_topics(taxonomy, "Alpha", "beta", "other") == ("a", "b")
    # Scored topics fill the places left; a paper placed by hand keeps every such topic.
    crowded = Taxonomy(
        (placed("a", {"alpha": 1}), placed("b", {"beta": 1}, papers=["mine"]), placed("c", {"gamma": 1}, papers=["mine"])),
        min_score=1, max_topics=1, title_weight=3,
    )
    assert assign_topics(crowded, "Alpha", "", "mine") == ("b", "c")


def test_not_papers_keeps_a_paper_out_of_a_topic_it_would_reach():
    taxonomy = Taxonomy(
        (placed("other", fallback=True), placed("rag", {"rag": 3}, not_papers=["averages"]), placed("qa", {"qa": 3})),
        min_score=3, max_topics=3, title_weight=3,
    )
    assert assign_topics(taxonomy, "RAG for QA", "", "averages") == ("qa",)
    assert assign_topics(taxonomy, "RAG for QA", "", "another") == ("rag", "qa")
    # Kept out of its only topic, a paper goes to the fallback, unless kept out of that too.
    assert assign_topics(taxonomy, "RAG", "", "averages") == ("other",)
    strict = Taxonomy(
        (placed("other", fallback=True, not_papers=["averages"]), placed("rag", {"rag": 3}, not_papers=["averages"])),
        min_score=3, max_topics=3, title_weight=3,
    )
    assert assign_topics(strict, "RAG", "", "averages") == ()


def test_a_paper_is_placed_by_an_old_slug_its_aliases_keep_as_by_its_own():
    """A paper file renamed by hand, its old address kept with aliases:
    [old-slug], was no longer filed as topics.yaml's lists said: they name
    it as it was."""
    taxonomy = Taxonomy(
        (placed("a", {"alpha": 1}), placed("b", {"beta": 1}, not_papers=["old"]), placed("c", papers=["old"])),
        min_score=1, max_topics=3, title_weight=3,
    )
    assert assign_topics(taxonomy, "Alpha", "beta", "new", ("old",)) == ("c", "a")
    assert assign_topics(taxonomy, "Alpha", "beta", "new") == ("a", "b")
    # Placed by both names, in taxonomy order, once each.
    both = Taxonomy((placed("a", papers=["new"]), placed("b", papers=["old"]), placed("c", papers=["old", "new"])))
    assert assign_topics(both, "", "", "new", ("old",)) == ("a", "b", "c")


def test_papers_and_not_papers_are_read_with_their_lines(tmp_path):
    path = tmp_path / "topics.yaml"
    path.write_text(
        "topics:\n  - slug: rag\n    name: RAG\n    keywords: {rag: 3}\n"
        "    papers: [modular-rag, long_rag]\n    not_papers:\n      - on-averages\n"
        "  - slug: qa\n    name: QA\n    keywords: {qa: 3}\n    papers: one-paper\n",
        encoding="utf-8",
    )
    rag, qa = load_taxonomy(path).topics
    assert (rag.slug, qa.slug) == ("rag", "qa")
    assert rag.papers == (("modular-rag", 5), ("long_rag", 5)) and rag.not_papers == (("on-averages", 7),)
    assert qa.papers == (("one-paper", 11),)


def test_a_paper_slug_that_could_be_no_file_name(tmp_path):
    text = "topics:\n  - slug: rag\n    name: RAG\n    keywords: {rag: 3}\n    papers: [Modular RAG]\n"
    assert error_text(tmp_path, text) == (
        "topics.yaml:5: papers: 'Modular RAG' is not a paper's slug (write the paper's file name in "
        "content/papers/ without .md, e.g. papers: [a-survey-of-large-language-models])"
    )


def test_a_paper_both_placed_and_kept_out(tmp_path):
    text = (
        "topics:\n  - slug: rag\n    name: RAG\n    keywords: {rag: 3}\n"
        "    papers: [modular-rag]\n    not_papers: [modular-rag]\n"
    )
    assert error_text(tmp_path, text) == (
        "topics.yaml:6: topic 'rag' lists 'modular-rag' under both papers and not_papers (keep it under one of the two)"
    )


def test_a_slug_no_paper_has_or_of_a_paper_with_its_own_topics_is_a_warning():
    taxonomy = Taxonomy(
        (topic("rag", {"rag": 3}, papers=(("modular-ragg", 5), ("my-own", 5)), not_papers=(("zzz", 6),)),),
    )
    warnings = placement_warnings(taxonomy, iter(["modular-rag", "other-paper", "my-own"]), {"my-own"}, "topics.yaml")
    assert [str(warning) for warning in warnings] == [
        "topics.yaml:5: topic 'rag' papers: no paper has the slug 'modular-ragg' (did you mean 'modular-rag'?)",
        "topics.yaml:5: topic 'rag' papers: 'my-own' has topics of its own (the topics: line of its file), "
        "which this does not change (remove that line to file it by the rules and this list, or edit it there)",
        "topics.yaml:6: topic 'rag' not_papers: no paper has the slug 'zzz' "
        "(a paper's slug is its file name in content/papers/ without .md)",
    ]
    # Without papers placed by hand, the slugs are not even read.
    assert placement_warnings(Taxonomy((topic("rag", {"rag": 3}),)), iter(()), {"my-own"}, "topics.yaml") == ()


def test_a_slug_a_paper_keeps_under_its_aliases_is_read_as_that_paper_with_a_warning_naming_its_slug_now():
    taxonomy = Taxonomy(
        (topic("rag", {"rag": 3}, papers=(("old-rag", 5), ("old-own", 5)), not_papers=(("old-rag", 6),)),),
    )
    renamed = {"old-rag": "modular-rag", "old-own": "my-own"}
    warnings = placement_warnings(taxonomy, iter(["modular-rag", "my-own"]), {"my-own"}, "topics.yaml", renamed)
    assert [str(warning) for warning in warnings] == [
        "topics.yaml:5: topic 'rag' papers: 'old-rag' is an old slug of 'modular-rag', kept under the aliases: of "
        "its file, so it is read as that paper (write 'modular-rag' here: this list names a paper by its file name)",
        "topics.yaml:5: topic 'rag' papers: 'old-own' (an old slug of 'my-own') has topics of its own (the topics: line of its file), which "
        "this does not change (remove that line to file it by the rules and this list, or edit it there)",
        "topics.yaml:6: topic 'rag' not_papers: 'old-rag' is an old slug of 'modular-rag', kept under the aliases: "
        "of its file, so it is read as that paper (write 'modular-rag' here: this list names a paper by its file name)",
    ]


def test_taxonomy_finds_topics_by_slug_and_is_hashable():
    taxonomy = Taxonomy((topic("rag", {"rag": 3}),), min_score=3, max_topics=3, title_weight=3)
    assert taxonomy.get("rag") == topic("rag", {"rag": 3})
    assert taxonomy.get("nope") is None
    assert hash(taxonomy) == hash(Taxonomy((topic("rag", {"rag": 3}),), 3, 3, 3))


# --- reading topics.yaml -----------------------------------------------------------


def test_parses_settings_topics_weights_and_fallback():
    taxonomy = parse_taxonomy(
        "min_score: 4\n"
        "max_topics: 2\n"
        "title_weight: 2.5\n"
        "topics:\n"
        "  - slug: quantization\n"
        "    name: Quantization & Compression\n"
        "    description: Smaller models.\n"
        "    min_score: 5\n"
        "    keywords: {quantiz*: 3, \"post-training quantization\": 4, pruning: 2}\n"
        "    title_keywords: {\"4-bit\": 3}\n"
        "  - slug: other\n"
        "    name: Other\n"
        "    fallback: true\n",
        "topics.yaml",
    )
    assert (taxonomy.min_score, taxonomy.max_topics, taxonomy.title_weight) == (4, 2, 2.5)
    assert taxonomy.topics == (
        Topic(
            "quantization", "Quantization & Compression", "Smaller models.",
            (("quantiz*", 3.0), ("post-training quantization", 4.0), ("pruning", 2.0)),
            (("4-bit", 3.0),), False, 5.0,
        ),
        Topic("other", "Other", "", (), (), True),
    )


def test_a_missing_topics_file_means_no_topics_and_one_without_topics_is_an_error(tmp_path):
    assert load_taxonomy(tmp_path / "topics.yaml").topics == ()
    # An empty file is more likely a truncated save than a wish: it would take
    # every paper's topics away.
    for text, where in [("", ""), ("# nothing yet\n", ""), ("min_score: 6\ntopics: []\n", ":2")]:
        (tmp_path / "topics.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(SourceError) as caught:
            load_taxonomy(tmp_path / "topics.yaml")
        assert str(caught.value) == (
            f"{tmp_path / 'topics.yaml'}{where}: defines no topics: every paper would lose its topics "
            "(add topics under 'topics:', or delete the file for a site without topics)"
        )


VALID_TOPIC = "  - slug: rag\n    name: RAG\n    keywords: {rag: 3}\n"


def error_text(tmp_path: Path, text: str) -> str:
    path = tmp_path / "topics.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises((SourceError, BuildErrors)) as caught:
        load_taxonomy(path)
    return str(caught.value).replace(str(path), "topics.yaml")


def test_yaml_syntax_error_names_the_line(tmp_path):
    assert error_text(tmp_path, "topics:\n  - slug: a\n    name: A: B\n") == (
        "topics.yaml:3: invalid YAML: a value with ': ' in it must be in quotes "
        "(check indentation; quote a phrase with a comma, braces or ': ' in it, or starting with '*')"
    )


def test_a_key_without_its_colon_is_an_error_at_its_line(tmp_path):
    # PyYAML named the blank line after it, "could not find expected ':'".
    assert error_text(tmp_path, "topics:\n  - slug: a\n    name: A\n    fallback true\n\n  - slug: b\n").startswith(
        "topics.yaml:4: invalid YAML: this line has no ':' after its key: write 'key: value'"
    )


@pytest.mark.parametrize("line, tag", [
    ("    keywords: {rag: !w 3}", "!w"),  # a traceback: only numbers and true/false are constructed
    ("    keywords: {rag: 3, !not-rag: -3}", "!not-rag:"),  # read as the phrase '-3' with no weight
    ("    fallback: !custom true", "!custom"),
])
def test_a_yaml_tag_is_an_error_at_its_line_not_a_traceback(tmp_path, line, tag):
    assert error_text(tmp_path, "topics:\n  - slug: rag\n    name: RAG\n" + line + "\n") == (
        f"topics.yaml:4: invalid YAML: {tag!r} is read as a tag, which this file has no use for "
        """(quote a phrase, name or value that starts with '!', e.g. "!important": 2)"""
    )


def test_a_name_starting_with_an_exclamation_mark_is_an_error_not_cut(tmp_path):
    # The tag was dropped: the topic was named "topic", not "!Wow topic".
    assert error_text(tmp_path, "topics:\n  - slug: rag\n    name: !Wow topic\n    keywords: {rag: 3}\n").startswith(
        "topics.yaml:3: invalid YAML: '!Wow' is read as a tag"
    )
    path = tmp_path / "topics.yaml"
    path.write_text('topics:\n  - slug: rag\n    name: "!Wow topic"\n    keywords: {"!rag": 3, x: !!float 2}\n')
    (topic,) = load_taxonomy(path).topics
    assert (topic.name, topic.keywords) == ("!Wow topic", (("!rag", 3.0), ("x", 2.0)))


def test_file_that_is_not_a_mapping(tmp_path):
    assert error_text(tmp_path, "- slug: rag\n") == (
        "topics.yaml:1: expected a mapping with 'topics:' and optional settings "
        "(start the file with 'topics:' followed by '- slug: ...' items)"
    )


def test_unknown_setting_and_topics_that_are_not_a_list(tmp_path):
    assert error_text(tmp_path, "min_scores: 3\ntopics: rag\n") == (
        "topics.yaml:1: unknown setting 'min_scores' "
        "(did you mean 'min_score'? allowed: min_score, max_topics, title_weight, topics)\n"
        "topics.yaml:2: topics must be a list of '- slug: ...' items"
    )


def test_settings_must_be_positive_numbers(tmp_path):
    # A number is quoted as written, text in quotes (a quoted '5' is text: not a number).
    assert error_text(tmp_path, "min_score: 0\nmax_topics: 2.5\ntitle_weight: high\n") == (
        "topics.yaml:1: min_score must be a number greater than 0, not 0\n"
        "topics.yaml:2: max_topics must be a whole number, not 2.5\n"
        "topics.yaml:3: title_weight must be a number greater than 0, not 'high'"
    )
    assert error_text(tmp_path, "min_score: '5'\n").startswith(
        "topics.yaml:1: min_score must be a number greater than 0, not '5'"
    )


def test_topic_without_slug(tmp_path):
    assert error_text(tmp_path, "topics:\n  - name: RAG\n    keywords: {rag: 3}\n") == (
        "topics.yaml:2: topic has no slug (add 'slug: ...' to the topic)"
    )


def test_topic_with_empty_name(tmp_path):
    assert error_text(tmp_path, "topics:\n  - slug: rag\n    name: ''\n    keywords: {rag: 3}\n") == (
        "topics.yaml:3: topic 'rag' has no name (add 'name: ...' to the topic)"
    )


def test_slug_with_characters_not_allowed_in_urls(tmp_path):
    assert error_text(tmp_path, "topics:\n  - slug: Long Context\n    name: LC\n    keywords: {long: 1}\n") == (
        "topics.yaml:2: slug 'Long Context' may only use a-z, 0-9 and '-' "
        "(slugs become URLs, e.g. 'long-context')"
    )


def test_duplicate_slug(tmp_path):
    assert error_text(tmp_path, "topics:\n" + VALID_TOPIC + VALID_TOPIC) == (
        "topics.yaml:5: duplicate topic slug 'rag' "
        "(first used on line 2; each topic needs its own slug)"
    )


def test_two_topics_with_the_same_name(tmp_path):
    text = "topics:\n" + VALID_TOPIC + VALID_TOPIC.replace("slug: rag", "slug: retrieval")
    assert error_text(tmp_path, text) == (
        "topics.yaml:6: topic 'retrieval' has the same name as topic 'rag' on line 3 "
        "(give each topic its own name: links and headings show the name alone, so no reader could tell the two apart)"
    )


def test_two_topic_names_that_differ_only_in_case_or_spaces_are_the_same_name(tmp_path):
    text = "topics:\n" + VALID_TOPIC + "  - slug: retrieval\n    name: '  rag '\n    keywords: {retrieval: 3}\n"
    assert error_text(tmp_path, text).startswith(
        "topics.yaml:6: topic 'retrieval' has the same name as topic 'rag' on line 3: "
        "'RAG' and 'rag' differ only in case or spaces (give each topic its own name"
    )


@pytest.mark.parametrize("written", ["null", "~", "Null"])
def test_a_name_or_slug_yaml_reads_as_no_value_is_no_name_not_the_word(tmp_path, written):
    assert error_text(tmp_path, f"topics:\n  - slug: rag\n    name: {written}\n    keywords: {{rag: 3}}\n") == (
        f"topics.yaml:3: topic 'rag' has no name: YAML reads {written} as no value "
        f"(quote it if you mean the word: name: '{written}')"
    )
    assert error_text(tmp_path, f"topics:\n  - slug: {written}\n    name: RAG\n    keywords: {{rag: 3}}\n") == (
        f"topics.yaml:2: topic has no slug: YAML reads {written} as no value "
        f"(quote it if you mean the word: slug: '{written}')"
    )


def test_a_quoted_null_is_the_word_and_a_description_of_null_is_none(tmp_path):
    taxonomy = parse_taxonomy(
        "topics:\n  - slug: rag\n    name: 'null'\n    description: null\n    keywords: {rag: 3}\n", "topics.yaml",
    )
    assert (taxonomy.topics[0].name, taxonomy.topics[0].description) == ("null", "")


def test_keyword_weight_that_is_not_a_number(tmp_path):
    text = "topics:\n  - slug: rag\n    name: RAG\n    keywords:\n      rag: 3\n      retrieval: high\n"
    assert error_text(tmp_path, text) == (
        "topics.yaml:6: keyword 'retrieval' needs a number as its weight, not 'high' "
        "(write one 'phrase: weight' per keyword, e.g. keywords: {quantiz*: 3, pruning: 2})"
    )


def test_a_weight_or_setting_no_float_holds_is_an_error_at_its_line_said_to_be_too_large(tmp_path):
    """An integer of 309 digits or more raised an OverflowError traceback."""
    text = f"min_score: {'1' * 400}\ntopics:\n  - slug: rag\n    name: RAG\n    keywords:\n      rag: {'9' * 309}\n"
    with pytest.raises(BuildErrors) as caught:
        parse_taxonomy(text, "topics.yaml")
    assert [str(error) for error in caught.value.errors] == [
        "topics.yaml:1: min_score must be a number greater than 0, not 1111111111111111111…, which is too large",
        "topics.yaml:6: keyword 'rag' needs a number as its weight, not 9999999999999999999…, which is too large "
        "(write one 'phrase: weight' per keyword, e.g. keywords: {quantiz*: 3, pruning: 2})",
    ]


def test_a_negative_number_no_float_holds_is_said_to_be_too_small():
    """-.inf was said to be too large a min_score, which must be greater than 0."""
    text = f"min_score: -.inf\ntopics:\n  - slug: rag\n    name: RAG\n    keywords:\n      rag: -{'9' * 309}\n"
    with pytest.raises(BuildErrors) as caught:
        parse_taxonomy(text, "topics.yaml")
    assert [str(error).partition(" (")[0] for error in caught.value.errors] == [
        "topics.yaml:1: min_score must be a number greater than 0, not -.inf, which is too small",
        "topics.yaml:6: keyword 'rag' needs a number as its weight, not -999999999999999999…, which is too small",
    ]


def test_a_key_written_as_a_list_or_mapping_is_named_as_written_at_its_line():
    """A complex key ("? [a, b]") was named by PyYAML's repr of its nodes: "[ScalarNode(tag=…"."""
    text = "? [a, b]\n: 1\ntopics:\n  - slug: rag\n    name: RAG\n    keywords:\n      ? [lora, adapter]\n      : 2\n" \
        "    ? {x: y}\n    : 3\n"
    with pytest.raises(BuildErrors) as caught:
        parse_taxonomy(text, "topics.yaml")
    assert [str(error).partition(" (")[0] for error in caught.value.errors] == [
        "topics.yaml:1: unknown setting '[a, b]'",
        "topics.yaml:7: keyword must be text, not a list or mapping",
        "topics.yaml:9: unknown topic key '{x: y}'",
    ]


def test_unknown_topic_key_such_as_a_typo(tmp_path):
    text = "topics:\n  - slug: rag\n    name: RAG\n    keyword: {rag: 3}\n"
    assert error_text(tmp_path, text) == (
        "topics.yaml:4: unknown topic key 'keyword' (did you mean 'keywords'? "
        "allowed: slug, name, description, min_score, keywords, title_keywords, fallback, papers, not_papers, aliases)"
    )


def test_second_fallback_topic(tmp_path):
    text = (
        "topics:\n"
        "  - slug: other\n    name: Other\n    fallback: true\n"
        "  - slug: misc\n    name: Misc\n    fallback: true\n"
    )
    assert error_text(tmp_path, text) == (
        "topics.yaml:7: topic 'misc' is a second fallback topic "
        "(only one topic may say 'fallback: true'; 'other' does on line 4)"
    )


def test_fallback_must_be_true_or_false(tmp_path):
    text = "topics:\n  - slug: other\n    name: Other\n    fallback: maybe\n"
    assert error_text(tmp_path, text) == "topics.yaml:4: fallback must be true or false, not 'maybe'"


def test_topic_without_keywords_that_is_not_the_fallback(tmp_path):
    assert error_text(tmp_path, "topics:\n  - slug: rag\n    name: RAG\n    keywords: {}\n") == (
        "topics.yaml:2: topic 'rag' has no keywords (write one 'phrase: weight' per keyword, "
        "e.g. keywords: {quantiz*: 3, pruning: 2}; or make it the catch-all with 'fallback: true')"
    )


def test_phrase_repeated_in_another_spelling(tmp_path):
    text = 'topics:\n  - slug: lc\n    name: LC\n    keywords:\n      long context: 3\n      "Long-Contexts": 1\n'
    assert error_text(tmp_path, text) == (
        "topics.yaml:6: keyword 'Long-Contexts' repeats 'long context' from line 5 "
        "(case, spaces, hyphens and a plural 's' make no difference, so each hit would count twice; keep one)"
    )


def test_star_inside_a_phrase(tmp_path):
    text = "topics:\n  - slug: q\n    name: Q\n    title_keywords: {quant*ization: 3}\n"
    assert error_text(tmp_path, text) == (
        "topics.yaml:4: title keyword 'quant*ization': '*' may only end a phrase "
        "('quantiz*' matches words that start with 'quantiz')"
    )


@pytest.mark.parametrize("keywords", ["\n      lora,: 2\n      adapter: 1", ' {"lora,": 2, adapter: 1}'])
def test_a_phrase_ending_in_a_comma_is_an_error_at_its_line(tmp_path, keywords):
    """Written on lines of their own with the commas of braces or JSON, the
    phrase was 'lora,', which matched only "LoRA," (and never a title's LoRA)."""
    text = f"topics:\n  - slug: peft\n    name: PEFT\n    keywords:{keywords}\n"
    line = 5 if keywords.startswith("\n") else 4
    assert error_text(tmp_path, text) == (
        f"topics.yaml:{line}: keyword 'lora,' ends in a comma, so it would match only where one follows it "
        "(delete it: a keyword on a line of its own is 'lora: 2', with no comma; only between braces do commas "
        "part them: {lora: 2, adapter*: 1})"
    )


@pytest.mark.parametrize("phrase, shown", [("'-'", "'-'"), ("' - '", "'-'"), ("'--*'", "'--*'")])
def test_a_phrase_of_only_spaces_and_hyphens_is_an_error_not_a_build_that_never_ends(tmp_path, phrase, shown):
    # Spaces and hyphens are optional in a match: alone, they matched the
    # empty text, and scoring a paper by it looped for ever.
    text = f"topics:\n  - slug: rag\n    name: RAG\n    keywords: {{retrieval: 2, {phrase}: 1}}\n"
    assert error_text(tmp_path, text) == (
        f"topics.yaml:4: keyword {shown} is only spaces and hyphens, which match anywhere "
        "(write one 'phrase: weight' per keyword, e.g. keywords: {quantiz*: 3, pruning: 2})"
    )


def test_repeated_key_in_a_topic(tmp_path):
    text = "topics:\n  - slug: rag\n    name: RAG\n    name: Retrieval\n    keywords: {rag: 3}\n"
    assert error_text(tmp_path, text) == (
        "topics.yaml:4: topic key 'name' is given twice (first given on line 3)"
    )


def test_all_problems_are_reported_together_in_line_order(tmp_path):
    text = "topics:\n  - slug: Bad\n    name: Bad\n    keywords: {x: 1}\n  - slug: ok\n    keywords: {x: 1}\n"
    assert error_text(tmp_path, text) == (
        "topics.yaml:2: slug 'Bad' may only use a-z, 0-9 and '-' (slugs become URLs, e.g. 'long-context')\n"
        "topics.yaml:5: topic 'ok' has no name (add 'name: ...' to the topic)"
    )


# --- the shipped taxonomy over the shipped digests -------------------------------

DIGEST_HEADER = {
    "new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers",
    "byAK and the research community",
}
DATE_LINE = re.compile(r"[A-Z][a-z]+ \d{1,2}(, \d{4})?")


def shipped_papers() -> list[tuple[str, str]]:
    """(title, abstract) of each distinct paper in content/digests."""
    paths = sorted((ROOT / "content" / "digests").glob("*.txt"))
    return digest_papers(path.read_text(encoding="utf-8") for path in paths)


def digest_papers(texts: Iterable[str]) -> list[tuple[str, str]]:
    """(title, abstract) of each distinct paper in these digests. A local splitter,
    so this test checks the taxonomy and not the digest parser."""
    papers: dict[str, tuple[str, str]] = {}
    for text in texts:
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        while paragraphs and (paragraphs[0] in DIGEST_HEADER or DATE_LINE.fullmatch(paragraphs[0])):
            paragraphs.pop(0)
        for title, abstract in zip(paragraphs[::2], paragraphs[1::2]):
            papers.setdefault(title.lower(), (title, abstract))
    return list(papers.values())


@pytest.fixture(scope="module")
def shipped() -> tuple[Taxonomy, dict[str, tuple[str, ...]]]:
    taxonomy = load_taxonomy(ROOT / "content" / "topics.yaml")
    return taxonomy, {title: assign_topics(taxonomy, title, abstract) for title, abstract in shipped_papers()}


def test_shipped_taxonomy_covers_every_paper_with_balanced_topics(shipped):
    taxonomy, assigned = shipped
    fallback = [t.slug for t in taxonomy.topics if t.fallback]
    counts = Counter(slug for slugs in assigned.values() for slug in slugs)
    assert len(assigned) > 300
    assert len(taxonomy.topics) >= 15 and fallback == ["other"]
    assert all(assigned.values()), [title for title, slugs in assigned.items() if not slugs]
    assert max(counts.values()) <= 0.40 * len(assigned), counts.most_common(3)
    assert counts["other"] <= 0.05 * len(assigned)


@pytest.mark.parametrize(
    ("title_start", "slug"),
    [
        ("Understanding the Impact of Post-Training Quantization", "compression"),
        ("Calibrated Language Models Must Hallucinate", "hallucination"),
        ("CosyVoice 2", "speech"),
        ("Adaptive-RAG", "retrieval"),
        ("DyLoRA", "peft"),
        ("A Survey on Mixture of Experts", "mixture-of-experts"),
        ("A Survey on Mixture of Experts", "surveys"),
        ("WebRL", "agents"),
        ("Confronting Reward Model Overoptimization", "alignment"),
        ("LongLoRA", "long-context"),
        ("Multi-Objective Fine-Tuning for Enhanced Program Repair", "code"),
        ("AlphaMath Almost Zero", "reasoning"),
        ("InvestLM", "finance"),
        ("Zhongjing", "medicine"),
    ],
)
def test_known_papers_land_in_their_topic(shipped, title_start, slug):
    _taxonomy, assigned = shipped
    (slugs,) = [slugs for title, slugs in assigned.items() if title.startswith(title_start)]
    assert slug in slugs


@pytest.mark.parametrize(
    ("title_start", "slug"),
    [
        ("The Journey Matters: Average Parameter Count", "retrieval"),  # "average" is not RAG
        ("Contextual Code Switching for Machine Translation", "code"),  # code-switching is linguistics
        ("Dynamic Gradient Alignment for Online Data Mixing", "alignment"),  # gradients, not preferences
        ("AuditLLM: A Tool for Auditing", "agents"),  # a software tool, not tool use
    ],
)
def test_false_friends_stay_out_of_a_topic(shipped, title_start, slug):
    _taxonomy, assigned = shipped
    (slugs,) = [slugs for title, slugs in assigned.items() if title.startswith(title_start)]
    assert slug not in slugs


# --- fast scoring equals the definition -------------------------------------


def scores_by_definition(taxonomy: Taxonomy, title: str, abstract: str) -> tuple[float, ...]:
    """score_topics as topics.yaml defines it: every phrase searched for in
    the whole title and abstract, added in rule order."""
    title, abstract = title.lower(), abstract.lower()
    scores = []
    for keywords, title_keywords in taxonomy._rules:
        score = 0.0
        for phrase in keywords:
            score += phrase.weight * (phrase.hits(title, 1) * taxonomy.title_weight
                                      + phrase.hits(abstract, ABSTRACT_HIT_CAP))
        for phrase in title_keywords:
            score += phrase.weight * taxonomy.title_weight * phrase.hits(title, 1)
        scores.append(score)
    return tuple(scores)


@pytest.mark.parametrize("papers", [shipped_papers, lambda: digest_papers(generate(1000).values())],
                         ids=["shipped", "generated"])
def test_scores_equal_the_definition_on_every_paper_of_the_digests(papers):
    # The generated ones: the benchmark corpus's, new titles and abstracts
    # made of the shipped ones' words and sentences.
    taxonomy = load_taxonomy(ROOT / "content" / "topics.yaml")
    for title, abstract in papers():
        assert score_topics(taxonomy, title, abstract) == scores_by_definition(taxonomy, title, abstract), title


SHIPPED_TAXONOMY = load_taxonomy(ROOT / "content" / "topics.yaml")
PHRASE_WORDS = sorted({
    word for topic_ in SHIPPED_TAXONOMY.topics for phrase, _weight in topic_.keywords + topic_.title_keywords
    for word in re.split(r"[\s\-*]+", phrase) if word
})
GLUE = ["", " ", "-", "_", ".", "é", "s", "es", "2", " (", "/", "\u00a0"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PHRASE_WORDS), st.sampled_from(GLUE)), max_size=30),
       st.lists(st.tuples(st.sampled_from(PHRASE_WORDS), st.sampled_from(GLUE)), max_size=8))
def test_scores_equal_the_definition_on_text_made_of_keyword_pieces(abstract_parts, title_parts):
    abstract = "".join(word + glue for word, glue in abstract_parts)
    title = "".join(word.upper() if len(word) % 2 else word for word, glue in title_parts for word in (word + glue,))
    assert score_topics(SHIPPED_TAXONOMY, title, abstract) == scores_by_definition(SHIPPED_TAXONOMY, title, abstract)


ECHO_TAXONOMY = Taxonomy(
    (topic("echo", {"deep deep": 1, "re re*": 2, "ab-ab": 1.5, "re": 0.5}, title_keywords={"deep": 1}),
     topic("other", {"dee*": 1, "ab": -1})),
    min_score=1, max_topics=2, title_weight=2,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["deep", "re", "ab", "dee", "are"]), st.sampled_from(GLUE)), max_size=20))
def test_scores_equal_the_definition_where_phrases_overlap_themselves(parts):
    text = "".join(word + glue for word, glue in parts)
    assert score_topics(ECHO_TAXONOMY, text[:30], text) == scores_by_definition(ECHO_TAXONOMY, text[:30], text)


# Phrases with symbols, with no word to start (".net", "-ray"), ending in a
# separator, shared by two topics, title_keywords that share a head with
# keywords, heads that start other heads: every way the phrases are merged
# into one pattern to find where one can hit.
AWKWARD_TAXONOMY = Taxonomy(
    (topic("a", {"c++": 1, "past, present and future": 2, ".net": 1.5, "x-": 1, "in-context learn*": 2,
                 "in": 0.25, "data": -1, "é-tude*": 1}, title_keywords={"in": 1, "data set": 2, "ne": 1}),
     topic("b", {"data set*": 1, "dataset": 0.5, "c": 1, "-ray": 1, "in-context learn*": 1, "pre": 0.5},
           title_keywords={"c++": 2, "x": 1})),
    min_score=1, max_topics=2, title_weight=3,
)
AWKWARD_WORDS = ["c", "++", "past", "present", "and", "future", ".net", "net", "x", "in", "context", "learning",
                 "data", "set", "sets", "dataset", "ray", "é", "tude", "pre", "ne"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(AWKWARD_WORDS), st.sampled_from(GLUE + [", ", "+"])), max_size=25),
       st.lists(st.tuples(st.sampled_from(AWKWARD_WORDS), st.sampled_from(GLUE + [", ", "+"])), max_size=8))
def test_scores_equal_the_definition_for_phrases_with_symbols_and_no_word_to_start(abstract_parts, title_parts):
    abstract = "".join(word + glue for word, glue in abstract_parts)
    title = "".join(word.upper() + glue for word, glue in title_parts)
    assert score_topics(AWKWARD_TAXONOMY, title, abstract) == scores_by_definition(AWKWARD_TAXONOMY, title, abstract)


def test_keywords_anchored_once_and_reused_by_an_alias_are_read_for_both_topics():
    taxonomy = parse_taxonomy(
        "topics:\n  - slug: a\n    name: A\n    keywords: &kw {lora: 2, adapter*: 1}\n"
        "  - slug: b\n    name: B\n    keywords: *kw\n", "topics.yaml",
    )
    assert [t.keywords for t in taxonomy.topics] == [(("lora", 2.0), ("adapter*", 1.0))] * 2


def test_aliases_multiplying_in_topics_yaml_are_an_error_at_their_line():
    """Each line nine aliases of the line above: the sixth holds 9**6 values."""
    levels = "".join(f"      l{n}: &l{n} [{', '.join([f'*l{n - 1}' if n else 'x'] * 9)}]\n" for n in range(7))
    with pytest.raises(SourceError) as caught:
        parse_taxonomy("topics:\n  - slug: a\n    name: A\n    keywords: {lora: 2}\n    papers:\n" + levels, "topics.yaml")
    assert str(caught.value).startswith(
        "topics.yaml:11: invalid YAML: with its aliases ('*name') written out, this value holds 597,871 values")


def test_a_merge_key_merges_a_mapping_in_and_the_keys_written_beside_it_win():
    """YAML 1.1's '<<': a mapping, or a list of mappings whose earlier ones win, merged in."""
    taxonomy = parse_taxonomy(
        "topics:\n"
        "  - &base\n    slug: lora\n    name: LoRA\n    keywords: &kw {lora: 3, low-rank: 2}\n"
        "    title_keywords: &title {lora: 9, qlora: 4}\n"
        "  - slug: peft\n    name: PEFT\n    keywords: {<<: *kw, low-rank: 1, adapter*: 1}\n"
        "    title_keywords:\n      <<: [*kw, *title]\n"
        "  - <<: *base\n    slug: qlora\n    name: QLoRA\n", "topics.yaml",
    )
    assert [(t.slug, t.name, t.keywords, t.title_keywords) for t in taxonomy.topics[1:]] == [
        ("peft", "PEFT", (("lora", 3.0), ("low-rank", 1.0), ("adapter*", 1.0)),
         (("lora", 3.0), ("low-rank", 2.0), ("qlora", 4.0))),
        ("qlora", "QLoRA", (("lora", 3.0), ("low-rank", 2.0)), (("lora", 9.0), ("qlora", 4.0))),
    ]


def test_a_merge_of_no_mapping_or_a_mistake_it_merges_is_an_error_at_a_line_that_shows_it(tmp_path):
    text = (
        "topics:\n"
        "  - &base\n    slug: a\n    name: &name A\n    keywords: {rag: 1}\n"
        "  - slug: b\n    name: B\n    keywords: &kw {lora: x, rag: 1}\n"  # 8
        "  - slug: c\n    name: C\n    keywords: {<<: *kw, adapter: 1}\n"  # the weight 'x' again, at line 8
        "  - <<: *base\n    name: C2\n"  # 12: a's slug merged in
        "  - slug: d\n    name: D\n    keywords:\n      <<: *name\n"  # 17: its anchor is on line 4
        "  - slug: e\n    name: E\n    <<: *kw\n"  # 20: keywords merged in as topic keys
    )
    unknown = "(allowed: slug, name, description, min_score, keywords, title_keywords, fallback, papers, not_papers, aliases)"
    assert error_text(tmp_path, text).splitlines() == [
        "topics.yaml:8: keyword 'lora' needs a number as its weight, not 'x' "
        "(write one 'phrase: weight' per keyword, e.g. keywords: {quantiz*: 3, pruning: 2})",
        "topics.yaml:12: duplicate topic slug 'a' (first used on line 3; each topic needs its own slug)",
        "topics.yaml:17: '<<' merges a mapping, or a list of mappings, into this one, not 'A' "
        "(anchor a mapping where it is written (keywords: &kw {lora: 2}) and merge it by its name: <<: *kw)",
        f"topics.yaml:20: unknown topic key 'lora' {unknown}",
        f"topics.yaml:20: unknown topic key 'rag' {unknown}",
    ]
