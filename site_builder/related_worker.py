"""The preview's related papers, found by a process that lives as long as it.

A new digest changes the weight of every word, so each rebuild after one
finds every paper's related papers again. A child forked for each rebuild did
that beside it, but a fork of the 700 MB server made the rebuild copy every
page of memory it wrote to while the child lived (about 100,000 page faults,
0.2-0.3 s of a 1.6 s rebuild at 20,000 papers). This process starts once,
from a fresh interpreter, so it shares no memory with the server; it keeps
each paper's terms from rebuild to rebuild, and is sent only the papers it
has not seen and the order of all of them.

The result is the same as a build's: which id a word gets never changes one
(see :class:`~site_builder.related.Vocabulary`). Anything amiss (the process
gone, a reply cut short) makes :meth:`RelatedWorker.result` None, for the
caller to find them itself, and the next request starts a new process;
after two failures in a row the preview gives up on it (:data:`GIVE_UP_AFTER`).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import weakref
from pathlib import Path
from typing import BinaryIO, Sequence

from .children import child_environment, end_with_parent
from .related import Terms, Vocabulary, related_by_terms
from .site import Related, RelatedSource, source_word_counts

# Each paper is sent once, by a number of its own: (number, source) for those
# new to the process, then the numbers of all, in the order asked.
Request = tuple[list[tuple[int, RelatedSource]], list[int]]

# The process gone or its reply cut short; ValueError: its pipe closed by stop() from another thread.
_FAILED = (OSError, EOFError, ValueError, pickle.PickleError)
# Requests failed in a row after which the preview stops asking: a process
# that cannot start (an interpreter that cannot run this module) would be
# started again for each rebuild and sent every paper, for nothing.
GIVE_UP_AFTER = 2
# How it is started: `-m`, so that it is this package's module, whatever runs the server.
_COMMAND = [sys.executable, "-m", "site_builder.related_worker"]


class RelatedWorker:
    """The parent's side: one request at a time, from one thread (the build
    thread); :meth:`stop` may come from another (the server's, on Ctrl+C)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._numbers: dict[RelatedSource, int] = {}  # the papers the process holds
        self._next = 0
        self._unread = False  # a reply not read yet
        self._stopped = False
        self._failures = 0  # requests failed since the last answered

    @property
    def usable(self) -> bool:
        """False once stopped, or given up on (see :data:`GIVE_UP_AFTER`):
        the build then finds the related papers as without it."""
        return not self._stopped

    @property
    def gave_up(self) -> bool:
        """Whether it failed :data:`GIVE_UP_AFTER` times in a row, and so
        stopped for good: each rebuild now finds the related papers itself."""
        return self._failures >= GIVE_UP_AFTER

    def holds(self, sources: Sequence[RelatedSource]) -> bool:
        """Whether the process has the terms of every one of ``sources``."""
        return self._process is not None and all(source in self._numbers for source in sources)

    def start(self, sources: Sequence[RelatedSource]) -> None:
        """Ask for the related papers of ``sources``; :meth:`result` waits for
        them. A reply not read (a build that failed, or that found them in its
        memo) is read and dropped first."""
        if self._stopped:  # a build the preview's stop came during: result() is None, and it finds them itself
            return
        try:
            if self._unread:
                self._read()
            process = self._running()
            known, numbers, new = self._numbers, {}, []
            for source in sources:
                number = known.get(source)
                if number is None:
                    number, self._next = self._next, self._next + 1
                    new.append((number, source))
                numbers[source] = number
            # Those not asked for now are forgotten, here and there alike.
            self._numbers = numbers
            assert process.stdin is not None
            _send((new, [numbers[source] for source in sources]), process.stdin)
            self._unread = True
        except _FAILED:
            self._failed()

    def result(self) -> Related | None:
        """The related papers asked for by :meth:`start`, or None if the
        process failed to find them (the caller finds them then)."""
        if not self._unread:
            return None
        try:
            related = self._read()
        except _FAILED:
            self._failed()
            return None
        self._failures = 0
        return related

    def _failed(self) -> None:
        self.close()
        self._failures += 1
        if self._failures >= GIVE_UP_AFTER:
            self._stopped = True

    def stop(self) -> None:
        """Stop the process for good (the preview stops)."""
        self._stopped = True
        self.close()

    def close(self) -> None:
        """Stop the process; the next request starts another."""
        process, self._process = self._process, None
        self._numbers, self._unread = {}, False
        if process is not None:
            _end(process)

    def _read(self) -> Related:
        self._unread = False
        process = self._process  # once: stop() from another thread may take it meanwhile
        if process is None or process.stdout is None:
            raise OSError("the process was stopped")
        related = pickle.load(process.stdout)
        if not isinstance(related, tuple):
            raise pickle.UnpicklingError("not a reply")
        return related

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self.close()
        self._process = subprocess.Popen(
            _COMMAND,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=child_environment(),
            # `-m` puts the working directory first on the path: this package's
            # root there, not the previewed project's own modules (a json.py).
            cwd=Path(__file__).resolve().parent.parent,
            # Not the server's: a Ctrl+C in the terminal stops the server, which then stops this.
            start_new_session=True,
        )
        # A preview never stopped (most tests') leaves no process behind:
        # subprocess keeps one still running open, and it waits for input.
        weakref.finalize(self, _end, self._process)
        # Asked once the process is in self._process: a stop() by the preview
        # since start() began, in its own thread (even during the Popen),
        # found none to stop.
        if self._stopped:
            self.close()
            raise OSError("the preview stopped")
        return self._process


def _end(process: subprocess.Popen[bytes]) -> None:
    # Killed, not left to finish at the end of its input: a reply the build
    # thread is reading holds the pipe's lock, so closing it waited for that
    # reply (a second or more at 20,000 papers), and a child forked from the
    # server (the cache's save) holds its input open.
    process.kill()
    for stream in (process.stdin, process.stdout):
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass
    process.wait()


def _send(message: Request | Related, stream: BinaryIO) -> None:
    pickle.dump(message, stream, pickle.HIGHEST_PROTOCOL)
    stream.flush()


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """The process's side: answer each request until the input ends."""
    vocabulary = Vocabulary()
    terms: dict[int, Terms] = {}
    while True:
        try:
            new, order = pickle.load(requests)
        except EOFError:
            return
        for number, source in new:
            terms[number] = vocabulary.terms(source_word_counts(source))
        asked = set(order)
        for number in [number for number in terms if number not in asked]:
            del terms[number]
        _send(related_by_terms([terms[number] for number in order], len(vocabulary)), replies)


if __name__ == "__main__":
    # The replies go out on a copy of the output, and the output itself where
    # errors go: a print in this process (a debug line) is not read as a reply.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    # The end of its input is not enough: a child the server forked (the
    # cache's save) holds it open, and a request takes seconds to answer.
    end_with_parent()
    serve(sys.stdin.buffer, replies)
