"""Many files' work shared among processes forked from this one, with the results a single
run would give, in its order.

Forked, the processes share what this one imported and loaded (the grammar, the XSDs),
so they start at once; each works on a contiguous part of the items and sends its results
back through a pipe. A part whose process fails is done here again, so the answer is
always the single run's (an exception it raises is raised here, as in a single run).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing's, without importing typing at start-up
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import TypeVar

    T = TypeVar("T")
    R = TypeVar("R")

# Fewer items than this per process are not worth a fork.
MIN_PER_PROCESS = 32


def can_fork() -> bool:
    """Whether this platform forks safely: POSIX, not macOS (whose system libraries may
    not survive a fork; Python's multiprocessing stopped forking there too)."""
    return hasattr(os, "fork") and sys.platform != "darwin"


def cpus() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def map_forked(work: Callable[[T], R], items: Sequence[T], jobs: int) -> list[R]:
    """``[work(x) for x in items]``, shared among up to ``jobs`` processes: this one and
    ``jobs - 1`` forked from it. One process (no fork) where forking is unsafe or the
    items are too few to share."""
    jobs = min(jobs, len(items) // MIN_PER_PROCESS)
    if jobs <= 1 or not can_fork():
        return [work(x) for x in items]
    size, extra = divmod(len(items), jobs)
    parts, start = [], 0
    for i in range(jobs):
        end = start + size + (1 if i < extra else 0)
        parts.append(items[start:end])
        start = end
    sys.stdout.flush()  # nothing buffered here is written twice by a child
    sys.stderr.flush()
    children: list[tuple[int, int, Sequence[T]]] = []
    try:
        for part in parts[1:]:
            children.append(_fork(work, part))
        results = [work(x) for x in parts[0]]
        while children:
            pid, fd, part = children.pop(0)
            results.extend(_collect(pid, fd, work, part))
    finally:
        for pid, fd, _ in children:  # only when this process was interrupted
            os.close(fd)
            os.waitpid(pid, 0)
    return results


def _fork(work: Callable[[T], R], part: Sequence[T]) -> tuple[int, int, Sequence[T]]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: work, send the results, and leave without any clean-up of the parent's
        code = 1
        try:
            os.close(read)
            import pickle

            data = pickle.dumps([work(x) for x in part], protocol=pickle.HIGHEST_PROTOCOL)
            with open(write, "wb") as out:
                out.write(data)
            code = 0
        except BaseException:  # the parent does this part itself, and meets the error there
            pass
        finally:
            os._exit(code)
    os.close(write)
    return pid, read, part


def _collect(pid: int, fd: int, work: Callable[[T], R], part: Sequence[T]) -> list[R]:
    """A child's results, or, if it failed, the part worked here."""
    import pickle

    with open(fd, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0:
        try:
            results: list[R] = pickle.loads(data)
        except Exception:  # a broken answer: the part is worked here
            pass
        else:
            if len(results) == len(part):
                return results
    return [work(x) for x in part]
