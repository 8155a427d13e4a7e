"""Faults: a build killed at any moment, a full disk, an unwritable output."""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from site_builder.cache import CACHE_FILE
from site_builder.errors import NOTHING_WRITTEN, OutputError, SourceError
from site_builder.lastbuild import output_stats
from site_builder.papers import parse_paper
from site_builder.pipeline import PREVIOUS_SITE, Paths, build
from site_builder.writer import write_site
from files import snapshot

ROOT = Path(__file__).resolve().parent.parent
NEW_DIGEST = "Mar 19\n\nA Brand New Paper About Killing Builds\n\nWe kill builds at random points and check nothing is lost.\n"



def test_killed_builds_leave_the_old_or_the_new_site_and_whole_paper_files(tmp_path):
    base = tmp_path / "base"
    shutil.copytree(ROOT / "content", base / "content")
    build(Paths(base / "content", base / "_site"))
    old_site, old_papers = snapshot(base / "_site"), snapshot(base / "content" / "papers")

    reference = tmp_path / "reference"
    shutil.copytree(base / "content", reference / "content")
    (reference / "content" / "digests" / "zz-new.txt").write_text(NEW_DIGEST)
    start = time.perf_counter()
    build(Paths(reference / "content", reference / "_site"))
    build_seconds = time.perf_counter() - start + 0.6  # plus interpreter start-up
    new_site, new_papers = snapshot(reference / "_site"), snapshot(reference / "content" / "papers")
    assert new_site != old_site

    rng = random.Random(1234)
    outcomes = {"old": 0, "new": 0}
    # A kill after half a build's time that finds the build still running
    # lands mid-build, past start-up (with this seed, 8 of the 12 sleeps are
    # that long); a CLI that failed at once would leave the old site too.
    killed_mid_build = 0
    for trial in range(12):
        work = tmp_path / f"trial{trial}"
        shutil.copytree(base, work)
        (work / "content" / "digests" / "zz-new.txt").write_text(NEW_DIGEST)
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "build", "-q"], cwd=work,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        sleep = rng.uniform(0.0, build_seconds * 1.2)
        time.sleep(sleep)
        process.send_signal(signal.SIGKILL)
        killed = process.wait() == -signal.SIGKILL  # not found finished
        killed_mid_build += killed and sleep >= build_seconds / 2
        site = snapshot(work / "_site")
        assert site in (old_site, new_site), f"trial {trial}: _site is a mix of old and new"
        outcomes["old" if site == old_site else "new"] += 1
        for path in (work / "content" / "papers").glob("*.md"):
            name = path.relative_to(work / "content" / "papers").as_posix()
            assert path.read_bytes() in (old_papers.get(name), new_papers.get(name)), f"trial {trial}: {name}"
            parse_paper(path.read_text(), path)
        # The next build cleans up whatever the killed one left.
        build(Paths(work / "content", work / "_site"))
        assert snapshot(work / "_site") == new_site
        leftovers = [p.name for p in work.iterdir() if p.name.startswith("._site")]
        leftovers += [p.name for p in (work / "content" / "papers").iterdir() if p.name.startswith(".")]
        assert leftovers == []
    print(f"killed builds: {killed_mid_build} of 12 mid-build, sites left: {outcomes}")
    # Each site left was the old or the new one (asserted above). How many
    # were new depends on the machine's speed and load: printed, not asserted.
    assert killed_mid_build >= 1, "no build was killed while it ran: the test proved nothing"


# Simulated, because the tests may run as root, whom permissions do not stop.
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES], ids=["disk-full", "read-only", "no-permission"])
def test_disk_full_or_read_only_output_gives_a_clear_error_and_keeps_the_old_site(tmp_path, monkeypatch, code):
    out = tmp_path / "_site"
    write_site(out, {"index.html": b"old"})
    real_open = os.open

    def failing_disk(path, *args, **kwargs):
        if os.path.basename(path) == "b.html":
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", failing_disk)
    with pytest.raises(SourceError) as info:
        write_site(out, {"index.html": b"new", "b.html": b"x"})
    assert f"cannot write the site: {os.strerror(code)}" in str(info.value)
    assert info.value.path == out / "b.html", "named as in the site, not in the hidden one it was made in"
    assert snapshot(out) == {"index.html": b"old"}
    assert [p.name for p in tmp_path.iterdir()] == ["_site"], "no staging directory left behind"


