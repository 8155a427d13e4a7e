"""The only code that writes outputs.

The site is written to a fresh directory beside the output and swapped in at
the end, so a reader (or a crash) sees either the old site or the new one,
never a mix. Paper files are written one by one, each through a temp file and
a rename, so none is ever half-written.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import glob
import os
import secrets
import shutil
import stat
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Collection, Iterable, Mapping

from .errors import NOTHING_WRITTEN, OutputError, SourceError, paper_files_written

try:
    import fcntl
except ImportError:  # not POSIX: no lock, so no site is kept between builds
    fcntl = None  # type: ignore[assignment]

_RENAME_EXCHANGE = 2
TEMP_SUFFIX = ".atlas-tmp"


def check_output_path(relative: str) -> PurePosixPath:
    """Refuse paths that would land outside the output directory, and paths
    that are not written the one way (``papers/./index.html`` is
    ``papers/index.html``: two outputs must never share one file)."""
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts or path.as_posix() != relative:
        raise SourceError(f"refusing to write {relative!r}: outside the output directory or not a plain path")
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file is either old or new, never partial.

    The rename is what makes a killed build harmless. There is no fsync per
    file: ingesting thousands of papers would wait on the disk thousands of
    times, and ext4 already flushes a file replaced by rename.
    """
    write_atomic_with(path, lambda handle: handle.write(data))


def write_atomic_with(
    path: Path, produce: Callable[[BinaryIO], object], replace_if: Callable[[], bool] = lambda: True,
) -> bool:
    """Like :func:`write_atomic`, with the bytes written by ``produce(handle)``,
    so a large file (the build cache) need not sit in memory whole. The new
    file replaces the old only if ``replace_if()``, asked once its bytes are
    written, the moment before the rename. Returns whether it did."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, temp = _new_temp_file(path)
    except OSError as error:
        raise _as_writing(error, path) from None
    # The temp file's lock, held until it is renamed or deleted: a second
    # descriptor of it, as closing the file after writing would let go of it.
    held = os.dup(fd) if fcntl is not None else None
    try:
        with os.fdopen(fd, "wb") as handle:
            produce(handle)
        if not replace_if():
            Path(temp).unlink()
            return False
        os.replace(temp, path)
    except OSError as error:
        Path(temp).unlink(missing_ok=True)
        raise _as_writing(error, path) from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    finally:
        if held is not None:
            os.close(held)
    return True


def _as_writing(error: OSError, path: Path) -> OSError:
    """``error`` naming the file being written, as the user knows it, not
    its hidden temp file (the preview said it could not write
    ``.page.html.24fa9a14.atlas-tmp``), nor nothing (a full disk's, from a
    write, names no file: the preview named the output directory)."""
    if error.filename is None or os.path.basename(error.filename).endswith(TEMP_SUFFIX):
        error.filename = str(path)
    return error


def _new_temp_file(path: Path) -> tuple[int, Path]:
    """An empty temp file beside ``path``, locked as in use (see
    :func:`remove_stale_temp_files`), with the mode ``path`` has, or a new
    file would get (not mkstemp's 0600: a paper file is shared like any
    other file of the project)."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None
    while True:
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        except FileExistsError:
            continue
        if not _locked_as_in_use(fd, temp):
            os.close(fd)
            continue
        if mode is not None:
            os.chmod(temp, mode)  # (not fchmod: Windows has it only from Python 3.13)
        return fd, temp


def _locked_as_in_use(fd: int, temp: Path) -> bool:
    """Lock the new temp file ``fd`` is open on; False when another build
    removed it as stale before the lock was taken (it is then no file's)."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:  # no locks on this file system: nothing to tell a stale file by either
        return True
    try:
        return os.stat(temp).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def remove_stale_temp_files(directory: Path) -> None:
    """Temp files a killed process left behind; hidden, but not worth keeping.
    One another build is writing (two at once) is locked, and left to it:
    removed, it failed that build's rename of it."""
    # Listed by name: glob() would make a Path of each of 20,000 paper files.
    try:
        names = os.listdir(directory)
    except OSError:  # none, or not a directory: nothing of ours to remove
        return
    for name in names:
        if name.startswith(".") and name.endswith(TEMP_SUFFIX):
            _remove_unless_in_use(directory / name)


