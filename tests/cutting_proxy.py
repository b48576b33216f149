"""A proxy in front of the test server that loses a COMMIT's answer: the transaction is committed, the client never
hears so.

    with CuttingProxy(db_url) as proxy:
        engine = make_engine(proxy.url)
        proxy.arm()          # the next COMMIT through the proxy is cut
        ...                  # the service's commit goes through; its connection then drops
        assert proxy.cuts == 1

It reads the client's messages (PostgreSQL's wire protocol); once armed, it forwards the next COMMIT (a simple query
or an extended-protocol Parse), waits until the server has answered it with CommandComplete "COMMIT" (so the commit
has happened), and then closes both sides without passing that answer on. Armed with `at_once=True` it closes as
soon as the COMMIT is on its way: the server is still committing when the client hears of the loss.
"""

import socket
import struct
import threading
from contextlib import suppress

from tests.tcp_proxy import TcpProxy

_UNTYPED_REQUESTS = {80877103, 80877104}  # SSLRequest, GSSENCRequest: answered by a single byte


class CuttingProxy(TcpProxy):
    def __init__(self, db_url: str):
        super().__init__(db_url)
        self.cuts = 0
        self._armed = threading.Event()
        self.at_once = False
        self.start()

    def arm(self, *, at_once: bool = False) -> None:
        """Cut the next COMMIT that goes through: once it is committed, or `at_once`."""
        self.at_once = at_once
        self._armed.set()

    @property
    def armed(self) -> bool:
        return self._armed.is_set()

    def serve(self, client: socket.socket, server: socket.socket) -> None:
        _Connection(self, client, server).start()

    def _take_cut(self) -> bool:
        """Whether this COMMIT is the one to cut (only one per arming)."""
        if self._armed.is_set():
            self._armed.clear()
            return True
        return False


class _Connection:
    def __init__(self, proxy: CuttingProxy, client: socket.socket, server: socket.socket):
        self._proxy, self._client, self._server = proxy, client, server
        self._cutting = threading.Event()  # the COMMIT went up: swallow the answer, then close
        self._commit_sent = False  # the COMMIT is complete upstream: a simple query, or its Sync after its Parse

    def start(self) -> None:
        threading.Thread(target=self._client_to_server, daemon=True).start()
        threading.Thread(target=self._server_to_client, daemon=True).start()

    def _close(self) -> None:
        for side in (self._client, self._server):
            with suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)
            side.close()

    def _client_to_server(self) -> None:
        buffer, started = b"", False
        try:
            while chunk := self._client.recv(65536):
                buffer += chunk
                forward, buffer, started = self._split(buffer, started)
                self._server.sendall(forward)
                if self._commit_sent:
                    if self._proxy.at_once:
                        self._proxy.cuts += 1
                        self._client.shutdown(socket.SHUT_RDWR)  # the server goes on committing
                    return
        except OSError:
            pass
        if not self._cutting.is_set():
            self._close()

    def _split(self, buffer: bytes, started: bool) -> tuple[bytes, bytes, bool]:
        """The whole messages at the front of `buffer` to forward now (up to the COMMIT to be cut: a simple query, or
        an extended-protocol one up to its Sync, however many reads that takes), the rest, and whether the start-up
        (untyped) messages are over."""
        position = 0
        while True:
            if not started:
                if len(buffer) - position < 8:
                    break
                length, code = struct.unpack("!II", buffer[position : position + 8])
                if len(buffer) - position < length:
                    break
                position += length
                started = code not in _UNTYPED_REQUESTS
                continue
            if len(buffer) - position < 5:
                break
            kind = buffer[position : position + 1]
            (length,) = struct.unpack("!I", buffer[position + 1 : position + 5])
            if len(buffer) - position < 1 + length:
                break
            body = buffer[position + 5 : position + 1 + length]
            position += 1 + length
            if self._cutting.is_set() and kind == b"S":
                self._commit_sent = True  # an extended-protocol COMMIT runs at its Sync
                break
            if _is_commit(kind, body) and self._proxy._take_cut():
                self._cutting.set()
                if kind == b"Q":
                    self._commit_sent = True
                    break
        return buffer[:position], buffer[position:], started

    def _server_to_client(self) -> None:
        seen = b""
        try:
            while chunk := self._server.recv(65536):
                if self._cutting.is_set():
                    if self._proxy.at_once:
                        break
                    seen += chunk
                    if b"C\x00\x00\x00\x0bCOMMIT\x00" in seen:  # CommandComplete "COMMIT": it is committed
                        self._proxy.cuts += 1
                        break
                    continue
                self._client.sendall(chunk)
        except OSError:
            pass
        self._close()


def _is_commit(kind: bytes, body: bytes) -> bool:
    if kind == b"Q":
        query = body.rstrip(b"\x00")
    elif kind == b"P":
        query = body.split(b"\x00")[1]
    else:
        return False
    return query.strip().rstrip(b";").upper() in (b"COMMIT", b"END")
