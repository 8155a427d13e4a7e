"""Rebuilds that reuse the on-disk cache, and parallel rendering, give exactly
the bytes of a clean serial build."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest

from site_builder.cache import CACHE_FILE, load_cache
from site_builder.errors import SourceError
from site_builder.lastbuild import LAST_BUILD_FILE, load_last_build
from site_builder import pipeline, render, template_checks
from site_builder.pipeline import Paths, build
from files import snapshot

ROOT = Path(__file__).resolve().parent.parent



@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path


def cached_paths(work: Path) -> Paths:
    return Paths(content=work / "content", out=work / "site", cache=work / ".atlas-cache")


def clean_build(work: Path, name: str = "clean") -> dict[str, bytes]:
    """A build from scratch: a copy of the content, no cache, one process."""
    copy = work / f"{name}-content"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(work / "content", copy)
    build(Paths(content=copy, out=work / name), workers=1)
    return snapshot(work / name)


def test_a_skipped_build_repeats_the_warnings_about_what_is_not_about_what_was_done(work):
    paths = cached_paths(work)
    paper = sorted(paths.papers.glob("*.md"))[0]
    text = paper.read_text()
    body = text.index("\n---\n", 4) + 5
    paper.write_text(text[:body] + "\nMy own thought above the abstract.\n" + text[body:])
    (paths.digests / "notes.md").write_text("not a digest\n")
    first = build(paths)
    again = build(paths)
    assert again.skipped
    assert [warning.message for warning in first.warnings] == [
        "not read: digests are .txt files",
        "text above the notes that the digests do not give (any more) was moved under the notes heading",
    ]
    assert [warning.message for warning in again.warnings] == ["not read: digests are .txt files"]

def test_a_rebuild_with_nothing_changed_reuses_every_page_and_rewrites_nothing(work):
    paths = cached_paths(work)
    build(paths)
    first = snapshot(paths.out)
    index = paths.out / "index.html"
    written = index.stat().st_mtime_ns
    cache = load_cache(paths.cache, paths.out)
    assert cache.stored and cache.stored_pages.keys() == first.keys()

    (paths.cache / LAST_BUILD_FILE).unlink()  # so this build checks every page instead of skipping
    report = build(paths)
    assert not report.skipped
    assert snapshot(paths.out) == first == clean_build(work)
    assert index.stat().st_mtime_ns == written, "an unchanged site is not written again"


def test_a_build_with_nothing_changed_is_skipped_and_says_so(work):
    paths = cached_paths(work)
    first_report = build(paths)
    first = snapshot(paths.out)
    cache_written = (paths.cache / CACHE_FILE).stat().st_mtime_ns
    for path in list(paths.papers.glob("*.md"))[:5] + [paths.content / "topics.yaml"]:
        os.utime(path)  # touched, not changed: inputs are compared by content
    report = build(paths)
    assert report.skipped and not first_report.skipped
    assert report.site == first_report.site and report.first_visit == first_report.first_visit
    assert report.search == first_report.search
    papers_size = sum(path.stat().st_size for path in paths.papers.glob("*.md"))
    assert (paths.cache / LAST_BUILD_FILE).stat().st_size < papers_size / 10, "no paper texts or search files kept"
    assert report.plan.changed == () and set(report.timings) == {"check"}
    assert snapshot(paths.out) == first
    assert (paths.cache / CACHE_FILE).stat().st_mtime_ns == cache_written


def test_a_hidden_folder_in_the_content_which_no_build_reads_changes_nothing(work):
    """A notes app's .obsidian/workspace.json, rewritten at each click, or
    content/.git: no build reads a hidden folder (the preview takes a save
    there for noise), so the check for nothing changed leaves it out too;
    public/.well-known/ is published, so it counts."""
    paths = cached_paths(work)
    for folder in (paths.content / ".obsidian", paths.content / ".git", paths.papers / ".trash"):
        folder.mkdir()
        (folder / "workspace.json").write_text("{}")
    build(paths)
    for folder in (paths.content / ".obsidian", paths.content / ".git", paths.papers / ".trash"):
        (folder / "workspace.json").write_text('{"active": "a-paper.md"}')
    assert build(paths).skipped
    (paths.content / "public" / ".well-known").mkdir(parents=True)
    (paths.content / "public" / ".well-known" / "security.txt").write_text("Contact: mailto:me@example.org\n")
    report = build(paths)
    assert not report.skipped and (paths.out / ".well-known" / "security.txt").is_file()


def _edit_note(work: Path, paths: Paths) -> Paths:
    paper = sorted(paths.papers.glob("*.md"))[3]
    paper.write_text(paper.read_text(encoding="utf-8") + "\n## Notes\n\nNoted.\n", encoding="utf-8")
    return paths


def _edit_topics(work: Path, paths: Paths) -> Paths:
    topics = paths.content / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8").replace("max_topics: 3", "max_topics: 2"), encoding="utf-8")
    return paths


def _edit_static(work: Path, paths: Paths) -> Paths:
    static = work / "static"
    shutil.copytree(ROOT / "static", static, dirs_exist_ok=True)
    (static / "extra.txt").write_text("one more file\n", encoding="utf-8")
    return replace(paths, static=static)


def _edit_user_template(work: Path, paths: Paths) -> Paths:
    template = paths.content / "my-templates" / "404.html"
    template.write_text(template.read_text(encoding="utf-8").replace("</h1>", "!</h1>", 1), encoding="utf-8")
    return paths


def _add_a_public_file(work: Path, paths: Paths) -> Paths:
    (paths.public / ".well-known").mkdir(parents=True)
    (paths.public / ".well-known" / "security.txt").write_text("Contact: mailto:me@example.org\n", encoding="utf-8")
    return paths


def _remove_a_page(work: Path, paths: Paths) -> Paths:
    (paths.out / "topics" / "index.html").unlink()
    return paths


def _edit_a_page_by_hand(work: Path, paths: Paths) -> Paths:
    page = paths.out / "index.html"
    stat = page.stat()
    page.write_bytes(page.read_bytes().replace(b"<html", b"<html data-edited", 1))
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    return paths


@pytest.mark.parametrize("change", [
    _edit_note, _edit_topics, _edit_static, _edit_user_template, _add_a_public_file, _remove_a_page,
    _edit_a_page_by_hand,
])
def test_any_change_to_an_input_or_the_output_means_a_real_build(work, change):
    templates = work / "content" / "my-templates"
    templates.mkdir()
    shutil.copy(ROOT / "templates" / "404.html", templates / "404.html")
    site_yaml = work / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "templates_dir: my-templates\n", encoding="utf-8")
    paths = cached_paths(work)
    build(paths)
    paths = change(work, paths)
    report = build(paths)
    assert not report.skipped
    clean_paths = replace(paths, out=work / "clean", cache=None)
    shutil.copytree(paths.content, work / "clean-content")
    build(replace(clean_paths, content=work / "clean-content"), workers=1)
    assert snapshot(paths.out) == snapshot(work / "clean")
    assert build(paths).skipped, "and the build after it has nothing to do"


def test_a_page_of_ones_own_added_edited_or_deleted_is_built_by_the_next_cached_build(work):
    paths = cached_paths(work)
    build(paths)
    assert build(paths).skipped
    about, page = paths.content / "pages" / "about.md", paths.out / "about" / "index.html"
    about.parent.mkdir()
    about.write_text("---\ntitle: About\nnav: true\n---\n\nFirst words.\n", encoding="utf-8")
    assert not build(paths).skipped
    assert "<p>First words.</p>" in page.read_text(encoding="utf-8")
    assert '<a href="/about/">About</a>' in (paths.out / "topics" / "index.html").read_text(encoding="utf-8")
    assert snapshot(paths.out) == clean_build(work)

    about.write_text("---\ntitle: About me\nnav: true\n---\n\nSecond words.\n", encoding="utf-8")
    assert not build(paths).skipped
    assert "<p>Second words.</p>" in page.read_text(encoding="utf-8")
    assert '<a href="/about/">About me</a>' in (paths.out / "topics" / "index.html").read_text(encoding="utf-8")
    assert snapshot(paths.out) == clean_build(work)

    about.unlink()
    assert not build(paths).skipped
    assert not page.exists() and "/about/" not in (paths.out / "topics" / "index.html").read_text(encoding="utf-8")
    assert snapshot(paths.out) == clean_build(work)
    assert build(paths).skipped


class ForkedChildren:
    """The functions a build hands to forked children, and the children's pids."""

    def __init__(self) -> None:
        self.functions: list = []
        self.pids: list[int] = []

    def all_waited_for(self) -> bool:
        for pid in self.pids:
            try:
                os.waitpid(pid, os.WNOHANG)  # returns for a child still running or not waited for
            except ChildProcessError:
                continue
            return False
        return True