def _remove_unless_in_use(temp: Path) -> None:
    """Remove the temp file ``temp`` unless a process holds its lock; removed
    holding the lock, so that no writer takes it meanwhile (see _locked_as_in_use)."""
    try:
        fd = os.open(temp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:  # renamed into place meanwhile
        return
    except OSError:  # a link, say: no one's lock
        fd = None
    try:
        if fd is not None and fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            except OSError:  # no locks on this file system
                pass
        temp.unlink(missing_ok=True)
    except OSError:  # a read-only directory, say: the write that follows says so, if there is one
        pass
    finally:
        if fd is not None:
            os.close(fd)


def written_at(path: Path) -> Path:
    """Where :func:`write_files` writes ``path``: for a symbolic link, the file it leads to."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def write_files(files: Mapping[Path, bytes], unchanged: Callable[[Path], bool] = lambda path: True) -> tuple[Path, ...]:
    """Write each file atomically, unless ``unchanged(path)``, asked the moment
    before its rename, says someone saved it since it was read: then it is
    left as saved. Returns the files left so. A file that is a symbolic link
    is written where it leads (a note kept elsewhere stays one file), as
    editors do."""
    # One by one: paper files share one directory, whose lock makes a second
    # writer thread wait (measured: no faster).
    left: list[Path] = []
    for tried, (path, data) in enumerate(files.items()):
        try:
            if not write_atomic_with(written_at(path), lambda handle: handle.write(data), partial(unchanged, path)):
                left.append(path)
        except OSError as error:
            done = tried - len(left)
            raise OutputError(
                f"cannot write file: {error.strerror}", path,
                written=f"{paper_files_written(done)} before it, of {len(files):,}; the previous site is unchanged."
                if done else NOTHING_WRITTEN,
            ) from None
    return tuple(left)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(b))


def check_output_dir(out_dir: Path, inputs: Iterable[Path], cache: Path | None = None) -> None:
    """Refuse an output directory whose replacement would delete what is not
    a site: one that is, holds or lies inside an input (``--out .`` or ``--out
    content``), holds the working directory or is the home directory, holds
    a git repository, or holds anything but no home page; and one that is
    the build's ``cache``, kept beside it (``--out .atlas-cache``: the site
    published the cache, and the next build failed)."""
    hint = "each build replaces the whole output directory: choose a new one or a site, e.g. --out _site"
    try:
        out = out_dir.resolve()
    except (OSError, RuntimeError):  # a link that loops
        raise SourceError("the output directory is a link that cannot be followed", out_dir, hint=hint) from None
    try:
        cached_in = cache.resolve() if cache is not None else None
    except (OSError, RuntimeError):  # a link that loops: every build after this stopped at it, a traceback
        raise SourceError(
            "the build cache is a link that cannot be followed", cache,
            hint="delete it (the next build makes it again), or build with --no-cache",
        ) from None
    if out == cached_in:
        raise SourceError(
            "the output directory is the build cache, which a build keeps beside its output", out_dir,
            hint="choose another name, e.g. --out _site (or build with --no-cache)",
        )
    for source in inputs:
        try:
            source = source.resolve()
        except (OSError, RuntimeError):  # a link that loops: no input, as reading it says
            continue
        if out == source or out in source.parents or source in out.parents:
            raise SourceError(
                f"the output directory overlaps {source}, which the build reads", out_dir,
                hint="each build replaces the whole output directory: choose one apart from the content "
                "directory, templates and static files",
            )
    here = Path.cwd().resolve()
    if out == here or out in here.parents:
        raise SourceError("the output directory holds the current directory", out_dir, hint=hint)
    if out == Path.home().resolve():
        raise SourceError("the output directory is your home directory", out_dir, hint=hint)
    if not out.is_dir():
        if out.exists():
            raise SourceError("the output directory is a file", out_dir, hint="choose a directory, e.g. --out _site")
        return
    names = os.listdir(out)
    if ".git" in names:
        raise SourceError(
            "the output directory holds a git repository (.git), which the build would delete", out_dir,
            hint="build into another directory; 'build.py deploy' publishes to GitHub Pages without one",
        )
    if names and "index.html" not in names:
        raise SourceError(
            "the output directory is not empty and holds no site (no index.html); the build would delete it",
            out_dir, hint="choose a new or empty directory, or delete this one yourself",
        )


def write_site(
    out_dir: Path, files: Mapping[str, bytes], keep_previous_in: Path | None = None,
) -> dict[str, tuple[int, int]]:
    """Replace ``out_dir`` with exactly ``files`` (relative POSIX path → bytes).
    Returns each file's size and mtime in ns as written, as
    :func:`~site_builder.lastbuild.output_stats` would read them.

    The new site is made beside the output and swapped in by one rename, so
    a reader (or a crash) sees the old site or the new one. With
    ``keep_previous_in`` (a directory of the writer's own, in the build
    cache), the site replaced is kept there instead of deleted, and the next
    call makes the new site out of it: each file is compared with the bytes
    wanted and only those that differ are written. After a new digest at
    20,000 papers that writes about 5,000 files instead of 23,000, and no
    tree of 43,000 files and directories is deleted (which slows this
    machine's next writes by seconds: see docs/performance.md), at the cost
    of a second copy of the site on disk."""
    out_dir = out_dir.resolve()
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_builds(out_dir)
    except OSError as error:
        raise SourceError(f"cannot create output directory: {error.strerror}", parent) from None
    keep = _usable_keep(keep_previous_in, parent)
    lock = None
    if keep is not None:
        # Two builds at once must not both make their site out of the one kept.
        try:
            lock = lock_directory(keep.parent)
        except BlockingIOError:
            pass
    if lock is None:
        keep = None  # in use by another build, or no lock to be had: a new tree, and the old one deleted
    try:
        try:
            return _write_site(out_dir, files, keep)
        except _NotMovable:
            assert keep is not None
            shutil.rmtree(keep, ignore_errors=True)
            return _write_site(out_dir, files, None)
    finally:
        unlock(lock)


class _NotMovable(Exception):
    """The kept site cannot be renamed to the output: another mount of the
    same file system (a bind mount, a container's volume) looks the same to
    stat but refuses the rename."""


def lock_directory(directory: Path, shared: bool = False) -> int | None:
    """An exclusive lock on ``directory`` (or a ``shared`` one, which others
    may hold at once), held by its open descriptor until :func:`unlock`;
    None where locks are not to be had (no flock, a file system without
    them) or there is no such directory. Raises BlockingIOError while
    another process holds a lock that excludes it."""
    if fcntl is None:
        return None
    try:
        descriptor = os.open(directory, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        fcntl.flock(descriptor, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except OSError as error:
        os.close(descriptor)
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            raise BlockingIOError(error.errno, error.strerror, str(directory)) from None
        return None  # no locks on this file system (NFS without lockd, say)
    return descriptor


def unlock(descriptor: int | None) -> None:
    if descriptor is not None:
        # Unlocked, not only closed: forked children share the descriptor's
        # lock, and would hold it until they exit. A lock the file system
        # lost meanwhile (NFS's lockd restarted, ENOLCK) is let go by the close:
        # it was a traceback after the site was written.
        try:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
        except OSError:
            pass
        finally:
            os.close(descriptor)


def _write_site(out_dir: Path, files: Mapping[str, bytes], keep: Path | None) -> dict[str, tuple[int, int]]:
    items = sorted(files.items())
    staging: Path | None = None
    held: int | None = None  # the lock of a new tree, which another build's remove_stale_builds leaves alone
    stats: dict[str, tuple[int, int]] = {}
    directory_mode, file_mode = _new_modes()
    if keep is not None and keep.is_dir():
        try:
            _remove_strays(keep, files, directory_mode)
            stats = _in_two_halves(partial(_bring_up_to_date, keep, file_mode), items)
            staging = keep
        except OSError:  # anything odd in it (a file where a directory goes): start anew
            shutil.rmtree(keep, ignore_errors=True)
    try:
        if staging is None:
            staging, held = _new_tree(out_dir)
            stats = _in_two_halves(partial(_write_tree, staging), items)
        # The mode mkdir gives, as every directory in it has: mkdtemp makes it 0700.
        os.chmod(staging, directory_mode)
        _swap_in(staging, out_dir, keep)
    except OSError as error:
        _discard(staging, keep)
        if staging == keep and error.errno == errno.EXDEV:
            raise _NotMovable from None
        if error.errno == errno.EBUSY:  # what renaming a directory onto a mount point gives
            raise SourceError(
                "cannot replace the output directory: it is a mount point (a container's volume, say), "
                "and a build swaps its new site in by renaming it there", out_dir,
                hint="build into a directory inside it (--out DIR/site), or mount the directory above it",
            ) from None
        # A new tree is hidden and gone once the error is read; the kept site is where it says.
        named = _as_the_user_knows_it(error.filename, staging if staging != keep else None, out_dir)
        raise SourceError(f"cannot write the site: {error.strerror}", named) from None
    except BaseException:
        _discard(staging, keep)
        raise
    finally:
        unlock(held)
    return stats


def _new_tree(out_dir: Path) -> tuple[Path, int | None]:
    """A new hidden directory beside ``out_dir`` to make the site in, and its
    lock (None where there are none), held until it is swapped in or
    discarded: another build at once removes only the trees of builds
    killed, which no one holds (it removed this one as it was written)."""
    while True:
        tree = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
        try:
            held = lock_directory(tree)
        except BlockingIOError:  # taken for a killed build's by another build, which is removing it
            continue
        if held is not None or tree.is_dir():  # (not removed so before the lock was taken)
            return tree, held


def _as_the_user_knows_it(filename: str | None, staging: Path | None, out_dir: Path) -> Path:
    """The path a write error names: a file of the new site as under the
    output directory, not the new tree ``staging`` it is made in; the
    output's parent when not even that could be made."""
    if not filename:
        return out_dir
    path = Path(filename)
    if staging is not None and path.is_relative_to(staging):
        return out_dir / path.relative_to(staging)
    if path.parent == out_dir.parent and path.name.startswith(f".{out_dir.name}.new-"):
        return out_dir.parent
    return path


def _discard(staging: Path | None, keep: Path | None) -> None:
    """A new site that was not swapped in; in ``keep``, it stays for the next
    build to compare with, as any site there."""
    if staging is not None and staging != keep:
        shutil.rmtree(staging, ignore_errors=True)


def _in_two_halves(
    write: Callable[[Iterable[tuple[str, bytes]]], dict[str, tuple[int, int]]], items: list[tuple[str, bytes]],
) -> dict[str, tuple[int, int]]:
    """``write`` each half of the sorted paths in its own thread (so mostly
    its own directories; a parent both need is made by either, exist_ok):
    creating 20,000 directories and files is a wait on the disk per call, and
    two calls in flight overlap those waits (each lets go of the GIL). When
    one fails, or Ctrl+C stops the build, the other stops at its next file
    (it wrote on to the end of its half: 5 s at 30,000 files)."""
    half = len(items) // 2
    stats: dict[str, tuple[int, int]] = {}
    stop = threading.Event()

    def until_stopped(run: list[tuple[str, bytes]]) -> Iterable[tuple[str, bytes]]:
        for item in run:
            if stop.is_set():
                return
            yield item

    with ThreadPoolExecutor(2) as writers:
        parts = [writers.submit(write, until_stopped(run)) for run in (items[:half], items[half:])]
        try:
            for part in parts:
                stats.update(part.result())
        except BaseException:
            stop.set()
            raise
    return stats


def _usable_keep(keep: Path | None, parent: Path) -> Path | None:
    """``keep``, ready to hold a site, or None where it cannot: a site gets
    there by a rename, so it must be on the output's file system."""
    if keep is None:
        return None
    try:
        if keep.is_symlink() or (keep.exists() and not keep.is_dir()):
            keep.unlink()
        keep.parent.mkdir(parents=True, exist_ok=True)
        if os.stat(keep.parent).st_dev != os.stat(parent).st_dev:
            return None
    except OSError:
        return None
    return keep


def _remove_strays(root: Path, files: Mapping[str, bytes], directory_mode: int) -> tuple[set[str], list[str]]:
    """Remove from ``root`` every file that is not one of ``files``, links of
    any kind (written through, they would write elsewhere), and the
    directories left empty; give the others a new directory's mode, as a
    new tree's would have. Returns the paths of ``files`` it holds, and
    those of the files it removed."""
    present: set[str] = set()
    removed: list[str] = []

    def clear(directory: str, relative: str) -> bool:
        """Whether ``directory`` holds anything once cleared."""
        kept = False
        with os.scandir(directory) as entries:
            for entry in entries:
                name = f"{relative}{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    if clear(entry.path, f"{name}/"):
                        kept = True
                        if stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode) != directory_mode:
                            os.chmod(entry.path, directory_mode)
                    else:
                        os.rmdir(entry.path)
                elif entry.is_file(follow_symlinks=False) and name in files:
                    kept = True
                    present.add(name)
                else:
                    os.unlink(entry.path)
                    removed.append(name)
        return kept

    clear(str(root), "")
    return present, removed


def _new_modes() -> tuple[int, int]:
    """A new directory's mode and a new file's, as the umask makes them. Read
    before any writer thread starts: reading it means setting it, process-wide."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask, 0o666 & ~umask


def _bring_up_to_date(root: Path, mode: int, items: Iterable[tuple[str, bytes]]) -> dict[str, tuple[int, int]]:
    """Make each file under ``root`` hold its bytes with a new file's
    ``mode``, writing only those that differ, in place (no temp file:
    ``root`` is no one's site yet). A file with other links (a backup made
    with ``cp -al``, say) is replaced, never written through."""
    made: set[Path] = set()
    stats: dict[str, tuple[int, int]] = {}
    for relative, data in items:
        target = root.joinpath(*check_output_path(relative).parts)
        try:
            with open(target, "rb", opener=_not_following_links) as handle:
                found = os.fstat(handle.fileno())
                if found.st_nlink == 1 and stat.S_IMODE(found.st_mode) == mode:
                    if found.st_size == len(data) and handle.read() == data:
                        stats[relative] = found.st_size, found.st_mtime_ns
                        continue
                else:
                    target.unlink()
        except FileNotFoundError:
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
        stats[relative] = _write_new_file(target, data)
    return stats


def _not_following_links(path: str, flags: int) -> int:
    return os.open(path, flags | getattr(os, "O_NOFOLLOW", 0))


def _write_tree(root: Path, items: Iterable[tuple[str, bytes]]) -> dict[str, tuple[int, int]]:
    made: set[Path] = set()
    stats: dict[str, tuple[int, int]] = {}
    for relative, data in items:
        target = root.joinpath(*check_output_path(relative).parts)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        stats[relative] = _write_new_file(target, data)
    return stats


def _write_new_file(path: Path, data: bytes) -> tuple[int, int]:
    """Write ``data`` to ``path``; its size and mtime, taken from the open
    file (a second pass stating 20,000 files takes half a second)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        stat = os.fstat(fd)
    finally:
        os.close(fd)
    return stat.st_size, stat.st_mtime_ns


def _swap_in(staging: Path, out_dir: Path, keep: Path | None) -> None:
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    if _exchange(staging, out_dir):
        _set_aside(staging, keep)  # now holds the previous site
        return
    old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    os.rename(out_dir, old)
    try:
        os.rename(staging, out_dir)
    except OSError:
        with contextlib.suppress(OSError):  # the error to report is the first one
            os.rename(old, out_dir)  # the previous site back where it was
        raise
    _set_aside(old, keep)


def _set_aside(previous: Path, keep: Path | None) -> None:
    """Keep the previous site in ``keep`` for the next build, or delete it.
    Once swapped, the new site is in place: a previous site that cannot be
    deleted (made by another user, say) is left where the next build tries
    again (remove_stale_builds), rather than failing this one."""
    if previous == keep:
        return
    if keep is not None:
        try:
            os.rename(previous, keep)
            return
        except OSError:
            pass
    shutil.rmtree(previous, ignore_errors=True)


def remove_stale_builds(out_dir: Path) -> None:
    """Staging directories left by a build that was killed; not those of a
    build at work (see _new_tree)."""
    name = glob.escape(out_dir.name)  # "site[1]" is a name, not a pattern
    for stale in out_dir.parent.glob(f".{name}.new-*"):
        try:
            held = lock_directory(stale)
        except BlockingIOError:
            continue
        try:
            shutil.rmtree(stale, ignore_errors=True)
        finally:
            unlock(held)
    for stale in out_dir.parent.glob(f".{name}.old-*"):
        shutil.rmtree(stale, ignore_errors=True)


def update_site(
    out_dir: Path, files: Mapping[str, bytes], previous: Mapping[str, bytes | None],
) -> tuple[str, ...]:
    """Bring ``out_dir`` (which holds ``previous``; None: a file whose bytes
    are not known) to exactly ``files`` in place.

    For the preview server: only files whose bytes changed are written (each
    atomically) and removed ones are deleted, so a one-page edit costs one
    file write and a browser never sees a missing directory mid-swap.
    Returns the output paths written or removed.
    """
    written: list[str] = []
    removed = sorted(previous.keys() - files.keys())
    try:
        # Removed first: a file of content/public/ that became a folder of
        # its name (or the reverse) is written where the old one was.
        emptied: set[Path] = set()
        for relative in removed:
            target = out_dir.joinpath(*check_output_path(relative).parts)
            target.unlink(missing_ok=True)
            emptied.add(target.parent)
        # Each directory once, deepest first: a new search index replaces
        # thousands of files in one directory.
        for directory in sorted(emptied, key=lambda path: len(path.parts), reverse=True):
            _remove_empty_parents(directory, out_dir)
        for relative, data in sorted(files.items()):
            if previous.get(relative) != data:
                write_atomic(out_dir.joinpath(*check_output_path(relative).parts), data)
                written.append(relative)
    except OSError as error:
        raise SourceError(f"cannot write the site: {error.strerror}", error.filename or out_dir) from None
    return tuple(written + removed)


def sync_site(out_dir: Path, files: Mapping[str, bytes], checked: Collection[str]) -> tuple[str, ...]:
    """Bring ``out_dir``, whatever it holds, to exactly ``files`` in place:
    what is not one of them (links included) is removed as a kept site's
    strays are, then the files whose bytes differ are written, each
    atomically, as :func:`update_site` writes them. ``checked``: paths
    already read back and found to hold their bytes.

    For the preview server's first build: a site already in the output
    directory (from the last build or preview) is mostly what it would
    write, and rewriting 23,000 files at 20,000 papers takes seconds more
    than comparing them."""
    directory_mode, file_mode = _new_modes()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        present, removed = _remove_strays(out_dir, files, directory_mode)
        # A site another umask made takes this one's modes, as a kept site
        # does in a build: files rewritten below keep the mode they have.
        for path, mode in ((out_dir, directory_mode), *((out_dir / name, file_mode) for name in present)):
            if stat.S_IMODE(os.lstat(path).st_mode) != mode:
                os.chmod(path, mode)
        previous = {
            path: files[path] if path in checked or _holds(out_dir / path, files[path]) else None for path in present
        }
    except OSError as error:
        raise SourceError(f"cannot write the site: {error.strerror}", error.filename or out_dir) from None
    return tuple(removed) + update_site(out_dir, files, previous)


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at ``path`` holds exactly ``data``."""
    with open(path, "rb") as handle:
        return os.fstat(handle.fileno()).st_size == len(data) and handle.read() == data


def _remove_empty_parents(directory: Path, root: Path) -> None:
    while directory != root and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent
