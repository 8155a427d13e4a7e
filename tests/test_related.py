"""Related papers: TF-IDF signatures compared through an inverted index."""

from __future__ import annotations

import html
import io
import pickle
import random
import re
import sys

import pytest

from site_builder import related
from site_builder.related import Vocabulary, related_by_terms, related_indices, word_counts
from site_builder.site import find_related_papers

DOCUMENTS = [
    "Sparse mixture of experts routing: load balancing experts with a router for sparse transformers.",
    "Quantization of weights to four bits: post-training quantization with outlier channels.",
    "Expert routing collapse in sparse mixture of experts, and a router loss that balances experts.",
    "Protein folding with diffusion: structure generation for proteins by denoising diffusion.",
    "Outlier-aware quantization of activations and weights to low bits after training.",
    "Denoising diffusion for protein structure design and protein folding benchmarks.",
]


def test_papers_sharing_distinctive_words_are_related():
    result = related_indices(DOCUMENTS, count=1)
    assert result == ((2,), (4,), (0,), (5,), (1,), (3,))


def test_the_most_similar_comes_first_and_a_paper_is_never_its_own_relative():
    result = related_indices(DOCUMENTS)
    for index, others in enumerate(result):
        assert index not in others
        assert len(others) == len(set(others)) <= 5
    assert result[0][0] == 2


def test_papers_with_no_word_in_common_have_no_related_papers():
    assert related_indices(["alpha beta gamma", "delta epsilon zeta", "eta theta iota"]) == ((), (), ())


def test_a_single_paper_or_none_has_no_related_papers():
    assert related_indices([]) == ()
    assert related_indices(["just one paper about routing"]) == ((),)


def test_stop_words_alone_do_not_relate_papers():
    assert related_indices(["we propose a new method for the task", "we propose a method for this"]) == ((), ())


def test_equal_scores_keep_the_earlier_paper():
    documents = ["tokenizer merges", "tokenizer merges", "tokenizer merges", "tokenizer merges"]
    assert related_indices(documents, count=2) == ((1, 2), (0, 2), (0, 1), (0, 1))


def test_result_does_not_depend_on_the_hash_seed_or_run():
    rng = random.Random(7)
    words = [f"term{n}" for n in range(300)]
    documents = [" ".join(rng.choices(words, k=40)) for _ in range(200)]
    first = related_indices(documents)
    assert related_indices(list(documents)) == first
    assert sum(len(others) == 5 for others in first) > 150


def test_which_id_a_word_gets_changes_no_result():
    # Few words, so that papers share many and their weights often tie.
    rng = random.Random(11)
    words = [f"term{n}" for n in range(120)]
    documents = [" ".join(rng.choices(words, k=rng.randint(3, 30))) for _ in range(300)]
    expected = related_indices(documents)
    # Numbered as the preview's vocabulary may have them: after words of
    # papers since deleted, and in another order.
    vocabulary = Vocabulary()
    vocabulary.terms(word_counts(" ".join([f"gone{n}" for n in range(50)] + sorted(words, reverse=True))))
    terms = [vocabulary.terms(word_counts(document)) for document in reversed(documents)][::-1]
    assert related_by_terms(terms, len(vocabulary)) == expected
    assert sum(len(others) == 5 for others in expected) > 250