@pytest.mark.parametrize("failing", ["creating", "writing"])
def test_a_file_the_preview_cannot_write_is_named_not_its_temp_file_or_the_output(tmp_path, monkeypatch, failing):
    """The preview writes in place, each file through a hidden temp file:
    a full disk was told at the temp file (".page.html.24fa9a14.atlas-tmp")
    or, when a write failed, at the output directory."""
    import io

    from site_builder.writer import update_site

    out = tmp_path / "_site"
    update_site(out, {"index.html": b"old"}, {})
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    real_open, real_fdopen = os.open, os.fdopen

    def create(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_open(path, flags, *args, **kwargs)

    class FullDisk(io.RawIOBase):
        def writable(self):
            return True

        def write(self, data):
            raise full

    def fdopen(fd, *args, **kwargs):
        os.close(fd)
        return FullDisk()

    monkeypatch.setattr(os, *(("open", create) if failing == "creating" else ("fdopen", fdopen)))
    with pytest.raises(SourceError) as info:
        update_site(out, {"index.html": b"old", "page.html": b"new"}, {"index.html": b"old"})
    assert (Path(info.value.path), info.value.message) == (out / "page.html", "cannot write the site: No space left on device")
    monkeypatch.undo()
    assert snapshot(out) == {"index.html": b"old"}


def test_a_preview_rebuild_that_failed_part_way_is_undone_by_the_next_one_back_to_the_earlier_site(tmp_path, monkeypatch):
    """A rebuild the disk filled during, then one back to the earlier site
    (the save undone, the disk freed): the preview took the disk for the
    earlier site, and left the failed rebuild's files and a page it had
    removed missing (a 404) until it was restarted."""
    from types import SimpleNamespace

    from site_builder.preview_output import PreviewOutput

    def rebuild(files):
        return SimpleNamespace(files=files, later={}, pending_search=None, search=None)

    earlier = {"index.html": b"home", "a.html": b"A", "gone.html": b"G"}
    output = PreviewOutput(tmp_path / "_site")
    output.write(rebuild(earlier), ())
    real_open = os.open

    def full_at_z(path, flags, *args, **kwargs):
        if "z.html" in os.fspath(path) and flags & os.O_CREAT:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", full_at_z)
    with pytest.raises(SourceError, match="No space left on device"):
        output.write(rebuild({"index.html": b"home 2", "a.html": b"A2", "z.html": b"Z"}), ())
    monkeypatch.undo()
    output.write(rebuild(earlier), ())
    assert snapshot(tmp_path / "_site") == earlier


def test_an_output_directory_whose_parent_cannot_be_written_to_is_named_so(tmp_path, monkeypatch):
    import tempfile

    out = tmp_path / "_site"
    write_site(out, {"index.html": b"old"})

    def read_only_parent(prefix="", dir=None, **kwargs):  # as mkdtemp fails in a directory one may not write to
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.path.join(dir, prefix + "x1y2z3"))

    monkeypatch.setattr(tempfile, "mkdtemp", read_only_parent)
    with pytest.raises(SourceError) as info:
        write_site(out, {"index.html": b"new"})
    assert (info.value.path, info.value.message) == (tmp_path, "cannot write the site: Permission denied")
    assert snapshot(out) == {"index.html": b"old"}


def test_output_path_that_cannot_be_a_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("I am a file")
    with pytest.raises(SourceError) as info:
        write_site(blocker / "_site", {"index.html": b"x"})
    assert str(info.value).startswith(f"{blocker}: cannot create output directory")


def test_writer_refuses_paths_outside_the_output(tmp_path):
    for bad in ("../escape.html", "/etc/passwd", "a/../../b"):
        with pytest.raises(SourceError, match="outside the output directory"):
            write_site(tmp_path / "_site", {bad: b"x"})
    assert not (tmp_path / "escape.html").exists()


def test_paper_files_are_all_written_or_the_failing_one_is_named(tmp_path):
    from site_builder.writer import write_files

    files = {tmp_path / "papers" / f"p{n}.md": f"paper {n}\n".encode() for n in range(7)}
    files[tmp_path / "other" / "q.md"] = b"q\n"
    write_files(files)
    assert {path: path.read_bytes() for path in files} == files
    assert sorted(p.name for p in (tmp_path / "papers").iterdir()) == [f"p{n}.md" for n in range(7)]

    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory")
    with pytest.raises(OutputError) as info:
        write_files({tmp_path / "papers" / "p0.md": b"new\n", blocker / "x.md": b"x\n"})
    assert str(info.value).startswith(f"{blocker / 'x.md'}: cannot write file")
    assert info.value.written == "1 paper file was written before it, of 2; the previous site is unchanged."
    assert (tmp_path / "papers" / "p0.md").read_bytes() == b"new\n"
    with pytest.raises(OutputError) as info:
        write_files({blocker / "x.md": b"x\n", tmp_path / "papers" / "p1.md": b"new\n"})
    assert info.value.written == NOTHING_WRITTEN


def test_a_build_leaves_the_temp_files_another_build_is_writing_and_removes_those_left_by_a_killed_one(tmp_path):
    """Two builds at once: the second one's clean-up removed the temp files
    the first was writing, whose renames then failed it ("cannot write
    file: No such file or directory")."""
    from site_builder.writer import TEMP_SUFFIX, remove_stale_temp_files, write_files

    papers = tmp_path / "papers"
    papers.mkdir()
    left_by_a_killed_build = papers / f".p0.md.0123abcd{TEMP_SUFFIX}"
    left_by_a_killed_build.write_bytes(b"half a pap")
    files = {papers / f"p{n}.md": f"paper {n}\n".encode() for n in range(5)}

    def another_build_cleans_up(path: Path) -> bool:  # the moment before each rename
        remove_stale_temp_files(papers)
        return True

    assert write_files(files, another_build_cleans_up) == ()
    assert snapshot(papers) == {path.name: data for path, data in files.items()}


