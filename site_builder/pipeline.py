"""The build, end to end: read and check everything, then write.

Nothing is written until every input has been read, validated and rendered,
so a mistake anywhere leaves ``content/papers/`` and the previous site as they
were.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Mapping

from .config import SiteConfig, load_config, with_base_url
from .digest import Digest, load_digests
from .errors import SourceError
from .papers import IngestPlan, merge_entries, parse_papers, plan_ingest, title_key
from .render import make_environment, make_markdown, render_site
from .site import Site, build_site
from .topics import Taxonomy, assign_topics, load_taxonomy
from .writer import write_files, write_site

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = PROJECT_ROOT / "static"


@dataclass(frozen=True)
class Paths:
    content: Path
    out: Path
    static: Path = STATIC_DIR

    @property
    def digests(self) -> Path:
        return self.content / "digests"

    @property
    def papers(self) -> Path:
        return self.content / "papers"


@dataclass(frozen=True)
class Inputs:
    config: SiteConfig
    taxonomy: Taxonomy
    digests: tuple[Digest, ...]
    plan: IngestPlan


@dataclass(frozen=True)
class BuildReport:
    site: Site
    plan: IngestPlan
    files: int
    bytes: int
    timings: Mapping[str, float] = field(default_factory=dict)


def read_inputs(paths: Paths, base_url: str | None = None) -> Inputs:
    if not paths.content.is_dir():
        raise SourceError(
            "content directory not found", paths.content,
            hint="run from the project root or pass --content DIR",
        )
    config = with_base_url(load_config(paths.content / "site.yaml"), base_url)
    taxonomy = load_taxonomy(paths.content / "topics.yaml")
    digests = load_digests(paths.digests, config.digest_year) if paths.digests.is_dir() else ()
    existing = {
        path: _read_text(path) for path in sorted(paths.papers.glob("*.md"))
    } if paths.papers.is_dir() else {}
    plan = plan_ingest(
        merge_entries(digests), existing, paths.papers,
        lambda title, abstract: assign_topics(taxonomy, title, abstract),
    )
    return Inputs(config, taxonomy, digests, plan)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"cannot read paper file: {error}", path) from None


def write_ingest(plan: IngestPlan) -> None:
    texts = dict(plan.texts)
    write_files({path: texts[path].encode("utf-8") for path in plan.changed})


def ingest(paths: Paths) -> IngestPlan:
    plan = read_inputs(paths).plan
    write_ingest(plan)
    return plan


def digest_order(digests: tuple[Digest, ...]) -> dict[dt.date, tuple[str, ...]]:
    order: dict[dt.date, list[str]] = {}
    for digest in sorted(digests, key=lambda d: (d.date, d.path.name)):
        keys = order.setdefault(digest.date, [])
        for entry in digest.entries:
            key = title_key(entry.title)
            if key not in keys:
                keys.append(key)
    return {date: tuple(keys) for date, keys in order.items()}


def collect_assets(static_dir: Path) -> tuple[dict[str, str], dict[str, bytes]]:
    """Static files under ``static/``, with a content hash in each name so
    browsers may cache them forever. Returns (logical name → URL path, files)."""
    names: dict[str, str] = {}
    files: dict[str, bytes] = {}
    if not static_dir.is_dir():
        return names, files
    for path in sorted(p for p in static_dir.rglob("*") if p.is_file()):
        logical = path.relative_to(static_dir).as_posix()
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:10]
        pure = PurePosixPath(logical)
        output = f"static/{pure.with_name(f'{pure.stem}.{digest}{pure.suffix}')}"
        names[logical] = output
        files[output] = data
    return names, files


def build(
    paths: Paths,
    base_url: str | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> BuildReport:
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    progress("reading digests and papers")
    inputs = read_inputs(paths, base_url)
    papers = parse_papers(inputs.plan.texts)
    lap("read")
    progress(f"building the site model for {len(papers)} papers")
    site = build_site(
        inputs.config, papers, inputs.taxonomy, make_markdown(), digest_order(inputs.digests)
    )
    lap("model")
    progress(f"rendering {len(site.pages)} pages")
    assets, files = collect_assets(paths.static)
    env = make_environment(inputs.config)
    files.update(render_site(env, site, assets))
    lap("render")
    progress("writing")
    write_ingest(inputs.plan)
    write_site(paths.out, files)
    lap("write")
    return BuildReport(
        site=site, plan=inputs.plan, files=len(files),
        bytes=sum(len(data) for data in files.values()), timings=timings,
    )


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, mtime=0))
