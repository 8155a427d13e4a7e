"""Work on both cores: results in input order, and children that never linger."""

from __future__ import annotations

import os
import time

import pytest

from site_builder import parallel
from site_builder.parallel import Forked, fork_map


@pytest.fixture
def children(monkeypatch) -> list[int]:
    """The pids of the children forked; each child's exit is held up for a
    second after it has sent its results, as freeing a large process's
    memory holds it up."""
    pids: list[int] = []
    fork, exit_now = os.fork, os._exit

    def recorded_fork() -> int:
        pid = fork()
        if pid:
            pids.append(pid)
        return pid

    def slow_exit(code: int) -> None:
        time.sleep(1)
        exit_now(code)

    monkeypatch.setattr(os, "fork", recorded_fork)
    monkeypatch.setattr(os, "_exit", slow_exit)
    return pids


def exited(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG) != (0, 0)
    except ChildProcessError:  # already waited for
        return True


def reaped(pid: int, within: float = 30.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.01)
    return False


def test_results_are_used_before_the_child_has_exited_and_it_is_reaped_then(children):
    items = list(range(parallel.PARALLEL_MIN_ITEMS))
    assert fork_map(lambda n: n * n, items, 2) == [n * n for n in items]
    (pid,) = children
    assert not exited(pid), "the results came without waiting for the child to exit"
    assert reaped(pid), "and the child is waited for (no zombie is left)"

    forked = Forked(lambda: "done")
    assert forked.result() == "done"
    assert not exited(children[1]) and reaped(children[1])


def test_a_child_that_fails_is_waited_for_and_its_part_computed_here(children):
    def fails_in_the_child(n: int) -> int:
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        time.sleep(0.005)  # so that the child takes some items before this process took them all
        return n + 1

    parent = os.getpid()
    items = list(range(parallel.PARALLEL_MIN_ITEMS))
    assert fork_map(fails_in_the_child, items, 2) == [n + 1 for n in items]
    (pid,) = children
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # waited for already


def test_a_process_slowed_down_takes_fewer_items_and_the_results_keep_their_order(children):
    def square_slowly_in_the_child(n: int) -> tuple[int, int]:
        # The child ten times slower, as a renderer sharing its core with Node.
        time.sleep(0.005 if os.getpid() == parent else 0.05)
        return os.getpid(), n * n

    parent = os.getpid()
    items = list(range(parallel.PARALLEL_MIN_ITEMS))
    results = fork_map(square_slowly_in_the_child, items, 2)
    assert [square for _pid, square in results] == [n * n for n in items]
    by_child = sum(1 for pid, _square in results if pid != parent)
    # Dealt into halves up front, the child would square half of them (5 s).
    assert 0 < by_child < len(items) // 4


def test_an_error_here_stops_the_children_and_is_raised(children):
    def fails_here(n: int) -> int:
        if os.getpid() == parent:
            raise ValueError("in this process")
        time.sleep(0.01)
        return n

    parent = os.getpid()
    with pytest.raises(ValueError, match="in this process"):
        fork_map(fails_here, list(range(parallel.PARALLEL_MIN_ITEMS)), 3)
    assert len(children) == 2
    for pid in children:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # killed and waited for already


def test_of_several_errors_the_first_in_input_order_is_raised_whichever_process_met_it(children):
    """As a map in one process raises it. This process raised the one it met,
    so a template error on every paper page named one paper, then another."""
    def fails_after_the_first_run(n: int) -> int:
        if n >= size:
            raise ValueError(n)
        time.sleep(0.01)  # so that the child takes the second run, and fails, while this process does the first
        return n

    items = list(range(parallel.PARALLEL_MIN_ITEMS * 4))
    size = -(-len(items) // parallel.CHUNKS)
    with pytest.raises(ValueError) as info:
        fork_map(fails_after_the_first_run, items, 2)
    assert info.value.args == (size,)


def test_an_error_here_before_this_process_took_a_run_is_raised_as_it_is(children, monkeypatch):
    """It has no place in input order: it was an IndexError (the run this process took, of none)."""
    parent, read = os.getpid(), os.read

    def fails_here(fd: int, size: int) -> bytes:
        if os.getpid() == parent:
            raise OSError(5, "Input/output error")
        return read(fd, size)

    monkeypatch.setattr(os, "read", fails_here)
    with pytest.raises(OSError, match="Input/output error"):
        fork_map(lambda n: n, list(range(parallel.PARALLEL_MIN_ITEMS * 2)), 2)
    (pid,) = children
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # stopped and waited for already