@pytest.fixture
def forked(monkeypatch) -> ForkedChildren:
    import site_builder.pipeline as pipeline

    children = ForkedChildren()

    class Spy(pipeline.Forked):
        def __init__(self, function):
            children.functions.append(getattr(function, "func", function))
            super().__init__(function)
            children.pids.append(self._child[0])

    monkeypatch.setattr(pipeline, "Forked", Spy)
    return children


def test_a_first_build_hashes_the_paper_files_as_it_reads_them_and_records_every_input(work, monkeypatch):
    import site_builder.pipeline as pipeline
    from site_builder.lastbuild import input_files, load_last_build

    asked = []

    def spy(*args, **kwargs):
        asked.append(kwargs.get("papers_hashed_as_read", False))
        return input_files(*args, **kwargs)

    monkeypatch.setattr(pipeline, "input_files", spy)
    paths = cached_paths(work)
    (paths.papers / "my-own.md").write_bytes("\ufeff---\ntitle: Mine\n---\n\nText.\n".encode())  # with a BOM
    build(paths)
    assert asked == [True], "no last build: the paper files are not read twice"
    recorded = load_last_build(paths.cache).inputs
    assert recorded == input_files(paths, None, (pipeline.BUILTIN_TEMPLATES, pipeline.LUNR_JS)).fingerprint()
    assert build(paths).skipped and asked == [True, False]


def test_a_paper_saved_while_the_first_build_reads_is_built_by_the_next_one(work, monkeypatch):
    """The inputs are recorded as they were before the build read them, so
    an edit saved meanwhile is never recorded as built and skipped over."""
    import site_builder.pipeline as pipeline

    paths = cached_paths(work)
    paper = sorted(paths.papers.glob("*.md"))[0]
    read_inputs, input_files = pipeline.read_inputs, pipeline.input_files

    def read_then_the_user_saves(*args, **kwargs):
        inputs = read_inputs(*args, **kwargs)
        if "saved mid-build" not in paper.read_text():
            paper.write_text(paper.read_text() + "\n## Notes\n\nsaved mid-build\n")
        return inputs

    def slow_hashing(*args, **kwargs):
        time.sleep(1)  # as for a large corpus: the build reads long before hashing ends
        return input_files(*args, **kwargs)

    monkeypatch.setattr(pipeline, "read_inputs", read_then_the_user_saves)
    monkeypatch.setattr(pipeline, "input_files", slow_hashing)
    build(paths, workers=2)
    assert "saved mid-build" not in (paths.out / "papers" / paper.stem / "index.html").read_text()
    monkeypatch.undo()
    report = build(paths, workers=2)
    assert not report.skipped
    assert "saved mid-build" in (paths.out / "papers" / paper.stem / "index.html").read_text()


def test_the_cache_saved_by_a_child_while_the_site_is_written_is_the_one_a_serial_build_saves(work, forked):
    from site_builder.pipeline import save_cache

    paths = cached_paths(work)
    build(paths, workers=2)
    assert save_cache in forked.functions
    beside = load_cache(paths.cache, paths.out)
    shutil.rmtree(paths.cache)
    shutil.rmtree(paths.out)
    forked.functions.clear()
    build(paths, workers=1)
    assert save_cache not in forked.functions
    serial = load_cache(paths.cache, paths.out)
    assert beside.stored and beside.stored.keys() == serial.stored.keys()
    assert beside.stored_pages == serial.stored_pages


def test_a_site_that_cannot_be_written_leaves_no_saving_process_or_temp_file_behind(work, monkeypatch, forked):
    import site_builder.pipeline as pipeline

    paths = cached_paths(work)

    def stuck_save(cache, digests, handle):
        handle.write(b"half a cache")
        handle.flush()
        time.sleep(60)

    def full_disk(out, files, keep_previous_in=None):
        # Fails once the child is halfway through saving the cache.
        deadline = time.monotonic() + 30
        while not (paths.cache.is_dir() and any(paths.cache.iterdir())) and time.monotonic() < deadline:
            time.sleep(0.01)
        raise SourceError("cannot write the site: No space left on device", out)

    monkeypatch.setattr(pipeline, "dump_cache", stuck_save)
    monkeypatch.setattr(pipeline, "write_site", full_disk)
    with pytest.raises(SourceError):
        build(paths, workers=2)
    assert pipeline.save_cache in forked.functions and forked.all_waited_for()
    assert not [path.name for path in paths.cache.iterdir() if path.name.endswith(".atlas-tmp")]


def test_an_edit_in_a_linked_papers_directory_means_a_real_build(work):
    paths = cached_paths(work)
    kept_elsewhere = work / "notes-repo"
    shutil.move(paths.papers, kept_elsewhere)
    paths.papers.symlink_to(kept_elsewhere, target_is_directory=True)
    (kept_elsewhere / "loop").symlink_to(kept_elsewhere, target_is_directory=True)  # a link loop ends
    build(paths)
    assert build(paths).skipped
    paper = sorted(kept_elsewhere.glob("*.md"))[0]
    paper.write_text(paper.read_text() + "\n## Notes\n\nEdited where the notes are kept.\n")
    assert not build(paths).skipped
    assert "Edited where the notes are kept." in (paths.out / "papers" / paper.stem / "index.html").read_text()


