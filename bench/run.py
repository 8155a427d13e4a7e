"""Benchmark: build generated corpora with Paper Atlas and with Hugo, side by side.

For each size N it writes a corpus (bench/corpus.py) into a temporary
directory and measures, each as a separate process (wall time, peak RSS):

- the first build, which also ingests every paper into content/papers/;
- a full build: no .atlas-cache/ and no output directory (as Hugo's run),
  the search index included;
- a rebuild with nothing changed (with the .atlas-cache/ the full build left);
- a build after a new day's digest, as every day's: the second of two such
  builds (the first makes its site anew and keeps the one it replaced, which
  every later build makes its new site out of);
- in the preview server, started on that site and its cache: the time until
  it serves, then a paper's notes saved → its new page served, and a new
  digest added → its papers served (each the median of three tries), and
  the server process's peak memory over them;
- Hugo building the same papers (content/papers/ with a date in the front
  matter) with the minimal layout in bench/hugo/.

Prints a Markdown table. Usage: ``make bench`` or
``python bench/run.py [--sizes 400,4000] [--quick] [--no-hugo]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import Pools, generate, load_pools, write_corpus  # noqa: E402

HUGO_HELP = "Hugo is not installed: on Debian/Ubuntu, apt-get install -y hugo (then run make bench again)"
_TIMINGS = re.compile(r"(\w+) (\d+\.\d+)s")


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    stages: dict[str, float] = field(default_factory=dict)


def run_measured(command: list[str], cwd: Path | None = None) -> tuple[Run, str]:
    """Run a command to its end; its wall time, peak memory (of it and its
    children, from wait4) and the stage timings our build prints. Files the
    steps before wrote are flushed to disk first, so no run pays for another's."""
    os.sync()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    output = process.stdout.read().decode("utf-8", "replace")
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{output}")
    stages = {}
    for line in output.splitlines():
        if "total" in line and "·" in line:
            stages = {name: float(value) for name, value in _TIMINGS.findall(line)}
    return Run(seconds, usage.ru_maxrss / 1024, stages), output


def atlas_build(content: Path, out: Path, *extra: str) -> Run:
    # Not quiet: the summary has the stage timings.
    command = [sys.executable, str(ROOT / "build.py"), "build", "--content", str(content), "--out", str(out)]
    return run_measured(command + list(extra))[0]


# --- Hugo ------------------------------------------------------------------


def hugo_binary() -> str | None:
    return shutil.which("hugo")


