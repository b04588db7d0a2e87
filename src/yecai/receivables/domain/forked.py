"""Work split over forked processes: each job runs in a child of this process, which sends back
bytes through a pipe, while the caller's own share runs here. Standard library only.

Fork (not spawn): a child starts with the parent's memory as it is (indexes built, nothing to
import or pickle on the way in), and only its answer travels back. A child touches nothing it
inherited but memory (no files, no sockets, no database connections) and leaves with
``os._exit``, so nothing of the parent's (buffers, atexit hooks, connections) runs twice. Where
fork is missing or fails, or a child fails, the caller gets ``None`` for that job and does the
work itself: forking changes how long a batch takes, never its result.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Callable, Sequence


def can_fork() -> bool:
    # Linux only: macOS's system frameworks are not fork-safe, Windows has no fork.
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def cores() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def in_children(jobs: Sequence[Callable[[], bytes]], own: Callable[[], None]) -> list[bytes | None]:
    """Run each of ``jobs`` in a forked child while ``own`` runs in this process; the children's
    answers in the order of ``jobs`` (None for a child that failed or could not start)."""
    started: list[tuple[int, int] | None] = []
    try:
        for job in jobs:
            started.append(_start(job))
        own()
    except BaseException:
        for got in started:
            if got is not None:
                os.kill(got[0], signal.SIGKILL)
                os.close(got[1])
                os.waitpid(got[0], 0)
        raise
    return [_collect(*got) if got is not None else None for got in started]


def _start(job: Callable[[], bytes]) -> tuple[int, int] | None:
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child: never returns into the caller's code
        # No collection in the child: it would finalize the parent's unreachable objects, and a
        # database connection closed from here would end the parent's session (PostgreSQL) or
        # drop its locks (SQLite). The child is short-lived; its garbage goes with it.
        gc.disable()
        code = 1
        try:
            os.close(read_fd)
            data = job()
            with os.fdopen(write_fd, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _collect(pid: int, read_fd: int) -> bytes | None:
    with os.fdopen(read_fd, "rb") as inp:
        try:
            data = inp.read()
        except OSError:
            data = b""
    _pid, status = os.waitpid(pid, 0)
    return data if os.waitstatus_to_exitcode(status) == 0 else None
