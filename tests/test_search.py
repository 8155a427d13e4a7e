"""Search over the shipped digests, run the way readers run it: lunr.js 2.3.9
and the site's own search-core.js under Node, against the files the build
wrote. Expectations come from the papers' text, not from the index."""

from __future__ import annotations

import gzip
import io
import html
import json
import random
import re
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from site_builder.errors import SourceError
from site_builder.pipeline import Paths, build, make_site
from site_builder.search import Link, PendingSearchIndex, SearchDocument, _parse_frames, search_documents

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "tests" / "js" / "run_queries.js"


def run_queries(site: Path, queries: list[dict], monolithic: Path | None = None) -> list[dict]:
    spec = site / "queries.json"
    spec.write_text(json.dumps(queries))
    command = ["node", str(HARNESS), str(site), str(spec)] + ([str(monolithic)] if monolithic else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> tuple[SearchDocument, ...]:
    work = tmp_path_factory.mktemp("docs")
    shutil.copytree(ROOT / "content", work / "content")
    return search_documents(make_site(Paths(work / "content", work / "_site")).site.papers)


def text_of(doc: SearchDocument) -> str:
    return f"{doc.title}\n{' '.join(topic.text for topic in doc.topics)}\n{doc.abstract}".lower()


def by_title(documents) -> dict[str, SearchDocument]:
    return {doc.title: doc for doc in documents}


# A paper's distinctive title word(s) → a fragment of that paper's title.
TITLE_QUERIES = [
    ("WECHSEL", "WECHSEL:"),
    ("CosyVoice", "CosyVoice 2"),
    ("eDKM", "eDKM:"),
    ("NOLA", "NOLA:"),
    ("LLM2LLM", "LLM2LLM:"),
    ("OpenMoE", "OpenMoE"),
    ("JetMoE", "JetMoE"),
    ("DyLoRA", "DyLoRA"),
    ("MonoByte", "MonoByte"),
    ("PanGu", "PanGu"),
    ("QuantLLM", "QuantLLM"),
    ("bert2BERT", "bert2BERT"),
    ("NoteLLM", "NoteLLM"),
    ("ALLoRA", "ALLoRA"),
    ("LoRA-GGPO", "LoRA-GGPO"),
]

# A subject → words one of which every top-5 paper must contain.
SUBJECT_QUERIES = [
    ("quantization", r"quanti[sz]|low-bit|\d-bit|ternary|fp8|int[48]"),
    ("hallucination", r"hallucinat"),
    ("low-rank adaptation", r"low-rank|low rank|lora"),
    ("mixture of experts", r"mixture[- ]of[- ]experts|\bmoe\b|experts"),
    ("instruction tuning", r"instruction"),
    ("retrieval augmented generation", r"retriev"),
    ("code generation", r"\bcode\b|program"),
    ("multilingual", r"multilingual|cross-lingual|languages"),
]

# Words lunr.py's stemmer gets wrong for lunr.js (survey → survei), and terms
# lunr.py's trimmer keeps punctuation on: each must find exactly the papers
# with one of these word forms as a token.
AGREEMENT_QUERIES = [
    ("survey", {"survey", "surveys", "surveyed", "surveying"}),
    ("deploying", {"deploy", "deploys", "deployed", "deploying", "deployment", "deployments"}),
    ("decay", {"decay", "decays", "decayed", "decaying"}),
    ("key", {"key", "keys"}),
    ("replay", {"replay", "replays", "replayed", "replaying"}),
    ("weight decay", {"weight", "weights", "weighted", "weighting", "decay", "decays", "decayed", "decaying"}),
    ("1.5", {"1.5"}),
    ("e.g.", {"e.g"}),
    # Punctuation inside a word stays, as in the index; at its ends it goes.
    ("and/or", {"and/or"}),  # (its parts are stop words, which the index does not hold)
    ("10,000", {"10,000"}),
    ("$100K", {"100k"}),
    ("87.73%", {"87.73"}),
    # Letters beyond ASCII are letters: PanGu-π and PanGu-α.
    ("π", {"π"}),
    ("α", {"α"}),
]


def tokens(doc: SearchDocument) -> set[str]:
    """Tokens as the build makes them: split at whitespace and hyphens, then
    stripped of what is not a letter, mark, digit or _ at both ends."""
    words = re.split(r"[\s\-]+", text_of(doc))
    edge = r"[^\w\u0300-\u036f]+"  # \w is Unicode letters, digits and _ in Python
    return {re.sub(rf"^{edge}|{edge}$", "", word) for word in words}


HOSTILE_QUERIES = [
    "title:", "+", "-", '"unclosed', "*", "~2", "^", "x" * 2000, "😀 🤖", "<script>alert(1)</script>",
    "title:survey", "abstract:", ":::", "+-+-", "lora~", "a^^b", "\\", "'", "%00", "foo:bar",
]


@pytest.fixture(scope="module")
def table(shipped_site) -> dict[str, dict]:
    queries = (
        [{"q": q} for q, _ in TITLE_QUERIES]
        + [{"q": q} for q, _ in SUBJECT_QUERIES]
        + [{"q": "catastrophic forgetting"}, {"q": "hallucin*"}, {"q": "train*"}, {"q": "optim*"}, {"q": "key"}]
        + [{"q": q, "typing": True} for q in ("quant", "hallucina", "trainin", "optimizatio", "large trainin", "planning")]
        + [{"q": "transfor", "label": "transfor (sent)"}, {"q": "hallucina", "label": "hallucina (sent)"}]
        + [{"q": q, "label": q + " (sent)"} for q in ("the", "of", "The of", "the the")]
        + [{"q": q} for q in HOSTILE_QUERIES]
        + [{"q": q} for q in ("lora", "#routing", "tags:routing", "#routing lora", "+#routing lora", "-#routing lora")]
    )
    entries = run_queries(shipped_site, queries)
    return {query.get("label", query["q"]): entry for query, entry in zip(queries, entries)}


def test_query_table_has_at_least_twenty_ranking_queries():
    assert len(TITLE_QUERIES) + len(SUBJECT_QUERIES) >= 20


@pytest.mark.parametrize("query,fragment", TITLE_QUERIES)
def test_distinctive_title_words_rank_the_paper_first(table, query, fragment):
    titles = table[query]["titles"]
    assert titles, f"{query!r} found nothing"
    assert fragment in titles[0], titles[:3]


@pytest.mark.parametrize("query,pattern", SUBJECT_QUERIES)
def test_subject_queries_return_only_papers_on_the_subject_in_top_five(table, documents, query, pattern):
    titles = table[query]["titles"][:5]
    assert len(titles) == 5
    docs = by_title(documents)
    for title in titles:
        assert re.search(pattern, text_of(docs[title])), f"{title!r} is not about {query!r}"


@pytest.mark.parametrize("query", ["quantization", "low-rank adaptation", "hallucination", "mixture of experts"])
def test_a_results_excerpt_shows_a_word_asked_for_where_its_abstract_has_one(table, documents, query):
    """Not the abstract's start alone, where the word may come later."""
    entry = table[query]
    later = 0
    for (ref, _score), excerpt in zip(entry["results"], entry["excerpts"]):
        text = documents[int(ref)].shown
        shown = "".join(part for part, _marked in excerpt["parts"])
        assert shown.strip("…") in text and len(shown) <= 222, shown
        assert any(marked for _part, marked in excerpt["parts"]) == excerpt["anywhere"], shown
        later += shown.startswith("…")
    assert later, "every word asked for was near its abstract's start: the test proved nothing"


def search_core(expression: str):
    """The value of a JavaScript expression over static/search-core.js (as ``core``)."""
    script = (f"const lunr = require({json.dumps(str(ROOT / 'node_modules' / 'lunr'))});"
              f"const core = require({json.dumps(str(ROOT / 'static' / 'search-core.js'))})(lunr);"
              f"process.stdout.write(JSON.stringify({expression}));")
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_the_words_marked_are_those_asked_for_not_field_names_exclusions_or_boosts():
    queries = ["title:survey", "lora -vision", "+lora -vision", "survey^10", '"mixture of experts"', "low-rank"]
    marked = search_core(f"{json.dumps(queries)}.map((q) => core.highlightStems(q))")
    assert marked == [["survey"], ["lora"], ["lora"], ["survey"], ["mixtur", "expert"], ["low", "rank"]]


def test_a_word_is_marked_when_the_query_found_it_not_for_beginning_like_a_word_asked_for():
    """"low-rank" marked "Ranker" (its stem begins with "rank"), which lunr
    does not find for it; only a beginning ("rank*", typed or a wildcard)
    marks it. "the*" marks "theory" but never "the", which nothing found."""
    title = "Language Ranker: ranks the theory of low-rank LoRA"
    queries = ["low-rank", "rank rank*", "the the*", "quant*", "π"]
    marked = search_core(
        f"{json.dumps(queries)}.map((q) => core.highlight({json.dumps(title + ' (PanGu-π)')}, core.highlightStems(q))"
        ".filter((part) => part[1]).map((part) => part[0]))")
    assert marked == [["ranks", "low", "rank"], ["Ranker", "ranks", "rank"], ["theory"], [], ["π"]]


def test_a_word_with_combining_marks_is_marked_and_typed_whole():
    """Devanagari writes most vowels as marks (हिन्दी), a Mac may write é as e
    and a mark, and İ lowercases to i and a dot above. Marks split a word in
    two: 'हिन्दी' marked its letters ह, न and द, 'Résumé' its pieces 'Re' and
    'sume', 'İstanbul' nothing; and 'हिन्द' being typed was no beginning, so
    it found nothing until it was whole."""
    title = "हिन्दी नहीं: Re\u0301sume\u0301s of İstanbul"
    queries = ["हिन्दी", "re\u0301sume\u0301", "İstanbul"]
    marked = search_core(
        f"{json.dumps(queries)}.map((q) => core.highlight({json.dumps(title)}, core.highlightStems(q))"
        ".filter((part) => part[1]).map((part) => part[0]))")
    assert marked == [["हिन्दी"], ["Re\u0301sume\u0301s"], ["İstanbul"]]
    assert search_core("core.prepareQuery('हिन्द', true)") == "हिन्द हिन्द*"


def test_a_query_of_words_the_index_leaves_out_is_told_apart_from_one_that_found_nothing():
    common = {"a": 1, "The": 1, "of the": 2, "+the -of": 2, "title:a": 1, "(the),": 1, "-the": 1, "the-a": 2}
    searched = ["the*", "lora", "a lora", "", "title:", "😀", "theory"]
    said = search_core(f"{json.dumps([*common, *searched])}.map((q) => core.stopWordCount(q))")
    assert said == [*common.values()] + [0] * len(searched)


def test_an_excerpt_cut_where_there_is_no_space_keeps_characters_whole():
    shown = search_core("core.excerpt('\\u{1D4AA}'.repeat(300), [])")
    assert shown.endswith("…") and len(shown) <= 222 and shown[:-1] == "\U0001D4AA" * (len(shown) - 1)


@pytest.mark.parametrize("query,forms", AGREEMENT_QUERIES)
def test_build_and_browser_agree_on_stems_and_tokens(shipped_site, documents, query, forms):
    """Every paper containing the word is found, and everything found contains it."""
    expected = {doc.slug for doc in documents if tokens(doc) & forms}
    assert expected, f"the corpus has no {query!r}: the test would prove nothing"
    (entry,) = run_queries(shipped_site, [{"q": query}])
    found = {documents[int(ref)].slug for ref, _score in entry["results"]}
    assert found == expected


def test_a_title_with_punctuation_asked_for_finds_its_paper_first(shipped_site, documents):
    """Titles quoted whole, with their apostrophes, brackets, dollars and
    ampersands: the paper comes first (one did not, as '(re)warm' was split)."""
    titles = [doc.title for doc in documents if re.search(r"[^\w\s:\-]", doc.title)]
    assert len(titles) > 40
    entries = run_queries(shipped_site, [{"q": title} for title in titles])
    assert [title for title, entry in zip(titles, entries) if entry["titles"][:1] != [title]] == []


@pytest.mark.parametrize("query,parts", [
    ("LLM's", ["LLM"]), ("LLM’s", ["LLM"]), ("Pretrainer's", ["Pretrainer"]), ("(re)warm", ["re", "warm"]),
    ("encoder/decoder", ["encoder", "decoder"]),
])
def test_a_word_with_punctuation_inside_finds_its_parts_too(shipped_site, documents, query, parts):
    """The index holds "llm's" as a word of its own: asked for, it finds the
    papers that write it, first, and those that write LLM, as the reader
    means (it found 16 papers, not 276)."""
    entries = run_queries(shipped_site, [{"q": q} for q in [query, *parts]])
    found = [documents[int(ref)].slug for ref, _score in entries[0]["results"]]
    by_part = set().union(*({documents[int(ref)].slug for ref, _ in entry["results"]} for entry in entries[1:]))
    whole = {doc.slug for doc in documents if re.sub(r"^\W+|\W+$", "", query.lower()) in tokens(doc)}
    assert by_part and set(found) == by_part | whole
    assert set(found[:len(whole)]) == whole


def test_each_piece_of_a_hyphenated_word_keeps_its_sign_field_and_boost():
    queries = ["title:low-rank", "+low-rank", "-fine-tuning", "low-rank^10", "fine-tun*", "low-rank", "+mixture-of-experts"]
    prepared = search_core(f"{json.dumps(queries)}.map((q) => core.prepareQuery(q, false))")
    assert prepared == [
        "title:low title:rank", "+low +rank", "-fine -tuning", "low^10 rank^10", "fine tun*", "low rank",
        "+mixture of +experts",  # "of", which the index leaves out, is not required: it would find nothing
    ]


def test_a_word_the_index_leaves_out_is_not_required_beside_others():
    queries = ["+the +lora", "+the", "+the* lora", "-the lora"]
    prepared = search_core(f"{json.dumps(queries)}.map((q) => core.prepareQuery(q, false))")
    assert prepared == [
        "the +lora",  # "+the" would find nothing
        "+the",  # alone, it finds nothing either way, and the page says why
        "+the* lora",  # a beginning ("theory") is in the index
        "-the lora",
    ]


def test_a_hyphenated_word_excluded_required_or_in_a_field_is_so_whole(shipped_site, documents):
    """lunr gives '-', '+' and 'title:' to the first piece of "fine-tuning"
    alone: "lora -fine-tuning" listed papers on prompt tuning without LoRA.
    A common word required ("+the") required nothing."""
    entries = run_queries(shipped_site, [{"q": "lora -fine-tuning"}, {"q": "+low-rank"}, {"q": "title:low-rank"},
                                         {"q": "+mixture-of-experts"}, {"q": "+the +lora"}, {"q": "+lora"}])
    excluded, required, titled, experts, the_lora, lora = (
        [documents[int(ref)] for ref, _score in entry["results"]] for entry in entries
    )

    def has(words: set[str], stem: str) -> bool:  # a form of the word: "ranking" is indexed as "rank"
        return any(word.startswith(stem) for word in words)

    assert excluded and all("lora" in tokens(doc) and not {"fine", "tuning"} & tokens(doc) for doc in excluded)
    assert required and all(has(tokens(doc), "low") and has(tokens(doc), "rank") for doc in required)
    title_words = [set(re.split(r"[\s\-]+", doc.title.lower())) for doc in titled]
    assert titled and all(has(words, "low") or has(words, "rank") for words in title_words)
    assert experts and all(has(tokens(doc), "mixture") and has(tokens(doc), "expert") for doc in experts)
    assert lora and the_lora == lora  # "the", never indexed, required nothing


def test_multi_word_query_lists_papers_with_every_word_first(table, documents):
    words = [r"\bcatastrophic", r"\bforget(s|ting)?\b"]
    both = {doc.title for doc in documents if all(re.search(w, text_of(doc)) for w in words)}
    assert len(both) >= 2
    top = table["catastrophic forgetting"]["titles"][: min(len(both), 10)]
    assert set(top) <= both


def test_typing_matches_the_beginning_of_the_last_word(table, documents):
    entry = table["quant"]
    assert entry["prepared"] == "quant quant*"
    expected = {doc.slug for doc in documents if re.search(r"\bquant", text_of(doc))}
    assert {documents[int(ref)].slug for ref, _ in entry["results"]} == expected


@pytest.mark.parametrize("typed,stem", [("hallucina", "hallucin"), ("trainin", "train"), ("optimizatio", "optim")])
def test_a_word_typed_past_its_stem_also_matches_as_the_stems_beginning(table, typed, stem):
    # As typed, "hallucina" begins no indexed term: hallucination is indexed as "hallucin".
    entry = table[typed]
    assert entry["prepared"] == f"{typed} {typed}* {stem}*"
    assert entry["results"] and {ref for ref, _ in entry["results"]} == {ref for ref, _ in table[f"{stem}*"]["results"]}


def test_a_stem_added_for_a_half_typed_word_counts_as_that_word_in_the_ranking(table):
    # Papers with both words come first; "train" stands in for "trainin", not for a third word.
    entry = table["large trainin"]
    assert entry["prepared"] == "large trainin trainin* train*"
    terms = {ref: set(matched) for ref, _score, matched in entry["lunr"]}

    def words(ref):
        return ("larg" in terms[ref]) + any(term.startswith("train") for term in terms[ref])

    covered = [words(ref) for ref, _score in entry["results"]]
    assert covered == sorted(covered, reverse=True) and covered[0] == 2 and covered[-1] == 1


def test_a_whole_word_typed_adds_no_shorter_stem(table):
    # "planning" is indexed as "plan": "plan*" would add planets and planarity.
    assert table["planning"]["prepared"] == "planning planning*"


def test_a_query_sent_whole_means_its_words_unless_they_find_nothing(table):
    assert table["key"]["prepared"] == "key"  # not "keyword" too: the word as sent
    # Sent with Enter, a beginning that finds nothing as a word is read as typed.
    assert table["transfor (sent)"]["prepared"] == "transfor transfor*" and table["transfor (sent)"]["results"]
    assert table["hallucina (sent)"]["results"] == table["hallucina"]["results"]


@pytest.mark.parametrize("query", ["the", "of", "The of", "the the"])
def test_a_query_sent_whole_of_words_too_common_to_index_finds_nothing(table, query):
    """Sent with Enter or a link, "the" listed 72 papers on "theory" and
    "theorem" (read as typed, "the*"), none with a word marked, and the page
    never said that "the" is too common to search for."""
    assert table[query + " (sent)"]["results"] == []


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_give_results_or_a_message_never_an_error(table, query):
    entry = table[query]
    assert entry["error"] in (None, "syntax")
    assert isinstance(entry["results"], list)


def test_a_wildcard_alone_lists_every_paper(table, documents):
    assert len(table["*"]["results"]) == len(documents)


def test_a_tag_asked_for_where_no_paper_has_tags_finds_nothing_not_its_words(table):
    """The index has no tags field then: lunr could not parse "tags:routing",
    whose plain words "tags routing" were searched for instead."""
    assert table["lora"]["results"]
    for query in ("#routing", "tags:routing", "+#routing lora"):
        assert table[query]["results"] == [] and table[query]["error"] is None, query
    assert table["#routing lora"]["results"] == table["-#routing lora"]["results"] == table["lora"]["results"]


def test_field_query_searches_titles_only(table, documents):
    results = table["title:survey"]["results"]
    assert results
    assert all("survey" in documents[int(ref)].title.lower() for ref, _ in results)


def test_single_file_index_is_plain_lunr_with_numbered_refs(shipped_site, documents):
    manifest = json.loads((shipped_site / "search" / "manifest.json").read_text())
    index = json.loads((shipped_site / manifest["index"]).read_text())
    assert index["version"] == "2.3.9"
    assert index["fields"] == ["title", "topics", "abstract"]  # "tags" only where papers have tags
    refs = {key.split("/", 1)[1] for key, _vector in index["fieldVectors"]}
    assert refs == {str(number) for number in range(len(documents))}
    # In chunks, as a sharded index's: a query fetches the chunks of the results it shows.
    chunk = manifest["documents"]["chunk"]
    store = [entry for path in manifest["documents"]["files"] for entry in json.loads((shipped_site / path).read_text())]
    assert len(manifest["documents"]["files"]) == -(-len(documents) // chunk) > 1
    assert [entry["u"] for entry in store] == [doc.url for doc in documents]
    some = documents[0]
    entry = store[0]
    assert (entry["t"], entry["u"], entry["a"]) == (some.title, some.url, some.shown)
    # Dates and topics as [url, text], the links the paper's own page has (base URL /atlas/).
    page = html.unescape((shipped_site / some.url / "index.html").read_text())
    assert entry["d"] and entry["g"]
    for url, text in entry["d"] + entry["g"]:
        assert f'href="/atlas/{url}"' in page and text in page
    assert [text for _url, text in entry["g"]] == re.findall(r'class="tag" href="[^"]+">([^<]+)<', page)


def test_a_results_text_is_the_abstract_without_its_other_versions_which_are_still_searched(tmp_path):
    digests = tmp_path / "content" / "digests"
    digests.mkdir(parents=True)
    (digests / "2025-03-18.txt").write_text("Mar 18, 2025\n\nA Paper\n\nThe first wording of the abstract.\n")
    (digests / "2025-03-19.txt").write_text("Mar 19, 2025\n\nA Paper\n\nA second wording, revised.\n")
    result = make_site(Paths(tmp_path / "content", tmp_path / "_site"), workers=1)
    files = result.files
    manifest = json.loads(files["search/manifest.json"])
    (entry,) = [entry for path in manifest["documents"]["files"] for entry in json.loads(files[path])]
    assert entry["a"] == "The first wording of the abstract."
    (document,) = search_documents(result.site.papers)
    assert "A second wording, revised." in document.abstract and "Other versions" in document.abstract


def test_a_paper_is_found_by_its_tags_and_by_a_tags_field_query(tmp_path):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    path = sorted((tmp_path / "content" / "papers").glob("*.md"))[5]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n---\n", "\ntags: [zyxwordtag, Read later]\n---\n", 1), encoding="utf-8")
    title = re.search(r"^title: (.*)$", text, re.M).group(1).strip("'\"")
    build(Paths(tmp_path / "content", tmp_path / "_site"), workers=1)
    found = run_queries(tmp_path / "_site", [{"q": "zyxwordtag"}, {"q": "tags:zyxwordtag"}, {"q": "tags:later"}])
    for entry in found:
        assert entry["titles"] == [title], entry
    assert run_queries(tmp_path / "_site", [{"q": "title:zyxwordtag"}])[0]["titles"] == []
    # A result shows its tags, linked: the store holds them for tagged papers only.
    site = tmp_path / "_site"
    manifest = json.loads((site / "search" / "manifest.json").read_text())
    store = [entry for path in manifest["documents"]["files"] for entry in json.loads((site / path).read_text())]
    assert [entry["k"] for entry in store if "k" in entry] == [
        [["tags/zyxwordtag/", "zyxwordtag"], ["tags/read-later/", "Read later"]],
    ]


def test_a_query_written_as_an_inline_tag_finds_the_papers_its_tag_page_lists(tmp_path):
    """"#routing", as Obsidian writes a tag, was read as the word "routing":
    the paper tagged so came 8th of the 9 that say it. As a tag's page, the
    query takes "_", "-" and a space between its words for one, a tag of
    several words whole ("#read-later" is not "#to-read"), and "project/llm"
    for one name, not the words project and llm."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    papers = sorted((tmp_path / "content" / "papers").glob("*.md"))
    tagged, later = papers[39], papers[49]
    assert "routing" not in tagged.read_text(encoding="utf-8").lower()
    tagged.write_text(tagged.read_text(encoding="utf-8") + "\n## Notes\n\nFor our router. #routing #project/llm #read_later\n",
                      encoding="utf-8")
    later.write_text(later.read_text(encoding="utf-8").replace("\n---\n", "\ntags: [Read later]\n---\n", 1), encoding="utf-8")
    papers[59].write_text(papers[59].read_text(encoding="utf-8") + "\n## Notes\n\n#to-read\n", encoding="utf-8")
    titles = {path: yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])["title"] for path in (tagged, later)}
    build(Paths(tmp_path / "content", tmp_path / "_site"), workers=1)
    site = tmp_path / "_site"
    listed = re.findall(r'<h3 class="paper-title"><a href="[^"]*">([^<]*)</a>', (site / "tags" / "read-later" / "index.html").read_text())
    assert sorted(html.unescape(title) for title in listed) == sorted(titles.values())
    word = re.findall(r"[a-z]{7,}", titles[tagged].lower())[0]  # a word of its title, which other papers say too
    queries = ["#routing", "#Routing,", "#read_later", "#read-later", "tags:read_later", "#project/llm", "#llm",
               f"#routing {word}", f"+#routing {word}", f"-#routing {word}", word, "routing"]
    found = {entry["q"]: entry for entry in run_queries(site, [{"q": q} for q in queries])}
    assert len(found["routing"]["results"]) > 5  # the word, which other papers say
    for query in ("#routing", "#Routing,", "#project/llm"):
        assert found[query]["titles"] == [titles[tagged]], query
        # Found in its tags, which no passage shows: no word of its abstract is marked.
        assert not any(marked for excerpt in found[query]["excerpts"] for _part, marked in excerpt["parts"])
    for query in ("#read_later", "#read-later", "tags:read_later"):
        assert sorted(found[query]["titles"]) == sorted(titles.values()), query
    assert found["#llm"]["titles"] == []  # (and "#project", no tag, is read as typed: as a beginning)
    # Beside a word, as words are: papers with both first, then those with either.
    either = found[f"#routing {word}"]
    assert either["titles"][0] == titles[tagged] and len(either["results"]) == len(found[word]["results"])
    assert found[f"+#routing {word}"]["titles"] == [titles[tagged]]
    assert found[f"-#routing {word}"]["titles"] == [title for title in found[word]["titles"] if title != titles[tagged]]


def test_a_tag_is_found_as_typed_in_any_case_its_final_letter_too(tmp_path):
    """The tags field held a tag casefolded before the index folded it, as
    no query is: "Λόγος" was "λόγοσ", which neither "#λόγος" nor the word
    λόγος finds (a query's final sigma stays "ς")."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    papers = sorted((tmp_path / "content" / "papers").glob("*.md"))
    tagged, noted = papers[39], papers[49]
    tagged.write_text(tagged.read_text(encoding="utf-8").replace("\n---\n", "\ntags: [Λόγος]\n---\n", 1),
                      encoding="utf-8")
    noted.write_text(noted.read_text(encoding="utf-8") + "\n## Notes\n\nSee #Ὀδυσσεύς.\n", encoding="utf-8")
    titles = [yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])["title"] for path in (tagged, noted)]
    build(Paths(tmp_path / "content", tmp_path / "_site"), workers=1)
    found = run_queries(tmp_path / "_site", [{"q": q} for q in ("#λόγος", "#ΛΌΓΟΣ", "#Ὀδυσσεύς", "#οδυσσευς")])
    assert [entry["titles"] for entry in found] == [[titles[0]], [titles[0]], [titles[1]], [titles[1]]]


def test_only_a_word_written_as_an_inline_tag_is_one():
    """"C#" and "#2024" are no tags in a note (inline_tags.py): read as they were."""
    queries = ["C#", "c# lora", "#1", "#2024", "#-", "#_/", "x#y", "#日本語", "+#to-read", "-#a_b", "#rout*", "#lora^2"]
    prepared = search_core(f"{json.dumps(queries)}.map((q) => core.prepareQuery(q, false))")
    assert prepared == ["c", "c lora", "1", "2024", "", "_", "x#y", "tags:日本語", "+tags:to_read", "-tags:a_b",
                        "tags:rout*", "tags:lora^2"]
    # A tag of several words is one term, as the build indexes it: the tag's page lists it alike however written.
    assert search_core("['#Read-Later', '#read__later-', '#a/-b'].map((q) => core.prepareQuery(q, false))") == [
        "tags:read_later", "tags:read_later", "tags:a/_b",
    ]
    # Typed, a tag is a beginning too, as a plain last word is.
    assert search_core("['#rout', '#lora xy', '+#rout', '#to-re'].map((q) => core.prepareQuery(q, true))") == [
        "tags:rout tags:rout*", "tags:lora xy xy*", "+tags:rout", "tags:to_re tags:to_re*",
    ]
    assert search_core("['#routing, lora', '-#x #y', '+#Read-Later', 'C# #1'].map(core.tagsAskedFor)") == [
        ["#routing"], ["#y"], ["#Read-Later"], [],
    ]


def test_a_query_tag_ends_before_a_slash_it_ends_with_as_a_notes_does():
    """A note's "#project/" is the tag project, and "#2024/" none, a number
    (inline_tags.py): the query read them as the tags "project/" (no paper
    has one; "No paper is tagged “#project/”") and 2024."""
    assert search_core("['#project/', '#2024/', '+#project//'].map((q) => core.prepareQuery(q, false))") == [
        "tags:project", "2024", "+tags:project",
    ]
    assert search_core("['#project/', '#2024/'].map(core.tagsAskedFor)") == [["#project"], []]


def test_a_query_tag_ends_where_a_notes_does_and_the_words_after_it_are_asked_for():
    """A note's "#routing,lora" is the tag routing, then the text ",lora"
    (inline_tags.py): the query read the tag and left out what followed it,
    typed or not ("#routing,lor" asked for routing alone)."""
    assert search_core("['#routing,lora', '#a.b', '-#x,y', '#rout,', '#1,lora'].map((q) => core.prepareQuery(q, false))") == [
        "tags:routing lora", "tags:a b", "-tags:x y", "tags:rout", "1,lora",
    ]
    assert search_core("['#routing,lor', '#rout,'].map((q) => core.prepareQuery(q, true))") == [
        "tags:routing lor lor*", "tags:rout tags:rout*",
    ]


def test_a_paper_is_found_by_the_words_of_its_notes_and_by_a_notes_field_query(tmp_path):
    """Notes were not searched: what the reader wrote was the one text search could not find.
    A comment in them is not shown, and not found: a private remark stays private."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    path = sorted((tmp_path / "content" / "papers").glob("*.md"))[7]
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n## Notes\n\nTried its **zyxnoteword** trick %% zyxprivate %% on our<!-- zyxhidden --> cluster.\n", encoding="utf-8")
    title = yaml.safe_load(text.split("---\n")[1])["title"]
    build(Paths(tmp_path / "content", tmp_path / "_site"), workers=1)
    site = tmp_path / "_site"
    found = run_queries(site, [{"q": "zyxnoteword"}, {"q": "notes:zyxnoteword"}, {"q": "abstract:zyxnoteword"},
                               {"q": "zyxprivate"}, {"q": "zyxhidden"}])
    assert [entry["titles"] for entry in found] == [[title], [title], [], [], []]
    manifest = json.loads((site / "search" / "manifest.json").read_text())
    assert manifest["fields"] == ["title", "topics", "abstract", "notes"]
    store = [entry for path in manifest["documents"]["files"] for entry in json.loads((site / path).read_text())]
    assert [entry["n"] for entry in store if "n" in entry] == ["Tried its zyxnoteword trick on our cluster."]


def test_a_site_without_notes_or_tags_indexes_neither_field(shipped_site):
    manifest = json.loads((shipped_site / "search" / "manifest.json").read_text())
    assert manifest["fields"] == ["title", "topics", "abstract"]


def test_search_files_are_fingerprinted_and_referenced_from_the_manifest(shipped_site):
    search = shipped_site / "search"
    manifest = json.loads((search / "manifest.json").read_text())
    listed = {manifest["index"], *manifest["documents"]["files"]}
    on_disk = {f"search/{p.name}" for p in search.glob("*.json") if p.name != "manifest.json"}
    assert listed == on_disk
    for name in on_disk:
        assert re.fullmatch(r"search/[a-z0-9-]+\.[0-9a-f]{10}\.json", name)


# Sharded indexes: what a large site uses, forced here on the shipped corpus
# with small shards so that queries read only a few of them.

SHARD_QUERIES = [
    "survey", "quantization", "quant*", "title:survey", "+lora -vision", "low-rank adaptation",
    "mixture of experts", "hallucination", "weight decay", "deploying", "lora", "speech synthesis",
    "code", "multilingual transfer", "title:lora +fine", "abstract:benchmark", "instruction tuning",
    # Written as a PDF's ligature, in full-width letters, with accents the papers do not write.
    "\ufb01ne-tuning", "ＬＬＭ ａｇｅｎｔｓ", "tránsfôrmer", "title:\ufb01ne*",
    "agent*", "retrieval augmented generation", "-model", "long context", "1.5", "e.g", "cosyvoice",
    "wechsel", "edkm", "nola", "llm2llm", "pretrain*", "alignment", "data curation", "tokeni*",
    "evaluat*", "lora~1", "*former", "translation^10 speech",
    # Tags (sharded_site's TAGS), written as inline tags are.
    "#routing", "#read_later", "#read-later lora", "+#project/llm -#to-read", "#日本語 survey", "-#routing", "#rout*",
    "+#routing +#to_read survey", "#routing^5 #nosuch",
]


def write_sharded_site(site: Path, documents, shard_target: int) -> Path:
    """The search files of a sharded index, and monolithic.json beside them."""
    pending = PendingSearchIndex(documents, sharded=True, shard_target=shard_target, emit_monolithic=True)
    (site / "monolithic.json").write_bytes(dict(pending.frames())["monolithic"])
    for path, data in pending.result().files.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(data)
    return site


# Tags as readers write them (front matter, inline), given to some papers of
# the sharded site: every fifth has one, two or three of them.
TAGS = ("routing", "Read later", "read_later", "project/llm", "to-read", "日本語")


def with_tags(documents) -> tuple[SearchDocument, ...]:
    return tuple(
        replace(doc, tags=tuple(Link(f"tags/{n}/", TAGS[(n + k) % len(TAGS)]) for k in range(n % 3 + 1)))
        if n % 5 == 0 else doc
        for n, doc in enumerate(documents)
    )


@pytest.fixture(scope="module")
def sharded_site(tmp_path_factory, documents) -> Path:
    return write_sharded_site(tmp_path_factory.mktemp("sharded"), with_tags(documents), shard_target=8_000)


def test_sharded_search_equals_the_monolithic_index(sharded_site, documents):
    assert len(SHARD_QUERIES) >= 30
    typed = [{"q": q, "typing": True} for q in ("hallucina", "trainin", "large hallucina", "quant", "#rout")]
    results = run_queries(sharded_site, [{"q": q} for q in SHARD_QUERIES] + typed, sharded_site / "monolithic.json")
    for entry in results:
        assert entry["error"] is None, entry["q"]
        assert entry["lunr"] == entry["monolithic"], entry["q"]
    # A tag finds the papers that have it, however it is written, as its page lists them.
    tags_of = [{tag.text for tag in doc.tags} for doc in with_tags(documents)]
    found = {entry["q"]: {int(ref) for ref, _score in entry["results"]} for entry in results}
    assert found["#routing"] == {n for n, tags in enumerate(tags_of) if "routing" in tags}
    assert found["#read_later"] == {n for n, tags in enumerate(tags_of) if tags & {"Read later", "read_later"}}
    assert sum(bool(entry["lunr"]) for entry in results) >= 30
    assert [entry["prepared"] for entry in results[-len(typed):]] == [
        "hallucina hallucina* hallucin*", "trainin trainin* train*", "large hallucina hallucina* hallucin*",
        "quant quant*", "tags:rout tags:rout*",
    ]


def generated_queries(documents, count: int, seed: int) -> list[str]:
    """Queries of every shape lunr parses, from the corpus's own words: plain
    words (common, rare, repeated, stop words), prefixes, fields, boosts,
    required, prohibited and fuzzy terms, in random combinations."""
    rng = random.Random(seed)
    words = sorted({word for doc in documents for word in tokens(doc) if re.fullmatch(r"[a-z][a-z0-9]+", word)})
    common = ["model", "models", "language", "large", "learning", "the", "of", "data", "training", "llm"]
    fields = ["title", "topics", "abstract"]

    def term() -> str:
        word = rng.choice(common) if rng.random() < 0.4 else rng.choice(words)
        shape = rng.random()
        if shape < 0.15:
            return word[: rng.randint(2, 5)] + "*"
        if shape < 0.3:
            return f"{rng.choice(fields)}:{word}"
        if shape < 0.4:
            return f"{word}^{rng.randint(2, 10)}"
        if shape < 0.45:
            return f"{word}~1"
        return word

    queries = []
    for _ in range(count):
        clauses = []
        for _ in range(rng.randint(1, 4)):
            mark = rng.choices(["", "+", "-"], weights=[6, 2, 2])[0]
            clauses.append(mark + term())
        queries.append(" ".join(clauses))
    return queries


# Shapes generated_queries does not make: wildcards leading, inside and
# alone, fuzzy words whose first letter an edit changes (every shard is read),
# zero and fractional boosts, contradictions, punctuation, Unicode, stop
# words, query syntax left dangling, odd whitespace.
ODD_SHAPES = [
    "*former", "tr*ing", "*", "**", "*ora*", "+*lora", "-*", "lora~2", "ora~1", "bora~1", "a~1", "lo~2", "x~2",
    "survey^0", "+survey^0", "survey^1.5", "+lora -lora", "-title:survey +abstract:lora*", "+title:survey -title:survey",
    "fine-tuning", "gpt-4o", "o1-preview", "c++", '"quoted words"', "π", "café naïve", "日本語", "🚀", "LLM's (LoRA),",
    "100k $100k 3.14", "THE OF", "the", "the lora of", "title:", "lora:", "a:b", "^", "~", "lora~", "lora^",
    " \t lora \u00a0 survey\u3000 ", "constructor __proto__",
]


def test_sharded_search_equals_the_monolithic_index_on_generated_queries(sharded_site, documents):
    # Plus a word met again through another field or another form of it.
    queries = generated_queries(documents, 300, seed=7) + [
        "lora title:lora", "title:model lora abstract:model", "title:model abstract:model model", "model models modeling",
        "+lora +title:lora", "+title:survey +abstract:survey survey",
    ] + ODD_SHAPES
    results = run_queries(sharded_site, [{"q": q} for q in queries], sharded_site / "monolithic.json")
    # None fails: what lunr cannot parse falls back to its plain words, so
    # every query is compared (an error here would hide a difference).
    assert [entry["q"] for entry in results if entry["error"] is not None] == []
    compared = results
    for entry in compared:
        # A query of no searchable word ("🚀", "^") is searched for by neither.
        assert entry["lunr"] == entry.get("monolithic", []), entry["q"]
    negated = [entry for entry in compared if all(word.startswith("-") for word in entry["prepared"].split())]
    assert len(negated) > 10
    many = [entry for entry in compared if len(entry["lunr"]) > 100]
    assert len(many) > 20
    ties = [entry for entry in compared if len({score for _ref, score, _terms in entry["lunr"]}) < len(entry["lunr"])]
    assert len(ties) > 20


def test_sharded_query_reads_only_the_shards_it_needs(sharded_site, documents):
    manifest = json.loads((sharded_site / "search" / "manifest.json").read_text())
    assert len(manifest["shards"]) > 20
    wechsel, without = run_queries(sharded_site, [{"q": "wechsel"}, {"q": "-wechsel"}])
    assert len(without["lunr"]) == len(documents) - len(wechsel["lunr"])
    for entry in (wechsel, without):
        shards_read = [f for f in entry["files"] if "/shard." in f]
        assert len(shards_read) == 1
    read = sum(len(gzip.compress((sharded_site / f).read_bytes())) for f in wechsel["files"])
    total = sum(len(gzip.compress((sharded_site / path).read_bytes())) for _key, path in manifest["shards"])
    assert read < total / 10


def test_shards_partition_the_terms(sharded_site):
    manifest = json.loads((sharded_site / "search" / "manifest.json").read_text())
    keys = [key for key, _path in manifest["shards"]]
    monolithic = json.loads((sharded_site / "monolithic.json").read_text())
    seen: dict[str, str] = {}
    for key, path in manifest["shards"]:
        for term in json.loads((sharded_site / path).read_text()):
            owner = max((k for k in keys if term.startswith(k)), key=len)
            assert owner == key, f"{term!r} is in shard {key!r} but belongs to {owner!r}"
            assert term not in seen
            seen[term] = key
    assert set(seen) == {term for term, _posting in monolithic["invertedIndex"]}


def test_a_shard_prefix_never_ends_inside_a_character_outside_the_bmp(tmp_path):
    # Many words "x𝒪w<n>", a few "x𝔼q<n>": the terms under "x" split by their
    # next character, 𝒪 or 𝔼, both a surrogate pair beginning with the same
    # half. Split after that half, the prefix reached the manifest as
    # "x\ufffd", and the shard of "x𝔼q1" was never read.
    abstracts = [" ".join(f"x\U0001d4aaw{n * 40 + k}" for k in range(40)) for n in range(30)]
    abstracts.append("x\U0001d53cq1 x\U0001d53cq2")
    documents = [SearchDocument(f"p{n}", f"Paper {n}", f"papers/p{n}/", (), (), text, text)
                 for n, text in enumerate(abstracts)]
    site = write_sharded_site(tmp_path, documents, shard_target=2_000)
    (entry,) = run_queries(site, [{"q": "x\U0001d53cq1"}], site / "monolithic.json")
    assert [ref for ref, _score, _terms in entry["monolithic"]] == [str(len(abstracts) - 1)]
    assert entry["lunr"] == entry["monolithic"]
    keys = [key for key, _path in json.loads((site / "search" / "manifest.json").read_text())["shards"]]
    assert not [key for key in keys if "\ufffd" in key]


# A typo → the words searched for instead, as the papers found write them
# (the page names them, and links to them as a query of their own). The
# stemmer cuts no ending with a typo in it: "reasonig" is one letter from
# reasoning, but four from reason, the stem the index holds; and one from
# reasonic, which it also makes reason of. The word in most papers, not in
# most of their fields: "atention" is one letter from agention too (agent,
# in fewer papers, but in a topic's name).
TYPOS = {"hallucnation": "hallucination", "lroa": "lora", "trasnformer": "transformer",
         "mixtrue of experst": "mixture of experts", "reasonig": "reasoning", "alignmnet": "alignment",
         "performace": "performance", "effcient": "efficient", "tokenisation": "tokenization",
         "encodr/decodr": "encoder decoder", "atention": "attention"}


@pytest.mark.parametrize("site", ["single", "sharded"])
def test_a_query_that_finds_nothing_finds_the_papers_of_words_like_its_own(shipped_site, sharded_site, site):
    """Without a file more than the query itself read, and as the monolithic index answers the words found."""
    site = shipped_site if site == "single" else sharded_site
    monolithic = None if site == shipped_site else sharded_site / "monolithic.json"
    typos = run_queries(site, [{"q": q} for q in TYPOS], monolithic)
    direct = run_queries(site, [{"q": q} for q in TYPOS.values()])
    for entry, plain in zip(typos, direct, strict=True):
        assert entry["similar"] and entry["instead"] == plain["q"] and entry["prepared"] == plain["prepared"], entry
        assert entry["results"] == plain["results"] and len(entry["results"]) > 10
        # No index file more than the query's own; the document files of the
        # first results, which the page fetches to show them.
        assert [f for f in entry["files"] if "/documents-" not in f] == plain["files"]
        assert sorted({f for f in entry["files"] if "/documents-" in f}) == plain["documents"]
        assert monolithic is None or entry["lunr"] == entry["monolithic"]
    # Taken as meant: words it holds, the reader's own syntax, words too common, words like none it holds.
    meant = run_queries(site, [{"q": q} for q in ["lora", "+hallucnation", "title:hallucnation", "hallucnation*",
                                                   "-lroa", "lroa^2", "the", "xyzzyq", "hallucnat", "2019", "3.25"]])
    assert [entry["q"] for entry in meant if entry["similar"]] == []
    assert [entry["q"] for entry in meant if entry["results"]] == ["lora", "-lroa"]
    # A stem the stemmer does not leave as it is (diffus is diffu) is searched for by the word it came from.
    typo, word = run_queries(site, [{"q": "diffsion"}, {"q": "diffusion"}])
    assert typo["similar"] and typo["instead"] == "diffusion" and typo["results"] == word["results"] != []


def test_a_word_written_as_one_finds_the_papers_that_write_it_as_two(shipped_site):
    """"zeroshot" found nothing, and no word one letter from it: it is
    searched for as the papers write it, zero-shot, which is named."""
    ones = {"zeroshot": "zero-shot", "selfattention": "self-attention", "incontext": "in-context",
            "LowRank": "low-rank"}
    entries = run_queries(shipped_site, [{"q": q} for q in ones])
    plain = run_queries(shipped_site, [{"q": q} for q in ones.values()])
    for entry, two in zip(entries, plain, strict=True):
        assert entry["similar"] and entry["instead"] == two["q"] and entry["prepared"] == two["prepared"], entry
        assert entry["results"] == two["results"] and len(entry["results"]) > 10
    # Words of none the index holds, and numbers, are not cut.
    assert [entry["q"] for entry in run_queries(shipped_site, [{"q": "zzzqqq"}, {"q": "20192020"}])
            if entry["similar"]] == []


def test_results_show_latex_quotes_as_the_quotes_they_stand_for(documents):
    """The shipped digests write ``knowledge overshadowing'' and `where', as arXiv keeps them."""
    quoted = [doc for doc in documents if "“knowledge overshadowing”" in doc.shown]
    assert len(quoted) == 1 and "“knowledge overshadowing”" in quoted[0].abstract
    assert [doc.title for doc in documents if "`" in doc.shown + doc.abstract] == []


def test_words_of_every_script_are_found(tmp_path):
    # lunr's trimmer keeps only [A-Za-z0-9_] at a word's ends: "π" and "日本語"
    # were no word, so found nothing, and "Émile" was indexed as "mile".
    # A word saved as a letter and a mark (é as e and U+0301, as a Mac may)
    # and the word written composed found each other nowhere; nor did
    # "istanbul" and "İstanbul", which lowercases to i and a dot above.
    # (Accents are folded away: "café" finds "Cafe" too, the shorter title first.)
    titles = ["PanGu-π: Nonlinearity Compensation", "PanGu-α: Chinese Models", "Émile Borel's Paradox",
              "A Mile of Road", "日本語 Benchmarks", "Cafe Tables", "Café (naïve) Bayes",
              "Re\u0301sume\u0301 Parsing", "İstanbul Traffic"]
    documents = [SearchDocument(f"p{n}", title, f"papers/p{n}/", (), (), "", "")
                 for n, title in enumerate(titles)]
    site = write_sharded_site(tmp_path, documents, shard_target=100)
    queries = {"π": [0], "PanGu-α": [1, 0], "α": [1], "émile": [2], "Émile": [2], "mile": [3], "日本語": [4],
               "café": [5, 6], "naïve": [6], "(π)": [0], "cafe\u0301": [5, 6], "re\u0301sume\u0301": [7], "résumé": [7],
               "istanbul": [8], "ISTANBUL": [8], "İSTANBUL": [8], "İstanbul": [8]}
    results = run_queries(tmp_path, [{"q": q} for q in queries], site / "monolithic.json")
    for entry, expected in zip(results, queries.values(), strict=True):
        assert [int(ref) for ref, _score, _terms in entry["lunr"]] == expected, entry["q"]
        assert entry["lunr"] == entry["monolithic"] and not entry["similar"], entry["q"]
    # And each marks the other in titles and excerpts.
    pairs = [["istanbul", titles[8]], ["résumé", titles[7]], ["re\u0301sume\u0301", "Résumé"]]
    marked = search_core(f"{json.dumps(pairs)}.map(([q, text]) => core.highlight(text, core.highlightStems(q))"
                         ".filter((part) => part[1]).map((part) => part[0]))")
    assert marked == [["İstanbul"], ["Re\u0301sume\u0301"], ["Résumé"]]


# Titles as papers write them, with accents (one as e and a separate mark, as
# a Mac may save it), a ligature from a PDF (U+FB01), full-width letters and
# ß; and Hindi, whose vowel marks make other words.
FOLDING_TITLES = [
    "Fréchet Inception Distance Revisited",
    "Frechet Audio Distance for Music",
    "Rényi Divergence Variational Inference",
    "Gödel Machines: Self-Referential Learners",
    "Efficient \ufb01ne-tuning of ＬＬＭ－based Agents",
    "Fine-Tuning Without Labels",
    "Straße: Street-Level Scene Parsing",
    "Naïve Bayes for Re\u0301sume\u0301 Screening",
    "कम संसाधन Translation",
    "काम Benchmarks",
    "Łukasiewicz Logic in Neural Networks",
    "Ørsted Encoders and Œuvre Æsthetics",
]
# A query → the papers it finds (their numbers above), in lunr's order.
FOLDING_QUERIES = {
    "frechet": [0, 1], "Fréchet": [0, 1], "FRÉCHET": [0, 1], "fréch*": [0, 1], "title:fréchet": [0, 1],
    "frechet~1": [0, 1], "renyi": [2], "rényi divergence": [2], "+renyi -godel": [2], "godel": [3], "gödel": [3],
    "fine": [5, 4], "\ufb01ne": [5, 4], "\ufb01ne-tuning": [5, 4], "fine-tuning": [5, 4], "ＦＩＮＥ": [5, 4],
    "llm": [4], "ＬＬＭ": [4], "ＬＬＭ－based": [4], "llm-based": [4], "strasse": [6], "straße": [6], "STRASSE": [6],
    "naive": [7], "naïve": [7], "resume": [7], "résumé": [7], "re\u0301su*": [7], "-frechet": [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    "कम": [8], "काम": [9], "lukasiewicz": [10], "łukasiewicz": [10], "ŁUKASIEWICZ": [10], "orsted": [11],
    "ørsted": [11], "oeuvre": [11], "aesthetics": [11], "æsthetics": [11],
}


def folding_documents() -> list[SearchDocument]:
    abstracts = {0: "The Fréchet distance of two Gaussians, as Fréchet defined it.", 2: "Bounds by Rényi."}
    return [SearchDocument(f"p{n}", title, f"papers/p{n}/", (), (), abstracts.get(n, ""), abstracts.get(n, ""))
            for n, title in enumerate(FOLDING_TITLES)]


def test_the_index_holds_words_without_accents_ligatures_or_full_width_letters():
    request = {"fields": [{"name": "title", "boost": 10}], "sharded": False, "shard_target": 1000,
               "emit_monolithic": False,
               "documents": [{"ref": str(n), "title": title} for n, title in enumerate(FOLDING_TITLES)]}
    terms = [term for term, _posting in json.loads(_node_index(request))["invertedIndex"]]
    assert terms == sorted([
        "frechet", "incept", "distanc", "revisit", "audio", "music", "renyi", "diverg", "variat", "infer",
        "godel", "machin", "self", "referenti", "learner", "effici", "fine", "tune", "llm", "base", "agent",
        "without", "label", "strass", "street", "level", "scene", "pars", "naiv", "bay", "resum", "screen",
        "कम", "संसाधन", "translat", "काम", "benchmark",
        "lukasiewicz", "logic", "neural", "network", "orst", "encod", "oeuvr", "aesthet",
    ])


@pytest.fixture(scope="module")
def folding_site(tmp_path_factory) -> Path:
    # Shards small enough that each word has its own: a query reads the shard of its folded word.
    return write_sharded_site(tmp_path_factory.mktemp("folding"), folding_documents(), shard_target=60)


def test_words_are_found_written_with_or_without_accents_ligatures_or_full_width_letters(folding_site):
    results = run_queries(folding_site, [{"q": q} for q in FOLDING_QUERIES], folding_site / "monolithic.json")
    for entry, expected in zip(results, FOLDING_QUERIES.values(), strict=True):
        assert [int(ref) for ref, _score, _terms in entry["lunr"]] == expected, entry["q"]
        assert entry["lunr"] == entry["monolithic"] and not entry["similar"], entry["q"]
    # "Fréchet" reads the one shard of the words that begin with "fr", which holds frechet.
    shards = {path: key for key, path in json.loads((folding_site / "search" / "manifest.json").read_text())["shards"]}
    assert [shards[path] for path in results[1]["files"] if path in shards] == ["fr"]
    # Being typed too; and a typo is answered with the word as the papers write it most.
    typed = run_queries(folding_site, [{"q": "Fréch", "typing": True}, {"q": "gö", "typing": True}, {"q": "frechte"}])
    assert [[int(ref) for ref, _score in entry["results"]] for entry in typed] == [[0, 1], [3], [0, 1]]
    assert typed[2]["instead"] == "fréchet"


def test_a_word_asked_for_without_its_accents_is_marked_as_written():
    pairs = [["frechet", FOLDING_TITLES[0]], ["Fréchet", FOLDING_TITLES[1]], ["fréch*", FOLDING_TITLES[0]],
             ["fine llm", FOLDING_TITLES[4]], ["strasse", FOLDING_TITLES[6]], ["resume naive", FOLDING_TITLES[7]],
             ["godel", "Gödel's theorem"], ["कम", FOLDING_TITLES[9]], ["lukasiewicz oeuvre", "Łukasiewicz's Œuvre"]]
    marked = search_core(f"{json.dumps(pairs)}.map(([q, text]) => core.highlight(text, core.highlightStems(q))"
                         ".filter((part) => part[1]).map((part) => part[0]))")
    assert marked == [["Fréchet"], ["Frechet"], ["Fréchet"], ["\ufb01ne", "ＬＬＭ"], ["Straße"],
                      ["Naïve", "Re\u0301sume\u0301"], ["Gödel"], [], ["Łukasiewicz", "Œuvre"]]


def test_shards_are_the_same_when_the_monolithic_index_is_not_made(sharded_site, documents):
    # Without it, Node skips the field vectors that only a monolithic index holds.
    alone = PendingSearchIndex(with_tags(documents), sharded=True, shard_target=8_000).result().files
    written = {path.relative_to(sharded_site).as_posix() for path in (sharded_site / "search").iterdir()}
    assert set(alone) == written
    assert all(data == (sharded_site / path).read_bytes() for path, data in alone.items())


def test_sizes_gzip_a_one_file_index_and_count_the_files_of_a_sharded_one(documents):
    single = PendingSearchIndex(documents).result()
    sizes = single.sizes()
    (index,) = single.index_paths
    assert (sizes.index.bytes, sizes.index.files) == (len(single.files[index]), 1)
    assert sizes.index.gzip == len(gzip.compress(single.files[index], compresslevel=6, mtime=0))
    assert sizes.documents.files == len(single.document_paths) > 1 and sizes.documents.gzip is None
    sharded = PendingSearchIndex(documents, sharded=True, shard_target=8_000).result()
    sizes = sharded.sizes()
    assert sizes.index.files == len(sharded.index_paths) > 1 and sizes.index.gzip is None
    assert sizes.documents.files == len(sharded.document_paths) > 1 and sizes.documents.gzip is None
    assert sizes.index.bytes == sum(len(sharded.files[path]) for path in sharded.index_paths)


def test_index_build_is_deterministic(documents):
    first = PendingSearchIndex(documents).result().files
    second = PendingSearchIndex(documents).result().files
    assert first == second


@pytest.mark.parametrize("sharded", [False, True])
def test_index_request_is_the_documents_as_json(documents, sharded):
    from site_builder.search import _write_index_request

    written = io.BytesIO()
    _write_index_request(written, documents, sharded, 1000, False)
    # The shipped papers have no tags: no tags field, which would give every term an empty entry.
    assert json.loads(written.getvalue()) == {
        "fields": [{"name": "title", "boost": 10}, {"name": "topics", "boost": 3}, {"name": "abstract", "boost": 1}],
        "documents": [
            {"ref": str(n), "title": d.title,
             "topics": " ".join(topic.text for topic in d.topics), "abstract": d.abstract}
            for n, d in enumerate(documents)
        ],
        "sharded": sharded, "shard_target": 1000, "emit_monolithic": False,
    }


def _node_index(request: dict) -> bytes:
    done = subprocess.run(
        ["node", str(ROOT / "site_builder" / "js" / "build_index.js")],
        input=json.dumps(request).encode(), capture_output=True, check=True,
    )
    frames = dict(_parse_frames(done.stdout))
    return frames.get("index") or frames.get("reference") or frames["monolithic"]


EDGE_DOCUMENTS = [
    {"ref": "2023", "title": "Numbers 2023 and 0.5B — (1.5, e.g.)", "topics": "", "abstract": "—  -- ... !!"},
    {"ref": "0", "title": "The the THE a an of", "topics": "Agents & Tool Use", "abstract": "constructor __proto__ toString hasOwnProperty"},
    {"ref": "zeta", "title": "Tabs\tand\u00a0non-breaking\u2003spaces", "topics": "Speech", "abstract": "surveys surveyed deploying keys replay decay"},
    {"ref": "alpha", "title": "PanGu-π: Greek π and emoji 😀", "topics": "Code", "abstract": "Émile's café, naïve (日本語). ‹α›"},
    {"ref": "10", "title": "Low-Rank Adaptation (LoRA) of LLMs", "topics": "Parameter-efficient fine-tuning", "abstract": "LoRA lora LORA low-rank low rank"},
    {"ref": "é", "title": "Fréchet \ufb01ne-tuning of ＬＬＭ－based Straße", "topics": "", "abstract": "Gödel's Re\u0301sume\u0301, İstanbul ¨a हिन्दी"},
]


@pytest.mark.parametrize("numeric_refs", [False, True])
def test_fast_builder_writes_exactly_what_lunr_builder_writes(documents, numeric_refs):
    """build_index.js builds without lunr.Builder for speed; its output must be
    byte-identical to lunr.Builder's on the shipped corpus and on edge cases."""
    fields = [{"name": "title", "boost": 10}, {"name": "topics", "boost": 3}, {"name": "abstract", "boost": 1}]
    shipped = [
        {"ref": str(i) if numeric_refs else doc.slug, "title": doc.title,
         "topics": " ".join(topic.text for topic in doc.topics), "abstract": doc.abstract}
        for i, doc in enumerate(documents)
    ]
    for docs in (shipped, EDGE_DOCUMENTS):
        request = {"fields": fields, "documents": docs, "sharded": False, "shard_target": 1000,
                   "emit_monolithic": False}
        assert _node_index(request) == _node_index({**request, "reference": True})


def test_a_failed_index_build_fails_the_same_way_when_asked_again(monkeypatch):
    """The preview memoises the pending index: asking it again after Node
    failed must give Node's error, not a read of files already closed."""
    from site_builder import search
    from site_builder.errors import SourceError

    monkeypatch.setattr(search, "node_executable", lambda: shutil.which("false") or "false")
    pending = PendingSearchIndex([SearchDocument("a", "A", "papers/a/", (), (), "text", "text")])
    for _attempt in range(2):
        with pytest.raises(SourceError, match="building the search index failed"):
            pending.result()


def test_a_cancelled_index_stops_node_and_starts_again_when_asked_for(documents):
    import signal

    pending = PendingSearchIndex(documents)
    pending.cancel()
    assert pending._process.returncode == -signal.SIGKILL  # stopped, not waited for
    assert pending.result().files == PendingSearchIndex(documents).result().files


def break_a_template(project: Path) -> None:
    """Make rendering fail, after the site model started the search index."""
    (project / "my-templates").mkdir()
    (project / "my-templates" / "404.html").write_text("{{ nope.at_all }}\n")
    with (project / "content" / "site.yaml").open("a") as handle:
        handle.write("templates_dir: ../my-templates\n")


def test_a_build_that_fails_after_the_index_started_stops_node(tmp_path, monkeypatch):
    import site_builder.pipeline as pipeline
    from site_builder.errors import SourceError

    shutil.copytree(ROOT / "content", tmp_path / "content")
    break_a_template(tmp_path)
    cancelled: list[PendingSearchIndex] = []

    class Recorded(PendingSearchIndex):
        def cancel(self) -> None:
            super().cancel()
            cancelled.append(self)

    monkeypatch.setattr(pipeline, "PendingSearchIndex", Recorded)
    with pytest.raises(SourceError, match="404.html"):
        make_site(Paths(tmp_path / "content", tmp_path / "_site"))
    (pending,) = cancelled
    assert pending._process.returncode is not None


def test_a_build_after_a_failed_one_starts_the_stopped_index_before_rendering(tmp_path, monkeypatch):
    import site_builder.pipeline as pipeline
    from site_builder.cache import BuildCache
    from site_builder.errors import SourceError

    shutil.copytree(ROOT / "content", tmp_path / "content")
    paths, cache = Paths(tmp_path / "content", tmp_path / "_site"), BuildCache(long_lived=True)
    build_site = pipeline.build_site

    def failing_once_the_index_started(*args, **kwargs):
        def views_made(views):
            args[-1](views)
            raise SourceError("fails while Node surely runs")
        return build_site(*args[:-1], views_made, **kwargs)

    # Failing as soon as Node started, not later: a build that failed after
    # Node had finished would leave a finished index, with nothing to restart.
    monkeypatch.setattr(pipeline, "build_site", failing_once_the_index_started)
    with pytest.raises(SourceError):
        make_site(paths, cache=cache)
    monkeypatch.setattr(pipeline, "build_site", build_site)
    running_while_rendering = []
    render_site = pipeline.render_site

    def rendering(*args, **kwargs):
        (pending,) = [value for key, value in cache._used.items() if key[0] == "search"]
        running_while_rendering.append(not pending._cancelled and pending._process.returncode is None)
        return render_site(*args, **kwargs)

    monkeypatch.setattr(pipeline, "render_site", rendering)
    assert make_site(paths, cache=cache).search.files
    assert running_while_rendering == [True]


def test_a_failed_build_with_the_index_from_the_last_build_reports_its_error(tmp_path):
    """The index then comes from the on-disk cache, finished: nothing to stop."""
    from site_builder.errors import SourceError
    from site_builder.pipeline import build

    shutil.copytree(ROOT / "content", tmp_path / "content")
    paths = Paths(tmp_path / "content", tmp_path / "_site", cache=tmp_path / "cache")
    build(paths)
    break_a_template(tmp_path)
    with pytest.raises(SourceError, match="404.html"):
        build(paths)


def test_node_started_through_a_launcher_that_does_not_exec_it_builds_the_index(monkeypatch, tmp_path):
    """A node on PATH may be a shim that starts the real one as its child
    (Volta's; scoop's on Windows): Node's parent is then the shim, not the
    build, and Node took that for its parent gone and killed itself half a
    second in, failing every build whose index took longer."""
    from site_builder import search

    (tmp_path / "slow.js").write_text(
        "const parse = JSON.parse;\n"
        "JSON.parse = (...args) => { const end = Date.now() + 1500; while (Date.now() < end); return parse(...args); };\n"
    )
    shim = tmp_path / "node"
    shim.write_text(f'#!/bin/sh\n"{shutil.which("node")}" --require "{tmp_path / "slow.js"}" "$@"\nexit $?\n')
    shim.chmod(0o755)
    monkeypatch.setattr(search, "node_executable", lambda: str(shim))
    assert PendingSearchIndex([SearchDocument("a", "A", "papers/a/", (), (), "text", "text")]).result().files


@pytest.mark.parametrize(
    "written", ["half", "header-only", "half-a-header", "nothing", "nothing-sharded", "one-shard-of-two"],
)
def test_an_index_cut_short_by_a_full_temp_directory_is_an_error_not_a_broken_index(monkeypatch, tmp_path, written):
    """Node writes the index to a temporary file (TMPDIR, /tmp); with little
    room there, its write stops short, unsaid, and it exits 0: the build
    published an index of 16 KiB instead of 1 MB, whose searches found
    next to nothing (tried with TMPDIR on a tmpfs of 640 KB), or, cut in a
    frame's header, ended in a ValueError traceback. With no room at all
    (or cut where a frame ends), a sharded site got no index or part of
    its shards, unsaid, and a single index was a ValueError traceback."""
    from site_builder import search

    document = SearchDocument("a", "A", "papers/a/", (), (), "text", "text")
    sharded = written in ("nothing-sharded", "one-shard-of-two")
    whole = PendingSearchIndex([document], sharded=sharded).result()
    frames = {"half": 'index 1000\\n{"version":"2.3.9","fie', "header-only": "index 1000", "half-a-header": "ind",
              "nothing": "", "nothing-sharded": "", "one-shard-of-two": "shard:a 2\\n{}"}
    cut_short = tmp_path / "node"
    cut_short.write_text(f"#!/bin/sh\ncat >/dev/null\nprintf '{frames[written]}'\n")
    cut_short.chmod(0o755)
    monkeypatch.setattr(search, "node_executable", lambda: str(cut_short))
    with pytest.raises(SourceError) as raised:
        PendingSearchIndex([document], sharded=sharded).result()
    assert str(raised.value).startswith(
        f"{tempfile.gettempdir()}: building the search index failed: its output ends part way through"
    ), str(raised.value)
    assert whole.files  # the output whole still reads