def build_in_a_process(work: Path, timeout: float = 60):
    """``build.py build`` of ``work``'s content, as the command line runs it."""
    import subprocess
    import sys

    command = [sys.executable, str(ROOT / "build.py"), "build", "--content", str(work / "content"),
               "--out", str(work / "site")]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def assert_stopped_by(done, error: str) -> None:
    """``done``, a build in a process, stopped with ``error`` first."""
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.startswith(f"error: {error}\n"), done.stderr


def test_a_named_pipe_or_a_broken_link_in_content_does_not_stop_the_check_for_changes(work):
    """Hashing every file of content/ read a named pipe, which waits for a
    writer for ever: the build hung before it began."""
    os.mkfifo(work / "content" / "pipe")
    (work / "content" / "z-gone.md").symlink_to(work / "nowhere.md")  # after the pipe
    for expected in ("Built", "Nothing changed"):
        done = build_in_a_process(work)
        assert done.returncode == 0 and expected in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("name", ["papers/pipe.md", "digests/pipe.txt", "pages/pipe.md", "topics.yaml", "site.yaml"])
def test_a_named_pipe_where_the_build_reads_a_file_is_an_error_naming_it(work, name):
    """The build read it as the file its name says, and waited for a writer for ever, without a word."""
    pipe = work / "content" / name
    pipe.parent.mkdir(exist_ok=True)
    pipe.unlink(missing_ok=True)
    os.mkfifo(pipe)
    assert_stopped_by(build_in_a_process(work, timeout=30), f"{pipe}: cannot read file: it is a named pipe or a "
                      "device, not a file (delete it, or put the file it stands for in its place)")


@pytest.mark.parametrize("name", ["papers/attachments.md", "digests/2025-03.txt"])
def test_a_folder_named_as_a_file_the_build_reads_is_an_error_that_says_it_is_a_folder(work, name):
    """It was said to be "a named pipe or a device"."""
    folder = work / "content" / name
    folder.mkdir()
    (folder / "inside.md").write_text("x")
    assert_stopped_by(build_in_a_process(work), f"{folder}: cannot read file: it is a folder (rename it: the "
                      "build reads a name with this ending as a file)")


@pytest.mark.parametrize("name", ["papers/vault-note.md", "digests/2025-03-20.txt", "topics.yaml", "site.yaml"])
def test_a_link_that_leads_to_no_file_where_the_build_reads_one_is_an_error_naming_where_it_leads(work, name):
    """A file kept elsewhere (a notes vault, a drive not mounted) and linked
    in. topics.yaml so linked was taken for no topics.yaml: a warning, and
    every paper file's topics: line written as []; site.yaml, for all defaults."""
    papers = {path.name: path.read_bytes() for path in (work / "content" / "papers").iterdir()}
    link = work / "content" / name
    link.unlink(missing_ok=True)
    link.symlink_to(work / "unmounted" / link.name)
    assert_stopped_by(build_in_a_process(work), f"{link}: cannot read file: it is a link to "
                      f"{work / 'unmounted' / link.name}, which leads to no file (make the link lead to the file "
                      "(is the drive or folder it leads to there?), or delete the link)")
    assert {path.name: path.read_bytes() for path in (work / "content" / "papers").iterdir() if path != link} == papers


def test_the_check_for_changes_passes_over_a_pipe_without_a_stat_of_each_file(work, monkeypatch):
    """A stat of each file, to pass over a named pipe or a broken link, took
    a sixth of the check at 20,000 paper files: the folder's listing says
    what each entry is."""
    from site_builder.lastbuild import input_files

    paths = cached_paths(work)
    os.mkfifo(paths.content / "pipe")
    (paths.content / "gone.md").symlink_to(work / "nowhere.md")
    (work / "elsewhere").mkdir()
    (work / "elsewhere" / "plot.png").write_bytes(b"\x89PNG")
    (paths.content / "public").mkdir()
    (paths.content / "public" / "img").symlink_to(work / "elsewhere")
    stated: list[str] = []
    stat = os.stat
    monkeypatch.setattr(os, "stat", lambda path, *args, **kwargs: stated.append(str(path)) or stat(path, *args, **kwargs))
    hashed = input_files(paths, None, ()).files
    papers = sorted(str(path) for path in paths.papers.glob("*.md"))
    assert papers and set(papers) <= hashed.keys()
    assert str(paths.content / "public" / "img" / "plot.png") in hashed
    assert not hashed.keys() & {str(paths.content / "pipe"), str(paths.content / "gone.md")}
    assert [path for path in stated if path in papers] == []


def test_the_code_fingerprint_covers_the_node_script_and_python_not_bytecode(tmp_path):
    # A new version's search index script must not leave an old index in the
    # cache; nor a new search-core.js, whose folding of words the script applies.
    import subprocess
    import sys

    package = tmp_path / "site_builder"
    shutil.copytree(Path(__file__).resolve().parent.parent / "site_builder", package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    search_core = tmp_path / "static" / "search-core.js"
    search_core.parent.mkdir()
    shutil.copy(Path(__file__).resolve().parent.parent / "static" / "search-core.js", search_core)

    def fingerprint() -> str:
        return subprocess.run(
            [sys.executable, "-c", "from site_builder.cache import code_fingerprint; print(code_fingerprint().hex())"],
            cwd=tmp_path, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            capture_output=True, text=True, check=True,
        ).stdout

    first = fingerprint()
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "cache.cpython-311.pyc").write_bytes(b"bytecode")
    assert fingerprint() == first
    script = package / "js" / "build_index.js"
    script.write_text(script.read_text() + "\n// a new version\n")
    second = fingerprint()
    assert second != first
    (package / "search.py").write_text((package / "search.py").read_text() + "\n# a new version\n")
    third = fingerprint()
    assert third not in (first, second)
    search_core.write_text(search_core.read_text() + "\n// a new version\n")
    assert fingerprint() not in (first, second, third)


def test_a_library_upgraded_since_the_last_build_means_a_real_build_without_its_cache(work, monkeypatch):
    # pip install -U markdown-it-py may render notes anew: neither the site
    # found unchanged nor the HTML the cache holds is the new version's.
    import importlib.metadata

    from site_builder.cache import library_versions

    paths = cached_paths(work)
    build(paths)
    installed = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata, "version", lambda name: "99.0" if name == "markdown-it-py" else installed(name),
    )
    library_versions.cache_clear()
    try:
        assert not load_cache(paths.cache, paths.out).stored, "the old version's cache is not used"
        assert not build(paths).skipped
    finally:
        library_versions.cache_clear()


