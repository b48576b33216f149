"""A TCP proxy in front of the test server: clients connect to `url`, and each connection is handed to `serve`
with its socket to the server. Subclasses decide what passes between them."""

import socket
import threading

from sqlalchemy import make_url


class TcpProxy:
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
        self._closing = False

    def start(self) -> None:
        threading.Thread(target=self._accept, daemon=True).start()

    def serve(self, client: socket.socket, server: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._closing = True
        self._listener.close()

    def __enter__(self):
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
            self.serve(client, server)
