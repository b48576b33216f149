"""A proxy in front of the test server that counts round trips: each time the client speaks after the server
has answered (or for the first time) is one. The server's answers are held back a little, so that what a client
sends without waiting (a pipeline) arrives before any answer and counts once, however the client splits it.

    with RoundTripCounter(db_url) as proxy:
        engine = make_engine(proxy.url)
        ...                      # connect and warm up
        proxy.reset()
        ...                      # the work to count
        assert proxy.round_trips == 2
"""

import socket
import threading
import time
from contextlib import suppress

from sqlalchemy import make_url

ANSWER_DELAY_S = 0.05  # far longer than a client takes to send a pipeline; short enough for a test


class RoundTripCounter:
    def __init__(self, db_url: str):
        target = make_url(db_url)
        socket_dir = target.query.get("host")
        if socket_dir:
            self._upstream = (socket.AF_UNIX, f"{socket_dir}/.s.PGSQL.{target.port or 5432}")
        else:
            self._upstream = (socket.AF_INET, (target.host or "127.0.0.1", target.port or 5432))
        self._listener = socket.create_server(("127.0.0.1", 0))
        port = self._listener.getsockname()[1]
        query = {key: value for key, value in target.query.items() if key != "host"}
        self.url = target.set(host="127.0.0.1", port=port, query=query).render_as_string(hide_password=False)
        self._lock = threading.Lock()
        self._turns = 0
        self._server_spoke = True  # the next thing the client sends starts a round trip
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def round_trips(self) -> int:
        with self._lock:
            return self._turns

    def reset(self) -> None:
        with self._lock:
            self._turns = 0
            self._server_spoke = True

    def close(self) -> None:
        self._closing = True
        self._listener.close()

    def __enter__(self) -> "RoundTripCounter":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            family, address = self._upstream
            server = socket.socket(family, socket.SOCK_STREAM)
            server.connect(address)
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if not from_client:
                    time.sleep(ANSWER_DELAY_S)
                with self._lock:  # counted before it is passed on: the answer cannot overtake it
                    if from_client and self._server_spoke:
                        self._turns += 1
                    self._server_spoke = not from_client
                sink.sendall(chunk)
        except OSError:
            pass
        for side in (source, sink):
            with suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)