def test_a_library_not_installed_as_a_distribution_still_has_its_upgrade_noticed(monkeypatch):
    # Vendored, in a zipapp or on PYTHONPATH, a library has no metadata for
    # importlib.metadata: its module's own version stands in, so an upgrade
    # there still changes the code fingerprint.
    import importlib.metadata

    import markdown_it

    import importlib.util

    from site_builder.cache import OUTPUT_LIBRARIES, code_fingerprint, library_versions

    # Each library installed is known by the module named for it.
    for name, module in OUTPUT_LIBRARIES.items():
        try:
            importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        assert importlib.util.find_spec(module) is not None, (name, module)

    def no_distribution(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", no_distribution)
    fingerprints = []
    try:
        for version in ("3.0.0", "4.0.0"):
            monkeypatch.setattr(markdown_it, "__version__", version)
            library_versions.cache_clear()
            fingerprints.append(code_fingerprint())
        assert b"markdown-it-py 4.0.0" in library_versions()
    finally:
        library_versions.cache_clear()
    assert fingerprints[0] != fingerprints[1]


def test_another_node_means_a_real_build_without_its_cache(work, monkeypatch, tmp_path):
    # lunr lower-cases words with Node's Unicode tables: a Node upgraded (or
    # another on PATH) may index words anew.
    import shutil as shutil_module

    paths = cached_paths(work)
    build(paths)
    other = tmp_path / "bin" / "node"
    other.parent.mkdir()
    other.symlink_to(shutil_module.which("node"))  # the same program, as another install on PATH
    monkeypatch.setenv("PATH", f"{other.parent}{os.pathsep}{os.environ['PATH']}")
    assert load_cache(paths.cache, paths.out).stored, "a link to the same Node is the same Node"
    another = tmp_path / "bin2" / "node"  # another install, as a wrapper (copying Node is 100 MB)
    another.parent.mkdir()
    another.write_text(f'#!/bin/sh\nexec "{shutil_module.which("node")}" "$@"\n')
    another.chmod(0o755)
    monkeypatch.setenv("PATH", f"{another.parent}{os.pathsep}{os.environ['PATH']}")
    assert not load_cache(paths.cache, paths.out).stored, "the other Node's cache is not used"
    assert not build(paths).skipped


def test_every_dependency_is_in_the_code_fingerprint_or_known_not_to_shape_the_output():
    """A library added to pyproject.toml is named in OUTPUT_LIBRARIES, or
    here as one that shapes no page: an upgrade of it would otherwise leave
    the old version's HTML in a site found unchanged."""
    from site_builder.cache import OUTPUT_LIBRARIES

    listed = (ROOT / "pyproject.toml").read_text(encoding="utf-8").split("\ndependencies = [", 1)[1].split("]", 1)[0]
    dependencies = {re.match(r'\s*"([A-Za-z0-9_.\-]+)', line).group(1).lower() for line in listed.splitlines() if '"' in line}
    shapes_no_page = {"watchdog", "lunr"}  # the preview's file watch; lunr (lunr.py) is not imported
    assert dependencies - shapes_no_page <= set(OUTPUT_LIBRARIES)
    assert "markdown-it-py" in dependencies and shapes_no_page <= dependencies


def test_another_base_url_means_a_real_build(work):
    paths = cached_paths(work)
    build(paths)
    report = build(paths, base_url="/elsewhere/")
    assert not report.skipped
    assert b'href="/elsewhere/' in (paths.out / "index.html").read_bytes()


def test_after_a_build_that_ingests_new_papers_the_next_is_skipped(work):
    paths = cached_paths(work)
    shutil.rmtree(paths.papers)
    report = build(paths)
    assert report.plan.changed and not report.skipped
    assert build(paths).skipped


def test_a_paper_file_changed_during_a_build_is_seen_by_the_next_one(work, monkeypatch):
    paths = cached_paths(work)
    build(paths)
    import site_builder.pipeline as pipeline

    real_make_site = pipeline.make_site
    edited: list[Path] = []

    def make_site_then_edit(*args, **kwargs):
        result = real_make_site(*args, **kwargs)
        # A file this build read but does not write, edited after it was read.
        paper = next(path for path, _text in result.plan.texts if path not in result.plan.changed)
        paper.write_text(paper.read_text(encoding="utf-8") + "\n## Notes\n\nWritten mid-build.\n", encoding="utf-8")
        edited.append(paper)
        return result

    _edit_topics(work, paths)  # a real build
    monkeypatch.setattr(pipeline, "make_site", make_site_then_edit)
    assert not build(paths).skipped
    monkeypatch.setattr(pipeline, "make_site", real_make_site)
    assert not build(paths).skipped
    assert "Written mid-build." in (paths.out / "papers" / edited[0].stem / "index.html").read_text(encoding="utf-8")


def test_a_paper_file_saved_while_a_build_would_write_it_is_left_as_saved(work, monkeypatch):
    paths = cached_paths(work)
    build(paths)
    paper = sorted(paths.papers.glob("*.md"))[5]
    saved = paper.read_text(encoding="utf-8") + "\n## Notes\n\nSaved mid-build.\n"
    paper.unlink()  # so the next build writes it again from the digests
    import site_builder.pipeline as pipeline

    real_make_site = pipeline.make_site

    def make_site_then_save(*args, **kwargs):
        result = real_make_site(*args, **kwargs)
        assert paper in result.plan.changed
        paper.write_text(saved, encoding="utf-8")  # after the build read the papers
        return result

    monkeypatch.setattr(pipeline, "make_site", make_site_then_save)
    report = build(paths)
    assert paper.read_text(encoding="utf-8") == saved
    (warning,) = [w for w in report.warnings if w.path == paper]
    assert "left it as saved" in str(warning) and "build again" in str(warning)
    monkeypatch.setattr(pipeline, "make_site", real_make_site)
    report = build(paths)
    assert not report.skipped and paper not in report.plan.changed
    assert paper.read_text(encoding="utf-8") == saved
    assert "Saved mid-build." in (paths.out / "papers" / paper.stem / "index.html").read_text(encoding="utf-8")


def test_a_paper_file_saved_while_ingest_writes_others_is_left_as_saved(work, monkeypatch):
    """Ingest asks whether a file is as it read it the moment before it
    replaces that file, not of all of them before writing any: writing
    20,000 files takes seconds, long enough for an editor to save one."""
    paths = cached_paths(work)
    build(paths)
    first, second = sorted(paths.papers.glob("*.md"))[5:7]
    saved = second.read_text(encoding="utf-8") + "\n## Notes\n\nSaved while ingest wrote another file.\n"
    first.unlink()  # so the next build writes both again from the digests
    second.unlink()
    import site_builder.writer as writer

    real_new_temp_file = writer._new_temp_file

    def new_temp_file_and_save(path):
        if path == first:  # ingest writes the first file: the editor saves the second
            second.write_text(saved, encoding="utf-8")
        return real_new_temp_file(path)

    monkeypatch.setattr(writer, "_new_temp_file", new_temp_file_and_save)
    report = build(paths)
    assert second.read_text(encoding="utf-8") == saved and first.exists()
    (warning,) = [w for w in report.warnings if w.path == second]
    assert "left it as saved" in str(warning)


def test_a_paper_file_that_is_a_link_is_written_where_it_leads(work):
    """A note kept elsewhere (a notes vault) and linked into content/papers/
    stays one file: ingest writes through the link, as editors do."""
    paths = cached_paths(work)
    build(paths)
    paper = sorted(paths.papers.glob("*.md"))[3]
    vault = work / "vault" / paper.name
    vault.parent.mkdir()
    text = paper.read_text(encoding="utf-8") + "\n## Notes\n\nIn my vault.\n"
    vault.write_text(text.replace("dates: [", "dates: [2020-01-01, ", 1), encoding="utf-8")  # for ingest to rewrite
    paper.unlink()
    paper.symlink_to(vault)
    stale = vault.parent / f".{vault.name}.killed.atlas-tmp"  # as an ingest killed while writing it leaves
    stale.write_text("half a file")
    report = build(paths)
    assert paper in report.plan.changed and not stale.exists()
    assert paper.is_symlink() and paper.resolve() == vault.resolve()
    assert vault.read_text(encoding="utf-8") == text
    assert "In my vault." in (paths.out / "papers" / paper.stem / "index.html").read_text(encoding="utf-8")


def test_a_paper_file_with_a_hard_link_that_ingest_writes_anew_is_named_in_a_warning(work):
    """Ingest replaces a file whole (temp file and rename), which a second
    name of it (a hard link, in a notes vault) does not follow: that copy
    kept the old text, and notes written there never reached the site,
    without a word."""
    paths = cached_paths(work)
    build(paths)
    paper, other = sorted(paths.papers.glob("*.md"))[3:5]
    paper.write_text(paper.read_text(encoding="utf-8").replace("dates: [", "dates: [2020-01-01, ", 1), encoding="utf-8")
    vault = work / "vault"
    vault.mkdir()
    os.link(paper, vault / paper.name)
    os.link(other, vault / other.name)  # not written: nothing to say
    report = build(paths)
    assert report.plan.changed == (paper,)
    (warning,) = [w for w in report.warnings if "hard link" in str(w)]
    assert str(warning) == (
        f"{paper}: this file has 1 other name (a hard link, in a notes vault, say), which keeps its text from "
        "before ingest wrote it anew (to keep a paper file elsewhere, link it with a symbolic link (ln -s), "
        "which ingest writes through; copy what you wrote under the other name into this file)"
    )


def test_a_file_system_that_counts_no_names_is_no_hard_link(tmp_path, monkeypatch):
    """Some FUSE file systems (a vault's cloud drive) leave a file's count
    of names 0: each paper file ingest wrote was said to have -1 other names."""
    from site_builder import inputs
    paper = tmp_path / "a-paper.md"
    paper.write_text("---\ntitle: A paper\n---\n", encoding="utf-8")
    real, stat = os.stat(paper), os.stat
    monkeypatch.setattr(inputs.os, "stat", lambda path, **options: (
        os.stat_result((*real[:3], 0, *real[4:10])) if path == paper else stat(path, **options)
    ))
    assert inputs._hard_linked([paper]) == ()


def test_after_editing_a_note_the_cached_build_equals_a_clean_one(work):
    paths = cached_paths(work)
    build(paths)
    paper = sorted((paths.papers).glob("*.md"))[10]
    paper.write_text(paper.read_text(encoding="utf-8") + "\n## Notes\n\nRead this *twice*.\n", encoding="utf-8")
    build(paths)
    site = snapshot(paths.out)
    assert "<em>twice</em>" in site[f"papers/{paper.stem}/index.html"].decode()
    assert site == clean_build(work)


def test_after_adding_or_removing_the_image_a_note_embeds_the_cached_build_equals_a_clean_one(work):
    """The note is unchanged, and so its rendered Markdown: the page is not."""
    paths = cached_paths(work)
    paper = sorted((paths.papers).glob("*.md"))[10]
    paper.write_text(paper.read_text(encoding="utf-8") + "\n## Notes\n\n![[plot.png|300]]\n", encoding="utf-8")
    page = f"papers/{paper.stem}/index.html"
    build(paths)
    assert b"![[plot.png|300]]</span>" in snapshot(paths.out)[page]
    (paths.public / "img").mkdir(parents=True)
    (paths.public / "img" / "plot.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    build(paths)
    site = snapshot(paths.out)
    assert b'<img src="/img/plot.png" alt="plot" loading="lazy" width="300" />' in site[page]
    assert site == clean_build(work)
    (paths.public / "img" / "plot.png").unlink()
    build(paths)
    site = snapshot(paths.out)
    assert b"![[plot.png|300]]</span>" in site[page]
    assert site == clean_build(work, "clean-without")


def _front_matter_with(paper: Path, front: str) -> None:
    """``paper`` with ``front`` as its only keys after the ones ingest writes (links: is the last)."""
    text = paper.read_text(encoding="utf-8")
    head, rest = text.split("\nlinks:", 1)
    links, body = rest.split("\n---\n", 1)
    paper.write_text(f"{head}\nlinks:{links.splitlines()[0]}\n{front}---\n{body}", encoding="utf-8")


def test_after_adding_renaming_and_removing_tags_the_cached_build_equals_a_clean_one(work):
    """A tag page lists papers of other files than the one edited, and a
    tag is named as most of its papers spell it: a paper's view, and every
    list showing it, must follow an edit of another paper's tags."""
    paths = cached_paths(work)
    build(paths)
    first, second = sorted(paths.papers.glob("*.md"))[10:12]
    steps = [
        # Added: one tag in two spellings, the first paper's the minority, and a star.
        ("tags: [Read later]\nstarred: true\n", "tags: [read-later, rlhf]\n", {"tags/read-later/", "tags/rlhf/", "starred/"}),
        # Renamed in one paper: the other keeps the old tag; the star goes.
        ("tags: [Read later]\n", "tags: [to-read, rlhf]\n", {"tags/read-later/", "tags/to-read/", "tags/rlhf/"}),
        ("", "", set()),  # removed: no tag pages at all
    ]
    for first_front, second_front, tag_pages in steps:
        _front_matter_with(first, first_front)
        _front_matter_with(second, second_front)
        build(paths)
        site = snapshot(paths.out)
        made = {path.removesuffix("index.html") for path in site if path.startswith(("tags/", "starred/"))}
        assert made == tag_pages | ({"tags/"} if tag_pages else set())
        assert site == clean_build(work)


def test_after_editing_a_template_the_cached_build_equals_a_clean_one(work):
    paths = cached_paths(work)
    build(paths)
    templates = work / "my-templates"
    templates.mkdir()
    original = (ROOT / "templates" / "paper.html").read_text(encoding="utf-8")
    (templates / "paper.html").write_text(original.replace("<h2 id=\"abstract-heading\">Abstract</h2>",
                                                           "<h2 id=\"abstract-heading\">Summary</h2>"), encoding="utf-8")
    site_yaml = paths.content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "templates_dir: ../my-templates\n", encoding="utf-8")
    build(paths)
    site = snapshot(paths.out)
    assert b">Summary</h2>" in next(data for path, data in site.items() if path.startswith("papers/"))
    shutil.copytree(templates, work / "my-templates-copy")
    assert site == clean_build(work)


def test_after_editing_a_template_that_extends_the_built_in_one_or_that_one_the_cached_build_equals_a_clean_one(
    work, monkeypatch,
):
    """Its pages show both: an edit of either renders them again. The
    built-in templates are a copy here, to be edited as a new version of
    Paper Atlas would change them."""
    builtin = work / "builtin-templates"
    shutil.copytree(ROOT / "templates", builtin)
    for module in (render, pipeline, template_checks):
        monkeypatch.setattr(module, "BUILTIN_TEMPLATES", builtin)
    paths = cached_paths(work)
    override = paths.content / "my-templates" / "paper.html"
    override.parent.mkdir()
    override.write_text('{% extends "!paper.html" %}\n{% block side_extra %}<p>Cite once</p>{% endblock %}\n')
    site_yaml = paths.content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "templates_dir: my-templates\n", encoding="utf-8")
    build(paths)
    for path, old, new in (
        (override, "<p>Cite once</p>", "<p>Cite twice</p>"), (builtin / "paper.html", "Related papers", "Papers like it"),
    ):
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        build(paths)
        site = snapshot(paths.out)
        assert new.encode() in site["papers/a-comprehensive-overview-of-large-language-models/index.html"]
        assert site == clean_build(work)

