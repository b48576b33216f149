"""Functions run in separate OS processes (as on separate workstations), started together at a barrier."""

import multiprocessing
import queue
import time
import traceback
from collections.abc import Callable

START_TIMEOUT_S = 120  # spawned processes import the app first; on a slow machine that takes a while


class WorkerCrashed(Exception):
    """A racing process failed outside the attempts it counts; the message holds its traceback."""


def _process_main(func, job, barrier, results, index: int) -> None:
    try:
        value = func(job, lambda timeout=START_TIMEOUT_S: barrier.wait(timeout))
        results.put((index, True, value))
    except BaseException:
        barrier.abort()  # the others would wait for this one forever
        results.put((index, False, traceback.format_exc()))


def run_together(tasks: list[tuple[Callable, object]], timeout: float = 600) -> list:
    """Run each `func(job, ready)` in its own spawned process; return their results in order.

    `ready()` waits until every process has called it: call it after connecting, so the race starts
    together. It can be called again for another round (the barrier is cyclic); `ready(timeout)` waits
    longer than START_TIMEOUT_S for a round that follows a long phase.
    """
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(len(tasks)), ctx.Queue()
    processes = [
        ctx.Process(target=_process_main, args=(func, job, barrier, results, i), daemon=True)
        for i, (func, job) in enumerate(tasks)
    ]
    for process in processes:
        process.start()
    try:
        collected = dict(_collect(results, processes, timeout))
    finally:
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.kill()
    failures = [value for ok, value in collected.values() if not ok]
    if failures:  # the cause, rather than the others' broken barrier
        raise WorkerCrashed(min(failures, key=lambda tb: "BrokenBarrierError" in tb))
    return [collected[i][1] for i in range(len(tasks))]


def _collect(results, processes, timeout: float):
    deadline = time.monotonic() + timeout
    for _ in processes:
        while True:
            try:
                index, ok, value = results.get(timeout=1)
                yield index, (ok, value)
                break
            except queue.Empty as exc:  # check that nobody died without a word
                if time.monotonic() > deadline or not any(p.is_alive() for p in processes):
                    raise WorkerCrashed("racing processes stopped without reporting") from exc
