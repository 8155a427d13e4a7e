"""Independent work on both cores: a map over forked copies of this process.

Forking shares the site model, templates and Markdown parser with the
children as they are, so nothing but the results crosses a pipe. Results come
back in input order, so the output never depends on how many processes ran.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import threading
from typing import Any, Callable, Generic, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a second process costs more than it saves.
PARALLEL_MIN_ITEMS = 200


def default_workers() -> int:
    """One process per core, at most two: beyond that, writing dominates."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(2, cores))


# Items are handed out in about this many runs of neighbours, each to whichever
# process asks first: a process slowed down (by Node building the search index
# on its core, or by slow items that cluster, such as the index pages after
# the paper pages) takes fewer, instead of the other one waiting for it.
CHUNKS = 128


def fork_map(function: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """``[function(item) for item in items]``, computed by this process and
    ``workers - 1`` forked children, each taking the next run of items until
    none is left. Runs a child took but did not send back (it failed) are
    computed here, so an error is raised as usual: the first in input order,
    whichever process met it."""
    if workers < 2 or len(items) < PARALLEL_MIN_ITEMS or not hasattr(os, "fork"):
        return [function(item) for item in items]
    size = -(-len(items) // CHUNKS)
    runs = range(-(-len(items) // size))
    # The queue: one byte per run, all written before any process reads. A
    # read of one byte from a pipe is atomic, so each run goes to one process.
    queue, queue_writer = os.pipe()
    os.write(queue_writer, bytes(runs))
    os.close(queue_writer)

    def take_runs(done: dict[int, list[R]]) -> dict[int, list[R]]:
        while run := os.read(queue, 1):
            taking[:] = [run[0]]
            done[run[0]] = compute(run[0])
        return done

    def compute(run: int) -> list[R]:
        start = run * size
        return [function(item) for item in items[start:start + size]]

    # The garbage collector writes to every object it scans, which would copy
    # every page of memory this process and its children share; frozen
    # objects are not scanned, here or in the children.
    gc.freeze()
    children: list[tuple[int, int]] = []
    done: dict[int, list[R]] = {}
    taking: list[int] = []  # the run this process is computing
    try:
        children = [_fork(lambda: take_runs({})) for _worker in range(workers - 1)]
        try:
            take_runs(done)
        except Exception:
            # The error to raise is the first in input order, as in one
            # process, not the first this process met: the runs before this
            # one that the children took are computed again here.
            while children:
                _stop(children.pop())
            # (None taken: the error is this process's own, in no run.)
            for run in range(taking[0] if taking else 0):
                if run not in done:
                    compute(run)
            raise
        while children:
            done.update(_collect(children.pop()) or {})
    finally:
        gc.unfreeze()
        os.close(queue)
        for child in children:  # this process failed: stop the children
            _stop(child)
    for run in runs:
        if run not in done:
            done[run] = compute(run)
    return [result for run in runs for result in done[run]]


class Forked(Generic[R]):
    """``function()`` computed in a forked child while this process goes on:
    :meth:`result` waits for it (computing it here if the child failed, so
    an error is raised as usual); :meth:`close` stops a child never asked."""

    def __init__(self, function: Callable[[], R]) -> None:
        self.function = function
        self._child: tuple[int, int] | None = _fork(lambda: [function()]) if hasattr(os, "fork") else None

    def result(self) -> R:
        if self._child is None:
            return self.function()
        child, self._child = self._child, None
        done = _collect(child)
        return done[0] if done is not None else self.function()

    def outcome(self) -> R | None:
        """Wait for the child: its result, or None if it failed. Never
        computes here (for work that must not be done on later state)."""
        if self._child is None:
            return None
        child, self._child = self._child, None
        done = _collect(child)
        return done[0] if done is not None else None

    def close(self) -> None:
        if self._child is not None:
            child, self._child = self._child, None
            _stop(child)


def _stop(child: tuple[int, int]) -> None:
    pid, reader = child
    os.kill(pid, signal.SIGKILL)
    os.close(reader)
    os.waitpid(pid, 0)


def _collect(child: tuple[int, int]) -> Any:
    """A forked child's results, or None if it failed."""
    pid, reader = child
    with os.fdopen(reader, "rb") as stream:
        try:
            # Unpickled as it arrives, so the results are not held twice.
            done = pickle.load(stream)
        except (EOFError, pickle.UnpicklingError):
            os.waitpid(pid, 0)
            return None
    # The whole pickle came, so the child succeeded (it sends nothing else,
    # then exits). It is waited for in the background: a child's exit frees
    # its copy of this process's page tables, which takes tens of ms at
    # 20,000 papers that the build need not wait for.
    threading.Thread(target=os.waitpid, args=(pid, 0), daemon=True).start()
    return done


def _fork(compute: Callable[[], Any]) -> tuple[int, int]:
    """Run ``compute()`` in a forked child, which sends back its result (never
    None: :func:`_collect` tells a failed child by None)."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid:
        os.close(writer)
        return pid, reader
    # The child: compute, send the results back, and leave without running the
    # parent's cleanup (atexit handlers, open files, the test runner).
    code = 1
    try:
        os.close(reader)
        done = compute()
        with os.fdopen(writer, "wb") as stream:
            pickle.dump(done, stream, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    finally:
        os._exit(code)
