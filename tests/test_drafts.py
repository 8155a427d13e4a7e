"""`draft: true` in a paper file leaves the paper off the site, and its file
where it is, so that the digests do not bring it back."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from site_builder.errors import SourceError
from site_builder.papers import misspelt_keys, parse_paper
from site_builder.pipeline import Paths, build
from site_builder.preview import Preview
from files import snapshot

ROOT = Path(__file__).resolve().parent.parent
# A paper of two digests, with a link in its abstract and related papers.
SLUG = "flm-101b-an-open-llm-and-how-to-train-it-with-100k-budget"
TITLE = "FLM-101B: An Open LLM and How to Train It with $100K Budget"


def paper_text(front: str = "") -> str:
    return f"---\ntitle: A paper\ndates: [2025-03-18]\n{front}---\n\nAn abstract.\n"


@pytest.mark.parametrize("front, draft", [
    ("", False), ("draft: true\n", True), ("draft: false\n", False), ("draft: yes\n", True), ("draft:\n", False),
])
def test_a_paper_is_a_draft_only_when_its_front_matter_says_draft_true(front, draft):
    assert parse_paper(paper_text(front), Path("a-paper.md")).draft is draft


@pytest.mark.parametrize("value", ["'no'", "1", "[true]", "'true'"])
def test_a_draft_that_is_not_true_or_false_is_an_error_at_its_line(value):
    with pytest.raises(SourceError) as info:
        parse_paper(paper_text(f"topics: [x]\ndraft: {value}\n"), Path("a-paper.md"))
    assert (info.value.line, info.value.hint) == (5, "write draft: true, or remove the line")
    assert info.value.message.startswith("draft must be true or false, not ")


@pytest.mark.parametrize("key", ["Draft", "DRAFT", "Starred", "Tags", "Title"])
def test_a_key_the_build_reads_spelt_in_another_case_is_an_error(key):
    """'Draft: true' was a key of one's own: the paper stayed published."""
    with pytest.raises(SourceError) as info:
        parse_paper(f"---\ntitle: A paper\n{key}: true\n---\n\nAn abstract.\n", Path("a-paper.md"))
    assert (info.value.line, info.value.hint) == (3, f"write {key.lower()}: in lower case")
    assert info.value.message == f"{key!r} is read as a key of your own, not as {key.lower()!r}: keys are told apart by case"


@pytest.mark.parametrize("key", ["\xa0draft", "draft\xa0", "\u3000tags"])
def test_a_key_the_build_reads_with_a_pasted_space_beside_it_is_an_error(key):
    """A no-break space pasted before 'draft' made it a key of one's own: the paper stayed published."""
    with pytest.raises(SourceError) as info:
        parse_paper(f"---\ntitle: A paper\n{key}: true\n---\n\nAn abstract.\n", Path("a-paper.md"))
    known = key.strip()
    assert (info.value.line, info.value.hint) == (3, f"type {known}: again, at the start of its line")
    assert info.value.message == f"{key!r} is read as a key of your own, not as {known!r}: a space beside it is not a plain one"


@pytest.mark.parametrize("line, of_a_digest, meant", [
    ("darft: true", True, "draft"), ("drafts: true", True, "draft"), ("stared: true", True, "starred"),
    ("Stared: true", True, "starred"), ("taggs: [later]", True, "tags"), ("tgas: later", True, "tags"),
    ("aliase: [old-name]", True, "aliases"), ("arxive: '2503.12345'", True, "arxiv"),
    ("date: 2025-03-18", False, "dates"), ("topic: [agents]", False, "topics"), ("link: [https://x.org/]", False, "links"),
    # Keys of one's own: no true or false for starred, ingest's keys in a digest's paper, nothing near.
    ("started: 2026-01-01", True, None), ("drafted: 2026-01-01", True, None), ("date: 2025-03-18", True, None),
    ("link: [https://x.org/]", True, None), ("tagline: A phrase", True, None), ("rating: 4", True, None),
    # Beside the key it is near: an Obsidian template's "date:" in every note, a "tagz:" of one's own.
    ("date: 2024-01-05\ndates: [2025-03-18]", False, None), ("tags: [moe]\ntagz: single", True, None),
])
def test_a_key_of_ones_own_that_is_a_key_the_build_reads_misspelt_is_a_warning_at_its_line(line, of_a_digest, meant):
    """'darft: true' published the paper it was to hide, 'stared: true' starred
    nothing, and a Hugo user's 'date:' dated nothing, each without a word."""
    paper = parse_paper(f"---\ntitle: A paper\n{line}\n---\n\nAn abstract.\n", Path("a-paper.md"))
    warnings = misspelt_keys(paper, of_a_digest)
    if meant is None:
        assert warnings == []
        return
    key = line.partition(":")[0]
    assert [(w.message, w.line, w.hint) for w in warnings] == [(
        f"{key!r} is read as a key of your own, not as {meant!r}", 3,
        f"did you mean {meant}:? if it is a key of your own, rename it, and this warning goes",
    )]