@pytest.mark.parametrize("command", ["build", "ingest"])
def test_a_temp_file_a_killed_ingest_left_is_removed_by_the_next_though_it_writes_no_paper_file(tmp_path, command):
    """A build killed as ingest wrote a new digest's paper file, the digest
    then deleted (pasted by mistake): no build after it had a paper file to
    write, so none removed the temp file, which stayed hidden for ever for
    `git add -A` to commit."""
    from site_builder.inputs import ingest
    from site_builder.writer import TEMP_SUFFIX

    shutil.copytree(ROOT / "content", tmp_path / "content")
    papers = tmp_path / "content" / "papers"
    before = snapshot(papers)
    (papers / f".a-brand-new-paper-about-killing-builds.md.0123abcd{TEMP_SUFFIX}").write_text("---\ntitle: A Bra")
    paths = Paths(tmp_path / "content", tmp_path / "_site")
    plan = build(paths).plan if command == "build" else ingest(paths)[0]
    assert plan.changed == ()
    assert snapshot(papers) == before


def test_a_full_temp_directory_is_a_one_line_error_naming_it_and_nothing_is_written(tmp_path, monkeypatch):
    """The search index's input is written to a temporary file (TMPDIR,
    /tmp: often a small tmpfs), for Node to read: a full one was an OSError
    traceback (tried with TMPDIR on a tmpfs of 500 KB)."""
    import io
    import tempfile

    from site_builder import search

    class FullDisk(io.BytesIO):
        def write(self, data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def close(self):  # as a buffered file's close, which flushes what it holds
            super().close()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    shutil.copytree(ROOT / "content", tmp_path / "content")
    build(Paths(tmp_path / "content", tmp_path / "_site"))
    before = snapshot(tmp_path)
    (tmp_path / "content" / "papers" / "a-comprehensive-overview-of-large-language-models.md").unlink()
    monkeypatch.setattr(search.tempfile, "TemporaryFile", FullDisk)
    with pytest.raises(SourceError) as raised:
        build(Paths(tmp_path / "content", tmp_path / "_site"))
    assert str(raised.value).startswith(
        f"{tempfile.gettempdir()}: cannot write the search index's input to a temporary file: No space left on device"
    ), str(raised.value)
    assert not isinstance(raised.value, OutputError)  # so: "Nothing was written"
    assert snapshot(tmp_path) == {name: data for name, data in before.items()
                                  if name != "content/papers/a-comprehensive-overview-of-large-language-models.md"}


def test_a_temp_file_that_cannot_be_removed_leaves_the_error_to_the_write(tmp_path, monkeypatch):
    """A killed build's temp file in a directory since made read-only: the
    clean-up before ingest writes was an OSError traceback."""
    from site_builder.writer import TEMP_SUFFIX, remove_stale_temp_files, write_files

    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / f".p0.md.0123abcd{TEMP_SUFFIX}").write_bytes(b"half a pap")
    real_open = os.open

    def read_only(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    def unlink(path, *args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    monkeypatch.setattr(os, "open", read_only)
    monkeypatch.setattr(os, "unlink", unlink)
    remove_stale_temp_files(papers)
    with pytest.raises(OutputError, match="cannot write file: Read-only file system"):
        write_files({papers / "p0.md": b"paper\n"})


def test_a_failed_ingest_counts_thousands_as_the_rest_of_the_terminal_does(tmp_path):
    """"1,200 paper files were written before it, of 1201", at 20,000 papers "of 20000"."""
    from site_builder.writer import write_files

    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory")
    files = {tmp_path / "papers" / f"p{n}.md": b"new\n" for n in range(1200)}
    with pytest.raises(OutputError) as info:
        write_files({**files, blocker / "x.md": b"x\n"})
    assert info.value.written == "1,200 paper files were written before it, of 1,201; the previous site is unchanged."


def copy_project(tmp_path: Path) -> Path:
    """A directory to build in, with a copy of the shipped content."""
    work = tmp_path / "work"
    shutil.copytree(ROOT / "content", work / "content")
    return work


def test_a_site_that_cannot_be_written_after_ingest_wrote_says_what_was_written(tmp_path, monkeypatch, capsys):
    import build as cli

    work = copy_project(tmp_path)
    monkeypatch.chdir(work)
    assert cli.main(["build", "-q"]) == 0
    site = snapshot(work / "_site")
    (work / "content" / "digests" / "new.txt").write_text(NEW_DIGEST, encoding="utf-8")

    def full_disk(out_dir, files, keep_previous_in=None):
        raise SourceError("cannot write the site: No space left on device", out_dir)

    monkeypatch.setattr("site_builder.pipeline.write_site", full_disk)
    capsys.readouterr()
    assert cli.main(["build", "-q"]) == 1
    error = capsys.readouterr().err
    assert "cannot write the site: No space left on device" in error
    assert "1 paper file was written; the previous site is unchanged." in error
    assert "Nothing was written" not in error
    assert snapshot(work / "_site") == site
    assert (work / "content" / "papers" / "a-brand-new-paper-about-killing-builds.md").exists()


def test_a_cache_that_cannot_be_saved_is_a_warning_and_the_site_is_built(tmp_path, monkeypatch, capsys):
    import build as cli

    work = copy_project(tmp_path)
    monkeypatch.chdir(work)
    (work / ".atlas-cache").write_text("not a directory")
    for _ in range(2):  # the second build finds no cache to start from either
        assert cli.main(["build", "-q"]) == 0
        error = capsys.readouterr().err
        assert error.count("warning: .atlas-cache: cannot save the build cache: this is a file") == 1
        assert (work / "_site" / "index.html").exists()
    assert (work / ".atlas-cache").read_text() == "not a directory"


def test_a_cache_that_is_a_link_to_nothing_says_so_not_file_exists(tmp_path, monkeypatch, capsys):
    """It said "cannot save the build cache: File exists (… unless this
    directory becomes writable)" of a link whose folder is gone."""
    import build as cli

    work = copy_project(tmp_path)
    monkeypatch.chdir(work)
    (work / ".atlas-cache").symlink_to(tmp_path / "gone")
    assert cli.main(["build", "-q"]) == 0
    assert capsys.readouterr().err == (
        f"warning: .atlas-cache: cannot save the build cache: it is a link to {tmp_path / 'gone'}, which is not "
        "there (the site was built; delete the link, or make the folder it leads to, so that the next build can "
        "reuse this one's work)\n"
    )
    assert (work / "_site" / "index.html").exists()


def test_a_cache_that_cannot_be_saved_on_a_full_disk_says_to_free_space_not_to_make_it_writable(tmp_path):
    """It said "the next build starts from scratch unless this directory
    becomes writable" of a writable directory on a full disk (tried: the
    project on a tmpfs with 0.2 to 3 MB free)."""
    from site_builder.pipeline import unsaved_cache

    (tmp_path / ".atlas-cache").mkdir()
    warning = str(unsaved_cache(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), tmp_path / ".atlas-cache"))
    assert "cannot save the build cache: No space left on device (the site was built; free some space" in warning
    assert "writable" not in warning


def test_a_cache_save_a_killed_build_left_is_removed_by_the_next_build_on_one_core(tmp_path):
    """Its temp file, as large as the cache, was removed only where the
    cache is saved by a forked child (on two cores or more), and then only
    by a build that wrote the site."""
    from site_builder.writer import TEMP_SUFFIX

    work = copy_project(tmp_path)
    paths = Paths(work / "content", work / "_site", cache=work / ".atlas-cache")
    build(paths, workers=1)
    left = [paths.cache / f".{CACHE_FILE}.0123abcd{TEMP_SUFFIX}", paths.cache / f".last-build.pickle.4567cdef{TEMP_SUFFIX}"]
    for temp in left:
        temp.write_bytes(b"half a cache")
    (paths.digests / "new.txt").write_text(NEW_DIGEST, encoding="utf-8")
    build(paths, workers=1)
    assert [temp.name for temp in left if temp.exists()] == []


def test_a_lock_the_file_system_lost_meanwhile_is_let_go_without_a_traceback(tmp_path, monkeypatch, capsys):
    """Unlocking raised ENOLCK (NFS's lock daemon restarted during the build,
    tried with strace): a traceback once the site was written. Closing the
    descriptor lets the lock go."""
    import fcntl

    import build as cli

    work = copy_project(tmp_path)
    monkeypatch.chdir(work)
    flock = fcntl.flock

    def lost_on_unlock(descriptor, operation):
        if operation == fcntl.LOCK_UN:
            raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))
        return flock(descriptor, operation)

    monkeypatch.setattr(fcntl, "flock", lost_on_unlock)
    descriptors = len(os.listdir("/proc/self/fd"))
    assert cli.main(["build", "-q"]) == 0
    assert capsys.readouterr().err == ""
    assert (work / "_site" / "index.html").exists()
    assert len(os.listdir("/proc/self/fd")) == descriptors  # each closed all the same


