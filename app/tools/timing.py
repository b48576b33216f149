"""How the benchmarks time a piece of work: the median of several runs, in milliseconds."""

import statistics
import time
from collections.abc import Callable


def median_ms(action: Callable[[], object], repeat: int) -> float:
    """Median wall time of `repeat` runs of `action`, in milliseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)