def test_a_build_warns_of_a_misspelt_draft_and_publishes_the_paper(content, tmp_path):
    path = mark_draft(content)
    path.write_text(path.read_text(encoding="utf-8").replace("\ndraft: true\n", "\ndarft: true\n"), encoding="utf-8")
    report = build(Paths(content, tmp_path / "site"), workers=1)
    line = path.read_text(encoding="utf-8").splitlines().index("darft: true") + 1
    assert f"{path}:{line}: 'darft' is read as a key of your own, not as 'draft'" in [
        f"{w.path}:{w.line}: {w.message}" for w in report.warnings
    ]
    assert (tmp_path / "site" / "papers" / SLUG / "index.html").is_file()


def mark_draft(content: Path, slug: str = SLUG, draft: str = "true") -> Path:
    path = content / "papers" / f"{slug}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n---\n", f"\ndraft: {draft}\n---\n", 1), encoding="utf-8")
    return path


@pytest.fixture
def content(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "content"


def test_a_draft_is_on_no_page_list_feed_sitemap_or_search_and_its_file_is_kept(content, tmp_path):
    site_yaml = content / "site.yaml"  # an absolute address, for a sitemap
    site_yaml.write_text(site_yaml.read_text().replace("base_url: /\n", "base_url: https://example.org/atlas/\n"))
    full = build(Paths(content, tmp_path / "full"), workers=1)
    path = mark_draft(content)
    kept = path.read_bytes()
    report = build(Paths(content, tmp_path / "site"), workers=1)
    assert path.read_bytes() == kept, "ingest left the draft's file as it was"
    assert (report.site.papers, report.site.drafts) == (full.site.papers - 1, 1)
    site = snapshot(tmp_path / "site")
    before = snapshot(tmp_path / "full")
    assert f"papers/{SLUG}/index.html" in before and f"papers/{SLUG}/index.html" not in site
    # Its address and its title are nowhere: not in the A–Z list, the topics',
    # dates' and months' lists, the home page, related papers, feeds, the sitemap
    # or the search index and its documents.
    showed = {name for name, data in before.items() if SLUG.encode() in data}
    assert {"papers/index.html", "sitemap.xml", "dates/2025-03-18/index.html", "topics/pretraining/index.html"} <= showed
    assert any(name.startswith("search/") for name in showed) and any(name.endswith(".xml") for name in showed - {"sitemap.xml"})
    assert [name for name, data in site.items() if SLUG.encode() in data or b"FLM-101B: An Open" in data] == []
    # Counts leave it out too: the dates' count, for one.
    assert b"82 papers" in before["dates/2025-03-18/index.html"]
    assert b"81 papers" in site["dates/2025-03-18/index.html"]


def test_the_build_summary_says_how_many_drafts_were_left_off(content, tmp_path):
    mark_draft(content)
    run = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "build", "--content", str(content), "--out", str(tmp_path / "site")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert "  357 papers (1 draft left off) · 31 topics · " in run.stdout


def test_a_cached_build_after_marking_or_unmarking_a_draft_equals_a_clean_one(content, tmp_path):
    paths = Paths(content, tmp_path / "site", cache=tmp_path / ".atlas-cache")
    build(paths)
    original = snapshot(paths.out)
    path = mark_draft(content)
    assert not build(paths).skipped
    shutil.copytree(content, tmp_path / "copy")
    build(Paths(tmp_path / "copy", tmp_path / "clean"), workers=1)
    assert snapshot(paths.out) == snapshot(tmp_path / "clean") != original
    path.write_text(path.read_text(encoding="utf-8").replace("draft: true\n", "draft: false\n"), encoding="utf-8")
    assert not build(paths).skipped
    assert snapshot(paths.out) == original


def test_the_preview_takes_a_paper_off_when_it_is_marked_a_draft(content, tmp_path):
    paths = Paths(content, tmp_path / "site")
    preview = Preview(paths, log=lambda line: None)
    assert preview.build()
    assert (paths.out / "papers" / SLUG / "index.html").exists()
    path = mark_draft(content)
    assert preview.build((path.name,), (path,))
    preview.finish()
    assert not (paths.out / "papers" / SLUG / "index.html").exists()
    build(Paths(content, tmp_path / "clean"), cache=None)
    assert snapshot(paths.out) == snapshot(tmp_path / "clean")


def test_a_draft_listed_again_by_a_new_digest_gains_the_date_and_stays_a_draft(content, tmp_path):
    path = mark_draft(content)
    (content / "digests" / "2025-03-20.txt").write_text(
        f"Daily Papers\n\nMar 20\n\n{TITLE}\n\nThe abstract again.\n\nA Wholly New Paper\n\nNew work.\n"
    )
    report = build(Paths(content, tmp_path / "site"), workers=1)
    text = path.read_text(encoding="utf-8")
    assert "dates: [2025-03-17, 2025-03-18, 2025-03-20]" in text and "\ndraft: true\n" in text
    assert report.site.drafts == 1 and report.plan.new_papers == 1
    site = snapshot(tmp_path / "site")
    assert b"A Wholly New Paper" in site["dates/2025-03-20/index.html"]
    assert [name for name, data in site.items() if SLUG.encode() in data] == []