def test_another_users_cache_is_neither_run_nor_written(tmp_path, monkeypatch, capsys):
    """A cache is pickles, which run code as they load: another user's (one
    made first in /tmp, for an output in /tmp) must not be loaded, nor the
    site kept there used."""
    import build as cli
    from site_builder import lastbuild
    from site_builder.cache import dump_checked

    work = copy_project(tmp_path)
    monkeypatch.chdir(work)
    assert cli.main(["build", "-q", "--no-cache", "--out", "clean"]) == 0
    cache, ran = work / ".atlas-cache", work / "ran"

    class Planted:
        def __reduce__(self):
            return Path.touch, (ran,)

    cache.mkdir()
    with open(cache / "last-build.pickle", "wb") as record:  # checksummed as a build's own, to be loaded
        dump_checked(Planted(), lastbuild._VERSION, record)
    planted = snapshot(cache)
    # Another user's (simulated: the tests may run as root, and as no one else).
    monkeypatch.setattr("site_builder.pipeline.os.getuid", lambda: os.stat(cache).st_uid + 1)
    for _ in range(2):
        assert cli.main(["build"]) == 0
        error = capsys.readouterr().err
        assert "warning: .atlas-cache: not using this build cache: it belongs to another user" in error
        assert not ran.exists() and snapshot(cache) == planted
        assert snapshot(work / "_site") == snapshot(work / "clean")
    # Where there is no owner to compare (Windows), the cache is used: made,
    # then replaced by the next build (with a file's mode kept without fchmod,
    # which Windows lacks before Python 3.13).
    monkeypatch.delattr("site_builder.pipeline.os.getuid")
    monkeypatch.delattr("site_builder.writer.os.fchmod")
    (cache / "last-build.pickle").unlink()
    for digest in ("", NEW_DIGEST):
        if digest:
            (work / "content" / "digests" / "new.txt").write_text(digest, encoding="utf-8")
        assert cli.main(["build", "-q"]) == 0
        assert capsys.readouterr().err == "" and (cache / "last-build.pickle").exists()


