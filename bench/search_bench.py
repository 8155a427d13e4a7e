"""First-query cost of search in headless Chromium: bytes and milliseconds.

For each query a fresh browser context (empty cache) opens the search page
and submits the query, as Enter does; we record the time from the search call
to lunr's answer (the status set) and to the first results on screen
(``performance.measure`` entries the page makes; a query that finds nothing,
which has none, is measured to its answer) and what the query downloaded: the search data (manifest, index shards,
document chunks) and the scripts, each as gzip bytes, which is what a
static host such as GitHub Pages sends.

    python bench/search_bench.py SITE_DIR [--prefix /] [--queries q1,q2,...]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from site_builder.weight import gzip_size  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
DEFAULT_QUERIES = (
    "survey", "quantization", "low-rank adaptation", "mixture of experts", "hallucination",
    "large language models", "title:survey", "+lora -vision", "quant*", "agent", "-model", "model",
)


@contextlib.contextmanager
def _serve(site: Path):
    """A static file server in its own process, so that serving the files
    does not compete with the browser driver for this process's GIL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        origin = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(origin + "/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield origin
    finally:
        server.terminate()
        server.wait()


@functools.lru_cache(maxsize=None)
def _gzip_size(path: Path) -> int:
    return gzip_size(path.read_bytes())


def measure(site: Path, queries=DEFAULT_QUERIES, prefix: str = "/") -> list[dict]:
    """One row per query: ms to the answer and to first results (None when it
    found nothing), gzip KB of search data and scripts, result count, status."""
    from playwright.sync_api import sync_playwright

    rows = []
    with _serve(site) as origin, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        for query in queries:
            context = browser.new_context(bypass_csp=True)  # lets the bench poll with evaluate
            page = context.new_page()
            fetched: list[str] = []
            page.on("response", lambda response: fetched.append(urlparse(response.url).path))
            page.goto(origin + prefix + "search/")
            page.wait_for_selector("#search-status:has-text('Type to search')")
            # The query as submitted with Enter; typing it key by key would
            # also run the searches-as-you-type, each of which could be the
            # one measured.
            page.evaluate(
                "q => { const box = document.getElementById('site-search');"
                " box.value = q; box.form.requestSubmit(); }", query)
            # Answered (the status is set with it), then, for a query that
            # found something, its first results on screen: a query that finds
            # nothing has none to wait for.
            page.wait_for_function(
                "() => performance.getEntriesByName('atlas-answer').length > 0", polling=10)
            # (A site built before the answer said its count has no detail: waited for results.)
            answer_ms, results = page.evaluate(
                "(() => { const entry = performance.getEntriesByName('atlas-answer')[0];"
                " return [entry.duration, entry.detail ? entry.detail.results : null]; })()")
            ms = None
            if results != 0:
                page.wait_for_function(
                    "() => performance.getEntriesByName('atlas-search').length > 0", polling=10)
                ms = page.evaluate("performance.getEntriesByName('atlas-search')[0].duration")
            count = page.locator("#search-status").inner_text()
            context.close()
            # Everything search fetched for this first query, the manifest included.
            data = sorted({p for p in fetched if "/search/" in p and p.endswith(".json")})
            rows.append({
                "query": query,
                "ms": ms,
                "answer_ms": answer_ms,
                "search_kb": sum(_gzip_size(site / unquote(p)[len(prefix):]) for p in data) / 1024,
                "files": len(data),
                "results": results,
                "status": count,
            })
        browser.close()
    script_kb = sum(_gzip_size(p) for p in sorted((site / "static").glob("*.js"))) / 1024
    for row in rows:
        row["scripts_kb"] = script_kb
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| query | answer (ms) | first results shown (ms) | search data (KB gzip) | files | "
             "+ scripts (KB gzip) |",
             "|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        # A query that finds nothing shows no results: its status instead.
        shown = f"{row['ms']:.0f}" if row["ms"] is not None else f"none: {row['status']}"
        lines.append(f"| `{row['query']}` | {row['answer_ms']:.0f} | {shown} | "
                     f"{row['search_kb']:.0f} | {row['files']} | {row['scripts_kb']:.0f} |")
    answer = [row["answer_ms"] for row in rows]
    ms = [row["ms"] for row in rows if row["ms"] is not None]
    kb = [row["search_kb"] + row["scripts_kb"] for row in rows]
    shown = f"{statistics.median(ms):.0f} / {max(ms):.0f}" if ms else "–"
    lines.append(f"| **median / max** | {statistics.median(answer):.0f} / {max(answer):.0f} | "
                 f"{shown} | | | "
                 f"total {statistics.median(kb):.0f} / {max(kb):.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built site directory")
    parser.add_argument("--prefix", default="/", help="the base path the site was built for")
    parser.add_argument("--queries", help="comma-separated queries (default: a fixed table)")
    args = parser.parse_args(argv)
    queries = tuple(q.strip() for q in args.queries.split(",")) if args.queries else DEFAULT_QUERIES
    print(table(measure(args.site, queries, args.prefix)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