def test_candidates_stay_within_a_budget_when_every_paper_shares_a_word(monkeypatch):
    # 300 papers all mention "transformer"; each also shares a rarer word with
    # two neighbours. The common word must not make everything a candidate of
    # everything (which would fill five places), and the rare words must still
    # find the neighbours.
    monkeypatch.setattr(related, "CANDIDATES_PER_PAPER", 8)
    documents = [f"transformer transformer topic{n // 3} topic{n // 3}" for n in range(300)]
    result = related_indices(documents, count=5)
    for index, others in enumerate(result):
        group = {3 * (index // 3) + k for k in range(3)} - {index}
        assert set(others) == group


def test_a_word_in_too_many_signatures_relates_nothing(monkeypatch):
    monkeypatch.setattr(related, "MAX_POSTINGS", 10)
    documents = [f"transformer only{n}" for n in range(20)]
    assert related_indices(documents) == ((),) * 20
    monkeypatch.setattr(related, "MAX_POSTINGS", 20)
    assert all(len(others) == 5 for others in related_indices(documents))


def test_every_shipped_paper_page_lists_related_papers_that_exist(shipped_site):
    pages = sorted((shipped_site / "papers").glob("*/index.html"))
    with_related = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if 'id="related-heading"' not in text:
            continue
        with_related += 1
        section = text.split('id="related-heading"', 1)[1].split("</section>", 1)[0]
        links = re.findall(r'<a href="/atlas/papers/([^/"]+)/">([^<]+)</a>', section)
        assert 1 <= len(links) <= 5
        own_slug = page.parent.name
        for slug, title in links:
            assert slug != own_slug
            target = (shipped_site / "papers" / slug / "index.html").read_text(encoding="utf-8")
            assert f"<h1>{title}</h1>" in target or html.unescape(title) in html.unescape(target)
    assert with_related >= len(pages) - 5


def test_a_rebuild_reuses_related_papers_until_a_title_or_abstract_changes(tmp_path, monkeypatch):
    from site_builder import pipeline
    from site_builder.cache import BuildCache

    calls = []

    def counting(sources):
        calls.append(len(sources))
        return find_related_papers(sources)

    monkeypatch.setattr(pipeline, "find_related_papers", counting)
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    for slug, words in [("moe", "sparse experts routing"), ("moe-2", "experts routing balance"),
                        ("quant", "weight quantization bits")]:
        (papers / f"{slug}.md").write_text(
            f"---\ntitle: {slug}\ndates: [2025-03-18]\ntopics: []\n---\n\nAbout {words}.\n", encoding="utf-8"
        )
    paths = pipeline.Paths(content=tmp_path / "content", out=tmp_path / "_site")
    cache = BuildCache()
    pipeline.make_site(paths, cache=cache)
    (papers / "moe.md").write_text(
        (papers / "moe.md").read_text(encoding="utf-8") + "\n## Notes\n\nRead it.\n", encoding="utf-8"
    )
    built = pipeline.make_site(paths, cache=cache)
    assert calls == [3]
    assert "papers/moe-2/" in built.files["papers/moe/index.html"].decode()
    (papers / "quant.md").write_text(
        "---\ntitle: quant\ndates: [2025-03-18]\ntopics: []\n---\n\nAbout sparse experts routing.\n",
        encoding="utf-8",
    )
    pipeline.make_site(paths, cache=cache)
    assert calls == [3, 3]


def _sources(count: int, seed: int) -> list[tuple[str, str]]:
    """Papers as the model asks for their related ones: (title, abstract)."""
    rng = random.Random(seed)
    words = [f"term{n}" for n in range(400)]
    return [(f"Paper {seed}-{n}", " ".join(rng.choices(words, k=rng.randint(8, 40)))) for n in range(count)]


def _replied_by_a_new_worker(sources: list[tuple[str, str]]):
    """The related papers of ``sources`` from a preview's process started for them."""
    from site_builder.related_worker import RelatedWorker

    worker = RelatedWorker()
    try:
        worker.start(sources)
        return worker.result()
    finally:
        worker.stop()


def test_the_preview_worker_finds_what_a_build_finds_as_papers_come_and_go():
    from site_builder.related_worker import RelatedWorker

    first, more = _sources(300, 1), _sources(30, 2)
    asked = [
        first,
        first + more,  # a digest added
        first[40:] + more,  # one deleted
        list(reversed(first + more)),  # a title changed: the order of all
        first,  # papers it forgot, sent again
    ]
    worker = RelatedWorker()
    try:
        for sources in asked:
            worker.start(sources)
            assert worker.holds(sources)
            assert worker.result() == find_related_papers(sources)
        process = worker._process
    finally:
        worker.stop()
    assert process is not None and process.poll() is not None  # stopped, not left running
    worker.start(first)  # after stop: nothing asked, and the build finds them itself
    assert worker.result() is None and worker._process is None


def test_the_preview_worker_is_sent_and_counts_the_words_of_new_papers_alone(monkeypatch):
    from site_builder import related_worker, site

    sent = []
    send = related_worker._send
    monkeypatch.setattr(related_worker, "_send", lambda request, stream: sent.append(len(request[0])) or send(request, stream))
    first, more = _sources(250, 3), _sources(30, 4)
    worker = related_worker.RelatedWorker()
    try:
        for sources in (first, first + more, first + more):
            worker.start(sources)
            assert worker.result() == find_related_papers(sources)
    finally:
        worker.stop()
    assert sent == [250, 30, 0]

    # And the process counts the words of those alone (here, over a pipe in memory).
    counted = []
    word_counts_here = site.word_counts
    monkeypatch.setattr(site, "word_counts", lambda text: counted.append(text) or word_counts_here(text))
    requests, replies = io.BytesIO(), io.BytesIO()
    send(([(n, source) for n, source in enumerate(first)], list(range(250))), requests)
    send(([(250 + n, source) for n, source in enumerate(more)], list(range(280))), requests)
    requests.seek(0)
    related_worker.serve(requests, replies)
    assert len(counted) == 280
    replies.seek(0)
    assert [pickle.load(replies), pickle.load(replies)] == [find_related_papers(first), find_related_papers(first + more)]


def test_a_preview_worker_that_died_leaves_the_build_to_find_them_and_is_started_again():
    from site_builder.related_worker import RelatedWorker

    sources = _sources(250, 5)
    worker = RelatedWorker()
    try:
        worker.start(sources)
        assert worker._process is not None
        worker._process.kill()
        assert worker.result() is None  # the caller finds them itself
        assert not worker.holds(sources)
        worker.start(sources)  # a new process, sent them all
        assert worker.result() == find_related_papers(sources)
    finally:
        worker.stop()


def test_a_preview_worker_never_stopped_ends_with_its_preview():
    # Tests leave most previews unstopped: each kept a process (40 MB) until
    # the test run ended, subprocess holding its input open.
    import gc

    from site_builder.related_worker import RelatedWorker

    worker = RelatedWorker()
    worker.start(_sources(250, 6))
    process = worker._process
    assert process is not None and worker.result() is not None
    del worker
    gc.collect()
    assert process.wait(10) is not None


def test_stopping_a_preview_waits_for_no_reply_of_its_related_papers_process(monkeypatch):
    # Ctrl+C during a rebuild: the build thread reads a reply (at 20,000
    # papers a second or more away) and stop() waited for it.
    import subprocess
    import sys
    import threading
    import time

    from site_builder.related_worker import RelatedWorker

    popen = subprocess.Popen
    slow = [sys.executable, "-c", "import time; time.sleep(20)"]  # replies to nothing
    monkeypatch.setattr(subprocess, "Popen", lambda command, **options: popen(slow, **options))
    worker = RelatedWorker()
    worker.start(_sources(5, 7))
    results = []
    reading = threading.Thread(target=lambda: results.append(worker.result()))
    reading.start()
    time.sleep(0.3)
    began = time.monotonic()
    worker.stop()
    reading.join()
    assert time.monotonic() - began < 5 and results == [None]


def test_a_preview_stopped_while_its_related_papers_process_starts_leaves_none_running(monkeypatch):
    import subprocess

    from site_builder.related_worker import RelatedWorker

    worker, started, popen = RelatedWorker(), [], subprocess.Popen

    def stopped_meanwhile(command, **options):
        worker.stop()  # by the main thread (Ctrl+C) while the build thread starts the process
        started.append(popen(command, **options))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", stopped_meanwhile)
    worker.start(_sources(5, 8))
    assert worker.result() is None and worker._process is None
    assert started[0].poll() is not None


def test_the_related_papers_process_imports_what_the_server_imports_wherever_it_is_started(tmp_path, monkeypatch):
    # `python -m` puts the working directory first on the path: a project's
    # own json.py, yaml.py or numpy.py was imported there instead, and the
    # process failed on every rebuild, unsaid. The server's is the script's.
    (tmp_path / "numpy.py").write_text("raise ImportError('a module of the project being previewed')\n")
    monkeypatch.chdir(tmp_path)
    sources = _sources(250, 9)
    assert _replied_by_a_new_worker(sources) == find_related_papers(sources)


def test_a_print_in_the_related_papers_process_is_not_read_as_its_reply(monkeypatch):
    # A debug line printed there came before the reply on the same pipe: the
    # process was stopped, and started again and sent every paper on each rebuild.
    import subprocess
    import sys

    printing = [sys.executable, "-c", (
        "import runpy, site_builder.site as site; counts = site.source_word_counts; "
        "site.source_word_counts = lambda source: print('counting', source[0]) or counts(source); "
        "runpy.run_module('site_builder.related_worker', run_name='__main__')"
    )]
    popen = subprocess.Popen
    monkeypatch.setattr(subprocess, "Popen", lambda command, **options: popen(printing, **options))
    sources = _sources(250, 10)
    assert _replied_by_a_new_worker(sources) == find_related_papers(sources)


def _recorded_forks(monkeypatch) -> list:
    """The children the pipeline forks from now on, as it forks them."""
    from site_builder import pipeline

    forked = []

    class Recorded(pipeline.Forked):
        def __init__(self, function):
            super().__init__(function)
            forked.append(self)

    monkeypatch.setattr(pipeline, "Forked", Recorded)
    return forked


def test_a_preview_worker_that_cannot_start_is_given_up_on_and_rebuilds_fork_as_a_build_does(tmp_path, monkeypatch):
    # Started again for each rebuild, sent every paper, it failed each time,
    # and the build thread found them itself; given up on, a child finds them.
    from site_builder import pipeline, related_worker
    from site_builder.cache import BuildCache

    monkeypatch.setattr(related_worker, "_COMMAND", [sys.executable, "-c", "raise SystemExit(1)"])
    started = []
    popen = related_worker.subprocess.Popen
    # (The module's subprocess is everyone's: Node's search index is started through it too.)
    monkeypatch.setattr(related_worker.subprocess, "Popen", lambda args, **k: started.append(args) or popen(args, **k))
    forked = _recorded_forks(monkeypatch)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_ITEMS", 2)
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    paths = pipeline.Paths(content=tmp_path / "content", out=tmp_path / "_site")
    cache, worker = BuildCache(long_lived=True), related_worker.RelatedWorker()
    try:
        for n, words in enumerate(["sparse experts routing", "experts routing balance", "weight quantization bits",
                                   "quantization bits routing", "sparse weight experts"]):
            (papers / f"p{n}.md").write_text(
                f"---\ntitle: p{n}\ndates: [2025-03-18]\ntopics: []\n---\n\nAbout {words}.\n", encoding="utf-8"
            )
            if n < 1:
                continue
            built = pipeline.make_site(paths, cache=cache, workers=2, defer=n > 1, related_worker=worker)
            assert built.site.pages == pipeline.make_site(paths, workers=1).site.pages
        assert started.count(related_worker._COMMAND) == related_worker.GIVE_UP_AFTER and not worker.usable
        assert len(forked) == 4 - related_worker.GIVE_UP_AFTER  # the builds after it was given up on
    finally:
        worker.stop()


def test_a_preview_whose_worker_was_given_up_on_says_so_once(tmp_path, monkeypatch):
    # Given up on, the worker left every rebuild after a new digest slower,
    # and nothing said why.
    from site_builder import pipeline, related_worker
    from site_builder.preview import Preview

    monkeypatch.setattr(related_worker, "_COMMAND", [sys.executable, "-c", "raise SystemExit(1)"])
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_ITEMS", 2)
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    log: list[str] = []
    preview = Preview(pipeline.Paths(content=tmp_path / "content", out=tmp_path / "_site"), log=log.append)
    try:
        for n in range(5):
            paper = papers / f"p{n}.md"
            paper.write_text(f"---\ntitle: p{n}\ndates: [2025-03-18]\ntopics: []\n---\n\nAbout experts {n}.\n")
            if n:
                assert preview.build((paper.name,), (paper,))
        said = [line for line in log if "finds related papers failed" in line]
        assert preview.related.gave_up and len(said) == 1, log
    finally:
        preview.stop()


def test_a_preview_rebuild_whose_worker_died_finds_what_a_clean_build_finds(tmp_path, monkeypatch):
    from site_builder import pipeline
    from site_builder.cache import BuildCache
    from site_builder.related_worker import RelatedWorker

    monkeypatch.setattr(pipeline, "PARALLEL_MIN_ITEMS", 2)
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    for slug, words in [("moe", "sparse experts routing"), ("moe-2", "experts routing balance"),
                        ("quant", "weight quantization bits")]:
        (papers / f"{slug}.md").write_text(
            f"---\ntitle: {slug}\ndates: [2025-03-18]\ntopics: []\n---\n\nAbout {words}.\n", encoding="utf-8"
        )
    paths = pipeline.Paths(content=tmp_path / "content", out=tmp_path / "_site")
    cache, worker = BuildCache(long_lived=True), RelatedWorker()
    try:
        pipeline.make_site(paths, cache=cache, related_worker=worker)
        (papers / "int8.md").write_text(
            "---\ntitle: int8\ndates: [2025-03-19]\ntopics: []\n---\n\nAbout quantization bits routing.\n",
            encoding="utf-8",
        )
        assert worker._process is not None
        worker._process.kill()  # between rebuilds: the next starts another, sent every paper
        built = pipeline.make_site(paths, cache=cache, defer=True, related_worker=worker)
        assert built.site.pages == pipeline.make_site(paths).site.pages
        # Dying in the middle of one: the rebuild finds them itself.
        monkeypatch.setattr(worker, "result", lambda: None)
        (papers / "int4.md").write_text(
            "---\ntitle: int4\ndates: [2025-03-20]\ntopics: []\n---\n\nAbout weight quantization.\n",
            encoding="utf-8",
        )
        built = pipeline.make_site(paths, cache=cache, defer=True, related_worker=worker)
        assert built.site.pages == pipeline.make_site(paths).site.pages
    finally:
        worker.stop()


def test_related_papers_found_in_a_child_equal_those_found_here_and_a_failed_model_reaps_it(
    tmp_path, monkeypatch,
):
    import shutil
    from pathlib import Path

    from site_builder import pipeline
    from site_builder.errors import SourceError

    root = Path(__file__).resolve().parent.parent
    shutil.copytree(root / "content", tmp_path / "content")
    paths = pipeline.Paths(content=tmp_path / "content", out=tmp_path / "_site")
    started = _recorded_forks(monkeypatch)
    forked = pipeline.make_site(paths, workers=2).site.pages
    assert len(started) == 1
    assert forked == pipeline.make_site(paths, workers=1).site.pages
    assert len(started) == 1  # one process: nothing forked

    def failing_model(*args, **kwargs):
        raise SourceError("the model failed before it asked for related papers")

    monkeypatch.setattr(pipeline, "build_site", failing_model)
    with pytest.raises(SourceError, match="model failed"):
        pipeline.make_site(paths, workers=2)
    assert len(started) == 2 and started[1]._child is None  # closed: killed and reaped
