"""How many sessions a database's server holds while a benchmark runs: sampled from pg_stat_activity."""

import threading

import psycopg

from app.db.engine import conninfo

SAMPLE_S = 0.05

COUNT_SESSIONS = """
SELECT count(*), count(*) FILTER (WHERE query LIKE 'LISTEN %')
FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
"""


class SessionCounter:
    """Counts the sessions of `url`'s database (on the server itself: not through a pooler) every SAMPLE_S, on a
    thread of its own, from entering the `with` block to leaving it. It keeps the most sessions seen at once (this
    counter's own and the server's own workers (autovacuum) left out), and the most whose last statement was a LISTEN
    (the desks' listeners)."""

    def __init__(self, url: str):
        self._connection = psycopg.connect(conninfo(url), autocommit=True, connect_timeout=5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="session-counter", daemon=True)
        self.peak_total = 0
        self.peak_listening = 0
        self._failure: BaseException | None = None

    def _sample(self) -> None:
        try:
            while True:
                total, listening = self._connection.execute(COUNT_SESSIONS).fetchone()
                self.peak_total = max(self.peak_total, total)
                self.peak_listening = max(self.peak_listening, listening)
                if self._stop.wait(SAMPLE_S):
                    return
        except BaseException as exc:  # said when the block ends: peaks from a counter that stopped would mislead
            self._failure = exc

    def __enter__(self) -> "SessionCounter":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()
        self._connection.close()
        if self._failure is not None:
            raise RuntimeError(f"counting the server's sessions failed: {self._failure}") from self._failure
