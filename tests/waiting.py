"""Waiting for something to happen, with a generous bound: the bound only ends a test that would hang; it is no
claim about speed (a loaded machine is slow)."""

import time
from collections.abc import Callable


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0, poll: float = 0.05) -> None:
    """Return once `condition()` holds; TimeoutError naming `what` did not happen if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(poll)
