"""The benchmark's corpus generator and a small benchmark run (speed itself is not asserted)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.corpus import generate, write_corpus
from site_builder.digest_files import load_digests
from site_builder.papers import merge_entries

ROOT = Path(__file__).resolve().parent.parent


def test_the_same_size_and_seed_give_the_same_digests_byte_for_byte():
    assert generate(120) == generate(120)
    assert generate(120, seed=7) != generate(120)


def test_a_corpus_holds_the_requested_papers_and_parses_without_warnings(tmp_path):
    content = write_corpus(95, tmp_path / "content")
    digests = load_digests(content / "digests")
    assert all(not digest.warnings for digest in digests)
    merged = merge_entries(digests)
    assert len(merged.records) == 95
    assert not merged.warnings
    # Some papers come back in a later digest, as in the real ones, and are merged.
    assert sum(len(digest.entries) for digest in digests) > 95
    assert any(len(record.dates) > 1 for record in merged.records)


def test_digests_are_daily_files_whose_date_line_matches_the_name(tmp_path):
    content = write_corpus(100, tmp_path / "content")
    names = sorted(path.name for path in (content / "digests").glob("*.txt"))
    assert names == ["2024-01-01.txt", "2024-01-02.txt", "2024-01-03.txt", "2024-01-04.txt"]
    for digest in load_digests(content / "digests"):
        assert digest.date == dt.date.fromisoformat(digest.path.stem)
        assert 1 <= len(digest.entries) <= 31


def test_twenty_thousand_papers_span_about_two_years():
    names = sorted(generate(20_000))
    first, last = (dt.date.fromisoformat(name.removesuffix(".txt")) for name in (names[0], names[-1]))
    assert len(names) == 667
    assert 600 <= (last - first).days <= 760


def test_a_small_benchmark_run_prints_a_markdown_table():
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "50"]
    with_hugo = shutil.which("hugo") is not None
    if not with_hugo:
        # CI installs Hugo (.ci/run), so the comparison README reports cannot rot unseen.
        assert not os.environ.get("CI"), "CI must run the Hugo comparison: apt-get install hugo"
        command.append("--no-hugo")
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-3].startswith("| papers | first build (ingest) | full build | Hugo |")
    assert re.fullmatch(r"\|(---\|)+", lines[-2])
    row = lines[-1].split("|")
    assert row[1].strip() == "50"
    assert re.fullmatch(r" \d+\.\d s ", row[3])  # the full build
    if with_hugo:  # run, and (bench/run.py checks) with a page for every paper and topic
        assert re.fullmatch(r" \d+\.\d s ", row[4]) and re.fullmatch(r" \d+\.\d\d ", row[5])
    assert re.fullmatch(r" \d+ MB ", row[10])  # peak memory
    assert re.fullmatch(r" \d+ MB ", row[11])  # the preview server's
    assert re.fullmatch(r" read \d+% · model \d+% · render \d+% · search \d+% · write \d+% ", row[12])
    assert re.fullmatch(r" \d+\.\d s ", row[13]) and re.fullmatch(r" \d+\.\d s ", row[14])  # a day's digest, preview start


def test_the_benchmark_stops_when_hugo_left_pages_out(tmp_path):
    from bench.run import check_same_pages

    def site(root: Path, papers: list[str], topics: list[str]) -> Path:
        for name in [f"papers/{paper}" for paper in papers] + [f"topics/{topic}" for topic in topics]:
            (root / name).mkdir(parents=True)
            (root / name / "index.html").write_text("<p>")
        return root

    ours = site(tmp_path / "ours", ["a", "b"], ["agents", "vision"])
    check_same_pages(site(tmp_path / "hugo", ["a", "page", "page/2"], ["agents", "vision"]), ours, 2)  # "page": a slug
    with pytest.raises(SystemExit, match="pages for 1 of 2 papers"):
        check_same_pages(site(tmp_path / "hugo-short", ["a"], ["agents", "vision"]), ours, 2)
    with pytest.raises(SystemExit, match="topics"):
        check_same_pages(site(tmp_path / "hugo-untagged", ["a", "b"], ["agents"]), ours, 2)
