"""Deterministic benchmark corpora in the Daily Papers digest format.

Papers are recombined from the shipped digests: each abstract is a random run
of sentences from the shipped abstracts, each title a random run of words
from the shipped titles (every title distinct). About thirty papers a day go
into one ``YYYY-MM-DD.txt`` digest per day, so 20,000 papers span about two
years, as a reader's collection would. The same N and seed always give the
same files, byte for byte.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from site_builder.digest_files import load_digests  # noqa: E402
from site_builder.papers import title_key  # noqa: E402

SHIPPED = ROOT / "content"
PAPERS_PER_DAY = 30
START = dt.date(2024, 1, 1)
# Every fiftieth entry lists a paper from an earlier day again, as the real
# digests do, so merging across digests is part of what is measured.
REPEAT_EVERY = 50
HEADER = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\n"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass(frozen=True)
class Pools:
    sentences: tuple[str, ...]
    title_words: tuple[str, ...]


def load_pools(content: Path = SHIPPED) -> Pools:
    digests = load_digests(content / "digests", 2025)
    sentences: dict[str, None] = {}
    words: dict[str, None] = {}
    for digest in digests:
        for entry in digest.entries:
            for sentence in _SENTENCE_END.split(entry.abstract):
                if 20 <= len(sentence) <= 400 and sentence.endswith("."):
                    sentences.setdefault(sentence)
            for word in entry.title.split():
                words.setdefault(word.strip(":,."))
    return Pools(tuple(sentences), tuple(w for w in words if w))


def _title(rng: random.Random, pools: Pools) -> str:
    words = rng.sample(pools.title_words, rng.randint(4, 9))
    if rng.random() < 0.4:
        words[0] = words[0] + ":"
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words)


def _abstract(rng: random.Random, pools: Pools) -> str:
    return " ".join(rng.sample(pools.sentences, rng.randint(4, 9)))


def generate(n: int, seed: int = 2024, pools: Pools | None = None) -> dict[str, str]:
    """The digests for ``n`` distinct papers: file name → text."""
    pools = pools or load_pools()
    rng = random.Random(f"{seed}:{n}")
    seen: set[str] = set()
    papers: list[tuple[str, str]] = []
    while len(papers) < n:
        title = _title(rng, pools)
        key = title_key(title)
        if key not in seen and len(title) < 150:
            seen.add(key)
            papers.append((title, _abstract(rng, pools)))
    digests: dict[str, str] = {}
    for day, first in enumerate(range(0, n, PAPERS_PER_DAY)):
        date = START + dt.timedelta(days=day)
        entries = papers[first : first + PAPERS_PER_DAY]
        if first:
            repeats = [rng.randrange(first) for _ in range(len(entries) // REPEAT_EVERY + 1)]
            entries = entries + [papers[index] for index in repeats if papers[index] not in entries]
        body = "\n\n".join(f"{title}\n\n{abstract}" for title, abstract in entries)
        digests[f"{date.isoformat()}.txt"] = f"{HEADER}{date:%b} {date.day}\n\n{body}\n"
    return digests


def write_corpus(n: int, content: Path, seed: int = 2024, pools: Pools | None = None) -> Path:
    """A content directory with the shipped site.yaml and topics.yaml and ``n``
    papers' digests; no paper files yet (the first build ingests them)."""
    digests_dir = content / "digests"
    digests_dir.mkdir(parents=True, exist_ok=True)
    for name in ("site.yaml", "topics.yaml"):
        shutil.copyfile(SHIPPED / name, content / name)
    for name, text in generate(n, seed, pools).items():
        (digests_dir / name).write_text(text, encoding="utf-8")
    return content


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a benchmark corpus of N papers.")
    parser.add_argument("n", type=int)
    parser.add_argument("content", type=Path, help="content directory to create")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    write_corpus(args.n, args.content, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
