"""End to end: build the shipped digests and check the site a reader gets."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from site_builder.digest import title_key
from site_builder.digest_files import load_digests
from site_builder.markup import tex_quotes
from site_builder.papers import parse_paper, slug_for
from site_builder.pipeline import Paths, build
from files import snapshot

ROOT = Path(__file__).resolve().parent.parent
BASE = "/atlas/"


class LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        for name in ("href", "src"):
            if attributes.get(name) and not (tag == "form"):
                self.links.append(attributes[name])
        if tag == "form" and attributes.get("action"):
            self.links.append(attributes["action"])


def page_text(site: Path, relative: str) -> str:
    return (site / relative).read_text(encoding="utf-8")


def test_shipped_site_has_a_page_per_distinct_paper(shipped_site):
    pages = list((shipped_site / "papers").glob("*/index.html"))
    assert len(pages) == 358
    content_papers = list((ROOT / "content" / "papers").glob("*.md"))
    assert len(content_papers) == 358, "content/papers/ is committed and must match the digests"


def test_shipped_site_has_one_page_per_digest_date(shipped_site):
    dates = sorted(p.parent.name for p in (shipped_site / "dates").glob("????-??-??/index.html"))
    assert dates == ["2025-03-11", "2025-03-17", "2025-03-18", "2025-09-10"]
    months = sorted(p.parent.name for p in (shipped_site / "dates").glob("????-??/index.html"))
    assert months == ["2025-03", "2025-09"]
    # A month leads on to the next and the last, as a day does.
    march, september = (page_text(shipped_site, f"dates/{month}/index.html") for month in months)
    assert re.findall(r'<a class="(prev|next)" href="([^"]+)" rel="\1"', march) == [("prev", "/atlas/dates/2025-09/")]
    assert re.findall(r'<a class="(prev|next)" href="([^"]+)" rel="\1"', september) == [("next", "/atlas/dates/2025-03/")]


def test_two_digests_with_one_date_share_one_page(shipped_site):
    digests = load_digests(ROOT / "content" / "digests", 2025)
    mar17_titles = {e.title for d in digests if d.date.isoformat() == "2025-03-17" for e in d.entries}
    page = html.unescape(page_text(shipped_site, "dates/2025-03-17/index.html"))
    assert all(title in page for title in mar17_titles)
    assert page.count('class="paper-item"') == len({t.casefold() for t in mar17_titles})


def test_home_page_opens_the_latest_digest_and_links_to_all_of_it(shipped_site):
    home = html.unescape(page_text(shipped_site, "index.html"))
    latest = html.unescape(page_text(shipped_site, "dates/2025-09-10/index.html"))
    titles = re.findall(r'class="paper-title"><a href="[^"]*">(.*?)</a>', latest)
    assert len(titles) > 10  # the shipped latest digest is long enough to be cut
    assert re.findall(r'class="paper-title"><a href="[^"]*">(.*?)</a>', home) == titles[:10]
    assert f'<a href="{BASE}dates/2025-09-10/">All {len(titles)} papers of Sep 10, 2025 <span aria-hidden="true">→</span></a>' in home
    assert "358 papers · 31 topics · 4 dates" in home


# What a screen reader reads of a link: its text without what is hidden from it.
_HIDDEN_SPAN = re.compile(r'<span aria-hidden="true">[^<]*</span>')
_ARROWS = re.compile(r"[\u2190-\u21ff\u27f5-\u27ff]")


def test_no_links_text_read_aloud_holds_an_arrow(shipped_site):
    """The pager's "← Newer" and the home page's "All dates →" were read
    "left arrow Newer", "All dates right arrow": the arrows are for the eye."""
    read = []
    for page in sorted(shipped_site.rglob("*.html")):
        for link in re.findall(r"<a\b[^>]*>(.*?)</a>", page.read_text(encoding="utf-8"), re.S):
            text = html.unescape(re.sub(r"<[^>]+>", "", _HIDDEN_SPAN.sub("", link)))
            if _ARROWS.search(text):
                read.append((page.relative_to(shipped_site).as_posix(), text))
    assert read == []
    home = page_text(shipped_site, "index.html")
    assert home.count('<span aria-hidden="true">→</span></a>') >= 2, "the arrows are still there to see"


def test_a_topic_s_pages_list_each_of_its_papers_once(shipped_site):
    topic = "fine-tuning"  # the shipped corpus's largest topic: more than one page
    pages, url = [], f"{BASE}topics/{topic}/"
    while url:
        pages.append(page_text(shipped_site, url.removeprefix(BASE) + "index.html"))
        found = re.search(r'<a class="next" href="([^"]+)" rel="next">', pages[-1])
        url = found.group(1) if found else None
    listed = [slug for page in pages for slug in re.findall(r'class="paper-title"><a href="/atlas/papers/([^/"]+)/"', page)]
    tagged = [p.parent.name for p in (shipped_site / "papers").glob("*/index.html")
              if f'class="tag" href="{BASE}topics/{topic}/"' in p.read_text(encoding="utf-8")]
    assert len(pages) > 1 and len(listed) == len(set(listed))
    assert sorted(listed) == sorted(tagged)


def test_every_paper_page_shows_its_title_and_abstract(shipped_site):
    digests = load_digests(ROOT / "content" / "digests", 2025)
    by_title = {e.title.casefold(): e for d in digests for e in d.entries}
    seen = 0
    for index in (shipped_site / "papers").glob("*/index.html"):
        text = html.unescape(re.sub(r"<[^>]+>", "", index.read_text(encoding="utf-8")))
        title = re.search(r"<h1>(.*?)</h1>", index.read_text(encoding="utf-8"), re.S).group(1)
        title = html.unescape(re.sub(r"<[^>]+>", "", title)).replace("★", "").strip()
        entry = by_title[title.casefold()]
        assert entry.abstract[:200] in " ".join(text.split()), index
        seen += 1
    assert seen == 358


def test_every_abstract_reads_on_its_page_as_the_digest_wrote_it(shipped_site):
    """Digests are plain text: "8*16B" and **x** show as written, not as
    Markdown; only arXiv's backslash escapes ("87.73\\%") show the character
    they escape, and LaTeX quotes (`where') the quotes they stand for
    (tests/test_markup.py shows those)."""
    digests = load_digests(ROOT / "content" / "digests", 2025)
    by_title = {e.title.casefold(): e for d in digests for e in d.entries}
    for index in (shipped_site / "papers").glob("*/index.html"):
        page = index.read_text(encoding="utf-8")
        title = html.unescape(re.sub(r"<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)))
        section = re.search(r'<section class="abstract".*?</section>', page, re.S).group(0)
        shown = " ".join(html.unescape(re.sub(r"<[^>]+>", "", section)).split())
        written = tex_quotes(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", by_title[title.replace("★", "").strip().casefold()].abstract))
        assert written in shown, index
        # Its addresses are links, each to an address the digest wrote.
        addresses = re.findall(r'<a href="([^"]*)"', section)
        assert all(address in written for address in addresses), index
        assert bool(addresses) == ("https://" in written), index


def test_titles_with_dollar_and_pi_survive(shipped_site):
    pages = [p for p in (shipped_site / "papers").glob("pangu-pi*/index.html")]
    assert pages, "PanGu-π gets the slug pangu-pi-…"
    assert "PanGu-π" in pages[0].read_text(encoding="utf-8")


def test_every_internal_link_and_asset_resolves_under_the_subpath(shipped_site):
    broken: list[str] = []
    for page in sorted(shipped_site.rglob("*.html")):
        relative = page.relative_to(shipped_site).as_posix()
        page_url = BASE + (relative.removesuffix("index.html"))
        collector = LinkCollector()
        collector.feed(page.read_text(encoding="utf-8"))
        for link in collector.links:
            target = urlsplit(urljoin("http://host" + page_url, link))
            if target.netloc != "host":
                continue
            assert target.path.startswith(BASE), f"{relative}: {link} escapes {BASE}"
            path = target.path[len(BASE):]
            file = shipped_site / path
            if path == "" or path.endswith("/"):
                file = file / "index.html"
            if not file.is_file():
                broken.append(f"{relative}: {link}")
    assert broken == []


def test_same_inputs_give_byte_identical_site(tmp_path):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    paths = [Paths(tmp_path / "content", tmp_path / name) for name in ("one", "two")]
    for p in paths:
        build(p)
    files_one, files_two = (snapshot(p.out) for p in paths)
    assert files_one.keys() == files_two.keys()
    assert [k for k in files_one if files_one[k] != files_two[k]] == []


def test_every_directory_of_the_site_its_own_included_gets_the_mode_the_umask_gives(tmp_path):
    """The modes are the umask's throughout, as cp or mkdir would make them:
    the site's own directory was 0755 whatever the umask, readable by all
    while nothing in it was under 027, and not writable by the group under 002."""
    def modes(site: Path, of_directories: bool) -> set[int]:
        return {path.stat().st_mode & 0o777 for path in (site, *site.rglob("*")) if path.is_dir() == of_directories}

    shutil.copytree(ROOT / "content", tmp_path / "content")
    paths = Paths(tmp_path / "content", tmp_path / "_site", cache=tmp_path / ".atlas-cache")
    old_umask = os.umask(0o027)
    try:
        build(paths)  # a new tree
        first = modes(paths.out, of_directories=True)
        site_yaml = tmp_path / "content" / "site.yaml"
        for title in ("Another", "Paper Atlas"):  # the second build keeps the first's site, the third remakes it
            site_yaml.write_text(re.sub(r"(?m)^title: .*$", f"title: {title}", site_yaml.read_text(encoding="utf-8")), encoding="utf-8")
            build(paths)
        assert (paths.cache / "previous-site").is_dir()
    finally:
        os.umask(old_umask)
    assert first == modes(paths.out, of_directories=True) == {0o750}
    assert modes(paths.out, of_directories=False) == {0o640}


def test_shipped_paper_files_are_up_to_date_with_the_digests(tmp_path):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    report = build(Paths(tmp_path / "content", tmp_path / "_site"))
    assert report.plan.changed == (), "run `python build.py ingest` and commit content/papers/"



def test_builds_in_processes_with_different_hash_seeds_time_zones_and_locales_give_byte_identical_sites(tmp_path):
    """Two builds in one process share its string hash seed, so an order
    that follows a set of strings comes out the same in both; only separate
    processes with different seeds show it. The time zones are 26 hours
    apart, so a date taken from the clock differs at any hour; Node takes
    its ICU locale from LANG even where the system has no such locale
    (a number's toLocaleString is 1.234,5 in Turkish)."""
    sites, processes = [], []
    for seed, time_zone, locale in (("1", "Pacific/Kiritimati", "tr_TR.UTF-8"), ("2", "Etc/GMT+12", "C.UTF-8")):
        work = tmp_path / f"seed{seed}"
        shutil.copytree(ROOT / "content", work / "content")
        sites.append(work / "_site")
        processes.append(subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "build", "--content", "content", "--out", "_site",
             "-q", "--no-cache"],
            cwd=work, env={**os.environ, "PYTHONHASHSEED": seed, "TZ": time_zone, "LANG": locale, "LC_ALL": locale},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        ))
    for process in processes:  # both at once: the suite's time, not a speed check
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, output
    one, two = (snapshot(site) for site in sites)
    assert len(one) > 400 and one.keys() == two.keys()
    assert [name for name in one if one[name] != two[name]] == []


def paper_titles(site: Path) -> dict[str, str]:
    """Each paper page's slug and the title its heading shows."""
    return {
        page.parent.name: re.search(r"<h1>(.*?)</h1>", page.read_text(encoding="utf-8"), re.S).group(1)
        for page in (site / "papers").glob("*/index.html")
    }


def test_an_earlier_digest_with_a_title_of_an_existing_slug_moves_no_page(tmp_path):
    """Slugs go to papers in date order; a digest added later but dated
    earlier must not take the slug of a paper that already has a page."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    build(Paths(content, tmp_path / "before"))
    # Pages, not assets: a search index's name is a hash of what it holds.
    pages_before = {name for name in snapshot(tmp_path / "before") if name.endswith(".html")}
    titles_before = paper_titles(tmp_path / "before")

    # A title that differs from a shipped paper's in an accent: another
    # paper to the build (another key), but the same slug.
    existing = next(
        paper for paper in (parse_paper(path.read_text(encoding="utf-8"), path)
                            for path in sorted((content / "papers").glob("*.md")))
        if paper.slug == slug_for(paper.title)
    )
    colliding = existing.title.replace("e", "é", 1)
    assert slug_for(colliding) == existing.slug and title_key(colliding) != existing.key
    shipped = (content / "digests" / "000_f00605fbe72ead07.txt").read_text(encoding="utf-8")
    header = shipped[: shipped.index("\nMar 18\n") + 1]  # the lines above the date line
    earliest = min(path.name for path in (tmp_path / "before" / "dates").glob("????-??-??"))
    assert earliest > "2025-03-10", "the new digest must come first in date order"
    (content / "digests" / "2025-03-10.txt").write_text(
        f"{header}Mar 10\n\n{colliding}\n\nAn accented version of an earlier title.\n\n"
        "A Wholly New Paper About Stable Addresses\n\nWe add a digest dated before all the others.\n",
        encoding="utf-8",
    )
    build(Paths(content, tmp_path / "after"))
    titles_after = paper_titles(tmp_path / "after")

    assert pages_before - set(snapshot(tmp_path / "after")) == set()
    assert {slug: titles_after.get(slug) for slug in titles_before} == titles_before
    # Both new papers got pages at addresses no page had before.
    added = {html.unescape(title) for slug, title in titles_after.items() if slug not in titles_before}
    assert added == {colliding, "A Wholly New Paper About Stable Addresses"}


def test_topics_yaml_places_a_digest_paper_by_hand(tmp_path):
    """papers: files a digest paper under a topic its words do not reach,
    not_papers: keeps it out of one they do; ingest writes both into the
    paper's file, and a slug no paper has is a warning at its line."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    slug = "a-benchmark-for-learning-to-translate-a-new-language-from-one-grammar-book"
    paper_file = content / "papers" / f"{slug}.md"
    assert "topics: [multilingual, evaluation]\n" in paper_file.read_text(encoding="utf-8")
    taxonomy = content / "topics.yaml"
    text = taxonomy.read_text(encoding="utf-8")
    (content / "papers" / "my-notes.md").write_text("---\ntitle: My Notes\ntopics: [surveys]\n---\n\nMine.\n")
    text = text.replace("  - slug: agents\n", f"  - slug: agents\n    papers: [{slug}, no-such-paper, my-notes]\n", 1)
    text = text.replace("  - slug: evaluation\n", f"  - slug: evaluation\n    not_papers: [{slug}]\n", 1)
    taxonomy.write_text(text, encoding="utf-8")
    line = text.splitlines().index(f"    papers: [{slug}, no-such-paper, my-notes]") + 1

    report = build(Paths(content, tmp_path / "_site"))

    assert report.plan.changed == (paper_file,)
    assert "topics: [agents, multilingual]\n" in paper_file.read_text(encoding="utf-8")
    agents = (tmp_path / "_site" / "topics" / "agents" / "index.html").read_text(encoding="utf-8")
    evaluation_pages = (tmp_path / "_site" / "topics" / "evaluation").rglob("index.html")
    assert f"papers/{slug}/" in agents
    assert not any(f"papers/{slug}/" in page.read_text(encoding="utf-8") for page in evaluation_pages)
    assert [str(w) for w in report.warnings if str(w).startswith(str(taxonomy))] == [
        f"{taxonomy}:{line}: topic 'agents' papers: no paper has the slug 'no-such-paper' "
        "(a paper's slug is its file name in content/papers/ without .md)",
        f"{taxonomy}:{line}: topic 'agents' papers: 'my-notes' has topics of its own (the topics: line of its "
        "file), which this does not change (remove that line to file it by the rules and this list, or edit it there)",
    ]
    assert "papers/my-notes/" not in agents


def test_readme_s_way_to_start_an_atlas_of_one_s_own_works(tmp_path):
    """README's "Your own atlas": its git command takes the sample away
    (the folders with it), a build then says where a digest goes, and the
    first digest pasted into a new digests/ folder makes its papers' files,
    dated by the file's name once the sample's digest_year is deleted (kept,
    it dated a digest named otherwise in the sample's year, and README did
    not say to delete it)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    own_atlas = readme[readme.index("- **Your own atlas:**"):]
    own_atlas = own_atlas[:own_atlas.index("\n- **")]
    command = re.search(r"`(git rm [^`]+)`", own_atlas).group(1)
    sample_year = re.search(r"`(digest_year: \d+)`", own_atlas).group(1)
    shutil.copytree(ROOT / "content", tmp_path / "content")
    git = ["git", "-c", "user.name=Reader", "-c", "user.email=reader@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "content"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "sample"], cwd=tmp_path, check=True)
    subprocess.run(command, shell=True, cwd=tmp_path, check=True)
    assert sorted(path.name for path in (tmp_path / "content").iterdir()) == ["site.yaml", "topics.yaml"]

    def build_here() -> str:
        done = subprocess.run(
            [sys.executable, str(ROOT / "build.py"), "build", "--out", "_site"],
            cwd=tmp_path, capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "0 papers" in build_here()
    home = page_text(tmp_path / "_site", "index.html")
    assert "No digests yet" in home and "content/digests/" in home

    settings = tmp_path / "content" / "site.yaml"
    assert f"\n{sample_year}\n" in settings.read_text(encoding="utf-8")
    settings.write_text(settings.read_text(encoding="utf-8").replace(f"{sample_year}\n", ""), encoding="utf-8")
    digest = sorted((ROOT / "content" / "digests").glob("*.txt"))[0]
    (tmp_path / "content" / "digests").mkdir()
    # The sample's first digest says "Mar 18": named for its day, in a year not the sample's.
    shutil.copy(digest, tmp_path / "content" / "digests" / "2026-03-18.txt")
    entries = {title_key(entry.title) for entry in load_digests(tmp_path / "content" / "digests", None)[0].entries}
    assert f"ingest: {len(entries)} new papers, {len(entries)} paper files written" in build_here()
    papers = list((tmp_path / "content" / "papers").glob("*.md"))
    assert len(papers) == len(entries)
    assert all("dates: [2026-03-18]" in paper.read_text(encoding="utf-8") for paper in papers)
    assert "No digests yet" not in page_text(tmp_path / "_site", "index.html")
