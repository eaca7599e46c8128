"""Read an upload in a worker process with CPU-time and memory limits.

The web app never parses an upload in its own process: :func:`read_isolated` hands the
bytes to a child process (forked from a small, single-threaded fork server that has the
readers already imported, so starting one costs milliseconds), which sets its own limits
with ``resource.setrlimit`` – CPU seconds (the kernel stops it with SIGXCPU), address space
(allocations beyond it fail), no core files – reads the file with
:func:`geo.imports.files.read_file` and sends back progress and the results. A child that
dies or runs past its wall-clock allowance is killed and reported as over budget.

Not every library passes a refused allocation on as ``MemoryError``: pyarrow, for one,
reports a Python object it could not allocate as ``ArrowException: Unknown error: Wrapping
… failed``. So any other error the reader raises once the worker's peak address space came
within :data:`NEAR_CEILING` of its limit is reported as over memory too; the rest are the
reader's own failures and are reported as such (with the traceback on the server's log).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable, MutableMapping
from typing import Any

from shapely import wkb
from shapely.geometry.base import BaseGeometry

from geo.errors import GeoError, ImportRejected, Message, OverBudget
from geo.imports.base import ImportResult, Progress
from geo.imports.budget import MB, Budget

_MEMO = "import_parsed"
_WALL_FACTOR = 3  # wall-clock allowance: this many times the CPU budget (a shared machine)
NEAR_CEILING = 8 * MB
"""An error raised once the peak address space came this close to the limit (bytes) is
taken as a refused allocation: small allocations (Python objects, 1 MB allocator arenas,
glibc heap growth) fail within a few MB of it."""


def _vm_bytes(field: str = "VmSize") -> int:
    """This process's address-space size (``VmSize``) or its peak (``VmPeak``), bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    return 0


def _limit(budget: Budget) -> int:
    """Set the worker's limits; returns its address-space ceiling (bytes).

    The ceiling is the address space at the start plus the budget: the reader's own use.
    """
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (budget.cpu_seconds, budget.cpu_seconds + 5))
    ceiling = _vm_bytes() + budget.memory_mb * MB
    # hard limit left open so the refusal can still be sent once the reader hit the ceiling
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, resource.RLIM_INFINITY))
    return ceiling


def ran_out_of_memory(error: BaseException, *, peak: int, start_peak: int, ceiling: int) -> bool:
    """Whether ``error`` comes from an allocation the address-space ceiling refused.

    True for a ``MemoryError`` anywhere in the error's chain, and for any error raised after
    the reader's peak address space (bytes) came within :data:`NEAR_CEILING` of ``ceiling``
    (bytes). ``start_peak`` is the peak the process had before reading (a forked process
    inherits its parent's): a peak no higher than that says nothing about the reader.
    """
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, MemoryError):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return peak > start_peak and peak >= ceiling - NEAR_CEILING


def _child(conn: multiprocessing.connection.Connection, job: dict[str, Any]) -> None:
    """Worker body: limits, read, send ``("progress", f, msg)`` … then one final message."""
    from geo.imports.files import read_file  # preloaded by the fork server

    budget: Budget = job["budget"]
    ceiling = _limit(budget)
    start_peak = _vm_bytes("VmPeak")

    def progress(done: float, what: Message) -> None:
        conn.send(("progress", done, what))

    try:
        outline = wkb.loads(job["outline"]) if job["outline"] is not None else None
        results = read_file(
            outline,
            job["data"],
            job["filename"],
            job["layer"],
            progress=progress,
            budget=budget,
            **job["options"],
        )
        conn.send(("done", results))
    except ImportRejected as exc:
        conn.send(("refused", exc.message, isinstance(exc, OverBudget)))
    except Exception as exc:  # noqa: BLE001 - every failure becomes one refusal
        peak = _vm_bytes("VmPeak")
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        if ran_out_of_memory(exc, peak=peak, start_peak=start_peak, ceiling=ceiling):
            conn.send(("refused", Message("imp_over_memory", {"limit": budget.memory_mb}), True))
        else:
            traceback.print_exception(exc, file=sys.stderr)
            conn.send(("refused", Message("imp_worker_failed", {}), False))
    finally:
        conn.close()


_context: multiprocessing.context.ForkServerContext | None = None


def _server() -> multiprocessing.context.ForkServerContext:
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(
            ["geo.imports.worker_server", "geo.imports.files", "geo.imports.worker"]
        )
    return _context


def read_isolated(
    outline: BaseGeometry | None,
    data: bytes,
    filename: str,
    layer: str,
    *,
    budget: Budget,
    progress: Progress | None = None,
    **options: object,
) -> list[ImportResult]:
    """:func:`geo.imports.files.read_file` in a limited worker process.

    Raises :class:`ImportRejected` as the reader would, or :class:`OverBudget` when the
    worker ran out of CPU time, memory or wall-clock time.
    """
    ctx = _server()
    parent, child = ctx.Pipe(duplex=False)
    job = {
        "outline": wkb.dumps(outline) if outline is not None else None,
        "data": data,
        "filename": filename,
        "layer": layer,
        "budget": budget,
        "options": options,
    }
    process = ctx.Process(target=_child, args=(child, job), daemon=True)
    process.start()
    child.close()
    deadline = time.monotonic() + budget.cpu_seconds * _WALL_FACTOR
    try:
        while True:
            if not parent.poll(max(0.0, min(0.5, deadline - time.monotonic()))):
                if time.monotonic() >= deadline:
                    raise OverBudget("imp_over_time", limit=budget.cpu_seconds * _WALL_FACTOR)
                if not process.is_alive() and not parent.poll():
                    raise _died(process, budget)
                continue
            try:
                message = parent.recv()
            except EOFError:
                process.join(5)
                raise _died(process, budget) from None
            if message[0] == "progress":
                if progress is not None:
                    progress(message[1], message[2])
                continue
            if message[0] == "done":
                return message[1]
            kind = OverBudget if message[2] else ImportRejected
            raise kind(message[1].key, **message[1].params)
    finally:
        parent.close()
        if process.is_alive():
            process.kill()
        process.join(5)


def _died(process: multiprocessing.process.BaseProcess, budget: Budget) -> GeoError:
    """Why the worker ended without an answer, as the user's refusal."""
    code = process.exitcode
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return OverBudget("imp_over_cpu", limit=budget.cpu_seconds)
    if code in (-signal.SIGSEGV, -signal.SIGABRT):  # an allocation the limit refused, in C
        return OverBudget("imp_over_memory", limit=budget.memory_mb)
    return ImportRejected("imp_worker_failed")


def read_once(
    memo: MutableMapping[str, Any], key: tuple[object, ...], read: Callable[[], list[ImportResult]]
) -> list[ImportResult]:
    """The results for ``key``, read only when the key is new (one upload, one parse).

    ``memo`` keeps the latest key and its outcome (the web page passes its session state);
    a refusal is kept as well, so a file over budget is not read again on every rerun.
    """
    cached = memo.get(_MEMO)
    if cached is not None and cached[0] == key:
        outcome = cached[1]
    else:
        try:
            outcome = read()
        except ImportRejected as exc:
            outcome = exc
        memo[_MEMO] = (key, outcome)
    if isinstance(outcome, ImportRejected):
        raise outcome
    return outcome


def forget(memo: MutableMapping[str, Any]) -> None:
    """Drop the remembered upload (after a commit, duplicates must be counted again)."""
    memo.pop(_MEMO, None)
