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


def fork_map(function: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """``[function(item) for item in items]``, the list dealt into ``workers``
    parts (every ``workers``-th item, so slow items that cluster, such as the
    index pages after the paper pages, are shared out), each but the first
    computed in a forked child. A part whose child fails is computed here, so
    an error is raised as usual."""
    if workers < 2 or len(items) < PARALLEL_MIN_ITEMS or not hasattr(os, "fork"):
        return [function(item) for item in items]
    parts = [items[start::workers] for start in range(workers)]
    # The garbage collector writes to every object it scans, which would copy
    # every page of memory this process and its children share; frozen
    # objects are not scanned, here or in the children.
    gc.freeze()
    try:
        children = [_fork(function, part) for part in parts[1:]]
        done_parts = [[function(item) for item in parts[0]]]
        for part, child in zip(parts[1:], children):
            done = _collect(child)
            done_parts.append(done if done is not None else [function(item) for item in part])
    finally:
        gc.unfreeze()
    results: list[R] = [None] * len(items)  # type: ignore[list-item]
    for start, done in enumerate(done_parts):
        results[start::workers] = done
    return results


class Forked(Generic[R]):
    """``function()`` computed in a forked child while this process goes on:
    :meth:`result` waits for it (computing it here if the child failed, so
    an error is raised as usual); :meth:`close` stops a child never asked."""

    def __init__(self, function: Callable[[], R]) -> None:
        self.function = function
        self._child: tuple[int, int] | None = _fork(_call, [function]) if hasattr(os, "fork") else None

    def result(self) -> R:
        if self._child is None:
            return self.function()
        child, self._child = self._child, None
        done = _collect(child)
        return done[0] if done is not None else self.function()

    def close(self) -> None:
        if self._child is not None:
            pid, reader = self._child
            self._child = None
            os.kill(pid, signal.SIGKILL)
            os.close(reader)
            os.waitpid(pid, 0)


def _collect(child: tuple[int, int]) -> list[Any] | None:
    """A forked child's results, or None if it failed."""
    pid, reader = child
    with os.fdopen(reader, "rb") as stream:
        try:
            # Unpickled as it arrives, so the results are not held twice.
            done: list[Any] = pickle.load(stream)
        except (EOFError, pickle.UnpicklingError):
            os.waitpid(pid, 0)
            return None
    # The whole pickle came, so the child succeeded (it sends nothing else,
    # then exits). It is waited for in the background: a child's exit frees
    # its copy of this process's page tables, which takes tens of ms at
    # 20,000 papers that the build need not wait for.
    threading.Thread(target=os.waitpid, args=(pid, 0), daemon=True).start()
    return done


def _call(function: Callable[[], R]) -> R:
    return function()


def _fork(function: Callable[[T], R], part: Sequence[T]) -> tuple[int, int]:
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
        done = [function(item) for item in part]
        with os.fdopen(writer, "wb") as stream:
            pickle.dump(done, stream, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    finally:
        os._exit(code)
