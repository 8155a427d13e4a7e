#!/usr/bin/env python3
"""Paper Atlas command line: turn paper digests into a static knowledge site."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from site_builder.errors import BuildErrors, SourceError
from site_builder.pipeline import BuildReport, Paths, build, ingest


def _paths(args: argparse.Namespace) -> Paths:
    return Paths(content=Path(args.content), out=Path(args.out))


def _progress(quiet: bool):
    def show(message: str) -> None:
        if not quiet and sys.stderr.isatty():
            print(f"\r\033[K… {message}", end="", file=sys.stderr, flush=True)

    return show


def summarize(report: BuildReport, seconds: float) -> str:
    site = report.site
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(report.site.counts.items()))
    timing = " · ".join(f"{name} {value:.2f}s" for name, value in report.timings.items())
    plan = report.plan
    lines = [
        f"Built {len(site.pages)} pages ({kinds})",
        f"  {len(site.papers)} papers · {len(site.topics)} topics · {len(site.dates)} dates · "
        f"{report.files} files, {report.bytes / 1024:.0f} KiB",
        f"  ingest: {plan.new_papers} new papers, {len(plan.changed)} paper files written",
    ]
    if report.search is not None:
        search = report.search
        shards = f" in {search.shards} shards" if search.shards > 1 else ""
        lines.append(
            f"  search: index {_kib(search.index_bytes)} ({_kib(search.index_gzip)} gzip){shards}, "
            f"documents {_kib(search.documents_bytes)} ({_kib(search.documents_gzip)} gzip)"
        )
    lines.append(f"  {timing} · total {seconds:.2f}s")
    return "\n".join(lines)


def _kib(size: int) -> str:
    return f"{size / 1024:.0f} KiB"


def command_build(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    report = build(_paths(args), args.base_url, progress=_progress(args.quiet))
    if sys.stderr.isatty() and not args.quiet:
        print("\r\033[K", end="", file=sys.stderr)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(summarize(report, time.perf_counter() - start))
    print(f"  output: {Path(args.out).resolve()}")
    return 0


def command_ingest(args: argparse.Namespace) -> int:
    plan = ingest(_paths(args))
    print(
        f"Ingested {len(plan.texts)} paper files: {plan.new_papers} new, "
        f"{len(plan.changed)} written, {len(plan.texts) - len(plan.changed)} unchanged"
    )
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Paper Atlas: turn Hugging Face Daily Papers digests into a static site. "
        "With no command, runs 'build'.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--content", default="content", metavar="DIR",
                        help="content directory with site.yaml, topics.yaml, digests/, papers/ (default: content)")
    common.add_argument("--out", default="_site", metavar="DIR", help="output directory (default: _site)")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    build_parser = sub.add_parser(
        "build", parents=[common], help="ingest digests, then render the site (default)",
        description="Ingest digests into content/papers/, then render the whole site into the output directory.",
    )
    build_parser.add_argument(
        "--base-url", metavar="URL",
        help="where the site is served, e.g. / or /atlas/ or https://user.github.io/atlas/ "
        "(default: base_url in site.yaml)",
    )
    build_parser.set_defaults(run=command_build)

    ingest_parser = sub.add_parser(
        "ingest", parents=[common], help="update content/papers/ from the digests only",
        description="Parse content/digests/*.txt and write one Markdown file per paper to "
        "content/papers/, keeping your own front-matter keys and '## Notes'.",
    )
    ingest_parser.set_defaults(run=command_ingest)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv.insert(0, "build")
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (SourceError, BuildErrors) as error:
        if sys.stderr.isatty():
            print("\r\033[K", end="", file=sys.stderr)
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        print("Nothing was written; the previous site and your paper files are unchanged.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
