"""A write transaction's inserts run by a thread of their own, in order, while the caller
prepares the next rows: PostgreSQL's server process and Python then keep two cores busy
instead of one in turn (the GeoPackage does not use it: there the rows' Python values need
the interpreter's lock as much as the preparation does).

While a :class:`Writer` is open only its thread uses the transaction's connection; at
most ``ahead`` jobs wait (bounds memory). A failing job's error is raised to the caller at
its next :meth:`Writer.submit` or at :meth:`Writer.close`, and no later job runs; a
failure of the caller's own stops the thread before the caller rolls back.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

AHEAD = 4
"""Jobs that may wait for the writer (a slice's record, fix, run and audit rows)."""


class Writer:
    """Runs submitted jobs one after another in a thread of its own (module docstring)."""

    def __init__(self, ahead: int = AHEAD) -> None:
        self._jobs: queue.Queue[Callable[[], object] | None] = queue.Queue(ahead)
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is None and not self._cancelled:
                try:
                    job()
                except BaseException as exc:  # handed to the caller by submit/close
                    self._error = exc

    def submit(self, job: Callable[[], object]) -> None:
        """Queue ``job`` (raises an earlier job's failure instead)."""
        if self._error is not None:
            raise self._error
        self._jobs.put(job)

    def close(self) -> None:
        """Wait for the queued jobs; raise the first failure."""
        self._jobs.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def cancel(self) -> None:
        """Skip the jobs still queued and wait for the one running (its failure, if any,
        is dropped: the caller has its own to report)."""
        self._cancelled = True
        self._jobs.put(None)
        self._thread.join()


@contextmanager
def background_writer() -> Iterator[Writer]:
    """A :class:`Writer` for the block: closed at its end, cancelled if the block fails."""
    writer = Writer()
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    writer.close()