def test_a_previous_site_that_cannot_be_deleted_does_not_fail_the_build(tmp_path, monkeypatch):
    # As another user's files would (simulated: the tests may run as root).
    out = tmp_path / "_site"
    write_site(out, {"index.html": b"old"})
    real_rmtree = shutil.rmtree

    def undeletable(path, ignore_errors=False, **kwargs):
        if not ignore_errors:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(shutil, "rmtree", undeletable)
    write_site(out, {"index.html": b"new"})
    assert snapshot(out) == {"index.html": b"new"}
    monkeypatch.setattr(shutil, "rmtree", real_rmtree)
    write_site(out, {"index.html": b"newer"})  # and the next build removes it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"]


def test_stale_builds_are_told_by_the_output_directorys_name_as_written_not_as_a_pattern(tmp_path):
    """A name with [ ] or * matched other names as a glob: site[1]'s stale
    builds stayed forever, and site1's, maybe in the making, were deleted."""
    for stale in (".site[1].new-abc", ".site[1].old-1", ".site1.new-abc"):
        (tmp_path / stale).mkdir()
    write_site(tmp_path / "site[1]", {"index.html": b"x"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site1.new-abc", "site[1]"]


@pytest.mark.parametrize("change", ["nothing changed", "the site unchanged"])
def test_a_killed_builds_site_is_removed_by_the_next_build_though_it_writes_no_site(tmp_path, change):
    """A build killed as it swapped its site in (or wrote it) leaves a hidden
    tree of the site's size beside it (``._site.old-PID``, ``._site.new-…``),
    which only a build that wrote the site removed: it stayed for as long as
    the builds after it found nothing changed, or the site unchanged (tried:
    strace -e inject=renameat2:error=EINVAL -e inject=rename:signal=SIGKILL)."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    paths = Paths(tmp_path / "content", tmp_path / "_site", cache=tmp_path / ".atlas-cache")
    build(paths)
    for stale in ("._site.old-12345", "._site.new-abc123"):
        (tmp_path / stale).mkdir()
        (tmp_path / stale / "index.html").write_bytes(b"a killed build's")
    if change == "the site unchanged":  # read (so a real build), but shown nowhere
        (tmp_path / "content" / "papers" / ".scratch").write_text("a note to self")
    report = build(paths)
    assert report.skipped == (change == "nothing changed")
    assert sorted(path.name for path in tmp_path.iterdir()) == [".atlas-cache", "_site", "content"]


def test_write_site_reports_the_stats_a_later_look_at_the_disk_finds(tmp_path):
    out = tmp_path / "_site"
    write_site(out, {"index.html": b"old", "gone/index.html": b"x"})
    files = {"index.html": b"new page", "papers/a/index.html": b"a" * 70_000, "empty.txt": b""}
    assert write_site(out, files) == output_stats(out)
    assert set(output_stats(out)) == set(files)


def test_a_site_kept_for_the_next_build_becomes_its_new_site_with_only_what_differs_written(tmp_path):
    out, keep = tmp_path / "_site", tmp_path / "cache" / "previous-site"
    first = {"index.html": b"one", "same/index.html": b"same", "gone/index.html": b"x"}
    write_site(out, first, keep_previous_in=keep)
    assert not keep.exists(), "no site was replaced"
    second = {"index.html": b"two", "same/index.html": b"same", "new/index.html": b"n"}
    write_site(out, second, keep_previous_in=keep)
    assert snapshot(out) == second and snapshot(keep) == first

    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"not the site's")
    (keep / "link.html").symlink_to(outside)  # a link must be replaced, never written through
    (keep / "stray" / "deep").mkdir(parents=True)
    (keep / "stray" / "deep" / "x.html").write_bytes(b"x")
    unchanged = (keep / "same" / "index.html").stat()
    third = {"index.html": b"three", "same/index.html": b"same", "link.html": b"page"}
    stats = write_site(out, third, keep_previous_in=keep)

    assert snapshot(out) == third and not (out / "link.html").is_symlink()
    assert stats == output_stats(out)
    now = (out / "same" / "index.html").stat()
    assert (now.st_ino, now.st_mtime_ns) == (unchanged.st_ino, unchanged.st_mtime_ns), "not written again"
    assert outside.read_bytes() == b"not the site's"
    assert snapshot(keep) == second
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site", "cache", "outside.txt"]


def test_a_kept_site_that_cannot_be_brought_up_to_date_is_replaced_by_a_new_tree(tmp_path, monkeypatch):
    from site_builder import writer

    out, keep = tmp_path / "_site", tmp_path / "previous-site"
    write_site(out, {"index.html": b"one"}, keep_previous_in=keep)
    write_site(out, {"index.html": b"two"}, keep_previous_in=keep)

    def unreadable(root, files, directory_mode):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(root))

    monkeypatch.setattr(writer, "_remove_strays", unreadable)
    write_site(out, {"index.html": b"three", "a/index.html": b"a"}, keep_previous_in=keep)
    assert snapshot(out) == {"index.html": b"three", "a/index.html": b"a"}
    assert snapshot(keep) == {"index.html": b"two"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site", "previous-site"]


def test_two_builds_at_once_do_not_both_make_their_site_out_of_the_kept_one(tmp_path, monkeypatch):
    from site_builder import writer

    out, keep = tmp_path / "_site", tmp_path / ".atlas-cache" / "previous-site"

    def version(tag: str) -> dict[str, bytes]:
        return {f"p{i:02d}/index.html": f"{tag} page {i}".encode() for i in range(20)}

    write_site(out, version("v0"), keep_previous_in=keep)
    write_site(out, version("v1"), keep_previous_in=keep)  # v1 in _site, v0 kept
    real = writer._in_two_halves

    def b_halfway_then_a(write, items):
        # Build B has brought half the kept site up to date when build A runs from start to end.
        monkeypatch.setattr(writer, "_in_two_halves", real)
        stats = write(items[:10])
        write_site(out, version("vA"), keep_previous_in=keep)
        stats.update(write(items[10:]))
        return stats

    monkeypatch.setattr(writer, "_in_two_halves", b_halfway_then_a)
    stats = write_site(out, version("vB"), keep_previous_in=keep)
    assert snapshot(out) == version("vB"), "the site of one build, not a mix"
    assert stats == output_stats(out)


def test_a_build_starting_while_another_writes_its_new_tree_leaves_that_tree_alone(tmp_path, monkeypatch):
    """The second build's clean-up of killed builds' trees removed the tree
    the first was writing: the first then failed ("No such file or
    directory"), or swapped in what was left of it and said nothing (at
    30,000 files, 26,173 and no index.html)."""
    import threading

    from site_builder import writer

    out = tmp_path / "site"
    write_site(out, {"index.html": b"old"})
    killed = tmp_path / ".site.new-killed"
    (killed / "a").mkdir(parents=True)
    files = {"index.html": b"new", **{f"p/{n}/index.html": f"page {n}".encode() for n in range(50)}}
    real_write = writer._write_new_file
    started = threading.Event()

    def another_build_starts(path, data):  # when this one has written its first file
        if not started.is_set():
            started.set()
            writer.remove_stale_builds(out)
        return real_write(path, data)

    monkeypatch.setattr(writer, "_write_new_file", another_build_starts)
    write_site(out, files)
    assert started.is_set() and snapshot(out) == files
    assert [path.name for path in tmp_path.iterdir()] == ["site"], "the killed build's tree removed"


def test_a_kept_site_gets_the_modes_of_a_new_tree_and_is_never_written_through_a_hard_link(tmp_path):
    out, keep = tmp_path / "_site", tmp_path / ".atlas-cache" / "previous-site"

    def version(tag: str) -> dict[str, bytes]:
        return {"index.html": tag.encode(), "papers/a/index.html": b"same", "feed.xml": b"same"}

    old_umask = os.umask(0o077)  # two builds with a private umask (cron, sudo -u)
    try:
        write_site(out, version("1"), keep_previous_in=keep)
        (tmp_path / "backup").mkdir()
        os.link(out / "index.html", tmp_path / "backup" / "index.html")  # as `cp -al` makes
        write_site(out, version("2"), keep_previous_in=keep)
    finally:
        os.umask(0o022)
    try:
        write_site(out, version("3"), keep_previous_in=keep)
        write_site(tmp_path / "clean", version("3"))
    finally:
        os.umask(old_umask)

    def modes(root: Path) -> dict[str, int]:
        return {path: (root / path).stat().st_mode & 0o777 for path in ("index.html", "papers", "papers/a", "papers/a/index.html", "feed.xml")}

    assert snapshot(out) == version("3")
    assert modes(out) == modes(tmp_path / "clean")
    assert (tmp_path / "backup" / "index.html").read_bytes() == b"1"


def test_a_kept_site_that_cannot_be_renamed_into_place_gives_way_to_a_new_tree(tmp_path, monkeypatch):
    from site_builder import writer

    out, keep = tmp_path / "_site", tmp_path / ".atlas-cache" / "previous-site"
    write_site(out, {"index.html": b"one"}, keep_previous_in=keep)
    write_site(out, {"index.html": b"two"}, keep_previous_in=keep)
    real_exchange = writer._exchange

    def across_mounts(a, b):
        # Another mount of the same file system (a bind mount, a container's volume).
        if Path(a) == keep.resolve() or Path(b) == keep.resolve():
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(b))
        return real_exchange(a, b)

    monkeypatch.setattr(writer, "_exchange", across_mounts)
    monkeypatch.setattr(writer.os, "rename", _refusing_renames_to_or_from(keep, os.rename))
    for version in (b"three", b"four"):
        write_site(out, {"index.html": version}, keep_previous_in=keep)
        assert snapshot(out) == {"index.html": version}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".atlas-cache", "_site"]


def _refusing_renames_to_or_from(keep: Path, rename):
    def refusing(source, target):
        if keep.resolve() in (Path(source).resolve(), Path(target).resolve()):
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(target))
        return rename(source, target)

    return refusing


def test_paper_files_get_the_mode_of_the_file_they_replace_or_of_a_new_file(tmp_path):
    from site_builder.writer import write_files

    old_umask = os.umask(0o022)
    try:
        new, kept = tmp_path / "new.md", tmp_path / "kept.md"
        kept.write_text("old\n")
        kept.chmod(0o640)
        write_files({new: b"new\n", kept: b"newer\n"})
        assert (new.stat().st_mode & 0o777, kept.stat().st_mode & 0o777) == (0o644, 0o640)
        assert kept.read_bytes() == b"newer\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.md", "new.md"]
    finally:
        os.umask(old_umask)


def test_without_an_atomic_exchange_the_new_site_is_renamed_in_and_nothing_is_left_beside_it(tmp_path, monkeypatch):
    # Kernels and file systems without renameat2's exchange (or without
    # renameat2) take the other path: the old site renamed aside, the new one in.
    out = tmp_path / "_site"
    write_site(out, {"index.html": b"old", "old-only/index.html": b"gone"})
    monkeypatch.setattr("site_builder.writer._exchange", lambda staging, out_dir: False)
    write_site(out, {"index.html": b"new", "papers/a/index.html": b"a"})
    assert snapshot(out) == {"index.html": b"new", "papers/a/index.html": b"a"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"], "no .old- or .new- directory is left"


def test_without_an_atomic_exchange_a_failed_rename_puts_the_previous_site_back(tmp_path, monkeypatch):
    out = tmp_path / "_site"
    write_site(out, {"index.html": b"old"})
    monkeypatch.setattr("site_builder.writer._exchange", lambda staging, out_dir: False)
    real_rename = os.rename

    def rename(source, target):
        if os.path.basename(source).startswith("._site.new-"):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(source))
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(SourceError, match="cannot write the site"):
        write_site(out, {"index.html": b"new"})
    assert snapshot(out) == {"index.html": b"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"]


@pytest.mark.parametrize("kept", [False, True], ids=["new-tree", "kept-tree"])
def test_an_output_directory_that_is_a_mount_point_is_said_to_be_one_with_what_to_do(tmp_path, monkeypatch, kept):
    """A container's volume mounted as the output (docker run -v $PWD/_site:/app/_site):
    no site can be renamed onto it, which was "Device or resource busy", no more."""
    out, keep = tmp_path / "_site", tmp_path / ".atlas-cache" / "previous-site"
    write_site(out, {"index.html": b"old"})
    if kept:
        write_site(out, {"index.html": b"older"}, keep_previous_in=keep)

    def mount_point(source, target, *args):  # as Linux renames (or exchanges) a directory onto one
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(target))

    monkeypatch.setattr("site_builder.writer._exchange", mount_point)
    with pytest.raises(SourceError) as info:
        write_site(out, {"index.html": b"new"}, keep_previous_in=keep if kept else None)
    assert (info.value.path, info.value.message, info.value.hint) == (
        out, "cannot replace the output directory: it is a mount point (a container's volume, say), "
        "and a build swaps its new site in by renaming it there",
        "build into a directory inside it (--out DIR/site), or mount the directory above it",
    )
    assert snapshot(out) == {"index.html": b"older" if kept else b"old"}


def small_content(root: Path, digest: str) -> Path:
    content = root / "content"
    (content / "digests").mkdir(parents=True)
    (content / "digests" / "2025-03-18.txt").write_text(digest, encoding="utf-8")
    return content


def test_an_error_in_the_site_kept_for_the_next_build_names_it_where_it_is(tmp_path, monkeypatch):
    from site_builder import writer

    content = small_content(tmp_path, "Mar 18\n\nA Paper About Kept Sites\n\nSites are kept.\n")
    build(Paths(content, tmp_path / "_site"))
    paths = Paths(content, tmp_path / "_site", cache=tmp_path / ".atlas-cache")
    build(paths)  # replaces the site, and keeps it for the next to make its new one from
    keep = tmp_path / ".atlas-cache" / PREVIOUS_SITE
    assert (keep / "index.html").is_file()
    (content / "digests" / "2025-03-19.txt").write_text(NEW_DIGEST, encoding="utf-8")
    real_chmod = os.chmod

    def refusing_the_kept_site(path, *args, **kwargs):
        if Path(path) == keep:
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), str(path))
        return real_chmod(path, *args, **kwargs)

    monkeypatch.setattr(writer.os, "chmod", refusing_the_kept_site)
    with pytest.raises(SourceError) as info:
        build(paths)
    assert (info.value.path, info.value.message) == (keep, f"cannot write the site: {os.strerror(errno.EPERM)}")


@pytest.mark.parametrize("kept", [False, True], ids=["new-tree", "kept-tree"])
def test_a_disk_that_fills_while_the_site_is_written_leaves_the_previous_site_as_it_was(tmp_path, monkeypatch, kept):
    import threading

    from site_builder import writer

    content = small_content(tmp_path, "Mar 18\n\nA Paper About Full Disks\n\nDisks fill up.\n")
    out = tmp_path / "_site"
    build(Paths(content, out))
    paths = Paths(content, out, cache=tmp_path / ".atlas-cache" if kept else None)
    if kept:  # a build that replaces the site and keeps it for the next to make its new one from
        build(paths)
        assert (tmp_path / ".atlas-cache" / PREVIOUS_SITE / "index.html").is_file()
    previous = snapshot(out)
    (content / "digests" / "2025-03-19.txt").write_text(NEW_DIGEST, encoding="utf-8")

    real_write = writer._write_new_file
    calls, lock = [0], threading.Lock()

    def full_after_four_files(path, data):
        with lock:  # two writer threads share the count
            calls[0] += 1
            full = calls[0] >= 5
        if full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_write(path, data)

    monkeypatch.setattr(writer, "_write_new_file", full_after_four_files)
    with pytest.raises(SourceError) as info:
        build(paths)
    assert f"cannot write the site: {os.strerror(errno.ENOSPC)}" in str(info.value)
    # The file that failed, as in the site: the new tree it was written in
    # (after the kept site could not be brought up to date, too) is hidden, and gone.
    assert Path(info.value.path).is_relative_to(out)
    assert calls[0] >= 5 and len(previous) > 5, "the disk filled part way through the site"
    assert snapshot(out) == previous
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".atlas-cache") == ["_site", "content"], (
        "no staging directory left behind"
    )


def _start_serving(work: Path, preexec_fn=None) -> subprocess.Popen:
    def in_the_child() -> None:
        # Ctrl+C's signal as in a terminal, whatever this run inherited: a
        # background job of a non-interactive shell has SIGINT ignored.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if preexec_fn is not None:
            preexec_fn()

    process = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "serve", "--port", "0"], cwd=work,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=in_the_child,
    )
    for line in process.stdout:
        if line.startswith("Serving http://"):
            return process
    raise AssertionError(f"the server did not start (exit {process.wait()})")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=["kill", "terminal-closed"])
def test_a_server_stopped_by_a_signal_stops_as_with_ctrl_c(tmp_path, stop):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    # As a terminal starts it, whatever started these tests (nohup ignores hang-ups for its children).
    process = _start_serving(tmp_path, preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL))
    process.send_signal(stop)
    rest, _ = process.communicate(timeout=60)
    assert process.returncode == 0, rest
    assert "Stopped." in rest and "Traceback" not in rest
    assert (tmp_path / ".atlas-cache" / CACHE_FILE).is_file(), "its first build's work, saved beside _site for the next"
    # Its content directory is free at once: a new server starts.
    again = _start_serving(tmp_path)
    again.send_signal(signal.SIGINT)
    assert again.wait(timeout=60) == 0


def test_a_server_signalled_twice_to_stop_stops_once_and_cleanly(tmp_path):
    """`timeout` signals the server, then its process group: the second
    signal interrupted the first's clean-up ("interrupted", status 130)."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    process = _start_serving(tmp_path)
    process.send_signal(signal.SIGTERM)
    assert process.stdout.readline() == "\n" and process.stdout.readline() == "Stopped.\n"
    process.send_signal(signal.SIGTERM)  # while it stops
    rest, _ = process.communicate(timeout=60)
    assert process.returncode == 0, rest
    assert "interrupted" not in rest and "Traceback" not in rest


def test_a_server_started_with_nohup_outlives_its_terminal(tmp_path):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    # As `nohup` starts it: hang-ups ignored.
    process = _start_serving(tmp_path, preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    process.send_signal(signal.SIGHUP)
    time.sleep(1)
    assert process.poll() is None, "stopped by the hang-up nohup ignores"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0


def test_when_one_half_of_the_site_fails_to_be_written_the_other_stops_at_its_next_file(tmp_path):
    """A full disk in one writer thread, or Ctrl+C in the build's own, left
    the other thread writing the rest of its half before the build could
    stop (5 s at 30,000 files) for a tree that is then thrown away."""
    from site_builder import writer

    items = [(f"p{i:04d}/index.html", b"x") for i in range(2_000)]
    written: list[str] = []

    def write(run):
        for relative, _data in run:
            if relative == items[0][0]:
                raise OSError(errno.ENOSPC, "No space left on device")
            written.append(relative)
            time.sleep(0.005)  # a disk's wait per file, so the failure is met before this half ends
        return {}

    with pytest.raises(OSError):
        writer._in_two_halves(write, items)
    assert len(written) < len(items) // 2, "the second half stopped early"
    assert all(relative >= items[len(items) // 2][0] for relative in written)
