"""The background writer (geo/store/_writer.py): jobs in order, in one other thread; the
first failure raised and no job after it run; the caller's failure stops it first."""

from __future__ import annotations

import threading
import time

import pytest

from geo.store._writer import AHEAD, background_writer


def test_jobs_run_in_order_in_one_other_thread():
    done: list[tuple[int, str]] = []
    with background_writer() as writer:
        for n in range(20):
            writer.submit(lambda n=n: done.append((n, threading.current_thread().name)))
    assert [n for n, _ in done] == list(range(20))
    assert {name for _, name in done} == {"store-writer"}


def test_the_first_failure_is_raised_and_later_jobs_do_not_run():
    done: list[int] = []

    def fail() -> None:
        raise ValueError("row 3: no time")

    with pytest.raises(ValueError, match="row 3"), background_writer() as writer:  # noqa: PT012
        writer.submit(lambda: done.append(1))
        writer.submit(fail)
        writer.submit(lambda: done.append(2))
    assert done == [1]


def test_submit_raises_an_earlier_failure():
    def fail() -> None:
        raise ValueError("disk full")

    with pytest.raises(ValueError, match="disk full"), background_writer() as writer:  # noqa: PT012
        writer.submit(fail)
        time.sleep(0.05)
        for _ in range(AHEAD + 2):  # the first of these raises
            writer.submit(lambda: None)


def test_the_callers_failure_skips_queued_jobs_and_stops_the_thread():
    done: list[int] = []
    started = threading.Event()

    def slow() -> None:
        started.set()
        time.sleep(0.1)
        done.append(0)

    with pytest.raises(KeyError), background_writer() as writer:  # noqa: PT012
        writer.submit(slow)
        writer.submit(lambda: done.append(1))
        started.wait()
        raise KeyError("bad slice")
    assert done == [0]  # the running job finished, the queued one never ran
    assert not [t for t in threading.enumerate() if t.name == "store-writer"]