def write_hugo_site(papers: Path, site: Path) -> None:
    """The minimal Hugo site (bench/hugo/) with our paper files as its content;
    a ``date`` (the first digest date) is added so Hugo can order them."""
    shutil.copytree(BENCH / "hugo", site)
    target = site / "content" / "papers"
    target.mkdir(parents=True)
    (site / "content" / "papers" / "_index.md").write_text("---\ntitle: All papers\n---\n")
    for path in sorted(papers.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        first_date = re.search(r"^dates: \[(\d{4}-\d{2}-\d{2})", text, re.MULTILINE)
        date = f"date: {first_date.group(1)}\n" if first_date else ""
        (target / path.name).write_text(f"---\n{date}{text[4:]}", encoding="utf-8")


def hugo_build(site: Path, out: Path) -> Run:
    return run_measured([hugo_binary() or "hugo", "--quiet", "--source", str(site), "--destination", str(out)])[0]


def check_same_pages(hugo_out: Path, our_out: Path, n: int) -> None:
    """Stop unless Hugo made a page for every paper and the topic pages ours
    has: a ratio against a build that left pages out would flatter neither."""
    papers = sum(1 for _page in hugo_out.glob("papers/*/index.html"))  # pages of the A–Z list are papers/page/<n>/
    hugo_topics, our_topics = ({path.name for path in (out / "topics").iterdir() if path.is_dir()}
                               for out in (hugo_out, our_out))
    if papers != n or hugo_topics != our_topics:
        raise SystemExit(f"Hugo built pages for {papers:,} of {n:,} papers and topics {sorted(hugo_topics)} "
                         f"where ours has {sorted(our_topics)}: bench/hugo/ no longer matches the paper files")


# --- the preview server ----------------------------------------------------


# Each preview timing is the median of this many tries: one try on a shared
# machine varies by a third.
PROBES = 3


def serve_probe(content: Path, out: Path) -> dict[str, float]:
    """In this process: start the preview server, then time saved notes and
    new digests until the server answers with the new pages (medians)."""
    from site_builder.papers import slug_for
    from site_builder.pipeline import CACHE_DIR, Paths
    from site_builder.serve import PreviewServer

    start = time.perf_counter()
    server = PreviewServer(
        Paths(content, out, cache=out.parent / CACHE_DIR), host="127.0.0.1", port=0, log=lambda message: None,
    )
    server.start()
    started = time.perf_counter() - start
    server.preview.wait_until_saved()  # the cache, when the first build computed anything
    notes, digests = [], []
    try:
        reloads = _Reloads(server.http.server_address[:2])
        papers = sorted((content / "papers").glob("*.md"))
        for probe in range(PROBES):
            # As every measured command: the files written before (the first
            # build, the pages the last try left for later) are flushed first.
            os.sync()
            paper = papers[len(papers) * (probe + 1) // (PROBES + 1)]
            marker = f"bench-note-{time.time_ns()}"
            start = time.perf_counter()
            with paper.open("a", encoding="utf-8") as handle:
                handle.write(f"\n## Notes\n\nA note: {marker}\n")
            notes.append(reloads.served(f"{server.url}papers/{paper.stem}/", marker, start))

            start = time.perf_counter()
            title = write_day(content, dt.date(2099, 12, 31 - probe), marker)
            digests.append(reloads.served(f"{server.url}papers/{slug_for(title)}/", "<h1", start))
            # The next try starts once the pages left for later are rendered,
            # as when someone adds a digest after reading the last one's pages.
            server.preview.wait_until_finished(120)
        reloads.close()
    finally:
        server.stop()
    return {"start": started, "note": statistics.median(notes), "digest": statistics.median(digests)}


def write_day(content: Path, date: dt.date, marker: str) -> str:
    """One more day's digest of thirty papers; the title of its first, new for sure."""
    (text,) = generate(30, seed=time.time_ns()).values()
    paragraphs = text.split("\n\n")
    date_line = paragraphs.index("Jan 1")
    paragraphs[date_line] = f"{date:%b} {date.day}, {date.year}"
    title = paragraphs[date_line + 1] = f"Probe {marker} {paragraphs[date_line + 1]}"
    (content / "digests" / f"{date.isoformat()}.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")
    return title


class _Reloads:
    """The server's reload events, as an open page receives them. A page is
    fetched once per reload, as a browser does: polling it instead would
    take the GIL from the very rebuild being measured."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.connection = http.client.HTTPConnection(*address, timeout=120)
        self.connection.request("GET", "/__atlas/events")
        self.response = self.connection.getresponse()
        self.version = self._next_state()["version"]

    def _next_state(self) -> dict:
        event = None
        while line := self.response.fp.readline().decode("utf-8"):
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:") and event == "state":
                return json.loads(line.removeprefix("data:"))
        raise SystemExit("the preview server closed its event stream")

    def served(self, url: str, text: str, start: float, limit: float = 120.0) -> float:
        """Seconds from ``start`` until a reload's page at ``url`` shows ``text``."""
        while time.perf_counter() - start < limit:
            state = self._next_state()
            if state["version"] > self.version:
                self.version = state["version"]
                with urllib.request.urlopen(url, timeout=30) as response:
                    if text in response.read().decode("utf-8", "replace"):
                        return time.perf_counter() - start
        raise SystemExit(f"{url} did not show {text!r} within {limit:.0f} s")

    def close(self) -> None:
        self.connection.close()


def measure_serve(content: Path, out: Path) -> dict[str, float] | None:
    if not (ROOT / "site_builder" / "serve.py").exists():
        return None
    command = [sys.executable, str(Path(__file__).resolve()), "--serve-probe", str(content), str(out)]
    run, output = run_measured(command)
    # The server ran in the probe's process: its peak is the server's.
    return {**json.loads(output.strip().splitlines()[-1]), "peak_mb": run.peak_mb}


# --- one size --------------------------------------------------------------


@dataclass
class Result:
    n: int
    first: Run
    full: Run
    unchanged: Run
    hugo: Run | None
    serve: dict[str, float] | None
    daily: Run


def bench_size(n: int, work: Path, pools: Pools, with_hugo: bool, with_serve: bool) -> Result:
    content = work / "content"
    write_corpus(n, content, pools=pools)
    out = work / "site"
    first = atlas_build(content, out, "--no-cache")
    # Measured as Hugo is below: no cache and no output directory. Into a
    # new directory, the last one kept: on ext4 without a journal, creating
    # files soon after a large tree was deleted takes several times the
    # kernel time (see README), so nothing is deleted until every size is done.
    if (work / ".atlas-cache").exists():
        raise SystemExit("the first build (--no-cache) left a cache: the full build would not start from nothing")
    full = atlas_build(content, work / "site-full")
    unchanged = atlas_build(content, work / "site-full")
    hugo = None
    if with_hugo:
        write_hugo_site(content / "papers", work / "hugo")
        hugo_build(work / "hugo", work / "hugo-warm")  # warm the disk cache like our first build did
        hugo = hugo_build(work / "hugo", work / "hugo-public")
        check_same_pages(work / "hugo-public", work / "site-full", n)
    for day in (1, 2):  # after Hugo's run, which builds the papers of the full build
        write_day(content, dt.date(2099, 11, day), f"day-{day}")
        daily = atlas_build(content, work / "site-full")
    serve = measure_serve(content, work / "site-full") if with_serve else None
    return Result(n, first, full, unchanged, hugo, serve, daily)


def table(results: list[Result]) -> str:
    header = (
        "| papers | first build (ingest) | full build | Hugo | full ÷ Hugo | nothing changed | ÷ full "
        "| note → served | digest → served | peak RSS | preview peak RSS | full build by stage "
        "| a day's digest | preview start |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for r in results:
        hugo = f"{r.hugo.seconds:.1f} s" if r.hugo else "—"
        ratio = f"{r.full.seconds / r.hugo.seconds:.2f}" if r.hugo else "—"
        serve_note = f"{r.serve['note']:.2f} s" if r.serve else "—"
        serve_digest = f"{r.serve['digest']:.2f} s" if r.serve else "—"
        peak = max(r.first.peak_mb, r.full.peak_mb, r.unchanged.peak_mb, r.daily.peak_mb)
        serve_start = f"{r.serve['start']:.1f} s" if r.serve else "—"
        serve_peak = f"{r.serve['peak_mb']:.0f} MB" if r.serve else "—"
        stages = " · ".join(f"{name} {value / r.full.stages.get('total', 1):.0%}"
                            for name, value in r.full.stages.items() if name != "total")
        lines.append(
            f"| {r.n:,} | {r.first.seconds:.1f} s | {r.full.seconds:.1f} s | {hugo} | {ratio} "
            f"| {r.unchanged.seconds:.2f} s | {r.unchanged.seconds / r.full.seconds:.0%} "
            f"| {serve_note} | {serve_digest} | {peak:.0f} MB | {serve_peak} | {stages} "
            f"| {r.daily.seconds:.1f} s | {serve_start} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="400,4000,20000", help="comma-separated paper counts")
    parser.add_argument("--quick", action="store_true", help="only 400 papers, no preview server timing")
    parser.add_argument("--no-hugo", action="store_true", help="skip Hugo")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    parser.add_argument("--serve-probe", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_probe:
        print(json.dumps(serve_probe(*args.serve_probe)))
        return 0
    sizes = [400] if args.quick else [int(size) for size in args.sizes.split(",") if size.strip()]
    with_hugo = not args.no_hugo and hugo_binary() is not None
    if not args.no_hugo and not with_hugo:
        print(HUGO_HELP, file=sys.stderr)
    pools = load_pools()
    results = []
    works: list[Path] = []
    try:
        for n in sizes:
            works.append(work := Path(tempfile.mkdtemp(prefix=f"atlas-bench-{n}-")))
            print(f"… {n:,} papers in {work}", file=sys.stderr, flush=True)
            results.append(bench_size(n, work, pools, with_hugo, not args.quick))
    finally:
        for work in works if not args.keep else ():
            shutil.rmtree(work, ignore_errors=True)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"Paper Atlas vs Hugo ({_hugo_version() if with_hugo else 'Hugo not run'}), {cores} cores, "
          f"Python {sys.version.split()[0]}\n")
    print(table(results))
    return 0


def _hugo_version() -> str:
    output = subprocess.run([hugo_binary() or "hugo", "version"], capture_output=True, text=True).stdout
    match = re.search(r"v\d+\.\d+\.\d+", output)
    return f"Hugo {match.group(0)}" if match else "Hugo"


if __name__ == "__main__":
    sys.exit(main())
