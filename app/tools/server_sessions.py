"""How many sessions a database's server holds while a benchmark runs: sampled from pg_stat_activity."""

import threading
from dataclasses import dataclass

import psycopg

from app.db.engine import conninfo

SAMPLE_S = 0.05

COUNT_SESSIONS = """
SELECT count(*), count(*) FILTER (WHERE query LIKE 'LISTEN %')
FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


@dataclass(frozen=True)
class Sessions:
    total: int = 0  # the database's sessions on the server, this counter's own left out
    listening: int = 0  # of which the last statement was a LISTEN: the desks' listeners


class SessionCounter:
    """Counts the sessions of `url`'s database (on the server itself: not through a pooler) every SAMPLE_S, on a
    thread of its own, from entering the `with` block to leaving it; `peak` is the sample with the most."""

    def __init__(self, url: str):
        self._connection = psycopg.connect(conninfo(url), autocommit=True, connect_timeout=5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="session-counter", daemon=True)
        self.peak = Sessions()

    def _sample(self) -> None:
        while True:
            total, listening = self._connection.execute(COUNT_SESSIONS).fetchone()
            if total > self.peak.total:
                self.peak = Sessions(total, listening)
            if self._stop.wait(SAMPLE_S):
                return

    def __enter__(self) -> "SessionCounter":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()
        self._connection.close()