def test_after_editing_a_partial_included_by_a_computed_name_the_cached_build_equals_a_clean_one(work):
    """Jinja's reference scan cannot name a template included as
    {% include part %}: the pages that do so depend on every template."""
    paths = cached_paths(work)
    templates = paths.content / "my-templates"
    (templates / "partials").mkdir(parents=True)
    (templates / "404.html").write_text(
        '{% extends "base.html" %}\n{% block main %}{% set part = "partials/" ~ "lost.html" %}{% include part %}'
        "{% endblock %}\n", encoding="utf-8",
    )
    partial = templates / "partials" / "lost.html"
    partial.write_text("<p>Nothing here.</p>\n", encoding="utf-8")
    site_yaml = paths.content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "templates_dir: my-templates\n", encoding="utf-8")
    build(paths)
    partial.write_text("<p>Nothing here any more.</p>\n", encoding="utf-8")
    build(paths)
    site = snapshot(paths.out)
    assert b"<p>Nothing here any more.</p>" in site["404.html"]
    assert site == clean_build(work)


def test_after_editing_the_paper_item_partial_every_list_is_rendered_again(work):
    """List pages show partials/paper_item.html through paper_item(), which
    Jinja's reference scan cannot see; the cache must notice it anyway."""
    paths = cached_paths(work)
    build(paths)
    templates = paths.content / "my-templates"
    (templates / "partials").mkdir(parents=True)
    site_yaml = paths.content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "templates_dir: my-templates\n", encoding="utf-8")
    build(paths)  # the same templates, found in another directory: nothing to render again
    original = (ROOT / "templates" / "partials" / "paper_item.html").read_text(encoding="utf-8")
    (templates / "partials" / "paper_item.html").write_text(
        original.replace('<li class="paper-item">', '<li class="paper-item edited">'), encoding="utf-8")
    build(paths)
    site = snapshot(paths.out)
    for page in ("index.html", "topics/agents/index.html", next(p for p in site if re.fullmatch(r"dates/\d{4}-\d\d-\d\d/index.html", p))):
        assert b'<li class="paper-item edited">' in site[page], page
    assert site == clean_build(work)


