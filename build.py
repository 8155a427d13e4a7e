#!/usr/bin/env python3
"""Paper Atlas command line: turn paper digests into a static knowledge site."""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

try:
    from site_builder import __version__
    from site_builder.errors import NOTHING_WRITTEN, BuildErrors, OutputError, SourceError, counted
    from site_builder.config import load_config, with_base_url
    from site_builder.deploy import check_target, deploy_site, kept_cname, pages_mismatch, pages_workflows, site_cname
    from site_builder.inputs import Paths, ingest
    from site_builder.pipeline import CACHE_DIR, BuildReport, build
    from site_builder.search import SearchPart
    from site_builder.serve import PreviewServer, check_not_previewed
    from site_builder.writer import check_output_dir
except KeyboardInterrupt:  # Ctrl+C in the third of a second they take: said as main() says it
    print("interrupted", file=sys.stderr)
    sys.exit(130)
except ModuleNotFoundError as missing:
    if (missing.name or "").startswith("site_builder"):
        raise
    # Run by a Python other than the project's (python3 build.py, outside .venv).
    sys.exit(
        f"error: this Python ({sys.executable}) lacks the module {missing.name!r} Paper Atlas needs\n"
        "run 'make setup' once, then '.venv/bin/python build.py' (or activate .venv first: . .venv/bin/activate)"
    )


def _paths(args: argparse.Namespace, cached: bool = False) -> Paths:
    """The command's paths; ``cached``: with the cache of work kept between runs,
    beside the output (not in content/: it is build output, never committed)."""
    out = Path(args.out)
    return Paths(content=Path(args.content), out=out, cache=out.parent / CACHE_DIR if cached else None)


def _progress(quiet: bool):
    def show(message: str) -> None:
        if not quiet and sys.stderr.isatty():
            print(f"\r\033[K… {message}", end="", file=sys.stderr, flush=True)

    return show


# Page kinds are their templates' names; "2 page" would say nothing of which,
# and "2 starred" would read as two starred papers.
_KIND_NAMES = {"page": "own page", "starred": "starred page"}


def summarize(report: BuildReport, seconds: float) -> str:
    site = report.site
    counts = {_KIND_NAMES.get(kind, kind): count for kind, count in site.counts.items()}
    # The many first; "1 404" read as a thousand and four.
    many = sorted((-count, kind) for kind, count in counts.items() if count > 1)
    ones = sorted(kind for kind, count in counts.items() if count == 1)
    kinds = ", ".join([f"{-count:,} {kind}" for count, kind in many] + ([f"one each of {', '.join(ones)}"] if ones else []))
    timing = " · ".join(f"{name} {value:.2f}s" for name, value in report.timings.items())
    lines = [
        f"Built {site.pages:,} pages ({kinds})",
        f"  {counted(site.papers, 'paper')}{_left_off(site.drafts)} · {counted(site.topics, 'topic')}"
        f"{f' ({site.unused_topics} more with no paper)' if site.unused_topics else ''} · "
        f"{counted(site.dates, 'date')} · {counted(report.files, 'file')}, {report.bytes / 1024:,.0f} KiB",
        f"  ingest: {report.ingest}",
    ]
    if report.skipped:
        lines[0] = f"Nothing changed since the last build: its {site.pages:,} pages ({kinds}) are up to date"
    if report.search is not None:
        index, documents = report.search.index, report.search.documents
        lines.append(
            f"  search: index {_search_part(index, 'shards')}, documents {_search_part(documents, 'files')}"
            + ("; a query loads the shards of its words and the files of its results" if index.files > 1 else "")
        )
    if report.first_visit is not None:
        weight = report.first_visit
        scripts = sum(t.gzip for t in weight.scripts)
        lines.append(
            f"  first visit to a paper page (the heaviest): {weight.raw / 1024:.1f} KiB "
            f"({weight.gzip / 1024:.1f} KiB gzip): HTML, stylesheet and icon"
            + (f"; its scripts add {scripts / 1024:.1f} KiB gzip, not needed to read it" if weight.scripts else "")
        )
    lines.append(f"  {timing} · total {seconds:.2f}s")
    return "\n".join(lines)


def _left_off(drafts: int) -> str:
    return f" ({counted(drafts, 'draft')} left off)" if drafts else ""


def _kib(size: int) -> str:
    return f"{size / 1024:,.0f} KiB"


def _search_part(part: SearchPart, files: str) -> str:
    if part.files > 1:
        return f"{_kib(part.bytes)} in {part.files:,} {files} of {part.bytes / part.files / 1024:.1f} KiB on average"
    return f"{_kib(part.bytes)} ({_kib(part.gzip)} gzip)" if part.gzip is not None else _kib(part.bytes)


