"""Processes started by a build or the preview that end when it does, even
when it is killed (SIGKILL) and so has no chance to stop them: the related
papers' worker and Node building the search index outlived a preview server
killed, working on for no one.

A process whose parent is gone is given another (init, or a subreaper), so
each child is told its parent's pid and watches for its own parent to
change (or, started through a launcher, for the process named to be
gone: its parent is the launcher). Not Linux's PR_SET_PDEATHSIG: it signals the child when the *thread*
that started it ends (the search index may be started by a request's thread,
which ends with the request), it is Linux's alone, and setting it between
fork and exec (``preexec_fn``) is unsafe in a process with threads.
"""

from __future__ import annotations

import os
import threading
import time

# The name of the variable that tells a child its parent's pid (build_index.js reads it too).
PARENT_PID = "ATLAS_PARENT_PID"
WATCH_SECONDS = 0.5


def child_environment() -> dict[str, str]:
    """The environment for a child that is to end with this process."""
    return {**os.environ, PARENT_PID: str(os.getpid())}


def end_with_parent() -> None:
    """In the child: end this process once the parent that started it is
    gone, watched from a thread of its own (the work may hold the main one
    for seconds). Nothing, for a process not started with :func:`child_environment`."""
    parent = os.environ.get(PARENT_PID, "")
    # Not on Windows, which never gives a process another parent, and where
    # os.kill ends the process it is given; there no fork holds the input
    # open, so its end is sign enough.
    if not parent.isdecimal() or os.name != "posix":
        return

    named = int(parent)
    # Its parent changes; or, started through a launcher (a python or node
    # that starts the real one as its child) or after its parent was gone
    # already, the process named is no longer there.
    direct = os.getppid() == named

    def watch() -> None:
        while os.getppid() == named if direct else _there(named):
            time.sleep(WATCH_SECONDS)
        os._exit(1)  # at once: a reply half sent is no use to anyone now

    threading.Thread(target=watch, daemon=True, name="end-with-parent").start()


def _there(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # no signal: whether it is there
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        pass
    return True