def test_after_adding_a_digest_the_cached_build_equals_a_clean_one(work):
    paths = cached_paths(work)
    build(paths)
    (paths.digests / "2025-10-01.txt").write_text(
        "Oct 1\n\nA Brand New Paper About Caches\n\nWe show that caches are fast. They are also tricky.\n",
        encoding="utf-8",
    )
    build(paths)
    site = snapshot(paths.out)
    assert "papers/a-brand-new-paper-about-caches/index.html" in site
    assert "dates/2025-10-01/index.html" in site
    assert site == clean_build(work)


def test_a_build_makes_its_site_out_of_the_one_the_last_build_replaced_and_equals_a_clean_one(work):
    paths = cached_paths(work)
    build(paths)
    def identities() -> dict[str, tuple[int, int]]:
        return {path: (stat.st_ino, stat.st_mtime_ns) for path in snapshot(paths.out) if (stat := (paths.out / path).stat())}

    first = identities()
    paper = next(paths.papers.glob("*.md"))
    paper.write_text(paper.read_text(encoding="utf-8") + "\n## Notes\n\nRead it twice.\n", encoding="utf-8")
    build(paths)
    (paths.digests / "2025-10-01.txt").write_text(
        "Oct 1\n\nA Brand New Paper About Caches\n\nWe show that caches are fast.\n", encoding="utf-8",
    )
    build(paths)
    site = snapshot(paths.out)
    assert site == clean_build(work)
    reused = [path for path, identity in identities().items() if identity == first.get(path)]
    assert len(reused) > len(site) * 0.8, "most files of the first site are the third's, not written again"
    assert f"papers/{paper.stem}/index.html" not in reused and "index.html" not in reused


def test_a_page_changed_in_the_output_directory_is_rendered_again(work):
    paths = cached_paths(work)
    build(paths)
    expected = snapshot(paths.out)
    (paths.out / "topics" / "index.html").write_text("tampered", encoding="utf-8")
    (paths.out / "stray.html").write_text("left over", encoding="utf-8")
    build(paths)
    assert snapshot(paths.out) == expected


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped byte", "empty"])
def test_a_corrupt_cache_file_is_ignored(work, damage):
    paths = cached_paths(work)
    build(paths)
    expected = snapshot(paths.out)
    cache_file = paths.cache / CACHE_FILE
    data = cache_file.read_bytes()
    damaged = {
        "garbage": b"\x80\x05not a pickle at all" * 100,
        "truncated": data[: len(data) // 2],
        "flipped byte": data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:],
        "empty": b"",
    }[damage]
    cache_file.write_bytes(damaged)
    assert not load_cache(paths.cache, paths.out).stored
    shutil.rmtree(paths.out)
    build(paths)
    assert snapshot(paths.out) == expected