def command_build(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    paths = _paths(args, cached=not args.no_cache)
    check_not_previewed(paths.content, "build")
    report = build(paths, args.base_url, progress=_progress(args.quiet))
    if sys.stderr.isatty() and not args.quiet:
        print("\r\033[K", end="", file=sys.stderr)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not args.quiet:
        print(summarize(report, time.perf_counter() - start))
        print(f"  output: {Path(args.out).resolve()}")
    if args.strict and report.warnings:
        return _failed_strictly(len(report.warnings), f"the site in {args.out} is built, but this build fails")
    return 0


def _failed_strictly(warnings: int, outcome: str) -> int:
    print(f"error: {counted(warnings, 'warning')} above, and --strict fails a build that warns: {outcome} "
          "(mend what they say, or leave out --strict)", file=sys.stderr)
    return 1


def command_ingest(args: argparse.Namespace) -> int:
    check_not_previewed(Path(args.content), "ingest")
    plan, warnings = ingest(Paths(content=Path(args.content), out=Path("_site")))  # writes no site
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"Ingested {counted(len(plan.texts), 'paper file')}: {plan.new_papers:,} new, "
        f"{len(plan.changed):,} written, {len(plan.texts) - len(plan.changed):,} unchanged"
    )
    return 0


def command_serve(args: argparse.Namespace) -> int:
    server = PreviewServer(_paths(args, cached=True), args.base_url, args.host, args.port)
    try:
        server.start()
        network = f"; on your network, {server.network_url}" if server.network_url else ""
        print(f"Serving {server.url}  (watching content, templates and static files{network}; Ctrl+C stops)",
              flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nStopped.")
    finally:
        server.stop()
    incomplete = server.preview.incomplete()
    if incomplete:
        print(f"note: {incomplete}; 'python build.py build' completes it")
    return 0


def command_deploy(args: argparse.Namespace) -> int:
    paths = _paths(args)
    # A preview, the output directory, the branch and the remote first: a
    # deploy they refuse leaves the site as it was.
    check_not_previewed(paths.content, "deploy")
    check_output_dir(paths.out, paths.inputs)
    target = check_target(Path.cwd(), None if args.no_push else args.remote, args.branch)
    report = build(paths, args.base_url)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    site_yaml = paths.content / "site.yaml"
    config = with_base_url(load_config(site_yaml), args.base_url)
    kept = None if config.domain else kept_cname(paths.out, target)
    pages_warnings = [warning for warning in (
        pages_mismatch(Path.cwd(), args.remote, replace(config, domain=config.domain or site_cname(paths.out) or kept),
                       site_yaml),
        pages_workflows(Path.cwd(), args.remote, args.branch),
    ) if warning]
    for warning in pages_warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"Built {report.site.pages:,} pages into {paths.out}")
    if kept:
        print(f"CNAME: {kept}, kept from {args.branch}, where GitHub Pages' settings write a custom domain "
              f"(set domain in {site_yaml} to change it; remove it in Settings → Pages to serve the site without it)")
    if args.strict and (report.warnings or pages_warnings):
        return _failed_strictly(
            len(report.warnings) + len(pages_warnings), f"the site in {paths.out} is built; {args.branch} was not published",
        )
    try:
        result = deploy_site(paths.out, target, args.message, report.site.domain)
    except SourceError as error:
        print(f"error: {error}", file=sys.stderr)
        print(f"The site in {paths.out} is built; {args.branch} was not published.", file=sys.stderr)
        return 1
    what = "unchanged since the last deploy" if result.unchanged else f"committed {result.commit[:12]}"
    # A new branch said, as a branch name mistyped (--branch gh-page) makes one too.
    branch = args.branch if result.parent is not None else f"{args.branch} (a new branch: no earlier deploy is on it)"
    if result.pushed:
        where = f", pushed to {args.remote}"
    else:
        where = f"; {args.remote} has it already" if target.remote is not None else " (not pushed)"
    print(f"{branch}: {what} ({counted(result.files, 'file')}){where}")
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Paper Atlas: turn Hugging Face Daily Papers digests into a static site. "
        "With no command, runs 'build'.",
    )
    parser.add_argument("--version", action="version", version=f"Paper Atlas {__version__}")
    # Each command takes only the options it uses.
    reads = argparse.ArgumentParser(add_help=False)
    reads.add_argument("--content", default="content", metavar="DIR",
                       help="content directory with site.yaml, topics.yaml, digests/, papers/ (default: content)")
    common = argparse.ArgumentParser(add_help=False, parents=[reads])
    common.add_argument("--out", default="_site", metavar="DIR", help="output directory (default: _site)")
    common.add_argument(
        "--base-url", metavar="URL",
        help="where the site is served, e.g. / or /atlas/ or https://user.github.io/atlas/ "
        "(default: base_url in site.yaml)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    build_parser = sub.add_parser(
        "build", parents=[common], help="ingest digests, then render the site (default)",
        description="Ingest digests into content/papers/, then render the whole site into the output directory.",
    )
    build_parser.add_argument("-q", "--quiet", action="store_true", help="print only warnings and errors: no progress line, no summary")
    build_parser.add_argument(
        "--no-cache", action="store_true",
        help=f"do not reuse or save work in {CACHE_DIR}/ next to the output directory (a clean build)",
    )
    # For CI, as MkDocs' --strict and Sphinx's -W: a broken link in a note fails the run.
    build_parser.add_argument("--strict", action="store_true",
                              help="exit with status 1 when the build warns (the site is still written)")
    build_parser.set_defaults(run=command_build, parser=build_parser)

    ingest_parser = sub.add_parser(
        "ingest", parents=[reads], help="update content/papers/ from the digests only",
        description="Parse content/digests/*.txt and write one Markdown file per paper to "
        "content/papers/, keeping your own front-matter keys and '## Notes'.",
    )
    ingest_parser.set_defaults(run=command_ingest, parser=ingest_parser)

    serve_parser = sub.add_parser(
        "serve", parents=[common], help="build, serve on localhost and rebuild on every change",
        description="Build the site, serve it at http://HOST:PORT under its base path and watch content/, "
        "templates/ and static/: each save rebuilds what changed and open pages reload. Build errors show "
        "in the terminal and over the page; the last good site stays up.",
    )
    serve_parser.add_argument("--host", default="127.0.0.1",
                              help="address or name to listen on (default: 127.0.0.1, this machine only; "
                              "0.0.0.0 or :: every address, ::1 this machine by IPv6); on this machine only, "
                              "requests for a name but localhost or HOST are refused (DNS rebinding)")
    serve_parser.add_argument("--port", type=_port, default=8000, help="port to listen on (default: 8000)")
    serve_parser.set_defaults(run=command_serve, parser=serve_parser)

    deploy_parser = sub.add_parser(
        "deploy", parents=[common], help="build, commit the site to a gh-pages branch and push it",
        description="Build the site (ingesting new digest papers into content/papers/, as build does), "
        "commit the output (with .nojekyll, and CNAME when site.yaml sets domain; else the branch's CNAME, "
        "which a custom domain set in GitHub's settings writes, is kept) as one new commit on a "
        "branch, then push it. Your index and current branch are not touched, nor your working tree beyond "
        "that ingest. Run inside the project's git checkout.",
    )
    deploy_parser.add_argument("--remote", default="origin", help="remote to push to (default: origin)")
    deploy_parser.add_argument("--branch", default="gh-pages", help="branch to commit to (default: gh-pages)")
    deploy_parser.add_argument("--message", default="Deploy Paper Atlas site", help="commit message")
    deploy_parser.add_argument("--no-push", action="store_true", help="commit to the branch but do not push")
    deploy_parser.add_argument("--strict", action="store_true",
                               help="publish nothing and exit with status 1 when the build warns")
    deploy_parser.set_defaults(run=command_deploy, parser=deploy_parser)
    return parser


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535; 0 picks a free one)")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv.insert(0, "build")
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # told with the command's own usage, not the top level's
        args.parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        status = args.run(args)
        sys.stdout.flush()  # here, where a closed pipe is caught below, not at exit
        return status
    except (SourceError, BuildErrors) as error:
        if sys.stderr.isatty():
            print("\r\033[K", end="", file=sys.stderr)
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        print(error.written if isinstance(error, OutputError) else NOTHING_WRITTEN, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The summary piped into `head`, which has read enough. Python would
        # report the pipe again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _stop_as_if_interrupted(signum: int, frame: object) -> None:
    # Once: a second signal (`timeout` signals the process, then its group;
    # a closed terminal may send SIGHUP, then SIGTERM) would interrupt the
    # stopping itself, leaving its clean-up half done.
    for name in _STOPPING_SIGNALS:
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    raise KeyboardInterrupt


_STOPPING_SIGNALS = tuple(name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


if __name__ == "__main__":
    # `kill`, a closed terminal or a process manager stops the program as
    # Ctrl+C does: a build removes its temporary files and children, and the
    # preview server lets go of its content directory at once instead of
    # through its children's exit seconds later.
    for name in _STOPPING_SIGNALS:
        # Left alone where it is ignored: `nohup` keeps a server running after the terminal closes.
        if signal.getsignal(getattr(signal, name)) is signal.SIG_DFL:
            signal.signal(getattr(signal, name), _stop_as_if_interrupted)
    # A build makes millions of objects that live until it ends. At Python's
    # default thresholds the cyclic collector walks all of them again and
    # again as they pile up (16 full collections, 1.8 s at 20,000 papers);
    # collecting the youngest generation every 10,000 allocations instead of
    # 700 leaves no full collection in a build and no more memory in use.
    gc.set_threshold(10_000, 10, 10)
    sys.exit(main())
