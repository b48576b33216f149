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

from tests.tcp_proxy import TcpProxy

ANSWER_DELAY_S = 0.05  # far longer than a client takes to send a pipeline; short enough for a test


class RoundTripCounter(TcpProxy):
    def __init__(self, db_url: str):
        super().__init__(db_url)
        self._lock = threading.Lock()
        self._turns = 0
        self._server_spoke = True  # the next thing the client sends starts a round trip
        self.start()

    @property
    def round_trips(self) -> int:
        with self._lock:
            return self._turns

    def reset(self) -> None:
        with self._lock:
            self._turns = 0
            self._server_spoke = True

    def serve(self, client: socket.socket, server: socket.socket) -> None:
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