@pytest.mark.parametrize("damage", ["length made huge", "flipped byte", "truncated"])
def test_a_damaged_record_of_the_last_build_is_ignored(work, damage):
    """A byte changed where the pickle gives a length made the next build
    ask for terabytes: a MemoryError, a traceback at every build."""
    paths = cached_paths(work)
    build(paths)
    expected = snapshot(paths.out)
    record = paths.cache / LAST_BUILD_FILE
    data = bytearray(record.read_bytes())
    if damage == "length made huge":
        frame = data.index(b"\x80\x05\x95") + 3  # pickle's first frame: protocol 5, then its 8-byte length
        data[frame + 4] = 0xFF
    elif damage == "flipped byte":
        data[len(data) // 2] ^= 0xFF
    else:
        del data[len(data) // 2:]
    record.write_bytes(data)
    assert load_last_build(paths.cache) is None
    assert not build(paths).skipped
    assert snapshot(paths.out) == expected
    assert build(paths).skipped, "the next build has a record again"


def test_a_cache_from_another_site_gives_this_sites_output(work):
    paths = cached_paths(work)
    build(paths)
    other = replace(paths, content=work / "other")
    shutil.copytree(paths.content, other.content)
    for digest in sorted(other.digests.glob("*.txt"))[1:]:
        digest.unlink()
    shutil.rmtree(other.papers)
    build(other)  # same cache and output directory, other content
    assert snapshot(other.out) == _clean_of(work, other)


def _clean_of(work: Path, paths: Paths) -> dict[str, bytes]:
    copy = work / "other-clean-content"
    shutil.copytree(paths.content, copy)
    build(Paths(content=copy, out=work / "other-clean"), workers=1)
    return snapshot(work / "other-clean")


def test_parallel_and_serial_rendering_give_the_same_site(work):
    paths = Paths(content=work / "content", out=work / "serial")
    build(paths, workers=1)
    build(replace(paths, out=work / "parallel"), workers=2)
    build(replace(paths, out=work / "three"), workers=3)
    serial = snapshot(work / "serial")
    assert len(serial) > 300
    assert snapshot(work / "parallel") == serial == snapshot(work / "three")


def test_a_preview_started_from_the_disk_cache_sends_its_related_papers_process_each_paper_once(work, monkeypatch):
    """The preview's first build finds the related papers on disk, but their
    process has no paper's terms yet: it is sent every paper then (its reply
    not waited for), not by the first rebuild, which sends only the new one."""
    from site_builder import pipeline, related_worker

    paths = cached_paths(work)
    build(paths)
    cache = load_cache(paths.cache, paths.out)
    cache.long_lived = True
    sent: list[int] = []
    send = related_worker._send
    monkeypatch.setattr(related_worker, "_send", lambda request, stream: sent.append(len(request[0])) or send(request, stream))
    worker = related_worker.RelatedWorker()
    try:
        first = pipeline.make_site(paths, cache=cache, workers=1, related_worker=worker)
        assert sent == [len(first.site.papers)], "every paper, sent by the first build"
        (paths.digests / "2025-03-20.txt").write_text(
            "Daily Papers\n\nMar 20\n\nA Paper of the Twentieth\n\nWe study one day.\n", encoding="utf-8"
        )
        rebuilt = pipeline.make_site(paths, cache=cache, workers=1, defer=True, related_worker=worker)
        assert sent == [len(first.site.papers), 1]
        assert rebuilt.site.pages == pipeline.make_site(paths, workers=1).site.pages
    finally:
        worker.stop()


def test_a_long_lived_cache_renders_each_abstract_once_across_rebuilds(work, monkeypatch):
    """The preview's cache: a paper's view comes from the memo, so its
    abstract's HTML is not asked for; it must still be kept, or every other
    rebuild would render all abstracts again (as Markdown, or as the digests'
    text)."""
    from site_builder import pipeline
    from site_builder.cache import BuildCache

    rendered: list[str] = []

    def counting(make):
        def make_counting(*args):
            render = make(*args)
            return lambda text: rendered.append(text) or render(text)
        return make_counting

    monkeypatch.setattr(pipeline, "make_markdown", counting(pipeline.make_markdown))
    monkeypatch.setattr(pipeline, "make_digest_text", counting(pipeline.make_digest_text))
    paths = Paths(content=work / "content", out=work / "site")
    cache = BuildCache()
    pipeline.make_site(paths, cache=cache, workers=1, defer=True)
    assert len(rendered) > 300
    for day in (20, 21, 22):
        rendered.clear()
        (paths.digests / f"2025-03-{day}.txt").write_text(
            f"Daily Papers\n\nMar {day}\n\nA Paper of the {day}th\n\nWe study day {day}.\n", encoding="utf-8"
        )
        pipeline.make_site(paths, cache=cache, workers=1, defer=True)
        assert rendered == [f"We study day {day}."]


def test_a_long_lived_cache_shows_a_renamed_topic_on_every_paper_page(work):
    """A paper's view is memoised by its dates and its topics' slugs and
    names: renaming a topic in topics.yaml must reach every paper in it."""
    from site_builder import pipeline
    from site_builder.cache import BuildCache

    paths = Paths(content=work / "content", out=work / "site")
    cache = BuildCache(long_lived=True)
    before = pipeline.make_site(paths, cache=cache, workers=1).files
    topics = paths.content / "topics.yaml"
    topics.write_text(
        topics.read_text(encoding="utf-8").replace("name: Pre-training & Scaling", "name: Scaling Laws Etc"),
        encoding="utf-8",
    )
    after = pipeline.make_site(paths, cache=cache, workers=1).files
    renamed = [path for path, data in after.items() if path.startswith("papers/") and b"Scaling Laws Etc" in data]
    assert len(renamed) > 10 and not any(b"Scaling Laws Etc" in before[path] for path in renamed)
    assert after == pipeline.make_site(paths, workers=1).files


def test_a_cache_forgets_what_a_build_did_not_use_and_frees_it_when_released():
    import gc
    import weakref

    from site_builder.cache import BuildCache

    class Value:
        pass

    made: list[str] = []

    def make(name: str):
        made.append(name)
        return Value()

    cache = BuildCache(long_lived=True)
    first_b = cache.memo("b", lambda: make("b"))
    cache.memo("a", lambda: make("a"))
    cache.end_build()
    cache.memo("a", lambda: make("a"))  # the second build uses a only
    cache.end_build()
    freed = weakref.ref(first_b)
    del first_b
    cache.release()
    gc.collect()
    assert freed() is None
    cache.memo("b", lambda: make("b"))
    assert made == ["b", "a", "b"]


def test_the_preview_can_free_one_kind_of_forgotten_entry_before_the_rest():
    """The old search index goes before the renderers fork; the many small entries wait."""
    import gc
    import weakref

    from site_builder.cache import BuildCache

    class Value:
        pass

    cache = BuildCache(long_lived=True)
    values = {key: cache.memo(key, Value) for key in (("search", 1), ("markdown", "x"), "plain")}
    cache.end_build()
    cache.end_build()  # the second build used none of them: all forgotten
    refs = {key: weakref.ref(value) for key, value in values.items()}
    del values
    cache.release_kind("search")
    gc.collect()
    assert {key: ref() is None for key, ref in refs.items()} == {("search", 1): True, ("markdown", "x"): False, "plain": False}
    cache.release()
    gc.collect()
    assert all(ref() is None for ref in refs.values())


def test_a_memo_lookup_survives_a_build_ending_in_the_middle_of_it():
    """The preview may start a deferred search index (memo calls) from a
    request thread while the build thread ends a build; simulated here by a
    key whose hashing ends the build, between looking up and reading."""
    from site_builder.cache import BuildCache

    cache = BuildCache(long_lived=True)
    armed: list[bool] = []

    class Key:
        def __hash__(self) -> int:
            if armed:
                armed.clear()
                cache.end_build()
            return 1

        def __eq__(self, other: object) -> bool:
            return other is self

    key = Key()
    assert cache.memo(key, lambda: "value") == "value"
    armed.append(True)
    assert cache.memo(key, lambda: "computed again") == "value"


def test_memo_many_computes_what_no_build_did_on_both_cores_and_raises_every_error():
    from site_builder.cache import BuildCache
    from site_builder.errors import BuildErrors, SourceError

    def square(n: int) -> tuple[int, int]:
        if n in (7, 300):
            raise SourceError(f"bad {n}", f"n{n}.md", n)
        time.sleep(0.001)  # else this process would be done before the child asked for work
        return n * n, os.getpid()

    cache = BuildCache(long_lived=True)
    known = cache.memo(("n", 5), lambda: square(5))
    jobs = [(("n", n), lambda n=n: square(n)) for n in [*range(400), 5, 5]]
    with pytest.raises(BuildErrors) as raised:
        cache.memo_many(jobs, workers=2)
    assert [str(error) for error in raised.value.errors] == ["n7.md:7: bad 7", "n300.md:300: bad 300"]

    ok = [(key, compute) for key, compute in jobs if key[1] not in (7, 300)]
    values = cache.memo_many(ok, workers=2)
    assert [value for value, _pid in values] == [n * n for n in range(400) if n not in (7, 300)] + [25, 25]
    assert values[5] is known and values[-1] is known  # a value the build already had, not computed again
    assert len({pid for _value, pid in values}) == 2  # the missing ones were shared with a child
    cache.end_build()
    nine = values[[key[1] for key, _compute in ok].index(9)]
    assert cache.memo_many([(("n", 9), lambda: "computed again")], workers=2) == [nine]


def test_digests_parse_alike_on_both_cores_and_every_error_is_reported_in_file_order(tmp_path, monkeypatch):
    from site_builder import parallel
    from site_builder.errors import BuildErrors
    from site_builder.pipeline import read_inputs

    forks = []
    fork = parallel._fork
    monkeypatch.setattr(parallel, "_fork", lambda compute: forks.append(compute) or fork(compute))

    digests = tmp_path / "content" / "digests"
    digests.mkdir(parents=True)
    for day in range(250):  # enough to be shared with a child process
        date = dt.date(2024, 1, 1) + dt.timedelta(days=day)
        (digests / f"{date}.txt").write_text(f"{date:%b} {date.day}, {date.year}\n\nPaper {day}\n\nAbstract {day}.\n")
    paths = Paths(content=tmp_path / "content", out=tmp_path / "site")
    serial = read_inputs(paths, workers=1)
    assert forks == []
    both = read_inputs(paths, workers=2)
    assert forks  # the digests were shared with a child process
    assert len(serial.digests) == 250 and both.digests == serial.digests

    (digests / "2024-02-01.txt").write_text("")  # empty
    (digests / "2024-03-01.txt").write_bytes(b"Mar 1, 2024\n\nT\xff\n\nA.\n")  # not UTF-8
    (digests / "2024-04-01.txt").unlink()
    (digests / "2024-04-01.txt").mkdir()  # cannot be read at all
    (digests / "2024-05-01.txt").write_text("no date line\n\nT\n\nA.\n")
    reported = []
    for workers in (1, 2):
        with pytest.raises(BuildErrors) as raised:
            read_inputs(paths, workers=workers)
        reported.append([str(error) for error in raised.value.errors])
    assert reported[0] == reported[1]
    assert [message.split(":")[0] for message in reported[0]] == [
        str(digests / name) for name in ("2024-02-01.txt", "2024-03-01.txt", "2024-04-01.txt", "2024-05-01.txt")
    ]


def test_a_long_lived_cache_shows_markdown_once_no_digest_lists_the_paper(work):
    """A paper no digest lists any more is a paper of one's own, whose
    abstract is Markdown: the memoised view of its digest text must not be
    shown again (as the preview server would, keeping one cache)."""
    from site_builder.cache import BuildCache

    paths = Paths(content=work / "content", out=work / "site")
    digest = paths.digests / "2025-03-30.txt"
    digest.write_text("Daily Papers\n\nMar 30\n\nA Starry Paper\n\nWe use 8*16B *experts*.\n", encoding="utf-8")
    cache = BuildCache(long_lived=True)
    build(paths, cache=cache, workers=1)
    page = "papers/a-starry-paper/index.html"
    assert "8*16B *experts*" in snapshot(paths.out)[page].decode()
    digest.unlink()
    build(paths, cache=cache, workers=1)
    assert "<em>" in snapshot(paths.out)[page].decode()
    assert snapshot(paths.out) == clean_build(work)


def test_a_long_lived_cache_hashes_a_digest_again_only_once_it_changed(tmp_path, monkeypatch):
    import hashlib

    from site_builder import cache as cache_module

    hashed: list[Path] = []
    real = cache_module.file_hash
    monkeypatch.setattr(cache_module, "file_hash", lambda path: hashed.append(path) or real(path))
    digest = tmp_path / "2024-03-18.txt"
    digest.write_text("Mar 18\n\nOne title\n\nOne abstract.\n")
    cache = cache_module.BuildCache(long_lived=True)
    first = cache.file_hash(digest)
    assert cache.file_hash(digest) == first and hashed == [digest]
    # The same size, saved a moment later: hashed again, to the new bytes.
    stat = digest.stat()
    digest.write_text("Mar 18\n\nOne title\n\nTwo abstract.\n")
    os.utime(digest, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert cache.file_hash(digest) == hashlib.sha256(digest.read_bytes()).hexdigest() != first
    assert hashed == [digest, digest]
    digest.unlink()
    with pytest.raises(SourceError, match="cannot read file"):
        cache.file_hash(digest)
